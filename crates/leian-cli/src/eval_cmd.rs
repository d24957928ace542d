//! `leian eval`: run an evaluation set through the engine and print trec_eval metrics.

use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use leian_core::{Filters, Kind};
use leian_search::eval::{
    Metrics, collapse_sub_articles, mean, read_qrels, read_queries, score_query, write_run,
};
use leian_search::{Mode, SearchError, SearchRequest};
use std::path::PathBuf;

#[derive(Args)]
pub struct EvalArgs {
    #[arg(long)]
    index: PathBuf,
    /// queries.jsonl with {"id", "text"} lines.
    #[arg(long)]
    queries: PathBuf,
    /// TREC qrels: QID 0 DOCID REL.
    #[arg(long)]
    qrels: PathBuf,
    #[arg(long)]
    kind: Kind,
    /// bm25, dense or hybrid (falls back to bm25 when the index has no vectors).
    #[arg(long, default_value = "hybrid")]
    mode: String,
    /// Never count a query's own document (leave-one-out).
    #[arg(long)]
    exclude_self: bool,
    /// Statutes: rank by direct retrieval only, without statute linking (the votes of similar
    /// judgments, likely charges and stated circumstances).
    #[arg(long)]
    no_linking: bool,
    /// Map …第N条之X to …第N条 in the run before scoring.
    #[arg(long)]
    collapse_sub_articles: bool,
    #[arg(long = "filter")]
    filters: Vec<String>,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// Write the TREC run here.
    #[arg(long)]
    run: Option<PathBuf>,
    /// Ranked documents kept per query (MAP is computed over them).
    #[arg(long, default_value_t = 100)]
    depth: usize,
    /// Parallel workers (default: one per core); 1 measures single-query latency.
    #[arg(long)]
    workers: Option<usize>,
    /// Evaluate only the first N queries.
    #[arg(long)]
    limit: Option<usize>,
    /// Print one JSON object with the metrics.
    #[arg(long)]
    json: bool,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let mode: Mode = args.mode.parse()?;
    let engine = crate::open_engine(&args.index, &args.tuning, mode, true)?;
    if engine.effective_mode(mode) != mode {
        eprintln!("note: the index has no dense vectors; evaluating {mode:?} as BM25");
    }
    let mut queries = read_queries(&args.queries)?;
    if let Some(limit) = args.limit {
        queries.truncate(limit);
    }
    let qrels = read_qrels(&args.qrels)?;
    let filters = Filters::parse(args.filters.iter().map(String::as_str))?;
    let bar = ProgressBar::new(queries.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "evaluating {bar:40} {human_pos}/{human_len} ({per_sec}, eta {eta})",
        )
        .expect("template"),
    );
    let rank = |query: &leian_search::eval::EvalQuery| -> Result<Vec<(String, f32)>> {
        let request = SearchRequest {
            text: query.text.clone(),
            kind: Some(args.kind),
            mode,
            top_k: args.depth,
            filters: filters.clone(),
            exclude_ids: if args.exclude_self {
                vec![query.id.clone()]
            } else {
                Vec::new()
            },
        };
        let linking = args.kind == Kind::Statute && !args.no_linking;
        let ranked = match if linking {
            engine.rank_linked(&request, args.depth)
        } else {
            engine.rank(&request, args.depth)
        } {
            Err(SearchError::EmptyQuery) => Vec::new(),
            other => other.with_context(|| format!("query {}", query.id))?,
        };
        Ok(if args.collapse_sub_articles {
            collapse_sub_articles(ranked)
        } else {
            ranked
        })
    };
    // Queries are independent; one worker per core unless single-query latency is being measured.
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, 64);
    let chunk = queries.len().div_ceil(workers).max(1);
    // (query id, ranked documents, milliseconds)
    type Timed = (String, Vec<(String, f32)>, f64);
    let timed: Vec<Timed> = std::thread::scope(|scope| {
        let handles: Vec<_> = queries
            .chunks(chunk)
            .map(|part| {
                let bar = &bar;
                let rank = &rank;
                scope.spawn(move || {
                    part.iter()
                        .map(|q| {
                            let started = std::time::Instant::now();
                            let ranked = rank(q);
                            let millis = started.elapsed().as_secs_f64() * 1000.0;
                            bar.inc(1);
                            ranked.map(|r| (q.id.clone(), r, millis))
                        })
                        .collect::<Result<Vec<_>>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("evaluation worker panicked"))
            .collect::<Result<Vec<_>>>()
    })?
    .into_iter()
    .flatten()
    .collect();
    bar.finish_and_clear();
    let mut latencies: Vec<f64> = timed.iter().map(|(_, _, ms)| *ms).collect();
    latencies.sort_by(f64::total_cmp);
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p).ceil() as usize).saturating_sub(1))
            .copied()
            .unwrap_or(0.0)
    };
    eprintln!(
        "per-query latency ({} workers, mode {:?}): p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms over {} queries",
        workers,
        engine.effective_mode(mode),
        percentile(0.50),
        percentile(0.95),
        percentile(0.99),
        latencies.len()
    );
    let runs: Vec<(String, Vec<(String, f32)>)> = timed
        .into_iter()
        .map(|(id, ranked, _)| (id, ranked))
        .collect();

    if let Some(path) = &args.run {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot write {}", path.display()))?,
        );
        write_run(&mut file, &runs, &format!("leian-{}", args.mode))?;
    }
    let per_query: Vec<Metrics> = runs
        .iter()
        .filter_map(|(qid, ranked)| {
            let judged = qrels.get(qid).filter(|j| j.values().any(|&g| g > 0))?;
            let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
            Some(score_query(&ids, judged))
        })
        .collect();
    let metrics = mean(&per_query);
    let unscored = queries.len() - metrics.queries;
    eprintln!(
        "scored {} of {} queries ({unscored} without relevant documents in the qrels, not scored)",
        metrics.queries,
        queries.len()
    );
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        let value = serde_json::to_value(&metrics)?;
        for key in ["R@5", "R@10", "R@20", "MRR@10", "nDCG@10", "MAP", "P@10"] {
            println!("{key:<8} {:.4}", value[key].as_f64().unwrap_or_default());
        }
        println!("{:<8} {}", "queries", metrics.queries);
    }
    Ok(())
}
