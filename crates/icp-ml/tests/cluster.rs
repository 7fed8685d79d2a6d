//! Clustering: known answers from scikit-learn (golden numbers) and the invariants of
//! k-means, the metrics and the Hungarian matching.

use icp_ml::cluster::{
    Algorithm, FORMAT_VERSION, KMeans, KMeansModel, MiniBatchKMeans, adjusted_rand_score,
    calinski_harabasz_score, davies_bouldin_score, inertia, match_labels, silhouette_score,
    silhouette_score_sampled,
};
use icp_ml::{Error, Matrix};

// ---------------------------------------------------------------------------------------
// Golden numbers: printed by tests/golden/make_golden.py (scikit-learn 1.9.1, numpy 2.4.6,
// Python 3) on tests/golden/cluster_points.csv, which the same script wrote.
const SILHOUETTE_TRUTH: f64 = 0.3608315378412174;
const CALINSKI_HARABASZ_TRUTH: f64 = 143.1264274233375;
const DAVIES_BOULDIN_TRUTH: f64 = 1.0557348956879749;
const SILHOUETTE_NOISY: f64 = 0.18350444313753234;
const CALINSKI_HARABASZ_NOISY: f64 = 53.83625056728896;
const DAVIES_BOULDIN_NOISY: f64 = 1.4814620213904621;
const SILHOUETTE_FIVE: f64 = -0.06350683821781307;
const CALINSKI_HARABASZ_FIVE: f64 = 0.32601088717163185;
const DAVIES_BOULDIN_FIVE: f64 = 21.687500485464575;
const ARI_TRUTH_NOISY: f64 = 0.6195189177349599;
const ARI_TRUTH_FIVE: f64 = -0.018223234624145785;
const ARI_NOISY_FIVE: f64 = -0.016046377797449402;
const KMEANS3_INERTIA_SKLEARN_BEST_OF_50: f64 = 792.5356368016576;

struct Golden {
    x: Matrix,
    truth: Vec<usize>,
    noisy: Vec<usize>,
    five: Vec<usize>,
}

fn golden() -> Golden {
    let csv = include_str!("golden/cluster_points.csv");
    let (mut data, mut truth, mut noisy, mut five) = (vec![], vec![], vec![], vec![]);
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        data.extend(f[..4].iter().map(|v| v.parse::<f64>().unwrap()));
        truth.push(f[4].parse().unwrap());
        noisy.push(f[5].parse().unwrap());
        five.push(f[6].parse().unwrap());
    }
    let n = truth.len();
    Golden {
        x: Matrix::new(data, n, 4).unwrap(),
        truth,
        noisy,
        five,
    }
}

fn close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol,
        "{what}: got {got:?}, scikit-learn {want:?}, diff {:e}",
        (got - want).abs()
    );
}

#[test]
fn golden_metrics_equal_scikit_learn() {
    let g = golden();
    let cases = [
        (
            "truth",
            &g.truth,
            SILHOUETTE_TRUTH,
            CALINSKI_HARABASZ_TRUTH,
            DAVIES_BOULDIN_TRUTH,
        ),
        (
            "noisy",
            &g.noisy,
            SILHOUETTE_NOISY,
            CALINSKI_HARABASZ_NOISY,
            DAVIES_BOULDIN_NOISY,
        ),
        (
            "five",
            &g.five,
            SILHOUETTE_FIVE,
            CALINSKI_HARABASZ_FIVE,
            DAVIES_BOULDIN_FIVE,
        ),
    ];
    for (name, labels, sil, ch, db) in cases {
        close(
            silhouette_score(&g.x, labels).unwrap(),
            sil,
            1e-9,
            &format!("silhouette {name}"),
        );
        close(
            calinski_harabasz_score(&g.x, labels).unwrap(),
            ch,
            1e-9,
            &format!("CH {name}"),
        );
        close(
            davies_bouldin_score(&g.x, labels).unwrap(),
            db,
            1e-9,
            &format!("DB {name}"),
        );
    }
}

