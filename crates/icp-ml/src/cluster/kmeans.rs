//! [`KMeans`] (exact, Hamerly-accelerated Lloyd iterations from greedy k-means++ starts) and
//! [`MiniBatchKMeans`], both fitting a [`KMeansModel`]: plain serde data that predicts the
//! nearest centroid of new rows.
//!
//! Parallelism is over fixed chunks of rows ([`CHUNK_ROWS`]); partial sums are added in
//! chunk order, so a seed gives the same model on any number of threads.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::{Algorithm, KMeansParams, MiniBatchKMeansParams};
use super::util::{CHUNK_ROWS, Rng, check_finite, sq_dist, sq_dists, with_simd};
use crate::progress::{NoProgress, Progress};
use crate::{Error, Matrix, Result};

/// Version of the saved k-means model format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Exact k-means. `KMeans::params(k)` starts a [`KMeansParams`] builder; its
/// [`fit`](KMeansParams::fit) returns a [`KMeansModel`].
#[derive(Debug, Clone, Copy)]
pub struct KMeans;

impl KMeans {
    /// Default hyperparameters with `n_clusters = k`.
    pub fn params(n_clusters: usize) -> KMeansParams {
        KMeansParams::default().n_clusters(n_clusters)
    }
}

/// Mini-batch k-means (Sculley 2010, as scikit-learn's `MiniBatchKMeans`, but with the start
/// refined by exact k-means on the init sample instead of scikit-learn's random reassignment
/// of small clusters): fast and approximate, for millions of rows.
#[derive(Debug, Clone, Copy)]
pub struct MiniBatchKMeans;

impl MiniBatchKMeans {
    /// Default hyperparameters with `n_clusters = k`.
    pub fn params(n_clusters: usize) -> MiniBatchKMeansParams {
        MiniBatchKMeansParams::default().n_clusters(n_clusters)
    }
}

/// Which algorithm fitted a [`KMeansModel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    KMeans,
    MiniBatchKMeans,
}

/// A fitted k-means model. Plain serde data; save with [`to_json`](Self::to_json).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    format_version: u32,
    method: Method,
    n_features: usize,
    centroids: Vec<Vec<f64>>,
    inertia: f64,
    start_inertia: f64,
    n_iter: usize,
    converged: bool,
    best_init: usize,
    seed: u64,
    labels: Vec<usize>,
}

impl KMeansModel {
    pub fn format_version(&self) -> u32 {
        self.format_version
    }
    pub fn method(&self) -> Method {
        self.method
    }
    pub fn n_clusters(&self) -> usize {
        self.centroids.len()
    }
    pub fn n_features(&self) -> usize {
        self.n_features
    }
    /// One centroid per cluster, each with `n_features` values.
    pub fn centroids(&self) -> &[Vec<f64>] {
        &self.centroids
    }
    /// The centroids as a `n_clusters × n_features` matrix.
    pub fn centroids_matrix(&self) -> Matrix {
        let data = self.centroids.concat();
        Matrix::new(data, self.centroids.len(), self.n_features).expect("consistent shape")
    }
    /// Sum of squared distances of the training rows to their centroid.
    pub fn inertia(&self) -> f64 {
        self.inertia
    }
    /// Inertia of the winning start's k-means++ centroids (each training row at its nearest
    /// one). For [`KMeans`], `inertia() ≤ start_inertia()` always holds. For
    /// [`MiniBatchKMeans`], the inertia on all rows of the centroids the steps started from.
    pub fn start_inertia(&self) -> f64 {
        self.start_inertia
    }
    /// Lloyd iterations (k-means) or mini-batch steps run by the winning start.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }
    /// Whether the winning start stopped on `tol` / unchanged labels (k-means) or on
    /// `max_no_improvement` (mini-batch) rather than on `max_iter`.
    pub fn converged(&self) -> bool {
        self.converged
    }
    /// Index (in `0..n_init`) of the winning start.
    pub fn best_init(&self) -> usize {
        self.best_init
    }
    /// The seed the model was fitted with.
    pub fn seed(&self) -> u64 {
        self.seed
    }
    /// Cluster of each training row.
    pub fn labels(&self) -> &[usize] {
        &self.labels
    }

