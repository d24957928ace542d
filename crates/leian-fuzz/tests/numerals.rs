//! Property tests of Chinese numeral parsing: numbers written the ways judgments write them,
//! by a reference formatter written here, parse back to themselves (the parser, the text
//! normaliser and both citation readers); arbitrary strings never panic nor overflow.

use leian_text::{
    Reference, find_citations, find_draft_citations, normalize, parse_chinese_number,
};
use proptest::prelude::*;

/// How a number is written: plain (`二`, `十三`), with `两` before a unit, in the financial
/// forms (`贰拾`), with the leading `一` of `一十` kept.
#[derive(Debug, Clone, Copy)]
struct Style {
    liang: bool,
    financial: bool,
    yi_shi: bool,
}

const PLAIN: Style = Style {
    liang: false,
    financial: false,
    yi_shi: false,
};

fn digit(d: u64, style: Style, before_unit: bool) -> char {
    let plain = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let financial = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    if d == 2 && before_unit && style.liang && !style.financial {
        return '两';
    }
    if style.financial {
        financial[d as usize]
    } else {
        plain[d as usize]
    }
}

/// 1..=9999 in unit form; `leading` when nothing is written before it (`十三`, not `一十三`).
fn section(n: u64, style: Style, leading: bool) -> String {
    let units = if style.financial {
        ['仟', '佰', '拾']
    } else {
        ['千', '百', '十']
    };
    let digits = [n / 1000, n / 100 % 10, n / 10 % 10];
    let mut out = String::new();
    let mut gap = false;
    for (i, &d) in digits.iter().enumerate() {
        if d == 0 {
            gap = !out.is_empty();
            continue;
        }
        if gap {
            out.push('零');
            gap = false;
        }
        let is_ten = i == 2;
        if !(is_ten && d == 1 && leading && out.is_empty() && !style.yi_shi) {
            // `两` reads well before 百/千, not before 十 (`二十`, never `两十`).
            out.push(digit(d, style, !is_ten));
        }
        out.push(units[i]);
    }
    let ones = n % 10;
    if ones != 0 {
        if gap {
            out.push('零');
        }
        out.push(digit(ones, style, false));
    }
    out
}

/// `n` written in Chinese, below 10^12 (a 亿 group of at most four digits).
fn chinese(n: u64, style: Style) -> String {
    if n == 0 {
        return "零".into();
    }
    let groups = [
        (n / 100_000_000, '亿'),
        (n / 10_000 % 10_000, '万'),
        (n % 10_000, ' '),
    ];
    let mut out = String::new();
    let mut pending_zero = false;
    for (value, unit) in groups {
        if value == 0 {
            pending_zero = !out.is_empty();
            continue;
        }
        if !out.is_empty() && (pending_zero || value < 1000) {
            out.push('零');
        }
        pending_zero = false;
        out.push_str(&section(value, style, out.is_empty()));
        if unit != ' ' {
            out.push(if unit == '万' && style.financial {
                '萬'
            } else {
                unit
            });
        }
    }
    out
}

/// `n` digit by digit (`二〇一七`).
fn positional(n: u64, zero: char) -> String {
    let plain = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    n.to_string()
        .bytes()
        .map(|b| match b - b'0' {
            0 => zero,
            d => plain[d as usize],
        })
        .collect()
}

fn full_width(n: u64) -> String {
    n.to_string()
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect()
}

#[test]
fn reference_formatter_writes_as_judgments_do() {
    let cases = [
        (0, "零"),
        (10, "十"),
        (13, "十三"),
        (105, "一百零五"),
        (110, "一百一十"),
        (264, "二百六十四"),
        (1040, "一千零四十"),
        (1205, "一千二百零五"),
        (10_500, "一万零五百"),
        (35_000, "三万五千"),
        (100_010, "十万零一十"),
        (120_000_000, "一亿二千万"),
        (100_000_001, "一亿零一"),
    ];
    for (n, written) in cases {
        assert_eq!(chinese(n, PLAIN), written, "{n}");
    }
}

/// Every number below 100,000 in the plain form, the common variants and digit by digit.
#[test]
fn every_number_below_100000_round_trips() {
    let styles = [
        PLAIN,
        Style {
            liang: true,
            ..PLAIN
        },
        Style {
            financial: true,
            ..PLAIN
        },
        Style {
            yi_shi: true,
            ..PLAIN
        },
    ];
    for n in 0..=99_999u64 {
        for style in styles {
            let written = chinese(n, style);
            assert_eq!(parse_chinese_number(&written), Some(n), "{written}");
        }
        if n >= 10 {
            for zero in ['〇', '零'] {
                let written = positional(n, zero);
                assert_eq!(parse_chinese_number(&written), Some(n), "{written}");
            }
        }
    }
}

