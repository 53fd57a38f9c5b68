#!/usr/bin/env python3
"""Reference timings of faiss (exact search) on Fashion-MNIST.

Usage: faiss_bench.py FASHION_MNIST_DIR [--only NAMES] [--scaling div255|pixelstd]

FASHION_MNIST_DIR holds the four IDX files (train-images-idx3-ubyte[.gz], ...).
Features are the pixels /255 (or x/255/(std+0.1) per pixel, population std over
the 60000 training rows) in float32, prepared before any timing starts. Tasks:

  knn5_pixels  IndexFlatL2 (exact Euclidean search) over the 60000 training rows:
               add them, search the 5 nearest of each of the 10000 test rows,
               and vote (ties to the smallest label, as scikit-learn);
               "accuracy" on the test rows

faiss uses all cores (OpenMP). Prints one JSON object on stdout:

  {"faiss": "1.7.3", "threads": 2, "results": {"knn5_pixels": {"seconds": 4.9, "accuracy": 0.8554}}}
"""
import argparse
import gzip
import json
import os
import sys
import time

import faiss
import numpy as np

TASKS = ("knn5_pixels",)


def read_idx(directory, stem, offset):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=offset)
    sys.exit("faiss_bench: %s[.gz] not found in %s" % (stem, directory))


def vote(labels):
    """The most frequent label of each row, ties to the smallest."""
    counts = np.zeros((labels.shape[0], labels.max() + 1), np.int64)
    for j in range(labels.shape[1]):
        np.add.at(counts, (np.arange(labels.shape[0]), labels[:, j]), 1)
    return counts.argmax(axis=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--only", default=",".join(TASKS), help="comma-separated tasks")
    ap.add_argument("--scaling", default="div255", choices=("div255", "pixelstd"))
    args = ap.parse_args()
    tasks = [t for t in args.only.split(",") if t]
    for t in tasks:
        if t not in TASKS:
            sys.exit("faiss_bench: unknown task %r (known: %s)" % (t, ", ".join(TASKS)))

    a = read_idx(args.dir, "train-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    ya = read_idx(args.dir, "train-labels-idx1-ubyte", 8).astype(np.int64)
    b = read_idx(args.dir, "t10k-images-idx3-ubyte", 16).reshape(-1, 784).astype(np.float32) / 255
    yb = read_idx(args.dir, "t10k-labels-idx1-ubyte", 8).astype(np.int64)
    if args.scaling == "pixelstd":
        s = a.std(axis=0) + 0.1
        a, b = a / s, b / s
    a, b = np.ascontiguousarray(a, np.float32), np.ascontiguousarray(b, np.float32)

    results = {}
    for t in tasks:
        start = time.perf_counter()
        index = faiss.IndexFlatL2(a.shape[1])
        index.add(a)
        _, idx = index.search(b, 5)
        pred = vote(ya[idx])
        seconds = time.perf_counter() - start
        results[t] = {"seconds": seconds, "accuracy": float((pred == yb).mean())}

    json.dump({"faiss": faiss.__version__, "threads": faiss.omp_get_max_threads(), "results": results}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
