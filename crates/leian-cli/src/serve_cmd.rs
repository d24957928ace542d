//! `leian serve`: the HTTP API over one index snapshot (see `crates/leian-server`), configured by
//! flags, `--config leian.toml` and `LEIAN_API_KEYS`; and `leian keys new`.

use anyhow::Context;
use leian_server::config::{KEYS_ENV, ServerConfig};
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ServeArgs {
    /// 索引快照文件夹（由 `leian index` 建立）；也可在配置文件中设 `index`
    #[arg(long, conflicts_with = "store")]
    pub index: Option<PathBuf>,
    /// 改由 PostgreSQL 集群提供文库（postgres://…，由 `leian index --to` 写入）；配置文件中的 index 也可写连接地址
    #[arg(long, value_name = "URL")]
    pub store: Option<String>,
    /// 监听地址 [默认：127.0.0.1:8080]。非回环地址须配置 API 密钥
    #[arg(long)]
    pub addr: Option<String>,
    /// 配置文件（TOML）：index、addr、body_limit、timeout_secs、queue_wait_ms、cors_origins、log_queries、embed_in_background、batch_store、[[keys]]。命令行参数优先于配置文件
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// 请求体的最大字节数 [默认：1048576]
    #[arg(long)]
    pub body_limit: Option<usize>,
    /// 单个请求的最长处理时间（秒）[默认：10]
    #[arg(long)]
    pub timeout_secs: Option<u64>,
    /// 请求等待空闲工作线程的最长时间（毫秒），超过即答 503 overloaded [默认：500]。由 PostgreSQL 集群提供文库、单个请求需时较长时宜调大
    #[arg(long)]
    pub queue_wait_ms: Option<u64>,
    /// 索引没有向量时在后台计算向量（可续算、有缓存），完成后切换为混合检索；期间由 BM25应答
    #[arg(long)]
    pub embed_in_background: bool,
    /// --embed-in-background 使用的模型 [默认：m3e-small]：已缓存的模型名或模型文件夹
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
    if let Some(url) = args
        .store
        .as_deref()
        .filter(|u| !leian_pg::is_postgres_url(u))
    {
        anyhow::bail!("--store 须是 PostgreSQL 连接地址（postgres://…），现为“{url}”");
    }
    let index_dir = args
        .index
        .or(args.store.map(PathBuf::from))
        .or(config.index.clone())
        .context("未指定索引：请传入 --index DIR，或在配置文件中设置 `index`")?;
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
    let queue_wait_ms = args
        .queue_wait_ms
        .or(config.queue_wait_ms)
        .unwrap_or(leian_server::DEFAULT_QUEUE_WAIT.as_millis() as u64);
    if body_limit == 0 || timeout_secs == 0 || queue_wait_ms == 0 {
        anyhow::bail!("请求体上限、请求超时和排队等待时间都必须为正数");
    }
    if queue_wait_ms >= timeout_secs.saturating_mul(1000) {
        anyhow::bail!(
            "排队等待时间（{queue_wait_ms} 毫秒）须短于请求超时（{timeout_secs} 秒）：否则请求可能排队到超时仍未处理"
        );
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
            queue_wait: Duration::from_millis(queue_wait_ms),
            ..leian_server::Limits::default()
        },
        keys,
        cors_origins,
        log_queries: config.log_queries,
        engine,
        batch_store: config.batch_store.clone(),
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
    /// 新建 API 密钥：密钥只显示一次（交给客户端），并给出写入 leian.toml 或 LEIAN_API_KEYS的条目（只保存其哈希）
    New {
        /// 密钥持有者，如 wps-plugin（出现在日志和监控指标中）
        #[arg(long)]
        name: String,
        /// read（检索、文书、报告）或 admin（另可重载索引）
        #[arg(long, default_value = "read")]
        scope: leian_server::auth::Scope,
        /// 该密钥每分钟可发的请求数
        #[arg(long, default_value_t = leian_server::auth::DEFAULT_RATE_PER_MINUTE)]
        rate_per_minute: u32,
    },
    /// 从标准输入读取密钥，输出其存储用的哈希（用于重新登记已有密钥）
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
                anyhow::bail!("--name 不能为空，且不得含“:”“,”、空格或引号");
            }
            if rate_per_minute == 0 {
                anyhow::bail!("--rate-per-minute 必须为正数");
            }
            let key = leian_server::auth::generate_key()?;
            let hash = leian_server::auth::hash_key(&key);
            let scope_name = match scope {
                leian_server::auth::Scope::Read => "read",
                leian_server::auth::Scope::Admin => "admin",
            };
            println!("密钥（只显示这一次，请交给客户端）：{key}");
            println!();
            println!("写入 leian.toml：");
            println!("[[keys]]");
            println!("name = \"{name}\"");
            println!("hash = \"{hash}\"");
            println!("scope = \"{scope_name}\"");
            println!("rate_per_minute = {rate_per_minute}");
            println!();
            println!("或写入 {KEYS_ENV}：{name}:{scope_name}:{hash}:{rate_per_minute}");
        }
        KeysCommand::Hash => {
            let mut key = String::new();
            std::io::stdin().read_line(&mut key)?;
            let key = key.trim();
            if key.is_empty() {
                anyhow::bail!("标准输入中没有密钥");
            }
            println!("{}", leian_server::auth::hash_key(key));
        }
    }
    Ok(())
}
