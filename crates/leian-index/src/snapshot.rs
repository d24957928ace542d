//! Opening a snapshot and answering the engine's storage questions from it.

use crate::IndexError;
use crate::manifest::Manifest;
use crate::schema::{Fields, SCHEMA_VERSION, build_schema};
use leian_core::{
    Candidate, CorpusStats, Document, FieldBoosts, FilterField, Filters, Judgment, Kind,
    StatuteCatalog, Store, StoreError,
};
use leian_text::{LegalTokenizer, TOKENIZER_NAME, analyzer_version};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use tantivy::collector::TopDocs;
use tantivy::columnar::StrColumn;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocSet};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

/// One clause of a boolean query.
type Clause = (Occur, Box<dyn Query>);

/// An opened, read-only snapshot.
pub struct Snapshot {
    dir: PathBuf,
    fields: Fields,
    reader: IndexReader,
    manifest: Manifest,
    vectors: Option<crate::Vectors>,
    /// Documents passing a filter combination, for dense search; the same few combinations
    /// (a kind, a kind and a law) come back with every query.
    allowed_cache: std::sync::Mutex<
        std::collections::HashMap<String, std::sync::Arc<std::collections::HashSet<String>>>,
    >,
    /// Built on first use: opening a snapshot to search should not pay for reading every
    /// statute article.
    statute_catalog: std::sync::OnceLock<std::sync::Arc<StatuteCatalog>>,
}

/// Filter combinations whose allowed sets are kept.
const ALLOWED_CACHE_ENTRIES: usize = 64;

