//! Statute citations in judgments and drafts:
//! `依照《中华人民共和国刑法》第二百六十四条、第六十七条第三款之规定` → one citation per article,
//! Chinese numerals turned into Arabic, 款 and 项 kept as detail.

use crate::numerals::parse_chinese_number;
use leian_core::statute_id;
use regex::Regex;
use std::sync::LazyLock;

/// One cited article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citation {
    /// The law name as written between 《》.
    pub law_as_written: String,
    /// The full law name (`中华人民共和国刑法` for `刑法`).
    pub law: String,
    /// Article number in Arabic digits: `264`, `133之一`.
    pub article: String,
    /// 款 (paragraph), 1-based.
    pub paragraph: Option<u32>,
    /// 项 (item), 1-based.
    pub item: Option<u32>,
    /// Byte range of the article reference (`第六十七条第三款`) in the text.
    pub start: usize,
    pub end: usize,
}

impl Citation {
    /// The statute id of the cited article (`中华人民共和国刑法第67条`).
    pub fn statute_id(&self) -> String {
        statute_id(&self.law, &self.article)
    }
}

const NUM: &str = r"[0-9零〇一二两三四五六七八九十百千]+";

static LAW_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"《([^《》\n]{2,100})》").expect("law name pattern"));

static ARTICLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"^第({NUM})条(?:之({NUM}))?(?:第({NUM})款)?(?:第[（(]?({NUM})[）)]?项)?"
    ))
    .expect("article pattern")
});

static PARAGRAPH_ONLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^第({NUM})款(?:第[（(]?({NUM})[）)]?项)?")).expect("paragraph pattern")
});

static SEPARATOR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\s|、|，|,|和|及|以及|与|或者|或)*").expect("separator pattern")
});

static VERSION_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[（(][^（）()]*(?:修正|修订|修改|年)[^（）()]*[）)]$").expect("version pattern")
});

fn number(text: &str) -> Option<u32> {
    match text.parse::<u32>() {
        Ok(n) => Some(n),
        Err(_) => parse_chinese_number(text).and_then(|n| u32::try_from(n).ok()),
    }
}

/// The full official name for a law name as a judgment writes it: strips a version note
/// (`（2018年修正）`) and prefixes `中华人民共和国` to the short names of national laws
/// (`刑法`, `民法典`, `刑事诉讼法`).
pub fn full_law_name(written: &str) -> String {
    let name = VERSION_SUFFIX
        .replace(written.trim(), "")
        .trim()
        .to_string();
    let is_national_law_short_name = !name.starts_with("中华人民共和国")
        && (name.ends_with('法') || name.ends_with("法典"))
        && ![
            "关于",
            "规定",
            "解释",
            "决定",
            "条例",
            "办法",
            "意见",
            "最高人民",
            "省",
            "市",
        ]
        .iter()
        .any(|marker| name.contains(marker));
    if is_national_law_short_name {
        format!("中华人民共和国{name}")
    } else {
        name
    }
}

/// Every article citation in `text`, in order.
pub fn find_citations(text: &str) -> Vec<Citation> {
    let mut citations = Vec::new();
    for law_match in LAW_NAME.captures_iter(text) {
        let (Some(whole), Some(name)) = (law_match.get(0), law_match.get(1)) else {
            continue;
        };
        let law_as_written = name.as_str().to_string();
        let law = full_law_name(&law_as_written);
        let mut at = whole.end();
        let mut previous: Option<(String, usize)> = None; // article and index in `citations`
        loop {
            at += SEPARATOR.find(&text[at..]).map_or(0, |m| m.end());
            let rest = &text[at..];
            if let Some(caps) = ARTICLE.captures(rest) {
                let Some(main) = caps.get(1).and_then(|m| number(m.as_str())) else {
                    break;
                };
                let sub = caps.get(2).map(|m| m.as_str());
                let article = match sub {
                    Some(sub) => format!("{main}之{}", sub_number_name(sub)),
                    None => main.to_string(),
                };
                let end = at + caps[0].len();
                citations.push(Citation {
                    law_as_written: law_as_written.clone(),
                    law: law.clone(),
                    article: article.clone(),
                    paragraph: caps.get(3).and_then(|m| number(m.as_str())),
                    item: caps.get(4).and_then(|m| number(m.as_str())),
                    start: at,
                    end,
                });
                previous = Some((article, citations.len() - 1));
                at = end;
            } else if let (Some(caps), Some((article, _))) =
                (PARAGRAPH_ONLY.captures(rest), previous.as_ref())
            {
                // `第六十七条第一款、第三款`: a bare 款 continues the previous article.
                let end = at + caps[0].len();
                citations.push(Citation {
                    law_as_written: law_as_written.clone(),
                    law: law.clone(),
                    article: article.clone(),
                    paragraph: caps.get(1).and_then(|m| number(m.as_str())),
                    item: caps.get(2).and_then(|m| number(m.as_str())),
                    start: at,
                    end,
                });
                at = end;
            } else {
                break;
            }
        }
    }
    citations
}

