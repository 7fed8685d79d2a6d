//! The segmentation stage: on the latest feature snapshot it chooses the clustering features,
//! fits a recipe (winsorising, log of skewed counts, standard scaling, one-hot categoricals)
//! and weighs its columns by blocks ([`model::column_weights`]), sweeps K with k-means, scores
//! each K with a latent class model of the who-columns and recommends one within the
//! operational bounds, clusters, measures bootstrap
//! stability, flags outliers, keeps segment ids stable against the previous run's model,
//! profiles and names each segment ([`profile`]) and writes `segments.json`,
//! `models/segments.json` and `segment_assignments.csv`. The report section is in
//! [`section`].

pub mod model;
pub mod profile;
pub mod section;

use crate::snapshots::{SnapshotTable, read_table};
use icp_data::config::SegmentsConfig;
use icp_ml::Matrix;
use icp_ml::cluster::{
    Dendrogram, KMeans, KScore, LatentClass, MixedColumn, Recommendation, Stability, SweepParams,
    add_latent_class_scores, adjusted_rand_score, bootstrap_stability, hdbscan, match_labels,
    recommend, sweep, ward,
};
use icp_ml::pca::Pca;
use icp_ml::progress::Progress;
use icp_ml::recipe::{ColumnData, LogColumns, Recipe, RecipeParams, Scaling};
use model::{
    Assignment, FORMAT_VERSION, Ratio, SavedSegment, SegmentModel, column_weights, latent_columns,
    ml, segmentation_frame, weigh,
};
use profile::SegmentProfile;
use serde::Serialize;
use std::path::Path;

/// Firmographic columns clustered on by default (when present).
pub const DEFAULT_FIRMOGRAPHICS: [&str; 5] = [
    "log_employees",
    "log_annual_revenue",
    "company_age_years",
    "industry",
    "tech_*",
];
/// Engagement aggregates clustered on by default, plus the share of each event type among
/// the events of the last 90 days (the engagement mix).
pub const DEFAULT_ENGAGEMENT: [&str; 4] = [
    "events_90d",
    "decayed_events",
    "active_days_30d",
    "contacts_90d",
];

/// One account in no dense region.
#[derive(Debug, Clone, Serialize)]
pub struct DensityOutlier {
    pub account_id: String,
    pub segment: usize,
    /// GLOSH outlier score, 0 (core) to 1.
    pub score: f64,
    pub why: String,
}

/// Principal components HDBSCAN runs on (density estimates degrade in many dimensions).
const DENSITY_COMPONENTS: usize = 10;
/// Above this many accounts the density check is skipped (HDBSCAN's tree grows superlinearly).
const DENSITY_MAX_ROWS: usize = 200_000;

/// HDBSCAN on the first principal components of `x`: noise rows whose GLOSH score is in the
/// top `1 − density_outlier_quantile` of all accounts' scores and that are not distance
/// outliers already. (GLOSH is relative to the data: on the 1,500-account test world the noise
/// accounts scored 0.65 at the median and 0.72 at most, so a fixed score would not travel.)
fn density_outliers(
    x: &Matrix,
    ids: &[String],
    assignments: &[Assignment],
    config: &SegmentsConfig,
) -> crate::Result<Vec<DensityOutlier>> {
    let n = x.n_rows();
    if n > DENSITY_MAX_ROWS || n <= config.density_min_cluster_size {
        return Ok(Vec::new());
    }
    let pca = Pca::fit(x, DENSITY_COMPONENTS.min(x.n_cols())).map_err(ml)?;
    let coords = pca.transform(x).map_err(ml)?;
    let width = coords.first().map_or(0, Vec::len);
    let z = Matrix::new(coords.concat(), n, width).map_err(ml)?;
    let density = hdbscan(
        &z,
        config.density_min_cluster_size,
        config.density_min_cluster_size.min(15),
    )
    .map_err(ml)?;
    let cutoff = icp_ml::stats::quantile(&density.outlier_scores, config.density_outlier_quantile)
        .ok()
        .flatten()
        .unwrap_or(f64::INFINITY);
    Ok(density
        .noise()
        .filter(|&i| density.outlier_scores[i] >= cutoff)
        .filter(|&i| !assignments[i].outlier)
        .map(|i| DensityOutlier {
            account_id: ids[i].clone(),
            segment: assignments[i].nearest,
            score: density.outlier_scores[i],
            why: format!(
                "in no dense region (HDBSCAN noise, GLOSH outlier score {:.2}, top {:.0}% of \
                 accounts); kept in segment {}",
                density.outlier_scores[i],
                100.0 * (1.0 - config.density_outlier_quantile),
                assignments[i].nearest
            ),
        })
        .collect())
}

