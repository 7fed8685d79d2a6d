//! `icp-features`: account features as of any date, leakage-safe, defined in SQL and run by
//! Apache DataFusion over the validated tables; labels from the window after each as-of
//! moment; snapshots materialised as Parquet in the feature store.
//!
//! - [`sql`]: the built-in feature families and labels as SQL for one as-of moment.
//! - [`snapshot`]: the DataFusion session, snapshots, monthly as-of plans and the store.
//! - [`user`]: a workspace's `features.sql`, run leakage-safe for every snapshot.
//! - [`udf`]: SQL functions icp adds to the engine (`sentiment(text)`).
//! - [`region`]: the country → sales region mapping.

pub mod region;
pub mod snapshot;
pub mod sql;
pub mod udf;
pub mod user;

pub use snapshot::{
    FeatureBuilder, FeatureOptions, Purchase, SnapshotSummary, monthly_as_of, summarise,
    write_snapshot,
};

/// Errors of the feature stage.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The query engine refused or failed a query: its message and what icp was doing.
    #[error("{context}: {message}")]
    Engine { context: String, message: String },
    /// A statement of the user's features file failed: which file, statement and line.
    #[error("{}, statement {statement} (line {line}): {message}", path.display())]
    UserSql {
        path: std::path::PathBuf,
        statement: usize,
        line: usize,
        message: String,
    },
    #[error("{}: {message}", path.display())]
    Io {
        path: std::path::PathBuf,
        message: String,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
