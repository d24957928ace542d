//! Domain types shared by every Leian crate: documents (judgments and statute articles), their
//! metadata vocabularies, and the storage seam the search engine talks to.

mod document;
mod vocab;

pub use document::{Document, Judgment, Statute, statute_id};
pub use vocab::{Authority, CourtLevel, Domain, Kind, ParseVocabError, Procedure, StatuteStatus};
