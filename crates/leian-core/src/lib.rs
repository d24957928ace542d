//! Domain types shared by every Leian crate: documents (judgments and statute articles), their
//! metadata vocabularies, search filters, and the storage seam the search engine talks to.

mod catalog;
mod document;
mod filter;
mod store;
mod vocab;

pub use catalog::{CatalogArticle, CatalogLaw, StatuteCatalog};
pub use document::{Document, Judgment, Statute, statute_id};
pub use filter::{FILTER_KEYS, FilterError, FilterField, Filters};
pub use store::{Candidate, CorpusStats, FieldBoosts, QueryEncoder, Store, StoreError};
pub use vocab::{Authority, CourtLevel, Domain, Kind, ParseVocabError, Procedure, StatuteStatus};
