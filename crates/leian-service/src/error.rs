//! The one error type of the use cases. Transports map it: the CLI prints it, the HTTP API turns
//! [`ServiceError::Invalid`] and an empty query into 4xx answers with a stable code.

use leian_search::SearchError;

/// Why a use case could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request is wrong: a bad value, a bad combination (a client error).
    #[error("{0}")]
    Invalid(String),
    /// Ranking refused or failed (an empty query is a client error too).
    #[error(transparent)]
    Search(#[from] SearchError),
    /// Something the request needs is not there (a model, an index, a tool).
    #[error("{0}")]
    Unavailable(String),
    /// A job failed: reading, writing, indexing, embedding.
    #[error("{0}")]
    Failed(String),
    /// A document the request names is not indexed (a client error).
    #[error("{0}")]
    NotFound(String),
    /// The request holds one document more than once (a client error).
    #[error("{0}")]
    Duplicate(String),
    /// The work passed its deadline and stopped ([`leian_core::deadline`]).
    #[error(transparent)]
    DeadlineExceeded(#[from] leian_core::deadline::DeadlineExceeded),
}

impl ServiceError {
    /// Whether the caller sent something wrong (as opposed to the service failing).
    pub fn is_client_error(&self) -> bool {
        matches!(
            self,
            ServiceError::Invalid(_)
                | ServiceError::NotFound(_)
                | ServiceError::Duplicate(_)
                | ServiceError::Search(SearchError::EmptyQuery | SearchError::Invalid(_))
        )
    }
}

/// Failures of the layers below (storage, embedding, ingest) are job failures, said as they are.
macro_rules! failed_from {
    ($($error:ty),+) => {$(
        impl From<$error> for ServiceError {
            fn from(error: $error) -> Self {
                ServiceError::Failed(error.to_string())
            }
        }
    )+};
}

failed_from!(
    leian_index::IndexError,
    leian_embed::EmbedError,
    leian_ingest::IngestError
);

impl From<leian_core::StoreError> for ServiceError {
    fn from(error: leian_core::StoreError) -> Self {
        match error {
            // Kept as it is: the HTTP API answers it with 503 naming the shard.
            leian_core::StoreError::ShardUnavailable { .. }
            | leian_core::StoreError::Unavailable(_) => {
                ServiceError::Search(SearchError::Store(error))
            }
            leian_core::StoreError::DeadlineExceeded => {
                ServiceError::DeadlineExceeded(leian_core::deadline::DeadlineExceeded)
            }
            other => ServiceError::Failed(other.to_string()),
        }
    }
}

impl From<std::io::Error> for ServiceError {
    fn from(error: std::io::Error) -> Self {
        ServiceError::Failed(leian_core::messages::io_error(&error))
    }
}

impl From<leian_core::FilterError> for ServiceError {
    fn from(error: leian_core::FilterError) -> Self {
        ServiceError::Invalid(error.to_string())
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// Says what was being done when a job step failed (`无法读取 …：文件或目录不存在`).
pub(crate) trait Context<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T>;
}

impl<T, E: std::fmt::Display + 'static> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.map_err(|e| ServiceError::Failed(format!("{}：{}", what(), reason(&e))))
    }
}

/// An error's message; the operating system's and serde's in Chinese.
fn reason<E: std::fmt::Display + 'static>(error: &E) -> String {
    match (error as &dyn std::any::Any).downcast_ref::<std::io::Error>() {
        Some(io) => leian_core::messages::io_error(io),
        None => leian_core::messages::json_message(&error.to_string()),
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, what: impl FnOnce() -> String) -> Result<T> {
        self.ok_or_else(|| ServiceError::Failed(what()))
    }
}
