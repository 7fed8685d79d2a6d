//! Models of their own for the segments with enough labels. The global model learns every
//! row, with the segment as a feature. A segment with at least `segment_min_positives`
//! positive and `segment_min_negatives` negative training rows (won and lost deals for
//! conversion) is tried with the task's chosen candidate fitted on its rows alone: over the
//! same rolling-origin folds as the leaderboard, the segment's own model and the global model
//! predict that segment's validation rows, and the segment keeps its own model only when its
//! log-loss there is clearly lower: the mean per-row improvement exceeds twice its standard
//! error (a paired comparison on the same rows). Its rows are then scored by it. On the four
//! demo companies (39 segment trials over the four tasks) the plain "lower mean" rule gave
//! two segments their own model, by margins of 0.001 and 0.002 (standard errors 0.0025 and
//! 0.0057), and neither helped on the held-out period (expansion ROC-AUC 0.680 → 0.675;
//! opportunity log-loss 0.2799 → 0.2802); the paired rule keeps the global model for all 39.
//!
//! One calibrator serves every row (it learns from the routed calibration predictions), so
//! probabilities stay comparable across segments; and each row's contributions stay additive
//! on the global model's base value: the difference between the segment model's base value
//! and the global one is credited to the segment field, which is what chose the model.

use super::learner::{Candidate, Contributions, Learner};
use super::{ScoresParams, fit_recipe, monotone_signs, outcomes};
use crate::Result;
use crate::segments::SEGMENT_COLUMN;
use icp_ml::Matrix;
use icp_ml::evaluate::LOG_LOSS_EPS;
use icp_ml::recipe::{ColumnData, Frame, Recipe};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A segment's own learner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentLearner {
    /// The segment's name, as the `segment` feature holds it.
    pub segment: String,
    pub learner: Learner,
}

/// The global learner and the segments' own, scoring as one model.
#[derive(Debug, Clone, Copy)]
pub struct Routed<'a> {
    pub global: &'a Learner,
    pub segments: &'a [SegmentLearner],
    /// The matrix column a segment model's base-value difference is credited to (a column
    /// of the segment field); `None` only when there are no segment learners.
    pub segment_column: Option<usize>,
}

/// Which learner scores each row of `frame`: an index into `segments`, `None` for the global
/// one (rows of other segments, outliers without a segment, frames without the column).
pub fn routes(frame: &Frame, segments: &[SegmentLearner]) -> Vec<Option<usize>> {
    let n = frame.n_rows();
    if segments.is_empty() {
        return vec![None; n];
    }
    match segment_values(frame) {
        Some(values) => values
            .iter()
            .map(|s| {
                let s = s.as_deref()?;
                segments.iter().position(|l| l.segment == s)
            })
            .collect(),
        None => vec![None; n],
    }
}

/// The `segment` feature of `frame`, when it has one.
fn segment_values(frame: &Frame) -> Option<&[Option<String>]> {
    match frame.column(SEGMENT_COLUMN)?.data() {
        ColumnData::Categorical(v) => Some(v),
        ColumnData::Numeric(_) => None,
    }
}

/// The first matrix column `recipe` derives from the segment field.
pub fn segment_column(recipe: &Recipe) -> Option<usize> {
    recipe
        .output_columns()
        .iter()
        .position(|o| o.source == SEGMENT_COLUMN)
}

/// Row indices by route.
fn groups(routes: &[Option<usize>]) -> BTreeMap<Option<usize>, Vec<usize>> {
    let mut out: BTreeMap<Option<usize>, Vec<usize>> = BTreeMap::new();
    for (r, &route) in routes.iter().enumerate() {
        out.entry(route).or_default().push(r);
    }
    out
}

impl Routed<'_> {
    fn learner(&self, route: Option<usize>) -> &Learner {
        route
            .and_then(|i| self.segments.get(i))
            .map_or(self.global, |s| &s.learner)
    }

    /// `per_rows` of each row's learner on its rows of `x`.
    fn per_row(
        &self,
        x: &Matrix,
        routes: &[Option<usize>],
        per_rows: impl Fn(&Learner, &Matrix) -> icp_ml::Result<Vec<f64>>,
    ) -> icp_ml::Result<Vec<f64>> {
        if self.segments.is_empty() {
            return per_rows(self.global, x);
        }
        let mut out = vec![f64::NAN; x.n_rows()];
        for (route, rows) in groups(routes) {
            let values = per_rows(self.learner(route), &x.select_rows(&rows)?)?;
            for (&r, v) in rows.iter().zip(values) {
                out[r] = v;
            }
        }
        Ok(out)
    }

    /// Raw scores (log-odds; the forest's probability), each row from its learner.
    pub fn raw(&self, x: &Matrix, routes: &[Option<usize>]) -> icp_ml::Result<Vec<f64>> {
        self.per_row(x, routes, |l, x| l.raw(x))
    }

    /// Uncalibrated probabilities, each row from its learner.
    pub fn probability(&self, x: &Matrix, routes: &[Option<usize>]) -> icp_ml::Result<Vec<f64>> {
        self.per_row(x, routes, |l, x| l.probability(x))
    }

    /// Exact contributions of each row's learner on the global base value: `base + Σ_j
    /// values[i][j]` is row i's raw score, a segment model's base-value difference counted
    /// in the segment column.
    pub fn contributions(
        &self,
        x: &Matrix,
        routes: &[Option<usize>],
    ) -> icp_ml::Result<Contributions> {
        let global = self.global.contributions(x)?;
        if self.segments.is_empty() {
            return Ok(global);
        }
        let (n, p) = (global.values.n_rows(), global.values.n_cols());
        let mut values = global.values.into_vec();
        for (route, rows) in groups(routes) {
            let Some(i) = route else { continue };
            let own = self.segments[i]
                .learner
                .contributions(&x.select_rows(&rows)?)?;
            let shift = own.base - global.base;
            for (k, &r) in rows.iter().enumerate() {
                let row = &mut values[r * p..(r + 1) * p];
                row.copy_from_slice(own.values.row(k).unwrap_or(&[]));
                if let Some(j) = self.segment_column {
                    row[j] += shift;
                }
            }
        }
        Ok(Contributions {
            values: Matrix::new(values, n, p)?,
            base: global.base,
        })
    }
}

