//! [`GammaGamma`]: the Gamma–Gamma model of spend per transaction (Fader, Hardie & Lee 2005,
//! "RFM and CLV: using iso-value curves for customer base analysis", after Colombo & Jiang
//! 1999), fitted on repeat customers' (frequency, average spend), and its prediction of a
//! customer's expected spend per transaction.
//!
//! Model: a customer's transaction values are Gamma(p, ν); ν ~ Gamma(q, γ) across customers.
//! Spend is assumed independent of the purchase process, so it pairs with [`BgNbd`](super::BgNbd).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::optimize::{self, Settings};
use super::params::GammaGammaParams;
use super::special::ln_gamma;
use super::{FORMAT_VERSION, FitReport, Spend, check_format_version, check_spend};
use crate::{Error, Result};

const MODEL: &str = "Gamma–Gamma";

/// A fitted (or given) Gamma–Gamma spend model: plain serde data with a `format_version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    format_version: u32,
    p: f64,
    q: f64,
    gamma: f64,
    /// How the parameters were estimated; `None` for a model built from given parameters.
    fit: Option<FitReport>,
}

/// Repeat customers grouped by frequency: each distinct x with `ln x`, and each row's
/// (index into them, average spend, ln average spend).
struct Prepared {
    xs: Vec<f64>,
    rows: Vec<(usize, f64, f64)>,
}

impl Prepared {
    fn new(data: &[Spend]) -> Prepared {
        let mut index: HashMap<u64, usize> = HashMap::new();
        let mut xs = Vec::new();
        let rows = data
            .iter()
            .filter(|s| s.frequency > 0.0)
            .map(|s| {
                let i = *index.entry(s.frequency.to_bits()).or_insert_with(|| {
                    xs.push(s.frequency);
                    xs.len() - 1
                });
                (i, s.monetary_value, s.monetary_value.ln())
            })
            .collect();
        Prepared { xs, rows }
    }

    /// Total log-likelihood of the observed averages m̄ given x (FHL 2005b, appendix):
    /// `ln f(m̄ | x) = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m̄ + px ln x
    ///              − (px+q) ln(γ + x m̄)`.
    fn log_likelihood(&self, p: f64, q: f64, gamma: f64) -> f64 {
        let per_x: Vec<f64> = self
            .xs
            .iter()
            .map(|&x| ln_gamma(p * x + q) - ln_gamma(p * x) + p * x * x.ln())
            .collect();
        let common = q * gamma.ln() - ln_gamma(q);
        let mut total = 0.0;
        for &(i, m, ln_m) in &self.rows {
            let x = self.xs[i];
            total += per_x[i] + (p * x - 1.0) * ln_m - (p * x + q) * (gamma + x * m).ln();
        }
        total + common * self.rows.len() as f64
    }
}

impl GammaGamma {
    /// Fits p, q, γ by maximum likelihood (Nelder–Mead with restarts over the
    /// log-parameters, from p = q = γ = 1) on the customers with at least one repeat
    /// purchase; rows with frequency 0 carry no spend information and are skipped (counted
    /// in [`FitReport::n_skipped`]). Every row is checked first (see [`Spend`]).
    pub fn fit(params: &GammaGammaParams, data: &[Spend]) -> Result<GammaGamma> {
        params.check()?;
        for (row, s) in data.iter().enumerate() {
            check_spend(row, s)?;
        }
        let prepared = Prepared::new(data);
        if prepared.rows.is_empty() {
            return Err(Error::EmptyInput {
                what: "no repeat customer (frequency > 0) to fit the Gamma–Gamma model on",
            });
        }
        let n = prepared.rows.len() as f64;
        let penalizer = params.penalizer;
        let objective = |theta: &[f64]| {
            let [p, q, gamma] = [theta[0].exp(), theta[1].exp(), theta[2].exp()];
            let penalty = penalizer * (p * p + q * q + gamma * gamma);
            -prepared.log_likelihood(p, q, gamma) / n + penalty
        };
        let settings = Settings {
            step: 0.5,
            tol: params.tol,
            max_iter: params.max_iter,
            restarts: params.restarts,
        };
        let m = optimize::minimize(objective, &[0.0; 3], settings);
        let [p, q, gamma] = [m.x[0].exp(), m.x[1].exp(), m.x[2].exp()];
        let log_likelihood = prepared.log_likelihood(p, q, gamma);
        if !(m.f.is_finite() && log_likelihood.is_finite()) {
            return Err(Error::FitFailed {
                model: MODEL,
                message: "the log-likelihood is not finite at any point the optimiser tried".into(),
            });
        }
        Ok(GammaGamma {
            format_version: FORMAT_VERSION,
            p,
            q,
            gamma,
            fit: Some(FitReport {
                log_likelihood,
                n_customers: prepared.rows.len(),
                n_skipped: data.len() - prepared.rows.len(),
                evaluations: m.evaluations,
                converged: m.converged,
                penalizer,
            }),
        })
    }

