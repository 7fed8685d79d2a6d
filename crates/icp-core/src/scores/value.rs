//! Value: what a deal with an account would be worth, and what a customer is worth.
//!
//! - **Deal size**: boosted regression trees on the log amount of won deals, from the
//!   account's features at each deal's creation (the conversion model's rows and recipe
//!   definitions), early-stopped on the deals won in the 90 days before the held-out period
//!   and evaluated on those won in the latest 90 days against the median-amount baseline. An
//!   account's *expected value* is P(convert) × its predicted deal size.
//! - **Lifetime value** of a subscriber: MRR × the restricted mean remaining subscription life
//!   over the next [`LTV_HORIZON_MONTHS`] months given the life so far, from the Kaplan–Meier
//!   curve of every customer's subscription life (ended lives are events, running ones
//!   censored at the end of the data). Undiscounted.

use super::bundle::{SchemaColumn, schema_of};
use super::{DAY_MICROS, fit_recipe_to, labelled_by_close, rows_at, split};
use crate::Result;
use crate::snapshots::SnapshotTable;
use icp_features::snapshot::SubscriptionSpan;
use icp_ml::boost::{Gbm, GbmParams, Objective};
use icp_ml::clv::{KaplanMeier, subscription_ltv};
use icp_ml::recipe::{ColumnData, Frame, Recipe};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Months of future subscription life counted in a subscriber's lifetime value.
pub const LTV_HORIZON_MONTHS: f64 = 36.0;
/// Days per month when subscription lives are measured in months (MRR's period).
const DAYS_PER_MONTH: f64 = 365.25 / 12.0;
/// Fewest won deals with an amount needed to learn deal sizes.
const MIN_WON_DEALS: usize = 50;
/// Format version of `models/deal_size.json`.
pub const DEAL_SIZE_FORMAT_VERSION: u32 = 1;

/// How well deal sizes are predicted on the held-out won deals.
#[derive(Debug, Clone, Serialize)]
pub struct DealSizeReport {
    pub n_train: usize,
    pub n_validation: usize,
    pub n_test: usize,
    /// Start of the held-out period (microseconds).
    pub test_from: i64,
    /// Mean absolute error of the amount, model and median baseline.
    pub test_mae: f64,
    pub baseline_mae: f64,
    /// Median absolute percentage error, model and baseline.
    pub test_median_ape: f64,
    pub baseline_median_ape: f64,
    /// R² of the log amount on the held-out deals.
    pub test_r2_log: f64,
    pub trees: usize,
}

/// The saved deal-size model.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DealSizeBundle {
    pub format_version: u32,
    pub schema: Vec<SchemaColumn>,
    pub recipe: Recipe,
    /// Predicts the natural log of the amount.
    pub model: Gbm,
    /// Half the residual variance on the log scale: `exp(log prediction + smearing)` is the
    /// mean amount under log-normal errors rather than its median.
    pub smearing: f64,
}

impl DealSizeBundle {
    /// Predicted amount of a deal for each row of `frame` (features as of the deal).
    pub fn predict(&self, frame: &Frame) -> Result<Vec<f64>> {
        Ok(self.amounts(&self.log_predict(frame)?))
    }

    /// The model's log amount for each row of `frame`.
    fn log_predict(&self, frame: &Frame) -> Result<Vec<f64>> {
        let x = self.recipe.transform(frame)?;
        self.model.check_input(&x)?;
        Ok(self.model.predict(&x))
    }

    /// Mean amounts from log predictions.
    fn amounts(&self, log: &[f64]) -> Vec<f64> {
        log.iter().map(|v| (v + self.smearing).exp()).collect()
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).map_err(|e| icp_data::Error::write(path, e))?;
        std::fs::write(path, text).map_err(|e| icp_data::Error::io(path, e).into())
    }
}

