//! The storage seam: what the search engine needs from wherever documents live. The embedded
//! tantivy snapshot implements it today; a distributed database backend implements the same trait.

use crate::{Document, Filters, Judgment, StatuteCatalog};
use std::sync::Arc;

/// A document id with the score a retriever gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub score: f32,
}

/// Counts a store knows about its corpus.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CorpusStats {
    pub judgments: u64,
    pub statutes: u64,
}

/// Failure inside a store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store could not answer (a damaged file, a failed query).
    #[error("{0}")]
    Failed(String),
    /// A shard of a distributed store is down or unreachable: the answer would miss its
    /// documents. Servers answer 503 naming the shard, or, where the request accepts a partial
    /// answer ([`crate::shards::allowing_partial`]), the store leaves the shard out instead.
    #[error("分片 {shard} 无法访问（{detail}）：结果会缺少该分片上的文书")]
    ShardUnavailable { shard: String, detail: String },
    /// The store as a whole cannot be reached (a distributed store's coordinator is down or
    /// its connection was lost mid-request): nothing can be answered until it is back.
    /// Servers answer 503; the detail goes to the log only.
    #[error("数据库无法访问（{0}）")]
    Unavailable(String),
    /// The request's deadline ([`crate::deadline`]) passed while the store was working on it;
    /// the store stopped its statements there.
    #[error("{}", crate::deadline::DeadlineExceeded)]
    DeadlineExceeded,
}

/// Per-field weights of a lexical query. Unknown fields are ignored by a store.
pub type FieldBoosts = [(&'static str, f32)];

/// What the engine needs from storage.
pub trait Store: Send + Sync {
    /// BM25 candidates for analysed query `terms` (with their weights), best first.
    fn lexical(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError>;

    /// [`Store::lexical`] over the `distinctive` terms and the `common` ones, the common terms
    /// (long posting lists, small weights) scored only on the `pool` best documents of the
    /// distinctive ones: a document outside that pool cannot enter the list. A store without a
    /// cheaper way scores every term everywhere.
    fn lexical_rescored(
        &self,
        distinctive: &[(String, f32)],
        common: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
        _pool: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let terms: Vec<(String, f32)> = distinctive.iter().chain(common).cloned().collect();
        self.lexical(&terms, boosts, filters, limit)
    }

    /// Dense candidates: documents whose best passage vector is most similar to the unit vector
    /// `query`, best first. Empty when the store has no vectors.
    fn dense(
        &self,
        query: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError>;

    /// Name of the model the store's vectors were made with, if it has vectors.
    fn dense_model(&self) -> Option<String>;

    /// Whether documents of `kind` have vectors (a store may embed judgments only).
    fn has_vectors_for(&self, _kind: crate::Kind) -> bool {
        self.dense_model().is_some()
    }

    /// The stored document with this id.
    fn document(&self, id: &str) -> Result<Option<Document>, StoreError>;

    /// The stored documents with these ids, in the same order (`None` for an unknown id). A
    /// request loads its candidates with one call.
    fn documents(&self, ids: &[String]) -> Result<Vec<Option<Document>>, StoreError> {
        ids.iter().map(|id| self.document(id)).collect()
    }

    /// The judgments with these ids without their text (`None` for an unknown id or a statute):
    /// id, authority, court, level, province, year, date, causes and cited articles — what
    /// ranking needs of every candidate (cause votes, statute votes, the authority order).
    /// Stores answer it without reading documents (the snapshot reads columns); causes and
    /// cited articles come in no particular order.
    fn judgment_headers(&self, ids: &[String]) -> Result<Vec<Option<Judgment>>, StoreError> {
        Ok(self
            .documents(ids)?
            .into_iter()
            .map(|document| match document {
                Some(Document::Judgment(j)) => Some(Judgment {
                    facts: String::new(),
                    reasoning: None,
                    result: None,
                    full_text: None,
                    ..j
                }),
                _ => None,
            })
            .collect())
    }

    /// In how many documents of `kind`-specific text field `field` the term occurs, and how many
    /// documents have that field: the statistics behind an IDF.
    fn document_frequency(&self, field: &str, term: &str) -> Result<(u64, u64), StoreError>;

    /// Corpus counts.
    fn stats(&self) -> CorpusStats;

    /// Every statute the store holds, by law, without text (see [`StatuteCatalog`]). Stores build
    /// it once and hand out the same one: citation checking asks for it with every draft.
    fn statute_catalog(&self) -> Result<Arc<StatuteCatalog>, StoreError>;
}

/// Turns a query text into a unit vector with the model a store's vectors were made with.
pub trait QueryEncoder: Send + Sync {
    /// Model name, compared with [`Store::dense_model`].
    fn model(&self) -> &str;
    fn encode(&self, text: &str) -> Result<Vec<f32>, StoreError>;
}
