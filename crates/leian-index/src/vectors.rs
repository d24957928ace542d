//! Dense vectors of a snapshot: one row per passage (a document is split into passages so a long
//! judgment is not cut at the model's first 512 tokens), searched exactly with dot products of
//! unit vectors and aggregated to documents by their best passage; large snapshots also keep an
//! HNSW graph (`hnsw.rs`) searched approximately, whose candidates are scored exactly.
//!
//! The rows are memory-mapped, never copied onto the heap: at court scale they are gigabytes,
//! and a graph search reads only its candidates' rows, so only those pages are resident.

use crate::IndexError;
use crate::hnsw::{DEFAULT_HNSW_MIN_PASSAGES, GRAPH_FILE, Hnsw, HnswInfo, Quantization};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

pub(crate) const VECTORS_DIR: &str = "vectors";
const ROWS_FILE: &str = "passages.f32";
const OWNERS_FILE: &str = "owners.u32";
const DOCS_FILE: &str = "docs.json";
/// CRC32 of each vectors file, written last: flipped bytes in the rows or the graph gave wrong
/// scores silently (or, in the graph, reads wherever a damaged neighbour id points). Snapshots
/// written before it have none and are not checked.
const CHECKSUMS_FILE: &str = "crc32.json";

/// Files up to this size are checked at every open (a few milliseconds, as before court-scale
/// snapshots). Larger ones — the rows and the graph of a snapshot past about 100k passages — are
/// checked by a thread started at open, with plain reads that leave the process's memory alone,
/// and the first dense search waits for that check: a server starts at once, and still never
/// walks a damaged graph (whose neighbour ids could point anywhere) or scores damaged rows.
const CHECK_AT_OPEN_BYTES: u64 = 256 << 20;

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
    /// Which part of a judgment was embedded (absent: the facts, as before this field).
    #[serde(default, skip_serializing_if = "crate::PassageText::is_default")]
    pub passage_text: crate::PassageText,
}

impl DenseInfo {
    /// Whether documents of `kind` have vectors.
    pub fn covers(&self, kind: leian_core::Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }
}

/// The rows written so far, in a file rather than in memory: a court's archive has gigabytes.
struct Spill {
    file: std::io::BufWriter<std::fs::File>,
    path: tempfile::TempPath,
    crc: crc32fast::Hasher,
}

/// Vectors being collected for a snapshot; rows go to a file as they are added, only the owners
/// (4 bytes a passage) and the document ids stay in memory.
pub struct VectorWriter {
    dimension: usize,
    spill_dir: PathBuf,
    spill: Option<Spill>,
    owners: Vec<u32>,
    docs: Vec<String>,
    hnsw_min_passages: usize,
    quantization: Quantization,
}

impl VectorWriter {
    /// A writer whose rows wait in the system's temporary folder.
    pub fn new(dimension: usize) -> Self {
        VectorWriter::new_in(&std::env::temp_dir(), dimension)
    }

    /// A writer whose rows wait in `dir` (best on the snapshot's file system: the file is then
    /// renamed into the snapshot, not copied).
    pub fn new_in(dir: &Path, dimension: usize) -> Self {
        VectorWriter {
            dimension,
            spill_dir: dir.to_path_buf(),
            spill: None,
            owners: Vec::new(),
            docs: Vec::new(),
            hnsw_min_passages: DEFAULT_HNSW_MIN_PASSAGES,
            quantization: HnswInfo::default().quantization,
        }
    }

    /// Builds an HNSW graph when the snapshot has at least `passages` passages (0: always).
    pub fn with_hnsw_min_passages(mut self, passages: usize) -> Self {
        self.hnsw_min_passages = passages;
        self
    }

    /// The graph's copy of the vectors (the rows themselves are always f32).
    pub fn with_quantization(mut self, quantization: Quantization) -> Self {
        self.quantization = quantization;
        self
    }

    fn spill(&mut self) -> Result<&mut Spill, IndexError> {
        if self.spill.is_none() {
            let dir = &self.spill_dir;
            let (file, path) = tempfile::Builder::new()
                .prefix(".leian-vectors-")
                .tempfile_in(dir)
                .map_err(|e| IndexError::io(dir, e))?
                .into_parts();
            self.spill = Some(Spill {
                file: std::io::BufWriter::with_capacity(1 << 20, file),
                path,
                crc: crc32fast::Hasher::new(),
            });
        }
        Ok(self.spill.as_mut().expect("created above"))
    }

