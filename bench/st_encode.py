#!/usr/bin/env python3
"""Times PyTorch sentence-transformers encoding a text file; the Python side of the encoder
speed benchmark (compare with the Rust/candle encoder on the same file and thread count).

Usage: python3 bench/st_encode.py MODEL_DIR FILE [--batch-size 32] [--reps 3] [--threads 2]
                                   [--dump EMBEDDINGS.json]

MODEL_DIR is a local model directory (e.g. the unpacked m3e-small, see models/reference/README.md);
nothing is downloaded. FILE holds one text per line. Loading the model and one warm-up pass are not
timed; each repetition encodes every line with normalize_embeddings=True (mean pooling, max 512
tokens). Prints one JSON object:
{"median_s": ..., "texts": ..., "texts_per_s": ..., "torch": ..., "threads": ..., "cpu_s": ..., ...}

--dump writes the last repetition's embeddings as a JSON list of lists of floats, one per line of
FILE in order, so a caller (crates/leian-embed/examples/bench_vs_torch.rs) can check its own
vectors against these on the very texts it timed.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import argparse
import json
import statistics
import sys
import time

try:
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer
except ImportError:
    # Exit code 3: not installed (same convention as bench/jieba_segment.py).
    print(
        "sentence-transformers is not installed: pip install -r models/requirements-reference.txt",
        file=sys.stderr,
    )
    sys.exit(3)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir")
    parser.add_argument("file")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--dump", help="write the embeddings as JSON to this file")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    with open(args.file, encoding="utf-8") as f:
        texts = [line.rstrip("\n") for line in f]
    texts = [t for t in texts if t]
    if not texts:
        sys.exit(f"{args.file}: no texts")

    model = SentenceTransformer(args.model_dir, device="cpu")
    model.max_seq_length = 512
    model.eval()

    def encode():
        return model.encode(
            texts,
            batch_size=args.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    # Warm-up (first-call allocations, lazy init), not timed.
    model.encode(texts[: args.batch_size], batch_size=args.batch_size, show_progress_bar=False)

    times, cpu_times = [], []
    with torch.inference_mode():
        for _ in range(args.reps):
            t0, c0 = time.perf_counter(), time.process_time()
            emb = encode()
            times.append(time.perf_counter() - t0)
            cpu_times.append(time.process_time() - c0)

    if args.dump:
        # Written after timing, so the dump costs nothing the benchmark measures.
        with open(args.dump, "w", encoding="utf-8") as f:
            json.dump(emb.tolist(), f)

    tokens = sum(len(ids) for ids in model.tokenizer(texts, truncation=True, max_length=512)["input_ids"])
    median = statistics.median(times)
    print(
        json.dumps(
            {
                "median_s": median,
                "texts": len(texts),
                "texts_per_s": len(texts) / median,
                "tokens": tokens,
                # CPU seconds of this process (all threads): if far below threads * median_s,
                # the machine was busy and the wall-clock figure is pessimistic.
                "cpu_s": statistics.median(cpu_times),
                "load_avg_1m": os.getloadavg()[0],
                "batch_size": args.batch_size,
                "reps": args.reps,
                "dim": int(emb.shape[1]),
                "torch": torch.__version__,
                "sentence_transformers": sentence_transformers.__version__,
                "threads": torch.get_num_threads(),
            }
        )
    )


if __name__ == "__main__":
    main()
