//! Running the server for real: API keys and scopes, rate limits, CORS, metrics, and swapping
//! the index under load.

mod common;

use common::{assert_error, client, open_index, read, start};
use leian_server::auth::{KeyConfig, KeyRing, Scope, hash_key};
use leian_server::{AppState, Limits, Settings};
use leian_service::EngineSettings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const READ_KEY: &str = "leian_test_read_key";
const ADMIN_KEY: &str = "leian_test_admin_key";
const LIMITED_KEY: &str = "leian_test_limited_key";

fn keys() -> KeyRing {
    let key = |name: &str, key: &str, scope, rate| KeyConfig {
        name: name.into(),
        hash: hash_key(key),
        scope,
        rate_per_minute: rate,
    };
    KeyRing::new(&[
        // High enough for the load test; the limit itself is tested with "tiny".
        key("plugin", READ_KEY, Scope::Read, Some(1_000_000)),
        key("ops", ADMIN_KEY, Scope::Admin, None),
        key("tiny", LIMITED_KEY, Scope::Read, Some(3)),
    ])
    .unwrap()
}

fn settings() -> Settings {
    Settings {
        limits: Limits::default(),
        keys: keys(),
        cors_origins: vec!["https://wps.court.example".parse().unwrap()],
        log_queries: false,
        engine: EngineSettings {
            load_encoder: false,
            ..EngineSettings::default()
        },
        embed_in_background: None,
        batch_store: None,
    }
}

/// A server with keys over a private copy of the fixtures index (so it can be rebuilt).
fn secured_server() -> (String, AppState, tempfile::TempDir) {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("index");
    common::build_fixtures_index(&dir, 0);
    let state = AppState::new(open_index(&dir).unwrap(), settings());
    (start(state.clone()), state, temp)
}

async fn call(
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = client().request(method, url);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.unwrap()).await
}

async fn search(base: &str, key: Option<&str>) -> (StatusCode, Value) {
    call(
        reqwest::Method::POST,
        format!("{base}/v1/search"),
        key,
        Some(json!({"text": "醉酒驾驶机动车", "kind": "statute"})),
    )
    .await
}

