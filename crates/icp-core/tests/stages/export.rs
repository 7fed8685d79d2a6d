//! Learning from a flat export (`[export]`): alone, a planted outcome is learned about as well
//! as its true probabilities rank the held-out rows, every row (labelled or not) is scored, and
//! a bad outcome value stops the run with its line and column while the previous results stay
//! in place; next to the tables, the same run scores the accounts and the export.

use icp_core::pipeline::{self, Workspace};
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_ml::progress::NoProgress;
use icp_ml::weights::roc_auc;
use std::collections::HashMap;
use std::fmt::Write;
use std::path::Path;

/// Deterministic uniform in [0, 1).
fn unit(a: u64, b: u64) -> f64 {
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

const ROWS: u64 = 10_000;
/// Rows whose outcome is not known yet (the last ones by date).
const OPEN: u64 = 250;

/// Writes the export and icp.toml; returns each row's true probability by id.
fn workspace(dir: &Path) -> HashMap<String, f64> {
    let mut csv =
        String::from("account,closed_on,employees,industry,pricing_visits,noise,converted\n");
    let mut truth = HashMap::new();
    for i in 0..ROWS {
        let employees = (10.0 + 3000.0 * unit(i, 1)).round();
        let industry = ["Software", "Retail", "Banking"][(unit(i, 2) * 3.0) as usize];
        let visits = (6.0 * unit(i, 3)).floor();
        let z = -2.0
            + 1.4 * f64::from(u8::from(industry == "Software"))
            + 0.9 * f64::from(u8::from((200.0..=2000.0).contains(&employees)))
            + 0.45 * visits;
        let p = 1.0 / (1.0 + (-z).exp());
        let day = 1 + i * 700 / ROWS;
        let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(day);
        let outcome = if i >= ROWS - OPEN {
            String::new()
        } else if unit(i, 4) < p {
            "yes".into()
        } else {
            "no".into()
        };
        let id = format!("A{i}");
        writeln!(
            csv,
            "{id},{date},{employees},{industry},{visits},{:.4},{outcome}",
            unit(i, 5)
        )
        .unwrap();
        truth.insert(id, p);
    }
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/export.csv"), csv).unwrap();
    std::fs::write(
        dir.join("icp.toml"),
        "[export]\npath = \"data/export.csv\"\noutcome = \"converted\"\nid = \"account\"\ndate = \"closed_on\"\n",
    )
    .unwrap();
    truth
}

#[test]
fn a_flat_export_is_learned_scored_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let truth = workspace(dir.path());
    let ws = Workspace::open(dir.path()).unwrap();
    assert!(ws.export_only());
    let run = pipeline::run_export(&ws, &NoProgress).unwrap();
    let e = &run.export;
    assert_eq!(
        (e.rows, e.labelled),
        (ROWS as usize, (ROWS - OPEN) as usize)
    );
    assert_eq!(e.split_by, "date");
    let t = e.task.as_ref().expect("trained");
    // Ten equal periods by date: the last tenth held out, the one before it calibrates.
    assert_eq!(t.split.n_test, e.labelled / 10);
    assert_eq!(t.split.n_calibration, e.labelled / 10);
    assert_eq!(
        t.split.n_train + t.split.n_calibration + t.split.n_test,
        e.labelled
    );
    let p: Vec<f64> = t.held_out.iter().map(|h| h.probability).collect();
    let y: Vec<bool> = t.held_out.iter().map(|h| h.outcome).collect();
    let oracle: Vec<f64> = t.held_out.iter().map(|h| truth[&h.id]).collect();
    let (auc_model, auc_truth) = (roc_auc(&p, &y).unwrap(), roc_auc(&oracle, &y).unwrap());
    eprintln!(
        "export held-out: AUC model {auc_model:.4}, truth {auc_truth:.4} on {} rows",
        y.len()
    );
    assert!((auc_model - t.test.roc_auc).abs() < 1e-9);
    assert!(auc_model > auc_truth - 0.03, "{auc_model} vs {auc_truth}");
    // Held-out rows are the latest labelled ones.
    let latest = ROWS - OPEN - (e.labelled / 10) as u64;
    assert!(
        t.held_out
            .iter()
            .all(|h| h.id[1..].parse::<u64>().unwrap() >= latest)
    );

    // Every row is scored, the open ones too, with a tier and reasons.
    let mut r = csv::Reader::from_path(run.out_dir.join("export_scores.csv")).unwrap();
    let rows: Vec<HashMap<String, String>> = r.deserialize().map(|x| x.unwrap()).collect();
    assert_eq!(rows.len(), ROWS as usize);
    let open = &rows[ROWS as usize - 1];
    assert_eq!(open["converted"], "");
    assert!(open["p_converted"].parse::<f64>().unwrap() > 0.0);
    assert!(["A", "B", "C"].contains(&open["tier"].as_str()));
    assert!(!open["reason_1_up"].is_empty() || !open["reason_1_down"].is_empty());
    assert!(run.out_dir.join("models/export.json").exists());
    let explained = icp_core::scores::explain(&run.out_dir, &format!("A{}", ROWS - 1)).unwrap();
    assert!(
        explained.starts_with(&format!("A{}: score ", ROWS - 1)),
        "{explained}"
    );
    assert!(explained.contains("P(converted)"), "{explained}");
    assert!(explained.contains("Raising the score:"), "{explained}");
    let unknown = icp_core::scores::explain(&run.out_dir, "nobody").unwrap_err();
    assert!(
        unknown.to_string().contains("is not among the 10000 rows"),
        "{unknown}"
    );
    assert!(run.out_dir.join("report.html").exists());

    // A value the outcome column cannot hold stops the run with its place; the previous
    // results stay.
    let path = dir.path().join("data/export.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen(",yes\n", ",perhaps\n", 1)).unwrap();
    let err = pipeline::run_export(&ws, &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("export.csv"), "{err}");
    assert!(err.contains("column 7 (`converted`): `perhaps`"), "{err}");
    assert!(err.contains("expected an outcome"), "{err}");
    let again = std::fs::read_to_string(run.out_dir.join("export_scores.csv")).unwrap();
    assert_eq!(again.lines().count(), ROWS as usize + 1);
}

/// With tables and an export, `run` does both: the accounts are scored as always and the
/// export gets its own model, scores and report section.
#[test]
fn an_export_next_to_tables_is_learned_in_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let params = WorldParams {
        accounts: 300,
        months: 12,
        dirt: DirtRates::clean(),
        ..WorldParams::default()
    };
    generate(&params, dir.path(), &NoProgress).unwrap();
    let generated = std::fs::read_to_string(dir.path().join("icp.toml")).unwrap();
    workspace(dir.path());
    let export = std::fs::read_to_string(dir.path().join("icp.toml")).unwrap();
    std::fs::write(
        dir.path().join("icp.toml"),
        format!("{generated}\n{export}"),
    )
    .unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    assert!(!ws.export_only());
    let outcome = pipeline::run(&ws, &NoProgress).unwrap();
    assert!(outcome.scores.is_some());
    let e = outcome.export.expect("the export is learned");
    assert!(e.task.is_some(), "{:?}", e.skipped);
    for file in ["accounts.csv", "export_scores.csv", "models/export.json"] {
        assert!(outcome.out_dir.join(file).exists(), "{file}");
    }
    let html = std::fs::read_to_string(outcome.out_dir.join("report.html")).unwrap();
    assert!(html.contains("Learned from the flat export"));
}
