//! Segment profiles: size and share, the traits that set each segment apart (effect sizes,
//! shown in business units: `log_employees` is shown as employees), revenue figures from the
//! feature store (win rate, deal size, sales cycle, MRR, churn and expansion rates, lifetime
//! value, engagement), whether the segment is high-value, a generated name, a membership rule
//! from a shallow surrogate tree with its fidelity, and a playbook line.
//!
//! Revenue figures per segment, from the latest snapshot unless said otherwise:
//! - win rate = Σ prior wins / Σ (prior wins + prior losses);
//! - mean deal size = Σ won amount / Σ wins; median sales cycle = median of accounts' mean
//!   cycle; MRR = mean over accounts with an active subscription;
//! - churn and expansion rates = mean of `label_churned_60d` / `label_expanded_90d` over every
//!   snapshot where the label window is complete (accounts in the segment today);
//! - lifetime value = mean deal size + MRR × expected tenure, expected tenure = 1 / monthly
//!   churn (monthly churn = 1 − (1 − 60-day churn)^½), capped at 60 months;
//! - value per account = win rate × lifetime value; high-value = at least 1.2× the average
//!   account's.
//!
//! Playbook, first rule that applies: churn ≥ 1.5× the company's and customers ≥ 10% →
//! retain; high-value and expansion ≥ the company's → expand; high-value → acquire;
//! engagement ≥ the company's median but win rate below the company's → nurture; value per
//! account < 0.5× the average → deprioritise; otherwise nurture.

use super::model::{Assignment, SegmentModel};
use super::numeric_column;
use crate::snapshots::SnapshotTable;
use icp_ml::cluster::Stability;
use icp_ml::recipe::{Column, ColumnData, Frame};
use icp_ml::surrogate::{Rule, SurrogateParams, membership_rule};
use serde::Serialize;
use std::collections::HashMap;

/// One distinguishing trait.
#[derive(Debug, Clone, Serialize)]
pub struct Trait {
    pub feature: String,
    /// "median employees 340 vs 85", "industry Fintech 45% vs 8%".
    pub text: String,
    /// Cohen's d (numeric) or h (a categorical level's share), segment vs the rest.
    pub effect: f64,
}

/// Revenue figures of one segment (`None` when the snapshot lacks the column).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Revenue {
    pub customers_share: Option<f64>,
    pub win_rate: Option<f64>,
    pub mean_deal_size: Option<f64>,
    pub median_sales_cycle_days: Option<f64>,
    pub mean_mrr: Option<f64>,
    pub total_mrr: Option<f64>,
    pub churn_rate_60d: Option<f64>,
    pub expansion_rate_90d: Option<f64>,
    pub lifetime_value: Option<f64>,
    /// Median time-decayed event count.
    pub engagement: Option<f64>,
    /// Win rate × lifetime value.
    pub value_per_account: Option<f64>,
}

/// Everything said about one segment.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentProfile {
    pub id: usize,
    pub name: String,
    pub name_overridden: bool,
    pub size: usize,
    pub share: f64,
    /// Mean best-match Jaccard over the bootstrap resamples.
    pub jaccard: f64,
    pub unstable: bool,
    pub traits: Vec<Trait>,
    pub revenue: Revenue,
    pub high_value: bool,
    pub rule: Option<Rule>,
    pub playbook: String,
    pub playbook_why: String,
}

/// The display name and business-unit values of a segmentation column.
fn business_units(column: &Column) -> Column {
    match (column.name().strip_prefix("log_"), column.data()) {
        (Some(base), ColumnData::Numeric(v)) => Column::numeric(
            base,
            column.source(),
            v.iter().map(|x| x.exp_m1()).collect::<Vec<f64>>(),
        ),
        _ => column.clone(),
    }
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (s, n) = v
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| s / n as f64)
}

fn median(v: impl Iterator<Item = f64>) -> Option<f64> {
    let v: Vec<f64> = v.filter(|x| x.is_finite()).collect();
    icp_ml::stats::median(&v).ok().flatten()
}

fn sd(v: &[f64]) -> Option<f64> {
    let m = mean(v.iter().copied())?;
    let (s, n) = v
        .iter()
        .filter(|x| x.is_finite())
        .fold((0.0, 0usize), |(s, n), x| (s + (x - m) * (x - m), n + 1));
    (n > 1).then(|| (s / (n - 1) as f64).sqrt())
}

/// A number for a trait's text.
fn show(v: f64, share: bool) -> String {
    if share {
        format!("{:.0}%", 100.0 * v)
    } else {
        crate::report::format::compact(v)
    }
}

