//! Probability calibration, fitted on a fold later than the training data so that "70%"
//! means 70%: isotonic regression by pool-adjacent-violators ([`Isotonic`]; the calibrator
//! uses [`Isotonic::fit_bounded`], which never says exactly 0 or 1), Platt scaling (a
//! logistic curve on the logit of the score, [`Platt`]), and [`Calibrator`], which picks
//! among none, Platt and isotonic by cross-validated Brier score on the calibration fold.
//! All are plain serde data saved with the model.
//!
//! ```
//! use icp_ml::calibrate::{Calibration, Calibrator};
//!
//! // Scores that are systematically too high: the true rate is half the score.
//! let p: Vec<f64> = (0..400).map(|i| (i % 100) as f64 / 100.0).collect();
//! let y: Vec<bool> = (0..400).map(|i| (i * 37 % 200) < (i % 100)).collect();
//! let cal = Calibrator::fit(&p, &y, 7)?;
//! assert_ne!(cal.method(), Calibration::None);
//! let q = cal.apply(&[0.8])?[0];
//! assert!(q < 0.6, "{q}");
//! # Ok::<(), icp_ml::Error>(())
//! ```

use serde::{Deserialize, Serialize};

use crate::evaluate::brier_score;
use crate::recipe::fold_assignment;
use crate::{Error, Result};

