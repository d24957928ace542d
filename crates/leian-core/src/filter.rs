//! Filters a search can carry, parsed and validated from `key=value` pairs (CLI `--filter`, HTTP
//! `filters`). Values of closed vocabularies are checked here, so a typo is an error, not an empty
//! result.

use crate::{Authority, CourtLevel, Domain, Kind, ParseVocabError, Procedure, StatuteStatus};

/// A field that can be filtered on with an exact value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FilterField {
    Kind,
    Domain,
    Cause,
    CourtLevel,
    Province,
    Procedure,
    Authority,
    Law,
    StatuteLevel,
    Status,
}

impl FilterField {
    /// The kind of document the field describes; `None` for the kind itself.
    pub fn describes(self) -> Option<Kind> {
        match self {
            FilterField::Kind => None,
            FilterField::Law | FilterField::StatuteLevel | FilterField::Status => {
                Some(Kind::Statute)
            }
            _ => Some(Kind::Judgment),
        }
    }

    /// The key users write.
    pub fn key(self) -> &'static str {
        self.index_field()
    }

    /// Name of the index field holding the value.
    pub fn index_field(self) -> &'static str {
        match self {
            FilterField::Kind => "kind",
            FilterField::Domain => "domain",
            FilterField::Cause => "causes",
            FilterField::CourtLevel => "court_level",
            FilterField::Province => "province",
            FilterField::Procedure => "procedure",
            FilterField::Authority => "authority",
            FilterField::Law => "law",
            FilterField::StatuteLevel => "statute_level",
            FilterField::Status => "status",
        }
    }
}

/// Every filter key accepted, for error messages.
pub const FILTER_KEYS: &str = "kind、domain、cause、court_level、province、procedure、authority、law、statute_level、status、year、year_from、year_to";

/// Conditions every hit must meet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Exact values; several values of one field are alternatives (OR), fields combine with AND.
    pub terms: Vec<(FilterField, String)>,
    pub year_from: Option<u16>,
    pub year_to: Option<u16>,
}

/// A filter that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    #[error("筛选条件“{0}”不是 key=value 形式")]
    Syntax(String),
    #[error("未知的筛选键“{0}”（可用：{FILTER_KEYS}）")]
    UnknownKey(String),
    #[error("筛选条件 {key} 缺少取值")]
    Empty { key: String },
    #[error(transparent)]
    Value(#[from] ParseVocabError),
    #[error("筛选条件 {key}：“{value}”不是有效年份（1949-2100）")]
    Year { key: String, value: String },
}

fn year(key: &str, value: &str) -> Result<u16, FilterError> {
    value
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|y| (1949..=2100).contains(y))
        .ok_or_else(|| FilterError::Year {
            key: key.into(),
            value: value.into(),
        })
}

impl Filters {
    /// Adds one `key`, `value` condition, normalising vocabulary values to their wire names.
    pub fn add(&mut self, key: &str, value: &str) -> Result<(), FilterError> {
        let key = key.trim();
        let value = value.trim();
        if value.is_empty() {
            return Err(FilterError::Empty { key: key.into() });
        }
        let (field, value) = match key {
            "kind" => (
                FilterField::Kind,
                value.parse::<Kind>()?.as_str().to_string(),
            ),
            "domain" => (
                FilterField::Domain,
                value.parse::<Domain>()?.as_str().to_string(),
            ),
            "cause" | "causes" | "charge" => (FilterField::Cause, value.to_string()),
            "court_level" => (
                FilterField::CourtLevel,
                value.parse::<CourtLevel>()?.as_str().to_string(),
            ),
            "province" => (
                FilterField::Province,
                crate::parse_province(value)?.to_string(),
            ),
            "procedure" => (
                FilterField::Procedure,
                value.parse::<Procedure>()?.as_str().to_string(),
            ),
            "authority" => (
                FilterField::Authority,
                value.parse::<Authority>()?.as_str().to_string(),
            ),
            "law" => (FilterField::Law, value.to_string()),
            "statute_level" | "level" => (FilterField::StatuteLevel, value.to_string()),
            "status" => (
                FilterField::Status,
                value.parse::<StatuteStatus>()?.as_str().to_string(),
            ),
            "year" => {
                let (from, to) = value.split_once("..").unwrap_or((value, value));
                self.year_from = Some(year(key, from)?);
                self.year_to = Some(year(key, to)?);
                return Ok(());
            }
            "year_from" => {
                self.year_from = Some(year(key, value)?);
                return Ok(());
            }
            "year_to" => {
                self.year_to = Some(year(key, value)?);
                return Ok(());
            }
            other => return Err(FilterError::UnknownKey(other.into())),
        };
        self.terms.push((field, value));
        Ok(())
    }

