//! CSV writing: fast row formatting into byte buffers (dates from a precomputed calendar,
//! integers and cents by hand, RFC 4180 quoting only where a field needs it), malformed
//! copies with their physical line numbers, the per-chunk output of the simulated accounts,
//! and the truth files, `dirt_summary.json` and `icp.toml`.

use super::account::*;
use super::archetypes::{ARCHETYPES, EVENT_TYPES};
use super::dirt;
use super::text;
use crate::contract::Table;
use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Dates of the world's days, formatted once.
pub struct Calendar {
    start: NaiveDate,
    iso: Vec<[u8; 10]>,
}

impl Calendar {
    pub fn new(start: NaiveDate, days: u32) -> Calendar {
        let iso = (0..days + 4000)
            .map(|d| iso_of(start + chrono::Days::new(u64::from(d))))
            .collect();
        Calendar { start, iso }
    }

    fn iso_day(&self, day: u32) -> [u8; 10] {
        match self.iso.get(day as usize) {
            Some(s) => *s,
            None => iso_of(self.start + chrono::Days::new(u64::from(day))),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn date(&self, day: u32, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.iso_day(day));
    }

    /// `MM/DD/YYYY`.
    pub fn date_mdy(&self, day: u32, out: &mut Vec<u8>) {
        let s = self.iso_day(day);
        out.extend_from_slice(&s[5..7]);
        out.push(b'/');
        out.extend_from_slice(&s[8..10]);
        out.push(b'/');
        out.extend_from_slice(&s[0..4]);
    }

    /// RFC 3339 UTC `YYYY-MM-DDTHH:MM:SSZ` of a time in seconds since the start.
    pub fn time(&self, secs: u64, out: &mut Vec<u8>) {
        let day = (secs / 86_400) as u32;
        let s = secs % 86_400;
        out.extend_from_slice(&self.iso_day(day));
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
        out.extend_from_slice(&[
            b'T',
            b'0' + (h / 10) as u8,
            b'0' + (h % 10) as u8,
            b':',
            b'0' + (m / 10) as u8,
            b'0' + (m % 10) as u8,
            b':',
            b'0' + (sec / 10) as u8,
            b'0' + (sec % 10) as u8,
            b'Z',
        ]);
    }
}

fn iso_of(d: NaiveDate) -> [u8; 10] {
    let mut s = [0u8; 10];
    let y = d.year().clamp(0, 9999) as u32;
    let (m, dd) = (d.month(), d.day());
    s[0] = b'0' + (y / 1000) as u8;
    s[1] = b'0' + (y / 100 % 10) as u8;
    s[2] = b'0' + (y / 10 % 10) as u8;
    s[3] = b'0' + (y % 10) as u8;
    s[4] = b'-';
    s[5] = b'0' + (m / 10) as u8;
    s[6] = b'0' + (m % 10) as u8;
    s[7] = b'-';
    s[8] = b'0' + (dd / 10) as u8;
    s[9] = b'0' + (dd % 10) as u8;
    s
}

pub fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// `prefix` then `v` zero-padded to `width` digits.
pub fn push_id(out: &mut Vec<u8>, prefix: &[u8], v: u64, width: usize) {
    out.extend_from_slice(prefix);
    let mut digits = Vec::with_capacity(20);
    push_u64(&mut digits, v);
    for _ in digits.len()..width {
        out.push(b'0');
    }
    out.extend_from_slice(&digits);
}

/// Cents as `1234.50`, or with thousands separators `1,234.50`.
pub fn push_cents(out: &mut Vec<u8>, cents: u64, thousands: bool) {
    let whole = cents / 100;
    if thousands {
        let mut digits = Vec::with_capacity(20);
        push_u64(&mut digits, whole);
        for (i, d) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(b',');
            }
            out.push(*d);
        }
    } else {
        push_u64(out, whole);
    }
    let c = cents % 100;
    out.extend_from_slice(&[b'.', b'0' + (c / 10) as u8, b'0' + (c % 10) as u8]);
}

