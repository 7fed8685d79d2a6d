//! Lifetime-value models: known answers (the CDNOW figures of Fader, Hardie & Lee when
//! `ICP_CDNOW_CSV` points at the export of `bench/clv.sh`; predictions of `lifetimes`
//! 0.11.3 at the paper's parameters), recovery of known parameters from data simulated by
//! the models' own generative processes, a hand-computed and a textbook Kaplan–Meier table,
//! invariants, typed input errors and save/load.

use icp_ml::Error;
use icp_ml::clv::{
    BgNbd, BgNbdParams, GammaGamma, GammaGammaParams, KaplanMeier, Rfm, Spend, subscription_ltv,
    transaction_ltv,
};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Exp, Gamma};

fn rfm(frequency: f64, recency: f64, age: f64) -> Rfm {
    Rfm {
        frequency,
        recency,
        age,
    }
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs()
}

fn paper_bgnbd() -> BgNbd {
    BgNbd::from_parameters(0.243, 4.414, 0.793, 2.426).unwrap()
}

// ---------------------------------------------------------------- CDNOW (opt-in)

/// Reads the CSV that `bench/clv.sh` exports (frequency, recency, T, monetary_value).
fn read_cdnow(path: &str) -> (Vec<Rfm>, Vec<Spend>) {
    let text = std::fs::read_to_string(path).expect("ICP_CDNOW_CSV is readable");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |n: &str| header.iter().position(|h| h.trim() == n).unwrap();
    let (f, r, t, m) = (
        col("frequency"),
        col("recency"),
        col("T"),
        col("monetary_value"),
    );
    let (mut customers, mut spend) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.trim().is_empty()) {
        let v: Vec<f64> = line.split(',').map(|s| s.trim().parse().unwrap()).collect();
        customers.push(rfm(v[f], v[r], v[t]));
        spend.push(Spend {
            frequency: v[f],
            monetary_value: v[m],
        });
    }
    (customers, spend)
}

#[test]
fn cdnow_matches_fader_hardie_lee_within_one_percent() {
    let Ok(path) = std::env::var("ICP_CDNOW_CSV") else {
        println!("skipped: set ICP_CDNOW_CSV to the CDNOW summary exported by bench/clv.sh");
        return;
    };
    let (customers, spend) = read_cdnow(&path);
    assert_eq!(customers.len(), 2357);

    let bg = BgNbd::fit(&BgNbdParams::default(), &customers).unwrap();
    let ll = bg.fit_report().unwrap().log_likelihood;
    for (name, ours, paper) in [
        ("r", bg.r(), 0.243),
        ("alpha", bg.alpha(), 4.414),
        ("a", bg.a(), 0.793),
        ("b", bg.b(), 2.426),
        ("log-likelihood", ll, -9582.4),
    ] {
        assert!(
            rel(ours, paper) < 0.01,
            "{name}: ours {ours}, paper {paper}"
        );
    }

    let gg = GammaGamma::fit(&GammaGammaParams::default(), &spend).unwrap();
    assert_eq!(gg.fit_report().unwrap().n_customers, 946);
    for (name, ours, paper) in [
        ("p", gg.p(), 6.25),
        ("q", gg.q(), 3.74),
        ("gamma", gg.gamma(), 15.44),
    ] {
        assert!(
            rel(ours, paper) < 0.01,
            "{name}: ours {ours}, paper {paper}"
        );
    }
}

// ---------------------------------------------------------------- golden predictions

