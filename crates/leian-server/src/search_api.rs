//! `POST /v1/search`: a fact summary in, ranked judgments and statute articles out.

use crate::AppState;
use crate::error::{ApiError, ApiJson, ErrorBody};
use axum::Json;
use axum::extract::State;
use leian_core::{Filters, Kind};
use leian_search::analysis::Analysis;
use leian_search::authority::{AuthorityTier, CourtContext};
use leian_search::linking::{FlaggedStatute, LinkedStatute};
use leian_search::outcome::OutcomeDistribution;
use leian_search::{Explanation, Hit, Mode, ResearchHit, ResearchRequest, SearchRequest};
use serde::{Deserialize, Serialize};
use std::time::Instant;
use utoipa::ToSchema;

/// Largest `top_k` the API accepts.
pub const MAX_TOP_K: usize = 100;

/// A search.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchBody {
    /// The fact summary (or any text) to search with.
    #[schema(example = "被告人醉酒驾驶机动车在道路上行驶")]
    pub text: String,
    /// What to search; `all` searches judgments and statutes separately.
    #[serde(default)]
    pub kind: KindChoice,
    /// How to rank; without vectors in the index, `dense` and `hybrid` are answered by `bm25`.
    #[serde(default)]
    pub mode: ModeName,
    /// Hits per list, 1 to 100.
    #[serde(default = "default_top_k")]
    #[schema(default = 10, minimum = 1, maximum = 100)]
    pub top_k: u64,
    /// Conditions every hit must meet.
    #[serde(default)]
    pub filters: FilterBody,
    /// Statutes: recommend articles by the votes of the most similar judgments, the likely
    /// charges and the detected circumstances (法条关联), not only by their wording. Default true.
    #[serde(default = "default_linking")]
    pub linking: bool,
    /// The requesting court: judgments are ranked and grouped by the SPC's authority order
    /// relative to it (guiding cases, case library, SPC, its province's high court, the court
    /// one level up and itself, others).
    #[serde(default)]
    pub court: Option<CourtBody>,
}

/// The court asking; every field optional (level and province are read from the name).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CourtBody {
    /// Full court name, e.g. `上海市浦东新区人民法院`.
    pub name: Option<String>,
    /// Province, short (`沪`) or full (`上海市`).
    pub province: Option<String>,
    /// supreme, high, intermediate, basic, special (or 最高, 高级, 中级, 基层, 专门).
    pub level: Option<String>,
}

impl CourtBody {
    pub fn to_context(&self) -> Result<CourtContext, ApiError> {
        let level = match &self.level {
            Some(level) => Some(
                level
                    .parse()
                    .map_err(|e| ApiError::invalid(format!("court.level: {e}")))?,
            ),
            None => None,
        };
        for (field, value) in [("name", &self.name), ("province", &self.province)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(ApiError::invalid(format!(
                    "court.{field} must not be empty"
                )));
            }
        }
        Ok(CourtContext {
            court: self.name.clone(),
            province: self.province.clone(),
            level,
        })
    }
}

fn default_linking() -> bool {
    true
}

fn default_top_k() -> u64 {
    10
}

/// `top_k` of a request, 1 to [`MAX_TOP_K`].
pub fn checked_top_k(top_k: u64) -> Result<usize, ApiError> {
    match usize::try_from(top_k) {
        Ok(top_k) if (1..=MAX_TOP_K).contains(&top_k) => Ok(top_k),
        _ => Err(ApiError::invalid(format!(
            "top_k must be between 1 and {MAX_TOP_K}"
        ))),
    }
}

/// What a search covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum KindChoice {
    Judgment,
    Statute,
    #[default]
    All,
}

/// A ranking mode.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    Bm25,
    Dense,
    #[default]
    Hybrid,
}

impl From<ModeName> for Mode {
    fn from(mode: ModeName) -> Self {
        match mode {
            ModeName::Bm25 => Mode::Bm25,
            ModeName::Dense => Mode::Dense,
            ModeName::Hybrid => Mode::Hybrid,
        }
    }
}

impl From<Mode> for ModeName {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Bm25 => ModeName::Bm25,
            Mode::Dense => ModeName::Dense,
            Mode::Hybrid => ModeName::Hybrid,
        }
    }
}

/// Search filters. Vocabulary values accept their wire names and the usual Chinese terms
/// (`domain`: criminal / 刑事 …); unknown values are errors, not empty results.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilterBody {
    /// criminal, civil, administrative, … (刑事, 民事 …).
    pub domain: Option<String>,
    /// Cause(s) of action or charge(s); several are alternatives.
    pub causes: Option<OneOrMany>,
    /// supreme, high, intermediate, basic, special.
    pub court_level: Option<String>,
    /// Province short name (沪, 京, 粤 …).
    pub province: Option<String>,
    /// First year (1949-2100), inclusive.
    pub year_from: Option<i64>,
    /// Last year (1949-2100), inclusive.
    pub year_to: Option<i64>,
    /// first_instance, second_instance, retrial, …
    pub procedure: Option<String>,
    /// guiding, library, typical, ordinary.
    pub authority: Option<String>,
    /// 法律, 司法解释, 行政法规, …
    pub statute_level: Option<String>,
    /// in_force, amended, repealed, … (现行有效 …).
    pub status: Option<String>,
    /// Full law name, e.g. 中华人民共和国刑法.
    pub law: Option<String>,
}

