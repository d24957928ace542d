//! 类案调解 referrals (参照调处建议书): once the judge has chosen a wave's demonstrative judgment
//! (示范判决), each member of the wave goes to mediation with a document that sets the
//! demonstrative judgment's holdings (本院认为, 判决如下) beside the member's own facts — which
//! match it and which differ —, the member's amounts beside the judgment's, the statutes the
//! judgment applied, and a space for the mediator's notes.
//!
//! Everything is read with the parsers the rest of Leian uses: the judgment's parts by
//! `leian_legal::sections`, its outcome by `leian_legal::outcome`, the shared and missing legal
//! elements by `leian_legal::explain`, the cited articles by `leian_text::cited_statute_ids`; the documents
//! are rendered by the report's block renderer, so they look like the 类案检索报告.

use super::{Filing, TERMS, Wave, dates_in, filing_parties, judgment_parties, yuan};
use crate::ReportFormat;
use crate::report::{Block, blocks_html, blocks_markdown};
use leian_core::{Document, Judgment};
use leian_legal::analysis::analyze_text;
use leian_legal::explain::{ElementKind, QueryExplainer, excerpt};
use leian_legal::outcome::{CivilOutcome, Outcome, parse_outcome};
use leian_legal::sections::{reasoning_section, result_section, split_sections};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;

/// Characters kept of the demonstrative judgment's reasoning and of its operative part: longer
/// than a search hit's excerpt, since the mediator works from it.
pub const HOLDINGS_MAX_CHARS: usize = 600;
/// Characters kept of each applied article's text.
pub const STATUTE_MAX_CHARS: usize = 200;

/// The demonstrative judgment as a referral names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DemonstrativeJudgment {
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default)]
    pub causes: Vec<String>,
}

impl DemonstrativeJudgment {
    pub fn of(judgment: &Judgment) -> Self {
        DemonstrativeJudgment {
            id: judgment.id.clone(),
            title: judgment
                .title
                .clone()
                .unwrap_or_else(|| judgment.id.clone()),
            case_number: judgment.case_number.clone(),
            court: judgment.court.clone(),
            date: judgment
                .date
                .clone()
                .or(judgment.year.map(|y| format!("{y}年"))),
            causes: judgment.causes.clone(),
        }
    }
}

/// One fact compared: what it is, how the member states it, how the judgment does.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FactPoint {
    pub item: String,
    pub member: String,
    pub demonstrative: String,
}

/// A sum of money and the words that state it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AmountLine {
    pub yuan: f64,
    pub text: String,
}

/// The member's amounts beside the demonstrative judgment's.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Amounts {
    /// Sums the member's filing states.
    pub member: Vec<AmountLine>,
    /// Sums the judgment's facts state.
    pub demonstrative: Vec<AmountLine>,
    /// What the judgment decided, in words (支持 / 部分支持 / 驳回 …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demonstrative_outcome: Option<String>,
    /// The total the judgment ordered paid, in yuan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub demonstrative_awarded: Option<u64>,
    /// The awarded total over the largest sum of the judgment's facts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub awarded_share: Option<f64>,
    /// The member's largest sum at that share: a mediation reference, not a decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference_yuan: Option<f64>,
}

/// An article the demonstrative judgment applied, with its text when the index holds it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AppliedStatute {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// A 参照调处建议书 for one member of a wave.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Referral {
    pub wave: String,
    pub wave_size: usize,
    pub filing_id: String,
    /// The member's parties as read (原告… / 被告…).
    pub parties: Vec<String>,
    /// The wave's representative case (示范性首案).
    pub representative: String,
    pub demonstrative: DemonstrativeJudgment,
    /// The court's reasoning (本院认为 …), excerpted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub holdings: Option<String>,
    /// The operative part (判决如下 …), excerpted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    /// The member's facts that match the judgment's.
    pub matching: Vec<FactPoint>,
    /// The member's facts that differ from the judgment's.
    pub differing: Vec<FactPoint>,
    pub amounts: Amounts,
    pub statutes: Vec<AppliedStatute>,
}

