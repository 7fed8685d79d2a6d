//! Reading the feature store back for the modelling stages: a snapshot Parquet file (or several,
//! stacked) becomes a [`SnapshotTable`] — account ids, as-of moments, the feature columns as a
//! recipe [`Frame`] (each column tagged with the source field it was derived from, so reasons
//! can sum encodings back to one field) and the `label_*` columns as numbers (`NaN` = unknown).

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use arrow_select::concat::concat_batches;
use icp_data::Error;
use icp_ml::recipe::{Column, Frame};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::collections::BTreeMap;
use std::path::Path;

pub use icp_features::snapshot::KEY_COLUMNS;

/// One or more snapshots as the modelling stages use them. Rows are in file order.
#[derive(Debug, Clone)]
pub struct SnapshotTable {
    pub account_ids: Vec<String>,
    /// As-of moment of each row, microseconds since the epoch (UTC).
    pub as_of: Vec<i64>,
    /// Feature columns: numeric ones with `NaN` for missing, strings as categories.
    pub features: Frame,
    /// `label_*` columns (name without the prefix), `NaN` where the window is not complete.
    pub labels: BTreeMap<String, Vec<f64>>,
    /// Per-row tables (opportunities): each row's id; empty for account snapshots.
    pub row_ids: Vec<String>,
    /// Per-row tables: when each row's outcome became known (microseconds), `NaN` while
    /// open; empty for account snapshots.
    pub closed_at: Vec<f64>,
}

impl SnapshotTable {
    pub fn n_rows(&self) -> usize {
        self.account_ids.len()
    }

    /// The label column `name` (without `label_`), if the snapshot has it.
    pub fn label(&self, name: &str) -> Option<&[f64]> {
        self.labels.get(name).map(Vec::as_slice)
    }
}

/// The source field a snapshot column was derived from: the window suffix is dropped
/// (`pricing_page_30d` and `pricing_page_90d` are both `pricing_page`), technology flags
/// (`tech_*`) belong to `technologies`.
pub fn source_field(column: &str) -> String {
    if column.starts_with("tech_") {
        return "technologies".to_string();
    }
    let base = column
        .rsplit_once('_')
        .filter(|(_, suffix)| {
            suffix.len() > 1
                && suffix.ends_with('d')
                && suffix[..suffix.len() - 1]
                    .bytes()
                    .all(|b| b.is_ascii_digit())
        })
        .map_or(column, |(base, _)| base);
    base.to_string()
}

/// Reads one snapshot file written by the feature stage.
pub fn read_snapshot(path: &Path) -> crate::Result<RecordBatch> {
    let io = |e: &dyn std::fmt::Display| Error::io(path, std::io::Error::other(e.to_string()));
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| io(&e))?
        .with_batch_size(65_536)
        .build()
        .map_err(|e| io(&e))?;
    let batches: Vec<RecordBatch> = reader
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| io(&e))?;
    let schema = match batches.first() {
        Some(b) => b.schema(),
        None => {
            let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            ParquetRecordBatchReaderBuilder::try_new(file)
                .map_err(|e| io(&e))?
                .schema()
                .clone()
        }
    };
    concat_batches(&schema, &batches).map_err(|e| io(&e).into())
}

