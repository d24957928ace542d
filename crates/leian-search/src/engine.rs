//! One search: analyse the query, retrieve candidates, shape hits.

use crate::fusion::{Ranked, cause_rerank, reciprocal_rank_fusion, weighted_sum};
use crate::snippet::{Snippet, snippet};
use leian_core::{Document, Filters, Kind, QueryEncoder, Store, StoreError};
use leian_text::analyzer;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Instant;
use utoipa::ToSchema;

/// How candidates are retrieved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// BM25 over jieba terms.
    Bm25,
    /// Nearest passages by BERT embedding.
    Dense,
    /// BM25 and dense fused, then re-ranked by agreeing causes.
    #[default]
    Hybrid,
}

impl std::str::FromStr for Mode {
    type Err = SearchError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "bm25" => Ok(Mode::Bm25),
            "dense" => Ok(Mode::Dense),
            "hybrid" => Ok(Mode::Hybrid),
            other => Err(SearchError::Invalid(format!(
                "未知的检索模式“{other}”（可选：bm25、dense、hybrid）"
            ))),
        }
    }
}

/// The stages of a ranking, in pipeline order: each runs on the output of the one before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Stage {
    /// The mode's first retriever alone: BM25 (bm25, hybrid) or dense (dense).
    Retrieve,
    /// BM25 and dense candidates fused (hybrid only; otherwise the retriever's list).
    Fuse,
    /// Fused judgments re-ranked by the causes the best of them agree on (hybrid judgments).
    #[default]
    Rerank,
}

/// How BM25 and dense candidates are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fusion {
    ReciprocalRank,
    WeightedSum,
}

