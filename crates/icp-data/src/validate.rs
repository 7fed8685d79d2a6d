//! Validation and quarantine: every raw row becomes either a typed row of the contract's Arrow
//! schema or a [`QuarantineRecord`] naming its file, line, column and reason. Nothing is dropped:
//! per table, `rows_read = accepted + quarantined` exactly. Alongside, the data-health summary:
//! missing share per column, duplicate ids, unknown account references, accounts sharing one
//! registrable domain (likely duplicates) and implausible numeric values (outliers).
//!
//! Checks run in a fixed order and a row is quarantined for the first one it fails:
//! field count → UTF-8 → each contract column in order (required, parse, constraint) →
//! duplicate id → unknown account → date order.

use crate::config::{Config, Format, ParseOptions, TableConfig};
use crate::contract::{self, ColumnSpec, ColumnType, Constraint, Table};
use crate::error::{Error, Result};
use crate::identity::registrable_domain;
use crate::parse::{self, Micros};
use crate::read::{CellRef, RawBatch, RowProblem, Source};
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use icp_ml::progress::Progress;
use icp_ml::stats::{FenceScale, tukey_fences};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a row was quarantined. The snake_case codes are stable: scripts and tests rely on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    WrongFieldCount,
    InvalidUtf8,
    NotAnObject,
    MissingId,
    MissingRequired,
    UnparsableDate,
    UnparsableNumber,
    UnparsableBool,
    InvalidValue,
    NegativeValue,
    OutOfRange,
    FutureTimestamp,
    DuplicateId,
    UnknownAccount,
    DateOrder,
}

impl Reason {
    /// Every reason, in the order checks run.
    pub const ALL: [Reason; 15] = [
        Reason::WrongFieldCount,
        Reason::InvalidUtf8,
        Reason::NotAnObject,
        Reason::MissingId,
        Reason::MissingRequired,
        Reason::UnparsableDate,
        Reason::UnparsableNumber,
        Reason::UnparsableBool,
        Reason::InvalidValue,
        Reason::NegativeValue,
        Reason::OutOfRange,
        Reason::FutureTimestamp,
        Reason::DuplicateId,
        Reason::UnknownAccount,
        Reason::DateOrder,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reason::WrongFieldCount => "wrong_field_count",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::NotAnObject => "not_an_object",
            Reason::MissingId => "missing_id",
            Reason::MissingRequired => "missing_required",
            Reason::UnparsableDate => "unparsable_date",
            Reason::UnparsableNumber => "unparsable_number",
            Reason::UnparsableBool => "unparsable_bool",
            Reason::InvalidValue => "invalid_value",
            Reason::NegativeValue => "negative_value",
            Reason::OutOfRange => "out_of_range",
            Reason::FutureTimestamp => "future_timestamp",
            Reason::DuplicateId => "duplicate_id",
            Reason::UnknownAccount => "unknown_account",
            Reason::DateOrder => "date_order",
        }
    }
}

/// One quarantined row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineRecord {
    pub table: Table,
    pub file: String,
    /// Physical line where the row starts (row number for Parquet).
    pub line: u64,
    /// Contract column concerned; empty for row-level problems.
    pub column: String,
    pub reason: Reason,
    /// The offending value as found (truncated to 200 characters).
    pub value: String,
    /// What was expected.
    pub detail: String,
}

/// Receives the accepted rows of each table as Arrow batches.
pub trait BatchSink {
    /// A table starts; its batches will have `schema`.
    fn begin(&mut self, _table: Table, _schema: SchemaRef) -> Result<()> {
        Ok(())
    }
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<()>;
    /// The table is complete.
    fn end(&mut self, _table: Table) -> Result<()> {
        Ok(())
    }
}

/// Drops the batches (`icp check` only needs the counts).
pub struct DiscardBatches;

impl BatchSink for DiscardBatches {
    fn batch(&mut self, _: Table, _: RecordBatch) -> Result<()> {
        Ok(())
    }
}

/// Keeps every batch in memory.
#[derive(Default)]
pub struct MemoryBatches {
    pub tables: BTreeMap<Table, (Option<SchemaRef>, Vec<RecordBatch>)>,
}

impl BatchSink for MemoryBatches {
    fn begin(&mut self, table: Table, schema: SchemaRef) -> Result<()> {
        self.tables.insert(table, (Some(schema), Vec::new()));
        Ok(())
    }
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<()> {
        self.tables.entry(table).or_default().1.push(batch);
        Ok(())
    }
}

/// Writes each table's accepted rows to `<dir>/<table>.parquet` (snappy).
pub struct ParquetBatches {
    dir: PathBuf,
    writer: Option<(PathBuf, parquet::arrow::ArrowWriter<File>)>,
}

impl ParquetBatches {
    pub fn new(dir: &Path) -> Result<ParquetBatches> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(ParquetBatches {
            dir: dir.to_path_buf(),
            writer: None,
        })
    }
}

