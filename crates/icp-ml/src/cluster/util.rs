//! Small shared pieces of the clustering module: the seeded random stream, the squared
//! distance kernel, input checks and the fixed row chunking that keeps parallel sums
//! deterministic (the same result on any number of threads).

use crate::{Error, Matrix, Result};

/// Rows per parallel work item. Partial sums are formed per chunk and added in chunk order,
/// so results do not depend on the thread count.
pub(crate) const CHUNK_ROWS: usize = 2048;

/// SplitMix64: a small, fast, well-mixed 64-bit stream; the same on every platform.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for sub-task `index` (e.g. one k-means restart).
    pub(crate) fn fork(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        Rng(r.next_u64())
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `0..n` (`n ≥ 1`).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// `m` distinct indices of `0..n`, drawn uniformly (partial Fisher–Yates), `m ≤ n`.
    pub(crate) fn sample_without_replacement(&mut self, n: usize, m: usize) -> Vec<usize> {
        let mut idx: Vec<usize> = (0..n).collect();
        for i in 0..m {
            let j = i + self.below(n - i);
            idx.swap(i, j);
        }
        idx.truncate(m);
        idx
    }
}

/// Squared Euclidean distance, with 8 independent accumulators so it vectorises (and the
/// same result whether the caller is compiled for SSE2 or AVX2: lanes never mix until the
/// final, fixed-order sum).
#[inline(always)]
pub(crate) fn sq_dist(a: &[f64], b: &[f64]) -> f64 {
    let mut acc = [0.0f64; 8];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..8 {
            let d = x[l] - y[l];
            acc[l] += d * d;
        }
    }
    let mut tail = 0.0;
    for (x, y) in ra.iter().zip(rb) {
        let d = x - y;
        tail += d * d;
    }
    ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail
}

/// Runs `f` compiled with AVX2 enabled when the CPU has it (x86-64), else as is. `f` and
/// everything it inlines (notably [`sq_dist`]) then use 256-bit vectors. Results are
/// identical either way: Rust never contracts `a * b + c` into an FMA on its own.
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2")]
        unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the running CPU supports AVX2, checked just above.
            return unsafe { avx2(f) };
        }
    }
    f()
}

/// Errors with [`Error::NonFinite`] (position in row-major order) on NaN or ±∞.
pub(crate) fn check_finite(x: &Matrix) -> Result<()> {
    match x.as_slice().iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFinite { index }),
        None => Ok(()),
    }
}

/// Errors unless `labels` has one entry per row of `x`.
pub(crate) fn check_labels_len(x: &Matrix, labels: &[usize]) -> Result<()> {
    if labels.len() != x.n_rows() {
        return Err(Error::InvalidParameter {
            name: "labels",
            expected: "one label per row of `x`",
            found: format!("{} labels for {} rows", labels.len(), x.n_rows()),
        });
    }
    Ok(())
}

/// Maps arbitrary label values to `0..k` (in increasing order of value); returns the
/// compact labels and `k`.
pub(crate) fn compact_labels(labels: &[usize]) -> (Vec<usize>, usize) {
    let mut values: Vec<usize> = labels.to_vec();
    values.sort_unstable();
    values.dedup();
    let compact = labels
        .iter()
        .map(|l| values.binary_search(l).unwrap_or(0))
        .collect();
    (compact, values.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sq_dist_matches_naive() {
        let a: Vec<f64> = (0..7).map(|i| i as f64 * 0.5).collect();
        let b: Vec<f64> = (0..7).map(|i| 3.0 - i as f64).collect();
        let naive: f64 = a.iter().zip(&b).map(|(x, y)| (x - y) * (x - y)).sum();
        assert!((sq_dist(&a, &b) - naive).abs() < 1e-12);
    }

    #[test]
    fn rng_is_stable_and_uniform_enough() {
        let mut r = Rng::new(42);
        let v: Vec<f64> = (0..10_000).map(|_| r.next_f64()).collect();
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        assert!((mean - 0.5).abs() < 0.02);
        let s = Rng::new(1).sample_without_replacement(10, 10);
        let mut sorted = s.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..10).collect::<Vec<_>>());
        assert_eq!(compact_labels(&[7, 3, 7, 9]), (vec![1, 0, 1, 2], 3));
    }
}
