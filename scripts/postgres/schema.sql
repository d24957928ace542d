-- Leian's document tables on one shard of the PostgreSQL cluster (a first proposal).
--
-- Applied by scripts/postgres-cluster.sh to every shard's `leian` database at each `up`; every
-- statement is idempotent (IF NOT EXISTS / OR REPLACE) so a second `up` changes nothing.
-- Rows arrive through the coordinator's hash-partitioned tables (coordinator.sql): a shard does
-- not know which ids belong to it, so write through the coordinator, never to a shard directly,
-- or the coordinator's routing and these tables disagree.
--
-- Text: Leian segments with its own jieba tokenizer; PostgreSQL has no Chinese parser here. The
-- `tokens` tsvector holds Leian's tokens verbatim, each lexeme qualified by its field
-- (`facts:盗窃`), with the token's positions in that field. That is the `simple` configuration's
-- behaviour (no stemming, no stop words) without its parser, which would re-split jieba tokens at
-- punctuation and would split the `field:` prefix off. One tsvector with field-qualified lexemes
-- keeps per-field term frequencies (BM25F needs them) under a single GIN index.
-- Build it with leian_tokens('{"facts": ["被告人", "盗窃", …], "title": […]}') and query it with
-- a tsquery literal of the same lexemes: tokens @@ $1::tsquery, $1 = '''facts:盗窃'' | ''reasoning:盗窃'''.
-- (A cast of a parameter is shipped to the shards; a call of a function of ours is not.)
-- tsvector limits: positions above 16383 are clamped and at most 256 positions are kept per lexeme,
-- so a term's frequency in one field saturates at 256, where BM25's tf saturation has long flattened.
--
-- BM25 needs corpus-wide statistics, not one shard's: term_stats and field_totals below are this
-- shard's share, kept exact by a trigger; the coordinator sums every shard's share (views
-- term_stats and field_totals there). Field names are unique across kinds (leian-index's
-- JUDGMENT_TEXT_FIELDS and STATUTE_TEXT_FIELDS), so `field` alone tells judgments from statutes.

CREATE EXTENSION IF NOT EXISTS vector;

-- leian_tokens() and leian_tf(), shared with the coordinator.
\ir functions.sql

CREATE TABLE IF NOT EXISTS judgments (
  id        text PRIMARY KEY,
  kind      text NOT NULL DEFAULT 'judgment' CHECK (kind = 'judgment'),
  doc       jsonb NOT NULL,                  -- the document as Leian's JSONL schema has it
  tokens    tsvector NOT NULL DEFAULT '',    -- leian_tokens(…) of title, facts, reasoning, …
  field_len jsonb NOT NULL DEFAULT '{}',     -- tokens per field, {"facts": 312, …}: BM25's dl
  emb       vector(512)                      -- unit vector; NULL when not embedded
);

CREATE TABLE IF NOT EXISTS statutes (
  id        text PRIMARY KEY,
  kind      text NOT NULL DEFAULT 'statute' CHECK (kind = 'statute'),
  doc       jsonb NOT NULL,
  tokens    tsvector NOT NULL DEFAULT '',    -- law_name, chapter, text, article_charges
  field_len jsonb NOT NULL DEFAULT '{}',
  emb       vector(512)
);

CREATE INDEX IF NOT EXISTS judgments_tokens_gin ON judgments USING gin (tokens);
CREATE INDEX IF NOT EXISTS statutes_tokens_gin ON statutes USING gin (tokens);
-- Cosine distance (<=>) on unit vectors ranks as the embedded engine's dot product does.
CREATE INDEX IF NOT EXISTS judgments_emb_hnsw ON judgments USING hnsw (emb vector_cosine_ops);
CREATE INDEX IF NOT EXISTS statutes_emb_hnsw ON statutes USING hnsw (emb vector_cosine_ops);

-- In how many of this shard's documents `term` occurs in `field`.
CREATE TABLE IF NOT EXISTS term_stats (
  field text NOT NULL,
  term  text NOT NULL,
  df    bigint NOT NULL,
  PRIMARY KEY (field, term)
);

