//! Evaluation of binary scores against outcomes: ROC-AUC (re-exported from
//! [`crate::weights::roc_auc`]) with DeLong's confidence interval, PR-AUC as average
//! precision, log-loss, Brier score, the Kolmogorov–Smirnov separation, lift and cumulative
//! gains by decile, and the reliability curve. Pure functions returning typed results;
//! drawing them is the report's job.
//!
//! ```
//! use icp_ml::evaluate::{average_precision, brier_score, deciles, log_loss};
//!
//! let p = [0.9, 0.8, 0.3, 0.2];
//! let y = [true, false, true, false];
//! // Precision 1 at the first positive, 2/3 at the second: AP = (1 + 2/3) / 2.
//! assert!((average_precision(&p, &y)? - 5.0 / 6.0).abs() < 1e-12);
//! assert!((brier_score(&p, &y)? - (0.01 + 0.64 + 0.49 + 0.04) / 4.0).abs() < 1e-12);
//! assert!(log_loss(&p, &y)? > 0.0);
//! assert_eq!(deciles(&p, &y, 2)?[0].positives, 1);
//! # Ok::<(), icp_ml::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::stats::sample_variance;
pub use crate::weights::roc_auc;
use crate::{Error, Result};

/// Probabilities are clipped to `[EPS, 1 − EPS]` by [`log_loss`] (as scikit-learn does).
pub const LOG_LOSS_EPS: f64 = 1e-15;

fn check(scores: &[f64], labels: &[bool], what: &'static str) -> Result<(usize, usize)> {
    if scores.len() != labels.len() {
        return Err(Error::LengthMismatch {
            field: "labels",
            expected: scores.len(),
            found: labels.len(),
        });
    }
    if scores.is_empty() {
        return Err(Error::EmptyInput { what });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    let pos = labels.iter().filter(|&&l| l).count();
    Ok((pos, labels.len() - pos))
}

fn check_probabilities(p: &[f64]) -> Result<()> {
    match p.iter().position(|v| !(0.0..=1.0).contains(v)) {
        Some(i) => Err(Error::InvalidRecord {
            row: i,
            field: "probability",
            problem: format!("must be within [0, 1], got {}", p[i]),
        }),
        None => Ok(()),
    }
}

fn both_classes(pos: usize, neg: usize, what: &'static str) -> Result<()> {
    if pos == 0 || neg == 0 {
        return Err(Error::OneClass {
            what,
            label: pos > 0,
        });
    }
    Ok(())
}

/// Row indices by descending score (ties kept in input order).
fn descending(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    order
}

/// Average precision `Σ (R_k − R_{k−1}) · P_k` over the distinct score thresholds, highest
/// first (scikit-learn's `average_precision_score`; tied scores form one threshold).
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let (pos, neg) = check(scores, labels, "average precision")?;
    both_classes(pos, neg, "average precision")?;
    let order = descending(scores);
    let (mut tp, mut seen, mut ap, mut i) = (0usize, 0usize, 0.0, 0usize);
    while i < order.len() {
        let mut tp_here = 0;
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            tp_here += labels[order[j]] as usize;
            j += 1;
        }
        tp += tp_here;
        seen += j - i;
        ap += tp_here as f64 / pos as f64 * (tp as f64 / seen as f64);
        i = j;
    }
    Ok(ap)
}

/// Mean negative log-likelihood of the outcomes under probabilities `p` (natural log).
pub fn log_loss(p: &[f64], labels: &[bool]) -> Result<f64> {
    check(p, labels, "log-loss")?;
    check_probabilities(p)?;
    let sum: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            if y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    Ok(sum / p.len() as f64)
}

/// Mean squared difference between probability and outcome (0 = perfect).
pub fn brier_score(p: &[f64], labels: &[bool]) -> Result<f64> {
    check(p, labels, "Brier score")?;
    check_probabilities(p)?;
    let sum: f64 = p
        .iter()
        .zip(labels)
        .map(|(&p, &y)| (p - y as u8 as f64).powi(2))
        .sum();
    Ok(sum / p.len() as f64)
}

