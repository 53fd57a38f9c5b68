#!/usr/bin/env python3
"""umap-learn on the same items as `embedscope umap --umap-learn` and `bench --only umap70k`.

Usage: umap_bench.py FEATURES N D MAP_OUT [--labels FILE] [--neighbors 15] [--min-dist 0.1]
                     [--spread 1] [--metric euclidean] [--epochs 0] [--seed S]

FEATURES holds the items' scaled features as raw little-endian float32, N rows
of D (written by embedscope, so both sides map the same numbers); --labels a
raw little-endian int32 class per item, -1 for unknown (supervised maps:
target_metric="categorical"). Timed, as a user waits for it: importing umap
(numba compiles part of it then), PCA(50, random_state=0).fit_transform when
D > 50, and umap.UMAP(...).fit_transform, whose first call compiles the rest.
Without --seed, random_state is None, umap-learn's fastest setting (parallel
SGD, not reproducible); with it, random_state=S (single-threaded SGD).

MAP_OUT receives the map as raw little-endian float32, N rows of (x, y); the
caller scores it with the same code as its own map. Prints one JSON object:

  {"umap": "0.5.3", "numba": "0.56.4", "seconds": 78.1, "import_seconds": 9.0, "n": 70000}
"""
import argparse
import json
import sys
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("features")
    ap.add_argument("n", type=int)
    ap.add_argument("d", type=int)
    ap.add_argument("out")
    ap.add_argument("--labels")
    ap.add_argument("--neighbors", type=int, default=15)
    ap.add_argument("--min-dist", type=float, default=0.1)
    ap.add_argument("--spread", type=float, default=1.0)
    ap.add_argument("--metric", default="euclidean")
    ap.add_argument("--epochs", type=int, default=0, help="0: umap-learn's default")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    import numpy as np
    from sklearn.decomposition import PCA

    x = np.fromfile(args.features, dtype="<f4")
    if x.size != args.n * args.d:
        sys.exit("umap_bench: %s holds %d values, not %d x %d" % (args.features, x.size, args.n, args.d))
    x = x.reshape(args.n, args.d).astype(np.float64)
    y = None
    if args.labels:
        y = np.fromfile(args.labels, dtype="<i4").astype(np.int64)

    start = time.perf_counter()
    import numba
    import umap

    imported = time.perf_counter() - start
    z = PCA(50, random_state=0).fit_transform(x) if args.d > 50 else x
    m = umap.UMAP(n_neighbors=args.neighbors, min_dist=args.min_dist, spread=args.spread, metric=args.metric,
                  n_epochs=args.epochs or None, random_state=args.seed)
    emb = m.fit_transform(z, y)
    seconds = time.perf_counter() - start

    np.ascontiguousarray(emb, dtype="<f4").tofile(args.out)
    json.dump({"umap": getattr(umap, "__version__", "?"), "numba": numba.__version__, "seconds": seconds,
               "import_seconds": imported, "n": int(x.shape[0])}, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
