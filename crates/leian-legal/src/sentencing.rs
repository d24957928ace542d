//! 类案量刑参考: what the most similar judgments of the same charge received, adjusted for what
//! the query says (circumstances, the amount or quantity that decides the bracket, the statutory
//! range, the prosecution's sentencing recommendation), with the cases it rests on — or an
//! abstention when they are too few.
//!
//! The estimate is a weighted median over precedents in log months (ln(months + 1): sentences
//! are compared by ratio, as the CAIL score does). Each precedent's sentence is first carried over
//! to the query: multiplied by a factor for each circumstance present on one side only, and by
//! the ratio of the deciding quantities raised to an elasticity (at most twice or half). Weights
//! favour the most similar precedents, close quantities and the same statutory bracket. The band
//! is the central two thirds of the carried-over sentences; the interquartile range is reported
//! beside it.

use crate::analysis::{Analysis, DefencePleas, QuantityValue, negated_before, resolve_charge};
use crate::outcome::{Penalty, Sentence};
use leian_text::parse_chinese_number;
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// Fewest same-charge precedents with a readable sentence an estimate rests on.
pub const MIN_PRECEDENTS: usize = 2;
/// Most precedents an estimate weighs.
pub const MAX_PRECEDENTS: usize = 40;
/// Precedents named in the answer.
const CASES_SHOWN: usize = 10;
/// Quantiles of the reported band (the central two thirds).
const BAND: (f64, f64) = (1.0 / 6.0, 5.0 / 6.0);
/// Most a precedent's sentence is carried over for its quantity, in log months (twice or half).
const MAX_QUANTITY_SHIFT: f64 = std::f64::consts::LN_2;

/// One adjustment an estimate can make; each can be switched off to measure it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdjustmentKind {
    /// 自首
    Surrender,
    /// 坦白
    Confession,
    /// 认罪认罚
    Plea,
    /// 取得谅解
    Forgiveness,
    /// 退赃退赔
    Restitution,
    /// 累犯
    Recidivism,
    /// 未遂
    Attempt,
    /// 犯罪预备 (刑法第二十二条)
    Preparation,
    /// 犯罪中止 (刑法第二十四条)
    Discontinuance,
    /// 从犯
    Accessory,
    /// 初犯偶犯
    FirstOffence,
    /// 前科 short of 累犯
    PriorRecord,
    /// The defendant was under eighteen when acting (未成年人犯罪, 刑法第十七条)
    Minor,
    /// 限定刑事责任能力: a mentally ill defendant not wholly unable to know or control the act
    /// (刑法第十八条第三款)
    DiminishedResponsibility,
    /// The amount or quantity that decides the bracket (数额, 毒品数量, 血液酒精含量, 伤情).
    Quantity,
    /// The statutory range (法定刑幅度) of the bracket the quantity puts the case in.
    StatutoryRange,
    /// The prosecution's sentencing recommendation (量刑建议) stated in the text.
    Recommendation,
}

impl AdjustmentKind {
    pub const ALL: [AdjustmentKind; 17] = [
        AdjustmentKind::Surrender,
        AdjustmentKind::Confession,
        AdjustmentKind::Plea,
        AdjustmentKind::Forgiveness,
        AdjustmentKind::Restitution,
        AdjustmentKind::Recidivism,
        AdjustmentKind::Attempt,
        AdjustmentKind::Preparation,
        AdjustmentKind::Discontinuance,
        AdjustmentKind::Accessory,
        AdjustmentKind::FirstOffence,
        AdjustmentKind::PriorRecord,
        AdjustmentKind::Minor,
        AdjustmentKind::DiminishedResponsibility,
        AdjustmentKind::Quantity,
        AdjustmentKind::StatutoryRange,
        AdjustmentKind::Recommendation,
    ];

    /// The name a judge reads.
    pub fn label(self) -> &'static str {
        match self {
            AdjustmentKind::Surrender => "自首",
            AdjustmentKind::Confession => "坦白",
            AdjustmentKind::Plea => "认罪认罚",
            AdjustmentKind::Forgiveness => "取得谅解",
            AdjustmentKind::Restitution => "退赃退赔",
            AdjustmentKind::Recidivism => "累犯",
            AdjustmentKind::Attempt => "未遂",
            AdjustmentKind::Preparation => "预备",
            AdjustmentKind::Discontinuance => "中止",
            AdjustmentKind::Accessory => "从犯",
            AdjustmentKind::FirstOffence => "初犯偶犯",
            AdjustmentKind::PriorRecord => "前科",
            AdjustmentKind::Minor => MINOR,
            AdjustmentKind::DiminishedResponsibility => DIMINISHED_RESPONSIBILITY,
            AdjustmentKind::Quantity => "数额或数量",
            AdjustmentKind::StatutoryRange => "法定刑幅度",
            AdjustmentKind::Recommendation => "公诉机关量刑建议",
        }
    }

    /// The English key (`surrender`, `quantity` …) used by `--without`.
    pub fn key(self) -> &'static str {
        match self {
            AdjustmentKind::Surrender => "surrender",
            AdjustmentKind::Confession => "confession",
            AdjustmentKind::Plea => "plea",
            AdjustmentKind::Forgiveness => "forgiveness",
            AdjustmentKind::Restitution => "restitution",
            AdjustmentKind::Recidivism => "recidivism",
            AdjustmentKind::Attempt => "attempt",
            AdjustmentKind::Preparation => "preparation",
            AdjustmentKind::Discontinuance => "discontinuance",
            AdjustmentKind::Accessory => "accessory",
            AdjustmentKind::FirstOffence => "first_offence",
            AdjustmentKind::PriorRecord => "prior_record",
            AdjustmentKind::Minor => "minor",
            AdjustmentKind::DiminishedResponsibility => "diminished_responsibility",
            AdjustmentKind::Quantity => "quantity",
            AdjustmentKind::StatutoryRange => "statutory_range",
            AdjustmentKind::Recommendation => "recommendation",
        }
    }

    /// Parses a key or a Chinese label.
    pub fn parse(text: &str) -> Option<AdjustmentKind> {
        AdjustmentKind::ALL
            .into_iter()
            .find(|kind| kind.key() == text || kind.label() == text)
    }

    /// The sentence factor of a circumstance, and the analysis name it is read under.
    fn circumstance(self) -> Option<(&'static str, f64)> {
        // The SPC's 量刑指导意见 gives each circumstance a range (自首 up to −40 %, 坦白 up to
        // −20 %, 累犯 +10 % to +40 % …); these are moderate points of those ranges, since a
        // precedent's own circumstances are read from its facts and may be missed.
        let factor = match self {
            AdjustmentKind::Surrender => 0.85,
            AdjustmentKind::Confession => 0.93,
            AdjustmentKind::Plea => 0.9,
            AdjustmentKind::Forgiveness => 0.9,
            AdjustmentKind::Restitution => 0.9,
            AdjustmentKind::Recidivism => 1.15,
            AdjustmentKind::Attempt => 0.7,
            // 预备: 可以比照既遂犯从轻、减轻处罚或者免除处罚; 中止 that caused harm: 应当减轻处罚
            // (without harm it goes unpunished and has no term to compare).
            AdjustmentKind::Preparation => 0.5,
            AdjustmentKind::Discontinuance => 0.5,
            AdjustmentKind::Accessory => 0.75,
            AdjustmentKind::FirstOffence => 0.97,
            // 前科: 酌定从重, up to +10 % (read only where 累犯, which holds it, is not).
            AdjustmentKind::PriorRecord => 1.08,
            // 未成年人犯罪: 应当从轻或者减轻, the 量刑指导意见's −10 % to −50 % at sixteen or
            // seventeen (−30 % to −60 % younger).
            AdjustmentKind::Minor => 0.7,
            // 限定刑事责任能力: 可以从轻或者减轻 (刑法第十八条第三款); courts commonly take off up
            // to 40 %.
            AdjustmentKind::DiminishedResponsibility => 0.75,
            _ => return None,
        };
        let name = match self {
            AdjustmentKind::FirstOffence => "初犯偶犯",
            other => other.label(),
        };
        Some((name, factor))
    }
}

/// Which adjustments an estimate makes (all by default; evaluation switches them off one by one).
#[derive(Debug, Clone, Default)]
pub struct EstimateOptions {
    pub disabled: BTreeSet<AdjustmentKind>,
}

impl EstimateOptions {
    fn enabled(&self, kind: AdjustmentKind) -> bool {
        !self.disabled.contains(&kind)
    }
}

/// The quantity that decides a case's bracket, in one unit per kind.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum KeyQuantity {
    /// Drugs in grams of methamphetamine or heroin equivalent (the 10 g / 50 g thresholds).
    Drug { grams: f64 },
    /// Blood alcohol, mg per 100 ml.
    BloodAlcohol { mg_per_100ml: f64 },
    /// Worst injury: 1 轻微伤, 2 轻伤, 3 重伤.
    /// `victims`: how many the text names with that grade (`被害人金某…构成轻伤；被害人刘某…`).
    Injury { grade: u8, victims: u8 },
    /// The largest sum of money, in yuan.
    Amount { yuan: f64 },
}

impl KeyQuantity {
    /// Log scale on which quantities are compared, with the elasticity of the sentence to it.
    fn log_value(self) -> (f64, f64) {
        match self {
            KeyQuantity::Drug { grams } => ((grams + 1.0).ln(), 0.5),
            KeyQuantity::Amount { yuan } => ((yuan + 1.0).ln(), 0.5),
            KeyQuantity::BloodAlcohol { mg_per_100ml } => ((mg_per_100ml + 1.0).ln(), 1.0),
            // Each further victim of the grade weighs as much as a grade's step for three.
            KeyQuantity::Injury { grade, victims } => {
                (f64::from(grade) + f64::from(victims.max(1)).ln(), 0.5)
            }
        }
    }

    fn same_kind(self, other: KeyQuantity) -> bool {
        self.kind() == other.kind()
    }

    fn kind(self) -> QuantityKind {
        match self {
            KeyQuantity::Drug { .. } => QuantityKind::Drug,
            KeyQuantity::BloodAlcohol { .. } => QuantityKind::BloodAlcohol,
            KeyQuantity::Injury { .. } => QuantityKind::Injury,
            KeyQuantity::Amount { .. } => QuantityKind::Amount,
        }
    }

