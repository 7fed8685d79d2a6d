//! The behaviour stage: who is buying now. On the validated, identity-resolved events, deals
//! and tickets ([`activity`]) it learns engagement weights and scores every account 0–100
//! ([`engagement`]), mines the journeys that convert and each account's likely next step
//! ([`journeys`]), detects buying surges against each account's own history next to the intent
//! vendors' baseline, and ticket spikes with the resolution-time trend ([`timing`]). It writes
//! `alerts.csv` and hands per-account results to the rest of the pipeline; [`section`] turns
//! the outcome into the report section.

pub mod activity;
pub mod engagement;
pub mod journeys;
pub mod section;
pub mod timing;

use crate::Result;
use activity::{Activity, Unattributed, date_of, day_of};
use engagement::EngagementSummary;
use icp_data::Error;
use icp_data::resolve::{Merge, ResolvedKey};
use icp_features::FeatureBuilder;
use icp_ml::progress::Progress;
use icp_ml::weights::EngagementParams;
use journeys::{JourneySummary, NextStep};
use serde::Serialize;
use std::path::Path;
use timing::{Episode, Kind, MethodOutcome, Resolution};

/// Alerts are written for episodes that started within this many days of the end.
pub const ALERT_DAYS: i64 = 90;

/// One account's behaviour as of the end of the data.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AccountBehaviour {
    pub account_id: String,
    /// 0–100, learned weights (`None` when there was too little history to learn them).
    pub engagement_score: Option<f64>,
    /// A buying surge is under way.
    pub surge: bool,
    /// Start (YYYY-MM-DD) and signals of the ongoing surge.
    pub surge_start: Option<String>,
    pub surge_signals: Vec<String>,
    pub next_step: Option<NextStep>,
    /// A ticket spike is under way.
    pub support_spike: bool,
    pub resolution: Option<Resolution>,
}

/// What the behaviour stage produced.
#[derive(Debug, Clone, Serialize)]
pub struct BehaviourOutcome {
    /// First and last day scored (YYYY-MM-DD); results are as of the day after `last_day`.
    pub first_day: String,
    pub last_day: String,
    pub accounts: Vec<AccountBehaviour>,
    pub engagement: Option<EngagementSummary>,
    pub journeys: JourneySummary,
    /// Every episode of every detector (historical and ongoing), by account.
    pub episodes: Vec<EpisodeRow>,
    pub methods: Vec<MethodOutcome>,
    pub unattributed: Unattributed,
    pub alerts: usize,
}

/// An episode with its account id and dates.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct EpisodeRow {
    pub account_id: String,
    pub kind: Kind,
    pub start: String,
    pub end: String,
    pub peak: String,
    pub strength: f64,
    pub signals: Vec<String>,
    pub active: bool,
}

