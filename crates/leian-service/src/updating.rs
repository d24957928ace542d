//! Daily updates: judgments added to a published snapshot (a judgment already indexed under its
//! id or its case number is replaced, never duplicated) and documents removed, without a full
//! rebuild. Only the new judgments are analysed and, when the snapshot has vectors, embedded
//! (through the embedding cache); the stored vectors are kept as they are. The new snapshot is
//! published atomically (`leian_index::SnapshotUpdate`); a server switches to it on reload.
//!
//! Every check runs before anything is written: duplicate ids in one input, unknown ids to
//! remove and malformed request bodies change nothing.

use crate::embedding::{PassageStrategy, embed_documents};
use crate::error::{Context, Result, ServiceError};
use crate::indexing::record;
use crate::progress::Progress;
use leian_core::{Document, Judgment};
use leian_index::{SnapshotUpdate, SourceRecord, UpdateCounts};
use leian_ingest::{SourceSummary, read_judgments};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use utoipa::ToSchema;

/// Where new judgments come from.
pub enum Additions<'a> {
    /// Files or folders, read as `leian index --corpus` reads them; bad records are skipped and
    /// reported (or stop the run with `strict`).
    Paths { paths: &'a [PathBuf], strict: bool },
    /// A request body (JSON lines, or one JSON judgment or array of them), named `origin` in the
    /// manifest; any bad record refuses the whole body.
    Body { bytes: &'a [u8], origin: &'a str },
}

/// What an update changed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UpdateOutcome {
    /// The snapshot published (equal to `previous_snapshot_id` when nothing changed).
    pub snapshot_id: String,
    /// The snapshot it was made from.
    pub previous_snapshot_id: String,
    /// Ids of judgments that were not indexed before.
    pub added: Vec<String>,
    /// Judgments that replaced indexed ones (same id, or same case number).
    pub replaced: Vec<Replacement>,
    /// Ids removed.
    pub removed: Vec<String>,
    /// Documents in the new snapshot.
    pub judgments: u64,
    pub statutes: u64,
    /// Passages of the new judgments given vectors (computed or taken from the embedding
    /// cache); 0 for a snapshot without vectors. Stored vectors are never recomputed.
    pub passages_embedded: usize,
    pub took_ms: f64,
    /// What each input file held and skipped (files only).
    #[serde(skip)]
    pub sources: Vec<SourceSummary>,
}

/// A judgment that took the place of indexed ones.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Replacement {
    pub id: String,
    /// The ids it replaced: its own, and the id of a judgment with the same case number.
    pub replaced_ids: Vec<String>,
}

