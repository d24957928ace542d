//! Crash safety of publishing (issue 12): `leian index` killed with SIGKILL at random moments of
//! its run, and exactly at each step of the switch (the debug-build hook `LEIAN_PAUSE_AT` holds
//! it there), leaves the served path opening, answering, and holding the old snapshot or the new
//! one — never neither, never a mix; the next run clears what the killed one left; a server
//! started before the kills keeps answering through them and reloads onto what was published.
//!
//! `LEIAN_CRASH_SEED=<n>` replays a run (the seed is printed).

mod support;

use leian_core::{Filters, Store};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::*;

/// The two corpora built in turn: a run always builds the one that is not served, so the old
/// and the new snapshot can be told apart by their documents.
struct Corpus {
    file: PathBuf,
    prefix: &'static str,
    judgments: u64,
}

/// splitmix64: the test's only randomness, from a printed seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Judgments `<prefix>-<n>`, every one about a theft, with varied facts of a few hundred
/// characters (so that a build takes long enough to be killed in the middle).
fn write_corpus(path: &Path, prefix: &'static str, count: u64, rng: &mut Rng) -> Corpus {
    const PLACES: [&str; 6] = ["超市", "商场", "小区", "工地", "车站", "宿舍"];
    const THINGS: [&str; 6] = ["手机", "电动车", "现金", "白酒", "电缆", "笔记本电脑"];
    const COURTS: [&str; 4] = [
        "北京市朝阳区",
        "浙江省杭州市西湖区",
        "广东省深圳市南山区",
        "四川省成都市武侯区",
    ];
    let mut lines = String::new();
    for n in 0..count {
        let place = PLACES[rng.below(6) as usize];
        let thing = THINGS[rng.below(6) as usize];
        let court = COURTS[rng.below(4) as usize];
        let amount = 500 + rng.below(50_000);
        let facts = format!(
            "{court}人民检察院指控：被告人{prefix}{n}于2021年{}月{}日在{place}内盗窃{thing}，价值人民币{amount}元。\
             案发后被告人被公安机关抓获，如实供述了自己的罪行，赃物已追回并发还被害人。\
             被告人{prefix}{n}曾因盗窃被判处有期徒刑，刑满释放后五年内再犯，系累犯。",
            1 + rng.below(12),
            1 + rng.below(28)
        );
        let record = serde_json::json!({
            "id": format!("{prefix}-{n}"),
            "facts": facts,
            "causes": ["盗窃罪"],
            "court": format!("{court}人民法院"),
        });
        lines.push_str(&format!("{record}\n"));
    }
    std::fs::write(path, lines).unwrap();
    Corpus {
        file: path.to_path_buf(),
        prefix,
        judgments: count,
    }
}

/// A `leian index` run, killed when dropped (a failing test leaves no process behind).
struct Job(Child);

impl Drop for Job {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn index_command(corpus: &Corpus, index: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leian"));
    command
        .args([
            "index",
            "--no-embed",
            "--corpus",
            path(&corpus.file),
            "--out",
        ])
        .arg(index)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

fn build(corpus: &Corpus, index: &Path) -> Duration {
    let started = Instant::now();
    let status = index_command(corpus, index).status().unwrap();
    assert!(status.success(), "leian index {}", corpus.file.display());
    started.elapsed()
}

/// What the served path holds: it opens, answers a query, and its stored documents are exactly
/// one corpus's, as many as its manifest counts.
fn served<'a>(index: &Path, corpora: &'a [Corpus; 2], context: &str) -> (String, &'a Corpus) {
    let snapshot = leian_index::Snapshot::open(index)
        .unwrap_or_else(|e| panic!("{context}: the served path does not open: {e}"));
    let judgments = snapshot.manifest().docs.judgments;
    let corpus = corpora
        .iter()
        .find(|c| c.judgments == judgments)
        .unwrap_or_else(|| panic!("{context}: {judgments} judgments, neither corpus"));
    let documents = snapshot.all_documents().unwrap();
    assert_eq!(documents.len() as u64, judgments, "{context}");
    let own = format!("{}-", corpus.prefix);
    assert!(
        documents.iter().all(|d| d.id().starts_with(&own)),
        "{context}: documents of both corpora"
    );
    let found = snapshot
        .lexical(
            &[("盗窃".into(), 1.0), ("手机".into(), 1.0)],
            &[("facts", 1.0)],
            &Filters::default(),
            5,
        )
        .unwrap();
    assert!(
        !found.is_empty() && found.iter().all(|c| c.id.starts_with(&own)),
        "{context}: {found:?}"
    );
    (snapshot.manifest().snapshot_id.clone(), corpus)
}

/// Entries beside the index left by jobs: scratch folders and temporary links, with their
/// owners' process ids.
fn helpers(parent: &Path) -> Vec<(String, u32)> {
    std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|name| {
            let rest = name
                .strip_prefix(".index.building-")
                .or_else(|| name.strip_prefix(".index.link-"))?;
            let pid = rest.split('-').next()?.parse().ok()?;
            Some((name, pid))
        })
        .collect()
}

