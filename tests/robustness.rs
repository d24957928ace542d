//! Bad input and bad circumstances through the real binary (issue 12, item 8): corpora with a
//! byte order mark, no judgments or only control characters, a failed `--strict` build, damaged
//! index files, and a standard output closed early. Each ends in a clear Chinese message or a
//! quiet exit, never a panic.

mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::*;

fn write(path: &Path, bytes: &[u8]) -> PathBuf {
    std::fs::write(path, bytes).unwrap();
    path.to_path_buf()
}

fn record(id: &str, facts: &str) -> String {
    format!(
        "{}\n",
        serde_json::json!({"id": id, "facts": facts, "causes": ["盗窃罪"]})
    )
}

fn index_corpus(corpus: &Path, index: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "index",
        "--no-embed",
        "--corpus",
        path(corpus),
        "--out",
        path(index),
    ];
    args.extend(extra);
    leian(&args)
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A failure reported as the CLI reports errors: a Chinese last line, no panic, not status 101.
fn assert_clear_failure(out: &Output, what: &str) {
    let stderr = stderr(out);
    assert!(!out.status.success(), "{what}: should fail");
    assert_ne!(out.status.code(), Some(101), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("错误：") && last.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what}: {stderr}"
    );
}

/// An index of one judgment in `dir`, as served before a job that must leave it as it is.
fn served_index_of_one_judgment(dir: &Path) -> (PathBuf, leian_index::Manifest) {
    let index = dir.join("index");
    let good = write(
        &dir.join("good.jsonl"),
        record("good", "被告人在超市盗窃手机一部。").as_bytes(),
    );
    assert!(index_corpus(&good, &index, &[]).status.success());
    let manifest = leian_index::Manifest::read(&index).unwrap();
    (index, manifest)
}

fn judgments(index: &Path) -> u64 {
    leian_index::Manifest::read(index).unwrap().docs.judgments
}

/// Names of the job helpers (scratch folders, temporary links) beside `index`.
fn helpers(index: &Path) -> Vec<String> {
    let name = index.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::read_dir(index.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            n.starts_with(&format!(".{name}.building-")) || n.starts_with(&format!(".{name}.link-"))
        })
        .collect()
}

#[test]
fn a_byte_order_mark_does_not_drop_the_first_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend(record("bom-1", "被告人在超市盗窃手机一部。").as_bytes());
    bytes.extend(record("bom-2", "被告人在商场盗窃现金三千元。").as_bytes());
    let corpus = write(&dir.path().join("bom.jsonl"), &bytes);
    let index = dir.path().join("index");
    let out = index_corpus(&corpus, &index, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("读取 2，跳过 0"), "{}", stdout(&out));
    assert_eq!(judgments(&index), 2);
}

#[test]
fn records_of_control_characters_only_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = record("good", "被告人在超市盗窃手机一部。");
    lines.push_str(&record("nul", "\u{0}\u{0}\u{0}"));
    lines.push_str("{\"id\":\"blank\",\"facts\":\" \\u0001\\u200b \",\"full_text\":\"\\u0000\"}\n");
    let corpus = write(&dir.path().join("nul.jsonl"), lines.as_bytes());
    let index = dir.path().join("index");
    let out = index_corpus(&corpus, &index, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("读取 1，跳过 2"), "{summary}");
    assert!(summary.contains(":2: 没有文书内容"), "{summary}");
    assert!(summary.contains(":3: 没有文书内容"), "{summary}");
    assert_eq!(judgments(&index), 1);
}

#[test]
fn a_corpus_without_judgments_is_refused_and_the_served_index_kept() {
    let dir = tempfile::tempdir().unwrap();
    let (index, before) = served_index_of_one_judgment(dir.path());
    let empty = write(&dir.path().join("empty.jsonl"), b"");
    let unreadable = write(
        &dir.path().join("nul.jsonl"),
        record("nul", "\u{0}").as_bytes(),
    );
    for corpus in [&empty, &unreadable] {
        let out = index_corpus(corpus, &index, &[]);
        assert_clear_failure(&out, "an empty corpus");
        assert!(
            stderr(&out).contains("没有读到任何裁判文书"),
            "{}",
            stderr(&out)
        );
        assert_eq!(leian_index::Manifest::read(&index).unwrap(), before);
        assert_eq!(helpers(&index), Vec::<String>::new());
    }
    // Asked for, it is built, with a warning.
    let out = index_corpus(&empty, &index, &["--allow-empty"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("警告：语料中没有读到任何裁判文书"),
        "{}",
        stderr(&out)
    );
    assert_eq!(judgments(&index), 0);
}

#[test]
fn a_failed_strict_build_leaves_nothing_beside_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let (index, before) = served_index_of_one_judgment(dir.path());
    // A killed build's leftover (no process has this id): the next run removes it.
    let leftover = dir.path().join(".index.building-2147483000-0");
    std::fs::create_dir(&leftover).unwrap();
    let mut lines = record("ok", "被告人在商场盗窃现金。");
    lines.push_str("{not json}\n");
    let bad = write(&dir.path().join("bad.jsonl"), lines.as_bytes());
    let out = index_corpus(&bad, &index, &["--strict"]);
    assert_clear_failure(&out, "--strict");
    assert!(stderr(&out).contains("--strict"), "{}", stderr(&out));
    assert_eq!(helpers(&index), Vec::<String>::new());
    assert_eq!(leian_index::Manifest::read(&index).unwrap(), before);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Every file of the snapshot, relative to it.
fn files(root: &Path, dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            files(root, &entry.path(), found);
        } else if entry.metadata().unwrap().len() > 0 {
            found.push(entry.path().strip_prefix(root).unwrap().to_path_buf());
        }
    }
}

