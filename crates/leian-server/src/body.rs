//! Reading a request's body before its work starts, within a time limit of its own.
//!
//! Handlers used to read the body inside the request's time limit: a client that declared a
//! longer `Content-Length` than it sent held its request until the work timeout answered
//! `503 timeout` — the server's fault by the status, the client's in truth. Here the body is
//! read whole first: a body that stops coming within [`BodyLimits::read_timeout`] is `408
//! body_timeout`, one cut short by the client `400`, one over the limit `413`; the work's own
//! time limit starts once the body is in.

use crate::error::{ApiError, code};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::time::Duration;

/// The body limits of a group of routes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimits {
    /// Largest body, in bytes.
    pub bytes: usize,
    /// Longest a client may take to send the whole body.
    pub read_timeout: Duration,
}

/// Middleware: reads the whole body under `limits`, then runs the request with it.
pub async fn read_whole(
    State(limits): State<BodyLimits>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let read = tokio::time::timeout(
        limits.read_timeout,
        axum::body::to_bytes(body, limits.bytes),
    );
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(error)) if over_limit(&error) => {
            return ApiError::from_status(StatusCode::PAYLOAD_TOO_LARGE).into_response();
        }
        Ok(Err(_)) => {
            return ApiError::new(
                StatusCode::BAD_REQUEST,
                code::INVALID_REQUEST,
                "请求体不完整：连接在请求体发完之前中断",
            )
            .into_response();
        }
        Err(_) => {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                code::BODY_TIMEOUT,
                format!(
                    "请求体未在 {} 秒内发完（是否少于 Content-Length 所声明的长度？）",
                    limits.read_timeout.as_secs_f64()
                ),
            )
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Whether reading failed because the body is larger than the limit.
fn over_limit(error: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(error) = source {
        if error
            .downcast_ref::<http_body_util::LengthLimitError>()
            .is_some()
        {
            return true;
        }
        source = error.source();
    }
    false
}
