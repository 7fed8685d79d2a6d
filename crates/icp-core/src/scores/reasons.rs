//! Reasons a rep can read: the exact contributions of the recipe's output columns are summed
//! back to their source field (one-hot levels, missing indicators and the windows of one
//! event type become one reason), converted to points on the 0–100 fit-score scale, and
//! phrased with the account's own value ("Employees 340: +12").

use icp_ml::recipe::{ColumnData, Frame, Recipe};
use serde::Serialize;

/// One reason for one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub field: String,
    /// Points on the 0–100 scale (positive raises the score).
    pub points: f64,
    /// "Employees 340: +12".
    pub text: String,
}

/// Sums per-output-column values to source fields, in the recipe's column order.
pub fn by_source(recipe: &Recipe, values: &[f64]) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for (col, &v) in recipe.output_columns().iter().zip(values) {
        match out.iter_mut().find(|(s, _)| *s == col.source) {
            Some(entry) => entry.1 += v,
            None => out.push((col.source.clone(), v)),
        }
    }
    out
}

/// "pricing_page" → "Pricing page".
pub fn humanise(name: &str) -> String {
    let s = name.replace('_', " ");
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => s,
    }
}

/// A number as a person writes it: whole numbers without decimals, thousands grouped.
pub fn format_number(v: f64) -> String {
    if v.fract() == 0.0 || v.abs() >= 1000.0 {
        let n = v.round() as i64;
        let digits = n.unsigned_abs().to_string();
        let mut grouped = String::new();
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        if n < 0 {
            format!("-{grouped}")
        } else {
            grouped
        }
    } else {
        format!("{v:.2}")
    }
}

/// The account's value of a source field in words: "Employees 340", "Industry: retail",
/// "Pricing page: 30d 0, 90d 2", "Technologies: salesforce, segment".
pub fn describe(frame: &Frame, row: usize, field: &str) -> String {
    let cols: Vec<_> = frame
        .columns()
        .iter()
        .filter(|c| c.source() == field)
        .collect();
    let label = humanise(field);
    let value = |c: &icp_ml::recipe::Column| match c.data() {
        ColumnData::Numeric(v) => match v.get(row) {
            Some(x) if x.is_finite() => format_number(*x),
            _ => "unknown".to_string(),
        },
        ColumnData::Categorical(v) => v
            .get(row)
            .cloned()
            .flatten()
            .unwrap_or_else(|| "unknown".to_string()),
    };
    match cols.as_slice() {
        [] => label,
        [one] => match one.data() {
            ColumnData::Numeric(_) => format!("{label} {}", value(one)),
            ColumnData::Categorical(_) => format!("{label}: {}", value(one)),
        },
        many if field == "technologies" => {
            let set: Vec<String> = many
                .iter()
                .filter(|c| matches!(c.data(), ColumnData::Numeric(v) if v.get(row).is_some_and(|x| *x > 0.0)))
                .map(|c| c.name().trim_start_matches("tech_").to_string())
                .collect();
            if set.is_empty() {
                format!("{label}: none of the tracked ones")
            } else {
                format!("{label}: {}", set.join(", "))
            }
        }
        many => {
            let parts: Vec<String> = many
                .iter()
                .map(|c| {
                    let suffix = c
                        .name()
                        .strip_prefix(field)
                        .map(|s| s.trim_start_matches('_'))
                        .filter(|s| !s.is_empty())
                        .unwrap_or(c.name());
                    format!("{suffix} {}", value(c))
                })
                .collect();
            format!("{label}: {}", parts.join(", "))
        }
    }
}

/// Converts raw-score contributions to points on the fit-score scale. The fit score is a
/// monotone map of the raw score, so the account's distance from the base score
/// (`score − base_score`) is shared among the fields in proportion to their contributions;
/// the points then add up exactly to `score − base_score`.
pub fn to_points(
    contributions: &[(String, f64)],
    raw: f64,
    base_raw: f64,
    score: f64,
    base_score: f64,
) -> Vec<(String, f64)> {
    let gap = raw - base_raw;
    let factor = if gap.abs() > 1e-12 {
        (score - base_score) / gap
    } else {
        0.0
    };
    contributions
        .iter()
        .map(|(f, c)| (f.clone(), c * factor))
        .collect()
}

/// The `k` fields raising the score most and the `k` lowering it most (by points), phrased.
pub fn top_reasons(
    points: &[(String, f64)],
    frame: &Frame,
    row: usize,
    k: usize,
) -> (Vec<Reason>, Vec<Reason>) {
    let mut sorted: Vec<&(String, f64)> = points.iter().collect();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let phrase = |(field, p): &(String, f64)| Reason {
        field: field.clone(),
        points: *p,
        text: format!(
            "{}: {}{:.0}",
            describe(frame, row, field),
            if *p >= 0.0 { "+" } else { "−" },
            p.abs()
        ),
    };
    let up = sorted
        .iter()
        .filter(|(_, p)| *p > 0.0)
        .take(k)
        .map(|r| phrase(r))
        .collect();
    let down = sorted
        .iter()
        .rev()
        .filter(|(_, p)| *p < 0.0)
        .take(k)
        .map(|r| phrase(r))
        .collect();
    (up, down)
}

/// The "Raising the score" / "Lowering the score" lists of `icp explain`, appended to `out`.
pub fn push_lists(out: &mut String, up: &[&str], down: &[&str]) {
    for (title, list) in [("Raising the score", up), ("Lowering the score", down)] {
        out.push_str(title);
        out.push_str(":\n");
        if list.is_empty() {
            out.push_str("  (none)\n");
        }
        for r in list {
            out.push_str("  ");
            out.push_str(r);
            out.push('\n');
        }
    }
}