    /// How a judge reads it.
    pub fn describe(self) -> String {
        match self {
            KeyQuantity::Drug { grams } => format!("毒品折合{}克", round1(grams)),
            KeyQuantity::BloodAlcohol { mg_per_100ml } => {
                format!("血液酒精含量{}mg/100ml", round1(mg_per_100ml))
            }
            KeyQuantity::Injury { grade, victims } => {
                let grade = usize::from(grade.clamp(1, DEATH_GRADE)) - 1;
                match victims {
                    0 | 1 => ["轻微伤", "轻伤", "重伤", "致人死亡"][grade].to_string(),
                    several => format!("{}{several}人", ["轻微伤", "轻伤", "重伤", "死亡"][grade]),
                }
            }
            KeyQuantity::Amount { yuan } => format!("数额{}元", round1(yuan)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum QuantityKind {
    Drug,
    BloodAlcohol,
    Injury,
    Amount,
}

/// The quantities a charge's sentence turns on, most telling first (刑法 and the SPC's
/// interpretations set each charge's brackets by one of them). A summary names other sums and
/// weights too — the compensation paid after a crash or a rape, the price of a drug sale, a
/// gram of drugs found on a thief — and those would pick and carry over precedents by what
/// does not decide their sentences. A charge not listed takes the first quantity found (drug,
/// blood alcohol, injury, money).
const DECIDING_QUANTITIES: &[(&[&str], &[QuantityKind])] = &[
    // A sale's price stands in for its weight where a summary gives none.
    (
        &["走私、贩卖、运输、制造毒品罪", "非法持有毒品罪"],
        &[QuantityKind::Drug, QuantityKind::Amount],
    ),
    (&["危险驾驶罪"], &[QuantityKind::BloodAlcohol]),
    (
        &["交通肇事罪"],
        &[QuantityKind::Injury, QuantityKind::BloodAlcohol],
    ),
    (
        &[
            "故意伤害罪",
            "过失致人重伤罪",
            "聚众斗殴罪",
            "强奸罪",
            "强制猥亵、侮辱罪",
            "猥亵儿童罪",
            "故意杀人罪",
            "过失致人死亡罪",
            "非法拘禁罪",
            "妨害公务罪",
            "袭警罪",
        ],
        &[QuantityKind::Injury],
    ),
    (
        &["寻衅滋事罪", "抢劫罪"],
        &[QuantityKind::Injury, QuantityKind::Amount],
    ),
    (
        &[
            "盗窃罪",
            "诈骗罪",
            "抢夺罪",
            "侵占罪",
            "职务侵占罪",
            "贪污罪",
            "受贿罪",
            "行贿罪",
            "挪用资金罪",
            "挪用公款罪",
            "合同诈骗罪",
            "信用卡诈骗罪",
            "集资诈骗罪",
            "贷款诈骗罪",
            "非法吸收公众存款罪",
            "敲诈勒索罪",
            "开设赌场罪",
            "赌博罪",
            "非法经营罪",
            "组织、领导传销活动罪",
            "拒不执行判决、裁定罪",
            "拒不支付劳动报酬罪",
            "生产、销售伪劣产品罪",
            "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
        ],
        &[QuantityKind::Amount],
    ),
    (&["容留他人吸毒罪"], &[]),
];

/// What a text says that moves a sentence: its deciding quantity and circumstances.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFeatures {
    /// The quantity that decides: the first of `quantities` (see [`CaseFeatures::for_charge`]).
    pub quantity: Option<KeyQuantity>,
    /// Every kind of quantity the text holds, one of each, in the order drug, blood alcohol,
    /// injury, money.
    pub quantities: Vec<KeyQuantity>,
    /// Circumstance names found and not denied.
    pub circumstances: BTreeSet<&'static str>,
    /// The amount bracket the text itself states (`数额巨大` 2, `数额特别巨大` 3), not denied:
    /// the prosecution's or the court's own reading outweighs the largest sum a summary mentions
    /// (a credit line, a turnover, a thousand-yuan threshold of another year).
    pub stated_amount_bracket: Option<u8>,
    /// The latest year the text mentions: a bracket the 2021 amendment changed (职务侵占罪) is
    /// read under the law of that time.
    pub latest_year: Option<u16>,
}

/// The gravest harm to a person, above 重伤 (3) on the injury scale.
const DEATH_GRADE: u8 = 4;
/// A death the facts tell (`抢救无效死亡`, `当场死亡`), unless denied (`未造成人员死亡`); the
/// general denial reading would take 抢救无效's 无 for one.
static DEATH: LazyLock<Regex> = LazyLock::new(|| Regex::new("死亡").expect("death pattern"));
static DEATH_DENIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("(?:未|没有|无)(?:造成|致|导致|发生)?(?:人员|人)?(?:伤亡|死亡)")
        .expect("death denied pattern")
});

/// A victim named before an injury (`被害人金某因外伤…构成轻伤`, `被害人何某1的伤情`).
static VICTIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"被害人([\p{Han}\d]{1,4}?)(?:因|的|之|经|被|受|所受|构成|身体|，|、)")
        .expect("victim pattern")
});

const TWO_OR_MORE_DEAD: &str = "死亡二人以上";

/// A victim named before the death the same clause tells (`被害人袭祥壮当场死亡`,
/// `被害人许春辉经送医抢救不治死亡`).
static DEAD_VICTIM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"被害人([\p{Han}\d]{1,4}?)(?:当场|经|因|被|送|抢救|于)[^。；，]{0,20}?死亡")
        .expect("dead victim pattern")
});

/// How many victims the text names as dead, each name once.
fn dead_victims(text: &str) -> usize {
    let mut names: Vec<&str> = DEAD_VICTIM
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .collect();
    names.sort_unstable();
    names.dedup();
    names.len()
}

/// How many victims the text names with an injury of `grade` (1 轻微伤, 2 轻伤, 3 重伤): the
/// victim named last before each such injury in its sentence, each name once (the prosecution's
/// account and the court's name the same victims). At least one.
fn injured_victims(text: &str, analysis: &Analysis, grade: u8) -> u8 {
    let mut names: Vec<&str> = Vec::new();
    for quantity in &analysis.quantities {
        let QuantityValue::Injury { severity, .. } = &quantity.value else {
            continue;
        };
        if injury_grade(*severity) != grade {
            continue;
        }
        let before = &text[..quantity.start];
        let sentence = &before[before
            .rfind(['。', '；'])
            .map_or(0, |i| i + '。'.len_utf8())..];
        if let Some(name) = VICTIM
            .captures_iter(sentence)
            .last()
            .and_then(|c| c.get(1))
            .map(|m| m.as_str())
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    u8::try_from(names.len().max(1)).unwrap_or(u8::MAX)
}

fn injury_grade(severity: crate::analysis::InjurySeverity) -> u8 {
    match severity {
        crate::analysis::InjurySeverity::Minor => 1,
        crate::analysis::InjurySeverity::Light => 2,
        crate::analysis::InjurySeverity::Serious => 3,
    }
}

/// Words that something was taken (窃得, 盗走, 骗得 …): a crime against property committed.
static COMPLETED_TAKING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("窃得|窃取了|盗走|盗得|骗得|骗走|抢得|抢走|劫得|劫走|夺得|夺走")
        .expect("completed taking pattern")
});
static STATED_AMOUNT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("数额(特别)?巨大").expect("stated amount pattern"));
/// Circumstances that lift a charge into a heavier bracket of its article, as the facts would
/// state them (刑法第一百三十三条 and the SPC's 2000 interpretation on 交通肇事, 第二百六十三条,
/// 第二百三十六条, 第二百三十七条, 第二百九十三条), each affirmed, not denied (`不构成入户抢劫`,
/// `不是逃逸`). A charge's first one found decides, so its heaviest comes first.
struct Aggravation {
    charge: &'static str,
    /// The name the features keep among their circumstances.
    name: &'static str,
    pattern: &'static str,
    /// What the text must also hold anywhere (two deaths count with full or main responsibility).
    also: Option<&'static str>,
    bracket: u8,
    from_months: u32,
    to_months: Option<u32>,
    basis: &'static str,
}

const AGGRAVATIONS: &[Aggravation] = &[
    Aggravation {
        charge: "交通肇事罪",
        name: "因逃逸致人死亡",
        pattern: "逃逸致[^，。；]{0,8}死亡",
        also: None,
        bracket: 3,
        from_months: 84,
        to_months: Some(180),
        basis: "因逃逸致人死亡：七年以上有期徒刑",
    },
    // The basic bracket stays the article's whole range: the other 特别恶劣情节 (five seriously
    // injured, a loss the driver cannot pay) are not read.
    Aggravation {
        charge: "交通肇事罪",
        name: "逃逸",
        pattern: "(?:驾车|弃车|肇事后|事故后|驾驶[^，。；]{0,10})(?:逃逸|逃离(?:事故)?现场)",
        also: None,
        bracket: 2,
        from_months: 36,
        to_months: Some(84),
        basis: TRAFFIC_SPECIALLY_BAD,
    },
    Aggravation {
        charge: "交通肇事罪",
        name: TWO_OR_MORE_DEAD,
        pattern: "(?:[二两三四五六七八九十2-9]|[1-9][0-9])人(?:当场)?死亡|死亡(?:[二两三四五六七八九十2-9]|[1-9][0-9])人",
        also: Some("全部责任|主要责任"),
        bracket: 2,
        from_months: 36,
        to_months: Some(84),
        basis: TRAFFIC_SPECIALLY_BAD,
    },
    Aggravation {
        charge: "抢劫罪",
        name: "抢劫罪加重情节",
        pattern: "入户抢劫|公共交通工具上抢劫|抢劫银行|抢劫(?:其他)?金融机构|多次抢劫|抢劫数额巨大|抢劫致(?:人|被害人)?[^，。；]{0,6}(?:重伤|死亡)|冒充军警人员抢劫|持枪抢劫|抢劫军用物资",
        also: None,
        bracket: 2,
        from_months: 120,
        to_months: None,
        basis: "入户抢劫、多次抢劫、抢劫数额巨大、抢劫致人重伤死亡等：十年以上有期徒刑、无期徒刑或者死刑",
    },
    Aggravation {
        charge: "强奸罪",
        name: "强奸罪加重情节",
        pattern: "轮奸|强奸(?:妇女、奸淫幼女)?多人|奸淫幼女多人|当众强奸|致使?被害人[^，。；]{0,4}(?:重伤|死亡)",
        also: None,
        bracket: 2,
        from_months: 120,
        to_months: None,
        basis: "强奸妇女、奸淫幼女多人，二人以上轮奸，在公共场所当众强奸，致使被害人重伤、死亡等：十年以上有期徒刑、无期徒刑或者死刑",
    },
    Aggravation {
        charge: "强制猥亵、侮辱罪",
        name: "强制猥亵、侮辱罪加重情节",
        pattern: "聚众(?:强制)?猥亵|当众(?:强制)?猥亵|聚众侮辱|当众侮辱",
        also: None,
        bracket: 2,
        from_months: 60,
        to_months: None,
        basis: "聚众或者在公共场所当众强制猥亵、侮辱：五年以上有期徒刑",
    },
    Aggravation {
        charge: "猥亵儿童罪",
        name: "猥亵儿童罪加重情节",
        pattern: "聚众猥亵|当众猥亵",
        also: None,
        bracket: 2,
        from_months: 60,
        to_months: None,
        basis: "聚众或者在公共场所当众猥亵儿童：五年以上有期徒刑",
    },
    Aggravation {
        charge: "寻衅滋事罪",
        name: "寻衅滋事罪加重情节",
        pattern: "纠集他人多次",
        also: None,
        bracket: 2,
        from_months: 60,
        to_months: Some(120),
        basis: "纠集他人多次实施寻衅滋事，严重破坏社会秩序：五年以上十年以下有期徒刑",
    },
];

const TRAFFIC_SPECIALLY_BAD: &str = "交通运输肇事后逃逸或者有其他特别恶劣情节（如死亡二人以上，负全部或者主要责任）：三年以上七年以下有期徒刑";

/// Each aggravation's pattern and what the text must also hold.
static AGGRAVATION_PATTERNS: LazyLock<Vec<(Regex, Option<Regex>)>> = LazyLock::new(|| {
    AGGRAVATIONS
        .iter()
        .map(|a| {
            let compile = |pattern| Regex::new(pattern).expect("aggravation pattern");
            (compile(a.pattern), a.also.map(compile))
        })
        .collect()
});

/// The circumstance names [`CaseFeatures::read`] gives a defendant's age and mental state, read
/// more narrowly than the analysis' 未成年 and 精神障碍 (which also hold a minor victim, `容留未成年人`,
/// or the `法医精神病鉴定意见书` among the evidence).
const MINOR: &str = "未成年";
const DIMINISHED_RESPONSIBILITY: &str = "限定刑事责任能力";

/// A defendant under eighteen when acting: `作案时不满十八周岁`, `犯罪时系未成年人`, `被告人王某系未成年人`.
static MINOR_DEFENDANT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:作案|犯罪|行为|案发|实施[^。；，]{0,8}?)时[^。；，]{0,8}?(?:未成年|未满十八周岁|不满十八周岁|未满18周岁|不满18周岁|已满(?:十四|十六|14|16)周岁不满|已满(?:十四|十六|14|16)周岁未满)|被告人[^。；，、]{0,6}?(?:系|是|为|属)未成年人?",
    )
    .expect("minor pattern")
});

/// 限定刑事责任能力 in the words of a forensic opinion (`具有限定责任能力`, `系限制刑事责任能力人`,
/// `部分刑事责任能力`).
static DIMINISHED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("(?:限定|限制|部分)(?:刑事)?责任能力").expect("diminished responsibility pattern")
});

static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new("((?:19|20)[0-9]{2})年").expect("year pattern"));

/// Grams of a drug that count as one gram of methamphetamine or heroin: the inverse ratio of the
/// "数量较大" thresholds of the SPC's 2016 interpretation on drug crimes (甲基苯丙胺 10 g, 氯胺酮
/// 100 g, 甲卡西酮 40 g, 大麻 油 1 kg / 叶 10 kg …).
fn methamphetamine_equivalent(drug: &str) -> f64 {
    const TABLE: &[(&str, f64)] = &[
        ("氯胺酮", 0.1),
        ("k粉", 0.1),
        ("甲卡西酮", 0.25),
        ("大麻", 0.005),
        ("鸦片", 0.05),
        ("吗啡", 0.5),
        ("摇头丸", 0.5),
        ("mdma", 0.5),
        ("曲马多", 0.002),
        ("三唑仑", 0.002),
        ("美沙酮", 0.05),
    ];
    TABLE
        .iter()
        .find(|(name, _)| drug.contains(name))
        .map_or(1.0, |(_, ratio)| *ratio)
}

