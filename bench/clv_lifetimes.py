"""Helper of bench/clv.sh (run in bench/.venv).

  export OUT.csv                          write lifetimes' CDNOW summary (frequency, recency, T,
                                          monetary_value; 2,357 customers, 39-week calibration)
  compare CSV OURS.json OURS_PRED.csv OUT.md
                                          fit lifetimes' BetaGeoFitter and GammaGammaFitter on
                                          the same CSV, compare with icp's figures and the
                                          paper's, write the docs/benchmarks.md section
"""
import json
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd
from scipy.special import gammaln

warnings.filterwarnings("ignore")

PAPER_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426, "log_likelihood": -9582.4}
PAPER_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}


def bgnbd_ll(r, alpha, a, b, x, tx, T):
    """Equation (6) of Fader, Hardie & Lee (2005), summed over customers."""
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + tx), -np.inf)
    return float(np.sum(a1 + a2 + np.logaddexp(a3, a4)))


def export(out):
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    d = load_cdnow_summary_data_with_monetary_value()
    d[["frequency", "recency", "T", "monetary_value"]].to_csv(out, index=False)


def rel(ours, ref):
    return f"{100 * (ours - ref) / abs(ref):+.3f}%"


def rel_sci(ours, ref):
    return f"{(ours - ref) / abs(ref):+.1e}"


def median_time(fit, repeats=5):
    """Runs fit() `repeats` times; returns the last result and the median wall seconds."""
    seconds, result = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fit()
        seconds.append(time.perf_counter() - t0)
    return result, sorted(seconds)[repeats // 2]


def machine():
    cpu = "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {cpu}"


def compare(csv, ours_json, ours_pred, out):
    import lifetimes
    from lifetimes import BetaGeoFitter, GammaGammaFitter

    d = pd.read_csv(csv)
    ours = json.load(open(ours_json))
    x, tx, T = d.frequency.values, d.recency.values, d["T"].values

    bgf, bg_seconds = median_time(lambda: BetaGeoFitter().fit(d.frequency, d.recency, d["T"]))
    lt_bg = dict(bgf.params_)
    lt_bg["log_likelihood"] = bgnbd_ll(lt_bg["r"], lt_bg["alpha"], lt_bg["a"], lt_bg["b"], x, tx, T)

    repeat = d[d.frequency > 0]
    ggf, gg_seconds = median_time(lambda: GammaGammaFitter().fit(repeat.frequency, repeat.monetary_value))
    lt_gg = {"p": ggf.params_["p"], "q": ggf.params_["q"], "gamma": ggf.params_["v"]}

    # Predictions under the paper's parameters: icp's formulas against lifetimes'.
    paper = BetaGeoFitter()
    paper.params_ = pd.Series({k: PAPER_BG[k] for k in ("r", "alpha", "a", "b")})
    lt_alive = np.asarray(paper.conditional_probability_alive(x, tx, T)).ravel()
    lt_exp = np.asarray(paper.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T)).ravel()
    pred = pd.read_csv(ours_pred)
    d_alive = float(np.max(np.abs(pred.p_alive.values - lt_alive)))
    d_exp = float(np.max(np.abs(pred.expected_purchases_39.values - lt_exp)))

    ob, og = ours["bgnbd"], ours["gamma_gamma"]
    worst = max(
        [abs(ob[k] - PAPER_BG[k]) / abs(PAPER_BG[k]) for k in PAPER_BG]
        + [abs(og[k] - PAPER_GG[k]) / abs(PAPER_GG[k]) for k in PAPER_GG]
    )
    lines = [
        "<!-- clv:begin -->",
        "## Lifetime value: BG/NBD and Gamma–Gamma on CDNOW",
        "",
        f"CDNOW cohort as shipped by `lifetimes` {lifetimes.__version__} "
        f"(`load_cdnow_summary_data_with_monetary_value`): {len(d):,} customers, 39-week calibration, "
        f"{len(repeat):,} with repeat purchases. Paper: Fader, Hardie & Lee (2005) for BG/NBD; "
        "Fader, Hardie & Lee (2005b, \"RFM and CLV\") for Gamma–Gamma. "
        "Relative differences: icp against the paper in percent, icp against lifetimes as a fraction. "
        "Log-likelihoods are equation (6) of the paper summed over customers (lifetimes' by numpy at its estimate).",
        "",
        "| model | parameter | icp | paper | lifetimes | icp vs paper | icp vs lifetimes |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, name in [("r", "r"), ("alpha", "α"), ("a", "a"), ("b", "b"), ("log_likelihood", "log-likelihood")]:
        fmt = "{:.2f}" if k == "log_likelihood" else "{:.4f}"
        lines.append(
            f"| BG/NBD | {name} | {fmt.format(ob[k])} | {PAPER_BG[k]} | {fmt.format(lt_bg[k])} "
            f"| {rel(ob[k], PAPER_BG[k])} | {rel_sci(ob[k], lt_bg[k])} |"
        )
    for k, name in [("p", "p"), ("q", "q"), ("gamma", "γ")]:
        lines.append(
            f"| Gamma–Gamma | {name} | {og[k]:.4f} | {PAPER_GG[k]} | {lt_gg[k]:.4f} "
            f"| {rel(og[k], PAPER_GG[k])} | {rel_sci(og[k], lt_gg[k])} |"
        )
    lines += [
        "",
        f"Largest difference from the paper: {100 * worst:.3f}% (target: within 1%). "
        f"Log-likelihood at the paper's rounded parameters: {ob['log_likelihood_at_paper_parameters']:.2f} (icp).",
        "",
        f"Fit times, median of 5 fits each, on {machine()} (lifetimes {lifetimes.__version__}, "
        f"numpy {np.__version__}, pandas {pd.__version__}):",
        "",
        "| fit time | icp (release) | lifetimes | ratio |",
        "|---|---|---|---|",
        f"| BG/NBD | {1000 * ob['seconds']:.1f} ms ({ob['evaluations']} evaluations) | {1000 * bg_seconds:.1f} ms "
        f"| {bg_seconds / ob['seconds']:.1f}× faster |",
        f"| Gamma–Gamma | {1000 * og['seconds']:.1f} ms ({og['evaluations']} evaluations) | {1000 * gg_seconds:.1f} ms "
        f"| {gg_seconds / og['seconds']:.1f}× faster |",
        "",
        "Predictions under the paper's parameters, all 2,357 customers, icp against lifetimes: "
        f"largest |ΔP(alive)| = {d_alive:.1e}, largest |Δ expected purchases in the next 39 weeks| = {d_exp:.1e}.",
        "",
        f"Run on {time.strftime('%Y-%m-%d', time.gmtime())}. Command: `bench/clv.sh` "
        "(example `crates/icp-ml/examples/clv_cdnow.rs`, helper `bench/clv_lifetimes.py`). "
        "The same check runs as a test: `ICP_CDNOW_CSV=PATH cargo test -p icp-ml --test clv`.",
        "<!-- clv:end -->",
    ]
    open(out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    if sys.argv[1:2] == ["export"]:
        export(sys.argv[2])
    elif sys.argv[1:2] == ["compare"]:
        compare(*sys.argv[2:6])
    else:
        sys.exit(__doc__)
