//! Publishing snapshots atomically.
//!
//! A snapshot is written in a scratch folder beside its destination `DIR` and published only when
//! complete, so a killed build or update never damages the snapshot being served.
//!
//! The scheme (Unix): `DIR` is a symbolic link to a versioned folder `.DIR.snapshots/<snapshot
//! id>` beside it. Publishing moves the finished scratch folder into `.DIR.snapshots/`, then
//! renames a new link over `DIR` — rename(2) replaces the link in one step, so at every instant
//! `DIR` names a complete snapshot, the old one or the new one (the old scheme renamed the served
//! folder away and the new one in: a crash between the two left nothing at `DIR`). A `DIR` that
//! is still a real folder (built before versioned snapshots) is exchanged with the new link in
//! one renameat2(RENAME_EXCHANGE) call (Linux) and then moved into `.DIR.snapshots/`; where the
//! exchange is not available the publish is refused with a message, the real folder untouched.
//! The previous snapshot is kept (a server that has not reloaded yet, a rollback); older ones are
//! removed (a server still serving one keeps reading its open files).
//!
//! Every publisher (build, update, vectors) holds `.DIR.lock` (an advisory file lock) while it
//! publishes; updates hold it from reading their base snapshot to publishing, so two updates never
//! both start from the same snapshot and lose each other's documents.

use crate::IndexError;
use crate::manifest::{MANIFEST_FILE, Manifest};
use crate::vectors::{DenseInfo, VectorWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Names of the helper entries beside `DIR`: prefixes of scratch folders, temporary links and
/// (old scheme) retired folders, each followed by the owner's process id.
const HELPER_KINDS: &[&str] = &["building", "link", "retired"];

/// A name no other job uses: the process id (leftovers of dead processes are recognised by
/// it) and a counter (a server may publish twice at once: an update and background embedding).
fn unique() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether process `pid` is running.
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    #[cfg(unix)]
    {
        let Ok(pid) = libc::pid_t::try_from(pid) else {
            return false;
        };
        // SAFETY: signal 0 only checks that the process exists.
        let found = unsafe { libc::kill(pid, 0) } == 0;
        found || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
    }
    #[cfg(not(unix))]
    false
}

/// Removes what interrupted jobs on `DIR` left beside it (scratch folders, temporary links),
/// never what a running job still uses.
fn clean_leftovers(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let owner = HELPER_KINDS.iter().find_map(|kind| {
            let rest = file_name.strip_prefix(&format!(".{name}.{kind}-"))?;
            rest.split('-').next()?.parse::<u32>().ok()
        });
        if owner.is_some_and(|pid| !alive(pid)) {
            remove_entry(&entry.path());
        }
    }
}

/// Removes a folder, a file or a link (not what a link points to).
fn remove_entry(path: &Path) {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let _ = std::fs::remove_dir_all(path);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(path);
        }
        Err(_) => {}
    }
}

/// A fresh scratch folder for a new snapshot of `out`; left-overs of interrupted jobs on the
/// same `out` are removed first.
pub(crate) fn scratch_dir(out: &Path) -> Result<PathBuf, IndexError> {
    let (parent, name) = parent_and_name(out)?;
    std::fs::create_dir_all(&parent).map_err(|e| IndexError::io(&parent, e))?;
    clean_leftovers(&parent, &name);
    let scratch = parent.join(format!(".{name}.building-{}", unique()));
    std::fs::create_dir_all(&scratch).map_err(|e| IndexError::io(&scratch, e))?;
    Ok(scratch)
}

/// Held while a snapshot of one `DIR` is updated or published; released when dropped (or when
/// the process dies).
pub(crate) struct PublishLock {
    _file: std::fs::File,
}

/// Waits for and takes the publishing lock of `out`.
pub(crate) fn lock(out: &Path) -> Result<PublishLock, IndexError> {
    let (parent, name) = parent_and_name(out)?;
    std::fs::create_dir_all(&parent).map_err(|e| IndexError::io(&parent, e))?;
    let path = parent.join(format!(".{name}.lock"));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| IndexError::io(&path, e))?;
    file.lock().map_err(|e| IndexError::io(&path, e))?;
    Ok(PublishLock { _file: file })
}

