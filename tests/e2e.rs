//! End-to-end through the real `leian` binary: index → search → eval, on the repository's own
//! fixtures and, when `../shared/data` is present, on the shared corpus and evaluation sets.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

#[test]
fn fixtures_index_search_eval() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let out = index_fixtures(&index, &["--no-embed"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains("裁判文书 5 份"), "{summary}");
    assert!(
        summary.contains("broken.json"),
        "the broken LeCaRD file is reported: {summary}"
    );
    assert!(index.join("manifest.json").is_file());

    let json = ok(&[
        "search",
        "--index",
        path(&index),
        "--kind",
        "judgment",
        "--json",
        "被告人入户盗窃现金",
    ]);
    let response: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(response["judgments"][0]["id"], "lecard-1001");
    assert!(
        response["judgments"][0]["snippet"]["marked"]
            .as_str()
            .unwrap()
            .contains("【")
    );

    let json = ok(&[
        "search",
        "--index",
        path(&index),
        "--kind",
        "statute",
        "--json",
        "醉酒驾驶机动车",
    ]);
    let response: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        response["statutes"][0]["id"],
        "中华人民共和国刑法第133条之一"
    );

    // Query-syntax characters and filters are data, not syntax.
    ok(&[
        "search",
        "--index",
        path(&index),
        "--filter",
        "domain=criminal",
        "盗窃\" : ( ) [ ] ^ ~ * + 现金",
    ]);
    // Bad input: clear errors, no panics.
    for bad in [
        vec!["search", "--index", path(&index), "，。！的"],
        vec!["search", "--index", path(&index), "   "],
        vec![
            "search",
            "--index",
            path(&index),
            "--filter",
            "domain=crimnal",
            "盗窃",
        ],
        vec![
            "search",
            "--index",
            path(&index),
            "--filter",
            "colour=red",
            "盗窃",
        ],
        vec!["search", "--index", path(&index), "--top-k", "0", "盗窃"],
        vec!["search", "--index", path(&index), "--mode", "fuzzy", "盗窃"],
        vec!["search", "--index", "/nonexistent/index", "盗窃"],
    ] {
        let out = leian(&bad);
        assert!(!out.status.success(), "{bad:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            // clap reports bad arguments itself ("error: invalid value …").
            (stderr.starts_with("错误：") || stderr.starts_with("error:"))
                && !stderr.contains("panicked"),
            "{bad:?}: {stderr}"
        );
    }

    let queries = dir.path().join("queries.jsonl");
    let qrels = dir.path().join("qrels.trec");
    std::fs::write(&queries, "{\"id\":\"q1\",\"text\":\"醉酒后驾驶机动车\"}\n{\"id\":\"q2\",\"text\":\"无标注的查询\"}\n").unwrap();
    std::fs::write(&qrels, "q1 0 中华人民共和国刑法第133条 1\n").unwrap();
    let run = dir.path().join("run.trec");
    let json = ok(&[
        "eval",
        "--index",
        path(&index),
        "--queries",
        path(&queries),
        "--qrels",
        path(&qrels),
        "--kind",
        "statute",
        "--collapse-sub-articles",
        "--run",
        path(&run),
        "--json",
    ]);
    let metrics: serde_json::Value = serde_json::from_str(&json).unwrap();
    let keys: Vec<&String> = metrics.as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 8, "{keys:?}");
    assert_eq!(
        metrics["queries"], 1,
        "the query without qrels is not scored"
    );
    assert_eq!(metrics["MRR@10"], 1.0);
    let run = std::fs::read_to_string(run).unwrap();
    assert!(
        run.starts_with("q1 Q0 中华人民共和国刑法第133条 1 "),
        "{run}"
    );
}

/// Every item of the SPC guidance Art. 8 a 类案检索报告 states.
const ART8_ITEMS: &[&str] = &[
    "检索人",
    "检索法院",
    "检索时间",
    "检索平台",
    "检索方法",
    "基本案情",
    "争议焦点",
    "检索结果",
    "裁判要点",
    "参照",
    "参考",
    "不予参考",
    "理由",
    "推荐法条",
    "裁判结果分布",
];