/// Values from `lifetimes` 0.11.3 (`BetaGeoFitter` with `params_` set to the paper's
/// r = 0.243, α = 4.414, a = 0.793, b = 2.426; `GammaGammaFitter` with p = 6.25, q = 3.74,
/// v = 15.44). The first row is the paper's worked example (x = 2, tₓ = 30.43, T = 38.86:
/// 1.226 purchases expected in the next 39 weeks).
#[test]
fn predictions_match_lifetimes_at_the_papers_parameters() {
    let model = paper_bgnbd();
    let cases = [
        // (t, x, tx, T, expected purchases, P(alive))
        (
            39.0,
            2.0,
            30.43,
            38.86,
            1.226028174767135,
            0.726578570080673,
        ),
        (
            39.0,
            1.0,
            1.71,
            38.86,
            0.20318698707975183,
            0.2121009853773791,
        ),
        (39.0, 0.0, 0.0, 38.86, 0.19509805201125396, 1.0),
        (
            1000.0,
            20.0,
            30.43,
            38.86,
            24.221703362603577,
            0.2517059258261493,
        ),
        (
            52.0,
            29.0,
            38.43,
            38.86,
            24.609664119969548,
            0.9662746336193763,
        ),
    ];
    for (t, x, tx, age, want_e, want_alive) in cases {
        let c = [rfm(x, tx, age)];
        let e = model.expected_purchases(t, &c).unwrap()[0];
        let alive = model.p_alive(&c).unwrap()[0];
        assert!(rel(e, want_e) < 1e-9, "x={x}: E = {e}, lifetimes {want_e}");
        assert!(
            rel(alive, want_alive) < 1e-12,
            "x={x}: P(alive) = {alive}, lifetimes {want_alive}"
        );
    }
    let new39 = model.expected_purchases_new(39.0).unwrap();
    let new78 = model.expected_purchases_new(78.0).unwrap();
    assert!(rel(new39, 1.1967231933207985) < 1e-9, "{new39}");
    assert!(rel(new78, 1.8605190579427455) < 1e-9, "{new78}");

    let gg = GammaGamma::from_parameters(6.25, 3.74, 15.44).unwrap();
    let s = [
        Spend {
            frequency: 2.0,
            monetary_value: 22.35,
        },
        Spend {
            frequency: 0.0,
            monetary_value: 0.0,
        },
    ];
    let e = gg.expected_average_spend(&s).unwrap();
    assert!(rel(e[0], 24.663713910761157) < 1e-12, "{}", e[0]);
    assert!(rel(e[1], 35.21897810218978) < 1e-12, "{}", e[1]);
}

#[test]
fn expected_purchases_is_smooth_across_a_equal_to_one() {
    // The closed form divides by a − 1; the limit at a = 1 must sit between its neighbours.
    let c = [rfm(3.0, 20.0, 30.0)];
    let at = |a: f64| {
        BgNbd::from_parameters(0.5, 5.0, a, 2.5)
            .unwrap()
            .expected_purchases(26.0, &c)
            .unwrap()[0]
    };
    let (lo, mid, hi) = (at(0.999), at(1.0), at(1.001));
    assert!(mid.is_finite());
    assert!((mid - 0.5 * (lo + hi)).abs() < 1e-6, "{lo} {mid} {hi}");
}

// ---------------------------------------------------------------- simulation recovery

/// Simulates BG/NBD customers: λ ~ Gamma(r, rate α), p ~ Beta(a, b); purchases at rate λ
/// from time 0 (the first purchase, not counted); after each repeat purchase the customer
/// drops out with probability p. Ages T spread over 26–52 periods.
fn simulate_bgnbd(n: usize, r: f64, alpha: f64, a: f64, b: f64, seed: u64) -> Vec<Rfm> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let rates = Gamma::new(r, 1.0 / alpha).unwrap();
    let dropout = Beta::new(a, b).unwrap();
    (0..n)
        .map(|_| {
            let lambda: f64 = rates.sample(&mut rng);
            let p: f64 = dropout.sample(&mut rng);
            let age = 26.0 + 26.0 * rng.random::<f64>();
            let gaps = Exp::new(lambda).unwrap();
            let (mut t, mut x, mut tx) = (0.0, 0.0, 0.0);
            loop {
                t += gaps.sample(&mut rng);
                if t > age {
                    break;
                }
                x += 1.0;
                tx = t;
                if rng.random::<f64>() < p {
                    break;
                }
            }
            rfm(x, tx, age)
        })
        .collect()
}

#[test]
fn bgnbd_recovers_simulated_parameters() {
    let (r, alpha, a, b) = (0.5, 4.0, 0.8, 2.5);
    // Sampling error at 20,000 customers (6 seeds checked): about 2% on r and α, 5% on a,
    // 8% on b.
    let data = simulate_bgnbd(20_000, r, alpha, a, b, 11);
    let model = BgNbd::fit(&BgNbdParams::default(), &data).unwrap();
    let report = model.fit_report().unwrap();
    assert!(report.converged);
    for (name, got, want, tol) in [
        ("r", model.r(), r, 0.08),
        ("alpha", model.alpha(), alpha, 0.10),
        ("a", model.a(), a, 0.15),
        ("b", model.b(), b, 0.20),
    ] {
        assert!(rel(got, want) < tol, "{name}: fitted {got}, true {want}");
    }
    // The estimate is at least as likely as the truth (it is the maximum).
    let truth = BgNbd::from_parameters(r, alpha, a, b).unwrap();
    assert!(report.log_likelihood >= truth.log_likelihood(&data).unwrap() - 1e-6);
    // Same data, same model.
    assert_eq!(BgNbd::fit(&BgNbdParams::default(), &data).unwrap(), model);
}

