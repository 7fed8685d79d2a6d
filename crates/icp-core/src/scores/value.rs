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
//!   censored at the end of the data), extended beyond the longest observed life by a
//!   constant hazard fitted on the later half of the follow-up (carrying the curve flat
//!   counted every customer who outlived the data as staying to the horizon). Undiscounted.
//! - **Lifetime value** of a transactional customer (purchase events with a value): BG/NBD
//!   expected purchases over the same horizon × Gamma–Gamma expected spend per purchase, both
//!   fitted on every purchasing account's history in weeks (purchases on one day count as one,
//!   as `lifetimes` does with daily periods). Undiscounted. An account with both a
//!   subscription and purchases gets the sum.

use super::bundle::{SchemaColumn, schema_of};
use super::{DAY_MICROS, fit_recipe_to, labelled_by_close, rows_at, split};
use crate::Result;
use crate::snapshots::SnapshotTable;
use icp_features::snapshot::{Purchase, SubscriptionSpan};
use icp_ml::boost::{Gbm, GbmParams, Objective};
use icp_ml::clv::{
    BgNbd, BgNbdParams, GammaGamma, GammaGammaParams, KaplanMeier, Rfm, Spend, subscription_ltv,
    transaction_ltv,
};
use icp_ml::recipe::{ColumnData, Frame, Recipe};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
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
    /// The longest observed life (months) and the monthly hazard of the exponential tail
    /// that carries the curve beyond it (0: flat, no end in the later half of the data).
    pub last_observed_months: f64,
    pub tail_hazard_per_month: f64,
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
    let curve = KaplanMeier::fit_with_exponential_tail(&months, &ended)?;
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
        last_observed_months: months.iter().copied().fold(0.0, f64::max),
        tail_hazard_per_month: curve.tail_hazard(),
        survival: [6.0, 12.0, 24.0, 36.0]
            .into_iter()
            .map(|m| (m, curve.survival(m)))
            .collect(),
        subscribers: subscribers.len(),
        total_ltv: values.iter().sum(),
    };
    Ok(Ok((ltv, report)))
}

/// Fewest purchasing accounts, and of those repeat buyers, needed to fit BG/NBD and
/// Gamma–Gamma.
const MIN_BUYERS: usize = 50;
const MIN_REPEAT_BUYERS: usize = 20;
/// Days per week: the transactional models' time unit.
const DAYS_PER_WEEK: f64 = 7.0;

/// What the transactional lifetime values rest on.
#[derive(Debug, Clone, Serialize)]
pub struct TransactionReport {
    /// Accounts with at least one purchase, and those with a repeat purchase (on a later day).
    pub buyers: usize,
    pub repeat_buyers: usize,
    /// BG/NBD (per week) and Gamma–Gamma parameters.
    pub bgnbd: [f64; 4],
    pub gamma_gamma: [f64; 3],
    /// Purchases expected in the next 12 weeks by all buyers, and those the model expected
    /// over the last 12 weeks of the data when fitted without them, against the actual count
    /// (the back-test).
    pub expected_next_12_weeks: f64,
    pub backtest_expected_12_weeks: Option<f64>,
    pub backtest_actual_12_weeks: Option<usize>,
    pub horizon_months: f64,
    pub total_ltv: f64,
}

/// Each purchasing account's history as of `now` in weeks (frequency = purchase days after
/// the first, recency = weeks from the first to the last, age = weeks from the first to
/// `now`) and its mean spend per repeat purchase day. `purchases` sorted by account and time.
fn histories(purchases: &[Purchase], now: i64) -> Vec<(String, Rfm, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < purchases.len() {
        let id = &purchases[i].account_id;
        let mut days: Vec<(i64, f64)> = Vec::new();
        while i < purchases.len() && &purchases[i].account_id == id {
            let p = &purchases[i];
            if p.micros < now && p.value.is_finite() {
                let day = p.micros.div_euclid(DAY_MICROS);
                match days.last_mut() {
                    Some((d, v)) if *d == day => *v += p.value,
                    _ => days.push((day, p.value)),
                }
            }
            i += 1;
        }
        let Some(&(first, _)) = days.first() else {
            continue;
        };
        let last = days.last().map_or(first, |d| d.0);
        let weeks = |d: i64| d as f64 / DAYS_PER_WEEK;
        let repeat = &days[1..];
        let spend = if repeat.is_empty() {
            0.0
        } else {
            repeat.iter().map(|d| d.1).sum::<f64>() / repeat.len() as f64
        };
        let now_day = now as f64 / DAY_MICROS as f64;
        out.push((
            id.clone(),
            Rfm {
                frequency: repeat.len() as f64,
                recency: weeks(last - first),
                age: (now_day - first as f64) / DAYS_PER_WEEK,
            },
            spend.max(0.0),
        ));
    }
    out
}

