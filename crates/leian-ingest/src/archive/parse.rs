//! A judgment from its raw text: the id, title, date and parties read here; the court, case
//! number, sections, cited articles, charges or causes and what the case number tells are read by
//! [`crate::extract::enrich`] (without its guess of the case number, taken here from the
//! case-number line only).

use crate::extract::{enrich_with, find_causes};
use leian_core::{Domain, Judgment};
use leian_legal::sections::split_sections;
use leian_text::parse_chinese_number;
use leian_text::{dict, find_case_number};
use regex::Regex;
use std::sync::LazyLock;

/// The lines of a text, trimmed, whitespace runs made one space, empty lines dropped.
pub(crate) fn normalize_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split(['\n', '\r', '\u{c}', '\u{2028}', '\u{2029}']) {
        let mut words = line.split_whitespace().peekable();
        if words.peek().is_none() {
            continue;
        }
        for (i, word) in words.enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(word);
        }
        out.push('\n');
    }
    out.pop();
    out
}

/// Builds a judgment from a document's text (lines already normalised). `path` is the file's
/// path relative to the folder read, `/`-separated: the id of a judgment without a case number.
pub(crate) fn judgment_from_text(
    text: String,
    path: &str,
    format: &str,
) -> Result<Judgment, String> {
    let lines: Vec<&str> = text.lines().collect();
    let head = &lines[..lines.len().min(8)];
    let title = head
        .iter()
        .take(3)
        .map(|l| l.trim())
        .find(|l| is_title(l))
        .map(str::to_string);
    let header: String = head.join("\n");
    let case_number = head.iter().find_map(|line| own_case_number(line));
    let doc_type = head.iter().find_map(|l| document_type(l));
    let id = match &case_number {
        Some((_, written)) => case_id(written, doc_type),
        None => format!("file-{path}"),
    };
    let domain = case_number
        .as_ref()
        .and_then(|(case, _)| case.domain)
        .or_else(|| title.as_deref().and_then(domain_of_title))
        .or_else(|| head.iter().find_map(|l| domain_of_title(l)));
    let mut judgment = Judgment {
        id,
        title,
        domain,
        case_number: case_number.as_ref().map(|(_, written)| written.to_string()),
        date: decision_date(&text),
        parties: parties(&lines),
        source: Some(format!("文件（{format}）")),
        ..Default::default()
    };
    let sections = split_sections(&text);
    // A judgment shows at least one of its landmarks; a text with none (meeting notes, a
    // letter) is not indexed as one.
    if case_number.is_none()
        && sections.facts.is_none()
        && sections.reasoning.is_none()
        && sections.result.is_none()
        && leian_text::find_court(&header).is_none()
    {
        return Err(
            "未识别出裁判文书（没有案号、法院、经审理查明、本院认为或判决如下等内容）".into(),
        );
    }
    if judgment.domain == Some(Domain::Civil) || judgment.domain.is_none() {
        // 案由 stated on a line of its own, when the title does not name it.
        if judgment
            .title
            .as_deref()
            .is_none_or(|t| find_causes(t).is_empty())
        {
            judgment.causes = stated_cause(&lines).into_iter().collect();
        }
    }
    judgment.full_text = Some(text);
    enrich_with(&mut judgment, false);
    Ok(judgment)
}

/// The case number of a header line that is the case-number line: the number and at most a few
/// words (`案号：`, `刑事判决书`). A number inside a sentence is another case's.
fn own_case_number(line: &str) -> Option<(leian_text::CaseNumber, &str)> {
    let (case, written) = find_case_number(line)?;
    let rest = line.replacen(written, "", 1);
    let rest = rest.chars().filter(|c| !c.is_whitespace()).count();
    (rest <= 10).then_some((case, written))
}

/// A first line naming the case and the document (`张三盗窃一审刑事判决书`), not a bare document
/// type (`刑 事 判 决 书`) nor the court's heading.
fn is_title(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(doc_type) = document_type(&compact) else {
        return false;
    };
    let bare = compact.trim_end_matches(doc_type).trim_end_matches([
        '刑', '民', '行', '政', '事', '附', '带', '执', '国', '家', '赔', '偿',
    ]);
    !bare.is_empty() && !compact.contains("法院")
}

const DOCUMENT_TYPES: &[&str] = &["判决书", "裁定书", "调解书", "决定书"];

fn document_type(line: &str) -> Option<&'static str> {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    DOCUMENT_TYPES
        .iter()
        .copied()
        .find(|t| compact.ends_with(t))
}

