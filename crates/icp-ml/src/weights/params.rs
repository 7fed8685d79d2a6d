//! [`LogisticParams`] and [`EngagementParams`]: hyperparameters of the L2 logistic regression
//! and of the engagement model, their defaults, chainable setters and `check`.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Hyperparameters of [`LogisticModel::fit`](super::LogisticModel::fit). The objective is
/// scikit-learn's: `Σ log-loss + ‖w‖² / (2·c)` on standardised features, intercept
/// unpenalised, minimised by Newton's method (IRLS).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogisticParams {
    /// Inverse of the L2 regularisation strength (default 1; larger = weaker penalty).
    pub c: f64,
    /// Maximum Newton iterations (default 100).
    pub max_iter: usize,
    /// Stop when the largest Newton step on a standardised coefficient is below this
    /// (default 1e-10).
    pub tol: f64,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams {
            c: 1.0,
            max_iter: 100,
            tol: 1e-10,
        }
    }
}

impl LogisticParams {
    pub fn c(mut self, c: f64) -> Self {
        self.c = c;
        self
    }

    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }

    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }

    /// Errors unless `c > 0`, `max_iter ≥ 1` and `tol > 0` (all finite).
    pub fn check(&self) -> Result<()> {
        if !(self.c.is_finite() && self.c > 0.0) {
            return Err(Error::InvalidParameter {
                name: "c",
                expected: "finite and > 0",
                found: self.c.to_string(),
            });
        }
        if self.max_iter == 0 {
            return Err(Error::InvalidParameter {
                name: "max_iter",
                expected: "≥ 1",
                found: "0".into(),
            });
        }
        if !(self.tol.is_finite() && self.tol > 0.0) {
            return Err(Error::InvalidParameter {
                name: "tol",
                expected: "finite and > 0",
                found: self.tol.to_string(),
            });
        }
        Ok(())
    }
}

/// Hyperparameters of the engagement model: the time decay of events and the regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngagementParams {
    /// An event `half_life_days` old counts half as much as one today (default 30).
    pub half_life_days: f64,
    pub logistic: LogisticParams,
}

impl Default for EngagementParams {
    fn default() -> Self {
        EngagementParams {
            half_life_days: 30.0,
            logistic: LogisticParams::default(),
        }
    }
}

impl EngagementParams {
    pub fn half_life_days(mut self, half_life_days: f64) -> Self {
        self.half_life_days = half_life_days;
        self
    }

    pub fn logistic(mut self, logistic: LogisticParams) -> Self {
        self.logistic = logistic;
        self
    }

    /// Errors unless `half_life_days` is finite and > 0 and the regression's parameters pass.
    pub fn check(&self) -> Result<()> {
        check_half_life(self.half_life_days)?;
        self.logistic.check()
    }
}

pub(super) fn check_half_life(h: f64) -> Result<()> {
    if h.is_finite() && h > 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name: "half_life_days",
            expected: "finite and > 0",
            found: h.to_string(),
        })
    }
}