    /// Parses `key=value` strings.
    pub fn parse<'a>(pairs: impl IntoIterator<Item = &'a str>) -> Result<Self, FilterError> {
        let mut filters = Filters::default();
        for pair in pairs {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| FilterError::Syntax(pair.into()))?;
            filters.add(key, value)?;
        }
        Ok(filters)
    }

    /// The conditions of a search over both kinds that apply to documents of `kind`. Years
    /// count for judgments only: a judgment year range must not drop the 1997 Criminal Law.
    pub fn for_kind(&self, kind: Kind) -> Filters {
        let judgments = kind == Kind::Judgment;
        Filters {
            terms: self
                .terms
                .iter()
                .filter(|(field, _)| field.describes().is_none_or(|k| k == kind))
                .cloned()
                .collect(),
            year_from: self.year_from.filter(|_| judgments),
            year_to: self.year_to.filter(|_| judgments),
        }
    }

    /// The first condition that no document of `kind` can meet (`status` on judgments, `province`
    /// on statutes): a search of that kind alone would always be empty.
    pub fn foreign_to(&self, kind: Kind) -> Option<FilterField> {
        self.terms
            .iter()
            .map(|(field, _)| *field)
            .find(|field| field.describes().is_some_and(|k| k != kind))
    }

    /// The kind the filters pin, if any.
    pub fn kind(&self) -> Option<Kind> {
        self.terms
            .iter()
            .find(|(f, _)| *f == FilterField::Kind)
            .and_then(|(_, v)| v.parse().ok())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_normalises() {
        let f = Filters::parse([
            "law=中华人民共和国刑法",
            "court_level=高院",
            "year=2016..2018",
        ])
        .unwrap();
        assert_eq!(f.terms[0], (FilterField::Law, "中华人民共和国刑法".into()));
        assert_eq!(f.terms[1], (FilterField::CourtLevel, "high".into()));
        assert_eq!((f.year_from, f.year_to), (Some(2016), Some(2018)));
    }

    #[test]
    fn filters_split_by_kind() {
        let f = Filters::parse([
            "status=现行有效",
            "province=沪",
            "law=中华人民共和国刑法",
            "year=2016",
        ])
        .unwrap();
        let statutes = f.for_kind(Kind::Statute);
        let fields: Vec<FilterField> = statutes.terms.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, [FilterField::Status, FilterField::Law]);
        assert_eq!(statutes.year_from, None);
        let judgments = f.for_kind(Kind::Judgment);
        assert_eq!(judgments.terms, [(FilterField::Province, "沪".into())]);
        assert_eq!(judgments.year_from, Some(2016));
        assert_eq!(f.foreign_to(Kind::Judgment), Some(FilterField::Status));
        assert_eq!(f.foreign_to(Kind::Statute), Some(FilterField::Province));
        assert_eq!(judgments.foreign_to(Kind::Judgment), None);
    }

    #[test]
    fn rejects_bad_filters() {
        assert!(matches!(
            Filters::parse(["law"]),
            Err(FilterError::Syntax(_))
        ));
        assert!(matches!(
            Filters::parse(["colour=red"]),
            Err(FilterError::UnknownKey(_))
        ));
        assert!(matches!(
            Filters::parse(["domain=crimnal"]),
            Err(FilterError::Value(_))
        ));
        assert!(matches!(
            Filters::parse(["year=abc"]),
            Err(FilterError::Year { .. })
        ));
        assert!(matches!(
            Filters::parse(["province= "]),
            Err(FilterError::Empty { .. })
        ));
        // Issue 12: an unknown province was an empty result, not an error.
        assert!(matches!(
            Filters::parse(["province=火星"]),
            Err(FilterError::Value(_))
        ));
        let full = Filters::parse(["province=上海市"]).unwrap();
        assert_eq!(full.terms[0], (FilterField::Province, "沪".into()));
    }
}
