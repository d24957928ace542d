//! The Leian HTTP API (axum): `POST /v1/search`, `POST /v1/citations/check`,
//! `POST /v1/drafts/check`,
//! `GET /v1/judgments/{id}`, `GET /v1/statutes/{id}`, `GET /v1/health`, `GET /v1/ready`,
//! the batch jobs (`POST /v1/batches`, `GET /v1/batches/{id}`, the waves' representative,
//! demonstrative judgment and referrals),
//! `POST /v1/admin/reload`, `POST /v1/admin/documents`, `DELETE /v1/admin/documents/{id}`,
//! `GET /metrics`, `GET /openapi.json` and the API page `GET /api`;
//! API keys with scopes and rate limits ([`auth`]), CORS, the configuration file ([`config`]).
//!
//! The served index sits behind an [`ArcSwap`], so a new snapshot can replace it while requests
//! in flight finish on the old one ([`AppState::replace`]). Every error is
//! `{"error":{"code","message"}}` with a stable code ([`error::code`]). Requests are logged with
//! method, route, status and latency only: fact summaries are personal data and are never logged.
//!
//! ```
//! // The OpenAPI document is derived from the real request and response types.
//! let api = serde_json::to_value(leian_server::openapi()).unwrap();
//! assert!(api["paths"]["/v1/search"]["post"].is_object());
//! assert!(api["components"]["schemas"]["ResearchQuery"].is_object());
//! assert!(api["components"]["schemas"]["Research"].is_object());
//! assert!(api["paths"]["/v1/batches"]["post"].is_object());
//! assert!(api["paths"]["/v1/batches/{id}/waves/{wave}/demonstrative"]["put"].is_object());
//! assert!(api["components"]["schemas"]["Referral"].is_object());
//! ```

pub mod admin_api;
pub mod admission;
pub mod auth;
pub mod batches;
pub mod batches_api;
pub mod body;
pub mod citations_api;
pub mod config;
pub mod documents_api;
pub mod error;
pub mod health_api;
pub mod metrics;
pub mod report_api;
pub mod search_api;
mod tasks;
pub mod web;
pub mod wire;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware;
use axum::routing::{delete, get, post, put};
use leian_service::updating::UpdateOutcome;
use leian_service::{EngineSettings, Service};
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

/// The runtime the server runs on (built by [`runtime`]).
pub use tokio::runtime::{Handle as RuntimeHandle, Runtime};

/// Default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
/// Default time limit of a request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// Body limit of the document updates (a night's judgments), when the server's is lower.
pub const UPDATE_BODY_LIMIT: usize = 64 << 20;
/// Time limit of the document updates (new judgments are embedded), when the server's is lower.
/// An update whose client gave up still finishes and is served.
pub const UPDATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// Body limit of a new batch job (50,000 filings of about a page each), when the server's is
/// lower.
pub const BATCH_BODY_LIMIT: usize = 64 << 20;
/// Time to send and store a new batch job, when the server's is lower: the grouping itself runs
/// in the background.
pub const BATCH_TIMEOUT: Duration = Duration::from_secs(120);

/// Request limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, in bytes (413 above).
    pub body_bytes: usize,
    /// Longest a request's work may take once its body is in (503 `timeout` after).
    pub request_timeout: Duration,
    /// Longest a client may take to send a request's headers; the connection is closed after.
    /// hyper also counts it from the end of each response on a kept-alive connection, so it is
    /// the idle timeout as well.
    pub header_read_timeout: Duration,
    /// Longest a client may take to send a request's body (408 `body_timeout` after).
    pub body_read_timeout: Duration,
    /// Longest a request waits for a worker (503 `overloaded` after).
    pub queue_wait: Duration,
    /// Open connections at most; further clients wait in the listen backlog. Keeps idle
    /// sockets from using up the process's file descriptors (1,024 by default).
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_TIMEOUT,
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            body_read_timeout: DEFAULT_BODY_READ_TIMEOUT,
            queue_wait: admission::DEFAULT_MAX_WAIT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// Default [`Limits::queue_wait`].
