//! Buying-cycle timing and support signals. Per account, daily series over the data's days
//! are scored against the account's own history with `icp_ml::surge::detect_surges`:
//! - buying surges from four signals — `activity` (every event except product usage),
//!   `pricing` (pricing-page views), `new_stakeholders` (contacts seen for the first time) and
//!   `research` (case studies, comparisons, calculators, demos, content) — with
//!   [`surge_params`];
//! - the intent vendors' baseline (3 weeks vs the prior 12) on `activity`, for comparison;
//! - support spikes on the daily ticket count with [`support_params`], and the trend of
//!   resolution times (median of the last 90 days over the 180 before).
//!
//! Both surge methods are compared on what a user can observe: the share of episodes followed
//! by a new deal within [`FOLLOW_DAYS`] and the median lead time to it.

use super::activity::{Activity, DAY_MICROS, day_of};
use icp_ml::surge::{
    IntentBaselineParams, Signal, SurgeEpisode, SurgeParams, detect_surges, intent_baseline,
};
use rayon::prelude::*;
use serde::Serialize;

/// A deal created this many days after a surge's start counts as following it.
pub const FOLLOW_DAYS: i64 = 90;

/// The event types (by name, lower case) that feed each signal: a type belongs to a signal
/// when its name contains one of the signal's words.
pub const USAGE_WORDS: [&str; 5] = ["login", "feature", "usage", "product", "session"];
pub const PRICING_WORDS: [&str; 2] = ["pricing", "price"];
pub const RESEARCH_WORDS: [&str; 8] = [
    "case_study",
    "competitor",
    "comparison",
    "roi",
    "calculator",
    "demo",
    "content",
    "download",
];

/// Buying-surge detector settings (tuned on a generated company, see docs/algorithms.md):
/// robust z ≥ 3 over the account's own 90-day baseline of 14-day sums, largest day trimmed,
/// any one of the four signals, runs of ≥ 5 alarm days. Requiring two signals at once kept
/// precision (0.71) but halved recall (0.41); one signal with 3-day runs gave 0.69 / 0.77.
pub fn surge_params() -> SurgeParams {
    SurgeParams::default().min_signals(1).min_duration_days(5)
}

/// Support-spike settings: 28-day windows against a 112-day baseline, one signal.
pub fn support_params() -> SurgeParams {
    SurgeParams::default()
        .window_days(28)
        .baseline_days(112)
        .min_signals(1)
        .min_scale(1.0)
        .min_window_count(3.0)
}

/// Which detector found an episode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A buying surge from the robust detector.
    BuyingSurge,
    /// The intent vendors' 3-vs-12-week baseline (compared, not alerted).
    IntentBaseline,
    /// A ticket-volume spike.
    SupportSpike,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::BuyingSurge => "buying_surge",
            Kind::IntentBaseline => "intent_baseline",
            Kind::SupportSpike => "support_spike",
        }
    }
}

/// One episode of one account, in days since 1970-01-01.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Episode {
    pub account: usize,
    pub kind: Kind,
    pub start_day: i64,
    pub end_day: i64,
    pub peak_day: i64,
    /// Peak robust z (or ratio of rates for the intent baseline).
    pub strength: f64,
    pub signals: Vec<String>,
}

/// How the episodes of one method were followed by deals.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MethodOutcome {
    pub kind: Kind,
    pub episodes: usize,
    pub accounts: usize,
    /// Episodes old enough for their follow-up window to be complete.
    pub judged: usize,
    pub followed_by_deal: usize,
    /// Median days from episode start to the first deal created after it.
    pub median_lead_days: Option<f64>,
    /// Ongoing at the end of the data.
    pub active_now: usize,
}

/// Per account resolution-time figures.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Resolution {
    pub recent_median_hours: f64,
    /// Recent median over the prior one (> 1: getting slower).
    pub trend: Option<f64>,
}

fn matches(name: &str, words: &[&str]) -> bool {
    let n = name.to_lowercase();
    words.iter().any(|w| n.contains(w))
}

/// An episode is ongoing when its alarm lasted to within a refractory period of the end.
pub fn is_active(e: &Episode, end_day: i64, params: &SurgeParams) -> bool {
    e.end_day + params.refractory_days as i64 >= end_day - 1
}

fn to_episode(account: usize, kind: Kind, first_day: i64, e: SurgeEpisode) -> Episode {
    Episode {
        account,
        kind,
        start_day: first_day + e.start_day as i64,
        end_day: first_day + e.end_day as i64,
        peak_day: first_day + e.peak_day as i64,
        strength: e.peak_score,
        signals: e.signals,
    }
}