/// A drug weight as [`drug_equivalent_grams`] counts it.
struct DrugWeight {
    grams: f64,
    /// Methamphetamine-equivalent grams per gram.
    ratio: f64,
    /// Called a sum by the text (`共计`, `总计净重`).
    total: bool,
}

/// The methamphetamine-equivalent grams of the drug weights a text gives, in its order. Sales
/// add up (刑法第三百四十七条第七款: 毒品数量累计计算), but:
/// - a sum the text names (`红色片剂重1.13克，无色晶体重0.24克，共重1.37克`, given before its
///   parts or after them) stands for the two or more weights next to it that it adds up: three
///   sales of 0.1 g and 9.5 g seized, `共计约9.8克`, are 9.8 g, not the sum and its parts;
/// - a weight stated again (the court's findings repeat the prosecution's, the identification
///   repeats the seizure) counts once.
///
/// Weights are written to two decimals, so a sum may differ from its parts' by their rounding.
fn drug_equivalent_grams(weights: &[DrugWeight]) -> f64 {
    let parts_summed = |total: f64, parts: &mut dyn Iterator<Item = usize>| {
        let mut sum = 0.0;
        parts.enumerate().find_map(|(count, j)| {
            sum += weights[j].grams;
            (count >= 1 && (sum - total).abs() <= 0.006 * (count + 1) as f64).then_some(j)
        })
    };
    let mut covered = vec![false; weights.len()];
    let mut sums: Vec<(usize, f64)> = Vec::new();
    for (i, weight) in weights.iter().enumerate().filter(|(_, w)| w.total) {
        let parts = match parts_summed(weight.grams, &mut (0..i).rev()) {
            Some(first) => first..i,
            None => match parts_summed(weight.grams, &mut (i + 1..weights.len())) {
                Some(last) => i + 1..last + 1,
                None => continue,
            },
        };
        // A sum of several kinds of drugs keeps their mix.
        let grams: f64 = weights[parts.clone()].iter().map(|w| w.grams).sum();
        let equivalent: f64 = weights[parts.clone()]
            .iter()
            .map(|w| w.grams * w.ratio)
            .sum();
        sums.push((i, equivalent * weight.grams / grams.max(f64::MIN_POSITIVE)));
        covered[parts].iter_mut().for_each(|c| *c = true);
    }
    weights
        .iter()
        .enumerate()
        .filter(|(i, weight)| {
            !covered[*i]
                && !weights[..*i]
                    .iter()
                    .any(|seen| (seen.grams - weight.grams).abs() < 1e-9)
        })
        .map(|(i, weight)| {
            sums.iter()
                .find(|(sum, _)| *sum == i)
                .map_or(weight.grams * weight.ratio, |(_, equivalent)| *equivalent)
        })
        .sum()
}

impl CaseFeatures {
    /// [`CaseFeatures::from_analysis`] with what only the words tell: the amount bracket the
    /// text states and the latest year it mentions. `analysis` is `text`'s own (its offsets and
    /// defence pleas point into it).
    pub fn read(text: &str, analysis: &Analysis) -> CaseFeatures {
        let mut features = CaseFeatures::from_analysis(analysis);
        features.stated_amount_bracket = STATED_AMOUNT
            .captures_iter(text)
            .filter(|caps| !negated_before(text, caps.get(0).map_or(0, |m| m.start())))
            .map(|caps| if caps.get(1).is_some() { 3 } else { 2 })
            .max();
        features.latest_year = YEAR
            .captures_iter(text)
            .filter_map(|caps| caps[1].parse::<u16>().ok())
            .max();
        let affirmed = |pattern: &Regex| {
            pattern
                .find_iter(text)
                .any(|m| !negated_before(text, m.start()))
        };
        // The defendant's age and mind as the facts affirm them, not the defence's plea.
        let found = |pattern: &Regex| {
            pattern.find_iter(text).any(|m| {
                !negated_before(text, m.start()) && !analysis.defence_pleas.hold(m.start())
            })
        };
        for (name, pattern) in [
            (MINOR, &*MINOR_DEFENDANT),
            (DIMINISHED_RESPONSIBILITY, &*DIMINISHED),
        ] {
            match found(pattern) {
                true => features.circumstances.insert(name),
                false => features.circumstances.remove(name),
            };
        }
        // Among several crimes (数罪并罚) a crime prepared or given up may be any of them: the
        // estimate, made for one charge, does not take it for that one.
        if features.circumstances.contains("数罪") {
            features.circumstances.remove("预备");
            features.circumstances.remove("中止");
        }
        // A count that failed (`因惊动报警器而未能得逞`) among others that took something is no
        // attempted crime: the crime was committed. Nor is a crime prepared or given up also
        // attempted: its 未得逞 tells the same failure.
        if affirmed(&COMPLETED_TAKING)
            || features.circumstances.contains("预备")
            || features.circumstances.contains("中止")
        {
            features.circumstances.remove("未遂");
        }
        // A death outweighs every injury (analysis grades injuries only): 故意伤害致人死亡 is
        // another bracket, and a fatal crash is not sentenced as the 轻伤 of a second victim.
        // Otherwise the gravest injury counts its victims.
        let denied: Vec<(usize, usize)> = DEATH_DENIED
            .find_iter(text)
            .map(|m| (m.start(), m.end()))
            .collect();
        let died = DEATH.find_iter(text).any(|death| {
            !denied
                .iter()
                .any(|&(start, end)| start <= death.start() && death.end() <= end)
        });
        let injured = features.quantities.iter().find_map(|q| match q {
            KeyQuantity::Injury { grade, .. } => Some(*grade),
            _ => None,
        });
        let injury = match (died, injured) {
            (true, _) => Some(KeyQuantity::Injury {
                grade: DEATH_GRADE,
                victims: 1,
            }),
            (false, Some(grade)) => Some(KeyQuantity::Injury {
                grade,
                victims: injured_victims(text, analysis, grade),
            }),
            (false, None) => None,
        };
        if let Some(injury) = injury {
            // In the order of `quantities`: before money.
            features
                .quantities
                .retain(|quantity| quantity.kind() != QuantityKind::Injury);
            let at = features
                .quantities
                .iter()
                .position(|q| q.kind() == QuantityKind::Amount)
                .unwrap_or(features.quantities.len());
            features.quantities.insert(at, injury);
            features.quantity = features.quantities.first().copied();
        }
        // 累犯 weighs a prior sentence already.
        if features.circumstances.contains("累犯") {
            features.circumstances.remove("前科");
        }
        for (aggravation, (pattern, also)) in AGGRAVATIONS.iter().zip(AGGRAVATION_PATTERNS.iter()) {
            let stated = affirmed(pattern)
                // Two or more dead, each told of by name (`致被害人袭祥壮当场死亡，被害人许春辉经送医
                // 抢救不治死亡`), as well as counted (`致二人死亡`).
                || (aggravation.name == TWO_OR_MORE_DEAD && dead_victims(text) >= 2);
            if stated && also.as_ref().is_none_or(|also| also.is_match(text)) {
                features.circumstances.insert(aggravation.name);
            }
        }
        features
    }

    /// Reads the features of a text's analysis. For drugs the distinct weights found are added
    /// up (a summary lists each sale); for money the largest sum counts (totals repeat the parts).
    pub fn from_analysis(analysis: &Analysis) -> CaseFeatures {
        let mut weights: Vec<DrugWeight> = Vec::new();
        let mut blood_alcohol: Option<f64> = None;
        let mut injury: Option<u8> = None;
        for quantity in &analysis.quantities {
            match &quantity.value {
                QuantityValue::DrugWeight { grams, drug, total } => {
                    weights.push(DrugWeight {
                        grams: *grams,
                        ratio: methamphetamine_equivalent(&drug.to_lowercase()),
                        total: *total,
                    });
                }
                QuantityValue::BloodAlcohol { mg_per_100ml } => {
                    blood_alcohol = Some(blood_alcohol.unwrap_or(0.0).max(*mg_per_100ml));
                }
                QuantityValue::Injury { severity, .. } => {
                    injury = Some(injury.unwrap_or(0).max(injury_grade(*severity)));
                }
                QuantityValue::Disability { .. } => {}
            }
        }
        let drug_grams = drug_equivalent_grams(&weights);
        let largest_amount = analysis
            .amounts
            .iter()
            .map(|amount| amount.yuan)
            .filter(|yuan| yuan.is_finite() && *yuan > 0.0)
            .fold(None, |best: Option<f64>, yuan| {
                Some(best.map_or(yuan, |b| b.max(yuan)))
            });
        let quantities: Vec<KeyQuantity> = [
            (drug_grams > 0.0).then_some(KeyQuantity::Drug { grams: drug_grams }),
            blood_alcohol.map(|mg_per_100ml| KeyQuantity::BloodAlcohol { mg_per_100ml }),
            injury.map(|grade| KeyQuantity::Injury { grade, victims: 1 }),
            largest_amount.map(|yuan| KeyQuantity::Amount { yuan }),
        ]
        .into_iter()
        .flatten()
        .collect();
        CaseFeatures {
            quantity: quantities.first().copied(),
            quantities,
            stated_amount_bracket: None,
            latest_year: None,
            circumstances: analysis
                .circumstances
                .iter()
                .filter(|c| !c.negated)
                .map(|c| c.name)
                .collect(),
        }
    }

    /// The features as `charge` weighs them: its deciding quantity is the first of the kinds
    /// [`DECIDING_QUANTITIES`] lists for it, none when the text holds none of them.
    pub fn for_charge(&self, charge: &str) -> CaseFeatures {
        let mut features = self.clone();
        if let Some((_, kinds)) = DECIDING_QUANTITIES
            .iter()
            .find(|(charges, _)| charges.contains(&charge))
        {
            features.quantity = kinds.iter().find_map(|kind| {
                self.quantities
                    .iter()
                    .copied()
                    .find(|quantity| quantity.kind() == *kind)
            });
        }
        features
    }
}

/// A statutory sentencing bracket (法定刑幅度) in months; `None` is open.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatutoryRange {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_months: Option<u32>,
    /// Which bracket and why (`数额巨大（3万元以上）：三年以上十年以下`).
    pub basis: String,
    /// Bracket number within the charge (0 when the charge has one range).
    #[serde(skip)]
    pub bracket: u8,
}

const CRIMINAL_DRUGS: &str = "走私、贩卖、运输、制造毒品罪";

