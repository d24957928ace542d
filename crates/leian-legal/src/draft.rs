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

use crate::outcome::{ChargeTerm, Outcome, Penalty, Sentence, first_charge_term, parse_result};
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
            let mut outcome = parse_result(result, criminal);
            let problem = outcome.is_none().then_some(DraftProblem::Unparseable);
            let charges = charges(result);
            if let (Some(Outcome::Criminal { sentences }), Some(first)) =
                (outcome.as_mut(), charges.first())
            {
                own_terms_of(result, first, sentences);
            }
            (outcome, problem, charges)
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

/// Where a sentence executes several merged terms, its `first_charge` becomes the term written
/// after `犯{charge}` (the charge the draft is compared under): a defendant's segment may start
/// at a later charge (`…犯抢劫罪，判处有期徒刑三年；被告人洪锋犯强奸罪，判处有期徒刑一年。决定执行…`).
fn own_terms_of(result: &str, charge: &str, sentences: &mut [Sentence]) {
    let Some(own) = own_term(result, charge) else {
        return;
    };
    if let Some(merged) = sentences.iter_mut().find(|s| s.first_charge.is_some()) {
        merged.first_charge = Some(own);
    }
}

/// The term `result` imposes for `charge` as written there (`犯{charge}，判处…`).
pub fn own_term(result: &str, charge: &str) -> Option<ChargeTerm> {
    let at = result.find(&format!("犯{charge}"))?;
    let after = &result[at..];
    first_charge_term(after.split(['；', '。', ';']).next().unwrap_or(after))
}

/// The term `result` imposes for the charge whose dictionary name is `canonical`, written in
/// full or in part (`贩卖毒品罪` for 走私、贩卖、运输、制造毒品罪).
pub fn own_term_of_canonical(result: &str, canonical: &str) -> Option<ChargeTerm> {
    charges(result)
        .iter()
        .find(|written| crate::sentencing::canonical_charge(written) == canonical)
        .and_then(|written| own_term(result, written))
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

/// A sentence outside what the law allows (the general part's bounds, the charge's own range) or
/// away from the prosecution's recommendation, whatever similar cases say.
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

/// The heaviest penalty a charge carries, where it is below what the general part allows (the
/// charge carries neither life imprisonment nor death nor 有期徒刑 up to fifteen years).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Maximum {
    /// 拘役 is its only custodial penalty: no 有期徒刑 at all.
    Detention,
    /// 有期徒刑 of at most so many years (every bracket of the article counted).
    Years(u32),
}

