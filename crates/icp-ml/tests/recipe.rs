//! Tests of the preprocessing recipe through its public API: train/serve parity, out-of-fold
//! target encoding, hand-computed steps, pruning, persistence and typed errors.

use icp_ml::Error;
use icp_ml::recipe::{
    Column, DropReason, Frame, LogColumns, Matrix, OutputKind, Recipe, RecipeParams, Scaling, Step,
    fold_assignment,
};

/// Deterministic pseudo-random numbers in [0, 1) for test data (no RNG dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

const N: usize = 200;

/// A realistic little account table: skewed numerics with gaps, two columns from one source
/// field, a low-cardinality and a high-cardinality categorical, and a 0/1 target.
fn accounts() -> (Frame, Vec<f64>) {
    let mut rng = Lcg(11);
    let mut employees = Vec::new();
    let mut pricing_7d = Vec::new();
    let mut pricing_30d = Vec::new();
    let mut industry = Vec::new();
    let mut country = Vec::new();
    let mut target = Vec::new();
    for i in 0..N {
        let e = (rng.next() * 8.0).exp().round();
        employees.push(if i % 7 == 3 { f64::NAN } else { e });
        let p7 = (rng.next() * 10.0).floor();
        pricing_7d.push(p7);
        pricing_30d.push(p7 + (rng.next() * 20.0).floor());
        let u = rng.next();
        industry.push(match i % 10 {
            9 => None,
            _ if u < 0.5 => Some("saas"),
            _ if u < 0.8 => Some("fintech"),
            _ if u < 0.97 => Some("retail"),
            _ => Some("mining"),
        });
        country.push(Some(format!("c{}", (rng.next() * 30.0) as usize)));
        target.push(if rng.next() < 0.3 + 0.04 * p7 {
            1.0
        } else {
            0.0
        });
    }
    let frame = Frame::new(vec![
        Column::numeric("employees", "employees", employees),
        Column::numeric("events_pricing_page_7d", "pricing_page", pricing_7d),
        Column::numeric("events_pricing_page_30d", "pricing_page", pricing_30d),
        Column::categorical("industry", "industry", industry),
        Column::categorical("country", "country", country),
    ])
    .unwrap();
    (frame, target)
}

fn bits(values: &[f64]) -> Vec<u64> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn column_index(recipe: &Recipe, name: &str) -> usize {
    recipe
        .output_columns()
        .iter()
        .position(|c| c.name == name)
        .unwrap_or_else(|| panic!("no output column {name}"))
}

fn one_column(m: &Matrix) -> Vec<f64> {
    assert_eq!(m.n_cols(), 1);
    m.column(0).unwrap()
}

#[test]
fn transform_of_single_rows_equals_whole_frame_and_fit_matrix_outside_target_encoding() {
    let (frame, target) = accounts();
    let params = RecipeParams::default().log_columns(LogColumns::Auto);
    let (recipe, fitted) = Recipe::fit(&frame, Some(&target), &params, 7).unwrap();
    let whole = recipe.transform(&frame).unwrap();
    assert_eq!(
        (whole.n_rows(), whole.n_cols()),
        (N, recipe.output_columns().len())
    );

    for r in 0..N {
        let one = recipe.transform(&frame.select_rows(&[r]).unwrap()).unwrap();
        assert_eq!(
            bits(one.row(0).unwrap()),
            bits(whole.row(r).unwrap()),
            "row {r}"
        );
    }

    let mut target_encoded = 0;
    for (c, out) in recipe.output_columns().iter().enumerate() {
        let (a, b) = (fitted.column(c).unwrap(), whole.column(c).unwrap());
        if out.kind == OutputKind::TargetEncoding {
            target_encoded += 1;
            assert_ne!(
                bits(&a),
                bits(&b),
                "out-of-fold values differ from full-fit ones"
            );
        } else {
            assert_eq!(bits(&a), bits(&b), "column {}", out.name);
        }
    }
    assert_eq!(target_encoded, 1, "country (30 levels) is target-encoded");
    assert!(fitted.as_slice().iter().all(|v| v.is_finite()));

    // Same seed, same recipe and matrix; the seed is recorded.
    let (again, fitted_again) = Recipe::fit(&frame, Some(&target), &params, 7).unwrap();
    assert_eq!(again, recipe);
    assert_eq!(bits(fitted_again.as_slice()), bits(fitted.as_slice()));
    assert_eq!(recipe.seed(), 7);
}

