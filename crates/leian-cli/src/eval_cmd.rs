//! `leian eval`: run an evaluation set through the engine and print trec_eval metrics.

use crate::progress::TerminalProgress;
use anyhow::{Context, Result};
use clap::Args;
use leian_core::{Filters, Kind};
use leian_search::Mode;
use leian_service::Stage;
use leian_service::eval::{EvalSpec, percentile, read_qrels, read_queries, score_runs, write_run};
use std::path::PathBuf;

#[derive(Args)]
pub struct EvalArgs {
    /// 索引快照文件夹（由 `leian index` 建立；--kind batch 不需要）
    #[arg(long)]
    index: Option<PathBuf>,
    /// queries.jsonl，每行一个 {"id", "text"}
    #[arg(long)]
    queries: PathBuf,
    /// TREC qrels：QID 0 DOCID REL（--kind sentence 不需要）
    #[arg(long)]
    qrels: Option<PathBuf>,
    /// 评估什么：judgment、statute（检索）、sentence（量刑参考，queries 每行 {"id", "text", "months"}）或 batch（系列案件分组，queries 每行 {"id", "text", "wave"}，wave 为系列标签或 null）
    #[arg(long)]
    kind: EvalKind,
    /// 量刑评估时关闭的调整（可重复，用于消融）：surrender、confession、plea、forgiveness、restitution、recidivism、attempt、preparation、discontinuance、accessory、first_offence、prior_record、minor、diminished_responsibility、quantity、statutory_range、recommendation
    #[arg(long = "without")]
    without: Vec<String>,
    /// bm25、dense 或 hybrid（索引没有向量时退回 bm25）
    #[arg(long, default_value = "hybrid")]
    mode: Mode,
    /// 裁判文书的排序流程在哪一步停止：retrieve、fuse、rerank 或 authority（法官看到的顺序，默认）
    #[arg(long, default_value = "authority")]
    stage: Stage,
    /// 不计查询自身对应的文书（留一法）
    #[arg(long)]
    exclude_self: bool,
    /// 法条只按直接检索排序，不做法条关联（类案引用、可能罪名和所述情节的投票）
    #[arg(long)]
    no_linking: bool,
    /// 评分前把结果中的 …第N条之X 归并为 …第N条
    #[arg(long)]
    collapse_sub_articles: bool,
    /// 筛选条件，key=value
    #[arg(long = "filter")]
    filters: Vec<String>,
    #[command(flatten)]
    tuning: crate::Tuning,
    /// 将 TREC run 写入此文件（--kind sentence：每个查询的估计，JSONL）
    #[arg(long)]
    run: Option<PathBuf>,
    /// 每个查询保留的排序文书数（MAP 据此计算）
    #[arg(long, default_value_t = 100)]
    depth: usize,
    /// 并行工作线程数（默认：每核一个）；为 1 时测得单查询时延
    #[arg(long)]
    workers: Option<usize>,
    /// 只评估前 N 个查询
    #[arg(long)]
    limit: Option<usize>,
    /// 以一个 JSON 对象输出各项指标
    #[arg(long)]
    json: bool,
}

/// What an evaluation measures.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EvalKind {
    Judgment,
    Statute,
    Sentence,
    Batch,
}

pub fn run(args: EvalArgs) -> Result<()> {
    let kind = match args.kind {
        EvalKind::Judgment => Kind::Judgment,
        EvalKind::Statute => Kind::Statute,
        EvalKind::Sentence => return sentences(&args),
        EvalKind::Batch => return batches(&args),
    };
    let index = index_of(&args)?;
    let Some(qrels_path) = &args.qrels else {
        anyhow::bail!("评估检索需要 --qrels");
    };
    let service = crate::open_service(index, &args.tuning, args.mode, true)?;
    // Statute linking searches judgments; direct statute retrieval searches the statutes.
    let searched = match (kind, args.no_linking) {
        (Kind::Statute, false) => Kind::Judgment,
        (kind, _) => kind,
    };
    let answered = service.engine.effective_mode_for(args.mode, Some(searched));
    if answered != args.mode {
        eprintln!("注意：索引没有这类文书的语义向量，按关键词（BM25）评测");
    }
    let mut queries = read_queries(&args.queries)?;
    if let Some(limit) = args.limit {
        queries.truncate(limit);
    }
    let qrels = read_qrels(qrels_path)?;
    let spec = EvalSpec {
        queries: &queries,
        kind,
        mode: args.mode,
        exclude_self: args.exclude_self,
        linking: !args.no_linking,
        stage: args.stage,
        filters: Filters::parse(args.filters.iter().map(String::as_str))?,
        collapse_sub_articles: args.collapse_sub_articles,
        depth: args.depth,
        // Queries are independent; one worker per core unless single-query latency is measured.
        workers: args
            .workers
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get())),
        today: chrono::Utc::now().date_naive(),
    };
    let runs = service.evaluate(&spec, &TerminalProgress::default())?;
    let mut latencies: Vec<f64> = runs.iter().map(|run| run.millis).collect();
    latencies.sort_by(f64::total_cmp);
    eprintln!(
        "单次查询延迟（{} 个线程，{}）：p50 {:.1} 毫秒，p95 {:.1} 毫秒，p99 {:.1} 毫秒，共 {} 个查询",
        spec.workers,
        crate::search_cmd::mode_name(answered),
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        latencies.len()
    );
    if let Some(path) = &args.run {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("无法写入 {}", path.display()))?,
        );
        let ranked: Vec<(String, Vec<(String, f32)>)> = runs
            .iter()
            .map(|run| (run.query_id.clone(), run.ranked.clone()))
            .collect();
        write_run(
            &mut file,
            &ranked,
            &format!("leian-{:?}", args.mode).to_lowercase(),
        )?;
    }
    let metrics = score_runs(&runs, &qrels);
    let unscored = queries.len() - metrics.queries;
    eprintln!(
        "已评分 {} / {} 个查询（{unscored} 个在 qrels 中没有相关文书，不计分）",
        metrics.queries,
        queries.len()
    );
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        let value = serde_json::to_value(&metrics)?;
        for key in ["R@5", "R@10", "R@20", "MRR@10", "nDCG@10", "MAP", "P@10"] {
            println!("{key:<8} {:.4}", value[key].as_f64().unwrap_or_default());
        }
        println!("{:<8} {}", "queries", metrics.queries);
    }
    Ok(())
}