    /// Nearest centroid of each row of `x` (the lowest index on an exact tie). Errors on a
    /// column count other than the fitted one, and on NaN or infinity.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        self.validate()?;
        if x.n_cols() != self.n_features {
            return Err(Error::InvalidParameter {
                name: "x",
                expected: "a matrix with as many columns as at fit",
                found: format!("{} columns, fitted on {}", x.n_cols(), self.n_features),
            });
        }
        check_finite(x)?;
        let centers = self.centroids.concat();
        Ok(nearest_all(x.as_slice(), self.n_features, &centers).0)
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(json_error)
    }

    /// Loads a model saved by [`to_json`](Self::to_json). An absent or unknown
    /// `format_version` is [`Error::FormatVersion`]; malformed or inconsistent content is
    /// [`Error::Json`].
    pub fn from_json(json: &str) -> Result<KMeansModel> {
        #[derive(Deserialize)]
        struct Header {
            format_version: Option<serde_json::Value>,
        }
        let header: Header = serde_json::from_str(json).map_err(json_error)?;
        match header.format_version {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            other => {
                return Err(Error::FormatVersion {
                    found: other.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
                    supported: FORMAT_VERSION,
                });
            }
        }
        let model: KMeansModel = serde_json::from_str(json).map_err(json_error)?;
        model.validate()?;
        Ok(model)
    }

    /// Checks the invariants `predict` relies on (a model may come from anywhere).
    fn validate(&self) -> Result<()> {
        let bad = |m: String| Err(json_error(m));
        if self.centroids.is_empty() {
            return bad("k-means model has no centroid".into());
        }
        for (j, c) in self.centroids.iter().enumerate() {
            if c.len() != self.n_features {
                return bad(format!(
                    "k-means centroid {j} has {} values, expected n_features = {}",
                    c.len(),
                    self.n_features
                ));
            }
            if c.iter().any(|v| !v.is_finite()) {
                return bad(format!("k-means centroid {j} holds a non-finite value"));
            }
        }
        if let Some(l) = self.labels.iter().find(|&&l| l >= self.centroids.len()) {
            return bad(format!(
                "k-means label {l} is out of range for {} clusters",
                self.centroids.len()
            ));
        }
        Ok(())
    }
}

fn json_error(e: impl std::fmt::Display) -> Error {
    Error::Json {
        message: e.to_string(),
    }
}

/// Shared input checks: finite values, at least one row and column, `n_rows ≥ k`.
fn check_input(x: &Matrix, n_clusters: usize) -> Result<()> {
    if x.n_rows() == 0 {
        return Err(Error::EmptyInput {
            what: "`x` has no rows",
        });
    }
    if x.n_cols() == 0 {
        return Err(Error::EmptyInput {
            what: "`x` has no columns",
        });
    }
    if x.n_rows() < n_clusters {
        return Err(Error::InvalidParameter {
            name: "n_clusters",
            expected: "≤ the number of rows of `x`",
            found: format!("{n_clusters} for {} rows", x.n_rows()),
        });
    }
    check_finite(x)
}

impl KMeansParams {
    /// Fits k-means on the rows of `x`: `n_init` greedy k-means++ starts, each followed by
    /// Lloyd iterations; the start with the lowest inertia wins.
    pub fn fit(&self, x: &Matrix) -> Result<KMeansModel> {
        self.fit_with_progress(x, &NoProgress)
    }

    /// [`fit`](Self::fit), reporting one unit of progress per finished start.
    pub fn fit_with_progress(&self, x: &Matrix, progress: &dyn Progress) -> Result<KMeansModel> {
        self.check()?;
        check_input(x, self.n_clusters)?;
        let d = x.n_cols();
        let data = x.as_slice();
        let tol = self.tol * mean_column_variance(data, d);
        progress.start("k-means", self.n_init as u64);
        let mut best: Option<(usize, Run)> = None;
        for init in 0..self.n_init {
            let mut rng = Rng::fork(self.seed, init as u64);
            let start = kmeans_plus_plus(data, d, self.n_clusters, &mut rng);
            let run = lloyd(data, d, start, self.max_iter, tol, self.algorithm);
            progress.advance(1);
            if best.as_ref().is_none_or(|(_, b)| run.inertia < b.inertia) {
                best = Some((init, run));
            }
        }
        progress.finish();
        let (best_init, run) = best.expect("n_init ≥ 1");
        Ok(self.model(d, best_init, run))
    }