/// Adds the judgments of `additions` to the snapshot at `index`, replacing those indexed under
/// the same id or case number, and publishes the new snapshot.
pub fn add_judgments(
    index: &Path,
    additions: Additions,
    threads: usize,
    progress: &dyn Progress,
) -> Result<UpdateOutcome> {
    let started = Instant::now();
    let (judgments, sources, records) = read_additions(&additions, progress)?;
    refuse_repeated(&judgments, &sources)?;
    if judgments.is_empty() {
        // Files without a readable judgment (a quiet day): nothing to publish.
        let base = leian_index::Manifest::read(index)?;
        return Ok(unchanged(&base, sources, started));
    }
    let mut update = SnapshotUpdate::begin(index, threads)?;
    let base = update.base().manifest().clone();

    // Which indexed judgments the new ones replace; deleted before anything is added (a delete
    // applies to documents added before it).
    progress.begin("查找要替换的文书", None);
    let by_case_number = match judgments.iter().any(|j| j.case_number.is_some()) {
        true => update.base().judgments_by_case_number()?,
        false => HashMap::new(),
    };
    let mut added = Vec::new();
    let mut replaced = Vec::new();
    for judgment in &judgments {
        let mut replaced_ids = Vec::new();
        if update.base().contains(&judgment.id)? {
            replaced_ids.push(judgment.id.clone());
        }
        if let Some(old) = judgment
            .case_number
            .as_deref()
            .and_then(|n| by_case_number.get(&leian_text::case_key(&judgment.id, n)))
            .filter(|old| **old != judgment.id)
        {
            replaced_ids.push(old.clone());
        }
        if replaced_ids.is_empty() {
            added.push(judgment.id.clone());
        } else {
            replaced.push(Replacement {
                id: judgment.id.clone(),
                replaced_ids,
            });
        }
    }
    for id in replaced.iter().flat_map(|r| &r.replaced_ids) {
        update.delete(id);
    }
    progress.end(&format!(
        "新增 {} 份，替换 {} 份",
        added.len(),
        replaced.len()
    ));

    let documents: Vec<Document> = judgments.into_iter().map(Document::Judgment).collect();
    let mut passages_embedded = 0;
    if let Some(info) = base.dense.clone() {
        let (model, strategy) = PassageStrategy::of_vectors(&info, "索引")?;
        let texts: Vec<(String, String)> = documents
            .iter()
            .map(|d| (d.id().to_string(), strategy.text_of(d)))
            .collect();
        let (vectors, new) = embed_documents(&model, &texts, &strategy, None, progress)?;
        passages_embedded = new.passages;
        update.set_vectors(vectors);
    }

    progress.begin("索引新文书", Some(documents.len() as u64));
    for (done, document) in documents.iter().enumerate() {
        update.add_document(document)?;
        progress.update(done as u64 + 1);
    }
    progress.end("新文书已索引");
    progress.begin("提交并发布快照", None);
    let counts = UpdateCounts {
        added: added.len(),
        replaced: replaced.len(),
        removed: 0,
    };
    let manifest = update.finish(records, counts)?;
    progress.end("快照已发布");
    Ok(UpdateOutcome {
        snapshot_id: manifest.snapshot_id,
        previous_snapshot_id: base.snapshot_id,
        added,
        replaced,
        removed: Vec::new(),
        judgments: manifest.docs.judgments,
        statutes: manifest.docs.statutes,
        passages_embedded,
        took_ms: millis(started),
        sources,
    })
}

/// Removes documents (judgments or statute articles) by id and publishes the new snapshot. An
/// id that is not indexed refuses the whole removal ([`ServiceError::NotFound`]).
pub fn remove_documents(
    index: &Path,
    ids: &[String],
    threads: usize,
    progress: &dyn Progress,
) -> Result<UpdateOutcome> {
    let started = Instant::now();
    let mut unique = HashSet::new();
    let ids: Vec<String> = ids
        .iter()
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty() && unique.insert(id.clone()))
        .collect();
    if ids.is_empty() {
        return Err(ServiceError::Invalid("没有给出要删除的文书 id".into()));
    }
    let mut update = SnapshotUpdate::begin(index, threads)?;
    let base = update.base().manifest().clone();
    let mut unknown = Vec::new();
    for id in &ids {
        if !update.base().contains(id)? {
            unknown.push(id.as_str());
        }
    }
    if !unknown.is_empty() {
        return Err(ServiceError::NotFound(format!(
            "索引中没有 id 为 {} 的文书；索引未改动",
            unknown.join("、")
        )));
    }
    progress.begin("删除文书并发布快照", None);
    for id in &ids {
        update.delete(id);
    }
    let counts = UpdateCounts {
        removed: ids.len(),
        ..UpdateCounts::default()
    };
    let manifest = update.finish(Vec::new(), counts)?;
    progress.end("快照已发布");
    Ok(UpdateOutcome {
        snapshot_id: manifest.snapshot_id,
        previous_snapshot_id: base.snapshot_id,
        added: Vec::new(),
        replaced: Vec::new(),
        removed: ids,
        judgments: manifest.docs.judgments,
        statutes: manifest.docs.statutes,
        passages_embedded: 0,
        took_ms: millis(started),
        sources: Vec::new(),
    })
}

fn millis(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1e4).round() / 10.0
}