/// `之一` keeps its Chinese numeral: statute books write `第一百三十三条之一`, and ids follow them.
pub(crate) fn sub_number_name(sub: &str) -> String {
    match sub.parse::<u64>() {
        Ok(n) => chinese_small_number(n),
        Err(_) => sub.to_string(),
    }
}

/// Numbers below twenty in Chinese (之一 … 之十九), larger ones in digits.
pub(crate) fn chinese_small_number(n: u64) -> String {
    match n {
        0..=19 => crate::numerals::chinese_numeral(n).unwrap_or_default(),
        _ => n.to_string(),
    }
}

/// The distinct statute ids cited in `text`, in order of first citation.
pub fn cited_statute_ids(text: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for citation in find_citations(text) {
        let id = citation.statute_id();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judge_sentence_with_paragraph() {
        let text = "依照《中华人民共和国刑法》第二百六十六条、第二十三条、第六十七条第三款之规定，判决如下：";
        let citations = find_citations(text);
        let ids: Vec<String> = citations.iter().map(Citation::statute_id).collect();
        assert_eq!(
            ids,
            [
                "中华人民共和国刑法第266条",
                "中华人民共和国刑法第23条",
                "中华人民共和国刑法第67条"
            ]
        );
        assert_eq!(citations[2].paragraph, Some(3));
        assert_eq!(
            &text[citations[2].start..citations[2].end],
            "第六十七条第三款"
        );
    }

    #[test]
    fn several_laws_short_names_and_sub_articles() {
        let text = "根据《中华人民共和国婚姻法》第三十二条第二款、《中华人民共和国民事诉讼法》第六十四条第一款、第一百三十四条之规定";
        assert_eq!(
            cited_statute_ids(text),
            [
                "中华人民共和国婚姻法第32条",
                "中华人民共和国民事诉讼法第64条",
                "中华人民共和国民事诉讼法第134条"
            ]
        );
        let text = "依照《刑法》第一百三十三条之一第一款第（二）项、第五十二条";
        let citations = find_citations(text);
        assert_eq!(citations[0].statute_id(), "中华人民共和国刑法第133条之一");
        assert_eq!(
            (citations[0].paragraph, citations[0].item),
            (Some(1), Some(2))
        );
        assert_eq!(citations[1].statute_id(), "中华人民共和国刑法第52条");
    }

    #[test]
    fn bare_paragraph_continues_previous_article() {
        let citations = find_citations("《中华人民共和国刑法》第六十七条第一款、第三款");
        assert_eq!(citations.len(), 2);
        assert_eq!(citations[1].article, "67");
        assert_eq!(citations[1].paragraph, Some(3));
    }

    #[test]
    fn full_names() {
        assert_eq!(full_law_name("刑法"), "中华人民共和国刑法");
        assert_eq!(
            full_law_name("中华人民共和国刑事诉讼法（2018年修正）"),
            "中华人民共和国刑事诉讼法"
        );
        assert_eq!(
            full_law_name("最高人民法院关于审理民间借贷案件适用法律若干问题的规定"),
            "最高人民法院关于审理民间借贷案件适用法律若干问题的规定"
        );
        assert_eq!(full_law_name("民法典"), "中华人民共和国民法典");
    }

    #[test]
    fn arabic_numbers_and_no_citations() {
        assert_eq!(
            cited_statute_ids("《刑法》第264条"),
            ["中华人民共和国刑法第264条"]
        );
        assert!(find_citations("本案没有引用法条").is_empty());
        assert!(find_citations("《刑法》的规定").is_empty());
    }
}
