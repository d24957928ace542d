//! The sentence encoder: tokenise, run BERT in length-sorted batches, pool, normalise.

use std::path::Path;

use tokenizers::{
    Encoding, PaddingDirection, PaddingParams, PaddingStrategy, PostProcessor, Tokenizer,
    TruncationDirection, TruncationParams, TruncationStrategy, pad_encodings,
};

use crate::bert::BertModel;
use crate::config::{load_weights, read_bert_config, required_file};
use crate::pooling::read_pooling;
use crate::{EmbedError, Pooling};

/// The longest input any BERT checkpoint's position table covers in practice.
const MAX_POSITIONS: usize = 512;

/// How an [`Encoder`] tokenises and batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncoderOptions {
    /// Tokens per text, `[CLS]` and `[SEP]` included; longer texts are truncated. Capped at 512
    /// and at the model's `max_position_embeddings`.
    pub max_tokens: usize,
    /// Texts per forward pass.
    pub batch_size: usize,
    /// Worker threads for tokenising and matrix products; `None` uses rayon's global pool.
    ///
    /// candle splits each matrix product into as many parts as `RAYON_NUM_THREADS` says (else
    /// the number of physical cores); the local pool bounds how many run at once. Set
    /// `RAYON_NUM_THREADS` to the same value for the least overhead.
    pub threads: Option<usize>,
    /// Where the forward pass runs.
    pub device: EmbedDevice,
}

impl Default for EncoderOptions {
    fn default() -> Self {
        Self {
            max_tokens: MAX_POSITIONS,
            batch_size: 16,
            threads: None,
            device: EmbedDevice::Cpu,
        }
    }
}

/// Where an [`Encoder`] runs its forward pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EmbedDevice {
    /// This crate's own BERT forward pass (fused attention, gemm's AVX-512 kernels).
    #[default]
    Cpu,
    /// candle's BERT on the CUDA GPU of that ordinal; only in builds with the `cuda` feature.
    Cuda(usize),
}

impl EmbedDevice {
    /// Parses `cpu`, `cuda` or `cuda:N` (the `--device` option).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cpu" => Some(EmbedDevice::Cpu),
            "cuda" | "gpu" => Some(EmbedDevice::Cuda(0)),
            other => other
                .strip_prefix("cuda:")
                .and_then(|n| n.parse().ok())
                .map(EmbedDevice::Cuda),
        }
    }

    /// Whether this build can run on a GPU at all.
    pub fn cuda_compiled() -> bool {
        cfg!(feature = "cuda")
    }
}

/// The forward pass: this crate's CPU BERT, or candle's on a GPU.
enum Backend {
    Cpu(BertModel),
    #[cfg(feature = "cuda")]
    Cuda {
        model: candle_transformers::models::bert::BertModel,
        device: candle_core::Device,
    },
}

/// Loads the model for `device`.
fn load_backend(
    dir: &Path,
    config: &crate::config::Config,
    device: EmbedDevice,
) -> Result<Backend, EmbedError> {
    match device {
        EmbedDevice::Cpu => Ok(Backend::Cpu(BertModel::load(
            load_weights(dir, &candle_core::Device::Cpu)?,
            config,
        )?)),
        #[cfg(feature = "cuda")]
        EmbedDevice::Cuda(ordinal) => {
            let device = candle_core::Device::new_cuda(ordinal).map_err(|e| {
                EmbedError::InvalidArgument(format!(
                    "无法使用第 {ordinal} 块 GPU（CUDA）：{e}；没有可用的 GPU 时请使用 --device cpu"
                ))
            })?;
            // The same fields, read by candle's own type.
            let candle_config: candle_transformers::models::bert::Config =
                serde_json::to_value(config)
                    .and_then(serde_json::from_value)
                    .map_err(|error| EmbedError::InvalidConfig {
                        path: dir.join("config.json"),
                        message: error.to_string(),
                    })?;
            let model = candle_transformers::models::bert::BertModel::load(
                load_weights(dir, &device)?,
                &candle_config,
            )?;
            Ok(Backend::Cuda { model, device })
        }
        #[cfg(not(feature = "cuda"))]
        EmbedDevice::Cuda(_) => Err(EmbedError::InvalidArgument(
            "此 leian 构建时未启用 cuda 功能，不能使用 GPU：请用 cargo build --release --features cuda 重新构建（需要 CUDA 工具包），或使用 --device cpu".into(),
        )),
    }
}