    /// One run of Lloyd iterations from the given centres (`n_clusters` rows, as wide as
    /// `x`) instead of k-means++ starts — e.g. the class means of a mixture model, so that the
    /// partition follows that model and does not depend on the seed.
    pub fn fit_from(&self, x: &Matrix, centers: &Matrix) -> Result<KMeansModel> {
        self.check()?;
        check_input(x, self.n_clusters)?;
        check_finite(centers)?;
        let d = x.n_cols();
        if centers.n_rows() != self.n_clusters || centers.n_cols() != d {
            return Err(Error::Schema {
                column: "centers".into(),
                expected: format!("{} × {d}", self.n_clusters),
                found: format!("{} × {}", centers.n_rows(), centers.n_cols()),
            });
        }
        let data = x.as_slice();
        let tol = self.tol * mean_column_variance(data, d);
        let run = lloyd(
            data,
            d,
            centers.as_slice().to_vec(),
            self.max_iter,
            tol,
            self.algorithm,
        );
        Ok(self.model(d, 0, run))
    }

    fn model(&self, d: usize, best_init: usize, run: Run) -> KMeansModel {
        KMeansModel {
            format_version: FORMAT_VERSION,
            method: Method::KMeans,
            n_features: d,
            centroids: run.centers.chunks(d).map(<[f64]>::to_vec).collect(),
            inertia: run.inertia,
            start_inertia: run.start_inertia,
            n_iter: run.n_iter,
            converged: run.converged,
            best_init,
            seed: self.seed,
            labels: run.labels,
        }
    }
}

impl MiniBatchKMeansParams {
    /// Fits mini-batch k-means: the best of `n_init` starts on `init_size` sampled rows
    /// (k-means++ refined by exact k-means on the sample, which keeps one bad seeding from
    /// leaving two centroids in one group for good), then steps
    /// that each move the centroids towards the means of `batch_size` rows drawn with
    /// replacement, with per-centroid learning rates `1 / rows seen`. Labels and inertia are
    /// then computed exactly on all rows.
    pub fn fit(&self, x: &Matrix) -> Result<KMeansModel> {
        self.check()?;
        check_input(x, self.n_clusters)?;
        let (n, d, k) = (x.n_rows(), x.n_cols(), self.n_clusters);
        let data = x.as_slice();
        let mut rng = Rng::new(self.seed);
        let init_size = self.init_size.unwrap_or(3 * self.batch_size).clamp(k, n);
        let rows = rng.sample_without_replacement(n, init_size);
        let mut sub = Vec::with_capacity(init_size * d);
        for &r in &rows {
            sub.extend_from_slice(&data[r * d..(r + 1) * d]);
        }
        let mut best: Option<Run> = None;
        for init in 0..self.n_init {
            let mut init_rng = Rng::fork(self.seed, init as u64);
            let start = kmeans_plus_plus(&sub, d, k, &mut init_rng);
            let run = lloyd(&sub, d, start, 300, 0.0, Algorithm::Hamerly);
            if best.as_ref().is_none_or(|b| run.inertia < b.inertia) {
                best = Some(run);
            }
        }
        let mut centers = best.expect("n_init ≥ 1").centers;
        let start_inertia = nearest_all(data, d, &centers).1;

        let batch = self.batch_size.min(n);
        let n_steps = (self.max_iter as u128 * n as u128).div_ceil(batch as u128) as usize;
        let alpha = (2.0 * batch as f64 / (n as f64 + 1.0)).min(1.0);
        let mut counts = vec![0.0f64; k];
        let mut sums = vec![0.0f64; k * d];
        let mut batch_counts = vec![0.0f64; k];
        let (mut ewa, mut best_ewa, mut no_improvement) = (f64::NAN, f64::INFINITY, 0usize);
        let (mut n_iter, mut converged) = (0, false);
        let mut dists = vec![0.0; k];
        for step in 0..n_steps {
            sums.fill(0.0);
            batch_counts.fill(0.0);
            let mut batch_inertia = 0.0;
            for _ in 0..batch {
                let r = rng.below(n);
                let row = &data[r * d..(r + 1) * d];
                let (j, d2) = nearest(row, &centers, &mut dists);
                batch_inertia += d2;
                batch_counts[j] += 1.0;
                for (s, v) in sums[j * d..(j + 1) * d].iter_mut().zip(row) {
                    *s += v;
                }
            }
            for j in 0..k {
                if batch_counts[j] > 0.0 {
                    counts[j] += batch_counts[j];
                    let c = &mut centers[j * d..(j + 1) * d];
                    for (cv, s) in c.iter_mut().zip(&sums[j * d..(j + 1) * d]) {
                        *cv += (s - batch_counts[j] * *cv) / counts[j];
                    }
                }
            }
            n_iter = step + 1;
            batch_inertia /= batch as f64;
            ewa = if step == 0 {
                batch_inertia
            } else {
                ewa * (1.0 - alpha) + batch_inertia * alpha
            };
            if ewa < best_ewa {
                best_ewa = ewa;
                no_improvement = 0;
            } else {
                no_improvement += 1;
            }
            if self.max_no_improvement.is_some_and(|m| no_improvement >= m) {
                converged = true;
                break;
            }
        }
        let (labels, inertia) = nearest_all(data, d, &centers);
        Ok(KMeansModel {
            format_version: FORMAT_VERSION,
            method: Method::MiniBatchKMeans,
            n_features: d,
            centroids: centers.chunks(d).map(<[f64]>::to_vec).collect(),
            inertia,
            start_inertia,
            n_iter,
            converged,
            best_init: 0,
            seed: self.seed,
            labels,
        })
    }
}