/// Kolmogorov–Smirnov statistic: the largest gap between the cumulative share of positives
/// and of negatives captured when accounts are taken by descending score (`max |TPR − FPR|`).
pub fn ks_statistic(scores: &[f64], labels: &[bool]) -> Result<f64> {
    let (pos, neg) = check(scores, labels, "KS statistic")?;
    both_classes(pos, neg, "KS statistic")?;
    let order = descending(scores);
    let (mut tp, mut fp, mut best, mut i) = (0usize, 0usize, 0.0f64, 0usize);
    while i < order.len() {
        let mut j = i;
        while j < order.len() && scores[order[j]] == scores[order[i]] {
            if labels[order[j]] {
                tp += 1
            } else {
                fp += 1
            }
            j += 1;
        }
        best = best.max((tp as f64 / pos as f64 - fp as f64 / neg as f64).abs());
        i = j;
    }
    Ok(best)
}

/// One group of accounts taken by descending score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decile {
    /// 1 = highest scores.
    pub decile: usize,
    pub n: usize,
    pub positives: usize,
    /// Positive rate inside the group.
    pub rate: f64,
    /// `rate` over the overall positive rate (1 = no better than random).
    pub lift: f64,
    /// Share of all positives captured by this group and the ones above it.
    pub cumulative_gain: f64,
    /// Share of all accounts in this group and the ones above it.
    pub cumulative_share: f64,
}

/// Splits the accounts by descending score into `n_groups` groups of (near) equal size and
/// reports rate, lift and cumulative gains for each (`n_groups = 10` for deciles).
pub fn deciles(scores: &[f64], labels: &[bool], n_groups: usize) -> Result<Vec<Decile>> {
    if n_groups == 0 {
        return Err(Error::invalid_parameter("n_groups", "≥ 1", n_groups));
    }
    let (pos, _) = check(scores, labels, "deciles")?;
    let n = scores.len();
    let base = pos as f64 / n as f64;
    let order = descending(scores);
    let mut out = Vec::with_capacity(n_groups);
    let mut captured = 0;
    for g in 0..n_groups {
        let (lo, hi) = (g * n / n_groups, (g + 1) * n / n_groups);
        let positives = order[lo..hi].iter().filter(|&&i| labels[i]).count();
        captured += positives;
        let size = hi - lo;
        let rate = if size > 0 {
            positives as f64 / size as f64
        } else {
            0.0
        };
        out.push(Decile {
            decile: g + 1,
            n: size,
            positives,
            rate,
            lift: if base > 0.0 { rate / base } else { 0.0 },
            cumulative_gain: if pos > 0 {
                captured as f64 / pos as f64
            } else {
                0.0
            },
            cumulative_share: hi as f64 / n as f64,
        });
    }
    Ok(out)
}

/// One bin of a reliability curve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    pub lower: f64,
    pub upper: f64,
    pub n: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Observed positive rate in the bin.
    pub observed: f64,
}

/// Reliability curve over `n_bins` equal-width probability bins (empty bins left out).
pub fn reliability_curve(p: &[f64], labels: &[bool], n_bins: usize) -> Result<Vec<ReliabilityBin>> {
    if n_bins == 0 {
        return Err(Error::invalid_parameter("n_bins", "≥ 1", n_bins));
    }
    check(p, labels, "reliability curve")?;
    check_probabilities(p)?;
    let mut sums = vec![(0usize, 0.0, 0usize); n_bins];
    for (&p, &y) in p.iter().zip(labels) {
        let b = ((p * n_bins as f64) as usize).min(n_bins - 1);
        sums[b].0 += 1;
        sums[b].1 += p;
        sums[b].2 += y as usize;
    }
    Ok(sums
        .into_iter()
        .enumerate()
        .filter(|(_, s)| s.0 > 0)
        .map(|(b, (n, sp, sy))| ReliabilityBin {
            lower: b as f64 / n_bins as f64,
            upper: (b + 1) as f64 / n_bins as f64,
            n,
            mean_predicted: sp / n as f64,
            observed: sy as f64 / n as f64,
        })
        .collect())
}

/// Expected calibration error of a reliability curve: the count-weighted mean of
/// `|observed − mean_predicted|` over its bins.
pub fn expected_calibration_error(curve: &[ReliabilityBin]) -> f64 {
    let n: usize = curve.iter().map(|b| b.n).sum();
    if n == 0 {
        return 0.0;
    }
    curve
        .iter()
        .map(|b| b.n as f64 * (b.observed - b.mean_predicted).abs())
        .sum::<f64>()
        / n as f64
}

/// z of the two-sided 95% normal interval.
const Z_95: f64 = 1.959_963_984_540_054;

