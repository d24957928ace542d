//! `POST /v1/search`: a fact summary in, the research out — similar judgments in authority order
//! with explanations, outcomes, statute articles and the query's analysis.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody};
use axum::Json;
use axum::extract::State;
use leian_service::{Research, ResearchQuery, ResearchRequest};

/// Searches judgments and/or statute articles with a fact summary.
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "search",
    security((), ("bearer" = [])),
    request_body = ResearchQuery,
    responses(
        (status = 200, description = "The research: judgments, statutes, outcomes, analysis", body = Research),
        (status = 400, description = "`empty_query` or malformed JSON (`invalid_request`)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields, bad values", body = ErrorBody),
        (status = 408, description = "`body_timeout`: the body did not arrive in time (shorter than its Content-Length?)", body = ErrorBody),
        (status = 503, description = "`timeout`, `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`), `shard_unavailable` (a shard of the PostgreSQL store is down; the message names it; send `partial: true` for the other shards' results), or `store_unavailable` (the PostgreSQL coordinator cannot be reached)", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    ApiJson(query): ApiJson<ResearchQuery>,
) -> Result<Json<Research>, ApiError> {
    if state.log_queries() {
        // Opt-in only (`log_queries` in leian.toml): fact summaries are personal data.
        tracing::debug!(text = %query.text, "search query");
    }
    let request = ResearchRequest::try_from(query)?;
    let service = state.current();
    let research = state
        .run_blocking(move || service.research(&request))
        .await??;
    Ok(Json(research))
}
