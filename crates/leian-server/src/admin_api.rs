//! The admin routes (admin scope): `POST /v1/admin/reload` switches to a new index snapshot
//! without a restart; `POST /v1/admin/documents` and `DELETE /v1/admin/documents/{id}` update
//! the served snapshot (daily updates, `leian_service::updating`) and switch to the result.

use crate::error::{ApiError, ErrorBody, code};
use crate::{AppState, Reloaded};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use leian_service::Silent;
use leian_service::updating::{Additions, UpdateOutcome, add_judgments, remove_documents};
use serde::Deserialize;
use std::path::PathBuf;
use utoipa::ToSchema;

/// Optional body: which snapshot folder to load.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReloadBody {
    /// Snapshot folder on the server; default: the folder being served (which `leian index
    /// --out` replaces atomically).
    pub index: Option<String>,
}

/// Loads a snapshot and swaps it in atomically: requests in flight finish on the old one. A
/// snapshot that fails to load leaves the old one serving.
#[utoipa::path(
    post,
    path = "/v1/admin/reload",
    tag = "admin",
    request_body(content = Option<ReloadBody>, description = "Empty, or `{\"index\": FOLDER}`"),
    responses(
        (status = 200, description = "The new snapshot serves", body = Reloaded),
        (status = 401, description = "`missing_api_key` / `invalid_api_key`", body = ErrorBody),
        (status = 403, description = "`forbidden`: a read key", body = ErrorBody),
        (status = 422, description = "`reload_failed`: the old snapshot keeps serving", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn reload(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Reloaded>, ApiError> {
    // The body is optional, so it is parsed here rather than by the JSON extractor, which
    // would demand a content type for an empty body.
    let request: ReloadBody = if body.iter().all(u8::is_ascii_whitespace) {
        ReloadBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError::invalid(format!(
                "请求体不是有效的重载请求：{}",
                leian_core::messages::json_message(&e.to_string())
            ))
        })?
    };
    let folder = match request.index {
        Some(index) if index.trim().is_empty() => {
            return Err(ApiError::invalid("index 必须是索引快照文件夹"));
        }
        other => other.map(PathBuf::from),
    };
    state.reload(folder).await.map(Json).map_err(|message| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::RELOAD_FAILED,
            format!("{message}；仍由原快照提供服务"),
        )
    })
}

/// The media types `POST /v1/admin/documents` reads.
const DOCUMENT_TYPES: &[&str] = &["application/json", "application/x-ndjson"];

/// Adds judgments to the served index, or replaces those indexed under the same id or case
/// number (案号), then switches to the new snapshot as a reload does. Duplicate ids, a malformed
/// record or an empty body change nothing. Only the new judgments are embedded.
#[utoipa::path(
    post,
    path = "/v1/admin/documents",
    tag = "admin",
    request_body(
        content(
            (String = "application/x-ndjson"),
            (Object = "application/json"),
        ),
        description = "Judgments as JSON lines (one Leian, LeCaRD or CAIL2018 record a line), or one JSON judgment (or an array of them); fields: `corpus/SCHEMA.md`",
    ),
    responses(
        (status = 200, description = "Published and served", body = UpdateOutcome),
        (status = 401, description = "`missing_api_key` / `invalid_api_key`", body = ErrorBody),
        (status = 403, description = "`forbidden`: a read key", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`: neither JSON nor JSON lines", body = ErrorBody),
        (status = 422, description = "`invalid_request` (empty body, a malformed record), `duplicate_ids` (one judgment twice), `reload_failed`; nothing changed (but for `reload_failed`, whose snapshot is published)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn add_documents(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<UpdateOutcome>, ApiError> {
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase());
    if !media_type.is_some_and(|t| DOCUMENT_TYPES.contains(&t.as_str())) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::UNSUPPORTED_MEDIA_TYPE,
            "请求体必须以 Content-Type: application/json 或 application/x-ndjson 发送",
        ));
    }
    state
        .update(move |index| {
            let additions = Additions::Body {
                bytes: &body,
                origin: "POST /v1/admin/documents",
            };
            add_judgments(index, additions, 1, &Silent)
        })
        .await
        .map(Json)
}

/// Removes a document (judgment or statute article) from the served index, then switches to
/// the new snapshot as a reload does.
#[utoipa::path(
    delete,
    path = "/v1/admin/documents/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "Document id (URL-encoded)")),
    responses(
        (status = 200, description = "Published and served", body = UpdateOutcome),
        (status = 401, description = "`missing_api_key` / `invalid_api_key`", body = ErrorBody),
        (status = 403, description = "`forbidden`: a read key", body = ErrorBody),
        (status = 404, description = "`not_found`: no document with this id; nothing changed", body = ErrorBody),
        (status = 422, description = "`reload_failed`: published, but the old snapshot keeps serving", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn remove_document(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<UpdateOutcome>, ApiError> {
    let id = id?.0;
    state
        .update(move |index| remove_documents(index, &[id], 1, &Silent))
        .await
        .map(Json)
}
