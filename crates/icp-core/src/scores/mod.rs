//! The scoring stage: per task a model chosen by rolling-origin cross-validation, calibrated
//! on a later fold and evaluated on the latest period whose labels are complete; then every
//! account of the serving snapshot gets a 0–100 fit score, a tier, its probabilities and its
//! top reasons.
//!
//! Conversion is learned per closed opportunity, won against lost, from its account's
//! features at the opportunity's creation (the feature store's per-opportunity table, built by
//! the same definitions as the snapshots); an account is then scored on its features now, so
//! its `p_convert` is the chance that a deal opened today would be won. Opportunity creation,
//! churn and expansion are learned per account from the stacked monthly snapshots.
//!
//! Splits are by time and purged. For the snapshot tasks, with `w` the task's label window,
//! the held-out test snapshot is the latest with complete labels, the calibration snapshot the
//! latest at least `w` before it, and training uses the snapshots at least `w` before
//! calibration — so no label window used for fitting overlaps the one used for evaluation.
//! For conversion the periods are those the deals closed in (the latest 90 days held out, the
//! 90 days before for calibration, everything earlier for training): a label is known from
//! its close on.
//!
//! Below `min_wins` won or `min_losses` lost deals the conversion model is not trusted: the
//! stage says so and scores accounts by their likeness to current customers ([`lookalike`])
//! instead, labelled `lookalike` in the `model` column.
//!
//! - [`learner`]: the interchangeable candidates and their exact contributions;
//! - [`segmented`]: models of their own for the segments with enough labels;
//! - [`export`]: learning from a flat export with an outcome column;
//! - [`explain`]: permutation importance, partial dependence and interactions for the report;
//! - [`bundle`]: the saved model (recipe, learner, calibration, schema, metrics);
//! - [`reasons`]: contributions summed to source fields, as points and words;
//! - [`lookalike`]: the cold-start score;
//! - [`value`]: deal size, expected value and lifetime value;
//! - [`output`]: `accounts.csv` / `accounts.parquet`;
//! - [`section`]: the report section.

pub mod bundle;
pub mod explain;
pub mod export;
pub mod learner;
pub mod lookalike;
pub mod output;
pub mod reasons;
pub mod section;
pub mod segmented;
#[cfg(test)]
mod tests;
pub mod value;

use crate::Result;
use crate::snapshots::SnapshotTable;
use bundle::{ModelBundle, schema_of};
use icp_features::snapshot::{Purchase, SubscriptionSpan};
use icp_ml::Matrix;
use icp_ml::calibrate::{Calibration, Calibrator};
use icp_ml::evaluate::{
    BinaryMetrics, Decile, ReliabilityBin, binary_metrics, deciles, reliability_curve,
};
use icp_ml::recipe::{ColumnData, Frame, Recipe, RecipeParams};
use learner::Candidate;
use output::{AccountsTable, Values};
use reasons::Reason;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

const DAY_MICROS: i64 = 86_400_000_000;

/// One prediction task: its name, its snapshot label and that label's window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Task {
    pub name: &'static str,
    pub label: &'static str,
    pub window_days: i64,
    /// Output column of its calibrated probability.
    pub column: &'static str,
    /// The label exists only for accounts with an active subscription (churn, expansion), so
    /// other accounts get no probability rather than one learned on nobody like them.
    pub subscribers_only: bool,
    /// Learned per closed opportunity (features at its creation), not per account snapshot.
    pub per_opportunity: bool,
}

/// The classification tasks, conversion first (it drives fit score, tier and reasons).
pub const TASKS: [Task; 4] = [
    Task {
        name: "conversion",
        label: "won",
        window_days: 90,
        column: "p_convert",
        subscribers_only: false,
        per_opportunity: true,
    },
    Task {
        name: "opportunity",
        label: "opportunity_90d",
        window_days: 90,
        column: "p_opportunity",
        subscribers_only: false,
        per_opportunity: false,
    },
    Task {
        name: "churn",
        label: "churned_60d",
        window_days: 60,
        column: "p_churn",
        subscribers_only: true,
        per_opportunity: false,
    },
    Task {
        name: "expansion",
        label: "expanded_90d",
        window_days: 90,
        column: "p_expand",
        subscribers_only: true,
        per_opportunity: false,
    },
];

/// How accounts are cut into tiers A/B/C.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum TierRule {
    /// The top `a` share of accounts by fit score is A, the next `b` share B, the rest C.
    Share { a: f64, b: f64 },
    /// Calibrated P(convert) ≥ `a` is A, ≥ `b` is B, else C.
    Probability { a: f64, b: f64 },
}

/// Parameters of the scoring stage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoresParams {
    /// Fewer won (positive) labelled rows than this → cold start (lookalike).
    pub min_wins: usize,
    /// Fewer lost (negative) labelled rows than this → cold start (lookalike).
    pub min_losses: usize,
    pub tiers: TierRule,
    /// Rolling-origin folds over the training period.
    pub cv_origins: usize,
    pub candidates: Vec<Candidate>,
    /// Monotone constraints of the boosted trees: feature column or source field → +1 / −1.
    pub monotone: BTreeMap<String, i8>,
    /// A segment with at least this many positive and negative training rows is tried with a
    /// model of its own ([`segmented`]).
    pub segment_min_positives: usize,
    pub segment_min_negatives: usize,
    pub seed: u64,
}

impl Default for ScoresParams {
    fn default() -> Self {
        ScoresParams {
            min_wins: 100,
            min_losses: 100,
            tiers: TierRule::Share { a: 0.2, b: 0.3 },
            cv_origins: 3,
            candidates: Candidate::defaults(),
            monotone: BTreeMap::new(),
            segment_min_positives: 200,
            segment_min_negatives: 200,
            seed: 42,
        }
    }
}

