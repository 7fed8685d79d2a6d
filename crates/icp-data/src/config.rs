//! `icp.toml`: where a workspace's exports are, how their columns map onto the contract, and
//! how their values are written (delimiter, date order, separators). Parsing errors name the
//! file, line and column. [`TEMPLATE`] is the commented file `icp init` writes; a test checks
//! that it parses to exactly [`Config::default`]'s options.

use crate::contract::Table;
use crate::error::{Error, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub mod segments;
pub use segments::SegmentsConfig;

/// The file name of a workspace's configuration.
pub const CONFIG_FILE: &str = "icp.toml";

/// A parsed `icp.toml`.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub workspace: WorkspaceConfig,
    /// Defaults for every table; each table may override them.
    #[serde(default)]
    pub parse: ParseConfig,
    #[serde(default)]
    pub tables: BTreeMap<Table, TableConfig>,
    #[serde(default)]
    pub features: FeaturesConfig,
    /// The segmentation stage.
    #[serde(default)]
    pub segments: SegmentsConfig,
    /// The scoring stage: cold-start minimum and tier cut.
    #[serde(default)]
    pub scores: ScoresConfig,
    /// A flat export with an outcome column to learn from (see [`ExportConfig`]).
    #[serde(default)]
    pub export: Option<ExportConfig>,
}

/// `[export]`: one flat file, a row per account (or deal), with an outcome column such as
/// `converted` or `churned` and any other columns as features; for teams without event
/// history. Learned and evaluated on a held-out split, by time when `date` names a column.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ExportConfig {
    /// The file, relative to the workspace (CSV, Parquet or JSON Lines).
    pub path: PathBuf,
    /// The outcome column: true/false, yes/no, y/n or 1/0; empty = not known yet (scored, not
    /// learned from).
    pub outcome: String,
    /// The column naming each row (default: its line number).
    #[serde(default)]
    pub id: Option<String>,
    /// A date column: the latest rows are held out, the ones before them calibrate.
    #[serde(default)]
    pub date: Option<String>,
    /// Columns that must not be features (e.g. the outcome's date, free text).
    #[serde(default)]
    pub ignore: Vec<String>,
}

/// `[features]`: the technology flags and the user's feature SQL.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FeaturesConfig {
    /// Technologies that get a 0/1 column (`tech_<name>`): the N most frequent among accounts.
    #[serde(default = "default_top_n_technologies")]
    pub top_n_technologies: usize,
    /// The user's features file, relative to the workspace; default: `features.sql` when the
    /// workspace has one.
    #[serde(default)]
    pub sql: Option<PathBuf>,
}

fn default_top_n_technologies() -> usize {
    20
}

impl Default for FeaturesConfig {
    fn default() -> Self {
        FeaturesConfig {
            top_n_technologies: default_top_n_technologies(),
            sql: None,
        }
    }
}

/// How tiers A/B/C are cut.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TierBy {
    /// `tier_a` and `tier_b` are shares of accounts (best first).
    #[default]
    Share,
    /// `tier_a` and `tier_b` are calibrated conversion probabilities.
    Probability,
}

/// `[scores]` in icp.toml.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScoresConfig {
    /// Below this many won deals, fall back to the lookalike score.
    #[serde(default = "default_min_labels")]
    pub min_wins: usize,
    /// Below this many lost deals, fall back to the lookalike score.
    #[serde(default = "default_min_labels")]
    pub min_losses: usize,
    #[serde(default)]
    pub tier_by: TierBy,
    /// Share of accounts in tier A, or the probability from which an account is A.
    #[serde(default = "default_tier_a")]
    pub tier_a: f64,
    /// Share of accounts in tier B, or the probability from which an account is B.
    #[serde(default = "default_tier_b")]
    pub tier_b: f64,
    /// Monotone constraints of the boosted trees: a feature column or source field (all its
    /// windows) mapped to +1 (more never lowers the score) or −1 (more never raises it).
    #[serde(default)]
    pub monotone: std::collections::BTreeMap<String, i8>,
    /// A segment with at least this many positive training rows (won deals for conversion)
    /// and `segment_min_negatives` negative ones is tried with a model of its own.
    #[serde(default = "default_segment_min_labels")]
    pub segment_min_positives: usize,
    #[serde(default = "default_segment_min_labels")]
    pub segment_min_negatives: usize,
}

fn default_segment_min_labels() -> usize {
    200
}

fn default_min_labels() -> usize {
    100
}

fn default_tier_a() -> f64 {
    0.2
}

fn default_tier_b() -> f64 {
    0.3
}

