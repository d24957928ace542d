//! Dense vectors for `leian index` (passages embedded with progress, through the embedding cache)
//! and the query encoder for `leian search` / `leian eval`.

use crate::fetch::cache_dir;
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use leian_core::{QueryEncoder, StoreError};
use leian_embed::{Encoder, EncoderOptions};
use leian_index::{DenseInfo, EmbeddingCache, VectorWriter};
use sha2::{Digest, Sha256};
use std::path::Path;

/// A loaded model with its name and weights fingerprint.
pub struct ModelEncoder {
    name: String,
    fingerprint: String,
    encoder: Encoder,
    /// Query vectors are cached too when asked (evaluation runs the same queries many times).
    query_cache: Option<std::sync::Mutex<EmbeddingCache>>,
    /// Tokens of a query that are encoded (its head).
    query_tokens: usize,
}

/// Query tokens encoded by default; chosen on the dev sets (README, "Query length").
pub const DEFAULT_QUERY_TOKENS: usize = 128;

impl ModelEncoder {
    /// Loads the model named (from the cache, fetching a known model) or at a folder.
    pub fn load(name_or_dir: &str) -> Result<Self> {
        let dir = crate::models_cmd::resolve(name_or_dir)?;
        let encoder = Encoder::load(&dir, EncoderOptions::default())
            .with_context(|| format!("cannot load the model in {}", dir.display()))?;
        let name = if Path::new(name_or_dir).join("config.json").is_file() {
            dir.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("model")
                .to_string()
        } else {
            name_or_dir.to_string()
        };
        Ok(ModelEncoder {
            name,
            fingerprint: fingerprint(&dir)?,
            encoder,
            query_cache: None,
            query_tokens: DEFAULT_QUERY_TOKENS,
        })
    }

    /// Caches query vectors in the model's embedding cache.
    pub fn cache_queries(mut self) -> Result<Self> {
        let cache = EmbeddingCache::open(
            &cache_path(&self.name),
            &format!("{}/query", self.fingerprint),
        )?;
        self.query_cache = Some(std::sync::Mutex::new(cache));
        Ok(self)
    }

    /// Encodes only the first `tokens` tokens of a query (at least 16).
    pub fn with_query_tokens(mut self, tokens: usize) -> Self {
        self.query_tokens = tokens.clamp(16, 512);
        self
    }

    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// SHA-256 over the model's config, tokenizer and weight files: two folders with the same name but
/// different weights must not share cached vectors.
fn fingerprint(dir: &Path) -> Result<String> {
    let mut hasher = Sha256::new();
    for name in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "pytorch_model.bin",
    ] {
        let path = dir.join(name);
        if path.is_file() {
            hasher.update(name.as_bytes());
            hasher.update(
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?,
            );
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect())
}

impl QueryEncoder for ModelEncoder {
    fn model(&self) -> &str {
        &self.name
    }

