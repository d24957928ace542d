//! Writing a library into the cluster: a whole snapshot (`leian index --to`), or documents added
//! and removed (`leian add|remove --to`).
//!
//! Every write goes through the coordinator in transactions that carry the documents, their
//! postings and the corpus-wide statistics together, so the statistics always count exactly the
//! documents committed, and a copy interrupted between two chunks resumes where it stopped.

use crate::{Partition, PgError, describe, read_partitions};
use leian_core::{Document, Kind};
use leian_index::{IndexRows, RowBuilder, Snapshot};
use postgres::{NoTls, Transaction};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write;

/// Documents per transaction of a snapshot copy: also the documents of one block of postings, so
/// a term has a row per this many documents on each shard.
const DOCUMENTS_PER_CHUNK: usize = 5_000;
/// The `postings` value of `leian_meta`: postings stored as blocks, and each document's own terms
/// beside it (scripts/postgres/schema.sql).
pub(crate) const POSTINGS_LAYOUT: &str = "blocks+terms";
/// Blocks without the documents' terms, as the release before wrote them: still served (a search's
/// second pass then reads the blocks), and added to as they are until loaded again.
pub(crate) const BLOCKS_ONLY: &str = "blocks";
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
    /// The document's `field:term` keys joined by U+001F, their frequencies and their fields'
    /// lengths joined by commas (the forward index).
    term_keys: Vec<String>,
    term_tfs: Vec<String>,
    term_lens: Vec<String>,
}

impl DocumentColumns {
    fn push(&mut self, row: &IndexRows) {
        self.ids.push(row.id.clone());
        self.kinds.push(row.kind.as_str().to_string());
        self.tags.push(row.tags.join("\u{1f}"));
        self.years
            .push(row.year.and_then(|y| i32::try_from(y).ok()));
        let lengths: serde_json::Map<String, serde_json::Value> = row
            .fields
            .iter()
            .map(|f| (f.field.to_string(), f.tokens.into()))
            .collect();
        self.lengths
            .push(serde_json::Value::Object(lengths).to_string());
        self.docs.push(row.document_json.clone());
        let (mut keys, mut tfs, mut lens) = (String::new(), String::new(), String::new());
        for field in &row.fields {
            for (term, tf) in &field.terms {
                if !keys.is_empty() {
                    keys.push('\u{1f}');
                    tfs.push(',');
                    lens.push(',');
                }
                keys.push_str(&crate::term_key(field.field, term));
                let _ = write!(tfs, "{tf}");
                let _ = write!(lens, "{}", field.scored_length);
            }
        }
        self.term_keys.push(keys);
        self.term_tfs.push(tfs);
        self.term_lens.push(lens);
    }
}

/// One shard's block of postings: per (field, term) the documents, frequencies and lengths,
/// each list joined into one text (an array of arrays would have to be rectangular).
#[derive(Default)]
struct PostingBlocks {
    lists: BTreeMap<(&'static str, String), (String, String, String)>,
}

impl PostingBlocks {
    fn add(&mut self, row: &IndexRows) {
        for field in &row.fields {
            for (term, tf) in &field.terms {
                let (ids, tfs, lens) = self.lists.entry((field.field, term.clone())).or_default();
                if !ids.is_empty() {
                    ids.push('\u{1f}');
                    tfs.push(',');
                    lens.push(',');
                }
                ids.push_str(&row.id);
                let _ = write!(tfs, "{tf}");
                let _ = write!(lens, "{}", field.scored_length);
            }
        }
    }

