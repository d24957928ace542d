//! The on-disk index snapshot: a tantivy index of judgments and statute articles (jieba-analysed
//! text fields with BM25, exact-value fields for filters, the whole document stored as JSON) plus a
//! manifest saying how and from what it was built.
//!
//! A snapshot is built in a sibling folder and published only when complete (the served path is
//! a symbolic link swapped in one rename, `swap.rs`), so a killed build or update never damages
//! the snapshot that is being served. [`SnapshotUpdate`] adds, replaces and removes documents of
//! a published snapshot without rebuilding it.
//!
//! ```
//! use leian_core::{Document, Filters, Judgment, Store};
//! use leian_index::{Snapshot, SnapshotBuilder};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let out = dir.path().join("index");
//! let mut builder = SnapshotBuilder::create(&out, 1)?;
//! builder.add_document(Document::Judgment(Judgment {
//!     id: "t-1".into(),
//!     causes: vec!["盗窃罪".into()],
//!     facts: "被告人入户盗窃现金三千元".into(),
//!     ..Judgment::default()
//! }))?;
//! builder.finish(Vec::new(), 0)?;
//!
//! let snapshot = Snapshot::open(&out)?;
//! let found = snapshot.lexical(&[("盗窃".into(), 1.0)], &[("facts", 1.0)], &Filters::default(), 10)?;
//! assert_eq!(found[0].id, "t-1");
//! // A judgment's header (causes, court, dates, cited articles) comes from columns.
//! let header = snapshot.judgment_headers(&["t-1".to_string()])?.remove(0).unwrap();
//! assert_eq!(header.causes, ["盗窃罪"]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod builder;
mod embed_cache;
mod hnsw;
mod manifest;
mod rows;
mod schema;
mod snapshot;
mod swap;
mod update;
mod vectors;

pub use builder::{PassageText, SnapshotBuilder, dense_text, dense_text_of};
pub use embed_cache::EmbeddingCache;
pub use hnsw::{DEFAULT_HNSW_MIN_PASSAGES, HnswInfo, Quantization};
pub use leian_text::case_number_key;
pub use manifest::{MANIFEST_FILE, Manifest, SourceRecord, UpdateRecord, sha256_of_path};
pub use rows::{FieldRows, IndexRows, RowBuilder};
pub use schema::{text_field_kind, text_field_name};
pub use snapshot::{Snapshot, snapshot_bytes};
pub use swap::{attach_vectors, crash_point};
pub use update::{SnapshotUpdate, UpdateCounts};
pub use vectors::{DenseInfo, VectorWriter, Vectors, dot};

/// Errors of building or opening a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("索引出错：{0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{}：{}", path.display(), leian_core::messages::io_error(source))]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl IndexError {
    /// A tantivy error; its IO errors (a full disk, most often) read like our own.
    pub(crate) fn tantivy(error: tantivy::TantivyError, dir: &std::path::Path) -> Self {
        match error {
            tantivy::TantivyError::IoError(io) => {
                IndexError::io(dir, std::io::Error::new(io.kind(), io.to_string()))
            }
            // An indexing thread's IO error reaches us as text ("… (os error 28)"); its
            // number still says what happened.
            other => match os_error_number(&other.to_string()) {
                Some(code) => IndexError::io(dir, std::io::Error::from_raw_os_error(code)),
                None => IndexError::Tantivy(other),
            },
        }
    }

    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        IndexError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Documents a merge may produce at most.
///
/// tantivy's merge policies bound the segments a merge takes, not what it makes: a
/// million-judgment build ended in one segment of 850,000. A search scores segments in
/// parallel (one task per segment), so on one such segment it ran on one core.
const MAX_MERGED_DOCS: u32 = 500_000;

/// Segments a merge takes at least: each merge rewrites its segments, so merging few at a time
/// would rewrite the same documents again and again.
const MIN_SEGMENTS_IN_MERGE: usize = 4;

