//! [`LogisticModel`]: L2-regularised logistic regression fitted by Newton's method (IRLS) on
//! standardised features with an unpenalised intercept; coefficients are reported in
//! standardised and in original units.

use serde::{Deserialize, Serialize};

use super::params::LogisticParams;
use crate::recipe::Matrix;
use crate::{Error, Result};

/// Version of the saved [`LogisticModel`] layout.
pub const LOGISTIC_FORMAT_VERSION: u32 = 1;

/// A fitted logistic regression: `P(y) = σ(intercept + Σ coef_j · x_j)` in original units,
/// equivalently `σ(intercept_std + Σ coef_std_j · (x_j − mean_j) / scale_j)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticModel {
    format_version: u32,
    params: LogisticParams,
    n_features: usize,
    /// Training mean of each feature.
    mean: Vec<f64>,
    /// Training standard deviation of each feature (population; 1 when constant).
    scale: Vec<f64>,
    coef_std: Vec<f64>,
    intercept_std: f64,
    coef: Vec<f64>,
    intercept: f64,
    n_iter: usize,
    converged: bool,
}

fn softplus(z: f64) -> f64 {
    if z > 0.0 {
        z + (-z).exp().ln_1p()
    } else {
        z.exp().ln_1p()
    }
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

pub(super) fn check_finite(x: &Matrix) -> Result<()> {
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Solves `a · x = b` for a symmetric positive-definite `a` (`m × m`, row-major) by Cholesky.
fn cholesky_solve(a: &mut [f64], b: &mut [f64], m: usize) -> Option<()> {
    for j in 0..m {
        let mut d = a[j * m + j];
        for k in 0..j {
            d -= a[j * m + k] * a[j * m + k];
        }
        if !(d > 0.0 && d.is_finite()) {
            return None;
        }
        let d = d.sqrt();
        a[j * m + j] = d;
        for i in j + 1..m {
            let mut s = a[i * m + j];
            for k in 0..j {
                s -= a[i * m + k] * a[j * m + k];
            }
            a[i * m + j] = s / d;
        }
    }
    for i in 0..m {
        let mut s = b[i];
        for k in 0..i {
            s -= a[i * m + k] * b[k];
        }
        b[i] = s / a[i * m + i];
    }
    for i in (0..m).rev() {
        let mut s = b[i];
        for k in i + 1..m {
            s -= a[k * m + i] * b[k];
        }
        b[i] = s / a[i * m + i];
    }
    Some(())
}

impl LogisticModel {
    /// Fits on `x` (one row per example) and the binary outcomes `y`.
    ///
    /// Errors: bad parameters; no rows or no feature; `y` of another length; a non-finite
    /// value in `x` ([`Error::NonFinite`] with the row-major index); a single class in `y`.
    pub fn fit(x: &Matrix, y: &[bool], params: &LogisticParams) -> Result<LogisticModel> {
        params.check()?;
        let (n, d) = (x.n_rows(), x.n_cols());
        if n == 0 || d == 0 {
            return Err(Error::EmptyInput {
                what: "logistic regression needs ≥ 1 row and ≥ 1 feature",
            });
        }
        if y.len() != n {
            return Err(Error::TargetLength {
                expected: n,
                found: y.len(),
            });
        }
        check_finite(x)?;
        let n_pos = y.iter().filter(|&&v| v).count();
        if n_pos == 0 || n_pos == n {
            return Err(Error::OneClass {
                what: "logistic regression",
                label: n_pos > 0,
            });
        }
        let data = x.as_slice();
        let mut mean = vec![0.0; d];
        for row in data.chunks_exact(d) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut scale = vec![0.0; d];
        for row in data.chunks_exact(d) {
            for j in 0..d {
                scale[j] += (row[j] - mean[j]).powi(2);
            }
        }
        for s in scale.iter_mut() {
            *s = (*s / n as f64).sqrt();
            if !s.is_finite() || *s <= 1e-12 {
                *s = 1.0;
            }
        }
        // Standardised design with a leading column of ones: m = d + 1 parameters.
        let m = d + 1;
        let mut z = Vec::with_capacity(n * m);
        for row in data.chunks_exact(d) {
            z.push(1.0);
            z.extend((0..d).map(|j| (row[j] - mean[j]) / scale[j]));
        }
        let lambda = 1.0 / params.c;
        let objective = |theta: &[f64]| -> f64 {
            let mut loss = 0.0;
            for (zi, &yi) in z.chunks_exact(m).zip(y) {
                let eta: f64 = zi.iter().zip(theta).map(|(a, b)| a * b).sum();
                loss += softplus(eta) - if yi { eta } else { 0.0 };
            }
            loss + 0.5 * lambda * theta[1..].iter().map(|w| w * w).sum::<f64>()
        };
        let prior = n_pos as f64 / n as f64;
        let mut theta = vec![0.0; m];
        theta[0] = (prior / (1.0 - prior)).ln();
        let mut current = objective(&theta);
        let mut converged = false;
        let mut n_iter = 0;
        let mut grad = vec![0.0; m];
        let mut hess = vec![0.0; m * m];
        while n_iter < params.max_iter {
            n_iter += 1;
            grad.iter_mut().for_each(|g| *g = 0.0);
            hess.iter_mut().for_each(|h| *h = 0.0);
            for (zi, &yi) in z.chunks_exact(m).zip(y) {
                let eta: f64 = zi.iter().zip(&theta).map(|(a, b)| a * b).sum();
                let p = sigmoid(eta);
                let r = p - if yi { 1.0 } else { 0.0 };
                let w = (p * (1.0 - p)).max(1e-12);
                for a in 0..m {
                    grad[a] += r * zi[a];
                    let wa = w * zi[a];
                    for b in 0..=a {
                        hess[a * m + b] += wa * zi[b];
                    }
                }
            }
            for a in 1..m {
                grad[a] += lambda * theta[a];
                hess[a * m + a] += lambda;
            }
            for a in 0..m {
                for b in a + 1..m {
                    hess[a * m + b] = hess[b * m + a];
                }
            }
            let mut step = grad.clone();
            if cholesky_solve(&mut hess, &mut step, m).is_none() {
                break;
            }
            // Damped Newton: halve the step until the objective does not rise.
            let mut t = 1.0;
            let mut accepted = false;
            for _ in 0..30 {
                let trial: Vec<f64> = theta.iter().zip(&step).map(|(a, s)| a - t * s).collect();
                let value = objective(&trial);
                if value <= current + 1e-12 * current.abs() {
                    theta = trial;
                    current = value;
                    accepted = true;
                    break;
                }
                t /= 2.0;
            }
            let largest = step.iter().fold(0.0f64, |acc, s| acc.max((t * s).abs()));
            if !accepted || largest < params.tol {
                converged = accepted || largest < params.tol;
                break;
            }
        }
        let coef_std = theta[1..].to_vec();
        let intercept_std = theta[0];
        let coef: Vec<f64> = coef_std.iter().zip(&scale).map(|(w, s)| w / s).collect();
        let intercept = intercept_std - coef.iter().zip(&mean).map(|(c, m)| c * m).sum::<f64>();
        Ok(LogisticModel {
            format_version: LOGISTIC_FORMAT_VERSION,
            params: params.clone(),
            n_features: d,
            mean,
            scale,
            coef_std,
            intercept_std,
            coef,
            intercept,
            n_iter,
            converged,
        })
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Coefficients in original units (change in log-odds per unit of each feature).
    pub fn coef(&self) -> &[f64] {
        &self.coef
    }

    pub fn intercept(&self) -> f64 {
        self.intercept
    }

    /// Coefficients on standardised features (change in log-odds per standard deviation).
    pub fn coef_std(&self) -> &[f64] {
        &self.coef_std
    }

    pub fn intercept_std(&self) -> f64 {
        self.intercept_std
    }

    /// Training mean and standard deviation of each feature.
    pub fn standardisation(&self) -> (&[f64], &[f64]) {
        (&self.mean, &self.scale)
    }

    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    pub fn converged(&self) -> bool {
        self.converged
    }

    pub fn params(&self) -> &LogisticParams {
        &self.params
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    pub(super) fn check_input(&self, x: &Matrix) -> Result<()> {
        if x.n_cols() != self.n_features {
            return Err(Error::FeatureCount {
                expected: self.n_features,
                found: x.n_cols(),
            });
        }
        check_finite(x)
    }

    /// Log-odds per row. Errors on a wrong feature count or a non-finite value.
    pub fn decision_function(&self, x: &Matrix) -> Result<Vec<f64>> {
        self.check_input(x)?;
        if self.n_features == 0 {
            return Ok(vec![self.intercept; x.n_rows()]);
        }
        Ok(x.as_slice()
            .chunks_exact(self.n_features)
            .map(|row| self.intercept + row.iter().zip(&self.coef).map(|(a, b)| a * b).sum::<f64>())
            .collect())
    }

    /// Probability of the positive outcome per row.
    pub fn predict_proba(&self, x: &Matrix) -> Result<Vec<f64>> {
        Ok(self
            .decision_function(x)?
            .into_iter()
            .map(sigmoid)
            .collect())
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        crate::sequence::to_json(self)
    }

    /// Loads a model saved by [`LogisticModel::to_json`].
    pub fn from_json(json: &str) -> Result<LogisticModel> {
        let model: LogisticModel = crate::sequence::from_json(json, LOGISTIC_FORMAT_VERSION)?;
        model.validate()?;
        Ok(model)
    }

    pub(super) fn validate(&self) -> Result<()> {
        self.params.check()?;
        let d = self.n_features;
        let lens = [
            self.mean.len(),
            self.scale.len(),
            self.coef.len(),
            self.coef_std.len(),
        ];
        if lens.iter().any(|&l| l != d) {
            return Err(Error::InvalidModel {
                model: "logistic regression",
                message: format!("vectors of lengths {lens:?} for {d} features"),
            });
        }
        let all = self
            .mean
            .iter()
            .chain(&self.scale)
            .chain(&self.coef)
            .chain(&self.coef_std)
            .chain([&self.intercept, &self.intercept_std]);
        if all.into_iter().any(|v| !v.is_finite()) {
            return Err(Error::InvalidModel {
                model: "logistic regression",
                message: "a coefficient or standardisation value is not finite".into(),
            });
        }
        Ok(())
    }
}
