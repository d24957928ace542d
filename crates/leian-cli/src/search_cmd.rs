//! `leian search`: one query, ranked hits with snippets.

use anyhow::Result;
use clap::Args;
use leian_core::{Filters, Kind};
use leian_search::linking::{LinkReason, StatuteLinks, Tier};
use leian_search::{Mode, SearchRequest};
use std::path::PathBuf;

#[derive(Args)]
pub struct SearchArgs {
    #[arg(long)]
    index: PathBuf,
    /// judgment or statute (default: both).
    #[arg(long)]
    kind: Option<Kind>,
    /// bm25, dense or hybrid (falls back to bm25 when the index has no vectors).
    #[arg(long, default_value = "hybrid")]
    mode: String,
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// Filters, key=value (kind, domain, cause, court_level, province, procedure, authority, law,
    /// statute_level, status, year, year_from, year_to).
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// Statutes: rank by direct retrieval only, without statute linking (the votes of similar
    /// judgments, likely charges and stated circumstances).
    #[arg(long)]
    no_linking: bool,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// The fact summary; `-` reads standard input.
    text: String,
}

pub fn run(args: SearchArgs) -> Result<()> {
    let text = crate::text_argument(&args.text, "the query")?;
    let mode = args.mode.parse::<Mode>()?;
    let engine = crate::open_engine(&args.index, &args.tuning, mode, false)?;
    let request = SearchRequest {
        text,
        kind: args.kind,
        mode,
        top_k: args.top_k,
        filters: Filters::parse(args.filters.iter().map(String::as_str))?,
        exclude_ids: Vec::new(),
    };
    if request.kind == Some(Kind::Statute) && !args.no_linking {
        return print_links(&engine.link_statutes(&request)?, args.json);
    }
    let response = engine.search(&request)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
        return Ok(());
    }
    if response.hits.is_empty() {
        println!("no matches");
    }
    for hit in &response.hits {
        let causes = if hit.causes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", hit.causes.join("、"))
        };
        println!(
            "{:>2}. {:>7.3}  {}  {}{}",
            hit.rank, hit.score, hit.id, hit.title, causes
        );
        println!("    {}", hit.snippet.marked.replace('\n', " "));
    }
    eprintln!(
        "{} hits, mode {:?}, {:.1} ms",
        response.hits.len(),
        response.mode,
        response.took_ms
    );
    Ok(())
}

/// Prints recommended statutes with their reasons, then the flagged ones and the analysis.
fn print_links(links: &StatuteLinks, json: bool) -> Result<()> {
    if json {
        println!("{}", serde_json::to_string_pretty(links)?);
        return Ok(());
    }
    if links.hits.is_empty() {
        println!("no matches");
    }
    for hit in &links.hits {
        println!(
            "{:>2}. {:>6.3}  {}  [{}]",
            hit.rank,
            hit.support,
            hit.title,
            match hit.tier {
                Tier::Specific => "分则",
                Tier::General => "总则",
                Tier::Other => "其他",
            }
        );
        for reason in &hit.reasons {
            println!("      {}", describe(reason));
        }
        println!("    {}", hit.snippet.marked.replace('\n', " "));
    }
    for flagged in &links.flagged {
        println!("  ! {}: {}", flagged.id, flagged.note);
    }
    let analysis = &links.analysis;
    let names = |items: &[leian_search::analysis::Candidate]| {
        items
            .iter()
            .take(3)
            .map(|c| format!("{} {:.2}", c.name, c.score))
            .collect::<Vec<_>>()
            .join(", ")
    };
    eprintln!("charges: {}", names(&analysis.charges));
    let stated: Vec<String> = analysis
        .circumstances
        .iter()
        .map(|c| match c.negated {
            true => format!("not {}", c.name),
            false => c.name.to_string(),
        })
        .collect();
    eprintln!("circumstances: {}", stated.join(", "));
    eprintln!(
        "{} articles, {} flagged, mode {:?}, {:.1} ms",
        links.hits.len(),
        links.flagged.len(),
        links.mode,
        links.took_ms
    );
    Ok(())
}

fn describe(reason: &LinkReason) -> String {
    match reason {
        LinkReason::CitedBySimilarCases {
            share,
            citing,
            voters,
            cases,
        } => {
            let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
            format!(
                "cited by {citing} of {voters} similar cases (vote {share:.2}): {}",
                ids.join(", ")
            )
        }
        LinkReason::PredictedCharge { charge, score, .. } => {
            format!("defines {charge}, the likely charge (score {score:.2})")
        }
        LinkReason::Circumstance {
            name, rate, text, ..
        } => format!(
            "the facts state {name} (「{text}」; cited in {:.0}% of such cases)",
            rate * 100.0
        ),
        LinkReason::MatchedTerms { rank, terms, .. } => {
            format!("text matches #{rank}: {}", terms.join(" "))
        }
    }
}
