//! Measures the statute-linking promise "the charge's own article first whenever the charge is
//! predicted right" on a fact set whose queries are judgments of the index (judge-statutes):
//! for each query, the top predicted charge (query analysis, the query's own judgment excluded
//! from the votes) is right when the judgment was decided under it; then the first linked
//! article must be one of that charge's articles.
//!
//! `cargo run --release -p leian-cli --example charge_first -- INDEX QUERIES.jsonl`

use leian_core::{Document, Filters, Kind};
use leian_search::{Engine, Mode, SearchConfig, SearchRequest};
use std::sync::Arc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(index), Some(queries)) = (args.next(), args.next()) else {
        return Err("usage: charge_first INDEX QUERIES.jsonl".into());
    };
    let snapshot = Arc::new(leian_index::Snapshot::open(std::path::Path::new(&index))?);
    let engine = Engine::new(snapshot.clone(), SearchConfig::default());
    let queries = leian_service::eval::read_queries(std::path::Path::new(&queries))?;
    let filters = Filters::parse(["law=中华人民共和国刑法"])?;
    let (mut judged, mut predicted_right, mut first_is_its_article) = (0, 0, 0);
    let mut misses = Vec::new();
    let mut wrong = Vec::new();
    for query in &queries {
        let Some(Document::Judgment(judgment)) =
            leian_core::Store::document(&*snapshot, &query.id)?
        else {
            continue;
        };
        if judgment.causes.is_empty() {
            continue;
        }
        judged += 1;
        let links = engine.link_statutes(&SearchRequest {
            text: query.text.clone(),
            kind: Some(Kind::Statute),
            mode: Mode::Bm25,
            top_k: 10,
            filters: filters.clone(),
            exclude_ids: vec![query.id.clone()],
            all_terms: true,
        })?;
        let Some(charge) = links.analysis.charges.first() else {
            continue;
        };
        // JuDGE names charges in their short forms (贩卖毒品罪 for 走私、贩卖、运输、制造毒品罪):
        // compare the dictionary charges they stand for.
        let decided: Vec<&str> = judgment
            .causes
            .iter()
            .filter_map(|c| leian_legal::analysis::resolve_charge(c))
            .map(|c| c.name)
            .collect();
        if !decided.contains(&charge.name.as_str()) {
            if wrong.len() < 8 {
                wrong.push(format!(
                    "{}: predicted {} — decided {:?}",
                    query.id, charge.name, judgment.causes
                ));
            }
            continue;
        }
        predicted_right += 1;
        match links.hits.first() {
            Some(first) if charge.articles.contains(&first.article) => first_is_its_article += 1,
            // The dictionary knows no article for this charge: nothing to check.
            _ if charge.articles.is_empty() => predicted_right -= 1,
            first => misses.push(format!(
                "{}: {} (score {:.3}) {:?} → first {:?}",
                query.id,
                charge.name,
                charge.score,
                charge.articles,
                first.map(|h| h.article.as_str())
            )),
        }
    }
    println!(
        "{judged} queries with known charges; top charge predicted right for {predicted_right} ({:.1}%); its article first for {first_is_its_article} of those ({:.1}%)",
        100.0 * predicted_right as f64 / judged.max(1) as f64,
        100.0 * first_is_its_article as f64 / predicted_right.max(1) as f64
    );
    for line in &wrong {
        println!("  wrong charge {line}");
    }
    for miss in misses.iter().take(20) {
        println!("  {miss}");
    }
    Ok(())
}
