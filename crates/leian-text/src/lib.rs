//! Legal Chinese text: normalisation, jieba analysis with a legal dictionary, the tantivy tokenizer,
//! and parsers for what court documents write in fixed forms (numerals, case numbers, court names,
//! statute citations).
//!
//! ```
//! use leian_text::{analyzer, find_case_number};
//!
//! // Charge names stay whole (the legal dictionary), and every term maps back to the text.
//! let text = "被告人犯危险驾驶罪";
//! let terms = analyzer().terms(text);
//! let charge = terms.iter().find(|t| t.text == "危险驾驶罪").unwrap();
//! assert_eq!(&text[charge.start..charge.end], "危险驾驶罪");
//!
//! let (case, written) = find_case_number("（2017）沪0120刑初684号").unwrap();
//! assert_eq!((case.year, case.province), (2017, Some("沪")));
//! assert_eq!(written, "（2017）沪0120刑初684号");
//! ```

mod analyzer;
mod case_number;
mod citation;
mod court;
pub mod dict;
mod draft_citation;
mod normalize;
mod numerals;
mod repeal;
mod tokenizer;

pub use analyzer::{
    ANALYZER_VERSION, Analyzer, NO_LEGAL_DICT_ENV, Term, analyzer, analyzer_version,
};
pub use case_number::{
    CaseNumber, PROVINCES, case_key, case_number_key, find_case_number, parse_case_number,
    province_short_name,
};
pub use citation::{Citation, cited_statute_ids, find_citations, full_law_name};
pub use court::{court_level, court_province, find_court};
pub use draft_citation::{
    DraftCitation, Malformation, Reference, Unit, find_draft_citations, looks_like_statute_name,
};
pub use normalize::{Normalized, normalize};
pub use numerals::{chinese_numeral, parse_chinese_number};
pub use repeal::{repeal_effective_date, repealed_instruments};
pub use tokenizer::{LegalTokenStream, LegalTokenizer, TOKENIZER_NAME};