/// The bracket of the Criminal Law a charge and its quantity fall in, where the law ties the
/// bracket to a quantity, or the basic range of common charges. Thresholds of money are the
/// usual provincial ones (盗窃 数额巨大 from 3万, 特别巨大 from 30万; 诈骗 3万 / 50万).
pub fn statutory_range(charge: &str, features: &CaseFeatures) -> Option<StatutoryRange> {
    let range = |bracket: u8, from: Option<u32>, to: Option<u32>, basis: &str| {
        Some(StatutoryRange {
            from_months: from,
            to_months: to,
            basis: basis.to_string(),
            bracket,
        })
    };
    // The bracket by amount (1 较大, 2 from `lower`, 3 from `upper`), or the one the text states.
    let amount_bracket = |lower: f64, upper: f64| {
        let by_amount = match features.quantity {
            Some(KeyQuantity::Amount { yuan }) => Some(match yuan {
                y if y >= upper => 3,
                y if y >= lower => 2,
                _ => 1,
            }),
            _ => None,
        };
        features.stated_amount_bracket.or(by_amount)
    };
    let before_2021 = features.latest_year.is_some_and(|year| year <= 2020);
    // The amount bracket of the charges whose brackets go by money, read once.
    let by_amount = match charge {
        "盗窃罪" => amount_bracket(30_000.0, 300_000.0),
        "职务侵占罪" if before_2021 => amount_bracket(1_000_000.0, f64::INFINITY),
        "诈骗罪" | "合同诈骗罪" | "职务侵占罪" => amount_bracket(30_000.0, 500_000.0),
        _ => None,
    };
    match (charge, features.quantity) {
        // 刑法第三百四十七条 and the SPC's 2016 interpretation on drug crimes (art. 4: selling
        // 多次, i.e. three or more times, is 情节严重).
        (CRIMINAL_DRUGS, quantity)
            if matches!(quantity, Some(KeyQuantity::Drug { .. }))
                || features.circumstances.contains("多次") =>
        {
            let grams = match quantity {
                Some(KeyQuantity::Drug { grams }) => grams,
                _ => 0.0,
            };
            match grams {
                g if g >= 50.0 => range(
                    4,
                    Some(180),
                    None,
                    "毒品数量大（折合甲基苯丙胺50克以上）：十五年以上有期徒刑、无期徒刑或者死刑",
                ),
                g if g >= 10.0 => range(
                    3,
                    Some(84),
                    Some(180),
                    "毒品数量较大（折合甲基苯丙胺10克以上不满50克）：七年以上有期徒刑",
                ),
                _ if features.circumstances.contains("多次") => range(
                    2,
                    Some(36),
                    Some(84),
                    "多次贩卖毒品，情节严重：三年以上七年以下有期徒刑",
                ),
                _ => range(
                    1,
                    None,
                    Some(36),
                    "毒品数量不满10克（折合甲基苯丙胺）：三年以下有期徒刑、拘役或者管制",
                ),
            }
        }
        ("非法持有毒品罪", Some(KeyQuantity::Drug { grams })) => match grams {
            g if g >= 50.0 => range(
                2,
                Some(84),
                None,
                "非法持有毒品数量大（折合甲基苯丙胺50克以上）：七年以上有期徒刑或者无期徒刑",
            ),
            _ => range(
                1,
                None,
                Some(84),
                "非法持有毒品数量较大（折合甲基苯丙胺10克以上不满50克）：三年以下有期徒刑、拘役或者管制，情节严重的三年以上七年以下",
            ),
        },
        ("盗窃罪", _) if by_amount.is_some() => match by_amount {
            Some(3) => range(
                3,
                Some(120),
                None,
                "盗窃数额特别巨大（30万元以上）：十年以上有期徒刑或者无期徒刑",
            ),
            Some(2) => range(
                2,
                Some(36),
                Some(120),
                "盗窃数额巨大（3万元以上）：三年以上十年以下有期徒刑",
            ),
            _ => range(
                1,
                None,
                Some(36),
                "盗窃数额较大：三年以下有期徒刑、拘役或者管制",
            ),
        },
        // Before the 2021 amendment (刑法修正案（十一）) 职务侵占罪 had two brackets, 数额较大
        // from 6万 and 数额巨大 from 100万 (the SPC and SPP's 2016 interpretation, art. 11).
        ("职务侵占罪", _) if before_2021 && by_amount.is_some() => match by_amount {
            Some(1) => range(
                1,
                None,
                Some(60),
                "数额较大（2021年3月1日前）：五年以下有期徒刑或者拘役",
            ),
            _ => range(
                2,
                Some(60),
                None,
                "数额巨大（2021年3月1日前，100万元以上）：五年以上有期徒刑",
            ),
        },
        ("诈骗罪" | "合同诈骗罪" | "职务侵占罪", _) if by_amount.is_some() => {
            match by_amount {
                Some(3) => range(
                    3,
                    Some(120),
                    None,
                    "数额特别巨大（50万元以上）：十年以上有期徒刑或者无期徒刑",
                ),
                Some(2) => range(
                    2,
                    Some(36),
                    Some(120),
                    "数额巨大（3万元以上）：三年以上十年以下有期徒刑",
                ),
                _ => range(1, None, Some(36), "数额较大：三年以下有期徒刑或者拘役"),
            }
        }
        // Charges whose second bracket only a stated 数额巨大 decides here (their thresholds vary
        // by province and year).
        ("敲诈勒索罪" | "非法吸收公众存款罪", _) if features.stated_amount_bracket.is_some() => {
            range(2, Some(36), Some(120), "数额巨大：三年以上十年以下有期徒刑")
        }
        ("信用卡诈骗罪", _) if features.stated_amount_bracket.is_some() => {
            range(2, Some(60), Some(120), "数额巨大：五年以上十年以下有期徒刑")
        }
        ("故意伤害罪", Some(KeyQuantity::Injury { grade, .. })) => match grade {
            DEATH_GRADE => range(
                3,
                Some(120),
                None,
                "致人死亡：十年以上有期徒刑、无期徒刑或者死刑",
            ),
            3 => range(2, Some(36), Some(120), "致人重伤：三年以上十年以下有期徒刑"),
            _ => range(
                1,
                None,
                Some(36),
                "致人轻伤：三年以下有期徒刑、拘役或者管制",
            ),
        },
        _ => match AGGRAVATIONS
            .iter()
            .find(|a| a.charge == charge && features.circumstances.contains(a.name))
        {
            Some(aggravated) => range(
                aggravated.bracket,
                Some(aggravated.from_months),
                aggravated.to_months,
                aggravated.basis,
            ),
            None => BASIC_RANGES
                .iter()
                .find(|(name, ..)| *name == charge)
                .and_then(|(_, from, to, basis)| range(0, *from, *to, basis)),
        },
    }
}

/// Basic ranges (months) of common charges whose bracket no quantity decides here.
const BASIC_RANGES: &[(&str, Option<u32>, Option<u32>, &str)] = &[
    (
        "危险驾驶罪",
        Some(1),
        Some(6),
        "拘役（一个月以上六个月以下），并处罚金",
    ),
    ("强奸罪", Some(36), Some(120), "三年以上十年以下有期徒刑"),
    ("抢劫罪", Some(36), Some(120), "三年以上十年以下有期徒刑"),
    (
        "寻衅滋事罪",
        None,
        Some(60),
        "五年以下有期徒刑、拘役或者管制",
    ),
    (
        "容留他人吸毒罪",
        None,
        Some(36),
        "三年以下有期徒刑、拘役或者管制",
    ),
    (
        "开设赌场罪",
        None,
        Some(60),
        "五年以下有期徒刑、拘役或者管制",
    ),
    ("赌博罪", None, Some(36), "三年以下有期徒刑、拘役或者管制"),
    (
        "交通肇事罪",
        None,
        Some(84),
        "三年以下有期徒刑或者拘役，逃逸或者有其他特别恶劣情节的三年以上七年以下",
    ),
    (
        "非法持有毒品罪",
        None,
        Some(84),
        "三年以下有期徒刑、拘役或者管制，数量较大的三年以上七年以下",
    ),
    ("猥亵儿童罪", None, Some(60), "五年以下有期徒刑"),
    (
        "强制猥亵、侮辱罪",
        None,
        Some(60),
        "五年以下有期徒刑或者拘役",
    ),
    (
        "非法经营罪",
        None,
        Some(60),
        "五年以下有期徒刑或者拘役，情节特别严重的五年以上",
    ),
    (
        "非法吸收公众存款罪",
        None,
        Some(120),
        "三年以下有期徒刑或者拘役，数额巨大的三年以上十年以下",
    ),
    (
        "掩饰、隐瞒犯罪所得、犯罪所得收益罪",
        None,
        Some(84),
        "三年以下有期徒刑、拘役或者管制，情节严重的三年以上七年以下",
    ),
    (
        "帮助信息网络犯罪活动罪",
        None,
        Some(36),
        "三年以下有期徒刑或者拘役",
    ),
    (
        "妨害公务罪",
        None,
        Some(36),
        "三年以下有期徒刑、拘役、管制或者罚金",
    ),
    (
        "拒不执行判决、裁定罪",
        None,
        Some(84),
        "三年以下有期徒刑、拘役或者罚金，情节特别严重的三年以上七年以下",
    ),
    (
        "故意杀人罪",
        Some(36),
        None,
        "情节较轻的三年以上十年以下，否则十年以上有期徒刑、无期徒刑或者死刑",
    ),
    (
        "放火罪",
        Some(36),
        None,
        "三年以上十年以下有期徒刑，致人重伤、死亡的十年以上",
    ),
    (
        "敲诈勒索罪",
        None,
        Some(120),
        "三年以下有期徒刑、拘役或者管制，数额巨大的三年以上十年以下",
    ),
    (
        "聚众斗殴罪",
        None,
        Some(120),
        "三年以下有期徒刑、拘役或者管制，首要分子等三年以上十年以下",
    ),
    (
        "非法拘禁罪",
        None,
        Some(120),
        "三年以下有期徒刑、拘役、管制或者剥夺政治权利",
    ),
    (
        "滥伐林木罪",
        None,
        Some(84),
        "三年以下有期徒刑、拘役或者管制，数量巨大的三年以上七年以下",
    ),
    (
        "盗伐林木罪",
        None,
        Some(84),
        "三年以下有期徒刑、拘役或者管制，数量巨大的三年以上七年以下",
    ),
    (
        "信用卡诈骗罪",
        None,
        Some(120),
        "五年以下有期徒刑或者拘役，数额巨大的五年以上十年以下",
    ),
    (
        "引诱、容留、介绍卖淫罪",
        None,
        Some(60),
        "五年以下有期徒刑、拘役或者管制",
    ),
];

/// The prosecution's sentencing recommendation (量刑建议) in months; a bound may be open
/// (`三年以下`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_months: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to_months: Option<u32>,
    /// The words it was read from.
    pub text: String,
}

/// A term: `一年六个月`, `十个月`, `3年`, `二年零三个月`.
const TERM: &str = r"[0-9零〇一二两三四五六七八九十百]+(?:年(?:零?[0-9零〇一二两三四五六七八九十百]+个?月)?|个?月)";

static RECOMMENDATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"建议[^。；;]{0,80}").expect("recommendation pattern"));
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"({TERM})(?:以上)?(?:至|到|-|－|~|～)({TERM})(?:以下)?"
    ))
    .expect("range pattern")
});
static OPEN_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"({TERM})以上[，,]?({TERM})以下|({TERM})以下|({TERM})以上"
    ))
    .expect("open range pattern")
});
/// Days after a term's months (`二个月十五日`): recommendations and outcomes are read in whole
/// months, so the days are dropped.
static DAYS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"月零?[0-9零〇一二两三四五六七八九十]+[日天]").expect("days pattern")
});
/// A range whose first number shares the second's unit (`拘役一至三个月`, `三至五年`).
static SHARED_UNIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(^|[^0-9零〇一二两三四五六七八九十百年月])([0-9一二两三四五六七八九十]+)(至|到)([0-9一二两三四五六七八九十]+)(个月|年)",
    )
    .expect("shared unit pattern")
});
static FIXED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"判处[^，,。]{{0,12}}?({TERM})")).expect("fixed"));

/// Months of a term in the forms of [`TERM`].
pub fn term_months(text: &str) -> Option<u32> {
    let (years, rest) = match text.split_once('年') {
        Some((years, rest)) => (Some(years), rest),
        None => (None, text),
    };
    let rest = rest.trim_start_matches('零');
    let months = rest
        .strip_suffix('月')
        .map(|m| m.trim_end_matches('个'))
        .filter(|m| !m.is_empty());
    if years.is_none() && months.is_none() {
        return None;
    }
    let count = |t: &str| -> Option<u32> {
        match t.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => parse_chinese_number(t).and_then(|n| u32::try_from(n).ok()),
        }
    };
    let total = years.map_or(Some(0), |y| count(y).map(|y| y.saturating_mul(12)))?;
    total.checked_add(months.map_or(Some(0), count)?)
}

/// The recommendation stated in a text, if any.
pub fn prosecution_recommendation(text: &str) -> Option<Recommendation> {
    let pleas = DefencePleas::of(text);
    for found in RECOMMENDATION.find_iter(text) {
        // The defence's suggestion of a term is a plea for leniency, not the 量刑建议 of
        // 刑事诉讼法第一百七十六条.
        if pleas.hold(found.start()) {
            continue;
        }
        let words = found.as_str();
        // The penalty names only separate the numbers (`有期徒刑一年至有期徒刑二年`).
        let plain = words.replace("有期徒刑", "").replace("拘役", "");
        let plain = DAYS.replace_all(&plain, "月");
        let plain = SHARED_UNIT.replace_all(&plain, "$1$2$5$3$4$5");
        if !(words.contains("有期徒刑") || words.contains("拘役")) {
            continue;
        }
        let recommendation = |from: Option<u32>, to: Option<u32>| {
            Some(Recommendation {
                from_months: from,
                to_months: to,
                text: words.to_string(),
            })
        };
        for captures in RANGE.captures_iter(&plain) {
            let (from, to) = (term_months(&captures[1]), term_months(&captures[2]));
            if let (Some(from), Some(to)) = (from, to)
                && from > 0
                && from <= to
            {
                return recommendation(Some(from), Some(to));
            }
        }
        for captures in OPEN_RANGE.captures_iter(&plain) {
            let month = |i: usize| captures.get(i).and_then(|m| term_months(m.as_str()));
            match (month(1), month(2), month(3), month(4)) {
                (Some(from), Some(to), ..) if from <= to => {
                    return recommendation(Some(from), Some(to));
                }
                (_, _, Some(to), _) if to > 0 => return recommendation(None, Some(to)),
                (_, _, _, Some(from)) if from > 0 => return recommendation(Some(from), None),
                _ => {}
            }
        }
        if let Some(months) = FIXED
            .captures(&plain)
            .and_then(|c| term_months(&c[1]))
            .filter(|m| *m > 0)
        {
            return recommendation(Some(months), Some(months));
        }
    }
    None
}