#[test]
fn report_in_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    let facts = "被告人李某于2023年5月入户盗窃，窃得现金人民币3000元，到案后如实供述。";
    let snapshot = leian_manifest_id(&index);
    let markdown = ok(&[
        "report",
        "--index",
        path(&index),
        "--court",
        "上海市浦东新区人民法院",
        "--searcher",
        "法官助理王五",
        "--format",
        "markdown",
        facts,
    ]);
    let html_file = dir.path().join("report.html");
    ok(&[
        "report",
        "--index",
        path(&index),
        "--court",
        "上海市浦东新区人民法院",
        "--searcher",
        "法官助理王五",
        "--format",
        "html",
        "--out",
        path(&html_file),
        facts,
    ]);
    let html = std::fs::read_to_string(&html_file).unwrap();
    for report in [&markdown, &html] {
        for item in ART8_ITEMS {
            assert!(report.contains(item), "missing {item}:\n{report}");
        }
        for expected in [
            "法官助理王五",
            "上海市浦东新区人民法院",
            snapshot.as_str(),
            "关键词检索",
            "法条关联案件检索",
            "lecard-1001",
            "入户盗窃",
        ] {
            assert!(report.contains(expected), "missing {expected}:\n{report}");
        }
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<style>"));
    assert!(!html.contains("<script") && !html.contains("<link"));
    let out = leian(&["report", "--index", path(&index), "--format", "pdf", facts]);
    assert!(!out.status.success());
}

#[test]
fn shared_corpus_meets_the_bm25_references() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let built = index_shared_criminal_law(&data, &index);
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let summary = String::from_utf8(built.stdout).expect("UTF-8 output");
    assert!(summary.contains("裁判文书 3662 份"), "{summary}");

    let hits = ok(&[
        "search",
        "--index",
        path(&index),
        "--kind",
        "judgment",
        "--filter",
        "cause=危险驾驶罪",
        "醉酒驾驶机动车",
    ]);
    assert!(hits.contains("危险驾驶罪"), "{hits}");

    let eval = |set: &str, extra: &[&str]| -> serde_json::Value {
        let queries = data.join(format!("eval/{set}/queries.jsonl"));
        let qrels = data.join(format!("eval/{set}/qrels.trec"));
        let mut args = vec![
            "eval",
            "--index",
            path(&index),
            "--queries",
            path(&queries),
            "--qrels",
            path(&qrels),
            "--json",
        ];
        args.extend_from_slice(extra);
        serde_json::from_str(&ok(&args)).unwrap()
    };
    let statute_args = [
        "--kind",
        "statute",
        "--filter",
        "law=中华人民共和国刑法",
        "--collapse-sub-articles",
        "--exclude-self",
        "--mode",
        "bm25",
    ];
    let direct = eval(
        "judge-statutes",
        &[statute_args.as_slice(), &["--no-linking"]].concat(),
    );
    assert!(
        direct["R@10"].as_f64().unwrap() >= 0.348,
        "judge-statutes, direct retrieval {direct}"
    );
    // Statute linking (the default): the issue's targets, measured at 0.901 / 0.937.
    let linked = eval("judge-statutes", &statute_args);
    assert!(
        linked["R@10"].as_f64().unwrap() >= 0.88 && linked["MRR@10"].as_f64().unwrap() >= 0.92,
        "judge-statutes, statute linking {linked}"
    );
    let judgments = eval("cjrc-same-cause", &["--kind", "judgment", "--exclude-self"]);
    assert!(
        judgments["P@10"].as_f64().unwrap() >= 0.238,
        "cjrc-same-cause {judgments}"
    );
    assert_eq!(judgments["queries"], 2000);
}