/// Ward's clustering of an evenly spaced sample of the accounts (same weighted matrix), as
/// an independent check of the k-means segments; the dendrogram is kept.
#[derive(Debug, Clone, Serialize)]
pub struct WardCheck {
    /// Accounts in the sample (`account_ids` of the dendrogram's rows).
    pub account_ids: Vec<String>,
    /// Adjusted Rand index between Ward's tree cut at K and the segments of the same accounts.
    pub ari_with_segments: f64,
    pub dendrogram: Dendrogram,
}

/// Accounts in the Ward sample.
const WARD_SAMPLE_ROWS: usize = 2_000;

fn ward_check(x: &Matrix, labels: &[usize], ids: &[String], k: usize) -> crate::Result<WardCheck> {
    let n = x.n_rows();
    let rows = Matrix::evenly_spaced(n, WARD_SAMPLE_ROWS);
    let sample = x.select_rows(&rows).map_err(ml)?;
    let dendrogram = ward(&sample).map_err(ml)?;
    let cut = dendrogram.cut(k.min(rows.len())).map_err(ml)?;
    let segments: Vec<usize> = rows.iter().map(|&i| labels[i]).collect();
    Ok(WardCheck {
        account_ids: rows.iter().map(|&i| ids[i].clone()).collect(),
        ari_with_segments: adjusted_rand_score(&cut, &segments).map_err(ml)?,
        dendrogram,
    })
}

/// The latent class model that chooses K is fitted on at most this many accounts.
const LATENT_CLASS_MAX_ROWS: usize = 20_000;

/// One outlier and why.
#[derive(Debug, Clone, Serialize)]
pub struct Outlier {
    pub account_id: String,
    pub nearest: usize,
    pub distance: f64,
    /// The nearest segment's outlier distance.
    pub threshold: f64,
    pub why: String,
}

/// What the stage produced (`out/segments.json`).
#[derive(Debug, Clone, Serialize)]
pub struct SegmentsReport {
    pub as_of: String,
    pub accounts: usize,
    pub features: Vec<String>,
    pub matrix_columns: Vec<String>,
    pub sweep: Vec<KScore>,
    pub recommendation: Recommendation,
    /// The K used (the recommendation unless `[segments] k` forces one).
    pub k: usize,
    pub stability: Stability,
    /// Ids were matched to the previous run's segments.
    pub ids_matched_to_previous: bool,
    pub segments: Vec<SegmentProfile>,
    pub outliers: Vec<Outlier>,
    /// Accounts in no dense region (HDBSCAN noise with a high GLOSH score) that are not
    /// distance outliers. They keep their segment: a new account cannot be placed in the
    /// density tree, so the saved model could not repeat the call.
    pub density_outliers: Vec<DensityOutlier>,
    /// Share of the total variance on each map axis.
    pub map_variance: Vec<f64>,
    /// Ward's hierarchical clustering of a sample, cut at K and compared with the segments.
    pub ward: Option<WardCheck>,
    /// Per account (snapshot order): id, and where it landed.
    #[serde(skip)]
    pub account_ids: Vec<String>,
    #[serde(skip)]
    pub assignments: Vec<Assignment>,
}

impl SegmentsReport {
    /// The name of segment `id`.
    pub fn name(&self, id: usize) -> &str {
        self.segments
            .iter()
            .find(|s| s.id == id)
            .map_or("", |s| s.name.as_str())
    }
}

/// `*` matches any text.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((head, rest)) => {
            name.starts_with(head)
                && (head.len()..=name.len())
                    .filter(|&i| name.is_char_boundary(i))
                    .any(|i| glob(rest, &name[i..]))
        }
    }
}

