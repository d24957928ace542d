//! `/v1/batches`: parallel cases (系列案件) as background jobs. `POST` takes the filings (JSONL,
//! CSV or JSON), validates them at once and answers `202` with the job; the grouping and the
//! precedents run in the background (`batches.rs`); `GET /v1/batches/{id}` gives the progress
//! and then the waves; per wave the judge records the representative case and the demonstrative
//! judgment, after which the referrals (参照调处建议书) of its members can be downloaded.
//!
//! The work is `leian_service::batch` (reading, jobs, referrals); these handlers map requests
//! and errors only.

use crate::AppState;
use crate::batches::MAX_QUEUED_BATCHES;
use crate::error::{ApiError, ApiJson, ErrorBody, code};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use leian_service::ReportFormat;
use leian_service::batch::jobs::{Job, JobOptions, WaveChoice, WaveError};
use leian_service::batch::referral::{self, Referral};
use leian_service::batch::{BatchError, InputFormat, read_filings};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Options of a new batch job (query parameters).
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CreateParams {
    /// Text similarity from which two filings are parallel, 0 to 1 (default 0.5).
    pub threshold: Option<f32>,
    /// Precedents listed per wave, 1 to 100 (default 10).
    pub top_k: Option<u64>,
}

/// The JSON form of a batch (`application/json`); JSONL and CSV bodies hold the same filings.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BatchFilings {
    /// `{"id", "text"}` each, optionally `"parties": {"plaintiffs": [], "defendants": []}` and
    /// `"claims"`.
    #[schema(value_type = Vec<Object>)]
    pub filings: Vec<serde_json::Value>,
}

/// A new batch job, or one read back.
#[derive(Debug, Serialize, ToSchema)]
#[serde(transparent)]
pub struct JobBody(pub Job);

/// Which filing, for the referrals of one member.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatParams {
    /// `html` (default: a self-contained page), `markdown`, or `json` (the referrals' fields).
    pub format: Option<String>,
}

/// The demonstrative judgment chosen for a wave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DemonstrativeBody {
    /// An indexed judgment's id (`GET /v1/judgments/{id}`), e.g. one of the wave's precedents.
    pub judgment_id: String,
}

/// The representative case chosen for a wave.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepresentativeBody {
    /// The id of one of the wave's filings.
    pub filing_id: String,
}

/// A wave's choices after a change.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChoiceResult {
    pub batch: String,
    pub wave: String,
    pub choice: WaveChoice,
}

/// The referrals of a wave as JSON (`format=json`).
#[derive(Debug, Serialize, ToSchema)]
pub struct Referrals {
    pub batch: String,
    pub wave: String,
    pub referrals: Vec<Referral>,
}

/// How the body is written, from its `Content-Type`; plain text or none is recognised by its
/// first line.
fn input_format(headers: &HeaderMap, body: &str) -> Result<InputFormat, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    match content_type.as_deref() {
        Some(
            "application/x-ndjson"
            | "application/jsonl"
            | "application/x-jsonlines"
            | "application/jsonlines"
            | "application/ndjson",
        ) => Ok(InputFormat::Jsonl),
        Some("text/csv") => Ok(InputFormat::Csv),
        Some("application/json") => Ok(InputFormat::Json),
        None | Some("text/plain" | "application/octet-stream") => {
            Ok(InputFormat::detect(None, body))
        }
        Some(other) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            code::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "批量任务的请求体应为 JSONL（application/x-ndjson）、CSV（text/csv）或 JSON（application/json），而不是 {other}"
            ),
        )),
    }
}

fn batch_error(error: BatchError) -> ApiError {
    match &error {
        BatchError::Empty => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::EMPTY_BATCH,
            error.to_string(),
        ),
        BatchError::TooLarge { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::TOO_MANY_FILINGS,
            error.to_string(),
        ),
        _ => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::INVALID_BATCH,
            error.to_string(),
        )
        .with_problems(error.problems()),
    }
}