impl Default for ScoresConfig {
    fn default() -> Self {
        ScoresConfig {
            min_wins: default_min_labels(),
            min_losses: default_min_labels(),
            tier_by: TierBy::default(),
            tier_a: default_tier_a(),
            tier_b: default_tier_b(),
            monotone: Default::default(),
            segment_min_positives: default_segment_min_labels(),
            segment_min_negatives: default_segment_min_labels(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// Where results go, relative to the workspace.
    #[serde(default = "default_out_dir")]
    pub out_dir: PathBuf,
    /// The moment treated as "now": timestamps after it are quarantined as future. ISO 8601
    /// date or date-time; default: the time of the run.
    #[serde(default)]
    pub now: Option<String>,
}

fn default_out_dir() -> PathBuf {
    PathBuf::from("out")
}

impl Default for WorkspaceConfig {
    fn default() -> Self {
        WorkspaceConfig {
            out_dir: default_out_dir(),
            now: None,
        }
    }
}

/// Order of day and month in dates written with slashes, dots or dashes and numbers only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DateOrder {
    /// 03/04/2025 is March 4 (US exports: Salesforce, HubSpot with US locale).
    #[default]
    Mdy,
    /// 03/04/2025 is 3 April (European exports).
    Dmy,
}

/// How values are written in a file. Every field is optional so a table can override only
/// what differs from the workspace default.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ParseConfig {
    /// CSV field delimiter (one character, `\t` for tab). Default: detected from the header.
    pub delimiter: Option<String>,
    pub date_order: Option<DateOrder>,
    /// Thousands separator in numbers, e.g. "," for 12,500.00. Default: none.
    pub thousands_separator: Option<String>,
    /// Decimal separator. Default ".".
    pub decimal_separator: Option<String>,
    /// Separator between the items of a list cell (technologies). Default ";".
    pub list_separator: Option<String>,
}

/// Parse options with every default filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOptions {
    pub delimiter: Option<u8>,
    pub date_order: DateOrder,
    pub thousands_separator: Option<char>,
    pub decimal_separator: char,
    pub list_separator: char,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            delimiter: None,
            date_order: DateOrder::Mdy,
            thousands_separator: None,
            decimal_separator: '.',
            list_separator: ';',
        }
    }
}

/// File formats icp reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Parquet,
    Jsonl,
}

impl Format {
    /// Format named by a path's extension (`.csv`, `.tsv`, `.txt`, `.parquet`, `.jsonl`,
    /// `.ndjson`, `.json`), if any.
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "parquet" | "pq" => Some(Format::Parquet),
            "jsonl" | "ndjson" | "json" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// Where one table comes from and how its columns are named.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TableConfig {
    /// The file, relative to the workspace folder.
    pub path: PathBuf,
    /// Default: from the extension.
    #[serde(default)]
    pub format: Option<Format>,
    /// contract column = the column name in your file. Columns not listed are matched by
    /// name, ignoring case, spaces, dashes and underscores.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    /// Opportunities only: your stage or status value = open, won or lost.
    #[serde(default)]
    pub status_values: BTreeMap<String, String>,
    #[serde(default)]
    pub parse: ParseConfig,
}

