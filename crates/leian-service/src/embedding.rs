//! Embedding a snapshot's documents: passages of a few hundred tokens, through the embedding
//! cache (an interrupted run resumes where it stopped), with progress reported to the caller.

use crate::encoder::{ModelEncoder, cache_path};
use crate::error::{Context, Result, ServiceError};
use crate::progress::Progress;
use leian_core::Kind;
use leian_index::{DenseInfo, EmbeddingCache, PassageText, Quantization, VectorWriter};
use std::path::Path;

/// How an index's vectors are made (passages of `tokens` with `overlap`, from the judgment part
/// `text`) and searched (an HNSW graph from `hnsw_min_passages` passages on, holding its copy of
/// the vectors as `quantization`).
#[derive(Debug, Clone, Copy)]
pub struct PassageStrategy {
    pub tokens: usize,
    pub overlap: usize,
    pub hnsw_min_passages: usize,
    /// Embed statute articles too. Off by default: on the development sets statute vectors did
    /// not improve statute retrieval (README, "Dense and hybrid"), and every LawRefBook article
    /// would take hours on 2 cores.
    pub embed_statutes: bool,
    pub text: PassageText,
    pub quantization: Quantization,
}

impl PassageStrategy {
    /// The kinds of document this strategy embeds.
    pub fn kinds(&self) -> Vec<Kind> {
        match self.embed_statutes {
            true => vec![Kind::Judgment, Kind::Statute],
            false => vec![Kind::Judgment],
        }
    }

    /// The text of `document` this strategy embeds.
    pub fn text_of(&self, document: &leian_core::Document) -> String {
        leian_index::dense_text_of(document, self.text)
    }

    /// The model that made the vectors `info` describes, checked against their weights, and the
    /// strategy that embeds new documents as those were (the same passages of the same part of a
    /// judgment): what adding documents to a `library` (an index, the cluster) needs.
    pub fn of_vectors(info: &DenseInfo, library: &str) -> Result<(ModelEncoder, Self)> {
        let model = ModelEncoder::load(&info.model).map_err(|e| {
            ServiceError::Unavailable(format!(
                "{library}带有 {} 的向量，新增的文书也要用它计算向量，但模型无法加载：{e}",
                info.model
            ))
        })?;
        if model.fingerprint() != info.model_fingerprint {
            return Err(ServiceError::Unavailable(format!(
                "{library}的向量由 {} 的权重 {} 计算，缓存中的模型是 {}：新增文书的向量将无法与之比较；请恢复该模型或重建{library}",
                info.model,
                info.model_fingerprint,
                model.fingerprint()
            )));
        }
        let strategy = PassageStrategy {
            tokens: info.passage_tokens,
            overlap: info.passage_overlap,
            hnsw_min_passages: leian_index::DEFAULT_HNSW_MIN_PASSAGES,
            embed_statutes: info.covers(Kind::Statute),
            text: info.passage_text,
            quantization: info
                .hnsw
                .as_ref()
                .map_or(DEFAULT_STRATEGY.quantization, |h| h.quantization),
        };
        Ok((model, strategy))
    }
}

/// Passages waiting to be embedded before a batch is encoded: enough for the encoder's
/// length-bucketed batches, and a bound on what indexing keeps in memory however large the
/// corpus (about 1 MB of text).
const PENDING_PASSAGES: usize = 512;

/// Passages looked up in the cache and encoded together.
const BATCH: usize = 64;

/// Embeds documents as they come (one at a time, in order), a bounded batch at a time, through
/// the embedding cache, into a [`VectorWriter`] whose rows go to a file: memory does not grow
/// with the corpus. A killed run keeps every finished batch in the cache, so the next run picks
/// up where it stopped.
pub struct Embedder<'a> {
    model: &'a ModelEncoder,
    strategy: PassageStrategy,
    cache: EmbeddingCache,
    writer: VectorWriter,
    /// Documents split into passages and not yet embedded, in order.
    pending: Vec<(String, Vec<String>)>,
    pending_passages: usize,
    passages: usize,
    reused: usize,
}

impl<'a> Embedder<'a> {
    /// An embedder writing into `writer` (of the model's dimension).
    pub fn new(
        model: &'a ModelEncoder,
        strategy: &PassageStrategy,
        writer: VectorWriter,
    ) -> Result<Self> {
        let cache = EmbeddingCache::open(&cache_path(&model.name), &model.fingerprint)?;
        Ok(Embedder {
            model,
            strategy: *strategy,
            cache,
            writer: writer
                .with_hnsw_min_passages(strategy.hnsw_min_passages)
                .with_quantization(strategy.quantization),
            pending: Vec::new(),
            pending_passages: 0,
            passages: 0,
            reused: 0,
        })
    }

    /// Adds a document (its text as [`PassageStrategy::text_of`] gives it); embeds the waiting
    /// passages when there are enough.
    pub fn add(&mut self, id: &str, text: &str) -> Result<()> {
        let passages: Vec<String> = self
            .model
            .encoder
            .passages(text, self.strategy.tokens, self.strategy.overlap)?
            .into_iter()
            .map(str::to_string)
            .collect();
        self.pending_passages += passages.len();
        self.pending.push((id.to_string(), passages));
        if self.pending_passages >= PENDING_PASSAGES {
            self.flush()?;
        }
        Ok(())
    }

    /// Passages embedded (or taken from the cache) so far.
    pub fn passages(&self) -> usize {
        self.passages
    }

