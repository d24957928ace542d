//! Leian's store on a sharded PostgreSQL cluster: the engine's [`Store`] seam answered by a
//! coordinator whose tables are hash partitions on shards (postgres_fdw), with pgvector for
//! passage vectors. `scripts/postgres-cluster.sh up` builds such a cluster on one machine;
//! `scripts/postgres/*.sql` is the schema.
//!
//! Ranking parity with the embedded snapshot: postings carry the term frequency and the field
//! length as tantivy's BM25 reads them ([`leian_index::RowBuilder`]); document frequencies and
//! average lengths are corpus-wide tables on the coordinator; each shard sums its postings'
//! BM25 under its B-tree and returns its best, which are merged here. Fusion, re-ranking and
//! everything above the store is the same Leian code whichever store answers.
//!
//! Shards that are down: a query that fails is asked of each partition alone to learn which
//! shard is missing; the store then fails with [`StoreError::ShardUnavailable`] naming it, or,
//! inside [`leian_core::shards::allowing_partial`], answers from the live shards.

mod load;
pub mod sql;

pub use load::{LoadCounts, Loader};

use leian_core::first_pass::{FirstPassKey, RecentFirstPasses};
use leian_core::{
    Candidate, CorpusStats, Document, FieldBoosts, FilterField, Filters, Judgment, Kind,
    StatuteCatalog, Store, StoreError,
};
use leian_index::DenseInfo;
use postgres::NoTls;
use r2d2_postgres::PostgresConnectionManager;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

/// BM25 parameters: tantivy's, so that scores equal the embedded engine's.
const K1: f32 = 1.2;
const B: f32 = 0.75;

/// Passages asked of each shard per document wanted by a dense search: a document has several,
/// and only its best counts.
const PASSAGES_PER_DOCUMENT: usize = 3;

/// How long corpus-wide counts are trusted before the coordinator is asked again: a write
/// becomes visible to BM25 statistics within this time, as a snapshot reload would.
const TOTALS_MAX_AGE: Duration = Duration::from_millis(500);

/// Document frequencies kept between queries (cleared when the library changes).
const DF_CACHE_ENTRIES: usize = 200_000;

type Pool = r2d2::Pool<PostgresConnectionManager<NoTls>>;

/// Why the cluster could not be used.
#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("无法连接 PostgreSQL 集群 {url}：{detail}")]
    Connect { url: String, detail: String },
    #[error("{0}")]
    Schema(String),
    #[error("PostgreSQL 集群出错：{0}")]
    Query(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<postgres::Error> for PgError {
    fn from(error: postgres::Error) -> Self {
        PgError::Query(describe(&error))
    }
}

/// The server's message (with its detail) rather than the client library's English summary.
pub(crate) fn describe(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => match db.detail() {
            Some(detail) => format!("{}（{detail}）", db.message()),
            None => db.message().to_string(),
        },
        None => error.to_string(),
    }
}

/// Whether `url` names a PostgreSQL store rather than a snapshot folder.
pub fn is_postgres_url(location: &str) -> bool {
    location.starts_with("postgres://") || location.starts_with("postgresql://")
}

/// One hash partition of the coordinator's tables and the shard (foreign server) holding it.
#[derive(Debug, Clone)]
struct Partition {
    /// Suffix of the partition tables: `p0` in `documents_p0`, `postings_p0`, …
    suffix: String,
    shard: String,
}

/// A BM25 search as SQL: for a shard's own tables (sent through dblink), and per partition
/// through postgres_fdw.
struct Bm25Sql {
    on_shard: String,
    through_fdw: Box<dyn Fn(&Partition) -> String>,
}

/// A (field, term) pair of a query with its BM25 weight: a posting of the pair scores
/// `weight · tf / (tf + LENGTH_CONSTANT + per_token[field] · len)`.
struct WeighedPair {
    field: String,
    term: String,
    weight: f32,
}

/// The pairs of a query that occur in the library, and each field's length norm per token.
struct WeighedQuery {
    pairs: Vec<WeighedPair>,
    per_token: HashMap<String, f32>,
}

/// BM25's length-independent part of the norm, K1 · (1 − B), in f32 as tantivy computes it.
const LENGTH_CONSTANT: f32 = K1 * (1.0 - B);

/// How a (field, term) pair is named in a document's forward index (`documents.term_keys`,
/// written by the loader) and in the statements that look pairs up there.
pub(crate) fn term_key(field: &str, term: &str) -> String {
    format!("{field}:{term}")
}

impl WeighedQuery {
    fn per_token(&self, field: &str) -> f32 {
        self.per_token.get(field).copied().unwrap_or(0.0)
    }

    /// The pairs as the rows of a SQL `VALUES` list, `(name…, weight, k)` where `k` is the
    /// pair's field's norm per token; `name` says how the statement joins a pair with a
    /// shard's rows (field and term of a posting block, or a forward-index key).
    fn values(&self, name: impl Fn(&WeighedPair) -> String) -> String {
        let rows: Vec<String> = self
            .pairs
            .iter()
            .map(|p| {
                format!(
                    "({},{},{})",
                    name(p),
                    sql::float(f64::from(p.weight)),
                    sql::float(f64::from(self.per_token(&p.field)))
                )
            })
            .collect();
        rows.join(",")
    }
}

/// Corpus-wide counts BM25 needs, read from the coordinator.
#[derive(Debug, Clone, Default)]
struct Totals {
    read_at: Option<Instant>,
    generation: i64,
    judgments: u64,
    statutes: u64,
    field_tokens: HashMap<String, u64>,
}

