//! Batch jobs (`POST /v1/batches`): a batch of filings kept in SQLite beside the index, grouped
//! in the background, with its progress, its result and the judge's choices per wave (the
//! representative case, the demonstrative judgment). A job outlives the process: one that was
//! queued or running when the server stopped is queued again when the store is next opened, and
//! counted in `restarts` (grouping is deterministic, so a re-run gives the same waves).
//!
//! ```
//! use leian_service::batch::jobs::{JobOptions, JobStatus, JobStore, run_job};
//! use leian_service::batch::{InputFormat, read_filings};
//!
//! let store = JobStore::in_memory().unwrap();
//! let filings = read_filings(r#"{"id":"a","text":"原告诉称被告借款未还。"}"#, InputFormat::Jsonl).unwrap();
//! let job = store.create(&filings, &JobOptions::default()).unwrap();
//! assert_eq!(job.status, JobStatus::Queued);
//! run_job(&store, &job.id, None, 1).unwrap();
//! let done = store.get(&job.id).unwrap().unwrap();
//! assert_eq!(done.status, JobStatus::Done);
//! assert_eq!(done.result.unwrap().singletons, ["a"]);
//! ```

use super::referral::{DemonstrativeJudgment, Referral, referrals};
use super::{Batch, ClusterSettings, Filing, Wave, cluster};
use crate::{Progress, Result, Service, ServiceError};
use leian_core::Judgment;
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use utoipa::ToSchema;

/// Where the jobs of the index served from `index` are kept: a file beside the index folder
/// (`leian-index.batches.sqlite`), not inside it, since each new snapshot replaces the folder.
pub fn store_path(index: &Path) -> PathBuf {
    let name = index
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "leian-index".to_string());
    index.with_file_name(format!("{name}.batches.sqlite"))
}

/// Where a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    fn parse(name: &str) -> JobStatus {
        match name {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Queued,
        }
    }
}

/// How a job groups its filings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobOptions {
    /// Text similarity from which two filings are parallel (0–1), as `leian batch --threshold`.
    pub threshold: f32,
    /// Precedents listed per wave, as `leian batch --top-k`.
    pub top_k: usize,
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            threshold: ClusterSettings::default().threshold,
            top_k: 10,
        }
    }
}

/// What a running job is doing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct JobProgress {
    /// The step, in Chinese (`正在分组`, `检索各系列的已有类案`, `已完成`).
    pub stage: String,
    pub done: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

/// The judge's choices for one wave.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct WaveChoice {
    /// The representative case (示范性首案) the judge picked, a member of the wave.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub representative: Option<String>,
    /// The demonstrative judgment (示范判决) the judge chose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demonstrative: Option<DemonstrativeJudgment>,
    pub updated_at: String,
}

/// A batch job as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Job {
    pub id: String,
    pub status: JobStatus,
    /// Filings in the batch.
    pub filings: usize,
    pub options: JobOptions,
    pub created_at: String,
    pub updated_at: String,
    pub progress: JobProgress,
    /// Times the job was started again after the server stopped while it ran.
    pub restarts: u32,
    /// The index snapshot whose precedents the result lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<String>,
    /// Why the job failed (`failed` only), in Chinese.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The judge's choices, by wave id.
    pub choices: BTreeMap<String, WaveChoice>,
    /// The waves (`done` only): the document `leian batch --json` prints.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Batch>,
}

/// The jobs of one server, in SQLite.
pub struct JobStore {
    db: Mutex<Connection>,
    path: Option<PathBuf>,
}

fn failed(error: rusqlite::Error) -> ServiceError {
    ServiceError::Failed(format!("批量任务库出错：{error}"))
}

fn json_failed(error: serde_json::Error) -> ServiceError {
    ServiceError::Failed(format!("批量任务库中的数据无法读取：{error}"))
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS batch_jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    filings INTEGER NOT NULL,
    options TEXT NOT NULL,
    input TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    progress TEXT NOT NULL,
    restarts INTEGER NOT NULL DEFAULT 0,
    snapshot_id TEXT,
    error TEXT,
    result TEXT
);
CREATE TABLE IF NOT EXISTS batch_choices (
    job_id TEXT NOT NULL REFERENCES batch_jobs(id),
    wave TEXT NOT NULL,
    representative TEXT,
    demonstrative TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (job_id, wave)
);
";

