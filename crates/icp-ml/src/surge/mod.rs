//! Buying-cycle timing: when does an account enter an active buying cycle, judged against
//! its **own** history rather than a global threshold.
//!
//! For each daily series of an account (total events, pricing-page views, new contacts …),
//! [`signal_scores`] compares the trailing `window_days` (14) with the `baseline_days` (90)
//! before them: the robust z-score `(window sum − median) / max(1.4826·MAD, √median,
//! min_scale)` of the window sums in the baseline ([`SurgeMethod::RobustZ`], with the
//! largest day of each window trimmed so one spike is not a surge), or a one-sided CUSUM of
//! the robust-standardised daily counts ([`SurgeMethod::Cusum`]). [`detect_surges`] combines
//! the signals (at least `min_signals` fire, and all `required_signals`) and turns alarm
//! days into [`SurgeEpisode`]s with a start, an end, a peak and the signals that fired.
//! [`intent_baseline`] is the intent vendors' public method (last 21 days vs the prior 84)
//! on the same series, for comparison.
//!
//! ```
//! use icp_ml::surge::{detect_surges, intent_baseline, IntentBaselineParams, Signal, SurgeParams};
//!
//! // 200 days of steady activity; from day 150 a month of heavy use with pricing views.
//! let total: Vec<f64> = (0..200)
//!     .map(|t| 2.0 + f64::from(t % 3 == 0) + if (150..180).contains(&t) { 6.0 } else { 0.0 })
//!     .collect();
//! let pricing: Vec<f64> = (0..200)
//!     .map(|t| f64::from(t % 10 == 0) + if (150..180).contains(&t) { 2.0 } else { 0.0 })
//!     .collect();
//! let signals = [Signal::new("total", &total), Signal::new("pricing", &pricing)];
//! let episodes = detect_surges(&signals, &SurgeParams::default())?;
//! assert_eq!(episodes.len(), 1);
//! assert!((150..=155).contains(&episodes[0].start_day));
//! assert_eq!(episodes[0].signals, ["total", "pricing"]);
//!
//! // Bad parameters are refused before any work:
//! let err = SurgeParams::default().baseline_days(3).check().unwrap_err();
//! assert_eq!(err.to_string(), "`baseline_days` must be ≥ 14, got 3");
//!
//! // The vendors' 3-weeks-vs-12-weeks ratio on the total:
//! let vendor = intent_baseline(&total, &IntentBaselineParams::default())?;
//! assert!(!vendor.episodes.is_empty());
//! # Ok::<(), icp_ml::Error>(())
//! ```

mod detect;
mod intent;
mod params;

pub use detect::{Signal, SignalScores, SurgeEpisode, detect_surges, signal_scores};
pub use intent::{IntentBaseline, intent_baseline};
pub use params::{IntentBaselineParams, SurgeMethod, SurgeParams};
