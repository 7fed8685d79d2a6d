//! [`KaplanMeier`]: the product-limit estimate of the survival function of subscription
//! tenure under right-censoring (active subscriptions), with its median and restricted mean
//! survival time, which the subscription lifetime value builds on.

use serde::{Deserialize, Serialize};

use super::{FORMAT_VERSION, check_format_version, json_error};
use crate::{Error, Result};

const MODEL: &str = "Kaplan–Meier";

/// One distinct observed time of the Kaplan–Meier table (lifelines' `event_table`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KmStep {
    /// The time (tenure) at which something was observed.
    pub time: f64,
    /// Subjects still under observation just before `time`.
    pub at_risk: usize,
    /// Ends (churns) observed at `time`.
    pub events: usize,
    /// Subjects censored at `time` (still active when last seen); by convention they were at
    /// risk of the events at the same time.
    pub censored: usize,
    /// Estimated S(time): probability of lasting beyond `time`.
    pub survival: f64,
    /// Greenwood standard error of `survival` (0 once survival reaches 0).
    pub std_error: f64,
}

/// A fitted Kaplan–Meier survival curve: a right-continuous step function, plain serde data
/// with a `format_version`.
///
/// Beyond the last observed time the curve is carried flat at its last value (as lifelines
/// does), unless it was fitted by [`KaplanMeier::fit_with_exponential_tail`]: then it decays
/// from there at a constant hazard estimated from the later half of the follow-up, so that
/// restricted means to a horizon beyond the data do not count every survivor as staying
/// forever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KaplanMeier {
    format_version: u32,
    n_subjects: usize,
    steps: Vec<KmStep>,
    /// Hazard per unit of time beyond the last observed time (0: carried flat).
    #[serde(default)]
    tail_hazard: f64,
}

impl KaplanMeier {
    /// Fits the curve on `durations` (tenure, ≥ 0, in any unit: the results are in the same
    /// unit) and `events` (`true` = ended, `false` = censored, i.e. still active).
    pub fn fit(durations: &[f64], events: &[bool]) -> Result<KaplanMeier> {
        if durations.is_empty() {
            return Err(Error::EmptyInput {
                what: "no durations to fit the Kaplan–Meier curve on",
            });
        }
        if events.len() != durations.len() {
            return Err(Error::LengthMismatch {
                field: "events",
                expected: durations.len(),
                found: events.len(),
            });
        }
        for (row, &d) in durations.iter().enumerate() {
            if !(d.is_finite() && d >= 0.0) {
                return Err(Error::InvalidRecord {
                    row,
                    field: "durations",
                    problem: format!("must be finite and ≥ 0, got {d}"),
                });
            }
        }
        let mut order: Vec<usize> = (0..durations.len()).collect();
        order.sort_by(|&i, &j| durations[i].total_cmp(&durations[j]));

        let mut steps = Vec::new();
        let mut at_risk = durations.len();
        let mut survival = 1.0;
        let mut greenwood = 0.0;
        let mut k = 0;
        while k < order.len() {
            let time = durations[order[k]];
            let (mut events_here, mut censored_here) = (0, 0);
            while k < order.len() && durations[order[k]] == time {
                if events[order[k]] {
                    events_here += 1;
                } else {
                    censored_here += 1;
                }
                k += 1;
            }
            if events_here > 0 {
                let (n, d) = (at_risk as f64, events_here as f64);
                survival *= 1.0 - d / n;
                if at_risk > events_here {
                    greenwood += d / (n * (n - d));
                }
            }
            let std_error = if survival > 0.0 {
                survival * greenwood.sqrt()
            } else {
                0.0
            };
            steps.push(KmStep {
                time,
                at_risk,
                events: events_here,
                censored: censored_here,
                survival,
                std_error,
            });
            at_risk -= events_here + censored_here;
        }
        Ok(KaplanMeier {
            format_version: FORMAT_VERSION,
            n_subjects: durations.len(),
            steps,
            tail_hazard: 0.0,
        })
    }

    /// [`KaplanMeier::fit`], with the curve extended beyond the last observed time by an
    /// exponential tail: the constant hazard's maximum-likelihood estimate (ends ÷ time at
    /// risk) over the later half of the follow-up, i.e. tenure from half the last observed
    /// time on. No end there leaves the tail flat.
    pub fn fit_with_exponential_tail(durations: &[f64], events: &[bool]) -> Result<KaplanMeier> {
        let mut km = KaplanMeier::fit(durations, events)?;
        let from = km.steps.last().map_or(0.0, |s| s.time) / 2.0;
        let (mut ends, mut exposure) = (0usize, 0.0);
        for (&d, &e) in durations.iter().zip(events) {
            exposure += (d - from).max(0.0);
            ends += usize::from(e && d >= from);
        }
        if ends > 0 && exposure > 0.0 {
            km.tail_hazard = ends as f64 / exposure;
        }
        Ok(km)
    }

