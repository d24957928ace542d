//! One opened index snapshot and the engine over it: what every front end serves from. The
//! server swaps one `Service` for another on reload; the command line opens one per command.

use crate::encoder::{DEFAULT_QUERY_TOKENS, ModelEncoder};
use crate::error::{Result, ServiceError};
use leian_core::CorpusStats;
use leian_index::Snapshot;
use leian_search::{Engine, Mode, SearchConfig};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How a snapshot's engine is set up: ranking parameters and the query encoder's settings.
#[derive(Debug, Clone)]
pub struct EngineSettings {
    pub config: SearchConfig,
    /// Tokens of a query that are embedded (its head), 16 to 512.
    pub query_tokens: usize,
    /// Cache query vectors on disk (evaluation repeats queries; a server must not: fact
    /// summaries are personal data).
    pub cache_queries: bool,
    /// Load the query encoder when the snapshot has vectors (no model is needed for BM25 only).
    pub load_encoder: bool,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            config: SearchConfig::default(),
            query_tokens: DEFAULT_QUERY_TOKENS,
            cache_queries: false,
            load_encoder: true,
        }
    }
}

/// The parameter that sets how many tokens of a query are embedded (the encoder's, not the
/// ranking's).
pub const QUERY_TOKENS_PARAM: &str = "query_tokens";

impl EngineSettings {
    /// Applies `field=weight` boosts and `key=value` ranking parameters (`query_tokens` included).
    pub fn with_overrides(mut self, boosts: &[String], params: &[String]) -> Result<Self> {
        for boost in boosts {
            let (field, weight) = boost.split_once('=').ok_or_else(|| {
                ServiceError::Invalid(format!("权重 '{boost}' 不是 字段=权重 的形式"))
            })?;
            let weight: f32 = weight
                .trim()
                .parse()
                .map_err(|_| ServiceError::Invalid(format!("权重 '{boost}'：权重不是数字")))?;
            self.config.set_boost(field.trim(), weight)?;
        }
        for param in params {
            let (key, value) = param
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| {
                    ServiceError::Invalid(format!("参数 '{param}' 不是 键=值 的形式"))
                })?;
            if key == QUERY_TOKENS_PARAM {
                self.query_tokens = match value.parse::<usize>() {
                    Ok(tokens) if (16..=512).contains(&tokens) => tokens,
                    _ => {
                        return Err(ServiceError::Invalid(
                            "query_tokens 必须是 16 到 512 之间的整数".into(),
                        ));
                    }
                };
            } else {
                self.config.set_param(key, value)?;
            }
        }
        Ok(self)
    }
}

/// An opened snapshot with its engine, and what `/v1/ready` and reports say about it.
pub struct Service {
    pub engine: Engine,
    pub snapshot_id: String,
    pub docs: CorpusStats,
    /// The snapshot folder it was opened from (reloaded by default); empty for a database.
    pub path: PathBuf,
    /// The PostgreSQL cluster it was opened from (`postgres://…`), reloaded by default.
    pub database_url: Option<String>,
    /// Its size on disk, for the metrics.
    pub bytes: u64,
}

impl Service {
    /// Opens the snapshot in `dir` with the query encoder when it has vectors (and the settings
    /// ask for one); the encoder must be the model the vectors were made with.
    /// `dir` may also be the URL of a PostgreSQL cluster (`postgres://…`, see
    /// [`Service::open_postgres`]).
    pub fn open(dir: &Path, settings: &EngineSettings) -> Result<Service> {
        if let Some(url) = dir.to_str().filter(|d| leian_pg::is_postgres_url(d)) {
            return Service::open_postgres(url, settings);
        }
        let snapshot = Snapshot::open(dir)?;
        let manifest = snapshot.manifest().clone();
        let engine = Engine::new(Arc::new(snapshot), settings.config.clone());
        let engine = with_encoder(engine, manifest.dense.as_ref(), settings)?;
        Ok(Service {
            engine,
            snapshot_id: manifest.snapshot_id.clone(),
            docs: manifest.docs.clone(),
            path: dir.to_path_buf(),
            database_url: None,
            bytes: leian_index::snapshot_bytes(dir),
        })
    }

    /// The library loaded into the PostgreSQL cluster at `url` (`leian index --to`), served by
    /// the same engine.
    pub fn open_postgres(url: &str, settings: &EngineSettings) -> Result<Service> {
        let store =
            leian_pg::PgStore::open(url).map_err(|e| ServiceError::Unavailable(e.to_string()))?;
        let dense = store.dense_info().cloned();
        let snapshot_id = store.snapshot_id().to_string();
        let engine = Engine::new(Arc::new(store), settings.config.clone());
        let engine = with_encoder(engine, dense.as_ref(), settings)?;
        Ok(Service {
            docs: engine.store().stats(),
            engine,
            snapshot_id,
            // Not a folder: nothing to update in place or keep batch jobs beside (a reload opens
            // the cluster again: a library published since is served with its model).
            path: PathBuf::new(),
            database_url: Some(url.to_string()),
            bytes: 0,
        })
    }

    /// A service over an engine whose store is not a snapshot folder (a store in memory, a
    /// database): `snapshot_id` names what it serves.
    pub fn from_engine(engine: Engine, snapshot_id: &str) -> Service {
        Service {
            docs: engine.store().stats(),
            engine,
            snapshot_id: snapshot_id.to_string(),
            path: PathBuf::new(),
            database_url: None,
            bytes: 0,
        }
    }

    /// What a reload opens again: the snapshot folder, or the cluster's URL.
    pub fn source(&self) -> PathBuf {
        match &self.database_url {
            Some(url) => PathBuf::from(url),
            None => self.path.clone(),
        }
    }

    /// Where it serves from, for people: the folder, or the cluster's URL without its password.
    pub fn source_display(&self) -> String {
        match &self.database_url {
            Some(url) => leian_pg::redacted(url),
            None => self.path.display().to_string(),
        }
    }

    /// The dense model answering `mode`, if any (for reports and `/v1/ready`).
    pub fn model_for(&self, mode: Mode) -> Option<String> {
        match self.engine.effective_mode(mode) {
            Mode::Bm25 => None,
            _ => self.engine.dense_model(),
        }
    }
}

/// `engine` with the query encoder of the model its store's vectors were made with, when it has
/// vectors and the settings ask for one; the model's weights must be the same.
fn with_encoder(
    engine: Engine,
    dense: Option<&leian_index::DenseInfo>,
    settings: &EngineSettings,
) -> Result<Engine> {
    let Some(info) = dense.filter(|_| settings.load_encoder) else {
        return Ok(engine);
    };
    let mut encoder = ModelEncoder::load(&info.model)?.with_query_tokens(settings.query_tokens);
    if settings.cache_queries {
        encoder = encoder.cache_queries()?;
    }
    if encoder.fingerprint() != info.model_fingerprint {
        return Err(ServiceError::Unavailable(format!(
            "索引的向量由 {} 的权重 {} 计算，缓存中的模型是 {}：请重建索引或恢复该模型",
            info.model,
            info.model_fingerprint,
            encoder.fingerprint()
        )));
    }
    Ok(engine.with_encoder(Arc::new(encoder))?)
}