impl ScoresParams {
    /// The parameters `[scores]` in icp.toml asks for; errors name the offending key.
    pub fn from_config(c: &icp_data::config::ScoresConfig) -> Result<ScoresParams> {
        use icp_data::config::TierBy;
        let bad = |msg: String| -> crate::Error { icp_data::Error::InvalidArgument(msg).into() };
        let unit = |v: f64| v > 0.0 && v < 1.0;
        let tiers = match c.tier_by {
            TierBy::Share => {
                if !(unit(c.tier_a) && unit(c.tier_b) && c.tier_a + c.tier_b < 1.0) {
                    return Err(bad(format!(
                        "[scores] tier_a = {}, tier_b = {}: expected shares between 0 and 1 \
                         whose sum is below 1 (tier C is the rest)",
                        c.tier_a, c.tier_b
                    )));
                }
                TierRule::Share {
                    a: c.tier_a,
                    b: c.tier_b,
                }
            }
            TierBy::Probability => {
                if !(unit(c.tier_a) && unit(c.tier_b) && c.tier_a > c.tier_b) {
                    return Err(bad(format!(
                        "[scores] tier_a = {}, tier_b = {}: expected probabilities between 0 \
                         and 1 with tier_a above tier_b",
                        c.tier_a, c.tier_b
                    )));
                }
                TierRule::Probability {
                    a: c.tier_a,
                    b: c.tier_b,
                }
            }
        };
        if let Some((name, sign)) = c.monotone.iter().find(|(_, s)| !matches!(s, -1..=1)) {
            return Err(bad(format!(
                "[scores] monotone: {name} = {sign}: expected 1 (more never lowers the score), \
                 -1 (more never raises it) or 0 (free)"
            )));
        }
        Ok(ScoresParams {
            min_wins: c.min_wins,
            min_losses: c.min_losses,
            tiers,
            monotone: c.monotone.clone(),
            segment_min_positives: c.segment_min_positives,
            segment_min_negatives: c.segment_min_negatives,
            ..ScoresParams::default()
        })
    }
}

/// One candidate's rolling-origin cross-validation result.
#[derive(Debug, Clone, Serialize)]
pub struct LeaderboardRow {
    pub model: String,
    pub cv_log_loss: f64,
    pub cv_pr_auc: f64,
    pub cv_roc_auc: f64,
    pub folds: usize,
    pub chosen: bool,
}

/// Observed outcome rate in one tier of the held-out period.
#[derive(Debug, Clone, Serialize)]
pub struct TierRate {
    pub tier: String,
    pub n: usize,
    pub positives: usize,
    pub rate: f64,
}

/// Rows and as-of moments of each part of a task's time split.
#[derive(Debug, Clone, Serialize)]
pub struct Split {
    pub train_as_of: Vec<i64>,
    pub calibration_as_of: i64,
    pub test_as_of: i64,
    pub n_train: usize,
    pub n_calibration: usize,
    pub n_test: usize,
    pub train_positives: usize,
}

/// What was learned and measured for one task.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    pub task: Task,
    pub split: Split,
    pub leaderboard: Vec<LeaderboardRow>,
    /// Cross-validated log-loss of the base rate (no model) over the leaderboard's folds: the
    /// bar a model has to clear before its probabilities say more than the rate alone.
    pub cv_base_rate_log_loss: Option<f64>,
    pub model: String,
    pub calibration: Calibration,
    /// Cross-validated Brier on the calibration fold: none, Platt, isotonic.
    pub calibration_cv_brier: [Option<f64>; 3],
    /// Held-out metrics of the calibrated probabilities.
    pub test: BinaryMetrics,
    /// Held-out Brier before calibration.
    pub test_brier_uncalibrated: f64,
    pub reliability_uncalibrated: Vec<ReliabilityBin>,
    pub reliability: Vec<ReliabilityBin>,
    pub deciles: Vec<Decile>,
    pub tiers: Vec<TierRate>,
    /// Mean |SHAP| (log-odds) per source field on the held-out rows, largest first.
    pub importance: Vec<(String, f64)>,
    /// Standardised coefficients per recipe column (logistic models).
    pub coefficients: Vec<(String, f64)>,
    /// Held-out ROC-AUC lost when each of the top fields is shuffled, with 95% intervals.
    pub permutation: Vec<explain::PermutationImportance>,
    /// Partial dependence and ICE curves of the top numeric columns.
    pub partial_dependence: Vec<explain::PartialDependence>,
    /// Strongest SHAP interactions between source fields (tree models; the global model's).
    pub interactions: Vec<explain::Interaction>,
    /// Each segment's training labels and whether it has a model of its own (`None` without
    /// a segment feature).
    pub segment_models: Option<segmented::SegmentModels>,
    /// Per-deal tasks: each held-out deal's id, calibrated probability and outcome, so the
    /// evaluation can be reproduced (and compared with a ground truth).
    pub held_out: Vec<HeldOut>,
}

impl TaskReport {
    /// The chosen model's cross-validated log-loss and the base rate's, when the model did
    /// not beat the rate: a weak signal, whose probabilities say little beyond the rate.
    pub fn weak_signal(&self) -> Option<(f64, f64)> {
        let chosen = self.leaderboard.iter().find(|r| r.chosen)?;
        let base = self.cv_base_rate_log_loss?;
        (chosen.cv_log_loss >= base).then_some((chosen.cv_log_loss, base))
    }
}

/// One held-out row of a per-deal task.
#[derive(Debug, Clone, Serialize)]
pub struct HeldOut {
    pub id: String,
    pub probability: f64,
    pub outcome: bool,
}

/// A task that could not be trained, and why.
#[derive(Debug, Clone, Serialize)]
pub struct SkippedTask {
    pub task: String,
    pub reason: String,
}

/// Why an account scores as it does.
#[derive(Debug, Clone, Serialize)]
pub struct AccountReasons {
    pub account_id: String,
    pub fit_score: f64,
    pub tier: String,
    pub p_convert: f64,
    pub model: String,
    pub up: Vec<Reason>,
    pub down: Vec<Reason>,
}

/// What the scoring stage produced.
#[derive(Debug, Clone, Serialize)]
pub struct ScoresReport {
    /// As-of moment of the serving snapshot (microseconds).
    pub as_of: i64,
    pub accounts: usize,
    /// The conversion model's name, `lookalike`, or `none` (no model and no customer).
    pub mode: String,
    /// The plain-language cold-start notice, when the lookalike score is used.
    pub cold_start: Option<String>,
    pub tasks: Vec<TaskReport>,
    pub skipped: Vec<SkippedTask>,
    /// Deal-size model's held-out accuracy, when one was learned.
    pub deal_size: Option<value::DealSizeReport>,
    /// What the lifetime values rest on, when there are subscriptions.
    pub lifetime: Option<value::LifetimeReport>,
    /// What the transactional lifetime values rest on, when there are purchases.
    pub transactions: Option<value::TransactionReport>,
}