pub const DEFAULT_QUEUE_WAIT: Duration = admission::DEFAULT_MAX_WAIT;
/// Default [`Limits::header_read_timeout`].
pub const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`Limits::body_read_timeout`]: a 1 MiB body takes milliseconds on a court network.
pub const DEFAULT_BODY_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Default [`Limits::max_connections`]: half the usual descriptor limit, leaving the rest to the
/// index files, the log and the embedding cache.
pub const DEFAULT_MAX_CONNECTIONS: usize = 512;

/// Everything about the server but the index.
#[derive(Default)]
pub struct Settings {
    pub limits: Limits,
    /// API keys; none means development mode (loopback only, no authentication).
    pub keys: auth::KeyRing,
    /// Origins allowed to call from a browser; none sends no CORS headers.
    pub cors_origins: Vec<HeaderValue>,
    /// Log fact summaries at debug level.
    pub log_queries: bool,
    /// How snapshots are opened on reload (`POST /v1/admin/reload`, SIGHUP): ranking parameters
    /// and the query encoder's settings.
    pub engine: EngineSettings,
    /// Embed every served snapshot that has no vectors with this model, in the background
    /// (BM25 answers meanwhile; progress in `/v1/ready`).
    pub embed_in_background: Option<String>,
    /// The SQLite file of the batch jobs; default: beside the index folder
    /// (`leian_service::batch::jobs::store_path`), in memory when the index has no folder.
    pub batch_store: Option<PathBuf>,
}

impl From<Limits> for Settings {
    fn from(limits: Limits) -> Self {
        Settings {
            limits,
            ..Settings::default()
        }
    }
}

/// What every handler shares: the current index (swappable), settings and metrics.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    index: ArcSwap<Service>,
    settings: Settings,
    metrics: metrics::Metrics,
    /// One reload at a time: two concurrent ones would race to be the last swap.
    reloading: tokio::sync::Mutex<()>,
    /// One document update at a time (the index's lock queues them too, but on blocked threads).
    updating: tokio::sync::Mutex<()>,
    /// What the server runs in the background (embedding), for `/v1/ready`.
    tasks: tasks::Tasks,
    /// CPU-bound request work: bounded running and waiting (see `admission.rs`).
    admission: admission::Admission,
    /// Batch jobs (`/v1/batches`), or why their store could not be opened.
    batches: Result<Arc<batches::BatchJobs>, String>,
}

/// The outcome of a reload.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Reloaded {
    /// Snapshot served from now on.
    pub snapshot_id: String,
    /// Snapshot it replaced.
    pub previous_snapshot_id: String,
    /// Folder it was loaded from.
    pub index: String,
    pub docs: health_api::DocCounts,
    /// Embedding model of the new snapshot, null without vectors.
    pub model: Option<String>,
    pub took_ms: f64,
}

impl AppState {
    /// Serves `index`; starts background embedding when the settings ask for it.
    pub fn new(index: Service, settings: impl Into<Settings>) -> Self {
        warm_up(&index);
        let index = Arc::new(index);
        let settings = settings.into();
        let admission = admission::Admission::for_this_machine(settings.limits.queue_wait);
        let store = settings
            .batch_store
            .clone()
            .or_else(|| batches::default_path(&index.path));
        let batches = batches::BatchJobs::open(store).inspect_err(|error| {
            tracing::error!(%error, "the batch job store did not open; /v1/batches answers 503");
        });
        let state = AppState {
            shared: Arc::new(Shared {
                index: ArcSwap::new(index),
                settings,
                metrics: metrics::Metrics::default(),
                reloading: tokio::sync::Mutex::new(()),
                updating: tokio::sync::Mutex::new(()),
                tasks: tasks::Tasks::default(),
                admission,
                batches,
            }),
        };
        if let Ok(jobs) = &state.shared.batches {
            batches::start_worker(jobs.clone(), Arc::downgrade(&state.shared));
        }
        state.record_index();
        tasks::embed_if_needed(&state);
        state
    }