#[test]
fn dense_and_hybrid_on_fixtures() {
    if !model_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &[]).status.success());
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(index.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["dense"]["model"], "m3e-small");
    assert_eq!(manifest["dense"]["dimension"], 512);
    // Judgments are embedded, statutes only when asked; a statute search then answers as BM25.
    assert_eq!(manifest["dense"]["kinds"], serde_json::json!(["judgment"]));
    let statutes = |index: &Path| -> serde_json::Value {
        let args = [
            "search",
            "--index",
            path(index),
            "--kind",
            "statute",
            "--mode",
            "hybrid",
        ];
        let args = [
            args.as_slice(),
            &["--no-linking", "--json", "醉酒驾驶机动车"],
        ]
        .concat();
        serde_json::from_str(&ok(&args)).unwrap()
    };
    assert_eq!(statutes(&index)["mode"], "bm25");
    let with_statutes = dir.path().join("with-statutes");
    assert!(
        index_fixtures(&with_statutes, &["--embed-statutes"])
            .status
            .success()
    );
    let embedded: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(with_statutes.join("manifest.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        embedded["dense"]["kinds"],
        serde_json::json!(["judgment", "statute"])
    );
    assert_eq!(statutes(&with_statutes)["mode"], "hybrid");

    // A rebuild reuses every cached passage vector.
    let out = index_fixtures(&index, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // 「N 个文书的 TOTAL 个段落已计算向量（其中 REUSED 个取自缓存 …）」
    let line = stderr
        .lines()
        .find(|l| l.contains("个段落已计算向量"))
        .unwrap_or_default()
        .to_string();
    let number_after = |marker: &str| -> String {
        line.split(marker)
            .nth(1)
            .unwrap_or_default()
            .trim_start()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect()
    };
    let total: String = line
        .split("个文书的")
        .nth(1)
        .unwrap_or_default()
        .trim_start()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let reused = number_after("（其中");
    assert_eq!(total, reused, "second build recomputed vectors: {line}");

    for mode in ["dense", "hybrid"] {
        let json = ok(&[
            "search",
            "--index",
            path(&index),
            "--kind",
            "judgment",
            "--mode",
            mode,
            "--json",
            "醉酒后开车被交警查获",
        ]);
        let response: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(response["mode"], mode);
        assert_eq!(
            response["judgments"][0]["id"], "lecard-1002",
            "{mode}: {json}"
        );
    }

    // An index embedded with other weights refuses the cached model.
    let mut changed = manifest.clone();
    changed["dense"]["model_fingerprint"] = "0000000000000000".into();
    std::fs::write(
        index.join("manifest.json"),
        serde_json::to_string(&changed).unwrap(),
    )
    .unwrap();
    let out = leian(&[
        "search",
        "--index",
        path(&index),
        "--mode",
        "hybrid",
        "盗窃",
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("请重建索引"));
    // BM25 still answers without the model.
    ok(&["search", "--index", path(&index), "--mode", "bm25", "盗窃"]);
}

/// `leian serve` as an operator runs it: a config file with a hashed admin key, a read key in
/// the environment, background embedding (when the model is there), SIGHUP after a rebuild.
#[test]
fn serve_with_config_keys_background_embedding_and_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    let admin_key = "leian_e2e_admin";
    let read_key = "leian_e2e_read";
    let hash = key_hash;
    let port = free_port();
    let config = dir.path().join("leian.toml");
    std::fs::write(
        &config,
        format!(
            "index = \"{}\"\naddr = \"127.0.0.1:{port}\"\n\n[[keys]]\nname = \"ops\"\nhash = \"{}\"\nscope = \"admin\"\n",
            path(&index),
            hash(admin_key)
        ),
    )
    .unwrap();
    let embed = model_available();
    let mut command = Command::new(env!("CARGO_BIN_EXE_leian"));
    command
        .args(["serve", "--config", path(&config)])
        .env("LEIAN_API_KEYS", format!("plugin:read:{}", hash(read_key)))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    if embed {
        command.arg("--embed-in-background");
    }
    let mut server = Server {
        child: command.spawn().unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    let mut stdout = std::io::BufReader::new(server.child.stdout.take().unwrap());
    let mut first_line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first_line).unwrap();
    assert!(
        first_line.contains(&format!("http://127.0.0.1:{port}/")),
        "{first_line}"
    );

    let search = |key: Option<&str>| {
        let mut request = http()
            .post(format!("{}/v1/search", server.base))
            .json(&serde_json::json!({"text": "醉酒后开车被交警查获", "kind": "judgment"}));
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        let response = request.send().unwrap();
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().unwrap(),
        )
    };
    assert_eq!(search(None).0, 401);
    assert_eq!(search(Some("leian_wrong")).0, 401);
    let (status, body) = search(Some(read_key));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["judgments"][0]["id"], "lecard-1002");

    let ready_url = format!("{}/v1/ready", server.base);
    if embed {
        // BM25 answered above; the vectors arrive in the background, then hybrid answers.
        let ready = wait_for(&ready_url, read_key, 300, |r| r["model"] == "m3e-small");
        assert_eq!(
            ready["modes"],
            serde_json::json!(["bm25", "dense", "hybrid"])
        );
        let (_, body) = search(Some(read_key));
        assert_eq!(body["mode"], "hybrid", "{body}");
        assert_eq!(body["judgments"][0]["id"], "lecard-1002");
    }

    // A rebuild, then SIGHUP: the server switches to the new snapshot.
    let before = wait_for(&ready_url, read_key, 10, |_| true)["snapshot_id"].clone();
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    let rebuilt = leian_manifest_id(&index);
    assert_ne!(serde_json::Value::from(rebuilt.clone()), before);
    Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    if embed {
        // The rebuilt snapshot came without vectors: it is embedded in turn (from the embedding
        // cache) and served with them.
        let embedded = format!("{rebuilt}+m3e-small");
        let ready = wait_for(&ready_url, read_key, 300, |r| {
            r["snapshot_id"] == embedded.as_str()
        });
        assert_eq!(ready["model"], "m3e-small", "{ready}");
        let (_, body) = search(Some(read_key));
        assert_eq!(body["mode"], "hybrid", "{body}");
    } else {
        wait_for(&ready_url, read_key, 60, |r| {
            r["snapshot_id"] == rebuilt.as_str()
        });
    }

    // The admin route needs the admin key.
    let reload = |key: &str| {
        http()
            .post(format!("{}/v1/admin/reload", server.base))
            .bearer_auth(key)
            .send()
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(reload(read_key), 403);
    assert_eq!(reload(admin_key), 200);
    let metrics = http()
        .get(format!("{}/metrics", server.base))
        .bearer_auth(read_key)
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains(r#"leian_index_reloads_total{outcome="ok"}"#),
        "{metrics}"
    );
}