fn check(p: &[f64], y: &[bool]) -> Result<()> {
    if p.len() != y.len() {
        return Err(Error::LengthMismatch {
            field: "labels",
            expected: p.len(),
            found: y.len(),
        });
    }
    if p.is_empty() {
        return Err(Error::EmptyInput {
            what: "calibration scores",
        });
    }
    match p.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

fn finite_inputs(p: &[f64]) -> Result<()> {
    match p.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// A non-decreasing step function fitted by pool-adjacent-violators: block `i` covers scores
/// `[lower[i], upper[i]]` and predicts `value[i]`; between blocks the prediction is linear,
/// outside the fitted range it is clipped to the first or last block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Isotonic {
    lower: Vec<f64>,
    upper: Vec<f64>,
    value: Vec<f64>,
}

impl Isotonic {
    /// Least-squares non-decreasing fit of the outcomes on the scores.
    pub fn fit(p: &[f64], y: &[bool]) -> Result<Isotonic> {
        Isotonic::fit_with_prior(p, y, 0.0)
    }

    /// [`Isotonic::fit`] with half an outcome of each kind added at the ends — a positive at
    /// the lowest score, a negative at the highest — so that no block predicts exactly 0 or
    /// 1: with a few dozen positives the lowest block is often all negatives, and "no chance
    /// at all" is not a claim the calibration fold supports (it also makes the log-loss of
    /// one positive there infinite). The fit stays non-decreasing and differs from
    /// [`Isotonic::fit`] only in the blocks the two halves join.
    pub fn fit_bounded(p: &[f64], y: &[bool]) -> Result<Isotonic> {
        Isotonic::fit_with_prior(p, y, 0.5)
    }

    fn fit_with_prior(p: &[f64], y: &[bool], prior: f64) -> Result<Isotonic> {
        check(p, y)?;
        let mut order: Vec<usize> = (0..p.len()).collect();
        order.sort_by(|&a, &b| p[a].total_cmp(&p[b]));
        // Blocks: (lower, upper, sum of y, weight). Equal scores start in one block.
        let mut blocks: Vec<(f64, f64, f64, f64)> = Vec::new();
        let mut add = |score: f64, yi: f64, w: f64| {
            match blocks.last_mut() {
                Some(b) if b.1 == score => {
                    b.2 += yi;
                    b.3 += w;
                }
                _ => blocks.push((score, score, yi, w)),
            }
            while blocks.len() > 1 {
                let n = blocks.len();
                let (prev, last) = (blocks[n - 2], blocks[n - 1]);
                if prev.2 / prev.3 <= last.2 / last.3 {
                    break;
                }
                blocks[n - 2] = (prev.0, last.1, prev.2 + last.2, prev.3 + last.3);
                blocks.pop();
            }
        };
        let (lowest, highest) = (p[order[0]], p[order[order.len() - 1]]);
        if prior > 0.0 {
            add(lowest, prior, prior);
        }
        for &i in &order {
            add(p[i], y[i] as u8 as f64, 1.0);
        }
        if prior > 0.0 {
            add(highest, 0.0, prior);
        }
        Ok(Isotonic {
            lower: blocks.iter().map(|b| b.0).collect(),
            upper: blocks.iter().map(|b| b.1).collect(),
            value: blocks.iter().map(|b| b.2 / b.3).collect(),
        })
    }

    /// The calibrated probability of each score.
    pub fn apply(&self, p: &[f64]) -> Result<Vec<f64>> {
        finite_inputs(p)?;
        Ok(p.iter().map(|&x| self.at(x)).collect())
    }

    fn at(&self, x: f64) -> f64 {
        // First block whose upper end is ≥ x.
        let k = self.upper.partition_point(|&u| u < x);
        if k == self.upper.len() {
            return *self.value.last().unwrap_or(&0.5);
        }
        if x >= self.lower[k] || k == 0 {
            return self.value[k];
        }
        let (x0, x1) = (self.upper[k - 1], self.lower[k]);
        let (v0, v1) = (self.value[k - 1], self.value[k]);
        v0 + (v1 - v0) * (x - x0) / (x1 - x0)
    }

    /// Number of constant pieces.
    pub fn n_blocks(&self) -> usize {
        self.value.len()
    }
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-6, 1.0 - 1e-6);
    (p / (1.0 - p)).ln()
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

/// Platt scaling: `σ(a · logit(p) + b)`, fitted by Newton's method on Platt's smoothed
/// targets `(N₊ + 1) / (N₊ + 2)` and `1 / (N₋ + 2)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

impl Platt {
    pub fn fit(p: &[f64], y: &[bool]) -> Result<Platt> {
        check(p, y)?;
        let n_pos = y.iter().filter(|&&v| v).count() as f64;
        let n_neg = y.len() as f64 - n_pos;
        let (t_pos, t_neg) = ((n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0));
        let z: Vec<f64> = p.iter().map(|&v| logit(v)).collect();
        let t: Vec<f64> = y.iter().map(|&v| if v { t_pos } else { t_neg }).collect();
        let (mut a, mut b) = (1.0, 0.0);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for (&zi, &ti) in z.iter().zip(&t) {
                let q = sigmoid(a * zi + b);
                let (r, w) = (q - ti, q * (1.0 - q));
                ga += r * zi;
                gb += r;
                haa += w * zi * zi;
                hab += w * zi;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if !(a.is_finite() && b.is_finite()) {
                return Err(Error::FitFailed {
                    model: "Platt scaling",
                    message: "Newton's method diverged (scores separate the classes)".into(),
                });
            }
            if da.abs() + db.abs() < 1e-10 {
                break;
            }
        }
        if a <= 0.0 {
            // A calibration map must keep the model's ranking; a falling curve would turn it
            // upside down (seen on a small churn fold where the scores ranked backwards).
            return Err(Error::FitFailed {
                model: "Platt scaling",
                message: format!(
                    "the fitted slope is {a:.3}: the scores rank this fold backwards, so a \
                     logistic map would invert them"
                ),
            });
        }
        Ok(Platt { a, b })
    }

    pub fn apply(&self, p: &[f64]) -> Result<Vec<f64>> {
        finite_inputs(p)?;
        Ok(p.iter()
            .map(|&v| sigmoid(self.a * logit(v) + self.b))
            .collect())
    }
}

/// Which calibration a [`Calibrator`] applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Calibration {
    None,
    Platt,
    Isotonic,
}

/// A fitted calibration map with the cross-validated Brier score of each candidate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibrator {
    method: Calibration,
    platt: Option<Platt>,
    isotonic: Option<Isotonic>,
    /// Cross-validated Brier score on the calibration fold: (none, Platt, isotonic); `None`
    /// where that map could not be fitted on some fold (or for [`Calibrator::identity`]).
    pub cv_brier: [Option<f64>; 3],
}

