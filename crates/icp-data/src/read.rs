//! Streaming readers for CSV (any delimiter, quoted fields, BOM, CRLF), Parquet and JSON Lines.
//!
//! A reader yields [`RawBatch`]es of rows as they are in the file, each row with its physical
//! line (CSV, JSON Lines) or row number (Parquet) and cells borrowed from the batch. Typing and
//! validation happen in `validate`; readers only fail for a file that cannot be used at all.
//! Memory stays bounded by the batch size, whatever the size of the file.

use crate::config::Format;
use crate::error::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Rows per batch.
pub const BATCH_ROWS: usize = 16_384;

/// One cell as the file has it, before typing.
#[derive(Debug, Clone, PartialEq)]
pub enum CellRef<'a> {
    Null,
    /// Raw CSV bytes (may be invalid UTF-8; validation decides).
    Bytes(&'a [u8]),
    Str(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A typed date or time from Parquet, in microseconds since the epoch (UTC).
    Micros(i64),
    List(Vec<String>),
    /// A JSON array or object, kept for typing.
    Json(&'a Value),
}

/// A problem with a whole row, found while reading it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowProblem {
    /// CSV row with the wrong number of fields.
    FieldCount { expected: usize, found: usize },
    /// JSON Lines row that is not a JSON object.
    NotAnObject(String),
}

/// A JSON Lines row: the object, or what was wrong with the line.
type JsonRow = std::result::Result<Map<String, Value>, String>;

enum Rows {
    /// The first `len` records are this batch's; the rest are kept to be refilled.
    Csv {
        records: Vec<(u64, csv::ByteRecord)>,
        len: usize,
    },
    Json(Vec<(u64, JsonRow)>),
    Arrow {
        first_row: u64,
        batch: RecordBatch,
    },
}

/// A batch of raw rows; one is refilled again and again by [`Source::read_batch`].
pub struct RawBatch {
    rows: Rows,
    headers: std::sync::Arc<Vec<String>>,
}

impl Default for RawBatch {
    fn default() -> Self {
        RawBatch {
            rows: Rows::Csv {
                records: Vec::new(),
                len: 0,
            },
            headers: std::sync::Arc::new(Vec::new()),
        }
    }
}

impl RawBatch {
    pub fn len(&self) -> usize {
        match &self.rows {
            Rows::Csv { len, .. } => *len,
            Rows::Json(r) => r.len(),
            Rows::Arrow { batch, .. } => batch.num_rows(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Physical line where row `i` starts (CSV: the header is line 1), or its 1-based row
    /// number in a Parquet file.
    pub fn line(&self, i: usize) -> u64 {
        match &self.rows {
            Rows::Csv { records, .. } => records[i].0,
            Rows::Json(r) => r[i].0,
            Rows::Arrow { first_row, .. } => first_row + i as u64,
        }
    }

    pub fn problem(&self, i: usize) -> Option<RowProblem> {
        match &self.rows {
            Rows::Csv { records, .. } => {
                let found = records[i].1.len();
                (found != self.headers.len()).then_some(RowProblem::FieldCount {
                    expected: self.headers.len(),
                    found,
                })
            }
            Rows::Json(r) => r[i].1.as_ref().err().cloned().map(RowProblem::NotAnObject),
            Rows::Arrow { .. } => None,
        }
    }

    /// Index of the first field of row `i` that is not valid UTF-8 (CSV only).
    pub fn invalid_utf8_field(&self, i: usize) -> Option<usize> {
        match &self.rows {
            Rows::Csv { records, .. } => {
                let rec = &records[i].1;
                if std::str::from_utf8(rec.as_slice()).is_ok() {
                    return None;
                }
                rec.iter().position(|f| std::str::from_utf8(f).is_err())
            }
            _ => None,
        }
    }

    /// Cell of row `i` in source column `col`.
    pub fn cell(&self, i: usize, col: usize) -> CellRef<'_> {
        match &self.rows {
            Rows::Csv { records, .. } => match records[i].1.get(col) {
                Some(b) if !b.is_empty() => CellRef::Bytes(b),
                _ => CellRef::Null,
            },
            Rows::Json(r) => match &r[i].1 {
                Ok(map) => match map.get(self.headers[col].as_str()) {
                    None | Some(Value::Null) => CellRef::Null,
                    Some(Value::String(s)) => CellRef::Str(s),
                    Some(Value::Bool(b)) => CellRef::Bool(*b),
                    Some(Value::Number(n)) => match n.as_i64() {
                        Some(v) => CellRef::Int(v),
                        None => n.as_f64().map_or(CellRef::Null, CellRef::Float),
                    },
                    Some(v) => CellRef::Json(v),
                },
                Err(_) => CellRef::Null,
            },
            Rows::Arrow { batch, .. } => arrow_cell(batch.column(col), i),
        }
    }
}

fn arrow_cell(a: &ArrayRef, i: usize) -> CellRef<'_> {
    if a.is_null(i) {
        return CellRef::Null;
    }
    match a.data_type() {
        DataType::Utf8 => CellRef::Str(a.as_string::<i32>().value(i)),
        DataType::LargeUtf8 => CellRef::Str(a.as_string::<i64>().value(i)),
        DataType::Utf8View => CellRef::Str(a.as_string_view().value(i)),
        DataType::Boolean => CellRef::Bool(a.as_boolean().value(i)),
        DataType::Int8 => CellRef::Int(a.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => CellRef::Int(a.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => CellRef::Int(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => CellRef::Int(a.as_primitive::<Int64Type>().value(i)),
        DataType::UInt8 => CellRef::Int(a.as_primitive::<UInt8Type>().value(i).into()),
        DataType::UInt16 => CellRef::Int(a.as_primitive::<UInt16Type>().value(i).into()),
        DataType::UInt32 => CellRef::Int(a.as_primitive::<UInt32Type>().value(i).into()),
        DataType::UInt64 => {
            let v = a.as_primitive::<UInt64Type>().value(i);
            i64::try_from(v).map_or(CellRef::Float(v as f64), CellRef::Int)
        }
        DataType::Float32 => CellRef::Float(a.as_primitive::<Float32Type>().value(i).into()),
        DataType::Float64 => CellRef::Float(a.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, scale) => {
            let v = a
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .value(i);
            CellRef::Float(v as f64 / 10f64.powi(i32::from(*scale)))
        }
        DataType::Date32 => CellRef::Micros(
            i64::from(a.as_primitive::<arrow_array::types::Date32Type>().value(i)) * 86_400_000_000,
        ),
        DataType::Date64 => {
            CellRef::Micros(a.as_primitive::<arrow_array::types::Date64Type>().value(i) * 1000)
        }
        DataType::Timestamp(unit, _) => {
            use arrow_array::types::*;
            let v = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i) * 1_000_000,
                TimeUnit::Millisecond => {
                    a.as_primitive::<TimestampMillisecondType>().value(i) * 1000
                }
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => a.as_primitive::<TimestampNanosecondType>().value(i) / 1000,
            };
            CellRef::Micros(v)
        }
        DataType::List(_) | DataType::LargeList(_) => {
            let inner = if let DataType::List(_) = a.data_type() {
                a.as_list::<i32>().value(i)
            } else {
                a.as_list::<i64>().value(i)
            };
            CellRef::List(
                (0..inner.len())
                    .filter_map(|j| match arrow_cell(&inner, j) {
                        CellRef::Str(s) => Some(s.to_string()),
                        _ => None,
                    })
                    .collect(),
            )
        }
        _ => CellRef::Null,
    }
}

/// Whether the Parquet reader can hand out cells of this Arrow type.
fn supported_arrow_type(t: &DataType) -> bool {
    match t {
        DataType::List(f) | DataType::LargeList(f) => {
            matches!(
                f.data_type(),
                DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
            )
        }
        DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(_, _)
        | DataType::Date32
        | DataType::Date64
        | DataType::Timestamp(_, _)
        | DataType::Null => true,
        _ => false,
    }
}

enum Inner {
    Csv {
        reader: csv::Reader<Box<dyn Read + Send>>,
        /// Newlines inside quoted fields so far: the csv crate's line counter skips them.
        embedded_newlines: u64,
    },
    Json {
        lines: std::io::Split<BufReader<File>>,
        line: u64,
        bytes: u64,
    },
    Parquet {
        reader: ParquetRecordBatchReader,
        next_row: u64,
    },
}

/// An open input file.
pub struct Source {
    pub path: PathBuf,
    pub format: Format,
    headers: std::sync::Arc<Vec<String>>,
    size: u64,
    inner: Inner,
}

impl Source {
    /// Opens `path` as `format`, reads its header (CSV), schema (Parquet) or keys (JSON Lines).
    /// `delimiter` applies to CSV; `None` detects it from the header line.
    pub fn open(path: &Path, format: Format, delimiter: Option<u8>) -> Result<Source> {
        match format {
            Format::Csv => open_csv(path, delimiter),
            Format::Parquet => open_parquet(path),
            Format::Jsonl => open_jsonl(path),
        }
    }

    /// Column names in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// How far reading has come, in the unit of [`Source::size`].
    pub fn position(&self) -> u64 {
        match &self.inner {
            Inner::Csv { reader, .. } => reader.position().byte(),
            Inner::Json { bytes, .. } => *bytes,
            Inner::Parquet { next_row, .. } => next_row - 1,
        }
    }

    /// The size of the input: bytes for CSV and JSON Lines, rows for Parquet.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Fills `batch` with the next rows (at most [`BATCH_ROWS`]), reusing its buffers;
    /// `false` at the end of the file.
    pub fn read_batch(&mut self, batch: &mut RawBatch) -> Result<bool> {
        batch.headers.clone_from(&self.headers);
        let path = &self.path;
        let rows = match &mut self.inner {
            Inner::Csv {
                reader,
                embedded_newlines,
            } => {
                if !matches!(batch.rows, Rows::Csv { .. }) {
                    batch.rows = Rows::Csv {
                        records: Vec::new(),
                        len: 0,
                    };
                }
                let Rows::Csv { records, len } = &mut batch.rows else {
                    unreachable!("set just above")
                };
                *len = 0;
                while *len < BATCH_ROWS {
                    if *len == records.len() {
                        records.push((0, csv::ByteRecord::new()));
                    }
                    let (line, rec) = &mut records[*len];
                    match reader.read_byte_record(rec) {
                        Ok(false) => break,
                        Ok(true) => {
                            *line = rec.position().map_or(0, |p| p.line()) + *embedded_newlines;
                            *embedded_newlines +=
                                rec.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
                            // A line holding nothing at all is not a row.
                            if rec.len() == 1 && rec[0].is_empty() {
                                continue;
                            }
                            *len += 1;
                        }
                        Err(e) => return Err(csv_error(path, e)),
                    }
                }
                return Ok(*len > 0);
            }
            Inner::Json {
                lines,
                line,
                bytes: consumed,
            } => {
                let mut rows = Vec::with_capacity(1024);
                while rows.len() < BATCH_ROWS {
                    let Some(bytes) = lines.next() else { break };
                    let bytes = bytes.map_err(|e| Error::io(path, e))?;
                    *line += 1;
                    *consumed += bytes.len() as u64 + 1;
                    let text = trim_line(&bytes);
                    if text.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    let parsed = match serde_json::from_slice::<Value>(text) {
                        Ok(Value::Object(map)) => Ok(map),
                        Ok(other) => Err(format!("a JSON object, found {}", json_kind(&other))),
                        Err(e) => Err(format!("a JSON object ({e})")),
                    };
                    rows.push((*line, parsed));
                }
                Rows::Json(rows)
            }
            Inner::Parquet { reader, next_row } => match reader.next() {
                None => return Ok(false),
                Some(Err(e)) => {
                    return Err(Error::unusable(
                        path,
                        format!("cannot read Parquet data: {e}"),
                        "a readable Parquet file",
                    ));
                }
                Some(Ok(batch)) => {
                    let first_row = *next_row;
                    *next_row += batch.num_rows() as u64;
                    Rows::Arrow { first_row, batch }
                }
            },
        };
        batch.rows = rows;
        Ok(!batch.is_empty())
    }
}

fn trim_line(bytes: &[u8]) -> &[u8] {
    let b = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn csv_error(path: &Path, e: csv::Error) -> Error {
    let at = e
        .position()
        .map(|p| format!(" at line {}", p.line()))
        .unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(path, io),
        other => Error::unusable(
            path,
            format!("cannot read CSV{at}: {other:?}"),
            "a CSV file",
        ),
    }
}

/// Guesses the delimiter from the header line: the candidate (`,` `;` TAB `|`) occurring most
/// often outside quotes; `,` when none occurs (a one-column file).
pub fn detect_delimiter(header_line: &[u8]) -> u8 {
    let mut counts = [0usize; 4];
    let candidates = [b',', b';', b'\t', b'|'];
    let mut quoted = false;
    for &b in header_line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(k) = candidates.iter().position(|c| *c == b) {
            counts[k] += 1;
        }
    }
    let (best, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, usize::MAX - i))
        .unwrap_or((0, &0));
    if *n == 0 { b',' } else { candidates[best] }
}

fn open_csv(path: &Path, delimiter: Option<u8>) -> Result<Source> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buf = BufReader::with_capacity(1 << 20, file);
    // Skip a UTF-8 byte-order mark.
    if buf
        .fill_buf()
        .map_err(|e| Error::io(path, e))?
        .starts_with(b"\xEF\xBB\xBF")
    {
        buf.consume(3);
    }
    let head = buf.fill_buf().map_err(|e| Error::io(path, e))?;
    if head.is_empty() {
        return Err(Error::unusable(
            path,
            "the file is empty",
            "a header line naming the columns",
        ));
    }
    if head.contains(&0) {
        return Err(Error::unusable(
            path,
            "the file holds NUL bytes, so it is not text",
            "a CSV file",
        ));
    }
    let first_line_end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&head[..first_line_end]));
    let boxed: Box<dyn Read + Send> = Box::new(buf);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(boxed);
    let mut header = csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            return Err(Error::unusable(
                path,
                "the file is empty",
                "a header line naming the columns",
            ));
        }
        Err(e) => return Err(csv_error(path, e)),
    }
    let embedded_newlines = header.as_slice().iter().filter(|b| **b == b'\n').count() as u64;
    let headers: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_string())
        .collect();
    Ok(Source {
        path: path.to_path_buf(),
        format: Format::Csv,
        headers: std::sync::Arc::new(headers),
        size: std::fs::metadata(path).map_or(0, |m| m.len()),
        inner: Inner::Csv {
            reader,
            embedded_newlines,
        },
    })
}

