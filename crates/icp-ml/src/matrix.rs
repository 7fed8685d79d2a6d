//! [`Matrix`]: a dense, row-major block of `f64` with its shape — the recipe's output and the
//! input of clustering and models.

use crate::{Error, Result};

/// Dense row-major matrix: element `(r, c)` is `data[r * n_cols + c]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    data: Vec<f64>,
    n_rows: usize,
    n_cols: usize,
}

impl Matrix {
    /// Wraps row-major `data`; errors unless `data.len() == n_rows * n_cols`.
    pub fn new(data: Vec<f64>, n_rows: usize, n_cols: usize) -> Result<Matrix> {
        if Some(data.len()) != n_rows.checked_mul(n_cols) {
            return Err(Error::InvalidParameter {
                name: "data",
                expected: "n_rows × n_cols values",
                found: format!("{} values for {n_rows} × {n_cols}", data.len()),
            });
        }
        Ok(Matrix {
            data,
            n_rows,
            n_cols,
        })
    }

    /// Builds a matrix from columns that all hold `n_rows` values.
    pub(crate) fn from_columns(columns: &[Vec<f64>], n_rows: usize) -> Matrix {
        let n_cols = columns.len();
        let mut data = Vec::with_capacity(n_rows * n_cols);
        for r in 0..n_rows {
            data.extend(columns.iter().map(|c| c[r]));
        }
        Matrix {
            data,
            n_rows,
            n_cols,
        }
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// All values, row-major.
    pub fn as_slice(&self) -> &[f64] {
        &self.data
    }

    pub fn into_vec(self) -> Vec<f64> {
        self.data
    }

    /// Element `(row, col)`, or `None` out of bounds.
    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        (row < self.n_rows && col < self.n_cols).then(|| self.data[row * self.n_cols + col])
    }

    /// Row `row`, or `None` out of bounds.
    pub fn row(&self, row: usize) -> Option<&[f64]> {
        (row < self.n_rows).then(|| &self.data[row * self.n_cols..(row + 1) * self.n_cols])
    }

    /// The rows `rows` (in that order, repeats allowed) as a new matrix; errors on a row out
    /// of bounds.
    pub fn select_rows(&self, rows: &[usize]) -> Result<Matrix> {
        let mut data = Vec::with_capacity(rows.len() * self.n_cols);
        for &index in rows {
            let row = self.row(index).ok_or(Error::OutOfRange {
                what: "row",
                index,
                len: self.n_rows,
            })?;
            data.extend_from_slice(row);
        }
        Ok(Matrix {
            data,
            n_rows: rows.len(),
            n_cols: self.n_cols,
        })
    }

    /// Evenly spaced row indices of an `n`-row table, at most `max` of them (every row when
    /// `n ≤ max`): row `⌊i·n/max⌋` for `i < max`.
    pub fn evenly_spaced(n: usize, max: usize) -> Vec<usize> {
        if n <= max {
            return (0..n).collect();
        }
        (0..max).map(|i| i * n / max).collect()
    }

    /// A copy of column `col`, or `None` out of bounds.
    pub fn column(&self, col: usize) -> Option<Vec<f64>> {
        (col < self.n_cols).then(|| {
            (0..self.n_rows)
                .map(|r| self.data[r * self.n_cols + col])
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_selected_and_sampled_evenly() {
        let m = Matrix::new((0..8).map(f64::from).collect(), 4, 2).unwrap();
        let s = m.select_rows(&[3, 0, 3]).unwrap();
        assert_eq!(s.as_slice(), &[6.0, 7.0, 0.0, 1.0, 6.0, 7.0]);
        assert!(m.select_rows(&[4]).is_err());
        assert_eq!(Matrix::evenly_spaced(3, 5), vec![0, 1, 2]);
        assert_eq!(Matrix::evenly_spaced(10, 4), vec![0, 2, 5, 7]);
    }

    #[test]
    fn row_major_layout() {
        let m = Matrix::from_columns(&[vec![1.0, 2.0], vec![3.0, 4.0]], 2);
        assert_eq!(m.as_slice(), &[1.0, 3.0, 2.0, 4.0]);
        assert_eq!(m.row(1), Some(&[2.0, 4.0][..]));
        assert_eq!(m.column(1), Some(vec![3.0, 4.0]));
        assert_eq!(m.get(2, 0), None);
        assert!(Matrix::new(vec![1.0], 2, 1).is_err());
        assert_eq!(Matrix::new(vec![], 0, 3).unwrap().n_cols(), 3);
    }
}