impl Snapshot {
    /// Opens the snapshot in `dir`, refusing one built with another schema or analyzer (its terms
    /// would not match the queries' terms).
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        if !dir.is_dir() {
            return Err(IndexError::Invalid(format!(
                "{}: no index here (build one with `leian index`)",
                dir.display()
            )));
        }
        let manifest = Manifest::read(dir)?;
        if manifest.schema_version != SCHEMA_VERSION
            || manifest.analyzer_version != analyzer_version()
        {
            return Err(IndexError::Invalid(format!(
                "{} was built with schema {} / analyzer {}; this leian needs schema {} / analyzer {}: rebuild it with `leian index`",
                dir.display(),
                manifest.schema_version,
                manifest.analyzer_version,
                SCHEMA_VERSION,
                analyzer_version()
            )));
        }
        let index = Index::open_in_dir(dir)?;
        index.tokenizers().register(TOKENIZER_NAME, LegalTokenizer);
        // A snapshot never changes under a reader: a rebuild publishes a new folder and the server
        // swaps snapshots itself. Watching `meta.json` would show a rebuilt index's documents
        // under the old snapshot id.
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        let vectors = match &manifest.dense {
            Some(info) => Some(crate::Vectors::open(dir, info)?),
            None => None,
        };
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            fields: build_schema(),
            reader,
            manifest,
            vectors,
            allowed_cache: Default::default(),
            statute_catalog: Default::default(),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Every stored document, in index order (for embedding a snapshot after it was built).
    pub fn all_documents(&self) -> Result<Vec<Document>, IndexError> {
        let searcher = self.reader.searcher();
        let mut documents = Vec::new();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(8)
                .map_err(|e| IndexError::io(&self.dir, e))?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                let doc = doc?;
                documents.push(
                    self.load(&doc)
                        .map_err(|e| IndexError::Invalid(e.to_string()))?,
                );
            }
        }
        Ok(documents)
    }

    /// Bytes on disk.
    pub fn size_bytes(&self) -> u64 {
        snapshot_bytes(&self.dir)
    }

    fn filter_clauses(&self, filters: &Filters) -> Result<Vec<Clause>, StoreError> {
        let mut clauses: Vec<Clause> = Vec::new();
        let mut fields: Vec<FilterField> = filters.terms.iter().map(|(f, _)| *f).collect();
        fields.dedup();
        for field in fields {
            let handle = self
                .fields
                .schema
                .get_field(field.index_field())
                .map_err(|e| StoreError(e.to_string()))?;
            let alternatives: Vec<Clause> = filters
                .terms
                .iter()
                .filter(|(f, _)| *f == field)
                .map(|(_, value)| {
                    let query: Box<dyn Query> = Box::new(TermQuery::new(
                        Term::from_field_text(handle, value),
                        IndexRecordOption::Basic,
                    ));
                    (Occur::Should, query)
                })
                .collect();
            clauses.push((Occur::Must, Box::new(BooleanQuery::new(alternatives))));
        }
        if filters.year_from.is_some() || filters.year_to.is_some() {
            let bound = |year: Option<u16>, inclusive: fn(Term) -> Bound<Term>| match year {
                Some(y) => inclusive(Term::from_field_u64(self.fields.year, u64::from(y))),
                None => Bound::Unbounded,
            };
            let range = RangeQuery::new(
                bound(filters.year_from, Bound::Included),
                bound(filters.year_to, Bound::Included),
            );
            clauses.push((Occur::Must, Box::new(range)));
        }
        Ok(clauses)
    }

    fn cached_allowed_ids(
        &self,
        filters: &Filters,
    ) -> Result<std::sync::Arc<std::collections::HashSet<String>>, StoreError> {
        let key = format!("{filters:?}");
        if let Some(found) = self.allowed_cache.lock().map_err(store_error)?.get(&key) {
            return Ok(found.clone());
        }
        let allowed = std::sync::Arc::new(self.allowed_ids(filters)?);
        let mut cache = self.allowed_cache.lock().map_err(store_error)?;
        if cache.len() >= ALLOWED_CACHE_ENTRIES {
            cache.clear();
        }
        cache.insert(key, allowed.clone());
        Ok(allowed)
    }

    /// Ids of the documents that pass `filters` (for restricting dense search).
    fn allowed_ids(
        &self,
        filters: &Filters,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        let clauses = self.filter_clauses(filters)?;
        let searcher = self.reader.searcher();
        let query: Box<dyn Query> = if clauses.is_empty() {
            Box::new(tantivy::query::AllQuery)
        } else {
            Box::new(BooleanQuery::new(clauses))
        };
        let found = searcher
            .search(query.as_ref(), &tantivy::collector::DocSetCollector)
            .map_err(store_error)?;
        let mut columns = Vec::new();
        found
            .into_iter()
            .map(|address| self.id_at(&searcher, &mut columns, address))
            .collect()
    }

    /// Reads every stored statute article into a catalog, in index order (so each compressed
    /// block of the document store is decompressed once).
    fn read_statute_catalog(&self) -> Result<StatuteCatalog, StoreError> {
        let searcher = self.reader.searcher();
        let kind = self.fields.schema.get_field("kind").map_err(store_error)?;
        let query = TermQuery::new(
            Term::from_field_text(kind, leian_core::Kind::Statute.as_str()),
            IndexRecordOption::Basic,
        );
        let mut addresses: Vec<_> = searcher
            .search(&query, &tantivy::collector::DocSetCollector)
            .map_err(store_error)?
            .into_iter()
            .collect();
        addresses.sort_by_key(|a| (a.segment_ord, a.doc_id));
        let mut catalog = StatuteCatalog::default();
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address).map_err(store_error)?;
            if let Document::Statute(statute) = self.load(&doc)? {
                catalog.add(&statute);
            }
        }
        catalog.finish();
        Ok(catalog)
    }

    /// Where each id is (one posting-list lookup per id), in the order of `ids`.
    fn addresses(
        &self,
        searcher: &tantivy::Searcher,
        ids: &[String],
    ) -> Result<Vec<Option<DocAddress>>, StoreError> {
        let mut found = vec![None; ids.len()];
        for (segment_ord, segment) in searcher.segment_readers().iter().enumerate() {
            let postings = segment
                .inverted_index(self.fields.id)
                .map_err(store_error)?;
            for (slot, id) in found.iter_mut().zip(ids).filter(|(s, _)| s.is_none()) {
                let term = Term::from_field_text(self.fields.id, id);
                let Some(mut docs) = postings
                    .read_postings(&term, IndexRecordOption::Basic)
                    .map_err(store_error)?
                else {
                    continue;
                };
                while docs.doc() != tantivy::TERMINATED {
                    if segment
                        .alive_bitset()
                        .is_none_or(|alive| alive.is_alive(docs.doc()))
                    {
                        *slot = Some(DocAddress::new(segment_ord as u32, docs.doc()));
                        break;
                    }
                    docs.advance();
                }
            }
        }
        Ok(found)
    }

    /// The id of a document, from the `id` column.
    fn id_at(
        &self,
        searcher: &tantivy::Searcher,
        columns: &mut Vec<Option<StrColumn>>,
        address: DocAddress,
    ) -> Result<String, StoreError> {
        let column = self.str_column(searcher, columns, address.segment_ord, "id")?;
        let mut id = String::new();
        if let Some(column) = column {
            for ord in column.term_ords(address.doc_id).take(1) {
                column.ord_to_str(ord, &mut id).map_err(store_error)?;
            }
        }
        Ok(id)
    }

    /// The string column `field` of a segment, opened once per call site and segment.
    fn str_column<'c>(
        &self,
        searcher: &tantivy::Searcher,
        columns: &'c mut Vec<Option<StrColumn>>,
        segment_ord: u32,
        field: &str,
    ) -> Result<Option<&'c StrColumn>, StoreError> {
        let segment_ord = segment_ord as usize;
        if columns.len() <= segment_ord {
            columns.resize_with(searcher.segment_readers().len(), || None);
        }
        if columns[segment_ord].is_none() {
            columns[segment_ord] = searcher
                .segment_reader(segment_ord as u32)
                .fast_fields()
                .str(field)
                .map_err(store_error)?;
        }
        Ok(columns[segment_ord].as_ref())
    }

    /// A judgment's header read from its segment's columns (`None` for a statute).
    fn header_at(
        &self,
        columns: &HeaderColumns,
        doc_id: tantivy::DocId,
    ) -> Result<Option<Judgment>, StoreError> {
        let values = |column: &Option<StrColumn>| -> Result<Vec<String>, StoreError> {
            let Some(column) = column else {
                return Ok(Vec::new());
            };
            let mut values = Vec::new();
            for ord in column.term_ords(doc_id) {
                let mut value = String::new();
                column.ord_to_str(ord, &mut value).map_err(store_error)?;
                values.push(value);
            }
            Ok(values)
        };
        let first = |column: &Option<StrColumn>| -> Result<Option<String>, StoreError> {
            Ok(values(column)?.into_iter().next())
        };
        if first(&columns.kind)?.as_deref() != Some(Kind::Judgment.as_str()) {
            return Ok(None);
        }
        fn parse<T: std::str::FromStr>(value: Option<String>) -> Option<T> {
            value.and_then(|v| v.parse().ok())
        }
        Ok(Some(Judgment {
            id: first(&columns.id)?.unwrap_or_default(),
            domain: parse(first(&columns.domain)?),
            causes: values(&columns.causes)?,
            court: first(&columns.court)?,
            year: columns
                .year
                .as_ref()
                .and_then(|column| column.first(doc_id))
                .and_then(|y| u16::try_from(y).ok()),
            date: first(&columns.date)?,
            province: first(&columns.province)?,
            court_level: parse(first(&columns.court_level)?),
            procedure: parse(first(&columns.procedure)?),
            authority: parse(first(&columns.authority)?).unwrap_or_default(),
            cited_articles: values(&columns.cited)?,
            ..Judgment::default()
        }))
    }

    fn load(&self, doc: &TantivyDocument) -> Result<Document, StoreError> {
        let json = doc
            .get_first(self.fields.doc)
            .and_then(|v| v.as_str())
            .ok_or_else(|| StoreError("document without stored body".into()))?;
        serde_json::from_str(json)
            .map_err(|e| StoreError(format!("stored document unreadable: {e}")))
    }
}

