//! Dense vectors of a snapshot: one row per passage (a document is split into passages so a long
//! judgment is not cut at the model's first 512 tokens), searched exactly with dot products of
//! unit vectors and aggregated to documents by their best passage.

use crate::IndexError;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

pub(crate) const VECTORS_DIR: &str = "vectors";
const ROWS_FILE: &str = "passages.f32";
const OWNERS_FILE: &str = "owners.u32";
const DOCS_FILE: &str = "docs.json";

/// How the vectors were made; recorded in the manifest and checked when a query encoder is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DenseInfo {
    /// Model name (e.g. `m3e-small`) and a fingerprint of its weights.
    pub model: String,
    pub model_fingerprint: String,
    pub dimension: usize,
    /// Passage strategy: tokens per passage and overlap between consecutive passages.
    pub passage_tokens: usize,
    pub passage_overlap: usize,
    pub passages: usize,
    pub documents: usize,
}

/// Vectors being collected for a snapshot.
#[derive(Default)]
pub struct VectorWriter {
    dimension: usize,
    rows: Vec<f32>,
    owners: Vec<u32>,
    docs: Vec<String>,
}

impl VectorWriter {
    pub fn new(dimension: usize) -> Self {
        VectorWriter {
            dimension,
            ..Default::default()
        }
    }

    /// Adds the passage vectors of one document.
    pub fn add(&mut self, id: &str, passages: &[Vec<f32>]) -> Result<(), IndexError> {
        let ordinal = u32::try_from(self.docs.len())
            .map_err(|_| IndexError::Invalid("too many documents".into()))?;
        for vector in passages {
            if vector.len() != self.dimension {
                return Err(IndexError::Invalid(format!(
                    "vector of {id} has {} dimensions, expected {}",
                    vector.len(),
                    self.dimension
                )));
            }
            self.rows.extend_from_slice(vector);
            self.owners.push(ordinal);
        }
        self.docs.push(id.to_string());
        Ok(())
    }

    pub fn passages(&self) -> usize {
        self.owners.len()
    }

    pub fn documents(&self) -> usize {
        self.docs.len()
    }

    pub(crate) fn write(&self, snapshot_dir: &Path) -> Result<(), IndexError> {
        let dir = snapshot_dir.join(VECTORS_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| IndexError::io(&dir, e))?;
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            let mut file = std::io::BufWriter::new(
                std::fs::File::create(&path).map_err(|e| IndexError::io(&path, e))?,
            );
            file.write_all(bytes)
                .and_then(|_| file.flush())
                .map_err(|e| IndexError::io(&path, e))
        };
        let rows: Vec<u8> = self.rows.iter().flat_map(|v| v.to_le_bytes()).collect();
        write(ROWS_FILE, &rows)?;
        let owners: Vec<u8> = self.owners.iter().flat_map(|v| v.to_le_bytes()).collect();
        write(OWNERS_FILE, &owners)?;
        let docs =
            serde_json::to_vec(&self.docs).map_err(|e| IndexError::Invalid(e.to_string()))?;
        write(DOCS_FILE, &docs)
    }
}

/// Loaded vectors, searched exactly.
pub struct Vectors {
    dimension: usize,
    rows: Vec<f32>,
    owners: Vec<u32>,
    docs: Vec<String>,
    ordinal: HashMap<String, u32>,
}

impl Vectors {
    pub(crate) fn open(snapshot_dir: &Path, info: &DenseInfo) -> Result<Self, IndexError> {
        let dir = snapshot_dir.join(VECTORS_DIR);
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| IndexError::io(dir.join(name), e))
        };
        let rows: Vec<f32> = read(ROWS_FILE)?
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let owners: Vec<u32> = read(OWNERS_FILE)?
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let docs: Vec<String> = serde_json::from_slice(&read(DOCS_FILE)?)
            .map_err(|e| IndexError::Invalid(format!("vectors/{DOCS_FILE}: {e}")))?;
        if rows.len() != owners.len() * info.dimension
            || owners.iter().any(|&o| o as usize >= docs.len())
        {
            return Err(IndexError::Invalid(format!(
                "{}: vector files do not agree with each other; rebuild the index",
                dir.display()
            )));
        }
        let ordinal = docs
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        Ok(Vectors {
            dimension: info.dimension,
            rows,
            owners,
            docs,
            ordinal,
        })
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// Whether the document has vectors.
    pub fn contains(&self, id: &str) -> bool {
        self.ordinal.contains_key(id)
    }

    /// The `limit` documents whose best passage is most similar to `query` (cosine of unit
    /// vectors), among those `allowed` (all when `None`).
    pub fn search(
        &self,
        query: &[f32],
        allowed: Option<&dyn Fn(&str) -> bool>,
        limit: usize,
    ) -> Vec<(String, f32)> {
        let mut best = vec![f32::NEG_INFINITY; self.docs.len()];
        let admitted: Option<Vec<bool>> =
            allowed.map(|f| self.docs.iter().map(|id| f(id)).collect());
        for (row, &owner) in self.rows.chunks_exact(self.dimension).zip(&self.owners) {
            if admitted.as_ref().is_some_and(|a| !a[owner as usize]) {
                continue;
            }
            let score = dot(row, query);
            let slot = &mut best[owner as usize];
            if score > *slot {
                *slot = score;
            }
        }
        let mut scored: Vec<(u32, f32)> = best
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .map(|(i, s)| (i as u32, s))
            .collect();
        let limit = limit.min(scored.len());
        if limit == 0 {
            return Vec::new();
        }
        scored.select_nth_unstable_by(limit - 1, |a, b| b.1.total_cmp(&a.1));
        scored.truncate(limit);
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored
            .into_iter()
            .map(|(i, s)| (self.docs[i as usize].clone(), s))
            .collect()
    }
}

/// Dot product written as eight independent lanes so the compiler vectorises it (SIMD) without
/// platform-specific code.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = a_chunks
        .remainder()
        .iter()
        .zip(b_chunks.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += x[lane] * y[lane];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn dot_matches_naive() {
        let a: Vec<f32> = (0..37).map(|i| i as f32 * 0.5).collect();
        let b: Vec<f32> = (0..37).map(|i| 1.0 - i as f32 * 0.1).collect();
        let naive: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - naive).abs() < 1e-3);
    }

    #[test]
    fn best_passage_ranks_documents_and_round_trips() {
        let mut writer = VectorWriter::new(3);
        writer
            .add("a", &[unit(&[1.0, 0.0, 0.0]), unit(&[0.0, 1.0, 0.0])])
            .unwrap();
        writer.add("b", &[unit(&[0.7, 0.7, 0.0])]).unwrap();
        writer.add("c", &[unit(&[0.0, 0.0, 1.0])]).unwrap();
        assert!(writer.add("d", &[vec![1.0]]).is_err());
        let dir = tempfile::tempdir().unwrap();
        writer.write(dir.path()).unwrap();
        let info = DenseInfo {
            model: "t".into(),
            model_fingerprint: "f".into(),
            dimension: 3,
            passage_tokens: 256,
            passage_overlap: 32,
            passages: 4,
            documents: 3,
        };
        let vectors = Vectors::open(dir.path(), &info).unwrap();
        let hits = vectors.search(&unit(&[0.0, 1.0, 0.1]), None, 2);
        assert_eq!(hits[0].0, "a", "second passage of a wins");
        assert_eq!(hits[1].0, "b");
        let only_c = |id: &str| id == "c";
        let hits = vectors.search(&unit(&[0.0, 1.0, 0.1]), Some(&only_c), 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "c");
    }
}