impl JobStore {
    /// Opens (or creates) the store at `path`.
    pub fn open(path: &Path) -> Result<JobStore> {
        let db = Connection::open(path).map_err(|e| {
            ServiceError::Failed(format!("无法打开批量任务库 {}：{e}", path.display()))
        })?;
        // WAL: a long write (a result) does not block the reads of progress.
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(failed)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(failed)?;
        Self::with(db, Some(path.to_path_buf()))
    }

    /// A store that lives as long as the process (tests, a server with no index folder).
    pub fn in_memory() -> Result<JobStore> {
        Self::with(Connection::open_in_memory().map_err(failed)?, None)
    }

    fn with(db: Connection, path: Option<PathBuf>) -> Result<JobStore> {
        db.execute_batch(SCHEMA).map_err(failed)?;
        Ok(JobStore {
            db: Mutex::new(db),
            path,
        })
    }

    /// The file, `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Stores a validated batch as a queued job.
    pub fn create(&self, filings: &[Filing], options: &JobOptions) -> Result<Job> {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes)
            .map_err(|e| ServiceError::Failed(format!("无法生成任务编号：{e}")))?;
        let id = format!(
            "b{}",
            bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
        );
        let input = serde_json::to_string(filings).map_err(json_failed)?;
        let options_json = serde_json::to_string(options).map_err(json_failed)?;
        let progress = JobProgress {
            stage: "排队等待".into(),
            done: 0,
            total: None,
        };
        let stamp = now();
        self.db()
            .execute(
                "INSERT INTO batch_jobs (id, status, filings, options, input, created_at, updated_at, progress)
                 VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?5, ?6)",
                params![
                    id,
                    filings.len() as i64,
                    options_json,
                    input,
                    stamp,
                    serde_json::to_string(&progress).map_err(json_failed)?
                ],
            )
            .map_err(failed)?;
        Ok(Job {
            id,
            status: JobStatus::Queued,
            filings: filings.len(),
            options: options.clone(),
            created_at: stamp.clone(),
            updated_at: stamp,
            progress,
            restarts: 0,
            snapshot_id: None,
            error: None,
            choices: BTreeMap::new(),
            result: None,
        })
    }

    /// The job `id` with its result and choices; `None` when there is no such job.
    pub fn get(&self, id: &str) -> Result<Option<Job>> {
        let db = self.db();
        let row = db
            .query_row(
                "SELECT status, filings, options, created_at, updated_at, progress, restarts,
                        snapshot_id, error, result
                 FROM batch_jobs WHERE id = ?1",
                params![id],
                |row| {
                    Ok((
                        row.get::<_, String>(0)?,
                        row.get::<_, i64>(1)?,
                        row.get::<_, String>(2)?,
                        row.get::<_, String>(3)?,
                        row.get::<_, String>(4)?,
                        row.get::<_, String>(5)?,
                        row.get::<_, i64>(6)?,
                        row.get::<_, Option<String>>(7)?,
                        row.get::<_, Option<String>>(8)?,
                        row.get::<_, Option<String>>(9)?,
                    ))
                },
            )
            .optional()
            .map_err(failed)?;
        let Some((
            status,
            filings,
            options,
            created,
            updated,
            progress,
            restarts,
            snapshot,
            error,
            result,
        )) = row
        else {
            return Ok(None);
        };
        drop(db);
        Ok(Some(Job {
            id: id.to_string(),
            status: JobStatus::parse(&status),
            filings: filings as usize,
            options: serde_json::from_str(&options).map_err(json_failed)?,
            created_at: created,
            updated_at: updated,
            progress: serde_json::from_str(&progress).map_err(json_failed)?,
            restarts: restarts as u32,
            snapshot_id: snapshot,
            error,
            choices: self.choices(id)?,
            result: result
                .map(|r| serde_json::from_str(&r))
                .transpose()
                .map_err(json_failed)?,
        }))
    }

    /// The filings of job `id`, as validated when it was created.
    pub fn filings(&self, id: &str) -> Result<Vec<Filing>> {
        let input: Option<String> = self
            .db()
            .query_row(
                "SELECT input FROM batch_jobs WHERE id = ?1",
                params![id],
                |row| row.get(0),
            )
            .optional()
            .map_err(failed)?;
        let input = input.ok_or_else(|| not_found(id))?;
        serde_json::from_str(&input).map_err(json_failed)
    }

    /// Jobs waiting to run.
    pub fn queued(&self) -> Result<usize> {
        self.db()
            .query_row(
                "SELECT COUNT(*) FROM batch_jobs WHERE status = 'queued'",
                [],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n as usize)
            .map_err(failed)
    }

    /// The jobs to run after a start, oldest first: those queued, and those that were running
    /// when the process stopped (queued again, their `restarts` counted).
    pub fn resume(&self) -> Result<Vec<String>> {
        let db = self.db();
        db.execute(
            "UPDATE batch_jobs SET status = 'queued', restarts = restarts + 1, updated_at = ?1
             WHERE status = 'running'",
            params![now()],
        )
        .map_err(failed)?;
        let mut statement = db
            .prepare("SELECT id FROM batch_jobs WHERE status = 'queued' ORDER BY rowid")
            .map_err(failed)?;
        statement
            .query_map([], |row| row.get::<_, String>(0))
            .map_err(failed)?
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(failed)
    }

    fn set(&self, id: &str, sql: &str, values: &[&dyn rusqlite::ToSql]) -> Result<()> {
        let mut all: Vec<&dyn rusqlite::ToSql> = values.to_vec();
        let stamp = now();
        all.push(&stamp);
        all.push(&id);
        let changed = self.db().execute(sql, all.as_slice()).map_err(failed)?;
        match changed {
            0 => Err(not_found(id)),
            _ => Ok(()),
        }
    }

    /// Marks the job running on `snapshot_id`.
    pub fn start(&self, id: &str, snapshot_id: Option<&str>) -> Result<()> {
        self.set(
            id,
            "UPDATE batch_jobs SET status = 'running', snapshot_id = ?1, error = NULL, updated_at = ?2 WHERE id = ?3",
            &[&snapshot_id],
        )
    }

    /// Records what the running job is doing.
    pub fn progress(&self, id: &str, progress: &JobProgress) -> Result<()> {
        let json = serde_json::to_string(progress).map_err(json_failed)?;
        self.set(
            id,
            "UPDATE batch_jobs SET progress = ?1, updated_at = ?2 WHERE id = ?3",
            &[&json],
        )
    }

    /// Stores the result of a finished job.
    pub fn finish(&self, id: &str, batch: &Batch) -> Result<()> {
        let result = serde_json::to_string(batch).map_err(json_failed)?;
        let progress = serde_json::to_string(&JobProgress {
            stage: "已完成".into(),
            done: batch.filings as u64,
            total: Some(batch.filings as u64),
        })
        .map_err(json_failed)?;
        self.set(
            id,
            "UPDATE batch_jobs SET status = 'done', result = ?1, progress = ?2, updated_at = ?3 WHERE id = ?4",
            &[&result, &progress],
        )
    }

    /// Marks the job failed, with why.
    pub fn fail(&self, id: &str, message: &str) -> Result<()> {
        self.set(
            id,
            "UPDATE batch_jobs SET status = 'failed', error = ?1, updated_at = ?2 WHERE id = ?3",
            &[&message],
        )
    }

    /// Records the judge's representative case for `wave` (keeps the demonstrative judgment).
    pub fn choose_representative(&self, id: &str, wave: &str, filing_id: &str) -> Result<()> {
        self.db()
            .execute(
                "INSERT INTO batch_choices (job_id, wave, representative, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (job_id, wave) DO UPDATE SET representative = ?3, updated_at = ?4",
                params![id, wave, filing_id, now()],
            )
            .map_err(failed)?;
        Ok(())
    }

    /// Records the demonstrative judgment of `wave`. The judgment is kept whole, so that the
    /// referrals stay the same when a later snapshot replaces or removes it.
    pub fn choose_demonstrative(&self, id: &str, wave: &str, judgment: &Judgment) -> Result<()> {
        let json = serde_json::to_string(judgment).map_err(json_failed)?;
        self.db()
            .execute(
                "INSERT INTO batch_choices (job_id, wave, demonstrative, updated_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (job_id, wave) DO UPDATE SET demonstrative = ?3, updated_at = ?4",
                params![id, wave, json, now()],
            )
            .map_err(failed)?;
        Ok(())
    }

    /// The demonstrative judgment chosen for `wave`, whole.
    pub fn demonstrative(&self, id: &str, wave: &str) -> Result<Option<Judgment>> {
        let json: Option<Option<String>> = self
            .db()
            .query_row(
                "SELECT demonstrative FROM batch_choices WHERE job_id = ?1 AND wave = ?2",
                params![id, wave],
                |row| row.get(0),
            )
            .optional()
            .map_err(failed)?;
        json.flatten()
            .map(|j| serde_json::from_str(&j))
            .transpose()
            .map_err(json_failed)
    }

    fn choices(&self, id: &str) -> Result<BTreeMap<String, WaveChoice>> {
        let db = self.db();
        let mut statement = db
            .prepare(
                "SELECT wave, representative, demonstrative, updated_at FROM batch_choices WHERE job_id = ?1",
            )
            .map_err(failed)?;
        let rows = statement
            .query_map(params![id], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(failed)?;
        let mut choices = BTreeMap::new();
        for row in rows {
            let (wave, representative, demonstrative, updated_at) = row.map_err(failed)?;
            let demonstrative = demonstrative
                .map(|j| serde_json::from_str::<Judgment>(&j))
                .transpose()
                .map_err(json_failed)?;
            choices.insert(
                wave,
                WaveChoice {
                    representative,
                    demonstrative: demonstrative.as_ref().map(DemonstrativeJudgment::of),
                    updated_at,
                },
            );
        }
        Ok(choices)
    }
}