fn unchanged(
    base: &leian_index::Manifest,
    sources: Vec<SourceSummary>,
    started: Instant,
) -> UpdateOutcome {
    UpdateOutcome {
        snapshot_id: base.snapshot_id.clone(),
        previous_snapshot_id: base.snapshot_id.clone(),
        added: Vec::new(),
        replaced: Vec::new(),
        removed: Vec::new(),
        judgments: base.docs.judgments,
        statutes: base.docs.statutes,
        passages_embedded: 0,
        took_ms: millis(started),
        sources,
    }
}

type Read = (Vec<Judgment>, Vec<SourceSummary>, Vec<SourceRecord>);

/// Reads the new judgments (enriched by the reader) with what each source held and skipped.
fn read_additions(additions: &Additions, progress: &dyn Progress) -> Result<Read> {
    let mut seen = HashSet::new();
    let mut judgments = Vec::new();
    let mut sources = Vec::new();
    let mut records = Vec::new();
    match additions {
        Additions::Paths { paths, strict } => {
            for path in paths.iter() {
                progress.begin(&format!("读取裁判文书 {}", path.display()), None);
                let summary = read_judgments(path, *strict, &mut seen, &mut |j| judgments.push(j))?;
                progress.end(&format!("{}：读取 {} 份", path.display(), summary.read));
                records.push(record(&summary)?);
                sources.push(summary);
            }
        }
        Additions::Body { bytes, origin } => {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Err(ServiceError::Invalid(
                    "请求体为空：应为 JSON Lines（每行一份裁判文书）或一份 JSON 裁判文书".into(),
                ));
            }
            // The readers read files: the body goes through the same reader as `leian add`.
            let file = tempfile::Builder::new()
                .prefix("leian-request-")
                .suffix(".jsonl")
                .tempfile()
                .context(|| "无法写入临时文件".into())?;
            std::fs::write(file.path(), bytes).context(|| "无法写入临时文件".into())?;
            let summary =
                read_judgments(file.path(), false, &mut seen, &mut |j| judgments.push(j))?;
            refuse_repeated(&judgments, std::slice::from_ref(&summary))?;
            if !summary.skipped.is_empty() {
                let reasons: Vec<String> = summary
                    .skipped
                    .iter()
                    .take(5)
                    .map(|skip| match skip.line {
                        Some(line) => format!("第 {line} 条记录：{}", skip.reason),
                        None => skip.reason.clone(),
                    })
                    .collect();
                return Err(ServiceError::Invalid(format!(
                    "请求体中有 {} 条记录无法读取，未作任何改动：{}",
                    summary.skipped.len(),
                    reasons.join("；")
                )));
            }
            if judgments.is_empty() {
                return Err(ServiceError::Invalid("请求体中没有裁判文书".into()));
            }
            let sha256: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            records.push(SourceRecord {
                path: origin.to_string(),
                format: summary.format.clone(),
                sha256,
                read: summary.read,
                skipped: 0,
            });
            sources.push(SourceSummary {
                path: PathBuf::from(origin),
                ..summary
            });
        }
    }
    Ok((judgments, sources, records))
}

/// Refuses input holding one judgment twice: the same id or case number (the reader keeps the
/// first record and reports the others as repeated), or the same case number written apart.
fn refuse_repeated(judgments: &[Judgment], sources: &[SourceSummary]) -> Result<()> {
    let mut repeated: Vec<String> = sources
        .iter()
        .flat_map(|s| &s.skipped)
        .filter_map(|skip| skip.repeated.as_ref())
        .map(|id| format!("id {id}"))
        .collect();
    let mut numbers: HashMap<String, &str> = HashMap::new();
    for judgment in judgments {
        if let Some(number) = judgment.case_number.as_deref()
            && let Some(first) =
                numbers.insert(leian_text::case_key(&judgment.id, number), &judgment.id)
        {
            repeated.push(format!("案号 {number}（{first} 与 {}）", judgment.id));
        }
    }
    repeated.sort();
    repeated.dedup();
    if repeated.is_empty() {
        return Ok(());
    }
    Err(ServiceError::Duplicate(format!(
        "输入中同一份文书出现了不止一次：{}；索引未改动",
        repeated.join("、")
    )))
}