/// What the training rows and the folds said about one segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentTrial {
    pub segment: String,
    pub train_positives: usize,
    pub train_negatives: usize,
    /// Mean log-loss on the segment's validation rows of the rolling-origin folds, of the
    /// global model and of the segment's own (segments with enough labels only).
    pub cv: Option<SegmentCv>,
    /// Whether the segment is scored by a model of its own.
    pub own_model: bool,
}

/// The segment's validation rows over the folds, scored by both models.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentCv {
    pub global_log_loss: f64,
    pub own_log_loss: f64,
    /// Standard error of the mean per-row improvement (global minus own log-loss).
    pub improvement_se: f64,
    pub rows: usize,
    pub folds: usize,
}

impl SegmentCv {
    /// Whether the segment's own model is clearly better: its mean per-row improvement
    /// exceeds twice its standard error.
    pub fn own_is_better(&self) -> bool {
        self.global_log_loss - self.own_log_loss > 2.0 * self.improvement_se
    }
}

/// The per-segment models of one task: the label minimums and every segment's trial.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentModels {
    pub min_positives: usize,
    pub min_negatives: usize,
    pub segments: Vec<SegmentTrial>,
}

impl SegmentModels {
    /// The segments that keep a model of their own.
    pub fn adopted(&self) -> Vec<String> {
        self.segments
            .iter()
            .filter(|s| s.own_model)
            .map(|s| s.segment.clone())
            .collect()
    }
}

/// Log-loss sums of one segment over the folds, and of the squared per-row improvement.
#[derive(Default, Clone, Copy)]
struct Sums {
    global: f64,
    own: f64,
    improvement_sq: f64,
    rows: usize,
    folds: usize,
}

impl Sums {
    fn add(&mut self, p_global: f64, p_own: f64, y: bool) {
        let loss = |p: f64| {
            let p = p.clamp(LOG_LOSS_EPS, 1.0 - LOG_LOSS_EPS);
            -(if y { p } else { 1.0 - p }).ln()
        };
        let (g, o) = (loss(p_global), loss(p_own));
        self.global += g;
        self.own += o;
        self.improvement_sq += (g - o) * (g - o);
        self.rows += 1;
    }

    fn cv(&self) -> Option<SegmentCv> {
        if self.rows == 0 {
            return None;
        }
        let n = self.rows as f64;
        let mean = (self.global - self.own) / n;
        let variance = (self.improvement_sq / n - mean * mean).max(0.0) * n / (n - 1.0).max(1.0);
        Some(SegmentCv {
            global_log_loss: self.global / n,
            own_log_loss: self.own / n,
            improvement_se: (variance / n).sqrt(),
            rows: self.rows,
            folds: self.folds,
        })
    }
}

