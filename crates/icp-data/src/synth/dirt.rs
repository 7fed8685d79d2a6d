//! Dirt injection: which malformed-row kinds apply to which table, how a copy of a valid row
//! is corrupted with exactly one problem (named by the validator's reason code), and the
//! account-level defects (CRM duplicates with domain and name variants, missing cells,
//! outliers). Every injected defect is recorded in `truth/` by the writer.

use crate::contract::Table;
use rand::Rng;
use rand::rngs::SmallRng;

pub const MISSING_ID: u8 = 1;
pub const MISSING_REQUIRED: u8 = 2;
pub const UNPARSABLE_DATE: u8 = 3;
pub const UNPARSABLE_NUMBER: u8 = 4;
pub const NEGATIVE_VALUE: u8 = 5;
pub const DUPLICATE_ID: u8 = 6;
pub const UNKNOWN_ACCOUNT: u8 = 7;
pub const FUTURE_TIMESTAMP: u8 = 8;
pub const INVALID_VALUE: u8 = 9;
pub const WRONG_FIELD_COUNT: u8 = 10;
pub const INVALID_UTF8: u8 = 11;

/// The validator's reason code of a kind.
pub fn code(kind: u8) -> &'static str {
    match kind {
        MISSING_ID => "missing_id",
        MISSING_REQUIRED => "missing_required",
        UNPARSABLE_DATE => "unparsable_date",
        UNPARSABLE_NUMBER => "unparsable_number",
        NEGATIVE_VALUE => "negative_value",
        DUPLICATE_ID => "duplicate_id",
        UNKNOWN_ACCOUNT => "unknown_account",
        FUTURE_TIMESTAMP => "future_timestamp",
        INVALID_VALUE => "invalid_value",
        WRONG_FIELD_COUNT => "wrong_field_count",
        INVALID_UTF8 => "invalid_utf8",
        _ => "",
    }
}

/// The kinds that apply to a table.
pub fn kinds(table: Table) -> &'static [u8] {
    match table {
        Table::Accounts => &[
            MISSING_ID,
            UNPARSABLE_NUMBER,
            NEGATIVE_VALUE,
            DUPLICATE_ID,
            WRONG_FIELD_COUNT,
            INVALID_UTF8,
        ],
        Table::Opportunities => &[
            MISSING_ID,
            UNPARSABLE_DATE,
            UNPARSABLE_NUMBER,
            NEGATIVE_VALUE,
            DUPLICATE_ID,
            UNKNOWN_ACCOUNT,
            INVALID_VALUE,
            WRONG_FIELD_COUNT,
        ],
        Table::Subscriptions => &[
            MISSING_ID,
            UNPARSABLE_DATE,
            UNPARSABLE_NUMBER,
            NEGATIVE_VALUE,
            UNKNOWN_ACCOUNT,
            WRONG_FIELD_COUNT,
            INVALID_UTF8,
        ],
        Table::Events => &[
            UNKNOWN_ACCOUNT,
            FUTURE_TIMESTAMP,
            UNPARSABLE_DATE,
            WRONG_FIELD_COUNT,
            MISSING_REQUIRED,
        ],
        Table::Tickets => &[
            MISSING_ID,
            UNPARSABLE_DATE,
            UNPARSABLE_NUMBER,
            DUPLICATE_ID,
            UNKNOWN_ACCOUNT,
            FUTURE_TIMESTAMP,
            INVALID_VALUE,
            WRONG_FIELD_COUNT,
            INVALID_UTF8,
        ],
        Table::Feedback => &[
            MISSING_ID,
            INVALID_VALUE,
            UNKNOWN_ACCOUNT,
            FUTURE_TIMESTAMP,
            UNPARSABLE_DATE,
            WRONG_FIELD_COUNT,
            INVALID_UTF8,
        ],
    }
}

/// With probability `rate`, the kind of malformed copy a row gets (0: none).
pub fn malformed_kind(rng: &mut SmallRng, rate: f64, table: Table) -> u8 {
    if rate <= 0.0 || !rng.random_bool(rate.min(1.0)) {
        return 0;
    }
    let ks = kinds(table);
    ks[rng.random_range(0..ks.len())]
}

/// Whether a malformed copy of `kind` gets a fresh id (so it has no second problem).
pub fn needs_fresh_id(table: Table, kind: u8) -> bool {
    match table {
        Table::Accounts | Table::Opportunities | Table::Tickets => {
            kind != 0 && kind != DUPLICATE_ID && kind != MISSING_ID
        }
        Table::Subscriptions => kind != 0,
        Table::Events | Table::Feedback => false,
    }
}

/// An account id that no account has (worlds with fewer than 999,999 account records).
pub const UNKNOWN_ACCOUNT_ID: &[u8] = b"A999999";
/// The same in bigger worlds: seven zeros, a number no account gets.
pub const UNKNOWN_ACCOUNT_ID_BIG: &[u8] = b"A0000000";

/// Replacement values a corruption may need.
pub struct Bad<'a> {
    /// An RFC 3339 time after `now`.
    pub future: &'a [u8],
    /// An account id no account has.
    pub unknown: &'a [u8],
}

const BAD_DATES: [&str; 3] = ["2024-13-45", "31/31/2024", "not a date"];

fn insert_bad_utf8(field: &mut Vec<u8>) {
    let at = field.len() / 2;
    // Keep the insertion on a character boundary: our text is ASCII.
    field.splice(at..at, [0xC3, 0x28]);
}

