//! Issue 13 end to end, on the shipped precedent library: `leian sentence`, the search
//! response's `outcome.estimate`, and the draft outcome check through `leian check` and
//! `POST /v1/drafts/check` — with the inputs that have no reference (no 判决如下, an unreadable
//! outcome, a text that is no criminal case).

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use support::*;

/// The shipped library indexed once for this file, with the fixtures' statutes for the citation
/// check (BM25: the estimate needs no vectors).
fn library_index() -> &'static Path {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let index = dir.join("index");
        let library = root().join("corpus/judgments.jsonl.gz");
        let statutes = root().join("corpus/fixtures/lawrefbook");
        ok(&[
            "index",
            "--corpus",
            path(&library),
            "--statutes",
            path(&statutes),
            "--out",
            path(&index),
            "--no-embed",
        ]);
        index
    })
}

/// Facts of judge-fad80e6e (（2018）沪0105刑初655号), sentenced to 有期徒刑六个月 for 盗窃.
const THEFT_FACTS: &str = "上海市长宁区人民检察院指控：2016年5月9日13时许，被告人安旭伙同杨某（已判决）至本市长宁区福泉路XXX弄XXX号XXX室，利用自备工具撬门入户盗窃，窃得被害人弓某某放置于房间三楼储藏室内的多件金银首饰后逃逸。2018年4月15日，被告人安旭在广州火车站被公安机关抓获。案发后，被告人安旭在家属帮助下退缴部分违法所得人民币3，000元。";

fn draft(sentence: &str) -> String {
    format!(
        "{THEFT_FACTS}\n本院认为，被告人安旭以非法占有为目的，入户盗窃，其行为已构成盗窃罪。依照《中华人民共和国刑法》第二百六十四条之规定，判决如下：\n一、被告人安旭犯盗窃罪，判处{sentence}，并处罚金人民币二千元。"
    )
}

fn json_of(args: &[&str]) -> Value {
    serde_json::from_str(&ok(args)).unwrap()
}

/// `leian check` on a draft: its exit status and its JSON.
fn check(text: &str) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draft.txt");
    std::fs::write(&file, text).unwrap();
    let out = leian(&[
        "check",
        "--index",
        path(library_index()),
        "--json",
        path(&file),
    ]);
    let body = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code(), body)
}

#[test]
fn sentence_estimates_a_theft_and_names_its_cases() {
    let index = library_index();
    let estimate = json_of(&["sentence", "--index", path(index), "--json", THEFT_FACTS]);
    assert_eq!(estimate["status"], "estimated", "{estimate}");
    assert_eq!(estimate["charge"], "盗窃罪");
    let months = estimate["months"].as_f64().unwrap();
    let band: Vec<f64> = serde_json::from_value(estimate["band"].clone()).unwrap();
    assert!(band[0] <= months && months <= band[1], "{estimate}");
    // 入户盗窃 of 数额较大: the bracket of three years at most.
    assert!((2.0..=36.0).contains(&months), "{estimate}");
    assert_eq!(estimate["statutory_range"]["to_months"], 36);
    let cases = estimate["cases"].as_array().unwrap();
    assert!(!cases.is_empty() && cases.len() <= 10, "{estimate}");
    let weights: f64 = cases.iter().map(|c| c["weight"].as_f64().unwrap()).sum();
    assert!(weights > 0.0 && weights <= 1.0 + 1e-6, "{estimate}");
    for case in cases {
        assert!(case["id"].as_str().unwrap().starts_with("judge-"), "{case}");
        assert!(case["months"].as_u64().unwrap() > 0, "{case}");
    }
    assert!(estimate["probation_share"].is_f64(), "{estimate}");
    assert!(estimate["summary"].as_str().unwrap().contains("盗窃罪"));

    let human = ok(&["sentence", "--index", path(index), THEFT_FACTS]);
    assert!(human.contains("类案量刑参考（盗窃罪）"), "{human}");
    assert!(human.contains("估计刑期"), "{human}");
    assert!(human.contains("所依据的类案"), "{human}");
}

