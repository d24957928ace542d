//! Writing a library into the cluster: a whole snapshot (`leian index --to`), or documents added
//! and removed (`leian add|remove --to`).
//!
//! Every write goes through the coordinator in transactions that carry the documents, their
//! postings and the corpus-wide statistics together, so the statistics always count exactly the
//! documents committed, and a copy interrupted between two chunks resumes where it stopped.

use crate::{PgError, describe, read_partitions};
use leian_core::{Document, Kind};
use leian_index::{IndexRows, RowBuilder, Snapshot};
use postgres::{NoTls, Transaction};
use std::collections::{HashMap, HashSet};

/// Documents per transaction of a snapshot copy.
const DOCUMENTS_PER_CHUNK: usize = 2_000;
/// Documents whose passages go in one transaction.
const VECTOR_DOCUMENTS_PER_CHUNK: usize = 1_000;

/// What a write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadCounts {
    pub judgments: u64,
    pub statutes: u64,
    pub passages: u64,
    /// Documents already in the cluster from an interrupted copy of the same snapshot.
    pub resumed: u64,
    /// Documents removed.
    pub removed: u64,
}

/// Changes to the corpus-wide statistics made by one transaction.
#[derive(Default)]
struct StatsDelta {
    terms: HashMap<(&'static str, String), i64>,
    field_tokens: HashMap<String, i64>,
    kinds: HashMap<&'static str, i64>,
}

impl StatsDelta {
    fn add(&mut self, rows: &IndexRows) {
        for field in &rows.fields {
            for (term, _) in &field.terms {
                *self.terms.entry((field.field, term.clone())).or_default() += 1;
            }
            *self
                .field_tokens
                .entry(field.field.to_string())
                .or_default() += field.tokens as i64;
        }
        *self.kinds.entry(rows.kind.as_str()).or_default() += 1;
    }

    fn apply(self, tx: &mut Transaction<'_>) -> Result<(), PgError> {
        let (mut fields, mut terms, mut dfs) = (Vec::new(), Vec::new(), Vec::new());
        for ((field, term), df) in self.terms {
            fields.push(field.to_string());
            terms.push(term);
            dfs.push(df);
        }
        tx.execute(
            "INSERT INTO term_stats AS s (field, term, df)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int8[])
             ON CONFLICT (field, term) DO UPDATE SET df = s.df + excluded.df",
            &[&fields, &terms, &dfs],
        )?;
        let (names, tokens): (Vec<String>, Vec<i64>) = self.field_tokens.into_iter().unzip();
        tx.execute(
            "INSERT INTO field_totals AS t (field, total_tokens)
             SELECT * FROM unnest($1::text[], $2::int8[])
             ON CONFLICT (field) DO UPDATE SET total_tokens = t.total_tokens + excluded.total_tokens",
            &[&names, &tokens],
        )?;
        let (kinds, counts): (Vec<String>, Vec<i64>) = self
            .kinds
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .unzip();
        tx.execute(
            "INSERT INTO kind_counts AS k (kind, docs)
             SELECT * FROM unnest($1::text[], $2::int8[])
             ON CONFLICT (kind) DO UPDATE SET docs = k.docs + excluded.docs",
            &[&kinds, &counts],
        )?;
        if dfs.iter().any(|&d| d < 0) {
            tx.batch_execute(
                "DELETE FROM term_stats WHERE df <= 0;
                 DELETE FROM field_totals WHERE total_tokens <= 0;
                 DELETE FROM kind_counts WHERE docs <= 0;",
            )?;
        }
        // Servers drop their cached document frequencies when this changes.
        tx.execute(
            "INSERT INTO leian_meta (key, value) VALUES ('generation', '1')
             ON CONFLICT (key) DO UPDATE SET value = to_jsonb(leian_meta.value::text::bigint + 1)",
            &[],
        )?;
        Ok(())
    }
}

/// Documents as one array per column (one statement inserts them all).
#[derive(Default)]
struct DocumentColumns {
    ids: Vec<String>,
    kinds: Vec<String>,
    /// Filter values joined by U+001F (an array of arrays would have to be rectangular).
    tags: Vec<String>,
    years: Vec<Option<i32>>,
    lengths: Vec<String>,
    docs: Vec<String>,
}

/// A connection to the coordinator for writing.
pub struct Loader {
    client: postgres::Client,
    rows: RowBuilder,
}

impl Loader {
    pub fn connect(url: &str) -> Result<Loader, PgError> {
        let mut client = postgres::Client::connect(url, NoTls).map_err(|e| PgError::Connect {
            url: crate::redacted(url),
            detail: describe(&e),
        })?;
        read_partitions(&mut client)?;
        Ok(Loader {
            client,
            rows: RowBuilder::default(),
        })
    }