    /// Adds the passage vectors of one document.
    pub fn add<P: AsRef<[f32]>>(&mut self, id: &str, passages: &[P]) -> Result<(), IndexError> {
        let ordinal = u32::try_from(self.docs.len())
            .map_err(|_| IndexError::Invalid("文书数量过多".into()))?;
        if let Some(bad) = passages.iter().find(|v| v.as_ref().len() != self.dimension) {
            return Err(IndexError::Invalid(format!(
                "{id} 的向量为 {} 维，应为 {} 维",
                bad.as_ref().len(),
                self.dimension
            )));
        }
        let mut bytes = Vec::with_capacity(passages.len() * self.dimension * 4);
        for vector in passages {
            bytes.extend(vector.as_ref().iter().flat_map(|v| v.to_le_bytes()));
        }
        if !bytes.is_empty() {
            let spill = self.spill()?;
            spill.crc.update(&bytes);
            let path = spill.path.to_path_buf();
            spill
                .file
                .write_all(&bytes)
                .map_err(|e| IndexError::io(path, e))?;
        }
        self.owners
            .extend(std::iter::repeat_n(ordinal, passages.len()));
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
        if let Some(theirs) = other.spill {
            let path = theirs.path.to_path_buf();
            let mut file = theirs
                .file
                .into_inner()
                .map_err(|e| IndexError::io(&path, e.into_error()))?;
            file.rewind().map_err(|e| IndexError::io(&path, e))?;
            let ours = self.spill()?;
            ours.crc.combine(&theirs.crc);
            let target = ours.path.to_path_buf();
            std::io::copy(&mut file, &mut ours.file).map_err(|e| IndexError::io(target, e))?;
        }
        self.owners.extend(other.owners.iter().map(|o| o + offset));
        self.docs.extend(other.docs);
        Ok(())
    }

    pub fn documents(&self) -> usize {
        self.docs.len()
    }

    /// Writes the vectors (and the HNSW graph, above the threshold) into the snapshot; returns
    /// the graph's parameters for the manifest.
    pub fn write(self, snapshot_dir: &Path) -> Result<Option<HnswInfo>, IndexError> {
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
        let rows_path = dir.join(ROWS_FILE);
        let rows_crc = match self.spill {
            Some(spill) => {
                let crc = spill.crc.finalize();
                let file = spill
                    .file
                    .into_inner()
                    .map_err(|e| IndexError::io(&rows_path, e.into_error()))?;
                file.sync_all().map_err(|e| IndexError::io(&rows_path, e))?;
                drop(file);
                if let Err(moved) = spill.path.persist(&rows_path) {
                    // Another file system: copied instead (the temporary file goes with `moved`).
                    std::fs::copy(&moved.path, &rows_path)
                        .map_err(|e| IndexError::io(&rows_path, e))?;
                }
                crc
            }
            None => {
                write(ROWS_FILE, &[])?;
                crc32fast::hash(&[])
            }
        };
        let owners: Vec<u8> = self.owners.iter().flat_map(|v| v.to_le_bytes()).collect();
        write(OWNERS_FILE, &owners)?;
        // A temporary file is private to its owner; the rows get the permissions of the files
        // created beside them, so a server running as another user reads them as before.
        let permissions = std::fs::metadata(dir.join(OWNERS_FILE))
            .map_err(|e| IndexError::io(dir.join(OWNERS_FILE), e))?
            .permissions();
        std::fs::set_permissions(&rows_path, permissions)
            .map_err(|e| IndexError::io(&rows_path, e))?;
        let docs =
            serde_json::to_vec(&self.docs).map_err(|e| IndexError::Invalid(e.to_string()))?;
        write(DOCS_FILE, &docs)?;
        let mut checksums = std::collections::BTreeMap::from([
            (ROWS_FILE, rows_crc),
            (OWNERS_FILE, crc32fast::hash(&owners)),
            (DOCS_FILE, crc32fast::hash(&docs)),
        ]);
        let passages = self.owners.len();
        let hnsw = if passages == 0 || passages < self.hnsw_min_passages {
            None
        } else {
            let info = HnswInfo::with_quantization(self.quantization);
            let rows = Rows::map(&rows_path, passages * self.dimension)?;
            Hnsw::build(&dir, self.dimension, rows.as_slice(), &info)?;
            let graph = dir.join(GRAPH_FILE);
            checksums.insert(GRAPH_FILE, crc_of_file(&graph)?);
            Some(info)
        };
        let checksums =
            serde_json::to_vec(&checksums).map_err(|e| IndexError::Invalid(e.to_string()))?;
        write(CHECKSUMS_FILE, &checksums)?;
        Ok(hnsw)
    }
}

