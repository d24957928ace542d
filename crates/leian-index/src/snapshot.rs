//! Opening a snapshot and answering the engine's storage questions from it.

use crate::IndexError;
use crate::manifest::Manifest;
use crate::schema::{Fields, SCHEMA_VERSION, build_schema};
use leian_core::first_pass::{FirstPassKey, RecentFirstPasses};
use leian_core::{
    Candidate, CorpusStats, Document, FieldBoosts, FilterField, Filters, Judgment, Kind,
    StatuteCatalog, Store, StoreError,
};
use leian_text::{LegalTokenizer, TOKENIZER_NAME, analyzer_version};
use std::collections::BTreeMap;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use tantivy::DocAddress;
use tantivy::collector::TopDocs;
use tantivy::directory::error::OpenReadError;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, RangeQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
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
    /// The latest first passes of [`Store::lexical_rescored`] (see [`leian_core::first_pass`]).
    first_passes: RecentFirstPasses<FirstPassKey, FirstPass>,
    /// Decoded on first use (see [`SegmentColumns`]).
    columns: std::sync::OnceLock<Vec<SegmentColumns>>,
    /// Built on first use: opening a snapshot to search should not pay for reading every
    /// statute article.
    statute_catalog: std::sync::OnceLock<std::sync::Arc<StatuteCatalog>>,
    /// Live documents of each kind: the population BM25 scores a kind's fields against.
    kind_counts: KindCounts,
    doc_frequencies: DocFrequencies,
}

type FirstPass = std::sync::Arc<Vec<(f32, DocAddress)>>;

/// Live judgments and statutes in a snapshot.
#[derive(Debug, Clone, Copy, Default)]
struct KindCounts {
    judgments: u64,
    statutes: u64,
}

impl KindCounts {
    fn of(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Judgment => self.judgments,
            Kind::Statute => self.statutes,
        }
    }
}

/// Document frequencies already counted, by field and term. Counting one searches the term
/// dictionary of every segment, and a research request counts the same few hundred terms again
/// and again (the split into distinctive and common words, then the BM25 weight of every
/// field's clause in each search it runs): at a million judgments term dictionary searches were
/// about a tenth of a request's CPU, half of them these counts. The snapshot never changes, so a
/// count never goes stale.
#[derive(Default)]
struct DocFrequencies {
    by_field: std::sync::RwLock<std::collections::HashMap<u32, TermCounts>>,
    kept: std::sync::atomic::AtomicUsize,
    /// Each field's token total (BM25's average length), summed over the segments once rather
    /// than for every clause.
    tokens: std::sync::RwLock<std::collections::HashMap<u32, u64>>,
}

/// One field's counts, by the term's bytes.
type TermCounts = std::collections::HashMap<Box<[u8]>, u64>;

/// Counts kept before the cache starts afresh: a server running for months meets most of the
/// vocabulary, and a count costs about 50 bytes.
const DOC_FREQUENCIES_KEPT: usize = 1_000_000;

impl DocFrequencies {
    fn get_or_count(
        &self,
        term: &Term,
        count: impl FnOnce() -> tantivy::Result<u64>,
    ) -> tantivy::Result<u64> {
        use std::sync::atomic::Ordering;
        let field = term.field().field_id();
        let value = term.serialized_value_bytes();
        // A poisoned lock only means another request panicked while inserting a count.
        let known = self
            .by_field
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&field)
            .and_then(|terms| terms.get(value).copied());
        if let Some(df) = known {
            return Ok(df);
        }
        let df = count()?;
        let mut by_field = self
            .by_field
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if self.kept.load(Ordering::Relaxed) >= DOC_FREQUENCIES_KEPT {
            by_field.clear();
            self.kept.store(0, Ordering::Relaxed);
        }
        if by_field
            .entry(field)
            .or_default()
            .insert(value.into(), df)
            .is_none()
        {
            self.kept.fetch_add(1, Ordering::Relaxed);
        }
        Ok(df)
    }

    fn tokens_or_count(
        &self,
        field: tantivy::schema::Field,
        count: impl FnOnce() -> tantivy::Result<u64>,
    ) -> tantivy::Result<u64> {
        let known = self
            .tokens
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&field.field_id())
            .copied();
        if let Some(tokens) = known {
            return Ok(tokens);
        }
        let tokens = count()?;
        self.tokens
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(field.field_id(), tokens);
        Ok(tokens)
    }
}

/// BM25 statistics of one kind of document. tantivy keeps document frequencies and token
/// counts per field, and every text field belongs to one kind, but it divides by the number of
/// documents of the whole index; counting only the kind's documents makes a judgment's score
/// independent of the statutes indexed beside it (and the other way round).
struct KindStatistics<'a> {
    searcher: &'a tantivy::Searcher,
    documents: u64,
    doc_frequencies: &'a DocFrequencies,
}

