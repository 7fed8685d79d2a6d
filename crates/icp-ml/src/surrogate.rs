//! Readable membership rules for clusters: a shallow CART tree (Gini impurity, depth ≤ 3) per
//! cluster, one-vs-rest, on the ORIGINAL features of a [`Frame`] (business units, categories as
//! they are), and from it the single leaf that best describes the members — a conjunction such
//! as `employees > 200 and industry in {Fintech, Software}` — with its fidelity: the share of
//! rows matching the rule that are members (precision) and the share of members it matches
//! (recall).
//!
//! Splits: a numeric column splits at the midpoint between consecutive distinct values, and
//! its missing values go to whichever side lowers the impurity (the rule then says
//! "or unknown"); a categorical column orders its levels (missing is the level `unknown`) by
//! member share and splits the ordered list, which is the optimal subset split for a binary
//! target (Breiman et al., 1984). Written by hand because the rule, not the prediction, is the
//! product here, and a dozen lines of splitting are simpler than adapting a tree crate's
//! internals to text.

use serde::{Deserialize, Serialize};

use crate::recipe::{ColumnData, Frame};
use crate::{Error, Result};

/// Settings of [`membership_rule`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurrogateParams {
    /// Maximum depth (number of conditions in a rule). Default 3.
    pub max_depth: usize,
    /// Minimum rows in a leaf. Default 10.
    pub min_leaf: usize,
}

impl Default for SurrogateParams {
    fn default() -> Self {
        SurrogateParams {
            max_depth: 3,
            min_leaf: 10,
        }
    }
}

/// One condition of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    /// `column ≤ threshold` (`above` false) or `column > threshold`; `or_missing` when rows
    /// with no value also satisfy it.
    Numeric {
        column: String,
        threshold: f64,
        above: bool,
        or_missing: bool,
    },
    /// `column in levels` (the level `None` is a missing value).
    Categorical {
        column: String,
        levels: Vec<Option<String>>,
    },
}

/// A conjunction describing one cluster, with its fidelity on the rows it was learnt from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub conditions: Vec<Condition>,
    pub text: String,
    /// Rows matching the rule.
    pub matched: usize,
    /// Members matching the rule.
    pub matched_members: usize,
    pub members: usize,
    /// `matched_members / matched`.
    pub precision: f64,
    /// `matched_members / members`.
    pub recall: f64,
}

impl Condition {
    fn holds(&self, frame: &Frame, row: usize) -> bool {
        match self {
            Condition::Numeric {
                column,
                threshold,
                above,
                or_missing,
            } => match frame.column(column).map(|c| c.data()) {
                Some(ColumnData::Numeric(v)) => {
                    let x = v[row];
                    if x.is_nan() {
                        *or_missing
                    } else {
                        (x > *threshold) == *above
                    }
                }
                _ => false,
            },
            Condition::Categorical { column, levels } => {
                match frame.column(column).map(|c| c.data()) {
                    Some(ColumnData::Categorical(v)) => levels.contains(&v[row]),
                    _ => false,
                }
            }
        }
    }

    fn text(&self) -> String {
        match self {
            Condition::Numeric {
                column,
                threshold,
                above,
                or_missing,
            } => format!(
                "{column} {} {}{}",
                if *above { ">" } else { "≤" },
                short_number(*threshold),
                if *or_missing { " (or unknown)" } else { "" }
            ),
            Condition::Categorical { column, levels } => {
                let names: Vec<&str> = levels
                    .iter()
                    .map(|l| l.as_deref().unwrap_or("unknown"))
                    .collect();
                if names.len() == 1 {
                    format!("{column} is {}", names[0])
                } else {
                    format!("{column} in {{{}}}", names.join(", "))
                }
            }
        }
    }
}

