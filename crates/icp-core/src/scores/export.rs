//! Learning from a flat export (`[export]` in icp.toml): one row per account or deal with an
//! outcome column, for teams without event history. The rows with a known outcome are cut
//! into ten equal periods — by date when the export has a date column (the latest tenth held
//! out, the tenth before it calibrates, the rest train, with rolling-origin folds over them),
//! else every tenth row in file order — and go through the same training, calibration and
//! evaluation as the built-in tasks ([`super::train_task`]). Every row, labelled or not, is
//! then scored: probability (`p_<outcome>`), 0–100 score, tier and reasons, in
//! `out/export_scores.csv`, which `icp explain ID` reads for an export row.

use super::bundle::ModelBundle;
use super::output::{AccountsTable, Values};
use super::{
    DAY_MICROS, ScoresParams, Task, TaskReport, percentile_scores, reason_columns, row_reasons,
    tiers, train_task,
};
use crate::Result;
use icp_data::export::{ExportTable, ExportValues};
use icp_ml::recipe::{Column, Frame};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The task an export trains.
pub const EXPORT_TASK: Task = Task {
    name: "export",
    label: "outcome",
    window_days: 1,
    column: "p_outcome",
    subscribers_only: false,
    per_opportunity: false,
};

/// Equal parts the labelled rows are cut into (test, calibration and training periods).
const PERIODS: usize = 10;

/// What learning from the export found.
#[derive(Debug, Clone, Serialize)]
pub struct ExportReport {
    /// The export file.
    pub path: String,
    /// Its outcome column.
    pub outcome: String,
    pub rows: usize,
    /// Rows with a known outcome, and how many of them are positive.
    pub labelled: usize,
    pub positives: usize,
    /// `date` (the latest rows held out) or `file order` (every tenth row).
    pub split_by: String,
    pub feature_columns: usize,
    /// The trained task; `None` with the reason in `skipped`.
    pub task: Option<TaskReport>,
    pub skipped: Option<String>,
}

/// The report, the scored rows and the saved model.
pub struct ExportOutcome {
    pub report: ExportReport,
    pub scores: AccountsTable,
    pub bundle: Option<ModelBundle>,
}

/// The export's feature columns as a frame.
fn frame(table: &ExportTable) -> Result<Frame> {
    let columns = table
        .columns
        .iter()
        .map(|c| match &c.values {
            ExportValues::Numeric(v) => Column::numeric(&c.name, &c.name, v.clone()),
            ExportValues::Categorical(v) => Column::categorical(&c.name, &c.name, v.clone()),
        })
        .collect();
    Ok(Frame::new(columns)?)
}

/// The labelled rows by period (keys one day apart, so the task's one-day window separates
/// them): by date, ties in file order, else every `PERIODS`-th row in file order.
fn periods(table: &ExportTable) -> BTreeMap<i64, Vec<usize>> {
    let mut labelled: Vec<usize> = (0..table.outcome.len())
        .filter(|&r| table.outcome[r].is_some())
        .collect();
    let n = labelled.len();
    let mut out: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    match &table.dates {
        Some(dates) => {
            labelled.sort_by_key(|&r| (dates[r], r));
            for (k, &r) in labelled.iter().enumerate() {
                let period = k * PERIODS / n.max(1);
                out.entry(period as i64 * DAY_MICROS).or_default().push(r);
            }
        }
        None => {
            for (k, &r) in labelled.iter().enumerate() {
                let period = k % PERIODS;
                out.entry(period as i64 * DAY_MICROS).or_default().push(r);
            }
        }
    }
    out
}

