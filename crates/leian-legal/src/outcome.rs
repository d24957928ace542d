//! Outcome distribution of a set of judgments: the sentences of criminal judgments (有期徒刑
//! months, 拘役, 管制, 无期徒刑, 死刑, probation, fines) and whether civil claims were supported,
//! parsed from the operative part (判决如下 …), with counts and quantiles for the judge.
//!
//! Parsing is deliberately conservative: a judgment whose result cannot be read is counted as
//! `unparsed`, never guessed, so the judge knows what the figures rest on.

use crate::sections::{cut_operative_tail, result_section};
use leian_core::{Domain, Judgment};
use leian_text::parse_chinese_number;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The principal penalty (主刑) of one defendant, or the absence of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Penalty {
    /// 死刑 (立即执行).
    Death,
    /// 死刑，缓期二年执行.
    DeathSuspended,
    /// 无期徒刑.
    Life,
    /// 有期徒刑.
    FixedTerm,
    /// 拘役.
    CriminalDetention,
    /// 管制.
    PublicSurveillance,
    /// 单处罚金: a fine and no principal penalty.
    FineOnly,
    /// 免予刑事处罚.
    Exempt,
}

/// The sentence of one defendant. For several charges (数罪并罚) it is the executed sentence
/// (决定执行 …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sentence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub defendant: Option<String>,
    pub penalty: Penalty,
    /// Term of 有期徒刑, 拘役 or 管制 in months (the one `penalty` names).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_months: Option<u32>,
    /// 缓刑 probation period in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_months: Option<u32>,
    /// 罚金 in yuan, when the amount is stated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_yuan: Option<u64>,
    /// A fine was imposed (with or without a stated amount).
    pub fined: bool,
    /// When the sentence executes several merged under Art. 69 (数罪并罚, or this judgment's
    /// charge with what a prior sentence left): the first charge's own term. That is what similar
    /// cases of the charge are compared with; the executed term also holds other crimes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_charge: Option<ChargeTerm>,
}

/// One charge's own term of 有期徒刑, 拘役 or 管制 before 数罪并罚.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ChargeTerm {
    pub penalty: Penalty,
    pub term_months: u32,
}

/// Whether a civil judgment supported the claims.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CivilOutcome {
    /// Orders in the claimant's favour and nothing rejected.
    Supported,
    /// Some orders, the other claims rejected (驳回…其他诉讼请求).
    PartlySupported,
    /// All claims rejected (驳回原告…诉讼请求, 不准…离婚).
    Rejected,
    /// Second instance: 驳回上诉，维持原判.
    AppealDismissed,
}

/// What could be read from one judgment's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outcome {
    Criminal {
        sentences: Vec<Sentence>,
    },
    Civil {
        outcome: CivilOutcome,
        /// Sum of the amounts ordered paid (支付, 赔偿, 偿还, 返还 …) in yuan, when stated;
        /// interest, periodic payments (每月…) and costs are not counted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        awarded_yuan: Option<u64>,
    },
}

/// Parses the outcome of a judgment from its result section; criminal or civil by its domain
/// (or, without one, by whether the result sentences a 被告人).
pub fn parse_outcome(judgment: &Judgment) -> Option<Outcome> {
    let result = result_section(judgment)?;
    let criminal = match judgment.domain {
        Some(Domain::Criminal) => true,
        Some(Domain::Civil) => false,
        _ => result.contains("判处") || result.contains("免予刑事处罚"),
    };
    parse_result(result, criminal)
}

/// Parses an operative part (判决如下 …) as a criminal or a civil result.
pub fn parse_result(result: &str, criminal: bool) -> Option<Outcome> {
    if criminal {
        let sentences = parse_sentences(result);
        (!sentences.is_empty()).then_some(Outcome::Criminal { sentences })
    } else {
        parse_civil(result).map(|outcome| Outcome::Civil {
            outcome,
            awarded_yuan: match outcome {
                CivilOutcome::Supported | CivilOutcome::PartlySupported => parse_awarded(result),
                CivilOutcome::Rejected | CivilOutcome::AppealDismissed => None,
            },
        })
    }
}

static DEFENDANT: LazyLock<Regex> = LazyLock::new(|| {
    // Charge names run up to ~25 characters (提供侵入、非法控制计算机信息系统程序、工具罪).
    Regex::new(r"(?:被告人|被告单位|上诉人|原审被告人)[）)]?([^，。；、：:\s的（()）]{1,12}?)犯[^，。；]{1,40}?罪")
        .unwrap()
});

/// The sentence of every defendant in a criminal result section, in order of first mention.
pub fn parse_sentences(result: &str) -> Vec<Sentence> {
    let result = cut_operative_tail(result);
    let starts: Vec<(usize, String)> = DEFENDANT
        .captures_iter(result)
        .map(|c| (c.get(0).unwrap().start(), c[1].to_string()))
        .collect();
    // Every mention of a defendant opens a segment; the segments of one defendant are kept
    // together, in order.
    let mut segments: Vec<(Option<String>, Vec<&str>)> = Vec::new();
    for (i, (start, name)) in starts.iter().enumerate() {
        let end = starts.get(i + 1).map_or(result.len(), |(next, _)| *next);
        let text = &result[*start..end];
        match segments
            .iter_mut()
            .find(|(defendant, _)| defendant.as_deref() == Some(name.as_str()))
        {
            Some((_, texts)) => texts.push(text),
            None => segments.push((Some(name.clone()), vec![text])),
        }
    }
    if segments.is_empty() && (result.contains("判处") || result.contains("免予刑事处罚")) {
        segments.push((None, vec![result]));
    }
    segments
        .into_iter()
        .filter_map(|(defendant, texts)| {
            // A defendant named again is sentenced by the last mention that reads as a
            // sentence: an appeal quotes the revoked sentence (撤销…即：被告人X犯…) before the
            // new one (上诉人X犯…).
            texts
                .iter()
                .rev()
                .find_map(|text| parse_one(text))
                .map(|mut s| {
                    s.defendant = defendant;
                    s
                })
        })
        .collect()
}

/// Months in `年` / `个月` form at the start of `text`: `三年六个月`, `一年零六个月`, `十个月`,
/// `3年6个月`, `二年`.
fn parse_months(text: &str) -> Option<u32> {
    let number: String = text
        .chars()
        .take_while(|&c| {
            c.is_ascii_digit() || leian_numeral(c) || matches!(c, '年' | '个' | '月' | '零')
        })
        .collect();
    let mut months = 0u32;
    let mut found = false;
    let mut rest = number.as_str();
    if let Some((years, after)) = rest.split_once('年') {
        months += 12 * parse_count(years)?;
        rest = after.trim_start_matches('零');
        found = true;
    }
    if let Some((count, _)) = rest.split_once('月') {
        let count = count.trim_end_matches('个');
        months += parse_count(count)?;
        found = true;
    }
    found.then_some(months)
}

fn leian_numeral(c: char) -> bool {
    "零〇一二两三四五六七八九十百千万壹贰叁肆伍陆柒捌玖拾佰仟".contains(c)
}

fn parse_count(text: &str) -> Option<u32> {
    if text.chars().all(|c| c.is_ascii_digit()) {
        text.parse().ok()
    } else {
        parse_chinese_number(text).and_then(|n| u32::try_from(n).ok())
    }
}

/// An amount in yuan at the start of `text` (after 罚金, 人民币 skipped): `五千元`, `76000元`,
/// `二万二千元`, `1.5万元`, `20,000元`.
pub fn parse_yuan(text: &str) -> Option<u64> {
    let text = text.trim_start_matches(['：', ':', ' ']);
    // 人民 alone is a typo the corpus has (罚金人民4000元).
    let text = text
        .strip_prefix("人民币")
        .or_else(|| text.strip_prefix("人民"))
        .unwrap_or(text);
    let amount: String = text
        .chars()
        .take_while(|&c| c.is_ascii_digit() || leian_numeral(c) || matches!(c, '.' | ',' | '，'))
        .filter(|&c| c != ',' && c != '，')
        .collect();
    let after = &text[text
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || leian_numeral(c) || matches!(c, '.' | ',' | '，')))
        .map_or(text.len(), |(i, _)| i)..];
    if !after.starts_with('元') || amount.is_empty() {
        return None;
    }
    if amount.chars().any(|c| c.is_ascii_digit()) {
        // Arabic digits, possibly with a 万 suffix (1.5万).
        let (digits, factor) = match amount.strip_suffix('万') {
            Some(digits) => (digits, 10_000.0),
            None => (amount.as_str(), 1.0),
        };
        let value: f64 = digits.parse().ok()?;
        Some((value * factor).round() as u64)
    } else {
        parse_chinese_number(&amount)
    }
}

