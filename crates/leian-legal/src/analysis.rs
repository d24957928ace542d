//! Query analysis of a fact summary: what a judge looks for before reading similar cases —
//! the charges or causes of action the facts point to, the amounts and the quantities that decide
//! the case (drug weight, blood alcohol, injury grade), sentencing circumstances (自首, 累犯 …)
//! and the disputed issues (争议焦点) when the text states them.
//!
//! [`analyze_text`] reads the text alone; [`crate::Engine::analyze`] adds the charges and causes
//! that dominate the most similar judgments. Every item found in the text carries the byte range
//! (`start`, `end`) of the original text it came from.

use aho_corasick::AhoCorasick;
use leian_text::{dict, normalize, parse_chinese_number};
use regex::Regex;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Everything the analysis found, in the order of the text within each list.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Analysis {
    /// Criminal charges (罪名), most likely first.
    pub charges: Vec<Candidate>,
    /// Civil causes of action (案由), most likely first.
    pub causes: Vec<Candidate>,
    pub amounts: Vec<Amount>,
    pub quantities: Vec<Quantity>,
    pub circumstances: Vec<Circumstance>,
    pub disputed_issues: Vec<DisputedIssue>,
    /// Where the text's defence pleads, found once for every reading that must skip it
    /// (circumstances here, a defendant's age and mind in the sentencing features).
    #[serde(skip)]
    pub(crate) defence_pleas: DefencePleas,
}

/// A charge or cause of action the facts may involve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Full name as in the dictionary (`盗窃罪`, `民间借贷纠纷`).
    pub name: String,
    /// 0..1: text evidence and the share of similar judgments decided under it, combined.
    pub score: f32,
    /// For charges: the 刑法 articles defining it (`264`, `133之一`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<String>,
    /// How often the text names it (whole name, or the name without 罪/纠纷).
    pub mentions: usize,
    /// Share of the similar judgments' vote (0 when they were not consulted).
    pub similar_case_share: f32,
    /// First mention in the query text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<usize>,
}

/// A sum of money, in yuan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Amount {
    pub yuan: f64,
    /// `余`, `多`, `许` after the number: at least this much.
    pub approximate: bool,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// A measured quantity that decides a case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantity {
    #[serde(flatten)]
    pub value: QuantityValue,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// What was measured, in a fixed unit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuantityValue {
    /// Weight of drugs, in grams; `drug` is the substance named nearby; `total` when the text
    /// calls it a sum (`共计`, `总计净重`), which may restate weights given beside it.
    DrugWeight {
        grams: f64,
        drug: String,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        total: bool,
    },
    /// Blood alcohol content in mg per 100 ml (醉酒 from 80).
    BloodAlcohol { mg_per_100ml: f64 },
    /// Injury grade of a victim: 轻微伤, 轻伤 or 重伤, with its 一级/二级 when stated.
    Injury {
        severity: InjurySeverity,
        #[serde(skip_serializing_if = "Option::is_none")]
        grade: Option<u8>,
    },
    /// Disability grade (伤残等级), 1 (worst) to 10.
    Disability { grade: u8 },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InjurySeverity {
    /// 轻微伤
    Minor,
    /// 轻伤
    Light,
    /// 重伤
    Serious,
}

/// A sentencing circumstance (量刑情节) or another fact that calls for a general-part article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Circumstance {
    /// Canonical name, one of [`CIRCUMSTANCES`] (`自首`, `取得谅解` …).
    pub name: &'static str,
    /// The text denies it (`未取得谅解`, `拒不退赃`, `不构成自首`).
    pub negated: bool,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// An issue the text says the parties dispute.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DisputedIssue {
    pub text: String,
    pub start: usize,
    pub end: usize,
}

/// A circumstance and the words that state it.
struct CircumstanceRule {
    name: &'static str,
    pattern: &'static str,
}

/// Circumstances recognised, with their wording in judgments. Patterns are alternatives tried
/// left to right; a match equal to an entry of [`NOT_A_CIRCUMSTANCE`] is skipped.
const RULES: &[CircumstanceRule] = &[
    CircumstanceRule {
        name: "自首",
        // `到派出所投案`, `至公安机关投案`: going to the authorities is 自动投案 (Art. 67).
        pattern: "投案自首|自动投案|主动投案|自首|(?:到|至|赴|向)[^。；，、]{1,12}?投案",
    },
    CircumstanceRule {
        name: "坦白",
        pattern: "坦白|如实供述|如实交代|如实供认|供认不讳",
    },
    CircumstanceRule {
        name: "当庭认罪",
        pattern: "当庭自愿认罪|当庭认罪|自愿认罪",
    },
    CircumstanceRule {
        name: "认罪认罚",
        pattern: "认罪认罚|签字具结|具结书",
    },
    CircumstanceRule {
        name: "立功",
        // 刑法第六十八条: exposing another's crime or helping to catch one is 立功 even where
        // the summary does not use the word.
        pattern: "重大立功|立功|揭发他人犯罪|检举他人犯罪|协助(?:公安机关|司法机关|侦查机关|民警|警方)?抓获",
    },
    CircumstanceRule {
        name: "累犯",
        // Art. 65's own words: `系在刑罚执行完毕后五年内又实施上述犯罪`.
        pattern: "累犯|刑罚执行完毕(?:或者赦免)?(?:以后|后)?的?五年以?内",
    },
    CircumstanceRule {
        name: "毒品再犯",
        pattern: "毒品再犯",
    },
    CircumstanceRule {
        name: "前科",
        // The evidence of a prior prison term (`刑事判决书及释放证明`, `罪犯档案资料`) too.
        pattern: "前科证明|前科查询|前科|刑满释放|释放证明|罪犯档案|曾因[^。；，]{0,20}?被判处",
    },
    CircumstanceRule {
        name: "初犯偶犯",
        pattern: "初犯|偶犯",
    },
    CircumstanceRule {
        name: "退赃退赔",
        pattern: "退赃|退赔|退缴|退还赃款|退回赃款|返还赃款",
    },
    CircumstanceRule {
        name: "取得谅解",
        pattern: "谅解",
    },
    CircumstanceRule {
        name: "赔偿",
        pattern: "赔偿",
    },
    CircumstanceRule {
        name: "扣押追缴",
        pattern: "追缴|没收|扣押|缴获|作案工具",
    },
    CircumstanceRule {
        name: "未遂",
        pattern: "未遂|未得逞|未得手|未能得逞",
    },
    CircumstanceRule {
        name: "中止",
        pattern: "犯罪中止|中止犯罪|自动放弃犯罪",
    },
    CircumstanceRule {
        name: "预备",
        pattern: "犯罪预备",
    },
    CircumstanceRule {
        name: "共同犯罪",
        pattern: "共同犯罪|伙同|结伙|共谋|合谋|纠集",
    },
    CircumstanceRule {
        name: "主犯",
        pattern: "主犯|起主要作用",
    },
    CircumstanceRule {
        name: "从犯",
        pattern: "从犯罪|从犯|起次要作用|起辅助作用|次要作用|辅助作用",
    },
    CircumstanceRule {
        name: "缓刑考验期内犯罪",
        pattern: "缓刑考验期内|缓刑考验期限内|假释考验期内",
    },
    CircumstanceRule {
        name: "缓刑",
        pattern: "缓刑",
    },
    CircumstanceRule {
        name: "罚金",
        pattern: "罚金",
    },
    CircumstanceRule {
        name: "数罪",
        pattern: "数罪并罚|一人犯数罪|漏罪",
    },
    CircumstanceRule {
        name: "未成年",
        pattern: "未成年|未满十八周岁|不满十八周岁|未满18周岁|不满18周岁",
    },
    CircumstanceRule {
        name: "精神障碍",
        pattern: "精神病|精神障碍|限制刑事责任能力|限定刑事责任能力",
    },
    CircumstanceRule {
        name: "正当防卫",
        pattern: "正当防卫|防卫过当",
    },
    CircumstanceRule {
        name: "单位犯罪",
        pattern: "单位犯罪",
    },
];

