-- Leian's tables on the coordinator of the PostgreSQL cluster.
--
-- Applied by scripts/postgres-cluster.sh to the coordinator's `leian` database at each `up`, after
-- it has created the foreign servers shard1 and shard2 (postgres_fdw with async_capable, so both
-- shards are scanned at once, and extensions 'vector', so pgvector's operators are sent to them).
-- Every statement is idempotent.
--
-- Documents and passages are partitioned by a hash of the document id into two partitions, each a
-- foreign table on one shard (schema.sql there); the same id hashes to the same remainder in both
-- tables. Postings go in blocks to the shard of their documents (the `_p0`, `_p1` tables below
-- follow the documents' partitions by name), so a document and its postings share a shard.
-- Notes for writers:
-- - A foreign partition takes INSERT and DELETE but not INSERT … ON CONFLICT DO UPDATE: Leian
--   replaces a document with DELETE then INSERT in one transaction.
-- - Uniqueness of id holds because the hash sends an id to one shard, whose primary key checks it.
-- - Leian queries each partition by name (documents_p0, documents_p1): PostgreSQL 15 does not
--   send a LIMIT through a partitioned table to its foreign partitions, and a query naming one
--   partition is how a search skips a shard that is down (partial answers).
-- - Two shards: MODULUS 2 below and the script's two shards; more means new partitions and moving
--   rows.

-- A search's statements are planned with large cost estimates (the shards' tables), which made
-- PostgreSQL compile them with LLVM: 630 ms of a 1.9 s statement at 100,000 judgments.
ALTER DATABASE leian SET jit = off;

CREATE TABLE IF NOT EXISTS documents (
  id   text NOT NULL,
  kind text NOT NULL,
  tags text[] NOT NULL DEFAULT '{}',
  year integer,
  lengths jsonb NOT NULL DEFAULT '{}',
  doc  jsonb NOT NULL
) PARTITION BY HASH (id);
CREATE FOREIGN TABLE IF NOT EXISTS documents_p0 PARTITION OF documents
  FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (table_name 'documents');
CREATE FOREIGN TABLE IF NOT EXISTS documents_p1 PARTITION OF documents
  FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (table_name 'documents');

ALTER TABLE documents ADD COLUMN IF NOT EXISTS block bigint;
-- The forward index (schema.sql), written with the documents.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_keys text[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_tfs integer[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_lens integer[];

-- Postings: written per shard as blocks (schema.sql), read as one row per posting. Not partitioned
-- tables: the loader sends a block to the shard its documents went to. Earlier releases had a
-- partitioned table of a row per posting here (see schema.sql).
DROP TABLE IF EXISTS postings;
CREATE FOREIGN TABLE IF NOT EXISTS posting_blocks_p0
  (field text, term text, block bigint, ids text[], tfs integer[], lens integer[])
  SERVER shard1 OPTIONS (table_name 'posting_blocks');
CREATE FOREIGN TABLE IF NOT EXISTS posting_blocks_p1
  (field text, term text, block bigint, ids text[], tfs integer[], lens integer[])
  SERVER shard2 OPTIONS (table_name 'posting_blocks');
CREATE FOREIGN TABLE IF NOT EXISTS postings_p0
  (field text, term text, block bigint, id text, tf integer, len integer)
  SERVER shard1 OPTIONS (table_name 'posting_list');
CREATE FOREIGN TABLE IF NOT EXISTS postings_p1
  (field text, term text, block bigint, id text, tf integer, len integer)
  SERVER shard2 OPTIONS (table_name 'posting_list');
-- One number per write transaction: the block its postings form on each shard.
CREATE SEQUENCE IF NOT EXISTS posting_block_numbers;

CREATE TABLE IF NOT EXISTS passages (
  id      text NOT NULL,
  passage integer NOT NULL,
  emb     vector(512) NOT NULL
) PARTITION BY HASH (id);
CREATE FOREIGN TABLE IF NOT EXISTS passages_p0 PARTITION OF passages
  FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (table_name 'passages');
CREATE FOREIGN TABLE IF NOT EXISTS passages_p1 PARTITION OF passages
  FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (table_name 'passages');

-- Corpus-wide BM25 statistics, local to the coordinator and written in the same transaction as
-- the documents: in how many documents a term occurs in a field, and per field how many documents
-- of its kind there are and their tokens in all. A score then never depends on the shard a
-- document landed on.
CREATE TABLE IF NOT EXISTS term_stats (
  field text NOT NULL,
  term  text NOT NULL,
  df    bigint NOT NULL,
  PRIMARY KEY (field, term)
);
CREATE TABLE IF NOT EXISTS field_totals (
  field        text PRIMARY KEY,
  total_tokens bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS kind_counts (
  kind text PRIMARY KEY,
  docs bigint NOT NULL
);
-- What the library was built with (analyzer, dense model), one row per key.
CREATE TABLE IF NOT EXISTS leian_meta (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);

-- Each shard's filtered_postings view (schema.sql): searches with filters beyond the kind.
CREATE FOREIGN TABLE IF NOT EXISTS filtered_postings_p0
  (field text, term text, id text, tf integer, len integer, tags text[], year integer)
  SERVER shard1 OPTIONS (table_name 'filtered_postings');
CREATE FOREIGN TABLE IF NOT EXISTS filtered_postings_p1
  (field text, term text, id text, tf integer, len integer, tags text[], year integer)
  SERVER shard2 OPTIONS (table_name 'filtered_postings');
CREATE FOREIGN TABLE IF NOT EXISTS filtered_passages_p0
  (id text, passage integer, emb vector(512), kind text, tags text[], year integer)
  SERVER shard1 OPTIONS (table_name 'filtered_passages');
CREATE FOREIGN TABLE IF NOT EXISTS filtered_passages_p1
  (id text, passage integer, emb vector(512), kind text, tags text[], year integer)
  SERVER shard2 OPTIONS (table_name 'filtered_passages');
