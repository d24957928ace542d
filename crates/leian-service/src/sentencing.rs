//! 类案量刑参考 over the index: the similar judgments of the query's charge with a readable
//! sentence become precedents for [`leian_legal::sentencing::estimate`]; and its evaluation on
//! `{"id", "text", "months"}` sets (CAIL and LawBench scores, band coverage).

use crate::Service;
use crate::error::{Result, ServiceError};
use leian_core::{Document, FilterField, Filters, Kind, deadline};
use leian_legal::analysis::{Analysis, analyze_text};
use leian_legal::outcome::{Outcome, parse_outcome};
use leian_legal::sentencing::{
    CaseFeatures, EstimateOptions, EstimateQuery, MIN_PRECEDENTS, Precedent, SentencingEstimate,
    canonical_charge, estimate,
};
use leian_search::{Mode, SearchError, SearchRequest};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Similar judgments searched for precedents: enough that the query's charge has some even
/// when neighbours of other charges come first.
const PRECEDENT_DEPTH: usize = 100;
/// Share of the similar judgments decided under a charge that makes it the query's charge even
/// when too few of them have a readable sentence (the estimate then abstains).
const DECIDED_UNDER: f32 = 0.2;

/// What to estimate: a criminal fact summary, optionally its charge (a draft names it).
#[derive(Debug, Clone, Default)]
pub struct SentencingRequest {
    pub text: String,
    /// The charge when known (a draft's 判决如下 names it); otherwise the query analysis decides.
    pub charge: Option<String>,
    pub filters: Filters,
    /// Ids never used as precedents (the case itself in leave-one-out evaluation).
    pub exclude_ids: Vec<String>,
    pub options: EstimateOptions,
}

impl Service {
    /// The sentencing reference for a fact summary.
    pub fn estimate_sentence(&self, request: &SentencingRequest) -> Result<SentencingEstimate> {
        if request.text.trim().is_empty() {
            return Err(ServiceError::Invalid("事实文本为空".into()));
        }
        let analysis = match &request.charge {
            Some(_) => analyze_text(&request.text),
            None => match self
                .engine
                .analyze(&request.text, Mode::Bm25, &request.exclude_ids)
            {
                Ok(analysis) => analysis,
                Err(SearchError::EmptyQuery) => analyze_text(&request.text),
                Err(other) => return Err(other.into()),
            },
        };
        self.estimate_with(request, &analysis)
    }

    /// The estimate for a text already analysed (the search's own analysis, with the charges the
    /// similar judgments vote for).
    pub(crate) fn estimate_with(
        &self,
        request: &SentencingRequest,
        analysis: &Analysis,
    ) -> Result<SentencingEstimate> {
        let candidates: Vec<(String, f32)> = match &request.charge {
            Some(charge) => vec![(canonical_charge(charge), 1.0)],
            None => criminal_charges(&request.text, analysis),
        };
        let neighbours = match candidates.is_empty() {
            true => Vec::new(),
            false => self.sentenced_neighbours(request, &candidates)?,
        };
        // The most likely charge: one that similar judgments were sentenced for, or that many of
        // them were decided under (then too few precedents is an abstention, not another
        // charge's figures). A charge only the text seems to name (伪证罪 for a witness in a
        // traffic case) yields to the next one.
        let charge = candidates
            .iter()
            .find(|(charge, share)| {
                let sentenced = neighbours
                    .iter()
                    .filter(|n| n.charges.contains(charge))
                    .count();
                sentenced >= MIN_PRECEDENTS || *share >= DECIDED_UNDER
            })
            .or(candidates.first())
            .map(|(charge, _)| charge.clone());
        let as_precedents = |neighbours: Vec<Neighbour>, charge: &String| -> Vec<Precedent> {
            neighbours
                .into_iter()
                .filter(|n| n.charges.contains(charge))
                .filter_map(|n| {
                    deadline::check().ok()?;
                    let features =
                        CaseFeatures::read(&n.judgment.facts, &analyze_text(&n.judgment.facts));
                    Precedent::new(&n.judgment, n.score, &n.sentences, features)
                        .map(|precedent| precedent.with_own_term(&n.judgment, charge))
                })
                .collect()
        };
        let mut precedents: Vec<Precedent> = match &charge {
            Some(charge) => as_precedents(neighbours, charge),
            None => Vec::new(),
        };
        deadline::check()?;
        // A rare charge: the nearest judgments, mostly of commoner charges, hold too few of its
        // sentences. The library's judgments of the charge itself are searched then (most similar
        // first), so the estimate rests on the charge's own cases instead of abstaining. Not when
        // the caller filters causes already (another cause value would widen that filter).
        if let Some(charge) = &charge
            && precedents.len() < MIN_PRECEDENTS
            && !request
                .filters
                .terms
                .iter()
                .any(|(field, _)| *field == FilterField::Cause)
        {
            let mut filters = request.filters.clone();
            let mut names = vec![charge.clone()];
            names.extend(request.charge.iter().filter(|raw| *raw != charge).cloned());
            for name in &names {
                filters
                    .add("cause", name)
                    .map_err(|e| ServiceError::Invalid(e.to_string()))?;
            }
            let narrowed = SentencingRequest {
                filters,
                ..request.clone()
            };
            let candidates = [(charge.clone(), 0.0)];
            let more = self.sentenced_neighbours(&narrowed, &candidates)?;
            for precedent in as_precedents(more, charge) {
                if !precedents.iter().any(|p| p.id == precedent.id) {
                    precedents.push(precedent);
                }
            }
        }
        let query = EstimateQuery {
            text: &request.text,
            charge,
            features: CaseFeatures::read(&request.text, analysis),
        };
        Ok(estimate(&query, &precedents, &request.options))
    }

