//! Cluster-validity metrics, defined as scikit-learn defines them: [`silhouette_score`]
//! (exact, block-wise, parallel, memory linear in rows) and its sampled estimate
//! [`silhouette_score_sampled`], [`calinski_harabasz_score`], [`davies_bouldin_score`],
//! [`adjusted_rand_score`] and [`inertia`].
//!
//! Labels are any `usize` values (they need not be `0..k`). Distances are Euclidean,
//! computed from coordinate differences (no `‖x‖² − 2x·y + ‖y‖²` cancellation).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::util::{Rng, check_finite, check_labels_len, compact_labels, sq_dist, with_simd};
use crate::{Error, Matrix, Result};

/// Rows whose silhouette terms are accumulated together in one pass over the data.
const SIL_BLOCK: usize = 32;

/// Checks `x`, `labels`, and that there are between 2 and `n − 1` distinct labels (as
/// scikit-learn requires for silhouette, Calinski–Harabasz and Davies–Bouldin).
fn prepare(x: &Matrix, labels: &[usize]) -> Result<(Vec<usize>, usize)> {
    check_labels_len(x, labels)?;
    check_finite(x)?;
    let (compact, k) = compact_labels(labels);
    if k < 2 || k >= x.n_rows() {
        return Err(Error::InvalidParameter {
            name: "labels",
            expected: "between 2 and n_rows − 1 distinct values",
            found: format!("{k} distinct values for {} rows", x.n_rows()),
        });
    }
    Ok((compact, k))
}

/// Silhouette value of each row in `rows`, against all rows of `x`.
fn silhouette_values(x: &Matrix, labels: &[usize], k: usize, rows: &[usize]) -> Vec<f64> {
    let d = x.n_cols();
    let data = x.as_slice();
    let mut sizes = vec![0usize; k];
    for &l in labels {
        sizes[l] += 1;
    }
    rows.par_chunks(SIL_BLOCK)
        .flat_map_iter(|block| {
            with_simd(
                #[inline(always)]
                || silhouette_block(data, d, labels, &sizes, k, block),
            )
        })
        .collect()
}

/// Silhouette values of the rows in `block` (one pass over all rows).
fn silhouette_block(
    data: &[f64],
    d: usize,
    labels: &[usize],
    sizes: &[usize],
    k: usize,
    block: &[usize],
) -> Vec<f64> {
    // sums[b * k + c]: summed distance from block row b to the rows of cluster c.
    let mut sums = vec![0.0f64; block.len() * k];
    for (j, yj) in data.chunks_exact(d).enumerate() {
        let lj = labels[j];
        for (b, &i) in block.iter().enumerate() {
            sums[b * k + lj] += sq_dist(&data[i * d..(i + 1) * d], yj).sqrt();
        }
    }
    block
        .iter()
        .enumerate()
        .map(|(b, &i)| {
            let own = labels[i];
            if sizes[own] <= 1 {
                return 0.0;
            }
            let s = &sums[b * k..(b + 1) * k];
            let a = s[own] / (sizes[own] - 1) as f64;
            let bmin = (0..k)
                .filter(|&c| c != own)
                .map(|c| s[c] / sizes[c] as f64)
                .fold(f64::INFINITY, f64::min);
            let den = a.max(bmin);
            if den > 0.0 { (bmin - a) / den } else { 0.0 }
        })
        .collect::<Vec<_>>()
}

/// Mean silhouette coefficient over all rows (scikit-learn's `silhouette_score`): for row
/// `i`, `a` = mean distance to the other rows of its cluster, `b` = smallest mean distance
/// to the rows of another cluster, `s = (b − a) / max(a, b)`, and 0 for a row alone in its
/// cluster. Exact: all `n²` distances are computed, in blocks of rows, in parallel, in
/// `O(n + threads · k)` memory (no `n × n` matrix); about a minute for 100k rows × 10 columns on
/// two cores.
pub fn silhouette_score(x: &Matrix, labels: &[usize]) -> Result<f64> {
    let (labels, k) = prepare(x, labels)?;
    let rows: Vec<usize> = (0..x.n_rows()).collect();
    let values = silhouette_values(x, &labels, k, &rows);
    Ok(values.iter().sum::<f64>() / values.len() as f64)
}