    fn record_index(&self) {
        let index = self.current();
        self.shared
            .metrics
            .index_loaded(index.docs.judgments, index.docs.statutes, index.bytes);
    }

    /// Runs a request's CPU-bound work once a worker is free, under the request's deadline
    /// (its long loops stop there, see `leian_core::deadline`); `503 overloaded` when too many
    /// requests already wait.
    pub async fn run_blocking<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, error::ApiError> {
        let deadline = Instant::now() + self.limits().request_timeout;
        self.shared
            .admission
            .run(move || leian_core::deadline::within(deadline, job))
            .await
    }

    /// The index serving now. Hold the `Arc` for a whole request, so a swap in the middle of it
    /// does not mix two snapshots.
    pub fn current(&self) -> Arc<Service> {
        self.shared.index.load_full()
    }

    /// Serves `index` from now on and returns the one it replaces; requests already running
    /// finish on the old one, which is dropped with its last request.
    pub fn replace(&self, index: Service) -> Arc<Service> {
        let index = Arc::new(index);
        let old = self.shared.index.swap(index);
        self.record_index();
        old
    }

    /// Opens the snapshot in `folder` (default: the folder being served, which `leian index
    /// --out` replaces atomically) and swaps it in. A snapshot that fails to load leaves the old
    /// one serving; the error is returned and logged.
    pub async fn reload(&self, folder: Option<PathBuf>) -> Result<Reloaded, String> {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let started = Instant::now();
        let outcome = async {
            let folder = folder.unwrap_or_else(|| self.current().source());
            let settings = self.shared.settings.engine.clone();
            tokio::task::spawn_blocking(move || {
                let index = Service::open(&folder, &settings).map_err(|e| e.to_string())?;
                warm_up(&index);
                Ok::<_, String>(index)
            })
            .await
            .map_err(|e| format!("加载快照失败：{e}"))?
        }
        .await;
        self.shared.metrics.reload(outcome.is_ok());
        let index = outcome.inspect_err(|error| {
            tracing::error!(%error, "reload failed; the previous snapshot keeps serving");
        })?;
        let reloaded = Reloaded {
            snapshot_id: index.snapshot_id.clone(),
            previous_snapshot_id: String::new(),
            index: index.source_display(),
            docs: health_api::DocCounts {
                judgments: index.docs.judgments,
                statutes: index.docs.statutes,
            },
            model: index.engine.dense_model(),
            took_ms: 0.0,
        };
        let previous = self.replace(index);
        let reloaded = Reloaded {
            previous_snapshot_id: previous.snapshot_id.clone(),
            took_ms: (started.elapsed().as_secs_f64() * 1e4).round() / 10.0,
            ..reloaded
        };
        tracing::warn!(
            snapshot = %reloaded.snapshot_id,
            previous = %reloaded.previous_snapshot_id,
            took_ms = reloaded.took_ms,
            "reloaded the index"
        );
        tasks::embed_if_needed(self);
        Ok(reloaded)
    }