impl BatchSink for ParquetBatches {
    fn begin(&mut self, table: Table, schema: SchemaRef) -> Result<()> {
        let path = self.dir.join(format!("{table}.parquet"));
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        let props = parquet::file::properties::WriterProperties::builder()
            .set_compression(parquet::basic::Compression::SNAPPY)
            .build();
        let w = parquet::arrow::ArrowWriter::try_new(file, schema, Some(props))
            .map_err(|e| Error::write(&path, e))?;
        self.writer = Some((path, w));
        Ok(())
    }
    fn batch(&mut self, _: Table, batch: RecordBatch) -> Result<()> {
        if let Some((path, w)) = &mut self.writer {
            w.write(&batch).map_err(|e| Error::write(path, e))?;
        }
        Ok(())
    }
    fn end(&mut self, _: Table) -> Result<()> {
        if let Some((path, w)) = self.writer.take() {
            w.close().map_err(|e| Error::write(&path, e))?;
        }
        Ok(())
    }
}

/// Health of one column among the accepted rows.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ColumnHealth {
    pub column: String,
    /// The header it was read from; `None` when the file has no such column.
    pub source: Option<String>,
    pub missing: u64,
    pub missing_share: f64,
}

/// Values outside robust fences (Tukey's, k = [`OUTLIER_K`], on a log scale).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct OutlierHealth {
    pub column: String,
    pub count: u64,
    pub low: f64,
    pub high: f64,
}

/// Fence width in interquartile ranges for the outlier count.
pub const OUTLIER_K: f64 = 3.0;

/// What ingesting one table found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TableReport {
    pub table: Table,
    pub file: String,
    pub format: String,
    pub rows_read: u64,
    pub accepted: u64,
    pub quarantined: u64,
    /// Quarantined rows by reason code.
    pub reasons: BTreeMap<String, u64>,
    pub columns: Vec<ColumnHealth>,
    pub extra_columns: Vec<String>,
    pub duplicate_ids: u64,
    pub unknown_accounts: u64,
    /// Accounts only: accounts whose registrable domain an earlier account already has.
    pub shared_domains: Option<u64>,
    pub outliers: Vec<OutlierHealth>,
    /// Accounts only: accounts with any implausible size (employees, revenue or revenue per
    /// employee outside its fences).
    pub outlier_accounts: Option<u64>,
    /// Earliest and latest value of the table's main date column (RFC 3339).
    pub time_range: Option<(String, String)>,
}

/// What ingesting a workspace found.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct IngestReport {
    /// The "now" used for future-timestamp checks (RFC 3339).
    pub now: String,
    pub tables: Vec<TableReport>,
    /// Tables the configuration does not provide.
    pub missing_tables: Vec<Table>,
}

impl IngestReport {
    pub fn table(&self, t: Table) -> Option<&TableReport> {
        self.tables.iter().find(|r| r.table == t)
    }
    pub fn quarantined(&self) -> u64 {
        self.tables.iter().map(|t| t.quarantined).sum()
    }
}

/// Inputs of [`ingest`].
pub struct IngestOptions<'a> {
    /// The folder holding `icp.toml`; table paths are relative to it.
    pub workspace: &'a Path,
    pub config: &'a Config,
    pub now: Micros,
    /// Where `<table>.csv` quarantine files go; `None` keeps them only in the report counts.
    pub quarantine_dir: Option<&'a Path>,
}

/// Reads, validates and types every configured table, accounts first.
pub fn ingest(
    opts: &IngestOptions<'_>,
    sink: &mut dyn BatchSink,
    progress: &dyn Progress,
) -> Result<IngestReport> {
    if !opts.config.tables.contains_key(&Table::Accounts) {
        return Err(Error::InvalidArgument(
            "icp.toml has no [tables.accounts]; the accounts table is required".into(),
        ));
    }
    let mut known_accounts: HashSet<String> = HashSet::new();
    let mut tables = Vec::new();
    let mut missing_tables = Vec::new();
    for table in Table::ALL {
        let Some(tc) = opts.config.tables.get(&table) else {
            missing_tables.push(table);
            continue;
        };
        let report = ingest_table(opts, table, tc, &mut known_accounts, sink, progress)?;
        tables.push(report);
    }
    Ok(IngestReport {
        now: rfc3339(opts.now),
        tables,
        missing_tables,
    })
}

