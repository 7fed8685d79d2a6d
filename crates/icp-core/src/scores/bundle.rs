//! The saved model bundle `out/models/<task>.json`: the fitted recipe, the learner (and the
//! learners of the segments with a model of their own), its calibration, the feature schema it
//! was trained on and its held-out metrics. Scoring goes
//! through [`ModelBundle::score`], which first checks that the frame has exactly the schema
//! the recipe was fitted on (train/serve parity) and refuses a mismatch with a clear error.

use super::learner::{Contributions, Learner};
use super::segmented::{Routed, SegmentLearner, routes, segment_column};
use crate::{Error, Result};
use icp_ml::Matrix;
use icp_ml::calibrate::Calibrator;
use icp_ml::recipe::{ColumnKind, Frame, Recipe};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Version of the bundle layout this build writes and reads.
pub const BUNDLE_FORMAT_VERSION: u32 = 1;

/// One input column the model was trained on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaColumn {
    pub name: String,
    pub kind: ColumnKind,
}

/// Everything needed to score an account the way the model was trained.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelBundle {
    pub format_version: u32,
    /// The task, e.g. `conversion`.
    pub task: String,
    /// The snapshot label the task predicts (without `label_`).
    pub label: String,
    /// Leaderboard name of the learner.
    pub model_name: String,
    pub schema: Vec<SchemaColumn>,
    pub recipe: Recipe,
    pub learner: Learner,
    /// Learners of the segments that score their own rows (see [`super::segmented`]).
    #[serde(default)]
    pub segment_learners: Vec<SegmentLearner>,
    pub calibrator: Calibrator,
    /// Held-out metrics and selection details, for the record.
    pub metrics: serde_json::Value,
}

/// A frame scored by a bundle.
#[derive(Debug, Clone)]
pub struct Scored {
    /// The recipe's matrix of the frame.
    pub x: Matrix,
    /// Raw scores (log-odds).
    pub raw: Vec<f64>,
    /// Calibrated probabilities.
    pub probability: Vec<f64>,
    /// Per row, the index of the segment learner that scored it (`None`: the global one).
    pub routes: Vec<Option<usize>>,
}

/// The input schema of a frame.
pub fn schema_of(frame: &Frame) -> Vec<SchemaColumn> {
    frame
        .columns()
        .iter()
        .map(|c| SchemaColumn {
            name: c.name().to_string(),
            kind: c.kind(),
        })
        .collect()
}

impl ModelBundle {
    /// Checks that `frame` carries every trained column with its trained type, and no column
    /// the model has never seen (which would be silently ignored otherwise).
    pub fn check_schema(&self, frame: &Frame) -> Result<()> {
        let mut problems = Vec::new();
        for col in &self.schema {
            match frame.column(&col.name) {
                None => problems.push(format!("`{}` ({}) is missing", col.name, col.kind)),
                Some(c) if c.kind() != col.kind => problems.push(format!(
                    "`{}` is {} but the model was trained on {}",
                    col.name,
                    c.kind(),
                    col.kind
                )),
                Some(_) => {}
            }
        }
        for c in frame.columns() {
            if !self.schema.iter().any(|s| s.name == c.name()) {
                problems.push(format!("`{}` was not seen at training", c.name()));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::SchemaMismatch {
                task: self.task.clone(),
                problems: problems.join("; "),
            })
        }
    }

    /// Applies the recipe, the learner and the calibration to `frame`.
    pub fn score(&self, frame: &Frame) -> Result<Scored> {
        self.check_schema(frame)?;
        let x = self.recipe.transform(frame)?;
        let routes = routes(frame, &self.segment_learners);
        let model = self.routed();
        let raw = model.raw(&x, &routes)?;
        let uncalibrated = model.probability(&x, &routes)?;
        let probability = self.calibrator.apply(&uncalibrated)?;
        Ok(Scored {
            x,
            raw,
            probability,
            routes,
        })
    }

    /// The global and segment learners as one model.
    pub fn routed(&self) -> Routed<'_> {
        Routed {
            global: &self.learner,
            segments: &self.segment_learners,
            segment_column: segment_column(&self.recipe),
        }
    }

    /// Exact SHAP contributions of each recipe output column to the raw scores of `scored`,
    /// on the global model's base value.
    pub fn contributions(&self, scored: &Scored) -> Result<Contributions> {
        Ok(self.routed().contributions(&scored.x, &scored.routes)?)
    }

    /// The name of the model that scores each row of `scored`.
    pub fn row_model_names(&self, scored: &Scored) -> Vec<String> {
        scored
            .routes
            .iter()
            .map(|r| match r.and_then(|i| self.segment_learners.get(i)) {
                Some(s) => format!("{} · own model of segment {}", self.model_name, s.segment),
                None => self.model_name.clone(),
            })
            .collect()
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string(self).map_err(|e| icp_data::Error::write(path, e))?;
        std::fs::write(path, text).map_err(|e| icp_data::Error::io(path, e).into())
    }

    pub fn load(path: &Path) -> Result<ModelBundle> {
        let text = std::fs::read_to_string(path).map_err(|e| icp_data::Error::io(path, e))?;
        let version = serde_json::from_str::<serde_json::Value>(&text)
            .ok()
            .and_then(|v| v.get("format_version").and_then(|v| v.as_u64()));
        if version != Some(BUNDLE_FORMAT_VERSION as u64) {
            return Err(icp_ml::Error::FormatVersion {
                found: version.map_or("none".to_string(), |v| v.to_string()),
                supported: BUNDLE_FORMAT_VERSION,
            }
            .into());
        }
        serde_json::from_str(&text).map_err(|e| {
            icp_ml::Error::InvalidModel {
                model: "bundle",
                message: format!("{}: {e}", path.display()),
            }
            .into()
        })
    }
}
