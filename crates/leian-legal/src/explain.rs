//! Why a judgment was found for a fact summary: the legal elements and circumstances it shares
//! with the query and those it lacks, the matched terms highlighted in both texts (byte offsets),
//! and the passages a judge reads first — the court's reasoning (本院认为 …) and the result
//! (判决如下 …).

use crate::analysis::{Analysis, InjurySeverity, QuantityValue, analyze_text, resolve_charge};
use crate::sections::{reasoning_section, result_section};
use leian_core::{Judgment, TextElements};
use leian_text::{analyzer, dict};
use serde::Serialize;
use std::collections::HashSet;

/// Characters kept of the reasoning excerpt.
pub const REASONING_MAX_CHARS: usize = 240;
/// Characters kept of the result excerpt.
pub const RESULT_MAX_CHARS: usize = 200;

/// What kind of legal element an [`Element`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementKind {
    /// A criminal charge (罪名).
    Charge,
    /// A civil cause of action (案由).
    Cause,
    /// A sentencing circumstance (自首, 累犯 …), stated or denied.
    Circumstance,
    /// Weight of drugs, compared by the thresholds of 刑法 Art. 347 (10 g, 50 g); the substance
    /// is named but not compared (the charge and the matched terms show it).
    DrugWeight,
    /// Blood alcohol, compared by the 醉酒 threshold (80 mg/100 ml).
    BloodAlcohol,
    /// Injury grade (轻微伤 / 轻伤 / 重伤).
    Injury,
    /// Disability grade (伤残等级).
    Disability,
    /// The largest sum of money, shared when the judgment's is within a factor of two.
    Amount,
}

/// One legal element of the query, and where the judgment states it (when it does).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Element {
    pub kind: ElementKind,
    /// Human name: `盗窃罪`, `自首`, `未取得谅解`, `甲基苯丙胺 10克以下`, `数额约1000元` ….
    pub name: String,
    /// The words of the query stating it, and their byte range in the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query_end: Option<usize>,
    /// The words of the judgment stating it (facts, reasoning or its causes), when it shares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document_text: Option<String>,
}

/// A highlighted span: byte offsets into a text and the words there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Why one judgment matches a fact summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Elements of the query the judgment also has.
    pub shared_elements: Vec<Element>,
    /// Elements of the query the judgment lacks (or states differently).
    pub missing_elements: Vec<Element>,
    /// Matched terms in the query text (byte offsets into the query), the first
    /// [`MAX_SPANS`].
    pub query_spans: Vec<Span>,
    /// The judgment field `document_spans` point into: `facts`, or `full_text` without facts.
    pub document_field: String,
    /// Matched terms in that field of the judgment (byte offsets into it), the first
    /// [`MAX_SPANS`].
    pub document_spans: Vec<Span>,
    /// The court's reasoning (本院认为 …), cut on a sentence boundary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_excerpt: Option<String>,
    /// The operative part (判决如下 …), cut on a sentence boundary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_excerpt: Option<String>,
}

/// Explains `judgment` for the fact summary `query`.
pub fn explain(query: &str, judgment: &Judgment) -> Explanation {
    explain_with(query, &analyze_text(query), judgment)
}

/// [`explain`] with the query's [`analyze_text`] analysis computed once for many judgments.
/// Pass the text-only analysis: charges voted in by similar cases have no words in the query.
pub fn explain_with(query: &str, query_analysis: &Analysis, judgment: &Judgment) -> Explanation {
    QueryExplainer::new(query, query_analysis).explain(judgment)
}

/// The query's side of explanations (its elements and analysed terms), prepared once for all
/// the judgments of a request.
pub struct QueryExplainer<'a> {
    query: &'a str,
    analysis: &'a Analysis,
    elements: Vec<(String, Element)>,
    terms: Vec<(String, usize, usize)>,
}

impl<'a> QueryExplainer<'a> {
    /// Prepares `query` with its text-only analysis ([`analyze_text`]).
    pub fn new(query: &'a str, analysis: &'a Analysis) -> Self {
        QueryExplainer {
            query,
            analysis,
            elements: elements_of(query, analysis, &Judgment::default()),
            terms: long_terms(query),
        }
    }