/// CRC32 of a file read in blocks (not mapped: checking gigabytes must not make them resident
/// in the process).
fn crc_of_file(path: &Path) -> Result<u32, IndexError> {
    let mut file = std::fs::File::open(path).map_err(|e| IndexError::io(path, e))?;
    let mut hasher = crc32fast::Hasher::new();
    let mut block = vec![0u8; 4 << 20];
    loop {
        let read = file.read(&mut block).map_err(|e| IndexError::io(path, e))?;
        if read == 0 {
            return Ok(hasher.finalize());
        }
        hasher.update(&block[..read]);
    }
}

/// The f32 rows of a snapshot, mapped from `passages.f32`.
enum Rows {
    /// The mapping (exact search reads every row through it) and the file (graph candidates are
    /// read from it, see [`Rows::read`]).
    Mapped(memmap2::Mmap, std::fs::File),
    /// An empty file (nothing to map), or a big-endian machine (the file is little-endian).
    Owned(Vec<f32>),
}

impl Rows {
    fn map(path: &Path, floats: usize) -> Result<Self, IndexError> {
        let file = std::fs::File::open(path).map_err(|e| IndexError::io(path, e))?;
        let length = file.metadata().map_err(|e| IndexError::io(path, e))?.len();
        if length != floats as u64 * 4 {
            return Err(IndexError::Invalid(format!(
                "{}：向量文件彼此不一致；请重建索引",
                path.display()
            )));
        }
        if floats == 0 {
            return Ok(Rows::Owned(Vec::new()));
        }
        // Safety: snapshots are never written in place (a rebuild or an update publishes a new
        // folder), so the file does not change while mapped.
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| IndexError::io(path, e))?;
        if cfg!(target_endian = "big") {
            let rows = map
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect();
            return Ok(Rows::Owned(rows));
        }
        Ok(Rows::Mapped(map, file))
    }

    /// Rows `start..end` (in floats) copied into `buffer`. A graph search's candidates are
    /// scattered over the file: read through the mapping, every page any query ever touched
    /// would stay in the server's resident set — at 100k judgments 300 queries had touched the
    /// whole file. Read with `pread`, they stay in the page cache, which the kernel reclaims.
    #[cfg(unix)]
    fn read<'b>(&'b self, start: usize, end: usize, buffer: &'b mut Vec<f32>) -> &'b [f32] {
        use std::os::unix::fs::FileExt;
        let Rows::Mapped(_, file) = self else {
            return &self.as_slice()[start..end];
        };
        let mut bytes = vec![0u8; (end - start) * 4];
        if file.read_exact_at(&mut bytes, start as u64 * 4).is_err() {
            // The mapping holds the same bytes; a failed read only costs residency.
            return &self.as_slice()[start..end];
        }
        buffer.clear();
        buffer.extend(
            bytes
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
        );
        buffer
    }

    #[cfg(not(unix))]
    fn read<'b>(&'b self, start: usize, end: usize, _: &'b mut Vec<f32>) -> &'b [f32] {
        &self.as_slice()[start..end]
    }

    fn as_slice(&self) -> &[f32] {
        match self {
            Rows::Owned(rows) => rows,
            // Safety: a mapping starts on a page boundary (aligned for f32), its length is a
            // multiple of 4 (checked in `map`), every bit pattern is an f32, and the bytes are
            // little-endian like the machine (big-endian ones copy in `map`).
            Rows::Mapped(map, _) => unsafe {
                std::slice::from_raw_parts(map.as_ptr().cast::<f32>(), map.len() / 4)
            },
        }
    }
}

/// The CRC checks left to the background (see [`CHECK_AT_OPEN_BYTES`]).
struct LateCheck {
    running: Mutex<Option<std::thread::JoinHandle<Result<(), String>>>>,
    outcome: OnceLock<Result<(), String>>,
}

