//! A BERT encoder for CPU inference, adapted from candle-transformers' `models/bert.rs`
//! (candle 0.11.1, https://github.com/huggingface/candle).
//!
//! Copyright (c) The candle authors. candle is dual-licensed under the MIT licence and the
//! Apache License 2.0; this adaptation is used under the Apache License 2.0.
//!
//! Why a copy: at long inputs the stock model spends much of its time outside matrix products,
//! in single-threaded passes over the (batch, heads, tokens, tokens) score tensor and the
//! feed-forward activations. Changes from the original, which compute the same function:
//! - query, key and value are one matrix product; the 1/sqrt(head size) score scale is folded
//!   into the query weights at load time;
//! - attention is fused: each task takes a block of one sequence's queries through every head
//!   with gemm directly, its scores staying in cache, and reads only the sequence's real keys
//!   (no additive mask, no (batch, heads, len, len) score tensor);
//! - softmax and GELU are vectorisable loops (a branch-free exp and erf: libm's took a sixth of
//!   the run time), the bias and activation one in-place, multi-threaded pass;
//! - hidden states stay two-dimensional (tokens, hidden), weights are stored transposed;
//! - no dropout, tracing spans, pooler or pre-training heads.

use crate::config::{Config, HiddenAct};
use candle_core::backend::BackendStorage;
use candle_core::{CpuStorage, DType, Device, InplaceOp1, Layout, Result, Storage, Tensor};
use candle_nn::VarBuilder;
use rayon::prelude::*;

/// A dense layer with its weight stored as (in, out), so `x.matmul(weight)` needs no transpose.
struct Linear {
    weight: Tensor,
    bias: Tensor,
}

impl Linear {
    fn load(vb: VarBuilder, in_dim: usize, out_dim: usize) -> Result<Self> {
        let weight = vb.get((out_dim, in_dim), "weight")?;
        let bias = vb.get(out_dim, "bias")?;
        Self::new(weight, bias)
    }

    /// From a PyTorch-layout (out, in) weight.
    fn new(weight: Tensor, bias: Tensor) -> Result<Self> {
        Ok(Self {
            weight: weight.t()?.contiguous()?,
            bias,
        })
    }

    /// `x` is (rows, in); the result (rows, out) without the bias.
    fn matmul(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight)
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        self.matmul(x)?.broadcast_add(&self.bias)
    }
}

