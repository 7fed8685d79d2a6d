//! Boosted trees and random forest: learning known signals, exact TreeSHAP against brute-force
//! Shapley values, additivity, interactions, monotone constraints, weights, early stopping,
//! determinism, save/load and input errors.

use icp_ml::boost::{ForestParams, Gbm, GbmParams, Objective, RandomForest, Tree};
use icp_ml::weights::roc_auc;
use icp_ml::{Error, Matrix};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Rows with `p` uniform features (10 % missing in feature 2 when p > 2), the true probability
/// `sigmoid(3·sin(3 x₀) + 4 x₁·x₂ − 2 x₃ + 1[x₂ missing])` and a label drawn from it.
fn classification(n: usize, p: usize, seed: u64) -> (Matrix, Vec<f64>, Vec<f64>) {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut data = Vec::with_capacity(n * p);
    let (mut y, mut truth) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let mut row: Vec<f64> = (0..p).map(|_| rng.random_range(-1.0..1.0)).collect();
        if p > 2 && rng.random::<f64>() < 0.1 {
            row[2] = f64::NAN;
        }
        let at = |j: usize| row.get(j).copied().unwrap_or(0.0);
        let missing = if at(2).is_nan() { 1.0 } else { 0.0 };
        let x2 = if at(2).is_nan() { 0.0 } else { at(2) };
        let logit = 3.0 * (3.0 * at(0)).sin() + 4.0 * at(1) * x2 - 2.0 * at(3) + missing;
        let prob = 1.0 / (1.0 + (-logit).exp());
        truth.push(prob);
        y.push(if rng.random::<f64>() < prob { 1.0 } else { 0.0 });
        data.extend(row);
    }
    (Matrix::new(data, n, p).unwrap(), y, truth)
}

fn auc(scores: &[f64], y: &[f64]) -> f64 {
    let labels: Vec<bool> = y.iter().map(|&v| v == 1.0).collect();
    roc_auc(scores, &labels).unwrap()
}

fn small_params() -> GbmParams {
    GbmParams {
        n_trees: 60,
        learning_rate: 0.1,
        max_leaves: 15,
        min_data_in_leaf: 10,
        ..GbmParams::default()
    }
}

#[test]
fn gbm_reaches_the_auc_of_the_true_probability_on_held_out_rows() {
    let (x, y, _) = classification(3000, 6, 1);
    let (xt, yt, truth) = classification(2000, 6, 2);
    let model = Gbm::fit(&x, &y, None, None, &small_params()).unwrap();
    let ours = auc(&model.predict(&xt), &yt);
    let best = auc(&truth, &yt);
    assert!(
        ours > best - 0.03,
        "AUC {ours} vs true-probability AUC {best}"
    );
    assert_eq!(model.best_iteration(), 60);
    // The informative features carry the gain; the pure-noise ones (4, 5) little of it.
    let gain = model.gain_importance();
    assert!(
        gain[0] > 5.0 * gain[4] && gain[1] > 2.0 * gain[5],
        "{gain:?}"
    );
}

#[test]
fn forest_ranks_held_out_rows_and_its_shap_sums_to_the_probability() {
    let (x, y, _) = classification(2000, 6, 3);
    let (xt, yt, truth) = classification(400, 6, 4);
    let params = ForestParams {
        n_trees: 30,
        max_leaves: 128,
        ..ForestParams::default()
    };
    let forest = RandomForest::fit(&x, &y, None, &params).unwrap();
    let p = forest.predict(&xt);
    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    let ours = auc(&p, &yt);
    assert!(ours > auc(&truth, &yt) - 0.06, "forest AUC {ours}");
    let shap = forest.shap(&xt);
    for (r, prob) in p.iter().enumerate() {
        let total: f64 = shap.row(r).unwrap().iter().sum();
        assert!((total - prob).abs() < 1e-9, "row {r}: {total} vs {prob}");
    }
    let again = RandomForest::fit(&x, &y, None, &params).unwrap();
    assert_eq!(forest, again, "same seed, same forest");
    let loaded = RandomForest::from_json(&forest.to_json().unwrap()).unwrap();
    assert_eq!(loaded.predict(&xt), p);
}

