//! Issue 14, parallel cases, end to end: `leian batch` on synthetic waves of the development set
//! (JSON, Markdown, HTML, CSV from standard input), with the precedents of the shipped library,
//! and with a demonstrative judgment chosen, the referrals of every member (Markdown and HTML);
//! the same over HTTP as a job of the real server (`POST /v1/batches` → waves → representative and
//! demonstrative judgment → referrals), which survives a restart of the server mid-run; bad
//! input (empty batch, one filing, 100,000 lines, duplicate ids, lines without text, invalid
//! JSON, unknown waves, jobs and judgments) refused with line numbers or a stable code, nothing
//! stored; `leian eval --kind batch` on the development set.

mod support;

use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::*;

fn dev_set() -> PathBuf {
    root().join("corpus/fixtures/batch/dev.jsonl")
}

/// Two waves of the development set (the first with 3+ members) and three distractors.
fn small_batch(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(dev_set()).unwrap();
    let rows: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut waves: Vec<String> = Vec::new();
    for row in &rows {
        if let Some(wave) = row["wave"].as_str() {
            let size = rows.iter().filter(|r| r["wave"] == wave).count();
            if size >= 3 && !waves.iter().any(|w| w == wave) && waves.len() < 2 {
                waves.push(wave.to_string());
            }
        }
    }
    let chosen: Vec<&Value> = rows
        .iter()
        .filter(|r| {
            r["wave"]
                .as_str()
                .is_some_and(|w| waves.iter().any(|x| x == w))
        })
        .chain(rows.iter().filter(|r| r["wave"].is_null()).take(3))
        .collect();
    let file = dir.join("filings.jsonl");
    let lines: Vec<String> = chosen.iter().map(|r| r.to_string()).collect();
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    file
}

/// A filing of the insurer of cjrc-dev-56 (a judgment of the shipped library): parallel filings
/// of one repeat party (平安财险, under its full name) and cause.
fn insurer(id: &str, who: &str, sum: &str) -> String {
    serde_json::json!({"id": id, "text": format!(
        "原告中国平安财产保险股份有限公司安徽分公司向本院提出诉讼请求:1.判令{who}赔偿平安财险安徽分公司理赔金额{sum}元,并支付违约金(按每日千分之一计算);2.判令{who}支付逾期保费;3.判令{who}支付律师费;4.{who}承担本案的诉讼费用。事实与理由:{who}要求平安财险安徽分公司为其在中国农业银行股份有限公司安徽省分行营业部的贷款提供个人消费信贷保证保险,平安财险安徽分公司接受投保并签发保险单,保费缴纳方式为期缴,保险期间自个人消费信贷合同项下贷款发放之日起至清偿全部贷款本息之日止。{who}拖欠贷款达到80天,原告依约理赔后向{who}追偿未果。"
    )})
    .to_string()
}

fn insurer_batch() -> String {
    [
        insurer("p1", "刘x2", "52000"),
        insurer("p2", "王x9", "88000.50"),
        insurer("p3", "孙x3", "61000"),
    ]
    .join("\n")
}

/// The demonstrative judgment of the lenders' wave: a whole civil judgment (本院认为, 判决如下,
/// the articles applied) of the court-archive fixtures, `corpus/fixtures/archive`.
const DEMONSTRATIVE: &str = "case-（2021）京0105民初1234号";

/// A filing of a lender against the borrower of that judgment (the repeat defendant).
fn lender(id: &str, who: &str, sum: &str, date: &str) -> String {
    serde_json::json!({"id": id, "text": format!(
        "原告{who}向本院提出诉讼请求：1.判令被告北京某某科技有限公司偿还借款本金{sum}元；2.判令被告支付逾期利息；3.本案诉讼费用由被告负担。事实和理由：{date}，被告因经营需要向原告借款{sum}元，并出具借条一张，约定三个月内归还。原告当日通过银行转账交付借款，被告到期后未还款，经原告多次催要无果，故诉至法院。"
    )})
    .to_string()
}

