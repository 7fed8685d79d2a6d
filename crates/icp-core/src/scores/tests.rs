//! The stage on a hand-built stack of snapshots and deals with a planted conversion model (no
//! feature store needed): the split by closing period, model choice, calibration, tiers,
//! bundle round trip, schema refusal and the cold-start path.

use super::bundle::ModelBundle;
use super::learner::Learner;
use super::*;
use crate::snapshots::SnapshotTable;
use icp_ml::recipe::Column;

const MONTH: i64 = 30 * DAY_MICROS;

/// Deterministic uniform in [0, 1) from two integers.
fn unit(a: u64, b: u64) -> f64 {
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

/// Account `a` in month `m`: employees, software or not, pricing visits and the true
/// probability of converting.
fn planted(a: usize, m: usize) -> (f64, bool, f64, f64) {
    let employees = (10.0 * (1.0 + 400.0 * unit(a as u64, 1))).round();
    let software = unit(a as u64, 2) < 0.4;
    let visits = (6.0 * unit(a as u64, 100 + m as u64)).floor();
    let mid = (200.0..=2000.0).contains(&employees);
    let z = -3.0 + 1.2 * mid as u8 as f64 + 0.8 * software as u8 as f64 + 0.4 * visits;
    (employees, software, visits, 1.0 / (1.0 + (-z).exp()))
}

/// Day of the month on which each planted deal closes.
const CLOSE_DAY: i64 = 20;

/// `accounts` accounts × `months` monthly snapshots, and one deal per account and month
/// (created at the snapshot, closed `CLOSE_DAY` days later, with the snapshot's features)
/// won with P = σ(−3 + 1.2·[mid-size] + 0.8·[software] + 0.4·pricing visits); no deal closes
/// in the last three months.
fn tables(accounts: usize, months: usize) -> (SnapshotTable, SnapshotTable) {
    let (mut ids, mut as_of, mut emp, mut ind, mut pricing, mut noise, mut won) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for m in 0..months {
        for a in 0..accounts {
            let (employees, software, visits, p) = planted(a, m);
            ids.push(format!("A{a}"));
            as_of.push(m as i64 * MONTH);
            emp.push(employees);
            ind.push(Some(
                if software { "software" } else { "retail" }.to_string(),
            ));
            pricing.push(visits);
            noise.push(unit(a as u64, 7 + m as u64));
            won.push((unit(a as u64, 1000 + m as u64) < p) as u8 as f64);
        }
    }
    let features = Frame::new(vec![
        Column::numeric("employees", "employees", emp),
        Column::categorical("industry", "industry", ind),
        Column::numeric("pricing_page_30d", "pricing_page", pricing),
        Column::numeric("noise", "noise", noise),
    ])
    .unwrap();
    let deals: Vec<usize> = (0..ids.len())
        .filter(|&r| as_of[r] < (months as i64 - 3) * MONTH)
        .collect();
    let opportunities = SnapshotTable {
        account_ids: deals.iter().map(|&r| ids[r].clone()).collect(),
        as_of: deals.iter().map(|&r| as_of[r]).collect(),
        features: features.select_rows(&deals).unwrap(),
        labels: [(
            "won".to_string(),
            deals.iter().map(|&r| won[r]).collect::<Vec<f64>>(),
        )]
        .into_iter()
        .collect(),
        row_ids: deals.iter().map(|&r| format!("O{r}")).collect(),
        closed_at: deals
            .iter()
            .map(|&r| (as_of[r] + CLOSE_DAY * DAY_MICROS) as f64)
            .collect(),
    };
    let snapshots = SnapshotTable {
        account_ids: ids,
        as_of,
        features,
        labels: BTreeMap::new(),
        row_ids: Vec::new(),
        closed_at: Vec::new(),
    };
    (snapshots, opportunities)
}

/// `table` with one more numeric feature column.
fn with_column(mut table: SnapshotTable, name: &str, values: Vec<f64>) -> SnapshotTable {
    let mut cols = table.features.columns().to_vec();
    cols.push(Column::numeric(name, name, values));
    table.features = Frame::new(cols).unwrap();
    table
}

fn fast() -> ScoresParams {
    ScoresParams {
        candidates: vec![
            Candidate::Logistic { c: 1.0 },
            Candidate::Gbm {
                n_trees: 60,
                learning_rate: 0.1,
                max_leaves: 8,
                min_data_in_leaf: 40,
                strongest_columns: None,
            },
        ],
        ..ScoresParams::default()
    }
}

#[test]
fn a_planted_model_is_learned_tiered_and_explained() {
    let (t, opps) = tables(1500, 12);
    let out = run(&t, Some(&opps), &Default::default(), &fast()).unwrap();
    assert!(
        out.report.cold_start.is_none(),
        "{:?}",
        out.report.cold_start
    );
    let conv = &out.report.tasks[0];
    assert_eq!(conv.task.name, "conversion");
    // Periods of closing, counted back from the serving snapshot (month 11): the deals of
    // month 8 are held out, months 5–7 calibrate, months 0–4 train.
    let window = 90 * DAY_MICROS;
    assert_eq!(conv.split.test_as_of, 11 * MONTH - window);
    assert_eq!(conv.split.calibration_as_of, conv.split.test_as_of - window);
    assert_eq!(conv.split.n_test, 1500);
    assert_eq!(conv.split.n_calibration, 3 * 1500);
    assert_eq!(conv.split.n_train, 5 * 1500);
    // The held-out AUC is close to what the true probabilities achieve on the same deals.
    let test_rows: Vec<usize> = (0..opps.n_rows())
        .filter(|&i| opps.closed_at[i] >= conv.split.test_as_of as f64)
        .collect();
    let truth: Vec<f64> = test_rows.iter().map(|&i| planted(i % 1500, 8).3).collect();
    let outcome: Vec<bool> = test_rows
        .iter()
        .map(|&i| opps.label("won").unwrap()[i] == 1.0)
        .collect();
    let true_auc = icp_ml::weights::roc_auc(&truth, &outcome).unwrap();
    assert!(
        conv.test.roc_auc > true_auc - 0.03,
        "model {:?} vs true probabilities {true_auc}",
        conv.test
    );
    let rate: Vec<f64> = conv.tiers.iter().map(|t| t.rate).collect();
    assert!(rate[0] > rate[1] && rate[1] > rate[2], "{:?}", conv.tiers);
    let top: Vec<&str> = conv
        .importance
        .iter()
        .take(3)
        .map(|(f, _)| f.as_str())
        .collect();
    assert!(
        !top.contains(&"noise") || conv.importance.len() <= 3,
        "{top:?}"
    );
    assert_eq!(out.accounts.n_rows(), 1500);
    assert_eq!(out.reasons.len(), 1500);
    let best = out
        .reasons
        .iter()
        .max_by(|a, b| a.fit_score.total_cmp(&b.fit_score))
        .unwrap();
    assert!(best.up[0].text.contains(": +"), "{:?}", best.up);
    assert_eq!(best.tier, "A");
    // The planted signal clears the base rate; the held-out AUC has its interval around it.
    let base = conv.cv_base_rate_log_loss.unwrap();
    let chosen = conv.leaderboard.iter().find(|r| r.chosen).unwrap();
    assert!(chosen.cv_log_loss < base, "{chosen:?} vs base rate {base}");
    assert_eq!(conv.weak_signal(), None);
    let [lo, hi] = conv.test.roc_auc_ci95.unwrap();
    assert!(
        lo < conv.test.roc_auc && conv.test.roc_auc < hi && hi - lo < 0.1,
        "{lo} {hi}"
    );
}

#[test]
fn outcomes_unrelated_to_the_features_are_called_a_weak_signal() {
    let (t, mut opps) = tables(600, 12);
    let noise: Vec<f64> = (0..opps.n_rows())
        .map(|r| (unit(r as u64, 4242) < 0.15) as u8 as f64)
        .collect();
    opps.labels.insert("won".into(), noise);
    // Flexible trees fit the noise of the fit rows, so on validation rows they lose to the
    // rate alone.
    let params = ScoresParams {
        candidates: vec![fast().candidates[1].clone()],
        ..fast()
    };
    let out = run(&t, Some(&opps), &Default::default(), &params).unwrap();
    let conv = &out.report.tasks[0];
    let (model, base) = conv
        .weak_signal()
        .expect("no model beats the rate of pure noise");
    assert!(model > base && base > 0.0, "{model} vs {base}");
    let mut report = crate::report::Report::new("test");
    section::add(&mut report, &out.report);
    assert!(report.to_html().contains("Weak signal"));
}

#[test]
fn bundles_round_trip_and_refuse_another_schema() {
    let (t, opps) = tables(800, 12);
    let out = run(&t, Some(&opps), &Default::default(), &fast()).unwrap();
    let bundle = &out.bundles[0];
    let dir = std::env::temp_dir().join(format!("icp-scores-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("conversion.json");
    bundle.save(&path).unwrap();
    let loaded = ModelBundle::load(&path).unwrap();
    let (a, b) = (
        bundle.score(&t.features).unwrap(),
        loaded.score(&t.features).unwrap(),
    );
    assert_eq!(a.probability, b.probability);
    let c = loaded.contributions(&a).unwrap();
    for r in 0..a.x.n_rows() {
        let sum = c.values.row(r).unwrap().iter().sum::<f64>() + c.base;
        assert!((sum - a.raw[r]).abs() < 1e-6);
    }
    let other = Frame::new(vec![
        Column::numeric("employees", "employees", vec![1.0]),
        Column::numeric("industry", "industry", vec![1.0]),
    ])
    .unwrap();
    let err = bundle.score(&other).unwrap_err().to_string();
    assert!(
        err.contains("`industry` is numeric but the model was trained on categorical"),
        "{err}"
    );
    assert!(
        err.contains("`pricing_page_30d` (numeric) is missing"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn too_few_labels_give_a_labelled_lookalike() {
    let (t, opps) = tables(300, 12);
    // Customers for the lookalike: accounts with a past win.
    let wins = |n: usize| (0..n).map(|r| (r % 7 == 0) as u8 as f64).collect();
    let t = with_column(t.clone(), "prior_wins", wins(t.n_rows()));
    let opps = with_column(opps.clone(), "prior_wins", wins(opps.n_rows()));
    let out = run(&t, Some(&opps), &Default::default(), &fast())
        .map(|o| o.report)
        .unwrap();
    let params = ScoresParams {
        min_wins: 100_000,
        ..fast()
    };
    let cold = run(&t, Some(&opps), &Default::default(), &params).unwrap();
    assert!(out.cold_start.is_none());
    let notice = cold.report.cold_start.unwrap();
    assert!(notice.contains("Not enough history"), "{notice}");
    assert_eq!(cold.report.mode, "lookalike");
    assert!(cold.reasons.iter().all(|r| r.model == "lookalike"));
    // Without any customer either, the scores stay empty and the notice says why.
    let mut none = t.clone();
    none.features = Frame::new(
        t.features
            .columns()
            .iter()
            .filter(|c| c.name() != "prior_wins")
            .cloned()
            .collect(),
    )
    .unwrap();
    let empty = run(&none, None, &Default::default(), &params).unwrap();
    assert_eq!(empty.report.mode, "none");
    assert!(empty.reasons.is_empty());
    assert!(
        empty
            .report
            .cold_start
            .unwrap()
            .contains("nothing to look alike to")
    );
}

#[test]
fn monotone_constraints_reach_the_boosted_trees() {
    let (t, opps) = tables(1000, 12);
    let params = ScoresParams {
        candidates: vec![Candidate::Gbm {
            n_trees: 80,
            learning_rate: 0.1,
            max_leaves: 8,
            min_data_in_leaf: 20,
            strongest_columns: None,
        }],
        // A column name and a source field (`pricing_page` covers `pricing_page_30d`).
        monotone: [("noise".to_string(), -1), ("pricing_page".to_string(), 1)]
            .into_iter()
            .collect(),
        ..fast()
    };
    let out = run(&t, Some(&opps), &Default::default(), &params).unwrap();
    let bundle = &out.bundles[0];
    // Sweep one column over its range for a handful of accounts: the raw score moves only
    // in the configured direction.
    for r in [0, 17, 333, 999] {
        for (column, values, sign) in [
            (
                "noise",
                (0..=20).map(|k| k as f64 / 20.0).collect::<Vec<_>>(),
                -1.0,
            ),
            ("pricing_page_30d", (0..=6).map(f64::from).collect(), 1.0),
        ] {
            let rows = vec![r; values.len()];
            let base = t.features.select_rows(&rows).unwrap();
            let cols = base
                .columns()
                .iter()
                .map(|c| {
                    if c.name() == column {
                        Column::numeric(column, c.source(), values.clone())
                    } else {
                        c.clone()
                    }
                })
                .collect();
            let raw = bundle.score(&Frame::new(cols).unwrap()).unwrap().raw;
            assert!(
                raw.windows(2).all(|w| sign * (w[1] - w[0]) >= -1e-12),
                "{column} of row {r}: {raw:?}"
            );
        }
    }
    let unknown = ScoresParams {
        monotone: [("shoe_size".to_string(), 1)].into_iter().collect(),
        ..fast()
    };
    let err = run(&t, Some(&opps), &Default::default(), &unknown)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("`shoe_size` is neither"), "{err}");
}

/// Feature selection keeps the planted signal columns and nothing else: the outcome depends
/// on columns 0 and 1 of twelve; a boosted-tree candidate limited to the two strongest
/// columns splits only on those, and the others get zero contributions.
#[test]
fn strongest_columns_keep_the_planted_signal() {
    let (n, p) = (3000, 12);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut uniform = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut values = Vec::with_capacity(n * p);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f64> = (0..p).map(|_| uniform()).collect();
        let logit = 4.0 * (row[0] - 0.5) + 3.0 * (row[1] - 0.5);
        y.push(uniform() < 1.0 / (1.0 + (-logit).exp()));
        values.extend(row);
    }
    let x = Matrix::new(values, n, p).unwrap();
    let candidate = Candidate::Gbm {
        n_trees: 40,
        learning_rate: 0.1,
        max_leaves: 8,
        min_data_in_leaf: 20,
        strongest_columns: Some(2),
    };
    assert!(candidate.name().contains("2 strongest columns"));
    let Learner::Gbm { model } = candidate.fit(&x, &y, None, &[], 7).unwrap() else {
        panic!("a boosted-tree candidate fits boosted trees");
    };
    let used: std::collections::BTreeSet<u32> = model
        .trees()
        .iter()
        .flat_map(|t| t.nodes.iter().filter(|n| !n.is_leaf()).map(|n| n.feature))
        .collect();
    assert_eq!(used, [0, 1].into_iter().collect());
    let shap = model.shap(&x);
    for r in 0..n {
        let row = shap.row(r).unwrap();
        assert!(row[2..p].iter().all(|&v| v == 0.0), "row {r}: {row:?}");
    }
}

/// `tables` with a `segment` feature ("north" for even accounts, "south" for odd) and the
/// deals relabelled so that pricing visits raise the chance of a win in the north and lower
/// it in the south: P = σ(±0.9·(visits − 2.5) − 0.4).
fn two_segment_tables(accounts: usize, months: usize) -> (SnapshotTable, SnapshotTable) {
    let (mut t, mut opps) = tables(accounts, months);
    let account = |id: &str| -> u64 { id[1..].parse().unwrap() };
    for table in [&mut t, &mut opps] {
        let segment: Vec<Option<String>> = table
            .account_ids
            .iter()
            .map(|id| Some(["north", "south"][account(id) as usize % 2].to_string()))
            .collect();
        let mut cols = table.features.columns().to_vec();
        cols.push(Column::categorical("segment", "segment", segment));
        table.features = Frame::new(cols).unwrap();
    }
    let ColumnData::Numeric(visits) = opps.features.column("pricing_page_30d").unwrap().data()
    else {
        panic!("pricing visits are numeric");
    };
    let won = (0..opps.n_rows())
        .map(|r| {
            let a = account(&opps.account_ids[r]);
            let sign = if a % 2 == 0 { 1.0 } else { -1.0 };
            let z = sign * 0.9 * (visits[r] - 2.5) - 0.4;
            (unit(a, 5000 + r as u64) < 1.0 / (1.0 + (-z).exp())) as u8 as f64
        })
        .collect();
    opps.labels.insert("won".to_string(), won);
    (t, opps)
}

/// Where the segments disagree about a driver, a logistic regression per segment beats the
/// global one: both segments get a model of their own, the held-out ROC-AUC rises, each
/// account's contributions still add up to its raw score on the global base value, the
/// `model` column names the segment's model, and the saved bundle scores identically.
#[test]
fn segments_that_disagree_get_models_of_their_own() {
    let (t, opps) = two_segment_tables(600, 12);
    let logistic = |min: usize| ScoresParams {
        candidates: vec![Candidate::Logistic { c: 1.0 }],
        segment_min_positives: min,
        segment_min_negatives: min,
        ..ScoresParams::default()
    };
    let global = run(&t, Some(&opps), &Default::default(), &logistic(usize::MAX)).unwrap();
    let own = run(&t, Some(&opps), &Default::default(), &logistic(100)).unwrap();
    let trials = |out: &ScoresOutcome| out.report.tasks[0].segment_models.clone().unwrap();
    assert!(trials(&global).adopted().is_empty());
    assert!(trials(&global).segments.iter().all(|s| s.cv.is_none()));
    let models = trials(&own);
    assert_eq!(models.adopted(), ["north", "south"]);
    // Every training deal is counted in its segment (no outliers here).
    let split = &own.report.tasks[0].split;
    let counted =
        |f: fn(&segmented::SegmentTrial) -> usize| -> usize { models.segments.iter().map(f).sum() };
    assert_eq!(counted(|s| s.train_positives), split.train_positives);
    assert_eq!(
        counted(|s| s.train_positives + s.train_negatives),
        split.n_train
    );
    for s in &models.segments {
        let cv = s.cv.as_ref().unwrap();
        assert!(cv.own_is_better(), "{s:?}");
        assert!(
            s.train_positives >= 100 && s.train_negatives >= 100,
            "{s:?}"
        );
    }
    let (auc_global, auc_own) = (
        global.report.tasks[0].test.roc_auc,
        own.report.tasks[0].test.roc_auc,
    );
    eprintln!("held-out ROC-AUC: global model {auc_global:.4}, own models {auc_own:.4}");
    assert!(auc_own > auc_global + 0.1, "{auc_global} → {auc_own}");

    let bundle = &own.bundles[0];
    assert_eq!(bundle.segment_learners.len(), 2);
    let scored = bundle.score(&t.features).unwrap();
    let c = bundle.contributions(&scored).unwrap();
    for r in 0..scored.x.n_rows() {
        let sum = c.values.row(r).unwrap().iter().sum::<f64>() + c.base;
        assert!(
            (sum - scored.raw[r]).abs() < 1e-6,
            "row {r}: {sum} vs {}",
            scored.raw[r]
        );
        let segment = ["north", "south"][r % 600 % 2];
        assert_eq!(
            bundle.segment_learners[scored.routes[r].unwrap()].segment,
            segment
        );
    }
    let reason = &own.reasons[0];
    assert!(
        reason.model.ends_with("own model of segment north"),
        "{}",
        reason.model
    );
    let path = std::env::temp_dir().join(format!("icp-segmented-{}.json", std::process::id()));
    bundle.save(&path).unwrap();
    let loaded = ModelBundle::load(&path).unwrap();
    assert_eq!(loaded.score(&t.features).unwrap().raw, scored.raw);
    std::fs::remove_file(&path).unwrap();
}
