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
use candle_core::{
    CpuStorage, DType, Device, InplaceOp1, InplaceOp2, Layout, Result, Storage, Tensor,
};
use candle_nn::VarBuilder;
use rayon::prelude::*;

/// A dense layer with its weight stored as (in, out), so `x.matmul(weight)` needs no transpose.
struct Linear {
    weight: Tensor,
    bias: Vec<f32>,
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
            bias: bias.to_dtype(DType::F32)?.to_vec1()?,
        })
    }

    /// `x` is (rows, in); the result (rows, out) without the bias.
    fn matmul(&self, x: &Tensor) -> Result<Tensor> {
        x.matmul(&self.weight)
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let y = self.matmul(x)?;
        y.inplace_op1(&AddBias {
            bias: &self.bias,
            act: None,
        })?;
        Ok(y)
    }

    /// `x W + b + residual`, the sum in the order BERT's `dense(x) + residual` takes.
    fn forward_with_residual(&self, x: &Tensor, residual: &Tensor) -> Result<Tensor> {
        let y = self.matmul(x)?;
        y.inplace_op2(residual, &AddBiasAndResidual { bias: &self.bias })?;
        Ok(y)
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

/// The embedding tables as plain (rows, hidden) arrays: a token's input is the sum of three rows.
struct Embeddings {
    word: Vec<f32>,
    position: Vec<f32>,
    token_type: Vec<f32>,
    layer_norm: LayerNorm,
}

impl Embeddings {
    /// `word[id] + token_type[type] + position[p]` for every token of sequences of `len` ids laid
    /// end to end, summed in one parallel pass (in BERT's order: word and type first).
    fn sum(&self, ids: &[u32], type_ids: &[u32], len: usize, hidden: usize) -> Result<Vec<f32>> {
        let rows_of = |table: &[f32]| table.len() / hidden;
        let out_of_range = |found: &[u32], table: &[f32], what: &str| -> Result<()> {
            match found.iter().find(|&&id| id as usize >= rows_of(table)) {
                Some(id) => {
                    candle_core::bail!("{what} {id} 超出模型嵌入表的 {} 行", rows_of(table))
                }
                None => Ok(()),
            }
        };
        out_of_range(ids, &self.word, "词元编号")?;
        out_of_range(type_ids, &self.token_type, "句段编号")?;
        debug_assert!(len <= rows_of(&self.position), "forward checks the length");
        fn row(table: &[f32], index: usize, hidden: usize) -> &[f32] {
            &table[index * hidden..(index + 1) * hidden]
        }
        let mut sums = vec![0f32; ids.len() * hidden];
        sums.par_chunks_mut(hidden)
            .enumerate()
            .for_each(|(token, out)| {
                let word = row(&self.word, ids[token] as usize, hidden);
                let kind = row(&self.token_type, type_ids[token] as usize, hidden);
                let position = row(&self.position, token % len, hidden);
                for (i, v) in out.iter_mut().enumerate() {
                    *v = (word[i] + kind[i]) + position[i];
                }
            });
        Ok(sums)
    }
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
        let table = |rows: usize, name: &str| -> Result<Vec<f32>> {
            emb.get((rows, hidden), name)?
                .to_dtype(DType::F32)?
                .flatten_all()?
                .to_vec1()
        };
        let embeddings = Embeddings {
            word: table(config.vocab_size, "word_embeddings.weight")?,
            position: table(config.max_position_embeddings, "position_embeddings.weight")?,
            token_type: table(config.type_vocab_size, "token_type_embeddings.weight")?,
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
        let rows = batch * len;
        if ids.len() != rows || type_ids.len() != rows {
            candle_core::bail!("词元编号与 {batch} x {len} 个词元不符");
        }
        let sums = self.embeddings.sum(&ids, &type_ids, len, self.hidden)?;
        let sums = Tensor::from_vec(sums, (rows, self.hidden), &Device::Cpu)?;
        let mut x = self.embeddings.layer_norm.forward(&sums)?;

        // Every sum below is an in-place pass of this file rather than a candle add: candle
        // splits element-wise ops of 64K elements and more (any input of 128 tokens) over its
        // barrier pool, whose worker then spins for a while after each op, taking a core from
        // the next matrix product and from the search running beside a query's encoding.
        for layer in &self.layers {
            let context = self.attention(&layer.qkv.forward(&x)?, lengths, len)?;
            let attended = layer.attention_output.forward_with_residual(&context, &x)?;
            let attended = layer.attention_norm.forward(&attended)?;
            let inner = layer.intermediate.matmul(&attended)?;
            inner.inplace_op1(&AddBias {
                bias: &layer.intermediate.bias,
                act: Some(self.act),
            })?;
            let out = layer.output.forward_with_residual(&inner, &attended)?;
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

/// `act(x + bias)` over the rows of a (rows, bias.len()) tensor; `x + bias` without one.
struct AddBias<'a> {
    bias: &'a [f32],
    act: Option<HiddenAct>,
}

impl InplaceOp1 for AddBias<'_> {
    fn name(&self) -> &'static str {
        "add-bias"
    }

    fn cpu_fwd(&self, storage: &mut CpuStorage, layout: &Layout) -> Result<()> {
        let data = contiguous_f32(storage, layout)?;
        // One monomorphised loop per activation: behind a function pointer the activation was
        // called per element and never vectorised (a twelfth of the run time at 512 tokens).
        match self.act {
            None => add_bias_and_apply(data, self.bias, |x| x),
            Some(HiddenAct::Gelu) => add_bias_and_apply(data, self.bias, |x| {
                0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
            }),
            Some(HiddenAct::GeluApproximate) => add_bias_and_apply(data, self.bias, |x| {
                // The tanh approximation, as in candle's `gelu`.
                let inner = 0.797_884_6 * (x + 0.044_715 * x * x * x);
                0.5 * x * (1.0 + inner.tanh())
            }),
            Some(HiddenAct::Relu) => add_bias_and_apply(data, self.bias, |x| x.max(0.0)),
        }
        Ok(())
    }
}

/// `(x + bias) + residual` over the rows of a (rows, bias.len()) tensor, in place.
struct AddBiasAndResidual<'a> {
    bias: &'a [f32],
}

