//! [`RandomForest`]: the second-opinion model — trees grown in parallel on bootstrap samples with
//! a fresh feature draw at every split, each leaf holding the mean target of its rows, the
//! prediction the mean over trees (a probability for Binary).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::bins::BinnedData;
use super::gbm::add_trees;
use super::learner::{SeededRng, TreeConfig, TreeLearner};
use super::shap::{self, ShapInteractions};
use super::tree::Tree;
use super::{ForestParams, Objective, check_matrix, check_target, check_weights, gain_importance};
use crate::{Error, Matrix, Result};

const FOREST_FORMAT_VERSION: u32 = 1;

/// A fitted random forest: `predict(x) = mean over trees`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomForest {
    format_version: u32,
    params: ForestParams,
    n_features: usize,
    trees: Vec<Tree>,
}

impl RandomForest {
    /// Fits on rows `x` (NaN = missing), targets `y` and optional per-row `weights`.
    pub fn fit(
        x: &Matrix,
        y: &[f64],
        weights: Option<&[f64]>,
        params: &ForestParams,
    ) -> Result<RandomForest> {
        params.check()?;
        let p = x.n_cols();
        check_matrix(x, "x", p)?;
        check_target(y, x.n_rows(), params.objective)?;
        if let Some(w) = weights {
            check_weights(w, y.len())?;
        }
        let n = x.n_rows();
        let data = BinnedData::new(x, params.max_bins);
        let share = params.max_features.unwrap_or(match params.objective {
            Objective::Binary => (p as f64).sqrt() / p as f64,
            Objective::Regression => 1.0 / 3.0,
        });
        let per_split = ((p as f64 * share).round() as usize).clamp(1, p);
        let n_sample = ((n as f64 * params.sample_fraction).round() as usize).max(1);
        let active = vec![true; p];
        let trees = (0..params.n_trees)
            .into_par_iter()
            .map(|t| {
                let mut rng = SeededRng::new(params.seed.wrapping_add(t as u64));
                let mut copies = vec![0u32; n];
                for _ in 0..n_sample {
                    copies[rng.below(n)] += 1;
                }
                let gh: Vec<[f64; 2]> = (0..n)
                    .map(|r| {
                        let c = f64::from(copies[r]) * weights.map_or(1.0, |w| w[r]);
                        [-c * y[r], c]
                    })
                    .collect();
                let mut rows: Vec<u32> =
                    (0..n as u32).filter(|&r| gh[r as usize][1] > 0.0).collect();
                let mut learner = TreeLearner::new(
                    &data,
                    TreeConfig {
                        max_leaves: params.max_leaves,
                        max_depth: params.max_depth,
                        min_data_in_leaf: params.min_data_in_leaf,
                        min_sum_hessian: 0.0,
                        min_gain: 0.0,
                        lambda_l2: 0.0,
                        monotone: &[],
                        features_per_split: Some(per_split),
                    },
                );
                learner.grow(&gh, &mut rows, &active, &mut rng).tree
            })
            .collect();
        Ok(RandomForest {
            format_version: FOREST_FORMAT_VERSION,
            params: params.clone(),
            n_features: p,
            trees,
        })
    }

    /// Mean tree output: the probability of the positive class (Binary) or the value.
    /// Panics unless `x` has [`RandomForest::n_features`] columns; see
    /// [`RandomForest::check_input`].
    pub fn predict(&self, x: &Matrix) -> Vec<f64> {
        assert_eq!(
            x.n_cols(),
            self.n_features,
            "feature count differs from fit"
        );
        let mut out = vec![0.0; x.n_rows()];
        add_trees(&self.trees, x, &mut out, self.scale());
        out
    }

    /// Errors unless `x` has the features seen at fit.
    pub fn check_input(&self, x: &Matrix) -> Result<()> {
        check_matrix(x, "x", self.n_features)
    }

    /// TreeSHAP of the mean over trees: n × (p + 1), on the probability (or value) scale, base
    /// value last; each row sums to [`RandomForest::predict`].
    pub fn shap(&self, x: &Matrix) -> Matrix {
        assert_eq!(
            x.n_cols(),
            self.n_features,
            "feature count differs from fit"
        );
        shap::shap_values(&self.trees, x, 0.0, self.scale())
    }

    /// SHAP interaction values among `features` (see [`ShapInteractions`]).
    pub fn shap_interactions(&self, x: &Matrix, features: &[usize]) -> Result<ShapInteractions> {
        self.check_input(x)?;
        shap::shap_interactions(&self.trees, x, features, self.scale())
    }

    pub fn n_features(&self) -> usize {
        self.n_features
    }

    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Total split gain (variance reduction) per feature over all trees.
    pub fn gain_importance(&self) -> Vec<f64> {
        gain_importance(&self.trees, self.n_features)
    }

    pub fn to_json(&self) -> Result<String> {
        crate::sequence::to_json(self)
    }

    /// Loads a forest saved by [`RandomForest::to_json`].
    pub fn from_json(json: &str) -> Result<RandomForest> {
        let model: RandomForest = crate::sequence::from_json(json, FOREST_FORMAT_VERSION)?;
        let invalid = |message: String| Error::InvalidModel {
            model: "RandomForest",
            message,
        };
        model.params.check().map_err(|e| invalid(e.to_string()))?;
        if model.trees.is_empty() {
            return Err(invalid("no tree".into()));
        }
        for (i, tree) in model.trees.iter().enumerate() {
            tree.validate(model.n_features)
                .map_err(|m| invalid(format!("tree {i}: {m}")))?;
        }
        Ok(model)
    }

    fn scale(&self) -> f64 {
        1.0 / self.trees.len().max(1) as f64
    }
}
