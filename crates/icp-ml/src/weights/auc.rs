//! [`roc_auc`]: the area under the ROC curve as the Mann–Whitney statistic, with ties
//! counted as one half, in `O(n log n)`.

use crate::{Error, Result};

/// ROC-AUC of `scores` for the binary `labels`: the probability that a random positive
/// scores above a random negative, a tie counting ½.
///
/// Errors: lengths differ; a score is NaN or infinite; only one class present.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Result<f64> {
    if scores.len() != labels.len() {
        return Err(Error::LengthMismatch {
            field: "labels",
            expected: scores.len(),
            found: labels.len(),
        });
    }
    if let Some(index) = scores.iter().position(|s| !s.is_finite()) {
        return Err(Error::NonFinite { index });
    }
    let n_pos = labels.iter().filter(|&&l| l).count();
    let n_neg = labels.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return Err(Error::OneClass {
            what: "ROC-AUC",
            label: n_pos > 0,
        });
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_unstable_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (mid)ranks of the positives, ranks from 1.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        let pos = order[i..=j].iter().filter(|&&k| labels[k]).count();
        rank_sum += mid * pos as f64;
        i = j + 1;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    Ok((rank_sum - p * (p + 1.0) / 2.0) / (p * q))
}