impl LateCheck {
    fn start(dir: PathBuf, files: Vec<(&'static str, u32)>) -> Self {
        let running = std::thread::Builder::new()
            .name("leian-vector-crc".into())
            .spawn(move || {
                let bad: Vec<&str> = files
                    .into_iter()
                    .filter(|(name, expected)| crc_of_file(&dir.join(name)).ok() != Some(*expected))
                    .map(|(name, _)| name)
                    .collect();
                match bad.is_empty() {
                    true => Ok(()),
                    false => Err(damaged(&dir, &bad)),
                }
            })
            .ok();
        let outcome = OnceLock::new();
        if running.is_none() {
            let _ = outcome.set(Err("无法启动向量文件校验线程".to_string()));
        }
        LateCheck {
            running: Mutex::new(running),
            outcome,
        }
    }

    /// Waits for the check (only the first search after open ever waits).
    fn wait(&self) -> Result<(), IndexError> {
        if self.outcome.get().is_none() {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(handle) = running.take() {
                let outcome = handle
                    .join()
                    .unwrap_or_else(|_| Err("向量文件校验线程异常退出".to_string()));
                let _ = self.outcome.set(outcome);
            }
        }
        match self.outcome.get() {
            Some(Err(message)) => Err(IndexError::Invalid(message.clone())),
            _ => Ok(()),
        }
    }
}

fn damaged(dir: &Path, bad: &[&str]) -> String {
    format!(
        "{}：向量文件已损坏（校验和不符：{}）；请重建索引",
        dir.display(),
        bad.join("、")
    )
}

/// Exact search over the admitted rows costs about `share × passages` dot products; a filtered
/// graph walk about this many × `expansion_search / share` (it must step over the rejected
/// nodes). Measured on the development index: a statute-only search (12% admitted, 13k passages)
/// took 23 ms through the graph and 2.6 ms exactly; an all-judgment one (88%) 2.5 and 5.6 ms.
const HNSW_VISITS_PER_CANDIDATE: f64 = 20.0;

/// Passages asked of the graph per wanted document: a document's passages often crowd the top.
/// Chosen with `vector_scale --measure` at 1M judgments (3.5M passages, int8): for the engine's
/// pool of 100, recall@100 against exact 0.995 (0.999 at 4), graph time p50 6.8 ms (14.4 at 4);
/// the development set's hybrid figures with the graph forced are the same at 4, 2 and 1.
const HNSW_PASSAGES_PER_DOCUMENT: usize = 2;

/// Opened vectors, searched exactly or through their HNSW graph.
pub struct Vectors {
    dimension: usize,
    rows: Rows,
    owners: Vec<u32>,
    docs: Vec<String>,
    hnsw: Option<Hnsw>,
    late_check: Option<LateCheck>,
    /// Passages asked of the graph per wanted document (before the quantisation's oversampling).
    graph_passages_per_document: usize,
}

impl Vectors {
    pub fn open(snapshot_dir: &Path, info: &DenseInfo) -> Result<Self, IndexError> {
        Vectors::open_checking(snapshot_dir, info, CHECK_AT_OPEN_BYTES)
    }

    fn open_checking(
        snapshot_dir: &Path,
        info: &DenseInfo,
        check_at_open_bytes: u64,
    ) -> Result<Self, IndexError> {
        let dir = snapshot_dir.join(VECTORS_DIR);
        let read = |name: &str| {
            std::fs::read(dir.join(name)).map_err(|e| IndexError::io(dir.join(name), e))
        };
        let (owners, docs) = (read(OWNERS_FILE)?, read(DOCS_FILE)?);
        let mut late = Vec::new();
        if dir.join(CHECKSUMS_FILE).is_file() {
            let expected: HashMap<String, u32> = serde_json::from_slice(&read(CHECKSUMS_FILE)?)
                .map_err(|e| {
                    IndexError::Invalid(format!(
                        "{}：向量校验和文件已损坏（{}）；请重建索引",
                        dir.display(),
                        leian_core::messages::json_message(&e.to_string())
                    ))
                })?;
            let mut bad = Vec::new();
            for (name, bytes) in [(OWNERS_FILE, &owners), (DOCS_FILE, &docs)] {
                if expected.get(name) != Some(&crc32fast::hash(bytes)) {
                    bad.push(name);
                }
            }
            let mut large = vec![ROWS_FILE];
            // A missing graph is reported by `Hnsw::open`, in its words.
            if info.hnsw.is_some() && dir.join(GRAPH_FILE).is_file() {
                large.push(GRAPH_FILE);
            }
            for name in large {
                let path = dir.join(name);
                let size = std::fs::metadata(&path)
                    .map_err(|e| IndexError::io(&path, e))?
                    .len();
                let want = expected.get(name).copied();
                match want {
                    None => bad.push(name),
                    Some(crc) if size > check_at_open_bytes => late.push((name, crc)),
                    Some(crc) if crc_of_file(&path)? != crc => bad.push(name),
                    Some(_) => {}
                }
            }
            if !bad.is_empty() {
                return Err(IndexError::Invalid(damaged(&dir, &bad)));
            }
        }
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
        if owners.iter().any(|&o| o as usize >= docs.len())
            || owners.windows(2).any(|pair| pair[0] > pair[1])
        {
            return Err(IndexError::Invalid(format!(
                "{}：向量文件彼此不一致；请重建索引",
                dir.display()
            )));
        }
        let rows = Rows::map(&dir.join(ROWS_FILE), owners.len() * info.dimension)?;
        let hnsw = match &info.hnsw {
            Some(hnsw) => Some(Hnsw::open(&dir, info.dimension, owners.len(), hnsw)?),
            None => None,
        };
        Ok(Vectors {
            graph_passages_per_document: HNSW_PASSAGES_PER_DOCUMENT,
            dimension: info.dimension,
            rows,
            owners,
            docs,
            hnsw,
            late_check: (!late.is_empty()).then(|| LateCheck::start(dir, late)),
        })
    }

