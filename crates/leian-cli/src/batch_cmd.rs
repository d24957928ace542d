//! `leian batch`: a batch of filings (JSONL or CSV) grouped into waves of parallel cases
//! (系列案件), each with what its members share and what differs, a proposed representative
//! case, and the indexed precedents deciding its issue.

use anyhow::{Context, Result};
use clap::Args;
use leian_service::ReportFormat;
use leian_service::batch::{ClusterSettings, InputFormat, cluster, read_filings, render};
use std::path::PathBuf;

#[derive(Args)]
pub struct BatchArgs {
    /// 索引快照文件夹（由 `leian index` 建立）：据此列出各系列的已有类案和建议的示范判决；省略时只分组
    #[arg(long)]
    index: Option<PathBuf>,
    /// 以 JSON 输出分组结果
    #[arg(long)]
    json: bool,
    /// markdown 或 html（未用 --json 时）
    #[arg(long, default_value = "markdown")]
    format: String,
    /// 将结果写入此文件，而不是标准输出
    #[arg(long)]
    out: Option<PathBuf>,
    /// 两件案件视为平行案件的文本相似度下限（0–1）
    #[arg(long, default_value_t = ClusterSettings::default().threshold)]
    threshold: f32,
    /// 每个系列列出的已有类案数
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// 案件文件：JSONL（每行 {"id", "text"}，可含 "parties"、"claims"）或含 id,text 列的 CSV；`-` 表示标准输入
    file: String,
}

/// Reads a batch file (or standard input), detecting JSONL or CSV.
pub(crate) fn read_batch(file: &str) -> Result<Vec<leian_service::batch::Filing>> {
    let input = if file == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("读取标准输入失败")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("无法读取案件文件 {file}"))?
    };
    let format = InputFormat::detect((file != "-").then_some(file), &input);
    Ok(read_filings(&input, format)?)
}

pub fn run(args: BatchArgs) -> Result<()> {
    let format = args
        .format
        .parse::<ReportFormat>()
        .map_err(anyhow::Error::msg)?;
    if !(0.0..=1.0).contains(&args.threshold) {
        anyhow::bail!("--threshold 应在 0 到 1 之间");
    }
    let filings = read_batch(&args.file)?;
    let settings = ClusterSettings {
        threshold: args.threshold,
        ..ClusterSettings::default()
    };
    let mut batch = cluster(&filings, &settings);
    eprintln!(
        "{} 件案件：{} 个系列，{} 件未归入系列（比较 {} 对，{:.1} 秒）",
        batch.filings,
        batch.waves.len(),
        batch.singletons.len(),
        batch.pairs_compared,
        batch.took_ms / 1000.0
    );
    if let Some(index) = &args.index {
        let service = crate::open_service(index, &args.tuning, leian_search::Mode::Bm25, false)?;
        service.add_precedents(&mut batch, &filings, args.top_k)?;
    }
    let output = if args.json {
        serde_json::to_string_pretty(&batch)? + "\n"
    } else {
        render(&batch, format)
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, output).with_context(|| format!("无法写入 {}", path.display()))?
        }
        None => print!("{output}"),
    }
    Ok(())
}
