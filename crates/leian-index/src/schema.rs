//! The tantivy schema. Text fields use the legal jieba tokenizer; filter fields are exact strings.

use leian_text::TOKENIZER_NAME;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions,
};

/// Bumped when fields change; a snapshot of another version must be rebuilt.
pub const SCHEMA_VERSION: u32 = 3;

/// Judgment text fields searched with BM25.
pub const JUDGMENT_TEXT_FIELDS: &[&str] = &[
    "title",
    "facts",
    "reasoning",
    "result",
    "full_text",
    "charges",
];

/// Statute text fields searched with BM25. No field is shared with judgments: BM25 statistics
/// (document frequency, average length) are kept per field, so a judgment's score never depends
/// on which statutes share the index, and the other way round.
pub const STATUTE_TEXT_FIELDS: &[&str] = &["law_name", "chapter", "text", "article_charges"];

/// The kind of document a text field belongs to.
pub fn text_field_kind(name: &str) -> Option<leian_core::Kind> {
    if JUDGMENT_TEXT_FIELDS.contains(&name) {
        Some(leian_core::Kind::Judgment)
    } else if STATUTE_TEXT_FIELDS.contains(&name) {
        Some(leian_core::Kind::Statute)
    } else {
        None
    }
}

/// The text field named `name`, as the schema's own string.
pub fn text_field_name(name: &str) -> Option<&'static str> {
    JUDGMENT_TEXT_FIELDS
        .iter()
        .chain(STATUTE_TEXT_FIELDS)
        .find(|field| **field == name)
        .copied()
}

/// Exact-value fields used by filters.
pub const FILTER_FIELDS: &[&str] = &[
    "kind",
    "domain",
    "causes",
    "court_level",
    "province",
    "procedure",
    "authority",
    "law",
    "statute_level",
    "status",
];

/// Judgment fields kept as columns (fast fields) and read without the stored document: what
/// ranking and the authority order need of every candidate (court, decision date, cited
/// articles), beside the filter fields above.
pub const HEADER_FIELDS: &[&str] = &["court", "date", "cited"];

/// Handles to every field.
#[derive(Clone)]
pub struct Fields {
    pub schema: Schema,
    pub id: Field,
    pub year: Field,
    pub doc: Field,
}

pub fn build_schema() -> Fields {
    let mut builder = Schema::builder();
    // Fast, so that candidates are named from a column instead of the document store.
    let id = builder.add_text_field("id", STRING | STORED | FAST);
    let analysed = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    for name in JUDGMENT_TEXT_FIELDS.iter().chain(STATUTE_TEXT_FIELDS) {
        builder.add_text_field(name, analysed.clone());
    }
    for name in FILTER_FIELDS.iter().chain(HEADER_FIELDS) {
        builder.add_text_field(name, STRING | FAST);
    }
    let year = builder.add_u64_field("year", INDEXED | FAST);
    let doc = builder.add_text_field("doc", STORED);
    Fields {
        schema: builder.build(),
        id,
        year,
        doc,
    }
}
