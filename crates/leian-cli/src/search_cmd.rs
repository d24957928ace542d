//! `leian search`: one query, ranked hits with snippets.

use anyhow::{Result, bail};
use clap::Args;
use leian_core::{Filters, Kind};
use leian_search::{Mode, SearchRequest};
use std::io::Read;
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
    #[command(flatten)]
    tuning: crate::Tuning,
    /// Print JSON.
    #[arg(long)]
    json: bool,
    /// The fact summary; `-` reads standard input.
    text: String,
}

pub fn run(args: SearchArgs) -> Result<()> {
    let text = if args.text == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text)?;
        text
    } else {
        args.text.clone()
    };
    if text.trim().is_empty() {
        bail!("the query is empty");
    }
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
