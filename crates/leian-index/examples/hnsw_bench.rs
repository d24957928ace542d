//! Exact search vs the HNSW graph, to choose `DEFAULT_HNSW_MIN_PASSAGES`:
//! `cargo run --release -p leian-index --example hnsw_bench -- [PASSAGES... | SNAPSHOT_DIR]`.
//! A number: that many synthetic passages (512 dimensions like m3e-small, 3 a document, clustered
//! unit vectors; default 10k, 50k, 100k, 200k). A snapshot folder with vectors: its real passage
//! vectors, every 200th held out as a query. Prints build time, per-query latency (p50 / p99 over
//! the queries, one thread) and the graph's recall of the exact top-10 documents.

use leian_index::{DenseInfo, Quantization, VectorWriter, Vectors};
use std::time::Instant;

const DIMENSION: usize = 512;
const QUERIES: usize = 200;

/// Deterministic clustered unit vectors (xorshift), so neighbourhoods are not uniform noise.
fn unit_vectors(count: usize, seed: u64) -> Vec<Vec<f32>> {
    let mut state = seed;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f32 / (1u64 << 53) as f32 - 0.5
    };
    let centres: Vec<Vec<f32>> = (0..200)
        .map(|_| (0..DIMENSION).map(|_| next()).collect())
        .collect();
    (0..count)
        .map(|i| {
            let centre = &centres[(i / 3) % centres.len()];
            let v: Vec<f32> = centre.iter().map(|c| c + 0.5 * next()).collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / norm).collect()
        })
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

/// The passage vectors of a snapshot, split into (documents' passages, held-out queries).
fn real_vectors(snapshot: &std::path::Path) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let bytes = std::fs::read(snapshot.join("vectors/passages.f32")).expect("vectors/passages.f32");
    let rows: Vec<Vec<f32>> = bytes
        .chunks_exact(4 * DIMENSION)
        .map(|row| {
            row.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect();
    let (mut base, mut queries) = (Vec::new(), Vec::new());
    for (i, row) in rows.into_iter().enumerate() {
        if i % 200 == 0 {
            queries.push(row)
        } else {
            base.push(row)
        }
    }
    (base, queries)
}

/// A labelled set of passages and the queries to search it with.
type BenchSet = (String, Vec<Vec<f32>>, Vec<Vec<f32>>);

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sets: Vec<BenchSet> = if args.is_empty() {
        [10_000, 50_000, 100_000, 200_000]
            .into_iter()
            .map(|n| {
                (
                    format!("{n} synthetic"),
                    unit_vectors(n, 7),
                    unit_vectors(QUERIES, 4242),
                )
            })
            .collect()
    } else {
        args.iter()
            .map(|arg| match arg.parse::<usize>() {
                Ok(n) => (
                    format!("{n} synthetic"),
                    unit_vectors(n, 7),
                    unit_vectors(QUERIES, 4242),
                ),
                Err(_) => {
                    let (base, queries) = real_vectors(std::path::Path::new(arg));
                    (format!("{} real ({arg})", base.len()), base, queries)
                }
            })
            .collect()
    };
    println!("| passages | graph build s | exact p50 / p99 ms | graph p50 / p99 ms | recall@10 |");
    println!("|---|---|---|---|---|");
    for (label, vectors, queries) in sets {
        let open = |min_passages: usize| {
            let dir = tempfile::tempdir().unwrap();
            let mut writer = VectorWriter::new_in(dir.path(), DIMENSION)
                .with_hnsw_min_passages(min_passages)
                .with_quantization(Quantization::F32);
            for (doc, rows) in vectors.chunks(3).enumerate() {
                writer.add(&format!("d{doc}"), rows).unwrap();
            }
            let (passages, documents) = (writer.passages(), writer.documents());
            let started = Instant::now();
            let hnsw = writer.write(dir.path()).unwrap();
            let seconds = started.elapsed().as_secs_f64();
            let info = DenseInfo {
                model: "bench".into(),
                model_fingerprint: "bench".into(),
                dimension: DIMENSION,
                passage_tokens: 256,
                passage_overlap: 32,
                passages,
                documents,
                hnsw,
                kinds: Vec::new(),
                passage_text: Default::default(),
            };
            (Vectors::open(dir.path(), &info).unwrap(), seconds, dir)
        };
        let (exact, _, _exact_dir) = open(usize::MAX);
        let (graph, build_seconds, _graph_dir) = open(0);
        let mut timings = (Vec::new(), Vec::new());
        let mut found = 0;
        for query in &queries {
            let started = Instant::now();
            let truth = exact.search(query, None, 10).unwrap();
            timings.0.push(started.elapsed().as_secs_f64() * 1000.0);
            let started = Instant::now();
            let approx = graph.search(query, None, 10).unwrap();
            timings.1.push(started.elapsed().as_secs_f64() * 1000.0);
            found += approx.iter().filter(|hit| truth.contains(hit)).count();
        }
        timings.0.sort_by(f64::total_cmp);
        timings.1.sort_by(f64::total_cmp);
        println!(
            "| {label} | {build_seconds:.1} | {:.2} / {:.2} | {:.2} / {:.2} | {:.3} |",
            percentile(&timings.0, 0.5),
            percentile(&timings.0, 0.99),
            percentile(&timings.1, 0.5),
            percentile(&timings.1, 0.99),
            found as f64 / (10 * queries.len()) as f64
        );
    }
}
