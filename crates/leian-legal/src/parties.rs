//! Parties of a filing: who sues whom, read from the text when the filing does not say, and a
//! matching key per party so that the same repeat litigant (an insurer, a bank, a property
//! company, an employer) is recognised under its full name, its short name or one of its branches.
//!
//! ```
//! use leian_legal::parties::{extract_parties, normalize_party};
//!
//! let parties = extract_parties("原告平安财险安徽分公司向本院提出诉讼请求：判令被告阮x4、杨x5赔偿理赔款。");
//! assert_eq!(parties.plaintiffs, ["平安财险安徽分公司"]);
//! assert_eq!(parties.defendants, ["阮x4", "杨x5"]);
//! let full = normalize_party("中国平安财产保险股份有限公司安徽分公司");
//! assert_eq!(full.key, normalize_party("平安财险安徽分公司").key);
//! assert_eq!(full.branch.as_deref(), Some("安徽分公司"));
//! ```

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// The two sides of a filing, names as written.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parties {
    #[serde(default)]
    pub plaintiffs: Vec<String>,
    #[serde(default)]
    pub defendants: Vec<String>,
}

impl Parties {
    pub fn is_empty(&self) -> bool {
        self.plaintiffs.is_empty() && self.defendants.is_empty()
    }
}

/// A party's name reduced to what identifies the litigant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NormalizedParty {
    /// The name as written.
    pub name: String,
    /// The matching key: the parent organisation without region prefix and company form, short
    /// names mapped to one spelling (`中国平安财产保险股份有限公司` and `平安财险` → `平安财险`);
    /// a person's name unchanged.
    pub key: String,
    /// The branch (`安徽分公司`, `朝阳支行`, `营业部`) when the name is one; matched by its parent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    pub organisation: bool,
}

/// Role words, longest first where one contains another (`被上诉人` before `上诉人`).
static ROLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        "(再审申请人|被上诉人|上诉人|被申请人|申请执行人|被执行人|申请人|原审原告|原审被告|被告人|原告|被告)",
    )
    .expect("role pattern")
});

/// An organisation: the shortest run of name characters ending in an organisation word.
static ORGANISATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^[\\p{{Han}}A-Za-z0-9（）()·]{{1,40}}?(?:{})",
        ORGANISATION_WORDS
    ))
    .expect("organisation pattern")
});

/// A further part of the same organisation's name (`股份有限公司`, `安徽省分行`, `营业部`).
static ORGANISATION_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        "^[\\p{{Han}}A-Za-z0-9]{{0,12}}?(?:{})",
        ORGANISATION_WORDS
    ))
    .expect("organisation tail pattern")
});

const ORGANISATION_WORDS: &str = "股份有限公司|有限责任公司|有限公司|分公司|公司|信用卡中心|支行|分行|银行|营业部|分理处|营业所|信用社|合作社|事务所|中心|医院|学校|大学|委员会|协会|集团|工厂|厂|商店|店|管理局|局";

/// A person: a surname, then an anonymised mark (`x1`, `0`, `某某`) or one or two characters.
static PERSON: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new("^\\p{Han}(?:[xX×]\\d+|\\d+|某+|\\p{Han}{1,2})").expect("person pattern")
});

/// Common surnames (and two-character ones): a person's name starts with one.
const SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝";

/// Characters a name does not end with: the verb or particle that follows it in a sentence.
const AFTER_NAME: &str =
    "与和及向诉称于在因系对将的均已未为是并自就等共请提签借欠辩认应不也还又即仍经以所";

/// Words after a role word that start with a surname but are no name (`原告陈述`, `被告于本院`).
const NOT_NAMES: [&str; 22] = [
    "陈述", "陈列", "于本", "于法", "向本", "向法", "向其", "向被", "向原", "向该", "和解", "于庭",
    "方面", "于同", "于次", "向银", "应当", "应该", "任何", "单位", "全部", "解除",
];

/// Words after a role word that begin a clause, not an organisation's name, although the clause
/// runs on to one (`原告当日通过银行转账`, `被告随后向保险公司报案`).
const NOT_ORGANISATION_STARTS: [&str; 10] = [
    "当日", "当天", "次日", "同日", "随后", "之后", "多次", "已经", "遂", "即",
];

