//! Case numbers (案号): `（2017）沪0120刑初684号`, `（2015）嘉刑初字第1987号`, `(2019)最高法刑终1号`.

use leian_core::{CourtLevel, Domain, Procedure};
use regex::Regex;
use std::sync::LazyLock;

/// What a case number says about its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseNumber {
    pub year: u16,
    /// Province short name (沪); `None` for the SPC and for old local prefixes (嘉).
    pub province: Option<&'static str>,
    /// Court code after the province: none for a high court, 2 digits for an intermediate court,
    /// 4 digits for a basic court (since the 2016 numbering rules).
    pub court_code: Option<String>,
    /// Type characters, e.g. `刑初`, `民终`, `执恢`.
    pub case_type: String,
    pub domain: Option<Domain>,
    pub procedure: Option<Procedure>,
    pub court_level: Option<CourtLevel>,
    pub sequence: Option<u32>,
}

pub use leian_core::{PROVINCES, province_short_name};

/// A case number as compared between documents: brackets of any width or shape, Chinese or
/// full-width numerals and spaces do not make two numbers different. The one comparison form
/// of the importers, the updates and the index.
pub fn case_number_key(case_number: &str) -> String {
    crate::normalize(case_number)
        .text
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' | '〔' | '［' | '[' | '【' | '﹝' => '(',
            '）' | '〕' | '］' | ']' | '】' | '﹞' => ')',
            other => other,
        })
        .collect()
}

/// What makes two judgments one document: the key of their case number and, for a ruling,
/// mediation or decision read from a court archive (its id says so: `case-…-裁定书`), the
/// document type — those share their case's number with its judgment and are other documents.
pub fn case_key(id: &str, case_number: &str) -> String {
    let key = case_number_key(case_number);
    let document_type = id
        .strip_prefix("case-")
        .and_then(|rest| rest.rsplit_once('-'))
        .map(|(_, kind)| kind)
        .filter(|kind| ["裁定书", "调解书", "决定书", "通知书"].contains(kind));
    match document_type {
        Some(kind) => format!("{key}-{kind}"),
        None => key,
    }
}

static CASE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[（(\[【〔]\s*((?:19|20|１９|２０)[0-9０-９]{2})\s*[）)\]】〕]\s*(最高法|[\p{Han}]{1,2}?)([0-9０-９]{0,4})\s*([刑民行执赔司][\p{Han}]{0,3}?)(?:字)?\s*第?\s*([0-9０-９]+)\s*号",
    )
    .expect("case number pattern")
});

/// Full-width digits (typed in Word, common in court files) as ASCII. Only these two forms are
/// digits here: `\d` would also take other scripts' digits, which `parse` refuses, and count a
/// court code's length in bytes of full-width characters.
fn ascii_digits(digits: &str) -> String {
    digits
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            c => c,
        })
        .collect()
}

/// Finds and parses the first case number in `text`.
pub fn find_case_number(text: &str) -> Option<(CaseNumber, &str)> {
    let caps = CASE_NUMBER.captures(text)?;
    let whole = caps.get(0)?.as_str();
    let year: u16 = ascii_digits(&caps[1]).parse().ok()?;
    let prefix = &caps[2];
    let code = &ascii_digits(&caps[3]);
    let case_type = caps[4].to_string();
    let sequence = ascii_digits(&caps[5]).parse().ok();
    let supreme = prefix == "最高法";
    let province = if supreme {
        None
    } else {
        PROVINCES
            .iter()
            .find(|(s, _)| *s == prefix)
            .map(|(s, _)| *s)
    };
    let province = province.and_then(province_short_name);
    let court_level = if supreme {
        Some(CourtLevel::Supreme)
    } else if province.is_some() {
        match code.len() {
            0 => Some(CourtLevel::High),
            2 => Some(CourtLevel::Intermediate),
            4 => Some(CourtLevel::Basic),
            _ => None,
        }
    } else {
        None
    };
    let case = CaseNumber {
        year,
        province,
        court_code: (!code.is_empty()).then(|| code.to_string()),
        domain: domain_of(&case_type),
        procedure: procedure_of(&case_type),
        case_type,
        court_level,
        sequence,
    };
    Some((case, whole))
}

/// Parses `text` as exactly one case number.
pub fn parse_case_number(text: &str) -> Option<CaseNumber> {
    find_case_number(text.trim()).map(|(case, _)| case)
}

fn domain_of(case_type: &str) -> Option<Domain> {
    Some(match case_type.chars().next()? {
        '刑' => Domain::Criminal,
        '民' => Domain::Civil,
        '行' => Domain::Administrative,
        '执' => Domain::Enforcement,
        _ => Domain::Other,
    })
}

