"""Reference numbers for crates/icp-ml/tests/cluster.rs (the `golden` tests).

Writes tests/golden/cluster_points.csv (150 points in 4 dims from 3 overlapping Gaussian
blobs, plus three labelings) and prints the scikit-learn values that the Rust test keeps
as constants. Rerun:

    python3 -m venv /tmp/skvenv && /tmp/skvenv/bin/pip install scikit-learn numpy
    /tmp/skvenv/bin/python crates/icp-ml/tests/golden/make_golden.py
"""

import os

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)

rng = np.random.default_rng(20240611)
n, d = 150, 4
centers = np.array([[0.0, 0.0, 0.0, 0.0], [3.0, 1.0, -1.0, 2.0], [-1.0, 4.0, 2.0, -2.0]])
truth = np.repeat(np.arange(3), n // 3)
x = centers[truth] + rng.normal(scale=1.2, size=(n, d))
# A noisier labeling: every 7th label shifted; and a 5-group labeling by formula.
noisy = truth.copy()
noisy[::7] = (noisy[::7] + 1) % 3
five = (np.arange(n) * 7 + 3) % 5
# Arbitrary label values (not 0..k) to check the relabelling.
truth_ids = np.array([10, 4, 99])[truth]

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "cluster_points.csv"), "w") as f:
    f.write("x0,x1,x2,x3,truth,noisy,five\n")
    for i in range(n):
        f.write(",".join(repr(float(v)) for v in x[i]))
        f.write(f",{truth_ids[i]},{noisy[i]},{five[i]}\n")

print(f"// scikit-learn {sklearn.__version__}, numpy {np.__version__}")
for name, lab in [("TRUTH", truth_ids), ("NOISY", noisy), ("FIVE", five)]:
    print(f"const SILHOUETTE_{name}: f64 = {silhouette_score(x, lab)!r};")
    print(f"const CALINSKI_HARABASZ_{name}: f64 = {calinski_harabasz_score(x, lab)!r};")
    print(f"const DAVIES_BOULDIN_{name}: f64 = {davies_bouldin_score(x, lab)!r};")
print(f"const ARI_TRUTH_NOISY: f64 = {adjusted_rand_score(truth_ids, noisy)!r};")
print(f"const ARI_TRUTH_FIVE: f64 = {adjusted_rand_score(truth_ids, five)!r};")
print(f"const ARI_NOISY_FIVE: f64 = {adjusted_rand_score(noisy, five)!r};")
km = KMeans(n_clusters=3, init="k-means++", n_init=50, random_state=0).fit(x)
print(f"const KMEANS3_INERTIA_SKLEARN_BEST_OF_50: f64 = {km.inertia_!r};")