    /// Runs `job` (an update of the served folder, `leian_service::updating`) on the blocking
    /// pool, then serves its snapshot as a reload does. The job runs to its end even when the
    /// client goes away, so a published update is always served.
    pub async fn update<F>(&self, job: F) -> Result<UpdateOutcome, error::ApiError>
    where
        F: FnOnce(&std::path::Path) -> leian_service::Result<UpdateOutcome> + Send + 'static,
    {
        let state = self.clone();
        let task = tokio::spawn(async move {
            let _one_at_a_time = state.shared.updating.lock().await;
            let folder = state.current().path.clone();
            if folder.as_os_str().is_empty() {
                return Err(error::ApiError::invalid(
                    "服务器提供的索引不是快照文件夹，无法更新",
                ));
            }
            let outcome = tokio::task::spawn_blocking(move || job(&folder))
                .await
                .map_err(error::ApiError::internal)??;
            if outcome.snapshot_id != outcome.previous_snapshot_id {
                state.reload(None).await.map_err(|message| {
                    error::ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        error::code::RELOAD_FAILED,
                        format!(
                            "快照 {} 已发布，但未能加载：{message}；仍由原快照提供服务",
                            outcome.snapshot_id
                        ),
                    )
                })?;
            }
            Ok(outcome)
        });
        task.await.map_err(error::ApiError::internal)?
    }

    /// What runs in the background (`None` when nothing does).
    pub fn activity(&self) -> Option<String> {
        self.shared.tasks.activity()
    }

    pub(crate) fn tasks(&self) -> &tasks::Tasks {
        &self.shared.tasks
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.shared.settings
    }

    pub fn limits(&self) -> &Limits {
        &self.shared.settings.limits
    }

    pub fn keys(&self) -> &auth::KeyRing {
        &self.shared.settings.keys
    }

    pub fn metrics(&self) -> &metrics::Metrics {
        &self.shared.metrics
    }

    pub fn log_queries(&self) -> bool {
        self.shared.settings.log_queries
    }

    /// The batch jobs, or `503 batches_unavailable` with why their store did not open.
    pub fn batches(&self) -> Result<Arc<batches::BatchJobs>, error::ApiError> {
        self.shared.batches.clone().map_err(|reason| {
            error::ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                error::code::BATCHES_UNAVAILABLE,
                format!("批量任务不可用：{reason}"),
            )
        })
    }
}

/// Reads the statute catalog of an index before it is served (about a second for every statute
/// of LawRefBook): read lazily, the first citation check after a start or a reload waited for it.
fn warm_up(index: &Service) {
    if let Err(error) = index.engine.store().statute_catalog() {
        tracing::warn!(%error, "reading the statute catalog failed");
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leian",
        description = "类案 — similar-case retrieval for Chinese courts. Every error is `{\"error\":{\"code\",\"message\"}}`."
    ),
    paths(
        search_api::search,
        report_api::report,
        citations_api::check,
        citations_api::check_draft,
        documents_api::judgment,
        documents_api::statute,
        health_api::health,
        health_api::ready,
        admin_api::reload,
        admin_api::add_documents,
        admin_api::remove_document,
        batches_api::create,
        batches_api::get_job,
        batches_api::choose_demonstrative,
        batches_api::choose_representative,
        batches_api::wave_referrals,
        batches_api::member_referral,
    ),
    components(schemas(
        error::ErrorBody,
        Reloaded,
        UpdateOutcome,
        leian_service::updating::Replacement,
        leian_search::Hit,
        leian_search::Snippet,
        leian_service::ResearchHit,
        leian_service::StatuteHits,
        leian_legal::CheckedCitation,
        leian_legal::CitationStatus,
        leian_service::batch::jobs::Job,
        leian_service::batch::Batch,
        leian_service::batch::referral::Referral,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "search", description = "Similar judgments and applicable statute articles for a fact summary"),
        (name = "citations", description = "A draft's statute citations checked against the index, and its outcome against similar cases"),
        (name = "documents", description = "Stored documents by id"),
        (name = "batches", description = "Parallel cases (系列案件): a batch of filings grouped into waves in the background, the judge's representative case and demonstrative judgment per wave, and the 类案调解 referrals (read scope)"),
        (name = "health", description = "Liveness and readiness"),
        (name = "admin", description = "Operations (admin scope): reload the index, add, replace and remove documents"),
    )
)]
struct ApiDoc;

/// Declares the `Authorization: Bearer KEY` scheme the routes refer to.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from `leian keys new` (read or admin scope). Not needed when the server runs without keys (loopback development mode).",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI description of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

static OPENAPI_JSON: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::to_value(openapi()).expect("the OpenAPI document serialises"));

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(OPENAPI_JSON.clone())
}