    /// The similar judgments (BM25: the estimate gains nothing from dense retrieval on the
    /// development set and saves the query encoding) of a candidate charge with a criminal
    /// outcome, their charges resolved to the dictionary's names.
    fn sentenced_neighbours(
        &self,
        request: &SentencingRequest,
        candidates: &[(String, f32)],
    ) -> Result<Vec<Neighbour>> {
        let search = SearchRequest {
            text: request.text.clone(),
            kind: Some(Kind::Judgment),
            mode: Mode::Bm25,
            top_k: PRECEDENT_DEPTH,
            filters: request.filters.for_kind(Kind::Judgment),
            exclude_ids: request.exclude_ids.clone(),
            all_terms: true,
        };
        let ranked = match self.engine.rank(&search, PRECEDENT_DEPTH) {
            Ok(ranked) => ranked,
            Err(SearchError::EmptyQuery) => return Ok(Vec::new()),
            Err(other) => return Err(other.into()),
        };
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let documents = self
            .engine
            .store()
            .documents(&ids)
            .map_err(SearchError::from)?;
        let mut neighbours = Vec::new();
        for ((_, score), document) in ranked.iter().zip(documents) {
            deadline::check()?;
            let Some(Document::Judgment(judgment)) = document else {
                continue;
            };
            if judgment.domain == Some(leian_core::Domain::Civil) {
                continue;
            }
            // Only a candidate charge's judgments are read further.
            let charges: Vec<String> = judgment
                .causes
                .iter()
                .map(|c| canonical_charge(c))
                .collect();
            if !candidates
                .iter()
                .any(|(charge, _)| charges.contains(charge))
            {
                continue;
            }
            let Some(Outcome::Criminal { sentences }) = parse_outcome(&judgment) else {
                continue;
            };
            neighbours.push(Neighbour {
                charges,
                score: *score,
                sentences,
                judgment,
            });
        }
        Ok(neighbours)
    }
}

/// A similar judgment with a criminal outcome.
struct Neighbour {
    judgment: leian_core::Judgment,
    charges: Vec<String>,
    score: f32,
    sentences: Vec<leian_legal::outcome::Sentence>,
}

/// The charges the query may be sentenced for, most likely first (at most three), with the share
/// of similar judgments decided under each: none when the text reads as a civil case (a cause of
/// action ahead of every charge) and names no defendant prosecuted.
fn criminal_charges(text: &str, analysis: &Analysis) -> Vec<(String, f32)> {
    let Some(first) = analysis.charges.first() else {
        return Vec::new();
    };
    let prosecuted = text.contains("被告人")
        && ["公诉机关", "检察院", "指控", "犯罪"]
            .iter()
            .any(|word| text.contains(word));
    let civil_ahead = analysis
        .causes
        .first()
        .is_some_and(|cause| cause.score > first.score);
    if civil_ahead && !prosecuted {
        return Vec::new();
    }
    let mut charges: Vec<(String, f32)> = Vec::new();
    for candidate in analysis.charges.iter().take(3) {
        let name = canonical_charge(&candidate.name);
        if !charges.iter().any(|(known, _)| *known == name) {
            charges.push((name, candidate.similar_case_share));
        }
    }
    charges
}

/// A query of a sentencing set: a fact summary and the months actually imposed.
#[derive(Debug, Clone, Deserialize)]
pub struct SentenceQuery {
    pub id: String,
    pub text: String,
    pub months: f64,
}

/// Reads `{"id", "text", "months"}` lines.
pub fn read_sentence_queries(
    path: &Path,
) -> std::result::Result<Vec<SentenceQuery>, crate::eval::EvalError> {
    crate::eval::read_jsonl(path, "{\"id\", \"text\", \"months\"}")
}

/// The figures of a sentencing evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentenceMetrics {
    /// CAIL's step score of v = |ln(p+1) − ln(a+1)| (1 at v ≤ 0.2 … 0 above 1.0; abstention 0).
    pub cail_score: f64,
    /// LawBench's (ln 216 − mean v) / ln 216, an abstention counting v = ln 216.
    pub lawbench_score: f64,
    /// Share of the estimated queries whose true months fall inside the band.
    pub band_coverage: f64,
    /// Median of (band upper + 1) / (band lower + 1) over the estimated queries.
    pub band_ratio: f64,
    /// Share of queries without an estimate.
    pub abstain: f64,
    pub queries: usize,
}

