//! The pipeline over a workspace (a folder with `icp.toml`): `check` validates the inputs and
//! writes the quarantine; `run` also writes the validated tables as Parquet, the run summary and
//! the report. Every result is first written to a staging folder inside `out/` and moved into
//! place only when the whole run succeeded, so a failed run leaves earlier results intact.

use crate::Result;
use crate::behaviour::{self, AccountBehaviour, BehaviourOutcome};
use crate::features::{self, FeatureReport};
use crate::identity::{IdentityCollector, IdentitySummary, write_merges};
use crate::profile::{CompanyProfile, Tee};
use crate::scores::export::ExportReport;
use crate::scores::output::{AccountsTable, Values};
use crate::scores::{self, ScoresParams, ScoresReport};
use crate::sections;
use crate::segments::model::Assignment;
use crate::segments::{self, SegmentsReport};
use icp_data::Error;
use icp_data::config::{CONFIG_FILE, Config, DateOrder};
use icp_data::parse::{Micros, parse_timestamp};
use icp_data::validate::{DiscardBatches, IngestOptions, IngestReport, ParquetBatches, ingest};
use icp_ml::progress::Progress;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A folder holding `icp.toml` and the exports it names.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub dir: PathBuf,
    pub config: Config,
}

impl Workspace {
    /// Opens the workspace in `dir`; errors clearly when there is no `icp.toml`.
    pub fn open(dir: &Path) -> Result<Workspace> {
        let path = dir.join(CONFIG_FILE);
        if !path.exists() {
            return Err(Error::unusable(
                &path,
                "there is no icp.toml here",
                "a workspace folder; create one with `icp init DIR` or try `icp demo`",
            )
            .into());
        }
        Ok(Workspace {
            dir: dir.to_path_buf(),
            config: Config::load(&path)?,
        })
    }

    pub fn out_dir(&self) -> PathBuf {
        self.dir.join(&self.config.workspace.out_dir)
    }

    /// The configured "now", or the current time.
    pub fn now(&self) -> Result<Micros> {
        match &self.config.workspace.now {
            Some(s) => parse_timestamp(s, DateOrder::Mdy).map_err(|e| {
                Error::InvalidArgument(format!("[workspace] now = \"{s}\": expected {e}")).into()
            }),
            None => Ok(chrono::Utc::now().timestamp_micros()),
        }
    }
}

/// What a pipeline run produced.
#[derive(Debug)]
pub struct Outcome {
    pub ingest: IngestReport,
    pub profile: CompanyProfile,
    pub identity: IdentitySummary,
    /// Feature snapshots (`run` only).
    pub features: Option<FeatureReport>,
    /// Engagement, journeys, surges and support spikes (`run` only).
    pub behaviour: Option<BehaviourOutcome>,
    /// Segmentation (`run` only, when there is a snapshot to segment).
    pub segments: Option<SegmentsReport>,
    /// Models, held-out evaluation and scores (`run` only).
    pub scores: Option<ScoresReport>,
    /// The model learned from the flat export (`run` with `[export]` only).
    pub export: Option<ExportReport>,
    pub out_dir: PathBuf,
    /// Files and folders written under `out_dir`, relative to it.
    pub written: Vec<PathBuf>,
}

/// A staging folder under `out/` whose entries replace their namesakes in `out/` on
/// [`Staging::publish`]; dropped unpublished, it is removed.
struct Staging {
    out: PathBuf,
    dir: PathBuf,
    published: bool,
}

impl Staging {
    fn new(out: &Path) -> Result<Staging> {
        let dir = out.join(format!(".staging-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(Staging {
            out: out.to_path_buf(),
            dir,
            published: false,
        })
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Moves every staged entry into `out/`, replacing what was there.
    fn publish(mut self) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        let entries = std::fs::read_dir(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&self.dir, e))?;
            let target = self.out.join(entry.file_name());
            if target.is_dir() {
                std::fs::remove_dir_all(&target).map_err(|e| Error::io(&target, e))?;
            } else if target.exists() {
                std::fs::remove_file(&target).map_err(|e| Error::io(&target, e))?;
            }
            std::fs::rename(entry.path(), &target).map_err(|e| Error::io(&target, e))?;
            written.push(PathBuf::from(entry.file_name()));
        }
        written.sort();
        self.published = true;
        std::fs::remove_dir_all(&self.dir).map_err(|e| Error::io(&self.dir, e))?;
        Ok(written)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// Validates every input: quarantine files go to `out/quarantine/`.
