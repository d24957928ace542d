//! The PostgreSQL scale-out end to end: `scripts/postgres-cluster.sh up` (installing what is
//! missing), the shared corpus indexed into the cluster with `leian index --to`, then checked
//! against the embedded snapshot built from the same sources — rows spread over both shards,
//! the same top ten for cjrc queries (BM25 and hybrid), the same P@10 — and served: a write that
//! survives a coordinator restart, a stopped shard answered with 503 or a partial answer, and its
//! promoted replica serving full answers again.
//!
//! Skipped with a message where the cluster cannot be set up (no root, no apt-get) unless
//! LEIAN_REQUIRE_POSTGRES is set, as CI sets it.

mod support;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use support::*;

/// The cluster of this test, taken down and deleted when dropped.
struct Cluster {
    dir: PathBuf,
    base_port: u16,
    url: String,
}

impl Cluster {
    fn script(&self, args: &[&str]) -> std::process::Output {
        Command::new("bash")
            .arg(root().join("scripts/postgres-cluster.sh"))
            .args(args)
            .env("LEIAN_PG_DIR", &self.dir)
            .env("LEIAN_PG_PORT", self.base_port.to_string())
            .env("LEIAN_PG_REPLICAS", "2")
            .output()
            .expect("bash runs")
    }

    fn up() -> Option<Cluster> {
        let required = std::env::var_os("LEIAN_REQUIRE_POSTGRES").is_some();
        // Ports of five nodes, away from a developer's own cluster on 5433.
        let base_port = 21000 + (std::process::id() % 800) as u16 * 5;
        let mut cluster = Cluster {
            dir: PathBuf::from(format!("/tmp/leian-pg-test-{}", std::process::id())),
            base_port,
            url: String::new(),
        };
        let out = cluster.script(&["up"]);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        if !out.status.success() {
            let why = format!("{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
            assert!(
                !required,
                "LEIAN_REQUIRE_POSTGRES is set but the cluster did not come up:\n{why}"
            );
            eprintln!("skipped: the PostgreSQL cluster could not be set up here:\n{why}");
            return None;
        }
        cluster.url = stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())?
            .trim()
            .to_string();
        assert!(cluster.url.starts_with("postgres://"), "{stdout}");
        Some(cluster)
    }

    fn port(&self, offset: u16) -> String {
        (self.base_port + offset).to_string()
    }

