//! As-of snapshots: registers the validated tables and the identity maps in a DataFusion
//! session, runs the feature SQL for each as-of moment, and writes each snapshot to the
//! feature store (`features/asof=YYYY-MM-DD.parquet`) with its as-of moment and the hash of the
//! feature definitions in the file's metadata, so a run can be reproduced and compared. The
//! columns of the workspace's `features.sql` ([`crate::user`]) are joined onto each snapshot.

use crate::sql::{self, AsOf, DAY, Technology};
use crate::user::UserFeatures;
use crate::{Error, Result};
use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use icp_data::contract::{self, Table};
use icp_data::resolve::{Merge, ResolvedKey};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Event types that get their own count columns: the most frequent ones, at most this many.
pub const MAX_EVENT_TYPES: usize = 16;
/// Technologies that get their own flag column by default: the most frequent ones.
pub const DEFAULT_TOP_N_TECHNOLOGIES: usize = 20;
/// The features file read from a workspace when the configuration names none.
pub const DEFAULT_FEATURES_FILE: &str = "features.sql";

/// What a workspace configures about its features.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeatureOptions {
    /// Technologies with a flag column: the N most frequent among accounts.
    pub top_n_technologies: usize,
    /// The user's features file, if any.
    pub sql_file: Option<PathBuf>,
}

impl Default for FeatureOptions {
    fn default() -> Self {
        FeatureOptions {
            top_n_technologies: DEFAULT_TOP_N_TECHNOLOGIES,
            sql_file: None,
        }
    }
}

impl FeatureOptions {
    /// The options of `[features]` in a workspace's icp.toml: a named SQL file must exist;
    /// without one, `features.sql` is used when the workspace has it.
    pub fn from_config(config: &icp_data::config::FeaturesConfig, workspace: &Path) -> Self {
        let sql_file = match &config.sql {
            Some(p) => Some(workspace.join(p)),
            None => Some(workspace.join(DEFAULT_FEATURES_FILE)).filter(|p| p.is_file()),
        };
        FeatureOptions {
            top_n_technologies: config.top_n_technologies,
            sql_file,
        }
    }
}

/// What one materialised snapshot holds.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SnapshotSummary {
    /// As-of moment, RFC 3339.
    pub as_of: String,
    pub path: Option<PathBuf>,
    pub accounts: usize,
    pub features: usize,
    /// Per label column: (positives or sum, rows where the label is known).
    pub labels: BTreeMap<String, (f64, usize)>,
}

/// One customer's subscription life ([`FeatureBuilder::subscription_spans`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubscriptionSpan {
    pub account_id: String,
    /// Days from the first start to the last end, or to the end of the data.
    pub days: f64,
    /// `false` while a subscription is still running (the life is censored).
    pub ended: bool,
}

/// One purchase of a transactional customer ([`FeatureBuilder::purchases`]): an event of a
/// purchase type (`sql::PURCHASE_EVENT_TYPES`) with a value.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Purchase {
    pub account_id: String,
    pub micros: i64,
    pub value: f64,
}

/// Runs the feature SQL over one workspace's tables.
pub struct FeatureBuilder {
    ctx: SessionContext,
    runtime: tokio::runtime::Runtime,
    event_types: Vec<String>,
    technologies: Vec<Technology>,
    user: Option<UserFeatures>,
    max_paired_rows: usize,
}

/// Default cap on the account events paired with deals in one per-deal query (about 0.5 GB of
/// intermediate rows).
pub const MAX_PAIRED_ROWS: usize = 4_000_000;

/// The DataFusion settings the feature SQL runs with (use them for a context handed to
/// [`FeatureBuilder::from_context`]): plain Utf8 strings, not DataFusion's default Utf8View —
/// views of the few string columns kept the whole event table's buffers alive through every
/// join, and the final sort of one 102k-account snapshot took 25 of its 31 s
/// (docs/benchmarks.md).
pub fn session_config() -> SessionConfig {
    SessionConfig::new()
        .set_bool(
            "datafusion.execution.parquet.schema_force_view_types",
            false,
        )
        .set_bool("datafusion.sql_parser.map_string_types_to_utf8view", false)
}

/// A snapshot's moment: `as_of`, the end of the data and `as_of`'s calendar year (UTC).
fn moment(as_of: i64, data_end: i64) -> AsOf {
    let year =
        chrono::DateTime::from_timestamp_micros(as_of).map_or(1970, |d| chrono::Datelike::year(&d));
    AsOf::Moment {
        t: as_of,
        data_end,
        year,
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .map_err(|e| Error::Engine {
            context: "starting the query runtime".into(),
            message: e.to_string(),
        })
}

fn engine(context: &str) -> impl Fn(datafusion::error::DataFusionError) -> Error + '_ {
    move |e| Error::Engine {
        context: context.to_string(),
        message: e.to_string(),
    }
}