#[test]
fn output_columns_carry_source_field_and_kind() {
    let (frame, target) = accounts();
    let (recipe, _) = Recipe::fit(&frame, Some(&target), &RecipeParams::default(), 1).unwrap();
    let find = |name: &str| &recipe.output_columns()[column_index(&recipe, name)];
    assert_eq!(find("events_pricing_page_7d").source, "pricing_page");
    assert_eq!(find("events_pricing_page_30d").source, "pricing_page");
    assert_eq!(find("employees").kind, OutputKind::Numeric);
    let missing = find("employees__missing");
    assert_eq!(
        (missing.kind.clone(), missing.source.as_str()),
        (OutputKind::MissingIndicator, "employees")
    );
    assert_eq!(find("country__te").kind, OutputKind::TargetEncoding);
    assert_eq!(find("country__te").input, "country");
    assert_eq!(
        find("industry=saas").kind,
        OutputKind::OneHot {
            level: "saas".into()
        }
    );
}

#[test]
fn out_of_fold_encoding_never_sees_the_rows_own_label() {
    let (frame, target) = accounts();
    let params = RecipeParams::default();
    let seed = 99;
    let (recipe, base) = Recipe::fit(&frame, Some(&target), &params, seed).unwrap();
    let te = column_index(&recipe, "country__te");
    let folds = fold_assignment(N, params.cv, seed);

    for flipped in [0, 17, 123] {
        let mut t = target.clone();
        t[flipped] = 1.0 - t[flipped];
        let (recipe2, m) = Recipe::fit(&frame, Some(&t), &params, seed).unwrap();
        assert_eq!(column_index(&recipe2, "country__te"), te);
        for row in 0..N {
            let (before, after) = (base.get(row, te).unwrap(), m.get(row, te).unwrap());
            if folds[row] == folds[flipped] {
                // The row itself and its fold-mates are encoded from the other folds only.
                assert_eq!(
                    before.to_bits(),
                    after.to_bits(),
                    "row {row}, flipped {flipped}"
                );
            } else {
                // Every row of another fold sees the flipped label (through the prior at least).
                assert_ne!(before, after, "row {row}, flipped {flipped}");
            }
        }
    }
}

#[test]
fn the_seed_changes_only_the_out_of_fold_values() {
    let (frame, target) = accounts();
    let params = RecipeParams::default();
    let (a, ma) = Recipe::fit(&frame, Some(&target), &params, 1).unwrap();
    let (b, mb) = Recipe::fit(&frame, Some(&target), &params, 2).unwrap();
    assert_eq!((a.seed(), b.seed()), (1, 2));
    assert_eq!(a.output_columns(), b.output_columns());
    let te = column_index(&a, "country__te");
    assert_ne!(ma.column(te), mb.column(te));
    // The encoding used for new rows is fitted on all rows: independent of the seed.
    assert_eq!(a.fitted_columns(), b.fitted_columns());
    assert_eq!(a.transform(&frame).unwrap(), b.transform(&frame).unwrap());
}

