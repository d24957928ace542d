//! The similar-case search report (类案检索报告) of the SPC guidance (2020) Art. 8: who searched,
//! when, on which platform, by which methods, the pending case's facts and disputed issues, the
//! similar cases in Art. 4 order with their key holdings (裁判要点) and a 参照 / 参考 / 不予参考
//! choice with a reason for the judge to complete, the recommended statutes and the outcome
//! distribution. Rendered as Markdown or as a self-contained HTML page.

use crate::error::Result;
use crate::request::ResearchRequest;
use crate::research::{Research, ResearchHit, StatuteHits};
use crate::service::Service;
use leian_legal::analysis::Analysis;
use leian_legal::authority::{Binding, Tier};
use leian_legal::explain::{Element, excerpt};
use leian_legal::outcome::{OutcomeDistribution, Quantiles};
use leian_legal::sentencing::{EstimateStatus, SentencingEstimate, describe_band, describe_months};
use leian_search::Mode;
use leian_search::linking::{self, LinkReason};
use serde::Serialize;

/// Characters of the query shown as the pending case's facts.
const FACTS_MAX_CHARS: usize = 1200;

/// Headings and labels every report carries, one per Art. 8 item.
pub const ART8_ITEMS: &[&str] = &[
    "检索人",
    "检索法院",
    "检索时间",
    "检索平台",
    "检索方法",
    "基本案情",
    "争议焦点",
    "检索结果",
    "裁判要点",
    "参照",
    "参考",
    "不予参考",
    "理由",
    "推荐法条",
    "裁判结果分布",
];

/// The search platform: Leian's version, the index snapshot and the embedding model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Platform {
    pub leian_version: String,
    pub snapshot_id: String,
    /// The dense model, when the search used one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

/// Who searched, where and when, for the pending case described by `query`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportMeta {
    /// The person who searched (检索人).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub searcher: Option<String>,
    /// The requesting court (检索法院).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    /// When, as it should be printed (e.g. `2026-11-27 15:30 UTC`).
    pub generated_at: String,
    pub platform: Platform,
    /// The pending case's fact summary as searched.
    pub query: String,
}

/// Output formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Markdown,
    Html,
}

impl ReportFormat {
    /// `markdown` or `html`.
    pub fn name(self) -> &'static str {
        match self {
            ReportFormat::Markdown => "markdown",
            ReportFormat::Html => "html",
        }
    }
}

impl std::str::FromStr for ReportFormat {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value.trim() {
            "markdown" | "md" => Ok(ReportFormat::Markdown),
            "html" => Ok(ReportFormat::Html),
            other => Err(format!("未知的报告格式 '{other}'（markdown、html）")),
        }
    }
}

/// A 类案检索报告: a research and the facts about the search.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub meta: ReportMeta,
    pub research: Research,
}

/// The judge's choice for one similar case (Art. 8: whether it was followed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Choice {
    Follow,
    Refer,
    NotReferred,
}

impl Choice {
    const ALL: [Choice; 3] = [Choice::Follow, Choice::Refer, Choice::NotReferred];

    fn label(self) -> &'static str {
        match self {
            Choice::Follow => "参照",
            Choice::Refer => "参考",
            Choice::NotReferred => "不予参考",
        }
    }
}

/// A piece of the report, rendered by each format.
/// One piece of a rendered document (this report, the batch referrals): the same blocks give
/// the Markdown and the HTML, so the two never say different things.
pub(crate) enum Block {
    Heading(u8, String),
    Paragraph(String),
    /// Label and value pairs.
    Fields(Vec<(String, String)>),
    List(Vec<String>),
    /// A table: its header row and its rows.
    Table(Vec<String>, Vec<Vec<String>>),
    /// The 参照 / 参考 / 不予参考 choice of case `index`, with a blank reason.
    Choice {
        index: usize,
        preselected: Option<Choice>,
    },
    /// A space to write in by hand (a mediator's notes): a labelled box in HTML, blank lines
    /// in Markdown.
    Notes {
        label: String,
        lines: usize,
    },
    /// The next block starts a new printed page.
    PageBreak,
}

/// Who asks for a report: the searcher and the requesting court as printed in it.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    pub searcher: Option<String>,
    pub court: Option<String>,
}