/// Matches that contain a circumstance's word but are something else (`从犯罪嫌疑人处`).
/// `前科证明` and `前科查询` name the record office's answer among the evidence, whatever it says.
const NOT_A_CIRCUMSTANCE: &[&str] = &["从犯罪", "前科证明", "前科查询"];

/// Canonical names of every circumstance [`analyze_text`] recognises.
pub const CIRCUMSTANCES: &[&str] = &[
    "自首",
    "坦白",
    "当庭认罪",
    "认罪认罚",
    "立功",
    "累犯",
    "毒品再犯",
    "前科",
    "初犯偶犯",
    "退赃退赔",
    "取得谅解",
    "赔偿",
    "扣押追缴",
    "未遂",
    "中止",
    "预备",
    "共同犯罪",
    "主犯",
    "从犯",
    "缓刑考验期内犯罪",
    "缓刑",
    "罚金",
    "数罪",
    "未成年",
    "精神障碍",
    "正当防卫",
    "单位犯罪",
    "多次",
];

/// Words that deny what follows them within the same clause (`未取得被害人谅解`, `拒不退赃`,
/// `不构成自首`). Bare 不 is left out: `不久后投案` is no denial.
const NEGATIONS: &[&str] = &[
    "未",
    "没有",
    "无",
    "拒不",
    "拒绝",
    "不构成",
    "不属于",
    "不具有",
    "不具备",
    "不能认定",
    "不应认定",
    "不认定",
    "不予",
    "不是",
    "不符合",
    "不成立",
    "否认",
    "不能",
];

/// Where the defence pleads (`辩护人提出…`, `辩护人称…`, `辩护意见为…`, `被告人王某辩称…`): what
/// it claims there (自首, 从犯, 初犯, a term it suggests) is an argument the court may reject, not
/// a finding. A plea runs to the end of its paragraph or to the next speaker or finding.
static DEFENCE_PLEA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "辩护人(?:的辩护意见|的?意见|提出|认为|辩称|称|指出|主张)|辩护意见[是为：:]|被告人[^。，；、]{0,6}?辩称",
    )
        .expect("defence plea pattern")
});
static PLEA_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"。\s|\n|公诉机关|检察院|公诉人|经审理查明|本院认为|上述事实|另查明|经查")
        .expect("plea end pattern")
});

/// The defence's pleas in a text (see [`DEFENCE_PLEA`]): each from just after its opening words
/// to where it ends. Found once per text, then asked of every match.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DefencePleas(Vec<std::ops::Range<usize>>);

impl DefencePleas {
    pub(crate) fn of(text: &str) -> DefencePleas {
        DefencePleas(
            DEFENCE_PLEA
                .find_iter(text)
                .map(|plea| {
                    let end = PLEA_END
                        .find(&text[plea.end()..])
                        .map_or(text.len(), |found| plea.end() + found.start());
                    plea.end()..end
                })
                .collect(),
        )
    }

    /// Whether the words at `at` are the defence's.
    pub(crate) fn hold(&self, at: usize) -> bool {
        self.0.iter().any(|plea| plea.contains(&at))
    }
}

/// The words before `at` back to the nearest of `stops`, at most `reach` characters.
fn clause_before<'t>(text: &'t str, at: usize, reach: usize, stops: &[char]) -> &'t str {
    let from = text[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| !stops.contains(c))
        .take(reach)
        .last()
        .map_or(at, |(i, _)| i);
    &text[from..at]
}

/// How far back (in characters, within the clause) a negation reaches.
const NEGATION_REACH: usize = 8;

static CIRCUMSTANCE_PATTERNS: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    RULES
        .iter()
        .map(|rule| {
            (
                rule.name,
                Regex::new(rule.pattern).expect("circumstance pattern"),
            )
        })
        .collect()
});

/// 多次 stated in words: 多次贩卖 / 多次向某人出售, or 先后 (共, 累计) three or more times. 多次
/// means three or more acts (the SPC's reading of 多次盗窃 and 多次贩卖毒品).
static REPEATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"多次(?:向[^。；，]{0,12}?)?(?:贩卖|出售|卖给|贩毒)|(?:先后|共计|累计|共)(?:[3-9]|[1-9][0-9]|[三四五六七八九十]|十[一二三四五六七八九]|[二三四五六七八九]十[一二三四五六七八九]?)次",
    )
    .expect("repeated pattern")
});

/// A sale of drugs told as its own sentence (`以100元的价格将0.2克甲基苯丙胺贩卖给某某`).
static SALE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("贩卖|卖给|出售|售给|售予|贩给").expect("sale pattern"));
static SALE_OBJECT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("元|克|包|粒|颗").expect("sale object pattern"));
/// Sentences that name sales without telling one: the charge, the law, the evidence, the
/// proceeds seized after it (`搜缴贩卖毒品所获得的人民币500元`).
static NOT_A_SALE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("证据|证言|笔录|触犯|构成|罪|所得|所获").expect("not a sale pattern")
});

/// The third sale told sentence by sentence, when a summary lists three or more (each account,
/// the prosecution's and the court's, counted on its own): its verb's span.
fn third_sale(text: &str) -> Option<(usize, usize)> {
    let mut offset = 0;
    for part in text.split("审理查明") {
        let mut sales = 0;
        let mut sentence_start = offset;
        for sentence in part.split_inclusive(['。', '；', ';']) {
            if let Some(verb) = SALE.find(sentence)
                && SALE_OBJECT.is_match(sentence)
                && !NOT_A_SALE.is_match(sentence)
            {
                sales += 1;
                if sales == 3 {
                    return Some((sentence_start + verb.start(), sentence_start + verb.end()));
                }
            }
            sentence_start += sentence.len();
        }
        offset += part.len() + "审理查明".len();
    }
    None
}

/// Amounts in normalised text (Chinese numerals and 万 already written as Arabic digits).
static AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+(?:\.\d+)?)(万|亿)?(余|多)?元").expect("amount pattern"));

/// Weights: grams, kilograms (公斤 = 千克), milligrams.
static WEIGHT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d+(?:\.\d+)?)(余|多)?\s*(千克|公斤|kg|毫克|mg|克|g)").expect("weight pattern")
});

static DRUG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "甲基苯丙胺|苯丙胺|冰毒|海洛因|麻古|氯胺酮|k粉|大麻|可卡因|吗啡|鸦片|摇头丸|mdma|\
         芬太尼|美沙酮|曲马多|三唑仑|甲卡西酮|毒品",
    )
    .expect("drug pattern")
});

/// Words that make a weight a sum (`共重1.37克`, `总计净重1.38克`, `共计约9.8克`), within
/// [`TOTAL_REACH`] characters before it in its clause.
static TOTAL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("共|合计|总计|累计|总重|总净重").expect("total pattern"));
const TOTAL_REACH: usize = 6;

