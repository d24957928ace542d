//! One similar-case research (类案检索) for a fact summary, the answer every front end gives:
//! the similar judgments in Art. 4 authority order, each with its tier and an explanation, the
//! outcome distribution across them, the recommended statutes (statute-linked search) and the
//! analysis of the query. The 类案检索报告 ([`crate::report`]) is written from it.
//!
//! The judgments' order is a pipeline of named [`Stage`]s: the engine retrieves, fuses and
//! re-ranks by cause; this module adds the authority order a judge sees. Evaluation can stop the
//! pipeline at any stage ([`Service::rank`]).

use crate::error::{Result, ServiceError};
use crate::request::{ResearchRequest, Scope};
use crate::sentencing::SentencingRequest;
use crate::service::Service;
use chrono::NaiveDate;
use leian_core::{Document, Judgment, Kind, deadline};
use leian_legal::CourtContext;
use leian_legal::analysis::{Analysis, analyze_text};
use leian_legal::authority::{AuthorityTier, classify, sort_by_authority};
use leian_legal::explain::{Explanation, QueryExplainer};
use leian_legal::outcome::OutcomeDistribution;
use leian_legal::sentencing::SentencingEstimate;
use leian_search::linking::{FlaggedStatute, LinkedStatute};
use leian_search::{Hit, Mode, SearchError, SearchRequest};
use serde::Serialize;
use std::time::Instant;
use utoipa::ToSchema;

/// Where the judgments' ranking pipeline stops.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Stage {
    /// The first retriever's list alone (BM25, or dense in dense mode).
    Retrieve,
    /// BM25 and dense fused (hybrid); the retriever's list otherwise.
    Fuse,
    /// Fused, then re-ranked by the causes the best candidates agree on.
    Rerank,
    /// Re-ranked, then in Art. 4 authority order for the requesting court: what judges see.
    #[default]
    Authority,
}

impl std::str::FromStr for Stage {
    type Err = ServiceError;
    fn from_str(value: &str) -> Result<Self> {
        match value.trim() {
            "retrieve" => Ok(Stage::Retrieve),
            "fuse" => Ok(Stage::Fuse),
            "rerank" => Ok(Stage::Rerank),
            "authority" => Ok(Stage::Authority),
            other => Err(ServiceError::Invalid(format!(
                "未知的排序阶段 '{other}'（retrieve、fuse、rerank、authority）"
            ))),
        }
    }
}

impl Stage {
    /// The engine's stage this one runs up to.
    fn engine_stage(self) -> leian_search::Stage {
        match self {
            Stage::Retrieve => leian_search::Stage::Retrieve,
            Stage::Fuse => leian_search::Stage::Fuse,
            Stage::Rerank | Stage::Authority => leian_search::Stage::Rerank,
        }
    }
}

/// One similar judgment: the search hit, its authority tier for the requesting court, and why
/// it matches. `rank` is the retrieval rank; the research lists hits in authority order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResearchHit {
    #[serde(flatten)]
    pub hit: Hit,
    #[schema(value_type = Object)]
    pub authority: AuthorityTier,
    #[schema(value_type = Object)]
    pub explanation: Explanation,
    /// 案号, when the judgment has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
}

/// Statute hits: linked recommendations, or direct retrieval when `linking` is false.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum StatuteHits {
    #[schema(value_type = Vec<Object>)]
    Linked(Vec<LinkedStatute>),
    Direct(Vec<Hit>),
}