fn rfc3339(m: Micros) -> String {
    chrono::DateTime::from_timestamp_micros(m)
        .map(|d| d.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

fn normalise_header(s: &str) -> String {
    s.chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Where each contract column and each extra column comes from in a file.
struct ColumnMap {
    contract: Vec<Option<usize>>,
    extras: Vec<(usize, String)>,
}

fn map_columns(
    table: Table,
    tc: &TableConfig,
    headers: &[String],
    file: &Path,
) -> Result<ColumnMap> {
    let specs = table.columns();
    let mut used = vec![false; headers.len()];
    let mut contract = vec![None; specs.len()];
    for (k, spec) in specs.iter().enumerate() {
        let found = if let Some(wanted) = tc.columns.get(spec.name) {
            let hit = headers
                .iter()
                .position(|h| h == wanted)
                .or_else(|| headers.iter().position(|h| h.eq_ignore_ascii_case(wanted)));
            if hit.is_none() {
                return Err(Error::unusable(
                    file,
                    format!(
                        "icp.toml maps {}.{} to the column \"{wanted}\", which is not in the file (its columns: {})",
                        table.name(),
                        spec.name,
                        headers.join(", ")
                    ),
                    format!("a column named \"{wanted}\""),
                ));
            }
            hit
        } else {
            let want = normalise_header(spec.name);
            (0..headers.len()).find(|&i| !used[i] && normalise_header(&headers[i]) == want)
        };
        if let Some(i) = found {
            used[i] = true;
        }
        contract[k] = found;
    }
    // Then the common export names, for columns neither mapped nor named as in the contract.
    for (k, spec) in specs.iter().enumerate() {
        if contract[k].is_some() || tc.columns.contains_key(spec.name) {
            continue;
        }
        contract[k] = contract::aliases(table, spec.name).iter().find_map(|name| {
            let want = normalise_header(name);
            (0..headers.len()).find(|&i| !used[i] && normalise_header(&headers[i]) == want)
        });
        if let Some(i) = contract[k] {
            used[i] = true;
        }
    }
    for (k, spec) in specs.iter().enumerate() {
        if spec.required && contract[k].is_none() {
            return Err(Error::unusable(
                file,
                format!(
                    "the {} table has no column for the required `{}` (its columns: {})",
                    table.name(),
                    spec.name,
                    headers.join(", ")
                ),
                format!(
                    "a column named {} or a mapping `{} = \"Your column\"` under [tables.{}.columns] in icp.toml",
                    spec.name,
                    spec.name,
                    table.name()
                ),
            ));
        }
    }
    if table == Table::Events
        && ["account_id", "email", "domain"].iter().all(|c| {
            let k = specs.iter().position(|s| s.name == *c).unwrap_or(0);
            contract[k].is_none()
        })
    {
        return Err(Error::unusable(
            file,
            "the events table has none of account_id, email or domain",
            "at least one column identifying the account: account_id, email or domain",
        ));
    }
    let mut names: HashSet<String> = specs.iter().map(|s| s.name.to_string()).collect();
    let mut extras = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if used[i] {
            continue;
        }
        let base = if h.is_empty() {
            format!("column_{}", i + 1)
        } else {
            h.clone()
        };
        let mut name = base.clone();
        let mut n = 2;
        while !names.insert(name.clone()) {
            name = format!("{base}_{n}");
            n += 1;
        }
        extras.push((i, name));
    }
    Ok(ColumnMap { contract, extras })
}

/// A typed value of one cell; text borrows from the raw batch until the row is accepted.
#[derive(Debug, Clone, PartialEq)]
enum Val<'a> {
    Null,
    Str(Cow<'a, str>),
    Int(i64),
    Float(f64),
    Bool(bool),
    Ts(Micros),
    List(Vec<String>),
}

enum Builder {
    Str(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMicrosecondBuilder),
    List(ListBuilder<StringBuilder>),
}

impl Builder {
    fn new(ty: ColumnType) -> Builder {
        match ty {
            ColumnType::Id | ColumnType::Text | ColumnType::Enum(_) => {
                Builder::Str(StringBuilder::new())
            }
            ColumnType::Int => Builder::Int(Int64Builder::new()),
            ColumnType::Float => Builder::Float(Float64Builder::new()),
            ColumnType::Bool => Builder::Bool(BooleanBuilder::new()),
            ColumnType::Timestamp => {
                Builder::Ts(TimestampMicrosecondBuilder::new().with_timezone("UTC"))
            }
            ColumnType::TextList => Builder::List(ListBuilder::new(StringBuilder::new())),
        }
    }

    fn append(&mut self, v: &Val<'_>) {
        match (self, v) {
            (Builder::Str(b), Val::Str(s)) => b.append_value(s),
            (Builder::Int(b), Val::Int(x)) => b.append_value(*x),
            (Builder::Float(b), Val::Float(x)) => b.append_value(*x),
            (Builder::Bool(b), Val::Bool(x)) => b.append_value(*x),
            (Builder::Ts(b), Val::Ts(x)) => b.append_value(*x),
            (Builder::List(b), Val::List(items)) => {
                for i in items {
                    b.values().append_value(i);
                }
                b.append(true);
            }
            (Builder::Str(b), _) => b.append_null(),
            (Builder::Int(b), _) => b.append_null(),
            (Builder::Float(b), _) => b.append_null(),
            (Builder::Bool(b), _) => b.append_null(),
            (Builder::Ts(b), _) => b.append_null(),
            (Builder::List(b), _) => b.append(false),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Ts(b) => Arc::new(b.finish()),
            Builder::List(b) => Arc::new(b.finish()),
        }
    }
}

/// A cell's text, if it is text.
fn cell_text<'a>(c: &CellRef<'a>) -> Option<&'a str> {
    match c {
        CellRef::Bytes(b) => std::str::from_utf8(b).ok(),
        CellRef::Str(s) => Some(s),
        _ => None,
    }
}

