//! The search engine: query analysis, retrieval through a [`Store`](leian_core::Store), snippets
//! with highlighted matches, and evaluation with trec_eval metrics.

pub mod analysis;
pub mod citation_check;
mod engine;
pub mod eval;
pub mod fusion;
pub mod linking;
mod snippet;

pub use citation_check::{
    CheckError, CheckedCitation, CitationReport, CitationStatus, check_citations,
};
pub use engine::{
    Engine, Fusion, Hit, Mode, SearchConfig, SearchError, SearchRequest, SearchResponse,
};
pub use snippet::{Snippet, snippet};
