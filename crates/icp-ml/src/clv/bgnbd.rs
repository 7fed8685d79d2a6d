//! [`BgNbd`]: the beta-geometric/negative-binomial model of repeat purchasing (Fader, Hardie
//! & Lee 2005), fitted by maximum likelihood on (frequency, recency, age), and its
//! predictions: expected purchases in the next `t` periods and the probability a customer is
//! still active.
//!
//! Model: while active, a customer buys at Poisson rate λ, λ ~ Gamma(r, α) across customers;
//! after each repeat purchase the customer drops out with probability p, p ~ Beta(a, b).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::optimize::{self, Settings};
use super::special::{hyp2f1, ln_gamma};
use super::{FORMAT_VERSION, FitReport, Rfm, check_format_version, check_rfm, softplus};
use crate::clv::params::BgNbdParams;
use crate::{Error, Result};

const MODEL: &str = "BG/NBD";

/// A fitted (or given) BG/NBD model: plain serde data with a `format_version`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgNbd {
    format_version: u32,
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
    /// How the parameters were estimated; `None` for a model built from given parameters.
    fit: Option<FitReport>,
}

/// Per-distinct-frequency terms of the log-likelihood, and each row's index into them.
struct Prepared {
    /// Distinct frequencies.
    xs: Vec<f64>,
    /// Row → index into `xs`, recency, age.
    rows: Vec<(usize, f64, f64)>,
}

impl Prepared {
    fn new(data: &[Rfm]) -> Prepared {
        let mut index: HashMap<u64, usize> = HashMap::new();
        let mut xs = Vec::new();
        let rows = data
            .iter()
            .map(|c| {
                let i = *index.entry(c.frequency.to_bits()).or_insert_with(|| {
                    xs.push(c.frequency);
                    xs.len() - 1
                });
                (i, c.recency, c.age)
            })
            .collect();
        Prepared { xs, rows }
    }

    /// Total log-likelihood, equation (6) of Fader, Hardie & Lee (2005):
    /// `ln L = ln[B(a, b+x)/B(a, b)] + ln[Γ(r+x) αʳ / Γ(r)]
    ///        + ln[(α+T)^−(r+x) + 1{x>0} · a/(b+x−1) · (α+tₓ)^−(r+x)]`.
    fn log_likelihood(&self, r: f64, alpha: f64, a: f64, b: f64) -> f64 {
        let common = ln_gamma(a + b) - ln_gamma(b) + r * alpha.ln() - ln_gamma(r);
        // For each distinct x: the x-dependent gamma terms, and ln[a / (b+x−1)] (x > 0).
        let per_x: Vec<(f64, f64)> = self
            .xs
            .iter()
            .map(|&x| {
                let g = ln_gamma(r + x) + ln_gamma(b + x) - ln_gamma(a + b + x);
                let drop = if x > 0.0 {
                    a.ln() - (b + x - 1.0).ln()
                } else {
                    f64::NEG_INFINITY
                };
                (g, drop)
            })
            .collect();
        let mut total = 0.0;
        for &(i, tx, age) in &self.rows {
            let x = self.xs[i];
            let (g, drop) = per_x[i];
            let a3 = -(r + x) * (alpha + age).ln();
            let mut ll = g + a3;
            if x > 0.0 {
                let a4 = drop - (r + x) * (alpha + tx).ln();
                // ln(e^a3 + e^a4) without overflow.
                let (hi, lo) = if a3 > a4 { (a3, a4) } else { (a4, a3) };
                ll = g + hi + (lo - hi).exp().ln_1p();
            }
            total += ll;
        }
        total + common * self.rows.len() as f64
    }
}

