//! [`match_labels`]: keeps segment ids stable across reruns by pairing the centroids of a new
//! fit with those of the previous one (Hungarian method on squared centroid distance), and
//! [`linear_assignment`], the rectangular Hungarian solver underneath.

use super::util::sq_dist;
use crate::{Error, Matrix, Result};

/// Minimum-cost assignment on a row-major `n_rows × n_cols` cost matrix: returns, for each
/// row, its column, every row in a distinct column when `n_rows ≤ n_cols`; when
/// `n_rows > n_cols`, the rows left without a column get `None`. `O(n² m)` (Jonker–Volgenant
/// style shortest augmenting paths with potentials). Costs must be finite.
pub fn linear_assignment(cost: &[f64], n_rows: usize, n_cols: usize) -> Vec<Option<usize>> {
    assert_eq!(cost.len(), n_rows * n_cols, "cost must be n_rows × n_cols");
    if n_rows <= n_cols {
        hungarian(|i, j| cost[i * n_cols + j], n_rows, n_cols)
            .into_iter()
            .map(Some)
            .collect()
    } else {
        // Solve the transpose (columns as rows), then invert.
        let col_to_row = hungarian(|i, j| cost[j * n_cols + i], n_cols, n_rows);
        let mut out = vec![None; n_rows];
        for (c, &r) in col_to_row.iter().enumerate() {
            out[r] = Some(c);
        }
        out
    }
}

/// Hungarian method for `n ≤ m`: row `i` → column, minimising the summed cost.
fn hungarian(cost: impl Fn(usize, usize) -> f64, n: usize, m: usize) -> Vec<usize> {
    // 1-based potentials and matching, index 0 is the virtual start.
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; m + 1];
    let mut p = vec![0usize; m + 1]; // p[j]: row matched to column j
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        p[0] = i;
        let mut j0 = 0;
        let mut minv = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = p[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if !used[j] {
                    let cur = cost(i0 - 1, j - 1) - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[p[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if p[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            p[j0] = p[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut row_to_col = vec![0; n];
    for j in 1..=m {
        if p[j] != 0 {
            row_to_col[p[j] - 1] = j - 1;
        }
    }
    row_to_col
}

/// Stable ids for the clusters of a new fit: `ids[j]` is the id to give new cluster `j`.
///
/// New and old centroids are paired so that the summed squared distance between paired
/// centroids is minimal (Hungarian method); a paired new cluster takes its old cluster's
/// index. When there are more new clusters than old, the unpaired new clusters get fresh ids
/// `old_count, old_count + 1, …` in their order; when there are fewer, some old ids are
/// simply not reused. Errors when the column counts differ or a value is not finite.
pub fn match_labels(old_centroids: &Matrix, new_centroids: &Matrix) -> Result<Vec<usize>> {
    if old_centroids.n_cols() != new_centroids.n_cols() {
        return Err(Error::InvalidParameter {
            name: "new_centroids",
            expected: "as many columns as `old_centroids`",
            found: format!(
                "{} columns for {}",
                new_centroids.n_cols(),
                old_centroids.n_cols()
            ),
        });
    }
    for m in [old_centroids, new_centroids] {
        super::util::check_finite(m)?;
    }
    let (n_new, n_old) = (new_centroids.n_rows(), old_centroids.n_rows());
    let mut cost = Vec::with_capacity(n_new * n_old);
    for a in 0..n_new {
        let na = new_centroids.row(a).expect("in range");
        for b in 0..n_old {
            cost.push(sq_dist(na, old_centroids.row(b).expect("in range")));
        }
    }
    let pairs = linear_assignment(&cost, n_new, n_old);
    let mut next = n_old;
    Ok(pairs
        .into_iter()
        .map(|p| {
            p.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_force(cost: &[f64], n: usize) -> f64 {
        fn go(cost: &[f64], n: usize, i: usize, used: &mut Vec<bool>) -> f64 {
            if i == n {
                return 0.0;
            }
            let mut best = f64::INFINITY;
            for j in 0..n {
                if !used[j] {
                    used[j] = true;
                    best = best.min(cost[i * n + j] + go(cost, n, i + 1, used));
                    used[j] = false;
                }
            }
            best
        }
        go(cost, n, 0, &mut vec![false; n])
    }

    #[test]
    fn optimal_on_random_square_instances() {
        let mut rng = super::super::util::Rng::new(3);
        for n in 1..=6 {
            for _ in 0..20 {
                let cost: Vec<f64> = (0..n * n).map(|_| rng.next_f64() * 10.0).collect();
                let a = linear_assignment(&cost, n, n);
                let total: f64 = a
                    .iter()
                    .enumerate()
                    .map(|(i, j)| cost[i * n + j.unwrap()])
                    .sum();
                assert!((total - brute_force(&cost, n)).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn rectangular_both_ways() {
        // 2 rows, 3 columns: row 0 best at col 2, row 1 at col 0.
        let cost = [5.0, 4.0, 0.0, 0.0, 9.0, 9.0];
        assert_eq!(linear_assignment(&cost, 2, 3), vec![Some(2), Some(0)]);
        // Transposed: 3 rows, 2 columns; row 1 is left out.
        let t = [5.0, 0.0, 4.0, 9.0, 0.0, 9.0];
        assert_eq!(linear_assignment(&t, 3, 2), vec![Some(1), None, Some(0)]);
    }
}
