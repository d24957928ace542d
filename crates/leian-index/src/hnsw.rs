//! An HNSW graph over the passage vectors (usearch) for large snapshots. Exact search reads every
//! row — about 20 ms per 100k passages of 512 dimensions on one core — while the graph visits a
//! few thousand; below the threshold exact search is both exact and fast enough, so small
//! snapshots keep no graph.

use crate::IndexError;
use serde::{Deserialize, Serialize};
use std::path::Path;
use usearch::{Index, IndexOptions, MetricKind, ScalarKind};

/// Snapshots with at least this many passages get an HNSW graph by default.
pub const DEFAULT_HNSW_MIN_PASSAGES: usize = 100_000;
pub(crate) const GRAPH_FILE: &str = "passages.usearch";

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
}

impl Default for HnswInfo {
    /// Parameters that keep recall@100 of the best passages above 0.95 on the development
    /// corpus's vectors (see the recall test) at a build cost of about a minute per 100k passages
    /// on 2 cores.
    fn default() -> Self {
        HnswInfo {
            library: "usearch-2".into(),
            connectivity: 16,
            expansion_add: 128,
            expansion_search: 256,
        }
    }
}

/// Searches beyond this many concurrent callers wait for a slot.
const SEARCH_THREADS: usize = 64;

fn options(dimension: usize, info: &HnswInfo) -> IndexOptions {
    IndexOptions {
        dimensions: dimension,
        // Unit vectors: inner product is cosine similarity (usearch reports 1 - dot).
        metric: MetricKind::IP,
        quantization: ScalarKind::F32,
        connectivity: info.connectivity,
        expansion_add: info.expansion_add,
        expansion_search: info.expansion_search,
        multi: false,
    }
}

fn failed(path: &Path, what: &str, error: impl std::fmt::Display) -> IndexError {
    IndexError::Invalid(format!("{}：{what}失败：{error}", path.display()))
}

/// A loaded graph; keys are passage row numbers.
pub(crate) struct Hnsw {
    index: Index,
}

impl Hnsw {
    /// Builds the graph of `rows` (row-major unit vectors) with every core and saves it in `dir`.
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
        let chunk_rows = passages.div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = rows
                .chunks(chunk_rows * dimension)
                .enumerate()
                .map(|(chunk, block)| {
                    let index = &index;
                    scope.spawn(move || {
                        for (offset, vector) in block.chunks_exact(dimension).enumerate() {
                            let key = (chunk * chunk_rows + offset) as u64;
                            index.add(key, vector).map_err(|e| e.to_string())?;
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

    /// Loads the graph saved in `dir`; it must hold `passages` vectors of `dimension`.
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
        // Mapped rather than loaded: the graph holds its own copy of every vector, and the
        // exact rescoring keeps the rows in memory already, so a load would double the memory.
        // Snapshots are never written in place (a rebuild renames a new folder in), so the
        // mapped file cannot change under the server.
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
        Ok(Hnsw { index })
    }

    pub(crate) fn expansion_search(&self) -> usize {
        self.index.expansion_search()
    }

    /// The approximately `count` most similar passages (row, cosine), among the rows `admit`
    /// accepts when given.
    pub(crate) fn search(
        &self,
        query: &[f32],
        count: usize,
        admit: Option<&dyn Fn(u64) -> bool>,
    ) -> Result<Vec<(u64, f32)>, String> {
        let matches = match admit {
            Some(admit) => self.index.filtered_search(query, count, admit),
            None => self.index.search(query, count),
        }
        .map_err(|e| e.to_string())?;
        Ok(matches
            .keys
            .into_iter()
            .zip(matches.distances)
            .map(|(row, distance)| (row, 1.0 - distance))
            .collect())
    }
}
