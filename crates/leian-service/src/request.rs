//! The research request: what a judge asks for, as clients send it ([`ResearchQuery`], JSON and
//! OpenAPI) and as the service runs it ([`ResearchRequest`], validated). `POST /v1/search`,
//! `POST /v1/report`, `leian search` and `leian report` all build one.

use crate::error::{Result, ServiceError};
use chrono::NaiveDate;
use leian_core::{Filters, Kind};
use leian_legal::CourtContext;
use leian_search::Mode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Largest number of hits per list a request may ask for.
pub const MAX_TOP_K: usize = 100;
/// Hits per list when a request does not say.
pub const DEFAULT_TOP_K: usize = 10;

/// What a search covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Similar judgments only.
    Judgment,
    /// Statute articles only.
    Statute,
    /// Judgments and statute articles, in separate lists.
    #[default]
    All,
}

impl Scope {
    pub fn judgments(self) -> bool {
        self != Scope::Statute
    }

    pub fn statutes(self) -> bool {
        self != Scope::Judgment
    }
}

impl std::str::FromStr for Scope {
    type Err = ServiceError;
    fn from_str(value: &str) -> Result<Self> {
        match value.trim() {
            "judgment" | "判决" | "裁判文书" => Ok(Scope::Judgment),
            "statute" | "法条" => Ok(Scope::Statute),
            "all" | "全部" => Ok(Scope::All),
            other => Err(ServiceError::Invalid(format!(
                "未知的检索范围 '{other}'（judgment、statute、all）"
            ))),
        }
    }
}

impl From<Option<Kind>> for Scope {
    fn from(kind: Option<Kind>) -> Self {
        match kind {
            Some(Kind::Judgment) => Scope::Judgment,
            Some(Kind::Statute) => Scope::Statute,
            None => Scope::All,
        }
    }
}

/// A validated research: every front end builds one and [`crate::Service::research`] answers it.
#[derive(Debug, Clone)]
pub struct ResearchRequest {
    /// The fact summary (or any text).
    pub text: String,
    pub scope: Scope,
    pub mode: Mode,
    /// Similar judgments returned, 1 to [`MAX_TOP_K`].
    pub top_k: usize,
    /// Statute articles returned, 1 to [`MAX_TOP_K`].
    pub statute_top_k: usize,
    /// Conditions every hit must meet (statutes are linked without the judgment-only ones).
    pub filters: Filters,
    /// Recommend statutes by statute linking (法条关联, Art. 5), not only by their wording.
    pub linking: bool,
    /// The requesting court, for the authority tiers.
    pub court: Option<CourtContext>,
    /// Ids never returned nor voting (the pending case itself, leave-one-out evaluation).
    pub exclude_ids: Vec<String>,
    /// The day that decides what is recent (Art. 4: the last three years); `None`: today (UTC).
    /// Ranking never reads the clock itself, so a research can be reproduced.
    pub today: Option<NaiveDate>,
    /// On a distributed store, answer from the live shards when one is down (the answer says
    /// so) instead of failing.
    pub allow_partial: bool,
}

impl ResearchRequest {
    /// A hybrid research of `text` over judgments and statutes: 10 of each, statutes linked.
    pub fn new(text: impl Into<String>) -> Self {
        ResearchRequest {
            text: text.into(),
            scope: Scope::All,
            mode: Mode::Hybrid,
            top_k: DEFAULT_TOP_K,
            statute_top_k: DEFAULT_TOP_K,
            filters: Filters::default(),
            linking: true,
            court: None,
            exclude_ids: Vec::new(),
            today: None,
            allow_partial: false,
        }
    }

