//! The interchangeable learners of the scoring stage: every candidate fits on the recipe's
//! matrix, predicts a raw score (log-odds for classifiers) and splits that raw score into
//! additive per-column contributions plus a base value (exact SHAP values). Today:
//! L2-regularised logistic regression (the interpretable baseline), histogram gradient-boosted
//! trees (the main model; early-stopped on the calibration snapshot when given one, then
//! [`Candidate::refit`] on training and calibration rows with the rounds found; optionally
//! refitted on the columns a first fit found strongest, which the rolling-origin leaderboard
//! weighs against using them all) and a random forest (the second opinion), all from `icp-ml`.

use icp_ml::Matrix;
use icp_ml::boost::{ForestParams, Gbm, GbmParams, RandomForest};
use icp_ml::weights::{LogisticModel, LogisticParams};
use serde::{Deserialize, Serialize};

/// A candidate learner before fitting, as listed in the leaderboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Candidate {
    /// L2 logistic regression with inverse regularisation strength `c`.
    Logistic { c: f64 },
    /// Histogram gradient-boosted trees; with `strongest_columns`, refitted on only the
    /// columns a first fit found strongest (feature selection).
    Gbm {
        n_trees: usize,
        learning_rate: f64,
        max_leaves: usize,
        min_data_in_leaf: usize,
        #[serde(default)]
        strongest_columns: Option<usize>,
    },
    /// Random forest of histogram trees.
    Forest {
        n_trees: usize,
        min_data_in_leaf: usize,
    },
}

/// Most rows TreeSHAP explains to rank columns for feature selection.
const RANKING_ROWS: usize = 2_000;

/// Rounds without improvement on the early-stopping fold before boosting stops.
const EARLY_STOPPING_ROUNDS: usize = 30;

impl Candidate {
    /// The default candidates: logistic regression at two regularisation strengths, boosted
    /// trees at two sizes (the smaller one for a few thousand rows, such as closed deals; it
    /// also runs on only its 15 or 30 strongest columns) and a random forest.
    pub fn defaults() -> Vec<Candidate> {
        let small_trees = |strongest_columns| Candidate::Gbm {
            n_trees: 300,
            learning_rate: 0.03,
            max_leaves: 7,
            min_data_in_leaf: 80,
            strongest_columns,
        };
        vec![
            Candidate::Logistic { c: 0.1 },
            Candidate::Logistic { c: 1.0 },
            Candidate::Gbm {
                n_trees: 300,
                learning_rate: 0.05,
                max_leaves: 15,
                min_data_in_leaf: 40,
                strongest_columns: None,
            },
            small_trees(None),
            small_trees(Some(15)),
            small_trees(Some(30)),
            Candidate::Forest {
                n_trees: 100,
                min_data_in_leaf: 20,
            },
        ]
    }

    pub fn name(&self) -> String {
        match self {
            Candidate::Logistic { c } => format!("logistic (L2, C = {c})"),
            Candidate::Gbm {
                n_trees,
                learning_rate,
                max_leaves,
                strongest_columns,
                ..
            } => {
                let trees = format!("{n_trees} × {max_leaves} leaves, rate {learning_rate}");
                match strongest_columns {
                    Some(k) => format!("boosted trees ({trees}; {k} strongest columns)"),
                    None => format!("boosted trees ({trees})"),
                }
            }
            Candidate::Forest { n_trees, .. } => format!("random forest ({n_trees} trees)"),
        }
    }