/// Reads and stacks several snapshot files (same schema) into one table.
pub fn read_table(paths: &[&Path]) -> crate::Result<SnapshotTable> {
    let mut batches = Vec::with_capacity(paths.len());
    for p in paths {
        batches.push(read_snapshot(p)?);
    }
    let Some(first) = batches.first() else {
        return to_table(&RecordBatch::new_empty(std::sync::Arc::new(
            arrow_schema::Schema::empty(),
        )));
    };
    // Snapshots of one definition share column names; a type can still differ where a
    // column is entirely NULL in one month, so every batch is cast to the first one's types.
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(
        first
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ));
    let mut unified = Vec::with_capacity(batches.len());
    for (p, b) in paths.iter().zip(&batches) {
        let names = |s: &arrow_schema::Schema| -> Vec<String> {
            s.fields().iter().map(|f| f.name().clone()).collect()
        };
        if names(&b.schema()) != names(&schema) {
            return Err(Error::unusable(
                p,
                "its columns differ from the other snapshots",
                "snapshots built by the same feature definition",
            )
            .into());
        }
        let columns = b
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| arrow_cast::cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()
            .and_then(|cols| RecordBatch::try_new(schema.clone(), cols))
            .map_err(|e| Error::io(p, std::io::Error::other(e.to_string())))?;
        unified.push(columns);
    }
    let batch = concat_batches(&schema, &unified)
        .map_err(|e| Error::io(paths[0], std::io::Error::other(e.to_string())))?;
    to_table(&batch)
}

/// Splits a snapshot batch into ids, as-of moments, feature frame and labels.
pub fn to_table(batch: &RecordBatch) -> crate::Result<SnapshotTable> {
    let n = batch.num_rows();
    let mut account_ids = vec![String::new(); n];
    let mut as_of = vec![0; n];
    let mut columns = Vec::new();
    let mut labels = BTreeMap::new();
    let (mut row_ids, mut closed_at) = (Vec::new(), Vec::new());
    let schema = batch.schema();
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name().as_str();
        if name == "account_id" {
            account_ids = strings(col)
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect();
        } else if name == "as_of_micros" {
            as_of = numbers(col).into_iter().map(|v| v as i64).collect();
        } else if name == "row_id" {
            row_ids = strings(col)
                .into_iter()
                .map(Option::unwrap_or_default)
                .collect();
        } else if name == "closed_micros" {
            closed_at = numbers(col);
        } else if let Some(label) = name.strip_prefix("label_") {
            labels.insert(label.to_string(), numbers(col));
        } else if matches!(
            col.data_type(),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
        ) {
            columns.push(Column::categorical(name, source_field(name), strings(col)));
        } else if col.data_type().is_numeric() || col.data_type() == &DataType::Boolean {
            columns.push(Column::numeric(name, source_field(name), numbers(col)));
        }
    }
    let features = Frame::new(columns).map_err(|e| Error::InvalidArgument(e.to_string()))?;
    Ok(SnapshotTable {
        account_ids,
        as_of,
        features,
        labels,
        row_ids,
        closed_at,
    })
}

/// A column as `f64`, `NaN` for null or non-finite values.
fn numbers(col: &arrow_array::ArrayRef) -> Vec<f64> {
    match arrow_cast::cast(col, &DataType::Float64) {
        Ok(cast) => {
            let v = cast.as_primitive::<Float64Type>();
            (0..v.len())
                .map(|i| {
                    if v.is_valid(i) && v.value(i).is_finite() {
                        v.value(i)
                    } else {
                        f64::NAN
                    }
                })
                .collect()
        }
        Err(_) => vec![f64::NAN; col.len()],
    }
}

/// A column as optional strings.
fn strings(col: &arrow_array::ArrayRef) -> Vec<Option<String>> {
    match arrow_cast::cast(col, &DataType::Utf8) {
        Ok(cast) => {
            let v = cast.as_string::<i32>();
            (0..v.len())
                .map(|i| v.is_valid(i).then(|| v.value(i).to_string()))
                .collect()
        }
        Err(_) => vec![None; col.len()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_of_one_field_share_its_source() {
        assert_eq!(source_field("pricing_page_30d"), "pricing_page");
        assert_eq!(source_field("events_7d"), "events");
        assert_eq!(source_field("tech_snowflake"), "technologies");
        assert_eq!(source_field("log_employees"), "log_employees");
        assert_eq!(source_field("mrr_change_90d"), "mrr_change");
        assert_eq!(
            source_field("days_since_last_event"),
            "days_since_last_event"
        );
    }
}