#[test]
fn golden_adjusted_rand_equals_scikit_learn() {
    let g = golden();
    close(
        adjusted_rand_score(&g.truth, &g.noisy).unwrap(),
        ARI_TRUTH_NOISY,
        1e-12,
        "truth/noisy",
    );
    close(
        adjusted_rand_score(&g.truth, &g.five).unwrap(),
        ARI_TRUTH_FIVE,
        1e-12,
        "truth/five",
    );
    close(
        adjusted_rand_score(&g.noisy, &g.five).unwrap(),
        ARI_NOISY_FIVE,
        1e-12,
        "noisy/five",
    );
    // Symmetric, and 1 for a renaming of the same partition.
    close(
        adjusted_rand_score(&g.noisy, &g.truth).unwrap(),
        ARI_TRUTH_NOISY,
        1e-12,
        "swapped",
    );
    let renamed: Vec<usize> = g.noisy.iter().map(|l| 100 - l).collect();
    assert_eq!(adjusted_rand_score(&g.noisy, &renamed).unwrap(), 1.0);
}

#[test]
fn golden_kmeans_reaches_scikit_learn_best_inertia() {
    let g = golden();
    let model = KMeans::params(3).n_init(20).seed(1).fit(&g.x).unwrap();
    assert!(
        model.inertia() <= KMEANS3_INERTIA_SKLEARN_BEST_OF_50 * (1.0 + 1e-9),
        "inertia {} vs scikit-learn best of 50 starts {}",
        model.inertia(),
        KMEANS3_INERTIA_SKLEARN_BEST_OF_50
    );
    // Inertia as reported equals the metric recomputed from centroids and labels.
    let again = inertia(&g.x, &model.centroids_matrix(), model.labels()).unwrap();
    close(model.inertia(), again, 1e-9, "inertia");
}

// ---------------------------------------------------------------------------------------
// Synthetic blobs (deterministic, no dependency).

struct Stream(u64);
impl Stream {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-300), self.next());
        (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
    }
}

/// `n` points in `d` dims around `k` centres drawn with spread `spread`, unit noise;
/// returns the matrix and the true group of each row.
fn blobs(n: usize, d: usize, k: usize, spread: f64, seed: u64) -> (Matrix, Vec<usize>) {
    let mut s = Stream(seed);
    let centres: Vec<f64> = (0..k * d).map(|_| s.normal() * spread).collect();
    let mut data = Vec::with_capacity(n * d);
    let mut truth = Vec::with_capacity(n);
    for i in 0..n {
        let c = i % k;
        truth.push(c);
        data.extend((0..d).map(|j| centres[c * d + j] + s.normal()));
    }
    (Matrix::new(data, n, d).unwrap(), truth)
}