    /// Checks what no front end may let through: an empty text, a list size out of range.
    pub fn validate(&self) -> Result<()> {
        if self.text.trim().is_empty() {
            return Err(ServiceError::Search(leian_search::SearchError::EmptyQuery));
        }
        for (name, value) in [("top_k", self.top_k), ("statute_top_k", self.statute_top_k)] {
            checked_top_k(name, value as u64)?;
        }
        // Over one kind, a condition on the other kind would silently empty the list.
        let only = match self.scope {
            Scope::Judgment => Some(Kind::Judgment),
            Scope::Statute => Some(Kind::Statute),
            Scope::All => None,
        };
        if let Some(kind) = only
            && let Some(field) = self.filters.foreign_to(kind)
        {
            let (applies, searched) = match kind {
                Kind::Judgment => ("法条", "裁判文书"),
                Kind::Statute => ("裁判文书", "法条"),
            };
            return Err(ServiceError::Invalid(format!(
                "filters：{} 只适用于{applies}，不能用于只检索{searched}",
                field.key()
            )));
        }
        if let (Some(from), Some(to)) = (self.filters.year_from, self.filters.year_to)
            && from > to
        {
            return Err(ServiceError::Invalid(format!(
                "filters：起始年份 {from} 晚于截止年份 {to}"
            )));
        }
        Ok(())
    }
}

/// `value` of the list size `name`, 1 to [`MAX_TOP_K`].
pub fn checked_top_k(name: &str, value: u64) -> Result<usize> {
    match usize::try_from(value) {
        Ok(top_k) if (1..=MAX_TOP_K).contains(&top_k) => Ok(top_k),
        _ => Err(ServiceError::Invalid(format!(
            "{name} 必须在 1 到 {MAX_TOP_K} 之间"
        ))),
    }
}

/// A research as clients send it (`POST /v1/search`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResearchQuery {
    /// The fact summary (or any text) to search with.
    #[schema(example = "被告人醉酒驾驶机动车在道路上行驶")]
    pub text: String,
    /// What to search; `all` searches judgments and statutes separately.
    #[serde(default)]
    pub kind: Scope,
    /// How to rank; without vectors in the index, `dense` and `hybrid` are answered by `bm25`.
    #[serde(default)]
    #[schema(value_type = String, example = "hybrid")]
    pub mode: Mode,
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
    /// On a sharded PostgreSQL store: when a shard is down, answer from the others
    /// (`partial: true` and `missing_shards` in the answer) instead of 503 `shard_unavailable`.
    #[serde(default)]
    pub partial: bool,
}

impl TryFrom<ResearchQuery> for ResearchRequest {
    type Error = ServiceError;
    fn try_from(query: ResearchQuery) -> Result<Self> {
        let top_k = checked_top_k("top_k", query.top_k)?;
        let request = ResearchRequest {
            scope: query.kind,
            mode: query.mode,
            top_k,
            statute_top_k: top_k,
            filters: query.filters.to_filters()?,
            linking: query.linking,
            court: query
                .court
                .as_ref()
                .map(CourtBody::to_context)
                .transpose()?,
            allow_partial: query.partial,
            ..ResearchRequest::new(query.text)
        };
        request.validate()?;
        Ok(request)
    }
}

fn default_linking() -> bool {
    true
}

fn default_top_k() -> u64 {
    DEFAULT_TOP_K as u64
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
    pub fn to_context(&self) -> Result<CourtContext> {
        let level = match &self.level {
            Some(level) => Some(
                level
                    .parse()
                    .map_err(|e| ServiceError::Invalid(format!("court.level：{e}")))?,
            ),
            None => None,
        };
        for (field, value) in [("name", &self.name), ("province", &self.province)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(ServiceError::Invalid(format!("court.{field} 不能为空")));
            }
        }
        let province = match &self.province {
            Some(province) => Some(
                leian_core::parse_province(province)
                    .map_err(|e| ServiceError::Invalid(format!("court.province：{e}")))?
                    .to_string(),
            ),
            None => None,
        };
        Ok(CourtContext {
            court: self.name.clone(),
            province,
            level,
        })
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
    pub fn to_filters(&self) -> Result<Filters> {
        let mut filters = Filters::default();
        let mut add = |key: &str, value: &str| {
            filters
                .add(key, value)
                .map_err(|e| ServiceError::Invalid(format!("filters：{e}")))
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
        let causes: &[String] = match &self.causes {
            Some(OneOrMany::One(cause)) => std::slice::from_ref(cause),
            Some(OneOrMany::Many(causes)) => causes,
            None => &[],
        };
        for cause in causes {
            add("causes", cause)?;
        }
        for (key, year) in [("year_from", self.year_from), ("year_to", self.year_to)] {
            if let Some(year) = year {
                add(key, &year.to_string())?;
            }
        }
        Ok(filters)
    }
}
