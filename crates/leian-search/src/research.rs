//! One similar-case research (类案检索) for a fact summary: the similar judgments in Art. 4
//! authority order, each with its tier and an explanation, the outcome distribution across them,
//! the recommended statutes (statute-linked search) and the analysis of the query. This is what
//! the 类案检索报告 ([`crate::report`]) is written from.

use crate::analysis::{Analysis, analyze_text};
use crate::authority::{AuthorityTier, CourtContext, classify, sort_by_authority};
use crate::engine::{Engine, Hit, MAX_TOP_K, Mode, SearchError, SearchRequest};
use crate::explain::{Explanation, explain_with};
use crate::linking::{FlaggedStatute, LinkedStatute};
use crate::outcome::OutcomeDistribution;
use chrono::NaiveDate;
use leian_core::{Document, Filters, Judgment, Kind};
use serde::Serialize;
use std::time::Instant;

/// Statute articles recommended when a request does not say how many.
pub const DEFAULT_STATUTE_TOP_K: usize = 10;

/// A research to run: the fields of a judgment [`SearchRequest`] (its kind is always judgments)
/// plus the requesting court, the day that decides what is recent, and whether to link statutes.
#[derive(Debug, Clone)]
pub struct ResearchRequest {
    pub text: String,
    pub mode: Mode,
    /// Similar judgments returned.
    pub top_k: usize,
    /// Filters on the judgments (statutes are linked without them).
    pub filters: Filters,
    /// Ids never returned nor voting (the pending case itself).
    pub exclude_ids: Vec<String>,
    /// The requesting court, for the authority tiers (`None`: tiers from the judgments alone).
    pub court: Option<CourtContext>,
    /// The day that decides `recent` (Art. 4: the last three years); `None`: today (UTC).
    /// Ranking never reads the clock itself, so a research can be reproduced.
    pub today: Option<NaiveDate>,
    /// Recommend statute articles (statute-linked search, Art. 5).
    pub linking: bool,
    /// Statute articles recommended when `linking`.
    pub statute_top_k: usize,
}

impl ResearchRequest {
    /// A hybrid research of `text`: 10 judgments, statutes linked, no filters or court.
    pub fn new(text: impl Into<String>) -> Self {
        ResearchRequest {
            text: text.into(),
            mode: Mode::Hybrid,
            top_k: 10,
            filters: Filters::default(),
            exclude_ids: Vec::new(),
            court: None,
            today: None,
            linking: true,
            statute_top_k: DEFAULT_STATUTE_TOP_K,
        }
    }
}

/// One similar judgment: the search hit, its authority tier for the requesting court, and why it
/// matches. `hit.rank` is the retrieval rank; the research lists hits in authority order.
#[derive(Debug, Clone, Serialize)]
pub struct ResearchHit {
    pub hit: Hit,
    pub authority: AuthorityTier,
    pub explanation: Explanation,
    /// 案号, when the judgment has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
}

/// Recommended statute articles and those flagged (not in force or not held).
#[derive(Debug, Clone, Serialize)]
pub struct ResearchStatutes {
    pub hits: Vec<LinkedStatute>,
    pub flagged: Vec<FlaggedStatute>,
}

/// The answer to a [`ResearchRequest`].
#[derive(Debug, Clone, Serialize)]
pub struct Research {
    /// The mode the judgments were retrieved in (BM25 when the index has no vectors).
    pub mode: Mode,
    /// What was read from the query: charges, causes, amounts, circumstances, disputed issues.
    pub analysis: Analysis,
    /// Similar judgments in authority order: tier, then the last three years first, then score.
    pub judgments: Vec<ResearchHit>,
    /// `None` when the request did not ask for linking.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statutes: Option<ResearchStatutes>,
    /// Outcomes and sentences across the similar judgments.
    pub outcome: OutcomeDistribution,
    pub query_terms: Vec<String>,
    /// The day `recent` was decided by (ISO date).
    #[serde(serialize_with = "iso_date")]
    pub today: NaiveDate,
    pub took_ms: f64,
}