/// The statute ids a judgment applied: those recorded at ingest, or those its reasoning and
/// operative part cite.
pub fn applied_statute_ids(judgment: &Judgment) -> Vec<String> {
    if !judgment.cited_articles.is_empty() {
        return judgment.cited_articles.clone();
    }
    let text = judgment.full_text.clone().unwrap_or_else(|| {
        [judgment.reasoning.as_deref(), judgment.result.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("\n")
    });
    leian_text::cited_statute_ids(&text)
}

impl crate::Service {
    /// The indexed judgment `id`, or `NotFound` when the index has no judgment of that id.
    pub fn judgment(&self, id: &str) -> crate::Result<Judgment> {
        match self
            .engine
            .store()
            .document(id)
            .map_err(leian_search::SearchError::from)?
        {
            Some(Document::Judgment(judgment)) => Ok(judgment),
            _ => Err(crate::ServiceError::NotFound(format!(
                "索引中没有 id 为“{id}”的裁判文书"
            ))),
        }
    }

    /// The articles `judgment` applied, with their texts when this index holds them.
    pub fn applied_statutes(&self, judgment: &Judgment) -> crate::Result<Vec<AppliedStatute>> {
        let ids = applied_statute_ids(judgment);
        let documents = self
            .engine
            .store()
            .documents(&ids)
            .map_err(leian_search::SearchError::from)?;
        Ok(ids
            .into_iter()
            .zip(documents)
            .map(|(id, document)| AppliedStatute {
                id,
                text: match document {
                    Some(Document::Statute(statute)) => {
                        Some(excerpt(&statute.text, STATUTE_MAX_CHARS))
                    }
                    _ => None,
                },
            })
            .collect())
    }
}

/// The referrals of every member of `wave`, in the wave's order. `filings` must hold the
/// members (others are ignored); `representative` is the judge's choice, else the proposal.
pub fn referrals(
    wave: &Wave,
    filings: &[Filing],
    judgment: &Judgment,
    statutes: &[AppliedStatute],
    representative: Option<&str>,
) -> Vec<Referral> {
    let context = JudgmentSide::read(judgment);
    wave.members
        .iter()
        .filter_map(|id| filings.iter().find(|f| &f.id == id))
        .map(|filing| context.referral(wave, filing, statutes, representative))
        .collect()
}

/// What every referral of one wave reads from the demonstrative judgment, read once.
struct JudgmentSide<'a> {
    judgment: &'a Judgment,
    /// Facts and reasoning: where a judgment states the terms of its case.
    stated: String,
    parties: Vec<leian_legal::parties::NormalizedParty>,
    amounts: Vec<AmountLine>,
    outcome: Option<Outcome>,
    dates: Vec<String>,
}

impl<'a> JudgmentSide<'a> {
    fn read(judgment: &'a Judgment) -> Self {
        let facts = match judgment.facts.trim().is_empty() {
            false => judgment.facts.clone(),
            true => judgment
                .full_text
                .as_deref()
                .and_then(|t| split_sections(t).facts)
                .unwrap_or_default()
                .to_string(),
        };
        let stated = match reasoning_section(judgment) {
            Some(reasoning) => format!("{facts}\n{reasoning}"),
            None => facts.clone(),
        };
        JudgmentSide {
            judgment,
            amounts: amount_lines(&facts),
            dates: dates_in(&facts),
            parties: judgment_parties(judgment),
            outcome: parse_outcome(judgment),
            stated,
        }
    }

