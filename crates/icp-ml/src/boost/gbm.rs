//! [`Gbm`]: gradient-boosted trees (binary log-loss or squared error) with sample and class
//! weights, row and feature subsampling, monotone constraints and early stopping on a
//! validation set; prediction, TreeSHAP explanations and JSON save/load.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bins::BinnedData;
use super::learner::{SeededRng, TreeConfig, TreeLearner};
use super::shap::{self, ShapInteractions};
use super::tree::Tree;
use super::{GbmParams, Objective, check_matrix, check_target, gain_importance, sigmoid};
use crate::{Error, Matrix, Result};

const GBM_FORMAT_VERSION: u32 = 1;

/// A fitted gradient-boosted tree ensemble: `raw(x) = init_score + Σ trees(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gbm {
    format_version: u32,
    params: GbmParams,
    n_features: usize,
    /// Starting raw score: the weighted base rate's log-odds, or the weighted mean.
    init_score: f64,
    /// Trees up to the best iteration.
    trees: Vec<Tree>,
    best_iteration: usize,
    /// Validation loss after each round (log-loss or mean squared error); empty without one.
    valid_loss: Vec<f64>,
}

impl Gbm {
    /// Fits on rows `x` (NaN = missing) and targets `y`, with optional per-row `weights` and
    /// an optional validation set for early stopping (best round kept).
    pub fn fit(
        x: &Matrix,
        y: &[f64],
        weights: Option<&[f64]>,
        valid: Option<(&Matrix, &[f64])>,
        params: &GbmParams,
    ) -> Result<Gbm> {
        let p = x.n_cols();
        params.check(p)?;
        check_matrix(x, "x", p)?;
        check_target(y, x.n_rows(), params.objective)?;
        if let Some((vx, vy)) = valid {
            check_matrix(vx, "valid x", p)?;
            check_target(vy, vx.n_rows(), params.objective)?;
        } else if params.early_stopping_rounds.is_some() {
            return Err(Error::invalid_parameter(
                "early_stopping_rounds",
                "None when no validation set is given",
                format!("{:?}", params.early_stopping_rounds),
            ));
        }
        let w = row_weights(y, weights, params)?;
        let init_score = initial_score(y, &w, params.objective)?;
        let n = x.n_rows();
        let data = BinnedData::new(x, params.max_bins);
        let mut learner = TreeLearner::new(
            &data,
            TreeConfig {
                max_leaves: params.max_leaves,
                max_depth: params.max_depth,
                min_data_in_leaf: params.min_data_in_leaf,
                min_sum_hessian: params.min_sum_hessian_in_leaf,
                min_gain: params.min_gain_to_split,
                lambda_l2: params.lambda_l2,
                monotone: &params.monotone,
                features_per_split: None,
            },
        );
        let mut rng = SeededRng::new(params.seed);
        let mut scores = vec![init_score; n];
        let mut valid_scores = valid.map(|(vx, _)| vec![init_score; vx.n_rows()]);
        let mut gh = vec![[0.0; 2]; n];
        let mut trees = Vec::with_capacity(params.n_trees);
        let mut valid_loss = Vec::new();
        let (mut best_loss, mut best_iteration) = (f64::INFINITY, 0);
        let allowed: Vec<usize> = (0..p)
            .filter(|&f| params.allowed_features.get(f).copied().unwrap_or(true))
            .collect();
        let n_allowed = allowed.len();
        let n_active =
            ((n_allowed as f64 * params.feature_fraction).round() as usize).clamp(1, n_allowed);
        let n_bagged = ((n as f64 * params.bagging_fraction).round() as usize).clamp(1, n);
        let mut rows: Vec<u32> = Vec::with_capacity(n_bagged);
        for _ in 0..params.n_trees {
            gh.par_iter_mut()
                .zip(&scores)
                .zip(y)
                .zip(&w)
                .for_each(|(((gh, &f), &y), &w)| *gh = gradient(params.objective, f, y, w));
            let mut active = vec![false; p];
            if n_active < n_allowed {
                for i in rng.choose(n_allowed, n_active) {
                    active[allowed[i]] = true;
                }
            } else {
                allowed.iter().for_each(|&f| active[f] = true);
            }
            let bagged = n_bagged < n;
            rows.clear();
            if bagged {
                rows.extend(rng.choose(n, n_bagged).into_iter().map(|r| r as u32));
            } else {
                rows.extend(0..n as u32);
            }
            let grown = learner.grow(&gh, &mut rows, &active, &mut rng);
            let mut tree = grown.tree;
            tree.scale_leaves(params.learning_rate);
            if bagged {
                add_tree(&tree, x, &mut scores);
            } else {
                for (node, range) in &grown.leaf_rows {
                    let value = tree.nodes[*node].value;
                    for &r in &rows[range.clone()] {
                        scores[r as usize] += value;
                    }
                }
            }
            trees.push(tree);
            if let (Some((vx, vy)), Some(vs)) = (valid, valid_scores.as_mut()) {
                add_tree(trees.last().expect("just pushed"), vx, vs);
                let loss = mean_loss(params.objective, vs, vy);
                valid_loss.push(loss);
                if loss < best_loss {
                    (best_loss, best_iteration) = (loss, trees.len());
                }
                if params
                    .early_stopping_rounds
                    .is_some_and(|rounds| trees.len() - best_iteration >= rounds)
                {
                    break;
                }
            }
        }
        if params.early_stopping_rounds.is_some() {
            trees.truncate(best_iteration);
        } else {
            best_iteration = trees.len();
        }
        Ok(Gbm {
            format_version: GBM_FORMAT_VERSION,
            params: params.clone(),
            n_features: p,
            init_score,
            trees,
            best_iteration,
            valid_loss,
        })
    }