impl Service {
    /// Researches `request` and prepares its report, stamped now with this Leian version, the
    /// index snapshot and the dense model when one answered.
    pub fn report(&self, request: &ResearchRequest, requester: Requester) -> Result<Report> {
        let research = self.research(request)?;
        let meta = ReportMeta {
            searcher: requester.searcher,
            court: requester.court,
            generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
            platform: Platform {
                leian_version: env!("CARGO_PKG_VERSION").to_string(),
                snapshot_id: self.snapshot_id.clone(),
                model: self.model_for(research.mode),
            },
            query: request.text.clone(),
        };
        Ok(Report::new(research, meta))
    }
}

impl Report {
    pub fn new(research: Research, meta: ReportMeta) -> Report {
        Report { meta, research }
    }

    pub fn render(&self, format: ReportFormat) -> String {
        match format {
            ReportFormat::Markdown => self.markdown(),
            ReportFormat::Html => self.html(),
        }
    }

    /// The report as Markdown.
    pub fn markdown(&self) -> String {
        blocks_markdown(&self.blocks())
    }

    /// The report as one self-contained HTML page (inline CSS, no external assets).
    pub fn html(&self) -> String {
        blocks_html("类案检索报告", &self.blocks())
    }

    fn blocks(&self) -> Vec<Block> {
        let meta = &self.meta;
        let research = &self.research;
        let mut blocks = vec![
            Block::Heading(1, "类案检索报告".into()),
            Block::Heading(2, "一、检索信息".into()),
        ];
        let platform = format!(
            "Leian {}；索引快照 {}；{}",
            meta.platform.leian_version,
            meta.platform.snapshot_id,
            match &meta.platform.model {
                Some(model) => format!("语义模型 {model}"),
                None => "未使用语义模型".to_string(),
            }
        );
        blocks.push(Block::Fields(vec![
            ("检索人".into(), or_blank(meta.searcher.as_deref())),
            ("检索法院".into(), or_blank(meta.court.as_deref())),
            ("检索时间".into(), meta.generated_at.clone()),
            ("检索平台".into(), platform),
            ("检索方法".into(), self.methods().join("；")),
        ]));
        blocks.push(Block::Paragraph(
            "检索结果按《最高人民法院关于统一法律适用加强类案检索的指导意见（试行）》第四条的顺序排列：指导性案例、人民法院案例库参考案例、最高人民法院典型案例及裁判、本省高级人民法院参考案例及裁判、上一级法院及本院裁判；除指导性案例外，同一层级内近三年的案例列在前面，再各按相似度排列。".into(),
        ));

        blocks.push(Block::Heading(2, "二、待决案件".into()));
        blocks.push(Block::Heading(3, "基本案情".into()));
        blocks.push(Block::Paragraph(excerpt(&meta.query, FACTS_MAX_CHARS)));
        let analysis = &research.analysis;
        let likely = likely_charges(analysis, 3);
        let circumstances: Vec<String> = analysis
            .circumstances
            .iter()
            .map(|c| match c.negated {
                true => format!("否认{}（{}）", c.name, c.text),
                false => format!("{}（{}）", c.name, c.text),
            })
            .collect();
        blocks.push(Block::Fields(vec![
            ("可能涉及的罪名或案由".into(), joined_or(&likely, "未识别")),
            ("量刑情节".into(), joined_or(&circumstances, "未识别")),
        ]));
        blocks.push(Block::Heading(3, "争议焦点".into()));
        match analysis.disputed_issues.is_empty() {
            true => blocks.push(Block::Paragraph(
                "案情摘要未载明争议焦点，请承办法官补充：＿＿＿＿＿＿＿＿＿＿＿＿".into(),
            )),
            false => blocks.push(Block::List(
                analysis
                    .disputed_issues
                    .iter()
                    .map(|d| d.text.clone())
                    .collect(),
            )),
        }

        blocks.push(Block::Heading(2, "三、检索结果".into()));
        let guiding = research
            .judgments
            .iter()
            .filter(|h| h.authority.binding == Binding::MustFollow)
            .count();
        blocks.push(Block::Paragraph(format!(
            "共检索到类案 {} 件，其中应当参照的指导性案例 {} 件。",
            research.judgments.len(),
            guiding
        )));
        let mut index = 0;
        let mut current: Option<Tier> = None;
        for hit in &research.judgments {
            if current != Some(hit.authority.tier) {
                current = Some(hit.authority.tier);
                let count = research
                    .judgments
                    .iter()
                    .filter(|h| h.authority.tier == hit.authority.tier)
                    .count();
                blocks.push(Block::Heading(
                    3,
                    format!("{}（{count} 件）", tier_name(hit.authority.tier)),
                ));
            }
            index += 1;
            self.case_blocks(index, hit, &mut blocks);
        }

        blocks.push(Block::Heading(2, "四、推荐法条".into()));
        match &research.statutes {
            StatuteHits::Direct(hits) => {
                blocks.push(Block::Paragraph(
                    "本次检索未进行法条关联检索，以下条文按与案情用语的相符程度排列：".into(),
                ));
                match hits.is_empty() {
                    true => blocks.push(Block::Paragraph("未找到相符的条文。".into())),
                    false => {
                        blocks.push(Block::List(hits.iter().map(|h| h.title.clone()).collect()))
                    }
                }
            }
            StatuteHits::Linked(hits) => {
                let items: Vec<String> = hits
                    .iter()
                    .map(|s| {
                        let reasons: Vec<String> = s.reasons.iter().map(describe_reason).collect();
                        format!(
                            "{}（{}）：{}",
                            s.title,
                            match s.tier {
                                linking::Tier::Specific => "分则条文",
                                linking::Tier::General => "总则条文",
                                linking::Tier::Other => "其他",
                            },
                            joined_or(&reasons, "")
                        )
                    })
                    .collect();
                match items.is_empty() {
                    true => blocks.push(Block::Paragraph("未找到可推荐的现行有效条文。".into())),
                    false => blocks.push(Block::List(items)),
                }
                if !research.flagged_statutes.is_empty() {
                    blocks.push(Block::Paragraph(
                        "以下条文有相似案例引用或与案情相关，但已失效或索引中没有，未予推荐："
                            .into(),
                    ));
                    blocks.push(Block::List(
                        research
                            .flagged_statutes
                            .iter()
                            .map(|f| format!("{}：{}", f.id, f.note))
                            .collect(),
                    ));
                }
            }
        }

        blocks.push(Block::Heading(2, "五、裁判结果分布".into()));
        match &research.outcome {
            Some(outcome) => {
                blocks.push(Block::List(outcome_lines(&outcome.distribution)));
                if let Some(estimate) = &outcome.estimate {
                    blocks.push(Block::Heading(3, "类案量刑参考".into()));
                    blocks.extend(estimate_blocks(estimate));
                }
            }
            None => blocks.push(Block::Paragraph("本次检索未检索类案。".into())),
        }

        blocks.push(Block::Heading(2, "六、检索结论".into()));
        blocks.push(Block::Paragraph(
            "承办法官意见（是否属于类案、参照或参考的情况）：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿"
                .into(),
        ));
        blocks
    }

