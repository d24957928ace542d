//! PDF with a text layer, through `pdf-extract`. No OCR: a scanned (image-only) PDF has no text
//! to read and is skipped, as is one encrypted with a password.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

thread_local! {
    /// Set while this thread extracts a PDF: its panics are caught and reported as a skip.
    static EXTRACTING: Cell<bool> = const { Cell::new(false) };
}

/// The text of a PDF file, lines as laid out; `Err` is the reason, in Chinese, to skip it.
pub(crate) fn text(bytes: &[u8]) -> Result<String, String> {
    quiet_panics_while_extracting();
    EXTRACTING.with(|flag| flag.set(true));
    // pdf-extract panics (`panic!`, `unwrap`) on fonts, encodings and objects it does not
    // expect, and court archives hold PDFs from every kind of producer: a panic must become a
    // skip of that file, not end the import. Nothing outlives the closure, so the state a
    // panic leaves behind is dropped with it.
    let outcome = catch_unwind(AssertUnwindSafe(|| extract(bytes)));
    EXTRACTING.with(|flag| flag.set(false));
    outcome.unwrap_or_else(|_| Err("PDF 结构无法解析（提取文字时出错），已跳过".into()))
}

fn extract(bytes: &[u8]) -> Result<String, String> {
    let mut document =
        pdf_extract::Document::load_mem(bytes).map_err(|e| format!("不是有效的 PDF 文件：{e}"))?;
    if document.is_encrypted() && document.decrypt("").is_err() {
        return Err("PDF 已加密（需要密码才能打开），无法读取文字".into());
    }
    let mut text = String::new();
    let mut output = pdf_extract::PlainTextOutput::new(&mut text);
    pdf_extract::output_doc(&document, &mut output)
        .map_err(|e| format!("无法提取 PDF 的文字：{e}"))?;
    if !text.chars().any(crate::archive::decode::is_han) {
        return Err("PDF 没有可提取的文字（可能是扫描件或图片，未做文字识别 OCR）".into());
    }
    Ok(unwrap_lines(&text))
}

/// The panic hook prints every panic; a panic caught in [`text`] is reported as a skip instead,
/// so the hook stays silent for it (and only for it: other threads' panics print as before).
fn quiet_panics_while_extracting() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !EXTRACTING.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// Joins the lines a paragraph was wrapped into: a PDF has lines, not paragraphs, and a wrap
/// can cut a marker (`判决如` / `下`) or a case number in two. A line ends its paragraph when it
/// ends a sentence (。：；！？) or stops well short of the full width (titles, signatures, the
/// last line of a paragraph).
pub(crate) fn unwrap_lines(text: &str) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let width = |line: &str| line.chars().count();
    let mut widths: Vec<usize> = lines.iter().map(|l| width(l)).collect();
    widths.sort_unstable();
    // The full width: the 90th percentile, robust to a few overlong lines.
    let full = widths.get(widths.len() * 9 / 10).copied().unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        // A sentence may end inside a bracket or quote: `…缴纳。）`.
        let ends_sentence = line
            .trim_end_matches(['）', ')', '”', '’', '」', '』', '》'])
            .ends_with(['。', '：', ':', '；', '！', '？']);
        let short = width(line) * 10 < full * 8;
        if ends_sentence || short || i + 1 == lines.len() {
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_are_joined() {
        let body = "本院认为，被告人张三以非法占有为目的，秘密窃取他人财物，数额较大，其行为已构成盗窃罪，依照《中华人民共和国刑法》第二百六十四条之规定，判决如下：";
        let chars: Vec<char> = body.chars().collect();
        let wrapped: Vec<String> = chars.chunks(17).map(|c| c.iter().collect()).collect();
        let text = format!("刑事判决书\n{}\n审判员李四\n", wrapped.join("\n"));
        assert_eq!(
            unwrap_lines(&text),
            format!("刑事判决书\n{body}\n审判员李四\n")
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(text(b"%PDF-1.4\n garbage").is_err());
        assert!(text(b"").is_err());
    }
}
