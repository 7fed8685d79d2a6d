//! Surge detection on one account's daily series against its own history: per-signal robust
//! scores ([`signal_scores`]), the configurable combination of signals and the assembly of
//! alarm days into [`SurgeEpisode`]s ([`detect_surges`]).

use serde::{Deserialize, Serialize};

use super::params::{SurgeMethod, SurgeParams};
use crate::{Error, Result};

/// One named daily series of an account (day 0 first), e.g. total events, pricing-page
/// views, new contacts. Counts must be finite and ≥ 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Signal<'a> {
    pub name: &'a str,
    pub counts: &'a [f64],
}

impl<'a> Signal<'a> {
    pub fn new(name: &'a str, counts: &'a [f64]) -> Signal<'a> {
        Signal { name, counts }
    }
}

/// A buying-cycle surge: a stretch of alarm days (merged across the refractory period).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurgeEpisode {
    /// First alarm day (index into the series).
    pub start_day: usize,
    /// Last alarm day (inclusive).
    pub end_day: usize,
    /// Day of the highest score.
    pub peak_day: usize,
    /// Highest score of a fired signal during the episode (a robust z, a CUSUM statistic,
    /// or for the intent baseline a ratio of rates).
    pub peak_score: f64,
    /// Names of the signals that fired on at least one alarm day, in input order.
    pub signals: Vec<String>,
}

/// Per-day score of one signal: `None` before `window_days + baseline_days − 1` days of
/// history; `fired` says whether the signal fires that day (score over its threshold and
/// window sum ≥ `min_window_count`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignalScores {
    pub score: Vec<Option<f64>>,
    pub fired: Vec<bool>,
}

pub(super) fn check_counts(counts: &[f64]) -> Result<()> {
    for (index, &v) in counts.iter().enumerate() {
        if !v.is_finite() {
            return Err(Error::NonFinite { index });
        }
        if v < 0.0 {
            return Err(Error::Negative {
                what: "daily counts",
                index,
                value: v,
            });
        }
    }
    Ok(())
}

/// Sum of `x[t − s + 1 ..= t]` without its `trim` largest values, for every `t ≥ s − 1`
/// (entries before are 0 and unused).
fn window_sums(x: &[f64], s: usize, trim: usize, buf: &mut Vec<f64>) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    if x.len() < s {
        return out;
    }
    for t in s - 1..x.len() {
        let w = &x[t + 1 - s..=t];
        let sum: f64 = w.iter().sum();
        let dropped = match trim {
            0 => 0.0,
            1 => w.iter().copied().fold(0.0, f64::max),
            _ => {
                buf.clear();
                buf.extend_from_slice(w);
                buf.select_nth_unstable_by(trim - 1, |a, b| b.total_cmp(a));
                buf[..trim].iter().sum()
            }
        };
        out[t] = sum - dropped;
    }
    out
}

/// Median and median absolute deviation of a sorted, non-empty slice (the mean of the two
/// middle values for an even length), the deviations merged outward from the median.
fn median_mad_sorted(v: &[f64]) -> (f64, f64) {
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    // Deviations left of the median grow as i falls, right of it as j rises.
    let mut j = v.partition_point(|&x| x < med);
    let mut i = j;
    let mut take = || {
        let left = (i > 0).then(|| med - v[i - 1]);
        let right = (j < n).then(|| v[j] - med);
        match (left, right) {
            (Some(l), Some(r)) if l <= r => {
                i -= 1;
                l
            }
            (Some(l), None) => {
                i -= 1;
                l
            }
            (_, Some(r)) => {
                j += 1;
                r
            }
            (None, None) => 0.0,
        }
    };
    for _ in 0..(n - 1) / 2 {
        take();
    }
    let mid = take();
    let mad = if n % 2 == 1 {
        mid
    } else {
        (mid + take()) / 2.0
    };
    (med, mad)
}

/// Scores one daily series against its own trailing baseline (see [`SurgeParams`]).
pub fn signal_scores(counts: &[f64], params: &SurgeParams) -> Result<SignalScores> {
    params.check()?;
    check_counts(counts)?;
    Ok(scores_unchecked(counts, params))
}

