//! [`Recipe::fit`]: learning each input column's step from the training frame, the seeded
//! fold assignment and out-of-fold target encoding of the training matrix, and pruning of
//! near-constant and near-duplicate output columns.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::{
    ColumnData, DropReason, DroppedColumn, FORMAT_VERSION, FittedColumn, Frame, LogColumns,
    MISSING_LEVEL, Matrix, NumericStep, OneHotStep, OutputColumn, Recipe, RecipeParams, Scaling,
    Step, TargetStep,
};
use crate::stats::quantile_sorted;
use crate::{Error, Result};

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Fold (in `0..n_folds`) of each of `n_rows` rows: a seeded shuffle (SplitMix64,
/// Fisher–Yates) dealt round robin, so fold sizes differ by at most one. The same
/// `(n_rows, n_folds, seed)` always gives the same folds, on every platform.
pub fn fold_assignment(n_rows: usize, n_folds: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n_rows).collect();
    let mut state = seed;
    for i in (1..n_rows).rev() {
        let j = ((u128::from(splitmix64(&mut state)) * (i as u128 + 1)) >> 64) as usize;
        order.swap(i, j);
    }
    let mut folds = vec![0; n_rows];
    for (position, &row) in order.iter().enumerate() {
        folds[row] = position % n_folds.max(1);
    }
    folds
}

fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Fisher–Pearson skewness `m3 / m2^1.5` (scipy's `skew` with `bias=True`); 0 if constant.
fn skewness(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let m2 = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let m3 = values.iter().map(|x| (x - mean).powi(3)).sum::<f64>() / n;
    if m2 > 0.0 { m3 / m2.powf(1.5) } else { 0.0 }
}

fn fit_numeric(name: &str, values: &[f64], params: &RecipeParams) -> Result<NumericStep> {
    let present = sorted(values.iter().copied().filter(|x| !x.is_nan()));
    if present.is_empty() {
        return Err(Error::AllMissing {
            column: name.to_string(),
        });
    }
    let clip = params.winsor_quantile.and_then(|q| {
        Some([
            quantile_sorted(&present, q)?,
            quantile_sorted(&present, 1.0 - q)?,
        ])
    });
    let log = match &params.log_columns {
        LogColumns::None => false,
        LogColumns::Auto => present[0] >= 0.0 && skewness(&present) > params.auto_log_skewness,
        LogColumns::Listed(names) if names.iter().any(|n| n == name) => {
            if let Some(row) = values.iter().position(|&x| x < 0.0) {
                return Err(Error::Schema {
                    column: name.to_string(),
                    expected: "non-negative values (the column is in `log_columns`)".to_string(),
                    found: format!("{} at row {row}", values[row]),
                });
            }
            true
        }
        LogColumns::Listed(_) => false,
    };
    let mut step = NumericStep {
        clip,
        log,
        fill: 0.0,
        center: 0.0,
        scale: 1.0,
        missing_indicator: params.missing_indicators && present.len() < values.len(),
    };
    let unscaled_present = sorted(present.iter().map(|&x| step.unscaled(x)));
    step.fill = quantile_sorted(&unscaled_present, 0.5).unwrap_or(0.0);
    let unscaled: Vec<f64> = values.iter().map(|&x| step.unscaled(x)).collect();
    let n = unscaled.len() as f64;
    let (center, scale) = match params.scaling {
        Scaling::None => (0.0, 1.0),
        Scaling::Standard => {
            let mean = unscaled.iter().sum::<f64>() / n;
            let var = unscaled.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
            (mean, var.sqrt())
        }
        Scaling::Robust => {
            let s = sorted(unscaled.iter().copied());
            let q = |p| quantile_sorted(&s, p).unwrap_or(0.0);
            (q(0.5), q(0.75) - q(0.25))
        }
    };
    step.center = center;
    step.scale = if scale > 0.0 && scale.is_finite() {
        scale
    } else {
        1.0
    };
    Ok(step)
}

fn level(x: &Option<String>) -> &str {
    x.as_deref().unwrap_or(MISSING_LEVEL)
}

/// Prior and smoothed per-level means `(sum + m·prior) / (n + m)` over the rows where
/// `include(row)` holds.
fn target_stats<'a>(
    levels: &[&'a str],
    target: &[f64],
    smooth: f64,
    include: impl Fn(usize) -> bool,
) -> (f64, HashMap<&'a str, f64>) {
    let mut sums: HashMap<&str, (f64, f64)> = HashMap::new();
    let (mut total, mut count) = (0.0, 0.0);
    for (row, (&l, &y)) in levels.iter().zip(target).enumerate() {
        if include(row) {
            let e = sums.entry(l).or_insert((0.0, 0.0));
            e.0 += y;
            e.1 += 1.0;
            total += y;
            count += 1.0;
        }
    }
    let prior = if count > 0.0 { total / count } else { 0.0 };
    let encodings = sums
        .into_iter()
        .map(|(l, (s, n))| (l, (s + smooth * prior) / (n + smooth)))
        .collect();
    (prior, encodings)
}

/// Training-matrix target encoding: each row is encoded with the statistics (prior
/// included) of the rows in the other folds, so its own label never reaches its value.
fn out_of_fold(
    values: &[Option<String>],
    target: &[f64],
    folds: &[usize],
    n_folds: usize,
    smooth: f64,
) -> Vec<f64> {
    let levels: Vec<&str> = values.iter().map(level).collect();
    let mut out = vec![0.0; values.len()];
    for fold in 0..n_folds {
        let (prior, encodings) = target_stats(&levels, target, smooth, |r| folds[r] != fold);
        for (row, &l) in levels.iter().enumerate() {
            if folds[row] == fold {
                out[row] = encodings.get(l).copied().unwrap_or(prior);
            }
        }
    }
    out
}

fn fit_categorical(
    name: &str,
    values: &[Option<String>],
    target: Option<&[f64]>,
    params: &RecipeParams,
) -> Result<Step> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let mut missing = 0;
    for x in values {
        match x {
            Some(l) => *counts.entry(l.as_str()).or_insert(0) += 1,
            None => missing += 1,
        }
    }
    if counts.is_empty() {
        return Err(Error::AllMissing {
            column: name.to_string(),
        });
    }
    let missing_indicator = params.missing_indicators && missing > 0;
    let distinct = counts.len();
    if distinct <= params.max_onehot_levels {
        if missing > 0 {
            counts.insert(MISSING_LEVEL, missing);
        }
        let mut levels: Vec<(&str, usize)> = counts.into_iter().collect();
        levels.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let other = levels.iter().any(|l| l.1 < params.min_level_count);
        return Ok(Step::OneHot(OneHotStep {
            levels: levels
                .into_iter()
                .filter(|l| l.1 >= params.min_level_count)
                .map(|l| l.0.to_string())
                .collect(),
            other,
            missing_indicator,
        }));
    }
    let Some(target) = target else {
        return Err(Error::TargetRequired {
            column: name.to_string(),
            levels: distinct,
            max_onehot_levels: params.max_onehot_levels,
        });
    };
    if values.len() < params.cv {
        return Err(Error::InvalidParameter {
            name: "cv",
            expected: "≤ the number of training rows when a column is target-encoded",
            found: format!("{} with {} rows", params.cv, values.len()),
        });
    }
    let levels: Vec<&str> = values.iter().map(level).collect();
    let (prior, encodings) = target_stats(&levels, target, params.smooth, |_| true);
    Ok(Step::TargetEncoding(TargetStep {
        prior,
        encodings: encodings
            .into_iter()
            .map(|(l, e)| (l.to_string(), e))
            .collect::<BTreeMap<_, _>>(),
        missing_indicator,
    }))
}