fn traits(frame: &Frame, member: &[bool]) -> Vec<Trait> {
    let mut out = Vec::new();
    for column in frame.columns() {
        let shown = business_units(column);
        let share_column = column.name().starts_with("share_");
        match (column.data(), shown.data()) {
            (ColumnData::Numeric(raw), ColumnData::Numeric(units)) => {
                let split = |v: &[f64], inside: bool| -> Vec<f64> {
                    v.iter()
                        .zip(member)
                        .filter(|(x, m)| **m == inside && x.is_finite())
                        .map(|(x, _)| *x)
                        .collect()
                };
                let (a, b) = (split(raw, true), split(raw, false));
                let (Some(ma), Some(mb), Some(sa), Some(sb)) = (
                    mean(a.iter().copied()),
                    mean(b.iter().copied()),
                    sd(&a),
                    sd(&b),
                ) else {
                    continue;
                };
                let pooled = ((sa * sa + sb * sb) / 2.0).sqrt();
                if pooled <= 0.0 {
                    continue;
                }
                let effect = (ma - mb) / pooled;
                let (Some(med_in), Some(med_out)) = (
                    median(split(units, true).into_iter()),
                    median(split(units, false).into_iter()),
                ) else {
                    continue;
                };
                out.push(Trait {
                    feature: shown.name().to_string(),
                    text: format!(
                        "median {} {} vs {}",
                        shown.name().replace('_', " "),
                        show(med_in, share_column),
                        show(med_out, share_column)
                    ),
                    effect,
                });
            }
            (ColumnData::Categorical(v), _) => {
                let mut counts: HashMap<Option<&str>, (f64, f64)> = HashMap::new();
                let (n_in, n_out): (f64, f64) =
                    member.iter().fold(
                        (0.0, 0.0),
                        |(i, o), &m| {
                            if m { (i + 1.0, o) } else { (i, o + 1.0) }
                        },
                    );
                for (x, &m) in v.iter().zip(member) {
                    let e = counts.entry(x.as_deref()).or_default();
                    if m {
                        e.0 += 1.0;
                    } else {
                        e.1 += 1.0;
                    }
                }
                let best = counts
                    .into_iter()
                    .filter_map(|(level, (i, o))| {
                        let (p, q) = (i / n_in.max(1.0), o / n_out.max(1.0));
                        let h = 2.0 * p.sqrt().asin() - 2.0 * q.sqrt().asin();
                        Some((level?, p, q, h))
                    })
                    .max_by(|a, b| a.3.total_cmp(&b.3).then(b.0.cmp(a.0)));
                if let Some((level, p, q, h)) = best {
                    out.push(Trait {
                        feature: column.name().to_string(),
                        text: format!(
                            "{} {level} {:.0}% vs {:.0}%",
                            column.name().replace('_', " "),
                            100.0 * p,
                            100.0 * q
                        ),
                        effect: h,
                    });
                }
            }
            _ => {}
        }
    }
    out.sort_by(|a, b| b.effect.abs().total_cmp(&a.effect.abs()));
    out.retain(|t| t.effect.abs() >= 0.3);
    out.truncate(5);
    out
}

/// Employees size band.
fn size_band(employees: f64) -> &'static str {
    if employees < 100.0 {
        "Small"
    } else if employees < 1000.0 {
        "Mid-market"
    } else {
        "Enterprise"
    }
}

/// A generated name: size band, the dominant industries when they stand out, the engagement
/// level against the company's.
fn generated_name(
    frame: &Frame,
    member: &[bool],
    engagement: Option<f64>,
    company_engagement: Option<f64>,
) -> String {
    let mut parts = Vec::new();
    let employees = numeric_column(frame, "log_employees").and_then(|v| {
        median(
            v.iter()
                .zip(member)
                .filter(|(_, m)| **m)
                .map(|(x, _)| x.exp_m1()),
        )
    });
    let mut head = employees.map_or("Mixed-size", size_band).to_string();
    if let Some(ColumnData::Categorical(v)) = frame.column("industry").map(|c| c.data()) {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        let mut n = 0usize;
        for (x, _) in v.iter().zip(member).filter(|(_, m)| **m) {
            n += 1;
            if let Some(x) = x {
                *counts.entry(x.as_str()).or_default() += 1;
            }
        }
        let mut top: Vec<(&str, usize)> = counts.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let share = |c: usize| c as f64 / n.max(1) as f64;
        match top.as_slice() {
            [(a, ca), ..] if share(*ca) >= 0.5 => head = format!("{head} {}", a.to_lowercase()),
            [(a, ca), (b, cb), ..] if share(*ca) + share(*cb) >= 0.55 => {
                head = format!("{head} {} & {}", a.to_lowercase(), b.to_lowercase())
            }
            _ => head = format!("{head} mixed industries"),
        }
    }
    parts.push(head);
    if let (Some(e), Some(c)) = (engagement, company_engagement.filter(|c| *c > 0.0)) {
        if e >= 1.3 * c {
            parts.push("high engagement".to_string());
        } else if e <= 0.7 * c {
            parts.push("low engagement".to_string());
        }
    }
    parts.join(" · ")
}

