//! The segmentation stage on a generated company, checked against its ground truth: one
//! pipeline run (1,500 accounts, 15 months) shared by the assertions — the recommended K is the
//! number of planted archetypes and the segments match them (ARI ≥ 0.85), every segment has a
//! profile, a rule whose fidelity is what it claims, and a playbook; the saved model assigns
//! accounts exactly as the batch did; a rerun with another seed keeps the segment ids.

use icp_core::pipeline::{self, Workspace};
use icp_core::segments::model::SegmentModel;
use icp_core::snapshots::read_table;
use icp_data::synth::{WorldParams, generate};
use icp_ml::cluster::adjusted_rand_score;
use icp_ml::progress::NoProgress;
use std::collections::HashMap;
use std::path::Path;

/// Archetype of every account in `truth/accounts.csv`.
fn archetypes(dir: &Path) -> HashMap<String, String> {
    let mut r = csv::Reader::from_path(dir.join("truth/accounts.csv")).unwrap();
    r.deserialize::<HashMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            (row["account_id"].clone(), row["archetype"].clone())
        })
        .collect()
}

/// `segment_assignments.csv` rows: account → (segment or None, nearest).
fn assignments(out: &Path) -> HashMap<String, (Option<usize>, usize)> {
    let mut r = csv::Reader::from_path(out.join("segment_assignments.csv")).unwrap();
    r.deserialize::<HashMap<String, String>>()
        .map(|row| {
            let row = row.unwrap();
            (
                row["account_id"].clone(),
                (
                    row["segment"].parse().ok(),
                    row["nearest_segment"].parse().unwrap(),
                ),
            )
        })
        .collect()
}

#[test]
fn segments_recover_the_archetypes_and_keep_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let params = WorldParams {
        accounts: 1500,
        months: 15,
        seed: 11,
        ..WorldParams::default()
    };
    generate(&params, dir.path(), &NoProgress).unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    let outcome = pipeline::run(&ws, &NoProgress).unwrap();
    let seg = outcome
        .segments
        .as_ref()
        .expect("the run segments accounts");
    let out = ws.out_dir();

    // K and recovery of the planted archetypes.
    let truth = archetypes(dir.path());
    let assigned = assignments(&out);
    let mut names: Vec<&String> = truth.values().collect();
    names.sort();
    names.dedup();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for (id, (_, nearest)) in &assigned {
        a.push(*nearest);
        b.push(names.iter().position(|n| *n == &truth[id]).unwrap());
    }
    let ari = adjusted_rand_score(&a, &b).unwrap();
    eprintln!(
        "K = {}, ARI vs archetypes {ari:.3}; {}",
        seg.k, seg.recommendation.reason
    );
    // The six planted archetypes are recovered: K chosen by the latent class model's ICL
    // and the k-means partition on the block-weighted matrix.
    assert_eq!(seg.k, 6, "{}", seg.recommendation.reason);
    assert!(ari >= 0.85, "ARI {ari:.3} against the archetypes");
    // Ward's tree on the same matrix, cut at K, finds much the same segments.
    let ward = seg.ward.as_ref().expect("the Ward check ran");
    eprintln!("Ward vs segments ARI {:.3}", ward.ari_with_segments);
    assert_eq!(ward.dendrogram.merges.len(), ward.account_ids.len() - 1);
    assert!(ward.ari_with_segments > 0.5, "{}", ward.ari_with_segments);
    // Density outliers are few, scored, and not distance outliers as well.
    eprintln!("{} density outliers", seg.density_outliers.len());
    assert!(seg.density_outliers.len() * 50 < seg.accounts);
    for o in &seg.density_outliers {
        assert!(o.score > 0.0 && o.score <= 1.0, "{o:?}");
        assert!(!seg.outliers.iter().any(|d| d.account_id == o.account_id));
        assert_eq!(assigned[&o.account_id].0, Some(o.segment));
    }

    // Profiles: sizes add up, rules are true to their stated fidelity, playbooks are set.
    let members: usize = seg.segments.iter().map(|p| p.size).sum();
    assert_eq!(members + seg.outliers.len(), seg.accounts);
    assert_eq!(assigned.len(), seg.accounts);
    assert!(
        seg.outliers.len() * 50 < seg.accounts,
        "{} outliers",
        seg.outliers.len()
    );
    for p in &seg.segments {
        assert!(!p.name.is_empty() && !p.traits.is_empty(), "{p:?}");
        assert!(
            ["acquire", "expand", "retain", "nurture", "deprioritise"]
                .contains(&p.playbook.as_str())
        );
        if let Some(rule) = &p.rule {
            assert_eq!(rule.members, p.size);
            assert!(rule.precision > 0.5 && rule.recall > 0.0 && rule.recall <= 1.0);
        }
        assert!((0.0..=1.0).contains(&p.jaccard));
    }
    assert!(seg.segments.iter().filter(|p| p.rule.is_some()).count() >= 4);
    assert!(seg.stability.mean_ari > 0.7, "{:?}", seg.stability);
    for file in [
        "segments.json",
        "models/segments.json",
        "segment_assignments.csv",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("Segment map") && html.contains("Segment profiles"));

    // The saved model assigns the latest snapshot exactly as the batch did.
    let model = SegmentModel::from_json(
        &std::fs::read_to_string(out.join("models/segments.json")).unwrap(),
    )
    .unwrap();
    let latest = std::fs::read_dir(out.join("features"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("asof=") && n.ends_with(".parquet"))
        })
        .max()
        .unwrap();
    let table = read_table(&[&latest]).unwrap();
    let again = model.assign(&table.features).unwrap();
    for (id, a) in table.account_ids.iter().zip(&again) {
        assert_eq!(assigned[id], (a.segment(), a.nearest), "{id}");
    }

    // A rerun with another seed keeps the ids: segment ids of the accounts agree.
    let config = dir.path().join("icp.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[segments]\nseed = 7\n")).unwrap();
    let ws = Workspace::open(dir.path()).unwrap();
    let rerun = pipeline::run(&ws, &NoProgress).unwrap();
    let rerun = rerun.segments.as_ref().unwrap();
    eprintln!("rerun: K = {}; {}", rerun.k, rerun.recommendation.reason);
    assert!(rerun.ids_matched_to_previous);
    let second = assignments(&out);
    let same = assigned
        .iter()
        .filter(|(id, (_, n))| second[*id].1 == *n)
        .count();
    assert!(
        same as f64 >= 0.95 * assigned.len() as f64,
        "{same} of {}",
        assigned.len()
    );
}
