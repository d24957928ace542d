//! The one error shape of the API, `{"error":{"code","message"}}`, its stable codes, and the
//! JSON body extractor that turns axum's rejections into it.

use axum::body::Body;
use axum::extract::rejection::{JsonRejection, PathRejection};
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use leian_core::messages::json_message;
use leian_search::SearchError;
use leian_service::ServiceError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// Stable error codes (the `error.code` of every error response).
pub mod code {
    /// The query has no searchable words (empty, spaces, punctuation or stop words only).
    pub const EMPTY_QUERY: &str = "empty_query";
    /// The draft sent for a citation check is empty or blank.
    pub const EMPTY_TEXT: &str = "empty_text";
    /// Malformed JSON, wrong types, unknown fields, values out of range, bad path parameters.
    pub const INVALID_REQUEST: &str = "invalid_request";
    /// The body is larger than the server's limit.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// The body is not declared `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// No such route or document.
    pub const NOT_FOUND: &str = "not_found";
    /// The route exists but not with this method.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// The request took longer than the server's limit.
    pub const TIMEOUT: &str = "timeout";
    /// A route that needs an API key was called without `Authorization: Bearer KEY` (401).
    pub const MISSING_API_KEY: &str = "missing_api_key";
    /// The API key is not one of the server's (401).
    pub const INVALID_API_KEY: &str = "invalid_api_key";
    /// The key's scope does not cover the route: a read key on an admin route (403).
    pub const FORBIDDEN: &str = "forbidden";
    /// The key's rate limit is spent; `Retry-After` says when to come back (429).
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The new index snapshot could not be loaded; the previous one keeps serving (422).
    pub const RELOAD_FAILED: &str = "reload_failed";
    /// A document update holds one document more than once (same id or case number); nothing
    /// was changed (422).
    pub const DUPLICATE_IDS: &str = "duplicate_ids";
    /// The server is at capacity: every worker busy and the queue full; `Retry-After` says when
    /// to come back (503).
    pub const OVERLOADED: &str = "overloaded";
    /// The request line is longer than 64 KiB (414).
    pub const URI_TOO_LONG: &str = "uri_too_long";
    /// The request's headers are too many or too large (431).
    pub const HEADERS_TOO_LARGE: &str = "headers_too_large";
    /// The body did not arrive within the body-read limit, or not as long as its
    /// `Content-Length` said (408).
    pub const BODY_TIMEOUT: &str = "body_timeout";
    /// The server failed; the message says no more than that.
    pub const INTERNAL: &str = "internal";
    /// A shard of the PostgreSQL store is down (503; the message names it). A request with
    /// `"partial": true` is answered from the other shards instead.
    pub const SHARD_UNAVAILABLE: &str = "shard_unavailable";
    /// The database behind the library (the PostgreSQL coordinator) cannot be reached (503).
    pub const STORE_UNAVAILABLE: &str = "store_unavailable";
    /// A batch of filings holds none (422).
    pub const EMPTY_BATCH: &str = "empty_batch";
    /// A batch holds more filings than one job takes (413); split it.
    pub const TOO_MANY_FILINGS: &str = "too_many_filings";
    /// A batch's lines do not read (invalid JSON, no id, no text, duplicate ids, a CSV without
    /// its columns); `error.problems` lists each line (422). Nothing was stored.
    pub const INVALID_BATCH: &str = "invalid_batch";
    /// No batch job with this id (404).
    pub const BATCH_NOT_FOUND: &str = "batch_not_found";
    /// The batch job has not finished grouping yet (409).
    pub const BATCH_NOT_READY: &str = "batch_not_ready";
    /// The batch has no wave with this id (404).
    pub const WAVE_NOT_FOUND: &str = "wave_not_found";
    /// The filing is not a member of the wave (404 in the path, 422 in a body).
    pub const FILING_NOT_FOUND: &str = "filing_not_found";
    /// The judgment named as demonstrative judgment is not in the served index (422).
    pub const JUDGMENT_NOT_FOUND: &str = "judgment_not_found";
    /// Referrals were asked for a wave without a demonstrative judgment (409).
    pub const NO_DEMONSTRATIVE: &str = "no_demonstrative";
    /// Too many batch jobs wait already; `Retry-After` says when to come back (503).
    pub const BATCH_QUEUE_FULL: &str = "batch_queue_full";
    /// The server could not open its batch job store (503); the message says why.
    pub const BATCHES_UNAVAILABLE: &str = "batches_unavailable";
}