    fn referral(
        &self,
        wave: &Wave,
        filing: &Filing,
        statutes: &[AppliedStatute],
        representative: Option<&str>,
    ) -> Referral {
        let judgment = self.judgment;
        let analysis = analyze_text(&filing.text);
        let explanation = QueryExplainer::new(&filing.text, &analysis).explain(judgment);
        let mut matching = Vec::new();
        let mut differing = Vec::new();

        // Parties: the repeat party of the wave should be the judgment's party too.
        let parties = filing_parties(filing);
        let judgment_keys: HashSet<&str> = self.parties.iter().map(|p| p.key.as_str()).collect();
        let mut matched_keys = HashSet::new();
        let mut others = Vec::new();
        for (plaintiff, party) in &parties {
            let role = if *plaintiff { "原告" } else { "被告" };
            if judgment_keys.contains(party.key.as_str()) {
                matched_keys.insert(party.key.as_str());
                let theirs = self
                    .parties
                    .iter()
                    .find(|p| p.key == party.key)
                    .map_or_else(|| party.key.clone(), |p| p.name.clone());
                matching.push(FactPoint {
                    item: format!("同一当事人（本案{role}）"),
                    member: party.name.clone(),
                    demonstrative: theirs,
                });
            } else {
                others.push(format!("{role} {}", party.name));
            }
        }
        let their_others: Vec<String> = dedup(
            self.parties
                .iter()
                .filter(|p| !matched_keys.contains(p.key.as_str()))
                .map(|p| p.name.clone()),
        );
        if !others.is_empty() {
            differing.push(FactPoint {
                item: "其他当事人".into(),
                member: others.join("、"),
                demonstrative: or_none(&their_others, 4),
            });
        }

        // The cause of action.
        let cause = analysis.causes.first().map(|c| c.name.clone());
        match &cause {
            Some(cause) if judgment.causes.contains(cause) => matching.push(FactPoint {
                item: "案由".into(),
                member: cause.clone(),
                demonstrative: judgment.causes.join("、"),
            }),
            Some(cause) => differing.push(FactPoint {
                item: "案由".into(),
                member: cause.clone(),
                demonstrative: or_none(&judgment.causes, 3),
            }),
            None => {}
        }

        // Legal elements (charges, causes, circumstances, quantities) as explanations compare
        // them; amounts have a section of their own.
        for element in &explanation.shared_elements {
            if matches!(element.kind, ElementKind::Amount | ElementKind::Cause) {
                continue;
            }
            matching.push(FactPoint {
                item: element.name.clone(),
                member: element.query_text.clone().unwrap_or_default(),
                demonstrative: element.document_text.clone().unwrap_or_default(),
            });
        }
        for element in &explanation.missing_elements {
            if matches!(element.kind, ElementKind::Amount | ElementKind::Cause) {
                continue;
            }
            differing.push(FactPoint {
                item: element.name.clone(),
                member: element.query_text.clone().unwrap_or_default(),
                demonstrative: "示范判决未载明".into(),
            });
        }

        // The wave's legal terms (保证保险, 理赔, 追偿, 透支 …): stated by both or by one.
        let ours: Vec<String> = terms_in(&filing.text);
        let theirs: Vec<String> = terms_in(&self.stated);
        let both: Vec<String> = ours
            .iter()
            .filter(|t| theirs.contains(t))
            .cloned()
            .collect();
        let only_ours: Vec<String> = ours
            .iter()
            .filter(|t| !theirs.contains(t))
            .cloned()
            .collect();
        let only_theirs: Vec<String> = theirs
            .iter()
            .filter(|t| !ours.contains(t))
            .cloned()
            .collect();
        if !both.is_empty() {
            matching.push(FactPoint {
                item: "共同法律事实".into(),
                member: both.join("、"),
                demonstrative: both.join("、"),
            });
        }
        if !only_ours.is_empty() || !only_theirs.is_empty() {
            differing.push(FactPoint {
                item: "仅一方载明的法律事实".into(),
                member: or_none(&only_ours, 12),
                demonstrative: or_none(&only_theirs, 12),
            });
        }

        // Disputed issues both state.
        let their_issues: Vec<String> = analyze_text(&self.stated)
            .disputed_issues
            .iter()
            .map(|i| i.text.clone())
            .collect();
        for issue in &analysis.disputed_issues {
            if their_issues.contains(&issue.text) {
                matching.push(FactPoint {
                    item: "争议焦点".into(),
                    member: issue.text.clone(),
                    demonstrative: issue.text.clone(),
                });
            } else {
                differing.push(FactPoint {
                    item: "争议焦点".into(),
                    member: issue.text.clone(),
                    demonstrative: "示范判决未载明".into(),
                });
            }
        }

        // Dates differ between parallel cases by nature; they are listed so that the mediator
        // sees the periods (interest, limitation) at a glance.
        let our_dates = dates_in(&filing.text);
        if !our_dates.is_empty() && our_dates != self.dates {
            differing.push(FactPoint {
                item: "时间".into(),
                member: or_none(&our_dates, 3),
                demonstrative: or_none(&self.dates, 3),
            });
        }

        Referral {
            wave: wave.id.clone(),
            wave_size: wave.members.len(),
            filing_id: filing.id.clone(),
            parties: parties
                .iter()
                .map(|(plaintiff, p)| {
                    format!("{} {}", if *plaintiff { "原告" } else { "被告" }, p.name)
                })
                .collect(),
            representative: representative
                .unwrap_or(wave.representative.id.as_str())
                .to_string(),
            demonstrative: DemonstrativeJudgment::of(judgment),
            holdings: reasoning_section(judgment).map(|r| excerpt(r, HOLDINGS_MAX_CHARS)),
            result: result_section(judgment)
                .map(|r| excerpt(r, HOLDINGS_MAX_CHARS))
                .filter(|r| !r.is_empty()),
            matching,
            differing,
            amounts: self.amounts(&filing.text),
            statutes: statutes.to_vec(),
        }
    }

