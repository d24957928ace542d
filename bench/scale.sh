#!/usr/bin/env bash
# The court-scale benchmark (README "At court scale"): at N generated judgments (default 100,000),
#   1. generates the corpus (bench/scale_corpus.py, seed 7, the real judgments first),
#   2. indexes it with BM25 (`leian index --no-embed`, every core): docs/s, peak RSS, size on disk,
#   3. times 500 cjrc-same-cause queries through the engine (`leian eval --workers 1`),
#   4. serves it and times the same queries over HTTP, one client (`load_bench`), with the
#      server's RSS,
#   5. runs the peer, Python bm25s, over the same documents as Leian's analyzer segments them
#      (`peer_tokens` + bench/bm25s_peer.py): build time and query p50, and the ratios,
#   6. with LEIAN_SCALE_VECTORS: hybrid at N. A copy of the index gets synthetic vectors made
#      from the real ones of that snapshot (`vector_scale --attach-to`, int8 graph past 100,000
#      passages); the graph's recall@10 against exact search (`vector_scale --measure`), then
#      hybrid timings through the engine and over HTTP, each query encoded (a fresh cache).
# Usage: bench/scale.sh [N] [WORK_DIR]   (WORK_DIR default ../leian-scale; reused: a corpus or
#        an index already there for this N is not rebuilt, delete it to measure again)
#   LEIAN_SCALE_STATUTES=PATH   statutes indexed with the judgments (default: laws.db from
#                               `leian statutes fetch`)
#   LEIAN_SCALE_PEER=0          skip the bm25s peer
#   LEIAN_SCALE_VECTORS=IDX     a snapshot with m3e-small vectors (e.g. `leian index --corpus
#                               ../shared/data/corpus/judgments.jsonl --out IDX`): adds step 6
# Writes WORK_DIR/scale-N.json and prints a Markdown table.
set -euo pipefail
# A failure inside $(…) (a timing run) stops the script as it would outside one.
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
scale_setup "$@"
statutes=${LEIAN_SCALE_STATUTES:-$("$leian" statutes fetch)}

# /usr/bin/time -v reports the peak RSS ("Maximum resident set size", KiB).
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%d", $2 / 1024}' "$1"; }
# The "p50 … p95 … p99 …" line that `leian eval` writes to its log.
engine_timing() { grep -o 'p50 [0-9.]* 毫秒，p95 [0-9.]* 毫秒，p99 [0-9.]* 毫秒' "$1" | tail -1; }
port=${LEIAN_BENCH_PORT:-8098}
# Serves INDEX (with the environment ENV..., e.g. LEIAN_CACHE=DIR) and times the queries over
# HTTP with one client: http_timing INDEX MODE REQUESTS OUT_JSON SERVER_LOG [ENV...]. Prints the
# server's peak RSS in MB; its own output goes to stderr, its log to SERVER_LOG.
http_timing() {
  local index=$1 mode=$2 requests=$3 out=$4 log=$5 server
  shift 5
  env "$@" "$leian" serve --index "$index" --addr "127.0.0.1:$port" >&2 2>"$log" &
  server=$!
  # shellcheck disable=SC2064  # the server of this call
  trap "kill $server 2>/dev/null || true" EXIT
  wait_until_ready "$port" 600
  "$examples/load_bench" --url "http://127.0.0.1:$port" --queries "$queries" --modes "$mode" \
    --concurrency 1 --requests "$requests" --seconds 300 --json >"$out"
  awk '/VmHWM/ {printf "%d", $2 / 1024}' "/proc/$server/status"
  kill "$server"
  wait "$server" 2>/dev/null || true
  trap - EXIT
}
if [ ! -f "$index/.scale-done" ]; then
  echo "--- indexing (BM25)"
  /usr/bin/time -v -o "$work/index-$n.time" "$leian" index --corpus "$corpus" --statutes "$statutes" \
    --out "$index" --no-embed --threads "$(nproc)"
  touch "$index/.scale-done"