/// Statutory maxima of charges (Criminal Law as amended through Amendment XI, 2021), with the
/// article. Where an amendment raised a maximum (开设赌场, 侵犯著作权 …) the higher one is
/// written, so a judgment under either version is never above it. Only whole articles count:
/// a draft above its charge's highest bracket is above the law, whatever the facts.
const CHARGE_MAXIMA: &[(&str, Maximum, &str)] = &[
    ("危险驾驶罪", Maximum::Detention, "第一百三十三条之一"),
    ("代替考试罪", Maximum::Detention, "第二百八十四条之一"),
    (
        "使用虚假身份证件、盗用身份证件罪",
        Maximum::Detention,
        "第二百八十条之一",
    ),
    ("妨害安全驾驶罪", Maximum::Years(1), "第一百三十三条之二"),
    ("危险作业罪", Maximum::Years(1), "第一百三十四条之一"),
    ("高空抛物罪", Maximum::Years(1), "第二百九十一条之二"),
    ("重婚罪", Maximum::Years(2), "第二百五十八条"),
    ("传播淫秽物品罪", Maximum::Years(2), "第三百六十四条"),
    ("过失致人重伤罪", Maximum::Years(3), "第二百三十五条"),
    ("非法侵入住宅罪", Maximum::Years(3), "第二百四十五条"),
    ("妨害公务罪", Maximum::Years(3), "第二百七十七条"),
    (
        "伪造公司、企业、事业单位、人民团体印章罪",
        Maximum::Years(3),
        "第二百八十条",
    ),
    (
        "帮助信息网络犯罪活动罪",
        Maximum::Years(3),
        "第二百八十七条之二",
    ),
    ("赌博罪", Maximum::Years(3), "第三百零三条"),
    ("扰乱法庭秩序罪", Maximum::Years(3), "第三百零九条"),
    ("非法捕捞水产品罪", Maximum::Years(3), "第三百四十条"),
    ("非法狩猎罪", Maximum::Years(3), "第三百四十一条"),
    ("容留他人吸毒罪", Maximum::Years(3), "第三百五十四条"),
    ("非法占用农用地罪", Maximum::Years(5), "第三百四十二条"),
    (
        "聚众扰乱公共场所秩序、交通秩序罪",
        Maximum::Years(5),
        "第二百九十一条",
    ),
    ("失火罪", Maximum::Years(7), "第一百一十五条"),
    (
        "非法持有、私藏枪支、弹药罪",
        Maximum::Years(7),
        "第一百二十八条",
    ),
    ("虚开发票罪", Maximum::Years(7), "第二百零五条之一"),
    ("过失致人死亡罪", Maximum::Years(7), "第二百三十三条"),
    (
        "侵犯公民个人信息罪",
        Maximum::Years(7),
        "第二百五十三条之一",
    ),
    ("故意毁坏财物罪", Maximum::Years(7), "第二百七十五条"),
    (
        "拒不支付劳动报酬罪",
        Maximum::Years(7),
        "第二百七十六条之一",
    ),
    ("袭警罪", Maximum::Years(7), "第二百七十七条"),
    (
        "伪造、变造、买卖身份证件罪",
        Maximum::Years(7),
        "第二百八十条",
    ),
    (
        "提供侵入、非法控制计算机信息系统程序、工具罪",
        Maximum::Years(7),
        "第二百八十五条",
    ),
    (
        "非法获取计算机信息系统数据、非法控制计算机信息系统罪",
        Maximum::Years(7),
        "第二百八十五条",
    ),
    ("伪证罪", Maximum::Years(7), "第三百零五条"),
    ("妨害作证罪", Maximum::Years(7), "第三百零七条"),
    (
        "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
        Maximum::Years(7),
        "第三百一十二条",
    ),
    ("拒不执行判决、裁定罪", Maximum::Years(7), "第三百一十三条"),
    ("非法采矿罪", Maximum::Years(7), "第三百四十三条"),
    ("滥伐林木罪", Maximum::Years(7), "第三百四十五条"),
    (
        "窃取、收买、非法提供信用卡信息罪",
        Maximum::Years(10),
        "第一百七十七条之一",
    ),
    ("假冒注册商标罪", Maximum::Years(10), "第二百一十三条"),
    (
        "销售假冒注册商标的商品罪",
        Maximum::Years(10),
        "第二百一十四条",
    ),
    ("侵犯著作权罪", Maximum::Years(10), "第二百一十七条"),
    ("诬告陷害罪", Maximum::Years(10), "第二百四十三条"),
    (
        "伪造、变造、买卖国家机关公文、证件、印章罪",
        Maximum::Years(10),
        "第二百八十条",
    ),
    ("聚众斗殴罪", Maximum::Years(10), "第二百九十二条"),
    ("寻衅滋事罪", Maximum::Years(10), "第二百九十三条"),
    ("开设赌场罪", Maximum::Years(10), "第三百零三条"),
    ("窝藏、包庇罪", Maximum::Years(10), "第三百一十条"),
];

/// The bounds of the draft's one charge (`charge`: the dictionary's name) a sentence breaks: a
/// term above the charge's statutory maximum, or 有期徒刑 for a charge punished with 拘役 only
/// (危险驾驶罪). A draft of several charges is left to Art. 69, whose executed term may exceed
/// each charge's maximum.
pub fn charge_issues(sentence: &Sentence, charge: &str) -> Vec<LegalIssue> {
    let Some((_, maximum, article)) = CHARGE_MAXIMA.iter().find(|(name, ..)| *name == charge)
    else {
        return Vec::new();
    };
    let Some(term) = sentence.term_months else {
        return Vec::new();
    };
    let message = match (maximum, sentence.penalty) {
        (Maximum::Detention, Penalty::FixedTerm) => {
            format!("{charge}的法定刑为拘役，不能判处有期徒刑（刑法{article}）")
        }
        (Maximum::Years(years), Penalty::FixedTerm) if term > years * 12 => format!(
            "{charge}的法定最高刑为有期徒刑{}年（刑法{article}）",
            leian_text::chinese_numeral(u64::from(*years)).unwrap_or_else(|| years.to_string())
        ),
        _ => return Vec::new(),
    };
    vec![LegalIssue {
        direction: Direction::Heavier,
        message,
    }]
}