/// One query's estimate against the truth.
#[derive(Debug, Clone, Serialize)]
pub struct SentenceOutcome {
    pub id: String,
    pub months: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<(f64, [f64; 2])>,
    /// The estimate's summary (or the reason it abstained).
    pub summary: String,
}

/// CAIL's step score of one prediction.
pub fn cail_step(v: f64) -> f64 {
    match v {
        v if v <= 0.2 => 1.0,
        v if v <= 0.4 => 0.8,
        v if v <= 0.6 => 0.6,
        v if v <= 0.8 => 0.4,
        v if v <= 1.0 => 0.2,
        _ => 0.0,
    }
}

/// Scores a set of outcomes.
pub fn score_sentences(outcomes: &[SentenceOutcome]) -> SentenceMetrics {
    let ceiling = 216f64.ln();
    let mut cail = 0.0;
    let mut distance = 0.0;
    let mut covered = 0usize;
    let mut ratios: Vec<f64> = Vec::new();
    for outcome in outcomes {
        match outcome.estimate {
            Some((months, [lower, upper])) => {
                let v = ((months + 1.0).ln() - (outcome.months + 1.0).ln()).abs();
                cail += cail_step(v);
                distance += v;
                covered += usize::from(lower <= outcome.months && outcome.months <= upper);
                ratios.push((upper + 1.0) / (lower + 1.0));
            }
            None => distance += ceiling,
        }
    }
    let n = outcomes.len().max(1) as f64;
    ratios.sort_by(f64::total_cmp);
    let estimated = ratios.len();
    let median_ratio = match estimated {
        0 => 0.0,
        k if k % 2 == 1 => ratios[k / 2],
        k => (ratios[k / 2 - 1] + ratios[k / 2]) / 2.0,
    };
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    SentenceMetrics {
        cail_score: round(cail / n),
        lawbench_score: round((ceiling - distance / n) / ceiling),
        band_coverage: round(covered as f64 / estimated.max(1) as f64),
        band_ratio: round(median_ratio),
        abstain: round((outcomes.len() - estimated) as f64 / n),
        queries: outcomes.len(),
    }
}

impl Service {
    /// Estimates every query (in parallel) and scores the estimates.
    pub fn evaluate_sentences(
        &self,
        queries: &[SentenceQuery],
        exclude_self: bool,
        options: &EstimateOptions,
        workers: usize,
        progress: &dyn crate::Progress,
    ) -> Result<(SentenceMetrics, Vec<SentenceOutcome>)> {
        let outcomes =
            crate::eval::parallel_map(queries, workers, "量刑评测", progress, |query| {
                let request = SentencingRequest {
                    text: query.text.clone(),
                    charge: None,
                    filters: Filters::default(),
                    exclude_ids: match exclude_self {
                        true => vec![query.id.clone()],
                        false => Vec::new(),
                    },
                    options: options.clone(),
                };
                let estimate = self.estimate_sentence(&request)?;
                Ok(SentenceOutcome {
                    id: query.id.clone(),
                    months: query.months,
                    estimate: estimate.months.zip(estimate.band),
                    summary: estimate.summary,
                })
            })?;
        Ok((score_sentences(&outcomes), outcomes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(months: f64, estimate: Option<(f64, [f64; 2])>) -> SentenceOutcome {
        SentenceOutcome {
            id: String::new(),
            months,
            estimate,
            summary: String::new(),
        }
    }

    #[test]
    fn scores_follow_the_issue_definitions() {
        // A constant 9 months against 9 and 27 months, one abstention.
        let outcomes = vec![
            outcome(9.0, Some((9.0, [6.0, 12.0]))),
            outcome(27.0, Some((9.0, [6.0, 12.0]))),
            outcome(5.0, None),
        ];
        let metrics = score_sentences(&outcomes);
        // v = 0 → 1; v = ln(28/10) = 1.03 → 0; abstention → 0.
        assert!((metrics.cail_score - 1.0 / 3.0).abs() < 1e-3, "{metrics:?}");
        let expected = (216f64.ln() - ((28f64 / 10.0).ln() + 216f64.ln()) / 3.0) / 216f64.ln();
        assert!((metrics.lawbench_score - expected).abs() < 1e-3);
        assert_eq!(metrics.band_coverage, 0.5);
        assert!((metrics.band_ratio - 13.0 / 7.0).abs() < 1e-3);
        assert!((metrics.abstain - 1.0 / 3.0).abs() < 1e-3);
        assert_eq!(metrics.queries, 3);
        assert_eq!(cail_step(0.39), 0.8);
        assert_eq!(cail_step(1.01), 0.0);
    }
}
