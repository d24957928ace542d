//! 类案不同判预警: a draft judgment's outcome compared with what similar cases received
//! (`leian check`, `POST /v1/drafts/check`), beside the check of its statute citations.
//!
//! A criminal draft's term is placed among the similar cases' sentences carried over to its facts
//! (the sentencing reference); a civil draft's decision (supported or rejected) among theirs. A
//! departure is an alert for the judge to explain or to refer to the 专业法官会议, never a verdict.

use crate::Service;
use crate::error::Result;
use crate::sentencing::SentencingRequest;
use leian_core::{Document, Domain, Kind, deadline};
use leian_legal::CitationReport;
use leian_legal::analysis::analyze_text;
use leian_legal::draft::{
    Direction, DraftOutcome, DraftProblem, LegalIssue, charge_issues, charge_minimum, parse_draft,
    sentence_issues,
};
use leian_legal::outcome::{CivilOutcome, Outcome, Penalty, Sentence, parse_outcome};
use leian_legal::sentencing::{
    MITIGATING_BELOW_RANGE, ReliedCase, SentencingEstimate, canonical_charge, describe_band,
    describe_months,
};
use leian_search::{Mode, SearchError, SearchRequest};
use serde::Serialize;

/// A term departs from similar cases when it lies outside their band and its ratio to the
/// estimate, in ln(months + 1), exceeds this (about ×2 for long terms) widened by
/// [`FEW_CASES_WIDENING`]: set on the divergence benchmark (`cargo run --example
/// divergence_bench`) so that few unaltered drafts are flagged.
pub const DEPARTURE: f64 = 0.68;
/// How much wider the departure must be when the estimate rests on few cases: the threshold is
/// [`DEPARTURE`] × (1 + this / √(effective cases)), ×1.5 for one case, ×1.1 for 25. An estimate
/// carried by one or two precedents misses by twice as much as one carried by a dozen (median
/// ln-ratio 0.36–0.46 against 0.19 on the sentencing development set).
pub const FEW_CASES_WIDENING: f64 = 0.5;
/// Similar cases lighter than this share of the weight are not named as the nearest on either
/// side: a case the estimate hardly rests on would contradict the percentile shown beside it.
const NEAREST_MIN_WEIGHT: f64 = 0.01;
/// A term departs from the prosecution's recommendation stated in the facts when it lies outside
/// the recommended range by more than this in ln(months + 1) (about a third for long terms):
/// courts adopt or stay close to a recommendation (刑事诉讼法第二百零一条 for 认罪认罚 cases), and
/// a month or two either side of it is common practice, not a departure.
pub const RECOMMENDATION_MARGIN: f64 = 0.3;
/// A civil decision departs when at least this share of the similar cases decided the other way.
const CIVIL_MAJORITY: f64 = 0.7;
/// Fewest similar civil judgments with a readable decision a comparison rests on.
const CIVIL_MIN: usize = 5;
/// Similar judgments read for a civil comparison.
const CIVIL_DEPTH: usize = 30;

/// The answer of `POST /v1/drafts/check`: the citation check's fields and `outcome`.
#[derive(Debug, Clone, Serialize)]
pub struct DraftCheck {
    #[serde(flatten)]
    pub citations: CitationReport,
    pub outcome: OutcomeCheck,
}

/// How a draft's outcome stands against similar cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    Consistent,
    Lighter,
    Heavier,
    NoReference,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Consistent => "consistent",
            CheckStatus::Lighter => "lighter",
            CheckStatus::Heavier => "heavier",
            CheckStatus::NoReference => "no_reference",
        }
    }
}

