-- Functions used on the coordinator and on every shard (included by schema.sql and
-- coordinator.sql with psql's \ir). The tsvector layout is described at the top of schema.sql.

-- Field-qualified tsvector from {"field": [token, …]}: positions count from 1 within each field.
CREATE OR REPLACE FUNCTION leian_tokens(fields jsonb) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(string_agg(
           '''' || replace(replace(l.lexeme, '\', '\\'), '''', '''''') || ''':' || l.positions,
           ' '), '')::tsvector
  FROM (
    SELECT f.key || ':' || t.token AS lexeme,
           string_agg(least(t.pos, 16383)::text, ',' ORDER BY t.pos) AS positions
    FROM jsonb_each(fields) AS f(key, value),
         jsonb_array_elements_text(f.value) WITH ORDINALITY AS t(token, pos)
    WHERE t.token <> ''
    GROUP BY 1
  ) AS l
$$;

-- How often `term` occurs in `field` of a document: BM25's tf.
CREATE OR REPLACE FUNCTION leian_tf(tokens tsvector, field text, term text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce((SELECT cardinality(u.positions) FROM unnest(tokens) AS u
                   WHERE u.lexeme = field || ':' || term), 0)
$$;