fn scores_unchecked(x: &[f64], p: &SurgeParams) -> SignalScores {
    let n = x.len();
    let s = p.window_days;
    let b = p.baseline_days;
    let mut score = vec![None; n];
    let mut fired = vec![false; n];
    let first = s + b - 1;
    if n <= first {
        return SignalScores { score, fired };
    }
    let mut buf = Vec::with_capacity(s);
    let trim = match p.method {
        SurgeMethod::RobustZ => p.trim_days,
        SurgeMethod::Cusum => 0,
    };
    let sums = window_sums(x, s, trim, &mut buf);
    let mut cusum = 0.0f64;
    // The baseline window sums, kept sorted. With `baseline_step = 1` the set slides by one
    // window a day (one removal, one insertion); otherwise it is rebuilt.
    let mut sorted: Vec<f64> = Vec::with_capacity(b);
    for t in first..n {
        // Windows lying inside the baseline [t − s − b + 1, t − s] end in [t − b, t − s].
        if p.baseline_step == 1 && t > first {
            let out = sums[t - b - 1];
            let at = sorted.partition_point(|&v| v < out);
            sorted.remove(at);
            let inn = sums[t - s];
            let at = sorted.partition_point(|&v| v < inn);
            sorted.insert(at, inn);
        } else {
            sorted.clear();
            let mut e = t - s;
            loop {
                sorted.push(sums[e]);
                if e < t - b + p.baseline_step {
                    break;
                }
                e -= p.baseline_step;
            }
            sorted.sort_unstable_by(f64::total_cmp);
        }
        let (med, mad) = median_mad_sorted(&sorted);
        let scale = (1.4826 * mad).max(med.max(0.0).sqrt()).max(p.min_scale);
        let enough = sums[t] >= p.min_window_count;
        match p.method {
            SurgeMethod::RobustZ => {
                let z = (sums[t] - med) / scale;
                score[t] = Some(z);
                fired[t] = enough && z >= p.z_threshold;
            }
            SurgeMethod::Cusum => {
                let sf = s as f64;
                let daily_scale = (scale / sf.sqrt()).max(p.min_scale);
                let u = ((x[t] - med / sf) / daily_scale).clamp(-p.cusum_clip, p.cusum_clip);
                cusum = (cusum + u - p.cusum_k).clamp(0.0, 2.0 * p.cusum_h);
                score[t] = Some(cusum);
                fired[t] = enough && cusum >= p.cusum_h;
            }
        }
    }
    SignalScores { score, fired }
}

/// Alarm days → episodes: runs shorter than `min_duration` are dropped, then a run starting
/// at most `refractory` days after the previous episode's end is merged into it.
/// `day[t] = Some((score, mask))` on alarm days, `mask` the fired signals (bit i = signal i).
pub(super) fn episodes(
    day: &[Option<(f64, u64)>],
    names: &[&str],
    min_duration: usize,
    refractory: usize,
) -> Vec<SurgeEpisode> {
    struct Run {
        start: usize,
        end: usize,
        peak_day: usize,
        peak: f64,
        mask: u64,
    }
    let mut runs: Vec<Run> = Vec::new();
    let mut current: Option<Run> = None;
    for (t, d) in day.iter().enumerate() {
        match (d, current.as_mut()) {
            (Some((sc, m)), Some(r)) => {
                r.end = t;
                r.mask |= m;
                if *sc > r.peak {
                    r.peak = *sc;
                    r.peak_day = t;
                }
            }
            (Some((sc, m)), None) => {
                current = Some(Run {
                    start: t,
                    end: t,
                    peak_day: t,
                    peak: *sc,
                    mask: *m,
                });
            }
            (None, _) => runs.extend(current.take()),
        }
    }
    runs.extend(current.take());
    let mut merged: Vec<Run> = Vec::new();
    for r in runs
        .into_iter()
        .filter(|r| r.end - r.start + 1 >= min_duration)
    {
        match merged.last_mut() {
            Some(prev) if r.start - prev.end <= refractory + 1 => {
                prev.end = r.end;
                prev.mask |= r.mask;
                if r.peak > prev.peak {
                    prev.peak = r.peak;
                    prev.peak_day = r.peak_day;
                }
            }
            _ => merged.push(r),
        }
    }
    merged
        .into_iter()
        .map(|r| SurgeEpisode {
            start_day: r.start,
            end_day: r.end,
            peak_day: r.peak_day,
            peak_score: r.peak,
            signals: names
                .iter()
                .enumerate()
                .filter(|(i, _)| r.mask & (1 << i) != 0)
                .map(|(_, n)| n.to_string())
                .collect(),
        })
        .collect()
}

