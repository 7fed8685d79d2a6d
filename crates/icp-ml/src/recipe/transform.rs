//! Applying a fitted recipe: [`Recipe::transform`] and the per-column arithmetic it shares
//! with [`Recipe::fit`], so that the training matrix and scoring-time matrices are computed
//! by the same code, value by value (rows never influence each other).

use std::collections::HashMap;

use super::{ColumnData, FittedColumn, Frame, MISSING_LEVEL, Matrix, NumericStep, Recipe, Step};
use crate::{Error, Result};

impl NumericStep {
    /// The value before centring and scaling: clipped, optionally logged; `fill` if missing.
    pub(crate) fn unscaled(&self, x: f64) -> f64 {
        if x.is_nan() {
            return self.fill;
        }
        let mut v = x;
        if let Some([lo, hi]) = self.clip {
            v = v.max(lo).min(hi);
        }
        if self.log {
            v = v.max(0.0).ln_1p();
        }
        v
    }

    pub(crate) fn apply(&self, x: f64) -> f64 {
        (self.unscaled(x) - self.center) / self.scale
    }
}

fn indicator(missing: bool) -> f64 {
    if missing { 1.0 } else { 0.0 }
}

impl FittedColumn {
    /// The values of every candidate output column (same order as
    /// [`FittedColumn::candidates`]) for the rows of `data`. Errors if `data` has another type.
    pub(crate) fn apply(&self, data: &ColumnData) -> Result<Vec<Vec<f64>>> {
        let schema_error = || Error::Schema {
            column: self.name.clone(),
            expected: format!("a {} column", self.step.kind()),
            found: format!("a {} column", data.kind()),
        };
        let mut out = Vec::new();
        match (&self.step, data) {
            (Step::Numeric(s), ColumnData::Numeric(v)) => {
                out.push(v.iter().map(|&x| s.apply(x)).collect());
                if s.missing_indicator {
                    out.push(v.iter().map(|x| indicator(x.is_nan())).collect());
                }
            }
            (Step::OneHot(s), ColumnData::Categorical(v)) => {
                let index: HashMap<&str, usize> = s
                    .levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (l.as_str(), i))
                    .collect();
                let n_cols = s.levels.len() + usize::from(s.other);
                let mut cols = vec![vec![0.0; v.len()]; n_cols];
                for (r, x) in v.iter().enumerate() {
                    let level = x.as_deref().unwrap_or(MISSING_LEVEL);
                    match index.get(level) {
                        Some(&i) => cols[i][r] = 1.0,
                        None if s.other => cols[n_cols - 1][r] = 1.0,
                        None => {}
                    }
                }
                out = cols;
                if s.missing_indicator {
                    out.push(v.iter().map(|x| indicator(x.is_none())).collect());
                }
            }
            (Step::TargetEncoding(s), ColumnData::Categorical(v)) => {
                out.push(
                    v.iter()
                        .map(|x| {
                            let level = x.as_deref().unwrap_or(MISSING_LEVEL);
                            s.encodings.get(level).copied().unwrap_or(s.prior)
                        })
                        .collect(),
                );
                if s.missing_indicator {
                    out.push(v.iter().map(|x| indicator(x.is_none())).collect());
                }
            }
            _ => return Err(schema_error()),
        }
        debug_assert_eq!(out.len(), self.candidates().len());
        Ok(out)
    }
}

impl Recipe {
    /// Applies the fitted steps to new rows. Every input column seen at fit must be present
    /// with the same type (else [`Error::Schema`] naming it); other columns are ignored.
    /// Target-encoded columns use the encoding fitted on all training rows.
    pub fn transform(&self, frame: &Frame) -> Result<Matrix> {
        let mut produced: HashMap<String, Vec<f64>> = HashMap::new();
        for fitted in &self.columns {
            let column = frame.column(&fitted.name).ok_or_else(|| Error::Schema {
                column: fitted.name.clone(),
                expected: format!("a {} column", fitted.step.kind()),
                found: "no such column".to_string(),
            })?;
            let values = fitted.apply(column.data())?;
            for (out, v) in fitted.candidates().into_iter().zip(values) {
                produced.insert(out.name, v);
            }
        }
        let mut columns = Vec::with_capacity(self.outputs.len());
        for out in &self.outputs {
            let values = produced.remove(&out.name).ok_or_else(|| Error::Json {
                message: format!(
                    "output column `{}` is produced by no fitted column",
                    out.name
                ),
            })?;
            columns.push(values);
        }
        Ok(Matrix::from_columns(&columns, frame.n_rows()))
    }
}
