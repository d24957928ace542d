//! A judge's draft judgment read like a full one: its facts (for the similar-case search), the
//! charges and the outcome of its operative part (判决如下 …), or why no outcome could be read.
//!
//! ```
//! use leian_legal::draft::parse_draft;
//! use leian_legal::Outcome;
//!
//! let draft = parse_draft(
//!     "公诉机关指控：被告人甲窃得现金3000元。本院认为，被告人甲构成盗窃罪。判决如下：\
//!      被告人甲犯盗窃罪，判处有期徒刑六个月，并处罚金人民币二千元。",
//! );
//! assert!(draft.criminal);
//! assert_eq!(draft.charges, ["盗窃罪"]);
//! assert!(draft.facts.starts_with("公诉机关指控"));
//! match draft.outcome {
//!     Some(Outcome::Criminal { sentences }) => assert_eq!(sentences[0].term_months, Some(6)),
//!     other => panic!("{other:?}"),
//! }
//! ```

use crate::outcome::{Outcome, Penalty, Sentence, parse_result};
use crate::sections::{REASONING_MARKER, split_sections};
use serde::{Deserialize, Serialize};

/// What a draft's text says about its outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DraftOutcome {
    /// The draft sentences a 被告人, or its text is criminal (公诉机关, 被告人, 刑法).
    pub criminal: bool,
    /// Charges (罪名) of the operative part (`犯X罪`), full names, deduplicated, in order.
    pub charges: Vec<String>,
    /// The parsed operative part; `None` when it is absent or unreadable (see `problem`).
    pub outcome: Option<Outcome>,
    /// The fact part (经审理查明 / 公诉机关指控 / 诉称 …, before 本院认为 and 判决如下).
    pub facts: String,
    /// Why no outcome could be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<DraftProblem>,
}

/// Why a draft's outcome could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DraftProblem {
    /// No 判决如下 (or 裁定如下 / 决定如下) part.
    NoOperativePart,
    /// A 判决如下 part without a readable sentence or civil decision.
    Unparseable,
}

impl DraftProblem {
    /// The problem in the judge's words.
    pub fn message(&self) -> &'static str {
        match self {
            DraftProblem::NoOperativePart => "草稿中没有“判决如下”部分，无法读取裁判结果",
            DraftProblem::Unparseable => "“判决如下”部分未能读出刑期或处理结果",
        }
    }
}

/// Reads a draft judgment (plain text shaped like a full judgment).
pub fn parse_draft(text: &str) -> DraftOutcome {
    let sections = split_sections(text);
    let criminal_text = ["公诉机关", "被告人", "刑法"]
        .iter()
        .any(|word| text.contains(word));
    let (outcome, problem, charges) = match sections.result {
        None => (None, Some(DraftProblem::NoOperativePart), Vec::new()),
        Some(result) => {
            let criminal =
                criminal_text || result.contains("判处") || result.contains("免予刑事处罚");
            let outcome = parse_result(result, criminal);
            let problem = outcome.is_none().then_some(DraftProblem::Unparseable);
            (outcome, problem, charges(result))
        }
    };
    let facts = match sections.facts {
        Some(facts) => facts.to_string(),
        // No fact marker: everything before the reasoning or the operative part.
        None => {
            let end = [
                text.find(REASONING_MARKER),
                sections
                    .result
                    .map(|r| r.as_ptr() as usize - text.as_ptr() as usize),
            ]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(text.len());
            text[..end].trim().to_string()
        }
    };
    DraftOutcome {
        criminal: criminal_text || matches!(outcome, Some(Outcome::Criminal { .. })),
        charges,
        outcome,
        facts,
        problem,
    }
}

/// Charges named `犯X罪` in `result`: X runs to the first 罪 that is not part of 犯罪 (掩饰、隐瞒
/// 犯罪所得罪, 传授犯罪方法罪) and holds no punctuation but 、; 犯罪所得 alone is not a charge.
fn charges(result: &str) -> Vec<String> {
    let mut charges: Vec<String> = Vec::new();
    let mut scanned = 0;
    for (at, _) in result.match_indices('犯') {
        // A 犯 inside a charge already read (侵犯公民个人信息罪) starts nothing.
        if at < scanned {
            continue;
        }
        let rest = &result[at + '犯'.len_utf8()..];
        let mut previous = '犯';
        let mut end = None;
        for (i, c) in rest.char_indices().take(40) {
            if c.is_whitespace() || "，。；：:（()）“”,;".contains(c) {
                break;
            }
            if c == '罪' && previous != '犯' && i > 0 {
                end = Some(i + c.len_utf8());
                break;
            }
            previous = c;
        }
        let Some(end) = end.filter(|_| !rest.starts_with('罪')) else {
            continue;
        };
        scanned = at + '犯'.len_utf8() + end;
        let charge = &rest[..end];
        if !charges.iter().any(|known| known == charge) {
            charges.push(charge.to_string());
        }
    }
    charges
}

