//! A profile of the company as its data streams in: the counts and distributions the report
//! draws (industries, sizes, deals per month by outcome, recurring revenue over time, activity
//! by type). It is a [`BatchSink`], so it rides along ingestion without a second pass.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::SchemaRef;
use chrono::Datelike;
use icp_data::Result;
use icp_data::contract::Table;
use icp_data::validate::BatchSink;
use std::collections::BTreeMap;

/// Months since January 1970 (0 = 1970-01).
pub type MonthIndex = i32;

pub fn month_of(micros: i64) -> Option<MonthIndex> {
    let d = chrono::DateTime::from_timestamp_micros(micros)?;
    Some((d.year() - 1970) * 12 + d.month0() as i32)
}

/// Days since 1970-01-01 of the first day of a month.
pub fn month_start_days(m: MonthIndex) -> f64 {
    let (y, mo) = (1970 + m.div_euclid(12), m.rem_euclid(12) as u32 + 1);
    chrono::NaiveDate::from_ymd_opt(y, mo, 1).map_or(0.0, |d| {
        (d - chrono::NaiveDate::default()).num_days() as f64
    })
}

/// Deal outcomes counted per month of creation.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct DealCounts {
    pub open: u64,
    pub won: u64,
    pub lost: u64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct CompanyProfile {
    pub industries: BTreeMap<String, u64>,
    pub countries: BTreeMap<String, u64>,
    pub employees: Vec<f64>,
    pub deals_by_month: BTreeMap<MonthIndex, DealCounts>,
    pub won_amounts: Vec<f64>,
    /// (start, end, mrr) of every contract period, microseconds.
    pub subscription_periods: Vec<(i64, Option<i64>, f64)>,
    pub events_by_type_month: BTreeMap<String, BTreeMap<MonthIndex, u64>>,
    pub tickets_by_month: BTreeMap<MonthIndex, u64>,
    pub feedback: BTreeMap<String, u64>,
}

fn strings<'a>(b: &'a RecordBatch, col: &str) -> Option<impl Iterator<Item = Option<&'a str>>> {
    Some(b.column_by_name(col)?.as_string_opt::<i32>()?.iter())
}

fn times<'a>(b: &'a RecordBatch, col: &str) -> Option<impl Iterator<Item = Option<i64>> + 'a> {
    Some(
        b.column_by_name(col)?
            .as_primitive_opt::<TimestampMicrosecondType>()?
            .iter(),
    )
}

impl CompanyProfile {
    fn add(&mut self, table: Table, b: &RecordBatch) {
        match table {
            Table::Accounts => {
                for v in strings(b, "industry").into_iter().flatten().flatten() {
                    *self.industries.entry(v.to_string()).or_default() += 1;
                }
                for v in strings(b, "country").into_iter().flatten().flatten() {
                    *self.countries.entry(v.to_string()).or_default() += 1;
                }
                if let Some(a) = b
                    .column_by_name("employees")
                    .and_then(|c| c.as_primitive_opt::<Int64Type>())
                {
                    self.employees.extend(a.iter().flatten().map(|v| v as f64));
                }
            }
            Table::Opportunities => {
                let (Some(created), Some(status)) = (times(b, "created_at"), strings(b, "status"))
                else {
                    return;
                };
                let amounts = b
                    .column_by_name("amount")
                    .and_then(|c| c.as_primitive_opt::<Float64Type>());
                for (i, (c, s)) in created.zip(status).enumerate() {
                    let Some(m) = c.and_then(month_of) else {
                        continue;
                    };
                    let e = self.deals_by_month.entry(m).or_default();
                    match s {
                        Some("won") => {
                            e.won += 1;
                            if let Some(a) = amounts.filter(|a| a.is_valid(i)) {
                                self.won_amounts.push(a.value(i));
                            }
                        }
                        Some("lost") => e.lost += 1,
                        _ => e.open += 1,
                    }
                }
            }
            Table::Subscriptions => {
                let (Some(start), Some(end)) = (times(b, "start_date"), times(b, "end_date"))
                else {
                    return;
                };
                let Some(mrr) = b
                    .column_by_name("mrr")
                    .and_then(|c| c.as_primitive_opt::<Float64Type>())
                else {
                    return;
                };
                for ((s, e), m) in start.zip(end).zip(mrr.iter()) {
                    if let (Some(s), Some(m)) = (s, m) {
                        self.subscription_periods.push((s, e, m));
                    }
                }
            }
            Table::Events => {
                let (Some(ts), Some(types)) = (times(b, "timestamp"), strings(b, "event_type"))
                else {
                    return;
                };
                for (t, ty) in ts.zip(types) {
                    let Some(m) = t.and_then(month_of) else {
                        continue;
                    };
                    let ty = ty.unwrap_or("(none)");
                    if !self.events_by_type_month.contains_key(ty) {
                        self.events_by_type_month
                            .insert(ty.to_string(), BTreeMap::new());
                    }
                    if let Some(months) = self.events_by_type_month.get_mut(ty) {
                        *months.entry(m).or_default() += 1;
                    }
                }
            }
            Table::Tickets => {
                for m in times(b, "created_at")
                    .into_iter()
                    .flatten()
                    .flatten()
                    .filter_map(month_of)
                {
                    *self.tickets_by_month.entry(m).or_default() += 1;
                }
            }
            Table::Feedback => {
                for v in strings(b, "verdict").into_iter().flatten().flatten() {
                    *self.feedback.entry(v.to_string()).or_default() += 1;
                }
            }
        }
    }