/// Charges whose lightest bracket (情节较轻 included) still has a minimum term of 有期徒刑, in
/// years, with the article (Criminal Law as amended through Amendment XI): a term below it is
/// below the law unless a circumstance allows 减轻处罚 (Art. 63). A quantity misread from the
/// facts cannot raise this bound, as it holds for every bracket of the charge.
const CHARGE_MINIMA: &[(&str, u32, &str)] = &[
    ("放火罪", 3, "第一百一十四条"),
    ("决水罪", 3, "第一百一十四条"),
    ("爆炸罪", 3, "第一百一十四条"),
    ("投放危险物质罪", 3, "第一百一十四条"),
    ("以危险方法危害公共安全罪", 3, "第一百一十四条"),
    ("破坏交通工具罪", 3, "第一百一十六条"),
    ("破坏交通设施罪", 3, "第一百一十七条"),
    ("破坏电力设备罪", 3, "第一百一十八条"),
    ("破坏易燃易爆设备罪", 3, "第一百一十八条"),
    ("劫持航空器罪", 10, "第一百二十一条"),
    ("劫持船只、汽车罪", 5, "第一百二十二条"),
    (
        "非法制造、买卖、运输、邮寄、储存枪支、弹药、爆炸物罪",
        3,
        "第一百二十五条",
    ),
    ("非法制造、买卖、运输、储存危险物质罪", 3, "第一百二十五条"),
    (
        "盗窃、抢夺枪支、弹药、爆炸物、危险物质罪",
        3,
        "第一百二十七条",
    ),
    ("抢劫枪支、弹药、爆炸物、危险物质罪", 10, "第一百二十七条"),
    ("走私武器、弹药罪", 3, "第一百五十一条"),
    ("走私核材料罪", 3, "第一百五十一条"),
    ("走私假币罪", 3, "第一百五十一条"),
    ("伪造货币罪", 3, "第一百七十条"),
    ("故意杀人罪", 3, "第二百三十二条"),
    ("强奸罪", 3, "第二百三十六条"),
    ("绑架罪", 5, "第二百三十九条"),
    ("拐卖妇女、儿童罪", 5, "第二百四十条"),
    ("抢劫罪", 3, "第二百六十三条"),
    ("组织他人偷越国（边）境罪", 2, "第三百一十八条"),
    ("组织卖淫罪", 5, "第三百五十八条"),
    ("强迫卖淫罪", 5, "第三百五十八条"),
];