/// A sampled silhouette estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SilhouetteEstimate {
    /// Mean silhouette of the sampled rows (each computed exactly against all rows).
    pub value: f64,
    /// Standard error of `value` as an estimate of the exact score: the sample standard
    /// deviation of the sampled rows' silhouettes / √m, times the finite-population correction
    /// √((n − m) / (n − 1)). 0 when every row is sampled.
    pub std_error: f64,
    /// Rows sampled (`m`).
    pub sample_size: usize,
}

/// Silhouette estimated from `sample_size` rows drawn without replacement (seeded); each
/// sampled row's silhouette is exact (against all `n` rows), so the estimate is unbiased and
/// costs `O(m · n)` distances. Unlike scikit-learn's `sample_size`, which also drops the
/// unsampled rows from the distances, the only error here is sampling error, reported as
/// [`SilhouetteEstimate::std_error`].
pub fn silhouette_score_sampled(
    x: &Matrix,
    labels: &[usize],
    sample_size: usize,
    seed: u64,
) -> Result<SilhouetteEstimate> {
    if sample_size < 2 {
        return Err(Error::InvalidParameter {
            name: "sample_size",
            expected: "≥ 2",
            found: sample_size.to_string(),
        });
    }
    let (labels, k) = prepare(x, labels)?;
    let n = x.n_rows();
    let m = sample_size.min(n);
    let rows = Rng::new(seed).sample_without_replacement(n, m);
    let values = silhouette_values(x, &labels, k, &rows);
    let mean = values.iter().sum::<f64>() / m as f64;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (m - 1) as f64;
    let fpc = ((n - m) as f64 / (n - 1) as f64).sqrt();
    Ok(SilhouetteEstimate {
        value: mean,
        std_error: (var / m as f64).sqrt() * fpc,
        sample_size: m,
    })
}

/// Per-cluster sizes and means of the rows of `x`.
fn cluster_means(x: &Matrix, labels: &[usize], k: usize) -> (Vec<usize>, Vec<f64>) {
    let d = x.n_cols();
    let mut sizes = vec![0usize; k];
    let mut means = vec![0.0; k * d];
    for (row, &l) in x.as_slice().chunks_exact(d).zip(labels) {
        sizes[l] += 1;
        for (m, v) in means[l * d..(l + 1) * d].iter_mut().zip(row) {
            *m += v;
        }
    }
    for (l, &s) in sizes.iter().enumerate() {
        means[l * d..(l + 1) * d]
            .iter_mut()
            .for_each(|m| *m /= s as f64);
    }
    (sizes, means)
}

/// Calinski–Harabasz index (variance ratio criterion), as scikit-learn:
/// `[Σ_c n_c ‖μ_c − μ‖² / (k − 1)] / [Σ_i ‖x_i − μ_{c(i)}‖² / (n − k)]`, and 1 when the
/// within-cluster dispersion is 0. Higher is better.
pub fn calinski_harabasz_score(x: &Matrix, labels: &[usize]) -> Result<f64> {
    let (labels, k) = prepare(x, labels)?;
    let (n, d) = (x.n_rows(), x.n_cols());
    let (sizes, means) = cluster_means(x, &labels, k);
    let mut mean = vec![0.0; d];
    for row in x.as_slice().chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n as f64);
    let extra: f64 = (0..k)
        .map(|c| sizes[c] as f64 * sq_dist(&means[c * d..(c + 1) * d], &mean))
        .sum();
    let intra: f64 = x
        .as_slice()
        .chunks_exact(d)
        .zip(&labels)
        .map(|(row, &l)| sq_dist(row, &means[l * d..(l + 1) * d]))
        .sum();
    if intra == 0.0 {
        return Ok(1.0);
    }
    Ok(extra * (n - k) as f64 / (intra * (k - 1) as f64))
}