    /// Explains `judgment` for the prepared query.
    pub fn explain(&self, judgment: &Judgment) -> Explanation {
        let (document_field, document_text) = match (judgment.facts.is_empty(), &judgment.full_text)
        {
            (true, Some(full)) => ("full_text", full.as_str()),
            _ => ("facts", judgment.facts.as_str()),
        };
        let reasoning = reasoning_section(judgment);
        let computed;
        let stated = match &judgment.text_elements {
            Some(stored) => stored,
            None => {
                computed = text_elements(judgment);
                &computed
            }
        };
        let mut shared_elements = Vec::new();
        let mut missing_elements = Vec::new();
        let mut seen = HashSet::new();
        for (key, element) in &self.elements {
            if !seen.insert(key.clone()) {
                continue;
            }
            let mut element = element.clone();
            match stated.elements.iter().find(|(k, _)| k == key) {
                Some((_, words)) => {
                    element.document_text = words.clone();
                    shared_elements.push(element);
                }
                None => missing_elements.push(element),
            }
        }
        // Amounts: the largest sums, shared when within a factor of two of each other.
        if let Some(amount) = largest_amount(self.analysis) {
            let similar = stated.largest_amount.as_ref().filter(|(yuan, _)| {
                amount.yuan > 0.0 && (0.5..=2.0).contains(&(yuan / amount.yuan))
            });
            let element = Element {
                kind: ElementKind::Amount,
                name: match similar {
                    Some((yuan, _)) => format!(
                        "数额相近：{}元 / {}元",
                        format_yuan(amount.yuan),
                        format_yuan(*yuan)
                    ),
                    None => format!("数额{}元", format_yuan(amount.yuan)),
                },
                query_text: Some(amount.text.clone()),
                query_start: Some(amount.start),
                query_end: Some(amount.end),
                document_text: similar.map(|(_, words)| words.clone()),
            };
            match similar {
                Some(_) => shared_elements.push(element),
                None => missing_elements.push(element),
            }
        }
        let (query_spans, document_spans) = matched_spans(
            self.query,
            &self.terms,
            document_text,
            &long_terms(document_text),
        );
        Explanation {
            shared_elements,
            missing_elements,
            query_spans,
            document_field: document_field.to_string(),
            document_spans,
            reasoning_excerpt: reasoning.map(|r| excerpt(r, REASONING_MAX_CHARS)),
            result_excerpt: result_section(judgment)
                .map(|r| excerpt(r, RESULT_MAX_CHARS))
                .filter(|r| !r.is_empty()),
        }
    }
}

/// The legal elements `judgment`'s text states — facts with the reasoning, where circumstances
/// (自首, 谅解 …) are often found only — and its largest sum, as explanations compare them.
/// Ingest stores them with the judgment ([`Judgment::text_elements`]).
pub fn text_elements(judgment: &Judgment) -> TextElements {
    let document_text = match (judgment.facts.is_empty(), &judgment.full_text) {
        (true, Some(full)) => full.as_str(),
        _ => judgment.facts.as_str(),
    };
    let text = match reasoning_section(judgment) {
        Some(reasoning) if !judgment.facts.is_empty() => format!("{document_text}\n{reasoning}"),
        _ => document_text.to_string(),
    };
    let analysis = analyze_text(&text);
    TextElements {
        elements: elements_of(&text, &analysis, judgment)
            .into_iter()
            .map(|(key, element)| (key, element.query_text))
            .collect(),
        largest_amount: largest_amount(&analysis).map(|a| (a.yuan, a.text.clone())),
    }
}

/// `text` trimmed to at most `max_chars` characters, cut after the last full sentence that fits
/// (or with `…` when no sentence ends early enough).
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let Some((cut, _)) = text.char_indices().nth(max_chars) else {
        return text.to_string();
    };
    let prefix = &text[..cut];
    let sentence_end = prefix
        .char_indices()
        .filter(|(_, c)| matches!(c, '。' | '；' | '！' | '？' | ';'))
        .map(|(i, c)| i + c.len_utf8())
        .next_back()
        .filter(|&end| prefix[..end].chars().count() >= max_chars / 3);
    match sentence_end {
        Some(end) => prefix[..end].to_string(),
        None => format!("{prefix}…"),
    }
}