/// Surge episodes of one account from several daily series of equal length. A day is an
/// alarm day when at least `min_signals` signals fire and every signal in
/// `required_signals` fires; alarm days become episodes through `min_duration_days` and
/// `refractory_days`.
///
/// Errors: bad parameters; no signal or more than 64; series of different lengths; a
/// negative or non-finite count; a required signal not given; `min_signals` above the number
/// of signals given.
pub fn detect_surges(signals: &[Signal<'_>], params: &SurgeParams) -> Result<Vec<SurgeEpisode>> {
    params.check()?;
    if signals.is_empty() {
        return Err(Error::EmptyInput {
            what: "no signal given to surge detection",
        });
    }
    if signals.len() > 64 {
        return Err(Error::InvalidParameter {
            name: "signals",
            expected: "at most 64 series",
            found: signals.len().to_string(),
        });
    }
    if params.min_signals > signals.len() {
        return Err(Error::InvalidParameter {
            name: "min_signals",
            expected: "≤ the number of signals given",
            found: format!("{} ({} signals given)", params.min_signals, signals.len()),
        });
    }
    let n = signals[0].counts.len();
    let mut required = 0u64;
    for name in &params.required_signals {
        match signals.iter().position(|s| s.name == name) {
            Some(i) => required |= 1 << i,
            None => return Err(Error::UnknownSignal { name: name.clone() }),
        }
    }
    for s in signals {
        if s.counts.len() != n {
            return Err(Error::LengthMismatch {
                field: "signal counts (every signal covers the same days)",
                expected: n,
                found: s.counts.len(),
            });
        }
        check_counts(s.counts)?;
    }
    let scored: Vec<SignalScores> = signals
        .iter()
        .map(|s| scores_unchecked(s.counts, params))
        .collect();
    let day: Vec<Option<(f64, u64)>> = (0..n)
        .map(|t| {
            let mut mask = 0u64;
            let mut best = f64::NEG_INFINITY;
            for (i, sc) in scored.iter().enumerate() {
                if sc.fired[t] {
                    mask |= 1 << i;
                    best = best.max(sc.score[t].unwrap_or(f64::NEG_INFINITY));
                }
            }
            let alarm =
                mask.count_ones() as usize >= params.min_signals && mask & required == required;
            alarm.then_some((best, mask))
        })
        .collect();
    let names: Vec<&str> = signals.iter().map(|s| s.name).collect();
    Ok(episodes(
        &day,
        &names,
        params.min_duration_days,
        params.refractory_days,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(v: &[f64]) -> (f64, f64) {
        let median = |w: &mut Vec<f64>| {
            w.sort_by(f64::total_cmp);
            let n = w.len();
            if n % 2 == 1 {
                w[n / 2]
            } else {
                (w[n / 2 - 1] + w[n / 2]) / 2.0
            }
        };
        let m = median(&mut v.to_vec());
        (m, median(&mut v.iter().map(|x| (x - m).abs()).collect()))
    }

    #[test]
    fn median_and_mad_by_merge_equal_the_naive_ones() {
        let mut state = 7u64;
        for n in 1..60 {
            let mut v: Vec<f64> = (0..n)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    ((state >> 33) % 9) as f64
                })
                .collect();
            v.sort_by(f64::total_cmp);
            assert_eq!(median_mad_sorted(&v), naive(&v), "{v:?}");
        }
    }

    #[test]
    fn sliding_baseline_equals_rebuilt_baseline() {
        let x: Vec<f64> = (0..300)
            .map(|t| ((t * 7919) % 13) as f64 + (t / 50) as f64)
            .collect();
        let p = SurgeParams::default();
        let sliding = scores_unchecked(&x, &p);
        // Day t scored on the 104 days ending at t: its first scored day, so rebuilt.
        for t in [103, 150, 222, 299] {
            let rebuilt = scores_unchecked(&x[t - 103..=t], &p);
            assert_eq!(rebuilt.score[103], sliding.score[t]);
        }
    }
}