/// The API's routes with their middleware. From the outside in: CORS (answers preflights
/// itself), metrics and the request log, JSON errors, the body limit, API keys, reading the
/// body (its own time limit), the work's time limit.
pub fn router(state: AppState) -> Router {
    let limits = state.limits().clone();
    let cors_origins = state.shared.settings.cors_origins.clone();
    // Body and time limits per group: a night's judgments are larger and slower than a query.
    let queries = (
        body::BodyLimits {
            bytes: limits.body_bytes,
            read_timeout: limits.body_read_timeout,
        },
        limits.request_timeout,
    );
    let updates = (
        body::BodyLimits {
            bytes: limits.body_bytes.max(UPDATE_BODY_LIMIT),
            read_timeout: limits.body_read_timeout.max(UPDATE_TIMEOUT),
        },
        limits.request_timeout.max(UPDATE_TIMEOUT),
    );
    // Each route under the scope it needs (the page, its assets, liveness and the API
    // description need no key); the key is checked before the body is read, so a stranger
    // cannot make the server buffer an update's 64 MiB.
    let group = |routes: Router<AppState>,
                 needed: Option<auth::Scope>,
                 (body_limits, timeout): (body::BodyLimits, Duration)| {
        let routes = routes
            .route_layer(TimeoutLayer::with_status_code(
                StatusCode::SERVICE_UNAVAILABLE,
                timeout,
            ))
            .route_layer(middleware::from_fn_with_state(
                body_limits,
                body::read_whole,
            ));
        let routes = match needed {
            Some(needed) => routes.route_layer(middleware::from_fn_with_state(
                auth::RouteScope {
                    state: state.clone(),
                    needed,
                },
                auth::authorize,
            )),
            None => routes,
        };
        routes
            .layer(DefaultBodyLimit::max(body_limits.bytes))
            .layer(RequestBodyLimitLayer::new(body_limits.bytes))
    };
    let read = Router::new()
        .route("/v1/search", post(search_api::search))
        .route("/v1/citations/check", post(citations_api::check))
        .route("/v1/drafts/check", post(citations_api::check_draft))
        .route("/v1/report", post(report_api::report))
        .route("/v1/judgments/{id}", get(documents_api::judgment))
        .route("/v1/statutes/{id}", get(documents_api::statute))
        .route("/v1/ready", get(health_api::ready))
        .route("/metrics", get(metrics::metrics));
    // Batches need the read scope, as searches and reports do: a job only reads the index and
    // writes its own rows of the job store, and choosing a wave's representative or
    // demonstrative judgment is the judge's workflow on that job, not a change to what the
    // server serves (the admin scope guards reloads and document updates). Judges' pages and
    // plugins hold read keys.
    let batch_reads = Router::new()
        .route("/v1/batches/{id}", get(batches_api::get_job))
        .route(
            "/v1/batches/{id}/waves/{wave}/demonstrative",
            put(batches_api::choose_demonstrative),
        )
        .route(
            "/v1/batches/{id}/waves/{wave}/representative",
            put(batches_api::choose_representative),
        )
        .route(
            "/v1/batches/{id}/waves/{wave}/referrals",
            get(batches_api::wave_referrals),
        )
        .route(
            "/v1/batches/{id}/waves/{wave}/referrals/{filing}",
            get(batches_api::member_referral),
        );
    let batch_uploads = Router::new().route("/v1/batches", post(batches_api::create));
    let uploads = (
        body::BodyLimits {
            bytes: limits.body_bytes.max(BATCH_BODY_LIMIT),
            read_timeout: limits.body_read_timeout.max(BATCH_TIMEOUT),
        },
        limits.request_timeout.max(BATCH_TIMEOUT),
    );
    let admin = Router::new().route("/v1/admin/reload", post(admin_api::reload));
    let document_updates = Router::new()
        .route("/v1/admin/documents", post(admin_api::add_documents))
        .route(
            "/v1/admin/documents/{id}",
            delete(admin_api::remove_document),
        );
    let public = Router::new()
        .route("/v1/health", get(health_api::health))
        .route("/openapi.json", get(openapi_json))
        .merge(web::routes());
    let router = group(read, Some(auth::Scope::Read), queries)
        .merge(group(batch_reads, Some(auth::Scope::Read), queries))
        .merge(group(batch_uploads, Some(auth::Scope::Read), uploads))
        .merge(group(admin, Some(auth::Scope::Admin), queries))
        .merge(group(public, None, queries))
        .merge(group(document_updates, Some(auth::Scope::Admin), updates))
        .fallback(error::no_route)
        .layer(middleware::from_fn(error::json_errors))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            metrics::observe,
        ))
        .with_state(state);
    if cors_origins.is_empty() {
        return router;
    }
    router.layer(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(cors_origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
            .max_age(Duration::from_secs(3600)),
    )
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("无法解析地址“{0}”：{1}")]
    Resolve(String, String),
    #[error(
        "拒绝在 {0} 上监听：未配置 API 密钥，任何能连接的人都能检索。请配置密钥（先运行 `leian keys new`，再写入 leian.toml 的 [[keys]] 或 LEIAN_API_KEYS），或只绑定 127.0.0.1 / [::1]"
    )]
    NotLoopback(String),
    #[error("服务器出错：{}", leian_core::messages::io_error(.0))]
    Io(#[from] std::io::Error),
}