/// Mean over columns of the population variance of each column (scikit-learn's scale for
/// `tol`).
fn mean_column_variance(data: &[f64], d: usize) -> f64 {
    let n = (data.len() / d) as f64;
    let mut mean = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v;
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; d];
    for row in data.chunks_exact(d) {
        for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
            *s += (v - m) * (v - m);
        }
    }
    var.iter().sum::<f64>() / (n * d as f64)
}

/// Index and squared distance of the nearest centre (lowest index on a tie).
#[inline]
fn nearest(row: &[f64], centers: &[f64], dists: &mut [f64]) -> (usize, f64) {
    sq_dists(row, centers, dists);
    let (j, dist, _) = two_nearest(dists);
    (j, dist)
}

/// Nearest centre of every row, in parallel, and the summed squared distance.
fn nearest_all(data: &[f64], d: usize, centers: &[f64]) -> (Vec<usize>, f64) {
    let mut labels = vec![0usize; data.len() / d];
    let partial: Vec<f64> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .map(|(xc, lc)| {
            with_simd(
                #[inline(always)]
                || {
                    let mut s = 0.0;
                    let mut dists = vec![0.0; centers.len() / d];
                    for (row, l) in xc.chunks_exact(d).zip(lc.iter_mut()) {
                        let (j, d2) = nearest(row, centers, &mut dists);
                        *l = j;
                        s += d2;
                    }
                    s
                },
            )
        })
        .collect();
    (labels, partial.iter().sum())
}