/// The snapshot columns to cluster on and the derived event-mix shares.
pub fn choose_features(
    table: &SnapshotTable,
    event_types: &[String],
    config: &SegmentsConfig,
) -> (Vec<String>, Vec<Ratio>) {
    let names: Vec<&str> = table.features.columns().iter().map(|c| c.name()).collect();
    let (include, ratios): (Vec<String>, Vec<Ratio>) = if config.include.is_empty() {
        let include = DEFAULT_FIRMOGRAPHICS
            .iter()
            .chain(&DEFAULT_ENGAGEMENT)
            .map(|s| s.to_string())
            .collect();
        let ratios = event_types
            .iter()
            .map(|t| icp_features::sql::identifier(t))
            .filter(|t| names.contains(&format!("{t}_90d").as_str()))
            .filter(|_| names.contains(&"events_90d"))
            .map(|t| Ratio {
                name: format!("share_{t}_90d"),
                numerator: format!("{t}_90d"),
                denominator: "events_90d".into(),
            })
            .filter(|r| !config.exclude.iter().any(|p| glob(p, &r.name)))
            .collect();
        (include, ratios)
    } else {
        (config.include.clone(), Vec::new())
    };
    let columns = names
        .iter()
        .filter(|n| !n.starts_with("label_"))
        .filter(|n| include.iter().any(|p| glob(p, n)))
        .filter(|n| !config.exclude.iter().any(|p| glob(p, n)))
        .map(|n| n.to_string())
        .collect();
    (columns, ratios)
}

/// The k-means start that makes the partition follow the latent class model: the mean row
/// of `x` in each of its `k` classes (fitted on a sample of at most
/// [`LATENT_CLASS_MAX_ROWS`] accounts, every account then placed in its most probable class).
/// `None` when a class is empty.
fn latent_class_centres(
    x: &Matrix,
    latent: &[MixedColumn],
    k: usize,
    seed: u64,
) -> crate::Result<Option<Matrix>> {
    let n = x.n_rows();
    let sample: Vec<MixedColumn>;
    let fit_on = if n > LATENT_CLASS_MAX_ROWS {
        let step = n as f64 / LATENT_CLASS_MAX_ROWS as f64;
        let rows: Vec<usize> = (0..LATENT_CLASS_MAX_ROWS)
            .map(|i| (i as f64 * step) as usize)
            .collect();
        sample = latent.iter().map(|c| c.select(&rows)).collect();
        &sample[..]
    } else {
        latent
    };
    let model = LatentClass::new(k)
        .n_init(3)
        .seed(seed)
        .fit(fit_on)
        .map_err(ml)?;
    let labels = model.predict(latent).map_err(ml)?;
    let d = x.n_cols();
    let mut sums = vec![0.0; k * d];
    let mut counts = vec![0usize; k];
    for (row, &l) in x.as_slice().chunks_exact(d).zip(&labels) {
        counts[l] += 1;
        sums[l * d..(l + 1) * d]
            .iter_mut()
            .zip(row)
            .for_each(|(s, v)| *s += v);
    }
    if counts.contains(&0) {
        return Ok(None);
    }
    for (c, &count) in counts.iter().enumerate() {
        sums[c * d..(c + 1) * d]
            .iter_mut()
            .for_each(|s| *s /= count as f64);
    }
    Matrix::new(sums, k, d).map(Some).map_err(ml)
}

