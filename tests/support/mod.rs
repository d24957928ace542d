//! Helpers shared by the end-to-end tests (`e2e.rs`, `browser.rs`): the real `leian` binary,
//! the repository's fixtures, the shared data when present, and a served index.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn leian(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(args)
        .output()
        .expect("leian runs")
}

pub fn ok(args: &[&str]) -> String {
    let out = leian(args);
    assert!(
        out.status.success(),
        "leian {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

/// `leian index` over the repository's fixtures into `index`, with `extra` flags.
pub fn index_fixtures(index: &Path, extra: &[&str]) -> Output {
    let fixtures = root().join("corpus/fixtures");
    let mut args = vec![
        "index".to_string(),
        "--corpus".into(),
        path(&fixtures.join("lecard")).into(),
        path(&fixtures.join("cail2018.jsonl")).into(),
        "--statutes".into(),
        path(&fixtures.join("lawrefbook")).into(),
        "--out".into(),
        path(index).into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    leian(&args)
}

/// `leian index --no-embed` over the shared judgments and 刑法 (LawRefBook) into `index`.
pub fn index_shared_criminal_law(data: &Path, index: &Path) -> Output {
    leian(&[
        "index",
        "--corpus",
        path(&data.join("corpus/judgments.jsonl")),
        "--statutes",
        path(&data.join("statutes/lawrefbook/刑法")),
        "--out",
        path(index),
        "--no-embed",
    ])
}

/// The SHA-256 entry `leian keys hash` prints for an API key.
pub fn key_hash(key: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["keys", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    writeln!(child.stdin.take().unwrap(), "{key}").unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The shared data, or `None` with a message when this checkout has none beside it.
pub fn shared_data() -> Option<PathBuf> {
    let data = root().join("../shared/data");
    if data.join("corpus/judgments.jsonl").is_file() {
        Some(data)
    } else {
        eprintln!("skipped: ../shared/data not found beside the repository");
        None
    }
}

/// A `leian serve` process, stopped (SIGTERM) when dropped.
pub struct Server {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn http() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap()
}

/// Polls `url` until `done` holds for its JSON body (or `seconds` pass).
pub fn wait_for(
    url: &str,
    key: &str,
    seconds: u64,
    done: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    loop {
        if let Ok(response) = http().get(url).bearer_auth(key).send()
            && let Ok(body) = response.json::<serde_json::Value>()
            && done(&body)
        {
            return body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "gave up waiting for {url}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}

/// Whether the default model is in the cache; says so when it is not (CI fetches it and sets
/// LEIAN_REQUIRE_MODEL, which makes its absence a failure).
pub fn model_available() -> bool {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cache = std::env::var_os("LEIAN_CACHE")
        .map(PathBuf::from)
        .unwrap_or(home.join(".cache/leian"));
    let present = cache.join("models/m3e-small/config.json").is_file();
    if !present {
        assert!(
            std::env::var_os("LEIAN_REQUIRE_MODEL").is_none(),
            "LEIAN_REQUIRE_MODEL is set but m3e-small is not in the cache"
        );
        eprintln!("skipped: m3e-small not in the cache (run `leian models fetch m3e-small`)");
    }
    present
}

/// Ranked ids per query from a TREC run file, best first.
pub fn run_lists(path: &Path) -> std::collections::HashMap<String, Vec<String>> {
    let mut runs: std::collections::HashMap<String, Vec<String>> = Default::default();
    for line in std::fs::read_to_string(path).unwrap().lines() {
        // QID Q0 DOCID RANK SCORE TAG, where a DOCID (a law's title) may hold spaces.
        let fields: Vec<&str> = line.split(' ').collect();
        let doc = fields[2..fields.len() - 3].join(" ");
        runs.entry(fields[0].to_string()).or_default().push(doc);
    }
    runs
}

/// Whether the `leian` under test carries the debug-build hooks (`LEIAN_PAUSE_AT`,
/// `LEIAN_CRASH_AT`); tests of killed and paused jobs skip with a message without them (`cargo
/// test --release`). CI runs the debug build, where they always run.
pub fn has_test_hooks() -> bool {
    if !cfg!(debug_assertions) {
        eprintln!("skipped: the LEIAN_PAUSE_AT / LEIAN_CRASH_AT hooks exist in debug builds only");
    }
    cfg!(debug_assertions)
}