/// The identity maps as two small tables: merged accounts and resolved event identities.
fn identity_batches(merges: &[Merge], keys: &[ResolvedKey]) -> Result<(RecordBatch, RecordBatch)> {
    let utf8 = |name: &str| Field::new(name, DataType::Utf8, false);
    let col = |values: Vec<&str>| Arc::new(StringArray::from(values)) as ArrayRef;
    let merged = RecordBatch::try_new(
        Arc::new(Schema::new(vec![utf8("account_id"), utf8("into_id")])),
        vec![
            col(merges.iter().map(|m| m.account_id.as_str()).collect()),
            col(merges.iter().map(|m| m.into.as_str()).collect()),
        ],
    )
    .map_err(|e| Error::Engine {
        context: "identity tables".into(),
        message: e.to_string(),
    })?;
    let opt = |v: &Option<String>| v.as_deref().unwrap_or("").to_string();
    let owned = |values: Vec<String>| Arc::new(StringArray::from(values)) as ArrayRef;
    let event_keys = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            utf8("contact_id"),
            utf8("email"),
            utf8("domain"),
            utf8("account_id"),
        ])),
        vec![
            owned(keys.iter().map(|k| opt(&k.contact_id)).collect()),
            owned(keys.iter().map(|k| opt(&k.email)).collect()),
            owned(keys.iter().map(|k| opt(&k.domain)).collect()),
            owned(keys.iter().map(|k| k.account_id.clone()).collect()),
        ],
    )
    .map_err(|e| Error::Engine {
        context: "identity tables".into(),
        message: e.to_string(),
    })?;
    Ok((merged, event_keys))
}

/// Ties every event to its canonical account: its own account_id mapped through the merges,
/// else the account its (contact, email, domain) identity resolved to.
const EVENTS_RESOLVED: &str = r#"CREATE VIEW events_resolved AS
SELECT COALESCE(m.into_id, e.account_id, k.account_id) AS account_id,
       e."timestamp", e.event_type, e.contact_id, e.value
FROM events e
LEFT JOIN icp_merged m ON e.account_id = m.account_id
LEFT JOIN icp_event_keys k
  ON COALESCE(e.contact_id, '') = k.contact_id
 AND COALESCE(lower(trim(e.email)), '') = k.email
 AND COALESCE(e.domain, '') = k.domain
 AND e.account_id IS NULL"#;

impl FeatureBuilder {
    /// Registers `<clean_dir>/<table>.parquet` for every table (an empty table with the
    /// contract's schema where a file is absent) and the identity maps.
    pub fn from_clean_dir(
        clean_dir: &Path,
        merges: &[Merge],
        keys: &[ResolvedKey],
    ) -> Result<FeatureBuilder> {
        let runtime = runtime()?;
        let ctx = SessionContext::new_with_config(session_config());
        for t in Table::ALL {
            let path = clean_dir.join(format!("{t}.parquet"));
            if path.exists() {
                let p = path.to_string_lossy().to_string();
                runtime
                    .block_on(ctx.register_parquet(t.name(), &p, ParquetReadOptions::default()))
                    .map_err(engine(&format!("reading {}", path.display())))?;
            } else {
                let empty = RecordBatch::new_empty(contract::arrow_schema(t, &[]));
                ctx.register_batch(t.name(), empty)
                    .map_err(engine("registering an empty table"))?;
            }
        }
        FeatureBuilder::with_context(ctx, runtime, merges, keys)
    }

    /// Uses tables already registered under the contract's names (tests register in-memory
    /// tables or views over them), in a context best made with [`session_config`].
    pub fn from_context(
        ctx: SessionContext,
        merges: &[Merge],
        keys: &[ResolvedKey],
    ) -> Result<FeatureBuilder> {
        FeatureBuilder::with_context(ctx, runtime()?, merges, keys)
    }