fn not_found(id: &str) -> ServiceError {
    ServiceError::NotFound(format!("没有编号为“{id}”的批量任务"))
}

/// Progress of a job's steps, written to the store.
struct StoreProgress<'a> {
    store: &'a JobStore,
    id: &'a str,
    current: Mutex<JobProgress>,
}

impl StoreProgress<'_> {
    fn write(&self, change: impl FnOnce(&mut JobProgress)) {
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut current);
        // Progress is advisory: a failed write must not fail the job.
        if let Err(error) = self.store.progress(self.id, &current) {
            eprintln!("{error}");
        }
    }
}

impl Progress for StoreProgress<'_> {
    fn begin(&self, task: &str, total: Option<u64>) {
        self.write(|p| {
            *p = JobProgress {
                stage: task.to_string(),
                done: 0,
                total,
            }
        });
    }

    fn update(&self, done: u64) {
        self.write(|p| p.done = done);
    }

    fn end(&self, _: &str) {}
}

/// Runs job `id`: groups its filings (on `workers` threads; a server gives one, so that
/// searches keep the other cores) and, with a `service`, lists each wave's precedents from its
/// index. The outcome is stored: `done` with the result, or `failed` with why.
pub fn run_job(
    store: &JobStore,
    id: &str,
    service: Option<&Service>,
    workers: usize,
) -> Result<()> {
    let outcome = run_steps(store, id, service, workers);
    if let Err(error) = &outcome {
        // A job that cannot run says why rather than staying queued for ever.
        store.fail(id, &format!("批量任务失败：{error}"))?;
    }
    outcome
}