/// Trains on the export's labelled rows and scores every row.
pub fn run(table: &ExportTable, params: &ScoresParams) -> Result<ExportOutcome> {
    let features = frame(table)?;
    let label: Vec<f64> = table
        .outcome
        .iter()
        .map(|o| o.map_or(f64::NAN, |v| f64::from(u8::from(v))))
        .collect();
    let labelled = table.outcome.iter().filter(|o| o.is_some()).count();
    let positives = table.outcome.iter().filter(|o| **o == Some(true)).count();
    let mut report = ExportReport {
        path: table.path.display().to_string(),
        outcome: table.outcome_name.clone(),
        rows: table.ids.len(),
        labelled,
        positives,
        split_by: if table.dates.is_some() {
            "date"
        } else {
            "file order"
        }
        .to_string(),
        feature_columns: table.columns.len(),
        task: None,
        skipped: None,
    };
    let mut scores = AccountsTable::default();
    scores.set(
        "id",
        Values::Text(table.ids.iter().cloned().map(Some).collect()),
    )?;
    scores.set(
        &table.outcome_name,
        Values::Text(
            table
                .outcome
                .iter()
                .map(|o| o.map(|v| v.to_string()))
                .collect(),
        ),
    )?;
    let negatives = labelled - positives;
    let trained = if positives < params.min_wins || negatives < params.min_losses {
        Err(format!(
            "{positives} positive and {negatives} negative outcomes, below the minimum of {} \
             and {} ([scores] min_wins, min_losses): no model is trained",
            params.min_wins, params.min_losses
        ))
    } else {
        let rows = (
            &features,
            label.as_slice(),
            periods(table),
            table.ids.as_slice(),
        );
        train_task(&rows, EXPORT_TASK, params)?
    };
    let (task, bundle) = match trained {
        Ok(trained) => trained,
        Err(reason) => {
            report.skipped = Some(reason);
            return Ok(ExportOutcome {
                report,
                scores,
                bundle: None,
            });
        }
    };
    let scored = bundle.score(&features)?;
    let contributions = bundle.contributions(&scored)?;
    let score = percentile_scores(&scored.raw);
    let tier = tiers(params.tiers, &score, &scored.probability);
    let explained = row_reasons(
        &bundle.recipe,
        &contributions.values,
        &scored.raw,
        contributions.base,
        &score,
        &features,
    );
    scores.set(
        &format!("p_{}", table.outcome_name),
        Values::Number(scored.probability),
    )?;
    scores.set(
        "score",
        Values::Number(score.iter().map(|s| s.round()).collect()),
    )?;
    scores.set(
        "tier",
        Values::Text(tier.iter().map(|t| Some(t.to_string())).collect()),
    )?;
    reason_columns(&mut scores, &explained)?;
    report.task = Some(task);
    Ok(ExportOutcome {
        report,
        scores,
        bundle: Some(bundle),
    })
}

/// Writes `export_scores.csv`, `export_scores.parquet` and `models/export.json` into `dir`.
pub fn write(outcome: &ExportOutcome, dir: &Path) -> Result<()> {
    outcome.scores.write_csv(&dir.join("export_scores.csv"))?;
    outcome
        .scores
        .write_parquet(&dir.join("export_scores.parquet"))?;
    if let Some(bundle) = &outcome.bundle {
        let models = dir.join("models");
        std::fs::create_dir_all(&models).map_err(|e| icp_data::Error::io(&models, e))?;
        bundle.save(&models.join("export.json"))?;
    }
    Ok(())
}

/// The score, tier and reasons of the export row `id` from `export_scores.csv`, as printed by
/// `icp explain`.
pub fn explain(path: &Path, id: &str) -> Result<String> {
    let unusable = |e: csv::Error| {
        icp_data::Error::unusable(
            path,
            e.to_string(),
            "the export scores written by `icp run`",
        )
    };
    let mut reader = csv::Reader::from_path(path).map_err(unusable)?;
    let headers = reader.headers().map_err(unusable)?.clone();
    if !headers.iter().any(|h| h == "score") {
        return Err(icp_data::Error::InvalidArgument(format!(
            "{} has no scores: no model was trained on the export (the report says why)",
            path.display()
        ))
        .into());
    }
    let mut rows = 0usize;
    for record in reader.records() {
        let record = record.map_err(unusable)?;
        rows += 1;
        if record.get(0) != Some(id) {
            continue;
        }
        let field = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .unwrap_or("")
        };
        let probability = headers
            .iter()
            .position(|h| h.starts_with("p_"))
            .map_or((String::new(), ""), |i| {
                (headers[i][2..].to_string(), record.get(i).unwrap_or(""))
            });
        let mut s = format!(
            "{id}: score {}, tier {} (P({}) {})\n",
            field("score"),
            field("tier"),
            probability.0,
            probability
                .1
                .parse::<f64>()
                .map_or("?".to_string(), |p| format!("{:.1}%", 100.0 * p))
        );
        let reasons = |dir: &str| -> Vec<&str> {
            (1..=3)
                .map(|k| field(&format!("reason_{k}_{dir}")))
                .filter(|r| !r.is_empty())
                .collect()
        };
        super::reasons::push_lists(&mut s, &reasons("up"), &reasons("down"));
        return Ok(s);
    }
    Err(icp_data::Error::InvalidArgument(format!(
        "`{id}` is not among the {rows} rows of {}",
        path.display()
    ))
    .into())
}
