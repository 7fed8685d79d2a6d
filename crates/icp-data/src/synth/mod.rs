//! The synthetic company generator (`icp generate`): a B2B seller's CRM, billing, engagement,
//! support and feedback exports with known ground truth (archetypes, true win probabilities,
//! buying-cycle starts, churn drivers) and recorded dirt. This module owns the parameters, the
//! entry point [`generate`] and the orchestration: profiles → domain de-duplication →
//! accounts file with duplicates and cell dirt → accounts simulated in parallel chunks and
//! written in account order, so a seed gives byte-identical files on any number of threads.
//! See `docs/synthetic.md` for the world model.

pub mod account;
pub mod archetypes;
pub mod dirt;
pub mod text;
pub mod write;

use crate::contract::Table;
use crate::error::{Error, Result};
use account::{AccountSim, Profile, SimInput, rng_for};
use chrono::{Datelike, NaiveDate};
use icp_ml::progress::Progress;
use rand::Rng;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use write::{Bases, Calendar, ChunkOut, FormatCtx, Out, Row, TableOut};

/// Rates of injected defects.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DirtRates {
    /// Extra account records per account (CRM duplicates).
    pub duplicate_accounts: f64,
    /// Probability that an optional account cell is blanked.
    pub missing_values: f64,
    /// Share of accounts with employees or annual_revenue multiplied by 1,000.
    pub outliers: f64,
    /// Probability that a row is followed by a corrupted copy of it.
    pub malformed_rows: f64,
}

impl Default for DirtRates {
    fn default() -> Self {
        DirtRates {
            duplicate_accounts: 0.02,
            missing_values: 0.05,
            outliers: 0.005,
            malformed_rows: 0.002,
        }
    }
}

impl DirtRates {
    /// No injected dirt at all.
    pub fn clean() -> Self {
        DirtRates {
            duplicate_accounts: 0.0,
            missing_values: 0.0,
            outliers: 0.0,
            malformed_rows: 0.0,
        }
    }
}

/// What world to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct WorldParams {
    pub accounts: usize,
    pub months: u32,
    pub seed: u64,
    /// Last day of the world; `now` is the next midnight.
    pub end: NaiveDate,
    pub dirt: DirtRates,
}

impl Default for WorldParams {
    fn default() -> Self {
        WorldParams {
            accounts: 5_000,
            months: 24,
            seed: 42,
            end: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
            dirt: DirtRates::default(),
        }
    }
}

impl WorldParams {
    pub fn check(&self) -> Result<()> {
        if self.accounts < 50 {
            return Err(Error::InvalidArgument(format!(
                "`accounts` must be ≥ 50, got {}",
                self.accounts
            )));
        }
        if !(1..=120).contains(&self.months) {
            return Err(Error::InvalidArgument(format!(
                "`months` must be from 1 to 120, got {}",
                self.months
            )));
        }
        let rates = [
            ("duplicate_accounts", self.dirt.duplicate_accounts),
            ("missing_values", self.dirt.missing_values),
            ("outliers", self.dirt.outliers),
            ("malformed_rows", self.dirt.malformed_rows),
        ];
        for (name, v) in rates {
            if !(0.0..=0.5).contains(&v) {
                return Err(Error::InvalidArgument(format!(
                    "`{name}` must be from 0 to 0.5, got {v}"
                )));
            }
        }
        if self.start().is_none() {
            return Err(Error::InvalidArgument(format!(
                "`end` {} minus {} months is not a date",
                self.end, self.months
            )));
        }
        Ok(())
    }

