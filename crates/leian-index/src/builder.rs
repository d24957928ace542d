//! Building a snapshot in a scratch folder and moving it into place when complete.

use crate::IndexError;
use crate::manifest::{Manifest, SourceRecord};
use crate::schema::{Fields, SCHEMA_VERSION, build_schema};
use leian_core::{CorpusStats, Document, Judgment, Statute};
use leian_text::{LegalTokenizer, TOKENIZER_NAME, analyzer_version, dict};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tantivy::{Index, IndexWriter, TantivyDocument};

/// Writes documents into a new snapshot; [`SnapshotBuilder::finish`] publishes it at `out`.
pub struct SnapshotBuilder {
    out: PathBuf,
    documents: DocumentBuilder,
    writer: IndexWriter,
    stats: CorpusStats,
    started: Instant,
    vectors: Option<(crate::VectorWriter, crate::DenseInfo)>,
    /// Declared after the writer, so that a build that fails or is refused drops the writer (its
    /// threads and open files) first and then removes its scratch folder.
    scratch: crate::swap::Scratch,
}

/// Which part of a judgment is embedded (`leian index --passages`). Statutes are embedded whole
/// in every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PassageText {
    /// The 事实 section (the whole text where none was found): what every snapshot embedded
    /// before this choice existed.
    #[default]
    Facts,
    /// 事实 and 本院认为: the court's reasoning names the elements it relied on.
    FactsReasoning,
    /// The whole judgment: header, parties, facts, reasoning and the operative part.
    Full,
}

impl PassageText {
    pub fn as_str(self) -> &'static str {
        match self {
            PassageText::Facts => "facts",
            PassageText::FactsReasoning => "facts-reasoning",
            PassageText::Full => "full",
        }
    }

    /// Parses `facts`, `facts-reasoning` or `full`.
    pub fn parse(text: &str) -> Option<Self> {
        [
            PassageText::Facts,
            PassageText::FactsReasoning,
            PassageText::Full,
        ]
        .into_iter()
        .find(|p| p.as_str() == text.trim())
    }

    pub fn is_default(&self) -> bool {
        *self == PassageText::default()
    }
}

/// The text a document is embedded from: a judgment's facts (its full text when it has no facts),
/// a statute article with its law, number and the charges it defines.
pub fn dense_text(document: &Document) -> String {
    dense_text_of(document, PassageText::Facts)
}

/// The text a document is embedded from with the judgment part `part`.
pub fn dense_text_of(document: &Document, part: PassageText) -> String {
    match document {
        Document::Judgment(j) => {
            let facts = j.facts.trim();
            let whole = || {
                j.full_text.clone().unwrap_or_else(|| {
                    [Some(facts), j.reasoning.as_deref(), j.result.as_deref()]
                        .into_iter()
                        .flatten()
                        .filter(|s| !s.trim().is_empty())
                        .collect::<Vec<_>>()
                        .join("\n")
                })
            };
            match part {
                _ if facts.is_empty() => j.full_text.clone().unwrap_or_default(),
                PassageText::Facts => j.facts.clone(),
                PassageText::FactsReasoning => match j.reasoning.as_deref().map(str::trim) {
                    Some(reasoning) if !reasoning.is_empty() => format!("{facts}\n{reasoning}"),
                    _ => j.facts.clone(),
                },
                PassageText::Full => whole(),
            }
        }
        Document::Statute(s) => {
            let charges: Vec<&str> = match s.law == CRIMINAL_LAW {
                true => dict::charges()
                    .iter()
                    .filter(|c| c.articles.contains(&s.article.as_str()))
                    .map(|c| c.name)
                    .collect(),
                false => Vec::new(),
            };
            let charges = if charges.is_empty() {
                String::new()
            } else {
                format!("（{}）", charges.join("、"))
            };
            format!("《{}》第{}条{} {}", s.law, s.article, charges, s.text)
        }
    }
}

const CRIMINAL_LAW: &str = "中华人民共和国刑法";

