#!/usr/bin/env python3
"""The conversion model of a demo (or `icp run`) workspace against the generator's truth.

Usage: bench/conversion.sh WORKSPACE   (installs pandas, pyarrow, lightgbm, scipy into
bench/.venv and runs this script)

Reads WORKSPACE/out/scores.json (the held-out deals with the model's calibrated probability),
WORKSPACE/truth/opportunities.csv (each deal's true win probability) and
WORKSPACE/out/features/opportunities.parquet (every deal's features at its creation), and
prints:
- the ROC-AUC of the model and of the true probabilities on the same held-out deals, and of
  the observable probabilities (the true ones averaged over the part of fit no column shows:
  what a model could at best know, given the hidden archetype);
- the observed win rate per tier (from the report);
- the learnable ceiling: LightGBM regressing the *true* log-odds (no outcome noise) on the
  same features from every deal outside the held-out period, scored on the held-out deals;
- the rank correlation (Spearman) between icp's mean |SHAP| per source field and the mean
  |SHAP| per field of that ceiling model, i.e. how far icp's drivers are the true ones;
- DeLong's paired 95% interval of the difference between the truth's and the model's AUC
  (DeLong, DeLong & Clarke-Pearson 1988): how much of the gap one held-out period can tell;
- for churn: the model's held-out ROC-AUC with its 95% interval (from the report) next to the
  AUC (and DeLong interval) of the generator's true monthly hazard on the subscribers of the same test snapshot
  (WORKSPACE/out/features/asof=<test date>.parquet, label `label_churned_60d`).
"""
import json
import re
import sys

import lightgbm as lgb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score


def source_field(column):
    """The source field of a feature column, as icp sums reasons (windows and flags folded)."""
    if column.startswith("tech_"):
        return "technologies"
    m = re.match(r"^(.*)_(\d+)d$", column)
    return m.group(1) if m else column


def placements(scores, y):
    """DeLong placements: each positive's share of negatives below it, each negative's share of
    positives above it (ties half); their means are the ROC-AUC."""
    scores, y = np.asarray(scores, float), np.asarray(y, bool)
    pos, neg = np.sort(scores[y]), np.sort(scores[~y])
    below = lambda others, s: (np.searchsorted(others, s, "left")
                               + np.searchsorted(others, s, "right")) / 2 / len(others)
    return below(neg, scores[y]), 1 - below(pos, scores[~y])


def paired_difference_ci(a, b, y):
    """AUC(a) − AUC(b) on the same rows with DeLong's paired 95% interval."""
    a10, a01 = placements(a, y)
    b10, b01 = placements(b, y)
    d10, d01 = a10 - b10, a01 - b01
    se = np.sqrt(d10.var(ddof=1) / len(d10) + d01.var(ddof=1) / len(d01))
    diff = d10.mean()
    return diff, diff - 1.959964 * se, diff + 1.959964 * se


def auc_ci(scores, y):
    v10, v01 = placements(scores, y)
    se = np.sqrt(v10.var(ddof=1) / len(v10) + v01.var(ddof=1) / len(v01))
    auc = v10.mean()
    return f"{auc:.4f} (95% CI {max(0, auc - 1.959964 * se):.2f}–{min(1, auc + 1.959964 * se):.2f})"


