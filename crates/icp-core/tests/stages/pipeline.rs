//! The pipeline on generated companies, checked against their ground truth: injected outliers
//! are found at about the injected rate, duplicate accounts are merged with high precision and
//! recall, and every event row is counted once by identity resolution.

use icp_core::pipeline::{self, Workspace};
use icp_data::contract::Table;
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_ml::progress::NoProgress;
use std::collections::{HashMap, HashSet};
use std::path::Path;

fn world(dir: &Path, accounts: usize, dirt: DirtRates) -> serde_json::Value {
    let params = WorldParams {
        accounts,
        months: 3,
        seed: 7,
        dirt,
        ..WorldParams::default()
    };
    generate(&params, dir, &NoProgress).unwrap();
    serde_json::from_str(&std::fs::read_to_string(dir.join("truth/dirt_summary.json")).unwrap())
        .unwrap()
}

fn truth_canonical(dir: &Path) -> HashMap<String, String> {
    let mut r = csv::Reader::from_path(dir.join("truth/accounts.csv")).unwrap();
    r.deserialize::<HashMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            let id = row["account_id"].clone();
            let canonical = row
                .get("canonical_account_id")
                .filter(|c| !c.is_empty())
                .cloned()
                .unwrap_or_else(|| id.clone());
            (id, canonical)
        })
        .collect()
}

#[test]
fn outliers_are_found_at_the_injected_rate() {
    let dir = tempfile::tempdir().unwrap();
    let rates = DirtRates {
        outliers: 0.01,
        ..DirtRates::clean()
    };
    let truth = world(dir.path(), 3000, rates);
    let injected: u64 = truth["outliers"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    let out = pipeline::check(&Workspace::open(dir.path()).unwrap(), &NoProgress).unwrap();
    let found = out
        .ingest
        .table(Table::Accounts)
        .unwrap()
        .outlier_accounts
        .unwrap();
    eprintln!("outliers: {found} accounts flagged for {injected} injected");
    assert!(
        injected >= 20,
        "the world has outliers to find ({injected})"
    );
    assert!(
        found as f64 >= 0.6 * injected as f64 && found as f64 <= 1.3 * injected as f64 + 3.0,
        "found {found} outlier accounts for {injected} injected"
    );

    let clean = tempfile::tempdir().unwrap();
    world(clean.path(), 3000, DirtRates::clean());
    let out = pipeline::check(&Workspace::open(clean.path()).unwrap(), &NoProgress).unwrap();
    let false_alarms = out
        .ingest
        .table(Table::Accounts)
        .unwrap()
        .outlier_accounts
        .unwrap();
    eprintln!("outliers in a clean world: {false_alarms}");
    assert!(
        false_alarms <= 6,
        "{false_alarms} false alarms among 3,000 clean accounts"
    );
}

#[test]
fn duplicate_accounts_are_merged_with_high_precision_and_recall() {
    let dir = tempfile::tempdir().unwrap();
    let rates = DirtRates {
        duplicate_accounts: 0.04,
        ..DirtRates::default()
    };
    world(dir.path(), 2000, rates);
    let out = pipeline::run(&Workspace::open(dir.path()).unwrap(), &NoProgress).unwrap();
    let truth = truth_canonical(dir.path());
    let true_pairs: HashSet<(String, String)> = truth
        .iter()
        .filter(|(id, c)| id != c)
        .map(|(id, c)| (id.clone(), c.clone()))
        .collect();
    let same = |a: &str, b: &str| truth.get(a).is_some_and(|ca| truth.get(b) == Some(ca));
    let correct = out
        .identity
        .merges
        .iter()
        .filter(|m| same(&m.account_id, &m.into))
        .count();
    let precision = correct as f64 / out.identity.merges.len().max(1) as f64;
    let recall = correct as f64 / true_pairs.len() as f64;
    eprintln!(
        "merges: precision {precision:.3}, recall {recall:.3} over {} true duplicates",
        true_pairs.len()
    );
    assert!(true_pairs.len() >= 60);
    assert!(
        precision >= 0.98 && recall >= 0.95,
        "precision {precision:.3}, recall {recall:.3}"
    );
    let merges = std::fs::read_to_string(dir.path().join("out/merges.csv")).unwrap();
    assert_eq!(merges.lines().count(), out.identity.merges.len() + 1);
    let events: u64 = out.identity.events.values().sum();
    assert_eq!(
        events,
        out.ingest.table(Table::Events).unwrap().accepted,
        "every event counted once"
    );
}
