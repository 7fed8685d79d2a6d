//! Stability of a k-means partition under bootstrap resampling (Hennig, 2007, "Cluster-wise
//! assessment of cluster stability"): each of `B` resamples (rows drawn with replacement) is
//! clustered again with the same K; the new model labels every original row, giving an
//! adjusted Rand index against the reference partition, and each reference cluster gets the
//! Jaccard similarity of its best-matching bootstrap cluster, computed on the distinct rows
//! of the resample. A cluster whose mean Jaccard is below the threshold (Hennig suggests
//! 0.6–0.75) is unstable: it does not reappear when the data wobble.

use serde::{Deserialize, Serialize};

use super::metrics::adjusted_rand_score;
use super::util::Rng;
use super::{KMeans, KMeansParams};
use crate::{Error, Matrix, Result};

/// Bootstrap stability of one partition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    pub resamples: usize,
    /// ARI of each resample's partition of all rows against the reference.
    pub ari: Vec<f64>,
    pub mean_ari: f64,
    /// Per reference cluster: mean over resamples of the best-match Jaccard.
    pub jaccard: Vec<f64>,
    /// Per reference cluster: `jaccard < threshold`.
    pub unstable: Vec<bool>,
    pub threshold: f64,
}

/// Runs `resamples` bootstrap refits of k-means with `params` (its `n_clusters` should be the
/// number of reference clusters) against the reference `labels` (`0..k`).
pub fn bootstrap_stability(
    x: &Matrix,
    labels: &[usize],
    params: &KMeansParams,
    resamples: usize,
    threshold: f64,
    seed: u64,
) -> Result<Stability> {
    let n = x.n_rows();
    if labels.len() != n {
        return Err(Error::LengthMismatch {
            field: "labels",
            expected: n,
            found: labels.len(),
        });
    }
    if resamples == 0 {
        return Err(Error::invalid_parameter("resamples", "≥ 1", resamples));
    }
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Error::invalid_parameter(
            "threshold",
            "in [0, 1]",
            threshold,
        ));
    }
    let k = labels.iter().max().map_or(0, |m| m + 1);
    let d = x.n_cols();
    let mut ari = Vec::with_capacity(resamples);
    let mut jaccard_sum = vec![0.0; k];
    for b in 0..resamples {
        let mut rng = Rng::fork(seed, b as u64);
        let rows: Vec<usize> = (0..n).map(|_| rng.below(n)).collect();
        let mut data = Vec::with_capacity(n * d);
        for &r in &rows {
            data.extend_from_slice(x.row(r).expect("row in range"));
        }
        let sample = Matrix::new(data, n, d)?;
        let model = KMeans::params(params.n_clusters)
            .n_init(params.n_init)
            .max_iter(params.max_iter)
            .tol(params.tol)
            .seed(seed.wrapping_add(b as u64 + 1))
            .fit(&sample)?;
        let predicted = model.predict(x)?;
        ari.push(adjusted_rand_score(labels, &predicted)?);
        // Jaccard on the distinct resampled rows.
        let mut seen = vec![false; n];
        rows.iter().for_each(|&r| seen[r] = true);
        let kb = model.n_clusters();
        let mut inter = vec![0usize; k * kb];
        let mut size_ref = vec![0usize; k];
        let mut size_new = vec![0usize; kb];
        for i in (0..n).filter(|&i| seen[i]) {
            inter[labels[i] * kb + predicted[i]] += 1;
            size_ref[labels[i]] += 1;
            size_new[predicted[i]] += 1;
        }
        for c in 0..k {
            let best = (0..kb)
                .map(|j| {
                    let i = inter[c * kb + j];
                    let u = size_ref[c] + size_new[j] - i;
                    if u == 0 { 0.0 } else { i as f64 / u as f64 }
                })
                .fold(0.0, f64::max);
            jaccard_sum[c] += best;
        }
    }
    let jaccard: Vec<f64> = jaccard_sum.iter().map(|s| s / resamples as f64).collect();
    Ok(Stability {
        resamples,
        mean_ari: ari.iter().sum::<f64>() / resamples as f64,
        ari,
        unstable: jaccard.iter().map(|&j| j < threshold).collect(),
        jaccard,
        threshold,
    })
}
