//! `leian check` through the real binary: human and JSON output, exit statuses, bad input.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn leian(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leian runs");
    let mut input = child.stdin.take().expect("stdin");
    // The command may exit before reading (a usage error): a broken pipe is expected then.
    let _ = input.write_all(stdin.unwrap_or_default());
    drop(input);
    child.wait_with_output().expect("leian finishes")
}

/// An index of the citation fixtures (statutes only), built once.
fn index() -> &'static str {
    static INDEX: OnceLock<PathBuf> = OnceLock::new();
    INDEX
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            let index = dir.path().join("index");
            let statutes = root().join("corpus/fixtures/citations/lawrefbook");
            let out = leian(
                &[
                    "index",
                    "--no-embed",
                    "--statutes",
                    statutes.to_str().unwrap(),
                    "--out",
                    index.to_str().unwrap(),
                ],
                None,
            );
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // Kept for the whole test run.
            std::mem::forget(dir);
            index
        })
        .to_str()
        .unwrap()
}

fn draft(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("draft.txt");
    std::fs::write(&file, text).unwrap();
    (dir, file)
}

#[test]
fn valid_drafts_exit_zero_with_one_line_per_citation() {
    let (_dir, file) = draft("依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款之规定");
    let out = leian(&["check", "--index", index(), file.to_str().unwrap()], None);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].contains("valid") && lines[0].contains("《中华人民共和国刑法》第二百六十四条")
    );
    assert_eq!(lines[2], "共 2 处引用：有效 2 处");
}

#[test]
fn problems_exit_one_and_json_is_the_api_shape() {
    let text = "依照《合同法》第五十二条、《刑法》第99999条";
    let out = leian(
        &["check", "--index", index(), "--json", "-"],
        Some(text.as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let citations = report["citations"].as_array().unwrap();
    assert_eq!(citations[0]["status"], "repealed");
    assert_eq!(citations[0]["law"], "中华人民共和国合同法");
    assert_eq!(citations[0]["article"], "第52条");
    assert_eq!(citations[0]["suggestions"][0], "《中华人民共和国民法典》");
    assert_eq!(citations[1]["status"], "article_not_found");
    assert_eq!(citations[1]["start"], text.find("《刑法》").unwrap());

    let out = leian(&["check", "--index", index(), "-"], Some(text.as_bytes()));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("建议: 《中华人民共和国民法典》"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with(
            "共 2 处引用：条文不存在（article_not_found）1 处，已废止（repealed）1 处\n"
        ),
        "{stdout}"
    );
}

#[test]
fn no_citations_exit_zero() {
    let out = leian(
        &["check", "--index", index(), "-"],
        Some("原告与被告系朋友关系。".as_bytes()),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "未发现法条引用\n");
}

#[test]
fn usage_errors_exit_two() {
    let (_dir, file) = draft("《刑法》第264条");
    let file = file.to_str().unwrap();
    /// Arguments, standard input, and a word the error must contain.
    type Case<'a> = (Vec<&'a str>, Option<&'a [u8]>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["check", "--index", index()], None, "FILE"),
        (vec!["check", file], None, "--index"),
        (
            vec!["check", "--index", "/nonexistent/index", file],
            None,
            "这里没有索引",
        ),
        (
            vec!["check", "--index", index(), "/nonexistent/draft.txt"],
            None,
            "draft.txt",
        ),
        (
            vec!["check", "--index", index(), "-"],
            Some(b"  \n\t"),
            "草稿为空",
        ),
        (
            vec!["check", "--index", index(), "-"],
            Some(b"\xff\xfe\xfd"),
            "UTF-8",
        ),
    ];
    for (args, stdin, says) in cases {
        let out = leian(&args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}
