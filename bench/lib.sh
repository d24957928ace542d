# shellcheck shell=bash
# Shared by the bench scripts (sourced, not run).

# Waits until the server on 127.0.0.1:PORT answers /v1/ready, polling every half second at most
# TRIES times; fails when it never does (a large index takes minutes to open).
wait_until_ready() {
  local port=$1 tries=$2
  for _ in $(seq "$tries"); do
    curl -sf "http://127.0.0.1:$port/v1/ready" >/dev/null && return 0
    sleep 0.5
  done
  echo "the server on port $port did not become ready" >&2
  return 1
}

# The start both scale benchmarks share: N and WORK_DIR from the arguments (default 100,000 and
# ../leian-scale), the release binaries, and the generated corpus (made once per N). Sets n, work,
# data, leian, examples, corpus, index, queries (the first 500 cjrc-same-cause summaries) and
# qrels. Exits 0 with a message when the shared data sets are absent.
# shellcheck disable=SC2034  # the variables are for the calling script
scale_setup() {
  n=${1:-100000}
  work=$(realpath -m "${2:-../leian-scale}")
  data=../shared/data
  local queries_all=$data/eval/cjrc-same-cause/queries.jsonl
  if [ ! -f "$queries_all" ]; then
    echo "skipped: $queries_all not found (the shared data sets are needed for the query timings)" >&2
    exit 0
  fi
  mkdir -p "$work"
  # One cargo invocation: separate ones unify features differently and rebuild the heavy crates.
  cargo build --release -q -p leian-cli -p leian-server -p leian-ingest -p leian-service --bins --examples
  leian=${CARGO_TARGET_DIR:-target}/release/leian
  examples=${CARGO_TARGET_DIR:-target}/release/examples
  corpus=$work/corpus-$n.jsonl.gz
  index=$work/index-$n
  queries=$work/queries-500.jsonl
  qrels=$data/eval/cjrc-same-cause/qrels.trec
  head -n 500 "$queries_all" >"$queries"
  if [ ! -f "$corpus" ]; then
    echo "--- generating $n judgments"
    python3 bench/scale_corpus.py --n "$n" --include-real --out "$corpus"
  fi
}
