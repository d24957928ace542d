//! Segmentation benchmark: jieba-rs, as Leian uses it, against Python `jieba` on the same text in
//! one run.
//!
//! The text is the `facts` field of the first `--records` judgments of the corpus (one record per
//! line, line breaks inside a record replaced by spaces). It is written to a temporary file that
//! `bench/jieba_segment.py` segments with `jieba.lcut(line, HMM=True)`, while this program times,
//! on the very same lines:
//!
//! - `jieba-rs cut`: plain `jieba_rs::Jieba::new()` with `cut(line, true)`, the same algorithm and
//!   dictionary as Python's `lcut`, so its token count should match Python's and the ratio is a
//!   like-for-like speed comparison;
//! - `leian words`: `leian_text::analyzer().words(line)`, jieba-rs plus the legal dictionary in
//!   default mode;
//! - `leian terms`: `leian_text::analyzer().terms(line)`, the full index-time analysis
//!   (normalisation, search mode, stop words, legal stems).
//!
//! Every side loads its dictionary before the clock starts and reports the median over `--reps`
//! passes over all lines. The goal is a speed-up of at least 10x for the same-algorithm row.
//!
//! Run from the workspace root (Python jieba must be installed: `pip install jieba==0.42.1`):
//!
//! ```text
//! cargo run --release -p leian-text --example bench_segment -- \
//!     [--corpus ../shared/data/corpus/judgments.jsonl] [--records 1500] [--reps 5]
//! ```
//!
//! A missing corpus prints `skipped: ... not found` and exits 0, so the example never fails on a
//! checkout without data.

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

const DEFAULT_RECORDS: usize = 1500;
const DEFAULT_REPS: usize = 5;
const PYTHON_SCRIPT: &str = "bench/jieba_segment.py";
const INSTALL_HINT: &str = "pip install jieba==0.42.1";
/// Exit status of `bench/jieba_segment.py` when `import jieba` fails.
const PY_MISSING_JIEBA: i32 = 3;

struct Args {
    corpus: PathBuf,
    records: usize,
    reps: usize,
}

/// One benchmarked segmenter: work done and the median time of a full pass.
struct Row {
    name: &'static str,
    chars: usize,
    bytes: usize,
    tokens: usize,
    median_s: f64,
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("bench_segment: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let root = workspace_root();
    let Some(args) = parse_args(&root)? else {
        return Ok(ExitCode::SUCCESS);
    };
    if !args.corpus.is_file() {
        println!("skipped: corpus {} not found", args.corpus.display());
        return Ok(ExitCode::SUCCESS);
    }

    let lines = read_facts(&args.corpus, args.records)?;
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let chars: usize = lines.iter().map(|l| l.chars().count()).sum();
    println!(
        "text: {} records from {}, {chars} chars, {:.2} MB; {} reps, median reported",
        lines.len(),
        args.corpus.display(),
        bytes as f64 / 1e6,
        args.reps
    );

    // Python reads the text from a file; Rust segments the same lines it wrote, so both sides
    // see identical characters.
    let file = std::env::temp_dir().join(format!("leian-bench-segment-{}.txt", std::process::id()));
    let mut contents = lines.join("\n");
    contents.push('\n');
    std::fs::write(&file, contents).map_err(|e| format!("writing {}: {e}", file.display()))?;
    let python = run_python(&root, &file, args.reps, bytes);
    // Best effort: a leftover temp file is harmless, and the result matters more.
    let _ = std::fs::remove_file(&file);
    let python = match python? {
        Some(row) => row,
        None => return Ok(ExitCode::FAILURE),
    };
    if python.chars != chars {
        eprintln!(
            "warning: Python counted {} chars, Rust {chars}: the texts differ",
            python.chars
        );
    }

    // Dictionary loading happens here, outside the timed loops, as on the Python side.
    let jieba = jieba_rs::Jieba::new();
    let analyzer = leian_text::analyzer();
    black_box(analyzer.words("预热"));

    let row = |name, tokens, median_s| Row {
        name,
        chars,
        bytes,
        tokens,
        median_s,
    };
    let (tokens, secs) = time_pass(&lines, args.reps, |line| jieba.cut(line, true).len());
    let plain = row("jieba-rs cut (same algorithm)", tokens, secs);
    let (tokens, secs) = time_pass(&lines, args.reps, |line| analyzer.words(line).len());
    let words = row("leian words (legal dict)", tokens, secs);
    let (tokens, secs) = time_pass(&lines, args.reps, |line| analyzer.terms(line).len());
    let terms = row("leian terms (index analysis)", tokens, secs);

    let ratio = python.median_s / plain.median_s;
    print_table(&[&python, &plain, &words, &terms], python.median_s);
    println!(
        "tokens: python jieba {} vs jieba-rs cut {} ({:+.3}%)",
        python.tokens,
        plain.tokens,
        (plain.tokens as f64 / python.tokens.max(1) as f64 - 1.0) * 100.0
    );
    println!("ratio jieba-rs/python-jieba (same algorithm): {ratio:.1}x");
    Ok(ExitCode::SUCCESS)
}

/// The workspace root, so that the default corpus and the Python script resolve the same way
/// wherever cargo is run from.
fn workspace_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .ancestors()
        .nth(2)
        .unwrap_or(manifest)
        .to_path_buf()
}

