//! [`RecipeParams`]: the hyperparameters of the preprocessing recipe, their defaults, a
//! chainable builder, and [`RecipeParams::check`], which turns an out-of-range value into an
//! error before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How numeric columns are centred and scaled after clipping, log and imputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scaling {
    /// Leave values in their (clipped, logged) units.
    None,
    /// Subtract the mean, divide by the standard deviation (population, as scikit-learn's
    /// `StandardScaler`). A zero deviation divides by 1.
    #[default]
    Standard,
    /// Subtract the median, divide by the interquartile range (scikit-learn's
    /// `RobustScaler`). A zero range divides by 1.
    Robust,
}

/// Which numeric columns get `ln(1 + x)` before imputation and scaling.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogColumns {
    /// No column.
    #[default]
    None,
    /// Every numeric column whose training values are all ≥ 0 and whose skewness exceeds
    /// [`RecipeParams::auto_log_skewness`].
    Auto,
    /// Exactly these columns (e.g. `employees`, `annual_revenue`); each must be numeric and
    /// non-negative in the training rows.
    Listed(Vec<String>),
}

/// Hyperparameters of [`Recipe::fit`](super::Recipe::fit). Build with
/// `RecipeParams::default()` and the chainable setters; `fit` calls [`check`](Self::check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecipeParams {
    /// Clip numeric columns at the fitted `q` and `1 − q` quantiles; `None` disables.
    /// Default `Some(0.01)`.
    pub winsor_quantile: Option<f64>,
    /// Centring and scaling of numeric columns. Default [`Scaling::Standard`].
    pub scaling: Scaling,
    /// Columns to log-transform. Default [`LogColumns::None`].
    pub log_columns: LogColumns,
    /// Skewness above which [`LogColumns::Auto`] logs a non-negative column. Default 2.
    pub auto_log_skewness: f64,
    /// Add `<name>__missing` (0/1) for every column with a missing value in training.
    /// Default true.
    pub missing_indicators: bool,
    /// Categorical columns with at most this many distinct (non-missing) levels are one-hot
    /// encoded; the others are target-encoded. Default 12.
    pub max_onehot_levels: usize,
    /// One-hot levels seen fewer times than this are folded into `(other)`. Default 10.
    pub min_level_count: usize,
    /// Number of folds for out-of-fold target encoding (scikit-learn's `TargetEncoder(cv)`).
    /// Default 5.
    pub cv: usize,
    /// Smoothing `m` of target encoding: `(sum + m·prior) / (n + m)`. Default 20.
    pub smooth: f64,
    /// Drop an output column whose most frequent value has at least this share of the
    /// training rows. Default 0.995.
    pub near_constant_share: f64,
    /// Drop an output column whose |Pearson r| with an earlier kept column is at least this
    /// (up to 1e-12 of rounding, so 1 still drops exact linear copies). Default 0.98.
    pub max_abs_correlation: f64,
}

impl Default for RecipeParams {
    fn default() -> Self {
        RecipeParams {
            winsor_quantile: Some(0.01),
            scaling: Scaling::Standard,
            log_columns: LogColumns::None,
            auto_log_skewness: 2.0,
            missing_indicators: true,
            max_onehot_levels: 12,
            min_level_count: 10,
            cv: 5,
            smooth: 20.0,
            near_constant_share: 0.995,
            max_abs_correlation: 0.98,
        }
    }
}