/// LayerNorm with weight and bias.
struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    fn load(vb: VarBuilder, size: usize, eps: f64) -> Result<Self> {
        Ok(Self {
            weight: vb.get(size, "weight")?,
            bias: vb.get(size, "bias")?,
            eps: eps as f32,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        candle_nn::ops::layer_norm(x, &self.weight, &self.bias, self.eps)
    }
}

struct Embeddings {
    word: Tensor,
    position: Tensor,
    token_type: Tensor,
    layer_norm: LayerNorm,
}

struct Layer {
    qkv: Linear,
    attention_output: Linear,
    attention_norm: LayerNorm,
    intermediate: Linear,
    output: Linear,
    output_norm: LayerNorm,
}

/// BERT's embeddings and encoder stack: token ids in, last hidden states out.
pub(crate) struct BertModel {
    embeddings: Embeddings,
    layers: Vec<Layer>,
    heads: usize,
    head_size: usize,
    hidden: usize,
    max_positions: usize,
    act: HiddenAct,
}

impl BertModel {
    /// Loads from a builder rooted at the tensors `embeddings.*` and `encoder.*`.
    pub(crate) fn load(vb: VarBuilder, config: &Config) -> Result<Self> {
        let hidden = config.hidden_size;
        if config.num_attention_heads == 0 || !hidden.is_multiple_of(config.num_attention_heads) {
            candle_core::bail!(
                "hidden_size {hidden} 不是 num_attention_heads {} 的整数倍",
                config.num_attention_heads
            );
        }
        let heads = config.num_attention_heads;
        let head_size = hidden / heads;
        let emb = vb.pp("embeddings");
        let embeddings = Embeddings {
            word: emb.get((config.vocab_size, hidden), "word_embeddings.weight")?,
            position: emb.get(
                (config.max_position_embeddings, hidden),
                "position_embeddings.weight",
            )?,
            token_type: emb.get(
                (config.type_vocab_size, hidden),
                "token_type_embeddings.weight",
            )?,
            layer_norm: LayerNorm::load(emb.pp("LayerNorm"), hidden, config.layer_norm_eps)?,
        };
        let scale = 1.0 / (head_size as f64).sqrt();
        let layers = (0..config.num_hidden_layers)
            .map(|index| {
                let vb = vb.pp(format!("encoder.layer.{index}"));
                let attention = vb.pp("attention");
                let part = |name: &str| -> Result<(Tensor, Tensor)> {
                    let vb = attention.pp("self").pp(name);
                    Ok((vb.get((hidden, hidden), "weight")?, vb.get(hidden, "bias")?))
                };
                let (query_w, query_b) = part("query")?;
                let (key_w, key_b) = part("key")?;
                let (value_w, value_b) = part("value")?;
                let qkv = Linear::new(
                    Tensor::cat(&[(query_w * scale)?, key_w, value_w], 0)?,
                    Tensor::cat(&[(query_b * scale)?, key_b, value_b], 0)?,
                )?;
                let norm = |vb: VarBuilder| LayerNorm::load(vb, hidden, config.layer_norm_eps);
                Ok(Layer {
                    qkv,
                    attention_output: Linear::load(attention.pp("output.dense"), hidden, hidden)?,
                    attention_norm: norm(attention.pp("output.LayerNorm"))?,
                    intermediate: Linear::load(
                        vb.pp("intermediate.dense"),
                        hidden,
                        config.intermediate_size,
                    )?,
                    output: Linear::load(vb.pp("output.dense"), config.intermediate_size, hidden)?,
                    output_norm: norm(vb.pp("output.LayerNorm"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            embeddings,
            layers,
            heads,
            head_size,
            hidden,
            max_positions: config.max_position_embeddings,
            act: config.hidden_act,
        })
    }

    /// Last hidden states, (batch * len, hidden), of a right-padded batch: `ids` and `type_ids`
    /// hold `lengths.len()` rows of `len` tokens, of which the first `lengths[i]` are real.
    /// Rows of padding tokens hold unspecified values.
    pub(crate) fn forward(
        &self,
        ids: Vec<u32>,
        type_ids: Vec<u32>,
        lengths: &[usize],
        len: usize,
    ) -> Result<Tensor> {
        let batch = lengths.len();
        if len > self.max_positions {
            candle_core::bail!("{len} 个词元超出模型的 {} 个位置", self.max_positions);
        }
        let device = Device::Cpu;
        let rows = batch * len;
        let ids = Tensor::from_vec(ids, rows, &device)?;
        let type_ids = Tensor::from_vec(type_ids, rows, &device)?;
        let positions: Vec<u32> = (0..batch).flat_map(|_| 0..len as u32).collect();
        let positions = Tensor::from_vec(positions, rows, &device)?;
        let e = &self.embeddings;
        let x = (e.word.index_select(&ids, 0)? + e.token_type.index_select(&type_ids, 0)?)?;
        let x = (x + e.position.index_select(&positions, 0)?)?;
        let mut x = e.layer_norm.forward(&x)?;

        for layer in &self.layers {
            let context = self.attention(&layer.qkv.forward(&x)?, lengths, len)?;
            let attended = (layer.attention_output.forward(&context)? + &x)?;
            let attended = layer.attention_norm.forward(&attended)?;
            let inner = layer.intermediate.matmul(&attended)?;
            inner.inplace_op1(&BiasActivation {
                bias: bias_values(&layer.intermediate.bias)?,
                act: self.act,
            })?;
            let out = (layer.output.forward(&inner)? + &attended)?;
            x = layer.output_norm.forward(&out)?;
        }
        Ok(x)
    }

    /// Multi-head self-attention of (batch * len, 3 * hidden) projections into (batch * len,
    /// hidden) contexts. Padding rows of the result are zero.
    ///
    /// Fused by hand rather than built from candle ops: one (batch, heads, len, len) score
    /// tensor is 32 MiB at 4 x 512 tokens, and writing it, paging it in and reading it back for
    /// the softmax and the second product cost more than the products themselves. Here each task
    /// takes a block of queries of one sequence through every head with scores that stay in
    /// cache, and neither padded keys nor padded queries are computed at all.
    fn attention(&self, qkv: &Tensor, lengths: &[usize], len: usize) -> Result<Tensor> {
        let hidden = self.hidden;
        let (storage, layout) = qkv.storage_and_layout();
        let Storage::Cpu(CpuStorage::F32(data)) = &*storage else {
            candle_core::bail!("注意力计算需要 CPU 上的 f32 投影");
        };
        let Some((start, end)) = layout.contiguous_offsets() else {
            candle_core::bail!("注意力计算需要连续存储的投影");
        };
        let projections = &data[start..end];
        if projections.len() != lengths.len() * len * 3 * hidden {
            candle_core::bail!("投影与 {} x {len} 个词元不符", lengths.len());
        }
        let heads = Heads {
            count: self.heads,
            size: self.head_size,
        };
        let mut context = vec![0f32; lengths.len() * len * hidden];
        context
            .par_chunks_mut(len * hidden)
            .zip(projections.par_chunks(len * 3 * hidden))
            .zip(lengths)
            .for_each(|((sequence_context, sequence_projections), &real)| {
                let keys = real.clamp(1, len);
                sequence_context[..keys * hidden]
                    .par_chunks_mut(QUERY_BLOCK * hidden)
                    .enumerate()
                    .for_each(|(block, block_context)| {
                        heads.attend(
                            sequence_projections,
                            keys,
                            block * QUERY_BLOCK,
                            block_context,
                        )
                    });
            });
        drop(storage);
        Tensor::from_vec(context, (lengths.len() * len, hidden), &Device::Cpu)
    }
}

/// Queries per attention task: their scores against 512 keys take 128 KiB, well inside L2.
const QUERY_BLOCK: usize = 64;

/// The attention heads' geometry.
struct Heads {
    count: usize,
    size: usize,
}

impl Heads {
    /// Writes the contexts of the queries `first..` (as many as `context` has rows of `hidden`)
    /// attending to the first `keys` tokens of one sequence, whose projections are `projections`
    /// ((len, 3 * hidden): queries, keys, values).
    fn attend(&self, projections: &[f32], keys: usize, first: usize, context: &mut [f32]) {
        let hidden = self.count * self.size;
        let stride = 3 * hidden;
        let queries = context.len() / hidden;
        let rows = projections.len() / stride;
        assert!(rows * stride == projections.len() && context.len() == queries * hidden);
        assert!(first + queries <= rows && keys <= rows);
        let mut scores = vec![0f32; queries * keys];
        for head in 0..self.count {
            let query = projections[first * stride + head * self.size..].as_ptr();
            let key = projections[hidden + head * self.size..].as_ptr();
            let value = projections[2 * hidden + head * self.size..].as_ptr();
            // SAFETY: the asserts above keep every row read (query rows first..first + queries,
            // key and value rows 0..keys, `size` columns from the head's offset) inside
            // `projections`; `scores` is queries x keys and `context` queries x hidden, of which
            // the head writes its `size` columns.
            unsafe {
                // scores = Q K^T: K's rows are read as columns.
                product(
                    (queries, keys, self.size),
                    (scores.as_mut_ptr(), keys),
                    (query, stride),
                    (key, 1, stride),
                );
                scores.chunks_exact_mut(keys).for_each(softmax);
                // context = softmax(scores) V
                product(
                    (queries, self.size, keys),
                    (context[head * self.size..].as_mut_ptr(), hidden),
                    (scores.as_ptr(), keys),
                    (value, stride, 1),
                );
            }
        }
    }
}

/// `dst = lhs · rhs` for an (m, n) `dst` and an (m, k) `lhs`, both row-major with the given row
/// strides, and a (k, n) `rhs` with the given row and column strides, on the calling thread.
///
/// # Safety
/// Every element the strides reach must lie inside its allocation, and `dst` must not overlap
/// the inputs.
unsafe fn product(
    (m, n, k): (usize, usize, usize),
    (dst, dst_row): (*mut f32, usize),
    (lhs, lhs_row): (*const f32, usize),
    (rhs, rhs_row, rhs_column): (*const f32, usize, usize),
) {
    // SAFETY: the caller's promise; gemm computes dst = 0 * dst + 1 * lhs * rhs without
    // reading dst (`read_dst` false).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst,
            1,
            dst_row as isize,
            false,
            lhs,
            1,
            lhs_row as isize,
            rhs,
            rhs_column as isize,
            rhs_row as isize,
            0.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

/// Softmax of one row of scores, in place.
fn softmax(row: &mut [f32]) {
    let max = lane_reduce(row, f32::NEG_INFINITY, f32::max);
    row.iter_mut().for_each(|v| *v = exp_nonpositive(*v - max));
    let inverse = 1.0 / lane_reduce(row, 0.0, |a, b| a + b);
    row.iter_mut().for_each(|v| *v *= inverse);
}

fn bias_values(bias: &Tensor) -> Result<Vec<f32>> {
    bias.to_dtype(DType::F32)?.to_vec1()
}

/// The contiguous f32 data of a tensor that an in-place op may rewrite.
fn contiguous_f32<'a>(storage: &'a mut CpuStorage, layout: &Layout) -> Result<&'a mut [f32]> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("原地运算需要连续存储的张量");
    };
    match storage {
        CpuStorage::F32(data) => Ok(&mut data[start..end]),
        other => candle_core::bail!("原地运算需要 f32，实为 {:?}", other.dtype()),
    }
}

/// Reduces `values` with `op` in eight interleaved lanes. A single running accumulator would
/// fix the order of float operations, which keeps the compiler from vectorising the loop.
fn lane_reduce(values: &[f32], identity: f32, op: impl Fn(f32, f32) -> f32) -> f32 {
    const LANES: usize = 8;
    let mut lanes = [identity; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for chunk in chunks {
        for (lane, v) in lanes.iter_mut().zip(chunk) {
            *lane = op(*lane, *v);
        }
    }
    lanes
        .into_iter()
        .chain(rest.iter().copied())
        .fold(identity, &op)
}

/// e^x for the x ≤ 0 of a softmax, within two ulp of `f32::exp` (Cephes' `expf` polynomial).
/// libm's `expf` is a call per element; this is branch-free integer and float arithmetic, so the
/// softmax loop vectorises.
fn exp_nonpositive(x: f32) -> f32 {
    // Below this e^x is subnormal: 2^-126 is the smallest normal power the scaling builds.
    let x = x.clamp(-87.0, 0.0);
    // Adding 1.5 * 2^23 rounds to an integer and leaves it in the low mantissa bits.
    const ROUNDER: f32 = 12_582_912.0;
    let shifted = x * std::f32::consts::LOG2_E + ROUNDER;
    let n = shifted - ROUNDER;
    let power = (shifted.to_bits() as i32).wrapping_sub(ROUNDER.to_bits() as i32);
    // x - n ln 2, with ln 2 split in two so the product is exact.
    let r = x - n * 0.693_359_4 + n * 2.121_944_4e-4;
    let mut p = 1.987_569_1e-4;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let y = p * r * r + r + 1.0;
    y * f32::from_bits(((power + 127) << 23) as u32)
}

/// `act(x + bias)` over the rows of a (rows, bias.len()) tensor.
struct BiasActivation {
    bias: Vec<f32>,
    act: HiddenAct,
}

impl InplaceOp1 for BiasActivation {
    fn name(&self) -> &'static str {
        "bias-activation"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let data = contiguous_f32(storage, layout)?;
        // One monomorphised loop per activation: behind a function pointer the activation was
        // called per element and never vectorised (a twelfth of the run time at 512 tokens).
        match self.act {
            HiddenAct::Gelu => add_bias_and_apply(data, &self.bias, |x| {
                0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
            }),
            HiddenAct::GeluApproximate => add_bias_and_apply(data, &self.bias, |x| {
                // The tanh approximation, as in candle's `gelu`.
                let inner = 0.797_884_6 * (x + 0.044_715 * x * x * x);
                0.5 * x * (1.0 + inner.tanh())
            }),
            HiddenAct::Relu => add_bias_and_apply(data, &self.bias, |x| x.max(0.0)),
        }
        Ok(())
    }
}

/// `act(x + bias)` over the rows of `data`, in place, on all threads.
fn add_bias_and_apply(data: &mut [f32], bias: &[f32], act: impl Fn(f32) -> f32 + Sync) {
    let width = bias.len().max(1);
    // Several rows per task: a row alone is too little work to schedule.
    data.par_chunks_mut(width * 16).for_each(|rows| {
        for row in rows.chunks_exact_mut(width) {
            for (v, b) in row.iter_mut().zip(bias) {
                *v = act(*v + b);
            }
        }
    });
}

/// erf for f32 as a rational function on [-4, 4] (Eigen's `generic_fast_erf_float`): within a
/// few ulp of the exact value, and free of branches and `exp`, so the compiler vectorises it.
fn erf(x: f32) -> f32 {
    // Beyond ±4, erf is ±1 in single precision.
    let x = x.clamp(-4.0, 4.0);
    let x2 = x * x;
    let mut p = x2 * -2.726_142_3e-10 + 2.770_681_4e-8;
    p = x2 * p + -2.101_024e-6;
    p = x2 * p + -5.692_506_4e-5;
    p = x2 * p + -7.349_906_3e-4;
    p = x2 * p + -2.954_6e-3;
    p = x2 * p + -1.609_603_3e-2;
    let mut q = x2 * -1.456_607_2e-5 + -2.133_740_6e-4;
    q = x2 * q + -1.682_827e-3;
    q = x2 * q + -7.373_329e-3;
    q = x2 * q + -1.426_474e-2;
    x * p / q
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_exp_matches_libm() {
        let mut worst = 0f32;
        for i in 0..=870_000 {
            let x = -(i as f32) / 10_000.0;
            let exact = x.exp();
            worst = worst.max(((exp_nonpositive(x) - exact) / exact).abs());
        }
        assert!(worst < 3e-7, "max relative error {worst}");
        assert_eq!(exp_nonpositive(0.0), 1.0);
        assert_eq!(exp_nonpositive(f32::NEG_INFINITY), (-87f32).exp());
    }

    #[test]
    fn lane_reduce_covers_every_value() {
        let values: Vec<f32> = (1..=21).map(|v| v as f32).collect();
        assert_eq!(lane_reduce(&values, 0.0, |a, b| a + b), 231.0);
        assert_eq!(lane_reduce(&values, f32::NEG_INFINITY, f32::max), 21.0);
        assert_eq!(lane_reduce(&[], 0.0, |a, b| a + b), 0.0);
    }

    #[test]
    fn fast_erf_matches_libm() {
        let mut worst = 0f32;
        for i in -6000..=6000 {
            let x = i as f32 / 1000.0;
            let exact = candle_core::cpu::erf::erf_f32(x);
            worst = worst.max((erf(x) - exact).abs());
        }
        assert!(worst < 1e-6, "max error {worst}");
    }
}
