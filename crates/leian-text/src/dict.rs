//! The legal dictionary compiled into the binary (`dict/`): criminal charges with the 刑法 article
//! that defines each, civil causes of action, legal terms and stop words.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const CHARGES_TSV: &str = include_str!("../dict/charges.tsv");
const CAUSES_TXT: &str = include_str!("../dict/causes.txt");
const TERMS_TXT: &str = include_str!("../dict/terms.txt");
const STOPWORDS_TXT: &str = include_str!("../dict/stopwords.txt");
const CIVIL_ARTICLES_TSV: &str = include_str!("../dict/civil_articles.tsv");

/// What a civil-law row of `dict/civil_articles.tsv` applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CivilRowKind {
    /// A cause of action (案由): applies when the cause is likely.
    Cause,
    /// A fact the text states (定金, 物业费 …): applies when a trigger word is in the text.
    Fact,
}

/// The articles that decide a cause of action or that a stated civil fact calls for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CivilArticles {
    pub kind: CivilRowKind,
    pub name: &'static str,
    pub law: &'static str,
    pub articles: Vec<&'static str>,
    /// Fact rows: words any of which states the fact.
    pub triggers: Vec<&'static str>,
}

static CIVIL_ARTICLES: LazyLock<Vec<CivilArticles>> = LazyLock::new(|| {
    lines(CIVIL_ARTICLES_TSV)
        .filter_map(|line| {
            let mut columns = line.split('\t');
            let kind = match columns.next()? {
                "cause" => CivilRowKind::Cause,
                "fact" => CivilRowKind::Fact,
                _ => return None,
            };
            let name = columns.next()?;
            let law = columns.next()?;
            let articles = columns.next()?.split(',').map(str::trim).collect();
            let triggers = columns
                .filter(|c| !c.is_empty())
                .flat_map(|c| c.split(','))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .collect();
            Some(CivilArticles {
                kind,
                name,
                law,
                articles,
                triggers,
            })
        })
        .collect()
});

/// Every row of the civil table: causes of action and stated facts with their articles.
pub fn civil_articles() -> &'static [CivilArticles] {
    &CIVIL_ARTICLES
}

/// A criminal charge (罪名) and the 刑法 articles that define it (`264`, `133之一`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub name: &'static str,
    pub articles: Vec<&'static str>,
}

struct Tables {
    charges: Vec<Charge>,
    charge_index: HashMap<&'static str, usize>,
    causes: HashSet<&'static str>,
    stopwords: HashSet<&'static str>,
}

static TABLES: LazyLock<Tables> = LazyLock::new(|| {
    let mut charges: Vec<Charge> = Vec::new();
    let mut charge_index = HashMap::new();
    for (name, article) in lines(CHARGES_TSV).filter_map(|line| line.split_once('\t')) {
        let slot = *charge_index.entry(name).or_insert_with(|| {
            charges.push(Charge {
                name,
                articles: Vec::new(),
            });
            charges.len() - 1
        });
        charges[slot].articles.push(article);
    }
    Tables {
        charges,
        charge_index,
        causes: lines(CAUSES_TXT).collect(),
        stopwords: lines(STOPWORDS_TXT).collect(),
    }
});

fn lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
}

/// Every current criminal charge.
pub fn charges() -> &'static [Charge] {
    &TABLES.charges
}

/// The charge called `name` (with its trailing 罪), if it is one.
pub fn charge(name: &str) -> Option<&'static Charge> {
    TABLES.charge_index.get(name).map(|&i| &TABLES.charges[i])
}

/// Whether `name` is a civil cause of action of the SPC list (民事案件案由规定).
pub fn is_cause(name: &str) -> bool {
    TABLES.causes.contains(name)
}

/// Every civil cause of action.
pub fn causes() -> impl Iterator<Item = &'static str> {
    lines(CAUSES_TXT)
}

/// Whether `word` carries no meaning for retrieval.
pub fn is_stopword(word: &str) -> bool {
    TABLES.stopwords.contains(word)
}

/// Every word the segmenter must keep whole: charges, causes, terms.
pub(crate) fn user_words() -> impl Iterator<Item = &'static str> {
    charges()
        .iter()
        .map(|c| c.name)
        .chain(causes())
        .chain(lines(TERMS_TXT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_know_their_articles() {
        assert_eq!(charge("盗窃罪").unwrap().articles, vec!["264"]);
        assert_eq!(charge("危险驾驶罪").unwrap().articles, vec!["133之一"]);
        assert!(charge("故意伤害罪").is_some());
        assert!(charge("盗窃").is_none());
        assert!(charges().len() > 400, "{} charges", charges().len());
    }

    #[test]
    fn causes_and_stopwords_load() {
        assert!(is_cause("民间借贷纠纷"));
        assert!(is_cause("离婚纠纷"));
        assert!(is_stopword("的"));
        assert!(!is_stopword("被告人"));
        assert!(!is_stopword("未"));
    }

    #[test]
    fn civil_rows_name_known_causes_and_have_articles() {
        let rows = civil_articles();
        assert!(rows.len() > 150, "{} rows", rows.len());
        for row in rows {
            assert!(!row.articles.is_empty(), "{row:?}");
            assert!(
                row.articles
                    .iter()
                    .all(|a| a.chars().next().is_some_and(|c| c.is_ascii_digit())),
                "{row:?}"
            );
            match row.kind {
                CivilRowKind::Cause => {
                    assert!(is_cause(row.name), "not in causes.txt: {}", row.name);
                    assert!(row.triggers.is_empty(), "{row:?}");
                }
                CivilRowKind::Fact => assert!(!row.triggers.is_empty(), "{row:?}"),
            }
        }
        let deposit = rows.iter().find(|r| r.name == "定金").unwrap();
        assert_eq!(
            (deposit.law, deposit.articles.as_slice()),
            ("中华人民共和国民法典", ["586", "587"].as_slice())
        );
    }
}
