//! Fuzz targets as plain functions: each runs the real code on one input and panics when an
//! invariant breaks. libFuzzer calls them from `fuzz/` (coverage-guided, `bench/fuzz.sh`); the
//! tests of this crate replay the committed seeds and findings (`fuzz/seeds/<target>`,
//! `fuzz/regressions/<target>`) through the same functions, so every finding stays fixed on
//! stable Rust without libFuzzer.
//!
//! Invariants, besides "no panic": every span lies on char boundaries of its text and within it,
//! numbers are within their bounds, the work and the output are bounded by the input (a citation
//! range is never expanded), and a request is either refused with a typed error in Chinese or
//! answered.
//!
//! ```
//! // A judgment JSONL line as `leian index --corpus` reads it.
//! leian_fuzz::corpus_line(r#"{"id":"a","facts":"被告人张某盗窃现金5000元。"}"#.as_bytes());
//! ```

use leian_core::{Document, Judgment};
use leian_legal::analysis::{Analysis, analyze_text, case_narrative};
use leian_service::{EngineSettings, ResearchQuery, ResearchRequest, Service};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A fuzz target: one input, panics on a broken invariant.
pub type Target = fn(&[u8]);

/// Every target by the name its folders and its libFuzzer binary carry.
pub const TARGETS: &[(&str, Target)] = &[
    ("corpus_line", corpus_line),
    ("citations", citations),
    ("analysis", analysis),
    ("case_number", case_number),
    ("search_body", search_body),
];

/// Characters a message in Chinese has at least one of (CJK ideographs).
fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}')
}

/// Panics unless `start..end` is a span of `text`: ordered, within it, on char boundaries.
pub fn assert_span(text: &str, start: usize, end: usize, what: &str) {
    assert!(
        start <= end && end <= text.len(),
        "{what}: span {start}..{end} outside a text of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{what}: span {start}..{end} not on char boundaries of {text:?}"
    );
}

/// Panics unless `part` is a slice of `text` (a borrowed section, a found case number).
fn assert_within(text: &str, part: &str, what: &str) {
    let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    assert!(
        part.is_empty() || start <= text.len(),
        "{what}: not a slice of the text"
    );
    if !part.is_empty() {
        assert_span(text, start, start + part.len(), what);
    }
}

/// The input as text: fuzzers mostly produce invalid UTF-8, which the readers never see (they
/// decode first), so it is decoded the lossy way rather than thrown away.
fn text_of(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

// ---------------------------------------------------------------------------------------------
// 1. Corpus lines

/// A scratch folder for corpus files, one per process (kept until it ends).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // Memory-backed where there is one: the fuzzer writes a file per input.
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::Builder::new()
                .prefix("leian-fuzz")
                .tempdir_in(shm)
        } else {
            tempfile::tempdir()
        }
        .expect("scratch folder");
        dir.keep()
    })
}

