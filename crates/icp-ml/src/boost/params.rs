//! Hyperparameters of the boosted trees ([`GbmParams`]) and the random forest
//! ([`ForestParams`]), with the checks that turn bad values into errors before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// What a model predicts: a probability (log-loss on the log-odds) or a value (squared error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Labels in {0, 1}; raw scores are log-odds, `predict` returns probabilities.
    Binary,
    /// Any finite target (deal amount, LTV); `predict` returns the value.
    Regression,
}

/// Gradient-boosted trees. Defaults follow LightGBM (100 trees, 31 leaves, learning rate 0.1,
/// 20 rows per leaf, 255 bins, no subsampling).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GbmParams {
    pub objective: Objective,
    /// Boosting rounds (trees).
    pub n_trees: usize,
    /// Shrinkage applied to every leaf value.
    pub learning_rate: f64,
    /// Leaves per tree (leaf-wise, best-first growth).
    pub max_leaves: usize,
    /// Depth limit on top of `max_leaves`; `None` = unlimited.
    pub max_depth: Option<usize>,
    /// Fewest training rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Smallest sum of hessians in a leaf.
    pub min_sum_hessian_in_leaf: f64,
    /// Smallest gain for a split to be made.
    pub min_gain_to_split: f64,
    /// L2 penalty on leaf values.
    pub lambda_l2: f64,
    /// Share of features drawn (without replacement) for each tree.
    pub feature_fraction: f64,
    /// Share of rows drawn (without replacement) for each tree; 1 = no bagging.
    pub bagging_fraction: f64,
    /// Bins per feature for the non-missing values (missing values get one more bin), ≤ 255.
    pub max_bins: usize,
    /// Per feature −1 (never increases the score), 0 (free) or +1 (never decreases it);
    /// empty = no constraint.
    pub monotone: Vec<i8>,
    /// Stop when the validation loss has not improved for this many rounds and keep the best
    /// round; needs a validation set.
    pub early_stopping_rounds: Option<usize>,
    /// Weight of the positive rows (Binary), multiplied into any sample weights.
    pub pos_weight: f64,
    /// Seed of the feature and row draws; the same seed gives the same model.
    pub seed: u64,
    /// Per feature whether trees may split on it (feature selection); empty = all. Excluded
    /// features still belong to the model's input (their SHAP values are 0).
    #[serde(default)]
    pub allowed_features: Vec<bool>,
}

impl Default for GbmParams {
    fn default() -> Self {
        GbmParams {
            objective: Objective::Binary,
            n_trees: 100,
            learning_rate: 0.1,
            max_leaves: 31,
            max_depth: None,
            min_data_in_leaf: 20,
            min_sum_hessian_in_leaf: 1e-3,
            min_gain_to_split: 0.0,
            lambda_l2: 0.0,
            feature_fraction: 1.0,
            bagging_fraction: 1.0,
            max_bins: 255,
            monotone: Vec::new(),
            early_stopping_rounds: None,
            pos_weight: 1.0,
            seed: 0,
            allowed_features: Vec::new(),
        }
    }
}