/// A judgment of the index with a readable sentence, as a precedent for an estimate.
#[derive(Debug, Clone)]
pub struct Precedent {
    pub id: String,
    pub case_number: Option<String>,
    pub court: Option<String>,
    pub year: Option<u16>,
    /// Its charges, resolved to the dictionary's names where possible.
    pub charges: Vec<String>,
    /// Retrieval score (similarity to the query).
    pub score: f32,
    /// The sentence weighed: the first defendant's (the principal offender is named first).
    pub sentence: Sentence,
    pub features: CaseFeatures,
}

impl Precedent {
    /// A precedent from a judgment whose outcome was parsed: `None` when no defendant received a
    /// term (有期徒刑 or 拘役) — life, death, fines alone and exemptions are not on a month scale.
    pub fn new(
        judgment: &leian_core::Judgment,
        score: f32,
        sentences: &[Sentence],
        features: CaseFeatures,
    ) -> Option<Precedent> {
        let sentence = sentences.first().filter(|s| term_of(s).is_some())?;
        Some(Precedent {
            id: judgment.id.clone(),
            case_number: judgment.case_number.clone(),
            court: judgment.court.clone(),
            year: judgment.year,
            charges: judgment
                .causes
                .iter()
                .map(|c| canonical_charge(c))
                .collect(),
            score,
            sentence: sentence.clone(),
            features,
        })
    }

    /// A precedent whose executed term merges several (数罪并罚, or a prior sentence's rest)
    /// counts with the term its judgment's result imposes for `charge` itself, when that can be
    /// read: the executed term also holds other crimes. Only a merged term has its result read.
    pub fn with_own_term(mut self, judgment: &leian_core::Judgment, charge: &str) -> Precedent {
        if self.sentence.first_charge.is_some()
            && let Some(result) = crate::sections::result_section(judgment)
            && let Some(own) = crate::draft::own_term_of_canonical(result, charge)
        {
            self.sentence.penalty = own.penalty;
            self.sentence.term_months = Some(own.term_months);
            self.sentence.probation_months = None;
        }
        self
    }

    fn months(&self) -> f64 {
        f64::from(term_of(&self.sentence).unwrap_or(0))
    }
}

/// Months of a term of 有期徒刑 or 拘役.
fn term_of(sentence: &Sentence) -> Option<u32> {
    match sentence.penalty {
        Penalty::FixedTerm | Penalty::CriminalDetention => sentence.term_months.filter(|m| *m > 0),
        _ => None,
    }
}

/// The dictionary's name of a charge (`贩卖毒品罪` → `走私、贩卖、运输、制造毒品罪`), or the
/// name itself. Courts also write a selective charge with some of its parts (`强制猥亵罪`,
/// `销售假药罪`, `贩卖、运输毒品罪`): a name whose characters appear in order in exactly one
/// dictionary charge stands for that charge.
pub fn canonical_charge(name: &str) -> String {
    if let Some(charge) = resolve_charge(name) {
        return charge.name.to_string();
    }
    let plain: Vec<char> = name.chars().filter(|c| *c != '、').collect();
    if plain.len() < 4 || plain.last() != Some(&'罪') {
        return name.to_string();
    }
    let mut containing = leian_text::dict::charges().iter().filter(|charge| {
        let mut wanted = plain.iter().peekable();
        for c in charge.name.chars() {
            if wanted.peek() == Some(&&c) {
                wanted.next();
            }
        }
        wanted.peek().is_none()
    });
    match (containing.next(), containing.next()) {
        (Some(only), None) => only.name.to_string(),
        _ => name.to_string(),
    }
}

/// What the estimate is for: the charge (from the draft, or the query's analysis) and the text's
/// features.
#[derive(Debug, Clone)]
pub struct EstimateQuery<'a> {
    pub text: &'a str,
    pub charge: Option<String>,
    pub features: CaseFeatures,
}

/// One adjustment as applied: what it is, which way it moved the estimate and by how much.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub kind: AdjustmentKind,
    /// The Chinese name.
    pub name: String,
    /// Relative change of the estimate it made (−0.12: twelve per cent lighter).
    pub effect: f64,
    /// Why, in Chinese.
    pub reason: String,
}

/// A precedent the estimate rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliedCase {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    /// Its sentence in months and whether it was suspended (缓刑).
    pub months: u32,
    pub penalty: Penalty,
    pub probation: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fine_yuan: Option<u64>,
    /// Its sentence carried over to the query's circumstances and quantity.
    pub adjusted_months: f64,
    /// Share of the estimate's weight (0..1).
    pub weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
}

/// Whether an estimate was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EstimateStatus {
    Estimated,
    Abstained,
}

/// 类案量刑参考: `status` `estimated` with the figures, or `abstained` with the reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SentencingEstimate {
    pub status: EstimateStatus,
    /// The charge the estimate is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub charge: Option<String>,
    /// Estimated term in months (median).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub months: Option<f64>,
    /// The central two thirds of the similar cases' carried-over sentences, months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub band: Option<[f64; 2]>,
    /// Their interquartile range, months.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interquartile: Option<[f64; 2]>,
    /// Weighted share of the similar cases that were suspended (缓刑).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probation_share: Option<f64>,
    /// Interquartile range of their fines, yuan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fine_band: Option<[u64; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statutory_range: Option<StatutoryRange>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recommendation: Option<Recommendation>,
    /// The deciding quantity read from the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quantity: Option<String>,
    pub adjustments: Vec<Adjustment>,
    /// The precedents weighed, heaviest first (at most ten shown).
    pub cases: Vec<ReliedCase>,
    /// Every precedent weighed, heaviest first (a draft check places a sentence among them).
    #[serde(skip)]
    pub weighed: Vec<ReliedCase>,
    /// How many same-charge precedents were weighed.
    pub precedents: usize,
    /// How many equally weighted cases the weights amount to (Kish's effective sample size:
    /// 1 when one precedent carries the estimate): the fewer, the less an estimate says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_cases: Option<f64>,
    /// A sentence for the judge: what the estimate is, or why there is none.
    pub summary: String,
}

impl SentencingEstimate {
    /// An abstention with its reason.
    pub fn abstain(charge: Option<String>, precedents: usize, reason: String) -> Self {
        SentencingEstimate {
            status: EstimateStatus::Abstained,
            charge,
            months: None,
            band: None,
            interquartile: None,
            probation_share: None,
            fine_band: None,
            statutory_range: None,
            recommendation: None,
            quantity: None,
            adjustments: Vec::new(),
            cases: Vec::new(),
            weighed: Vec::new(),
            precedents,
            effective_cases: None,
            summary: reason,
        }
    }
}

/// Circumstances that allow a sentence below the statutory minimum (减轻处罚).
pub const MITIGATING_BELOW_RANGE: &[&str] = &[
    "未遂",
    "从犯",
    "自首",
    "立功",
    MINOR,
    DIMINISHED_RESPONSIBILITY,
    "中止",
    "预备",
];

