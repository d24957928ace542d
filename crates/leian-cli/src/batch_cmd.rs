//! `leian batch`: a batch of filings (JSONL or CSV) grouped into waves of parallel cases
//! (系列案件), each with what its members share and what differs, a proposed representative
//! case, and the indexed precedents deciding its issue; with `--demonstrative W1=ID
//! --referrals DIR`, the 类案调解 referral (参照调处建议书) of every member of each chosen wave.

use anyhow::{Context, Result};
use clap::Args;
use leian_service::ReportFormat;
use leian_service::batch::jobs::{demonstrative_judgment, wave_referrals};
use leian_service::batch::referral::{self, file_stem};
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
    /// 选定系列的示范判决：系列=裁判文书ID（如 W1=cjrc-dev-56，系列编号见分组结果），可重复；需同时给出 --index 和 --referrals
    #[arg(long, value_name = "系列=ID")]
    demonstrative: Vec<String>,
    /// 将选定示范判决的系列中每件案件的参照调处建议书写入此文件夹：DIR/系列/案件编号.md 和 .html
    #[arg(long, value_name = "DIR")]
    referrals: Option<PathBuf>,
    /// 参照调处建议书的格式：markdown、html 或 both
    #[arg(long, default_value = "both")]
    referral_format: String,
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
    let chosen = chosen_demonstratives(&args)?;
    let referral_formats: Vec<ReportFormat> = match args.referral_format.as_str() {
        "both" => vec![ReportFormat::Markdown, ReportFormat::Html],
        other => vec![other.parse::<ReportFormat>().map_err(anyhow::Error::msg)?],
    };
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
    let service = match &args.index {
        Some(index) => {
            let service =
                crate::open_service(index, &args.tuning, leian_search::Mode::Bm25, false)?;
            service.add_precedents(&mut batch, &filings, args.top_k)?;
            Some(service)
        }
        None => None,
    };
    if let (Some(dir), Some(service)) = (&args.referrals, &service) {
        for (wave, judgment_id) in &chosen {
            let judgment = demonstrative_judgment(service, judgment_id)?;
            let referrals =
                wave_referrals(Some(service), &batch, &filings, wave, &judgment, None, None)?;
            let folder = dir.join(file_stem(wave));
            std::fs::create_dir_all(&folder)
                .with_context(|| format!("无法建立文件夹 {}", folder.display()))?;
            let mut stems = std::collections::HashSet::new();
            for referral in &referrals {
                // Two ids may clean to one file name: the later gets a number.
                let mut stem = file_stem(&referral.filing_id);
                let mut k = 2;
                while !stems.insert(stem.clone()) {
                    stem = format!("{}-{k}", file_stem(&referral.filing_id));
                    k += 1;
                }
                for format in &referral_formats {
                    let extension = match format {
                        ReportFormat::Markdown => "md",
                        ReportFormat::Html => "html",
                    };
                    let path = folder.join(format!("{stem}.{extension}"));
                    std::fs::write(
                        &path,
                        referral::render(std::slice::from_ref(referral), *format),
                    )
                    .with_context(|| format!("无法写入 {}", path.display()))?;
                }
            }
            eprintln!(
                "系列 {wave}：以 {} 为示范判决，已为 {} 件案件写出参照调处建议书（{}）",
                judgment_id,
                referrals.len(),
                folder.display()
            );
        }
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

/// The `--demonstrative WAVE=ID` pairs, checked before any work: they need an index to read the
/// judgments from and a folder to write the referrals to.
fn chosen_demonstratives(args: &BatchArgs) -> Result<Vec<(String, String)>> {
    let mut chosen: Vec<(String, String)> = Vec::new();
    for pair in &args.demonstrative {
        let Some((wave, id)) = pair
            .split_once('=')
            .map(|(w, i)| (w.trim(), i.trim()))
            .filter(|(w, i)| !w.is_empty() && !i.is_empty())
        else {
            anyhow::bail!("--demonstrative “{pair}”应为 系列=裁判文书ID，如 W1=cjrc-dev-56");
        };
        if chosen.iter().any(|(w, _)| w == wave) {
            anyhow::bail!("系列 {wave} 选定了不止一份示范判决");
        }
        chosen.push((wave.to_string(), id.to_string()));
    }
    match (chosen.is_empty(), &args.referrals, &args.index) {
        (true, Some(_), _) => anyhow::bail!(
            "--referrals 需要至少一个 --demonstrative 系列=裁判文书ID：参照调处建议书以选定的示范判决为参照"
        ),
        (false, None, _) => {
            anyhow::bail!("--demonstrative 需与 --referrals DIR 同用：参照调处建议书写入该文件夹")
        }
        (false, Some(_), None) => {
            anyhow::bail!("--demonstrative 需要 --index：示范判决从索引中读取")
        }
        _ => Ok(chosen),
    }
}
