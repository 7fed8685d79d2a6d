//! The cold-start score: with too few labelled outcomes to train on, accounts are scored by
//! their similarity to the best current customers (accounts that have won a deal or hold an
//! active subscription) in the recipe's scaled space: `−Σ_j (x_j − c_j)²` to the customers'
//! centroid `c`. The score is additive over columns, so its exact SHAP values against the
//! population are `mean_i (x_ij − c_j)² − (x_j − c_j)²`, and reasons work as for a model.
//! Columns that describe the relationship itself (deals, subscription) are left out.

use icp_ml::Matrix;
use icp_ml::recipe::{ColumnData, Frame};

/// Whether a column describes the customer relationship itself (deals, subscription, spend):
/// those define who the best customers are, so they are left out of the similarity, which
/// then asks "who looks like our customers did" from firmographics and engagement alone.
pub fn describes_relationship(column: &str) -> bool {
    const PREFIXES: [&str; 9] = [
        "prior_",
        "open_opportunities",
        "days_since_last_opportunity",
        "mean_cycle_days",
        "active_subscription",
        "tenure_days",
        "mrr",
        "seats",
        "rfm_",
    ];
    column == "plan" || PREFIXES.iter().any(|p| column.starts_with(p))
}

/// Rows of the best current customers: `prior_wins > 0` or `active_subscription = 1`.
pub fn best_customers(frame: &Frame) -> Vec<usize> {
    let flag = |name: &str, row: usize| match frame.column(name).map(|c| c.data()) {
        Some(ColumnData::Numeric(v)) => v.get(row).is_some_and(|x| *x > 0.0),
        _ => false,
    };
    (0..frame.n_rows())
        .filter(|&r| flag("prior_wins", r) || flag("active_subscription", r))
        .collect()
}

/// Similarity of each row to the centroid of `reference` rows (`NaN` when there is none), with its exact additive
/// contributions per column and the base value (the population mean similarity).
pub struct Lookalike {
    pub similarity: Vec<f64>,
    pub contributions: Matrix,
    pub base: f64,
}

pub fn score(x: &Matrix, reference: &[usize]) -> icp_ml::Result<Lookalike> {
    let (n, p) = (x.n_rows(), x.n_cols());
    if reference.is_empty() {
        // Nothing to look alike to: every score is unknown and nothing contributes.
        return Ok(Lookalike {
            similarity: vec![f64::NAN; n],
            contributions: Matrix::new(vec![0.0; n * p], n, p)?,
            base: f64::NAN,
        });
    }
    let mut centroid = vec![0.0; p];
    for &r in reference {
        for (c, v) in centroid.iter_mut().zip(x.row(r).unwrap_or(&[])) {
            *c += v / reference.len() as f64;
        }
    }
    let mut sq = vec![0.0; n * p];
    let mut mean_sq = vec![0.0; p];
    for r in 0..n {
        for (j, v) in x.row(r).unwrap_or(&[]).iter().enumerate() {
            let d = (v - centroid[j]).powi(2);
            sq[r * p + j] = d;
            mean_sq[j] += d / n as f64;
        }
    }
    let base = -mean_sq.iter().sum::<f64>();
    let contributions: Vec<f64> = (0..n * p).map(|k| mean_sq[k % p] - sq[k]).collect();
    let similarity = (0..n)
        .map(|r| -sq[r * p..(r + 1) * p].iter().sum::<f64>())
        .collect();
    Ok(Lookalike {
        similarity,
        contributions: Matrix::new(contributions, n, p)?,
        base,
    })
}