/// Estimates the sentence of `query` from `precedents` (any order; those of another charge are
/// set aside). Abstains when the charge is unknown or fewer than [`MIN_PRECEDENTS`] remain.
pub fn estimate(
    query: &EstimateQuery<'_>,
    precedents: &[Precedent],
    options: &EstimateOptions,
) -> SentencingEstimate {
    let Some(charge) = query.charge.clone() else {
        return SentencingEstimate::abstain(
            None,
            0,
            "未能从事实中确定罪名（可能不是刑事案件），不作量刑参考".into(),
        );
    };
    let mut same: Vec<&Precedent> = precedents
        .iter()
        .filter(|p| p.charges.contains(&charge))
        .collect();
    same.sort_by(|a, b| b.score.total_cmp(&a.score));
    same.truncate(MAX_PRECEDENTS);
    if same.len() < MIN_PRECEDENTS {
        let mut abstained = SentencingEstimate::abstain(
            Some(charge.clone()),
            same.len(),
            format!(
                "相似案例中{charge}且刑期可读的判决只有{}份（少于{MIN_PRECEDENTS}份），不作量刑参考",
                same.len()
            ),
        );
        // What the law and the prosecution say holds without precedents: the outcome check
        // still measures a draft against them.
        abstained.statutory_range = statutory_range(&charge, &query.features.for_charge(&charge));
        abstained.recommendation = prosecution_recommendation(query.text);
        return abstained;
    }
    let features = query.features.for_charge(&charge);
    let range = statutory_range(&charge, &features);
    let quantity_on = options.enabled(AdjustmentKind::Quantity);
    let top_score = f64::from(same[0].score.max(f32::MIN_POSITIVE));
    let circumstance_kinds: Vec<(AdjustmentKind, &str, f64)> = AdjustmentKind::ALL
        .into_iter()
        .filter(|kind| options.enabled(*kind))
        .filter_map(|kind| {
            kind.circumstance()
                .map(|(name, factor)| (kind, name, factor))
        })
        .collect();

    // Each precedent carried over to the query: log months, weight, and the part of the change
    // each adjustment made (to report their effects).
    struct Carried<'p> {
        precedent: &'p Precedent,
        /// Its deciding quantity for the query's charge.
        quantity: Option<KeyQuantity>,
        log_months: f64,
        weight: f64,
        shifts: Vec<(AdjustmentKind, f64)>,
    }
    let carried: Vec<Carried> = same
        .iter()
        .map(|precedent| {
            let their_features = precedent.features.for_charge(&charge);
            let mut log_months = (precedent.months() + 1.0).ln();
            let mut shifts = Vec::new();
            for (kind, name, factor) in &circumstance_kinds {
                let difference = i32::from(features.circumstances.contains(name))
                    - i32::from(precedent.features.circumstances.contains(name));
                if difference != 0 {
                    let shift = f64::from(difference) * factor.ln();
                    log_months += shift;
                    shifts.push((*kind, shift));
                }
            }
            // Similar texts first; the third power keeps the nearest cases ahead.
            let mut weight = (f64::from(precedent.score) / top_score)
                .clamp(0.0, 1.0)
                .powi(3);
            if quantity_on
                && let (Some(mine), Some(theirs)) = (features.quantity, their_features.quantity)
                && mine.same_kind(theirs)
            {
                let ((mine, elasticity), (theirs, _)) = (mine.log_value(), theirs.log_value());
                let distance = mine - theirs;
                // A quantity far from the precedent's says more about which precedents fit (the
                // kernel below) than about how far to move one: the carry-over stops at double
                // or half, and the statutory range does the rest.
                let shift = (elasticity * distance).clamp(-MAX_QUANTITY_SHIFT, MAX_QUANTITY_SHIFT);
                log_months += shift;
                shifts.push((AdjustmentKind::Quantity, shift));
                weight *= (-(distance / 1.5).powi(2)).exp();
            }
            if quantity_on && let Some(range) = &range {
                let theirs = statutory_range(&charge, &their_features);
                if range.bracket > 0 && theirs.is_none_or(|r| r.bracket != range.bracket) {
                    weight *= 0.3;
                }
            }
            Carried {
                precedent,
                quantity: their_features.quantity,
                log_months,
                weight: weight.max(1e-6),
                shifts,
            }
        })
        .collect();
    let total: f64 = carried.iter().map(|c| c.weight).sum();
    let points: Vec<(f64, f64)> = carried.iter().map(|c| (c.log_months, c.weight)).collect();
    let unadjusted: Vec<(f64, f64)> = carried
        .iter()
        .map(|c| ((c.precedent.months() + 1.0).ln(), c.weight))
        .collect();
    let from_log = |value: f64| value.exp() - 1.0;
    let mut median = from_log(weighted_quantile(&points, 0.5));
    let mut band = [
        from_log(weighted_quantile(&points, BAND.0)),
        from_log(weighted_quantile(&points, BAND.1)),
    ];
    let mut interquartile = [
        from_log(weighted_quantile(&points, 0.25)),
        from_log(weighted_quantile(&points, 0.75)),
    ];
    // No term is shorter than a month (拘役 一个月以上, 刑法第四十二条).
    {
        median = median.max(1.0);
        band = [band[0].max(1.0), band[1].max(1.0)];
        interquartile = [interquartile[0].max(1.0), interquartile[1].max(1.0)];
    }
    let mut adjustments: Vec<Adjustment> = Vec::new();
    // Each adjustment's effect: the median with its shifts removed, against the median.
    let mut kinds: Vec<AdjustmentKind> = carried
        .iter()
        .flat_map(|c| c.shifts.iter().map(|(kind, _)| *kind))
        .collect();
    kinds.sort();
    kinds.dedup();
    for kind in kinds {
        let without: Vec<(f64, f64)> = carried
            .iter()
            .map(|c| {
                let shift: f64 = c
                    .shifts
                    .iter()
                    .filter(|(k, _)| *k == kind)
                    .map(|(_, s)| s)
                    .sum();
                (c.log_months - shift, c.weight)
            })
            .collect();
        let before = from_log(weighted_quantile(&without, 0.5));
        let effect = (median + 1.0) / (before + 1.0) - 1.0;
        let reason = match kind {
            AdjustmentKind::Quantity => format!(
                "按{}与各类案的数额或数量之比折算刑期，并优先参照数额或数量相近的类案",
                query
                    .features
                    .quantity
                    .map(KeyQuantity::describe)
                    .unwrap_or_default()
            ),
            other => {
                let (name, factor) = other.circumstance().unwrap_or(("", 1.0));
                let percent = ((1.0 - factor).abs() * 100.0).round();
                // Lighter circumstances lower the sentences of precedents without them; a
                // precedent with one the query lacks has that reduction undone (the reverse for
                // heavier ones, 累犯).
                let lowered = match factor < 1.0 {
                    true => "下调",
                    false => "上调",
                };
                match features.circumstances.contains(name) {
                    true => format!(
                        "本案有{}情节：没有该情节的类案，刑期按{percent}%{lowered}后参照",
                        other.label()
                    ),
                    false => format!(
                        "本案未见{}情节：有该情节的类案，刑期先还原该情节的{percent}%{lowered}再参照",
                        other.label()
                    ),
                }
            }
        };
        if effect.abs() >= 0.005 {
            adjustments.push(Adjustment {
                kind,
                name: kind.label().to_string(),
                effect: round3(effect),
                reason,
            });
        }
    }
    if options.enabled(AdjustmentKind::StatutoryRange)
        && let Some(range) = &range
        && !MITIGATING_BELOW_RANGE
            .iter()
            .any(|name| features.circumstances.contains(name))
    {
        let before = median;
        let clamp = |value: f64| {
            let value = range
                .from_months
                .map_or(value, |from| value.max(f64::from(from)));
            range.to_months.map_or(value, |to| value.min(f64::from(to)))
        };
        median = clamp(median);
        band = [clamp(band[0]), clamp(band[1])];
        interquartile = [clamp(interquartile[0]), clamp(interquartile[1])];
        if (median - before).abs() > 1e-9 {
            adjustments.push(Adjustment {
                kind: AdjustmentKind::StatutoryRange,
                name: AdjustmentKind::StatutoryRange.label().into(),
                effect: round3((median + 1.0) / (before + 1.0) - 1.0),
                reason: format!(
                    "类案刑期超出本案所在的法定刑幅度（{}），按该幅度取值",
                    range.basis
                ),
            });
        }
    }
    let recommendation = prosecution_recommendation(query.text);
    if options.enabled(AdjustmentKind::Recommendation)
        && let Some(recommended) = &recommendation
    {
        let before = median;
        match (recommended.from_months, recommended.to_months) {
            (Some(from), Some(to)) => {
                let (from, to) = (f64::from(from), f64::from(to));
                // Courts mostly sentence in the lower part of a recommended range.
                median = from_log(0.75 * (from + 1.0).ln() + 0.25 * (to + 1.0).ln());
                band = [from, to];
                interquartile = [from, to];
            }
            (None, Some(to)) => {
                let to = f64::from(to);
                median = median.min(to);
                band = [band[0].min(median), band[1].min(to)];
                interquartile = [interquartile[0].min(median), interquartile[1].min(to)];
            }
            (Some(from), None) => {
                let from = f64::from(from);
                median = median.max(from);
                band = [band[0].max(from), band[1].max(median)];
                interquartile = [interquartile[0].max(from), interquartile[1].max(median)];
            }
            (None, None) => {}
        }
        if (median - before).abs() > 1e-9 {
            adjustments.push(Adjustment {
                kind: AdjustmentKind::Recommendation,
                name: AdjustmentKind::Recommendation.label().into(),
                effect: round3((median + 1.0) / (before + 1.0) - 1.0),
                reason: format!(
                    "事实中载有公诉机关的量刑建议（{}），参照其幅度",
                    recommended.text
                ),
            });
        }
    }
    // Folded from +0.0: an empty f64 sum is −0.0, which prints as "-0%".
    let probation: f64 = carried
        .iter()
        .filter(|c| c.precedent.sentence.probation_months.is_some())
        .fold(0.0, |sum, c| sum + c.weight)
        / total;
    let fines: Vec<(f64, f64)> = carried
        .iter()
        .filter_map(|c| c.precedent.sentence.fine_yuan.map(|f| (f as f64, c.weight)))
        .collect();
    let fine_band = (!fines.is_empty()).then(|| {
        [
            weighted_quantile(&fines, 0.25).round() as u64,
            weighted_quantile(&fines, 0.75).round() as u64,
        ]
    });
    let mut relied: Vec<ReliedCase> = carried
        .iter()
        .map(|c| ReliedCase {
            id: c.precedent.id.clone(),
            case_number: c.precedent.case_number.clone(),
            court: c.precedent.court.clone(),
            year: c.precedent.year,
            months: term_of(&c.precedent.sentence).unwrap_or(0),
            penalty: c.precedent.sentence.penalty,
            probation: c.precedent.sentence.probation_months.is_some(),
            fine_yuan: c.precedent.sentence.fine_yuan,
            adjusted_months: round1(from_log(c.log_months)),
            weight: round3(c.weight / total),
            quantity: c.quantity.map(KeyQuantity::describe),
        })
        .collect();
    relied.sort_by(|a, b| b.weight.total_cmp(&a.weight));
    let shown: Vec<ReliedCase> = relied.iter().take(CASES_SHOWN).cloned().collect();
    let raw_median = from_log(weighted_quantile(&unadjusted, 0.5));
    let effective_cases = total * total / carried.iter().map(|c| c.weight * c.weight).sum::<f64>();
    let summary = format!(
        "参照{}份{}类案（按相似程度加权，相当于约{}份同等分量的类案），估计刑期约{}（相似类案中间三分之二：{}）；类案未经调整的中位数为{}，缓刑占{}%",
        same.len(),
        charge,
        effective_cases.round().max(1.0),
        describe_months(median),
        describe_band(band[0], band[1]),
        describe_months(raw_median),
        (probation * 100.0).round()
    );
    SentencingEstimate {
        status: EstimateStatus::Estimated,
        charge: Some(charge),
        months: Some(round1(median)),
        band: Some([round1(band[0]), round1(band[1])]),
        interquartile: Some([round1(interquartile[0]), round1(interquartile[1])]),
        probation_share: Some(round3(probation)),
        fine_band,
        statutory_range: range,
        recommendation,
        quantity: features.quantity.map(KeyQuantity::describe),
        adjustments,
        cases: shown,
        weighed: relied,
        precedents: same.len(),
        effective_cases: Some(round1(effective_cases)),
        summary,
    }
}

/// The value below which `q` of the weight lies (the lower of two at an exact split). Written
/// here because it is a few lines and the statistics crates weigh whole distributions.
fn weighted_quantile(points: &[(f64, f64)], q: f64) -> f64 {
    let mut sorted: Vec<(f64, f64)> = points.to_vec();
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = sorted.iter().map(|p| p.1).sum();
    let mut seen = 0.0;
    for (value, weight) in &sorted {
        seen += weight;
        if seen >= total * q - 1e-12 {
            return *value;
        }
    }
    sorted.last().map_or(0.0, |p| p.0)
}

/// Months as a judge writes them: `一年六个月` style in digits (`1年6个月`, `8个月`, `20天`).
pub fn describe_months(months: f64) -> String {
    if months < 1.0 {
        return format!("{}天", (months * 30.0).round().max(1.0));
    }
    let whole = months.round() as u64;
    match (whole / 12, whole % 12) {
        (0, m) => format!("{m}个月"),
        (y, 0) => format!("{y}年"),
        (y, m) => format!("{y}年{m}个月"),
    }
}

/// A band as a judge reads it: `1年至1年6个月`, or `约1年` when both ends read the same.
pub fn describe_band(lower: f64, upper: f64) -> String {
    let (lower, upper) = (describe_months(lower), describe_months(upper));
    match lower == upper {
        true => format!("约{lower}"),
        false => format!("{lower}至{upper}"),
    }
}