/// Counts each segment's training labels and, for the segments with enough, compares the
/// global model and the segment's own on `folds` (fit rows, validation rows); `None` when
/// `frame` has no segment feature.
pub(super) fn trial(
    frame: &Frame,
    label: &[f64],
    train_rows: &[usize],
    folds: &[(Vec<usize>, Vec<usize>)],
    candidate: &Candidate,
    params: &ScoresParams,
) -> Result<Option<SegmentModels>> {
    let Some(values) = segment_values(frame) else {
        return Ok(None);
    };
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for &r in train_rows {
        if let Some(s) = values[r].as_deref() {
            let c = counts.entry(s).or_default();
            if label[r] > 0.5 {
                c.0 += 1;
            } else {
                c.1 += 1;
            }
        }
    }
    let eligible: Vec<&str> = counts
        .iter()
        .filter(|(_, (pos, neg))| {
            *pos >= params.segment_min_positives && *neg >= params.segment_min_negatives
        })
        .map(|(s, _)| *s)
        .collect();
    let mut sums = vec![Sums::default(); eligible.len()];
    if !eligible.is_empty() {
        for (fit_rows, valid_rows) in folds {
            let Ok((recipe, x, y)) = fit_recipe(frame, label, fit_rows, params.seed) else {
                continue;
            };
            let signs = monotone_signs(&recipe, &params.monotone);
            let Ok(global) = candidate.fit(&x, &y, None, &signs, params.seed) else {
                continue;
            };
            let xv = recipe.transform(&frame.select_rows(valid_rows)?)?;
            let pv = global.probability(&xv)?;
            let yv = outcomes(label, valid_rows);
            for (s, sum) in eligible.iter().zip(sums.iter_mut()) {
                let of = |rows: &[usize]| -> Vec<usize> {
                    (0..rows.len())
                        .filter(|&k| values[rows[k]].as_deref() == Some(*s))
                        .collect()
                };
                let (fit_k, valid_k) = (of(fit_rows), of(valid_rows));
                let y_own: Vec<bool> = fit_k.iter().map(|&k| y[k]).collect();
                if valid_k.is_empty() || y_own.iter().all(|&v| v) || !y_own.iter().any(|&v| v) {
                    continue;
                }
                let Ok(own) =
                    candidate.fit(&x.select_rows(&fit_k)?, &y_own, None, &signs, params.seed)
                else {
                    continue;
                };
                let p_own = own.probability(&xv.select_rows(&valid_k)?)?;
                for (&k, p) in valid_k.iter().zip(p_own) {
                    sum.add(pv[k], p, yv[k]);
                }
                sum.folds += 1;
            }
        }
    }
    let segments = counts
        .iter()
        .map(|(&s, &(pos, neg))| {
            let cv = eligible
                .iter()
                .position(|&e| e == s)
                .and_then(|i| sums[i].cv());
            SegmentTrial {
                segment: s.to_string(),
                train_positives: pos,
                train_negatives: neg,
                own_model: cv.as_ref().is_some_and(SegmentCv::own_is_better),
                cv,
            }
        })
        .collect();
    Ok(Some(SegmentModels {
        min_positives: params.segment_min_positives,
        min_negatives: params.segment_min_negatives,
        segments,
    }))
}

/// The adopted segments' learners: the first fits, whose calibration-period predictions the
/// calibrator learns from, and the refitted ones, which are kept.
pub(super) struct SegmentFits {
    pub first: Vec<SegmentLearner>,
    pub kept: Vec<SegmentLearner>,
}

/// The training and calibration matrices, their outcomes and each row's segment.
pub(super) struct FitData<'a> {
    pub x: &'a Matrix,
    pub y: &'a [bool],
    pub segment: &'a [Option<String>],
    pub x_cal: &'a Matrix,
    pub y_cal: &'a [bool],
    pub segment_cal: &'a [Option<String>],
}

/// Fits and refits `candidate` on each adopted segment's rows, as the global model was: first
/// on its training rows (stopped early on its calibration rows when they hold both outcomes),
/// then on its training and calibration rows together.
pub(super) fn fit_segments(
    adopted: &[String],
    data: &FitData<'_>,
    candidate: &Candidate,
    signs: &[i8],
    seed: u64,
) -> Result<SegmentFits> {
    let mut fits = SegmentFits {
        first: Vec::new(),
        kept: Vec::new(),
    };
    let of = |values: &[Option<String>], s: &str| -> Vec<usize> {
        (0..values.len())
            .filter(|&k| values[k].as_deref() == Some(s))
            .collect()
    };
    for s in adopted {
        let (rows, rows_cal) = (of(data.segment, s), of(data.segment_cal, s));
        let x = data.x.select_rows(&rows)?;
        let y: Vec<bool> = rows.iter().map(|&k| data.y[k]).collect();
        let x_cal = data.x_cal.select_rows(&rows_cal)?;
        let y_cal: Vec<bool> = rows_cal.iter().map(|&k| data.y_cal[k]).collect();
        let both = y_cal.iter().any(|&v| v) && !y_cal.iter().all(|&v| v);
        let valid = both.then_some((&x_cal, y_cal.as_slice()));
        let first = candidate.fit(&x, &y, valid, signs, seed)?;
        let x_fit = super::stack(&x, &x_cal)?;
        let y_fit = [y.as_slice(), y_cal.as_slice()].concat();
        let kept = candidate.refit(&first, &x_fit, &y_fit, signs, seed)?;
        fits.first.push(SegmentLearner {
            segment: s.clone(),
            learner: first,
        });
        fits.kept.push(SegmentLearner {
            segment: s.clone(),
            learner: kept,
        });
    }
    Ok(fits)
}

/// The `segment` feature of `rows` of `frame` (all `None` without the column).
pub(super) fn segments_of(frame: &Frame, rows: &[usize]) -> Vec<Option<String>> {
    match segment_values(frame) {
        Some(v) => rows.iter().map(|&r| v[r].clone()).collect(),
        None => vec![None; rows.len()],
    }
}