#[test]
fn gamma_gamma_recovers_simulated_parameters() {
    let (p, q, gamma) = (6.0, 4.0, 15.0);
    let mut rng = SmallRng::seed_from_u64(5);
    let nu = Gamma::new(q, 1.0 / gamma).unwrap();
    let data: Vec<Spend> = (0..30_000)
        .map(|_| {
            let scale = 1.0 / nu.sample(&mut rng);
            let spend = Gamma::new(p, scale).unwrap();
            let x = rng.random_range(1..=8);
            let total: f64 = (0..x).map(|_| spend.sample(&mut rng)).sum();
            Spend {
                frequency: x as f64,
                monetary_value: total / x as f64,
            }
        })
        .collect();
    let model = GammaGamma::fit(&GammaGammaParams::default(), &data).unwrap();
    let report = model.fit_report().unwrap();
    assert!(report.converged);
    // p and γ trade off against each other; at 30,000 customers their sampling error is
    // about 3% (5 seeds checked), so 10% is a wide margin.
    for (name, got, want, tol) in [
        ("p", model.p(), p, 0.10),
        ("q", model.q(), q, 0.06),
        ("gamma", model.gamma(), gamma, 0.10),
    ] {
        assert!(rel(got, want) < tol, "{name}: fitted {got}, true {want}");
    }
    let truth = GammaGamma::from_parameters(p, q, gamma).unwrap();
    assert!(report.log_likelihood >= truth.log_likelihood(&data).unwrap() - 1e-6);
    // The population mean spend pγ/(q−1) = 30 is better determined than the parameters.
    assert!(rel(model.population_mean_spend(), 30.0) < 0.03);
}

// ---------------------------------------------------------------- invariants

#[test]
fn p_alive_is_a_probability_and_one_without_repeat_purchases() {
    let model = paper_bgnbd();
    let data = simulate_bgnbd(2_000, 0.243, 4.414, 0.793, 2.426, 3);
    let alive = model.p_alive(&data).unwrap();
    for (c, p) in data.iter().zip(&alive) {
        assert!((0.0..=1.0).contains(p), "{c:?}: {p}");
        if c.frequency == 0.0 {
            assert_eq!(*p, 1.0);
        } else {
            assert!(*p < 1.0);
        }
    }
    // A longer silence since the last purchase lowers P(alive); with the same silence,
    // more purchases raise it.
    let by_recency = model
        .p_alive(&[
            rfm(3.0, 35.0, 39.0),
            rfm(3.0, 20.0, 39.0),
            rfm(3.0, 5.0, 39.0),
        ])
        .unwrap();
    assert!(by_recency[0] > by_recency[1] && by_recency[1] > by_recency[2]);
    // Extreme inputs stay finite and in range.
    let extreme = model
        .p_alive(&[rfm(500.0, 1.0, 1000.0), rfm(500.0, 1000.0, 1000.0)])
        .unwrap();
    assert!(extreme.iter().all(|p| (0.0..=1.0).contains(p)));
}

#[test]
fn expected_purchases_start_at_zero_and_grow_with_the_horizon() {
    let model = paper_bgnbd();
    let customers = [
        rfm(0.0, 0.0, 38.86),
        rfm(2.0, 30.43, 38.86),
        rfm(1.0, 1.71, 38.86),
        rfm(29.0, 38.43, 38.86),
    ];
    assert!(
        model
            .expected_purchases(0.0, &customers)
            .unwrap()
            .iter()
            .all(|&e| e == 0.0)
    );
    let mut previous = vec![0.0; customers.len()];
    for t in [1.0, 5.0, 13.0, 39.0, 104.0, 520.0] {
        let e = model.expected_purchases(t, &customers).unwrap();
        for (k, (now, before)) in e.iter().zip(&previous).enumerate() {
            assert!(
                now.is_finite() && now > before,
                "customer {k}, t = {t}: {now} ≤ {before}"
            );
        }
        previous = e;
    }
    let too_long = model.expected_purchases(1e9, &customers).unwrap_err();
    assert!(
        matches!(too_long, Error::InvalidParameter { name: "t", .. }),
        "{too_long}"
    );
    let mut before = 0.0;
    for t in [1.0, 10.0, 100.0] {
        let e = model.expected_purchases_new(t).unwrap();
        assert!(e > before);
        before = e;
    }
}

