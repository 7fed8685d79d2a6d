//! `out/accounts.csv` and `out/accounts.parquet`: one row per account, built column by column
//! so that other stages (segments, behaviour) can add their own named columns before writing.

use crate::Result;
use arrow_array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use icp_data::Error;
use std::path::Path;
use std::sync::Arc;

/// The values of one output column.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Text(Vec<Option<String>>),
    /// `NaN` is written as empty (CSV) or null (Parquet).
    Number(Vec<f64>),
}

impl Values {
    fn len(&self) -> usize {
        match self {
            Values::Text(v) => v.len(),
            Values::Number(v) => v.len(),
        }
    }
}

/// Named columns of equal length, written in insertion order.
#[derive(Debug, Clone, Default)]
pub struct AccountsTable {
    pub columns: Vec<(String, Values)>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl AccountsTable {
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, v)| v.len())
    }

    /// Adds (or replaces) a column; errors when its length differs from the others'.
    pub fn set(&mut self, name: &str, values: Values) -> Result<()> {
        if !self.columns.is_empty() && values.len() != self.n_rows() {
            return Err(Error::InvalidArgument(format!(
                "accounts column `{name}` has {} values, expected {} (one per account)",
                values.len(),
                self.n_rows()
            ))
            .into());
        }
        match self.columns.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = values,
            None => self.columns.push((name.to_string(), values)),
        }
        Ok(())
    }

    pub fn column(&self, name: &str) -> Option<&Values> {
        self.columns.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn write_csv(&self, path: &Path) -> Result<()> {
        let mut text = self
            .columns
            .iter()
            .map(|(n, _)| csv_field(n))
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for r in 0..self.n_rows() {
            let row: Vec<String> = self
                .columns
                .iter()
                .map(|(_, v)| match v {
                    Values::Text(v) => v[r].as_deref().map(csv_field).unwrap_or_default(),
                    Values::Number(v) if v[r].is_finite() => v[r].to_string(),
                    Values::Number(_) => String::new(),
                })
                .collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        std::fs::write(path, text).map_err(|e| Error::io(path, e).into())
    }

    pub fn write_parquet(&self, path: &Path) -> Result<()> {
        let mut fields = Vec::new();
        let mut arrays: Vec<ArrayRef> = Vec::new();
        for (name, values) in &self.columns {
            match values {
                Values::Text(v) => {
                    fields.push(Field::new(name, DataType::Utf8, true));
                    arrays.push(Arc::new(StringArray::from(v.clone())));
                }
                Values::Number(v) => {
                    fields.push(Field::new(name, DataType::Float64, true));
                    let opt: Vec<Option<f64>> =
                        v.iter().map(|x| x.is_finite().then_some(*x)).collect();
                    arrays.push(Arc::new(Float64Array::from(opt)));
                }
            }
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(|e| Error::write(path, e))?;
        let file = std::fs::File::create(path).map_err(|e| Error::io(path, e))?;
        let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), None)
            .map_err(|e| Error::write(path, e))?;
        w.write(&batch).map_err(|e| Error::write(path, e))?;
        w.close().map_err(|e| Error::write(path, e))?;
        Ok(())
    }
}