pub fn check(ws: &Workspace, progress: &dyn Progress) -> Result<Outcome> {
    execute(ws, progress, false)
}

/// Validates every input and writes `out/clean/<table>.parquet`, `out/quarantine/`,
/// `out/merges.csv`, `out/ingest.json` (data health and identity resolution) and
/// `out/report.html`.
pub fn run(ws: &Workspace, progress: &dyn Progress) -> Result<Outcome> {
    execute(ws, progress, true)
}

fn execute(ws: &Workspace, progress: &dyn Progress, full: bool) -> Result<Outcome> {
    let out = ws.out_dir();
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let staging = Staging::new(&out)?;
    let quarantine = staging.path("quarantine");
    std::fs::create_dir_all(&quarantine).map_err(|e| Error::io(&quarantine, e))?;
    let opts = IngestOptions {
        workspace: &ws.dir,
        config: &ws.config,
        now: ws.now()?,
        quarantine_dir: Some(&quarantine),
    };
    let mut profile = CompanyProfile::default();
    let mut identity = IdentityCollector::default();
    let report = if full {
        let mut parquet = ParquetBatches::new(&staging.path("clean"))?;
        let mut gather = Tee(&mut profile, &mut identity);
        ingest(&opts, &mut Tee(&mut parquet, &mut gather), progress)?
    } else {
        let mut gather = Tee(&mut profile, &mut identity);
        ingest(&opts, &mut Tee(&mut DiscardBatches, &mut gather), progress)?
    };
    progress.start("resolving identities", 0);
    let identity = identity.finish();
    progress.finish();
    let features = if full {
        let report = features::build(
            &staging.path("clean"),
            &staging.path("features"),
            &identity.merges,
            &identity.resolved_keys,
            &icp_features::FeatureOptions::from_config(&ws.config.features, &ws.dir),
            progress,
        )?;
        Some(report)
    } else {
        None
    };
    let behaviour = if full {
        Some(behaviour::run(
            &staging.path("clean"),
            &identity.merges,
            &identity.resolved_keys,
            opts.now,
            &staging.dir,
            progress,
        )?)
    } else {
        None
    };
    let segments = match &features {
        Some(f) => Some(run_segments(ws, f, &staging, progress)?),
        None => None,
    };
    let scores = match &features {
        Some(f) => {
            let paths: Vec<&Path> = f
                .snapshots
                .iter()
                .filter_map(|s| s.path.as_deref())
                .collect();
            progress.start("training and scoring", 0);
            let mut table = crate::snapshots::read_table(&paths)?;
            let mut opportunities = match f.opportunities.as_ref().and_then(|o| o.path.as_deref()) {
                Some(p) => Some(crate::snapshots::read_table(&[p])?),
                None => None,
            };
            if let Some((_, model)) = &segments {
                segments::add_segment_column(&mut table, model)?;
                if let Some(o) = opportunities.as_mut() {
                    segments::add_segment_column(o, model)?;
                }
            }
            let params = ScoresParams::from_config(&ws.config.scores)?;
            let mut outcome = scores::run(
                &table,
                opportunities.as_ref(),
                &scores::CustomerHistory {
                    subscription_spans: &f.subscription_spans,
                    purchases: &f.purchases,
                },
                &params,
            )?;
            let report = segments.as_ref().map(|(r, _)| r);
            join_account_columns(&mut outcome.accounts, report, behaviour.as_ref())?;
            scores::write(&outcome, &staging.dir)?;
            progress.finish();
            Some(outcome.report)
        }
        None => None,
    };
    let export = match &ws.config.export {
        Some(_) if full => Some(export_stage(ws, &staging, progress)?),
        _ => None,
    };
    if full {
        write_merges(&staging.path("merges.csv"), &identity.merges)?;
        let json = staging.path("ingest.json");
        let doc = serde_json::json!({"ingest": report, "identity": identity, "features": features});
        let text = serde_json::to_string_pretty(&doc).map_err(|e| Error::write(&json, e))?;
        std::fs::write(&json, text).map_err(|e| Error::io(&json, e))?;
        let html = staging.path("report.html");
        let mut doc = sections::report(&report, &profile, &identity, features.as_ref());
        if let Some(b) = &behaviour {
            behaviour::section::add(&mut doc, b);
        }
        if let Some((s, _)) = &segments {
            segments::section::section(&mut doc, s);
        }
        if let Some(s) = &scores {
            scores::section::add(&mut doc, s);
        }
        if let Some(e) = &export {
            scores::section::export(&mut doc, e);
        }
        doc.write(&html).map_err(|e| Error::io(&html, e))?;
    }
    let written = staging.publish()?;
    Ok(Outcome {
        ingest: report,
        profile,
        identity,
        features,
        behaviour,
        segments: segments.map(|(r, _)| r),
        scores,
        export,
        out_dir: out,
        written,
    })
}