/// Province-level names, long forms before short ones.
const PROVINCES: [&str; 34] = [
    "北京",
    "天津",
    "上海",
    "重庆",
    "河北",
    "山西",
    "辽宁",
    "吉林",
    "黑龙江",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "海南",
    "四川",
    "贵州",
    "云南",
    "陕西",
    "甘肃",
    "青海",
    "台湾",
    "内蒙古",
    "广西",
    "西藏",
    "宁夏",
    "新疆",
    "香港",
    "澳门",
];

/// Full and short names of the most frequent repeat litigants, mapped to one spelling.
const ALIASES: [(&str, &str); 24] = [
    ("中国工商银行", "工商银行"),
    ("工行", "工商银行"),
    ("中国农业银行", "农业银行"),
    ("农行", "农业银行"),
    ("中国建设银行", "建设银行"),
    ("建行", "建设银行"),
    ("中行", "中国银行"),
    ("中国邮政储蓄银行", "邮储银行"),
    ("邮政储蓄银行", "邮储银行"),
    ("上海浦东发展银行", "浦发银行"),
    ("中国光大银行", "光大银行"),
    ("中国民生银行", "民生银行"),
    ("中信银行", "中信银行"),
    ("交通银行", "交通银行"),
    ("中国平安财产保险", "平安财险"),
    ("平安财产保险", "平安财险"),
    ("中国人民财产保险", "人保财险"),
    ("人民财产保险", "人保财险"),
    ("中国太平洋财产保险", "太平洋财险"),
    ("太平洋财产保险", "太平洋财险"),
    ("中国大地财产保险", "大地财险"),
    ("大地财产保险", "大地财险"),
    ("中国平安人寿保险", "平安人寿"),
    ("平安人寿保险", "平安人寿"),
];

/// Branch words: the unit of an organisation that files in its own name.
const BRANCH_WORDS: [&str; 12] = [
    "中心支公司",
    "支公司",
    "分公司",
    "信用卡中心",
    "支行",
    "分行",
    "营业部",
    "分理处",
    "营业所",
    "办事处",
    "分店",
    "分部",
];

/// Company forms stripped for matching, longest first.
const COMPANY_FORMS: [&str; 7] = [
    "集团股份有限公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "股份公司",
    "公司",
];

/// Reads the plaintiffs and defendants a text names after their role words (原告, 被告, 上诉人,
/// 被上诉人, 申请人, 被申请人 …), each once, in order of first mention.
pub fn extract_parties(text: &str) -> Parties {
    let mut parties = Parties::default();
    for found in ROLE.find_iter(text) {
        let before = text[..found.start()].chars().next_back();
        // `原、被告`, `原被告`: both sides at once, no name follows.
        if matches!(before, Some('、' | '原')) {
            continue;
        }
        let plaintiff = matches!(
            found.as_str(),
            "原告" | "上诉人" | "申请人" | "再审申请人" | "申请执行人" | "原审原告"
        );
        let mut rest = skip_label(&text[found.end()..]);
        // `被告人` only as the role (criminal); `原告人` is not a role word.
        while let Some((name, len)) = party_name(rest) {
            let side = if plaintiff {
                &mut parties.plaintiffs
            } else {
                &mut parties.defendants
            };
            if !side.contains(&name) {
                side.push(name);
            }
            rest = &rest[len..];
            // `被告阮x4、杨x5`: more names on the same side.
            match rest.chars().next() {
                Some(c @ ('、' | '及' | '和')) => rest = &rest[c.len_utf8()..],
                _ => break,
            }
        }
    }
    parties
}

/// Skips what stands between a role word and the name: `：`, `（原审被告）`, spaces.
fn skip_label(mut rest: &str) -> &str {
    loop {
        let trimmed = rest.trim_start_matches([':', '：', ' ', '\u{3000}']);
        if let Some(inner) = trimmed
            .strip_prefix('（')
            .or_else(|| trimmed.strip_prefix('('))
            && let Some(close) = inner.find(['）', ')'])
            && close <= 24
        {
            rest = &inner[close + inner[close..].chars().next().map_or(1, char::len_utf8)..];
            continue;
        }
        return trimmed;
    }
}

