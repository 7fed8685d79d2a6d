//! Clustering: k-means and the metrics that judge a clustering.
//!
//! - [`KMeans`]: exact k-means — greedy k-means++ starts (as scikit-learn), Lloyd iterations
//!   accelerated by Hamerly's bounds (the same result as brute force, far fewer distances),
//!   parallel over chunks of rows, deterministic for a seed on any number of threads.
//! - [`MiniBatchKMeans`]: approximate k-means on mini-batches, for millions of rows.
//! - [`metrics`]: silhouette (exact, or sampled with a standard error), Calinski–Harabasz,
//!   Davies–Bouldin, adjusted Rand index, inertia — defined as scikit-learn defines them and
//!   tested against its numbers.
//! - [`gmm`]: Gaussian mixtures by EM (diagonal or full covariance, k-means start, BIC).
//! - [`latent_class`]: latent class analysis for mixed numeric, categorical and binary
//!   columns (EM, missing cells left out, BIC and ICL) — how K is chosen for segments.
//! - [`select`]: the K sweep (inertia and its knee, silhouette, CH, DB, mixture BIC) and a
//!   recommended K with the reason.
//! - [`density`]: HDBSCAN (petal-clustering) — rows in no dense region, GLOSH scores.
//! - [`ward`]: Ward's hierarchical clustering (kodama), dendrogram kept, cut at any K.
//! - [`stability`]: bootstrap stability — ARI overall, best-match Jaccard per cluster.
//! - [`match_labels`]: pairs the centroids of a new fit with the previous ones (Hungarian
//!   method) so segment ids stay stable across reruns.
//!
//! # A short tour
//!
//! Fit, predict new rows, judge the clustering, save and reload:
//!
//! ```
//! use icp_ml::Matrix;
//! use icp_ml::cluster::{KMeans, KMeansModel, adjusted_rand_score, silhouette_score};
//!
//! // Two tight groups of three points in the plane.
//! let x = Matrix::new(vec![
//!     0.0, 0.0,   0.1, 0.0,   0.0, 0.1,
//!     5.0, 5.0,   5.1, 5.0,   5.0, 5.1,
//! ], 6, 2)?;
//! let model = KMeans::params(2).n_init(3).seed(42).fit(&x)?;
//! let labels = model.labels();
//! assert_eq!(adjusted_rand_score(labels, &[0, 0, 0, 1, 1, 1])?, 1.0);
//! assert!(model.inertia() <= model.start_inertia());
//! assert!(silhouette_score(&x, labels)? > 0.9);
//!
//! // New rows go to the nearest centroid; a wrong width or a NaN is an error, not a panic.
//! let new = Matrix::new(vec![4.9, 5.2], 1, 2)?;
//! assert_eq!(model.predict(&new)?, vec![labels[3]]);
//! assert!(model.predict(&Matrix::new(vec![1.0], 1, 1)?).is_err());
//!
//! // The model is plain serde data with a `format_version`.
//! let loaded = KMeansModel::from_json(&model.to_json()?)?;
//! assert_eq!(loaded.predict(&x)?, labels);
//!
//! // Bad hyperparameters are refused before any work.
//! let err = KMeans::params(0).fit(&x).unwrap_err();
//! assert_eq!(err.to_string(), "`n_clusters` must be ≥ 1, got 0");
//! # Ok::<(), icp_ml::Error>(())
//! ```
//!
//! Segment ids that survive a refit:
//!
//! ```
//! use icp_ml::Matrix;
//! use icp_ml::cluster::match_labels;
//!
//! let old = Matrix::new(vec![0.0, 0.0, 10.0, 10.0], 2, 2)?;
//! let new = Matrix::new(vec![9.8, 10.1, 0.2, -0.1, 20.0, 0.0], 3, 2)?;
//! // New cluster 0 is old segment 1, new 1 is old 0, new 2 is a fresh segment 2.
//! assert_eq!(match_labels(&old, &new)?, vec![1, 0, 2]);
//! # Ok::<(), icp_ml::Error>(())
//! ```

pub mod density;
pub mod gmm;
mod kmeans;
pub mod latent_class;
mod matching;
pub mod metrics;
mod params;
pub mod select;
pub mod stability;
mod util;
pub mod ward;

pub use density::{Density, hdbscan};
pub use gmm::{Covariance, GaussianMixture, GaussianMixtureModel};
pub use kmeans::{FORMAT_VERSION, KMeans, KMeansModel, Method, MiniBatchKMeans};
pub use latent_class::{ClassColumn, LatentClass, LatentClassModel, MixedColumn};
pub use matching::{linear_assignment, match_labels};
pub use metrics::{
    SilhouetteEstimate, adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
    inertia, silhouette_score, silhouette_score_sampled,
};
pub use params::{Algorithm, KMeansParams, MiniBatchKMeansParams};
pub use select::{
    KScore, LatentClassScore, Recommendation, Sweep, SweepParams, add_latent_class_scores, knee,
    recommend, sweep,
};
pub use stability::{Stability, bootstrap_stability};
pub use ward::{Dendrogram, Merge, ward};
