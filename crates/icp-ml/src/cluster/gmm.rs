//! Gaussian mixtures fitted by expectation–maximisation: diagonal or full covariance,
//! initialised from k-means (as scikit-learn's `GaussianMixture(init_params="kmeans")`), with
//! the log-likelihood and the Bayesian information criterion used to choose K.
//!
//! Written by hand: EM on a few thousand rows and a few dozen columns is a short loop, and
//! the K sweep needs only the BIC, so no linear-algebra crate is pulled in (the full
//! covariance uses a small Cholesky factorisation below).

use serde::{Deserialize, Serialize};

use super::KMeans;
use super::util::check_finite;
use crate::{Error, Matrix, Result};

/// Shape of each component's covariance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// One variance per column (axis-aligned ellipsoids): `2·k·d + k − 1` parameters.
    #[default]
    Diagonal,
    /// A full `d × d` covariance per component: `k·d + k·d(d+1)/2 + k − 1` parameters.
    Full,
}

/// Hyperparameters of [`GaussianMixture::fit`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianMixture {
    pub n_components: usize,
    pub covariance: Covariance,
    /// Added to every variance (diagonal of every covariance) for numerical stability, as
    /// scikit-learn's `reg_covar`. Default 1e-6.
    pub reg_covar: f64,
    /// Maximum EM iterations. Default 100.
    pub max_iter: usize,
    /// EM stops when the mean log-likelihood per row improves by less than this. Default 1e-3.
    pub tol: f64,
    /// Seed of the k-means initialisation.
    pub seed: u64,
}

/// A fitted mixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianMixtureModel {
    pub covariance: Covariance,
    pub weights: Vec<f64>,
    /// `k` rows of `d` means.
    pub means: Vec<Vec<f64>>,
    /// Per component: `d` variances (diagonal) or the `d × d` covariance, row-major (full).
    pub covariances: Vec<Vec<f64>>,
    /// Total log-likelihood of the training rows.
    pub log_likelihood: f64,
    pub n_iter: usize,
    pub converged: bool,
    n_rows: usize,
}

impl GaussianMixture {
    pub fn new(n_components: usize) -> GaussianMixture {
        GaussianMixture {
            n_components,
            covariance: Covariance::Diagonal,
            reg_covar: 1e-6,
            max_iter: 100,
            tol: 1e-3,
            seed: 0,
        }
    }
    pub fn covariance(mut self, covariance: Covariance) -> Self {
        self.covariance = covariance;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    /// Fits the mixture by EM from the k-means partition of `x`.
    pub fn fit(&self, x: &Matrix) -> Result<GaussianMixtureModel> {
        let (n, d, k) = (x.n_rows(), x.n_cols(), self.n_components);
        if k == 0 {
            return Err(Error::invalid_parameter("n_components", "≥ 1", k));
        }
        if self.reg_covar.is_nan() || self.reg_covar < 0.0 || self.reg_covar.is_infinite() {
            return Err(Error::invalid_parameter(
                "reg_covar",
                "finite and ≥ 0",
                self.reg_covar,
            ));
        }
        if n < k || d == 0 {
            return Err(Error::FitFailed {
                model: "Gaussian mixture",
                message: format!("{n} rows × {d} columns cannot hold {k} components"),
            });
        }
        check_finite(x)?;
        let start = KMeans::params(k).n_init(1).seed(self.seed).fit(x)?;
        let mut resp = vec![0.0; n * k];
        for (i, &l) in start.labels().iter().enumerate() {
            resp[i * k + l] = 1.0;
        }
        let mut model = GaussianMixtureModel {
            covariance: self.covariance,
            weights: vec![],
            means: vec![],
            covariances: vec![],
            log_likelihood: f64::NEG_INFINITY,
            n_iter: 0,
            converged: false,
            n_rows: n,
        };
        model.m_step(x, &resp, self.reg_covar)?;
        let mut previous = f64::NEG_INFINITY;
        for iter in 1..=self.max_iter {
            let ll = model.e_step(x, &mut resp)?;
            model.m_step(x, &resp, self.reg_covar)?;
            model.n_iter = iter;
            let mean_ll = ll / n as f64;
            if (mean_ll - previous).abs() < self.tol {
                model.converged = true;
                break;
            }
            previous = mean_ll;
        }
        let mut scratch = resp;
        model.log_likelihood = model.e_step(x, &mut scratch)?;
        Ok(model)
    }
}

impl GaussianMixtureModel {
    pub fn n_components(&self) -> usize {
        self.weights.len()
    }

    /// Number of free parameters.
    pub fn n_parameters(&self) -> usize {
        let (k, d) = (self.n_components(), self.means.first().map_or(0, Vec::len));
        let cov = match self.covariance {
            Covariance::Diagonal => k * d,
            Covariance::Full => k * d * (d + 1) / 2,
        };
        k * d + cov + k - 1
    }

    /// Bayesian information criterion on the training rows: `−2·LL + p·ln n` (lower is better).
    pub fn bic(&self) -> f64 {
        -2.0 * self.log_likelihood + self.n_parameters() as f64 * (self.n_rows as f64).ln()
    }

    /// Most likely component of each row.
    pub fn predict(&self, x: &Matrix) -> Result<Vec<usize>> {
        let k = self.n_components();
        let mut resp = vec![0.0; x.n_rows() * k];
        self.e_step(x, &mut resp)?;
        Ok(resp
            .chunks_exact(k)
            .map(|r| {
                r.iter()
                    .enumerate()
                    .fold(
                        (0, f64::NEG_INFINITY),
                        |b, (j, &p)| if p > b.1 { (j, p) } else { b },
                    )
                    .0
            })
            .collect())
    }

