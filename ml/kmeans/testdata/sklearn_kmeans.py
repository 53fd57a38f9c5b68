#!/usr/bin/env python3
"""Reference k-means fits of scikit-learn on Fashion-MNIST, for ml/kmeans.

Usage: sklearn_kmeans.py [--dir DIR] [--k 10] [--n-init 1] [--seed 0]
                         [--part train|test] [--rows N] [--init k-means++|random]

Features are the pixels of the chosen IDX file divided by 255 in float64
(the first N rows when --rows is given; the whole file by default), prepared
before the clock starts. Fits
    KMeans(n_clusters=k, n_init=n_init, random_state=seed, init=init)
(algorithm "lloyd", max_iter 300, tol 1e-4: sklearn's defaults) and prints
one JSON object on stdout:
    {"seconds": 12.4, "inertia": 1926914.1, "n_iter": 57, "k": 10,
     "n_init": 1, "seed": 0, "rows": 60000, "part": "train",
     "sklearn": "1.2.1", "numpy": "1.24.2"}
"seconds" is the wall time of fit() alone.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans


def read_images(directory, part):
    stem = "train-images-idx3-ubyte" if part == "train" else "t10k-images-idx3-ubyte"
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)
    sys.exit("sklearn_kmeans: %s[.gz] not found in %s" % (stem, directory))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--n-init", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", default="train", choices=("train", "test"))
    ap.add_argument("--rows", type=int, default=0)
    ap.add_argument("--init", default="k-means++", choices=("k-means++", "random"))
    a = ap.parse_args()

    X = read_images(a.dir, a.part)
    if a.rows > 0:
        X = X[: a.rows]
    X = X / 255.0
    km = KMeans(n_clusters=a.k, n_init=a.n_init, random_state=a.seed, init=a.init)
    t0 = time.perf_counter()
    km.fit(X)
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "seconds": round(seconds, 3), "inertia": float(km.inertia_), "n_iter": int(km.n_iter_),
        "k": a.k, "n_init": a.n_init, "seed": a.seed, "rows": int(X.shape[0]), "part": a.part,
        "sklearn": sklearn.__version__, "numpy": np.__version__,
    }))


if __name__ == "__main__":
    main()