fn cell_display(c: &CellRef<'_>) -> String {
    let s = match c {
        CellRef::Null => String::new(),
        CellRef::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
        CellRef::Str(s) => (*s).to_string(),
        CellRef::Int(v) => v.to_string(),
        CellRef::Float(v) => v.to_string(),
        CellRef::Bool(v) => v.to_string(),
        CellRef::Micros(v) => rfc3339(*v),
        CellRef::List(v) => v.join(";"),
        CellRef::Json(v) => v.to_string(),
    };
    s.chars().take(200).collect()
}

type Fail = (Reason, String);

struct TypingContext<'a> {
    opts: &'a ParseOptions,
    now: Micros,
    /// Opportunities: lower-cased user status → contract status.
    status_map: Option<HashMap<String, &'static str>>,
}

fn enum_value(
    spec: &ColumnSpec,
    allowed: &'static [&'static str],
    raw: &str,
    ctx: &TypingContext<'_>,
) -> Option<&'static str> {
    let lower = raw.trim().to_lowercase();
    if spec.name == "status" {
        if let Some(map) = &ctx.status_map {
            return map.get(&lower).copied();
        }
        if let Some(v) = allowed.iter().find(|a| **a == lower) {
            return Some(v);
        }
        return Some(if lower.contains("won") {
            "won"
        } else if lower.contains("lost") {
            "lost"
        } else {
            "open"
        });
    }
    let norm = lower.replace([' ', '-'], "_");
    let norm = match norm.as_str() {
        "medium" => "normal",
        "critical" => "urgent",
        other => other,
    };
    allowed.iter().find(|a| **a == norm).copied()
}

/// Types one cell for `spec`: `Ok(Val::Null)` for an empty cell.
fn type_cell<'a>(
    cell: &CellRef<'a>,
    spec: &ColumnSpec,
    ctx: &TypingContext<'_>,
) -> std::result::Result<Val<'a>, Fail> {
    let text = cell_text(cell).map(str::trim);
    if matches!(cell, CellRef::Null) || text == Some("") {
        return Ok(Val::Null);
    }
    let v = match spec.ty {
        ColumnType::Id | ColumnType::Text => Val::Str(match text {
            Some(t) => Cow::Borrowed(t),
            None => Cow::Owned(cell_display(cell)),
        }),
        ColumnType::Enum(allowed) => {
            let raw = text.map_or_else(|| cell_display(cell), str::to_string);
            match enum_value(spec, allowed, &raw, ctx) {
                Some(v) => Val::Str(Cow::Borrowed(v)),
                None => {
                    let expected = if spec.name == "status" && ctx.status_map.is_some() {
                        "a stage listed under [tables.opportunities.status_values]".to_string()
                    } else {
                        spec.ty.expected()
                    };
                    return Err((Reason::InvalidValue, expected));
                }
            }
        }
        ColumnType::Int => match (cell, text) {
            (_, Some(t)) => {
                Val::Int(parse::parse_int(t, ctx.opts).map_err(|e| (Reason::UnparsableNumber, e))?)
            }
            (CellRef::Int(v), _) => Val::Int(*v),
            (CellRef::Float(f), _) => {
                Val::Int(parse::float_to_int(*f).map_err(|e| (Reason::UnparsableNumber, e))?)
            }
            _ => return Err((Reason::UnparsableNumber, spec.ty.expected())),
        },
        ColumnType::Float => match (cell, text) {
            (_, Some(t)) => Val::Float(
                parse::parse_float(t, ctx.opts).map_err(|e| (Reason::UnparsableNumber, e))?,
            ),
            (CellRef::Int(v), _) => Val::Float(*v as f64),
            (CellRef::Float(f), _) if f.is_finite() => Val::Float(*f),
            _ => return Err((Reason::UnparsableNumber, spec.ty.expected())),
        },
        ColumnType::Bool => match (cell, text) {
            (_, Some(t)) => {
                Val::Bool(parse::parse_bool(t).map_err(|e| (Reason::UnparsableBool, e))?)
            }
            (CellRef::Bool(b), _) => Val::Bool(*b),
            (CellRef::Int(0), _) => Val::Bool(false),
            (CellRef::Int(1), _) => Val::Bool(true),
            _ => return Err((Reason::UnparsableBool, spec.ty.expected())),
        },
        ColumnType::Timestamp => match (cell, text) {
            (_, Some(t)) => Val::Ts(
                parse::parse_timestamp(t, ctx.opts.date_order)
                    .map_err(|e| (Reason::UnparsableDate, e))?,
            ),
            (CellRef::Micros(m), _) => Val::Ts(*m),
            _ => return Err((Reason::UnparsableDate, spec.ty.expected())),
        },
        ColumnType::TextList => match (cell, text) {
            (_, Some(t)) => Val::List(parse::parse_list(t, ctx.opts.list_separator)),
            (CellRef::List(items), _) => Val::List(items.clone()),
            (CellRef::Json(serde_json::Value::Array(items)), _) => Val::List(
                items
                    .iter()
                    .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
                    .collect(),
            ),
            _ => return Err((Reason::InvalidValue, spec.ty.expected())),
        },
    };
    check_constraint(&v, spec, ctx.now)?;
    Ok(v)
}

