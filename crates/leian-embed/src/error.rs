//! The one error type of the crate.

use std::path::PathBuf;

/// Why loading a model or embedding text failed.
#[derive(Debug, thiserror::Error)]
pub enum EmbedError {
    /// A file the model directory must hold is not there.
    #[error("模型目录 {} 中缺少文件 {file}", dir.display())]
    MissingFile { dir: PathBuf, file: String },

    /// A file exists but could not be read.
    #[error("无法读取 {}：{}", path.display(), io_reason(source))]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A JSON configuration file is malformed or lacks a required field.
    #[error("{} 格式有误：{message}", path.display())]
    InvalidConfig { path: PathBuf, message: String },

    /// The directory holds a model this encoder cannot run faithfully.
    #[error("不支持的模型：{0}")]
    UnsupportedModel(String),

    /// The tokenizer failed to load or to encode a text.
    #[error("分词器出错：{0}")]
    Tokenizer(String),

    /// A tensor operation or weight lookup failed.
    #[error("模型计算出错（candle）：{0}")]
    Candle(#[from] candle_core::Error),

    /// A caller-supplied option or argument is out of range.
    #[error("参数无效：{0}")]
    InvalidArgument(String),

    /// The thread pool asked for by [`crate::EncoderOptions::threads`] could not be built.
    #[error("无法创建线程池：{0}")]
    ThreadPool(#[from] rayon::ThreadPoolBuildError),
}

/// The usual I/O failures in Chinese (this crate does not depend on `leian-core`, whose
/// `messages::io_error` says the same for every crate above it).
fn io_reason(error: &std::io::Error) -> String {
    use std::io::ErrorKind::*;
    let text = match error.kind() {
        NotFound => "文件或目录不存在",
        PermissionDenied => "没有访问权限",
        IsADirectory => "这是目录，不是文件",
        InvalidData => "文件内容无效（不是 UTF-8 文本）",
        UnexpectedEof => "文件意外结束",
        _ => return error.to_string(),
    };
    match error.raw_os_error() {
        Some(code) => format!("{text}（系统错误码 {code}）"),
        None => text.to_string(),
    }
}

impl From<tokenizers::Error> for EmbedError {
    fn from(error: tokenizers::Error) -> Self {
        // tokenizers::Error is a boxed `dyn Error`, which does not itself implement `Error`, so
        // it cannot be kept as a source; its message is all callers can use anyway.
        EmbedError::Tokenizer(error.to_string())
    }
}