/// What a seizure is called before it is identified (`白色晶体净重0.29克`, `红色药丸总净重3.77克`).
static SUBSTANCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("晶体|粉末|颗粒|药丸|片剂|可疑物").expect("substance pattern"));

/// Blood alcohol as laboratories write it: `222.8mg/100ml`, `269.77毫克／l00毫升` (an `l` for the
/// `1`), `每100毫升血液中乙醇含量为174.3422毫克`, `每百毫升95毫克`, or per millilitre after the
/// word for it (`血液中乙醇浓度为1.16mg／mL`, `1.00mg乙醇／m1血液`). Groups: `per100` (the value
/// per 100 ml), or `per1` (per millilitre).
static BLOOD_ALCOHOL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?P<per100>\d+(?:\.\d+)?)\s*(?:mg|毫克|㎎)(?:乙醇)?\s*[/／]\s*[1l]00\s*(?:ml|毫升)
        | 每\s*(?:100|一百|百)\s*(?:ml|毫升)\s*(?:血液?|血样)?中?的?含?(?:乙醇|酒精)?(?:含量|浓度)?(?:为|是|达)?\s*
          (?P<per100_after>\d+(?:\.\d+)?)\s*(?:mg|毫克|㎎)
        | (?:乙醇|酒精)[^。；;，,]{0,12}?(?P<per1>\d+(?:\.\d+)?)\s*(?:mg|毫克|㎎)(?:乙醇)?\s*[/／]\s*(?:ml|毫升|m1)",
    )
    .expect("blood alcohol pattern")
});
/// Above this a value written per millilitre was meant per 100 ml (`156.32mg／ml`): 10 mg/ml
/// would be twenty times a lethal level.
const PER_MILLILITRE_MAX: f64 = 10.0;

static INJURY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(轻微伤|轻伤|重伤)(?:([一二12])级)?").expect("injury pattern"));

static DISABILITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:伤残)?([一二三四五六七八九十]|10|[1-9])级(?:伤残|残)|伤残(?:等级)?(?:为)?([一二三四五六七八九十]|10|[1-9])级")
        .expect("disability pattern")
});

static DISPUTE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:争议|争执)的?焦点(?:问题)?(?:主要)?(?:是|为|在于|系)\s*[:：]?|(?:争议|争执)的?焦点(?:问题)?\s*[:：]")
        .expect("dispute pattern")
});

/// Where a stated issue list stops when the text has no full stop: the next party's statement or
/// the court's reasoning.
static DISPUTE_END: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[。\n]|本院认为|(?:原告|被告)[^，。,；;]{0,6}?(?:认为|诉称|辩称)|根据|综上|对此")
        .expect("dispute end pattern")
});

/// Splits a list of issues at `；` and at enumerators (`一、`, `1、`, `（1）`, `2.`).
static ISSUE_SPLIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[;；]|[一二三四五六七八九十]+、|\d+[、.．]|[（(]\d+[）)]|[（(][一二三四五六七八九十]+[）)]")
        .expect("issue split pattern")
});

/// Longest disputed-issue statement read after its cue, in bytes of UTF-8 (about 100 characters).
const DISPUTE_MAX_BYTES: usize = 300;

/// Sentences that list the evidence (`上述事实，…有证人证言、辨认笔录…等证据证实，足以认定`): the same
/// procedural words in every criminal judgment, which say nothing about what happened.
static EVIDENCE_SENTENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:上述|以上)(?:犯罪)?事实|证据(?:予以)?(?:证实|证明|在案|佐证|印证)|足以认定")
        .expect("evidence sentence pattern")
});

/// The text without its evidence-listing sentences: what the case is about, for finding similar
/// cases and articles. Returns the whole text when every sentence lists evidence.
pub fn case_narrative(text: &str) -> String {
    let narrative: String = text
        .split_inclusive(['。', '；'])
        .filter(|sentence| !EVIDENCE_SENTENCE.is_match(sentence))
        .collect();
    if narrative.trim().is_empty() {
        text.to_string()
    } else {
        narrative
    }
}

/// Analyses a fact summary on its own (no similar cases consulted).
pub fn analyze_text(text: &str) -> Analysis {
    let defence_pleas = DefencePleas::of(text);
    Analysis {
        charges: charges_in(text),
        causes: causes_in(text),
        amounts: amounts_in(text),
        quantities: quantities_in(text),
        circumstances: circumstances_in(text, &defence_pleas),
        disputed_issues: disputed_issues_in(text),
        defence_pleas,
    }
}

/// Whether a negation word stands before `at` in the same clause.
pub(crate) fn negated_before(text: &str, at: usize) -> bool {
    let window = clause_before(
        text,
        at,
        NEGATION_REACH,
        &['，', '。', '；', ',', ';', '、', '\n', '：', ':'],
    );
    NEGATIONS.iter().any(|n| window.contains(n))
}

/// Names to find in a text, each standing for a target (a charge, a cause of action), searched
/// for all at once. Built once: there are over a thousand names, and searching the text for each
/// in turn made analysing the hits' documents most of a search's time.
struct NameMatcher<T> {
    /// Longest first, so that 故意伤害罪 is not also counted as 伤害 of a shorter name.
    names: Vec<(String, T)>,
    automaton: AhoCorasick,
}

impl<T> NameMatcher<T> {
    fn new(mut names: Vec<(String, T)>) -> Self {
        names.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        let automaton = AhoCorasick::new(names.iter().map(|(name, _)| name))
            .expect("dictionary names build an automaton");
        Self { names, automaton }
    }

    /// Every occurrence of every name as (name, target, byte offset), in the order the
    /// overlap rules read them: longer names first, then left to right. Occurrences of one name
    /// do not overlap each other, as with `str::match_indices`.
    fn occurrences(&self, text: &str) -> Vec<(&String, &T, usize)> {
        let mut hits: Vec<(usize, usize)> = self
            .automaton
            .find_overlapping_iter(text)
            .map(|m| (m.pattern().as_usize(), m.start()))
            .collect();
        hits.sort_unstable();
        let mut kept: Vec<(&String, &T, usize)> = Vec::with_capacity(hits.len());
        let mut previous: Option<(usize, usize)> = None;
        for (index, at) in hits {
            // A megabyte of text holds hundreds of thousands of names; past the request's
            // deadline the caller discards the analysis anyway.
            if leian_core::deadline::expired() {
                break;
            }
            let (name, target) = &self.names[index];
            if previous.is_some_and(|(i, end)| i == index && at < end) {
                continue;
            }
            previous = Some((index, at + name.len()));
            kept.push((name, target, at));
        }
        kept
    }
}

static CHARGE_NAMES: LazyLock<NameMatcher<&'static dict::Charge>> = LazyLock::new(|| {
    NameMatcher::new(
        dict::charges()
            .iter()
            .flat_map(|c| charge_wordings(c.name).into_iter().map(move |w| (w, c)))
            .filter(|(name, _)| name.chars().count() >= 2)
            .collect(),
    )
});

static CAUSE_NAMES: LazyLock<NameMatcher<&'static str>> = LazyLock::new(|| {
    NameMatcher::new(
        dict::causes()
            .flat_map(|cause| {
                let stem = cause.strip_suffix("纠纷").unwrap_or(cause);
                [(cause.to_string(), cause), (stem.to_string(), cause)]
            })
            // Short stems (借款, 离婚) are everyday words in facts; only longer ones name a cause.
            .filter(|(name, cause)| name == cause || name.chars().count() >= 4)
            .collect(),
    )
});

