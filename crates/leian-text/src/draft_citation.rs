//! Statute citations in a draft, as the judge wrote them, for checking against an index.
//!
//! [`crate::find_citations`] reads finished judgments to learn what they cite and silently drops
//! what it cannot read; a checker needs the opposite: every reference, including the broken ones
//! (`第条`, `第零条`, a range written backwards), with exact byte offsets so a drafting tool can
//! underline it. Recognised forms:
//! - law names in 《》 (nested titles in 〈〉 or 《》), and without marks after 依照 / 根据 / 违反 …
//!   (`依照刑法第264条`), or in a list after another law's articles (`…、刑事诉讼法第15条`);
//!   `该法` / `上述法律` refer to the law named before;
//! - `第N条`, `第N条之一`, `第N条第M款第（K）项`, Chinese or Arabic (also full-width) numerals;
//! - lists (`第264条、第67条第3款`, `第一款、第三款`, `第（二）项、第（三）项`): an article without a
//!   law name belongs to the law before it; ranges `第X条至第Y条` and `第X至Y条`.

use crate::citation::{chinese_small_number, full_law_name};
use crate::numerals::parse_chinese_number;
use regex::Regex;
use std::sync::LazyLock;

/// One reference found in a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftCitation {
    /// Byte range in the draft. The first reference after a law name includes the name
    /// (`《刑法》第二百六十四条`); the references after it in a list cover their own words only.
    pub start: usize,
    pub end: usize,
    /// The law name as written, without 《》 and any version note (`刑法`).
    pub law_as_written: String,
    /// Its full official form by [`full_law_name`] (`中华人民共和国刑法`).
    pub law: String,
    /// Whether the law name was written between 《》. A name without marks is only a citation
    /// when it names a known law: `根据规定第三条` is prose.
    pub marked: bool,
    pub reference: Reference,
}

/// What a citation points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// The law as a whole: `《中华人民共和国婚姻法》` with no article after it.
    Law,
    /// One article: `article` as in statute ids (`264`, `133之一`), with its 款 and 项 when given.
    Article {
        article: String,
        number: u32,
        paragraph: Option<u32>,
        item: Option<u32>,
    },
    /// The articles `第first条` to `第last条`.
    Range { first: u32, last: u32 },
    /// A reference that is wrong whatever the law says.
    Malformed(Malformation),
}

/// Which number of a reference is at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Article,
    SubArticle,
    Paragraph,
    Item,
}

impl Unit {
    fn label(self) -> &'static str {
        match self {
            Unit::Article => "条",
            Unit::SubArticle => "之",
            Unit::Paragraph => "款",
            Unit::Item => "项",
        }
    }
}

/// Why a reference cannot be right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Malformation {
    /// `第条`, `第款`.
    MissingNumber(Unit),
    /// `第零条`, `第0款`, `之零`.
    Zero(Unit),
    /// A number that is not one: `第十十条`, `第3a条`.
    BadNumeral { unit: Unit, written: String },
    /// `第十条至第五条`.
    ReversedRange { first: u32, last: u32 },
}

impl Malformation {
    /// A sentence for the judge, in Chinese.
    pub fn describe(&self) -> String {
        match self {
            Malformation::MissingNumber(unit) => {
                format!("“第{}”缺少序号", unit.label())
            }
            Malformation::Zero(Unit::SubArticle) => {
                "“之零”不存在：增加的条文从“之一”起编号".to_string()
            }
            Malformation::Zero(unit) => {
                let label = unit.label();
                format!("“第零{label}”不存在：{label}的序号从一开始")
            }
            Malformation::BadNumeral { unit, written } => format!(
                "“{written}”不是有效的{}序号（应写作“二百六十四”或“264”这样的数字）",
                unit.label()
            ),
            Malformation::ReversedRange { first, last } => {
                format!("条文范围“第{first}条至第{last}条”的起止顺序不对")
            }
        }
    }
}