/// `in_body`: the filing was named in a request body (422) rather than in the path (404).
fn wave_error(error: WaveError, in_body: bool) -> ApiError {
    let message = error.to_string();
    match error {
        WaveError::UnknownJob(_) => {
            ApiError::new(StatusCode::NOT_FOUND, code::BATCH_NOT_FOUND, message)
        }
        WaveError::NotReady { .. } => {
            ApiError::new(StatusCode::CONFLICT, code::BATCH_NOT_READY, message)
        }
        WaveError::UnknownWave { .. } => {
            ApiError::new(StatusCode::NOT_FOUND, code::WAVE_NOT_FOUND, message)
        }
        WaveError::NotMember { .. } => ApiError::new(
            match in_body {
                true => StatusCode::UNPROCESSABLE_ENTITY,
                false => StatusCode::NOT_FOUND,
            },
            code::FILING_NOT_FOUND,
            message,
        ),
        WaveError::NoDemonstrative(_) => {
            ApiError::new(StatusCode::CONFLICT, code::NO_DEMONSTRATIVE, message)
        }
        WaveError::UnknownJudgment(_) => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::JUDGMENT_NOT_FOUND,
            message,
        ),
        WaveError::Service(error) => error.into(),
    }
}

/// A new batch job: the filings are validated now (nothing is stored when a line is wrong),
/// then grouped in the background. Poll the `Location` for progress and the waves.
#[utoipa::path(
    post,
    path = "/v1/batches",
    tag = "batches",
    security((), ("bearer" = [])),
    params(CreateParams),
    request_body(
        description = "The filings: JSONL lines `{\"id\", \"text\"}` (`application/x-ndjson` or `application/jsonl`), a CSV with `id,text` columns (`text/csv`), or `{\"filings\": [...]}` (`application/json`); at most 50,000 filings, 64 MiB",
        content(
            (String = "application/x-ndjson"),
            (String = "text/csv"),
            (BatchFilings = "application/json"),
        )
    ),
    responses(
        (status = 202, description = "The job, queued; `Location` is its address", body = JobBody),
        (status = 413, description = "`too_many_filings` (more than 50,000) or `payload_too_large` (over 64 MiB)", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`empty_batch`; `invalid_batch` with `error.problems` (line and message of each line that does not read: invalid JSON, no id, no text, a duplicate id); `invalid_request` (options out of range)", body = ErrorBody),
        (status = 503, description = "`batch_queue_full` (`Retry-After`), `batches_unavailable`, `overloaded`", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<CreateParams>, QueryRejection>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let jobs = state.batches()?;
    let Query(params) =
        params.map_err(|e| ApiError::invalid(format!("查询参数无效：{}", e.body_text())))?;
    let defaults = JobOptions::default();
    let threshold = params.threshold.unwrap_or(defaults.threshold);
    if !(0.0..=1.0).contains(&threshold) {
        return Err(ApiError::invalid("threshold 应在 0 到 1 之间"));
    }
    let top_k = leian_service::request::checked_top_k(
        "top_k",
        params.top_k.unwrap_or(defaults.top_k as u64),
    )?;
    let text = String::from_utf8(body.to_vec()).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_BATCH,
            "请求体不是 UTF-8 文本：请以 UTF-8 保存 JSONL 或 CSV 文件后再提交",
        )
    })?;
    let format = input_format(&headers, &text)?;
    if jobs.waiting() >= MAX_QUEUED_BATCHES {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::BATCH_QUEUE_FULL,
            format!("已有 {MAX_QUEUED_BATCHES} 个批量任务在排队，请稍后再提交"),
        ));
    }
    let options = JobOptions { threshold, top_k };
    let store = jobs.clone();
    let job = state
        .run_blocking(move || -> Result<Job, ApiError> {
            let filings = read_filings(&text, format).map_err(batch_error)?;
            Ok(store.store.create(&filings, &options)?)
        })
        .await??;
    jobs.enqueue(job.id.clone());
    let location = format!("/v1/batches/{}", job.id);
    let mut response = (StatusCode::ACCEPTED, Json(JobBody(job))).into_response();
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// A batch job: its status (`queued`, `running`, `done`, `failed`), progress, the judge's
/// choices per wave, and when done the waves (the document of `leian batch --json`).
#[utoipa::path(
    get,
    path = "/v1/batches/{id}",
    tag = "batches",
    security((), ("bearer" = [])),
    params(("id" = String, Path, description = "The job's id, from `POST /v1/batches`")),
    responses(
        (status = 200, description = "The job", body = JobBody),
        (status = 404, description = "`batch_not_found`", body = ErrorBody),
    )
)]
pub async fn get_job(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<JobBody>, ApiError> {
    let Path(id) = id?;
    let jobs = state.batches()?;
    let lookup = id.clone();
    let job = state
        .run_blocking(move || jobs.store.get(&lookup))
        .await??;
    job.map(|job| Json(JobBody(job)))
        .ok_or_else(|| wave_error(WaveError::UnknownJob(id), false))
}

/// Chooses the demonstrative judgment (示范判决) of a wave: an indexed judgment, kept whole with
/// the job so that the referrals stay the same when the index changes.
#[utoipa::path(
    put,
    path = "/v1/batches/{id}/waves/{wave}/demonstrative",
    tag = "batches",
    security((), ("bearer" = [])),
    params(
        ("id" = String, Path, description = "The job's id"),
        ("wave" = String, Path, description = "The wave's id, e.g. `W1`"),
    ),
    request_body = DemonstrativeBody,
    responses(
        (status = 200, description = "The wave's choices", body = ChoiceResult),
        (status = 404, description = "`batch_not_found`, `wave_not_found`", body = ErrorBody),
        (status = 409, description = "`batch_not_ready`: the job has not finished", body = ErrorBody),
        (status = 422, description = "`judgment_not_found`: no judgment of that id in the served index; `invalid_request`", body = ErrorBody),
    )
)]
pub async fn choose_demonstrative(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(body): ApiJson<DemonstrativeBody>,
) -> Result<Json<ChoiceResult>, ApiError> {
    let Path((id, wave)) = path?;
    let jobs = state.batches()?;
    let service = state.current();
    let (batch, name) = (id.clone(), wave.clone());
    let choice = state
        .run_blocking(move || {
            jobs.store
                .set_demonstrative(&service, &batch, &name, body.judgment_id.trim())
        })
        .await?
        .map_err(|e| wave_error(e, true))?;
    Ok(Json(ChoiceResult {
        batch: id,
        wave,
        choice,
    }))
}