#[test]
fn target_encoding_at_transform_is_smoothed_toward_the_prior() {
    // Levels a, a, b with targets 1, 0, 1: prior 2/3; m = 20.
    let frame = Frame::new(vec![Column::categorical(
        "plan",
        "plan",
        [Some("a"), Some("a"), Some("b")],
    )])
    .unwrap();
    let params = RecipeParams::default()
        .max_onehot_levels(1)
        .cv(2)
        .near_constant_share(1.0)
        .max_abs_correlation(1.0);
    let (recipe, _) = Recipe::fit(&frame, Some(&[1.0, 0.0, 1.0]), &params, 3).unwrap();
    let new = Frame::new(vec![Column::categorical(
        "plan",
        "plan",
        [Some("a"), Some("b"), Some("zzz"), None],
    )])
    .unwrap();
    let got = one_column(&recipe.transform(&new).unwrap());
    let prior = 2.0 / 3.0;
    let expected = [
        (1.0 + 20.0 * prior) / (2.0 + 20.0),
        (1.0 + 20.0 * prior) / (1.0 + 20.0),
        prior,
        prior,
    ];
    for (g, e) in got.iter().zip(expected) {
        assert!((g - e).abs() < 1e-12, "{got:?} vs {expected:?}");
    }
}

fn single_numeric(values: Vec<f64>) -> Frame {
    Frame::new(vec![Column::numeric("x", "x", values)]).unwrap()
}

#[test]
fn winsorising_clips_at_the_fitted_quantiles() {
    // Sorted training values 0..=10 and 100 (12 values). numpy.quantile(v, [0.1, 0.9]) with
    // linear interpolation: positions 1.1 and 9.9 → 1.1 and 9.9.
    let mut values: Vec<f64> = (0..=10).map(f64::from).collect();
    values.push(100.0);
    let params = RecipeParams::default()
        .winsor_quantile(Some(0.1))
        .scaling(Scaling::None);
    let (recipe, fitted) = Recipe::fit(&single_numeric(values), None, &params, 0).unwrap();
    let Step::Numeric(step) = &recipe.fitted_columns()[0].step else {
        panic!("numeric step expected")
    };
    let [lo, hi] = step.clip.unwrap();
    assert!(
        (lo - 1.1).abs() < 1e-12 && (hi - 9.9).abs() < 1e-12,
        "{lo} {hi}"
    );
    let col = one_column(&fitted);
    assert_eq!(col[0], lo);
    assert_eq!(col[5], 5.0);
    assert_eq!(col[11], hi);
    let new = recipe
        .transform(&single_numeric(vec![-5.0, 1000.0, 3.0]))
        .unwrap();
    assert_eq!(one_column(&new), vec![lo, hi, 3.0]);
}

#[test]
fn robust_and_standard_scaling_center_the_training_data() {
    let (frame, _) = accounts();
    let numeric = Frame::new(frame.columns()[..3].to_vec()).unwrap();
    for scaling in [Scaling::Robust, Scaling::Standard] {
        let params = RecipeParams::default().scaling(scaling);
        let (recipe, m) = Recipe::fit(&numeric, None, &params, 0).unwrap();
        for (c, out) in recipe.output_columns().iter().enumerate() {
            if out.kind != OutputKind::Numeric {
                continue;
            }
            let mut col = m.column(c).unwrap();
            let n = col.len() as f64;
            let mean = col.iter().sum::<f64>() / n;
            col.sort_by(f64::total_cmp);
            let median = (col[N / 2 - 1] + col[N / 2]) / 2.0;
            match scaling {
                Scaling::Robust => {
                    assert!(median.abs() < 1e-12, "{}: median {median}", out.name);
                    let iqr_pos = |q: f64| {
                        let p = q * (n - 1.0);
                        let (i, f) = (p.floor() as usize, p - p.floor());
                        col[i] + (col[i + 1] - col[i]) * f
                    };
                    assert!((iqr_pos(0.75) - iqr_pos(0.25) - 1.0).abs() < 1e-9);
                }
                _ => {
                    assert!(mean.abs() < 1e-12, "{}: mean {mean}", out.name);
                    let var = col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
                    assert!((var - 1.0).abs() < 1e-9);
                }
            }
        }
    }
}

