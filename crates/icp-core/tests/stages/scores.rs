//! The scoring stage on one generated company (clean data, 1,500 accounts × 18 months), run
//! once through the whole pipeline and checked against the generator's ground truth: the
//! conversion model ranks the held-out period's closed deals about as well as the true win
//! probabilities do, tiers keep their order, the true drivers lead the importance, and the
//! saved bundles score identically after loading and refuse a foreign schema. A second, tiny
//! world exercises the cold-start (lookalike) path.

use icp_core::pipeline::{self, Outcome, Workspace};
use icp_core::scores::bundle::ModelBundle;
use icp_core::scores::{self, ScoresParams};
use icp_core::segments::add_segment_column;
use icp_core::segments::model::SegmentModel;
use icp_core::snapshots::read_table;
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_ml::progress::NoProgress;
use icp_ml::recipe::{Column, ColumnData, Frame};
use icp_ml::weights::roc_auc;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct Run {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outcome: Outcome,
}

fn world(accounts: usize, months: u32, seed: u64) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let params = WorldParams {
        accounts,
        months,
        seed,
        dirt: DirtRates::clean(),
        ..WorldParams::default()
    };
    generate(&params, dir.path(), &NoProgress).unwrap();
    let outcome = pipeline::run(&Workspace::open(dir.path()).unwrap(), &NoProgress).unwrap();
    Run {
        root: dir.path().to_path_buf(),
        _dir: dir,
        outcome,
    }
}

fn shared() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    RUN.get_or_init(|| world(1500, 18, 5))
}

fn read_csv(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    r.deserialize().map(|row| row.unwrap()).collect()
}

/// A table of the published feature store (`out/features/<name>`), with the `segment`
/// feature added by the run's saved segmentation, as the scoring stage saw it.
fn store_table(run: &Run, name: &str) -> icp_core::snapshots::SnapshotTable {
    let mut table = read_table(&[&run.outcome.out_dir.join("features").join(name)]).unwrap();
    let saved = std::fs::read_to_string(run.outcome.out_dir.join("models/segments.json")).unwrap();
    let model = SegmentModel::from_json(&saved).unwrap();
    add_segment_column(&mut table, &model).unwrap();
    table
}

/// The latest account snapshot (the serving one), read back from the feature store.
fn serving_snapshot(run: &Run) -> icp_core::snapshots::SnapshotTable {
    let features = run.outcome.features.as_ref().unwrap();
    let last = features.snapshots.last().unwrap().path.as_ref().unwrap();
    store_table(run, last.file_name().unwrap().to_str().unwrap())
}

#[test]
fn conversion_ranks_closed_deals_like_the_true_probabilities() {
    let run = shared();
    let report = run.outcome.scores.as_ref().unwrap();
    assert!(report.cold_start.is_none(), "{:?}", report.cold_start);
    let conv = report
        .tasks
        .iter()
        .find(|t| t.task.name == "conversion")
        .expect("conversion trained");
    let bundle = ModelBundle::load(&run.outcome.out_dir.join("models/conversion.json")).unwrap();
    // The deals that closed in the held-out period, each with its account's features at the
    // deal's creation, scored by the saved model and by the generator's true probability.
    let opps = store_table(run, "opportunities.parquet");
    let start = conv.split.test_as_of as f64;
    let rows: Vec<usize> = (0..opps.n_rows())
        .filter(|&r| opps.closed_at[r] >= start && opps.closed_at[r] < start + 90.0 * 86_400e6)
        .collect();
    assert_eq!(rows.len(), conv.split.n_test);
    let p = bundle
        .score(&opps.features.select_rows(&rows).unwrap())
        .unwrap()
        .probability;
    let truth: HashMap<String, f64> = read_csv(&run.root.join("truth/opportunities.csv"))
        .into_iter()
        .map(|r| {
            (
                r["opportunity_id"].clone(),
                r["true_win_probability"].parse().unwrap(),
            )
        })
        .collect();
    let oracle: Vec<f64> = rows.iter().map(|&r| truth[&opps.row_ids[r]]).collect();
    let won: Vec<bool> = rows
        .iter()
        .map(|&r| opps.label("won").unwrap()[r] > 0.5)
        .collect();
    let (auc_model, auc_truth) = (roc_auc(&p, &won).unwrap(), roc_auc(&oracle, &won).unwrap());
    eprintln!(
        "held-out closed deals: {} ({} won); AUC model {auc_model:.4} (report {:.4}), truth {auc_truth:.4}",
        won.len(),
        won.iter().filter(|&&w| w).count(),
        conv.test.roc_auc
    );
    assert!((auc_model - conv.test.roc_auc).abs() < 1e-9);
    // On this small world (about 140 held-out deals) the model reached 0.74 against the
    // truth's 0.83: the true probability also depends on terms no data reveals (see
    // docs/algorithms.md and bench/conversion.sh for the demo company's figures).
    assert!(auc_model > 0.62, "model {auc_model} vs truth {auc_truth}");
}