/// Ranking parameters.
#[derive(Debug, Clone)]
pub struct SearchConfig {
    /// BM25 weight of each judgment field.
    pub judgment_boosts: Vec<(&'static str, f32)>,
    /// BM25 weight of each statute field.
    pub statute_boosts: Vec<(&'static str, f32)>,
    /// Most distinct query terms used (long drafts are cut to their most repeated terms).
    pub max_query_terms: usize,
    /// Repeated query terms weigh `1 + ln(count)` when true, once when false.
    pub query_term_frequency: bool,
    /// Judgment searches leave out query terms found in more than this share of the judgments'
    /// facts: their BM25 weight is small (below ln 2 past one half) while their posting lists are
    /// the longest, so at court scale they cost most of a search's time. 1 keeps every term.
    pub common_term_share: f32,
    /// A term is common only when at least this many judgments use it too: in a small library a
    /// share says nothing, and a word of five judgments out of twenty is what tells them apart.
    pub common_term_min_documents: u64,
    /// Searches that keep every term ([`SearchRequest::all_terms`]) still leave out terms found
    /// in more than this share of the judgments' facts (被告人, 公诉机关 …): their weight is
    /// nearly nil, and at court scale their posting lists are most of such a search's time.
    pub near_universal_share: f32,
    /// Searches that keep every term score the terms in more than `common_term_share` of the
    /// judgments' facts only on this many best judgments of the other terms: those posting
    /// lists are a search's cost at court scale, and their small weights rarely lift a judgment
    /// from outside that pool. 0 scores every term on every judgment.
    pub rescore_pool: usize,
    /// Judgment research searches keep at most this many of the remaining query terms, the
    /// rarest among the judgments' facts: a term's BM25 weight falls as its posting list grows,
    /// so the commonest kept terms cost most of a search at court scale and move its ranking least.
    pub max_research_terms: usize,
    /// When searching statutes with a fact summary, weigh each query term by its IDF among the
    /// judgments' facts (normalised to 0..1) raised to this power: words every fact description
    /// uses (被告人, 证据, 公诉机关) say nothing about which article applies, but are rare in
    /// statutes, where plain BM25 would reward them. 0 turns this off.
    pub fact_idf_power: f32,
    pub fusion: Fusion,
    /// k of reciprocal-rank fusion.
    pub rrf_k: f32,
    /// Share of the dense score in the weighted sum.
    pub dense_weight: f32,
    /// Share of the dense score for statutes, which are always fused by weighted sum: a fact
    /// summary and an article's abstract wording are far apart for a small sentence encoder, so
    /// the dense list is a weak voice that rank fusion would give an equal say.
    pub statute_dense_weight: f32,
    /// Candidates taken from each retriever before fusion.
    pub fusion_candidates: usize,
    /// Weight of the cause-agreement re-rank of judgments (0 turns it off).
    pub cause_weight: f32,
    /// How many of the best fused judgments vote on causes.
    pub cause_voters: usize,
    /// Statute linking and query analysis: search similar judgments and articles with the text
    /// without its evidence-listing sentences (see `analysis::case_narrative`).
    pub link_narrative_only: bool,
    /// Statute linking: judgments retrieved to find the voters below.
    pub link_pool: usize,
    /// Statute linking: the most similar judgments that cite articles and vote for them.
    pub link_voters: usize,
    /// Statute linking: a voter at rank r (0-based) weighs `1 / (1 + r)^decay`; 0 is a plain vote.
    pub link_vote_decay: f32,
    /// Statute linking: weight of direct retrieval (score relative to the best article).
    pub link_direct_weight: f32,
    /// Statute linking: articles taken from direct retrieval.
    pub link_direct_candidates: usize,
    /// Statute linking: weight of a likely charge's score for the articles defining it.
    pub link_charge_weight: f32,
    /// Statute linking: charges below this score do not bring their articles in (except the
    /// most likely charge, whose articles always come in).
    pub link_min_charge_score: f32,
    /// Statute linking: when the most likely charge scores at least this, its own articles
    /// lead the list (a judge reads the charge's article first); above 1, never.
    pub link_lead_charge_min: f32,
    /// Statute linking: weight of a stated circumstance's measured rate for its article.
    pub link_circumstance_weight: f32,
    /// Statute linking: support a specific (分则) article needs to be listed first.
    pub link_specific_min: f32,
    /// Statute linking: support a general-part article needs to be listed next.
    pub link_general_min: f32,
    /// Statute linking, civil and administrative facts: weight of a likely cause of action's
    /// score for the articles that decide it (`dict/civil_articles.tsv`).
    pub link_cause_weight: f32,
    /// Statute linking: causes of action below this score do not bring their articles in
    /// (except the most likely one).
    pub link_min_cause_score: f32,
    /// Statute linking, civil and administrative facts: weight of a stated fact (定金, 物业费 …)
    /// for the articles it calls for.
    pub link_fact_weight: f32,
    /// Statute linking: weight of a similar case's vote for an article of a procedural law
    /// (诉讼法), which nearly every judgment cites whatever its facts.
    pub link_procedural_vote_weight: f32,
    /// Query analysis: judgments (with causes) that vote on the charges and causes of action.
    pub charge_voters: usize,
    /// Query analysis: a voter at rank r weighs `1 / (1 + r)^decay`.
    pub charge_vote_decay: f32,
    /// Query analysis: share of the text's own mentions in a charge's score (the rest is the vote).
    pub charge_text_weight: f32,
}

impl Default for SearchConfig {
    fn default() -> Self {
        SearchConfig {
            // Chosen on the dev sets (README, "Field choices"): a fact summary is best compared
            // with facts; reasoning and result would favour documents that merely have more
            // sections, and the causes/charges a judgment was decided under are strong evidence.
            // Reasoning (0.1 until session 18) is left out: on the production configuration it
            // changed cjrc-same-cause P@10 by −0.0007, judge-statutes R@10 by +0.0017 and MRR@10
            // by −0.0010, cail_score by +0.0038, and its postings cost a research request at a
            // million judgments about a tenth of its CPU (README, "At court scale").
            judgment_boosts: vec![
                ("title", 1.0),
                ("facts", 1.0),
                ("reasoning", 0.0),
                ("result", 0.0),
                ("full_text", 0.3),
                ("charges", 3.0),
            ],
            statute_boosts: vec![
                ("text", 1.0),
                ("article_charges", 1.0),
                ("law_name", 0.3),
                ("chapter", 0.3),
            ],
            max_query_terms: 400,
            query_term_frequency: false,
            // Chosen on cjrc-same-cause and at a million judgments (README, "At court scale"):
            // 0.1 ranks best on the shipped library (MRR@10 +0.009 over 0.05, P@10 +0.001), but
            // 0.05 keeps a search at a million judgments within 20 ms (p50 16.7 ms against 28.6).
            common_term_share: 0.05,
            common_term_min_documents: 200,
            // Chosen on judge-statutes, judge-sentencing and at a million judgments (README, "At
            // court scale"): R@10 0.902 → 0.901, MRR@10 0.930 → 0.931, cail_score 0.702 → 0.700,
            // and a research request through HTTP at a million judgments p50 211 → 145 ms. 0.3
            // saves 30 ms more but costs statute linking 0.004 of R@10.
            near_universal_share: 0.5,
            rescore_pool: 300,
            max_research_terms: 10_000,
            fact_idf_power: 1.0,
            // Chosen on the dev sets (README, "Dense and hybrid"): weighted sum with dense 0.3 and
            // a cause re-rank of weight 0.5 over the 10 best fused judgments.
            fusion: Fusion::WeightedSum,
            rrf_k: 60.0,
            dense_weight: 0.3,
            statute_dense_weight: 0.05,
            fusion_candidates: 100,
            cause_weight: 0.5,
            cause_voters: 10,
            link_narrative_only: true,
            link_pool: 200,
            link_voters: 30,
            link_vote_decay: 0.5,
            link_direct_weight: 0.2,
            link_direct_candidates: 50,
            link_charge_weight: 0.5,
            link_min_charge_score: 0.1,
            link_lead_charge_min: 0.0,
            link_circumstance_weight: 0.5,
            link_specific_min: 0.3,
            link_general_min: 0.3,
            link_cause_weight: 1.0,
            link_min_cause_score: 0.2,
            link_fact_weight: 1.0,
            link_procedural_vote_weight: 0.2,
            charge_voters: 30,
            charge_vote_decay: 0.5,
            charge_text_weight: 0.3,
        }
    }
}

impl SearchConfig {
    /// Sets a ranking parameter by name (see [`SearchConfig::PARAMETERS`]).
    pub fn set_param(&mut self, key: &str, value: &str) -> Result<(), SearchError> {
        let invalid = || SearchError::Invalid(format!("参数 {key} 的取值“{value}”无效"));
        fn within<T: std::str::FromStr + PartialOrd>(
            value: &str,
            range: std::ops::RangeInclusive<T>,
        ) -> Option<T> {
            value.parse().ok().filter(|v| range.contains(v))
        }
        match key {
            "query_tf" => self.query_term_frequency = value.parse().map_err(|_| invalid())?,
            "max_query_terms" => {
                self.max_query_terms = within(value, 1..=10_000).ok_or_else(invalid)?
            }
            "common_term_share" => {
                self.common_term_share = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "common_term_min_documents" => {
                self.common_term_min_documents = within(value, 0..=u64::MAX).ok_or_else(invalid)?
            }
            "near_universal_share" => {
                self.near_universal_share = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "rescore_pool" => self.rescore_pool = within(value, 0..=100_000).ok_or_else(invalid)?,
            "max_research_terms" => {
                self.max_research_terms = within(value, 1..=10_000).ok_or_else(invalid)?
            }
            "fact_idf_power" => {
                self.fact_idf_power = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "fusion" => {
                self.fusion = match value {
                    "rrf" => Fusion::ReciprocalRank,
                    "weighted" => Fusion::WeightedSum,
                    _ => return Err(invalid()),
                }
            }
            "rrf_k" => self.rrf_k = within(value, 0.0..=1000.0).ok_or_else(invalid)?,
            "dense_weight" => self.dense_weight = within(value, 0.0..=1.0).ok_or_else(invalid)?,
            "statute_dense_weight" => {
                self.statute_dense_weight = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "fusion_candidates" => {
                self.fusion_candidates = within(value, 1..=MAX_TOP_K).ok_or_else(invalid)?
            }
            "cause_weight" => self.cause_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?,
            "cause_voters" => self.cause_voters = within(value, 1..=100).ok_or_else(invalid)?,
            "link_narrative_only" => {
                self.link_narrative_only = value.parse().map_err(|_| invalid())?
            }
            "link_pool" => self.link_pool = within(value, 1..=MAX_TOP_K).ok_or_else(invalid)?,
            "link_voters" => self.link_voters = within(value, 1..=MAX_TOP_K).ok_or_else(invalid)?,
            "link_vote_decay" => {
                self.link_vote_decay = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_direct_weight" => {
                self.link_direct_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_direct_candidates" => {
                self.link_direct_candidates = within(value, 0..=MAX_TOP_K).ok_or_else(invalid)?
            }
            "link_charge_weight" => {
                self.link_charge_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_min_charge_score" => {
                self.link_min_charge_score = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "link_lead_charge_min" => {
                self.link_lead_charge_min = within(value, 0.0..=2.0).ok_or_else(invalid)?
            }
            "link_circumstance_weight" => {
                self.link_circumstance_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_specific_min" => {
                self.link_specific_min = within(value, 0.0..=100.0).ok_or_else(invalid)?
            }
            "link_general_min" => {
                self.link_general_min = within(value, 0.0..=100.0).ok_or_else(invalid)?
            }
            "link_cause_weight" => {
                self.link_cause_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_min_cause_score" => {
                self.link_min_cause_score = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "link_fact_weight" => {
                self.link_fact_weight = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "link_procedural_vote_weight" => {
                self.link_procedural_vote_weight = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            "charge_voters" => {
                self.charge_voters = within(value, 0..=MAX_TOP_K).ok_or_else(invalid)?
            }
            "charge_vote_decay" => {
                self.charge_vote_decay = within(value, 0.0..=10.0).ok_or_else(invalid)?
            }
            "charge_text_weight" => {
                self.charge_text_weight = within(value, 0.0..=1.0).ok_or_else(invalid)?
            }
            other => {
                return Err(SearchError::Invalid(format!(
                    "未知的参数“{other}”（可用：{}）",
                    Self::PARAMETERS.join("、")
                )));
            }
        }
        Ok(())
    }

    /// Names [`SearchConfig::set_param`] accepts.
    pub const PARAMETERS: &'static [&'static str] = &[
        "query_tf",
        "max_query_terms",
        "common_term_share",
        "common_term_min_documents",
        "near_universal_share",
        "rescore_pool",
        "max_research_terms",
        "fact_idf_power",
        "fusion",
        "rrf_k",
        "dense_weight",
        "statute_dense_weight",
        "fusion_candidates",
        "cause_weight",
        "cause_voters",
        "link_narrative_only",
        "link_pool",
        "link_voters",
        "link_vote_decay",
        "link_direct_weight",
        "link_direct_candidates",
        "link_charge_weight",
        "link_min_charge_score",
        "link_lead_charge_min",
        "link_circumstance_weight",
        "link_specific_min",
        "link_general_min",
        "link_cause_weight",
        "link_min_cause_score",
        "link_fact_weight",
        "link_procedural_vote_weight",
        "charge_voters",
        "charge_vote_decay",
        "charge_text_weight",
    ];

    /// Overrides one field weight, e.g. `facts=1.5` or `article_charges=0.5` (the charges a
    /// 刑法 article defines); a `judgment.` / `statute.` prefix restricts it to one kind.
    pub fn set_boost(&mut self, field: &str, weight: f32) -> Result<(), SearchError> {
        if !(0.0..=100.0).contains(&weight) {
            return Err(SearchError::Invalid(format!(
                "字段权重 {field}={weight} 超出 0-100 的范围"
            )));
        }
        let (judgments, statutes, name) = match field.split_once('.') {
            Some(("judgment", name)) => (true, false, name),
            Some(("statute", name)) => (false, true, name),
            Some(_) => {
                return Err(SearchError::Invalid(format!(
                    "字段权重“{field}”：前缀必须是 judgment. 或 statute."
                )));
            }
            None => (true, true, field),
        };
        let mut found = false;
        let lists = [
            (judgments, &mut self.judgment_boosts),
            (statutes, &mut self.statute_boosts),
        ];
        for (_, boosts) in lists.into_iter().filter(|(chosen, _)| *chosen) {
            for (_, value) in boosts.iter_mut().filter(|(f, _)| *f == name) {
                *value = weight;
                found = true;
            }
        }
        found
            .then_some(())
            .ok_or_else(|| SearchError::Invalid(format!("未知的权重字段“{field}”")))
    }
}

/// A search to run.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    pub text: String,
    /// `None` searches judgments and statutes together.
    pub kind: Option<Kind>,
    pub mode: Mode,
    pub top_k: usize,
    pub filters: Filters,
    /// Ids never returned (leave-one-out evaluation, the pending case itself).
    pub exclude_ids: Vec<String>,
    /// Every query term scores, even those most judgments use (see
    /// [`SearchConfig::common_term_share`]): the searches behind sentencing and statute linking
    /// match on charge words (盗窃, 驾驶) that a criminal library's facts share, and measured
    /// worse without them. Research lists leave it off.
    pub all_terms: bool,
}

/// Largest `top_k` a search accepts.
pub const MAX_TOP_K: usize = 1000;

/// One ranked document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Hit {
    /// Rank in its list, from 1 (the retrieval rank).
    pub rank: usize,
    pub id: String,
    pub score: f32,
    #[schema(value_type = String, example = "judgment")]
    pub kind: Kind,
    pub title: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub law: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub article: Option<String>,
    pub snippet: Snippet,
}

/// Ranked hits and how they were found.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResponse {
    pub mode: Mode,
    pub hits: Vec<Hit>,
    /// Distinct analysed query terms that were searched.
    pub query_terms: Vec<String>,
    pub took_ms: f64,
}

/// Why a search could not run.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("检索文本中没有可检索的词语（只有标点、空格或停用词）")]
    EmptyQuery,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("存储出错：{0}")]
    Store(#[from] StoreError),
}

/// The search engine over one store.
#[derive(Clone)]
pub struct Engine {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: SearchConfig,
    encoder: Option<Arc<dyn QueryEncoder>>,
    /// The last few query vectors: one request encodes the same text for judgments, statutes
    /// and linking, and encoding is most of a hybrid search's time. Memory only, a few entries.
    recent_vectors: Arc<std::sync::Mutex<RecentVectors>>,
}

/// Recently encoded query texts and their vectors, oldest first.
type RecentVectors = std::collections::VecDeque<(String, Arc<Vec<f32>>)>;

/// Query terms with their weights.
type WeightedTerms = Vec<(String, f32)>;

/// Query vectors kept by [`Engine`].
const RECENT_VECTORS: usize = 16;

impl Engine {
    pub fn new(store: Arc<dyn Store>, config: SearchConfig) -> Self {
        Engine {
            store,
            config,
            encoder: None,
            recent_vectors: Default::default(),
        }
    }

    /// The query vector of `text`, from the recent ones when it was just encoded.
    fn query_vector(
        &self,
        encoder: &dyn QueryEncoder,
        text: &str,
    ) -> Result<Arc<Vec<f32>>, SearchError> {
        let recent = |vectors: &RecentVectors| {
            vectors
                .iter()
                .find(|(t, _)| t == text)
                .map(|(_, v)| v.clone())
        };
        if let Some(vector) = recent(
            &self
                .recent_vectors
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        ) {
            return Ok(vector);
        }
        let vector = Arc::new(encoder.encode(text)?);
        let mut vectors = self
            .recent_vectors
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if vectors.len() >= RECENT_VECTORS {
            vectors.pop_front();
        }
        vectors.push_back((text.to_string(), vector.clone()));
        Ok(vector)
    }

    /// Adds the query encoder for dense and hybrid search. It must be the model the store's
    /// vectors were made with: vectors of different models are not comparable.
    pub fn with_encoder(mut self, encoder: Arc<dyn QueryEncoder>) -> Result<Self, SearchError> {
        match self.store.dense_model() {
            Some(model) if model != encoder.model() => Err(SearchError::Invalid(format!(
                "the index was embedded with model '{model}', not '{}': search it with the same model",
                encoder.model()
            ))),
            _ => {
                self.encoder = Some(encoder);
                Ok(self)
            }
        }
    }

    /// The mode a request for `mode` is answered in: without vectors (or an encoder) dense and
    /// hybrid requests fall back to BM25, and responses say so.
    pub fn effective_mode(&self, mode: Mode) -> Mode {
        match (
            mode,
            self.encoder.is_some() && self.store.dense_model().is_some(),
        ) {
            (Mode::Bm25, _) | (_, false) => Mode::Bm25,
            (other, true) => other,
        }
    }

    /// The mode that answers a request for `kind`: [`Engine::effective_mode`], and BM25 for a
    /// kind the snapshot has no vectors for (statutes are not embedded by default).
    pub fn effective_mode_for(&self, mode: Mode, kind: Option<Kind>) -> Mode {
        match kind {
            Some(kind) if !self.store.has_vectors_for(kind) => Mode::Bm25,
            _ => self.effective_mode(mode),
        }
    }

    /// The model of the dense vectors, if dense search is available.
    pub fn dense_model(&self) -> Option<String> {
        self.encoder.as_ref().and(self.store.dense_model())
    }

    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Weighted distinct terms of a query text.
    pub fn query_terms(&self, text: &str) -> Vec<(String, f32)> {
        let mut counts: HashMap<String, (usize, usize)> = HashMap::new(); // term → (count, first position)
        for (position, term) in analyzer().terms(text).into_iter().enumerate() {
            counts.entry(term.text).or_insert((0, position)).0 += 1;
        }
        let mut terms: Vec<(String, usize, usize)> =
            counts.into_iter().map(|(t, (c, p))| (t, c, p)).collect();
        // Most repeated first, then in reading order, so a cut keeps what the text dwells on.
        terms.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        terms.truncate(self.config.max_query_terms);
        terms
            .into_iter()
            .map(|(term, count, _)| {
                let weight = if self.config.query_term_frequency {
                    1.0 + (count as f32).ln()
                } else {
                    1.0
                };
                (term, weight)
            })
            .collect()
    }

    /// Ranked ids and scores only (what evaluation needs), up to the last stage.
    pub fn rank(&self, request: &SearchRequest, depth: usize) -> Result<Ranked, SearchError> {
        self.rank_to(request, depth, Stage::Rerank)
    }

    /// Ranked ids and scores, the pipeline stopped after `stage`.
    pub fn rank_to(
        &self,
        request: &SearchRequest,
        depth: usize,
        stage: Stage,
    ) -> Result<Ranked, SearchError> {
        let terms = self.query_terms(&request.text);
        self.rank_terms(request, &terms, depth, stage)
    }

    pub(crate) fn rank_terms(
        &self,
        request: &SearchRequest,
        terms: &[(String, f32)],
        depth: usize,
        stage: Stage,
    ) -> Result<Ranked, SearchError> {
        if terms.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let mut filters = request.filters.clone();
        if let Some(kind) = request.kind {
            filters
                .add("kind", kind.as_str())
                .map_err(|e| SearchError::Invalid(e.to_string()))?;
        }
        let excluded: HashSet<&str> = request.exclude_ids.iter().map(String::as_str).collect();
        let mode = self.effective_mode_for(request.mode, request.kind);
        let pool = match mode {
            Mode::Bm25 => depth,
            _ => depth.max(self.config.fusion_candidates),
        } + excluded.len();
        let lexical = || self.lexical(terms, &filters, pool, request.all_terms);
        let dense = |encoder: &dyn QueryEncoder| -> Result<Ranked, SearchError> {
            let vector = self.query_vector(encoder, &request.text)?;
            Ok(self
                .store
                .dense(&vector, &filters, pool)?
                .into_iter()
                .map(|c| (c.id, c.score))
                .collect())
        };
        let (lexical, dense) = match (mode, &self.encoder) {
            (Mode::Dense, Some(encoder)) => (Vec::new(), dense(encoder.as_ref())?),
            // The query's encoding (most of a hybrid search) and the lexical pass do not depend
            // on each other: on two threads, a hybrid search takes the longer of the two.
            (Mode::Hybrid, Some(encoder)) => {
                let (lexical, dense) =
                    leian_core::request::join(lexical, || dense(encoder.as_ref()));
                (lexical?, dense?)
            }
            (Mode::Dense, None) => (Vec::new(), Vec::new()),
            _ => (lexical()?, Vec::new()),
        };
        let drop_excluded = |list: Ranked| -> Ranked {
            list.into_iter()
                .filter(|(id, _)| !excluded.contains(id.as_str()))
                .collect()
        };
        let (lexical, dense) = (drop_excluded(lexical), drop_excluded(dense));
        if stage == Stage::Retrieve {
            let mut first = match mode {
                Mode::Dense => dense,
                _ => lexical,
            };
            first.truncate(depth);
            return Ok(first);
        }
        let mut ranked = match mode {
            Mode::Bm25 => lexical,
            Mode::Dense => dense,
            Mode::Hybrid if filters.kind() == Some(Kind::Statute) => {
                weighted_sum(&lexical, &dense, self.config.statute_dense_weight)
            }
            Mode::Hybrid => match self.config.fusion {
                Fusion::ReciprocalRank => {
                    reciprocal_rank_fusion(&[&lexical, &dense], self.config.rrf_k)
                }
                Fusion::WeightedSum => weighted_sum(&lexical, &dense, self.config.dense_weight),
            },
        };
        if stage >= Stage::Rerank
            && mode == Mode::Hybrid
            && filters.kind() == Some(Kind::Judgment)
            && self.config.cause_weight > 0.0
        {
            ranked.truncate(self.config.fusion_candidates.max(depth));
            let causes = self.causes_of(&ranked)?;
            ranked = cause_rerank(
                ranked,
                &causes,
                self.config.cause_voters,
                self.config.cause_weight,
            );
        }
        ranked.truncate(depth);
        Ok(ranked)
    }

    fn lexical(
        &self,
        terms: &[(String, f32)],
        filters: &Filters,
        limit: usize,
        all_terms: bool,
    ) -> Result<Ranked, SearchError> {
        let boosts = match filters.kind() {
            Some(Kind::Statute) => self.config.statute_boosts.clone(),
            Some(Kind::Judgment) => self.config.judgment_boosts.clone(),
            None => [&self.config.judgment_boosts, &self.config.statute_boosts]
                .into_iter()
                .flatten()
                .copied()
                .collect(),
        };
        let weighted;
        let terms = if filters.kind() == Some(Kind::Statute) && self.config.fact_idf_power > 0.0 {
            weighted = self.weigh_by_fact_idf(terms)?;
            weighted.as_slice()
        } else if filters.kind() == Some(Kind::Judgment) {
            // A research list keeps only distinctive terms; a search that keeps every term adds
            // the common ones, scored in a second pass over the first pass's best judgments.
            let (distinctive, common) = if all_terms {
                self.distinctive_and_common(terms)?
            } else {
                let informative = self.informative_terms(terms, self.config.common_term_share)?;
                (informative, Vec::new())
            };
            if self.config.rescore_pool > 0 && !distinctive.is_empty() {
                // Both kinds fetch the same first pass, so a request's list, sentencing and
                // charge searches find it done.
                let candidates = self.store.lexical_rescored(
                    &distinctive,
                    &common,
                    &boosts,
                    filters,
                    limit,
                    self.config.rescore_pool,
                )?;
                return Ok(candidates.into_iter().map(|c| (c.id, c.score)).collect());
            }
            weighted = distinctive.into_iter().chain(common).collect();
            weighted.as_slice()
        } else {
            terms
        };
        let candidates = self.store.lexical(terms, &boosts, filters, limit)?;
        Ok(candidates.into_iter().map(|c| (c.id, c.score)).collect())
    }

    fn causes_of(&self, ranked: &Ranked) -> Result<HashMap<String, Vec<String>>, SearchError> {
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        Ok(self
            .store
            .judgment_headers(&ids)?
            .into_iter()
            .flatten()
            .map(|j| (j.id, j.causes))
            .collect())
    }

    /// Each term's document frequency among the judgments' facts, and how many judgments there
    /// are.
    fn fact_frequencies(&self, terms: &[(String, f32)]) -> Result<(Vec<u64>, u64), SearchError> {
        let mut frequencies = Vec::with_capacity(terms.len());
        let mut judgments = 0;
        for (term, _) in terms {
            let (df, docs) = self.store.document_frequency("facts", term)?;
            frequencies.push(df);
            judgments = docs;
        }
        Ok((frequencies, judgments))
    }

    /// `terms` without those in more than `share` of the judgments' facts (all of them when
    /// that would leave none), then at most [`SearchConfig::max_research_terms`] of the rarest.
    fn informative_terms(
        &self,
        terms: &[(String, f32)],
        share: f32,
    ) -> Result<Vec<(String, f32)>, SearchError> {
        if share >= 1.0 && terms.len() <= self.config.max_research_terms {
            return Ok(terms.to_vec());
        }
        let (frequencies, judgments) = self.fact_frequencies(terms)?;
        let mut kept: Vec<(u64, &(String, f32))> = frequencies
            .iter()
            .zip(terms)
            .filter(|(df, _)| {
                **df < self.config.common_term_min_documents
                    || (**df as f32) <= share * judgments as f32
            })
            .map(|(df, term)| (*df, term))
            .collect();
        if kept.is_empty() {
            return Ok(terms.to_vec());
        }
        if kept.len() > self.config.max_research_terms {
            // A stable sort keeps the query's order among equally rare terms.
            kept.sort_by_key(|(df, _)| *df);
            kept.truncate(self.config.max_research_terms);
        }
        Ok(kept.into_iter().map(|(_, term)| term.clone()).collect())
    }

    /// `terms` split for a search that keeps every term: those a research search keeps
    /// (see [`Engine::informative_terms`]), and the common ones up to `near_universal_share`.
    fn distinctive_and_common(
        &self,
        terms: &[(String, f32)],
    ) -> Result<(WeightedTerms, WeightedTerms), SearchError> {
        let (frequencies, judgments) = self.fact_frequencies(terms)?;
        let within = |df: u64, share: f32| {
            df < self.config.common_term_min_documents || (df as f32) <= share * judgments as f32
        };
        let (mut distinctive, mut common) = (Vec::new(), Vec::new());
        for (term, df) in terms.iter().zip(frequencies) {
            if within(df, self.config.common_term_share) {
                distinctive.push(term.clone());
            } else if within(df, self.config.near_universal_share) {
                common.push(term.clone());
            }
        }
        if distinctive.is_empty() && common.is_empty() {
            // Only near-universal words: searching them is better than searching nothing.
            distinctive = terms.to_vec();
        }
        Ok((distinctive, common))
    }

    fn weigh_by_fact_idf(
        &self,
        terms: &[(String, f32)],
    ) -> Result<Vec<(String, f32)>, SearchError> {
        let (frequencies, docs) = self.fact_frequencies(terms)?;
        if docs == 0 {
            return Ok(terms.to_vec());
        }
        let docs = docs as f32;
        let max_idf = (1.0 + (docs + 0.5) / 0.5).ln();
        Ok(terms
            .iter()
            .zip(frequencies)
            .map(|((term, weight), df)| {
                let df = df as f32;
                let idf = (1.0 + (docs - df + 0.5) / (df + 0.5)).ln();
                (
                    term.clone(),
                    weight * (idf / max_idf).powf(self.config.fact_idf_power),
                )
            })
            .collect())
    }

    /// Runs a search and shapes the hits for people: titles, metadata, snippets.
    pub fn search(&self, request: &SearchRequest) -> Result<SearchResponse, SearchError> {
        Ok(self.search_documents(request)?.0)
    }

    /// [`Engine::search`], with the hits' stored documents (loaded once, in one call to the
    /// store) for callers that read more of them than the hit shows.
    pub fn search_documents(
        &self,
        request: &SearchRequest,
    ) -> Result<(SearchResponse, Vec<Document>), SearchError> {
        let started = Instant::now();
        if request.top_k == 0 || request.top_k > MAX_TOP_K {
            return Err(SearchError::Invalid(format!(
                "top_k 必须在 1 到 {MAX_TOP_K} 之间"
            )));
        }
        let terms = self.query_terms(&request.text);
        let ranked = self.rank_terms(request, &terms, request.top_k, Stage::Rerank)?;
        let term_set: HashSet<String> = terms.iter().map(|(t, _)| t.clone()).collect();
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let mut hits = Vec::with_capacity(ranked.len());
        let mut documents = Vec::with_capacity(ranked.len());
        for ((_, score), document) in ranked.into_iter().zip(self.store.documents(&ids)?) {
            let Some(document) = document else {
                continue;
            };
            hits.push(hit(hits.len() + 1, score, &document, &term_set));
            documents.push(document);
        }
        let response = SearchResponse {
            mode: self.effective_mode_for(request.mode, request.kind),
            hits,
            query_terms: terms.into_iter().map(|(t, _)| t).collect(),
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        };
        Ok((response, documents))
    }
}

fn hit(rank: usize, score: f32, document: &Document, terms: &HashSet<String>) -> Hit {
    let title = document.display_title();
    match document {
        Document::Judgment(j) => {
            let (field, text) = match (j.facts.is_empty(), j.full_text.as_deref()) {
                (true, Some(full)) => ("full_text", full),
                _ => ("facts", j.facts.as_str()),
            };
            Hit {
                rank,
                snippet: snippet(field, text, terms),
                id: j.id.clone(),
                score,
                kind: Kind::Judgment,
                title,
                causes: j.causes.clone(),
                court: j.court.clone(),
                year: j.year,
                law: None,
                article: None,
            }
        }
        Document::Statute(s) => Hit {
            rank,
            snippet: snippet("text", &s.text, terms),
            id: s.id.clone(),
            score,
            kind: Kind::Statute,
            title,
            causes: Vec::new(),
            court: None,
            year: None,
            law: Some(s.law.clone()),
            article: Some(s.article.clone()),
        },
    }
}
