//! `icp-ml`: the algorithms of icp, on plain vectors and matrices.
//!
//! This crate never touches files or the network; callers hand it numbers and get typed
//! results back. Map of the crate:
//!
//! - [`stats`]: descriptive statistics (quantiles, median absolute deviation, histograms)
//!   and robust outlier fences used by the data-health summary and the report.
//! - [`progress`]: the observer trait through which long work reports progress.

pub mod progress;
pub mod stats;

/// Errors raised by the algorithms of this crate.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum Error {
    /// A parameter was out of its valid range, e.g. "`bins` must be ≥ 1, got 0".
    #[error("`{name}` must be {expected}, got {found}")]
    InvalidParameter {
        name: &'static str,
        expected: &'static str,
        found: String,
    },
    /// The input held a value the algorithm cannot use (NaN, infinity).
    #[error("input holds a non-finite value at position {index}")]
    NonFinite { index: usize },
}

pub type Result<T> = std::result::Result<T, Error>;