impl Config {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Config::parse(&text, path)
    }

    /// Parses `text` as the content of `path` (used in messages).
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            Error::Config {
                file: path.to_path_buf(),
                line,
                column,
                message: e.message().trim().to_string(),
            }
        })?;
        config.check(path)?;
        Ok(config)
    }

    fn check(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Error::Config {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            message,
        };
        self.parse_options(None).map_err(bad)?;
        self.segments.check().map_err(bad)?;
        for (table, tc) in &self.tables {
            self.parse_options(Some(*table)).map_err(bad)?;
            for contract_name in tc.columns.keys() {
                if table.column(contract_name).is_none() {
                    let known: Vec<_> = table.columns().iter().map(|c| c.name).collect();
                    return Err(bad(format!(
                        "[tables.{table}.columns] maps `{contract_name}`, which is not a column of the {table} table (expected one of {})",
                        known.join(", ")
                    )));
                }
            }
            if !tc.status_values.is_empty() && *table != Table::Opportunities {
                return Err(bad(format!(
                    "[tables.{table}.status_values] is only for the opportunities table"
                )));
            }
            for (from, to) in &tc.status_values {
                if !crate::contract::OPPORTUNITY_STATUS.contains(&to.as_str()) {
                    return Err(bad(format!(
                        "[tables.opportunities.status_values] maps \"{from}\" to \"{to}\"; expected open, won or lost"
                    )));
                }
            }
            if tc.format.is_none() && Format::from_path(&tc.path).is_none() {
                return Err(bad(format!(
                    "[tables.{table}] path {} has no known extension; set format = \"csv\", \"parquet\" or \"jsonl\"",
                    tc.path.display()
                )));
            }
        }
        if let Some(now) = &self.workspace.now {
            crate::parse::parse_timestamp(now, DateOrder::Mdy).map_err(|_| {
                bad(format!(
                    "[workspace] now = \"{now}\" is not a date; expected ISO 8601 such as 2026-10-31 or 2026-10-31T12:00:00Z"
                ))
            })?;
        }
        Ok(())
    }

    /// The parse options of `table` (or the workspace defaults for `None`), with table
    /// overrides applied over workspace values over built-in defaults.
    pub fn parse_options(&self, table: Option<Table>) -> std::result::Result<ParseOptions, String> {
        let mut o = ParseOptions::default();
        let layers = std::iter::once(&self.parse)
            .chain(table.and_then(|t| self.tables.get(&t)).map(|tc| &tc.parse));
        for layer in layers {
            if let Some(d) = &layer.delimiter {
                o.delimiter = Some(single_byte(d, "delimiter")?);
            }
            if let Some(d) = layer.date_order {
                o.date_order = d;
            }
            if let Some(t) = &layer.thousands_separator {
                o.thousands_separator = if t.is_empty() {
                    None
                } else {
                    Some(single_char(t, "thousands_separator")?)
                };
            }
            if let Some(d) = &layer.decimal_separator {
                o.decimal_separator = single_char(d, "decimal_separator")?;
            }
            if let Some(l) = &layer.list_separator {
                o.list_separator = single_char(l, "list_separator")?;
            }
        }
        if o.thousands_separator == Some(o.decimal_separator) {
            return Err(format!(
                "thousands_separator and decimal_separator are both \"{}\"",
                o.decimal_separator
            ));
        }
        Ok(o)
    }
}

fn single_char(s: &str, what: &str) -> std::result::Result<char, String> {
    let s = if s == "\\t" { "\t" } else { s };
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => Ok(c),
        _ => Err(format!("{what} must be one character, got \"{s}\"")),
    }
}

fn single_byte(s: &str, what: &str) -> std::result::Result<u8, String> {
    let c = single_char(s, what)?;
    u8::try_from(c)
        .ok()
        .filter(u8::is_ascii)
        .ok_or_else(|| format!("{what} must be one ASCII character, got \"{s}\""))
}

/// 1-based line and column of byte offset `at` in `text`.
pub fn line_col(text: &str, at: usize) -> (u64, u64) {
    let before = &text[..at.min(text.len())];
    let line = before.matches('\n').count() as u64 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u64 + 1;
    (line, column)
}

/// The commented `icp.toml` that `icp init` writes.
pub const TEMPLATE: &str = include_str!("icp.toml.template");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_parses_to_the_built_in_defaults() {
        let c = Config::parse(TEMPLATE, Path::new("icp.toml")).unwrap();
        assert_eq!(c.workspace, WorkspaceConfig::default());
        assert_eq!(c.features, FeaturesConfig::default());
        assert_eq!(c.segments, SegmentsConfig::default());
        assert_eq!(c.scores, ScoresConfig::default());
        assert_eq!(c.parse_options(None).unwrap(), ParseOptions::default());
        for t in Table::ALL {
            assert_eq!(c.parse_options(Some(t)).unwrap(), ParseOptions::default());
        }
        assert_eq!(
            c.tables.len(),
            6,
            "the template names a file for every table"
        );
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "[workspace]\nout_dir = \"out\"\nnonsense = 3\n";
        match Config::parse(text, Path::new("x/icp.toml")) {
            Err(Error::Config { line, column, .. }) => assert_eq!((line, column), (3, 1)),
            other => panic!("expected a config error, got {other:?}"),
        }
        let text = "[tables.accounts]\npath = \"a.csv\"\n[tables.accounts.columns]\nemployes = \"Employees\"\n";
        let e = Config::parse(text, Path::new("icp.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("employes") && e.contains("employees"), "{e}");
    }

    #[test]
    fn table_overrides_workspace_parse_options() {
        let text = "[parse]\ndate_order = \"dmy\"\n[tables.opportunities]\npath = \"o.csv\"\n[tables.opportunities.parse]\nthousands_separator = \",\"\ndelimiter = \"\\\\t\"\n";
        let c = Config::parse(text, Path::new("icp.toml")).unwrap();
        let o = c.parse_options(Some(Table::Opportunities)).unwrap();
        assert_eq!(o.date_order, DateOrder::Dmy);
        assert_eq!(o.thousands_separator, Some(','));
        assert_eq!(o.delimiter, Some(b'\t'));
        assert_eq!(
            c.parse_options(Some(Table::Accounts))
                .unwrap()
                .thousands_separator,
            None
        );
    }
}