/// Elements of an analysis with their comparison keys; `judgment`'s own causes are added.
fn elements_of(text: &str, analysis: &Analysis, judgment: &Judgment) -> Vec<(String, Element)> {
    let element = |kind, name: String, text: Option<&str>, span: Option<(usize, usize)>| Element {
        kind,
        name,
        query_text: text.map(str::to_string),
        query_start: span.map(|s| s.0),
        query_end: span.map(|s| s.1),
        document_text: None,
    };
    let mut elements = Vec::new();
    for (kind, candidates) in [
        (ElementKind::Charge, &analysis.charges),
        (ElementKind::Cause, &analysis.causes),
    ] {
        for candidate in candidates {
            let span = candidate.start.zip(candidate.end);
            let words = span.and_then(|(s, e)| text.get(s..e));
            elements.push((
                format!("{kind:?}:{}", candidate.name),
                element(kind, candidate.name.clone(), words, span),
            ));
        }
    }
    for cause in &judgment.causes {
        let (kind, name) = match resolve_charge(cause) {
            Some(charge) => (ElementKind::Charge, charge.name.to_string()),
            None if dict::is_cause(cause) || cause.ends_with("纠纷") => {
                (ElementKind::Cause, cause.clone())
            }
            None => (ElementKind::Charge, cause.clone()),
        };
        elements.push((
            format!("{kind:?}:{name}"),
            element(kind, name, Some(cause.as_str()), None),
        ));
    }
    for c in &analysis.circumstances {
        let name = match c.negated {
            true => format!("否认{}", c.name),
            false => c.name.to_string(),
        };
        elements.push((
            format!("circumstance:{}:{}", c.name, c.negated),
            element(
                ElementKind::Circumstance,
                name,
                Some(&c.text),
                Some((c.start, c.end)),
            ),
        ));
    }
    for q in &analysis.quantities {
        let (kind, key, name) = match &q.value {
            QuantityValue::DrugWeight { grams, drug, .. } => {
                let band = match *grams {
                    g if g < 10.0 => "10克以下",
                    g if g < 50.0 => "10至50克",
                    _ => "50克以上",
                };
                (
                    ElementKind::DrugWeight,
                    format!("drug:{band}"),
                    format!("{drug} {band}").trim().to_string(),
                )
            }
            QuantityValue::BloodAlcohol { mg_per_100ml } => {
                let drunk = *mg_per_100ml >= 80.0;
                let name = match drunk {
                    true => "血液酒精含量达醉酒标准",
                    false => "血液酒精含量未达醉酒标准",
                };
                (
                    ElementKind::BloodAlcohol,
                    format!("alcohol:{drunk}"),
                    name.to_string(),
                )
            }
            QuantityValue::Injury { severity, .. } => {
                let name = match severity {
                    InjurySeverity::Minor => "轻微伤",
                    InjurySeverity::Light => "轻伤",
                    InjurySeverity::Serious => "重伤",
                };
                (
                    ElementKind::Injury,
                    format!("injury:{name}"),
                    name.to_string(),
                )
            }
            QuantityValue::Disability { grade } => (
                ElementKind::Disability,
                format!("disability:{grade}"),
                format!("{grade}级伤残"),
            ),
        };
        elements.push((
            key,
            element(kind, name, Some(&q.text), Some((q.start, q.end))),
        ));
    }
    elements
}

/// The largest sum of money of an analysis.
fn largest_amount(analysis: &Analysis) -> Option<&crate::analysis::Amount> {
    analysis
        .amounts
        .iter()
        .max_by(|a, b| a.yuan.total_cmp(&b.yuan))
}

fn format_yuan(yuan: f64) -> String {
    if yuan.fract() == 0.0 {
        format!("{yuan:.0}")
    } else {
        format!("{yuan:.2}")
    }
}

/// Analysed terms of at least two characters, with their byte ranges.
fn long_terms(text: &str) -> Vec<(String, usize, usize)> {
    analyzer()
        .terms(text)
        .into_iter()
        .filter(|t| t.text.chars().count() >= 2)
        .map(|t| (t.text, t.start, t.end))
        .collect()
}

/// Analysed terms that occur in both texts, as merged spans in each.
/// Spans given per side at most: a fact summary of some pages has far fewer matched terms; a
/// megabyte of repeated text had 166,500 per judgment, a 76 MB answer to a 1 MB query.
pub const MAX_SPANS: usize = 500;