/// Corrupts the fields of a copy of a valid row of `table` (file column order) with one
/// problem of `kind`; `variant` picks among equivalent corruptions. Returns the contract column concerned ("" for row-level kinds).
pub fn corrupt(
    table: Table,
    kind: u8,
    fields: &mut Vec<Vec<u8>>,
    variant: usize,
    bad: &Bad<'_>,
) -> &'static str {
    let future = bad.future;
    let set = |fields: &mut Vec<Vec<u8>>, i: usize, v: &[u8]| {
        fields[i].clear();
        fields[i].extend_from_slice(v);
    };
    let bad_date = BAD_DATES[variant % BAD_DATES.len()].as_bytes();
    match (table, kind) {
        (_, WRONG_FIELD_COUNT) => {
            fields.pop();
            ""
        }
        (_, DUPLICATE_ID) => "",
        (Table::Accounts, MISSING_ID) => {
            set(fields, 0, b"");
            "account_id"
        }
        (Table::Accounts, UNPARSABLE_NUMBER) => {
            set(fields, 4, b"lots");
            "employees"
        }
        (Table::Accounts, NEGATIVE_VALUE) => {
            set(fields, 4, b"-40");
            "employees"
        }
        (Table::Accounts, INVALID_UTF8) => {
            insert_bad_utf8(&mut fields[1]);
            "name"
        }
        (Table::Opportunities, MISSING_ID) => {
            set(fields, 0, b"");
            "opportunity_id"
        }
        (Table::Opportunities, UNPARSABLE_DATE) => {
            set(fields, 2, bad_date);
            "created_at"
        }
        (Table::Opportunities, UNPARSABLE_NUMBER) => {
            set(fields, 5, b"12.5.0");
            "amount"
        }
        (Table::Opportunities, NEGATIVE_VALUE) => {
            set(fields, 5, b"-1,200.00");
            "amount"
        }
        (Table::Opportunities, UNKNOWN_ACCOUNT) => {
            set(fields, 1, bad.unknown);
            "account_id"
        }
        (Table::Opportunities, INVALID_VALUE) => {
            set(fields, 4, b"Stalled");
            "status"
        }
        (Table::Subscriptions, MISSING_ID) => {
            set(fields, 1, b"");
            "account_id"
        }
        (Table::Subscriptions, UNPARSABLE_DATE) => {
            set(fields, 5, bad_date);
            "start_date"
        }
        (Table::Subscriptions, UNPARSABLE_NUMBER) => {
            set(fields, 3, b"12.5.0");
            "mrr"
        }
        (Table::Subscriptions, NEGATIVE_VALUE) => {
            set(fields, 3, b"-50.00");
            "mrr"
        }
        (Table::Subscriptions, UNKNOWN_ACCOUNT) => {
            set(fields, 1, bad.unknown);
            "account_id"
        }
        (Table::Subscriptions, INVALID_UTF8) => {
            insert_bad_utf8(&mut fields[2]);
            "plan"
        }
        (Table::Events, UNKNOWN_ACCOUNT) => {
            set(fields, 0, bad.unknown);
            "account_id"
        }
        (Table::Events, FUTURE_TIMESTAMP) => {
            set(fields, 4, future);
            "timestamp"
        }
        (Table::Events, UNPARSABLE_DATE) => {
            set(fields, 4, bad_date);
            "timestamp"
        }
        (Table::Events, MISSING_REQUIRED) => {
            set(fields, 4, b"");
            "timestamp"
        }
        (Table::Tickets, MISSING_ID) => {
            set(fields, 0, b"");
            "ticket_id"
        }
        (Table::Tickets, UNPARSABLE_DATE) => {
            set(fields, 2, bad_date);
            "created_at"
        }
        (Table::Tickets, UNPARSABLE_NUMBER) => {
            set(fields, 5, b"five");
            "csat"
        }
        (Table::Tickets, UNKNOWN_ACCOUNT) => {
            set(fields, 1, bad.unknown);
            "account_id"
        }
        (Table::Tickets, FUTURE_TIMESTAMP) => {
            // A future resolution stays after creation; a future creation only when the
            // ticket is still open, so the copy has no date-order problem as well.
            if fields[3].is_empty() {
                set(fields, 2, future);
                "created_at"
            } else {
                set(fields, 3, future);
                "resolved_at"
            }
        }
        (Table::Tickets, INVALID_VALUE) => {
            set(fields, 4, b"sometimes");
            "priority"
        }
        (Table::Tickets, INVALID_UTF8) => {
            insert_bad_utf8(&mut fields[6]);
            "text"
        }
        (Table::Feedback, MISSING_ID) => {
            set(fields, 0, b"");
            "account_id"
        }
        (Table::Feedback, INVALID_VALUE) => {
            set(fields, 1, b"maybe");
            "verdict"
        }
        (Table::Feedback, UNKNOWN_ACCOUNT) => {
            set(fields, 0, bad.unknown);
            "account_id"
        }
        (Table::Feedback, FUTURE_TIMESTAMP) => {
            set(fields, 3, future);
            "at"
        }
        (Table::Feedback, UNPARSABLE_DATE) => {
            set(fields, 3, bad_date);
            "at"
        }
        (Table::Feedback, INVALID_UTF8) => {
            insert_bad_utf8(&mut fields[4]);
            "note"
        }
        _ => "",
    }
}

/// A domain as a duplicate CRM record has it: `www.` prefix, upper case or a subdomain.
pub fn domain_variant(rng: &mut SmallRng, domain: &str) -> String {
    match rng.random_range(0..5) {
        0 | 1 => format!("www.{domain}"),
        2 => domain.to_uppercase(),
        3 => {
            let sub = ["eu", "app", "shop", "us", "mail"][rng.random_range(0..5)];
            format!("{sub}.{domain}")
        }
        _ => format!("WWW.{}", domain.to_uppercase()),
    }
}
