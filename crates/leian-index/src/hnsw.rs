//! An HNSW graph over the passage vectors (usearch) for large snapshots. Exact search reads every
//! row — about 20 ms per 100k passages of 512 dimensions on one core — while the graph visits a
//! few thousand; below the threshold exact search is both exact and fast enough, so small
//! snapshots keep no graph.

use crate::IndexError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind, VectorType, b1x8};

/// Snapshots with at least this many passages get an HNSW graph by default.
pub const DEFAULT_HNSW_MIN_PASSAGES: usize = 100_000;
pub(crate) const GRAPH_FILE: &str = "passages.usearch";

/// How the graph holds its copy of each vector. The graph only finds candidates: every candidate
/// document is then scored exactly on its f32 rows, so a coarser copy costs recall, not precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Quantization {
    /// 4 bytes a dimension (manifests written before quantisation existed).
    #[default]
    F32,
    /// 1 byte a dimension, each vector scaled so its largest component is ±127 (cosine is scale
    /// free, so the scale need not be stored); a quarter of F32's memory.
    I8,
    /// 1 bit a dimension (the sign), compared by Hamming distance; a 32nd of F32's memory.
    B1,
}

impl Quantization {
    pub fn as_str(self) -> &'static str {
        match self {
            Quantization::F32 => "f32",
            Quantization::I8 => "i8",
            Quantization::B1 => "b1",
        }
    }

    /// Parses `f32`, `i8` or `b1` (the `--vectors` option).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "f32" => Some(Quantization::F32),
            "i8" | "int8" => Some(Quantization::I8),
            "b1" | "binary" => Some(Quantization::B1),
            _ => None,
        }
    }

    /// Passages asked of the graph per passage wanted: a coarser copy misorders near neighbours,
    /// so more candidates go to the exact rescoring (chosen with `examples/vector_scale.rs`).
    pub fn oversample(self) -> usize {
        match self {
            Quantization::F32 => 1,
            Quantization::I8 => 4,
            // Sign bits misorder far more than int8: 20 (with 2 passages a document) keeps the
            // 40 candidates a wanted document that the clustered test's recall was set with.
            Quantization::B1 => 20,
        }
    }
}

/// How the graph was built; recorded in the manifest (`dense.hnsw`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HnswInfo {
    /// The library and its on-disk format.
    pub library: String,
    /// Links per node (M).
    pub connectivity: usize,
    /// Candidate list size while building (efConstruction).
    pub expansion_add: usize,
    /// Candidate list size while searching (efSearch); a search for more passages uses that
    /// number instead.
    pub expansion_search: usize,
    /// The graph's copy of the vectors (`f32` in manifests written before this field).
    #[serde(default)]
    pub quantization: Quantization,
}

impl Default for HnswInfo {
    /// Parameters that keep recall@100 of the best passages above 0.95 on the development
    /// corpus's vectors (see the recall test) at a build cost of about a minute per 100k passages
    /// on 2 cores; int8 copies, which keep recall@10 at court scale (README, "Vectors at court
    /// scale") with a quarter of the memory.
    fn default() -> Self {
        HnswInfo {
            library: "usearch-2".into(),
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 256,
            quantization: Quantization::I8,
        }
    }
}

impl HnswInfo {
    /// The default parameters with another copy of the vectors.
    pub fn with_quantization(quantization: Quantization) -> Self {
        HnswInfo {
            quantization,
            ..HnswInfo::default()
        }
    }
}

/// Searches beyond this many concurrent callers wait for a slot.
const SEARCH_THREADS: usize = 64;

fn options(dimension: usize, info: &HnswInfo) -> IndexOptions {
    let (metric, quantization) = match info.quantization {
        // Unit vectors: inner product is cosine similarity (usearch reports 1 - dot).
        Quantization::F32 => (MetricKind::IP, ScalarKind::F32),
        // Scaled integers: cosine, which ignores each vector's scale.
        Quantization::I8 => (MetricKind::Cos, ScalarKind::I8),
        Quantization::B1 => (MetricKind::Hamming, ScalarKind::B1),
    };
    IndexOptions {
        dimensions: dimension,
        metric,
        quantization,
        connectivity: info.connectivity,
        expansion_add: info.expansion_add,
        expansion_search: info.expansion_search,
        multi: false,
    }
}