    fn insert(self, tx: &mut Transaction<'_>, suffix: &str, block: i64) -> Result<(), PgError> {
        let mut columns: [Vec<String>; 5] = Default::default();
        for ((field, term), (ids, tfs, lens)) in self.lists {
            for (column, value) in columns
                .iter_mut()
                .zip([field.to_string(), term, ids, tfs, lens])
            {
                column.push(value);
            }
        }
        let [fields, terms, ids, tfs, lens] = &columns;
        tx.execute(
            &format!(
                "INSERT INTO posting_blocks_{suffix} (field, term, block, ids, tfs, lens)
                 SELECT f, t, $1, string_to_array(i, chr(31)),
                        string_to_array(tf, ',')::int4[], string_to_array(l, ',')::int4[]
                 FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                   AS u(f, t, i, tf, l)"
            ),
            &[&block, fields, terms, ids, tfs, lens],
        )?;
        Ok(())
    }
}

/// A connection to the coordinator for writing.
pub struct Loader {
    client: postgres::Client,
    partitions: Vec<Partition>,
    rows: RowBuilder,
    /// The layout the library keeps (`leian_meta.postings`): documents added to a library of
    /// blocks only do not make it claim terms its older documents lack.
    layout: &'static str,
}

impl Loader {
    pub fn connect(url: &str) -> Result<Loader, PgError> {
        let mut client = postgres::Client::connect(url, NoTls).map_err(|e| PgError::Connect {
            url: crate::redacted(url),
            detail: describe(&e),
        })?;
        let partitions = read_partitions(&mut client)?;
        let layout = match crate::read_meta(&mut client, "postings")? {
            Some(serde_json::Value::String(found)) if found == BLOCKS_ONLY => BLOCKS_ONLY,
            _ => POSTINGS_LAYOUT,
        };
        Ok(Loader {
            client,
            partitions,
            rows: RowBuilder::default(),
            layout,
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
            .is_some_and(|s| s["snapshot_id"] == source["snapshot_id"] && s["complete"] == false)
            && self.meta("postings")? == Some(POSTINGS_LAYOUT.into());
        let mut counts = LoadCounts::default();
        let mut present: HashSet<String> = HashSet::new();
        if resuming {
            for row in self.client.query("SELECT id FROM documents", &[])? {
                present.insert(row.get(0));
            }
            counts.resumed = present.len() as u64;
        } else {
            let blocks: Vec<String> = self
                .partitions
                .iter()
                .map(|p| format!(", posting_blocks_{}", p.suffix))
                .collect();
            let mut tx = self.client.transaction()?;
            tx.batch_execute(&format!(
                "TRUNCATE documents, passages{};
                 TRUNCATE term_stats, field_totals, kind_counts;
                 DELETE FROM leian_meta;
                 ALTER SEQUENCE posting_block_numbers RESTART;",
                blocks.concat()
            ))?;
            Self::set_meta(&mut tx, "source", &source)?;
            self.layout = POSTINGS_LAYOUT;
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
            batches.push(document, |chunk| self.write_new_documents(chunk))
        });
        batches.finish(walked, |chunk| self.write_new_documents(chunk))?;

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

    /// Rewrites each shard's blocks of postings in (field, term) order, as a posting list is
    /// stored: loaded block after block, one term's rows lie on as many heap pages as there are
    /// blocks (with a row per posting, at 100,000 judgments a search read 24,000 pages before
    /// this and 900 after, and took a quarter of the time). CLUSTER is not sent through postgres_fdw, so this connects to each shard with the
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
                     CLUSTER posting_blocks USING posting_blocks_pkey;
                     ANALYZE documents, posting_blocks, passages;",
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
        // The coordinator's own statistics of the foreign partitions: postgres_fdw in PostgreSQL
        // 15 fetches every row of a partition to sample it (over three minutes for the
        // documents at a million judgments, with their terms; the passages' vectors would be
        // gigabytes). The documents' statements from the coordinator scan one partition with
        // every condition shipped (`EXPLAIN VERBOSE`), which no statistic changes, so they are
        // not analysed here. The passages are, where dense search goes through postgres_fdw
        // (no dblink), whose shipping of ORDER BY … LIMIT is cost-based; with dblink it runs
        // whole on the shards, which were analysed above. Never the postings: their shard views
        // hold a row per posting.
        let dblink = self
            .client
            .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'dblink'", &[])?
            .is_some();
        if !dblink {
            self.client.batch_execute("ANALYZE passages")?;
        }
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

    /// Writes documents not in the cluster, cutting their text on every core (the analyzer is most
    /// of a copy's time on the loader's side).
    fn write_new_documents(&mut self, documents: &[Document]) -> Result<(), PgError> {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let per_thread = documents.len().div_ceil(threads).max(1);
        let builder = &self.rows;
        let rows: Vec<IndexRows> = std::thread::scope(|scope| {
            let parts: Vec<_> = documents
                .chunks(per_thread)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|d| builder.rows(d))
                            .collect::<Result<Vec<_>, _>>()
                    })
                })
                .collect();
            parts
                .into_iter()
                .map(|part| part.join().expect("the analyzer does not panic"))
                .collect::<Result<Vec<Vec<_>>, _>>()
        })
        .map_err(|e| PgError::Schema(e.to_string()))?
        .into_iter()
        .flatten()
        .collect();
        self.write_documents(&rows, false)
    }

    /// Writes documents and their postings, with the statistics they add, in one transaction;
    /// with `replace`, documents of the same ids are removed first (and their statistics taken
    /// back). The postings form one block on each shard the documents went to.
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
        let block: i64 = tx
            .query_one("SELECT nextval('posting_block_numbers')", &[])?
            .get(0);
        let mut columns = DocumentColumns::default();
        for row in rows {
            delta.add(row);
            columns.push(row);
        }
        tx.execute(
            "INSERT INTO documents (id, kind, tags, year, lengths, doc, block,
                                    term_keys, term_tfs, term_lens)
             SELECT id, kind, string_to_array(tags, chr(31)), year, lengths::jsonb, doc::jsonb, $7,
                    string_to_array(keys, chr(31)), string_to_array(tfs, ',')::int4[],
                    string_to_array(lens, ',')::int4[]
             FROM unnest($1::text[], $2::text[], $3::text[], $4::int4[], $5::text[], $6::text[],
                         $8::text[], $9::text[], $10::text[])
               AS u(id, kind, tags, year, lengths, doc, keys, tfs, lens)",
            &[
                &columns.ids,
                &columns.kinds,
                &columns.tags,
                &columns.years,
                &columns.lengths,
                &columns.docs,
                &block,
                &columns.term_keys,
                &columns.term_tfs,
                &columns.term_lens,
            ],
        )?;
        let partition_of = Self::partitions_of(&mut tx, &columns.ids)?;
        let mut blocks: BTreeMap<&str, PostingBlocks> = BTreeMap::new();
        for row in rows {
            let Some(suffix) = partition_of.get(&row.id) else {
                return Err(PgError::Schema(format!(
                    "文书 {} 写入后在各分区中都找不到",
                    row.id
                )));
            };
            blocks.entry(suffix).or_default().add(row);
        }
        for (suffix, postings) in blocks {
            postings.insert(&mut tx, suffix, block)?;
        }
        delta.apply(&mut tx)?;
        Loader::set_meta(
            &mut tx,
            "postings",
            &serde_json::Value::String(self.layout.into()),
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The partition (its suffix, `p0`) each of the documents `ids` was written to.
    fn partitions_of(
        tx: &mut Transaction<'_>,
        ids: &[String],
    ) -> Result<HashMap<String, String>, PgError> {
        let mut found = HashMap::with_capacity(ids.len());
        for row in tx.query(
            "SELECT id, tableoid::regclass::text FROM documents WHERE id = ANY($1)",
            &[&ids],
        )? {
            found.insert(row.get(0), partition_suffix(row.get(1)).to_string());
        }
        Ok(found)
    }

    /// Deletes the documents `ids` (their postings and passages too), counting in `delta` the
    /// statistics they took; the ids that were there.
    fn take_back(
        tx: &mut Transaction<'_>,
        ids: &[String],
        delta: &mut StatsDelta,
    ) -> Result<Vec<String>, PgError> {
        let found = tx.query(
            "SELECT id, kind, lengths::text, block, tableoid::regclass::text
             FROM documents WHERE id = ANY($1)",
            &[&ids],
        )?;
        if found.is_empty() {
            return Ok(Vec::new());
        }
        let mut removed = Vec::new();
        let mut by_block: BTreeMap<(String, i64), Vec<String>> = BTreeMap::new();
        for row in &found {
            let id: String = row.get(0);
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
            if let Some(block) = row.get::<_, Option<i64>>(3) {
                by_block
                    .entry((partition_suffix(row.get(4)).to_string(), block))
                    .or_default()
                    .push(id.clone());
            }
            removed.push(id);
        }
        for ((suffix, block), ids) in by_block {
            Self::remove_postings(tx, &suffix, block, &ids, delta)?;
        }
        tx.execute("DELETE FROM passages WHERE id = ANY($1)", &[&removed])?;
        tx.execute("DELETE FROM documents WHERE id = ANY($1)", &[&removed])?;
        Ok(removed)
    }

    /// Takes the documents `ids` out of their block's rows on one shard, counting the document
    /// frequencies they took in `delta`.
    fn remove_postings(
        tx: &mut Transaction<'_>,
        suffix: &str,
        block: i64,
        ids: &[String],
        delta: &mut StatsDelta,
    ) -> Result<(), PgError> {
        let mut terms: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
        for row in tx.query(
            &format!(
                "SELECT id, field, term FROM postings_{suffix} WHERE block = $1 AND id = ANY($2)"
            ),
            &[&block, &ids],
        )? {
            let (id, field, term): (String, String, String) = (row.get(0), row.get(1), row.get(2));
            if let Some(name) = leian_index::text_field_name(&field) {
                *delta.terms.entry((name, term.clone())).or_default() -= 1;
            }
            terms.entry((id, field)).or_default().push(term);
        }
        // Each array loses the element at the id's position; every expression is a built-in, so
        // postgres_fdw sends the whole update to the shard.
        let update = format!(
            "UPDATE posting_blocks_{suffix} SET
               ids = ids[1:array_position(ids, $3) - 1]
                     || ids[array_position(ids, $3) + 1:cardinality(ids)],
               tfs = tfs[1:array_position(ids, $3) - 1]
                     || tfs[array_position(ids, $3) + 1:cardinality(ids)],
               lens = lens[1:array_position(ids, $3) - 1]
                      || lens[array_position(ids, $3) + 1:cardinality(ids)]
             WHERE field = $1 AND term = ANY($2) AND block = $4 AND $3 = ANY(ids)"
        );
        for ((id, field), terms) in &terms {
            tx.execute(&update, &[field, terms, id, &block])?;
        }
        tx.execute(
            &format!(
                "DELETE FROM posting_blocks_{suffix} WHERE block = $1 AND cardinality(ids) = 0"
            ),
            &[&block],
        )?;
        Ok(())
    }

    /// Adds documents, replacing those with the same ids, with their passage vectors when the
    /// library has vectors (`vectors` by id; a document without is searched by BM25 only).
    pub fn upsert(
        &mut self,
        documents: &[Document],
        vectors: &HashMap<String, Vec<Vec<f32>>>,
    ) -> Result<LoadCounts, PgError> {
        crate::check_analyzer(self.meta("analyzer")?.as_ref())?;
        crate::check_postings_layout(&mut self.client)?;
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
        crate::check_postings_layout(&mut self.client)?;
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

/// `p0` of `documents_p0` (a partition's `tableoid::regclass`).
fn partition_suffix(table: &str) -> &str {
    table
        .rsplit_once("documents_")
        .map_or(table, |(_, suffix)| suffix)
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
