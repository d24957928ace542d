//! The one error type of the crate.

use std::path::PathBuf;

/// Why loading a model or embedding text failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file the model directory must hold is not there.
    #[error("missing file {file} in model directory {}", dir.display())]
    MissingFile { dir: PathBuf, file: String },

    /// A file exists but could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A JSON configuration file is malformed or lacks a required field.
    #[error("invalid {}: {message}", path.display())]
    InvalidConfig { path: PathBuf, message: String },

    /// The directory holds a model this encoder cannot run faithfully.
    #[error("unsupported model: {0}")]
    UnsupportedModel(String),

    /// The tokenizer failed to load or to encode a text.
    #[error("tokenizer error: {0}")]
    Tokenizer(String),

    /// A tensor operation or weight lookup failed.
    #[error("candle error: {0}")]
    Candle(#[from] candle_core::Error),

    /// A caller-supplied option or argument is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The thread pool asked for by [`crate::EncoderOptions::threads`] could not be built.
    #[error("cannot build thread pool: {0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

impl From<tokenizers::Error> for EmbedError {
    fn from(error: tokenizers::Error) -> Self {
        // tokenizers::Error is a boxed `dyn Error`, which does not itself implement `Error`, so
        // it cannot be kept as a source; its message is all callers can use anyway.
        EmbedError::Tokenizer(error.to_string())
    }
}