/// Runs the stage on the latest snapshot among `snapshots` (all of them feed the churn and
/// expansion rates of the profiles). `previous` is the last run's `models/segments.json`.
pub fn build(
    snapshots: &[&Path],
    event_types: &[String],
    config: &SegmentsConfig,
    previous: Option<&SegmentModel>,
    progress: &dyn Progress,
) -> crate::Result<(SegmentsReport, SegmentModel)> {
    let Some(latest) = snapshots.last() else {
        return Err(invalid(
            "there is no feature snapshot to segment; the feature stage wrote none".into(),
        ));
    };
    let table = read_table(&[*latest])?;
    let n = table.n_rows();
    let (features, ratios) = choose_features(&table, event_types, config);
    if features.is_empty() && ratios.is_empty() {
        return Err(invalid(
            "no feature column matches [segments] include/exclude; expected at least one".into(),
        ));
    }
    if n < 10 * config.sweep_max_k.max(config.k.unwrap_or(0)) {
        return Err(invalid(format!(
            "{n} accounts are too few to segment with K up to {}; expected at least {}",
            config.sweep_max_k,
            10 * config.sweep_max_k
        )));
    }
    let frame = segmentation_frame(&table.features, &features, &ratios)?;
    let recipe_params = RecipeParams::default()
        .scaling(Scaling::Standard)
        .log_columns(LogColumns::Auto)
        .max_onehot_levels(64);
    let (recipe, raw) = Recipe::fit(&frame, None, &recipe_params, config.seed).map_err(ml)?;
    let is_behaviour = |name: &str| config.behaviour.iter().any(|p| glob(p, name));
    let weights = column_weights(
        &recipe,
        &frame,
        &raw,
        &ratios,
        &is_behaviour,
        config.behaviour_weight,
    );
    let x = weigh(raw, &weights)?;

    progress.start("segments: sweeping K", 0);
    let mut swept = sweep(
        &x,
        &SweepParams {
            k_min: config.sweep_min_k,
            k_max: config.sweep_max_k,
            n_init: config.n_init,
            seed: config.seed,
            ..SweepParams::default()
        },
    )
    .map_err(ml)?;
    let latent = latent_columns(&frame, &recipe, &is_behaviour, &ratios);
    if config.latent_class && !latent.is_empty() {
        add_latent_class_scores(
            &mut swept.scores,
            &latent,
            config.n_init.min(3),
            LATENT_CLASS_MAX_ROWS,
            config.seed,
        )
        .map_err(ml)?;
    }
    let recommendation = recommend(
        &swept.scores,
        config.min_k,
        config.max_k,
        config.min_segment_share,
    )
    .map_err(ml)?;
    let k = config.k.unwrap_or(recommendation.k);
    let latent_start = if config.latent_class && !latent.is_empty() {
        latent_class_centres(&x, &latent, k, config.seed)?
    } else {
        None
    };
    let fitted = match (
        latent_start,
        swept.models.iter().find(|m| m.n_clusters() == k),
    ) {
        (Some(centres), _) => KMeans::params(k)
            .seed(config.seed)
            .fit_from(&x, &centres)
            .map_err(ml)?,
        (None, Some(m)) => m.clone(),
        (None, None) => KMeans::params(k)
            .n_init(config.n_init)
            .seed(config.seed)
            .fit(&x)
            .map_err(ml)?,
    };
    progress.finish();

    // Stable ids: matched to the previous model's segments, else by size (largest = 1).
    let centroids = fitted.centroids_matrix();
    let (ids, ids_matched_to_previous) =
        match previous.map(|p| previous_ids(p, &table, &x, &centroids)) {
            Some(Ok(Some(ids))) => (ids, true),
            Some(Err(e)) => return Err(e),
            _ => (ids_by_size(fitted.labels(), k), false),
        };

    progress.start("segments: bootstrap stability", 0);
    let cluster_params = KMeans::params(k)
        .n_init(config.n_init.min(2))
        .seed(config.seed);
    let stability = bootstrap_stability(
        &x,
        fitted.labels(),
        &cluster_params,
        config.bootstrap,
        config.stability_threshold,
        config.seed,
    )
    .map_err(ml)?;
    progress.finish();

    // Outlier distance per segment from the training distances.
    let mut distances: Vec<Vec<f64>> = vec![Vec::new(); k];
    for (row, &l) in x.as_slice().chunks_exact(x.n_cols()).zip(fitted.labels()) {
        let c = &fitted.centroids()[l];
        distances[l].push(
            row.iter()
                .zip(c)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>()
                .sqrt(),
        );
    }
    let ward = Some(ward_check(&x, fitted.labels(), &table.account_ids, k)?);
    let pca = Pca::fit(&x, 2.min(x.n_cols())).map_err(ml)?;
    let overrides = config.name_overrides().map_err(invalid)?;
    let mut model = SegmentModel {
        format_version: FORMAT_VERSION,
        features: features.clone(),
        ratios,
        recipe,
        weights,
        segments: (0..k)
            .map(|c| SavedSegment {
                id: ids[c],
                name: String::new(),
                centroid: fitted.centroids()[c].clone(),
                outlier_distance: icp_ml::stats::quantile(&distances[c], config.outlier_quantile)
                    .ok()
                    .flatten()
                    .map_or(f64::INFINITY, |q| q * config.outlier_factor),
            })
            .collect(),
        pca,
    };
    model.segments.sort_by_key(|s| s.id);
    let assignments = model.assign_matrix(&x)?;

    progress.start("segments: profiles", 0);
    let all = if snapshots.len() > 1 {
        Some(read_table(snapshots)?)
    } else {
        None
    };
    let mut profiles = profile::profiles(
        &table,
        all.as_ref(),
        &frame,
        &assignments,
        &model,
        &stability,
        &ids,
    )?;
    for p in &mut profiles {
        if let Some(name) = overrides.get(&p.id) {
            p.name = name.clone();
            p.name_overridden = true;
        }
    }
    for s in &mut model.segments {
        s.name = profiles
            .iter()
            .find(|p| p.id == s.id)
            .map_or_else(String::new, |p| p.name.clone());
    }
    progress.finish();

    let outliers = table
        .account_ids
        .iter()
        .zip(&assignments)
        .filter(|(_, a)| a.outlier)
        .map(|(id, a)| {
            let threshold = model
                .segments
                .iter()
                .find(|s| s.id == a.nearest)
                .map_or(f64::INFINITY, |s| s.outlier_distance);
            Outlier {
                account_id: id.clone(),
                nearest: a.nearest,
                distance: a.distance,
                threshold,
                why: format!(
                    "{:.1}× farther from the centre of segment {} than its {:.0}th-percentile member",
                    a.distance / (threshold / config.outlier_factor),
                    a.nearest,
                    100.0 * config.outlier_quantile
                ),
            }
        })
        .collect();
    let density_outliers = density_outliers(&x, &table.account_ids, &assignments, config)?;
    let as_of = table
        .as_of
        .first()
        .and_then(|&m| chrono::DateTime::from_timestamp_micros(m))
        .map_or_else(String::new, |t| t.to_rfc3339());
    let report = SegmentsReport {
        as_of,
        accounts: n,
        features,
        matrix_columns: model
            .recipe
            .output_columns()
            .iter()
            .map(|c| c.name.clone())
            .collect(),
        sweep: swept.scores,
        recommendation,
        k,
        stability: remap_stability(stability, &ids),
        ids_matched_to_previous,
        segments: profiles,
        outliers,
        map_variance: model.pca.explained_variance_ratio.clone(),
        ward,
        density_outliers,
        account_ids: table.account_ids.clone(),
        assignments,
    };
    Ok((report, model))
}