/// The party name at the start of `rest` and its length in bytes.
fn party_name(rest: &str) -> Option<(String, usize)> {
    if let Some(found) = ORGANISATION.find(rest) {
        let mut end = found.end();
        while let Some(tail) = ORGANISATION_TAIL.find(&rest[end..]) {
            if tail.as_str().contains(|c| AFTER_NAME.contains(c)) {
                break;
            }
            end += tail.end();
        }
        let name = &rest[..end];
        let clean = !["原告", "被告", "本院", "通过"]
            .iter()
            .any(|w| name.contains(w))
            && !NOT_ORGANISATION_STARTS.iter().any(|w| name.starts_with(w))
            && !name.contains(|c| AFTER_NAME.contains(c))
            && name.chars().count() >= 4;
        if clean {
            return Some((name.to_string(), end));
        }
    }
    let first = rest.chars().next()?;
    if !SURNAMES.contains(first) {
        return None;
    }
    // `被告向光大银行申请贷款`, `被告向农信社借款`: 向/于/和 after a role word are prepositions
    // far more often than surnames; only an anonymised name (`向x3`, `于某`) is taken.
    static ANONYMISED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new("^\\p{Han}(?:[xX×]\\d|\\d|某)").expect("anonymised"));
    if "向于和".contains(first) && !ANONYMISED.is_match(rest) {
        return None;
    }
    let found = PERSON.find(rest)?;
    let mut name = found.as_str();
    // `王五向原告借款`: the verb after a two-character name is not part of it.
    while name.chars().count() > 2 {
        let last = name.chars().next_back()?;
        if !AFTER_NAME.contains(last) && !"某".contains(last) {
            break;
        }
        if last == '某' {
            break;
        }
        name = &name[..name.len() - last.len_utf8()];
    }
    let second = name.chars().nth(1)?;
    if AFTER_NAME.contains(second) || NOT_NAMES.iter().any(|w| name.starts_with(w)) {
        return None;
    }
    // Where the name ends must be plain: a delimiter or the verb that follows a party. Else
    // the "name" is the start of a phrase (`原告单位规定`, `被告解除劳动合同`, `原告应当承担`),
    // or a date (`于2014年`), or a place (`向湘阴县`).
    let next = rest[name.len()..].chars().next();
    let anonymised = name.contains(|c: char| c.is_ascii_digit() || c == '某');
    let plain_end = next.is_none_or(|c| {
        "，,、：:（(。；;） \n".contains(c) || (AFTER_NAME.contains(c) && !"的所以".contains(c))
    });
    let digits = name.chars().filter(char::is_ascii_digit).count();
    // An anonymised name ends where its mark does (`张x1原系`), but not inside a number.
    let date_or_sum = next.is_some_and(|c| c.is_ascii_digit() || "年月日元万号".contains(c));
    if (!anonymised && !plain_end) || digits > 3 || (anonymised && date_or_sum) {
        return None;
    }
    if !anonymised && name.chars().count() < 2 {
        return None;
    }
    Some((name.to_string(), name.len()))
}

/// The matching key of a party's name: see [`NormalizedParty`].
pub fn normalize_party(name: &str) -> NormalizedParty {
    let name = name.trim();
    let organisation = is_organisation(name);
    if !organisation {
        return NormalizedParty {
            name: name.to_string(),
            key: name.to_string(),
            branch: None,
            organisation,
        };
    }
    let without_brackets: String = {
        // `（中国）`, `(特殊普通合伙)`: not part of the matching key.
        static BRACKETS: LazyLock<Regex> =
            LazyLock::new(|| Regex::new("[（(][^）)]{0,12}[）)]").expect("brackets"));
        BRACKETS.replace_all(name, "").into_owned()
    };
    let (parent, branch) = split_branch(&without_brackets);
    NormalizedParty {
        name: name.to_string(),
        key: parent_key(parent),
        branch: branch.map(str::to_string),
        organisation,
    }
}

