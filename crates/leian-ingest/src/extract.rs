//! Metadata from raw judgment text: court, case number (→ year, province, procedure, level),
//! sections (facts / reasoning / result), cited articles, charges and causes.

use leian_core::{Domain, Judgment};
use leian_legal::sections::split_sections;
use leian_text::{
    cited_statute_ids, court_level, court_province, dict, find_case_number, find_court,
};

/// Fills in what the judgment's own text says and the record lacks. Never overwrites a value the
/// corpus gave.
pub fn enrich(judgment: &mut Judgment) {
    enrich_with(judgment, true);
}

/// [`enrich`], optionally without taking the first case number of the header as the judgment's:
/// a court file's reader finds its own on the case-number line, and a case number elsewhere in
/// the header is another case's (a prior conviction, the first instance).
pub(crate) fn enrich_with(judgment: &mut Judgment, case_number_from_header: bool) {
    let full_text = judgment.full_text.clone();
    if let Some(text) = full_text.as_deref() {
        let header = &text[..text.char_indices().nth(300).map_or(text.len(), |(i, _)| i)];
        if judgment.court.is_none() {
            judgment.court = find_court(header).map(str::to_string);
        }
        if judgment.case_number.is_none() && case_number_from_header {
            judgment.case_number = find_case_number(header).map(|(_, written)| written.to_string());
        }
        let sections = split_sections(text);
        if judgment.facts.trim().is_empty() {
            judgment.facts = sections.facts.unwrap_or_default().to_string();
        }
        fill(&mut judgment.reasoning, sections.reasoning);
        fill(&mut judgment.result, sections.result);
    } else if judgment.reasoning.is_none() && judgment.facts.contains("本院认为") {
        // Some corpora put the whole body into `facts`; keep the facts and move the rest.
        let facts = judgment.facts.clone();
        let sections = split_sections(&facts);
        fill(&mut judgment.reasoning, sections.reasoning);
        fill(&mut judgment.result, sections.result);
        if let Some(cut) = facts.find("本院认为") {
            judgment.facts = facts[..cut].trim_end().to_string();
        }
    }
    if let Some((case, _)) = judgment.case_number.as_deref().and_then(find_case_number) {
        judgment.year = judgment.year.or(Some(case.year));
        judgment.province = judgment
            .province
            .take()
            .or(case.province.map(str::to_string));
        judgment.procedure = judgment.procedure.or(case.procedure);
        judgment.court_level = judgment.court_level.or(case.court_level);
        judgment.domain = judgment.domain.or(case.domain);
    }
    if let Some(court) = judgment.court.as_deref() {
        judgment.court_level = judgment.court_level.or(court_level(court));
        if judgment.province.is_none() {
            judgment.province = court_province(court).map(str::to_string);
        }
    }
    let operative: String = [judgment.reasoning.as_deref(), judgment.result.as_deref()]
        .into_iter()
        .flatten()
        .collect();
    if judgment.cited_articles.is_empty() {
        judgment.cited_articles = cited_statute_ids(&operative);
    }
    if judgment.causes.is_empty() {
        let source = if operative.is_empty() {
            judgment.facts.as_str()
        } else {
            operative.as_str()
        };
        judgment.causes = match judgment.domain {
            Some(Domain::Civil) => find_causes(judgment.title.as_deref().unwrap_or(source)),
            _ => find_charges(source),
        };
    }
    if judgment.domain.is_none() {
        judgment.domain = guess_domain(&judgment.causes);
    }
    // Read last: the elements include the causes found above. Always recomputed, so a corpus
    // file cannot supply its own.
    judgment.text_elements = Some(leian_legal::explain::text_elements(judgment));
}

fn fill(slot: &mut Option<String>, value: Option<&str>) {
    if slot.is_none() {
        *slot = value.map(str::to_string);
    }
}

fn guess_domain(causes: &[String]) -> Option<Domain> {
    let first = causes.first()?;
    if dict::charge(first).is_some() {
        Some(Domain::Criminal)
    } else if dict::is_cause(first) {
        Some(Domain::Civil)
    } else {
        None
    }
}

/// Charges a text convicts of (`犯盗窃罪`, `构成故意伤害罪`), known charges only, in order.
pub fn find_charges(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (at, _) in text.match_indices('罪') {
        let end = at + '罪'.len_utf8();
        // Longest known charge name ending here (names run from 3 to about 25 characters).
        let starts = text[..at].char_indices().rev().take(30).map(|(i, _)| i);
        let longest = starts
            .filter_map(|start| dict::charge(&text[start..end]))
            .last();
        if let Some(charge) = longest {
            let before = text[..end - charge.name.len()].chars().next_back();
            let convicted = matches!(
                before,
                Some('犯' | '成' | '以' | '认' | '、' | '和' | '及' | '定')
            );
            if convicted && !found.iter().any(|f| f == charge.name) {
                found.push(charge.name.to_string());
            }
        }
    }
    found
}

