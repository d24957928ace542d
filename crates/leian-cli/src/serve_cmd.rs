//! `leian serve`: the HTTP API over one index snapshot (see `crates/leian-server`), configured by
//! flags, `--config leian.toml` and `LEIAN_API_KEYS`; and `leian keys new`.

use anyhow::Context;
use leian_server::config::{KEYS_ENV, ServerConfig};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Index snapshot folder (built with `leian index`); or `index` in the config file.
    #[arg(long)]
    pub index: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1:8080]. Anything but loopback needs API keys.
    #[arg(long)]
    pub addr: Option<String>,
    /// Configuration file (TOML): index, addr, body_limit, timeout_secs, cors_origins,
    /// log_queries, embed_in_background, [[keys]]. Flags override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Largest request body in bytes [default: 1048576].
    #[arg(long)]
    pub body_limit: Option<usize>,
    /// Longest a request may take, in seconds [default: 10].
    #[arg(long)]
    pub timeout_secs: Option<u64>,
    /// When the index has no vectors, embed it in the background (resumable, cached) and switch
    /// to hybrid search when done; BM25 answers meanwhile.
    #[arg(long)]
    pub embed_in_background: bool,
    /// Model for --embed-in-background [default: m3e-small]: a cached name or a model folder.
    #[arg(long)]
    pub model: Option<String>,
    #[command(flatten)]
    pub tuning: crate::Tuning,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let config = match &args.config {
        Some(path) => ServerConfig::read(path).map_err(anyhow::Error::msg)?,
        None => ServerConfig::default(),
    };
    let mut key_configs = config.keys.clone();
    if let Ok(value) = std::env::var(KEYS_ENV) {
        key_configs
            .extend(leian_server::config::keys_from_env(&value).map_err(anyhow::Error::msg)?);
    }
    let keys = leian_server::auth::KeyRing::new(&key_configs).map_err(anyhow::Error::msg)?;
    let index_dir = args
        .index
        .or(config.index.clone())
        .context("no index: pass --index DIR or set `index` in the config file")?;
    let addr = args
        .addr
        .or(config.addr.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".to_string());
    // Refuse a public address without keys before spending time loading the index and the model.
    let addr = leian_server::listen_addr(&addr, !keys.is_empty())?;
    let body_limit = args
        .body_limit
        .or(config.body_limit)
        .unwrap_or(leian_server::DEFAULT_BODY_LIMIT);
    let timeout_secs = args
        .timeout_secs
        .or(config.timeout_secs)
        .unwrap_or(leian_server::DEFAULT_TIMEOUT.as_secs());
    if body_limit == 0 || timeout_secs == 0 {
        anyhow::bail!("the body limit and the request timeout must be positive");
    }
    let cors_origins =
        leian_server::config::parse_origins(&config.cors_origins).map_err(anyhow::Error::msg)?;
    let embed_in_background = args.embed_in_background || config.embed_in_background == Some(true);

    let engine = args.tuning.settings()?;
    let service = leian_service::Service::open(&index_dir, &engine)?;
    let runtime = leian_server::runtime()?;
    let settings = leian_server::Settings {
        limits: leian_server::Limits {
            body_bytes: body_limit,
            request_timeout: Duration::from_secs(timeout_secs),
        },
        keys,
        cors_origins,
        log_queries: config.log_queries,
        engine,
        embed_in_background: embed_in_background.then(|| {
            args.model
                .or(config.model.clone())
                .unwrap_or_else(|| leian_service::models::DEFAULT_MODEL.to_string())
        }),
    };
    let state = leian_server::AppState::new(service, settings);
    leian_server::run(&runtime, addr, state)?;
    Ok(())
}

#[derive(clap::Subcommand)]
pub enum KeysCommand {
    /// Create an API key: prints the key once (give it to the client) and the entry to put in
    /// leian.toml or LEIAN_API_KEYS (only its hash is stored).
    New {
        /// Who will hold the key, e.g. wps-plugin (appears in logs and metrics).
        #[arg(long)]
        name: String,
        /// read (search, documents, reports) or admin (also reload).
        #[arg(long, default_value = "read")]
        scope: leian_server::auth::Scope,
        /// Requests a minute for this key.
        #[arg(long, default_value_t = leian_server::auth::DEFAULT_RATE_PER_MINUTE)]
        rate_per_minute: u32,
    },
    /// Print the stored hash of a key read from stdin (to re-register an existing key).
    Hash,
}

pub fn keys(command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::New {
            name,
            scope,
            rate_per_minute,
        } => {
            if name.trim().is_empty() || name.contains([':', ',', ' ', '"']) {
                anyhow::bail!("--name must be non-empty, without ':', ',', spaces or quotes");
            }
            if rate_per_minute == 0 {
                anyhow::bail!("--rate-per-minute must be positive");
            }
            let key = leian_server::auth::generate_key()?;
            let hash = leian_server::auth::hash_key(&key);
            let scope_name = match scope {
                leian_server::auth::Scope::Read => "read",
                leian_server::auth::Scope::Admin => "admin",
            };
            println!("key (shown once, give it to the client): {key}");
            println!();
            println!("leian.toml:");
            println!("[[keys]]");
            println!("name = \"{name}\"");
            println!("hash = \"{hash}\"");
            println!("scope = \"{scope_name}\"");
            println!("rate_per_minute = {rate_per_minute}");
            println!();
            println!("or {KEYS_ENV}: {name}:{scope_name}:{hash}:{rate_per_minute}");
        }
        KeysCommand::Hash => {
            let mut key = String::new();
            std::io::stdin().read_line(&mut key)?;
            let key = key.trim();
            if key.is_empty() {
                anyhow::bail!("no key on stdin");
            }
            println!("{}", leian_server::auth::hash_key(key));
        }
    }
    Ok(())
}