#[test]
fn missing_values_get_the_median_and_an_indicator() {
    let frame = Frame::new(vec![
        Column::numeric("x", "x", vec![1.0, f64::NAN, 3.0, 10.0, f64::NAN]),
        Column::categorical("c", "c", [Some("u"), Some("u"), None, Some("u"), Some("u")]),
    ])
    .unwrap();
    let params = RecipeParams::default()
        .winsor_quantile(None)
        .scaling(Scaling::None)
        .min_level_count(1)
        .max_abs_correlation(1.0);
    let (recipe, m) = Recipe::fit(&frame, None, &params, 0).unwrap();
    let col = |name| m.column(column_index(&recipe, name)).unwrap();
    assert_eq!(col("x"), vec![1.0, 3.0, 3.0, 10.0, 3.0]);
    assert_eq!(col("x__missing"), vec![0.0, 1.0, 0.0, 0.0, 1.0]);
    assert_eq!(col("c=u"), vec![1.0, 1.0, 0.0, 1.0, 1.0]);
    // `c=(missing)` and `c__missing` are both exactly `1 − c=u`, so they are dropped as its
    // duplicates (r = −1), with the reason recorded.
    let dropped: Vec<(&str, String)> = recipe
        .dropped()
        .iter()
        .map(|d| (d.column.name.as_str(), d.reason.to_string()))
        .collect();
    let reason = "near-duplicate of `c=u` (Pearson r = -1.0000)".to_string();
    assert_eq!(
        dropped,
        [("c=(missing)", reason.clone()), ("c__missing", reason)]
    );

    // A column without missing values in training gets no indicator, and missing at
    // scoring time is still imputed.
    let (recipe, _) = Recipe::fit(&single_numeric(vec![1.0, 2.0, 4.0]), None, &params, 0).unwrap();
    assert_eq!(recipe.output_columns().len(), 1);
    let m = recipe.transform(&single_numeric(vec![f64::NAN])).unwrap();
    assert_eq!(one_column(&m), vec![2.0]);

    let (recipe, _) =
        Recipe::fit(&frame, None, &params.clone().missing_indicators(false), 0).unwrap();
    assert!(
        recipe
            .output_columns()
            .iter()
            .all(|c| c.kind != OutputKind::MissingIndicator)
    );
}

#[test]
fn log_columns_listed_and_auto() {
    let e1 = std::f64::consts::E - 1.0;
    let frame = Frame::new(vec![
        Column::numeric("employees", "employees", vec![0.0, e1, 3.0, 5.0, 1e6]),
        Column::numeric("score", "score", vec![-1.0, 0.0, 1.0, 2.0, 3.0]),
    ])
    .unwrap();
    let params = RecipeParams::default()
        .winsor_quantile(None)
        .scaling(Scaling::None)
        .max_abs_correlation(1.0);
    let listed = params
        .clone()
        .log_columns(LogColumns::Listed(vec!["employees".into()]));
    let (recipe, m) = Recipe::fit(&frame, None, &listed, 0).unwrap();
    let employees = m.column(0).unwrap();
    assert_eq!(employees[0], 0.0);
    assert!((employees[1] - 1.0).abs() < 1e-15);
    assert_eq!(m.column(1).unwrap(), vec![-1.0, 0.0, 1.0, 2.0, 3.0]);
    assert!(matches!(&recipe.fitted_columns()[0].step, Step::Numeric(s) if s.log));

    // Auto: `revenue` is non-negative with skewness ≈ 6.2 > 2 → logged; `age` is symmetric
    // (skewness 0) → not logged.
    let mut skewed = vec![1.0; 40];
    skewed.extend([1e3, 1e5]);
    let symmetric: Vec<f64> = (0..42).map(f64::from).collect();
    let frame = Frame::new(vec![
        Column::numeric("revenue", "revenue", skewed),
        Column::numeric("age", "age", symmetric),
    ])
    .unwrap();
    let (recipe, _) = Recipe::fit(
        &frame,
        None,
        &params.clone().log_columns(LogColumns::Auto),
        0,
    )
    .unwrap();
    let logged: Vec<bool> = recipe
        .fitted_columns()
        .iter()
        .map(|c| matches!(&c.step, Step::Numeric(s) if s.log))
        .collect();
    assert_eq!(logged, [true, false]);

    let bad = params.log_columns(LogColumns::Listed(vec!["score".into()]));
    let err = Recipe::fit(
        &Frame::new(vec![Column::numeric("score", "score", vec![1.0, -2.0])]).unwrap(),
        None,
        &bad,
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `score`: expected non-negative values (the column is in `log_columns`), found -2 at row 1"
    );
}

