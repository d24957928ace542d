//! Snapshots are written in a scratch folder beside their destination and moved into place
//! only when complete, so a killed build never damages the snapshot being served.

use crate::IndexError;
use crate::manifest::Manifest;
use crate::vectors::{DenseInfo, VectorWriter};
use std::path::{Path, PathBuf};

fn parent_and_name(out: &Path) -> Result<(PathBuf, String), IndexError> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let name = out
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| IndexError::Invalid(format!("输出路径无效：{}", out.display())))?
        .to_string();
    Ok((parent, name))
}

/// A fresh scratch folder for a new snapshot of `out`; left-overs of interrupted builds of the
/// same `out` are removed first.
pub(crate) fn scratch_dir(out: &Path) -> Result<PathBuf, IndexError> {
    let (parent, name) = parent_and_name(out)?;
    std::fs::create_dir_all(&parent).map_err(|e| IndexError::io(&parent, e))?;
    let scratch_prefix = format!(".{name}.building-");
    if let Ok(entries) = std::fs::read_dir(&parent) {
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(&scratch_prefix)
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
    }
    let scratch = parent.join(format!("{scratch_prefix}{}", std::process::id()));
    std::fs::create_dir_all(&scratch).map_err(|e| IndexError::io(&scratch, e))?;
    Ok(scratch)
}

/// Moves the finished `scratch` snapshot to `out`, replacing what was there. A server holding
/// the old files keeps reading them (open files outlive their names) until it reloads.
pub(crate) fn move_into_place(scratch: &Path, out: &Path) -> Result<(), IndexError> {
    let (parent, name) = parent_and_name(out)?;
    let retired = parent.join(format!(".{name}.retired-{}", std::process::id()));
    if out.exists() {
        std::fs::rename(out, &retired).map_err(|e| IndexError::io(out, e))?;
    }
    std::fs::rename(scratch, out).map_err(|e| IndexError::io(out, e))?;
    if retired.exists() {
        let _ = std::fs::remove_dir_all(&retired);
    }
    Ok(())
}

/// Adds dense vectors to the snapshot in `dir` (built with `--no-embed`, or embedded with
/// another model): a new snapshot with the same text index (hard-linked, tantivy never rewrites
/// a segment file), the vectors and a new manifest replaces it atomically. Refuses when `dir`
/// changed since `expected` was read (a rebuild finished meanwhile).
pub fn attach_vectors(
    dir: &Path,
    expected: &Manifest,
    vectors: &VectorWriter,
    info: DenseInfo,
) -> Result<Manifest, IndexError> {
    let scratch = scratch_dir(dir)?;
    let result = (|| {
        link_tree(dir, &scratch)?;
        let hnsw = vectors.write(&scratch)?;
        let mut manifest = expected.clone();
        manifest.snapshot_id = format!("{}+{}", expected.snapshot_id, info.model);
        manifest.dense = Some(DenseInfo { hnsw, ..info });
        manifest.write(&scratch)?;
        let current = Manifest::read(dir)?;
        if current.snapshot_id != expected.snapshot_id {
            return Err(IndexError::Invalid(format!(
                "计算向量期间 {} 已重建（快照 {}），而向量是为快照 {} 计算的；已算出的向量已缓存，请重新执行向量化",
                dir.display(),
                current.snapshot_id,
                expected.snapshot_id
            )));
        }
        move_into_place(&scratch, dir)?;
        Ok(manifest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    result
}

/// Hard-links (or copies, across file systems) every file of a snapshot but its manifest and
/// vectors into `to`.
fn link_tree(from: &Path, to: &Path) -> Result<(), IndexError> {
    for entry in std::fs::read_dir(from).map_err(|e| IndexError::io(from, e))? {
        let entry = entry.map_err(|e| IndexError::io(from, e))?;
        let name = entry.file_name();
        if name == crate::manifest::MANIFEST_FILE || name == crate::vectors::VECTORS_DIR {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        if source.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| IndexError::io(&target, e))?;
            link_tree(&source, &target)?;
        } else if std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target).map_err(|e| IndexError::io(&target, e))?;
        }
    }
    Ok(())
}