-- How many of this shard's documents have `field` (length > 0), and their tokens in all: BM25's
-- N and average length come from the coordinator's sums of these.
CREATE TABLE IF NOT EXISTS field_totals (
  field        text PRIMARY KEY,
  docs         bigint NOT NULL,
  total_tokens bigint NOT NULL
);

-- Adds (sign = 1) or removes (sign = -1) one document's share of the statistics. Rows are
-- upserted in key order, so concurrent writers lock them in the same order and do not deadlock.
CREATE OR REPLACE FUNCTION leian_stats_apply(tokens tsvector, field_len jsonb, sign integer)
RETURNS void LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  INSERT INTO term_stats AS s (field, term, df)
    SELECT split_part(u.lexeme, ':', 1), substr(u.lexeme, strpos(u.lexeme, ':') + 1), sign
    FROM unnest(tokens) AS u
    WHERE strpos(u.lexeme, ':') > 1
    ORDER BY 1, 2
  ON CONFLICT (field, term) DO UPDATE SET df = s.df + excluded.df;
  INSERT INTO field_totals AS t (field, docs, total_tokens)
    SELECT e.key, sign, sign * e.value::bigint
    FROM jsonb_each_text(field_len) AS e
    WHERE e.value::bigint > 0
    ORDER BY 1
  ON CONFLICT (field) DO UPDATE
    SET docs = t.docs + excluded.docs, total_tokens = t.total_tokens + excluded.total_tokens;
  IF sign < 0 THEN
    -- No zero rows: a field no document has any more would give BM25 an average length of 0/0.
    DELETE FROM field_totals WHERE docs <= 0;
    DELETE FROM term_stats s
    USING unnest(tokens) AS u
    WHERE s.field = split_part(u.lexeme, ':', 1)
      AND s.term = substr(u.lexeme, strpos(u.lexeme, ':') + 1)
      AND s.df <= 0;
  END IF;
END
$$;

-- search_path is set on these functions because rows arrive through postgres_fdw, whose sessions
-- run with search_path = pg_catalog: unqualified names would not be found.
CREATE OR REPLACE FUNCTION leian_stats_trigger() RETURNS trigger
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN
    PERFORM leian_stats_apply(OLD.tokens, OLD.field_len, -1);
  END IF;
  IF TG_OP IN ('INSERT', 'UPDATE') THEN
    PERFORM leian_stats_apply(NEW.tokens, NEW.field_len, 1);
  END IF;
  RETURN NULL;
END
$$;

-- A bulk load is faster with the triggers off and one rebuild at the end:
--   ALTER TABLE judgments DISABLE TRIGGER judgments_stats; … load …;
--   ALTER TABLE judgments ENABLE TRIGGER judgments_stats; SELECT leian_stats_rebuild();
CREATE OR REPLACE TRIGGER judgments_stats
  AFTER INSERT OR DELETE OR UPDATE OF tokens, field_len ON judgments
  FOR EACH ROW EXECUTE FUNCTION leian_stats_trigger();
CREATE OR REPLACE TRIGGER statutes_stats
  AFTER INSERT OR DELETE OR UPDATE OF tokens, field_len ON statutes
  FOR EACH ROW EXECUTE FUNCTION leian_stats_trigger();

-- Recomputes this shard's statistics from its documents.
CREATE OR REPLACE FUNCTION leian_stats_rebuild() RETURNS void
LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  LOCK TABLE term_stats, field_totals IN EXCLUSIVE MODE;
  DELETE FROM term_stats;
  DELETE FROM field_totals;
  INSERT INTO term_stats (field, term, df)
    SELECT split_part(u.lexeme, ':', 1), substr(u.lexeme, strpos(u.lexeme, ':') + 1), count(*)
    FROM (SELECT tokens FROM judgments UNION ALL SELECT tokens FROM statutes) AS d,
         unnest(d.tokens) AS u
    WHERE strpos(u.lexeme, ':') > 1
    GROUP BY 1, 2;
  INSERT INTO field_totals (field, docs, total_tokens)
    SELECT e.key, count(*), sum(e.value::bigint)
    FROM (SELECT field_len FROM judgments UNION ALL SELECT field_len FROM statutes) AS d,
         jsonb_each_text(d.field_len) AS e
    WHERE e.value::bigint > 0
    GROUP BY 1;
END
$$;