    pub fn dimension(&self) -> usize {
        self.dimension
    }

    /// The stored vectors of the documents `keep` accepts, in their order, into a writer (an
    /// update keeps them as they are: nothing is embedded again).
    pub(crate) fn retained(
        &self,
        spill_dir: &Path,
        keep: impl Fn(&str) -> bool,
    ) -> Result<VectorWriter, IndexError> {
        if let Some(check) = &self.late_check {
            check.wait()?;
        }
        let rows = self.rows.as_slice();
        let mut writer = VectorWriter::new_in(spill_dir, self.dimension);
        let mut start = 0;
        while start < self.owners.len() {
            let owner = self.owners[start];
            let end = start + self.owners[start..].partition_point(|&o| o == owner);
            let id = &self.docs[owner as usize];
            if keep(id) {
                let passages: Vec<&[f32]> = rows[start * self.dimension..end * self.dimension]
                    .chunks_exact(self.dimension)
                    .collect();
                writer.add(id, &passages)?;
            }
            start = end;
        }
        Ok(writer)
    }

    /// Whether searches go through an HNSW graph.
    pub fn has_hnsw(&self) -> bool {
        self.hnsw.is_some()
    }

    /// The graph's copy of the vectors, when there is a graph.
    pub fn quantization(&self) -> Option<Quantization> {
        self.hnsw.as_ref().map(Hnsw::quantization)
    }

    /// The `limit` documents whose best passage is most similar to `query` (cosine of unit
    /// vectors), among those `allowed` (all when `None`). Through the HNSW graph when there is
    /// one and the filter admits enough documents; exactly otherwise (and if the graph fails).
    /// Fails only when the background check finds the files damaged.
    pub fn search(
        &self,
        query: &[f32],
        allowed: Option<&dyn Fn(&str) -> bool>,
        limit: usize,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        if let Some(check) = &self.late_check {
            check.wait()?;
        }
        Ok(self.search_checked(query, allowed, limit))
    }

    /// Asks the graph for `passages` passages per wanted document (2 by default), before the
    /// quantisation's oversampling: what `examples/vector_scale.rs` compares recall at.
    pub fn set_graph_passages_per_document(&mut self, passages: usize) {
        self.graph_passages_per_document = passages.max(1);
    }

