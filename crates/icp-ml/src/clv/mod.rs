//! Customer lifetime value: how much more a customer is likely to buy, and how long a
//! subscription is likely to last.
//!
//! Two families, for two kinds of revenue:
//!
//! - **Transactions** (repeat purchases, no contract): [`BgNbd`] models how often a customer
//!   buys and when they silently stop (Fader, Hardie & Lee 2005); [`GammaGamma`] models how
//!   much they spend per purchase. Both are fitted on one row per customer, the
//!   *RFM summary* [`Rfm`]: `frequency` x (repeat purchases, i.e. purchases after the
//!   first), `recency` tₓ (age at the last purchase) and `age` T (time since the first
//!   purchase), all in one time unit (weeks in the paper). [`transaction_ltv`] combines them.
//! - **Subscriptions** (contracts that end): [`KaplanMeier`] estimates the survival of
//!   tenure with still-active subscriptions as censored, and [`subscription_ltv`] turns it
//!   into MRR × restricted mean remaining tenure.
//!
//! ```
//! use icp_ml::clv::{BgNbd, BgNbdParams, GammaGamma, GammaGammaParams, KaplanMeier, Rfm, Spend};
//!
//! // (frequency, recency, age) in weeks for a handful of customers.
//! let rows = [(2.0, 30.4, 38.9), (1.0, 1.7, 38.9), (0.0, 0.0, 38.9), (0.0, 0.0, 38.9),
//!             (5.0, 35.0, 38.0), (3.0, 12.0, 36.0), (0.0, 0.0, 35.0), (7.0, 30.0, 32.0)];
//! let customers: Vec<Rfm> = rows
//!     .iter()
//!     .map(|&(frequency, recency, age)| Rfm { frequency, recency, age })
//!     .collect();
//! let model = BgNbd::fit(&BgNbdParams::default(), &customers)?;
//!
//! // Probability each customer is still active, and purchases expected in the next 39 weeks.
//! let alive = model.p_alive(&customers)?;
//! assert_eq!(alive[2], 1.0); // no repeat purchase: the model cannot have lost them yet
//! assert!(alive[1] < alive[0]); // one purchase long ago looks worse than two, recently
//! let next = model.expected_purchases(39.0, &customers)?;
//! assert!(next[4] > next[1]);
//!
//! // Spend per purchase for the repeat buyers (frequency 0 rows are skipped when fitting).
//! let spend: Vec<Spend> = [(2.0, 22.4), (1.0, 11.8), (5.0, 40.0), (3.0, 18.0), (7.0, 25.0)]
//!     .iter()
//!     .map(|&(frequency, monetary_value)| Spend { frequency, monetary_value })
//!     .collect();
//! let spend_model = GammaGamma::fit(&GammaGammaParams::default(), &spend)?;
//! assert!(spend_model.expected_average_spend(&spend)?.iter().all(|v| *v > 0.0));
//!
//! // Subscription tenure in months; `false` = still active (censored).
//! let km = KaplanMeier::fit(&[3.0, 5.0, 5.0, 8.0, 12.0], &[true, true, false, true, false])?;
//! assert_eq!(km.survival(4.0), 0.8);
//! let months_left = km.restricted_mean_remaining(6.0, 24.0)?; // for one active at month 6
//! assert!(months_left > 0.0 && months_left <= 24.0);
//! # Ok::<(), icp_ml::Error>(())
//! ```
//!
//! Bad input is refused with the row and field: a negative or non-finite value, a fractional
//! frequency, `recency > age`, `frequency > 0` with `recency` 0, or `frequency` 0 with
//! `recency > 0`. Fitted models are plain serde data with a `format_version`.

mod bgnbd;
mod gamma_gamma;
mod optimize;
mod params;
pub mod special;
mod survival;
mod value;

use serde::{Deserialize, Serialize};

pub use bgnbd::BgNbd;
pub use gamma_gamma::GammaGamma;
pub use params::{BgNbdParams, GammaGammaParams};
pub use survival::{KaplanMeier, KmStep};
pub use value::{subscription_ltv, transaction_ltv};

use crate::{Error, Result};

/// Version of the saved form of [`BgNbd`], [`GammaGamma`] and [`KaplanMeier`].
pub const FORMAT_VERSION: u32 = 1;