fn run_steps(store: &JobStore, id: &str, service: Option<&Service>, workers: usize) -> Result<()> {
    let filings = store.filings(id)?;
    let options = store.get(id)?.ok_or_else(|| not_found(id))?.options;
    store.start(id, service.map(|s| s.snapshot_id.as_str()))?;
    // Test hook (debug builds): hold a running job so that a test can stop the server here.
    leian_index::crash_point("batch-running");
    let progress = StoreProgress {
        store,
        id,
        current: Mutex::new(JobProgress::default()),
    };
    progress.begin("正在分组", Some(filings.len() as u64));
    let settings = ClusterSettings {
        threshold: options.threshold,
        workers: workers.max(1),
        ..ClusterSettings::default()
    };
    let mut batch = cluster(&filings, &settings);
    let outcome = match service {
        Some(service) => {
            service.add_precedents_with(&mut batch, &filings, options.top_k, &progress)
        }
        None => Ok(()),
    };
    outcome?;
    store.finish(id, &batch)
}

/// Why a wave's choice or referrals could not be made: each a client error but the last.
#[derive(Debug, thiserror::Error)]
pub enum WaveError {
    #[error("没有编号为“{0}”的批量任务")]
    UnknownJob(String),
    #[error("批量任务 {id} 尚未完成（当前状态：{status}）：分组完成后才能选定示范判决或生成建议书")]
    NotReady { id: String, status: &'static str },
    #[error("没有系列“{wave}”（本批次的系列：{known}）")]
    UnknownWave { wave: String, known: String },
    #[error("案件“{filing}”不属于系列 {wave}")]
    NotMember { wave: String, filing: String },
    #[error("系列 {0} 尚未选定示范判决：请先为该系列选定示范判决")]
    NoDemonstrative(String),
    #[error("索引中没有 id 为“{0}”的裁判文书，不能作为示范判决")]
    UnknownJudgment(String),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

/// The wave `wave` of `batch`, or why not.
pub fn find_wave<'a>(batch: &'a Batch, wave: &str) -> std::result::Result<&'a Wave, WaveError> {
    batch
        .waves
        .iter()
        .find(|w| w.id == wave)
        .ok_or_else(|| WaveError::UnknownWave {
            wave: wave.to_string(),
            known: match batch.waves.is_empty() {
                true => "无".to_string(),
                false => {
                    let ids: Vec<&str> =
                        batch.waves.iter().take(20).map(|w| w.id.as_str()).collect();
                    let more = if batch.waves.len() > 20 { "……" } else { "" };
                    format!("{}{more}", ids.join("、"))
                }
            },
        })
}