impl Totals {
    fn of_kind(&self, kind: Kind) -> u64 {
        match kind {
            Kind::Judgment => self.judgments,
            Kind::Statute => self.statutes,
        }
    }
}

/// The store: a pool of connections to the coordinator.
pub struct PgStore {
    /// Always `Some` until dropped (see the `Drop` impl).
    pool: Option<Pool>,
    partitions: Vec<Partition>,
    dense: Option<DenseInfo>,
    snapshot_id: String,
    /// The coordinator has dblink (`scripts/postgres-cluster.sh up` installs it): dense searches
    /// run whole on the shards.
    dblink: bool,
    /// The documents carry their own terms (`leian_meta.postings` is [`load::POSTINGS_LAYOUT`]):
    /// the second pass of a search reads those of its pool's documents only.
    document_terms: bool,
    totals: RwLock<Totals>,
    document_frequencies: Mutex<HashMap<(String, String), u64>>,
    statute_catalog: OnceLock<Arc<StatuteCatalog>>,
    /// The latest first passes of `lexical_rescored`, with the library generation they were
    /// searched in: a research request's list, sentencing precedents and charge vote search the
    /// same distinctive terms, and each first pass is most of a request's time at scale.
    first_passes: RecentFirstPasses<(i64, FirstPassKey), Arc<Vec<Candidate>>>,
}

impl PgStore {
    /// Connects to the coordinator at `url` and reads what the library was loaded with.
    pub fn open(url: &str) -> Result<PgStore, PgError> {
        let config: postgres::Config =
            url.parse().map_err(|e: postgres::Error| PgError::Connect {
                url: redacted(url),
                detail: e.to_string(),
            })?;
        let manager = PostgresConnectionManager::new(config, NoTls);
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .connection_timeout(Duration::from_secs(5))
            .build(manager)
            .map_err(|e| PgError::Connect {
                url: redacted(url),
                detail: e.to_string(),
            })?;
        let mut client = pool.get().map_err(|e| PgError::Connect {
            url: redacted(url),
            detail: e.to_string(),
        })?;
        let partitions = read_partitions(&mut client)?;
        check_analyzer(read_meta(&mut client, "analyzer")?.as_ref())?;
        let document_terms = check_postings_layout(&mut client)?;
        let dense =
            match read_meta(&mut client, "dense")? {
                Some(value) => Some(serde_json::from_value(value).map_err(|e| {
                    PgError::Schema(format!("leian_meta 中的向量信息无法读取：{e}"))
                })?),
                None => None,
            };
        let snapshot_id = read_meta(&mut client, "source")?
            .and_then(|v| v["snapshot_id"].as_str().map(|s| format!("postgres:{s}")))
            .unwrap_or_else(|| "postgres:empty".to_string());
        let dblink = client
            .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'dblink'", &[])?
            .is_some();
        drop(client);
        let store = PgStore {
            pool: Some(pool),
            partitions,
            dense,
            snapshot_id,
            dblink,
            document_terms,
            totals: RwLock::default(),
            document_frequencies: Mutex::default(),
            statute_catalog: OnceLock::new(),
            first_passes: RecentFirstPasses::default(),
        };
        store.refresh_totals()?;
        Ok(store)
    }

    /// Names what the store serves: `postgres:` and the snapshot it was loaded from.
    pub fn snapshot_id(&self) -> &str {
        &self.snapshot_id
    }

    /// How the library's vectors were made (the query encoder must match).
    pub fn dense_info(&self) -> Option<&DenseInfo> {
        self.dense.as_ref()
    }

    /// A shard found down: first passes kept from before hold its documents, which a partial
    /// answer must not rank and which may differ once a replica takes its place.
    fn forget_first_passes_if_any(&self, down: &[(&Partition, String)]) {
        if !down.is_empty() {
            self.first_passes.clear();
        }
    }

    /// A coordinator connection whose statements stop at this thread's deadline (a request's,
    /// see `leian_core::deadline`): the coordinator cancels them and, through dblink, their
    /// shards' statements, so a request the server gave up on stops loading the cluster.
    fn client(
        &self,
    ) -> Result<r2d2::PooledConnection<PostgresConnectionManager<NoTls>>, StoreError> {
        let timeout_ms = match leian_core::deadline::remaining() {
            Some(left) if left.is_zero() => return Err(StoreError::DeadlineExceeded),
            // 0 turns the limit off (a connection is reused by work without a deadline).
            Some(left) => left.as_millis().clamp(1, i32::MAX as u128),
            None => 0,
        };
        let mut client = self
            .pool
            .as_ref()
            .ok_or_else(|| StoreError::Unavailable("连接池已关闭".into()))?
            .get()
            .map_err(|e| StoreError::Unavailable(format!("无法连接 PostgreSQL 协调节点：{e}")))?;
        client
            .batch_execute(&format!("SET statement_timeout = {timeout_ms}"))
            .map_err(|e| match client.is_closed() {
                true => coordinator_lost(&e),
                false => query_error(e),
            })?;
        Ok(client)
    }

    /// The corpus-wide counts, re-read when older than [`TOTALS_MAX_AGE`]: a research request
    /// makes several BM25 calls within milliseconds, and one read serves them all.
    fn current_totals(&self) -> Result<Totals, StoreError> {
        {
            let kept = self.totals.read().map_err(poisoned)?;
            if kept.read_at.is_some_and(|at| at.elapsed() < TOTALS_MAX_AGE) {
                return Ok(kept.clone());
            }
        }
        self.refresh_totals()
    }