fi
index_seconds=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$work/index-$n.time")
index_rss=$(peak_mb "$work/index-$n.time")
index_bytes=$(du -sbL "$index" | cut -f1)
docs=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1]+'/manifest.json')); print(m['docs']['judgments'])" "$index")

echo "--- engine timing (500 queries, one worker)"
"$leian" eval --index "$index" --queries "$queries" --qrels "$qrels" --exclude-self --kind judgment --mode bm25 --workers 1 \
  --json 2>"$work/eval-$n.log" >"$work/eval-$n.json" || { cat "$work/eval-$n.log" >&2; exit 1; }
engine=$(engine_timing "$work/eval-$n.log")
engine_p50=$(echo "$engine" | awk '{print $2}')
engine_p99=$(echo "$engine" | awk '{print $6}')

echo "--- HTTP timing (500 queries, one client)"
server_rss=$(http_timing "$index" bm25 500 "$work/http-$n.json" "$work/serve-$n.log")

peer_json='null'
if [ "${LEIAN_SCALE_PEER:-1}" != 0 ]; then
  echo "--- peer: bm25s over Leian's tokens"
  if [ ! -f "$work/tokens-$n/docs.tsv" ]; then
    "$examples/peer_tokens" "$corpus" "$queries" "$work/tokens-$n"
  fi
  if peer_json=$(python3 bench/bm25s_peer.py "$work/tokens-$n" --queries 500); then :; else
    echo "peer skipped (bm25s not installed: pip install bm25s==0.3.16)" >&2
    peer_json='null'
  fi
fi

hybrid_json='null'
if [ -n "${LEIAN_SCALE_VECTORS:-}" ]; then
  hybrid=$work/hybrid-$n
  if [ ! -e "$hybrid" ]; then
    echo "--- hybrid: synthetic vectors for a copy of the index"
    # A hard-linked copy of the snapshot: attaching publishes a new snapshot beside it.
    mkdir -p "$work/.hybrid-$n.snapshots"
    snapshot=$(readlink -f "$index")
    cp -al "$snapshot" "$work/.hybrid-$n.snapshots/"
    ln -s ".hybrid-$n.snapshots/$(basename "$snapshot")" "$hybrid"
    "$examples/vector_scale" --index "$LEIAN_SCALE_VECTORS" --attach-to "$hybrid" >"$work/attach-$n.json"
  fi
  if python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]+'/manifest.json'))['dense'].get('hnsw') else 1)" "$hybrid"; then
    echo "--- hybrid: the graph's recall against exact search (500 queries)"
    "$examples/vector_scale" --measure "$hybrid" --queries "$queries" --query-count 500 --json >"$work/recall-$n.json"
  else
    echo "hybrid: fewer passages than the graph threshold, searched exactly; no recall to measure" >&2
    echo 'null' >"$work/recall-$n.json"
  fi
  # Each query encoded: caches of their own (the models linked in), not the shared query cache.
  models=${LEIAN_CACHE:-$HOME/.cache/leian}/models
  cold=$(mktemp -d)
  ln -s "$models" "$cold/models"
  echo "--- hybrid: engine timing (500 queries, one worker)"
  LEIAN_CACHE=$cold "$leian" eval --index "$hybrid" --queries "$queries" --qrels "$qrels" --exclude-self \
    --kind judgment --mode hybrid --workers 1 --json 2>"$work/eval-hybrid-$n.log" >"$work/eval-hybrid-$n.json" \
    || { cat "$work/eval-hybrid-$n.log" >&2; exit 1; }
  hybrid_engine=$(engine_timing "$work/eval-hybrid-$n.log")
  rm -rf "$cold"
  cold=$(mktemp -d)
  ln -s "$models" "$cold/models"
  echo "--- hybrid: HTTP timing (300 queries, one client)"
  hybrid_rss=$(http_timing "$hybrid" hybrid 300 "$work/http-hybrid-$n.json" "$work/serve-hybrid-$n.log" \
    LEIAN_CACHE="$cold")
  rm -rf "$cold"
  hybrid_json=$(python3 - "$work/recall-$n.json" "$hybrid_engine" "$work/http-hybrid-$n.json" "$hybrid_rss" <<'EOF'
import json, sys
recall_path, engine, http_path, rss = sys.argv[1:]
recall = json.load(open(recall_path))
http = json.load(open(http_path))
row = http[0] if isinstance(http, list) else http
words = engine.split()
print(json.dumps({
    "recall_at_10": recall and recall["recall_at_10_documents"],
    "engine_pool": recall and recall["engine_pool"],
    "engine_p50_ms": float(words[1]), "engine_p99_ms": float(words[5]),
    "http_p50_ms": row["p50_ms"], "http_p99_ms": row["p99_ms"], "http_errors": row["errors"],
    "server_peak_rss_mb": int(rss),
}))
EOF
)
fi

