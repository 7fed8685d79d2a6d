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
    sq_dist_by(a, b, |d, acc| acc + d * d)
}

/// The layout [`sq_dist`] and [`sq_dists`] share: `lo[l]` and `hi[l]` accumulate lanes `l`
/// and `l + 4` of each block of eight (two 256-bit registers under AVX2) by
/// `square_add(difference, accumulator)`, then [`finish_by`] reduces them in a fixed order.
#[inline(always)]
fn sq_dist_by(a: &[f64], b: &[f64], square_add: impl Fn(f64, f64) -> f64) -> f64 {
    let mut lo = [0.0f64; 4];
    let mut hi = [0.0f64; 4];
    let ca = a.chunks_exact(8);
    let cb = b.chunks_exact(8);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for l in 0..4 {
            lo[l] = square_add(x[l] - y[l], lo[l]);
            hi[l] = square_add(x[l + 4] - y[l + 4], hi[l]);
        }
    }
    finish_by(lo, hi, ra, rb, square_add)
}

/// `(s0 + s1) + (s2 + s3)` of `s = lo + hi`, plus the tail's squares added in order.
#[inline(always)]
fn finish_by(
    lo: [f64; 4],
    hi: [f64; 4],
    ra: &[f64],
    rb: &[f64],
    square_add: impl Fn(f64, f64) -> f64,
) -> f64 {
    let s = [lo[0] + hi[0], lo[1] + hi[1], lo[2] + hi[2], lo[3] + hi[3]];
    let tail = ra
        .iter()
        .zip(rb)
        .fold(0.0, |t, (x, y)| square_add(x - y, t));
    (s[0] + s[1]) + (s[2] + s[3]) + tail
}

/// One square fused into its accumulator: `d·d + acc` rounded once.
#[inline(always)]
fn fused(d: f64, acc: f64) -> f64 {
    d.mul_add(d, acc)
}

/// Squared Euclidean distances from `row` to every centre of the row-major `centers`
/// (`out.len()` centres of `row.len()` values): k-means' hot loop. Same layout as
/// [`sq_dist`] but each square is fused into its accumulator (`(x − c)·(x − c) + acc` rounded
/// once), so values can differ from [`sq_dist`] in the last bits; every machine gets the
/// same bits (the portable path uses [`f64::mul_add`]). With AVX2 and FMA, centres go four
/// at a time: each value of `row` is loaded once per four centres and the four sums share
/// one reduction. LLVM's auto-vectoriser did not find this layout (it vectorised across
/// centres with broadcasts and stack spills), hence the intrinsics: the 1M × 32 benchmark
/// went from 8.2 s to 6.4 s with them (docs/benchmarks.md has the current figure).
#[inline(always)]
pub(crate) fn sq_dists(row: &[f64], centers: &[f64], out: &mut [f64]) {
    assert!(
        centers.len() >= out.len() * row.len(),
        "centres shorter than out.len() × row.len()"
    );
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the running CPU supports AVX2 and FMA, checked just above.
        return unsafe { sq_dists_avx2(row, centers, out) };
    }
    for (o, c) in out.iter_mut().zip(centers.chunks_exact(row.len())) {
        *o = sq_dist_fused(row, c);
    }
}

/// One distance of [`sq_dists`] without intrinsics.
fn sq_dist_fused(a: &[f64], b: &[f64]) -> f64 {
    sq_dist_by(a, b, fused)
}

