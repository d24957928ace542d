#!/usr/bin/env python3
"""The peer of the scale benchmark: Python `bm25s` over the tokens Leian's analyzer produced.

Usage: python3 bench/bm25s_peer.py TOKENS_DIR [--queries N] [--reps 3] [--json]

TOKENS_DIR holds docs.tsv and queries.tsv written by
`cargo run --release -p leian-ingest --example peer_tokens -- CORPUS QUERIES TOKENS_DIR`, so both
engines index the same terms and the comparison is of the engines, not of the tokenizers.
Prints the index build time (from token ids, the file read apart), the peak RSS and the per-query
latency (one query at a time, top 10, one thread: what a search request does) as JSON.
Needs `pip install bm25s==0.3.16` (exits 3 with a message otherwise).
"""

import argparse
import json
import os
import resource
import statistics
import sys
import time
from array import array

try:
    import bm25s
except ImportError:
    print("skipped: Python bm25s is not installed (pip install bm25s==0.3.16)", file=sys.stderr)
    sys.exit(3)


def read_docs(path):
    vocab = {}
    docs = []
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            doc_id, _, text = line.rstrip("\n").partition("\t")
            # Token ids in a compact array: a list of Python ints takes 8-36 bytes a token, which
            # at a million judgments would not fit in memory.
            row = array("I")
            for token in text.split(" "):
                if token:
                    row.append(vocab.setdefault(token, len(vocab)))
            docs.append(row)
            ids.append(doc_id)
    return ids, docs, vocab


def read_queries(path, vocab, limit):
    queries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            qid, _, text = line.rstrip("\n").partition("\t")
            tokens = [t for t in text.split(" ") if t in vocab]
            if tokens:
                queries.append((qid, tokens))
            if len(queries) >= limit:
                break
    return queries


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("tokens_dir")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    ids, docs, vocab = read_docs(os.path.join(args.tokens_dir, "docs.tsv"))
    read_seconds = time.perf_counter() - started

    retriever = bm25s.BM25()
    started = time.perf_counter()
    retriever.index((docs, vocab), show_progress=False)
    index_seconds = time.perf_counter() - started
    retriever.vocab_dict = vocab
    del docs

    queries = read_queries(os.path.join(args.tokens_dir, "queries.tsv"), vocab, args.queries)
    token_ids = [[vocab[t] for t in tokens] for _, tokens in queries]
    # Warm-up: the first queries pay for lazy compilation (numba) and page faults.
    for q in token_ids[:20]:
        retriever.retrieve([q], k=10, show_progress=False, n_threads=1)
    medians = []
    all_ms = []
    for _ in range(args.reps):
        times = []
        for q in token_ids:
            t = time.perf_counter()
            retriever.retrieve([q], k=10, show_progress=False, n_threads=1)
            times.append((time.perf_counter() - t) * 1000)
        medians.append(statistics.median(times))
        all_ms.extend(times)
    all_ms.sort()
    print(json.dumps({
        "engine": "bm25s %s" % bm25s.__version__,
        "documents": len(ids),
        "vocabulary": len(vocab),
        "read_seconds": round(read_seconds, 2),
        "index_seconds": round(index_seconds, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "queries": len(queries),
        "p50_ms": round(statistics.median(medians), 3),
        "p99_ms": round(all_ms[min(len(all_ms) - 1, int(len(all_ms) * 0.99))], 3),
    }))


if __name__ == "__main__":
    main()