/// The stage's full result: the report, the per-account table and reasons, and the bundles.
pub struct ScoresOutcome {
    pub report: ScoresReport,
    pub accounts: AccountsTable,
    pub reasons: Vec<AccountReasons>,
    pub bundles: Vec<ModelBundle>,
    pub deal_size: Option<value::DealSizeBundle>,
}

/// Rows of `table` whose `label` is known, grouped by as-of moment (ascending).
fn labelled_by_as_of(table: &SnapshotTable, label: &[f64]) -> BTreeMap<i64, Vec<usize>> {
    let mut out: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (r, (&t, &y)) in table.as_of.iter().zip(label).enumerate() {
        if y.is_finite() {
            out.entry(t).or_default().push(r);
        }
    }
    out
}

/// The purged time split of one task, or why there is none.
fn split(
    by_as_of: &BTreeMap<i64, Vec<usize>>,
    window: i64,
) -> std::result::Result<(Vec<i64>, i64, i64), String> {
    let times: Vec<i64> = by_as_of.keys().copied().collect();
    let Some(&test) = times.last() else {
        return Err("no snapshot has a complete label window yet".into());
    };
    let Some(&cal) = times.iter().rev().find(|&&t| t + window <= test) else {
        return Err(format!(
            "only {} snapshot(s) with complete labels: a calibration snapshot one label window before the test one is needed",
            times.len()
        ));
    };
    let train: Vec<i64> = times
        .iter()
        .copied()
        .filter(|&t| t + window <= cal)
        .collect();
    if train.is_empty() {
        return Err(
            "no training snapshot one label window before the calibration snapshot: more history is needed"
                .into(),
        );
    }
    Ok((train, cal, test))
}

fn rows_at(by_as_of: &BTreeMap<i64, Vec<usize>>, times: &[i64]) -> Vec<usize> {
    times
        .iter()
        .flat_map(|t| by_as_of.get(t).cloned().unwrap_or_default())
        .collect()
}

/// `frame` without the columns that have no value at all (nothing to learn from them; the
/// recipe ignores them when scoring, and the bundle's schema still lists them).
/// Sets `NaN` for every row whose `active_subscription` is not 1 (no-op without the column).
fn mask_non_subscribers(frame: &Frame, p: &mut [f64]) {
    if let Some(ColumnData::Numeric(active)) = frame.column("active_subscription").map(|c| c.data())
    {
        for (v, &a) in p.iter_mut().zip(active) {
            if a != 1.0 {
                *v = f64::NAN;
            }
        }
    }
}

fn without_empty_columns(frame: &Frame) -> Result<Frame> {
    let kept: Vec<_> = frame
        .columns()
        .iter()
        .filter(|c| match c.data() {
            ColumnData::Numeric(v) => v.iter().any(|x| !x.is_nan()),
            ColumnData::Categorical(v) => v.iter().any(Option::is_some),
        })
        .cloned()
        .collect();
    Ok(Frame::new(kept)?)
}

/// The monotone constraint of each output column of `recipe`: a numeric column takes the
/// sign configured for its input column or, failing that, its source field (the recipe's
/// transforms of a number all increase with it); indicators and encodings stay free.
fn monotone_signs(recipe: &Recipe, monotone: &BTreeMap<String, i8>) -> Vec<i8> {
    if monotone.is_empty() {
        return Vec::new();
    }
    recipe
        .output_columns()
        .iter()
        .map(|c| match c.kind {
            icp_ml::recipe::OutputKind::Numeric => monotone
                .get(&c.input)
                .or_else(|| monotone.get(&c.source))
                .copied()
                .unwrap_or(0),
            _ => 0,
        })
        .collect()
}

/// Every configured monotone name must be a feature column or source field of `frame`.
fn check_monotone(frame: &Frame, monotone: &BTreeMap<String, i8>) -> Result<()> {
    let known = |name: &String| {
        frame
            .columns()
            .iter()
            .any(|c| c.name() == name || c.source() == name)
    };
    if let Some(name) = monotone.keys().find(|n| !known(n)) {
        let mut sources: Vec<&str> = frame.columns().iter().map(|c| c.source()).collect();
        sources.dedup();
        return Err(icp_data::Error::InvalidArgument(format!(
            "[scores] monotone: `{name}` is neither a feature column nor a source field; \
             expected one of {}",
            sources.join(", ")
        ))
        .into());
    }
    Ok(())
}

/// Fits the recipe on `train` rows (target encodings learn `label`) and returns it with the
/// training matrix.
fn fit_recipe_to(
    frame: &Frame,
    label: &[f64],
    train: &[usize],
    seed: u64,
) -> Result<(Recipe, Matrix)> {
    let f = without_empty_columns(&frame.select_rows(train)?)?;
    let target: Vec<f64> = train.iter().map(|&r| label[r]).collect();
    Ok(Recipe::fit(
        &f,
        Some(&target),
        &RecipeParams::default(),
        seed,
    )?)
}

/// Fits the recipe on `train` rows and returns it with the training matrix and outcomes.
fn fit_recipe(
    frame: &Frame,
    label: &[f64],
    train: &[usize],
    seed: u64,
) -> Result<(Recipe, Matrix, Vec<bool>)> {
    let (recipe, x) = fit_recipe_to(frame, label, train, seed)?;
    Ok((recipe, x, outcomes(label, train)))
}

fn outcomes(label: &[f64], rows: &[usize]) -> Vec<bool> {
    rows.iter().map(|&r| label[r] > 0.5).collect()
}

/// The rolling-origin folds over the training periods, latest first: per origin, the rows of
/// the periods at least one label window before it (to fit) and the origin's rows (to
/// validate).
fn cv_folds(
    by_as_of: &BTreeMap<i64, Vec<usize>>,
    train_times: &[i64],
    window: i64,
    cv_origins: usize,
) -> Vec<(Vec<usize>, Vec<usize>)> {
    train_times
        .iter()
        .rev()
        .copied()
        .filter(|&o| train_times.iter().any(|&t| t + window <= o))
        .take(cv_origins)
        .map(|origin| {
            let fit_times: Vec<i64> = train_times
                .iter()
                .copied()
                .filter(|&t| t + window <= origin)
                .collect();
            (rows_at(by_as_of, &fit_times), rows_at(by_as_of, &[origin]))
        })
        .collect()
}