    /// First day of the world: `end − months`.
    pub fn start(&self) -> Option<NaiveDate> {
        self.end
            .checked_sub_months(chrono::Months::new(self.months))
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSummary {
    /// Data rows per table (header excluded, dirt included).
    pub rows: BTreeMap<Table, u64>,
    pub malformed_rows: u64,
    pub duplicate_accounts: u64,
    pub archetypes: usize,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// Accounts per parallel work unit.
const CHUNK: usize = 1_000;
/// Chunks simulated before they are written (bounds memory).
const WAVE: usize = 8;
/// Worlds at least this big use `AX…` fresh ids for malformed copies.
const BIG_WORLD: usize = 500_000;
const STREAM_WORLD: u64 = 11;
const STREAM_ACCOUNT_DIRT: u64 = 4;

/// Generates a world into `dir` (`data/`, `truth/`, `icp.toml`).
pub fn generate(
    params: &WorldParams,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<GenerateSummary> {
    params.check()?;
    let start = params
        .start()
        .ok_or_else(|| Error::InvalidArgument("`end` minus `months` is not a date".into()))?;
    let days = (params.end - start).num_days() as u32 + 1;
    let n = params.accounts;
    let data = dir.join("data");
    let truth = dir.join("truth");
    for d in [&data, &truth] {
        std::fs::create_dir_all(d).map_err(|e| Error::io(d, e))?;
    }
    let cal = Calendar::new(start, days);
    let now_date = params.end + chrono::Days::new(1);
    let now = format!("{now_date}T00:00:00Z");

    // Profiles, then unique domains.
    let seed = params.seed;
    let end_year = params.end.year();
    let mut profiles: Vec<(Profile, String)> = (0..n)
        .into_par_iter()
        .map(|i| account::make_profile(seed, i, end_year))
        .collect();
    let mut taken: HashSet<String> = HashSet::with_capacity(n);
    for (p, label) in &mut profiles {
        if !taken.contains(&p.domain) {
            taken.insert(p.domain.clone());
            continue;
        }
        let tld = p.domain[label.len() + 1..].to_string();
        let mut k = 0usize;
        loop {
            let candidate = match k {
                0 => format!("{label}hq.{tld}"),
                1 => format!("{label}group.{tld}"),
                2 => format!("get{label}.{tld}"),
                _ => format!("{label}{}.{tld}", k - 1),
            };
            if taken.insert(candidate.clone()) {
                p.domain = candidate;
                break;
            }
            k += 1;
        }
    }
    let profiles: Vec<Profile> = profiles.into_iter().map(|(p, _)| p).collect();

    // Duplicate records: which accounts, and where they sit in the file.
    let mut world = rng_for(seed, u64::MAX, STREAM_WORLD);
    let n_dup = ((params.dirt.duplicate_accounts * n as f64).round() as usize).min(n);
    let canon: Vec<usize> = rand::seq::index::sample(&mut world, n, n_dup).into_vec();
    let mut dups: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut placed: Vec<(usize, usize)> = Vec::with_capacity(n_dup);
    for (j, &c) in canon.iter().enumerate() {
        dups[c].push((n + 1 + j) as u32);
        placed.push((world.random_range(0..n), j));
    }
    placed.sort_unstable();
    let big = n >= BIG_WORLD;
    let unknown: &[u8] = if n + n_dup >= 999_999 {
        dirt::UNKNOWN_ACCOUNT_ID_BIG
    } else {
        dirt::UNKNOWN_ACCOUNT_ID
    };

    progress.start("generating accounts", n as u64);
    let mut dirt_rows: Vec<(Table, u64, u8, &'static str)> = Vec::new();
    let mut rows: BTreeMap<Table, u64> = Table::ALL.iter().map(|t| (*t, 0)).collect();
    let acc = write_accounts(
        params,
        &profiles,
        &canon,
        &placed,
        &dirt::Bad {
            future: b"",
            unknown,
        },
        &data,
        &truth,
        big,
    )?;
    for (line, kind, column) in &acc.table.dirt {
        dirt_rows.push((Table::Accounts, *line + 2, *kind, column));
    }
    rows.insert(Table::Accounts, acc.table.rows);

    // Everything else, chunk by chunk.
    let mut outs = [
        (
            Table::Opportunities,
            Out::create(&data.join("opportunities.csv"), write::HEADER_OPPS)?,
        ),
        (
            Table::Subscriptions,
            Out::create(&data.join("subscriptions.csv"), write::HEADER_SUBS)?,
        ),
        (
            Table::Events,
            Out::create(&data.join("events.csv"), write::HEADER_EVENTS)?,
        ),
        (
            Table::Tickets,
            Out::create(&data.join("tickets.csv"), write::HEADER_TICKETS)?,
        ),
        (
            Table::Feedback,
            Out::create(&data.join("feedback.csv"), write::HEADER_FEEDBACK)?,
        ),
    ];
    let mut next_line = [2u64; 5];
    let mut t_opps = Out::create(&truth.join("opportunities.csv"), write::HEADER_TRUTH_OPPS)?;
    let mut t_surges = Out::create(&truth.join("surges.csv"), write::HEADER_TRUTH_SURGES)?;
    let mut t_churn = Out::create(&truth.join("churn.csv"), write::HEADER_TRUTH_CHURN)?;
    let ctx = FormatCtx {
        cal: &cal,
        profiles: &profiles,
        dups: &dups,
        now_secs: u64::from(days) * 86_400,
        big,
        unknown,
    };
    let n_chunks = n.div_ceil(CHUNK);
    let mut bases = Bases::default();
    let mut wave = 0;
    while wave < n_chunks {
        let wave_end = (wave + WAVE).min(n_chunks);
        let sims: Vec<Vec<AccountSim>> = (wave..wave_end)
            .into_par_iter()
            .map(|c| {
                (c * CHUNK..((c + 1) * CHUNK).min(n))
                    .map(|i| {
                        account::simulate(&SimInput {
                            seed,
                            index: i,
                            profile: &profiles[i],
                            days,
                            dups: dups[i].len() as u8,
                            malformed_rate: params.dirt.malformed_rows,
                        })
                    })
                    .collect()
            })
            .collect();
        let mut chunk_bases = Vec::with_capacity(sims.len());
        for s in &sims {
            chunk_bases.push(bases);
            bases.advance(s);
        }
        let formatted: Vec<ChunkOut> = sims
            .par_iter()
            .zip(chunk_bases)
            .enumerate()
            .map(|(k, (s, b))| {
                let out = write::format_chunk(&ctx, (wave + k) * CHUNK, s, b);
                progress.advance(s.len() as u64);
                out
            })
            .collect();
        drop(sims);
        for chunk in formatted {
            let parts: [&TableOut; 5] = [
                &chunk.opps,
                &chunk.subs,
                &chunk.events,
                &chunk.tickets,
                &chunk.feedback,
            ];
            for (k, part) in parts.into_iter().enumerate() {
                let (table, out) = &mut outs[k];
                out.write(&part.buf)?;
                for (line, kind, column) in &part.dirt {
                    dirt_rows.push((*table, next_line[k] + line, *kind, column));
                }
                next_line[k] += part.newlines;
                *rows.entry(*table).or_default() += part.rows;
            }
            t_opps.write(&chunk.truth_opps)?;
            t_surges.write(&chunk.truth_surges)?;
            t_churn.write(&chunk.truth_churn)?;
        }
        wave = wave_end;
    }
    for (_, o) in outs {
        o.finish()?;
    }
    t_opps.finish()?;
    t_surges.finish()?;
    t_churn.finish()?;
    progress.finish();

    // Dirt records and summary.
    dirt_rows.sort_by_key(|(t, line, _, _)| (*t, *line));
    let mut d = Out::create(&truth.join("dirt.csv"), write::HEADER_DIRT)?;
    let mut malformed: BTreeMap<&str, u64> = Table::ALL.iter().map(|t| (t.name(), 0)).collect();
    let mut buf = Vec::new();
    for (t, line, kind, column) in &dirt_rows {
        buf.clear();
        buf.extend_from_slice(t.name().as_bytes());
        buf.push(b',');
        write::push_u64(&mut buf, *line);
        buf.push(b',');
        buf.extend_from_slice(dirt::code(*kind).as_bytes());
        buf.push(b',');
        buf.extend_from_slice(column.as_bytes());
        buf.push(b'\n');
        d.write(&buf)?;
        *malformed.entry(t.name()).or_default() += 1;
    }
    d.finish()?;
    let summary = serde_json::json!({
        "duplicate_accounts": n_dup,
        "missing_cells": acc.missing,
        "outliers": acc.outliers,
        "malformed_rows": malformed,
        "rows": rows.iter().map(|(t, n)| (t.name(), *n)).collect::<BTreeMap<_, _>>(),
    });
    let path = truth.join("dirt_summary.json");
    let text = serde_json::to_string_pretty(&summary).map_err(|e| Error::write(&path, e))?;
    std::fs::write(&path, text + "\n").map_err(|e| Error::io(&path, e))?;
    let path = dir.join(crate::config::CONFIG_FILE);
    std::fs::write(
        &path,
        write::icp_toml(params.accounts, params.months, params.seed, &now),
    )
    .map_err(|e| Error::io(&path, e))?;

    Ok(GenerateSummary {
        rows,
        malformed_rows: dirt_rows.len() as u64,
        duplicate_accounts: n_dup as u64,
        archetypes: archetypes::ARCHETYPES.len(),
        start,
        end: params.end,
    })
}

/// What writing the accounts file produced.
struct AccountsWritten {
    table: TableOut,
    missing: BTreeMap<&'static str, u64>,
    outliers: BTreeMap<&'static str, u64>,
}

/// The optional account columns, in file order, with the cell bit that may blank them.
const OPTIONAL: [(&str, u8); 9] = [
    ("name", 0),
    ("domain", 0),
    ("industry", account::CELL_INDUSTRY),
    ("employees", account::CELL_EMPLOYEES),
    ("annual_revenue", account::CELL_REVENUE),
    ("country", account::CELL_COUNTRY),
    ("founded_year", account::CELL_FOUNDED),
    ("technologies", account::CELL_TECH),
    ("consent", 0),
];

struct AccountCells<'a> {
    id: u64,
    name: &'a str,
    domain: &'a str,
    p: &'a Profile,
    blank: u8,
    employees: u64,
    revenue_cents: u64,
}

fn account_row(row: &mut Row, c: &AccountCells<'_>) {
    row.clear();
    write::push_id(row.buf(), b"A", c.id, write::ACCOUNT_W);
    row.end();
    row.push(c.name.as_bytes());
    row.push(c.domain.as_bytes());
    let p = c.p;
    let show = |bit: u8| c.blank & bit == 0;
    if show(account::CELL_INDUSTRY) {
        row.buf()
            .extend_from_slice(archetypes::INDUSTRIES[p.industry as usize].as_bytes());
    }
    row.end();
    if show(account::CELL_EMPLOYEES) {
        write::push_u64(row.buf(), c.employees);
    }
    row.end();
    if show(account::CELL_REVENUE) {
        write::push_cents(row.buf(), c.revenue_cents, false);
    }
    row.end();
    if show(account::CELL_COUNTRY) {
        row.buf()
            .extend_from_slice(archetypes::COUNTRIES[p.country as usize].name.as_bytes());
    }
    row.end();
    if show(account::CELL_FOUNDED) {
        write::push_u64(row.buf(), u64::from(p.founded));
    }
    row.end();
    if show(account::CELL_TECH) {
        let mut first = true;
        for (t, name) in archetypes::TECHNOLOGIES.iter().enumerate() {
            if p.uses(t) {
                if !first {
                    row.buf().push(b';');
                }
                first = false;
                row.buf().extend_from_slice(name.as_bytes());
            }
        }
    }
    row.end();
    row.push(if p.consent { b"true" } else { b"false" });
}

#[allow(clippy::too_many_arguments)]
fn write_accounts(
    params: &WorldParams,
    profiles: &[Profile],
    canon: &[usize],
    placed: &[(usize, usize)],
    bad: &dirt::Bad<'_>,
    data: &Path,
    truth: &Path,
    big: bool,
) -> Result<AccountsWritten> {
    let n = profiles.len();
    let rates = &params.dirt;
    let mut table = TableOut::default();
    let mut truth_buf = Vec::new();
    let mut missing: BTreeMap<&'static str, u64> = OPTIONAL.iter().map(|(c, _)| (*c, 0)).collect();
    let mut outliers: BTreeMap<&'static str, u64> = [("employees", 0), ("annual_revenue", 0)]
        .into_iter()
        .collect();
    let mut row = Row::default();
    let mut fresh = Vec::new();
    let mut fresh_n = 0u64;
    let mut next_dup = 0usize;
    let mut emit =
        |table: &mut TableOut, row: &Row, kind: u8, missing: &mut BTreeMap<&'static str, u64>| {
            for (k, f) in row.fields().enumerate().skip(1) {
                if f.is_empty() {
                    *missing.entry(OPTIONAL[k - 1].0).or_default() += 1;
                }
            }
            let f = if dirt::needs_fresh_id(Table::Accounts, kind) {
                fresh_n += 1;
                write::fresh_id(&mut fresh, b'A', write::ACCOUNT_W, fresh_n, big);
                Some(fresh.as_slice())
            } else {
                None
            };
            table.write(Table::Accounts, row, kind, f, bad);
        };
    for (i, p) in profiles.iter().enumerate() {
        let mut rng = rng_for(params.seed, i as u64, STREAM_ACCOUNT_DIRT);
        let mut blank = p.sparse;
        for (_, bit) in OPTIONAL {
            if bit != 0 && rng.random_bool(rates.missing_values) {
                blank |= bit;
            }
        }
        let mut employees = u64::from(p.employees);
        let mut revenue_cents = (p.revenue * 100.0).round() as u64;
        if rng.random_bool(rates.outliers) {
            let emp_shown = blank & account::CELL_EMPLOYEES == 0;
            let rev_shown = blank & account::CELL_REVENUE == 0;
            let pick_emp = if emp_shown && rev_shown {
                rng.random_bool(0.5)
            } else {
                emp_shown
            };
            if pick_emp {
                employees *= 1000;
                *outliers.entry("employees").or_default() += 1;
            } else if rev_shown {
                revenue_cents *= 1000;
                *outliers.entry("annual_revenue").or_default() += 1;
            }
        }
        let kind = dirt::malformed_kind(&mut rng, rates.malformed_rows, Table::Accounts);
        account_row(
            &mut row,
            &AccountCells {
                id: i as u64 + 1,
                name: &p.name,
                domain: &p.domain,
                p,
                blank,
                employees,
                revenue_cents,
            },
        );
        emit(&mut table, &row, kind, &mut missing);
        write::truth_account(&mut truth_buf, i as u64 + 1, p, None);
        // Duplicate records placed after this account.
        while next_dup < placed.len() && placed[next_dup].0 == i {
            let j = placed[next_dup].1;
            next_dup += 1;
            let c = canon[j];
            let cp = &profiles[c];
            let mut rng = rng_for(params.seed, (n + j) as u64, STREAM_ACCOUNT_DIRT);
            let name = text::name_variant(&mut rng, &cp.name);
            let domain = dirt::domain_variant(&mut rng, &cp.domain);
            let mut blank = cp.sparse;
            for (_, bit) in OPTIONAL {
                if bit != 0 && rng.random_bool(0.25_f64.max(rates.missing_values)) {
                    blank |= bit;
                }
            }
            let mut employees = u64::from(cp.employees);
            if rng.random_bool(0.3) {
                employees = ((employees as f64) * rng.random_range(0.85..1.15)).round() as u64;
            }
            let kind = dirt::malformed_kind(&mut rng, rates.malformed_rows, Table::Accounts);
            let id = (n + 1 + j) as u64;
            account_row(
                &mut row,
                &AccountCells {
                    id,
                    name: &name,
                    domain: &domain,
                    p: cp,
                    blank,
                    employees,
                    revenue_cents: (cp.revenue * 100.0).round() as u64,
                },
            );
            emit(&mut table, &row, kind, &mut missing);
            write::truth_account(&mut truth_buf, id, cp, Some(c as u64 + 1));
        }
    }
    let mut out = Out::create(&data.join("accounts.csv"), write::HEADER_ACCOUNTS)?;
    out.write(&table.buf)?;
    out.finish()?;
    let mut t = Out::create(&truth.join("accounts.csv"), write::HEADER_TRUTH_ACCOUNTS)?;
    t.write(&truth_buf)?;
    t.finish()?;
    Ok(AccountsWritten {
        table,
        missing,
        outliers,
    })
}
