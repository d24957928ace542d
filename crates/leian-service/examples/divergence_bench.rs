//! Divergence benchmark (issue 13): drafts rebuilt from the sentencing development judgments
//! (their facts and their real 判决如下), and a copy of each with the term multiplied or divided
//! by 3; prints how many of each the draft outcome check alerts on.
//!
//!   cargo run --release -p leian-service --example divergence_bench -- INDEX QUERIES [--json]
//!
//! The case itself is never a similar case (leave-one-out). A ÷3 copy below one month is not a
//! sentence the law knows (拘役 starts at one month) and is skipped, and counted.

use leian_core::Document;
use leian_legal::draft::parse_draft;
use leian_legal::outcome::Penalty;
use leian_legal::sections::result_section;
use leian_legal::sentencing::term_months;
use leian_service::draft_check::{CheckStatus, OutcomeCheck};
use leian_service::sentencing::read_sentence_queries;
use leian_service::{EngineSettings, Service};
use regex::Regex;
use std::path::Path;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(index), Some(queries)) = (args.first(), args.get(1)) else {
        eprintln!("用法：divergence_bench INDEX QUERIES [--json]");
        std::process::exit(2);
    };
    let json = args.iter().any(|a| a == "--json");
    // `--details FILE`: one JSON line per draft (variant, term, status, estimate, reason).
    let mut details = match args.iter().position(|a| a == "--details") {
        Some(i) => Some(std::io::BufWriter::new(std::fs::File::create(
            args.get(i + 1).ok_or("--details 需要文件名")?,
        )?)),
        None => None,
    };
    let settings = EngineSettings {
        load_encoder: false,
        ..Default::default()
    };
    let service = Service::open(Path::new(index), &settings)?;
    let queries = read_sentence_queries(Path::new(queries))?;
    let term = Regex::new(
        r"(有期徒刑|拘役)([0-9零〇一二两三四五六七八九十百]+(?:年(?:零?[0-9零〇一二两三四五六七八九十百]+个?月)?|个?月))",
    )?;
    let mut tally = Tally::default();
    for query in &queries {
        let Some(Document::Judgment(judgment)) = service.engine.store().document(&query.id)? else {
            continue;
        };
        let Some(result) = result_section(&judgment) else {
            continue;
        };
        let draft = format!("{}\n{}", query.text, result);
        let Some((months, charge_own)) = compared_term(&draft) else {
            continue;
        };
        // The term the check compares, as written in the result. A charge's own term before
        // 数罪并罚 is the first that reads as those months; the executed one (决定执行 / 合并执行)
        // or the first defendant's is the last (a revoked first-instance sentence comes before).
        let mut same_months = term
            .captures_iter(result)
            .filter_map(|c| c.get(2))
            .filter(|m| term_months(m.as_str()) == Some(months));
        let written = match charge_own {
            true => same_months.next(),
            false => same_months.last(),
        };
        let Some((start, end)) = written.map(|m| (m.start(), m.end())) else {
            tally.not_alterable += 1;
            continue;
        };
        let with_term = |new: u32| {
            format!(
                "{}\n{}{}{}",
                query.text,
                &result[..start],
                chinese_term(new),
                &result[end..]
            )
        };
        let exclude = vec![query.id.clone()];
        let third = (f64::from(months) / 3.0).round() as u32;
        let variants = [
            (Variant::Unaltered, Some(draft)),
            (Variant::Tripled, Some(with_term(months * 3))),
            (Variant::Divided, (third >= 1).then(|| with_term(third))),
        ];
        for (variant, text) in variants {
            let Some(text) = text else {
                tally.skipped_divided += 1;
                continue;
            };
            let expected = match variant {
                Variant::Unaltered => months,
                Variant::Tripled => months * 3,
                Variant::Divided => third,
            };
            if compared_months(&text) != Some(expected) {
                tally.not_alterable += 1;
                continue;
            }
            let check = service.check_outcome(&text, &exclude)?;
            if let Some(out) = details.as_mut() {
                let line = serde_json::json!({
                    "id": query.id, "variant": variant.name(), "months": check.months,
                    "status": check.status, "alerted": check.alerted(),
                    "estimate": check.estimate.as_ref().and_then(|e| e.months),
                    "band": check.estimate.as_ref().and_then(|e| e.band),
                    "charge": check.estimate.as_ref().and_then(|e| e.charge.clone()),
                    "issues": check.legal_issues.len(), "reason": check.reason, "percentile": check.percentile,
                    "legal_issues": check.legal_issues.iter().map(|i| i.message.clone()).collect::<Vec<_>>(),
                    "penalty": check.draft.as_ref().and_then(|o| match o {
                        leian_legal::Outcome::Criminal { sentences } => sentences.first().map(|s| (s.penalty, s.probation_months)),
                        _ => None,
                    }),
                    "charges": check.charges,
                    "true_months": query.months,
                    "statutory_range": check.estimate.as_ref().and_then(|e| e.statutory_range.clone()),
                    "recommendation": check.estimate.as_ref().and_then(|e| e.recommendation.clone()),
                    "quantity": check.estimate.as_ref().and_then(|e| e.quantity.clone()),
                    "adjustments": check.estimate.as_ref().map(|e| e.adjustments.iter().map(|a| (a.name.clone(), a.effect)).collect::<Vec<_>>()),
                    "weighed": check.estimate.as_ref().map(|e| e.weighed.iter().map(|c| (c.months, c.penalty, c.adjusted_months, c.weight, c.probation)).collect::<Vec<_>>()),
                });
                std::io::Write::write_all(out, format!("{line}\n").as_bytes())?;
            }
            tally.record(variant, &check);
        }
    }
    tally.print(json);
    Ok(())
}