fn leian_manifest_id(index: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(index.join("manifest.json")).unwrap())
            .unwrap();
    manifest["snapshot_id"].as_str().unwrap().to_string()
}

/// Starts `leian serve` without keys on the index; returns the server once it answers.
fn serve_open(index: &Path) -> Server {
    let port = free_port();
    let server = Server {
        child: Command::new(env!("CARGO_BIN_EXE_leian"))
            .args(["serve", "--index", path(index), "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_for(&format!("{}/v1/ready", server.base), "", 60, |_| true);
    server
}

/// `leian search --json` prints the document `POST /v1/search` returns for the same request
/// (but for the time each took).
#[test]
fn search_json_is_the_api_document() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    let server = serve_open(&index);
    let text = "被告人李某于2023年5月入户盗窃，窃得现金人民币3000元，到案后如实供述。";
    let without_time = |mut document: serde_json::Value| {
        document.as_object_mut().unwrap().remove("took_ms");
        document
    };
    for (flags, body) in [
        (vec![], serde_json::json!({"text": text})),
        (
            vec!["--kind", "judgment", "--top-k", "3"],
            serde_json::json!({"text": text, "kind": "judgment", "top_k": 3}),
        ),
        (
            vec!["--kind", "statute", "--no-linking", "--mode", "bm25"],
            serde_json::json!({"text": text, "kind": "statute", "linking": false, "mode": "bm25"}),
        ),
        (
            vec![
                "--court",
                "上海市浦东新区人民法院",
                "--filter",
                "domain=刑事",
            ],
            serde_json::json!({"text": text, "court": {"name": "上海市浦东新区人民法院"}, "filters": {"domain": "刑事"}}),
        ),
    ] {
        let mut args = vec!["search", "--index", path(&index), "--json"];
        args.extend(flags.iter().copied());
        args.push(text);
        let cli: serde_json::Value = serde_json::from_str(&ok(&args)).unwrap();
        let api: serde_json::Value = http()
            .post(format!("{}/v1/search", server.base))
            .json(&body)
            .send()
            .unwrap()
            .json()
            .unwrap();
        assert!(
            cli["judgments"].is_array() && api["statutes"].is_array(),
            "{api}"
        );
        assert_eq!(without_time(cli), without_time(api), "{body}");
    }
}

/// Three or more English words in a row: a sentence a judge would have to read in English.
/// Identifiers (ids, paths, codes such as `article_not_found`, model names) are not words.
fn english_sentences(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let mut run: Vec<&str> = Vec::new();
        let tokens = line.split(|c: char| c.is_whitespace() || !c.is_ascii());
        for token in tokens.chain(std::iter::once("")) {
            let word = token.trim_matches(|c: char| ",.:;()!?'\"`[]".contains(c));
            if word.len() >= 2 && word.chars().all(|c| c.is_ascii_alphabetic()) {
                run.push(word);
                continue;
            }
            // Numbers sit inside sentences ("cited by 2 of 4 cases").
            if !word.is_empty() && word.chars().all(|c| c.is_ascii_digit()) {
                continue;
            }
            if run.len() >= 3 {
                found.push(format!("{} ← {line}", run.join(" ")));
            }
            run.clear();
        }
    }
    found
}

#[test]
fn english_sentence_detector() {
    assert!(english_sentences("cited by 2 of 4 similar cases").len() == 1);
    assert!(english_sentences("defines 盗窃罪, the likely charge").len() == 1);
    assert!(english_sentences("lecard-1001 《中华人民共和国刑法》第264条 m3e-small").is_empty());
}

/// The README's examples print Chinese for people: `leian index`, `search` (judgments and
/// statutes), `report` and `check`, and an error.
#[test]
fn human_output_is_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let built = index_fixtures(&index, &["--no-embed"]);
    let mut outputs = vec![
        String::from_utf8_lossy(&built.stdout).to_string(),
        String::from_utf8_lossy(&built.stderr).to_string(),
    ];
    let drunk = "被告人酒后驾驶机动车，经鉴定血液酒精含量为152mg/100ml，属醉酒驾驶";
    let theft = "被告人李某于2023年5月入户盗窃，窃得现金人民币3000元，到案后如实供述。";
    for args in [
        vec![
            "search",
            "--index",
            path(&index),
            "--kind",
            "statute",
            "--top-k",
            "3",
            drunk,
        ],
        vec!["search", "--index", path(&index), theft],
        vec![
            "report",
            "--index",
            path(&index),
            "--court",
            "广东省广州市中级人民法院",
            "--searcher",
            "张三",
            theft,
        ],
        vec!["search", "--index", path(&index), "，。！"],
    ] {
        let out = leian(&args);
        outputs.push(String::from_utf8_lossy(&out.stdout).to_string());
        outputs.push(String::from_utf8_lossy(&out.stderr).to_string());
    }
    let draft = dir.path().join("draft.txt");
    std::fs::write(
        &draft,
        "依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款，《合同法》第五十二条之规定",
    )
    .unwrap();
    let out = leian(&["check", "--index", path(&index), path(&draft)]);
    outputs.push(String::from_utf8_lossy(&out.stdout).to_string());
    let english: Vec<String> = outputs.iter().flat_map(|o| english_sentences(o)).collect();
    assert!(
        english.is_empty(),
        "English for judges:\n{}",
        english.join("\n")
    );
}

