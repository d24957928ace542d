//! Word `.docx`: a zip holding `word/document.xml`; each `<w:p>` paragraph becomes a line.

use quick_xml::Reader;
use quick_xml::events::Event;
use std::io::{Cursor, Read};

/// Largest `word/document.xml` read, declared or actual: a judgment's XML is well under 1 MB,
/// so 64 MB admits any real document and refuses a decompression bomb.
pub const MAX_DOCX_XML_BYTES: u64 = 64 << 20;

/// The text of a `.docx` file; `Err` is the reason, in Chinese, to skip it.
pub(crate) fn text(bytes: &[u8]) -> Result<String, String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| format!("不是有效的 .docx（ZIP）文件：{e}"))?;
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|_| "ZIP 文件中没有 word/document.xml，不是 Word .docx 文件".to_string())?;
    let too_large = || {
        format!(
            "word/document.xml 解压后超过 {} MB，疑似压缩炸弹，已拒绝读取",
            MAX_DOCX_XML_BYTES >> 20
        )
    };
    // The declared size first (cheap), then a cap on what is actually inflated: the header
    // can lie.
    if entry.size() > MAX_DOCX_XML_BYTES {
        return Err(too_large());
    }
    let mut xml = Vec::new();
    (&mut entry)
        .take(MAX_DOCX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|e| format!("无法解压 word/document.xml：{e}"))?;
    if xml.len() as u64 > MAX_DOCX_XML_BYTES {
        return Err(too_large());
    }
    let xml =
        std::str::from_utf8(&xml).map_err(|_| "word/document.xml 不是 UTF-8 编码".to_string())?;
    paragraphs(xml).map_err(|e| format!("word/document.xml 格式有误：{e}"))
}

/// Paragraph texts, one a line: the runs' `<w:t>`, tabs and breaks; deleted text (`<w:delText>`)
/// and field codes (`<w:instrText>`) are not `<w:t>` and so left out.
fn paragraphs(xml: &str) -> Result<String, quick_xml::Error> {
    let mut reader = Reader::from_str(xml);
    let mut out = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event()? {
            Event::Start(e) if e.local_name().as_ref() == "t" => in_text = true,
            Event::End(e) => match e.local_name().as_ref() {
                "t" => in_text = false,
                "p" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "tab" => out.push('\t'),
                "br" | "cr" | "p" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if in_text => out.push_str(&t.xml10_content()),
            Event::CData(t) if in_text => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if in_text => {
                if let Some(c) = r.resolve_char_ref()? {
                    out.push(c);
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&r) {
                    out.push_str(s);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_tabs_entities_and_deletions() {
        let xml = r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>
            <w:p><w:r><w:t>刑事</w:t></w:r><w:r><w:t xml:space="preserve">判决书</w:t></w:r></w:p>
            <w:p><w:r><w:t>A&amp;B&#x4E00;</w:t><w:tab/><w:delText>删去</w:delText><w:t>尾</w:t></w:r></w:p>
            <w:p/></w:body></w:document>"#;
        assert_eq!(paragraphs(xml).unwrap(), "刑事判决书\nA&B一\t尾\n\n");
    }
}