/// Revenue figures of the accounts selected by `member`.
fn revenue(
    table: &SnapshotTable,
    member: &[bool],
    churn: Option<f64>,
    expansion: Option<f64>,
) -> Revenue {
    let col = |name: &str| numeric_column(&table.features, name);
    let pick = |v: &[f64]| -> Vec<f64> {
        v.iter()
            .zip(member)
            .filter(|(x, m)| **m && x.is_finite())
            .map(|(x, _)| *x)
            .collect()
    };
    let sum = |name: &str| col(name).map(|v| pick(v).iter().sum::<f64>());
    let wins = sum("prior_wins");
    let losses = sum("prior_losses");
    let win_rate = wins
        .zip(losses)
        .and_then(|(w, l)| (w + l > 0.0).then(|| w / (w + l)));
    let mean_deal_size = sum("prior_won_amount")
        .zip(wins)
        .and_then(|(a, w)| (w > 0.0).then(|| a / w));
    let active = col("active_subscription").map(pick);
    let mrr_active: Option<Vec<f64>> = col("mrr").map(|m| {
        m.iter()
            .zip(member)
            .zip(
                col("active_subscription")
                    .unwrap_or(&[])
                    .iter()
                    .chain(std::iter::repeat(&1.0)),
            )
            .filter(|((x, m), a)| **m && x.is_finite() && **a > 0.0)
            .map(|((x, _), _)| *x)
            .collect()
    });
    let mean_mrr = mrr_active.as_ref().and_then(|v| mean(v.iter().copied()));
    let lifetime_value = mean_deal_size.map(|deal| {
        let monthly_churn = churn.map_or(0.0, |c| 1.0 - (1.0 - c.clamp(0.0, 1.0)).sqrt());
        let tenure = if monthly_churn > 0.0 {
            (1.0 / monthly_churn).min(60.0)
        } else {
            60.0
        };
        deal + mean_mrr.unwrap_or(0.0) * tenure
    });
    Revenue {
        customers_share: active.as_ref().and_then(|v| mean(v.iter().copied())),
        win_rate,
        mean_deal_size,
        median_sales_cycle_days: col("mean_cycle_days").and_then(|v| median(pick(v).into_iter())),
        mean_mrr,
        total_mrr: mrr_active.map(|v| v.iter().sum()),
        churn_rate_60d: churn,
        expansion_rate_90d: expansion,
        value_per_account: win_rate.zip(lifetime_value).map(|(w, l)| w * l),
        lifetime_value,
        engagement: col("decayed_events").and_then(|v| median(pick(v).into_iter())),
    }
}

/// Mean of a label over every snapshot row whose account is in segment `id` today.
fn label_rate(
    all: Option<&SnapshotTable>,
    label: &str,
    segment_of: &HashMap<&str, usize>,
    id: Option<usize>,
) -> Option<f64> {
    let all = all?;
    let v = all.label(label)?;
    mean(
        all.account_ids
            .iter()
            .zip(v)
            .filter(|(a, _)| match (segment_of.get(a.as_str()), id) {
                (Some(s), Some(id)) => *s == id,
                (Some(_), None) => true,
                _ => false,
            })
            .map(|(_, x)| *x),
    )
}

