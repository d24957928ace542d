//! `GET /v1/health` (the process answers) and `GET /v1/ready` (an index is loaded, and which).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use leian_search::Mode;
use serde::Serialize;
use utoipa::ToSchema;

/// Liveness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// What is being served.
#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// Id of the index snapshot being served.
    pub snapshot_id: String,
    pub docs: DocCounts,
    /// Embedding model of the dense vectors, null when dense search is unavailable.
    pub model: Option<String>,
    /// Modes answered as asked (`dense` and `hybrid` need vectors and the model).
    pub modes: Vec<Mode>,
    /// Work running in the background, e.g. embedding progress before hybrid search is on.
    pub background: Option<String>,
}

/// Documents in the served snapshot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocCounts {
    pub judgments: u64,
    pub statutes: u64,
}

/// The server process is up.
#[utoipa::path(
    get,
    path = "/v1/health",
    tag = "health",
    responses((status = 200, description = "Up", body = Health))
)]
pub async fn health() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// The served index and what it can answer.
#[utoipa::path(
    get,
    path = "/v1/ready",
    tag = "health",
    responses((status = 200, description = "Ready to search", body = Ready))
)]
pub async fn ready(State(state): State<AppState>) -> Json<Ready> {
    let index = state.current();
    let model = index.engine.dense_model();
    let modes = match model {
        Some(_) => vec![Mode::Bm25, Mode::Dense, Mode::Hybrid],
        None => vec![Mode::Bm25],
    };
    Json(Ready {
        status: "ready",
        snapshot_id: index.snapshot_id.clone(),
        docs: DocCounts {
            judgments: index.docs.judgments,
            statutes: index.docs.statutes,
        },
        model,
        modes,
        background: state.activity(),
    })
}
