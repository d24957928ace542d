//! `GET /v1/judgments/{id}` and `GET /v1/statutes/{id}`: one stored document.

use crate::AppState;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use leian_core::{Document, Kind};
use serde::Serialize;
use utoipa::ToSchema;

/// A stored document as indexed: a judgment or a statute article, tagged by `kind`
/// (fields: `corpus/SCHEMA.md`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
#[schema(value_type = Object)]
pub struct DocumentBody(pub Document);

/// A judgment by id.
#[utoipa::path(
    get,
    path = "/v1/judgments/{id}",
    tag = "documents",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Judgment id (URL-encoded), e.g. `lecard-1001`")),
    responses(
        (status = 200, description = "The stored judgment", body = DocumentBody),
        (status = 404, description = "`not_found`: no judgment with this id", body = ErrorBody),
        (status = 503, description = "`timeout`, or `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn judgment(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<DocumentBody>, ApiError> {
    document(state, id?.0, Kind::Judgment).await
}

/// A statute article by id.
#[utoipa::path(
    get,
    path = "/v1/statutes/{id}",
    tag = "documents",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "Article id (URL-encoded), e.g. `中华人民共和国刑法第264条`")),
    responses(
        (status = 200, description = "The stored statute article", body = DocumentBody),
        (status = 404, description = "`not_found`: no statute article with this id", body = ErrorBody),
        (status = 503, description = "`timeout`, or `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn statute(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<DocumentBody>, ApiError> {
    document(state, id?.0, Kind::Statute).await
}

async fn document(state: AppState, id: String, kind: Kind) -> Result<Json<DocumentBody>, ApiError> {
    let index = state.current();
    let lookup = id.clone();
    let found = state
        .run_blocking(move || index.engine.store().document(&lookup))
        .await?
        .map_err(ApiError::internal)?;
    match found {
        Some(document) if document.kind() == kind => Ok(Json(DocumentBody(document))),
        _ => {
            let what = match kind {
                Kind::Judgment => "裁判文书",
                Kind::Statute => "法条",
            };
            Err(ApiError::not_found(format!("没有 id 为“{id}”的{what}")))
        }
    }
}