/// What `icp run` did on a workspace whose only input is the flat export.
#[derive(Debug, serde::Serialize)]
pub struct ExportRun {
    pub export: ExportReport,
    pub out_dir: PathBuf,
    /// Files and folders written under `out_dir`, relative to it.
    pub written: Vec<PathBuf>,
}

impl Workspace {
    /// Whether the flat export is the workspace's only input (no `[tables.*]`).
    pub fn export_only(&self) -> bool {
        self.config.tables.is_empty() && self.config.export.is_some()
    }
}

/// `run` on a workspace whose only input is `[export]`: learns from the export and writes
/// `out/export_scores.*`, `out/models/export.json` and `out/report.html` with that section
/// alone. A failed run leaves the previous results in place.
pub fn run_export(ws: &Workspace, progress: &dyn Progress) -> Result<ExportRun> {
    let out = ws.out_dir();
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    let staging = Staging::new(&out)?;
    let export = export_stage(ws, &staging, progress)?;
    let mut doc = crate::report::Report::new("icp report");
    doc.subtitle(format!("Learned from {}", export.path));
    scores::section::export(&mut doc, &export);
    let html = staging.path("report.html");
    doc.write(&html).map_err(|e| Error::io(&html, e))?;
    let written = staging.publish()?;
    Ok(ExportRun {
        export,
        out_dir: out,
        written,
    })
}

/// Reads and types the flat export `[export]` names (`check` on an export-only workspace).
pub fn read_export(ws: &Workspace) -> Result<icp_data::export::ExportTable> {
    let Some(config) = &ws.config.export else {
        return Err(Error::InvalidArgument("icp.toml has no [export] section".into()).into());
    };
    let opts = ws
        .config
        .parse_options(None)
        .map_err(|e| Error::InvalidArgument(format!("[parse]: {e}")))?;
    Ok(icp_data::export::read(&ws.dir, config, &opts)?)
}

/// Reads the flat export, learns from it and writes its files into the staging folder.
fn export_stage(
    ws: &Workspace,
    staging: &Staging,
    progress: &dyn Progress,
) -> Result<ExportReport> {
    progress.start("learning from the export", 0);
    let table = read_export(ws)?;
    let params = ScoresParams::from_config(&ws.config.scores)?;
    let outcome = scores::export::run(&table, &params)?;
    scores::export::write(&outcome, &staging.dir)?;
    progress.finish();
    Ok(outcome.report)
}