/// `leian add --to`: new judgments into the PostgreSQL cluster at `url`, replacing those with the
/// same ids, embedded with the model of the cluster's vectors when it has any. Committed in one
/// transaction with the statistics they change.
pub fn add_to_postgres(
    url: &str,
    paths: &[PathBuf],
    strict: bool,
    progress: &dyn Progress,
) -> Result<leian_pg::LoadCounts> {
    let additions = Additions::Paths { paths, strict };
    let (judgments, _sources, _records) = read_additions(&additions, progress)?;
    let mut loader = leian_pg::Loader::connect(url).map_err(cluster_error)?;
    let documents: Vec<Document> = judgments.into_iter().map(Document::Judgment).collect();
    let mut vectors: HashMap<String, Vec<Vec<f32>>> = HashMap::new();
    if let Some(info) = loader
        .dense_info()
        .map_err(cluster_error)?
        .filter(|_| !documents.is_empty())
    {
        let (model, strategy) = PassageStrategy::of_vectors(&info, "集群")?;
        // The rows are read back below, not searched here.
        let strategy = PassageStrategy {
            hnsw_min_passages: usize::MAX,
            ..strategy
        };
        let texts: Vec<(String, String)> = documents
            .iter()
            .map(|d| (d.id().to_string(), strategy.text_of(d)))
            .collect();
        let (writer, embedded) = embed_documents(&model, &texts, &strategy, None, progress)?;
        let scratch = tempfile::tempdir()?;
        writer.write(scratch.path())?;
        let rows = leian_index::Vectors::open(scratch.path(), &embedded)?;
        rows.for_each_document_rows(|id, rows| {
            let passages = rows
                .chunks(embedded.dimension)
                .map(<[f32]>::to_vec)
                .collect();
            vectors.insert(id.to_string(), passages);
            Ok(())
        })?;
    }
    progress.begin("写入集群", Some(documents.len() as u64));
    let counts = loader
        .upsert(&documents, &vectors)
        .map_err(|e| ServiceError::Failed(e.to_string()))?;
    progress.end("已写入集群");
    Ok(counts)
}

/// `leian remove --to`: documents out of the PostgreSQL cluster at `url`.
pub fn remove_from_postgres(url: &str, ids: &[String]) -> Result<leian_pg::LoadCounts> {
    let mut loader = leian_pg::Loader::connect(url).map_err(cluster_error)?;
    loader
        .remove(ids)
        .map_err(|e| ServiceError::Failed(e.to_string()))
}

fn cluster_error(error: leian_pg::PgError) -> ServiceError {
    ServiceError::Unavailable(error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judgment(id: &str, number: &str) -> Judgment {
        Judgment {
            id: id.into(),
            case_number: Some(number.into()),
            facts: "事实".into(),
            ..Judgment::default()
        }
    }

    /// A ruling shares its case's number with the judgment but is another document; the same
    /// case number written apart is one judgment.
    #[test]
    fn repeated_case_numbers_are_judged_with_the_document_type() {
        let judgment_and_ruling = [
            judgment("case-（2018）浙0106刑初321号", "（2018）浙0106刑初321号"),
            judgment(
                "case-（2018）浙0106刑初321号-裁定书",
                "（2018）浙0106刑初321号",
            ),
        ];
        assert!(refuse_repeated(&judgment_and_ruling, &[]).is_ok());
        let written_apart = [
            judgment("case-（2018）浙0106刑初321号", "（2018）浙0106刑初321号"),
            judgment("cjrc-7", "〔2018〕浙 0106 刑初 321 号"),
        ];
        let refused = refuse_repeated(&written_apart, &[]).unwrap_err();
        assert!(refused.to_string().contains("cjrc-7"), "{refused}");
    }
}