/// Test hooks at the steps of a job, in debug builds only: `LEIAN_CRASH_AT=<step>` aborts the
/// process at that step, as a `kill -9` would; `LEIAN_PAUSE_AT=<step>` stops there (writing the
/// step into the file `LEIAN_PAUSE_MARKER` names, when set) so that a test can kill the process
/// at exactly that instant. Tests check that an interrupted job leaves the served snapshot intact.
pub fn crash_point(step: &str) {
    if !cfg!(debug_assertions) {
        return;
    }
    if std::env::var("LEIAN_CRASH_AT").is_ok_and(|s| s == step) {
        eprintln!("LEIAN_CRASH_AT={step}：测试用的中断");
        std::process::abort();
    }
    if std::env::var("LEIAN_PAUSE_AT").is_ok_and(|s| s == step) {
        eprintln!("LEIAN_PAUSE_AT={step}：测试用的暂停，等待被终止");
        if let Ok(marker) = std::env::var("LEIAN_PAUSE_MARKER") {
            let _ = std::fs::write(marker, step);
        }
        // Long enough for any test to kill it; a process a test forgot still ends by itself.
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
}

/// Removes the scratch folder of a job that did not publish (an error, a refusal); a published
/// one was renamed away and is not there any more.
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The folder `out` names now (through its link), so that one job reads one snapshot even if
/// another is published meanwhile.
pub(crate) fn resolve(out: &Path) -> Result<PathBuf, IndexError> {
    std::fs::canonicalize(out).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => IndexError::Invalid(format!(
            "{}：这里没有索引（请先用 `leian index` 建立）",
            out.display()
        )),
        _ => IndexError::io(out, e),
    })
}

/// Publishes the finished `scratch` snapshot at `out`, replacing what was there (the caller
/// holds [`lock`]). A server holding the old files keeps reading them until it reloads.
pub(crate) fn publish(scratch: &Path, out: &Path, snapshot_id: &str) -> Result<(), IndexError> {
    #[cfg(unix)]
    return publish_versioned(scratch, out, snapshot_id);
    #[cfg(not(unix))]
    {
        let _ = snapshot_id;
        move_into_place(scratch, out)
    }
}

/// A folder name for a snapshot id (ids carry a model name, which may be a path).
fn folder_name(snapshot_id: &str) -> String {
    let name: String = snapshot_id
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '_' | '+' | '.' => c,
            _ => '_',
        })
        .collect();
    match name.trim_start_matches('.') {
        "" => "snapshot".to_string(),
        trimmed => trimmed.to_string(),
    }
}

/// `name`, or `name-2`, `name-3`… where `name` is taken.
fn free_name(dir: &Path, name: &str) -> String {
    let mut candidate = name.to_string();
    let mut n = 2;
    while std::fs::symlink_metadata(dir.join(&candidate)).is_ok() {
        candidate = format!("{name}-{n}");
        n += 1;
    }
    candidate
}

/// Flushes a folder's entries (renames) to disk; best effort.
fn sync_dir(dir: &Path) {
    if let Ok(file) = std::fs::File::open(dir) {
        let _ = file.sync_all();
    }
}

