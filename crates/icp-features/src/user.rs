//! User features: a workspace's `features.sql`, SQL as the feature language.
//!
//! The file holds SELECT statements separated by `;`. Each returns `account_id` plus one or
//! more feature columns, at most one row per account; its columns are LEFT JOINed onto every
//! snapshot (accounts without a row get NULL). Statements are leakage-safe by construction:
//! for the snapshot at `T` each runs with the contract's table names bound to views of the
//! data *as it was known before `T`* (rows created before `T`; closes, resolutions and contract
//! ends at or after `T` not yet happened), so no statement can read the future whatever it
//! says. `{as_of}` (a timestamp) and `{as_of_micros}` (an integer) are replaced by `T`.
//! Errors name the file, the statement number and its first line. The contract is documented
//! in `docs/features.md`.

use crate::{Error, Result};
use datafusion::sql::parser::{DFParser, Statement as DfStatement};
use std::path::{Path, PathBuf};

/// One statement of a features file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserStatement {
    /// 1-based position in the file.
    pub number: usize,
    /// 1-based line of its first character.
    pub line: usize,
    pub sql: String,
}

/// A parsed features file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFeatures {
    pub path: PathBuf,
    /// The file's text, part of the definition hash.
    pub text: String,
    pub statements: Vec<UserStatement>,
}

/// Splits SQL text on `;` outside quotes and comments; empty statements (only blanks or
/// comments) are skipped. Each statement keeps its first line number.
pub fn split_statements(text: &str) -> Vec<UserStatement> {
    #[derive(PartialEq)]
    enum State {
        Code,
        Single,
        Double,
        LineComment,
        BlockComment,
    }
    let mut out = Vec::new();
    let mut state = State::Code;
    let (mut start, mut first_line, mut has_code) = (0, 1, false);
    let mut line = 1;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let next = bytes.get(i + 1).copied();
        let in_quotes = matches!(state, State::Single | State::Double);
        let was_code = state == State::Code;
        match state {
            State::Code => match c {
                b'\'' => state = State::Single,
                b'"' => state = State::Double,
                b'-' if next == Some(b'-') => state = State::LineComment,
                b'/' if next == Some(b'*') => {
                    state = State::BlockComment;
                    i += 1;
                }
                b';' => {
                    if has_code {
                        out.push(UserStatement {
                            number: out.len() + 1,
                            line: first_line,
                            sql: text[start..i].to_string(),
                        });
                    }
                    start = i + 1;
                    has_code = false;
                }
                _ => {}
            },
            State::Single if c == b'\'' => state = State::Code,
            State::Double if c == b'"' => state = State::Code,
            State::LineComment if c == b'\n' => state = State::Code,
            State::BlockComment if c == b'*' && next == Some(b'/') => {
                state = State::Code;
                i += 2;
                continue;
            }
            _ => {}
        }
        // A character of code: inside quotes, or in code and not opening a comment.
        let is_code = in_quotes
            || (was_code
                && matches!(state, State::Code | State::Single | State::Double)
                && !c.is_ascii_whitespace()
                && c != b';');
        if is_code && !has_code {
            has_code = true;
            first_line = line;
        }
        if c == b'\n' {
            line += 1;
        }
        i += 1;
    }
    if has_code {
        out.push(UserStatement {
            number: out.len() + 1,
            line: first_line,
            sql: text[start..].to_string(),
        });
    }
    out
}

impl UserFeatures {
    /// Parses `text` (read from `path`): every statement must be one SELECT. Syntax errors
    /// carry line and column numbers of the file.
    pub fn parse(path: &Path, text: &str) -> Result<UserFeatures> {
        let statements = split_statements(text);
        let features = UserFeatures {
            path: path.to_path_buf(),
            text: text.to_string(),
            statements,
        };
        for s in &features.statements {
            // Pad with the lines before the statement so positions are the file's.
            let padded = format!(
                "{}{}",
                "\n".repeat(s.line - 1),
                substitute(s.sql.trim_start(), 0)
            );
            let parsed =
                DFParser::parse_sql(&padded).map_err(|e| features.error(s, e.to_string()))?;
            let is_query = parsed.len() == 1
                && matches!(&parsed[0], DfStatement::Statement(st)
                    if matches!(**st, datafusion::sql::sqlparser::ast::Statement::Query(_)));
            if !is_query {
                return Err(features.error(
                    s,
                    "expected one SELECT returning account_id and feature columns".into(),
                ));
            }
        }
        Ok(features)
    }

    /// Reads and parses a features file.
    pub fn load(path: &Path) -> Result<UserFeatures> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        UserFeatures::parse(path, &text)
    }

    /// An error in statement `s`.
    pub fn error(&self, s: &UserStatement, message: String) -> Error {
        Error::UserSql {
            path: self.path.clone(),
            statement: s.number,
            line: s.line,
            message,
        }
    }
}

/// Substitutes the placeholders of a statement for the as-of moment `t` (microseconds).
pub fn substitute(sql: &str, t: i64) -> String {
    sql.replace("{as_of_micros}", &t.to_string())
        .replace("{as_of}", &format!("to_timestamp_micros({t})"))
}

/// How one column of a table is seen before `t`: `None` keeps it as is.
type Mask = fn(&str, i64) -> Option<String>;