/// A row being formatted: raw field values, unquoted.
#[derive(Default)]
pub struct Row {
    data: Vec<u8>,
    ends: Vec<usize>,
}

impl Row {
    pub fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
    }
    /// The buffer of the field being written.
    pub fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.data
    }
    pub fn end(&mut self) {
        self.ends.push(self.data.len());
    }
    pub fn push(&mut self, v: &[u8]) {
        self.data.extend_from_slice(v);
        self.end();
    }
    pub fn fields(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let f = &self.data[start..e];
            start = e;
            f
        })
    }
    pub fn to_fields(&self) -> Vec<Vec<u8>> {
        self.fields().map(<[u8]>::to_vec).collect()
    }
}

/// Writes one CSV record (RFC 4180 quoting where needed) and its line end.
pub fn emit<'a>(out: &mut Vec<u8>, fields: impl Iterator<Item = &'a [u8]>) {
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if f.iter().any(|b| matches!(b, b',' | b'"' | b'\n' | b'\r')) {
            out.push(b'"');
            for &b in f {
                if b == b'"' {
                    out.push(b'"');
                }
                out.push(b);
            }
            out.push(b'"');
        } else {
            out.extend_from_slice(f);
        }
    }
    out.push(b'\n');
}

/// One injected malformed row: local line (newlines before it in its buffer), kind, column.
pub type DirtEntry = (u64, u8, &'static str);

/// One table's rows from one chunk.
#[derive(Default)]
pub struct TableOut {
    pub buf: Vec<u8>,
    pub rows: u64,
    pub newlines: u64,
    pub dirt: Vec<DirtEntry>,
}

impl TableOut {
    /// Appends a record, counting its physical lines.
    fn record<'a>(&mut self, fields: impl Iterator<Item = &'a [u8]>) -> u64 {
        let line = self.newlines;
        let before = self.buf.len();
        emit(&mut self.buf, fields);
        self.newlines += self.buf[before..].iter().filter(|b| **b == b'\n').count() as u64;
        self.rows += 1;
        line
    }

    /// Writes `row`, then, when `kind` ≠ 0, its corrupted copy (with `fresh` as first field
    /// when given) and records the copy in the dirt list.
    pub fn write(
        &mut self,
        table: Table,
        row: &Row,
        kind: u8,
        fresh: Option<&[u8]>,
        bad: &dirt::Bad<'_>,
    ) {
        self.record(row.fields());
        if kind == 0 {
            return;
        }
        let mut fields = row.to_fields();
        if let Some(id) = fresh {
            fields[0] = id.to_vec();
        }
        let column = dirt::corrupt(table, kind, &mut fields, self.rows as usize, bad);
        let line = self.record(fields.iter().map(Vec::as_slice));
        self.dirt.push((line, kind, column));
    }
}

/// Number widths and prefixes of ids.
pub const ACCOUNT_W: usize = 6;
pub const OPP_W: usize = 7;
pub const SUB_W: usize = 7;
pub const TICKET_W: usize = 6;
pub const CONTACT_W: usize = 7;

/// Fresh ids for malformed copies: `A900001`, `O9000001`, ... (`AX…` in worlds too big for
/// the `9` range to be free).
pub fn fresh_id(out: &mut Vec<u8>, prefix: u8, width: usize, k: u64, big: bool) {
    out.clear();
    out.push(prefix);
    if big {
        out.push(b'X');
        push_u64(out, k);
    } else {
        let mut digits = Vec::new();
        push_u64(&mut digits, k);
        out.push(b'9');
        for _ in digits.len()..width - 1 {
            out.push(b'0');
        }
        out.extend_from_slice(&digits);
    }
}