/// The outcome check of a draft.
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeCheck {
    pub status: CheckStatus,
    /// Why, in the judge's words (for `no_reference`: what is missing).
    pub reason: String,
    /// Present when the outcome departs from similar cases or breaks a general-part bound: what
    /// to do about it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alert: Option<String>,
    /// `criminal` or `civil`, when the draft's outcome was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domain: Option<&'static str>,
    /// Charges of the operative part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub charges: Vec<String>,
    /// The outcome read from the draft's 判决如下.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft: Option<Outcome>,
    /// The term compared (the first defendant's), months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    /// Weighted share (0–100) of the similar cases' carried-over sentences below the draft's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub percentile: Option<f64>,
    /// Bounds of the law the sentence breaks (general part, the charge's own maximum and minimum)
    /// and a departure from the prosecution's recommendation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub legal_issues: Vec<LegalIssue>,
    /// The similar cases just below and just above the draft's term.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nearest_lighter: Vec<ReliedCase>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nearest_heavier: Vec<ReliedCase>,
    /// The sentencing reference the term is compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate: Option<SentencingEstimate>,
    /// A civil draft's similar cases: how many supported and rejected the claims.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub civil: Option<CivilComparison>,
    /// The text has no 判决如下 at all (a passage checked for its citations only).
    #[serde(skip)]
    pub without_operative_part: bool,
}

/// How similar civil judgments decided.
#[derive(Debug, Clone, Serialize)]
pub struct CivilComparison {
    /// The cause of action compared (`民间借贷纠纷`), when one was found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    pub judgments: usize,
    /// Supported in whole or in part.
    pub supported: usize,
    pub rejected: usize,
    /// The judgments compared, most similar first.
    pub cases: Vec<CivilCase>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CivilCase {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    pub outcome: CivilOutcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded_yuan: Option<u64>,
}

impl OutcomeCheck {
    fn no_reference(reason: impl Into<String>, draft: &DraftOutcome) -> Self {
        OutcomeCheck {
            status: CheckStatus::NoReference,
            reason: reason.into(),
            alert: None,
            domain: None,
            charges: draft.charges.clone(),
            draft: draft.outcome.clone(),
            months: None,
            percentile: None,
            legal_issues: Vec::new(),
            nearest_lighter: Vec::new(),
            nearest_heavier: Vec::new(),
            estimate: None,
            civil: None,
            without_operative_part: draft.problem == Some(DraftProblem::NoOperativePart),
        }
    }

    /// Whether the judge is alerted (a departure or a broken bound).
    pub fn alerted(&self) -> bool {
        self.alert.is_some()
    }
}

/// What the judge is asked to do about a departure.
const REFER: &str = "请在裁判文书中说明理由，或依照专业法官会议工作机制提交讨论。";

impl Service {
    /// Checks a draft: its statute citations and its outcome against similar cases.
    pub fn check_draft(&self, text: &str) -> Result<DraftCheck> {
        let citations = self.check_citations(text)?;
        let outcome = self.check_outcome(text, &[])?;
        Ok(DraftCheck { citations, outcome })
    }

    /// The outcome part of [`Service::check_draft`]; `exclude_ids` are never similar cases (the
    /// case itself, when a benchmark rebuilds drafts from indexed judgments).
    pub fn check_outcome(&self, text: &str, exclude_ids: &[String]) -> Result<OutcomeCheck> {
        let draft = parse_draft(text);
        if let Some(problem) = draft.problem {
            return Ok(OutcomeCheck::no_reference(problem.message(), &draft));
        }
        let facts = match draft.facts.trim().is_empty() {
            true => text.to_string(),
            false => draft.facts.clone(),
        };
        match &draft.outcome {
            Some(Outcome::Criminal { sentences }) => {
                self.check_sentence(text, &draft, sentences, facts, exclude_ids)
            }
            Some(Outcome::Civil { outcome, .. }) => {
                self.check_civil(&draft, *outcome, facts, exclude_ids)
            }
            None => Ok(OutcomeCheck::no_reference("未能读出裁判结果", &draft)),
        }
    }

