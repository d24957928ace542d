//! `POST /v1/citations/check`: every statute citation of a draft, checked against the served
//! index's statutes.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody, code};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use leian_search::{CheckError, CitationReport, check_citations};
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

/// Every citation found, in text order.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only: the library's `CitationReport` is what is serialised
pub struct CitationReportSchema {
    citations: Vec<CheckedCitationSchema>,
}

/// One citation and what its check found.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct CheckedCitationSchema {
    /// The citation as written; the law name is included for the first article after it.
    #[schema(example = "《合同法》第五十二条")]
    text: String,
    /// Byte offsets of `text` in the submitted `text`.
    start: u64,
    end: u64,
    /// Full official law name, also when the draft used a short one.
    #[schema(example = "中华人民共和国合同法")]
    law: String,
    /// Canonical article: Arabic numbers, 之一 kept, then 款 and 项 (`第133条之一第1款第2项`),
    /// ranges `第25条至第27条`; null for a whole law or a malformed reference.
    #[schema(example = "第52条")]
    article: Option<String>,
    /// valid, article_not_found, law_not_found, repealed, amended or malformed.
    #[schema(example = "repealed")]
    status: String,
    /// For the judge, in Chinese.
    #[schema(
        example = "《中华人民共和国合同法》已自2021-01-01起由《中华人民共和国民法典》第1260条废止，请改引现行法律"
    )]
    message: String,
    /// Nearest valid articles, likely law names, or the replacing law, written as citations.
    suggestions: Vec<String>,
}

/// Checks every statute citation of a draft: does the law exist, does the article (款, 项)
/// exist, is it in force.
#[utoipa::path(
    post,
    path = "/v1/citations/check",
    tag = "citations",
    request_body = CheckBody,
    responses(
        (status = 200, description = "The citations found (an empty list when there are none)", body = CitationReportSchema),
        (status = 400, description = "`empty_text` or malformed JSON (`invalid_request`)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields", body = ErrorBody),
        (status = 503, description = "`timeout`", body = ErrorBody),
    )
)]
pub async fn check(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CheckBody>,
) -> Result<Json<CitationReport>, ApiError> {
    let index = state.current();
    let report =
        tokio::task::spawn_blocking(move || check_citations(index.engine.store(), &body.text))
            .await
            .map_err(ApiError::internal)?;
    match report {
        Ok(report) => Ok(Json(report)),
        Err(CheckError::EmptyText) => Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            code::EMPTY_TEXT,
            "the text is empty",
        )),
        Err(CheckError::Store(e)) => Err(ApiError::internal(e)),
    }
}
