//! `POST /v1/admin/reload` (admin scope): switch to a new index snapshot without a restart.

use crate::error::{ApiError, ErrorBody, code};
use crate::{AppState, Reloaded};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
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
