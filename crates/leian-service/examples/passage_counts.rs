//! How many passages each `--passages` choice gives a corpus, without embedding anything (the
//! model's tokenizer only): what each choice costs in embedding time is proportional to it.
//!
//! `cargo run --release -p leian-service --example passage_counts -- CORPUS... [--model m3e-small]`

use leian_core::Document;
use leian_index::PassageText;
use leian_service::embedding::DEFAULT_STRATEGY;
use leian_service::encoder::ModelEncoder;
use std::collections::HashSet;

fn main() {
    let mut corpora = Vec::new();
    let mut model = "m3e-small".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--model" => model = args.next().expect("--model 需要一个模型名"),
            _ => corpora.push(std::path::PathBuf::from(arg)),
        }
    }
    let encoder = ModelEncoder::load(&model).unwrap_or_else(|e| panic!("{e}"));
    let parts = [
        PassageText::Facts,
        PassageText::FactsReasoning,
        PassageText::Full,
    ];
    let mut counts = [0usize; 3];
    let mut with_reasoning = 0usize;
    let mut judgments = 0usize;
    for corpus in &corpora {
        let mut seen = HashSet::new();
        leian_ingest::read_judgments(corpus, false, &mut seen, &mut |judgment| {
            judgments += 1;
            with_reasoning += usize::from(judgment.reasoning.is_some());
            let document = Document::Judgment(judgment);
            for (count, part) in counts.iter_mut().zip(parts) {
                let strategy = leian_service::embedding::PassageStrategy {
                    text: part,
                    ..DEFAULT_STRATEGY
                };
                *count += encoder
                    .passage_count(&strategy.text_of(&document), &strategy)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
        })
        .unwrap_or_else(|e| panic!("{e}"));
    }
    println!(
        "{}",
        serde_json::json!({
            "judgments": judgments,
            "judgments_with_reasoning": with_reasoning,
            "passages": {
                "facts": counts[0],
                "facts-reasoning": counts[1],
                "full": counts[2],
            },
        })
    );
}