    fn with_context(
        ctx: SessionContext,
        runtime: tokio::runtime::Runtime,
        merges: &[Merge],
        keys: &[ResolvedKey],
    ) -> Result<FeatureBuilder> {
        let (merged, event_keys) = identity_batches(merges, keys)?;
        ctx.register_batch("icp_merged", merged)
            .map_err(engine("registering merges"))?;
        ctx.register_batch("icp_event_keys", event_keys)
            .map_err(engine("registering event identities"))?;
        crate::udf::register(&ctx);
        let mut builder = FeatureBuilder {
            ctx,
            runtime,
            event_types: Vec::new(),
            technologies: Vec::new(),
            user: None,
            max_paired_rows: MAX_PAIRED_ROWS,
        };
        builder.query(EVENTS_RESOLVED, "creating events_resolved")?;
        builder.query(
            &format!(
                "CREATE TABLE {} AS SELECT account_id, CAST(\"timestamp\" AS BIGINT) AS ts, \
                 event_type, contact_id, value FROM events_resolved",
                sql::EVENTS_TABLE
            ),
            "loading the resolved events",
        )?;
        for t in Table::ALL {
            // The user's statements see the tables through as-of views over these names.
            builder.query(
                &format!("CREATE VIEW icp_src_{t} AS SELECT * FROM {t}"),
                "creating the source views",
            )?;
        }
        let types = builder.query(
            &format!(
                "SELECT event_type, COUNT(*) AS n FROM events WHERE event_type IS NOT NULL \
                 GROUP BY event_type ORDER BY n DESC, event_type LIMIT {MAX_EVENT_TYPES}"
            ),
            "listing event types",
        )?;
        for b in &types {
            let names = utf8(b.column(0), "listing event types")?;
            let names = names.as_string::<i32>();
            builder
                .event_types
                .extend((0..names.len()).map(|i| names.value(i).to_string()));
        }
        builder.event_types.sort();
        builder.technologies = builder.top_technologies(DEFAULT_TOP_N_TECHNOLOGIES)?;
        Ok(builder)
    }

    /// Applies a workspace's options: the number of technology flags and the user's
    /// features file (parsed and checked against the tables now, so a bad statement fails
    /// before any snapshot is built).
    pub fn configure(&mut self, options: &FeatureOptions) -> Result<()> {
        self.technologies = self.top_technologies(options.top_n_technologies)?;
        self.user = None;
        match &options.sql_file {
            Some(path) => self.set_user_features(UserFeatures::load(path)?),
            None => Ok(()),
        }
    }

    /// Uses the features of `user` (already parsed) from now on, after checking them.
    pub fn set_user_features(&mut self, user: UserFeatures) -> Result<()> {
        self.check_user_features(&user)?;
        self.user = Some(user);
        Ok(())
    }

