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
    /// 索引快照文件夹（由 `leian index` 建立）
    #[arg(long)]
    index: PathBuf,
    /// 检索法院，如 广东省广州市中级人民法院：据此确定效力层级
    #[arg(long)]
    court: Option<String>,
    /// 法院名称看不出所在省份时，指明检索法院的省份（粤 或 广东省）
    #[arg(long)]
    province: Option<String>,
    /// 检索人
    #[arg(long)]
    searcher: Option<String>,
    /// markdown 或 html
    #[arg(long, default_value = "markdown")]
    format: String,
    /// 将报告写入此文件，而不是标准输出
    #[arg(long)]
    out: Option<PathBuf>,
    /// 报告中的类案数量
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// 推荐的法条数量
    #[arg(long, default_value_t = 10)]
    statute_top_k: usize,
    /// bm25、dense 或 hybrid（索引没有向量时退回 bm25）
    #[arg(long, default_value = "hybrid")]
    mode: Mode,
    /// 裁判文书的筛选条件，key=value（domain、cause、court_level、province、year_from …）
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// 不推荐法条（不做法条关联检索）
    #[arg(long)]
    no_linking: bool,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// 待决案件的案情摘要；`-` 表示从标准输入读取
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