    fn case_blocks(&self, index: usize, hit: &ResearchHit, blocks: &mut Vec<Block>) {
        let h = &hit.hit;
        blocks.push(Block::Heading(4, format!("{index}. {}", h.title)));
        let explanation = &hit.explanation;
        let binding = match hit.authority.binding {
            Binding::MustFollow => "应当参照（指导性案例）",
            Binding::Reference => "可以参考",
        };
        let names = |elements: &[Element]| -> Vec<String> {
            elements.iter().map(|e| e.name.clone()).collect()
        };
        let mut fields = vec![
            ("案例编号".to_string(), h.id.clone()),
            ("案号".to_string(), or_blank(hit.case_number.as_deref())),
            ("审理法院".to_string(), or_blank(h.court.as_deref())),
            (
                "裁判年份".to_string(),
                h.year.map_or_else(|| "不详".to_string(), |y| y.to_string()),
            ),
            (
                "权威层级".to_string(),
                // The reason says whether the case is of the last three years.
                format!(
                    "{}（第{}层级；{}）",
                    tier_name(hit.authority.tier),
                    hit.authority.rank,
                    hit.authority.reason,
                ),
            ),
            ("效力".to_string(), binding.to_string()),
            (
                "相同要素".to_string(),
                joined_or(&names(&explanation.shared_elements), "无"),
            ),
            (
                "不具备的要素".to_string(),
                joined_or(&names(&explanation.missing_elements), "无"),
            ),
            (
                "裁判要点".to_string(),
                explanation
                    .reasoning_excerpt
                    .clone()
                    .unwrap_or_else(|| "文书未载明本院认为部分，请查阅原文。".into()),
            ),
        ];
        if let Some(result) = &explanation.result_excerpt {
            fields.push(("裁判结果".to_string(), result.clone()));
        }
        blocks.push(Block::Fields(fields));
        blocks.push(Block::Choice {
            index,
            preselected: (hit.authority.binding == Binding::MustFollow).then_some(Choice::Follow),
        });
    }