    /// Re-reads the corpus-wide counts; clears cached document frequencies when the library
    /// changed since.
    fn refresh_totals(&self) -> Result<Totals, StoreError> {
        let mut client = self.client()?;
        let rows = client
            .query(
                "SELECT 'kind', kind, docs FROM kind_counts
                 UNION ALL SELECT 'field', field, total_tokens FROM field_totals
                 UNION ALL SELECT 'generation', key, coalesce(value::text, '0')::bigint
                   FROM leian_meta WHERE key = 'generation'",
                &[],
            )
            .map_err(query_error)?;
        let mut totals = Totals {
            read_at: Some(Instant::now()),
            ..Totals::default()
        };
        for row in rows {
            let (what, name, value): (&str, &str, i64) = (row.get(0), row.get(1), row.get(2));
            let value_u = value.max(0) as u64;
            match (what, name) {
                ("kind", "judgment") => totals.judgments = value_u,
                ("kind", "statute") => totals.statutes = value_u,
                ("field", field) => {
                    totals.field_tokens.insert(field.to_string(), value_u);
                }
                ("generation", _) => totals.generation = value,
                _ => {}
            }
        }
        let mut kept = self.totals.write().map_err(poisoned)?;
        if kept.generation != totals.generation {
            self.document_frequencies.lock().map_err(poisoned)?.clear();
        }
        *kept = totals.clone();
        Ok(totals)
    }