/// The indexed judgment `judgment_id`, as a demonstrative judgment must be.
pub fn demonstrative_judgment(
    service: &Service,
    judgment_id: &str,
) -> std::result::Result<Judgment, WaveError> {
    service.judgment(judgment_id).map_err(|e| match e {
        ServiceError::NotFound(_) => WaveError::UnknownJudgment(judgment_id.to_string()),
        other => WaveError::Service(other),
    })
}

/// The referrals of `wave` against `judgment` (of one member when `filing` names it), with
/// the statutes the judgment applied as `service`'s index holds them.
pub fn wave_referrals(
    service: Option<&Service>,
    batch: &Batch,
    filings: &[Filing],
    wave: &str,
    judgment: &Judgment,
    representative: Option<&str>,
    filing: Option<&str>,
) -> std::result::Result<Vec<Referral>, WaveError> {
    let wave = find_wave(batch, wave)?;
    if let Some(filing) = filing
        && !wave.members.iter().any(|m| m == filing)
    {
        return Err(WaveError::NotMember {
            wave: wave.id.clone(),
            filing: filing.to_string(),
        });
    }
    let statutes = match service {
        Some(service) => service.applied_statutes(judgment)?,
        None => super::referral::applied_statute_ids(judgment)
            .into_iter()
            .map(|id| super::referral::AppliedStatute { id, text: None })
            .collect(),
    };
    let members: Vec<Filing> = filings
        .iter()
        .filter(|f| filing.is_none_or(|only| f.id == only))
        .cloned()
        .collect();
    Ok(referrals(
        wave,
        &members,
        judgment,
        &statutes,
        representative,
    ))
}

impl JobStore {
    /// The finished job `id` and its result.
    fn finished(&self, id: &str) -> std::result::Result<(Job, Batch), WaveError> {
        let job = self
            .get(id)?
            .ok_or_else(|| WaveError::UnknownJob(id.to_string()))?;
        match (job.status, job.result.clone()) {
            (JobStatus::Done, Some(batch)) => Ok((job, batch)),
            (status, _) => Err(WaveError::NotReady {
                id: id.to_string(),
                status: status.name(),
            }),
        }
    }

    /// Chooses the indexed judgment `judgment_id` of `service` as the demonstrative judgment of
    /// `wave`; answers the wave's choices.
    pub fn set_demonstrative(
        &self,
        service: &Service,
        id: &str,
        wave: &str,
        judgment_id: &str,
    ) -> std::result::Result<WaveChoice, WaveError> {
        let (_, batch) = self.finished(id)?;
        find_wave(&batch, wave)?;
        let judgment = demonstrative_judgment(service, judgment_id)?;
        self.choose_demonstrative(id, wave, &judgment)?;
        Ok(self.choices(id)?.remove(wave).unwrap_or_default())
    }

    /// Chooses the member `filing_id` as the representative case of `wave`.
    pub fn set_representative(
        &self,
        id: &str,
        wave: &str,
        filing_id: &str,
    ) -> std::result::Result<WaveChoice, WaveError> {
        let (_, batch) = self.finished(id)?;
        let found = find_wave(&batch, wave)?;
        if !found.members.iter().any(|m| m == filing_id) {
            return Err(WaveError::NotMember {
                wave: wave.to_string(),
                filing: filing_id.to_string(),
            });
        }
        self.choose_representative(id, wave, filing_id)?;
        Ok(self.choices(id)?.remove(wave).unwrap_or_default())
    }