fn matched_spans(
    query: &str,
    query_terms: &[(String, usize, usize)],
    document: &str,
    document_terms: &[(String, usize, usize)],
) -> (Vec<Span>, Vec<Span>) {
    let in_query: HashSet<&str> = query_terms.iter().map(|t| t.0.as_str()).collect();
    let in_document: HashSet<&str> = document_terms.iter().map(|t| t.0.as_str()).collect();
    let spans = |text: &str, terms: &[(String, usize, usize)], other: &HashSet<&str>| {
        let mut ranges: Vec<(usize, usize)> = terms
            .iter()
            .filter(|t| other.contains(t.0.as_str()))
            .map(|t| (t.1, t.2))
            .collect();
        ranges.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in ranges {
            match merged.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
            .into_iter()
            .take(MAX_SPANS)
            .filter_map(|(start, end)| {
                text.get(start..end).map(|words| Span {
                    start,
                    end,
                    text: words.to_string(),
                })
            })
            .collect::<Vec<_>>()
    };
    (
        spans(query, query_terms, &in_document),
        spans(document, document_terms, &in_query),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `judge-1e28adb6-d22b-4614-b08b-5123cc361f43` of the shared corpus (JuDGE test split).
    fn drug_sale() -> Judgment {
        Judgment {
            id: "judge-1e28adb6-d22b-4614-b08b-5123cc361f43".into(),
            domain: Some(leian_core::Domain::Criminal),
            case_number: Some("（2017）苏0104刑初467号".into()),
            year: Some(2017),
            causes: vec!["贩卖毒品罪".into()],
            facts: "南京市秦淮区人民检察院指控，2017年2月16日14时许，被告人杨莉在南京市秦淮区海福巷菜市场附近，以人民币1，100元的价格向杨某2贩卖白色晶体两袋，被民警当场抓获。经南京市公安局禁毒支队毒品检测室鉴定，上述两袋白色晶体共计净重1.61克，皆检出甲基苯丙胺成分。 上述事实，被告人杨莉在开庭审理过程中亦无异议，并有证人盛某、杨某2、濮某的证言、辨认笔录、搜查笔录、扣押清单、毒品疑似物称重记录、物证检验报告、现场检验报告书、物证照片、通话记录、行政处罚决定书、视听资料以及公安机关出具的归案经过等证据证实，足以认定。".into(),
            full_text: Some("被告人杨莉走私、贩卖、运输、制造毒品罪一审刑事判决书 南京市秦淮区人民法院 刑事判决书 （2017）苏0104刑初467号 公诉机关南京市秦淮区人民检察院。 南京市秦淮区人民检察院指控，2017年2月16日14时许，被告人杨莉在南京市秦淮区海福巷菜市场附近，以人民币1，100元的价格向杨某2贩卖白色晶体两袋，被民警当场抓获。经南京市公安局禁毒支队毒品检测室鉴定，上述两袋白色晶体共计净重1.61克，皆检出甲基苯丙胺成分。 本院认为，被告人杨莉向他人贩卖毒品甲基苯丙胺不满十克，其行为已构成贩卖毒品罪，依法应予惩处。公诉机关指控被告人杨莉犯贩卖毒品罪的事实清楚，证据确实、充分，指控的罪名成立，予以采纳。被告人杨莉自愿认罪，可以酌情从轻处罚。 依照《中华人民共和国刑法》第三百四十七条第一款、第四款、第五十二条、第五十三条的规定，判决如下： 被告人杨莉犯贩卖毒品罪，判处有期徒刑六个月，罚金人民币一千元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年2月16日起至2017年8月15日止；罚金于判决生效之日起一个月内缴纳。） 如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向江苏省南京市中级人民法院提出上诉。 审判员戴娟 二〇一七年六月二十日 见习书记员刘煜凡".into()),
            ..Judgment::default()
        }
    }

    const QUERY: &str = "被告人李某于2018年3月在南京市某小区门口，以人民币1000元的价格向他人贩卖毒品甲基苯丙胺1.2克，被民警当场抓获。李某到案后如实供述，系累犯。";

    #[test]
    fn shared_and_missing_elements() {
        let explanation = explain(QUERY, &drug_sale());
        let shared: Vec<&str> = explanation
            .shared_elements
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        let missing: Vec<&str> = explanation
            .missing_elements
            .iter()
            .map(|e| e.name.as_str())
            .collect();
        assert!(
            explanation
                .shared_elements
                .iter()
                .any(|e| e.kind == ElementKind::Charge && e.name.contains("毒品")),
            "shared {shared:?}"
        );
        assert!(
            explanation
                .shared_elements
                .iter()
                .any(|e| e.kind == ElementKind::Amount),
            "1000 and 1100 yuan are in a similar range: shared {shared:?} missing {missing:?}"
        );
        assert!(
            explanation
                .shared_elements
                .iter()
                .any(|e| e.kind == ElementKind::DrugWeight),
            "1.2 g and 1.61 g are both under 10 g: {shared:?}"
        );
        assert!(
            missing.contains(&"累犯"),
            "the judgment states no 累犯: {missing:?}"
        );
        for element in &explanation.shared_elements {
            if let (Some(s), Some(e)) = (element.query_start, element.query_end) {
                assert!(QUERY.get(s..e).is_some());
            }
        }
    }

    #[test]
    fn spans_point_at_the_same_words_in_both_texts() {
        let judgment = drug_sale();
        let explanation = explain(QUERY, &judgment);
        assert_eq!(explanation.document_field, "facts");
        assert!(!explanation.query_spans.is_empty());
        assert!(!explanation.document_spans.is_empty());
        for span in &explanation.query_spans {
            assert_eq!(&QUERY[span.start..span.end], span.text);
        }
        for span in &explanation.document_spans {
            assert_eq!(&judgment.facts[span.start..span.end], span.text);
        }
        let words = |spans: &[Span]| spans.iter().any(|s| s.text.contains("甲基苯丙胺"));
        assert!(words(&explanation.query_spans) && words(&explanation.document_spans));
    }

    #[test]
    fn reasoning_and_result_excerpts() {
        let explanation = explain(QUERY, &drug_sale());
        let reasoning = explanation.reasoning_excerpt.expect("reasoning");
        assert!(reasoning.starts_with("本院认为"), "{reasoning}");
        assert!(reasoning.ends_with('。'), "{reasoning}");
        assert!(!reasoning.contains("依照《"), "{reasoning}");
        let result = explanation.result_excerpt.expect("result");
        assert!(result.starts_with("判决如下"), "{result}");
        assert!(result.contains("判处有期徒刑六个月"), "{result}");
        assert!(!result.contains("如不服本判决"), "{result}");
    }

    #[test]
    fn excerpts_cut_on_sentence_boundaries() {
        let text =
            "本院认为，被告人行为已构成盗窃罪。其到案后如实供述，可以从轻处罚。依法应予惩处。";
        assert_eq!(excerpt(text, 100), text);
        assert_eq!(excerpt(text, 30), "本院认为，被告人行为已构成盗窃罪。");
        assert_eq!(excerpt("一二三四五六七八九十", 4), "一二三四…");
    }

    #[test]
    fn judgment_without_sections_has_no_excerpts() {
        let judgment = Judgment {
            id: "cjrc-dev-2".into(),
            causes: vec!["变更抚养关系纠纷".into()],
            facts: "依据上述有效证据,本院确认以下案件事实:原、被告双方于××××年××月份结婚,婚后生一女孩,取名马62,2013年11月21日,双方在新民市民政局协议离婚,协议内容为:婚生女孩马62由女方别x2抚养,男方每月给孩子抚养费1000元(从2013年12月1日起至2020年12月止)".into(),
            ..Judgment::default()
        };
        let query =
            "原告与被告协议离婚后，婚生女随被告生活，现原告请求变更抚养关系，由原告抚养女儿。";
        let explanation = explain(query, &judgment);
        assert!(explanation.reasoning_excerpt.is_none());
        assert!(explanation.result_excerpt.is_none());
        assert!(
            explanation
                .shared_elements
                .iter()
                .any(|e| e.kind == ElementKind::Cause && e.name == "变更抚养关系纠纷"),
            "{:?}",
            explanation
        );
        let json = serde_json::to_value(&explanation).unwrap();
        for key in [
            "shared_elements",
            "missing_elements",
            "query_spans",
            "document_spans",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
    }
}