/// The executed sentence of several (决定执行, 决定合并执行, 合并执行, 并罚…执行).
static EXECUTED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"执行(?:死刑|无期徒刑|有期徒刑|拘役|管制|罚金)").unwrap());

/// The sentence in one defendant's segment; the executed sentence when there are several.
fn parse_one(segment: &str) -> Option<Sentence> {
    let cleaned = without_parentheticals(segment);
    let clauses: Vec<&str> = cleaned.split(['。', '；', ';']).map(str::trim).collect();
    let chosen = clauses
        .iter()
        .rposition(|clause| EXECUTED.is_match(clause))
        .or_else(|| {
            clauses.iter().position(|clause| {
                ["判处", "免予刑事处罚", "罚金"]
                    .iter()
                    .any(|word| clause.contains(word))
            })
        })?;
    let executed_at = EXECUTED.find(clauses[chosen]).map(|m| m.start());
    // The first 判处 before the executed term is the first charge's.
    let first_charge = executed_at.and_then(|at| {
        clauses[..chosen]
            .iter()
            .copied()
            .chain(std::iter::once(&clauses[chosen][..at]))
            .find(|clause| clause.contains("判处"))
            .and_then(first_charge_term)
    });
    let mut text = match executed_at {
        Some(at) => clauses[chosen][at..].to_string(),
        None => clauses[chosen].to_string(),
    };
    // Probation or a fine written as the next sentence (…缓刑三年。并处罚金…) belongs to this one;
    // a payment note (罚金限…缴纳) does not impose a fine.
    for clause in &clauses[chosen + 1..] {
        let continues = clause.starts_with("并处")
            || clause.starts_with("缓刑")
            || clause.starts_with("宣告缓刑")
            || clause
                .strip_prefix("罚金")
                .is_some_and(|rest| parse_yuan(rest).is_some());
        if !continues {
            break;
        }
        text.push('，');
        text.push_str(clause);
    }
    let text = text.as_str();
    let mut sentence = Sentence {
        defendant: None,
        penalty: Penalty::FineOnly,
        term_months: None,
        probation_months: None,
        fine_yuan: None,
        fined: false,
        first_charge,
    };
    let principal = [
        ("死刑，缓期", Penalty::DeathSuspended),
        ("死刑,缓期", Penalty::DeathSuspended),
        ("死刑缓期", Penalty::DeathSuspended),
        ("死刑", Penalty::Death),
        ("无期徒刑", Penalty::Life),
        ("有期徒刑", Penalty::FixedTerm),
        ("拘役", Penalty::CriminalDetention),
        ("管制", Penalty::PublicSurveillance),
        ("免予刑事处罚", Penalty::Exempt),
    ]
    .iter()
    .filter_map(|(word, penalty)| text.find(word).map(|i| (i, *word, *penalty)))
    // The earliest mention; at the same position the longer (more specific) word.
    .min_by_key(|(i, word, _)| (*i, usize::MAX - word.len()));
    if let Some((i, word, penalty)) = principal {
        sentence.penalty = penalty;
        if matches!(
            penalty,
            Penalty::FixedTerm | Penalty::CriminalDetention | Penalty::PublicSurveillance
        ) {
            sentence.term_months = parse_months(&text[i + word.len()..]);
            sentence.term_months?;
        }
    }
    if let Some(i) = text.find("缓刑") {
        let after = &text[i + "缓刑".len()..];
        sentence.probation_months = parse_months(after);
    }
    // The first 罚金 with an amount (判处罚金有期徒刑…，并处罚金人民币五万元 has a stray one).
    for (i, _) in text.match_indices("罚金") {
        sentence.fined = true;
        sentence.fine_yuan = parse_yuan(&text[i + "罚金".len()..]);
        if sentence.fine_yuan.is_some() {
            break;
        }
    }
    if principal.is_none() && !sentence.fined {
        return None;
    }
    Some(sentence)
}

/// The term the first `判处` of `text` imposes (有期徒刑, 拘役 or 管制), if it is one.
pub(crate) fn first_charge_term(text: &str) -> Option<ChargeTerm> {
    let imposed = &text[text.find("判处")? + "判处".len()..];
    [
        ("有期徒刑", Penalty::FixedTerm),
        ("拘役", Penalty::CriminalDetention),
        ("管制", Penalty::PublicSurveillance),
    ]
    .iter()
    .find_map(|(word, penalty)| {
        let rest = imposed.strip_prefix(word)?;
        Some(ChargeTerm {
            penalty: *penalty,
            term_months: parse_months(rest)?,
        })
    })
}

/// `text` without parentheticals (刑期从… / 缓刑考验期… / 罚金已缴纳).
fn without_parentheticals(text: &str) -> String {
    let mut kept = String::new();
    let mut depth = 0usize;
    for c in text.chars() {
        match c {
            '（' | '(' => depth += 1,
            '）' | ')' => depth = depth.saturating_sub(1),
            _ if depth == 0 => kept.push(c),
            _ => {}
        }
    }
    kept
}

/// The orders of a civil result: after 判决如下, before costs and the enforcement notice.
fn civil_orders(result: &str) -> &str {
    // Costs and enforcement notices are not claims.
    let end = [
        "案件受理费",
        "本案受理费",
        "受理费",
        "诉讼费",
        "负有金钱给付义务",
        "如果未按本判决",
        "如未按本判决",
    ]
    .iter()
    .filter_map(|marker| result.find(marker))
    .min()
    .unwrap_or(result.len());
    cut_operative_tail(&result[..end])
        .trim_start_matches("判决如下")
        .trim_start_matches(['：', ':', ' '])
}

/// Verbs of an order to pay.
const PAYMENT_VERBS: &[&str] = &[
    "支付", "给付", "赔偿", "偿还", "偿付", "返还", "归还", "退还", "付还", "补偿", "赔付", "付给",
    "给予",
];
/// An order whose amounts are not a further payment: it refers to a debt already ordered (a
/// guarantor's liability, a security) or limits one, shares out a debt owed to others
/// (共同债务…由原告负责偿还), or orders no payment (不支付, 无需支付).
const NOT_A_PAYMENT: &[&str] = &[
    "上述",
    "上列",
    "前述",
    "第一项",
    "前款",
    "优先受偿",
    "范围内",
    "限额内",
    "承担连带",
    "共同债务",
    "负责偿还",
    "不支付",
    "无需",
    "无须",
    "不予支付",
    "不再",
];
/// What an amount pays for, when it is not the principal ordered paid.
const NOT_PRINCIPAL: &[&str] = &[
    "利息",
    "罚息",
    "复利",
    "违约金",
    "滞纳金",
    "受理费",
    "诉讼费",
    "保全费",
    "扣除",
    "抵顶",
];
/// A periodic payment (maintenance each month until the child is of age) has no single sum.
const PERIODIC: &[&str] = &[
    "每月",
    "每年",
    "每季",
    "每个月",
    "按月",
    "按年",
    "／月",
    "/月",
    "／年",
    "/年",
];
/// Written after an amount: it is paid until then (…至其独立生活时止).
const UNTIL: &[&str] = &["周岁", "独立生活", "成年"];
const TOTAL: &[&str] = &["合计", "共计", "总计", "总额"];

/// An amount in yuan: `36101.5元`, `2，000，000元`, `5万元`, `11044.28万元`, `五万元`.
static AMOUNT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿]+)\s*(万|亿)?元",
    )
    .unwrap()
});

fn amount_yuan(number: &str, unit: Option<&str>) -> Option<f64> {
    let factor = match unit {
        Some("万") => 10_000.0,
        Some("亿") => 100_000_000.0,
        _ => 1.0,
    };
    let value = if number.starts_with(|c: char| c.is_ascii_digit()) {
        number.replace([',', '，'], "").parse::<f64>().ok()?
    } else {
        parse_chinese_number(number)? as f64
    };
    Some(value * factor)
}