/// A BERT sentence encoder loaded from a Hugging Face model directory.
pub struct Encoder {
    model: Backend,
    /// Padded tokens one forward pass may hold (see [`MAX_BATCH_TOKENS`]; a GPU takes more).
    max_batch_tokens: usize,
    /// Truncates to `max_tokens`; pads nothing, since batches are padded one bucket at a time.
    tokenizer: Tokenizer,
    /// Neither truncates nor pads: for counting tokens and cutting passages.
    raw_tokenizer: Tokenizer,
    padding: PaddingParams,
    /// Content tokens a text may have once `[CLS]`/`[SEP]` are counted.
    content_tokens: usize,
    batch_size: usize,
    dimension: usize,
    pooling: Pooling,
    pool: Option<rayon::ThreadPool>,
}

impl std::fmt::Debug for Encoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Encoder")
            .field("dimension", &self.dimension)
            .field("pooling", &self.pooling)
            .field("content_tokens", &self.content_tokens)
            .field("batch_size", &self.batch_size)
            .finish_non_exhaustive()
    }
}

impl Encoder {
    /// Loads any Hugging Face BERT directory: `config.json`, `tokenizer.json`, and
    /// `model.safetensors` or `pytorch_model.bin` (keys with or without a `bert.` prefix).
    /// A sentence-transformers `modules.json` with `1_Pooling/config.json` chooses the pooling.
    pub fn load(dir: &Path, options: EncoderOptions) -> Result<Self, EmbedError> {
        if options.batch_size == 0 {
            return Err(EmbedError::InvalidArgument("batch_size 至少为 1".into()));
        }
        if options.threads == Some(0) {
            return Err(EmbedError::InvalidArgument("threads 至少为 1".into()));
        }
        let config = read_bert_config(dir)?;
        let pooling = read_pooling(dir)?;
        let tokenizer_path = required_file(dir, "tokenizer.json")?;
        let mut raw_tokenizer = Tokenizer::from_file(&tokenizer_path).map_err(|error| {
            EmbedError::Tokenizer(format!("{}: {error}", tokenizer_path.display()))
        })?;
        raw_tokenizer.with_truncation(None)?;
        raw_tokenizer.with_padding(None);

        let max_tokens = options
            .max_tokens
            .min(MAX_POSITIONS)
            .min(config.max_position_embeddings);
        let specials = raw_tokenizer
            .get_post_processor()
            .map_or(0, |processor| processor.added_tokens(false));
        if max_tokens <= specials {
            return Err(EmbedError::InvalidArgument(format!(
                "max_tokens 为 {}，除去 {specials} 个特殊词元后已无容纳文本的余地",
                options.max_tokens
            )));
        }
        let mut tokenizer = raw_tokenizer.clone();
        tokenizer.with_truncation(Some(TruncationParams {
            direction: TruncationDirection::Right,
            max_length: max_tokens,
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        }))?;

        // m3e-style tokenizer.json files carry no padding section, so build it from the vocab.
        let pad_token = "[PAD]";
        let pad_id = raw_tokenizer
            .token_to_id(pad_token)
            .unwrap_or(config.pad_token_id as u32);
        let padding = PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            direction: PaddingDirection::Right,
            pad_to_multiple_of: None,
            pad_id,
            pad_type_id: 0,
            pad_token: pad_token.to_string(),
        };