fn iso_date<S: serde::Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

impl Engine {
    /// Runs a similar-case research (see [`ResearchRequest`] and [`Research`]).
    pub fn research(&self, request: &ResearchRequest) -> Result<Research, SearchError> {
        let started = Instant::now();
        if request.linking && (request.statute_top_k == 0 || request.statute_top_k > MAX_TOP_K) {
            return Err(SearchError::Invalid(format!(
                "statute_top_k must be between 1 and {MAX_TOP_K}"
            )));
        }
        let today = request
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        let context = request.court.clone().unwrap_or_default();
        let search = SearchRequest {
            text: request.text.clone(),
            kind: Some(Kind::Judgment),
            mode: request.mode,
            top_k: request.top_k,
            filters: request.filters.clone(),
            exclude_ids: request.exclude_ids.clone(),
        };
        let response = self.search(&search)?;
        let query_analysis = analyze_text(&request.text);
        let mut found: Vec<(ResearchHit, Judgment)> = Vec::with_capacity(response.hits.len());
        for hit in response.hits {
            let Some(Document::Judgment(judgment)) = self.store.document(&hit.id)? else {
                continue;
            };
            let authority = classify(&judgment, &context, today);
            let explanation = explain_with(&request.text, &query_analysis, &judgment);
            found.push((
                ResearchHit {
                    hit,
                    authority,
                    explanation,
                    case_number: judgment.case_number.clone(),
                },
                judgment,
            ));
        }
        sort_by_authority(&mut found, |(h, _)| &h.authority, |(h, _)| h.hit.score);
        let judgments: Vec<&Judgment> = found.iter().map(|(_, j)| j).collect();
        let outcome = OutcomeDistribution::from_judgments(&judgments);
        let (analysis, statutes) = match request.linking {
            true => {
                let links = self.link_statutes(&SearchRequest {
                    kind: Some(Kind::Statute),
                    top_k: request.statute_top_k,
                    filters: Filters::default(),
                    ..search
                })?;
                (
                    links.analysis,
                    Some(ResearchStatutes {
                        hits: links.hits,
                        flagged: links.flagged,
                    }),
                )
            }
            false => (
                self.analyze(&request.text, request.mode, &request.exclude_ids)?,
                None,
            ),
        };
        Ok(Research {
            mode: response.mode,
            analysis,
            judgments: found.into_iter().map(|(hit, _)| hit).collect(),
            statutes,
            outcome,
            query_terms: response.query_terms,
            today,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::SearchConfig;
    use crate::authority::Tier;
    use leian_core::{
        Authority, Candidate, CorpusStats, FieldBoosts, StatuteCatalog, Store, StoreError,
    };
    use leian_text::analyzer;
    use std::collections::HashSet;
    use std::sync::Arc;

    /// Documents in memory; lexical search counts distinct query terms in the facts.
    pub(crate) struct MemoryStore(pub Vec<Document>);

    impl Store for MemoryStore {
        fn lexical(
            &self,
            terms: &[(String, f32)],
            _boosts: &FieldBoosts,
            filters: &Filters,
            limit: usize,
        ) -> Result<Vec<Candidate>, StoreError> {
            let mut found: Vec<Candidate> = self
                .0
                .iter()
                .filter(|d| filters.kind().is_none_or(|k| k == d.kind()))
                .filter_map(|d| {
                    let text = match d {
                        Document::Judgment(j) => j.facts.clone(),
                        Document::Statute(s) => s.text.clone(),
                    };
                    let words: HashSet<String> = analyzer()
                        .terms(&text)
                        .into_iter()
                        .map(|t| t.text)
                        .collect();
                    let score = terms.iter().filter(|(t, _)| words.contains(t)).count() as f32;
                    (score > 0.0).then(|| Candidate {
                        id: d.id().to_string(),
                        score,
                    })
                })
                .collect();
            found.sort_by(|a, b| b.score.total_cmp(&a.score));
            found.truncate(limit);
            Ok(found)
        }

        fn dense(&self, _: &[f32], _: &Filters, _: usize) -> Result<Vec<Candidate>, StoreError> {
            Ok(Vec::new())
        }

        fn dense_model(&self) -> Option<String> {
            None
        }

        fn document(&self, id: &str) -> Result<Option<Document>, StoreError> {
            Ok(self.0.iter().find(|d| d.id() == id).cloned())
        }

        fn document_frequency(&self, _: &str, _: &str) -> Result<(u64, u64), StoreError> {
            Ok((0, 0))
        }

        fn stats(&self) -> CorpusStats {
            CorpusStats::default()
        }

        fn statute_catalog(&self) -> Result<Arc<StatuteCatalog>, StoreError> {
            Err(StoreError("no catalog in memory".into()))
        }
    }

    /// Three theft judgments (facts from the shared corpus, CAIL2018 style): an ordinary one of
    /// the requesting court, a guiding case, and an unrelated civil judgment.
    pub(crate) fn engine() -> Engine {
        let theft = |id: &str, authority, court: &str, year| {
            Document::Judgment(Judgment {
                id: id.into(),
                title: Some(format!("{id} 盗窃案")),
                domain: Some(leian_core::Domain::Criminal),
                causes: vec!["盗窃罪".into()],
                facts: "公诉机关指控，2016年5月间，被告人王某在某小区先后三次入户盗窃，窃得现金人民币3000元及手机一部。被告人王某到案后如实供述自己的罪行。".into(),
                reasoning: Some("本院认为，被告人王某以非法占有为目的，多次入户盗窃他人财物，数额较大，其行为已构成盗窃罪。被告人到案后如实供述，依法可以从轻处罚。".into()),
                result: Some("判决如下：被告人王某犯盗窃罪，判处有期徒刑一年，并处罚金人民币三千元。".into()),
                court: Some(court.into()),
                year: Some(year),
                authority,
                ..Judgment::default()
            })
        };
        let store = MemoryStore(vec![
            theft(
                "a-ordinary",
                Authority::Ordinary,
                "北京市西城区人民法院",
                2023,
            ),
            theft("b-guiding", Authority::Guiding, "最高人民法院", 2015),
            Document::Judgment(Judgment {
                id: "c-civil".into(),
                causes: vec!["民间借贷纠纷".into()],
                facts: "原告诉称，被告向原告借款人民币5万元，到期未还。".into(),
                ..Judgment::default()
            }),
        ]);
        Engine::new(Arc::new(store), SearchConfig::default())
    }

    #[test]
    fn research_orders_by_authority_and_explains() {
        let mut request = ResearchRequest::new(
            "被告人张某于2024年3月多次入户盗窃，窃得现金人民币2500元，到案后如实供述。",
        );
        request.linking = false;
        request.court = Some(CourtContext::of_court("北京市西城区人民法院"));
        request.today = NaiveDate::from_ymd_opt(2024, 6, 30);
        let research = engine().research(&request).unwrap();
        let ids: Vec<&str> = research
            .judgments
            .iter()
            .map(|h| h.hit.id.as_str())
            .collect();
        assert_eq!(ids[..2], ["b-guiding", "a-ordinary"], "{ids:?}");
        assert_eq!(research.judgments[0].authority.tier, Tier::Guiding);
        assert_eq!(research.judgments[1].authority.tier, Tier::SuperiorOrOwn);
        let explanation = &research.judgments[1].explanation;
        assert!(
            explanation
                .shared_elements
                .iter()
                .any(|e| e.name == "盗窃罪"),
            "{explanation:?}"
        );
        assert!(explanation.reasoning_excerpt.is_some());
        assert!(explanation.result_excerpt.is_some());
        assert_eq!(research.outcome.criminal_judgments, 2);
        assert!(research.statutes.is_none());
        assert!(research.analysis.charges.iter().any(|c| c.name == "盗窃罪"));
        assert_eq!(
            research.today,
            NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
        );
    }
}
