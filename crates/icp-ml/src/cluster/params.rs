//! [`KMeansParams`] and [`MiniBatchKMeansParams`]: the hyperparameters of k-means, their
//! defaults (scikit-learn's), chainable setters, and `check`, which turns an out-of-range
//! value into an error before any work starts.

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How the Lloyd iterations find each row's nearest centroid. Both give the same result
/// (up to exact distance ties); the choice only changes speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Brute force: every row against every centroid, every iteration (scikit-learn's
    /// `algorithm="lloyd"`). Kept as the reference the accelerated path is tested against.
    Lloyd,
    /// Hamerly's bounds: one upper and one lower distance bound per row let most rows skip
    /// the distance computations once the centroids settle. Exact.
    #[default]
    Hamerly,
}

/// Hyperparameters of [`KMeans`](super::KMeans). Start from [`KMeans::params`](super::KMeans::params)
/// and chain setters; [`fit`](Self::fit) calls [`check`](Self::check) first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansParams {
    /// Number of clusters. Default 8 (scikit-learn's), usually set by the caller.
    pub n_clusters: usize,
    /// Number of k-means++ starts; the run with the lowest inertia wins. Default 1, which is
    /// what scikit-learn's `n_init="auto"` means with k-means++ seeding. Raise it (3–10) when
    /// a single bad start matters more than run time.
    pub n_init: usize,
    /// Maximum Lloyd iterations per start. Default 300.
    pub max_iter: usize,
    /// Relative tolerance: a start stops when the summed squared centroid shift of one
    /// iteration is ≤ `tol` × the mean per-column variance of the data (scikit-learn's
    /// definition), or when no label changes. Default 1e-4.
    pub tol: f64,
    /// Seed of the k-means++ draws; stored in the fitted model. Default 0.
    pub seed: u64,
    /// Nearest-centroid search. Default [`Algorithm::Hamerly`].
    pub algorithm: Algorithm,
}

impl Default for KMeansParams {
    fn default() -> Self {
        KMeansParams {
            n_clusters: 8,
            n_init: 1,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            algorithm: Algorithm::Hamerly,
        }
    }
}

impl KMeansParams {
    pub fn n_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    pub fn tol(mut self, tol: f64) -> Self {
        self.tol = tol;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// Errors on the first out-of-range hyperparameter, e.g.
    /// "`n_clusters` must be ≥ 1, got 0".
    pub fn check(&self) -> Result<()> {
        at_least_one("n_clusters", self.n_clusters)?;
        at_least_one("n_init", self.n_init)?;
        at_least_one("max_iter", self.max_iter)?;
        if !(self.tol.is_finite() && self.tol >= 0.0) {
            return Err(Error::InvalidParameter {
                name: "tol",
                expected: "finite and ≥ 0",
                found: self.tol.to_string(),
            });
        }
        Ok(())
    }
}

/// Hyperparameters of [`MiniBatchKMeans`](super::MiniBatchKMeans), for millions of rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeansParams {
    /// Number of clusters. Default 8.
    pub n_clusters: usize,
    /// Rows drawn (with replacement) per update step. Default 1024 (scikit-learn's).
    pub batch_size: usize,
    /// Maximum number of passes over the data, counted in rows drawn. Default 100.
    pub max_iter: usize,
    /// Stop after this many consecutive steps without improvement of the smoothed batch
    /// inertia; `None` never stops early. Default `Some(10)` (scikit-learn's).
    pub max_no_improvement: Option<usize>,
    /// Rows sampled for the start; `None` means `3 × batch_size` (at least `n_clusters`, at
    /// most all rows), as scikit-learn.
    pub init_size: Option<usize>,
    /// Starts tried on the `init_size` sample (k-means++ then exact k-means on the sample);
    /// the one with the lowest sample inertia seeds the mini-batch steps. Default 3.
    pub n_init: usize,
    /// Seed of every draw; stored in the fitted model. Default 0.
    pub seed: u64,
}

impl Default for MiniBatchKMeansParams {
    fn default() -> Self {
        MiniBatchKMeansParams {
            n_clusters: 8,
            batch_size: 1024,
            max_iter: 100,
            max_no_improvement: Some(10),
            init_size: None,
            n_init: 3,
            seed: 0,
        }
    }
}

impl MiniBatchKMeansParams {
    pub fn n_clusters(mut self, n_clusters: usize) -> Self {
        self.n_clusters = n_clusters;
        self
    }
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }
    pub fn max_iter(mut self, max_iter: usize) -> Self {
        self.max_iter = max_iter;
        self
    }
    pub fn max_no_improvement(mut self, max_no_improvement: Option<usize>) -> Self {
        self.max_no_improvement = max_no_improvement;
        self
    }
    pub fn init_size(mut self, init_size: Option<usize>) -> Self {
        self.init_size = init_size;
        self
    }
    pub fn n_init(mut self, n_init: usize) -> Self {
        self.n_init = n_init;
        self
    }
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Errors on the first out-of-range hyperparameter.
    pub fn check(&self) -> Result<()> {
        at_least_one("n_clusters", self.n_clusters)?;
        at_least_one("batch_size", self.batch_size)?;
        at_least_one("max_iter", self.max_iter)?;
        at_least_one("n_init", self.n_init)?;
        if let Some(m) = self.max_no_improvement {
            at_least_one("max_no_improvement", m)?;
        }
        if let Some(s) = self.init_size {
            at_least_one("init_size", s)?;
        }
        Ok(())
    }
}

fn at_least_one(name: &'static str, value: usize) -> Result<()> {
    if value == 0 {
        return Err(Error::InvalidParameter {
            name,
            expected: "≥ 1",
            found: value.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_names_the_parameter() {
        let err = KMeansParams::default().n_clusters(0).check().unwrap_err();
        assert_eq!(err.to_string(), "`n_clusters` must be ≥ 1, got 0");
        let err = KMeansParams::default().tol(f64::NAN).check().unwrap_err();
        assert_eq!(err.to_string(), "`tol` must be finite and ≥ 0, got NaN");
        let err = MiniBatchKMeansParams::default()
            .batch_size(0)
            .check()
            .unwrap_err();
        assert_eq!(err.to_string(), "`batch_size` must be ≥ 1, got 0");
        assert!(KMeansParams::default().check().is_ok());
    }
}