    fn flush(&mut self) -> Result<()> {
        let texts: Vec<&str> = self
            .pending
            .iter()
            .flat_map(|(_, passages)| passages.iter().map(String::as_str))
            .collect();
        let mut vectors: Vec<Vec<f32>> = Vec::with_capacity(texts.len());
        for chunk in texts.chunks(BATCH) {
            let cached = self.cache.get_many(chunk)?;
            let missing: Vec<&str> = chunk
                .iter()
                .zip(&cached)
                .filter(|(_, c)| c.is_none())
                .map(|(t, _)| *t)
                .collect();
            let fresh = self.model.encoder.embed(&missing)?;
            self.cache.put_many(
                &missing
                    .iter()
                    .zip(&fresh)
                    .map(|(t, v)| (*t, v.as_slice()))
                    .collect::<Vec<_>>(),
            )?;
            self.reused += chunk.len() - missing.len();
            let mut fresh = fresh.into_iter();
            for vector in cached {
                vectors.push(match vector {
                    Some(v) => v,
                    None => fresh
                        .next()
                        .context(|| "编码器返回的向量少于文本数".into())?,
                });
            }
        }
        let mut vectors = vectors.into_iter();
        for (id, passages) in self.pending.drain(..) {
            let own: Vec<Vec<f32>> = vectors.by_ref().take(passages.len()).collect();
            if !own.is_empty() {
                self.writer.add(&id, &own)?;
            }
        }
        self.passages += self.pending_passages;
        self.pending_passages = 0;
        Ok(())
    }

    /// Embeds what is left; returns the vectors, their manifest entry and how many passages came
    /// from the cache.
    pub fn finish(mut self) -> Result<(VectorWriter, DenseInfo, usize)> {
        self.flush()?;
        let info = DenseInfo {
            model: self.model.name.clone(),
            model_fingerprint: self.model.fingerprint.clone(),
            dimension: self.model.encoder.dimension(),
            passage_tokens: self.strategy.tokens,
            passage_overlap: self.strategy.overlap,
            passages: self.writer.passages(),
            documents: self.writer.documents(),
            hnsw: None, // set when the vectors are written (above the threshold)
            kinds: self.strategy.kinds(),
            passage_text: self.strategy.text,
        };
        Ok((self.writer, info, self.reused))
    }
}

/// Embeds every document's passages, reusing and filling the embedding cache; the rows wait in
/// `spill_dir` (the system's temporary folder when `None`).
pub fn embed_documents(
    model: &ModelEncoder,
    documents: &[(String, String)],
    strategy: &PassageStrategy,
    spill_dir: Option<&Path>,
    progress: &dyn Progress,
) -> Result<(VectorWriter, DenseInfo)> {
    let dimension = model.encoder.dimension();
    let writer = match spill_dir {
        Some(dir) => VectorWriter::new_in(dir, dimension),
        None => VectorWriter::new(dimension),
    };
    let mut embedder = Embedder::new(model, strategy, writer)?;
    progress.begin(
        &format!("用 {} 计算向量（文书）", model.name),
        Some(documents.len() as u64),
    );
    for (done, (id, text)) in documents.iter().enumerate() {
        embedder.add(id, text)?;
        progress.update(done as u64 + 1);
    }
    let (writer, info, reused) = embedder.finish()?;
    progress.end(&embedded_summary(&info, reused, &model.name));
    Ok((writer, info))
}

/// The line that ends an embedding step.
pub(crate) fn embedded_summary(info: &DenseInfo, reused: usize, model: &str) -> String {
    format!(
        "{} 个文书的 {} 个段落已计算向量（其中 {} 个取自缓存 {}）",
        info.documents,
        info.passages,
        reused,
        cache_path(model).display()
    )
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
    let total = kinds
        .iter()
        .map(|kind| match kind {
            Kind::Judgment => manifest.docs.judgments,
            Kind::Statute => manifest.docs.statutes,
        })
        .sum::<u64>();
    // Read and embedded one document at a time, the rows spilled to a file: memory does not grow
    // with the snapshot.
    let writer = VectorWriter::new(model.encoder.dimension());
    let mut embedder = Embedder::new(model, strategy, writer)?;
    progress.begin(&format!("用 {} 计算向量（文书）", model.name), Some(total));
    let mut done = 0u64;
    let mut failure = None;
    snapshot
        .for_each_document(|document| {
            if kinds.contains(&document.kind()) {
                if let Err(error) = embedder.add(document.id(), &strategy.text_of(&document)) {
                    failure = Some(error);
                    return Err(leian_index::IndexError::Invalid("计算向量失败".into()));
                }
                done += 1;
                progress.update(done);
            }
            Ok(())
        })
        .map_err(|error| failure.take().unwrap_or_else(|| error.into()))?;
    drop(snapshot);
    let (vectors, info, reused) = embedder.finish()?;
    progress.end(&embedded_summary(&info, reused, &model.name));
    Ok(leian_index::attach_vectors(dir, &manifest, vectors, info)?)
}

/// The passage strategy `leian index` uses by default: the facts in passages of 256 tokens
/// overlapping by 32, an HNSW graph with int8 copies from
/// [`leian_index::DEFAULT_HNSW_MIN_PASSAGES`] passages on.
pub const DEFAULT_STRATEGY: PassageStrategy = PassageStrategy {
    tokens: 256,
    overlap: 32,
    hnsw_min_passages: leian_index::DEFAULT_HNSW_MIN_PASSAGES,
    embed_statutes: false,
    text: PassageText::Facts,
    quantization: Quantization::I8,
};
