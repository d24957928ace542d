//! `POST /v1/report`: the 类案检索报告 (SPC Art. 8) for a fact summary, as Markdown or HTML.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody};
use axum::Json;
use axum::extract::State;
use leian_search::Mode;
use leian_service::request::checked_top_k;
use leian_service::{CourtBody, FilterBody, ReportFormat, Requester, ResearchRequest};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What the report is about and who asks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// The pending case's fact summary.
    pub text: String,
    /// The judge or assistant who searched (检索人).
    #[serde(default)]
    pub searcher: Option<String>,
    /// The requesting court (检索法院); also orders the cases by authority.
    #[serde(default)]
    pub court: Option<CourtBody>,
    /// `markdown` or `html` (a self-contained page with the 参照 / 参考 / 不予参考 fields).
    #[serde(default = "default_format")]
    pub format: String,
    #[serde(default)]
    pub mode: Mode,
    /// Similar judgments in the report, 1 to 100.
    #[serde(default = "default_top_k")]
    pub top_k: u64,
    #[serde(default)]
    pub filters: FilterBody,
    /// Recommend statutes by statute linking (default true).
    #[serde(default = "default_linking")]
    pub linking: bool,
}

fn default_format() -> String {
    "html".into()
}

fn default_top_k() -> u64 {
    10
}

fn default_linking() -> bool {
    true
}

/// The rendered report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResult {
    /// `markdown` or `html`.
    pub format: String,
    /// The document.
    pub content: String,
    /// The index snapshot searched.
    pub snapshot_id: String,
    /// The mode that answered.
    pub mode: Mode,
}

/// A 类案检索报告: searcher, court, time, platform, methods, the pending case and its disputed
/// issues, the cases by authority tier with their key holdings and a 参照 / 参考 / 不予参考
/// field each, the recommended statutes and the outcome distribution.
#[utoipa::path(
    post,
    path = "/v1/report",
    tag = "search",
    security((), ("bearer" = [])),
    request_body = ReportBody,
    responses(
        (status = 200, description = "The report", body = ReportResult),
        (status = 400, description = "`empty_query` or malformed JSON", body = ErrorBody),
        (status = 408, description = "`body_timeout`: the body did not arrive in time (shorter than its Content-Length?)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields, bad values", body = ErrorBody),
        (status = 503, description = "`timeout`, or `overloaded` (every worker busy and the queue full, or no worker free within half a second; `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn report(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<ReportBody>,
) -> Result<Json<ReportResult>, ApiError> {
    let format: ReportFormat = body
        .format
        .parse()
        .map_err(|e: String| ApiError::invalid(format!("format：{e}")))?;
    let court = body.court.as_ref().map(CourtBody::to_context).transpose()?;
    let request = ResearchRequest {
        top_k: checked_top_k("top_k", body.top_k)?,
        mode: body.mode,
        filters: body.filters.to_filters()?,
        court: court.clone(),
        linking: body.linking,
        ..ResearchRequest::new(body.text)
    };
    let requester = Requester {
        searcher: body.searcher.filter(|s| !s.trim().is_empty()),
        court: court.and_then(|c| c.court.or(c.province)),
    };
    let service = state.current();
    let report = state
        .run_blocking(move || service.report(&request, requester))
        .await??;
    Ok(Json(ReportResult {
        format: format.name().to_string(),
        content: report.render(format),
        snapshot_id: report.meta.platform.snapshot_id.clone(),
        mode: report.research.mode,
    }))
}
