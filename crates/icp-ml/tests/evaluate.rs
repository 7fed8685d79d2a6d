//! Evaluation metrics and calibration against known answers computed by hand from the
//! definitions (scikit-learn's conventions: AP as a step sum over distinct thresholds,
//! log-loss clipped at 1e-15), plus the property that calibration never makes the reliability
//! curve worse on a miscalibrated fixture.

use icp_ml::Error;
use icp_ml::calibrate::{Calibration, Calibrator, Isotonic, Platt};
use icp_ml::evaluate::*;

const P: [f64; 8] = [0.95, 0.85, 0.8, 0.7, 0.6, 0.4, 0.3, 0.1];
const Y: [bool; 8] = [true, true, false, true, false, true, false, false];

#[test]
fn average_precision_matches_the_step_definition() {
    // Positives at ranks 1, 2, 4, 6: precisions 1, 1, 3/4, 4/6.
    let expected = (1.0 + 1.0 + 0.75 + 4.0 / 6.0) / 4.0;
    assert!((average_precision(&P, &Y).unwrap() - expected).abs() < 1e-12);
    // Ties form one threshold: all tied → AP = positive rate.
    let ap = average_precision(&[0.5; 4], &[true, false, false, false]).unwrap();
    assert!((ap - 0.25).abs() < 1e-12);
}

#[test]
fn log_loss_brier_and_ks_match_hand_computation() {
    let ll: f64 = P
        .iter()
        .zip(Y)
        .map(|(&p, y)| if y { -p.ln() } else { -(1.0 - p).ln() })
        .sum::<f64>()
        / 8.0;
    assert!((log_loss(&P, &Y).unwrap() - ll).abs() < 1e-12);
    let br: f64 = P
        .iter()
        .zip(Y)
        .map(|(&p, y)| (p - y as u8 as f64).powi(2))
        .sum::<f64>()
        / 8.0;
    assert!((brier_score(&P, &Y).unwrap() - br).abs() < 1e-12);
    // Cumulative TPR − FPR by rank: .25,.5,.25,.5,.25,.5,.25,0 → max 0.5.
    assert!((ks_statistic(&P, &Y).unwrap() - 0.5).abs() < 1e-12);
    // Perfect separation: KS 1, AUC 1, AP 1.
    let m = binary_metrics(&[0.9, 0.8, 0.2, 0.1], &[true, true, false, false]).unwrap();
    assert_eq!((m.ks, m.roc_auc, m.pr_auc), (1.0, 1.0, 1.0));
}

#[test]
fn deciles_add_up_and_gains_reach_one() {
    let d = deciles(&P, &Y, 4).unwrap();
    assert_eq!(d.iter().map(|g| g.n).sum::<usize>(), 8);
    assert_eq!(d.iter().map(|g| g.positives).sum::<usize>(), 4);
    assert_eq!(d[0].positives, 2);
    assert!((d[0].lift - 2.0).abs() < 1e-12);
    assert!((d.last().unwrap().cumulative_gain - 1.0).abs() < 1e-12);
    assert!(
        d.windows(2)
            .all(|w| w[0].cumulative_gain <= w[1].cumulative_gain)
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    assert!(matches!(
        log_loss(&[0.5, 1.5], &[true, false]),
        Err(Error::InvalidRecord { row: 1, .. })
    ));
    assert!(matches!(
        average_precision(&[0.5, f64::NAN], &[true, false]),
        Err(Error::NonFinite { index: 1 })
    ));
    assert!(matches!(
        ks_statistic(&[0.5, 0.2], &[true, true]),
        Err(Error::OneClass { .. })
    ));
    assert!(matches!(
        brier_score(&[0.5], &[true, false]),
        Err(Error::LengthMismatch { .. })
    ));
    assert!(deciles(&P, &Y, 0).is_err());
}

#[test]
fn isotonic_is_the_pool_adjacent_violators_answer() {
    // y in score order 1 0 1 1 0 0: every prefix mean exceeds the suffix mean, so PAV pools
    // everything into one block of mean 3/6.
    let p = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    let y = [true, false, true, true, false, false];
    let iso = Isotonic::fit(&p, &y).unwrap();
    let out = iso.apply(&p).unwrap();
    assert!(out.iter().all(|&v| (v - 0.5).abs() < 1e-12), "{out:?}");
    let mono = Isotonic::fit(&[0.1, 0.2, 0.3, 0.4], &[false, true, false, true]).unwrap();
    let v = mono.apply(&[0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 1.0]).unwrap();
    // Blocks {0.1}→0, {0.2,0.3}→½, {0.4}→1; linear between 0.3 and 0.4; clipped outside.
    let expected = [0.0, 0.0, 0.5, 0.5, 0.75, 1.0, 1.0];
    assert!(
        v.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12),
        "{v:?}"
    );
    assert_eq!(mono.n_blocks(), 3);
    // Half a positive joins the lowest block and half a negative the highest: 0.5 of 1.5,
    // then {0.2, 0.3} as before, then 1 of 1.5.
    let bounded =
        Isotonic::fit_bounded(&[0.1, 0.2, 0.3, 0.4], &[false, true, false, true]).unwrap();
    let v = bounded.apply(&[0.0, 0.1, 0.25, 0.4, 1.0]).unwrap();
    let expected = [1.0 / 3.0, 1.0 / 3.0, 0.5, 2.0 / 3.0, 2.0 / 3.0];
    assert!(
        v.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-12),
        "{v:?}"
    );
    // All negatives: one block, never exactly zero.
    let none = Isotonic::fit_bounded(&[0.1, 0.5, 0.9], &[false; 3]).unwrap();
    assert_eq!(none.n_blocks(), 1);
    assert!((none.apply(&[0.5]).unwrap()[0] - 0.5 / 4.0).abs() < 1e-12);
}