fn check_constraint(v: &Val<'_>, spec: &ColumnSpec, now: Micros) -> std::result::Result<(), Fail> {
    let num = match v {
        Val::Int(i) => Some(*i as f64),
        Val::Float(f) => Some(*f),
        _ => None,
    };
    match (spec.constraint, num, v) {
        (Constraint::NonNegative, Some(x), _) if x < 0.0 => {
            Err((Reason::NegativeValue, "a value ≥ 0".into()))
        }
        (Constraint::Range(lo, hi), Some(x), _) if x < lo || x > hi => {
            Err((Reason::OutOfRange, format!("a value from {lo} to {hi}")))
        }
        (Constraint::NotFuture, _, Val::Ts(t)) if *t > now => Err((
            Reason::FutureTimestamp,
            format!("a time not after now ({})", rfc3339(now)),
        )),
        _ => Ok(()),
    }
}

/// Per-table streaming state.
struct TableState<'a> {
    table: Table,
    specs: &'static [ColumnSpec],
    map: ColumnMap,
    ctx: TypingContext<'a>,
    builders: Vec<Builder>,
    extra_builders: Vec<StringBuilder>,
    pending: usize,
    seen_ids: HashSet<String>,
    missing: Vec<u64>,
    numeric: Vec<Vec<f64>>,
    /// Accounts: (employees, annual_revenue) of every accepted row, for the ratio check.
    sizes: Vec<(Option<f64>, Option<f64>)>,
    domains: HashSet<String>,
    shared_domains: u64,
    time_range: Option<(Micros, Micros)>,
    report: TableReport,
    quarantine: Option<BufWriter<File>>,
    quarantine_path: Option<PathBuf>,
    schema: SchemaRef,
    file_label: String,
}

fn col_index(specs: &[ColumnSpec], name: &str) -> Option<usize> {
    specs.iter().position(|s| s.name == name)
}

/// The column whose range the report shows for each table.
fn main_time_column(t: Table) -> &'static str {
    match t {
        Table::Accounts => "",
        Table::Opportunities | Table::Tickets => "created_at",
        Table::Subscriptions => "start_date",
        Table::Events => "timestamp",
        Table::Feedback => "at",
    }
}

impl<'a> TableState<'a> {
    fn quarantine(
        &mut self,
        line: u64,
        column: &str,
        reason: Reason,
        value: String,
        detail: String,
    ) -> Result<()> {
        self.report.quarantined += 1;
        *self
            .report
            .reasons
            .entry(reason.code().to_string())
            .or_default() += 1;
        match reason {
            Reason::DuplicateId => self.report.duplicate_ids += 1,
            Reason::UnknownAccount => self.report.unknown_accounts += 1,
            _ => {}
        }
        let Some(path) = &self.quarantine_path else {
            return Ok(());
        };
        if self.quarantine.is_none() {
            let f = File::create(path).map_err(|e| Error::io(path, e))?;
            let mut w = BufWriter::new(f);
            w.write_all(b"source_file,line,column,reason,value,detail\n")
                .map_err(|e| Error::io(path, e))?;
            self.quarantine = Some(w);
        }
        let rec = QuarantineRecord {
            table: self.table,
            file: self.file_label.clone(),
            line,
            column: column.to_string(),
            reason,
            value,
            detail,
        };
        let w = self.quarantine.as_mut().expect("opened above");
        write_quarantine_row(w, &rec).map_err(|e| Error::io(path, e))
    }

