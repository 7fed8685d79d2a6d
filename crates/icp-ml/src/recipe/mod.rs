//! The fitted preprocessing recipe: turns a [`Frame`] of account features (numeric and
//! categorical columns, with missing values) into the numeric [`Matrix`] that models and
//! clustering use. The fitted [`Recipe`] is plain serde data saved with every model, so
//! scoring applies exactly the steps learned at training (train/serve parity).
//!
//! Steps, per input column, in this order:
//!
//! - **numeric**: clip at the fitted `winsor_quantile` / `1 − winsor_quantile` quantiles;
//!   `ln(1 + x)` for `log_columns`; impute missing with the training median (of the clipped,
//!   logged values); scale (`Standard` or `Robust`);
//! - **categorical, few levels** (≤ `max_onehot_levels`): one-hot; missing is the level
//!   `(missing)`; levels seen fewer than `min_level_count` times, and levels never seen in
//!   training, go to `(other)` (when training had no rare level there is no `(other)` column
//!   and an unseen level is all zeros);
//! - **categorical, many levels**: target encoding `(sum + m·prior) / (n + m)`, out-of-fold
//!   in the training matrix (`cv` folds drawn from the seed; each fold is encoded with the
//!   statistics, prior included, of the other folds), fitted on all rows for new data;
//!   unseen levels get the prior;
//! - **missing indicators**: `<name>__missing` (0/1) for every column that had a missing
//!   value in training;
//! - **pruning** of the output columns on the training matrix: near-constant columns, then
//!   near-duplicates (the later of a pair with |Pearson r| ≥ `max_abs_correlation`), each
//!   recorded in [`Recipe::dropped`] with its reason.
//!
//! A categorical value spelled exactly `(missing)` or `(other)` is treated as that special
//! level. One-hot, indicator and target-encoded columns are not scaled. Columns of a frame that
//! the recipe does not know are ignored at transform; a known column that is absent or has
//! another type is an error naming it.
//!
//! ```
//! use icp_ml::recipe::{Column, Frame, OutputKind, Recipe, RecipeParams, Scaling};
//!
//! let frame = Frame::new(vec![
//!     Column::numeric("employees", "employees", vec![12.0, 40.0, f64::NAN, 250.0, 3000.0]),
//!     Column::categorical("country", "country", [Some("FR"), Some("DE"), Some("FR"), None, Some("FR")]),
//! ])?;
//! let params = RecipeParams::default()
//!     .scaling(Scaling::Robust)
//!     .winsor_quantile(None)
//!     .min_level_count(2);
//! let (recipe, train) = Recipe::fit(&frame, None, &params, 7)?;
//! let names: Vec<&str> = recipe.output_columns().iter().map(|c| c.name.as_str()).collect();
//! assert_eq!(names, ["employees", "employees__missing", "country=FR", "country__missing"]);
//! assert_eq!(recipe.output_columns()[2].kind, OutputKind::OneHot { level: "FR".into() });
//! // `DE` and `(missing)` are seen once (< min_level_count), so they share `(other)`, which
//! // is then exactly `1 − country=FR` and is removed as a duplicate, with the reason:
//! assert_eq!(recipe.dropped()[0].column.name, "country=(other)");
//! assert_eq!(
//!     recipe.dropped()[0].reason.to_string(),
//!     "near-duplicate of `country=FR` (Pearson r = -1.0000)"
//! );
//! // Row 2: employees missing → training median 145 → 0 after robust scaling.
//! assert_eq!(train.row(2).unwrap(), &[0.0, 1.0, 1.0, 0.0]);
//!
//! // Saved with the model, loaded at scoring time, applied verbatim:
//! let loaded = Recipe::from_json(&recipe.to_json()?)?;
//! assert_eq!(loaded.transform(&frame)?, train); // no target encoding here, so equal
//! # Ok::<(), icp_ml::Error>(())
//! ```

mod fit;
mod frame;
mod params;
mod transform;

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use serde::{Deserialize, Serialize};