/// Characters a mistyped article number may be made of; wider than numerals so that `第3a条`
/// and `第十十条` are reported rather than skipped.
const LOOSE: &str = r"[0-9０-９零〇一二两三四五六七八九十百千万a-zA-Zｘ]*";
const NUM: &str = r"[0-9０-９零〇一二两三四五六七八九十百千]+";
/// A compressed list of 款 or 项 numbers (`第一、四、七款`, `第（二）、（三）项`): the
/// separators and brackets after the first number.
const MORE: &str = r"(?:\s*[）)]?\s*[、，,]\s*[（(]?\s*[0-9０-９零〇一二两三四五六七八九十百千]+)*";
/// Word endings of statute names: 法, 法典, 条例, 规定, 解释 ….
const STATUTE_ENDINGS: &[&str] = &[
    "法",
    "法典",
    "条例",
    "规定",
    "解释",
    "决定",
    "办法",
    "细则",
    "规则",
    "批复",
    "纪要",
    "通知",
    "准则",
    "修正案",
];

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^第\s*({LOOSE})\s*条(?:之([0-9０-９零〇一二三四五六七八九十]+))?(?:\s*第\s*({LOOSE}{MORE})\s*款)?(?:\s*第\s*[（(]?\s*({LOOSE}{MORE})\s*[）)]?\s*项)?"
    ))
    .expect("article pattern")
});

static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^第\s*({NUM})\s*条?\s*(?:至|到|－|—|-|~|～)\s*第?\s*({NUM})\s*条"
    ))
    .expect("range pattern")
});

static PARAGRAPH_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^第\s*({LOOSE}{MORE})\s*款(?:\s*第\s*[（(]?\s*({LOOSE}{MORE})\s*[）)]?\s*项)?"
    ))
    .expect("paragraph pattern")
});

static ITEM_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^第\s*[（(]?\s*({LOOSE}{MORE})\s*[）)]?\s*项")).expect("item pattern")
});

static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\s|、|，|,|和|及|以及|与|或者|或)*").expect("separator pattern")
});

/// A version note right after a title: `《中华人民共和国民事诉讼法》（2017年修正）第…`.
static VERSION_NOTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[（(][^（）()]{0,20}(?:修正|修订|修改|年)[^（）()]{0,20}[）)]")
        .expect("version note pattern")
});

/// Words that introduce a legal basis, before a law name without marks.
const BASIS_WORDS: &str = r"(?:依照|依据|根据|按照|违反|适用|参照|援引|引用)(?:我国)?";

/// A law name without marks, after a word that introduces a legal basis.
static BARE_LAW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"{BASIS_WORDS}({})\s*第", bare_name_pattern())).expect("bare law pattern")
});

/// A law name without marks continuing a list of articles: `…第264条、刑事诉讼法第15条`.
static BARE_LAW_IN_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^(?:{BASIS_WORDS})?({})\s*第",
        bare_name_pattern()
    ))
    .expect("listed law pattern")
});

/// `该法第…`: the law named before. (Not `同法`: it is also the end of `合同法`.)
static SAME_LAW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:该|上述|前述)(?:法典|法律|法|条例|规定|解释|办法|决定)\s*第")
        .expect("same law pattern")
});

fn bare_name_pattern() -> String {
    let endings = STATUTE_ENDINGS
        .iter()
        .filter(|e| !e.ends_with("案") && **e != "通知" && **e != "纪要")
        .copied()
        .collect::<Vec<_>>()
        .join("|");
    format!(r"(?:中华人民共和国)?\p{{Han}}{{1,40}}?(?:{endings})")
}

/// Whether a name reads like the title of a statute (rather than of a contract, a report or a
/// book): it ends like one, once a version note or a part number (`（二）`) is set aside.
pub fn looks_like_statute_name(name: &str) -> bool {
    let name = full_law_name(name);
    let mut name = name.as_str();
    if let Some(open) = name.rfind(['（', '(']) {
        let part = &name[open..];
        if part
            .chars()
            .all(|c| "（()）一二三四五六七八九十0123456789".contains(c))
        {
            name = &name[..open];
        }
    }
    STATUTE_ENDINGS.iter().any(|e| name.ends_with(e))
}

