//! One model of a judgment's parts: the facts (经审理查明 / 公诉机关指控 / 诉称 …), the court's
//! reasoning (本院认为) and the operative part (判决如下 …), cut before the appeal notice and the
//! bench. Ingest splits raw texts with it; outcomes and explanations read a stored judgment's
//! parts through it, so the three agree on where a part starts and ends.

use leian_core::Judgment;

/// The three parts of a judgment that retrieval and explanations use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sections<'a> {
    pub facts: Option<&'a str>,
    pub reasoning: Option<&'a str>,
    pub result: Option<&'a str>,
}

const FACT_MARKERS: &[&str] = &[
    // 经审理查明, and 本院审理查明 / 原审审理查明 / 二审审理查明 of appeals and retrials.
    "审理查明",
    // 公诉机关指控, 检察院起诉指控, 起诉书指控, 自诉人…指控.
    "指控",
    "本院查明",
    "诉称",
    "原审查明",
    // An appeal restates the first instance's findings first (原审认定, 原判认定, 原审判决认定,
    // 原审法院审理认定, 北京市丰台区人民法院判决认定); its own 上诉称 and 审理查明 come after.
    "原审认定",
    "原判认定",
    "判决认定",
    "审理认定",
    "审查查明",
];
/// Where the reasoning starts.
pub const REASONING_MARKER: &str = "本院认为";
const RESULT_MARKERS: &[&str] = &["判决如下", "裁定如下", "决定如下"];
/// Where the operative part ends: the appeal notice, finality, the bench, an appendix.
const RESULT_END_MARKERS: &[&str] = &[
    "如不服本判决",
    "如不服本裁定",
    "本判决为终审判决",
    "本裁定为终审裁定",
    "审判长",
    "审判员",
    "人民陪审员",
];
/// Where the reasoning's own words end and the legal basis of the decision begins.
const LEGAL_BASIS_MARKERS: &[&str] = &["据此", "依照《", "根据《"];

fn first_of(text: &str, markers: &[&str]) -> Option<usize> {
    markers.iter().filter_map(|m| text.find(m)).min()
}

/// Splits judgment text at 经审理查明 / 公诉机关指控, 本院认为 and 判决如下.
pub fn split_sections(text: &str) -> Sections<'_> {
    let reasoning_at = text.find(REASONING_MARKER);
    // The first operative part after the reasoning: an appeal quotes the first instance's
    // 判决如下 among its facts.
    let result_at = match reasoning_at {
        Some(s) => first_of(&text[s..], RESULT_MARKERS).map(|r| s + r),
        None => first_of(text, RESULT_MARKERS),
    };
    let facts_end = reasoning_at.or(result_at).unwrap_or(text.len());
    let facts_at = first_of(&text[..facts_end], FACT_MARKERS).map(|at| sentence_start(text, at));
    let result = result_at.and_then(|start| trimmed(cut_operative_tail(&text[start..])));
    Sections {
        facts: facts_at.and_then(|start| trimmed(&text[start..facts_end])),
        reasoning: reasoning_at
            .and_then(|start| trimmed(&text[start..result_at.unwrap_or(text.len())])),
        result,
    }
}

/// Where the sentence holding `at` starts, so that a part opens with its subject (`公诉机关指控`,
/// `重庆市渝中区人民检察院指控`, `原审判决认定`) rather than the marker's own words. At most
/// [`SUBJECT_REACH`] characters back; a longer run is no subject and the marker stays the start.
fn sentence_start(text: &str, at: usize) -> usize {
    let mut start = at;
    for (i, c) in text[..at].char_indices().rev().take(SUBJECT_REACH + 1) {
        if matches!(c, '。' | '；' | ';' | '！' | '？' | '\n') || c.is_whitespace() {
            return start;
        }
        start = i;
    }
    match start == 0 {
        true => 0,
        false => at,
    }
}
const SUBJECT_REACH: usize = 30;

fn trimmed(s: &str) -> Option<&str> {
    let s = s.trim_matches(|c: char| c.is_whitespace() || matches!(c, '：' | ':' | '，' | ','));
    (!s.is_empty()).then_some(s)
}

/// An operative part cut before the appeal notice, the bench, or an appendix (附：相关法律条文).
pub fn cut_operative_tail(text: &str) -> &str {
    let end = first_of(text, RESULT_END_MARKERS)
        .into_iter()
        .chain(text.find("附："))
        .min()
        .unwrap_or(text.len());
    &text[..end]
}

/// The operative part of a stored judgment: its `result`, or the text after the last 判决如下 in
/// the full text or facts; cut before the appeal notice and the signatures.
pub fn result_section(judgment: &Judgment) -> Option<&str> {
    let text = match judgment.result.as_deref() {
        Some(result) => result,
        None => [judgment.full_text.as_deref(), Some(judgment.facts.as_str())]
            .into_iter()
            .flatten()
            .find_map(|text| {
                RESULT_MARKERS
                    .iter()
                    .filter_map(|marker| text.rfind(marker))
                    .max()
                    .map(|start| &text[start..])
            })?,
    };
    Some(cut_operative_tail(text))
}