impl tantivy::query::Bm25StatisticsProvider for KindStatistics<'_> {
    fn total_num_tokens(&self, field: tantivy::schema::Field) -> tantivy::Result<u64> {
        self.doc_frequencies
            .tokens_or_count(field, || self.searcher.total_num_tokens(field))
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.documents)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.doc_frequencies
            .get_or_count(term, || self.searcher.doc_freq(term))
    }
}

/// Filter combinations whose allowed sets are kept.
const ALLOWED_CACHE_ENTRIES: usize = 64;

impl Snapshot {
    /// Opens the snapshot in `dir`, refusing one built with another schema or analyzer (its terms
    /// would not match the queries' terms).
    pub fn open(dir: &Path) -> Result<Self, IndexError> {
        if !dir.is_dir() {
            return Err(IndexError::Invalid(format!(
                "{}：这里没有索引（请先用 `leian index` 建立）",
                dir.display()
            )));
        }
        // Everything is read from the folder the path names now: a snapshot published while this
        // one opens must not mix its manifest, index or vectors with this one's.
        let resolved = crate::swap::resolve(dir)?;
        let manifest = Manifest::read(&resolved)?;
        if manifest.schema_version != SCHEMA_VERSION
            || manifest.analyzer_version != analyzer_version()
        {
            return Err(IndexError::Invalid(format!(
                "{} 由结构版本 {} / 分词器版本 {} 建立，本程序需要结构版本 {} / 分词器版本 {}：请用 `leian index` 重建",
                dir.display(),
                manifest.schema_version,
                manifest.analyzer_version,
                SCHEMA_VERSION,
                analyzer_version()
            )));
        }
        let damaged = |detail: String| {
            IndexError::Invalid(format!(
                "{}：索引文件已损坏或不完整，无法打开（{detail}）；请用 `leian index` 重建索引",
                dir.display()
            ))
        };
        let mut index = Index::open_in_dir(&resolved).map_err(|e| damaged(tantivy_detail(&e)))?;
        // A search scores each segment on its own, so one request can use every core: at court
        // scale the index holds several segments of bounded size (see `merge_policy`).
        let search_threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        if search_threads > 1 {
            index
                .set_multithread_executor(search_threads)
                .map_err(|e| damaged(tantivy_detail(&e)))?;
        }
        // tantivy trusts its files: flipped bytes in a term dictionary or a column made it panic
        // in the middle of a search. Each segment file ends with a CRC32 of its content; checking
        // them all at open costs one read of the index (see ARCHITECTURE.md for the figure) and
        // turns damage into this error.
        let bad = damaged_segment_files(&resolved, &index).map_err(|e| damaged(read_detail(&e)))?;
        if !bad.is_empty() {
            return Err(damaged(format!("校验和不符：{}", bad.join("、"))));
        }
        index.tokenizers().register(TOKENIZER_NAME, LegalTokenizer);
        // A snapshot never changes under a reader: a rebuild publishes a new folder and the server
        // swaps snapshots itself. Watching `meta.json` would show a rebuilt index's documents
        // under the old snapshot id.
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()
            .map_err(|e| damaged(tantivy_detail(&e)))?;
        let vectors = match &manifest.dense {
            Some(info) => Some(crate::Vectors::open(&resolved, info)?),
            None => None,
        };
        let fields = build_schema();
        let kind_counts = count_kinds(&reader.searcher(), &fields)?;
        Ok(Snapshot {
            dir: dir.to_path_buf(),
            fields,
            reader,
            manifest,
            vectors,
            allowed_cache: Default::default(),
            first_passes: Default::default(),
            columns: Default::default(),
            statute_catalog: Default::default(),
            kind_counts,
            doc_frequencies: Default::default(),
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `filters` only name kinds, among them every kind that has vectors: the filter a
    /// judgment search always carries (`kind=judgment`). Dense search then needs no filter, where
    /// testing every document against it would cost a hash lookup per document per query.
    fn filter_admits_every_vector(&self, filters: &Filters) -> bool {
        let Some(info) = &self.manifest.dense else {
            return false;
        };
        filters.year_from.is_none()
            && filters.year_to.is_none()
            && filters
                .terms
                .iter()
                .all(|(field, _)| *field == FilterField::Kind)
            && !info.kinds.is_empty()
            && info.kinds.iter().all(|kind| {
                filters
                    .terms
                    .iter()
                    .any(|(_, value)| value.parse::<Kind>().ok() == Some(*kind))
            })
    }

    /// The snapshot's passage vectors, if it has any.
    pub fn vectors(&self) -> Option<&crate::Vectors> {
        self.vectors.as_ref()
    }

    /// Every stored document, in index order.
    pub fn all_documents(&self) -> Result<Vec<Document>, IndexError> {
        let mut documents = Vec::new();
        self.for_each_document(|doc| {
            documents.push(doc);
            Ok(())
        })?;
        Ok(documents)
    }

    /// Calls `visit` with every stored document in index order, one at a time (embedding a
    /// snapshot after it was built reads a court's archive without holding it in memory).
    pub fn for_each_document(
        &self,
        mut visit: impl FnMut(Document) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        self.for_each_stored(|doc| {
            visit(
                self.load(doc)
                    .map_err(|e| IndexError::Invalid(e.to_string()))?,
            )
        })
    }

    /// Calls `visit` with every live stored document, in index order.
    fn for_each_stored(
        &self,
        mut visit: impl FnMut(&TantivyDocument) -> Result<(), IndexError>,
    ) -> Result<(), IndexError> {
        let searcher = self.reader.searcher();
        for segment in searcher.segment_readers() {
            let store = segment
                .get_store_reader(8)
                .map_err(|e| IndexError::io(&self.dir, e))?;
            for doc in store.iter::<TantivyDocument>(segment.alive_bitset()) {
                visit(&doc?)?;
            }
        }
        Ok(())
    }

    /// Whether a live document has this id.
    pub fn contains(&self, id: &str) -> Result<bool, IndexError> {
        Ok(self
            .addresses(&[id.to_string()])
            .map_err(|e| IndexError::Invalid(e.to_string()))?[0]
            .is_some())
    }

    /// The id of each indexed judgment with a case number, by [`leian_text::case_key`]. Read from the
    /// stored documents (case numbers are not indexed): an update pays this once, searches never.
    pub fn judgments_by_case_number(
        &self,
    ) -> Result<std::collections::HashMap<String, String>, IndexError> {
        #[derive(serde::Deserialize)]
        struct Header {
            kind: String,
            id: String,
            #[serde(default)]
            case_number: Option<String>,
        }
        let mut found = std::collections::HashMap::new();
        self.for_each_stored(|doc| {
            let Some(json) = doc.get_first(self.fields.doc).and_then(|v| v.as_str()) else {
                return Ok(());
            };
            let header: Header = serde_json::from_str(json)
                .map_err(|e| IndexError::Invalid(format!("存储的文书无法读取：{e}")))?;
            if let (true, Some(number)) = (header.kind == "judgment", &header.case_number) {
                found.insert(leian_text::case_key(&header.id, number), header.id);
            }
            Ok(())
        })?;
        Ok(found)
    }

    /// Bytes on disk.
    pub fn size_bytes(&self) -> u64 {
        snapshot_bytes(&self.dir)
    }

    /// [`Snapshot::scored_addresses`], kept for the next searches of the same terms.
    fn first_pass(
        &self,
        searcher: &tantivy::Searcher,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<FirstPass, StoreError> {
        self.first_passes
            .get_or_search(FirstPassKey::new(terms, boosts, filters, limit), || {
                Ok(FirstPass::new(self.scored_addresses(
                    searcher, terms, boosts, filters, limit,
                )?))
            })
    }

    /// The `limit` best documents for `terms` (score, address), in no particular order.
    fn scored_addresses(
        &self,
        searcher: &tantivy::Searcher,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<(f32, DocAddress)>, StoreError> {
        let mut top: Vec<(f32, DocAddress)> = Vec::new();
        // One query per kind, each scored against its own kind's statistics; a document matches
        // only its own kind's fields, so the two lists merge by score.
        for kind in [Kind::Judgment, Kind::Statute] {
            let should = self.term_clauses(searcher, terms, boosts, kind)?;
            if should.is_empty() {
                continue;
            }
            let statistics = KindStatistics {
                searcher,
                documents: self.kind_counts.of(kind),
                doc_frequencies: &self.doc_frequencies,
            };
            let found = if only_kind_of(filters, kind) {
                // The text fields belong to one kind, so the kind condition is implied and left
                // out: intersecting the terms' union with every judgment's posting cost a third
                // of a search at a million judgments. The union is scored exhaustively (a
                // sort key that is the score itself): tantivy's block-max WAND, which a plain
                // union of terms would get, re-sorts hundreds of term cursors at every step and
                // measured many times slower on fact summaries.
                searcher.search_with_statistics_provider(
                    &BooleanQuery::new(should),
                    &TopDocs::with_limit(limit).tweak_score(|_: &tantivy::SegmentReader| {
                        |_: tantivy::DocId, score: f32| score
                    }),
                    &statistics,
                )
            } else {
                let mut clauses = self.filter_clauses(filters)?;
                clauses.push((Occur::Must, Box::new(BooleanQuery::new(should))));
                searcher.search_with_statistics_provider(
                    &BooleanQuery::new(clauses),
                    &TopDocs::with_limit(limit).order_by_score(),
                    &statistics,
                )
            };
            top.extend(found.map_err(store_error)?);
        }
        Ok(top)
    }

    /// Adds to each document of `top` the BM25 scores of `terms` in it, as the same terms in a
    /// query's union would have. Each term's postings are only sought at these documents (skip
    /// lists, in document order), so a term in half the library costs a few hundred seeks here
    /// rather than a pass over its whole posting list.
    fn add_term_scores(
        &self,
        searcher: &tantivy::Searcher,
        top: &mut [(f32, DocAddress)],
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
    ) -> Result<(), StoreError> {
        // Each segment's candidates in document order, so every posting list is sought forward.
        let mut by_segment: BTreeMap<u32, Vec<(tantivy::DocId, usize)>> = BTreeMap::new();
        for (i, (_, address)) in top.iter().enumerate() {
            by_segment
                .entry(address.segment_ord)
                .or_default()
                .push((address.doc_id, i));
        }
        for docs in by_segment.values_mut() {
            docs.sort_unstable();
        }
        for kind in [Kind::Judgment, Kind::Statute] {
            let clauses = self.term_clauses(searcher, terms, boosts, kind)?;
            if clauses.is_empty() {
                continue;
            }
            let statistics = KindStatistics {
                searcher,
                documents: self.kind_counts.of(kind),
                doc_frequencies: &self.doc_frequencies,
            };
            let weights = clauses
                .iter()
                .map(|(_, query)| {
                    query.weight(
                        tantivy::query::EnableScoring::enabled_from_statistics_provider(
                            &statistics,
                            searcher,
                        ),
                    )
                })
                .collect::<tantivy::Result<Vec<_>>>()
                .map_err(store_error)?;
            // Segments are scored on the search threads, as a first pass is: at court scale the
            // seeks of a hundred common words into a few hundred documents are most of a charge
            // vote's time.
            let scored = searcher
                .index()
                .search_executor()
                .map(
                    |(segment, docs): (&u32, &Vec<(tantivy::DocId, usize)>)| {
                        let reader = searcher.segment_reader(*segment);
                        // Each score goes on from the first pass's, adding the words in the same
                        // order as one thread would: equal scores stay equal to the last bit.
                        let mut scores: Vec<f32> = docs.iter().map(|&(_, i)| top[i].0).collect();
                        for weight in &weights {
                            let mut scorer = weight.scorer(reader, 1.0)?;
                            for (slot, &(doc, _)) in scores.iter_mut().zip(docs) {
                                if scorer.doc() < doc {
                                    scorer.seek(doc);
                                }
                                if scorer.doc() == doc {
                                    *slot += scorer.score();
                                }
                            }
                        }
                        Ok(scores)
                    },
                    by_segment.iter(),
                )
                .map_err(store_error)?;
            for (docs, scores) in by_segment.values().zip(scored) {
                for (&(_, i), score) in docs.iter().zip(scores) {
                    top[i].0 = score;
                }
            }
        }
        Ok(())
    }

    /// The `limit` best of `top` as candidates, equal scores in id order.
    fn best_candidates(
        &self,
        top: Vec<(f32, DocAddress)>,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let columns = self.columns()?;
        let mut candidates: Vec<Candidate> = top
            .into_iter()
            .map(|(score, address)| Candidate {
                id: columns[address.segment_ord as usize].id_of(address.doc_id),
                score,
            })
            .collect();
        // Equal scores in id order, not index order: the same documents rank the same in any
        // snapshot that holds them.
        candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
        candidates.truncate(limit);
        Ok(candidates)
    }

    /// One clause for each term in each boosted field of `kind` that holds it.
    fn term_clauses(
        &self,
        searcher: &tantivy::Searcher,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        kind: Kind,
    ) -> Result<Vec<Clause>, StoreError> {
        let mut should: Vec<Clause> = Vec::new();
        for (name, boost) in boosts.iter().filter(|(_, b)| *b > 0.0) {
            if crate::schema::text_field_kind(name) != Some(kind) {
                continue;
            }
            let Ok(field) = self.fields.schema.get_field(name) else {
                continue;
            };
            for (term, weight) in terms {
                let term = Term::from_field_text(field, term);
                // A word the field never holds adds nothing, and its clause would search every
                // segment's dictionary in vain: most words of a fact summary are in no title and
                // no cause's name. The count is the one its BM25 weight needs anyway.
                let documents = self
                    .doc_frequencies
                    .get_or_count(&term, || searcher.doc_freq(&term))
                    .map_err(store_error)?;
                if documents == 0 {
                    continue;
                }
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost * weight)),
                ));
            }
        }
        Ok(should)
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
                .map_err(|e| StoreError::Failed(e.to_string()))?;
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
            clauses.push((Occur::Must, non_scoring(BooleanQuery::new(alternatives))));
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
            clauses.push((Occur::Must, non_scoring(range)));
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
        let columns = self.columns()?;
        Ok(found
            .into_iter()
            .map(|address| columns[address.segment_ord as usize].id_of(address.doc_id))
            .collect())
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

    /// Where each id is, in the order of `ids` (from the decoded id columns).
    fn addresses(&self, ids: &[String]) -> Result<Vec<Option<DocAddress>>, StoreError> {
        let columns = self.columns()?;
        Ok(ids
            .iter()
            .map(|id| {
                columns.iter().enumerate().find_map(|(segment, c)| {
                    c.doc_of(id).map(|doc| DocAddress::new(segment as u32, doc))
                })
            })
            .collect())
    }

    /// The columns of every segment, decoded on first use and kept: the snapshot never changes.
    fn columns(&self) -> Result<&[SegmentColumns], StoreError> {
        if let Some(columns) = self.columns.get() {
            return Ok(columns);
        }
        let searcher = self.reader.searcher();
        let decoded = searcher
            .segment_readers()
            .iter()
            .map(SegmentColumns::open)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(self.columns.get_or_init(|| decoded))
    }

    /// A judgment's header read from its segment's columns (`None` for a statute).
    fn header_at(columns: &SegmentColumns, doc_id: tantivy::DocId) -> Option<Judgment> {
        if columns.kind.first(doc_id) != Some(Kind::Judgment.as_str()) {
            return None;
        }
        fn parse<T: std::str::FromStr>(value: Option<&str>) -> Option<T> {
            value.and_then(|v| v.parse().ok())
        }
        let text = |column: &TextColumn| column.first(doc_id).map(str::to_string);
        Some(Judgment {
            id: text(&columns.id).unwrap_or_default(),
            domain: parse(columns.domain.first(doc_id)),
            causes: columns.causes.all(doc_id),
            court: text(&columns.court),
            year: columns
                .year
                .as_ref()
                .and_then(|column| column.first(doc_id))
                .and_then(|y| u16::try_from(y).ok()),
            date: text(&columns.date),
            province: text(&columns.province),
            court_level: parse(columns.court_level.first(doc_id)),
            procedure: parse(columns.procedure.first(doc_id)),
            authority: parse(columns.authority.first(doc_id)).unwrap_or_default(),
            cited_articles: columns.cited.all(doc_id),
            ..Judgment::default()
        })
    }

    fn load(&self, doc: &TantivyDocument) -> Result<Document, StoreError> {
        let json = doc
            .get_first(self.fields.doc)
            .and_then(|v| v.as_str())
            .ok_or_else(|| StoreError::Failed("文书没有存储的正文".into()))?;
        serde_json::from_str(json)
            .map_err(|e| StoreError::Failed(format!("存储的文书无法读取：{e}")))
    }
}

/// A string column with its dictionary decoded: reading a value is an index into a vector, not
/// a walk through a compressed block of the dictionary (hundreds of candidates a request read
/// ids, causes and cited articles).
struct TextColumn {
    ords: Option<tantivy::columnar::Column<u64>>,
    values: Vec<String>,
}

impl TextColumn {
    fn open(fast: &tantivy::fastfield::FastFieldReaders, field: &str) -> Result<Self, StoreError> {
        let Some(column) = fast.str(field).map_err(store_error)? else {
            return Ok(TextColumn {
                ords: None,
                values: Vec::new(),
            });
        };
        let mut values = Vec::with_capacity(column.num_terms());
        let mut terms = column.dictionary().stream().map_err(store_error)?;
        while terms.advance() {
            values.push(String::from_utf8_lossy(terms.key()).into_owned());
        }
        let (_, ords) = column.into_parts();
        Ok(TextColumn {
            ords: Some(ords),
            values,
        })
    }

    fn first(&self, doc_id: tantivy::DocId) -> Option<&str> {
        let ord = self.ords.as_ref()?.first(doc_id)?;
        self.values.get(ord as usize).map(String::as_str)
    }

    fn all(&self, doc_id: tantivy::DocId) -> Vec<String> {
        let Some(ords) = &self.ords else {
            return Vec::new();
        };
        ords.values_for_doc(doc_id)
            .filter_map(|ord| self.values.get(ord as usize).cloned())
            .collect()
    }
}

/// The columns of one segment that ids and judgment headers are read from.
struct SegmentColumns {
    id: TextColumn,
    kind: TextColumn,
    domain: TextColumn,
    causes: TextColumn,
    court: TextColumn,
    date: TextColumn,
    province: TextColumn,
    court_level: TextColumn,
    procedure: TextColumn,
    authority: TextColumn,
    cited: TextColumn,
    year: Option<tantivy::columnar::Column<u64>>,
    /// The live document of each id (by the id's ordinal in the sorted id dictionary).
    doc_by_id_ord: Vec<Option<tantivy::DocId>>,
}

impl SegmentColumns {
    fn open(segment: &tantivy::SegmentReader) -> Result<Self, StoreError> {
        let fast = segment.fast_fields();
        let text = |field: &str| TextColumn::open(fast, field);
        let id = text("id")?;
        let mut doc_by_id_ord = vec![None; id.values.len()];
        if let Some(ords) = &id.ords {
            for doc in 0..segment.max_doc() {
                let alive = segment.alive_bitset().is_none_or(|bits| bits.is_alive(doc));
                if let (true, Some(ord)) = (alive, ords.first(doc)) {
                    doc_by_id_ord[ord as usize] = Some(doc);
                }
            }
        }
        Ok(SegmentColumns {
            doc_by_id_ord,
            id,
            kind: text("kind")?,
            domain: text("domain")?,
            causes: text("causes")?,
            court: text("court")?,
            date: text("date")?,
            province: text("province")?,
            court_level: text("court_level")?,
            procedure: text("procedure")?,
            authority: text("authority")?,
            cited: text("cited")?,
            year: fast.u64("year").ok(),
        })
    }

    fn id_of(&self, doc_id: tantivy::DocId) -> String {
        self.id.first(doc_id).unwrap_or_default().to_string()
    }

    /// The live document with `id` in this segment.
    fn doc_of(&self, id: &str) -> Option<tantivy::DocId> {
        let ord = self
            .id
            .values
            .binary_search_by(|value| value.as_str().cmp(id))
            .ok()?;
        self.doc_by_id_ord.get(ord).copied().flatten()
    }
}

/// Whether `filters` ask for nothing but documents of `kind` (or nothing at all).
fn only_kind_of(filters: &Filters, kind: Kind) -> bool {
    filters.year_from.is_none()
        && filters.year_to.is_none()
        && filters.terms.iter().all(|(field, value)| {
            *field == FilterField::Kind && value.parse::<Kind>().ok() == Some(kind)
        })
}

fn store_error(e: impl std::fmt::Display) -> StoreError {
    StoreError::Failed(e.to_string())
}

impl Store for Snapshot {
    fn lexical(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let top = self.scored_addresses(&searcher, terms, boosts, filters, limit)?;
        self.best_candidates(top, limit)
    }

    fn lexical_rescored(
        &self,
        distinctive: &[(String, f32)],
        common: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
        pool: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let searcher = self.reader.searcher();
        let first = self.first_pass(&searcher, distinctive, boosts, filters, pool.max(limit))?;
        let mut top = first.as_ref().clone();
        self.add_term_scores(&searcher, &mut top, common, boosts)?;
        self.best_candidates(top, limit)
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
            return Err(StoreError::Failed(format!(
                "查询向量有 {} 维，索引的向量有 {} 维",
                query.len(),
                vectors.dimension()
            )));
        }
        let hits =
            if filters.terms.is_empty() && filters.year_from.is_none() && filters.year_to.is_none()
                || self.filter_admits_every_vector(filters)
            {
                vectors.search(query, None, limit)
            } else {
                let allowed = self.cached_allowed_ids(filters)?;
                let admit = |id: &str| allowed.contains(id);
                vectors.search(query, Some(&admit), limit)
            }
            .map_err(|e| StoreError::Failed(e.to_string()))?;
        Ok(hits
            .into_iter()
            .map(|(id, score)| Candidate { id, score })
            .collect())
    }

    fn dense_model(&self) -> Option<String> {
        self.manifest.dense.as_ref().map(|d| d.model.clone())
    }

    fn has_vectors_for(&self, kind: Kind) -> bool {
        self.manifest.dense.as_ref().is_some_and(|d| d.covers(kind))
    }

    fn document(&self, id: &str) -> Result<Option<Document>, StoreError> {
        Ok(Store::documents(self, &[id.to_string()])?.pop().flatten())
    }

    fn documents(&self, ids: &[String]) -> Result<Vec<Option<Document>>, StoreError> {
        let searcher = self.reader.searcher();
        self.addresses(ids)?
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
        let columns = self.columns()?;
        Ok(self
            .addresses(ids)?
            .into_iter()
            .map(|address| {
                address.and_then(|a| Self::header_at(&columns[a.segment_ord as usize], a.doc_id))
            })
            .collect())
    }

    fn document_frequency(&self, field: &str, term: &str) -> Result<(u64, u64), StoreError> {
        let handle = self.fields.schema.get_field(field).map_err(store_error)?;
        let term = Term::from_field_text(handle, term);
        let df = self
            .doc_frequencies
            .get_or_count(&term, || self.reader.searcher().doc_freq(&term))
            .map_err(store_error)?;
        let population = crate::schema::text_field_kind(field).map_or(
            self.kind_counts.judgments + self.kind_counts.statutes,
            |kind| self.kind_counts.of(kind),
        );
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

/// A filter that selects without adding to the score: a filter term's BM25 weight would depend
/// on how many documents of other kinds share the index.
fn non_scoring(query: impl Query + 'static) -> Box<dyn Query> {
    Box::new(tantivy::query::ConstScoreQuery::new(Box::new(query), 0.0))
}

/// Live judgments and statutes in the index in `dir` (deleted documents excluded).
pub(crate) fn count_documents(index: &Index) -> Result<CorpusStats, IndexError> {
    let reader = index
        .reader_builder()
        .reload_policy(tantivy::ReloadPolicy::Manual)
        .try_into()?;
    let counts = count_kinds(&reader.searcher(), &build_schema())?;
    Ok(CorpusStats {
        judgments: counts.judgments,
        statutes: counts.statutes,
    })
}

/// Counts the live documents of each kind (deleted ones excluded, as tantivy's own count does).
fn count_kinds(searcher: &tantivy::Searcher, fields: &Fields) -> Result<KindCounts, IndexError> {
    let kind = fields
        .schema
        .get_field("kind")
        .map_err(|e| IndexError::Invalid(e.to_string()))?;
    let count = |value: &str| {
        let query = TermQuery::new(Term::from_field_text(kind, value), IndexRecordOption::Basic);
        searcher.search(&query, &tantivy::collector::Count)
    };
    Ok(KindCounts {
        judgments: count(Kind::Judgment.as_str())? as u64,
        statutes: count(Kind::Statute.as_str())? as u64,
    })
}

/// The segment files of the index in `dir` whose CRC32 does not match their content. Every file
/// named like a segment's (`<32 hex digits>.<component>`) is checked, not only those tantivy's
/// `.managed.json` lists: a damaged list would otherwise leave damaged segments unchecked.
fn damaged_segment_files(dir: &Path, index: &Index) -> Result<Vec<String>, OpenReadError> {
    let mut bad = Vec::new();
    let listing = |e| OpenReadError::wrap_io_error(e, dir.to_path_buf());
    for entry in std::fs::read_dir(dir).map_err(listing)? {
        let entry = entry.map_err(listing)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let segment_file = name.len() > 33
            && name.as_bytes()[32] == b'.'
            && name[..32].bytes().all(|b| b.is_ascii_hexdigit());
        if !segment_file || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        if !index.directory().validate_checksum(Path::new(&name))? {
            bad.push(name);
        }
    }
    bad.sort();
    Ok(bad)
}

/// Why tantivy could not open an index, in Chinese (its own messages are English).
fn tantivy_detail(error: &tantivy::TantivyError) -> String {
    use tantivy::TantivyError as E;
    match error {
        E::OpenReadError(e) => read_detail(e),
        E::IoError(e) => leian_core::messages::io_error(e),
        E::DataCorruption(_) => "数据已损坏".into(),
        E::IncompatibleIndex(_) => "索引由不兼容的 tantivy 版本写成".into(),
        other => other.to_string(),
    }
}

fn read_detail(error: &OpenReadError) -> String {
    match error {
        OpenReadError::FileDoesNotExist(path) => format!("缺少文件 {}", path.display()),
        // tantivy reads a JSON footer (version, checksum) at the end of every segment file.
        OpenReadError::IoError { io_error, filepath }
            if io_error.kind() == std::io::ErrorKind::InvalidData =>
        {
            format!("{} 末尾的版本与校验信息已损坏", filepath.display())
        }
        OpenReadError::IoError { io_error, filepath } => format!(
            "无法读取 {}：{}",
            filepath.display(),
            leian_core::messages::io_error(io_error)
        ),
        OpenReadError::IncompatibleIndex(_) => "索引由不兼容的 tantivy 版本写成".into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SnapshotBuilder;
    use leian_core::{Document, Judgment};

    const BOOSTS: &FieldBoosts = &[("facts", 1.0), ("title", 1.0)];

    /// Forty judgments: every one shares the common words, a few share each rarer one.
    fn library() -> (tempfile::TempDir, Snapshot) {
        library_in_segments(40)
    }

    /// The same forty judgments, the first `first` indexed at once and the rest added by an
    /// update: two segments, searched apart.
    fn library_in_segments(first: usize) -> (tempfile::TempDir, Snapshot) {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("index");
        let mut builder = SnapshotBuilder::create(&out, 1).unwrap();
        let judgments = forty_judgments();
        for judgment in &judgments[..first] {
            builder
                .add_document(Document::Judgment(judgment.clone()))
                .unwrap();
        }
        builder.finish(Vec::new(), 0).unwrap();
        if first < judgments.len() {
            let mut update = crate::SnapshotUpdate::begin(&out, 1).unwrap();
            for judgment in &judgments[first..] {
                update
                    .add_document(&Document::Judgment(judgment.clone()))
                    .unwrap();
            }
            update
                .finish(Vec::new(), crate::UpdateCounts::default())
                .unwrap();
        }
        let snapshot = Snapshot::open(&crate::swap::resolve(&out).unwrap()).unwrap();
        (dir, snapshot)
    }

    fn forty_judgments() -> Vec<Judgment> {
        let rare = [
            "入户",
            "扒窃",
            "携带凶器",
            "多次",
            "手机",
            "现金",
            "电动车",
            "珠宝",
        ];
        (0..40)
            .map(|i| {
                let mut facts = String::from("被告人经审理查明盗窃");
                for (r, word) in rare.iter().enumerate() {
                    if (i + r) % (r + 2) == 0 {
                        facts.push_str(word);
                        facts.push('，');
                    }
                }
                if i % 3 == 0 {
                    facts.push_str("被告人到案后如实供述。");
                }
                Judgment {
                    id: format!("j{i:02}"),
                    title: Some(format!("盗窃案{i}")),
                    facts,
                    ..Judgment::default()
                }
            })
            .collect()
    }

    #[test]
    fn a_kept_document_frequency_equals_the_segments_count() {
        // Two segments, so a count sums both dictionaries.
        let (_dir, snapshot) = library_in_segments(25);
        let searcher = snapshot.reader.searcher();
        let facts = snapshot.fields.schema.get_field("facts").unwrap();
        let title = snapshot.fields.schema.get_field("title").unwrap();
        for word in ["入户", "扒窃", "盗窃", "没有这个词"] {
            let counted = searcher
                .doc_freq(&Term::from_field_text(facts, word))
                .unwrap();
            // Asked twice: counted once, then kept.
            for _ in 0..2 {
                assert_eq!(
                    snapshot.document_frequency("facts", word).unwrap().0,
                    counted,
                    "{word}"
                );
            }
        }
        let kept = |field, word| {
            snapshot
                .doc_frequencies
                .get_or_count(&Term::from_field_text(field, word), || {
                    panic!("{word} was counted again")
                })
                .unwrap()
        };
        assert_eq!(kept(facts, "盗窃"), 40);
        // The same word in another field is another count.
        let in_title = snapshot
            .doc_frequencies
            .get_or_count(&Term::from_field_text(title, "盗窃"), || Ok(7))
            .unwrap();
        assert_eq!(in_title, 7);
        assert_eq!(kept(facts, "盗窃"), 40);
        // Token totals, kept the same way.
        use tantivy::query::Bm25StatisticsProvider;
        let statistics = KindStatistics {
            searcher: &searcher,
            documents: 40,
            doc_frequencies: &snapshot.doc_frequencies,
        };
        for field in [facts, title, facts] {
            assert_eq!(
                statistics.total_num_tokens(field).unwrap(),
                searcher.total_num_tokens(field).unwrap()
            );
        }
    }

    fn terms(words: &[&str]) -> Vec<(String, f32)> {
        words.iter().map(|w| (w.to_string(), 1.0)).collect()
    }

    fn judgments_only() -> Filters {
        let mut filters = Filters::default();
        filters.add("kind", "judgment").unwrap();
        filters
    }

    #[test]
    fn rescoring_the_whole_library_ranks_as_one_search() {
        let (_dir, snapshot) = library();
        let (distinctive, common) = (terms(&["入户", "手机", "珠宝"]), terms(&["被告人", "供述"]));
        let all: Vec<(String, f32)> = distinctive.iter().chain(&common).cloned().collect();
        let filters = judgments_only();
        let whole = snapshot.lexical(&all, BOOSTS, &filters, 10).unwrap();
        // A pool as large as the library: every matching judgment gets every term's score.
        let rescored = snapshot
            .lexical_rescored(&distinctive, &common, BOOSTS, &filters, 10, 100)
            .unwrap();
        let ids = |list: &[Candidate]| list.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&rescored), ids(&whole));
        for (a, b) in rescored.iter().zip(&whole) {
            assert!(
                (a.score - b.score).abs() < 1e-4,
                "{} {} {}",
                a.id,
                a.score,
                b.score
            );
        }
        // The same first pass again comes from the kept one and gives the same list.
        let again = snapshot
            .lexical_rescored(&distinctive, &common, BOOSTS, &filters, 10, 100)
            .unwrap();
        assert_eq!(ids(&again), ids(&rescored));
    }

    #[test]
    fn rescoring_across_segments_equals_rescoring_one() {
        let (_one_dir, one) = library();
        let (_two_dir, two) = library_in_segments(17);
        assert_eq!(two.reader.searcher().segment_readers().len(), 2);
        let (distinctive, common) = (terms(&["入户", "手机", "珠宝"]), terms(&["被告人", "供述"]));
        let filters = judgments_only();
        let rescore = |snapshot: &Snapshot| {
            snapshot
                .lexical_rescored(&distinctive, &common, BOOSTS, &filters, 12, 100)
                .unwrap()
        };
        let (a, b) = (rescore(&one), rescore(&two));
        assert_eq!(a.len(), 12);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.id, y.id);
            assert!((x.score - y.score).abs() < 1e-4, "{x:?} {y:?}");
        }
    }