// ---------------------------------------------------------------- Kaplan–Meier

#[test]
fn kaplan_meier_hand_computed_ten_subjects() {
    // Tenure in months; false = still active (censored).
    let durations = [1.0, 2.0, 3.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0];
    let events = [
        true, false, true, true, false, true, false, true, false, true,
    ];
    let km = KaplanMeier::fit(&durations, &events).unwrap();
    // S(1) = 9/10; S(3) = 0.9·6/8; S(5) = 0.675·4/5; S(7) = 0.54·2/3; S(9) = 0.
    let want = [
        (1.0, 0.9),
        (3.0, 0.675),
        (5.0, 0.54),
        (7.0, 0.36),
        (9.0, 0.0),
    ];
    for (t, s) in want {
        assert!(
            (km.survival(t) - s).abs() < 1e-12,
            "S({t}) = {}",
            km.survival(t)
        );
    }
    assert_eq!(km.survival(0.5), 1.0);
    assert_eq!(km.survival(2.9), 0.9);
    let at3 = km.table().iter().find(|s| s.time == 3.0).unwrap();
    assert_eq!((at3.at_risk, at3.events, at3.censored), (8, 2, 0));
    assert_eq!(km.table().len(), 9);
    assert_eq!(km.median(), Some(7.0));
    // ∫₀¹⁰ S = 1 + 0.9·2 + 0.675·2 + 0.54·2 + 0.36·2 + 0 = 5.95.
    assert!((km.restricted_mean(10.0).unwrap() - 5.95).abs() < 1e-12);
    assert!((km.restricted_mean(2.0).unwrap() - 1.9).abs() < 1e-12);
    // Active at month 3, next 4 months: (0.675·2 + 0.54·2) / 0.675 = 3.6.
    let remaining = km.restricted_mean_remaining(3.0, 4.0).unwrap();
    assert!((remaining - 3.6).abs() < 1e-12, "{remaining}");
    let ltv = subscription_ltv(&km, &[100.0, 50.0], &[3.0, 9.0], 4.0).unwrap();
    assert!((ltv[0] - 360.0).abs() < 1e-9);
    assert_eq!(ltv[1], 0.0); // the curve is at 0 by month 9
}

#[test]
fn kaplan_meier_matches_the_textbook_leukaemia_table() {
    // Freireich et al. (1963), 6-MP group, as tabulated by Kleinbaum & Klein, "Survival
    // Analysis" (weeks of remission; false = censored).
    let events_at = [6.0, 6.0, 6.0, 7.0, 10.0, 13.0, 16.0, 22.0, 23.0];
    let censored_at = [
        6.0, 9.0, 10.0, 11.0, 17.0, 19.0, 20.0, 25.0, 32.0, 32.0, 34.0, 35.0,
    ];
    let durations: Vec<f64> = events_at.iter().chain(&censored_at).copied().collect();
    let events: Vec<bool> = (0..durations.len()).map(|i| i < events_at.len()).collect();
    let km = KaplanMeier::fit(&durations, &events).unwrap();
    let published = [
        (6.0, 21, 0.857),
        (7.0, 17, 0.807),
        (10.0, 15, 0.753),
        (13.0, 12, 0.690),
        (16.0, 11, 0.627),
        (22.0, 7, 0.538),
        (23.0, 6, 0.448),
    ];
    for (t, at_risk, s) in published {
        let step = km.table().iter().find(|st| st.time == t).unwrap();
        assert_eq!(step.at_risk, at_risk, "t = {t}");
        assert!(
            (step.survival - s).abs() < 5e-4,
            "S({t}) = {}",
            step.survival
        );
    }
    // Greenwood standard error at 6 weeks: 0.857 · sqrt(3 / (21 · 18)) = 0.076.
    assert!((km.table()[0].std_error - 0.0764).abs() < 5e-4);
    assert_eq!(km.median(), Some(23.0));
    assert_eq!(km.n_subjects(), 21);
    // Censored last observation: the curve is carried flat beyond it.
    assert_eq!(km.survival(100.0), km.survival(35.0));
    assert_eq!(km.tail_hazard(), 0.0);
}