/// An error answered to a client.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The lines of a batch that do not read (`invalid_batch`), empty otherwise.
    pub problems: Vec<LineProblem>,
}

pub use leian_service::batch::LineProblem;

/// Problems listed in one error body at most; the message gives their number.
pub const MAX_PROBLEMS: usize = 100;

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code: `empty_query`, `empty_text`, `invalid_request`,
    /// `payload_too_large`, `unsupported_media_type`, `not_found`, `method_not_allowed`,
    /// `timeout`, `missing_api_key`, `invalid_api_key`, `forbidden`, `rate_limited`,
    /// `reload_failed`, `duplicate_ids`, `overloaded`, `uri_too_long`, `headers_too_large`,
    /// `body_timeout`, `internal`; batches: `empty_batch`, `too_many_filings`, `invalid_batch`,
    /// `batch_not_found`, `batch_not_ready`, `wave_not_found`, `filing_not_found`,
    /// `judgment_not_found`, `no_demonstrative`, `batch_queue_full`, `batches_unavailable`.
    pub code: String,
    /// Human-readable explanation (in Chinese).
    pub message: String,
    /// `invalid_batch` only: each line (JSONL, CSV) or filing (JSON) that does not read, with
    /// its 1-based number, the first 100.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<LineProblem>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            problems: Vec::new(),
        }
    }

    /// The same error listing the lines that do not read (the first [`MAX_PROBLEMS`]).
    pub fn with_problems(mut self, problems: &[LineProblem]) -> Self {
        self.problems = problems.iter().take(MAX_PROBLEMS).cloned().collect();
        self
    }

    /// A well-formed request whose values are not acceptable (422).
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::INVALID_REQUEST,
            message,
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code::NOT_FOUND, message)
    }

    /// A server failure. The cause is logged (it never contains request bodies); the client
    /// gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(%cause, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            code::INTERNAL,
            "服务器内部错误",
        )
    }

    /// Every worker busy and the queue full (503 with `Retry-After: 1`).
    pub fn overloaded() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            code::OVERLOADED,
            "服务器繁忙：处理中和排队的请求已满，请稍后重试",
        )
    }

    /// The error a bare status of a layer or of axum itself stands for.
    pub fn from_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::NOT_FOUND => (code::NOT_FOUND, "没有这个接口"),
            StatusCode::METHOD_NOT_ALLOWED => (code::METHOD_NOT_ALLOWED, "此接口不接受该请求方法"),
            StatusCode::PAYLOAD_TOO_LARGE => (code::PAYLOAD_TOO_LARGE, "请求体过大"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                code::UNSUPPORTED_MEDIA_TYPE,
                "请求体必须是 application/json",
            ),
            StatusCode::REQUEST_TIMEOUT | StatusCode::SERVICE_UNAVAILABLE => {
                (code::TIMEOUT, "请求处理超时")
            }
            s if s.is_client_error() => (code::INVALID_REQUEST, "请求无效"),
            _ => (code::INTERNAL, "服务器内部错误"),
        };
        Self::new(status, code, message)
    }

    /// The serialised JSON body.
    pub fn json_body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.body()).expect("an error body serialises")
    }

    fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_string(),
                message: self.message.clone(),
                problems: self.problems.clone(),
            },
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code, self.status, self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, axum::Json(self.body())).into_response();
        let retry_after = match self.code {
            code::OVERLOADED => Some("1"),
            // A batch job takes seconds to minutes: the queue does not free up sooner.
            code::BATCH_QUEUE_FULL => Some("30"),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(seconds),
            );
        }
        response
    }
}

