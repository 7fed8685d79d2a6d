//! The feature stage: materialises monthly as-of snapshots of every account, and the features
//! of every opportunity's account at the opportunity's creation, into the feature store
//! (`out/features/`) and measures them for the report: coverage (missing share per feature)
//! and the strongest univariate signals for each label (ROC-AUC of the feature alone, on all
//! rows whose label is known).

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use icp_data::resolve::{Merge, ResolvedKey};
use icp_features::{
    FeatureBuilder, FeatureOptions, SnapshotSummary, monthly_as_of,
    snapshot::{Purchase, SubscriptionSpan, write_opportunities},
    summarise, write_snapshot,
};
use icp_ml::progress::Progress;
use serde::Serialize;
use std::path::Path;

/// Binary labels whose univariate signals the report shows.
pub const SIGNAL_LABELS: [&str; 5] = [
    "label_won",
    "label_converted_90d",
    "label_opportunity_90d",
    "label_churned_60d",
    "label_expanded_90d",
];

/// One feature's strength for one label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Signal {
    pub feature: String,
    /// ROC-AUC of the feature alone (0.5 = no signal; below 0.5 = higher means less likely).
    pub auc: f64,
}

/// What the feature stage produced.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FeatureReport {
    pub definition_hash: String,
    pub event_types: Vec<String>,
    pub snapshots: Vec<SnapshotSummary>,
    /// The per-opportunity features (each opportunity's account as of its creation), with
    /// `won` counted among the closed ones.
    pub opportunities: Option<SnapshotSummary>,
    /// Each customer's subscription life up to the end of the data (for lifetime value).
    #[serde(skip)]
    pub subscription_spans: Vec<SubscriptionSpan>,
    /// Every purchase before the end of the data (for transactional lifetime value).
    #[serde(skip)]
    pub purchases: Vec<Purchase>,
    /// Missing share per feature in the latest snapshot.
    pub missing: Vec<(String, f64)>,
    /// Per label, the strongest features (largest |AUC − 0.5|), at most 10.
    pub signals: Vec<(String, Vec<Signal>)>,
}

fn as_f64(b: &RecordBatch, name: &str) -> Option<Vec<Option<f64>>> {
    let col = b.column_by_name(name)?;
    if !col.data_type().is_numeric() {
        return None;
    }
    let cast = icp_features::snapshot::cast_f64(col)?;
    let v = cast.as_primitive::<Float64Type>();
    Some(
        (0..v.len())
            .map(|i| v.is_valid(i).then(|| v.value(i)).filter(|x| x.is_finite()))
            .collect(),
    )
}

/// One label's pooled rows: (label, values of each numeric feature, outcomes).
type Pooled = (String, Vec<(String, Vec<f64>)>, Vec<bool>);

/// Builds, writes and measures the snapshots of a workspace's validated tables.
pub fn build(
    clean_dir: &Path,
    out_dir: &Path,
    merges: &[Merge],
    keys: &[ResolvedKey],
    options: &FeatureOptions,
    progress: &dyn Progress,
) -> icp_features::Result<FeatureReport> {
    let mut builder = FeatureBuilder::from_clean_dir(clean_dir, merges, keys)?;
    builder.configure(options)?;
    let Some((start, end)) = builder.data_range()? else {
        return Ok(FeatureReport::default());
    };
    let end = end + 1;
    let plan = monthly_as_of(start, end);
    let hash = builder.definition_hash();
    progress.start("building feature snapshots", plan.len() as u64);
    let mut report = FeatureReport {
        definition_hash: hash.clone(),
        event_types: builder.event_types().to_vec(),
        ..FeatureReport::default()
    };
    // Per label: (score per feature, outcome) pooled over snapshots with known labels.
    let mut pooled: Vec<Pooled> = SIGNAL_LABELS
        .iter()
        .map(|l| (l.to_string(), Vec::new(), Vec::new()))
        .collect();
    let mut last = None;
    for &t in &plan {
        let batch = builder.snapshot(t, end)?;
        let path = write_snapshot(out_dir, &batch, t, &hash)?;
        report.snapshots.push(summarise(&batch, t, Some(path)));
        pool(&batch, &mut pooled);
        last = Some(batch);
        progress.advance(1);
    }
    let opportunities = builder.opportunity_snapshot()?;
    let path = write_opportunities(out_dir, &opportunities, &hash)?;
    report.opportunities = Some(summarise(&opportunities, end, Some(path)));
    pool(&opportunities, &mut pooled);
    report.subscription_spans = builder.subscription_spans(end)?;
    report.purchases = builder.purchases(end)?;
    progress.finish();
    if let Some(b) = &last {
        report.missing = feature_names(b)
            .into_iter()
            .map(|f| {
                let col = b.column_by_name(&f).map_or(0, |c| c.null_count());
                (f, col as f64 / b.num_rows().max(1) as f64)
            })
            .collect();
    }
    for (label, features, outcomes) in pooled {
        let mut signals: Vec<Signal> = features
            .into_iter()
            .filter_map(|(feature, scores)| {
                icp_ml::weights::roc_auc(&scores, &outcomes)
                    .ok()
                    .map(|auc| Signal { feature, auc })
            })
            .collect();
        signals.sort_by(|a, b| (b.auc - 0.5).abs().total_cmp(&(a.auc - 0.5).abs()));
        signals.truncate(10);
        if !signals.is_empty() {
            report
                .signals
                .push((label.trim_start_matches("label_").to_string(), signals));
        }
    }
    Ok(report)
}

fn feature_names(b: &RecordBatch) -> Vec<String> {
    b.schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| !icp_features::snapshot::is_key_column(n) && !n.starts_with("label_"))
        .collect()
}

/// Adds a snapshot's rows with a known label to the pooled signal data; missing feature
/// values count as 0 for the univariate AUC (absence is the signal there).
fn pool(b: &RecordBatch, pooled: &mut [Pooled]) {
    let numeric: Vec<String> = feature_names(b)
        .into_iter()
        .filter(|f| {
            b.column_by_name(f)
                .is_some_and(|c| c.data_type().is_numeric() && *c.data_type() != DataType::Null)
        })
        .collect();
    for (label, features, outcomes) in pooled.iter_mut() {
        let Some(y) = as_f64(b, label) else { continue };
        let rows: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
        if rows.is_empty() {
            continue;
        }
        if features.is_empty() {
            *features = numeric.iter().map(|f| (f.clone(), Vec::new())).collect();
        }
        outcomes.extend(rows.iter().map(|&i| y[i].unwrap_or(0.0) > 0.0));
        for (name, scores) in features.iter_mut() {
            let x = as_f64(b, name).unwrap_or_default();
            scores.extend(
                rows.iter()
                    .map(|&i| x.get(i).copied().flatten().unwrap_or(0.0)),
            );
        }
    }
}
