//! The intent vendors' public baseline, for comparison with [`detect_surges`](super::detect_surges):
//! a day is flagged when the mean daily activity of the last `recent_days` (3 weeks) is at
//! least `ratio_threshold` times that of the `prior_days` (12 weeks) before them.

use serde::{Deserialize, Serialize};

use super::detect::{SurgeEpisode, check_counts, episodes};
use super::params::IntentBaselineParams;
use crate::Result;

/// Result of [`intent_baseline`] on one series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntentBaseline {
    /// Per day, recent rate / prior rate: `None` before `recent_days + prior_days` days of
    /// history, or when both windows are empty; infinite when only the prior one is.
    pub ratio: Vec<Option<f64>>,
    /// Flagged stretches (signal name `activity`), peak score = ratio.
    pub episodes: Vec<SurgeEpisode>,
}

/// Runs the 3-weeks-vs-12-weeks baseline on one daily series.
pub fn intent_baseline(counts: &[f64], params: &IntentBaselineParams) -> Result<IntentBaseline> {
    params.check()?;
    check_counts(counts)?;
    let n = counts.len();
    let (r, q) = (params.recent_days, params.prior_days);
    let mut prefix = Vec::with_capacity(n + 1);
    prefix.push(0.0);
    let mut acc = 0.0;
    for &c in counts {
        acc += c;
        prefix.push(acc);
    }
    let mut ratio = vec![None; n];
    let mut day = vec![None; n];
    for t in (r + q - 1)..n {
        let recent = prefix[t + 1] - prefix[t + 1 - r];
        let prior = prefix[t + 1 - r] - prefix[t + 1 - r - q];
        let value = match (recent > 0.0, prior > 0.0) {
            (_, true) => (recent / r as f64) / (prior / q as f64),
            (true, false) => f64::INFINITY,
            (false, false) => continue,
        };
        ratio[t] = Some(value);
        if value >= params.ratio_threshold && recent >= params.min_recent_count {
            day[t] = Some((value, 1));
        }
    }
    let episodes = episodes(
        &day,
        &["activity"],
        params.min_duration_days,
        params.refractory_days,
    );
    Ok(IntentBaseline { ratio, episodes })
}