impl BgNbd {
    /// Fits r, α, a, b by maximum likelihood (Nelder–Mead with restarts over the
    /// log-parameters, from r = α = a = b = 1). Every row is checked first (see [`Rfm`]).
    pub fn fit(params: &BgNbdParams, data: &[Rfm]) -> Result<BgNbd> {
        params.check()?;
        if data.is_empty() {
            return Err(Error::EmptyInput {
                what: "no customers to fit the BG/NBD model on",
            });
        }
        for (row, c) in data.iter().enumerate() {
            check_rfm(row, c)?;
        }
        if data.iter().all(|c| c.frequency == 0.0) {
            return Err(Error::FitFailed {
                model: MODEL,
                message: "no customer made a repeat purchase, so purchase rates and dropout \
                          cannot be told apart"
                    .into(),
            });
        }
        let prepared = Prepared::new(data);
        let n = data.len() as f64;
        let penalizer = params.penalizer;
        let objective = |theta: &[f64]| {
            let [r, alpha, a, b] = [
                theta[0].exp(),
                theta[1].exp(),
                theta[2].exp(),
                theta[3].exp(),
            ];
            let penalty = penalizer * (r * r + alpha * alpha + a * a + b * b);
            -prepared.log_likelihood(r, alpha, a, b) / n + penalty
        };
        let settings = Settings {
            step: 0.5,
            tol: params.tol,
            max_iter: params.max_iter,
            restarts: params.restarts,
        };
        let m = optimize::minimize(objective, &[0.0; 4], settings);
        let [r, alpha, a, b] = [m.x[0].exp(), m.x[1].exp(), m.x[2].exp(), m.x[3].exp()];
        let log_likelihood = prepared.log_likelihood(r, alpha, a, b);
        if !(m.f.is_finite() && log_likelihood.is_finite()) {
            return Err(Error::FitFailed {
                model: MODEL,
                message: "the log-likelihood is not finite at any point the optimiser tried".into(),
            });
        }
        Ok(BgNbd {
            format_version: FORMAT_VERSION,
            r,
            alpha,
            a,
            b,
            fit: Some(FitReport {
                log_likelihood,
                n_customers: data.len(),
                n_skipped: 0,
                evaluations: m.evaluations,
                converged: m.converged,
                penalizer,
            }),
        })
    }

    /// A model with given parameters (e.g. published ones), each finite and > 0.
    pub fn from_parameters(r: f64, alpha: f64, a: f64, b: f64) -> Result<BgNbd> {
        let model = BgNbd {
            format_version: FORMAT_VERSION,
            r,
            alpha,
            a,
            b,
            fit: None,
        };
        model.check_parameters()?;
        Ok(model)
    }