/// A number with at most three significant digits for a rule's text.
fn short_number(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Gini impurity × count of a node with `pos` members among `n`.
fn weighted_gini(pos: f64, n: f64) -> f64 {
    if n == 0.0 {
        0.0
    } else {
        let p = pos / n;
        2.0 * n * p * (1.0 - p)
    }
}

/// The best split of `rows` as (impurity after, condition for the LEFT side).
fn best_split(
    frame: &Frame,
    rows: &[usize],
    member: &[bool],
    min_leaf: usize,
) -> Option<(f64, Condition)> {
    let mut best: Option<(f64, Condition)> = None;
    let mut consider = |score: f64, cond: Condition| {
        if best.as_ref().is_none_or(|(b, _)| score < *b - 1e-12) {
            best = Some((score, cond));
        }
    };
    for col in frame.columns() {
        match col.data() {
            ColumnData::Numeric(v) => {
                let mut present: Vec<(f64, bool)> = rows
                    .iter()
                    .filter(|&&r| !v[r].is_nan())
                    .map(|&r| (v[r], member[r]))
                    .collect();
                present.sort_by(|a, b| a.0.total_cmp(&b.0));
                let missing: Vec<usize> = rows.iter().copied().filter(|&r| v[r].is_nan()).collect();
                let (mn, mp) = (
                    missing.len() as f64,
                    missing.iter().filter(|&&r| member[r]).count() as f64,
                );
                let total_pos = present.iter().filter(|p| p.1).count() as f64;
                let n = present.len();
                let mut left_pos = 0.0;
                for i in 0..n.saturating_sub(1) {
                    left_pos += f64::from(u8::from(present[i].1));
                    if present[i].0 == present[i + 1].0 {
                        continue;
                    }
                    let nl = (i + 1) as f64;
                    let nr = (n - i - 1) as f64;
                    let threshold = 0.5 * (present[i].0 + present[i + 1].0);
                    // Missing rows to the left, then to the right.
                    for missing_left in [true, false] {
                        let (l_n, l_p, r_n, r_p) = if missing_left {
                            (nl + mn, left_pos + mp, nr, total_pos - left_pos)
                        } else {
                            (nl, left_pos, nr + mn, total_pos - left_pos + mp)
                        };
                        if (l_n as usize) < min_leaf || (r_n as usize) < min_leaf {
                            continue;
                        }
                        consider(
                            weighted_gini(l_p, l_n) + weighted_gini(r_p, r_n),
                            Condition::Numeric {
                                column: col.name().to_string(),
                                threshold,
                                above: false,
                                or_missing: missing_left && mn > 0.0,
                            },
                        );
                    }
                }
            }
            ColumnData::Categorical(v) => {
                let mut levels: Vec<(Option<String>, f64, f64)> = Vec::new();
                for &r in rows {
                    match levels.iter_mut().find(|l| l.0 == v[r]) {
                        Some(l) => {
                            l.1 += 1.0;
                            l.2 += f64::from(u8::from(member[r]));
                        }
                        None => levels.push((v[r].clone(), 1.0, f64::from(u8::from(member[r])))),
                    }
                }
                // Highest member share first (ties by name, for determinism).
                levels.sort_by(|a, b| (b.2 / b.1).total_cmp(&(a.2 / a.1)).then(a.0.cmp(&b.0)));
                let (tn, tp) = levels
                    .iter()
                    .fold((0.0, 0.0), |(n, p), l| (n + l.1, p + l.2));
                let (mut ln, mut lp) = (0.0, 0.0);
                for i in 0..levels.len().saturating_sub(1) {
                    ln += levels[i].1;
                    lp += levels[i].2;
                    if (ln as usize) < min_leaf || ((tn - ln) as usize) < min_leaf {
                        continue;
                    }
                    let mut chosen: Vec<Option<String>> =
                        levels[..=i].iter().map(|l| l.0.clone()).collect();
                    chosen.sort();
                    consider(
                        weighted_gini(lp, ln) + weighted_gini(tp - lp, tn - ln),
                        Condition::Categorical {
                            column: col.name().to_string(),
                            levels: chosen,
                        },
                    );
                }
            }
        }
    }
    best
}

/// The complement of a left-side condition, for the right child, over `rows`.
fn negate(cond: &Condition, frame: &Frame, rows: &[usize]) -> Condition {
    match cond {
        Condition::Numeric {
            column,
            threshold,
            above,
            or_missing,
        } => Condition::Numeric {
            column: column.clone(),
            threshold: *threshold,
            above: !above,
            or_missing: !or_missing
                && matches!(frame.column(column).map(|c| c.data()),
                    Some(ColumnData::Numeric(v)) if rows.iter().any(|&r| v[r].is_nan())),
        },
        Condition::Categorical { column, levels } => {
            let mut rest: Vec<Option<String>> = Vec::new();
            if let Some(ColumnData::Categorical(v)) = frame.column(column).map(|c| c.data()) {
                for &r in rows {
                    if !levels.contains(&v[r]) && !rest.contains(&v[r]) {
                        rest.push(v[r].clone());
                    }
                }
            }
            rest.sort();
            Condition::Categorical {
                column: column.clone(),
                levels: rest,
            }
        }
    }
}

/// Grows the tree and collects every leaf as (path, rows).
fn grow(
    frame: &Frame,
    rows: Vec<usize>,
    member: &[bool],
    path: Vec<Condition>,
    params: &SurrogateParams,
    leaves: &mut Vec<(Vec<Condition>, Vec<usize>)>,
) {
    let pos = rows.iter().filter(|&&r| member[r]).count();
    let pure = pos == 0 || pos == rows.len();
    if path.len() >= params.max_depth || pure || rows.len() < 2 * params.min_leaf {
        leaves.push((path, rows));
        return;
    }
    let parent = weighted_gini(pos as f64, rows.len() as f64);
    match best_split(frame, &rows, member, params.min_leaf) {
        Some((score, cond)) if score < parent - 1e-9 => {
            let (left, right): (Vec<usize>, Vec<usize>) =
                rows.iter().partition(|&&r| cond.holds(frame, r));
            let right_cond = negate(&cond, frame, &rows);
            let mut lp = path.clone();
            lp.push(cond);
            let mut rp = path;
            rp.push(right_cond);
            grow(frame, left, member, lp, params, leaves);
            grow(frame, right, member, rp, params, leaves);
        }
        _ => leaves.push((path, rows)),
    }
}

/// Merges conditions on the same column (two thresholds become an interval, level sets
/// intersect) so the text reads naturally; the set of matching rows is unchanged.
fn simplify(conditions: Vec<Condition>) -> Vec<Condition> {
    let mut out: Vec<Condition> = Vec::new();
    for c in conditions {
        let same = out.iter_mut().find(|o| match (o, &c) {
            (
                Condition::Numeric {
                    column: a,
                    above: x,
                    ..
                },
                Condition::Numeric {
                    column: b,
                    above: y,
                    ..
                },
            ) => a == b && x == y,
            (
                Condition::Categorical { column: a, .. },
                Condition::Categorical { column: b, .. },
            ) => a == b,
            _ => false,
        });
        match (same, c) {
            (
                Some(Condition::Numeric {
                    threshold,
                    above,
                    or_missing,
                    ..
                }),
                Condition::Numeric {
                    threshold: t,
                    or_missing: m,
                    ..
                },
            ) => {
                *threshold = if *above {
                    threshold.max(t)
                } else {
                    threshold.min(t)
                };
                *or_missing = *or_missing && m;
            }
            (
                Some(Condition::Categorical { levels, .. }),
                Condition::Categorical { levels: l, .. },
            ) => {
                levels.retain(|x| l.contains(x));
            }
            (_, c) => out.push(c),
        }
    }
    out
}

/// The rule describing the rows where `member` is true: the leaf of a one-vs-rest tree that
/// is mostly members and has the best F1 against membership. `None` when no leaf is mostly
/// members (the cluster cannot be told apart by these columns at this depth).
pub fn membership_rule(
    frame: &Frame,
    member: &[bool],
    params: &SurrogateParams,
) -> Result<Option<Rule>> {
    if member.len() != frame.n_rows() {
        return Err(Error::LengthMismatch {
            field: "member",
            expected: frame.n_rows(),
            found: member.len(),
        });
    }
    if params.max_depth == 0 || params.min_leaf == 0 {
        return Err(Error::invalid_parameter(
            "surrogate max_depth and min_leaf",
            "≥ 1",
            format!("{} and {}", params.max_depth, params.min_leaf),
        ));
    }
    let members = member.iter().filter(|&&m| m).count();
    let mut leaves = Vec::new();
    grow(
        frame,
        (0..frame.n_rows()).collect(),
        member,
        Vec::new(),
        params,
        &mut leaves,
    );
    let best = leaves
        .into_iter()
        .filter(|(path, _)| !path.is_empty())
        .map(|(path, rows)| {
            let hit = rows.iter().filter(|&&r| member[r]).count();
            (path, rows.len(), hit)
        })
        .filter(|&(_, n, hit)| 2 * hit > n)
        .max_by(|a, b| {
            let f1 = |n: usize, hit: usize| 2.0 * hit as f64 / (n + members) as f64;
            f1(a.1, a.2).total_cmp(&f1(b.1, b.2))
        });
    Ok(best.map(|(path, matched, matched_members)| {
        let conditions = simplify(path);
        let text = conditions
            .iter()
            .map(Condition::text)
            .collect::<Vec<_>>()
            .join(" and ");
        Rule {
            conditions,
            text,
            matched,
            matched_members,
            members,
            precision: matched_members as f64 / matched as f64,
            recall: if members == 0 {
                0.0
            } else {
                matched_members as f64 / members as f64
            },
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipe::Column;

    #[test]
    fn recovers_a_planted_rule() {
        // Members: employees > 200 and industry in {Fintech, Software}.
        let n = 400;
        let employees: Vec<f64> = (0..n)
            .map(|i| {
                if i % 7 == 0 {
                    f64::NAN
                } else {
                    (i * 3 % 500) as f64
                }
            })
            .collect();
        let industries = ["Fintech", "Software", "Retail", "Media"];
        let industry: Vec<Option<&str>> = (0..n).map(|i| Some(industries[i % 4])).collect();
        let member: Vec<bool> = (0..n).map(|i| employees[i] > 200.0 && i % 4 < 2).collect();
        let frame = Frame::new(vec![
            Column::numeric("employees", "employees", employees),
            Column::categorical("industry", "industry", industry),
        ])
        .unwrap();
        let rule = membership_rule(&frame, &member, &SurrogateParams::default())
            .unwrap()
            .unwrap();
        assert_eq!(rule.precision, 1.0, "{}", rule.text);
        assert_eq!(rule.recall, 1.0, "{}", rule.text);
        assert!(
            rule.text.contains("industry in {Fintech, Software}"),
            "{}",
            rule.text
        );
        assert!(rule.text.contains("employees >"), "{}", rule.text);
        // The fidelity is what the conditions give when applied again.
        let matched = (0..n)
            .filter(|&r| rule.conditions.iter().all(|c| c.holds(&frame, r)))
            .count();
        assert_eq!(matched, rule.matched);
        assert_eq!(short_number(1234.6), "1235");
        assert_eq!(short_number(0.012345), "0.0123");
    }
}
