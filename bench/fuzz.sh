#!/usr/bin/env bash
# Fuzzing on stable Rust: builds the libFuzzer targets of fuzz/ (Leian's crates instrumented by
# fuzz/rustc-sancov.sh) and runs each for a bounded time, starting from fuzz/seeds/<target> and
# growing fuzz/corpus/<target> (ignored). A crash, a hang (an input over the per-input timeout)
# or an out-of-memory input is copied to fuzz/regressions/<target>/, which the regression tests
# (crates/leian-fuzz/tests/regressions.rs) replay. Prints one summary line per target.
#   bench/fuzz.sh [SECONDS_PER_TARGET] [TARGET…]   (default: 600 s; every target)
# Environment: FUZZ_JOBS targets at once (1), FUZZ_MAX_LEN bytes per input (4096),
# FUZZ_TIMEOUT seconds per input (10), FUZZ_RSS_MB memory limit (2048).
# Exit status: 1 when any target found something.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
[ $# -gt 0 ] && shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(corpus_line citations analysis case_number search_body)
jobs=${FUZZ_JOBS:-1}
max_len=${FUZZ_MAX_LEN:-4096}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
# The workspace's own target folder: the dependencies its tests built are reused as they are.
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
RUSTC_WRAPPER="$PWD/fuzz/rustc-sancov.sh" cargo build -q --manifest-path fuzz/Cargo.toml --bins
mkdir -p fuzz/logs

run() {
    local target=$1 log=fuzz/logs/$1.log rc=0 started=$SECONDS
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    "$CARGO_TARGET_DIR/debug/fuzz_$target" -max_total_time="$seconds" -max_len="$max_len" \
        -timeout="$timeout" -rss_limit_mb="$rss_mb" -dict=fuzz/leian.dict \
        -artifact_prefix="fuzz/artifacts/$target/" -print_final_stats=1 \
        "fuzz/corpus/$target" "fuzz/seeds/$target" >"$log" 2>&1 || rc=$?
    # cargo does not see the wrapper's flags: Leian's crates built for fuzz/ without it (a plain
    # `cargo build --manifest-path fuzz/Cargo.toml`) would be reused uninstrumented.
    grep -q 'inline 8-bit counters' "$log" ||
        echo "$target: not instrumented (built without fuzz/rustc-sancov.sh): touch crates/*/src/lib.rs and run again" >&2
    local found=0 artifact
    for artifact in "fuzz/artifacts/$target"/{crash,timeout,oom}-*; do
        [ -e "$artifact" ] || continue
        mkdir -p "fuzz/regressions/$target"
        cp "$artifact" "fuzz/regressions/$target/"
        rm "$artifact"
        found=$((found + 1))
    done
    local runs cov ft corpus elapsed=$((SECONDS - started))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
    corpus=$(find "fuzz/corpus/$target" -type f | wc -l)
    printf '%-12s %6ss %10s runs  cov %6s  ft %7s  corpus %5s  findings %s  (rc %s, log %s)\n' \
        "$target" "$elapsed" "${runs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$found" \
        "$rc" "$log"
    echo "$found" >"fuzz/logs/$target.found"
}

for target in "${targets[@]}"; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
    run "$target" &
done
wait
status=0
for target in "${targets[@]}"; do
    [ "$(cat "fuzz/logs/$target.found")" = 0 ] || status=1
done
exit "$status"
