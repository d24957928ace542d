//! The on-disk index snapshot: a tantivy index of judgments and statute articles (jieba-analysed
//! text fields with BM25, exact-value fields for filters, the whole document stored as JSON) plus a
//! manifest saying how and from what it was built.
//!
//! A snapshot is built in a sibling folder and moved into place only when complete, so a killed
//! build never damages the snapshot that is being served.

mod builder;
mod embed_cache;
mod hnsw;
mod manifest;
mod schema;
mod snapshot;
mod swap;
mod vectors;

pub use builder::{SnapshotBuilder, dense_text};
pub use embed_cache::EmbeddingCache;
pub use hnsw::{DEFAULT_HNSW_MIN_PASSAGES, HnswInfo};
pub use manifest::{MANIFEST_FILE, Manifest, SourceRecord, sha256_of_path};
pub use snapshot::{Snapshot, snapshot_bytes};
pub use swap::attach_vectors;
pub use vectors::{DenseInfo, VectorWriter, Vectors, dot};

/// Errors of building or opening a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    #[error("{path}: {source}")]
    Io {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(String),
}

impl IndexError {
    pub(crate) fn io(path: impl Into<std::path::PathBuf>, source: std::io::Error) -> Self {
        IndexError::Io {
            path: path.into(),
            source,
        }
    }
}