/// A place where a law is named, followed by its articles (or by nothing).
struct Anchor {
    start: usize,
    /// Where the article references may begin.
    end: usize,
    /// `None` for `该法`: the law named before.
    name: Option<String>,
    marked: bool,
}

/// Every statute reference in `text`, in order.
pub fn find_draft_citations(text: &str) -> Vec<DraftCitation> {
    let mut anchors: Vec<Anchor> = marked_names(text)
        .into_iter()
        .map(|(start, end, name)| Anchor {
            start,
            end,
            name: Some(name),
            marked: true,
        })
        .collect();
    for caps in BARE_LAW.captures_iter(text) {
        let name = caps.get(1).expect("group 1");
        if !is_self_reference(name.as_str()) {
            anchors.push(Anchor {
                start: name.start(),
                end: name.end(),
                name: Some(name.as_str().to_string()),
                marked: false,
            });
        }
    }
    for found in SAME_LAW.find_iter(text) {
        anchors.push(Anchor {
            start: found.start(),
            end: found.end() - "第".len(),
            name: None,
            marked: false,
        });
    }
    anchors.sort_by_key(|a| a.start);

    let mut citations = Vec::new();
    let mut cursor = 0;
    let mut previous_law: Option<LawName> = None;
    for anchor in anchors {
        if anchor.start < cursor {
            continue;
        }
        let law = match anchor.name {
            Some(name) => LawName::new(&name, anchor.marked),
            None => match &previous_law {
                Some(law) => law.clone(),
                None => continue,
            },
        };
        let mut at = anchor.end;
        if anchor.marked {
            at += VERSION_NOTE.find(&text[at..]).map_or(0, |m| m.end());
        }
        let before = citations.len();
        let end = read_articles(text, at, anchor.start, law.clone(), &mut citations);
        if citations.len() == before {
            if anchor.marked {
                citations.push(law.citation(anchor.start, anchor.end, Reference::Law));
            }
            cursor = anchor.end;
        } else {
            cursor = end;
        }
        previous_law = citations.last().map(LawName::of);
    }
    citations
}

/// `本法`, `上述规定`: words that refer to a law without naming it.
fn is_self_reference(name: &str) -> bool {
    [
        "本", "该", "此", "其", "上述", "前述", "有关", "相关", "以上", "下列", "法律", "法规",
    ]
    .iter()
    .any(|p| name.starts_with(p))
}

#[derive(Debug, Clone)]
struct LawName {
    written: String,
    full: String,
    marked: bool,
}

impl LawName {
    fn new(written: &str, marked: bool) -> Self {
        LawName {
            written: written.trim().to_string(),
            full: full_law_name(written),
            marked,
        }
    }

    fn of(citation: &DraftCitation) -> Self {
        LawName {
            written: citation.law_as_written.clone(),
            full: citation.law.clone(),
            marked: citation.marked,
        }
    }

    fn citation(&self, start: usize, end: usize, reference: Reference) -> DraftCitation {
        DraftCitation {
            start,
            end,
            law_as_written: self.written.clone(),
            law: self.full.clone(),
            marked: self.marked,
            reference,
        }
    }
}

/// Titles between 《》, allowing one level of nesting in 《》 or 〈〉; (start, end) of the whole
/// title with its marks, and the inner name.
pub(crate) fn marked_names(text: &str) -> Vec<(usize, usize, String)> {
    const MAX_CHARS: usize = 100;
    let mut names = Vec::new();
    let mut open: Option<usize> = None;
    let mut depth = 0usize;
    let mut chars = 0usize;
    for (at, c) in text.char_indices() {
        match c {
            '《' if open.is_none() => {
                open = Some(at);
                depth = 1;
                chars = 0;
            }
            '《' => depth += 1,
            '》' if open.is_some() => {
                depth -= 1;
                if depth == 0 {
                    let start = open.take().expect("open");
                    let inner = &text[start + '《'.len_utf8()..at];
                    if chars >= 2 {
                        names.push((start, at + '》'.len_utf8(), inner.to_string()));
                    }
                }
            }
            '\n' | '\r' => open = None,
            _ => {}
        }
        if open.is_some() {
            chars += 1;
            if chars > MAX_CHARS + 2 {
                open = None;
            }
        }
    }
    names
}