/// The segmentation stage on the feature snapshots, matched to the previous run's saved
/// segmentation when there is one; writes its files into the staging folder and returns the
/// report and the model (which adds the `segment` feature for scoring).
fn run_segments(
    ws: &Workspace,
    features: &FeatureReport,
    staging: &Staging,
    progress: &dyn Progress,
) -> Result<(SegmentsReport, segments::model::SegmentModel)> {
    let paths: Vec<&Path> = features
        .snapshots
        .iter()
        .filter_map(|s| s.path.as_deref())
        .collect();
    let saved = ws.out_dir().join("models").join("segments.json");
    let previous = match std::fs::read_to_string(&saved) {
        Ok(text) => Some(segments::model::SegmentModel::from_json(&text)?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&saved, e).into()),
    };
    let (report, model) = segments::build(
        &paths,
        &features.event_types,
        &ws.config.segments,
        previous.as_ref(),
        progress,
    )?;
    segments::write(&staging.dir, &report, &model)?;
    Ok((report, model))
}

/// Adds each account's segment (id, name, outlier flag, map coordinates) and behaviour
/// (engagement score, surge, likely next step, support spike) to the scored accounts table,
/// matched by account id, so `out/accounts.csv` holds one complete row per account.
fn join_account_columns(
    accounts: &mut AccountsTable,
    segments: Option<&SegmentsReport>,
    behaviour: Option<&BehaviourOutcome>,
) -> Result<()> {
    let Some(Values::Text(ids)) = accounts.column("account_id").cloned() else {
        return Ok(());
    };
    let number = |v: Option<f64>| v.unwrap_or(f64::NAN);
    if let Some(seg) = segments {
        let by_id: HashMap<&str, &Assignment> = seg
            .account_ids
            .iter()
            .map(String::as_str)
            .zip(&seg.assignments)
            .collect();
        let find = |id: &Option<String>| id.as_deref().and_then(|i| by_id.get(i).copied());
        let column = |f: &dyn Fn(&Assignment) -> f64| {
            Values::Number(ids.iter().map(|i| number(find(i).map(f))).collect())
        };
        accounts.set(
            "segment",
            column(&|a| a.segment().map_or(f64::NAN, |s| s as f64)),
        )?;
        accounts.set(
            "segment_name",
            Values::Text(
                ids.iter()
                    .map(|i| {
                        find(i)
                            .and_then(|a| a.segment())
                            .map(|s| seg.name(s).to_string())
                    })
                    .collect(),
            ),
        )?;
        accounts.set(
            "segment_outlier",
            column(&|a| f64::from(u8::from(a.outlier))),
        )?;
        accounts.set("map_x", column(&|a| a.x))?;
        accounts.set("map_y", column(&|a| a.y))?;
    }
    if let Some(b) = behaviour {
        let by_id: HashMap<&str, &AccountBehaviour> = b
            .accounts
            .iter()
            .map(|a| (a.account_id.as_str(), a))
            .collect();
        let find = |id: &Option<String>| id.as_deref().and_then(|i| by_id.get(i).copied());
        accounts.set(
            "engagement_score",
            Values::Number(
                ids.iter()
                    .map(|i| number(find(i).and_then(|a| a.engagement_score)))
                    .collect(),
            ),
        )?;
        let flag = |f: &dyn Fn(&AccountBehaviour) -> bool| {
            Values::Number(
                ids.iter()
                    .map(|i| find(i).map_or(f64::NAN, |a| f64::from(u8::from(f(a)))))
                    .collect(),
            )
        };
        accounts.set("surge", flag(&|a| a.surge))?;
        let text = |f: &dyn Fn(&AccountBehaviour) -> Option<String>| {
            Values::Text(ids.iter().map(|i| find(i).and_then(f)).collect())
        };
        accounts.set("surge_start", text(&|a| a.surge_start.clone()))?;
        accounts.set(
            "surge_signals",
            text(&|a| (!a.surge_signals.is_empty()).then(|| a.surge_signals.join(";"))),
        )?;
        accounts.set(
            "next_step",
            text(&|a| a.next_step.as_ref().map(|n| n.event_type.clone())),
        )?;
        accounts.set("support_spike", flag(&|a| a.support_spike))?;
    }
    Ok(())
}
