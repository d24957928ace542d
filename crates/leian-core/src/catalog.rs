//! The statute catalog: which laws a store holds and which articles each has, with their status
//! and paragraph structure but without their text. Citation checking needs the whole shape of a
//! law (its article numbers, for nearest-article suggestions; every law name, for misspelt names)
//! where search needs only single documents, so stores build it once and share it.

use crate::{Statute, StatuteStatus};
use std::collections::BTreeMap;

/// One article of a law, without its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogArticle {
    /// As in [`Statute::article`]: `264`, `133之一`.
    pub article: String,
    /// The whole-number part (133 for `133之一`).
    pub number: u32,
    pub status: Option<StatuteStatus>,
    /// Date of the version the article's text comes from.
    pub version_date: Option<String>,
    /// One entry per paragraph (款): how many items (项, lines `（一）…`) follow it.
    pub paragraph_items: Vec<u16>,
}

/// One law (or regulation, or judicial interpretation) and its articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogLaw {
    /// Full official name, as in [`Statute::law`].
    pub name: String,
    pub level: Option<String>,
    pub effective_date: Option<String>,
    /// Sorted by number, then article string.
    pub articles: Vec<CatalogArticle>,
    /// Articles whose text mentions 废止 (repeal clauses such as 民法典 第1260条
    /// `…《中华人民共和国合同法》…同时废止`), as (article, text): the only text the catalog keeps.
    pub repeal_clauses: Vec<(String, String)>,
}

impl CatalogLaw {
    /// The article `article` (`264`, `133之一`), if the law has it.
    pub fn article(&self, article: &str) -> Option<&CatalogArticle> {
        self.articles.iter().find(|a| a.article == article)
    }

    /// The law's status: the best status among its articles (a law whose current version is in
    /// the store has articles in force even when older versions are there too).
    pub fn status(&self) -> Option<StatuteStatus> {
        self.articles
            .iter()
            .filter_map(|a| a.status)
            .max_by_key(|s| s.preference())
    }
}

/// Every law of a store by full name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatuteCatalog {
    laws: BTreeMap<String, CatalogLaw>,
}

impl StatuteCatalog {
    /// Adds one article (call [`StatuteCatalog::finish`] after the last).
    pub fn add(&mut self, statute: &Statute) {
        let law = self
            .laws
            .entry(statute.law.clone())
            .or_insert_with(|| CatalogLaw {
                name: statute.law.clone(),
                ..CatalogLaw::default()
            });
        if law.level.is_none() {
            law.level = statute.level.clone();
        }
        if law.effective_date.is_none() {
            law.effective_date = statute.effective_date.clone();
        }
        if statute.text.contains("废止") {
            law.repeal_clauses
                .push((statute.article.clone(), statute.text.clone()));
        }
        law.articles.push(CatalogArticle {
            article: statute.article.clone(),
            number: statute.number,
            status: statute.status,
            version_date: statute.version_date.clone(),
            paragraph_items: paragraph_items(&statute.text),
        });
    }

    /// Sorts every law's articles.
    pub fn finish(&mut self) {
        for law in self.laws.values_mut() {
            law.articles
                .sort_by(|a, b| (a.number, &a.article).cmp(&(b.number, &b.article)));
            law.repeal_clauses.sort();
        }
    }

    pub fn law(&self, name: &str) -> Option<&CatalogLaw> {
        self.laws.get(name)
    }

    /// Every law, by name.
    pub fn laws(&self) -> impl Iterator<Item = &CatalogLaw> {
        self.laws.values()
    }

    pub fn is_empty(&self) -> bool {
        self.laws.is_empty()
    }
}

/// The paragraph structure of an article text: both statute sources put each 款 and each 项 on a
/// line of its own, items starting `（一）`.
fn paragraph_items(text: &str) -> Vec<u16> {
    let mut paragraphs: Vec<u16> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match (is_item_line(line), paragraphs.last_mut()) {
            (true, Some(items)) => *items = items.saturating_add(1),
            _ => paragraphs.push(0),
        }
    }
    paragraphs
}

fn is_item_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix('（').or_else(|| line.strip_prefix('(')) else {
        return false;
    };
    let numeral: String = rest
        .chars()
        .take_while(|c| "一二三四五六七八九十".contains(*c))
        .collect();
    !numeral.is_empty() && matches!(rest[numeral.len()..].chars().next(), Some('）' | ')'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(law: &str, article: &str, number: u32, text: &str) -> Statute {
        Statute {
            id: crate::statute_id(law, article),
            law: law.into(),
            article: article.into(),
            number,
            text: text.into(),
            level: Some("法律".into()),
            chapter: None,
            status: Some(StatuteStatus::InForce),
            effective_date: None,
            version_date: None,
            source: "test".into(),
        }
    }

    #[test]
    fn paragraphs_and_items() {
        assert_eq!(paragraph_items("一款"), vec![0]);
        assert_eq!(
            paragraph_items("以暴力…\n奸淫…\n有下列情形之一的：\n（一）甲；\n（二）乙。"),
            vec![0, 0, 2]
        );
        assert_eq!(paragraph_items("（注：附件）"), vec![0]);
    }

    #[test]
    fn laws_articles_and_repeal_clauses() {
        let mut catalog = StatuteCatalog::default();
        catalog.add(&article("甲法", "3", 3, "三"));
        catalog.add(&article("甲法", "1", 1, "一"));
        catalog.add(&article(
            "乙法",
            "9",
            9,
            "本法自2021年1月1日起施行。《甲法》同时废止。",
        ));
        catalog.finish();
        let law = catalog.law("甲法").unwrap();
        let numbers: Vec<u32> = law.articles.iter().map(|a| a.number).collect();
        assert_eq!(numbers, [1, 3]);
        assert_eq!(law.status(), Some(StatuteStatus::InForce));
        assert!(law.article("3").is_some() && law.article("2").is_none());
        assert_eq!(catalog.law("乙法").unwrap().repeal_clauses.len(), 1);
        assert_eq!(catalog.laws().count(), 2);
    }
}
