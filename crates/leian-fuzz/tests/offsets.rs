//! Property tests of offsets: for arbitrary Unicode text (CJK, ASCII, full-width forms, emoji,
//! combining marks, joiners) laced with the legal words that make the readers match, every span
//! any reader returns lies on char boundaries of the text and within it, and holds what it says.

use leian_fuzz::{assert_analysis, assert_snippet, assert_span};
use proptest::prelude::*;
use std::collections::HashSet;

/// Words and forms the readers look for, so that random texts hit their matching paths.
const LEGAL: &[&str] = &[
    "盗窃",
    "盗窃罪",
    "醉酒驾驶",
    "机动车",
    "自首",
    "如实供述",
    "取得谅解",
    "未取得谅解",
    "累犯",
    "拒不退赃",
    "故意伤害",
    "轻伤二级",
    "轻微伤",
    "伤残等级为十级",
    "甲基苯丙胺",
    "海洛因",
    "克",
    "mg/100ml",
    "毫克/100毫升",
    "元",
    "万元",
    "余元",
    "人民币",
    "借款",
    "民间借贷纠纷",
    "争议焦点为",
    "本院认为",
    "判决如下",
    "经审理查明",
    "诉称",
    "如不服本判决",
    "《中华人民共和国刑法》",
    "《刑法》",
    "依照",
    "第",
    "条",
    "款",
    "项",
    "之一",
    "至",
    "、",
    "，",
    "。",
    "；",
    "（",
    "）",
    "(",
    ")",
    "二百六十四",
    "一百三十三",
    "两千",
    "零",
    "〇",
    "三万五千",
    "5万",
    "1,000",
    "３.５",
    "２０１７",
    "（2017）沪0120刑初684号",
    "刑初",
    "号",
    " ",
    "\n",
    "\u{3000}",
];

/// One piece of text: a legal word, or a run of characters from one of the awkward classes.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(LEGAL).prop_map(str::to_string),
        1 => "[\\u4E00-\\u9FFF]{1,4}",
        1 => "[ -~]{1,4}",
        1 => "[\\u{FF01}-\\u{FF5E}]{1,3}",
        1 => "[\\u{1F300}-\\u{1FAFF}\\u{200D}\\u{FE0F}]{1,3}",
        1 => "[a-z\\u4E00-\\u4E10][\\u0300-\\u036F]{1,3}",
        1 => "\\PC{1,3}",
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// Charges, causes, amounts, quantities, circumstances and disputed issues.
    #[test]
    fn analysis_spans(text in text()) {
        assert_analysis(&text, &leian_legal::analysis::analyze_text(&text));
    }

    /// The normaliser's map back to the original, and the analyzer's terms through it.
    #[test]
    fn normalised_and_term_spans(text in text()) {
        let normalized = leian_text::normalize(&text);
        let bounds: Vec<usize> = normalized
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain([normalized.text.len()])
            .collect();
        if !text.is_empty() {
            for pair in bounds.windows(2) {
                let (start, end) = normalized.original_range(pair[0], pair[1]);
                assert_span(&text, start, end, "original range");
            }
        }
        for term in leian_text::analyzer().terms(&text) {
            assert_span(&text, term.start, term.end, &term.text);
        }
    }

    /// Snippet windows and highlights, for query terms taken from the text and from elsewhere.
    #[test]
    fn snippet_spans(text in text(), other in text()) {
        let mut terms: HashSet<String> = leian_text::analyzer()
            .terms(&other)
            .into_iter()
            .map(|t| t.text)
            .collect();
        terms.extend(leian_text::analyzer().terms(&text).into_iter().step_by(3).map(|t| t.text));
        assert_snippet(&text, &leian_search::snippet("facts", &text, &terms));
    }

    /// Citations of both readers, and sections of a judgment.
    #[test]
    fn citation_and_section_spans(text in text()) {
        for citation in leian_text::find_citations(&text) {
            assert_span(&text, citation.start, citation.end, "citation");
        }
        for citation in leian_text::find_draft_citations(&text) {
            assert_span(&text, citation.start, citation.end, "draft citation");
        }
        let sections = leian_legal::sections::split_sections(&text);
        for part in [sections.facts, sections.reasoning, sections.result].into_iter().flatten() {
            let start = part.as_ptr() as usize - text.as_ptr() as usize;
            assert_span(&text, start, start + part.len(), "section");
        }
        if let Some((_, written)) = leian_text::find_case_number(&text) {
            let start = written.as_ptr() as usize - text.as_ptr() as usize;
            assert_span(&text, start, start + written.len(), "case number");
        }
    }

    /// Explanations: matched spans in the query and in the judgment's facts.
    #[test]
    fn explanation_spans(query in text(), facts in text()) {
        let judgment = leian_core::Judgment {
            id: "p".into(),
            facts: facts.clone(),
            ..Default::default()
        };
        let explanation = leian_legal::explain(&query, &judgment);
        for span in &explanation.query_spans {
            assert_span(&query, span.start, span.end, "query span");
            prop_assert_eq!(&span.text, &query[span.start..span.end]);
        }
        if explanation.document_field == "facts" {
            for span in &explanation.document_spans {
                assert_span(&facts, span.start, span.end, "document span");
                prop_assert_eq!(&span.text, &facts[span.start..span.end]);
            }
        }
    }
}