/// Rolling-origin cross-validation of every candidate over the training periods' `folds`,
/// and the mean log-loss over the same folds of the reference that knows no features: every
/// validation row gets the positive rate of the fold's fit rows.
fn leaderboard(
    frame: &Frame,
    label: &[f64],
    folds: &[(Vec<usize>, Vec<usize>)],
    params: &ScoresParams,
) -> Result<(Vec<LeaderboardRow>, Option<f64>)> {
    let mut sums = vec![(0.0, 0.0, 0.0, 0usize); params.candidates.len()];
    let mut base_rate = (0.0, 0usize);
    for (fit_rows, valid_rows) in folds {
        let y_valid = outcomes(label, valid_rows);
        let pos = y_valid.iter().filter(|&&v| v).count();
        if pos == 0 || pos == y_valid.len() {
            continue;
        }
        let Ok((recipe, x, y)) = fit_recipe(frame, label, fit_rows, params.seed) else {
            continue;
        };
        if y.iter().all(|&v| v) || !y.iter().any(|&v| v) {
            continue;
        }
        let rate = y.iter().filter(|&&v| v).count() as f64 / y.len() as f64;
        base_rate.0 += icp_ml::evaluate::log_loss(&vec![rate; y_valid.len()], &y_valid)?;
        base_rate.1 += 1;
        let xv = recipe.transform(&frame.select_rows(valid_rows)?)?;
        let signs = monotone_signs(&recipe, &params.monotone);
        for (c, cand) in params.candidates.iter().enumerate() {
            let Ok(model) = cand.fit(&x, &y, None, &signs, params.seed) else {
                continue;
            };
            let m = binary_metrics(&model.probability(&xv)?, &y_valid)?;
            sums[c].0 += m.log_loss;
            sums[c].1 += m.pr_auc;
            sums[c].2 += m.roc_auc;
            sums[c].3 += 1;
        }
    }
    let mut rows: Vec<LeaderboardRow> = params
        .candidates
        .iter()
        .zip(sums)
        .map(|(c, (ll, pr, roc, n))| {
            let mean = |s: f64| if n > 0 { s / n as f64 } else { f64::NAN };
            LeaderboardRow {
                model: c.name(),
                cv_log_loss: mean(ll),
                cv_pr_auc: mean(pr),
                cv_roc_auc: mean(roc),
                folds: n,
                chosen: false,
            }
        })
        .collect();
    // Lowest log-loss wins; higher PR-AUC breaks ties; with no usable fold, the first.
    let best = (0..rows.len())
        .filter(|&i| rows[i].folds > 0)
        .min_by(|&a, &b| {
            rows[a]
                .cv_log_loss
                .total_cmp(&rows[b].cv_log_loss)
                .then(rows[b].cv_pr_auc.total_cmp(&rows[a].cv_pr_auc))
        })
        .unwrap_or(0);
    if let Some(r) = rows.get_mut(best) {
        r.chosen = true;
    }
    let base_rate = (base_rate.1 > 0).then(|| base_rate.0 / base_rate.1 as f64);
    Ok((rows, base_rate))
}

/// Percentile of each value among `values` (average rank of ties), 0–100.
pub fn percentile_scores(values: &[f64]) -> Vec<f64> {
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut out = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0;
        let score = if n > 1 {
            100.0 * mid / (n - 1) as f64
        } else {
            50.0
        };
        for &k in &order[i..=j] {
            out[k] = score;
        }
        i = j + 1;
    }
    out
}

/// The fit score a raw value would get among `sorted_raw` (ascending): its percentile.
fn percentile_of(sorted_raw: &[f64], v: f64) -> f64 {
    let n = sorted_raw.len();
    if n < 2 {
        return 50.0;
    }
    let below = sorted_raw.partition_point(|&x| x < v);
    let upto = sorted_raw.partition_point(|&x| x <= v);
    let mid = (below + upto) as f64 / 2.0 - 0.5;
    (100.0 * mid.clamp(0.0, (n - 1) as f64) / (n - 1) as f64).clamp(0.0, 100.0)
}

/// Tier of each account from its fit score (0–100) and calibrated probability.
pub fn tiers(rule: TierRule, fit_score: &[f64], p: &[f64]) -> Vec<&'static str> {
    fit_score
        .iter()
        .zip(p)
        .map(|(&s, &p)| match rule {
            TierRule::Share { a, b } => {
                if s >= 100.0 * (1.0 - a) {
                    "A"
                } else if s >= 100.0 * (1.0 - a - b) {
                    "B"
                } else {
                    "C"
                }
            }
            TierRule::Probability { a, b } => {
                if p >= a {
                    "A"
                } else if p >= b {
                    "B"
                } else {
                    "C"
                }
            }
        })
        .collect()
}

fn tier_rates(tiers: &[&str], y: &[bool]) -> Vec<TierRate> {
    ["A", "B", "C"]
        .into_iter()
        .map(|t| {
            let rows: Vec<bool> = tiers
                .iter()
                .zip(y)
                .filter(|(x, _)| **x == t)
                .map(|(_, &v)| v)
                .collect();
            let positives = rows.iter().filter(|&&v| v).count();
            TierRate {
                tier: t.to_string(),
                n: rows.len(),
                positives,
                rate: if rows.is_empty() {
                    f64::NAN
                } else {
                    positives as f64 / rows.len() as f64
                },
            }
        })
        .collect()
}

/// Mean |contribution| per source field, largest first.
fn importance(recipe: &Recipe, contributions: &Matrix) -> Vec<(String, f64)> {
    let n = contributions.n_rows().max(1) as f64;
    let mut totals: Vec<(String, f64)> =
        reasons::by_source(recipe, &vec![0.0; contributions.n_cols()]);
    for r in 0..contributions.n_rows() {
        let row = reasons::by_source(recipe, contributions.row(r).unwrap_or(&[]));
        for (t, (_, v)) in totals.iter_mut().zip(row) {
            t.1 += v.abs() / n;
        }
    }
    totals.sort_by(|a, b| b.1.total_cmp(&a.1));
    totals
}

