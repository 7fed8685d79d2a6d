//! The `[segments]` table of `icp.toml`: how the segmentation stage sweeps and bounds K, how
//! hard it tests stability, which features it clusters on, how much the behaviour features
//! weigh, where outliers start, and names chosen by the user for segment ids.

use serde::Deserialize;
use std::collections::BTreeMap;

/// Settings of the segmentation stage; every key is optional.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentsConfig {
    /// Smallest and largest K of the sweep (the K-sweep table and charts).
    pub sweep_min_k: usize,
    pub sweep_max_k: usize,
    /// Operational bounds: the recommended K is never outside them (a revenue team can run
    /// plays on 4 to 8 segments).
    pub min_k: usize,
    pub max_k: usize,
    /// Force this K instead of the recommendation (still reported next to it).
    pub k: Option<usize>,
    /// Bootstrap resamples for stability.
    pub bootstrap: usize,
    /// A segment whose mean best-match Jaccard over the resamples is below this is unstable.
    pub stability_threshold: f64,
    /// k-means++ starts per fit.
    pub n_init: usize,
    pub seed: u64,
    /// Feature columns to cluster on (`*` matches any text, e.g. `tech_*`); empty = the
    /// built-in choice of firmographics and engagement (docs/configuration.md).
    pub include: Vec<String>,
    /// Feature columns never to cluster on (applied after `include`).
    pub exclude: Vec<String>,
    /// Feature columns that describe behaviour (engagement levels and the event mix) rather
    /// than who the account is. They are clustered on at `behaviour_weight` and left out of
    /// the latent class model that chooses K (`*` matches any text).
    pub behaviour: Vec<String>,
    /// Weight of each behaviour block (engagement, event mix) against a block of who-columns
    /// (firmographic numbers, technology flags, each categorical); every block is first scaled
    /// to the same total variance.
    pub behaviour_weight: f64,
    /// Choose K by the ICL of a latent class model (else by the votes of the geometric
    /// criteria).
    pub latent_class: bool,
    /// A K whose latent class solution has a class under this share of the accounts is not
    /// recommended.
    pub min_segment_share: f64,
    /// An account farther from its centroid than this quantile of its segment's distances
    /// (times `outlier_factor`) is an outlier.
    pub outlier_quantile: f64,
    pub outlier_factor: f64,
    /// HDBSCAN's smallest dense cluster, in accounts.
    pub density_min_cluster_size: usize,
    /// An HDBSCAN noise account whose GLOSH outlier score is at least this quantile of all
    /// accounts' scores is a density outlier.
    pub density_outlier_quantile: f64,
    /// Names replacing the generated ones, by segment id: `[segments.names] 3 = "Core SMB"`.
    pub names: BTreeMap<String, String>,
}

impl Default for SegmentsConfig {
    fn default() -> Self {
        SegmentsConfig {
            sweep_min_k: 2,
            sweep_max_k: 10,
            min_k: 4,
            max_k: 8,
            k: None,
            bootstrap: 20,
            stability_threshold: 0.6,
            n_init: 4,
            seed: 42,
            include: Vec::new(),
            exclude: Vec::new(),
            behaviour: [
                "events_*",
                "decayed_events",
                "active_days_*",
                "contacts_*",
                "share_*",
            ]
            .map(String::from)
            .to_vec(),
            behaviour_weight: 0.5,
            latent_class: true,
            min_segment_share: 0.02,
            outlier_quantile: 0.99,
            outlier_factor: 1.0,
            density_min_cluster_size: 25,
            density_outlier_quantile: 0.99,
            names: BTreeMap::new(),
        }
    }
}

impl SegmentsConfig {
    /// The name overrides as ids; a key that is not a number is an error.
    pub fn name_overrides(&self) -> Result<BTreeMap<usize, String>, String> {
        self.names
            .iter()
            .map(|(k, v)| {
                k.trim()
                    .parse::<usize>()
                    .map(|id| (id, v.clone()))
                    .map_err(|_| {
                        format!("[segments.names] key \"{k}\" is not a segment id; expected a number such as 3")
                    })
            })
            .collect()
    }

    /// Checks ranges; the message names the key and what was expected.
    pub fn check(&self) -> Result<(), String> {
        if self.sweep_min_k < 2 || self.sweep_max_k < self.sweep_min_k {
            return Err(format!(
                "[segments] sweep_min_k = {} and sweep_max_k = {}: expected 2 ≤ sweep_min_k ≤ sweep_max_k",
                self.sweep_min_k, self.sweep_max_k
            ));
        }
        if self.min_k < 2 || self.max_k < self.min_k {
            return Err(format!(
                "[segments] min_k = {} and max_k = {}: expected 2 ≤ min_k ≤ max_k",
                self.min_k, self.max_k
            ));
        }
        if self.max_k < self.sweep_min_k || self.min_k > self.sweep_max_k {
            return Err(format!(
                "[segments] the operational bounds {}–{} do not overlap the sweep {}–{}",
                self.min_k, self.max_k, self.sweep_min_k, self.sweep_max_k
            ));
        }
        if let Some(k) = self.k.filter(|&k| k < 2) {
            return Err(format!("[segments] k = {k}: expected ≥ 2"));
        }
        if self.bootstrap == 0 || self.n_init == 0 {
            return Err("[segments] bootstrap and n_init: expected ≥ 1".to_string());
        }
        if !(0.0..=1.0).contains(&self.stability_threshold) {
            return Err(format!(
                "[segments] stability_threshold = {}: expected a share between 0 and 1",
                self.stability_threshold
            ));
        }
        if self.density_min_cluster_size < 2
            || !(0.0..=1.0).contains(&self.density_outlier_quantile)
        {
            return Err(format!(
                "[segments] density_min_cluster_size = {} and density_outlier_quantile = {}: expected ≥ 2 and a quantile between 0 and 1",
                self.density_min_cluster_size, self.density_outlier_quantile
            ));
        }
        if !(self.behaviour_weight.is_finite() && self.behaviour_weight >= 0.0) {
            return Err(format!(
                "[segments] behaviour_weight = {}: expected a finite number ≥ 0",
                self.behaviour_weight
            ));
        }
        if !(0.0..0.5).contains(&self.min_segment_share) {
            return Err(format!(
                "[segments] min_segment_share = {}: expected a share from 0 up to 0.5",
                self.min_segment_share
            ));
        }
        if self.outlier_quantile.is_nan()
            || self.outlier_quantile <= 0.0
            || self.outlier_quantile > 1.0
        {
            return Err(format!(
                "[segments] outlier_quantile = {}: expected a share in (0, 1]",
                self.outlier_quantile
            ));
        }
        if self.outlier_factor.is_nan()
            || self.outlier_factor < 1.0
            || self.outlier_factor.is_infinite()
        {
            return Err(format!(
                "[segments] outlier_factor = {}: expected a finite number ≥ 1",
                self.outlier_factor
            ));
        }
        self.name_overrides().map(|_| ())
    }
}
