//! Citation check of a draft: every statute reference in the text
//! ([`leian_text::find_draft_citations`]) resolved against the store's statute catalog and
//! classified for the judge: valid, article not found, law not found, repealed, amended or
//! malformed, with a plain-Chinese message and suggestions.
//!
//! Repealed laws are mostly absent from statute collections; they are known from the repeal
//! clauses of the laws that replaced them (民法典 第1260条 repeals 合同法, 婚姻法 …), which the
//! catalog keeps, so nothing here lists repealed laws by hand.
//!
//! Articles are named in one canonical form: Arabic numbers, 之一 in Chinese as statute books
//! write it, then 款 and 项: `第264条`, `第133条之一`, `第67条第3款`, `第25条第1款第2项`,
//! ranges `第25条至第27条`.

use leian_core::{CatalogArticle, CatalogLaw, StatuteCatalog, StatuteStatus, Store, StoreError};
use leian_text::{
    DraftCitation, Reference, find_draft_citations, full_law_name, looks_like_statute_name,
    parse_chinese_number, repeal_effective_date, repealed_instruments,
};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use utoipa::ToSchema;

/// How many articles or laws a problem suggests instead.
const SUGGESTIONS: usize = 3;
/// Least similarity for a law name to be suggested for an unknown one.
const MIN_NAME_SIMILARITY: f64 = 0.35;
const PRC: &str = "中华人民共和国";

/// What a citation's check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CitationStatus {
    /// The law and article exist and are in force.
    Valid,
    /// The law exists; the article (or its 款 / 项) does not.
    ArticleNotFound,
    /// No law of that name is known.
    LawNotFound,
    /// The law (or article) has been repealed.
    Repealed,
    /// The cited text is from a version that has since been amended.
    Amended,
    /// The reference cannot be right whatever the law (`第零条`, `第条`).
    Malformed,
}

impl CitationStatus {
    pub const ALL: &[CitationStatus] = &[
        CitationStatus::Valid,
        CitationStatus::ArticleNotFound,
        CitationStatus::LawNotFound,
        CitationStatus::Repealed,
        CitationStatus::Amended,
        CitationStatus::Malformed,
    ];

    /// The wire name (`article_not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            CitationStatus::Valid => "valid",
            CitationStatus::ArticleNotFound => "article_not_found",
            CitationStatus::LawNotFound => "law_not_found",
            CitationStatus::Repealed => "repealed",
            CitationStatus::Amended => "amended",
            CitationStatus::Malformed => "malformed",
        }
    }

    /// The status in Chinese, for the judge (`条文不存在`).
    pub fn label(self) -> &'static str {
        match self {
            CitationStatus::Valid => "有效",
            CitationStatus::ArticleNotFound => "条文不存在",
            CitationStatus::LawNotFound => "法律不存在",
            CitationStatus::Repealed => "已废止",
            CitationStatus::Amended => "已修改",
            CitationStatus::Malformed => "格式有误",
        }
    }
}

/// One checked citation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CheckedCitation {
    /// The citation as written (the law name is included for the first article after it).
    pub text: String,
    /// Byte offsets of `text` in the submitted draft.
    pub start: usize,
    pub end: usize,
    /// Full official law name, also when the draft used a short one; for an unknown law, the
    /// name as the draft wrote it.
    pub law: String,
    /// The article in canonical form (`第67条第3款`); `null` for the law as a whole or when the
    /// reference is malformed.
    pub article: Option<String>,
    pub status: CitationStatus,
    /// For the judge, in Chinese.
    pub message: String,
    /// Nearest valid articles, likely law names, or the law that replaced a repealed one, each
    /// written as a citation (`《中华人民共和国刑法》第264条`).
    pub suggestions: Vec<String>,
}

/// Every citation of a draft, in text order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct CitationReport {
    pub citations: Vec<CheckedCitation>,
}

impl CitationReport {
    /// Citations that are not valid.
    pub fn problems(&self) -> usize {
        self.citations
            .iter()
            .filter(|c| c.status != CitationStatus::Valid)
            .count()
    }