fn is_organisation(name: &str) -> bool {
    ORGANISATION_WORDS
        .split('|')
        .chain(BRANCH_WORDS)
        .any(|word| name.ends_with(word))
        || ["财险", "人寿", "保险", "银行"]
            .iter()
            .any(|w| name.contains(w))
}

/// Splits `中国农业银行股份有限公司安徽省分行营业部` into the parent and `安徽省分行营业部`.
fn split_branch(name: &str) -> (&str, Option<&str>) {
    let Some(branch_at) = BRANCH_WORDS.iter().filter_map(|w| name.find(w)).min() else {
        return (name, None);
    };
    let head = &name[..branch_at];
    // The parent ends at its last company or bank word before the branch word (or a short
    // name, `农行`) …
    let company_end = ["公司", "银行", "财险", "人寿", "保险", "集团", "信用社"]
        .iter()
        .filter_map(|w| head.rfind(w).map(|at| at + w.len()))
        .chain(
            ALIASES
                .iter()
                .filter(|(alias, _)| head.starts_with(alias))
                .map(|(alias, _)| alias.len()),
        )
        .max();
    // … or where a region name starts the branch (`XX物业安徽分公司`).
    let region_start = PROVINCES
        .iter()
        .filter_map(|p| head.rfind(p))
        .filter(|&at| at > 0)
        .max();
    // `XX物业营业部`: no way to tell where the parent ends; the branch word alone.
    let split = company_end.or(region_start).unwrap_or(branch_at);
    if split == 0 {
        return (name, None);
    }
    (&name[..split], Some(&name[split..]))
}

/// The key of a parent organisation: alias, then company form, then region prefix removed.
fn parent_key(parent: &str) -> String {
    let mut key = parent.to_string();
    for form in COMPANY_FORMS {
        if let Some(stripped) = key.strip_suffix(form)
            && stripped.chars().count() >= 2
        {
            key = stripped.to_string();
            break;
        }
    }
    for (alias, canonical) in ALIASES {
        if let Some(rest) = key.strip_prefix(alias) {
            key = format!("{canonical}{rest}");
            break;
        }
    }
    // `XX财产保险` → `XX财险`, `XX人寿保险` → `XX人寿`: the short forms litigants use.
    if let Some(stem) = key.strip_suffix("财产保险") {
        key = format!("{stem}财险");
    } else if let Some(stem) = key.strip_suffix("人寿保险") {
        key = format!("{stem}人寿");
    }
    strip_region(&key).to_string()
}