def main(ws):
    report = json.load(open(f"{ws}/out/scores.json"))
    conv = next(t for t in report["tasks"] if t["task"]["name"] == "conversion")
    truth = pd.read_csv(f"{ws}/truth/opportunities.csv").set_index("opportunity_id")
    held = pd.DataFrame(conv["held_out"]).set_index("id")
    held["truth"] = truth.loc[held.index, "true_win_probability"]
    held["observable"] = truth.loc[held.index, "observable_win_probability"]
    auc_model = roc_auc_score(held.outcome, held.probability)
    auc_truth = roc_auc_score(held.outcome, held.truth)
    auc_observable = roc_auc_score(held.outcome, held.observable)
    print(f"held-out deals: {len(held)} ({int(held.outcome.sum())} won), closed from "
          f"{pd.to_datetime(conv['split']['test_as_of'], unit='us').date()}")
    print(f"ROC-AUC model {auc_model:.4f}, true probabilities {auc_truth:.4f}, "
          f"difference {auc_truth - auc_model:+.4f}")
    print(f"ROC-AUC of the observable probabilities (hidden fit averaged out) {auc_observable:.4f}, "
          f"difference to the model {auc_observable - auc_model:+.4f}")
    diff, lo, hi = paired_difference_ci(held.truth, held.probability, held.outcome)
    print(f"difference with DeLong's paired 95% interval: {diff:+.4f} ({lo:+.4f} to {hi:+.4f})")
    print("win rate by tier: " + ", ".join(
        f"{t['tier']} {t['rate']:.3f} ({t['positives']}/{t['n']})" for t in conv["tiers"]))

    deals = pq.read_table(f"{ws}/out/features/opportunities.parquet").to_pandas()
    deals = deals[deals.row_id.isin(truth.index)]
    keys = {"row_id", "account_id", "as_of_micros", "closed_micros", "label_won", "label_amount"}
    features = [c for c in deals.columns if c not in keys]
    x = deals[features].copy()
    for c in features:
        if not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype("category")
    p = truth.loc[deals.row_id, "true_win_probability"].to_numpy()
    logit = np.log(p / (1 - p))
    test = deals.row_id.isin(held.index).to_numpy()
    oracle = lgb.LGBMRegressor(n_estimators=600, learning_rate=0.05, num_leaves=31, verbose=-1)
    oracle.fit(x[~test], logit[~test])
    pred = oracle.predict(x[test])
    y = held.loc[deals.row_id[test], "outcome"].to_numpy()
    r2 = 1 - np.var(logit[test] - pred) / np.var(logit[test])
    print(f"learnable ceiling (LightGBM on the true log-odds): ROC-AUC {roc_auc_score(y, pred):.4f}, "
          f"R² of the true log-odds {r2:.3f}")

    contrib = oracle.predict(x[test], pred_contrib=True)[:, :-1]
    true_imp = pd.Series(np.abs(contrib).mean(axis=0), index=features)
    true_imp = true_imp.groupby(true_imp.index.map(source_field)).sum()
    icp_imp = pd.Series(dict((f, v) for f, v in conv["importance"]))
    common = icp_imp.index.intersection(true_imp.index)
    rho = spearmanr(icp_imp[common], true_imp[common]).statistic
    print(f"Spearman rank correlation of field importance with the true drivers: {rho:.3f} "
          f"over {len(common)} fields")
    print("top fields, icp:  " + ", ".join(icp_imp[common].sort_values(ascending=False).index[:8]))
    print("top fields, truth: " + ", ".join(true_imp[common].sort_values(ascending=False).index[:8]))
    churn_against_truth(ws, report)


def churn_against_truth(ws, report):
    churn = next((t for t in report["tasks"] if t["task"]["name"] == "churn"), None)
    if churn is None:
        print("churn: no model in the report")
        return
    as_of = pd.to_datetime(churn["split"]["test_as_of"], unit="us").date()
    snap = pq.read_table(f"{ws}/out/features/asof={as_of}.parquet").to_pandas()
    hazard = pd.read_csv(f"{ws}/truth/churn.csv").set_index("account_id")["monthly_hazard"]
    rows = snap[(snap.active_subscription == 1) & snap.account_id.isin(hazard.index)
                & snap.label_churned_60d.notna()]
    ci = churn["test"].get("roc_auc_ci95")
    interval = f" (95% CI {ci[0]:.2f}–{ci[1]:.2f})" if ci else ""
    print(f"churn (test snapshot {as_of}): ROC-AUC model {churn['test']['roc_auc']:.4f}{interval} on "
          f"{churn['test']['n']} subscribers ({churn['test']['positives']} churned); true monthly "
          f"hazard {auc_ci(hazard.loc[rows.account_id], rows.label_churned_60d.astype(bool))} on "
          f"the {len(rows)} the truth covers ({int(rows.label_churned_60d.sum())} churned)")


if __name__ == "__main__":
    main(sys.argv[1])
