//! The judge's page (`/`), the drafting-plugin client (`/leian-client.js`), an example task pane
//! and the API page, built into the binary: courts run Leian offline, so nothing may be fetched
//! from anywhere but this server. No login is needed to load them; the API calls they make are
//! checked like any other.

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::routing::get;

/// One file served as is.
pub struct Asset {
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// Every built-in file, by the path it is served at.
pub const ASSETS: &[Asset] = &[
    Asset {
        path: "/",
        content_type: HTML,
        body: include_str!("../web/index.html"),
    },
    Asset {
        path: "/assets/app.js",
        content_type: JS,
        body: include_str!("../web/app.js"),
    },
    Asset {
        path: "/assets/app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../web/app.css"),
    },
    Asset {
        path: "/leian-client.js",
        content_type: JS,
        body: include_str!("../web/leian-client.js"),
    },
    Asset {
        path: "/taskpane.html",
        content_type: HTML,
        body: include_str!("../web/taskpane.html"),
    },
    Asset {
        path: "/api",
        content_type: HTML,
        body: include_str!("../web/api.html"),
    },
];

/// Whether `path` is one of the built-in files (served without an API key).
pub fn is_asset(path: &str) -> bool {
    ASSETS.iter().any(|asset| asset.path == path)
}

/// The judge's page may only run its own scripts and talk to this server: a judgment's text
/// shown on it can never load or send anything elsewhere.
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data: blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'self'";

/// Routes for every asset. `no-cache` makes browsers revalidate, so an upgraded server's page
/// is never mixed with an old cached script.
pub fn routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    ASSETS.iter().fold(Router::new(), |router, asset| {
        let content_type = asset.content_type;
        let body = asset.body;
        let policy = (asset.path == "/").then_some(PAGE_POLICY);
        router.route(
            asset.path,
            get(move || async move {
                let mut response = (
                    [
                        (header::CONTENT_TYPE, content_type),
                        (header::CACHE_CONTROL, "no-cache"),
                        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
                    ],
                    body,
                )
                    .into_response();
                if let Some(policy) = policy {
                    response.headers_mut().insert(
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static(policy),
                    );
                }
                response
            }),
        )
    })
}