impl SnapshotBuilder {
    /// Starts a build that will replace `out` when finished. Left-over scratch folders of
    /// interrupted builds of the same `out` are removed.
    pub fn create(out: &Path, threads: usize) -> Result<Self, IndexError> {
        let scratch = crate::swap::Scratch(crate::swap::scratch_dir(out)?);
        let documents = DocumentBuilder::new();
        let index = Index::create_in_dir(&scratch.0, documents.fields.schema.clone())?;
        index.tokenizers().register(TOKENIZER_NAME, LegalTokenizer);
        let writer = index.writer_with_num_threads(threads.max(1), 128_000_000 * threads.max(1))?;
        writer.set_merge_policy(Box::new(crate::BoundedMergePolicy));
        Ok(SnapshotBuilder {
            out: out.to_path_buf(),
            scratch,
            documents,
            writer,
            stats: CorpusStats::default(),
            started: Instant::now(),
            vectors: None,
        })
    }

    /// A vector writer whose rows wait in this build's scratch folder (renamed into the snapshot
    /// when it is written; removed with the folder if the build fails).
    pub fn vector_writer(&self, dimension: usize) -> crate::VectorWriter {
        crate::VectorWriter::new_in(&self.scratch.0, dimension)
    }

    /// Attaches the dense vectors written with the snapshot.
    pub fn set_vectors(&mut self, writer: crate::VectorWriter, info: crate::DenseInfo) {
        self.vectors = Some((writer, info));
    }

    /// Adds a judgment or a statute article.
    pub fn add_document(&mut self, document: Document) -> Result<(), IndexError> {
        let built = self.documents.build(&document)?;
        crate::add_to_writer(&mut self.writer, &self.scratch.0, built)?;
        match document {
            Document::Judgment(_) => self.stats.judgments += 1,
            Document::Statute(_) => self.stats.statutes += 1,
        }
        Ok(())
    }

    /// Adds a judgment.
    pub fn add_judgment(&mut self, judgment: Judgment) -> Result<(), IndexError> {
        self.add_document(Document::Judgment(judgment))
    }

    /// Adds a statute article.
    pub fn add_statute(&mut self, statute: Statute) -> Result<(), IndexError> {
        self.add_document(Document::Statute(statute))
    }

    /// Commits, writes the manifest and moves the snapshot to `out`, replacing what was there.
    pub fn finish(
        mut self,
        sources: Vec<SourceRecord>,
        statute_duplicates: usize,
    ) -> Result<Manifest, IndexError> {
        let scratch = self.scratch.0.clone();
        let tantivy = |e| crate::IndexError::tantivy(e, &scratch);
        self.writer.commit().map_err(tantivy)?;
        crate::swap::crash_point("committed");
        self.writer.wait_merging_threads().map_err(tantivy)?;
        let built_at = chrono::Utc::now();
        let mut manifest = Manifest {
            snapshot_id: snapshot_id(built_at, &sources),
            leian_version: env!("CARGO_PKG_VERSION").into(),
            schema_version: SCHEMA_VERSION,
            analyzer_version: analyzer_version(),
            built_at: built_at.to_rfc3339(),
            build_seconds: self.started.elapsed().as_secs_f64(),
            docs: self.stats.clone(),
            sources,
            statute_duplicates,
            dense: None,
            updates: Vec::new(),
        };
        if let Some((writer, info)) = self.vectors.take() {
            let hnsw = writer.write(&self.scratch.0)?;
            manifest.dense = Some(crate::DenseInfo {
                hnsw,
                ..info.clone()
            });
        }
        manifest.write(&self.scratch.0)?;
        crate::swap::crash_point("manifest");
        let _lock = crate::swap::lock(&self.out)?;
        crate::swap::crash_point("locked");
        crate::swap::publish(&self.scratch.0, &self.out, &manifest.snapshot_id)?;
        crate::swap::crash_point("published");
        Ok(manifest)
    }
}

/// A snapshot id: the build time (milliseconds: two builds in one second are still two
/// snapshots) and the start of the sources' hashes.
pub(crate) fn snapshot_id(at: chrono::DateTime<chrono::Utc>, sources: &[SourceRecord]) -> String {
    let fingerprint: String = sources
        .iter()
        .map(|s| &s.sha256[..8.min(s.sha256.len())])
        .collect::<Vec<_>>()
        .join("");
    format!(
        "{}-{}",
        at.format("%Y%m%dT%H%M%S%3fZ"),
        &fingerprint[..fingerprint.len().min(8)]
    )
}