/// Folds used to choose the calibration method.
const CALIBRATION_FOLDS: usize = 5;

impl Calibrator {
    /// The identity map (no calibration).
    pub fn identity() -> Calibrator {
        Calibrator {
            method: Calibration::None,
            platt: None,
            isotonic: None,
            cv_brier: [None; 3],
        }
    }

    /// Fits Platt and isotonic on the calibration fold and keeps whichever of none, Platt and
    /// isotonic has the lowest 5-fold cross-validated Brier score there (folds drawn from
    /// `seed`); the chosen map is then refitted on the whole fold.
    ///
    /// Errors: lengths differ, no rows, non-finite scores, a single class.
    pub fn fit(p: &[f64], y: &[bool], seed: u64) -> Result<Calibrator> {
        check(p, y)?;
        let pos = y.iter().filter(|&&v| v).count();
        if pos == 0 || pos == y.len() {
            return Err(Error::OneClass {
                what: "calibration",
                label: pos > 0,
            });
        }
        let folds = fold_assignment(p.len(), CALIBRATION_FOLDS, seed);
        let mut oof = [p.to_vec(), vec![0.0; p.len()], vec![0.0; p.len()]];
        for f in 0..CALIBRATION_FOLDS {
            let (train, test): (Vec<usize>, Vec<usize>) =
                (0..p.len()).partition(|&i| folds[i] != f);
            if test.is_empty() {
                continue;
            }
            let tp: Vec<f64> = train.iter().map(|&i| p[i]).collect();
            let ty: Vec<bool> = train.iter().map(|&i| y[i]).collect();
            let xp: Vec<f64> = test.iter().map(|&i| p[i]).collect();
            let platt = Platt::fit(&tp, &ty).and_then(|m| m.apply(&xp));
            let iso = Isotonic::fit_bounded(&tp, &ty).and_then(|m| m.apply(&xp));
            for (k, &i) in test.iter().enumerate() {
                oof[1][i] = platt.as_ref().map_or(f64::NAN, |v| v[k]);
                oof[2][i] = iso.as_ref().map_or(f64::NAN, |v| v[k]);
            }
        }
        let clip = |v: &[f64]| -> Vec<f64> { v.iter().map(|x| x.clamp(0.0, 1.0)).collect() };
        let brier = |v: &[f64]| {
            if v.iter().any(|x| !x.is_finite()) {
                f64::INFINITY
            } else {
                brier_score(&clip(v), y).unwrap_or(f64::INFINITY)
            }
        };
        let scores = [brier(&oof[0]), brier(&oof[1]), brier(&oof[2])];
        let best = (0..3)
            .min_by(|&a, &b| scores[a].total_cmp(&scores[b]))
            .unwrap_or(0);
        let mut cal = Calibrator {
            cv_brier: scores.map(|b| b.is_finite().then_some(b)),
            ..Calibrator::identity()
        };
        match best {
            1 => {
                if let Ok(platt) = Platt::fit(p, y) {
                    cal.method = Calibration::Platt;
                    cal.platt = Some(platt);
                }
            }
            2 => {
                cal.method = Calibration::Isotonic;
                cal.isotonic = Some(Isotonic::fit_bounded(p, y)?);
            }
            _ => {}
        }
        Ok(cal)
    }

    pub fn method(&self) -> Calibration {
        self.method
    }

    /// Calibrated probabilities (scores outside `[0, 1]` are clipped first).
    pub fn apply(&self, p: &[f64]) -> Result<Vec<f64>> {
        finite_inputs(p)?;
        let clipped: Vec<f64> = p.iter().map(|v| v.clamp(0.0, 1.0)).collect();
        let missing = || Error::InvalidModel {
            model: "calibrator",
            message: format!("method {:?} has no fitted map", self.method),
        };
        match self.method {
            Calibration::None => Ok(clipped),
            Calibration::Platt => self.platt.as_ref().ok_or_else(missing)?.apply(&clipped),
            Calibration::Isotonic => self.isotonic.as_ref().ok_or_else(missing)?.apply(&clipped),
        }
    }
}