/// Stability lists reordered by segment id.
fn remap_stability(mut s: Stability, ids: &[usize]) -> Stability {
    let mut order: Vec<usize> = (0..ids.len()).collect();
    order.sort_by_key(|&c| ids[c]);
    s.jaccard = order.iter().map(|&c| s.jaccard[c]).collect();
    s.unstable = order.iter().map(|&c| s.unstable[c]).collect();
    s
}

/// Ids 1..=k by decreasing cluster size (ties by cluster index).
fn ids_by_size(labels: &[usize], k: usize) -> Vec<usize> {
    let mut sizes = vec![0usize; k];
    labels.iter().for_each(|&l| sizes[l] += 1);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| sizes[b].cmp(&sizes[a]).then(a.cmp(&b)));
    let mut ids = vec![0; k];
    for (rank, &c) in order.iter().enumerate() {
        ids[c] = rank + 1;
    }
    ids
}

/// Ids of the new clusters from the previous model: the previous model places today's
/// accounts; each previous segment's members give its centre in today's space, and the
/// Hungarian method pairs those centres with the new ones. A new cluster with no partner gets
/// a fresh id. `None` when the previous model cannot read today's features.
fn previous_ids(
    previous: &SegmentModel,
    table: &SnapshotTable,
    x: &Matrix,
    centroids: &Matrix,
) -> crate::Result<Option<Vec<usize>>> {
    let Ok(old) = previous.assign(&table.features) else {
        return Ok(None);
    };
    let d = x.n_cols();
    let old_ids: Vec<usize> = previous.segments.iter().map(|s| s.id).collect();
    let mut sums = vec![0.0; old_ids.len() * d];
    let mut counts = vec![0usize; old_ids.len()];
    for (row, a) in x.as_slice().chunks_exact(d).zip(&old) {
        let j = old_ids
            .iter()
            .position(|&i| i == a.nearest)
            .expect("id of the model");
        counts[j] += 1;
        sums[j * d..(j + 1) * d]
            .iter_mut()
            .zip(row)
            .for_each(|(s, v)| *s += v);
    }
    // Previous segments with no member today cannot be matched.
    let kept: Vec<usize> = (0..old_ids.len()).filter(|&j| counts[j] > 0).collect();
    let mut data = Vec::with_capacity(kept.len() * d);
    for &j in &kept {
        data.extend(
            sums[j * d..(j + 1) * d]
                .iter()
                .map(|s| s / counts[j] as f64),
        );
    }
    let old_centres = Matrix::new(data, kept.len(), d).map_err(ml)?;
    let pairs = match_labels(&old_centres, centroids).map_err(ml)?;
    let mut next = old_ids.iter().max().copied().unwrap_or(0) + 1;
    Ok(Some(
        pairs
            .into_iter()
            .map(|p| match kept.get(p) {
                Some(&j) => old_ids[j],
                None => {
                    next += 1;
                    next - 1
                }
            })
            .collect(),
    ))
}