fn industry_frame(values: &[Option<&str>]) -> Frame {
    Frame::new(vec![Column::categorical(
        "industry",
        "industry",
        values.iter().copied(),
    )])
    .unwrap()
}

#[test]
fn rare_and_unseen_levels_go_to_other() {
    // saas ×12, fintech ×11, retail ×3, missing ×2; min_level_count 10.
    let mut values = vec![Some("saas"); 12];
    values.extend(vec![Some("fintech"); 11]);
    values.extend(vec![Some("retail"); 3]);
    values.extend([None, None]);
    let (recipe, m) =
        Recipe::fit(&industry_frame(&values), None, &RecipeParams::default(), 0).unwrap();
    let names: Vec<&str> = recipe
        .output_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "industry=saas",
            "industry=fintech",
            "industry=(other)",
            "industry__missing"
        ]
    );
    assert_eq!(m.row(0).unwrap(), &[1.0, 0.0, 0.0, 0.0]);
    assert_eq!(m.row(24).unwrap(), &[0.0, 0.0, 1.0, 0.0]); // retail is rare
    assert_eq!(m.row(27).unwrap(), &[0.0, 0.0, 1.0, 1.0]); // missing is rare too

    let new = industry_frame(&[Some("biotech"), Some("fintech"), None]);
    let t = recipe.transform(&new).unwrap();
    assert_eq!(t.row(0).unwrap(), &[0.0, 0.0, 1.0, 0.0]); // unseen → (other)
    assert_eq!(t.row(1).unwrap(), &[0.0, 1.0, 0.0, 0.0]);
    assert_eq!(t.row(2).unwrap(), &[0.0, 0.0, 1.0, 1.0]);
}

#[test]
fn constant_and_duplicate_columns_are_dropped_with_the_reason() {
    let seats: Vec<f64> = (0..200).map(|i| f64::from(i % 17)).collect();
    let doubled: Vec<f64> = seats.iter().map(|s| 2.0 * s + 1.0).collect();
    let mut almost_constant = vec![0.0; 200];
    almost_constant[5] = 1.0; // 199 / 200 = 0.995 ≥ 0.995
    let mut mostly_constant = vec![0.0; 200];
    mostly_constant[5] = 1.0;
    mostly_constant[6] = 1.0; // 0.99 < 0.995: kept
    let frame = Frame::new(vec![
        Column::numeric("seats", "seats", seats),
        Column::numeric("flag", "flag", vec![1.0; 200]),
        Column::numeric("seats_x2", "seats", doubled),
        Column::numeric("rare", "rare", almost_constant),
        Column::numeric("rare2", "rare2", mostly_constant),
    ])
    .unwrap();
    let params = RecipeParams::default()
        .scaling(Scaling::None)
        .winsor_quantile(None);
    let (recipe, m) = Recipe::fit(&frame, None, &params, 0).unwrap();
    let names: Vec<&str> = recipe
        .output_columns()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["seats", "rare2"]);
    assert_eq!(m.n_cols(), 2);
    let dropped: Vec<(&str, &DropReason)> = recipe
        .dropped()
        .iter()
        .map(|d| (d.column.name.as_str(), &d.reason))
        .collect();
    assert_eq!(dropped.len(), 3);
    assert_eq!(
        dropped[0],
        (
            "flag",
            &DropReason::NearConstant {
                value: 1.0,
                share: 1.0
            }
        )
    );
    assert!(
        matches!(dropped[1], ("seats_x2", DropReason::Correlated { with, r }) if with == "seats" && (r - 1.0).abs() < 1e-12),
        "{dropped:?}"
    );
    assert_eq!(
        dropped[2],
        (
            "rare",
            &DropReason::NearConstant {
                value: 0.0,
                share: 0.995
            }
        )
    );
    assert_eq!(
        recipe.dropped()[0].reason.to_string(),
        "near-constant: 100.0% of training rows are 1"
    );
    // The dropped columns are still required at transform (the schema is the input's),
    // but they produce nothing.
    assert_eq!(recipe.transform(&frame).unwrap().n_cols(), 2);
}

