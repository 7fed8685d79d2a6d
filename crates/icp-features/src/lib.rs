//! `icp-features`: account features as of any date, leakage-safe, defined in SQL and run by
//! Apache DataFusion over the validated tables; labels from the window after each as-of
//! moment; snapshots materialised as Parquet in the feature store.
//!
//! - [`sql`]: the built-in feature families and labels as SQL for one as-of moment.
//! - [`snapshot`]: the DataFusion session, snapshots, monthly as-of plans and the store.

pub mod snapshot;
pub mod sql;

pub use snapshot::{FeatureBuilder, SnapshotSummary, monthly_as_of, summarise, write_snapshot};

/// Errors of the feature stage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query engine refused or failed a query: its message and what icp was doing.
    #[error("{context}: {message}")]
    Engine { context: String, message: String },
    #[error("{}: {message}", path.display())]
    Io {
        path: std::path::PathBuf,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
