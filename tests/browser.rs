//! The judge's page in a real browser: `leian serve` on a fresh index, driven in Debian's headless
//! Chromium by `tests/browser/page.test.mjs` (playwright-core): search from the keyboard, ranked
//! results with highlights and statutes, report export, citation check, and the messages for an
//! empty query, a missing API key, a server error and an unreachable server. It also takes the README's screenshot.
//!
//! Needs `node`, `/usr/bin/chromium` (or `LEIAN_CHROMIUM`) and `npm ci --prefix tests/browser`;
//! skipped with a message without them, unless `LEIAN_REQUIRE_BROWSER=1` (as in `.ci/run`).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::*;

/// A drunk-driving fact summary for the shared corpus (many such judgments, with sentences).
const SHARED_QUERY: &str = "被告人张某于2020年5月醉酒驾驶机动车在道路上行驶，被民警当场查获，经鉴定血液酒精含量为182mg/100ml。到案后如实供述，自愿认罪认罚。";
/// A theft fact summary for the repository's fixtures.
const FIXTURE_QUERY: &str =
    "被告人刘某在超市扒窃他人钱包，窃得人民币3000元。案发后主动投案，如实供述自己的罪行。";

/// Why the browser test cannot run here, if it cannot.
fn missing_tool(script_dir: &Path, chromium: &Path) -> Option<String> {
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|out| out.status.success()) {
        return Some("node is not installed".into());
    }
    if !chromium.is_file() {
        return Some(format!(
            "{} not found (apt-get install chromium chromium-driver)",
            chromium.display()
        ));
    }
    if !script_dir.join("node_modules/playwright-core").is_dir() {
        return Some("playwright-core is not installed (npm ci --prefix tests/browser)".into());
    }
    None
}

#[test]
fn the_page_in_headless_chromium() {
    let script_dir = root().join("tests/browser");
    let chromium = std::env::var_os("LEIAN_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if let Some(missing) = missing_tool(&script_dir, &chromium) {
        assert!(
            std::env::var("LEIAN_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "LEIAN_REQUIRE_BROWSER=1 but {missing}"
        );
        eprintln!("skipped: {missing}");
        return;
    }

    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    // The shared corpus makes a realistic page (and the README's screenshot); the fixtures
    // exercise the same page where it is absent.
    let (built, query, rich) = match shared_data() {
        Some(data) => {
            let built = index_shared_criminal_law(&data, &index);
            (built, SHARED_QUERY, true)
        }
        None => (
            index_fixtures(&index, &["--no-embed"]),
            FIXTURE_QUERY,
            false,
        ),
    };
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );

    // With a read key, as a court runs it: the page must ask for the key and then use it.
    let key = "leian_browser_test_read_key";
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args(["serve", "--index", path(&index)])
        .args(["--addr", &format!("127.0.0.1:{port}")])
        .env("LEIAN_API_KEYS", format!("page:read:{}", key_hash(key)))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("leian serve starts");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_for(&format!("{}/v1/ready", server.base), key, 120, |body| {
        body["status"] == "ready"
    });

    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("leian-results.png");
    let run = Command::new("node")
        .arg("page.test.mjs")
        .current_dir(&script_dir)
        .env("LEIAN_URL", &server.base)
        .env("LEIAN_API_KEY", key)
        .env("CHROMIUM", &chromium)
        .env("LEIAN_QUERY", query)
        .env("LEIAN_RICH", if rich { "1" } else { "0" })
        .env("LEIAN_SCREENSHOT", &screenshot)
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    assert!(
        run.status.success(),
        "browser checks failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("all browser checks passed"));
    // `LEIAN_UPDATE_SCREENSHOT=1 cargo test --test browser` refreshes the README's picture.
    if rich && std::env::var("LEIAN_UPDATE_SCREENSHOT").as_deref() == Ok("1") {
        std::fs::copy(&screenshot, root().join("docs/images/results.png")).unwrap();
    }
}
