//! Text bytes to a `String`: byte-order mark first, then UTF-16 without a mark (its NUL bytes
//! fall in one half of each code unit), then UTF-8, then `chardetng`'s guess (GB18030/GBK, Big5
//! …). Text that decodes to garbage is refused.

use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE};

/// How much of a file the detectors look at: enough to tell the encodings apart, and it bounds
/// their time on large files.
const SAMPLE_BYTES: usize = 64 << 10;

/// Decodes a text file's bytes; `Err` is the reason, in Chinese, to skip the file.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, String> {
    let text = decode_unchecked(bytes);
    check_text(&text)?;
    Ok(text)
}

/// Decodes bytes without judging the result: an HTML page is judged by its text, not its
/// markup and scripts.
pub(crate) fn decode_unchecked(bytes: &[u8]) -> String {
    if let Some((encoding, bom)) = Encoding::for_bom(bytes) {
        decode_with(encoding, &bytes[bom..])
    } else if let Some(encoding) = utf16_without_bom(bytes) {
        decode_with(encoding, bytes)
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_string()
    } else {
        let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
        let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
        detector.feed(sample, sample.len() == bytes.len());
        // The `cn` domain tips close calls towards the encodings Chinese courts write.
        decode_with(detector.guess(Some(b"cn"), Utf8Detection::Allow), bytes)
    }
}

fn decode_with(encoding: &'static Encoding, bytes: &[u8]) -> String {
    encoding.decode_without_bom_handling(bytes).0.into_owned()
}

/// UTF-16 without a byte-order mark. UTF-8 and GB18030 text has no NUL byte, while the ASCII
/// of a judgment (line ends, digits of dates and case numbers) has a NUL high byte in UTF-16:
/// second in little-endian, first in big-endian. The decoded sample must then read as text.
fn utf16_without_bom(bytes: &[u8]) -> Option<&'static Encoding> {
    if bytes.len() < 2 || !bytes.len().is_multiple_of(2) {
        return None;
    }
    let sample = &bytes[..bytes.len().min(SAMPLE_BYTES)];
    let (mut first, mut second) = (0usize, 0usize);
    for unit in sample.chunks_exact(2) {
        first += usize::from(unit[0] == 0);
        second += usize::from(unit[1] == 0);
    }
    let units = sample.len() / 2;
    let encoding = if second > units / 100 && second > 4 * first {
        UTF_16LE
    } else if first > units / 100 && first > 4 * second {
        UTF_16BE
    } else {
        return None;
    };
    let (text, _) = encoding.decode_without_bom_handling(sample);
    let (mut texty, mut total) = (0usize, 0usize);
    for c in text.chars() {
        total += 1;
        texty += usize::from(is_texty(c));
    }
    (texty * 10 >= total * 9).then_some(encoding)
}

/// Letters, digits, whitespace and punctuation (ASCII, CJK and full-width).
fn is_texty(c: char) -> bool {
    c.is_alphanumeric()
        || c.is_whitespace()
        || c.is_ascii_punctuation()
        || matches!(c, '\u{2000}'..='\u{206F}' | '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FFEF}')
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c, '\u{4E00}'..='\u{9FFF}' | '\u{3400}'..='\u{4DBF}' | '\u{20000}'..='\u{2FFFF}')
}

/// Refuses text that is not a Chinese document: empty, binary garbage (control characters or
/// undecodable bytes above 2 %), or nearly without Chinese characters.
pub(crate) fn check_text(text: &str) -> Result<(), String> {
    let (mut total, mut bad, mut han) = (0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        total += 1;
        bad += usize::from(c == '\u{FFFD}' || c.is_control());
        han += usize::from(is_han(c));
    }
    if total == 0 {
        return Err("文件没有文字内容".into());
    }
    if bad * 50 > total {
        return Err(format!(
            "内容像是二进制数据或乱码（{}% 的字符是控制字符或无法解码的字节），不是文本文件",
            bad * 100 / total
        ));
    }
    if han < 20 || han * 10 < total {
        return Err("几乎没有汉字，不像中文裁判文书".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "北京市朝阳区人民法院\n民事判决书\n（2021）京0105民初1234号\n原告王某某与被告北京某某科技有限公司民间借贷纠纷一案，本院于2021年3月4日立案。\n";

    #[test]
    fn encodings_of_court_files() {
        let gb18030 = encoding_rs::GB18030.encode(TEXT).0;
        assert_eq!(decode(&gb18030).unwrap(), TEXT);
        let le: Vec<u8> = TEXT.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be: Vec<u8> = TEXT.encode_utf16().flat_map(u16::to_be_bytes).collect();
        assert_eq!(decode(&le).unwrap(), TEXT);
        assert_eq!(decode(&be).unwrap(), TEXT);
        let with_bom = [&[0xff, 0xfe][..], &le].concat();
        assert_eq!(decode(&with_bom).unwrap(), TEXT);
        let utf8_bom = [&[0xef, 0xbb, 0xbf][..], TEXT.as_bytes()].concat();
        assert_eq!(decode(&utf8_bom).unwrap(), TEXT);
    }

    #[test]
    fn garbage_is_refused() {
        // A deterministic pseudo-random byte stream.
        let mut x = 0x2545_f491_u32;
        let noise: Vec<u8> = (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x >> 24) as u8
            })
            .collect();
        assert!(decode(&noise).unwrap_err().contains("二进制"));
        assert!(decode(b"hello world, no Chinese here").is_err());
        assert!(decode(b"   \n ").is_err());
    }
}
