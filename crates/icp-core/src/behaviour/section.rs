//! The report's behaviour section: learned engagement weights next to equal points (held-out
//! AUC of each), the journeys that convert, the surge detector against the intent vendors'
//! baseline on observable outcomes, and support spikes.

use super::timing::{FOLLOW_DAYS, Kind};
use super::{BehaviourOutcome, journeys::JOURNEY_DAYS};
use crate::report::{Cell, Report, Table, format};

/// How many paths the journeys table shows.
const TOP_PATHS: usize = 12;

/// Adds the behaviour section.
pub fn add(r: &mut Report, b: &BehaviourOutcome) {
    let s = r.section(
        "behaviour",
        "Behaviour: engagement, journeys and buying cycles",
    );
    let surging = b.accounts.iter().filter(|a| a.surge).count();
    let spikes = b.accounts.iter().filter(|a| a.support_spike).count();
    let mut kpis = vec![
        (
            "Accounts in a buying surge now",
            format::int(surging as i64),
        ),
        (
            "Accounts with a ticket spike now",
            format::int(spikes as i64),
        ),
        ("Alerts (out/alerts.csv)", format::int(b.alerts as i64)),
    ];
    if let Some(e) = &b.engagement {
        kpis.push(("Engagement AUC, learned", format::fixed(e.auc_learned, 3)));
        kpis.push((
            "Engagement AUC, equal points",
            format::fixed(e.auc_equal_points, 3),
        ));
    }
    s.kpis(&kpis);
    s.paragraph(format!(
        "Activity from {} to {}. {} events, {} deals and {} tickets could not be tied to a \
         known account and were not used.",
        b.first_day,
        b.last_day,
        format::int(b.unattributed.events as i64),
        format::int(b.unattributed.deals as i64),
        format::int(b.unattributed.tickets as i64)
    ));

    match &b.engagement {
        Some(e) => {
            s.paragraph(format!(
                "Engagement score: each event counts 0.5^(age / {} days); the weight of each \
                 event type is learned (L2 logistic regression) from whether a deal was \
                 created in the 90 days after each monthly as-of date. Trained on {} as-of \
                 dates ({} to {}, {} account-months), evaluated on {} ({} accounts, {} with a \
                 new deal): learned weights rank them with ROC-AUC {}, equal points per event \
                 {}. The 0–100 score is the percentile of the weighted sum.",
                e.half_life_days,
                e.train_dates.len(),
                e.train_dates.first().map_or("", String::as_str),
                e.train_dates.last().map_or("", String::as_str),
                format::int(e.train_rows as i64),
                e.test_date,
                format::int(e.test_rows as i64),
                format::int(e.test_positives as i64),
                format::fixed(e.auc_learned, 3),
                format::fixed(e.auc_equal_points, 3),
            ));
            let mut weights = e.weights.clone();
            weights.sort_by(|a, b| b.standardised_weight.total_cmp(&a.standardised_weight));
            s.table(Table {
                caption: Some("Learned weight per event type (equal points: 1 each)".into()),
                headers: vec![
                    "event type".into(),
                    "weight per recent event".into(),
                    "weight per std. dev.".into(),
                    "equal points".into(),
                ],
                rows: weights
                    .iter()
                    .map(|w| {
                        vec![
                            Cell::Text(w.event_type.clone()),
                            Cell::Number(w.weight),
                            Cell::Number(w.standardised_weight),
                            Cell::Int(1),
                        ]
                    })
                    .collect(),
            });
        }
        None => {
            s.note("Engagement weights need at least seven months of events and deals (a training date, its 90-day outcome window and a held-out date with its own); the score is left empty.");
        }
    }

    let j = &b.journeys;
    s.paragraph(format!(
        "Journeys: the event types (repeats collapsed) in the {JOURNEY_DAYS} days before each \
         account's first deal ({} journeys, converted), plus a window of the same length \
         for each account without a deal; {} journeys, base conversion rate {}. \
         Paths occur in order with gaps allowed, in at least {} journeys.",
        format::int(j.with_deal as i64),
        format::int(j.journeys as i64),
        format::percent(j.base_rate),
        format::int(j.min_support as i64),
    ));
    s.table(Table {
        caption: Some("Paths that convert: lift over the base rate, ranked by the 95% lower bound of their conversion".into()),
        headers: vec![
            "path".into(),
            "journeys".into(),
            "ended in a deal".into(),
            "conversion".into(),
            "lift".into(),
        ],
        rows: j
            .paths
            .iter()
            .take(TOP_PATHS)
            .map(|p| {
                vec![
                    Cell::Text(p.steps.join(" → ")),
                    Cell::Int(p.support as i64),
                    Cell::Int(p.converted as i64),
                    Cell::Percent(p.conversion_rate),
                    Cell::Text(format!("{:.1}× base", p.lift)),
                ]
            })
            .collect(),
    });

    s.paragraph(format!(
        "Buying cycles: each account's daily activity, pricing-page views, new stakeholders \
         and research content are compared with its own previous 90 days (robust z-score of \
         14-day sums, largest day left out, any signal for at least 5 days); the intent vendors' method compares \
         the last 3 weeks of activity with the 12 before. Without ground truth, both are \
         judged on what followed: a new deal within {FOLLOW_DAYS} days of the start (episodes \
         at least {FOLLOW_DAYS} days old)."
    ));
    s.table(Table {
        caption: Some("Surge detection vs the intent vendors' 3-vs-12-week baseline".into()),
        headers: vec![
            "method".into(),
            "episodes".into(),
            "accounts".into(),
            "judged".into(),
            "followed by a deal".into(),
            "median lead (days)".into(),
            "ongoing now".into(),
        ],
        rows: b
            .methods
            .iter()
            .map(|m| {
                let share = m.followed_by_deal as f64 / m.judged.max(1) as f64;
                vec![
                    Cell::Text(match m.kind {
                        Kind::IntentBaseline => "intent baseline (3 vs 12 weeks)".into(),
                        _ => "robust surge detector".into(),
                    }),
                    Cell::Int(m.episodes as i64),
                    Cell::Int(m.accounts as i64),
                    Cell::Int(m.judged as i64),
                    Cell::Percent(share),
                    m.median_lead_days
                        .map_or(Cell::Text("–".into()), Cell::Number),
                    Cell::Int(m.active_now as i64),
                ]
            })
            .collect(),
    });

    let mut slowing: Vec<_> = b
        .accounts
        .iter()
        .filter_map(|a| Some((a, a.resolution?.trend?)))
        .filter(|(_, t)| *t > 1.0)
        .collect();
    slowing.sort_by(|x, y| y.1.total_cmp(&x.1));
    s.paragraph(format!(
        "Support: {} ticket-volume spikes in all (28-day ticket counts against the account's \
         previous 112 days), {} ongoing; resolution-time trend = median resolution time of \
         the last 90 days over the 180 before.",
        format::int(
            b.episodes
                .iter()
                .filter(|e| e.kind == Kind::SupportSpike)
                .count() as i64
        ),
        format::int(spikes as i64),
    ));
    s.table(Table {
        caption: Some("Accounts whose tickets are resolved most slowly, relative to before".into()),
        headers: vec![
            "account".into(),
            "median hours (90 d)".into(),
            "trend".into(),
            "ticket spike now".into(),
        ],
        rows: slowing
            .iter()
            .take(10)
            .map(|(a, t)| {
                vec![
                    Cell::Text(a.account_id.clone()),
                    Cell::Number(a.resolution.map_or(0.0, |r| r.recent_median_hours)),
                    Cell::Text(format!("{t:.1}×")),
                    Cell::Text(if a.support_spike { "yes" } else { "no" }.into()),
                ]
            })
            .collect(),
    });
}