/// A vector in the graph's own type. usearch's own f32 → i8 cast truncates `x · 127` of the unit
/// vector, which leaves a 512-dimension embedding (components near ±0.04) about five levels; scaling
/// by the largest component and rounding uses the whole range.
fn quantize_i8(vector: &[f32]) -> Vec<i8> {
    let largest = vector.iter().fold(0f32, |m, x| m.max(x.abs()));
    if largest <= 0.0 {
        return vec![0; vector.len()];
    }
    let scale = 127.0 / largest;
    vector
        .iter()
        .map(|x| (x * scale).round().clamp(-127.0, 127.0) as i8)
        .collect()
}

/// Sign bits, most significant bit first (usearch's `b1x8` order).
fn quantize_b1(vector: &[f32]) -> Vec<b1x8> {
    vector
        .chunks(8)
        .map(|bits| {
            b1x8(
                bits.iter()
                    .enumerate()
                    .filter(|(_, x)| **x > 0.0)
                    .fold(0u8, |byte, (i, _)| byte | (0x80 >> i)),
            )
        })
        .collect()
}

fn failed(path: &Path, what: &str, error: impl std::fmt::Display) -> IndexError {
    IndexError::Invalid(format!("{}：{what}失败：{error}", path.display()))
}

/// A memory-mapped graph; keys are passage row numbers.
pub(crate) struct Hnsw {
    index: Index,
    quantization: Quantization,
}

/// Adds one row to a graph in its own type.
fn add_row(index: &Index, quantization: Quantization, key: u64, row: &[f32]) -> Result<(), String> {
    match quantization {
        Quantization::F32 => index.add(key, row),
        Quantization::I8 => index.add(key, &quantize_i8(row)),
        Quantization::B1 => index.add(key, &quantize_b1(row)),
    }
    .map_err(|e| e.to_string())
}