impl From<SearchError> for ApiError {
    fn from(error: SearchError) -> Self {
        match error {
            SearchError::EmptyQuery => ApiError::new(
                StatusCode::BAD_REQUEST,
                code::EMPTY_QUERY,
                error.to_string(),
            ),
            SearchError::Invalid(message) => ApiError::invalid(message),
            SearchError::Unavailable(message) => ApiError::internal(message),
            SearchError::Store(leian_core::StoreError::ShardUnavailable { shard, detail }) => {
                // The database's own words (hosts, ports) go to the log, not to the client.
                tracing::warn!(%shard, %detail, "a shard is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::SHARD_UNAVAILABLE,
                    format!(
                        "分片 {shard} 无法访问，检索结果会缺少其上的文书：请稍后重试，或在请求中设 \"partial\": true 取得其余分片的结果"
                    ),
                )
            }
            SearchError::Store(leian_core::StoreError::Unavailable(detail)) => {
                tracing::warn!(%detail, "the store is unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    code::STORE_UNAVAILABLE,
                    "文书库所在的数据库暂时无法访问：请稍后重试；如持续出现，请通知管理员检查 PostgreSQL 协调节点"
                        .to_string(),
                )
            }
            SearchError::Store(leian_core::StoreError::DeadlineExceeded) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code::TIMEOUT,
                leian_core::deadline::DeadlineExceeded.to_string(),
            ),
            SearchError::Store(e) => ApiError::internal(e),
        }
    }
}

impl From<ServiceError> for ApiError {
    fn from(error: ServiceError) -> Self {
        match error {
            ServiceError::Search(error) => error.into(),
            ServiceError::Invalid(message) => ApiError::invalid(message),
            ServiceError::NotFound(message) => ApiError::not_found(message),
            ServiceError::Duplicate(message) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                code::DUPLICATE_IDS,
                message,
            ),
            ServiceError::DeadlineExceeded(error) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code::TIMEOUT,
                error.to_string(),
            ),
            other => ApiError::internal(other),
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let code = match status {
            StatusCode::PAYLOAD_TOO_LARGE => code::PAYLOAD_TOO_LARGE,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => code::UNSUPPORTED_MEDIA_TYPE,
            s if s.is_server_error() => return ApiError::internal(rejection.body_text()),
            _ => code::INVALID_REQUEST,
        };
        // serde_json's messages name the field, the expected type and the position; they may
        // quote a short piece of the offending value, which goes back to its sender only.
        let message = match &rejection {
            JsonRejection::JsonDataError(e) => match std::error::Error::source(e) {
                Some(source) => json_message(&source.to_string()),
                None => "请求体的 JSON 内容不符合接口要求".to_string(),
            },
            JsonRejection::JsonSyntaxError(e) => match std::error::Error::source(e) {
                Some(source) => format!(
                    "请求体不是有效的 JSON（UTF-8）：{}",
                    json_message(&source.to_string())
                ),
                None => "请求体不是有效的 JSON（UTF-8）".to_string(),
            },
            JsonRejection::MissingJsonContentType(_) => {
                "请求体必须以 Content-Type: application/json 发送".to_string()
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => "请求体过大".to_string(),
            _ => "无法读取请求体".to_string(),
        };
        ApiError::new(status, code, message)
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        match rejection.status() {
            s if s.is_server_error() => ApiError::internal(rejection.body_text()),
            s => ApiError::new(s, code::INVALID_REQUEST, path_message(&rejection)),
        }
    }
}

/// What is wrong with a path parameter, in Chinese.
fn path_message(rejection: &PathRejection) -> String {
    use axum::extract::path::ErrorKind;
    let PathRejection::FailedToDeserializePathParams(error) = rejection else {
        return format!("路径参数无效：{}", rejection.body_text());
    };
    match error.kind() {
        ErrorKind::InvalidUtf8InPathParam { key } => {
            format!("路径参数 `{key}` 解码后不是有效的 UTF-8")
        }
        ErrorKind::ParseErrorAtKey {
            key,
            value,
            expected_type,
        } => format!("路径参数 `{key}` 的值 `{value}` 无法解析为 {expected_type}"),
        ErrorKind::ParseError {
            value,
            expected_type,
        }
        | ErrorKind::ParseErrorAtIndex {
            value,
            expected_type,
            ..
        } => format!("路径参数 `{value}` 无法解析为 {expected_type}"),
        ErrorKind::DeserializeError {
            key,
            value,
            message,
        } => format!(
            "路径参数 `{key}` 的值 `{value}` 无效：{}",
            json_message(message)
        ),
        _ => format!("路径参数无效：{}", error.body_text()),
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(rejection.into()),
        }
    }
}

/// Middleware: every error response that is not already JSON (axum's 405, the body limit's 413,
/// the timeout's 503, …) gets the API's JSON error body, keeping its status and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let body = serde_json::to_vec(&ApiError::from_status(status).body())
        .expect("an error body serialises");
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(body))
}

/// Fallback for unknown routes.
pub async fn no_route() -> ApiError {
    ApiError::not_found("没有这个接口")
}