    /// The `n` technologies named by the most canonical accounts (ties by name), trimmed and
    /// lower-case; none when the accounts have no `technologies` column.
    fn top_technologies(&self, n: usize) -> Result<Vec<Technology>> {
        if n == 0 || self.columns("accounts").iter().all(|c| c != "technologies") {
            return Ok(Vec::new());
        }
        let batches = self.query(
            &format!(
                "SELECT tech, COUNT(DISTINCT account_id) AS n FROM (
                   SELECT account_id, lower(trim(tech)) AS tech FROM (
                     SELECT account_id, unnest(technologies) AS tech FROM accounts
                     WHERE account_id NOT IN (SELECT account_id FROM icp_merged)) items) named
                 WHERE tech IS NOT NULL AND tech <> ''
                 GROUP BY tech ORDER BY n DESC, tech LIMIT {n}"
            ),
            "counting technologies",
        )?;
        let mut names = Vec::new();
        for b in &batches {
            let col = utf8(b.column(0), "counting technologies")?;
            let col = col.as_string::<i32>();
            names.extend((0..col.len()).map(|i| col.value(i).to_string()));
        }
        Ok(sql::technology_columns(&names))
    }

    /// Column names of a registered table or view (empty when it is unknown).
    fn columns(&self, table: &str) -> Vec<String> {
        self.runtime
            .block_on(self.ctx.table(table))
            .map(|df| {
                df.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn builtin_sql(&self, as_of: AsOf) -> String {
        sql::snapshot_sql(as_of, &self.event_types, &self.technologies)
    }

    /// The built-in query [`FeatureBuilder::snapshot`] runs for `as_of` (without the user's
    /// features), e.g. to `EXPLAIN` it.
    pub fn snapshot_query(&self, as_of: i64, data_end: i64) -> String {
        self.builtin_sql(moment(as_of, data_end))
    }

    /// Plans every user statement once: each must return `account_id` and at least one
    /// other column, none named like a built-in column, a label or another statement's.
    fn check_user_features(&self, user: &UserFeatures) -> Result<()> {
        let mut taken: std::collections::BTreeSet<String> = self
            .plan_columns(
                &self.builtin_sql(AsOf::Moment {
                    t: 0,
                    data_end: 0,
                    year: 1970,
                }),
                "planning the built-in features",
            )?
            .into_iter()
            .collect();
        for s in &user.statements {
            let sql = crate::user::wrapped(s, 0, &|t| self.columns(t));
            let columns = self
                .plan_columns(&sql, "")
                .map_err(|e| user.error(s, engine_message(e)))?;
            if !columns.iter().any(|c| c == "account_id") {
                return Err(user.error(
                    s,
                    format!(
                        "expected an account_id column beside the features, found {}",
                        columns.join(", ")
                    ),
                ));
            }
            let features: Vec<&String> = columns.iter().filter(|c| *c != "account_id").collect();
            if features.is_empty() {
                return Err(user.error(
                    s,
                    "expected at least one feature column beside account_id".into(),
                ));
            }
            for c in features {
                if c.starts_with("label_") {
                    return Err(user.error(
                        s,
                        format!("column {c}: names starting with label_ are reserved for labels"),
                    ));
                }
                if !taken.insert(c.clone()) {
                    return Err(user.error(s, format!(
                        "column {c} already exists (a built-in feature or an earlier statement): rename it"
                    )));
                }
            }
        }
        Ok(())
    }

    fn plan_columns(&self, sql: &str, context: &str) -> Result<Vec<String>> {
        let df = self
            .runtime
            .block_on(self.ctx.sql(sql))
            .map_err(engine(context))?;
        Ok(df
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect())
    }

    fn query(&self, sql: &str, context: &str) -> Result<Vec<RecordBatch>> {
        self.runtime.block_on(async {
            let df = self.ctx.sql(sql).await.map_err(engine(context))?;
            df.collect().await.map_err(engine(context))
        })
    }

    /// Runs one read-only query over the registered tables and views (`events_resolved`,
    /// `icp_merged`, the contract's tables) and collects its record batches, for stages that
    /// need the resolved rows themselves rather than a snapshot.
    pub fn query_batches(&self, sql: &str, context: &str) -> Result<Vec<RecordBatch>> {
        self.query(sql, context)
    }

    /// Event types with their own count columns.
    pub fn event_types(&self) -> &[String] {
        &self.event_types
    }

    /// Technologies with their own flag columns.
    pub fn technologies(&self) -> &[Technology] {
        &self.technologies
    }

    /// Hash of the feature definitions (the built-in SQL without its as-of moment and the
    /// user's features file), recorded with each snapshot: two snapshots with the same hash
    /// were built by the same definitions.
    pub fn definition_hash(&self) -> String {
        let mut text = self.builtin_sql(AsOf::Moment {
            t: 0,
            data_end: 0,
            year: 0,
        });
        text.push_str(&self.builtin_sql(AsOf::PerRow));
        if let Some(user) = &self.user {
            text.push_str("\n-- features file\n");
            text.push_str(&user.text);
        }
        format!("{:016x}", fnv1a(text.as_bytes()))
    }

    /// Earliest and latest moment in the data (events, deal creation, subscription starts,
    /// ticket creation), microseconds.
    pub fn data_range(&self) -> Result<Option<(i64, i64)>> {
        let sql = r#"SELECT MIN(t), MAX(t) FROM (
            SELECT CAST("timestamp" AS BIGINT) AS t FROM events
            UNION ALL SELECT CAST(created_at AS BIGINT) FROM opportunities
            UNION ALL SELECT CAST(start_date AS BIGINT) FROM subscriptions
            UNION ALL SELECT CAST(created_at AS BIGINT) FROM tickets)"#;
        let b = self.query(sql, "finding the data's time range")?;
        let Some(b) = b.first() else { return Ok(None) };
        let lo = b
            .column(0)
            .as_primitive_opt::<arrow_array::types::Int64Type>();
        let hi = b
            .column(1)
            .as_primitive_opt::<arrow_array::types::Int64Type>();
        Ok(match (lo, hi) {
            (Some(lo), Some(hi)) if lo.is_valid(0) && hi.is_valid(0) => {
                Some((lo.value(0), hi.value(0)))
            }
            _ => None,
        })
    }

    /// Every purchase before `end` (canonical account, time, value), by account and time: the
    /// transactions the BG/NBD and Gamma–Gamma lifetime value is fitted on.
    pub fn purchases(&self, end: i64) -> Result<Vec<Purchase>> {
        let context = "listing purchases";
        let batches = self.query(
            &format!(
                "SELECT account_id, ts, CAST(value AS DOUBLE) AS value FROM {}
                 WHERE event_type IN ({}) AND value IS NOT NULL AND account_id IS NOT NULL
                   AND ts < {end}
                 ORDER BY account_id, ts",
                sql::EVENTS_TABLE,
                sql::PURCHASE_EVENT_TYPES.map(sql::quote).join(", ")
            ),
            context,
        )?;
        let mut out = Vec::new();
        for b in &batches {
            let ids = utf8(b.column(0), context)?;
            let ids = ids.as_string::<i32>();
            let micros = numbers_i64(Some(b.column(1)));
            let values = b.column(2).as_primitive::<Float64Type>();
            for (i, &t) in micros.iter().enumerate() {
                out.push(Purchase {
                    account_id: ids.value(i).to_string(),
                    micros: t,
                    value: values.value(i),
                });
            }
        }
        Ok(out)
    }

    /// Each customer's subscription life up to `end`: from its first subscription's start to
    /// the end of its last one, or still running at `end` (censored), per canonical account.
    /// Gaps between subscriptions count as part of the life.
    pub fn subscription_spans(&self, end: i64) -> Result<Vec<SubscriptionSpan>> {
        let context = "measuring subscription lives";
        let batches = self.query(
            &format!(
                "SELECT account_id,
                   CAST(MAX(LEAST(COALESCE(end_t, {end}), {end})) - MIN(start_t) AS DOUBLE) / {DAY} AS days,
                   MIN(CASE WHEN end_t IS NULL OR end_t >= {end} THEN 0 ELSE 1 END) AS ended
                 FROM (SELECT COALESCE(m.into_id, s.account_id) AS account_id,
                         CAST(s.start_date AS BIGINT) AS start_t, CAST(s.end_date AS BIGINT) AS end_t
                       FROM subscriptions s LEFT JOIN icp_merged m ON s.account_id = m.account_id
                       WHERE s.start_date IS NOT NULL) subs
                 WHERE start_t < {end} AND account_id IS NOT NULL
                 GROUP BY account_id ORDER BY account_id"
            ),
            context,
        )?;
        let mut out = Vec::new();
        for b in &batches {
            let ids = utf8(b.column(0), context)?;
            let ids = ids.as_string::<i32>();
            let days = cast_f64(b.column(1)).ok_or_else(|| Error::Engine {
                context: context.into(),
                message: "the span is not numeric".into(),
            })?;
            let days = days.as_primitive::<Float64Type>();
            let ended = numbers_i64(Some(b.column(2)));
            for (i, &ended) in ended.iter().enumerate() {
                out.push(SubscriptionSpan {
                    account_id: ids.value(i).to_string(),
                    days: days.value(i).max(0.0),
                    ended: ended == 1,
                });
            }
        }
        Ok(out)
    }

    /// One row per canonical account as of `as_of` (microseconds); labels are NULL where their
    /// window runs past `data_end`.
    pub fn snapshot(&self, as_of: i64, data_end: i64) -> Result<RecordBatch> {
        let base = self.builtin(moment(as_of, data_end), "building a feature snapshot")?;
        match &self.user {
            Some(user) => self.join_user_features(base, user, &[as_of]),
            None => Ok(base),
        }
    }

    /// One row per opportunity with a creation date, its account's features as of that
    /// moment (strictly before it: the same definitions as a snapshot's), then
    /// `closed_micros`, `label_won` (1 won, 0 lost, NULL still open) and `label_amount` (the
    /// deal's amount). Keys first: `row_id` (the opportunity id), `account_id` (canonical),
    /// `as_of_micros` (creation). Rows are ordered by opportunity id.
    pub fn opportunity_snapshot(&self) -> Result<RecordBatch> {
        let context = "listing opportunities for their as-of features";
        let rows = self.query(
            "SELECT o.opportunity_id AS row_id,
                   COALESCE(m.into_id, o.account_id) AS account_id,
                   CAST(o.created_at AS BIGINT) AS t,
                   CASE WHEN o.status IN ('won', 'lost') THEN CAST(o.closed_at AS BIGINT) END AS closed_micros,
                   CASE o.status WHEN 'won' THEN 1 WHEN 'lost' THEN 0 END AS won,
                   CAST(o.amount AS DOUBLE) AS amount
                 FROM opportunities o LEFT JOIN icp_merged m ON o.account_id = m.account_id
                 WHERE o.created_at IS NOT NULL AND o.opportunity_id IS NOT NULL
                   AND COALESCE(m.into_id, o.account_id) IN (SELECT account_id FROM accounts)
                 ORDER BY row_id",
            context,
        )?;
        let schema = match rows.first() {
            Some(b) => b.schema(),
            None => self.plan_schema(
                "SELECT CAST(NULL AS VARCHAR) AS row_id, CAST(NULL AS VARCHAR) AS account_id, \
                 CAST(NULL AS BIGINT) AS t, CAST(NULL AS BIGINT) AS closed_micros, \
                 CAST(NULL AS BIGINT) AS won, CAST(NULL AS DOUBLE) AS amount",
                context,
            )?,
        };
        let table = datafusion::arrow::compute::concat_batches(&schema, &rows).map_err(|e| {
            Error::Engine {
                context: context.into(),
                message: e.to_string(),
            }
        })?;
        // Each deal is paired with its account's events: run the deals in chunks whose
        // accounts hold at most `max_paired_rows` events together, so memory stays bounded
        // (one query over 100k accounts' deals paired ~10M events many times over and ran
        // out of 24 GB).
        let mut parts = Vec::new();
        for (offset, len) in self.deal_chunks(&table)? {
            let _ = self.ctx.deregister_table(sql::AS_OF_TABLE);
            self.ctx
                .register_batch(sql::AS_OF_TABLE, table.slice(offset, len))
                .map_err(engine(context))?;
            let part = self.builtin(AsOf::PerRow, "building the opportunities' features");
            let _ = self.ctx.deregister_table(sql::AS_OF_TABLE);
            parts.push(part?);
        }
        let base = match parts.first() {
            Some(first) => datafusion::arrow::compute::concat_batches(&first.schema(), &parts)
                .map_err(|e| Error::Engine {
                    context: context.into(),
                    message: e.to_string(),
                })?,
            None => {
                return Err(Error::Engine {
                    context: context.into(),
                    message: "no chunk of deals was built".into(),
                });
            }
        };
        match &self.user {
            Some(user) => {
                let t = numbers_i64(base.column_by_name("as_of_micros"));
                self.join_user_features(base, user, &t)
            }
            None => Ok(base),
        }
    }

    /// Consecutive chunks `(offset, len)` of the deals in `table` (columns `row_id`,
    /// `account_id`, …) whose accounts hold at most `max_paired_rows` events together (a
    /// single deal may exceed it alone); one empty chunk when there are no deals.
    fn deal_chunks(&self, table: &RecordBatch) -> Result<Vec<(usize, usize)>> {
        let context = "counting events per account";
        let mut events: std::collections::HashMap<String, usize> = Default::default();
        for b in self.query(
            &format!(
                "SELECT account_id, COUNT(*) AS n FROM {} WHERE account_id IS NOT NULL \
                 GROUP BY account_id",
                sql::EVENTS_TABLE
            ),
            context,
        )? {
            let ids = utf8(b.column(0), context)?;
            let ids = ids.as_string::<i32>();
            let n = numbers_i64(Some(b.column(1)));
            for (i, &n) in n.iter().enumerate() {
                events.insert(ids.value(i).to_string(), n.max(0) as usize);
            }
        }
        let ids = utf8(table.column(1), context)?;
        let ids = ids.as_string::<i32>();
        let mut chunks = Vec::new();
        let (mut start, mut paired) = (0, 0);
        for i in 0..table.num_rows() {
            let n = 1 + events.get(ids.value(i)).copied().unwrap_or(0);
            if i > start && paired + n > self.max_paired_rows {
                chunks.push((start, i - start));
                (start, paired) = (i, 0);
            }
            paired += n;
        }
        chunks.push((start, table.num_rows() - start));
        Ok(chunks)
    }

    /// Caps the events paired with deals in one query of
    /// [`FeatureBuilder::opportunity_snapshot`] (default [`MAX_PAIRED_ROWS`]); the result
    /// does not depend on it.
    pub fn set_max_paired_rows(&mut self, n: usize) {
        self.max_paired_rows = n.max(1);
    }

    /// The built-in feature query at `as_of`, as one batch.
    fn builtin(&self, as_of: AsOf, context: &str) -> Result<RecordBatch> {
        let sql = self.builtin_sql(as_of);
        let batches = self.query(&sql, context)?;
        let schema = match batches.first() {
            Some(b) => b.schema(),
            None => self.plan_schema(&sql, context)?,
        };
        datafusion::arrow::compute::concat_batches(&schema, &batches).map_err(|e| Error::Engine {
            context: context.into(),
            message: e.to_string(),
        })
    }

    fn plan_schema(&self, sql: &str, context: &str) -> Result<Arc<Schema>> {
        let df = self
            .runtime
            .block_on(self.ctx.sql(sql))
            .map_err(engine(context))?;
        Ok(Arc::new(df.schema().as_arrow().clone()))
    }

    /// Runs each user statement as of each row's moment (`as_of` holds one moment for all
    /// rows, or one per row: each statement then runs once per distinct moment) and joins its
    /// columns onto `base` by account (NULL where a statement has no row), after the built-in
    /// features and before the outcome columns.
    fn join_user_features(
        &self,
        base: RecordBatch,
        user: &UserFeatures,
        as_of: &[i64],
    ) -> Result<RecordBatch> {
        let ids = utf8(
            base.column_by_name("account_id").unwrap_or(base.column(0)),
            "reading snapshot account ids",
        )?;
        let ids = ids.as_string::<i32>();
        let moment = |i: usize| if as_of.len() == 1 { as_of[0] } else { as_of[i] };
        // Rows per distinct moment, then per account.
        let mut by_moment: BTreeMap<i64, std::collections::HashMap<&str, Vec<usize>>> =
            BTreeMap::new();
        for i in 0..ids.len() {
            by_moment
                .entry(moment(i))
                .or_default()
                .entry(ids.value(i))
                .or_default()
                .push(i);
        }
        let schema = base.schema();
        let n_features = schema
            .fields()
            .iter()
            .take_while(|f| !f.name().starts_with("label_") && f.name() != "closed_micros")
            .count();
        let mut fields: Vec<Field> = schema.fields()[..n_features]
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        let mut columns: Vec<ArrayRef> = base.columns()[..n_features].to_vec();
        for s in &user.statements {
            // take() index per base row into the statement's results, stacked over moments.
            let mut take = vec![None; base.num_rows()];
            let mut results: Vec<RecordBatch> = Vec::new();
            let mut offset = 0usize;
            for (&t, rows_of) in &by_moment {
                let sql = crate::user::wrapped(s, t, &|t| self.columns(t));
                let batches = self
                    .query(&sql, "")
                    .map_err(|e| user.error(s, engine_message(e)))?;
                let Some(first) = batches.first() else {
                    continue;
                };
                let out = datafusion::arrow::compute::concat_batches(&first.schema(), &batches)
                    .map_err(|e| user.error(s, e.to_string()))?;
                let key = out
                    .schema()
                    .index_of("account_id")
                    .map_err(|e| user.error(s, e.to_string()))?;
                let keys =
                    utf8(out.column(key), "").map_err(|e| user.error(s, engine_message(e)))?;
                let keys = keys.as_string::<i32>();
                let mut seen = std::collections::HashSet::new();
                for r in 0..keys.len() {
                    if keys.is_null(r) {
                        return Err(user.error(s, format!("row {} has no account_id", r + 1)));
                    }
                    let id = keys.value(r);
                    if !seen.insert(id) {
                        return Err(user.error(
                            s,
                            format!("account {id} has more than one row: expected one row per account (GROUP BY account_id)"),
                        ));
                    }
                    for &i in rows_of.get(id).into_iter().flatten() {
                        take[i] = Some((offset + r) as u32);
                    }
                }
                offset += out.num_rows();
                results.push(out);
            }
            // No rows at any moment: the statement's columns, all NULL, so every table built
            // by one definition has the same columns.
            let out_schema = match results.first() {
                Some(first) => first.schema(),
                None => self
                    .plan_schema(&crate::user::wrapped(s, 0, &|t| self.columns(t)), "")
                    .map_err(|e| user.error(s, engine_message(e)))?,
            };
            let out = datafusion::arrow::compute::concat_batches(&out_schema, &results)
                .map_err(|e| user.error(s, e.to_string()))?;
            let key = out_schema
                .index_of("account_id")
                .map_err(|e| user.error(s, e.to_string()))?;
            let take = arrow_array::UInt32Array::from(take);
            for (i, f) in out_schema.fields().iter().enumerate() {
                if i == key {
                    continue;
                }
                let col = if results.is_empty() {
                    arrow_array::new_null_array(f.data_type(), base.num_rows())
                } else {
                    datafusion::arrow::compute::take(out.column(i), &take, None)
                        .map_err(|e| user.error(s, e.to_string()))?
                };
                fields.push(f.as_ref().clone().with_nullable(true));
                columns.push(col);
            }
        }
        fields.extend(
            schema.fields()[n_features..]
                .iter()
                .map(|f| f.as_ref().clone()),
        );
        columns.extend(base.columns()[n_features..].iter().cloned());
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(|e| Error::Engine {
            context: "joining user features".into(),
            message: e.to_string(),
        })
    }
}

/// An integer column's values (0 where NULL or absent).
fn numbers_i64(col: Option<&ArrayRef>) -> Vec<i64> {
    let Some(col) = col else { return Vec::new() };
    match datafusion::arrow::compute::cast(col, &DataType::Int64) {
        Ok(c) => {
            let v = c.as_primitive::<arrow_array::types::Int64Type>();
            (0..v.len())
                .map(|i| if v.is_valid(i) { v.value(i) } else { 0 })
                .collect()
        }
        Err(_) => vec![0; col.len()],
    }
}

/// A string column as plain Utf8 (Parquet strings may come back as Utf8View).
fn utf8(col: &ArrayRef, context: &str) -> Result<ArrayRef> {
    datafusion::arrow::compute::cast(col, &DataType::Utf8).map_err(|e| Error::Engine {
        context: context.to_string(),
        message: e.to_string(),
    })
}

/// The engine's own message of an error, without icp's context.
fn engine_message(e: Error) -> String {
    match e {
        Error::Engine { message, .. } => message,
        other => other.to_string(),
    }
}

/// FNV-1a, 64 bits: a stable hash of the definitions (std's hasher is not stable across
/// releases).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Days of history before the first snapshot: until then every window reaches back past the
/// start of the data (every contact is first seen, every count starts from nothing).
pub const WARM_UP_DAYS: i64 = 90;

/// Monthly as-of moments: the first of each month from [`WARM_UP_DAYS`] after `start` up to
/// `end`, then `end` itself (the serving snapshot, whose labels are unknown).
pub fn monthly_as_of(start: i64, end: i64) -> Vec<i64> {
    use chrono::{Datelike, NaiveDate};
    let Some(first) = chrono::DateTime::from_timestamp_micros(start + WARM_UP_DAYS * DAY) else {
        return vec![];
    };
    let (mut y, mut m) = (first.year(), first.month());
    let mut out = Vec::new();
    loop {
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
        let Some(d) = NaiveDate::from_ymd_opt(y, m, 1) else {
            break;
        };
        let t = d
            .and_hms_opt(0, 0, 0)
            .map_or(i64::MAX, |x| x.and_utc().timestamp_micros());
        if t >= end {
            break;
        }
        out.push(t);
    }
    out.push(end);
    out
}

/// Counts features and label outcomes of a snapshot.
pub fn summarise(batch: &RecordBatch, as_of: i64, path: Option<PathBuf>) -> SnapshotSummary {
    let schema = batch.schema();
    let mut labels = BTreeMap::new();
    let mut features = 0;
    for (i, f) in schema.fields().iter().enumerate() {
        if let Some(label) = f.name().strip_prefix("label_") {
            let col = datafusion::arrow::compute::cast(batch.column(i), &DataType::Float64);
            if let Ok(col) = col {
                let v = col.as_primitive::<Float64Type>();
                let known = v.len() - v.null_count();
                let total: f64 = v.iter().flatten().sum();
                labels.insert(label.to_string(), (total, known));
            }
        } else if !is_key_column(f.name()) {
            features += 1;
        }
    }
    SnapshotSummary {
        as_of: chrono::DateTime::from_timestamp_micros(as_of)
            .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string()),
        path,
        accounts: batch.num_rows(),
        features,
        labels,
    }
}

