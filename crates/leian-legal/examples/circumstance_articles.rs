//! Measures which general-part (总则, 刑法 art. 1–101) articles judgments cite when their facts
//! state a circumstance, to derive the circumstance → article table of statute linking
//! (`CIRCUMSTANCE_ARTICLES` in `src/linking.rs`).
//!
//! `cargo run --release -p leian-legal --example circumstance_articles -- ../shared/data/corpus/judgments.jsonl`
//!
//! For every circumstance [`analyze_text`] finds (not denied) in the facts of the judgments that
//! list their cited articles, prints how many judgments state it and, for each general article,
//! the share of those judgments citing it, the share among all judgments (base rate) and the lift.

use leian_legal::analysis::{CIRCUMSTANCES, analyze_text};
use std::collections::{BTreeMap, HashSet};
use std::io::BufRead;

const CRIMINAL_LAW_ARTICLE: &str = "中华人民共和国刑法第";
/// Pairs printed: at least this many judgments state the circumstance and cite the article.
const MIN_SUPPORT: usize = 3;
/// Pairs selected for the table: cited by at least this share of the judgments stating the
/// circumstance, and at least this many times the article's base rate.
const MIN_RATE: f64 = 0.3;
const MIN_LIFT: f64 = 2.0;
/// Or cited by nearly every judgment stating it, above the base rate (自首 and 坦白 → 67, which
/// almost every criminal judgment cites, so its lift stays small).
const NEAR_CERTAIN_RATE: f64 = 0.9;

fn general_article(id: &str) -> Option<u32> {
    let number = id.strip_prefix(CRIMINAL_LAW_ARTICLE)?;
    let digits: String = number.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| (1..=101).contains(n))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: circumstance_articles JUDGMENTS.jsonl")?;
    let file = std::io::BufReader::new(std::fs::File::open(&path)?);
    let mut judgments = 0usize;
    let mut base: BTreeMap<u32, usize> = BTreeMap::new();
    let mut stated: BTreeMap<&str, usize> = BTreeMap::new();
    let mut cited_when_stated: BTreeMap<(&str, u32), usize> = BTreeMap::new();
    for line in file.lines() {
        let value: serde_json::Value = serde_json::from_str(&line?)?;
        let Some(cited) = value["cited_articles"].as_array() else {
            continue;
        };
        let articles: HashSet<u32> = cited
            .iter()
            .filter_map(|a| a.as_str().and_then(general_article))
            .collect();
        let facts = value["facts"].as_str().unwrap_or_default();
        judgments += 1;
        for &article in &articles {
            *base.entry(article).or_default() += 1;
        }
        let names: HashSet<&str> = analyze_text(facts)
            .circumstances
            .iter()
            .filter(|c| !c.negated)
            .map(|c| c.name)
            .collect();
        for name in names {
            *stated.entry(name).or_default() += 1;
            for &article in &articles {
                *cited_when_stated.entry((name, article)).or_default() += 1;
            }
        }
    }
    println!("{judgments} judgments with cited articles");
    println!("circumstance\tstated\tarticle\tcited when stated\tbase rate\tlift");
    let mut selected = Vec::new();
    for name in CIRCUMSTANCES {
        let n = stated.get(name).copied().unwrap_or(0);
        if n == 0 {
            println!("{name}\t0");
            continue;
        }
        let mut rows: Vec<(u32, usize)> = cited_when_stated
            .iter()
            .filter(|((c, _), count)| c == name && **count >= MIN_SUPPORT)
            .map(|((_, a), count)| (*a, *count))
            .collect();
        rows.sort_by_key(|row| std::cmp::Reverse(row.1));
        for (article, count) in rows {
            let rate = count as f64 / n as f64;
            let base_rate = base[&article] as f64 / judgments as f64;
            println!(
                "{name}\t{n}\t{article}\t{rate:.2}\t{base_rate:.2}\t{:.2}",
                rate / base_rate
            );
            let lift = rate / base_rate;
            if (rate >= MIN_RATE && lift >= MIN_LIFT) || (rate >= NEAR_CERTAIN_RATE && lift > 1.0) {
                selected.push(format!("    (\"{name}\", {article}, {rate:.2}),"));
            }
        }
    }
    println!(
        "\nselected (share >= {MIN_RATE} and lift >= {MIN_LIFT}, or share >= {NEAR_CERTAIN_RATE}), for CIRCUMSTANCE_ARTICLES:"
    );
    for row in selected {
        println!("{row}");
    }
    Ok(())
}
