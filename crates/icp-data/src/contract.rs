//! The data contract: the six tables icp reads, their columns, types and constraints.
//!
//! This is the single source of truth that readers, validation, the Arrow schemas, the
//! `icp.toml` template and `docs/data-contract.md` follow. Only id columns are required; every
//! other column is optional, and columns a file has beyond the contract are carried along as
//! text (`extra columns`).

use arrow_schema::{DataType, Field, Schema, TimeUnit};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// One of the six tables of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Accounts,
    Opportunities,
    Subscriptions,
    Events,
    Tickets,
    Feedback,
}

impl Table {
    /// All tables, in the order they are read (accounts first: the others reference it).
    pub const ALL: [Table; 6] = [
        Table::Accounts,
        Table::Opportunities,
        Table::Subscriptions,
        Table::Events,
        Table::Tickets,
        Table::Feedback,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Table::Accounts => "accounts",
            Table::Opportunities => "opportunities",
            Table::Subscriptions => "subscriptions",
            Table::Events => "events",
            Table::Tickets => "tickets",
            Table::Feedback => "feedback",
        }
    }

    pub fn from_name(name: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What one row of the table stands for.
    pub fn row_meaning(self) -> &'static str {
        match self {
            Table::Accounts => "company",
            Table::Opportunities => "deal",
            Table::Subscriptions => "contract period",
            Table::Events => "engagement or usage event",
            Table::Tickets => "support ticket",
            Table::Feedback => "rep verdict on an account",
        }
    }

    /// The contract's columns of this table.
    pub fn columns(self) -> &'static [ColumnSpec] {
        match self {
            Table::Accounts => ACCOUNTS,
            Table::Opportunities => OPPORTUNITIES,
            Table::Subscriptions => SUBSCRIPTIONS,
            Table::Events => EVENTS,
            Table::Tickets => TICKETS,
            Table::Feedback => FEEDBACK,
        }
    }

    pub fn column(self, name: &str) -> Option<&'static ColumnSpec> {
        self.columns().iter().find(|c| c.name == name)
    }

    /// The column whose values must be unique, if any.
    pub fn unique_key(self) -> Option<&'static str> {
        match self {
            Table::Accounts => Some("account_id"),
            Table::Opportunities => Some("opportunity_id"),
            Table::Tickets => Some("ticket_id"),
            _ => None,
        }
    }

    /// Whether rows carry an `account_id` that must name a known account.
    pub fn references_accounts(self) -> bool {
        self != Table::Accounts
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type of a contract column, and so of its Arrow field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Identifier, kept as text exactly as given (surrounding whitespace trimmed).
    Id,
    Text,
    /// Whole number (Int64).
    Int,
    /// Real number (Float64); must be finite.
    Float,
    /// true/false, yes/no, 1/0, y/n.
    Bool,
    /// Date or date-time, stored as microseconds since the epoch in UTC.
    Timestamp,
    /// A list of text items in one cell, split on the configured list separator.
    TextList,
    /// One of a fixed set of lower-case values.
    Enum(&'static [&'static str]),
}

impl ColumnType {
    pub fn arrow(self) -> DataType {
        match self {
            ColumnType::Id | ColumnType::Text | ColumnType::Enum(_) => DataType::Utf8,
            ColumnType::Int => DataType::Int64,
            ColumnType::Float => DataType::Float64,
            ColumnType::Bool => DataType::Boolean,
            ColumnType::Timestamp => timestamp_type(),
            ColumnType::TextList => {
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
            }
        }
    }

    /// What a value of this type looks like, for error messages and the docs.
    pub fn expected(self) -> String {
        match self {
            ColumnType::Id => "a non-empty identifier".into(),
            ColumnType::Text => "text".into(),
            ColumnType::Int => "a whole number".into(),
            ColumnType::Float => "a finite number".into(),
            ColumnType::Bool => "true/false, yes/no, y/n or 1/0".into(),
            ColumnType::Timestamp => "a date or date-time".into(),
            ColumnType::TextList => "a list of items".into(),
            ColumnType::Enum(values) => format!("one of {}", values.join(", ")),
        }
    }
}

/// The Arrow type of every date and time column: microseconds, UTC.
pub fn timestamp_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

/// Value constraints checked after a value parsed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Constraint {
    None,
    NonNegative,
    /// Inclusive range.
    Range(f64, f64),
    /// The timestamp may not lie after the run's `now`.
    NotFuture,
}

