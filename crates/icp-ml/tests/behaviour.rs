//! Tests of the behaviour algorithms through their public API: PrefixSpan against a
//! hand-computed database and a brute-force counter, lift arithmetic, the Markov model on a
//! hand case, surge detection on crafted series (steady, slow growth, one spike, a real
//! surge) with the intent vendors' baseline on the same series, and engagement weights
//! (planted coefficients, a hand-checked tiny case, AUC against equal points and a
//! brute-force pair count).

use icp_ml::Error;
use icp_ml::recipe::Matrix;
use icp_ml::sequence::{
    MarkovModel, MarkovParams, MinSupport, Pattern, PrefixSpanParams, State, conversion_lift,
    prefixspan, prefixspan_with_outcomes,
};
use icp_ml::surge::{
    IntentBaselineParams, Signal, SurgeMethod, SurgeParams, detect_surges, intent_baseline,
    signal_scores,
};
use icp_ml::weights::{
    AccountEvent, EngagementModel, EngagementParams, LogisticModel, LogisticParams, decayed_counts,
    equal_points, roc_auc,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson};

// ---------------------------------------------------------------- sequence

/// Sorts patterns the way `prefixspan` returns them: support desc, length, ids.
fn sorted(mut v: Vec<Pattern>) -> Vec<Pattern> {
    v.sort_by(|a, b| {
        b.support
            .cmp(&a.support)
            .then(a.items.len().cmp(&b.items.len()))
            .then_with(|| a.items.cmp(&b.items))
    });
    v
}

fn pat(items: &str, support: usize) -> Pattern {
    // a=0 b=1 c=2 d=3 e=4 g=5
    let items = items.bytes().map(|c| u32::from(c - b'a').min(5)).collect();
    Pattern { items, support }
}

/// The database of Pei et al. (2001), each element reduced to its first item:
/// 10 <a(abc)(ac)d(cf)> → a a a d c; 20 <(ad)c(bc)(ae)> → a c b a;
/// 30 <(ef)(ab)(df)cb> → e a d c b; 40 <eg(af)cbc> → e g a c b c.
///
/// By hand, min_support = 2 (g occurs once and is dropped):
/// - length 1: a 4, b 3, c 4, d 2, e 2;
/// - length 2: aa 2 (S1 S2), ab 3 (S2 S3 S4), ac 4, ad 2 (S1 S3), cb 3 (S2 S3 S4),
///   dc 2 (S1 S3), ea 2, eb 2, ec 2 (S3 S4); not frequent: ba ca bc cc db ed (1 each);
/// - length 3: acb 3 (S2 S3 S4), adc 2 (S1 S3), eab 2, eac 2, ecb 2 (S3 S4); aaa aad aac
///   aba abc aca acc adb cba cbc dcb ead ebc ecc occur once;
/// - length 4: eacb 2 (S3 S4); acba acbc adcb eabc eacc ecbc occur once;
/// - length 5: none (eacbc only in S4).
fn pei_database() -> Vec<Vec<u32>> {
    vec![
        vec![0, 0, 0, 3, 2],
        vec![0, 2, 1, 0],
        vec![4, 0, 3, 2, 1],
        vec![4, 5, 0, 2, 1, 2],
    ]
}

#[test]
fn prefixspan_matches_the_hand_computed_pei_example() {
    let params = PrefixSpanParams::default()
        .min_support(MinSupport::Count(2))
        .max_pattern_len(10);
    let got = prefixspan(&pei_database(), &params).unwrap();
    let expected = sorted(vec![
        pat("a", 4),
        pat("b", 3),
        pat("c", 4),
        pat("d", 2),
        pat("e", 2),
        pat("aa", 2),
        pat("ab", 3),
        pat("ac", 4),
        pat("ad", 2),
        pat("cb", 3),
        pat("dc", 2),
        pat("ea", 2),
        pat("eb", 2),
        pat("ec", 2),
        pat("acb", 3),
        pat("adc", 2),
        pat("eab", 2),
        pat("eac", 2),
        pat("ecb", 2),
        pat("eacb", 2),
    ]);
    assert_eq!(got, expected);
    // The same with the support as a share (2 of 4 = 0.5), and capped at length 2.
    let short = prefixspan(
        &pei_database(),
        &PrefixSpanParams::default()
            .min_support(MinSupport::Share(0.5))
            .max_pattern_len(2),
    )
    .unwrap();
    let expected_short: Vec<Pattern> = expected
        .into_iter()
        .filter(|p| p.items.len() <= 2)
        .collect();
    assert_eq!(short, expected_short);
}

