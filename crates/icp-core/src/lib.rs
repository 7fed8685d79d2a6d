//! `icp-core`: the pipeline. It runs the stages over a workspace, keeps results consistent on
//! disk and assembles the report; it knows nothing of HTTP or the command line.
//!
//! - [`pipeline`]: workspaces, `check` and `run`, staged and atomic outputs.
//! - [`behaviour`]: engagement weights, journeys, buying surges and support spikes, `alerts.csv`.
//! - [`features`]: monthly as-of feature snapshots, their coverage and univariate signals.
//! - [`segments`]: the segmentation stage — K sweep, stability, profiles, names, the saved
//!   segmentation and assignment of new accounts.
//! - [`snapshots`]: the feature store read back as ids, a recipe frame and labels.
//! - [`scores`]: conversion, opportunity, churn and expansion models; calibration, held-out
//!   evaluation, fit score, tiers, reasons, the cold-start lookalike and `out/accounts.*`.
//! - [`identity`]: duplicate accounts and event-to-account resolution, `out/merges.csv`.
//! - [`profile`]: the company profile gathered while data streams in.
//! - [`sections`]: the report sections about the input data.
//! - [`report`]: the self-contained HTML report and its SVG charts.

pub mod behaviour;
pub mod features;
pub mod identity;
pub mod pipeline;
pub mod profile;
pub mod report;
pub mod scores;
pub mod sections;
pub mod segments;
pub mod snapshots;

/// Errors of the pipeline: the data layer's or the feature stage's, each with its own code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Data(#[from] icp_data::Error),
    #[error("feature stage: {0}")]
    Features(#[from] icp_features::Error),
    #[error("modelling: {0}")]
    Model(#[from] icp_ml::Error),
    /// Scoring was given features that do not match the model's recipe.
    #[error(
        "the {task} model cannot score these features: {problems} (retrain with `icp run`, or supply the columns it was trained on)"
    )]
    SchemaMismatch { task: String, problems: String },
}

impl Error {
    /// A stable snake_case code for scripts and the API.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Data(e) => e.code(),
            Error::Features(icp_features::Error::Engine { .. }) => "feature_query_failed",
            Error::Features(icp_features::Error::Io { .. }) => "io_error",
            Error::Features(icp_features::Error::UserSql { .. }) => "invalid_feature_sql",
            Error::Model(_) => "model_error",
            Error::SchemaMismatch { .. } => "feature_schema_mismatch",
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
