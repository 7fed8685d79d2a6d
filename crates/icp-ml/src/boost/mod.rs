//! Tree ensembles: gradient-boosted trees ([`Gbm`], the main scoring model) and a random forest
//! ([`RandomForest`], the second opinion), both grown by one histogram tree learner, with exact
//! TreeSHAP explanations and SHAP interaction values.
//!
//! ```
//! use icp_ml::boost::{Gbm, GbmParams};
//! use icp_ml::Matrix;
//!
//! // One informative feature (the label is x₀ > 0.5) and one missing-heavy noise feature.
//! let n = 400;
//! let mut data = Vec::new();
//! let mut y = Vec::new();
//! for i in 0..n {
//!     let x0 = (i as f64 * 0.618).fract();
//!     data.extend([x0, if i % 3 == 0 { f64::NAN } else { (i % 7) as f64 }]);
//!     y.push(if x0 > 0.5 { 1.0 } else { 0.0 });
//! }
//! let x = Matrix::new(data, n, 2).unwrap();
//! let params = GbmParams { n_trees: 20, ..GbmParams::default() };
//! let model = Gbm::fit(&x, &y, None, None, &params).unwrap();
//! let p = model.predict(&x);
//! assert!(p[0] < 0.1 && p[1] > 0.9); // x₀ = 0 and 0.618
//! let shap = model.shap(&x); // n × 3: φ₀, φ₁, base value
//! let raw = model.predict_raw(&x);
//! assert!((shap.row(1).unwrap().iter().sum::<f64>() - raw[1]).abs() < 1e-9);
//! ```
//!
//! Files: [`params`](GbmParams) (hyperparameters and their checks), `bins` (quantile binning
//! into `u8`), `learner` (leaf-wise histogram tree growth, monotone constraints), `tree` (the
//! fitted tree), `gbm`, `forest`, `shap` (TreeSHAP and interactions).

mod bins;
mod forest;
mod gbm;
mod learner;
mod params;
mod shap;
mod tree;

pub use forest::RandomForest;
pub use gbm::Gbm;
pub use params::{ForestParams, GbmParams, Objective};
pub use shap::ShapInteractions;
pub use tree::{Node, Tree};

use crate::{Error, Matrix, Result};

pub(crate) fn sigmoid(v: f64) -> f64 {
    1.0 / (1.0 + (-v).exp())
}

/// Errors unless `x` has `n_features` columns and no infinity (NaN means missing).
pub(crate) fn check_matrix(x: &Matrix, what: &'static str, n_features: usize) -> Result<()> {
    if x.n_cols() != n_features || n_features == 0 {
        return Err(Error::FeatureCount {
            expected: n_features,
            found: x.n_cols(),
        });
    }
    if let Some(i) = x.as_slice().iter().position(|v| v.is_infinite()) {
        return Err(Error::InvalidRecord {
            row: i / n_features,
            field: what,
            problem: format!(
                "feature {} is {} (expected a finite value, or NaN for missing)",
                i % n_features,
                x.as_slice()[i]
            ),
        });
    }
    Ok(())
}

/// Errors unless `y` has `n_rows ≥ 1` finite values, in {0, 1} for Binary.
pub(crate) fn check_target(y: &[f64], n_rows: usize, objective: Objective) -> Result<()> {
    if y.len() != n_rows {
        return Err(Error::LengthMismatch {
            field: "y",
            expected: n_rows,
            found: y.len(),
        });
    }
    if n_rows == 0 {
        return Err(Error::EmptyInput { what: "no rows" });
    }
    for (row, &v) in y.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFiniteTarget { row, value: v });
        }
        if objective == Objective::Binary && v != 0.0 && v != 1.0 {
            return Err(Error::InvalidRecord {
                row,
                field: "y",
                problem: format!("must be 0 or 1 for a binary model, got {v}"),
            });
        }
    }
    Ok(())
}

/// Errors unless `w` has `n_rows` finite non-negative values with a positive sum.
pub(crate) fn check_weights(w: &[f64], n_rows: usize) -> Result<()> {
    if w.len() != n_rows {
        return Err(Error::LengthMismatch {
            field: "weights",
            expected: n_rows,
            found: w.len(),
        });
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(Error::Negative {
            what: "weights (finite, ≥ 0)",
            index: i,
            value: w[i],
        });
    }
    if w.iter().sum::<f64>() <= 0.0 {
        return Err(Error::invalid_parameter("weights", "a positive sum", 0));
    }
    Ok(())
}

/// Total split gain per feature.
pub(crate) fn gain_importance(trees: &[Tree], n_features: usize) -> Vec<f64> {
    let mut gain = vec![0.0; n_features];
    for node in trees.iter().flat_map(|t| &t.nodes).filter(|n| !n.is_leaf()) {
        gain[node.feature as usize] += node.gain;
    }
    gain
}