/// Closed rows of a per-opportunity table grouped by the `window`-long period they closed in,
/// counted back from `end` (the latest period is `[end − window, end)`); each key is its
/// period's start. Rows still open, or without a known label, are left out.
fn labelled_by_close(
    table: &SnapshotTable,
    label: &[f64],
    window: i64,
    end: i64,
) -> BTreeMap<i64, Vec<usize>> {
    let mut out: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (r, (&closed, &y)) in table.closed_at.iter().zip(label).enumerate() {
        if !(closed.is_finite() && y.is_finite()) {
            continue;
        }
        let back = (end - closed as i64).max(1);
        let k = (back - 1) / window;
        out.entry(end - (k + 1) * window).or_default().push(r);
    }
    out
}

/// The rows a task learns from: its table's features, its label and the labelled rows by
/// period; `Err` says why the task has none.
type TaskRows<'a> = (
    &'a Frame,
    &'a [f64],
    BTreeMap<i64, Vec<usize>>,
    &'a [String],
);

fn task_rows<'a>(
    task: Task,
    snapshots: &'a SnapshotTable,
    opportunities: Option<&'a SnapshotTable>,
    end: i64,
) -> std::result::Result<TaskRows<'a>, String> {
    let window = task.window_days * DAY_MICROS;
    if task.per_opportunity {
        let Some(opps) = opportunities else {
            return Err("the feature store has no per-opportunity table".into());
        };
        let Some(label) = opps.label(task.label) else {
            return Err(format!(
                "the per-opportunity table has no `label_{}` column",
                task.label
            ));
        };
        return Ok((
            &opps.features,
            label,
            labelled_by_close(opps, label, window, end),
            &opps.row_ids,
        ));
    }
    let Some(label) = snapshots.label(task.label) else {
        return Err(format!(
            "the snapshots have no `label_{}` column",
            task.label
        ));
    };
    Ok((
        &snapshots.features,
        label,
        labelled_by_as_of(snapshots, label),
        &[],
    ))
}

/// Trains, calibrates and evaluates one task on `features` (rows grouped by period in
/// `by_as_of`; `row_ids` name the rows of per-deal tasks, empty otherwise); `Err` carries the
/// reason it was skipped.
fn train_task(
    (features, label, by_as_of, row_ids): &TaskRows<'_>,
    task: Task,
    params: &ScoresParams,
) -> Result<std::result::Result<(TaskReport, ModelBundle), String>> {
    let (features, label) = (*features, *label);
    let window = task.window_days * DAY_MICROS;
    let (train_times, cal_time, test_time) = match split(by_as_of, window) {
        Ok(s) => s,
        Err(reason) => return Ok(Err(reason)),
    };
    let train_rows = rows_at(by_as_of, &train_times);
    let cal_rows = rows_at(by_as_of, &[cal_time]);
    let test_rows = rows_at(by_as_of, &[test_time]);
    for (part, rows) in [
        ("training", &train_rows),
        ("calibration", &cal_rows),
        ("test", &test_rows),
    ] {
        let y = outcomes(label, rows);
        let pos = y.iter().filter(|&&v| v).count();
        if pos == 0 || pos == y.len() {
            return Ok(Err(format!(
                "the {part} period has only one outcome ({pos} positive of {} rows)",
                y.len()
            )));
        }
    }
    let folds = cv_folds(by_as_of, &train_times, window, params.cv_origins);
    let (board, cv_base_rate_log_loss) = leaderboard(features, label, &folds, params)?;
    let chosen = board.iter().position(|r| r.chosen).unwrap_or(0);
    let candidate = &params.candidates[chosen];
    let mut segment_models =
        segmented::trial(features, label, &train_rows, &folds, candidate, params)?;
    let (recipe, x, y) = fit_recipe(features, label, &train_rows, params.seed)?;
    let cal_frame = features.select_rows(&cal_rows)?;
    let x_cal = recipe.transform(&cal_frame)?;
    let y_cal = outcomes(label, &cal_rows);
    // The calibration snapshot is also the early-stopping fold of the boosted trees. The
    // calibrator learns from the predictions of the model fitted before it; the final model
    // is that one refitted on training and calibration rows together (more recent data, same
    // settings), and the held-out period, which neither saw, measures the pair. Segments with
    // a model of their own go through the same steps on their rows.
    let signs = monotone_signs(&recipe, &params.monotone);
    let segment_column = segmented::segment_column(&recipe);
    let adopted = match (&mut segment_models, segment_column) {
        (Some(m), Some(_)) => m.adopted(),
        (Some(m), None) => {
            // The recipe dropped the segment field (one segment holds nearly every row):
            // nothing to credit a segment model's base value to, so the global model scores all.
            m.segments.iter_mut().for_each(|s| s.own_model = false);
            Vec::new()
        }
        (None, _) => Vec::new(),
    };
    let fits = segmented::fit_segments(
        &adopted,
        &segmented::FitData {
            x: &x,
            y: &y,
            segment: &segmented::segments_of(features, &train_rows),
            x_cal: &x_cal,
            y_cal: &y_cal,
            segment_cal: &segmented::segments_of(features, &cal_rows),
        },
        candidate,
        &signs,
        params.seed,
    )?;
    let first = candidate.fit(&x, &y, Some((&x_cal, &y_cal)), &signs, params.seed)?;
    let first_routed = segmented::Routed {
        global: &first,
        segments: &fits.first,
        segment_column,
    };
    let p_cal = first_routed.probability(&x_cal, &segmented::routes(&cal_frame, &fits.first))?;
    let calibrator = Calibrator::fit(&p_cal, &y_cal, params.seed)?;
    let x_fit = stack(&x, &x_cal)?;
    let y_fit = [y.as_slice(), y_cal.as_slice()].concat();
    let model = candidate.refit(&first, &x_fit, &y_fit, &signs, params.seed)?;
    let segment_learners = fits.kept;
    let routed = segmented::Routed {
        global: &model,
        segments: &segment_learners,
        segment_column,
    };
    let test_frame = features.select_rows(&test_rows)?;
    let x_test = recipe.transform(&test_frame)?;
    let routes_test = segmented::routes(&test_frame, &segment_learners);
    let p_raw_test = routed.probability(&x_test, &routes_test)?;
    let p_test = calibrator.apply(&p_raw_test)?;
    let y_test = outcomes(label, &test_rows);
    let test = binary_metrics(&p_test, &y_test)?;
    let fit_test = percentile_scores(&routed.raw(&x_test, &routes_test)?);
    let contributions = routed.contributions(&x_test, &routes_test)?;
    let by_field = importance(&recipe, &contributions.values);
    let score = |f: &Frame| -> Result<Vec<f64>> {
        let x = recipe.transform(f)?;
        let p = routed.probability(&x, &segmented::routes(f, &segment_learners))?;
        Ok(calibrator.apply(&p)?)
    };
    let top_fields: Vec<String> = by_field.iter().take(8).map(|(f, _)| f.clone()).collect();
    let permutation =
        explain::permutation_importance(&score, &test_frame, &y_test, &top_fields, params.seed)?;
    let mut partial_dependence = Vec::new();
    for field in top_fields.iter().take(3) {
        let numeric = test_frame
            .columns()
            .iter()
            .find(|c| c.source() == field && matches!(c.data(), ColumnData::Numeric(_)));
        if let Some(c) = numeric
            && let Some(pd) = explain::partial_dependence(&score, &test_frame, c.name())?
        {
            partial_dependence.push(pd);
        }
    }
    let per_column: Vec<f64> = (0..contributions.values.n_cols())
        .map(|j| {
            (0..contributions.values.n_rows())
                .map(|r| contributions.values.get(r, j).unwrap_or(0.0).abs())
                .sum::<f64>()
        })
        .collect();
    let interactions = explain::interactions(&recipe, &x_test, &per_column, &model)?;
    let report = TaskReport {
        task,
        split: Split {
            train_as_of: train_times,
            calibration_as_of: cal_time,
            test_as_of: test_time,
            n_train: train_rows.len(),
            n_calibration: cal_rows.len(),
            n_test: test_rows.len(),
            train_positives: y.iter().filter(|&&v| v).count(),
        },
        leaderboard: board,
        cv_base_rate_log_loss,
        model: candidate.name(),
        calibration: calibrator.method(),
        calibration_cv_brier: calibrator.cv_brier,
        test_brier_uncalibrated: icp_ml::evaluate::brier_score(&p_raw_test, &y_test)?,
        reliability_uncalibrated: reliability_curve(&p_raw_test, &y_test, 10)?,
        reliability: reliability_curve(&p_test, &y_test, 10)?,
        deciles: deciles(&p_test, &y_test, 10)?,
        tiers: tier_rates(&tiers(params.tiers, &fit_test, &p_test), &y_test),
        importance: by_field,
        permutation,
        partial_dependence,
        interactions,
        segment_models,
        held_out: test_rows
            .iter()
            .zip(&p_test)
            .zip(&y_test)
            .filter_map(|((&r, &p), &y)| {
                row_ids.get(r).map(|id| HeldOut {
                    id: id.clone(),
                    probability: p,
                    outcome: y,
                })
            })
            .collect(),
        coefficients: model
            .standardised_coefficients()
            .map(|c| {
                recipe
                    .output_columns()
                    .iter()
                    .map(|o| o.name.clone())
                    .zip(c.iter().copied())
                    .collect()
            })
            .unwrap_or_default(),
        test,
    };
    let bundle = ModelBundle {
        format_version: bundle::BUNDLE_FORMAT_VERSION,
        task: task.name.to_string(),
        label: task.label.to_string(),
        model_name: candidate.name(),
        schema: schema_of(features),
        recipe,
        learner: model,
        segment_learners,
        calibrator,
        metrics: serde_json::json!({
            "test": report.test,
            "leaderboard": report.leaderboard,
            "split": report.split,
        }),
    };
    Ok(Ok((report, bundle)))
}