fn sq(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

// ---------------------------------------------------------------------------------------
// k-means invariants.

#[test]
fn kmeans_never_ends_above_its_own_kmeans_plus_plus_start() {
    let (x, _) = blobs(600, 3, 5, 1.5, 11);
    for k in [1, 2, 5, 9] {
        for seed in 0..40 {
            let m = KMeans::params(k).seed(seed).fit(&x).unwrap();
            assert!(
                m.inertia() <= m.start_inertia(),
                "k {k} seed {seed}: {} > start {}",
                m.inertia(),
                m.start_inertia()
            );
        }
    }
}

#[test]
fn kmeans_recovers_well_separated_blobs_exactly() {
    let (x, truth) = blobs(3000, 6, 7, 20.0, 5);
    let m = KMeans::params(7).n_init(5).seed(3).fit(&x).unwrap();
    assert_eq!(adjusted_rand_score(m.labels(), &truth).unwrap(), 1.0);
    assert!(m.converged());
}

#[test]
fn a_run_from_given_centres_descends_from_them_and_checks_their_shape() {
    let (x, truth) = blobs(1200, 4, 3, 20.0, 9);
    // Start from each class's first member: the run ends below that start and on the classes.
    let d = x.n_cols();
    let start: Vec<f64> = (0..3)
        .flat_map(|c| {
            x.row(truth.iter().position(|&t| t == c).unwrap())
                .unwrap()
                .to_vec()
        })
        .collect();
    let start = Matrix::new(start, 3, d).unwrap();
    let m = KMeans::params(3).fit_from(&x, &start).unwrap();
    assert!(m.inertia() <= m.start_inertia());
    assert_eq!(adjusted_rand_score(m.labels(), &truth).unwrap(), 1.0);
    // Same start, same model; a start of the wrong shape is refused.
    assert_eq!(
        KMeans::params(3).fit_from(&x, &start).unwrap().labels(),
        m.labels()
    );
    let narrow = Matrix::new(vec![0.0; 6], 3, 2).unwrap();
    assert!(KMeans::params(3).fit_from(&x, &narrow).is_err());
    assert!(KMeans::params(2).fit_from(&x, &start).is_err());
}

#[test]
fn hamerly_bounds_are_exact_against_brute_force_lloyd() {
    let (x, _) = blobs(4000, 5, 6, 1.0, 21);
    for (k, seed) in [(2, 0), (6, 1), (6, 2), (10, 3), (17, 4)] {
        let p = KMeans::params(k).seed(seed).max_iter(500);
        let fast = p.clone().algorithm(Algorithm::Hamerly).fit(&x).unwrap();
        let brute = p.algorithm(Algorithm::Lloyd).fit(&x).unwrap();
        assert_eq!(
            fast.start_inertia(),
            brute.start_inertia(),
            "same k-means++ start"
        );
        assert!(
            (fast.inertia() - brute.inertia()).abs() <= 1e-9 * brute.inertia(),
            "k {k}: Hamerly {} vs Lloyd {}",
            fast.inertia(),
            brute.inertia()
        );
        assert_eq!(fast.labels(), brute.labels());
        assert_eq!(fast.n_iter(), brute.n_iter());
    }
}

#[test]
fn converged_model_is_a_lloyd_fixed_point() {
    let (x, _) = blobs(2000, 4, 5, 2.0, 8);
    let m = KMeans::params(5).seed(4).tol(0.0).fit(&x).unwrap();
    assert!(m.converged());
    let c = m.centroids();
    for i in 0..x.n_rows() {
        let row = x.row(i).unwrap();
        let own = sq(row, &c[m.labels()[i]]);
        assert!(
            c.iter().all(|cj| own <= sq(row, cj)),
            "row {i} is not at its nearest centroid"
        );
    }
    for (j, cj) in c.iter().enumerate() {
        let members: Vec<usize> = (0..x.n_rows()).filter(|&i| m.labels()[i] == j).collect();
        for (col, &v) in cj.iter().enumerate() {
            let mean =
                members.iter().map(|&i| x.get(i, col).unwrap()).sum::<f64>() / members.len() as f64;
            assert!(
                (v - mean).abs() < 1e-9,
                "centroid {j} is not its members' mean"
            );
        }
    }
}

#[test]
fn same_seed_same_model_and_more_starts_never_worse() {
    let (x, _) = blobs(1500, 4, 6, 1.0, 2);
    let p = KMeans::params(6).n_init(4).seed(77);
    let a = p.fit(&x).unwrap();
    assert_eq!(a, p.fit(&x).unwrap());
    assert_eq!(a.seed(), 77);
    // Start 0 of `n_init = 4` is the `n_init = 1` run, so 4 starts are never worse.
    let one = KMeans::params(6).seed(77).fit(&x).unwrap();
    assert!(a.inertia() <= one.inertia());
    // Same result on a single thread (chunked, ordered reductions).
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    assert_eq!(pool.install(|| p.fit(&x)).unwrap(), a);
}

#[test]
fn non_finite_input_is_a_typed_error() {
    let (x, _) = blobs(50, 3, 2, 5.0, 1);
    let mut data = x.as_slice().to_vec();
    data[7] = f64::NAN;
    let bad = Matrix::new(data.clone(), 50, 3).unwrap();
    assert_eq!(
        KMeans::params(2).fit(&bad).unwrap_err(),
        Error::NonFinite { index: 7 }
    );
    assert_eq!(
        MiniBatchKMeans::params(2).fit(&bad).unwrap_err(),
        Error::NonFinite { index: 7 }
    );
    data[7] = f64::INFINITY;
    let bad = Matrix::new(data, 50, 3).unwrap();
    assert_eq!(
        KMeans::params(2).fit(&bad).unwrap_err(),
        Error::NonFinite { index: 7 }
    );
    let m = KMeans::params(2).fit(&x).unwrap();
    assert_eq!(m.predict(&bad).unwrap_err(), Error::NonFinite { index: 7 });
    assert!(silhouette_score(&bad, &[0; 50]).is_err());
}

#[test]
fn wrong_column_count_at_predict_is_an_error() {
    let (x, _) = blobs(60, 3, 2, 5.0, 1);
    let m = KMeans::params(2).fit(&x).unwrap();
    let narrow = Matrix::new(vec![0.0; 4], 2, 2).unwrap();
    let err = m.predict(&narrow).unwrap_err();
    assert!(err.to_string().contains("2 columns, fitted on 3"), "{err}");
    assert_eq!(
        m.predict(&Matrix::new(vec![], 0, 3).unwrap()).unwrap(),
        Vec::<usize>::new()
    );
}

#[test]
fn bad_parameters_and_shapes_are_refused_before_work() {
    let (x, _) = blobs(5, 2, 1, 1.0, 1);
    let err = KMeans::params(0).fit(&x).unwrap_err();
    assert_eq!(err.to_string(), "`n_clusters` must be ≥ 1, got 0");
    let err = KMeans::params(2).n_init(0).fit(&x).unwrap_err();
    assert_eq!(err.to_string(), "`n_init` must be ≥ 1, got 0");
    let err = KMeans::params(6).fit(&x).unwrap_err();
    assert!(err.to_string().contains("6 for 5 rows"), "{err}");
    assert!(matches!(
        KMeans::params(1).fit(&Matrix::new(vec![], 0, 2).unwrap()),
        Err(Error::EmptyInput { .. })
    ));
}

#[test]
fn json_round_trip_predicts_the_same() {
    let (x, _) = blobs(800, 5, 4, 3.0, 9);
    let m = KMeans::params(4).seed(5).fit(&x).unwrap();
    let json = m.to_json().unwrap();
    let loaded = KMeansModel::from_json(&json).unwrap();
    assert_eq!(loaded, m);
    assert_eq!(loaded.format_version(), FORMAT_VERSION);
    assert_eq!(loaded.predict(&x).unwrap(), m.labels());

    let future = json.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    assert!(matches!(
        KMeansModel::from_json(&future),
        Err(Error::FormatVersion { .. })
    ));
    // A hand-edited, inconsistent model is an error, not a panic at predict.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["centroids"][1].as_array_mut().unwrap().pop();
    assert!(matches!(
        KMeansModel::from_json(&v.to_string()),
        Err(Error::Json { .. })
    ));
}

#[test]
fn duplicate_points_and_more_clusters_than_distinct_points() {
    // 3 distinct points, k = 5: some clusters must stay empty; no panic, inertia 0.
    let data: Vec<f64> = (0..30).flat_map(|i| [(i % 3) as f64, 1.0]).collect();
    let x = Matrix::new(data, 30, 2).unwrap();
    let m = KMeans::params(5).n_init(3).fit(&x).unwrap();
    assert_eq!(m.inertia(), 0.0);
    assert!(m.centroids().iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn mini_batch_is_close_to_exact_kmeans() {
    let (x, truth) = blobs(60_000, 8, 6, 6.0, 13);
    let mb = MiniBatchKMeans::params(6).seed(2).fit(&x).unwrap();
    let exact = KMeans::params(6).n_init(3).seed(2).fit(&x).unwrap();
    let ari = adjusted_rand_score(mb.labels(), &truth).unwrap();
    assert!(ari > 0.99, "{ari}");
    assert!(
        mb.inertia() <= exact.inertia() * 1.01,
        "{} vs {}",
        mb.inertia(),
        exact.inertia()
    );
    assert_eq!(mb, MiniBatchKMeans::params(6).seed(2).fit(&x).unwrap());
    assert_eq!(mb.predict(&x).unwrap(), mb.labels());
}

// ---------------------------------------------------------------------------------------
// Metrics.

#[test]
fn sampled_silhouette_is_within_a_few_standard_errors_of_exact() {
    let (x, _) = blobs(5000, 4, 4, 1.5, 17);
    let m = KMeans::params(4).seed(1).fit(&x).unwrap();
    let exact = silhouette_score(&x, m.labels()).unwrap();
    for seed in 0..5 {
        let est = silhouette_score_sampled(&x, m.labels(), 400, seed).unwrap();
        assert_eq!(est.sample_size, 400);
        assert!(est.std_error > 0.0 && est.std_error < 0.05);
        assert!(
            (est.value - exact).abs() <= 4.0 * est.std_error,
            "seed {seed}: {} ± {} vs exact {exact}",
            est.value,
            est.std_error
        );
    }
    let all = silhouette_score_sampled(&x, m.labels(), 10_000, 0).unwrap();
    assert!((all.value - exact).abs() < 1e-12);
    assert_eq!(all.std_error, 0.0);
}

#[test]
fn metrics_refuse_bad_labels() {
    let (x, _) = blobs(10, 2, 2, 1.0, 1);
    assert!(silhouette_score(&x, &[0; 10]).is_err(), "one cluster");
    assert!(
        calinski_harabasz_score(&x, &(0..10).collect::<Vec<_>>()).is_err(),
        "n clusters"
    );
    assert!(davies_bouldin_score(&x, &[0, 1]).is_err(), "length");
    assert!(adjusted_rand_score(&[0, 1], &[0]).is_err());
}

// ---------------------------------------------------------------------------------------
// Hungarian matching.

#[test]
fn matching_recovers_a_permutation_of_shuffled_centroids() {
    let (c, _) = blobs(9, 5, 9, 3.0, 4);
    let perm = [4, 0, 7, 2, 8, 1, 6, 3, 5];
    let mut s = Stream(1);
    let shuffled: Vec<f64> = perm
        .iter()
        .flat_map(|&p| c.row(p).unwrap().to_vec())
        .map(|v| v + 0.01 * s.normal())
        .collect();
    let new = Matrix::new(shuffled, 9, 5).unwrap();
    assert_eq!(match_labels(&c, &new).unwrap(), perm);
}

#[test]
fn matching_handles_unequal_counts() {
    let old = Matrix::new(vec![0.0, 0.0, 10.0, 0.0, 0.0, 10.0], 3, 2).unwrap();
    // Fewer new clusters: each takes its nearest old id, without repeats.
    let fewer = Matrix::new(vec![0.2, 9.0, 9.0, 0.5], 2, 2).unwrap();
    assert_eq!(match_labels(&old, &fewer).unwrap(), vec![2, 1]);
    // More new clusters: the unmatched ones get fresh ids 3, 4 in order.
    let more = Matrix::new(
        vec![50.0, 50.0, 9.9, 0.1, -50.0, 0.0, 0.1, 0.0, 0.0, 9.0],
        5,
        2,
    )
    .unwrap();
    assert_eq!(match_labels(&old, &more).unwrap(), vec![3, 1, 4, 0, 2]);
    // Global optimum, not greedy: greedy would pair new 0 with old 0 (cost 1), then new 1
    // with old 1 (cost 81 + …); the optimum swaps.
    let old2 = Matrix::new(vec![0.0, 10.0], 2, 1).unwrap();
    let new2 = Matrix::new(vec![1.0, -5.0], 2, 1).unwrap();
    assert_eq!(match_labels(&old2, &new2).unwrap(), vec![1, 0]);
    let wide = Matrix::new(vec![0.0; 3], 1, 3).unwrap();
    assert!(match_labels(&old, &wide).is_err());
}