impl RecipeParams {
    /// Sets [`winsor_quantile`](Self::winsor_quantile); `None` disables clipping.
    pub fn winsor_quantile(mut self, q: Option<f64>) -> Self {
        self.winsor_quantile = q;
        self
    }
    /// Sets [`scaling`](Self::scaling).
    pub fn scaling(mut self, scaling: Scaling) -> Self {
        self.scaling = scaling;
        self
    }
    /// Sets [`log_columns`](Self::log_columns).
    pub fn log_columns(mut self, log_columns: LogColumns) -> Self {
        self.log_columns = log_columns;
        self
    }
    /// Sets [`auto_log_skewness`](Self::auto_log_skewness).
    pub fn auto_log_skewness(mut self, skewness: f64) -> Self {
        self.auto_log_skewness = skewness;
        self
    }
    /// Sets [`missing_indicators`](Self::missing_indicators).
    pub fn missing_indicators(mut self, on: bool) -> Self {
        self.missing_indicators = on;
        self
    }
    /// Sets [`max_onehot_levels`](Self::max_onehot_levels).
    pub fn max_onehot_levels(mut self, levels: usize) -> Self {
        self.max_onehot_levels = levels;
        self
    }
    /// Sets [`min_level_count`](Self::min_level_count).
    pub fn min_level_count(mut self, count: usize) -> Self {
        self.min_level_count = count;
        self
    }
    /// Sets [`cv`](Self::cv).
    pub fn cv(mut self, folds: usize) -> Self {
        self.cv = folds;
        self
    }
    /// Sets [`smooth`](Self::smooth).
    pub fn smooth(mut self, m: f64) -> Self {
        self.smooth = m;
        self
    }
    /// Sets [`near_constant_share`](Self::near_constant_share).
    pub fn near_constant_share(mut self, share: f64) -> Self {
        self.near_constant_share = share;
        self
    }
    /// Sets [`max_abs_correlation`](Self::max_abs_correlation).
    pub fn max_abs_correlation(mut self, r: f64) -> Self {
        self.max_abs_correlation = r;
        self
    }

    /// Checks every hyperparameter; the error names the first one out of range, e.g.
    /// "`winsor_quantile` must be in (0, 0.5), got 0.7".
    pub fn check(&self) -> Result<()> {
        if let Some(q) = self.winsor_quantile
            && !(q > 0.0 && q < 0.5)
        {
            return Err(Error::invalid_parameter(
                "winsor_quantile",
                "in (0, 0.5)",
                q,
            ));
        }
        let s = self.auto_log_skewness;
        if !(s.is_finite() && s >= 0.0) {
            return Err(Error::invalid_parameter(
                "auto_log_skewness",
                "finite and ≥ 0",
                s,
            ));
        }
        if self.min_level_count < 1 {
            return Err(Error::invalid_parameter(
                "min_level_count",
                "≥ 1",
                self.min_level_count,
            ));
        }
        if self.cv < 2 {
            return Err(Error::invalid_parameter("cv", "≥ 2", self.cv));
        }
        if !(self.smooth.is_finite() && self.smooth >= 0.0) {
            return Err(Error::invalid_parameter(
                "smooth",
                "finite and ≥ 0",
                self.smooth,
            ));
        }
        let share = self.near_constant_share;
        if !(share > 0.0 && share <= 1.0) {
            return Err(Error::invalid_parameter(
                "near_constant_share",
                "in (0, 1]",
                share,
            ));
        }
        let r = self.max_abs_correlation;
        if !(r > 0.0 && r <= 1.0) {
            return Err(Error::invalid_parameter(
                "max_abs_correlation",
                "in (0, 1]",
                r,
            ));
        }
        if let LogColumns::Listed(names) = &self.log_columns
            && names.iter().any(String::is_empty)
        {
            return Err(Error::invalid_parameter(
                "log_columns",
                "non-empty column names",
                "\"\"",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_pass_and_messages_name_the_parameter() {
        RecipeParams::default().check().unwrap();
        let err = RecipeParams::default()
            .winsor_quantile(Some(0.7))
            .check()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`winsor_quantile` must be in (0, 0.5), got 0.7"
        );
        let err = RecipeParams::default().cv(1).check().unwrap_err();
        assert_eq!(err.to_string(), "`cv` must be ≥ 2, got 1");
        let err = RecipeParams::default()
            .smooth(f64::NAN)
            .check()
            .unwrap_err();
        assert_eq!(err.to_string(), "`smooth` must be finite and ≥ 0, got NaN");
        for bad in [0.0, 1.5] {
            assert!(
                RecipeParams::default()
                    .max_abs_correlation(bad)
                    .check()
                    .is_err()
            );
            assert!(
                RecipeParams::default()
                    .near_constant_share(bad)
                    .check()
                    .is_err()
            );
        }
        assert!(RecipeParams::default().min_level_count(0).check().is_err());
        RecipeParams::default()
            .winsor_quantile(None)
            .check()
            .unwrap();
    }
}
