//! The legal dictionary compiled into the binary (`dict/`): criminal charges with the 刑法 article
//! that defines each, civil causes of action, legal terms and stop words.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

const CHARGES_TSV: &str = include_str!("../dict/charges.tsv");
const CAUSES_TXT: &str = include_str!("../dict/causes.txt");
const TERMS_TXT: &str = include_str!("../dict/terms.txt");
const STOPWORDS_TXT: &str = include_str!("../dict/stopwords.txt");

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
}