/// World-level context for formatting.
pub struct FormatCtx<'a> {
    pub cal: &'a Calendar,
    pub profiles: &'a [Profile],
    /// Ids (numbers) of the duplicate records of each account.
    pub dups: &'a [Vec<u32>],
    /// Seconds from the start to `now`.
    pub now_secs: u64,
    pub big: bool,
    pub unknown: &'a [u8],
}

/// Where a chunk's ids start.
#[derive(Clone, Copy, Default, Debug)]
pub struct Bases {
    pub opp: u64,
    pub sub: u64,
    pub ticket: u64,
    pub contact: u64,
    pub fresh_opp: u64,
    pub fresh_sub: u64,
    pub fresh_ticket: u64,
}

impl Bases {
    /// Advances past the ids `sims` use.
    pub fn advance(&mut self, sims: &[AccountSim]) {
        for s in sims {
            self.opp += s.opps.len() as u64;
            self.sub += s.subs.len() as u64;
            self.ticket += s.tickets.len() as u64;
            self.contact += s.contacts.len() as u64;
            let fresh = |t: Table, k: u8| u64::from(dirt::needs_fresh_id(t, k));
            self.fresh_opp += s
                .opps
                .iter()
                .map(|o| fresh(Table::Opportunities, o.dirt))
                .sum::<u64>();
            self.fresh_sub += s
                .subs
                .iter()
                .map(|o| fresh(Table::Subscriptions, o.dirt))
                .sum::<u64>();
            self.fresh_ticket += s
                .tickets
                .iter()
                .map(|o| fresh(Table::Tickets, o.dirt))
                .sum::<u64>();
        }
    }
}

/// A chunk's rows for the five tables after accounts, and its truth rows.
#[derive(Default)]
pub struct ChunkOut {
    pub opps: TableOut,
    pub subs: TableOut,
    pub events: TableOut,
    pub tickets: TableOut,
    pub feedback: TableOut,
    pub truth_opps: Vec<u8>,
    pub truth_surges: Vec<u8>,
    pub truth_churn: Vec<u8>,
}

fn account_id(out: &mut Vec<u8>, ctx: &FormatCtx<'_>, index: usize, dup: u8) {
    let n = if dup == 0 {
        index as u64 + 1
    } else {
        u64::from(ctx.dups[index][dup as usize - 1])
    };
    push_id(out, b"A", n, ACCOUNT_W);
}

fn email(out: &mut Vec<u8>, c: &Contact, domain: &str, index: usize, k: usize) {
    out.extend_from_slice(text::FIRST_NAMES[c.first as usize].as_bytes());
    out.push(b'.');
    out.extend_from_slice(text::LAST_NAMES[c.last as usize].as_bytes());
    if c.free > 0 {
        push_u64(out, ((index * 31 + k * 7) % 997) as u64);
        out.push(b'@');
        out.extend_from_slice(text::FREE_MAIL[c.free as usize - 1].as_bytes());
    } else {
        if c.suffix > 0 {
            push_u64(out, u64::from(c.suffix) + 1);
        }
        out.push(b'@');
        out.extend_from_slice(domain.as_bytes());
    }
}

fn push_f(out: &mut Vec<u8>, v: f64, decimals: usize) {
    let _ = write!(out, "{v:.decimals$}");
}