    /// The referrals of `wave` (of one member when `filing` names it) against its chosen
    /// demonstrative judgment.
    pub fn referrals(
        &self,
        service: &Service,
        id: &str,
        wave: &str,
        filing: Option<&str>,
    ) -> std::result::Result<Vec<Referral>, WaveError> {
        let (job, batch) = self.finished(id)?;
        find_wave(&batch, wave)?;
        let judgment = self
            .demonstrative(id, wave)?
            .ok_or_else(|| WaveError::NoDemonstrative(wave.to_string()))?;
        let filings = self.filings(id)?;
        let representative = job.choices.get(wave).and_then(|c| c.representative.clone());
        wave_referrals(
            Some(service),
            &batch,
            &filings,
            wave,
            &judgment,
            representative.as_deref(),
            filing,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{InputFormat, read_filings};

    fn filings() -> Vec<Filing> {
        let line = |id: &str, who: &str| {
            serde_json::json!({"id": id, "text": format!(
                "原告招商银行股份有限公司信用卡中心诉称，被告{who}申领信用卡后透支消费，尚欠本金及利息、滞纳金未还，经催收仍未还款，请求判令被告偿还欠款本息。"
            )})
            .to_string()
        };
        read_filings(
            &[line("k1", "刘x2"), line("k2", "王x7"), line("k3", "陈x1")].join("\n"),
            InputFormat::Jsonl,
        )
        .unwrap()
    }

    #[test]
    fn a_job_survives_a_reopened_store_and_keeps_its_choices() {
        let dir = tempfile::tempdir().unwrap();
        let path = store_path(&dir.path().join("index"));
        assert!(path.ends_with("index.batches.sqlite"));
        let (done, interrupted, waiting) = {
            let store = JobStore::open(&path).unwrap();
            let done = store.create(&filings(), &JobOptions::default()).unwrap();
            run_job(&store, &done.id, None, 1).unwrap();
            let interrupted = store.create(&filings(), &JobOptions::default()).unwrap();
            store.start(&interrupted.id, None).unwrap();
            let waiting = store.create(&filings(), &JobOptions::default()).unwrap();
            let judgment = Judgment {
                id: "demo-1".into(),
                title: Some("示范判决".into()),
                ..Judgment::default()
            };
            store
                .choose_demonstrative(&done.id, "W1", &judgment)
                .unwrap();
            store.choose_representative(&done.id, "W1", "k2").unwrap();
            (done.id, interrupted.id, waiting.id)
        };
        let store = JobStore::open(&path).unwrap();
        assert_eq!(
            store.resume().unwrap(),
            [interrupted.clone(), waiting.clone()]
        );
        let again = store.get(&interrupted).unwrap().unwrap();
        assert_eq!((again.status, again.restarts), (JobStatus::Queued, 1));
        let job = store.get(&done).unwrap().unwrap();
        assert_eq!(job.status, JobStatus::Done);
        let wave = &job.result.as_ref().unwrap().waves[0];
        assert_eq!(wave.members, ["k1", "k2", "k3"]);
        let choice = &job.choices["W1"];
        assert_eq!(choice.representative.as_deref(), Some("k2"));
        assert_eq!(choice.demonstrative.as_ref().unwrap().id, "demo-1");
        assert_eq!(
            store
                .demonstrative(&done, "W1")
                .unwrap()
                .unwrap()
                .title
                .as_deref(),
            Some("示范判决")
        );
        assert!(store.demonstrative(&done, "W2").unwrap().is_none());
        assert_eq!(store.filings(&waiting).unwrap().len(), 3);
        assert!(store.get("nope").unwrap().is_none());
        assert!(matches!(
            store.filings("nope"),
            Err(ServiceError::NotFound(_))
        ));
        assert!(matches!(
            store.fail("nope", "x"),
            Err(ServiceError::NotFound(_))
        ));
        let value = serde_json::to_value(&job).unwrap();
        assert_eq!(value["status"], "done");
        assert_eq!(value["progress"]["stage"], "已完成");
    }
}