#[test]
fn deal_sizes_beat_the_median_and_lifetimes_rest_on_real_customers() {
    let report = shared().outcome.scores.as_ref().unwrap();
    let d = report.deal_size.as_ref().expect("deal size learned");
    eprintln!("deal size: {d:?}");
    assert!(d.n_test > 10, "{d:?}");
    assert!(
        d.test_median_ape < d.baseline_median_ape && d.test_mae < d.baseline_mae,
        "{d:?}"
    );
    assert!(d.test_r2_log > 0.2, "{d:?}");
    let l = report.lifetime.as_ref().expect("lifetime values");
    eprintln!("lifetime: {l:?}");
    assert!(l.ended > 0 && l.ended < l.customers, "{l:?}");
    assert!(l.subscribers > 0 && l.total_ltv > 0.0, "{l:?}");
    let s: Vec<f64> = l.survival.iter().map(|x| x.1).collect();
    assert!(s.windows(2).all(|w| w[1] <= w[0]), "{s:?}");
}

#[test]
fn tiers_keep_their_order_and_calibration_helps() {
    let report = shared().outcome.scores.as_ref().unwrap();
    let conv = report
        .tasks
        .iter()
        .find(|t| t.task.name == "conversion")
        .unwrap();
    let rate: Vec<f64> = conv.tiers.iter().map(|t| t.rate).collect();
    eprintln!("win rate by tier {:?}; test {:?}", conv.tiers, conv.test);
    // Tier A wins clearly more often than B and C (B against C is within the noise of about
    // 150 held-out deals here; the demo company's figures are in docs/algorithms.md).
    assert!(rate[0] > 1.5 * rate[1].max(rate[2]), "{:?}", conv.tiers);
    // Deciles: the top decile captures more than its share, gains reach 1.
    assert!(conv.deciles[0].lift > 1.5, "{:?}", conv.deciles[0]);
    assert!((conv.deciles[9].cumulative_gain - 1.0).abs() < 1e-12);
    // Calibration was chosen on a later fold; on the test period it must not be much worse.
    assert!(
        conv.test.brier <= conv.test_brier_uncalibrated + 0.002,
        "{} vs {}",
        conv.test.brier,
        conv.test_brier_uncalibrated
    );
    assert!(conv.leaderboard.iter().filter(|r| r.chosen).count() == 1);
    assert!(
        conv.leaderboard.iter().all(|r| r.folds > 0),
        "{:?}",
        conv.leaderboard
    );
}

#[test]
fn the_true_drivers_lead_the_importance() {
    let report = shared().outcome.scores.as_ref().unwrap();
    let conv = report
        .tasks
        .iter()
        .find(|t| t.task.name == "conversion")
        .unwrap();
    let top: Vec<&str> = conv
        .importance
        .iter()
        .take(8)
        .map(|(f, _)| f.as_str())
        .collect();
    eprintln!(
        "importance: {:?}",
        &conv.importance[..conv.importance.len().min(12)]
    );
    // The generator's drivers: fit (size band, industry, technologies) and the breadth of the
    // buying committee (new contacts).
    let drivers = ["log_employees", "industry", "technologies", "new_contacts"];
    let found = drivers.iter().filter(|d| top.contains(d)).count();
    assert!(found >= 2, "top fields {top:?}");
}