/// A judgment corpus file holding `data` (JSONL, one JSON document, or anything), read as
/// `leian index --corpus` reads it: not strictly, records that do not fit skipped and reported.
pub fn corpus_line(data: &[u8]) {
    // One file per thread: the regression tests run in parallel.
    let file = scratch().join(format!("{:?}.jsonl", std::thread::current().id()));
    std::fs::write(&file, data).expect("write the corpus file");
    let mut judgments: Vec<Judgment> = Vec::new();
    let read = leian_ingest::read_judgments(&file, false, &mut HashSet::new(), &mut |j| {
        judgments.push(j)
    });
    let summary = match read {
        Ok(summary) => summary,
        Err(e) => {
            // Only the file itself may fail (say, a gzip header over garbage), in Chinese.
            let message = e.to_string();
            assert!(
                message.chars().any(is_han),
                "error not in Chinese: {message}"
            );
            return;
        }
    };
    assert_eq!(summary.read, judgments.len(), "read count");
    let lines = data.split(|&b| b == b'\n').count();
    // A JSON array holds any number of records on one line; the reader, like JSON, lets
    // whitespace and a byte order mark come first (fuzz finding: ` [{…},{…}]`).
    let start = data
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(data)
        .trim_ascii_start();
    assert!(
        judgments.len() + summary.skipped.len() <= lines.max(1) || start.starts_with(b"["),
        "more records ({} + {} skipped) than lines ({lines})",
        judgments.len(),
        summary.skipped.len()
    );
    for skip in &summary.skipped {
        assert!(
            skip.reason.chars().any(is_han),
            "skip reason not in Chinese: {}",
            skip.reason
        );
    }
    let mut ids = HashSet::new();
    for judgment in &judgments {
        assert!(!judgment.id.trim().is_empty(), "judgment without an id");
        assert!(ids.insert(&judgment.id), "id {} read twice", judgment.id);
        if let Some(number) = &judgment.case_number {
            case_number(number.as_bytes());
        }
        // What indexing computes next from the judgment must hold as well.
        let _ = leian_legal::explain::text_elements(judgment);
        let sections_of = [judgment.full_text.as_deref(), Some(judgment.facts.as_str())];
        for text in sections_of.into_iter().flatten() {
            let sections = leian_legal::sections::split_sections(text);
            for part in [sections.facts, sections.reasoning, sections.result]
                .into_iter()
                .flatten()
            {
                assert_within(text, part, "section");
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Citations

/// Citations a draft may hold; more would mean a reference was expanded or repeated.
fn citation_bound(text: &str) -> usize {
    text.len() / 3 + 1
}

/// A draft's statute citations: the judgment reader (`find_citations`), the draft reader
/// (`find_draft_citations`) and the check against the fixtures' statutes (`POST
/// /v1/citations/check`).
pub fn citations(data: &[u8]) {
    let text = text_of(data);
    let found = leian_text::find_citations(&text);
    assert!(found.len() <= citation_bound(&text), "too many citations");
    for citation in &found {
        assert_span(&text, citation.start, citation.end, "citation");
        assert!(!citation.article.is_empty(), "citation without an article");
    }
    let drafts = leian_text::find_draft_citations(&text);
    assert!(
        drafts.len() <= citation_bound(&text),
        "too many draft citations"
    );
    for draft in &drafts {
        assert_span(&text, draft.start, draft.end, "draft citation");
        match &draft.reference {
            leian_text::Reference::Article {
                number,
                paragraph,
                item,
                ..
            } => assert!(
                *number > 0 && *paragraph != Some(0) && *item != Some(0),
                "a zero number not reported as malformed: {draft:?}"
            ),
            leian_text::Reference::Range { first, last } => {
                assert!(0 < *first && first < last, "bad range {draft:?}")
            }
            _ => {}
        }
    }
    match service().check_citations(&text) {
        Ok(report) => {
            assert!(
                report.citations.len() <= drafts.len(),
                "more checked than found"
            );
            for checked in &report.citations {
                assert_span(&text, checked.start, checked.end, "checked citation");
                assert_eq!(checked.text, text[checked.start..checked.end]);
                assert!(checked.message.chars().any(is_han), "{}", checked.message);
                // A range is checked against the law's articles, never listed number by number.
                assert!(
                    checked.message.chars().count() <= 400 + checked.text.chars().count() * 2,
                    "message grows with the citation: {}",
                    checked.message
                );
                assert!(checked.suggestions.len() <= 5, "{:?}", checked.suggestions);
            }
        }
        Err(e) => {
            assert!(text.trim().is_empty(), "check failed: {e}");
            assert!(e.to_string().chars().any(is_han), "{e}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Query analysis

/// Panics unless every span of `analysis` lies in `text` and holds what it says it holds.
pub fn assert_analysis(text: &str, analysis: &Analysis) {
    for candidate in analysis.charges.iter().chain(&analysis.causes) {
        match (candidate.start, candidate.end) {
            (Some(start), Some(end)) => assert_span(text, start, end, &candidate.name),
            (None, None) => {}
            other => panic!("{}: half a span {other:?}", candidate.name),
        }
        assert!(
            (0.0..=1.0).contains(&candidate.score),
            "{}: score {}",
            candidate.name,
            candidate.score
        );
        assert!(
            candidate.mentions <= text.len(),
            "{} mentions",
            candidate.mentions
        );
    }
    for amount in &analysis.amounts {
        assert_span(text, amount.start, amount.end, "amount");
        assert_eq!(amount.text, text[amount.start..amount.end], "amount text");
        assert!(
            amount.yuan.is_finite() && amount.yuan >= 0.0,
            "amount {}",
            amount.yuan
        );
    }
    for quantity in &analysis.quantities {
        assert_span(text, quantity.start, quantity.end, "quantity");
        assert_eq!(
            quantity.text,
            text[quantity.start..quantity.end],
            "quantity text"
        );
        use leian_legal::analysis::QuantityValue as Q;
        match &quantity.value {
            Q::DrugWeight { grams, .. } => assert!(grams.is_finite() && *grams >= 0.0),
            Q::BloodAlcohol { mg_per_100ml } => {
                assert!(mg_per_100ml.is_finite() && *mg_per_100ml >= 0.0)
            }
            Q::Injury { grade, .. } => assert!(grade.is_none_or(|g| (1..=2).contains(&g))),
            Q::Disability { grade } => assert!((1..=10).contains(grade), "disability {grade}"),
        }
    }
    for circumstance in &analysis.circumstances {
        assert_span(
            text,
            circumstance.start,
            circumstance.end,
            circumstance.name,
        );
        assert_eq!(
            circumstance.text,
            text[circumstance.start..circumstance.end]
        );
    }
    for issue in &analysis.disputed_issues {
        assert_span(text, issue.start, issue.end, "disputed issue");
        assert_eq!(issue.text, text[issue.start..issue.end]);
    }
}

/// A fact summary as `POST /v1/search` analyses it, and what a research derives from it: the
/// analysis, the narrative, the normalised text's offset map, snippets and explanations.
pub fn analysis(data: &[u8]) {
    let text = text_of(data);
    let analysis = analyze_text(&text);
    assert_analysis(&text, &analysis);
    let narrative = case_narrative(&text);
    assert!(
        narrative.len() <= text.len(),
        "narrative longer than the text"
    );

    let normalized = leian_text::normalize(&text);
    let mut boundaries: Vec<usize> = normalized
        .text
        .char_indices()
        .map(|(i, _)| i)
        .chain([normalized.text.len()])
        .collect();
    boundaries.dedup();
    if !text.is_empty() {
        for pair in boundaries.windows(2) {
            let (start, end) = normalized.original_range(pair[0], pair[1]);
            assert_span(&text, start, end, "normalised span in the original");
        }
    }

    let terms = leian_text::analyzer().terms(&text);
    for term in &terms {
        assert_span(&text, term.start, term.end, "analyzer term");
    }
    let query_terms: HashSet<String> = terms.iter().take(8).map(|t| t.text.clone()).collect();
    let snippet = leian_search::snippet("facts", &text, &query_terms);
    assert_snippet(&text, &snippet);

    // The text against a judgment whose facts are the text itself.
    let judgment = Judgment {
        id: "fuzz".into(),
        facts: text.clone(),
        ..Default::default()
    };
    let explanation = leian_legal::explain_with(&text, &analysis, &judgment);
    for span in &explanation.query_spans {
        assert_span(&text, span.start, span.end, "query span");
        assert_eq!(span.text, text[span.start..span.end]);
    }
    if explanation.document_field == "facts" {
        for span in &explanation.document_spans {
            assert_span(&text, span.start, span.end, "document span");
        }
    }
    assert_elements(&text, &explanation);
}

/// Panics unless the elements' query spans lie in the query.
fn assert_elements(query: &str, explanation: &leian_legal::Explanation) {
    for element in explanation
        .shared_elements
        .iter()
        .chain(&explanation.missing_elements)
    {
        if let (Some(start), Some(end)) = (element.query_start, element.query_end) {
            assert_span(query, start, end, &element.name);
        }
    }
}

/// Panics unless a snippet's window and highlights are spans of `field_text`.
pub fn assert_snippet(field_text: &str, snippet: &leian_search::Snippet) {
    assert_span(field_text, snippet.start, snippet.end, "snippet window");
    assert_eq!(snippet.text, field_text[snippet.start..snippet.end]);
    for &(start, end) in &snippet.highlights {
        assert_span(field_text, start, end, "highlight");
    }
    assert_window(snippet);
}

/// What can be checked of a snippet without its field's text. Highlights are every match in
/// the field, sorted and disjoint; clients keep those inside the window (the page does), which
/// must then index `text`.
fn assert_window(snippet: &leian_search::Snippet) {
    assert_eq!(
        snippet.text.len(),
        snippet.end - snippet.start,
        "window length"
    );
    for pair in snippet.highlights.windows(2) {
        assert!(pair[0].1 <= pair[1].0, "highlights overlap: {pair:?}");
    }
    for &(start, end) in &snippet.highlights {
        assert!(start < end, "empty highlight {start}..{end}");
        if snippet.start <= start && end <= snippet.end {
            assert_span(
                &snippet.text,
                start - snippet.start,
                end - snippet.start,
                "highlight in the window",
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 4. Case numbers

/// A case number (案号) as read from a document, a corpus record or a filter: the parser of
/// `leian-text`, the judgment id of ingest and the lookup key of the snapshot.
pub fn case_number(data: &[u8]) {
    let text = text_of(data);
    if let Some((case, written)) = leian_text::find_case_number(&text) {
        assert_within(&text, written, "case number");
        assert!(!case.case_type.is_empty(), "case type empty");
        if let Some(code) = &case.court_code {
            assert!(
                code.chars().all(|c| c.is_ascii_digit()),
                "court code {code}"
            );
        }
        // The written form alone parses to the same case.
        assert_eq!(
            leian_text::parse_case_number(written),
            Some(case),
            "{written}"
        );
    }
    // Full-width digits (Word, court files) read as the ASCII ones.
    let folded: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            c => c,
        })
        .collect();
    assert_eq!(
        leian_text::find_case_number(&folded).map(|(case, _)| case),
        leian_text::find_case_number(&text).map(|(case, _)| case),
        "{text:?}"
    );
    let id = leian_ingest::case_id(&text, None);
    assert!(id.starts_with("case-"), "{id}");
    assert!(
        !id.chars()
            .any(|c| c.is_whitespace()
                || matches!(c, '(' | ')' | '[' | ']' | '〔' | '〕' | '０'..='９')),
        "id keeps a form it should fold: {id:?}"
    );
    // The same judgment read again gets the same id.
    assert_eq!(leian_ingest::case_id(&id["case-".len()..], None), id);
    let key = leian_index::case_number_key(&text);
    assert!(
        !key.chars()
            .any(|c| c.is_whitespace() || matches!(c, '〔' | '［' | '[' | '〕' | '］' | ']')),
        "key keeps a form it should fold: {key:?}"
    );
    // Written with other brackets or spaces, a number finds the same key.
    let respelled: String = text
        .chars()
        .map(|c| match c {
            '〔' | '［' => '[',
            '〕' | '］' => ']',
            c => c,
        })
        .collect();
    assert_eq!(leian_index::case_number_key(&respelled), key, "{text:?}");
}

// ---------------------------------------------------------------------------------------------
// 5. Search bodies

/// The fixtures folder of this checkout.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures")
}

/// The fixtures' statutes and judgments, indexed (BM25 only) once per process into a temporary
/// folder and opened as `leian serve` opens a snapshot without a model.
pub fn service() -> &'static Service {
    static SERVICE: OnceLock<Service> = OnceLock::new();
    SERVICE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir").keep().join("index");
        let mut builder = leian_index::SnapshotBuilder::create(&dir, 1).expect("builder");
        let (statutes, _) =
            leian_ingest::read_statutes(&fixtures().join("lawrefbook"), false).expect("statutes");
        let (statutes, merge) = leian_ingest::merge_statutes(statutes);
        for statute in statutes {
            builder.add_document(Document::Statute(statute)).unwrap();
        }
        let mut seen = HashSet::new();
        for source in ["lecard", "cail2018.jsonl"] {
            let mut judgments = Vec::new();
            leian_ingest::read_judgments(&fixtures().join(source), false, &mut seen, &mut |j| {
                judgments.push(j)
            })
            .expect("judgments");
            for judgment in judgments {
                builder.add_document(Document::Judgment(judgment)).unwrap();
            }
        }
        builder
            .finish(Vec::new(), merge.duplicates)
            .expect("finish");
        let settings = EngineSettings {
            load_encoder: false,
            ..EngineSettings::default()
        };
        Service::open(&dir, &settings).expect("open the fixtures index")
    })
}

/// A `POST /v1/search` body: refused while reading (malformed JSON, wrong types, unknown fields),
/// refused by validation with a client error in Chinese, or answered by a real research.
pub fn search_body(data: &[u8]) {
    let Ok(query) = serde_json::from_slice::<ResearchQuery>(data) else {
        return;
    };
    let request = match ResearchRequest::try_from(query) {
        Ok(request) => request,
        Err(e) => {
            assert!(
                e.is_client_error(),
                "validation failed as a server error: {e}"
            );
            assert!(
                e.to_string().chars().any(is_han),
                "error not in Chinese: {e}"
            );
            return;
        }
    };
    let research = match service().research(&request) {
        Ok(research) => research,
        Err(e) => {
            assert!(e.is_client_error(), "a valid request failed: {e}");
            assert!(
                e.to_string().chars().any(is_han),
                "error not in Chinese: {e}"
            );
            return;
        }
    };
    assert!(
        research.judgments.len() <= request.top_k,
        "judgments over top_k"
    );
    assert!(
        research.statutes.len() <= request.statute_top_k,
        "statutes over top_k"
    );
    assert_analysis(&request.text, &research.analysis);
    for hit in &research.judgments {
        assert_window(&hit.hit.snippet);
        for span in &hit.explanation.query_spans {
            assert_span(&request.text, span.start, span.end, "query span");
        }
        assert_elements(&request.text, &hit.explanation);
    }
    if let leian_service::StatuteHits::Direct(hits) = &research.statutes {
        for hit in hits {
            assert_window(&hit.snippet);
        }
    }
}