/// One string or a list of strings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl FilterBody {
    /// The engine's filters, validated by [`Filters::add`].
    pub fn to_filters(&self) -> Result<Filters, ApiError> {
        let mut filters = Filters::default();
        let mut add = |key: &str, value: &str| {
            filters
                .add(key, value)
                .map_err(|e| ApiError::invalid(format!("filters: {e}")))
        };
        let strings = [
            ("domain", &self.domain),
            ("court_level", &self.court_level),
            ("province", &self.province),
            ("procedure", &self.procedure),
            ("authority", &self.authority),
            ("statute_level", &self.statute_level),
            ("status", &self.status),
            ("law", &self.law),
        ];
        for (key, value) in strings {
            if let Some(value) = value {
                add(key, value)?;
            }
        }
        match &self.causes {
            Some(OneOrMany::One(cause)) => add("causes", cause)?,
            Some(OneOrMany::Many(causes)) => {
                for cause in causes {
                    add("causes", cause)?;
                }
            }
            None => {}
        }
        for (key, year) in [("year_from", self.year_from), ("year_to", self.year_to)] {
            if let Some(year) = year {
                add(key, &year.to_string())?;
            }
        }
        if let (Some(from), Some(to)) = (filters.year_from, filters.year_to)
            && from > to
        {
            return Err(ApiError::invalid(format!(
                "filters: year_from {from} is after year_to {to}"
            )));
        }
        Ok(filters)
    }
}

/// Ranked hits, judgments and statute articles in separate lists.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResult {
    /// The mode that answered (`bm25` when the index has no vectors).
    pub mode: ModeName,
    /// The index snapshot that answered.
    pub snapshot_id: String,
    /// Server time spent, in milliseconds.
    pub took_ms: f64,
    /// The analysed query terms that were searched.
    pub query_terms: Vec<String>,
    /// Judgment hits in authority order (tier, then score; `rank` is the retrieval rank), each
    /// with its `authority` (tier, must_follow / reference, recent, reason), `explanation`
    /// (shared and missing elements, matched spans in both texts, reasoning and result
    /// excerpts) and `case_number` (empty when `kind` is `statute`).
    #[schema(value_type = Vec<HitSchema>)]
    pub judgments: Vec<JudgmentHit>,
    /// Outcomes of the similar judgments: sentences (months, probation, fines) or civil
    /// supported / partly / rejected, as counts and quantiles (absent when `kind` is `statute`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub outcome: Option<OutcomeDistribution>,
    /// Statute article hits, best first (empty when `kind` is `judgment`). With linking, each
    /// also has `tier` (specific / general / other), `support`, `status` and `reasons` (which
    /// similar cases cite it, which charge or circumstance calls for it, which terms matched).
    #[schema(value_type = Vec<HitSchema>)]
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
}

/// Statute hits: linked recommendations, or direct retrieval when `linking` is false.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum StatuteHits {
    Linked(Vec<LinkedHit>),
    Direct(Vec<Hit>),
}

/// A judgment hit with its authority tier and explanation.
#[derive(Debug, Serialize)]
pub struct JudgmentHit {
    #[serde(flatten)]
    hit: Hit,
    authority: AuthorityTier,
    explanation: Explanation,
    #[serde(skip_serializing_if = "Option::is_none")]
    case_number: Option<String>,
}

impl From<ResearchHit> for JudgmentHit {
    fn from(research: ResearchHit) -> Self {
        JudgmentHit {
            hit: research.hit,
            authority: research.authority,
            explanation: research.explanation,
            case_number: research.case_number,
        }
    }
}

/// A linked article with the `kind` every hit carries.
#[derive(Debug, Serialize)]
pub struct LinkedHit {
    kind: Kind,
    #[serde(flatten)]
    statute: LinkedStatute,
}

/// One ranked document (the engine's `Hit`).
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only: the engine's `Hit` is what is serialised
pub struct HitSchema {
    /// Rank in its list, from 1.
    rank: u64,
    id: String,
    score: f32,
    #[schema(value_type = String, example = "statute")]
    kind: String,
    title: String,
    /// Judgments only.
    causes: Option<Vec<String>>,
    court: Option<String>,
    year: Option<u16>,
    /// Statutes only.
    law: Option<String>,
    article: Option<String>,
    snippet: SnippetSchema,
}

/// The best window of the document's text with the query's terms marked.
#[derive(ToSchema)]
#[allow(dead_code)] // documentation only
pub struct SnippetSchema {
    /// Field the snippet comes from (`facts`, `full_text`, `text`).
    field: String,
    /// Byte offsets of the window in the field.
    start: u64,
    end: u64,
    /// Matched spans `[start, end]`, byte offsets into the field.
    highlights: Vec<Vec<u64>>,
    /// The window with each match wrapped in 【】.
    marked: String,
    /// The window as stored; `highlights` minus `start` are byte offsets into it.
    text: String,
}