fn mask_opportunity(column: &str, t: i64) -> Option<String> {
    let closed = format!("CAST(src.closed_at AS BIGINT) < {t}");
    Some(match column {
        "account_id" => return None,
        "opportunity_id" | "created_at" | "amount" => return None,
        "status" => format!("CASE WHEN {closed} THEN src.status ELSE 'open' END"),
        _ => format!("CASE WHEN {closed} THEN src.\"{column}\" END"),
    })
}

fn mask_ticket(column: &str, t: i64) -> Option<String> {
    let resolved = format!("CAST(src.resolved_at AS BIGINT) < {t}");
    match column {
        "account_id" | "ticket_id" | "created_at" | "priority" | "text" => None,
        _ => Some(format!("CASE WHEN {resolved} THEN src.\"{column}\" END")),
    }
}

fn mask_subscription(column: &str, t: i64) -> Option<String> {
    (column == "end_date")
        .then(|| format!("CASE WHEN CAST(src.end_date AS BIGINT) < {t} THEN src.end_date END"))
}

fn keep(_: &str, _: i64) -> Option<String> {
    None
}

/// The views a user statement sees for the snapshot at `t`, as a `WITH` list. `columns` gives
/// each source table's columns (as registered, extra columns included).
pub fn as_of_views(t: i64, columns: &dyn Fn(&str) -> Vec<String>) -> String {
    // (name, source, row filter, mask, account id mapped through merges)
    let tables: [(&str, &str, String, Mask, bool); 5] = [
        ("accounts", "icp_src_accounts", "TRUE".into(), keep, false),
        (
            "opportunities",
            "icp_src_opportunities",
            format!("CAST(src.created_at AS BIGINT) < {t}"),
            mask_opportunity,
            true,
        ),
        (
            "subscriptions",
            "icp_src_subscriptions",
            format!("CAST(src.start_date AS BIGINT) < {t}"),
            mask_subscription,
            true,
        ),
        (
            "tickets",
            "icp_src_tickets",
            format!("CAST(src.created_at AS BIGINT) < {t}"),
            mask_ticket,
            true,
        ),
        (
            "feedback",
            "icp_src_feedback",
            format!("CAST(src.\"at\" AS BIGINT) < {t}"),
            keep,
            true,
        ),
    ];
    let mut views: Vec<String> = tables
        .iter()
        .map(|(name, source, filter, mask, mapped)| {
            let select: Vec<String> = columns(source)
                .iter()
                .map(|c| {
                    if *mapped && c == "account_id" {
                        "COALESCE(m.into_id, src.account_id) AS account_id".to_string()
                    } else {
                        match mask(c, t) {
                            Some(expr) => format!("{expr} AS \"{c}\""),
                            None => format!("src.\"{c}\""),
                        }
                    }
                })
                .collect();
            format!(
                "{name} AS (SELECT {} FROM {source} src LEFT JOIN icp_merged m ON src.account_id = m.account_id WHERE {})",
                select.join(", "),
                filter
            )
        })
        .collect();
    views.push(format!(
        "events AS (SELECT account_id, \"timestamp\", event_type, contact_id, value FROM events_resolved WHERE CAST(\"timestamp\" AS BIGINT) < {t} AND account_id IS NOT NULL)"
    ));
    format!("WITH {}", views.join(",\n"))
}

/// Statement `s` wrapped for the snapshot at `t`.
pub fn wrapped(s: &UserStatement, t: i64, columns: &dyn Fn(&str) -> Vec<String>) -> String {
    format!(
        "{}\nSELECT * FROM (\n{}\n) AS icp_user_features",
        as_of_views(t, columns),
        substitute(s.sql.trim(), t)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_split_outside_quotes_and_comments_with_their_first_line() {
        let text = "-- my features\nSELECT account_id, 'a;b' AS x FROM accounts;\n\n/* two; */\nSELECT account_id,\n  1 AS \"y;\" -- ; here\nFROM accounts\n;\n  ; -- trailing\n";
        let s = split_statements(text);
        assert_eq!(s.len(), 2, "{s:?}");
        assert_eq!((s[0].number, s[0].line), (1, 2));
        assert!(s[0].sql.contains("'a;b'"));
        assert_eq!((s[1].number, s[1].line), (2, 5));
        assert!(s[1].sql.contains("\"y;\""));
    }

    #[test]
    fn a_statement_without_a_final_semicolon_counts() {
        let s = split_statements("SELECT 1 AS account_id");
        assert_eq!(s.len(), 1);
        assert!(split_statements("-- nothing\n\n").is_empty());
    }

    #[test]
    fn syntax_errors_name_the_statement_and_the_file_line() {
        let path = Path::new("features.sql");
        let err = UserFeatures::parse(
            path,
            "SELECT account_id, 1 AS x FROM accounts;\n\nSELECT account_id,, 2 AS y FROM accounts;",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("features.sql"), "{err}");
        assert!(err.contains("statement 2"), "{err}");
        assert!(err.contains("line 3"), "{err}");
        let err = UserFeatures::parse(path, "DROP TABLE accounts")
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected one SELECT"), "{err}");
    }

    #[test]
    fn placeholders_become_the_as_of_moment() {
        assert_eq!(
            substitute("WHERE t < {as_of} AND m < {as_of_micros}", 42),
            "WHERE t < to_timestamp_micros(42) AND m < 42"
        );
    }
}