    /// Document frequencies of `(field, term)` pairs, from the cache or the coordinator.
    fn frequencies(&self, pairs: &[(String, String)]) -> Result<Vec<u64>, StoreError> {
        let mut cache = self.document_frequencies.lock().map_err(poisoned)?;
        let missing: Vec<&(String, String)> =
            pairs.iter().filter(|p| !cache.contains_key(*p)).collect();
        if !missing.is_empty() {
            drop(cache);
            let mut sql =
                String::from("SELECT field, term, df FROM term_stats WHERE (field, term) IN (");
            for (i, (field, term)) in missing.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                let _ = write!(sql, "({},{})", sql::literal(field), sql::literal(term));
            }
            sql.push(')');
            let rows = self.client()?.query(&sql, &[]).map_err(query_error)?;
            cache = self.document_frequencies.lock().map_err(poisoned)?;
            if cache.len() + missing.len() > DF_CACHE_ENTRIES {
                cache.clear();
            }
            for pair in &missing {
                cache.insert((*pair).clone(), 0);
            }
            for row in rows {
                let df: i64 = row.get(2);
                cache.insert((row.get(0), row.get(1)), df.max(0) as u64);
            }
        }
        Ok(pairs
            .iter()
            .map(|p| cache.get(p).copied().unwrap_or(0))
            .collect())
    }

    /// Runs one statement per partition (`statement(partition)`), all at once as one UNION ALL
    /// (the coordinator scans the shards in parallel), and returns every row. When it fails,
    /// each partition is asked alone to find the shard that is down.
    fn across_shards(
        &self,
        statement: impl Fn(&Partition) -> String,
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statements: Vec<String> = self
            .partitions
            .iter()
            .map(|p| format!("({})", statement(p)))
            .collect();
        let mut client = self.client()?;
        let error = match client.query(&statements.join(" UNION ALL "), &[]) {
            Ok(rows) => return Ok(rows),
            Err(error) => error,
        };
        if !is_connection_failure(&error) {
            return Err(query_error(error));
        }
        // The coordinator's own connection lost: no shard is to blame, and asking each partition
        // on a closed connection would name the first.
        if client.is_closed() {
            return Err(coordinator_lost(&error));
        }
        let mut rows = Vec::new();
        let mut down = Vec::new();
        for (partition, statement) in self.partitions.iter().zip(&statements) {
            match client.query(statement.as_str(), &[]) {
                Ok(found) => rows.extend(found),
                Err(e) if is_connection_failure(&e) => down.push((partition, describe(&e))),
                Err(e) => return Err(query_error(e)),
            }
        }
        self.forget_first_passes_if_any(&down);
        settle(rows, down)
    }

    /// Runs `remote` (SQL over a shard's own tables, schema.sql) on every shard at once, through
    /// dblink's asynchronous calls on one connection per shard that this coordinator session
    /// keeps (`leian_p0`, …), and returns the rows (`columns` their types). Statements that
    /// postgres_fdw could not send whole run this way; `dblink(server, sql)` would connect anew
    /// each time and wait for one shard before asking the next.
    fn on_every_shard(
        &self,
        remote: &str,
        columns: &str,
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let mut client = self.client()?;
        let (mut rows, mut down) = (Vec::new(), Vec::new());
        let mut asking: Vec<&Partition> = self.partitions.iter().collect();
        // A connection this session kept may lead to a shard restarted or replaced since (a
        // replica promoted): it fails only when its result is read. Such a partition is asked
        // once more, on a fresh connection; a shard really down then refuses the connection.
        for attempt in 0..2 {
            let lost =
                Self::ask_shards(&mut client, &asking, remote, columns, &mut rows, &mut down)?;
            if lost.is_empty() {
                break;
            }
            if attempt == 1 {
                down.extend(lost);
                break;
            }
            asking = lost.into_iter().map(|(partition, _)| partition).collect();
        }
        self.forget_first_passes_if_any(&down);
        settle(rows, down)
    }

    /// Sends `remote` to the shards of `partitions` on `client`'s dblink connections and reads
    /// their rows into `rows`. A shard that cannot be connected to goes to `down`; those whose
    /// connection failed while their result was read are returned.
    fn ask_shards<'a>(
        client: &mut postgres::Client,
        partitions: &[&'a Partition],
        remote: &str,
        columns: &str,
        rows: &mut Vec<postgres::Row>,
        down: &mut Vec<(&'a Partition, String)>,
    ) -> Result<Vec<(&'a Partition, String)>, StoreError> {
        let mut sent = Vec::new();
        for &partition in partitions {
            let name = format!("leian_{}", partition.suffix);
            match send_to_shard(client, &name, &partition.shard, remote) {
                Ok(()) => sent.push((partition, name)),
                Err(e) if client.is_closed() => return Err(coordinator_lost(&e)),
                Err(e) if is_connection_failure(&e) => down.push((partition, describe(&e))),
                Err(e) => return Err(query_error(e)),
            }
        }
        let results = format!("SELECT * FROM dblink_get_result($1) AS t({columns})");
        let mut failures = Vec::new();
        for (partition, name) in sent {
            // dblink wants the empty result that ends the query before the next one.
            match client
                .query(&results, &[&name])
                .and_then(|found| client.query(&results, &[&name]).map(|_| found))
            {
                Ok(found) => rows.extend(found),
                Err(e) => failures.push((partition, e)),
            }
        }
        if failures.is_empty() {
            return Ok(Vec::new());
        }
        if client.is_closed() {
            return Err(coordinator_lost(&failures[0].1));
        }
        // The connections' state is unknown after an error: the next call starts afresh. A
        // statement still running on a shard (this one cancelled at the deadline, or another
        // shard's failure) is cancelled first: closing its connection alone would leave it
        // running until it sends its rows. One connection's failure to cancel stops no other.
        let _ = client.batch_execute(
            "DO $$ DECLARE c text; BEGIN
               FOREACH c IN ARRAY coalesce(dblink_get_connections(), '{}') LOOP
                 BEGIN PERFORM dblink_cancel_query(c); EXCEPTION WHEN OTHERS THEN NULL; END;
                 PERFORM dblink_disconnect(c);
               END LOOP;
             END $$",
        );
        let mut lost = Vec::new();
        for (partition, e) in failures {
            if !is_connection_failure(&e) {
                return Err(query_error(e));
            }
            lost.push((partition, describe(&e)));
        }
        Ok(lost)
    }

    /// The query's (field, term) pairs that occur in the library, each with its BM25 weight, and
    /// each field's length norm.
    fn weigh_pairs(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        totals: &Totals,
    ) -> Result<WeighedQuery, StoreError> {
        let kinds = allowed_kinds(filters);
        let mut pairs = Vec::new();
        let mut weights = Vec::new();
        for (field, boost) in boosts.iter().filter(|(_, b)| *b > 0.0) {
            let Some(kind) = leian_index::text_field_kind(field) else {
                continue;
            };
            if !kinds.contains(&kind) {
                continue;
            }
            for (term, weight) in terms {
                pairs.push((field.to_string(), term.clone()));
                weights.push((kind, boost * weight));
            }
        }
        let frequencies = self.frequencies(&pairs)?;
        let mut weighed = WeighedQuery {
            pairs: Vec::new(),
            per_token: HashMap::new(),
        };
        for (((field, term), (kind, boost)), df) in pairs.into_iter().zip(weights).zip(frequencies)
        {
            let documents = totals.of_kind(kind);
            if df == 0 || documents == 0 {
                continue;
            }
            // tantivy's idf and weight, in f32 as it computes them, so both stores score alike.
            let idf =
                (1.0 + ((documents - df.min(documents)) as f32 + 0.5) / (df as f32 + 0.5)).ln();
            weighed.per_token.entry(field.clone()).or_insert_with(|| {
                let average = totals
                    .field_tokens
                    .get(field.as_str())
                    .copied()
                    .unwrap_or(0) as f32
                    / documents as f32;
                if average > 0.0 { K1 * B / average } else { 0.0 }
            });
            weighed.pairs.push(WeighedPair {
                weight: boost * idf * (1.0 + K1),
                field,
                term,
            });
        }
        Ok(weighed)
    }

    /// The BM25 statement over `query` for a shard's own tables (through dblink), and the one per
    /// partition through postgres_fdw.
    fn bm25_statement(
        query: &WeighedQuery,
        filters: &Filters,
        limit: usize,
        only_ids: Option<&[String]>,
    ) -> Bm25Sql {
        let pairs = &query.pairs;
        // Each (field, term) weight is found by array_position in an array of the pairs (a scan
        // in C per posting; a CASE with a branch per pair is interpreted branch by branch). Not a
        // JSON object: postgres_fdw does not ship `jsonb ->> text`, and without it the shards
        // send every posting to the coordinator to be summed there.
        let pair_keys: Vec<String> = pairs.iter().map(|p| term_key(&p.field, &p.term)).collect();
        let pair_weights: Vec<String> = pairs
            .iter()
            .map(|p| sql::float(f64::from(p.weight)))
            .collect();
        let mut fields_matched: Vec<&str> = query.per_token.keys().map(String::as_str).collect();
        let mut terms_matched: Vec<&str> = pairs.iter().map(|p| p.term.as_str()).collect();
        fields_matched.sort_unstable();
        terms_matched.sort_unstable();
        terms_matched.dedup();
        // A pair the query does not weigh (a term searched in one field only) finds no weight:
        // NULL, which sum() skips. (Not coalesce(…, 0): postgres_fdw does not ship it either.)
        let weight = format!(
            "(ARRAY[{}])[array_position({}, field || ':' || term)]",
            pair_weights.join(","),
            sql::text_array(&pair_keys)
        );
        let constant = sql::float(f64::from(LENGTH_CONSTANT));
        let mut norm_case = String::from("CASE field");
        for field in &fields_matched {
            let _ = write!(
                norm_case,
                " WHEN {} THEN {constant} + {} * len",
                sql::literal(field),
                sql::float(f64::from(query.per_token(field)))
            );
        }
        norm_case.push_str(" ELSE 1::float8 END");
        // Fields × terms may hold pairs the query does not weigh: they add nothing (above).
        let mut conditions = format!(
            "field = ANY({}) AND term = ANY({})",
            sql::text_array(&fields_matched),
            sql::text_array(terms_matched)
        );
        let filtered = push_filter_conditions(&mut conditions, filters);
        if let Some(ids) = only_ids {
            let _ = write!(conditions, " AND id = ANY({})", sql::text_array(ids));
        }
        let table = if filtered {
            "filtered_postings"
        } else {
            "postings"
        };
        let score = format!("sum({weight} * tf / (tf + ({norm_case})))");
        let through_fdw = move |partition: &Partition| {
            format!(
                "SELECT id, {score} AS score FROM {table}_{} WHERE {conditions} \
                 GROUP BY id ORDER BY score DESC NULLS LAST, id LIMIT {limit}",
                partition.suffix
            )
        };
        // On the shard itself, each block's weight and length norm come from a join with the
        // query's pairs (once per block row, not looked up per posting).
        let values =
            query.values(|p| format!("{},{}", sql::literal(&p.field), sql::literal(&p.term)));
        let mut on_shard = format!(
            "SELECT u.id, sum(w.weight * u.tf / (u.tf + {constant} + w.k * u.len)) AS score \
             FROM (VALUES {values}) AS w(field, term, weight, k) \
             JOIN posting_blocks b ON b.field = w.field AND b.term = w.term \
             CROSS JOIN LATERAL unnest(b.ids, b.tfs, b.lens) AS u(id, tf, len)"
        );
        let mut shard_conditions = String::from("TRUE");
        if push_filter_conditions(&mut shard_conditions, filters) {
            on_shard.push_str(" JOIN documents d ON d.id = u.id");
        }
        if let Some(ids) = only_ids {
            let _ = write!(
                shard_conditions,
                " AND u.id = ANY({})",
                sql::text_array(ids)
            );
        }
        let _ = write!(
            on_shard,
            " WHERE {shard_conditions} GROUP BY u.id ORDER BY score DESC, u.id LIMIT {limit}"
        );
        Bm25Sql {
            on_shard,
            through_fdw: Box::new(through_fdw),
        }
    }

    /// BM25 of `query` for the documents `ids` only, from each document's own terms (the forward
    /// index, schema.sql) on its shard: a few hundred documents' terms, where the posting blocks
    /// of common terms hold millions of postings.
    fn scored_from_document_terms(
        &self,
        query: &WeighedQuery,
        ids: &[String],
    ) -> Result<Vec<postgres::Row>, StoreError> {
        let statement = format!(
            "SELECT d.id, sum(w.weight * u.tf / (u.tf + {} + w.k * u.len)) AS score \
             FROM documents d \
             CROSS JOIN LATERAL unnest(d.term_keys, d.term_tfs, d.term_lens) AS u(key, tf, len) \
             JOIN (VALUES {}) AS w(key, weight, k) ON w.key = u.key \
             WHERE d.id = ANY({}) GROUP BY d.id",
            sql::float(f64::from(LENGTH_CONSTANT)),
            query.values(|p| sql::literal(&term_key(&p.field, &p.term))),
            sql::text_array(ids)
        );
        self.on_every_shard(&statement, "id text, score float8")
    }

    fn bm25(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
        only_ids: Option<&[String]>,
    ) -> Result<Vec<Candidate>, StoreError> {
        if limit == 0 || terms.is_empty() {
            return Ok(Vec::new());
        }
        let totals = self.current_totals()?;
        let query = self.weigh_pairs(terms, boosts, filters, &totals)?;
        if query.pairs.is_empty() {
            return Ok(Vec::new());
        }
        let rows = match only_ids {
            Some(ids) if self.dblink && self.document_terms => {
                self.scored_from_document_terms(&query, ids)?
            }
            _ => {
                let statement = Self::bm25_statement(&query, filters, limit, only_ids);
                if self.dblink {
                    self.on_every_shard(&statement.on_shard, "id text, score float8")?
                } else {
                    self.across_shards(&*statement.through_fdw)?
                }
            }
        };
        Ok(best(
            rows.into_iter()
                .map(|row| Candidate {
                    id: row.get(0),
                    score: row.get::<_, Option<f64>>(1).unwrap_or(0.0) as f32,
                })
                // Documents that only have pairs the query does not weigh.
                .filter(|candidate| candidate.score > 0.0)
                .collect(),
            limit,
        ))
    }

    fn documents_json(
        &self,
        ids: &[String],
        column: &str,
        kind: Option<Kind>,
    ) -> Result<HashMap<String, String>, StoreError> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let array = sql::text_array(ids);
        let kind = kind
            .map(|k| format!(" AND kind = {}", sql::literal(k.as_str())))
            .unwrap_or_default();
        let rows = self.across_shards(|p| {
            format!(
                "SELECT id, ({column})::text FROM documents_{} WHERE id = ANY({array}){kind}",
                p.suffix
            )
        })?;
        Ok(rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect())
    }
}

