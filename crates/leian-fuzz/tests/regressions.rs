//! Replays every committed seed and finding of every fuzz target (`fuzz/seeds/<target>/`,
//! `fuzz/regressions/<target>/`) through the target's function: what libFuzzer once found stays
//! fixed, on stable Rust and without libFuzzer.

use std::path::{Path, PathBuf};

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

/// The files of `fuzz/<kind>/<target>/`, sorted (none when the folder is absent).
fn inputs(kind: &str, target: &str) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind).join(target)) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("folder entry").path())
        .filter(|p| {
            p.is_file()
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Runs each input of one target, naming the file that failed.
fn replay(target: &str) {
    let run = leian_fuzz::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .map(|(_, run)| *run)
        .expect("a known target");
    let seeds = inputs("seeds", target);
    // A target without seeds would start the fuzzer from nothing and test nothing here.
    assert!(seeds.len() >= 3, "{target}: {} seeds", seeds.len());
    for file in seeds.iter().chain(&inputs("regressions", target)) {
        let data = std::fs::read(file).expect("read input");
        if let Err(panic) = std::panic::catch_unwind(|| run(&data)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            panic!("{target}: {} fails: {message}", file.display());
        }
    }
}

#[test]
fn corpus_line() {
    replay("corpus_line");
}

#[test]
fn citations() {
    replay("citations");
}

#[test]
fn analysis() {
    replay("analysis");
}

#[test]
fn case_number() {
    replay("case_number");
}

#[test]
fn search_body() {
    replay("search_body");
}

/// Every target has its folders, and every folder belongs to a target: a finding filed under a
/// misspelt name would never be replayed.
#[test]
fn folders_match_targets() {
    for kind in ["seeds", "regressions"] {
        let Ok(entries) = std::fs::read_dir(fuzz_dir().join(kind)) else {
            assert_eq!(kind, "regressions", "fuzz/seeds is missing");
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                leian_fuzz::TARGETS.iter().any(|(t, _)| *t == name),
                "fuzz/{kind}/{name} is no target"
            );
        }
    }
}
