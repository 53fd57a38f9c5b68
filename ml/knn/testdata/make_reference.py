#!/usr/bin/env python3
"""Writes the scikit-learn reference predictions used by the knn tests.

Usage: make_reference.py FASHION_MNIST_DIR   (run from ml/knn/testdata; ~5 min on 2 cores)

Produced with scikit-learn 1.2.1, numpy 1.24.2. Each NAME.txt holds one digit
per test image (the predicted class), in test order.
"""
import gzip, os, sys
import numpy as np
from sklearn.decomposition import PCA
from sklearn.neighbors import KNeighborsClassifier

d = sys.argv[1]
def idx(name, off):
    with gzip.open(os.path.join(d, name)) as f:
        return np.frombuffer(f.read(), np.uint8, offset=off)
A = idx("train-images-idx3-ubyte.gz", 16).reshape(-1, 784) / 255
B = idx("t10k-images-idx3-ubyte.gz", 16).reshape(-1, 784) / 255
ytr = idx("train-labels-idx1-ubyte.gz", 8).astype(np.int64)

def save(name, pred):
    with open(name + ".txt", "w") as f:
        f.write("".join(str(int(v)) for v in pred) + "\n")

knn = KNeighborsClassifier(5).fit(A, ytr)
np.savetxt("knn5_pixels_neighbors_first500.txt", knn.kneighbors(B[:500])[1], fmt="%d")
save("knn5_pixels", knn.predict(B))                                          # acc 0.8554
save("knn1_pixels", KNeighborsClassifier(1).fit(A, ytr).predict(B))          # acc 0.8497
save("knn5_pixels_distance",
     KNeighborsClassifier(5, weights="distance").fit(A, ytr).predict(B))     # acc 0.8577
p = PCA(32, svd_solver="full").fit(A)
save("pca32full_knn5", KNeighborsClassifier(5).fit(p.transform(A), ytr).predict(p.transform(B)))  # 0.8524
s = A.std(axis=0) + 0.1          # x/255/(std(x/255)+0.1), population std over the training rows
p = PCA(32, svd_solver="full").fit(A / s)
save("pca32full_knn5_pixelstd",
     KNeighborsClassifier(5).fit(p.transform(A / s), ytr).predict(p.transform(B / s)))  # 0.8485
save("knn5_pixels_manhattan_first1000",
     KNeighborsClassifier(5, metric="manhattan").fit(A, ytr).predict(B[:1000]))