/// BG/NBD and Gamma–Gamma fitted on `histories`; `Err` says why not.
fn fit_transaction_models(
    histories: &[(String, Rfm, f64)],
) -> Result<std::result::Result<(BgNbd, GammaGamma), String>> {
    let repeat = histories.iter().filter(|h| h.1.frequency > 0.0).count();
    if histories.len() < MIN_BUYERS || repeat < MIN_REPEAT_BUYERS {
        return Ok(Err(format!(
            "{} purchasing accounts, {repeat} with a repeat purchase (at least {MIN_BUYERS} \
             and {MIN_REPEAT_BUYERS} are needed)",
            histories.len()
        )));
    }
    let rfm: Vec<Rfm> = histories.iter().map(|h| h.1).collect();
    let spend: Vec<Spend> = histories
        .iter()
        .filter(|h| h.1.frequency > 0.0 && h.2 > 0.0)
        .map(|h| Spend {
            frequency: h.1.frequency,
            monetary_value: h.2,
        })
        .collect();
    // A fit that fails is a reason in the report, not a failed run.
    let bgnbd = match BgNbd::fit(&BgNbdParams::default(), &rfm) {
        Ok(m) => m,
        Err(e) => return Ok(Err(format!("BG/NBD did not fit: {e}"))),
    };
    let gamma_gamma = match GammaGamma::fit(&GammaGammaParams::default(), &spend) {
        Ok(m) => m,
        Err(e) => return Ok(Err(format!("Gamma–Gamma did not fit: {e}"))),
    };
    Ok(Ok((bgnbd, gamma_gamma)))
}

