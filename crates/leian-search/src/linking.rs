//! Statute linking (法条关联检索, SPC guidance on similar-case search, Art. 5): statute articles for
//! a fact summary, from what the most similar judgments cite, from direct retrieval of article
//! text, from the charges the facts most likely involve and from the sentencing circumstances
//! they state.
//!
//! Articles are listed the way a judge reads a statute list: first the specific (分则) articles of
//! the charges the case most likely involves, then the general-part (总则, 刑法 art. 1–101)
//! articles its circumstances call for, then the rest by support. Only articles in force are
//! recommended; an article the similar cases cite that is amended, repealed or unknown to the
//! index is reported as flagged instead.

use crate::engine::{Engine, MAX_TOP_K, Mode, SearchConfig, SearchError, SearchRequest};
use crate::fusion::Ranked;
use crate::snippet::{Snippet, snippet};
use leian_core::{Document, FilterField, Filters, Kind, Statute, StatuteStatus, statute_id};
use leian_legal::analysis::{Analysis, Candidate, analyze_text, case_narrative, resolve_charge};
use leian_text::analyzer;
use leian_text::dict::{CivilArticles, CivilRowKind, civil_articles};
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::time::Instant;

/// The criminal law, whose first 101 articles are its general part.
pub const CRIMINAL_LAW: &str = "中华人民共和国刑法";
const GENERAL_PART_LAST_ARTICLE: u32 = 101;

/// General-part articles that a stated circumstance calls for, with the share of the development
/// judgments stating it that cite the article. Measured on the 501 JuDGE judgments of the shared
/// corpus with `cargo run --release -p leian-legal --example circumstance_articles`: pairs cited
/// by at least 30% of the judgments stating the circumstance at twice the article's base rate or
/// more, or by at least 90% of them (自首 and 坦白 → 67, which nearly every judgment cites).
/// Some pairs are correlations rather than legal consequences (自首 → 72: surrendering makes
/// probation likelier); they are kept because they predict what a court cites.
const CIRCUMSTANCE_ARTICLES: &[(&str, u32, f32)] = &[
    ("自首", 67, 0.91),
    ("自首", 72, 0.51),
    ("坦白", 67, 0.93),
    ("立功", 67, 1.00),
    ("立功", 52, 0.75),
    ("立功", 53, 0.75),
    ("立功", 68, 0.75),
    ("累犯", 65, 0.95),
    ("毒品再犯", 52, 1.00),
    ("毒品再犯", 53, 1.00),
    ("毒品再犯", 64, 1.00),
    ("毒品再犯", 65, 1.00),
    ("毒品再犯", 67, 1.00),
    ("前科", 67, 0.90),
    ("前科", 65, 0.35),
    ("退赃退赔", 25, 0.40),
    ("未遂", 23, 0.73),
    ("中止", 67, 1.00),
    ("共同犯罪", 25, 0.66),
    ("从犯", 25, 0.60),
    ("从犯", 27, 0.30),
    ("缓刑考验期内犯罪", 69, 1.00),
    ("缓刑考验期内犯罪", 77, 1.00),
    ("缓刑", 72, 0.63),
    ("缓刑", 73, 0.46),
    ("数罪", 69, 1.00),
    ("未成年", 17, 0.36),
    ("精神障碍", 18, 0.40),
    ("精神障碍", 23, 0.30),
];

/// The kind of article, in reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// A specific (分则) article of a charge the case likely involves, or of another law.
    Specific,
    /// A general-part article (刑法 1–101) the case's circumstances or similar cases call for.
    General,
    /// Weaker candidates, by support.
    Other,
}

/// Why an article is recommended.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkReason {
    /// Similar judgments cite it: their vote share and the best of them.
    CitedBySimilarCases {
        share: f32,
        citing: usize,
        voters: usize,
        cases: Vec<CitingCase>,
    },
    /// It defines a charge the facts likely involve.
    PredictedCharge {
        charge: String,
        score: f32,
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<usize>,
    },
    /// A circumstance stated in the facts calls for it (`rate`: share of development judgments
    /// stating it that cite the article).
    Circumstance {
        name: &'static str,
        rate: f32,
        text: String,
        start: usize,
        end: usize,
    },
    /// It decides a cause of action (案由) the facts likely involve.
    CauseOfAction {
        cause: String,
        score: f32,
        #[serde(skip_serializing_if = "Option::is_none")]
        start: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        end: Option<usize>,
    },
    /// The facts state something it governs (定金, 物业费, 工伤 …).
    StatedFact {
        name: &'static str,
        text: &'static str,
        start: usize,
        end: usize,
    },
    /// Its text matches the query's terms (direct retrieval rank and score).
    MatchedTerms {
        rank: usize,
        score: f32,
        terms: Vec<String>,
    },
}

/// A similar judgment that cites a recommended article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CitingCase {
    pub id: String,
    /// Rank among the voting judgments (1 = most similar).
    pub rank: usize,
    pub score: f32,
}

/// A recommended article.
#[derive(Debug, Clone, Serialize)]
pub struct LinkedStatute {
    pub rank: usize,
    pub id: String,
    /// Always `statute`: every hit of the API says what it is.
    pub kind: Kind,
    /// The integer part is the tier (2 specific, 1 general, 0 other); the fraction grows with the
    /// support, so scores fall with rank.
    pub score: f32,
    /// Combined support: vote share + weighted direct, charge and circumstance evidence.
    pub support: f32,
    pub tier: Tier,
    pub title: String,
    pub law: String,
    pub article: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatuteStatus>,
    pub reasons: Vec<LinkReason>,
    pub snippet: Snippet,
}

