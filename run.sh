#!/usr/bin/env bash
# Command 1: build, fetch the default statutes and model, index them with a judgment corpus, run
# sample searches.
#   ./run.sh                 BM25 index, ready in about a minute
#   LEIAN_EMBED=1 ./run.sh   also embed every passage with m3e-small for dense and hybrid search
#                            (tens of minutes on 2 cores; interrupt and re-run to resume)
#   LEIAN_CORPUS=FILE        judgments (default ../shared/data/corpus/judgments.jsonl, else the fixtures)
#   LEIAN_INDEX=DIR          where the index goes (default ./leian-index)
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release -p leian-cli
leian=target/release/leian
laws_db=$("$leian" statutes fetch)
corpus=${LEIAN_CORPUS:-../shared/data/corpus/judgments.jsonl}
if [ ! -e "$corpus" ]; then
  echo "corpus $corpus not found; indexing the small fixtures in corpus/fixtures instead (set LEIAN_CORPUS to use yours)" >&2
  corpus="corpus/fixtures/lecard corpus/fixtures/cail2018.jsonl"
fi
index=${LEIAN_INDEX:-./leian-index}
embed=--no-embed
if [ "${LEIAN_EMBED:-0}" = 1 ]; then
  "$leian" models fetch m3e-small >/dev/null
  embed=
fi
# shellcheck disable=SC2086  # $corpus may hold several paths; $embed may be empty
"$leian" index --corpus $corpus --statutes "$laws_db" --out "$index" $embed
query='被告人酒后驾驶机动车，经鉴定血液酒精含量为152mg/100ml，属醉酒驾驶'
echo "--- judgments for: $query"
"$leian" search --index "$index" --kind judgment --top-k 5 "$query"
echo "--- statutes for: $query"
"$leian" search --index "$index" --kind statute --top-k 5 "$query"