    /// One value from a node (by port offset: 0 coordinator, 1 and 2 the shards).
    fn query(&self, offset: u16, sql: &str) -> String {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port(offset),
                "-U",
                "postgres",
                "-At",
            ])
            .args(["-c", sql, "leian"])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    /// `pg_ctl` on one node's folder, as the postgres user the nodes run as.
    fn pg_ctl(&self, node: &str, action: &str) {
        let status = Command::new("runuser")
            .args([
                "-u",
                "postgres",
                "--",
                "/usr/lib/postgresql/15/bin/pg_ctl",
                action,
            ])
            .args([
                "-D",
                &format!("{}/{node}", self.dir.display()),
                "-m",
                "fast",
                "-w",
            ])
            .args(["-l", &format!("{}/log/{node}.log", self.dir.display())])
            .status()
            .expect("pg_ctl runs");
        assert!(status.success(), "pg_ctl {action} {node}");
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self.script(&["down"]);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn eval(index: &str, data: &Path, mode: &str, run: &Path) -> serde_json::Value {
    let set = data.join("eval/cjrc-same-cause");
    let json = ok(&[
        "eval",
        "--index",
        index,
        "--queries",
        path(&set.join("queries.jsonl")),
        "--qrels",
        path(&set.join("qrels.trec")),
        "--kind",
        "judgment",
        "--mode",
        mode,
        "--exclude-self",
        "--limit",
        "200",
        "--json",
        "--run",
        path(run),
    ]);
    serde_json::from_str(&json).unwrap()
}

/// Mean share of the embedded top ten that the cluster's top ten holds.
fn top10_overlap(embedded: &Path, cluster: &Path) -> f64 {
    let (embedded, cluster) = (run_lists(embedded), run_lists(cluster));
    assert_eq!(embedded.len(), 200);
    let mut sum = 0.0;
    for (query, ranked) in &embedded {
        let top: HashSet<&String> = ranked.iter().take(10).collect();
        let theirs: HashSet<&String> = cluster
            .get(query)
            .map(|r| r.iter().take(10).collect())
            .unwrap_or_default();
        sum += top.intersection(&theirs).count() as f64 / top.len().max(1) as f64;
    }
    sum / embedded.len() as f64
}

/// The same 200 cjrc queries against the snapshot and the cluster: the top ten mostly the same,
/// P@10 within 0.01.
fn check_parity(index: &Path, url: &str, data: &Path, mode: &str, floor: f64, dir: &Path) {
    let (here, there) = (
        dir.join(format!("{mode}-embedded")),
        dir.join(format!("{mode}-pg")),
    );
    let embedded = eval(path(index), data, mode, &here);
    let distributed = eval(url, data, mode, &there);
    let overlap = top10_overlap(&here, &there);
    let (p_here, p_there) = (
        embedded["P@10"].as_f64().unwrap(),
        distributed["P@10"].as_f64().unwrap(),
    );
    eprintln!(
        "{mode}: top-10 overlap {overlap:.4}, P@10 {p_here:.4} embedded, {p_there:.4} cluster"
    );
    assert!(
        overlap >= floor,
        "{mode}: top-10 overlap {overlap} < {floor}"
    );
    assert!(
        (p_here - p_there).abs() <= 0.01,
        "{mode}: P@10 {p_here} vs {p_there}"
    );
}

fn search(base: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let response = http()
        .post(format!("{base}/v1/search"))
        .json(&body)
        .send()
        .unwrap();
    (response.status().as_u16(), response.json().unwrap())
}

fn ids(body: &serde_json::Value) -> Vec<String> {
    body["judgments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sharded_cluster_matches_the_embedded_engine_and_survives_a_shard_down() {
    let Some(data) = shared_data() else { return };
    let embed = model_available();
    let Some(cluster) = Cluster::up() else { return };
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let (corpus, statutes) = (
        data.join("corpus/judgments.jsonl"),
        data.join("statutes/lawrefbook/刑法"),
    );

    // The whole corpus, BM25: one build kept (--out) and copied into the cluster (--to).
    let summary = ok(&[
        "index",
        "--corpus",
        path(&corpus),
        "--statutes",
        path(&statutes),
        "--out",
        path(&index),
        "--no-embed",
        "--to",
        &cluster.url,
    ]);
    assert!(summary.contains("写入裁判文书 3662 份"), "{summary}");

    // Rows spread over both shards, every document on exactly one.
    let on_shard = |offset| -> u64 {
        cluster
            .query(offset, "SELECT count(*) FROM documents")
            .parse()
            .unwrap()
    };
    let (first, second) = (on_shard(1), on_shard(2));
    let total: u64 = cluster
        .query(0, "SELECT sum(docs) FROM kind_counts")
        .parse()
        .unwrap();
    assert!(
        first > total / 4 && second > total / 4,
        "{first} + {second}"
    );
    assert_eq!(first + second, total);
    check_parity(&index, &cluster.url, &data, "bm25", 0.9, dir.path());
    // Every document carries its own terms, which a search's second pass reads; the same library
    // read as blocks only (as a cluster an earlier release loaded is) ranks the same.
    for offset in [1, 2] {
        let without = cluster.query(
            offset,
            "SELECT count(*) FROM documents WHERE term_keys IS NULL",
        );
        assert_eq!(without, "0", "shard {offset}");
    }
    let layout = |value: &str| {
        cluster.query(
            0,
            &format!("UPDATE leian_meta SET value = '\"{value}\"' WHERE key = 'postings'"),
        )
    };
    layout("blocks");
    check_parity(&index, &cluster.url, &data, "bm25", 0.9, dir.path());
    layout("blocks+terms");

    // Hybrid: embedding the whole corpus takes ten minutes on two cores, so the first 400
    // judgments, embedded, replace the library in the cluster (re-indexing into it replaces).
    let library = if embed {
        let head = dir.path().join("head.jsonl");
        let text = std::fs::read_to_string(&corpus).unwrap();
        let lines: Vec<&str> = text.lines().take(400).collect();
        std::fs::write(&head, lines.join("\n") + "\n").unwrap();
        let hybrid_index = dir.path().join("hybrid-index");
        let summary = ok(&[
            "index",
            "--corpus",
            path(&head),
            "--statutes",
            path(&statutes),
            "--out",
            path(&hybrid_index),
            "--to",
            &cluster.url,
        ]);
        assert!(summary.contains("写入裁判文书 400 份"), "{summary}");
        assert!(!summary.contains("向量段落 0 个"), "{summary}");
        check_parity(
            &hybrid_index,
            &cluster.url,
            &data,
            "hybrid",
            0.8,
            dir.path(),
        );
        400
    } else {
        3662
    };

    let server = serve_cluster(&cluster.url, &[]);
    let base = server.base.clone();

    // A write committed through the coordinator survives its restart.
    let added = dir.path().join("added.jsonl");
    let judgment = serde_json::json!({
        "kind": "judgment", "id": "pg-test-1", "case_number": "(2026)京0105刑初9999号",
        "title": "张某盗窃一审刑事判决书", "court": "北京市朝阳区人民法院", "province": "北京",
        "causes": ["盗窃罪"], "year": 2026, "date": "2026-11-30",
        "facts": "被告人张某于2026年5月在朝阳区某超市盗窃手机一部，价值人民币3000元。"
    });
    std::fs::write(&added, format!("{judgment}\n")).unwrap();
    // Every document frequency, to see a removal take back exactly what the addition brought.
    let term_stats = || {
        cluster.query(
            0,
            "SELECT md5(string_agg(field || ':' || term || '=' || df, ',' ORDER BY field, term))
             FROM term_stats",
        )
    };
    let query = serde_json::json!({"text": "被告人在超市盗窃手机一部，价值三千元", "kind": "judgment", "mode": "bm25", "top_k": 10});
    let before_add = term_stats();
    let (status, listed) = search(&base, query.clone());
    assert_eq!(status, 200, "{listed}");
    assert!(!ids(&listed).contains(&"pg-test-1".to_string()));
    ok(&["add", "--to", &cluster.url, path(&added)]);
    let after_add = term_stats();
    assert_ne!(before_add, after_add);
    // The server keeps recent first passes; a write makes a new generation, and the same
    // search finds the new judgment once the counts are read again (half a second).
    std::thread::sleep(std::time::Duration::from_millis(700));
    let (status, listed) = search(&base, query.clone());
    assert_eq!(status, 200, "{listed}");
    assert!(
        ids(&listed).contains(&"pg-test-1".to_string()),
        "the added judgment in the same search's list: {listed}"
    );
    // Adding it again replaces it: the statistics count it once.
    ok(&["add", "--to", &cluster.url, path(&added)]);
    assert_eq!(term_stats(), after_add);
    cluster.pg_ctl("coordinator", "restart");
    let fetched = http()
        .get(format!("{base}/v1/judgments/pg-test-1"))
        .send()
        .unwrap();
    assert_eq!(
        fetched.status().as_u16(),
        200,
        "the added judgment after a coordinator restart"
    );
    assert_eq!(
        cluster.query(0, "SELECT docs FROM kind_counts WHERE kind = 'judgment'"),
        (library + 1).to_string()
    );

    // A request past its deadline stops its statements on the shards: shard1's postings are held
    // locked while a server with a two-second limit searches; it answers 503 timeout, and the
    // statement that waited on shard1 is cancelled rather than left to run after the answer.
    let locker = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &cluster.port(1), "-U", "postgres"])
        .args([
            "-c",
            "BEGIN; LOCK TABLE posting_blocks IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(6); COMMIT;",
            "leian",
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let waiting_on_locks = || {
        cluster.query(
            1,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'",
        )
    };
    let locked = wait_until(10, || {
        cluster.query(
            1,
            "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND granted \
             AND relation = 'posting_blocks'::regclass",
        ) == "1"
    });
    assert!(locked, "shard1's posting_blocks locked");
    let short_server = serve_cluster(&cluster.url, &["--timeout-secs", "2"]);
    let short_base = short_server.base.clone();
    let started = std::time::Instant::now();
    let (status, timed_out) = search(
        &short_base,
        serde_json::json!({"text": "被告人醉酒驾驶机动车在城市道路上行驶，血液酒精含量为每百毫升一百五十毫克", "kind": "judgment", "mode": "bm25"}),
    );
    assert_eq!(status, 503, "{timed_out}");
    assert_eq!(timed_out["error"]["code"], "timeout", "{timed_out}");
    assert!(
        started.elapsed().as_secs_f64() < 4.0,
        "{:?}",
        started.elapsed()
    );
    assert!(
        wait_until(2, || waiting_on_locks() == "0"),
        "a statement of the abandoned request still waits on shard1"
    );
    drop(short_server);
    let _ = { locker }.wait();

    // The coordinator down: 503 store_unavailable (no shard is blamed), and answers again once
    // it is back.
    cluster.pg_ctl("coordinator", "stop");
    let (status, refused) = search(&base, query.clone());
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"]["code"], "store_unavailable", "{refused}");
    cluster.pg_ctl("coordinator", "start");
    let (status, full) = search(&base, query.clone());
    assert_eq!(status, 200, "{full}");
    let full_ids = ids(&full);
    assert_eq!(full_ids.len(), 10);
    assert!(full.get("partial").is_none(), "{full}");

    // A shard down: 503 naming it, or the other shard's results marked partial.
    cluster.pg_ctl("shard2", "stop");
    let (status, refused) = search(&base, query.clone());
    assert_eq!(status, 503, "{refused}");
    assert_eq!(refused["error"]["code"], "shard_unavailable");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("shard2"),
        "{refused}"
    );
    let mut partial_query = query.clone();
    partial_query["partial"] = true.into();
    let (status, partial) = search(&base, partial_query);
    assert_eq!(status, 200, "{partial}");
    assert_eq!(partial["partial"], true);
    assert_eq!(partial["missing_shards"], serde_json::json!(["shard2"]));
    let partial_ids = ids(&partial);
    assert!(!partial_ids.is_empty());
    let live: HashSet<&String> = full_ids.iter().collect();
    assert!(
        partial_ids.iter().any(|id| live.contains(id)),
        "{partial_ids:?} / {full_ids:?}"
    );

    // Its replica, promoted, serves the full answer again.
    let out = cluster.script(&["promote", "shard2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (status, restored) = search(&base, query);
    assert_eq!(status, 200, "{restored}");
    assert_eq!(ids(&restored), full_ids);

    ok(&["remove", "--to", &cluster.url, "pg-test-1"]);
    assert_eq!(
        term_stats(),
        before_add,
        "document frequencies after the removal"
    );
    let postings_left: u64 = cluster
        .query(
            0,
            "SELECT (SELECT count(*) FROM postings_p0 WHERE id = 'pg-test-1')
                  + (SELECT count(*) FROM postings_p1 WHERE id = 'pg-test-1')",
        )
        .parse()
        .unwrap();
    assert_eq!(postings_left, 0, "postings of the removed judgment");
    let gone = http()
        .get(format!("{base}/v1/judgments/pg-test-1"))
        .send()
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404);

    // A reload opens the cluster again (a library published since would be served).
    let reloaded = http()
        .post(format!("{base}/v1/admin/reload"))
        .send()
        .unwrap();
    assert_eq!(reloaded.status().as_u16(), 200);
    let reloaded: serde_json::Value = reloaded.json().unwrap();
    assert!(
        reloaded["snapshot_id"]
            .as_str()
            .unwrap()
            .starts_with("postgres:"),
        "{reloaded}"
    );
    assert_eq!(reloaded["docs"]["judgments"], library);
    assert!(
        reloaded["index"]
            .as_str()
            .unwrap()
            .starts_with("postgres://")
    );
}

/// `leian serve --store URL` with `extra` flags on a free port, once it is ready.
fn serve_cluster(url: &str, extra: &[&str]) -> Server {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_leian"))
        .args([
            "serve",
            "--store",
            url,
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .args(extra)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { child, base };
    wait_for(&format!("{}/v1/ready", server.base), "", 120, |body| {
        body["status"] == "ready"
    });
    server
}

/// Polls `done` every 100 ms for up to `seconds`; whether it came true.
fn wait_until(seconds: u64, mut done: impl FnMut() -> bool) -> bool {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while std::time::Instant::now() < until {
        if done() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    done()
}