    fn meta(&mut self, key: &str) -> Result<Option<serde_json::Value>, PgError> {
        crate::read_meta(&mut self.client, key)
    }

    fn set_meta(
        tx: &mut Transaction<'_>,
        key: &str,
        value: &serde_json::Value,
    ) -> Result<(), PgError> {
        tx.execute(
            "INSERT INTO leian_meta (key, value) VALUES ($1, $2::text::jsonb)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value.to_string()],
        )?;
        Ok(())
    }

    /// Makes the cluster hold exactly `snapshot`'s documents and vectors. A copy of the same
    /// snapshot that was interrupted goes on from where it stopped; any other library there is
    /// replaced. `progress(step, done, total)` is called as chunks are committed.
    pub fn publish(
        &mut self,
        snapshot: &Snapshot,
        progress: &mut dyn FnMut(&str, u64, u64),
    ) -> Result<LoadCounts, PgError> {
        let manifest = snapshot.manifest();
        let source = serde_json::json!({"snapshot_id": manifest.snapshot_id, "complete": false});
        let resuming = self
            .meta("source")?
            .is_some_and(|s| s["snapshot_id"] == source["snapshot_id"] && s["complete"] == false);
        let mut counts = LoadCounts::default();
        let mut present: HashSet<String> = HashSet::new();
        if resuming {
            for row in self.client.query("SELECT id FROM documents", &[])? {
                present.insert(row.get(0));
            }
            counts.resumed = present.len() as u64;
        } else {
            let mut tx = self.client.transaction()?;
            tx.batch_execute(
                "TRUNCATE documents, postings, passages;
                 TRUNCATE term_stats, field_totals, kind_counts;
                 DELETE FROM leian_meta;",
            )?;
            Self::set_meta(&mut tx, "source", &source)?;
            Self::set_meta(
                &mut tx,
                "analyzer",
                &serde_json::Value::String(leian_text::analyzer_version()),
            )?;
            tx.commit()?;
        }
        let total = manifest.docs.judgments + manifest.docs.statutes;
        let mut batches =
            Batches::new("文书", DOCUMENTS_PER_CHUNK, counts.resumed, total, progress);
        let walked = snapshot.for_each_document(|document| {
            if present.contains(document.id()) {
                return Ok(());
            }
            match document.kind() {
                Kind::Judgment => counts.judgments += 1,
                Kind::Statute => counts.statutes += 1,
            }
            let rows = self.rows.rows(&document)?;
            batches.push(rows, |chunk| self.write_documents(chunk, false))
        });
        batches.finish(walked, |chunk| self.write_documents(chunk, false))?;

        if let (Some(vectors), Some(info)) = (snapshot.vectors(), &manifest.dense) {
            counts.passages = self.copy_vectors(vectors, info, progress)?;
        }
        let mut tx = self.client.transaction()?;
        let complete = serde_json::json!({"snapshot_id": manifest.snapshot_id, "complete": true});
        Self::set_meta(&mut tx, "source", &complete)?;
        tx.commit()?;
        progress("整理各分片的倒排表", 0, 1);
        self.cluster_postings()?;
        progress("整理各分片的倒排表", 1, 1);
        Ok(counts)
    }