fn open_parquet(path: &Path) -> Result<Source> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| {
        Error::unusable(
            path,
            format!("not a readable Parquet file ({e})"),
            "a Parquet file",
        )
    })?;
    let schema = builder.schema().clone();
    let size = builder.metadata().file_metadata().num_rows().max(0) as u64;
    for f in schema.fields() {
        if !supported_arrow_type(f.data_type()) {
            return Err(Error::unusable(
                path,
                format!("column \"{}\" has type {}", f.name(), f.data_type()),
                "columns of text, numbers, booleans, dates, timestamps or lists of text",
            ));
        }
    }
    let reader = builder.with_batch_size(BATCH_ROWS).build().map_err(|e| {
        Error::unusable(
            path,
            format!("cannot read Parquet data ({e})"),
            "a Parquet file",
        )
    })?;
    Ok(Source {
        path: path.to_path_buf(),
        format: Format::Parquet,
        size,
        headers: std::sync::Arc::new(schema.fields().iter().map(|f| f.name().clone()).collect()),
        inner: Inner::Parquet {
            reader,
            next_row: 1,
        },
    })
}

fn open_jsonl(path: &Path) -> Result<Source> {
    // First pass: the union of keys, in order of first appearance, so no value is dropped.
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut keys: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut any_line = false;
    for bytes in BufReader::with_capacity(1 << 20, file).split(b'\n') {
        let bytes = bytes.map_err(|e| Error::io(path, e))?;
        let text = trim_line(&bytes);
        if text.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        any_line = true;
        if let Ok(map) = serde_json::from_slice::<
            std::collections::BTreeMap<String, serde::de::IgnoredAny>,
        >(text)
        {
            // BTreeMap loses file order within a line; order across lines is kept.
            for k in map.into_keys() {
                if seen.insert(k.clone()) {
                    keys.push(k);
                }
            }
        }
    }
    if !any_line {
        return Err(Error::unusable(
            path,
            "the file is empty",
            "one JSON object per line",
        ));
    }
    if keys.is_empty() {
        return Err(Error::unusable(
            path,
            "no line holds a JSON object",
            "one JSON object per line",
        ));
    }
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    Ok(Source {
        path: path.to_path_buf(),
        format: Format::Jsonl,
        size: std::fs::metadata(path).map_or(0, |m| m.len()),
        headers: std::sync::Arc::new(keys),
        inner: Inner::Json {
            lines: BufReader::with_capacity(1 << 20, file).split(b'\n'),
            line: 0,
            bytes: 0,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_detection_ignores_quoted_commas() {
        assert_eq!(detect_delimiter(b"a;\"b,c,d\";e"), b';');
        assert_eq!(detect_delimiter(b"a\tb\tc"), b'\t');
        assert_eq!(detect_delimiter(b"a,b|c,d"), b',');
        assert_eq!(detect_delimiter(b"single"), b',');
    }
}