/// Greedy k-means++ (scikit-learn's `_kmeans_plusplus`): the first centre is a uniform row;
/// each next one is the best, by resulting potential, of `2 + ⌊ln k⌋` rows drawn with
/// probability proportional to their squared distance to the nearest chosen centre.
pub(crate) fn kmeans_plus_plus(data: &[f64], d: usize, k: usize, rng: &mut Rng) -> Vec<f64> {
    let n = data.len() / d;
    let n_trials = 2 + (k as f64).ln() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = rng.below(n);
    centers.extend_from_slice(&data[first * d..(first + 1) * d]);
    let mut closest: Vec<f64> = vec![0.0; n];
    let partial: Vec<f64> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(closest.par_chunks_mut(CHUNK_ROWS))
        .map(|(xc, cc)| {
            with_simd(
                #[inline(always)]
                || {
                    let c0 = &centers[..d];
                    let mut s = 0.0;
                    for (row, c) in xc.chunks_exact(d).zip(cc.iter_mut()) {
                        *c = sq_dist(row, c0);
                        s += *c;
                    }
                    s
                },
            )
        })
        .collect();
    let mut pot: f64 = partial.iter().sum();
    let mut cand_dists = vec![0.0; n * n_trials];
    let mut targets = vec![0.0; n_trials];
    let mut candidates = vec![0usize; n_trials];
    for _ in 1..k {
        for t in targets.iter_mut() {
            *t = rng.next_f64() * pot;
        }
        // `searchsorted(cumsum(closest), target)`, clipped to the last row.
        let mut order: Vec<usize> = (0..n_trials).collect();
        order.sort_by(|&a, &b| targets[a].total_cmp(&targets[b]));
        let (mut i, mut cum) = (0, closest[0]);
        for &t in &order {
            while cum < targets[t] && i + 1 < n {
                i += 1;
                cum += closest[i];
            }
            candidates[t] = i;
        }
        let cand_rows: Vec<f64> = candidates
            .iter()
            .flat_map(|&c| &data[c * d..(c + 1) * d])
            .copied()
            .collect();
        let partial: Vec<Vec<f64>> = data
            .par_chunks(CHUNK_ROWS * d)
            .zip(closest.par_chunks(CHUNK_ROWS))
            .zip(cand_dists.par_chunks_mut(CHUNK_ROWS * n_trials))
            .map(|((xc, cc), dc)| {
                with_simd(
                    #[inline(always)]
                    || {
                        let mut pots = vec![0.0; n_trials];
                        for ((row, &c), dists) in xc
                            .chunks_exact(d)
                            .zip(cc)
                            .zip(dc.chunks_exact_mut(n_trials))
                        {
                            sq_dists(row, &cand_rows, dists);
                            for (p, dist) in pots.iter_mut().zip(dists.iter()) {
                                *p += dist.min(c);
                            }
                        }
                        pots
                    },
                )
            })
            .collect();
        let mut pots = vec![0.0; n_trials];
        for p in &partial {
            for (a, b) in pots.iter_mut().zip(p) {
                *a += b;
            }
        }
        let mut best = 0;
        for t in 1..n_trials {
            if pots[t] < pots[best] {
                best = t;
            }
        }
        centers.extend_from_slice(&cand_rows[best * d..(best + 1) * d]);
        // The candidate pass kept each row's distances, so the chosen one is not recomputed.
        closest
            .par_chunks_mut(CHUNK_ROWS)
            .zip(cand_dists.par_chunks(CHUNK_ROWS * n_trials))
            .for_each(|(cc, dc)| {
                for (c, dists) in cc.iter_mut().zip(dc.chunks_exact(n_trials)) {
                    *c = c.min(dists[best]);
                }
            });
        pot = pots[best];
    }
    centers
}

/// One Lloyd run from `centers`.
#[derive(Debug, Clone)]
pub(crate) struct Run {
    pub(crate) centers: Vec<f64>,
    pub(crate) labels: Vec<usize>,
    pub(crate) inertia: f64,
    pub(crate) start_inertia: f64,
    pub(crate) n_iter: usize,
    pub(crate) converged: bool,
}

/// Per-cluster sums and counts of the rows' labels, and how many labels changed in the last
/// assignment pass. An incremental pass returns only the changes (a moved row's values
/// subtracted from its old cluster and added to its new one), which [`Partial::add`] folds
/// into the running totals.
struct Partial {
    sums: Vec<f64>,
    counts: Vec<i64>,
    changed: usize,
}

impl Partial {
    fn zero(k: usize, d: usize) -> Partial {
        Partial {
            sums: vec![0.0; k * d],
            counts: vec![0; k],
            changed: 0,
        }
    }

