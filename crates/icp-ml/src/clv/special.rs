//! Special functions the lifetime-value models need: [`ln_gamma`] (Lanczos approximation)
//! and the Gaussian hypergeometric function [`hyp2f1`] (power series), written here so the
//! crate needs no statistics dependency.

use std::f64::consts::PI;

/// Lanczos coefficients for g = 7, n = 9 (the set used by Numerical Recipes' successors and
/// most reference implementations); relative error of Γ below 2e-15 on the positive axis.
const LANCZOS_G: f64 = 7.0;
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// `ln |Γ(x)|` for finite `x` that is not a non-positive integer (where it returns +∞).
///
/// Lanczos approximation for `x ≥ 0.5`, reflection `Γ(x)Γ(1−x) = π / sin(πx)` below.
pub fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x <= 0.0 && x == x.floor() {
        return f64::INFINITY;
    }
    if x < 0.5 {
        let s = (PI * x).sin();
        return (PI / s.abs()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, &c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + LANCZOS_G + 0.5;
    0.5 * (2.0 * PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Most series terms summed before [`hyp2f1`] gives up (returns NaN).
const HYP2F1_MAX_TERMS: usize = 100_000;

/// The Gaussian hypergeometric function `₂F₁(a, b; c; z) = Σₙ (a)ₙ(b)ₙ / ((c)ₙ n!) zⁿ` for
/// `0 ≤ z < 1` and `c` not a non-positive integer, by its power series (NaN outside that
/// domain or if the series has not settled after 100,000 terms, i.e. for `z` within about
/// 4e-4 of 1).
///
/// Terms are summed until one is below 1e-17 of the running sum. The models call it with
/// arguments transformed so the terms shrink (see [`BgNbd`](super::BgNbd)), so a few hundred
/// terms suffice except for horizons far beyond the calibration period.
pub fn hyp2f1(a: f64, b: f64, c: f64, z: f64) -> f64 {
    let c_pole = c <= 0.0 && c == c.floor();
    if !(0.0..1.0).contains(&z) || c_pole || !(a.is_finite() && b.is_finite() && c.is_finite()) {
        return f64::NAN;
    }
    let mut term = 1.0;
    let mut sum = 1.0;
    for n in 0..HYP2F1_MAX_TERMS {
        let k = n as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term == 0.0 || term.abs() <= 1e-17 * sum.abs() {
            return sum;
        }
        if !sum.is_finite() {
            return f64::NAN;
        }
    }
    f64::NAN
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1.0)
    }

    #[test]
    fn ln_gamma_known_values() {
        assert!(close(ln_gamma(1.0), 0.0, 1e-15));
        assert!(close(ln_gamma(2.0), 0.0, 1e-15));
        assert!(close(ln_gamma(0.5), 0.5 * PI.ln(), 1e-14));
        assert!(close(ln_gamma(10.0), 362_880f64.ln(), 1e-14));
        // lnΓ(100) = ln(99!), from the factorial as a sum of logs.
        let ln99: f64 = (1..100).map(|k| (k as f64).ln()).sum();
        assert!(close(ln_gamma(100.0), ln99, 1e-13));
        // Γ(0.243) by the recurrence Γ(x+1) = xΓ(x).
        assert!(close(
            ln_gamma(0.243),
            ln_gamma(1.243) - 0.243f64.ln(),
            1e-14
        ));
        assert!(close(ln_gamma(-0.5), (2.0 * PI.sqrt()).ln(), 1e-14));
        assert_eq!(ln_gamma(0.0), f64::INFINITY);
        assert_eq!(ln_gamma(-2.0), f64::INFINITY);
    }

    #[test]
    fn hyp2f1_closed_forms() {
        // ₂F₁(1, 1; 2; z) = −ln(1 − z) / z.
        for z in [0.1, 0.5, 0.9, 0.99] {
            let want = -(1.0f64 - z).ln() / z;
            assert!(close(hyp2f1(1.0, 1.0, 2.0, z), want, 1e-13), "z = {z}");
        }
        // ₂F₁(a, b; b; z) = (1 − z)^(−a).
        assert!(close(hyp2f1(0.7, 3.2, 3.2, 0.6), 0.4f64.powf(-0.7), 1e-13));
        // Euler's transformation ₂F₁(a,b;c;z) = (1−z)^(c−a−b) ₂F₁(c−a,c−b;c;z).
        let (a, b, c, z) = (2.243, 4.426, 5.219, 0.55);
        let lhs = hyp2f1(a, b, c, z);
        let rhs = (1.0f64 - z).powf(c - a - b) * hyp2f1(c - a, c - b, c, z);
        assert!(close(lhs, rhs, 1e-12));
        assert!(hyp2f1(1.0, 1.0, 2.0, 1.0).is_nan());
        assert!(hyp2f1(1.0, 1.0, -1.0, 0.5).is_nan());
        // A non-integer negative c is fine: ₂F₁(a, b; b; z) = (1 − z)^(−a) still holds.
        assert!(close(
            hyp2f1(0.7, -0.4, -0.4, 0.3),
            0.7f64.powf(-0.7),
            1e-13
        ));
        assert_eq!(hyp2f1(1.0, 1.0, 2.0, 0.0), 1.0);
    }
}