/// Civil causes of action named in a title or text (`…民间借贷纠纷一审民事判决书`).
pub fn find_causes(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for (at, _) in text.match_indices("纠纷") {
        let end = at + "纠纷".len();
        let starts = text[..at].char_indices().rev().take(20).map(|(i, _)| i);
        let longest = starts
            .map(|s| &text[s..end])
            .filter(|c| dict::is_cause(c))
            .last();
        if let Some(cause) = longest.filter(|cause| !found.iter().any(|f| f == cause)) {
            found.push(cause.to_string());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use leian_core::{CourtLevel, Procedure};

    /// The opening, reasoning and result of a JuDGE judgment of the shared corpus
    /// (`judge-ff08a56d-…`), abridged.
    const JUDGE_TEXT: &str = "上海市奉贤区人民法院 刑事判决书 （2017）沪0120刑初684号 公诉机关上海市奉贤区人民检察院。 被告人张3，女，1975年4月16日出生。 公诉机关指控：2017年4月28日15时许，被告人张3为偿还债务伪造其妹妹“张2”的身份证，欲骗取被害人刘某某、徐某某的现金人民币10万元。 本院认为，被告人张3以非法占有为目的，虚构事实、隐瞒真相，骗取他人财物，数额巨大，其行为显已触犯刑律，构成诈骗罪。依照《中华人民共和国刑法》第二百六十六条、第二十三条、第六十七条第三款之规定，判决如下： 被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 如不服本判决，可在接到判决书的第二日起十日内提出上诉。 审判员李晓杰 附：相关法律条文 《中华人民共和国刑法》 第二百六十六条诈骗公私财物";

    #[test]
    fn metadata_from_full_text() {
        let mut j = Judgment {
            id: "t".into(),
            full_text: Some(JUDGE_TEXT.into()),
            ..Default::default()
        };
        enrich(&mut j);
        assert_eq!(j.court.as_deref(), Some("上海市奉贤区人民法院"));
        assert_eq!(j.case_number.as_deref(), Some("（2017）沪0120刑初684号"));
        assert_eq!(j.year, Some(2017));
        assert_eq!(j.province.as_deref(), Some("沪"));
        assert_eq!(j.court_level, Some(CourtLevel::Basic));
        assert_eq!(j.procedure, Some(Procedure::FirstInstance));
        assert_eq!(j.domain, Some(Domain::Criminal));
        assert!(j.facts.starts_with("公诉机关指控"));
        // The appendix of cited text after the signature is not a citation.
        assert_eq!(
            j.cited_articles,
            [
                "中华人民共和国刑法第266条",
                "中华人民共和国刑法第23条",
                "中华人民共和国刑法第67条"
            ]
        );
        assert_eq!(j.causes, ["诈骗罪"]);
    }

    #[test]
    fn civil_body_in_facts_is_split() {
        // From `cail2019fe-divorce-0000` of the shared corpus, abridged.
        let facts = "原告林某某诉称：我与被告经人介绍建立恋爱关系。本院认为：原、被告结婚多年，且婚后育有三个子女。根据《中华人民共和国婚姻法》第三十二条第二款之规定，判决如下：不准原告林某某与被告李某甲离婚。案件受理费300元，由原告负担。";
        let mut j = Judgment {
            id: "t".into(),
            facts: facts.into(),
            domain: Some(Domain::Civil),
            ..Default::default()
        };
        enrich(&mut j);
        assert_eq!(j.facts, "原告林某某诉称：我与被告经人介绍建立恋爱关系。");
        assert!(j.reasoning.as_deref().unwrap().starts_with("本院认为"));
        assert!(
            j.result
                .as_deref()
                .unwrap()
                .contains("不准原告林某某与被告李某甲离婚")
        );
        assert_eq!(j.cited_articles, ["中华人民共和国婚姻法第32条"]);
    }

    #[test]
    fn charges_and_causes() {
        assert_eq!(
            find_charges("被告人王某犯故意伤害罪、寻衅滋事罪，判处有期徒刑"),
            ["故意伤害罪", "寻衅滋事罪"]
        );
        assert_eq!(find_charges("其行为已构成危险驾驶罪"), ["危险驾驶罪"]);
        assert!(find_charges("犯罪嫌疑人").is_empty());
        assert_eq!(
            find_causes("原告张某与被告李某民间借贷纠纷一审民事判决书"),
            ["民间借贷纠纷"]
        );
    }
}
