//! Domain types shared by every Leian crate: documents (judgments and statute articles), their
//! metadata vocabularies, search filters, and the storage seam the search engine talks to.
//!
//! ```
//! use leian_core::{Domain, Filters, Kind, statute_id};
//!
//! // Filters accept wire names and the usual Chinese terms; unknown keys or values are errors.
//! let filters = Filters::parse(["domain=刑事", "year=2016..2018"]).unwrap();
//! assert_eq!((filters.year_from, filters.year_to), (Some(2016), Some(2018)));
//! assert!(Filters::parse(["colour=red"]).is_err());
//! assert_eq!("civil".parse::<Domain>().unwrap(), Domain::Civil);
//! assert_eq!(Kind::Statute.as_str(), "statute");
//! assert_eq!(statute_id("中华人民共和国刑法", "133之一"), "中华人民共和国刑法第133条之一");
//! ```

mod catalog;
pub mod deadline;
mod document;
mod filter;
pub mod first_pass;
pub mod messages;
pub mod request;
pub mod shards;
mod store;
mod vocab;

pub use catalog::{CatalogArticle, CatalogLaw, StatuteCatalog};
pub use document::{Document, Judgment, Statute, TextElements, statute_id};
pub use filter::{FILTER_KEYS, FilterError, FilterField, Filters};
pub use store::{Candidate, CorpusStats, FieldBoosts, QueryEncoder, Store, StoreError};
pub use vocab::{
    Authority, CourtLevel, Domain, Kind, PROVINCES, ParseVocabError, Procedure, StatuteStatus,
    parse_province, province_short_name,
};
