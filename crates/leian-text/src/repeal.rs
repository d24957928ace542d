//! Repeal clauses: statute articles that end other instruments, such as 民法典 第1260条
//! `本法自2021年1月1日起施行。《中华人民共和国婚姻法》、…、《中华人民共和国民法总则》同时废止。`
//! A repealed law's own text is usually no longer published, so these clauses are how an index
//! knows that `《合同法》第52条` cites a dead law, and which law replaced it.

use crate::draft_citation::marked_names;
use regex::Regex;
use std::sync::LazyLock;

static REPEAL_WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:同时|予以|即行|一并|起|停止执行并)废止").expect("repeal pattern")
});

/// `本法自2021年1月1日起施行`: when the repealing instrument, and so the repeal, took effect.
static IN_FORCE_FROM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"自\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*起").expect("date pattern")
});

/// A document number after a title: `（法释〔2000〕8号）`.
static DOCUMENT_NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*[（(][^（）()]{0,30}[）)]").expect("document number"));

/// Issuers written before a title instead of inside it: `最高人民法院《关于…的解释》`.
const ISSUERS: &[&str] = &[
    "最高人民法院、最高人民检察院",
    "最高人民法院",
    "最高人民检察院",
    "国务院",
    "全国人民代表大会常务委员会",
];

/// The titles of the instruments `text` repeals as a whole, as written (an issuer written before
/// the title is put in front of it). Titles followed by an article (`《…》第三条同时废止`: a
/// partial repeal) or by 修正 / 修订 (the decision that amended the repealed law) are not
/// repealed instruments.
pub fn repealed_instruments(text: &str) -> Vec<String> {
    let mut repealed = Vec::new();
    for sentence in text.split(['。', '；', ';', '\n']) {
        let Some(word) = REPEAL_WORD.find_iter(sentence).last() else {
            continue;
        };
        for (start, end, name) in marked_names(sentence) {
            if end > word.start() {
                break;
            }
            let mut after = &sentence[end..];
            after = &after[DOCUMENT_NUMBER.find(after).map_or(0, |m| m.end())..];
            let after = after.trim_start();
            let listed = [
                "、", "，", ",", "和", "及", "与", "同时", "予以", "即行", "一并", "自", "废止",
                "停止",
            ]
            .iter()
            .any(|w| after.starts_with(w));
            if !listed {
                continue;
            }
            let issuer = name
                .starts_with("关于")
                .then(|| issuer_before(&sentence[..start]))
                .flatten();
            let name = match issuer {
                Some(issuer) => format!("{issuer}{name}"),
                None => name,
            };
            if !repealed.contains(&name) {
                repealed.push(name);
            }
        }
    }
    repealed
}

/// The issuer named shortly before a title: `最高人民法院《关于…》`, also with a date between
/// (`最高人民法院2012年12月20日发布的《关于…》`).
fn issuer_before(before: &str) -> Option<&'static str> {
    const NEAR_CHARS: usize = 20;
    ISSUERS.iter().copied().find(|issuer| {
        before.rfind(issuer).is_some_and(|at| {
            let between = &before[at + issuer.len()..];
            between.chars().count() <= NEAR_CHARS && !between.contains(['《', '》'])
        })
    })
}

/// The date a repeal clause's instrument takes effect (`本法自2021年1月1日起施行` → `2021-01-01`).
pub fn repeal_effective_date(text: &str) -> Option<String> {
    let caps = IN_FORCE_FROM.captures(text)?;
    Some(format!("{}-{:0>2}-{:0>2}", &caps[1], &caps[2], &caps[3]))
}

#[cfg(test)]
mod tests {
    use super::repeal_effective_date;
    use super::repealed_instruments as r;

    #[test]
    fn civil_code_repeals_nine_laws() {
        let text = "本法自2021年1月1日起施行。《中华人民共和国婚姻法》、《中华人民共和国继承法》、《中华人民共和国民法通则》、《中华人民共和国收养法》、《中华人民共和国担保法》、《中华人民共和国合同法》、《中华人民共和国物权法》、《中华人民共和国侵权责任法》、《中华人民共和国民法总则》同时废止。";
        let repealed = r(text);
        assert_eq!(repealed.len(), 9);
        assert_eq!(repealed[0], "中华人民共和国婚姻法");
        assert!(repealed.contains(&"中华人民共和国合同法".to_string()));
        assert_eq!(repeal_effective_date(text).as_deref(), Some("2021-01-01"));
        assert_eq!(repeal_effective_date("本法自公布之日起施行"), None);
    }

    #[test]
    fn issuers_numbers_and_what_is_not_repealed() {
        assert_eq!(
            r(
                "本解释自2016年4月11日起施行。最高人民法院《关于审理毒品案件定罪量刑标准有关问题的解释》（法释〔2000〕13号）同时废止；之前发布的司法解释与本解释不一致的，以本解释为准。"
            ),
            ["最高人民法院关于审理毒品案件定罪量刑标准有关问题的解释"]
        );
        assert_eq!(
            r(
                "本解释自2021年3月1日起施行。最高人民法院2012年12月20日发布的《关于适用〈中华人民共和国刑事诉讼法〉的解释》（法释〔2012〕21号）同时废止。"
            ),
            ["最高人民法院关于适用〈中华人民共和国刑事诉讼法〉的解释"]
        );
        assert_eq!(
            r("本法自公布之日起施行，《中华人民共和国民事诉讼法（试行）》同时废止。"),
            ["中华人民共和国民事诉讼法（试行）"]
        );
        // The amending decision is named too, but only the amended regulation is repealed.
        assert_eq!(
            r(
                "本条例自2022年4月1日起施行。2006年9月15日通过，根据2018年3月30日通过的《关于修改〈北京市大气污染防治条例〉等七部地方性法规的决定》修正的《北京市实施〈中华人民共和国种子法〉办法》同时废止。"
            ),
            ["北京市实施〈中华人民共和国种子法〉办法"]
        );
        assert!(r("《中华人民共和国刑法》第三条同时废止。").is_empty());
        assert!(r("可以向制定机关提出修改或者废止该规范性文件的建议。").is_empty());
        assert!(r("依照《中华人民共和国刑法》第二百六十四条的规定处罚。").is_empty());
    }
}
