#!/usr/bin/env bash
# Command 1: build, fetch the default statutes and model, index them with a judgment corpus, and
# serve the HTTP API. BM25 answers as soon as the index is built (about a minute); the passages
# are embedded with m3e-small in the background (resumable: an interrupted run continues where
# it stopped) and the server switches to hybrid search when they are ready — /v1/ready shows the
# progress, every search response says which mode answered.
#   LEIAN_CORPUS=PATH   judgments: files or folders (default corpus/judgments.jsonl.gz, the shipped
#                       library of 3,662 public judgments; see README "The precedent library")
#   LEIAN_INDEX=DIR     where the index goes (default ./leian-index)
#   LEIAN_ADDR=ADDR     where the server listens (default 127.0.0.1:8080)
#   LEIAN_EMBED=0       BM25 only: no model, no background embedding
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -p leian-cli
# cargo puts the binary under $CARGO_TARGET_DIR when that is set.
leian=${CARGO_TARGET_DIR:-target}/release/leian
laws_db=$("$leian" statutes fetch)
corpus=${LEIAN_CORPUS:-corpus/judgments.jsonl.gz}
index=${LEIAN_INDEX:-./leian-index}
serve_flags=()
if [ "${LEIAN_EMBED:-1}" != 0 ]; then
  "$leian" models fetch m3e-small >/dev/null
  serve_flags+=(--embed-in-background)
fi
# shellcheck disable=SC2086  # $corpus may hold several paths
"$leian" index --corpus $corpus --statutes "$laws_db" --out "$index" --no-embed
query='被告人酒后驾驶机动车，经鉴定血液酒精含量为152mg/100ml，属醉酒驾驶'
echo "--- statutes for: $query"
"$leian" search --index "$index" --kind statute --top-k 3 "$query"
addr=${LEIAN_ADDR:-127.0.0.1:8080}
echo "--- serving; try: curl -s http://$addr/v1/search -H 'content-type: application/json' -d '{\"text\": \"$query\"}'"
exec "$leian" serve --index "$index" --addr "$addr" "${serve_flags[@]}"
