//! Dense vectors of a snapshot: one row per passage (a document is split into passages so a long
//! judgment is not cut at the model's first 512 tokens), searched exactly with dot products of
//! unit vectors and aggregated to documents by their best passage; large snapshots also keep an
//! HNSW graph (`hnsw.rs`) searched approximately.

use crate::IndexError;
use crate::hnsw::{DEFAULT_HNSW_MIN_PASSAGES, GRAPH_FILE, Hnsw, HnswInfo};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

pub(crate) const VECTORS_DIR: &str = "vectors";
const ROWS_FILE: &str = "passages.f32";
const OWNERS_FILE: &str = "owners.u32";
const DOCS_FILE: &str = "docs.json";
/// CRC32 of each vectors file, written last: flipped bytes in the rows or the graph gave wrong
/// scores silently (or, in the graph, reads wherever a damaged neighbour id points). Snapshots
/// written before it have none and are not checked.
const CHECKSUMS_FILE: &str = "crc32.json";

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
    /// The HNSW graph, when the snapshot has one (absent in manifests written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hnsw: Option<HnswInfo>,
    /// The kinds of document embedded; empty: every kind (manifests written before this field).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<leian_core::Kind>,
}

impl DenseInfo {
    /// Whether documents of `kind` have vectors.
    pub fn covers(&self, kind: leian_core::Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// Vectors being collected for a snapshot.
pub struct VectorWriter {
    dimension: usize,
    rows: Vec<f32>,
    owners: Vec<u32>,
    docs: Vec<String>,
    hnsw_min_passages: usize,
}

impl VectorWriter {
    pub fn new(dimension: usize) -> Self {
        VectorWriter {
            dimension,
            rows: Vec::new(),
            owners: Vec::new(),
            docs: Vec::new(),
            hnsw_min_passages: DEFAULT_HNSW_MIN_PASSAGES,
        }
    }

    /// Builds an HNSW graph when the snapshot has at least `passages` passages (0: always).
    pub fn with_hnsw_min_passages(mut self, passages: usize) -> Self {
        self.hnsw_min_passages = passages;
        self
    }

    /// Adds the passage vectors of one document.
    pub fn add(&mut self, id: &str, passages: &[Vec<f32>]) -> Result<(), IndexError> {
        let ordinal = u32::try_from(self.docs.len())
            .map_err(|_| IndexError::Invalid("文书数量过多".into()))?;
        for vector in passages {
            if vector.len() != self.dimension {
                return Err(IndexError::Invalid(format!(
                    "{id} 的向量为 {} 维，应为 {} 维",
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

    /// Appends every document of `other` (same dimension) after this writer's.
    pub fn append(&mut self, other: VectorWriter) -> Result<(), IndexError> {
        if other.dimension != self.dimension && !other.docs.is_empty() {
            return Err(IndexError::Invalid(format!(
                "新向量为 {} 维，索引的向量为 {} 维",
                other.dimension, self.dimension
            )));
        }
        let offset = u32::try_from(self.docs.len())
            .map_err(|_| IndexError::Invalid("文书数量过多".into()))?;
        self.rows.extend(other.rows);
        self.owners.extend(other.owners.iter().map(|o| o + offset));
        self.docs.extend(other.docs);
        Ok(())
    }

    pub fn documents(&self) -> usize {
        self.docs.len()
    }

    /// Writes the vectors (and the HNSW graph, above the threshold) into the snapshot; returns
    /// the graph's parameters for the manifest.
    pub fn write(&self, snapshot_dir: &Path) -> Result<Option<HnswInfo>, IndexError> {
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
        write(DOCS_FILE, &docs)?;
        let mut checksums = std::collections::BTreeMap::from([
            (ROWS_FILE, crc32fast::hash(&rows)),
            (OWNERS_FILE, crc32fast::hash(&owners)),
            (DOCS_FILE, crc32fast::hash(&docs)),
        ]);
        let hnsw = if self.passages() == 0 || self.passages() < self.hnsw_min_passages {
            None
        } else {
            let info = HnswInfo::default();
            Hnsw::build(&dir, self.dimension, &self.rows, &info)?;
            let graph = dir.join(GRAPH_FILE);
            let bytes = std::fs::read(&graph).map_err(|e| IndexError::io(&graph, e))?;
            checksums.insert(GRAPH_FILE, crc32fast::hash(&bytes));
            Some(info)
        };
        let checksums =
            serde_json::to_vec(&checksums).map_err(|e| IndexError::Invalid(e.to_string()))?;
        write(CHECKSUMS_FILE, &checksums)?;
        Ok(hnsw)
    }
}

/// Exact search over the admitted rows costs about `share × passages` dot products; a filtered
/// graph walk about this many × `expansion_search / share` (it must step over the rejected
/// nodes). Measured on the development index: a statute-only search (12% admitted, 13k passages)
/// took 23 ms through the graph and 2.6 ms exactly; an all-judgment one (88%) 2.5 and 5.6 ms.
const HNSW_VISITS_PER_CANDIDATE: f64 = 20.0;

/// Passages asked of the graph per wanted document: a document's passages often crowd the top.
const HNSW_PASSAGES_PER_DOCUMENT: usize = 4;

/// Loaded vectors, searched exactly or through their HNSW graph.
pub struct Vectors {
    dimension: usize,
    rows: Vec<f32>,
    owners: Vec<u32>,
    docs: Vec<String>,
    ordinal: HashMap<String, u32>,
    hnsw: Option<Hnsw>,
}

impl Vectors {
    pub fn open(snapshot_dir: &Path, info: &DenseInfo) -> Result<Self, IndexError> {
        let dir = snapshot_dir.join(VECTORS_DIR);
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| IndexError::io(dir.join(name), e))
        };
        let (rows, owners, docs) = (read(ROWS_FILE)?, read(OWNERS_FILE)?, read(DOCS_FILE)?);
        if dir.join(CHECKSUMS_FILE).is_file() {
            let expected: HashMap<String, u32> = serde_json::from_slice(&read(CHECKSUMS_FILE)?)
                .map_err(|e| {
                    IndexError::Invalid(format!(
                        "{}：向量校验和文件已损坏（{}）；请重建索引",
                        dir.display(),
                        leian_core::messages::json_message(&e.to_string())
                    ))
                })?;
            // A missing graph is reported by `Hnsw::open`, in its words.
            let graph = match info.hnsw {
                Some(_) if dir.join(GRAPH_FILE).is_file() => Some(read(GRAPH_FILE)?),
                _ => None,
            };
            let mut files = vec![
                (ROWS_FILE, &rows),
                (OWNERS_FILE, &owners),
                (DOCS_FILE, &docs),
            ];
            files.extend(graph.as_ref().map(|g| (GRAPH_FILE, g)));
            let bad: Vec<&str> = files
                .into_iter()
                .filter(|(name, bytes)| expected.get(*name) != Some(&crc32fast::hash(bytes)))
                .map(|(name, _)| name)
                .collect();
            if !bad.is_empty() {
                return Err(IndexError::Invalid(format!(
                    "{}：向量文件已损坏（校验和不符：{}）；请重建索引",
                    dir.display(),
                    bad.join("、")
                )));
            }
        }
        let rows: Vec<f32> = rows
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let owners: Vec<u32> = owners
            .chunks_exact(4)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let docs: Vec<String> = serde_json::from_slice(&docs).map_err(|e| {
            IndexError::Invalid(format!(
                "vectors/{DOCS_FILE}：{}",
                leian_core::messages::json_message(&e.to_string())
            ))
        })?;
        if rows.len() != owners.len() * info.dimension
            || owners.iter().any(|&o| o as usize >= docs.len())
            || owners.windows(2).any(|pair| pair[0] > pair[1])
        {
            return Err(IndexError::Invalid(format!(
                "{}：向量文件彼此不一致；请重建索引",
                dir.display()
            )));
        }
        let ordinal = docs
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i as u32))
            .collect();
        let hnsw = match &info.hnsw {
            Some(hnsw) => Some(Hnsw::open(&dir, info.dimension, owners.len(), hnsw)?),
            None => None,
        };
        Ok(Vectors {
            dimension: info.dimension,
            rows,
            owners,
            docs,
            ordinal,
            hnsw,
        })
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The stored vectors of the documents `keep` accepts, in their order, into a writer (an
    /// update keeps them as they are: nothing is embedded again).
    pub(crate) fn retained(&self, keep: impl Fn(&str) -> bool) -> Result<VectorWriter, IndexError> {
        let mut writer = VectorWriter::new(self.dimension);
        let mut start = 0;
        while start < self.owners.len() {
            let owner = self.owners[start];
            let end = start + self.owners[start..].partition_point(|&o| o == owner);
            let id = &self.docs[owner as usize];
            if keep(id) {
                let passages: Vec<Vec<f32>> = self.rows
                    [start * self.dimension..end * self.dimension]
                    .chunks_exact(self.dimension)
                    .map(<[f32]>::to_vec)
                    .collect();
                writer.add(id, &passages)?;
            }
            start = end;
        }
        Ok(writer)
    }

    /// Whether the document has vectors.
    pub fn contains(&self, id: &str) -> bool {
        self.ordinal.contains_key(id)
    }

    /// Whether searches go through an HNSW graph.
    pub fn has_hnsw(&self) -> bool {
        self.hnsw.is_some()
    }

    /// The `limit` documents whose best passage is most similar to `query` (cosine of unit
    /// vectors), among those `allowed` (all when `None`). Through the HNSW graph when there is
    /// one and the filter admits enough documents; exactly otherwise (and if the graph fails).
    pub fn search(
        &self,
        query: &[f32],
        allowed: Option<&dyn Fn(&str) -> bool>,
        limit: usize,
    ) -> Vec<(String, f32)> {
        let admitted: Option<Vec<bool>> =
            allowed.map(|f| self.docs.iter().map(|id| f(id)).collect());
        if let Some(hnsw) = &self.hnsw {
            let share = admitted.as_ref().map_or(1.0, |a| {
                a.iter().filter(|&&x| x).count() as f64 / a.len().max(1) as f64
            });
            let exact_cost = share * self.owners.len() as f64;
            let graph_cost = HNSW_VISITS_PER_CANDIDATE * hnsw.expansion_search() as f64 / share;
            if share > 0.0 && graph_cost < exact_cost {
                let admit_row = |row: u64| {
                    admitted
                        .as_ref()
                        .is_none_or(|a| a[self.owners[row as usize] as usize])
                };
                let count = (limit * HNSW_PASSAGES_PER_DOCUMENT).min(self.owners.len());
                let filter: Option<&dyn Fn(u64) -> bool> = admitted
                    .as_ref()
                    .map(|_| &admit_row as &dyn Fn(u64) -> bool);
                match hnsw.search(query, count, filter) {
                    Ok(passages) => {
                        // The graph finds the documents; each is then scored by its best
                        // passage over all its rows, as exact search would score it.
                        let mut candidates: Vec<u32> = passages
                            .iter()
                            .map(|&(row, _)| self.owners[row as usize])
                            .collect();
                        candidates.sort_unstable();
                        candidates.dedup();
                        let scored = candidates
                            .into_iter()
                            .map(|owner| (owner, self.best_passage(owner, query)))
                            .collect();
                        return self.top_documents(scored, limit);
                    }
                    Err(error) => eprintln!("HNSW 检索失败（{error}），改用精确检索"),
                }
            }
        }
        self.exact(query, admitted.as_deref(), limit)
    }

    /// The document's best passage score; its rows are contiguous (written one document at a
    /// time).
    fn best_passage(&self, owner: u32, query: &[f32]) -> f32 {
        let start = self.owners.partition_point(|&o| o < owner);
        let end = self.owners.partition_point(|&o| o <= owner);
        self.rows[start * self.dimension..end * self.dimension]
            .chunks_exact(self.dimension)
            .map(|row| dot(row, query))
            .fold(f32::NEG_INFINITY, f32::max)
    }

    fn exact(&self, query: &[f32], admitted: Option<&[bool]>, limit: usize) -> Vec<(String, f32)> {
        let mut best = vec![f32::NEG_INFINITY; self.docs.len()];
        for (row, &owner) in self.rows.chunks_exact(self.dimension).zip(&self.owners) {
            if admitted.is_some_and(|a| !a[owner as usize]) {
                continue;
            }
            let score = dot(row, query);
            let slot = &mut best[owner as usize];
            if score > *slot {
                *slot = score;
            }
        }
        let scored = best
            .into_iter()
            .enumerate()
            .filter(|(_, s)| s.is_finite())
            .map(|(i, s)| (i as u32, s))
            .collect();
        self.top_documents(scored, limit)
    }

    /// The `limit` best of (document, best passage score) pairs, one pair per document.
    fn top_documents(&self, mut scored: Vec<(u32, f32)>, limit: usize) -> Vec<(String, f32)> {
        let limit = limit.min(scored.len());
        if limit == 0 {
            return Vec::new();
        }
        // Ties by document order, so equal scores rank the same way every time.
        let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        scored.select_nth_unstable_by(limit - 1, order);
        scored.truncate(limit);
        scored.sort_by(order);
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
            hnsw: None,
            kinds: Vec::new(),
        };
        let vectors = Vectors::open(dir.path(), &info).unwrap();
        let hits = vectors.search(&unit(&[0.0, 1.0, 0.1]), None, 2);
        assert_eq!(hits[0].0, "a", "second passage of a wins");
        assert_eq!(hits[1].0, "b");
        let only_c = |id: &str| id == "c";
        let hits = vectors.search(&unit(&[0.0, 1.0, 0.1]), Some(&only_c), 5);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "c");

        // A flipped byte in the rows (the length unchanged) is found, not searched.
        let rows = dir.path().join(VECTORS_DIR).join(ROWS_FILE);
        let mut bytes = std::fs::read(&rows).unwrap();
        bytes[5] ^= 0x40;
        std::fs::write(&rows, bytes).unwrap();
        let damaged = Vectors::open(dir.path(), &info).err().unwrap();
        assert!(
            damaged.to_string().contains("校验和不符：passages.f32"),
            "{damaged}"
        );
    }

    /// Deterministic pseudo-random unit vectors (xorshift), clustered so that neighbours matter.
    fn random_unit_vectors(count: usize, dimension: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut state = seed;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        };
        let centres: Vec<Vec<f32>> = (0..200)
            .map(|_| (0..dimension).map(|_| next()).collect())
            .collect();
        (0..count)
            .map(|i| {
                let centre = &centres[i % centres.len()];
                unit(&centre.iter().map(|c| c + 0.6 * next()).collect::<Vec<_>>())
            })
            .collect()
    }

    #[test]
    fn hnsw_finds_what_exact_search_finds_and_survives_reopening() {
        let dimension = 64;
        let vectors = random_unit_vectors(12_000, dimension, 7);
        let build = |dir: &Path, min_passages: usize| {
            let mut writer = VectorWriter::new(dimension).with_hnsw_min_passages(min_passages);
            // Three passages per document, like a judgment split into passages.
            for (doc, passages) in vectors.chunks(3).enumerate() {
                writer.add(&format!("d{doc}"), passages).unwrap();
            }
            let hnsw = writer.write(dir).unwrap();
            DenseInfo {
                model: "t".into(),
                model_fingerprint: "f".into(),
                dimension,
                passage_tokens: 256,
                passage_overlap: 32,
                passages: writer.passages(),
                documents: writer.documents(),
                hnsw,
                kinds: Vec::new(),
            }
        };
        let exact_dir = tempfile::tempdir().unwrap();
        let exact_info = build(exact_dir.path(), usize::MAX);
        assert!(exact_info.hnsw.is_none());
        let exact = Vectors::open(exact_dir.path(), &exact_info).unwrap();
        assert!(!exact.has_hnsw());

        let graph_dir = tempfile::tempdir().unwrap();
        let graph_info = build(graph_dir.path(), 0);
        assert_eq!(graph_info.hnsw, Some(HnswInfo::default()));
        let graph = Vectors::open(graph_dir.path(), &graph_info).unwrap();
        assert!(graph.has_hnsw());

        let queries = random_unit_vectors(50, dimension, 99);
        let (mut found, mut wanted) = (0, 0);
        for query in &queries {
            let truth: Vec<String> = exact
                .search(query, None, 20)
                .into_iter()
                .map(|h| h.0)
                .collect();
            let approx = graph.search(query, None, 20);
            // Scores are the same cosines exact search computes.
            for (id, score) in &approx {
                let exact_score = exact.search(query, Some(&|d: &str| d == id), 1)[0].1;
                assert!(
                    (score - exact_score).abs() < 1e-4,
                    "{id}: {score} vs {exact_score}"
                );
            }
            wanted += truth.len();
            found += approx.iter().filter(|(id, _)| truth.contains(id)).count();
        }
        // The graph is built by several threads, so it differs run to run; clustered synthetic
        // vectors are harder than real ones (0.999 on the development corpus, README).
        let recall = found as f64 / wanted as f64;
        assert!(recall >= 0.9, "recall@20 {recall}");

        // Filters: a broad one goes through the graph, a narrow one is exact; both obey it.
        let most = |id: &str| id[1..].parse::<usize>().unwrap() % 10 != 0;
        for query in &queries[..5] {
            let hits = graph.search(query, Some(&most), 10);
            let truth = exact.search(query, Some(&most), 10);
            assert_eq!(hits.len(), 10);
            assert!(hits.iter().all(|(id, _)| most(id)));
            assert!(hits.iter().filter(|h| truth.contains(h)).count() >= 7);
        }
        let few = |id: &str| matches!(id, "d5" | "d17");
        let hits = graph.search(&queries[0], Some(&few), 10);
        assert_eq!(hits.len(), 2);

        // A graph that does not match the vectors is refused.
        let mut wrong = graph_info.clone();
        wrong.dimension = 32;
        assert!(Vectors::open(graph_dir.path(), &wrong).is_err());
        std::fs::remove_file(
            graph_dir
                .path()
                .join(VECTORS_DIR)
                .join(crate::hnsw::GRAPH_FILE),
        )
        .unwrap();
        let missing = Vectors::open(graph_dir.path(), &graph_info).err().unwrap();
        assert!(missing.to_string().contains("请重建索引"), "{missing}");
    }
}