pub use crate::matrix::Matrix;
pub use fit::fold_assignment;
pub use frame::{Column, ColumnData, ColumnKind, Frame};
pub use params::{LogColumns, RecipeParams, Scaling};

use crate::{Error, Result};

/// Version of the saved recipe format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Level standing for a missing categorical value.
pub const MISSING_LEVEL: &str = "(missing)";
/// Level collecting rare and unseen categorical values.
pub const OTHER_LEVEL: &str = "(other)";

/// A fitted preprocessing recipe. Build with [`Recipe::fit`]; apply with
/// [`Recipe::transform`]; save with [`Recipe::to_json`] and load with [`Recipe::from_json`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recipe {
    format_version: u32,
    seed: u64,
    params: RecipeParams,
    columns: Vec<FittedColumn>,
    outputs: Vec<OutputColumn>,
    dropped: Vec<DroppedColumn>,
}

/// What the recipe learned about one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedColumn {
    pub name: String,
    pub source: String,
    pub step: Step,
}

/// The fitted step of one input column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Step {
    Numeric(NumericStep),
    OneHot(OneHotStep),
    TargetEncoding(TargetStep),
}

impl Step {
    /// The input type the step accepts.
    pub fn kind(&self) -> ColumnKind {
        match self {
            Step::Numeric(_) => ColumnKind::Numeric,
            Step::OneHot(_) | Step::TargetEncoding(_) => ColumnKind::Categorical,
        }
    }

    fn missing_indicator(&self) -> bool {
        match self {
            Step::Numeric(s) => s.missing_indicator,
            Step::OneHot(s) => s.missing_indicator,
            Step::TargetEncoding(s) => s.missing_indicator,
        }
    }
}

/// Numeric column: `v = ln(1 + max(clip(x), 0))` (log optional), `fill` for missing, then
/// `(v − center) / scale`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericStep {
    /// Fitted `[low, high]` winsorising bounds, in original units.
    pub clip: Option<[f64; 2]>,
    pub log: bool,
    /// Imputed value for missing, after clip and log (the training median).
    pub fill: f64,
    pub center: f64,
    pub scale: f64,
    pub missing_indicator: bool,
}

/// One-hot encoding: a 0/1 column per kept level, then `(other)` if any level was folded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneHotStep {
    /// Kept levels, most frequent first (may include `(missing)`).
    pub levels: Vec<String>,
    /// Whether an `(other)` column exists (some training level was rare).
    pub other: bool,
    pub missing_indicator: bool,
}

/// Target encoding fitted on all training rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetStep {
    /// Mean target of the training rows; the encoding of unseen levels.
    pub prior: f64,
    /// Smoothed mean target per level (missing is `(missing)`).
    pub encodings: BTreeMap<String, f64>,
    pub missing_indicator: bool,
}

/// What an output column holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutputKind {
    /// A numeric input after clip, log, imputation and scaling.
    Numeric,
    /// 1 where the input was missing, else 0.
    MissingIndicator,
    /// 1 where the input had this level (or, for `(other)`, a rare or unseen one), else 0.
    OneHot { level: String },
    /// Smoothed mean target of the input's level.
    TargetEncoding,
}

/// One column of the output matrix: its name, the input column and source field it comes
/// from, and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputColumn {
    pub name: String,
    pub input: String,
    pub source: String,
    pub kind: OutputKind,
}

/// Why a candidate output column was removed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DropReason {
    /// `share` of the training rows hold the same `value`.
    NearConstant { value: f64, share: f64 },
    /// Pearson correlation `r` with the earlier kept column `with`.
    Correlated { with: String, r: f64 },
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::NearConstant { value, share } => write!(
                f,
                "near-constant: {:.1}% of training rows are {value}",
                share * 100.0
            ),
            DropReason::Correlated { with, r } => {
                write!(f, "near-duplicate of `{with}` (Pearson r = {r:.4})")
            }
        }
    }
}

/// A candidate output column the recipe removed, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DroppedColumn {
    pub column: OutputColumn,
    pub reason: DropReason,
}