/// E[tree | features in `known` fixed to `row`], the others integrated out along the tree by
/// cover (the path-dependent conditional expectation TreeSHAP explains).
fn conditional_expectation(tree: &Tree, node: usize, row: &[f64], known: u32) -> f64 {
    let n = &tree.nodes[node];
    if n.is_leaf() {
        return n.value;
    }
    if known & (1 << n.feature) != 0 {
        return conditional_expectation(tree, n.next(row[n.feature as usize]), row, known);
    }
    let (l, r) = (n.left as usize, n.right as usize);
    (tree.nodes[l].cover * conditional_expectation(tree, l, row, known)
        + tree.nodes[r].cover * conditional_expectation(tree, r, row, known))
        / n.cover
}

/// Exact Shapley values by enumerating every coalition.
fn brute_force_shap(trees: &[Tree], row: &[f64]) -> Vec<f64> {
    let p = row.len();
    let v = |s: u32| -> f64 {
        trees
            .iter()
            .map(|t| conditional_expectation(t, 0, row, s))
            .sum()
    };
    let fact = |k: usize| (1..=k).map(|i| i as f64).product::<f64>();
    let mut phi = vec![0.0; p];
    for (i, phi_i) in phi.iter_mut().enumerate() {
        for s in 0u32..(1 << p) {
            if s & (1 << i) != 0 {
                continue;
            }
            let k = s.count_ones() as usize;
            let weight = fact(k) * fact(p - k - 1) / fact(p);
            *phi_i += weight * (v(s | (1 << i)) - v(s));
        }
    }
    phi
}

#[test]
fn treeshap_equals_brute_force_shapley_values_on_small_models() {
    for (p, leaves, seed) in [(4, 6, 5), (6, 8, 6), (8, 12, 7)] {
        let (x, y, _) = classification(600, p, seed);
        let params = GbmParams {
            n_trees: 8,
            max_leaves: leaves,
            min_data_in_leaf: 5,
            learning_rate: 0.3,
            ..GbmParams::default()
        };
        let model = Gbm::fit(&x, &y, None, None, &params).unwrap();
        assert!(model.trees().iter().any(|t| t.depth() >= 4));
        let shap = model.shap(&x);
        let base = model.init_score()
            + model
                .trees()
                .iter()
                .map(|t| conditional_expectation(t, 0, &[], 0))
                .sum::<f64>();
        for r in 0..40 {
            let row = x.row(r).unwrap();
            let exact = brute_force_shap(model.trees(), row);
            let ours = shap.row(r).unwrap();
            for j in 0..p {
                assert!(
                    (ours[j] - exact[j]).abs() < 1e-9,
                    "p={p} row {r} feature {j}: TreeSHAP {} vs brute force {}",
                    ours[j],
                    exact[j]
                );
            }
            assert!((ours[p] - base).abs() < 1e-9);
        }
    }
}

#[test]
fn shap_plus_base_equals_the_raw_score_on_every_row() {
    let (x, y, _) = classification(1000, 10, 8);
    let model = Gbm::fit(&x, &y, None, None, &small_params()).unwrap();
    let shap = model.shap(&x);
    let raw = model.predict_raw(&x);
    assert_eq!((shap.n_rows(), shap.n_cols()), (1000, 11));
    for (r, raw) in raw.iter().enumerate() {
        let total: f64 = shap.row(r).unwrap().iter().sum();
        assert!((total - raw).abs() < 1e-6, "row {r}: {total} vs {raw}");
    }
}

