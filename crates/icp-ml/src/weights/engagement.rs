//! The engagement model: time-decayed counts per event type ([`decayed_counts`]), learned
//! weights (an L2 logistic regression of conversion on those counts), and a 0–100 score —
//! the percentile of the weighted sum on the training distribution, stored in the model so
//! scores are comparable across accounts and runs. [`equal_points`] is the naive baseline.

use serde::{Deserialize, Serialize};

use super::logistic::{LogisticModel, check_finite};
use super::params::{EngagementParams, check_half_life};
use crate::recipe::Matrix;
use crate::{Error, Result};

/// Version of the saved [`EngagementModel`] layout.
pub const ENGAGEMENT_FORMAT_VERSION: u32 = 1;

/// Number of quantile knots of the training score distribution kept in the model.
const KNOTS: usize = 1001;

/// One event of an account: its type and its age in days before the as-of date (≥ 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct AccountEvent {
    pub event_type: u32,
    pub age_days: f64,
}

/// Per account (row) and event type (column), `Σ 0.5^(age_days / half_life_days)` over its
/// events: an event today counts 1, one a half-life ago ½.
///
/// Errors: a bad half-life; an event type ≥ `n_event_types`; a NaN, infinite or negative
/// age (an event at or after the as-of date must not reach a feature).
pub fn decayed_counts<A: AsRef<[AccountEvent]>>(
    accounts: &[A],
    n_event_types: usize,
    half_life_days: f64,
) -> Result<Matrix> {
    check_half_life(half_life_days)?;
    let mut data = vec![0.0; accounts.len() * n_event_types];
    let rate = -std::f64::consts::LN_2 / half_life_days;
    let mut flat = 0;
    for (r, events) in accounts.iter().enumerate() {
        for e in events.as_ref() {
            if !e.age_days.is_finite() {
                return Err(Error::NonFinite { index: flat });
            }
            if e.age_days < 0.0 {
                return Err(Error::Negative {
                    what: "event ages (days before the as-of date)",
                    index: flat,
                    value: e.age_days,
                });
            }
            let t = e.event_type as usize;
            if t >= n_event_types {
                return Err(Error::OutOfRange {
                    what: "event type id",
                    index: t,
                    len: n_event_types,
                });
            }
            data[r * n_event_types + t] += (rate * e.age_days).exp();
            flat += 1;
        }
    }
    Matrix::new(data, accounts.len(), n_event_types)
}

/// The naive baseline: every (decayed) event is worth one point, whatever its type.
pub fn equal_points(x: &Matrix) -> Result<Vec<f64>> {
    check_finite(x)?;
    if x.n_cols() == 0 {
        return Ok(vec![0.0; x.n_rows()]);
    }
    Ok(x.as_slice()
        .chunks_exact(x.n_cols())
        .map(|r| r.iter().sum())
        .collect())
}

/// One row of the learned weight table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightRow {
    pub event_type: String,
    /// Change in log-odds of converting per decayed event of this type.
    pub weight: f64,
    /// Change in log-odds per standard deviation of this type's decayed count.
    pub standardised_weight: f64,
}

/// Fitted engagement model: event-type names, half-life, the regression and the quantile
/// knots of the training weighted sums.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementModel {
    format_version: u32,
    event_types: Vec<String>,
    params: EngagementParams,
    logistic: LogisticModel,
    /// Sorted quantiles (at `i / (len − 1)`) of the training weighted sums.
    knots: Vec<f64>,
}

impl EngagementModel {
    /// Learns one weight per event type from the decayed counts `x` (columns in the order of
    /// `event_types`, e.g. from [`decayed_counts`] with `params.half_life_days`) and whether
    /// each account went on to convert or expand.
    pub fn fit(
        event_types: Vec<String>,
        x: &Matrix,
        converted: &[bool],
        params: &EngagementParams,
    ) -> Result<EngagementModel> {
        params.check()?;
        if event_types.len() != x.n_cols() {
            return Err(Error::FeatureCount {
                expected: event_types.len(),
                found: x.n_cols(),
            });
        }
        let logistic = LogisticModel::fit(x, converted, &params.logistic)?;
        let mut sums = weighted_sums(&logistic, x);
        sums.sort_unstable_by(f64::total_cmp);
        let knots = if sums.len() <= KNOTS {
            sums
        } else {
            (0..KNOTS)
                .map(|i| {
                    let q = i as f64 / (KNOTS - 1) as f64;
                    crate::stats::quantile_sorted(&sums, q).unwrap_or(0.0)
                })
                .collect()
        };
        Ok(EngagementModel {
            format_version: ENGAGEMENT_FORMAT_VERSION,
            event_types,
            params: params.clone(),
            logistic,
            knots,
        })
    }

