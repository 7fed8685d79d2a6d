//! The identity stage: gathers account keys and event identities while data streams in (a
//! [`BatchSink`]), then merges duplicate accounts and ties events to accounts with the rules
//! of `icp_data::resolve`, writing every merge to `out/merges.csv` for review.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use icp_data::contract::Table;
use icp_data::resolve::{
    AccountRecord, EventMatch, EventResolver, Merge, ResolvedKey, resolve_accounts,
};
use icp_data::validate::BatchSink;
use icp_data::{Error, Result};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Collects what identity resolution needs.
#[derive(Default)]
pub struct IdentityCollector {
    accounts: Vec<AccountRecord>,
    events: EventResolver,
}

/// What identity resolution found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IdentitySummary {
    pub accounts: u64,
    pub merges: Vec<Merge>,
    /// Events by the rule that tied them to an account.
    pub events: BTreeMap<EventMatch, u64>,
    /// Distinct (contact, email, domain) keys no rule could tie to an account.
    pub unresolved_keys: u64,
    /// The account of every resolved identity of events without account_id (for features).
    #[serde(skip)]
    pub resolved_keys: Vec<ResolvedKey>,
}

fn column<'a>(b: &'a RecordBatch, name: &str) -> Option<&'a arrow_array::StringArray> {
    b.column_by_name(name)?.as_string_opt::<i32>()
}

fn value(a: Option<&arrow_array::StringArray>, i: usize) -> Option<&str> {
    a.filter(|a| a.is_valid(i)).map(|a| a.value(i))
}

impl IdentityCollector {
    fn add(&mut self, table: Table, b: &RecordBatch) {
        match table {
            Table::Accounts => {
                let (id, name, domain, country) = (
                    column(b, "account_id"),
                    column(b, "name"),
                    column(b, "domain"),
                    column(b, "country"),
                );
                for i in 0..b.num_rows() {
                    let Some(id) = value(id, i) else { continue };
                    let filled = b.columns().iter().skip(1).filter(|c| c.is_valid(i)).count();
                    self.accounts.push(AccountRecord {
                        id: id.to_string(),
                        name: value(name, i).map(str::to_string),
                        domain: value(domain, i).map(str::to_string),
                        country: value(country, i).map(str::to_string),
                        filled,
                    });
                }
            }
            Table::Events => {
                let (acc, contact, email, domain) = (
                    column(b, "account_id"),
                    column(b, "contact_id"),
                    column(b, "email"),
                    column(b, "domain"),
                );
                for i in 0..b.num_rows() {
                    self.events.add(
                        value(acc, i),
                        value(contact, i),
                        value(email, i),
                        value(domain, i),
                    );
                }
            }
            _ => {}
        }
    }

    /// Resolves and summarises.
    pub fn finish(self) -> IdentitySummary {
        let resolution = resolve_accounts(&self.accounts);
        let events = self.events.finish(&resolution);
        IdentitySummary {
            accounts: self.accounts.len() as u64,
            merges: resolution.merges,
            events: events.counts,
            unresolved_keys: events.unresolved_keys,
            resolved_keys: events.keys,
        }
    }
}

impl BatchSink for IdentityCollector {
    fn batch(&mut self, table: Table, batch: RecordBatch) -> Result<()> {
        self.add(table, &batch);
        Ok(())
    }
}

/// Writes `merges.csv`: `account_id,merged_into,rule,evidence`.
pub fn write_merges(path: &Path, merges: &[Merge]) -> Result<()> {
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(path).map_err(|e| Error::io(path, e))?);
    let io = |e| Error::io(path, e);
    writeln!(w, "account_id,merged_into,rule,evidence").map_err(io)?;
    for m in merges {
        let quote = |s: &str| {
            if s.contains([',', '"', '\n']) {
                format!("\"{}\"", s.replace('"', "\"\""))
            } else {
                s.to_string()
            }
        };
        writeln!(
            w,
            "{},{},{},{}",
            quote(&m.account_id),
            quote(&m.into),
            m.rule.code(),
            quote(&m.evidence)
        )
        .map_err(io)?;
    }
    w.flush().map_err(io)
}