#[test]
fn interaction_matrices_sum_to_shap_values_and_find_the_planted_pair() {
    let (x, y, _) = classification(1500, 5, 9);
    let model = Gbm::fit(&x, &y, None, None, &small_params()).unwrap();
    let rows = Matrix::new(x.as_slice()[..100 * 5].to_vec(), 100, 5).unwrap();
    let all: Vec<usize> = (0..5).collect();
    let inter = model.shap_interactions(&rows, &all).unwrap();
    let shap = model.shap(&rows);
    for r in 0..100 {
        for a in 0..5 {
            let row_sum: f64 = (0..5).map(|b| inter.value(r, a, b)).sum();
            assert!((row_sum - shap.get(r, a).unwrap()).abs() < 1e-9);
            for b in 0..5 {
                assert!((inter.value(r, a, b) - inter.value(r, b, a)).abs() < 1e-9);
            }
        }
    }
    // The label holds x₁·x₂ as its only product term.
    let (i, j, _) = inter.strongest_pairs()[0];
    assert_eq!((i, j), (1, 2));
    // A subset keeps the same values as the full matrix.
    let sub = model.shap_interactions(&rows, &[2, 1]).unwrap();
    assert!((sub.value(7, 0, 1) - inter.value(7, 2, 1)).abs() < 1e-12);
    assert!((sub.value(7, 0, 0) - inter.value(7, 2, 2)).abs() < 1e-12);
    assert!(model.shap_interactions(&rows, &[1, 1]).is_err());
    assert!(model.shap_interactions(&rows, &[5]).is_err());
}

#[test]
fn monotone_constraints_hold_on_every_path() {
    // The target decreases in x₀ on half its range and increases in x₁ on half of it: the
    // constraints (+1 on x₀, −1 on x₁) must win everywhere.
    let mut rng = SmallRng::seed_from_u64(10);
    let n = 3000;
    let mut data = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let row: [f64; 4] = std::array::from_fn(|_| rng.random_range(-1.0..1.0));
        y.push(
            (3.0 * row[0]).sin() - (3.0 * row[1]).cos() * row[1]
                + row[2] * row[3]
                + rng.random_range(-0.3..0.3),
        );
        data.extend(row);
    }
    let x = Matrix::new(data, n, 4).unwrap();
    let params = GbmParams {
        objective: Objective::Regression,
        monotone: vec![1, -1, 0, 0],
        ..small_params()
    };
    let model = Gbm::fit(&x, &y, None, None, &params).unwrap();
    for r in 0..200 {
        let base = x.row(r).unwrap().to_vec();
        for (feature, sign) in [(0, 1.0), (1, -1.0)] {
            let grid: Vec<f64> = (0..=100)
                .flat_map(|k| {
                    let mut row = base.clone();
                    row[feature] = -1.1 + 2.2 * k as f64 / 100.0;
                    row
                })
                .collect();
            let pred = model.predict(&Matrix::new(grid, 101, 4).unwrap());
            for w in pred.windows(2) {
                assert!(sign * (w[1] - w[0]) >= -1e-12, "row {r} feature {feature}");
            }
        }
    }
    // Unconstrained, the same data gives a model that is not monotone in x₀.
    let free = Gbm::fit(&x, &y, None, None, &small_params_regression()).unwrap();
    let line: Vec<f64> = (0..=100)
        .flat_map(|k| [-1.0 + 2.0 * k as f64 / 100.0, 0.0, 0.0, 0.0])
        .collect();
    let pred = free.predict(&Matrix::new(line, 101, 4).unwrap());
    assert!(pred.windows(2).any(|w| w[1] < w[0] - 1e-3));
}

fn small_params_regression() -> GbmParams {
    GbmParams {
        objective: Objective::Regression,
        ..small_params()
    }
}

#[test]
fn regression_recovers_a_nonlinear_target() {
    let mut rng = SmallRng::seed_from_u64(11);
    let make = |rng: &mut SmallRng, n: usize| {
        let mut data = Vec::new();
        let mut y = Vec::new();
        for _ in 0..n {
            let row: [f64; 3] = std::array::from_fn(|_| rng.random_range(-2.0..2.0));
            y.push(1000.0 + 200.0 * row[0].sin() + 50.0 * row[1] * row[1]);
            data.extend(row);
        }
        (Matrix::new(data, n, 3).unwrap(), y)
    };
    let (x, y) = make(&mut rng, 3000);
    let (xt, yt) = make(&mut rng, 1000);
    let model = Gbm::fit(&x, &y, None, None, &small_params_regression()).unwrap();
    let pred = model.predict(&xt);
    let mean = yt.iter().sum::<f64>() / yt.len() as f64;
    let ss_res: f64 = pred.iter().zip(&yt).map(|(p, y)| (p - y).powi(2)).sum();
    let ss_tot: f64 = yt.iter().map(|y| (y - mean).powi(2)).sum();
    assert!(1.0 - ss_res / ss_tot > 0.97, "R² {}", 1.0 - ss_res / ss_tot);
}