    /// Rewrites each shard's postings in (field, term) order, as a posting list is stored: loaded
    /// in document order, one term's postings lay on as many heap pages as it has documents (at
    /// 100,000 judgments a search read 24,000 pages; after this, 900, and took a quarter of the
    /// time). CLUSTER is not sent through postgres_fdw, so this connects to each shard with the
    /// coordinator's foreign server and user mapping options; a shard it cannot reach is only
    /// reported (its searches are correct, only slower).
    fn cluster_postings(&mut self) -> Result<(), PgError> {
        let servers = self.client.query(
            "SELECT DISTINCT s.srvname::text, array_to_string(s.srvoptions, chr(31)),
                    coalesce(array_to_string(m.umoptions, chr(31)), ''), current_user::text
             FROM pg_foreign_table ft
             JOIN pg_foreign_server s ON s.oid = ft.ftserver
             LEFT JOIN pg_user_mappings m
               ON m.srvid = s.oid AND m.usename IN ('public', current_user)",
            &[],
        )?;
        for row in servers {
            let shard: String = row.get(0);
            let mut config = postgres::Config::new();
            config.user(row.get::<_, &str>(3));
            for option in [row.get::<_, String>(1), row.get::<_, String>(2)]
                .iter()
                .flat_map(|options| options.split('\u{1f}'))
            {
                match option.split_once('=') {
                    Some(("host", host)) => config.host(host),
                    Some(("port", port)) => config.port(port.parse().unwrap_or(5432)),
                    Some(("dbname", name)) => config.dbname(name),
                    Some(("user", user)) => config.user(user),
                    Some(("password", password)) => config.password(password),
                    _ => &mut config,
                };
            }
            let done = config.connect(NoTls).and_then(|mut shard_client| {
                shard_client.batch_execute(
                    "SET maintenance_work_mem = '512MB';
                     CLUSTER postings USING postings_pkey;
                     ANALYZE documents, postings, passages;",
                )
            });
            if let Err(e) = done {
                tracing::warn!(%shard, error = %describe(&e), "postings not clustered on this shard");
                eprintln!(
                    "提示：未能整理分片 {shard} 的倒排表（{}）：检索结果不受影响，只是较慢",
                    describe(&e)
                );
            }
        }
        self.client
            .batch_execute("ANALYZE documents, postings, passages")?;
        Ok(())
    }

    fn copy_vectors(
        &mut self,
        vectors: &leian_index::Vectors,
        info: &leian_index::DenseInfo,
        progress: &mut dyn FnMut(&str, u64, u64),
    ) -> Result<u64, PgError> {
        if info.dimension != 512 {
            return Err(PgError::Schema(format!(
                "集群的向量列是 512 维，该索引的模型 {} 是 {} 维：请修改 scripts/postgres/*.sql 中的 vector(512)",
                info.model, info.dimension
            )));
        }
        let mut tx = self.client.transaction()?;
        Self::set_meta(
            &mut tx,
            "dense",
            &serde_json::to_value(info).unwrap_or_default(),
        )?;
        tx.commit()?;
        let mut present: HashSet<String> = HashSet::new();
        for row in self.client.query("SELECT DISTINCT id FROM passages", &[])? {
            present.insert(row.get(0));
        }
        let total = info.documents as u64;
        let mut passages = 0u64;
        let mut batches = Batches::new(
            "向量",
            VECTOR_DOCUMENTS_PER_CHUNK,
            present.len() as u64,
            total,
            progress,
        );
        let walked = vectors.for_each_document_rows(|id, rows| {
            if present.contains(id) {
                return Ok(());
            }
            let rows: Vec<Vec<f32>> = rows.chunks(info.dimension).map(<[f32]>::to_vec).collect();
            passages += rows.len() as u64;
            batches.push((id.to_string(), rows), |chunk| self.write_passages(chunk))
        });
        batches.finish(walked, |chunk| self.write_passages(chunk))?;
        Ok(passages)
    }