/// An article the evidence points to that is not recommended because it is not in force.
#[derive(Debug, Clone, Serialize)]
pub struct FlaggedStatute {
    pub id: String,
    /// `None`: the index does not hold the article.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<StatuteStatus>,
    pub note: String,
    pub reasons: Vec<LinkReason>,
}

/// The answer to a statute-linking request.
#[derive(Debug, Clone, Serialize)]
pub struct StatuteLinks {
    pub mode: Mode,
    pub hits: Vec<LinkedStatute>,
    pub flagged: Vec<FlaggedStatute>,
    /// What was read from the query: charges, amounts, circumstances ….
    pub analysis: Analysis,
    pub query_terms: Vec<String>,
    pub took_ms: f64,
}

/// Evidence gathered for one candidate article.
#[derive(Debug, Default, Clone)]
struct Evidence {
    vote: f32,
    /// (voter rank, judgment id, retrieval score) of the voters citing it.
    citing: Vec<(usize, String, f32)>,
    /// (rank, score, score relative to the best) in direct statute retrieval.
    direct: Option<(usize, f32, f32)>,
    /// Index into the analysis' charges and the charge's score.
    charge: Option<(usize, f32)>,
    /// Index into the analysis' circumstances and the measured rate.
    circumstance: Option<(usize, f32)>,
    /// Index into the analysis' causes of action and the cause's score.
    cause: Option<(usize, f32)>,
    /// A stated civil fact: its row in the civil table, the trigger word and where it is.
    fact: Option<(&'static CivilArticles, &'static str, usize)>,
}

/// A scored candidate that passed the filters and is in force.
struct Scored {
    id: String,
    support: f32,
    tier: Tier,
    /// An article of the most likely charge: first in its tier.
    leads: bool,
    evidence: Evidence,
    statute: Statute,
}

/// Everything linking computed, before shaping for people or for evaluation.
struct Linked {
    mode: Mode,
    ranked: Vec<Scored>,
    /// (id, status, version date of the text held, evidence).
    flagged: Vec<(String, Option<StatuteStatus>, Option<String>, Evidence)>,
    analysis: Analysis,
    voters: usize,
    terms: Vec<(String, f32)>,
}

impl Scored {
    /// Monotone with rank: the tier, plus the support squashed into 0..1.
    fn score(&self) -> f32 {
        let level = match self.tier {
            Tier::Specific => 2.0,
            Tier::General => 1.0,
            Tier::Other => 0.0,
        };
        let lead = if self.leads { 0.5 } else { 0.0 };
        level + lead + 0.5 * self.support / (1.0 + self.support)
    }
}

/// Whether a statute article meets the filters, as the index would decide: statutes carry law,
/// level, status and a version year, and nothing of the judgment-only fields.
fn statute_passes(filters: &Filters, statute: &Statute) -> bool {
    let mut fields: HashMap<FilterField, bool> = HashMap::new();
    for (field, value) in &filters.terms {
        let matches = match field {
            FilterField::Kind => value == Kind::Statute.as_str(),
            FilterField::Law => &statute.law == value,
            FilterField::StatuteLevel => statute.level.as_deref() == Some(value.as_str()),
            FilterField::Status => statute.status.map(|s| s.as_str()) == Some(value.as_str()),
            _ => false,
        };
        // Several values of one field are alternatives.
        *fields.entry(*field).or_default() |= matches;
    }
    let year = statute
        .version_date
        .as_deref()
        .and_then(|d| d.get(..4))
        .and_then(|y| y.parse::<u16>().ok());
    let in_years = match (filters.year_from, filters.year_to, year) {
        (None, None, _) => true,
        (_, _, None) => false,
        (from, to, Some(y)) => from.is_none_or(|f| y >= f) && to.is_none_or(|t| y <= t),
    };
    in_years && fields.values().all(|&m| m)
}

/// Why an article is flagged, for the judge (the report is Chinese). Statuses are settled at
/// indexing against the versions held, so `amended` means a newer version of the law is indexed
/// and lacks this article.
fn flag_note(status: Option<StatuteStatus>, version: Option<&str>) -> String {
    let version = version.map_or_else(String::new, |v| format!("（所据版本{v}）"));
    match status {
        None => "相似案例引用了该条，但法规库中没有该条文，请核对法规来源".into(),
        Some(StatuteStatus::Amended | StatuteStatus::Historical) => {
            format!("该条已被修改{version}，现行版本中没有这一条，不予推荐，请核对现行有效的条文")
        }
        Some(StatuteStatus::Repealed) => format!("该法已废止{version}，不予推荐"),
        Some(StatuteStatus::NotYetInForce) => format!("该条尚未施行{version}，不予推荐"),
        Some(StatuteStatus::InForce) => format!("该条现行有效{version}"),
    }
}

/// The tier of an article. An article of the most likely charge (`leads`) is in the specific
/// tier whatever its support: a judge reads the charge's own article first, even when few
/// similar cases cite it (otherwise it fell behind general-part articles such as 67).
fn tier_of(general_part: bool, leads: bool, support: f32, config: &SearchConfig) -> Tier {
    match general_part {
        false if leads || support >= config.link_specific_min => Tier::Specific,
        true if support >= config.link_general_min => Tier::General,
        _ => Tier::Other,
    }
}