fn procedure_of(case_type: &str) -> Option<Procedure> {
    let rest: String = case_type.chars().skip(1).collect();
    if case_type.starts_with('执') {
        return Some(Procedure::Enforcement);
    }
    Some(match rest.chars().next()? {
        '初' => Procedure::FirstInstance,
        '终' => Procedure::SecondInstance,
        '再' | '抗' | '提' => Procedure::Retrial,
        '申' => Procedure::RetrialReview,
        '复' => Procedure::DeathPenaltyReview,
        '更' => Procedure::SentenceChange,
        _ => Procedure::Other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_basic_court_number() {
        let case = parse_case_number("（2017）沪0120刑初684号").unwrap();
        assert_eq!(case.year, 2017);
        assert_eq!(case.province, Some("沪"));
        assert_eq!(case.court_code.as_deref(), Some("0120"));
        assert_eq!(case.case_type, "刑初");
        assert_eq!(case.domain, Some(Domain::Criminal));
        assert_eq!(case.procedure, Some(Procedure::FirstInstance));
        assert_eq!(case.court_level, Some(CourtLevel::Basic));
        assert_eq!(case.sequence, Some(684));
    }

    #[test]
    fn full_width_digits_read_as_ascii() {
        let ascii = parse_case_number("（2018）浙01刑初1684号").unwrap();
        for written in [
            "（２０１８）浙０１刑初１６８４号",
            "（2018）浙0１刑初1684号",
        ] {
            assert_eq!(parse_case_number(written), Some(ascii.clone()), "{written}");
        }
        assert_eq!(ascii.court_level, Some(CourtLevel::Intermediate));
        // Digits of other scripts are not a case number's.
        assert_eq!(parse_case_number("（٢٠١٨）浙01刑初1号"), None);
    }

    #[test]
    fn old_style_and_other_levels() {
        let case = parse_case_number("（2015）嘉刑初字第1987号").unwrap();
        assert_eq!(
            (case.year, case.province, case.court_level),
            (2015, None, None)
        );
        assert_eq!(case.procedure, Some(Procedure::FirstInstance));
        let case = parse_case_number("(2019)最高法刑终1号").unwrap();
        assert_eq!(case.court_level, Some(CourtLevel::Supreme));
        assert_eq!(case.procedure, Some(Procedure::SecondInstance));
        let case = parse_case_number("（2018）粤01民终1234号").unwrap();
        assert_eq!(case.court_level, Some(CourtLevel::Intermediate));
        assert_eq!(case.domain, Some(Domain::Civil));
        let case = parse_case_number("（2020）川刑再5号").unwrap();
        assert_eq!(case.court_level, Some(CourtLevel::High));
        assert_eq!(case.procedure, Some(Procedure::Retrial));
        assert_eq!(
            parse_case_number("（2011）荣4民初字第1929号").unwrap().year,
            2011
        );
    }

    #[test]
    fn found_inside_a_judgment_header() {
        let header = "上海市奉贤区人民法院 刑事判决书 （2017）沪0120刑初684号 公诉机关上海市奉贤区人民检察院。";
        let (case, text) = find_case_number(header).unwrap();
        assert_eq!(text, "（2017）沪0120刑初684号");
        assert_eq!(case.sequence, Some(684));
        assert!(parse_case_number("没有案号").is_none());
    }

    #[test]
    fn provinces_from_full_names() {
        assert_eq!(province_short_name("上海市"), Some("沪"));
        assert_eq!(province_short_name("广东"), Some("粤"));
        assert_eq!(province_short_name("黔"), Some("贵"));
        assert_eq!(province_short_name("火星"), None);
    }

    #[test]
    fn one_comparison_form_for_case_numbers() {
        let key = case_number_key("（2018）浙0106刑初321号");
        for written in [
            "(2018)浙0106刑初321号",
            "〔2018〕浙 0106 刑初 321 号",
            "【2018】浙0106刑初321号",
            "（２０１８）浙０１０６刑初３２１号",
        ] {
            assert_eq!(case_number_key(written), key, "{written}");
        }
        assert_eq!(
            case_key("case-（2018）浙0106刑初321号", "(2018)浙0106刑初321号"),
            key
        );
        assert_eq!(case_key("judge-1", "(2018)浙0106刑初321号"), key);
        assert_eq!(
            case_key(
                "case-（2018）浙0106刑初321号-裁定书",
                "(2018)浙0106刑初321号"
            ),
            format!("{key}-裁定书")
        );
    }
}