/// The court's reasoning of a stored judgment: `reasoning`, or the full text from 本院认为 to
/// the operative part; either without the closing `依照《…》…的规定` clause.
pub fn reasoning_section(judgment: &Judgment) -> Option<&str> {
    let section = match judgment.reasoning.as_deref().map(str::trim) {
        Some(reasoning) if !reasoning.is_empty() => reasoning,
        _ => {
            let text = judgment.full_text.as_deref()?;
            let section = &text[text.find(REASONING_MARKER)?..];
            &section[..first_of(section, RESULT_MARKERS).unwrap_or(section.len())]
        }
    };
    let legal_basis = LEGAL_BASIS_MARKERS
        .iter()
        .filter_map(|marker| section.rfind(marker))
        .filter(|&at| at > 0)
        .min()
        .unwrap_or(section.len());
    let section = section[..legal_basis].trim();
    (!section.is_empty()).then_some(section)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The opening, reasoning and result of a JuDGE judgment of the shared corpus
    /// (`judge-ff08a56d-…`), abridged.
    const JUDGE_TEXT: &str = "上海市奉贤区人民法院 刑事判决书 （2017）沪0120刑初684号 公诉机关上海市奉贤区人民检察院。 被告人张3，女，1975年4月16日出生。 公诉机关指控：2017年4月28日15时许，被告人张3为偿还债务伪造其妹妹“张2”的身份证，欲骗取被害人刘某某、徐某某的现金人民币10万元。 本院认为，被告人张3以非法占有为目的，虚构事实、隐瞒真相，骗取他人财物，数额巨大，其行为显已触犯刑律，构成诈骗罪。依照《中华人民共和国刑法》第二百六十六条、第二十三条、第六十七条第三款之规定，判决如下： 被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 如不服本判决，可在接到判决书的第二日起十日内提出上诉。 审判员李晓杰 附：相关法律条文 《中华人民共和国刑法》 第二百六十六条诈骗公私财物";

    #[test]
    fn sections_of_a_criminal_judgment() {
        let s = split_sections(JUDGE_TEXT);
        assert!(s.facts.unwrap().starts_with("公诉机关指控"));
        assert!(s.reasoning.unwrap().starts_with("本院认为"));
        assert!(s.result.unwrap().starts_with("判决如下"));
        assert!(s.result.unwrap().ends_with("并处罚金人民币三万元。"));
    }

    #[test]
    fn an_appeal_quoting_the_first_instance_keeps_its_own_result() {
        // judge-77296208, abridged: the first instance's 判决如下 is quoted before 本院认为.
        let text = "原审法院认为，被告人岳乐的行为已构成妨害公务罪，判决如下：被告人岳乐犯妨害公务罪，判处有期徒刑一年。 经审理查明，事实与原审认定一致。 本院认为，原判量刑适当。判决如下： 一、撤销本院（2017）冀0921刑初329号刑事判决； 二、被告人岳乐犯妨害公务罪，判处有期徒刑一年，缓刑一年。";
        let s = split_sections(text);
        assert!(s.result.unwrap().contains("缓刑一年"), "{s:?}");
        assert!(s.reasoning.unwrap().ends_with("原判量刑适当。"), "{s:?}");
    }

    #[test]
    fn a_retrial_reads_the_first_instance_facts() {
        // judge-226efb34, abridged: the facts are under 原审审理查明; the retrial's own finding
        // only refers to them and names 原审查明 last.
        let text = "原审审理查明：被告人王位醉酒驾驶机动车，血液中乙醇含量为116.8mg／100ml。 原审认为：被告人王位构成危险驾驶罪。 再审查明的事实与原审查明的事实相同。 判决如下：维持原判。";
        let facts = split_sections(text).facts.unwrap();
        assert!(
            facts.starts_with("原审审理查明：被告人王位醉酒驾驶"),
            "{facts}"
        );
        assert!(facts.contains("116.8mg"), "{facts}");
    }

    #[test]
    fn an_appeal_reads_the_first_instance_findings() {
        // judge-af7b0355, abridged: the appellant's 上诉称 and the court's 二审审理查明 come after
        // the findings restated from the first instance.
        let text = "原审判决认定，被告人张德来驾驶小型轿车与杨某1相撞，杨某1经抢救无效死亡。 张德来上诉称，请求二审法院对其从轻处罚。 二审审理查明：原审判决认定事实清楚。 本院认为，原判量刑适当。判决如下：驳回上诉，维持原判。";
        let facts = split_sections(text).facts.unwrap();
        assert!(facts.starts_with("原审判决认定，被告人张德来"), "{facts}");
        assert!(facts.contains("死亡"), "{facts}");
    }

    #[test]
    fn stored_judgment_parts_agree_with_the_split() {
        let judgment = Judgment {
            id: "t".into(),
            full_text: Some(JUDGE_TEXT.into()),
            ..Default::default()
        };
        let split = split_sections(JUDGE_TEXT);
        assert_eq!(
            result_section(&judgment).map(str::trim),
            split.result.map(|r| r.trim())
        );
        let reasoning = reasoning_section(&judgment).unwrap();
        assert!(reasoning.starts_with("本院认为"));
        assert!(reasoning.ends_with("构成诈骗罪。"), "{reasoning}");
    }
}