/// Independent containment check: recursive, gaps allowed.
fn brute_contains(seq: &[u32], pattern: &[u32]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((first, rest)) => match seq.iter().position(|x| x == first) {
            Some(i) => brute_contains(&seq[i + 1..], rest),
            None => false,
        },
    }
}

#[test]
fn prefixspan_equals_brute_force_on_random_databases() {
    let mut rng = SmallRng::seed_from_u64(5);
    for round in 0..30 {
        let n_items = 2 + round % 4;
        let n = 5 + rng.random_range(0..40);
        let db: Vec<Vec<u32>> = (0..n)
            .map(|_| {
                let len = rng.random_range(0..9);
                (0..len)
                    .map(|_| rng.random_range(0..n_items as u32))
                    .collect()
            })
            .collect();
        let min_count = 1 + rng.random_range(0..n / 3 + 1);
        let max_len = 1 + round % 4;
        let got = prefixspan(
            &db,
            &PrefixSpanParams::default()
                .min_support(MinSupport::Count(min_count))
                .max_pattern_len(max_len),
        )
        .unwrap();
        // Every pattern over the alphabet up to max_len, counted by brute force.
        let mut expected = Vec::new();
        let mut frontier: Vec<Vec<u32>> = vec![vec![]];
        for _ in 0..max_len {
            let mut next = Vec::new();
            for p in &frontier {
                for i in 0..n_items as u32 {
                    let mut q = p.clone();
                    q.push(i);
                    let support = db.iter().filter(|s| brute_contains(s, &q)).count();
                    if support >= min_count {
                        expected.push(Pattern {
                            items: q.clone(),
                            support,
                        });
                    }
                    next.push(q);
                }
            }
            frontier = next;
        }
        assert_eq!(got, sorted(expected), "round {round}");
    }
}

#[test]
fn conversion_rate_and_lift_arithmetic() {
    assert_eq!(conversion_lift(10, 4, 100, 20), (0.4, Some(2.0)));
    assert_eq!(conversion_lift(10, 0, 100, 0), (0.0, None));
    assert_eq!(conversion_lift(0, 0, 100, 10), (0.0, Some(0.0)));
    // On the Pei database with S1 and S3 converting (base rate 1/2):
    let outcomes = [true, false, true, false];
    let stats = prefixspan_with_outcomes(
        &pei_database(),
        &outcomes,
        &PrefixSpanParams::default().min_support(MinSupport::Count(2)),
    )
    .unwrap();
    let find = |items: &[u32]| stats.iter().find(|s| s.items == items).unwrap();
    let adc = find(&[0, 3, 2]); // S1, S3: both converted
    assert_eq!((adc.support, adc.converted), (2, 2));
    assert_eq!((adc.conversion_rate, adc.lift), (1.0, Some(2.0)));
    let cb = find(&[2, 1]); // S2, S3, S4: one converted
    assert_eq!((cb.support, cb.converted), (3, 1));
    assert!((cb.lift.unwrap() - (1.0 / 3.0) / 0.5).abs() < 1e-15);
    assert!(matches!(
        prefixspan_with_outcomes(&pei_database(), &[true], &PrefixSpanParams::default()),
        Err(Error::LengthMismatch { .. })
    ));
}