/// Words of file names and commands an error may name.
const FILE_WORDS: &[&str] = &[
    "leian",
    "index",
    "manifest",
    "json",
    "meta",
    "vectors",
    "passages",
    "usearch",
    "owners",
    "docs",
    "crc32",
    "fast",
    "fieldnorm",
    "idx",
    "pos",
    "store",
    "term",
];

/// `serve` on a damaged index must stop at start-up with an error, not serve it.
fn serve_start(index: &Path) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["serve", "--index", path(index), "--addr"])
        .arg(format!("127.0.0.1:{}", free_port()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("serve started on a damaged index: {}", stdout(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn damaged_index_files_give_clear_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // With the model, the damaged index has vectors and an HNSW graph too.
    let vectors = model_available();
    let extra: &[&str] = if vectors {
        &["--hnsw-min-passages", "0"]
    } else {
        &["--no-embed"]
    };
    let out = index_fixtures(&index, extra);
    assert!(out.status.success(), "{}", stderr(&out));
    let snapshot = std::fs::canonicalize(&index).unwrap();
    let mut names = Vec::new();
    files(&snapshot, &snapshot, &mut names);
    names.sort();
    assert!(names.iter().any(|n| n.ends_with("manifest.json")));
    assert_eq!(
        names.iter().any(|n| n.starts_with("vectors")),
        vectors,
        "{names:?}"
    );
    let day = write(
        &dir.path().join("day.jsonl"),
        record("daily-1", "被告人在商场盗窃手机一部。").as_bytes(),
    );
    let draft = write(
        &dir.path().join("draft.txt"),
        "依照《中华人民共和国刑法》第二百六十四条之规定，判决如下。".as_bytes(),
    );
    for name in &names {
        let damaged = dir.path().join("damaged");
        let _ = std::fs::remove_dir_all(&damaged);
        copy_tree(&snapshot, &damaged);
        // Flip 64 bytes in the middle of the file (its length unchanged: not a truncation).
        let file = damaged.join(name);
        let mut bytes = std::fs::read(&file).unwrap();
        let start = bytes.len() / 2;
        let end = bytes.len().min(start + 64);
        for byte in &mut bytes[start..end] {
            *byte ^= 0xa5;
        }
        std::fs::write(&file, bytes).unwrap();
        // tantivy's own list of its files is not checked: damaged, it only changes which files
        // tantivy would clean up, and the segment files are checked by themselves.
        if name.as_os_str() == ".managed.json" {
            let out = leian(&["search", "--index", path(&damaged), "盗窃手机"]);
            assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
            continue;
        }
        let outputs = [
            (
                "search",
                leian(&["search", "--index", path(&damaged), "盗窃手机"]),
            ),
            (
                "report",
                leian(&["report", "--index", path(&damaged), "被告人在超市盗窃手机"]),
            ),
            (
                "check",
                leian(&["check", "--index", path(&damaged), path(&draft)]),
            ),
            (
                "add",
                leian(&["add", "--index", path(&damaged), path(&day)]),
            ),
            ("serve", serve_start(&damaged)),
        ];
        for (command, out) in outputs {
            let what = format!("{command} with {} damaged", name.display());
            assert_clear_failure(&out, &what);
            // tantivy's English messages are not passed on: only paths and file names are.
            let stderr = stderr(&out);
            let last = stderr.lines().last().unwrap().replace(path(&damaged), "");
            let english: Vec<&str> = last
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 3)
                .filter(|w| !w.chars().all(|c| c.is_ascii_hexdigit()))
                .filter(|w| !FILE_WORDS.contains(w))
                .collect();
            assert!(english.is_empty(), "{what}: {english:?} in {last}");
        }
    }
}

/// A reader that closes its end of standard output before anything is written.
fn closed_stdout(args: &[&str]) -> std::process::ExitStatus {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    assert_ne!(status.code(), Some(101), "{args:?}: {stderr}");
    status
}

#[test]
fn a_closed_standard_output_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let corpus = write(
        &dir.path().join("c.jsonl"),
        record("c-1", "被告人在超市盗窃手机一部。").as_bytes(),
    );
    closed_stdout(&[
        "index",
        "--no-embed",
        "--corpus",
        path(&corpus),
        "--out",
        path(&index),
    ]);
    assert_eq!(
        judgments(&index),
        1,
        "published before the summary was printed"
    );
    closed_stdout(&["search", "--index", path(&index), "盗窃手机"]);
    closed_stdout(&["search", "--index", path(&index), "--json", "盗窃手机"]);
    closed_stdout(&["report", "--index", path(&index), "被告人在超市盗窃手机"]);

    // `leian serve … | head -1`: the first line is read, the pipe closed, the server stopped.
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["serve", "--index", path(&index), "--addr"])
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::io::BufRead::read_line(&mut out, &mut first).unwrap();
    assert!(first.contains(&format!("127.0.0.1:{port}")), "{first}");
    drop(out);
    // Still serving with its output closed.
    wait_for(&format!("http://127.0.0.1:{port}/v1/ready"), "", 60, |_| {
        true
    });
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, stderr(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// Issue 12, item 7: under a low descriptor limit the server caps its connections below it,
/// says so at start-up, and serves (1,050 idle sockets under a 1,024 limit stopped all service).
#[cfg(unix)]
#[test]
fn a_low_descriptor_limit_caps_connections_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let corpus = write(
        &dir.path().join("c.jsonl"),
        record("c-1", "被告人在超市盗窃手机一部。").as_bytes(),
    );
    let out = index_corpus(&corpus, &index, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let port = free_port();
    // `ulimit -n` in sh sets the hard limit too, so the server cannot raise it.
    let child = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -n 300 && exec "$0" serve --index "$1" --addr "$2""#)
        .arg(env!("CARGO_BIN_EXE_leian"))
        .arg(path(&index))
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for(
        &format!("http://127.0.0.1:{port}/v1/health"),
        "",
        60,
        |_| true,
    );
    Command::new("kill")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let log = stderr(&out);
    assert!(out.status.success(), "{:?}: {log}", out.status);
    assert!(
        log.contains("文件描述符上限只有 300") && log.contains("同时连接数由 512 降为 44"),
        "{log}"
    );
}

/// A write that fails while tantivy's threads index (a full disk in CI once read only "an index
/// writer was killed") names its cause, and the served index stays. The file size limit stands
/// in for a full disk: it fails the same writes, and applies to root too.
#[cfg(unix)]
#[test]
fn a_failed_write_names_its_cause_and_keeps_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let (index, before) = served_index_of_one_judgment(dir.path());
    let library = root().join("corpus/judgments.jsonl.gz");
    // Ignoring SIGXFSZ turns the limit into an EFBIG error on write (`ulimit -f` counts KiB in
    // bash and 512-byte blocks in dash: 2–4 MB, far below the shipped library's index).
    let out = Command::new("sh")
        .arg("-c")
        .arg(r#"trap '' XFSZ; ulimit -f 4096 && exec "$0" index --no-embed --corpus "$1" --out "$2""#)
        .arg(env!("CARGO_BIN_EXE_leian"))
        .arg(path(&library))
        .arg(path(&index))
        .output()
        .unwrap();
    assert_clear_failure(&out, "file size limit");
    let log = stderr(&out);
    assert!(log.contains("文件过大"), "{log}");
    assert!(!log.contains("killed"), "{log}");
    assert_eq!(helpers(&index), Vec::<String>::new());
    assert_eq!(leian_index::Manifest::read(&index).unwrap(), before);
}

#[test]
fn serve_refuses_a_queue_wait_of_zero_or_past_the_request_timeout() {
    for (args, said) in [
        (&["--queue-wait-ms", "0"][..], "必须为正数"),
        (&["--queue-wait-ms", "10000"][..], "须短于请求超时"),
        (
            &["--queue-wait-ms", "2500", "--timeout-secs", "2"][..],
            "须短于请求超时",
        ),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_leian"))
            .args(["serve", "--index", "/nonexistent/leian-index"])
            .args(args)
            .output()
            .unwrap();
        assert_clear_failure(&out, &format!("{args:?}"));
        assert!(stderr(&out).contains(said), "{args:?}: {}", stderr(&out));
    }
}