/// Learns deal sizes from the won deals of the per-opportunity table; `Err` says why not.
pub fn train_deal_size(
    opportunities: &SnapshotTable,
    end: i64,
    seed: u64,
) -> Result<std::result::Result<(DealSizeBundle, DealSizeReport), String>> {
    let (Some(won), Some(amount)) = (opportunities.label("won"), opportunities.label("amount"))
    else {
        return Ok(Err(
            "the per-opportunity table has no won or amount column".into()
        ));
    };
    // Log amount of won deals with a positive amount; NaN elsewhere (left out).
    let log_amount: Vec<f64> = won
        .iter()
        .zip(amount)
        .map(|(&w, &a)| {
            if w == 1.0 && a > 0.0 {
                a.ln()
            } else {
                f64::NAN
            }
        })
        .collect();
    let n_won = log_amount.iter().filter(|v| v.is_finite()).count();
    if n_won < MIN_WON_DEALS {
        return Ok(Err(format!(
            "{n_won} won deals with an amount, fewer than the {MIN_WON_DEALS} needed"
        )));
    }
    let window = 90 * DAY_MICROS;
    let by_close = labelled_by_close(opportunities, &log_amount, window, end);
    let (train_times, valid_time, test_time) = match split(&by_close, window) {
        Ok(s) => s,
        Err(reason) => return Ok(Err(reason)),
    };
    let train = rows_at(&by_close, &train_times);
    let valid = rows_at(&by_close, &[valid_time]);
    let test = rows_at(&by_close, &[test_time]);
    let (recipe, x) = fit_recipe_to(&opportunities.features, &log_amount, &train, seed)?;
    let target = |rows: &[usize]| -> Vec<f64> { rows.iter().map(|&r| log_amount[r]).collect() };
    let y = target(&train);
    let xv = recipe.transform(&opportunities.features.select_rows(&valid)?)?;
    let params = GbmParams {
        objective: Objective::Regression,
        n_trees: 400,
        learning_rate: 0.05,
        max_leaves: 15,
        min_data_in_leaf: 20,
        lambda_l2: 1.0,
        early_stopping_rounds: Some(30),
        seed,
        ..GbmParams::default()
    };
    let model = Gbm::fit(&x, &y, None, Some((&xv, &target(&valid))), &params)?;
    let fitted = model.predict(&x);
    let residual_var = y
        .iter()
        .zip(&fitted)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / y.len().max(1) as f64;
    let bundle = DealSizeBundle {
        format_version: DEAL_SIZE_FORMAT_VERSION,
        schema: schema_of(&opportunities.features),
        recipe,
        smearing: residual_var / 2.0,
        model,
    };
    let log_pred = bundle.log_predict(&opportunities.features.select_rows(&test)?)?;
    let predicted = bundle.amounts(&log_pred);
    let actual: Vec<f64> = test.iter().map(|&r| amount[r]).collect();
    let train_amounts: Vec<f64> = train.iter().map(|&r| amount[r]).collect();
    let baseline = median(&train_amounts);
    let report = DealSizeReport {
        n_train: train.len(),
        n_validation: valid.len(),
        n_test: test.len(),
        test_from: test_time,
        test_mae: mean_abs(&predicted, &actual),
        baseline_mae: mean_abs(&vec![baseline; actual.len()], &actual),
        test_median_ape: median_ape(&predicted, &actual),
        baseline_median_ape: median_ape(&vec![baseline; actual.len()], &actual),
        test_r2_log: r_squared(&log_pred, &target(&test)),
        trees: bundle.model.trees().len(),
    };
    Ok(Ok((bundle, report)))
}

/// What the lifetime values rest on.
#[derive(Debug, Clone, Serialize)]
pub struct LifetimeReport {
    /// Customers whose subscription life entered the curve, and how many of those ended.
    pub customers: usize,
    pub ended: usize,
    /// Median subscription life (months), when the curve falls below one half.
    pub median_life_months: Option<f64>,
    pub horizon_months: f64,
    /// Survival at 6, 12, 24 and 36 months.
    pub survival: Vec<(f64, f64)>,
    /// Subscribers valued, and their total lifetime value.
    pub subscribers: usize,
    pub total_ltv: f64,
}