    fn process(
        &mut self,
        batch: &RawBatch,
        known_accounts: &mut HashSet<String>,
        sink: &mut dyn BatchSink,
    ) -> Result<()> {
        let mut vals: Vec<Val<'_>> = vec![Val::Null; self.specs.len()];
        'rows: for i in 0..batch.len() {
            self.report.rows_read += 1;
            let line = batch.line(i);
            match batch.problem(i) {
                Some(RowProblem::FieldCount { expected, found }) => {
                    self.quarantine(
                        line,
                        "",
                        Reason::WrongFieldCount,
                        format!("{found} fields"),
                        format!("{expected} fields, as in the header"),
                    )?;
                    continue;
                }
                Some(RowProblem::NotAnObject(detail)) => {
                    self.quarantine(line, "", Reason::NotAnObject, String::new(), detail)?;
                    continue;
                }
                None => {}
            }
            if let Some(f) = batch.invalid_utf8_field(i) {
                let column = self.column_name_for_source(f);
                self.quarantine(
                    line,
                    &column,
                    Reason::InvalidUtf8,
                    cell_display(&batch.cell(i, f)),
                    "text in UTF-8".into(),
                )?;
                continue;
            }
            for (k, spec) in self.specs.iter().enumerate() {
                let cell = match self.map.contract[k] {
                    Some(src) => batch.cell(i, src),
                    None => CellRef::Null,
                };
                match type_cell(&cell, spec, &self.ctx) {
                    Ok(Val::Null) if spec.required => {
                        let reason = if spec.ty == ColumnType::Id {
                            Reason::MissingId
                        } else {
                            Reason::MissingRequired
                        };
                        self.quarantine(
                            line,
                            spec.name,
                            reason,
                            String::new(),
                            spec.ty.expected(),
                        )?;
                        continue 'rows;
                    }
                    Ok(v) => vals[k] = v,
                    Err((reason, detail)) => {
                        self.quarantine(line, spec.name, reason, cell_display(&cell), detail)?;
                        continue 'rows;
                    }
                }
            }
            if let Some((reason, column, detail)) = self.row_rule(&vals, known_accounts) {
                let value =
                    col_index(self.specs, column).map_or(String::new(), |k| val_display(&vals[k]));
                self.quarantine(line, column, reason, value, detail)?;
                continue;
            }
            self.accept(&vals, batch, i, known_accounts);
            if self.pending >= crate::read::BATCH_ROWS {
                self.flush(sink)?;
            }
        }
        Ok(())
    }

    fn column_name_for_source(&self, src: usize) -> String {
        if let Some(k) = self.map.contract.iter().position(|c| *c == Some(src)) {
            return self.specs[k].name.to_string();
        }
        self.map
            .extras
            .iter()
            .find(|(i, _)| *i == src)
            .map_or_else(String::new, |(_, n)| n.clone())
    }

    /// Row-level rules after every column typed; the first failing one.
    fn row_rule(
        &self,
        vals: &[Val<'_>],
        known_accounts: &HashSet<String>,
    ) -> Option<(Reason, &'static str, String)> {
        let get = |name: &str| col_index(self.specs, name).map(|k| &vals[k]);
        if self.table == Table::Events
            && ["account_id", "email", "domain"]
                .iter()
                .all(|c| matches!(get(c), Some(Val::Null) | None))
        {
            return Some((
                Reason::MissingRequired,
                "account_id",
                "one of account_id, email or domain".into(),
            ));
        }
        if self.table == Table::Opportunities
            && let (Some(Val::Str(status)), Some(Val::Ts(closed))) =
                (get("status"), get("closed_at"))
            && status != "open"
            && *closed > self.ctx.now
        {
            return Some((
                Reason::FutureTimestamp,
                "closed_at",
                format!(
                    "a close date not after now ({}) for a {status} deal",
                    rfc3339(self.ctx.now)
                ),
            ));
        }
        if let Some(key) = self.table.unique_key()
            && let Some(Val::Str(id)) = get(key)
            && self.seen_ids.contains(id.as_ref())
        {
            return Some((
                Reason::DuplicateId,
                key,
                format!("a {key} not used by an earlier row"),
            ));
        }
        if self.table.references_accounts()
            && let Some(Val::Str(a)) = get("account_id")
            && !known_accounts.contains(a.as_ref())
        {
            return Some((
                Reason::UnknownAccount,
                "account_id",
                "the account_id of an accepted account".into(),
            ));
        }
        let order = match self.table {
            Table::Opportunities => Some(("created_at", "closed_at")),
            Table::Subscriptions => Some(("start_date", "end_date")),
            Table::Tickets => Some(("created_at", "resolved_at")),
            _ => None,
        };
        if let Some((first, then)) = order
            && let (Some(Val::Ts(a)), Some(Val::Ts(b))) = (get(first), get(then))
            && b < a
        {
            let then_static: &'static str = self.specs[col_index(self.specs, then)?].name;
            return Some((
                Reason::DateOrder,
                then_static,
                format!("{then} not before {first} ({})", rfc3339(*a)),
            ));
        }
        None
    }

    fn accept(
        &mut self,
        vals: &[Val<'_>],
        batch: &RawBatch,
        i: usize,
        known_accounts: &mut HashSet<String>,
    ) {
        self.report.accepted += 1;
        for (k, v) in vals.iter().enumerate() {
            if matches!(v, Val::Null) {
                self.missing[k] += 1;
            }
            self.builders[k].append(v);
            if self.table != Table::Events {
                match v {
                    Val::Int(x) => self.numeric[k].push(*x as f64),
                    Val::Float(x) => self.numeric[k].push(*x),
                    _ => {}
                }
            }
        }
        for (j, (src, _)) in self.map.extras.iter().enumerate() {
            let cell = batch.cell(i, *src);
            match cell {
                CellRef::Null => self.extra_builders[j].append_null(),
                c => self.extra_builders[j].append_value(cell_display(&c)),
            }
        }
        if self.table == Table::Accounts {
            let num = |name| match col_index(self.specs, name).map(|k| &vals[k]) {
                Some(Val::Int(x)) => Some(*x as f64),
                Some(Val::Float(x)) => Some(*x),
                _ => None,
            };
            self.sizes.push((num("employees"), num("annual_revenue")));
        }
        if let Some(key) = self.table.unique_key()
            && let Some(Val::Str(id)) = col_index(self.specs, key).map(|k| &vals[k])
        {
            self.seen_ids.insert(id.to_string());
            if self.table == Table::Accounts {
                known_accounts.insert(id.to_string());
            }
        }
        if self.table == Table::Accounts
            && let Some(Val::Str(d)) = col_index(self.specs, "domain").map(|k| &vals[k])
            && let Some(reg) = registrable_domain(d)
            && !self.domains.insert(reg)
        {
            self.shared_domains += 1;
        }
        if let Some(Val::Ts(t)) =
            col_index(self.specs, main_time_column(self.table)).map(|k| &vals[k])
        {
            self.time_range = Some(match self.time_range {
                None => (*t, *t),
                Some((lo, hi)) => (lo.min(*t), hi.max(*t)),
            });
        }
        self.pending += 1;
    }

    fn flush(&mut self, sink: &mut dyn BatchSink) -> Result<()> {
        if self.pending == 0 {
            return Ok(());
        }
        let mut columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        columns.extend(
            self.extra_builders
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef),
        );
        let batch = RecordBatch::try_new(self.schema.clone(), columns).map_err(|e| {
            Error::InvalidArgument(format!(
                "internal error building the {} batch: {e}",
                self.table
            ))
        })?;
        self.pending = 0;
        sink.batch(self.table, batch)
    }
}