/// The sum of the amounts a civil result orders paid, in yuan; `None` when it states none.
///
/// Per order (split at 。；), the amounts after a payment verb count, except interest, periodic
/// payments and amounts of orders that refer to an earlier one. A total (合计 …) replaces its
/// items unless some item is interest.
pub fn parse_awarded(result: &str) -> Option<u64> {
    let orders = without_parentheticals(civil_orders(result));
    let mut sum = 0.0;
    let mut found = false;
    for clause in orders.split(['。', '；', ';']) {
        let order = clause.trim_start_matches(|c: char| {
            leian_numeral(c) || c.is_ascii_digit() || "、.．，, ".contains(c)
        });
        if order.starts_with("驳回")
            || order.starts_with("不准")
            || NOT_A_PAYMENT.iter().any(|word| order.contains(word))
        {
            continue;
        }
        let Some(verb_at) = PAYMENT_VERBS
            .iter()
            .filter_map(|verb| order.find(verb))
            .min()
        else {
            continue;
        };
        // Maintenance paid each month until the child is of age: back pay written in the same
        // order cannot be told from the instalments reliably.
        if PERIODIC.iter().any(|word| order.contains(word))
            && UNTIL.iter().any(|word| order.contains(word))
        {
            continue;
        }
        let (mut items, mut total, mut excluded) = (0.0, None, false);
        let amounts: Vec<_> = AMOUNT.captures_iter(order).collect();
        for (i, amount) in amounts.iter().enumerate() {
            let whole = amount.get(0).unwrap();
            if whole.start() < verb_at {
                continue;
            }
            // What the amount is for is written before it, since the previous amount; when it
            // falls due (每月…, 至…周岁止) or that it is a base (以…为基数) after it, in the same
            // phrase.
            let label_start = match i {
                0 => 0,
                _ => amounts[i - 1].get(0).unwrap().end(),
            };
            let label = &order[label_start..whole.start()];
            let after_end = amounts
                .get(i + 1)
                .map_or(order.len(), |next| next.get(0).unwrap().start());
            let after = &order[whole.end()..after_end];
            let after = &after[..after.find(['，', ',']).unwrap_or(after.len())];
            let Some(yuan) = amount_yuan(&amount[1], amount.get(2).map(|unit| unit.as_str()))
            else {
                continue;
            };
            let principal = label.contains("本金") || label.contains("借款");
            if PERIODIC
                .iter()
                .any(|word| label.contains(word) || after.contains(word))
                || UNTIL.iter().any(|word| after.contains(word))
                || after.contains("为基数")
                || (!principal && NOT_PRINCIPAL.iter().any(|word| label.contains(word)))
            {
                excluded = true;
            } else if TOTAL.iter().any(|word| label.contains(word)) {
                total = Some(yuan);
            } else {
                items += yuan;
                found = true;
            }
        }
        match total {
            Some(total) if !excluded => {
                sum += total;
                found = true;
            }
            _ => sum += items,
        }
    }
    found.then(|| sum.round() as u64)
}

/// Whether a civil result supported the claims; `None` when it decides nothing recognisable.
pub fn parse_civil(result: &str) -> Option<CivilOutcome> {
    let text = civil_orders(result);
    if text.contains("驳回上诉") {
        return Some(CivilOutcome::AppealDismissed);
    }
    let rejects_rest = ["其他", "其余", "其它", "剩余", "超出部分", "过高部分"];
    let mut rejected_all = false;
    let mut rejected_some = false;
    let clauses: Vec<&str> = text
        .split(['。', '；', ';'])
        .map(|clause| {
            clause.trim_start_matches(|c: char| {
                leian_numeral(c) || c.is_ascii_digit() || "、.．，, ".contains(c)
            })
        })
        .filter(|clause| !clause.is_empty())
        .collect();
    // 驳回… anywhere in a clause, or a clause saying a claim is not granted (…不予支持).
    let refusals = text.match_indices("驳回").map(|(i, _)| &text[i..]).chain(
        clauses
            .iter()
            .filter(|clause| clause.contains("不予支持") || clause.contains("不予准许"))
            .copied(),
    );
    for refusal in refusals {
        let clause = refusal.split(['。', '；', ';']).next().unwrap_or_default();
        if rejects_rest.iter().any(|word| clause.contains(word)) && !clause.contains("离婚及其他")
        {
            rejected_some = true;
        } else {
            rejected_all = true;
        }
    }
    let refused_divorce = text.contains("不准") && text.contains("离婚");
    // Orders other than the rejection itself, a revoked first-instance judgment, and what is
    // left of the costs sentence (本案…受理费 cut at 受理费; 一审… loses its 一 with the
    // numbering).
    let orders = clauses
        .iter()
        .filter(|clause| {
            let not_an_order = ["驳回", "不准", "本案", "案件", "审", "诉讼"]
                .iter()
                .any(|word| clause.starts_with(word))
                || clause.contains("不予支持")
                || clause.contains("不予准许")
                || (clause.starts_with("撤销") && clause.contains("判决"));
            !not_an_order
        })
        .count();
    if refused_divorce || (rejected_all && orders == 0) {
        Some(CivilOutcome::Rejected)
    } else if rejected_some || rejected_all {
        // Some orders were made, the rest rejected.
        Some(match orders {
            0 => CivilOutcome::Rejected,
            _ => CivilOutcome::PartlySupported,
        })
    } else if orders > 0 {
        Some(CivilOutcome::Supported)
    } else {
        None
    }
}

/// Five-number summary of a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quantiles {
    pub count: usize,
    pub min: f64,
    pub p25: f64,
    pub median: f64,
    pub p75: f64,
    pub max: f64,
}

impl Quantiles {
    /// Linear-interpolation quantiles (the `R-7` / NumPy default); `None` for an empty sample.
    pub fn of(values: &[f64]) -> Option<Quantiles> {
        if values.is_empty() {
            return None;
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| {
            let position = q * (sorted.len() - 1) as f64;
            let low = position.floor() as usize;
            let high = position.ceil() as usize;
            sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
        };
        Some(Quantiles {
            count: sorted.len(),
            min: sorted[0],
            p25: at(0.25),
            median: at(0.5),
            p75: at(0.75),
            max: sorted[sorted.len() - 1],
        })
    }
}

/// Counts per penalty category.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PenaltyCounts {
    pub death: usize,
    pub death_suspended: usize,
    pub life: usize,
    pub fixed_term: usize,
    pub criminal_detention: usize,
    pub public_surveillance: usize,
    pub fine_only: usize,
    pub exempt: usize,
}

/// Counts of civil outcomes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CivilCounts {
    pub supported: usize,
    pub partly_supported: usize,
    pub rejected: usize,
    pub appeal_dismissed: usize,
}

/// The outcome distribution of a set of judgments. Criminal figures are per defendant (a
/// judgment with three defendants contributes three sentences); `parsed` / `unparsed` count
/// judgments.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OutcomeDistribution {
    /// Judgments whose result could be read.
    pub parsed: usize,
    /// Judgments without a readable result (no result section, or none of the known forms).
    pub unparsed: usize,
    /// Ids of the unparsed judgments, so the judge can read them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unparsed_ids: Vec<String>,
    pub criminal_judgments: usize,
    pub defendants: usize,
    pub penalties: PenaltyCounts,
    /// 有期徒刑 terms in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prison_months: Option<Quantiles>,
    /// 拘役 terms in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detention_months: Option<Quantiles>,
    /// 管制 terms in months.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub surveillance_months: Option<Quantiles>,
    /// Defendants given probation (缓刑).
    pub probation: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probation_months: Option<Quantiles>,
    /// Defendants fined (stated amount or not).
    pub fined: usize,
    /// Stated fines in yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fine_yuan: Option<Quantiles>,
    pub civil_judgments: usize,
    pub civil: CivilCounts,
}