fn is_general_part(statute: &Statute) -> bool {
    statute.law == CRIMINAL_LAW && statute.number <= GENERAL_PART_LAST_ARTICLE
}

/// Maps a judgment's citation of `第N条` to `第N条之X` when the judgment was decided under a
/// charge defined in `N之X` and none defined in `N`: sources such as JuDGE label added articles
/// by their whole number (`危险驾驶罪` cites 133, meaning 133之一).
fn repair_sub_article(cited: &str, causes: &[String]) -> String {
    let Some(number) = cited.strip_prefix(CRIMINAL_LAW).and_then(|rest| {
        rest.strip_prefix('第')
            .and_then(|r| r.strip_suffix('条'))
            .filter(|n| n.chars().all(|c| c.is_ascii_digit()))
    }) else {
        return cited.to_string();
    };
    let articles: Vec<&str> = causes
        .iter()
        .filter_map(|c| resolve_charge(c))
        .flat_map(|c| c.articles.iter().copied())
        .collect();
    if articles.contains(&number) {
        return cited.to_string();
    }
    match articles
        .iter()
        .find(|a| a.split_once('之').is_some_and(|(n, _)| n == number))
    {
        Some(sub) => statute_id(CRIMINAL_LAW, sub),
        None => cited.to_string(),
    }
}

/// A cause field that joins several charges (`危险驾驶罪、妨害作证罪`) split into them; a charge
/// whose own name has `、` (`走私、贩卖、运输、制造毒品罪`) stays whole.
fn split_joined_charges(cause: &str) -> Vec<&str> {
    if resolve_charge(cause).is_some() || !cause.contains("罪、") {
        return vec![cause];
    }
    let mut parts = Vec::new();
    let mut rest = cause;
    while let Some(at) = rest.find("罪、") {
        let end = at + "罪".len();
        parts.push(&rest[..end]);
        rest = &rest[end + "、".len()..];
    }
    parts.push(rest);
    parts.retain(|p| !p.is_empty());
    parts
}

/// Weighted vote share an article not in force needs to be reported, and how many are.
const FLAGGED_MIN_VOTE: f32 = 0.1;
const FLAGGED_LISTED: usize = 10;

/// Weight of a civil neighbour decided under none of the question's likely causes.
const UNRELATED_VOTER_TRUST: f32 = 0.2;

/// Words only criminal fact summaries use, and words civil and administrative ones use.
const CRIMINAL_MARKERS: &[&str] = &[
    "被告人",
    "公诉",
    "犯罪",
    "判处",
    "有期徒刑",
    "拘役",
    "侦查",
    "检察院",
    "刑事",
];
const NON_CRIMINAL_MARKERS: &[&str] = &[
    "原告",
    "诉讼请求",
    "纠纷",
    "请求",
    "申请人",
    "行政拘留",
    "行政复议",
    "行政诉讼",
    "行政许可",
    "信息公开",
    "征收",
    "仲裁",
    "行政机关",
    "行政处罚",
    "民事",
];

/// Words that make a question one of procedure, where procedural articles do decide.
const PROCEDURE_WORDS: &[&str] = &[
    "管辖",
    "上诉",
    "再审",
    "执行异议",
    "强制执行",
    "举证",
    "诉讼费",
    "撤诉",
    "缺席",
    "保全",
    "回避",
    "送达",
];

/// Procedural laws (民事诉讼法, 刑事诉讼法, 行政诉讼法): nearly every judgment cites them, so their
/// citation says little about the facts.
fn is_procedural(article_id: &str) -> bool {
    article_id
        .rfind('第')
        .is_some_and(|at| article_id[..at].ends_with("诉讼法"))
}

/// How likely the facts are criminal (0..1): the text's own markers when they point one way,
/// weighed with the share of the similar judgments decided under a charge.
fn criminal_likelihood(text: &str, neighbours: &[(String, f32, leian_core::Judgment)]) -> f32 {
    let count = |markers: &[&str]| markers.iter().filter(|m| text.contains(*m)).count();
    let (criminal, other) = (count(CRIMINAL_MARKERS), count(NON_CRIMINAL_MARKERS));
    let decided: Vec<bool> = neighbours
        .iter()
        .filter(|(_, _, j)| !j.causes.is_empty())
        .take(10)
        .map(|(_, _, j)| j.causes.iter().any(|c| c.ends_with('罪')))
        .collect();
    let neighbour_share = match decided.len() {
        0 => 0.5,
        n => decided.iter().filter(|&&c| c).count() as f32 / n as f32,
    };
    let text_says = match (criminal, other) {
        (c, 0) if c > 0 => Some(1.0),
        (0, o) if o > 0 => Some(0.0),
        _ => None,
    };
    match text_says {
        Some(text) => 0.7 * text + 0.3 * neighbour_share,
        None => neighbour_share,
    }
}

/// The civil table's stated facts found in the text, with the first trigger word and where it is.
fn stated_facts(text: &str) -> Vec<(&'static CivilArticles, &'static str, usize)> {
    civil_articles()
        .iter()
        .filter(|row| row.kind == CivilRowKind::Fact)
        .filter_map(|row| {
            row.triggers
                .iter()
                .filter_map(|&trigger| text.find(trigger).map(|at| (at, trigger)))
                .min()
                .map(|(at, trigger)| (row, trigger, at))
        })
        .collect()
}

