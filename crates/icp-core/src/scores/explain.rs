//! Global views of a trained model on its held-out rows, for the report: permutation
//! importance with confidence intervals, partial dependence with individual (ICE) curves, and
//! the strongest SHAP interaction pairs — each by source field, like the reasons.
//!
//! - **Permutation importance** of a field: the held-out ROC-AUC minus the AUC after shuffling
//!   all columns of that field together (one permutation of the rows), over
//!   [`PERMUTATION_REPEATS`] shuffles; the interval is mean ± t₀.₉₇₅ · sd / √repeats (Student t
//!   with repeats − 1 degrees of freedom).
//! - **Partial dependence** of a numeric column: the mean calibrated probability when every
//!   sampled row takes the same value, at the column's deciles; the ICE curves are the same for
//!   single rows.
//! - **Interactions**: mean |Φᵢⱼ + Φⱼᵢ| of the exact SHAP interaction values (boosted trees)
//!   among the most important recipe columns, summed per pair of source fields.

use super::learner::Learner;
use crate::Result;
use icp_ml::Matrix;
use icp_ml::recipe::{ColumnData, Frame, Recipe};
use icp_ml::weights::roc_auc;
use rand::seq::SliceRandom;
use rand::{SeedableRng, rngs::SmallRng};
use serde::Serialize;

/// Shuffles per field.
pub const PERMUTATION_REPEATS: usize = 5;
/// t₀.₉₇₅ with `PERMUTATION_REPEATS − 1` = 4 degrees of freedom.
const T_975_4DF: f64 = 2.776_445;
/// Most rows any global view looks at (an evenly spaced sample beyond).
const MAX_ROWS: usize = 5_000;
/// Rows of the partial-dependence average, and of them the ICE curves drawn.
const PDP_ROWS: usize = 300;
const ICE_CURVES: usize = 12;
/// Rows and recipe columns of the interaction values.
const INTERACTION_ROWS: usize = 300;
const INTERACTION_COLUMNS: usize = 8;

