//! What the command line shows: progress bars (indicatif, hidden with `--quiet`, `--json` or
//! when stderr is not a terminal), the plain-text summaries and the `--json` documents.

use icp_core::pipeline::{ExportRun, Outcome};
use icp_core::report::format;
use icp_core::scores::export::ExportReport;
use icp_data::synth::GenerateSummary;
use icp_ml::progress::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::path::Path;
use std::sync::Mutex;

pub struct Output {
    pub quiet: bool,
    pub json: bool,
}

/// Progress bars for long steps.
pub struct Bars {
    hidden: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress for Bars {
    fn start(&self, stage: &str, total: u64) {
        if self.hidden {
            return;
        }
        let bar = if total > 0 {
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
        } else {
            ProgressBar::new_spinner()
        };
        let style = ProgressStyle::with_template(
            "{msg:<24} [{wide_bar}] {percent:>3}%  {elapsed} eta {eta}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        bar.set_style(style);
        bar.set_message(stage.to_string());
        if let Ok(mut slot) = self.bar.lock() {
            *slot = Some(bar);
        }
    }
    fn advance(&self, n: u64) {
        if let Ok(slot) = self.bar.lock()
            && let Some(bar) = slot.as_ref()
        {
            bar.inc(n);
        }
    }
    fn finish(&self) {
        if let Ok(mut slot) = self.bar.lock()
            && let Some(bar) = slot.take()
        {
            bar.finish_and_clear();
        }
    }
}

/// Numbers right-aligned, text left-aligned.
fn print_table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    let numeric: Vec<bool> = (0..headers.len())
        .map(|i| {
            rows.iter().all(|r| {
                r[i].chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '–'))
            })
        })
        .collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(c.chars().count());
        }
    }
    let fmt = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if numeric[i] {
                    format!("{c:>w$}", w = widths[i])
                } else {
                    format!("{c:<w$}", w = widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
    };
    println!(
        "  {}",
        fmt(headers.iter().map(|h| h.to_string()).collect()).trim_end()
    );
    for r in rows {
        println!("  {}", fmt(r.clone()).trim_end());
    }
}

impl Output {
    pub fn new(quiet: bool, json: bool) -> Output {
        Output { quiet, json }
    }

    pub fn progress(&self) -> Bars {
        Bars {
            hidden: self.quiet || self.json,
            bar: Mutex::new(None),
        }
    }

    pub fn line(&self, s: &str) {
        if !self.quiet && !self.json {
            println!("{s}");
        }
    }

    pub fn generated(&self, dir: &Path, s: &GenerateSummary) {
        if self.json {
            let rows: serde_json::Map<String, serde_json::Value> = s
                .rows
                .iter()
                .map(|(t, n)| (t.name().to_string(), (*n).into()))
                .collect();
            println!(
                "{}",
                serde_json::json!({"generated": {"dir": dir, "rows": rows, "malformed_rows": s.malformed_rows,
                    "duplicate_accounts": s.duplicate_accounts, "archetypes": s.archetypes,
                    "start": s.start.to_string(), "end": s.end.to_string()}})
            );
            return;
        }
        let parts: Vec<String> = s
            .rows
            .iter()
            .map(|(t, n)| format!("{} {t}", format::int(*n as i64)))
            .collect();
        self.line(&format!(
            "Generated a synthetic company in {} ({} to {}, {} archetypes): {}.",
            dir.display(),
            s.start,
            s.end,
            s.archetypes,
            parts.join(", ")
        ));
        self.line(&format!(
            "  Planted dirt: {} duplicate accounts, {} malformed rows. Ground truth: {}",
            s.duplicate_accounts,
            s.malformed_rows,
            dir.join("truth").display()
        ));
    }