    /// `共 5 处引用：有效 3 处，条文不存在（article_not_found）1 处，已废止（repealed）1 处`.
    pub fn summary(&self) -> String {
        let counts: Vec<String> = CitationStatus::ALL
            .iter()
            .map(|s| (s, self.citations.iter().filter(|c| c.status == *s).count()))
            .filter(|(_, n)| *n > 0)
            .map(|(s, n)| match s {
                CitationStatus::Valid => format!("{} {n} 处", s.label()),
                _ => format!("{}（{}）{n} 处", s.label(), s.as_str()),
            })
            .collect();
        match self.citations.len() {
            0 => "未发现法条引用".to_string(),
            n => format!("共 {n} 处引用：{}", counts.join("，")),
        }
    }
}

/// Why a draft could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("文本为空")]
    EmptyText,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks every statute citation of `text` against `store`'s statutes.
pub fn check_citations(store: &dyn Store, text: &str) -> Result<CitationReport, CheckError> {
    if text.trim().is_empty() {
        return Err(CheckError::EmptyText);
    }
    let found = find_draft_citations(text);
    if found.is_empty() {
        return Ok(CitationReport::default());
    }
    let directory = LawDirectory::of(store.statute_catalog()?);
    let citations = found
        .iter()
        .take_while(|_| !leian_core::deadline::expired())
        .filter_map(|citation| directory.check(store, text, citation))
        .collect();
    Ok(CitationReport { citations })
}

/// A law known to be repealed from another law's repeal clause.
#[derive(Debug, Clone)]
struct Repeal {
    /// The repealed law's name as the clause writes it.
    law: String,
    by_law: String,
    by_article: String,
    effective: Option<String>,
}

/// Laws by lookup key, and the repeals the catalog's repeal clauses declare.
struct LawDirectory {
    catalog: Arc<StatuteCatalog>,
    /// Lookup key → full name in the catalog.
    laws: HashMap<String, String>,
    repeals: HashMap<String, Repeal>,
}

/// The lookup form of a law name: full name, no spaces, one kind of brackets (titles nested in a
/// title are written 〈〉 in a draft and 《》 in statute books).
fn name_key(name: &str) -> String {
    full_law_name(name)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '〈' | '<' | '﹤' | '＜' => '《',
            '〉' | '>' | '﹥' | '＞' => '》',
            '(' => '（',
            ')' => '）',
            c => c,
        })
        .collect()
}

fn is_alive(status: Option<StatuteStatus>) -> bool {
    matches!(
        status,
        None | Some(StatuteStatus::InForce | StatuteStatus::NotYetInForce)
    )
}

impl LawDirectory {
    /// The directory of `catalog`, built once per catalog (that is, per loaded snapshot) and
    /// kept for the drafts that follow.
    fn of(catalog: Arc<StatuteCatalog>) -> Arc<LawDirectory> {
        static LAST: Mutex<Option<Arc<LawDirectory>>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match last.as_ref() {
            Some(directory) if Arc::ptr_eq(&directory.catalog, &catalog) => directory.clone(),
            _ => {
                let directory = Arc::new(LawDirectory::new(catalog));
                *last = Some(directory.clone());
                directory
            }
        }
    }

    fn new(catalog: Arc<StatuteCatalog>) -> Self {
        let laws: HashMap<String, String> = catalog
            .laws()
            .map(|law| (name_key(&law.name), law.name.clone()))
            .collect();
        let live_keys: Vec<&String> = laws
            .iter()
            .filter(|(_, name)| catalog.law(name).is_some_and(|l| is_alive(l.status())))
            .map(|(key, _)| key)
            .collect();
        let mut repeals: HashMap<String, Repeal> = HashMap::new();
        for law in catalog.laws() {
            let own_key = name_key(&law.name);
            for (article, text) in &law.repeal_clauses {
                for repealed in repealed_instruments(text) {
                    let key = name_key(&repealed);
                    // A title re-issued for a new version (a judicial interpretation replacing
                    // its predecessor of the same name) is not a repealed law.
                    if key == own_key || live_keys.iter().any(|live| live.ends_with(&key)) {
                        continue;
                    }
                    let repeal = Repeal {
                        law: full_law_name(&repealed),
                        by_law: law.name.clone(),
                        by_article: article.clone(),
                        effective: repeal_effective_date(text)
                            .or_else(|| law.effective_date.clone()),
                    };
                    // A law in force is the better authority than a repealed one that once
                    // repealed the same instrument.
                    let replaces = match repeals.get(&key) {
                        None => true,
                        Some(known) => {
                            !is_alive(catalog.law(&known.by_law).and_then(|l| l.status()))
                                && is_alive(law.status())
                        }
                    };
                    if replaces {
                        repeals.insert(key, repeal);
                    }
                }
            }
        }
        LawDirectory {
            catalog,
            laws,
            repeals,
        }
    }