/// What users run (the shipped library and every statute): judgment ranking does not depend on
/// the statutes beside it, statute linking meets its targets on criminal and civil questions.
#[test]
fn production_configuration() {
    let Some(data) = shared_data() else { return };
    let dir = tempfile::tempdir().unwrap();
    let library = root().join("corpus/judgments.jsonl.gz");
    let build = |name: &str, statutes: Option<&Path>| {
        let index = dir.path().join(name);
        let mut args = vec!["index", "--corpus", path(&library), "--out", path(&index)];
        args.push("--no-embed");
        if let Some(statutes) = statutes {
            args.extend(["--statutes", path(statutes)]);
        }
        ok(&args);
        index
    };
    let judgments_only = build("judgments", None);
    let everything = build("all", Some(&data.join("statutes/lawrefbook")));
    let runs = std::cell::Cell::new(0);
    let eval = |index: &Path, set: &Path, extra: &[&str]| -> (serde_json::Value, PathBuf) {
        runs.set(runs.get() + 1);
        let run = dir.path().join(format!("run-{}.trec", runs.get()));
        let (queries, qrels) = (set.join("queries.jsonl"), set.join("qrels.trec"));
        let mut args = vec![
            "eval",
            "--index",
            path(index),
            "--queries",
            path(&queries),
            "--qrels",
            path(&qrels),
            "--exclude-self",
            "--json",
            "--run",
            path(&run),
        ];
        args.extend_from_slice(extra);
        (serde_json::from_str(&ok(&args)).unwrap(), run)
    };

    let cjrc = data.join("eval/cjrc-same-cause");
    let bm25 = ["--kind", "judgment", "--mode", "bm25"];
    let (alone, alone_run) = eval(&judgments_only, &cjrc, &bm25);
    let (beside, beside_run) = eval(&everything, &cjrc, &bm25);
    let (alone_run, beside_run) = (run_lists(&alone_run), run_lists(&beside_run));
    assert_eq!(alone_run.len(), 2000);
    for (query, ranked) in &alone_run {
        let top = &ranked[..ranked.len().min(10)];
        let other = &beside_run[query];
        assert_eq!(
            top,
            &other[..other.len().min(10)],
            "{query}: top 10 changed with the statutes"
        );
    }
    assert_eq!(alone["P@10"], beside["P@10"]);
    assert!(
        beside["P@10"].as_f64().unwrap() >= 0.303,
        "cjrc-same-cause BM25 {beside}"
    );

    let (criminal, _) = eval(
        &everything,
        &data.join("eval/judge-statutes"),
        &[
            "--kind",
            "statute",
            "--filter",
            "law=中华人民共和国刑法",
            "--collapse-sub-articles",
        ],
    );
    assert!(
        criminal["R@10"].as_f64().unwrap() >= 0.90 && criminal["MRR@10"].as_f64().unwrap() >= 0.93,
        "judge-statutes {criminal}"
    );

    let civil = root().join("bench/civil-statutes");
    let (linked, linked_run) = eval(&everything, &civil, &["--kind", "statute"]);
    let (direct, _) = eval(&everything, &civil, &["--kind", "statute", "--no-linking"]);
    for metric in ["R@10", "MRR@10"] {
        assert!(
            linked[metric].as_f64() >= direct[metric].as_f64(),
            "civil {metric}: linking {linked} direct {direct}"
        );
    }
    let mut relevant: std::collections::HashMap<String, Vec<String>> = Default::default();
    for line in std::fs::read_to_string(civil.join("qrels.trec"))
        .unwrap()
        .lines()
    {
        let fields: Vec<&str> = line.split(' ').collect();
        let doc = fields[2..fields.len() - 1].join(" ");
        relevant.entry(fields[0].to_string()).or_default().push(doc);
    }
    let linked_run = run_lists(&linked_run);
    let decided = relevant
        .iter()
        .filter(|(query, wanted)| {
            linked_run
                .get(*query)
                .is_some_and(|ranked| ranked.iter().take(3).any(|d| wanted.contains(d)))
        })
        .count();
    let share = decided as f64 / relevant.len() as f64;
    assert!(
        share >= 0.80,
        "civil: a deciding article in the top 3 for {share:.3}"
    );
}