fn domain_of_title(title: &str) -> Option<Domain> {
    let compact: String = title.chars().filter(|c| !c.is_whitespace()).collect();
    document_type(&compact)?;
    if compact.contains("刑事") {
        Some(Domain::Criminal)
    } else if compact.contains("民事") {
        Some(Domain::Civil)
    } else if compact.contains("行政") {
        Some(Domain::Administrative)
    } else {
        None
    }
}

/// The id of a judgment with a case number: `case-` and the case number in one written form
/// (full-width brackets, no spaces, ASCII digits), so that the same judgment read again from
/// any of its files gets the same id. A ruling (裁定书), mediation (调解书) or decision (决定书)
/// shares its case's number with the judgment, so its type is added.
pub fn case_id(written: &str, doc_type: Option<&str>) -> String {
    let mut id = String::from("case-");
    for c in written.chars() {
        match c {
            c if c.is_whitespace() => {}
            '(' | '[' | '〔' | '【' | '［' | '﹝' => id.push('（'),
            ')' | ']' | '〕' | '】' | '］' | '﹞' => id.push('）'),
            '０'..='９' => id.push(char::from(b'0' + (c as u32 - '０' as u32) as u8)),
            c => id.push(c),
        }
    }
    if let Some(doc_type) = doc_type.filter(|t| *t != "判决书") {
        id.push('-');
        id.push_str(doc_type);
    }
    id
}

static CHINESE_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([〇零○ОＯO一二三四五六七八九]{4})\s*年\s*([一二三四五六七八九十]{1,3})\s*月\s*([一二三四五六七八九十]{1,3})\s*日")
        .expect("date pattern")
});

/// The date of the decision, ISO: the date written in Chinese numerals under the bench
/// (`二〇一八年三月五日` → `2018-03-05`). The last such date after the operative part, preferring
/// one on a line of its own; dates in the facts are Arabic numerals.
pub(crate) fn decision_date(text: &str) -> Option<String> {
    let from = ["判决如下", "裁定如下", "决定如下", "调解协议"]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(0);
    let tail = &text[from..];
    let dates: Vec<regex::Captures> = CHINESE_DATE.captures_iter(tail).collect();
    let on_own_line = |caps: &regex::Captures| {
        let whole = caps.get(0).expect("match");
        let line_start = tail[..whole.start()].rfind('\n').map_or(0, |i| i + 1);
        let line_end = tail[whole.end()..]
            .find('\n')
            .map_or(tail.len(), |i| whole.end() + i);
        tail[line_start..line_end].trim() == whole.as_str()
    };
    let chosen = dates
        .iter()
        .rev()
        .find(|c| on_own_line(c))
        .or(dates.last())?;
    let year_digits: String = chosen[1]
        .chars()
        .map(|c| {
            if matches!(c, '○' | 'О' | 'Ｏ' | 'O') {
                '〇'
            } else {
                c
            }
        })
        .collect();
    let year = parse_chinese_number(&year_digits)?;
    let month = parse_chinese_number(&chosen[2])?;
    let day = parse_chinese_number(&chosen[3])?;
    ((1900..=2100).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day))
        .then(|| format!("{year:04}-{month:02}-{day:02}"))
}

/// Roles of the parties, as the lines after the case number start (longest first, so that
/// `被告人` is not read as `被告`). Representatives (辩护人, 代理人, 法定代表人) are not parties.
const PARTY_ROLES: &[&str] = &[
    "附带民事诉讼原告人",
    "附带民事诉讼被告人",
    "申请再审人",
    "再审申请人",
    "申请执行人",
    "复议申请人",
    "赔偿请求人",
    "赔偿义务机关",
    "原公诉机关",
    "原审被告人",
    "原审第三人",
    "被上诉人",
    "被申请人",
    "被申诉人",
    "被执行人",
    "公诉机关",
    "抗诉机关",
    "原审原告",
    "原审被告",
    "被告人",
    "自诉人",
    "上诉人",
    "申请人",
    "申诉人",
    "第三人",
    "起诉人",
    "原告",
    "被告",
    "罪犯",
];
const REPRESENTATIVE_ROLES: &[&str] = &[
    "辩护人",
    "指定辩护人",
    "委托诉讼代理人",
    "委托代理人",
    "诉讼代理人",
    "法定代理人",
    "法定代表人",
    "诉讼代表人",
    "负责人",
    "主要负责人",
    "代表人",
];

