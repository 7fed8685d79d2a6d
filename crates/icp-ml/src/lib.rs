//! `icp-ml`: the algorithms of icp, on plain vectors and matrices.
//!
//! This crate never touches files or the network; callers hand it numbers and get typed
//! results back. Map of the crate:
//!
//! - [`matrix`]: [`Matrix`], the dense row-major `f64` matrix every algorithm takes.
//! - [`boost`]: gradient-boosted trees (histogram, leaf-wise, monotone constraints, early
//!   stopping) and a random forest, with exact TreeSHAP and SHAP interaction values.
//! - [`cluster`]: k-means (exact, Hamerly-accelerated, parallel; and mini-batch), cluster
//!   validity metrics (silhouette, Calinski–Harabasz, Davies–Bouldin, adjusted Rand index,
//!   inertia), Gaussian mixtures, the K sweep and recommendation, bootstrap stability, and
//!   Hungarian matching of centroids so segment ids stay stable across reruns.
//! - [`pca`]: principal components to a few dimensions (the segment map).
//! - [`surrogate`]: shallow one-vs-rest CART trees turned into readable membership rules
//!   with their fidelity.
//! - [`evaluate`]: metrics of scores against outcomes — ROC-AUC, PR-AUC, log-loss, Brier,
//!   KS, lift and cumulative gains by decile, reliability curve; regression MAE/RMSE/R².
//! - [`calibrate`]: isotonic (pool-adjacent-violators) and Platt calibration, chosen by
//!   cross-validated Brier score on a later fold.
//! - [`stats`]: descriptive statistics (quantiles, median absolute deviation, histograms)
//!   and robust outlier fences used by the data-health summary and the report.
//! - [`progress`]: the observer trait through which long work reports progress.
//! - [`recipe`]: the fitted preprocessing recipe (winsorising, log, imputation, missing
//!   indicators, one-hot and out-of-fold target encoding, scaling, pruning of constant and
//!   duplicate columns) that turns a table of account features into a numeric matrix and is
//!   saved with every model so scoring applies it verbatim.
//! - [`clv`]: customer lifetime value: BG/NBD and Gamma–Gamma for repeat purchases,
//!   Kaplan–Meier survival of subscription tenure, and the LTV helpers built on them.
//! - [`sequence`]: journeys — PrefixSpan frequent sequential patterns over event-type ids with
//!   conversion rate and lift, and a first-order Markov transition model with its likely next
//!   step.
//! - [`surge`]: buying-cycle timing — surge episodes of one account's daily activity against
//!   its own history (robust z-score or CUSUM, several signals combined), and the intent
//!   vendors' 3-weeks-vs-12-weeks baseline.
//! - [`weights`]: learned engagement weights — time-decayed counts per event type, L2
//!   logistic regression, a 0–100 engagement score comparable across accounts, the
//!   equal-points baseline and ROC-AUC.
//! - [`text`]: lexicon sentiment of short business text (tickets, notes), with negation and
//!   intensifiers.

pub mod boost;
pub mod calibrate;
pub mod cluster;
pub mod clv;
pub mod evaluate;
pub mod matrix;
pub mod pca;
pub mod progress;
pub mod recipe;
pub mod sequence;
pub mod stats;
pub mod surge;
pub mod surrogate;
pub mod text;
pub mod weights;

pub use matrix::Matrix;

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
    /// A column is absent, of the wrong type or length, or holds values a step cannot take.
    #[error("column `{column}`: expected {expected}, found {found}")]
    Schema {
        column: String,
        expected: String,
        found: String,
    },
    /// Two columns share a name (in the input, or among the columns a recipe would output).
    #[error("column `{column}` appears more than once")]
    DuplicateColumn { column: String },
    /// A numeric column holds an infinity (NaN is allowed: it means missing).
    #[error("column `{column}` holds a non-finite value ({value}) at row {row}")]
    NonFiniteColumn {
        column: String,
        row: usize,
        value: f64,
    },
    /// The target holds NaN or an infinity.
    #[error("the target holds a non-finite value ({value}) at row {row}")]
    NonFiniteTarget { row: usize, value: f64 },
    /// The target does not have one value per row.
    #[error("the target has {found} values but the frame has {expected} rows")]
    TargetLength { expected: usize, found: usize },
    /// Every training value of a column is missing, so nothing can be learned from it.
    #[error("column `{column}` has no value in the training rows (every value is missing)")]
    AllMissing { column: String },
    /// One input record holds a value a model cannot take, e.g. "row 3: `recency` must be ≤
    /// `age` (12), got 14". Rows are 0-based positions in the input.
    #[error("row {row}: `{field}` {problem}")]
    InvalidRecord {
        row: usize,
        field: &'static str,
        problem: String,
    },
    /// Two inputs that need one value per row have different lengths.
    #[error("`{field}` has {found} values but {expected} were expected (one per row)")]
    LengthMismatch {
        field: &'static str,
        expected: usize,
        found: usize,
    },
    /// A model could not be fitted on the data given.
    #[error("cannot fit the {model} model: {message}")]
    FitFailed {
        model: &'static str,
        message: String,
    },
    /// A saved model is not valid JSON or its parameters are out of range.
    #[error("invalid saved {model} model: {message}")]
    InvalidModel {
        model: &'static str,
        message: String,
    },
    /// There is nothing to fit on.
    #[error("nothing to fit on: {what}")]
    EmptyInput { what: &'static str },
    /// A categorical column has too many levels for one-hot encoding and no target was given.
    #[error(
        "column `{column}` has {levels} levels (more than `max_onehot_levels` = {max_onehot_levels}), \
         so it is target-encoded and needs a target: pass one or raise `max_onehot_levels`"
    )]
    TargetRequired {
        column: String,
        levels: usize,
        max_onehot_levels: usize,
    },
    /// A saved model or recipe was written by a format this build does not read.
    #[error("unsupported format_version {found}; this build reads version {supported}")]
    FormatVersion { found: String, supported: u32 },
    /// A saved model or recipe is not valid JSON or does not describe a consistent model.
    #[error("invalid saved recipe: {message}")]
    Json { message: String },
    // --- behaviour (sequence, surge, weights) ---
    /// Rows passed to a fitted model do not have the number of features seen at fit.
    #[error("expected {expected} features per row (as at fit), found {found}")]
    FeatureCount { expected: usize, found: usize },
    /// A count that must be ≥ 0 is negative.
    #[error("{what} holds a negative value ({value}) at position {index}")]
    Negative {
        what: &'static str,
        index: usize,
        value: f64,
    },
    /// An id (event type, state) is outside the range the model knows.
    #[error("{what} {index} is out of range: expected < {len}")]
    OutOfRange {
        what: &'static str,
        index: usize,
        len: usize,
    },
    /// A computation that compares two outcomes was given only one.
    #[error("{what} needs both outcomes, but every label is {label}")]
    OneClass { what: &'static str, label: bool },
    /// A named signal required by the parameters is not among the inputs.
    #[error("signal `{name}` is required by the parameters but was not given")]
    UnknownSignal { name: String },
}

impl Error {
    /// A parameter out of its range: "`name` must be EXPECTED, got FOUND".
    pub fn invalid_parameter(
        name: &'static str,
        expected: &'static str,
        found: impl ToString,
    ) -> Error {
        Error::InvalidParameter {
            name,
            expected,
            found: found.to_string(),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