/// DeLong's standard error of the empirical ROC-AUC (DeLong, DeLong & Clarke-Pearson, 1988;
/// the default of R's pROC). Each positive's placement is the share of negatives it outranks,
/// each negative's the share of positives that outrank it (ties count half); the AUC is the
/// mean of either, and its variance is `s²₁₀ / m + s²₀₁ / n` from the sample variances of the
/// `m` positive and `n` negative placements. `None` with fewer than two of either class.
///
/// Errors: lengths differ, nothing to evaluate, a non-finite score, one class.
pub fn roc_auc_standard_error(scores: &[f64], labels: &[bool]) -> Result<Option<f64>> {
    let (positives, negatives) = check(scores, labels, "ROC-AUC")?;
    both_classes(positives, negatives, "ROC-AUC")?;
    let sorted = |class: bool| {
        let mut v: Vec<f64> = scores
            .iter()
            .zip(labels)
            .filter(|&(_, &l)| l == class)
            .map(|(&s, _)| s)
            .collect();
        v.sort_unstable_by(f64::total_cmp);
        v
    };
    let (pos, neg) = (sorted(true), sorted(false));
    if pos.len() < 2 || neg.len() < 2 {
        return Ok(None);
    }
    // (share of `others` below `s`, share equal to it).
    let below_and_tied = |others: &[f64], s: f64| {
        let below = others.partition_point(|&v| v < s);
        let upto = others.partition_point(|&v| v <= s);
        let n = others.len() as f64;
        (below as f64 / n, (upto - below) as f64 / n)
    };
    let v10: Vec<f64> = pos
        .iter()
        .map(|&s| {
            let (below, tied) = below_and_tied(&neg, s);
            below + 0.5 * tied
        })
        .collect();
    let v01: Vec<f64> = neg
        .iter()
        .map(|&s| {
            let (below, tied) = below_and_tied(&pos, s);
            1.0 - below - 0.5 * tied
        })
        .collect();
    // Both have at least two placements (checked above).
    let share = |v: &[f64]| sample_variance(v).unwrap_or(0.0) / v.len() as f64;
    Ok(Some((share(&v10) + share(&v01)).sqrt()))
}

/// The 95% confidence interval of the ROC-AUC, `AUC ± 1.96 · SE` with DeLong's standard error,
/// clipped to `[0, 1]`; `None` with fewer than two of either class.
///
/// Errors: as [`roc_auc`].
pub fn roc_auc_ci95(scores: &[f64], labels: &[bool]) -> Result<Option<[f64; 2]>> {
    let auc = roc_auc(scores, labels)?;
    interval_95(auc, scores, labels)
}

/// `auc ± 1.96 · SE` in `[0, 1]` for the AUC of `scores` already computed.
fn interval_95(auc: f64, scores: &[f64], labels: &[bool]) -> Result<Option<[f64; 2]>> {
    Ok(roc_auc_standard_error(scores, labels)?
        .map(|se| [(auc - Z_95 * se).max(0.0), (auc + Z_95 * se).min(1.0)]))
}

/// The headline metrics of probabilities against outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BinaryMetrics {
    pub n: usize,
    pub positives: usize,
    pub roc_auc: f64,
    /// 95% confidence interval of `roc_auc` ([`roc_auc_ci95`]): wide when there are few
    /// positives, as on a churn test snapshot. Absent in bundles saved before it existed.
    #[serde(default)]
    pub roc_auc_ci95: Option<[f64; 2]>,
    pub pr_auc: f64,
    pub log_loss: f64,
    pub brier: f64,
    pub ks: f64,
}

/// ROC-AUC, PR-AUC, log-loss, Brier and KS of probabilities `p` against `labels`.
///
/// Errors: lengths differ, nothing to evaluate, a probability outside `[0, 1]`, one class.
pub fn binary_metrics(p: &[f64], labels: &[bool]) -> Result<BinaryMetrics> {
    let (positives, _) = check(p, labels, "binary metrics")?;
    let auc = roc_auc(p, labels)?;
    Ok(BinaryMetrics {
        n: p.len(),
        positives,
        roc_auc: auc,
        roc_auc_ci95: interval_95(auc, p, labels)?,
        pr_auc: average_precision(p, labels)?,
        log_loss: log_loss(p, labels)?,
        brier: brier_score(p, labels)?,
        ks: ks_statistic(p, labels)?,
    })
}

/// Regression metrics: mean absolute error, root mean squared error and R².
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegressionMetrics {
    pub n: usize,
    pub mae: f64,
    pub rmse: f64,
    pub r2: f64,
}