/// Runs the stage on the workspace's validated tables in `clean_dir`, as of `now`
/// (microseconds; the data's days before it are used), and writes into `out`:
/// `alerts.csv` (buying surges and support spikes that started in the last [`ALERT_DAYS`]),
/// `surges.csv` (every episode of every detector, the intent baseline's included) and
/// `behaviour.json` (the summary without the per-account rows).
pub fn run(
    clean_dir: &Path,
    merges: &[Merge],
    keys: &[ResolvedKey],
    now: i64,
    out: &Path,
    progress: &dyn Progress,
) -> Result<BehaviourOutcome> {
    progress.start("behaviour: reading resolved activity", 0);
    let builder = FeatureBuilder::from_clean_dir(clean_dir, merges, keys)?;
    let activity = Activity::load(&builder)?;
    progress.finish();
    let ml = |e: icp_ml::Error| Error::InvalidArgument(format!("behaviour stage: {e}"));
    let end_day = day_of(now - 1) + 1;
    let first_day = activity
        .events
        .iter()
        .filter_map(|e| e.first())
        .map(|e| day_of(e.micros))
        .min()
        .unwrap_or(end_day)
        .min(end_day);

    progress.start("behaviour: engagement weights", 0);
    let learned =
        engagement::engagement(&activity, first_day, end_day, &EngagementParams::default())
            .map_err(ml)?;
    progress.finish();
    progress.start("behaviour: journeys", 0);
    let (journey_summary, next) =
        journeys::journeys(&activity, end_day, &journeys::default_params()).map_err(ml)?;
    progress.finish();
    progress.start("behaviour: surges and support spikes", 0);
    let episodes = timing::detect(&activity, first_day, end_day).map_err(ml)?;
    let methods = timing::compare(&activity, &episodes, end_day);
    let resolution = timing::resolution(&activity, end_day);
    progress.finish();

    let (summary, scores) = match learned {
        Some((s, scores)) => (Some(s), Some(scores)),
        None => (None, None),
    };
    let surge_params = timing::surge_params();
    let mut accounts: Vec<AccountBehaviour> = activity
        .accounts
        .iter()
        .enumerate()
        .map(|(i, id)| AccountBehaviour {
            account_id: id.clone(),
            engagement_score: scores.as_ref().map(|s| s[i]),
            surge: false,
            surge_start: None,
            surge_signals: Vec::new(),
            next_step: next[i].clone(),
            support_spike: false,
            resolution: resolution[i],
        })
        .collect();
    let mut rows = Vec::with_capacity(episodes.len());
    for e in &episodes {
        let active = timing::is_active(e, end_day, &surge_params);
        let a = &mut accounts[e.account];
        match (e.kind, active) {
            (Kind::BuyingSurge, true) => {
                a.surge = true;
                a.surge_start = Some(date_of(e.start_day));
                a.surge_signals = e.signals.clone();
            }
            (Kind::SupportSpike, true) => a.support_spike = true,
            _ => {}
        }
        rows.push(episode_row(&activity, e, active));
    }
    let recent = date_of(end_day - ALERT_DAYS);
    let alerts = write_episodes(&out.join("alerts.csv"), &rows, |r| {
        r.kind != Kind::IntentBaseline && r.start >= recent
    })?;
    write_episodes(&out.join("surges.csv"), &rows, |_| true)?;
    let outcome = BehaviourOutcome {
        first_day: date_of(first_day),
        last_day: date_of(end_day - 1),
        accounts,
        engagement: summary,
        journeys: journey_summary,
        episodes: rows,
        methods,
        unattributed: activity.unattributed,
        alerts,
    };
    let json = out.join("behaviour.json");
    let summary = serde_json::json!({
        "first_day": outcome.first_day,
        "last_day": outcome.last_day,
        "engagement": outcome.engagement,
        "journeys": outcome.journeys,
        "methods": outcome.methods,
        "unattributed": outcome.unattributed,
        "alerts": outcome.alerts,
    });
    let text = serde_json::to_string_pretty(&summary).map_err(|e| Error::write(&json, e))?;
    std::fs::write(&json, text).map_err(|e| Error::io(&json, e))?;
    Ok(outcome)
}

fn episode_row(activity: &Activity, e: &Episode, active: bool) -> EpisodeRow {
    EpisodeRow {
        account_id: activity.accounts[e.account].clone(),
        kind: e.kind,
        start: date_of(e.start_day),
        end: date_of(e.end_day),
        peak: date_of(e.peak_day),
        strength: e.strength,
        signals: e.signals.clone(),
        active,
    }
}

/// Writes episodes as CSV: account_id, kind, start_date, end_date, peak_date, strength,
/// signals (`;`-separated), active; only those `keep` accepts. Returns how many.
fn write_episodes(
    path: &Path,
    rows: &[EpisodeRow],
    keep: impl Fn(&EpisodeRow) -> bool,
) -> Result<usize> {
    let io = |e: csv::Error| Error::write(path, e);
    let mut w = csv::Writer::from_path(path).map_err(io)?;
    w.write_record([
        "account_id",
        "kind",
        "start_date",
        "end_date",
        "peak_date",
        "strength",
        "signals",
        "active",
    ])
    .map_err(io)?;
    let mut n = 0;
    for row in rows.iter().filter(|r| keep(r)) {
        w.write_record([
            row.account_id.as_str(),
            row.kind.name(),
            &row.start,
            &row.end,
            &row.peak,
            &format!("{:.2}", row.strength),
            &row.signals.join(";"),
            if row.active { "true" } else { "false" },
        ])
        .map_err(io)?;
        n += 1;
    }
    w.flush().map_err(|e| Error::io(path, e))?;
    Ok(n)
}