/// Charges named in the text, by their whole name (`构成盗窃罪`) or their stem (`入户盗窃`).
/// Stems of one character are too ambiguous to count.
fn charges_in(text: &str) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = Vec::new();
    let mut covered = CoveredSpans::default();
    for (name, charge, at) in CHARGE_NAMES.occurrences(text) {
        let end = at + name.len();
        if !covered.claim(at, end) {
            continue;
        }
        // `不构成盗窃罪` argues the charge away.
        let denied = text[..at].ends_with("不构成") || text[..at].ends_with("不属于");
        if denied {
            continue;
        }
        match found.iter_mut().find(|c| c.name == charge.name) {
            Some(candidate) => {
                candidate.mentions += 1;
                if candidate.start.is_none_or(|s| at < s) {
                    (candidate.start, candidate.end) = (Some(at), Some(end));
                }
            }
            None => found.push(Candidate {
                name: charge.name.to_string(),
                score: 0.0,
                articles: charge.articles.iter().map(|a| a.to_string()).collect(),
                mentions: 1,
                similar_case_share: 0.0,
                start: Some(at),
                end: Some(end),
            }),
        }
    }
    score_text_candidates(found)
}

/// Disjoint byte spans already read as a name. A long text names charges thousands of times;
/// checking each match against every earlier one was quadratic (a 1 MB query took seconds), the
/// ordered map answers in a logarithm.
#[derive(Default)]
struct CoveredSpans {
    /// start → end of each claimed span.
    spans: std::collections::BTreeMap<usize, usize>,
}

impl CoveredSpans {
    /// Claims `start..end` unless it overlaps a claimed span; whether it was claimed.
    fn claim(&mut self, start: usize, end: usize) -> bool {
        // Spans are disjoint, so only the last one starting before `end` can overlap.
        let overlaps = self
            .spans
            .range(..end)
            .next_back()
            .is_some_and(|(_, &claimed_end)| claimed_end > start);
        if !overlaps {
            self.spans.insert(start, end);
        }
        !overlaps
    }
}

/// How facts name a charge: its whole name, the name without 罪, and for a list of verbs sharing
/// one object (`走私、贩卖、运输、制造毒品罪`) each verb with the object (`贩卖毒品`).
fn charge_wordings(name: &str) -> Vec<String> {
    let stem = name.strip_suffix('罪').unwrap_or(name);
    let mut wordings = vec![name.to_string(), stem.to_string()];
    let segments: Vec<&str> = stem.split('、').collect();
    if let Some((last, verbs)) = segments.split_last()
        && !verbs.is_empty()
        && verbs.iter().all(|v| v.chars().count() == 2)
    {
        let split = last.char_indices().nth(2).map_or(last.len(), |(i, _)| i);
        let (last_verb, object) = last.split_at(split);
        for verb in verbs.iter().copied().chain([last_verb]) {
            wordings.push(format!("{verb}{object}"));
        }
    }
    wordings
}

static CHARGE_BY_WORDING: LazyLock<HashMap<String, &'static dict::Charge>> = LazyLock::new(|| {
    let mut by_wording = HashMap::new();
    for charge in dict::charges() {
        for wording in charge_wordings(charge.name) {
            let with_suffix = match wording.ends_with('罪') {
                true => wording,
                false => format!("{wording}罪"),
            };
            by_wording.entry(with_suffix).or_insert(charge);
        }
    }
    by_wording
});

/// The dictionary charge a judgment's charge name stands for: the official name, or a short form
/// courts and data sets write (`贩卖毒品罪` for 走私、贩卖、运输、制造毒品罪).
pub fn resolve_charge(name: &str) -> Option<&'static dict::Charge> {
    dict::charge(name).or_else(|| CHARGE_BY_WORDING.get(name).copied())
}

/// Civil causes of action named in the text, whole (`民间借贷纠纷`) or without `纠纷`.
fn causes_in(text: &str) -> Vec<Candidate> {
    let mut found: Vec<Candidate> = Vec::new();
    let mut covered = CoveredSpans::default();
    for (name, &cause, at) in CAUSE_NAMES.occurrences(text) {
        let end = at + name.len();
        if !covered.claim(at, end) {
            continue;
        }
        match found.iter_mut().find(|c| c.name == cause) {
            Some(candidate) => candidate.mentions += 1,
            None => found.push(Candidate {
                name: cause.to_string(),
                score: 0.0,
                articles: Vec::new(),
                mentions: 1,
                similar_case_share: 0.0,
                start: Some(at),
                end: Some(end),
            }),
        }
    }
    score_text_candidates(found)
}

/// Scores text-only candidates by their share of the mentions, most mentioned first.
fn score_text_candidates(mut found: Vec<Candidate>) -> Vec<Candidate> {
    let total: usize = found.iter().map(|c| c.mentions).sum();
    for candidate in &mut found {
        candidate.score = candidate.mentions as f32 / total.max(1) as f32;
    }
    found.sort_by(|a, b| {
        b.mentions
            .cmp(&a.mentions)
            .then(a.start.cmp(&b.start))
            .then(a.name.cmp(&b.name))
    });
    found
}

/// Decimal amounts in 万/亿 with more decimals than the multiplier has zeros (`8.58865万元`):
/// normalisation leaves them as written and rewrites their decimals alone, so they are read from
/// the original text.
static FINE_DECIMAL_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(\d+\.\d+)(万|亿)(余|多)?元").expect("decimal amount pattern"));

fn amounts_in(text: &str) -> Vec<Amount> {
    let normalized = normalize(text);
    let fine: Vec<Amount> = FINE_DECIMAL_AMOUNT
        .captures_iter(text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let value: f64 = caps[1].parse().ok()?;
            let multiplier = if &caps[2] == "万" { 1e4 } else { 1e8 };
            Some(Amount {
                yuan: value * multiplier,
                approximate: caps.get(3).is_some(),
                text: whole.as_str().to_string(),
                start: whole.start(),
                end: whole.end(),
            })
        })
        .collect();
    let mut amounts: Vec<Amount> = AMOUNT
        .captures_iter(&normalized.text)
        .filter_map(|caps| {
            let whole = caps.get(0)?;
            let mut yuan: f64 = caps[1].parse().ok()?;
            yuan *= match caps.get(2).map(|m| m.as_str()) {
                Some("万") => 1e4,
                Some("亿") => 1e8,
                _ => 1.0,
            };
            let (start, end) = normalized.original_range(whole.start(), whole.end());
            if fine.iter().any(|f| start < f.end && f.start < end) {
                return None;
            }
            Some(Amount {
                yuan,
                approximate: caps.get(3).is_some(),
                text: text[start..end].to_string(),
                start,
                end,
            })
        })
        .collect();
    amounts.extend(fine);
    amounts.sort_by_key(|a| a.start);
    amounts
}

