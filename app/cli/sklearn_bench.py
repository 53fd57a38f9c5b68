#!/usr/bin/env python3
"""Reference timings and accuracies of scikit-learn on Fashion-MNIST.

Usage: sklearn_bench.py DATA_DIR [--only NAMES] [--scaling div255|pixelstd]
                        [--solver auto|full|randomized] [--seed N] [--repeat N]

DATA_DIR holds the four IDX files (train-images-idx3-ubyte[.gz], ...), or the
CIFAR-10 binary batches (data_batch_1.bin ... data_batch_5.bin, test_batch.bin;
each image's three planes interleaved into pixels, red-green-blue, as
EmbedScope stores them, so both see the same feature matrix).
Features are the pixels /255 (or x/255/(std+0.1) per pixel, population std over
the 60000 training rows) in float64, prepared before any timing starts. Tasks:

  pca32_fit    PCA(32).fit on the 60000 training rows
  pca32_knn5   PCA(32).fit, transform train and test, KNeighborsClassifier(5)
               fit and predict on the 10000 test rows
  knn5_pixels  KNeighborsClassifier(5) fit and predict on the raw features
  kmeans10     KMeans(10, n_init=1, random_state=0).fit on the training rows
  tsne10k      PCA(50) then TSNE(perplexity=30, init="pca", learning_rate="auto",
               random_state=0) of the first 10,000 test rows; reports the
               leave-one-out 5-NN accuracy inside the map as "accuracy"
  mlp_epoch    MLPClassifier((256, 128), batch_size=128, max_iter=1,
               random_state=0).fit: one epoch of Adam (lr 1e-3) on the
               training rows (the convergence warning is silenced); accuracy
               of its predictions on the test rows, which are not timed
  ae_epoch     MLPRegressor((784, 64, 32, 32, 32, 64), activation="logistic",
               batch_size=256, max_iter=1, random_state=0).fit(a, a): one
               epoch of the seed-004 dense autoencoder (d=32) with Adam
               (lr 1e-3); "test mse" is the mean squared reconstruction error
               of the test rows (not timed)
  compare_pca32_vs_pixels
               NearestNeighbors(n_neighbors=10).fit(Z).kneighbors() on all
               70,000 rows of the pixels and of their PCA-32 (fitted on the
               training rows, svd_solver="full", not timed), and the mean
               Jaccard index of each row's two neighbour sets ("agreement").
               With div255 the pixels are x/255 rounded to float32, the
               values EmbedScope computes with, so that exact distance ties
               in the uint8 data break alike
  compare_pca32_vs_pca64
               the same for two narrow spaces: PCA-32 and PCA-64 of all
               70,000 rows (both fitted on the training rows with
               svd_solver="full", not timed)

PCA uses svd_solver="auto" (randomized for 32 components) with random_state 0
unless told otherwise. With --repeat N each task runs N times, one after the
other, and the fastest run is reported (the first run of a process pays for
warming up numpy, BLAS threads and memory). Prints one JSON object on stdout:

  {"sklearn": "1.2.1", "numpy": "...", "cpus": 2, "scaling": "div255",
   "solver": "auto", "results": {"pca32_fit": {"seconds": 5.1},
   "pca32_knn5": {"seconds": 9.8, "accuracy": 0.8526}, ...}}
"""
import argparse
import gzip
import json
import os
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.neighbors import NearestNeighbors
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.neighbors import KNeighborsClassifier

TASKS = ("pca32_fit", "pca32_knn5", "knn5_pixels", "kmeans10", "tsne10k", "mlp_epoch", "ae_epoch",
         "compare_pca32_vs_pixels", "compare_pca32_vs_pca64")


def read_idx(directory, stem, offset):
    for name in (stem, stem + ".gz"):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            opener = gzip.open if name.endswith(".gz") else open
            with opener(path, "rb") as f:
                return np.frombuffer(f.read(), np.uint8, offset=offset)
    sys.exit("sklearn_bench: %s[.gz] not found in %s" % (stem, directory))


def read_cifar(directory, names):
    recs = [np.fromfile(os.path.join(directory, n), np.uint8).reshape(-1, 3073) for n in names]
    r = np.concatenate(recs)
    x = r[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).reshape(-1, 3072)
    return np.ascontiguousarray(x), r[:, 0].astype(np.int64)


def load(directory):
    if os.path.exists(os.path.join(directory, "test_batch.bin")):
        batches = sorted((n for n in os.listdir(directory) if n.startswith("data_batch_") and n.endswith(".bin")),
                         key=lambda n: int(n[len("data_batch_"):-4]))
        xtr, ytr = read_cifar(directory, batches)
        xte, yte = read_cifar(directory, ["test_batch.bin"])
        return xtr, ytr, xte, yte
    xtr = read_idx(directory, "train-images-idx3-ubyte", 16).reshape(-1, 784)
    ytr = read_idx(directory, "train-labels-idx1-ubyte", 8).astype(np.int64)
    xte = read_idx(directory, "t10k-images-idx3-ubyte", 16).reshape(-1, 784)
    yte = read_idx(directory, "t10k-labels-idx1-ubyte", 8).astype(np.int64)
    return xtr, ytr, xte, yte


