//! The built-in feature families and labels as SQL, generated for one as-of moment `T`.
//!
//! Every feature reads only rows strictly before `T` (events at `T` are the future), and every
//! label reads only the window after `T`; a label whose window runs past the end of the data is
//! NULL, never a guessed 0. Times are compared as integer microseconds (`CAST(ts AS BIGINT)`),
//! so no time-zone coercion can move a row across `T`. Definitions are documented in
//! `docs/features.md`; the SQL text itself is hashed into each snapshot's metadata.

use std::fmt::Write;

/// Microseconds per day.
pub const DAY: i64 = 86_400_000_000;

/// The in-memory table of resolved events the snapshots read (account_id, ts as integer
/// microseconds, event_type, contact_id, value), materialised once per run so each snapshot
/// neither decodes Parquet nor re-resolves identities.
pub const EVENTS_TABLE: &str = "icp_events";

/// Engagement windows, in days.
pub const WINDOWS: [i64; 4] = [7, 30, 60, 90];
/// Per-event-type windows, in days.
pub const TYPE_WINDOWS: [i64; 2] = [30, 90];
/// Half-life of the time-decayed activity total, in days.
pub const DECAY_HALF_LIFE_DAYS: i64 = 30;
/// Event types that are product usage: their distinct contacts are the active users.
pub const USAGE_EVENT_TYPES: [&str; 2] = ["product_login", "feature_used"];
/// The event type whose `value` names the product feature used.
pub const FEATURE_USED: &str = "feature_used";
/// Event types that are purchases: with a numeric `value` they are RFM transactions.
pub const PURCHASE_EVENT_TYPES: [&str; 3] = ["purchase", "order", "payment"];
/// Look-back of RFM frequency and monetary value, in days.
pub const RFM_DAYS: i64 = 365;
/// A ticket whose text scores below this is negative (VADER's convention).
pub const NEGATIVE_SENTIMENT: f64 = -0.05;

/// One technology flag column: the technology as matched (trimmed, lower-case) and its column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Technology {
    pub name: String,
    pub column: String,
}

/// Technology flag columns for `names` (trimmed, lower-case, most frequent first): `tech_`
/// plus the name as an identifier, with `_2`, `_3`… when two names give the same identifier.
pub fn technology_columns(names: &[String]) -> Vec<Technology> {
    let mut taken = std::collections::BTreeSet::new();
    names
        .iter()
        .map(|name| {
            let base = format!("tech_{}", identifier(name).trim_start_matches('_'));
            let mut column = base.clone();
            let mut k = 2;
            while !taken.insert(column.clone()) {
                column = format!("{base}_{k}");
                k += 1;
            }
            Technology {
                name: name.clone(),
                column,
            }
        })
        .collect()
}

/// A SQL identifier made of lower-case letters, digits and underscores.
pub fn identifier(raw: &str) -> String {
    let mut s: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, '_');
    }
    s
}

/// A SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn quoted_list(items: &[&str]) -> String {
    items
        .iter()
        .map(|s| quote(s))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table of per-row as-of moments that [`AsOf::PerRow`] reads: `row_id` (unique),
/// `account_id` (canonical), `t` (microseconds), `closed_micros`, `won` (the row's outcome,
/// NULL while open) and `amount`.
pub const AS_OF_TABLE: &str = "icp_asof";

/// The moment(s) a query's features are taken at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    /// A snapshot: every canonical account as of `t`, with the labels of the windows after
    /// `t` (NULL where a window runs past `data_end`); `year` is the calendar year of `t`.
    Moment { t: i64, data_end: i64, year: i32 },
    /// Each row of [`AS_OF_TABLE`] as of its own moment `t` (an opportunity at its creation):
    /// the same feature columns, then `closed_micros`, `label_won` and `label_amount`.
    PerRow,
}