#[test]
fn sentence_abstains_on_a_civil_text_and_refuses_an_empty_one() {
    let index = library_index();
    let civil = "原告与被告签订借款合同，被告借款人民币五万元，约定三个月后归还，到期后被告未还款，原告诉至法院。";
    let estimate = json_of(&["sentence", "--index", path(index), "--json", civil]);
    assert_eq!(estimate["status"], "abstained", "{estimate}");
    assert!(
        estimate["summary"]
            .as_str()
            .unwrap()
            .contains("不作量刑参考")
    );
    assert!(estimate.get("months").is_none(), "{estimate}");
    let out = leian(&["sentence", "--index", path(index), "   "]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("案情事实为空"));
}

#[test]
fn the_search_response_carries_the_estimate() {
    let index = library_index();
    let research = json_of(&["search", "--index", path(index), "--json", THEFT_FACTS]);
    let estimate = &research["outcome"]["estimate"];
    assert_eq!(estimate["status"], "estimated", "{research}");
    assert_eq!(estimate["charge"], "盗窃罪");
    // The distribution stays where it was.
    assert!(research["outcome"]["criminal_judgments"].as_u64().unwrap() > 0);
    // A civil query's outcome has no estimate.
    let civil = json_of(&[
        "search",
        "--index",
        path(index),
        "--json",
        "原告与被告签订房屋租赁合同，被告拖欠租金八个月，原告请求解除合同并支付租金。",
    ]);
    assert!(
        civil["outcome"].get("estimate").is_none(),
        "{}",
        civil["outcome"]
    );
}

#[test]
fn the_report_holds_the_sentencing_reference() {
    let markdown = ok(&[
        "report",
        "--index",
        path(library_index()),
        "--format",
        "markdown",
        THEFT_FACTS,
    ]);
    assert!(markdown.contains("类案量刑参考"), "{markdown}");
    assert!(markdown.contains("估计刑期"), "{markdown}");
    assert!(markdown.contains("不替代法官依法独立裁量"), "{markdown}");
}