/// Most frequent value and its share of the rows.
fn mode_share(values: &[f64]) -> (f64, f64) {
    let s = sorted(values.iter().copied());
    let (mut best, mut best_count, mut i) = (f64::NAN, 0, 0);
    while i < s.len() {
        let mut j = i + 1;
        while j < s.len() && s[j] == s[i] {
            j += 1;
        }
        if j - i > best_count {
            (best, best_count) = (s[i], j - i);
        }
        i = j;
    }
    (best, best_count as f64 / s.len().max(1) as f64)
}

type Candidate = (OutputColumn, Vec<f64>);

/// Removes near-constant columns, then the later column of each near-duplicate pair.
fn prune(
    candidates: Vec<Candidate>,
    params: &RecipeParams,
) -> (Vec<Candidate>, Vec<DroppedColumn>) {
    struct Kept {
        column: OutputColumn,
        values: Vec<f64>,
        centered: Vec<f64>,
        norm: f64,
    }
    let mut dropped = Vec::new();
    let mut kept: Vec<Kept> = Vec::new();
    for (column, values) in candidates {
        let (value, share) = mode_share(&values);
        if share >= params.near_constant_share {
            dropped.push(DroppedColumn {
                column,
                reason: DropReason::NearConstant { value, share },
            });
            continue;
        }
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let centered: Vec<f64> = values.iter().map(|v| v - mean).collect();
        let norm = centered.iter().map(|c| c * c).sum::<f64>().sqrt();
        let duplicate_of = kept.iter().find_map(|k| {
            if norm == 0.0 || k.norm == 0.0 {
                return None;
            }
            let dot: f64 = centered.iter().zip(&k.centered).map(|(a, b)| a * b).sum();
            let r = (dot / (norm * k.norm)).clamp(-1.0, 1.0);
            // The tolerance lets `max_abs_correlation = 1` catch exact linear copies, whose
            // computed r can fall an ulp or two short of 1.
            (r.abs() + 1e-12 >= params.max_abs_correlation).then(|| (k.column.name.clone(), r))
        });
        match duplicate_of {
            Some((with, r)) => dropped.push(DroppedColumn {
                column,
                reason: DropReason::Correlated { with, r },
            }),
            None => kept.push(Kept {
                column,
                values,
                centered,
                norm,
            }),
        }
    }
    (
        kept.into_iter().map(|k| (k.column, k.values)).collect(),
        dropped,
    )
}

