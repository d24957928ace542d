#!/usr/bin/env python3
"""Times Python jieba on a text file, one document per line; the reference side of
`cargo run --release -p leian-text --example bench_segment`.

Usage: python3 bench/jieba_segment.py FILE [--reps N]

Prints one JSON object: {"median_s": ..., "tokens": ..., "chars": ...}, where median_s is the
median over N repetitions of segmenting every line with jieba.lcut(line, HMM=True) (the same
algorithm as jieba-rs `cut(line, true)`); dictionary loading is not timed.
"""

import argparse
import json
import logging
import statistics
import sys
import time

try:
    import jieba
except ImportError:
    # Exit code 3 tells the Rust driver to print the install hint rather than a crash.
    print("python jieba is not installed: pip install jieba==0.42.1", file=sys.stderr)
    sys.exit(3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()

    with open(args.file, encoding="utf-8") as f:
        # Strip only the line terminator so both sides segment exactly the same characters.
        lines = [line.rstrip("\n") for line in f]

    # Loading the dictionary (or its cache) is a one-off cost, kept out of the timing as on the
    # Rust side; silence its progress messages so stdout and stderr stay clean.
    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()

    times = []
    tokens = 0
    for _ in range(max(1, args.reps)):
        start = time.perf_counter()
        count = 0
        for line in lines:
            count += len(jieba.lcut(line, HMM=True))
        times.append(time.perf_counter() - start)
        tokens = count

    chars = sum(len(line) for line in lines)
    print(json.dumps({"median_s": statistics.median(times), "tokens": tokens, "chars": chars}))


if __name__ == "__main__":
    main()
