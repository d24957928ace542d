//! Embedding a snapshot's documents: passages of a few hundred tokens, through the embedding
//! cache (an interrupted run resumes where it stopped), with progress reported to the caller.

use crate::encoder::{ModelEncoder, cache_path};
use crate::error::{Context, Result};
use crate::progress::Progress;
use leian_core::Kind;
use leian_index::{DenseInfo, EmbeddingCache, VectorWriter};
use std::path::Path;

/// How an index's vectors are made (passages of `tokens` with `overlap`) and searched (an HNSW
/// graph from `hnsw_min_passages` passages on).
#[derive(Debug, Clone, Copy)]
pub struct PassageStrategy {
    pub tokens: usize,
    pub overlap: usize,
    pub hnsw_min_passages: usize,
    /// Embed statute articles too. Off by default: on the development sets statute vectors did
    /// not improve statute retrieval (README, "Dense and hybrid"), and every LawRefBook article
    /// would take hours on 2 cores.
    pub embed_statutes: bool,
}

impl PassageStrategy {
    /// The kinds of document this strategy embeds.
    pub fn kinds(&self) -> Vec<Kind> {
        match self.embed_statutes {
            true => vec![Kind::Judgment, Kind::Statute],
            false => vec![Kind::Judgment],
        }
    }
}

/// Embeds every document's passages, reusing and filling the embedding cache.
/// A killed run keeps every finished batch in the cache, so the next run picks up where it stopped.
pub fn embed_documents(
    model: &ModelEncoder,
    documents: &[(String, String)],
    strategy: &PassageStrategy,
    progress: &dyn Progress,
) -> Result<(VectorWriter, DenseInfo)> {
    let cache_path = cache_path(&model.name);
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
    progress.begin(
        &format!("用 {} 计算向量（段落）", model.name),
        Some(passages.len() as u64),
    );
    let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(passages.len());
    let mut reused = 0usize;
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
                    .context(|| "编码器返回的向量少于文本数".into())?,
            });
        }
        progress.update(vectors.len() as u64);
    }

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
    progress.end(&format!(
        "{} 个文书的 {} 个段落已计算向量（其中 {} 个取自缓存 {}）",
        writer.documents(),
        passages.len(),
        reused,
        cache_path.display()
    ));
    let info = DenseInfo {
        model: model.name.clone(),
        model_fingerprint: model.fingerprint.clone(),
        dimension: model.encoder.dimension(),
        passage_tokens: strategy.tokens,
        passage_overlap: strategy.overlap,
        passages: writer.passages(),
        documents: writer.documents(),
        hnsw: None, // set when the vectors are written (above the threshold)
        kinds: strategy.kinds(),
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
    progress: &dyn Progress,
) -> Result<leian_index::Manifest> {
    let snapshot = leian_index::Snapshot::open(dir)?;
    let manifest = snapshot.manifest().clone();
    let kinds = strategy.kinds();
    let documents: Vec<(String, String)> = snapshot
        .all_documents()?
        .iter()
        .filter(|d| kinds.contains(&d.kind()))
        .map(|d| (d.id().to_string(), leian_index::dense_text(d)))
        .collect();
    drop(snapshot);
    let (vectors, info) = embed_documents(model, &documents, strategy, progress)?;
    Ok(leian_index::attach_vectors(dir, &manifest, &vectors, info)?)
}

/// The passage strategy `leian index` uses by default: passages of 256 tokens overlapping by 32,
/// an HNSW graph from [`leian_index::DEFAULT_HNSW_MIN_PASSAGES`] passages on.
pub const DEFAULT_STRATEGY: PassageStrategy = PassageStrategy {
    tokens: 256,
    overlap: 32,
    hnsw_min_passages: leian_index::DEFAULT_HNSW_MIN_PASSAGES,
    embed_statutes: false,
};