/// The rows of `a` followed by those of `b` (same columns).
fn stack(a: &Matrix, b: &Matrix) -> Result<Matrix> {
    Ok(Matrix::new(
        [a.as_slice(), b.as_slice()].concat(),
        a.n_rows() + b.n_rows(),
        a.n_cols(),
    )?)
}

/// Counts won and lost deals (labelled rows of the conversion label).
fn conversion_label_counts(opportunities: Option<&SnapshotTable>) -> (usize, usize) {
    let label = opportunities
        .and_then(|t| t.label(TASKS[0].label))
        .unwrap_or(&[]);
    let known = label.iter().filter(|v| v.is_finite());
    let wins = known.clone().filter(|&&v| v > 0.5).count();
    (wins, known.count() - wins)
}

/// What customers did that their lifetime value is learned from.
#[derive(Debug, Clone, Copy, Default)]
pub struct CustomerHistory<'a> {
    /// Each customer's subscription life.
    pub subscription_spans: &'a [SubscriptionSpan],
    /// Every purchase, by account and time.
    pub purchases: &'a [Purchase],
}

/// Runs the stage on the stacked snapshots, the per-opportunity table and the customers'
/// histories: trains every task, scores the serving (latest) snapshot and returns the report,
/// the accounts table and the reasons.
pub fn run(
    table: &SnapshotTable,
    opportunities: Option<&SnapshotTable>,
    history: &CustomerHistory,
    params: &ScoresParams,
) -> Result<ScoresOutcome> {
    let Some(&serving_as_of) = table.as_of.iter().max() else {
        return Err(icp_data::Error::InvalidArgument(
            "the scoring stage needs at least one feature snapshot, found none".into(),
        )
        .into());
    };
    let serving: Vec<usize> = (0..table.n_rows())
        .filter(|&r| table.as_of[r] == serving_as_of)
        .collect();
    let frame = table.features.select_rows(&serving)?;
    let ids: Vec<String> = serving
        .iter()
        .map(|&r| table.account_ids[r].clone())
        .collect();
    check_monotone(&table.features, &params.monotone)?;
    let (wins, losses) = conversion_label_counts(opportunities);
    let mut cold_start = (wins < params.min_wins || losses < params.min_losses).then(|| {
        format!(
            "Not enough history to train a conversion model: {wins} won and {losses} lost \
             deals, below the minimum of {} and {}. Fit scores are a lookalike score \
             (similarity to current customers), not a trained prediction.",
            params.min_wins, params.min_losses
        )
    });
    let mut tasks = Vec::new();
    let mut skipped = Vec::new();
    let mut bundles = Vec::new();
    let mut accounts = AccountsTable::default();
    accounts.set(
        "account_id",
        Values::Text(ids.iter().cloned().map(Some).collect()),
    )?;
    let mut probabilities: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for task in TASKS {
        if task.name == "conversion" && cold_start.is_some() {
            skipped.push(SkippedTask {
                task: task.name.into(),
                reason: "cold start: too few labelled outcomes".into(),
            });
            continue;
        }
        let trained = match task_rows(task, table, opportunities, serving_as_of) {
            Ok(rows) => train_task(&rows, task, params)?,
            Err(reason) => Err(reason),
        };
        match trained {
            Ok((report, bundle)) => {
                let mut p = bundle.score(&frame)?.probability;
                if task.subscribers_only {
                    mask_non_subscribers(&frame, &mut p);
                }
                probabilities.insert(task.column, p);
                tasks.push(report);
                bundles.push(bundle);
            }
            Err(reason) => skipped.push(SkippedTask {
                task: task.name.into(),
                reason,
            }),
        }
    }
    // Fit score, tier and reasons: from the conversion model, else the lookalike score.
    let conversion = bundles.iter().find(|b| b.task == "conversion");
    let (fit_score, p_convert, mode, row_models, tier_rule, contributions, raw, base, recipe) =
        match conversion {
            Some(b) => {
                let scored = b.score(&frame)?;
                let c = b.contributions(&scored)?;
                let row_models = b.row_model_names(&scored);
                (
                    percentile_scores(&scored.raw),
                    scored.probability,
                    b.model_name.clone(),
                    row_models,
                    params.tiers,
                    c.values,
                    scored.raw,
                    c.base,
                    Some(b.recipe.clone()),
                )
            }
            None => {
                let share = match params.tiers {
                    TierRule::Share { a, b } => TierRule::Share { a, b },
                    TierRule::Probability { .. } => TierRule::Share { a: 0.2, b: 0.3 },
                };
                let customers = lookalike::best_customers(&frame);
                // No target here: every categorical column is one-hot encoded.
                let mut rp = RecipeParams::default();
                rp.max_onehot_levels = frame.n_rows().max(rp.max_onehot_levels);
                let profile_columns = lookalike::profile_columns(&frame);
                let profile = Frame::new(
                    frame
                        .columns()
                        .iter()
                        .filter(|c| profile_columns.iter().any(|n| n == c.name()))
                        .cloned()
                        .collect(),
                )
                .map_err(crate::Error::from);
                let fitted = profile
                    .and_then(|f| without_empty_columns(&f))
                    .and_then(|f| {
                        let (recipe, x) = Recipe::fit(&f, None, &rp, params.seed)?;
                        Ok((recipe, lookalike::score(&x, &customers)?))
                    });
                let (recipe, look) = match fitted {
                    Ok((recipe, look)) if !customers.is_empty() => (Some(recipe), look),
                    other => {
                        let why = match other {
                            Err(e) => format!("the lookalike score could not be computed: {e}"),
                            Ok(_) => "no account has won a deal or holds a subscription yet, \
                                      so there is nothing to look alike to"
                                .to_string(),
                        };
                        cold_start = Some(format!(
                            "{} Also {why}: fit scores are empty.",
                            cold_start.unwrap_or_default()
                        ));
                        let n = ids.len();
                        let nothing = lookalike::Lookalike {
                            similarity: vec![f64::NAN; n],
                            contributions: Matrix::new(vec![], n, 0)?,
                            base: f64::NAN,
                        };
                        (None, nothing)
                    }
                };
                let mode = if look.similarity.iter().all(|v| v.is_nan()) {
                    "none"
                } else {
                    "lookalike"
                };
                (
                    percentile_scores(&look.similarity),
                    vec![f64::NAN; ids.len()],
                    mode.to_string(),
                    vec![mode.to_string(); ids.len()],
                    share,
                    look.contributions,
                    look.similarity,
                    look.base,
                    recipe,
                )
            }
        };
    // With neither a model nor customers to look alike to, scores stay empty.
    let fit_score: Vec<f64> = if raw.iter().all(|v| v.is_nan()) {
        vec![f64::NAN; raw.len()]
    } else {
        fit_score
    };
    let tier: Vec<&str> = tiers(tier_rule, &fit_score, &p_convert)
        .into_iter()
        .zip(&fit_score)
        .map(|(t, s)| {
            if s.is_nan() && p_convert.iter().all(|p| p.is_nan()) {
                ""
            } else {
                t
            }
        })
        .collect();
    let explained = match &recipe {
        Some(recipe) => row_reasons(recipe, &contributions, &raw, base, &fit_score, &frame),
        None => vec![None; ids.len()],
    };
    let account_reasons: Vec<AccountReasons> = explained
        .iter()
        .enumerate()
        .filter_map(|(r, e)| {
            let (up, down) = e.clone()?;
            Some(AccountReasons {
                account_id: ids[r].clone(),
                fit_score: fit_score[r],
                tier: tier[r].to_string(),
                p_convert: p_convert[r],
                model: row_models[r].clone(),
                up,
                down,
            })
        })
        .collect();
    accounts.set(
        "fit_score",
        Values::Number(fit_score.iter().map(|s| s.round()).collect()),
    )?;
    accounts.set(
        "tier",
        Values::Text(
            tier.iter()
                .map(|t| (!t.is_empty()).then(|| t.to_string()))
                .collect(),
        ),
    )?;
    for task in TASKS {
        let v = if task.name == "conversion" {
            p_convert.clone()
        } else {
            probabilities
                .get(task.column)
                .cloned()
                .unwrap_or_else(|| vec![f64::NAN; ids.len()])
        };
        accounts.set(task.column, Values::Number(v))?;
    }
    // Value: deal size and expected value from the deals, lifetime value of subscribers.
    let mut deal_size = None;
    let mut deal_size_report = None;
    let mut predicted_size = vec![f64::NAN; ids.len()];
    if let Some(opps) = opportunities {
        match value::train_deal_size(opps, serving_as_of, params.seed)? {
            Ok((bundle, report)) => {
                predicted_size = bundle.predict(&frame)?;
                deal_size = Some(bundle);
                deal_size_report = Some(report);
            }
            Err(reason) => skipped.push(SkippedTask {
                task: "deal size".into(),
                reason,
            }),
        }
    }
    let expected_value: Vec<f64> = p_convert
        .iter()
        .zip(&predicted_size)
        .map(|(p, v)| p * v)
        .collect();
    let (mut ltv, lifetime) = match value::lifetime_values(history.subscription_spans, &frame)? {
        Ok((ltv, report)) => (ltv, Some(report)),
        Err(reason) => {
            skipped.push(SkippedTask {
                task: "lifetime value (subscriptions)".into(),
                reason,
            });
            (vec![f64::NAN; ids.len()], None)
        }
    };
    let transactions = match value::transaction_values(history.purchases, &ids, serving_as_of)? {
        Ok((values, report)) => {
            for (total, v) in ltv.iter_mut().zip(values) {
                if v.is_finite() {
                    *total = if total.is_finite() { *total + v } else { v };
                }
            }
            Some(report)
        }
        Err(reason) => {
            skipped.push(SkippedTask {
                task: "lifetime value (purchases)".into(),
                reason,
            });
            None
        }
    };
    accounts.set("predicted_deal_size", Values::Number(predicted_size))?;
    accounts.set("expected_value", Values::Number(expected_value))?;
    accounts.set("ltv", Values::Number(ltv))?;
    accounts.set(
        "model",
        Values::Text(row_models.iter().cloned().map(Some).collect()),
    )?;
    reason_columns(&mut accounts, &explained)?;
    Ok(ScoresOutcome {
        report: ScoresReport {
            as_of: serving_as_of,
            accounts: ids.len(),
            mode,
            cold_start,
            tasks,
            skipped,
            deal_size: deal_size_report,
            lifetime,
            transactions,
        },
        accounts,
        reasons: account_reasons,
        bundles,
        deal_size,
    })
}