impl FittedColumn {
    /// Every output column this input can produce, in matrix order, before pruning.
    pub fn candidates(&self) -> Vec<OutputColumn> {
        let out = |name: String, kind| OutputColumn {
            name,
            input: self.name.clone(),
            source: self.source.clone(),
            kind,
        };
        let mut cols = match &self.step {
            Step::Numeric(_) => vec![out(self.name.clone(), OutputKind::Numeric)],
            Step::OneHot(s) => {
                let other = s.other.then_some(OTHER_LEVEL);
                s.levels
                    .iter()
                    .map(String::as_str)
                    .chain(other)
                    .map(|level| {
                        out(
                            format!("{}={level}", self.name),
                            OutputKind::OneHot {
                                level: level.to_string(),
                            },
                        )
                    })
                    .collect()
            }
            Step::TargetEncoding(_) => {
                vec![out(
                    format!("{}__te", self.name),
                    OutputKind::TargetEncoding,
                )]
            }
        };
        if self.step.missing_indicator() {
            cols.push(out(
                format!("{}__missing", self.name),
                OutputKind::MissingIndicator,
            ));
        }
        cols
    }
}

#[derive(Deserialize)]
struct Header {
    format_version: Option<serde_json::Value>,
}

fn json_error(e: impl fmt::Display) -> Error {
    Error::Json {
        message: e.to_string(),
    }
}

impl Recipe {
    /// The columns of the matrices this recipe produces, in order, each with its input
    /// column, source field and kind.
    pub fn output_columns(&self) -> &[OutputColumn] {
        &self.outputs
    }

    /// Candidate output columns removed at fit, with the reason.
    pub fn dropped(&self) -> &[DroppedColumn] {
        &self.dropped
    }

    /// What was learned per input column (the fitted schema, in input order).
    pub fn fitted_columns(&self) -> &[FittedColumn] {
        &self.columns
    }

    /// The seed the target-encoding folds were drawn from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The hyperparameters the recipe was fitted with.
    pub fn params(&self) -> &RecipeParams {
        &self.params
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    /// The recipe as pretty JSON. Numbers round-trip exactly through [`Recipe::from_json`].
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(json_error)
    }

    /// Loads a recipe saved by [`Recipe::to_json`]. An absent or unknown `format_version` is
    /// [`Error::FormatVersion`]; malformed or inconsistent content is [`Error::Json`].
    pub fn from_json(json: &str) -> Result<Recipe> {
        let header: Header = serde_json::from_str(json).map_err(json_error)?;
        match header.format_version {
            Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
            other => {
                return Err(Error::FormatVersion {
                    found: other.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
                    supported: FORMAT_VERSION,
                });
            }
        }
        let recipe: Recipe = serde_json::from_str(json).map_err(json_error)?;
        recipe.validate()?;
        Ok(recipe)
    }

    /// Checks that a loaded recipe is self-consistent, so `transform` cannot misbehave.
    fn validate(&self) -> Result<()> {
        self.params.check()?;
        let mut names = HashSet::new();
        let mut candidates = HashSet::new();
        for c in &self.columns {
            if !names.insert(c.name.as_str()) {
                return Err(json_error(format!(
                    "input column `{}` is listed twice",
                    c.name
                )));
            }
            if let Step::Numeric(s) = &c.step {
                let finite = [s.fill, s.center, s.scale].iter().all(|v| v.is_finite());
                if !finite || s.scale == 0.0 {
                    return Err(json_error(format!(
                        "numeric step of `{}` has a non-finite value or a zero scale",
                        c.name
                    )));
                }
            }
            candidates.extend(c.candidates().into_iter().map(|o| o.name));
        }
        let mut outputs = HashSet::new();
        for o in &self.outputs {
            if !candidates.contains(&o.name) || !outputs.insert(o.name.as_str()) {
                return Err(json_error(format!(
                    "output column `{}` is duplicated or produced by no fitted column",
                    o.name
                )));
            }
        }
        Ok(())
    }
}