        let model = load_backend(dir, &config, options.device)?;
        let max_batch_tokens = match options.device {
            EmbedDevice::Cpu => MAX_BATCH_TOKENS,
            // A GPU is fastest with large batches; its memory bounds them long before this does.
            EmbedDevice::Cuda(_) => 64 * MAX_BATCH_TOKENS,
        };
        let pool = match options.threads {
            Some(threads) => Some(
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("leian-embed-{i}"))
                    .build()?,
            ),
            None => None,
        };
        Ok(Self {
            model,
            max_batch_tokens,
            tokenizer,
            raw_tokenizer,
            padding,
            content_tokens: max_tokens - specials,
            batch_size: options.batch_size,
            dimension: config.hidden_size,
            pooling,
            pool,
        })
    }

    /// Length of the embedding vectors.
    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// How token vectors are reduced to one vector.
    pub fn pooling(&self) -> Pooling {
        self.pooling
    }

    /// L2-normalised embeddings, one per text, in input order. Texts longer than max_tokens are
    /// truncated.
    pub fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        self.install(|| self.embed_in_pool(texts))
    }

    /// Long documents: split into passages of ~`passage_tokens` tokens with `overlap` tokens
    /// overlap (split on token offsets, map back to text), embed all passages, return the
    /// passage vectors (caller aggregates with max-sim).
    pub fn embed_passages(
        &self,
        text: &str,
        passage_tokens: usize,
        overlap: usize,
    ) -> Result<Vec<Vec<f32>>, EmbedError> {
        let passages = self.passages(text, passage_tokens, overlap)?;
        self.embed(&passages)
    }

    /// The passages [`Encoder::embed_passages`] embeds, as slices of `text`: callers that cache
    /// vectors by passage text split first and embed only what is missing.
    ///
    /// `passage_tokens` counts text tokens, `[CLS]`/`[SEP]` not included, and is capped at what
    /// `max_tokens` leaves room for (the overlap shrinks in proportion). A text without tokens
    /// yields no passages.
    pub fn passages<'t>(
        &self,
        text: &'t str,
        passage_tokens: usize,
        overlap: usize,
    ) -> Result<Vec<&'t str>, EmbedError> {
        if passage_tokens == 0 || overlap >= passage_tokens {
            return Err(EmbedError::InvalidArgument(format!(
                "{passage_tokens} 个词元的段落不能重叠 {overlap} 个词元"
            )));
        }
        let window = passage_tokens.min(self.content_tokens);
        let overlap = overlap * window / passage_tokens;
        let encoding = self.install(|| self.raw_tokenizer.encode(text, false))?;
        passage_spans(encoding.get_offsets(), window, window - overlap)
            .into_iter()
            .map(|(start, end)| {
                text.get(start..end).ok_or_else(|| {
                    EmbedError::Tokenizer(format!("词元位置 {start}..{end} 不在字符边界上"))
                })
            })
            .collect()
    }

    /// Word-piece tokens in `text`, without `[CLS]`/`[SEP]` and without truncation.
    pub fn token_count(&self, text: &str) -> Result<usize, EmbedError> {
        Ok(self.raw_tokenizer.encode(text, false)?.len())
    }

    /// Runs `f` on the local thread pool when one was asked for.
    fn install<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        match &self.pool {
            Some(pool) => pool.install(f),
            None => f(),
        }
    }

    fn embed_in_pool(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let encodings = self.tokenizer.encode_batch(texts.to_vec(), true)?;
        // Bucketing: texts of similar length share a batch, so little compute goes to padding.
        // Longest first, so the largest batch (the memory peak) comes first.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        let lengths: Vec<usize> = encodings.iter().map(Encoding::len).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(lengths[i]));
        let mut slots: Vec<Option<Encoding>> = encodings.into_iter().map(Some).collect();
        let mut vectors = vec![Vec::new(); texts.len()];
        for bucket in buckets(
            &order,
            |i| lengths[i],
            self.batch_size,
            self.max_batch_tokens,
        ) {
            let mut batch: Vec<Encoding> = bucket.iter().filter_map(|&i| slots[i].take()).collect();
            pad_encodings(&mut batch, &self.padding)?;
            for (&i, vector) in bucket.iter().zip(self.forward(&batch)?) {
                vectors[i] = vector;
            }
        }
        Ok(vectors)
    }

    /// Pooled, normalised vectors of one padded batch.
    fn forward(&self, batch: &[Encoding]) -> Result<Vec<Vec<f32>>, EmbedError> {
        let rows = batch.len();
        let len = batch.first().map_or(0, Encoding::len);
        let mut ids = Vec::with_capacity(rows * len);
        let mut type_ids = Vec::with_capacity(rows * len);
        let mut mask = Vec::with_capacity(rows * len);
        let mut lengths = Vec::with_capacity(rows);
        for encoding in batch {
            ids.extend_from_slice(encoding.get_ids());
            type_ids.extend_from_slice(encoding.get_type_ids());
            mask.extend_from_slice(encoding.get_attention_mask());
            // Padding is on the right, so the real tokens are the leading ones.
            lengths.push(
                encoding
                    .get_attention_mask()
                    .iter()
                    .filter(|&&m| m != 0)
                    .count(),
            );
        }
        let hidden = match &self.model {
            Backend::Cpu(model) => model.forward(ids, type_ids, &lengths, len)?,
            #[cfg(feature = "cuda")]
            Backend::Cuda { model, device } => {
                let shape = (rows, len);
                let ids = candle_core::Tensor::from_vec(ids, shape, device)?;
                let type_ids = candle_core::Tensor::from_vec(type_ids, shape, device)?;
                let mask = candle_core::Tensor::from_vec(mask.clone(), shape, device)?;
                model
                    .forward(&ids, &type_ids, Some(&mask))?
                    .to_device(&candle_core::Device::Cpu)?
            }
        };
        let hidden = hidden.flatten_all()?.to_vec1::<f32>()?;
        Ok(hidden
            .chunks_exact(len * self.dimension)
            .zip(mask.chunks_exact(len))
            .map(|(tokens, mask)| {
                let mut vector = pool(self.pooling, tokens, mask, self.dimension);
                normalise(&mut vector);
                vector
            })
            .collect())
    }
}

/// Tokens one forward pass may hold, padding included. Past this, activations (and the
/// (batch, heads, len, len) scores) outgrow the allocator's reuse threshold and the caches, and
/// each pass pays for fresh pages: at 512 tokens a batch of 4 ran 40% faster than one of 16.
const MAX_BATCH_TOKENS: usize = 2048;

