//! Snippets: the window of a document's text where the query's terms are densest, with the
//! matched spans as byte offsets and as a marked-up string.

use leian_text::analyzer;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

/// A piece of a stored field with the query's terms marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Snippet {
    /// The field the snippet comes from (`facts`, `text` …).
    pub field: String,
    /// Byte offset of the window in the field.
    pub start: usize,
    pub end: usize,
    /// Matched spans, byte offsets into the field (not the window).
    #[schema(value_type = Vec<Vec<u64>>)]
    pub highlights: Vec<(usize, usize)>,
    /// The window with each match wrapped in 【】.
    pub marked: String,
    /// The window as stored: `highlights` minus `start` index into it. Clients that draw
    /// their own marks need it, since the text itself may hold 【】 (guiding cases' headings).
    pub text: String,
}

/// Characters a snippet window holds.
const WINDOW_CHARS: usize = 120;

/// The best window of `text` for `query_terms`.
pub fn snippet(field: &str, text: &str, query_terms: &HashSet<String>) -> Snippet {
    let mut spans: Vec<(usize, usize)> = analyzer()
        .terms(text)
        .into_iter()
        .filter(|t| query_terms.contains(&t.text))
        .map(|t| (t.start, t.end))
        .collect();
    spans.sort_unstable();
    // Search mode yields nested sub-words; keep the outermost span of each overlap.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (s, e) in spans {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    let boundaries: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let char_at = |byte: usize| boundaries.partition_point(|&b| b < byte);
    // The window start (in chars) covering the most matches.
    let mut best = (0usize, 0usize);
    for (i, &(s, _)) in merged.iter().enumerate() {
        let start_char = char_at(s).saturating_sub(10);
        let end_byte = boundaries[(start_char + WINDOW_CHARS).min(boundaries.len() - 1)];
        let count = merged[i..]
            .iter()
            .take_while(|(_, e)| *e <= end_byte)
            .count();
        if count > best.1 {
            best = (start_char, count);
        }
    }
    let start = boundaries[best.0];
    let end = boundaries[(best.0 + WINDOW_CHARS).min(boundaries.len() - 1)];
    let inside: Vec<(usize, usize)> = merged
        .iter()
        .copied()
        .filter(|&(s, e)| s >= start && e <= end)
        .collect();
    let mut marked = String::with_capacity(end - start + inside.len() * 6);
    let mut at = start;
    for &(s, e) in &inside {
        marked.push_str(&text[at..s]);
        marked.push('【');
        marked.push_str(&text[s..e]);
        marked.push('】');
        at = e;
    }
    marked.push_str(&text[at..end]);
    Snippet {
        field: field.to_string(),
        start,
        end,
        highlights: merged,
        marked,
        text: text[start..end].to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_matches_with_offsets() {
        let text = "经审理查明，被告人王某入户盗窃现金五千元。";
        let terms: HashSet<String> = ["盗窃", "入户盗窃", "5000"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let s = snippet("facts", text, &terms);
        assert!(s.marked.contains("【入户盗窃】"), "{}", s.marked);
        assert!(s.marked.contains("【五千】"), "{}", s.marked);
        for &(a, b) in &s.highlights {
            assert!(!text[a..b].is_empty());
        }
    }

    #[test]
    fn empty_text_and_no_matches() {
        let terms: HashSet<String> = HashSet::new();
        let s = snippet("facts", "", &terms);
        assert_eq!(s.marked, "");
        let s = snippet("facts", "没有匹配", &terms);
        assert_eq!(s.marked, "没有匹配");
    }
}
