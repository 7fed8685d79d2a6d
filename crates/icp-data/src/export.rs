//! The flat export `[export]` names: one file (CSV, Parquet or JSON Lines), one row per account
//! or deal, an outcome column and any other columns as features. Read whole into typed
//! columns: a column is numeric when every value it has is a number (the workspace's `[parse]`
//! separators apply), categorical otherwise. The outcome, id and date columns are typed by
//! their role. A value the outcome or date column cannot hold, or a row with the wrong number
//! of fields, stops the read with the file, line, column and what was expected: nothing is
//! dropped silently.

use crate::config::{ExportConfig, Format, ParseOptions};
use crate::error::{Error, Result};
use crate::parse::{parse_bool, parse_float, parse_timestamp};
use crate::read::{CellRef, RawBatch, RowProblem, Source};
use std::path::{Path, PathBuf};

/// One feature column of the export.
#[derive(Debug, Clone, PartialEq)]
pub enum ExportValues {
    Numeric(Vec<f64>),
    Categorical(Vec<Option<String>>),
}

/// A feature column: its header and values.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportColumn {
    pub name: String,
    pub values: ExportValues,
}

/// The export, typed.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTable {
    pub path: PathBuf,
    /// The outcome column's header.
    pub outcome_name: String,
    /// Each row's id (the id column, else `line N`).
    pub ids: Vec<String>,
    /// Line (CSV, JSON Lines) or 1-based row (Parquet) of each row.
    pub lines: Vec<u64>,
    /// Each row's outcome; `None` when not known yet.
    pub outcome: Vec<Option<bool>>,
    /// Each row's date (microseconds since the epoch), when a date column is named.
    pub dates: Option<Vec<i64>>,
    pub columns: Vec<ExportColumn>,
}

/// A cell as read, before the column is typed.
#[derive(Debug, Clone, PartialEq)]
enum Raw {
    Null,
    Number(f64),
    Text(String),
    Micros(i64),
}

/// Reads the export `config` names, relative to `workspace`.
pub fn read(workspace: &Path, config: &ExportConfig, opts: &ParseOptions) -> Result<ExportTable> {
    let path = workspace.join(&config.path);
    let format = Format::from_path(&path).ok_or_else(|| {
        Error::unusable(
            &path,
            "the file extension names no known format",
            "a .csv, .tsv, .txt, .parquet, .jsonl, .ndjson or .json file",
        )
    })?;
    let mut source = Source::open(&path, format, opts.delimiter)?;
    let headers = source.headers().to_vec();
    let find = |name: &str, role: &str| -> Result<usize> {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            Error::unusable(
                &path,
                format!("no column `{name}` ({role} in [export])"),
                format!("one of the header's columns: {}", headers.join(", ")),
            )
        })
    };
    let outcome_col = find(&config.outcome, "outcome")?;
    let id_col = config.id.as_deref().map(|c| find(c, "id")).transpose()?;
    let date_col = config
        .date
        .as_deref()
        .map(|c| find(c, "date"))
        .transpose()?;
    for name in &config.ignore {
        find(name, "ignore")?;
    }
    let mut lines = Vec::new();
    let mut cells: Vec<Vec<Raw>> = vec![Vec::new(); headers.len()];
    let mut batch = RawBatch::default();
    while source.read_batch(&mut batch)? {
        for i in 0..batch.len() {
            let line = batch.line(i);
            if let Some(problem) = batch.problem(i) {
                let message = match problem {
                    RowProblem::FieldCount { expected, found } => {
                        format!("line {line}: {found} fields where the header has {expected}")
                    }
                    RowProblem::NotAnObject(why) => format!("line {line}: {why}"),
                };
                return Err(Error::unusable(&path, message, "one row per line"));
            }
            for (col, out) in cells.iter_mut().enumerate() {
                out.push(raw(&path, line, &headers[col], batch.cell(i, col))?);
            }
            lines.push(line);
        }
    }
    let bad = |line: u64, col: usize, value: &str, expected: &str| {
        Error::unusable(
            &path,
            format!(
                "line {line}, column {} (`{}`): `{value}`",
                col + 1,
                headers[col]
            ),
            expected,
        )
    };
    const OUTCOME: &str = "an outcome: true/false, yes/no, y/n or 1/0 (empty: not known yet)";
    let outcome = cells[outcome_col]
        .iter()
        .zip(&lines)
        .map(|(c, &line)| match c {
            Raw::Null => Ok(None),
            Raw::Number(v) if *v == 0.0 || *v == 1.0 => Ok(Some(*v == 1.0)),
            Raw::Number(v) => Err(bad(line, outcome_col, &v.to_string(), OUTCOME)),
            Raw::Text(s) => parse_bool(s)
                .map(Some)
                .map_err(|_| bad(line, outcome_col, s, OUTCOME)),
            Raw::Micros(v) => Err(bad(line, outcome_col, &v.to_string(), OUTCOME)),
        })
        .collect::<Result<Vec<_>>>()?;
    let dates = date_col
        .map(|col| {
            cells[col]
                .iter()
                .zip(&lines)
                .map(|(c, &line)| match c {
                    Raw::Micros(v) => Ok(*v),
                    Raw::Text(s) => parse_timestamp(s, opts.date_order)
                        .map_err(|expected| bad(line, col, s, &expected)),
                    Raw::Null => Err(bad(line, col, "", "a date (every row needs one)")),
                    Raw::Number(v) => Err(bad(line, col, &v.to_string(), "a date")),
                })
                .collect::<Result<Vec<_>>>()
        })
        .transpose()?;
    let ids = match id_col {
        Some(col) => cells[col]
            .iter()
            .zip(&lines)
            .map(|(c, line)| match c {
                Raw::Null => format!("line {line}"),
                Raw::Number(v) => v.to_string(),
                Raw::Text(s) => s.clone(),
                Raw::Micros(v) => v.to_string(),
            })
            .collect(),
        None => lines.iter().map(|l| format!("line {l}")).collect(),
    };
    let roles = [Some(outcome_col), id_col, date_col];
    let columns = cells
        .into_iter()
        .enumerate()
        .filter(|(col, _)| !roles.contains(&Some(*col)) && !config.ignore.contains(&headers[*col]))
        .map(|(col, values)| ExportColumn {
            name: headers[col].clone(),
            values: typed(values, opts),
        })
        .collect();
    Ok(ExportTable {
        path,
        outcome_name: config.outcome.clone(),
        ids,
        lines,
        outcome,
        dates,
        columns,
    })
}

