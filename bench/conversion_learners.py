#!/usr/bin/env python3
"""How far a learner other than icp's gets on the demo's deals: the comparison behind the
"Against the truth" paragraph of docs/algorithms.md.

Usage: bench/.venv/bin/python bench/conversion_learners.py WORKSPACE [WORKSPACE ...]
(bench/conversion.sh creates bench/.venv; the workspaces are `icp demo` outputs, e.g. those of
bench/conversion_seeds.sh).

Per workspace it reads the deals' features at their creation (out/features/opportunities.parquet),
the held-out deals and their outcomes (out/scores.json), the generator's truth
(truth/opportunities.csv, truth/accounts.csv) and the accounts' current segment
(out/accounts.csv). Training rows are the labelled deals outside the held-out period, in order
of creation; every variant is LightGBM (7 leaves, rate 0.03, at least 80 rows per leaf, 80%
rows and columns per tree), early-stopped on log-loss over the latest 17% of the training rows
(about the calibration period icp holds back), then scored on the held-out deals:

- `early_stopped`: that model, trained without the latest 17% (what icp does);
- `refit_all`: the same number of rounds refitted on every training row;
- `drivers_only`: refitted on only the columns the generator's win probability is built from
  (employees, industry, Snowflake, Salesforce, new contacts, the planted path's event counts):
  feature selection with perfect knowledge;
- `with_true_archetype`: every column plus the generator's hidden archetype of the account;
- `with_current_segment`: every column plus the account's *current* segment. This one leaks:
  the segmentation clusters today's event mix, which a won deal changes (product use of the
  new customer), so it beats even the true archetype and is not a legitimate feature. icp
  assigns each deal the segment of its features at creation instead;
- `monotone_contacts`: every column, `new_contacts_*` constrained to never lower the score;
- `ebm`: an Explainable Boosting Machine (InterpretML's `ExplainableBoostingClassifier`,
  defaults: bagged cyclic boosting of one-feature shape functions plus 10 pairwise
  interactions), the glass-box model a data team would otherwise try on every column;
- `generator_form`: not LightGBM but an L2 logistic regression on the generator's own terms
  as the data shows them — the employee bands (200–5,000, under 20), each industry, Snowflake,
  Salesforce, the sweet spot, new contacts in 60 days (capped at 4) with an indicator for none
  (a deal without a buying cycle, whose committee term is zero), all three path events in
  90 days — plus the true archetype: the right functional form, known in advance;
- `generator_form_observable`: the same without the hidden archetype, i.e. only what the data
  shows, in the form only the generator's author knows.

Prints the ROC-AUC of each variant and of the true probabilities per workspace, then the means.
"""
import json
import sys

import lightgbm as lgb
from interpret.glassbox import ExplainableBoostingClassifier
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score

DRIVERS = [
    "log_employees", "industry", "tech_snowflake", "tech_salesforce", "new_contacts_30d",
    "new_contacts_60d", "new_contacts_90d", "competitor_comparison_90d", "demo_request_90d",
    "roi_calculator_90d",
]
KEYS = {"row_id", "account_id", "as_of_micros", "closed_micros", "label_won", "label_amount"}
PARAMS = dict(learning_rate=0.03, num_leaves=7, min_child_samples=80, subsample=0.8,
              subsample_freq=1, colsample_bytree=0.8, verbose=-1, random_state=0)
STOPPING_SHARE = 0.17


def load(ws):
    report = json.load(open(f"{ws}/out/scores.json"))
    conversion = next(t for t in report["tasks"] if t["task"]["name"] == "conversion")
    held = pd.DataFrame(conversion["held_out"]).set_index("id")
    truth = pd.read_csv(f"{ws}/truth/opportunities.csv").set_index("opportunity_id")
    archetype = pd.read_csv(f"{ws}/truth/accounts.csv").set_index("account_id")["archetype"]
    segment = pd.read_csv(f"{ws}/out/accounts.csv").set_index("account_id")["segment"]
    deals = pq.read_table(f"{ws}/out/features/opportunities.parquet").to_pandas()
    deals = deals[deals.row_id.isin(truth.index)].sort_values("as_of_micros")
    deals = deals.reset_index(drop=True)
    x = deals[[c for c in deals.columns if c not in KEYS]].copy()
    for c in x.columns:
        if not pd.api.types.is_numeric_dtype(x[c]):
            x[c] = x[c].astype("category")
    ids = deals.account_id
    x["true_archetype"] = pd.Categorical(archetype.reindex(ids).astype(str).to_numpy())
    x["current_segment"] = pd.Categorical(segment.reindex(ids).astype(str).to_numpy())
    test = deals.row_id.isin(held.index).to_numpy()
    label = deals.label_won.to_numpy().astype(float)
    train = ~test & ~np.isnan(label)
    y_test = held.loc[deals.row_id[test], "outcome"].to_numpy().astype(int)
    p_true = truth.loc[deals.row_id[test], "true_win_probability"].to_numpy()
    return x[train].reset_index(drop=True), label[train].astype(int), x[test], y_test, p_true


