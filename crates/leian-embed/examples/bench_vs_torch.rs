//! Leian's candle encoder against PyTorch sentence-transformers: same model, same texts, same
//! thread count, one run.
//!
//! ```text
//! cargo run --release -p leian-embed --example bench_vs_torch -- [--model DIR] \
//!     [--python /tmp/refvenv/bin/python] [--corpus ../shared/data/corpus/judgments.jsonl] \
//!     [--texts 32] [--reps 3] [--threads 2] [--batch-size 16]
//! ```
//!
//! For each length L of 64, 128 and 512 tokens it cuts `--texts` texts out of the corpus'
//! `facts`, each exactly L tokens long with `[CLS]` and `[SEP]` (consecutive facts are joined
//! where one is too short), embeds them in-process with [`Encoder`] and in a
//! `bench/st_encode.py` subprocess, and prints texts/s for both and the ratio leian / torch.
//! Both sides load the model and warm up on one batch untimed, then report the median of
//! `--reps` passes over all texts; both time tokenising as well as the forward passes. For the
//! 128-token texts it also prints the lowest cosine between the two sides' vectors, so a fast
//! but wrong encoder cannot pass unnoticed.
//!
//! Defaults: the model is `models/m3e-small` in Leian's cache (`$LEIAN_CACHE`, else
//! `$XDG_CACHE_HOME/leian`, else `~/.cache/leian`); Python is `/tmp/refvenv/bin/python` when it
//! exists (where the install hint below puts it), else `python3`; a relative `--corpus` is taken
//! from the workspace root, so the command runs from any directory. Without the corpus it prints
//! `skipped: ...` and exits 0. Without torch/sentence-transformers it prints how to install them
//! (`python3 -m venv /tmp/refvenv && /tmp/refvenv/bin/pip install -r
//! models/requirements-reference.txt`) and the leian numbers alone, and exits 0.
//!
//! Reading the numbers: the load average is printed at start and end, since a busy machine
//! slows both sides unevenly. The encoder caps a forward pass at a number of padded tokens (see
//! `MAX_BATCH_TOKENS` in src/encoder.rs), so at 512 tokens its batches may be smaller than
//! `--batch-size`; torch always runs the batch size asked for.

use std::error::Error;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use leian_embed::{Encoder, EncoderOptions};
use serde::Deserialize;
use tokenizers::Tokenizer;

/// The tokenizers crate's error type; every other error converts into it.
type BoxError = Box<dyn Error + Send + Sync>;

/// Text lengths measured, in tokens with `[CLS]`/`[SEP]`: short queries, typical passages, and
/// the model's full window.
const LENGTHS: [usize; 3] = [64, 128, 512];
/// The length whose vectors are compared with sentence-transformers'.
const CHECK_LENGTH: usize = 128;
/// Where the install hint puts the reference environment; the default `--python` if present.
const REFERENCE_PYTHON: &str = "/tmp/refvenv/bin/python";
const INSTALL_HINT: &str = "python3 -m venv /tmp/refvenv && \
                            /tmp/refvenv/bin/pip install -r models/requirements-reference.txt";
const USAGE: &str = "usage: bench_vs_torch [--model DIR] [--python PYTHON] [--corpus JSONL] \
                     [--texts N] [--reps N] [--threads N] [--batch-size N]";

struct Args {
    model: PathBuf,
    python: PathBuf,
    corpus: PathBuf,
    texts: usize,
    reps: usize,
    threads: usize,
    batch_size: usize,
}

/// The workspace root, which `bench/` and the default corpus path are relative to.
fn workspace_root() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    root.canonicalize().unwrap_or(root)
}

/// `m3e-small` in Leian's model cache, found the way `leian models` finds it.
fn default_model() -> PathBuf {
    let cache = std::env::var_os("LEIAN_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("leian")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/leian")))
        .unwrap_or_else(|| PathBuf::from(".leian-cache"));
    cache.join("models/m3e-small")
}

fn parse_args() -> Result<Args, BoxError> {
    let python = if Path::new(REFERENCE_PYTHON).exists() {
        PathBuf::from(REFERENCE_PYTHON)
    } else {
        PathBuf::from("python3")
    };
    let mut parsed = Args {
        model: default_model(),
        python,
        corpus: PathBuf::from("../shared/data/corpus/judgments.jsonl"),
        texts: 32,
        reps: 3,
        threads: 2,
        batch_size: 16,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, text: String| -> Result<usize, BoxError> {
            let n: usize = text.parse().map_err(|e| format!("{name} {text:?}: {e}"))?;
            if n == 0 {
                return Err(format!("{name} must be at least 1").into());
            }
            Ok(n)
        };
        match arg.as_str() {
            "--model" => parsed.model = value("--model")?.into(),
            "--python" => parsed.python = value("--python")?.into(),
            "--corpus" => parsed.corpus = value("--corpus")?.into(),
            "--texts" => parsed.texts = number("--texts", value("--texts")?)?,
            "--reps" => parsed.reps = number("--reps", value("--reps")?)?,
            "--threads" => parsed.threads = number("--threads", value("--threads")?)?,
            "--batch-size" => parsed.batch_size = number("--batch-size", value("--batch-size")?)?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => return Err(format!("unknown argument {arg}\n{USAGE}").into()),
        }
    }
    if parsed.corpus.is_relative() {
        parsed.corpus = workspace_root().join(&parsed.corpus);
    }
    Ok(parsed)
}