/// A cell as read; text must be UTF-8.
fn raw(path: &Path, line: u64, header: &str, cell: CellRef<'_>) -> Result<Raw> {
    Ok(match cell {
        CellRef::Null => Raw::Null,
        CellRef::Bytes(b) => {
            let s = std::str::from_utf8(b).map_err(|_| {
                Error::unusable(
                    path,
                    format!("line {line}, column `{header}`: invalid UTF-8"),
                    "UTF-8 text",
                )
            })?;
            text(s)
        }
        CellRef::Str(s) => text(s),
        CellRef::Int(v) => Raw::Number(v as f64),
        CellRef::Float(v) => Raw::Number(v),
        CellRef::Bool(v) => Raw::Number(f64::from(u8::from(v))),
        CellRef::Micros(v) => Raw::Micros(v),
        CellRef::List(v) => Raw::Text(v.join(";")),
        CellRef::Json(v) => Raw::Text(v.to_string()),
    })
}

fn text(s: &str) -> Raw {
    let s = s.trim();
    if s.is_empty() {
        Raw::Null
    } else {
        Raw::Text(s.to_string())
    }
}

/// Numeric when every value is a number (text parsed with the workspace's separators; a date
/// counts as its microseconds), categorical otherwise.
fn typed(values: Vec<Raw>, opts: &ParseOptions) -> ExportValues {
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| match v {
            Raw::Null => Some(f64::NAN),
            Raw::Number(x) => Some(*x),
            Raw::Micros(x) => Some(*x as f64),
            Raw::Text(s) => parse_float(s, opts).ok(),
        })
        .collect();
    match numbers {
        Some(v) => ExportValues::Numeric(v),
        None => ExportValues::Categorical(
            values
                .into_iter()
                .map(|v| match v {
                    Raw::Null => None,
                    Raw::Number(x) => Some(x.to_string()),
                    Raw::Text(s) => Some(s),
                    Raw::Micros(x) => Some(x.to_string()),
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> ExportConfig {
        std::fs::write(dir.join("export.csv"), text).unwrap();
        ExportConfig {
            path: "export.csv".into(),
            outcome: "converted".into(),
            id: Some("account".into()),
            date: Some("closed".into()),
            ignore: vec!["notes".into()],
        }
    }

    #[test]
    fn columns_are_typed_by_role_and_content() {
        let dir = tempfile::tempdir().unwrap();
        let config = write(
            dir.path(),
            "account,closed,employees,industry,converted,notes\n\
             A1,2025-01-03,120,Software,yes,x\n\
             A2,2025-02-03,,Retail,no,y\n\
             A3,2025-03-03,4500,,,z\n",
        );
        let t = read(dir.path(), &config, &ParseOptions::default()).unwrap();
        assert_eq!(t.ids, ["A1", "A2", "A3"]);
        assert_eq!(t.lines, [2, 3, 4]);
        assert_eq!(t.outcome, [Some(true), Some(false), None]);
        assert_eq!(t.dates.as_ref().unwrap()[1], 1_738_540_800_000_000);
        assert_eq!(t.columns.len(), 2);
        assert_eq!(t.columns[0].name, "employees");
        match &t.columns[0].values {
            ExportValues::Numeric(v) => {
                assert_eq!(v[0], 120.0);
                assert!(v[1].is_nan());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            t.columns[1].values,
            ExportValues::Categorical(vec![Some("Software".into()), Some("Retail".into()), None])
        );
    }

    #[test]
    fn a_bad_outcome_or_date_names_file_line_column_and_what_was_expected() {
        let dir = tempfile::tempdir().unwrap();
        let config = write(
            dir.path(),
            "account,closed,converted,notes\nA1,2025-01-03,yes,\nA2,2025-01-04,maybe,\n",
        );
        let error = |config: &ExportConfig| {
            read(dir.path(), config, &ParseOptions::default())
                .unwrap_err()
                .to_string()
        };
        let err = error(&config);
        assert!(err.contains("export.csv"), "{err}");
        assert!(
            err.contains("line 3, column 3 (`converted`): `maybe`"),
            "{err}"
        );
        assert!(err.contains("expected an outcome: true/false"), "{err}");
        let config = write(
            dir.path(),
            "account,closed,converted,notes\nA1,someday,yes,\n",
        );
        let err = error(&config);
        assert!(
            err.contains("line 2, column 2 (`closed`): `someday`"),
            "{err}"
        );
        let config = ExportConfig {
            outcome: "won".into(),
            ..config
        };
        let err = error(&config);
        assert!(
            err.contains("no column `won` (outcome in [export])"),
            "{err}"
        );
    }
}