/// Sends `sql` on the coordinator's dblink connection `name` to `server`, opening it when this
/// session has none. A kept connection may lead to a primary since stopped (a replica promoted in
/// its place): it is opened again once.
fn send_to_shard(
    client: &mut postgres::Client,
    name: &str,
    server: &str,
    sql: &str,
) -> Result<(), postgres::Error> {
    for _ in 0..2 {
        client.execute(
            "SELECT dblink_connect($1, $2)
             WHERE NOT $1 = ANY(coalesce(dblink_get_connections(), '{}'))",
            &[&name, &server],
        )?;
        // 1 when sent; dblink only notices a failure to send.
        let sent: i32 = client
            .query_one("SELECT dblink_send_query($1, $2)", &[&name, &sql])?
            .get(0);
        if sent == 1 {
            return Ok(());
        }
        client.execute("SELECT dblink_disconnect($1)", &[&name])?;
    }
    // Unsendable twice on a fresh connection: a statement on it raises dblink's reason.
    client.execute("SELECT dblink_connect($1, $2)", &[&name, &server])?;
    client.execute("SELECT dblink_exec($1, 'SELECT 1')", &[&name])?;
    Ok(())
}

fn coordinator_lost(error: &postgres::Error) -> StoreError {
    StoreError::Unavailable(format!(
        "与 PostgreSQL 协调节点的连接中断：{}",
        describe(error)
    ))
}