    fn amounts(&self, text: &str) -> Amounts {
        let member = amount_lines(text);
        let (outcome, awarded) = match &self.outcome {
            Some(Outcome::Civil {
                outcome,
                awarded_yuan,
            }) => (
                Some(civil_outcome_name(*outcome).to_string()),
                *awarded_yuan,
            ),
            Some(Outcome::Criminal { .. }) => (Some("刑事判决".to_string()), None),
            None => (None, None),
        };
        let largest = |lines: &[AmountLine]| {
            lines
                .iter()
                .map(|a| a.yuan)
                .fold(None, |m: Option<f64>, y| Some(m.map_or(y, |m| m.max(y))))
        };
        // The share is only offered where it reads as one: a judgment that ordered more than
        // one and a half times its own largest stated sum awarded other things (interest,
        // penalties) than the sum compared.
        let share = match (awarded, largest(&self.amounts)) {
            (Some(awarded), Some(base)) if base > 0.0 && awarded > 0 => {
                Some(awarded as f64 / base).filter(|s| *s <= 1.5)
            }
            _ => None,
        };
        Amounts {
            reference_yuan: share
                .zip(largest(&member))
                .map(|(share, ours)| (ours * share * 100.0).round() / 100.0),
            member,
            demonstrative: self.amounts.clone(),
            demonstrative_outcome: outcome,
            demonstrative_awarded: awarded,
            awarded_share: share.map(|s| (s * 1000.0).round() / 1000.0),
        }
    }
}

fn civil_outcome_name(outcome: CivilOutcome) -> &'static str {
    match outcome {
        CivilOutcome::Supported => "支持诉讼请求",
        CivilOutcome::PartlySupported => "部分支持诉讼请求",
        CivilOutcome::Rejected => "驳回诉讼请求",
        CivilOutcome::AppealDismissed => "驳回上诉，维持原判",
    }
}

/// Distinct sums a text states, in order, with their words (at most eight).
fn amount_lines(text: &str) -> Vec<AmountLine> {
    let mut seen: Vec<f64> = Vec::new();
    let mut lines = Vec::new();
    for amount in analyze_text(text).amounts {
        if amount.yuan <= 0.0 || seen.iter().any(|s| (s - amount.yuan).abs() < 0.005) {
            continue;
        }
        seen.push(amount.yuan);
        lines.push(AmountLine {
            yuan: amount.yuan,
            text: amount.text,
        });
        if lines.len() == 8 {
            break;
        }
    }
    lines
}

