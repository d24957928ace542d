// Temporary: dumps features for prototyping the sentencing estimate.
use leian_core::{Document, Filters, Kind};
use leian_legal::analysis::analyze_text;
use leian_legal::outcome::{Outcome, parse_outcome};
use leian_search::Mode;
use leian_search::SearchRequest;
use leian_service::{EngineSettings, Service};
use std::io::Write;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (index, queries, out) = (&args[1], &args[2], &args[3]);
    let mode = if args.get(4).map(|s| s.as_str()) == Some("hybrid") {
        Mode::Hybrid
    } else {
        Mode::Bm25
    };
    let settings = EngineSettings {
        load_encoder: mode != Mode::Bm25,
        ..Default::default()
    };
    let service = Service::open(std::path::Path::new(index), &settings).unwrap();
    let snapshot = leian_index::Snapshot::open(std::path::Path::new(index)).unwrap();
    let mut f =
        std::io::BufWriter::new(std::fs::File::create(format!("{out}/docs.jsonl")).unwrap());
    for doc in snapshot.all_documents().unwrap() {
        let Document::Judgment(j) = doc else { continue };
        let a = analyze_text(&j.facts);
        let outcome = parse_outcome(&j);
        let line = serde_json::json!({"id": j.id, "causes": j.causes, "domain": j.domain, "year": j.year,
            "court_level": j.court_level, "case_number": j.case_number,
            "outcome": outcome.map(|o| serde_json::to_value(o).unwrap()),
            "analysis": a, "canon": j.causes.iter().map(|c| leian_legal::analysis::resolve_charge(c).map(|x| x.name.to_string()).unwrap_or(c.clone())).collect::<Vec<_>>(), "reasoning_circ": analyze_text(j.reasoning.as_deref().unwrap_or("")).circumstances});
        writeln!(f, "{line}").unwrap();
    }
    let _ = Outcome::Civil {
        outcome: leian_legal::outcome::CivilOutcome::Supported,
    };
    let mut q =
        std::io::BufWriter::new(std::fs::File::create(format!("{out}/neighbours.jsonl")).unwrap());
    for line in std::fs::read_to_string(queries).unwrap().lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let text = v["text"].as_str().unwrap().to_string();
        let id = v["id"].as_str().unwrap().to_string();
        let r = service
            .engine
            .search(&SearchRequest {
                text: text.clone(),
                kind: Some(Kind::Judgment),
                mode,
                top_k: 100,
                filters: Filters::default(),
                exclude_ids: vec![id.clone()],
            })
            .unwrap();
        let hits: Vec<_> = r
            .hits
            .iter()
            .map(|h| serde_json::json!([h.id, h.score]))
            .collect();
        writeln!(q, "{}", serde_json::json!({"id": id, "months": v["months"], "analysis": analyze_text(&text), "engine": service.engine.analyze(&text, Mode::Bm25, &[id.clone()]).unwrap(), "hits": hits})).unwrap();
    }
}