    pub fn ingest(&self, o: &Outcome, full: bool) {
        if self.json {
            println!(
                "{}",
                serde_json::json!({"ingest": o.ingest, "identity": o.identity, "features": o.features, "segments": o.segments, "behaviour": o.behaviour, "scores": o.scores, "export": o.export, "out_dir": o.out_dir, "written": o.written})
            );
            return;
        }
        if self.quiet {
            return;
        }
        println!("Inputs (now = {}):", o.ingest.now);
        let rows: Vec<Vec<String>> = o
            .ingest
            .tables
            .iter()
            .map(|t| {
                let reasons: Vec<String> =
                    t.reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
                vec![
                    t.table.name().to_string(),
                    format::int(t.rows_read as i64),
                    format::int(t.accepted as i64),
                    format::int(t.quarantined as i64),
                    reasons.join(", "),
                ]
            })
            .collect();
        print_table(
            &["table", "read", "accepted", "quarantined", "reasons"],
            &rows,
        );
        println!("\nData health:");
        let rows: Vec<Vec<String>> = o
            .ingest
            .tables
            .iter()
            .map(|t| {
                let mut missing: Vec<(&str, f64)> = t
                    .columns
                    .iter()
                    .filter(|c| c.source.is_some() && c.missing > 0)
                    .map(|c| (c.column.as_str(), c.missing_share))
                    .collect();
                missing.sort_by(|a, b| b.1.total_cmp(&a.1));
                let outliers: Vec<String> = match t.outlier_accounts {
                    Some(n) => vec![format!("{n} accounts")],
                    None => t
                        .outliers
                        .iter()
                        .filter(|x| x.count > 0)
                        .map(|x| format!("{} {}", x.column, x.count))
                        .collect(),
                };
                vec![
                    t.table.name().to_string(),
                    missing
                        .iter()
                        .take(3)
                        .map(|(c, s)| format!("{c} {:.1}%", 100.0 * s))
                        .collect::<Vec<_>>()
                        .join(", "),
                    format::int(t.duplicate_ids as i64),
                    format::int(t.unknown_accounts as i64),
                    t.shared_domains
                        .map_or("–".into(), |n| format::int(n as i64)),
                    if outliers.is_empty() {
                        "–".into()
                    } else {
                        outliers.join(", ")
                    },
                ]
            })
            .collect();
        print_table(
            &[
                "table",
                "most missing",
                "duplicate ids",
                "unknown accounts",
                "shared domains",
                "outliers",
            ],
            &rows,
        );
        for t in &o.ingest.missing_tables {
            println!("  {t}: not provided");
        }
        let events: u64 = o.identity.events.values().sum();
        let unresolved = o
            .identity
            .events
            .get(&icp_data::resolve::EventMatch::Unresolved)
            .copied()
            .unwrap_or(0);
        println!(
            "\nIdentity: {} duplicate accounts merged; {} of {} events tied to an account ({} unresolved).",
            format::int(o.identity.merges.len() as i64),
            format::int((events - unresolved) as i64),
            format::int(events as i64),
            format::int(unresolved as i64)
        );
        if let Some(f) = &o.features
            && let (Some(first), Some(last)) = (f.snapshots.first(), f.snapshots.last())
        {
            println!(
                "Features: {} snapshots as of {} … {}, {} features of {} accounts each (out/features/).",
                f.snapshots.len(),
                first.as_of,
                last.as_of,
                last.features,
                format::int(last.accounts as i64)
            );
            let labelled: Vec<String> = ["converted_90d", "churned_60d", "expanded_90d"]
                .iter()
                .map(|l| {
                    let (pos, known) = f
                        .snapshots
                        .iter()
                        .filter_map(|s| s.labels.get(*l))
                        .fold((0.0, 0), |(p, k), (sp, sk)| (p + sp, k + sk));
                    format!(
                        "{l} {} of {}",
                        format::int(pos as i64),
                        format::int(known as i64)
                    )
                })
                .collect();
            println!("  Labelled account-months: {}.", labelled.join(", "));
        }
        if let Some(b) = &o.behaviour {
            let surging = b.accounts.iter().filter(|a| a.surge).count();
            let auc = b.engagement.as_ref().map_or(String::new(), |e| {
                format!(
                    ", engagement AUC {:.3} learned vs {:.3} equal points",
                    e.auc_learned, e.auc_equal_points
                )
            });
            println!(
                "Behaviour: {} accounts in a buying surge now, {} alerts (out/alerts.csv){auc}.",
                format::int(surging as i64),
                format::int(b.alerts as i64)
            );
        }
        if let Some(s) = &o.segments {
            let unstable = s.segments.iter().filter(|p| p.unstable).count();
            println!(
                "Segments: {} (bootstrap ARI {:.2}, {unstable} unstable), {} outliers (out/segments.json, out/segment_assignments.csv).",
                s.k,
                s.stability.mean_ari,
                format::int(s.outliers.len() as i64)
            );
            for p in &s.segments {
                println!(
                    "  {} {:<48} {:>6} accounts  {}",
                    p.id,
                    p.name,
                    format::int(p.size as i64),
                    p.playbook
                );
            }
        }
        if let Some(s) = &o.scores {
            scores_summary(s);
        }
        if let Some(e) = &o.export {
            export_summary(e, &o.out_dir);
        }
        println!();
        if o.ingest.quarantined() > 0 {
            println!(
                "Quarantined rows: {}",
                o.out_dir.join("quarantine").display()
            );
        }
        if full {
            println!(
                "Merges for review: {}",
                o.out_dir.join("merges.csv").display()
            );
            println!("Validated tables: {}", o.out_dir.join("clean").display());
            if o.scores.is_some() {
                println!("Scores: {}", o.out_dir.join("accounts.csv").display());
            }
            println!("Report: {}", o.out_dir.join("report.html").display());
        }
    }
}