def stopped_rounds(x, y, **extra):
    cut = int(len(y) * (1 - STOPPING_SHARE))
    model = lgb.LGBMClassifier(n_estimators=1500, **PARAMS, **extra).fit(x.iloc[:cut], y[:cut])
    losses = [(log_loss(y[cut:], model.predict_proba(x.iloc[cut:], num_iteration=k)[:, 1]), k)
              for k in range(10, 1501, 10)]
    return model, min(losses)[1]


def generator_terms(x):
    """The generator's win-probability terms (crates/icp-data/src/synth/account.rs) from the
    columns that show them, and the true archetype as indicators."""
    emp = np.exp(x.log_employees.astype(float))
    snow, sf = x.tech_snowflake.astype(float).fillna(0), x.tech_salesforce.astype(float).fillna(0)
    terms = pd.DataFrame({
        "band": ((emp >= 199.5) & (emp <= 5000.5)).astype(float),
        "small": (emp < 19.5).astype(float),
        "snowflake": snow,
        "salesforce": sf,
        "sweet_spot": ((emp >= 199.5) & (emp <= 2000.5) & ((snow > 0) | (sf > 0))).astype(float),
        "committee": x.new_contacts_60d.astype(float).fillna(0).clip(0, 4),
        "no_new_contacts": (x.new_contacts_60d.astype(float).fillna(0) == 0).astype(float),
        "path": ((x.competitor_comparison_90d > 0) & (x.demo_request_90d > 0)
                 & (x.roi_calculator_90d > 0)).astype(float),
    })
    dummies = [pd.get_dummies(x[c].astype(str), prefix=c).astype(float)
               for c in ("industry", "true_archetype")]
    return pd.concat([terms] + dummies, axis=1)


def main():
    rows = {}
    for ws in sys.argv[1:]:
        x, y, x_test, y_test, p_true = load(ws)
        base = [c for c in x.columns if c not in ("true_archetype", "current_segment")]
        auc = {"truth": roc_auc_score(y_test, p_true)}

        def refit(columns, **extra):
            _, k = stopped_rounds(x[columns], y, **extra)
            model = lgb.LGBMClassifier(n_estimators=k, **PARAMS, **extra).fit(x[columns], y)
            return roc_auc_score(y_test, model.predict_proba(x_test[columns])[:, 1])

        model, k = stopped_rounds(x[base], y)
        auc["early_stopped"] = roc_auc_score(
            y_test, model.predict_proba(x_test[base], num_iteration=k)[:, 1])
        auc["refit_all"] = refit(base)
        auc["drivers_only"] = refit(DRIVERS)
        auc["with_true_archetype"] = refit(base + ["true_archetype"])
        auc["with_current_segment"] = refit(base + ["current_segment"])
        monotone = [1 if c.startswith("new_contacts") else 0 for c in base]
        auc["monotone_contacts"] = refit(base, monotone_constraints=monotone)
        as_text = {c: str for c in base if isinstance(x[c].dtype, pd.CategoricalDtype)}
        ebm = ExplainableBoostingClassifier(interactions=10, random_state=0, n_jobs=2)
        ebm.fit(x[base].astype(as_text), y)
        auc["ebm"] = roc_auc_score(y_test, ebm.predict_proba(x_test[base].astype(as_text))[:, 1])
        terms, terms_test = generator_terms(x), generator_terms(x_test)
        terms_test = terms_test.reindex(columns=terms.columns, fill_value=0.0)
        form = LogisticRegression(C=1.0, max_iter=3000).fit(terms, y)
        auc["generator_form"] = roc_auc_score(y_test, form.predict_proba(terms_test)[:, 1])
        shown = [c for c in terms.columns if not c.startswith("true_archetype")]
        form = LogisticRegression(C=1.0, max_iter=3000).fit(terms[shown], y)
        auc["generator_form_observable"] = roc_auc_score(
            y_test, form.predict_proba(terms_test[shown])[:, 1])
        print(ws, " ".join(f"{k} {v:.4f}" for k, v in auc.items()), flush=True)
        rows[ws] = auc
    means = pd.DataFrame(rows).T.mean()
    print(f"mean over {len(rows)}:", " ".join(f"{k} {v:.4f}" for k, v in means.items()))


if __name__ == "__main__":
    main()