#[tokio::test]
async fn keys_scopes_and_their_errors() {
    let (base, _state, _temp) = secured_server();
    // Public routes.
    let (status, _) = call(
        reqwest::Method::GET,
        format!("{base}/v1/health"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = call(
        reqwest::Method::GET,
        format!("{base}/openapi.json"),
        None,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // The page and the plugin client load without a key (their API calls then need one).
    for (asset, content_type) in [
        ("/", "text/html"),
        ("/assets/app.js", "text/javascript"),
        ("/assets/app.css", "text/css"),
        ("/leian-client.js", "text/javascript"),
        ("/taskpane.html", "text/html"),
        ("/api", "text/html"),
    ] {
        let response = client().get(format!("{base}{asset}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let served = response.headers()["content-type"].to_str().unwrap();
        assert!(served.starts_with(content_type), "{asset}: {served}");
    }

    // Missing, malformed and wrong keys.
    assert_error(
        &search(&base, None).await,
        StatusCode::UNAUTHORIZED,
        "missing_api_key",
    );
    let response = client()
        .post(format!("{base}/v1/search"))
        .header("authorization", format!("Basic {READ_KEY}"))
        .json(&json!({"text": "醉酒驾驶"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["www-authenticate"].to_str().unwrap(),
        "Bearer"
    );
    assert_error(
        &read(response).await,
        StatusCode::UNAUTHORIZED,
        "missing_api_key",
    );
    assert_error(
        &search(&base, Some("leian_not_a_key")).await,
        StatusCode::UNAUTHORIZED,
        "invalid_api_key",
    );
    for route in ["/v1/ready", "/metrics", "/v1/statutes/x"] {
        let (status, _) = client()
            .get(format!("{base}{route}"))
            .send()
            .await
            .map(|r| (r.status(), ()))
            .unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{route}");
    }

    // Read and admin keys on read routes.
    for key in [READ_KEY, ADMIN_KEY] {
        let (status, body) = search(&base, Some(key)).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["statutes"][0]["id"], "中华人民共和国刑法第133条之一");
    }

    // The admin route: a read key is forbidden, the admin key reloads.
    let reload = format!("{base}/v1/admin/reload");
    assert_error(
        &call(reqwest::Method::POST, reload.clone(), None, None).await,
        StatusCode::UNAUTHORIZED,
        "missing_api_key",
    );
    assert_error(
        &call(reqwest::Method::POST, reload.clone(), Some(READ_KEY), None).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    let (status, body) = call(reqwest::Method::POST, reload.clone(), Some(ADMIN_KEY), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Bad reload bodies and a snapshot that does not load: 4xx, the old snapshot keeps serving.
    assert_error(
        &call(
            reqwest::Method::POST,
            reload.clone(),
            Some(ADMIN_KEY),
            Some(json!({"index": 7})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    let (_, before) = call(
        reqwest::Method::GET,
        format!("{base}/v1/ready"),
        Some(READ_KEY),
        None,
    )
    .await;
    assert_error(
        &call(
            reqwest::Method::POST,
            reload,
            Some(ADMIN_KEY),
            Some(json!({"index": "/nonexistent/leian-index"})),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "reload_failed",
    );
    let (_, after) = call(
        reqwest::Method::GET,
        format!("{base}/v1/ready"),
        Some(READ_KEY),
        None,
    )
    .await;
    assert_eq!(before["snapshot_id"], after["snapshot_id"]);
    assert_eq!(search(&base, Some(READ_KEY)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn each_key_has_its_own_rate_limit() {
    let (base, _state, _temp) = secured_server();
    for _ in 0..3 {
        assert_eq!(search(&base, Some(LIMITED_KEY)).await.0, StatusCode::OK);
    }
    let response = client()
        .post(format!("{base}/v1/search"))
        .bearer_auth(LIMITED_KEY)
        .json(&json!({"text": "醉酒驾驶"}))
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_error(
        &read(response).await,
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
    );
    // Another key is not affected.
    assert_eq!(search(&base, Some(READ_KEY)).await.0, StatusCode::OK);

    let metrics = client()
        .get(format!("{base}/metrics"))
        .bearer_auth(READ_KEY)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"leian_rate_limited_requests_total{key="tiny"} 1"#),
        "{metrics}"
    );
}

#[tokio::test]
async fn cors_answers_listed_origins_only() {
    let (base, _state, _temp) = secured_server();
    let preflight = |origin: &'static str| {
        client()
            .request(reqwest::Method::OPTIONS, format!("{base}/v1/search"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            )
            .send()
    };
    let allowed = preflight("https://wps.court.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://wps.court.example"
    );
    let allowed_headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        allowed_headers.contains("authorization"),
        "{allowed_headers}"
    );
    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    // Actual requests carry the header for the listed origin.
    let response = client()
        .post(format!("{base}/v1/search"))
        .header("origin", "https://wps.court.example")
        .bearer_auth(READ_KEY)
        .json(&json!({"text": "醉酒驾驶"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://wps.court.example"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status() {
    let (base, _state, _temp) = secured_server();
    search(&base, Some(READ_KEY)).await;
    search(&base, None).await;
    let response = client()
        .get(format!("{base}/metrics"))
        .bearer_auth(READ_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    let text = response.text().await.unwrap();
    for expected in [
        r#"leian_http_requests_total{method="POST",route="/v1/search",status="2xx"} 1"#,
        "leian_unauthenticated_requests_total 1\n",
        r#"leian_http_request_duration_seconds_bucket{"#,
        r#"leian_index_documents{kind="judgment"}"#,
        "leian_index_bytes ",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    assert!(!text.contains("leian_index_bytes 0\n"), "{text}");
    assert!(!text.contains(r#"status="4xx""#), "{text}");
}

/// Issue 12: strangers cannot grow `/metrics` (random methods, paths and keys add no series),
/// and the bearer scheme is read case-insensitively.
#[tokio::test]
async fn metrics_labels_come_from_a_fixed_set() {
    let (base, _state, _temp) = secured_server();
    let metrics_size = || async {
        client()
            .get(format!("{base}/metrics"))
            .bearer_auth(READ_KEY)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    // One labelled series for the metrics route itself exists after the first scrape.
    metrics_size().await;
    let before = metrics_size().await;
    for n in 0..50 {
        let method =
            reqwest::Method::from_bytes(format!("M{n}{}", "X".repeat(2_000)).as_bytes()).unwrap();
        let response = client()
            .request(method, format!("{base}/v1/unknown/{n}"))
            .bearer_auth(format!("wrong-{n}"))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error());
        let response = client()
            .post(format!("{base}/v1/search"))
            .header("authorization", format!("Bearer wrong-{n}"))
            .json(&json!({"text": "醉酒驾驶"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let after = metrics_size().await;
    let series = |text: &str| text.lines().filter(|l| !l.starts_with('#')).count();
    // Unknown paths without a key are refused by no route (404) under one label set: at most a
    // handful of new series, whatever the number of requests.
    assert!(
        series(&after) <= series(&before) + 20,
        "{} → {} series:\n{after}",
        series(&before),
        series(&after)
    );
    assert!(!after.contains("XXXX"), "{after}");
    assert!(
        after.contains("leian_unauthenticated_requests_total 50\n"),
        "{after}"
    );
    let lower = client()
        .post(format!("{base}/v1/search"))
        .header("authorization", format!("bearer {READ_KEY}"))
        .json(&json!({"text": "醉酒驾驶"}))
        .send()
        .await
        .unwrap();
    assert_eq!(lower.status(), StatusCode::OK);
}

/// Snapshot id each of `clients` tasks saw last, and the failures, while `swap` runs.
async fn under_load<F: Future<Output = ()>>(
    base: &str,
    clients: usize,
    swap: F,
) -> (usize, usize, Vec<String>) {
    let stop = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client_number in 0..clients {
        let (stop, failures, answered) = (stop.clone(), failures.clone(), answered.clone());
        let base = base.to_string();
        tasks.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let kind = if client_number % 2 == 0 {
                    "judgment"
                } else {
                    "all"
                };
                let response = client()
                    .post(format!("{base}/v1/search"))
                    .bearer_auth(READ_KEY)
                    .json(&json!({"text": "被告人醉酒驾驶机动车", "kind": kind}))
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status() == StatusCode::OK => {
                        let body: Value = r.json().await.unwrap();
                        let id = body["snapshot_id"].as_str().unwrap().to_string();
                        if seen.last() != Some(&id) {
                            seen.push(id);
                        }
                        answered.fetch_add(1, Ordering::Relaxed);
                    }
                    other => {
                        if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("first failed request: {other:?}");
                        }
                    }
                }
            }
            seen
        }));
    }
    swap.await;
    stop.store(true, Ordering::Relaxed);
    let mut last = Vec::new();
    for task in tasks {
        let seen = task.await.unwrap();
        last.push(seen.last().cloned().unwrap_or_default());
    }
    (
        failures.load(Ordering::Relaxed),
        answered.load(Ordering::Relaxed),
        last,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reloading_twice_under_load_fails_no_request() {
    let (base, state, temp) = secured_server();
    let first = state.current().snapshot_id.clone();
    let other: PathBuf = temp.path().join("other");
    common::build_fixtures_index(&other, 1);
    let reload = |body: Option<Value>| {
        call(
            reqwest::Method::POST,
            format!("{base}/v1/admin/reload"),
            Some(ADMIN_KEY),
            body,
        )
    };
    let mut ids = vec![first.clone()];
    let (failures, answered, last_seen) = under_load(&base, 6, async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        // 1: `leian index` rebuilt the served folder; reload it.
        let served = temp.path().join("index");
        tokio::task::spawn_blocking(move || common::build_fixtures_index(&served, 2))
            .await
            .unwrap();
        let (status, body) = reload(None).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["previous_snapshot_id"], first.as_str());
        ids.push(body["snapshot_id"].as_str().unwrap().to_string());
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        // 2: switch to another folder.
        let (status, body) = reload(Some(json!({"index": other.to_str().unwrap()}))).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["previous_snapshot_id"], ids[1].as_str());
        ids.push(body["snapshot_id"].as_str().unwrap().to_string());
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    })
    .await;
    assert_eq!(failures, 0, "failed requests during the swaps");
    assert!(answered > 20, "only {answered} requests answered");
    assert_eq!(ids.len(), 3);
    assert!(ids[0] != ids[1] && ids[1] != ids[2], "{ids:?}");
    for last in &last_seen {
        assert_eq!(last, &ids[2], "every client ends on the newest snapshot");
    }
    let judgments = |dir: &Path| leian_index::Manifest::read(dir).unwrap().docs.judgments;
    assert_eq!(
        state.current().docs.judgments,
        judgments(&other),
        "the served snapshot is the other folder's"
    );
}

/// Issue 12, item 5: a rebuild of the served folder changes nothing served until a reload —
/// not the documents found, not the snapshot id, not the counts (the reader used to watch
/// `meta.json` and showed new documents under the old snapshot id).
#[tokio::test]
async fn a_rebuild_is_served_only_after_a_reload() {
    let (base, state, temp) = secured_server();
    let first = state.current().snapshot_id.clone();
    let before = state.current().docs.judgments;
    let ids = |body: &Value| -> Vec<String> {
        body["judgments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["id"].as_str().unwrap().to_string())
            .collect()
    };
    let query = || async {
        call(
            reqwest::Method::POST,
            format!("{base}/v1/search"),
            Some(READ_KEY),
            Some(json!({"text": "被告人窃取现金入户盗窃", "kind": "judgment", "top_k": 100, "mode": "bm25"})),
        )
        .await
    };
    let (_, old_answer) = query().await;
    let served = temp.path().join("index");
    // The rebuild leaves out the first 2 judgments of each source.
    tokio::task::spawn_blocking(move || common::build_fixtures_index(&served, 2))
        .await
        .unwrap();
    for _ in 0..3 {
        let (status, answer) = query().await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(answer["snapshot_id"], first.as_str());
        assert_eq!(ids(&answer), ids(&old_answer));
        let (_, ready) = call(
            reqwest::Method::GET,
            format!("{base}/v1/ready"),
            Some(READ_KEY),
            None,
        )
        .await;
        assert_eq!(ready["snapshot_id"], first.as_str());
        assert_eq!(ready["docs"]["judgments"], before);
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let (status, body) = call(
        reqwest::Method::POST,
        format!("{base}/v1/admin/reload"),
        Some(ADMIN_KEY),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, new_answer) = query().await;
    assert_ne!(new_answer["snapshot_id"], first.as_str());
    assert!(state.current().docs.judgments < before);
    assert_ne!(
        ids(&new_answer),
        ids(&old_answer),
        "the rebuild left out judgments"
    );
}

/// Sends `body` with a content type to an admin documents route.
async fn send(
    method: reqwest::Method,
    url: String,
    key: Option<&str>,
    content_type: &str,
    body: String,
) -> (StatusCode, Value) {
    let mut request = client()
        .request(method, url)
        .header("content-type", content_type)
        .body(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    read(request.send().await.unwrap()).await
}

fn lines(records: &[Value]) -> String {
    records.iter().map(|r| format!("{r}\n")).collect()
}

#[tokio::test]
async fn documents_are_added_replaced_and_removed_by_admins_only() {
    let (base, state, _temp) = secured_server();
    let documents = format!("{base}/v1/admin/documents");
    let ndjson = "application/x-ndjson";
    let served = || {
        (
            state.current().snapshot_id.clone(),
            state.current().docs.judgments,
        )
    };
    let (first_id, first_count) = served();
    let day = lines(&[
        json!({"id": "daily-1", "case_number": "（2024）京0105刑初100号", "causes": ["盗窃罪"],
               "facts": "被告人张某在超市内盗窃白酒两瓶，价值人民币八百元。"}),
        json!({"id": "lecard-1001", "facts": "被告人入户盗窃现金，并窃得一只鹦鹉螺化石。"}),
    ]);

    // Keys: none 401, read 403, nothing changed.
    let post = |key, content_type, body: &str| {
        send(
            reqwest::Method::POST,
            documents.clone(),
            key,
            content_type,
            body.to_string(),
        )
    };
    assert_error(
        &post(None, ndjson, &day).await,
        StatusCode::UNAUTHORIZED,
        "missing_api_key",
    );
    assert_error(
        &post(Some(READ_KEY), ndjson, &day).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(served(), (first_id.clone(), first_count));

    // The admin key adds one judgment and replaces one; the server serves the result.
    let (status, body) = post(Some(ADMIN_KEY), ndjson, &day).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["added"], json!(["daily-1"]));
    assert_eq!(body["replaced"][0]["id"], "lecard-1001");
    assert_eq!(body["replaced"][0]["replaced_ids"], json!(["lecard-1001"]));
    assert_eq!(body["previous_snapshot_id"], first_id.as_str());
    assert_eq!(body["judgments"], first_count + 1);
    assert_eq!(body["passages_embedded"], 0);
    assert_eq!(
        served(),
        (
            body["snapshot_id"].as_str().unwrap().into(),
            first_count + 1
        )
    );
    let (status, judgment) = call(
        reqwest::Method::GET,
        format!("{base}/v1/judgments/lecard-1001"),
        Some(READ_KEY),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        judgment["facts"].as_str().unwrap().contains("鹦鹉螺"),
        "{judgment}"
    );

    // One JSON judgment (application/json, pretty-printed) with the same case number replaces
    // daily-1.
    let one = serde_json::to_string_pretty(&json!({"id": "daily-1b",
        "case_number": "(2024)京0105刑初100号", "facts": "被告人张某在超市内盗窃白酒两瓶（更正）。"}))
    .unwrap();
    let (status, body) = post(Some(ADMIN_KEY), "application/json", &one).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["replaced"][0]["replaced_ids"], json!(["daily-1"]));
    let (status, _) = call(
        reqwest::Method::GET,
        format!("{base}/v1/judgments/daily-1"),
        Some(READ_KEY),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Refused, nothing changed.
    let unchanged = served();
    let twice = lines(&[
        json!({"id": "daily-9", "facts": "盗窃电动车"}),
        json!({"id": "daily-9", "facts": "盗窃手机"}),
    ]);
    assert_error(
        &post(Some(ADMIN_KEY), ndjson, &twice).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate_ids",
    );
    assert_error(
        &post(Some(ADMIN_KEY), ndjson, "  \n").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    let malformed = format!(
        "{}{{\"id\": \"daily-10\", \"facts\": \n",
        lines(&[json!({"id": "daily-11", "facts": "盗窃电动车"})])
    );
    let (status, body) = post(Some(ADMIN_KEY), ndjson, &malformed).await;
    assert_error(
        &(status, body.clone()),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第 2 条记录"),
        "{body}"
    );
    assert_error(
        &post(Some(ADMIN_KEY), "text/plain", &day).await,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let delete = |id: &str, key| {
        call(
            reqwest::Method::DELETE,
            format!("{documents}/{id}"),
            key,
            None,
        )
    };
    assert_error(
        &delete("no-such-id", Some(ADMIN_KEY)).await,
        StatusCode::NOT_FOUND,
        "not_found",
    );
    assert_error(
        &delete("daily-1b", Some(READ_KEY)).await,
        StatusCode::FORBIDDEN,
        "forbidden",
    );
    assert_eq!(served(), unchanged);

    let (status, body) = delete("daily-1b", Some(ADMIN_KEY)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["removed"], json!(["daily-1b"]));
    assert_eq!(served().1, first_count);
}
