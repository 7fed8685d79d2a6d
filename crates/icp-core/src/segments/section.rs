//! The "Segments" section of the report: the recommendation and why, the K sweep (table,
//! elbow and silhouette charts), the map coloured by segment, the profile table with rules and
//! playbooks, unstable segments and outliers.

use super::SegmentsReport;
use crate::report::svg::{self, LineChart, Scatter, Series};
use crate::report::{Cell, Report, Table, format};

/// At most this many accounts are drawn on the map (an even sample, every segment kept).
const MAP_POINTS: usize = 3000;
/// Outliers listed in the report (all are in `segments.json`).
const OUTLIERS_SHOWN: usize = 20;

pub fn section(r: &mut Report, seg: &SegmentsReport) {
    let s = r.section("segments", "Segments");
    s.paragraph(format!(
        "{} accounts as of {} fall into {} segments. {}",
        format::int(seg.accounts as i64),
        seg.as_of.get(..10).unwrap_or(&seg.as_of),
        seg.k,
        seg.recommendation.reason
    ));
    if seg.k != seg.recommendation.k {
        s.note(format!(
            "K = {} is set in icp.toml ([segments] k); the recommendation was {}.",
            seg.k, seg.recommendation.k
        ));
    }
    s.kpis(&[
        ("Segments", seg.k.to_string()),
        ("Bootstrap ARI", format!("{:.2}", seg.stability.mean_ari)),
        ("Outliers", format::int(seg.outliers.len() as i64)),
        (
            "Ward agreement (ARI)",
            seg.ward
                .as_ref()
                .map_or_else(|| "–".into(), |w| format!("{:.2}", w.ari_with_segments)),
        ),
        (
            "Map variance shown",
            format::percent(seg.map_variance.iter().sum()),
        ),
    ]);
    let mut t = Table {
        caption: Some(
            "K sweep: k-means criteria, the BIC of a diagonal Gaussian mixture, and the latent \
             class model of the who-columns that chooses K (lowest ICL among K whose smallest \
             class is large enough)"
                .into(),
        ),
        headers: [
            "K",
            "inertia",
            "silhouette",
            "Calinski–Harabasz",
            "Davies–Bouldin",
            "mixture BIC",
            "latent class ICL",
            "smallest class",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![],
    };
    for k in &seg.sweep {
        t.rows.push(vec![
            Cell::Text(if k.k == seg.k {
                format!("{} ✓", k.k)
            } else {
                k.k.to_string()
            }),
            Cell::Number(k.inertia),
            Cell::Number(k.silhouette),
            Cell::Number(k.calinski_harabasz),
            Cell::Number(k.davies_bouldin),
            k.bic.map_or(Cell::Text("–".into()), Cell::Number),
            k.latent_class
                .as_ref()
                .map_or(Cell::Text("–".into()), |l| Cell::Number(l.icl)),
            k.latent_class.as_ref().map_or(Cell::Text("–".into()), |l| {
                Cell::Text(format::percent(l.smallest_share))
            }),
        ]);
    }
    s.table(t);
    let line = |title: &str, y: &str, f: &dyn Fn(&icp_ml::cluster::KScore) -> f64| {
        svg::line_chart(&LineChart {
            title: title.into(),
            series: vec![Series {
                name: y.into(),
                points: seg.sweep.iter().map(|k| (k.k as f64, f(k))).collect(),
            }],
            x_label: "K".into(),
            y_label: y.into(),
            x_is_date: false,
        })
    };
    s.chart(line("Elbow: inertia by K", "inertia", &|k| k.inertia));
    s.chart(line("Silhouette by K", "silhouette", &|k| k.silhouette));
    if seg.sweep.iter().all(|k| k.latent_class.is_some()) {
        s.chart(line(
            "Latent class ICL by K (lower is better)",
            "ICL",
            &|k| k.latent_class.as_ref().map_or(f64::NAN, |l| l.icl),
        ));
    }
    let names: Vec<String> = seg
        .segments
        .iter()
        .map(|p| format!("{} {}", p.id, p.name))
        .collect();
    let group = |id: usize| seg.segments.iter().position(|p| p.id == id);
    let step = seg.assignments.len().div_ceil(MAP_POINTS).max(1);
    s.chart(svg::scatter(&Scatter {
        title: "Segment map (first two principal components)".into(),
        points: seg
            .assignments
            .iter()
            .step_by(step)
            .filter(|a| !a.outlier)
            .filter_map(|a| Some((a.x, a.y, group(a.nearest)?)))
            .collect(),
        group_names: names,
        x_label: "PC 1".into(),
        y_label: "PC 2".into(),
    }));
    let mut t = Table {
        caption: Some("Segment profiles".into()),
        headers: [
            "id",
            "name",
            "accounts",
            "share",
            "stability",
            "win rate",
            "deal size",
            "cycle (days)",
            "MRR",
            "churn 60d",
            "expansion 90d",
            "LTV",
            "playbook",
            "rule (fidelity)",
            "traits",
        ]
        .map(String::from)
        .to_vec(),
        rows: vec![],
    };
    let opt = |v: Option<f64>, f: fn(f64) -> Cell| v.map_or(Cell::Text("–".into()), f);
    for p in &seg.segments {
        let r = &p.revenue;
        t.rows.push(vec![
            Cell::Int(p.id as i64),
            Cell::Text(format!(
                "{}{}",
                p.name,
                if p.high_value { " ★" } else { "" }
            )),
            Cell::Int(p.size as i64),
            Cell::Percent(p.share),
            if p.unstable {
                Cell::Warn(format!("unstable (Jaccard {:.2})", p.jaccard))
            } else {
                Cell::Text(format!("Jaccard {:.2}", p.jaccard))
            },
            opt(r.win_rate, Cell::Percent),
            opt(r.mean_deal_size, Cell::Number),
            opt(r.median_sales_cycle_days, Cell::Number),
            opt(r.mean_mrr, Cell::Number),
            opt(r.churn_rate_60d, Cell::Percent),
            opt(r.expansion_rate_90d, Cell::Percent),
            opt(r.lifetime_value, Cell::Number),
            Cell::Text(format!("{}: {}", p.playbook, p.playbook_why)),
            Cell::Text(p.rule.as_ref().map_or_else(
                || "no short rule describes it".into(),
                |rule| {
                    format!(
                        "{} ({:.0}% of matches are members, {:.0}% of members match)",
                        rule.text,
                        100.0 * rule.precision,
                        100.0 * rule.recall
                    )
                },
            )),
            Cell::Text(
                p.traits
                    .iter()
                    .map(|t| t.text.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        ]);
    }
    s.table(t);
    s.note("★ high-value: value per account (win rate × lifetime value) at least 1.2× the average account's. Stability: mean best-match Jaccard over bootstrap resamples.");
    let unstable: Vec<String> = seg
        .segments
        .iter()
        .filter(|p| p.unstable)
        .map(|p| format!("{} ({})", p.id, p.name))
        .collect();
    if !unstable.is_empty() {
        s.note(format!(
            "Unstable segments (Jaccard below {:.2}): {}. Treat them as provisional.",
            seg.stability.threshold,
            unstable.join(", ")
        ));
    }
    if !seg.outliers.is_empty() {
        let mut t = Table {
            caption: Some(format!(
                "Outliers: {} accounts fit no segment (first {} shown; all in segments.json)",
                seg.outliers.len(),
                OUTLIERS_SHOWN.min(seg.outliers.len())
            )),
            headers: ["account", "nearest segment", "why"]
                .map(String::from)
                .to_vec(),
            rows: vec![],
        };
        for o in seg.outliers.iter().take(OUTLIERS_SHOWN) {
            t.rows.push(vec![
                Cell::Text(o.account_id.clone()),
                Cell::Int(o.nearest as i64),
                Cell::Text(o.why.clone()),
            ]);
        }
        s.table(t);
    }
    if !seg.density_outliers.is_empty() {
        let mut t = Table {
            caption: Some(format!(
                "Density outliers: {} accounts lie in no dense region (HDBSCAN); they keep their \
                 segment (first {} shown; all in segments.json)",
                seg.density_outliers.len(),
                OUTLIERS_SHOWN.min(seg.density_outliers.len())
            )),
            headers: ["account", "segment", "GLOSH score"]
                .map(String::from)
                .to_vec(),
            rows: vec![],
        };
        for o in seg.density_outliers.iter().take(OUTLIERS_SHOWN) {
            t.rows.push(vec![
                Cell::Text(o.account_id.clone()),
                Cell::Int(o.segment as i64),
                Cell::Number(o.score),
            ]);
        }
        s.table(t);
    }
}