/// Davies–Bouldin index, as scikit-learn: the mean over clusters of
/// `max_{c' ≠ c} (S_c + S_{c'}) / ‖μ_c − μ_{c'}‖`, with `S_c` the mean distance of cluster
/// `c`'s rows to its centroid; 0 when all `S_c` or all centroid distances are (nearly) 0.
/// Lower is better.
pub fn davies_bouldin_score(x: &Matrix, labels: &[usize]) -> Result<f64> {
    let (labels, k) = prepare(x, labels)?;
    let d = x.n_cols();
    let (sizes, means) = cluster_means(x, &labels, k);
    let mut intra = vec![0.0; k];
    for (row, &l) in x.as_slice().chunks_exact(d).zip(&labels) {
        intra[l] += sq_dist(row, &means[l * d..(l + 1) * d]).sqrt();
    }
    for (s, &n) in intra.iter_mut().zip(&sizes) {
        *s /= n as f64;
    }
    let centroid_dist =
        |a: usize, b: usize| sq_dist(&means[a * d..(a + 1) * d], &means[b * d..(b + 1) * d]).sqrt();
    // numpy's `allclose(v, 0)`: |v| ≤ 1e-8.
    let all_zero_intra = intra.iter().all(|v| v.abs() <= 1e-8);
    let all_zero_centroid = (0..k).all(|a| (0..k).all(|b| centroid_dist(a, b) <= 1e-8));
    if all_zero_intra || all_zero_centroid {
        return Ok(0.0);
    }
    let mut total = 0.0;
    for a in 0..k {
        let mut worst = f64::NEG_INFINITY;
        for b in 0..k {
            let dist = centroid_dist(a, b);
            // scikit-learn sets zero centroid distances (the diagonal, and coincident
            // centroids) to infinity.
            let ratio = if dist == 0.0 {
                0.0
            } else {
                (intra[a] + intra[b]) / dist
            };
            worst = worst.max(ratio);
        }
        total += worst;
    }
    Ok(total / k as f64)
}

/// Adjusted Rand index between two labelings of the same rows (scikit-learn's
/// `adjusted_rand_score`, from the pair confusion matrix with exact integer counts): 1 for
/// identical partitions (up to renaming), about 0 for independent ones, possibly negative.
pub fn adjusted_rand_score(labels_a: &[usize], labels_b: &[usize]) -> Result<f64> {
    if labels_a.len() != labels_b.len() {
        return Err(Error::InvalidParameter {
            name: "labels_b",
            expected: "as many labels as `labels_a`",
            found: format!("{} labels for {}", labels_b.len(), labels_a.len()),
        });
    }
    let n = labels_a.len() as i128;
    let (a, ka) = compact_labels(labels_a);
    let (b, kb) = compact_labels(labels_b);
    let mut table = std::collections::HashMap::<(usize, usize), i128>::new();
    let mut size_a = vec![0i128; ka];
    let mut size_b = vec![0i128; kb];
    for (&i, &j) in a.iter().zip(&b) {
        *table.entry((i, j)).or_insert(0) += 1;
        size_a[i] += 1;
        size_b[j] += 1;
    }
    let sum_squares: i128 = table.values().map(|v| v * v).sum();
    let tp = sum_squares - n;
    let fp = size_b.iter().map(|v| v * v).sum::<i128>() - sum_squares;
    let fneg = size_a.iter().map(|v| v * v).sum::<i128>() - sum_squares;
    let tn = n * n - fp - fneg - sum_squares;
    if fneg == 0 && fp == 0 {
        return Ok(1.0);
    }
    let num = 2.0 * (tp * tn - fneg * fp) as f64;
    let den = ((tp + fneg) * (fneg + tn) + (tp + fp) * (fp + tn)) as f64;
    Ok(num / den)
}

/// Sum of squared distances of each row of `x` to the centroid (a row of `centroids`) its
/// label names.
pub fn inertia(x: &Matrix, centroids: &Matrix, labels: &[usize]) -> Result<f64> {
    check_labels_len(x, labels)?;
    if centroids.n_cols() != x.n_cols() {
        return Err(Error::InvalidParameter {
            name: "centroids",
            expected: "as many columns as `x`",
            found: format!("{} columns for {}", centroids.n_cols(), x.n_cols()),
        });
    }
    check_finite(x)?;
    check_finite(centroids)?;
    let mut total = 0.0;
    for (i, &l) in labels.iter().enumerate() {
        let c = centroids.row(l).ok_or_else(|| Error::InvalidParameter {
            name: "labels",
            expected: "row indices of `centroids`",
            found: format!("{l} with {} centroids", centroids.n_rows()),
        })?;
        total += sq_dist(x.row(i).expect("checked length"), c);
    }
    Ok(total)
}