fn terms_in(text: &str) -> Vec<String> {
    TERMS
        .iter()
        .filter(|t| text.contains(*t))
        .map(|t| t.to_string())
        .collect()
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

fn or_none(items: &[String], take: usize) -> String {
    match items.is_empty() {
        true => "未载明".to_string(),
        false => items
            .iter()
            .take(take)
            .cloned()
            .collect::<Vec<_>>()
            .join("、"),
    }
}

fn amounts_text(lines: &[AmountLine]) -> String {
    match lines.is_empty() {
        true => "未载明".to_string(),
        false => lines
            .iter()
            .map(|a| format!("{} 元（{}）", yuan(a.yuan), a.text))
            .collect::<Vec<_>>()
            .join("；"),
    }
}

/// A file name for `id` (a filing or wave id): characters a file system refuses, control
/// characters and a leading dot are replaced by `_`; empty gives `_`.
pub fn file_stem(id: &str) -> String {
    let stem: String = id
        .trim()
        .chars()
        .enumerate()
        .map(|(k, c)| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            '.' if k == 0 => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .take(120)
        .collect();
    match stem.is_empty() {
        true => "_".to_string(),
        false => stem,
    }
}

/// The title of a referral document.
pub const TITLE: &str = "类案调解参照调处建议书";

impl Referral {
    fn blocks(&self) -> Vec<Block> {
        let demo = &self.demonstrative;
        let mut blocks = vec![
            Block::Heading(1, TITLE.into()),
            Block::Paragraph(format!(
                "本建议书供系列案件 {} 中案件 {} 的类案调解参考：以本院选定的示范判决为参照，列明示范判决的裁判要旨、本案与示范判决相同和不同的事实、双方金额和所适用的法律条文。本建议书不具有裁判效力，调解应当遵循当事人自愿、合法原则。",
                self.wave, self.filing_id
            )),
            Block::Heading(2, "一、基本信息".into()),
            Block::Fields(vec![
                (
                    "系列".into(),
                    format!("{}（共 {} 件）", self.wave, self.wave_size),
                ),
                ("本案".into(), self.filing_id.clone()),
                (
                    "本案当事人".into(),
                    match self.parties.is_empty() {
                        true => "未识别".into(),
                        false => self.parties.join("；"),
                    },
                ),
                ("示范性首案".into(), self.representative.clone()),
                ("示范判决".into(), demo.title.clone()),
                (
                    "示范判决案号".into(),
                    demo.case_number.clone().unwrap_or_else(|| demo.id.clone()),
                ),
                (
                    "审理法院".into(),
                    demo.court.clone().unwrap_or_else(|| "不详".into()),
                ),
                (
                    "裁判日期".into(),
                    demo.date.clone().unwrap_or_else(|| "不详".into()),
                ),
                (
                    "案由".into(),
                    match demo.causes.is_empty() {
                        true => "不详".into(),
                        false => demo.causes.join("、"),
                    },
                ),
            ]),
            Block::Heading(2, "二、示范判决的裁判要旨".into()),
            Block::Heading(3, "本院认为（摘要）".into()),
            Block::Paragraph(
                self.holdings
                    .clone()
                    .unwrap_or_else(|| "示范判决未载明本院认为部分，请查阅判决原文。".into()),
            ),
            Block::Heading(3, "判决如下".into()),
            Block::Paragraph(
                self.result
                    .clone()
                    .unwrap_or_else(|| "示范判决未载明判决主文，请查阅判决原文。".into()),
            ),
            Block::Heading(2, "三、本案与示范判决的事实比对".into()),
            Block::Heading(3, "相同的事实".into()),
        ];
        let header = || {
            vec![
                "事实".to_string(),
                "本案".to_string(),
                "示范判决".to_string(),
            ]
        };
        let rows = |points: &[FactPoint]| -> Vec<Vec<String>> {
            points
                .iter()
                .map(|p| vec![p.item.clone(), p.member.clone(), p.demonstrative.clone()])
                .collect()
        };
        match self.matching.is_empty() {
            true => blocks.push(Block::Paragraph(
                "未识别出与示范判决相同的事实，请调解员核对是否属于同一系列。".into(),
            )),
            false => blocks.push(Block::Table(header(), rows(&self.matching))),
        }
        blocks.push(Block::Heading(3, "不同的事实".into()));
        match self.differing.is_empty() {
            true => blocks.push(Block::Paragraph("未识别出与示范判决不同的事实。".into())),
            false => blocks.push(Block::Table(header(), rows(&self.differing))),
        }

        blocks.push(Block::Heading(2, "四、金额对照".into()));
        let a = &self.amounts;
        let mut amount_rows = vec![vec![
            "所载金额".to_string(),
            amounts_text(&a.member),
            amounts_text(&a.demonstrative),
        ]];
        amount_rows.push(vec![
            "裁判结果".to_string(),
            "待调解".to_string(),
            match (&a.demonstrative_outcome, a.demonstrative_awarded) {
                (Some(outcome), Some(awarded)) => {
                    format!("{outcome}，判令给付合计 {} 元", yuan(awarded as f64))
                }
                (Some(outcome), None) => outcome.clone(),
                (None, _) => "未能从判决主文读出".to_string(),
            },
        ]);
        blocks.push(Block::Table(
            vec!["项目".into(), "本案".into(), "示范判决".into()],
            amount_rows,
        ));
        if let (Some(share), Some(reference), Some(awarded)) =
            (a.awarded_share, a.reference_yuan, a.demonstrative_awarded)
        {
            blocks.push(Block::Paragraph(format!(
                "示范判决判令给付 {} 元，为其所载最大金额的 {:.1}%；按同一比例，本案所载最大金额约合 {} 元。此数仅供调解参考，不作为裁判依据。",
                yuan(awarded as f64),
                share * 100.0,
                yuan(reference)
            )));
        }

        blocks.push(Block::Heading(2, "五、示范判决适用的法律条文".into()));
        match self.statutes.is_empty() {
            true => blocks.push(Block::Paragraph(
                "示范判决未载明所适用的法律条文，请查阅判决原文。".into(),
            )),
            false => blocks.push(Block::List(
                self.statutes
                    .iter()
                    .map(|s| match &s.text {
                        Some(text) => format!("{}：{text}", s.id),
                        None => s.id.clone(),
                    })
                    .collect(),
            )),
        }

        blocks.push(Block::Heading(2, "六、调解员意见".into()));
        blocks.push(Block::Notes {
            label: "调解员意见（参照示范判决的调解方案）".into(),
            lines: 4,
        });
        blocks.push(Block::Notes {
            label: "调解结果".into(),
            lines: 2,
        });
        blocks.push(Block::Fields(vec![
            ("调解员".into(), "＿＿＿＿＿＿".into()),
            ("日期".into(), "＿＿＿＿年＿＿月＿＿日".into()),
        ]));
        blocks
    }

    /// The referral as Markdown or a self-contained HTML page.
    pub fn render(&self, format: ReportFormat) -> String {
        render(std::slice::from_ref(self), format)
    }
}

/// Referrals as one document, each on its own page (a wave's referrals printed at once).
pub fn render(referrals: &[Referral], format: ReportFormat) -> String {
    let mut blocks = Vec::new();
    for (k, referral) in referrals.iter().enumerate() {
        if k > 0 {
            blocks.push(Block::PageBreak);
        }
        blocks.extend(referral.blocks());
    }
    match format {
        ReportFormat::Markdown => blocks_markdown(&blocks),
        ReportFormat::Html => {
            let title = match referrals {
                [one] => format!("{TITLE}（{}）", one.filing_id),
                [first, ..] => format!("{TITLE}（系列 {}）", first.wave),
                [] => TITLE.to_string(),
            };
            blocks_html(&title, &blocks)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::{ClusterSettings, cluster};

    fn filing(id: &str, who: &str, sum: &str, date: &str) -> Filing {
        Filing {
            id: id.into(),
            text: format!(
                "原告中国平安财产保险股份有限公司安徽分公司诉称，被告{who}于{date}向银行借款，原告为该借款提供个人消费信贷保证保险，被告逾期未还，原告依约理赔{sum}元后向被告追偿未果，请求判令被告偿还理赔款{sum}元及违约金。"
            ),
            parties: None,
            claims: None,
            wave: None,
        }
    }

    fn judgment() -> Judgment {
        Judgment {
            id: "demo-1".into(),
            title: Some("中国平安财产保险股份有限公司安徽分公司与张某保证保险合同纠纷一审民事判决书".into()),
            causes: vec!["保证保险合同纠纷".into()],
            case_number: Some("（2019）皖0104民初1234号".into()),
            court: Some("合肥市蜀山区人民法院".into()),
            date: Some("2019-06-01".into()),
            facts: "经审理查明，被告张某于2017年3月5日向银行借款，原告中国平安财产保险股份有限公司安徽分公司为该借款提供个人消费信贷保证保险，被告逾期未还，原告理赔40000元后向被告追偿。".into(),
            reasoning: Some("本院认为，原告与被告之间的保证保险合同合法有效，原告依约理赔后取得追偿权，被告应当偿还理赔款并支付违约金。依照《中华人民共和国民法典》第五百七十七条之规定，判决如下：".into()),
            result: Some("判决如下：一、被告张某于本判决生效之日起十日内偿还原告理赔款36000元；二、驳回原告的其他诉讼请求。".into()),
            cited_articles: vec!["中华人民共和国民法典第577条".into()],
            ..Judgment::default()
        }
    }

    #[test]
    fn a_referral_states_every_item_in_both_formats() {
        let filings = vec![
            filing("p1", "刘x2", "52000", "2018年4月9日"),
            filing("p2", "王x9", "88000", "2019年1月3日"),
        ];
        let batch = cluster(&filings, &ClusterSettings::default());
        assert_eq!(batch.waves.len(), 1, "{batch:#?}");
        let wave = &batch.waves[0];
        let statutes = vec![AppliedStatute {
            id: "中华人民共和国民法典第577条".into(),
            text: Some(
                "当事人一方不履行合同义务……应当承担继续履行、采取补救措施或者赔偿损失等违约责任。"
                    .into(),
            ),
        }];
        let judgment = judgment();
        let all = referrals(wave, &filings, &judgment, &statutes, Some("p2"));
        assert_eq!(all.len(), 2);
        let r = all.iter().find(|r| r.filing_id == "p1").unwrap();
        assert_eq!(r.representative, "p2");
        assert!(r.holdings.as_deref().unwrap().starts_with("本院认为"));
        assert!(r.result.as_deref().unwrap().contains("36000元"));
        assert!(
            r.matching.iter().any(|p| p.item.starts_with("同一当事人")),
            "{:#?}",
            r.matching
        );
        assert!(r.matching.iter().any(|p| p.member.contains("保证保险")));
        assert!(
            r.differing
                .iter()
                .any(|p| p.item == "其他当事人" && p.member.contains("刘x2"))
        );
        assert!(
            r.differing
                .iter()
                .any(|p| p.item == "时间" && p.member.contains("2018年4月9日"))
        );
        assert!(r.amounts.member.iter().any(|a| a.yuan == 52000.0));
        assert!(r.amounts.demonstrative.iter().any(|a| a.yuan == 40000.0));
        assert_eq!(r.amounts.demonstrative_awarded, Some(36000));
        assert_eq!(r.amounts.awarded_share, Some(0.9));
        assert_eq!(r.amounts.reference_yuan, Some(46800.0));

        let markdown = r.render(ReportFormat::Markdown);
        for needle in [
            "# 类案调解参照调处建议书",
            "## 二、示范判决的裁判要旨",
            "本院认为，原告与被告之间",
            "### 判决如下",
            "### 相同的事实",
            "### 不同的事实",
            "| 事实 | 本案 | 示范判决 |",
            "## 四、金额对照",
            "52000 元",
            "40000 元",
            "判令给付合计 36000 元",
            "## 五、示范判决适用的法律条文",
            "中华人民共和国民法典第577条：当事人一方不履行合同义务",
            "## 六、调解员意见",
            "＿＿＿＿",
            "（2019）皖0104民初1234号",
        ] {
            assert!(markdown.contains(needle), "{needle} missing:\n{markdown}");
        }
        let html = render(&all, ReportFormat::Html);
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<title>类案调解参照调处建议书（系列 W1）</title>"));
        assert_eq!(html.matches("<h1>类案调解参照调处建议书</h1>").count(), 2);
        assert_eq!(html.matches("<hr class=\"page\">").count(), 1);
        assert!(html.contains("<textarea"));
        assert!(html.contains("<th>示范判决</th>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("（2023）沪0115民初1号"), "（2023）沪0115民初1号");
        assert_eq!(file_stem("../a/b:c"), "_._a_b_c");
        assert_eq!(file_stem(""), "_");
    }

    #[test]
    fn markup_in_a_filing_is_escaped() {
        let mut filings = vec![
            filing("<b>x</b>", "刘x2", "52000", "2018年4月9日"),
            filing("p2", "王x9", "88000", "2019年1月3日"),
        ];
        filings[0].text.push_str("<script>alert(1)</script>");
        let batch = cluster(&filings, &ClusterSettings::default());
        let all = referrals(&batch.waves[0], &filings, &judgment(), &[], None);
        let html = render(&all, ReportFormat::Html);
        assert!(!html.contains("<b>x</b>") && html.contains("&lt;b&gt;x&lt;/b&gt;"));
        // No statutes given: the section says so instead of staying empty.
        assert!(render(&all, ReportFormat::Markdown).contains("示范判决未载明所适用的法律条文"));
    }
}
