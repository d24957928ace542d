-- Leian's tables on the coordinator of the PostgreSQL cluster (a first proposal).
--
-- Applied by scripts/postgres-cluster.sh to the coordinator's `leian` database at each `up`, after
-- it has created the extensions and the foreign servers shard1 and shard2 (postgres_fdw, with
-- async_capable so the shards are scanned at the same time, and extensions 'vector' so pgvector's
-- operators, <=> among them, are sent to the shards). Every statement is idempotent.
--
-- The coordinator holds no rows: judgments and statutes are partitioned by a hash of the id into
-- two partitions, each a foreign table on one shard (schema.sql there). Leian writes and reads
-- here only. Notes for writers:
-- - A foreign partition takes INSERT, UPDATE and DELETE, but not INSERT … ON CONFLICT DO UPDATE:
--   replace a document with DELETE then INSERT in one transaction.
-- - Uniqueness of id holds because the hash sends an id to one shard, whose primary key checks it;
--   a partitioned table with foreign partitions cannot carry a primary key of its own.
-- - The shard count is fixed by MODULUS 2 below and the script's two shards: more shards means
--   new partitions and moving rows.

-- leian_tokens() and leian_tf(): a document's tsvector is built here, before the row is shipped.
\ir functions.sql

CREATE TABLE IF NOT EXISTS judgments (
  id        text NOT NULL,
  kind      text NOT NULL DEFAULT 'judgment',
  doc       jsonb NOT NULL,
  tokens    tsvector NOT NULL DEFAULT '',
  field_len jsonb NOT NULL DEFAULT '{}',
  emb       vector(512)
) PARTITION BY HASH (id);

CREATE FOREIGN TABLE IF NOT EXISTS judgments_p0 PARTITION OF judgments
  FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (table_name 'judgments');
CREATE FOREIGN TABLE IF NOT EXISTS judgments_p1 PARTITION OF judgments
  FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (table_name 'judgments');

CREATE TABLE IF NOT EXISTS statutes (
  id        text NOT NULL,
  kind      text NOT NULL DEFAULT 'statute',
  doc       jsonb NOT NULL,
  tokens    tsvector NOT NULL DEFAULT '',
  field_len jsonb NOT NULL DEFAULT '{}',
  emb       vector(512)
) PARTITION BY HASH (id);

CREATE FOREIGN TABLE IF NOT EXISTS statutes_p0 PARTITION OF statutes
  FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (table_name 'statutes');
CREATE FOREIGN TABLE IF NOT EXISTS statutes_p1 PARTITION OF statutes
  FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (table_name 'statutes');

-- Each shard's share of the BM25 statistics (kept by a trigger there) …
CREATE FOREIGN TABLE IF NOT EXISTS term_stats_p0 (field text, term text, df bigint)
  SERVER shard1 OPTIONS (table_name 'term_stats');
CREATE FOREIGN TABLE IF NOT EXISTS term_stats_p1 (field text, term text, df bigint)
  SERVER shard2 OPTIONS (table_name 'term_stats');
CREATE FOREIGN TABLE IF NOT EXISTS field_totals_p0 (field text, docs bigint, total_tokens bigint)
  SERVER shard1 OPTIONS (table_name 'field_totals');
CREATE FOREIGN TABLE IF NOT EXISTS field_totals_p1 (field text, docs bigint, total_tokens bigint)
  SERVER shard2 OPTIONS (table_name 'field_totals');

-- … and the corpus-wide sums that BM25 uses, so a document's score does not depend on which shard
-- it landed on. A condition on field and term reaches the shards (it is pushed below the sum).
CREATE OR REPLACE VIEW term_stats AS
  SELECT field, term, sum(df)::bigint AS df
  FROM (SELECT * FROM term_stats_p0 UNION ALL SELECT * FROM term_stats_p1) AS s
  GROUP BY field, term;

CREATE OR REPLACE VIEW field_totals AS
  SELECT field, sum(docs)::bigint AS docs, sum(total_tokens)::bigint AS total_tokens
  FROM (SELECT * FROM field_totals_p0 UNION ALL SELECT * FROM field_totals_p1) AS t
  GROUP BY field;

-- Nearest neighbours: on the partitioned table, PostgreSQL 15 sends ORDER BY emb <=> … to each shard
-- but not the LIMIT, so each shard sorts all its rows and its HNSW index goes unused (measured on
-- this cluster). Ask each partition for its own k and merge; then the LIMIT reaches the shards:
--
--   SELECT id, d FROM (
--     (SELECT id, emb <=> $1 AS d FROM judgments_p0 ORDER BY emb <=> $1 LIMIT 10)
--     UNION ALL
--     (SELECT id, emb <=> $1 AS d FROM judgments_p1 ORDER BY emb <=> $1 LIMIT 10)) AS u
--   ORDER BY d LIMIT 10;
--
-- With a full-text condition as well (tokens @@ …), a shard either sorts the matching rows (what
-- it chose here for a condition matching a third of them) or filters what its HNSW scan returns,
-- at most hnsw.ef_search (40) rows unless pgvector 0.8's hnsw.iterative_scan is on.

-- Example: BM25 (k1 = 1.2, b = 0.75) of the judgments that have 盗窃 or 手机 in their facts, with
-- the corpus-wide statistics. The full-text condition runs on each shard under its GIN index; tf
-- and the field length are read from the candidates' tokens and field_len.
--
--   WITH q(field, term, weight) AS (VALUES ('facts', '盗窃', 1.0), ('facts', '手机', 1.0)),
--   s AS (
--     SELECT q.field, q.term, q.weight, ts.df, ft.docs,
--            ft.total_tokens::float8 / ft.docs AS avgdl
--     FROM q JOIN term_stats ts USING (field, term) JOIN field_totals ft USING (field)),
--   c AS (
--     SELECT id, tokens, field_len FROM judgments
--     WHERE tokens @@ '''facts:盗窃'' | ''facts:手机'''::tsquery)
--   SELECT c.id,
--          sum(s.weight * ln(1 + (s.docs - s.df + 0.5) / (s.df + 0.5))
--              * leian_tf(c.tokens, s.field, s.term) * 2.2
--              / (leian_tf(c.tokens, s.field, s.term)
--                 + 1.2 * (0.25 + 0.75 * (c.field_len ->> s.field)::float8 / s.avgdl))) AS bm25
--   FROM c CROSS JOIN s
--   WHERE leian_tf(c.tokens, s.field, s.term) > 0
--   GROUP BY c.id ORDER BY bm25 DESC LIMIT 10;