/// `None` when only help was asked for.
fn parse_args(root: &Path) -> Result<Option<Args>, String> {
    let mut args = Args {
        corpus: root.join("../shared/data/corpus/judgments.jsonl"),
        records: DEFAULT_RECORDS,
        reps: DEFAULT_REPS,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--corpus" => args.corpus = PathBuf::from(value()?),
            "--records" => args.records = parse_count(&flag, &value()?)?,
            "--reps" => args.reps = parse_count(&flag, &value()?)?,
            "-h" | "--help" => {
                println!("usage: bench_segment [--corpus FILE.jsonl] [--records N] [--reps N]");
                return Ok(None);
            }
            other => return Err(format!("unknown argument {other} (try --help)")),
        }
    }
    Ok(Some(args))
}

fn parse_count(flag: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{flag} wants a positive integer, got {value:?}")),
    }
}

/// The `facts` of the first `limit` records, one line each.
fn read_facts(path: &Path, limit: usize) -> Result<Vec<String>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("opening {}: {e}", path.display()))?;
    let mut lines = Vec::new();
    for (number, line) in BufReader::new(file).lines().enumerate() {
        if lines.len() == limit {
            break;
        }
        let line = line.map_err(|e| format!("reading {}: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), number + 1))?;
        let facts = record
            .get("facts")
            .and_then(|f| f.as_str())
            .unwrap_or_default();
        // Python's text mode splits on \n and turns \r into \n, so neither may survive inside a
        // record or the two sides would segment different lines.
        lines.push(facts.replace(['\r', '\n'], " "));
    }
    Ok(lines)
}

/// Runs the Python side; `Ok(None)` after telling the user how to install jieba.
fn run_python(root: &Path, file: &Path, reps: usize, bytes: usize) -> Result<Option<Row>, String> {
    let output = Command::new("python3")
        .current_dir(root)
        .arg(PYTHON_SCRIPT)
        .arg(file)
        .args(["--reps", &reps.to_string()])
        .output();
    let output = match output {
        Ok(output) => output,
        Err(e) => {
            eprintln!("cannot run python3 ({e}); install Python 3 and then: {INSTALL_HINT}");
            return Ok(None);
        }
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    if output.status.code() == Some(PY_MISSING_JIEBA) || stderr.contains("No module named 'jieba'")
    {
        eprintln!("Python jieba is not importable; install it with: {INSTALL_HINT}");
        return Ok(None);
    }
    if !output.status.success() {
        return Err(format!(
            "{PYTHON_SCRIPT} failed ({}):\n{stderr}",
            output.status
        ));
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json: serde_json::Value = serde_json::from_str(stdout.trim())
        .map_err(|e| format!("{PYTHON_SCRIPT} printed {stdout:?}: {e}"))?;
    let number = |key: &str| {
        json.get(key)
            .and_then(serde_json::Value::as_f64)
            .ok_or_else(|| format!("{PYTHON_SCRIPT}: no {key} in {json}"))
    };
    Ok(Some(Row {
        name: "python jieba lcut",
        chars: number("chars")? as usize,
        // Same lines as the Rust side (checked by the char count), so the same UTF-8 size.
        bytes,
        tokens: number("tokens")? as usize,
        median_s: number("median_s")?,
    }))
}

/// Segments every line `reps` times; returns the token count of one pass and the median seconds.
fn time_pass(
    lines: &[String],
    reps: usize,
    mut segment: impl FnMut(&str) -> usize,
) -> (usize, f64) {
    let mut times = Vec::with_capacity(reps);
    let mut tokens = 0;
    for _ in 0..reps {
        let start = Instant::now();
        // black_box keeps the optimiser from discarding work whose result is only counted.
        tokens = lines.iter().map(|line| segment(black_box(line))).sum();
        times.push(start.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    (tokens, times[times.len() / 2])
}

fn print_table(rows: &[&Row], python_s: f64) {
    println!();
    println!(
        "{:<31} {:>10} {:>9} {:>9} {:>7} {:>9} {:>9}",
        "segmenter", "chars", "tokens", "median s", "MB/s", "Mchar/s", "speed-up vs Python jieba"
    );
    for row in rows {
        println!(
            "{:<31} {:>10} {:>9} {:>9.3} {:>7.2} {:>9.3} {:>8.1}x",
            row.name,
            row.chars,
            row.tokens,
            row.median_s,
            row.bytes as f64 / row.median_s / 1e6,
            row.chars as f64 / row.median_s / 1e6,
            python_s / row.median_s
        );
    }
    println!();
}