/// The 1, 5 and 15 minute load averages, or why there are none.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg").map_or_else(
        |_| "unavailable".to_string(),
        |line| {
            line.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        },
    )
}

/// One corpus line; only the facts are used.
#[derive(Deserialize)]
struct Judgment {
    #[serde(default)]
    facts: Option<String>,
}

/// Every non-empty `facts` field, whitespace runs turned into one space: st_encode.py reads one
/// text per line, and BERT's tokenizer splits on whitespace anyway, so token counts stay the same.
fn read_facts(path: &Path) -> Result<Vec<String>, BoxError> {
    let content = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut facts = Vec::new();
    for (number, line) in content.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let judgment: Judgment = serde_json::from_str(line)
            .map_err(|e| format!("{}:{}: {e}", path.display(), number + 1))?;
        let text = judgment
            .facts
            .unwrap_or_default()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !text.is_empty() {
            facts.push(text);
        }
    }
    Ok(facts)
}

/// `count` texts of exactly `length` tokens, `[CLS]`/`[SEP]` included, each the leading tokens
/// of a fact (or of consecutive facts joined by a space), cut at token offsets.
fn cut_texts(
    tokenizer: &Tokenizer,
    facts: &[String],
    length: usize,
    count: usize,
) -> Result<Vec<String>, BoxError> {
    // The special tokens the post-processor adds around any text: [CLS] and [SEP] for BERT.
    let specials = tokenizer.encode("", true)?.len();
    let content = length
        .checked_sub(specials)
        .filter(|&n| n > 0)
        .ok_or(format!(
            "{length} tokens leave no room after {specials} special tokens"
        ))?;
    let mut texts = Vec::with_capacity(count);
    let mut buffer = String::new();
    for fact in facts {
        if texts.len() == count {
            break;
        }
        if !buffer.is_empty() {
            buffer.push(' ');
        }
        buffer.push_str(fact);
        let encoding = tokenizer.encode(buffer.as_str(), false)?;
        let offsets = encoding.get_offsets();
        if offsets.len() < content {
            continue;
        }
        let (start, end) = (offsets[0].0, offsets[content - 1].1);
        let text = buffer
            .get(start..end)
            .ok_or(format!("token offsets {start}..{end} split a character"))?;
        // A cut between word pieces ("##" continuations) can tokenise differently on its own;
        // such a text would not be L tokens long, so it is dropped rather than measured.
        if tokenizer.encode(text, true)?.len() == length {
            texts.push(text.to_string());
        }
        buffer.clear();
    }
    if texts.len() < count {
        return Err(format!(
            "the corpus yields only {} texts of {length} tokens; {count} were asked for",
            texts.len()
        )
        .into());
    }
    Ok(texts)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// Median seconds to embed all `texts`, and the vectors of the last pass.
fn time_leian(
    encoder: &Encoder,
    texts: &[String],
    batch_size: usize,
    reps: usize,
) -> Result<(f64, Vec<Vec<f32>>), BoxError> {
    let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
    // One batch untimed, as st_encode.py does: first-touch allocations and page faults.
    encoder.embed(&texts[..batch_size.min(texts.len())])?;
    let mut seconds = Vec::with_capacity(reps);
    let mut vectors = Vec::new();
    for _ in 0..reps {
        let start = Instant::now();
        vectors = encoder.embed(&texts)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    Ok((median(seconds), vectors))
}

/// The fields of st_encode.py's JSON line that this report uses.
#[derive(Deserialize)]
struct TorchReport {
    median_s: f64,
    texts: usize,
    texts_per_s: f64,
    #[serde(default)]
    tokens: Option<usize>,
    torch: String,
    #[serde(default)]
    sentence_transformers: Option<String>,
    threads: usize,
}

enum TorchError {
    /// The interpreter or its packages are not there: report leian alone, exit 0.
    Missing(String),
    /// They are there but the run broke: report it and exit non-zero.
    Failed(String),
}

/// The last few lines of a subprocess's stderr: the traceback's end, not its warnings.
fn tail(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(8)..].join("\n")
}

fn time_torch(args: &Args, file: &Path, dump: Option<&Path>) -> Result<TorchReport, TorchError> {
    let script = workspace_root().join("bench/st_encode.py");
    let mut command = Command::new(&args.python);
    command
        .arg(&script)
        .arg(&args.model)
        .arg(file)
        .args(["--batch-size", &args.batch_size.to_string()])
        .args(["--reps", &args.reps.to_string()])
        .args(["--threads", &args.threads.to_string()]);
    if let Some(dump) = dump {
        command.arg("--dump").arg(dump);
    }
    let output = command.output().map_err(|e| {
        let why = format!("cannot run {}: {e}", args.python.display());
        if e.kind() == std::io::ErrorKind::NotFound {
            TorchError::Missing(why)
        } else {
            TorchError::Failed(why)
        }
    })?;
    if !output.status.success() {
        let why = format!(
            "{} failed ({}):\n{}",
            script.display(),
            output.status,
            tail(&output.stderr)
        );
        // Exit code 3 is st_encode.py's "sentence-transformers is not installed".
        return Err(if output.status.code() == Some(3) {
            TorchError::Missing(why)
        } else {
            TorchError::Failed(why)
        });
    }
    // The report is the last line; libraries may print to stdout before it.
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    serde_json::from_str(line).map_err(|e| {
        TorchError::Failed(format!("unreadable report {line:?} from st_encode.py: {e}"))
    })
}

/// The lowest cosine between each leian vector and sentence-transformers' for the same text.
fn min_cosine(ours: &[Vec<f32>], dump: &Path) -> Result<f64, BoxError> {
    let content = std::fs::read_to_string(dump)
        .map_err(|e| format!("cannot read {}: {e}", dump.display()))?;
    let theirs: Vec<Vec<f64>> = serde_json::from_str(&content)?;
    if theirs.len() != ours.len() {
        return Err(format!(
            "{} vectors from torch, {} from leian",
            theirs.len(),
            ours.len()
        )
        .into());
    }
    let mut lowest = f64::INFINITY;
    for (a, b) in ours.iter().zip(&theirs) {
        if a.len() != b.len() {
            return Err(format!("dimension {} from leian, {} from torch", a.len(), b.len()).into());
        }
        // Both sides normalise, but dividing by the norms keeps the check honest if one did not.
        let dot: f64 = a.iter().zip(b).map(|(&x, &y)| f64::from(x) * y).sum();
        let na = a.iter().map(|&x| f64::from(x).powi(2)).sum::<f64>().sqrt();
        let nb = b.iter().map(|&y| y * y).sum::<f64>().sqrt();
        lowest = lowest.min(dot / (na * nb).max(1e-12));
    }
    Ok(lowest)
}

/// Removes the texts and dumps however the run ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Row {
    length: usize,
    texts: usize,
    leian: f64,
    torch: Option<f64>,
}