#[test]
fn accounts_table_has_one_scored_row_per_account_with_reasons() {
    let run = shared();
    let rows = read_csv(&run.outcome.out_dir.join("accounts.csv"));
    let report = run.outcome.scores.as_ref().unwrap();
    assert_eq!(rows.len(), report.accounts);
    for col in [
        "account_id",
        "fit_score",
        "tier",
        "p_convert",
        "p_opportunity",
        "p_churn",
        "p_expand",
        "predicted_deal_size",
        "expected_value",
        "ltv",
        "model",
        "reason_1_up",
        "reason_3_down",
        // Joined from the segmentation and behaviour stages.
        "segment",
        "segment_name",
        "engagement_score",
        "surge",
        "next_step",
    ] {
        assert!(rows[0].contains_key(col), "missing {col}");
    }
    let churn_scored = rows.iter().filter(|r| !r["p_churn"].is_empty()).count();
    assert!(
        churn_scored > 0 && churn_scored < rows.len(),
        "{churn_scored}"
    );
    let mut tiers = HashMap::new();
    for r in &rows {
        let s: f64 = r["fit_score"].parse().unwrap();
        assert!((0.0..=100.0).contains(&s));
        let p: f64 = r["p_convert"].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        // Churn is predicted for subscribers only: empty for everyone else.
        if let Ok(p) = r["p_churn"].parse::<f64>() {
            assert!((0.0..=1.0).contains(&p));
        }
        // Lifetime value belongs to subscribers (churn is scored for them), expected value
        // is P(convert) × predicted deal size.
        assert_eq!(r["ltv"].is_empty(), r["p_churn"].is_empty(), "{r:?}");
        let size: f64 = r["predicted_deal_size"].parse().unwrap();
        let ev: f64 = r["expected_value"].parse().unwrap();
        assert!(
            size > 0.0 && (ev - p * size).abs() <= 1e-6 * size.max(1.0),
            "{r:?}"
        );
        *tiers.entry(r["tier"].clone()).or_insert(0usize) += 1;
    }
    // Tiers by share: about 20% A, 30% B.
    let share = |t: &str| tiers[t] as f64 / rows.len() as f64;
    assert!(
        (share("A") - 0.2).abs() < 0.03 && (share("B") - 0.3).abs() < 0.03,
        "{tiers:?}"
    );
    // Reasons name source fields with the account's value and signed points.
    let top = rows
        .iter()
        .max_by(|a, b| {
            a["fit_score"]
                .parse::<f64>()
                .unwrap()
                .total_cmp(&b["fit_score"].parse().unwrap())
        })
        .unwrap();
    let reason = &top["reason_1_up"];
    assert!(reason.contains(": +"), "{reason}");
    assert!(
        !reason.contains("__missing") && !reason.contains('='),
        "{reason}"
    );
    let text = scores::explain(&run.outcome.out_dir, &top["account_id"]).unwrap();
    assert!(
        text.contains("Raising the score") && text.contains(reason.as_str()),
        "{text}"
    );
    assert!(scores::explain(&run.outcome.out_dir, "no-such-account").is_err());
    let parquet = run.outcome.out_dir.join("accounts.parquet");
    assert!(std::fs::metadata(parquet).unwrap().len() > 0);
}

#[test]
fn a_saved_bundle_scores_identically_and_refuses_a_foreign_schema() {
    let run = shared();
    let path = run.outcome.out_dir.join("models/conversion.json");
    let bundle = ModelBundle::load(&path).unwrap();
    let snap = serving_snapshot(run);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("again.json");
    bundle.save(&copy).unwrap();
    let again = ModelBundle::load(&copy).unwrap();
    let (a, b) = (
        bundle.score(&snap.features).unwrap(),
        again.score(&snap.features).unwrap(),
    );
    assert_eq!(a.raw, b.raw);
    assert_eq!(a.probability, b.probability);
    // Reasons are exact: contributions + base = raw score.
    let c = bundle.contributions(&a).unwrap();
    for r in 0..a.x.n_rows() {
        let sum: f64 = c.values.row(r).unwrap().iter().sum::<f64>() + c.base;
        assert!(
            (sum - a.raw[r]).abs() < 1e-6,
            "row {r}: {sum} vs {}",
            a.raw[r]
        );
    }
    // A frame without `employees` and with an unknown column is refused, naming both.
    let mut cols: Vec<Column> = snap
        .features
        .columns()
        .iter()
        .filter(|c| c.name() != "log_employees")
        .cloned()
        .collect();
    cols.push(Column::numeric(
        "shoe_size",
        "shoe_size",
        vec![1.0; snap.n_rows()],
    ));
    let err = bundle
        .score(&Frame::new(cols).unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`log_employees` (numeric) is missing"),
        "{err}"
    );
    assert!(
        err.contains("`shoe_size` was not seen at training"),
        "{err}"
    );
    // The model learned with the segment as a feature: the store's snapshot without the
    // column added is refused, naming it.
    let features = run.outcome.features.as_ref().unwrap();
    let last = features.snapshots.last().unwrap().path.as_ref().unwrap();
    let plain = read_table(&[&run
        .outcome
        .out_dir
        .join("features")
        .join(last.file_name().unwrap())])
    .unwrap();
    let err = bundle.score(&plain.features).unwrap_err().to_string();
    assert!(err.contains("`segment`"), "{err}");
    // An unknown format version is refused.
    let text = std::fs::read_to_string(&path).unwrap().replacen(
        "\"format_version\":1",
        "\"format_version\":99",
        1,
    );
    std::fs::write(&copy, text).unwrap();
    assert!(
        ModelBundle::load(&copy)
            .unwrap_err()
            .to_string()
            .contains("format_version 99")
    );
}