    /// Hazard per unit of time beyond the last observed time (0 when carried flat).
    pub fn tail_hazard(&self) -> f64 {
        self.tail_hazard
    }

    /// The table: one row per distinct observed time, ascending.
    pub fn table(&self) -> &[KmStep] {
        &self.steps
    }

    /// Number of subjects the curve was fitted on.
    pub fn n_subjects(&self) -> usize {
        self.n_subjects
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// S(t): the estimated probability of lasting beyond `t` (1 before the first event).
    pub fn survival(&self, t: f64) -> f64 {
        let i = self.steps.partition_point(|s| s.time <= t);
        if i == 0 {
            return 1.0;
        }
        let last = self.steps[i - 1];
        if i == self.steps.len() {
            last.survival * (-self.tail_hazard * (t - last.time)).exp()
        } else {
            last.survival
        }
    }

    /// The median survival time: the smallest time at which S drops to 0.5 or below
    /// (lifelines' convention); beyond the data, where the exponential tail reaches 0.5;
    /// `None` when the curve never does.
    pub fn median(&self) -> Option<f64> {
        if let Some(s) = self.steps.iter().find(|s| s.survival <= 0.5) {
            return Some(s.time);
        }
        let last = self.steps.last()?;
        (self.tail_hazard > 0.0).then(|| last.time + (2.0 * last.survival).ln() / self.tail_hazard)
    }

    /// Restricted mean survival time `∫₀^horizon S(u) du`: the expected tenure counted up to
    /// `horizon` (≥ 0).
    pub fn restricted_mean(&self, horizon: f64) -> Result<f64> {
        check_nonnegative("horizon", horizon)?;
        Ok(self.integral(horizon))
    }

    /// Restricted mean remaining tenure of a subject still active at tenure `elapsed`:
    /// `∫_elapsed^(elapsed+window) S(u) du / S(elapsed)`, the expected further time within
    /// the next `window` periods. 0 when the curve has already reached 0 at `elapsed`.
    pub fn restricted_mean_remaining(&self, elapsed: f64, window: f64) -> Result<f64> {
        check_nonnegative("elapsed", elapsed)?;
        check_nonnegative("window", window)?;
        let s = self.survival(elapsed);
        if s <= 0.0 {
            return Ok(0.0);
        }
        Ok(((self.integral(elapsed + window) - self.integral(elapsed)) / s).clamp(0.0, window))
    }

    /// `∫₀^to S(u) du` of the step function.
    fn integral(&self, to: f64) -> f64 {
        let (mut area, mut from, mut level) = (0.0, 0.0, 1.0);
        for s in &self.steps {
            if s.time >= to {
                break;
            }
            area += level * (s.time - from);
            from = s.time;
            level = s.survival;
        }
        let rest = (to - from).max(0.0);
        let beyond = self.steps.last().is_some_and(|s| from >= s.time);
        if beyond && self.tail_hazard > 0.0 {
            // ∫ level·e^(−λu) du over [0, rest].
            area + level * (1.0 - (-self.tail_hazard * rest).exp()) / self.tail_hazard
        } else {
            area + level * rest
        }
    }

    /// The curve as pretty JSON; numbers round-trip exactly through [`KaplanMeier::from_json`].
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| json_error(MODEL, e))
    }

    /// Loads a curve saved by [`KaplanMeier::to_json`]; an absent or unknown
    /// `format_version` is [`Error::FormatVersion`], an inconsistent table
    /// [`Error::InvalidModel`].
    pub fn from_json(json: &str) -> Result<KaplanMeier> {
        check_format_version(MODEL, json)?;
        let km: KaplanMeier = serde_json::from_str(json).map_err(|e| json_error(MODEL, e))?;
        let mut previous = (f64::NEG_INFINITY, 1.0);
        for s in &km.steps {
            let ok = s.time.is_finite()
                && s.time > previous.0
                && (0.0..=previous.1).contains(&s.survival);
            if !ok {
                return Err(json_error(
                    MODEL,
                    format!(
                        "the table is not a non-increasing step function at time {}",
                        s.time
                    ),
                ));
            }
            previous = (s.time, s.survival);
        }
        if !(km.tail_hazard.is_finite() && km.tail_hazard >= 0.0) {
            return Err(json_error(
                MODEL,
                format!("tail_hazard must be finite and ≥ 0, got {}", km.tail_hazard),
            ));
        }
        Ok(km)
    }
}

pub(super) fn check_nonnegative(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(Error::InvalidParameter {
            name,
            expected: "finite and ≥ 0",
            found: v.to_string(),
        })
    }
}