    fn search_checked(
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
                let count =
                    (limit * self.graph_passages_per_document * hnsw.quantization().oversample())
                        .min(self.owners.len());
                let filter: Option<&dyn Fn(u64) -> bool> = admitted
                    .as_ref()
                    .map(|_| &admit_row as &dyn Fn(u64) -> bool);
                match hnsw.search(query, count, filter) {
                    Ok(passages) => {
                        // The graph finds the documents; each is then scored by its best
                        // passage over all its f32 rows, as exact search would score it.
                        let mut candidates: Vec<u32> = passages
                            .iter()
                            .filter_map(|&row| self.owners.get(row as usize).copied())
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

    /// The exact top documents, through every row even where there is a graph (what the graph's
    /// recall is measured against).
    pub fn search_exact(
        &self,
        query: &[f32],
        limit: usize,
    ) -> Result<Vec<(String, f32)>, IndexError> {
        if let Some(check) = &self.late_check {
            check.wait()?;
        }
        Ok(self.exact(query, None, limit))
    }

    /// The `limit` passages most similar to `query` (row numbers and cosines, best first): the
    /// graph's candidates (oversampled as a document search is) scored exactly, or with `exact`
    /// every row. What the graph's passage-level recall is measured with.
    pub fn nearest_passages(
        &self,
        query: &[f32],
        limit: usize,
        exact: bool,
    ) -> Result<Vec<(usize, f32)>, IndexError> {
        if let Some(check) = &self.late_check {
            check.wait()?;
        }
        let dimension = self.dimension;
        let mut scored: Vec<(usize, f32)> = match (&self.hnsw, exact) {
            (Some(hnsw), false) => {
                let count = (limit * hnsw.quantization().oversample()).min(self.owners.len());
                let mut buffer = Vec::new();
                hnsw.search(query, count, None)
                    .map_err(|e| IndexError::Invalid(format!("HNSW 检索失败：{e}")))?
                    .into_iter()
                    .map(|row| row as usize)
                    .map(|row| {
                        let start = row * dimension;
                        let vector = self.rows.read(start, start + dimension, &mut buffer);
                        (row, dot(vector, query))
                    })
                    .collect()
            }
            _ => {
                let rows = self.rows.as_slice();
                (0..self.owners.len())
                    .map(|row| {
                        (
                            row,
                            dot(&rows[row * dimension..(row + 1) * dimension], query),
                        )
                    })
                    .collect()
            }
        };
        let limit = limit.min(scored.len());
        if limit == 0 {
            return Ok(Vec::new());
        }
        let order = |a: &(usize, f32), b: &(usize, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        scored.select_nth_unstable_by(limit - 1, order);
        scored.truncate(limit);
        // An exact search scored every row: without this the few kept would hold on to that
        // allocation (56 MB at 3.5M passages), and so would a vector collected from them in place.
        scored.shrink_to_fit();
        scored.sort_by(order);
        Ok(scored)
    }

    /// Calls `visit` with each document's id and its passage rows (`dimension` floats each,
    /// contiguous), in stored order: copying a snapshot's vectors into another store.
    pub fn for_each_document_rows(
        &self,
        mut visit: impl FnMut(&str, &[f32]) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let rows = self.rows.as_slice();
        let mut start = 0;
        while start < self.owners.len() {
            let owner = self.owners[start];
            let end = start + self.owners[start..].partition_point(|&o| o == owner);
            visit(
                &self.docs[owner as usize],
                &rows[start * self.dimension..end * self.dimension],
            )?;
            start = end;
        }
        Ok(())
    }

    /// The id of the document that owns passage `row`.
    pub fn owner_of(&self, row: usize) -> Option<&str> {
        let owner = *self.owners.get(row)?;
        self.docs.get(owner as usize).map(String::as_str)
    }

    /// The document's best passage score; its rows are contiguous (written one document at a
    /// time).
    fn best_passage(&self, owner: u32, query: &[f32]) -> f32 {
        let start = self.owners.partition_point(|&o| o < owner);
        let end = self.owners.partition_point(|&o| o <= owner);
        let mut buffer = Vec::new();
        self.rows
            .read(start * self.dimension, end * self.dimension, &mut buffer)
            .chunks_exact(self.dimension)
            .map(|row| dot(row, query))
            .fold(f32::NEG_INFINITY, f32::max)
    }

    fn exact(&self, query: &[f32], admitted: Option<&[bool]>, limit: usize) -> Vec<(String, f32)> {
        let mut best = vec![f32::NEG_INFINITY; self.docs.len()];
        for (row, &owner) in self
            .rows
            .as_slice()
            .chunks_exact(self.dimension)
            .zip(&self.owners)
        {
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

    fn info(dimension: usize, writer: &VectorWriter) -> DenseInfo {
        DenseInfo {
            model: "t".into(),
            model_fingerprint: "f".into(),
            dimension,
            passage_tokens: 256,
            passage_overlap: 32,
            passages: writer.passages(),
            documents: writer.documents(),
            hnsw: None,
            kinds: Vec::new(),
            passage_text: Default::default(),
        }
    }

    fn small_writer(spill: &Path) -> VectorWriter {
        let mut writer = VectorWriter::new_in(spill, 3);
        writer
            .add("a", &[unit(&[1.0, 0.0, 0.0]), unit(&[0.0, 1.0, 0.0])])
            .unwrap();
        writer.add("b", &[unit(&[0.7, 0.7, 0.0])]).unwrap();
        writer.add("c", &[unit(&[0.0, 0.0, 1.0])]).unwrap();
        writer
    }

    #[test]
    fn best_passage_ranks_documents_and_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let mut writer = small_writer(dir.path());
        assert!(writer.add("d", &[vec![1.0]]).is_err());
        let info = info(3, &writer);
        assert_eq!((info.passages, info.documents), (4, 3));
        writer.write(dir.path()).unwrap();
        // The rows were renamed into the snapshot: no temporary file is left beside it.
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .filter(|n| n.to_string_lossy().starts_with(".leian-vectors-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
        // With the permissions of the files created beside them, not a temporary file's.
        let mode = |name: &str| {
            std::fs::metadata(dir.path().join(VECTORS_DIR).join(name))
                .unwrap()
                .permissions()
        };
        assert_eq!(mode(ROWS_FILE), mode(OWNERS_FILE));
        let vectors = Vectors::open(dir.path(), &info).unwrap();
        assert!(matches!(vectors.rows, Rows::Mapped(..)), "rows are mapped");
        // Read from the file, rows are what the mapping holds.
        let mut buffer = Vec::new();
        assert_eq!(
            vectors.rows.read(3, 9, &mut buffer),
            &vectors.rows.as_slice()[3..9]
        );
        let hits = vectors.search(&unit(&[0.0, 1.0, 0.1]), None, 2).unwrap();
        assert_eq!(hits[0].0, "a", "second passage of a wins");
        assert_eq!(hits[1].0, "b");
        let only_c = |id: &str| id == "c";
        let hits = vectors
            .search(&unit(&[0.0, 1.0, 0.1]), Some(&only_c), 5)
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, "c");
        drop(vectors);

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
        // Past the size checked at open, the same damage is found by the background check:
        // the snapshot opens, and its first search reports it instead of answering.
        let late = Vectors::open_checking(dir.path(), &info, 0).unwrap();
        let damaged = late.search(&unit(&[1.0, 0.0, 0.0]), None, 2).err().unwrap();
        assert!(
            damaged.to_string().contains("校验和不符：passages.f32"),
            "{damaged}"
        );
        assert!(late.search_exact(&unit(&[1.0, 0.0, 0.0]), 2).is_err());
    }

    #[test]
    fn appended_writers_and_old_snapshots_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut first = small_writer(dir.path());
        let mut second = VectorWriter::new_in(dir.path(), 3);
        second.add("e", &[unit(&[0.0, 0.2, 1.0])]).unwrap();
        let empty = VectorWriter::new_in(dir.path(), 3);
        first.append(second).unwrap();
        first.append(empty).unwrap();
        let info = info(3, &first);
        first.write(dir.path()).unwrap();
        // The checksum combined from both files is the one of the rows written.
        let late = Vectors::open_checking(dir.path(), &info, 0).unwrap();
        let hits = late.search(&unit(&[0.0, 0.1, 1.0]), None, 2).unwrap();
        assert_eq!(hits[0].0, "e");
        assert_eq!(hits[1].0, "c");

        // A snapshot written before quantisation and checksums: its manifest has no
        // `passage_text`, its graph no `quantization`, its folder no crc32.json.
        std::fs::remove_file(dir.path().join(VECTORS_DIR).join(CHECKSUMS_FILE)).unwrap();
        let old: DenseInfo = serde_json::from_str(
            r#"{"model":"t","model_fingerprint":"f","dimension":3,"passage_tokens":256,
                "passage_overlap":32,"passages":5,"documents":4}"#,
        )
        .unwrap();
        assert_eq!(old.passage_text, crate::PassageText::Facts);
        let vectors = Vectors::open(dir.path(), &old).unwrap();
        assert_eq!(
            vectors.search(&unit(&[1.0, 0.0, 0.0]), None, 1).unwrap()[0].0,
            "a"
        );
        let written = serde_json::to_string(&old).unwrap();
        assert!(!written.contains("passage_text"), "{written}");
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

    fn build(
        dir: &Path,
        vectors: &[Vec<f32>],
        dimension: usize,
        min_passages: usize,
        quantization: Quantization,
    ) -> DenseInfo {
        let mut writer = VectorWriter::new_in(dir, dimension)
            .with_hnsw_min_passages(min_passages)
            .with_quantization(quantization);
        // Three passages per document, like a judgment split into passages.
        for (doc, passages) in vectors.chunks(3).enumerate() {
            writer.add(&format!("d{doc}"), passages).unwrap();
        }
        let mut info = info(dimension, &writer);
        info.hnsw = writer.write(dir).unwrap();
        info
    }

    #[test]
    fn hnsw_finds_what_exact_search_finds_and_survives_reopening() {
        let dimension = 64;
        let vectors = random_unit_vectors(12_000, dimension, 7);
        let exact_dir = tempfile::tempdir().unwrap();
        let exact_info = build(
            exact_dir.path(),
            &vectors,
            dimension,
            usize::MAX,
            Quantization::F32,
        );
        assert!(exact_info.hnsw.is_none());
        let exact = Vectors::open(exact_dir.path(), &exact_info).unwrap();
        assert!(!exact.has_hnsw());

        let graph_dir = tempfile::tempdir().unwrap();
        let graph_info = build(graph_dir.path(), &vectors, dimension, 0, Quantization::F32);
        assert_eq!(
            graph_info.hnsw,
            Some(HnswInfo::with_quantization(Quantization::F32))
        );
        let graph = Vectors::open(graph_dir.path(), &graph_info).unwrap();
        assert!(graph.has_hnsw());

        let queries = random_unit_vectors(50, dimension, 99);
        let (mut found, mut wanted) = (0, 0);
        for query in &queries {
            let truth: Vec<String> = exact
                .search(query, None, 20)
                .unwrap()
                .into_iter()
                .map(|h| h.0)
                .collect();
            let approx = graph.search(query, None, 20).unwrap();
            // Scores are the same cosines exact search computes.
            for (id, score) in &approx {
                let exact_score = exact.search(query, Some(&|d: &str| d == id), 1).unwrap()[0].1;
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
            let hits = graph.search(query, Some(&most), 10).unwrap();
            let truth = exact.search(query, Some(&most), 10).unwrap();
            assert_eq!(hits.len(), 10);
            assert!(hits.iter().all(|(id, _)| most(id)));
            assert!(hits.iter().filter(|h| truth.contains(h)).count() >= 7);
        }
        let few = |id: &str| matches!(id, "d5" | "d17");
        let hits = graph.search(&queries[0], Some(&few), 10).unwrap();
        assert_eq!(hits.len(), 2);

        // A graph that does not match the vectors is refused.
        let mut wrong = graph_info.clone();
        wrong.dimension = 32;
        assert!(Vectors::open(graph_dir.path(), &wrong).is_err());
        drop(graph);
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

    /// A quantised graph only proposes candidates; the exact rescoring gives them their true
    /// cosines, so the top documents are those of exact search.
    #[test]
    fn quantized_graphs_return_the_exact_top_documents() {
        let dimension = 64;
        let vectors = random_unit_vectors(6_000, dimension, 11);
        let queries = random_unit_vectors(30, dimension, 5);
        let exact_dir = tempfile::tempdir().unwrap();
        let exact_info = build(
            exact_dir.path(),
            &vectors,
            dimension,
            usize::MAX,
            Quantization::F32,
        );
        let exact = Vectors::open(exact_dir.path(), &exact_info).unwrap();
        for (quantization, least) in [(Quantization::I8, 0.95), (Quantization::B1, 0.8)] {
            let dir = tempfile::tempdir().unwrap();
            let info = build(dir.path(), &vectors, dimension, 0, quantization);
            assert_eq!(info.hnsw.as_ref().unwrap().quantization, quantization);
            // The manifest says how the graph was built; reopening reads it back.
            let info: DenseInfo =
                serde_json::from_str(&serde_json::to_string(&info).unwrap()).unwrap();
            let graph = Vectors::open(dir.path(), &info).unwrap();
            assert_eq!(graph.quantization(), Some(quantization));
            let (mut found, mut same_first) = (0, 0);
            for query in &queries {
                let truth = exact.search(query, None, 10).unwrap();
                let approx = graph.search(query, None, 10).unwrap();
                assert_eq!(approx.len(), 10);
                for (id, score) in &approx {
                    if let Some((_, exact_score)) = truth.iter().find(|(t, _)| t == id) {
                        assert!((score - exact_score).abs() < 1e-5, "{id}");
                    }
                }
                same_first += usize::from(approx[0] == truth[0]);
                found += approx.iter().filter(|h| truth.contains(h)).count();
            }
            let recall = found as f64 / (10 * queries.len()) as f64;
            assert!(recall >= least, "{quantization:?}: recall@10 {recall}");
            assert!(same_first >= queries.len() * 9 / 10, "{quantization:?}");
        }
    }
}