    /// The Art. 5 methods this research used.
    fn methods(&self) -> Vec<String> {
        let mut methods = Vec::new();
        if self.research.mode != Mode::Dense {
            methods.push("关键词检索（BM25，法律词典分词）".to_string());
        }
        if matches!(self.research.statutes, StatuteHits::Linked(_)) {
            methods.push("法条关联案件检索（相似案例引用条文、可能罪名与量刑情节）".to_string());
        }
        if matches!(self.research.mode, Mode::Dense | Mode::Hybrid) {
            methods.push("案例关联检索（语义向量相似度）".to_string());
        }
        methods
    }
}

/// Blocks as Markdown.
pub(crate) fn blocks_markdown(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                out.push_str(&format!("{} {}\n\n", "#".repeat(*level as usize), md(text)));
            }
            Block::Paragraph(text) => out.push_str(&format!("{}\n\n", md(text))),
            Block::Fields(fields) => {
                for (label, value) in fields {
                    out.push_str(&format!("- **{label}**：{}\n", md(value)));
                }
                out.push('\n');
            }
            Block::List(items) => {
                for item in items {
                    out.push_str(&format!("- {}\n", md(item)));
                }
                out.push('\n');
            }
            Block::Table(header, rows) => {
                let line = |cells: &[String]| {
                    let cells: Vec<String> = cells.iter().map(|c| md(c)).collect();
                    format!("| {} |\n", cells.join(" | "))
                };
                out.push_str(&line(header));
                out.push_str(&format!("|{}\n", "---|".repeat(header.len())));
                for row in rows {
                    out.push_str(&line(row));
                }
                out.push('\n');
            }
            Block::Choice { preselected, .. } => {
                let boxes: Vec<String> = Choice::ALL
                    .iter()
                    .map(|c| match Some(*c) == *preselected {
                        true => format!("☑ {}", c.label()),
                        false => format!("☐ {}", c.label()),
                    })
                    .collect();
                out.push_str(&format!(
                    "- **是否参照**：{}\n- **理由**：＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿\n\n",
                    boxes.join("　")
                ));
            }
            Block::Notes { label, lines } => {
                out.push_str(&format!("**{}**：\n\n", md(label)));
                for _ in 0..*lines {
                    out.push_str(
                        "＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿＿\n\n",
                    );
                }
            }
            Block::PageBreak => out.push_str("---\n\n"),
        }
    }
    out
}

/// Blocks as one self-contained HTML page titled `title` (inline CSS, no external assets).
pub(crate) fn blocks_html(title: &str, blocks: &[Block]) -> String {
    let mut body = String::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                body.push_str(&format!("<h{level}>{}</h{level}>\n", escape_html(text)));
            }
            Block::Paragraph(text) => {
                body.push_str(&format!("<p>{}</p>\n", escape_html(text)));
            }
            Block::Fields(fields) => {
                body.push_str("<table class=\"fields\">\n");
                for (label, value) in fields {
                    body.push_str(&format!(
                        "<tr><th>{}</th><td>{}</td></tr>\n",
                        escape_html(label),
                        escape_html(value)
                    ));
                }
                body.push_str("</table>\n");
            }
            Block::List(items) => {
                body.push_str("<ul>\n");
                for item in items {
                    body.push_str(&format!("<li>{}</li>\n", escape_html(item)));
                }
                body.push_str("</ul>\n");
            }
            Block::Table(header, rows) => {
                body.push_str("<table class=\"grid\">\n<tr>");
                for cell in header {
                    body.push_str(&format!("<th>{}</th>", escape_html(cell)));
                }
                body.push_str("</tr>\n");
                for row in rows {
                    body.push_str("<tr>");
                    for cell in row {
                        body.push_str(&format!("<td>{}</td>", escape_html(cell)));
                    }
                    body.push_str("</tr>\n");
                }
                body.push_str("</table>\n");
            }
            Block::Choice { index, preselected } => {
                body.push_str("<fieldset class=\"choice\"><legend>是否参照</legend>\n");
                for choice in Choice::ALL {
                    let checked = match Some(choice) == *preselected {
                        true => " checked",
                        false => "",
                    };
                    body.push_str(&format!(
                        "<label><input type=\"radio\" name=\"choice-{index}\" value=\"{0}\"{checked}> {0}</label>\n",
                        choice.label()
                    ));
                }
                body.push_str(&format!(
                    "<label class=\"reason\">理由 <textarea name=\"reason-{index}\" rows=\"2\"></textarea></label>\n</fieldset>\n"
                ));
            }
            Block::Notes { label, lines } => {
                body.push_str(&format!(
                    "<label class=\"notes\">{} <textarea rows=\"{lines}\"></textarea></label>\n",
                    escape_html(label)
                ));
            }
            Block::PageBreak => body.push_str("<hr class=\"page\">\n"),
        }
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape_html(title)
    )
}

