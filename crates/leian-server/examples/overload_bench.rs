//! Overload benchmark client (issue 12), run by `bench/overload.sh`: many clients search at once
//! for a while; every response is classed (200, 503 `overloaded`, anything else) and timed, then
//! the service is probed until a search answers normally again.
//!
//! Prints the figures and exits non-zero when a criterion fails: a response other than 200 or
//! `503 overloaded`, a response slower than `--answer-within-ms`, or no normal answer within
//! `--recover-within-ms` of the load stopping.

use clap::Parser;
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Parser, Clone)]
struct Args {
    /// Base URL of the server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// JSONL file of queries (`{"text": …}` per line).
    #[arg(long)]
    queries: std::path::PathBuf,
    /// Concurrent clients.
    #[arg(long, default_value_t = 500)]
    clients: usize,
    /// Seconds of load.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Ranking mode asked for.
    #[arg(long, default_value = "bm25")]
    mode: String,
    /// Clients retry at once after a refusal instead of waiting `Retry-After` (a hostile or
    /// badly written client).
    #[arg(long)]
    ignore_retry_after: bool,
    /// Longest acceptable time for any response, 200 or refusal.
    #[arg(long, default_value_t = 1000)]
    answer_within_ms: u64,
    /// Longest acceptable time from the end of the load to a normal answer.
    #[arg(long, default_value_t = 2000)]
    recover_within_ms: u64,
    /// A search answered within this time counts as normal service when probing recovery.
    #[arg(long, default_value_t = 300)]
    normal_ms: u64,
    /// Only load, no recovery probe and no verdict (used while the server is being stopped).
    #[arg(long)]
    load_only: bool,
    /// API key (Bearer), when the server has keys.
    #[arg(long, env = "LEIAN_API_KEY")]
    key: Option<String>,
}