/// Three lenders' filings (a wave) and one unrelated filing.
fn lenders_batch() -> String {
    [
        lender("l1", "王x1", "50000", "2020年4月2日"),
        lender("l2", "李x2", "80000", "2020年5月6日"),
        lender("l3", "赵x3", "120000", "2020年6月8日"),
        serde_json::json!({"id": "x1", "text": "原告曹某与被告张某原系夫妻关系，婚后生育一女，因感情不和，原告诉至法院请求离婚并抚养女儿。"}).to_string(),
    ]
    .join("\n")
}

/// The shipped library and the civil judgment of the archive fixtures, without vectors.
fn library_index(dir: &Path) -> PathBuf {
    let index = dir.join("index");
    let archive = dir.join("archive");
    std::fs::create_dir_all(&archive).unwrap();
    std::fs::copy(
        root().join("corpus/fixtures/archive/docs/chaoyang-jiedai.utf8.txt"),
        archive.join("chaoyang-jiedai.txt"),
    )
    .unwrap();
    ok(&[
        "index",
        "--corpus",
        path(&root().join("corpus/judgments.jsonl.gz")),
        path(&archive),
        "--out",
        path(&index),
        "--no-embed",
    ]);
    index
}

/// What every referral must say (Markdown): the holdings, the facts that match and differ, the
/// amounts side by side, the statutes, the mediator's space.
fn assert_referral_markdown(text: &str, filing: &str, sum: &str) {
    for needle in [
        "# 类案调解参照调处建议书",
        &format!("- **本案**：{filing}"),
        "- **示范判决案号**：",
        "## 二、示范判决的裁判要旨",
        "### 本院认为（摘要）\n\n本院认为",
        "### 判决如下\n\n",
        "## 三、本案与示范判决的事实比对",
        "### 相同的事实\n\n| 事实 | 本案 | 示范判决 |",
        "同一当事人（本案被告）",
        "北京某某科技有限公司",
        "借款",
        "### 不同的事实\n\n| 事实 | 本案 | 示范判决 |",
        "其他当事人",
        "## 四、金额对照\n\n| 项目 | 本案 | 示范判决 |",
        &format!("| 所载金额 | {sum} 元"),
        "| 裁判结果 | 待调解 |",
        "（2021）京0105民初1234号",
        "## 五、示范判决适用的法律条文\n\n- 中华人民共和国民法典第667条",
        "## 六、调解员意见",
        "**调解员意见（参照示范判决的调解方案）**：",
        "＿＿＿＿＿＿",
    ] {
        assert!(text.contains(needle), "{needle:?} missing:\n{text}");
    }
}

fn assert_referral_html(html: &str, members: usize) {
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<style>") && !html.contains("<script") && !html.contains("<link"));
    assert_eq!(
        html.matches("<h1>类案调解参照调处建议书</h1>").count(),
        members
    );
    for needle in [
        "<h2>二、示范判决的裁判要旨</h2>",
        "<h3>本院认为（摘要）</h3>\n<p>本院认为",
        "<h3>相同的事实</h3>",
        "<h3>不同的事实</h3>",
        "<th>事实</th><th>本案</th><th>示范判决</th>",
        "<h2>四、金额对照</h2>",
        "<h2>五、示范判决适用的法律条文</h2>\n<ul>\n<li>中华人民共和国民法典第667条",
        "<h2>六、调解员意见</h2>",
        "<textarea",
    ] {
        assert!(html.contains(needle), "{needle:?} missing:\n{html}");
    }
}