/// Formats the accounts `first..first + sims.len()` of one chunk.
pub fn format_chunk(ctx: &FormatCtx<'_>, first: usize, sims: &[AccountSim], b: Bases) -> ChunkOut {
    let mut out = ChunkOut::default();
    let mut b = b;
    let mut row = Row::default();
    let mut fresh = Vec::new();
    let mut future = Vec::new();
    let cal = ctx.cal;
    for (k, sim) in sims.iter().enumerate() {
        let index = first + k;
        let p = &ctx.profiles[index];
        let future_at = |out: &mut Vec<u8>, salt: u64| {
            out.clear();
            cal.time(
                ctx.now_secs + 86_400 * (1 + salt % 365) + salt % 86_400,
                out,
            );
        };
        // Opportunities.
        for o in &sim.opps {
            b.opp += 1;
            row.clear();
            push_id(row.buf(), b"O", b.opp, OPP_W);
            row.end();
            account_id(row.buf(), ctx, index, o.dup);
            row.end();
            cal.date_mdy(o.created, row.buf());
            row.end();
            cal.date_mdy(o.close, row.buf());
            row.end();
            row.push(match o.status {
                STATUS_WON => b"Closed Won",
                STATUS_LOST => b"Closed Lost",
                s => OPEN_STAGES[(s - 2) as usize].as_bytes(),
            });
            push_cents(row.buf(), o.amount_cents, true);
            row.end();
            let f = if dirt::needs_fresh_id(Table::Opportunities, o.dirt) {
                b.fresh_opp += 1;
                fresh_id(&mut fresh, b'O', OPP_W, b.fresh_opp, ctx.big);
                Some(fresh.as_slice())
            } else {
                None
            };
            out.opps.write(
                Table::Opportunities,
                &row,
                o.dirt,
                f,
                &dirt::Bad {
                    future: b"",
                    unknown: ctx.unknown,
                },
            );
            // Truth.
            let t = &mut out.truth_opps;
            push_id(t, b"O", b.opp, OPP_W);
            t.push(b',');
            account_id(t, ctx, index, o.dup);
            t.push(b',');
            push_f(t, o.p, 6);
            t.push(b',');
            if let Some(s) = o.surge_start {
                cal.date(s, t);
            }
            t.extend_from_slice(if o.path { b",true," } else { b",false," });
            push_f(t, o.p_observable, 6);
            t.push(b'\n');
        }
        // Subscriptions.
        for s in &sim.subs {
            b.sub += 1;
            row.clear();
            push_id(row.buf(), b"S", b.sub, SUB_W);
            row.end();
            account_id(row.buf(), ctx, index, 0);
            row.end();
            row.push(PLANS[s.plan as usize].as_bytes());
            push_cents(row.buf(), s.mrr_cents, false);
            row.end();
            push_u64(row.buf(), u64::from(s.seats));
            row.end();
            cal.date(s.start, row.buf());
            row.end();
            if let Some(e) = s.end {
                cal.date(e, row.buf());
            }
            row.end();
            let f = if dirt::needs_fresh_id(Table::Subscriptions, s.dirt) {
                b.fresh_sub += 1;
                fresh_id(&mut fresh, b'S', SUB_W, b.fresh_sub, ctx.big);
                Some(fresh.as_slice())
            } else {
                None
            };
            out.subs.write(
                Table::Subscriptions,
                &row,
                s.dirt,
                f,
                &dirt::Bad {
                    future: b"",
                    unknown: ctx.unknown,
                },
            );
        }
        // Events.
        for e in &sim.events {
            row.clear();
            if matches!(e.ident, ID_ACCOUNT | ID_ACCOUNT_EMAIL) {
                account_id(row.buf(), ctx, index, e.dup);
            }
            row.end();
            if matches!(e.ident, ID_EMAIL | ID_ACCOUNT_EMAIL) {
                let c = &sim.contacts[e.contact as usize];
                email(row.buf(), c, &p.domain, index, e.contact as usize);
            }
            row.end();
            match e.ident {
                ID_DOMAIN => row.buf().extend_from_slice(p.domain.as_bytes()),
                ID_DOMAIN_WWW => {
                    row.buf().extend_from_slice(b"www.");
                    row.buf().extend_from_slice(p.domain.as_bytes());
                }
                ID_DOMAIN_UPPER => row
                    .buf()
                    .extend_from_slice(p.domain.to_ascii_uppercase().as_bytes()),
                _ => {}
            }
            row.end();
            if !matches!(e.ident, ID_DOMAIN | ID_DOMAIN_WWW | ID_DOMAIN_UPPER) {
                push_id(
                    row.buf(),
                    b"C",
                    b.contact + u64::from(e.contact) + 1,
                    CONTACT_W,
                );
            }
            row.end();
            cal.time(u64::from(e.t), row.buf());
            row.end();
            row.push(EVENT_TYPES[e.ty as usize].as_bytes());
            if e.value > 0 {
                push_u64(row.buf(), u64::from(e.value));
            }
            row.end();
            if e.dirt != 0 {
                future_at(&mut future, u64::from(e.t));
            }
            out.events.write(
                Table::Events,
                &row,
                e.dirt,
                None,
                &dirt::Bad {
                    future: &future,
                    unknown: ctx.unknown,
                },
            );
        }
        // Tickets.
        for t in &sim.tickets {
            b.ticket += 1;
            row.clear();
            push_id(row.buf(), b"T", b.ticket, TICKET_W);
            row.end();
            account_id(row.buf(), ctx, index, 0);
            row.end();
            cal.time(u64::from(t.created), row.buf());
            row.end();
            if let Some(r) = t.resolved {
                cal.time(u64::from(r), row.buf());
            }
            row.end();
            row.push(PRIORITIES[t.priority as usize].as_bytes());
            if let Some(c) = t.csat {
                push_u64(row.buf(), u64::from(c));
            }
            row.end();
            row.push(t.text.as_bytes());
            let f = if dirt::needs_fresh_id(Table::Tickets, t.dirt) {
                b.fresh_ticket += 1;
                fresh_id(&mut fresh, b'T', TICKET_W, b.fresh_ticket, ctx.big);
                Some(fresh.as_slice())
            } else {
                None
            };
            if t.dirt != 0 {
                future_at(&mut future, u64::from(t.created));
            }
            out.tickets.write(
                Table::Tickets,
                &row,
                t.dirt,
                f,
                &dirt::Bad {
                    future: &future,
                    unknown: ctx.unknown,
                },
            );
        }
        // Feedback.
        if let Some(fb) = &sim.feedback {
            row.clear();
            account_id(row.buf(), ctx, index, 0);
            row.end();
            row.push(if fb.good { b"good_fit" } else { b"poor_fit" });
            row.push(text::REPS[fb.author as usize].as_bytes());
            cal.time(u64::from(fb.at), row.buf());
            row.end();
            row.push(fb.note.as_bytes());
            if fb.dirt != 0 {
                future_at(&mut future, u64::from(fb.at));
            }
            out.feedback.write(
                Table::Feedback,
                &row,
                fb.dirt,
                None,
                &dirt::Bad {
                    future: &future,
                    unknown: ctx.unknown,
                },
            );
        }
        b.contact += sim.contacts.len() as u64;
        // Truth: surges and churn.
        for s in &sim.surges {
            let t = &mut out.truth_surges;
            push_id(t, b"A", index as u64 + 1, ACCOUNT_W);
            t.push(b',');
            cal.date(s.start, t);
            t.push(b',');
            cal.date(s.end, t);
            t.push(b',');
            push_f(t, s.intensity, 3);
            t.extend_from_slice(if s.led { b",true\n" } else { b",false\n" });
        }
        if let Some(c) = &sim.churn {
            let t = &mut out.truth_churn;
            push_id(t, b"A", index as u64 + 1, ACCOUNT_W);
            t.push(b',');
            t.extend_from_slice(TRENDS[c.trend as usize].as_bytes());
            t.push(b',');
            push_f(t, c.pain, 4);
            t.push(b',');
            push_f(t, c.hazard, 6);
            t.extend_from_slice(if c.churned { b",true," } else { b",false," });
            if let Some(d) = c.date {
                cal.date(d, t);
            }
            t.push(b'\n');
        }
    }
    out
}