#[derive(Default)]
struct Tally {
    ok_ms: Vec<f64>,
    refused_ms: Vec<f64>,
    /// Anything else: (what, milliseconds).
    other: Vec<(String, f64)>,
    /// Responses slower than the limit: (seconds into the load, milliseconds, status).
    slow: Vec<(f64, f64, u16)>,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn search_body(args: &Args, text: &str) -> Value {
    json!({"text": text, "mode": args.mode, "kind": "judgment", "top_k": 10})
}

fn post(client: &reqwest::Client, args: &Args, url: &str, text: &str) -> reqwest::RequestBuilder {
    let request = client.post(url).json(&search_body(args, text));
    match &args.key {
        Some(key) => request.bearer_auth(key),
        None => request,
    }
}

async fn load(args: &Args, queries: Arc<Vec<String>>) -> (Tally, Duration) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(args.clients)
        .build()
        .expect("http client");
    let url = format!("{}/v1/search", args.url.trim_end_matches('/'));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.clients {
        let (client, next, queries, url, args) = (
            client.clone(),
            next.clone(),
            queries.clone(),
            url.clone(),
            args.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < end {
                let text = &queries[next.fetch_add(1, Ordering::Relaxed) % queries.len()];
                let sent = Instant::now();
                let response = post(&client, &args, &url, text).send().await;
                let (status, retry_after, body) = match response {
                    Ok(response) => {
                        let status = response.status().as_u16();
                        let retry_after = response
                            .headers()
                            .get("retry-after")
                            .and_then(|v| v.to_str().ok())
                            .and_then(|v| v.parse::<u64>().ok());
                        (status, retry_after, response.bytes().await.ok())
                    }
                    Err(error) => {
                        let what = match error.is_timeout() {
                            true => "client timeout".to_string(),
                            false => "connection error".to_string(),
                        };
                        tally.other.push((what, sent.elapsed().as_secs_f64() * 1e3));
                        continue;
                    }
                };
                let ms = sent.elapsed().as_secs_f64() * 1e3;
                if ms > args.answer_within_ms as f64 {
                    tally
                        .slow
                        .push(((sent - started).as_secs_f64(), ms, status));
                }
                let code = body
                    .as_ref()
                    .and_then(|b| serde_json::from_slice::<Value>(b).ok())
                    .and_then(|v| v["error"]["code"].as_str().map(str::to_string));
                match (status, code.as_deref()) {
                    (200, _) => tally.ok_ms.push(ms),
                    (503, Some("overloaded")) => {
                        tally.refused_ms.push(ms);
                        if !args.ignore_retry_after {
                            let wait = Duration::from_secs(retry_after.unwrap_or(1));
                            tokio::time::sleep(
                                wait.min(end.saturating_duration_since(Instant::now())),
                            )
                            .await;
                        }
                    }
                    (status, code) => tally
                        .other
                        .push((format!("{status} {}", code.unwrap_or("-")), ms)),
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for task in tasks {
        let tally = task.await.expect("client task");
        total.ok_ms.extend(tally.ok_ms);
        total.refused_ms.extend(tally.refused_ms);
        total.other.extend(tally.other);
        total.slow.extend(tally.slow);
    }
    total
        .slow
        .sort_by(|a, b| a.0.partial_cmp(&b.0).expect("numbers"));
    let sort = |v: &mut Vec<f64>| v.sort_by(|a, b| a.partial_cmp(b).expect("numbers"));
    sort(&mut total.ok_ms);
    sort(&mut total.refused_ms);
    (total, started.elapsed())
}

/// Milliseconds from now until a search answers 200 within `normal_ms`, or `None` after 30 s.
async fn recovery(args: &Args, text: &str) -> Option<f64> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("http client");
    let url = format!("{}/v1/search", args.url.trim_end_matches('/'));
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        let sent = Instant::now();
        if let Ok(response) = post(&client, args, &url, text).send().await
            && response.status().is_success()
            && response.bytes().await.is_ok()
            && sent.elapsed() <= Duration::from_millis(args.normal_ms)
        {
            return Some(started.elapsed().as_secs_f64() * 1e3);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let queries: Vec<String> = std::fs::read_to_string(&args.queries)?
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
    let (tally, wall) = load(&args, queries.clone()).await;
    let recovered = match args.load_only {
        true => None,
        false => recovery(&args, &queries[0]).await,
    };
    let slowest = |v: &[f64]| v.last().copied().unwrap_or(0.0);
    let answered = tally.ok_ms.len() + tally.refused_ms.len() + tally.other.len();
    println!(
        "{} clients × {:.1} s, mode {}, clients {} Retry-After",
        args.clients,
        wall.as_secs_f64(),
        args.mode,
        if args.ignore_retry_after {
            "ignore"
        } else {
            "honour"
        }
    );
    println!(
        "responses {answered}: 200 × {} ({:.1}/s; p50 {:.0} ms, p95 {:.0} ms, p99 {:.0} ms, max {:.0} ms), 503 overloaded × {} (p99 {:.0} ms, max {:.0} ms), other × {}",
        tally.ok_ms.len(),
        tally.ok_ms.len() as f64 / wall.as_secs_f64(),
        percentile(&tally.ok_ms, 50.0),
        percentile(&tally.ok_ms, 95.0),
        percentile(&tally.ok_ms, 99.0),
        slowest(&tally.ok_ms),
        tally.refused_ms.len(),
        percentile(&tally.refused_ms, 99.0),
        slowest(&tally.refused_ms),
        tally.other.len(),
    );
    if args.load_only {
        return Ok(());
    }
    let mut failures = Vec::new();
    if let Some((what, ms)) = tally.other.first() {
        failures.push(format!(
            "{} responses neither 200 nor 503 overloaded (first: {what} after {ms:.0} ms)",
            tally.other.len()
        ));
    }
    let limit = args.answer_within_ms as f64;
    let late = tally
        .ok_ms
        .iter()
        .chain(&tally.refused_ms)
        .filter(|&&ms| ms > limit)
        .count();
    if late > 0 {
        let first: Vec<String> = tally
            .slow
            .iter()
            .take(8)
            .map(|(at, ms, status)| format!("{status} sent at {at:.1} s took {ms:.0} ms"))
            .collect();
        failures.push(format!(
            "{late} responses slower than {limit:.0} ms ({})",
            first.join("; ")
        ));
    }
    match recovered {
        Some(ms) => {
            println!("normal service {ms:.0} ms after the load stopped");
            if ms > args.recover_within_ms as f64 {
                failures.push(format!(
                    "recovery took {ms:.0} ms (limit {} ms)",
                    args.recover_within_ms
                ));
            }
        }
        None => failures.push("no normal answer within 30 s of the load stopping".into()),
    }
    if failures.is_empty() {
        println!(
            "PASS: every response 200 or 503 overloaded within {limit:.0} ms; recovered in time"
        );
        Ok(())
    } else {
        for failure in &failures {
            println!("FAIL: {failure}");
        }
        std::process::exit(1);
    }
}
