//! Benchmark driver for `bench/features.sh`: ingests a generated workspace into clean Parquet
//! (not timed), then times one as-of snapshot (the latest complete month) and the full monthly
//! series with every snapshot written to the feature store. Prints one JSON line.
//!
//! Usage: `features_bench WORKSPACE OUT_DIR`

use icp_data::config::{Config, DateOrder};
use icp_data::parse::parse_timestamp;
use icp_data::validate::{IngestOptions, ParquetBatches, ingest};
use icp_features::{FeatureBuilder, monthly_as_of, write_snapshot};
use icp_ml::progress::NoProgress;
use std::path::PathBuf;
use std::time::Instant;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, workspace, out] = args.as_slice() else {
        anyhow::bail!("usage: features_bench WORKSPACE OUT_DIR");
    };
    let (workspace, out) = (PathBuf::from(workspace), PathBuf::from(out));
    let config = Config::load(&workspace.join("icp.toml"))?;
    let now = match config.workspace.now.as_deref() {
        Some(n) => parse_timestamp(n, DateOrder::Mdy).map_err(anyhow::Error::msg)?,
        None => anyhow::bail!("the workspace needs workspace.now"),
    };
    let clean = out.join("clean");
    if !clean.join("events.parquet").exists() {
        let started = Instant::now();
        let opts = IngestOptions {
            workspace: &workspace,
            config: &config,
            now,
            quarantine_dir: None,
        };
        ingest(&opts, &mut ParquetBatches::new(&clean)?, &NoProgress)?;
        eprintln!("ingest: {:.1} s", started.elapsed().as_secs_f64());
    }
    let started = Instant::now();
    let builder = FeatureBuilder::from_clean_dir(&clean, &[], &[])?;
    let Some((start, end)) = builder.data_range()? else {
        anyhow::bail!("no data");
    };
    let setup = started.elapsed().as_secs_f64();
    let end = end + 1;
    let plan = monthly_as_of(start, end);
    let one_t = plan[plan.len().saturating_sub(2)];
    let started = Instant::now();
    let one = builder.snapshot(one_t, end)?;
    let one_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let store = out.join("features");
    for &t in &plan {
        let batch = builder.snapshot(t, end)?;
        write_snapshot(&store, &batch, t, &builder.definition_hash())?;
    }
    let series_secs = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "as_of_micros": one_t,
            "accounts": one.num_rows(),
            "columns": one.num_columns(),
            "setup_seconds": setup,
            "one_snapshot_seconds": one_secs,
            "snapshots": plan.len(),
            "series_seconds": series_secs,
        })
    );
    Ok(())
}
