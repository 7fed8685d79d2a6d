//! The "Scores" section of the report: the cold-start notice, and per task the time split,
//! the leaderboard, the per-segment models, held-out metrics, win rate by tier, lift and cumulative gains, the
//! reliability curve before and after calibration, and the fields that drive the score (mean
//! |SHAP|, permutation importance, partial dependence with ICE curves, interactions); then deal
//! size and lifetime value.

use super::export::{EXPORT_TASK, ExportReport};
use super::segmented::{SegmentModels, SegmentTrial};
use super::{ScoresReport, TaskReport};
use crate::report::svg::{self, BarChart, LineChart, Series};
use crate::report::{Cell, Report, Section, Table, format};

fn date(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map_or_else(|| micros.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// Adds the section to `r`.
pub fn add(r: &mut Report, s: &ScoresReport) {
    let sec = r.section("scores", "Scores");
    sec.paragraph(format!(
        "{} accounts scored as of {} (out/accounts.csv, out/accounts.parquet; models in \
         out/models/). The fit score (0–100) is the account's percentile of the conversion \
         model's score; `icp explain ACCOUNT_ID` prints its reasons.",
        format::int(s.accounts as i64),
        date(s.as_of)
    ));
    if let Some(notice) = &s.cold_start {
        sec.note(notice.clone());
    }
    for k in &s.skipped {
        sec.note(format!("{}: not trained — {}.", k.task, k.reason));
    }
    for t in &s.tasks {
        task(r, t);
    }
    value(r, s);
}

/// The section of a flat export's model.
pub fn export(r: &mut Report, e: &ExportReport) {
    let sec = r.section("export", "Learned from the flat export");
    sec.paragraph(format!(
        "{}: {} rows, {} feature columns; outcome `{}` known for {} rows ({} positive), the \
         others are scored only. Held out: the latest tenth of the labelled rows {}. Every row \
         is scored in out/export_scores.csv (probability, 0–100 score, tier, reasons); the \
         model is out/models/export.json.",
        e.path,
        format::int(e.rows as i64),
        e.feature_columns,
        e.outcome,
        format::int(e.labelled as i64),
        format::int(e.positives as i64),
        if e.split_by == "date" {
            "by date, the tenth before it calibrates"
        } else {
            "(no date column: every tenth row in file order), another tenth calibrates"
        }
    ));
    if let Some(reason) = &e.skipped {
        sec.note(format!("Not trained — {reason}."));
    }
    if let Some(t) = &e.task {
        task(r, t);
    }
}

/// Deal size, expected value and lifetime value.
fn value(r: &mut Report, s: &ScoresReport) {
    if s.deal_size.is_none() && s.lifetime.is_none() {
        return;
    }
    let sec = r.section("scores-value", "Value: deal size and lifetime value");
    if let Some(d) = &s.deal_size {
        sec.paragraph(format!(
            "Deal size: boosted regression trees on the log amount of {} won deals (features \
             at each deal's creation), early-stopped on {} won in the following 90 days after \
             {} trees; evaluated on the {} won from {} (held out). Each account's \
             predicted_deal_size is the mean amount of a deal it would sign today; \
             expected_value = P(convert) × predicted_deal_size.",
            format::int(d.n_train as i64),
            format::int(d.n_validation as i64),
            d.trees,
            format::int(d.n_test as i64),
            date(d.test_from),
        ));
        sec.table(Table {
            caption: Some("Deal size on the held-out won deals".into()),
            headers: [
                "predictor",
                "mean absolute error",
                "median absolute % error",
            ]
            .map(String::from)
            .to_vec(),
            rows: vec![
                vec![
                    Cell::Text("model".into()),
                    Cell::Text(format::compact(d.test_mae)),
                    Cell::Percent(d.test_median_ape),
                ],
                vec![
                    Cell::Text("median of the training deals".into()),
                    Cell::Text(format::compact(d.baseline_mae)),
                    Cell::Percent(d.baseline_median_ape),
                ],
            ],
        });
        sec.kpis(&[("R² (log amount)", format::fixed(d.test_r2_log, 3))]);
    }
    if let Some(l) = &s.lifetime {
        sec.paragraph(format!(
            "Lifetime value (ltv) of each of the {} subscribers: MRR × expected remaining \
             subscription life within {} months, given the life so far, from the Kaplan–Meier \
             curve of {} customers' subscription lives ({} ended, the rest still running), \
             continued beyond the longest observed life ({:.1} months) at a constant churn \
             hazard of {:.2}% per month fitted on the later half of the data. Median life: {}. \
             Total: {}.",
            format::int(l.subscribers as i64),
            l.horizon_months,
            format::int(l.customers as i64),
            format::int(l.ended as i64),
            l.last_observed_months,
            100.0 * l.tail_hazard_per_month,
            match l.median_life_months {
                None => "beyond the data".to_string(),
                Some(m) if m > l.last_observed_months => format!("{m:.1} months (from the tail)"),
                Some(m) => format!("{m:.1} months"),
            },
            format::compact(l.total_ltv),
        ));
        sec.table(Table {
            caption: Some("Share of customers still subscribed".into()),
            headers: ["months", "surviving"].map(String::from).to_vec(),
            rows: l
                .survival
                .iter()
                .map(|(m, v)| vec![Cell::Int(*m as i64), Cell::Percent(*v)])
                .collect(),
        });
    }
    if let Some(t) = &s.transactions {
        let backtest = match (t.backtest_expected_12_weeks, t.backtest_actual_12_weeks) {
            (Some(e), Some(a)) => format!(
                " Back-test: fitted without the last 12 weeks, the model expected {} purchase \
                 days in them; there were {}.",
                format::compact(e),
                format::int(a as i64)
            ),
            _ => String::new(),
        };
        sec.paragraph(format!(
            "Transactional lifetime value of the {} purchasing accounts ({} bought again on a \
             later day): BG/NBD expected purchases over {} months (r = {:.3}, α = {:.3}, \
             a = {:.3}, b = {:.3}, per week) × Gamma–Gamma expected spend per purchase \
             (p = {:.2}, q = {:.2}, γ = {:.2}); added to the subscription value where an \
             account has both. Expected purchases in the next 12 weeks: {}.{backtest} \
             Total: {}.",
            format::int(t.buyers as i64),
            format::int(t.repeat_buyers as i64),
            t.horizon_months,
            t.bgnbd[0],
            t.bgnbd[1],
            t.bgnbd[2],
            t.bgnbd[3],
            t.gamma_gamma[0],
            t.gamma_gamma[1],
            t.gamma_gamma[2],
            format::compact(t.expected_next_12_weeks),
            format::compact(t.total_ltv),
        ));
    }
}

fn task(r: &mut Report, t: &TaskReport) {
    let sec = r.section(
        &format!("scores-{}", t.task.name),
        &format!("Model: {} (label {})", t.task.name, t.task.label),
    );
    let sp = &t.split;
    let window = t.task.window_days;
    let text = if t.task.name == EXPORT_TASK.name {
        format!(
            "Learned per row of the export. Trained on {} rows ({} positive); calibrated on \
             the {} rows of the next tenth ({} chosen by cross-validated Brier); evaluated on \
             the {} rows of the last tenth (held out). Chosen by rolling-origin \
             cross-validation: {}, then refitted on the training and calibration rows \
             together.",
            format::int(sp.n_train as i64),
            format::int(sp.train_positives as i64),
            format::int(sp.n_calibration as i64),
            format!("{:?}", t.calibration).to_lowercase(),
            format::int(sp.n_test as i64),
            t.model
        )
    } else if t.task.per_opportunity {
        format!(
            "Learned per deal, won against lost, from the account's features at the deal's \
             creation. Trained on {} deals that closed before {} ({} won); calibrated on the {} \
             that closed in the {window} days from {} ({} chosen by cross-validated Brier); \
             evaluated on the {} that closed in the {window} days from {} (held out). Chosen by \
             rolling-origin cross-validation: {}, then refitted on the training and calibration \
             deals together. An account's P(convert) is the chance that a deal opened with it \
             today is won.",
            format::int(sp.n_train as i64),
            date(sp.calibration_as_of),
            format::int(sp.train_positives as i64),
            format::int(sp.n_calibration as i64),
            date(sp.calibration_as_of),
            format!("{:?}", t.calibration).to_lowercase(),
            format::int(sp.n_test as i64),
            date(sp.test_as_of),
            t.model
        )
    } else {
        format!(
            "Trained on {} account-months ({} snapshots {} … {}, {} positive); calibrated on {} \
             ({} rows, {} chosen by cross-validated Brier); evaluated on the held-out snapshot {} \
             ({} rows). Each split is one label window ({window} days) after the previous, so no \
             outcome window overlaps. Chosen by rolling-origin cross-validation: {}, then \
             refitted on the training and calibration snapshots together.",
            format::int(sp.n_train as i64),
            sp.train_as_of.len(),
            sp.train_as_of.first().map_or(String::new(), |&t| date(t)),
            sp.train_as_of.last().map_or(String::new(), |&t| date(t)),
            format::int(sp.train_positives as i64),
            date(sp.calibration_as_of),
            format::int(sp.n_calibration as i64),
            format!("{:?}", t.calibration).to_lowercase(),
            date(sp.test_as_of),
            format::int(sp.n_test as i64),
            t.model
        )
    };
    sec.paragraph(text);
    sec.kpis(&[
        (
            "ROC-AUC (95% CI)",
            format::auc(t.test.roc_auc, t.test.roc_auc_ci95),
        ),
        ("PR-AUC", format::fixed(t.test.pr_auc, 3)),
        ("Log-loss", format::fixed(t.test.log_loss, 4)),
        ("Brier", format::fixed(t.test.brier, 4)),
        ("KS", format::fixed(t.test.ks, 3)),
        (
            "Base rate",
            format::percent(t.test.positives as f64 / t.test.n.max(1) as f64),
        ),
    ]);
    sec.table(Table {
        caption: Some(
            "Leaderboard (rolling-origin cross-validation on the training period)".into(),
        ),
        headers: ["model", "folds", "log-loss", "PR-AUC", "ROC-AUC", "chosen"]
            .map(String::from)
            .to_vec(),
        rows: t
            .leaderboard
            .iter()
            .map(|l| {
                vec![
                    Cell::Text(l.model.clone()),
                    Cell::Int(l.folds as i64),
                    Cell::Number(l.cv_log_loss),
                    Cell::Number(l.cv_pr_auc),
                    Cell::Number(l.cv_roc_auc),
                    Cell::Text(if l.chosen {
                        "✓".into()
                    } else {
                        String::new()
                    }),
                ]
            })
            .chain(t.cv_base_rate_log_loss.map(|ll| {
                vec![
                    Cell::Text("base rate (no model; reference)".into()),
                    Cell::Int(t.leaderboard.iter().map(|l| l.folds).max().unwrap_or(0) as i64),
                    Cell::Number(ll),
                    Cell::Text(String::new()),
                    Cell::Number(0.5),
                    Cell::Text(String::new()),
                ]
            }))
            .collect(),
    });
    if let Some((model, base)) = t.weak_signal() {
        sec.note(format!(
            "Weak signal: in cross-validation no candidate predicted {} better than the base \
             rate (log-loss {} against {}). The probabilities are calibrated but say little \
             beyond the rate; read the ranking as rough and the held-out ROC-AUC with its \
             interval.",
            t.task.name,
            format::fixed(model, 4),
            format::fixed(base, 4)
        ));
    }
    if let Some(m) = &t.segment_models {
        segment_models(sec, m, t.task.per_opportunity);
    }
    sec.table(Table {
        caption: Some("Observed rate by tier in the held-out period".into()),
        headers: ["tier", "accounts", "positives", "rate"]
            .map(String::from)
            .to_vec(),
        rows: t
            .tiers
            .iter()
            .map(|x| {
                vec![
                    Cell::Text(x.tier.clone()),
                    Cell::Int(x.n as i64),
                    Cell::Int(x.positives as i64),
                    Cell::Percent(x.rate),
                ]
            })
            .collect(),
    });
    sec.chart(svg::bar_chart(&BarChart {
        title: "Lift by decile (held-out)".into(),
        labels: t.deciles.iter().map(|d| d.decile.to_string()).collect(),
        values: t.deciles.iter().map(|d| d.lift).collect(),
        value_label: "Lift (1 = random)".into(),
        horizontal: false,
    }));
    let mut gains = vec![(0.0, 0.0)];
    gains.extend(
        t.deciles
            .iter()
            .map(|d| (100.0 * d.cumulative_share, 100.0 * d.cumulative_gain)),
    );
    sec.chart(svg::line_chart(&LineChart {
        title: "Cumulative gains (held-out)".into(),
        series: vec![
            Series {
                name: "model".into(),
                points: gains,
            },
            Series {
                name: "random".into(),
                points: vec![(0.0, 0.0), (100.0, 100.0)],
            },
        ],
        x_label: "% of accounts, best first".into(),
        y_label: "% of positives captured".into(),
        x_is_date: false,
    }));
    let curve = |bins: &[icp_ml::evaluate::ReliabilityBin]| -> Vec<(f64, f64)> {
        bins.iter()
            .map(|b| (b.mean_predicted, b.observed))
            .collect()
    };
    sec.chart(svg::line_chart(&LineChart {
        title: format!(
            "Reliability (held-out): Brier {} before calibration, {} after",
            format::fixed(t.test_brier_uncalibrated, 4),
            format::fixed(t.test.brier, 4)
        ),
        series: vec![
            Series {
                name: "uncalibrated".into(),
                points: curve(&t.reliability_uncalibrated),
            },
            Series {
                name: "calibrated".into(),
                points: curve(&t.reliability),
            },
            Series {
                name: "perfect".into(),
                points: vec![(0.0, 0.0), (1.0, 1.0)],
            },
        ],
        x_label: "predicted probability".into(),
        y_label: "observed rate".into(),
        x_is_date: false,
    }));
    let top: Vec<&(String, f64)> = t.importance.iter().take(12).collect();
    sec.chart(svg::bar_chart(&BarChart {
        title: "What drives the score: mean |SHAP| per field (log-odds, held-out)".into(),
        labels: top.iter().map(|(f, _)| f.clone()).collect(),
        values: top.iter().map(|(_, v)| *v).collect(),
        value_label: "mean |contribution|".into(),
        horizontal: true,
    }));
    if !t.permutation.is_empty() {
        sec.table(Table {
            caption: Some(format!(
                "Permutation importance: held-out ROC-AUC lost when a field is shuffled ({} \
                 shuffles, 95% interval)",
                super::explain::PERMUTATION_REPEATS
            )),
            headers: ["field", "AUC drop", "95% interval"]
                .map(String::from)
                .to_vec(),
            rows: t
                .permutation
                .iter()
                .map(|p| {
                    vec![
                        Cell::Text(p.field.clone()),
                        Cell::Number(p.auc_drop),
                        Cell::Text(format!(
                            "{} … {}",
                            format::fixed(p.ci_low, 4),
                            format::fixed(p.ci_high, 4)
                        )),
                    ]
                })
                .collect(),
        });
    }
    for pd in &t.partial_dependence {
        let mut series = vec![Series {
            name: "average (partial dependence)".into(),
            points: pd
                .grid
                .iter()
                .copied()
                .zip(pd.average.iter().copied())
                .collect(),
        }];
        series.extend(pd.ice.iter().enumerate().map(|(k, curve)| Series {
            name: format!("account {}", k + 1),
            points: pd.grid.iter().copied().zip(curve.iter().copied()).collect(),
        }));
        sec.chart(svg::line_chart(&LineChart {
            title: format!("Partial dependence and ICE curves: {}", pd.column),
            series,
            x_label: pd.column.clone(),
            y_label: "probability".into(),
            x_is_date: false,
        }));
    }
    if !t.interactions.is_empty() {
        sec.table(Table {
            caption: Some("Strongest interactions (mean |SHAP interaction|, log-odds)".into()),
            headers: ["field", "with", "strength"].map(String::from).to_vec(),
            rows: t
                .interactions
                .iter()
                .map(|i| {
                    vec![
                        Cell::Text(i.a.clone()),
                        Cell::Text(i.b.clone()),
                        Cell::Number(i.strength),
                    ]
                })
                .collect(),
        });
    }
    if !t.coefficients.is_empty() {
        let mut coef: Vec<&(String, f64)> = t.coefficients.iter().collect();
        coef.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        sec.table(Table {
            caption: Some("Standardised coefficients (largest first)".into()),
            headers: ["column", "coefficient"].map(String::from).to_vec(),
            rows: coef
                .iter()
                .take(15)
                .map(|(c, v)| vec![Cell::Text(c.clone()), Cell::Number(*v)])
                .collect(),
        });
    }
}

/// Which segments have a model of their own, and what the folds said.
fn segment_models(sec: &mut Section, m: &SegmentModels, per_deal: bool) {
    let (pos, neg) = if per_deal {
        ("won", "lost deals")
    } else {
        ("positive", "negative rows")
    };
    let tried: Vec<&SegmentTrial> = m.segments.iter().filter(|s| s.cv.is_some()).collect();
    if tried.is_empty() {
        let most = m
            .segments
            .iter()
            .max_by_key(|s| s.train_positives.min(s.train_negatives));
        sec.paragraph(format!(
            "Per-segment models: none. A segment is tried with a model of its own from {} {pos} \
             and {} {neg} in training{}.",
            format::int(m.min_positives as i64),
            format::int(m.min_negatives as i64),
            most.map_or(String::new(), |s| format!(
                "; the best-labelled segment, {}, has {} and {}",
                s.segment,
                format::int(s.train_positives as i64),
                format::int(s.train_negatives as i64)
            ))
        ));
        return;
    }
    let adopted = m.adopted();
    sec.paragraph(format!(
        "Per-segment models: the segments with at least {} {pos} and {} {neg} in training were \
         tried with the chosen learner fitted on their rows alone, against the global model on \
         the same rolling-origin folds. A segment keeps its own model when its log-loss on its \
         validation rows is clearly lower: the mean per-row improvement is more than twice its \
         standard error. {} Every row shares one calibration, and the model \
         column of the accounts says which model scored each.",
        format::int(m.min_positives as i64),
        format::int(m.min_negatives as i64),
        if adopted.is_empty() {
            "None does: the global model scores every account.".to_string()
        } else {
            format!("Scored by their own model: {}.", adopted.join(", "))
        }
    ));
    sec.table(Table {
        caption: Some("Per-segment models (rolling-origin folds of the training period)".into()),
        headers: [
            "segment",
            pos,
            neg,
            "validation rows",
            "log-loss, global",
            "log-loss, own",
            "SE of the difference",
            "own model",
        ]
        .map(String::from)
        .to_vec(),
        rows: tried
            .iter()
            .filter_map(|s| {
                let cv = s.cv.as_ref()?;
                Some(vec![
                    Cell::Text(s.segment.clone()),
                    Cell::Int(s.train_positives as i64),
                    Cell::Int(s.train_negatives as i64),
                    Cell::Int(cv.rows as i64),
                    Cell::Number(cv.global_log_loss),
                    Cell::Number(cv.own_log_loss),
                    Cell::Number(cv.improvement_se),
                    Cell::Text(if s.own_model { "✓" } else { "" }.into()),
                ])
            })
            .collect(),
    });
}