    /// Counts `row` in cluster `l`.
    fn add_row(&mut self, row: &[f64], l: usize) {
        let d = row.len();
        self.counts[l] += 1;
        for (s, v) in self.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
            *s += v;
        }
    }

    /// Records that `row` moved from cluster `from` to `to` (a change, for an incremental
    /// pass).
    fn move_row(&mut self, row: &[f64], from: usize, to: usize) {
        let d = row.len();
        self.changed += 1;
        self.counts[from] -= 1;
        self.counts[to] += 1;
        let (sa, sb) = two_rows(&mut self.sums, from, to, d);
        for ((x, y), v) in sa.iter_mut().zip(sb.iter_mut()).zip(row) {
            *x -= v;
            *y += v;
        }
    }

    fn add(&mut self, other: &Partial) {
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a += b;
        }
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.changed += other.changed;
    }
}

/// How centres moved since the bounds were last valid.
struct Moves<'a> {
    /// Distance each centre moved.
    shift: &'a [f64],
    /// Largest shift, its centre, and the second largest.
    max: (f64, usize, f64),
    /// Half the distance from each centre to its nearest other centre.
    half_gap: &'a [f64],
}

/// Assigns every row to its nearest centre. With `moves` (Hamerly), rows whose bounds prove
/// the current label still nearest skip the search (and are not read at all); without, every
/// row is compared with every centre. `full` returns the per-cluster sums of all rows;
/// otherwise only the changes made by rows that moved (Hamerly's incremental update: late
/// passes touch only the few rows near a boundary, which cut the 1M-row benchmark's time).
/// Each chunk of rows goes through three loops that hand on lists of row indices instead of
/// branching per row: bounds, own-centre tightening, full search (5.4 s → 5.1–5.3 s on the
/// 1M-row benchmark); results are the same as one loop's, row for row.
#[allow(clippy::too_many_arguments)]
fn assign(
    data: &[f64],
    d: usize,
    centers: &[f64],
    labels: &mut [usize],
    upper: &mut [f64],
    lower: &mut [f64],
    moves: Option<&Moves>,
    full: bool,
) -> Partial {
    let k = centers.len() / d;
    let parts: Vec<Partial> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks_mut(CHUNK_ROWS))
        .zip(upper.par_chunks_mut(CHUNK_ROWS))
        .zip(lower.par_chunks_mut(CHUNK_ROWS))
        .map(|(((xc, lc), uc), loc)| {
            with_simd(
                #[inline(always)]
                || {
                    let mut part = Partial::zero(k, d);
                    let mut dists = vec![0.0; k];
                    let row = |r: usize| &xc[r * d..(r + 1) * d];
                    let n = lc.len();
                    // 1. Bounds: the rows whose bounds no longer prove their label go to
                    // `check` (with the bound they must beat), without a branch per row.
                    let mut check: Vec<u32> = (0..n as u32).collect();
                    let mut n_check = n;
                    if let Some(m) = moves {
                        let mut beat = vec![0.0f64; n];
                        n_check = 0;
                        for r in 0..n {
                            let a = lc[r];
                            uc[r] += m.shift[a];
                            loc[r] -= if a == m.max.1 { m.max.2 } else { m.max.0 };
                            check[n_check] = r as u32;
                            beat[n_check] = m.half_gap[a].max(loc[r]);
                            n_check += usize::from(uc[r] > beat[n_check]);
                        }
                        // 2. Tightening: the distance to the own centre; the rows still not
                        // proven go on to the full search.
                        let mut n_search = 0;
                        for i in 0..n_check {
                            let r = check[i] as usize;
                            if let Some(&next) = check[..n_check].get(i + PREFETCH_ROWS) {
                                prefetch(xc, next as usize * d, d);
                            }
                            let a = lc[r];
                            let own = &mut dists[..1];
                            sq_dists(row(r), &centers[a * d..(a + 1) * d], own);
                            uc[r] = own[0].sqrt();
                            check[n_search] = r as u32;
                            n_search += usize::from(uc[r] > beat[i]);
                        }
                        n_check = n_search;
                    }
                    // 3. Full search over every centre.
                    for i in 0..n_check {
                        let r = check[i] as usize;
                        if let Some(&next) = check[..n_check].get(i + PREFETCH_ROWS) {
                            prefetch(xc, next as usize * d, d);
                        }
                        let a = lc[r];
                        sq_dists(row(r), centers, &mut dists);
                        let (b1, d1, d2) = two_nearest(&dists);
                        if b1 != a {
                            lc[r] = b1;
                            if full {
                                part.changed += 1;
                            } else {
                                part.move_row(row(r), a, b1);
                            }
                        }
                        uc[r] = d1.sqrt();
                        loc[r] = d2.sqrt();
                    }
                    if full {
                        for (r, &l) in lc.iter().enumerate() {
                            part.add_row(row(r), l);
                        }
                    }
                    part
                },
            )
        })
        .collect();
    let mut total = Partial::zero(k, d);
    for p in &parts {
        total.add(p);
    }
    total
}

