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
