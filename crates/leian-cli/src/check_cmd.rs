//! `leian check`: every statute citation of a draft checked against an index.
//!
//! Exit status: 0 when every citation is valid (or there is none), 1 when at least one is not,
//! 2 when the check could not run (bad arguments, unreadable or empty input, no index).

use anyhow::{Context, Result, bail};
use clap::Args;
use leian_legal::{CitationReport, CitationStatus};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit status when a citation has a problem.
const PROBLEMS_FOUND: u8 = 1;
/// Exit status when the check could not run (clap uses it for bad arguments too).
const CANNOT_CHECK: u8 = 2;

#[derive(Args)]
pub struct CheckArgs {
    /// 索引快照文件夹（由 `leian index` 建立）
    #[arg(long)]
    index: PathBuf,
    /// 以 JSON 输出核查结果（与 `POST /v1/citations/check` 的格式相同）
    #[arg(long)]
    json: bool,
    /// 文书草稿，UTF-8 文本；`-` 表示从标准输入读取
    file: PathBuf,
}

pub fn run(args: CheckArgs) -> ExitCode {
    match check(&args) {
        Ok(report) if report.problems() == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(PROBLEMS_FOUND),
        Err(error) => {
            eprintln!("错误：{}", crate::error_chain(&error));
            ExitCode::from(CANNOT_CHECK)
        }
    }
}

fn check(args: &CheckArgs) -> Result<CitationReport> {
    let text = read_draft(&args.file)?;
    let settings = leian_service::EngineSettings {
        load_encoder: false,
        ..Default::default()
    };
    let report = leian_service::Service::open(&args.index, &settings)?.check_citations(&text)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(report)
}

fn read_draft(file: &PathBuf) -> Result<String> {
    let bytes = if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("读取标准输入失败")?;
        bytes
    } else {
        std::fs::read(file).with_context(|| format!("无法读取 {}", file.display()))?
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{}：不是 UTF-8 文本（第 {} 字节无效）",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    if text.trim().is_empty() {
        bail!("{}：草稿为空", file.display());
    }
    Ok(text)
}

/// One line per citation, its suggestions below it, then the counts.
fn print_report(report: &CitationReport) {
    for citation in &report.citations {
        let mark = if citation.status == CitationStatus::Valid {
            "ok"
        } else {
            "!!"
        };
        println!(
            "{mark} {:<17} {}  [{}..{}]  {}",
            citation.status.as_str(),
            citation.text,
            citation.start,
            citation.end,
            citation.message
        );
        if !citation.suggestions.is_empty() {
            println!("   建议: {}", citation.suggestions.join("；"));
        }
    }
    println!("{}", report.summary());
}