/// One customer's purchase summary (the "RFM" input of [`BgNbd`]), in one time unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rfm {
    /// x: number of repeat purchases (purchases after the first); a whole number ≥ 0.
    pub frequency: f64,
    /// tₓ: the customer's age at their last repeat purchase; 0 when `frequency` is 0,
    /// otherwise in (0, `age`].
    pub recency: f64,
    /// T: time from the first purchase to the end of the observation window; ≥ 0.
    pub age: f64,
}

/// One customer's spend summary (the input of [`GammaGamma`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Spend {
    /// x: number of repeat purchases; a whole number ≥ 0.
    pub frequency: f64,
    /// m̄: the average value of the repeat purchases; > 0 when `frequency` > 0 (any value
    /// ≥ 0 is accepted, and ignored, when it is 0).
    pub monetary_value: f64,
}

/// How a model's parameters were estimated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Log-likelihood of the fitted rows at the estimate (without the penalty).
    pub log_likelihood: f64,
    /// Rows the model was fitted on.
    pub n_customers: usize,
    /// Rows given but not used (Gamma–Gamma: customers without a repeat purchase).
    pub n_skipped: usize,
    /// Objective evaluations of the optimiser, over all restarts.
    pub evaluations: usize,
    /// Whether the optimiser met its tolerance before running out of evaluations.
    pub converged: bool,
    /// The L2 penalty the fit used.
    pub penalizer: f64,
}

fn record_error(row: usize, field: &'static str, problem: String) -> Error {
    Error::InvalidRecord {
        row,
        field,
        problem,
    }
}

fn check_value(row: usize, field: &'static str, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(record_error(row, field, format!("must be finite, got {v}")));
    }
    if v < 0.0 {
        return Err(record_error(row, field, format!("must be ≥ 0, got {v}")));
    }
    Ok(())
}

fn check_frequency(row: usize, x: f64) -> Result<()> {
    check_value(row, "frequency", x)?;
    if x.fract() != 0.0 {
        return Err(record_error(
            row,
            "frequency",
            format!("must be a whole number of repeat purchases, got {x}"),
        ));
    }
    Ok(())
}

/// Checks one RFM row; errors name the row (0-based) and the field.
pub(crate) fn check_rfm(row: usize, c: &Rfm) -> Result<()> {
    check_frequency(row, c.frequency)?;
    check_value(row, "recency", c.recency)?;
    check_value(row, "age", c.age)?;
    if c.recency > c.age {
        return Err(record_error(
            row,
            "recency",
            format!("must be ≤ `age` ({}), got {}", c.age, c.recency),
        ));
    }
    if c.frequency > 0.0 && c.recency == 0.0 {
        return Err(record_error(
            row,
            "recency",
            format!(
                "must be > 0 when `frequency` is {} (repeat purchases come after the first), got 0",
                c.frequency
            ),
        ));
    }
    if c.frequency == 0.0 && c.recency > 0.0 {
        return Err(record_error(
            row,
            "recency",
            format!("must be 0 when `frequency` is 0, got {}", c.recency),
        ));
    }
    Ok(())
}

/// Checks one spend row; errors name the row (0-based) and the field.
pub(crate) fn check_spend(row: usize, s: &Spend) -> Result<()> {
    check_frequency(row, s.frequency)?;
    check_value(row, "monetary_value", s.monetary_value)?;
    if s.frequency > 0.0 && s.monetary_value == 0.0 {
        return Err(record_error(
            row,
            "monetary_value",
            format!("must be > 0 when `frequency` is {}, got 0", s.frequency),
        ));
    }
    Ok(())
}

/// `ln(1 + eˣ)` without overflow.
pub(crate) fn softplus(x: f64) -> f64 {
    if x > 30.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

pub(crate) fn json_error(model: &'static str, e: impl std::fmt::Display) -> Error {
    Error::InvalidModel {
        model,
        message: e.to_string(),
    }
}

#[derive(Deserialize)]
struct Header {
    format_version: Option<serde_json::Value>,
}

pub(crate) fn check_format_version(model: &'static str, json: &str) -> Result<()> {
    let header: Header = serde_json::from_str(json).map_err(|e| json_error(model, e))?;
    match header.format_version {
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => Ok(()),
        other => Err(Error::FormatVersion {
            found: other.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
            supported: FORMAT_VERSION,
        }),
    }
}