/// Which way a sentence departs (from the law's bounds or from similar cases).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Lighter,
    Heavier,
    /// A combination the law does not allow, neither lighter nor heavier as such.
    Inconsistent,
}

/// A sentence outside what the Criminal Law's general part allows, whatever similar cases say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalIssue {
    pub direction: Direction,
    /// The problem and the article, for the judge.
    pub message: String,
}

/// The general-part bounds a sentence breaks: the term of 有期徒刑 (Art. 45; several charges
/// Art. 69), 拘役 (Art. 42, 69), 管制 (Art. 38, 69), who may be suspended (Art. 72) and the
/// probation period (Art. 73). `several_charges`: 数罪并罚, whose executed terms go higher.
pub fn sentence_issues(sentence: &Sentence, several_charges: bool) -> Vec<LegalIssue> {
    let mut issues = Vec::new();
    let mut issue = |direction, message: &str| {
        issues.push(LegalIssue {
            direction,
            message: message.to_string(),
        })
    };
    let Some(term) = sentence.term_months else {
        return issues;
    };
    match sentence.penalty {
        Penalty::FixedTerm => {
            if term < 6 {
                issue(
                    Direction::Lighter,
                    "有期徒刑的期限为六个月以上（刑法第四十五条）",
                );
            } else if term > 180 && !several_charges {
                issue(
                    Direction::Heavier,
                    "有期徒刑的期限为十五年以下（刑法第四十五条）",
                );
            } else if term > 300 {
                issue(
                    Direction::Heavier,
                    "数罪并罚有期徒刑最高不能超过二十五年（刑法第六十九条）",
                );
            }
        }
        Penalty::CriminalDetention => {
            if term < 1 {
                issue(
                    Direction::Lighter,
                    "拘役的期限为一个月以上（刑法第四十二条）",
                );
            } else if term > 6 && !several_charges {
                issue(
                    Direction::Heavier,
                    "拘役的期限为六个月以下（刑法第四十二条）",
                );
            } else if term > 12 {
                issue(
                    Direction::Heavier,
                    "数罪并罚拘役最高不能超过一年（刑法第六十九条）",
                );
            }
        }
        Penalty::PublicSurveillance => {
            if term < 3 {
                issue(
                    Direction::Lighter,
                    "管制的期限为三个月以上（刑法第三十八条）",
                );
            } else if term > 24 && !several_charges {
                issue(Direction::Heavier, "管制的期限为二年以下（刑法第三十八条）");
            } else if term > 36 {
                issue(
                    Direction::Heavier,
                    "数罪并罚管制最高不能超过三年（刑法第六十九条）",
                );
            }
        }
        _ => {}
    }
    if let Some(period) = sentence.probation_months {
        let suspendable = match sentence.penalty {
            Penalty::CriminalDetention => true,
            Penalty::FixedTerm => term <= 36,
            _ => false,
        };
        if !suspendable {
            issue(
                Direction::Inconsistent,
                "宣告缓刑限于被判处拘役或者三年以下有期徒刑的犯罪分子（刑法第七十二条）",
            );
        } else if period < term {
            issue(
                Direction::Inconsistent,
                "缓刑考验期限不能少于原判刑期（刑法第七十三条）",
            );
        } else {
            let (least, most, message) = match sentence.penalty {
                Penalty::CriminalDetention => (
                    2,
                    12,
                    "拘役的缓刑考验期限为二个月以上一年以下（刑法第七十三条）",
                ),
                _ => (
                    12,
                    60,
                    "有期徒刑的缓刑考验期限为一年以上五年以下（刑法第七十三条）",
                ),
            };
            if period < least || period > most {
                issue(Direction::Inconsistent, message);
            }
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(penalty: Penalty, months: u32, probation: Option<u32>) -> Sentence {
        Sentence {
            defendant: None,
            penalty,
            term_months: Some(months),
            probation_months: probation,
            fine_yuan: None,
            fined: false,
        }
    }

    #[test]
    fn general_part_bounds_of_terms_and_probation() {
        let issues = |s: &Sentence, several| -> Vec<Direction> {
            sentence_issues(s, several)
                .iter()
                .map(|i| i.direction)
                .collect()
        };
        assert!(issues(&term(Penalty::FixedTerm, 8, None), false).is_empty());
        assert_eq!(
            issues(&term(Penalty::FixedTerm, 3, None), false),
            [Direction::Lighter]
        );
        assert_eq!(
            issues(&term(Penalty::FixedTerm, 192, None), false),
            [Direction::Heavier]
        );
        assert!(issues(&term(Penalty::FixedTerm, 192, None), true).is_empty());
        assert_eq!(
            issues(&term(Penalty::CriminalDetention, 9, None), false),
            [Direction::Heavier]
        );
        assert!(issues(&term(Penalty::CriminalDetention, 4, Some(6)), false).is_empty());
        assert_eq!(
            issues(&term(Penalty::FixedTerm, 48, Some(60)), false),
            [Direction::Inconsistent]
        );
        assert_eq!(
            issues(&term(Penalty::FixedTerm, 30, Some(24)), false),
            [Direction::Inconsistent]
        );
        assert!(issues(&term(Penalty::FixedTerm, 24, Some(36)), false).is_empty());
    }
    use crate::outcome::{CivilOutcome, Penalty};

    /// judge-1e28adb6 of the shared corpus, up to its operative part, as a judge's draft.
    const CRIMINAL_DRAFT: &str = "南京市秦淮区人民法院 刑事判决书 （2017）苏0104刑初467号 公诉机关南京市秦淮区人民检察院。 被告人杨莉，女，1972年6月3日出生于江苏省南京市，汉族，中专文化，无业。2017年2月16日因涉嫌犯贩卖毒品罪被刑事拘留，同年3月2日被逮捕。 南京市秦淮区人民检察院指控，2017年2月16日14时许，被告人杨莉在南京市秦淮区海福巷菜市场附近，以人民币1，100元的价格向杨某2贩卖白色晶体两袋，被民警当场抓获。经南京市公安局禁毒支队毒品检测室鉴定，上述两袋白色晶体共计净重1.61克，皆检出甲基苯丙胺成分。 本院认为，被告人杨莉向他人贩卖毒品甲基苯丙胺不满十克，其行为已构成贩卖毒品罪，依法应予惩处。被告人杨莉自愿认罪，可以酌情从轻处罚。 依照《中华人民共和国刑法》第三百四十七条第一款、第四款、第五十二条、第五十三条的规定，判决如下： 被告人杨莉犯贩卖毒品罪，判处有期徒刑六个月，罚金人民币一千元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年2月16日起至2017年8月15日止；罚金于判决生效之日起一个月内缴纳。）";

    #[test]
    fn criminal_draft_from_a_real_judgment() {
        let draft = parse_draft(CRIMINAL_DRAFT);
        assert!(draft.criminal);
        assert_eq!(draft.charges, ["贩卖毒品罪"]);
        assert_eq!(draft.problem, None);
        assert!(draft.facts.starts_with("检察院指控"), "{}", draft.facts);
        assert!(draft.facts.contains("净重1.61克"));
        assert!(!draft.facts.contains("本院认为"));
        match &draft.outcome {
            Some(Outcome::Criminal { sentences }) => {
                assert_eq!(sentences.len(), 1);
                let s = &sentences[0];
                assert_eq!(s.defendant.as_deref(), Some("杨莉"));
                assert_eq!(
                    (s.penalty, s.term_months, s.fine_yuan),
                    (Penalty::FixedTerm, Some(6), Some(1_000))
                );
            }
            other => panic!("{other:?}"),
        }
        let json = serde_json::to_value(&draft).unwrap();
        assert_eq!(json["outcome"]["type"], "criminal");
        assert!(json.get("problem").is_none());
    }

    #[test]
    fn multi_defendant_draft() {
        // judge-829739f7, abridged, with two charges added to the third defendant's item
        // (掩饰、隐瞒犯罪所得罪 holds 犯罪) to check the charge list.
        let draft = parse_draft(
            "江苏省宜兴市人民法院 刑事判决书 公诉机关宜兴市人民检察院。 被告人白银飞，男。 被告人朱绵，男。 被告人周俏琦，男。 宜兴市人民检察院指控，2018年5月13日晚上，被告人白银飞、朱绵、周俏琦等人在宜兴市和桥镇鹅洲东路心怡餐馆门口，与于某因口角引发矛盾，双方互相殴打，三被告人将于某打伤。经鉴定，于某的损伤构成轻伤二级。 本院认为，被告人白银飞、朱绵、周俏琦因口角二与他人互殴，致一人轻伤二级，其行为均已构成故意伤害罪，应予惩处。判决如下： 一、被告人白银飞犯故意伤害罪，判处拘役五个月，缓刑一年（缓刑的考验期限从判决确定之日起计算）。 二、被告人朱绵犯故意伤害罪，判处拘役五个月，缓刑一年（缓刑的考验期限从判决确定之日起计算）。 三、被告人周俏琦犯故意伤害罪，判处拘役五个月；犯掩饰、隐瞒犯罪所得罪，判处拘役三个月；决定执行拘役七个月。",
        );
        assert!(draft.criminal);
        assert_eq!(draft.charges, ["故意伤害罪", "掩饰、隐瞒犯罪所得罪"]);
        match &draft.outcome {
            Some(Outcome::Criminal { sentences }) => {
                let got: Vec<_> = sentences
                    .iter()
                    .map(|s| {
                        (
                            s.defendant.as_deref().unwrap(),
                            s.term_months,
                            s.probation_months,
                        )
                    })
                    .collect();
                assert_eq!(
                    got,
                    [
                        ("白银飞", Some(5), Some(12)),
                        ("朱绵", Some(5), Some(12)),
                        ("周俏琦", Some(7), None)
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn civil_draft() {
        // cail2019fe-labor-0029, abridged
        let draft = parse_draft(
            "原告诉称，原告于2014年3月到被告公司从事机台工工作，但被告拖欠原告2016年8月工资3,200元及9月工资3,200元未予支付。经审理查明，被告公司于2011年9月26日成立，拖欠8月工资3,200元及9月份的工资3,200元。本院认为，本院认定被告拖欠原告2016年8月及9月的工资，具体数额以原告主张为准即6,400元（3,200元+3,200元）。判决如下：被告大连达戴服装有限公司自本判决发生法律效力之日起十日内支付原告孙华拖欠的2016年8月及9月的工资共计6,400元。如未按本判决上述项指定的期限履行给付金钱义务，应当按照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。案件受理费10元（原告已预交），由被告负担。",
        );
        assert!(!draft.criminal);
        assert!(draft.charges.is_empty());
        assert!(draft.facts.starts_with("诉称"), "{}", draft.facts);
        assert_eq!(
            draft.outcome,
            Some(Outcome::Civil {
                outcome: CivilOutcome::Supported,
                awarded_yuan: Some(6_400)
            })
        );
        assert_eq!(draft.problem, None);
    }

    #[test]
    fn draft_without_an_operative_part() {
        let text = CRIMINAL_DRAFT.split("判决如下").next().unwrap();
        let draft = parse_draft(text);
        assert!(draft.criminal);
        assert_eq!(draft.outcome, None);
        assert!(draft.charges.is_empty());
        assert_eq!(draft.problem, Some(DraftProblem::NoOperativePart));
        assert!(draft.facts.contains("净重1.61克"));
        let json = serde_json::to_value(&draft).unwrap();
        assert_eq!(json["problem"], "no_operative_part");
        assert_eq!(
            DraftProblem::NoOperativePart.message(),
            "草稿中没有“判决如下”部分，无法读取裁判结果"
        );
        // Plain facts with no marker at all: the whole text is the facts.
        let draft = parse_draft("被告人甲于2017年入户盗窃现金3000元。");
        assert_eq!(draft.facts, "被告人甲于2017年入户盗窃现金3000元。");
        assert_eq!(draft.problem, Some(DraftProblem::NoOperativePart));
    }

    #[test]
    fn draft_with_an_unreadable_operative_part() {
        let text = format!(
            "{}判决如下： 被告人杨莉犯贩卖毒品罪，判处（刑期待合议庭评议后填写）。",
            CRIMINAL_DRAFT.split("判决如下").next().unwrap()
        );
        let draft = parse_draft(&text);
        assert!(draft.criminal);
        assert_eq!(draft.charges, ["贩卖毒品罪"]);
        assert_eq!(draft.outcome, None);
        assert_eq!(draft.problem, Some(DraftProblem::Unparseable));
        assert_eq!(
            DraftProblem::Unparseable.message(),
            "“判决如下”部分未能读出刑期或处理结果"
        );
        assert_eq!(
            serde_json::to_value(&draft).unwrap()["problem"],
            "unparseable"
        );
    }
}
