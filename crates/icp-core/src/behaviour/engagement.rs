//! Learned engagement weights: per as-of date T, each account's time-decayed event counts
//! before T against "a deal was created in [T, T + 90 days)". Trained on the earlier as-of
//! dates whose label window closes before the held-out (latest complete) date starts, scored
//! on that date against the equal-points baseline, then refitted on every complete date to
//! give each account its 0–100 score as of the end of the data.

use super::activity::{Activity, DAY_MICROS};
use icp_ml::weights::{
    AccountEvent, EngagementModel, EngagementParams, WeightRow, decayed_counts, equal_points,
    roc_auc,
};
use serde::Serialize;

/// Days after T in which a new deal counts as the outcome.
pub const LABEL_DAYS: i64 = 90;
/// Spacing of the as-of dates.
pub const STEP_DAYS: i64 = 30;
/// Events older than this before T are left out (their weight is below 0.5^(180/30) = 1.6%).
pub const LOOKBACK_DAYS: i64 = 180;

/// The learned weights and how well they rank on held-out data.
#[derive(Debug, Clone, Serialize)]
pub struct EngagementSummary {
    pub half_life_days: f64,
    /// Learned weight per event type (per decayed event, and per standard deviation).
    pub weights: Vec<WeightRow>,
    pub train_dates: Vec<String>,
    pub test_date: String,
    pub train_rows: usize,
    pub test_rows: usize,
    pub test_positives: usize,
    /// ROC-AUC on the held-out date of the learned score and of equal points per event.
    pub auc_learned: f64,
    pub auc_equal_points: f64,
}

/// Decayed counts of every account as of day `t` and its label (a deal created in the
/// following [`LABEL_DAYS`]).
fn rows_at(
    activity: &Activity,
    t: i64,
    half_life: f64,
) -> icp_ml::Result<(icp_ml::Matrix, Vec<bool>)> {
    let t_micros = t * DAY_MICROS;
    let from = t_micros - LOOKBACK_DAYS * DAY_MICROS;
    let accounts: Vec<Vec<AccountEvent>> = activity
        .events
        .iter()
        .map(|events| {
            let lo = events.partition_point(|e| e.micros < from);
            let hi = events.partition_point(|e| e.micros < t_micros);
            events[lo..hi]
                .iter()
                .map(|e| AccountEvent {
                    event_type: e.event_type,
                    age_days: (t_micros - e.micros) as f64 / DAY_MICROS as f64,
                })
                .collect()
        })
        .collect();
    let end = t_micros + LABEL_DAYS * DAY_MICROS;
    let labels = activity
        .deals
        .iter()
        .map(|d| d.iter().any(|d| d.created >= t_micros && d.created < end))
        .collect();
    let x = decayed_counts(&accounts, activity.event_types.len(), half_life)?;
    Ok((x, labels))
}

/// `ln(1 + count)`: the learned weights act on diminishing returns of each event type (ten
/// pricing views are not ten times one), which ranks held-out accounts better than raw counts.
fn logged(x: &icp_ml::Matrix) -> icp_ml::Result<icp_ml::Matrix> {
    let v = x.as_slice().iter().map(|c| c.ln_1p()).collect();
    icp_ml::Matrix::new(v, x.n_rows(), x.n_cols())
}

fn stack(parts: &[(icp_ml::Matrix, Vec<bool>)]) -> icp_ml::Result<(icp_ml::Matrix, Vec<bool>)> {
    let cols = parts.first().map_or(0, |p| p.0.n_cols());
    let mut data = Vec::new();
    let mut y = Vec::new();
    for (x, labels) in parts {
        data.extend_from_slice(x.as_slice());
        y.extend_from_slice(labels);
    }
    Ok((icp_ml::Matrix::new(data, y.len(), cols)?, y))
}

/// Fits, evaluates and scores; `None` when the data is too short for one training date
/// before the held-out one (or either has a single class).
pub fn engagement(
    activity: &Activity,
    first_day: i64,
    end_day: i64,
    params: &EngagementParams,
) -> icp_ml::Result<Option<(EngagementSummary, Vec<f64>)>> {
    if activity.event_types.is_empty() || activity.accounts.is_empty() {
        return Ok(None);
    }
    let test = end_day - LABEL_DAYS;
    // Training dates: their label window ends by the held-out date; at least the feature
    // snapshots' warm-up of history before each, so no date's counts are cut short by the
    // start of the data.
    let train: Vec<i64> = (1..)
        .map(|k| test - LABEL_DAYS - STEP_DAYS * (k - 1))
        .take_while(|&t| t >= first_day + icp_features::snapshot::WARM_UP_DAYS)
        .collect();
    if train.is_empty() {
        return Ok(None);
    }
    let hl = params.half_life_days;
    let train_parts = train
        .iter()
        .map(|&t| rows_at(activity, t, hl))
        .collect::<icp_ml::Result<Vec<_>>>()?;
    let (x_train, y_train) = stack(&train_parts)?;
    let (x_test, y_test) = rows_at(activity, test, hl)?;
    let both = |y: &[bool]| y.iter().any(|&v| v) && y.iter().any(|&v| !v);
    if !both(&y_train) || !both(&y_test) {
        return Ok(None);
    }
    let names = activity.event_types.clone();
    let model = EngagementModel::fit(names.clone(), &logged(&x_train)?, &y_train, params)?;
    let auc_learned = roc_auc(&model.weighted_sum(&logged(&x_test)?)?, &y_test)?;
    let auc_equal_points = roc_auc(&equal_points(&x_test)?, &y_test)?;

    // Serving model: every date with a complete label window, the held-out one included.
    let mut all = train_parts;
    let test_rows = y_test.len();
    let test_positives = y_test.iter().filter(|&&v| v).count();
    all.push((x_test, y_test));
    let (x_all, y_all) = stack(&all)?;
    let serving = EngagementModel::fit(names, &logged(&x_all)?, &y_all, params)?;
    let (x_now, _) = rows_at(activity, end_day, hl)?;
    let scores = serving.score(&logged(&x_now)?)?;
    let date = super::activity::date_of;
    Ok(Some((
        EngagementSummary {
            half_life_days: hl,
            weights: serving.weight_table(),
            train_dates: train.iter().rev().map(|&t| date(t)).collect(),
            test_date: date(test),
            train_rows: y_train.len(),
            test_rows,
            test_positives,
            auc_learned,
            auc_equal_points,
        },
        scores,
    )))
}