    /// Fits on `x` and the binary outcomes `y`; boosting stops early on `valid` when given and
    /// keeps the monotone constraint of each column of `x` (`monotone`: −1, 0, +1 per column,
    /// or empty for none; the other learners do not take constraints).
    pub fn fit(
        &self,
        x: &Matrix,
        y: &[bool],
        valid: Option<(&Matrix, &[bool])>,
        monotone: &[i8],
        seed: u64,
    ) -> icp_ml::Result<Learner> {
        match self {
            Candidate::Logistic { c } => {
                let params = LogisticParams::default().c(*c);
                Ok(Learner::Logistic {
                    model: LogisticModel::fit(x, y, &params)?,
                })
            }
            Candidate::Gbm {
                n_trees,
                learning_rate,
                max_leaves,
                min_data_in_leaf,
                strongest_columns,
            } => {
                let mut params = GbmParams {
                    n_trees: *n_trees,
                    learning_rate: *learning_rate,
                    max_leaves: *max_leaves,
                    min_data_in_leaf: *min_data_in_leaf,
                    lambda_l2: 1.0,
                    early_stopping_rounds: valid.map(|_| EARLY_STOPPING_ROUNDS),
                    monotone: monotone.to_vec(),
                    seed,
                    ..GbmParams::default()
                };
                let vy = valid.map(|(_, vy)| numeric(vy));
                let v = valid.zip(vy.as_deref()).map(|((vx, _), vy)| (vx, vy));
                let y = numeric(y);
                if let Some(k) = strongest_columns.filter(|&k| k < x.n_cols()) {
                    let first = Gbm::fit(x, &y, None, v, &params)?;
                    params.allowed_features = strongest(&first.shap(&ranking_rows(x)?), k);
                }
                Ok(Learner::Gbm {
                    model: Gbm::fit(x, &y, None, v, &params)?,
                })
            }
            Candidate::Forest {
                n_trees,
                min_data_in_leaf,
            } => {
                let params = ForestParams {
                    n_trees: *n_trees,
                    min_data_in_leaf: *min_data_in_leaf,
                    seed,
                    ..ForestParams::default()
                };
                Ok(Learner::Forest {
                    model: RandomForest::fit(x, &numeric(y), None, &params)?,
                })
            }
        }
    }

    /// The final model: `first` (fitted by [`Candidate::fit`] on the training rows, stopped
    /// early on the calibration rows) refitted on `x` and `y` — training and calibration rows
    /// together — with the same settings, the boosted trees with `first`'s number of rounds
    /// and column selection. On the four demo companies of `bench/conversion_seeds.sh` the
    /// conversion model's mean held-out ROC-AUC went from 0.775 (keeping `first`) to 0.779;
    /// LightGBM on the same deals gains 0.006 the same way (`bench/conversion_learners.py`).
    pub fn refit(
        &self,
        first: &Learner,
        x: &Matrix,
        y: &[bool],
        monotone: &[i8],
        seed: u64,
    ) -> icp_ml::Result<Learner> {
        match first {
            Learner::Gbm { model } if model.best_iteration() == 0 => Ok(first.clone()),
            Learner::Gbm { model } => {
                let params = GbmParams {
                    n_trees: model.best_iteration(),
                    early_stopping_rounds: None,
                    ..model.params().clone()
                };
                Ok(Learner::Gbm {
                    model: Gbm::fit(x, &numeric(y), None, None, &params)?,
                })
            }
            Learner::Logistic { .. } | Learner::Forest { .. } => {
                self.fit(x, y, None, monotone, seed)
            }
        }
    }
}

/// Binary outcomes as the 0/1 targets the tree learners take.
fn numeric(y: &[bool]) -> Vec<f64> {
    y.iter().map(|&v| v as u8 as f64).collect()
}

/// Rows whose mean |SHAP value| ranks the columns for feature selection: all of them up to
/// [`RANKING_ROWS`], else that many evenly spaced (TreeSHAP on every row of a 60,000-row
/// table, twice per fold, cost more than all the fits).
fn ranking_rows(x: &Matrix) -> icp_ml::Result<Matrix> {
    let n = x.n_rows();
    if n <= RANKING_ROWS {
        return Ok(x.clone());
    }
    let rows: Vec<usize> = (0..RANKING_ROWS).map(|i| i * n / RANKING_ROWS).collect();
    x.select_rows(&rows)
}

