//! [`BgNbdParams`] and [`GammaGammaParams`]: the fitting settings of the two transaction
//! models, their defaults, chainable setters, and `check`, which turns an out-of-range value
//! into an error before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Settings of [`BgNbd::fit`](super::BgNbd::fit). Build with `BgNbdParams::default()` and the
/// chainable setters; `fit` calls [`check`](Self::check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BgNbdParams {
    /// L2 penalty `penalizer · Σ θ²` on the parameters (r, α, a, b), added to the mean
    /// negative log-likelihood per customer, as in `lifetimes`' `penalizer_coef`. Shrinks
    /// estimates on small or degenerate data. Default 0 (plain maximum likelihood).
    pub penalizer: f64,
    /// Objective evaluations allowed per Nelder–Mead run. Default 5,000.
    pub max_iter: usize,
    /// Relative tolerance on the objective (and `sqrt(tol)` on the log-parameters).
    /// Default 1e-12.
    pub tol: f64,
    /// Restarts of Nelder–Mead from the best point so far (stops early once one no longer
    /// improves). Default 10.
    pub restarts: usize,
}

impl Default for BgNbdParams {
    fn default() -> Self {
        BgNbdParams {
            penalizer: 0.0,
            max_iter: 5_000,
            tol: 1e-12,
            restarts: 10,
        }
    }
}

/// Settings of [`GammaGamma::fit`](super::GammaGamma::fit); the same fields and meaning as
/// [`BgNbdParams`], the penalty being on (p, q, γ).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaParams {
    /// L2 penalty `penalizer · Σ θ²` on (p, q, γ), added to the mean negative
    /// log-likelihood per repeat customer. Default 0.
    pub penalizer: f64,
    /// Objective evaluations allowed per Nelder–Mead run. Default 5,000.
    pub max_iter: usize,
    /// Relative tolerance on the objective. Default 1e-12.
    pub tol: f64,
    /// Restarts of Nelder–Mead from the best point so far. Default 10.
    pub restarts: usize,
}

impl Default for GammaGammaParams {
    fn default() -> Self {
        GammaGammaParams {
            penalizer: 0.0,
            max_iter: 5_000,
            tol: 1e-12,
            restarts: 10,
        }
    }
}

macro_rules! setters_and_check {
    ($ty:ident) => {
        impl $ty {
            /// Sets [`penalizer`](Self::penalizer).
            pub fn penalizer(mut self, penalizer: f64) -> Self {
                self.penalizer = penalizer;
                self
            }
            /// Sets [`max_iter`](Self::max_iter).
            pub fn max_iter(mut self, max_iter: usize) -> Self {
                self.max_iter = max_iter;
                self
            }
            /// Sets [`tol`](Self::tol).
            pub fn tol(mut self, tol: f64) -> Self {
                self.tol = tol;
                self
            }
            /// Sets [`restarts`](Self::restarts).
            pub fn restarts(mut self, restarts: usize) -> Self {
                self.restarts = restarts;
                self
            }

            /// Checks every setting; the error names the first one out of range, e.g.
            /// "`penalizer` must be finite and ≥ 0, got -1".
            pub fn check(&self) -> Result<()> {
                if !(self.penalizer.is_finite() && self.penalizer >= 0.0) {
                    return Err(Error::invalid_parameter(
                        "penalizer",
                        "finite and ≥ 0",
                        self.penalizer,
                    ));
                }
                if self.max_iter < 10 {
                    return Err(Error::invalid_parameter("max_iter", "≥ 10", self.max_iter));
                }
                if !(self.tol > 0.0 && self.tol < 1.0) {
                    return Err(Error::invalid_parameter("tol", "in (0, 1)", self.tol));
                }
                Ok(())
            }
        }
    };
}

setters_and_check!(BgNbdParams);
setters_and_check!(GammaGammaParams);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_messages_name_the_parameter() {
        BgNbdParams::default().check().unwrap();
        GammaGammaParams::default().check().unwrap();
        let e = BgNbdParams::default().penalizer(-1.0).check().unwrap_err();
        assert_eq!(e.to_string(), "`penalizer` must be finite and ≥ 0, got -1");
        let e = GammaGammaParams::default().tol(0.0).check().unwrap_err();
        assert_eq!(e.to_string(), "`tol` must be in (0, 1), got 0");
        let e = BgNbdParams::default().max_iter(3).check().unwrap_err();
        assert_eq!(e.to_string(), "`max_iter` must be ≥ 10, got 3");
        let e = BgNbdParams::default()
            .penalizer(f64::NAN)
            .check()
            .unwrap_err();
        assert_eq!(e.to_string(), "`penalizer` must be finite and ≥ 0, got NaN");
    }
}