    fn check_parameters(&self) -> Result<()> {
        for (name, v) in [
            ("r", self.r),
            ("alpha", self.alpha),
            ("a", self.a),
            ("b", self.b),
        ] {
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

    /// Shape r of the Gamma distribution of purchase rates.
    pub fn r(&self) -> f64 {
        self.r
    }
    /// Rate α (in the time unit of the data) of the Gamma distribution of purchase rates.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// First shape a of the Beta distribution of dropout probabilities.
    pub fn a(&self) -> f64 {
        self.a
    }
    /// Second shape b of the Beta distribution of dropout probabilities.
    pub fn b(&self) -> f64 {
        self.b
    }
    /// How the parameters were estimated; `None` when built by [`BgNbd::from_parameters`].
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.fit.as_ref()
    }
    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// Total log-likelihood of `data` under this model's parameters (equation 6 of the paper).
    pub fn log_likelihood(&self, data: &[Rfm]) -> Result<f64> {
        for (row, c) in data.iter().enumerate() {
            check_rfm(row, c)?;
        }
        Ok(Prepared::new(data).log_likelihood(self.r, self.alpha, self.a, self.b))
    }

    /// Probability that each customer is still active at the end of their observation
    /// window: `1 / (1 + 1{x>0} · a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x))`.
    ///
    /// It is exactly 1 for a customer without repeat purchases (the model lets customers
    /// drop out only right after a purchase) and falls as the gap `T − tₓ` since the last
    /// purchase grows.
    pub fn p_alive(&self, customers: &[Rfm]) -> Result<Vec<f64>> {
        customers
            .iter()
            .enumerate()
            .map(|(row, c)| {
                check_rfm(row, c)?;
                Ok((-softplus(self.ln_dropout_odds(c))).exp())
            })
            .collect()
    }

    /// `ln[a/(b+x−1) · ((α+T)/(α+tₓ))^(r+x)]`, or −∞ for x = 0.
    fn ln_dropout_odds(&self, c: &Rfm) -> f64 {
        let x = c.frequency;
        if x == 0.0 {
            return f64::NEG_INFINITY;
        }
        let (r, alpha, a, b) = (self.r, self.alpha, self.a, self.b);
        a.ln() - (b + x - 1.0).ln() + (r + x) * ((alpha + c.age).ln() - (alpha + c.recency).ln())
    }

    /// Expected number of repeat purchases of each customer in the next `t` periods (after
    /// their age `T`), equation (10) of the paper. Increases with `t`.
    ///
    /// Horizons up to about 2,500 × (α + T) are supported (centuries, in weeks); beyond,
    /// the hypergeometric series does not settle and `t` is refused.
    pub fn expected_purchases(&self, t: f64, customers: &[Rfm]) -> Result<Vec<f64>> {
        check_horizon(t)?;
        customers
            .iter()
            .enumerate()
            .map(|(row, c)| {
                check_rfm(row, c)?;
                let e = self.conditional_expectation(t, c);
                if e.is_finite() {
                    Ok(e)
                } else {
                    Err(horizon_too_long(t))
                }
            })
            .collect()
    }

    /// Expected number of repeat purchases in `(0, t]` of a customer just acquired
    /// (equation 9 of the paper; the conditional expectation at x = tₓ = T = 0).
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64> {
        check_horizon(t)?;
        let c = Rfm {
            frequency: 0.0,
            recency: 0.0,
            age: 0.0,
        };
        let e = self.conditional_expectation(t, &c);
        if e.is_finite() {
            Ok(e)
        } else {
            Err(horizon_too_long(t))
        }
    }

    fn conditional_expectation(&self, t: f64, c: &Rfm) -> f64 {
        if t == 0.0 {
            return 0.0;
        }
        // The expression has a removable singularity at a = 1: average both sides there.
        let a = self.a;
        let numerator = if (a - 1.0).abs() < 1e-7 {
            let h = 1e-5;
            0.5 * (self.numerator(1.0 - h, t, c) + self.numerator(1.0 + h, t, c))
        } else {
            self.numerator(a, t, c)
        };
        numerator * (-softplus(self.ln_dropout_odds(c))).exp()
    }

    /// `(a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)]` with
    /// `z = t/(α+T+t)`. Euler's transformation turns the power and ₂F₁ into
    /// `(1−z)^(a−1) ₂F₁(a+b−1−r, a−1; a+b+x−1; z)`, whose series terms shrink with x instead
    /// of growing, so the sum stays short and free of overflow for heavy buyers.
    fn numerator(&self, a: f64, t: f64, c: &Rfm) -> f64 {
        let (r, alpha, b, x) = (self.r, self.alpha, self.b, c.frequency);
        let z = t / (alpha + c.age + t);
        let cc = a + b + x - 1.0;
        let f = hyp2f1(a + b - 1.0 - r, a - 1.0, cc, z);
        cc / (a - 1.0) * (1.0 - (1.0 - z).powf(a - 1.0) * f)
    }

    /// The model as pretty JSON; numbers round-trip exactly through [`BgNbd::from_json`].
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| super::json_error(MODEL, e))
    }

    /// Loads a model saved by [`BgNbd::to_json`]. An absent or unknown `format_version` is
    /// [`Error::FormatVersion`]; malformed content or parameters out of range are
    /// [`Error::InvalidModel`].
    pub fn from_json(json: &str) -> Result<BgNbd> {
        check_format_version(MODEL, json)?;
        let model: BgNbd = serde_json::from_str(json).map_err(|e| super::json_error(MODEL, e))?;
        model
            .check_parameters()
            .map_err(|e| super::json_error(MODEL, e))?;
        Ok(model)
    }
}

fn horizon_too_long(t: f64) -> Error {
    Error::InvalidParameter {
        name: "t",
        expected: "a horizon the series can sum (up to about 2,500 × (α + age))",
        found: t.to_string(),
    }
}

fn check_horizon(t: f64) -> Result<()> {
    if t.is_finite() && t >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "t",
            expected: "finite and ≥ 0",
            found: t.to_string(),
        })
    }
}