fn val_display(v: &Val<'_>) -> String {
    match v {
        Val::Null => String::new(),
        Val::Str(s) => s.to_string(),
        Val::Int(i) => i.to_string(),
        Val::Float(f) => f.to_string(),
        Val::Bool(b) => b.to_string(),
        Val::Ts(t) => rfc3339(*t),
        Val::List(l) => l.join(";"),
    }
}

fn write_quarantine_row(w: &mut impl Write, r: &QuarantineRecord) -> std::io::Result<()> {
    let fields = [
        r.file.clone(),
        r.line.to_string(),
        r.column.clone(),
        r.reason.code().to_string(),
        r.value.clone(),
        r.detail.clone(),
    ];
    let mut first = true;
    for f in fields {
        if !first {
            w.write_all(b",")?;
        }
        first = false;
        if f.contains([',', '"', '\n', '\r']) {
            write!(w, "\"{}\"", f.replace('"', "\"\""))?;
        } else {
            w.write_all(f.as_bytes())?;
        }
    }
    w.write_all(b"\n")
}

/// Revenue per employee varies far less across companies than either figure alone, so a size
/// typed with extra zeros (or revenue in the wrong unit) stands out there even when the value
/// itself is plausible for some company. Adds the ratio's fences to `outliers` and returns the
/// number of accounts outside any fence.
fn size_outliers(sizes: &[(Option<f64>, Option<f64>)], outliers: &mut Vec<OutlierHealth>) -> u64 {
    let log_ratio = |e: f64, r: f64| (e > 0.0 && r > 0.0).then(|| (r / e).ln());
    let ratios: Vec<f64> = sizes
        .iter()
        .filter_map(|p| match *p {
            (Some(e), Some(r)) => log_ratio(e, r),
            _ => None,
        })
        .collect();
    let ratio_fence = (ratios.len() >= 20)
        .then(|| {
            tukey_fences(&ratios, OUTLIER_K, FenceScale::Linear)
                .ok()
                .flatten()
        })
        .flatten();
    if let Some(f) = ratio_fence {
        outliers.push(OutlierHealth {
            column: "revenue_per_employee".into(),
            count: ratios.iter().filter(|v| !f.contains(**v)).count() as u64,
            low: f.low.exp(),
            high: f.high.exp(),
        });
    }
    let fence_of = |name: &str| {
        outliers
            .iter()
            .find(|o| o.column == name)
            .map(|o| (o.low, o.high))
    };
    let (emp, rev) = (fence_of("employees"), fence_of("annual_revenue"));
    let outside = |v: Option<f64>, f: Option<(f64, f64)>| matches!((v, f), (Some(v), Some((lo, hi))) if v < lo || v > hi);
    sizes
        .iter()
        .filter(|&&(e, r)| {
            let ratio = e.zip(r).and_then(|(e, r)| log_ratio(e, r));
            outside(e, emp)
                || outside(r, rev)
                || matches!((ratio, ratio_fence), (Some(x), Some(f)) if !f.contains(x))
        })
        .count() as u64
}