impl GbmParams {
    /// Errors on the first out-of-range value, naming it.
    pub fn check(&self, n_features: usize) -> Result<()> {
        check_count("n_trees", self.n_trees, 1)?;
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(Error::invalid_parameter(
                "learning_rate",
                "> 0",
                self.learning_rate,
            ));
        }
        check_tree_shape(
            self.max_leaves,
            self.max_depth,
            self.min_data_in_leaf,
            self.max_bins,
        )?;
        check_non_negative("min_sum_hessian_in_leaf", self.min_sum_hessian_in_leaf)?;
        check_non_negative("min_gain_to_split", self.min_gain_to_split)?;
        check_non_negative("lambda_l2", self.lambda_l2)?;
        check_fraction("feature_fraction", self.feature_fraction)?;
        check_fraction("bagging_fraction", self.bagging_fraction)?;
        if !(self.pos_weight > 0.0 && self.pos_weight.is_finite()) {
            return Err(Error::invalid_parameter(
                "pos_weight",
                "> 0",
                self.pos_weight,
            ));
        }
        if self.early_stopping_rounds == Some(0) {
            return Err(Error::invalid_parameter("early_stopping_rounds", "≥ 1", 0));
        }
        if !self.monotone.is_empty() && self.monotone.len() != n_features {
            return Err(Error::invalid_parameter(
                "monotone",
                "empty or one entry per feature",
                format!("{} entries for {n_features} features", self.monotone.len()),
            ));
        }
        if let Some(bad) = self.monotone.iter().find(|c| !(-1..=1).contains(*c)) {
            return Err(Error::invalid_parameter("monotone", "−1, 0 or +1", bad));
        }
        if !self.allowed_features.is_empty()
            && (self.allowed_features.len() != n_features || !self.allowed_features.contains(&true))
        {
            return Err(Error::invalid_parameter(
                "allowed_features",
                "empty or one entry per feature, at least one true",
                format!(
                    "{} entries ({} true) for {n_features} features",
                    self.allowed_features.len(),
                    self.allowed_features.iter().filter(|&&a| a).count()
                ),
            ));
        }
        Ok(())
    }
}

/// Random forest: bootstrap rows per tree, a fresh feature draw at every split, leaf value =
/// mean target (a probability for Binary).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForestParams {
    pub objective: Objective,
    /// Trees in the forest.
    pub n_trees: usize,
    /// Leaves per tree.
    pub max_leaves: usize,
    pub max_depth: Option<usize>,
    pub min_data_in_leaf: usize,
    /// Share of features drawn at each split; `None` = √p / p (Binary) or 1/3 (Regression).
    pub max_features: Option<f64>,
    /// Bootstrap sample size as a share of the rows.
    pub sample_fraction: f64,
    pub max_bins: usize,
    pub seed: u64,
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            objective: Objective::Binary,
            n_trees: 200,
            max_leaves: 1024,
            max_depth: None,
            min_data_in_leaf: 5,
            max_features: None,
            sample_fraction: 1.0,
            max_bins: 255,
            seed: 0,
        }
    }
}

impl ForestParams {
    /// Errors on the first out-of-range value, naming it.
    pub fn check(&self) -> Result<()> {
        check_count("n_trees", self.n_trees, 1)?;
        check_tree_shape(
            self.max_leaves,
            self.max_depth,
            self.min_data_in_leaf,
            self.max_bins,
        )?;
        if let Some(f) = self.max_features {
            check_fraction("max_features", f)?;
        }
        check_fraction("sample_fraction", self.sample_fraction)
    }
}

fn check_tree_shape(
    max_leaves: usize,
    max_depth: Option<usize>,
    min_data_in_leaf: usize,
    max_bins: usize,
) -> Result<()> {
    check_count("max_leaves", max_leaves, 2)?;
    if max_depth == Some(0) {
        return Err(Error::invalid_parameter("max_depth", "≥ 1 or None", 0));
    }
    check_count("min_data_in_leaf", min_data_in_leaf, 1)?;
    if !(2..=255).contains(&max_bins) {
        return Err(Error::invalid_parameter("max_bins", "in 2..=255", max_bins));
    }
    Ok(())
}

fn check_count(name: &'static str, value: usize, min: usize) -> Result<()> {
    if value < min {
        let expected = if min == 1 { "≥ 1" } else { "≥ 2" };
        return Err(Error::invalid_parameter(name, expected, value));
    }
    Ok(())
}

fn check_non_negative(name: &'static str, value: f64) -> Result<()> {
    if !(value >= 0.0 && value.is_finite()) {
        return Err(Error::invalid_parameter(name, "≥ 0 and finite", value));
    }
    Ok(())
}

fn check_fraction(name: &'static str, value: f64) -> Result<()> {
    if !(value > 0.0 && value <= 1.0) {
        return Err(Error::invalid_parameter(name, "in (0, 1]", value));
    }
    Ok(())
}
