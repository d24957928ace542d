//! What a document puts into an inverted index, as plain rows: for stores other than tantivy (the
//! PostgreSQL backend) that must score exactly as the embedded snapshot does.
//!
//! The text of each field is the one the snapshot indexes ([`DocumentBuilder`]), cut by the same
//! analyzer; a field's length is given both as counted (for the corpus's average length) and as
//! tantivy's BM25 reads it back from its one-byte length code, so a posting scores the same
//! wherever it is stored.

use crate::IndexError;
use crate::builder::DocumentBuilder;
use crate::schema::{FILTER_FIELDS, JUDGMENT_TEXT_FIELDS, STATUTE_TEXT_FIELDS};
use leian_core::{Document, Kind};
use leian_text::LegalTokenizer;
use std::collections::BTreeMap;
use tantivy::fieldnorm::FieldNormReader;
use tantivy::schema::Value;
use tantivy::tokenizer::{TokenStream, Tokenizer};

/// One text field of one document.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRows {
    pub field: &'static str,
    /// Tokens in the field (all values of a multi-valued field together).
    pub tokens: u64,
    /// The length BM25 divides by: `tokens` through tantivy's length code.
    pub scored_length: u32,
    /// Each distinct term and how often it occurs, in term order.
    pub terms: Vec<(String, u32)>,
}

/// A document as index rows.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexRows {
    pub id: String,
    pub kind: Kind,
    /// Filter values as `field=value` (the kind excepted), e.g. `province=北京`.
    pub tags: Vec<String>,
    pub year: Option<u64>,
    /// The document as stored (its JSON).
    pub document_json: String,
    pub fields: Vec<FieldRows>,
}

/// Turns documents into [`IndexRows`]; holds the charge table statutes are tagged with.
pub struct RowBuilder {
    documents: DocumentBuilder,
}

impl Default for RowBuilder {
    fn default() -> Self {
        RowBuilder {
            documents: DocumentBuilder::new(),
        }
    }
}

impl RowBuilder {
    pub fn rows(&self, document: &Document) -> Result<IndexRows, IndexError> {
        let doc = self.documents.build(document)?;
        let schema = &self.documents.fields.schema;
        let field = |name: &str| schema.get_field(name).expect("field declared in schema.rs");
        let mut tokenizer = LegalTokenizer;
        let mut fields = Vec::new();
        for &name in JUDGMENT_TEXT_FIELDS.iter().chain(STATUTE_TEXT_FIELDS) {
            let mut counts: BTreeMap<String, u32> = BTreeMap::new();
            let mut tokens = 0u64;
            for value in doc.get_all(field(name)) {
                let Some(text) = value.as_str() else { continue };
                let mut stream = tokenizer.token_stream(text);
                while stream.advance() {
                    tokens += 1;
                    *counts.entry(stream.token().text.clone()).or_default() += 1;
                }
            }
            if tokens > 0 {
                let length = u32::try_from(tokens).unwrap_or(u32::MAX);
                fields.push(FieldRows {
                    field: name,
                    tokens,
                    scored_length: FieldNormReader::id_to_fieldnorm(
                        FieldNormReader::fieldnorm_to_id(length),
                    ),
                    terms: counts.into_iter().collect(),
                });
            }
        }
        let mut tags = Vec::new();
        for &name in FILTER_FIELDS.iter().filter(|&&name| name != "kind") {
            for value in doc.get_all(field(name)) {
                if let Some(value) = value.as_str() {
                    tags.push(format!("{name}={value}"));
                }
            }
        }
        let year = doc
            .get_first(self.documents.fields.year)
            .and_then(|v| v.as_u64());
        let document_json = doc
            .get_first(self.documents.fields.doc)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Ok(IndexRows {
            id: document.id().to_string(),
            kind: document.kind(),
            tags,
            year,
            document_json,
            fields,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_count_terms_and_lengths_as_the_index_does() {
        let judgment: Document = serde_json::from_value(serde_json::json!({
            "kind": "judgment", "id": "j1", "case_number": "(2020)京0101刑初1号",
            "facts": "被告人盗窃手机一部，后又盗窃电脑一台。", "causes": ["盗窃罪"],
            "province": "北京", "year": 2020
        }))
        .unwrap();
        let rows = RowBuilder::default().rows(&judgment).unwrap();
        let facts = rows.fields.iter().find(|f| f.field == "facts").unwrap();
        let theft = facts.terms.iter().find(|(t, _)| t == "盗窃").unwrap();
        assert_eq!(theft.1, 2);
        assert_eq!(
            facts.tokens,
            facts.terms.iter().map(|(_, n)| u64::from(*n)).sum::<u64>()
        );
        // Short fields keep their exact length through tantivy's code.
        assert_eq!(u64::from(facts.scored_length), facts.tokens);
        assert!(rows.tags.contains(&"province=北京".to_string()));
        assert!(rows.tags.contains(&"causes=盗窃罪".to_string()));
        assert_eq!(rows.year, Some(2020));
        let stored: Document = serde_json::from_str(&rows.document_json).unwrap();
        assert_eq!(stored.id(), "j1");
    }
}