    /// A model with given parameters, each finite and > 0.
    pub fn from_parameters(p: f64, q: f64, gamma: f64) -> Result<GammaGamma> {
        let model = GammaGamma {
            format_version: FORMAT_VERSION,
            p,
            q,
            gamma,
            fit: None,
        };
        model.check_parameters()?;
        Ok(model)
    }

    fn check_parameters(&self) -> Result<()> {
        for (name, v) in [("p", self.p), ("q", self.q), ("gamma", self.gamma)] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidParameter {
                    name,
                    expected: "finite and > 0",
                    found: v.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Shape p of each transaction's value.
    pub fn p(&self) -> f64 {
        self.p
    }
    /// Shape q of the Gamma distribution of ν across customers.
    pub fn q(&self) -> f64 {
        self.q
    }
    /// Scale γ of the Gamma distribution of ν across customers.
    pub fn gamma(&self) -> f64 {
        self.gamma
    }
    /// How the parameters were estimated; `None` when built by [`GammaGamma::from_parameters`].
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.fit.as_ref()
    }
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Total log-likelihood of the repeat customers in `data` under this model.
    pub fn log_likelihood(&self, data: &[Spend]) -> Result<f64> {
        for (row, s) in data.iter().enumerate() {
            check_spend(row, s)?;
        }
        Ok(Prepared::new(data).log_likelihood(self.p, self.q, self.gamma))
    }

    /// Mean spend per transaction across customers, `pγ/(q−1)`; +∞ when q ≤ 1 (the mean
    /// does not exist).
    pub fn population_mean_spend(&self) -> f64 {
        if self.q > 1.0 {
            self.p * self.gamma / (self.q - 1.0)
        } else {
            f64::INFINITY
        }
    }

    /// Expected spend per transaction of each customer given their frequency and average
    /// spend, `p(γ + x m̄)/(px + q − 1)`: a weighted average of the population mean and the
    /// customer's own average, moving towards the latter as x grows. Customers with
    /// frequency 0 get the population mean.
    pub fn expected_average_spend(&self, customers: &[Spend]) -> Result<Vec<f64>> {
        customers
            .iter()
            .enumerate()
            .map(|(row, s)| {
                check_spend(row, s)?;
                let x = s.frequency;
                if x == 0.0 {
                    return Ok(self.population_mean_spend());
                }
                let denominator = self.p * x + self.q - 1.0;
                Ok(if denominator > 0.0 {
                    self.p * (self.gamma + x * s.monetary_value) / denominator
                } else {
                    f64::INFINITY
                })
            })
            .collect()
    }

    /// The model as pretty JSON; numbers round-trip exactly through [`GammaGamma::from_json`].
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| super::json_error(MODEL, e))
    }

    /// Loads a model saved by [`GammaGamma::to_json`]; errors as [`BgNbd::from_json`](super::BgNbd::from_json).
    pub fn from_json(json: &str) -> Result<GammaGamma> {
        check_format_version(MODEL, json)?;
        let model: GammaGamma =
            serde_json::from_str(json).map_err(|e| super::json_error(MODEL, e))?;
        model
            .check_parameters()
            .map_err(|e| super::json_error(MODEL, e))?;
        Ok(model)
    }
}