/// Columns of a snapshot or the opportunity table that are neither features nor labels: keys,
/// as-of moment, and the closing moment of an opportunity.
pub const KEY_COLUMNS: [&str; 4] = ["account_id", "as_of_micros", "row_id", "closed_micros"];

/// Whether `name` is one of [`KEY_COLUMNS`].
pub fn is_key_column(name: &str) -> bool {
    KEY_COLUMNS.contains(&name)
}

/// Writes a snapshot to `<dir>/asof=YYYY-MM-DD.parquet` with `icp.as_of` and
/// `icp.definition_hash` in its metadata.
pub fn write_snapshot(
    dir: &Path,
    batch: &RecordBatch,
    as_of: i64,
    definition_hash: &str,
) -> Result<PathBuf> {
    let day = chrono::DateTime::from_timestamp_micros(as_of)
        .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string());
    let path = dir.join(format!("asof={day}.parquet"));
    write_parquet(
        &path,
        batch,
        &[
            ("icp.as_of", as_of.to_string()),
            ("icp.definition_hash", definition_hash.to_string()),
        ],
    )?;
    Ok(path)
}

/// File name of the per-opportunity features in the feature store.
pub const OPPORTUNITIES_FILE: &str = "opportunities.parquet";

/// Writes the per-opportunity features ([`FeatureBuilder::opportunity_snapshot`]) to
/// `<dir>/opportunities.parquet` with `icp.definition_hash` in its metadata.
pub fn write_opportunities(
    dir: &Path,
    batch: &RecordBatch,
    definition_hash: &str,
) -> Result<PathBuf> {
    let path = dir.join(OPPORTUNITIES_FILE);
    write_parquet(
        &path,
        batch,
        &[("icp.definition_hash", definition_hash.to_string())],
    )?;
    Ok(path)
}

fn write_parquet(path: &Path, batch: &RecordBatch, metadata: &[(&str, String)]) -> Result<()> {
    use parquet::file::metadata::KeyValue;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::Io {
            path: dir.to_path_buf(),
            message: e.to_string(),
        })?;
    }
    let io = |e: &dyn std::fmt::Display| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::SNAPPY)
        .set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.to_string(), v.clone()))
                .collect(),
        ))
        .build();
    let file = std::fs::File::create(path).map_err(|e| io(&e))?;
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| io(&e))?;
    w.write(batch).map_err(|e| io(&e))?;
    w.close().map_err(|e| io(&e))?;
    Ok(())
}

/// A numeric column as Float64 (nulls kept); `None` for non-numeric columns.
pub fn cast_f64(col: &ArrayRef) -> Option<ArrayRef> {
    datafusion::arrow::compute::cast(col, &DataType::Float64).ok()
}
