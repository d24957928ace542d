//! The Leian HTTP API (axum): `POST /v1/search`, `POST /v1/citations/check`,
//! `GET /v1/judgments/{id}`, `GET /v1/statutes/{id}`, `GET /v1/health`, `GET /v1/ready` and
//! `GET /openapi.json`.
//!
//! The served index sits behind an [`ArcSwap`], so a new snapshot can replace it while requests
//! in flight finish on the old one ([`AppState::replace`]). Every error is
//! `{"error":{"code","message"}}` with a stable code ([`error::code`]). Requests are logged with
//! method, route, status and latency only: fact summaries are personal data and are never logged.

pub mod citations_api;
pub mod documents_api;
pub mod error;
pub mod health_api;
pub mod search_api;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use leian_core::CorpusStats;
use leian_search::Engine;
use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, LazyLock};
use std::time::{Duration, Instant};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use utoipa::OpenApi;

/// Default request body limit: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;
/// Default time limit of a request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// One loaded index: the engine and what `/v1/ready` says about it.
pub struct ServedIndex {
    pub engine: Engine,
    pub snapshot_id: String,
    pub docs: CorpusStats,
}

/// Request limits.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest request body, in bytes (413 above).
    pub body_bytes: usize,
    /// Longest a request may take (503 `timeout` after).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: DEFAULT_BODY_LIMIT,
            request_timeout: DEFAULT_TIMEOUT,
        }
    }
}

/// What every handler shares: the current index (swappable) and the limits.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    index: ArcSwap<ServedIndex>,
    limits: Limits,
}

impl AppState {
    pub fn new(index: ServedIndex, limits: Limits) -> Self {
        let index = Arc::new(index);
        warm_up(index.clone());
        AppState {
            shared: Arc::new(Shared {
                index: ArcSwap::new(index),
                limits,
            }),
        }
    }

    /// The index serving now. Hold the `Arc` for a whole request, so a swap in the middle of it
    /// does not mix two snapshots.
    pub fn current(&self) -> Arc<ServedIndex> {
        self.shared.index.load_full()
    }

    /// Serves `index` from now on and returns the one it replaces; requests already running
    /// finish on the old one, which is dropped with its last request.
    pub fn replace(&self, index: ServedIndex) -> Arc<ServedIndex> {
        let index = Arc::new(index);
        warm_up(index.clone());
        self.shared.index.swap(index)
    }

    pub fn limits(&self) -> &Limits {
        &self.shared.limits
    }
}

/// Reads the statute catalog of a newly served index in the background (seconds for a full
/// statute collection), so that the first citation check does not wait for it.
fn warm_up(index: Arc<ServedIndex>) {
    std::thread::spawn(move || {
        if let Err(error) = index.engine.store().statute_catalog() {
            tracing::warn!(%error, "reading the statute catalog failed");
        }
    });
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Leian",
        description = "类案 — similar-case retrieval for Chinese courts. Every error is `{\"error\":{\"code\",\"message\"}}`."
    ),
    paths(
        search_api::search,
        citations_api::check,
        documents_api::judgment,
        documents_api::statute,
        health_api::health,
        health_api::ready,
    ),
    components(schemas(
        error::ErrorBody,
        search_api::HitSchema,
        search_api::SnippetSchema,
        citations_api::CheckedCitationSchema
    )),
    tags(
        (name = "search", description = "Similar judgments and applicable statute articles for a fact summary"),
        (name = "citations", description = "Statute citations of a draft checked against the index"),
        (name = "documents", description = "Stored documents by id"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
struct ApiDoc;

/// The OpenAPI description of this API.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

static OPENAPI_JSON: LazyLock<serde_json::Value> =
    LazyLock::new(|| serde_json::to_value(openapi()).expect("the OpenAPI document serialises"));

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(OPENAPI_JSON.clone())
}

/// The API's routes with their middleware: JSON errors everywhere, request logging, the time
/// limit and the body limit of `state.limits()`.
pub fn router(state: AppState) -> Router {
    let limits = state.limits().clone();
    Router::new()
        .route("/v1/search", post(search_api::search))
        .route("/v1/citations/check", post(citations_api::check))
        .route("/v1/judgments/{id}", get(documents_api::judgment))
        .route("/v1/statutes/{id}", get(documents_api::statute))
        .route("/v1/health", get(health_api::health))
        .route("/v1/ready", get(health_api::ready))
        .route("/openapi.json", get(openapi_json))
        .fallback(error::no_route)
        .with_state(state)
        .layer(DefaultBodyLimit::max(limits.body_bytes))
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn(error::json_errors))
        .layer(middleware::from_fn(log_request))
}

/// Logs method, route template, status and latency; never the body, the query string or the
/// raw path.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".to_string());
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let latency_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
    if response.status().is_server_error() {
        tracing::warn!(%method, %route, status, latency_ms, "request");
    } else {
        tracing::info!(%method, %route, status, latency_ms, "request");
    }
    response
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot resolve address '{0}': {1}")]
    Resolve(String, String),
    #[error(
        "refusing to listen on {0}: API keys are required for non-loopback binding, and API keys are not implemented yet; bind to 127.0.0.1 or [::1]"
    )]
    NotLoopback(String),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Resolves `addr` (`127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`) and refuses anything that
/// is not a loopback address: without API keys, the read routes are open to whoever can connect.
pub fn loopback_addr(addr: &str) -> Result<SocketAddr, ServeError> {
    let resolved: Vec<SocketAddr> = addr
        .to_socket_addrs()
        .map_err(|e| ServeError::Resolve(addr.to_string(), e.to_string()))?
        .collect();
    match resolved.first() {
        None => Err(ServeError::Resolve(
            addr.to_string(),
            "no address".to_string(),
        )),
        Some(_) if resolved.iter().any(|a| !a.ip().is_loopback()) => {
            Err(ServeError::NotLoopback(addr.to_string()))
        }
        Some(first) => Ok(*first),
    }
}

/// Serves the API on `listener` until `shutdown` completes, then lets requests in flight finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
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

/// Runs the server on `addr` (which must be loopback, see [`loopback_addr`]) until Ctrl-C or
/// SIGTERM: builds the runtime, binds, prints the URL, serves.
pub fn run(addr: SocketAddr, index: ServedIndex, limits: Limits) -> Result<(), ServeError> {
    if !addr.ip().is_loopback() {
        return Err(ServeError::NotLoopback(addr.to_string()));
    }
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // Searches run on the blocking pool; more threads than cores only queue CPU work.
        .max_blocking_threads(cores * 2)
        .build()?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let local = listener.local_addr()?;
        let snapshot = index.snapshot_id.clone();
        tracing::warn!(
            "no API keys are configured: the read routes are unauthenticated (listening on loopback only)"
        );
        println!("leian: serving snapshot {snapshot} on http://{local}/ (Ctrl-C to stop)");
        serve(
            listener,
            AppState::new(index, limits),
            shutdown_signal(),
        )
        .await?;
        println!("leian: stopped");
        Ok(())
    })
}
