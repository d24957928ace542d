//! What the server's test files share: the fixtures index, a server on a loopback port, and
//! reading JSON responses.

#![allow(dead_code)] // each test file uses its own part

use leian_core::Document;
use leian_index::SnapshotBuilder;
use leian_ingest::{merge_statutes, read_judgments, read_statutes};
use leian_server::AppState;
use leian_service::{EngineSettings, Service};
use reqwest::StatusCode;
use serde_json::Value;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures")
}

/// Builds the fixtures index once per test binary (what `leian index --no-embed` builds).
pub fn index_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let temp = tempfile::tempdir().expect("temp dir");
        let out = temp.path().join("index");
        build_fixtures_index(&out, 0);
        // Kept for the whole test run.
        std::mem::forget(temp);
        out
    })
}

/// Builds the fixtures index in `out` (replacing what is there), leaving out the first `skip`
/// judgments: rebuilt snapshots differ in content.
pub fn build_fixtures_index(out: &Path, skip: usize) {
    {
        let mut builder = SnapshotBuilder::create(out, 1).expect("builder");
        let (statutes, _) = read_statutes(&fixtures().join("lawrefbook"), false).expect("statutes");
        let (statutes, merge) = merge_statutes(statutes);
        for statute in statutes {
            builder.add_document(Document::Statute(statute)).unwrap();
        }
        let mut seen = HashSet::new();
        for source in ["lecard", "cail2018.jsonl"] {
            let mut judgments = Vec::new();
            read_judgments(&fixtures().join(source), false, &mut seen, &mut |j| {
                judgments.push(j)
            })
            .expect("judgments");
            for judgment in judgments.into_iter().skip(skip) {
                builder.add_document(Document::Judgment(judgment)).unwrap();
            }
        }
        builder
            .finish(Vec::new(), merge.duplicates)
            .expect("finish");
    }
}

pub fn served_index() -> Service {
    open_index(index_dir()).expect("open snapshot")
}

/// Opens a snapshot for serving (what `leian serve` does, without a model).
pub fn open_index(dir: &Path) -> Result<Service, String> {
    let settings = EngineSettings {
        load_encoder: false,
        ..EngineSettings::default()
    };
    Service::open(dir, &settings).map_err(|e| e.to_string())
}

/// Starts a server on 127.0.0.1:0 in its own thread and runtime; returns its base URL.
pub fn start(state: AppState) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            leian_server::serve(listener, state, std::future::pending())
                .await
                .unwrap();
        });
    });
    let addr = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("server started");
    format!("http://{addr}")
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let bytes = response.bytes().await.expect("body");
    let body: Value = serde_json::from_slice(&bytes).unwrap_or_else(|e| {
        panic!(
            "{status}: body is not JSON ({e}): {}",
            String::from_utf8_lossy(&bytes)
        )
    });
    assert!(
        content_type.starts_with("application/json"),
        "{status}: content-type {content_type}"
    );
    (status, body)
}

/// Asserts an error response: status, JSON shape and code.
#[track_caller]
pub fn assert_error(result: &(StatusCode, Value), status: StatusCode, code: &str) {
    let (got, body) = result;
    assert_eq!(*got, status, "body: {body}");
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "body: {body}"
    );
}
