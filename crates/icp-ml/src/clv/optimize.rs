//! Nelder–Mead minimisation with restarts, used to fit the lifetime-value models by maximum
//! likelihood over their log-parameters (so every parameter stays positive).
//!
//! The adaptive coefficients of Gao & Han (2012) keep the simplex from collapsing in a few
//! dimensions; each restart builds a fresh simplex around the best point so far, which is
//! what makes plain Nelder–Mead reliable on the long, curved valleys of these likelihoods.

/// Where a minimisation ended.
#[derive(Debug, Clone)]
pub(crate) struct Minimum {
    pub x: Vec<f64>,
    pub f: f64,
    /// Objective evaluations over all restarts.
    pub evaluations: usize,
    /// Whether the last run met the tolerance before its evaluation budget ran out.
    pub converged: bool,
}

/// Settings of [`minimize`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    /// Initial simplex edge along each coordinate.
    pub step: f64,
    /// A run stops when the objective spread over the simplex is below `tol · (1 + |f|)` and
    /// every vertex is within `sqrt(tol)` of the best in every coordinate.
    pub tol: f64,
    /// Objective evaluations allowed per run.
    pub max_iter: usize,
    /// Fresh simplices built around the best point after the first run; stops early once a
    /// restart improves the objective by less than the tolerance.
    pub restarts: usize,
}

/// Minimises `f` from `x0`. Non-finite values of `f` count as +∞, so the search backs away
/// from regions where the likelihood overflows.
pub(crate) fn minimize(mut f: impl FnMut(&[f64]) -> f64, x0: &[f64], s: Settings) -> Minimum {
    let mut eval = |x: &[f64]| {
        let v = f(x);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut best = run(&mut eval, x0, s);
    let mut evaluations = best.evaluations;
    for _ in 0..s.restarts {
        let next = run(&mut eval, &best.x, s);
        evaluations += next.evaluations;
        let improved = best.f - next.f;
        if next.f <= best.f {
            best = next;
        }
        if improved <= s.tol * (1.0 + best.f.abs()) {
            break;
        }
    }
    best.evaluations = evaluations;
    best
}

fn run(eval: &mut impl FnMut(&[f64]) -> f64, x0: &[f64], s: Settings) -> Minimum {
    let n = x0.len();
    let nf = n as f64;
    // Gao & Han's dimension-adaptive reflection, expansion, contraction and shrink.
    let (alpha, beta, gamma, delta) = (1.0, 1.0 + 2.0 / nf, 0.75 - 0.5 / nf, 1.0 - 1.0 / nf);
    let mut simplex: Vec<Vec<f64>> = vec![x0.to_vec()];
    for i in 0..n {
        let mut v = x0.to_vec();
        v[i] += s.step;
        simplex.push(v);
    }
    let mut values: Vec<f64> = simplex.iter().map(|v| eval(v)).collect();
    let mut evaluations = n + 1;
    let xtol = s.tol.sqrt();
    let mut converged = false;
    while evaluations < s.max_iter {
        // Order vertices best to worst.
        let mut order: Vec<usize> = (0..=n).collect();
        order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
        simplex = order.iter().map(|&i| simplex[i].clone()).collect();
        values = order.iter().map(|&i| values[i]).collect();

        let spread_f = values[n] - values[0];
        let spread_x = simplex[1..]
            .iter()
            .flat_map(|v| v.iter().zip(&simplex[0]).map(|(a, b)| (a - b).abs()))
            .fold(0.0, f64::max);
        if spread_f <= s.tol * (1.0 + values[0].abs()) && spread_x <= xtol {
            converged = true;
            break;
        }

        let centroid: Vec<f64> = (0..n)
            .map(|j| simplex[..n].iter().map(|v| v[j]).sum::<f64>() / nf)
            .collect();
        let towards = |t: f64| -> Vec<f64> {
            centroid
                .iter()
                .zip(&simplex[n])
                .map(|(c, w)| c + t * (c - w))
                .collect()
        };
        let xr = towards(alpha);
        let fr = eval(&xr);
        evaluations += 1;
        if fr < values[0] {
            let xe = towards(beta);
            let fe = eval(&xe);
            evaluations += 1;
            if fe < fr {
                simplex[n] = xe;
                values[n] = fe;
            } else {
                simplex[n] = xr;
                values[n] = fr;
            }
        } else if fr < values[n - 1] {
            simplex[n] = xr;
            values[n] = fr;
        } else {
            // Outside contraction if the reflection beat the worst point, inside otherwise.
            let (xc, fc) = if fr < values[n] {
                let xc = towards(gamma);
                let fc = eval(&xc);
                (xc, fc)
            } else {
                let xc = towards(-gamma);
                let fc = eval(&xc);
                (xc, fc)
            };
            evaluations += 1;
            if fc < values[n].min(fr) {
                simplex[n] = xc;
                values[n] = fc;
            } else {
                // Shrink towards the best vertex.
                for i in 1..=n {
                    let v: Vec<f64> = simplex[0]
                        .iter()
                        .zip(&simplex[i])
                        .map(|(b, x)| b + delta * (x - b))
                        .collect();
                    values[i] = eval(&v);
                    simplex[i] = v;
                }
                evaluations += n;
            }
        }
    }
    let best = (0..=n)
        .min_by(|&i, &j| values[i].total_cmp(&values[j]))
        .unwrap_or(0);
    Minimum {
        x: simplex[best].clone(),
        f: values[best],
        evaluations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_rosenbrock_minimum() {
        let rosen = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let settings = Settings {
            step: 0.5,
            tol: 1e-14,
            max_iter: 20_000,
            restarts: 5,
        };
        let m = minimize(rosen, &[-1.2, 1.0], settings);
        assert!(m.converged);
        assert!(
            (m.x[0] - 1.0).abs() < 1e-5 && (m.x[1] - 1.0).abs() < 1e-5,
            "{:?}",
            m.x
        );
    }

    #[test]
    fn backs_away_from_non_finite_values() {
        // Undefined (NaN) left of 0.5; minimum at 2 in each of four coordinates.
        let f = |x: &[f64]| {
            x.iter()
                .map(|&v| if v < 0.5 { f64::NAN } else { (v - 2.0).powi(2) })
                .sum::<f64>()
        };
        let settings = Settings {
            step: 1.0,
            tol: 1e-14,
            max_iter: 20_000,
            restarts: 5,
        };
        let m = minimize(f, &[1.0; 4], settings);
        assert!(m.x.iter().all(|v| (v - 2.0).abs() < 1e-5), "{:?}", m.x);
    }
}
