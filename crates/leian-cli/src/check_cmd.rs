//! `leian check`: every statute citation of a draft checked against an index, and its outcome
//! compared with similar cases (类案不同判预警).
//!
//! Exit status: 0 when every citation is valid (or there is none) and the outcome raises no
//! alert, 1 when a citation is not valid or the outcome departs from similar cases (or breaks a
//! bound of the Criminal Law's general part), 2 when the check could not run (bad arguments,
//! unreadable or empty input, no index).

use anyhow::{Context, Result, bail};
use clap::Args;
use leian_legal::CitationStatus;
use leian_service::draft_check::{CheckStatus, DraftCheck, OutcomeCheck};
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
    /// 以 JSON 输出核查结果（与 `POST /v1/drafts/check` 的格式相同：引用核查的字段加 `outcome`）
    #[arg(long)]
    json: bool,
    /// 文书草稿，UTF-8 文本；`-` 表示从标准输入读取
    file: PathBuf,
}

pub fn run(args: CheckArgs) -> ExitCode {
    match check(&args) {
        Ok(report) if report.citations.problems() == 0 && !report.outcome.alerted() => {
            ExitCode::SUCCESS
        }
        Ok(_) => ExitCode::from(PROBLEMS_FOUND),
        Err(error) => {
            eprintln!("错误：{}", crate::error_chain(&error));
            ExitCode::from(CANNOT_CHECK)
        }
    }
}

fn check(args: &CheckArgs) -> Result<DraftCheck> {
    let text = read_draft(&args.file)?;
    let settings = leian_service::EngineSettings {
        load_encoder: false,
        ..Default::default()
    };
    let report = leian_service::Service::open(&args.index, &settings)?.check_draft(&text)?;
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

/// One line per citation, its suggestions below it, the counts, then the outcome check.
fn print_report(report: &DraftCheck) {
    for citation in &report.citations.citations {
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
    println!("{}", report.citations.summary());
    print_outcome(&report.outcome);
}

/// The outcome check, unless the text has no 判决如下 at all (a passage checked for its
/// citations reads as before).
fn print_outcome(check: &OutcomeCheck) {
    if check.without_operative_part {
        return;
    }
    let label = match check.status {
        CheckStatus::Consistent => "与类案一致",
        CheckStatus::Lighter => "轻于类案",
        CheckStatus::Heavier => "重于类案",
        CheckStatus::NoReference => "无类案可比",
    };
    println!("裁判结果：{label}（{}）", check.status.as_str());
    println!("  {}", check.reason);
    for issue in &check.legal_issues {
        println!("  !! {}", issue.message);
    }
    if let Some(alert) = &check.alert {
        println!("预警：{alert}");
    }
}