fn fails(args: &[&str]) -> String {
    let out = leian(args);
    assert!(!out.status.success(), "leian {args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn waves_with_shared_and_different_facts_and_precedents() {
    let dir = tempfile::tempdir().unwrap();
    let index = library_index(dir.path());
    let file = small_batch(dir.path());
    let batch: Value = serde_json::from_str(&ok(&[
        "batch",
        "--index",
        path(&index),
        "--json",
        path(&file),
    ]))
    .unwrap();
    let waves = batch["waves"].as_array().unwrap();
    assert_eq!(waves.len(), 2, "{batch:#}");
    for wave in waves {
        let members = wave["members"].as_array().unwrap();
        assert!(members.len() >= 3);
        let prefix = members[0].as_str().unwrap().split('-').next().unwrap();
        assert!(
            members
                .iter()
                .all(|m| m.as_str().unwrap().starts_with(&format!("{prefix}-"))),
            "a wave mixes seeds: {members:?}"
        );
        assert!(!wave["shared"]["parties"].as_array().unwrap().is_empty());
        // A cause is named when the facts name one; the shared legal terms always are.
        assert!(
            wave["shared"]["cause"].is_string()
                || !wave["shared"]["elements"].as_array().unwrap().is_empty()
        );
        assert_eq!(wave["differences"].as_array().unwrap().len(), members.len());
        assert!(members.contains(&wave["representative"]["id"]));
        assert!(
            wave["representative"]["reason"]
                .as_str()
                .unwrap()
                .contains("相似度")
        );
        let tiers: Vec<u64> = wave["precedents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["tier"].as_u64().unwrap())
            .collect();
        assert!(!tiers.is_empty() && tiers.is_sorted(), "{tiers:?}");
    }
    for wave in waves {
        if let Some(demo) = wave["demonstrative"].as_object() {
            assert!(
                wave["precedents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|p| p["id"] == demo["id"])
            );
        }
    }
    assert_eq!(batch["singletons"].as_array().unwrap().len(), 3);

    // Parallel filings of the insurer of cjrc-dev-56 (in the library): that judgment, same
    // repeat party (平安财险, under its full name here) and cause, is the demonstrative one.
    let wave_file = dir.path().join("insurer.jsonl");
    std::fs::write(&wave_file, insurer_batch()).unwrap();
    let insurer_batch: Value = serde_json::from_str(&ok(&[
        "batch",
        "--index",
        path(&index),
        "--json",
        path(&wave_file),
    ]))
    .unwrap();
    let wave = &insurer_batch["waves"][0];
    assert_eq!(
        wave["members"].as_array().unwrap().len(),
        3,
        "{insurer_batch:#}"
    );
    assert_eq!(
        wave["shared"]["parties"][0]["key"], "平安财险",
        "{insurer_batch:#}"
    );
    assert_eq!(
        wave["demonstrative"]["id"], "cjrc-dev-56",
        "{insurer_batch:#}"
    );

    // A wave of lenders against one borrower; the judge chooses the borrower's judgment as the
    // demonstrative one: a referral for each member, in Markdown and HTML.
    let lenders = dir.path().join("lenders.jsonl");
    std::fs::write(&lenders, lenders_batch()).unwrap();
    let referrals = dir.path().join("referrals");
    let demonstrative = format!("W1={DEMONSTRATIVE}");
    let out = leian(&[
        "batch",
        "--index",
        path(&index),
        "--demonstrative",
        &demonstrative,
        "--referrals",
        path(&referrals),
        "--json",
        path(&lenders),
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lenders_waves: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        lenders_waves["waves"][0]["members"],
        serde_json::json!(["l1", "l2", "l3"]),
        "{lenders_waves:#}"
    );
    assert!(
        stderr.contains(&format!(
            "系列 W1：以 {DEMONSTRATIVE} 为示范判决，已为 3 件案件写出参照调处建议书"
        )),
        "{stderr}"
    );
    for (filing, sum) in [("l1", "50000"), ("l2", "80000"), ("l3", "120000")] {
        let markdown = std::fs::read_to_string(referrals.join(format!("W1/{filing}.md"))).unwrap();
        assert_referral_markdown(&markdown, filing, sum);
        let html = std::fs::read_to_string(referrals.join(format!("W1/{filing}.html"))).unwrap();
        assert_referral_html(&html, 1);
    }
    assert!(
        !referrals.join("W1/x1.md").exists(),
        "a singleton has no referral"
    );
    let only_html = dir.path().join("html-only");
    ok(&[
        "batch",
        "--index",
        path(&index),
        "--demonstrative",
        &demonstrative,
        "--referrals",
        path(&only_html),
        "--referral-format",
        "html",
        path(&lenders),
    ]);
    assert!(only_html.join("W1/l1.html").is_file() && !only_html.join("W1/l1.md").exists());
    // Wrong choices are refused with what is wrong.
    let other_wave = format!("W9={DEMONSTRATIVE}");
    for (args, expected) in [
        (
            vec!["--demonstrative", other_wave.as_str(), "--referrals", "r9"],
            "没有系列“W9”（本批次的系列：W1）",
        ),
        (
            vec![
                "--demonstrative",
                "W1=no-such-judgment",
                "--referrals",
                "r9",
            ],
            "索引中没有 id 为“no-such-judgment”的裁判文书",
        ),
        (
            vec!["--demonstrative", "W1", "--referrals", "r9"],
            "应为 系列=裁判文书ID",
        ),
        (
            vec!["--demonstrative", demonstrative.as_str()],
            "--demonstrative 需与 --referrals DIR 同用",
        ),
        (
            vec!["--referrals", "r9"],
            "--referrals 需要至少一个 --demonstrative",
        ),
    ] {
        let mut all = vec!["batch", "--index", path(&index)];
        all.extend(args);
        all.push(path(&lenders));
        let message = fails(&all);
        assert!(message.contains(expected), "{expected}: {message}");
    }
    assert!(
        fails(&[
            "batch",
            "--demonstrative",
            "W1=x",
            "--referrals",
            "r9",
            path(&lenders)
        ])
        .contains("--demonstrative 需要 --index")
    );

    let markdown = ok(&["batch", "--index", path(&index), path(&file)]);
    for heading in [
        "# 系列案件分组",
        "## 系列 W1",
        "### 相同之处",
        "| 共同当事人 |",
        "| 案由 |",
        "### 不同之处",
        "| 案件 | 金额 | 日期 | 其他当事人 |",
        "### 建议示范性首案",
        "### 已有类案（按效力层级）",
        "## 未归入系列的案件",
    ] {
        assert!(markdown.contains(heading), "{heading} missing:\n{markdown}");
    }
    let html_file = dir.path().join("waves.html");
    ok(&[
        "batch",
        "--format",
        "html",
        "--out",
        path(&html_file),
        path(&file),
    ]);
    let html = std::fs::read_to_string(&html_file).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<th>其他当事人</th>"));
    assert!(html.contains("建议示范性首案"));
}

#[test]
fn csv_from_standard_input() {
    let csv = "id,text\n\
        k1,\"原告招商银行股份有限公司信用卡中心诉称，被告刘x2于2016年3月5日申领信用卡，透支消费后尚欠本金35000元及利息、滞纳金未还，经催收仍未还款。\"\n\
        k2,\"原告招商银行信用卡中心诉称，被告王x7于2017年1月9日申领信用卡，透支消费后尚欠本金18200元及利息、滞纳金未还，经催收仍未还款。\"\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["batch", "--json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(csv.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batch: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        batch["waves"][0]["members"],
        serde_json::json!(["k1", "k2"])
    );
    assert_eq!(batch["waves"][0]["shared"]["parties"][0]["key"], "招商银行");
}

#[test]
fn bad_input_is_refused_in_chinese_with_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let file = dir.path().join(name);
        std::fs::write(&file, text).unwrap();
        file
    };
    let empty = write("empty.jsonl", "\n");
    assert!(fails(&["batch", path(&empty)]).contains("没有任何案件"));

    let one = write(
        "one.jsonl",
        r#"{"id":"x1","text":"原告曹0与被告张x1原系夫妻关系，现原告诉请离婚。"}"#,
    );
    let batch: Value = serde_json::from_str(&ok(&["batch", "--json", path(&one)])).unwrap();
    assert_eq!(batch["waves"], serde_json::json!([]));
    assert_eq!(batch["singletons"], serde_json::json!(["x1"]));
    assert!(ok(&["batch", path(&one)]).contains("未归入系列"));

    let bad = write(
        "bad.jsonl",
        "{\"id\":\"a\",\"text\":\"原告诉称\"}\n{\"id\":\"a\",\"text\":\"又一件\"}\n{\"id\":\"b\"}\n{\"id\":\"c\",\"text\":\n",
    );
    let message = fails(&["batch", "--json", path(&bad)]);
    assert!(message.contains("3 处错误"), "{message}");
    assert!(
        message.contains("第 2 行：案件编号 a 重复（第 1 行已出现）"),
        "{message}"
    );
    assert!(message.contains("第 3 行：案件 b 缺少 text"), "{message}");
    assert!(message.contains("第 4 行：不是有效的 JSON"), "{message}");

    let no_column = write("bad.csv", "编号,内容\n1,原告诉称\n");
    assert!(fails(&["batch", path(&no_column)]).contains("CSV 缺少 id 列"));
    assert!(
        fails(&["batch", path(&dir.path().join("missing.jsonl"))]).contains("无法读取案件文件")
    );
}

#[test]
fn eval_on_the_development_set() {
    let metrics: Value = serde_json::from_str(&ok(&[
        "eval",
        "--kind",
        "batch",
        "--queries",
        path(&dev_set()),
        "--json",
    ]))
    .unwrap();
    for key in ["pair_precision", "pair_recall", "pair_f1", "ari", "queries"] {
        assert!(metrics[key].is_number(), "{key} missing: {metrics}");
    }
    assert!(metrics["pair_f1"].as_f64().unwrap() >= 0.85, "{metrics}");
    assert!(metrics["ari"].as_f64().unwrap() >= 0.8, "{metrics}");
    assert!(metrics["queries"].as_u64().unwrap() > 300);
}

/// `leian serve` on `index` with a read key; `extra` environment (the test hooks).
fn serve(index: &Path, key: &str, extra: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_leian"));
    command
        .args(["serve", "--index", path(index)])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("LEIAN_API_KEYS", format!("judge:read:{}", key_hash(key)))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in extra {
        command.env(name, value);
    }
    let server = Server {
        child: command.spawn().expect("leian serve starts"),
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_for(&format!("{}/v1/ready", server.base), key, 120, |body| {
        body["status"] == "ready"
    });
    server
}

struct Api<'a> {
    base: &'a str,
    key: &'a str,
}

impl Api<'_> {
    fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        body: Option<String>,
    ) -> reqwest::blocking::Response {
        let mut request = http()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.key);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        request.send().unwrap()
    }

    fn post(&self, path: &str, content_type: &str, body: String) -> (u16, Value) {
        let response = self.send(reqwest::Method::POST, path, Some(content_type), Some(body));
        (response.status().as_u16(), response.json().unwrap())
    }

    fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.send(
            reqwest::Method::PUT,
            path,
            Some("application/json"),
            Some(body.to_string()),
        );
        (response.status().as_u16(), response.json().unwrap())
    }

    fn get(&self, path: &str) -> (u16, Value) {
        let response = self.send(reqwest::Method::GET, path, None, None);
        (response.status().as_u16(), response.json().unwrap())
    }

    fn text(&self, path: &str) -> (u16, String, String) {
        let response = self.send(reqwest::Method::GET, path, None, None);
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        (
            response.status().as_u16(),
            content_type,
            response.text().unwrap(),
        )
    }

    /// Polls the job until it is done (or failed).
    fn finished(&self, id: &str) -> Value {
        wait_for(
            &format!("{}/v1/batches/{id}", self.base),
            self.key,
            120,
            |job| job["status"] == "done" || job["status"] == "failed",
        )
    }
}