/// Profiles of every segment, in id order. `ids[c]` is the id of k-means cluster `c` (the
/// order of `stability`).
pub fn profiles(
    table: &SnapshotTable,
    all: Option<&SnapshotTable>,
    frame: &Frame,
    assignments: &[Assignment],
    model: &SegmentModel,
    stability: &Stability,
    ids: &[usize],
) -> crate::Result<Vec<SegmentProfile>> {
    let n = assignments.len();
    let members: usize = assignments.iter().filter(|a| !a.outlier).count();
    let segment_of: HashMap<&str, usize> = table
        .account_ids
        .iter()
        .zip(assignments)
        .filter_map(|(id, a)| Some((id.as_str(), a.segment()?)))
        .collect();
    let everyone: Vec<bool> = assignments.iter().map(|a| !a.outlier).collect();
    let company = revenue(
        table,
        &everyone,
        label_rate(all, "churned_60d", &segment_of, None),
        label_rate(all, "expanded_90d", &segment_of, None),
    );
    // The surrogate tree sees business units, members only (outliers are in no segment).
    let kept: Vec<usize> = (0..n).filter(|&i| everyone[i]).collect();
    let units = Frame::new(frame.columns().iter().map(business_units).collect())
        .and_then(|f| f.select_rows(&kept))
        .map_err(super::model::ml)?;
    let params = SurrogateParams {
        max_depth: 3,
        min_leaf: (kept.len() / 100).max(10),
    };
    let mut out = Vec::new();
    for s in &model.segments {
        let member: Vec<bool> = assignments
            .iter()
            .map(|a| a.segment() == Some(s.id))
            .collect();
        let size = member.iter().filter(|&&m| m).count();
        let cluster = ids
            .iter()
            .position(|&i| i == s.id)
            .expect("id of a cluster");
        let revenue = revenue(
            table,
            &member,
            label_rate(all, "churned_60d", &segment_of, Some(s.id)),
            label_rate(all, "expanded_90d", &segment_of, Some(s.id)),
        );
        let kept_member: Vec<bool> = kept.iter().map(|&i| member[i]).collect();
        let rule = membership_rule(&units, &kept_member, &params).map_err(super::model::ml)?;
        out.push(SegmentProfile {
            id: s.id,
            name: generated_name(frame, &member, revenue.engagement, company.engagement),
            name_overridden: false,
            size,
            share: size as f64 / members.max(1) as f64,
            jaccard: stability.jaccard[cluster],
            unstable: stability.unstable[cluster],
            traits: traits(frame, &member),
            high_value: false,
            rule,
            playbook: String::new(),
            playbook_why: String::new(),
            revenue,
        });
    }
    dedupe_names(&mut out);
    for p in &mut out {
        let (high, action, why) = playbook(&p.revenue, &company);
        p.high_value = high;
        p.playbook = action.to_string();
        p.playbook_why = why;
    }
    Ok(out)
}

/// Two segments with the same generated name get their strongest trait appended.
fn dedupe_names(profiles: &mut [SegmentProfile]) {
    let names: Vec<String> = profiles.iter().map(|p| p.name.clone()).collect();
    for p in profiles.iter_mut() {
        if names.iter().filter(|n| **n == p.name).count() > 1 {
            let extra = p
                .traits
                .iter()
                .find(|t| !p.name.to_lowercase().contains(&t.feature.replace('_', " ")))
                .map_or_else(|| format!("segment {}", p.id), |t| t.text.clone());
            p.name = format!("{} · {extra}", p.name);
        }
    }
}

/// High-value flag, playbook action and its reason (module doc).
fn playbook(r: &Revenue, company: &Revenue) -> (bool, &'static str, String) {
    let ratio =
        |a: Option<f64>, b: Option<f64>| a.zip(b).and_then(|(a, b)| (b > 0.0).then(|| a / b));
    let value = ratio(r.value_per_account, company.value_per_account);
    let high = value.is_some_and(|v| v >= 1.2);
    let pct = |v: Option<f64>| v.map_or_else(|| "n/a".into(), |v| format!("{:.0}%", 100.0 * v));
    if ratio(r.churn_rate_60d, company.churn_rate_60d).is_some_and(|c| c >= 1.5)
        && r.customers_share.is_some_and(|c| c >= 0.1)
    {
        return (
            high,
            "retain",
            format!(
                "60-day churn {} against {} company-wide, with {} of accounts customers",
                pct(r.churn_rate_60d),
                pct(company.churn_rate_60d),
                pct(r.customers_share)
            ),
        );
    }
    if high && ratio(r.expansion_rate_90d, company.expansion_rate_90d).is_some_and(|e| e >= 1.0) {
        return (
            high,
            "expand",
            format!(
                "high value ({:.1}× the average account) and expansion {} against {}",
                value.unwrap_or(0.0),
                pct(r.expansion_rate_90d),
                pct(company.expansion_rate_90d)
            ),
        );
    }
    if high {
        return (
            high,
            "acquire",
            format!(
                "high value ({:.1}× the average account): win rate {}, lifetime value {}",
                value.unwrap_or(0.0),
                pct(r.win_rate),
                r.lifetime_value
                    .map_or_else(|| "n/a".into(), crate::report::format::compact)
            ),
        );
    }
    if ratio(r.engagement, company.engagement).is_some_and(|e| e >= 1.0)
        && ratio(r.win_rate, company.win_rate).is_some_and(|w| w < 1.0)
    {
        return (
            high,
            "nurture",
            format!(
                "engaged but converting below average (win rate {} against {})",
                pct(r.win_rate),
                pct(company.win_rate)
            ),
        );
    }
    if value.is_some_and(|v| v < 0.5) {
        return (
            high,
            "deprioritise",
            format!("value per account {:.1}× the average", value.unwrap_or(0.0)),
        );
    }
    (
        high,
        "nurture",
        format!(
            "average value ({}× the average account); grow engagement before sales effort",
            value.map_or_else(|| "n/a".into(), |v| format!("{v:.1}"))
        ),
    )
}