/// Cuts `order` (sorted longest first) into batches of at most `batch_size` texts and, unless a
/// text alone exceeds it, [`MAX_BATCH_TOKENS`] padded tokens.
fn buckets(
    order: &[usize],
    len: impl Fn(usize) -> usize,
    batch_size: usize,
    max_batch_tokens: usize,
) -> Vec<&[usize]> {
    let mut batches = Vec::new();
    let mut rest = order;
    while let Some(&first) = rest.first() {
        // The first text is the longest, so it sets the padded length of the batch.
        let fit = (max_batch_tokens / len(first).max(1)).clamp(1, batch_size);
        let (batch, tail) = rest.split_at(fit.min(rest.len()));
        batches.push(batch);
        rest = tail;
    }
    batches
}

/// Reduces one text's `tokens` (`mask.len()` rows of `dimension`) as sentence-transformers does.
fn pool(pooling: Pooling, tokens: &[f32], mask: &[u32], dimension: usize) -> Vec<f32> {
    let rows = tokens
        .chunks_exact(dimension)
        .zip(mask)
        .filter(|(_, keep)| **keep != 0)
        .map(|(row, _)| row);
    match pooling {
        Pooling::Cls => tokens[..dimension].to_vec(),
        Pooling::Mean => {
            let mut sum = vec![0f32; dimension];
            let mut count = 0usize;
            for row in rows {
                sum.iter_mut().zip(row).for_each(|(s, x)| *s += x);
                count += 1;
            }
            // sentence-transformers clamps the count to 1e-9; a batch row always has [CLS].
            let count = count.max(1) as f32;
            sum.iter_mut().for_each(|s| *s /= count);
            sum
        }
        Pooling::Max => {
            let mut max = vec![f32::NEG_INFINITY; dimension];
            for row in rows {
                max.iter_mut().zip(row).for_each(|(m, x)| *m = m.max(*x));
            }
            max
        }
    }
}

/// Scales to unit length; a zero vector stays zero (torch's `normalize` uses the same 1e-12).
fn normalise(vector: &mut [f32]) {
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    vector.iter_mut().for_each(|x| *x /= norm);
}

/// Byte ranges of windows of `window` tokens starting every `step` tokens, the last one ending
/// at the last token. `offsets` are the tokens' byte spans in the text.
fn passage_spans(offsets: &[(usize, usize)], window: usize, step: usize) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = 0;
    while start < offsets.len() {
        let end = (start + window).min(offsets.len());
        spans.push((offsets[start].0, offsets[end - 1].1));
        if end == offsets.len() {
            break;
        }
        start += step.max(1);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_pooling_ignores_padding() {
        let tokens = [1.0, 2.0, 3.0, 4.0, 100.0, 100.0];
        assert_eq!(pool(Pooling::Mean, &tokens, &[1, 1, 0], 2), vec![2.0, 3.0]);
        assert_eq!(pool(Pooling::Max, &tokens, &[1, 1, 0], 2), vec![3.0, 4.0]);
        assert_eq!(pool(Pooling::Cls, &tokens, &[1, 1, 0], 2), vec![1.0, 2.0]);
    }

    #[test]
    fn normalise_gives_unit_length_and_keeps_zero() {
        let mut v = vec![3.0, 4.0];
        normalise(&mut v);
        assert_eq!(v, vec![0.6, 0.8]);
        let mut zero = vec![0.0, 0.0];
        normalise(&mut zero);
        assert_eq!(zero, vec![0.0, 0.0]);
    }

    #[test]
    fn buckets_respect_size_and_token_budget() {
        let lengths = [512, 512, 512, 512, 512, 100, 100, 100];
        let order: Vec<usize> = (0..lengths.len()).collect();
        let batches = buckets(&order, |i| lengths[i], 16, MAX_BATCH_TOKENS);
        assert_eq!(batches, vec![&[0, 1, 2, 3][..], &[4, 5, 6, 7][..]]);
        let batches = buckets(&order, |i| lengths[i], 3, MAX_BATCH_TOKENS);
        assert_eq!(batches, vec![&[0, 1, 2][..], &[3, 4, 5][..], &[6, 7][..]]);
        assert!(buckets(&[], |_| 0, 4, MAX_BATCH_TOKENS).is_empty());
    }

    #[test]
    fn passage_spans_overlap_and_cover_the_end() {
        let offsets: Vec<(usize, usize)> = (0..10).map(|i| (i * 3, i * 3 + 3)).collect();
        // Windows of 4 tokens every 3: tokens 0-3, 3-6, 6-9.
        assert_eq!(
            passage_spans(&offsets, 4, 3),
            vec![(0, 12), (9, 21), (18, 30)]
        );
        assert_eq!(passage_spans(&offsets, 20, 10), vec![(0, 30)]);
        assert!(passage_spans(&[], 4, 3).is_empty());
    }
}