impl Recipe {
    /// Learns the recipe from `frame` and returns it with the transformed training matrix.
    ///
    /// `target` (one finite value per row, e.g. won = 1 / lost = 0) is needed only when a
    /// categorical column has more than `max_onehot_levels` levels. In the returned matrix
    /// those columns hold out-of-fold encodings (folds drawn from `seed`); every other
    /// column equals what [`Recipe::transform`] gives on the same frame.
    pub fn fit(
        frame: &Frame,
        target: Option<&[f64]>,
        params: &RecipeParams,
        seed: u64,
    ) -> Result<(Recipe, Matrix)> {
        params.check()?;
        if frame.n_cols() == 0 {
            return Err(Error::EmptyInput {
                what: "the frame has no columns",
            });
        }
        let n = frame.n_rows();
        if n == 0 {
            return Err(Error::EmptyInput {
                what: "the frame has no rows",
            });
        }
        if let Some(t) = target {
            if t.len() != n {
                return Err(Error::TargetLength {
                    expected: n,
                    found: t.len(),
                });
            }
            if let Some(row) = t.iter().position(|y| !y.is_finite()) {
                return Err(Error::NonFiniteTarget { row, value: t[row] });
            }
        }
        if let LogColumns::Listed(names) = &params.log_columns {
            for name in names {
                let found = match frame.column(name) {
                    None => "no such column".to_string(),
                    Some(c) if matches!(c.data(), ColumnData::Categorical(_)) => {
                        "a categorical column".to_string()
                    }
                    Some(_) => continue,
                };
                return Err(Error::Schema {
                    column: name.clone(),
                    expected: "a numeric column (it is listed in `log_columns`)".to_string(),
                    found,
                });
            }
        }

        let folds = fold_assignment(n, params.cv, seed);
        let mut columns = Vec::with_capacity(frame.n_cols());
        let mut candidates = Vec::new();
        let mut names = HashSet::new();
        for col in frame.columns() {
            let step = match col.data() {
                ColumnData::Numeric(v) => Step::Numeric(fit_numeric(col.name(), v, params)?),
                ColumnData::Categorical(v) => fit_categorical(col.name(), v, target, params)?,
            };
            let fitted = FittedColumn {
                name: col.name().to_string(),
                source: col.source().to_string(),
                step,
            };
            let mut values = fitted.apply(col.data())?;
            if let (Step::TargetEncoding(_), ColumnData::Categorical(v), Some(t)) =
                (&fitted.step, col.data(), target)
            {
                values[0] = out_of_fold(v, t, &folds, params.cv, params.smooth);
            }
            for (out, v) in fitted.candidates().into_iter().zip(values) {
                if !names.insert(out.name.clone()) {
                    return Err(Error::DuplicateColumn { column: out.name });
                }
                candidates.push((out, v));
            }
            columns.push(fitted);
        }

        let (kept, dropped) = prune(candidates, params);
        let (outputs, values): (Vec<OutputColumn>, Vec<Vec<f64>>) = kept.into_iter().unzip();
        let matrix = Matrix::from_columns(&values, n);
        let recipe = Recipe {
            format_version: FORMAT_VERSION,
            seed,
            params: params.clone(),
            columns,
            outputs,
            dropped,
        };
        Ok((recipe, matrix))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_seeded_balanced_and_stable() {
        let a = fold_assignment(103, 5, 42);
        assert_eq!(a, fold_assignment(103, 5, 42));
        assert_ne!(a, fold_assignment(103, 5, 43));
        let mut sizes = [0; 5];
        a.iter().for_each(|&f| sizes[f] += 1);
        assert_eq!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap(), 1);
    }

    #[test]
    fn skewness_matches_scipy() {
        // scipy.stats.skew([1, 2, 3, 10]) == 1.0802...; computed by hand:
        // mean 4, m2 = (9+4+1+36)/4 = 12.5, m3 = (-27-8-1+216)/4 = 45, 45 / 12.5^1.5.
        let s = skewness(&[1.0, 2.0, 3.0, 10.0]);
        assert!((s - 45.0 / 12.5f64.powf(1.5)).abs() < 1e-12);
        assert_eq!(skewness(&[3.0, 3.0]), 0.0);
    }

    #[test]
    fn mode_share_counts_the_most_frequent_value() {
        assert_eq!(mode_share(&[0.0, 1.0, 0.0, 0.0]), (0.0, 0.75));
        assert_eq!(mode_share(&[2.0]), (2.0, 1.0));
    }
}