/// The term the outcome check compares: the first sentence with a term, its first charge's own
/// where the executed term merges several; and whether it is that charge's own.
fn compared_term(draft: &str) -> Option<(u32, bool)> {
    match parse_draft(draft).outcome? {
        leian_legal::Outcome::Criminal { sentences } => {
            sentences.iter().find_map(|s| match s.penalty {
                Penalty::FixedTerm | Penalty::CriminalDetention | Penalty::PublicSurveillance => {
                    s.term_months?;
                    match s.first_charge {
                        Some(own) => Some((own.term_months, true)),
                        None => Some((s.term_months?, false)),
                    }
                }
                _ => None,
            })
        }
        _ => None,
    }
}

fn compared_months(draft: &str) -> Option<u32> {
    compared_term(draft).map(|(months, _)| months)
}

#[derive(Clone, Copy)]
enum Variant {
    Unaltered,
    Tripled,
    Divided,
}

impl Variant {
    fn name(self) -> &'static str {
        match self {
            Variant::Unaltered => "unaltered",
            Variant::Tripled => "tripled",
            Variant::Divided => "divided",
        }
    }
}

#[derive(Default)]
struct Counts {
    drafts: usize,
    alerted: usize,
    /// Alerted by the similar cases (lighter / heavier), not only by a general-part bound.
    by_cases: usize,
    /// Alerted in the direction of the change.
    right_way: usize,
    no_reference: usize,
}

#[derive(Default)]
struct Tally {
    unaltered: Counts,
    tripled: Counts,
    divided: Counts,
    skipped_divided: usize,
    /// Drafts whose compared term could not be found in the result's words to alter (or whose
    /// altered copy does not read as the new term): left out, and counted.
    not_alterable: usize,
}

impl Tally {
    fn record(&mut self, variant: Variant, check: &OutcomeCheck) {
        let (counts, expected) = match variant {
            Variant::Unaltered => (&mut self.unaltered, None),
            Variant::Tripled => (&mut self.tripled, Some(CheckStatus::Heavier)),
            Variant::Divided => (&mut self.divided, Some(CheckStatus::Lighter)),
        };
        counts.drafts += 1;
        counts.alerted += usize::from(check.alerted());
        counts.by_cases += usize::from(
            matches!(check.status, CheckStatus::Lighter | CheckStatus::Heavier)
                && check.percentile.is_some(),
        );
        counts.right_way += usize::from(expected == Some(check.status));
        counts.no_reference += usize::from(check.status == CheckStatus::NoReference);
    }

    fn print(&self, json: bool) {
        let rate = |n: usize, d: usize| (n as f64 / d.max(1) as f64 * 1000.0).round() / 1000.0;
        let altered = self.tripled.drafts + self.divided.drafts;
        let altered_alerted = self.tripled.alerted + self.divided.alerted;
        let summary = serde_json::json!({
            "unaltered_drafts": self.unaltered.drafts,
            "unaltered_flagged": rate(self.unaltered.alerted, self.unaltered.drafts),
            "altered_drafts": altered,
            "altered_flagged": rate(altered_alerted, altered),
            "tripled_flagged": rate(self.tripled.alerted, self.tripled.drafts),
            "divided_flagged": rate(self.divided.alerted, self.divided.drafts),
            "altered_right_direction": rate(self.tripled.right_way + self.divided.right_way, altered),
            "altered_flagged_by_similar_cases": rate(self.tripled.by_cases + self.divided.by_cases, altered),
            "unaltered_flagged_by_similar_cases": rate(self.unaltered.by_cases, self.unaltered.drafts),
            "no_reference": rate(
                self.unaltered.no_reference + self.tripled.no_reference + self.divided.no_reference,
                self.unaltered.drafts + altered,
            ),
            "divided_skipped_below_one_month": self.skipped_divided,
            "not_alterable": self.not_alterable,
        });
        if json {
            println!("{summary}");
        } else {
            println!(
                "原样草稿 {} 份，预警 {:.1}%",
                self.unaltered.drafts,
                100.0 * rate(self.unaltered.alerted, self.unaltered.drafts)
            );
            println!(
                "改动草稿 {altered} 份（刑期×3：{}，÷3：{}），预警 {:.1}%",
                self.tripled.drafts,
                self.divided.drafts,
                100.0 * rate(altered_alerted, altered)
            );
            println!("{summary}");
        }
    }
}

/// A term as judgments write it (`一年六个月`, `八个月`, `三年`).
fn chinese_term(months: u32) -> String {
    let (years, rest) = (months / 12, months % 12);
    match (years, rest) {
        (0, m) => format!("{}个月", chinese_number(m)),
        (y, 0) => format!("{}年", chinese_number(y)),
        (y, m) => format!("{}年{}个月", chinese_number(y), chinese_number(m)),
    }
}

fn chinese_number(n: u32) -> String {
    leian_text::chinese_numeral(u64::from(n)).unwrap_or_else(|| n.to_string())
}
