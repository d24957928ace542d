//! `leian sentence`: the 类案量刑参考 for a criminal fact summary.

use anyhow::Result;
use clap::Args;
use leian_legal::sentencing::{EstimateStatus, SentencingEstimate, describe_band, describe_months};
use leian_search::Mode;
use leian_service::sentencing::SentencingRequest;
use std::path::PathBuf;

#[derive(Args)]
pub struct SentenceArgs {
    /// 索引快照文件夹（由 `leian index` 建立）
    #[arg(long)]
    index: PathBuf,
    /// 以 JSON 输出（与 `POST /v1/search` 的 `outcome.estimate` 相同）
    #[arg(long)]
    json: bool,
    /// 已知的罪名（默认由事实和相似判决推断）
    #[arg(long)]
    charge: Option<String>,
    /// 筛选条件，key=value（如 province=沪）
    #[arg(long = "filter")]
    filters: Vec<String>,
    /// 案情事实；`-` 表示从标准输入读取
    text: String,
}

pub fn run(args: SentenceArgs) -> Result<()> {
    let text = crate::text_argument(&args.text, "案情事实")?;
    let service = crate::open_service(&args.index, &Default::default(), Mode::Bm25, false)?;
    let estimate = service.estimate_sentence(&SentencingRequest {
        text,
        charge: args.charge,
        filters: leian_core::Filters::parse(args.filters.iter().map(String::as_str))?,
        ..Default::default()
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&estimate)?);
    } else {
        print_estimate(&estimate);
    }
    Ok(())
}

/// The estimate as a judge reads it: the figure, the band, the adjustments, the cases.
pub(crate) fn print_estimate(estimate: &SentencingEstimate) {
    if estimate.status == EstimateStatus::Abstained {
        println!("不作量刑参考：{}", estimate.summary);
        print_law_and_recommendation(estimate);
        return;
    }
    println!(
        "类案量刑参考（{}）",
        estimate.charge.as_deref().unwrap_or_default()
    );
    if let (Some(months), Some([lower, upper])) = (estimate.months, estimate.band) {
        println!(
            "  估计刑期：{}（相似类案中间三分之二：{}）",
            describe_months(months),
            describe_band(lower, upper)
        );
    }
    if let Some(share) = estimate.probation_share {
        println!("  类案缓刑比例：{:.0}%", share * 100.0);
    }
    if let Some([low, high]) = estimate.fine_band {
        println!("  类案罚金（四分位区间）：{low}元至{high}元");
    }
    if let Some(quantity) = &estimate.quantity {
        println!("  本案数额或数量：{quantity}");
    }
    print_law_and_recommendation(estimate);
    for adjustment in &estimate.adjustments {
        println!(
            "  调整：{} {:+.0}%（{}）",
            adjustment.name,
            adjustment.effect * 100.0,
            adjustment.reason
        );
    }
    println!("  所依据的类案（权重从高到低）：");
    for case in &estimate.cases {
        println!(
            "    {} {} 刑期{}{}，折算后{}，权重{:.0}%",
            case.case_number.as_deref().unwrap_or(&case.id),
            case.court.as_deref().unwrap_or_default(),
            describe_months(f64::from(case.months)),
            if case.probation { "（缓刑）" } else { "" },
            describe_months(case.adjusted_months),
            case.weight * 100.0
        );
    }
    println!("{}", estimate.summary);
}

/// What holds with or without similar cases: the statutory range and the recommendation.
fn print_law_and_recommendation(estimate: &SentencingEstimate) {
    if let Some(range) = &estimate.statutory_range {
        println!("  法定刑幅度：{}", range.basis);
    }
    if let Some(recommendation) = &estimate.recommendation {
        println!("  公诉机关量刑建议：{}", recommendation.text);
    }
}
