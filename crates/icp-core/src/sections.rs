//! The report's sections about the input data: an overview of the company, the data-health
//! summary (rows read = accepted + quarantined per table, reasons, missing shares, duplicates,
//! orphans, outliers) and charts of who the accounts are and how they behave over time.

use crate::features::FeatureReport;
use crate::identity::IdentitySummary;
use crate::profile::{CompanyProfile, MonthIndex, month_start_days};
use crate::report::format;
use crate::report::svg::{self, BarChart, Histogram, LineChart, Series, StackedBars};
use crate::report::{Cell, Report, Table};
use icp_data::resolve::EventMatch;
use icp_data::validate::IngestReport;

/// How many bars a category chart shows before folding the rest into "other".
const TOP_CATEGORIES: usize = 12;

fn month_label(m: MonthIndex) -> String {
    const NAMES: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {}",
        NAMES[m.rem_euclid(12) as usize],
        1970 + m.div_euclid(12)
    )
}

/// Builds the whole report for an ingest run.
pub fn report(
    ingest: &IngestReport,
    profile: &CompanyProfile,
    identity: &IdentitySummary,
    features: Option<&FeatureReport>,
) -> Report {
    let mut r = Report::new("icp report");
    r.subtitle(format!("Inputs as of {}", ingest.now));
    overview(&mut r, ingest, profile);
    health(&mut r, ingest);
    identity_section(&mut r, identity);
    if let Some(f) = features {
        features_section(&mut r, f);
    }
    company(&mut r, profile);
    r
}

fn overview(r: &mut Report, ingest: &IngestReport, p: &CompanyProfile) {
    let s = r.section("overview", "Overview");
    let accepted = |t| ingest.table(t).map_or(0, |t| t.accepted);
    use icp_data::contract::Table as T;
    let won: u64 = p.deals_by_month.values().map(|d| d.won).sum();
    let lost: u64 = p.deals_by_month.values().map(|d| d.lost).sum();
    let mut kpis = vec![
        ("Accounts", format::int(accepted(T::Accounts) as i64)),
        ("Deals", format::int(accepted(T::Opportunities) as i64)),
        ("Events", format::int(accepted(T::Events) as i64)),
        ("Rows quarantined", format::int(ingest.quarantined() as i64)),
    ];
    if won + lost > 0 {
        kpis.push((
            "Win rate (closed deals)",
            format!("{:.1}%", 100.0 * won as f64 / (won + lost) as f64),
        ));
    }
    s.kpis(&kpis);
    if !ingest.missing_tables.is_empty() {
        let names: Vec<&str> = ingest.missing_tables.iter().map(|t| t.name()).collect();
        s.note(format!(
            "Not provided: {}. Stages that need them are skipped.",
            names.join(", ")
        ));
    }
}

