#!/usr/bin/env python3
"""Reference t-SNE maps of scikit-learn on Fashion-MNIST, for ml/tsne.

Usage: sklearn_tsne.py [--n 10000] [--dir DIR] [--seed 0] [--perplexity 30]
                       [--learning-rate auto|FLOAT] [--init pca|random]
                       [--no-trust] [--save FILE.npy]

Features are the first N images of the Fashion-MNIST test set (t10k) divided
by 255 in float64, read before the clock starts (N up to 70,000: beyond
10,000 the training images follow the test images). The timed pipeline is
    Z = PCA(50, random_state=seed).fit_transform(X)
    Y = TSNE(perplexity=p, init=init, learning_rate=lr,
             random_state=seed).fit_transform(Z)
(method "barnes_hut", angle 0.5, early exaggeration 12, n_iter 1000:
sklearn 1.2.1's defaults, whose learning_rate default is "auto" =
max(N / 12 / 4, 50) and whose init default is "pca"). Then it prints one
JSON object on stdout:
    {"seconds": 312.0, "pca_seconds": 0.9, "tsne_seconds": 311.1,
     "knn5": 0.8071, "trustworthiness": 0.99, "kl": 1.8, "n_iter": 999,
     "n": 10000, ...}
"seconds" is the wall time of PCA + TSNE, "cpu_seconds" the user + system
time of the process (all threads) meanwhile. "knn5" is the leave-one-out 5-NN
accuracy inside the map (each point voted by its 5 nearest other points,
ties to the smallest label, as scipy.stats.mode does). "trustworthiness" is
sklearn.manifold.trustworthiness(Z, Y, n_neighbors=5), i.e. measured against
the PCA-50 features that t-SNE was given (it needs about 3 n² × 8 bytes of
memory: 2.4 GB for n = 10000; --no-trust skips it).
"""
import argparse
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.neighbors import NearestNeighbors


def read_idx(directory, stem, offset):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=offset)
    sys.exit("sklearn_tsne: %s[.gz] not found in %s" % (stem, directory))


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def loo_knn(Y, labels, k=5):
    """Leave-one-out k-NN accuracy of the rows of Y."""
    nb = NearestNeighbors(n_neighbors=k).fit(Y).kneighbors(return_distance=False)
    votes = labels[nb]
    pred = np.array([np.bincount(v, minlength=labels.max() + 1).argmax() for v in votes])
    return float(np.mean(pred == labels))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--learning-rate", default="auto")
    ap.add_argument("--init", default="pca", choices=("pca", "random"))
    ap.add_argument("--no-trust", action="store_true")
    ap.add_argument("--save", default="")
    a = ap.parse_args()

    X = read_idx(a.dir, "t10k-images-idx3-ubyte", 16).reshape(-1, 784)
    y = read_idx(a.dir, "t10k-labels-idx1-ubyte", 8)
    if a.n > len(y):
        X = np.concatenate([X, read_idx(a.dir, "train-images-idx3-ubyte", 16).reshape(-1, 784)])
        y = np.concatenate([y, read_idx(a.dir, "train-labels-idx1-ubyte", 8)])
    X, y = X[: a.n] / 255.0, y[: a.n].astype(np.int64)
    lr = a.learning_rate if a.learning_rate == "auto" else float(a.learning_rate)

    cpu0, t0 = cpu_seconds(), time.perf_counter()
    Z = PCA(n_components=50, random_state=a.seed).fit_transform(X)
    t1 = time.perf_counter()
    ts = TSNE(perplexity=a.perplexity, init=a.init, learning_rate=lr, random_state=a.seed)
    Y = ts.fit_transform(Z)
    t2, cpu = time.perf_counter(), cpu_seconds() - cpu0

    out = {
        "seconds": round(t2 - t0, 2),
        "pca_seconds": round(t1 - t0, 2),
        "tsne_seconds": round(t2 - t1, 2),
        "cpu_seconds": round(cpu, 2),
        "knn5": loo_knn(Y, y),
        "kl": float(ts.kl_divergence_),
        "n_iter": int(ts.n_iter_),
        "learning_rate": float(ts.learning_rate_),
        "n": a.n,
        "seed": a.seed,
        "perplexity": a.perplexity,
        "init": a.init,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
    }
    if not a.no_trust:
        out["trustworthiness"] = float(trustworthiness(Z, Y, n_neighbors=5))
    if a.save:
        np.save(a.save, Y)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
