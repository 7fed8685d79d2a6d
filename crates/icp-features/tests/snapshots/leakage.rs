//! No feature can see data at or after its as-of moment: on a generated company, moving every
//! timestamp at or after `T` 100 days later (through views over the real tables) leaves every
//! feature of the snapshot at `T` unchanged, while the labels — which must look after `T` — do
//! change. The same holds for the user's `features.sql`, even for statements written with no
//! thought of time (they read every row of every table they name). And labels whose window
//! runs past the data are NULL.

use arrow_array::RecordBatch;
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use icp_data::config::{Config, DateOrder};
use icp_data::contract::Table;
use icp_data::parse::parse_timestamp;
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_data::validate::{IngestOptions, ParquetBatches, ingest};
use icp_features::sql::DAY;
use icp_features::user::UserFeatures;
use icp_features::{FeatureBuilder, monthly_as_of};
use icp_ml::progress::NoProgress;
use std::path::Path;

fn company(dir: &Path) -> std::path::PathBuf {
    let params = WorldParams {
        accounts: 400,
        months: 10,
        seed: 3,
        dirt: DirtRates::clean(),
        ..WorldParams::default()
    };
    generate(&params, dir, &NoProgress).unwrap();
    let config = Config::load(&dir.join("icp.toml")).unwrap();
    let now = parse_timestamp(config.workspace.now.as_deref().unwrap(), DateOrder::Mdy).unwrap();
    let clean = dir.join("clean");
    let opts = IngestOptions {
        workspace: dir,
        config: &config,
        now,
        quarantine_dir: None,
    };
    ingest(
        &opts,
        &mut ParquetBatches::new(&clean).unwrap(),
        &NoProgress,
    )
    .unwrap();
    clean
}

/// Timestamp columns of each table.
fn time_columns(t: Table) -> Vec<&'static str> {
    t.columns()
        .iter()
        .filter(|c| c.ty == icp_data::contract::ColumnType::Timestamp)
        .map(|c| c.name)
        .collect()
}

/// A session whose contract-named tables are views over the real ones with every timestamp
/// at or after `t` moved `shift_days` later.
fn shifted_context(clean: &Path, t: i64, shift_days: i64) -> SessionContext {
    let ctx = SessionContext::new_with_config(icp_features::snapshot::session_config());
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for table in Table::ALL {
        let path = clean.join(format!("{table}.parquet"));
        rt.block_on(ctx.register_parquet(
            format!("raw_{table}"),
            path.to_string_lossy().as_ref(),
            ParquetReadOptions::default(),
        ))
        .unwrap();
        let times = time_columns(table);
        let select: Vec<String> = table
            .columns()
            .iter()
            .map(|c| {
                if times.contains(&c.name) {
                    format!(
                        "CASE WHEN CAST(\"{0}\" AS BIGINT) >= {t} THEN \"{0}\" + INTERVAL '{shift_days} days' ELSE \"{0}\" END AS \"{0}\"",
                        c.name
                    )
                } else {
                    format!("\"{}\"", c.name)
                }
            })
            .collect();
        let sql = format!(
            "CREATE VIEW {table} AS SELECT {} FROM raw_{table}",
            select.join(", ")
        );
        rt.block_on(async { ctx.sql(&sql).await.unwrap().collect().await.unwrap() });
    }
    ctx
}

/// User features that would leak if the tables they name were not seen as of `T`.
const NAIVE_USER_SQL: &str = r#"
SELECT account_id, COUNT(*) AS all_events, MAX(CAST("timestamp" AS BIGINT)) AS last_event
FROM events GROUP BY account_id;
SELECT account_id, SUM(CASE WHEN status = 'won' THEN amount ELSE 0 END) AS won_ever,
       MAX(CAST(closed_at AS BIGINT)) AS last_close, COUNT(*) AS deals
FROM opportunities GROUP BY account_id;
SELECT account_id, COUNT(*) AS tickets_ever, AVG(csat) AS csat_ever,
       MAX(CAST(resolved_at AS BIGINT)) AS last_resolution, AVG(sentiment(text)) AS tone_ever
FROM tickets GROUP BY account_id;
SELECT account_id, MAX(CAST(end_date AS BIGINT)) AS last_end, SUM(mrr) AS mrr_ever
FROM subscriptions GROUP BY account_id;
SELECT account_id, COUNT(*) AS verdicts FROM feedback GROUP BY account_id
"#;

fn with_user_sql(mut b: FeatureBuilder) -> FeatureBuilder {
    let user = UserFeatures::parse(Path::new("features.sql"), NAIVE_USER_SQL).unwrap();
    b.set_user_features(user).unwrap();
    b
}

fn split(b: &RecordBatch) -> (Vec<String>, Vec<String>) {
    let (mut features, mut labels) = (Vec::new(), Vec::new());
    for f in b.schema().fields() {
        if f.name().starts_with("label_") {
            labels.push(f.name().clone());
        } else {
            features.push(f.name().clone());
        }
    }
    (features, labels)
}