    fn write_passages(&mut self, batch: &[(String, Vec<Vec<f32>>)]) -> Result<(), PgError> {
        if batch.is_empty() {
            return Ok(());
        }
        let (mut ids, mut numbers, mut vectors) = (Vec::new(), Vec::new(), Vec::new());
        for (id, rows) in batch {
            for (n, row) in rows.iter().enumerate() {
                ids.push(id.clone());
                numbers.push(n as i32);
                let text: Vec<String> = row.iter().map(|v| format!("{v:?}")).collect();
                vectors.push(format!("[{}]", text.join(",")));
            }
        }
        let mut tx = self.client.transaction()?;
        tx.execute(
            "DELETE FROM passages WHERE id = ANY($1)",
            &[&batch.iter().map(|(id, _)| id.clone()).collect::<Vec<_>>()],
        )?;
        tx.execute(
            "INSERT INTO passages (id, passage, emb)
             SELECT id, n, e::vector FROM unnest($1::text[], $2::int4[], $3::text[]) AS u(id, n, e)",
            &[&ids, &numbers, &vectors],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Writes documents and their postings, with the statistics they add, in one transaction;
    /// with `replace`, documents of the same ids are removed first (and their statistics taken
    /// back).
    fn write_documents(&mut self, rows: &[IndexRows], replace: bool) -> Result<(), PgError> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.client.transaction()?;
        let mut delta = StatsDelta::default();
        if replace {
            let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
            Self::take_back(&mut tx, &ids, &mut delta)?;
        }
        let mut columns = DocumentColumns::default();
        let (mut fields, mut terms, mut ids, mut tfs, mut lens) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for row in rows {
            delta.add(row);
            columns.ids.push(row.id.clone());
            columns.kinds.push(row.kind.as_str().to_string());
            columns.tags.push(row.tags.join("\u{1f}"));
            columns
                .years
                .push(row.year.and_then(|y| i32::try_from(y).ok()));
            let lengths: serde_json::Map<String, serde_json::Value> = row
                .fields
                .iter()
                .map(|f| (f.field.to_string(), f.tokens.into()))
                .collect();
            columns
                .lengths
                .push(serde_json::Value::Object(lengths).to_string());
            columns.docs.push(row.document_json.clone());
            for field in &row.fields {
                for (term, tf) in &field.terms {
                    fields.push(field.field.to_string());
                    terms.push(term.clone());
                    ids.push(row.id.clone());
                    tfs.push(*tf as i32);
                    lens.push(field.scored_length as i32);
                }
            }
        }
        tx.execute(
            "INSERT INTO documents (id, kind, tags, year, lengths, doc)
             SELECT id, kind, string_to_array(tags, chr(31)), year, lengths::jsonb, doc::jsonb
             FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[])
               AS u(id, kind, tags, year, lengths, doc)",
            &[
                &columns.ids,
                &columns.kinds,
                &columns.tags,
                &columns.years,
                &columns.lengths,
                &columns.docs,
            ],
        )?;
        tx.execute(
            "INSERT INTO postings (field, term, id, tf, len)
             SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::int4[])",
            &[&fields, &terms, &ids, &tfs, &lens],
        )?;
        delta.apply(&mut tx)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes the documents `ids` (their postings and passages too), counting in `delta` the
    /// statistics they took; the ids that were there.
    fn take_back(
        tx: &mut Transaction<'_>,
        ids: &[String],
        delta: &mut StatsDelta,
    ) -> Result<Vec<String>, PgError> {
        let found = tx.query(
            "SELECT id, kind, lengths::text FROM documents WHERE id = ANY($1)",
            &[&ids],
        )?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut removed = Vec::new();
        for row in &found {
            removed.push(row.get::<_, String>(0));
            let kind: &str = row.get(1);
            let kind = if kind == Kind::Statute.as_str() {
                Kind::Statute
            } else {
                Kind::Judgment
            };
            *delta.kinds.entry(kind.as_str()).or_default() -= 1;
            let lengths: HashMap<String, i64> =
                serde_json::from_str(row.get::<_, &str>(2)).unwrap_or_default();
            for (field, tokens) in lengths {
                *delta.field_tokens.entry(field).or_default() -= tokens;
            }
        }
        for row in tx.query(
            "SELECT field, term FROM postings WHERE id = ANY($1)",
            &[&removed],
        )? {
            let field: String = row.get(0);
            let Some(field) = leian_index::text_field_name(&field) else {
                continue;
            };
            *delta.terms.entry((field, row.get(1))).or_default() -= 1;
        }
        tx.execute("DELETE FROM postings WHERE id = ANY($1)", &[&removed])?;
        tx.execute("DELETE FROM passages WHERE id = ANY($1)", &[&removed])?;
        tx.execute("DELETE FROM documents WHERE id = ANY($1)", &[&removed])?;
        Ok(removed)
    }

