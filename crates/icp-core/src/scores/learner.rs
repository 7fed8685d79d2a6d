//! The interchangeable learners of the scoring stage: every candidate fits on the recipe's
//! matrix, predicts a raw score (log-odds for classifiers) and splits that raw score into
//! additive per-column contributions plus a base value (exact SHAP values). Today:
//! L2-regularised logistic regression at several strengths; the boosted trees and random
//! forest of `icp_ml::boost` join as further variants of [`Learner`].

use icp_ml::Matrix;
use icp_ml::weights::{LogisticModel, LogisticParams};
use serde::{Deserialize, Serialize};

/// A candidate learner before fitting, as listed in the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Candidate {
    /// L2 logistic regression with inverse regularisation strength `c`.
    Logistic { c: f64 },
}

impl Candidate {
    /// The default candidates: logistic regression at three regularisation strengths.
    pub fn defaults() -> Vec<Candidate> {
        [0.01, 0.1, 1.0]
            .into_iter()
            .map(|c| Candidate::Logistic { c })
            .collect()
    }

    pub fn name(&self) -> String {
        match self {
            Candidate::Logistic { c } => format!("logistic (L2, C = {c})"),
        }
    }

    /// Fits on `x` and the binary outcomes `y`.
    pub fn fit(&self, x: &Matrix, y: &[bool]) -> icp_ml::Result<Learner> {
        match self {
            Candidate::Logistic { c } => {
                let params = LogisticParams::default().c(*c);
                Ok(Learner::Logistic {
                    model: LogisticModel::fit(x, y, &params)?,
                })
            }
        }
    }
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    Logistic { model: LogisticModel },
}

/// Per-row additive contributions of each matrix column to the raw score, and the base value
/// they start from: `base + Σ_j contributions[i][j] = raw score of row i`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    pub values: Matrix,
    pub base: f64,
}

impl Learner {
    pub fn n_features(&self) -> usize {
        match self {
            Learner::Logistic { model } => model.n_features(),
        }
    }

    /// Raw scores (log-odds).
    pub fn raw(&self, x: &Matrix) -> icp_ml::Result<Vec<f64>> {
        match self {
            Learner::Logistic { model } => model.decision_function(x),
        }
    }

    /// Uncalibrated probabilities.
    pub fn probability(&self, x: &Matrix) -> icp_ml::Result<Vec<f64>> {
        match self {
            Learner::Logistic { model } => model.predict_proba(x),
        }
    }

    /// Exact SHAP values of the raw score. For the logistic model (linear in log-odds, with
    /// the training mean as the reference) they are `coef_std_j · (x_j − mean_j) / scale_j`
    /// on top of the base value `intercept_std`.
    pub fn contributions(&self, x: &Matrix) -> icp_ml::Result<Contributions> {
        match self {
            Learner::Logistic { model } => {
                // Shape and finiteness are checked by the model itself.
                model.decision_function(x)?;
                let (mean, scale) = model.standardisation();
                let coef = model.coef_std();
                let p = coef.len();
                let mut values = Vec::with_capacity(x.n_rows() * p);
                for r in 0..x.n_rows() {
                    let row = x.row(r).unwrap_or(&[]);
                    values.extend((0..p).map(|j| coef[j] * (row[j] - mean[j]) / scale[j]));
                }
                Ok(Contributions {
                    values: Matrix::new(values, x.n_rows(), p)?,
                    base: model.intercept_std(),
                })
            }
        }
    }

    /// Standardised coefficients (logistic only), for the report.
    pub fn standardised_coefficients(&self) -> Option<&[f64]> {
        match self {
            Learner::Logistic { model } => Some(model.coef_std()),
        }
    }
}
