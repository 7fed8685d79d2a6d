//! [`PrefixSpanParams`] and [`MarkovParams`]: the hyperparameters of pattern mining and of
//! the transition model, their defaults, chainable setters and `check`, which turns an
//! out-of-range value into an error before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Minimum support of a pattern: an absolute number of sequences, or a share of them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MinSupport {
    /// At least this many sequences (≥ 1).
    Count(usize),
    /// At least this share of the sequences, in (0, 1]; rounded up to a count.
    Share(f64),
}

impl MinSupport {
    /// The minimum number of sequences for a database of `n_sequences` (never below 1).
    pub fn to_count(self, n_sequences: usize) -> usize {
        match self {
            MinSupport::Count(c) => c.max(1),
            // The small epsilon keeps 0.3 × 10 at 3, not 4 after floating-point error.
            MinSupport::Share(s) => ((s * n_sequences as f64 - 1e-9).ceil() as usize).max(1),
        }
    }
}

/// Hyperparameters of [`prefixspan`](super::prefixspan).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrefixSpanParams {
    /// Minimum support (default: 1 % of the sequences).
    pub min_support: MinSupport,
    /// Longest pattern mined, in events (default 4).
    pub max_pattern_len: usize,
}

impl Default for PrefixSpanParams {
    fn default() -> Self {
        PrefixSpanParams {
            min_support: MinSupport::Share(0.01),
            max_pattern_len: 4,
        }
    }
}

impl PrefixSpanParams {
    pub fn min_support(mut self, min_support: MinSupport) -> Self {
        self.min_support = min_support;
        self
    }

    pub fn max_pattern_len(mut self, max_pattern_len: usize) -> Self {
        self.max_pattern_len = max_pattern_len;
        self
    }

    /// Errors on a zero count, a share outside (0, 1] or a zero `max_pattern_len`.
    pub fn check(&self) -> Result<()> {
        match self.min_support {
            MinSupport::Count(0) => {
                return Err(Error::InvalidParameter {
                    name: "min_support",
                    expected: "≥ 1 sequence",
                    found: "0".into(),
                });
            }
            MinSupport::Share(s) if !(s > 0.0 && s <= 1.0) => {
                return Err(Error::InvalidParameter {
                    name: "min_support",
                    expected: "a share in (0, 1]",
                    found: s.to_string(),
                });
            }
            _ => {}
        }
        if self.max_pattern_len == 0 {
            return Err(Error::InvalidParameter {
                name: "max_pattern_len",
                expected: "≥ 1",
                found: "0".into(),
            });
        }
        Ok(())
    }
}

/// Hyperparameters of [`MarkovModel::fit`](super::MarkovModel::fit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkovParams {
    /// Laplace (additive) smoothing: `alpha` is added to every transition count (default 1).
    pub alpha: f64,
}

impl Default for MarkovParams {
    fn default() -> Self {
        MarkovParams { alpha: 1.0 }
    }
}

impl MarkovParams {
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.alpha = alpha;
        self
    }

    /// Errors unless `alpha` is finite and ≥ 0.
    pub fn check(&self) -> Result<()> {
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "alpha",
                expected: "finite and ≥ 0",
                found: self.alpha.to_string(),
            });
        }
        Ok(())
    }
}