/// Chooses the representative case (示范性首案) of a wave: one of its members.
#[utoipa::path(
    put,
    path = "/v1/batches/{id}/waves/{wave}/representative",
    tag = "batches",
    security((), ("bearer" = [])),
    params(
        ("id" = String, Path, description = "The job's id"),
        ("wave" = String, Path, description = "The wave's id, e.g. `W1`"),
    ),
    request_body = RepresentativeBody,
    responses(
        (status = 200, description = "The wave's choices", body = ChoiceResult),
        (status = 404, description = "`batch_not_found`, `wave_not_found`", body = ErrorBody),
        (status = 409, description = "`batch_not_ready`", body = ErrorBody),
        (status = 422, description = "`filing_not_found`: not a member of the wave; `invalid_request`", body = ErrorBody),
    )
)]
pub async fn choose_representative(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    ApiJson(body): ApiJson<RepresentativeBody>,
) -> Result<Json<ChoiceResult>, ApiError> {
    let Path((id, wave)) = path?;
    let jobs = state.batches()?;
    let (batch, name) = (id.clone(), wave.clone());
    let choice = state
        .run_blocking(move || {
            jobs.store
                .set_representative(&batch, &name, body.filing_id.trim())
        })
        .await?
        .map_err(|e| wave_error(e, true))?;
    Ok(Json(ChoiceResult {
        batch: id,
        wave,
        choice,
    }))
}