/// One column of the contract.
#[derive(Debug, Clone, Copy)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub ty: ColumnType,
    /// Rows without a value here are quarantined.
    pub required: bool,
    pub constraint: Constraint,
    pub description: &'static str,
}

const fn col(
    name: &'static str,
    ty: ColumnType,
    required: bool,
    constraint: Constraint,
    description: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        ty,
        required,
        constraint,
        description,
    }
}

use ColumnType as T;
use Constraint as C;

pub const OPPORTUNITY_STATUS: &[&str] = &["open", "won", "lost"];
pub const FEEDBACK_VERDICT: &[&str] = &["good_fit", "poor_fit"];
pub const TICKET_PRIORITY: &[&str] = &["low", "normal", "high", "urgent"];

static ACCOUNTS: &[ColumnSpec] = &[
    col(
        "account_id",
        T::Id,
        true,
        C::None,
        "Unique id of the company in your CRM.",
    ),
    col("name", T::Text, false, C::None, "Company name."),
    col(
        "domain",
        T::Text,
        false,
        C::None,
        "Web domain, e.g. acme.com; used to match events and find duplicates.",
    ),
    col(
        "industry",
        T::Text,
        false,
        C::None,
        "Industry label as your CRM has it.",
    ),
    col(
        "employees",
        T::Int,
        false,
        C::NonNegative,
        "Number of employees.",
    ),
    col(
        "annual_revenue",
        T::Float,
        false,
        C::NonNegative,
        "Annual revenue in your reporting currency.",
    ),
    col(
        "country",
        T::Text,
        false,
        C::None,
        "Country name or ISO code.",
    ),
    col(
        "founded_year",
        T::Int,
        false,
        C::Range(1600.0, 2100.0),
        "Year the company was founded.",
    ),
    col(
        "technologies",
        T::TextList,
        false,
        C::None,
        "Technologies the company uses, separated by the list separator.",
    ),
    col(
        "consent",
        T::Bool,
        false,
        C::None,
        "Whether the company's contacts may be contacted (marketing consent).",
    ),
];

static OPPORTUNITIES: &[ColumnSpec] = &[
    col(
        "opportunity_id",
        T::Id,
        true,
        C::None,
        "Unique id of the deal.",
    ),
    col(
        "account_id",
        T::Id,
        true,
        C::None,
        "Account the deal belongs to.",
    ),
    col(
        "created_at",
        T::Timestamp,
        false,
        C::NotFuture,
        "When the deal was created.",
    ),
    col(
        "closed_at",
        T::Timestamp,
        false,
        C::None,
        "When the deal closed (expected close date while open); not before created_at, not in the future once won or lost.",
    ),
    col(
        "status",
        T::Enum(OPPORTUNITY_STATUS),
        false,
        C::None,
        "open, won or lost; CRM stages are mapped by [tables.opportunities.status_values].",
    ),
    col("amount", T::Float, false, C::NonNegative, "Deal value."),
];

static SUBSCRIPTIONS: &[ColumnSpec] = &[
    col(
        "account_id",
        T::Id,
        true,
        C::None,
        "Account holding the contract.",
    ),
    col(
        "subscription_id",
        T::Id,
        false,
        C::None,
        "Id of the contract period, if your billing system has one.",
    ),
    col("plan", T::Text, false, C::None, "Plan or product name."),
    col(
        "mrr",
        T::Float,
        false,
        C::NonNegative,
        "Monthly recurring revenue of the period.",
    ),
    col("seats", T::Int, false, C::NonNegative, "Licensed seats."),
    col(
        "start_date",
        T::Timestamp,
        false,
        C::None,
        "First day of the period.",
    ),
    col(
        "end_date",
        T::Timestamp,
        false,
        C::None,
        "Last day of the period; empty while active; not before start_date.",
    ),
];

static EVENTS: &[ColumnSpec] = &[
    col(
        "account_id",
        T::Id,
        false,
        C::None,
        "Account of the event; when empty, the event is matched by email or domain.",
    ),
    col(
        "email",
        T::Text,
        false,
        C::None,
        "Contact email, used to match the event to an account.",
    ),
    col(
        "domain",
        T::Text,
        false,
        C::None,
        "Web domain of the visitor's company, used when there is no account_id or email.",
    ),
    col(
        "contact_id",
        T::Id,
        false,
        C::None,
        "Id of the person behind the event.",
    ),
    col(
        "timestamp",
        T::Timestamp,
        true,
        C::NotFuture,
        "When the event happened.",
    ),
    col(
        "event_type",
        T::Text,
        false,
        C::None,
        "Kind of event, e.g. web_visit, pricing_page, demo_request, product_login.",
    ),
    col(
        "value",
        T::Float,
        false,
        C::None,
        "Optional magnitude (seconds on page, items used, ...).",
    ),
];