/// Vote weight of the judgment at `rank` (0-based): `1 / (1 + rank)^decay`.
fn voter_weight(rank: usize, decay: f32) -> f32 {
    (1.0 + rank as f32).powf(-decay)
}

impl Engine {
    /// Analyses a fact summary: [`analyze_text`], with the charges and causes of action of the
    /// most similar judgments voted in. `exclude_ids` never vote (the pending case itself).
    pub fn analyze(
        &self,
        text: &str,
        mode: Mode,
        exclude_ids: &[String],
    ) -> Result<Analysis, SearchError> {
        self.analyze_with(text, analyze_text(text), mode, exclude_ids)
    }

    /// [`Engine::analyze`] with the text's own analysis ([`analyze_text`]) already made.
    pub fn analyze_with(
        &self,
        text: &str,
        text_analysis: Analysis,
        mode: Mode,
        exclude_ids: &[String],
    ) -> Result<Analysis, SearchError> {
        let terms = self.query_terms(text);
        if terms.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let narrative = case_narrative(text);
        let search_terms = match self.config.link_narrative_only {
            true => self.query_terms(&narrative),
            false => terms,
        };
        let neighbours = self.similar_judgments(&narrative, &search_terms, mode, exclude_ids)?;
        Ok(self.analysis_with_votes(text_analysis, &neighbours))
    }

    /// Similar judgments (id, score, document), best first.
    fn similar_judgments(
        &self,
        text: &str,
        terms: &[(String, f32)],
        mode: Mode,
        exclude_ids: &[String],
    ) -> Result<Vec<(String, f32, leian_core::Judgment)>, SearchError> {
        let config = &self.config;
        let request = SearchRequest {
            text: text.to_string(),
            kind: Some(Kind::Judgment),
            mode,
            top_k: config.link_pool,
            filters: Filters::default(),
            exclude_ids: exclude_ids.to_vec(),
            all_terms: true,
        };
        let ranked = self.rank_terms(&request, terms, config.link_pool, crate::Stage::Rerank)?;
        let ids: Vec<String> = ranked.iter().map(|(id, _)| id.clone()).collect();
        let headers = self.store.judgment_headers(&ids)?;
        let mut judgments = Vec::new();
        let (mut citing, mut decided) = (0, 0);
        for ((id, score), header) in ranked.into_iter().zip(headers) {
            if citing >= config.link_voters && decided >= config.charge_voters {
                break;
            }
            if let Some(j) = header {
                citing += usize::from(!j.cited_articles.is_empty());
                decided += usize::from(!j.causes.is_empty());
                judgments.push((id, score, j));
            }
        }
        Ok(judgments)
    }

