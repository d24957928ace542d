//! The connection under hyper, with the API's error shape on hyper's own refusals.
//!
//! hyper answers a request it cannot parse by itself, before any of our code runs: 400 (bad
//! method, header or version), 414 (request line over 64 KiB) and 431 (too many or too large
//! headers), each with an empty body, then closes the connection. hyper has no hook for these
//! answers, so [`JsonRefusals`] wraps the socket and rewrites such a response head, as hyper
//! writes it, into the same status with the API's JSON error body. A response is recognised as
//! hyper's own by its status and the absence of a `content-type` header: every error the API
//! itself answers is JSON (`error::json_errors`), so nothing of ours matches.

use crate::error::{ApiError, code};
use axum::http::StatusCode;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A socket whose hyper-generated refusals carry a JSON body.
pub struct JsonRefusals<S> {
    inner: S,
    /// The replacement being written and how much of it is out; `claimed` is the length of
    /// hyper's buffer it stands for, reported as written once the replacement is out.
    replacing: Option<Replacement>,
}

struct Replacement {
    bytes: Vec<u8>,
    written: usize,
    claimed: usize,
}

impl<S> JsonRefusals<S> {
    pub fn new(inner: S) -> Self {
        JsonRefusals {
            inner,
            replacing: None,
        }
    }
}

/// The error hyper's bare refusal with this head stands for, if it is one.
fn refusal(head: &[u8]) -> Option<ApiError> {
    let status = head.strip_prefix(b"HTTP/1.1 ")?.get(..3)?;
    let error = match status {
        b"400" => ApiError::new(
            StatusCode::BAD_REQUEST,
            code::INVALID_REQUEST,
            "无法解析的 HTTP 请求（请求行、方法或请求头格式错误）",
        ),
        b"414" => ApiError::new(
            StatusCode::URI_TOO_LONG,
            code::URI_TOO_LONG,
            "请求路径过长（上限 64 KiB）",
        ),
        b"431" => ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            code::HEADERS_TOO_LARGE,
            "请求头过大或过多",
        ),
        _ => return None,
    };
    let end = head.windows(4).position(|w| w == b"\r\n\r\n")?;
    let lower = head[..end].to_ascii_lowercase();
    let has_body = lower.windows(13).any(|w| w == b"content-type:")
        || !lower.windows(18).any(|w| w == b"content-length: 0\r");
    (!has_body).then_some(error)
}

/// The complete response that replaces a bare refusal.
fn json_response(error: &ApiError) -> Vec<u8> {
    let body = error.json_body();
    let reason = error.status.canonical_reason().unwrap_or("");
    let mut response = format!(
        "HTTP/1.1 {} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        error.status.as_u16(),
        body.len()
    )
    .into_bytes();
    response.extend_from_slice(&body);
    response
}

impl<S: AsyncRead + Unpin> AsyncRead for JsonRefusals<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for JsonRefusals<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.replacing.is_none() {
            match refusal(buf) {
                // hyper writes the head of its refusal in one buffer (vectored writes are off
                // below, so it never splits a head across buffers).
                Some(error) => {
                    this.replacing = Some(Replacement {
                        bytes: json_response(&error),
                        written: 0,
                        claimed: buf.len(),
                    })
                }
                None => return Pin::new(&mut this.inner).poll_write(cx, buf),
            }
        }
        let replacement = this.replacing.as_mut().expect("set above");
        // hyper calls again with the same buffer while this is pending.
        while replacement.written < replacement.bytes.len() {
            let rest = &replacement.bytes[replacement.written..];
            let n = ready!(Pin::new(&mut this.inner).poll_write(cx, rest))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            replacement.written += n;
        }
        let claimed = replacement.claimed;
        this.replacing = None;
        Poll::Ready(Ok(claimed))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bare_refusals_are_rewritten() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(refusal(bare).map(|e| e.code), Some(code::HEADERS_TOO_LARGE));
        let ours = b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 52\r\n\r\n{}";
        assert!(refusal(ours).is_none());
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n";
        assert!(refusal(ok).is_none());
        let response = String::from_utf8(json_response(&refusal(bare).unwrap())).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 431 "), "{head}");
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(json["error"]["code"], "headers_too_large");
    }
}
