//! Ward's hierarchical clustering, by `kodama` (the nearest-neighbour-chain algorithm, SciPy's
//! labelling), on Euclidean distances. The dendrogram is kept — its `n − 1` merges and their
//! heights — and cut at any K. It needs the `n(n − 1)/2` pairwise distances, so the
//! segmentation stage runs it on a sample as an independent check of the k-means segments.

use serde::{Deserialize, Serialize};

use crate::{Error, Matrix, Result};

/// Largest number of rows [`ward`] accepts (the distance matrix of 20,000 rows is 1.6 GB).
pub const MAX_ROWS: usize = 20_000;

/// One merge: clusters `a` and `b` (SciPy's labels: `i < n` is row `i`, `n + s` the cluster
/// made at merge `s`), the Ward distance between them and the merged size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    pub a: usize,
    pub b: usize,
    pub height: f64,
    pub size: usize,
}

/// The dendrogram of `n` rows: `n − 1` merges with non-decreasing heights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dendrogram {
    pub n: usize,
    pub merges: Vec<Merge>,
}

/// Ward's clustering of the rows of `x` (at most [`MAX_ROWS`]).
pub fn ward(x: &Matrix) -> Result<Dendrogram> {
    let (n, d) = (x.n_rows(), x.n_cols());
    if !(2..=MAX_ROWS).contains(&n) {
        return Err(Error::invalid_parameter("rows", "between 2 and 20,000", n));
    }
    super::util::check_finite(x)?;
    let data = x.as_slice();
    let mut condensed = Vec::with_capacity(n * (n - 1) / 2);
    for i in 0..n {
        let a = &data[i * d..(i + 1) * d];
        for j in i + 1..n {
            condensed.push(super::util::sq_dist(a, &data[j * d..(j + 1) * d]).sqrt());
        }
    }
    let dendrogram = kodama::linkage(&mut condensed, n, kodama::Method::Ward);
    Ok(Dendrogram {
        n,
        merges: dendrogram
            .steps()
            .iter()
            .map(|s| Merge {
                a: s.cluster1,
                b: s.cluster2,
                height: s.dissimilarity,
                size: s.size,
            })
            .collect(),
    })
}

impl Dendrogram {
    /// Labels `0..k` of the rows when the tree is cut into `k` clusters (the first `n − k`
    /// merges applied), numbered by first row.
    pub fn cut(&self, k: usize) -> Result<Vec<usize>> {
        if k == 0 || k > self.n {
            return Err(Error::invalid_parameter("k", "between 1 and the rows", k));
        }
        // Union–find over the rows and the merged clusters.
        let mut parent: Vec<usize> = (0..2 * self.n).collect();
        fn root(parent: &mut [usize], mut i: usize) -> usize {
            while parent[i] != i {
                parent[i] = parent[parent[i]];
                i = parent[i];
            }
            i
        }
        for (s, m) in self.merges.iter().take(self.n - k).enumerate() {
            let new = self.n + s;
            let (ra, rb) = (root(&mut parent, m.a), root(&mut parent, m.b));
            parent[ra] = new;
            parent[rb] = new;
        }
        let mut ids: Vec<Option<usize>> = vec![None; 2 * self.n];
        let mut next = 0;
        Ok((0..self.n)
            .map(|i| {
                let r = root(&mut parent, i);
                *ids[r].get_or_insert_with(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::adjusted_rand_score;

    #[test]
    fn ward_recovers_separated_groups_and_keeps_the_tree() {
        // Three tight groups on a line, 0–3, 10–13 and 30–33 (four points each).
        let mut data = Vec::new();
        for centre in [0.0, 10.0, 30.0] {
            for i in 0..4 {
                data.extend([centre + i as f64, (i % 2) as f64]);
            }
        }
        let x = Matrix::new(data, 12, 2).unwrap();
        let tree = ward(&x).unwrap();
        assert_eq!(tree.merges.len(), 11);
        assert!(tree.merges.windows(2).all(|w| w[0].height <= w[1].height));
        assert_eq!(tree.merges.last().unwrap().size, 12);
        let truth: Vec<usize> = (0..12).map(|i| i / 4).collect();
        assert_eq!(tree.cut(3).unwrap(), truth);
        assert_eq!(
            adjusted_rand_score(&tree.cut(3).unwrap(), &truth).unwrap(),
            1.0
        );
        assert_eq!(tree.cut(1).unwrap(), vec![0; 12]);
        assert_eq!(tree.cut(12).unwrap(), (0..12).collect::<Vec<_>>());
        // The last merge joins the far group to the other two: its Ward height is
        // sqrt(2·|A||B|/(|A|+|B|))·‖centroid A − centroid B‖ = sqrt(2·8·4/12)·(31.5 − 6.5).
        let last = tree.merges.last().unwrap().height;
        assert!(
            (last - (2.0 * 8.0 * 4.0 / 12.0f64).sqrt() * 25.0).abs() < 1e-9,
            "{last}"
        );
        assert!(tree.cut(0).is_err() && tree.cut(13).is_err());
        assert!(ward(&Matrix::new(vec![1.0], 1, 1).unwrap()).is_err());
    }
}