/// The top three reasons up and down of each row of `frame` that has a score (`None` for the
/// others): its contributions (raw scale, on `base`) summed to source fields, in points.
fn row_reasons(
    recipe: &Recipe,
    contributions: &Matrix,
    raw: &[f64],
    base: f64,
    score: &[f64],
    frame: &Frame,
) -> Vec<Option<(Vec<Reason>, Vec<Reason>)>> {
    let mut sorted_raw = raw.to_vec();
    sorted_raw.sort_by(f64::total_cmp);
    let base_score = percentile_of(&sorted_raw, base);
    (0..score.len())
        .map(|r| {
            if !score[r].is_finite() {
                return None;
            }
            let by_field = reasons::by_source(recipe, contributions.row(r).unwrap_or(&[]));
            let points = reasons::to_points(&by_field, raw[r], base, score[r], base_score);
            Some(reasons::top_reasons(&points, frame, r, 3))
        })
        .collect()
}

/// The columns `reason_1_up` … `reason_3_down`, empty where a row has no reasons.
fn reason_columns(
    table: &mut AccountsTable,
    explained: &[Option<(Vec<Reason>, Vec<Reason>)>],
) -> Result<()> {
    for (dir, pick) in [("up", true), ("down", false)] {
        for k in 0..3 {
            let col = explained
                .iter()
                .map(|e| {
                    let (up, down) = e.as_ref()?;
                    let list = if pick { up } else { down };
                    list.get(k).map(|r| r.text.clone())
                })
                .collect();
            table.set(&format!("reason_{}_{dir}", k + 1), Values::Text(col))?;
        }
    }
    Ok(())
}