    /// The catalog law or the repeal a written name stands for. A name written shorter than the
    /// official title (`道路交通安全法实施条例`, a judicial interpretation without its issuer) is
    /// taken when exactly one known name ends with it.
    fn resolve(&self, written: &str) -> Resolved<'_> {
        let key = name_key(written);
        let law = |name: &String| self.catalog.law(name).map(Resolved::Law);
        if let Some(found) = self.laws.get(&key).and_then(law) {
            return found;
        }
        if let Some(repeal) = self.repeals.get(&key) {
            return Resolved::RepealedOnly(repeal);
        }
        if key.chars().count() >= 4 {
            let mut endings = self.laws.iter().filter(|(k, _)| k.ends_with(&key));
            if let (Some((_, name)), None) = (endings.next(), endings.next())
                && let Some(found) = law(name)
            {
                return found;
            }
            let mut endings = self.repeals.iter().filter(|(k, _)| k.ends_with(&key));
            if let (Some((_, repeal)), None) = (endings.next(), endings.next()) {
                return Resolved::RepealedOnly(repeal);
            }
        }
        Resolved::Unknown
    }

    /// The checked form of one found citation; `None` when it is not a statute citation after
    /// all (`《借款合同》第五条`, or a name without marks that no statute has).
    fn check(
        &self,
        store: &dyn Store,
        text: &str,
        citation: &DraftCitation,
    ) -> Option<CheckedCitation> {
        let resolved = self.resolve(&citation.law_as_written);
        let known = !matches!(resolved, Resolved::Unknown);
        if !known && !self.is_statute_citation(citation) {
            return None;
        }
        let law_name = match &resolved {
            Resolved::Law(law) => law.name.clone(),
            Resolved::RepealedOnly(repeal) => repeal.law.clone(),
            // No official name to give: completing it would invent a law.
            Resolved::Unknown => citation.law_as_written.clone(),
        };
        let (article, verdict) = match &citation.reference {
            Reference::Malformed(problem) => (
                None,
                Verdict::new(CitationStatus::Malformed, problem.describe()),
            ),
            reference => {
                let verdict = match resolved {
                    Resolved::Unknown => self.unknown_law(&law_name),
                    Resolved::RepealedOnly(repeal) => self.repealed_law(repeal),
                    Resolved::Law(law) => self.check_in_law(store, law, reference),
                };
                (canonical_reference(reference), verdict)
            }
        };
        Some(CheckedCitation {
            text: text[citation.start..citation.end].to_string(),
            start: citation.start,
            end: citation.end,
            law: law_name,
            article,
            status: verdict.status,
            message: verdict.message,
            suggestions: verdict.suggestions,
        })
    }

    fn unknown_law(&self, name: &str) -> Verdict {
        Verdict {
            status: CitationStatus::LawNotFound,
            message: format!("法规库中没有《{name}》，请核对法律名称"),
            suggestions: self.similar_law_names(name),
        }
    }

    fn repealed_law(&self, repeal: &Repeal) -> Verdict {
        let from = repeal
            .effective
            .as_deref()
            .map(|d| format!("自{d}起"))
            .unwrap_or_default();
        Verdict {
            status: CitationStatus::Repealed,
            message: format!(
                "《{}》已{from}由《{}》{}废止，请改引现行法律",
                repeal.law,
                repeal.by_law,
                leian_core::statute_id("", &repeal.by_article)
            ),
            suggestions: vec![format!("《{}》", repeal.by_law)],
        }
    }

    fn check_in_law(&self, store: &dyn Store, law: &CatalogLaw, reference: &Reference) -> Verdict {
        let name = &law.name;
        let law_status = law.status();
        if law_status == Some(StatuteStatus::Repealed) {
            return match self.repeals.get(&name_key(name)) {
                Some(repeal) => self.repealed_law(repeal),
                None => Verdict::new(
                    CitationStatus::Repealed,
                    format!("《{name}》已废止，请改引现行法律"),
                ),
            };
        }
        match reference {
            Reference::Law if is_alive(law_status) => {
                Verdict::new(CitationStatus::Valid, format!("《{name}》现行有效"))
            }
            Reference::Law => Verdict::new(
                CitationStatus::Amended,
                format!(
                    "法规库中的《{name}》是已被修改的版本{}，请核对现行文本",
                    version_note(
                        law.articles
                            .iter()
                            .filter_map(|a| a.version_date.as_deref())
                            .max()
                    )
                ),
            ),
            Reference::Article {
                article,
                number,
                paragraph,
                item,
            } => match law.article(article) {
                None => Verdict {
                    status: CitationStatus::ArticleNotFound,
                    message: format!(
                        "《{name}》没有{}{}",
                        leian_core::statute_id("", article),
                        numbering_note(law)
                    ),
                    suggestions: nearest_articles(law, *number, sub_number(article)),
                },
                Some(found) => match structure_problem(found, *paragraph, *item) {
                    Some(problem) => Verdict {
                        status: CitationStatus::ArticleNotFound,
                        message: format!(
                            "《{name}》{}{problem}",
                            leian_core::statute_id("", article)
                        ),
                        suggestions: vec![cited(name, &leian_core::statute_id("", article))],
                    },
                    None => article_status(store, law, found, reference),
                },
            },
            Reference::Range { first, last } => {
                let (missing, missing_count) = missing_in_range(law, *first, *last);
                let range = format!("第{first}条至第{last}条");
                if missing_count == 0 {
                    return Verdict::new(
                        CitationStatus::Valid,
                        format!("《{name}》{range}均现行有效"),
                    );
                }
                let listed: Vec<String> = missing.iter().map(|n| format!("第{n}条")).collect();
                let more = if missing_count > missing.len() as u64 {
                    "等"
                } else {
                    ""
                };
                Verdict {
                    status: CitationStatus::ArticleNotFound,
                    message: format!(
                        "《{name}》{range}中没有{}{more}{}",
                        listed.join("、"),
                        numbering_note(law)
                    ),
                    suggestions: nearest_articles(law, missing[0], 0),
                }
            }
            Reference::Malformed(problem) => {
                Verdict::new(CitationStatus::Malformed, problem.describe())
            }
        }
    }

    /// Whether an unknown title is meant as a statute. A title alone must read like a law's
    /// (`《不存在法》`): drafts name many documents (`《道路交通事故认定书》`, `《关于…的通知》`)
    /// as evidence. With an article after it, a statute-like ending will do, or a short title
    /// close to a known law's (`《刑罚》第264条`); contracts (`《借款合同》第五条`) are neither.
    fn is_statute_citation(&self, citation: &DraftCitation) -> bool {
        let name = &citation.law_as_written;
        if !citation.marked {
            return false;
        }
        if citation.reference == Reference::Law {
            let name = full_law_name(name);
            return name.ends_with('法') || name.ends_with("法典");
        }
        looks_like_statute_name(name) || self.resembles_a_law(name)
    }

    /// Whether a title that does not read like a statute's (`《刑罚》`) is still a misspelt law
    /// name: short, and close to a known one.
    fn resembles_a_law(&self, name: &str) -> bool {
        const MAX_CHARS: usize = 12;
        const MIN_SIMILARITY: f64 = 0.5;
        let wanted = name.trim_start_matches(PRC);
        wanted.chars().count() <= MAX_CHARS
            && self.catalog.laws().any(|law| {
                name_similarity(wanted, law.name.trim_start_matches(PRC)) >= MIN_SIMILARITY
            })
    }

    /// Known law names most like `name`, in force first.
    fn similar_law_names(&self, name: &str) -> Vec<String> {
        let wanted = name.trim_start_matches(PRC);
        let mut scored: Vec<(f64, &str)> = self
            .catalog
            .laws()
            .filter(|law| is_alive(law.status()))
            .map(|law| {
                let candidate = law.name.trim_start_matches(PRC);
                (name_similarity(wanted, candidate), law.name.as_str())
            })
            .filter(|(score, _)| *score >= MIN_NAME_SIMILARITY)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        scored
            .into_iter()
            .take(SUGGESTIONS)
            .map(|(_, name)| format!("《{name}》"))
            .collect()
    }
}

