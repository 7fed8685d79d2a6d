//! Benchmark driver for `bench/features.sh`: ingests a generated workspace into clean Parquet
//! (not timed), then times one as-of snapshot (the latest complete month), the per-deal table
//! (every opportunity's account as of the deal's creation) and the full monthly series with
//! every snapshot written to the feature store. Prints one JSON line with wall and
//! CPU seconds (user + system, from /proc/self/stat: on a machine shared with other work the
//! CPU time is the steadier figure).
//!
//! Usage: `features_bench WORKSPACE OUT_DIR [SERIES]`: SERIES = 0 skips the monthly series;
//! with `EXPLAIN` set in the environment it first prints `EXPLAIN ANALYZE` of the snapshot
//! query (per-operator times).

use icp_data::config::{Config, DateOrder};
use icp_data::parse::parse_timestamp;
use icp_data::validate::{IngestOptions, ParquetBatches, ingest};
use icp_features::{FeatureBuilder, monthly_as_of, write_snapshot};
use icp_ml::progress::NoProgress;
use std::path::PathBuf;
use std::time::Instant;

/// CPU seconds (user + system) this process has used so far; 0 where /proc is absent.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which ends with ')') start at field 3 (state); utime
    // and stime are fields 14 and 15, in clock ticks of 1/100 s.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let (workspace, out, series) = match args.as_slice() {
        [_, w, o] => (w, o, true),
        [_, w, o, s] => (w, o, s != "0"),
        _ => anyhow::bail!("usage: features_bench WORKSPACE OUT_DIR [SERIES]"),
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
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let builder = FeatureBuilder::from_clean_dir(&clean, &[], &[])?;
    let Some((start, end)) = builder.data_range()? else {
        anyhow::bail!("no data");
    };
    let setup = started.elapsed().as_secs_f64();
    let setup_cpu = cpu_seconds() - cpu;
    eprintln!("setup: {setup:.1} s wall, {setup_cpu:.1} s CPU");
    let end = end + 1;
    let plan = monthly_as_of(start, end);
    let one_t = plan[plan.len().saturating_sub(2)];
    if std::env::var_os("EXPLAIN").is_some() {
        let sql = builder.snapshot_query(one_t, end);
        let plan = builder.query_batches(&format!("EXPLAIN ANALYZE {sql}"), "explain")?;
        eprintln!(
            "{}",
            datafusion::arrow::util::pretty::pretty_format_batches(&plan)?
        );
    }
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let one = builder.snapshot(one_t, end)?;
    let one_secs = started.elapsed().as_secs_f64();
    let one_cpu = cpu_seconds() - cpu;
    eprintln!("one snapshot: {one_secs:.1} s wall, {one_cpu:.1} s CPU");
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let deals = builder.opportunity_snapshot()?;
    let deals_secs = started.elapsed().as_secs_f64();
    let deals_cpu = cpu_seconds() - cpu;
    eprintln!(
        "per-deal table ({} deals): {deals_secs:.1} s wall, {deals_cpu:.1} s CPU",
        deals.num_rows()
    );
    let (started, cpu) = (Instant::now(), cpu_seconds());
    let store = out.join("features");
    let plan = if series { plan } else { Vec::new() };
    for &t in &plan {
        let batch = builder.snapshot(t, end)?;
        write_snapshot(&store, &batch, t, &builder.definition_hash())?;
    }
    let series_secs = started.elapsed().as_secs_f64();
    let series_cpu = cpu_seconds() - cpu;
    println!(
        "{}",
        serde_json::json!({
            "as_of_micros": one_t,
            "accounts": one.num_rows(),
            "columns": one.num_columns(),
            "setup_seconds": setup,
            "setup_cpu_seconds": setup_cpu,
            "one_snapshot_seconds": one_secs,
            "one_snapshot_cpu_seconds": one_cpu,
            "deals": deals.num_rows(),
            "deals_seconds": deals_secs,
            "deals_cpu_seconds": deals_cpu,
            "snapshots": plan.len(),
            "series": series,
            "series_seconds": series_secs,
            "series_cpu_seconds": series_cpu,
        })
    );
    Ok(())
}