#[test]
fn features_never_see_data_at_or_after_the_as_of_moment() {
    let dir = tempfile::tempdir().unwrap();
    let clean = company(dir.path());
    let real = with_user_sql(FeatureBuilder::from_clean_dir(&clean, &[], &[]).unwrap());
    let (start, end) = real.data_range().unwrap().unwrap();
    let t = monthly_as_of(start, end)[2];
    assert!(t + 90 * DAY < end, "the test needs a complete label window");
    let before = real.snapshot(t, end).unwrap();
    let shifted = with_user_sql(
        FeatureBuilder::from_context(shifted_context(&clean, t, 100), &[], &[]).unwrap(),
    );
    let after = shifted.snapshot(t, end).unwrap();
    assert_eq!(before.num_rows(), after.num_rows());
    assert!(before.num_rows() >= 390, "one row per account");
    let (features, labels) = split(&before);
    assert!(features.len() > 30, "{features:?}");
    for family in [
        "tech_",
        "region",
        "active_users_30d",
        "features_used_90d",
        "rfm_",
        "mean_ticket_sentiment_90d",
        "ticket_spike_ratio",
        "usage_vs_lifetime",
        "tickets_per_month_365d",
        "typical_resolution_hours_365d",
        "mean_csat_365d",
        "all_events",
        "won_ever",
        "tone_ever",
        "last_end",
    ] {
        assert!(
            features.iter().any(|f| f.starts_with(family)),
            "{family} is covered"
        );
    }
    for f in &features {
        assert_eq!(
            before.column_by_name(f),
            after.column_by_name(f),
            "feature {f} changed when only data at or after T moved"
        );
    }
    let changed = labels
        .iter()
        .filter(|l| before.column_by_name(l) != after.column_by_name(l))
        .count();
    assert!(
        changed >= 2,
        "labels must read the window after T, so moving it must change them"
    );
}

#[test]
fn labels_past_the_end_of_the_data_are_null_and_known_ones_are_not() {
    let dir = tempfile::tempdir().unwrap();
    let clean = company(dir.path());
    let b = FeatureBuilder::from_clean_dir(&clean, &[], &[]).unwrap();
    let (start, end) = b.data_range().unwrap().unwrap();
    let plan = monthly_as_of(start, end);
    let last = b.snapshot(*plan.last().unwrap(), end).unwrap();
    let first = b.snapshot(plan[0], end).unwrap();
    for label in [
        "label_converted_90d",
        "label_opportunity_90d",
        "label_deal_amount_90d",
    ] {
        assert_eq!(
            last.column_by_name(label).unwrap().null_count(),
            last.num_rows(),
            "{label} at the end"
        );
        assert_eq!(
            first.column_by_name(label).unwrap().null_count(),
            0,
            "{label} early on"
        );
    }
    let summary = icp_features::summarise(&first, plan[0], None);
    assert!(
        summary.labels["opportunity_90d"].0 > 0.0,
        "some accounts open deals: {summary:?}"
    );
}

/// The string value of row `r` of a column.
fn text(b: &RecordBatch, name: &str, r: usize) -> String {
    let col = datafusion::arrow::compute::cast(
        b.column_by_name(name).unwrap(),
        &arrow_schema::DataType::Utf8,
    )
    .unwrap();
    arrow_array::cast::AsArray::as_string::<i32>(&col)
        .value(r)
        .to_string()
}

#[test]
fn each_deal_sees_exactly_the_snapshot_of_its_creation_moment() {
    let dir = tempfile::tempdir().unwrap();
    let clean = company(dir.path());
    let mut b = with_user_sql(FeatureBuilder::from_clean_dir(&clean, &[], &[]).unwrap());
    let (_, end) = b.data_range().unwrap().unwrap();
    let deals = b.opportunity_snapshot().unwrap();
    assert!(deals.num_rows() > 50, "{} deals", deals.num_rows());
    // Run in chunks of a few hundred paired events, the table is the same.
    b.set_max_paired_rows(300);
    assert_eq!(b.opportunity_snapshot().unwrap(), deals);
    let (features, _) = split(&b.snapshot(end, end).unwrap());
    let names: Vec<String> = deals
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n != "row_id" && n != "closed_micros" && !n.starts_with("label_"))
        .collect();
    assert_eq!(
        names, features,
        "the same feature columns in the same order"
    );
    let won = deals.column_by_name("label_won").unwrap();
    assert!(won.null_count() < deals.num_rows(), "some deals are closed");
    // Eight deals spread over the table: each row equals its account's row in a snapshot
    // taken at the deal's creation, column by column (user features included).
    let created = datafusion::arrow::compute::cast(
        deals.column_by_name("as_of_micros").unwrap(),
        &arrow_schema::DataType::Int64,
    )
    .unwrap();
    let created = created
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    let n = deals.num_rows();
    for r in (0..8).map(|k| k * (n - 1) / 7) {
        let t = created.value(r);
        let account = text(&deals, "account_id", r);
        let snap = b.snapshot(t, end).unwrap();
        let s = (0..snap.num_rows())
            .find(|&i| text(&snap, "account_id", i) == account)
            .unwrap();
        for f in &features {
            assert_eq!(
                deals.column_by_name(f).unwrap().slice(r, 1).to_data(),
                snap.column_by_name(f).unwrap().slice(s, 1).to_data(),
                "deal {} ({account} at {t}): feature {f}",
                text(&deals, "row_id", r)
            );
        }
    }
}