enum Resolved<'d> {
    Law(&'d CatalogLaw),
    RepealedOnly(&'d Repeal),
    Unknown,
}

struct Verdict {
    status: CitationStatus,
    message: String,
    suggestions: Vec<String>,
}

impl Verdict {
    fn new(status: CitationStatus, message: String) -> Self {
        Verdict {
            status,
            message,
            suggestions: Vec::new(),
        }
    }
}

/// Text similarity an article of the current version needs to be named as the successor of an
/// article only an older version has: the Dice coefficient of their character bigrams. Articles
/// moved by a renumbering keep most of their wording (well above 0.5); unrelated articles of one
/// law share its vocabulary but stay below it.
const SUCCESSOR_MIN_SIMILARITY: f32 = 0.5;

fn bigrams(text: &str) -> HashMap<(char, char), u32> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let mut counts = HashMap::new();
    for pair in chars.windows(2) {
        *counts.entry((pair[0], pair[1])).or_insert(0) += 1;
    }
    counts
}

fn dice(a: &HashMap<(char, char), u32>, b: &HashMap<(char, char), u32>) -> f32 {
    let total: u32 = a.values().sum::<u32>() + b.values().sum::<u32>();
    let shared: u32 = a
        .iter()
        .map(|(gram, n)| (*n).min(b.get(gram).copied().unwrap_or(0)))
        .sum();
    match total {
        0 => 0.0,
        _ => 2.0 * shared as f32 / total as f32,
    }
}