#[test]
fn prefixspan_rejects_bad_parameters() {
    let db = pei_database();
    let err = prefixspan(
        &db,
        &PrefixSpanParams::default().min_support(MinSupport::Share(1.5)),
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`min_support` must be a share in (0, 1], got 1.5"
    );
    assert!(prefixspan(&db, &PrefixSpanParams::default().max_pattern_len(0)).is_err());
    assert!(matches!(
        prefixspan(&[vec![u32::MAX]], &PrefixSpanParams::default()),
        Err(Error::OutOfRange { .. })
    ));
    // Empty database: no pattern, no error.
    let empty: Vec<Vec<u32>> = Vec::new();
    assert!(
        prefixspan(&empty, &PrefixSpanParams::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn markov_probabilities_on_a_hand_case() {
    // Counts: Start→0 2, Start→1 1; 0→0 1, 0→1 2; 1→End 3. With alpha = 1 and 3 targets
    // per row: P(0|Start) = 3/6, P(1|Start) = 2/6, P(End|Start) = 1/6; P(0|0) = 2/6,
    // P(1|0) = 3/6, P(End|0) = 1/6; P(0|1) = P(1|1) = 1/6, P(End|1) = 4/6.
    let seqs = vec![vec![0, 1], vec![0, 0, 1], vec![1]];
    let m = MarkovModel::fit(&seqs, 2, &MarkovParams::default()).unwrap();
    let p = |a, b| m.probability(a, b).unwrap();
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-15, "{a} vs {b}");
    close(p(State::Start, State::Event(0)), 3.0 / 6.0);
    close(p(State::Start, State::Event(1)), 2.0 / 6.0);
    close(p(State::Start, State::End), 1.0 / 6.0);
    close(p(State::Event(0), State::Event(0)), 2.0 / 6.0);
    close(p(State::Event(0), State::Event(1)), 3.0 / 6.0);
    close(p(State::Event(1), State::End), 4.0 / 6.0);
    assert_eq!(m.count(State::Event(0), State::Event(1)).unwrap(), 2);
    assert_eq!(m.most_likely_next(State::Start).unwrap(), State::Event(0));
    assert_eq!(
        m.most_likely_next(State::Event(0)).unwrap(),
        State::Event(1)
    );
    assert_eq!(m.most_likely_next(State::Event(1)).unwrap(), State::End);
    // Ignoring End, a tie between 0 and 1 goes to the lower id; renormalised to ½.
    assert_eq!(m.most_likely_next_event(State::Event(1)).unwrap(), (0, 0.5));
    let t = m.transition_matrix();
    assert_eq!((t.n_rows(), t.n_cols()), (3, 3));
    for r in 0..3 {
        close(t.row(r).unwrap().iter().sum(), 1.0);
    }
    close(t.get(1, 1).unwrap(), 3.0 / 6.0); // row 1 = event 0, column 1 = event 1
    // Errors, not panics.
    assert!(matches!(
        m.most_likely_next(State::Event(7)),
        Err(Error::OutOfRange { .. })
    ));
    assert!(m.most_likely_next(State::End).is_err());
    assert!(MarkovModel::fit(&[vec![3]], 2, &MarkovParams::default()).is_err());
    assert!(MarkovParams::default().alpha(-1.0).check().is_err());
    // Save/load.
    let loaded = MarkovModel::from_json(&m.to_json().unwrap()).unwrap();
    assert_eq!(loaded, m);
    let bad = m
        .to_json()
        .unwrap()
        .replace("\"format_version\": 1", "\"format_version\": 9");
    assert!(matches!(
        MarkovModel::from_json(&bad),
        Err(Error::FormatVersion { .. })
    ));
}

// ---------------------------------------------------------------- surge

const DAYS: usize = 365;

/// Poisson draws with a per-day rate.
fn poisson_series(rng: &mut SmallRng, rate: impl Fn(usize) -> f64) -> Vec<f64> {
    (0..DAYS)
        .map(|t| {
            let r = rate(t);
            if r <= 0.0 {
                0.0
            } else {
                Poisson::new(r).unwrap().sample(rng)
            }
        })
        .collect()
}

struct Account {
    total: Vec<f64>,
    pricing: Vec<f64>,
    contacts: Vec<f64>,
}

impl Account {
    fn signals(&self) -> [Signal<'_>; 3] {
        [
            Signal::new("total", &self.total),
            Signal::new("pricing", &self.pricing),
            Signal::new("contacts", &self.contacts),
        ]
    }
}

/// Steady activity: 3 events a day, a pricing view every 10 days, a new contact a month.
fn account(seed: u64, factor: impl Fn(usize) -> f64) -> Account {
    let mut rng = SmallRng::seed_from_u64(seed);
    Account {
        total: poisson_series(&mut rng, |t| 3.0 * factor(t)),
        pricing: poisson_series(&mut rng, |t| 0.1 * factor(t)),
        contacts: poisson_series(&mut rng, |t| 0.03 * factor(t)),
    }
}

const SURGE_START: usize = 250;

/// Steady, then from day 250 for five weeks: 3× the events, 15× the pricing views, 12× the
/// new contacts.
fn surging(seed: u64) -> Account {
    let mut rng = SmallRng::seed_from_u64(seed);
    let on = |t: usize| (SURGE_START..SURGE_START + 35).contains(&t);
    Account {
        total: poisson_series(&mut rng, |t| if on(t) { 9.0 } else { 3.0 }),
        pricing: poisson_series(&mut rng, |t| if on(t) { 1.5 } else { 0.1 }),
        contacts: poisson_series(&mut rng, |t| if on(t) { 0.4 } else { 0.03 }),
    }
}

#[test]
fn steady_poisson_activity_raises_no_alarm() {
    let params = SurgeParams::default();
    for seed in 0..30 {
        let a = account(seed, |_| 1.0);
        assert!(
            detect_surges(&a.signals(), &params).unwrap().is_empty(),
            "seed {seed}"
        );
        let vendor = intent_baseline(&a.total, &IntentBaselineParams::default()).unwrap();
        assert!(vendor.episodes.is_empty(), "seed {seed}");
    }
}

#[test]
fn slow_linear_growth_raises_no_alarm() {
    // Activity doubles over the year: 1× on day 0, 2× on day 364.
    let params = SurgeParams::default();
    for seed in 0..20 {
        let a = account(100 + seed, |t| 1.0 + t as f64 / (DAYS - 1) as f64);
        assert!(
            detect_surges(&a.signals(), &params).unwrap().is_empty(),
            "seed {seed}"
        );
        let vendor = intent_baseline(&a.total, &IntentBaselineParams::default()).unwrap();
        assert!(vendor.episodes.is_empty(), "seed {seed}");
    }
}

#[test]
fn one_isolated_spike_raises_no_alarm_but_fools_the_vendor_baseline() {
    let params = SurgeParams::default();
    for seed in 0..20 {
        let mut a = account(200 + seed, |_| 1.0);
        // A webinar day: 100 events, 10 pricing views, 5 new contacts — then back to normal.
        a.total[200] += 100.0;
        a.pricing[200] += 10.0;
        a.contacts[200] += 5.0;
        assert!(
            detect_surges(&a.signals(), &params).unwrap().is_empty(),
            "seed {seed}"
        );
        // The 3-weeks-vs-12-weeks ratio keeps the spike for three weeks and flags it.
        let vendor = intent_baseline(&a.total, &IntentBaselineParams::default()).unwrap();
        assert_eq!(vendor.episodes.len(), 1, "seed {seed}");
        assert_eq!(vendor.episodes[0].start_day, 200);
    }
}

#[test]
fn a_real_multi_week_surge_is_detected_near_its_start() {
    let params = SurgeParams::default();
    for seed in 0..20 {
        let a = surging(300 + seed);
        let episodes = detect_surges(&a.signals(), &params).unwrap();
        assert_eq!(episodes.len(), 1, "seed {seed}: {episodes:?}");
        let e = &episodes[0];
        assert!(
            (SURGE_START..=SURGE_START + 8).contains(&e.start_day),
            "seed {seed}: start {}",
            e.start_day
        );
        assert!(e.signals.contains(&"pricing".to_string()), "seed {seed}");
        assert!(e.peak_score >= params.z_threshold);
        assert!(e.end_day >= e.peak_day && e.peak_day >= e.start_day);
        // The vendor baseline on the same total series finds it too, typically later.
        let vendor = intent_baseline(&a.total, &IntentBaselineParams::default()).unwrap();
        assert_eq!(vendor.episodes.len(), 1, "seed {seed}");
        let v = vendor.episodes[0].start_day;
        assert!(
            (SURGE_START..SURGE_START + 21).contains(&v),
            "seed {seed}: {v}"
        );
    }
}

#[test]
fn cusum_detects_the_surge_and_stays_quiet_on_steady_activity() {
    let params = SurgeParams::default().method(SurgeMethod::Cusum);
    for seed in 0..10 {
        let a = account(400 + seed, |_| 1.0);
        assert!(
            detect_surges(&a.signals(), &params).unwrap().is_empty(),
            "seed {seed}"
        );
        let s = surging(500 + seed);
        let episodes = detect_surges(&s.signals(), &params).unwrap();
        assert_eq!(episodes.len(), 1, "seed {seed}: {episodes:?}");
        // CUSUM accumulates evidence day by day, so it starts later than the window z-score.
        let start = episodes[0].start_day;
        assert!(
            (SURGE_START..=SURGE_START + 14).contains(&start),
            "seed {seed}: {start}"
        );
    }
}

#[test]
fn the_combination_of_signals_is_configurable() {
    // Only the total surges: a surge of one signal alone does not count by default …
    let mut rng = SmallRng::seed_from_u64(9);
    let a = account(600, |_| 1.0);
    let total = poisson_series(&mut rng, |t| {
        if (SURGE_START..SURGE_START + 35).contains(&t) {
            9.0
        } else {
            3.0
        }
    });
    let signals = [
        Signal::new("total", &total),
        Signal::new("pricing", &a.pricing),
        Signal::new("contacts", &a.contacts),
    ];
    assert!(
        detect_surges(&signals, &SurgeParams::default())
            .unwrap()
            .is_empty()
    );
    // … but does with `min_signals = 1` …
    let one = SurgeParams::default().min_signals(1);
    let episodes = detect_surges(&signals, &one).unwrap();
    assert_eq!(episodes.len(), 1);
    assert_eq!(episodes[0].signals, ["total"]);
    // … and not when pricing views are required.
    let need_pricing = one.required_signals(vec!["pricing".into()]);
    assert!(detect_surges(&signals, &need_pricing).unwrap().is_empty());
}

#[test]
fn near_silent_accounts_do_not_alarm_on_two_events() {
    let mut quiet = vec![0.0; DAYS];
    quiet[300] = 1.0;
    quiet[305] = 1.0;
    let scores = signal_scores(&quiet, &SurgeParams::default()).unwrap();
    assert!(scores.fired.iter().all(|f| !f));
    assert!(scores.score[..103].iter().all(Option::is_none));
    assert!(scores.score[103..].iter().all(Option::is_some));
    let params = SurgeParams::default().min_signals(1);
    assert!(
        detect_surges(&[Signal::new("total", &quiet)], &params)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn surge_parameters_and_inputs_are_checked() {
    let err = SurgeParams::default().baseline_days(3).check().unwrap_err();
    assert_eq!(err.to_string(), "`baseline_days` must be ≥ 14, got 3");
    let err = SurgeParams::default().window_days(0).check().unwrap_err();
    assert_eq!(err.to_string(), "`window_days` must be ≥ 1, got 0");
    assert!(
        SurgeParams::default()
            .z_threshold(f64::NAN)
            .check()
            .is_err()
    );
    assert!(SurgeParams::default().trim_days(14).check().is_err());
    assert!(
        IntentBaselineParams::default()
            .recent_days(0)
            .check()
            .is_err()
    );
    let a = account(1, |_| 1.0);
    let mut bad = a.total.clone();
    bad[7] = f64::NAN;
    assert_eq!(
        detect_surges(
            &[Signal::new("total", &bad), Signal::new("p", &a.pricing)],
            &SurgeParams::default()
        ),
        Err(Error::NonFinite { index: 7 })
    );
    bad[7] = -1.0;
    assert!(matches!(
        signal_scores(&bad, &SurgeParams::default()),
        Err(Error::Negative { index: 7, .. })
    ));
    let short = &a.pricing[..100];
    assert!(matches!(
        detect_surges(
            &[Signal::new("total", &a.total), Signal::new("p", short)],
            &SurgeParams::default()
        ),
        Err(Error::LengthMismatch { .. })
    ));
    let params = SurgeParams::default().required_signals(vec!["demo".into()]);
    assert_eq!(
        detect_surges(&a.signals(), &params),
        Err(Error::UnknownSignal {
            name: "demo".into()
        })
    );
    assert!(detect_surges(&a.signals()[..1], &SurgeParams::default()).is_err());
    assert!(detect_surges(&[], &SurgeParams::default()).is_err());
}

// ---------------------------------------------------------------- weights

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn logistic_regression_recovers_planted_coefficients() {
    let truth = [0.8, -0.5, 0.0, 0.3];
    let intercept = -1.0;
    let mut rng = SmallRng::seed_from_u64(42);
    let n = 20_000;
    let mut data = Vec::with_capacity(n * 4);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row = [
            rng.random_range(0.0..3.0),
            rng.random_range(0.0..4.0),
            rng.random_range(-1.0..1.0),
            rng.random_range(0.0..5.0),
        ];
        let eta = intercept + row.iter().zip(truth).map(|(x, b)| x * b).sum::<f64>();
        y.push(rng.random::<f64>() < sigmoid(eta));
        data.extend(row);
    }
    let x = Matrix::new(data, n, 4).unwrap();
    let model = LogisticModel::fit(&x, &y, &LogisticParams::default().c(1e4)).unwrap();
    assert!(model.converged());
    for (got, want) in model.coef().iter().zip(truth) {
        assert!((got - want).abs() < 0.08, "{:?} vs {truth:?}", model.coef());
    }
    assert!(
        (model.intercept() - intercept).abs() < 0.15,
        "{}",
        model.intercept()
    );
    // Standardised and original units agree: coef = coef_std / scale.
    let (mean, scale) = model.standardisation();
    for ((c, cs), sc) in model.coef().iter().zip(model.coef_std()).zip(scale) {
        assert!((c - cs / sc).abs() < 1e-12);
    }
    let back = model.intercept_std() - (0..4).map(|j| model.coef()[j] * mean[j]).sum::<f64>();
    assert!((back - model.intercept()).abs() < 1e-9);
    // Same data → same model; save/load → same predictions.
    let again = LogisticModel::fit(&x, &y, &LogisticParams::default().c(1e4)).unwrap();
    assert_eq!(again, model);
    let loaded = LogisticModel::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(
        loaded.predict_proba(&x).unwrap(),
        model.predict_proba(&x).unwrap()
    );
}

#[test]
fn logistic_regression_on_a_hand_checked_tiny_case() {
    // x = 0: 1 of 4 converted; x = 1: 3 of 4. Unpenalised optimum: intercept = logit(¼) =
    // −ln 3, coefficient = logit(¾) − logit(¼) = 2 ln 3. Standardised (mean ½, sd ½):
    // coef_std = ln 3, intercept_std = 0.
    let x = Matrix::new(vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], 8, 1).unwrap();
    let y = [true, false, false, false, true, true, true, false];
    let m = LogisticModel::fit(&x, &y, &LogisticParams::default().c(1e9)).unwrap();
    let ln3 = 3f64.ln();
    assert!((m.intercept() + ln3).abs() < 1e-6, "{}", m.intercept());
    assert!((m.coef()[0] - 2.0 * ln3).abs() < 1e-6);
    assert!((m.coef_std()[0] - ln3).abs() < 1e-6);
    assert!(m.intercept_std().abs() < 1e-6);
    // With c = 1 the penalty shrinks the coefficient; at the optimum the gradient vanishes:
    // Σ (p − y) = 0 (intercept) and Σ (p − y)·z + w/c = 0 (z the standardised feature).
    let m = LogisticModel::fit(&x, &y, &LogisticParams::default()).unwrap();
    assert!(m.coef()[0] > 0.0 && m.coef()[0] < 2.0 * ln3);
    let p = m.predict_proba(&x).unwrap();
    let r: Vec<f64> = p
        .iter()
        .zip(y)
        .map(|(p, y)| p - f64::from(u8::from(y)))
        .collect();
    let z: Vec<f64> = (0..8).map(|i| if i < 4 { -1.0 } else { 1.0 }).collect();
    assert!(r.iter().sum::<f64>().abs() < 1e-9);
    let g: f64 = r.iter().zip(&z).map(|(a, b)| a * b).sum::<f64>() + m.coef_std()[0];
    assert!(g.abs() < 1e-9, "{g}");
}

#[test]
fn logistic_regression_errors_are_typed() {
    let x = Matrix::new(vec![0.0, 1.0, 2.0, 3.0], 2, 2).unwrap();
    let m = LogisticModel::fit(&x, &[true, false], &LogisticParams::default()).unwrap();
    let wrong = Matrix::new(vec![1.0, 2.0, 3.0], 1, 3).unwrap();
    assert_eq!(
        m.predict_proba(&wrong),
        Err(Error::FeatureCount {
            expected: 2,
            found: 3
        })
    );
    let nan = Matrix::new(vec![1.0, f64::NAN], 1, 2).unwrap();
    assert_eq!(m.predict_proba(&nan), Err(Error::NonFinite { index: 1 }));
    assert!(matches!(
        LogisticModel::fit(&x, &[true, true], &LogisticParams::default()),
        Err(Error::OneClass { .. })
    ));
    assert!(matches!(
        LogisticModel::fit(&x, &[true], &LogisticParams::default()),
        Err(Error::TargetLength { .. })
    ));
    assert!(LogisticParams::default().c(0.0).check().is_err());
    let json = m
        .to_json()
        .unwrap()
        .replace("\"format_version\": 1", "\"format_version\": 2");
    assert!(matches!(
        LogisticModel::from_json(&json),
        Err(Error::FormatVersion { .. })
    ));
}

const N_TYPES: usize = 5;

/// Accounts with Poisson counts per event type, ages uniform over 120 days, and outcomes
/// drawn from planted log-odds per decayed event: types differ in value (type 0 is frequent
/// and worthless, type 3 rare and valuable, type 4 — support tickets — negative).
fn engagement_fixture(seed: u64, n: usize) -> (Vec<Vec<AccountEvent>>, Vec<bool>) {
    let rates = [6.0, 3.0, 1.0, 0.5, 1.0];
    let weights = [0.0, 0.1, 0.6, 1.2, -0.5];
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut accounts = Vec::with_capacity(n);
    let mut outcomes = Vec::with_capacity(n);
    for _ in 0..n {
        let activity: f64 = rng.random_range(0.2..2.0);
        let mut events = Vec::new();
        let mut eta = -2.0;
        for t in 0..N_TYPES {
            let k = Poisson::new(rates[t] * activity).unwrap().sample(&mut rng) as usize;
            for _ in 0..k {
                let age: f64 = rng.random_range(0.0..120.0);
                eta += weights[t] * 0.5f64.powf(age / 30.0);
                events.push(AccountEvent {
                    event_type: t as u32,
                    age_days: age,
                });
            }
        }
        outcomes.push(rng.random::<f64>() < sigmoid(eta));
        accounts.push(events);
    }
    (accounts, outcomes)
}

#[test]
fn learned_engagement_ranks_converters_better_than_equal_points() {
    let names: Vec<String> = ["newsletter", "webinar", "pricing", "demo", "ticket"]
        .map(String::from)
        .to_vec();
    let params = EngagementParams::default();
    let (train_events, train_y) = engagement_fixture(1, 8000);
    let (test_events, test_y) = engagement_fixture(2, 4000);
    let x = decayed_counts(&train_events, N_TYPES, params.half_life_days).unwrap();
    let model = EngagementModel::fit(names, &x, &train_y, &params).unwrap();
    let w = model.weights();
    assert!(w[3] > w[2] && w[2] > w[1] && w[4] < 0.0, "{w:?}");
    let table = model.weight_table();
    assert_eq!(table[3].event_type, "demo");
    let xt = decayed_counts(&test_events, N_TYPES, params.half_life_days).unwrap();
    let learned = roc_auc(&model.score(&xt).unwrap(), &test_y).unwrap();
    let naive = roc_auc(&equal_points(&xt).unwrap(), &test_y).unwrap();
    assert!(
        learned >= naive + 0.03,
        "learned {learned:.3} vs equal points {naive:.3}"
    );
    // Scores are percentiles of the training distribution: within 0–100, monotone in the
    // weighted sum, and about uniform on the training rows.
    let scores = model.score(&x).unwrap();
    let sums = model.weighted_sum(&x).unwrap();
    assert!(scores.iter().all(|s| (0.0..=100.0).contains(s)));
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| sums[a].total_cmp(&sums[b]));
    assert!(order.windows(2).all(|p| scores[p[0]] <= scores[p[1]]));
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert!((mean - 50.0).abs() < 1.0, "{mean}");
    // Save/load → same scores; wrong width → typed error.
    let loaded = EngagementModel::from_json(&model.to_json().unwrap()).unwrap();
    assert_eq!(loaded.score(&xt).unwrap(), model.score(&xt).unwrap());
    let narrow = Matrix::new(vec![1.0; 4], 1, 4).unwrap();
    assert!(matches!(
        model.score(&narrow),
        Err(Error::FeatureCount { .. })
    ));
}

#[test]
fn decayed_counts_halve_per_half_life() {
    let ev = |event_type, age_days| AccountEvent {
        event_type,
        age_days,
    };
    let accounts = vec![vec![ev(0, 0.0), ev(0, 30.0), ev(1, 60.0)], vec![]];
    let x = decayed_counts(&accounts, 2, 30.0).unwrap();
    assert!((x.get(0, 0).unwrap() - 1.5).abs() < 1e-12);
    assert!((x.get(0, 1).unwrap() - 0.25).abs() < 1e-12);
    assert_eq!(x.row(1).unwrap(), &[0.0, 0.0]);
    assert!(matches!(
        decayed_counts(&[vec![ev(0, -1.0)]], 2, 30.0),
        Err(Error::Negative { .. })
    ));
    assert!(matches!(
        decayed_counts(&[vec![ev(2, 1.0)]], 2, 30.0),
        Err(Error::OutOfRange { .. })
    ));
    assert!(decayed_counts(&accounts, 2, 0.0).is_err());
}

#[test]
fn roc_auc_equals_a_brute_force_pair_count_with_ties() {
    let mut rng = SmallRng::seed_from_u64(3);
    for _ in 0..20 {
        let n = rng.random_range(2..200);
        let scores: Vec<f64> = (0..n)
            .map(|_| f64::from(rng.random_range(0..8u8)) / 4.0)
            .collect();
        let mut labels: Vec<bool> = (0..n).map(|_| rng.random::<bool>()).collect();
        labels[0] = true;
        labels[1] = false;
        let mut pairs = 0.0;
        let mut wins = 0.0;
        for i in 0..n {
            for j in 0..n {
                if labels[i] && !labels[j] {
                    pairs += 1.0;
                    if scores[i] > scores[j] {
                        wins += 1.0;
                    } else if scores[i] == scores[j] {
                        wins += 0.5;
                    }
                }
            }
        }
        let auc = roc_auc(&scores, &labels).unwrap();
        assert!((auc - wins / pairs).abs() < 1e-12);
    }
    assert_eq!(roc_auc(&[1.0, 2.0], &[false, true]).unwrap(), 1.0);
    assert_eq!(roc_auc(&[1.0, 1.0], &[false, true]).unwrap(), 0.5);
    assert!(matches!(
        roc_auc(&[1.0], &[true]),
        Err(Error::OneClass { .. })
    ));
    assert_eq!(
        roc_auc(&[f64::NAN, 1.0], &[true, false]),
        Err(Error::NonFinite { index: 0 })
    );
    assert!(matches!(
        roc_auc(&[1.0], &[true, false]),
        Err(Error::LengthMismatch { .. })
    ));
}
