//! Daily update against full rebuild, on the shipped library (`corpus/judgments.jsonl.gz`,
//! 3,662 judgments, BM25 only): times a full build of the whole library, then builds it without
//! 100 judgments and times adding those 100 (`leian add`), and prints both and their ratio.
//!
//! With `--model NAME` (a cached model, e.g. `m3e-small`), it also builds a small library with
//! vectors (`--dense-base N` judgments, 300 by default: embedding all 3,662 on a CPU takes long),
//! adds the 100, and reports the passages embedded for them against the base's passages: the
//! stored vectors are kept, only the new judgments' passages are embedded.
//!
//! ```sh
//! cargo run --release -p leian-service --example update_bench [-- --model m3e-small]
//! ```

use leian_service::embedding::DEFAULT_STRATEGY;
use leian_service::indexing::{IndexPlan, build_index};
use leian_service::updating::{Additions, add_judgments};
use leian_service::{Progress, Silent};
use std::path::{Path, PathBuf};
use std::time::Instant;

const NEW: usize = 100;

/// Prints what the embedding step says of itself (passages computed and taken from the cache).
struct Summaries;

impl Progress for Summaries {
    fn begin(&self, _: &str, _: Option<u64>) {}
    fn update(&self, _: u64) {}
    fn end(&self, summary: &str) {
        if summary.contains("段落") {
            println!("  {summary}");
        }
    }
}

fn build(corpus: &[PathBuf], out: &Path, model: Option<&str>) -> f64 {
    let started = Instant::now();
    let plan = IndexPlan {
        corpus: corpus.to_vec(),
        statutes: Vec::new(),
        out: out.to_path_buf(),
        model: model.map(str::to_string),
        strategy: DEFAULT_STRATEGY,
        strict: false,
        threads: 2,
        device: Default::default(),
        allow_empty: false,
    };
    build_index(&plan, &Summaries).expect("build");
    started.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let option = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let model = option("--model");
    let dense_base: usize = option("--dense-base").map_or(300, |n| n.parse().expect("a number"));

    let library = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/judgments.jsonl.gz");
    let bytes = leian_ingest::read_source(&library).expect("the shipped library");
    let lines: Vec<&[u8]> = bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.trim_ascii().is_empty())
        .collect();
    let temp = tempfile::tempdir().expect("temp dir");
    let write = |name: &str, lines: &[&[u8]]| {
        let path = temp.path().join(name);
        std::fs::write(&path, lines.join(&b'\n')).expect("write");
        path
    };
    let (base, new) = lines.split_at(lines.len() - NEW);
    let all = write("all.jsonl", &lines);
    let base_file = write("base.jsonl", base);
    let new_file = write("new.jsonl", new);
    println!(
        "library: {} judgments; {NEW} held out and added",
        lines.len()
    );

    let full = build(&[all], &temp.path().join("full"), None);
    println!("full rebuild (BM25): {full:.2} s");
    let index = temp.path().join("index");
    build(std::slice::from_ref(&base_file), &index, None);
    let started = Instant::now();
    let paths = [new_file.clone()];
    let outcome = add_judgments(
        &index,
        Additions::Paths {
            paths: &paths,
            strict: false,
        },
        1,
        &Silent,
    )
    .expect("add");
    let add = started.elapsed().as_secs_f64();
    assert_eq!(outcome.added.len() + outcome.replaced.len(), NEW);
    println!(
        "add {NEW} (BM25): {add:.2} s — {:.1}% of the full rebuild ({} judgments after)",
        100.0 * add / full,
        outcome.judgments
    );

    if let Some(model) = model {
        let small = write("dense-base.jsonl", &base[..dense_base.min(base.len())]);
        let dense = temp.path().join("dense");
        println!("dense base: {dense_base} judgments with {model}");
        let seconds = build(&[small], &dense, Some(&model));
        let manifest = leian_index::Manifest::read(&dense).expect("manifest");
        let base_passages = manifest.dense.as_ref().map_or(0, |d| d.passages);
        println!("  built in {seconds:.1} s, {base_passages} passages");
        let started = Instant::now();
        let outcome = add_judgments(
            &dense,
            Additions::Paths {
                paths: &paths,
                strict: false,
            },
            1,
            &Summaries,
        )
        .expect("add with vectors");
        let after = leian_index::Manifest::read(&dense).expect("manifest");
        let after_passages = after.dense.as_ref().map_or(0, |d| d.passages);
        println!(
            "add {NEW} with {model}: {:.1} s; passages embedded for the new judgments: {}; passages before {base_passages}, after {after_passages}",
            started.elapsed().as_secs_f64(),
            outcome.passages_embedded
        );
        assert_eq!(after_passages, base_passages + outcome.passages_embedded);
    }
}