/// The index of the smallest of `dists` (the first on ties), its value and the second
/// smallest value. Selects instead of branching: which centre is nearest is a coin flip to
/// the branch predictor on overlapping clusters.
#[inline(always)]
fn two_nearest(dists: &[f64]) -> (usize, f64, f64) {
    let (mut b1, mut d1, mut d2) = (0, f64::INFINITY, f64::INFINITY);
    for (j, &dist) in dists.iter().enumerate() {
        let nearer = dist < d1;
        d2 = if nearer { d1 } else { d2.min(dist) };
        b1 = if nearer { j } else { b1 };
        d1 = if nearer { dist } else { d1 };
    }
    (b1, d1, d2)
}

/// Half the distance from each centre to its nearest other centre (Hamerly's gap test).
fn half_gaps(centers: &[f64], d: usize) -> Vec<f64> {
    let k = centers.len() / d;
    (0..k)
        .map(|a| {
            let ca = &centers[a * d..(a + 1) * d];
            (0..k)
                .filter(|&b| b != a)
                .map(|b| sq_dist(ca, &centers[b * d..(b + 1) * d]))
                .fold(f64::INFINITY, f64::min)
                .sqrt()
                * 0.5
        })
        .collect()
}

/// Rows `a` and `b` (a ≠ b) of a row-major `_ × d` buffer, both mutable.
fn two_rows(buf: &mut [f64], a: usize, b: usize, d: usize) -> (&mut [f64], &mut [f64]) {
    if a < b {
        let (lo, hi) = buf.split_at_mut(b * d);
        (&mut lo[a * d..(a + 1) * d], &mut hi[..d])
    } else {
        let (lo, hi) = buf.split_at_mut(a * d);
        let (rb, ra) = (&mut lo[b * d..(b + 1) * d], &mut hi[..d]);
        (ra, rb)
    }
}

/// Summed squared distance of each row to the centre of its label (by the search's kernel,
/// so start and final inertia compare like with like).
fn inertia_of(data: &[f64], d: usize, centers: &[f64], labels: &[usize]) -> f64 {
    let partial: Vec<f64> = data
        .par_chunks(CHUNK_ROWS * d)
        .zip(labels.par_chunks(CHUNK_ROWS))
        .map(|(xc, lc)| {
            let mut own = [0.0];
            xc.chunks_exact(d)
                .zip(lc)
                .map(|(row, &l)| {
                    sq_dists(row, &centers[l * d..(l + 1) * d], &mut own);
                    own[0]
                })
                .sum::<f64>()
        })
        .collect();
    partial.iter().sum()
}

