//! The behaviour stage's input: every canonical account's identity-resolved events, deals and
//! tickets, read once from the feature engine (`events_resolved` and the merge map, so the
//! identity resolution done upstream is reused as is) into per-account, time-ordered lists.

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;
use icp_features::FeatureBuilder;
use std::collections::{HashMap, HashSet};

/// Microseconds per day.
pub const DAY_MICROS: i64 = 86_400_000_000;

/// One engagement event of an account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event {
    pub micros: i64,
    /// Index into [`Activity::event_types`].
    pub event_type: u32,
    /// The first event of this contact at this account (a new stakeholder).
    pub new_contact: bool,
}

/// One deal of an account.
#[derive(Debug, Clone, PartialEq)]
pub struct Deal {
    pub created: i64,
    /// `won`, `lost` or `open` (as validated).
    pub status: Option<String>,
}

/// One support ticket of an account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ticket {
    pub created: i64,
    pub resolved: Option<i64>,
}

/// Per canonical account (sorted ids), its time-ordered events, deals and tickets.
#[derive(Debug, Clone, Default)]
pub struct Activity {
    pub accounts: Vec<String>,
    /// Event type names, sorted; an event's `event_type` indexes this.
    pub event_types: Vec<String>,
    pub events: Vec<Vec<Event>>,
    pub deals: Vec<Vec<Deal>>,
    pub tickets: Vec<Vec<Ticket>>,
    /// Events, deals and tickets whose account is unknown after identity resolution (they
    /// are counted here, not used).
    pub unattributed: Unattributed,
}

/// Rows the stage could not tie to a canonical account.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Unattributed {
    pub events: u64,
    pub deals: u64,
    pub tickets: u64,
}

fn engine(context: &str, message: impl ToString) -> icp_features::Error {
    icp_features::Error::Engine {
        context: context.to_string(),
        message: message.to_string(),
    }
}

fn strings(col: &ArrayRef, context: &str) -> icp_features::Result<Vec<Option<String>>> {
    let cast = arrow_cast::cast(col, &DataType::Utf8).map_err(|e| engine(context, e))?;
    let v = cast.as_string::<i32>();
    Ok((0..v.len())
        .map(|i| v.is_valid(i).then(|| v.value(i).to_string()))
        .collect())
}

fn ints(col: &ArrayRef, context: &str) -> icp_features::Result<Vec<Option<i64>>> {
    let cast = arrow_cast::cast(col, &DataType::Int64).map_err(|e| engine(context, e))?;
    let v = cast.as_primitive::<Int64Type>();
    Ok((0..v.len())
        .map(|i| v.is_valid(i).then(|| v.value(i)))
        .collect())
}

/// Runs `sql` and hands each result batch to `batch_fn`.
fn for_rows(
    builder: &FeatureBuilder,
    sql: &str,
    context: &str,
    mut batch_fn: impl FnMut(&RecordBatch) -> icp_features::Result<()>,
) -> icp_features::Result<()> {
    for b in builder.query_batches(sql, context)? {
        batch_fn(&b)?;
    }
    Ok(())
}

