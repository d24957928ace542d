//! Court archives: judgments kept as files (plain text in any of the encodings courts write,
//! Word `.docx`, HTML pages, PDF with a text layer), read by what each file is — its magic bytes
//! first, its extension second — and turned into judgments.

mod decode;
mod docx;
mod html;
pub(crate) mod parse;
mod pdf;

pub use docx::MAX_DOCX_XML_BYTES;
pub(crate) use parse::normalize_lines;

use leian_core::Judgment;
use std::io::Read;
use std::path::Path;

/// Largest text or HTML file read: a judgment is some 10-100 KB, so 20 MB is far beyond any
/// one document and bounds the time and memory of a file that is not one.
pub const MAX_TEXT_FILE_BYTES: u64 = 20 << 20;
/// Largest `.docx` or PDF file read (these carry images and fonts besides the text).
pub const MAX_BINARY_FILE_BYTES: u64 = 64 << 20;

/// What a file in a corpus folder is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// JSON or JSON Lines records (plain or gzip), read by [`crate::judgments`].
    Records,
    Text,
    Docx,
    Html,
    Pdf,
    /// Not a judgment document; the reason, in Chinese.
    Unsupported(String),
}

impl FileKind {
    pub(crate) fn name(&self) -> &'static str {
        match self {
            FileKind::Records => "json",
            FileKind::Text => "txt",
            FileKind::Docx => "docx",
            FileKind::Html => "html",
            FileKind::Pdf => "pdf",
            FileKind::Unsupported(_) => "",
        }
    }
}

/// Files a folder walk passes over without a word: hidden files, system metadata, Office lock
/// files and editor backups are nobody's judgments, and listing them would bury real skips.
pub(crate) fn is_ignored(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || name.ends_with('~')
        || ["thumbs.db", "desktop.ini"].contains(&lower.as_str())
}

fn extension(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_string()
}

/// Recognises a file from its first bytes, then its extension.
pub(crate) fn classify(path: &Path, head: &[u8]) -> FileKind {
    let ext = extension(path);
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(&[0x1f, 0x8b]) {
        return match ext.as_str() {
            "json" | "jsonl" => FileKind::Records,
            _ => FileKind::Unsupported("gzip 压缩文件：只读取 .json.gz / .jsonl.gz".into()),
        };
    }
    if starts(b"PK\x03\x04") {
        return match ext.as_str() {
            // A Word file misnamed `.doc` or without extension is still one; the reader checks
            // for its XML.
            "docx" | "doc" | "" => FileKind::Docx,
            "zip" => FileKind::Unsupported("ZIP 压缩包：请先解压".into()),
            other => FileKind::Unsupported(format!("ZIP 格式的 .{other} 文件：只读取 Word .docx")),
        };
    }
    // PDF readers accept the header anywhere in the first 1 KB.
    if starts(b"%PDF-") || (ext == "pdf" && head.windows(5).any(|w| w == b"%PDF-")) {
        return FileKind::Pdf;
    }
    if starts(&[0xd0, 0xcf, 0x11, 0xe0]) {
        return FileKind::Unsupported(
            "旧版 Office 文件（.doc/.xls/.wps）暂不支持：请另存为 .docx、.pdf 或 .txt".into(),
        );
    }
    let image = [
        &b"\x89PNG"[..],
        b"\xff\xd8\xff",
        b"GIF8",
        b"II*\x00",
        b"MM\x00*",
    ];
    let image_ext = [
        "bmp", "webp", "heic", "jpg", "jpeg", "png", "gif", "tif", "tiff",
    ];
    if image.iter().any(|m| starts(m)) || image_ext.contains(&ext.as_str()) {
        return FileKind::Unsupported("图片文件：不做文字识别（OCR），请提供文字版".into());
    }
    match ext.as_str() {
        "json" | "jsonl" => FileKind::Records,
        "txt" | "text" => FileKind::Text,
        "html" | "htm" | "xhtml" | "shtml" => FileKind::Html,
        "docx" => FileKind::Unsupported("扩展名为 .docx，但内容不是 ZIP，文件可能已损坏".into()),
        "pdf" => FileKind::Unsupported("扩展名为 .pdf，但没有 PDF 文件头，文件可能已损坏".into()),
        _ if looks_like_html(head) => FileKind::Html,
        "" => FileKind::Unsupported("没有扩展名，也无法从内容识别文件类型".into()),
        other => FileKind::Unsupported(format!(
            "不支持的文件类型（.{other}）：可读取 .txt、.docx、.html、.pdf、.json、.jsonl"
        )),
    }
}

fn looks_like_html(head: &[u8]) -> bool {
    let start = String::from_utf8_lossy(&head[..head.len().min(512)]).to_ascii_lowercase();
    let start = start.trim_start_matches('\u{feff}').trim_start();
    start.starts_with("<!doctype html") || start.starts_with("<html")
}

/// Reads the first bytes of a file, for [`classify`].
pub(crate) fn head(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(1024);
    std::fs::File::open(path)?
        .take(1024)
        .read_to_end(&mut head)?;
    Ok(head)
}

/// Reads a document file of `kind` into a judgment. `relative` is its path under the folder
/// read (the id of a judgment without a case number). `Err` is the reason, in Chinese, to skip.
pub(crate) fn read_document(
    path: &Path,
    kind: &FileKind,
    relative: &str,
) -> Result<Judgment, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("无法读取：{}", leian_core::messages::io_error(&e)))?
        .len();
    if size == 0 {
        return Err("文件为空".into());
    }
    let limit = match kind {
        FileKind::Docx | FileKind::Pdf => MAX_BINARY_FILE_BYTES,
        _ => MAX_TEXT_FILE_BYTES,
    };
    if size > limit {
        return Err(format!(
            "文件过大（{:.1} MB，上限 {} MB），不像单份裁判文书，已跳过",
            size as f64 / (1 << 20) as f64,
            limit >> 20
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("无法读取：{}", leian_core::messages::io_error(&e)))?;
    let raw = match kind {
        FileKind::Text => decode::decode(&bytes)?,
        FileKind::Html => html::text(&decode::decode_unchecked(&bytes)),
        FileKind::Docx => docx::text(&bytes)?,
        FileKind::Pdf => pdf::text(&bytes)?,
        FileKind::Records | FileKind::Unsupported(_) => {
            return Err("不是文书文件".into());
        }
    };
    let text = normalize_lines(&raw);
    if text.len() as u64 > MAX_TEXT_FILE_BYTES {
        return Err(format!(
            "提取出的文字超过 {} MB，不像单份裁判文书，已跳过",
            MAX_TEXT_FILE_BYTES >> 20
        ));
    }
    decode::check_text(&text)?;
    parse::judgment_from_text(text, relative, kind.name())
}