/// Resolves `addr` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`, `0.0.0.0:8080`). Without
/// API keys, anything that is not a loopback address is refused: the read routes would be open
/// to whoever can connect.
pub fn listen_addr(addr: &str, has_keys: bool) -> Result<SocketAddr, ServeError> {
    let resolved: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| ServeError::Resolve(addr.to_string(), leian_core::messages::io_error(&e)))?
        .collect();
    match resolved.first() {
        None => Err(ServeError::Resolve(
            addr.to_string(),
            "没有可用的地址".to_string(),
        )),
        Some(_) if !has_keys && resolved.iter().any(|a| !a.ip().is_loopback()) => {
            Err(ServeError::NotLoopback(addr.to_string()))
        }
        Some(first) => Ok(*first),
    }
}

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight finish.
///
/// Written on hyper rather than `axum::serve`, which sets neither a header-read timeout nor a
/// connection limit: 1,050 idle sockets stopped all service (`accept error: Too many open
/// files`) and a partial header was held for minutes. Here a connection must send its headers
/// within [`Limits::header_read_timeout`], at most [`Limits::max_connections`] are open (the
/// rest wait in the backlog), and a failed accept backs off instead of spinning.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let limits = state.limits().clone();
    let app = router(state);
    let max_connections = connection_cap(limits.max_connections);
    let open = Arc::new(tokio::sync::Semaphore::new(max_connections));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        let place = tokio::select! {
            place = open.clone().acquire_owned() => place.map_err(std::io::Error::other)?,
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = graceful
            .watch(http.serve_connection(TokioIo::new(wire::JsonRefusals::new(stream)), service));
        tokio::spawn(async move {
            let _place = place;
            if let Err(error) = connection.await {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
    drop(listener);
    // Requests in flight finish (their work is bounded by admission); a client that keeps a
    // request open longer does not hold the process.
    let grace = limits.request_timeout + Duration::from_secs(5);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("connections still open at shutdown were closed");
    }
    Ok(())
}

/// Descriptors kept for what is not a connection: index segments, vectors, the log, the
/// embedding cache, a reload opening a second snapshot beside the first.
const RESERVED_DESCRIPTORS: u64 = 256;

/// `wanted` connections, or fewer where the process's descriptor limit could not hold them
/// beside [`RESERVED_DESCRIPTORS`] — with a warning, since the limit then caps the service.
/// The soft limit is first raised to the hard one (what a process may do by itself): at the
/// usual 1,024, 1,050 idle sockets once stopped all service.
fn connection_cap(wanted: usize) -> usize {
    let wanted = wanted.max(1);
    let Some(limit) = raise_descriptor_limit() else {
        return wanted;
    };
    let room = limit.saturating_sub(RESERVED_DESCRIPTORS).max(1);
    let room = usize::try_from(room).unwrap_or(usize::MAX);
    if room < wanted {
        tracing::warn!(
            "文件描述符上限只有 {limit}：同时连接数由 {wanted} 降为 {room}（可用 ulimit -n 或 systemd 的 LimitNOFILE 提高）"
        );
        return room;
    }
    if limit < 4_096 {
        tracing::info!("文件描述符上限 {limit}，同时连接数上限 {wanted}");
    }
    wanted
}

/// The descriptor limit after raising the soft limit to the hard one; `None` where unknown.
#[cfg(unix)]
fn raise_descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return None;
        }
        if limit.rlim_cur < limit.rlim_max {
            let raised = libc::rlimit {
                rlim_cur: limit.rlim_max,
                rlim_max: limit.rlim_max,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                limit = raised;
            }
        }
    }
    // rlim_t is u64 on Linux, another width elsewhere.
    #[allow(clippy::useless_conversion)]
    Some(u64::try_from(limit.rlim_cur).unwrap_or(u64::MAX))
}

