//! Writes a corpus and a query set as Leian's analyzer segments them, for a peer BM25 engine
//! (`bench/bm25s_peer.py`): the peer then indexes the very tokens Leian indexes, so a comparison
//! measures the engines and not the tokenizers.
//!
//! ```text
//! cargo run --release -p leian-ingest --example peer_tokens -- CORPUS QUERIES OUT_DIR
//! ```
//!
//! `OUT_DIR/docs.tsv`: `id<TAB>token token …` for every judgment (facts, reasoning and result, or
//! the full text where the sections were not found — the text fields Leian's BM25 reads);
//! `OUT_DIR/queries.tsv`: the same for every query line `{"id", "text"}`.

use leian_core::Judgment;
use leian_text::analyzer;
use std::collections::HashSet;
use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;

fn tokens(text: &str) -> String {
    analyzer()
        .terms(text)
        .into_iter()
        // A tab or newline inside a token would break the line format; the analyzer drops
        // whitespace, so this only guards against the unexpected.
        .map(|t| t.text.replace(['\t', '\n'], " "))
        .collect::<Vec<_>>()
        .join(" ")
}

fn judgment_text(j: &Judgment) -> String {
    let mut parts = vec![j.facts.as_str()];
    parts.extend(j.reasoning.as_deref());
    parts.extend(j.result.as_deref());
    if j.reasoning.is_none() {
        parts.extend(j.full_text.as_deref());
    }
    parts.join("\n")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [corpus, queries, out] = args.as_slice() else {
        return Err("usage: peer_tokens CORPUS QUERIES OUT_DIR".into());
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;

    let mut docs = BufWriter::new(std::fs::File::create(out.join("docs.tsv"))?);
    let mut seen = HashSet::new();
    let mut failure: Option<std::io::Error> = None;
    let mut written = 0u64;
    leian_ingest::read_judgments(corpus.as_ref(), false, &mut seen, &mut |j| {
        if failure.is_none()
            && let Err(e) = writeln!(docs, "{}\t{}", j.id, tokens(&judgment_text(&j)))
        {
            failure = Some(e);
        }
        written += 1;
        if written.is_multiple_of(100_000) {
            eprintln!("{written} judgments segmented");
        }
    })?;
    if let Some(e) = failure {
        return Err(e.into());
    }
    docs.flush()?;

    let mut out_queries = BufWriter::new(std::fs::File::create(out.join("queries.tsv"))?);
    for line in std::io::BufReader::new(std::fs::File::open(queries)?).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value: serde_json::Value = serde_json::from_str(&line)?;
        let id = value["id"].as_str().unwrap_or_default();
        let text = value["text"].as_str().unwrap_or_default();
        writeln!(out_queries, "{id}\t{}", tokens(text))?;
    }
    out_queries.flush()?;
    eprintln!(
        "{written} judgments and the queries written to {}",
        out.display()
    );
    Ok(())
}