/// The rows of the live shards, or the error naming the first shard down (unless the request
/// allows a partial answer).
fn settle(
    rows: Vec<postgres::Row>,
    down: Vec<(&Partition, String)>,
) -> Result<Vec<postgres::Row>, StoreError> {
    match down.first() {
        None => Ok(rows),
        Some(_) if leian_core::shards::partial_allowed() => {
            for (partition, detail) in &down {
                tracing::warn!(shard = %partition.shard, %detail, "shard left out of a partial answer");
                leian_core::shards::note_missing(&partition.shard);
            }
            Ok(rows)
        }
        Some((partition, detail)) => Err(StoreError::ShardUnavailable {
            shard: partition.shard.clone(),
            detail: detail.clone(),
        }),
    }
}

/// The kinds whose fields a search may score: those the kind filter names, or both.
fn allowed_kinds(filters: &Filters) -> Vec<Kind> {
    let named: Vec<Kind> = filters
        .terms
        .iter()
        .filter(|(field, _)| *field == FilterField::Kind)
        .filter_map(|(_, value)| value.parse().ok())
        .collect();
    if named.is_empty() {
        vec![Kind::Judgment, Kind::Statute]
    } else {
        named
    }
}

/// Adds the conditions of `filters` other than the kind (which the fields imply) to `sql`;
/// whether there were any (they need the documents' tags and year).
fn push_filter_conditions(sql: &mut String, filters: &Filters) -> bool {
    let mut any = false;
    let mut fields: Vec<FilterField> = filters
        .terms
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| *f != FilterField::Kind)
        .collect();
    fields.sort_by_key(|f| f.index_field());
    fields.dedup();
    for field in fields {
        let values = filters
            .terms
            .iter()
            .filter(|(f, _)| *f == field)
            .map(|(_, value)| format!("{}={value}", field.index_field()));
        let _ = write!(sql, " AND tags && {}", sql::text_array(values));
        any = true;
    }
    if let Some(year) = filters.year_from {
        let _ = write!(sql, " AND year >= {year}");
        any = true;
    }
    if let Some(year) = filters.year_to {
        let _ = write!(sql, " AND year <= {year}");
        any = true;
    }
    any
}

/// The `limit` best candidates, equal scores in id order (as the embedded store orders them).
fn best(mut candidates: Vec<Candidate>, limit: usize) -> Vec<Candidate> {
    candidates.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
    candidates.truncate(limit);
    candidates
}

fn read_partitions(client: &mut postgres::Client) -> Result<Vec<Partition>, PgError> {
    let rows = client
        .query(
            "SELECT c.relname::text, s.srvname::text
             FROM pg_inherits i
             JOIN pg_class c ON c.oid = i.inhrelid
             JOIN pg_foreign_table ft ON ft.ftrelid = c.oid
             JOIN pg_foreign_server s ON s.oid = ft.ftserver
             WHERE i.inhparent = to_regclass('public.documents')
             ORDER BY c.relname",
            &[],
        )
        .map_err(|e| PgError::Schema(format!("无法读取分区：{}", describe(&e))))?;
    let partitions: Vec<Partition> = rows
        .into_iter()
        .filter_map(|row| {
            let name: String = row.get(0);
            let suffix = name.strip_prefix("documents_")?.to_string();
            Some(Partition {
                suffix,
                shard: row.get(1),
            })
        })
        .collect();
    if partitions.is_empty() {
        return Err(PgError::Schema(
            "协调节点上没有 Leian 的分区表：请先运行 scripts/postgres-cluster.sh up".into(),
        ));
    }
    Ok(partitions)
}

/// Whether a query failed because a shard (or the coordinator) could not be reached, as opposed
/// to a bad statement: connection exceptions (class 08) and postgres_fdw's wrapped ones.
fn is_connection_failure(error: &postgres::Error) -> bool {
    match error.as_db_error() {
        Some(db) => {
            let code = db.code().code();
            code.starts_with("08")
                || code == "57P01"
                || code == "57P03"
                || (code == "HV00N" || db.message().contains("could not connect to server"))
        }
        None => error.is_closed(),
    }
}

