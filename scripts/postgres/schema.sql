-- Leian's tables on one shard of the PostgreSQL cluster.
--
-- Applied by scripts/postgres-cluster.sh to every shard's `leian` database at each `up`; every
-- statement is idempotent, so a second `up` changes nothing. Rows arrive through the coordinator:
-- documents and passages through its hash-partitioned tables (coordinator.sql), which send each to
-- the shard of its id's hash, and each block of postings to the shard of its documents (Leian's
-- loader sees where they went). Write through the coordinator, never to a shard.
--
-- Text: PostgreSQL has no Chinese parser; Leian segments with its own jieba analyzer and stores
-- an inverted index: for each (field, term) the documents holding it, with the term's frequency
-- and the field's length as tantivy's BM25 sees it (its one-byte length code decoded), so Leian
-- scores a posting exactly as the embedded engine does. A query sums its terms' postings on each
-- shard; document frequencies and average lengths are corpus-wide, kept on the coordinator
-- (coordinator.sql), and sent with the query as constants.
--
-- Postings are stored as blocks: one row per (field, term, block) holding parallel arrays, a block
-- being the documents of one write transaction. A row per posting cost some 140 bytes with its
-- B-tree entries (a 100,000-judgment library took 4.3 GB; a million, some 40 GB and as much again
-- to CLUSTER); in blocks, 1,003,662 judgments take 4.2 GB a shard, B-trees included.
-- Searches read them through the view posting_list, one row per posting as before.

CREATE EXTENSION IF NOT EXISTS vector;

CREATE TABLE IF NOT EXISTS documents (
  id   text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('judgment', 'statute')),
  tags text[] NOT NULL DEFAULT '{}',  -- filter values, 'province=北京', 'causes=盗窃罪', …
  year integer,                       -- decision year (judgments)
  lengths jsonb NOT NULL DEFAULT '{}', -- tokens per text field, {"facts": 312}: kept to undo stats
  doc  jsonb NOT NULL                 -- the document as Leian's JSONL schema has it
);
CREATE INDEX IF NOT EXISTS documents_tags ON documents USING gin (tags);
CREATE INDEX IF NOT EXISTS documents_kind ON documents (kind);

-- The block a document's postings are in (posting_blocks.block): removing it rewrites only those.
ALTER TABLE documents ADD COLUMN IF NOT EXISTS block bigint;

-- Each document's own terms (a forward index): `field:term` keys with the term's frequency and
-- the field's length, as its postings hold them. A search's second pass scores the common terms
-- on the few hundred documents of its pool only; read from the posting blocks, it unnested every
-- posting of those terms (5.6 M at a million judgments, 2.3 s of a 3.3 s request).
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_keys text[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_tfs integer[];
ALTER TABLE documents ADD COLUMN IF NOT EXISTS term_lens integer[];

CREATE TABLE IF NOT EXISTS posting_blocks (
  field text NOT NULL,
  term  text NOT NULL,
  block bigint NOT NULL,      -- from the coordinator's sequence posting_block_numbers
  ids   text[] NOT NULL,      -- documents, each once
  tfs   integer[] NOT NULL,   -- the term's frequency in each
  lens  integer[] NOT NULL,   -- the field's length in each
  PRIMARY KEY (field, term, block)
);
CREATE INDEX IF NOT EXISTS posting_blocks_block ON posting_blocks (block);

CREATE OR REPLACE VIEW posting_list AS
  SELECT b.field, b.term, b.block, u.id, u.tf, u.len
  FROM posting_blocks b CROSS JOIN LATERAL unnest(b.ids, b.tfs, b.lens) AS u(id, tf, len);

-- Earlier releases kept a row per posting; a cluster they loaded must be loaded again
-- (`leian index --to`, which the store asks for), and its old rows are only disk.
DROP VIEW IF EXISTS filtered_postings;
DROP TABLE IF EXISTS postings;

-- Passage vectors (unit length, so inner product ranks as the embedded engine's dot product).
-- 512 dimensions: m3e-small and bge-small-zh; another model needs this column changed.
CREATE TABLE IF NOT EXISTS passages (
  id      text NOT NULL,
  passage integer NOT NULL,
  emb     vector(512) NOT NULL,
  PRIMARY KEY (id, passage)
);
-- Vectors stay in the row: a 512-dimension vector is just over the 2 kB TOAST threshold, and
-- decompressing each one tripled an exact scan.
ALTER TABLE passages ALTER COLUMN emb SET STORAGE PLAIN;
CREATE INDEX IF NOT EXISTS passages_hnsw ON passages USING hnsw (emb vector_ip_ops);

-- A search with filters beyond the kind sums postings of the documents that pass them: this view
-- lets the coordinator send that join, its sum and its order to the shard as one query
-- (postgres_fdw pushes an aggregate down over one foreign table, not over a join it plans itself).
CREATE OR REPLACE VIEW filtered_postings AS
  SELECT p.field, p.term, p.id, p.tf, p.len, d.tags, d.year
  FROM posting_list p JOIN documents d USING (id);

-- The same for dense searches with filters (or over one kind when both kinds have vectors).
CREATE OR REPLACE VIEW filtered_passages AS
  SELECT p.id, p.passage, p.emb, d.kind, d.tags, d.year
  FROM passages p JOIN documents d USING (id);

-- pgvector returns at most ef_search rows from an HNSW scan (40 by default), fewer than a hybrid
-- search's candidates; iterative scans keep going when a filter drops rows.
ALTER DATABASE leian SET hnsw.ef_search = 400;
ALTER DATABASE leian SET hnsw.iterative_scan = relaxed_order;
-- A BM25 statement sums the postings of hundreds of thousands of documents in one hash table:
-- within PostgreSQL's default 4 MB it spilled to disk (one statement at 1,000,000 judgments,
-- 706 → 515 ms with 64 MB). A shard serves a handful of connections (the coordinator's pool).
ALTER DATABASE leian SET work_mem = '64MB';
