//! Ranking over a [`Store`](leian_core::Store): query terms, retrieval (BM25, dense), fusion, the
//! cause re-rank and statute linking, with snippets of the matched words.
//!
//! The final order of a search is a named pipeline of [`Stage`]s — retrieve → fuse → cause
//! re-rank — and the service layer adds the authority order a judge sees; evaluation can stop at
//! any stage.

mod engine;
pub mod fusion;
pub mod linking;
mod snippet;

pub use engine::{
    Engine, Fusion, Hit, MAX_TOP_K, Mode, SearchConfig, SearchError, SearchRequest, SearchResponse,
    Stage,
};
pub use snippet::{Snippet, snippet};
