//! Leian's use cases, one request and one response type each, called alike by the command line
//! and the HTTP API: a front end parses, calls, formats.
//!
//! - [`Service`]: an opened snapshot and its engine; [`Service::research`] (similar judgments in
//!   authority order with explanations, outcomes, linked statutes, the query's analysis),
//!   [`Service::report`] (the 类案检索报告), [`Service::check_citations`];
//! - [`eval`]: trec_eval metrics over any stage of the ranking pipeline;
//! - jobs with progress callbacks: [`indexing`] (build a snapshot from corpora and statutes),
//!   [`updating`] (add, replace and remove documents of a published snapshot),
//!   [`embedding`] (passage vectors through the cache), [`models`] and [`fetch`] (pinned model
//!   and statute packages).
//!
//! ```no_run
//! use leian_service::{EngineSettings, ResearchRequest, Service};
//!
//! let service = Service::open("leian-index".as_ref(), &EngineSettings::default())?;
//! let research = service.research(&ResearchRequest::new("被告人酒后驾驶机动车，血液酒精含量152mg/100ml"))?;
//! for hit in &research.judgments {
//!     println!("{} {} {}", hit.hit.rank, hit.hit.title, hit.authority.reason);
//! }
//! # Ok::<(), leian_service::ServiceError>(())
//! ```

pub mod batch;
pub mod draft_check;
pub mod embedding;
pub mod encoder;
pub mod error;
pub mod eval;
pub mod fetch;
pub mod indexing;
pub mod models;
pub mod progress;
pub mod report;
pub mod request;
pub mod research;
pub mod sentencing;
mod service;
#[cfg(test)]
mod testing;
pub mod updating;

pub use error::{Result, ServiceError};
pub use progress::{Progress, Silent};
pub use report::{Platform, Report, ReportFormat, ReportMeta, Requester};
pub use request::{
    CourtBody, FilterBody, MAX_TOP_K, OneOrMany, ResearchQuery, ResearchRequest, Scope,
};
pub use research::{Research, ResearchHit, Stage, StatuteHits};
pub use service::{EngineSettings, QUERY_TOKENS_PARAM, Service};

impl Service {
    /// Checks every statute citation of a draft against the snapshot's statutes.
    pub fn check_citations(&self, text: &str) -> Result<leian_legal::CitationReport> {
        let report =
            leian_legal::check_citations(self.engine.store(), text).map_err(|e| match e {
                leian_legal::CheckError::EmptyText => ServiceError::Invalid(e.to_string()),
                other => ServiceError::Failed(other.to_string()),
            })?;
        // The check stops early at the deadline; a partial list is not an answer.
        leian_core::deadline::check()?;
        Ok(report)
    }
}