/// Turns documents into tantivy documents: the one mapping of a `Document` to the schema's
/// fields, used by full builds ([`SnapshotBuilder`]) and updates ([`crate::SnapshotUpdate`]) alike.
pub(crate) struct DocumentBuilder {
    pub(crate) fields: Fields,
    charges_by_article: HashMap<&'static str, Vec<&'static str>>,
}

impl DocumentBuilder {
    pub(crate) fn new() -> Self {
        let mut charges_by_article: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        for charge in dict::charges() {
            for article in &charge.articles {
                charges_by_article
                    .entry(article)
                    .or_default()
                    .push(charge.name);
            }
        }
        DocumentBuilder {
            fields: build_schema(),
            charges_by_article,
        }
    }

    fn field(&self, name: &str) -> tantivy::schema::Field {
        self.fields
            .schema
            .get_field(name)
            .expect("field declared in schema.rs")
    }

    fn put(&self, doc: &mut TantivyDocument, name: &str, value: Option<&str>) {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            doc.add_text(self.field(name), value);
        }
    }

    /// The tantivy document of a judgment or a statute article.
    pub(crate) fn build(&self, document: &Document) -> Result<TantivyDocument, IndexError> {
        let mut doc = TantivyDocument::default();
        doc.add_text(self.fields.id, document.id());
        doc.add_text(self.field("kind"), document.kind().as_str());
        let json =
            serde_json::to_string(document).map_err(|e| IndexError::Invalid(e.to_string()))?;
        doc.add_text(self.fields.doc, json);
        match document {
            Document::Judgment(j) => self.judgment_fields(&mut doc, j),
            Document::Statute(s) => self.statute_fields(&mut doc, s),
        }
        Ok(doc)
    }

    fn judgment_fields(&self, doc: &mut TantivyDocument, j: &Judgment) {
        self.put(doc, "title", j.title.as_deref());
        self.put(doc, "facts", Some(&j.facts));
        self.put(doc, "reasoning", j.reasoning.as_deref());
        self.put(doc, "result", j.result.as_deref());
        // The full text repeats the sections; index it only where they were not found.
        if j.reasoning.is_none() {
            self.put(doc, "full_text", j.full_text.as_deref());
        }
        for cause in &j.causes {
            self.put(doc, "charges", Some(cause));
            self.put(doc, "causes", Some(cause));
        }
        self.put(doc, "domain", j.domain.map(|d| d.as_str()));
        self.put(doc, "court_level", j.court_level.map(|d| d.as_str()));
        self.put(doc, "province", j.province.as_deref());
        self.put(doc, "procedure", j.procedure.map(|d| d.as_str()));
        self.put(doc, "authority", Some(j.authority.as_str()));
        self.put(doc, "court", j.court.as_deref());
        self.put(doc, "date", j.date.as_deref());
        for cited in &j.cited_articles {
            self.put(doc, "cited", Some(cited));
        }
        if let Some(year) = j.year {
            doc.add_u64(self.fields.year, u64::from(year));
        }
    }

    /// 刑法 articles also carry the charges they define, so that a fact summary's `盗窃` meets
    /// the article defining 盗窃罪.
    fn statute_fields(&self, doc: &mut TantivyDocument, s: &Statute) {
        self.put(doc, "text", Some(&s.text));
        self.put(doc, "law_name", Some(&s.law));
        self.put(doc, "chapter", s.chapter.as_deref());
        self.put(doc, "law", Some(&s.law));
        self.put(doc, "statute_level", s.level.as_deref());
        self.put(doc, "status", s.status.map(|v| v.as_str()));
        if s.law == CRIMINAL_LAW {
            for charge in self
                .charges_by_article
                .get(s.article.as_str())
                .into_iter()
                .flatten()
            {
                self.put(doc, "article_charges", Some(charge));
            }
        }
        if let Some(year) = s
            .version_date
            .as_deref()
            .and_then(|d| d.get(..4))
            .and_then(|y| y.parse::<u64>().ok())
        {
            doc.add_u64(self.fields.year, year);
        }
    }
}