/// Merges the smallest segments in groups of [`MIN_SEGMENTS_IN_MERGE`] or more whose documents
/// add up to at most [`MAX_MERGED_DOCS`]. Written here because tantivy offers no policy with a
/// bound on the merged segment.
#[derive(Debug)]
pub(crate) struct BoundedMergePolicy;

impl tantivy::merge_policy::MergePolicy for BoundedMergePolicy {
    fn compute_merge_candidates(
        &self,
        segments: &[tantivy::index::SegmentMeta],
    ) -> Vec<tantivy::merge_policy::MergeCandidate> {
        let mut small: Vec<&tantivy::index::SegmentMeta> = segments
            .iter()
            .filter(|s| s.num_docs() <= MAX_MERGED_DOCS / 2)
            .collect();
        small.sort_by_key(|s| s.num_docs());
        let mut candidates = Vec::new();
        let (mut group, mut docs) = (Vec::new(), 0u32);
        for segment in small {
            if docs + segment.num_docs() > MAX_MERGED_DOCS {
                if group.len() >= MIN_SEGMENTS_IN_MERGE {
                    candidates.push(tantivy::merge_policy::MergeCandidate(std::mem::take(
                        &mut group,
                    )));
                }
                (group, docs) = (Vec::new(), 0);
            }
            group.push(segment.id());
            docs += segment.num_docs();
        }
        if group.len() >= MIN_SEGMENTS_IN_MERGE {
            candidates.push(tantivy::merge_policy::MergeCandidate(group));
        }
        candidates
    }
}

/// Adds a document to a writer. When an indexing thread has died, tantivy's answer only says
/// "an index writer was killed"; the thread's own error comes out of the next commit, which joins
/// the threads, so that is what the operator is shown.
pub(crate) fn add_to_writer(
    writer: &mut tantivy::IndexWriter,
    dir: &std::path::Path,
    document: tantivy::TantivyDocument,
) -> Result<(), IndexError> {
    match writer.add_document(document) {
        Ok(_) => Ok(()),
        Err(killed) => Err(IndexError::tantivy(
            writer.commit().err().unwrap_or(killed),
            dir,
        )),
    }
}

fn os_error_number(message: &str) -> Option<i32> {
    let (_, after) = message.rsplit_once("(os error ")?;
    after.split_once(')')?.0.parse().ok()
}

#[cfg(test)]
mod merge_policy_tests {
    use super::*;
    use tantivy::merge_policy::MergePolicy;

    fn segments(sizes: &[u32]) -> Vec<tantivy::index::SegmentMeta> {
        let index = tantivy::Index::create_in_ram(tantivy::schema::Schema::builder().build());
        sizes
            .iter()
            .map(|&docs| index.new_segment_meta(tantivy::index::SegmentId::generate_random(), docs))
            .collect()
    }

    fn merged_sizes(sizes: &[u32]) -> Vec<u32> {
        let metas = segments(sizes);
        BoundedMergePolicy
            .compute_merge_candidates(&metas)
            .iter()
            .map(|candidate| {
                candidate
                    .0
                    .iter()
                    .map(|id| metas.iter().find(|m| m.id() == *id).unwrap().num_docs())
                    .sum()
            })
            .collect()
    }

    #[test]
    fn merges_small_segments_and_never_past_the_bound() {
        assert_eq!(merged_sizes(&[10_000; 3]), Vec::<u32>::new());
        assert_eq!(merged_sizes(&[10_000; 4]), vec![40_000]);
        // Forty segments of 100,000 documents: groups of at most five.
        let merges = merged_sizes(&[100_000; 40]);
        assert!(!merges.is_empty());
        assert!(
            merges.iter().all(|&docs| docs <= MAX_MERGED_DOCS),
            "{merges:?}"
        );
        // Segments past half the bound are left as they are.
        assert_eq!(merged_sizes(&[300_000; 8]), Vec::<u32>::new());
    }
}
