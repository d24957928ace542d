//! Import benchmark: how many court files a second `read_judgments` reads (file walk, encoding
//! detection, decoding, metadata extraction; indexing is measured elsewhere).
//!
//! Writes `--files` judgments of the shared corpus as plain-text files into a temporary folder
//! (subfolders of 500), every other one in GB18030 with Windows line ends, the rest in UTF-8:
//! a record with a full text is its full text, one paragraph a line; the others are rendered as
//! a judgment's header (title, document type, case number where known) and the facts, reasoning
//! and result the record has. The folder is then read `--reps` times; the best and the median
//! pass are reported in files per second. The goal is 1,000 files/s on 2 cores.
//!
//! Run from the workspace root:
//!
//! ```text
//! cargo run --release -p leian-ingest --example import_bench -- \
//!     [--corpus ../shared/data/corpus/judgments.jsonl] [--files 3000] [--reps 3] [--keep DIR]
//! ```
//!
//! `RAYON_NUM_THREADS=1` measures one core. A missing corpus prints `skipped: … not found` and
//! exits 0, so the example never fails on a checkout without data.

use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::time::Instant;

struct Args {
    corpus: PathBuf,
    files: usize,
    reps: usize,
    /// Write the folder here and keep it (to time `leian index --corpus DIR` on it).
    keep: Option<PathBuf>,
}

fn args() -> Args {
    let mut args = Args {
        corpus: PathBuf::from("../shared/data/corpus/judgments.jsonl"),
        files: 3000,
        reps: 3,
        keep: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--corpus" => args.corpus = PathBuf::from(value),
            "--files" => args.files = value.parse().expect("--files N"),
            "--reps" => args.reps = value.parse().expect("--reps N"),
            "--keep" => args.keep = Some(PathBuf::from(value)),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

fn text(record: &Value, key: &str) -> Option<String> {
    record[key]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A corpus record as the text of a court's file.
fn render(record: &Value) -> String {
    if let Some(full_text) = text(record, "full_text") {
        return full_text
            .split(' ')
            .filter(|p| !p.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n");
    }
    let mut lines = Vec::new();
    lines.extend(text(record, "title"));
    lines.extend(text(record, "court"));
    lines.push(
        match record["domain"].as_str() {
            Some("civil") => "民事判决书",
            Some("administrative") => "行政判决书",
            _ => "刑事判决书",
        }
        .to_string(),
    );
    lines.extend(text(record, "case_number"));
    let facts = text(record, "facts").unwrap_or_default();
    let marked = [
        "经审理查明",
        "公诉机关指控",
        "检察院指控",
        "本院查明",
        "诉称",
    ]
    .iter()
    .any(|m| facts.contains(m));
    lines.push(if marked {
        facts
    } else {
        format!("经审理查明：{facts}")
    });
    lines.extend(text(record, "reasoning"));
    lines.extend(text(record, "result"));
    lines.join("\n")
}

fn main() {
    let args = args();
    let Ok(corpus) = std::fs::File::open(&args.corpus) else {
        println!(
            "skipped: {} not found (the shared corpus)",
            args.corpus.display()
        );
        return;
    };
    let mut records: Vec<Value> = BufReader::new(corpus)
        .lines()
        .map_while(Result::ok)
        .filter_map(|line| serde_json::from_str(&line).ok())
        .collect();
    // Full texts first (they are the longest and the most like court files), then the rest.
    records.sort_by_key(|r| r["full_text"].is_null());
    records.truncate(args.files);
    let full_texts = records.iter().filter(|r| !r["full_text"].is_null()).count();

    let temporary = tempfile::tempdir().expect("temporary folder");
    let root = args
        .keep
        .clone()
        .unwrap_or_else(|| temporary.path().to_path_buf());
    let mut bytes = 0usize;
    for (i, record) in records.iter().enumerate() {
        let folder = root.join(format!("batch-{:02}", i / 500));
        std::fs::create_dir_all(&folder).expect("folder");
        let text = render(record);
        let encoded = if i % 2 == 1 {
            encoding_rs::GB18030
                .encode(&text.replace('\n', "\r\n"))
                .0
                .into_owned()
        } else {
            text.into_bytes()
        };
        bytes += encoded.len();
        std::fs::write(folder.join(format!("{i:05}.txt")), encoded).expect("write");
    }
    println!(
        "{} files ({} with a full text), {:.1} MB, half UTF-8 and half GB18030; {} threads",
        records.len(),
        full_texts,
        bytes as f64 / 1e6,
        rayon::current_num_threads()
    );

    let mut rates = Vec::new();
    let mut last = None;
    for rep in 0..args.reps.max(1) {
        let started = Instant::now();
        let mut read = 0usize;
        let summary =
            leian_ingest::read_judgments(&root, false, &mut HashSet::new(), &mut |_| read += 1)
                .expect("read");
        let seconds = started.elapsed().as_secs_f64();
        let rate = records.len() as f64 / seconds;
        println!(
            "pass {}: {:.2} s, {:.0} files/s ({} read, {} skipped)",
            rep + 1,
            seconds,
            rate,
            read,
            summary.skipped.len()
        );
        rates.push(rate);
        last = Some(summary);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "best {:.0} files/s, median {:.0} files/s (goal 1000)",
        rates[rates.len() - 1],
        rates[rates.len() / 2]
    );
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for skip in last.map(|s| s.skipped).unwrap_or_default() {
        let reason: String = skip.reason.chars().take(30).collect();
        *reasons.entry(reason).or_default() += 1;
    }
    for (reason, count) in reasons {
        println!("  skipped {count}: {reason}");
    }
}
