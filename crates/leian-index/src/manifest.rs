//! `manifest.json`: what a snapshot is and how it was made.

use crate::IndexError;
use leian_core::CorpusStats;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

pub const MANIFEST_FILE: &str = "manifest.json";

/// One source file or folder that went into the snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRecord {
    pub path: String,
    pub format: String,
    /// SHA-256 of the file, or of the sorted file names and contents of a folder.
    pub sha256: String,
    pub read: usize,
    pub skipped: usize,
}

/// The manifest of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Unique per build: build time plus a hash of the sources.
    pub snapshot_id: String,
    pub leian_version: String,
    pub schema_version: u32,
    pub analyzer_version: String,
    pub built_at: String,
    pub build_seconds: f64,
    pub docs: CorpusStats,
    pub sources: Vec<SourceRecord>,
    /// Statute articles dropped because another source had the same id.
    pub statute_duplicates: usize,
    /// Dense vectors, when the snapshot has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dense: Option<crate::DenseInfo>,
    /// Updates applied since the full build (`leian add` / `leian remove`, the admin API),
    /// oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub updates: Vec<UpdateRecord>,
}

/// One update of a snapshot: what it was applied to and how much changed (counts, so the
/// manifest stays small after years of nightly updates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateRecord {
    /// The snapshot the update was applied to.
    pub base_snapshot_id: String,
    pub updated_at: String,
    /// Documents added that were not indexed before.
    pub added: usize,
    /// Documents replaced by a new version (same id, or same case number).
    pub replaced: usize,
    /// Documents removed.
    pub removed: usize,
}

impl Manifest {
    pub fn read(dir: &Path) -> Result<Self, IndexError> {
        let path = dir.join(MANIFEST_FILE);
        // Bytes, not a string: a damaged manifest is reported by the JSON reader, in Chinese.
        let bytes = std::fs::read(&path).map_err(|e| IndexError::io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| {
            IndexError::Invalid(format!(
                "{}：清单已损坏或不是本程序写的：{}",
                path.display(),
                leian_core::messages::json_message(&e.to_string())
            ))
        })
    }

    pub(crate) fn write(&self, dir: &Path) -> Result<(), IndexError> {
        let path = dir.join(MANIFEST_FILE);
        let text =
            serde_json::to_string_pretty(self).map_err(|e| IndexError::Invalid(e.to_string()))?;
        std::fs::write(&path, text).map_err(|e| IndexError::io(&path, e))
    }
}

/// SHA-256 of a file, or of a folder's sorted relative file names and contents.
/// Feeds a file to `hasher` a buffer at a time: a corpus of a million judgments is a gigabyte
/// or more, which reading it whole would have held in memory.
fn hash_file(hasher: &mut Sha256, path: &Path) -> Result<(), IndexError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| IndexError::io(path, e))?;
    let mut buffer = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(read) => hasher.update(&buffer[..read]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(IndexError::io(path, e)),
        }
    }
}

pub fn sha256_of_path(path: &Path) -> Result<String, IndexError> {
    let mut hasher = Sha256::new();
    if path.is_dir() {
        let mut files: Vec<_> = walkdir::WalkDir::new(path)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| e.into_path())
            .collect();
        files.sort();
        for file in files {
            hasher.update(
                file.strip_prefix(path)
                    .unwrap_or(&file)
                    .to_string_lossy()
                    .as_bytes(),
            );
            hash_file(&mut hasher, &file)?;
        }
    } else {
        hash_file(&mut hasher, path)?;
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}
