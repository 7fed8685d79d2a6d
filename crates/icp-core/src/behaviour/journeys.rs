//! Journeys that convert. An account's journey is the ordered event types (repeats of the
//! same type in a row collapsed to one) in the [`JOURNEY_DAYS`] before its first deal, and
//! converted means it ended in that deal; an account without any deal gets a window of the
//! same length ending at the date of another account's deal (so both kinds cover the same
//! seasons), not converted. PrefixSpan finds the frequent paths with their conversion rate and
//! lift over the base rate; a first-order Markov model of the journeys gives every account
//! the likely next step after its latest event.

use super::activity::{Activity, DAY_MICROS};
use icp_ml::sequence::{
    MarkovModel, MarkovParams, MinSupport, PrefixSpanParams, State, prefixspan_with_outcomes,
};
use serde::Serialize;

/// Length of the window before a deal that forms the journey.
pub const JOURNEY_DAYS: i64 = 90;
/// At most this many (collapsed) steps, the latest, per journey.
pub const MAX_STEPS: usize = 40;

/// One frequent path.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PathRow {
    pub steps: Vec<String>,
    /// Journeys containing the path (in order, gaps allowed).
    pub support: usize,
    pub converted: usize,
    pub conversion_rate: f64,
    /// Conversion rate over the base rate.
    pub lift: f64,
}

/// What journey mining found.
#[derive(Debug, Clone, Serialize, Default)]
pub struct JourneySummary {
    pub journeys: usize,
    pub with_deal: usize,
    pub converted: usize,
    pub base_rate: f64,
    pub min_support: usize,
    /// Paths of two or more steps, by the lower end of their conversion rate's 95% Wilson
    /// interval (then lift), best first.
    pub paths: Vec<PathRow>,
}

/// The likely next step of one account.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NextStep {
    pub event_type: String,
    pub probability: f64,
}

fn collapse(events: impl Iterator<Item = u32>) -> Vec<u32> {
    let mut out: Vec<u32> = Vec::new();
    for t in events {
        if out.last() != Some(&t) {
            out.push(t);
        }
    }
    if out.len() > MAX_STEPS {
        out.drain(..out.len() - MAX_STEPS);
    }
    out
}

fn window(activity: &Activity, row: usize, end: i64) -> Vec<u32> {
    let events = &activity.events[row];
    let lo = events.partition_point(|e| e.micros < end - JOURNEY_DAYS * DAY_MICROS);
    let hi = events.partition_point(|e| e.micros < end);
    collapse(events[lo..hi].iter().map(|e| e.event_type))
}

/// Lower end of the 95% Wilson interval of a path's conversion rate: paths are ranked by it,
/// so 340 conversions in 341 journeys rank above 20 in 20 (the lift alone ties at 100%).
pub fn wilson_lower(p: &PathRow) -> f64 {
    const Z: f64 = 1.96;
    let n = p.support as f64;
    if n == 0.0 {
        return 0.0;
    }
    let rate = p.converted as f64 / n;
    let centre = rate + Z * Z / (2.0 * n);
    let spread = Z * (rate * (1.0 - rate) / n + Z * Z / (4.0 * n * n)).sqrt();
    (centre - spread) / (1.0 + Z * Z / n)
}

/// Mines the journeys and gives each account its likely next step as of `end_day`.
pub fn journeys(
    activity: &Activity,
    end_day: i64,
    params: &PrefixSpanParams,
) -> icp_ml::Result<(JourneySummary, Vec<Option<NextStep>>)> {
    let n_types = activity.event_types.len();
    let mut sequences = Vec::new();
    let mut converted = Vec::new();
    let mut deal_ends = Vec::new();
    let mut without = Vec::new();
    for (row, deals) in activity.deals.iter().enumerate() {
        match deals.first() {
            Some(d) => {
                sequences.push(window(activity, row, d.created));
                converted.push(true);
                deal_ends.push(d.created);
            }
            None => without.push(row),
        }
    }
    let with_deal = sequences.len();
    if !deal_ends.is_empty() {
        for (i, &row) in without.iter().enumerate() {
            sequences.push(window(activity, row, deal_ends[i % deal_ends.len()]));
            converted.push(false);
        }
    }
    let n_converted = converted.iter().filter(|&&c| c).count();
    let mut summary = JourneySummary {
        journeys: sequences.len(),
        with_deal,
        converted: n_converted,
        base_rate: n_converted as f64 / sequences.len().max(1) as f64,
        min_support: params.min_support.to_count(sequences.len()),
        paths: Vec::new(),
    };
    if sequences.is_empty() || n_types == 0 {
        return Ok((summary, vec![None; activity.accounts.len()]));
    }
    let names = |items: &[u32]| -> Vec<String> {
        items
            .iter()
            .map(|&t| activity.event_types[t as usize].clone())
            .collect()
    };
    let mut paths: Vec<PathRow> = prefixspan_with_outcomes(&sequences, &converted, params)?
        .into_iter()
        .filter(|p| p.items.len() >= 2)
        .filter_map(|p| {
            Some(PathRow {
                steps: names(&p.items),
                support: p.support,
                converted: p.converted,
                conversion_rate: p.conversion_rate,
                lift: p.lift?,
            })
        })
        .collect();
    paths.sort_by(|a, b| {
        wilson_lower(b)
            .total_cmp(&wilson_lower(a))
            .then(b.lift.total_cmp(&a.lift))
            .then(a.steps.cmp(&b.steps))
    });
    summary.paths = paths;

    let markov = MarkovModel::fit(&sequences, n_types, &MarkovParams::default())?;
    let now = end_day * DAY_MICROS;
    let next = activity
        .events
        .iter()
        .map(|events| {
            let last = events.iter().rev().find(|e| e.micros < now)?;
            let (t, p) = markov
                .most_likely_next_event(State::Event(last.event_type))
                .ok()?;
            Some(NextStep {
                event_type: activity.event_types[t as usize].clone(),
                probability: p,
            })
        })
        .collect();
    Ok((summary, next))
}

/// Default mining parameters: paths of up to three steps in at least 1% of journeys.
pub fn default_params() -> PrefixSpanParams {
    PrefixSpanParams::default()
        .min_support(MinSupport::Share(0.01))
        .max_pattern_len(3)
}