    fn encode(&self, text: &str) -> Result<Vec<f32>, StoreError> {
        let store_error = |e: &dyn std::fmt::Display| StoreError(e.to_string());
        // The head of a long fact summary carries its case type; encoding it alone is several
        // times faster than 512 tokens (attention is quadratic in length).
        let passages = self
            .encoder
            .passages(text, self.query_tokens, 0)
            .map_err(|e| store_error(&e))?;
        let head = passages.first().copied().unwrap_or(text);
        if let Some(cache) = &self.query_cache {
            let cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(Some(vector)) = cache.get_many(&[head]).map_err(|e| store_error(&e))?.pop()
            {
                return Ok(vector);
            }
        }
        let vector = self
            .encoder
            .embed(&[head])
            .map_err(|e| store_error(&e))?
            .pop()
            .ok_or_else(|| StoreError("the encoder returned no vector".into()))?;
        if let Some(cache) = &self.query_cache {
            let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .put_many(&[(head, vector.as_slice())])
                .map_err(|e| store_error(&e))?;
        }
        Ok(vector)
    }
}

/// The embedding cache file of a model.
fn cache_path(model: &str) -> std::path::PathBuf {
    cache_dir(None)
        .join("embeddings")
        .join(format!("{model}.sqlite"))
}

/// How an index's vectors are made (passages of `tokens` with `overlap`) and searched (an HNSW
/// graph from `hnsw_min_passages` passages on).
#[derive(Debug, Clone, Copy)]
pub struct PassageStrategy {
    pub tokens: usize,
    pub overlap: usize,
    pub hnsw_min_passages: usize,
}

/// Embeds every document's passages, reusing and filling the embedding cache, with a progress bar.
/// A killed run keeps every finished batch in the cache, so the next run picks up where it stopped.
pub fn embed_documents(
    model: &ModelEncoder,
    documents: &[(String, String)],
    strategy: &PassageStrategy,
    on_progress: &dyn Fn(usize, usize),
) -> Result<(VectorWriter, DenseInfo)> {
    let cache_path = cache_dir(None)
        .join("embeddings")
        .join(format!("{}.sqlite", model.name));
    let mut cache = EmbeddingCache::open(&cache_path, &model.fingerprint)?;
    let mut passages: Vec<(usize, String)> = Vec::new();
    for (ordinal, (_, text)) in documents.iter().enumerate() {
        for passage in model
            .encoder
            .passages(text, strategy.tokens, strategy.overlap)?
        {
            passages.push((ordinal, passage.to_string()));
        }
    }
    let bar = ProgressBar::new(passages.len() as u64)
        .with_message(format!("embedding with {}", model.name));
    bar.set_style(
        ProgressStyle::with_template(
            "{msg} {bar:40} {human_pos}/{human_len} passages ({per_sec}, eta {eta})",
        )
        .expect("template"),
    );
    let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(passages.len());
    let mut reused = 0usize;
    let mut last_line = std::time::Instant::now();
    const BATCH: usize = 64;
    for chunk in passages.chunks(BATCH) {
        let texts: Vec<&str> = chunk.iter().map(|(_, t)| t.as_str()).collect();
        let cached = cache.get_many(&texts)?;
        let missing: Vec<&str> = texts
            .iter()
            .zip(&cached)
            .filter(|(_, c)| c.is_none())
            .map(|(t, _)| *t)
            .collect();
        let fresh = model.encoder.embed(&missing)?;
        cache.put_many(
            &missing
                .iter()
                .zip(&fresh)
                .map(|(t, v)| (*t, v.as_slice()))
                .collect::<Vec<_>>(),
        )?;
        reused += texts.len() - missing.len();
        let mut fresh = fresh.into_iter();
        for vector in cached {
            vectors.push(match vector {
                Some(v) => v,
                None => fresh
                    .next()
                    .context("encoder returned fewer vectors than texts")?,
            });
        }
        bar.inc(chunk.len() as u64);
        on_progress(vectors.len(), passages.len());
        if bar.is_hidden() && last_line.elapsed() >= std::time::Duration::from_secs(30) {
            // No terminal (a service, a CI log): a plain line now and then instead of a bar.
            last_line = std::time::Instant::now();
            eprintln!(
                "embedding with {}: {}/{} passages ({} from the cache)",
                model.name,
                vectors.len(),
                passages.len(),
                reused
            );
        }
    }
    bar.finish_and_clear();
    let mut writer = VectorWriter::new(model.encoder.dimension())
        .with_hnsw_min_passages(strategy.hnsw_min_passages);
    let mut rows = passages.iter().map(|(o, _)| *o).zip(vectors).peekable();
    for (ordinal, (id, _)) in documents.iter().enumerate() {
        let mut own = Vec::new();
        while let Some((_, vector)) = rows.next_if(|(o, _)| *o == ordinal) {
            own.push(vector);
        }
        if !own.is_empty() {
            writer.add(id, &own)?;
        }
    }
    eprintln!(
        "embedded {} passages of {} documents ({} from the cache {})",
        passages.len(),
        writer.documents(),
        reused,
        cache_path.display()
    );
    let info = DenseInfo {
        model: model.name.clone(),
        model_fingerprint: model.fingerprint.clone(),
        dimension: model.encoder.dimension(),
        passage_tokens: strategy.tokens,
        passage_overlap: strategy.overlap,
        passages: writer.passages(),
        documents: writer.documents(),
        hnsw: None, // set when the vectors are written (above the threshold)
    };
    Ok((writer, info))
}

/// Embeds the documents of a snapshot built without vectors (or with another model) and attaches
/// the vectors to it in place (a new snapshot replaces it atomically). Resumable: every finished
/// batch is in the embedding cache.
pub fn embed_snapshot(
    dir: &Path,
    model: &ModelEncoder,
    strategy: &PassageStrategy,
    on_progress: &dyn Fn(usize, usize),
) -> Result<leian_index::Manifest> {
    let snapshot = leian_index::Snapshot::open(dir)?;
    let manifest = snapshot.manifest().clone();
    let documents: Vec<(String, String)> = snapshot
        .documents()?
        .iter()
        .map(|d| (d.id().to_string(), leian_index::dense_text(d)))
        .collect();
    drop(snapshot);
    let (vectors, info) = embed_documents(model, &documents, strategy, on_progress)?;
    Ok(leian_index::attach_vectors(dir, &manifest, &vectors, info)?)
}