    #[test]
    fn common_terms_only_reorder_the_pool_of_the_distinctive_ones() {
        let (_dir, snapshot) = library();
        let (distinctive, common) = (terms(&["珠宝", "电动车"]), terms(&["被告人", "供述"]));
        let filters = judgments_only();
        let pool: Vec<String> = snapshot
            .lexical(&distinctive, BOOSTS, &filters, 6)
            .unwrap()
            .into_iter()
            .map(|c| c.id)
            .collect();
        let rescored = snapshot
            .lexical_rescored(&distinctive, &common, BOOSTS, &filters, 3, 6)
            .unwrap();
        assert_eq!(rescored.len(), 3);
        assert!(
            rescored.iter().all(|c| pool.contains(&c.id)),
            "{rescored:?} {pool:?}"
        );
        // Each judgment's score is its distinctive terms' plus its common terms'.
        let all: Vec<(String, f32)> = distinctive.iter().chain(&common).cloned().collect();
        let whole = snapshot.lexical(&all, BOOSTS, &filters, 40).unwrap();
        for candidate in &rescored {
            let exact = whole.iter().find(|c| c.id == candidate.id).unwrap();
            assert!((exact.score - candidate.score).abs() < 1e-4);
        }
        // Without common terms the list is the first pass itself.
        let first = snapshot
            .lexical_rescored(&distinctive, &[], BOOSTS, &filters, 6, 6)
            .unwrap();
        assert_eq!(first.iter().map(|c| c.id.clone()).collect::<Vec<_>>(), pool);
    }
}