const STYLE: &str = "body{font-family:\"Noto Serif CJK SC\",\"Songti SC\",SimSun,serif;max-width:56em;margin:2em auto;padding:0 1em;line-height:1.7;color:#111}h1{text-align:center}h2{border-bottom:1px solid #999;margin-top:2em}table.fields{border-collapse:collapse;width:100%;margin:.5em 0}table.fields th{width:9em;text-align:left;vertical-align:top;background:#f3f3f3}table.fields th,table.fields td{border:1px solid #ccc;padding:.3em .6em}fieldset.choice{border:1px dashed #888;margin:.5em 0 1.5em}fieldset.choice label{margin-right:1.5em}label.reason{display:block;margin-top:.4em}textarea{width:100%}table.grid{border-collapse:collapse;width:100%;margin:.5em 0}table.grid th,table.grid td{border:1px solid #ccc;padding:.3em .6em;vertical-align:top;text-align:left}table.grid th{background:#f3f3f3}label.notes{display:block;margin:.6em 0;font-weight:bold}hr.page{border:none;border-top:2px dashed #999;margin:3em 0;page-break-after:always;break-after:page}@media print{textarea{border:none;border-bottom:1px solid #000}hr.page{border:none;margin:0}}";

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text on one Markdown line: line breaks become spaces and characters that would start markup
/// or HTML are escaped.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\r' => out.push(' '),
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn or_blank(value: Option<&str>) -> String {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map_or_else(|| "＿＿＿＿＿＿".to_string(), str::to_string)
}

fn joined_or(items: &[String], empty: &str) -> String {
    match items.is_empty() {
        true => empty.to_string(),
        false => items.join("；"),
    }
}

/// The Chinese name of an Art. 4 tier.
pub fn tier_name(tier: Tier) -> &'static str {
    match tier {
        Tier::Guiding => "最高人民法院指导性案例",
        Tier::Library => "人民法院案例库参考案例",
        Tier::Spc => "最高人民法院典型案例及裁判",
        Tier::ProvincialHigh => "本省高级人民法院参考案例及裁判",
        Tier::SuperiorOrOwn => "上一级人民法院及本院裁判",
        Tier::Other => "其他法院裁判",
    }
}

/// The `n` likeliest charges or causes of action of an analysis, with their scores.
pub fn likely_charges(analysis: &Analysis, n: usize) -> Vec<String> {
    analysis
        .charges
        .iter()
        .chain(&analysis.causes)
        .take(n)
        .map(|c| format!("{}（{:.2}）", c.name, c.score))
        .collect()
}

/// Why a statute is recommended, in Chinese.
pub fn describe_reason(reason: &LinkReason) -> String {
    match reason {
        LinkReason::CitedBySimilarCases {
            share,
            citing,
            voters,
            ..
        } => format!("{voters} 件相似案例中有 {citing} 件引用（加权占比 {share:.2}）"),
        LinkReason::PredictedCharge { charge, score, .. } => {
            format!("规定了案情可能涉及的{charge}（{score:.2}）")
        }
        LinkReason::Circumstance {
            name, rate, text, ..
        } => format!(
            "案情载有「{text}」（{name}；载有该情节的案例 {:.0}% 引用本条）",
            rate * 100.0
        ),
        LinkReason::CauseOfAction { cause, score, .. } => {
            format!("案情可能涉及的{cause}由本条调整（{score:.2}）")
        }
        LinkReason::StatedFact { name, text, .. } => {
            format!("案情载有「{text}」（{name}），本条对此有规定")
        }
        LinkReason::MatchedTerms { terms, rank, .. } if terms.is_empty() => {
            format!("直接检索条文排名第 {rank}")
        }
        LinkReason::MatchedTerms { terms, .. } => {
            format!("条文与案情用语相符：{}", terms.join("、"))
        }
    }
}

