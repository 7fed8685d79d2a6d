//! The Rust side of bench/gbm.sh: reads the data set bench/gbm_lightgbm.py wrote (raw
//! little-endian f64: features n × p, then labels n), trains `Gbm` on the first `n_train` rows
//! with LightGBM-equal settings, scores the rest, and explains `n_shap` of them with TreeSHAP.
//! Prints one JSON line: fit, predict and SHAP seconds and the held-out AUC.
//!
//! Usage: gbm_bench FILE N_ROWS N_FEATURES N_TRAIN N_TREES N_LEAVES N_SHAP

use std::time::Instant;

use icp_ml::Matrix;
use icp_ml::boost::{Gbm, GbmParams};
use icp_ml::weights::roc_auc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 7 {
        return Err(
            "usage: gbm_bench FILE N_ROWS N_FEATURES N_TRAIN N_TREES N_LEAVES N_SHAP".into(),
        );
    }
    let num = |i: usize| -> Result<usize, std::num::ParseIntError> { args[i].parse() };
    let (n, p, n_train, n_trees, n_leaves, n_shap) =
        (num(1)?, num(2)?, num(3)?, num(4)?, num(5)?, num(6)?);
    let bytes = std::fs::read(&args[0])?;
    if bytes.len() != 8 * n * (p + 1) {
        return Err(format!(
            "{} holds {} bytes, expected {}",
            args[0],
            bytes.len(),
            8 * n * (p + 1)
        )
        .into());
    }
    let values: Vec<f64> = bytes
        .chunks_exact(8)
        .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")))
        .collect();
    let (features, labels) = values.split_at(n * p);
    let train = Matrix::new(features[..n_train * p].to_vec(), n_train, p)?;
    let test = Matrix::new(features[n_train * p..].to_vec(), n - n_train, p)?;
    let params = GbmParams {
        n_trees,
        max_leaves: n_leaves,
        ..GbmParams::default()
    };
    let start = Instant::now();
    let model = Gbm::fit(&train, &labels[..n_train], None, None, &params)?;
    let fit_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let scores = model.predict(&test);
    let predict_seconds = start.elapsed().as_secs_f64();
    let truth: Vec<bool> = labels[n_train..].iter().map(|&v| v == 1.0).collect();
    let auc = roc_auc(&scores, &truth)?;
    let explained = Matrix::new(test.as_slice()[..n_shap * p].to_vec(), n_shap, p)?;
    let start = Instant::now();
    let shap = model.shap(&explained);
    let shap_seconds = start.elapsed().as_secs_f64();
    let raw = model.predict_raw(&explained);
    let max_additivity_error = (0..n_shap)
        .map(|r| (shap.row(r).expect("row").iter().sum::<f64>() - raw[r]).abs())
        .fold(0.0, f64::max);
    println!(
        "{{\"fit_seconds\": {fit_seconds}, \"predict_seconds\": {predict_seconds}, \"auc\": {auc}, \
         \"shap_seconds\": {shap_seconds}, \"max_additivity_error\": {max_additivity_error}}}"
    );
    Ok(())
}
