//! [`SurgeParams`] and [`IntentBaselineParams`]: hyperparameters of surge detection and of
//! the intent vendors' baseline, their defaults, chainable setters and `check`, which turns
//! an out-of-range value into an error before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How a signal's activity is compared with its own history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurgeMethod {
    /// Robust z-score of the trailing `window_days` sum against the median and MAD of the
    /// `window_days` sums inside the trailing baseline; fires at `z ≥ z_threshold`.
    #[default]
    RobustZ,
    /// One-sided CUSUM of daily counts standardised by the same robust baseline (daily
    /// mean `median / window_days`, daily scale `max(scale / √window_days, min_scale)`),
    /// clipped at ±`cusum_clip`, allowance `cusum_k`; fires at `C ≥ cusum_h`. `C` is capped
    /// at `2·cusum_h` so the alarm ends soon after activity returns to normal.
    Cusum,
}

/// Hyperparameters of [`detect_surges`](super::detect_surges) and
/// [`signal_scores`](super::signal_scores). Build with `SurgeParams::default()` and the
/// chainable setters; every entry point calls [`check`](Self::check).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurgeParams {
    /// Length of the trailing short window, in days (default 14).
    pub window_days: usize,
    /// Length of the baseline just before the short window, in days (default 90, ≥ 14).
    pub baseline_days: usize,
    /// The baseline distribution is made of the `window_days` sums ending every
    /// `baseline_step` days inside the baseline (default 1: every overlapping window).
    pub baseline_step: usize,
    /// For [`SurgeMethod::RobustZ`], the largest `trim_days` days of every window are left
    /// out of its sum, so one spike day cannot make a surge (default 1).
    pub trim_days: usize,
    pub method: SurgeMethod,
    /// Robust z-score at or above which a signal fires (default 3).
    pub z_threshold: f64,
    /// Floor of the robust scale (the scale is `max(1.4826·MAD, √median, min_scale)`), so a
    /// near-silent account does not alarm on a handful of events: with the defaults its
    /// (trimmed) window must exceed its median by 4.5 (default 1.5).
    pub min_scale: f64,
    /// A signal fires only when its window sum reaches this count (default 3).
    pub min_window_count: f64,
    /// CUSUM allowance, in robust standard deviations per day (default 0.5).
    pub cusum_k: f64,
    /// CUSUM decision threshold (default 5).
    pub cusum_h: f64,
    /// Standardised daily values are clipped to ±`cusum_clip` before entering the CUSUM
    /// (default 4), which bounds what one spike day can add.
    pub cusum_clip: f64,
    /// Runs of alarm days shorter than this are dropped (default 3).
    pub min_duration_days: usize,
    /// An alarm run starting at most this many days after the previous episode ended
    /// belongs to that episode (default 14).
    pub refractory_days: usize,
    /// A day is an alarm day when at least this many signals fire (default 2) …
    pub min_signals: usize,
    /// … and every signal named here fires (default: none).
    pub required_signals: Vec<String>,
}

impl Default for SurgeParams {
    fn default() -> Self {
        SurgeParams {
            window_days: 14,
            baseline_days: 90,
            baseline_step: 1,
            trim_days: 1,
            method: SurgeMethod::RobustZ,
            z_threshold: 3.0,
            min_scale: 1.5,
            min_window_count: 3.0,
            cusum_k: 0.5,
            cusum_h: 5.0,
            cusum_clip: 4.0,
            min_duration_days: 3,
            refractory_days: 14,
            min_signals: 2,
            required_signals: Vec::new(),
        }
    }
}

macro_rules! setters {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(
            pub fn $name(mut self, $name: $ty) -> Self {
                self.$name = $name;
                self
            }
        )*
    };
}

pub(super) fn check_positive(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(name, "finite and > 0", v))
    }
}

pub(super) fn check_non_negative(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::invalid_parameter(name, "finite and ≥ 0", v))
    }
}

