#!/usr/bin/env bash
# Load benchmark: starts `leian serve` on an index, runs the load_bench client (concurrency 1, 8,
# 32; BM25 and hybrid) over loopback, stops the server. Prints a Markdown table.
#   bench/load.sh INDEX [QUERIES]     (QUERIES default: the cjrc-same-cause dev queries)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
index=${1:?usage: bench/load.sh INDEX [QUERIES]}
queries=${2:-../shared/data/eval/cjrc-same-cause/queries.jsonl}
port=${LEIAN_BENCH_PORT:-8097}
# The same single cargo invocation as bench/scale.sh: builds with other package sets unify
# features differently and rebuild the heavy crates.
cargo build --release -q -p leian-cli -p leian-server -p leian-ingest -p leian-service --bins --examples
# shellcheck disable=SC2086  # extra server flags, e.g. --param query_tokens=128
target/release/leian serve --index "$index" --addr "127.0.0.1:$port" ${LEIAN_SERVE_ARGS:-} 2>/tmp/leian-load-bench.log &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
wait_until_ready "$port" 120
nproc_note="$(nproc) cores, $(uname -m)"
echo "server: $index on $nproc_note; client on the same machine"
target/release/examples/load_bench --url "http://127.0.0.1:$port" --queries "$queries" \
  --modes "${LEIAN_BENCH_MODES:-bm25,hybrid}" --concurrency 1,8,32 \
  --requests "${LEIAN_BENCH_REQUESTS:-300}" --seconds "${LEIAN_BENCH_SECONDS:-60}"