fn round1(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn round3(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::analyze_text;

    fn precedent(id: &str, months: u32, score: f32, facts: &str) -> Precedent {
        let judgment = leian_core::Judgment {
            id: id.into(),
            causes: vec!["盗窃罪".into()],
            ..Default::default()
        };
        let sentence = Sentence {
            defendant: None,
            penalty: Penalty::FixedTerm,
            term_months: Some(months),
            probation_months: None,
            fine_yuan: Some(u64::from(months) * 1000),
            fined: true,
            first_charge: None,
        };
        let features = CaseFeatures::read(facts, &analyze_text(facts));
        Precedent::new(&judgment, score, &[sentence], features).unwrap()
    }

    fn query(text: &str) -> EstimateQuery<'_> {
        EstimateQuery {
            text,
            charge: Some("盗窃罪".into()),
            features: CaseFeatures::read(text, &analyze_text(text)),
        }
    }

    #[test]
    fn partial_names_of_selective_charges_resolve() {
        assert_eq!(canonical_charge("贩卖毒品罪"), CRIMINAL_DRUGS);
        assert_eq!(canonical_charge("贩卖、运输毒品罪"), CRIMINAL_DRUGS);
        assert_eq!(canonical_charge("强制猥亵罪"), "强制猥亵、侮辱罪");
        assert_eq!(canonical_charge("盗窃罪"), "盗窃罪");
        assert_eq!(canonical_charge("不存在的罪"), "不存在的罪");
    }

    #[test]
    fn terms_in_words_and_digits() {
        assert_eq!(term_months("一年六个月"), Some(18));
        assert_eq!(term_months("十个月"), Some(10));
        assert_eq!(term_months("3年"), Some(36));
        assert_eq!(term_months("二年零三个月"), Some(27));
        assert_eq!(term_months(""), None);
    }

    #[test]
    fn recommendations_as_ranges_bounds_and_points() {
        // Wordings of the shared corpus's 公诉机关 paragraphs.
        let range =
            |text: &str| prosecution_recommendation(text).map(|r| (r.from_months, r.to_months));
        assert_eq!(
            range("建议对被告人在有期徒刑九个月至一年三个月的幅度内判处刑罚。"),
            Some((Some(9), Some(15)))
        );
        assert_eq!(
            range("建议判处被告人韩某某拘役四个月至五个月。"),
            Some((Some(4), Some(5)))
        );
        assert_eq!(
            range("建议对被告人王天超的量刑幅度为有期徒刑十年至有期徒刑十二年。"),
            Some((Some(120), Some(144)))
        );
        assert_eq!(
            range("建议判处被告人李晓东一年以上二年以下有期徒刑。"),
            Some((Some(12), Some(24)))
        );
        assert_eq!(range("建议对其判处二个月以下拘役。"), Some((None, Some(2))));
        assert_eq!(
            range("建议对被告人判处七年以上有期徒刑。"),
            Some((Some(84), None))
        );
        assert_eq!(
            range("建议判处被告人李印辉有期徒刑三年。"),
            Some((Some(36), Some(36)))
        );
        assert_eq!(range("建议对其从轻处罚。"), None);
        // judge-972dafa6: the defence's plea is no recommendation; the prosecution's after it is.
        let pleaded = "公诉机关认为，被告人数额巨大。其辩护人的辩护意见是：系从犯。综上，建议对被告人减轻处罚，判处一年六个月以下有期徒刑。";
        assert_eq!(range(pleaded), None);
        assert_eq!(
            range(&format!("{pleaded}公诉机关建议判处被告人有期徒刑三年。")),
            Some((Some(36), Some(36)))
        );
        // The first number sharing the second's unit, days, a comma between the bounds.
        assert_eq!(
            range("建议判处被告人周忠飞拘役一至三个月，并处罚金一千元至二千元"),
            Some((Some(1), Some(3)))
        );
        assert_eq!(
            range("建议对其判处拘役二个月十五日以上三个月十五日以下，并处罚金"),
            Some((Some(2), Some(3)))
        );
        assert_eq!(
            range("建议对其判处六个月以上，一年六个月以下有期徒刑，并处罚金"),
            Some((Some(6), Some(18)))
        );
    }

    #[test]
    fn a_total_that_restates_its_parts_counts_once() {
        let grams = |text: &str| match CaseFeatures::from_analysis(&analyze_text(text)).quantity {
            Some(KeyQuantity::Drug { grams }) => (grams * 100.0).round() / 100.0,
            other => panic!("{other:?}"),
        };
        // judge-8e4f94f5: the parts, then their total.
        assert_eq!(
            grams(
                "经称量，红色片剂12颗重1.13克，无色晶体重0.24克，共重1.37克。均检出甲基苯丙胺成分。"
            ),
            1.37
        );
        // The total first; four parts whose rounded sum is 0.01 off it (as judge-56a2d607 weighs):
        // the total stands for them.
        assert_eq!(
            grams(
                "查获毒品4小包，共计净重10.82克（1号白色晶体净重6.85克；2号白色晶体净重2.02克；3号白色晶体净重1.59克；4号白色晶体净重0.35克）。经鉴定，均检出甲基苯丙胺成分。"
            ),
            10.82
        );
        // judge-6f06403b: three sales of 0.1 g and 9.5 g seized, then their total.
        assert_eq!(
            grams(
                "销售给颜某冰毒约0.1克。又销售给颜某冰毒约0.1克。再销售给颜某冰毒约0.1克。缴获白色晶体13份共重9.5克，均检出甲基苯丙胺成分。公诉机关认为，被告人贩卖毒品3次，共计约9.8克。"
            ),
            9.8
        );
        // The court's findings repeat the prosecution's weights.
        assert_eq!(
            grams(
                "公诉机关指控，被告人贩卖甲基苯丙胺0.5克。经审理查明，被告人贩卖甲基苯丙胺0.5克。"
            ),
            0.5
        );
        // judge-16554fc2: the sum first, its parts (0.27 + 0.42 happens to make 0.69), all
        // stated again by the court.
        assert_eq!(
            grams(
                "将3小包冰毒（总计净重1.38克）贩卖。将3小包甲基苯丙胺（分别净重0.27克、0.42克、0.69克，总计净重1.38克）贩卖给他人。3包可疑晶体净重分别为0.27克、0.42克、0.69克。"
            ),
            1.38
        );
        // Sales that add up to no other weight all count.
        assert_eq!(
            grams("贩卖甲基苯丙胺0.5克。次日又贩卖甲基苯丙胺0.3克。"),
            0.8
        );
    }

    #[test]
    fn amounts_choose_the_bracket_and_drugs_are_converted() {
        let features = CaseFeatures::from_analysis(&analyze_text("盗窃现金人民币5万元"));
        assert_eq!(
            statutory_range("盗窃罪", &features).unwrap().from_months,
            Some(36)
        );
        let ketamine = CaseFeatures::from_analysis(&analyze_text("贩卖氯胺酮50克"));
        assert_eq!(ketamine.quantity, Some(KeyQuantity::Drug { grams: 5.0 }));
        assert_eq!(
            statutory_range(CRIMINAL_DRUGS, &ketamine)
                .unwrap()
                .to_months,
            Some(36)
        );
    }

    #[test]
    fn each_victim_of_the_gravest_injury_counts_once() {
        let injury = |text: &str| CaseFeatures::read(text, &analyze_text(text)).quantity;
        // judge-766f226f: three victims, each 轻伤.
        assert_eq!(
            injury(
                "经鉴定，被害人金某因外伤致左肘部皮肤裂创，构成轻伤；被害人刘某某因外伤致左胸部皮肤裂创，构成轻伤；被害人向某某因外伤致左尺骨茎突骨折，构成轻伤。"
            ),
            Some(KeyQuantity::Injury {
                grade: 2,
                victims: 3
            })
        );
        // One victim, her injuries listed one by one and restated (judge-fa7cf3f0); a lesser
        // injury of another victim does not count.
        assert_eq!(
            injury(
                "经鉴定，何某1的伤情为轻伤一级。意见书：被害人何某1左额骨粉碎性凹陷性骨折符合轻伤一级；脑挫裂伤属于轻伤一级。被害人张某的损伤为轻微伤。"
            ),
            Some(KeyQuantity::Injury {
                grade: 2,
                victims: 1
            })
        );
    }

    #[test]
    fn a_defendants_age_and_mind_not_a_victims() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        let minor = |text: &str| read(text).circumstances.contains(MINOR);
        let diminished = |text: &str| read(text).circumstances.contains(DIMINISHED_RESPONSIBILITY);
        // judge-1386cf93, judge-a156af83 (the court adopts the plea in the same paragraph)
        assert!(minor("被告人杨井龙作案时不满十八周岁，应当从轻处罚。"));
        assert!(minor(
            "就量刑情节主要意见：被告人陈某作案时系未成年人，依法可以从轻或减轻处罚。"
        ));
        // A minor victim or another's youth is no mitigation of the defendant's.
        assert!(!minor(
            "被告人陈某在明知应某某系未成年女性的情况下，强行与其发生性关系。"
        ));
        assert!(!minor("被告人多次容留未成年人孙某某吸食毒品。"));
        assert!(!minor("被告人的父母年纪已大，家中还有未成年人需要抚养。"));
        // judge-60206963, judge-1543033a
        assert!(diminished(
            "被告人刘某在实施上述行为时实质性辨认和控制能力比常人削弱，具有限定责任能力。"
        ));
        assert!(diminished(
            "经鉴定，马某祥患精神分裂症，作案时具有限定刑事责任能力。"
        ));
        // The forensic opinion among the evidence, a sane defendant, the defence's plea: none.
        assert!(!diminished("有法医精神病鉴定意见书等证据证实。"));
        assert!(!diminished(
            "经鉴定，被告人代某某无精神病，具有完全刑事责任能力。"
        ));
        assert!(!diminished(
            "辩护人提出被告人系限制刑事责任能力人，请求从轻处罚。"
        ));
        // Both may lower a sentence below the statutory minimum (减轻处罚).
        assert!(MITIGATING_BELOW_RANGE.contains(&MINOR));
        assert!(MITIGATING_BELOW_RANGE.contains(&DIMINISHED_RESPONSIBILITY));
    }

    #[test]
    fn a_crime_prepared_or_given_up_is_no_attempt_and_belongs_to_one_crime() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        // judge-d5f9f651: prepared, and failed (未得逞) only because it was prepared.
        let prepared = read(
            "公诉机关认为，被告人余某的行为已构成强奸罪，系犯罪预备。欲趁被害人熟睡之际伺机强奸，后因被发现而未得逞。",
        );
        assert!(prepared.circumstances.contains("预备"));
        assert!(!prepared.circumstances.contains("未遂"));
        // The defence's 中止 is a plea.
        let pleaded = read("辩护人提出被告人的行为属犯罪中止，请求从轻处罚。");
        assert!(!pleaded.circumstances.contains("中止"));
        // judge-2bd32841: the 中止 is of the 强奸 count; a 抢劫 estimate cannot tell.
        let several = read(
            "被告人一人犯数罪，应数罪并罚。被告人洪锋在实施强奸过程中，自动放弃犯罪，系犯罪中止。",
        );
        assert!(!several.circumstances.contains("中止"));
    }

    #[test]
    fn two_dead_named_one_by_one_are_two_dead() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        // judge-4172df73, abridged
        let crash = read(
            "两车相撞，致被害人袭祥壮当场死亡，被害人许春辉经送医抢救不治死亡。被告人赵建军被认定承担交通事故的主要责任。",
        );
        let range = statutory_range("交通肇事罪", &crash.for_charge("交通肇事罪")).unwrap();
        assert_eq!(range.from_months, Some(36));
        // One victim named twice is one death.
        let once = read(
            "致被害人沈某受伤，后经医院抢救无效死亡。被害人沈某因抢救无效于同年11月12日死亡。郭某应承担事故的全部责任。",
        );
        assert!(!once.circumstances.contains(TWO_OR_MORE_DEAD));
        assert_eq!(
            dead_victims("被害人沈某经抢救无效死亡；被害人沈某因颅脑损伤死亡。"),
            1
        );
    }

    #[test]
    fn a_death_outweighs_the_injuries() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        let fatal = read("被告人持刀将被害人甲捅伤，甲经抢救无效死亡；被害人乙构成轻伤二级。");
        let range = statutory_range("故意伤害罪", &fatal.for_charge("故意伤害罪")).unwrap();
        assert_eq!(range.from_months, Some(120));
        assert_eq!(range.to_months, None);
        // Denied, it is no death: the 轻伤 decides.
        let hurt = read("被告人将被害人打成轻伤二级，未造成人员死亡。");
        assert_eq!(
            statutory_range("故意伤害罪", &hurt.for_charge("故意伤害罪"))
                .unwrap()
                .to_months,
            Some(36)
        );
    }

    #[test]
    fn a_failed_count_beside_a_completed_one_is_no_attempt() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        // judge-c07b6f95
        let two = read(
            "被告人窃得各类品牌的香烟170余包。又欲进入红燕超市实施盗窃，后因卷帘门无法撬开而未能得逞。",
        );
        assert!(!two.circumstances.contains("未遂"));
        let failed = read("被告人欲进入超市实施盗窃，后因卷帘门无法撬开而未能得逞。");
        assert!(failed.circumstances.contains("未遂"));
        // Art. 65 in its own words (judge-7d813093); 累犯 holds the prior record.
        let again = read(
            "另查明：被告人张李平系在刑罚执行完毕后五年内又实施上述事实。有刑事判决书及罪犯档案资料等证据证实。",
        );
        assert!(again.circumstances.contains("累犯"));
        assert!(!again.circumstances.contains("前科"));
        // A prior prison term known only from the evidence (judge-1d5aca03) is 前科.
        let prior = read("有身份证明，抓获经过，刑事判决书及释放证明等证据证实。");
        assert!(prior.circumstances.contains("前科"));
        // The record office's answer among the evidence says nothing by its name.
        let certified = read("且有书证：户籍证明、抓获证明、前科证明、审计问询记录等证据证实。");
        assert!(!certified.circumstances.contains("前科"));
    }

    #[test]
    fn each_charge_weighs_the_quantity_its_sentences_turn_on() {
        let read = |text: &str| CaseFeatures::from_analysis(&analyze_text(text));
        // The compensation paid after a crash is not what the crash is sentenced by.
        let crash = read("致被害人重伤，被告人赔偿被害人经济损失人民币43万元");
        assert_eq!(
            crash.for_charge("交通肇事罪").quantity,
            Some(KeyQuantity::Injury {
                grade: 3,
                victims: 1
            })
        );
        let paid = read("造成一人死亡，被告人已赔偿被害人家属人民币43万元");
        assert_eq!(paid.for_charge("交通肇事罪").quantity, None);
        // A gram of drugs found on a thief leaves the theft's sum deciding.
        let theft = read("盗窃手机一部，价值人民币3600元，另查获甲基苯丙胺0.1克");
        assert!(matches!(theft.quantity, Some(KeyQuantity::Drug { .. })));
        assert_eq!(
            theft.for_charge("盗窃罪").quantity,
            Some(KeyQuantity::Amount { yuan: 3600.0 })
        );
        // A sale's price stands in for a weight the summary does not give.
        let sale = read("以人民币200元的价格贩卖毒品给吸毒人员");
        assert_eq!(
            sale.for_charge("走私、贩卖、运输、制造毒品罪").quantity,
            Some(KeyQuantity::Amount { yuan: 200.0 })
        );
        // A charge not listed keeps the first quantity found.
        assert_eq!(theft.for_charge("窝藏罪").quantity, theft.quantity);
    }

    #[test]
    fn the_bracket_the_text_states_outweighs_the_largest_sum() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        // judge-75f5d603: 22,152.8 yuan in 2010, 数额巨大 in that province then.
        let stated = read("窃得人民币22152.8元。公诉机关认为，被告人窃取公私财物，数额巨大");
        assert_eq!(stated.stated_amount_bracket, Some(2));
        assert_eq!(
            statutory_range("盗窃罪", &stated).unwrap().from_months,
            Some(36)
        );
        let denied = read("窃得人民币22152.8元，辩护人认为未达到数额巨大的标准");
        assert_eq!(denied.stated_amount_bracket, None);
        assert_eq!(
            statutory_range("盗窃罪", &denied).unwrap().to_months,
            Some(36)
        );
        let very = read("骗取人民币60万元，数额特别巨大");
        assert_eq!(
            statutory_range("诈骗罪", &very).unwrap().from_months,
            Some(120)
        );
        // Without an amount or a stated bracket these keep their basic range.
        let plain = read("非法吸收公众存款，扰乱金融秩序");
        assert_eq!(
            statutory_range("非法吸收公众存款罪", &plain)
                .unwrap()
                .bracket,
            0
        );
    }

    #[test]
    fn holding_drugs_and_embezzlement_by_the_law_of_their_time() {
        let read = |text: &str| CaseFeatures::read(text, &analyze_text(text));
        // judge-5c654129: 63.76 g of methamphetamine held, 七年以上.
        let held = read("2017年10月26日查获甲基苯丙胺净重63.76克");
        assert_eq!(
            statutory_range("非法持有毒品罪", &held)
                .unwrap()
                .from_months,
            Some(84)
        );
        let little = read("2017年10月26日查获甲基苯丙胺净重12克");
        assert_eq!(
            statutory_range("非法持有毒品罪", &little)
                .unwrap()
                .from_months,
            None
        );
        // judge-f65bf721: 9.99万 taken in 2016 is 数额较大 under the law before 2021.
        let old = read("2016年10月，被告人侵占集体资金9.99万元");
        let range = statutory_range("职务侵占罪", &old).unwrap();
        assert_eq!((range.from_months, range.to_months), (None, Some(60)));
        let new = read("2022年3月，被告人侵占公司资金9.99万元");
        assert!(
            !statutory_range("职务侵占罪", &new)
                .unwrap()
                .basis
                .contains("2021年3月1日前")
        );
    }

    #[test]
    fn a_merged_precedent_counts_with_its_own_term_for_the_charge() {
        let result = "判决如下： 被告人夏泽鹏犯非法持有毒品罪，判处有期徒刑二年三个月，并处罚金人民币五千元；犯容留他人吸毒罪，判处有期徒刑八个月，并处罚金人民币五千元；决定执行有期徒刑二年十个月，并处罚金人民币一万元。";
        let Some(crate::outcome::Outcome::Criminal { sentences }) =
            crate::outcome::parse_result(result, true)
        else {
            panic!("a criminal outcome");
        };
        let judgment = leian_core::Judgment {
            id: "judge-264dd169".into(),
            causes: vec!["非法持有毒品罪".into(), "容留他人吸毒罪".into()],
            result: Some(result.into()),
            ..Default::default()
        };
        let precedent =
            || Precedent::new(&judgment, 1.0, &sentences, CaseFeatures::default()).unwrap();
        assert_eq!(precedent().months(), 34.0, "the executed term");
        assert_eq!(
            precedent()
                .with_own_term(&judgment, "容留他人吸毒罪")
                .months(),
            8.0
        );
        assert_eq!(
            precedent()
                .with_own_term(&judgment, "非法持有毒品罪")
                .months(),
            27.0
        );
    }

    #[test]
    fn a_driver_who_fled_or_killed_two_is_in_the_heavier_brackets() {
        let range = |text: &str| {
            statutory_range("交通肇事罪", &CaseFeatures::read(text, &analyze_text(text)))
                .map(|r| (r.bracket, r.from_months, r.to_months))
        };
        assert_eq!(
            range("被告人驾车撞倒行人后弃车逃逸，致被害人死亡，负事故全部责任"),
            Some((2, Some(36), Some(84)))
        );
        assert_eq!(
            range("肇事后逃逸，被害人因得不到救助而死亡，系因逃逸致被害人死亡"),
            Some((3, Some(84), Some(180)))
        );
        assert_eq!(
            range("造成二人当场死亡，被告人负事故主要责任"),
            Some((2, Some(36), Some(84)))
        );
        // A flight a party disputes, two deaths without the main responsibility, one death: the
        // article's whole range.
        for text in [
            "辩护人提出，被告人不是逃逸，而是前往报警",
            "造成两人死亡，被告人负事故同等责任",
            "造成一人死亡，被告人负事故全部责任",
        ] {
            assert_eq!(range(text), Some((0, None, Some(84))), "{text}");
        }
    }

    #[test]
    fn aggravated_robbery_and_rape_are_ten_years_and_more() {
        let range = |charge: &str, text: &str| {
            statutory_range(charge, &CaseFeatures::read(text, &analyze_text(text)))
                .map(|r| (r.bracket, r.from_months, r.to_months))
        };
        assert_eq!(
            range("抢劫罪", "被告人持刀入户抢劫，劫得现金人民币2000元"),
            Some((2, Some(120), None))
        );
        assert_eq!(
            range("强奸罪", "被告人甲、乙二人轮奸被害人"),
            Some((2, Some(120), None))
        );
        assert_eq!(
            range("寻衅滋事罪", "被告人纠集他人多次在村内随意殴打他人"),
            Some((2, Some(60), Some(120)))
        );
        // Denied, or no aggravation named: the basic range.
        assert_eq!(
            range("抢劫罪", "辩护人提出，被告人的行为不构成入户抢劫"),
            Some((0, Some(36), Some(120)))
        );
        assert_eq!(
            range("强奸罪", "被告人以暴力手段强行与被害人发生性关系"),
            Some((0, Some(36), Some(120)))
        );
    }

    #[test]
    fn three_sales_of_drugs_are_the_serious_bracket() {
        // 最高人民法院《关于审理毒品犯罪案件适用法律若干问题的解释》第四条: 多次贩卖 is 情节严重.
        let once = CaseFeatures::from_analysis(&analyze_text(
            "被告人以200元的价格将0.5克甲基苯丙胺贩卖给吸毒人员王某。",
        ));
        assert_eq!(
            statutory_range(CRIMINAL_DRUGS, &once).map(|r| (r.from_months, r.to_months)),
            Some((None, Some(36)))
        );
        let three = CaseFeatures::from_analysis(&analyze_text(
            "1、被告人以200元的价格将0.2克甲基苯丙胺贩卖给王某。2、被告人以100元的价格将0.1克\
             甲基苯丙胺贩卖给王某。3、被告人以300元的价格将0.3克甲基苯丙胺卖给李某。",
        ));
        assert_eq!(
            statutory_range(CRIMINAL_DRUGS, &three).map(|r| (r.from_months, r.to_months)),
            Some((Some(36), Some(84)))
        );
        let stated = CaseFeatures::from_analysis(&analyze_text("被告人先后5次向他人贩卖毒品。"));
        assert_eq!(
            statutory_range(CRIMINAL_DRUGS, &stated).map(|r| r.bracket),
            Some(2)
        );
    }

    #[test]
    fn the_estimate_follows_the_amount_and_names_its_cases() {
        let precedents = vec![
            precedent("a", 6, 10.0, "盗窃现金人民币3000元"),
            precedent("b", 8, 9.0, "盗窃现金人民币5000元"),
            precedent("c", 7, 9.5, "盗窃现金人民币4000元"),
            precedent("d", 48, 5.0, "盗窃现金人民币80000元"),
        ];
        let small = estimate(
            &query("被告人盗窃现金人民币4000元"),
            &precedents,
            &Default::default(),
        );
        assert_eq!(small.status, EstimateStatus::Estimated);
        let months = small.months.unwrap();
        assert!((5.0..=9.0).contains(&months), "{small:?}");
        assert_eq!(small.cases.len(), 4);
        assert!(small.cases[0].weight >= small.cases[3].weight);
        // None suspended: a share of +0, which prints as "0%", not "-0%".
        let share = small.probation_share.unwrap();
        assert!(share == 0.0 && share.is_sign_positive(), "{share}");
        let large = estimate(
            &query("被告人盗窃现金人民币90000元"),
            &precedents,
            &Default::default(),
        );
        assert!(large.months.unwrap() >= 36.0, "{large:?}");
        assert!(
            large
                .adjustments
                .iter()
                .any(|a| a.kind == AdjustmentKind::Quantity && a.effect > 0.0)
        );
    }

    #[test]
    fn circumstances_move_the_estimate_and_can_be_switched_off() {
        let precedents = vec![
            precedent("a", 12, 10.0, "盗窃现金人民币5000元"),
            precedent("b", 12, 9.0, "盗窃现金人民币5000元"),
            precedent("c", 12, 8.0, "盗窃现金人民币5000元"),
        ];
        let text = "被告人盗窃现金人民币5000元，后主动投案，如实供述自己的罪行。";
        let with = estimate(&query(text), &precedents, &Default::default());
        assert!(with.months.unwrap() < 12.0, "{with:?}");
        assert!(
            with.adjustments
                .iter()
                .any(|a| a.name == "自首" && a.effect < 0.0)
        );
        let options = EstimateOptions {
            disabled: [AdjustmentKind::Surrender].into_iter().collect(),
        };
        let without = estimate(&query(text), &precedents, &options);
        assert!(without.months.unwrap() > with.months.unwrap());
        assert!(!without.adjustments.iter().any(|a| a.name == "自首"));
    }

    #[test]
    fn too_few_or_no_charge_abstains_with_a_reason() {
        let precedents = vec![precedent("a", 6, 1.0, "盗窃现金人民币3000元")];
        let few = estimate(
            &query("被告人盗窃现金3000元"),
            &precedents,
            &Default::default(),
        );
        assert_eq!(few.status, EstimateStatus::Abstained);
        assert!(few.summary.contains("只有1份"), "{}", few.summary);
        assert!(few.months.is_none() && few.cases.is_empty());
        // The law's range and the prosecution's recommendation are still given.
        let recommended = estimate(
            &query("被告人盗窃现金3000元。公诉机关建议判处被告人有期徒刑八个月至一年"),
            &precedents,
            &Default::default(),
        );
        assert_eq!(recommended.status, EstimateStatus::Abstained);
        assert_eq!(
            recommended
                .statutory_range
                .as_ref()
                .map(|r| (r.from_months, r.to_months)),
            Some((None, Some(36)))
        );
        assert_eq!(
            recommended
                .recommendation
                .as_ref()
                .map(|r| (r.from_months, r.to_months)),
            Some((Some(8), Some(12)))
        );
        let civil = EstimateQuery {
            text: "原告诉称被告借款未还",
            charge: None,
            features: CaseFeatures::default(),
        };
        let none = estimate(&civil, &precedents, &Default::default());
        assert_eq!(none.status, EstimateStatus::Abstained);
        assert!(none.summary.contains("罪名"));
    }

    #[test]
    fn a_recommended_range_bounds_the_estimate() {
        let precedents = vec![
            precedent("a", 24, 10.0, "盗窃现金人民币5000元"),
            precedent("b", 24, 9.0, "盗窃现金人民币5000元"),
            precedent("c", 24, 8.0, "盗窃现金人民币5000元"),
        ];
        let text = "被告人盗窃现金人民币5000元。公诉机关建议判处有期徒刑六个月至十个月。";
        let estimate = estimate(&query(text), &precedents, &Default::default());
        let months = estimate.months.unwrap();
        assert!((6.0..=10.0).contains(&months), "{estimate:?}");
        assert_eq!(estimate.band, Some([6.0, 10.0]));
        assert!(estimate.recommendation.is_some());
    }

    #[test]
    fn a_band_whose_ends_read_alike_is_one_term() {
        assert_eq!(describe_band(12.0, 18.0), "1年至1年6个月");
        assert_eq!(describe_band(11.8, 12.2), "约1年");
    }

    #[test]
    fn months_read_as_a_judge_writes_them() {
        assert_eq!(describe_months(18.0), "1年6个月");
        assert_eq!(describe_months(8.2), "8个月");
        assert_eq!(describe_months(36.0), "3年");
        assert_eq!(describe_months(0.5), "15天");
    }
}