def loo_knn5(y, labels):
    """Leave-one-out 5-NN accuracy inside a map: each point is voted by its
    5 nearest other points, ties to the smallest label (scipy's mode)."""
    _, idx = NearestNeighbors(n_neighbors=6).fit(y).kneighbors(y)
    right = 0
    for i, row in enumerate(idx):
        nb = [j for j in row if j != i][:5]
        counts = np.bincount(labels[nb], minlength=labels.max() + 1)
        right += int(np.argmax(counts) == labels[i])
    return right / len(labels)


def mean_agreement(ia, ib):
    """Mean Jaccard index of the rows of two k-NN index arrays (n × k)."""
    k = ia.shape[1]
    shared = (ia[:, :, None] == ib[:, None, :]).sum(axis=(1, 2))
    return float(np.mean(shared / (2 * k - shared)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--only", default=",".join(TASKS), help="comma-separated tasks")
    ap.add_argument("--scaling", default="div255", choices=("div255", "pixelstd"))
    ap.add_argument("--solver", default="auto", choices=("auto", "full", "randomized"))
    ap.add_argument("--seed", type=int, default=0, help="PCA random_state")
    ap.add_argument("--repeat", type=int, default=1, help="run each task N times and keep the fastest")
    args = ap.parse_args()
    if args.repeat < 1:
        sys.exit("sklearn_bench: --repeat must be at least 1")
    tasks = [t for t in args.only.split(",") if t]
    for t in tasks:
        if t not in TASKS:
            sys.exit("sklearn_bench: unknown task %r (known: %s)" % (t, ", ".join(TASKS)))

    xtr, ytr, xte, yte = load(args.dir)
    a = xtr.astype(np.float64) / 255
    b = xte.astype(np.float64) / 255
    if args.scaling == "pixelstd":
        s = a.std(axis=0) + 0.1  # population std (ddof=0) of x/255 over the training rows
        a, b = a / s, b / s

    def pca():
        return PCA(32, svd_solver=args.solver, random_state=args.seed)

    def run(t):
        start = time.perf_counter()
        if t == "pca32_fit":
            pca().fit(a)
            return {"seconds": time.perf_counter() - start}
        if t == "tsne10k":
            z = PCA(50, random_state=0).fit_transform(b[:10000])
            y = TSNE(perplexity=30, init="pca", learning_rate="auto", random_state=0).fit_transform(z)
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "accuracy": loo_knn5(y, yte[:10000])}
        if t in ("compare_pca32_vs_pixels", "compare_pca32_vs_pca64"):
            if args.scaling == "div255":
                x = np.vstack([xtr, xte]).astype(np.float32) / np.float32(255)
                x, tr = x.astype(np.float64), x[:len(xtr)].astype(np.float64)
            else:
                x, tr = np.vstack([a, b]), a
            z = PCA(32, svd_solver="full").fit(tr).transform(x)
            if t == "compare_pca32_vs_pca64":
                x = PCA(64, svd_solver="full").fit(tr).transform(x)
            start = time.perf_counter()
            ia = NearestNeighbors(n_neighbors=10).fit(x).kneighbors(return_distance=False)
            ib = NearestNeighbors(n_neighbors=10).fit(z).kneighbors(return_distance=False)
            agreement = mean_agreement(ia, ib)
            return {"seconds": time.perf_counter() - start, "agreement": agreement}
        if t == "kmeans10":
            km = KMeans(10, n_init=1, random_state=0).fit(a)
            return {"seconds": time.perf_counter() - start, "inertia": float(km.inertia_)}
        if t == "mlp_epoch":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                mlp = MLPClassifier((256, 128), batch_size=128, max_iter=1, random_state=0).fit(a, ytr)
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "accuracy": float((mlp.predict(b) == yte).mean())}
        if t == "ae_epoch":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                ae = MLPRegressor((784, 64, 32, 32, 32, 64), activation="logistic", batch_size=256,
                                  max_iter=1, random_state=0).fit(a, a)
            seconds = time.perf_counter() - start
            return {"seconds": seconds, "test mse": float(((ae.predict(b) - b) ** 2).mean())}
        if t == "pca32_knn5":
            p = pca().fit(a)
            pred = KNeighborsClassifier(5).fit(p.transform(a), ytr).predict(p.transform(b))
        else:
            pred = KNeighborsClassifier(5).fit(a, ytr).predict(b)
        seconds = time.perf_counter() - start
        return {"seconds": seconds, "accuracy": float((pred == yte).mean())}

    results = {}
    for t in tasks:
        for _ in range(args.repeat):
            r = run(t)
            if t not in results or r["seconds"] < results[t]["seconds"]:
                results[t] = r

    json.dump({
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "scaling": args.scaling,
        "solver": args.solver,
        "repeat": args.repeat,
        "results": results,
    }, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