impl Activity {
    /// Reads the canonical accounts and their resolved events, deals and tickets.
    pub fn load(builder: &FeatureBuilder) -> icp_features::Result<Activity> {
        let mut accounts = Vec::new();
        for_rows(
            builder,
            "SELECT a.account_id FROM accounts a LEFT JOIN icp_merged m \
             ON a.account_id = m.account_id WHERE m.into_id IS NULL AND a.account_id IS NOT NULL",
            "listing canonical accounts",
            |b| {
                accounts.extend(
                    strings(b.column(0), "listing canonical accounts")?
                        .into_iter()
                        .flatten(),
                );
                Ok(())
            },
        )?;
        accounts.sort();
        accounts.dedup();
        let index: HashMap<&str, usize> = accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.as_str(), i))
            .collect();
        let n = accounts.len();
        let mut activity = Activity {
            events: vec![Vec::new(); n],
            deals: vec![Vec::new(); n],
            tickets: vec![Vec::new(); n],
            ..Activity::default()
        };

        let context = "reading resolved events";
        let mut type_ids: HashMap<String, u32> = HashMap::new();
        let mut raw: Vec<(usize, i64, u32, Option<String>)> = Vec::new();
        for_rows(
            builder,
            r#"SELECT account_id, CAST("timestamp" AS BIGINT) AS ts, event_type, contact_id
               FROM events_resolved"#,
            context,
            |b| {
                let ids = strings(b.column(0), context)?;
                let ts = ints(b.column(1), context)?;
                let types = strings(b.column(2), context)?;
                let contacts = strings(b.column(3), context)?;
                for (((id, ts), ty), contact) in ids.into_iter().zip(ts).zip(types).zip(contacts) {
                    let row = id.as_deref().and_then(|id| index.get(id).copied());
                    let (Some(row), Some(ts), Some(ty)) = (row, ts, ty) else {
                        activity.unattributed.events += 1;
                        continue;
                    };
                    let next = type_ids.len() as u32;
                    let ty = *type_ids.entry(ty).or_insert(next);
                    raw.push((row, ts, ty, contact));
                }
                Ok(())
            },
        )?;
        // Dense ids in name order.
        let mut names: Vec<(String, u32)> = type_ids.into_iter().collect();
        names.sort();
        let mut remap = vec![0u32; names.len()];
        for (new, (_, old)) in names.iter().enumerate() {
            remap[*old as usize] = new as u32;
        }
        activity.event_types = names.into_iter().map(|(n, _)| n).collect();
        raw.sort_unstable_by_key(|a| (a.0, a.1));
        let mut seen: HashSet<&str> = HashSet::new();
        let mut current = usize::MAX;
        for (row, micros, ty, contact) in &raw {
            if *row != current {
                seen.clear();
                current = *row;
            }
            let new_contact = contact.as_deref().is_some_and(|c| seen.insert(c));
            activity.events[*row].push(Event {
                micros: *micros,
                event_type: remap[*ty as usize],
                new_contact,
            });
        }

        let context = "reading deals";
        for_rows(
            builder,
            "SELECT COALESCE(m.into_id, o.account_id), CAST(o.created_at AS BIGINT), o.status \
             FROM opportunities o LEFT JOIN icp_merged m ON o.account_id = m.account_id",
            context,
            |b| {
                let ids = strings(b.column(0), context)?;
                let created = ints(b.column(1), context)?;
                let status = strings(b.column(2), context)?;
                for ((id, created), status) in ids.into_iter().zip(created).zip(status) {
                    match (id.as_deref().and_then(|id| index.get(id)), created) {
                        (Some(&row), Some(created)) => {
                            activity.deals[row].push(Deal { created, status })
                        }
                        _ => activity.unattributed.deals += 1,
                    }
                }
                Ok(())
            },
        )?;

        let context = "reading tickets";
        for_rows(
            builder,
            "SELECT COALESCE(m.into_id, k.account_id), CAST(k.created_at AS BIGINT), \
             CAST(k.resolved_at AS BIGINT) \
             FROM tickets k LEFT JOIN icp_merged m ON k.account_id = m.account_id",
            context,
            |b| {
                let ids = strings(b.column(0), context)?;
                let created = ints(b.column(1), context)?;
                let resolved = ints(b.column(2), context)?;
                for ((id, created), resolved) in ids.into_iter().zip(created).zip(resolved) {
                    match (id.as_deref().and_then(|id| index.get(id)), created) {
                        (Some(&row), Some(created)) => {
                            activity.tickets[row].push(Ticket { created, resolved })
                        }
                        _ => activity.unattributed.tickets += 1,
                    }
                }
                Ok(())
            },
        )?;
        for d in &mut activity.deals {
            d.sort_by_key(|d| d.created);
        }
        for t in &mut activity.tickets {
            t.sort_by_key(|t| t.created);
        }
        activity.accounts = accounts;
        Ok(activity)
    }

    /// Id of the named event type.
    pub fn type_id(&self, name: &str) -> Option<u32> {
        self.event_types
            .binary_search_by(|t| t.as_str().cmp(name))
            .ok()
            .map(|i| i as u32)
    }
}

/// The UTC day (days since 1970-01-01) of a moment in microseconds.
pub fn day_of(micros: i64) -> i64 {
    micros.div_euclid(DAY_MICROS)
}

/// `YYYY-MM-DD` of a day number.
pub fn date_of(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0)
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}