fn query_error(error: postgres::Error) -> StoreError {
    let cancelled = error
        .as_db_error()
        .is_some_and(|db| *db.code() == postgres::error::SqlState::QUERY_CANCELED);
    if cancelled && leian_core::deadline::remaining().is_some() {
        return StoreError::DeadlineExceeded;
    }
    StoreError::Failed(format!("PostgreSQL 查询失败：{}", describe(&error)))
}

fn poisoned<T>(_: T) -> StoreError {
    StoreError::Failed("内部锁已损坏".into())
}

/// The URL without its password, for messages.
pub fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The value kept under `key` in `leian_meta` (what the library was loaded with).
pub(crate) fn read_meta(
    client: &mut postgres::Client,
    key: &str,
) -> Result<Option<serde_json::Value>, PgError> {
    Ok(client
        .query_opt("SELECT value::text FROM leian_meta WHERE key = $1", &[&key])?
        .and_then(|row| serde_json::from_str(row.get::<_, &str>(0)).ok()))
}

/// Refuses a library whose documents were cut by another analyzer than this program's: their
/// postings would not match the query's terms.
pub(crate) fn check_analyzer(found: Option<&serde_json::Value>) -> Result<(), PgError> {
    let current = leian_text::analyzer_version();
    match found {
        Some(serde_json::Value::String(found)) if *found != current => {
            Err(PgError::Schema(format!(
                "集群中的文书由分词器 {found} 写入，本程序的分词器是 {current}：请用 leian index --to 重新写入全部文书"
            )))
        }
        _ => Ok(()),
    }
}

/// Refuses a library whose postings an earlier release wrote as one row each (they are not read
/// any more): it must be written again. Whether its documents carry their own terms.
pub(crate) fn check_postings_layout(client: &mut postgres::Client) -> Result<bool, PgError> {
    match read_meta(client, "postings")?
        .as_ref()
        .and_then(|v| v.as_str())
    {
        Some(load::POSTINGS_LAYOUT) => return Ok(true),
        Some(load::BLOCKS_ONLY) => return Ok(false),
        _ => {}
    }
    let documents: i64 = client
        .query_one("SELECT coalesce(sum(docs), 0)::int8 FROM kind_counts", &[])?
        .get(0);
    if documents == 0 {
        return Ok(true);
    }
    Err(PgError::Schema(
        "集群中的文书由旧版本写入（每条倒排一行），本程序按块读取倒排：请用 leian index --to 重新写入全部文书".into(),
    ))
}

impl Drop for PgStore {
    /// postgres' blocking client runs each connection on a runtime of its own, which panics when
    /// dropped inside an async context, and a server's handler may hold the last reference to a
    /// store it replaced (a reload). The connections are closed on a thread of their own.
    fn drop(&mut self) {
        if let Some(pool) = self.pool.take() {
            let closing = std::thread::Builder::new()
                .name("leian-pg-close".into())
                .spawn(move || drop(pool));
            if let Err(e) = closing {
                tracing::warn!(error = %e, "PostgreSQL connections left open: no thread to close them");
            }
        }
    }
}

impl Store for PgStore {
    fn lexical(
        &self,
        terms: &[(String, f32)],
        boosts: &FieldBoosts,
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        self.bm25(terms, boosts, filters, limit, None)
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
        // The embedded store's two passes: the pool from the distinctive terms, then the common
        // terms scored on the pool only (each shard reads their postings of those documents).
        let generation = self.current_totals()?.generation;
        let key = (
            generation,
            FirstPassKey::new(distinctive, boosts, filters, pool.max(limit)),
        );
        let left_out = leian_core::shards::missing_so_far();
        let first = self.first_passes.get_or_search(key.clone(), || {
            Ok(Arc::new(self.bm25(
                distinctive,
                boosts,
                filters,
                pool.max(limit),
                None,
            )?))
        })?;
        // A partial answer is not kept: a later request would not learn of the shard.
        if leian_core::shards::missing_so_far() != left_out {
            self.first_passes.forget(&key);
        }
        let mut first = first.as_ref().clone();
        if !common.is_empty() && !first.is_empty() {
            let ids: Vec<String> = first.iter().map(|c| c.id.clone()).collect();
            let added = self.bm25(common, boosts, filters, ids.len(), Some(&ids))?;
            let added: HashMap<String, f32> = added.into_iter().map(|c| (c.id, c.score)).collect();
            for candidate in &mut first {
                candidate.score += added.get(&candidate.id).copied().unwrap_or(0.0);
            }
        }
        Ok(best(first, limit))
    }

