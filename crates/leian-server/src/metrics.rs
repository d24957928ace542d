//! `GET /metrics` (Prometheus / OpenMetrics text): requests and latency by route template, method
//! and status class; what the served index holds; reloads, unauthenticated requests and rate-limit
//! refusals. Also the request log, which shares the measurement.
//!
//! Every label comes from a fixed set (route templates, nine methods or `other`, five status
//! classes, configured key names), so no client can grow `/metrics`: random 60 KB methods once
//! made it hundreds of megabytes. Requests refused for want of a valid key are only counted.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KeyLabels {
    key: String,
}

/// The server's metrics and the registry that renders them.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    index_documents: Family<KindLabels, Gauge>,
    index_bytes: Gauge,
    reloads: Family<OutcomeLabels, Counter>,
    rate_limited: Family<KeyLabels, Counter>,
    unauthenticated: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        // 0.5 ms … 8 s: BM25 answers in milliseconds, hybrid in tens to hundreds.
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 2.0, 15))
        });
        let index_documents = Family::<KindLabels, Gauge>::default();
        let index_bytes = Gauge::default();
        let reloads = Family::<OutcomeLabels, Counter>::default();
        let rate_limited = Family::<KeyLabels, Counter>::default();
        let unauthenticated = Counter::default();
        let mut registry = Registry::with_prefix("leian");
        registry.register(
            "http_requests",
            "HTTP requests by route, method and status class",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency by route, method and status class",
            latency.clone(),
        );
        registry.register(
            "index_documents",
            "Documents in the served index snapshot",
            index_documents.clone(),
        );
        registry.register(
            "index_bytes",
            "Size on disk of the served index snapshot",
            index_bytes.clone(),
        );
        registry.register(
            "index_reloads",
            "Index reloads (admin route or SIGHUP) by outcome",
            reloads.clone(),
        );
        registry.register(
            "rate_limited_requests",
            "Requests refused by a key's rate limit",
            rate_limited.clone(),
        );
        registry.register(
            "unauthenticated_requests",
            "Requests refused without a valid API key (401, 403), not labelled",
            unauthenticated.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            index_documents,
            index_bytes,
            reloads,
            rate_limited,
            unauthenticated,
        }
    }
}

impl Metrics {
    fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// Records what the served snapshot holds.
    pub fn index_loaded(&self, judgments: u64, statutes: u64, bytes: u64) {
        let set = |kind: &str, value: u64| {
            self.index_documents
                .get_or_create(&KindLabels { kind: kind.into() })
                .set(i64::try_from(value).unwrap_or(i64::MAX));
        };
        set("judgment", judgments);
        set("statute", statutes);
        self.index_bytes
            .set(i64::try_from(bytes).unwrap_or(i64::MAX));
    }

    pub fn reload(&self, succeeded: bool) {
        let outcome = if succeeded { "ok" } else { "failed" };
        self.reloads
            .get_or_create(&OutcomeLabels {
                outcome: outcome.into(),
            })
            .inc();
    }

    pub fn rate_limited(&self, key_name: &str) {
        self.rate_limited
            .get_or_create(&KeyLabels {
                key: key_name.into(),
            })
            .inc();
    }

    /// The OpenMetrics text of every metric.
    pub fn render(&self) -> String {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}

/// The Prometheus scrape endpoint.
pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics().render(),
    )
        .into_response()
}

/// The method as a label: the standard ones by name, any other as `other`. A client may send any
/// token as a method; as a label each would be a new series, and 300 random 60 KB methods grew
/// `/metrics` to hundreds of megabytes.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [(Method, &str); 9] = [
        (Method::GET, "GET"),
        (Method::POST, "POST"),
        (Method::PUT, "PUT"),
        (Method::DELETE, "DELETE"),
        (Method::HEAD, "HEAD"),
        (Method::OPTIONS, "OPTIONS"),
        (Method::PATCH, "PATCH"),
        (Method::CONNECT, "CONNECT"),
        (Method::TRACE, "TRACE"),
    ];
    KNOWN
        .iter()
        .find(|(known, _)| known == method)
        .map_or("other", |(_, name)| name)
}

/// `2xx` … `5xx`; anything else (hyper allows 100–999) as `other`.
fn status_class(status: u16) -> &'static str {
    match status / 100 {
        1 => "1xx",
        2 => "2xx",
        3 => "3xx",
        4 => "4xx",
        5 => "5xx",
        _ => "other",
    }
}

/// Middleware: counts and times every request, and logs method, route template, status, caller
/// name and latency — never the body, the query string or the raw path (fact summaries and
/// document ids can be personal data).
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".to_string());
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    if response
        .extensions()
        .get::<crate::auth::Unauthenticated>()
        .is_some()
    {
        state.metrics().unauthenticated.inc();
        tracing::debug!(status, "request without a valid key");
        return response;
    }
    let caller = response
        .extensions()
        .get::<crate::auth::Caller>()
        .map_or("-", |c| c.0.as_str())
        .to_string();
    let latency_ms = (elapsed * 1e6).round() / 1e3;
    // A shed request (503 with Retry-After) is the server protecting itself: at thousands a
    // second, a warning each would cost more than the refusals themselves; metrics count them.
    let shed = response
        .headers()
        .contains_key(axum::http::header::RETRY_AFTER);
    if response.status().is_server_error() && !shed {
        tracing::warn!(%method, %route, status, %caller, latency_ms, "request");
    } else {
        tracing::info!(%method, %route, status, %caller, latency_ms, "request");
    }
    state.metrics().observe(
        RequestLabels {
            method,
            route,
            status: status_class(status),
        },
        elapsed,
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_methods_share_one_label() {
        use axum::http::Method;
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::DELETE), "DELETE");
        let invented = Method::from_bytes("X".repeat(60_000).as_bytes()).unwrap();
        assert_eq!(method_label(&invented), "other");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