impl Hnsw {
    /// Builds the graph of `rows` (row-major unit vectors, usually a mapped file) with every core
    /// and saves it in `dir`.
    pub(crate) fn build(
        dir: &Path,
        dimension: usize,
        rows: &[f32],
        info: &HnswInfo,
    ) -> Result<(), IndexError> {
        let path = dir.join(GRAPH_FILE);
        let index =
            Index::new(&options(dimension, info)).map_err(|e| failed(&path, "创建 HNSW 图", e))?;
        let passages = rows.len() / dimension;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        index
            .reserve_capacity_and_threads(passages, threads)
            .map_err(|e| failed(&path, "为 HNSW 图预留容量", e))?;
        // Interleaved rather than in blocks: each thread's rows are spread over the whole file,
        // so the graph grows evenly and no thread ends long after the others.
        std::thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|thread| {
                    let index = &index;
                    scope.spawn(move || {
                        for (key, row) in rows
                            .chunks_exact(dimension)
                            .enumerate()
                            .skip(thread)
                            .step_by(threads)
                        {
                            add_row(index, info.quantization, key as u64, row)?;
                        }
                        Ok::<(), String>(())
                    })
                })
                .collect();
            workers
                .into_iter()
                .try_for_each(|w| w.join().expect("HNSW worker panicked"))
        })
        .map_err(|e| failed(&path, "向 HNSW 图添加向量", e))?;
        let target = path
            .to_str()
            .ok_or_else(|| IndexError::Invalid(format!("{}：路径不是 UTF-8", path.display())))?;
        index
            .save(target)
            .map_err(|e| failed(&path, "保存 HNSW 图", e))
    }

    /// Maps the graph saved in `dir`; it must hold `passages` vectors of `dimension`.
    pub(crate) fn open(
        dir: &Path,
        dimension: usize,
        passages: usize,
        info: &HnswInfo,
    ) -> Result<Self, IndexError> {
        let path = dir.join(GRAPH_FILE);
        if !path.is_file() {
            return Err(IndexError::Invalid(format!(
                "{}：清单（manifest）记有 HNSW 图，但文件缺失；请重建索引",
                path.display()
            )));
        }
        let index =
            Index::new(&options(dimension, info)).map_err(|e| failed(&path, "创建 HNSW 图", e))?;
        let source = path
            .to_str()
            .ok_or_else(|| IndexError::Invalid(format!("{}：路径不是 UTF-8", path.display())))?;
        // Mapped rather than loaded: at court scale the graph is gigabytes, and only the nodes a
        // search visits need to be in memory. Snapshots are never written in place (a rebuild
        // renames a new folder in), so the mapped file cannot change under the server.
        index
            .view(source)
            .map_err(|e| failed(&path, "映射 HNSW 图", e))?;
        if index.size() != passages || index.dimensions() != dimension {
            return Err(IndexError::Invalid(format!(
                "{}：HNSW 图有 {} 个 {} 维向量，而快照有 {passages} 个 {dimension} 维向量；请重建索引",
                path.display(),
                index.size(),
                index.dimensions()
            )));
        }
        index
            .reserve_capacity_and_threads(passages, SEARCH_THREADS)
            .map_err(|e| failed(&path, "为 HNSW 图预留容量", e))?;
        index.change_expansion_search(info.expansion_search);
        Ok(Hnsw {
            index,
            quantization: info.quantization,
        })
    }

    pub(crate) fn expansion_search(&self) -> usize {
        self.index.expansion_search()
    }

    pub(crate) fn quantization(&self) -> Quantization {
        self.quantization
    }

    /// The approximately `count` most similar passages (row numbers, best first), among the rows
    /// `admit` accepts when given. Their scores are not returned: in a quantised graph they are
    /// approximate, and the caller scores the candidates exactly.
    pub(crate) fn search(
        &self,
        query: &[f32],
        count: usize,
        admit: Option<&dyn Fn(u64) -> bool>,
    ) -> Result<Vec<u64>, String> {
        fn run<T: VectorType>(
            index: &Index,
            query: &[T],
            count: usize,
            admit: Option<&dyn Fn(u64) -> bool>,
        ) -> Result<Vec<u64>, String> {
            let matches = match admit {
                Some(admit) => index.filtered_search(query, count, admit),
                None => index.search(query, count),
            }
            .map_err(|e| e.to_string())?;
            Ok(matches.keys)
        }
        match self.quantization {
            Quantization::F32 => run(&self.index, query, count, admit),
            Quantization::I8 => run(&self.index, &quantize_i8(query), count, admit),
            Quantization::B1 => run(&self.index, &quantize_b1(query), count, admit),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantized_copies_keep_the_vectors_direction() {
        let vector: Vec<f32> = (0..16).map(|i| (i as f32 - 7.5) / 40.0).collect();
        let q = quantize_i8(&vector);
        assert_eq!(q[0], -127, "the largest component uses the whole range");
        assert_eq!(q[15], 127);
        assert_eq!(q[8], 8, "0.0125 · 127 / 0.1875 = 8.47 rounds to 8");
        assert_eq!(quantize_i8(&[0.0; 4]), vec![0; 4]);
        let bits = quantize_b1(&vector);
        assert_eq!(bits.len(), 2);
        assert_eq!((bits[0].0, bits[1].0), (0x00, 0xff), "negative first half");
        let manifest_before = r#"{"library":"usearch-2","connectivity":16,"expansion_add":128,"expansion_search":256}"#;
        let old: HnswInfo = serde_json::from_str(manifest_before).unwrap();
        assert_eq!(old.quantization, Quantization::F32);
        assert_eq!(Quantization::parse("INT8"), Some(Quantization::I8));
        assert_eq!(Quantization::parse("f16"), None);
    }
}