/// The article of the current version whose text is most like `old`'s (an article only a
/// superseded version has), with the similarity, when it reaches [`SUCCESSOR_MIN_SIMILARITY`].
/// Only the index's own texts are compared: no renumbering table is assumed.
fn successor(store: &dyn Store, law: &CatalogLaw, old: &CatalogArticle) -> Option<(String, f32)> {
    let text_of = |article: &str| match store.document(&leian_core::statute_id(&law.name, article))
    {
        Ok(Some(leian_core::Document::Statute(statute))) => Some(statute.text),
        _ => None,
    };
    let old_grams = bigrams(&text_of(&old.article)?);
    law.articles
        .iter()
        .filter(|a| is_alive(a.status))
        .filter_map(|a| {
            Some((
                a.article.clone(),
                dice(&old_grams, &bigrams(&text_of(&a.article)?)),
            ))
        })
        .filter(|(_, similarity)| *similarity >= SUCCESSOR_MIN_SIMILARITY)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The verdict for an article that exists, from its own status.
fn article_status(
    store: &dyn Store,
    law: &CatalogLaw,
    article: &CatalogArticle,
    cited: &Reference,
) -> Verdict {
    let name = &law.name;
    let numbered = leian_core::statute_id("", &article.article);
    let cited = canonical_reference(cited).unwrap_or_else(|| numbered.clone());
    match article.status {
        Some(StatuteStatus::Repealed) => Verdict::new(
            CitationStatus::Repealed,
            format!("《{name}》{numbered}已废止"),
        ),
        Some(StatuteStatus::Amended | StatuteStatus::Historical) => {
            let current_exists = law.articles.iter().any(|a| is_alive(a.status));
            let note = version_note(article.version_date.as_deref());
            if current_exists {
                let mut suggestions =
                    nearest_articles(law, article.number, sub_number(&article.article));
                let message = match successor(store, law, article) {
                    Some((current, similarity)) => {
                        // As `cited` writes a citation (the name is shadowed here).
                        let current = format!("《{name}》{}", leian_core::statute_id("", &current));
                        suggestions.retain(|s| *s != current);
                        suggestions.insert(0, current.clone());
                        suggestions.truncate(SUGGESTIONS);
                        format!(
                            "《{name}》{numbered}只见于已被修改的版本{note}，现行版本中没有这一条；内容最接近的现行条文是{current}（文字相似度{similarity:.2}），请核对"
                        )
                    }
                    None => format!(
                        "《{name}》{numbered}只见于已被修改的版本{note}，现行版本中没有这一条"
                    ),
                };
                Verdict {
                    status: CitationStatus::Amended,
                    message,
                    suggestions,
                }
            } else {
                Verdict::new(
                    CitationStatus::Amended,
                    format!(
                        "《{name}》{numbered}引自已被修改的版本{note}，法规库中没有现行文本，请核对该条现行规定"
                    ),
                )
            }
        }
        Some(StatuteStatus::NotYetInForce) => Verdict::new(
            CitationStatus::Valid,
            format!(
                "《{name}》{numbered}存在，但该法尚未施行{}",
                law.effective_date
                    .as_deref()
                    .map(|d| format!("（{d}起施行）"))
                    .unwrap_or_default()
            ),
        ),
        Some(StatuteStatus::InForce) | None => {
            Verdict::new(CitationStatus::Valid, format!("《{name}》{cited}现行有效"))
        }
    }
}

/// What is wrong with the 款 / 项 of an existing article, if anything.
fn structure_problem(
    article: &CatalogArticle,
    paragraph: Option<u32>,
    item: Option<u32>,
) -> Option<String> {
    let paragraphs = &article.paragraph_items;
    if paragraphs.is_empty() {
        return None;
    }
    let items_of = |paragraph: u32| -> Option<(String, u16)> {
        let count = *paragraphs.get(usize::try_from(paragraph).ok()? - 1)?;
        Some((format!("第{paragraph}款"), count))
    };
    if let Some(p) = paragraph
        && usize::try_from(p).is_ok_and(|p| p > paragraphs.len())
    {
        return Some(format!("只有{}款，没有第{p}款", paragraphs.len()));
    }
    let item = item?;
    let (place, count) = match paragraph {
        Some(p) => items_of(p)?,
        None => {
            // An item without its paragraph: unambiguous only when one paragraph has items.
            let with_items: Vec<u16> = paragraphs.iter().copied().filter(|n| *n > 0).collect();
            match with_items.as_slice() {
                [] => (String::new(), 0),
                [count] => (String::new(), *count),
                _ => return None,
            }
        }
    };
    match count {
        0 => Some(format!("{place}没有分项，没有第{item}项")),
        n if u32::from(n) < item => Some(format!("{place}只有{n}项，没有第{item}项")),
        _ => None,
    }
}

/// `（共有第1条至第452条）`: the numbering a missing article was looked for in.
fn numbering_note(law: &CatalogLaw) -> String {
    match (law.articles.first(), law.articles.last()) {
        (Some(first), Some(last)) => {
            format!("（该法条文为第{}条至第{}条）", first.number, last.number)
        }
        _ => String::new(),
    }
}

fn version_note(date: Option<&str>) -> String {
    date.map(|d| format!("（{d}）")).unwrap_or_default()
}

/// `之一` → 1; 0 for a whole-number article.
fn sub_number(article: &str) -> u32 {
    article
        .split_once('之')
        .and_then(|(_, sub)| parse_chinese_number(sub))
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(0)
}

/// The articles of `law` nearest to article `number` (sub-article `sub`), in force first.
fn nearest_articles(law: &CatalogLaw, number: u32, sub: u32) -> Vec<String> {
    let mut candidates: Vec<&CatalogArticle> = law.articles.iter().collect();
    candidates.sort_by_key(|a| {
        (
            !is_alive(a.status),
            a.number.abs_diff(number),
            sub_number(&a.article).abs_diff(sub),
            a.number,
        )
    });
    candidates
        .into_iter()
        .take(SUGGESTIONS)
        .map(|a| cited(&law.name, &leian_core::statute_id("", &a.article)))
        .collect()
}

fn cited(law: &str, article: &str) -> String {
    format!("《{law}》{article}")
}

/// The canonical article form of a reference (see the module documentation).
fn canonical_reference(reference: &Reference) -> Option<String> {
    match reference {
        Reference::Law | Reference::Malformed(_) => None,
        Reference::Article {
            article,
            paragraph,
            item,
            ..
        } => {
            let mut out = leian_core::statute_id("", article);
            if let Some(p) = paragraph {
                out.push_str(&format!("第{p}款"));
            }
            if let Some(i) = item {
                out.push_str(&format!("第{i}项"));
            }
            Some(out)
        }
        Reference::Range { first, last } => Some(format!("第{first}条至第{last}条")),
    }
}

/// How alike two law names are, 0 to 1: character bigrams in common (Sørensen–Dice) for names
/// that share words in another order or length, edit distance for typos in short names.
fn name_similarity(a: &str, b: &str) -> f64 {
    // An abbreviation keeps the title's characters in order (`民诉法解释` in
    // `最高人民法院关于适用《中华人民共和国民事诉讼法》的解释`); shorter titles fit it better.
    let a_chars = a.chars().count();
    let b_chars = b.chars().count();
    if a_chars >= 3 && a_chars < b_chars && is_subsequence(a, b) {
        return 0.5 + 0.5 * a_chars as f64 / b_chars as f64;
    }
    let dice = strsim::sorensen_dice(a, b);
    let edit = strsim::normalized_levenshtein(a, b);
    // A name that contains the other whole (`民间借贷规定` in the full interpretation title is
    // not, but `道路交通安全法` in its 实施条例 is) is a strong hint.
    let contained = if !a.is_empty() && (b.contains(a) || a.contains(b)) {
        0.3
    } else {
        0.0
    };
    (dice.max(edit) + contained).min(1.0)
}

/// Whether the characters of `short` appear in `long` in the same order.
fn is_subsequence(short: &str, long: &str) -> bool {
    let mut long = long.chars();
    short.chars().all(|c| long.any(|l| l == c))
}

/// Missing articles listed for a range citation.
const RANGE_MISSING_LISTED: usize = 5;

/// The first few whole article numbers of `first..=last` the law lacks, and how many it lacks.
/// Works from the law's own articles, so a range as wide as `第1条至第4294967295条` costs no
/// more than the law's length (a number-by-number walk would take minutes and gigabytes).
fn missing_in_range(law: &leian_core::CatalogLaw, first: u32, last: u32) -> (Vec<u32>, u64) {
    let held: std::collections::BTreeSet<u32> = law
        .articles
        .iter()
        .filter(|a| a.article == a.number.to_string())
        .map(|a| a.number)
        .filter(|n| (first..=last).contains(n))
        .collect();
    let missing_count = u64::from(last - first) + 1 - held.len() as u64;
    let listed = (first..=last)
        .filter(|n| !held.contains(n))
        .take(RANGE_MISSING_LISTED)
        .collect();
    (listed, missing_count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_forms() {
        let article = |article: &str, paragraph, item| Reference::Article {
            article: article.into(),
            number: 0,
            paragraph,
            item,
        };
        assert_eq!(
            canonical_reference(&article("133之一", Some(1), Some(2))).unwrap(),
            "第133条之一第1款第2项"
        );
        assert_eq!(
            canonical_reference(&article("67", Some(3), None)).unwrap(),
            "第67条第3款"
        );
        assert_eq!(
            canonical_reference(&Reference::Range {
                first: 25,
                last: 27
            })
            .unwrap(),
            "第25条至第27条"
        );
        assert_eq!(canonical_reference(&Reference::Law), None);
    }

    #[test]
    fn keys_and_similarity() {
        assert_eq!(name_key("刑法"), "中华人民共和国刑法");
        assert_eq!(
            name_key("最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）"),
            "最高人民法院关于适用《中华人民共和国民法典》婚姻家庭编的解释（一）"
        );
        assert!(name_similarity("刑事诉讼法", "刑事诉讼法") > 0.99);
        assert!(name_similarity("刑诉法", "刑事诉讼法") > name_similarity("刑诉法", "民法典"));
        let interpretation = "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释";
        assert!(
            name_similarity("民诉法解释", interpretation) > name_similarity("民诉法解释", "民法典")
        );
        assert_eq!(
            name_key("最高人民法院关于适用﹤中华人民共和国民事诉讼法﹥的解释"),
            name_key(interpretation)
        );
        assert_eq!(sub_number("133之一"), 1);
        assert_eq!(sub_number("133"), 0);
    }

    #[test]
    fn a_huge_range_costs_the_law_not_the_range() {
        let law = leian_core::CatalogLaw {
            name: "中华人民共和国刑法".into(),
            articles: ["1", "2", "3", "133之一", "5"]
                .iter()
                .map(|article| leian_core::CatalogArticle {
                    article: article.to_string(),
                    number: article.split('之').next().unwrap().parse().unwrap(),
                    status: None,
                    version_date: None,
                    paragraph_items: Vec::new(),
                })
                .collect(),
            ..Default::default()
        };
        assert_eq!(missing_in_range(&law, 1, 3), (vec![], 0));
        assert_eq!(missing_in_range(&law, 2, 6), (vec![4, 6], 2));
        let started = std::time::Instant::now();
        let (listed, count) = missing_in_range(&law, 1, u32::MAX);
        assert_eq!(listed, [4, 6, 7, 8, 9]);
        assert_eq!(count, u64::from(u32::MAX) - 4);
        assert!(started.elapsed() < std::time::Duration::from_millis(100));
    }
}