/// Writes `accounts.csv`, `accounts.parquet`, `reasons.json` and `models/<task>.json` into
/// `dir`.
pub fn write(outcome: &ScoresOutcome, dir: &Path) -> Result<()> {
    outcome.accounts.write_csv(&dir.join("accounts.csv"))?;
    outcome
        .accounts
        .write_parquet(&dir.join("accounts.parquet"))?;
    let models = dir.join("models");
    std::fs::create_dir_all(&models).map_err(|e| icp_data::Error::io(&models, e))?;
    for b in &outcome.bundles {
        b.save(&models.join(format!("{}.json", b.task)))?;
    }
    if let Some(b) = &outcome.deal_size {
        b.save(&models.join("deal_size.json"))?;
    }
    let path = dir.join("reasons.json");
    let text =
        serde_json::to_string(&outcome.reasons).map_err(|e| icp_data::Error::write(&path, e))?;
    std::fs::write(&path, text).map_err(|e| icp_data::Error::io(&path, e))?;
    let path = dir.join("scores.json");
    let text = serde_json::to_string_pretty(&outcome.report)
        .map_err(|e| icp_data::Error::write(&path, e))?;
    std::fs::write(&path, text).map_err(|e| icp_data::Error::io(&path, e).into())
}

/// The reasons of one account from a finished run's `reasons.json`, as printed by
/// `icp explain`; an id found only among the flat export's rows is explained from
/// `export_scores.csv`.
pub fn explain(out_dir: &Path, account_id: &str) -> Result<String> {
    let path = out_dir.join("reasons.json");
    let exported = out_dir.join("export_scores.csv");
    if !path.exists() && exported.exists() {
        return export::explain(&exported, account_id);
    }
    let text = std::fs::read_to_string(&path).map_err(|e| icp_data::Error::io(&path, e))?;
    let all: Vec<serde_json::Value> = serde_json::from_str(&text).map_err(|e| {
        icp_data::Error::unusable(&path, e.to_string(), "the reasons written by `icp run`")
    })?;
    let Some(a) = all.iter().find(|a| a["account_id"] == account_id) else {
        if exported.exists() {
            return export::explain(&exported, account_id);
        }
        return Err(icp_data::Error::InvalidArgument(format!(
            "account `{account_id}` is not among the {} scored accounts in {}",
            all.len(),
            path.display()
        ))
        .into());
    };
    let mut s = format!(
        "{account_id}: fit score {:.0}, tier {} ({})\n",
        a["fit_score"].as_f64().unwrap_or(f64::NAN),
        a["tier"].as_str().unwrap_or("?"),
        match a["p_convert"].as_f64() {
            Some(p) => format!(
                "P(win) of a deal opened now {:.1}%, model: {}",
                100.0 * p,
                a["model"].as_str().unwrap_or("?")
            ),
            None => format!("{} score", a["model"].as_str().unwrap_or("?")),
        }
    );
    let texts = |key: &str| -> Vec<&str> {
        a[key]
            .as_array()
            .map(|l| l.iter().map(|r| r["text"].as_str().unwrap_or("")).collect())
            .unwrap_or_default()
    };
    reasons::push_lists(&mut s, &texts("up"), &texts("down"));
    Ok(s)
}