#[cfg(unix)]
fn publish_versioned(scratch: &Path, out: &Path, snapshot_id: &str) -> Result<(), IndexError> {
    let (parent, name) = parent_and_name(out)?;
    let versions_name = format!(".{name}.snapshots");
    let versions = parent.join(&versions_name);
    let existing = match std::fs::symlink_metadata(out) {
        Ok(meta) if meta.file_type().is_symlink() => Existing::Link,
        Ok(meta) if meta.is_dir() => {
            let empty = std::fs::read_dir(out)
                .map_err(|e| IndexError::io(out, e))?
                .next()
                .is_none();
            if !empty && !out.join(MANIFEST_FILE).is_file() {
                return Err(IndexError::Invalid(format!(
                    "{} 已存在且不是 Leian 索引（没有 {MANIFEST_FILE}），拒绝覆盖；请换一个输出文件夹",
                    out.display()
                )));
            }
            Existing::Folder
        }
        Ok(_) => {
            return Err(IndexError::Invalid(format!(
                "{} 是文件而不是索引文件夹，拒绝覆盖",
                out.display()
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Existing::Nothing,
        Err(e) => return Err(IndexError::io(out, e)),
    };
    std::fs::create_dir_all(&versions).map_err(|e| IndexError::io(&versions, e))?;
    let folder = free_name(&versions, &folder_name(snapshot_id));
    let published = versions.join(&folder);
    std::fs::rename(scratch, &published).map_err(|e| IndexError::io(&published, e))?;
    sync_dir(&versions);
    crash_point("versioned");
    // Relative, so that the parent folder can be moved or mounted elsewhere.
    let target = Path::new(&versions_name).join(&folder);
    let link = parent.join(format!(".{name}.link-{}", unique()));
    std::os::unix::fs::symlink(&target, &link).map_err(|e| IndexError::io(&link, e))?;
    crash_point("symlinked");
    let previous = match existing {
        Existing::Link => {
            let previous = std::fs::read_link(out).ok();
            std::fs::rename(&link, out).map_err(|e| IndexError::io(out, e))?;
            crash_point("switched");
            // Only folders of the versioned area are ever removed: a link made by hand to a
            // folder elsewhere leaves that folder alone.
            previous
                .filter(|p| p.parent() == Some(Path::new(&versions_name)))
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        }
        Existing::Nothing => {
            std::fs::rename(&link, out).map_err(|e| IndexError::io(out, e))?;
            crash_point("switched");
            None
        }
        Existing::Folder => {
            if let Err(e) = exchange(&link, out) {
                let _ = std::fs::remove_file(&link);
                let _ = std::fs::remove_dir_all(&published);
                return Err(IndexError::Invalid(format!(
                    "无法原子地把现有的索引文件夹 {} 换成指向版本化快照的链接（{}）；原索引未改动。请先把它改名或移走，再重新执行",
                    out.display(),
                    leian_core::messages::io_error(&e)
                )));
            }
            crash_point("exchanged");
            // `link` names the old folder now: it becomes the previous snapshot.
            let old_id = manifest_id(&link).unwrap_or_else(|| "legacy".into());
            let old_folder = free_name(&versions, &folder_name(&old_id));
            let moved = versions.join(&old_folder);
            match std::fs::rename(&link, &moved) {
                Ok(()) => Some(old_folder),
                Err(_) => {
                    remove_entry(&link);
                    None
                }
            }
        }
    };
    sync_dir(&parent);
    retire(&versions, &folder, previous.as_deref());
    Ok(())
}

/// The snapshot id in a folder's manifest, read leniently (a manifest of an older version).
#[cfg(unix)]
fn manifest_id(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(MANIFEST_FILE)).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["snapshot_id"].as_str().map(str::to_string)
}

/// What `DIR` was before a publish.
#[cfg(unix)]
enum Existing {
    Link,
    Folder,
    Nothing,
}

/// Removes every versioned snapshot but the current and the previous one.
fn retire(versions: &Path, current: &str, previous: Option<&str>) {
    let Ok(entries) = std::fs::read_dir(versions) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name != current && Some(name.as_ref()) != previous {
            remove_entry(&entry.path());
        }
    }
}

/// Swaps two paths in one step (renameat2 with RENAME_EXCHANGE).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes())?;
    let b = std::ffi::CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: two NUL-terminated paths relative to the working directory; the call only renames.
    let rc = unsafe {
        libc::syscall(
            libc::SYS_renameat2,
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Without symbolic links: renames the served folder away and the new one in (not atomic: a
/// crash between the two renames leaves no index at `out`).
#[cfg(not(unix))]
fn move_into_place(scratch: &Path, out: &Path) -> Result<(), IndexError> {
    let (parent, name) = parent_and_name(out)?;
    let retired = parent.join(format!(".{name}.retired-{}", unique()));
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
/// changed since `expected` was read (a rebuild or an update finished meanwhile).
pub fn attach_vectors(
    dir: &Path,
    expected: &Manifest,
    vectors: VectorWriter,
    info: DenseInfo,
) -> Result<Manifest, IndexError> {
    let _lock = lock(dir)?;
    let base = resolve(dir)?;
    let current = Manifest::read(&base)?;
    if current.snapshot_id != expected.snapshot_id {
        return Err(IndexError::Invalid(format!(
            "计算向量期间 {} 已更新（快照 {}），而向量是为快照 {} 计算的；已算出的向量已缓存，请重新执行向量化",
            dir.display(),
            current.snapshot_id,
            expected.snapshot_id
        )));
    }
    let scratch = scratch_dir(dir)?;
    let result = (|| {
        link_tree(&base, &scratch)?;
        let hnsw = vectors.write(&scratch)?;
        let mut manifest = expected.clone();
        manifest.snapshot_id = format!("{}+{}", expected.snapshot_id, info.model);
        manifest.dense = Some(DenseInfo { hnsw, ..info });
        manifest.write(&scratch)?;
        publish(&scratch, dir, &manifest.snapshot_id)?;
        Ok(manifest)
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    result
}

/// Hard-links (or copies, across file systems) every file of a snapshot but its manifest, its
/// vectors and tantivy's lock files into `to`. Linking is safe because tantivy creates every file
/// it writes under a new name (segments, `<segment>.<opstamp>.del` files) and replaces
/// `meta.json` and `.managed.json` by renaming a new file over them; those two are copied all the
/// same, being tiny, so that no writer can ever reach the served snapshot's inode.
pub(crate) fn link_tree(from: &Path, to: &Path) -> Result<(), IndexError> {
    for entry in std::fs::read_dir(from).map_err(|e| IndexError::io(from, e))? {
        let entry = entry.map_err(|e| IndexError::io(from, e))?;
        let name = entry.file_name();
        let text = name.to_string_lossy();
        if name == MANIFEST_FILE
            || name == crate::vectors::VECTORS_DIR
            || (text.starts_with(".tantivy-") && text.ends_with(".lock"))
        {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        if source.is_dir() {
            std::fs::create_dir_all(&target).map_err(|e| IndexError::io(&target, e))?;
            link_tree(&source, &target)?;
        } else if text.ends_with(".json") || std::fs::hard_link(&source, &target).is_err() {
            std::fs::copy(&source, &target).map_err(|e| IndexError::io(&target, e))?;
        }
    }
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn publish_manifest(out: &Path, id: &str) {
        let scratch = scratch_dir(out).unwrap();
        std::fs::write(
            scratch.join(MANIFEST_FILE),
            format!("{{\"snapshot_id\":\"{id}\"}}"),
        )
        .unwrap();
        let _lock = lock(out).unwrap();
        publish(&scratch, out, id).unwrap();
    }

    fn served_id(out: &Path) -> String {
        let text = std::fs::read_to_string(out.join(MANIFEST_FILE)).unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        value["snapshot_id"].as_str().unwrap().to_string()
    }

    fn versions(out: &Path) -> Vec<String> {
        let (parent, name) = parent_and_name(out).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(parent.join(format!(".{name}.snapshots")))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn publishing_swaps_a_link_and_keeps_the_previous_snapshot_only() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        publish_manifest(&out, "a");
        assert!(
            std::fs::symlink_metadata(&out)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(served_id(&out), "a");
        publish_manifest(&out, "b");
        publish_manifest(&out, "c/model");
        assert_eq!(served_id(&out), "c/model");
        assert_eq!(versions(&out), ["b", "c_model"]);
        // Nothing but the link, the versions, and the lock file is left beside it.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".index.lock", ".index.snapshots", "index"]);
    }

    #[test]
    fn a_real_folder_becomes_the_previous_version() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join(MANIFEST_FILE), "{\"snapshot_id\":\"old\"}").unwrap();
        publish_manifest(&out, "new");
        assert_eq!(served_id(&out), "new");
        assert_eq!(versions(&out), ["new", "old"]);

        // A folder that is not an index is never replaced.
        let other = dir.path().join("documents");
        std::fs::create_dir(&other).unwrap();
        std::fs::write(other.join("notes.txt"), "keep").unwrap();
        let scratch = scratch_dir(&other).unwrap();
        let error = publish(&scratch, &other, "x").unwrap_err().to_string();
        assert!(error.contains("拒绝覆盖"), "{error}");
        assert!(other.join("notes.txt").is_file());
    }

    #[test]
    fn leftovers_of_dead_processes_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        // A pid far above any pid_max: no such process.
        let dead = dir.path().join(".index.building-2147483000-0");
        let live = dir
            .path()
            .join(format!(".index.building-{}-999", std::process::id()));
        let link = dir.path().join(".index.link-2147483000-3");
        std::fs::create_dir(&dead).unwrap();
        std::fs::create_dir(&live).unwrap();
        std::os::unix::fs::symlink("nowhere", &link).unwrap();
        let scratch = scratch_dir(&out).unwrap();
        assert!(!dead.exists() && std::fs::symlink_metadata(&link).is_err());
        assert!(live.is_dir() && scratch.is_dir() && scratch != live);
    }
}