/// `--kind sentence`: the sentencing reference of every query against the months imposed.
fn sentences(args: &EvalArgs) -> Result<()> {
    use leian_legal::sentencing::{AdjustmentKind, EstimateOptions};
    let service = crate::open_service(index_of(args)?, &args.tuning, Mode::Bm25, false)?;
    let mut queries = leian_service::sentencing::read_sentence_queries(&args.queries)?;
    if let Some(limit) = args.limit {
        queries.truncate(limit);
    }
    let mut options = EstimateOptions::default();
    for name in &args.without {
        let kind = AdjustmentKind::parse(name).with_context(|| {
            format!(
                "--without {name}：没有这种调整，可选 {}",
                AdjustmentKind::ALL.map(AdjustmentKind::key).join("、")
            )
        })?;
        options.disabled.insert(kind);
    }
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    let (metrics, outcomes) = service.evaluate_sentences(
        &queries,
        args.exclude_self,
        &options,
        workers,
        &TerminalProgress::default(),
    )?;
    if let Some(path) = &args.run {
        // Per query: the truth, the estimate and its band, the summary or the abstention reason.
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("无法写入 {}", path.display()))?,
        );
        for outcome in &outcomes {
            serde_json::to_writer(&mut file, outcome)?;
            std::io::Write::write_all(&mut file, b"\n")?;
        }
    }
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        println!("cail_score      {:.4}", metrics.cail_score);
        println!("lawbench_score  {:.4}", metrics.lawbench_score);
        println!("band_coverage   {:.4}", metrics.band_coverage);
        println!("band_ratio      {:.4}", metrics.band_ratio);
        println!("abstain         {:.4}", metrics.abstain);
        println!("queries         {}", metrics.queries);
    }
    Ok(())
}

fn index_of(args: &EvalArgs) -> Result<&std::path::Path> {
    args.index
        .as_deref()
        .context("评估检索和量刑参考需要 --index（索引快照文件夹）")
}

/// `--kind batch`: clusters the filings as `leian batch` does and compares the waves with the
/// `wave` labels pair by pair (precision, recall, F1) and by the adjusted Rand index.
fn batches(args: &EvalArgs) -> Result<()> {
    use leian_service::batch::{ClusterSettings, cluster, cluster_metrics};
    let path = args.queries.to_string_lossy();
    let mut filings = crate::batch_cmd::read_batch(&path)?;
    if let Some(limit) = args.limit {
        filings.truncate(limit);
    }
    let batch = cluster(&filings, &ClusterSettings::default());
    let truth: Vec<Option<String>> = filings.iter().map(|f| f.wave.clone()).collect();
    let found = batch.labels(&filings);
    let metrics = cluster_metrics(&truth, &found);
    eprintln!(
        "{} 件案件：标注 {} 个系列，分出 {} 个系列（比较 {} 对，{:.1} 秒）",
        metrics.queries,
        metrics.waves_true,
        metrics.waves_found,
        batch.pairs_compared,
        batch.took_ms / 1000.0
    );
    if let Some(path) = &args.run {
        // One line per filing: its label and the wave it was put in, for reading the errors.
        let mut out = String::new();
        for ((filing, truth), found) in filings.iter().zip(&truth).zip(&found) {
            out.push_str(&serde_json::to_string(&serde_json::json!({
                "id": filing.id, "wave": truth, "found": found,
            }))?);
            out.push('\n');
        }
        std::fs::write(path, out).with_context(|| format!("无法写入 {}", path.display()))?;
    }
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        println!(
            "pair_precision {:.4}\npair_recall {:.4}\npair_f1 {:.4}\nari {:.4}\nqueries {}",
            metrics.pair_precision,
            metrics.pair_recall,
            metrics.pair_f1,
            metrics.ari,
            metrics.queries
        );
    }
    Ok(())
}