/// MAE, RMSE and R² of `predicted` against `actual`.
pub fn regression_metrics(predicted: &[f64], actual: &[f64]) -> Result<RegressionMetrics> {
    if predicted.len() != actual.len() {
        return Err(Error::LengthMismatch {
            field: "actual",
            expected: predicted.len(),
            found: actual.len(),
        });
    }
    if predicted.is_empty() {
        return Err(Error::EmptyInput {
            what: "regression metrics",
        });
    }
    if let Some(index) = predicted.iter().chain(actual).position(|v| !v.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    let n = predicted.len() as f64;
    let mean = actual.iter().sum::<f64>() / n;
    let (mut abs, mut sq, mut tot) = (0.0, 0.0, 0.0);
    for (&p, &a) in predicted.iter().zip(actual) {
        abs += (p - a).abs();
        sq += (p - a).powi(2);
        tot += (a - mean).powi(2);
    }
    Ok(RegressionMetrics {
        n: predicted.len(),
        mae: abs / n,
        rmse: (sq / n).sqrt(),
        r2: if tot > 0.0 { 1.0 - sq / tot } else { 0.0 },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delong_standard_error_of_a_hand_computed_case() {
        // Positives 0.9 and 0.3 outrank 2 and 1 of the negatives 0.8, 0.2: placements 1, 0.5;
        // the negatives are outranked by 1 and 2 of 2 positives: 0.5, 1. Each set has sample
        // variance 0.125, so Var = 0.125 / 2 + 0.125 / 2 and AUC = 0.75.
        let p = [0.9, 0.8, 0.3, 0.2];
        let y = [true, false, true, false];
        let se = roc_auc_standard_error(&p, &y).unwrap().unwrap();
        assert!((se - 0.125f64.sqrt()).abs() < 1e-12);
        let [lo, hi] = roc_auc_ci95(&p, &y).unwrap().unwrap();
        assert_eq!(hi, 1.0);
        assert!((lo - (0.75 - Z_95 * se)).abs() < 1e-12);
        assert_eq!(
            roc_auc_standard_error(&[0.3, 0.2, 0.1], &[true, false, false]).unwrap(),
            None
        );
    }

    #[test]
    fn delong_matches_the_pairwise_kernel_with_ties() {
        // The placements straight from the Mann–Whitney kernel ψ(x, y) = 1, ½, 0 over all pairs.
        let mut state = 7u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        let n = 300;
        let y: Vec<bool> = (0..n).map(|_| next() < 0.3).collect();
        let p: Vec<f64> = y
            .iter()
            .map(|&l| ((next() + if l { 0.3 } else { 0.0 }) * 20.0).round() / 20.0)
            .collect();
        let pos: Vec<f64> = p.iter().zip(&y).filter(|x| *x.1).map(|x| *x.0).collect();
        let neg: Vec<f64> = p.iter().zip(&y).filter(|x| !*x.1).map(|x| *x.0).collect();
        let psi = |a: f64, b: f64| match a.total_cmp(&b) {
            std::cmp::Ordering::Greater => 1.0,
            std::cmp::Ordering::Equal => 0.5,
            std::cmp::Ordering::Less => 0.0,
        };
        let v10: Vec<f64> = pos
            .iter()
            .map(|&a| neg.iter().map(|&b| psi(a, b)).sum::<f64>() / neg.len() as f64)
            .collect();
        let v01: Vec<f64> = neg
            .iter()
            .map(|&b| pos.iter().map(|&a| psi(a, b)).sum::<f64>() / pos.len() as f64)
            .collect();
        let auc = v10.iter().sum::<f64>() / v10.len() as f64;
        assert!((auc - roc_auc(&p, &y).unwrap()).abs() < 1e-12);
        let var = |v: &[f64]| {
            let m = v.iter().sum::<f64>() / v.len() as f64;
            v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64
        };
        let expected = (var(&v10) / v10.len() as f64 + var(&v01) / v01.len() as f64).sqrt();
        let se = roc_auc_standard_error(&p, &y).unwrap().unwrap();
        assert!((se - expected).abs() < 1e-12, "{se} vs {expected}");
        // Flipping the classes and the scores' order describes the same ranking.
        let flipped_y: Vec<bool> = y.iter().map(|l| !l).collect();
        let flipped_p: Vec<f64> = p.iter().map(|v| -v).collect();
        let flipped = roc_auc_standard_error(&flipped_p, &flipped_y)
            .unwrap()
            .unwrap();
        assert!((se - flipped).abs() < 1e-12);
    }
}