/// A buffered output file that names itself in errors.
pub struct Out {
    path: PathBuf,
    w: BufWriter<File>,
}

impl Out {
    pub fn create(path: &Path, header: &str) -> Result<Out> {
        let f = File::create(path).map_err(|e| Error::io(path, e))?;
        let mut o = Out {
            path: path.to_path_buf(),
            w: BufWriter::with_capacity(1 << 20, f),
        };
        o.write(header.as_bytes())?;
        o.write(b"\n")?;
        Ok(o)
    }
    pub fn write(&mut self, bytes: &[u8]) -> Result<()> {
        self.w
            .write_all(bytes)
            .map_err(|e| Error::io(&self.path, e))
    }
    pub fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(|e| Error::io(&self.path, e))
    }
}

pub const HEADER_ACCOUNTS: &str = "account_id,name,domain,industry,employees,annual_revenue,country,founded_year,technologies,consent";
pub const HEADER_OPPS: &str = "Opportunity ID,Account ID,Created Date,Close Date,Stage,Amount";
pub const HEADER_SUBS: &str = "subscription_id,account_id,plan,mrr,seats,start_date,end_date";
pub const HEADER_EVENTS: &str = "account_id,email,domain,contact_id,timestamp,event_type,value";
pub const HEADER_TICKETS: &str = "ticket_id,account_id,created_at,resolved_at,priority,csat,text";
pub const HEADER_FEEDBACK: &str = "account_id,verdict,author,at,note";
pub const HEADER_TRUTH_ACCOUNTS: &str =
    "account_id,archetype,canonical_account_id,fit,engagement_propensity";