#[test]
fn json_round_trip_gives_identical_transforms() {
    let (frame, target) = accounts();
    let params = RecipeParams::default()
        .scaling(Scaling::Robust)
        .log_columns(LogColumns::Auto);
    let (recipe, _) = Recipe::fit(&frame, Some(&target), &params, 5).unwrap();
    let json = recipe.to_json().unwrap();
    let loaded = Recipe::from_json(&json).unwrap();
    assert_eq!(loaded, recipe);
    assert_eq!(
        bits(loaded.transform(&frame).unwrap().as_slice()),
        bits(recipe.transform(&frame).unwrap().as_slice())
    );
    assert_eq!(loaded.to_json().unwrap(), json);
}

#[test]
fn unknown_format_version_and_bad_json_are_errors() {
    let frame = single_numeric(vec![1.0, 2.0, 3.0]);
    let (recipe, _) = Recipe::fit(&frame, None, &RecipeParams::default(), 0).unwrap();
    let json = recipe.to_json().unwrap();
    assert!(json.contains("\"format_version\": 1"));

    let err = Recipe::from_json(&json.replace("\"format_version\": 1", "\"format_version\": 2"))
        .unwrap_err();
    assert_eq!(
        err,
        Error::FormatVersion {
            found: "2".into(),
            supported: 1
        }
    );
    assert_eq!(
        err.to_string(),
        "unsupported format_version 2; this build reads version 1"
    );
    let err = Recipe::from_json(&json.replace("\"format_version\": 1,", "")).unwrap_err();
    assert!(matches!(err, Error::FormatVersion { ref found, .. } if found == "(absent)"));

    assert!(matches!(
        Recipe::from_json("{not json"),
        Err(Error::Json { .. })
    ));
    let err = Recipe::from_json(&json.replace(
        "\"name\": \"x\",\n      \"input\"",
        "\"name\": \"y\",\n      \"input\"",
    ))
    .unwrap_err();
    assert!(err.to_string().contains("output column `y`"), "{err}");
}

#[test]
fn transform_refuses_a_frame_that_does_not_match_the_schema() {
    let (frame, target) = accounts();
    let (recipe, _) = Recipe::fit(&frame, Some(&target), &RecipeParams::default(), 0).unwrap();

    let without: Vec<Column> = frame
        .columns()
        .iter()
        .filter(|c| c.name() != "industry")
        .cloned()
        .collect();
    let err = recipe.transform(&Frame::new(without).unwrap()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `industry`: expected a categorical column, found no such column"
    );

    let mut retyped: Vec<Column> = frame.columns().to_vec();
    retyped[0] = Column::categorical("employees", "employees", vec![Some("12"); N]);
    let err = recipe.transform(&Frame::new(retyped).unwrap()).unwrap_err();
    assert_eq!(
        err,
        Error::Schema {
            column: "employees".into(),
            expected: "a numeric column".into(),
            found: "a categorical column".into()
        }
    );

    // Extra columns are ignored; zero rows give an empty matrix of the right width.
    let mut extra = frame.columns().to_vec();
    extra.push(Column::numeric("new_signal", "new", vec![0.0; N]));
    assert_eq!(
        recipe.transform(&Frame::new(extra).unwrap()).unwrap(),
        recipe.transform(&frame).unwrap()
    );
    let empty = recipe.transform(&frame.select_rows(&[]).unwrap()).unwrap();
    assert_eq!(
        (empty.n_rows(), empty.n_cols()),
        (0, recipe.output_columns().len())
    );
}

