//! Text normalisation that keeps a map back to the original text, so that tokens found in the
//! normalised text can be highlighted in the text the user sent.
//!
//! Folds full-width forms to ASCII and ASCII to lower case, and writes numbers one way:
//! `五万元`, `5万元` and `50,000元` all become `50000元`; `第二百六十四条` becomes `第264条`.

use crate::numerals::{digit_value, is_numeral_char, parse_chinese_number};

/// Normalised text plus, for each stretch of it, the byte range of the original it came from.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub text: String,
    /// `(normalised_start, original_start, original_end)`, sorted by `normalised_start`.
    spans: Vec<(usize, usize, usize)>,
}

impl Normalized {
    /// Maps a byte range of the normalised text to the byte range of the original it covers.
    pub fn original_range(&self, start: usize, end: usize) -> (usize, usize) {
        let unit = |at: usize| match self.spans.binary_search_by(|span| span.0.cmp(&at)) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        let first = self.spans[unit(start)];
        let last = self.spans[unit(end.saturating_sub(1).max(start))];
        (first.1, last.2)
    }
}

/// A character after width and case folding, with its original byte range.
#[derive(Clone, Copy)]
struct Folded {
    c: char,
    start: usize,
    end: usize,
}

fn fold_char(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
    .to_ascii_lowercase()
}

/// Measure words after which a single Chinese digit is a quantity (`三人`, `五克`), not part of a
/// word (`一些`, `一般`).
const SINGLE_DIGIT_MEASURES: &str = "元克万亿倍岁次名人年月日个辆部台张只份件处天条款项";

/// Normalises `text`; see the module documentation.
pub fn normalize(text: &str) -> Normalized {
    let folded: Vec<Folded> = text
        .char_indices()
        .map(|(start, c)| Folded {
            c: fold_char(c),
            start,
            end: start + c.len_utf8(),
        })
        .collect();
    let mut out = Normalized {
        text: String::with_capacity(text.len()),
        spans: Vec::new(),
    };
    let push = |out: &mut Normalized, piece: &str, start: usize, end: usize| {
        out.spans.push((out.text.len(), start, end));
        out.text.push_str(piece);
    };
    let mut i = 0;
    let mut buf = [0u8; 4];
    while i < folded.len() {
        if let Some((len, value)) =
            arabic_number(&folded[i..]).or_else(|| chinese_number(&folded[i..]))
        {
            let (start, end) = (folded[i].start, folded[i + len - 1].end);
            push(&mut out, &value, start, end);
            i += len;
            continue;
        }
        let f = folded[i];
        push(&mut out, f.c.encode_utf8(&mut buf), f.start, f.end);
        i += 1;
    }
    if out.spans.is_empty() {
        out.spans.push((0, 0, 0));
    }
    out
}

/// An Arabic number that needs rewriting: thousands separators (`50,000`) or a 万/亿 multiplier
/// (`5万`, `2.5万`). Returns the number of characters consumed and the digits to write.
fn arabic_number(chars: &[Folded]) -> Option<(usize, String)> {
    if !chars[0].c.is_ascii_digit() {
        return None;
    }
    let mut digits = String::new();
    let mut i = 0;
    let mut grouped = false;
    while i < chars.len() {
        let c = chars[i].c;
        if c.is_ascii_digit() {
            digits.push(c);
            i += 1;
        } else if c == ','
            && chars.len() >= i + 4
            && chars[i + 1..i + 4].iter().all(|f| f.c.is_ascii_digit())
            && chars.get(i + 4).is_none_or(|f| !f.c.is_ascii_digit())
        {
            grouped = true;
            i += 1;
        } else {
            break;
        }
    }
    let mut fraction = String::new();
    if chars.get(i).is_some_and(|f| f.c == '.')
        && chars.get(i + 1).is_some_and(|f| f.c.is_ascii_digit())
    {
        let mut j = i + 1;
        while chars.get(j).is_some_and(|f| f.c.is_ascii_digit()) {
            fraction.push(chars[j].c);
            j += 1;
        }
        if chars.get(j).is_some_and(|f| matches!(f.c, '万' | '亿')) {
            i = j;
        } else {
            fraction.clear();
        }
    }
    let multiplier_digits = match chars.get(i).map(|f| f.c) {
        Some('万') => 4,
        Some('亿') => 8,
        _ if grouped => 0,
        _ => return None,
    };
    if multiplier_digits > 0 {
        i += 1;
    }
    if fraction.len() > multiplier_digits {
        return None; // 1.23456万 is not a whole number of yuan; leave it as written.
    }
    let mut value = digits.trim_start_matches('0').to_string();
    value.push_str(&fraction);
    value.extend(std::iter::repeat_n('0', multiplier_digits - fraction.len()));
    if value.is_empty() {
        value.push('0');
    }
    Some((i, value))
}

/// A Chinese numeral in a numeric context. Returns characters consumed and the Arabic digits.
fn chinese_number(chars: &[Folded]) -> Option<(usize, String)> {
    if digit_value(chars[0].c).is_none() && !matches!(chars[0].c, '十' | '拾') {
        return None;
    }
    let len = chars.iter().take_while(|f| is_numeral_char(f.c)).count();
    // Shrink until the run parses (`三万五` parses whole; `七八` never does).
    let mut end = len;
    while end > 0 {
        let run: String = chars[..end].iter().map(|f| f.c).collect();
        if let Some(value) = parse_chinese_number(&run) {
            let next = chars.get(end).map(|f| f.c);
            let quantity = end >= 2 || next.is_some_and(|c| SINGLE_DIGIT_MEASURES.contains(c));
            return quantity.then(|| (end, value.to_string()));
        }
        end -= 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(text: &str) -> String {
        normalize(text).text
    }

    #[test]
    fn widths_and_case_fold() {
        assert_eq!(n("ＡＢＣ１２３（二）"), "abc123(二)");
        assert_eq!(n("被告人张3\u{3000}男"), "被告人张3 男");
    }

    #[test]
    fn amounts_are_written_one_way() {
        assert_eq!(n("并处罚金人民币三万元"), "并处罚金人民币30000元");
        assert_eq!(n("借款5万元"), "借款50000元");
        assert_eq!(n("借款50,000元"), "借款50000元");
        assert_eq!(n("借款2.5万元"), "借款25000元");
        assert_eq!(n("欲骗取现金人民币10万元"), "欲骗取现金人民币100000元");
        assert_eq!(n("价值1.5元"), "价值1.5元");
    }

    #[test]
    fn article_numbers_and_dates() {
        assert_eq!(
            n("第二百六十六条、第二十三条、第六十七条第三款"),
            "第266条、第23条、第67条第3款"
        );
        assert_eq!(n("二〇一七年六月二十八日"), "2017年6月28日");
    }

    #[test]
    fn words_with_numeral_characters_survive() {
        assert_eq!(n("一些"), "一些");
        assert_eq!(n("万一"), "万一");
        assert_eq!(n("千万不要"), "千万不要");
        assert_eq!(n("十分"), "十分");
        assert_eq!(n("一起"), "一起");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let text = "罚金人民币三万元，ＡＢ";
        let norm = normalize(text);
        let at = norm.text.find("30000").unwrap();
        let (s, e) = norm.original_range(at, at + 5);
        assert_eq!(&text[s..e], "三万");
        let at = norm.text.find("ab").unwrap();
        let (s, e) = norm.original_range(at, at + 2);
        assert_eq!(&text[s..e], "ＡＢ");
        assert_eq!(normalize("").text, "");
    }
}