fn quantities_in(text: &str) -> Vec<Quantity> {
    let normalized = normalize(text);
    let norm = normalized.text.as_str();
    let mut quantities = Vec::new();
    let original = |s: usize, e: usize| normalized.original_range(s, e);
    let mut alcohol_spans = Vec::new();
    for caps in BLOOD_ALCOHOL.captures_iter(norm) {
        let whole = caps.get(0).expect("match");
        let (number, per_millilitre) = match (
            caps.name("per100").or(caps.name("per100_after")),
            caps.name("per1"),
        ) {
            (Some(number), _) => (number, false),
            (None, Some(number)) => (number, true),
            (None, None) => continue,
        };
        let Ok(value) = number.as_str().parse::<f64>() else {
            continue;
        };
        let mg_per_100ml = match per_millilitre && value <= PER_MILLILITRE_MAX {
            // Rounded so that 1.16 per millilitre reads 116, not 115.99999999999999.
            true => (value * 1e6).round() / 1e4,
            false => value,
        };
        // The words before a value per millilitre name it; the quantity is the value itself.
        let from = match per_millilitre {
            true => number.start(),
            false => whole.start(),
        };
        alcohol_spans.push((from, whole.end()));
        let (start, end) = original(from, whole.end());
        quantities.push(Quantity {
            value: QuantityValue::BloodAlcohol { mg_per_100ml },
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
    for caps in WEIGHT.captures_iter(norm) {
        let whole = caps.get(0).expect("match");
        if alcohol_spans
            .iter()
            .any(|&(s, e)| whole.start() < e && s < whole.end())
        {
            continue;
        }
        // `克` inside a word (克拉, 克隆) is no weight.
        if norm[whole.end()..].starts_with('拉') || norm[whole.end()..].starts_with('隆') {
            continue;
        }
        let Ok(value) = caps[1].parse::<f64>() else {
            continue;
        };
        let grams = match &caps[3] {
            "千克" | "公斤" | "kg" => value * 1000.0,
            "毫克" | "mg" => value / 1000.0,
            _ => value,
        };
        let Some(mut drug) = drug_near(norm, whole.start(), whole.end()) else {
            continue;
        };
        if drug == GENERIC_DRUG
            && let Some(named) = only_drug_named(norm)
        {
            drug = named;
        }
        let total = TOTAL.is_match(clause_before(
            norm,
            whole.start(),
            TOTAL_REACH,
            &['，', '。', '；', ',', ';', '（', '('],
        ));
        let (start, end) = original(whole.start(), whole.end());
        quantities.push(Quantity {
            value: QuantityValue::DrugWeight { grams, drug, total },
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
    for caps in INJURY.captures_iter(norm) {
        let whole = caps.get(0).expect("match");
        let severity = match &caps[1] {
            "轻微伤" => InjurySeverity::Minor,
            "轻伤" => InjurySeverity::Light,
            _ => InjurySeverity::Serious,
        };
        let grade = caps.get(2).map(|g| match g.as_str() {
            "一" | "1" => 1,
            _ => 2,
        });
        let (start, end) = original(whole.start(), whole.end());
        quantities.push(Quantity {
            value: QuantityValue::Injury { severity, grade },
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
    for caps in DISABILITY.captures_iter(norm) {
        let whole = caps.get(0).expect("match");
        let digits = caps.get(1).or_else(|| caps.get(2)).expect("grade group");
        let grade = digits
            .as_str()
            .parse::<u64>()
            .ok()
            .or_else(|| parse_chinese_number(digits.as_str()));
        let Some(grade) = grade.filter(|g| (1..=10).contains(g)) else {
            continue;
        };
        let (start, end) = original(whole.start(), whole.end());
        quantities.push(Quantity {
            value: QuantityValue::Disability { grade: grade as u8 },
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
    quantities.sort_by_key(|q| q.start);
    quantities
}

/// The drug named in the same sentence as a weight: the nearest before it (`查获甲基苯丙胺12克`)
/// within 40 characters, else right after it (`55.29克冰毒`).
/// The word for a substance not yet identified (`疑似毒品`, `毒品`).
const GENERIC_DRUG: &str = "毒品";

/// The one kind of drug a text names, when it names exactly one (冰毒 and 甲基苯丙胺, k粉 and
/// 氯胺酮 are one kind): a weight written beside `疑似毒品` takes the kind the identification
/// found later (`检出氯胺酮成分`), which decides how much it counts.
fn only_drug_named(text: &str) -> Option<String> {
    fn kind(name: &str) -> &str {
        match name {
            "冰毒" | "麻古" => "甲基苯丙胺",
            "k粉" => "氯胺酮",
            "mdma" => "摇头丸",
            other => other,
        }
    }
    let mut named: Option<&str> = None;
    for found in DRUG.find_iter(text) {
        let name = kind(found.as_str());
        if name == GENERIC_DRUG {
            continue;
        }
        match named {
            Some(seen) if seen != name => return None,
            _ => named = Some(name),
        }
    }
    named.map(str::to_string)
}

fn drug_near(text: &str, start: usize, end: usize) -> Option<String> {
    let sentence_start = text[..start].rfind(['。', '；', ';', '\n']).map_or(0, |i| {
        i + text[i..].chars().next().map_or(1, char::len_utf8)
    });
    let before_start = text[..start]
        .char_indices()
        .rev()
        .nth(39)
        .map_or(0, |(i, _)| i)
        .max(sentence_start);
    if let Some(found) = DRUG.find_iter(&text[before_start..start]).last() {
        return Some(found.as_str().to_string());
    }
    // An unidentified substance weighed in a text about drugs is the drug the text names (see
    // `only_drug_named`), or unnamed drugs.
    if SUBSTANCE.is_match(&text[before_start..start]) && DRUG.is_match(text) {
        return Some(GENERIC_DRUG.to_string());
    }
    let after_end = text[end..]
        .char_indices()
        .nth(8)
        .map_or(text.len(), |(i, _)| end + i);
    let after = &text[end..after_end];
    let after = after.split(['。', '；', '，', ',']).next().unwrap_or("");
    // `10克毒品大麻`: the substance's own name, not the word 毒品 before it.
    let mut named = DRUG.find_iter(after).map(|m| m.as_str());
    let Some(first) = named.next() else {
        // `净重4.52克的白色晶体`: weighed before it is named, as above.
        return (SUBSTANCE.is_match(after) && DRUG.is_match(text))
            .then(|| GENERIC_DRUG.to_string());
    };
    Some(
        match first {
            GENERIC_DRUG => named.next().unwrap_or(first),
            specific => specific,
        }
        .to_string(),
    )
}

fn circumstances_in(text: &str, pleas: &DefencePleas) -> Vec<Circumstance> {
    let mut found: Vec<Circumstance> = Vec::new();
    for (name, pattern) in CIRCUMSTANCE_PATTERNS.iter() {
        if leian_core::deadline::expired() {
            break;
        }
        for m in pattern.find_iter(text) {
            if NOT_A_CIRCUMSTANCE.contains(&m.as_str()) || pleas.hold(m.start()) {
                continue;
            }
            let negated = negated_before(text, m.start())
                // 未遂 and 未得逞 carry their own 未.
                && *name != "未遂";
            if found
                .iter()
                .any(|c| c.name == *name && c.negated == negated)
            {
                continue;
            }
            found.push(Circumstance {
                name,
                negated,
                text: m.as_str().to_string(),
                start: m.start(),
                end: m.end(),
            });
        }
    }
    let repeated = REPEATED
        .find_iter(text)
        .find(|m| !negated_before(text, m.start()))
        .map(|m| (m.start(), m.end()))
        .or_else(|| third_sale(text));
    if let Some((start, end)) = repeated {
        found.push(Circumstance {
            name: "多次",
            negated: false,
            text: text[start..end].to_string(),
            start,
            end,
        });
    }
    found.sort_by_key(|c| c.start);
    found
}

fn disputed_issues_in(text: &str) -> Vec<DisputedIssue> {
    let mut issues = Vec::new();
    for cue in DISPUTE.find_iter(text) {
        let from = cue.end();
        let mut limit = (from + DISPUTE_MAX_BYTES).min(text.len());
        while !text.is_char_boundary(limit) {
            limit -= 1;
        }
        let until = DISPUTE_END
            .find(&text[from..limit])
            .map_or(limit, |m| from + m.start());
        let statement = &text[from..until];
        let mut pieces = Vec::new();
        let mut piece_start = 0;
        for split in ISSUE_SPLIT.find_iter(statement) {
            pieces.push((piece_start, split.start()));
            piece_start = split.end();
        }
        pieces.push((piece_start, statement.len()));
        for (s, e) in pieces {
            let piece = &statement[s..e];
            let trimmed = piece.trim_matches(|c: char| {
                c.is_whitespace() || matches!(c, '，' | ',' | '、' | '：' | ':' | '。')
            });
            if trimmed.chars().count() < 4 {
                continue;
            }
            let offset = from
                + s
                + (piece.len()
                    - piece
                        .trim_start_matches(|c: char| {
                            c.is_whitespace() || matches!(c, '，' | ',' | '、' | '：' | ':' | '。')
                        })
                        .len());
            issues.push(DisputedIssue {
                text: trimmed.to_string(),
                start: offset,
                end: offset + trimmed.len(),
            });
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circumstance<'a>(analysis: &'a Analysis, name: &str) -> Option<&'a Circumstance> {
        analysis.circumstances.iter().find(|c| c.name == name)
    }

    #[test]
    fn every_rule_is_listed() {
        let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
        // 多次 is read by counting, not by a rule.
        names.push("多次");
        assert_eq!(names, CIRCUMSTANCES);
    }

    #[test]
    fn charges_from_names_and_stems() {
        // judge-ff08a56d: 诈骗 attempt
        let text = "被告人张3冒名“张2”的身份，欲骗取被害人刘某某、徐某某的现金人民币10万元。公诉机关认为被告人张3的行为构成诈骗罪";
        let a = analyze_text(text);
        assert_eq!(a.charges[0].name, "诈骗罪");
        assert_eq!(a.charges[0].articles, ["266"]);
        let (s, e) = (a.charges[0].start.unwrap(), a.charges[0].end.unwrap());
        assert_eq!(&text[s..e], "诈骗罪");
        // judge-fad80e6e: 入户盗窃 names the charge by its stem
        let a = analyze_text(
            "利用自备工具撬门入户盗窃，窃得被害人弓某某放置于房间三楼储藏室内的多件金银首饰后逃逸",
        );
        assert_eq!(a.charges[0].name, "盗窃罪");
        // A longer charge name is not also counted as the shorter one inside it.
        let a = analyze_text("其行为已构成故意伤害罪");
        assert_eq!(a.charges.len(), 1);
        assert_eq!(a.charges[0].name, "故意伤害罪");
        assert!(
            analyze_text("辩护人认为被告人不构成盗窃罪")
                .charges
                .is_empty()
        );
    }

    #[test]
    fn short_charge_names_resolve_to_the_dictionary() {
        assert_eq!(resolve_charge("盗窃罪").unwrap().name, "盗窃罪");
        assert_eq!(
            resolve_charge("贩卖毒品罪").unwrap().name,
            "走私、贩卖、运输、制造毒品罪"
        );
        assert_eq!(
            resolve_charge("容留卖淫罪").unwrap().name,
            "引诱、容留、介绍卖淫罪"
        );
        assert!(resolve_charge("民间借贷纠纷").is_none());
    }

    #[test]
    fn covered_spans_refuse_overlaps() {
        let mut covered = CoveredSpans::default();
        assert!(covered.claim(10, 20));
        assert!(!covered.claim(15, 25));
        assert!(!covered.claim(5, 11));
        assert!(covered.claim(20, 30));
        assert!(covered.claim(0, 10));
        assert!(!covered.claim(0, 100));
    }

    #[test]
    fn a_long_text_is_analysed_in_linear_time() {
        let text = "盗窃".repeat(174_000);
        let started = std::time::Instant::now();
        let charges = charges_in(&text);
        assert_eq!(charges[0].mentions, 174_000);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn causes_from_the_dictionary() {
        let a = analyze_text("原告张某与被告李某民间借贷纠纷一案");
        assert_eq!(a.causes[0].name, "民间借贷纠纷");
    }

    #[test]
    fn amounts_in_yuan() {
        // judge-ff08a56d
        let text = "欲骗取被害人刘某某、徐某某的现金人民币10万元";
        let a = analyze_text(text);
        assert_eq!(a.amounts.len(), 1);
        assert_eq!(a.amounts[0].yuan, 100_000.0);
        assert_eq!(&text[a.amounts[0].start..a.amounts[0].end], "10万元");
        // judge-fad80e6e: full-width thousands separator
        let a = analyze_text("被告人安旭在家属帮助下退缴部分违法所得人民币3，000元");
        assert_eq!(a.amounts[0].yuan, 3_000.0);
        // cjrc-dev-219: Chinese numerals with 余
        let a = analyze_text("贺0为女儿支付了上大学的学费一万余元");
        assert_eq!(a.amounts[0].yuan, 10_000.0);
        assert!(a.amounts[0].approximate);
        assert_eq!(a.amounts[0].text, "一万余元");
        // cjrc-dev-526
        let a = analyze_text("共从中抽头非法获利人民币3万余元");
        assert_eq!(a.amounts[0].yuan, 30_000.0);
        assert!(a.amounts[0].approximate);
        // cjrc-dev-540: decimal 万
        let a = analyze_text("8.58865万元无法返还");
        assert_eq!(a.amounts.len(), 1);
        assert!((a.amounts[0].yuan - 85_886.5).abs() < 1e-6);
        assert_eq!(a.amounts[0].text, "8.58865万元");
        assert!(analyze_text("价值100美元").amounts.is_empty());
    }

    #[test]
    fn a_weight_takes_the_kind_of_drug_the_text_identifies() {
        let drugs = |text: &str| -> Vec<String> {
            analyze_text(text)
                .quantities
                .into_iter()
                .filter_map(|q| match q.value {
                    QuantityValue::DrugWeight { drug, .. } => Some(drug),
                    _ => None,
                })
                .collect()
        };
        // judge-297fb144: weighed as 疑似毒品, identified as ketamine afterwards.
        assert_eq!(
            drugs(
                "搜缴疑似毒品的塑料袋装白色粉末，共重27.57克。经鉴定，上述疑似毒品物均检出毒品氯胺酮成分。"
            ),
            ["氯胺酮"]
        );
        // judge-711acab0: the substance's name after the word 毒品.
        assert_eq!(drugs("将重10克毒品大麻出售给吸毒人员陈某1"), ["大麻"]);
        // judge-a914ea8a: weighed before it is named, identified afterwards.
        assert_eq!(
            drugs(
                "将1包净重4.52克的白色晶体以2，500元的价格贩卖。内有白色晶体3包（共计净重1.91克）。经鉴定，均检出甲基苯丙胺成分。"
            ),
            ["甲基苯丙胺", "甲基苯丙胺"]
        );
        // Two kinds named: a weight of unnamed 毒品 stays unnamed.
        assert_eq!(
            drugs("查获毒品3克。其中检出甲基苯丙胺成分，另有海洛因包装物"),
            ["毒品"]
        );
    }

    #[test]
    fn what_the_defence_pleads_is_no_finding() {
        // judge-972dafa6: 从犯 is the defence's argument; 坦白 is the prosecution's account.
        let a = analyze_text(
            "公诉机关指控，被告人朱举铭归案后如实供述了主要犯罪事实。 其辩护人的辩护意见是：被告人在本案中属于从犯，认罪态度良好。 经审理查明，被告人系主犯。",
        );
        assert!(circumstance(&a, "坦白").is_some());
        assert!(circumstance(&a, "从犯").is_none());
        // The plea ends where the court's findings begin.
        let a = analyze_text("辩护人提出被告人有自首情节。经查，被告人主动投案，系自首。");
        assert!(circumstance(&a, "自首").is_some_and(|c| c.text == "主动投案"));
        // judge-75f5d603: `辩护人称` with numbered points, and a defendant's own 辩称.
        let a = analyze_text(
            "被告人蔡文彬对上述指控无异议。 辩护人称，1．本案盗窃数额刚过数额巨大的起点。2．被告人系初犯、偶犯，且交代态度好。3．被告人在民警询问时，就主动交代了犯罪事实，系自首。综上，请求从宽处罚。 经审理查明，案发当日，被告人被抓获归案。",
        );
        assert!(circumstance(&a, "自首").is_none());
        assert!(circumstance(&a, "初犯偶犯").is_none());
        let a = analyze_text("被告人王某辩称其系主动投案。经审理查明，被告人系被民警抓获。");
        assert!(circumstance(&a, "自首").is_none());
    }

    #[test]
    fn helping_to_catch_another_offender_is_meritorious_service() {
        // judge-711acab0
        let a = analyze_text("被告人易某揭发他人犯罪行为，并协助抓获其他罪犯，经查证属实。");
        assert!(circumstance(&a, "立功").is_some_and(|c| !c.negated));
        let a = analyze_text("被告人在民警协助下被抓获");
        assert!(circumstance(&a, "立功").is_none());
    }

    #[test]
    fn drug_weights_in_grams() {
        // cjrc-dev-645
        let text = "现场在方1某明身上查获毒品甲基苯丙胺12克；随后民警又在方1某明家里捜获毒品甲基苯丙胺105克及海洛因7克";
        let a = analyze_text(text);
        let weights: Vec<(f64, &str)> = a
            .quantities
            .iter()
            .filter_map(|q| match &q.value {
                QuantityValue::DrugWeight { grams, drug, .. } => Some((*grams, drug.as_str())),
                _ => None,
            })
            .collect();
        assert_eq!(
            weights,
            [(12.0, "甲基苯丙胺"), (105.0, "甲基苯丙胺"), (7.0, "海洛因")]
        );
        // cjrc-dev-640: the drug after the weight
        let a = analyze_text("公安机关从被告人陈某处查获的55.29克冰毒");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::DrugWeight {
                grams: 55.29,
                drug: "冰毒".into(),
                total: false,
            }
        );
        // kilograms
        let a = analyze_text("从其车内查获甲基苯丙胺1.2千克");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::DrugWeight {
                grams: 1200.0,
                drug: "甲基苯丙胺".into(),
                total: false,
            }
        );
        // cjrc-dev-970: pork is weighed too, but is no drug
        assert!(
            analyze_text("依法扣押死因不明的猪肉产品7710千克")
                .quantities
                .is_empty()
        );
        // A seizure weighed before it is named: the drug the identification found.
        let a = analyze_text(
            "民警从其身上查获透明塑料袋包装的白色晶体1包。经称量，上述白色晶体净重0.29克，经鉴定检出甲基苯丙胺成分",
        );
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::DrugWeight {
                grams: 0.29,
                drug: "甲基苯丙胺".into(),
                total: false,
            }
        );
        // A crystal weighed in a text about no drug is no drug.
        assert!(
            analyze_text("盗窃水晶晶体摆件一件，重500克")
                .quantities
                .is_empty()
        );
    }

    #[test]
    fn blood_alcohol() {
        // cjrc-dev-534
        let text = "经检测，被告人张某1血液中乙醇含量为222.8mg/100ml，属于醉酒驾驶机动车";
        let a = analyze_text(text);
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::BloodAlcohol {
                mg_per_100ml: 222.8
            }
        );
        assert_eq!(
            &text[a.quantities[0].start..a.quantities[0].end],
            "222.8mg/100ml"
        );
        // cjrc-dev-802: full-width letters; cjrc-test-534: Chinese units
        let a = analyze_text("郭某某血液中的乙醇含量为210.94ｍｇ／100ｍｌ");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::BloodAlcohol {
                mg_per_100ml: 210.94
            }
        );
        let a = analyze_text("检出血液酒精（乙醇）含量为201毫克/100毫升，属醉酒驾驶机动车");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::BloodAlcohol {
                mg_per_100ml: 201.0
            }
        );
        // JuDGE texts: per 100 ml written first, per millilitre, an `l` for a `1`, and a value
        // per millilitre that was meant per 100 ml (cjrc-dev-997).
        for (text, expected, span) in [
            (
                "李某每100毫升血液中乙醇含量为174.3422毫克。10月13日",
                174.3422,
                "每100毫升血液中乙醇含量为174.3422毫克",
            ),
            (
                "被告人高峰被检测时每100ml血液含乙醇246.015mg，属醉酒驾驶",
                246.015,
                "每100ml血液含乙醇246.015mg",
            ),
            (
                "的血样中检出乙醇，含量为每百毫升95毫克。",
                95.0,
                "每百毫升95毫克",
            ),
            (
                "被告人胡全福血液中乙醇浓度为1.16mg／mL。",
                116.0,
                "1.16mg／mL",
            ),
            (
                "事发时血液中酒精含量为1.00mg乙醇／m1血液。",
                100.0,
                "1.00mg乙醇／m1",
            ),
            (
                "XXX血液中的乙醇含量为2.47毫克／毫升，达到醉酒程度",
                247.0,
                "2.47毫克／毫升",
            ),
            (
                "其血液中检出乙醇成分含量为269.77毫克／l00毫升，属醉酒驾驶",
                269.77,
                "269.77毫克／l00毫升",
            ),
            (
                "潘某某驾驶时静脉血中乙醇含量为156.32mg／ml。",
                156.32,
                "156.32mg／ml",
            ),
        ] {
            let a = analyze_text(text);
            assert_eq!(
                a.quantities[0].value,
                QuantityValue::BloodAlcohol {
                    mg_per_100ml: expected
                },
                "{text}"
            );
            assert_eq!(
                &text[a.quantities[0].start..a.quantities[0].end],
                span,
                "{text}"
            );
        }
        // A concentration per millilitre that no word ties to alcohol is no blood alcohol.
        assert!(
            !analyze_text("美沙酮口服溶液1mg/ml")
                .quantities
                .iter()
                .any(|q| matches!(q.value, QuantityValue::BloodAlcohol { .. }))
        );
    }

    #[test]
    fn injury_and_disability_grades() {
        // cjrc-dev-505
        let a = analyze_text("经法医鉴定，刘某丙为轻伤二级、朱某乙为轻微伤");
        let injuries: Vec<&QuantityValue> = a.quantities.iter().map(|q| &q.value).collect();
        assert_eq!(
            injuries,
            [
                &QuantityValue::Injury {
                    severity: InjurySeverity::Light,
                    grade: Some(2)
                },
                &QuantityValue::Injury {
                    severity: InjurySeverity::Minor,
                    grade: None
                }
            ]
        );
        // cjrc-dev-503
        let a = analyze_text("损伤程度评定为重伤二级");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::Injury {
                severity: InjurySeverity::Serious,
                grade: Some(2)
            }
        );
        // cjrc-dev-197
        let a = analyze_text("结论为:胸11椎体压缩性骨折的后果为十级伤残");
        assert_eq!(
            a.quantities[0].value,
            QuantityValue::Disability { grade: 10 }
        );
    }

    #[test]
    fn repeated_acts_stated_or_told_one_by_one() {
        let stated = analyze_text("被告人多次向吸毒人员贩卖甲基苯丙胺。");
        assert!(circumstance(&stated, "多次").is_some());
        let counted = analyze_text("被告人先后三次窃得他人财物。");
        assert_eq!(circumstance(&counted, "多次").unwrap().text, "先后三次");
        let text = "经审理查明：1、被告人以100元的价格将0.2克冰毒贩卖给甲。2、被告人以100元的价格\
                    将0.2克冰毒贩卖给乙。3、被告人以200元的价格将0.4克冰毒卖给丙。";
        let told = analyze_text(text);
        let third = circumstance(&told, "多次").unwrap();
        assert_eq!(&text[third.start..third.end], "卖给");
        assert!(third.start > text.find("丙").unwrap() - 10);
        let twice =
            analyze_text("被告人以100元的价格将0.2克冰毒贩卖给甲。又以100元将0.2克冰毒卖给乙。");
        assert!(circumstance(&twice, "多次").is_none());
        // judge-2a749cdb: the proceeds seized after each of two sales are no third sale.
        let seized = analyze_text(
            "经审理查明：1、被告人以人民币500元的价格向陈某出售毒品甲基苯丙胺片剂10颗。双方交易完成后，公安机关当场从被告人身上搜缴贩卖毒品所获得的人民币500元。2、被告人以人民币200元的价格向孙某出售毒品甲基苯丙胺片剂4颗。双方交易完成后，公安机关当场从被告人身上搜缴贩卖毒品所获得的人民币200元。",
        );
        assert!(circumstance(&seized, "多次").is_none());
    }

    #[test]
    fn circumstances_and_their_denials() {
        // cjrc-dev-514
        let a = analyze_text(
            "二被告人已主动赔偿了受害人陈某某的全部损失并取得谅解。公诉机关同时认定二被告人有自首情节。",
        );
        assert!(!circumstance(&a, "取得谅解").unwrap().negated);
        assert!(!circumstance(&a, "自首").unwrap().negated);
        assert!(!circumstance(&a, "赔偿").unwrap().negated);
        // judge-661c38e7
        let a = analyze_text(
            "刘某系累犯、毒品再犯，应当从重处罚；其归案后坦白犯罪事实，可以从轻处罚。",
        );
        for name in ["累犯", "毒品再犯", "坦白"] {
            assert!(circumstance(&a, name).is_some(), "{name}");
        }
        // judge-75f5d603
        let a = analyze_text("被告人系初犯、偶犯，主观恶性较小，且交代态度好，有悔罪表现。");
        assert!(circumstance(&a, "初犯偶犯").is_some());
        // judge-ff08a56d: an attempt foiled
        let a = analyze_text("被被害人刘某某、徐某某当场识破未得手。");
        let attempt = circumstance(&a, "未遂").unwrap();
        assert!(!attempt.negated);
        assert_eq!(attempt.text, "未得手");
        // cjrc-test-891 and cjrc-test-853: 从犯 versus 从犯罪嫌疑人
        let a = analyze_text("被告人张赵1某起次要作用，系从犯。");
        assert!(circumstance(&a, "从犯").is_some());
        let a = analyze_text("在惠某县岐石镇华清村路段从犯罪嫌疑人钟某、龚某驾乘的小车上查获毒品");
        assert!(circumstance(&a, "从犯").is_none());
        // judge-1596ded5: going to a police station is 自动投案 without the word.
        let a =
            analyze_text("2018年1月16日上午，被告人水毅伟至天山路派出所投案，并如实供述上述事实。");
        assert!(!circumstance(&a, "自首").unwrap().negated);
        let a = analyze_text("被告人未到公安机关投案，系被抓获归案。");
        assert!(circumstance(&a, "自首").unwrap().negated);
        // Denials.
        let a = analyze_text("被告人至今未取得被害人的谅解，且拒不退赃。");
        assert!(circumstance(&a, "取得谅解").unwrap().negated);
        assert!(circumstance(&a, "退赃退赔").unwrap().negated);
        // The defence's claim is no finding; the court's denial is.
        let a = analyze_text("辩护人提出被告人系自首，经查，被告人不构成自首。");
        assert!(
            a.circumstances
                .iter()
                .filter(|c| c.name == "自首")
                .all(|c| c.negated)
        );
        assert!(circumstance(&a, "自首").unwrap().negated);
        // judge-fcbfabe0
        let a = analyze_text(
            "被告人李晓东对公诉机关指控的犯罪事实、罪名及提出的量刑建议均无异议，并自愿认罪认罚，且签字具结。",
        );
        assert!(circumstance(&a, "认罪认罚").is_some());
    }

    #[test]
    fn disputed_issues_stated_in_the_text() {
        // cjrc-test-87
        let text = "经双方当事人确认,本院归纳本案争议焦点为:1、本案借款人是谁;2、借款合同的效力;3、是否约定利息;4、担保合同的效力";
        let a = analyze_text(text);
        let issues: Vec<&str> = a.disputed_issues.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(
            issues,
            [
                "本案借款人是谁",
                "借款合同的效力",
                "是否约定利息",
                "担保合同的效力"
            ]
        );
        for issue in &a.disputed_issues {
            assert_eq!(&text[issue.start..issue.end], issue.text);
        }
        // cail2019fe-labor-007
        let a = analyze_text("本案争议的焦点是：原、被告之间是否存在劳动关系。根据上述证据分析");
        assert_eq!(a.disputed_issues[0].text, "原、被告之间是否存在劳动关系");
        // cjrc-dev-118: no punctuation before the next statement
        let a = analyze_text(
            "本案的争议焦点为被告是否存在不当得利行为原告段x0认为,被告王x2与受害人王x5不是夫妻",
        );
        assert_eq!(a.disputed_issues[0].text, "被告是否存在不当得利行为");
        // A mention of 争议焦点 that states none.
        assert!(
            analyze_text("根据本案争议的焦点、结合证据")
                .disputed_issues
                .is_empty()
        );
    }

    #[test]
    fn evidence_lists_are_left_out_of_the_narrative() {
        // judge-ff08a56d
        let text = "被告人张3冒名“张2”的身份，欲骗取现金人民币10万元，被当场识破未得手。 上述事实，被告人张3在开庭审理过程中亦无异议，且有被害人刘某某、徐某某的陈述，证人汪某的证言，辨认笔录等证据证实，足以认定。";
        assert_eq!(
            case_narrative(text),
            "被告人张3冒名“张2”的身份，欲骗取现金人民币10万元，被当场识破未得手。"
        );
        assert_eq!(case_narrative("足以认定。"), "足以认定。");
    }

    #[test]
    fn empty_and_odd_input() {
        assert_eq!(analyze_text(""), Analysis::default());
        let a = analyze_text("\u{0}\u{1} \" : ( ) [ ] ^ ~ * 元克");
        assert!(a.amounts.is_empty() && a.quantities.is_empty());
    }
}