/// What holds with or without similar cases: the statutory range and the recommendation.
fn law_and_recommendation(estimate: &SentencingEstimate) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    if let Some(range) = &estimate.statutory_range {
        fields.push(("法定刑幅度".into(), range.basis.clone()));
    }
    if let Some(recommendation) = &estimate.recommendation {
        fields.push(("公诉机关量刑建议".into(), recommendation.text.clone()));
    }
    fields
}

/// The sentencing reference: the figures, what moved them, the cases relied on, and what it is
/// not (a reference, never a verdict).
fn estimate_blocks(estimate: &SentencingEstimate) -> Vec<Block> {
    if estimate.status == EstimateStatus::Abstained {
        let mut blocks = vec![Block::Paragraph(format!(
            "不作量刑参考：{}",
            estimate.summary
        ))];
        let fields = law_and_recommendation(estimate);
        if !fields.is_empty() {
            blocks.push(Block::Fields(fields));
        }
        return blocks;
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    if let (Some(months), Some([lower, upper])) = (estimate.months, estimate.band) {
        fields.push(("估计刑期".into(), describe_months(months)));
        fields.push(("相似类案中间三分之二".into(), describe_band(lower, upper)));
    }
    if let Some(share) = estimate.probation_share {
        fields.push(("类案缓刑比例".into(), format!("{:.0}%", share * 100.0)));
    }
    if let Some([low, high]) = estimate.fine_band {
        fields.push((
            "类案罚金（四分位区间）".into(),
            format!("{low}元至{high}元"),
        ));
    }
    fields.extend(law_and_recommendation(estimate));
    let mut blocks = vec![
        Block::Paragraph(estimate.summary.clone()),
        Block::Fields(fields),
    ];
    if !estimate.adjustments.is_empty() {
        blocks.push(Block::Paragraph("依本案情节和数额所作的调整：".into()));
        blocks.push(Block::List(
            estimate
                .adjustments
                .iter()
                .map(|a| format!("{}：{:+.0}%，{}", a.name, a.effect * 100.0, a.reason))
                .collect(),
        ));
    }
    blocks.push(Block::Paragraph(format!(
        "所依据的类案（共{}份，列出权重最高的{}份）：",
        estimate.precedents,
        estimate.cases.len()
    )));
    blocks.push(Block::List(
        estimate
            .cases
            .iter()
            .map(|case| {
                format!(
                    "{}{}：刑期{}{}，折算后{}，权重{:.0}%",
                    case.case_number.as_deref().unwrap_or(&case.id),
                    case.court
                        .as_deref()
                        .map(|court| format!("（{court}）"))
                        .unwrap_or_default(),
                    describe_months(f64::from(case.months)),
                    if case.probation { "，缓刑" } else { "" },
                    describe_months(case.adjusted_months),
                    case.weight * 100.0
                )
            })
            .collect(),
    ));
    blocks.push(Block::Paragraph(
        "以上为依相似判决统计的参考，不替代法官依法独立裁量；拟判结果明显偏离时，宜在裁判文书中说明理由或提交专业法官会议讨论。"
            .into(),
    ));
    blocks
}

/// The outcome distribution as plain sentences.
fn outcome_lines(outcome: &OutcomeDistribution) -> Vec<String> {
    let mut lines = vec![format!(
        "可读取裁判结果的类案 {} 件，未能读取 {} 件。",
        outcome.parsed, outcome.unparsed
    )];
    if outcome.criminal_judgments > 0 {
        let p = &outcome.penalties;
        let counts: Vec<String> = [
            ("死刑", p.death),
            ("死刑缓期执行", p.death_suspended),
            ("无期徒刑", p.life),
            ("有期徒刑", p.fixed_term),
            ("拘役", p.criminal_detention),
            ("管制", p.public_surveillance),
            ("单处罚金", p.fine_only),
            ("免予刑事处罚", p.exempt),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(name, n)| format!("{name} {n} 人"))
        .collect();
        lines.push(format!(
            "刑事类案 {} 件，被告人 {} 人：{}。",
            outcome.criminal_judgments,
            outcome.defendants,
            joined_or(&counts, "刑罚未能识别")
        ));
        for (name, quantiles, unit) in [
            ("有期徒刑刑期", &outcome.prison_months, "个月"),
            ("拘役期限", &outcome.detention_months, "个月"),
            ("管制期限", &outcome.surveillance_months, "个月"),
            ("缓刑考验期", &outcome.probation_months, "个月"),
            ("罚金数额", &outcome.fine_yuan, "元"),
        ] {
            if let Some(q) = quantiles {
                lines.push(format!("{name}：{}", quantile_text(q, unit)));
            }
        }
        lines.push(format!(
            "适用缓刑 {} 人，判处罚金 {} 人。",
            outcome.probation, outcome.fined
        ));
    }
    if outcome.civil_judgments > 0 {
        let c = &outcome.civil;
        lines.push(format!(
            "民事类案 {} 件：支持诉讼请求 {} 件，部分支持 {} 件，驳回诉讼请求 {} 件，驳回上诉、维持原判 {} 件。",
            outcome.civil_judgments, c.supported, c.partly_supported, c.rejected, c.appeal_dismissed
        ));
    }
    if !outcome.unparsed_ids.is_empty() {
        lines.push(format!(
            "未能读取裁判结果的类案：{}",
            outcome.unparsed_ids.join("、")
        ));
    }
    lines
}

fn quantile_text(q: &Quantiles, unit: &str) -> String {
    let n = |v: f64| match v.fract() == 0.0 {
        true => format!("{v:.0}"),
        false => format!("{v:.1}"),
    };
    format!(
        "{} 人，最短/最少 {}{unit}，中位数 {}{unit}，最长/最多 {}{unit}（四分位 {}–{}{unit}）",
        q.count,
        n(q.min),
        n(q.median),
        n(q.max),
        n(q.p25),
        n(q.p75)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::service;
    use leian_legal::CourtContext;

    fn report() -> Report {
        let mut request = ResearchRequest::new(
            "被告人张某于2024年3月多次入户盗窃，窃得现金人民币2500元，到案后如实供述。本案争议焦点是被告人是否构成入户盗窃。",
        );
        request.linking = false;
        request.court = Some(CourtContext::of_court("北京市西城区人民法院"));
        request.today = chrono::NaiveDate::from_ymd_opt(2024, 6, 30);
        let mut research = service().research(&request).unwrap();
        // Case text with HTML special characters.
        research.judgments[1].hit.title = "王某<script>alert(\"x\")</script> & 李某盗窃案".into();
        Report::new(
            research,
            ReportMeta {
                searcher: Some("法官助理 张三".into()),
                court: Some("北京市西城区人民法院".into()),
                generated_at: "2024-05-01 10:00 UTC".into(),
                platform: Platform {
                    leian_version: "0.1.0".into(),
                    snapshot_id: "snap-20240501".into(),
                    model: None,
                },
                query: request.text.clone(),
            },
        )
    }

    #[test]
    fn markdown_has_every_article_8_item() {
        let report = report();
        let markdown = report.markdown();
        for item in ART8_ITEMS {
            assert!(markdown.contains(item), "missing {item}:\n{markdown}");
        }
        for expected in [
            "法官助理 张三",
            "2024-05-01 10:00 UTC",
            "Leian 0.1.0",
            "snap-20240501",
            "关键词检索",
            "b-guiding",
            "a-ordinary",
            "最高人民法院指导性案例",
            "应当参照",
            "☑ 参照",
            "本院认为",
            "入户盗窃",
        ] {
            assert!(
                markdown.contains(expected),
                "missing {expected}:\n{markdown}"
            );
        }
        // The guiding case is listed (and pre-selected) before the ordinary one.
        assert!(markdown.find("b-guiding") < markdown.find("a-ordinary"));
        assert_eq!(markdown.matches("☑ 参照").count(), 1, "{markdown}");
        assert!(markdown.contains(r"\<script\>"), "{markdown}");
    }

    #[test]
    fn html_has_every_article_8_item_and_escapes_case_text() {
        let report = report();
        let html = report.html();
        for item in ART8_ITEMS {
            assert!(html.contains(item), "missing {item}");
        }
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("王某&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 李某"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert_eq!(html.matches(" checked>").count(), 1);
        assert_eq!(
            html.matches("<textarea").count(),
            report.research.judgments.len()
        );
    }

    #[test]
    fn escape_helper() {
        assert_eq!(
            escape_html(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!("html".parse::<ReportFormat>(), Ok(ReportFormat::Html));
        assert!("pdf".parse::<ReportFormat>().is_err());
    }
}
