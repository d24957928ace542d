//! Load benchmark of a running `leian serve`: fact summaries from a dev set's queries.jsonl sent
//! to `POST /v1/search` by 1, 8 and 32 concurrent clients (bounded in requests and time),
//! latency percentiles and errors per mode and concurrency, as a Markdown table.
//!
//! ```sh
//! cargo run --release -p leian-server --example load_bench -- \
//!     --url http://127.0.0.1:8080 --queries ../shared/data/eval/cjrc-same-cause/queries.jsonl \
//!     --modes bm25,hybrid --concurrency 1,8,32 --requests 400 --seconds 60
//! ```

use clap::Parser;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// What the bench reads of an answer; serde skips the rest of the body while checking it is JSON.
#[derive(serde::Deserialize)]
struct Answered {
    mode: Option<String>,
}

#[derive(Parser, Clone)]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// queries.jsonl with {"id", "text"} lines; sent round-robin.
    #[arg(long)]
    queries: std::path::PathBuf,
    /// Modes to measure, comma-separated.
    #[arg(long, default_value = "bm25,hybrid", value_delimiter = ',')]
    modes: Vec<String>,
    /// Concurrent clients, comma-separated.
    #[arg(long, default_value = "1,8,32", value_delimiter = ',')]
    concurrency: Vec<usize>,
    /// Requests per (mode, concurrency) run at most.
    #[arg(long, default_value_t = 400)]
    requests: usize,
    /// Seconds per run at most.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// kind of the searches.
    #[arg(long, default_value = "judgment")]
    kind: String,
    /// API key (Bearer), when the server has keys.
    #[arg(long, env = "LEIAN_API_KEY")]
    key: Option<String>,
    /// Print one JSON array of the runs (for scripts) instead of the Markdown table.
    #[arg(long)]
    json: bool,
}

struct Run {
    latencies_ms: Vec<f64>,
    errors: usize,
    modes_answered: std::collections::BTreeSet<String>,
    wall: Duration,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn run(args: &Args, queries: Arc<Vec<String>>, mode: &str, clients: usize) -> Run {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http client");
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, next, queries) = (client.clone(), next.clone(), queries.clone());
        let url = format!("{}/v1/search", args.url.trim_end_matches('/'));
        let (mode, kind, key, limit) = (
            mode.to_string(),
            args.kind.clone(),
            args.key.clone(),
            args.requests,
        );
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut modes = std::collections::BTreeSet::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= limit || Instant::now() >= deadline {
                    break;
                }
                let text = &queries[n % queries.len()];
                let mut request = client
                    .post(&url)
                    .json(&json!({"text": text, "mode": mode, "kind": kind, "top_k": 10}));
                if let Some(key) = &key {
                    request = request.bearer_auth(key);
                }
                let sent = Instant::now();
                match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        // The whole body is read and parsed into the one field the bench needs,
                        // as a typed client would; a JSON tree of a 200 KB answer (thousands of
                        // small allocations) is the client's cost, not the server's.
                        match response.json::<Answered>().await {
                            Ok(body) => {
                                latencies.push(sent.elapsed().as_secs_f64() * 1e3);
                                if let Some(m) = body.mode {
                                    modes.insert(m);
                                }
                            }
                            Err(_) => errors += 1,
                        }
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors, modes)
        }));
    }
    let mut result = Run {
        latencies_ms: Vec::new(),
        errors: 0,
        modes_answered: Default::default(),
        wall: Duration::ZERO,
    };
    for task in tasks {
        let (latencies, errors, modes) = task.await.expect("client task");
        result.latencies_ms.extend(latencies);
        result.errors += errors;
        result.modes_answered.extend(modes);
    }
    result.wall = started.elapsed();
    result
        .latencies_ms
        .sort_by(|a, b| a.partial_cmp(b).expect("latencies are numbers"));
    result
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let text = std::fs::read_to_string(&args.queries)?;
    let queries: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Value>(l).map(|v| v["text"].as_str().unwrap_or("").to_string())
        })
        .collect::<Result<_, _>>()?;
    if queries.is_empty() {
        return Err("no queries".into());
    }
    let queries = Arc::new(queries);
    if args.json {
        return print_json(&args, queries).await;
    }
    println!(
        "{} queries from {}, kind {}, top_k 10, at most {} requests or {} s per run",
        queries.len(),
        args.queries.display(),
        args.kind,
        args.requests,
        args.seconds
    );
    println!();
    println!(
        "| mode | clients | requests | errors | p50 ms | p95 ms | p99 ms | req/s | answered as |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for mode in &args.modes {
        warm_up(&args, &queries, mode).await;
        for &clients in &args.concurrency {
            let result = run(&args, queries.clone(), mode, clients).await;
            let l = &result.latencies_ms;
            println!(
                "| {mode} | {clients} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} | {} |",
                l.len() + result.errors,
                result.errors,
                percentile(l, 50.0),
                percentile(l, 95.0),
                percentile(l, 99.0),
                l.len() as f64 / result.wall.as_secs_f64(),
                result
                    .modes_answered
                    .iter()
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
    }
    Ok(())
}

/// Two unmeasured requests warm the page cache and the allocator.
async fn warm_up(args: &Args, queries: &Arc<Vec<String>>, mode: &str) {
    let warm = Args {
        requests: 2,
        ..args.clone()
    };
    let _ = run(&warm, queries.clone(), mode, 1).await;
}

async fn print_json(
    args: &Args,
    queries: Arc<Vec<String>>,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut runs = Vec::new();
    for mode in &args.modes {
        warm_up(args, &queries, mode).await;
        for &clients in &args.concurrency {
            let result = run(args, queries.clone(), mode, clients).await;
            let l = &result.latencies_ms;
            runs.push(json!({
                "mode": mode,
                "clients": clients,
                "requests": l.len() + result.errors,
                "errors": result.errors,
                "p50_ms": percentile(l, 50.0),
                "p95_ms": percentile(l, 95.0),
                "p99_ms": percentile(l, 99.0),
                "requests_per_second": l.len() as f64 / result.wall.as_secs_f64(),
            }));
        }
    }
    println!("{}", serde_json::to_string(&runs)?);
    Ok(())
}
