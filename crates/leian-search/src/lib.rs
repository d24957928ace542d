//! The search engine: query analysis, retrieval through a [`Store`](leian_core::Store), snippets
//! with highlighted matches, and evaluation with trec_eval metrics.

pub mod analysis;
pub mod authority;
pub mod citation_check;
mod engine;
pub mod eval;
pub mod explain;
pub mod fusion;
pub mod linking;
pub mod outcome;
pub mod report;
pub mod research;
mod snippet;

pub use authority::{
    AuthorityTier, Binding, CourtContext, Tier, classify, group_by_authority, sort_by_authority,
};
pub use citation_check::{
    CheckError, CheckedCitation, CitationReport, CitationStatus, check_citations,
};
pub use engine::{
    Engine, Fusion, Hit, Mode, SearchConfig, SearchError, SearchRequest, SearchResponse,
};
pub use explain::{Element, ElementKind, Explanation, Span, explain, explain_with};
pub use outcome::{
    CivilOutcome, Outcome, OutcomeDistribution, Penalty, Quantiles, Sentence, parse_outcome,
};
pub use report::{Platform, Report, ReportFormat, ReportMeta, Requester};
pub use research::{Research, ResearchHit, ResearchRequest, ResearchStatutes};
pub use snippet::{Snippet, snippet};
