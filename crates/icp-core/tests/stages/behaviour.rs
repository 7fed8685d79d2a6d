//! The behaviour stage on a generated company (1,500 accounts × 18 months, seed 11), checked
//! against its ground truth in one shared pipeline run:
//! - surge detection: a detected buying surge matches a true buying-cycle start of the same
//!   (canonical) account when its start is within ±14 days of it; precision = matched
//!   detections / detections, recall = matched true starts / true starts the detector could
//!   see (at least `history_days` after the first event and 14 days before the end);
//! - the median lead time from detected start to the next deal is positive;
//! - learned engagement weights rank held-out converters better than equal points;
//! - the planted path competitor_comparison → demo_request → roi_calculator is among the five
//!   best mined paths (ranked by the Wilson lower bound of their conversion, then lift);
//! - alerts.csv and surges.csv hold what the outcome says.

use chrono::NaiveDate;
use icp_core::behaviour::BehaviourOutcome;
use icp_core::behaviour::timing::{Kind, surge_params};
use icp_core::pipeline::{self, Outcome, Workspace};
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_ml::progress::NoProgress;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Detected and true starts match within this many days.
const MATCH_DAYS: i64 = 14;

struct Run {
    dir: tempfile::TempDir,
    outcome: Outcome,
}

fn run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let params = WorldParams {
            accounts: 1_500,
            months: 18,
            seed: 11,
            dirt: DirtRates::default(),
            ..WorldParams::default()
        };
        generate(&params, dir.path(), &NoProgress).unwrap();
        let outcome = pipeline::run(&Workspace::open(dir.path()).unwrap(), &NoProgress).unwrap();
        Run { dir, outcome }
    })
}

fn behaviour() -> &'static BehaviourOutcome {
    run().outcome.behaviour.as_ref().unwrap()
}

fn rows(path: &std::path::Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.deserialize().map(|row| row.unwrap()).collect()
}

fn date(s: &str) -> i64 {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()).num_days()
}

/// (precision, recall, detections, eligible true starts) of one kind of episode.
fn precision_recall(kind: Kind) -> (f64, f64, usize, usize) {
    let dir = run().dir.path();
    let canonical: HashMap<String, String> = rows(&dir.join("truth/accounts.csv"))
        .into_iter()
        .map(|r| {
            let id = r["account_id"].clone();
            let c = r["canonical_account_id"].clone();
            (id.clone(), if c.is_empty() { id } else { c })
        })
        .collect();
    let b = behaviour();
    let (first, last) = (date(&b.first_day), date(&b.last_day));
    let history = surge_params().history_days() as i64;
    let mut truth: HashMap<&str, Vec<i64>> = HashMap::new();
    let truth_rows = rows(&dir.join("truth/surges.csv"));
    for r in &truth_rows {
        let start = date(&r["start_date"]);
        if start >= first + history && start <= last - MATCH_DAYS {
            truth
                .entry(canonical[&r["account_id"]].as_str())
                .or_default()
                .push(start);
        }
    }
    let detected: Vec<_> = b.episodes.iter().filter(|e| e.kind == kind).collect();
    let near = |account: &str, day: i64| {
        truth
            .get(account)
            .is_some_and(|s| s.iter().any(|&t| (t - day).abs() <= MATCH_DAYS))
    };
    let hits = detected
        .iter()
        .filter(|e| near(&e.account_id, date(&e.start)))
        .count();
    let eligible: usize = truth.values().map(Vec::len).sum();
    let found = truth
        .iter()
        .map(|(account, starts)| {
            starts
                .iter()
                .filter(|&&t| {
                    detected.iter().any(|e| {
                        e.account_id == *account && (date(&e.start) - t).abs() <= MATCH_DAYS
                    })
                })
                .count()
        })
        .sum::<usize>();
    (
        hits as f64 / detected.len().max(1) as f64,
        found as f64 / eligible.max(1) as f64,
        detected.len(),
        eligible,
    )
}

#[test]
fn surges_match_the_true_buying_cycle_starts() {
    let (precision, recall, detected, eligible) = precision_recall(Kind::BuyingSurge);
    let (vp, vr, vd, _) = precision_recall(Kind::IntentBaseline);
    eprintln!(
        "detector: precision {precision:.3}, recall {recall:.3} ({detected} detected, {eligible} true starts); \
         intent baseline: precision {vp:.3}, recall {vr:.3} ({vd} detected)"
    );
    assert!(eligible >= 100, "the world has surges to find ({eligible})");
    assert!(precision >= 0.7, "precision {precision:.3}");
    assert!(recall >= 0.7, "recall {recall:.3}");
    let detector = behaviour()
        .methods
        .iter()
        .find(|m| m.kind == Kind::BuyingSurge)
        .unwrap();
    eprintln!("detector outcomes: {detector:?}");
    let lead = detector.median_lead_days.unwrap();
    assert!(lead > 0.0, "median lead time {lead}");
}

#[test]
fn learned_engagement_ranks_converters_better_than_equal_points() {
    let e = behaviour().engagement.as_ref().unwrap();
    eprintln!(
        "held-out {}: learned AUC {:.3}, equal points {:.3} ({} rows, {} positives)",
        e.test_date, e.auc_learned, e.auc_equal_points, e.test_rows, e.test_positives
    );
    assert!(e.test_positives >= 30);
    assert!(
        e.auc_learned > e.auc_equal_points,
        "learned {:.3} vs equal points {:.3}",
        e.auc_learned,
        e.auc_equal_points
    );
    let scores: Vec<f64> = behaviour()
        .accounts
        .iter()
        .map(|a| a.engagement_score.unwrap())
        .collect();
    assert!(scores.iter().all(|s| (0.0..=100.0).contains(s)));
}

#[test]
fn the_planted_path_is_among_the_top_paths_by_lift() {
    let j = &behaviour().journeys;
    let planted = ["competitor_comparison", "demo_request", "roi_calculator"];
    let rank = j.paths.iter().position(|p| p.steps == planted);
    for p in j.paths.iter().take(10) {
        eprintln!("{:?}: support {}, lift {:.2}", p.steps, p.support, p.lift);
    }
    eprintln!("planted path rank: {rank:?} of {}", j.paths.len());
    let rank = rank.expect("the planted path is mined");
    eprintln!(
        "planted path: lift {:.2}, support {}, converted {}",
        j.paths[rank].lift, j.paths[rank].support, j.paths[rank].converted
    );
    assert!(rank < 5, "planted path at rank {rank}");
    assert!(j.paths[rank].lift > 1.5);
    // Every account has a likely next step once it has an event.
    assert!(
        behaviour()
            .accounts
            .iter()
            .filter(|a| a.next_step.is_some())
            .count()
            > 1_000
    );
}

#[test]
fn alerts_and_surges_files_hold_the_outcome() {
    let out = &run().outcome.out_dir;
    let b = behaviour();
    let alerts = rows(&out.join("alerts.csv"));
    assert_eq!(alerts.len(), b.alerts);
    let now_surging: Vec<&str> = b
        .accounts
        .iter()
        .filter(|a| a.surge)
        .map(|a| a.account_id.as_str())
        .collect();
    for a in &now_surging {
        assert!(
            alerts.iter().any(|r| r["account_id"] == *a
                && r["kind"] == "buying_surge"
                && r["active"] == "true"),
            "ongoing surge of {a} is alerted"
        );
    }
    assert!(alerts.iter().all(|r| !r["signals"].is_empty()));
    let surges = rows(&out.join("surges.csv"));
    assert_eq!(surges.len(), b.episodes.len());
}
