//! `leian serve`: the HTTP API over one index snapshot (see `crates/leian-server`).

use anyhow::Context;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// Index snapshot folder (built with `leian index`).
    #[arg(long)]
    pub index: PathBuf,
    /// Address to listen on. Loopback only until API keys exist.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Largest request body in bytes.
    #[arg(long, default_value_t = leian_server::DEFAULT_BODY_LIMIT)]
    pub body_limit: usize,
    /// Longest a request may take, in seconds.
    #[arg(long, default_value_t = leian_server::DEFAULT_TIMEOUT.as_secs())]
    pub timeout_secs: u64,
}

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    // Refuse a public address before spending time loading the index and the model.
    let addr = leian_server::loopback_addr(&args.addr)?;
    if args.body_limit == 0 || args.timeout_secs == 0 {
        anyhow::bail!("--body-limit and --timeout-secs must be positive");
    }
    let manifest = leian_index::Manifest::read(&args.index)
        .with_context(|| format!("cannot open the index {}", args.index.display()))?;
    // Query texts are personal data: no on-disk query embedding cache.
    let engine = crate::open_engine(
        &args.index,
        &crate::Tuning::default(),
        leian_search::Mode::Hybrid,
        false,
    )?;
    let index = leian_server::ServedIndex {
        engine,
        snapshot_id: manifest.snapshot_id,
        docs: manifest.docs,
    };
    let limits = leian_server::Limits {
        body_bytes: args.body_limit,
        request_timeout: Duration::from_secs(args.timeout_secs),
    };
    leian_server::run(addr, index, limits)?;
    Ok(())
}
