//! [`Frame`]: the recipe's input table — named, typed columns of equal length, each tagged
//! with the *source field* it was derived from — and the checks that make one valid (equal
//! lengths, unique names, no infinities).

use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The type of an input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColumnKind {
    Numeric,
    Categorical,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnKind::Numeric => "numeric",
            ColumnKind::Categorical => "categorical",
        })
    }
}

/// The values of a column. Missing is `NaN` (numeric) or `None` (categorical).
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnData {
    Numeric(Vec<f64>),
    Categorical(Vec<Option<String>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Categorical(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Numeric or categorical.
    pub fn kind(&self) -> ColumnKind {
        match self {
            ColumnData::Numeric(_) => ColumnKind::Numeric,
            ColumnData::Categorical(_) => ColumnKind::Categorical,
        }
    }

    fn select(&self, rows: &[usize]) -> ColumnData {
        match self {
            ColumnData::Numeric(v) => ColumnData::Numeric(rows.iter().map(|&r| v[r]).collect()),
            ColumnData::Categorical(v) => {
                ColumnData::Categorical(rows.iter().map(|&r| v[r].clone()).collect())
            }
        }
    }
}

/// One named column and the source field it was derived from (e.g. column
/// `events_pricing_page_30d` from field `pricing_page`), so that explanations can add the
/// contributions of several columns back up to one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    name: String,
    source: String,
    data: ColumnData,
}

impl Column {
    /// A numeric column; `NaN` marks a missing value.
    pub fn numeric(
        name: impl Into<String>,
        source: impl Into<String>,
        values: impl Into<Vec<f64>>,
    ) -> Column {
        Column {
            name: name.into(),
            source: source.into(),
            data: ColumnData::Numeric(values.into()),
        }
    }

    /// A categorical column; `None` marks a missing value.
    pub fn categorical<S: Into<String>>(
        name: impl Into<String>,
        source: impl Into<String>,
        values: impl IntoIterator<Item = Option<S>>,
    ) -> Column {
        Column {
            name: name.into(),
            source: source.into(),
            data: ColumnData::Categorical(values.into_iter().map(|v| v.map(Into::into)).collect()),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    pub fn data(&self) -> &ColumnData {
        &self.data
    }

    pub fn kind(&self) -> ColumnKind {
        self.data.kind()
    }
}

/// A checked table: column names are unique, all columns have the same number of rows and
/// numeric columns hold no infinity. The only way to build one is [`Frame::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    columns: Vec<Column>,
    n_rows: usize,
}

impl Frame {
    /// Checks and wraps `columns`. A frame without columns has zero rows.
    pub fn new(columns: Vec<Column>) -> Result<Frame> {
        let n_rows = columns.first().map_or(0, |c| c.data.len());
        let mut seen = HashSet::new();
        for c in &columns {
            if !seen.insert(c.name.as_str()) {
                return Err(Error::DuplicateColumn {
                    column: c.name.clone(),
                });
            }
            if c.data.len() != n_rows {
                return Err(Error::Schema {
                    column: c.name.clone(),
                    expected: format!("{n_rows} rows (as column `{}`)", columns[0].name),
                    found: format!("{} rows", c.data.len()),
                });
            }
            if let ColumnData::Numeric(v) = &c.data
                && let Some(row) = v.iter().position(|x| x.is_infinite())
            {
                return Err(Error::NonFiniteColumn {
                    column: c.name.clone(),
                    row,
                    value: v[row],
                });
            }
        }
        Ok(Frame { columns, n_rows })
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// A new frame with the given rows, in the given order (repeats allowed).
    pub fn select_rows(&self, rows: &[usize]) -> Result<Frame> {
        if let Some(&r) = rows.iter().find(|&&r| r >= self.n_rows) {
            return Err(Error::InvalidParameter {
                name: "rows",
                expected: "indices below the frame's row count",
                found: format!("{r} with {} rows", self.n_rows),
            });
        }
        Ok(Frame {
            columns: self
                .columns
                .iter()
                .map(|c| Column {
                    name: c.name.clone(),
                    source: c.source.clone(),
                    data: c.data.select(rows),
                })
                .collect(),
            n_rows: rows.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_lengths_names_and_infinities() {
        let err = Frame::new(vec![
            Column::numeric("a", "a", vec![1.0, 2.0]),
            Column::numeric("b", "b", vec![1.0]),
        ])
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "column `b`: expected 2 rows (as column `a`), found 1 rows"
        );
        let err = Frame::new(vec![
            Column::numeric("a", "a", vec![1.0]),
            Column::categorical("a", "a", [Some("x")]),
        ])
        .unwrap_err();
        assert_eq!(err, Error::DuplicateColumn { column: "a".into() });
        let err = Frame::new(vec![Column::numeric(
            "a",
            "a",
            vec![1.0, f64::NAN, f64::NEG_INFINITY],
        )])
        .unwrap_err();
        assert_eq!(
            err,
            Error::NonFiniteColumn {
                column: "a".into(),
                row: 2,
                value: f64::NEG_INFINITY
            }
        );
        let f = Frame::new(vec![Column::numeric("a", "a", vec![1.0, 2.0, 3.0])]).unwrap();
        let g = f.select_rows(&[2, 0]).unwrap();
        assert_eq!(
            g.column("a").unwrap().data(),
            &ColumnData::Numeric(vec![3.0, 1.0])
        );
        assert!(f.select_rows(&[3]).is_err());
    }
}