/// Rows of the job store, to show that refused batches store nothing.
fn stored_jobs(store: &Path) -> i64 {
    let db = rusqlite::Connection::open(store).unwrap();
    db.query_row("SELECT COUNT(*) FROM batch_jobs", [], |row| row.get(0))
        .unwrap()
}

fn error_code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[test]
fn http_jobs_survive_a_restart_and_give_referrals() {
    if !support::has_test_hooks() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = library_index(dir.path());
    let key = "leian_batch_test_read_key";
    let marker = dir.path().join("paused");
    let store = dir.path().join("index.batches.sqlite");

    // A server whose batch worker stops once a job is running (debug builds' test hook).
    let server = serve(
        &index,
        key,
        &[
            ("LEIAN_PAUSE_AT", "batch-running"),
            ("LEIAN_PAUSE_MARKER", path(&marker)),
        ],
    );
    let api = Api {
        base: &server.base,
        key,
    };
    let response = api.send(
        reqwest::Method::POST,
        "/v1/batches?threshold=0.5&top_k=5",
        Some("application/x-ndjson"),
        Some(lenders_batch()),
    );
    assert_eq!(response.status().as_u16(), 202);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let job: Value = response.json().unwrap();
    let id = job["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/v1/batches/{id}"));
    assert_eq!(job["status"], "queued");
    assert_eq!(job["filings"], 4);
    assert_eq!(job["options"]["top_k"], 5);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !marker.exists() {
        assert!(std::time::Instant::now() < deadline, "the job never ran");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (status, running) = api.get(&location);
    assert_eq!((status, running["status"].as_str()), (200, Some("running")));
    assert!(store.is_file(), "the jobs are kept beside the index");
    // Not ready yet: no choices.
    let (status, body) = api.put(
        &format!("{location}/waves/W1/demonstrative"),
        serde_json::json!({"judgment_id": DEMONSTRATIVE}),
    );
    assert_eq!(
        (status, error_code(&body)),
        (409, "batch_not_ready"),
        "{body}"
    );
    drop(server);

    // Started again: the interrupted job runs to its end.
    let server = serve(&index, key, &[]);
    let api = Api {
        base: &server.base,
        key,
    };
    let job = api.finished(&id);
    assert_eq!(job["status"], "done", "{job:#}");
    assert_eq!(job["restarts"], 1, "{job:#}");
    assert_eq!(job["progress"]["stage"], "已完成");
    let batch = &job["result"];
    assert_eq!(batch["filings"], 4);
    assert_eq!(batch["singletons"], serde_json::json!(["x1"]));
    let wave = &batch["waves"][0];
    assert_eq!(wave["id"], "W1");
    assert_eq!(wave["members"], serde_json::json!(["l1", "l2", "l3"]));
    assert_eq!(wave["differences"].as_array().unwrap().len(), 3);
    assert!(
        !wave["precedents"].as_array().unwrap().is_empty(),
        "{wave:#}"
    );
    // The same document as `leian batch --json` (but its timing).
    let lenders = dir.path().join("lenders.jsonl");
    std::fs::write(&lenders, lenders_batch()).unwrap();
    let mut cli: Value = serde_json::from_str(&ok(&[
        "batch",
        "--index",
        path(&index),
        "--top-k",
        "5",
        "--json",
        path(&lenders),
    ]))
    .unwrap();
    let mut served = batch.clone();
    cli["took_ms"] = Value::Null;
    served["took_ms"] = Value::Null;
    assert_eq!(cli, served);

    // The judge's choices, checked.
    let wave_path = format!("{location}/waves/W1");
    let (status, _, body) = api.text(&format!("{wave_path}/referrals"));
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("no_demonstrative"), "{body}");
    for (path, body, status, code) in [
        (
            format!("{wave_path}/representative"),
            serde_json::json!({"filing_id": "x1"}),
            422,
            "filing_not_found",
        ),
        (
            format!("{wave_path}/demonstrative"),
            serde_json::json!({"judgment_id": "no-such-judgment"}),
            422,
            "judgment_not_found",
        ),
        (
            format!("{wave_path}/demonstrative"),
            serde_json::json!({"id": DEMONSTRATIVE}),
            422,
            "invalid_request",
        ),
        (
            format!("{location}/waves/W9/demonstrative"),
            serde_json::json!({"judgment_id": DEMONSTRATIVE}),
            404,
            "wave_not_found",
        ),
        (
            "/v1/batches/b000/waves/W1/demonstrative".to_string(),
            serde_json::json!({"judgment_id": DEMONSTRATIVE}),
            404,
            "batch_not_found",
        ),
    ] {
        let (got, answer) = api.put(&path, body);
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{path}: {answer}"
        );
        assert!(!answer["error"]["message"].as_str().unwrap().is_empty());
    }
    let (status, body) = api.put(
        &format!("{wave_path}/representative"),
        serde_json::json!({"filing_id": "l2"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choice"]["representative"], "l2");
    let (status, body) = api.put(
        &format!("{wave_path}/demonstrative"),
        serde_json::json!({"judgment_id": DEMONSTRATIVE}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choice"]["demonstrative"]["id"], DEMONSTRATIVE);
    assert_eq!(body["choice"]["representative"], "l2");

    // Referrals of the whole wave and of one member, Markdown, HTML and JSON.
    let (status, content_type, markdown) =
        api.text(&format!("{wave_path}/referrals?format=markdown"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/markdown; charset=utf-8")
    );
    let parts: Vec<&str> = markdown.split("\n---\n").collect();
    assert_eq!(parts.len(), 3, "{markdown}");
    for (part, (filing, sum)) in
        parts
            .iter()
            .zip([("l1", "50000"), ("l2", "80000"), ("l3", "120000")])
    {
        assert_referral_markdown(part, filing, sum);
        assert!(part.contains("- **示范性首案**：l2"), "{part}");
    }
    let (status, content_type, html) = api.text(&format!("{wave_path}/referrals"));
    assert_eq!(
        (status, content_type.as_str()),
        (200, "text/html; charset=utf-8")
    );
    assert_referral_html(&html, 3);
    let (status, _, one) = api.text(&format!("{wave_path}/referrals/l3?format=markdown"));
    assert_eq!(status, 200);
    assert_referral_markdown(&one, "l3", "120000");
    assert!(!one.contains("- **本案**：l1"));
    let (status, json) = api.get(&format!("{wave_path}/referrals?format=json"));
    assert_eq!(status, 200);
    let referrals = json["referrals"].as_array().unwrap();
    assert_eq!(referrals.len(), 3);
    assert!(
        referrals
            .iter()
            .all(|r| !r["matching"].as_array().unwrap().is_empty()
                && !r["differing"].as_array().unwrap().is_empty()
                && r["statutes"].as_array().unwrap().len() >= 2
                && r["holdings"].as_str().unwrap().starts_with("本院认为"))
    );
    for (path, status, code) in [
        (format!("{wave_path}/referrals/x1"), 404, "filing_not_found"),
        (
            format!("{wave_path}/referrals?format=pdf"),
            422,
            "invalid_request",
        ),
        (
            format!("{location}/waves/W2/referrals"),
            404,
            "wave_not_found",
        ),
        ("/v1/batches/nope".to_string(), 404, "batch_not_found"),
    ] {
        let (got, answer) = api.get(&path);
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{path}: {answer}"
        );
    }
    // The choices are part of the job.
    let (_, job) = api.get(&location);
    assert_eq!(job["choices"]["W1"]["representative"], "l2");
    assert_eq!(job["choices"]["W1"]["demonstrative"]["id"], DEMONSTRATIVE);
    // Without a key: refused.
    let anonymous = http()
        .get(format!("{}{location}", server.base))
        .send()
        .unwrap();
    assert_eq!(anonymous.status().as_u16(), 401);

    // Bad input: refused with a stable code and the lines concerned, nothing stored.
    let before = stored_jobs(&store);
    let line = |id: &str, text: &str| serde_json::json!({"id": id, "text": text}).to_string();
    let cases: Vec<(&str, String, u16, &str, Vec<u64>)> = vec![
        ("application/x-ndjson", "\n\n".into(), 422, "empty_batch", vec![]),
        ("application/x-ndjson", format!("{}\n", line("a", "原告诉称被告借款未还。")).repeat(100_000), 413, "too_many_filings", vec![]),
        ("application/x-ndjson", [line("a", "原告诉称"), line("a", "又一件"), r#"{"id":"b"}"#.into(), "{\"id\":\"c\",\"text\":".into()].join("\n"), 422, "invalid_batch", vec![2, 3, 4]),
        ("text/csv", "编号,内容\n1,原告诉称\n".into(), 422, "invalid_batch", vec![]),
        ("text/csv", "id,text\nc1,原告诉称\nc2,\n".into(), 422, "invalid_batch", vec![3]),
        ("application/json", r#"{"filings": [{"id": "a", "text": "原告诉称"}, {"id": "a", "text": "又一件"}, {"text": "无编号"}]}"#.into(), 422, "invalid_batch", vec![2, 3]),
        ("application/json", "{\"filings\": [".into(), 422, "invalid_batch", vec![]),
        ("application/xml", "<filings/>".into(), 415, "unsupported_media_type", vec![]),
    ];
    for (content_type, body, status, code, lines) in cases {
        let (got, answer) = api.post("/v1/batches", content_type, body);
        assert_eq!(
            (got, error_code(&answer)),
            (status, code),
            "{content_type}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(!message.is_empty() && !message.is_ascii(), "{message}");
        let found: Vec<u64> = answer["error"]["problems"]
            .as_array()
            .map(|p| p.iter().map(|p| p["line"].as_u64().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(found, lines, "{answer}");
    }
    let (_, answer) = api.post(
        "/v1/batches",
        "application/x-ndjson",
        [
            line("a", "原告诉称"),
            line("a", "又一件"),
            r#"{"id":"b"}"#.into(),
            "{\"id\":\"c\",\"text\":".into(),
        ]
        .join("\n"),
    );
    let message = answer["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("第 2 行：案件编号 a 重复（第 1 行已出现）"),
        "{message}"
    );
    assert!(message.contains("第 3 行：案件 b 缺少 text"), "{message}");
    assert!(message.contains("第 4 行：不是有效的 JSON"), "{message}");
    let (status, answer) = api.post(
        "/v1/batches?threshold=2",
        "application/x-ndjson",
        line("a", "原告诉称"),
    );
    assert_eq!((status, error_code(&answer)), (422, "invalid_request"));
    assert_eq!(stored_jobs(&store), before, "a refused batch was stored");

    // One filing, and the JSON form: accepted, a singleton.
    let (status, one) = api.post(
        "/v1/batches",
        "application/json",
        serde_json::json!({"filings": [{"id": "x1", "text": "原告曹某与被告张某原系夫妻关系，现原告诉请离婚。"}]}).to_string(),
    );
    assert_eq!(status, 202, "{one}");
    let one = api.finished(one["id"].as_str().unwrap());
    assert_eq!(one["result"]["waves"], serde_json::json!([]));
    assert_eq!(one["result"]["singletons"], serde_json::json!(["x1"]));
    // CSV: the same waves as JSONL.
    let csv = format!(
        "id,text\n{}\n",
        lenders_batch()
            .lines()
            .map(|l| {
                let row: Value = serde_json::from_str(l).unwrap();
                format!(
                    "{},\"{}\"",
                    row["id"].as_str().unwrap(),
                    row["text"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    );
    let (status, from_csv) = api.post("/v1/batches", "text/csv", csv);
    assert_eq!(status, 202, "{from_csv}");
    let from_csv = api.finished(from_csv["id"].as_str().unwrap());
    assert_eq!(
        from_csv["result"]["waves"][0]["members"],
        serde_json::json!(["l1", "l2", "l3"])
    );
    // Nothing lost: the first job and its choices are still there.
    let (_, job) = api.get(&location);
    assert_eq!(job["choices"]["W1"]["demonstrative"]["id"], DEMONSTRATIVE);
}