pub const HEADER_TRUTH_OPPS: &str = "opportunity_id,account_id,true_win_probability,surge_start,path_planted,observable_win_probability";
pub const HEADER_TRUTH_SURGES: &str = "account_id,start_date,end_date,intensity,led_to_opportunity";
pub const HEADER_TRUTH_CHURN: &str =
    "account_id,usage_trend,support_pain,monthly_hazard,churned,churn_date";
pub const HEADER_DIRT: &str = "table,line,kind,column";

/// A truth row of accounts.csv.
pub fn truth_account(out: &mut Vec<u8>, id: u64, p: &Profile, canonical: Option<u64>) {
    push_id(out, b"A", id, ACCOUNT_W);
    out.push(b',');
    out.extend_from_slice(ARCHETYPES[p.archetype as usize].name.as_bytes());
    out.push(b',');
    if let Some(c) = canonical {
        push_id(out, b"A", c, ACCOUNT_W);
    }
    out.push(b',');
    push_f(out, p.fit, 4);
    out.push(b',');
    push_f(out, p.propensity, 4);
    out.push(b'\n');
}

/// The workspace configuration of a generated world.
pub fn icp_toml(accounts: usize, months: u32, seed: u64, now: &str) -> String {
    format!(
        r#"# Synthetic company generated by `icp generate --accounts {accounts} --months {months} --seed {seed}` (icp {version}).
[workspace]
out_dir = "out"
now = "{now}"

[tables.accounts]
path = "data/accounts.csv"

[tables.opportunities]
path = "data/opportunities.csv"
[tables.opportunities.columns]
opportunity_id = "Opportunity ID"
account_id = "Account ID"
created_at = "Created Date"
closed_at = "Close Date"
status = "Stage"
amount = "Amount"
[tables.opportunities.status_values]
"Closed Won" = "won"
"Closed Lost" = "lost"
"Prospecting" = "open"
"Qualification" = "open"
"Proposal" = "open"
"Negotiation" = "open"
[tables.opportunities.parse]
thousands_separator = ","
date_order = "mdy"

[tables.subscriptions]
path = "data/subscriptions.csv"
[tables.events]
path = "data/events.csv"
[tables.tickets]
path = "data/tickets.csv"
[tables.feedback]
path = "data/feedback.csv"
"#,
        version = env!("CARGO_PKG_VERSION"),
    )
}
