//! Lifetime value from the fitted models: [`subscription_ltv`] (MRR × restricted mean
//! remaining tenure from a [`KaplanMeier`] curve) and [`transaction_ltv`] (BG/NBD expected
//! purchases × Gamma–Gamma expected spend, discounted per period).

use super::survival::check_nonnegative;
use super::{BgNbd, GammaGamma, KaplanMeier, Rfm, Spend};
use crate::{Error, Result};

/// Lifetime value of each active subscription over the next `window` periods:
/// `mrr × ∫_tenure^(tenure+window) S(u) du / S(tenure)`, i.e. MRR times the restricted mean
/// remaining tenure given the subscription has lasted `tenure` so far.
///
/// `tenure`, `window` and the curve share one time unit, the period MRR is quoted per
/// (months for MRR). Undiscounted.
pub fn subscription_ltv(
    curve: &KaplanMeier,
    mrr: &[f64],
    tenure: &[f64],
    window: f64,
) -> Result<Vec<f64>> {
    check_nonnegative("window", window)?;
    if tenure.len() != mrr.len() {
        return Err(Error::LengthMismatch {
            field: "tenure",
            expected: mrr.len(),
            found: tenure.len(),
        });
    }
    mrr.iter()
        .zip(tenure)
        .enumerate()
        .map(|(row, (&m, &t))| {
            check_row(row, "mrr", m)?;
            check_row(row, "tenure", t)?;
            Ok(m * curve.restricted_mean_remaining(t, window)?)
        })
        .collect()
}

/// Expected value of each customer's purchases over the next `horizon` periods, split into
/// `steps` equal periods discounted at `discount_rate` per period:
/// `Σᵢ [E Y(i·h) − E Y((i−1)·h)] · E[spend] / (1 + discount_rate)^i`, with `h =
/// horizon/steps`, `E Y` from [`BgNbd::expected_purchases`] and `E[spend]` from
/// [`GammaGamma::expected_average_spend`] (the method of `lifetimes`'
/// `customer_lifetime_value`). `monetary_value` is each customer's average spend over their
/// repeat purchases (0 when frequency is 0).
pub fn transaction_ltv(
    bgnbd: &BgNbd,
    gamma_gamma: &GammaGamma,
    customers: &[Rfm],
    monetary_value: &[f64],
    horizon: f64,
    steps: usize,
    discount_rate: f64,
) -> Result<Vec<f64>> {
    check_nonnegative("horizon", horizon)?;
    check_nonnegative("discount_rate", discount_rate)?;
    if steps == 0 {
        return Err(Error::InvalidParameter {
            name: "steps",
            expected: "≥ 1",
            found: "0".into(),
        });
    }
    if monetary_value.len() != customers.len() {
        return Err(Error::LengthMismatch {
            field: "monetary_value",
            expected: customers.len(),
            found: monetary_value.len(),
        });
    }
    let spend: Vec<Spend> = customers
        .iter()
        .zip(monetary_value)
        .map(|(c, &m)| Spend {
            frequency: c.frequency,
            monetary_value: m,
        })
        .collect();
    let per_purchase = gamma_gamma.expected_average_spend(&spend)?;
    let h = horizon / steps as f64;
    let mut value = vec![0.0; customers.len()];
    let mut before = vec![0.0; customers.len()];
    for i in 1..=steps {
        let now = bgnbd.expected_purchases(h * i as f64, customers)?;
        let discount = (1.0 + discount_rate).powi(i as i32);
        for k in 0..customers.len() {
            value[k] += (now[k] - before[k]) * per_purchase[k] / discount;
        }
        before = now;
    }
    Ok(value)
}

fn check_row(row: usize, field: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidRecord {
            row,
            field,
            problem: format!("must be finite and ≥ 0, got {v}"),
        })
    }
}