fn ingest_table(
    opts: &IngestOptions<'_>,
    table: Table,
    tc: &TableConfig,
    known_accounts: &mut HashSet<String>,
    sink: &mut dyn BatchSink,
    progress: &dyn Progress,
) -> Result<TableReport> {
    let path = opts.workspace.join(&tc.path);
    let format = tc
        .format
        .or_else(|| Format::from_path(&tc.path))
        .ok_or_else(|| {
            Error::unusable(
                &path,
                "unknown file format",
                "a .csv, .parquet or .jsonl file, or format = \"...\" in icp.toml",
            )
        })?;
    let parse_opts = opts
        .config
        .parse_options(Some(table))
        .map_err(|m| Error::InvalidArgument(format!("[tables.{table}.parse]: {m}")))?;
    if !path.exists() {
        return Err(Error::unusable(
            &path,
            "the file does not exist",
            format!("the {table} export named by [tables.{table}] path in icp.toml"),
        ));
    }
    let mut source = Source::open(&path, format, parse_opts.delimiter)?;
    let map = map_columns(table, tc, source.headers(), &path)?;
    let specs = table.columns();
    let extra_names: Vec<String> = map.extras.iter().map(|(_, n)| n.clone()).collect();
    let schema = contract::arrow_schema(table, &extra_names);
    let status_map = (table == Table::Opportunities && !tc.status_values.is_empty()).then(|| {
        tc.status_values
            .iter()
            .map(|(k, v)| {
                let to = contract::OPPORTUNITY_STATUS
                    .iter()
                    .find(|s| **s == v)
                    .copied()
                    .unwrap_or("open");
                (k.trim().to_lowercase(), to)
            })
            .collect()
    });
    let file_label = tc.path.display().to_string();
    let quarantine_path = opts.quarantine_dir.map(|d| d.join(format!("{table}.csv")));
    let columns_health_sources: Vec<Option<String>> = map
        .contract
        .iter()
        .map(|c| c.map(|i| source.headers()[i].clone()))
        .collect();
    let mut state = TableState {
        table,
        specs,
        ctx: TypingContext {
            opts: &parse_opts,
            now: opts.now,
            status_map,
        },
        builders: specs.iter().map(|s| Builder::new(s.ty)).collect(),
        extra_builders: map.extras.iter().map(|_| StringBuilder::new()).collect(),
        map,
        pending: 0,
        seen_ids: HashSet::new(),
        missing: vec![0; specs.len()],
        numeric: vec![Vec::new(); specs.len()],
        sizes: Vec::new(),
        domains: HashSet::new(),
        shared_domains: 0,
        time_range: None,
        report: TableReport {
            table,
            file: file_label.clone(),
            format: format!("{format:?}").to_lowercase(),
            rows_read: 0,
            accepted: 0,
            quarantined: 0,
            reasons: BTreeMap::new(),
            columns: Vec::new(),
            extra_columns: extra_names.clone(),
            duplicate_ids: 0,
            unknown_accounts: 0,
            shared_domains: None,
            outliers: Vec::new(),
            outlier_accounts: None,
            time_range: None,
        },
        quarantine: None,
        quarantine_path,
        schema: schema.clone(),
        file_label,
    };
    sink.begin(table, schema)?;
    progress.start(&format!("reading {table}"), source.size());
    let mut done = 0;
    let mut batch = RawBatch::default();
    while source.read_batch(&mut batch)? {
        state.process(&batch, known_accounts, sink)?;
        let now_at = source.position();
        progress.advance(now_at.saturating_sub(done));
        done = now_at;
    }
    state.flush(sink)?;
    sink.end(table)?;
    progress.finish();
    if let (Some(mut w), Some(p)) = (state.quarantine.take(), state.quarantine_path.as_ref()) {
        w.flush().map_err(|e| Error::io(p, e))?;
    }
    let accepted = state.report.accepted;
    let mut report = state.report;
    report.columns = specs
        .iter()
        .enumerate()
        .map(|(k, s)| ColumnHealth {
            column: s.name.to_string(),
            source: columns_health_sources[k].clone(),
            missing: state.missing[k],
            missing_share: if accepted == 0 {
                0.0
            } else {
                state.missing[k] as f64 / accepted as f64
            },
        })
        .collect();
    if table == Table::Accounts {
        report.shared_domains = Some(state.shared_domains);
    }
    for (k, s) in specs.iter().enumerate() {
        let heavy_tailed = matches!(s.ty, ColumnType::Int | ColumnType::Float)
            && s.constraint == Constraint::NonNegative;
        if !heavy_tailed || state.numeric[k].len() < 20 {
            continue;
        }
        if let Ok(Some(f)) = tukey_fences(&state.numeric[k], OUTLIER_K, FenceScale::Log1p) {
            let count = state.numeric[k].iter().filter(|v| !f.contains(**v)).count() as u64;
            report.outliers.push(OutlierHealth {
                column: s.name.to_string(),
                count,
                low: f.low,
                high: f.high,
            });
        }
    }
    if table == Table::Accounts {
        report.outlier_accounts = Some(size_outliers(&state.sizes, &mut report.outliers));
    }
    report.time_range = state.time_range.map(|(a, b)| (rfc3339(a), rfc3339(b)));
    debug_assert_eq!(report.rows_read, report.accepted + report.quarantined);
    Ok(report)
}