    fn check_sentence(
        &self,
        draft_text: &str,
        draft: &DraftOutcome,
        sentences: &[Sentence],
        facts: String,
        exclude_ids: &[String],
    ) -> Result<OutcomeCheck> {
        let mut check = OutcomeCheck::no_reference("", draft);
        check.domain = Some("criminal");
        let Some(sentence) = sentences.iter().find(|s| {
            matches!(
                s.penalty,
                Penalty::FixedTerm | Penalty::CriminalDetention | Penalty::PublicSurveillance
            ) && s.term_months.is_some()
        }) else {
            check.reason = "草稿判处的刑罚（无期徒刑、死刑、免予刑事处罚或单处罚金）不是按月计的刑期，未与类案比较".into();
            return Ok(check);
        };
        // Similar cases of the charge are compared with its own term: an executed term that
        // merges several (Art. 69: other charges, or what a prior sentence left) also holds
        // other crimes. The general part's bounds apply to the executed term.
        let charge_sentence = match sentence.first_charge {
            Some(own) => Sentence {
                penalty: own.penalty,
                term_months: Some(own.term_months),
                probation_months: None,
                ..sentence.clone()
            },
            None => sentence.clone(),
        };
        let months = charge_sentence.term_months.unwrap_or(0);
        let executed = sentence.term_months.unwrap_or(0);
        check.months = Some(months);
        check.legal_issues = sentence_issues(
            sentence,
            draft.charges.len() > 1 || sentence.first_charge.is_some(),
        );
        // A draft of several charges is left to Art. 69 (its executed term is not one charge's).
        let single_charge = match draft.charges.as_slice() {
            [charge] => Some(canonical_charge(charge)),
            _ => None,
        };
        if let Some(charge) = &single_charge {
            check
                .legal_issues
                .extend(charge_issues(&charge_sentence, charge));
        }
        let estimate = self.estimate_sentence(&SentencingRequest {
            text: facts,
            // As the draft writes it: the estimate resolves it, and a search of the charge's
            // own judgments matches either name.
            charge: draft.charges.first().cloned(),
            exclude_ids: exclude_ids.to_vec(),
            ..Default::default()
        })?;
        deadline::check()?;
        if let Some(issue) =
            below_statutory_minimum(months, &estimate, draft_text, single_charge.as_deref())
        {
            check.legal_issues.push(issue);
        }
        // A recommendation in the facts is for what the defendant serves.
        if let Some(issue) = outside_recommendation(executed, &estimate, draft_text) {
            check.legal_issues.push(issue);
        }
        let (Some(estimated), Some([lower, upper])) = (estimate.months, estimate.band) else {
            check.reason = estimate.summary.clone();
            check.estimate = Some(estimate);
            check.status = legal_status(&check.legal_issues).unwrap_or(CheckStatus::NoReference);
            check.alert = legal_alert(&check.legal_issues).map(|alert| format!("{alert}{REFER}"));
            return Ok(check);
        };
        let term = f64::from(months);
        let departure = (term + 1.0).ln() - (estimated + 1.0).ln();
        let threshold = DEPARTURE
            * (1.0 + FEW_CASES_WIDENING / estimate.effective_cases.unwrap_or(1.0).max(1.0).sqrt());
        let by_cases = if term < lower && departure < -threshold {
            CheckStatus::Lighter
        } else if term > upper && departure > threshold {
            CheckStatus::Heavier
        } else {
            CheckStatus::Consistent
        };
        check.status = match (by_cases, legal_status(&check.legal_issues)) {
            (CheckStatus::Consistent, Some(by_law)) => by_law,
            (by_cases, _) => by_cases,
        };
        let below: f64 = estimate
            .weighed
            .iter()
            .map(|c| match c.adjusted_months {
                m if m < term => c.weight,
                m if m == term => c.weight / 2.0,
                _ => 0.0,
            })
            .sum();
        let total: f64 = estimate.weighed.iter().map(|c| c.weight).sum();
        let percentile = (100.0 * below / total.max(f64::MIN_POSITIVE)).round();
        check.percentile = Some(percentile);
        let mut by_months: Vec<ReliedCase> = estimate
            .weighed
            .iter()
            .filter(|c| c.weight >= NEAREST_MIN_WEIGHT)
            .cloned()
            .collect();
        by_months.sort_by(|a, b| a.adjusted_months.total_cmp(&b.adjusted_months));
        check.nearest_lighter = by_months
            .iter()
            .filter(|c| c.adjusted_months <= term)
            .rev()
            .take(2)
            .cloned()
            .collect();
        check.nearest_heavier = by_months
            .iter()
            .filter(|c| c.adjusted_months > term)
            .take(2)
            .cloned()
            .collect();
        let drafted = match draft.charges.first() {
            Some(charge) if months != executed => format!(
                "{charge}一罪拟判{}（决定执行{}）",
                describe_months(term),
                describe_months(f64::from(executed))
            ),
            _ => format!("拟判{}", describe_months(term)),
        };
        let comparison = format!(
            "{drafted}，类案量刑参考约{}（相似类案中间三分之二：{}），拟判刑期高于约{percentile}%的类案",
            describe_months(estimated),
            describe_band(lower, upper),
        );
        check.reason = match by_cases {
            CheckStatus::Lighter => format!("{comparison}，明显轻于相似类案"),
            CheckStatus::Heavier => format!("{comparison}，明显重于相似类案"),
            _ => format!("{comparison}，与相似类案基本一致"),
        };
        let mut alert: Vec<String> = Vec::new();
        if by_cases != CheckStatus::Consistent {
            let nearest: Vec<String> = check
                .nearest_lighter
                .iter()
                .chain(&check.nearest_heavier)
                .map(|c| {
                    let imposed = describe_months(f64::from(c.months));
                    let carried = describe_months(c.adjusted_months);
                    let number = c.case_number.as_deref().unwrap_or(&c.id);
                    match carried == imposed {
                        true => format!("{number}（{imposed}）"),
                        false => format!("{number}（判处{imposed}，按本案情节折算约{carried}）"),
                    }
                })
                .collect();
            alert.push(format!(
                "{}。最接近的类案：{}。",
                check.reason,
                nearest.join("、")
            ));
        }
        alert.extend(legal_alert(&check.legal_issues));
        if !alert.is_empty() {
            check.alert = Some(format!("{}{REFER}", alert.join("")));
        }
        check.estimate = Some(estimate);
        Ok(check)
    }