#[cfg(not(unix))]
fn raise_descriptor_limit() -> Option<u64> {
    None
}

/// Pending connections the kernel holds for `accept` (capped by `net.core.somaxconn`).
pub const LISTEN_BACKLOG: u32 = 4096;

/// A listening socket on `addr` with a backlog of [`LISTEN_BACKLOG`]. The standard library's
/// 128 overflowed when 500 clients connected at once: the dropped connection attempts were retried
/// by the clients' kernels 1, 3, 7 s later, so some requests took 10 s however fast the server.
pub fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // As the standard library does: a restarted server binds at once despite TIME_WAIT.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {}
        _ = terminate => {}
    }
}

/// Reloads the index on every SIGHUP, like `POST /v1/admin/reload` without a body.
#[cfg(unix)]
pub fn reload_on_sighup(state: AppState) -> std::io::Result<()> {
    let mut hangups = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while hangups.recv().await.is_some() {
            // Success and failure are both logged by `reload`.
            let _ = state.reload(None).await;
        }
    });
    Ok(())
}

/// Builds the runtime the server runs on.
pub fn runtime() -> std::io::Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Searches run on the blocking pool; more threads than cores only queue CPU work.
        .max_blocking_threads(cores * 2)
        .build()
}

/// Runs the server on `addr` until Ctrl-C or SIGTERM: binds, prints the URL, serves, reloads on
/// SIGHUP. Tasks spawned on `runtime` before (background embedding) keep running beside it.
pub fn run(
    runtime: &tokio::runtime::Runtime,
    addr: SocketAddr,
    state: AppState,
) -> Result<(), ServeError> {
    if state.keys().is_empty() && !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr.to_string()));
    }
    use std::io::Write as _;
    runtime.block_on(async move {
        let listener = listen(addr)?;
        let local = listener.local_addr()?;
        if state.keys().is_empty() {
            tracing::warn!("未配置 API 密钥：所有接口无需认证即可访问（因此只监听本机回环地址）");
        }
        #[cfg(unix)]
        reload_on_sighup(state.clone())?;
        tasks::embed_if_needed(&state);
        let snapshot = state.current().snapshot_id.clone();
        // Standard output may be closed (`leian serve | head -1`): a failed write is not a
        // reason to stop serving, nor to panic at shutdown.
        let _ = writeln!(
            std::io::stdout(),
            "leian：正在提供快照 {snapshot}，地址 http://{local}/（按 Ctrl-C 停止）"
        );
        serve(listener, state, shutdown_signal()).await?;
        let _ = writeln!(std::io::stdout(), "leian：已停止");
        Ok(())
    })
}