python3 - "$work/scale-$n.json" "$n" "$docs" "$index_seconds" "$index_rss" "$index_bytes" \
  "$engine_p50" "$engine_p99" "$work/http-$n.json" "$server_rss" "$peer_json" "$hybrid_json" <<'EOF'
import json, sys
out, n, docs, secs, rss, size, e50, e99, http_path, srss, peer, hybrid = sys.argv[1:]
http = json.load(open(http_path))
row = http[0] if isinstance(http, list) else http
result = {
    "generated": int(n), "judgments": int(docs),
    "index_seconds": float(secs), "docs_per_second": round(int(docs) / float(secs)),
    "index_peak_rss_mb": int(rss), "index_bytes": int(size),
    "engine_p50_ms": float(e50), "engine_p99_ms": float(e99),
    "http_p50_ms": row["p50_ms"], "http_p99_ms": row["p99_ms"], "http_errors": row["errors"],
    "server_peak_rss_mb": int(srss),
    "peer": json.loads(peer),
    "hybrid": json.loads(hybrid),
}
if result["peer"]:
    result["query_p50_ratio"] = round(result["peer"]["p50_ms"] / result["engine_p50_ms"], 1)
    result["index_time_ratio"] = round(
        (result["peer"]["index_seconds"]) / result["index_seconds"], 2)
json.dump(result, open(out, "w"), indent=1)
print("| judgments | index s | docs/s | index peak RSS | index size | engine p50 / p99 | HTTP p50 / p99 | server RSS | bm25s build s | bm25s p50 | p50 ratio |")
print("|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|")
p = result["peer"] or {}
print("| {:,} | {:.0f} | {:,} | {:,} MB | {:.2f} GB | {:.1f} / {:.1f} ms | {:.1f} / {:.1f} ms | {:,} MB | {} | {} | {} |".format(
    result["judgments"], result["index_seconds"], result["docs_per_second"], result["index_peak_rss_mb"],
    result["index_bytes"] / 1e9, result["engine_p50_ms"], result["engine_p99_ms"],
    result["http_p50_ms"], result["http_p99_ms"], result["server_peak_rss_mb"],
    p.get("index_seconds", "–"), "%s ms" % p["p50_ms"] if p else "–",
    "%.1f×" % result["query_p50_ratio"] if p else "–"))
h = result["hybrid"]
if h:
    print()
    print("| hybrid at {:,} | recall@10 | engine p50 / p99 | HTTP p50 / p99 | server RSS |".format(result["judgments"]))
    print("|---|---:|---|---|---:|")
    print("| each query encoded | {} | {:.1f} / {:.1f} ms | {:.1f} / {:.1f} ms | {:,} MB |".format(
        "%.4f" % h["recall_at_10"] if h["recall_at_10"] is not None else "exact search",
        h["engine_p50_ms"], h["engine_p99_ms"], h["http_p50_ms"], h["http_p99_ms"], h["server_peak_rss_mb"]))
EOF
