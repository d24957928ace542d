//! Chinese numerals → integers: `二百六十四` → 264, `三万` → 30000, `二〇一七` → 2017, `两千` → 2000.

/// The value of one Chinese digit character, if it is one.
pub fn digit_value(c: char) -> Option<u64> {
    Some(match c {
        '零' | '〇' | 'О' => 0,
        '一' | '壹' => 1,
        '二' | '贰' | '两' => 2,
        '三' | '叁' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

/// The multiplier of a unit character below 万 (十 百 千).
fn small_unit(c: char) -> Option<u64> {
    Some(match c {
        '十' | '拾' => 10,
        '百' | '佰' => 100,
        '千' | '仟' => 1000,
        _ => return None,
    })
}

/// The multiplier of a section unit (万 亿).
fn big_unit(c: char) -> Option<u64> {
    Some(match c {
        '万' | '萬' => 10_000,
        '亿' => 100_000_000,
        _ => return None,
    })
}

/// Whether `c` can appear in a Chinese numeral.
pub fn is_numeral_char(c: char) -> bool {
    digit_value(c).is_some() || small_unit(c).is_some() || big_unit(c).is_some()
}

/// Parses a whole string as a Chinese numeral. Accepts the positional form (`二〇一七`) and the
/// unit form (`一千二百零五`, `十三`, `三万五千`). Returns `None` for anything else, including
/// malformed unit sequences such as `万一` or `千万` (which are words, not numbers).
pub fn parse_chinese_number(text: &str) -> Option<u64> {
    let chars: Vec<char> = text.chars().collect();
    if chars.is_empty() {
        return None;
    }
    if chars.iter().all(|&c| digit_value(c).is_some()) {
        if chars.len() == 1 {
            return digit_value(chars[0]);
        }
        // Positional digits (years, codes). `两` never appears in that form.
        if chars.contains(&'两') {
            return None;
        }
        return chars.iter().try_fold(0u64, |acc, &c| {
            acc.checked_mul(10)?.checked_add(digit_value(c)?)
        });
    }
    // A number starts with a digit, or with 十 (十三 = 13); never with 百/千/万/亿.
    if digit_value(chars[0]).is_none() && !matches!(chars[0], '十' | '拾') {
        return None;
    }
    let mut total: u64 = 0; // completed 亿/万 sections
    let mut section: u64 = 0; // value below the current big unit
    let mut digit: Option<u64> = None;
    let mut last_small_unit = u64::MAX;
    for &c in &chars {
        if let Some(d) = digit_value(c) {
            if digit.is_some_and(|previous| previous != 0) {
                return None; // two digits in a row in unit form (零 may precede one)
            }
            digit = Some(d);
        } else if let Some(unit) = small_unit(c) {
            if unit >= last_small_unit {
                return None;
            }
            last_small_unit = unit;
            section += digit.take().unwrap_or(1) * unit;
        } else if let Some(unit) = big_unit(c) {
            section += digit.take().unwrap_or(0);
            if section == 0 {
                return None;
            }
            total = total.checked_add(section.checked_mul(unit)?)?;
            section = 0;
            last_small_unit = u64::MAX;
        } else {
            return None;
        }
    }
    Some(total + section + digit.unwrap_or(0))
}

/// `n` written as a Chinese numeral, for 0 to 99 (`十`, `十一`, `二十三`); `None` above.
pub fn chinese_numeral(n: u64) -> Option<String> {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    let unit = |d: u64| match d {
        0 => "",
        d => DIGITS[d as usize],
    };
    match n {
        0..=9 => Some(DIGITS[n as usize].to_string()),
        10..=19 => Some(format!("十{}", unit(n - 10))),
        20..=99 => Some(format!("{}十{}", DIGITS[(n / 10) as usize], unit(n % 10))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::parse_chinese_number as p;

    #[test]
    fn numerals_written_read_back() {
        for n in 0..=99 {
            let written = super::chinese_numeral(n).unwrap();
            assert_eq!(p(&written), Some(n), "{written}");
        }
        assert_eq!(super::chinese_numeral(10).as_deref(), Some("十"));
        assert_eq!(super::chinese_numeral(40).as_deref(), Some("四十"));
        assert_eq!(super::chinese_numeral(100), None);
    }

    #[test]
    fn article_numbers_from_judgments() {
        assert_eq!(p("二百六十六"), Some(266));
        assert_eq!(p("六十七"), Some(67));
        assert_eq!(p("一百三十三"), Some(133));
        assert_eq!(p("二十三"), Some(23));
        assert_eq!(p("十"), Some(10));
        assert_eq!(p("十三"), Some(13));
        assert_eq!(p("一千二百六十"), Some(1260));
        assert_eq!(p("一百零五"), Some(105));
        assert_eq!(p("一千零四十"), Some(1040));
    }

    #[test]
    fn amounts_and_years() {
        assert_eq!(p("三万"), Some(30_000));
        assert_eq!(p("三万五千"), Some(35_000));
        assert_eq!(p("两千"), Some(2_000));
        assert_eq!(p("一亿二千万"), Some(120_000_000));
        assert_eq!(p("二〇一七"), Some(2017));
        assert_eq!(p("七"), Some(7));
    }

    #[test]
    fn words_that_look_like_numbers_are_not() {
        assert_eq!(p("万一"), None);
        assert_eq!(p("千万"), None);
        assert_eq!(p("百十"), None);
        assert_eq!(p("十十"), None);
        assert_eq!(p(""), None);
        assert_eq!(p("三x"), None);
    }
}
