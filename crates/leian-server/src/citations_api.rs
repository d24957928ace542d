//! `POST /v1/citations/check`: every statute citation of a draft, checked against the served
//! index's statutes; `POST /v1/drafts/check`: the same, and the draft's outcome compared with
//! similar cases (类案不同判预警).

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody, code};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use leian_legal::CitationReport;
use leian_service::draft_check::DraftCheck;
use serde::Deserialize;
use utoipa::ToSchema;

/// A draft to check.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckBody {
    /// The draft (or any text citing statutes).
    #[schema(
        example = "依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款，《合同法》第五十二条之规定"
    )]
    pub text: String,
}

/// Checks every statute citation of a draft: does the law exist, does the article (款, 项)
/// exist, is it in force.
#[utoipa::path(
    post,
    path = "/v1/citations/check",
    tag = "citations",
    request_body = CheckBody,
    responses(
        (status = 200, description = "The citations found (an empty list when there are none)", body = CitationReport),
        (status = 400, description = "`empty_text` or malformed JSON (`invalid_request`)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields", body = ErrorBody),
        (status = 408, description = "`body_timeout`: the body did not arrive in time (shorter than its Content-Length?)", body = ErrorBody),
        (status = 503, description = "`timeout`, or `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn check(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<Json<CitationReport>, ApiError> {
    let text = draft_text(body)?;
    let service = state.current();
    let report = state
        .run_blocking(move || service.check_citations(&text))
        .await??;
    Ok(Json(report))
}

fn draft_text(body: CheckBody) -> Result<String, ApiError> {
    match body.text.trim().is_empty() {
        true => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::EMPTY_TEXT,
            "草稿文本为空",
        )),
        false => Ok(body.text),
    }
}

/// Checks a draft judgment: its statute citations (the fields of `/v1/citations/check`) and, in
/// `outcome`, its 判决如下 against similar cases: `status` `consistent`, `lighter`, `heavier` or
/// `no_reference` (no 判决如下, an unreadable outcome, too few similar cases: `reason` says which),
/// with the percentile among similar cases, the nearest cases on either side, bounds of the
/// Criminal Law's general part the sentence breaks, and an `alert` for the judge when it departs.
#[utoipa::path(
    post,
    path = "/v1/drafts/check",
    tag = "citations",
    request_body = CheckBody,
    responses(
        (status = 200, description = "`citations` and `outcome`", body = Object),
        (status = 400, description = "`empty_text` or malformed JSON (`invalid_request`)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields", body = ErrorBody),
        (status = 408, description = "`body_timeout`: the body did not arrive in time (shorter than its Content-Length?)", body = ErrorBody),
        (status = 503, description = "`timeout`, or `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn check_draft(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<Json<DraftCheck>, ApiError> {
    let text = draft_text(body)?;
    let service = state.current();
    let report = state
        .run_blocking(move || service.check_draft(&text))
        .await??;
    Ok(Json(report))
}