/// Judgments for the update tests: id, case number, facts (one Leian JSON line each).
fn judgment_lines(judgments: &[(&str, Option<&str>, &str)]) -> String {
    judgments
        .iter()
        .map(|(id, case_number, facts)| {
            let mut record = serde_json::json!({"id": id, "facts": facts, "causes": ["盗窃罪"]});
            if let Some(number) = case_number {
                record["case_number"] = (*number).into();
            }
            format!("{record}\n")
        })
        .collect()
}

fn judgment_count(index: &Path) -> u64 {
    leian_index::Snapshot::open(index)
        .expect("the index opens")
        .manifest()
        .docs
        .judgments
}

fn stored_facts(index: &Path, id: &str) -> Option<String> {
    use leian_core::Store;
    match leian_index::Snapshot::open(index)
        .unwrap()
        .document(id)
        .unwrap()
    {
        Some(leian_core::Document::Judgment(j)) => Some(j.facts),
        _ => None,
    }
}

#[test]
fn add_replace_and_remove_through_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    assert_eq!(judgment_count(&index), 5);

    // One new judgment, one replacing a fixture by its id.
    let day1 = dir.path().join("day1.jsonl");
    std::fs::write(
        &day1,
        judgment_lines(&[
            (
                "daily-1",
                Some("（2024）京0105刑初100号"),
                "被告人张某在超市内盗窃白酒两瓶，价值人民币八百元。",
            ),
            (
                "lecard-1001",
                None,
                "被告人入户盗窃现金，并窃得一只鹦鹉螺化石。",
            ),
        ]),
    )
    .unwrap();
    let out = ok(&["add", "--index", path(&index), path(&day1)]);
    assert!(out.contains("新增 1 份，替换 1 份，删除 0 份"), "{out}");
    assert_eq!(judgment_count(&index), 6, "replaced, not duplicated");
    assert!(
        stored_facts(&index, "lecard-1001")
            .unwrap()
            .contains("鹦鹉螺")
    );
    let json = ok(&[
        "search",
        "--index",
        path(&index),
        "--kind",
        "judgment",
        "--json",
        "鹦鹉螺化石",
    ]);
    let response: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(response["judgments"][0]["id"], "lecard-1001", "{json}");

    // The same case number under another id (written with half-width brackets) replaces it.
    let day2 = dir.path().join("day2.jsonl");
    std::fs::write(
        &day2,
        judgment_lines(&[(
            "daily-1b",
            Some("(2024)京0105刑初100号"),
            "被告人张某在超市内盗窃白酒两瓶（更正后的文书）。",
        )]),
    )
    .unwrap();
    let out = ok(&["add", "--index", path(&index), path(&day2)]);
    assert!(out.contains("daily-1b 替换了 daily-1"), "{out}");
    assert_eq!(judgment_count(&index), 6);
    assert_eq!(stored_facts(&index, "daily-1"), None);

    // Refused, nothing changed: one id twice in the input, an unknown id to remove.
    let before = leian_index::Manifest::read(&index).unwrap();
    let twice = dir.path().join("twice.jsonl");
    std::fs::write(
        &twice,
        judgment_lines(&[
            ("daily-9", None, "盗窃电动车"),
            ("daily-9", None, "盗窃手机"),
        ]),
    )
    .unwrap();
    for args in [
        vec!["add", "--index", path(&index), path(&twice)],
        vec!["remove", "--index", path(&index), "daily-1b", "no-such-id"],
    ] {
        let out = leian(&args);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        // Progress lines come first; the error is the last line.
        let error = stderr.lines().last().unwrap_or_default();
        assert!(error.starts_with("错误："), "{stderr}");
        assert!(
            error.contains("daily-9") || error.contains("no-such-id"),
            "{stderr}"
        );
        assert_eq!(leian_index::Manifest::read(&index).unwrap(), before);
    }

    let out = ok(&["remove", "--index", path(&index), "daily-1b"]);
    assert!(out.contains("删除 1 份"), "{out}");
    assert_eq!(judgment_count(&index), 5);
    let manifest = leian_index::Manifest::read(&index).unwrap();
    assert_eq!(manifest.updates.len(), 3);
    assert!(
        manifest
            .sources
            .iter()
            .any(|s| s.path.ends_with("day2.jsonl")),
        "the sources list what was added"
    );

    // The served path is a link to a versioned folder; the current and the previous are kept.
    assert!(
        std::fs::symlink_metadata(&index)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let versions = std::fs::read_dir(dir.path().join(".index.snapshots"))
        .unwrap()
        .count();
    assert_eq!(versions, 2);
}