/// A deterministic miscalibrated fixture: true rate = score², seen through a hash.
fn fixture(n: usize, offset: usize) -> (Vec<f64>, Vec<bool>) {
    let p: Vec<f64> = (0..n)
        .map(|i| ((i * 7919 + offset) % 1000) as f64 / 1000.0)
        .collect();
    let y = p
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            (((i + offset) * 2_654_435_761) % 4_294_967_291) as f64 / 4_294_967_291.0 < s * s
        })
        .collect();
    (p, y)
}

#[test]
fn calibration_does_not_worsen_the_reliability_curve() {
    let (cal_p, cal_y) = fixture(4000, 0);
    let (test_p, test_y) = fixture(4000, 17);
    let cal = Calibrator::fit(&cal_p, &cal_y, 3).unwrap();
    assert_ne!(cal.method(), Calibration::None, "{:?}", cal.cv_brier);
    let after = cal.apply(&test_p).unwrap();
    let ece = |p: &[f64]| expected_calibration_error(&reliability_curve(p, &test_y, 10).unwrap());
    let (before_ece, after_ece) = (ece(&test_p), ece(&after));
    assert!(after_ece <= before_ece, "ECE {before_ece} → {after_ece}");
    assert!(after_ece < 0.05, "ECE after calibration {after_ece}");
    assert!(brier_score(&after, &test_y).unwrap() < brier_score(&test_p, &test_y).unwrap());
    // Already calibrated scores (rate = score) are not made worse either.
    let truth: Vec<f64> = test_p.iter().map(|s| s * s).collect();
    let cal2 = Calibrator::fit(&truth, &test_y, 3).unwrap();
    let again = cal2.apply(&truth).unwrap();
    let b0 = brier_score(&truth, &test_y).unwrap();
    assert!(brier_score(&again, &test_y).unwrap() <= b0 + 0.002);
}

#[test]
fn platt_recovers_a_known_logistic_map_and_round_trips() {
    // Outcomes generated as σ(2·logit(p) − 1) → Platt should find a ≈ 2, b ≈ −1.
    let n = 20_000;
    let p: Vec<f64> = (0..n)
        .map(|i| 0.02 + 0.96 * ((i * 7919) % n) as f64 / n as f64)
        .collect();
    let y: Vec<bool> = p
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            let z = 2.0 * (s / (1.0 - s)).ln() - 1.0;
            let q = 1.0 / (1.0 + (-z).exp());
            ((i * 2_654_435_761) % 4_294_967_291) as f64 / 4_294_967_291.0 < q
        })
        .collect();
    let m = Platt::fit(&p, &y).unwrap();
    assert!(
        (m.a - 2.0).abs() < 0.15 && (m.b + 1.0).abs() < 0.15,
        "{m:?}"
    );
    let cal = Calibrator::fit(&p, &y, 1).unwrap();
    let back: Calibrator = serde_json::from_str(&serde_json::to_string(&cal).unwrap()).unwrap();
    assert_eq!(back.apply(&p).unwrap(), cal.apply(&p).unwrap());
}

#[test]
fn calibration_never_turns_the_ranking_upside_down() {
    // A fold where higher scores convert less: Platt would need a negative slope.
    let p: Vec<f64> = (0..400).map(|i| 0.05 + 0.9 * i as f64 / 400.0).collect();
    let y: Vec<bool> = (0..400).map(|i| (i * 7919) % 400 < 400 - i).collect();
    assert!(Platt::fit(&p, &y).is_err());
    let cal = Calibrator::fit(&p, &y, 3).unwrap();
    assert_ne!(cal.method(), Calibration::Platt);
    let out = cal.apply(&p).unwrap();
    assert!(
        out.windows(2).all(|w| w[1] >= w[0] - 1e-12),
        "the calibrated scores keep the input's order"
    );
}
