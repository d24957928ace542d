//! The real server over loopback, on an index of the repository's fixtures (no vectors): every
//! route, and every bad-input class of `shared/docs/QUALITY.md` (4xx JSON error or a correct
//! result, never a 5xx, a crash or a hang).

mod common;

use common::{assert_error, client, read, served_index, start};
use leian_server::{AppState, Limits};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::OnceLock;
use std::time::Duration;

const DRUNK_DRIVING: &str = "中华人民共和国刑法第133条之一";

/// The shared server with default limits.
fn base() -> &'static str {
    static BASE: OnceLock<String> = OnceLock::new();
    BASE.get_or_init(|| start(AppState::new(served_index(), Limits::default())))
}

/// Sends `body` as `application/json`; returns the status and the parsed JSON body.
async fn post_raw(path: &str, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let response = client()
        .post(format!("{}{path}", base()))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("response");
    read(response).await
}

async fn search(body: Value) -> (StatusCode, Value) {
    post_raw("/v1/search", serde_json::to_vec(&body).unwrap()).await
}

async fn get(path: &str) -> (StatusCode, Value) {
    let response = client()
        .get(format!("{}{path}", base()))
        .send()
        .await
        .expect("response");
    read(response).await
}

/// Percent-encodes every byte outside unreserved ASCII.
fn encode(segment: &str) -> String {
    segment
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn health_ready_and_openapi() {
    assert_eq!(
        get("/v1/health").await,
        (StatusCode::OK, json!({"status": "ok"}))
    );

    let manifest = leian_index::Manifest::read(common::index_dir()).unwrap();
    let (status, ready) = get("/v1/ready").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ready["status"], "ready");
    assert_eq!(ready["snapshot_id"], manifest.snapshot_id.as_str());
    assert_eq!(ready["docs"]["judgments"], manifest.docs.judgments);
    assert_eq!(ready["docs"]["statutes"], manifest.docs.statutes);
    assert!(manifest.docs.judgments > 0 && manifest.docs.statutes > 0);
    assert_eq!(ready["model"], Value::Null);
    assert_eq!(ready["modes"], json!(["bm25"]));

    let (status, api) = get("/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(api["openapi"].as_str().unwrap().starts_with('3'));
    for path in [
        "/v1/search",
        "/v1/citations/check",
        "/v1/judgments/{id}",
        "/v1/statutes/{id}",
        "/v1/health",
        "/v1/ready",
        "/v1/admin/reload",
        "/v1/admin/documents",
        "/v1/admin/documents/{id}",
        "/v1/report",
        "/v1/citations/check",
    ] {
        assert!(
            api["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    for schema in [
        "ResearchQuery",
        "CheckBody",
        "CitationReport",
        "CheckedCitation",
        "Research",
        "ResearchHit",
        "FilterBody",
        "ErrorBody",
        "Hit",
        "Snippet",
        "Ready",
        "UpdateOutcome",
    ] {
        assert!(
            api["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
}

#[tokio::test]
async fn statute_search_finds_the_drunk_driving_article() {
    let (status, body) = search(json!({"text": "醉酒驾驶机动车", "kind": "statute"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["statutes"][0]["id"], DRUNK_DRIVING, "{body}");
    assert_eq!(body["statutes"][0]["kind"], "statute");
    assert_eq!(body["statutes"][0]["law"], "中华人民共和国刑法");
    assert!(
        body["statutes"][0]["snippet"]["marked"]
            .as_str()
            .unwrap()
            .contains('【')
    );
    assert_eq!(body["judgments"], json!([]));
    // Linked by default: each article says why it is recommended.
    let reasons = body["statutes"][0]["reasons"].as_array().unwrap();
    assert!(
        reasons.iter().any(|r| r["kind"] == "matched_terms"),
        "{body}"
    );
    assert_eq!(body["statutes"][0]["tier"], "specific", "{body}");
    assert!(body["analysis"]["charges"].is_array(), "{body}");
    // Direct retrieval only when asked.
    let (_, direct) =
        search(json!({"text": "醉酒驾驶机动车", "kind": "statute", "linking": false})).await;
    assert_eq!(direct["statutes"][0]["id"], DRUNK_DRIVING, "{direct}");
    assert!(direct["statutes"][0].get("reasons").is_none(), "{direct}");
    // Hybrid was asked (the default); an index without vectors answers with BM25 and says so.
    assert_eq!(body["mode"], "bm25");
    assert!(body["took_ms"].as_f64().unwrap() >= 0.0);
    assert!(
        body["query_terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "醉酒"),
        "{body}"
    );
}

#[tokio::test]
async fn kind_all_returns_both_lists() {
    let (status, body) =
        search(json!({"text": "被告人醉酒驾驶机动车，入户盗窃现金", "top_k": 3})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let judgments = body["judgments"].as_array().unwrap();
    let statutes = body["statutes"].as_array().unwrap();
    assert!(!judgments.is_empty() && judgments.len() <= 3, "{body}");
    assert!(!statutes.is_empty() && statutes.len() <= 3, "{body}");
    assert!(judgments.iter().all(|h| h["kind"] == "judgment"));
    assert!(statutes.iter().all(|h| h["kind"] == "statute"));

    let (status, body) =
        search(json!({"text": "入户盗窃现金", "kind": "judgment", "mode": "bm25"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["judgments"][0]["id"], "lecard-1001", "{body}");
    assert_eq!(body["statutes"], json!([]));
}

#[tokio::test]
async fn filters_apply() {
    // Issue 12: a condition no document of the searched kind can meet is an error, not an
    // empty list (statutes carry no domain; judgments no status).
    assert_error(
        &search(json!({
            "text": "醉酒驾驶机动车",
            "kind": "statute",
            "filters": {"law": "中华人民共和国刑法", "domain": "刑事"}
        }))
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    assert_error(
        &search(json!({"text": "醉酒驾驶机动车", "kind": "judgment", "filters": {"status": "现行有效"}}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_request",
    );
    // Unknown provinces are errors (they were empty results), in filters and in the court.
    for body in [
        json!({"text": "醉酒驾驶机动车", "filters": {"province": "火星"}}),
        json!({"text": "醉酒驾驶机动车", "court": {"province": "火星"}}),
    ] {
        let result = search(body).await;
        assert_error(&result, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
        assert!(
            result.1["error"]["message"]
                .as_str()
                .unwrap()
                .contains("火星")
        );
    }
    let (status, body) = search(json!({
        "text": "醉酒驾驶机动车",
        "kind": "judgment",
        "filters": {"province": "上海市"}
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Over both kinds, statute conditions apply to the statutes and judgment conditions to the
    // judgments (statute filters were ignored for statutes and emptied the judgment list).
    let (status, body) = search(json!({
        "text": "被告人醉酒驾驶机动车在道路上行驶，另查民间借贷的借款利息",
        "kind": "all",
        "linking": false,
        "filters": {"law": "中华人民共和国刑法", "status": "现行有效"}
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let judgments = body["judgments"].as_array().unwrap();
    let statutes = body["statutes"].as_array().unwrap();
    assert!(!judgments.is_empty(), "{body}");
    assert!(!statutes.is_empty(), "{body}");
    assert!(
        statutes.iter().all(|h| h["law"] == "中华人民共和国刑法"),
        "{body}"
    );
    let (_, unfiltered) = search(json!({
        "text": "被告人醉酒驾驶机动车在道路上行驶，另查民间借贷的借款利息",
        "kind": "all",
        "linking": false
    }))
    .await;
    assert!(
        unfiltered["statutes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["law"] != "中华人民共和国刑法"),
        "the fixtures should hold other laws' articles for this text: {unfiltered}"
    );
    let (status, body) = search(json!({
        "text": "醉酒驾驶机动车",
        "kind": "statute",
        "filters": {"law": "中华人民共和国刑法"}
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let statutes = body["statutes"].as_array().unwrap();
    assert!(!statutes.is_empty());
    assert!(
        statutes.iter().all(|h| h["law"] == "中华人民共和国刑法"),
        "{body}"
    );

    for causes in [json!("盗窃"), json!(["盗窃", "危险驾驶"])] {
        let (status, body) = search(json!({
            "text": "被告人窃取现金",
            "kind": "judgment",
            "filters": {"causes": causes, "year_from": 2000, "year_to": 2100}
        }))
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

#[tokio::test]
async fn documents_by_id() {
    let (status, doc) = get(&format!(
        "/v1/statutes/{}",
        encode("中华人民共和国刑法第264条")
    ))
    .await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["kind"], "statute");
    assert_eq!(doc["id"], "中华人民共和国刑法第264条");
    assert!(doc["text"].as_str().unwrap().contains("盗窃"));

    let (status, doc) = get(&format!("/v1/statutes/{}", encode(DRUNK_DRIVING))).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["article"], "133之一");

    let (status, doc) = get("/v1/judgments/lecard-1001").await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["kind"], "judgment");
    assert_eq!(doc["id"], "lecard-1001");

    let statute_as_judgment = format!("/v1/judgments/{}", encode("中华人民共和国刑法第264条"));
    for (path, status, code) in [
        // Unknown ids, and ids of the other kind.
        ("/v1/judgments/nope", StatusCode::NOT_FOUND, "not_found"),
        (&statute_as_judgment, StatusCode::NOT_FOUND, "not_found"),
        (
            "/v1/statutes/lecard-1001",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        // A percent-encoded id that is not UTF-8.
        (
            "/v1/statutes/%FF%FE",
            StatusCode::BAD_REQUEST,
            "invalid_request",
        ),
        // Unknown routes.
        ("/v1/nothing", StatusCode::NOT_FOUND, "not_found"),
        ("/v1/statutes/", StatusCode::NOT_FOUND, "not_found"),
    ] {
        assert_error(&get(path).await, status, code);
    }
}

#[tokio::test]
async fn bad_inputs_are_json_errors_and_the_server_survives() {
    use StatusCode as S;
    // Empty, whitespace-only, punctuation-only, stop-words-only and query-syntax-only texts.
    for text in ["", "   \t\n ", "，。！？……", "的", "\" : ( ) [ ] ^ ~ * +"] {
        assert_error(
            &search(json!({"text": text})).await,
            S::BAD_REQUEST,
            "empty_query",
        );
    }
    // Query-syntax characters with words are text, not syntax.
    let (status, body) = search(json!({
        "text": "被告人\"醉酒\": (驾驶) [机动车] ^2 ~ * + AND OR NOT -危险",
        "kind": "statute",
        "linking": false
    }))
    .await;
    assert_eq!(status, S::OK, "{body}");
    assert_eq!(body["statutes"][0]["id"], DRUNK_DRIVING, "{body}");

    // Control characters inside the text (escaped in JSON): a result or a 400, never a 5xx.
    for text in [
        "醉酒\u{0000}驾驶\u{0007}机动车",
        "\u{0000}",
        "\u{0007}\u{001b}[31m",
        "\u{feff}\u{200b}",
    ] {
        let (status, body) = search(json!({"text": text})).await;
        assert!(
            status == S::OK || status == S::BAD_REQUEST,
            "{status} {body}"
        );
        if status != S::OK {
            assert!(body["error"]["code"].is_string(), "{body}");
        }
    }
    // A raw control character inside a JSON string is malformed JSON.
    assert_error(
        &post_raw("/v1/search", b"{\"text\": \"a\x07b\"}".to_vec()).await,
        S::BAD_REQUEST,
        "invalid_request",
    );

    // Invalid UTF-8 in the body.
    assert_error(
        &post_raw("/v1/search", b"{\"text\": \"\xff\xfe\xfd\"}".to_vec()).await,
        S::BAD_REQUEST,
        "invalid_request",
    );
    assert_error(
        &post_raw("/v1/search", vec![0xc3u8, 0x28, 0xa0, 0xa1]).await,
        S::BAD_REQUEST,
        "invalid_request",
    );
    // Not JSON, truncated JSON, an empty body, JSON that is not an object.
    for body in [
        "醉酒驾驶",
        "{\"text\": \"醉酒",
        "",
        "[]",
        "null",
        "\"醉酒驾驶\"",
    ] {
        let (status, response) = post_raw("/v1/search", body.to_string()).await;
        assert!(
            status == S::BAD_REQUEST || status == S::UNPROCESSABLE_ENTITY,
            "{body:?}: {status} {response}"
        );
        assert_eq!(response["error"]["code"], "invalid_request", "{body:?}");
    }

    // Wrong JSON types, unknown fields, out-of-range and unknown values.
    for body in [
        json!({"text": 5}),
        json!({"text": null}),
        json!({"text": ["醉酒"]}),
        json!({}),
        json!({"text": "醉酒", "top_k": "x"}),
        json!({"text": "醉酒", "top_k": 1.5}),
        json!({"text": "醉酒", "top_k": -1}),
        json!({"text": "醉酒", "top_k": 0}),
        json!({"text": "醉酒", "top_k": 101}),
        json!({"text": "醉酒", "top_k": 1_000_000_000u64}),
        json!({"text": "醉酒", "top_k": 1e300}),
        json!({"text": "醉酒", "colour": "red"}),
        json!({"text": "醉酒", "filters": {"colour": "red"}}),
        json!({"text": "醉酒", "filters": {"domain": "crimnal"}}),
        json!({"text": "醉酒", "filters": {"court_level": "galactic"}}),
        json!({"text": "醉酒", "filters": {"status": 7}}),
        json!({"text": "醉酒", "filters": {"causes": [1, 2]}}),
        json!({"text": "醉酒", "filters": {"year_from": 1800}}),
        json!({"text": "醉酒", "filters": {"year_from": "2018"}}),
        json!({"text": "醉酒", "filters": {"year_from": 2019, "year_to": 2018}}),
        json!({"text": "醉酒", "filters": {"province": "  "}}),
        json!({"text": "醉酒", "filters": "domain=criminal"}),
        json!({"text": "醉酒", "kind": "case"}),
        json!({"text": "醉酒", "kind": "Judgment"}),
        json!({"text": "醉酒", "mode": "magic"}),
        json!({"text": "醉酒", "mode": null}),
    ] {
        let result = search(body.clone()).await;
        // 422 for well-formed JSON with wrong values; serde reports a few type mismatches
        // (`"mode": null`) as syntax errors, which are 400.
        let status = match result.0 {
            S::BAD_REQUEST => S::BAD_REQUEST,
            _ => S::UNPROCESSABLE_ENTITY,
        };
        assert_error(&result, status, "invalid_request");
    }
    // The largest top_k is fine.
    let (status, body) = search(json!({"text": "醉酒驾驶", "top_k": 100, "kind": "all"})).await;
    assert_eq!(status, S::OK, "{body}");

    // Missing or wrong Content-Type.
    let response = client()
        .post(format!("{}/v1/search", base()))
        .body(r#"{"text": "醉酒驾驶"}"#)
        .send()
        .await
        .unwrap();
    assert_error(
        &read(response).await,
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    let response = client()
        .post(format!("{}/v1/search", base()))
        .header("content-type", "text/plain")
        .body(r#"{"text": "醉酒驾驶"}"#)
        .send()
        .await
        .unwrap();
    assert_error(
        &read(response).await,
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );

    // GET on a POST route, POST on a GET route.
    let result = get("/v1/search").await;
    assert_error(&result, S::METHOD_NOT_ALLOWED, "method_not_allowed");
    let response = client()
        .post(format!("{}/v1/health", base()))
        .send()
        .await
        .unwrap();
    assert_error(
        &read(response).await,
        S::METHOD_NOT_ALLOWED,
        "method_not_allowed",
    );

    // A 10 MB body, with a Content-Length and streamed without one.
    let huge = format!(
        "{{\"text\": \"{}\"}}",
        "醉酒驾驶机动车".repeat(10 * 1024 * 1024 / 21)
    );
    assert!(huge.len() >= 10 * 1024 * 1024 - 64);
    // (Raw connections: the server answers 413 without reading the body and closes, which
    // reqwest reports as a broken pipe instead of the response.)
    assert_error(
        &raw_post("/v1/search", huge.as_bytes(), false).await,
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    assert_error(
        &raw_post("/v1/search", huge.as_bytes(), true).await,
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // Just under the limit is searched.
    let long = format!(
        "{{\"text\": \"{}\"}}",
        "醉酒驾驶机动车".repeat(900 * 1024 / 21)
    );
    let (status, body) = post_raw("/v1/search", long).await;
    assert_eq!(status, S::OK, "{body}");

    // After all of that the server still answers.
    assert_eq!(get("/v1/health").await, (S::OK, json!({"status": "ok"})));
    let (status, body) = search(json!({"text": "醉酒驾驶机动车", "kind": "statute"})).await;
    assert_eq!(status, S::OK);
    assert_eq!(body["statutes"][0]["id"], DRUNK_DRIVING);
}

/// POSTs `body` as JSON over a raw connection, with a Content-Length or with
/// `Transfer-Encoding: chunked`, reading the response while writing; returns the status and the
/// parsed JSON body.
async fn raw_post(path: &str, body: &[u8], chunked: bool) -> (StatusCode, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base().trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let framing = match chunked {
        true => "Transfer-Encoding: chunked".to_string(),
        false => format!("Content-Length: {}", body.len()),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n{framing}\r\nConnection: close\r\n\r\n"
    );
    let (mut reader, mut writer) = stream.split();
    let write = async {
        writer.write_all(head.as_bytes()).await?;
        if !chunked {
            return writer.write_all(body).await;
        }
        for chunk in body.chunks(64 * 1024) {
            writer
                .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                .await?;
            writer.write_all(chunk).await?;
            writer.write_all(b"\r\n").await?;
        }
        writer.write_all(b"0\r\n\r\n").await
    };
    let mut response = Vec::new();
    let read = reader.read_to_end(&mut response);
    // The server may answer and close before the whole body is sent: a failed write is fine.
    let (_, read) = tokio::join!(write, read);
    read.expect("a response");
    let text = String::from_utf8_lossy(&response);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    // The error body is small: either plain or a single chunk.
    let json = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body.split("\r\n").nth(1).unwrap().to_string()
    } else {
        body.to_string()
    };
    let json: Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {body}"));
    (StatusCode::from_u16(status).unwrap(), json)
}

#[tokio::test]
async fn slow_requests_time_out_as_json() {
    let base = start(AppState::new(
        served_index(),
        Limits {
            request_timeout: Duration::from_millis(1),
            ..Limits::default()
        },
    ));
    // Analysing ~600 KB of text takes far longer than 1 ms.
    let text = "被告人醉酒驾驶机动车在道路上行驶，血液酒精含量超标。".repeat(600 * 1024 / 78);
    let response = client()
        .post(format!("{base}/v1/search"))
        .json(&json!({"text": text}))
        .send()
        .await
        .unwrap();
    assert_error(
        &read(response).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
    );
}

#[tokio::test]
async fn a_swapped_index_serves_the_next_requests() {
    let state = AppState::new(served_index(), Limits::default());
    let base = start(state.clone());
    let ready = |base: String| async move {
        let response = client()
            .get(format!("{base}/v1/ready"))
            .send()
            .await
            .unwrap();
        read(response).await.1
    };
    let before = ready(base.clone()).await;
    let mut replacement = served_index();
    replacement.snapshot_id = "replacement".into();
    let old = state.replace(replacement);
    assert_eq!(before["snapshot_id"], old.snapshot_id.as_str());
    assert_eq!(ready(base).await["snapshot_id"], "replacement");
}

#[tokio::test]
async fn graceful_shutdown_stops_the_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(leian_server::serve(
        listener,
        AppState::new(served_index(), Limits::default()),
        async move {
            let _ = stopped.await;
        },
    ));
    let response = client()
        .get(format!("http://{addr}/v1/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[test]
fn only_loopback_addresses_without_api_keys() {
    assert!(leian_server::listen_addr("127.0.0.1:0", false).is_ok());
    assert!(leian_server::listen_addr("[::1]:8080", false).is_ok());
    for addr in ["0.0.0.0:8080", "[::]:8080", "192.0.2.1:8080"] {
        let error = leian_server::listen_addr(addr, false)
            .unwrap_err()
            .to_string();
        assert!(error.contains("未配置 API 密钥"), "{addr}: {error}");
        assert!(leian_server::listen_addr(addr, true).is_ok(), "{addr}");
    }
    assert!(leian_server::listen_addr("not an address", false).is_err());
}

async fn check_citations(body: Value) -> (StatusCode, Value) {
    post_raw("/v1/citations/check", serde_json::to_vec(&body).unwrap()).await
}

#[tokio::test]
async fn citation_check_classifies_each_citation() {
    let text = "本院认为——依照《中华人民共和国刑法》第二百六十四条、第六十七条第二款、第99999条，《不存在法》第1条，《刑法》第零条之规定";
    let (status, body) = check_citations(json!({"text": text})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let citations = body["citations"].as_array().unwrap();
    let statuses: Vec<&str> = citations
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        [
            "valid",
            "valid",
            "article_not_found",
            "law_not_found",
            "malformed"
        ],
        "{body}"
    );
    for citation in citations {
        let (start, end) = (
            citation["start"].as_u64().unwrap() as usize,
            citation["end"].as_u64().unwrap() as usize,
        );
        assert_eq!(&text[start..end], citation["text"], "{citation}");
        assert!(!citation["message"].as_str().unwrap().is_empty());
        assert!(citation["suggestions"].is_array());
    }
    assert_eq!(citations[0]["law"], "中华人民共和国刑法");
    assert_eq!(citations[1]["article"], "第67条第2款");
    assert_eq!(
        citations[2]["suggestions"][0],
        "《中华人民共和国刑法》第264条"
    );
    assert_eq!(citations[4]["article"], Value::Null);

    let (status, body) = check_citations(json!({"text": "原告与被告系朋友关系。"})).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"citations": []})));
}

#[tokio::test]
async fn citation_check_rejects_bad_input() {
    use StatusCode as S;
    for text in ["", "  \n\t　"] {
        assert_error(
            &check_citations(json!({"text": text})).await,
            S::BAD_REQUEST,
            "empty_text",
        );
    }
    for body in [
        json!({}),
        json!({"text": 42}),
        json!({"text": ["《刑法》第264条"]}),
        json!({"text": "《刑法》第264条", "top_k": 5}),
    ] {
        assert_error(
            &check_citations(body).await,
            S::UNPROCESSABLE_ENTITY,
            "invalid_request",
        );
    }
    assert_error(
        &post_raw("/v1/citations/check", b"{\"text\": \"\xff\xfe\"}".to_vec()).await,
        S::BAD_REQUEST,
        "invalid_request",
    );
    let response = client()
        .post(format!("{}/v1/citations/check", base()))
        .body("{\"text\": \"《刑法》第264条\"}")
        .send()
        .await
        .unwrap();
    assert_error(
        &read(response).await,
        S::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    );
    // Sent raw: the server may answer 413 before the client has written the whole body.
    let huge = serde_json::to_vec(&json!({"text": "《刑法》第264条".repeat(100_000)})).unwrap();
    assert_error(
        &raw_post("/v1/citations/check", &huge, false).await,
        S::PAYLOAD_TOO_LARGE,
        "payload_too_large",
    );
    // Control and query-syntax characters are text.
    let (status, body) =
        check_citations(json!({"text": "\u{0000}《刑法》\u{0007}第264条\" : ( ) [ ] ^ ~ *"})).await;
    assert_eq!(status, S::OK, "{body}");
    // A draft with many citations is answered, and the server is still up.
    let many = json!({"text": "《刑法》第264条、第67条，".repeat(2_000)});
    let (status, body) = check_citations(many).await;
    assert_eq!(status, S::OK);
    assert_eq!(body["citations"].as_array().unwrap().len(), 4_000);
    assert_eq!(get("/v1/health").await.0, S::OK);
}

#[tokio::test]
async fn judgments_come_with_authority_explanations_and_outcomes() {
    let (status, body) = search(json!({
        "text": "被告人醉酒驾驶机动车，血液酒精含量为152mg/100ml，到案后如实供述",
        "kind": "all",
        "court": {"name": "上海市浦东新区人民法院"}
    }))
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let first = &body["judgments"][0];
    assert!(first["id"].is_string(), "{body}");
    assert!(first["authority"]["tier"].is_string(), "{body}");
    assert!(first["authority"]["binding"].is_string(), "{body}");
    assert!(first["explanation"]["query_spans"].is_array(), "{body}");
    assert!(first["explanation"]["shared_elements"].is_array(), "{body}");
    assert!(body["outcome"]["parsed"].is_u64(), "{body}");
    assert!(
        !body["analysis"]["quantities"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{body}"
    );
    assert!(body["statutes"][0]["reasons"].is_array(), "{body}");

    for court in [
        json!({"level": "galactic"}),
        json!({"name": ""}),
        json!({"city": "上海"}),
    ] {
        assert_error(
            &search(json!({"text": "醉酒驾驶", "court": court})).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        );
    }
}

#[tokio::test]
async fn reports_hold_every_art8_item_in_both_formats() {
    for format in ["markdown", "html"] {
        let (status, body) = post_raw(
            "/v1/report",
            serde_json::to_vec(&json!({
                "text": "被告人入户盗窃现金，数额较大，到案后如实供述",
                "searcher": "王法官",
                "court": {"name": "上海市浦东新区人民法院"},
                "format": format
            }))
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["format"], format);
        let content = body["content"].as_str().unwrap();
        for item in leian_service::report::ART8_ITEMS {
            assert!(content.contains(item), "{format}: missing {item}");
        }
        assert!(content.contains("王法官") && content.contains("上海市浦东新区人民法院"));
        assert!(content.contains(body["snapshot_id"].as_str().unwrap()));
    }
    for (body, status, code) in [
        (
            json!({"text": "盗窃", "format": "pdf"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            json!({"text": "  "}),
            StatusCode::BAD_REQUEST,
            "empty_query",
        ),
        (
            json!({"text": "盗窃", "top_k": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
        (
            json!({"text": "盗窃", "judge": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
        ),
    ] {
        assert_error(
            &post_raw("/v1/report", serde_json::to_vec(&body).unwrap()).await,
            status,
            code,
        );
    }
}

#[tokio::test]
async fn a_partial_header_is_dropped_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let base = start(AppState::new(
        served_index(),
        Limits {
            header_read_timeout: Duration::from_millis(300),
            ..Limits::default()
        },
    ));
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream
        .write_all(b"GET /v1/health HTTP/1.1\r\nHost: leian\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let closed =
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(closed.is_ok(), "a partial header was held for 10 s");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_place() {
    let base = start(AppState::new(
        served_index(),
        Limits {
            max_connections: 2,
            header_read_timeout: Duration::from_secs(30),
            ..Limits::default()
        },
    ));
    let address = base.trim_start_matches("http://").to_string();
    let idle_a = tokio::net::TcpStream::connect(&address).await.unwrap();
    let idle_b = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Both places are taken by idle sockets: a request waits in the backlog.
    let health = format!("{base}/v1/health");
    let waiting = client()
        .get(&health)
        .timeout(Duration::from_millis(500))
        .send()
        .await;
    assert!(waiting.is_err(), "served beyond the connection limit");
    drop((idle_a, idle_b));
    let served = client().get(&health).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
}

/// Sends `request` bytes on a new connection and reads until the server closes it (or `wait`
/// passes); returns the status and the body.
async fn raw_exchange(base: &str, request: &[u8], wait: Duration) -> (u16, String, Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    // The server may refuse before the whole request is written.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body, started.elapsed())
}

/// Issue 12: hyper's own refusals (414, 431, 400) carry the API's JSON error body.
#[tokio::test]
async fn refusals_before_routing_are_json_too() {
    let long_path = format!(
        "GET /v1/judgments/{} HTTP/1.1\r\nHost: leian\r\n\r\n",
        "a".repeat(70_000)
    );
    let many_headers = format!(
        "GET /v1/health HTTP/1.1\r\nHost: leian\r\n{}\r\n",
        (0..200)
            .map(|n| format!("x-h{n}: v\r\n"))
            .collect::<String>()
    );
    for (request, status, code) in [
        (long_path.as_bytes(), 414, "uri_too_long"),
        (many_headers.as_bytes(), 431, "headers_too_large"),
        (
            b"GET /v1/health HTTP/1.1\r\nHost: leian\r\nbad header\r\n\r\n".as_slice(),
            400,
            "invalid_request",
        ),
    ] {
        let (got, body, _) = raw_exchange(base(), request, Duration::from_secs(10)).await;
        assert_eq!(got, status, "{body}");
        let json: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body:?}"));
        assert_eq!(json["error"]["code"], code, "{json}");
    }
    // The server still answers.
    assert_eq!(get("/v1/health").await.0, StatusCode::OK);
}

/// Issue 12: a body shorter than its Content-Length is the client's fault: 408 within the
/// body-read limit (it was a 503 after the work timeout), and 400 when the client hangs up.
#[tokio::test]
async fn a_short_body_is_a_client_error() {
    let base = start(AppState::new(
        served_index(),
        Limits {
            body_read_timeout: Duration::from_millis(500),
            ..Limits::default()
        },
    ));
    let head = "POST /v1/search HTTP/1.1\r\nHost: leian\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"text\":";
    let (status, body, took) = raw_exchange(&base, head.as_bytes(), Duration::from_secs(8)).await;
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("body_timeout"), "{body}");
    assert!(took < Duration::from_secs(5), "{took:?}");

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(8), stream.read_to_end(&mut answer))
        .await
        .expect("an answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("invalid_request"), "{answer}");
}

/// Issue 12: a kept-alive connection that stays idle is closed (hyper's header-read timeout
/// runs from the end of each response).
#[tokio::test]
async fn idle_connections_are_closed() {
    let base = start(AppState::new(
        served_index(),
        Limits {
            header_read_timeout: Duration::from_millis(400),
            ..Limits::default()
        },
    ));
    let (status, _, took) = raw_exchange(
        &base,
        b"GET /v1/health HTTP/1.1\r\nHost: leian\r\n\r\n",
        Duration::from_secs(10),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(5),
        "idle connection held {took:?}"
    );
}

/// Issue 12: a citation check past its deadline stops (the research's own is tested in
/// leian-service) and the server answers `503 timeout` for it.
#[test]
fn citation_checks_stop_at_the_deadline() {
    use leian_core::deadline;
    let service = served_index();
    let draft = "依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款。".repeat(2_000);
    assert!(service.check_citations(&draft).is_ok());
    let past = std::time::Instant::now() - Duration::from_millis(1);
    let error = deadline::within(past, || service.check_citations(&draft)).unwrap_err();
    let error = leian_server::error::ApiError::from(error);
    assert_eq!(
        (error.status, error.code),
        (StatusCode::SERVICE_UNAVAILABLE, "timeout")
    );
}

/// Issue 12, item 1: a citation range is checked against the law's articles, never expanded
/// number by number (`第1条至第100000000条` took 50 s and 400 MB; `…4294967295条` killed a server).
#[tokio::test]
async fn citation_ranges_are_not_expanded() {
    for last in ["100000000", "4294967295", "99999999999999999999"] {
        let text = format!("依照《中华人民共和国刑法》第1条至第{last}条");
        let started = std::time::Instant::now();
        let (status, body) = check_citations(json!({ "text": text })).await;
        let took = started.elapsed();
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(took < Duration::from_secs(5), "{last}: {took:?}");
        let citations = body["citations"].as_array().unwrap();
        assert!(!citations.is_empty(), "{body}");
    }
}

/// Issue 12, item 3: a 1 MB query is answered (linear analysis) with a bounded answer (the
/// explanation spans of a 1 MB query made a 76 MB response).
#[tokio::test]
async fn a_megabyte_query_gets_a_bounded_answer() {
    let text = "被告人醉酒驾驶机动车在道路上行驶，盗窃他人财物。".repeat(1_000_000 / 72);
    let response = client()
        .post(format!("{}/v1/search", base()))
        .json(&json!({"text": text, "kind": "judgment", "mode": "bm25"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.unwrap();
    assert!(bytes.len() < 2 << 20, "{} bytes", bytes.len());
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    let spans = body["judgments"][0]["explanation"]["query_spans"]
        .as_array()
        .unwrap();
    assert!(!spans.is_empty() && spans.len() <= leian_legal::explain::MAX_SPANS);
}

/// Issue 12, item 2: beyond what the workers can take, requests are refused at once with
/// `503 overloaded` and `Retry-After`, never left to time out, and the server answers normally
/// right after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_is_shed_not_queued_forever() {
    // A waiting bound far below one heavy request's time, so that refusals do not depend on
    // the machine's speed.
    let base = start(AppState::new(
        served_index(),
        Limits {
            queue_wait: Duration::from_millis(5),
            ..Limits::default()
        },
    ));
    let heavy = "被告人醉酒驾驶机动车在道路上行驶，盗窃他人财物。".repeat(500_000 / 72);
    let mut requests = Vec::new();
    for _ in 0..24 {
        let (url, body) = (
            format!("{base}/v1/search"),
            json!({"text": heavy, "mode": "bm25"}),
        );
        requests.push(tokio::spawn(async move {
            let started = std::time::Instant::now();
            let response = client().post(url).json(&body).send().await.unwrap();
            let retry_after = response.headers().get("retry-after").cloned();
            let (status, body) = read(response).await;
            (status, body, retry_after, started.elapsed())
        }));
    }
    let mut refused = 0;
    for request in requests {
        let (status, body, retry_after, took) = request.await.unwrap();
        match status {
            StatusCode::OK => {}
            StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(body["error"]["code"], "overloaded", "{body}");
                assert!(retry_after.is_some());
                // Refused after the queue's wait bound, not after the 10 s timeout.
                assert!(took < Duration::from_secs(5), "{took:?}");
                refused += 1;
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        refused > 0,
        "24 heavy requests on the workers and none was refused"
    );
    let (status, body) = read(
        client()
            .post(format!("{base}/v1/search"))
            .json(&json!({"text": "醉酒驾驶机动车", "kind": "statute"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