fn main() -> Result<ExitCode, BoxError> {
    let args = parse_args()?;
    let rayon_threads = match std::env::var("RAYON_NUM_THREADS") {
        Ok(value) => format!("{value} (from the environment)"),
        Err(_) => {
            // candle splits every matrix product into RAYON_NUM_THREADS parts (else one per
            // physical core), whatever pool it runs on; the encoder's pool of `threads` only
            // bounds how many run at once. Splitting into more parts than there are threads
            // only adds scheduling overhead, so match them, as the encoder's docs advise.
            // SAFETY: no other thread exists yet (rayon's pools start with the encoder, below),
            // so nothing reads the environment while it changes.
            unsafe { std::env::set_var("RAYON_NUM_THREADS", args.threads.to_string()) };
            args.threads.to_string()
        }
    };

    if !args.corpus.is_file() {
        println!(
            "skipped: corpus {} not found (pass --corpus JSONL with a `facts` field per line)",
            args.corpus.display()
        );
        return Ok(ExitCode::SUCCESS);
    }

    // The same tokenizer.json the encoder and sentence-transformers load, untruncated, for cutting.
    let tokenizer_path = args.model.join("tokenizer.json");
    let mut tokenizer = Tokenizer::from_file(&tokenizer_path)
        .map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
    tokenizer.with_truncation(None)?;
    tokenizer.with_padding(None);
    let facts = read_facts(&args.corpus)?;

    let temp =
        TempDir(std::env::temp_dir().join(format!("leian-bench-vs-torch-{}", std::process::id())));
    std::fs::create_dir_all(&temp.0)?;
    let mut sets = Vec::with_capacity(LENGTHS.len());
    for length in LENGTHS {
        let texts = cut_texts(&tokenizer, &facts, length, args.texts)?;
        let file = temp.0.join(format!("texts-{length}.txt"));
        std::fs::write(&file, texts.join("\n") + "\n")?;
        sets.push((length, texts, file));
    }

    let encoder = Encoder::load(
        &args.model,
        EncoderOptions {
            threads: Some(args.threads),
            batch_size: args.batch_size,
            ..EncoderOptions::default()
        },
    )?;

    println!("model: {}", args.model.display());
    println!("python: {}", args.python.display());
    println!(
        "threads: {} (RAYON_NUM_THREADS {rayon_threads}), batch size: {}, reps: {}, texts per length: {}",
        args.threads, args.batch_size, args.reps, args.texts
    );
    println!("load average at start: {}", load_average());

    let mut rows = Vec::with_capacity(sets.len());
    let mut missing: Option<String> = None;
    let mut failed = false;
    let mut versions: Option<String> = None;
    let mut cosine: Option<f64> = None;
    for (length, texts, file) in &sets {
        let (leian_s, vectors) = time_leian(&encoder, texts, args.batch_size, args.reps)?;
        let leian = texts.len() as f64 / leian_s;
        // Progress on stderr: the 512-token runs take a while on two cores.
        eprintln!("{length} tokens: leian {leian:.1} texts/s ({leian_s:.3} s)");

        let mut torch = None;
        if missing.is_none() {
            let dump = (*length == CHECK_LENGTH)
                .then(|| temp.0.join(format!("torch-{CHECK_LENGTH}.json")));
            match time_torch(&args, file, dump.as_deref()) {
                Ok(report) => {
                    eprintln!(
                        "{length} tokens: sentence-transformers {:.1} texts/s ({:.3} s)",
                        report.texts_per_s, report.median_s
                    );
                    if report.texts != texts.len() {
                        eprintln!(
                            "warning: st_encode.py read {} texts, not {}",
                            report.texts,
                            texts.len()
                        );
                    }
                    // Its own token count (specials included) confirms both sides saw L tokens.
                    if let Some(tokens) = report.tokens.filter(|&t| t != length * texts.len()) {
                        eprintln!(
                            "warning: torch counted {tokens} tokens, not {}",
                            length * texts.len()
                        );
                    }
                    versions.get_or_insert_with(|| {
                        format!(
                            "torch {}, sentence-transformers {}, torch threads {}",
                            report.torch,
                            report.sentence_transformers.as_deref().unwrap_or("?"),
                            report.threads
                        )
                    });
                    if let Some(dump) = &dump {
                        match min_cosine(&vectors, dump) {
                            Ok(value) => cosine = Some(value),
                            Err(e) => {
                                eprintln!("cannot compare vectors: {e}");
                                failed = true;
                            }
                        }
                    }
                    torch = Some(report.texts_per_s);
                }
                Err(TorchError::Missing(why)) => missing = Some(why),
                Err(TorchError::Failed(why)) => {
                    eprintln!("sentence-transformers failed at {length} tokens: {why}");
                    failed = true;
                }
            }
        }
        rows.push(Row {
            length: *length,
            texts: texts.len(),
            leian,
            torch,
        });
    }

    println!();
    println!(
        "{:>6}  {:>5}  {:>13}  {:>29}  {:>20}",
        "length", "texts", "leian texts/s", "sentence-transformers texts/s", "ratio (leian/torch)"
    );
    for row in &rows {
        let (torch, ratio) = match row.torch {
            Some(t) => (format!("{t:.1}"), format!("{:.2}x", row.leian / t)),
            None => ("n/a".to_string(), "n/a".to_string()),
        };
        println!(
            "{:>6}  {:>5}  {:>13.1}  {torch:>29}  {ratio:>20}",
            row.length, row.texts, row.leian
        );
    }
    println!();
    for row in &rows {
        match row.torch {
            Some(t) => println!("ratio@{}: {:.2}x", row.length, row.leian / t),
            None => println!("ratio@{}: n/a", row.length),
        }
    }
    match cosine {
        Some(value) => println!(
            "min cosine@{CHECK_LENGTH} (leian vs sentence-transformers, {} texts): {value:.6} \
             (1 - cos = {:.1e})",
            args.texts,
            1.0 - value
        ),
        None => println!("min cosine@{CHECK_LENGTH}: n/a (no sentence-transformers vectors)"),
    }
    if let Some(versions) = &versions {
        println!("{versions}");
    }
    println!("load average at end: {}", load_average());
    if let Some(why) = missing {
        println!();
        println!("sentence-transformers was not run: {why}");
        println!("install it, from the workspace root, with: {INSTALL_HINT}");
        println!("then pass --python /tmp/refvenv/bin/python (the default once it exists)");
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