/// Each account's transactional lifetime value over the horizon (NaN for accounts without a
/// purchase before `now`), from BG/NBD and Gamma–Gamma fitted on every purchasing account;
/// `Err` says why there is none. The report's back-test refits on the data up to 12 weeks
/// before `now` and compares the purchases it expected in those weeks with the actual count.
pub fn transaction_values(
    purchases: &[Purchase],
    ids: &[String],
    now: i64,
) -> Result<std::result::Result<(Vec<f64>, TransactionReport), String>> {
    if purchases.is_empty() {
        return Ok(Err("no purchases".into()));
    }
    let all = histories(purchases, now);
    let (bgnbd, gamma_gamma) = match fit_transaction_models(&all)? {
        Ok(models) => models,
        Err(reason) => return Ok(Err(reason)),
    };
    let rfm: Vec<Rfm> = all.iter().map(|h| h.1).collect();
    let spend: Vec<f64> = all.iter().map(|h| h.2).collect();
    let horizon_weeks = LTV_HORIZON_MONTHS * DAYS_PER_MONTH / DAYS_PER_WEEK;
    let values = transaction_ltv(
        &bgnbd,
        &gamma_gamma,
        &rfm,
        &spend,
        horizon_weeks,
        LTV_HORIZON_MONTHS as usize,
        0.0,
    )?;
    let expected_next: f64 = bgnbd.expected_purchases(12.0, &rfm)?.iter().sum();
    let cut = now - 12 * 7 * DAY_MICROS;
    let earlier = histories(purchases, cut);
    let (backtest_expected, backtest_actual) = match fit_transaction_models(&earlier)? {
        Ok((model, _)) => {
            let rfm: Vec<Rfm> = earlier.iter().map(|h| h.1).collect();
            let expected: f64 = model.expected_purchases(12.0, &rfm)?.iter().sum();
            // Purchase days of the same accounts in the 12 weeks after the cut.
            let known: std::collections::HashSet<&str> =
                earlier.iter().map(|h| h.0.as_str()).collect();
            let mut days: Vec<(&str, i64)> = purchases
                .iter()
                .filter(|p| {
                    p.micros >= cut && p.micros < now && known.contains(p.account_id.as_str())
                })
                .map(|p| (p.account_id.as_str(), p.micros.div_euclid(DAY_MICROS)))
                .collect();
            days.dedup();
            (Some(expected), Some(days.len()))
        }
        Err(_) => (None, None),
    };
    let index: BTreeMap<&str, usize> = all
        .iter()
        .enumerate()
        .map(|(i, h)| (h.0.as_str(), i))
        .collect();
    let ltv = ids
        .iter()
        .map(|id| index.get(id.as_str()).map_or(f64::NAN, |&i| values[i]))
        .collect();
    let report = TransactionReport {
        buyers: all.len(),
        repeat_buyers: rfm.iter().filter(|r| r.frequency > 0.0).count(),
        bgnbd: [bgnbd.r(), bgnbd.alpha(), bgnbd.a(), bgnbd.b()],
        gamma_gamma: [gamma_gamma.p(), gamma_gamma.q(), gamma_gamma.gamma()],
        expected_next_12_weeks: expected_next,
        backtest_expected_12_weeks: backtest_expected,
        backtest_actual_12_weeks: backtest_actual,
        horizon_months: LTV_HORIZON_MONTHS,
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

    /// Purchases of `n` accounts that buy at a Poisson rate while alive and may drop out after
    /// each purchase (the BG/NBD story; rates and drop-out chances from small mixtures), first
    /// purchases in the first year, observed to week 104. Values average 100 × the account's
    /// spend level.
    fn simulated_purchases(n: usize) -> (Vec<Purchase>, i64) {
        let mut state = 11u64;
        let mut uniform = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
        };
        let week = 7 * DAY_MICROS;
        let now = 104 * week;
        let mut out = Vec::new();
        for i in 0..n {
            let rate = [0.05, 0.2, 0.5][(uniform() * 3.0) as usize % 3];
            let drop = [0.05, 0.25][(uniform() * 2.0) as usize % 2];
            let level = [0.5, 1.0, 2.0][(uniform() * 3.0) as usize % 3];
            let mut t = uniform() * 52.0;
            loop {
                let micros = (t * week as f64) as i64;
                if micros >= now {
                    break;
                }
                out.push(Purchase {
                    account_id: format!("a{i:05}"),
                    micros,
                    value: 100.0 * level * (0.5 + uniform()),
                });
                if uniform() < drop {
                    break;
                }
                t += -uniform().ln() / rate;
            }
        }
        (out, now)
    }

    #[test]
    fn transactional_lifetime_values_come_from_bgnbd_and_gamma_gamma() {
        let (purchases, now) = simulated_purchases(3000);
        let mut ids: Vec<String> = (0..3000).map(|i| format!("a{i:05}")).collect();
        ids.push("no purchases".into());
        let (ltv, report) = transaction_values(&purchases, &ids, now).unwrap().unwrap();
        assert_eq!(report.buyers, 3000);
        assert!(report.repeat_buyers > 1000, "{}", report.repeat_buyers);
        assert!(ltv[3000].is_nan());
        assert!(ltv[..3000].iter().all(|v| v.is_finite() && *v > 0.0));
        // Back-test: refitted without the last 12 weeks, the model expects about as many
        // purchase days in them as happened.
        let (expected, actual) = (
            report.backtest_expected_12_weeks.unwrap(),
            report.backtest_actual_12_weeks.unwrap() as f64,
        );
        assert!(
            (expected - actual).abs() / actual < 0.15,
            "{expected} vs {actual}"
        );
        // Of two accounts with the same purchases, the one seen buying recently is worth
        // more; a bigger spender with the same pattern is worth more still.
        let buy = |id: &str, weeks: &[f64], value: f64| -> Vec<Purchase> {
            weeks
                .iter()
                .map(|w| Purchase {
                    account_id: id.into(),
                    micros: (w * 7.0 * DAY_MICROS as f64) as i64,
                    value,
                })
                .collect()
        };
        let mut with = purchases.clone();
        with.extend(buy("x_recent", &[10.0, 40.0, 70.0, 100.0], 100.0));
        with.extend(buy("x_lapsed", &[10.0, 20.0, 30.0, 40.0], 100.0));
        with.extend(buy("y_recent", &[10.0, 40.0, 70.0, 100.0], 300.0));
        with.sort_by(|a, b| (&a.account_id, a.micros).cmp(&(&b.account_id, b.micros)));
        let probe = ["x_recent", "x_lapsed", "y_recent"].map(String::from);
        let (v, _) = transaction_values(&with, &probe, now).unwrap().unwrap();
        assert!(v[0] > 1.5 * v[1], "{v:?}");
        assert!(v[2] > v[0], "{v:?}");
        // Too few buyers: a reason, not a model.
        let few = transaction_values(&purchases[..40], &ids, now).unwrap();
        assert!(few.unwrap_err().contains("purchasing accounts"));
    }

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
