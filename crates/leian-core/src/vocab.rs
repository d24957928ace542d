//! Closed vocabularies used for filtering and ranking. Each has a stable lower-case wire name
//! (used in JSONL, index fields and `--filter key=value`) and accepts the usual Chinese terms.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A value given for a vocabulary field that is not one of its terms.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的 {field} 取值“{value}”（可选：{}）", expected.trim_end().replace(' ', "、"))]
pub struct ParseVocabError {
    pub field: &'static str,
    pub value: String,
    pub expected: &'static str,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $field:literal { $($variant:ident => $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every term, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The stable wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl FromStr for $name {
            type Err = ParseVocabError;
            fn from_str(value: &str) -> Result<Self, Self::Err> {
                match value.trim() {
                    $($wire $(| $alias)* => Ok($name::$variant),)+
                    _ => Err(ParseVocabError {
                        field: $field,
                        value: value.to_string(),
                        expected: concat!($($wire, " "),+),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseVocabError;
            fn try_from(value: String) -> Result<Self, Self::Error> { value.parse() }
        }

        impl From<$name> for &'static str {
            fn from(value: $name) -> Self { value.as_str() }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

vocabulary! {
    /// What a document is.
    Kind, "kind" { Judgment => "judgment" | "裁判文书" | "案例", Statute => "statute" | "法条" | "法规" }
}

vocabulary! {
    /// Area of law of a judgment.
    Domain, "domain" {
        Criminal => "criminal" | "刑事",
        Civil => "civil" | "民事",
        Administrative => "administrative" | "行政",
        Enforcement => "enforcement" | "执行",
        Other => "other" | "其他",
    }
}

vocabulary! {
    /// Authority of a precedent, in the order of the SPC guidance (2020) Art. 4 and the 2024 case
    /// library rules: guiding cases must be followed, the rest are references.
    Authority, "authority" {
        Guiding => "guiding" | "指导性案例" | "指导案例",
        Library => "library" | "入库参考案例" | "参考案例",
        Typical => "typical" | "典型案例",
        Ordinary => "ordinary" | "普通",
    }
}

vocabulary! {
    /// Level of the court that decided a case.
    CourtLevel, "court_level" {
        Supreme => "supreme" | "最高人民法院" | "最高院",
        High => "high" | "高级人民法院" | "高院",
        Intermediate => "intermediate" | "中级人民法院" | "中院",
        Basic => "basic" | "基层人民法院" | "基层",
        Special => "special" | "专门人民法院",
    }
}

vocabulary! {
    /// Procedure, from the type characters of the case number (刑初, 民终, 刑再 …).
    Procedure, "procedure" {
        FirstInstance => "first_instance" | "一审" | "初",
        SecondInstance => "second_instance" | "二审" | "终",
        Retrial => "retrial" | "再审" | "再",
        RetrialReview => "retrial_review" | "申请再审审查" | "申",
        DeathPenaltyReview => "death_penalty_review" | "死刑复核" | "复",
        SentenceChange => "sentence_change" | "减刑假释" | "减",
        Enforcement => "enforcement" | "执行" | "执",
        Other => "other" | "其他",
    }
}

vocabulary! {
    /// Validity of a statute article's law (时效性).
    StatuteStatus, "status" {
        InForce => "in_force" | "现行有效" | "有效",
        Amended => "amended" | "已被修改" | "已修改",
        Repealed => "repealed" | "已废止" | "失效" | "已失效",
        Historical => "historical" | "历史版本",
        NotYetInForce => "not_yet_in_force" | "尚未生效",
    }
}

impl Default for Authority {
    /// A judgment is an ordinary precedent unless the corpus says otherwise.
    fn default() -> Self {
        Authority::Ordinary
    }
}

impl StatuteStatus {
    /// Preference when one article arrives from several sources or versions: the text in force
    /// wins over an amended or historical one.
    pub fn preference(self) -> u8 {
        match self {
            StatuteStatus::InForce => 4,
            StatuteStatus::NotYetInForce => 3,
            StatuteStatus::Amended => 2,
            StatuteStatus::Historical => 1,
            StatuteStatus::Repealed => 0,
        }
    }
}

/// Province short names used in case numbers (and stored in the index), with their full names.
/// A closed vocabulary: a filter or court province outside it is an error, not an empty result.
pub const PROVINCES: &[(&str, &str)] = &[
    ("京", "北京市"),
    ("津", "天津市"),
    ("冀", "河北省"),
    ("晋", "山西省"),
    ("蒙", "内蒙古自治区"),
    ("辽", "辽宁省"),
    ("吉", "吉林省"),
    ("黑", "黑龙江省"),
    ("沪", "上海市"),
    ("苏", "江苏省"),
    ("浙", "浙江省"),
    ("皖", "安徽省"),
    ("闽", "福建省"),
    ("赣", "江西省"),
    ("鲁", "山东省"),
    ("豫", "河南省"),
    ("鄂", "湖北省"),
    ("湘", "湖南省"),
    ("粤", "广东省"),
    ("桂", "广西壮族自治区"),
    ("琼", "海南省"),
    ("渝", "重庆市"),
    ("川", "四川省"),
    ("贵", "贵州省"),
    ("黔", "贵州省"),
    ("云", "云南省"),
    ("滇", "云南省"),
    ("藏", "西藏自治区"),
    ("陕", "陕西省"),
    ("甘", "甘肃省"),
    ("青", "青海省"),
    ("宁", "宁夏回族自治区"),
    ("新", "新疆维吾尔自治区"),
    ("兵", "新疆生产建设兵团"),
];

/// The canonical short name of a province (贵 for 黔, 云 for 滇), given a short or full name.
pub fn province_short_name(name: &str) -> Option<&'static str> {
    let canonical = |short: &'static str| match short {
        "黔" => "贵",
        "滇" => "云",
        other => other,
    };
    PROVINCES
        .iter()
        .find(|(short, full)| {
            name == *short || name == *full || name.starts_with(full.trim_end_matches(['省', '市']))
        })
        .map(|(short, _)| canonical(short))
}

/// [`province_short_name`] or an error naming the accepted values.
pub fn parse_province(name: &str) -> Result<&'static str, ParseVocabError> {
    province_short_name(name.trim()).ok_or_else(|| ParseVocabError {
        field: "province",
        value: name.to_string(),
        expected: "京、沪、粤等简称或北京市、上海市等全称",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_and_chinese_aliases_parse() {
        for level in CourtLevel::ALL {
            assert_eq!(level.as_str().parse::<CourtLevel>().unwrap(), *level);
        }
        assert_eq!(
            "现行有效".parse::<StatuteStatus>().unwrap(),
            StatuteStatus::InForce
        );
        assert_eq!("刑事".parse::<Domain>().unwrap(), Domain::Criminal);
        let err = "crimnal".parse::<Domain>().unwrap_err();
        assert!(err.to_string().contains("criminal"), "{err}");
    }

    #[test]
    fn serde_uses_wire_names() {
        let json = serde_json::to_string(&Authority::Guiding).unwrap();
        assert_eq!(json, "\"guiding\"");
        let back: Authority = serde_json::from_str("\"典型案例\"").unwrap();
        assert_eq!(back, Authority::Typical);
        assert!(serde_json::from_str::<Authority>("\"bogus\"").is_err());
    }
}