    /// Total recurring revenue active at the start of each month from the first contract to
    /// `until`.
    pub fn mrr_by_month(&self, until: MonthIndex) -> Vec<(MonthIndex, f64)> {
        let Some(first) = self
            .subscription_periods
            .iter()
            .filter_map(|p| month_of(p.0))
            .min()
        else {
            return Vec::new();
        };
        (first..=until)
            .map(|m| {
                let at = month_start_days(m) as i64 * 86_400_000_000;
                let total = self
                    .subscription_periods
                    .iter()
                    .filter(|(s, e, _)| *s <= at && e.is_none_or(|e| e >= at))
                    .map(|p| p.2)
                    .sum();
                (m, total)
            })
            .collect()
    }
}

impl BatchSink for CompanyProfile {
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<()> {
        self.add(table, &batch);
        Ok(())
    }
}

/// Sends every batch to two sinks.
pub struct Tee<'a>(pub &'a mut dyn BatchSink, pub &'a mut dyn BatchSink);

impl BatchSink for Tee<'_> {
    fn begin(&mut self, table: Table, schema: SchemaRef) -> Result<()> {
        self.0.begin(table, schema.clone())?;
        self.1.begin(table, schema)
    }
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<()> {
        self.0.batch(table, batch.clone())?;
        self.1.batch(table, batch)
    }
    fn end(&mut self, table: Table) -> Result<()> {
        self.0.end(table)?;
        self.1.end(table)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_round_trip() {
        let m = month_of(
            chrono::NaiveDate::from_ymd_opt(2025, 3, 17)
                .unwrap()
                .and_hms_opt(5, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros(),
        )
        .unwrap();
        assert_eq!(m, (2025 - 1970) * 12 + 2);
        assert_eq!(
            month_start_days(m),
            (chrono::NaiveDate::from_ymd_opt(2025, 3, 1).unwrap() - chrono::NaiveDate::default())
                .num_days() as f64
        );
    }

    #[test]
    fn mrr_counts_periods_active_at_month_start() {
        let day = |y, m, d| {
            chrono::NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros()
        };
        let p = CompanyProfile {
            subscription_periods: vec![
                (day(2025, 1, 1), Some(day(2025, 2, 15)), 100.0),
                (day(2025, 2, 1), None, 50.0),
            ],
            ..Default::default()
        };
        let m0 = month_of(day(2025, 1, 1)).unwrap();
        assert_eq!(
            p.mrr_by_month(m0 + 2),
            vec![(m0, 100.0), (m0 + 1, 150.0), (m0 + 2, 50.0)]
        );
    }
}