#[test]
fn a_killed_add_leaves_the_served_snapshot_and_a_rerun_completes() {
    if !support::has_test_hooks() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    assert!(index_fixtures(&index, &["--no-embed"]).status.success());
    let before = leian_index::Manifest::read(&index).unwrap();
    // A server keeps answering from its snapshot whatever happens to an update beside it.
    let server = serve_open(&index);
    let served = || -> serde_json::Value {
        let response = http()
            .post(format!("{}/v1/search", server.base))
            .json(&serde_json::json!({"text": "被告人盗窃手机", "kind": "judgment"}))
            .send()
            .unwrap();
        assert_eq!(response.status(), 200);
        response.json().unwrap()
    };
    let day = dir.path().join("day.jsonl");
    std::fs::write(
        &day,
        judgment_lines(&[("daily-1", None, "被告人在商场盗窃手机一部。")]),
    )
    .unwrap();
    let add = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_leian"));
        command.args(["add", "--index", path(&index), path(&day)]);
        command
    };
    // A debug-build hook aborts the process (as kill -9 would) at each step of the update.
    for step in ["linked", "committed", "vectors", "manifest", "versioned"] {
        let out = add().env("LEIAN_CRASH_AT", step).output().unwrap();
        assert!(!out.status.success(), "{step}: the hook did not fire");
        assert_eq!(
            leian_index::Manifest::read(&index).unwrap(),
            before,
            "{step}"
        );
        assert_eq!(judgment_count(&index), 5, "{step}");
    }
    // A real kill -9 at whatever point the update has reached: the index opens, with the old
    // or the new documents, never without one.
    let library = root().join("corpus/judgments.jsonl.gz");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["add", "--index", path(&index), path(&library)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let count = judgment_count(&index);
    assert!(count == 5 || count > 3000, "{count} judgments");
    assert_eq!(served()["snapshot_id"], before.snapshot_id.as_str());

    let out = ok(&["add", "--index", path(&index), path(&day)]);
    assert!(out.contains("新增 1 份"), "{out}");
    assert_eq!(judgment_count(&index), count + 1);
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".building-") || n.contains(".link-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