    fn check_civil(
        &self,
        draft: &DraftOutcome,
        decided: CivilOutcome,
        facts: String,
        exclude_ids: &[String],
    ) -> Result<OutcomeCheck> {
        let mut check = OutcomeCheck::no_reference("", draft);
        check.domain = Some("civil");
        let supports = match decided {
            CivilOutcome::Supported | CivilOutcome::PartlySupported => true,
            CivilOutcome::Rejected => false,
            CivilOutcome::AppealDismissed => {
                check.reason = "草稿为二审驳回上诉、维持原判，未与一审类案的支持或驳回比较".into();
                return Ok(check);
            }
        };
        let analysis = match self.engine.analyze(&facts, Mode::Bm25, exclude_ids) {
            Ok(analysis) => analysis,
            Err(SearchError::EmptyQuery) => {
                check.reason = "草稿的事实部分没有可检索的词语，无法查找类案".into();
                return Ok(check);
            }
            Err(other) => return Err(other.into()),
        };
        let cause = analysis.causes.first().map(|c| c.name.clone());
        let request = SearchRequest {
            text: facts,
            kind: Some(Kind::Judgment),
            mode: Mode::Bm25,
            top_k: CIVIL_DEPTH,
            filters: Default::default(),
            exclude_ids: exclude_ids.to_vec(),
            all_terms: true,
        };
        let ranked = self.engine.rank(&request, CIVIL_DEPTH)?;
        let ids: Vec<String> = ranked.into_iter().map(|(id, _)| id).collect();
        let documents = self
            .engine
            .store()
            .documents(&ids)
            .map_err(SearchError::from)?;
        let mut cases: Vec<CivilCase> = Vec::new();
        for document in documents.into_iter().flatten() {
            deadline::check()?;
            let Document::Judgment(judgment) = document else {
                continue;
            };
            if judgment.domain == Some(Domain::Criminal)
                || cause
                    .as_ref()
                    .is_some_and(|cause| !judgment.causes.contains(cause))
            {
                continue;
            }
            if let Some(Outcome::Civil {
                outcome,
                awarded_yuan,
            }) = parse_outcome(&judgment)
                && outcome != CivilOutcome::AppealDismissed
            {
                cases.push(CivilCase {
                    id: judgment.id.clone(),
                    case_number: judgment.case_number.clone(),
                    outcome,
                    awarded_yuan,
                });
            }
        }
        let rejected = cases
            .iter()
            .filter(|c| c.outcome == CivilOutcome::Rejected)
            .count();
        let comparison = CivilComparison {
            cause: cause.clone(),
            judgments: cases.len(),
            supported: cases.len() - rejected,
            rejected,
            cases,
        };
        let what = cause.as_deref().unwrap_or("民事");
        if comparison.judgments < CIVIL_MIN {
            check.reason = format!(
                "相似的{what}案件中裁判结果可读的只有{}件（少于{CIVIL_MIN}件），不作比较",
                comparison.judgments
            );
            check.civil = Some(comparison);
            return Ok(check);
        }
        let n = comparison.judgments as f64;
        let (supported_share, rejected_share) = (
            comparison.supported as f64 / n,
            comparison.rejected as f64 / n,
        );
        let counts = format!(
            "相似的{}件{what}案件中，{}件支持（含部分支持）诉讼请求，{}件驳回",
            comparison.judgments, comparison.supported, comparison.rejected
        );
        (check.status, check.reason) = if supports && rejected_share >= CIVIL_MAJORITY {
            (
                CheckStatus::Heavier,
                format!("草稿支持诉讼请求，而{counts}：与多数类案的处理不同"),
            )
        } else if !supports && supported_share >= CIVIL_MAJORITY {
            (
                CheckStatus::Lighter,
                format!("草稿驳回诉讼请求，而{counts}：与多数类案的处理不同"),
            )
        } else {
            (
                CheckStatus::Consistent,
                format!("{counts}，草稿的处理与类案不相冲突"),
            )
        };
        if check.status != CheckStatus::Consistent {
            check.alert = Some(format!("{}。{REFER}", check.reason));
        }
        check.civil = Some(comparison);
        Ok(check)
    }
}

/// A term below the law's minimum while the draft names no circumstance that allows 减轻处罚
/// (Art. 63): the minimum of a charge's one statutory range (强奸罪 three years …), or of the
/// lightest bracket of a charge whose every bracket has one (故意杀人罪 情节较轻: three years),
/// which holds with or without similar cases. Ranges chosen by a quantity read from the facts are
/// left out: a misread quantity must not raise an alert.
fn below_statutory_minimum(
    months: u32,
    estimate: &SentencingEstimate,
    draft_text: &str,
    charge: Option<&str>,
) -> Option<LegalIssue> {
    let of_range = estimate
        .statutory_range
        .as_ref()
        .filter(|range| range.bracket == 0)
        .and_then(|range| Some((range.from_months?, range.basis.clone())));
    let of_charge = charge.and_then(charge_minimum).map(|(minimum, article)| {
        (
            minimum,
            format!(
                "刑法{article}最轻一档为{}年以上有期徒刑",
                leian_text::chinese_numeral(u64::from(minimum / 12)).unwrap_or_default()
            ),
        )
    });
    let (minimum, basis) = [of_range, of_charge]
        .into_iter()
        .flatten()
        .max_by_key(|(minimum, _)| *minimum)?;
    if months >= minimum {
        return None;
    }
    let mitigated = draft_text.contains("减轻处罚")
        || analyze_text(draft_text)
            .circumstances
            .iter()
            .any(|c| !c.negated && MITIGATING_BELOW_RANGE.contains(&c.name));
    let name = charge.or(estimate.charge.as_deref()).unwrap_or("该罪");
    (!mitigated).then(|| LegalIssue {
        direction: Direction::Lighter,
        message: format!(
            "拟判刑期低于{name}的法定最低刑（{basis}），草稿中未见可以减轻处罚的情节（刑法第六十三条）"
        ),
    })
}

/// A term outside the prosecution's recommended range (read from the facts into the estimate) by
/// more than [`RECOMMENDATION_MARGIN`]. In a 认罪认罚 case the court generally adopts the
/// recommendation (刑事诉讼法第二百零一条), and a departure goes through the prosecution's
/// adjustment first; elsewhere the recommendation is still what the court is asked to weigh.
fn outside_recommendation(
    months: u32,
    estimate: &SentencingEstimate,
    draft_text: &str,
) -> Option<LegalIssue> {
    let recommended = estimate.recommendation.as_ref()?;
    let log = |m: u32| (f64::from(m) + 1.0).ln();
    let direction = if recommended
        .from_months
        .is_some_and(|from| log(months) < log(from) - RECOMMENDATION_MARGIN)
    {
        Direction::Lighter
    } else if recommended
        .to_months
        .is_some_and(|to| log(months) > log(to) + RECOMMENDATION_MARGIN)
    {
        Direction::Heavier
    } else {
        return None;
    };
    let side = match direction {
        Direction::Lighter => "低于",
        _ => "高于",
    };
    let mut message = format!(
        "拟判刑期明显{side}事实部分载明的公诉机关量刑建议（{}）",
        recommended.text
    );
    if draft_text.contains("认罪认罚") {
        message.push_str(
            "；认罪认罚案件，人民法院一般应当采纳人民检察院的量刑建议，认为明显不当的，人民检察院可以调整（刑事诉讼法第二百零一条）",
        );
    }
    Some(LegalIssue { direction, message })
}

/// The direction the law's bounds give a sentence (below a minimum: lighter; above a maximum:
/// heavier).
fn legal_status(issues: &[LegalIssue]) -> Option<CheckStatus> {
    issues.iter().find_map(|issue| match issue.direction {
        Direction::Lighter => Some(CheckStatus::Lighter),
        Direction::Heavier => Some(CheckStatus::Heavier),
        Direction::Inconsistent => None,
    })
}

fn legal_alert(issues: &[LegalIssue]) -> Option<String> {
    (!issues.is_empty()).then(|| {
        let messages: Vec<&str> = issues.iter().map(|i| i.message.as_str()).collect();
        format!("请核对拟判刑罚：{}。", messages.join("；"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use leian_legal::sentencing::Recommendation;

    fn recommending(from: Option<u32>, to: Option<u32>) -> SentencingEstimate {
        let mut estimate = SentencingEstimate::abstain(Some("盗窃罪".into()), 0, String::new());
        estimate.recommendation = Some(Recommendation {
            from_months: from,
            to_months: to,
            text: "建议判处有期徒刑六个月至十个月".into(),
        });
        estimate
    }

    #[test]
    fn a_term_far_from_the_recommendation_is_named() {
        let estimate = recommending(Some(6), Some(10));
        // Inside the range, or a month or two outside it: no issue.
        for months in [6, 8, 10, 5, 13] {
            assert_eq!(
                outside_recommendation(months, &estimate, ""),
                None,
                "{months}"
            );
        }
        let heavier = outside_recommendation(30, &estimate, "被告人自愿认罪认罚").unwrap();
        assert_eq!(heavier.direction, Direction::Heavier);
        assert!(heavier.message.contains("高于"), "{}", heavier.message);
        assert!(
            heavier.message.contains("第二百零一条"),
            "{}",
            heavier.message
        );
        let lighter = outside_recommendation(2, &estimate, "").unwrap();
        assert_eq!(lighter.direction, Direction::Lighter);
        // Article 201 is cited only where the draft states 认罪认罚.
        assert!(
            !lighter.message.contains("第二百零一条"),
            "{}",
            lighter.message
        );
        // An open bound (`三年以下`) bounds one side only.
        let open = recommending(None, Some(36));
        assert_eq!(outside_recommendation(1, &open, ""), None);
        assert!(outside_recommendation(60, &open, "").is_some());
        assert_eq!(
            outside_recommendation(8, &SentencingEstimate::abstain(None, 0, String::new()), ""),
            None
        );
    }

    #[test]
    fn a_term_below_every_bracket_of_its_charge_is_named_without_similar_cases() {
        let none = SentencingEstimate::abstain(Some("故意杀人罪".into()), 0, String::new());
        let issue = below_statutory_minimum(
            20,
            &none,
            "被告人持刀刺伤被害人致其死亡。",
            Some("故意杀人罪"),
        )
        .unwrap();
        assert_eq!(issue.direction, Direction::Lighter);
        assert!(
            issue.message.contains("第二百三十二条"),
            "{}",
            issue.message
        );
        // At the minimum, or with a circumstance that allows 减轻处罚, or for a charge whose
        // lightest bracket has none: no issue.
        assert_eq!(
            below_statutory_minimum(36, &none, "", Some("故意杀人罪")),
            None
        );
        assert_eq!(
            below_statutory_minimum(20, &none, "被告人作案后主动投案自首。", Some("故意杀人罪")),
            None
        );
        assert_eq!(
            below_statutory_minimum(20, &none, "", Some("故意伤害罪")),
            None
        );
    }
}