/// Every episode of the three detectors over `[first_day, end_day)`, sorted by account,
/// kind and start.
pub fn detect(activity: &Activity, first_day: i64, end_day: i64) -> icp_ml::Result<Vec<Episode>> {
    let days = (end_day - first_day).max(0) as usize;
    let usage: Vec<bool> = activity
        .event_types
        .iter()
        .map(|t| matches(t, &USAGE_WORDS))
        .collect();
    let pricing: Vec<bool> = activity
        .event_types
        .iter()
        .map(|t| matches(t, &PRICING_WORDS))
        .collect();
    let research: Vec<bool> = activity
        .event_types
        .iter()
        .map(|t| matches(t, &RESEARCH_WORDS))
        .collect();
    let (surge, support, vendor) = (
        surge_params(),
        support_params(),
        IntentBaselineParams::default(),
    );
    let per_account: Vec<icp_ml::Result<Vec<Episode>>> = (0..activity.accounts.len())
        .into_par_iter()
        .map(|row| {
            let mut series = vec![vec![0.0; days]; 4];
            let index = |micros: i64| {
                let d = day_of(micros) - first_day;
                (0..days as i64).contains(&d).then_some(d as usize)
            };
            for e in &activity.events[row] {
                let Some(d) = index(e.micros) else { continue };
                let t = e.event_type as usize;
                if !usage[t] {
                    series[0][d] += 1.0;
                }
                if pricing[t] {
                    series[1][d] += 1.0;
                }
                if e.new_contact {
                    series[2][d] += 1.0;
                }
                if research[t] {
                    series[3][d] += 1.0;
                }
            }
            let signals = [
                Signal::new("activity", &series[0]),
                Signal::new("pricing", &series[1]),
                Signal::new("new_stakeholders", &series[2]),
                Signal::new("research", &series[3]),
            ];
            let mut out: Vec<Episode> = detect_surges(&signals, &surge)?
                .into_iter()
                .map(|e| to_episode(row, Kind::BuyingSurge, first_day, e))
                .collect();
            out.extend(
                intent_baseline(&series[0], &vendor)?
                    .episodes
                    .into_iter()
                    .map(|e| to_episode(row, Kind::IntentBaseline, first_day, e)),
            );
            let mut tickets = vec![0.0; days];
            for t in &activity.tickets[row] {
                if let Some(d) = index(t.created) {
                    tickets[d] += 1.0;
                }
            }
            out.extend(
                detect_surges(&[Signal::new("tickets", &tickets)], &support)?
                    .into_iter()
                    .map(|e| to_episode(row, Kind::SupportSpike, first_day, e)),
            );
            Ok(out)
        })
        .collect();
    let mut all = Vec::new();
    for episodes in per_account {
        all.extend(episodes?);
    }
    Ok(all)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// How each method's episodes were followed by deals.
pub fn compare(activity: &Activity, episodes: &[Episode], end_day: i64) -> Vec<MethodOutcome> {
    [Kind::BuyingSurge, Kind::IntentBaseline]
        .into_iter()
        .map(|kind| {
            let mine: Vec<&Episode> = episodes.iter().filter(|e| e.kind == kind).collect();
            let mut accounts: Vec<usize> = mine.iter().map(|e| e.account).collect();
            accounts.dedup();
            let params = surge_params();
            let mut leads = Vec::new();
            let mut judged = 0;
            for e in mine.iter().filter(|e| e.start_day + FOLLOW_DAYS <= end_day) {
                judged += 1;
                let start = e.start_day * DAY_MICROS;
                let first = activity.deals[e.account]
                    .iter()
                    .map(|d| d.created)
                    .find(|&c| c >= start);
                if let Some(c) = first.filter(|&c| c < start + FOLLOW_DAYS * DAY_MICROS) {
                    leads.push((c - start) as f64 / DAY_MICROS as f64);
                }
            }
            MethodOutcome {
                kind,
                episodes: mine.len(),
                accounts: accounts.len(),
                judged,
                followed_by_deal: leads.len(),
                median_lead_days: median(&mut leads),
                active_now: mine
                    .iter()
                    .filter(|e| is_active(e, end_day, &params))
                    .count(),
            }
        })
        .collect()
}

/// Resolution-time figures of every account as of `end_day`.
pub fn resolution(activity: &Activity, end_day: i64) -> Vec<Option<Resolution>> {
    let end = end_day * DAY_MICROS;
    let recent_from = end - 90 * DAY_MICROS;
    let prior_from = recent_from - 180 * DAY_MICROS;
    activity
        .tickets
        .iter()
        .map(|tickets| {
            let hours = |lo: i64, hi: i64| {
                let mut v: Vec<f64> = tickets
                    .iter()
                    .filter(|t| t.created >= lo && t.created < hi)
                    .filter_map(|t| {
                        t.resolved
                            .filter(|&r| r >= t.created && r < end)
                            .map(|r| (r - t.created) as f64 / 3.6e9)
                    })
                    .collect();
                median(&mut v)
            };
            let recent = hours(recent_from, end)?;
            let prior = hours(prior_from, recent_from);
            Some(Resolution {
                recent_median_hours: recent,
                trend: prior.filter(|&p| p > 0.0).map(|p| recent / p),
            })
        })
        .collect()
}