    /// The text's analysis with charge and cause votes of the `charge_voters` best judgments that
    /// name their causes, combined with the text's own mentions.
    fn analysis_with_votes(
        &self,
        mut analysis: Analysis,
        neighbours: &[(String, f32, leian_core::Judgment)],
    ) -> Analysis {
        let config = &self.config;
        let mut charge_votes: HashMap<&str, f32> = HashMap::new();
        let mut cause_votes: HashMap<&str, f32> = HashMap::new();
        let mut total = 0.0;
        for (rank, (_, _, judgment)) in neighbours
            .iter()
            .filter(|(_, _, j)| !j.causes.is_empty())
            .take(config.charge_voters)
            .enumerate()
        {
            let weight = voter_weight(rank, config.charge_vote_decay);
            total += weight;
            let causes: Vec<&str> = judgment
                .causes
                .iter()
                .flat_map(|c| split_joined_charges(c))
                .collect();
            let share = weight / causes.len() as f32;
            for cause in causes {
                match resolve_charge(cause) {
                    Some(charge) => *charge_votes.entry(charge.name).or_default() += share,
                    None if cause.ends_with('罪') => {
                        *charge_votes.entry(cause).or_default() += share
                    }
                    None => *cause_votes.entry(cause).or_default() += share,
                }
            }
        }
        let text_weight = config.charge_text_weight;
        let merge = |found: &mut Vec<Candidate>, votes: HashMap<&str, f32>, charges: bool| {
            for candidate in found.iter_mut() {
                candidate.score *= text_weight;
            }
            for (name, vote) in votes {
                let share = vote / total;
                match found.iter_mut().find(|c| c.name == name) {
                    Some(candidate) => {
                        candidate.similar_case_share = share;
                        candidate.score += (1.0 - text_weight) * share;
                    }
                    None => found.push(Candidate {
                        name: name.to_string(),
                        score: (1.0 - text_weight) * share,
                        articles: if charges {
                            resolve_charge(name)
                                .map(|c| c.articles.iter().map(|a| a.to_string()).collect())
                                .unwrap_or_default()
                        } else {
                            Vec::new()
                        },
                        mentions: 0,
                        similar_case_share: share,
                        start: None,
                        end: None,
                    }),
                }
            }
            found.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.name.cmp(&b.name)));
        };
        if total > 0.0 {
            merge(&mut analysis.charges, charge_votes, true);
            merge(&mut analysis.causes, cause_votes, false);
        }
        analysis
    }

    fn link(
        &self,
        request: &SearchRequest,
        depth: usize,
        text_analysis: Option<Analysis>,
    ) -> Result<Linked, SearchError> {
        if matches!(request.kind, Some(Kind::Judgment)) {
            return Err(SearchError::Invalid(
                "法条关联检索推荐的是法条，而请求检索的是裁判文书".into(),
            ));
        }
        let config = &self.config;
        let terms = self.query_terms(&request.text);
        if terms.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        // Similar cases and articles are sought with what happened, not with the evidence list.
        let narrative = case_narrative(&request.text);
        let search_terms = match config.link_narrative_only {
            true => self.query_terms(&narrative),
            false => terms.clone(),
        };
        let mode = self.effective_mode(request.mode);
        let neighbours = self.similar_judgments(
            &narrative,
            &search_terms,
            request.mode,
            &request.exclude_ids,
        )?;
        let text_analysis = text_analysis.unwrap_or_else(|| analyze_text(&request.text));
        let analysis = self.analysis_with_votes(text_analysis, &neighbours);
        // Charges and sentencing circumstances speak for criminal facts, causes of action and
        // stated civil facts for the others; a civil question against a criminal-heavy library
        // must not be answered with 刑法.
        let criminal = criminal_likelihood(&request.text, &neighbours) >= 0.5;
        let about_procedure = PROCEDURE_WORDS.iter().any(|w| request.text.contains(w));

        let mut evidence: HashMap<String, Evidence> = HashMap::new();
        // 1. The vote of the most similar judgments that cite articles.
        // Only judgments of the question's own field vote: a theft case's articles say nothing
        // about a loan.
        let voters: Vec<&(String, f32, leian_core::Judgment)> = neighbours
            .iter()
            .filter(|(_, _, j)| !j.cited_articles.is_empty())
            .filter(|(_, _, j)| {
                j.domain
                    .is_none_or(|d| (d == leian_core::Domain::Criminal) == criminal)
            })
            .take(config.link_voters)
            .collect();
        let total: f32 = (0..voters.len())
            .map(|r| voter_weight(r, config.link_vote_decay))
            .sum();
        // Outside criminal law a neighbour is trusted as far as it was decided under a cause
        // the question likely involves: a labour case's articles say little about a deposit.
        let likely_causes: Vec<&str> = analysis
            .causes
            .iter()
            .take(3)
            .map(|c| c.name.as_str())
            .collect();
        for (rank, (id, score, judgment)) in voters.iter().enumerate() {
            let related = criminal
                || judgment
                    .causes
                    .iter()
                    .any(|c| likely_causes.contains(&c.as_str()));
            let trust = if related { 1.0 } else { UNRELATED_VOTER_TRUST };
            let weight = trust * voter_weight(rank, config.link_vote_decay) / total;
            let cited: HashSet<String> = judgment
                .cited_articles
                .iter()
                .map(|a| repair_sub_article(a, &judgment.causes))
                .collect();
            for article in cited {
                let weight = match is_procedural(&article) && !about_procedure {
                    true => weight * config.link_procedural_vote_weight,
                    false => weight,
                };
                let entry = evidence.entry(article).or_default();
                entry.vote += weight;
                entry.citing.push((rank + 1, id.clone(), *score));
            }
        }
        // 2. Direct retrieval of article text.
        let direct_request = SearchRequest {
            text: narrative,
            kind: Some(Kind::Statute),
            ..request.clone()
        };
        let direct = match config.link_direct_candidates {
            0 => Vec::new(),
            n => self.rank_terms(&direct_request, &search_terms, n, crate::Stage::Rerank)?,
        };
        let best = direct.first().map_or(1.0, |(_, s)| s.max(f32::EPSILON));
        for (rank, (id, score)) in direct.iter().enumerate() {
            evidence.entry(id.clone()).or_default().direct = Some((rank + 1, *score, score / best));
        }
        // 3. The articles of the likely charges. The most likely one brings its articles
        // whatever its score: a judge reads the charge's own article first (SPC Art. 5), and a
        // weak top charge still beats the general-part articles every judgment cites.
        for (index, charge) in analysis.charges.iter().enumerate() {
            if !criminal {
                break;
            }
            if index > 0 && charge.score < config.link_min_charge_score {
                continue;
            }
            for article in &charge.articles {
                let entry = evidence
                    .entry(statute_id(CRIMINAL_LAW, article))
                    .or_default();
                if entry.charge.is_none_or(|(_, s)| s < charge.score) {
                    entry.charge = Some((index, charge.score));
                }
            }
        }
        // 4. The general-part articles the stated circumstances call for.
        for (index, circumstance) in analysis.circumstances.iter().enumerate() {
            if circumstance.negated || !criminal {
                continue;
            }
            for &(name, article, rate) in CIRCUMSTANCE_ARTICLES {
                if name != circumstance.name {
                    continue;
                }
                let entry = evidence
                    .entry(statute_id(CRIMINAL_LAW, &article.to_string()))
                    .or_default();
                if entry.circumstance.is_none_or(|(_, r)| r < rate) {
                    entry.circumstance = Some((index, rate));
                }
            }
        }
        // 5. The articles that decide the likely causes of action, and 6. those the stated civil
        // facts call for (dict/civil_articles.tsv).
        if !criminal {
            for (index, cause) in analysis.causes.iter().enumerate() {
                if index > 0 && cause.score < config.link_min_cause_score {
                    continue;
                }
                let rows = civil_articles()
                    .iter()
                    .filter(|row| row.kind == CivilRowKind::Cause && row.name == cause.name);
                for row in rows {
                    for article in &row.articles {
                        let entry = evidence.entry(statute_id(row.law, article)).or_default();
                        if entry.cause.is_none_or(|(_, s)| s < cause.score) {
                            entry.cause = Some((index, cause.score));
                        }
                    }
                }
            }
            for (row, trigger, at) in stated_facts(&request.text) {
                for article in &row.articles {
                    let entry = evidence.entry(statute_id(row.law, article)).or_default();
                    entry.fact.get_or_insert((row, trigger, at));
                }
            }
        }

        let excluded: HashSet<&str> = request.exclude_ids.iter().map(String::as_str).collect();
        let mut ranked = Vec::new();
        let mut flagged = Vec::new();
        for (id, evidence) in evidence {
            if excluded.contains(id.as_str()) {
                continue;
            }
            let statute = match self.store.document(&id)? {
                Some(Document::Statute(statute)) => statute,
                _ => {
                    flagged.push((id, None, None, evidence));
                    continue;
                }
            };
            if !statute_passes(&request.filters, &statute) {
                continue;
            }
            if statute
                .status
                .is_some_and(|status| status != StatuteStatus::InForce)
            {
                flagged.push((id, statute.status, statute.version_date, evidence));
                continue;
            }
            let support = evidence.vote
                + config.link_direct_weight * evidence.direct.map_or(0.0, |d| d.2)
                + config.link_charge_weight * evidence.charge.map_or(0.0, |c| c.1)
                + config.link_circumstance_weight * evidence.circumstance.map_or(0.0, |c| c.1)
                + config.link_cause_weight * evidence.cause.map_or(0.0, |c| c.1)
                + config.link_fact_weight * f32::from(u8::from(evidence.fact.is_some()));
            let leads = evidence
                .charge
                .is_some_and(|(index, score)| index == 0 && score >= config.link_lead_charge_min);
            let known = evidence.cause.is_some() || evidence.fact.is_some();
            let tier = match is_procedural(&id) && !about_procedure {
                // A procedural article never ranks as what decides the facts.
                true => Tier::Other,
                false if known => Tier::Specific,
                false => tier_of(is_general_part(&statute), leads, support, config),
            };
            ranked.push(Scored {
                id,
                support,
                tier,
                leads,
                evidence,
                statute,
            });
        }
        // The articles of the most likely charge lead their tier when it is likely enough.
        ranked.sort_by(|a, b| {
            a.tier
                .cmp(&b.tier)
                .then(b.leads.cmp(&a.leads))
                .then(b.support.total_cmp(&a.support))
                .then(a.id.cmp(&b.id))
        });
        ranked.truncate(depth);
        // Flagged articles matter when similar cases rely on them; the others are noise.
        // A few similar cases citing a repealed law (合同法, 婚姻法 …) is common in civil
        // libraries; only what a good share of them relies on is worth a judge's attention.
        flagged.retain(|(_, _, _, e)| {
            e.vote >= FLAGGED_MIN_VOTE
                || e.charge.is_some()
                || e.cause.is_some()
                || e.fact.is_some()
        });
        flagged.sort_by(|a, b| b.3.vote.total_cmp(&a.3.vote).then(a.0.cmp(&b.0)));
        flagged.truncate(FLAGGED_LISTED);
        Ok(Linked {
            mode,
            ranked,
            flagged,
            analysis,
            voters: voters.len(),
            terms,
        })
    }

    /// Ranked statute ids and scores from statute linking (what evaluation needs).
    pub fn rank_linked(
        &self,
        request: &SearchRequest,
        depth: usize,
    ) -> Result<Ranked, SearchError> {
        let linked = self.link(request, depth, None)?;
        Ok(linked
            .ranked
            .into_iter()
            .map(|s| {
                let score = s.score();
                (s.id, score)
            })
            .collect())
    }

    /// Recommends statute articles for a fact summary, each with the reasons for it (see the
    /// module documentation). `request.kind` must be statutes or unset; `request.filters` apply
    /// to the articles; `request.exclude_ids` are neither recommended nor allowed to vote.
    pub fn link_statutes(&self, request: &SearchRequest) -> Result<StatuteLinks, SearchError> {
        self.link_statutes_with(request, analyze_text(&request.text))
    }

    /// [`Engine::link_statutes`] with the text's own analysis ([`analyze_text`]) already made.
    pub fn link_statutes_with(
        &self,
        request: &SearchRequest,
        text_analysis: Analysis,
    ) -> Result<StatuteLinks, SearchError> {
        let started = Instant::now();
        if request.top_k == 0 || request.top_k > MAX_TOP_K {
            return Err(SearchError::Invalid(format!(
                "top_k 必须在 1 到 {MAX_TOP_K} 之间"
            )));
        }
        let linked = self.link(request, request.top_k, Some(text_analysis))?;
        let term_set: HashSet<String> = linked.terms.iter().map(|(t, _)| t.clone()).collect();
        let reasons = |evidence: &Evidence, statute: Option<&Statute>| {
            self.reasons(
                evidence,
                statute,
                &linked.analysis,
                linked.voters,
                &term_set,
            )
        };
        let hits = linked
            .ranked
            .iter()
            .enumerate()
            .map(|(rank, scored)| LinkedStatute {
                rank: rank + 1,
                id: scored.id.clone(),
                kind: Kind::Statute,
                score: scored.score(),
                support: scored.support,
                tier: scored.tier,
                title: Document::Statute(scored.statute.clone()).display_title(),
                law: scored.statute.law.clone(),
                article: scored.statute.article.clone(),
                status: scored.statute.status,
                reasons: reasons(&scored.evidence, Some(&scored.statute)),
                snippet: snippet("text", &scored.statute.text, &term_set),
            })
            .collect();
        let flagged = linked
            .flagged
            .iter()
            .map(|(id, status, version, evidence)| FlaggedStatute {
                id: id.clone(),
                status: *status,
                note: flag_note(*status, version.as_deref()),
                reasons: reasons(evidence, None),
            })
            .collect();
        Ok(StatuteLinks {
            mode: linked.mode,
            hits,
            flagged,
            query_terms: linked.terms.iter().map(|(t, _)| t.clone()).collect(),
            analysis: linked.analysis,
            took_ms: started.elapsed().as_secs_f64() * 1000.0,
        })
    }

    fn reasons(
        &self,
        evidence: &Evidence,
        statute: Option<&Statute>,
        analysis: &Analysis,
        voters: usize,
        terms: &HashSet<String>,
    ) -> Vec<LinkReason> {
        /// Citing cases listed per article; the count says how many there are in all.
        const CASES_LISTED: usize = 5;
        let mut reasons = Vec::new();
        if let Some((index, score)) = evidence.charge {
            let charge = &analysis.charges[index];
            reasons.push(LinkReason::PredictedCharge {
                charge: charge.name.clone(),
                score,
                start: charge.start,
                end: charge.end,
            });
        }
        if !evidence.citing.is_empty() {
            reasons.push(LinkReason::CitedBySimilarCases {
                share: evidence.vote,
                citing: evidence.citing.len(),
                voters,
                cases: evidence
                    .citing
                    .iter()
                    .take(CASES_LISTED)
                    .map(|(rank, id, score)| CitingCase {
                        id: id.clone(),
                        rank: *rank,
                        score: *score,
                    })
                    .collect(),
            });
        }
        if let Some((index, score)) = evidence.cause {
            let cause = &analysis.causes[index];
            reasons.push(LinkReason::CauseOfAction {
                cause: cause.name.clone(),
                score,
                start: cause.start,
                end: cause.end,
            });
        }
        if let Some((row, trigger, at)) = evidence.fact {
            reasons.push(LinkReason::StatedFact {
                name: row.name,
                text: trigger,
                start: at,
                end: at + trigger.len(),
            });
        }
        if let Some((index, rate)) = evidence.circumstance {
            let circumstance = &analysis.circumstances[index];
            reasons.push(LinkReason::Circumstance {
                name: circumstance.name,
                rate,
                text: circumstance.text.clone(),
                start: circumstance.start,
                end: circumstance.end,
            });
        }
        if let (Some((rank, score, _)), Some(statute)) = (evidence.direct, statute) {
            let mut matched: Vec<String> = Vec::new();
            for term in analyzer().terms(&statute.text) {
                if terms.contains(&term.text) && !matched.contains(&term.text) {
                    matched.push(term.text);
                }
            }
            reasons.push(LinkReason::MatchedTerms {
                rank,
                score,
                terms: matched,
            });
        }
        reasons
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statute(law: &str, article: &str, status: Option<StatuteStatus>) -> Statute {
        Statute {
            id: statute_id(law, article),
            law: law.into(),
            article: article.into(),
            number: article
                .split('之')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0),
            text: String::new(),
            level: Some("法律".into()),
            chapter: None,
            status,
            effective_date: None,
            version_date: Some("2020-12-26".into()),
            source: "test".into(),
        }
    }

    #[test]
    fn filters_apply_to_articles_as_the_index_would() {
        let theft = statute(CRIMINAL_LAW, "264", Some(StatuteStatus::InForce));
        let pass = |pairs: &[&str]| {
            statute_passes(&Filters::parse(pairs.iter().copied()).unwrap(), &theft)
        };
        assert!(pass(&[]));
        assert!(pass(&["law=中华人民共和国刑法"]));
        assert!(pass(&[
            "law=中华人民共和国民法典",
            "law=中华人民共和国刑法"
        ]));
        assert!(!pass(&["law=中华人民共和国民法典"]));
        assert!(pass(&["status=现行有效", "kind=statute"]));
        assert!(!pass(&["status=repealed"]));
        assert!(!pass(&["domain=criminal"]));
        assert!(pass(&["year=2020"]));
        assert!(!pass(&["year=2016..2018"]));
    }

    #[test]
    fn flag_notes_are_chinese_and_name_the_version() {
        let amended = flag_note(Some(StatuteStatus::Amended), Some("2017-09-01"));
        assert!(
            amended.starts_with("该条已被修改（所据版本2017-09-01）"),
            "{amended}"
        );
        assert!(flag_note(Some(StatuteStatus::Repealed), None).starts_with("该法已废止"));
        assert!(flag_note(None, None).contains("法规库中没有该条文"));
        for status in StatuteStatus::ALL {
            assert!(!flag_note(Some(*status), None).is_ascii());
        }
    }

    #[test]
    fn the_likely_charge_article_is_specific_whatever_its_support() {
        let config = SearchConfig::default();
        let weak = config.link_specific_min / 2.0;
        assert_eq!(tier_of(false, true, weak, &config), Tier::Specific);
        assert_eq!(tier_of(false, false, weak, &config), Tier::Other);
        assert_eq!(
            tier_of(false, false, config.link_specific_min, &config),
            Tier::Specific
        );
        // Leading never lifts a general-part article out of its tier rules.
        assert_eq!(tier_of(true, true, weak, &config), Tier::Other);
        assert_eq!(
            tier_of(true, false, config.link_general_min, &config),
            Tier::General
        );
    }

    #[test]
    fn general_part_is_criminal_law_up_to_101() {
        assert!(is_general_part(&statute(CRIMINAL_LAW, "67", None)));
        assert!(is_general_part(&statute(CRIMINAL_LAW, "101", None)));
        assert!(!is_general_part(&statute(CRIMINAL_LAW, "102", None)));
        assert!(!is_general_part(&statute(CRIMINAL_LAW, "133之一", None)));
        assert!(!is_general_part(&statute(
            "中华人民共和国刑事诉讼法",
            "15",
            None
        )));
    }

    #[test]
    fn whole_number_labels_of_added_articles_are_repaired() {
        let drunk = vec!["危险驾驶罪".to_string()];
        assert_eq!(
            repair_sub_article("中华人民共和国刑法第133条", &drunk),
            "中华人民共和国刑法第133条之一"
        );
        assert_eq!(
            repair_sub_article("中华人民共和国刑法第67条", &drunk),
            "中华人民共和国刑法第67条"
        );
        // 交通肇事罪 is defined in 133 itself.
        let both = vec!["交通肇事罪".to_string(), "危险驾驶罪".to_string()];
        assert_eq!(
            repair_sub_article("中华人民共和国刑法第133条", &both),
            "中华人民共和国刑法第133条"
        );
    }

    #[test]
    fn the_circumstance_table_names_known_circumstances_and_general_articles() {
        for (name, article, rate) in CIRCUMSTANCE_ARTICLES {
            assert!(
                leian_legal::analysis::CIRCUMSTANCES.contains(name),
                "{name}"
            );
            assert!(
                (1..=GENERAL_PART_LAST_ARTICLE).contains(article),
                "{article}"
            );
            assert!((0.0..=1.0).contains(rate));
        }
    }

    #[test]
    fn joined_charges_are_split() {
        assert_eq!(
            split_joined_charges("危险驾驶罪、妨害作证罪"),
            ["危险驾驶罪", "妨害作证罪"]
        );
        assert_eq!(
            split_joined_charges("走私、贩卖、运输、制造毒品罪"),
            ["走私、贩卖、运输、制造毒品罪"]
        );
        assert_eq!(split_joined_charges("民间借贷纠纷"), ["民间借贷纠纷"]);
    }

    #[test]
    fn procedural_laws_are_told_apart() {
        assert!(is_procedural("中华人民共和国民事诉讼法第64条"));
        assert!(is_procedural("中华人民共和国刑事诉讼法第15条"));
        assert!(!is_procedural("中华人民共和国民法典第587条"));
        assert!(!is_procedural("中华人民共和国刑法第264条"));
    }

    #[test]
    fn the_field_of_a_question_comes_from_its_words_then_its_neighbours() {
        let judged = |cause: &str| {
            let judgment = leian_core::Judgment {
                causes: vec![cause.to_string()],
                ..Default::default()
            };
            (String::new(), 1.0, judgment)
        };
        let criminal_neighbours: Vec<_> = (0..10).map(|_| judged("交通肇事罪")).collect();
        let civil_neighbours: Vec<_> = (0..10).map(|_| judged("民间借贷纠纷")).collect();
        // A civil claim against a criminal-heavy library stays civil.
        let claim = "许某被被告饲养的犬只咬伤，请求被告赔偿医疗费";
        assert!(criminal_likelihood(claim, &criminal_neighbours) < 0.5);
        let charge = "被告人酒后驾驶机动车，属醉酒驾驶";
        assert!(criminal_likelihood(charge, &civil_neighbours) >= 0.5);
        // Without telling words the neighbours decide.
        let bare = "酒后驾驶机动车，血液酒精含量152mg/100ml";
        assert!(criminal_likelihood(bare, &criminal_neighbours) >= 0.5);
        assert!(criminal_likelihood(bare, &civil_neighbours) < 0.5);
    }

    #[test]
    fn stated_civil_facts_bring_their_articles() {
        let found = stated_facts("被告收取定金后拒绝履行，原告请求返还双倍定金");
        let deposit = found.iter().find(|(row, _, _)| row.name == "定金").unwrap();
        assert_eq!(deposit.0.articles, ["586", "587"]);
        assert_eq!(deposit.1, "定金");
        assert!(stated_facts("今天天气很好").is_empty());
    }

    #[test]
    fn vote_weights_decay_with_rank() {
        assert_eq!(voter_weight(0, 1.0), 1.0);
        assert_eq!(voter_weight(3, 0.0), 1.0);
        assert!((voter_weight(3, 1.0) - 0.25).abs() < 1e-6);
    }
}
