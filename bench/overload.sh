#!/usr/bin/env bash
# Overload benchmark (issue 12): `leian serve` on an index, 500 clients searching for 30 s over
# loopback, then SIGTERM under the same load.
#   bench/overload.sh INDEX [QUERIES]   (QUERIES default: the cjrc-same-cause dev queries)
# Criteria (the client exits non-zero when one fails): every response is 200 or 503
# `overloaded`, each within 1 s; a search answers normally ≤ 2 s after the load stops; the
# server exits ≤ 5 s after SIGTERM sent during the load. Runs twice: clients that honour
# Retry-After, then clients that retry at once. Environment: LEIAN_OVERLOAD_CLIENTS (500),
# LEIAN_OVERLOAD_SECONDS (30), LEIAN_OVERLOAD_MODE (bm25), LEIAN_SERVE_ARGS (extra flags).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
index=${1:?usage: bench/overload.sh INDEX [QUERIES]}
queries=${2:-../shared/data/eval/cjrc-same-cause/queries.jsonl}
[ -f "$queries" ] || { echo "no queries at $queries (../shared missing?)" >&2; exit 2; }
port=${LEIAN_BENCH_PORT:-8098}
clients=${LEIAN_OVERLOAD_CLIENTS:-500}
seconds=${LEIAN_OVERLOAD_SECONDS:-30}
mode=${LEIAN_OVERLOAD_MODE:-bm25}
# The same single cargo invocation as bench/scale.sh: builds with other package sets unify
# features differently and rebuild the heavy crates.
cargo build --release -q -p leian-cli -p leian-server -p leian-ingest --bins --examples
client=target/release/examples/overload_bench
log=$(mktemp /tmp/leian-overload.XXXXXX.log)
server=
cleanup() { [ -n "$server" ] && kill -9 "$server" 2>/dev/null || true; }
trap cleanup EXIT

start_server() {
  # shellcheck disable=SC2086  # extra server flags
  target/release/leian serve --index "$index" --addr "127.0.0.1:$port" ${LEIAN_SERVE_ARGS:-} >>"$log" 2>&1 &
  server=$!
  wait_until_ready "$port" 240 || {
    echo "log: $log" >&2
    exit 1
  }
}

echo "server: $index on $(nproc) cores, $(uname -m); client on the same machine; ulimit -n $(ulimit -n)"
status=0
start_server
# Warm-up, unmeasured: the first searches read the index from disk and the statute catalog is
# read in the background after start-up (seconds with every statute); the criteria are about
# overload, not a cold start.
"$client" --url "http://127.0.0.1:$port" --queries "$queries" --clients 2 --seconds 5 \
  --mode "$mode" --load-only >/dev/null
for retry in honour ignore; do
  flag=
  [ "$retry" = ignore ] && flag=--ignore-retry-after
  echo
  "$client" --url "http://127.0.0.1:$port" --queries "$queries" --clients "$clients" \
    --seconds "$seconds" --mode "$mode" $flag || status=1
  sleep 2
done

echo
echo "SIGTERM under load ($clients clients retrying at once; signal after 5 s):"
"$client" --url "http://127.0.0.1:$port" --queries "$queries" --clients "$clients" \
  --seconds 15 --mode "$mode" --ignore-retry-after --load-only >/dev/null 2>&1 &
load=$!
sleep 5
sent=$(date +%s%N)
elapsed_ms() { echo $((($(date +%s%N) - sent) / 1000000)); }
kill -TERM "$server"
while kill -0 "$server" 2>/dev/null && [ "$(elapsed_ms)" -lt 30000 ]; do sleep 0.05; done
took=$(elapsed_ms)
if kill -0 "$server" 2>/dev/null; then
  echo "FAIL: still running 30 s after SIGTERM"; status=1
else
  wait "$server" 2>/dev/null || true
  echo "exited $took ms after SIGTERM"
  if [ "$took" -gt 5000 ]; then echo "FAIL: over 5 s"; status=1; else echo "PASS: within 5 s"; fi
fi
server=
wait "$load" 2>/dev/null || true
echo "server log: $log"
exit $status