/// Each account's lifetime value over the horizon (NaN for accounts without an active
/// subscription), from the serving snapshot's `mrr`, `tenure_days` and
/// `active_subscription`; `Err` says why there is none.
pub fn lifetime_values(
    spans: &[SubscriptionSpan],
    serving: &Frame,
) -> Result<std::result::Result<(Vec<f64>, LifetimeReport), String>> {
    if spans.is_empty() {
        return Ok(Err("no subscriptions".into()));
    }
    let number = |name: &str| match serving.column(name).map(|c| c.data()) {
        Some(ColumnData::Numeric(v)) => Some(v.clone()),
        _ => None,
    };
    let (Some(mrr), Some(tenure), Some(active)) = (
        number("mrr"),
        number("tenure_days"),
        number("active_subscription"),
    ) else {
        return Ok(Err(
            "the snapshots have no mrr, tenure_days or active_subscription column".into(),
        ));
    };
    let months: Vec<f64> = spans.iter().map(|s| s.days / DAYS_PER_MONTH).collect();
    let ended: Vec<bool> = spans.iter().map(|s| s.ended).collect();
    let curve = KaplanMeier::fit(&months, &ended)?;
    let subscribers: Vec<usize> = (0..serving.n_rows())
        .filter(|&r| active[r] == 1.0 && mrr[r].is_finite() && tenure[r].is_finite())
        .collect();
    let values = subscription_ltv(
        &curve,
        &subscribers
            .iter()
            .map(|&r| mrr[r].max(0.0))
            .collect::<Vec<_>>(),
        &subscribers
            .iter()
            .map(|&r| tenure[r].max(0.0) / DAYS_PER_MONTH)
            .collect::<Vec<_>>(),
        LTV_HORIZON_MONTHS,
    )?;
    let mut ltv = vec![f64::NAN; serving.n_rows()];
    for (&r, v) in subscribers.iter().zip(&values) {
        ltv[r] = *v;
    }
    let report = LifetimeReport {
        customers: spans.len(),
        ended: ended.iter().filter(|&&e| e).count(),
        median_life_months: curve.median(),
        horizon_months: LTV_HORIZON_MONTHS,
        survival: [6.0, 12.0, 24.0, 36.0]
            .into_iter()
            .map(|m| (m, curve.survival(m)))
            .collect(),
        subscribers: subscribers.len(),
        total_ltv: values.iter().sum(),
    };
    Ok(Ok((ltv, report)))
}

/// Median, `NaN` for no (or a non-finite) value.
fn median(v: &[f64]) -> f64 {
    icp_ml::stats::median(v).ok().flatten().unwrap_or(f64::NAN)
}

fn mean_abs(p: &[f64], a: &[f64]) -> f64 {
    p.iter().zip(a).map(|(p, a)| (p - a).abs()).sum::<f64>() / a.len().max(1) as f64
}

fn median_ape(p: &[f64], a: &[f64]) -> f64 {
    let e: Vec<f64> = p
        .iter()
        .zip(a)
        .filter(|(_, a)| **a != 0.0)
        .map(|(p, a)| ((p - a) / a).abs())
        .collect();
    median(&e)
}

fn r_squared(p: &[f64], a: &[f64]) -> f64 {
    let mean = a.iter().sum::<f64>() / a.len().max(1) as f64;
    let ss_tot: f64 = a.iter().map(|v| (v - mean).powi(2)).sum();
    let ss_res: f64 = p.iter().zip(a).map(|(p, a)| (p - a).powi(2)).sum();
    1.0 - ss_res / ss_tot
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_measures_have_known_values() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(mean_abs(&[1.0, 3.0], &[2.0, 2.0]), 1.0);
        assert_eq!(
            median_ape(&[110.0, 50.0, 100.0], &[100.0, 100.0, 100.0]),
            0.1
        );
        assert!((r_squared(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]) - 1.0).abs() < 1e-15);
    }

    #[test]
    fn subscribers_are_valued_by_mrr_times_their_remaining_life() {
        use icp_ml::recipe::Column;
        // Lives of 1..=24 months, all ended: S(t) falls by 1/24 each month.
        let spans: Vec<SubscriptionSpan> = (1..=24)
            .map(|m| SubscriptionSpan {
                account_id: format!("A{m}"),
                days: m as f64 * DAYS_PER_MONTH,
                ended: true,
            })
            .collect();
        let serving = Frame::new(vec![
            Column::numeric("mrr", "mrr", vec![100.0, 50.0, 0.0]),
            Column::numeric(
                "tenure_days",
                "tenure",
                vec![0.0, 12.0 * DAYS_PER_MONTH, f64::NAN],
            ),
            Column::numeric(
                "active_subscription",
                "active_subscription",
                vec![1.0, 1.0, 0.0],
            ),
        ])
        .unwrap();
        let (ltv, report) = lifetime_values(&spans, &serving).unwrap().unwrap();
        // New subscriber: Σ_{m=0}^{23} S(m) over unit steps = (24 + 23 + … + 1)/24 = 12.5
        // months of expected life within 36 months.
        assert!((ltv[0] - 100.0 * 12.5).abs() < 1e-9, "{}", ltv[0]);
        // After 12 months: remaining S(u)/S(12) for u in 12..24 = (12 + 11 + … + 1)/12 = 6.5.
        assert!((ltv[1] - 50.0 * 6.5).abs() < 1e-9, "{}", ltv[1]);
        assert!(ltv[2].is_nan());
        assert_eq!(
            (report.customers, report.ended, report.subscribers),
            (24, 24, 2)
        );
    }
}
