//! The search engine: query analysis, retrieval through a [`Store`](leian_core::Store), snippets
//! with highlighted matches, and evaluation with trec_eval metrics.

pub mod analysis;
mod engine;
pub mod eval;
pub mod fusion;
pub mod linking;
mod snippet;

pub use engine::{
    Engine, Fusion, Hit, Mode, SearchConfig, SearchError, SearchRequest, SearchResponse,
};
pub use snippet::{Snippet, snippet};