/// New centres: the mean of each cluster. An empty cluster takes the row farthest from its
/// centre (among clusters of ≥ 2 rows), which leaves that row's old cluster and can only
/// lower the inertia (scikit-learn's relocation).
fn update_centers(
    data: &[f64],
    d: usize,
    old: &[f64],
    labels: &[usize],
    part: &mut Partial,
) -> Vec<f64> {
    let k = old.len() / d;
    let empty: Vec<usize> = (0..k).filter(|&j| part.counts[j] == 0).collect();
    let mut fixed = vec![false; k];
    if !empty.is_empty() {
        let dist: Vec<f64> = data
            .par_chunks(d)
            .zip(labels.par_iter())
            .map(|(row, &l)| sq_dist(row, &old[l * d..(l + 1) * d]))
            .collect();
        let mut taken = vec![false; dist.len()];
        for &j in &empty {
            let mut far: Option<usize> = None;
            for (i, &di) in dist.iter().enumerate() {
                if !taken[i]
                    && di > 0.0
                    && part.counts[labels[i]] > 1
                    && far.is_none_or(|f| di > dist[f])
                {
                    far = Some(i);
                }
            }
            let Some(i) = far else { break };
            taken[i] = true;
            let row = &data[i * d..(i + 1) * d];
            let l = labels[i];
            part.counts[l] -= 1;
            for (s, v) in part.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
                *s -= v;
            }
            part.counts[j] = 1;
            part.sums[j * d..(j + 1) * d].copy_from_slice(row);
            fixed[j] = true;
        }
    }
    let mut centers = old.to_vec();
    for j in 0..k {
        if part.counts[j] > 0 {
            let n = part.counts[j] as f64;
            for (c, s) in centers[j * d..(j + 1) * d]
                .iter_mut()
                .zip(&part.sums[j * d..(j + 1) * d])
            {
                *c = if fixed[j] { *s } else { s / n };
            }
        }
    }
    centers
}

/// Lloyd iterations from `centers` until no label changes, the summed squared centre shift
/// is ≤ `tol`, or `max_iter`. Labels always belong to the returned centres.
pub(crate) fn lloyd(
    data: &[f64],
    d: usize,
    mut centers: Vec<f64>,
    max_iter: usize,
    tol: f64,
    algorithm: Algorithm,
) -> Run {
    let n = data.len() / d;
    let k = centers.len() / d;
    let mut labels = vec![0usize; n];
    let mut upper = vec![0.0; n];
    let mut lower = vec![0.0; n];
    let mut part = assign(
        data,
        d,
        &centers,
        &mut labels,
        &mut upper,
        &mut lower,
        None,
        true,
    );
    let start_inertia = inertia_of(data, d, &centers, &labels);
    let (mut n_iter, mut converged) = (0, false);
    let mut shift = vec![0.0; k];
    for it in 1..=max_iter {
        // Relocating an empty cluster edits the totals without relabelling: recount after it.
        let relocated = part.counts.contains(&0);
        let new = update_centers(data, d, &centers, &labels, &mut part);
        let mut shift_tot = 0.0;
        let mut max = (0.0f64, usize::MAX, 0.0f64);
        for j in 0..k {
            let s2 = sq_dist(&new[j * d..(j + 1) * d], &centers[j * d..(j + 1) * d]);
            shift_tot += s2;
            shift[j] = s2.sqrt();
            if shift[j] > max.0 {
                max = (shift[j], j, max.0);
            } else if shift[j] > max.2 {
                max.2 = shift[j];
            }
        }
        centers = new;
        let full = algorithm == Algorithm::Lloyd || relocated;
        let half_gap = half_gaps(&centers, d);
        let moves = (algorithm == Algorithm::Hamerly).then_some(Moves {
            shift: &shift,
            max,
            half_gap: &half_gap,
        });
        let pass = assign(
            data,
            d,
            &centers,
            &mut labels,
            &mut upper,
            &mut lower,
            moves.as_ref(),
            full,
        );
        if full {
            part = pass;
        } else {
            part.add(&pass);
            part.changed = pass.changed;
        }
        n_iter = it;
        if part.changed == 0 || shift_tot <= tol {
            converged = true;
            break;
        }
    }
    let inertia = inertia_of(data, d, &centers, &labels);
    Run {
        centers,
        labels,
        inertia,
        start_inertia,
        n_iter,
        converged,
    }
}

/// How many rows ahead [`prefetch`] asks for.
const PREFETCH_ROWS: usize = 6;

/// Asks the CPU to start loading `data[from..from + len]` into cache (nothing if out of
/// range or not x86-64).
#[inline(always)]
fn prefetch(data: &[f64], from: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    if from + len <= data.len() {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let mut i = 0;
        while i < len {
            // SAFETY: a prefetch never faults, and the address is inside `data`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(data.as_ptr().add(from + i).cast()) };
            i += 8;
        }
    }
}
