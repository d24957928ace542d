//! Encoding throughput, comparable with `bench/st_encode.py`.
//!
//! ```text
//! cargo run --release -p leian-embed --example encode_bench -- MODEL_DIR TEXTS_FILE \
//!     [--batch-size 16] [--reps 3] [--threads N] [--max-tokens 512]
//! ```
//!
//! Embeds every line of TEXTS_FILE `reps` times after one warm-up batch and prints
//! `{"median_s", "texts", "texts_per_s", "threads"}` as JSON on stdout (the texts' mean token
//! count goes to stderr).

use std::error::Error;
use std::path::PathBuf;
use std::time::Instant;

use leian_embed::{Encoder, EncoderOptions};

struct Args {
    model: PathBuf,
    texts: PathBuf,
    options: EncoderOptions,
    reps: usize,
}

fn parse_args() -> Result<Args, Box<dyn Error>> {
    let mut positional = Vec::new();
    let mut options = EncoderOptions::default();
    let mut reps = 3;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<usize, Box<dyn Error>> {
            let text = args.next().ok_or(format!("{name} needs a value"))?;
            Ok(text.parse().map_err(|e| format!("{name} {text:?}: {e}"))?)
        };
        match arg.as_str() {
            "--batch-size" => options.batch_size = value("--batch-size")?,
            "--reps" => reps = value("--reps")?,
            "--threads" => options.threads = Some(value("--threads")?),
            "--max-tokens" => options.max_tokens = value("--max-tokens")?,
            _ if arg.starts_with("--") => return Err(format!("unknown option {arg}").into()),
            _ => positional.push(PathBuf::from(arg)),
        }
    }
    let [model, texts] = <[PathBuf; 2]>::try_from(positional).map_err(|_| {
        "usage: encode_bench MODEL_DIR TEXTS_FILE [--batch-size N] [--reps N] [--threads N] \
         [--max-tokens N]"
    })?;
    if reps == 0 {
        return Err("--reps must be at least 1".into());
    }
    Ok(Args {
        model,
        texts,
        options,
        reps,
    })
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args()?;
    let threads = args.options.threads.unwrap_or_else(|| {
        // What rayon's global pool (and candle's matmul split) will use.
        std::env::var("RAYON_NUM_THREADS")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
    });
    let batch_size = args.options.batch_size;
    let max_tokens = args.options.max_tokens.min(512);
    let encoder = Encoder::load(&args.model, args.options)?;
    let content = std::fs::read_to_string(&args.texts)
        .map_err(|e| format!("cannot read {}: {e}", args.texts.display()))?;
    let texts: Vec<&str> = content.lines().filter(|line| !line.is_empty()).collect();
    if texts.is_empty() {
        return Err(format!("no texts in {}", args.texts.display()).into());
    }

    // Stderr, so stdout stays the one JSON line: what length the texts really are.
    let mut tokens = 0;
    for text in &texts {
        tokens += (encoder.token_count(text)? + 2).min(max_tokens);
    }
    eprintln!(
        "{} texts, {:.1} tokens on average (max_tokens {max_tokens}, batch size {batch_size})",
        texts.len(),
        tokens as f64 / texts.len() as f64
    );

    encoder.embed(&texts[..batch_size.min(texts.len())])?;
    let mut seconds = Vec::with_capacity(args.reps);
    for _ in 0..args.reps {
        let start = Instant::now();
        encoder.embed(&texts)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    seconds.sort_by(f64::total_cmp);
    let median = if seconds.len() % 2 == 1 {
        seconds[seconds.len() / 2]
    } else {
        (seconds[seconds.len() / 2 - 1] + seconds[seconds.len() / 2]) / 2.0
    };
    let report = serde_json::json!({
        "median_s": median,
        "texts": texts.len(),
        "texts_per_s": texts.len() as f64 / median,
        "threads": threads,
    });
    println!("{report}");
    Ok(())
}