/// `江门市新会区杰12皮具` → `杰12皮具`; `安徽华冠物业` → `华冠物业`; keeps at least two characters.
fn strip_region(key: &str) -> &str {
    static REGION: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new("^(?:\\p{Han}{2,3}(?:省|自治区))?(?:\\p{Han}{1,4}?(?:市|自治州|地区|盟))?(?:\\p{Han}{1,3}?(?:区|县|旗))?")
            .expect("region pattern")
    });
    let mut rest = key;
    if let Some(found) = REGION.find(rest)
        && rest[found.end()..].chars().count() >= 2
    {
        rest = &rest[found.end()..];
    }
    for province in PROVINCES {
        if let Some(stripped) = rest.strip_prefix(province)
            && stripped.chars().count() >= 2
        {
            return stripped;
        }
    }
    rest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insurer_and_two_borrowers() {
        let text = "原告平安财险安徽分公司向本院提出诉讼请求:1.判令阮x4、杨x5赔偿平安财险安徽分公司理赔金额69588.09元。\
                    事实与理由:2013年12月3日,被告阮x4要求原告为其在中国农业银行股份有限公司安徽省分行营业部的94000元贷款提供保证保险。";
        let parties = extract_parties(text);
        assert_eq!(parties.plaintiffs, ["平安财险安徽分公司"]);
        assert_eq!(parties.defendants, ["阮x4"]);
    }

    #[test]
    fn defendant_before_plaintiff_and_both_sides() {
        let parties = extract_parties(
            "2015年12月3日被告杨x4与原告人保财险营业部签订了个人信用贷款保证保险合同，原、被告均确认。",
        );
        assert_eq!(parties.plaintiffs, ["人保财险营业部"]);
        assert_eq!(parties.defendants, ["杨x4"]);
        let parties = extract_parties("原告曹0与被告张x1原系夫妻关系");
        assert_eq!(parties.plaintiffs, ["曹0"]);
        assert_eq!(parties.defendants, ["张x1"]);
    }

    #[test]
    fn header_with_labels_and_appeal_roles() {
        let text = "上诉人（原审被告）：北京华安物业管理有限公司，住所地北京市朝阳区。\
                    被上诉人（原审原告）：王小明，男，1980年出生。\
                    上诉人不服一审判决，被上诉人辩称……";
        let parties = extract_parties(text);
        assert_eq!(parties.plaintiffs, ["北京华安物业管理有限公司"]);
        assert_eq!(parties.defendants, ["王小明"]);
        let text = "申请人张某某与被申请人上海某某科技有限公司劳动争议一案";
        let parties = extract_parties(text);
        assert_eq!(parties.plaintiffs, ["张某某"]);
        assert_eq!(parties.defendants, ["上海某某科技有限公司"]);
    }

    #[test]
    fn a_clause_ending_in_an_organisation_is_no_party() {
        let parties = extract_parties("原告当日通过银行转账交付借款，被告随后向保险公司报案。");
        assert!(parties.plaintiffs.is_empty(), "{parties:?}");
        assert!(parties.defendants.is_empty(), "{parties:?}");
    }

    #[test]
    fn names_stop_before_verbs() {
        let parties = extract_parties(
            "原告向湘阴县人民法院起诉，原告陈述被告王五向原告借款5万元，被告辩称已经归还。",
        );
        assert_eq!(parties.defendants, ["王五"]);
        assert!(parties.plaintiffs.is_empty());
        let parties = extract_parties(
            "原告招商银行股份有限公司信用卡中心诉称，被告刘x2申领信用卡后透支未还。",
        );
        assert_eq!(parties.plaintiffs, ["招商银行股份有限公司信用卡中心"]);
        assert_eq!(parties.defendants, ["刘x2"]);
    }

    #[test]
    fn full_and_short_names_share_a_key() {
        let key = |name: &str| normalize_party(name).key;
        assert_eq!(key("中国平安财产保险股份有限公司安徽分公司"), "平安财险");
        assert_eq!(key("平安财险安徽分公司"), "平安财险");
        assert_eq!(key("中国人民财产保险股份有限公司北京市分公司"), "人保财险");
        assert_eq!(key("人保财险营业部"), "人保财险");
        assert_eq!(key("阳光财产保险股份有限公司山东中心支公司"), "阳光财险");
        assert_eq!(
            extract_parties("被告向光大银行重庆支行申请贷款").defendants,
            Vec::<String>::new()
        );
        assert_eq!(
            extract_parties("被告向农信社借款，被告于x3未还").defendants,
            ["于x3"]
        );
        let phrases =
            "原告单位规定，被告解除劳动合同，原告应当承担，原告任何时候，被告于2014年借款";
        assert_eq!(extract_parties(phrases), Parties::default());
        assert_eq!(key("中国农业银行股份有限公司安徽省分行营业部"), "农业银行");
        assert_eq!(key("农行朝阳支行"), "农业银行");
        assert_eq!(key("北京华安物业管理有限公司"), "华安物业管理");
        assert_eq!(key("华安物业管理有限责任公司"), "华安物业管理");
        assert_eq!(
            key("江门市新会区杰12皮具金属制品有限公司"),
            "杰12皮具金属制品"
        );
        assert_eq!(key("张x1"), "张x1");
        let branch = normalize_party("中国农业银行股份有限公司安徽省分行营业部");
        assert_eq!(branch.branch.as_deref(), Some("安徽省分行营业部"));
        assert!(branch.organisation);
        assert!(!normalize_party("王小明").organisation);
    }
}