/// The query producing the features of every family with their keys first (`account_id`,
/// `as_of_micros`, and `row_id` per row) and the labels (`label_*`) last. `event_types` get
/// their own counts and `technologies` their own 0/1 flags.
///
/// Per row, every source row is first paired with the as-of rows of its account (and keyed
/// by `row_id`), and grouped by that key and its moment `q_t`; the expressions themselves are
/// the snapshot's with `q_t` in place of the literal `T`, so both modes define each feature
/// by the same text.
pub fn snapshot_sql(as_of: AsOf, event_types: &[String], technologies: &[Technology]) -> String {
    let per_row = as_of == AsOf::PerRow;
    let t = match as_of {
        AsOf::Moment { t, .. } => t.to_string(),
        AsOf::PerRow => "q_t".to_string(),
    };
    // Extra grouping key per row (the moment, functionally dependent on the row key).
    let g = if per_row { ", q_t" } else { "" };
    let mut eng = String::new();
    for w in WINDOWS {
        let _ = write!(
            eng,
            ",\n    SUM(CASE WHEN ts >= {t} - {w} * {DAY} THEN 1 ELSE 0 END) AS events_{w}d"
        );
    }
    for ty in event_types {
        for w in TYPE_WINDOWS {
            let _ = write!(
                eng,
                ",\n    SUM(CASE WHEN event_type = {} AND ts >= {t} - {w} * {DAY} THEN 1 ELSE 0 END) AS {}_{w}d",
                quote(ty),
                identifier(ty)
            );
        }
    }
    let labels = match as_of {
        AsOf::Moment { t, data_end, .. } => {
            let window_ok = |days: i64| {
                if t + days * DAY <= data_end {
                    "TRUE"
                } else {
                    "FALSE"
                }
            };
            let (w60, w90) = (window_ok(60), window_ok(90));
            format!(
                r#"CASE WHEN {w90} THEN COALESCE(l.opportunity_90d, 0) END AS label_opportunity_90d,
  CASE WHEN {w90} THEN COALESCE(l.converted_90d, 0) END AS label_converted_90d,
  CASE WHEN {w90} THEN COALESCE(l.deal_amount_90d, 0) END AS label_deal_amount_90d,
  CASE WHEN {w60} AND u.active_subscription = 1 THEN CASE WHEN u.mrr_in_60d > 0 THEN 0 ELSE 1 END END AS label_churned_60d,
  CASE WHEN {w90} AND u.active_subscription = 1 THEN CASE WHEN u.mrr_in_90d > u.mrr THEN 1 ELSE 0 END END AS label_expanded_90d"#
            )
        }
        AsOf::PerRow => "c.closed_micros, c.won AS label_won, c.amount AS label_amount".to_string(),
    };
    // Source rows: per row, paired with the as-of rows of their account.
    let paired = |name: &str, select: &str, from: &str, columns: &str| -> String {
        if per_row {
            format!(
                "{name}_all AS (\n  {select} {from}\n),\n{name} AS (\n  SELECT q.row_id AS account_id, q.t AS q_t, {columns} FROM {name}_all s JOIN {AS_OF_TABLE} q ON s.account_id = q.account_id\n)"
            )
        } else {
            format!("{name} AS (\n  {select} {from}\n)")
        }
    };
    let ev = if per_row {
        format!(
            "ev AS (\n  SELECT q.row_id AS account_id, q.t AS q_t, e.ts, e.event_type, e.contact_id, e.value FROM {EVENTS_TABLE} e JOIN {AS_OF_TABLE} q ON e.account_id = q.account_id WHERE e.ts < q.t\n)"
        )
    } else {
        format!(
            "ev AS (\n  SELECT account_id, ts, event_type, contact_id, value FROM {EVENTS_TABLE} WHERE ts < {t}\n)"
        )
    };
    let opp = paired(
        "opp",
        "SELECT COALESCE(m.into_id, o.account_id) AS account_id,\n    CAST(o.created_at AS BIGINT) AS created, CAST(o.closed_at AS BIGINT) AS closed, o.status, o.amount",
        "FROM opportunities o LEFT JOIN icp_merged m ON o.account_id = m.account_id",
        "s.created, s.closed, s.status, s.amount",
    );
    let sub = paired(
        "sub",
        "SELECT COALESCE(m.into_id, s.account_id) AS account_id,\n    CAST(s.start_date AS BIGINT) AS start_t, CAST(s.end_date AS BIGINT) AS end_t, s.mrr, s.seats, s.plan",
        "FROM subscriptions s LEFT JOIN icp_merged m ON s.account_id = m.account_id",
        "s.start_t, s.end_t, s.mrr, s.seats, s.plan",
    );
    let tk = paired(
        "tk",
        "SELECT COALESCE(m.into_id, k.account_id) AS account_id,\n    CAST(k.created_at AS BIGINT) AS created, CAST(k.resolved_at AS BIGINT) AS resolved, k.csat, k.text",
        "FROM tickets k LEFT JOIN icp_merged m ON k.account_id = m.account_id",
        "s.created, s.resolved, s.csat, s.text",
    );
    let canon = if per_row {
        format!(
            "SELECT q.row_id AS account_id, q.account_id AS real_id, q.t AS q_t, q.closed_micros, q.won, q.amount FROM {AS_OF_TABLE} q"
        )
    } else {
        "SELECT a.account_id, a.account_id AS real_id FROM accounts a\n  WHERE a.account_id NOT IN (SELECT account_id FROM icp_merged)".to_string()
    };
    let (keys, age) = match as_of {
        AsOf::Moment { t, year, .. } => (
            format!("c.account_id,\n  CAST({t} AS BIGINT) AS as_of_micros"),
            format!("CAST({year} - a.founded_year AS DOUBLE)"),
        ),
        AsOf::PerRow => (
            "c.account_id AS row_id, c.real_id AS account_id,\n  c.q_t AS as_of_micros".to_string(),
            "CAST(date_part('year', to_timestamp_micros(c.q_t)) - a.founded_year AS DOUBLE)"
                .to_string(),
        ),
    };
    let halflife = DECAY_HALF_LIFE_DAYS;
    let usage = quoted_list(&USAGE_EVENT_TYPES);
    let feature_used = quote(FEATURE_USED);
    let purchases = quoted_list(&PURCHASE_EVENT_TYPES);
    let negative = NEGATIVE_SENTIMENT;
    let region = crate::region::region_sql("a.country");
    let (tech_cte, tech_columns, tech_join) = if technologies.is_empty() {
        (String::new(), String::new(), "")
    } else {
        let flags: String = technologies
            .iter()
            .map(|x| {
                format!(
                    ",\n    MAX(CASE WHEN tech = {} THEN 1 ELSE 0 END) AS {}",
                    quote(&x.name),
                    x.column
                )
            })
            .collect();
        let cte = format!(
            ",\ntech_items AS (\n  SELECT account_id, lower(trim(tech)) AS tech FROM (SELECT account_id, unnest(technologies) AS tech FROM accounts) items\n),\ntech AS (\n  SELECT account_id{flags}\n  FROM tech_items GROUP BY account_id\n)"
        );
        let columns: String = technologies
            .iter()
            .map(|x| format!(",\n  COALESCE(x.{0}, 0) AS {0}", x.column))
            .collect();
        (
            cte,
            columns,
            "\nLEFT JOIN tech x ON x.account_id = c.real_id",
        )
    };
    format!(
        r#"WITH
canon AS (
  {canon}
),
{ev},
engagement AS (
  SELECT account_id{g},
    CAST({t} - MAX(ts) AS DOUBLE) / {DAY} AS days_since_last_event,
    CAST(SUM(CASE WHEN ts >= {t} - 30 * {DAY} THEN 1 ELSE 0 END) + 1 AS DOUBLE)
      / CAST(SUM(CASE WHEN ts >= {t} - 60 * {DAY} AND ts < {t} - 30 * {DAY} THEN 1 ELSE 0 END) + 1 AS DOUBLE) AS velocity_30d,
    SUM(power(0.5, CAST({t} - ts AS DOUBLE) / ({halflife} * {DAY}))) AS decayed_events,
    CAST(SUM(CASE WHEN event_type IN ({usage}) AND ts >= {t} - 90 * {DAY} THEN 1 ELSE 0 END) + 1 AS DOUBLE)
      / CAST(SUM(CASE WHEN event_type IN ({usage}) AND ts >= {t} - 180 * {DAY} AND ts < {t} - 90 * {DAY} THEN 1 ELSE 0 END) + 1 AS DOUBLE) AS usage_trend_90d,
    (CAST(SUM(CASE WHEN event_type IN ({usage}) AND ts >= {t} - 90 * {DAY} THEN 1 ELSE 0 END) AS DOUBLE) / 90.0)
      / (CAST(NULLIF(SUM(CASE WHEN event_type IN ({usage}) THEN 1 ELSE 0 END), 0) AS DOUBLE)
         / GREATEST(CAST({t} - MIN(CASE WHEN event_type IN ({usage}) THEN ts END) AS DOUBLE) / {DAY}, 90.0)) AS usage_vs_lifetime{eng}
  FROM ev GROUP BY account_id{g}
),
contacts AS (
  SELECT account_id{g},
    SUM(CASE WHEN last_seen >= {t} - 30 * {DAY} THEN 1 ELSE 0 END) AS contacts_30d,
    SUM(CASE WHEN last_seen >= {t} - 90 * {DAY} THEN 1 ELSE 0 END) AS contacts_90d,
    SUM(CASE WHEN first_seen >= {t} - 30 * {DAY} THEN 1 ELSE 0 END) AS new_contacts_30d,
    SUM(CASE WHEN first_seen >= {t} - 60 * {DAY} THEN 1 ELSE 0 END) AS new_contacts_60d,
    SUM(CASE WHEN first_seen >= {t} - 90 * {DAY} THEN 1 ELSE 0 END) AS new_contacts_90d,
    SUM(CASE WHEN last_use >= {t} - 30 * {DAY} THEN 1 ELSE 0 END) AS active_users_30d,
    SUM(used_before) AS active_users_prior_30d
  FROM (
    SELECT account_id{g}, contact_id, MAX(ts) AS last_seen, MIN(ts) AS first_seen,
      MAX(CASE WHEN event_type IN ({usage}) THEN ts END) AS last_use,
      MAX(CASE WHEN event_type IN ({usage}) AND ts >= {t} - 60 * {DAY} AND ts < {t} - 30 * {DAY} THEN 1 ELSE 0 END) AS used_before
    FROM ev WHERE contact_id IS NOT NULL
    GROUP BY account_id{g}, contact_id) per_contact
  GROUP BY account_id{g}
),
active_days AS (
  SELECT account_id, COUNT(*) AS active_days_30d
  FROM (SELECT DISTINCT account_id, ts / {DAY} AS day FROM ev WHERE ts >= {t} - 30 * {DAY}) d
  GROUP BY account_id
),
breadth AS (
  SELECT account_id, COUNT(*) AS features_used_90d
  FROM (SELECT DISTINCT account_id, value FROM ev
        WHERE event_type = {feature_used} AND ts >= {t} - 90 * {DAY} AND value IS NOT NULL) f
  GROUP BY account_id
),
{opp},
sales AS (
  SELECT account_id{g},
    SUM(CASE WHEN created < {t} THEN 1 ELSE 0 END) AS prior_opportunities,
    SUM(CASE WHEN status = 'won' AND closed < {t} THEN 1 ELSE 0 END) AS prior_wins,
    SUM(CASE WHEN status = 'lost' AND closed < {t} THEN 1 ELSE 0 END) AS prior_losses,
    SUM(CASE WHEN created < {t} AND (closed IS NULL OR closed >= {t} OR status = 'open') THEN 1 ELSE 0 END) AS open_opportunities,
    CAST({t} - MAX(CASE WHEN created < {t} THEN created END) AS DOUBLE) / {DAY} AS days_since_last_opportunity,
    AVG(CASE WHEN status IN ('won', 'lost') AND closed < {t} THEN CAST(closed - created AS DOUBLE) / {DAY} END) AS mean_cycle_days,
    SUM(CASE WHEN status = 'won' AND closed < {t} THEN amount ELSE 0 END) AS prior_won_amount
  FROM opp GROUP BY account_id{g}
),
txn AS (
  SELECT account_id{g}, closed AS ts, amount FROM opp WHERE status = 'won' AND closed < {t}
  UNION ALL
  SELECT account_id{g}, ts, value AS amount FROM ev WHERE event_type IN ({purchases}) AND value IS NOT NULL
),
rfm AS (
  SELECT account_id{g},
    CAST({t} - MAX(ts) AS DOUBLE) / {DAY} AS rfm_recency_days,
    SUM(CASE WHEN ts >= {t} - {RFM_DAYS} * {DAY} THEN 1 ELSE 0 END) AS rfm_frequency_365d,
    SUM(CASE WHEN ts >= {t} - {RFM_DAYS} * {DAY} THEN amount ELSE 0 END) AS rfm_monetary_365d
  FROM txn GROUP BY account_id{g}
),
opp_labels AS (
  SELECT account_id,
    MAX(CASE WHEN created >= {t} AND created < {t} + 90 * {DAY} THEN 1 ELSE 0 END) AS opportunity_90d,
    MAX(CASE WHEN status = 'won' AND closed >= {t} AND closed < {t} + 90 * {DAY} THEN 1 ELSE 0 END) AS converted_90d,
    SUM(CASE WHEN status = 'won' AND closed >= {t} AND closed < {t} + 90 * {DAY} THEN amount ELSE 0 END) AS deal_amount_90d
  FROM opp GROUP BY account_id{g}
),
{sub},
subscription AS (
  SELECT account_id{g},
    MAX(CASE WHEN start_t < {t} AND (end_t IS NULL OR end_t >= {t}) THEN 1 ELSE 0 END) AS active_subscription,
    CAST({t} - MIN(CASE WHEN start_t < {t} THEN start_t END) AS DOUBLE) / {DAY} AS tenure_days,
    SUM(CASE WHEN start_t < {t} AND (end_t IS NULL OR end_t >= {t}) THEN mrr ELSE 0 END) AS mrr,
    SUM(CASE WHEN start_t < {t} - 90 * {DAY} AND (end_t IS NULL OR end_t >= {t} - 90 * {DAY}) THEN mrr ELSE 0 END) AS mrr_90d_ago,
    SUM(CASE WHEN start_t < {t} AND (end_t IS NULL OR end_t >= {t}) THEN seats ELSE 0 END) AS seats,
    MAX(CASE WHEN start_t < {t} AND (end_t IS NULL OR end_t >= {t}) THEN plan END) AS plan,
    SUM(CASE WHEN start_t < {t} + 60 * {DAY} AND (end_t IS NULL OR end_t >= {t} + 60 * {DAY}) THEN mrr ELSE 0 END) AS mrr_in_60d,
    SUM(CASE WHEN start_t < {t} + 90 * {DAY} AND (end_t IS NULL OR end_t >= {t} + 90 * {DAY}) THEN mrr ELSE 0 END) AS mrr_in_90d
  FROM sub GROUP BY account_id{g}
),
{tk},
tone AS (
  SELECT account_id, AVG(CASE WHEN recent THEN s END) AS mean_ticket_sentiment_90d,
    AVG(CASE WHEN recent THEN CASE WHEN s < {negative} THEN 1.0 ELSE 0.0 END END) AS negative_ticket_share_90d,
    AVG(CASE WHEN s < {negative} THEN 1.0 ELSE 0.0 END) AS negative_ticket_share_365d
  FROM (SELECT account_id, sentiment(text) AS s, created >= {t} - 90 * {DAY} AS recent FROM tk
        WHERE created < {t} AND created >= {t} - 365 * {DAY} AND text IS NOT NULL) scored
  GROUP BY account_id
),
support AS (
  SELECT account_id{g},
    SUM(CASE WHEN created < {t} AND created >= {t} - 30 * {DAY} THEN 1 ELSE 0 END) AS tickets_30d,
    SUM(CASE WHEN created < {t} AND created >= {t} - 90 * {DAY} THEN 1 ELSE 0 END) AS tickets_90d,
    SUM(CASE WHEN created < {t} AND created >= {t} - 365 * {DAY} THEN 1 ELSE 0 END) AS tickets_365d,
    SUM(CASE WHEN created < {t} - 30 * {DAY} AND created >= {t} - 120 * {DAY} THEN 1 ELSE 0 END) AS tickets_prior_90d,
    SUM(CASE WHEN created < {t} AND (resolved IS NULL OR resolved >= {t}) THEN 1 ELSE 0 END) AS open_tickets,
    AVG(CASE WHEN created >= {t} - 90 * {DAY} AND resolved < {t} THEN CAST(resolved - created AS DOUBLE) / 3600000000 END) AS mean_resolution_hours_90d,
    AVG(CASE WHEN created >= {t} - 365 * {DAY} AND resolved < {t} THEN CAST(resolved - created AS DOUBLE) / 3600000000 END) AS mean_resolution_hours_365d,
    exp(AVG(CASE WHEN created >= {t} - 365 * {DAY} AND resolved < {t} THEN ln(GREATEST(CAST(resolved - created AS DOUBLE) / 3600000000, 0.01)) END)) AS typical_resolution_hours_365d,
    AVG(CASE WHEN created >= {t} - 90 * {DAY} AND resolved < {t} THEN csat END) AS mean_csat_90d,
    AVG(CASE WHEN created >= {t} - 365 * {DAY} AND resolved < {t} THEN csat END) AS mean_csat_365d
  FROM tk GROUP BY account_id{g}
){tech_cte}
SELECT {keys},
  ln(1 + CAST(a.employees AS DOUBLE)) AS log_employees,
  ln(1 + a.annual_revenue) AS log_annual_revenue,
  {age} AS company_age_years,
  a.industry, a.country, {region} AS region{tech_columns},
  COALESCE(e.events_7d, 0) AS events_7d, COALESCE(e.events_30d, 0) AS events_30d,
  COALESCE(e.events_60d, 0) AS events_60d, COALESCE(e.events_90d, 0) AS events_90d,
  e.days_since_last_event,
  COALESCE(d.active_days_30d, 0) AS active_days_30d,
  COALESCE(n.contacts_30d, 0) AS contacts_30d, COALESCE(n.contacts_90d, 0) AS contacts_90d,
  COALESCE(n.new_contacts_30d, 0) AS new_contacts_30d, COALESCE(n.new_contacts_60d, 0) AS new_contacts_60d,
  COALESCE(n.new_contacts_90d, 0) AS new_contacts_90d,
  COALESCE(e.velocity_30d, 1.0) AS velocity_30d,
  COALESCE(e.decayed_events, 0) AS decayed_events{type_columns},
  COALESCE(e.usage_trend_90d, 1.0) AS usage_trend_90d, e.usage_vs_lifetime,
  COALESCE(n.active_users_30d, 0) AS active_users_30d,
  COALESCE(n.active_users_30d, 0) - COALESCE(n.active_users_prior_30d, 0) AS active_users_trend_30d,
  COALESCE(f.features_used_90d, 0) AS features_used_90d,
  COALESCE(s.prior_opportunities, 0) AS prior_opportunities,
  COALESCE(s.prior_wins, 0) AS prior_wins, COALESCE(s.prior_losses, 0) AS prior_losses,
  COALESCE(s.open_opportunities, 0) AS open_opportunities,
  s.days_since_last_opportunity, s.mean_cycle_days,
  COALESCE(s.prior_won_amount, 0) AS prior_won_amount,
  r.rfm_recency_days, COALESCE(r.rfm_frequency_365d, 0) AS rfm_frequency_365d,
  COALESCE(r.rfm_monetary_365d, 0) AS rfm_monetary_365d,
  COALESCE(u.active_subscription, 0) AS active_subscription,
  u.tenure_days, COALESCE(u.mrr, 0) AS mrr,
  COALESCE(u.mrr, 0) - COALESCE(u.mrr_90d_ago, 0) AS mrr_change_90d,
  COALESCE(u.seats, 0) AS seats, u.plan,
  COALESCE(k.tickets_30d, 0) AS tickets_30d, COALESCE(k.tickets_90d, 0) AS tickets_90d,
  COALESCE(k.tickets_365d, 0) AS tickets_365d,
  COALESCE(k.open_tickets, 0) AS open_tickets,
  CAST(COALESCE(k.tickets_365d, 0) AS DOUBLE)
    / (LEAST(GREATEST(COALESCE(u.tenure_days, 365.0), 30.0), 365.0) / 30.4) AS tickets_per_month_365d,
  k.mean_resolution_hours_90d, k.mean_resolution_hours_365d, k.typical_resolution_hours_365d,
  k.mean_csat_90d, k.mean_csat_365d,
  CAST(COALESCE(k.tickets_30d, 0) + 1 AS DOUBLE) / (CAST(COALESCE(k.tickets_prior_90d, 0) AS DOUBLE) / 3.0 + 1.0) AS ticket_spike_ratio,
  o.mean_ticket_sentiment_90d, o.negative_ticket_share_90d, o.negative_ticket_share_365d,
  {labels}
FROM canon c
JOIN accounts a ON a.account_id = c.real_id
LEFT JOIN engagement e ON e.account_id = c.account_id
LEFT JOIN contacts n ON n.account_id = c.account_id
LEFT JOIN active_days d ON d.account_id = c.account_id
LEFT JOIN breadth f ON f.account_id = c.account_id
LEFT JOIN sales s ON s.account_id = c.account_id
LEFT JOIN opp_labels l ON l.account_id = c.account_id
LEFT JOIN subscription u ON u.account_id = c.account_id
LEFT JOIN support k ON k.account_id = c.account_id
LEFT JOIN tone o ON o.account_id = c.account_id
LEFT JOIN rfm r ON r.account_id = c.account_id{tech_join}
ORDER BY c.account_id"#,
        type_columns = event_types
            .iter()
            .flat_map(|ty| TYPE_WINDOWS
                .map(|w| format!(",\n  COALESCE(e.{0}_{w}d, 0) AS {0}_{w}d", identifier(ty))))
            .collect::<String>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_safe() {
        assert_eq!(identifier("Pricing Page"), "pricing_page");
        assert_eq!(identifier("3d-view"), "_3d_view");
        assert_eq!(identifier(""), "_");
    }

    #[test]
    fn technology_columns_are_unique_identifiers() {
        let names = ["salesforce", "c++", "c#", "google analytics"].map(String::from);
        let cols: Vec<String> = technology_columns(&names)
            .into_iter()
            .map(|t| t.column)
            .collect();
        assert_eq!(
            cols,
            [
                "tech_salesforce",
                "tech_c__",
                "tech_c_",
                "tech_google_analytics"
            ]
        );
        let clash = ["a b", "a-b"].map(String::from);
        let cols: Vec<String> = technology_columns(&clash)
            .into_iter()
            .map(|t| t.column)
            .collect();
        assert_eq!(cols, ["tech_a_b", "tech_a_b_2"]);
    }

    #[test]
    fn labels_are_null_past_the_end_of_the_data() {
        let as_of = AsOf::Moment {
            t: 100 * DAY,
            data_end: 170 * DAY,
            year: 2025,
        };
        let sql = snapshot_sql(as_of, &[], &[]);
        assert!(sql.contains("CASE WHEN FALSE THEN COALESCE(l.converted_90d"));
        assert!(sql.contains("CASE WHEN TRUE AND u.active_subscription"));
    }
}