fn invalid(message: String) -> crate::Error {
    icp_data::Error::InvalidArgument(format!("segmentation: {message}")).into()
}

/// Writes `segments.json`, `models/segments.json` and `segment_assignments.csv` into `dir`.
pub fn write(dir: &Path, report: &SegmentsReport, model: &SegmentModel) -> crate::Result<()> {
    let io = |p: &Path, e: std::io::Error| -> crate::Error { icp_data::Error::io(p, e).into() };
    let models = dir.join("models");
    std::fs::create_dir_all(&models).map_err(|e| io(&models, e))?;
    let path = models.join("segments.json");
    std::fs::write(&path, model.to_json()?).map_err(|e| io(&path, e))?;
    let path = dir.join("segments.json");
    let text =
        serde_json::to_string_pretty(report).map_err(|e| icp_data::Error::write(&path, e))?;
    std::fs::write(&path, text).map_err(|e| io(&path, e))?;
    let path = dir.join("segment_assignments.csv");
    let mut csv = String::from(
        "account_id,segment,segment_name,outlier,nearest_segment,distance,map_x,map_y\n",
    );
    for (id, a) in report.account_ids.iter().zip(&report.assignments) {
        let name = report.name(a.nearest);
        csv.push_str(&format!(
            "{},{},{},{},{},{:.4},{:.4},{:.4}\n",
            csv_field(id),
            a.segment().map_or_else(String::new, |s| s.to_string()),
            if a.outlier {
                String::new()
            } else {
                csv_field(name)
            },
            a.outlier,
            a.nearest,
            a.distance,
            a.x,
            a.y
        ));
    }
    std::fs::write(&path, csv).map_err(|e| io(&path, e))
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Name of the feature column [`add_segment_column`] adds.
pub const SEGMENT_COLUMN: &str = "segment";

/// Adds the categorical feature `segment` to `table`: each row's segment name as `model`
/// assigns it from that row's own features (missing for an outlier), so the scoring models
/// learn with the segment as a feature. No label enters the assignment; the segmentation is
/// the current run's (fitted on the latest snapshot, unsupervised). A frame scored by a model
/// trained this way needs the column added the same way first.
pub fn add_segment_column(table: &mut SnapshotTable, model: &SegmentModel) -> crate::Result<()> {
    if table.features.column(SEGMENT_COLUMN).is_some() {
        return Err(invalid(format!(
            "a feature column is already called `{SEGMENT_COLUMN}` (features.sql?); the \
             segment is added under that name, so rename the feature"
        )));
    }
    let names: Vec<Option<String>> = model
        .assign(&table.features)?
        .iter()
        .map(|a| {
            let id = a.segment()?;
            model
                .segments
                .iter()
                .find(|s| s.id == id)
                .map(|s| s.name.clone())
        })
        .collect();
    let mut columns = table.features.columns().to_vec();
    columns.push(icp_ml::recipe::Column::categorical(
        SEGMENT_COLUMN,
        SEGMENT_COLUMN,
        names,
    ));
    table.features = icp_ml::recipe::Frame::new(columns).map_err(model::ml)?;
    Ok(())
}

/// Numeric values of a frame column, if it is numeric.
pub(crate) fn numeric_column<'a>(
    frame: &'a icp_ml::recipe::Frame,
    name: &str,
) -> Option<&'a [f64]> {
    match frame.column(name)?.data() {
        ColumnData::Numeric(v) => Some(v),
        ColumnData::Categorical(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_size_ids() {
        assert!(glob("tech_*", "tech_snowflake"));
        assert!(!glob("tech_*", "technologies"));
        assert!(glob("*_90d", "pricing_page_90d"));
        assert!(glob("log_employees", "log_employees"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxc"));
        assert_eq!(ids_by_size(&[2, 2, 0, 1, 1, 1], 3), vec![3, 1, 2]);
    }
}