/// The referrals (参照调处建议书) of every member of a wave, against its demonstrative judgment:
/// one HTML page or Markdown document, each member on its own page; or their fields as JSON.
#[utoipa::path(
    get,
    path = "/v1/batches/{id}/waves/{wave}/referrals",
    tag = "batches",
    security((), ("bearer" = [])),
    params(
        ("id" = String, Path, description = "The job's id"),
        ("wave" = String, Path, description = "The wave's id, e.g. `W1`"),
        FormatParams,
    ),
    responses(
        (status = 200, description = "`text/html` (default), `text/markdown`, or JSON with `format=json`", body = Referrals),
        (status = 404, description = "`batch_not_found`, `wave_not_found`", body = ErrorBody),
        (status = 409, description = "`batch_not_ready`, `no_demonstrative`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: unknown format", body = ErrorBody),
    )
)]
pub async fn wave_referrals(
    State(state): State<AppState>,
    path: Result<Path<(String, String)>, PathRejection>,
    format: Result<Query<FormatParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((id, wave)) = path?;
    referrals_response(state, id, wave, None, format).await
}

/// The referral (参照调处建议书) of one member of a wave.
#[utoipa::path(
    get,
    path = "/v1/batches/{id}/waves/{wave}/referrals/{filing}",
    tag = "batches",
    security((), ("bearer" = [])),
    params(
        ("id" = String, Path, description = "The job's id"),
        ("wave" = String, Path, description = "The wave's id, e.g. `W1`"),
        ("filing" = String, Path, description = "A member's id (URL-encoded)"),
        FormatParams,
    ),
    responses(
        (status = 200, description = "`text/html` (default), `text/markdown`, or JSON with `format=json`", body = Referrals),
        (status = 404, description = "`batch_not_found`, `wave_not_found`, `filing_not_found`", body = ErrorBody),
        (status = 409, description = "`batch_not_ready`, `no_demonstrative`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: unknown format", body = ErrorBody),
    )
)]
pub async fn member_referral(
    State(state): State<AppState>,
    path: Result<Path<(String, String, String)>, PathRejection>,
    format: Result<Query<FormatParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Path((id, wave, filing)) = path?;
    referrals_response(state, id, wave, Some(filing), format).await
}

async fn referrals_response(
    state: AppState,
    id: String,
    wave: String,
    filing: Option<String>,
    format: Result<Query<FormatParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(format) =
        format.map_err(|e| ApiError::invalid(format!("查询参数无效：{}", e.body_text())))?;
    // `json` gives the fields; the documents are rendered as the report is.
    let document = match format.format.as_deref().unwrap_or("html") {
        "json" => None,
        other => Some(
            other
                .parse::<ReportFormat>()
                .map_err(|e| ApiError::invalid(format!("format：{e}（或 json）")))?,
        ),
    };
    let jobs = state.batches()?;
    let service = state.current();
    let (batch, name) = (id.clone(), wave.clone());
    let referrals = state
        .run_blocking(move || {
            jobs.store
                .referrals(&service, &batch, &name, filing.as_deref())
        })
        .await?
        .map_err(|e| wave_error(e, false))?;
    let Some(document) = document else {
        return Ok(Json(Referrals {
            batch: id,
            wave,
            referrals,
        })
        .into_response());
    };
    let content_type = match document {
        ReportFormat::Markdown => "text/markdown; charset=utf-8",
        ReportFormat::Html => "text/html; charset=utf-8",
    };
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // The page shows filing text (escaped): it may never run or load anything.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'",
            ),
        ],
        referral::render(&referrals, document),
    )
        .into_response())
}