impl StatuteHits {
    pub fn len(&self) -> usize {
        match self {
            StatuteHits::Linked(hits) => hits.len(),
            StatuteHits::Direct(hits) => hits.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The answer to a [`ResearchRequest`]: `POST /v1/search` and `leian search --json` print it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Research {
    /// The mode that answered (`bm25` when the index has no vectors).
    #[schema(value_type = String)]
    pub mode: Mode,
    /// The index snapshot that answered.
    pub snapshot_id: String,
    /// Server time spent, in milliseconds.
    pub took_ms: f64,
    /// The analysed query terms that were searched.
    pub query_terms: Vec<String>,
    /// Judgment hits in authority order (tier, then the last three years first, then score;
    /// `rank` is the retrieval rank), each with its `authority` (tier, must_follow / reference,
    /// recent, reason), `explanation` (shared and missing elements, matched spans in both texts,
    /// reasoning and result excerpts) and `case_number` (empty when `kind` is `statute`).
    pub judgments: Vec<ResearchHit>,
    /// Outcomes of the similar judgments: sentences (months, probation, fines) or civil
    /// supported / partly / rejected, as counts and quantiles, and for a criminal query
    /// `estimate`, the 类案量刑参考 (absent when `kind` is `statute`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<ResearchOutcome>,
    /// Statute article hits, best first (empty when `kind` is `judgment`). With linking, each
    /// also has `tier` (specific / general / other), `support`, `status` and `reasons` (which
    /// similar cases cite it, which charge or circumstance calls for it, which terms matched).
    pub statutes: StatuteHits,
    /// Articles the evidence points to that are not recommended because they are not in force
    /// (repealed, amended, or missing from the index), with a note.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub flagged_statutes: Vec<FlaggedStatute>,
    /// What was read from the fact summary: charges / causes, amounts (yuan), quantities,
    /// circumstances, disputed issues — with byte offsets into `text`.
    #[schema(value_type = Object)]
    pub analysis: Analysis,
    /// The day `recent` was decided by (ISO date).
    #[serde(serialize_with = "iso_date")]
    #[schema(value_type = String, format = Date)]
    pub today: NaiveDate,
    /// True when the request allowed a partial answer (`partial`) and a shard of a distributed
    /// store could not be reached: the lists miss that shard's documents.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// The shards left out of a partial answer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing_shards: Vec<String>,
}

/// The outcome distribution of the similar judgments and, for a criminal query, the sentencing
/// estimate (`outcome.estimate`: `status` `estimated` with months, band, adjustments and the cases
/// relied on, or `abstained` with the reason in `summary`).
#[derive(Debug, Clone, Serialize)]
pub struct ResearchOutcome {
    #[serde(flatten)]
    pub distribution: OutcomeDistribution,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<SentencingEstimate>,
}

fn iso_date<S: serde::Serializer>(date: &NaiveDate, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(date)
}

impl Service {
    /// Runs a similar-case research (see [`ResearchRequest`] and [`Research`]).
    pub fn research(&self, request: &ResearchRequest) -> Result<Research> {
        if !request.allow_partial {
            return self.research_everywhere(request);
        }
        let (research, missing) =
            leian_core::shards::allowing_partial(|| self.research_everywhere(request));
        let mut research = research?;
        research.partial = !missing.is_empty();
        research.missing_shards = missing;
        Ok(research)
    }

    /// [`Service::research`] needing every shard of a distributed store.
    fn research_everywhere(&self, request: &ResearchRequest) -> Result<Research> {
        let started = Instant::now();
        request.validate()?;
        let engine = &self.engine;
        let today = request
            .today
            .unwrap_or_else(|| chrono::Utc::now().date_naive());
        // Direct statute retrieval alone is answered in the statutes' own mode (BM25 when they
        // have no vectors); linking and judgment search search judgments.
        let answered = match (request.scope, request.linking) {
            (Scope::Statute, false) => engine.effective_mode_for(request.mode, Some(Kind::Statute)),
            _ => engine.effective_mode(request.mode),
        };
        let mut research = Research {
            mode: answered,
            snapshot_id: self.snapshot_id.clone(),
            took_ms: 0.0,
            query_terms: Vec::new(),
            judgments: Vec::new(),
            outcome: None,
            statutes: StatuteHits::Direct(Vec::new()),
            flagged_statutes: Vec::new(),
            analysis: Analysis::default(),
            today,
            partial: false,
            missing_shards: Vec::new(),
        };
        // The text's own analysis, made once: explanations compare with it, the charge vote
        // and statute linking start from it.
        let text_analysis = analyze_text(&request.text);
        // Each stage stops early at the request's deadline; what it left is not an answer.
        deadline::check()?;
        // The charge vote (BM25 neighbours are enough to vote for charges, and cost no query
        // encoding) runs beside the list unless statute linking makes the analysis. Both start
        // with the same first pass, which the store searches once; the rest of each (the list's
        // documents and explanations, the vote's rescoring and headers) then takes a core each.
        let vote_beside = !(request.scope.statutes() && request.linking);
        let (listed, voted) = leian_core::request::join(
            || {
                request
                    .scope
                    .judgments()
                    .then(|| self.similar_judgments(request, &text_analysis, today))
                    .transpose()
            },
            || {
                vote_beside
                    .then(|| {
                        engine.analyze_with(
                            &request.text,
                            text_analysis.clone(),
                            Mode::Bm25,
                            &request.exclude_ids,
                        )
                    })
                    .transpose()
            },
        );
        if let Some((hits, judgments, query_terms)) = listed? {
            research.query_terms = query_terms;
            let decided: Vec<&Judgment> = judgments.iter().collect();
            research.outcome = Some(ResearchOutcome {
                distribution: OutcomeDistribution::from_judgments(&decided),
                estimate: None,
            });
            research.judgments = hits;
            deadline::check()?;
        }
        let voted = voted?;
        if request.scope.statutes() {
            let statute_request = SearchRequest {
                text: request.text.clone(),
                kind: Some(Kind::Statute),
                mode: request.mode,
                top_k: request.statute_top_k,
                // Over both kinds, each list takes the conditions on its own kind: a court or
                // a cause says nothing of articles, an article's status nothing of judgments.
                filters: match request.scope {
                    Scope::Statute => request.filters.clone(),
                    _ => request.filters.for_kind(Kind::Statute),
                },
                exclude_ids: request.exclude_ids.clone(),
                all_terms: false,
            };
            if request.linking {
                let links = engine.link_statutes_with(&statute_request, text_analysis.clone())?;
                research.mode = links.mode;
                if research.query_terms.is_empty() {
                    research.query_terms = links.query_terms;
                }
                research.statutes = StatuteHits::Linked(links.hits);
                research.flagged_statutes = links.flagged;
                research.analysis = links.analysis;
            } else {
                let response = engine.search(&statute_request)?;
                if research.query_terms.is_empty() {
                    research.query_terms = response.query_terms;
                }
                research.statutes = StatuteHits::Direct(response.hits);
            }
            deadline::check()?;
        }
        if let Some(analysis) = voted {
            research.analysis = analysis;
        }
        // A criminal query gets its sentencing reference, read with the analysis above (its charge
        // is the one the similar judgments vote for).
        if let Some(outcome) = &mut research.outcome
            && outcome.distribution.criminal_judgments > 0
        {
            let sentencing = SentencingRequest {
                text: request.text.clone(),
                charge: None,
                filters: request.filters.clone(),
                exclude_ids: request.exclude_ids.clone(),
                options: Default::default(),
            };
            outcome.estimate = Some(self.estimate_with(&sentencing, &research.analysis)?);
            deadline::check()?;
        }
        research.took_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(research)
    }

    /// The similar judgments in authority order with their explanations, the judgments
    /// themselves (for the outcome distribution), and the query terms searched.
    fn similar_judgments(
        &self,
        request: &ResearchRequest,
        query_analysis: &Analysis,
        today: NaiveDate,
    ) -> Result<(Vec<ResearchHit>, Vec<Judgment>, Vec<String>)> {
        let context = request.court.clone().unwrap_or_default();
        let (response, documents) = self.engine.search_documents(&SearchRequest {
            text: request.text.clone(),
            kind: Some(Kind::Judgment),
            mode: request.mode,
            top_k: request.top_k,
            filters: request.filters.for_kind(Kind::Judgment),
            exclude_ids: request.exclude_ids.clone(),
            all_terms: false,
        })?;
        let explainer = QueryExplainer::new(&request.text, query_analysis);
        let mut found: Vec<(ResearchHit, Judgment)> = Vec::with_capacity(response.hits.len());
        for (hit, document) in response.hits.into_iter().zip(documents) {
            deadline::check()?;
            let Document::Judgment(judgment) = document else {
                continue;
            };
            let authority = classify(&judgment, &context, today);
            let explanation = explainer.explain(&judgment);
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
        let (hits, judgments) = found.into_iter().unzip();
        Ok((hits, judgments, response.query_terms))
    }
}

impl Service {
    /// Judgment ids and scores for evaluation, the pipeline stopped after `stage`; at
    /// [`Stage::Authority`], in the order [`Service::research`] lists them (no requesting court).
    pub(crate) fn rank_judgments(
        &self,
        request: &SearchRequest,
        depth: usize,
        stage: Stage,
        today: NaiveDate,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let ranked = self.engine.rank_to(request, depth, stage.engine_stage())?;
        if stage != Stage::Authority {
            return Ok(ranked);
        }
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let headers = self.engine.store().judgment_headers(&ids)?;
        let context = CourtContext::default();
        let mut ordered: Vec<((String, f32), AuthorityTier)> = ranked
            .into_iter()
            .zip(headers)
            .filter_map(|(ranked, header)| Some((ranked, classify(&header?, &context, today))))
            .collect();
        sort_by_authority(&mut ordered, |(_, a)| a, |((_, score), _)| *score);
        Ok(ordered.into_iter().map(|(ranked, _)| ranked).collect())
    }
}
