//! Legal Chinese analysis: normalisation, jieba segmentation with the legal dictionary, search-mode
//! sub-words, stop-word removal. One function serves indexing and querying so that both agree.

use crate::dict;
use crate::normalize::normalize;
use jieba_rs::{Jieba, TokenizeMode};
use std::sync::LazyLock;

/// Changes whenever analysis output changes; an index records the version it was built with.
pub const ANALYZER_VERSION: &str = "leian-jieba-legal/1";

/// Set to `1` to analyse without the legal dictionary (jieba's own dictionary only), for measuring
/// what the dictionary changes; indexes built so record a different analyzer version.
pub const NO_LEGAL_DICT_ENV: &str = "LEIAN_NO_LEGAL_DICT";

/// The version of the analysis this process performs.
pub fn analyzer_version() -> String {
    if analyzer().legal_dictionary {
        ANALYZER_VERSION.to_string()
    } else {
        format!("{ANALYZER_VERSION}+no-legal-dict")
    }
}

/// A term with the byte range it covers in the analysed (original, not normalised) text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// The segmenter: jieba's default dictionary plus the legal dictionary.
pub struct Analyzer {
    jieba: Jieba,
    legal_dictionary: bool,
}

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::new);

/// The process-wide analyzer (loading the dictionaries takes a few hundred milliseconds).
pub fn analyzer() -> &'static Analyzer {
    &ANALYZER
}

impl Analyzer {
    fn new() -> Self {
        let mut jieba = Jieba::new();
        let legal_dictionary = std::env::var(NO_LEGAL_DICT_ENV).map_or(true, |v| v != "1");
        if legal_dictionary {
            for word in dict::user_words() {
                // A frequency from suggest_freq makes jieba keep the word whole in every context.
                jieba.add_word(word, None, None);
            }
        }
        Analyzer {
            jieba,
            legal_dictionary,
        }
    }

    /// Search-mode terms of `text` for BM25: whole words plus the dictionary words inside them
    /// (`危险驾驶罪` → 危险, 驾驶, 危险驾驶罪, and the charge stem 危险驾驶), stop words and
    /// punctuation removed, offsets into `text`.
    pub fn terms(&self, text: &str) -> Vec<Term> {
        let norm = normalize(text);
        let mut terms = Vec::new();
        for token in self.jieba.tokenize(&norm.text, TokenizeMode::Search, true) {
            let (start, end) = norm.original_range(token.byte_start, token.byte_end);
            let word = token.word;
            if !is_meaningful(word) {
                continue;
            }
            if let Some(stem) = legal_stem(word) {
                terms.push(Term {
                    text: stem.to_string(),
                    start,
                    end,
                });
            }
            terms.push(Term {
                text: word.to_string(),
                start,
                end,
            });
        }
        terms
    }

    /// Plain segmentation (jieba default mode with HMM) of already normalised text: the words a
    /// reader would see. Used for keyword display and the segmentation benchmark.
    pub fn words<'a>(&self, text: &'a str) -> Vec<&'a str> {
        self.jieba
            .cut(text, true)
            .into_iter()
            .map(|t| t.word)
            .collect()
    }

    /// Whether the dictionary (default or legal) holds `word`.
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }
}

fn is_meaningful(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric) && !dict::is_stopword(word)
}

/// The stem of a charge or cause name, so that `危险驾驶` in a fact summary meets `危险驾驶罪`
/// in a judgment and `民间借贷` meets `民间借贷纠纷`.
fn legal_stem(word: &str) -> Option<&str> {
    let stem = word
        .strip_suffix('罪')
        .or_else(|| word.strip_suffix("纠纷"))?;
    (stem.chars().count() >= 2).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        analyzer().terms(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn legal_words_stay_whole() {
        for word in ["危险驾驶罪", "民间借贷纠纷", "醉酒驾驶"] {
            let words = analyzer().words(word);
            assert_eq!(words, vec![word], "{word} was split");
        }
        let terms = texts("被告人醉酒驾驶机动车，构成危险驾驶罪");
        for expected in ["醉酒驾驶", "危险驾驶罪", "危险驾驶", "机动车", "被告人"]
        {
            assert!(
                terms.iter().any(|t| t == expected),
                "{expected} missing from {terms:?}"
            );
        }
    }

    #[test]
    fn stop_words_and_punctuation_are_dropped() {
        let terms = texts("的，。！了");
        assert!(terms.is_empty(), "{terms:?}");
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "被告人张3犯诈骗罪，并处罚金人民币三万元。";
        for term in analyzer().terms(text) {
            let original = &text[term.start..term.end];
            assert!(!original.is_empty(), "{term:?}");
        }
        let fine = analyzer()
            .terms(text)
            .into_iter()
            .find(|t| t.text == "30000")
            .unwrap();
        assert_eq!(&text[fine.start..fine.end], "三万");
    }

    #[test]
    fn index_and_query_analysis_agree_on_numbers() {
        let a = texts("借款五万元");
        let b = texts("借款50000元");
        assert_eq!(a, b);
    }
}