#[test]
fn the_exponential_tail_recovers_a_constant_hazard_beyond_the_data() {
    // Lives drawn from Exp(λ = 0.05 per month), observed for at most 24 months.
    let lambda = 0.05;
    let mut state = 7u64;
    let mut uniform = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    };
    let lives: Vec<f64> = (0..20_000).map(|_| -uniform().ln() / lambda).collect();
    let durations: Vec<f64> = lives.iter().map(|&l| l.min(24.0)).collect();
    let events: Vec<bool> = lives.iter().map(|&l| l < 24.0).collect();
    let flat = KaplanMeier::fit(&durations, &events).unwrap();
    let km = KaplanMeier::fit_with_exponential_tail(&durations, &events).unwrap();
    assert!(
        (km.tail_hazard() - lambda).abs() < 0.003,
        "λ̂ = {}",
        km.tail_hazard()
    );
    // Within the data both curves are the same step function.
    assert_eq!(km.survival(12.0), flat.survival(12.0));
    // Beyond it the tail follows e^(−λt); the flat curve stays at S(24).
    let truth = |t: f64| (-lambda * t).exp();
    assert!((km.survival(48.0) - truth(48.0)).abs() < 0.01);
    assert!((flat.survival(48.0) - truth(24.0)).abs() < 0.01);
    // Restricted mean remaining life over 36 months at tenure 20: (1 − e^(−36λ)) / λ for a
    // memoryless life, whatever the tenure.
    let want = (1.0 - (-36.0 * lambda).exp()) / lambda;
    let got = km.restricted_mean_remaining(20.0, 36.0).unwrap();
    assert!((got - want).abs() / want < 0.02, "{got} vs {want}");
    assert!(flat.restricted_mean_remaining(20.0, 36.0).unwrap() > want * 1.15);
    // The median of Exp(λ) is ln 2 / λ ≈ 13.9 months, inside the data; with the follow-up
    // cut at 8 months it lies beyond and comes from the tail.
    assert!((km.median().unwrap() - 2f64.ln() / lambda).abs() < 0.5);
    let short: Vec<f64> = lives.iter().map(|&l| l.min(8.0)).collect();
    let ended: Vec<bool> = lives.iter().map(|&l| l < 8.0).collect();
    assert_eq!(KaplanMeier::fit(&short, &ended).unwrap().median(), None);
    let tail = KaplanMeier::fit_with_exponential_tail(&short, &ended).unwrap();
    assert!(
        (tail.median().unwrap() - 2f64.ln() / lambda).abs() < 1.0,
        "{:?}",
        tail.median()
    );
    // The tail survives a save and load.
    let back = KaplanMeier::from_json(&km.to_json().unwrap()).unwrap();
    assert_eq!(back, km);
}

// ---------------------------------------------------------------- input errors

#[test]
fn bad_rows_are_refused_with_the_row_and_field() {
    let p = BgNbdParams::default();
    let good = rfm(1.0, 5.0, 10.0);
    let cases = [
        (
            rfm(-1.0, 0.0, 10.0),
            "row 1: `frequency` must be ≥ 0, got -1",
        ),
        (
            rfm(1.5, 5.0, 10.0),
            "row 1: `frequency` must be a whole number of repeat purchases, got 1.5",
        ),
        (
            rfm(2.0, 0.0, 10.0),
            "row 1: `recency` must be > 0 when `frequency` is 2 (repeat purchases come after the first), got 0",
        ),
        (
            rfm(2.0, 12.0, 10.0),
            "row 1: `recency` must be ≤ `age` (10), got 12",
        ),
        (
            rfm(0.0, 3.0, 10.0),
            "row 1: `recency` must be 0 when `frequency` is 0, got 3",
        ),
        (
            rfm(1.0, f64::NAN, 10.0),
            "row 1: `recency` must be finite, got NaN",
        ),
        (
            rfm(1.0, 5.0, f64::INFINITY),
            "row 1: `age` must be finite, got inf",
        ),
        (rfm(1.0, 5.0, -10.0), "row 1: `age` must be ≥ 0, got -10"),
    ];
    let model = paper_bgnbd();
    for (bad, message) in cases {
        let data = [good, bad];
        assert_eq!(BgNbd::fit(&p, &data).unwrap_err().to_string(), message);
        assert_eq!(model.p_alive(&data).unwrap_err().to_string(), message);
        assert_eq!(
            model
                .expected_purchases(10.0, &data)
                .unwrap_err()
                .to_string(),
            message
        );
    }
    assert!(matches!(
        BgNbd::fit(&p, &[]).unwrap_err(),
        Error::EmptyInput { .. }
    ));
    assert!(matches!(
        BgNbd::fit(&p, &[rfm(0.0, 0.0, 5.0)]).unwrap_err(),
        Error::FitFailed { .. }
    ));
    assert_eq!(
        BgNbd::fit(&p.clone().penalizer(-1.0), &[good])
            .unwrap_err()
            .to_string(),
        "`penalizer` must be finite and ≥ 0, got -1"
    );
    assert_eq!(
        model
            .expected_purchases(-1.0, &[good])
            .unwrap_err()
            .to_string(),
        "`t` must be finite and ≥ 0, got -1"
    );

    let spend = |frequency, monetary_value| Spend {
        frequency,
        monetary_value,
    };
    let gp = GammaGammaParams::default();
    assert_eq!(
        GammaGamma::fit(&gp, &[spend(2.0, 10.0), spend(3.0, 0.0)])
            .unwrap_err()
            .to_string(),
        "row 1: `monetary_value` must be > 0 when `frequency` is 3, got 0"
    );
    assert_eq!(
        GammaGamma::fit(&gp, &[spend(2.0, f64::NAN)])
            .unwrap_err()
            .to_string(),
        "row 0: `monetary_value` must be finite, got NaN"
    );
    assert!(matches!(
        GammaGamma::fit(&gp, &[spend(0.0, 0.0)]).unwrap_err(),
        Error::EmptyInput { .. }
    ));

    assert_eq!(
        KaplanMeier::fit(&[1.0, -2.0], &[true, false])
            .unwrap_err()
            .to_string(),
        "row 1: `durations` must be finite and ≥ 0, got -2"
    );
    assert_eq!(
        KaplanMeier::fit(&[1.0, 2.0], &[true])
            .unwrap_err()
            .to_string(),
        "`events` has 1 values but 2 were expected (one per row)"
    );
    let km = KaplanMeier::fit(&[1.0, 2.0], &[true, false]).unwrap();
    assert_eq!(
        subscription_ltv(&km, &[10.0, f64::NAN], &[1.0, 1.0], 12.0)
            .unwrap_err()
            .to_string(),
        "row 1: `mrr` must be finite and ≥ 0, got NaN"
    );
}