#[derive(Debug, Clone, Serialize)]
pub struct PermutationImportance {
    pub field: String,
    /// Mean drop of the held-out ROC-AUC when the field is shuffled, and its 95% interval.
    pub auc_drop: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct PartialDependence {
    pub column: String,
    pub grid: Vec<f64>,
    /// Mean probability at each grid value.
    pub average: Vec<f64>,
    /// Probability of single rows at each grid value.
    pub ice: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Interaction {
    pub a: String,
    pub b: String,
    /// Mean |interaction| on the raw-score scale.
    pub strength: f64,
}

/// `frame` with every column of `field` taken from `shuffled` (same rows, permuted).
fn with_field(frame: &Frame, shuffled: &Frame, field: &str) -> Result<Frame> {
    let cols = frame
        .columns()
        .iter()
        .map(|c| {
            if c.source() == field {
                shuffled
                    .column(c.name())
                    .cloned()
                    .unwrap_or_else(|| c.clone())
            } else {
                c.clone()
            }
        })
        .collect();
    Ok(Frame::new(cols)?)
}

/// Permutation importance of `fields` on `frame` with outcomes `y`; `score` gives
/// probabilities.
pub fn permutation_importance(
    score: &dyn Fn(&Frame) -> Result<Vec<f64>>,
    frame: &Frame,
    y: &[bool],
    fields: &[String],
    seed: u64,
) -> Result<Vec<PermutationImportance>> {
    let rows = Matrix::evenly_spaced(frame.n_rows(), MAX_ROWS);
    let frame = frame.select_rows(&rows)?;
    let y: Vec<bool> = rows.iter().map(|&r| y[r]).collect();
    let Ok(base) = roc_auc(&score(&frame)?, &y) else {
        return Ok(Vec::new());
    };
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(fields.len());
    for field in fields {
        let mut drops = Vec::with_capacity(PERMUTATION_REPEATS);
        for _ in 0..PERMUTATION_REPEATS {
            let mut perm: Vec<usize> = (0..frame.n_rows()).collect();
            perm.shuffle(&mut rng);
            let shuffled = with_field(&frame, &frame.select_rows(&perm)?, field)?;
            drops.push(base - roc_auc(&score(&shuffled)?, &y)?);
        }
        let k = drops.len() as f64;
        let mean = drops.iter().sum::<f64>() / k;
        let sd = icp_ml::stats::sample_variance(&drops).map_or(0.0, f64::sqrt);
        let half = T_975_4DF * sd / k.sqrt();
        out.push(PermutationImportance {
            field: field.clone(),
            auc_drop: mean,
            ci_low: mean - half,
            ci_high: mean + half,
        });
    }
    out.sort_by(|a, b| b.auc_drop.total_cmp(&a.auc_drop));
    Ok(out)
}

/// Partial dependence and ICE curves of the numeric `column` of `frame`.
pub fn partial_dependence(
    score: &dyn Fn(&Frame) -> Result<Vec<f64>>,
    frame: &Frame,
    column: &str,
) -> Result<Option<PartialDependence>> {
    let Some(ColumnData::Numeric(values)) = frame.column(column).map(|c| c.data()) else {
        return Ok(None);
    };
    let mut finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return Ok(None);
    }
    finite.sort_by(f64::total_cmp);
    let mut grid: Vec<f64> = (0..=10)
        .map(|k| finite[(k * (finite.len() - 1)) / 10])
        .collect();
    grid.dedup();
    if grid.len() < 2 {
        return Ok(None);
    }
    let rows = Matrix::evenly_spaced(frame.n_rows(), PDP_ROWS);
    let sample = frame.select_rows(&rows)?;
    let source = sample.column(column).map(|c| c.source().to_string());
    let (mut average, mut ice) = (Vec::new(), vec![Vec::new(); rows.len().min(ICE_CURVES)]);
    for &g in &grid {
        let cols = sample
            .columns()
            .iter()
            .map(|c| {
                if c.name() == column {
                    icp_ml::recipe::Column::numeric(
                        column,
                        source.as_deref().unwrap_or(column),
                        vec![g; rows.len()],
                    )
                } else {
                    c.clone()
                }
            })
            .collect();
        let p = score(&Frame::new(cols)?)?;
        average.push(p.iter().sum::<f64>() / p.len() as f64);
        for (curve, &v) in ice.iter_mut().zip(&p) {
            curve.push(v);
        }
    }
    Ok(Some(PartialDependence {
        column: column.to_string(),
        grid,
        average,
        ice,
    }))
}

/// The strongest interactions between source fields among the `INTERACTION_COLUMNS` recipe
/// columns of largest mean |SHAP| (`importance`, one per recipe column), from the learner's
/// exact interaction values (none for learners without them).
pub fn interactions(
    recipe: &Recipe,
    x: &Matrix,
    importance: &[f64],
    learner: &Learner,
) -> Result<Vec<Interaction>> {
    let mut order: Vec<usize> = (0..importance.len()).collect();
    order.sort_by(|&a, &b| importance[b].total_cmp(&importance[a]));
    order.truncate(INTERACTION_COLUMNS);
    let sample = x.select_rows(&Matrix::evenly_spaced(x.n_rows(), INTERACTION_ROWS))?;
    let Some(values) = learner.interactions(&sample, &order) else {
        return Ok(Vec::new());
    };
    let outputs = recipe.output_columns();
    let mut by_pair: std::collections::BTreeMap<(String, String), f64> = Default::default();
    for (i, j, strength) in values?.strongest_pairs() {
        let (a, b) = (&outputs[i].source, &outputs[j].source);
        if a == b {
            continue;
        }
        let key = if a < b {
            (a.clone(), b.clone())
        } else {
            (b.clone(), a.clone())
        };
        *by_pair.entry(key).or_default() += strength;
    }
    let mut out: Vec<Interaction> = by_pair
        .into_iter()
        .map(|((a, b), strength)| Interaction { a, b, strength })
        .collect();
    out.sort_by(|x, y| y.strength.total_cmp(&x.strength));
    out.truncate(5);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use icp_ml::recipe::Column;

    /// A score that depends on `a` only: shuffling `b` costs nothing, shuffling `a` costs
    /// everything; partial dependence of `a` is the identity.
    #[test]
    fn permutation_and_partial_dependence_see_what_the_score_uses() {
        let n = 400;
        let a: Vec<f64> = (0..n).map(|i| (i % 97) as f64 / 97.0).collect();
        let b: Vec<f64> = (0..n).map(|i| (i % 13) as f64).collect();
        let y: Vec<bool> = a.iter().map(|&v| v > 0.5).collect();
        let frame = Frame::new(vec![
            Column::numeric("a", "a", a),
            Column::numeric("b_30d", "b", b),
        ])
        .unwrap();
        let score = |f: &Frame| -> Result<Vec<f64>> {
            match f.column("a").map(|c| c.data()) {
                Some(ColumnData::Numeric(v)) => Ok(v.clone()),
                _ => unreachable!(),
            }
        };
        let imp = permutation_importance(&score, &frame, &y, &["a".into(), "b".into()], 7).unwrap();
        assert_eq!(imp[0].field, "a");
        assert!(imp[0].auc_drop > 0.3 && imp[0].ci_low > 0.0, "{imp:?}");
        assert_eq!(
            (imp[1].auc_drop, imp[1].ci_low, imp[1].ci_high),
            (0.0, 0.0, 0.0)
        );
        let pd = partial_dependence(&score, &frame, "a").unwrap().unwrap();
        assert_eq!(pd.grid.len(), 11);
        for (g, m) in pd.grid.iter().zip(&pd.average) {
            assert!((g - m).abs() < 1e-12);
        }
        // Every row's curve is the identity too.
        assert!(
            pd.ice
                .iter()
                .all(|c| c.iter().zip(&pd.grid).all(|(v, g)| v == g))
        );
        assert!(
            partial_dependence(&score, &frame, "missing")
                .unwrap()
                .is_none()
        );
    }
}
