//! `leian search`: one research, printed for a person or (`--json`) as the same document
//! `POST /v1/search` returns.

use anyhow::Result;
use clap::Args;
use leian_core::{Filters, Kind};
use leian_search::Mode;
use leian_search::linking::Tier;
use leian_service::report::describe_reason;
use leian_service::{Research, ResearchRequest, StatuteHits};
use std::path::PathBuf;

#[derive(Args)]
pub struct SearchArgs {
    /// 索引快照文件夹（由 `leian index` 建立）
    #[arg(long)]
    index: PathBuf,
    /// judgment（裁判文书）或 statute（法条）（默认：两者都检索，分列显示）
    #[arg(long)]
    kind: Option<Kind>,
    /// bm25、dense 或 hybrid（索引没有向量时退回 bm25）
    #[arg(long, default_value = "hybrid")]
    mode: Mode,
    /// 每个列表的结果数，1 至 100
    #[arg(long, default_value_t = 10)]
    top_k: usize,
    /// 筛选条件，key=value（kind、domain、cause、court_level、province、procedure、authority、law、statute_level、status、year、year_from、year_to）
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// 检索法院（如 广东省广州市中级人民法院）：裁判文书按相对该院的效力层级排序
    #[arg(long)]
    court: Option<String>,
    /// 法条只按直接检索排序，不做法条关联（类案引用、可能罪名和所述情节的投票）
    #[arg(long)]
    no_linking: bool,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// 输出 `POST /v1/search` 的 JSON 文档
    #[arg(long)]
    json: bool,
    /// 案情摘要；`-` 表示从标准输入读取
    text: String,
}

pub fn run(args: SearchArgs) -> Result<()> {
    let text = crate::text_argument(&args.text, "检索文本")?;
    let service = crate::open_service(&args.index, &args.tuning, args.mode, false)?;
    let mut filters = Filters::parse(args.filters.iter().map(String::as_str))?;
    // `--filter kind=…` chooses the lists, as `--kind` does.
    let kind = args.kind.or(filters.kind());
    filters
        .terms
        .retain(|(field, _)| *field != leian_core::FilterField::Kind);
    let request = ResearchRequest {
        scope: kind.into(),
        mode: args.mode,
        top_k: args.top_k,
        statute_top_k: args.top_k,
        filters,
        linking: !args.no_linking,
        court: args
            .court
            .as_deref()
            .map(leian_legal::CourtContext::of_court),
        ..ResearchRequest::new(text)
    };
    let research = service.research(&request)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&research)?);
    } else {
        print_research(&research);
    }
    Ok(())
}

/// Judgments with their tier and snippet, then statutes with their reasons, then the analysis.
fn print_research(research: &Research) {
    for hit in &research.judgments {
        let h = &hit.hit;
        let causes = match h.causes.is_empty() {
            true => String::new(),
            false => format!(" [{}]", h.causes.join("、")),
        };
        println!(
            "{:>2}. {:>7.3}  {}  {}{}  〔{}〕",
            h.rank,
            h.score,
            h.id,
            h.title,
            causes,
            leian_service::report::tier_name(hit.authority.tier)
        );
        println!("    {}", h.snippet.marked.replace('\n', " "));
    }
    match &research.statutes {
        StatuteHits::Linked(hits) => {
            for hit in hits {
                println!(
                    "{:>2}. {:>6.3}  {}  [{}]",
                    hit.rank,
                    hit.support,
                    hit.title,
                    match hit.tier {
                        Tier::Specific => "分则",
                        Tier::General => "总则",
                        Tier::Other => "其他",
                    }
                );
                for reason in &hit.reasons {
                    println!("      {}", describe_reason(reason));
                }
                println!("    {}", hit.snippet.marked.replace('\n', " "));
            }
        }
        StatuteHits::Direct(hits) => {
            for hit in hits {
                println!("{:>2}. {:>7.3}  {}", hit.rank, hit.score, hit.title);
                println!("    {}", hit.snippet.marked.replace('\n', " "));
            }
        }
    }
    for flagged in &research.flagged_statutes {
        println!("  ！{}：{}", flagged.id, flagged.note);
    }
    if research.judgments.is_empty() && research.statutes.is_empty() {
        println!("没有找到匹配的结果");
    }
    let analysis = &research.analysis;
    eprintln!(
        "可能的罪名或案由：{}",
        leian_service::report::likely_charges(analysis, 3).join("，")
    );
    let stated: Vec<String> = analysis
        .circumstances
        .iter()
        .map(|c| match c.negated {
            true => format!("否认{}", c.name),
            false => c.name.to_string(),
        })
        .collect();
    eprintln!("量刑情节：{}", stated.join("，"));
    eprintln!(
        "类案 {} 件，法条 {} 条，失效或缺失 {} 条；检索方式 {}，用时 {:.1} 毫秒",
        research.judgments.len(),
        research.statutes.len(),
        research.flagged_statutes.len(),
        mode_name(research.mode),
        research.took_ms
    );
}

/// The mode as a judge reads it.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Bm25 => "关键词（BM25）",
        Mode::Dense => "语义向量",
        Mode::Hybrid => "关键词与语义向量融合",
    }
}