/// The article references from `at` on, the first one starting its span at `first_start` (the
/// law name). Returns where the references end.
fn read_articles(
    text: &str,
    mut at: usize,
    first_start: usize,
    mut law: LawName,
    out: &mut Vec<DraftCitation>,
) -> usize {
    let mut end = at;
    let mut span_start = Some(first_start);
    // The article and paragraph a bare 款 or 项 continues.
    let mut previous: Option<(String, u32, Option<u32>)> = None;
    loop {
        let gap = if previous.is_none() && span_start.is_some() {
            // Right after the law name only spaces may come before the first article.
            text[at..].len() - text[at..].trim_start().len()
        } else {
            SEPARATOR.find(&text[at..]).map_or(0, |m| m.end())
        };
        let here = at + gap;
        let rest = &text[here..];
        let start = span_start.unwrap_or(here);
        if let Some(caps) = RANGE.captures(rest) {
            let first = parse_number(&caps[1], Unit::Article);
            let last = parse_number(&caps[2], Unit::Article);
            let reference = match (first, last) {
                (Ok(first), Ok(last)) if first < last => Reference::Range { first, last },
                (Ok(first), Ok(last)) => {
                    Reference::Malformed(Malformation::ReversedRange { first, last })
                }
                (Err(problem), _) | (_, Err(problem)) => Reference::Malformed(problem),
            };
            end = here + caps[0].len();
            out.push(law.citation(start, end, reference));
            previous = None;
        } else if let Some(caps) = ARTICLE.captures(rest) {
            let group = |i: usize| caps.get(i).map(|m| m.as_str());
            end = here + caps[0].len();
            let reference = article_reference(group(1).unwrap_or(""), group(2), group(3), group(4));
            previous = match &reference {
                Reference::Article {
                    article,
                    number,
                    paragraph,
                    ..
                } => Some((article.clone(), *number, *paragraph)),
                _ => None,
            };
            out.push(law.citation(start, end, reference));
        } else if let (Some(caps), Some((article, number, _))) =
            (PARAGRAPH_ONLY.captures(rest), previous.clone())
        {
            end = here + caps[0].len();
            let reference = continued_reference(
                article.clone(),
                number,
                Some(&caps[1]),
                caps.get(2).map(|m| m.as_str()),
                None,
            );
            if let Reference::Article { paragraph, .. } = &reference {
                previous = Some((article, number, *paragraph));
            }
            out.push(law.citation(start, end, reference));
        } else if let (Some(caps), Some((article, number, paragraph))) =
            (ITEM_ONLY.captures(rest), previous.clone())
        {
            end = here + caps[0].len();
            let reference = continued_reference(article, number, None, Some(&caps[1]), paragraph);
            out.push(law.citation(start, end, reference));
        } else if let Some(caps) = BARE_LAW_IN_LIST
            .captures(rest)
            .filter(|_| span_start.is_none())
            .filter(|c| !is_self_reference(&c[1]))
        {
            // Another law named in the same list; its first article's span starts at its name.
            let name = caps.get(1).expect("group 1");
            law = LawName::new(name.as_str(), false);
            at = here + name.end();
            span_start = Some(here + name.start());
            previous = None;
            continue;
        } else {
            break;
        }
        span_start = None;
        at = end;
    }
    end
}

fn article_reference(
    number: &str,
    sub: Option<&str>,
    paragraph: Option<&str>,
    item: Option<&str>,
) -> Reference {
    let main = match parse_number(number, Unit::Article) {
        Ok(main) => main,
        Err(problem) => return Reference::Malformed(problem),
    };
    let article = match sub.map(|s| parse_number(s, Unit::SubArticle)) {
        None => main.to_string(),
        Some(Ok(sub)) => format!("{main}之{}", chinese_small_number(u64::from(sub))),
        Some(Err(problem)) => return Reference::Malformed(problem),
    };
    continued_reference(article, main, paragraph, item, None)
}