/// Every character a numeral may hold.
const NUMERAL_CHARS: &str = "零〇О一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿";

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(liang, financial, yi_shi)| Style {
        liang,
        financial,
        yi_shi,
    })
}

/// Characters numerals are made of, so that random strings are mostly near-numerals.
fn numeral_soup() -> impl Strategy<Value = String> {
    let alphabet: Vec<char> =
        "零〇О一壹二贰两三叁四肆五伍六陆七柒八捌九玖十拾百佰千仟万萬亿0１a条之"
            .chars()
            .collect();
    prop::collection::vec(prop::sample::select(alphabet), 0..40)
        .prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    /// Below 10^12: the parser does not read `万亿` (a 万 group before 亿), which no article
    /// number or sum in the corpus needs.
    #[test]
    fn large_numbers_round_trip(n in 0u64..1_000_000_000_000, style in style()) {
        let written = chinese(n, style);
        prop_assert_eq!(parse_chinese_number(&written), Some(n), "{}", written);
    }

    /// Positional digits of any length parse while they fit, and refuse (never wrap) beyond.
    #[test]
    fn positional_digits_never_overflow(digits in "[1-9][0-9]{0,24}") {
        let written: String = digits
            .bytes()
            .map(|b| ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'][(b - b'0') as usize])
            .collect();
        prop_assert_eq!(parse_chinese_number(&written), digits.parse::<u64>().ok());
    }

    /// Near-numerals and arbitrary text: no panic, no overflow (tests run with overflow checks),
    /// and a value only for strings made of numeral characters.
    #[test]
    fn arbitrary_strings_never_panic(soup in numeral_soup(), any in "\\PC{0,30}") {
        for text in [&soup, &any] {
            if parse_chinese_number(text).is_some() {
                prop_assert!(text.chars().all(|c| NUMERAL_CHARS.contains(c)), "{}", text);
            }
            let _ = normalize(text);
        }
    }

    /// The normaliser writes numbers one way: Chinese, full-width and Arabic articles and sums
    /// all become Arabic digits.
    #[test]
    fn normaliser_writes_arabic(n in 1u64..100_000_000, style in style()) {
        let expected = format!("第{n}条");
        for written in [chinese(n, style), full_width(n), n.to_string()] {
            let text = format!("第{written}条");
            prop_assert_eq!(&normalize(&text).text, &expected, "{}", text);
        }
    }

    /// Both citation readers read an article number in any writing.
    #[test]
    fn citation_article_numbers(n in 1u32..10_000, sub in 1u64..10, style in style()) {
        let chinese_n = chinese(u64::from(n), Style { financial: false, ..style });
        for written in [chinese_n.clone(), full_width(u64::from(n)), n.to_string()] {
            let text = format!("依照《中华人民共和国刑法》第{written}条之{}的规定", chinese(sub, PLAIN));
            let drafts = find_draft_citations(&text);
            prop_assert_eq!(drafts.len(), 1, "{}", text);
            match &drafts[0].reference {
                Reference::Article { number, article, .. } => {
                    prop_assert_eq!(*number, n);
                    prop_assert_eq!(article, &format!("{n}之{}", chinese(sub, PLAIN)));
                }
                other => prop_assert!(false, "{text}: {other:?}"),
            }
        }
        // The judgment reader takes Chinese and Arabic digits (not full-width).
        for written in [chinese_n, n.to_string()] {
            let text = format!("依照《中华人民共和国刑法》第{written}条第{}款", chinese(sub, PLAIN));
            let found = find_citations(&text);
            prop_assert_eq!(found.len(), 1, "{}", text);
            prop_assert_eq!(&found[0].article, &n.to_string());
            prop_assert_eq!(found[0].paragraph, Some(sub as u32));
        }
    }

    /// A range is read whatever its width, and a backwards one is reported, not swapped.
    #[test]
    fn citation_ranges(first in 1u32..=u32::MAX, last in 1u32..=u32::MAX) {
        let text = format!("依照《中华人民共和国刑法》第{first}条至第{last}条");
        let drafts = find_draft_citations(&text);
        prop_assert_eq!(drafts.len(), 1, "{}", text);
        let expected = if first < last {
            Reference::Range { first, last }
        } else if first == last {
            drafts[0].reference.clone() // one article written as a range; either reading is fine
        } else {
            Reference::Malformed(leian_text::Malformation::ReversedRange { first, last })
        };
        prop_assert_eq!(&drafts[0].reference, &expected);
    }
}