/// The columns of one segment that a judgment header is read from, opened once per request.
struct HeaderColumns {
    id: Option<StrColumn>,
    kind: Option<StrColumn>,
    domain: Option<StrColumn>,
    causes: Option<StrColumn>,
    court: Option<StrColumn>,
    date: Option<StrColumn>,
    province: Option<StrColumn>,
    court_level: Option<StrColumn>,
    procedure: Option<StrColumn>,
    authority: Option<StrColumn>,
    cited: Option<StrColumn>,
    year: Option<tantivy::columnar::Column<u64>>,
}

impl HeaderColumns {
    fn open(segment: &tantivy::SegmentReader) -> Result<Self, StoreError> {
        let fast = segment.fast_fields();
        let str = |field: &str| fast.str(field).map_err(store_error);
        Ok(HeaderColumns {
            id: str("id")?,
            kind: str("kind")?,
            domain: str("domain")?,
            causes: str("causes")?,
            court: str("court")?,
            date: str("date")?,
            province: str("province")?,
            court_level: str("court_level")?,
            procedure: str("procedure")?,
            authority: str("authority")?,
            cited: str("cited")?,
            year: fast.u64("year").ok(),
        })
    }
}

fn store_error(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl Store for Snapshot {
    fn lexical(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let mut should: Vec<Clause> = Vec::new();
        for (name, boost) in boosts.iter().filter(|(_, b)| *b > 0.0) {
            let Ok(field) = self.fields.schema.get_field(name) else {
                continue;
            };
            for (term, weight) in terms {
                let query = TermQuery::new(
                    Term::from_field_text(field, term),
                    IndexRecordOption::WithFreqs,
                );
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * weight)),
                ));
            }
        }
        if should.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut clauses = self.filter_clauses(filters)?;
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let top = searcher
            .search(&query, &TopDocs::with_limit(limit).order_by_score())
            .map_err(store_error)?;
        let mut columns = Vec::new();
        top.into_iter()
            .map(|(score, address)| {
                let id = self.id_at(&searcher, &mut columns, address)?;
                Ok(Candidate { id, score })
            })
            .collect()
    }

    fn dense(
        &self,
        query: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let Some(vectors) = &self.vectors else {
            return Ok(Vec::new());
        };
        if query.len() != vectors.dimension() {
            return Err(StoreError(format!(
                "query vector has {} dimensions, the index {}",
                query.len(),
                vectors.dimension()
            )));
        }
        let hits =
            if filters.terms.is_empty() && filters.year_from.is_none() && filters.year_to.is_none()
            {
                vectors.search(query, None, limit)
            } else {
                let allowed = self.cached_allowed_ids(filters)?;
                let admit = |id: &str| allowed.contains(id);
                vectors.search(query, Some(&admit), limit)
            };
        Ok(hits
            .into_iter()
            .map(|(id, score)| Candidate { id, score })
            .collect())
    }

    fn dense_model(&self) -> Option<String> {
        self.manifest.dense.as_ref().map(|d| d.model.clone())
    }

    fn document(&self, id: &str) -> Result<Option<Document>, StoreError> {
        Ok(Store::documents(self, &[id.to_string()])?.pop().flatten())
    }

    fn documents(&self, ids: &[String]) -> Result<Vec<Option<Document>>, StoreError> {
        let searcher = self.reader.searcher();
        self.addresses(&searcher, ids)?
            .into_iter()
            .map(|address| match address {
                Some(address) => {
                    let doc: TantivyDocument = searcher.doc(address).map_err(store_error)?;
                    self.load(&doc).map(Some)
                }
                None => Ok(None),
            })
            .collect()
    }

    fn judgment_headers(&self, ids: &[String]) -> Result<Vec<Option<Judgment>>, StoreError> {
        let searcher = self.reader.searcher();
        let mut segments: Vec<Option<HeaderColumns>> = Vec::new();
        segments.resize_with(searcher.segment_readers().len(), || None);
        self.addresses(&searcher, ids)?
            .into_iter()
            .map(|address| {
                let Some(address) = address else {
                    return Ok(None);
                };
                let columns = match &mut segments[address.segment_ord as usize] {
                    Some(columns) => columns,
                    slot => slot.insert(HeaderColumns::open(
                        searcher.segment_reader(address.segment_ord),
                    )?),
                };
                self.header_at(columns, address.doc_id)
            })
            .collect()
    }

    fn document_frequency(&self, field: &str, term: &str) -> Result<(u64, u64), StoreError> {
        let handle = self.fields.schema.get_field(field).map_err(store_error)?;
        let df = self
            .reader
            .searcher()
            .doc_freq(&Term::from_field_text(handle, term))
            .map_err(store_error)?;
        let docs = &self.manifest.docs;
        // Each text field belongs to one kind of document (charges to both).
        let population = match field {
            "title" | "facts" | "reasoning" | "result" | "full_text" => docs.judgments,
            "text" | "law_name" | "chapter" => docs.statutes,
            _ => docs.judgments + docs.statutes,
        };
        Ok((df, population))
    }

    fn stats(&self) -> CorpusStats {
        self.manifest.docs.clone()
    }

    fn statute_catalog(&self) -> Result<std::sync::Arc<StatuteCatalog>, StoreError> {
        if let Some(catalog) = self.statute_catalog.get() {
            return Ok(catalog.clone());
        }
        // Two first requests at once may both read; one result is kept, and both are equal.
        let catalog = std::sync::Arc::new(self.read_statute_catalog()?);
        Ok(self.statute_catalog.get_or_init(|| catalog).clone())
    }
}

/// Bytes on disk of the snapshot in `dir` (0 where it cannot be read).
pub fn snapshot_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter_map(|e| e.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}
