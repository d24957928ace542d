#!/usr/bin/env bash
# RUSTC_WRAPPER for the fuzz build: the coverage instrumentation cargo-fuzz passes (all stable
# `-C` options), for Leian's own crates only. Dependencies stay as the test build compiled them,
# so they are reused rather than rebuilt; build scripts are never instrumented (they do not link
# libFuzzer).
rustc="$1"
shift
case "${CARGO_PKG_NAME:-}" in
leian-*)
    case " $* " in
    *" --crate-name build_script_"*) ;;
    *)
        exec "$rustc" "$@" \
            -Cpasses=sancov-module \
            -Cllvm-args=-sanitizer-coverage-level=4 \
            -Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
            -Cllvm-args=-sanitizer-coverage-pc-table \
            -Cllvm-args=-sanitizer-coverage-trace-compares \
            --cfg fuzzing
        ;;
    esac
    ;;
esac
exec "$rustc" "$@"