fn versions(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parent.join(".index.snapshots"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

fn search(server: &Server) -> serde_json::Value {
    let response = http()
        .post(format!("{}/v1/search", server.base))
        .json(&serde_json::json!({"text": "被告人在超市内盗窃手机", "kind": "judgment"}))
        .send()
        .expect("the server answers");
    assert_eq!(response.status(), 200);
    response.json().unwrap()
}

/// SIGHUP, then waits until the server serves `expected`; it answers from that snapshot.
fn reload(server: &Server, expected: &str, corpus: &Corpus) {
    Command::new("kill")
        .args(["-HUP", &server.child.id().to_string()])
        .status()
        .unwrap();
    wait_for(&format!("{}/v1/ready", server.base), "", 60, |r| {
        r["snapshot_id"] == expected
    });
    let body = search(server);
    assert_eq!(body["snapshot_id"], expected);
    let first = body["judgments"][0]["id"].as_str().unwrap_or_default();
    assert!(first.starts_with(&format!("{}-", corpus.prefix)), "{body}");
}

/// Switch steps a run is held at and killed, by iteration; the other iterations kill at a random
/// moment. `exchanged` comes first: it needs the served path to be a real folder (as indexes built
/// before versioned snapshots are), which the first publish replaces with a link.
const FORCED: [(usize, &str); 7] = [
    (0, "exchanged"),
    (3, "committed"),
    (6, "manifest"),
    (9, "locked"),
    (12, "versioned"),
    (15, "symlinked"),
    (18, "switched"),
];
const KILLS: usize = 20;

#[test]
fn killed_index_runs_leave_the_old_or_the_new_snapshot() {
    if !support::has_test_hooks() {
        return;
    }
    let seed = std::env::var("LEIAN_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    println!("LEIAN_CRASH_SEED={seed}");
    let mut rng = Rng(seed);
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let corpora = [
        write_corpus(&dir.path().join("a.jsonl"), "a", 40, &mut rng),
        write_corpus(&dir.path().join("b.jsonl"), "b", 1500, &mut rng),
    ];
    // How long an uninterrupted build of the larger corpus takes: the span random kills fall in.
    let probe = build(&corpora[1], &dir.path().join("probe"));
    build(&corpora[0], &index);
    // A served path that is a real folder, as left by versions before the link scheme.
    let folder = std::fs::canonicalize(&index).unwrap();
    std::fs::remove_file(&index).unwrap();
    std::fs::rename(&folder, &index).unwrap();
    let (current, _) = served(&index, &corpora, "before the kills");

    let port = free_port();
    let server = Server {
        child: Command::new(env!("CARGO_BIN_EXE_leian"))
            .args(["serve", "--index", path(&index), "--addr"])
            .arg(format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
        base: format!("http://127.0.0.1:{port}"),
    };
    wait_for(&format!("{}/v1/ready", server.base), "", 60, |_| true);
    let mut server_snapshot = current;

    let mut phases: BTreeMap<String, usize> = BTreeMap::new();
    let mut kills = 0;
    let mut runs = 0;
    while kills < KILLS {
        runs += 1;
        assert!(
            runs <= 3 * KILLS,
            "too many runs finished before their kill"
        );
        let (old_id, old) = served(&index, &corpora, "before the run");
        let new = corpora.iter().find(|c| c.prefix != old.prefix).unwrap();
        let versions_before = versions(dir.path());
        let forced = FORCED.iter().find(|(i, _)| *i == kills).map(|(_, s)| *s);
        let marker = dir.path().join(format!("paused-{runs}"));
        let mut command = index_command(new, &index);
        if let Some(step) = forced {
            command
                .env("LEIAN_PAUSE_AT", step)
                .env("LEIAN_PAUSE_MARKER", &marker);
        }
        let mut job = Job(command.spawn().unwrap());
        let pid = job.0.id();
        let context = match forced {
            Some(step) => format!("seed {seed}, run {runs}, killed at {step}"),
            None => {
                let delay = Duration::from_micros(rng.below(probe.as_micros() as u64));
                std::thread::sleep(delay);
                format!("seed {seed}, run {runs}, killed after {delay:?}")
            }
        };
        if forced.is_some() {
            let deadline = Instant::now() + Duration::from_secs(120);
            while !marker.exists() {
                assert!(
                    job.0.try_wait().unwrap().is_none(),
                    "{context}: ended without reaching its step"
                );
                assert!(Instant::now() < deadline, "{context}: never paused");
                std::thread::sleep(Duration::from_millis(10));
            }
            // The server answers while a job stands in the middle of the switch.
            assert_eq!(
                search(&server)["snapshot_id"],
                server_snapshot.as_str(),
                "{context}: while paused"
            );
        }
        if let Some(status) = job.0.try_wait().unwrap() {
            // Finished before the random moment came: not a kill, but a publish to check all
            // the same.
            assert!(status.success(), "{context}: failed");
            *phases.entry("finished before the kill".into()).or_default() += 1;
        } else {
            job.0.kill().unwrap();
            job.0.wait().unwrap();
            kills += 1;
            // Where the kill landed, from what it left.
            let (served_id, _) = served(&index, &corpora, &context);
            let phase = if let Some(step) = forced {
                format!("at {step}")
            } else if served_id != old_id {
                "after the switch".into()
            } else if versions(dir.path()).len() > versions_before.len() {
                "published, before the switch".into()
            } else if helpers(dir.path()).iter().any(|(_, p)| *p == pid) {
                "building".into()
            } else {
                "starting".into()
            };
            *phases.entry(phase).or_default() += 1;
        }
        drop(job);

        // The old snapshot or the new one, whole.
        let (id, corpus) = served(&index, &corpora, &context);
        assert!(
            (id == old_id && corpus.prefix == old.prefix)
                || (id != old_id && corpus.prefix == new.prefix),
            "{context}: served {id} ({}), before {old_id} ({})",
            corpus.prefix,
            old.prefix
        );
        if forced.is_some_and(|s| ["exchanged", "switched"].contains(&s)) {
            assert_ne!(id, old_id, "{context}: the switch was done");
        }
        if forced.is_some_and(|s| {
            ["committed", "manifest", "locked", "versioned", "symlinked"].contains(&s)
        }) {
            assert_eq!(id, old_id, "{context}: the switch was not done");
        }
        // Each run clears what killed runs left before it: only the last one's remain.
        let owners: std::collections::BTreeSet<u32> =
            helpers(dir.path()).iter().map(|(_, p)| *p).collect();
        assert!(
            owners.len() <= 1,
            "{context}: leftovers {:?}",
            helpers(dir.path())
        );
        // The server answers from the snapshot it loaded, whatever happened beside it.
        assert_eq!(
            search(&server)["snapshot_id"],
            server_snapshot.as_str(),
            "{context}"
        );
        if kills % 4 == 0 {
            reload(&server, &id, corpus);
            server_snapshot = id;
        }
    }

    // An uninterrupted run publishes, clears every leftover and keeps two snapshots only.
    let (old_id, old) = served(&index, &corpora, "before the last run");
    let new = corpora.iter().find(|c| c.prefix != old.prefix).unwrap();
    build(new, &index);
    let (id, corpus) = served(&index, &corpora, "after the last run");
    assert!(id != old_id && corpus.prefix == new.prefix);
    assert_eq!(helpers(dir.path()), []);
    let kept = versions(dir.path());
    assert_eq!(kept.len(), 2, "{kept:?}");
    let target = std::fs::read_link(&index).unwrap();
    assert!(
        kept.iter().any(|v| target.ends_with(v)),
        "{target:?} {kept:?}"
    );
    reload(&server, &id, corpus);
    println!(
        "{kills} kills in {runs} runs, {:.1} s (a full build: {probe:?}): {phases:?}",
        started.elapsed().as_secs_f64()
    );
}
