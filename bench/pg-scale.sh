#!/usr/bin/env bash
# The scale-out benchmark (README "Scaling out"): N generated judgments (default 100,000) in the
# embedded snapshot and in the sharded PostgreSQL cluster, in the same run:
#   1. the corpus and its BM25 snapshot as bench/scale.sh makes them (reused when present),
#   2. a cluster of its own (scripts/postgres-cluster.sh, coordinator on port 5633) and the load
#      of that snapshot into it (`leian index --to … --from …`): seconds and documents/s,
#   3. both served (`leian serve --index` and `leian serve --store`) and timed over HTTP with the
#      same 500 cjrc-same-cause fact summaries (`load_bench`, BM25 research requests) at
#      concurrency 1 and 8: p50 / p99 and requests/s, and the cluster's ratio to the embedded engine
#      (both served with a 50 s queue wait and a 60 s deadline, so that concurrency 8 measures
#      waiting, not refusals).
# Usage: bench/pg-scale.sh [N] [WORK_DIR]   (WORK_DIR default ../leian-scale, shared with scale.sh)
#   LEIAN_PG_BENCH_KEEP=1   leave the cluster running (it is taken down by default; its data stays)
#   LEIAN_PG_BENCH_SECONDS  seconds per timing run at most (default 600; at 1M a cluster request
#                           takes seconds)
# Writes WORK_DIR/pg-scale-N.json and prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
scale_setup "$@"
if [ ! -f "$index/manifest.json" ]; then
  echo "--- indexing (BM25)"
  "$leian" index --corpus "$corpus" --statutes "$("$leian" statutes fetch)" --out "$index" \
    --no-embed --threads "$(nproc)"
fi

echo "--- cluster"
# The nodes run as the postgres user, which must be able to enter the folder.
cluster=${LEIAN_PG_BENCH_DIR:-/var/lib/leian/pg-bench}
export LEIAN_PG_PORT=5633 LEIAN_PG_REPLICAS=0
url=$(bash scripts/postgres-cluster.sh up "$cluster" | tail -n 1)
if [ "${LEIAN_PG_BENCH_KEEP:-0}" != 1 ]; then
  trap 'bash scripts/postgres-cluster.sh down "$cluster" >/dev/null 2>&1 || true' EXIT
fi
echo "--- loading the snapshot into $url"
started=$(date +%s.%N)
"$leian" index --to "$url" --from "$index"
load_seconds=$(echo "$(date +%s.%N) - $started" | bc)

time_server() { # NAME PORT ARGS...: load_bench at concurrency 1 and 8 against a fresh server
  local name=$1 port=$2
  shift 2
  # A generous queue and deadline, the same for both: at concurrency 8 a cluster request waits
  # seconds for a worker, and the default half-second wait would measure refusals, not latency.
  "$leian" serve "$@" --addr "127.0.0.1:$port" --timeout-secs 60 --queue-wait-ms 50000 \
    2>"$work/pg-serve-$name.log" &
  local server=$!
  wait_until_ready "$port" 600
  for c in 1 8; do
    "$examples/load_bench" --url "http://127.0.0.1:$port" --queries "$queries" --modes bm25 \
      --concurrency "$c" --requests 500 --seconds "${LEIAN_PG_BENCH_SECONDS:-600}" --json >"$work/pg-http-$name-c$c.json"
  done
  kill "$server"
  wait "$server" 2>/dev/null || true
}
echo "--- HTTP timing: embedded"
time_server embedded 8098 --index "$index"
echo "--- HTTP timing: PostgreSQL"
time_server postgres 8099 --store "$url"

python3 - "$work" "$n" "$load_seconds" <<'EOF'
import json, sys
work, n, load = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
row = lambda name, c: (lambda d: d[0] if isinstance(d, list) else d)(json.load(open(f"{work}/pg-http-{name}-c{c}.json")))
result = {"generated": n, "load_seconds": round(load, 1), "load_docs_per_second": round(n / load)}
print(f"load into the cluster: {load:.0f} s ({n / load:.0f} judgments/s)\n")
print("| concurrency | embedded p50 / p99 | embedded req/s | PostgreSQL p50 / p99 | PostgreSQL req/s | p50 ratio |")
print("|---:|---|---:|---|---:|---:|")
for c in (1, 8):
    e, p = row("embedded", c), row("postgres", c)
    result[f"c{c}"] = {"embedded": e, "postgres": p}
    print(f"| {c} | {e['p50_ms']:.1f} / {e['p99_ms']:.1f} ms | {e['requests_per_second']:.1f} | "
          f"{p['p50_ms']:.1f} / {p['p99_ms']:.1f} ms | {p['requests_per_second']:.1f} | "
          f"{p['p50_ms'] / e['p50_ms']:.1f}× |")
json.dump(result, open(f"{work}/pg-scale-{n}.json", "w"), indent=1)
EOF
