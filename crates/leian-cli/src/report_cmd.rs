//! `leian report`: a 类案检索报告 (SPC guidance Art. 8) for one fact summary, as Markdown or HTML.

use anyhow::{Context, Result};
use clap::Args;
use leian_core::Filters;
use leian_legal::CourtContext;
use leian_search::Mode;
use leian_service::{ReportFormat, Requester, ResearchRequest, Scope};
use std::path::PathBuf;

#[derive(Args)]
pub struct ReportArgs {
    #[arg(long)]
    index: PathBuf,
    /// The requesting court (检索法院), e.g. 广东省广州市中级人民法院: decides the authority tiers.
    #[arg(long)]
    court: Option<String>,
    /// The requesting court's province (粤 or 广东省) when the court name does not show it.
    #[arg(long)]
    province: Option<String>,
    /// Who searched (检索人).
    #[arg(long)]
    searcher: Option<String>,
    /// markdown or html.
    #[arg(long, default_value = "markdown")]
    format: String,
    /// Write the report to this file instead of standard output.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Similar judgments in the report.
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// Statute articles recommended.
    #[arg(long, default_value_t = 10)]
    statute_top_k: usize,
    /// bm25, dense or hybrid (falls back to bm25 when the index has no vectors).
    #[arg(long, default_value = "hybrid")]
    mode: Mode,
    /// Filters on the judgments, key=value (domain, cause, court_level, province, year_from …).
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// Do not recommend statutes (no statute-linked search).
    #[arg(long)]
    no_linking: bool,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// The pending case's fact summary; `-` reads standard input.
    text: String,
}

pub fn run(args: ReportArgs) -> Result<()> {
    let text = crate::text_argument(&args.text, "案情摘要")?;
    let format = args
        .format
        .parse::<ReportFormat>()
        .map_err(anyhow::Error::msg)?;
    let mode = args.mode;
    let service = crate::open_service(&args.index, &args.tuning, mode, false)?;
    let court = (args.court.is_some() || args.province.is_some()).then(|| CourtContext {
        court: args.court.clone(),
        province: args.province.clone(),
        level: None,
    });
    let request = ResearchRequest {
        top_k: args.top_k,
        mode,
        filters: Filters::parse(args.filters.iter().map(String::as_str))?,
        court,
        linking: !args.no_linking,
        statute_top_k: args.statute_top_k,
        scope: match args.no_linking {
            true => Scope::Judgment,
            false => Scope::All,
        },
        ..ResearchRequest::new(text.clone())
    };
    let requester = Requester {
        searcher: args.searcher,
        court: args.court,
    };
    let report = service.report(&request, requester)?;
    let rendered = report.render(format);
    match &args.out {
        Some(path) => {
            std::fs::write(path, rendered).with_context(|| format!("写入 {}", path.display()))?
        }
        None => print!("{rendered}"),
    }
    Ok(())
}
