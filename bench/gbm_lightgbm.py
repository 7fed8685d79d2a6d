"""Python side of bench/gbm.sh.

gen FILE N P SEED: writes a binary classification set as raw little-endian f64 (features
    N × P row-major, then N labels): uniform, normal and count-like features, 5 % missing in
    eight of them, labels drawn from a logit with sines, products, steps and a missing-value
    effect.
fit FILE N P N_TRAIN N_TREES N_LEAVES N_SHAP: trains LightGBM on the first N_TRAIN rows with the
    settings gbm_bench uses (2 threads), scores the rest, and times shap.TreeExplainer on N_SHAP
    held-out rows. Prints one JSON line.
"""
import json
import sys
import time

import numpy as np


def gen(path, n, p, seed):
    rng = np.random.default_rng(seed)
    x = np.empty((n, p))
    x[:, : p // 2] = rng.uniform(-1, 1, (n, p // 2))
    x[:, p // 2 : 3 * p // 4] = rng.normal(0, 1, (n, 3 * p // 4 - p // 2))
    x[:, 3 * p // 4 :] = rng.poisson(3, (n, p - 3 * p // 4))
    logit = (
        2.0 * np.sin(3 * x[:, 0])
        + 3.0 * x[:, 1] * x[:, 2]
        - 1.5 * (x[:, 3] > 0.3)
        + 0.8 * np.abs(x[:, p // 2])
        + 0.5 * np.tanh(x[:, p // 2 + 1] * x[:, 4])
        + 0.3 * (x[:, 3 * p // 4] - 3)
        - 0.2 * x[:, 3 * p // 4 + 1]
    )
    missing = rng.random((n, 8)) < 0.05
    logit += 1.0 * missing[:, 0]
    for j in range(8):
        x[missing[:, j], 2 * j] = np.nan
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.float64)
    with open(path, "wb") as f:
        f.write(x.astype("<f8").tobytes())
        f.write(y.astype("<f8").tobytes())


def fit(path, n, p, n_train, n_trees, n_leaves, n_shap):
    import lightgbm as lgb
    import shap
    from sklearn.metrics import roc_auc_score

    raw = np.fromfile(path, dtype="<f8")
    x, y = raw[: n * p].reshape(n, p), raw[n * p :]
    params = dict(
        objective="binary", num_leaves=n_leaves, learning_rate=0.1, min_data_in_leaf=20,
        min_sum_hessian_in_leaf=1e-3, lambda_l2=0.0, max_bin=255, bagging_fraction=1.0,
        feature_fraction=1.0, num_threads=2, verbose=-1, seed=0,
    )
    start = time.perf_counter()
    data = lgb.Dataset(x[:n_train], label=y[:n_train], params={"max_bin": 255})
    model = lgb.train(params, data, num_boost_round=n_trees)
    fit_seconds = time.perf_counter() - start
    start = time.perf_counter()
    scores = model.predict(x[n_train:], num_threads=2)
    predict_seconds = time.perf_counter() - start
    auc = roc_auc_score(y[n_train:], scores)
    explained = x[n_train : n_train + n_shap]
    explainer = shap.TreeExplainer(model)
    start = time.perf_counter()
    values = explainer.shap_values(explained)
    shap_seconds = time.perf_counter() - start
    values = values[1] if isinstance(values, list) else values
    err = np.abs(values.sum(1) + explainer.expected_value - model.predict(explained, raw_score=True)).max()
    print(json.dumps(dict(fit_seconds=fit_seconds, predict_seconds=predict_seconds, auc=auc,
                          shap_seconds=shap_seconds, max_additivity_error=float(err),
                          lightgbm=lgb.__version__, shap=shap.__version__)))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "gen":
        gen(args[0], *map(int, args[1:]))
    else:
        fit(args[0], *map(int, args[1:]))