#[test]
fn too_few_labels_fall_back_to_a_labelled_lookalike_score() {
    let run = shared();
    let features = run.outcome.features.as_ref().unwrap();
    let paths: Vec<PathBuf> = features
        .snapshots
        .iter()
        .filter_map(|s| s.path.as_ref())
        .map(|p| {
            run.outcome
                .out_dir
                .join("features")
                .join(p.file_name().unwrap())
        })
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let mut table = read_table(&refs).unwrap();
    // Only the conversion label: the other tasks are not what this test is about.
    table.labels.retain(|name, _| name == "converted_90d");
    let params = ScoresParams {
        min_wins: 1_000_000,
        ..ScoresParams::default()
    };
    let out = scores::run(&table, None, &Default::default(), &params).unwrap();
    let notice = out.report.cold_start.as_deref().unwrap();
    assert!(
        notice.contains("Not enough history") && notice.contains("lookalike"),
        "{notice}"
    );
    assert_eq!(out.report.mode, "lookalike");
    assert!(
        out.reasons
            .iter()
            .all(|r| r.model == "lookalike" && r.p_convert.is_nan())
    );
    // The lookalike scores every account of the test period; its ranking is measured.
    let label = table.label("converted_90d").unwrap();
    // The latest snapshot whose conversion window is complete.
    let conv = (0..table.n_rows())
        .filter(|&r| label[r].is_finite())
        .map(|r| table.as_of[r])
        .max()
        .unwrap();
    // Prospects only: a lookalike of current customers is meant to rank accounts that are not
    // customers yet (customers resemble themselves by construction).
    let customer = |r: usize| {
        ["prior_wins", "active_subscription"].iter().any(|c| {
            matches!(table.features.column(c).map(|c| c.data()),
                Some(ColumnData::Numeric(v)) if v[r] > 0.0)
        })
    };
    let rows: Vec<usize> = (0..table.n_rows())
        .filter(|&r| table.as_of[r] == conv)
        .collect();
    let sub = icp_core::snapshots::SnapshotTable {
        account_ids: rows.iter().map(|&r| table.account_ids[r].clone()).collect(),
        as_of: rows.iter().map(|&r| table.as_of[r]).collect(),
        features: table.features.select_rows(&rows).unwrap(),
        labels: Default::default(),
        row_ids: Vec::new(),
        closed_at: Vec::new(),
    };
    let look = scores::run(&sub, None, &Default::default(), &params).unwrap();
    let fit: HashMap<&str, f64> = look
        .reasons
        .iter()
        .map(|r| (r.account_id.as_str(), r.fit_score))
        .collect();
    let prospects: Vec<usize> = rows.iter().copied().filter(|&r| !customer(r)).collect();
    let s: Vec<f64> = prospects
        .iter()
        .map(|&r| fit[table.account_ids[r].as_str()])
        .collect();
    let y: Vec<bool> = prospects.iter().map(|&r| label[r] > 0.5).collect();
    let auc = roc_auc(&s, &y).unwrap();
    eprintln!(
        "lookalike AUC on the test period: {auc:.4} over {} prospects",
        prospects.len()
    );
    // The naive-Bayes likeness of who an account is ranks future converters among
    // prospects well above chance (0.75 here; the earlier centroid distance gave 0.35).
    assert!(auc > 0.65, "lookalike AUC {auc}");
}