impl Output {
    /// The summary of a run on the flat export alone.
    pub fn export(&self, run: &ExportRun) {
        if self.json {
            println!("{}", serde_json::json!(run));
            return;
        }
        if self.quiet {
            return;
        }
        export_summary(&run.export, &run.out_dir);
        println!("Report: {}", run.out_dir.join("report.html").display());
    }
}

/// What was learned from the flat export, and where its scores are.
fn export_summary(e: &ExportReport, out_dir: &Path) {
    println!(
        "\nExport {}: {} rows, outcome `{}` known for {} ({} positive), split by {}.",
        e.path,
        format::int(e.rows as i64),
        e.outcome,
        format::int(e.labelled as i64),
        format::int(e.positives as i64),
        e.split_by
    );
    match (&e.task, &e.skipped) {
        (Some(t), _) => println!(
            "  {}: held-out ROC-AUC {}, PR-AUC {}, Brier {} on {} rows.",
            t.model,
            format::auc(t.test.roc_auc, t.test.roc_auc_ci95),
            format::fixed(t.test.pr_auc, 3),
            format::fixed(t.test.brier, 4),
            format::int(t.split.n_test as i64)
        ),
        (None, Some(reason)) => println!("  Not trained: {reason}."),
        (None, None) => {}
    }
    println!(
        "Export scores: {}",
        out_dir.join("export_scores.csv").display()
    );
}

/// Models, held-out figures and the cold-start notice of a run.
fn scores_summary(s: &icp_core::scores::ScoresReport) {
    if let Some(notice) = &s.cold_start {
        println!("\nCold start: {notice}");
    }
    println!("\nModels (held-out period, calibrated):");
    let rows: Vec<Vec<String>> = s
        .tasks
        .iter()
        .map(|t| {
            let tiers: Vec<String> = t
                .tiers
                .iter()
                .map(|r| format!("{} {:.1}%", r.tier, 100.0 * r.rate))
                .collect();
            vec![
                t.task.name.to_string(),
                t.model.clone(),
                format::auc(t.test.roc_auc, t.test.roc_auc_ci95),
                format!("{:.3}", t.test.pr_auc),
                format!("{:.4}", t.test.brier),
                tiers.join(", "),
            ]
        })
        .collect();
    print_table(
        &[
            "task",
            "model",
            "ROC-AUC (95% CI)",
            "PR-AUC",
            "Brier",
            "rate by tier",
        ],
        &rows,
    );
    for t in &s.tasks {
        if let Some((model, base)) = t.weak_signal() {
            println!(
                "  {}: weak signal, no candidate beat the base rate in cross-validation \
                 (log-loss {model:.4} against {base:.4}); read its ranking as rough.",
                t.task.name
            );
        }
    }
    for k in &s.skipped {
        println!("  {}: not trained ({})", k.task, k.reason);
    }
}