    /// Adds documents, replacing those with the same ids, with their passage vectors when the
    /// library has vectors (`vectors` by id; a document without is searched by BM25 only).
    pub fn upsert(
        &mut self,
        documents: &[Document],
        vectors: &HashMap<String, Vec<Vec<f32>>>,
    ) -> Result<LoadCounts, PgError> {
        crate::check_analyzer(self.meta("analyzer")?.as_ref())?;
        let mut counts = LoadCounts::default();
        let mut rows = Vec::with_capacity(documents.len());
        for document in documents {
            match document.kind() {
                Kind::Judgment => counts.judgments += 1,
                Kind::Statute => counts.statutes += 1,
            }
            rows.push(
                self.rows
                    .rows(document)
                    .map_err(|e| PgError::Schema(e.to_string()))?,
            );
        }
        self.write_documents(&rows, true)?;
        let with_vectors: Vec<(String, Vec<Vec<f32>>)> = documents
            .iter()
            .filter_map(|d| vectors.get(d.id()).map(|v| (d.id().to_string(), v.clone())))
            .collect();
        counts.passages = with_vectors.iter().map(|(_, v)| v.len() as u64).sum();
        self.write_passages(&with_vectors)?;
        Ok(counts)
    }

    /// Removes the documents `ids`; how many were there.
    pub fn remove(&mut self, ids: &[String]) -> Result<LoadCounts, PgError> {
        let mut tx = self.client.transaction()?;
        let mut delta = StatsDelta::default();
        let removed = Self::take_back(&mut tx, ids, &mut delta)?;
        delta.apply(&mut tx)?;
        tx.commit()?;
        Ok(LoadCounts {
            removed: removed.len() as u64,
            ..LoadCounts::default()
        })
    }

    /// How the library's vectors were made, if it has any (an added document is embedded with
    /// the same model).
    pub fn dense_info(&mut self) -> Result<Option<leian_index::DenseInfo>, PgError> {
        Ok(self
            .meta("dense")?
            .and_then(|value| serde_json::from_value(value).ok()))
    }
}

/// Items gathered into transactions of `size` documents while a snapshot is walked, each written
/// as it fills, with progress. A failed write stops the walk and is the error reported.
struct Batches<'p, T> {
    step: &'static str,
    size: usize,
    pending: Vec<T>,
    done: u64,
    total: u64,
    failure: Option<PgError>,
    progress: &'p mut dyn FnMut(&str, u64, u64),
}

impl<'p, T> Batches<'p, T> {
    fn new(
        step: &'static str,
        size: usize,
        done: u64,
        total: u64,
        progress: &'p mut dyn FnMut(&str, u64, u64),
    ) -> Self {
        progress(step, done, total);
        Batches {
            step,
            size,
            pending: Vec::with_capacity(size),
            done,
            total,
            failure: None,
            progress,
        }
    }

    fn push(
        &mut self,
        item: T,
        write: impl FnOnce(&[T]) -> Result<(), PgError>,
    ) -> Result<(), leian_index::IndexError> {
        self.pending.push(item);
        if self.pending.len() < self.size {
            return Ok(());
        }
        self.flush(write).map_err(|e| {
            self.failure = Some(e);
            leian_index::IndexError::Invalid("中止".into())
        })
    }

    fn flush(&mut self, write: impl FnOnce(&[T]) -> Result<(), PgError>) -> Result<(), PgError> {
        let written = std::mem::take(&mut self.pending);
        write(&written)?;
        self.done += written.len() as u64;
        (self.progress)(self.step, self.done, self.total);
        Ok(())
    }

    /// Ends the walk: its error (or the write failure that stopped it), else the last batch.
    fn finish(
        mut self,
        walked: Result<(), leian_index::IndexError>,
        write: impl FnOnce(&[T]) -> Result<(), PgError>,
    ) -> Result<(), PgError> {
        walked.map_err(|e| {
            self.failure
                .take()
                .unwrap_or_else(|| PgError::Schema(e.to_string()))
        })?;
        self.flush(write)
    }
}