fn health(r: &mut Report, ingest: &IngestReport) {
    let s = r.section("data-health", "Data health");
    s.paragraph(
        "Every input row is either accepted or quarantined with its file, line, column and \
         reason (out/quarantine/<table>.csv); the counts below always add up.",
    );
    let rows = ingest
        .tables
        .iter()
        .map(|t| {
            let reasons: Vec<String> = t.reasons.iter().map(|(k, v)| format!("{k} {v}")).collect();
            vec![
                Cell::Text(t.table.name().to_string()),
                Cell::Text(t.file.clone()),
                Cell::Int(t.rows_read as i64),
                Cell::Int(t.accepted as i64),
                if t.quarantined > 0 {
                    Cell::Warn(format::int(t.quarantined as i64))
                } else {
                    Cell::Int(0)
                },
                Cell::Text(reasons.join(", ")),
            ]
        })
        .collect();
    s.table(Table {
        caption: Some("Rows read = accepted + quarantined".into()),
        headers: [
            "table",
            "file",
            "read",
            "accepted",
            "quarantined",
            "reasons",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    let rows = ingest
        .tables
        .iter()
        .map(|t| {
            let outliers: Vec<String> = t
                .outliers
                .iter()
                .filter(|o| o.count > 0)
                .map(|o| format!("{} {} (> {:.0})", o.column, o.count, o.high))
                .collect();
            vec![
                Cell::Text(t.table.name().to_string()),
                Cell::Int(t.duplicate_ids as i64),
                Cell::Int(t.unknown_accounts as i64),
                t.shared_domains
                    .map_or(Cell::Text("–".into()), |n| Cell::Int(n as i64)),
                Cell::Text(if outliers.is_empty() {
                    "none".into()
                } else {
                    outliers.join(", ")
                }),
                Cell::Text(t.time_range.as_ref().map_or("–".into(), |(a, b)| {
                    format!("{} → {}", &a[..10], &b[..10])
                })),
            ]
        })
        .collect();
    s.table(Table {
        caption: Some("Duplicates, orphans and outliers".into()),
        headers: [
            "table",
            "duplicate ids",
            "unknown accounts",
            "accounts sharing a domain",
            "outliers",
            "time range",
        ]
        .map(String::from)
        .to_vec(),
        rows,
    });
    let mut rows = Vec::new();
    for t in &ingest.tables {
        for c in &t.columns {
            rows.push(vec![
                Cell::Text(t.table.name().to_string()),
                Cell::Text(c.column.clone()),
                Cell::Text(c.source.clone().unwrap_or_else(|| "(not in file)".into())),
                Cell::Bar(c.missing_share),
            ]);
        }
    }
    s.table(Table {
        caption: Some("Missing share per column (accepted rows)".into()),
        headers: ["table", "column", "read from", "missing"]
            .map(String::from)
            .to_vec(),
        rows,
    });
}

fn identity_section(r: &mut Report, id: &IdentitySummary) {
    let s = r.section("identity", "Identity resolution");
    s.paragraph(format!(
        "{} of {} accounts were merged into another account with the same registrable domain or, \
         lacking a domain, the same name (out/merges.csv lists each merge for review).",
        format::int(id.merges.len() as i64),
        format::int(id.accounts as i64)
    ));
    let total: u64 = id.events.values().sum();
    if total > 0 {
        let label = |m: &EventMatch| match m {
            EventMatch::AccountId => "account_id on the row",
            EventMatch::Contact => "contact seen with an account",
            EventMatch::Email => "email seen with an account",
            EventMatch::EmailDomain => "company domain of the email",
            EventMatch::VisitorDomain => "visitor domain",
            EventMatch::Unresolved => "unresolved",
        };
        let rows = id
            .events
            .iter()
            .map(|(m, n)| {
                vec![
                    Cell::Text(label(m).into()),
                    Cell::Int(*n as i64),
                    Cell::Bar(*n as f64 / total as f64),
                ]
            })
            .collect();
        s.table(Table {
            caption: Some("How events were tied to accounts".into()),
            headers: ["rule", "events", "share"].map(String::from).to_vec(),
            rows,
        });
    }
}

fn features_section(r: &mut Report, f: &FeatureReport) {
    let s = r.section("features", "Features");
    let Some(last) = f.snapshots.last() else {
        s.paragraph("No dated activity, so no feature snapshots were built.");
        return;
    };
    s.paragraph(format!(
        "{} monthly snapshots as of the first of each month, plus one as of the end of the data \
         (the one scoring uses), each with {} features of {} accounts built only from data \
         before its date; labels come from the window after it and stay empty where that \
         window runs past the data. Files: out/features/asof=YYYY-MM-DD.parquet; definitions \
         hash {}.",
        f.snapshots.len() - 1,
        last.features,
        format::int(last.accounts as i64),
        f.definition_hash
    ));
    let labels: Vec<String> = last.labels.keys().cloned().collect();
    let mut headers = vec!["as of".to_string(), "accounts".into(), "features".into()];
    headers.extend(labels.iter().map(|l| format!("{l} (positive / known)")));
    let rows = f
        .snapshots
        .iter()
        .map(|snap| {
            let mut row = vec![
                Cell::Text(snap.as_of.clone()),
                Cell::Int(snap.accounts as i64),
                Cell::Int(snap.features as i64),
            ];
            row.extend(labels.iter().map(|l| match snap.labels.get(l) {
                Some((_, 0)) | None => Cell::Text("–".into()),
                Some((pos, known)) if l.contains("amount") => Cell::Text(format!(
                    "{} / {}",
                    format::compact(*pos),
                    format::int(*known as i64)
                )),
                Some((pos, known)) => Cell::Text(format!(
                    "{} / {}",
                    format::int(*pos as i64),
                    format::int(*known as i64)
                )),
            }));
            row
        })
        .collect();
    s.table(Table {
        caption: Some("Snapshots".into()),
        headers,
        rows,
    });
    if let Some(o) = &f.opportunities {
        let (won, closed) = o.labels.get("won").copied().unwrap_or((0.0, 0));
        s.paragraph(format!(
            "Per deal: {} opportunities, each with its account's features as of the deal's \
             creation (the same definitions as the snapshots), {} of them closed ({} won) — \
             what the conversion model learns from (out/features/opportunities.parquet).",
            format::int(o.accounts as i64),
            format::int(closed as i64),
            format::int(won as i64),
        ));
    }
    for (label, signals) in &f.signals {
        s.chart(svg::bar_chart(&BarChart {
            title: format!("Strongest single features for {label} (ROC-AUC)"),
            labels: signals.iter().map(|g| g.feature.clone()).collect(),
            values: signals.iter().map(|g| g.auc).collect(),
            value_label: "AUC (0.5 = no signal)".into(),
            horizontal: true,
        }));
    }
    let mut missing: Vec<&(String, f64)> = f.missing.iter().filter(|(_, m)| *m > 0.0).collect();
    missing.sort_by(|a, b| b.1.total_cmp(&a.1));
    if !missing.is_empty() {
        s.table(Table {
            caption: Some("Features with missing values in the latest snapshot".into()),
            headers: ["feature", "missing"].map(String::from).to_vec(),
            rows: missing
                .iter()
                .map(|(n, m)| vec![Cell::Text(n.clone()), Cell::Bar(*m)])
                .collect(),
        });
    }
}

fn top(counts: &std::collections::BTreeMap<String, u64>) -> (Vec<String>, Vec<f64>) {
    let mut v: Vec<(&String, &u64)> = counts.iter().collect();
    v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let mut labels: Vec<String> = v
        .iter()
        .take(TOP_CATEGORIES)
        .map(|(k, _)| (*k).clone())
        .collect();
    let mut values: Vec<f64> = v
        .iter()
        .take(TOP_CATEGORIES)
        .map(|(_, n)| **n as f64)
        .collect();
    let rest: u64 = v.iter().skip(TOP_CATEGORIES).map(|(_, n)| **n).sum();
    if rest > 0 {
        labels.push("other".into());
        values.push(rest as f64);
    }
    (labels, values)
}

fn company(r: &mut Report, p: &CompanyProfile) {
    let s = r.section("company", "The company in the data");
    if !p.industries.is_empty() {
        let (labels, values) = top(&p.industries);
        s.chart(svg::bar_chart(&BarChart {
            title: "Accounts by industry".into(),
            labels,
            values,
            value_label: "accounts".into(),
            horizontal: true,
        }));
    }
    let positive: Vec<f64> = p
        .employees
        .iter()
        .filter(|v| **v >= 1.0)
        .map(|v| v.log10())
        .collect();
    if let (Some(lo), Some(hi)) = (
        positive.iter().copied().reduce(f64::min),
        positive.iter().copied().reduce(f64::max),
    ) && let Ok(h) =
        icp_ml::stats::histogram(&positive, 30, lo.floor(), hi.ceil().max(lo.floor() + 1.0))
    {
        s.chart(svg::histogram(&Histogram {
            title: "Company size".into(),
            edges: h.edges,
            counts: h.counts,
            x_label: "employees (log scale)".into(),
            log_x: true,
        }));
    }
    if !p.countries.is_empty() {
        let (labels, values) = top(&p.countries);
        s.chart(svg::bar_chart(&BarChart {
            title: "Accounts by country".into(),
            labels,
            values,
            value_label: "accounts".into(),
            horizontal: true,
        }));
    }
    if !p.deals_by_month.is_empty() {
        let months: Vec<MonthIndex> = p.deals_by_month.keys().copied().collect();
        s.chart(svg::stacked_bars(&StackedBars {
            title: "Deals created per month, by outcome".into(),
            labels: months.iter().map(|m| month_label(*m)).collect(),
            series_names: vec!["won".into(), "lost".into(), "open".into()],
            values: p
                .deals_by_month
                .values()
                .map(|d| vec![d.won as f64, d.lost as f64, d.open as f64])
                .collect(),
        }));
    }
    let last_month = p
        .events_by_type_month
        .values()
        .filter_map(|m| m.keys().next_back())
        .chain(p.deals_by_month.keys().next_back())
        .copied()
        .max();
    if let Some(last) = last_month {
        let mrr = p.mrr_by_month(last);
        if !mrr.is_empty() {
            s.chart(svg::line_chart(&LineChart {
                title: "Monthly recurring revenue".into(),
                series: vec![Series {
                    name: "MRR".into(),
                    points: mrr
                        .iter()
                        .map(|(m, v)| (month_start_days(*m), *v))
                        .collect(),
                }],
                x_label: "month".into(),
                y_label: "MRR".into(),
                x_is_date: true,
            }));
        }
    }
    if !p.events_by_type_month.is_empty() {
        let mut types: Vec<(&String, u64)> = p
            .events_by_type_month
            .iter()
            .map(|(k, m)| (k, m.values().sum()))
            .collect();
        types.sort_by_key(|t| std::cmp::Reverse(t.1));
        let series = types
            .iter()
            .take(6)
            .map(|(name, _)| Series {
                name: (*name).clone(),
                points: p.events_by_type_month[*name]
                    .iter()
                    .map(|(m, n)| (month_start_days(*m), *n as f64))
                    .collect(),
            })
            .collect();
        s.chart(svg::line_chart(&LineChart {
            title: "Activity per month, six most frequent event types".into(),
            series,
            x_label: "month".into(),
            y_label: "events".into(),
            x_is_date: true,
        }));
    }
    if !p.tickets_by_month.is_empty() {
        s.chart(svg::line_chart(&LineChart {
            title: "Support tickets per month".into(),
            series: vec![Series {
                name: "tickets".into(),
                points: p
                    .tickets_by_month
                    .iter()
                    .map(|(m, n)| (month_start_days(*m), *n as f64))
                    .collect(),
            }],
            x_label: "month".into(),
            y_label: "tickets".into(),
            x_is_date: true,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_labels() {
        assert_eq!(month_label((2025 - 1970) * 12 + 2), "Mar 2025");
    }
}
