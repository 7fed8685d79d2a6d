"""scikit-learn side of bench/kmeans.sh.

    kmeans_sklearn.py gen FILE N D SEED      write the benchmark data (raw little-endian f64)
    kmeans_sklearn.py fit FILE N D K N_INIT MAX_ITER ALGORITHM
                                             time KMeans.fit, print one JSON line

The data: 12 Gaussian groups in D dimensions (centres ~ N(0, 0.5²) per coordinate, unit
noise, unequal group sizes), clustered with K = 8 — overlapping groups and a K that does not
match them, so Lloyd needs tens of iterations, as on real account features.
"""

import json
import sys
import time

import numpy as np


def gen(path, n, d, seed):
    rng = np.random.default_rng(seed)
    g = 12
    centres = rng.normal(scale=0.5, size=(g, d))
    weights = rng.uniform(0.5, 1.5, size=g)
    groups = rng.choice(g, size=n, p=weights / weights.sum())
    x = centres[groups] + rng.normal(size=(n, d))
    np.ascontiguousarray(x, dtype="<f8").tofile(path)


def fit(path, n, d, k, n_init, max_iter, algorithm):
    from sklearn.cluster import KMeans

    x = np.fromfile(path, dtype="<f8").reshape(n, d)
    start = time.perf_counter()
    km = KMeans(
        n_clusters=k,
        init="k-means++",
        n_init=n_init,
        max_iter=max_iter,
        algorithm=algorithm,
        random_state=0,
    ).fit(x)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "inertia": float(km.inertia_), "n_iter": int(km.n_iter_)}))


if __name__ == "__main__":
    a = sys.argv
    if a[1] == "gen":
        gen(a[2], int(a[3]), int(a[4]), int(a[5]))
    else:
        fit(a[2], int(a[3]), int(a[4]), int(a[5]), int(a[6]), int(a[7]), a[8])