impl InplaceOp2 for AddBiasAndResidual<'_> {
    fn name(&self) -> &'static str {
        "add-bias-and-residual"
    }

    fn cpu_fwd(
        &self,
        storage: &mut CpuStorage,
        layout: &Layout,
        residual: &CpuStorage,
        residual_layout: &Layout,
    ) -> Result<()> {
        let data = contiguous_f32(storage, layout)?;
        let (CpuStorage::F32(residual), Some((start, end))) =
            (residual, residual_layout.contiguous_offsets())
        else {
            candle_core::bail!("残差需要连续存储的 f32 张量");
        };
        let residual = &residual[start..end];
        let width = self.bias.len().max(1);
        if residual.len() != data.len() || data.len() % width != 0 {
            candle_core::bail!("残差与输出的形状不符");
        }
        data.par_chunks_mut(width * ROWS_PER_TASK)
            .zip(residual.par_chunks(width * ROWS_PER_TASK))
            .for_each(|(rows, residual_rows)| {
                for (row, residual_row) in rows
                    .chunks_exact_mut(width)
                    .zip(residual_rows.chunks_exact(width))
                {
                    for ((v, b), r) in row.iter_mut().zip(self.bias).zip(residual_row) {
                        *v = (*v + b) + r;
                    }
                }
            });
        Ok(())
    }
}

/// Rows per task of the in-place passes: a row alone is too little work to schedule.
const ROWS_PER_TASK: usize = 16;

/// `act(x + bias)` over the rows of `data`, in place, on all threads.
fn add_bias_and_apply(data: &mut [f32], bias: &[f32], act: impl Fn(f32) -> f32 + Sync) {
    let width = bias.len().max(1);
    data.par_chunks_mut(width * ROWS_PER_TASK).for_each(|rows| {
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

    fn embeddings(hidden: usize) -> Embeddings {
        let table = |rows: usize, scale: f32| -> Vec<f32> {
            (0..rows * hidden).map(|i| i as f32 * scale).collect()
        };
        let ones = Tensor::ones(hidden, DType::F32, &Device::Cpu).unwrap();
        Embeddings {
            word: table(5, 1.0),
            position: table(4, 100.0),
            token_type: table(2, 0.5),
            layer_norm: LayerNorm {
                weight: ones.clone(),
                bias: ones.zeros_like().unwrap(),
                eps: 1e-12,
            },
        }
    }

    #[test]
    fn embedding_sums_match_the_three_table_rows() {
        let hidden = 2;
        let e = embeddings(hidden);
        // Two sequences of three tokens each: positions restart at every sequence.
        let ids = [4, 0, 1, 2, 3, 0];
        let types = [0, 1, 0, 1, 1, 0];
        let sums = e.sum(&ids, &types, 3, hidden).unwrap();
        for (token, (&id, &kind)) in ids.iter().zip(&types).enumerate() {
            for i in 0..hidden {
                let expected = (e.word[id as usize * hidden + i]
                    + e.token_type[kind as usize * hidden + i])
                    + e.position[(token % 3) * hidden + i];
                assert_eq!(sums[token * hidden + i], expected, "token {token}, dim {i}");
            }
        }
    }

    #[test]
    fn an_id_past_the_tables_is_an_error_not_a_panic() {
        let e = embeddings(2);
        let error = e.sum(&[5], &[0], 1, 2).unwrap_err().to_string();
        assert!(error.contains("词元编号 5"), "{error}");
        let error = e.sum(&[1], &[2], 1, 2).unwrap_err().to_string();
        assert!(error.contains("句段编号 2"), "{error}");
    }

    #[test]
    fn bias_and_residual_are_added_in_place_in_bert_order() {
        let values: Vec<f32> = (0..48).map(|v| v as f32 * 0.25).collect();
        let residual_values: Vec<f32> = (0..48).map(|v| 1.0 / (v as f32 + 1.0)).collect();
        let bias = [0.5f32, -1.0, 2.0];
        let x = Tensor::from_vec(values.clone(), (16, 3), &Device::Cpu).unwrap();
        let residual = Tensor::from_vec(residual_values.clone(), (16, 3), &Device::Cpu).unwrap();
        x.inplace_op2(&residual, &AddBiasAndResidual { bias: &bias })
            .unwrap();
        let got = x.flatten_all().unwrap().to_vec1::<f32>().unwrap();
        for (i, v) in got.iter().enumerate() {
            assert_eq!(*v, (values[i] + bias[i % 3]) + residual_values[i]);
        }
        let wrong_shape = Tensor::zeros((4, 3), DType::F32, &Device::Cpu).unwrap();
        assert!(
            x.inplace_op2(&wrong_shape, &AddBiasAndResidual { bias: &bias })
                .is_err()
        );
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
