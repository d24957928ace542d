//! Legal reading of Chinese court texts, with no index: what a fact summary or a judgment says
//! in legal terms.
//!
//! - [`analysis`]: charges and causes of action, amounts, quantities (drug weight, blood alcohol,
//!   injury grades), circumstances (自首, 累犯 … with denials) and disputed issues of a text;
//! - [`sections`]: one model of a judgment's parts (facts, 本院认为, 判决如下);
//! - [`outcome`]: sentences and civil outcomes parsed from the operative part, and their
//!   distribution over a set of judgments;
//! - [`explain`]: why a judgment matches a query (shared and missing elements, matched spans,
//!   reasoning and result excerpts);
//! - [`authority`]: the SPC's Art. 4 authority tiers and recency for a requesting court;
//! - [`citation_check`]: a draft's statute citations checked against a statute catalog;
//! - [`parties`]: plaintiffs and defendants read from a filing, and the key that matches a repeat
//!   litigant under its full name, short name or branch;
//! - [`draft`]: a draft judgment's facts, charges and outcome, or why none could be read;
//!
//! ```
//! use leian_legal::analysis::analyze_text;
//!
//! let analysis = analyze_text("被告人入户盗窃，窃得现金人民币3000元，到案后如实供述。");
//! assert!(analysis.charges.iter().any(|c| c.name == "盗窃罪"));
//! assert_eq!(analysis.amounts[0].yuan, 3000.0);
//! assert!(analysis.circumstances.iter().any(|c| c.name == "坦白"));
//! ```

pub mod analysis;
pub mod authority;
pub mod citation_check;
pub mod draft;
pub mod explain;
pub mod outcome;
pub mod parties;
pub mod sections;
pub mod sentencing;

pub use authority::{
    AuthorityTier, Binding, CourtContext, Tier, classify, group_by_authority, sort_by_authority,
};
pub use citation_check::{
    CheckError, CheckedCitation, CitationReport, CitationStatus, check_citations,
};
pub use draft::{
    Direction, DraftOutcome, DraftProblem, LegalIssue, charge_issues, parse_draft, sentence_issues,
};
pub use explain::{Element, ElementKind, Explanation, Span, explain, explain_with};
pub use outcome::{
    CivilOutcome, Outcome, OutcomeDistribution, Penalty, Quantiles, Sentence, parse_awarded,
    parse_outcome, parse_result,
};
pub use parties::{NormalizedParty, Parties, extract_parties, normalize_party};