static TICKETS: &[ColumnSpec] = &[
    col(
        "ticket_id",
        T::Id,
        true,
        C::None,
        "Unique id of the ticket.",
    ),
    col(
        "account_id",
        T::Id,
        true,
        C::None,
        "Account that opened the ticket.",
    ),
    col(
        "created_at",
        T::Timestamp,
        false,
        C::NotFuture,
        "When the ticket was opened.",
    ),
    col(
        "resolved_at",
        T::Timestamp,
        false,
        C::NotFuture,
        "When it was resolved; empty while open; not before created_at.",
    ),
    col(
        "priority",
        T::Enum(TICKET_PRIORITY),
        false,
        C::None,
        "low, normal, high or urgent.",
    ),
    col(
        "csat",
        T::Float,
        false,
        C::Range(1.0, 5.0),
        "Customer satisfaction rating, 1 to 5.",
    ),
    col(
        "text",
        T::Text,
        false,
        C::None,
        "Subject or body of the ticket.",
    ),
];

static FEEDBACK: &[ColumnSpec] = &[
    col(
        "account_id",
        T::Id,
        true,
        C::None,
        "Account the verdict is about.",
    ),
    col(
        "verdict",
        T::Enum(FEEDBACK_VERDICT),
        true,
        C::None,
        "good_fit or poor_fit.",
    ),
    col("author", T::Text, false, C::None, "Who gave the verdict."),
    col(
        "at",
        T::Timestamp,
        false,
        C::NotFuture,
        "When it was given.",
    ),
    col("note", T::Text, false, C::None, "Free text."),
];

/// Other names CRM and billing exports commonly give a contract column (compared ignoring
/// case, spaces, dashes, dots and underscores), tried after the column's own name.
pub fn aliases(table: Table, column: &str) -> &'static [&'static str] {
    match (table, column) {
        (_, "account_id") => &["account", "company id"],
        (Table::Accounts, "name") => &["account name", "company name", "company"],
        (Table::Accounts, "domain") => &["website", "company domain", "web domain"],
        (Table::Accounts, "employees") => &["number of employees", "employee count", "headcount"],
        (Table::Accounts, "annual_revenue") => &["revenue", "annual revenue (usd)"],
        (Table::Accounts, "founded_year") => &["founded", "year founded"],
        (Table::Accounts, "technologies") => &["tech stack", "technology"],
        (Table::Opportunities, "opportunity_id") => &["opportunity", "deal id"],
        (Table::Opportunities | Table::Tickets, "created_at") => {
            &["created date", "create date", "created", "creation date"]
        }
        (Table::Opportunities, "closed_at") => &["close date", "closed date"],
        (Table::Opportunities, "status") => &["stage", "stage name", "deal stage"],
        (Table::Opportunities, "amount") => &["deal amount", "opportunity amount"],
        (Table::Subscriptions, "mrr") => &["monthly recurring revenue"],
        (Table::Subscriptions, "start_date") => &["start", "period start"],
        (Table::Subscriptions, "end_date") => &["end", "period end"],
        (Table::Events, "timestamp") => &["time", "event time", "occurred at", "date"],
        (Table::Events, "event_type") => &["type", "activity type", "event"],
        (Table::Tickets, "resolved_at") => &["resolved date", "closed date", "closed at"],
        _ => &[],
    }
}

/// The Arrow schema of a table as ingested: the contract's columns in contract order, then
/// the extra columns (as nullable text) in file order.
pub fn arrow_schema(table: Table, extra_columns: &[String]) -> Arc<Schema> {
    let mut fields: Vec<Field> = table
        .columns()
        .iter()
        .map(|c| Field::new(c.name, c.ty.arrow(), !c.required))
        .collect();
    fields.extend(
        extra_columns
            .iter()
            .map(|name| Field::new(name, DataType::Utf8, true)),
    );
    Arc::new(Schema::new(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_has_one_required_id_and_round_trips_its_name() {
        for t in Table::ALL {
            assert_eq!(Table::from_name(t.name()), Some(t));
            assert!(
                t.columns()
                    .iter()
                    .any(|c| c.required && c.ty == ColumnType::Id)
                    || t == Table::Events
            );
            if let Some(key) = t.unique_key() {
                assert!(t.column(key).unwrap().required);
            }
        }
    }
}