/// Searches judgments and/or statute articles with a fact summary.
#[utoipa::path(
    post,
    path = "/v1/search",
    tag = "search",
    security((), ("bearer" = [])),
    request_body = SearchBody,
    responses(
        (status = 200, description = "Ranked hits", body = SearchResult),
        (status = 400, description = "`empty_query` or malformed JSON (`invalid_request`)", body = ErrorBody),
        (status = 413, description = "`payload_too_large`", body = ErrorBody),
        (status = 415, description = "`unsupported_media_type`", body = ErrorBody),
        (status = 422, description = "`invalid_request`: wrong types, unknown fields, bad values", body = ErrorBody),
        (status = 503, description = "`timeout`", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SearchBody>,
) -> Result<Json<SearchResult>, ApiError> {
    let started = Instant::now();
    let top_k = checked_top_k(body.top_k)?;
    let filters = body.filters.to_filters()?;
    if state.log_queries() {
        // Opt-in only (`log_queries` in leian.toml): fact summaries are personal data.
        tracing::debug!(text = %body.text, "search query");
    }
    let court = body.court.as_ref().map(CourtBody::to_context).transpose()?;
    let request = SearchRequest {
        text: body.text,
        kind: None,
        mode: body.mode.into(),
        top_k,
        filters,
        exclude_ids: Vec::new(),
    };
    let index = state.current();
    let snapshot_id = index.snapshot_id.clone();
    let (kind, linking) = (body.kind, body.linking);
    let answer =
        tokio::task::spawn_blocking(move || answer(&index.engine, request, kind, linking, court))
            .await
            .map_err(ApiError::internal)??;
    Ok(Json(SearchResult {
        mode: answer.mode.into(),
        snapshot_id,
        took_ms: started.elapsed().as_secs_f64() * 1000.0,
        query_terms: answer.query_terms,
        judgments: answer.judgments,
        outcome: answer.outcome,
        statutes: answer.statutes,
        flagged_statutes: answer.flagged,
        analysis: answer.analysis,
    }))
}

/// Runs the searches a request asks for: judgments with their authority, explanations and
/// outcomes (the engine's research), statutes linked or retrieved directly, the analysis.
fn answer(
    engine: &leian_search::Engine,
    mut request: SearchRequest,
    kind: KindChoice,
    linking: bool,
    court: Option<CourtContext>,
) -> Result<Answer, ApiError> {
    let wants_statutes = kind != KindChoice::Judgment;
    let mut answer = Answer {
        mode: engine.effective_mode(request.mode),
        query_terms: Vec::new(),
        judgments: Vec::new(),
        outcome: None,
        statutes: StatuteHits::Direct(Vec::new()),
        flagged: Vec::new(),
        analysis: Analysis::default(),
    };
    let mut analysed = false;
    if kind != KindChoice::Statute {
        let research = engine.research(&ResearchRequest {
            text: request.text.clone(),
            mode: request.mode,
            top_k: request.top_k,
            filters: request.filters.clone(),
            exclude_ids: Vec::new(),
            court,
            today: None,
            linking: linking && wants_statutes,
            statute_top_k: request.top_k,
        })?;
        answer.mode = research.mode;
        answer.query_terms = research.query_terms;
        answer.judgments = research.judgments.into_iter().map(Into::into).collect();
        answer.outcome = Some(research.outcome);
        answer.analysis = research.analysis;
        analysed = true;
        if let Some(statutes) = research.statutes {
            answer.statutes = linked(statutes.hits);
            answer.flagged = statutes.flagged;
            return Ok(answer);
        }
    }
    if wants_statutes {
        request.kind = Some(Kind::Statute);
        if linking {
            let links = engine.link_statutes(&request)?;
            answer.mode = links.mode;
            answer.query_terms = links.query_terms;
            answer.statutes = linked(links.hits);
            answer.flagged = links.flagged;
            answer.analysis = links.analysis;
            return Ok(answer);
        }
        let response = engine.search(&request)?;
        answer.mode = response.mode;
        answer.query_terms = response.query_terms;
        answer.statutes = StatuteHits::Direct(response.hits);
    }
    if !analysed {
        // BM25 neighbours are enough to vote for charges, and cost no query encoding.
        answer.analysis = engine.analyze(&request.text, Mode::Bm25, &[])?;
    }
    Ok(answer)
}

fn linked(hits: Vec<LinkedStatute>) -> StatuteHits {
    StatuteHits::Linked(
        hits.into_iter()
            .map(|statute| LinkedHit {
                kind: Kind::Statute,
                statute,
            })
            .collect(),
    )
}

/// What the engine answered, gathered on the blocking pool.
struct Answer {
    mode: Mode,
    query_terms: Vec<String>,
    judgments: Vec<JudgmentHit>,
    outcome: Option<OutcomeDistribution>,
    statutes: StatuteHits,
    flagged: Vec<FlaggedStatute>,
    analysis: Analysis,
}
