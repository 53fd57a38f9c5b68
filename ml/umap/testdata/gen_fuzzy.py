#!/usr/bin/env python3
"""Expected fuzzy simplicial sets of umap-learn 0.5.3 for fuzzy_test.go.

Run from ml/umap/testdata with /usr/bin/python3 (umap-learn 0.5.3, scikit-learn 1.2.1):

    /usr/bin/python3 gen_fuzzy.py /usr/share/datasets/fashion-mnist

Input (x300.csv): the first 300 images of the Fashion-MNIST test set (the
embedded data set of the app), /255, projected on their first 10 principal
components (sklearn PCA, svd_solver="full") and rounded to float32; labels
(y300.csv) with every third one (i % 3 == 2) replaced by -1 (unknown).

For each case the graph is built as UMAP.fit builds it for fewer than 4096
rows: all pairwise distances with umap's own metric function, then
fuzzy_simplicial_set(..., "precomputed", ...); the supervised case then
intersects with the labels as UMAP(target_metric="categorical",
target_weight=0.5) does (far_dist = 2.5 / (1 - 0.5) = 5). Each graph is
written as CSV rows "row,col,weight" (every stored non-zero, sorted).
"""
import gzip
import os
import sys

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import pairwise_distances

import umap.distances as dist
from umap.umap_ import fuzzy_simplicial_set, discrete_metric_simplicial_set_intersection

d = sys.argv[1]
with gzip.open(os.path.join(d, "t10k-images-idx3-ubyte.gz"), "rb") as f:
    x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 784)[:300].astype(np.float64) / 255
with gzip.open(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
    y = np.frombuffer(f.read(), np.uint8, offset=8)[:300].astype(np.int64)
x = PCA(10, svd_solver="full").fit_transform(x).astype(np.float32)
y[np.arange(300) % 3 == 2] = -1
np.savetxt("x300.csv", x, fmt="%.9g", delimiter=",")
np.savetxt("y300.csv", y, fmt="%d")

cases = [
    # name, metric, n_neighbors, set_op_mix_ratio, local_connectivity, supervised
    ("euclidean_k15", "euclidean", 15, 1.0, 1.0, False),
    ("euclidean_k8_mix05_lc15", "euclidean", 8, 0.5, 1.5, False),
    ("cosine_k15", "cosine", 15, 1.0, 1.0, False),
    ("euclidean_k15_labels", "euclidean", 15, 1.0, 1.0, True),
]
rs = np.random.RandomState(0)  # unused with precomputed distances
for name, metric, k, mix, lc, sup in cases:
    dmat = pairwise_distances(x, metric=dist.named_distances[metric])
    g, sigmas, rhos = fuzzy_simplicial_set(dmat, k, rs, "precomputed", {}, None, None, False, mix, lc, True)
    if sup:
        g = discrete_metric_simplicial_set_intersection(g, y, far_dist=5.0)
    g = g.tocoo()
    g.sum_duplicates()
    g.eliminate_zeros()
    order = np.lexsort((g.col, g.row))
    with open("fuzzy_%s.csv" % name, "w") as f:
        f.write("row,col,weight\n")
        for r, c, v in zip(g.row[order], g.col[order], g.data[order]):
            f.write("%d,%d,%.9g\n" % (r, c, v))
    print(name, g.nnz)
