//! Ranking over a [`Store`](leian_core::Store): query terms, retrieval (BM25, dense), fusion, the
//! cause re-rank and statute linking, with snippets of the matched words.
//!
//! The final order of a search is a named pipeline of [`Stage`]s — retrieve → fuse → cause
//! re-rank — and the service layer adds the authority order a judge sees; evaluation can stop at
//! any stage.
//!
//! ```
//! use leian_core::{Document, Judgment, Kind};
//! use leian_index::{Snapshot, SnapshotBuilder};
//! use leian_search::{Engine, Mode, SearchConfig, SearchRequest, Stage};
//! use std::sync::Arc;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let out = dir.path().join("index");
//! let mut builder = SnapshotBuilder::create(&out, 1)?;
//! for (id, cause, facts) in [
//!     ("t-1", "盗窃罪", "被告人入户盗窃现金三千元"),
//!     ("t-2", "危险驾驶罪", "被告人醉酒驾驶机动车"),
//! ] {
//!     builder.add_document(Document::Judgment(Judgment {
//!         id: id.into(),
//!         causes: vec![cause.into()],
//!         facts: facts.into(),
//!         ..Judgment::default()
//!     }))?;
//! }
//! builder.finish(Vec::new(), 0)?;
//!
//! let engine = Engine::new(Arc::new(Snapshot::open(&out)?), SearchConfig::default());
//! let request = SearchRequest {
//!     text: "醉酒后驾驶汽车".into(),
//!     kind: Some(Kind::Judgment),
//!     mode: Mode::Bm25,
//!     top_k: 10,
//!     filters: Default::default(),
//!     exclude_ids: Vec::new(),
//!     all_terms: false,
//! };
//! let response = engine.search(&request)?;
//! assert_eq!(response.hits[0].id, "t-2");
//! assert!(response.hits[0].snippet.marked.contains("【"), "{:?}", response.hits[0].snippet);
//! // Evaluation can stop the pipeline at any stage.
//! assert_eq!(engine.rank_to(&request, 10, Stage::Retrieve)?[0].0, "t-2");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod engine;
pub mod fusion;
pub mod linking;
mod snippet;

pub use engine::{
    Engine, Fusion, Hit, MAX_TOP_K, Mode, SearchConfig, SearchError, SearchRequest, SearchResponse,
    Stage,
};
pub use snippet::{Snippet, snippet};