impl SurgeParams {
    setters! {
        window_days: usize,
        baseline_days: usize,
        baseline_step: usize,
        trim_days: usize,
        method: SurgeMethod,
        z_threshold: f64,
        min_scale: f64,
        min_window_count: f64,
        cusum_k: f64,
        cusum_h: f64,
        cusum_clip: f64,
        min_duration_days: usize,
        refractory_days: usize,
        min_signals: usize,
        required_signals: Vec<String>,
    }

    /// Days of history needed before the first day can be scored:
    /// `window_days + baseline_days − 1` is the first scored day (0-based).
    pub fn history_days(&self) -> usize {
        self.window_days + self.baseline_days
    }

    /// Errors on any out-of-range value, e.g. "`baseline_days` must be ≥ 14, got 3".
    pub fn check(&self) -> Result<()> {
        if self.window_days == 0 {
            return Err(Error::invalid_parameter("window_days", "≥ 1", 0));
        }
        if self.baseline_days < 14 {
            return Err(Error::invalid_parameter(
                "baseline_days",
                "≥ 14",
                self.baseline_days,
            ));
        }
        if self.baseline_days < self.window_days {
            return Err(Error::invalid_parameter(
                "baseline_days",
                "≥ `window_days`",
                format!(
                    "{} (window_days = {})",
                    self.baseline_days, self.window_days
                ),
            ));
        }
        if self.baseline_step == 0 {
            return Err(Error::invalid_parameter("baseline_step", "≥ 1", 0));
        }
        if self.trim_days >= self.window_days {
            return Err(Error::invalid_parameter(
                "trim_days",
                "< `window_days`",
                format!("{} (window_days = {})", self.trim_days, self.window_days),
            ));
        }
        check_positive("z_threshold", self.z_threshold)?;
        check_positive("min_scale", self.min_scale)?;
        check_non_negative("min_window_count", self.min_window_count)?;
        check_non_negative("cusum_k", self.cusum_k)?;
        check_positive("cusum_h", self.cusum_h)?;
        check_positive("cusum_clip", self.cusum_clip)?;
        if self.min_duration_days == 0 {
            return Err(Error::invalid_parameter("min_duration_days", "≥ 1", 0));
        }
        if self.min_signals == 0 {
            return Err(Error::invalid_parameter("min_signals", "≥ 1", 0));
        }
        Ok(())
    }
}

/// Hyperparameters of [`intent_baseline`](super::intent_baseline): the public method of
/// intent-data vendors — the mean daily activity of the last `recent_days` over that of the
/// `prior_days` before them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentBaselineParams {
    /// Recent window in days (default 21: three weeks).
    pub recent_days: usize,
    /// Prior window in days, just before the recent one (default 84: twelve weeks).
    pub prior_days: usize,
    /// The day is flagged when the ratio of daily rates reaches this (default 2).
    pub ratio_threshold: f64,
    /// … and the recent window holds at least this many events (default 3).
    pub min_recent_count: f64,
    /// Runs of flagged days shorter than this are dropped (default 3).
    pub min_duration_days: usize,
    /// A run starting at most this many days after the previous episode belongs to it
    /// (default 14).
    pub refractory_days: usize,
}

impl Default for IntentBaselineParams {
    fn default() -> Self {
        IntentBaselineParams {
            recent_days: 21,
            prior_days: 84,
            ratio_threshold: 2.0,
            min_recent_count: 3.0,
            min_duration_days: 3,
            refractory_days: 14,
        }
    }
}

impl IntentBaselineParams {
    setters! {
        recent_days: usize,
        prior_days: usize,
        ratio_threshold: f64,
        min_recent_count: f64,
        min_duration_days: usize,
        refractory_days: usize,
    }

    /// Errors on any out-of-range value.
    pub fn check(&self) -> Result<()> {
        if self.recent_days == 0 {
            return Err(Error::invalid_parameter("recent_days", "≥ 1", 0));
        }
        if self.prior_days == 0 {
            return Err(Error::invalid_parameter("prior_days", "≥ 1", 0));
        }
        check_positive("ratio_threshold", self.ratio_threshold)?;
        check_non_negative("min_recent_count", self.min_recent_count)?;
        if self.min_duration_days == 0 {
            return Err(Error::invalid_parameter("min_duration_days", "≥ 1", 0));
        }
        Ok(())
    }
}