    /// Log density of each component (weights included) per row, turned into responsibilities
    /// in place; returns the total log-likelihood.
    fn e_step(&self, x: &Matrix, resp: &mut [f64]) -> Result<f64> {
        let (d, k) = (x.n_cols(), self.n_components());
        if self.means.first().map(Vec::len) != Some(d) {
            return Err(Error::FeatureCount {
                expected: self.means.first().map_or(0, Vec::len),
                found: d,
            });
        }
        let ln2pi = (2.0 * std::f64::consts::PI).ln();
        // Per component: a function of the row giving the log density.
        let factors: Vec<(f64, Vec<f64>)> = self
            .covariances
            .iter()
            .map(|c| match self.covariance {
                Covariance::Diagonal => {
                    let log_det: f64 = c.iter().map(|v| v.ln()).sum();
                    (log_det, c.iter().map(|v| 1.0 / v).collect())
                }
                Covariance::Full => {
                    let l = cholesky(c, d).expect("checked at m-step");
                    let log_det = 2.0 * (0..d).map(|i| l[i * d + i].ln()).sum::<f64>();
                    (log_det, l)
                }
            })
            .collect();
        let mut total = 0.0;
        let mut z = vec![0.0; d];
        for (row, r) in x.as_slice().chunks_exact(d).zip(resp.chunks_exact_mut(k)) {
            for j in 0..k {
                let (log_det, f) = &factors[j];
                let mean = &self.means[j];
                let maha = match self.covariance {
                    Covariance::Diagonal => row
                        .iter()
                        .zip(mean)
                        .zip(f)
                        .map(|((v, m), inv)| (v - m) * (v - m) * inv)
                        .sum::<f64>(),
                    Covariance::Full => {
                        // Solve L z = (x − μ) by forward substitution; maha = ‖z‖².
                        for a in 0..d {
                            let mut s = row[a] - mean[a];
                            for b in 0..a {
                                s -= f[a * d + b] * z[b];
                            }
                            z[a] = s / f[a * d + a];
                        }
                        z.iter().map(|v| v * v).sum()
                    }
                };
                r[j] = self.weights[j].ln() - 0.5 * (d as f64 * ln2pi + log_det + maha);
            }
            let max = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = r.iter().map(|v| (v - max).exp()).sum();
            let lse = max + sum.ln();
            total += lse;
            r.iter_mut().for_each(|v| *v = (*v - lse).exp());
        }
        Ok(total)
    }

    fn m_step(&mut self, x: &Matrix, resp: &[f64], reg: f64) -> Result<()> {
        let (n, d) = (x.n_rows(), x.n_cols());
        let k = resp.len() / n;
        let mut nk = vec![10.0 * f64::EPSILON; k];
        let mut means = vec![vec![0.0; d]; k];
        for (row, r) in x.as_slice().chunks_exact(d).zip(resp.chunks_exact(k)) {
            for j in 0..k {
                nk[j] += r[j];
                for (m, v) in means[j].iter_mut().zip(row) {
                    *m += r[j] * v;
                }
            }
        }
        for j in 0..k {
            means[j].iter_mut().for_each(|m| *m /= nk[j]);
        }
        let width = match self.covariance {
            Covariance::Diagonal => d,
            Covariance::Full => d * d,
        };
        let mut covs = vec![vec![0.0; width]; k];
        let mut diff = vec![0.0; d];
        for (row, r) in x.as_slice().chunks_exact(d).zip(resp.chunks_exact(k)) {
            for j in 0..k {
                let w = r[j];
                if w < 1e-300 {
                    continue;
                }
                for (a, df) in diff.iter_mut().enumerate() {
                    *df = row[a] - means[j][a];
                }
                match self.covariance {
                    Covariance::Diagonal => {
                        for a in 0..d {
                            covs[j][a] += w * diff[a] * diff[a];
                        }
                    }
                    Covariance::Full => {
                        for a in 0..d {
                            for b in 0..=a {
                                covs[j][a * d + b] += w * diff[a] * diff[b];
                            }
                        }
                    }
                }
            }
        }
        for j in 0..k {
            match self.covariance {
                Covariance::Diagonal => covs[j].iter_mut().for_each(|v| *v = *v / nk[j] + reg),
                Covariance::Full => {
                    for a in 0..d {
                        for b in 0..=a {
                            let v = covs[j][a * d + b] / nk[j] + if a == b { reg } else { 0.0 };
                            covs[j][a * d + b] = v;
                            covs[j][b * d + a] = v;
                        }
                    }
                    if cholesky(&covs[j], d).is_none() {
                        return Err(Error::FitFailed {
                            model: "Gaussian mixture",
                            message: format!(
                                "the covariance of component {j} is singular; raise `reg_covar` \
                                 or use the diagonal covariance"
                            ),
                        });
                    }
                }
            }
        }
        self.weights = nk.iter().map(|v| v / n as f64).collect();
        self.means = means;
        self.covariances = covs;
        Ok(())
    }
}

/// Lower-triangular `L` with `L Lᵀ = a` (row-major `d × d`), or `None` when `a` is not
/// positive definite.
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|p| l[i * d + p] * l[j * d + p]).sum();
            if i == j {
                let v = a[i * d + i] - s;
                if v.is_nan() || v <= 0.0 {
                    return None;
                }
                l[i * d + i] = v.sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    Some(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_reconstructs() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let l = cholesky(&a, 2).unwrap();
        assert!((l[0] - 2.0).abs() < 1e-12 && (l[2] - 1.0).abs() < 1e-12);
        assert!((l[3] - 2f64.sqrt()).abs() < 1e-12);
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
    }
}
