//! Accounts in no dense region: HDBSCAN by `petal-clustering` (Borůvka minimum spanning tree
//! on a ball tree, excess-of-mass cluster selection, GLOSH outlier scores), which matched
//! scikit-learn's HDBSCAN here and was faster. The segmentation stage runs it on the map's
//! principal components to list density outliers beside the distance ones.

use std::collections::HashMap;

use ndarray::ArrayView2;
use petal_clustering::{Fit, HDbscan};
use serde::{Deserialize, Serialize};

use crate::{Error, Matrix, Result};

/// What HDBSCAN found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Density {
    /// Dense cluster of each row (numbered by first row), `None` for noise.
    pub labels: Vec<Option<usize>>,
    /// GLOSH outlier score of each row, 0 (core of a cluster) to 1.
    pub outlier_scores: Vec<f64>,
}

impl Density {
    /// Rows in no cluster.
    pub fn noise(&self) -> impl Iterator<Item = usize> + '_ {
        self.labels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.is_none())
            .map(|(i, _)| i)
    }
}

/// HDBSCAN of the rows of `x`: a dense cluster has at least `min_cluster_size` rows; the core
/// distance is to the `min_samples`-th neighbour.
pub fn hdbscan(x: &Matrix, min_cluster_size: usize, min_samples: usize) -> Result<Density> {
    if min_cluster_size < 2 || min_samples < 1 {
        return Err(Error::invalid_parameter(
            "min_cluster_size and min_samples",
            "≥ 2 and ≥ 1",
            format!("{min_cluster_size} and {min_samples}"),
        ));
    }
    if x.n_rows() <= min_samples {
        return Err(Error::FitFailed {
            model: "HDBSCAN",
            message: format!("{} rows, min_samples {min_samples}", x.n_rows()),
        });
    }
    super::util::check_finite(x)?;
    let view = ArrayView2::from_shape((x.n_rows(), x.n_cols()), x.as_slice()).map_err(|e| {
        Error::FitFailed {
            model: "HDBSCAN",
            message: e.to_string(),
        }
    })?;
    let mut model = HDbscan {
        min_cluster_size,
        min_samples,
        ..HDbscan::default()
    };
    let (clusters, _noise, scores): (HashMap<usize, Vec<usize>>, Vec<usize>, Vec<f64>) =
        model.fit(&view, None);
    let mut labels = vec![None; x.n_rows()];
    let mut clusters: Vec<Vec<usize>> = clusters.into_values().collect();
    clusters.iter_mut().for_each(|c| c.sort_unstable());
    clusters.sort_by_key(|c| c.first().copied());
    for (id, rows) in clusters.iter().enumerate() {
        rows.iter().for_each(|&r| labels[r] = Some(id));
    }
    Ok(Density {
        labels,
        outlier_scores: scores,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::adjusted_rand_score;
    use crate::cluster::util::Rng;

    #[test]
    fn scattered_points_are_noise_and_the_blobs_are_found() {
        // Three dense blobs of 150 points (uniform in a unit square around (0,0), (10,0),
        // (0,10)) and 8 lone points far from them and from each other.
        let mut rng = Rng::new(3);
        let mut data = Vec::new();
        let mut truth = Vec::new();
        for (c, (cx, cy)) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)].iter().enumerate() {
            for _ in 0..150 {
                data.extend([cx + rng.next_f64(), cy + rng.next_f64()]);
                truth.push(c);
            }
        }
        let lone = [
            (30.0, 30.0),
            (-25.0, 5.0),
            (5.0, -30.0),
            (40.0, -10.0),
            (-20.0, -20.0),
            (25.0, 45.0),
            (-40.0, 35.0),
            (50.0, 10.0),
        ];
        for (x, y) in lone {
            data.extend([x, y]);
        }
        let n = truth.len() + lone.len();
        let x = Matrix::new(data, n, 2).unwrap();
        let density = hdbscan(&x, 15, 5).unwrap();
        let noise: Vec<usize> = density.noise().collect();
        // Every lone point is noise, and almost nothing else is.
        for i in truth.len()..n {
            assert!(noise.contains(&i), "lone point {i} not noise: {noise:?}");
            assert!(
                density.outlier_scores[i] > 0.9,
                "{}",
                density.outlier_scores[i]
            );
        }
        assert!(
            noise.len() <= lone.len() + 5,
            "{} noise points",
            noise.len()
        );
        // The clustered blob points form the three blobs.
        let (found, want): (Vec<usize>, Vec<usize>) = (0..truth.len())
            .filter_map(|i| density.labels[i].map(|l| (l, truth[i])))
            .unzip();
        assert_eq!(adjusted_rand_score(&found, &want).unwrap(), 1.0);
        assert!(hdbscan(&x, 1, 5).is_err());
    }
}