impl OutcomeDistribution {
    pub fn from_judgments(judgments: &[&Judgment]) -> OutcomeDistribution {
        let mut distribution = OutcomeDistribution::default();
        let (mut prison, mut detention, mut surveillance, mut probation, mut fines) =
            (vec![], vec![], vec![], vec![], vec![]);
        for judgment in judgments {
            match parse_outcome(judgment) {
                None => {
                    distribution.unparsed += 1;
                    distribution.unparsed_ids.push(judgment.id.clone());
                }
                Some(Outcome::Civil { outcome, .. }) => {
                    distribution.parsed += 1;
                    distribution.civil_judgments += 1;
                    let civil = &mut distribution.civil;
                    *match outcome {
                        CivilOutcome::Supported => &mut civil.supported,
                        CivilOutcome::PartlySupported => &mut civil.partly_supported,
                        CivilOutcome::Rejected => &mut civil.rejected,
                        CivilOutcome::AppealDismissed => &mut civil.appeal_dismissed,
                    } += 1;
                }
                Some(Outcome::Criminal { sentences }) => {
                    distribution.parsed += 1;
                    distribution.criminal_judgments += 1;
                    for sentence in sentences {
                        distribution.defendants += 1;
                        let counts = &mut distribution.penalties;
                        *match sentence.penalty {
                            Penalty::Death => &mut counts.death,
                            Penalty::DeathSuspended => &mut counts.death_suspended,
                            Penalty::Life => &mut counts.life,
                            Penalty::FixedTerm => &mut counts.fixed_term,
                            Penalty::CriminalDetention => &mut counts.criminal_detention,
                            Penalty::PublicSurveillance => &mut counts.public_surveillance,
                            Penalty::FineOnly => &mut counts.fine_only,
                            Penalty::Exempt => &mut counts.exempt,
                        } += 1;
                        if let Some(months) = sentence.term_months {
                            match sentence.penalty {
                                Penalty::FixedTerm => prison.push(f64::from(months)),
                                Penalty::CriminalDetention => detention.push(f64::from(months)),
                                Penalty::PublicSurveillance => surveillance.push(f64::from(months)),
                                _ => {}
                            }
                        }
                        if let Some(months) = sentence.probation_months {
                            distribution.probation += 1;
                            probation.push(f64::from(months));
                        }
                        if sentence.fined {
                            distribution.fined += 1;
                        }
                        if let Some(yuan) = sentence.fine_yuan {
                            fines.push(yuan as f64);
                        }
                    }
                }
            }
        }
        distribution.prison_months = Quantiles::of(&prison);
        distribution.detention_months = Quantiles::of(&detention);
        distribution.surveillance_months = Quantiles::of(&surveillance);
        distribution.probation_months = Quantiles::of(&probation);
        distribution.fine_yuan = Quantiles::of(&fines);
        distribution
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(result: &str) -> Sentence {
        let sentences = parse_sentences(result);
        assert_eq!(sentences.len(), 1, "{result}: {sentences:?}");
        sentences.into_iter().next().unwrap()
    }

    fn civil(result: &str) -> Option<CivilOutcome> {
        let judgment = Judgment {
            domain: Some(Domain::Civil),
            facts: format!("本院认为，……判决如下：{result}"),
            ..Judgment::default()
        };
        match parse_outcome(&judgment) {
            Some(Outcome::Civil { outcome, .. }) => Some(outcome),
            None => None,
            other => panic!("{other:?}"),
        }
    }

    fn civil_with_amount(result: &str) -> (CivilOutcome, Option<u64>) {
        match parse_result(result, false) {
            Some(Outcome::Civil {
                outcome,
                awarded_yuan,
            }) => (outcome, awarded_yuan),
            other => panic!("{other:?}"),
        }
    }

    /// Defendant, penalty, term, probation and fine of each sentence.
    type Terms = (String, Penalty, Option<u32>, Option<u32>, Option<u64>);

    fn terms(result: &str) -> Vec<Terms> {
        parse_sentences(result)
            .into_iter()
            .map(|s| {
                (
                    s.defendant.unwrap_or_default(),
                    s.penalty,
                    s.term_months,
                    s.probation_months,
                    s.fine_yuan,
                )
            })
            .collect()
    }

    // Criminal results below are copied from JuDGE full texts in the shared corpus (the id of
    // each is in the comment).

    #[test]
    fn fixed_term_and_fine() {
        // judge-ff08a56d
        let s = one(
            "判决如下： 被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年4月28日起至2017年11月27日止。罚金于本判决生效后10日内缴纳。）",
        );
        assert_eq!(s.defendant.as_deref(), Some("张3"));
        assert_eq!(s.penalty, Penalty::FixedTerm);
        assert_eq!(s.term_months, Some(7));
        assert_eq!(s.fine_yuan, Some(30_000));
        assert!(s.fined);
        assert_eq!(s.probation_months, None);
        // judge-47aada65
        let s = one("被告人董某某犯盗窃罪，判处有期徒刑十个月，并处罚金二万二千元。");
        assert_eq!((s.term_months, s.fine_yuan), (Some(10), Some(22_000)));
        // judge-75f5d603: Arabic amount
        let s = one(
            "判决如下： 被告人蔡文彬犯盗窃罪，判处有期徒刑三年，并处罚金人民币2000元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2010年12月17日起至2013年12月16日止；罚金限判决生效后十日内缴纳。）",
        );
        assert_eq!((s.term_months, s.fine_yuan), (Some(36), Some(2_000)));
    }

    #[test]
    fn years_and_months_without_fine() {
        // judge-211091c2
        let s = one(
            "判决如下： 被告人王立涛犯强奸罪，判处有期徒刑三年六个月。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2013年6月27日起至2016年12月18日止）。",
        );
        assert_eq!(s.term_months, Some(42));
        assert!(!s.fined);
        assert_eq!(s.fine_yuan, None);
        // judge-fcbfabe0: 一年零六个月
        let s = one(
            "判决如下： 被告人李晓东犯交通肇事罪，判处有期徒刑一年零六个月。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，扣除前已羁押的8日，即自2018年2月28日起至2019年8月19日止。）",
        );
        assert_eq!(s.term_months, Some(18));
        // judge-187859b7: the term runs into the parenthesis
        let s = one(
            "判决如下： 被告人陈光乐犯强奸罪，判处有期徒刑五年六个月（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2018年1月12日起至2023年7月11日止）。",
        );
        assert_eq!(s.term_months, Some(66));
    }

    #[test]
    fn probation() {
        // judge-bb11ed63
        let s = one(
            "判决如下： 被告人刘汉月犯敲诈勒索罪，判处有期徒刑一年六个月，缓刑二年，并处罚金人民币二千元。 （缓刑考验期从判决确定之日起计算，罚金于判决生效后十日缴清。）",
        );
        assert_eq!(s.term_months, Some(18));
        assert_eq!(s.probation_months, Some(24));
        assert_eq!(s.fine_yuan, Some(2_000));
        // judge-a428caf5: 拘役 with 宣告缓刑
        let s = one(
            "判决如下： 被告人张某甲犯危险驾驶罪，判处拘役二个月，宣告缓刑三个月，并处罚金人民币500元（已缴纳）。 （缓刑考验期限，自本判决确定之日起计算）。",
        );
        assert_eq!(s.penalty, Penalty::CriminalDetention);
        assert_eq!(s.term_months, Some(2));
        assert_eq!(s.probation_months, Some(3));
        assert_eq!(s.fine_yuan, Some(500));
        // judge-87fc7a38: probation and fine around a parenthesis
        let s = one(
            "判决如下： 被告人徐某甲犯危险驾驶罪，判处拘役一个月，缓刑二个月（缓刑考验期限，从判决确定之日起计算），并处罚金人民币二千元（罚金于本判决发生法律效力之日起10日内一次性缴纳）。",
        );
        assert_eq!(
            (s.term_months, s.probation_months, s.fine_yuan),
            (Some(1), Some(2), Some(2_000))
        );
    }

    #[test]
    fn criminal_detention_is_reported_separately() {
        // judge-3640a78f
        let s = one(
            "判决如下： 被告人鲁某犯盗窃罪，判处拘役五个月，并处罚金人民币三千元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年9月19日起至2018年2月18日止。罚金应自判决生效之次日起十日内缴纳。）",
        );
        assert_eq!(s.penalty, Penalty::CriminalDetention);
        assert_eq!((s.term_months, s.fine_yuan), (Some(5), Some(3_000)));
    }

    #[test]
    fn public_surveillance_fine_only_and_exemption() {
        // judge-cf6d4169: 管制; the later 没收 item is not read
        let s = one(
            "判决如下： 一、被告人刘绍萍犯开设赌场罪，判处管制一年，并处罚金人民币二万元上缴国库。 （管制的刑期，从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期二日。罚金限判决生效之日起十日内缴纳。） 二、扣押的二台用于赌博的麻将机予以没收。",
        );
        assert_eq!(s.penalty, Penalty::PublicSurveillance);
        assert_eq!((s.term_months, s.fine_yuan), (Some(12), Some(20_000)));
        // judge-016900e7: fine alone
        let s = one("判决如下： 被告人冯某犯盗窃罪，判处罚金人民币五千元（罚金已缴纳）。");
        assert_eq!(s.penalty, Penalty::FineOnly);
        assert_eq!((s.term_months, s.fine_yuan), (None, Some(5_000)));
        // judge-fb364f6a: two defendants exempted
        let sentences = parse_sentences(
            "判决如下： 一、被告人许某某犯滥用职权罪，判处免予刑事处罚。 二、被告人孔某某犯玩忽职守罪，判处免予刑事处罚。",
        );
        assert_eq!(sentences.len(), 2);
        assert!(sentences.iter().all(|s| s.penalty == Penalty::Exempt));
        assert_eq!(sentences[1].defendant.as_deref(), Some("孔某某"));
    }

    #[test]
    fn several_charges_use_the_executed_sentence() {
        // judge-23e8e218
        let s = one(
            "判决如下： 被告人魏某犯开设赌场罪，判处有期徒刑十个月，并处罚金人民币二万元，犯非法持有枪支罪，判处有期徒刑一年，数罪并罚，决定执行有期徒刑一年六个月，并处罚金人民币二万元。 （刑期自判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2013年12月2日起至2015年6月1日止。罚金限于本判决生效后十日内缴纳。）",
        );
        assert_eq!(s.term_months, Some(18));
        assert_eq!(s.fine_yuan, Some(20_000));
        // judge-e451d580: the executed term is garbled in the source (有期徒刑六个；) and is not
        // guessed from the single charges.
        assert!(parse_sentences("判决如下： 一、撤销固始县人民法院（2018）豫1525刑初433号刑事判决，即； 二、上诉人（原审被告人）王杰文犯贪污罪，免予刑事处罚；犯非国家工作人员受贿罪，判处有期徒刑六个月；数罪并罚，决定执行有期徒刑六个； 三、对上诉人（原审被告人）王杰文的违法所得，予以追缴。").is_empty());
    }

    #[test]
    fn several_defendants() {
        // judge-b89d7fe1
        let sentences = parse_sentences(
            "判决如下： 一、被告人雷冰青犯开设赌场罪，判处有期徒刑三年二个月，并处罚金人民币76000元。罚金限本判决生效之日起十日内缴纳。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2018年6月11日起至2021年8月10日止。） 二、被告人周文雅犯开设赌场罪，判处有期徒刑二年二个月，并处罚金人民币46000元。罚金限本判决生效之日起十日内缴纳。",
        );
        let got: Vec<_> = sentences
            .iter()
            .map(|s| (s.defendant.as_deref().unwrap(), s.term_months, s.fine_yuan))
            .collect();
        assert_eq!(
            got,
            vec![
                ("雷冰青", Some(38), Some(76_000)),
                ("周文雅", Some(26), Some(46_000))
            ]
        );
        // judge-cc640dfd
        let sentences = parse_sentences(
            "判决如下： 一、被告人解梦祥犯交通肇事罪，判处有期徒刑三年，缓刑四年。 （缓刑考验期从判决确定之日起计算）。 二、被告人葛文斌犯窝藏罪，判处有期徒刑十个月，缓刑一年。 （缓刑考验期从判决确定之日起计算）。 三、被告人付天亮犯窝藏罪，判处有期徒刑九个月，缓刑一年。",
        );
        let got: Vec<_> = sentences
            .iter()
            .map(|s| (s.term_months, s.probation_months))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(36), Some(48)),
                (Some(10), Some(12)),
                (Some(9), Some(12))
            ]
        );
        // judge-3dcdbe93: 被告人张方的犯罪所得 is not a second defendant
        let s = one(
            "判决如下： 一、被告人张方犯协助组织卖淫罪，判处有期徒刑三年，并处罚金人民币九千元。 （刑期从判决执行之日起计算。） 二、被告人张方的犯罪所得人民币一万八千元，依法予以追缴，上缴国库。",
        );
        assert_eq!((s.term_months, s.fine_yuan), (Some(36), Some(9_000)));
    }

    #[test]
    fn appeal_judgment_names_the_appellant() {
        // judge-23966d41
        let s = one(
            "判决如下： 一、维持河南省汝州市人民法院（2017）豫0482刑初531号刑事判决中对被告人陈文杰犯包庇罪的判决部分； 二、撤销河南省汝州市人民法院（2017）豫0482刑初531号刑事判决中对被告人陈文杰犯帮助毁灭证据罪的判决和数罪并罚部分； 三、上诉人（原审被告人）陈文杰犯包庇罪，判处有期徒刑一年。 （刑期自判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2017年5月12日至2018年5月11日止。） 本判决为终审判决。",
        );
        assert_eq!(s.defendant.as_deref(), Some("陈文杰"));
        assert_eq!(s.term_months, Some(12));
    }

    #[test]
    fn life_death_and_unstated_fine() {
        // Constructed in the standard wording (the shared corpus has no such sentence).
        let s = one("被告人甲犯故意杀人罪，判处死刑，缓期二年执行，剥夺政治权利终身。");
        assert_eq!(s.penalty, Penalty::DeathSuspended);
        let s = one("被告人乙犯贩卖毒品罪，判处死刑，剥夺政治权利终身，并处没收个人全部财产。");
        assert_eq!(s.penalty, Penalty::Death);
        let s = one("被告人丙犯抢劫罪，判处无期徒刑，剥夺政治权利终身，并处罚金。");
        assert_eq!(s.penalty, Penalty::Life);
        assert!(s.fined);
        assert_eq!(s.fine_yuan, None);
        assert_eq!(s.term_months, None);
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_yuan("人民币五千元"), Some(5_000));
        assert_eq!(parse_yuan("人民币1.5万元"), Some(15_000));
        assert_eq!(parse_yuan("人民币20,000元"), Some(20_000));
        assert_eq!(parse_yuan("二万二千元"), Some(22_000));
        assert_eq!(parse_yuan("，犯"), None);
    }

    // Civil results below are copied from CAIL2019 element-recognition and CJRC texts in the
    // shared corpus.

    #[test]
    fn civil_rejected() {
        // cail2019fe-divorce-0000
        assert_eq!(
            civil("不准原告林某某与被告李某甲离婚。案件受理费300元，由原告负担。"),
            Some(CivilOutcome::Rejected)
        );
        // cail2019fe-divorce-0013
        assert_eq!(
            civil("驳回原告春某某的诉讼请求；案件受理费150元，减半收取，由原告春某某负担75元；"),
            Some(CivilOutcome::Rejected)
        );
        // cail2019fe-divorce-0007: 离婚及其他诉讼请求 is every claim
        assert_eq!(
            civil(
                "驳回原告张某要求与被告陆某甲离婚及其他诉讼请求。案件受理费240元，依法减半收取120元，由原告张某负担。"
            ),
            Some(CivilOutcome::Rejected)
        );
        // cail2019fe-divorce-0017
        assert_eq!(
            civil(
                "驳回原告漆某某要求与被告邓治明离婚的诉讼请求。案件受理费300元，由原告漆某某负担。"
            ),
            Some(CivilOutcome::Rejected)
        );
    }

    #[test]
    fn civil_partly_supported() {
        // cail2019fe-divorce-0027
        assert_eq!(
            civil(
                "一、被告张某于本判决生效之日起十日内支付原告朱某应分得的养老保险金、住房公积金共计36101.5元；二、驳回原告朱某的其他诉讼请求。案件受理费1963元，减半收取982元，由原告朱某负担553元，被告张某负担429元。"
            ),
            Some(CivilOutcome::PartlySupported)
        );
        // cail2019fe-divorce-0011
        assert_eq!(
            civil(
                "一、准予原告麦某与被告张某甲离婚。二、双方所生育的儿子张某乙由原告麦某抚养，被告张某甲从2015年10月起每月支付抚养费1000元至儿子张某乙年满18周岁止，限被告张某甲于每月15日前支付。三、限被告张某甲于本判决生效后10日内一次性给予原告麦某经济帮助费10000元。四、驳回原告麦某的其他诉讼请求。如未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百五十三条的规定加倍支付迟延履行期间的债务利息。"
            ),
            Some(CivilOutcome::PartlySupported)
        );
        // cjrc-test-170 (a prior judgment quoted in the facts; items run together)
        assert_eq!(
            parse_civil(
                "判决:“一、被告天xxxxxxxx2于判决生效后十日内赔偿原告万x0医疗费129544.40元、误工费24566元、住院伙食补助费5000元、护理费4641.37元、营养费5000元、交通费2000元,合计170751.77元二、驳回原告万x0的其他诉讼请求”"
            ),
            Some(CivilOutcome::PartlySupported)
        );
    }

    #[test]
    fn civil_supported_and_appeal() {
        // cail2019fe-divorce-0004
        assert_eq!(
            civil(
                "准予原告张某甲与被告宽某某解除婚姻关系。案件受理费300元，公告费600元，由原告张某甲承担。在本判决生效前，原、被告不得另行结婚。"
            ),
            Some(CivilOutcome::Supported)
        );
        // cail2019fe-divorce-0014
        assert_eq!(
            civil(
                "一、准予原告朱某某与被告刘某某离婚。二、夫妻共同财产位于围场镇环城西路226号房院一处归被告刘某某所有。三、夫妻共同债务69500.00元由原告负责偿还19950.00元，被告负责偿还49550.00元。四、原告给付被告精神损害抚慰金10000.00元，于本判决生效后七日内履行完毕。案件受理费300.00元，由原告承担。"
            ),
            Some(CivilOutcome::Supported)
        );
        // cjrc-dev-174
        assert_eq!(
            parse_civil("判决驳回上诉,维持原判"),
            Some(CivilOutcome::AppealDismissed)
        );
    }

    // Operative parts of the shared corpus that the parser misread before (issue 13).

    #[test]
    fn real_several_defendants_in_order() {
        // judge-9f9431c0: four defendants, 万 amounts, 有期徒刑 and 拘役 with 缓刑
        let got = terms(
            "判决如下： 一、被告人郑家翠犯开设赌场罪，判处有期徒刑十个月，并处罚金1.5万元。 （刑期从判决执行之日起计算，判决执行前先行羁押的，羁押一日折抵刑期一日。即自2017年3月30日起至2018年1月29日止。罚金限判决发生法律效力第2日起30日内缴纳。） 二、被告人傅世柏犯开设赌场罪，判处有期徒刑七个月，并处罚金1万元。 （刑期从判决执行之日起计算。罚金限判决发生法律效力第2日起30日内缴纳。） 三、被告人刘宗美犯开设赌场罪，判处拘役六个月，缓刑六个月，并处罚金0.6万元。 （缓刑考验期限，从判决确定之日起计算。罚金已预缴。） 四、被告人江佳佳犯开设赌场罪，判处拘役三个月，缓刑四个月，并处罚金0.5万元。 （缓刑考验期限，从判决确定之日起计算。罚金已预缴。） 五、对退缴至本院的赃款7.3万元（其中包括刘宗美5.2万元、江佳佳2.1万元）予以追缴，上缴国库；继续对郑家翠尚未退缴的赃款11.75万元、傅世柏尚未退缴的赃款9.25万元予以追缴。",
        );
        use Penalty::{CriminalDetention as D, FixedTerm as F};
        assert_eq!(
            got,
            vec![
                ("郑家翠".into(), F, Some(10), None, Some(15_000)),
                ("傅世柏".into(), F, Some(7), None, Some(10_000)),
                ("刘宗美".into(), D, Some(6), Some(6), Some(6_000)),
                ("江佳佳".into(), D, Some(3), Some(4), Some(5_000)),
            ]
        );
        // judge-ef87b260: items not numbered; each fine in the sentence after the term
        let got = terms(
            "判决如下： 一、被告人林某犯购买假币罪，判处有期徒刑一年（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，刑期自2015年7月3日起至2016年7月2日止）；并处罚金人民币二万元，罚金限于判决生效后一个月内缴纳。 被告人徐某犯持有、使用假币罪，判处有期徒刑十个月（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，刑期自2015年7月3日起至2016年5月2日止）；并处罚金人民币一万元，罚金限于判决生效后一个月内缴纳。 被告人梁某犯使用假币罪，判处有期徒刑十个月（刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，刑期自2015年7月3日起至2016年5月2日止）；并处罚金人民币一万元，罚金限于判决生效后一个月内缴纳。 二、扣押的车辆依法返还车辆所有人。 三、缴获的假币29050元由公安机关依法予以销毁。",
        );
        assert_eq!(
            got.iter()
                .map(|t| (t.0.as_str(), t.2, t.4))
                .collect::<Vec<_>>(),
            vec![
                ("林某", Some(12), Some(20_000)),
                ("徐某", Some(10), Some(10_000)),
                ("梁某", Some(10), Some(10_000))
            ]
        );
        // judge-1201bb67: a charge name of 21 characters still names the defendant
        let s = one(
            "判决如下： 一、被告人盛焱山犯提供侵入、非法控制计算机信息系统程序、工具罪，判处有期徒刑三年，缓刑四年，并处罚金人民币十万元（缓刑考验期限，从判决确定之日起计算。罚金限判决生效后即缴纳）。 二、扣押于嵊州市公安局的苹果6S手机1只、华硕笔记本电脑1台、违法所得人民币248000元及向本院退缴的违法所得人民币1529元，均予以没收，并由扣押机关上缴国库。",
        );
        assert_eq!(s.defendant.as_deref(), Some("盛焱山"));
        assert_eq!(
            (s.term_months, s.probation_months, s.fine_yuan),
            (Some(36), Some(48), Some(100_000))
        );
    }

    #[test]
    fn real_criminal_detention_with_probation() {
        // judge-829739f7: three defendants, 拘役 and 缓刑, no fine
        let got = terms(
            "判决如下： 一、被告人白银飞犯故意伤害罪，判处拘役五个月，缓刑一年（缓刑的考验期限从判决确定之日起计算）。 二、被告人朱绵犯故意伤害罪，判处拘役五个月，缓刑一年（缓刑的考验期限从判决确定之日起计算）。 三、被告人周俏琦犯故意伤害罪，判处拘役五个月，缓刑一年（缓刑的考验期限从判决确定之日起计算）。",
        );
        assert_eq!(got.len(), 3);
        assert!(
            got.iter().all(|t| t.1 == Penalty::CriminalDetention
                && (t.2, t.3, t.4) == (Some(5), Some(12), None))
        );
        // judge-08053114: the fine is the next sentence
        let s = one(
            "判决如下： 被告人穆某犯危险驾驶罪，判处拘役一个月，缓刑二个月。并处罚金人民币二千元。 （缓刑考验期从判决确定之日起计算。罚金已缴纳。）",
        );
        assert_eq!(
            (s.penalty, s.term_months, s.probation_months, s.fine_yuan),
            (Penalty::CriminalDetention, Some(1), Some(2), Some(2_000))
        );
        // judge-188ecbf2: 人民 for 人民币 in the source
        let s = one(
            "判决如下： 被告人赵永远犯危险驾驶罪，判处拘役二个月，缓刑三个月，并处罚金人民4000元。 （缓刑考验期限，从判决确定之日起计算。罚金于判决生效后十日内一次缴纳。）",
        );
        assert_eq!((s.probation_months, s.fine_yuan), (Some(3), Some(4_000)));
        // judge-dc888ff8: a payment note in the parenthesis imposes no fine
        let s = one(
            "判决如下： 被告人黄永平犯挪用资金罪，判处有期徒刑八个月，缓刑一年。 （缓刑考验期限，从判决确定之日起计算。罚金限判决生效后十日内缴纳）。",
        );
        assert_eq!((s.term_months, s.probation_months), (Some(8), Some(12)));
        assert!(!s.fined);
        // judge-40f1f023: a stray 罚金 before the term; the stated fine is read
        let s = one(
            "判决如下： 一、被告人蒋某犯非法经营罪，判处罚金有期徒刑十个月，缓刑一年，并处罚金人民币五万元。 （缓刑考验期限，从判决确定之日起计算。罚金已缴纳。） 二、对被告人蒋某非法经营的卷烟2366条由扣押机关予以没收，上缴国库。",
        );
        assert_eq!(
            (s.penalty, s.term_months, s.fine_yuan),
            (Penalty::FixedTerm, Some(10), Some(50_000))
        );
    }

    #[test]
    fn real_executed_sentence_wins() {
        // judge-264dd169: 决定执行
        let s = one(
            "判决如下： 被告人夏泽鹏犯非法持有毒品罪，判处有期徒刑二年三个月，并处罚金人民币五千元；犯容留他人吸毒罪，判处有期徒刑八个月，并处罚金人民币五千元；决定执行有期徒刑二年十个月，并处罚金人民币一万元（限于本判决生效后十日内缴纳）。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2016年7月21日起至2019年5月20日止）。",
        );
        assert_eq!((s.term_months, s.fine_yuan), (Some(34), Some(10_000)));
        // judge-e96698b8: 决定合并执行 (the first charge's term was read before)
        let s = one(
            "判决如下： 一、被告人顾明轩犯职务侵占罪，判处有期徒刑二年十个月；犯诈骗罪，判处有期徒刑九个月，并处罚金人民币2000元；决定合并执行有期徒刑三年二个月，并处罚金人民币2000元。 （刑期自判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，先行指定居所监视居住的，监视居住二日折抵刑期一日，即自2016年2月5日起至2019年3月18日止；罚金限判决生效后十日内缴纳。） 二、继续追缴被告人顾明轩未退赔的违法所得。",
        );
        assert_eq!((s.term_months, s.fine_yuan), (Some(38), Some(2_000)));
        // judge-77a9a4fb: 合并执行
        let s = one(
            "判决如下： 一、被告人李德春犯强奸罪，判处有期徒刑四年十个月；犯盗窃罪，判处有期徒刑七个月，并处罚金人民币一千元；合并执行有期徒刑五年，并处罚金人民币一千元。 （刑期从判决执行之日起计算。判决执行以前先行羁押的，羁押一日折抵刑期一日，即自2016年9月26日起至2021年9月10日止。） 二、责令被告人李德春退赔被害人黎某1经济损失360元、李某某经济损失468元、黎某2经济损失108元、袁某经济损失288元； 三、对被告人李德春的违法所得800元予以没收。",
        );
        assert_eq!((s.term_months, s.fine_yuan), (Some(60), Some(1_000)));
        // judge-002a95c7: the revoked probation of the earlier sentence is not this one's
        let s = one(
            "判决如下： 一、被告人黄升学犯挪用公款罪，判处有期徒刑一年。撤销西和县人民法院（2013）西刑初字第25号刑事判决书对被告人黄升学宣告的缓刑，原判有期徒刑二年，缓刑二年。数罪并罚，决定合并执行有期徒刑二年六个月 （刑期自判决执行之日起计算，判决执行以前先行羁押的，羁押一日折抵刑期一日，折抵2014年7月9日至2014年7月23日先行羁押的15日，即自2014年12月31日起至2017年6月15日止。） 二、赃款82700元返还西和县兴隆乡磨石村委会。",
        );
        assert_eq!((s.term_months, s.probation_months), (Some(30), None));
    }

    #[test]
    fn real_exemption() {
        // judge-6bfb2334
        let s = one("判决如下： 被告人毛某犯滥伐林木罪，免予刑事处罚。");
        assert_eq!(
            (s.penalty, s.term_months, s.fined),
            (Penalty::Exempt, None, false)
        );
        // judge-2fc06750
        let s = one("判决如下： 被告人何某某犯危险驾驶罪，免予刑事处罚。");
        assert_eq!(s.defendant.as_deref(), Some("何某某"));
        assert_eq!(s.penalty, Penalty::Exempt);
    }

    #[test]
    fn real_appeal_names_the_defendant_again() {
        // judge-2ba1a1e3: the revoked sentence is quoted first; the new one adds 缓刑
        let s = one(
            "判决如下： 一、撤销成都市青羊区人民法院（2019）川0105刑初473号刑事判决，即：被告人董波犯危险驾驶罪，判处拘役二个月，并处罚金人民币三千元。 二、上诉人（原审被告人）董波犯危险驾驶罪，判处拘役二个月，缓刑三个月，并处罚金人民币三千元。 （缓刑考验期限，从判决确定之日起计算。罚金人民币三千元已缴纳）",
        );
        assert_eq!(
            (s.term_months, s.probation_months, s.fine_yuan),
            (Some(2), Some(3), Some(3_000))
        );
        // judge-8ed50592: 三年六个月 revoked, 三年 缓刑五年 given
        let s = one(
            "判决如下： 一、维持云南省金平苗族瑶族傣族自治县人民法院（2018）云2530刑初121号刑事判决第二项，即：被告人严国平赔偿矿产资源损失费人民币244.75万元，限判决生效后十日内履行。 二、撤销云南省金平苗族瑶族傣族自治县人民法院（2018）云2530刑初121号刑事判决第一项，即：被告人严国平犯非法采矿罪，判处有期徒刑三年六个月，并处罚金人民币15万元。 三、上诉人（原审被告人）严国平犯非法采矿罪，判处有期徒刑三年，缓刑五年，依法实行社区矫正。并处罚金人民币15万元（已缴纳）。",
        );
        assert_eq!(
            (s.term_months, s.probation_months, s.fine_yuan),
            (Some(36), Some(60), Some(150_000))
        );
        // judge-891aa8ae: 有期徒刑 revoked, 拘役 given
        let s = one(
            "判决如下： 一、撤销田阳县人民法院（2016）桂1021刑初114号刑事判决，即被告人黄某甲犯非法持有枪支罪，判处有期徒刑六个月； 二、上诉人黄某甲犯非法持有枪支罪，判处拘役五个月。 （刑期自判决生效之日起计算，判决执行前羁押一日折抵刑期一日，即自2016年4月20日起至2016年9月19日止。）",
        );
        assert_eq!(
            (s.penalty, s.term_months),
            (Penalty::CriminalDetention, Some(5))
        );
        // judge-c1c33a99: the maintained fine of the first instance is not 单处罚金
        let s = one(
            "判决如下： 一、维持本院（2016）鄂0114刑初127号刑事判决主文中罚金部分，即被告人王某犯贩卖毒品罪，并处罚金人民币10000元（已缴纳）。 二、撤销本院（2016）鄂0114刑初127号刑事判决主文中有期徒刑的内容，即被告人王某犯贩卖毒品罪，判处有期徒刑三年六个月。 三、原审被告人王某犯贩卖毒品罪，判处有期徒刑二年三个月。 （刑期自本判决书生效之日起计算，判决执行前先行羁押的，羁押一日折抵刑期一日，即刑期自2016年2月24日起至2018年5月23日止）",
        );
        assert_eq!((s.penalty, s.term_months), (Penalty::FixedTerm, Some(27)));
    }

    // Civil results of the CAIL2019 element-recognition texts in the shared corpus.

    #[test]
    fn real_civil_supported_with_amounts() {
        // cail2019fe-loan-0092: the guarantor's liability is the same debt
        assert_eq!(
            civil_with_amount(
                "判决如下：一、被告鹤山市物资供销公司于本判决发生法律效力之日起十日内向原告江门市江顺置业有限公司偿还欠款本金2590000元；二、被告鹤山市商贸资产经营有限公司对本判决第一项所确定的债务承担连带清偿责任。如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。本案受理费27520元，由被告鹤山市物资供销公司、鹤山市商贸资产经营有限公司共同负担（原告已预交受理费13760元；两被告负担的受理费于偿还欠款时一并付给原告13760元，另于本判决生效之日起十日内向本院交纳13760元）。"
            ),
            (CivilOutcome::Supported, Some(2_590_000))
        );
        // cail2019fe-labor-0029: 6,400元
        assert_eq!(
            civil_with_amount(
                "判决如下：被告大连达戴服装有限公司自本判决发生法律效力之日起十日内支付原告孙华拖欠的2016年8月及9月的工资共计6,400元。如未按本判决上述项指定的期限履行给付金钱义务，应当按照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。案件受理费10元（原告已预交），由被告负担。"
            ),
            (CivilOutcome::Supported, Some(6_400))
        );
        // cail2019fe-divorce-0300: the monthly instalments are not added
        assert_eq!(
            civil_with_amount(
                "判决如下：被告项某继续偿付原告赵某90050元，被告项某自本判决生效之日起每月偿付原告赵某1000元，直至偿付完毕为止。案件受理费2051元，因适用简易程序，减半收取1025.5元，由被告项某负担。"
            ),
            (CivilOutcome::Supported, Some(90_050))
        );
        // cail2019fe-divorce-0006: two orders, 万 amounts
        assert_eq!(
            civil_with_amount(
                "判决如下：一、准予原告王甲与被告张某某离婚；二、被告张某某名下牌号为沪A3XXXX的雪佛兰牌小型轿车归被告张某某所有，被告张某某于本判决生效之日起十日内支付原告王甲车辆折价款人民币5万元；三、原告王甲于本判决生效之日起十日内支付被告张某某工资分割款人民币25万元。负有金钱给付义务的当事人如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。案件受理费人民币700元，减半收取计人民币350元(原告王甲已预交)，由原告王甲与被告张某某各半负担。"
            ),
            (CivilOutcome::Supported, Some(300_000))
        );
    }

    #[test]
    fn real_civil_partly_supported_with_amounts() {
        // cail2019fe-divorce-0051: a total replaces its items
        assert_eq!(
            civil_with_amount(
                "判决如下：一、被告张某支付给原告苏某医疗费人民币2533元、误工费人民币1931元，合计人民币4464元，于本判决生效之日起十日内付清。如果未按判决指定的期间履行给付金钱义务，应当按照《中华人民共和国民事诉讼法》第二百二十九条的规定，加倍支付迟延履行期间的债务利息。二、驳回原告苏某的其他诉讼请求。案件受理费人民币50元，减半收取人民币25元，由被告张某负担。"
            ),
            (CivilOutcome::PartlySupported, Some(4_464))
        );
        // cail2019fe-loan-0091: the penalty interest is not counted
        assert_eq!(
            civil_with_amount(
                "判决如下：一、被告浙江越申实业有限公司于本判决生效之日起七日内支付原告中国信达资产管理股份有限公司浙江省分公司借款本金9817844.97元及逾期罚息3071273.25元（暂计算至2014年7月31日，此后按每日万分之五计算至实际付清之日止）；二、被告李军、王丽娜、上海逸驰钢铁发展有限公司、浙江杭州湾控股集团有限公司分别在最高主债权余额人民币10000000元范围内对上述债务承担连带清偿责任；保证人承担保证责任后，有权向债务人追偿；三、驳回原告其他诉讼请求。如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。本案受理费103047元，原告负担3912元，五被告连带负担99135元，公告费400元，由五被告连带负担，于本判决生效之日起七日内交纳。"
            ),
            (CivilOutcome::PartlySupported, Some(9_817_845))
        );
        // cail2019fe-loan-0112: a total that includes interest gives way to the principal
        assert_eq!(
            civil_with_amount(
                "判决如下：一、浙江翰德科技有限公司于本判决生效之日起十日内归还中国信达资产管理股份有限公司浙江省分公司借款本金3087005.62元并支付利息358573.63元，合计3445579.25元；二、杭州科威数码技术有限公司、杭州宇吉印刷有限公司、李凤祥、杜卫红、楼修林、邵谓娣、吉占稳、杨会琴对上述浙江翰德科技有限公司的应付款项承担连带清偿责任；三、驳回中国信达资产管理股份有限公司浙江省分公司的其他诉讼请求。"
            ),
            (CivilOutcome::PartlySupported, Some(3_087_006))
        );
        // cail2019fe-labor-0108: 无需支付 orders nothing
        assert_eq!(
            civil_with_amount(
                "判决如下：一、原告湖南恩孚阳光投资置业有限公司无需支付被告张永权25%部分的经济补偿金39734.35元；二、驳回原告湖南恩孚阳光投资置业有限公司的其他诉讼请求；三、限原告湖南恩孚阳光投资置业有限公司于本判决生效之日起三日内支付被告张永权工资158937.4元；四、限原告湖南恩孚阳光投资置业有限公司于本判决生效之日起三日内支付被告张永权经济补偿23193元；五、限原告湖南恩孚阳光投资置业有限公司于本判决生效之日起三日内支付被告张永权未休年休假工资1839.08元。"
            ),
            (CivilOutcome::PartlySupported, Some(183_969))
        );
        // cail2019fe-divorce-0011: maintenance each month is not a sum; 给予 is
        assert_eq!(
            civil_with_amount(
                "判决如下：一、准予原告麦某与被告张某甲离婚。二、双方所生育的儿子张某乙由原告麦某抚养，被告张某甲从2015年10月起每月支付抚养费1000元至儿子张某乙年满18周岁止，限被告张某甲于每月15日前支付。三、限被告张某甲于本判决生效后10日内一次性给予原告麦某经济帮助费10000元。四、驳回原告麦某的其他诉讼请求。"
            ),
            (CivilOutcome::PartlySupported, Some(10_000))
        );
        // cail2019fe-divorce-0131: …不予支持 rejects the rest
        assert_eq!(
            civil_with_amount(
                "判决如下：一、被告范某某于本判决生效之日起十日内支付原告翁某某人民币60,000元；二、原告翁某某的其余诉讼请求不予支持。"
            ),
            (CivilOutcome::PartlySupported, Some(60_000))
        );
    }

    #[test]
    fn real_civil_rejected() {
        // cail2019fe-labor-0009: 驳回…全部诉讼请求; 本案 before the costs is no order
        assert_eq!(
            civil_with_amount(
                "判决如下：驳回原告李建波的全部诉讼请求。本案案件受理费5元，本院予以免收。"
            ),
            (CivilOutcome::Rejected, None)
        );
        // cail2019fe-loan-0108
        assert_eq!(
            civil_with_amount(
                "判决如下：驳回原告盐城市海润信息咨询有限公司的诉讼请求。案件受理费60295元，保全费5000元，合计65295元，由原告盐城市海润信息咨询有限公司负担。"
            ),
            (CivilOutcome::Rejected, None)
        );
        // cail2019fe-loan-0138: second instance, the first judgment revoked, every claim rejected
        assert_eq!(
            civil_with_amount(
                "判决如下：一、撤销肇庆市端州区人民法院（2015）肇端法民三重字第4号民事判决；二、驳回广东南洋投资集团有限公司的全部诉讼请求。一审案件受理费24400元，财产保全申请费5000元，二审案件受理费24400元，合计共53800元，由广东南洋投资集团有限公司负担。"
            ),
            (CivilOutcome::Rejected, None)
        );
        // cail2019fe-divorce-0038: 不予准许
        assert_eq!(
            civil_with_amount(
                "判决如下：原告曾某某要求与被告刘某甲离婚，不予准许。本案案件受理费300元，由原告曾某某负担。"
            ),
            (CivilOutcome::Rejected, None)
        );
    }

    #[test]
    fn civil_amount_keeps_the_old_json_shape() {
        let without = Outcome::Civil {
            outcome: CivilOutcome::Rejected,
            awarded_yuan: None,
        };
        let json = serde_json::to_value(&without).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "civil", "outcome": "rejected"})
        );
        let read: Outcome = serde_json::from_value(json).unwrap();
        assert_eq!(read, without);
        let with = Outcome::Civil {
            outcome: CivilOutcome::Supported,
            awarded_yuan: Some(6_400),
        };
        assert_eq!(serde_json::to_value(&with).unwrap()["awarded_yuan"], 6_400);
    }

    #[test]
    fn result_section_from_full_text() {
        let judgment = Judgment {
            id: "judge-ff08a56d".into(),
            domain: Some(Domain::Criminal),
            full_text: Some("本院认为，被告人张3……判决如下： 被告人张3犯诈骗罪，判处有期徒刑七个月，并处罚金人民币三万元。 如不服本判决，可在接到判决书的第二日起十日内，通过本院或者直接向上海市第一中级人民法院提出上诉。 审判员李晓杰 附：相关法律条文 《中华人民共和国刑法》 第二百六十六条诈骗公私财物，数额较大的，处三年以下有期徒刑、拘役或者管制".into()),
            ..Judgment::default()
        };
        let section = result_section(&judgment).unwrap();
        assert!(section.starts_with("判决如下"));
        assert!(!section.contains("如不服"));
        match parse_outcome(&judgment) {
            Some(Outcome::Criminal { sentences }) => assert_eq!(sentences[0].term_months, Some(7)),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn distribution_counts_and_quantiles() {
        let criminal = |id: &str, result: &str| Judgment {
            id: id.into(),
            domain: Some(Domain::Criminal),
            result: Some(result.into()),
            ..Judgment::default()
        };
        let judgments = [
            criminal(
                "a",
                "被告人甲犯盗窃罪，判处有期徒刑六个月，并处罚金人民币二千元。",
            ),
            criminal(
                "b",
                "被告人乙犯盗窃罪，判处有期徒刑一年，缓刑一年，并处罚金人民币三千元。",
            ),
            criminal(
                "c",
                "被告人丙犯盗窃罪，判处有期徒刑三年，并处罚金人民币一万元。",
            ),
            criminal("d", "被告人丁犯盗窃罪，判处拘役四个月，并处罚金。"),
            criminal("e", "被告人戊犯盗窃罪，判处罚金人民币五千元。"),
            criminal("f", "本案移送审查起诉。"),
            Judgment {
                id: "g".into(),
                domain: Some(Domain::Civil),
                result: Some("判决如下：驳回原告的诉讼请求。".into()),
                ..Judgment::default()
            },
            Judgment {
                id: "h".into(),
                ..Judgment::default()
            },
        ];
        let refs: Vec<&Judgment> = judgments.iter().collect();
        let d = OutcomeDistribution::from_judgments(&refs);
        assert_eq!((d.parsed, d.unparsed), (6, 2));
        assert_eq!(d.unparsed_ids, vec!["f", "h"]);
        assert_eq!((d.criminal_judgments, d.defendants), (5, 5));
        assert_eq!(d.penalties.fixed_term, 3);
        assert_eq!(d.penalties.criminal_detention, 1);
        assert_eq!(d.penalties.fine_only, 1);
        let prison = d.prison_months.as_ref().unwrap();
        assert_eq!(
            (prison.count, prison.min, prison.median, prison.max),
            (3, 6.0, 12.0, 36.0)
        );
        assert_eq!(prison.p25, 9.0);
        assert_eq!(prison.p75, 24.0);
        assert_eq!(d.detention_months.as_ref().unwrap().median, 4.0);
        assert_eq!(d.probation, 1);
        assert_eq!(d.fined, 5);
        let fine = d.fine_yuan.as_ref().unwrap();
        assert_eq!(
            (fine.count, fine.min, fine.median, fine.max),
            (4, 2000.0, 4000.0, 10000.0)
        );
        assert_eq!(d.civil.rejected, 1);
        let json = serde_json::to_value(&d).unwrap();
        assert_eq!(json["prison_months"]["median"], 12.0);
        assert_eq!(json["penalties"]["criminal_detention"], 1);
    }
}