#[test]
fn a_draft_is_consistent_heavier_or_lighter_than_similar_cases() {
    let (status, same) = check(&draft("有期徒刑六个月"));
    assert_eq!(same["outcome"]["status"], "consistent", "{same}");
    assert_eq!(status, Some(0), "{same}");
    assert_eq!(same["outcome"]["months"], 6);
    assert!(same["outcome"]["percentile"].is_f64(), "{same}");
    assert!(same["outcome"].get("alert").is_none(), "{same}");
    // The citation check keeps working beside it.
    assert_eq!(same["citations"][0]["status"], "valid", "{same}");

    let (status, heavy) = check(&draft("有期徒刑十年"));
    assert_eq!(heavy["outcome"]["status"], "heavier", "{heavy}");
    assert_eq!(status, Some(1));
    let alert = heavy["outcome"]["alert"].as_str().unwrap();
    assert!(
        alert.contains("明显重于相似类案") && alert.contains("专业法官会议"),
        "{alert}"
    );
    assert!(
        !heavy["outcome"]["nearest_lighter"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let (_, light) = check(&draft("拘役一个月"));
    assert_eq!(light["outcome"]["status"], "lighter", "{light}");

    // A term the general part does not allow is named with its article.
    let (_, illegal) = check(&draft("有期徒刑三个月"));
    let issues = illegal["outcome"]["legal_issues"].as_array().unwrap();
    assert!(
        issues[0]["message"]
            .as_str()
            .unwrap()
            .contains("第四十五条"),
        "{illegal}"
    );
}

#[test]
fn drafts_without_a_reference_say_why() {
    let cases = [
        (THEFT_FACTS.to_string(), "判决如下"),
        (
            format!("{THEFT_FACTS}\n判决如下：本案另行处理。"),
            "未能读出",
        ),
        (
            "今天天气晴朗，我们去公园散步，看到很多人在放风筝。".to_string(),
            "判决如下",
        ),
    ];
    for (text, why) in cases {
        let (status, body) = check(&text);
        assert_eq!(body["outcome"]["status"], "no_reference", "{body}");
        assert!(
            body["outcome"]["reason"].as_str().unwrap().contains(why),
            "{body}"
        );
        assert_eq!(status, Some(0), "{body}");
    }
}

#[test]
fn post_drafts_check_answers_and_refuses_bad_input() {
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["serve", "--index", path(library_index())])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    wait_for(&format!("{base}/v1/ready"), "", 60, |_| true);
    let client = http();
    let post = |body: Value| {
        let response = client
            .post(format!("{base}/v1/drafts/check"))
            .json(&body)
            .send()
            .unwrap();
        (
            response.status().as_u16(),
            response.json::<Value>().unwrap(),
        )
    };
    let (status, body) = post(serde_json::json!({"text": draft("有期徒刑十年")}));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["outcome"]["status"], "heavier", "{body}");
    assert!(body["citations"].is_array(), "{body}");
    let (status, body) = post(serde_json::json!({"text": THEFT_FACTS}));
    assert_eq!(
        (status, &body["outcome"]["status"]),
        (200, &"no_reference".into())
    );
    let (status, body) = post(serde_json::json!({"text": "  "}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (400, &"empty_text".into())
    );
    let (status, body) = post(serde_json::json!({"text": 42}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &"invalid_request".into())
    );
    let (status, body) = post(serde_json::json!({"draft": "判决如下"}));
    assert_eq!(
        (status, &body["error"]["code"]),
        (422, &"invalid_request".into())
    );
    server.kill().unwrap();
    server.wait().unwrap();
}

/// A civil draft against similar civil judgments. The shipped library has no civil operative
/// parts, so a court's archive is stood in for by judgments written here: six claims for the
/// interest of an oral loan, five rejected.
#[test]
fn a_civil_draft_that_supports_what_similar_cases_reject_is_flagged() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("civil.jsonl");
    let mut lines = String::new();
    for i in 0..6 {
        let result = match i {
            0 => "判决如下：被告王某于本判决生效之日起十日内支付原告李某借款利息人民币5000元。",
            _ => "判决如下：驳回原告李某的全部诉讼请求。",
        };
        let judgment = serde_json::json!({
            "id": format!("civil-{i}"),
            "domain": "civil",
            "causes": ["民间借贷纠纷"],
            "facts": format!("原告李某诉称，2019年{}月被告王某向其口头借款人民币{}万元，未约定利息，现要求被告支付借款利息。被告辩称双方未约定利息，借款本金已经归还。", i + 1, i + 2),
            "result": result,
        });
        lines.push_str(&format!("{judgment}\n"));
    }
    std::fs::write(&corpus, lines).unwrap();
    let index = dir.path().join("index");
    ok(&[
        "index",
        "--corpus",
        path(&corpus),
        "--out",
        path(&index),
        "--no-embed",
    ]);
    let draft = dir.path().join("draft.txt");
    std::fs::write(
        &draft,
        "原告李某诉称，2020年3月被告王某向其口头借款人民币3万元，未约定利息，现要求被告支付借款利息。被告辩称双方未约定利息，本金已经归还。\n本院认为，……\n判决如下：被告王某于本判决生效之日起十日内支付原告李某借款利息人民币3000元。",
    )
    .unwrap();
    let out = leian(&["check", "--index", path(&index), "--json", path(&draft)]);
    let body: Value = serde_json::from_slice(&out.stdout).unwrap();
    let outcome = &body["outcome"];
    assert_eq!(outcome["domain"], "civil", "{body}");
    assert_eq!(outcome["status"], "heavier", "{body}");
    assert_eq!(outcome["civil"]["rejected"], 5, "{body}");
    assert!(
        outcome["alert"]
            .as_str()
            .unwrap()
            .contains("与多数类案的处理不同")
    );
    assert_eq!(out.status.code(), Some(1));
}