/// The `k` columns with the largest mean |SHAP value| in `shap` (`n × (p + 1)`, base value
/// last) as a mask over the `p` columns; columns no tree used are never chosen.
fn strongest(shap: &Matrix, k: usize) -> Vec<bool> {
    let p = shap.n_cols().saturating_sub(1);
    let mut strength = vec![0.0; p];
    for r in 0..shap.n_rows() {
        let row = shap.row(r).unwrap_or(&[]);
        for (s, v) in strength.iter_mut().zip(row) {
            *s += v.abs();
        }
    }
    let mut order: Vec<usize> = (0..p).filter(|&j| strength[j] > 0.0).collect();
    order.sort_by(|&a, &b| strength[b].total_cmp(&strength[a]).then(a.cmp(&b)));
    let mut mask = vec![false; p];
    order.iter().take(k.max(1)).for_each(|&j| mask[j] = true);
    if order.is_empty() {
        // No split anywhere: nothing to select from, keep every column.
        mask.fill(true);
    }
    mask
}

/// A fitted classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learner {
    Logistic { model: LogisticModel },
    Gbm { model: Gbm },
    Forest { model: RandomForest },
}

/// Splits an `n × (p + 1)` SHAP matrix (base value last) into contributions and base.
fn split_shap(shap: Matrix) -> icp_ml::Result<Contributions> {
    let (n, p1) = (shap.n_rows(), shap.n_cols());
    let p = p1.saturating_sub(1);
    let base = shap.get(0, p).unwrap_or(0.0);
    let data = shap.into_vec();
    let values = (0..n)
        .flat_map(|r| data[r * p1..r * p1 + p].to_vec())
        .collect();
    Ok(Contributions {
        values: Matrix::new(values, n, p)?,
        base,
    })
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
            Learner::Gbm { model } => model.n_features(),
            Learner::Forest { model } => model.n_features(),
        }
    }

    /// Raw scores: log-odds, or for the forest the probability (its SHAP scale).
    pub fn raw(&self, x: &Matrix) -> icp_ml::Result<Vec<f64>> {
        match self {
            Learner::Logistic { model } => model.decision_function(x),
            Learner::Gbm { model } => {
                model.check_input(x)?;
                Ok(model.predict_raw(x))
            }
            Learner::Forest { model } => {
                model.check_input(x)?;
                Ok(model.predict(x))
            }
        }
    }

    /// Uncalibrated probabilities.
    pub fn probability(&self, x: &Matrix) -> icp_ml::Result<Vec<f64>> {
        match self {
            Learner::Logistic { model } => model.predict_proba(x),
            Learner::Gbm { model } => {
                model.check_input(x)?;
                Ok(model.predict(x))
            }
            Learner::Forest { model } => {
                model.check_input(x)?;
                Ok(model.predict(x))
            }
        }
    }

    /// Exact SHAP values of the raw score (TreeSHAP for the tree models). For the logistic model (linear in log-odds, with
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
            Learner::Gbm { model } => {
                model.check_input(x)?;
                split_shap(model.shap(x))
            }
            Learner::Forest { model } => {
                model.check_input(x)?;
                split_shap(model.shap(x))
            }
        }
    }

    /// SHAP interaction values among the columns `features` of `x` for the boosted trees;
    /// `None` for a logistic model (none by construction) and for the forest, whose deep trees
    /// (thousands of leaves) make exact interaction values cost minutes per hundred rows.
    pub fn interactions(
        &self,
        x: &Matrix,
        features: &[usize],
    ) -> Option<icp_ml::Result<icp_ml::boost::ShapInteractions>> {
        match self {
            Learner::Logistic { .. } => None,
            Learner::Gbm { model } => Some(model.shap_interactions(x, features)),
            Learner::Forest { .. } => None,
        }
    }

    /// Standardised coefficients (logistic only), for the report.
    pub fn standardised_coefficients(&self) -> Option<&[f64]> {
        match self {
            Learner::Logistic { model } => Some(model.coef_std()),
            Learner::Gbm { .. } | Learner::Forest { .. } => None,
        }
    }
}