/// The lowest term the law allows for `charge` (the dictionary's name) without 减轻处罚, in
/// months, with the article; `None` when the charge's lightest bracket allows 拘役 or less.
pub fn charge_minimum(charge: &str) -> Option<(u32, &'static str)> {
    CHARGE_MINIMA
        .iter()
        .find(|(name, ..)| *name == charge)
        .map(|(_, years, article)| (years * 12, *article))
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
            first_charge: None,
        }
    }

    fn first_charge_of(text: &str) -> (Option<u32>, Option<(Penalty, u32)>) {
        match parse_draft(text).outcome {
            Some(Outcome::Criminal { sentences }) => (
                sentences[0].term_months,
                sentences[0]
                    .first_charge
                    .map(|own| (own.penalty, own.term_months)),
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_merged_sentence_keeps_the_first_charges_own_term() {
        // judge-2bd32841: the second charge opens a segment of its own.
        assert_eq!(
            first_charge_of(
                "判决如下： 被告人洪锋犯抢劫罪，判处有期徒刑三年，并处罚金人民币三千元；被告人洪锋犯强奸罪，判处有期徒刑一年。决定执行有期徒刑三年六个月，并处罚金人民币三千元。"
            ),
            (Some(42), Some((Penalty::FixedTerm, 36)))
        );
        // judge-b095332c: one charge with what a prior sentence left.
        assert_eq!(
            first_charge_of(
                "判决如下： 被告人杨文洲犯容留他人吸毒罪，判处有期徒刑七个月，并处罚金人民币二千元；与之前犯诈骗罪、容留他人吸毒罪没有执行的有期徒刑一年四个月又十五天，并处罚金人民币七千元并罚，决定执行有期徒刑二年，并处罚金人民币九千元。"
            ),
            (Some(24), Some((Penalty::FixedTerm, 7)))
        );
        // judge-6f8d49fd: 拘役 for the first charge, 有期徒刑 executed.
        assert_eq!(
            first_charge_of(
                "判决如下： 被告人刘楠犯危险驾驶罪，判处拘役三个月，并处罚金三千元；犯妨害公务罪，判处有期徒刑七个月，决定执行有期徒刑七个月，并处罚金三千元。"
            ),
            (Some(7), Some((Penalty::CriminalDetention, 3)))
        );
        // One charge, nothing merged.
        assert_eq!(
            first_charge_of(
                "判决如下： 被告人甲犯盗窃罪，判处有期徒刑八个月，并处罚金人民币二千元。"
            ),
            (Some(8), None)
        );
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
    #[test]
    fn the_bound_tables_name_charges_of_the_dictionary() {
        let names = CHARGE_MAXIMA
            .iter()
            .map(|(name, ..)| *name)
            .chain(CHARGE_MINIMA.iter().map(|(name, ..)| *name));
        for name in names {
            assert!(leian_text::dict::charge(name).is_some(), "{name}");
        }
    }

    #[test]
    fn a_charge_s_own_maximum_bounds_the_term() {
        // 危险驾驶罪 is punished with 拘役 only: 有期徒刑 of any length is above the law.
        let issues = charge_issues(&term(Penalty::FixedTerm, 8, None), "危险驾驶罪");
        assert_eq!(issues.len(), 1);
        assert_eq!(issues[0].direction, Direction::Heavier);
        assert!(
            issues[0].message.contains("第一百三十三条之一"),
            "{issues:?}"
        );
        // 拘役 within its general bound is the charge's own penalty.
        assert!(charge_issues(&term(Penalty::CriminalDetention, 6, None), "危险驾驶罪").is_empty());
        // 赌博罪: three years at most; 容留他人吸毒罪 likewise; 寻衅滋事罪 ten (纠集他人多次).
        assert_eq!(charge_minimum("故意杀人罪"), Some((36, "第二百三十二条")));
        assert_eq!(charge_minimum("绑架罪").map(|(months, _)| months), Some(60));
        // 故意伤害罪's lightest bracket goes down to 管制: no minimum to keep.
        assert_eq!(charge_minimum("故意伤害罪"), None);
        assert!(charge_issues(&term(Penalty::FixedTerm, 36, None), "赌博罪").is_empty());
        let above = charge_issues(&term(Penalty::FixedTerm, 54, None), "赌博罪");
        assert_eq!(
            above[0].message,
            "赌博罪的法定最高刑为有期徒刑三年（刑法第三百零三条）"
        );
        assert!(charge_issues(&term(Penalty::FixedTerm, 96, None), "寻衅滋事罪").is_empty());
        assert_eq!(
            charge_issues(&term(Penalty::FixedTerm, 126, None), "寻衅滋事罪").len(),
            1
        );
        // From a draft's words: 拘役八个月 for 危险驾驶 breaks Art. 42, 有期徒刑 the charge's own
        // penalty.
        for (words, article) in [
            ("拘役八个月", "第四十二条"),
            ("有期徒刑八个月", "第一百三十三条之一"),
        ] {
            let draft = parse_draft(&format!(
                "经审理查明，被告人甲醉酒驾驶机动车，血液酒精含量为180mg/100ml。判决如下：被告人甲犯危险驾驶罪，判处{words}，并处罚金人民币五千元。"
            ));
            let Some(Outcome::Criminal { sentences }) = &draft.outcome else {
                panic!("{draft:?}");
            };
            let mut issues = sentence_issues(&sentences[0], false);
            issues.extend(charge_issues(&sentences[0], &draft.charges[0]));
            assert!(
                issues
                    .iter()
                    .any(|i| i.direction == Direction::Heavier && i.message.contains(article)),
                "{words}: {issues:?}"
            );
        }
        // A charge that carries life imprisonment is left to the general part.
        assert!(charge_issues(&term(Penalty::FixedTerm, 180, None), "盗窃罪").is_empty());
        // Every name is a charge of the dictionary (a misspelt one would never match).
        for (name, ..) in CHARGE_MAXIMA {
            assert!(
                leian_text::dict::charges().iter().any(|c| c.name == *name),
                "{name}"
            );
        }
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
        assert!(
            draft.facts.starts_with("南京市秦淮区人民检察院指控"),
            "{}",
            draft.facts
        );
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
        assert!(draft.facts.starts_with("原告诉称"), "{}", draft.facts);
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