#[test]
fn bad_inputs_give_typed_errors_not_panics() {
    let params = RecipeParams::default();
    // NaN-only numeric and None-only categorical columns.
    let frame = Frame::new(vec![
        Column::numeric("ok", "ok", vec![1.0, 2.0]),
        Column::numeric("gone", "gone", vec![f64::NAN, f64::NAN]),
    ])
    .unwrap();
    assert_eq!(
        Recipe::fit(&frame, None, &params, 0).unwrap_err(),
        Error::AllMissing {
            column: "gone".into()
        }
    );
    let frame = Frame::new(vec![Column::categorical("c", "c", [None::<String>, None])]).unwrap();
    assert_eq!(
        Recipe::fit(&frame, None, &params, 0).unwrap_err(),
        Error::AllMissing { column: "c".into() }
    );
    // Zero rows, zero columns.
    let empty = single_numeric(vec![]);
    assert!(matches!(
        Recipe::fit(&empty, None, &params, 0),
        Err(Error::EmptyInput { .. })
    ));
    assert!(matches!(
        Recipe::fit(&Frame::new(vec![]).unwrap(), None, &params, 0),
        Err(Error::EmptyInput { .. })
    ));
    // Infinity in a column (rejected when the frame is built, at fit or at scoring).
    let err = Frame::new(vec![Column::numeric(
        "revenue",
        "revenue",
        vec![1.0, f64::INFINITY],
    )])
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `revenue` holds a non-finite value (inf) at row 1"
    );
    // Target problems.
    let frame = single_numeric(vec![1.0, 2.0, 3.0]);
    assert_eq!(
        Recipe::fit(&frame, Some(&[1.0, 0.0]), &params, 0).unwrap_err(),
        Error::TargetLength {
            expected: 3,
            found: 2
        }
    );
    assert!(matches!(
        Recipe::fit(&frame, Some(&[1.0, f64::NAN, 0.0]), &params, 0),
        Err(Error::NonFiniteTarget { row: 1, .. })
    ));
    // A high-cardinality column without a target, or with fewer rows than folds.
    let many = Frame::new(vec![Column::categorical(
        "domain",
        "domain",
        (0..20).map(|i| Some(format!("d{i}"))),
    )])
    .unwrap();
    let err = Recipe::fit(&many, None, &params, 0).unwrap_err();
    assert_eq!(
        err,
        Error::TargetRequired {
            column: "domain".into(),
            levels: 20,
            max_onehot_levels: 12
        }
    );
    let few = many.select_rows(&[0, 1, 2]).unwrap();
    let err = Recipe::fit(
        &few,
        Some(&[0.0, 1.0, 0.0]),
        &params.clone().max_onehot_levels(2),
        0,
    )
    .unwrap_err();
    assert!(
        matches!(err, Error::InvalidParameter { name: "cv", .. }),
        "{err}"
    );
    // Bad hyperparameters are refused before any work.
    let err = Recipe::fit(&frame, None, &params.clone().winsor_quantile(Some(0.7)), 0).unwrap_err();
    assert_eq!(
        err.to_string(),
        "`winsor_quantile` must be in (0, 0.5), got 0.7"
    );
    // log_columns naming an absent or categorical column.
    let err = Recipe::fit(
        &frame,
        None,
        &params.log_columns(LogColumns::Listed(vec!["employees".into()])),
        0,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "column `employees`: expected a numeric column (it is listed in `log_columns`), found no such column"
    );
}