#[test]
fn weights_and_positive_class_weight() {
    let (x, y, _) = classification(1500, 5, 12);
    let plain = Gbm::fit(&x, &y, None, None, &small_params()).unwrap();
    // Doubling every weight doubles gradients and hessians alike: the same trees.
    let doubled = Gbm::fit(&x, &y, Some(&vec![2.0; 1500]), None, &small_params()).unwrap();
    for (a, b) in plain.predict_raw(&x).iter().zip(doubled.predict_raw(&x)) {
        assert!((a - b).abs() < 1e-9);
    }
    // A positive weight of 3 starts from the weighted base rate's log-odds and raises scores.
    let params = GbmParams {
        pos_weight: 3.0,
        ..small_params()
    };
    let weighted = Gbm::fit(&x, &y, None, None, &params).unwrap();
    let pos: f64 = y.iter().sum();
    let rate = 3.0 * pos / (3.0 * pos + 1500.0 - pos);
    assert!((weighted.init_score() - (rate / (1.0 - rate)).ln()).abs() < 1e-12);
    let mean = |v: Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    assert!(mean(weighted.predict(&x)) > mean(plain.predict(&x)) + 0.05);
    // Zero weight on a row is the same as leaving it out.
    let mut w = vec![1.0; 1500];
    w[..500].iter_mut().for_each(|v| *v = 0.0);
    let zeroed = Gbm::fit(&x, &y, Some(&w), None, &small_params()).unwrap();
    assert!(zeroed.predict_raw(&x) != plain.predict_raw(&x));
}

#[test]
fn early_stopping_keeps_the_best_round() {
    let (x, y, _) = classification(1500, 6, 13);
    let (xv, yv, _) = classification(800, 6, 14);
    let params = GbmParams {
        n_trees: 400,
        learning_rate: 0.3,
        max_leaves: 31,
        min_data_in_leaf: 5,
        early_stopping_rounds: Some(20),
        ..GbmParams::default()
    };
    let model = Gbm::fit(&x, &y, None, Some((&xv, &yv)), &params).unwrap();
    let best = model.best_iteration();
    let losses = model.valid_loss();
    assert!(
        best < 400 && losses.len() == best + 20,
        "best {best}, rounds {}",
        losses.len()
    );
    assert_eq!(model.trees().len(), best);
    let min = losses.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(losses[best - 1], min);
}

#[test]
fn same_seed_same_model_and_save_load_scores_identically() {
    let (x, y, _) = classification(1500, 8, 15);
    let params = GbmParams {
        feature_fraction: 0.6,
        bagging_fraction: 0.7,
        lambda_l2: 1.0,
        seed: 7,
        ..small_params()
    };
    let a = Gbm::fit(&x, &y, None, None, &params).unwrap();
    let b = Gbm::fit(&x, &y, None, None, &params).unwrap();
    assert_eq!(a, b);
    let other = Gbm::fit(&x, &y, None, None, &GbmParams { seed: 8, ..params }).unwrap();
    assert_ne!(a.predict_raw(&x), other.predict_raw(&x));

    let json = a.to_json().unwrap();
    let loaded = Gbm::from_json(&json).unwrap();
    assert_eq!(loaded.predict_raw(&x), a.predict_raw(&x));
    assert_eq!(loaded.shap(&x), a.shap(&x));

    let future = json.replacen("\"format_version\": 1", "\"format_version\": 99", 1);
    assert!(matches!(
        Gbm::from_json(&future),
        Err(Error::FormatVersion { .. })
    ));
    let cyclic = json.replacen("\"left\": 1,", "\"left\": 0,", 1);
    assert!(matches!(
        Gbm::from_json(&cyclic),
        Err(Error::InvalidModel { .. })
    ));
}