// ---------------------------------------------------------------- LTV and save/load

#[test]
fn transaction_ltv_is_purchases_times_spend_undiscounted() {
    let bg = paper_bgnbd();
    let gg = GammaGamma::from_parameters(6.25, 3.74, 15.44).unwrap();
    let customers = [rfm(2.0, 30.43, 38.86), rfm(0.0, 0.0, 38.86)];
    let monetary = [22.35, 0.0];
    let one_step = transaction_ltv(&bg, &gg, &customers, &monetary, 39.0, 1, 0.0).unwrap();
    let many_steps = transaction_ltv(&bg, &gg, &customers, &monetary, 39.0, 9, 0.0).unwrap();
    let discounted = transaction_ltv(&bg, &gg, &customers, &monetary, 39.0, 9, 0.01).unwrap();
    let want0 = 1.226028174767135 * 24.663713910761157;
    assert!(rel(one_step[0], want0) < 1e-9, "{}", one_step[0]);
    for k in 0..2 {
        assert!(rel(many_steps[k], one_step[k]) < 1e-12);
        assert!(discounted[k] < many_steps[k]);
    }
}

#[test]
fn fitted_models_round_trip_through_json() {
    let data = simulate_bgnbd(500, 0.5, 4.0, 0.8, 2.5, 1);
    let bg = BgNbd::fit(&BgNbdParams::default(), &data).unwrap();
    let back = BgNbd::from_json(&bg.to_json().unwrap()).unwrap();
    assert_eq!(back, bg);
    assert_eq!(back.p_alive(&data).unwrap(), bg.p_alive(&data).unwrap());

    let gg = GammaGamma::from_parameters(6.25, 3.74, 15.44).unwrap();
    assert_eq!(GammaGamma::from_json(&gg.to_json().unwrap()).unwrap(), gg);

    let km = KaplanMeier::fit(&[1.0, 2.0, 2.0, 5.0], &[true, false, true, true]).unwrap();
    assert_eq!(KaplanMeier::from_json(&km.to_json().unwrap()).unwrap(), km);

    let future = bg
        .to_json()
        .unwrap()
        .replace("\"format_version\": 1", "\"format_version\": 2");
    assert_eq!(
        BgNbd::from_json(&future).unwrap_err().to_string(),
        "unsupported format_version 2; this build reads version 1"
    );
    let negative = gg.to_json().unwrap().replace("\"p\": 6.25", "\"p\": -6.25");
    assert!(matches!(
        GammaGamma::from_json(&negative).unwrap_err(),
        Error::InvalidModel { .. }
    ));
}