    pub fn event_types(&self) -> &[String] {
        &self.event_types
    }

    pub fn params(&self) -> &EngagementParams {
        &self.params
    }

    pub fn logistic(&self) -> &LogisticModel {
        &self.logistic
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Learned weight per decayed event, in the order of [`event_types`](Self::event_types).
    pub fn weights(&self) -> &[f64] {
        self.logistic.coef()
    }

    /// The weight table for the report, in event-type order.
    pub fn weight_table(&self) -> Vec<WeightRow> {
        self.event_types
            .iter()
            .zip(self.logistic.coef())
            .zip(self.logistic.coef_std())
            .map(|((name, &weight), &standardised_weight)| WeightRow {
                event_type: name.clone(),
                weight,
                standardised_weight,
            })
            .collect()
    }

    /// `Σ weight_j · x_j` per row (no intercept): the quantity the score ranks.
    pub fn weighted_sum(&self, x: &Matrix) -> Result<Vec<f64>> {
        self.logistic.check_input(x)?;
        Ok(weighted_sums(&self.logistic, x))
    }

    /// Probability of converting per row.
    pub fn probability(&self, x: &Matrix) -> Result<Vec<f64>> {
        self.logistic.predict_proba(x)
    }

    /// Engagement score 0–100 per row: the percentile of its weighted sum among the training
    /// accounts (interpolated between quantile knots; ties get the middle of their range).
    pub fn score(&self, x: &Matrix) -> Result<Vec<f64>> {
        Ok(self
            .weighted_sum(x)?
            .into_iter()
            .map(|v| percentile(&self.knots, v))
            .collect())
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        crate::sequence::to_json(self)
    }

    /// Loads a model saved by [`EngagementModel::to_json`].
    pub fn from_json(json: &str) -> Result<EngagementModel> {
        let model: EngagementModel = crate::sequence::from_json(json, ENGAGEMENT_FORMAT_VERSION)?;
        model.params.check()?;
        model.logistic.validate()?;
        if model.event_types.len() != model.logistic.n_features() {
            return Err(Error::InvalidModel {
                model: "engagement",
                message: "event types and coefficients differ in number".into(),
            });
        }
        if model.knots.is_empty()
            || model.knots.iter().any(|v| !v.is_finite())
            || model.knots.windows(2).any(|w| w[0] > w[1])
        {
            return Err(Error::InvalidModel {
                model: "engagement",
                message: "score knots must be finite, sorted and non-empty".into(),
            });
        }
        Ok(model)
    }
}

fn weighted_sums(model: &LogisticModel, x: &Matrix) -> Vec<f64> {
    let d = x.n_cols();
    if d == 0 {
        return vec![0.0; x.n_rows()];
    }
    x.as_slice()
        .chunks_exact(d)
        .map(|r| r.iter().zip(model.coef()).map(|(a, b)| a * b).sum())
        .collect()
}

/// Percentile (0–100) of `v` among sorted `knots`.
fn percentile(knots: &[f64], v: f64) -> f64 {
    let m = knots.len();
    if m == 1 {
        return 50.0;
    }
    let lo = knots.partition_point(|&k| k < v);
    let hi = knots.partition_point(|&k| k <= v);
    let position = if hi > lo {
        (lo + hi - 1) as f64 / 2.0
    } else if lo == 0 {
        0.0
    } else if lo == m {
        (m - 1) as f64
    } else {
        let (a, b) = (knots[lo - 1], knots[lo]);
        (lo - 1) as f64 + (v - a) / (b - a)
    };
    100.0 * position / (m - 1) as f64
}
