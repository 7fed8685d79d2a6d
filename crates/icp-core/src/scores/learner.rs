//! The interchangeable learners of the scoring stage: every candidate fits on the recipe's
//! matrix, predicts a raw score (log-odds for classifiers) and splits that raw score into
//! additive per-column contributions plus a base value (exact SHAP values). Today:
//! L2-regularised logistic regression (the interpretable baseline), histogram gradient-boosted
//! trees (the main model; their number of rounds is chosen on the rolling-origin folds, see
//! [`best_rounds`]; optionally refitted on the columns a first fit found strongest, which the
//! leaderboard weighs against using them all) and a random forest (the second opinion), all
//! from `icp-ml`.

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
    /// Histogram gradient-boosted trees, each grown on a random `row_share` of the rows and
    /// `column_share` of the columns (1 = all); with `strongest_columns`, refitted on only the
    /// columns a first fit found strongest (feature selection).
    Gbm {
        n_trees: usize,
        learning_rate: f64,
        max_leaves: usize,
        min_data_in_leaf: usize,
        #[serde(default = "all")]
        row_share: f64,
        #[serde(default = "all")]
        column_share: f64,
        #[serde(default)]
        strongest_columns: Option<usize>,
    },
    /// Random forest of histogram trees.
    Forest {
        n_trees: usize,
        min_data_in_leaf: usize,
    },
}

fn all() -> f64 {
    1.0
}

/// Most rows TreeSHAP explains to rank columns for feature selection.
const RANKING_ROWS: usize = 2_000;

impl Candidate {
    /// The default candidates: logistic regression at two regularisation strengths, boosted
    /// trees at three sizes (the smaller ones for a few thousand rows, such as closed deals;
    /// the 7-leaf trees also on only their 30 strongest columns and on random shares of rows
    /// and columns, the 3-leaf ones — nearly additive — only so) and a random forest.
    pub fn defaults() -> Vec<Candidate> {
        // (rounds, learning rate, leaves, least rows per leaf, share of columns per tree —
        // below 1 also 80% of the rows —, strongest columns only)
        let trees =
            |n_trees, learning_rate, max_leaves, min_data_in_leaf, share: f64, k| Candidate::Gbm {
                n_trees,
                learning_rate,
                max_leaves,
                min_data_in_leaf,
                row_share: share.max(0.8),
                column_share: share,
                strongest_columns: k,
            };
        vec![
            Candidate::Logistic { c: 0.1 },
            Candidate::Logistic { c: 1.0 },
            trees(300, 0.05, 15, 40, 1.0, None),
            trees(300, 0.03, 7, 80, 1.0, None),
            trees(300, 0.03, 7, 80, 1.0, Some(30)),
            trees(300, 0.03, 7, 80, 0.5, None),
            trees(800, 0.05, 3, 40, 0.5, None),
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
                row_share,
                column_share,
                strongest_columns,
                ..
            } => {
                let mut trees = format!("{n_trees} × {max_leaves} leaves, rate {learning_rate}");
                if *row_share < 1.0 || *column_share < 1.0 {
                    trees += &format!(", {row_share} of rows, {column_share} of columns per tree");
                }
                match strongest_columns {
                    Some(k) => format!("boosted trees ({trees}; {k} strongest columns)"),
                    None => format!("boosted trees ({trees})"),
                }
            }
            Candidate::Forest { n_trees, .. } => format!("random forest ({n_trees} trees)"),
        }
    }

    /// Rounds for a fit on `growth` times the rows on which `best` rounds were best: scaled
    /// in proportion, at least 1 and at most the candidate's own (boosted trees only).
    pub fn rounds_for(&self, best: usize, growth: f64) -> usize {
        let most = match self {
            Candidate::Gbm { n_trees, .. } => *n_trees,
            _ => best,
        };
        ((best as f64 * growth.max(1.0)).round() as usize).clamp(1, most.max(1))
    }

    /// The candidate with `rounds` boosting rounds instead of its own (boosted trees only).
    pub fn with_rounds(&self, rounds: Option<usize>) -> Candidate {
        let mut c = self.clone();
        if let (Candidate::Gbm { n_trees, .. }, Some(k)) = (&mut c, rounds) {
            *n_trees = k;
        }
        c
    }

    /// Fits on `x` and the binary outcomes `y`; boosting records its log-loss on `valid` after
    /// every round when given (for [`best_rounds`]) and keeps the monotone constraint of each
    /// column of `x` (`monotone`: −1, 0, +1 per column, or empty for none; the other learners
    /// do not take constraints).
    pub fn fit(
        &self,
        x: &Matrix,
        y: &[bool],
        valid: Option<(&Matrix, &[bool])>,
        monotone: &[i8],
        seed: u64,
    ) -> icp_ml::Result<Learner> {
        let numeric = |y: &[bool]| -> Vec<f64> { y.iter().map(|&v| v as u8 as f64).collect() };
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
                row_share,
                column_share,
                strongest_columns,
            } => {
                let mut params = GbmParams {
                    n_trees: *n_trees,
                    learning_rate: *learning_rate,
                    max_leaves: *max_leaves,
                    min_data_in_leaf: *min_data_in_leaf,
                    bagging_fraction: *row_share,
                    feature_fraction: *column_share,
                    lambda_l2: 1.0,
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

/// The number of boosting rounds with the lowest mean validation log-loss over `folds` (the
/// boosted-tree models of one candidate, each fitted with its fold's validation set), or
/// `None` when they are not boosted trees. Rounds are chosen on the rolling-origin folds, not
/// by early stopping on the calibration snapshot: one period of a few hundred deals is too noisy
/// (on the demo it stopped a 300-round model at 99 rounds), and the calibration snapshot stays
/// unseen by the fit it calibrates.
pub fn best_rounds<'a>(folds: impl IntoIterator<Item = &'a Learner>) -> Option<usize> {
    let mut total: Vec<f64> = Vec::new();
    for learner in folds {
        let Learner::Gbm { model } = learner else {
            return None;
        };
        let loss = model.valid_loss();
        if total.is_empty() {
            total = loss.to_vec();
        } else {
            total.truncate(loss.len());
            total.iter_mut().zip(loss).for_each(|(t, l)| *t += l);
        }
    }
    let best = total.iter().enumerate().min_by(|a, b| a.1.total_cmp(b.1))?;
    Some(best.0 + 1)
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
    /// The boosted trees cut to their first `rounds` rounds (see [`best_rounds`]); any other
    /// learner, or `None`, as it is.
    pub fn with_rounds(self, rounds: Option<usize>) -> Learner {
        match (self, rounds) {
            (Learner::Gbm { model }, Some(k)) => Learner::Gbm {
                model: model.truncated(k),
            },
            (learner, _) => learner,
        }
    }

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