/// A reference to `article` with the 款 and 项 written after it (or, for a bare 项, the
/// paragraph the list is in).
fn continued_reference(
    article: String,
    number: u32,
    paragraph: Option<&str>,
    item: Option<&str>,
    inherited_paragraph: Option<u32>,
) -> Reference {
    // A compressed list (`第一、四、七款`) is checked at the level above it: one reference can
    // name one paragraph or item.
    let is_list = |numbers: &&str| numbers.contains(['、', '，', ',']);
    if paragraph.as_ref().is_some_and(is_list) {
        return continued_reference(article, number, None, None, None);
    }
    let item = item.filter(|i| !is_list(i));
    let paragraph = match paragraph.map(|p| parse_number(p, Unit::Paragraph)) {
        None => inherited_paragraph,
        Some(Ok(p)) => Some(p),
        Some(Err(problem)) => return Reference::Malformed(problem),
    };
    let item = match item.map(|i| parse_number(i, Unit::Item)) {
        None => None,
        Some(Ok(i)) => Some(i),
        Some(Err(problem)) => return Reference::Malformed(problem),
    };
    Reference::Article {
        article,
        number,
        paragraph,
        item,
    }
}

/// An article, paragraph or item number in Arabic (also full-width) or Chinese numerals.
fn parse_number(written: &str, unit: Unit) -> Result<u32, Malformation> {
    let written = written.trim();
    if written.is_empty() {
        return Err(Malformation::MissingNumber(unit));
    }
    let ascii: String = written
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect();
    let value = if ascii.bytes().all(|b| b.is_ascii_digit()) {
        ascii.parse::<u32>().ok()
    } else {
        parse_chinese_number(&ascii).and_then(|n| u32::try_from(n).ok())
    };
    match value {
        Some(0) => Err(Malformation::Zero(unit)),
        Some(n) => Ok(n),
        None => Err(Malformation::BadNumeral {
            unit,
            written: written.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(article: &str, paragraph: Option<u32>, item: Option<u32>) -> Reference {
        let number = article
            .split('之')
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap();
        Reference::Article {
            article: article.into(),
            number,
            paragraph,
            item,
        }
    }

    fn spans(text: &str) -> Vec<(&str, String, Reference)> {
        find_draft_citations(text)
            .into_iter()
            .map(|c| (&text[c.start..c.end], c.law, c.reference))
            .collect()
    }

    const CRIMINAL: &str = "中华人民共和国刑法";

    #[test]
    fn lists_inherit_the_law_and_the_article() {
        let text = "依照《中华人民共和国刑法》第二百六十四条、第二十五条第一款、第二十七条，第六十七条第一款、第三款之规定";
        let found = spans(text);
        assert_eq!(found.len(), 5, "{found:?}");
        assert_eq!(found[0].0, "《中华人民共和国刑法》第二百六十四条");
        assert_eq!(found[0].2, article("264", None, None));
        assert_eq!(found[1].0, "第二十五条第一款");
        assert_eq!(found[1].2, article("25", Some(1), None));
        assert_eq!(found[2].2, article("27", None, None));
        assert_eq!(found[3].2, article("67", Some(1), None));
        assert_eq!(found[4].0, "第三款");
        assert_eq!(found[4].2, article("67", Some(3), None));
        assert!(found.iter().all(|f| f.1 == CRIMINAL));
    }

    #[test]
    fn items_sub_articles_and_arabic_numbers() {
        let found =
            spans("《刑法》第133条之一第一款第（二）项、第（三）项，《民法典》第１０７９条");
        assert_eq!(found[0].2, article("133之一", Some(1), Some(2)));
        assert_eq!(found[1].0, "第（三）项");
        assert_eq!(found[1].2, article("133之一", Some(1), Some(3)));
        assert_eq!(found[2].1, "中华人民共和国民法典");
        assert_eq!(found[2].2, article("1079", None, None));
    }

    #[test]
    fn compressed_lists_are_checked_one_level_up() {
        let found = spans(
            "《刑法》第三百四十七条第一、四、七款、第六十七条第三款，第一百三十三条之一第一款第（一）、（二）项",
        );
        assert_eq!(found[0].0, "《刑法》第三百四十七条第一、四、七款");
        assert_eq!(found[0].2, article("347", None, None));
        assert_eq!(found[1].2, article("67", Some(3), None));
        assert_eq!(found[2].2, article("133之一", Some(1), None));
    }

    #[test]
    fn ranges() {
        let found = spans("《刑法》第二十五条至第二十七条、第五十二至五十三条、第十条至第五条");
        assert_eq!(
            found[0].2,
            Reference::Range {
                first: 25,
                last: 27
            }
        );
        assert_eq!(
            found[1].2,
            Reference::Range {
                first: 52,
                last: 53
            }
        );
        assert_eq!(
            found[2].2,
            Reference::Malformed(Malformation::ReversedRange { first: 10, last: 5 })
        );
    }

    #[test]
    fn malformed_references_are_kept() {
        let found = spans("《刑法》第条、第零条、第十十条、第3a条、第67条第0款、第264条之零");
        let problems: Vec<Reference> = found.into_iter().map(|f| f.2).collect();
        assert_eq!(
            problems,
            [
                Reference::Malformed(Malformation::MissingNumber(Unit::Article)),
                Reference::Malformed(Malformation::Zero(Unit::Article)),
                Reference::Malformed(Malformation::BadNumeral {
                    unit: Unit::Article,
                    written: "十十".into()
                }),
                Reference::Malformed(Malformation::BadNumeral {
                    unit: Unit::Article,
                    written: "3a".into()
                }),
                Reference::Malformed(Malformation::Zero(Unit::Paragraph)),
                Reference::Malformed(Malformation::Zero(Unit::SubArticle)),
            ]
        );
    }

    #[test]
    fn names_without_marks_and_same_law_words() {
        let found = spans(
            "被告人的行为违反刑法第一百三十三条之一、道路交通安全法第九十一条，根据该法第二十二条",
        );
        assert_eq!(found[0].0, "刑法第一百三十三条之一");
        assert_eq!(found[0].2, article("133之一", None, None));
        assert!(!find_draft_citations("违反刑法第一百三十三条之一")[0].marked);
        assert_eq!(found[1].0, "道路交通安全法第九十一条");
        assert_eq!(found[1].1, "中华人民共和国道路交通安全法");
        assert_eq!(found[2].0, "该法第二十二条");
        assert_eq!(found[2].1, "中华人民共和国道路交通安全法");
        assert!(spans("根据本法第三条、依照上述规定第二条").is_empty());
    }

    #[test]
    fn whole_laws_nested_titles_and_version_notes() {
        let found = spans(
            "原《婚姻法》已失效。依照《最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）》第八条",
        );
        assert_eq!(found[0].0, "《婚姻法》");
        assert_eq!(found[0].2, Reference::Law);
        assert_eq!(
            found[1].1,
            "最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）"
        );
        assert_eq!(found[1].2, article("8", None, None));
        let found = spans("《最高人民法院关于适用《中华人民共和国刑事诉讼法》的解释》第一百条");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].2, article("100", None, None));
        let found = spans("《中华人民共和国民事诉讼法》（2017年修正）第六十四条");
        assert_eq!(found[0].1, "中华人民共和国民事诉讼法");
        assert_eq!(found[0].2, article("64", None, None));
    }

    #[test]
    fn byte_offsets_in_multibyte_text() {
        let text = "经审理，——依照《刑法》第264条";
        let found = find_draft_citations(text);
        assert_eq!(found[0].start, text.find('《').unwrap());
        assert_eq!(found[0].end, text.len());
    }

    #[test]
    fn statute_like_names() {
        assert!(looks_like_statute_name("刑法"));
        assert!(looks_like_statute_name("刑法修正案（十一）"));
        assert!(looks_like_statute_name(
            "最高人民法院关于适用〈中华人民共和国民法典〉婚姻家庭编的解释（一）"
        ));
        assert!(!looks_like_statute_name("借款合同"));
        assert!(!looks_like_statute_name("民事起诉状"));
        assert!(!looks_like_statute_name("鉴定意见书"));
    }
}
