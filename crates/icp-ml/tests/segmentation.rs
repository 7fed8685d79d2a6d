//! The segmentation toolkit on planted structure: the K sweep recommends the planted K, the
//! Gaussian mixtures recover the planted groups and their BIC is lowest there, bootstrap
//! stability tells a real group from an arbitrary cut, and PCA keeps groups apart on the map.

use icp_ml::Matrix;
use icp_ml::cluster::{
    Covariance, GaussianMixture, KMeans, SweepParams, adjusted_rand_score, bootstrap_stability,
    recommend, sweep,
};
use icp_ml::pca::Pca;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::StandardNormal;

/// `per` rows around each of `centres` (spread `sd`), and the planted labels.
fn blobs(centres: &[Vec<f64>], per: usize, sd: f64, seed: u64) -> (Matrix, Vec<usize>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let d = centres[0].len();
    let mut data = Vec::new();
    let mut labels = Vec::new();
    for (c, centre) in centres.iter().enumerate() {
        for _ in 0..per {
            for m in centre {
                let z: f64 = rng.sample(StandardNormal);
                data.push(m + sd * z);
            }
            labels.push(c);
        }
    }
    let n = labels.len();
    (Matrix::new(data, n, d).unwrap(), labels)
}

fn five_centres() -> Vec<Vec<f64>> {
    vec![
        vec![0.0, 0.0, 0.0],
        vec![6.0, 0.0, 1.0],
        vec![0.0, 6.0, -1.0],
        vec![6.0, 6.0, 4.0],
        vec![3.0, 3.0, 9.0],
    ]
}

#[test]
fn the_sweep_recommends_the_planted_k_and_says_why() {
    let (x, truth) = blobs(&five_centres(), 80, 1.0, 1);
    let params = SweepParams {
        k_min: 2,
        k_max: 9,
        n_init: 3,
        seed: 5,
        ..SweepParams::default()
    };
    let s = sweep(&x, &params).unwrap();
    assert_eq!(s.scores.len(), 8);
    assert!(s.scores.windows(2).all(|w| w[1].inertia <= w[0].inertia));
    let rec = recommend(&s.scores, 3, 8, 0.0).unwrap();
    assert_eq!(rec.k, 5, "{}", rec.reason);
    assert!(rec.reason.starts_with("K = 5: chosen by"), "{}", rec.reason);
    let model = &s.models[rec.k - params.k_min];
    assert!(adjusted_rand_score(model.labels(), &truth).unwrap() > 0.95);
    // Bounds are respected even when the criteria prefer K outside them.
    assert!(recommend(&s.scores, 6, 8, 0.0).unwrap().k >= 6);
    assert!(recommend(&s.scores, 20, 30, 0.0).is_err());
}

#[test]
fn mixtures_recover_the_groups_and_bic_is_lowest_at_the_planted_k() {
    let (x, truth) = blobs(&five_centres(), 60, 0.8, 2);
    for covariance in [Covariance::Diagonal, Covariance::Full] {
        let bic: Vec<f64> = (2..=8)
            .map(|k| {
                GaussianMixture::new(k)
                    .covariance(covariance)
                    .seed(3)
                    .fit(&x)
                    .unwrap()
                    .bic()
            })
            .collect();
        let best = bic
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(b.1))
            .unwrap()
            .0
            + 2;
        assert_eq!(best, 5, "{covariance:?}: {bic:?}");
        let model = GaussianMixture::new(5)
            .covariance(covariance)
            .seed(3)
            .fit(&x)
            .unwrap();
        assert!((model.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        assert!(model.log_likelihood.is_finite());
        let labels = model.predict(&x).unwrap();
        assert!(adjusted_rand_score(&labels, &truth).unwrap() > 0.95);
    }
    // Parameter counts: diag 2kd + k − 1, full kd + kd(d+1)/2 + k − 1.
    let diag = GaussianMixture::new(5).fit(&x).unwrap();
    assert_eq!(diag.n_parameters(), 2 * 5 * 3 + 4);
    let full = GaussianMixture::new(5)
        .covariance(Covariance::Full)
        .fit(&x)
        .unwrap();
    assert_eq!(full.n_parameters(), 5 * 3 + 5 * 6 + 4);
    assert!(GaussianMixture::new(0).fit(&x).is_err());
}

#[test]
fn bootstrap_tells_real_groups_from_an_arbitrary_cut() {
    // Real: three separated groups.
    let centres = vec![vec![0.0, 0.0], vec![8.0, 0.0], vec![0.0, 8.0]];
    let (x, _) = blobs(&centres, 100, 1.0, 4);
    let params = KMeans::params(3).n_init(2).seed(1);
    let labels = params.fit(&x).unwrap().labels().to_vec();
    let s = bootstrap_stability(&x, &labels, &params, 10, 0.75, 9).unwrap();
    assert_eq!(s.ari.len(), 10);
    assert!(s.mean_ari > 0.95, "{s:?}");
    assert!(s.jaccard.iter().all(|&j| j > 0.9), "{s:?}");
    assert!(s.unstable.iter().all(|&u| !u));
    // Arbitrary: one round blob cut into 7 pieces — the pieces move between resamples.
    let (blob, _) = blobs(&[vec![0.0, 0.0]], 300, 1.0, 5);
    let params = KMeans::params(7).n_init(1).seed(1);
    let labels = params.fit(&blob).unwrap().labels().to_vec();
    let s = bootstrap_stability(&blob, &labels, &params, 10, 0.75, 9).unwrap();
    assert!(s.mean_ari < 0.9, "{s:?}");
    assert!(s.unstable.iter().any(|&u| u), "{s:?}");
    assert!(bootstrap_stability(&blob, &labels[1..], &params, 10, 0.75, 9).is_err());
}

#[test]
fn pca_map_keeps_groups_apart() {
    let (x, truth) = blobs(&five_centres(), 40, 0.5, 6);
    let pca = Pca::fit(&x, 2).unwrap();
    assert!(pca.explained_variance_ratio.iter().sum::<f64>() <= 1.0 + 1e-12);
    assert!(pca.explained_variance[0] >= pca.explained_variance[1]);
    let map = pca.transform(&x).unwrap();
    let xy = Matrix::new(map.concat(), map.len(), 2).unwrap();
    // Projected coordinates have the fitted variances.
    let var0 = map.iter().map(|p| p[0] * p[0]).sum::<f64>() / (map.len() - 1) as f64;
    assert!((var0 - pca.explained_variance[0]).abs() < 1e-6 * var0);
    let labels = KMeans::params(5)
        .n_init(3)
        .fit(&xy)
        .unwrap()
        .labels()
        .to_vec();
    assert!(adjusted_rand_score(&labels, &truth).unwrap() > 0.8);
}