/// The parties as `role：name` (`公诉机关：上海市奉贤区人民检察院`, `被告人：张某`), from the
/// lines between the header and the first line of the proceedings.
pub(crate) fn parties(lines: &[&str]) -> Vec<String> {
    let start = lines
        .iter()
        .take(8)
        .position(|l| own_case_number(l).is_some())
        .map_or(0, |i| i + 1);
    let mut parties = Vec::new();
    for line in lines.iter().skip(start).take(40) {
        // The proceedings start: `原告甲与被告乙…纠纷一案`, `…以…起诉书指控`.
        if ["一案", "提起公诉", "起诉书指控", "提起诉讼", "向本院起诉"]
            .iter()
            .any(|m| line.contains(m))
        {
            break;
        }
        if let Some(party) = party(line) {
            if !parties.contains(&party) {
                parties.push(party);
            }
        } else if REPRESENTATIVE_ROLES.iter().any(|r| line.starts_with(r)) {
            continue;
        } else if !parties.is_empty() {
            break;
        }
    }
    parties
}

fn party(line: &str) -> Option<String> {
    let role = PARTY_ROLES.iter().find(|r| line.starts_with(**r))?;
    let mut rest = &line[role.len()..];
    let mut written_role = role.to_string();
    // `上诉人（原审被告人）：张某`
    if let Some(inner) = rest.strip_prefix('（').or(rest.strip_prefix('(')) {
        let close = inner.find(['）', ')'])?;
        let closing = inner[close..].chars().next()?;
        written_role.push('（');
        written_role.push_str(&inner[..close]);
        written_role.push('）');
        rest = &inner[close + closing.len_utf8()..];
    }
    let rest = rest.trim_start_matches([':', '：', ' ']);
    let name: String = rest
        .chars()
        .take_while(|c| !matches!(c, '，' | ',' | '。' | '；' | ';' | '（' | '(' | ' ' | '、'))
        .collect();
    let length = name.chars().count();
    (1..=40)
        .contains(&length)
        .then(|| format!("{written_role}：{name}"))
}

/// `案由：民间借贷纠纷` on a line of its own.
fn stated_cause(lines: &[&str]) -> Option<String> {
    lines.iter().take(60).find_map(|line| {
        let cause = line
            .strip_prefix("案由")?
            .trim_start_matches([':', '：', ' '])
            .trim();
        dict::is_cause(cause).then(|| cause.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_ids_titles_parties() {
        assert_eq!(
            decision_date("判决如下：…\n审判长某\n二〇一八年三月五日\n书记员某"),
            Some("2018-03-05".into())
        );
        assert_eq!(
            decision_date("二○一九年十二月三十一日"),
            Some("2019-12-31".into())
        );
        assert_eq!(decision_date("2019年3月5日"), None);
        assert_eq!(
            case_id("( 2017 )沪0120刑初684号", None),
            "case-（2017）沪0120刑初684号"
        );
        assert_eq!(
            case_id("〔2017〕沪01刑终１号", Some("裁定书")),
            "case-（2017）沪01刑终1号-裁定书"
        );
        assert!(own_case_number("（2017）沪0120刑初684号").is_some());
        assert!(own_case_number("案号： (2017) 沪0120刑初684号").is_some());
        assert!(own_case_number("被告人张某曾因盗窃经（2014）沪0120刑初1号判决").is_none());
        assert!(is_title("张三盗窃一审刑事判决书"));
        assert!(!is_title("刑 事 判 决 书"));
        assert!(!is_title("刑事附带民事判决书"));
        assert!(!is_title("上海市奉贤区人民法院刑事判决书"));
        let lines = [
            "上海市奉贤区人民法院",
            "刑事判决书",
            "（2017）沪0120刑初684号",
            "公诉机关上海市奉贤区人民检察院。",
            "被告人张3，女，1975年4月16日出生。",
            "辩护人李某，某律师事务所律师。",
            "上诉人（原审被告人）：王某，男。",
            "上海市奉贤区人民检察院以沪奉检诉刑诉［2017］700号起诉书指控被告人张3犯诈骗罪。",
            "被告人张3不是当事人行。",
        ];
        assert_eq!(
            parties(&lines),
            [
                "公诉机关：上海市奉贤区人民检察院",
                "被告人：张3",
                "上诉人（原审被告人）：王某"
            ]
        );
        assert_eq!(
            normalize_lines("  a\u{3000}\u{3000}b \r\n\r\n\tc  "),
            "a b\nc"
        );
    }
}