/// [`sq_dists`] with AVX2 and FMA: for each centre, `lo` holds the accumulators of lanes
/// 0–3 and `hi` of lanes 4–7; the reduction of four centres takes two horizontal adds and
/// one add of the 128-bit halves.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
fn sq_dists_avx2(row: &[f64], centers: &[f64], out: &mut [f64]) {
    use std::arch::x86_64::*;
    let d = row.len();
    let main = d - d % 8;
    let lanes = |v: __m256d| {
        let mut a = [0.0f64; 4];
        // SAFETY: `a` holds four f64.
        unsafe { _mm256_storeu_pd(a.as_mut_ptr(), v) };
        a
    };
    let k = out.len();
    let mut j = 0;
    while j + 4 <= k {
        // SAFETY: the caller asserted that `centers` holds out.len() × d values.
        let (lo, hi) = unsafe { accumulate::<4>(row, centers, j, main) };
        let s: [__m256d; 4] = std::array::from_fn(|q| _mm256_add_pd(lo[q], hi[q]));
        // h01 = [s0₀+s0₁, s1₀+s1₁, s0₂+s0₃, s1₂+s1₃]; adding its halves gives centres 0, 1.
        let h01 = _mm256_hadd_pd(s[0], s[1]);
        let h23 = _mm256_hadd_pd(s[2], s[3]);
        let d01 = _mm_add_pd(_mm256_castpd256_pd128(h01), _mm256_extractf128_pd(h01, 1));
        let d23 = _mm_add_pd(_mm256_castpd256_pd128(h23), _mm256_extractf128_pd(h23, 1));
        let sums = lanes(_mm256_set_m128d(d23, d01));
        for (q, sum) in sums.iter().enumerate() {
            let c = &centers[(j + q) * d..(j + q + 1) * d];
            out[j + q] = if main == d {
                *sum
            } else {
                sum + finish_by([0.0; 4], [0.0; 4], &row[main..], &c[main..], fused)
            };
        }
        j += 4;
    }
    for (q, o) in out.iter_mut().enumerate().skip(j) {
        // SAFETY: as above.
        let (lo, hi) = unsafe { accumulate::<1>(row, centers, q, main) };
        let c = &centers[q * d..(q + 1) * d];
        *o = finish_by(lanes(lo[0]), lanes(hi[0]), &row[main..], &c[main..], fused);
    }
}

/// The fused lane sums of [`sq_dists_avx2`] for centres `j..j + N` over the first `main`
/// values (a multiple of 8).
///
/// # Safety
/// `centers` must hold at least `(j + N) × row.len()` values and `main ≤ row.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn accumulate<const N: usize>(
    row: &[f64],
    centers: &[f64],
    j: usize,
    main: usize,
) -> (
    [std::arch::x86_64::__m256d; N],
    [std::arch::x86_64::__m256d; N],
) {
    use std::arch::x86_64::*;
    let d = row.len();
    let (x, c0) = (row.as_ptr(), centers.as_ptr());
    let mut lo = [_mm256_setzero_pd(); N];
    let mut hi = [_mm256_setzero_pd(); N];
    let mut i = 0;
    while i < main {
        // SAFETY: i + 8 ≤ main ≤ d and centre j + q < j + N has d values (the contract).
        unsafe {
            let x0 = _mm256_loadu_pd(x.add(i));
            let x1 = _mm256_loadu_pd(x.add(i + 4));
            for q in 0..N {
                let c = c0.add((j + q) * d + i);
                let a = _mm256_sub_pd(x0, _mm256_loadu_pd(c));
                lo[q] = _mm256_fmadd_pd(a, a, lo[q]);
                let b = _mm256_sub_pd(x1, _mm256_loadu_pd(c.add(4)));
                hi[q] = _mm256_fmadd_pd(b, b, hi[q]);
            }
        }
        i += 8;
    }
    (lo, hi)
}

/// Runs `f` compiled with AVX2 and FMA enabled when the CPU has both (x86-64), else as is.
/// `f` and everything it inlines (notably [`sq_dist`]) then use 256-bit vectors, and
/// [`sq_dists`]'s intrinsics inline into it (they were a call per row before: 1M-row k-means
/// 5.7 s → 5.1 s). Results are identical either way: Rust never contracts `a * b + c` into an
/// FMA on its own.
#[inline(always)]
pub(crate) fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the running CPU supports AVX2 and FMA, checked just above.
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
    fn sq_dists_match_the_portable_kernel_bit_for_bit() {
        let mut rng = Rng::new(3);
        for d in [1, 5, 8, 13, 32] {
            for k in [1, 3, 4, 7, 9] {
                let row: Vec<f64> = (0..d).map(|_| rng.next_f64() * 10.0 - 5.0).collect();
                let centers: Vec<f64> = (0..k * d).map(|_| rng.next_f64() * 1e3).collect();
                let mut fast = vec![f64::NAN; k];
                sq_dists(&row, &centers, &mut fast);
                for (j, f) in fast.iter().enumerate() {
                    let c = &centers[j * d..(j + 1) * d];
                    let want = sq_dist_fused(&row, c);
                    assert_eq!(f.to_bits(), want.to_bits(), "d {d}, k {k}, centre {j}");
                    assert!((f - sq_dist(&row, c)).abs() <= 1e-12 * f);
                }
            }
        }
    }

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
