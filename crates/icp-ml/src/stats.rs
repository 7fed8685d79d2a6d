//! Descriptive statistics: quantiles (linear interpolation, as numpy's default), median
//! absolute deviation, histograms with fixed bins, and robust outlier fences (Tukey's fences
//! on an optional log scale) that flag implausible values without assuming normality.

use crate::{Error, Result};

fn check_finite(values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Sorted copy of `values`; errors on NaN or infinity.
pub fn sorted(values: &[f64]) -> Result<Vec<f64>> {
    check_finite(values)?;
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    Ok(v)
}

/// Quantile `q` in [0, 1] of already sorted data, interpolating linearly between order
/// statistics (numpy's `linear` method). `None` for empty input.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> Option<f64> {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return None;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let frac = pos - lo as f64;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * frac)
}

/// Quantile `q` of unsorted data.
pub fn quantile(values: &[f64], q: f64) -> Result<Option<f64>> {
    Ok(quantile_sorted(&sorted(values)?, q))
}

/// Median of unsorted data.
pub fn median(values: &[f64]) -> Result<Option<f64>> {
    quantile(values, 0.5)
}

/// Median absolute deviation (unscaled). `None` for empty input.
pub fn mad(values: &[f64]) -> Result<Option<f64>> {
    let Some(m) = median(values)? else {
        return Ok(None);
    };
    let dev: Vec<f64> = values.iter().map(|v| (v - m).abs()).collect();
    median(&dev)
}

/// Mean; `None` for empty input.
pub fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// Sample variance (divisor `n − 1`); `None` with fewer than two values.
pub fn sample_variance(values: &[f64]) -> Option<f64> {
    let m = mean(values).filter(|_| values.len() > 1)?;
    Some(values.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64)
}

/// Equal-width histogram over `[lo, hi]` with `bins` bins; values outside are clamped into
/// the end bins, so the counts always add up to `values.len()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub edges: Vec<f64>,
    pub counts: Vec<u64>,
}

pub fn histogram(values: &[f64], bins: usize, lo: f64, hi: f64) -> Result<Histogram> {
    if bins == 0 {
        return Err(Error::InvalidParameter {
            name: "bins",
            expected: "≥ 1",
            found: bins.to_string(),
        });
    }
    if !(lo.is_finite() && hi.is_finite() && hi > lo) {
        return Err(Error::InvalidParameter {
            name: "hi",
            expected: "finite and greater than lo",
            found: format!("lo={lo}, hi={hi}"),
        });
    }
    check_finite(values)?;
    let width = (hi - lo) / bins as f64;
    let edges = (0..=bins).map(|i| lo + width * i as f64).collect();
    let mut counts = vec![0u64; bins];
    for v in values {
        let i = (((v - lo) / width).floor().max(0.0) as usize).min(bins - 1);
        counts[i] += 1;
    }
    Ok(Histogram { edges, counts })
}

/// Scale on which outlier fences are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FenceScale {
    /// The values as they are.
    Linear,
    /// `ln(1 + x)`, for non-negative heavy-tailed quantities (employees, revenue, amounts).
    Log1p,
}

/// Tukey's fences: a value is an outlier when it lies more than `k` interquartile ranges
/// beyond the quartiles, measured on `scale`. Returned as bounds in original units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fences {
    pub low: f64,
    pub high: f64,
}

impl Fences {
    pub fn contains(&self, v: f64) -> bool {
        v >= self.low && v <= self.high
    }
}

pub fn tukey_fences(values: &[f64], k: f64, scale: FenceScale) -> Result<Option<Fences>> {
    if !(k.is_finite() && k > 0.0) {
        return Err(Error::InvalidParameter {
            name: "k",
            expected: "finite and > 0",
            found: k.to_string(),
        });
    }
    let transformed: Vec<f64> = match scale {
        FenceScale::Linear => values.to_vec(),
        FenceScale::Log1p => values.iter().map(|v| v.max(0.0).ln_1p()).collect(),
    };
    let s = sorted(&transformed)?;
    let (Some(q1), Some(q3)) = (quantile_sorted(&s, 0.25), quantile_sorted(&s, 0.75)) else {
        return Ok(None);
    };
    let iqr = q3 - q1;
    let (lo, hi) = (q1 - k * iqr, q3 + k * iqr);
    Ok(Some(match scale {
        FenceScale::Linear => Fences { low: lo, high: hi },
        FenceScale::Log1p => Fences {
            low: if lo <= 0.0 {
                f64::NEG_INFINITY
            } else {
                lo.exp_m1()
            },
            high: hi.exp_m1(),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy_linear() {
        // numpy.quantile([1, 2, 3, 4, 10], [0.25, 0.5, 0.9]) == [2.0, 3.0, 7.6]
        let v = [4.0, 1.0, 10.0, 3.0, 2.0];
        assert_eq!(quantile(&v, 0.25).unwrap(), Some(2.0));
        assert_eq!(median(&v).unwrap(), Some(3.0));
        assert!((quantile(&v, 0.9).unwrap().unwrap() - 7.6).abs() < 1e-12);
        assert_eq!(quantile(&[], 0.5).unwrap(), None);
        assert_eq!(mad(&v).unwrap(), Some(1.0));
    }

    #[test]
    fn sample_variance_divides_by_n_minus_one() {
        // numpy.var([1, 2, 3, 4, 10], ddof=1) == 12.5
        assert_eq!(sample_variance(&[4.0, 1.0, 10.0, 3.0, 2.0]), Some(12.5));
        assert_eq!(sample_variance(&[3.0]), None);
        assert_eq!(sample_variance(&[]), None);
    }

    #[test]
    fn nan_is_a_typed_error() {
        assert_eq!(median(&[1.0, f64::NAN]), Err(Error::NonFinite { index: 1 }));
    }

    #[test]
    fn histogram_counts_add_up() {
        let v = [-5.0, 0.0, 0.5, 0.99, 1.0, 7.0];
        let h = histogram(&v, 2, 0.0, 1.0).unwrap();
        assert_eq!(h.counts, vec![2, 4]);
        assert_eq!(h.counts.iter().sum::<u64>(), v.len() as u64);
        assert!(histogram(&v, 0, 0.0, 1.0).is_err());
    }

    #[test]
    fn log_fences_flag_typos_with_extra_zeros() {
        let mut v: Vec<f64> = (1..=200).map(|i| 50.0 + i as f64).collect();
        v.push(2_500_000.0);
        let f = tukey_fences(&v, 3.0, FenceScale::Log1p).unwrap().unwrap();
        assert!(!f.contains(2_500_000.0));
        assert!(v[..200].iter().all(|x| f.contains(*x)));
    }
}