    fn dense(
        &self,
        query: &[f32],
        filters: &Filters,
        limit: usize,
    ) -> Result<Vec<Candidate>, StoreError> {
        let Some(info) = &self.dense else {
            return Ok(Vec::new());
        };
        if query.len() != info.dimension {
            return Err(StoreError::Failed(format!(
                "查询向量有 {} 维，集群中的向量有 {} 维",
                query.len(),
                info.dimension
            )));
        }
        if limit == 0 {
            return Ok(Vec::new());
        }
        let vector = sql::vector(query);
        let kinds = allowed_kinds(filters);
        let every_vector_allowed =
            info.kinds.iter().all(|k| kinds.contains(k)) && !info.kinds.is_empty();
        let mut conditions = String::from("TRUE");
        let filtered = push_filter_conditions(&mut conditions, filters);
        let (table, conditions) = if filtered || !every_vector_allowed {
            let kinds = sql::text_array(kinds.iter().map(|k| k.as_str()));
            (
                "filtered_passages",
                format!("{conditions} AND kind = ANY({kinds})"),
            )
        } else {
            ("passages", conditions)
        };
        let passages = limit * PASSAGES_PER_DOCUMENT;
        let nearest = |from: &str| {
            format!(
                "SELECT id, emb <#> {vector} AS distance FROM {from} WHERE {conditions} \
                 ORDER BY emb <#> {vector} LIMIT {passages}"
            )
        };
        // postgres_fdw sends ORDER BY … LIMIT to the shard but computes the distance in the select
        // list here, fetching every candidate's vector (2 KB each, 100–150 ms of a hybrid request):
        // through dblink the shard runs the whole statement on its own tables.
        let rows = if self.dblink {
            self.on_every_shard(&nearest(table), "id text, distance float8")?
        } else {
            self.across_shards(|p| nearest(&format!("{table}_{}", p.suffix)))?
        };
        // <#> is the negated inner product; a document scores its best passage.
        let mut by_document: HashMap<String, f32> = HashMap::new();
        for row in rows {
            let score = -(row.get::<_, f64>(1) as f32);
            let entry = by_document.entry(row.get(0)).or_insert(f32::MIN);
            *entry = entry.max(score);
        }
        Ok(best(
            by_document
                .into_iter()
                .map(|(id, score)| Candidate { id, score })
                .collect(),
            limit,
        ))
    }

    fn dense_model(&self) -> Option<String> {
        self.dense.as_ref().map(|d| d.model.clone())
    }

    fn has_vectors_for(&self, kind: Kind) -> bool {
        self.dense.as_ref().is_some_and(|d| d.covers(kind))
    }

    fn document(&self, id: &str) -> Result<Option<Document>, StoreError> {
        Ok(self.documents(&[id.to_string()])?.pop().flatten())
    }

    fn documents(&self, ids: &[String]) -> Result<Vec<Option<Document>>, StoreError> {
        let mut found = self.documents_json(ids, "doc", None)?;
        ids.iter()
            .map(|id| match found.remove(id) {
                Some(json) => serde_json::from_str(&json)
                    .map(Some)
                    .map_err(|e| StoreError::Failed(format!("存储的文书无法读取：{e}"))),
                None => Ok(None),
            })
            .collect()
    }

    fn judgment_headers(&self, ids: &[String]) -> Result<Vec<Option<Judgment>>, StoreError> {
        // The text is left on the shard; an empty `facts` keeps the document readable.
        let found = self.documents_json(
            ids,
            "doc - 'reasoning' - 'result' - 'full_text' || '{\"facts\": \"\"}'::jsonb",
            Some(Kind::Judgment),
        )?;
        ids.iter()
            .map(|id| match found.get(id) {
                Some(json) => match serde_json::from_str::<Document>(json) {
                    Ok(Document::Judgment(judgment)) => Ok(Some(judgment)),
                    Ok(_) => Ok(None),
                    Err(e) => Err(StoreError::Failed(format!("存储的文书无法读取：{e}"))),
                },
                None => Ok(None),
            })
            .collect()
    }

    fn document_frequency(&self, field: &str, term: &str) -> Result<(u64, u64), StoreError> {
        let df = self.frequencies(&[(field.to_string(), term.to_string())])?[0];
        let totals = self.totals.read().map_err(poisoned)?;
        let population = leian_index::text_field_kind(field)
            .map_or(totals.judgments + totals.statutes, |kind| {
                totals.of_kind(kind)
            });
        Ok((df, population))
    }

    fn stats(&self) -> CorpusStats {
        let totals = self.totals.read().map(|t| t.clone()).unwrap_or_default();
        CorpusStats {
            judgments: totals.judgments,
            statutes: totals.statutes,
        }
    }

    fn statute_catalog(&self) -> Result<Arc<StatuteCatalog>, StoreError> {
        if let Some(catalog) = self.statute_catalog.get() {
            return Ok(catalog.clone());
        }
        let rows = self.across_shards(|p| {
            format!(
                "SELECT id, doc::text FROM documents_{} WHERE kind = 'statute'",
                p.suffix
            )
        })?;
        let mut statutes: Vec<(String, String)> = rows
            .into_iter()
            .map(|row| (row.get(0), row.get(1)))
            .collect();
        statutes.sort();
        let mut catalog = StatuteCatalog::default();
        for (_, json) in statutes {
            if let Ok(Document::Statute(statute)) = serde_json::from_str(&json) {
                catalog.add(&statute);
            }
        }
        catalog.finish();
        let catalog = Arc::new(catalog);
        Ok(self.statute_catalog.get_or_init(|| catalog).clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_tag_conditions() {
        let mut filters = Filters::default();
        filters.add("kind", "judgment").unwrap();
        filters.add("province", "北京").unwrap();
        filters.add("province", "上海").unwrap();
        filters.add("year_from", "2019").unwrap();
        let mut sql = String::new();
        assert!(push_filter_conditions(&mut sql, &filters));
        assert_eq!(
            sql,
            " AND tags && ARRAY['province=京','province=沪']::text[] AND year >= 2019"
        );
        assert_eq!(allowed_kinds(&filters), [Kind::Judgment]);
        let mut none = String::new();
        assert!(!push_filter_conditions(&mut none, &Filters::default()));
    }

    #[test]
    fn passwords_stay_out_of_messages() {
        assert_eq!(
            redacted("postgres://leian:secret@db:5432/leian"),
            "postgres://leian:***@db:5432/leian"
        );
        assert_eq!(
            redacted("postgres://postgres@127.0.0.1:5433/leian"),
            "postgres://postgres@127.0.0.1:5433/leian"
        );
    }
}