    /// Raw scores (log-odds for Binary). Panics unless `x` has [`Gbm::n_features`] columns;
    /// [`Gbm::check_input`] says so as an error.
    pub fn predict_raw(&self, x: &Matrix) -> Vec<f64> {
        assert_eq!(
            x.n_cols(),
            self.n_features,
            "feature count differs from fit"
        );
        let mut out = vec![self.init_score; x.n_rows()];
        add_trees(&self.trees, x, &mut out, 1.0);
        out
    }

    /// Probabilities (Binary) or values (Regression).
    pub fn predict(&self, x: &Matrix) -> Vec<f64> {
        let mut raw = self.predict_raw(x);
        if self.params.objective == Objective::Binary {
            raw.iter_mut().for_each(|v| *v = sigmoid(*v));
        }
        raw
    }

    /// Errors unless `x` has the features seen at fit.
    pub fn check_input(&self, x: &Matrix) -> Result<()> {
        check_matrix(x, "x", self.n_features)
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// Trees kept: the round with the lowest validation loss under early stopping, else all.
    pub fn best_iteration(&self) -> usize {
        self.best_iteration
    }

    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    pub fn objective(&self) -> Objective {
        self.params.objective
    }

    pub fn params(&self) -> &GbmParams {
        &self.params
    }

    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// Validation loss after each round (log-loss or mean squared error).
    pub fn valid_loss(&self) -> &[f64] {
        &self.valid_loss
    }

    /// Exact path-dependent TreeSHAP: n × (p + 1), contributions on the raw scale and the
    /// base (expected) value last; each row sums to [`Gbm::predict_raw`].
    pub fn shap(&self, x: &Matrix) -> Matrix {
        assert_eq!(
            x.n_cols(),
            self.n_features,
            "feature count differs from fit"
        );
        shap::shap_values(&self.trees, x, self.init_score, 1.0)
    }

    /// SHAP interaction values among `features` (see [`ShapInteractions`]).
    pub fn shap_interactions(&self, x: &Matrix, features: &[usize]) -> Result<ShapInteractions> {
        self.check_input(x)?;
        shap::shap_interactions(&self.trees, x, features, 1.0)
    }

    /// Total split gain per feature, summed over the kept trees.
    pub fn gain_importance(&self) -> Vec<f64> {
        gain_importance(&self.trees, self.n_features)
    }

    /// The model as JSON (every f64 round-trips exactly).
    pub fn to_json(&self) -> Result<String> {
        crate::sequence::to_json(self)
    }

    /// Loads a model saved by [`Gbm::to_json`]; an unknown `format_version` is
    /// [`Error::FormatVersion`], inconsistent content [`Error::InvalidModel`].
    pub fn from_json(json: &str) -> Result<Gbm> {
        let model: Gbm = crate::sequence::from_json(json, GBM_FORMAT_VERSION)?;
        let invalid = |message: String| Error::InvalidModel {
            model: "Gbm",
            message,
        };
        model
            .params
            .check(model.n_features)
            .map_err(|e| invalid(e.to_string()))?;
        if !model.init_score.is_finite() || model.best_iteration != model.trees.len() {
            return Err(invalid(format!(
                "init_score {} and best_iteration {} for {} trees",
                model.init_score,
                model.best_iteration,
                model.trees.len()
            )));
        }
        for (i, tree) in model.trees.iter().enumerate() {
            tree.validate(model.n_features)
                .map_err(|m| invalid(format!("tree {i}: {m}")))?;
        }
        Ok(model)
    }
}

/// Per-row training weight: the given weight times `pos_weight` on positive Binary rows.
fn row_weights(y: &[f64], weights: Option<&[f64]>, params: &GbmParams) -> Result<Vec<f64>> {
    let w: Vec<f64> = match weights {
        Some(w) => {
            super::check_weights(w, y.len())?;
            w.to_vec()
        }
        None => vec![1.0; y.len()],
    };
    Ok(match params.objective {
        Objective::Binary => w
            .iter()
            .zip(y)
            .map(|(&w, &y)| if y == 1.0 { w * params.pos_weight } else { w })
            .collect(),
        Objective::Regression => w,
    })
}

fn initial_score(y: &[f64], w: &[f64], objective: Objective) -> Result<f64> {
    let total: f64 = w.iter().sum();
    let mean = y.iter().zip(w).map(|(y, w)| y * w).sum::<f64>() / total;
    match objective {
        Objective::Regression => Ok(mean),
        Objective::Binary if mean <= 0.0 || mean >= 1.0 => Err(Error::OneClass {
            what: "binary boosting (positive weight)",
            label: mean >= 1.0,
        }),
        Objective::Binary => Ok((mean / (1.0 - mean)).ln()),
    }
}

#[inline]
fn gradient(objective: Objective, f: f64, y: f64, w: f64) -> [f64; 2] {
    match objective {
        Objective::Binary => {
            let p = sigmoid(f);
            [w * (p - y), w * p * (1.0 - p)]
        }
        Objective::Regression => [w * (f - y), w],
    }
}

/// Mean log-loss (Binary) or squared error (Regression) of raw scores.
fn mean_loss(objective: Objective, raw: &[f64], y: &[f64]) -> f64 {
    let total: f64 = raw
        .iter()
        .zip(y)
        .map(|(&f, &y)| match objective {
            // log(1 + e^f) − y f, computed without overflow.
            Objective::Binary => f.max(0.0) + (-f.abs()).exp().ln_1p() - y * f,
            Objective::Regression => (f - y) * (f - y),
        })
        .sum();
    total / y.len().max(1) as f64
}

fn add_tree(tree: &Tree, x: &Matrix, out: &mut [f64]) {
    add_trees(std::slice::from_ref(tree), x, out, 1.0);
}

/// `out[r] += scale × Σ trees(row r)`, in parallel over blocks of rows.
pub(crate) fn add_trees(trees: &[Tree], x: &Matrix, out: &mut [f64], scale: f64) {
    let p = x.n_cols().max(1);
    out.par_chunks_mut(256)
        .zip(x.as_slice().par_chunks(256 * p))
        .for_each(|(out, rows)| {
            for (o, row) in out.iter_mut().zip(rows.chunks(p)) {
                *o += scale * trees.iter().map(|t| t.predict_row(row)).sum::<f64>();
            }
        });
}