#[test]
fn bad_inputs_are_named_errors() {
    let (x, y, _) = classification(100, 3, 16);
    let p = GbmParams::default();
    let fit = |y: &[f64], params: &GbmParams| Gbm::fit(&x, y, None, None, params);
    assert!(matches!(
        fit(&y[..99], &p),
        Err(Error::LengthMismatch { field: "y", .. })
    ));
    let mut nan = y.clone();
    nan[3] = f64::NAN;
    assert!(matches!(
        fit(&nan, &p),
        Err(Error::NonFiniteTarget { row: 3, .. })
    ));
    let mut two = y.clone();
    two[4] = 2.0;
    assert!(matches!(
        fit(&two, &p),
        Err(Error::InvalidRecord { row: 4, .. })
    ));
    assert!(matches!(fit(&[0.0; 100], &p), Err(Error::OneClass { .. })));
    let bad_monotone = GbmParams {
        monotone: vec![1],
        ..GbmParams::default()
    };
    assert!(matches!(
        fit(&y, &bad_monotone),
        Err(Error::InvalidParameter {
            name: "monotone",
            ..
        })
    ));
    for allowed in [vec![true; 2], vec![false; 3]] {
        let params = GbmParams {
            allowed_features: allowed,
            ..GbmParams::default()
        };
        assert!(matches!(
            fit(&y, &params),
            Err(Error::InvalidParameter {
                name: "allowed_features",
                ..
            })
        ));
    }
    let no_valid = GbmParams {
        early_stopping_rounds: Some(5),
        ..GbmParams::default()
    };
    assert!(fit(&y, &no_valid).is_err());
    let weights = vec![-1.0; 100];
    assert!(Gbm::fit(&x, &y, Some(&weights), None, &p).is_err());
    let model = fit(
        &y,
        &GbmParams {
            n_trees: 3,
            ..p.clone()
        },
    )
    .unwrap();
    let wrong = Matrix::new(vec![0.0; 8], 2, 4).unwrap();
    assert!(matches!(
        model.check_input(&wrong),
        Err(Error::FeatureCount {
            expected: 3,
            found: 4
        })
    ));
    let mut inf = x.as_slice().to_vec();
    inf[5] = f64::INFINITY;
    let inf = Matrix::new(inf, 100, 3).unwrap();
    assert!(matches!(
        Gbm::fit(&inf, &y, None, None, &p),
        Err(Error::InvalidRecord { row: 1, .. })
    ));
}

#[test]
fn trees_respect_shape_limits_and_learn_where_missing_values_go() {
    // Label 1 exactly when x₀ is missing or above 0.8: the split must send NaN right.
    let mut rng = SmallRng::seed_from_u64(17);
    let n = 2000;
    let mut data = Vec::new();
    let mut y = Vec::new();
    for _ in 0..n {
        let missing = rng.random::<f64>() < 0.2;
        let x0: f64 = if missing {
            f64::NAN
        } else {
            rng.random_range(0.0..1.0)
        };
        y.push(if missing || x0 > 0.8 { 1.0 } else { 0.0 });
        data.extend([x0, rng.random_range(0.0..1.0)]);
    }
    let x = Matrix::new(data, n, 2).unwrap();
    let params = GbmParams {
        n_trees: 20,
        max_leaves: 31,
        max_depth: Some(3),
        min_data_in_leaf: 40,
        ..GbmParams::default()
    };
    let model = Gbm::fit(&x, &y, None, None, &params).unwrap();
    for tree in model.trees() {
        assert!(tree.depth() <= 3);
        assert!(tree.nodes.iter().filter(|n| n.is_leaf()).count() <= 8);
        for node in tree.nodes.iter() {
            assert!(node.cover >= 40.0);
            if !node.is_leaf() {
                let children =
                    tree.nodes[node.left as usize].cover + tree.nodes[node.right as usize].cover;
                assert_eq!(children, node.cover);
            }
        }
    }
    let probe = Matrix::new(vec![f64::NAN, 0.5, 0.3, 0.5, 0.9, 0.5], 3, 2).unwrap();
    let p = model.predict(&probe);
    assert!(p[0] > 0.9 && p[1] < 0.1 && p[2] > 0.9, "{p:?}");
}
