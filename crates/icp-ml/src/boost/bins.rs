//! Feature binning: per-feature quantile bin edges ([`BinMapper`]) and the binned training
//! matrix ([`BinnedData`], one `u8` per value, column-major) the tree learner scans.
//!
//! A feature has up to `max_bins` bins for its non-missing values, cut between distinct values so
//! that bins hold about equal numbers of rows, plus one last bin for missing values (NaN). Bin
//! `b` holds the values `v` with `upper[b - 1] < v ≤ upper[b]`, so a split after bin `b` is the
//! raw-value test `v ≤ upper[b]` and fitted trees predict on raw values without binning.

use rayon::prelude::*;

use crate::Matrix;

/// Rows sampled (evenly spaced) to find the bin edges, as LightGBM's `bin_construct_sample_cnt`.
const BIN_SAMPLE_ROWS: usize = 200_000;

/// Bin edges of one feature.
#[derive(Debug, Clone)]
pub(crate) struct BinMapper {
    /// Upper edge of every non-missing bin but the last (which is unbounded).
    pub upper: Vec<f64>,
}

impl BinMapper {
    /// Non-missing bins; the missing bin's index.
    pub fn n_value_bins(&self) -> usize {
        self.upper.len() + 1
    }

    pub fn missing_bin(&self) -> usize {
        self.upper.len() + 1
    }

    fn bin(&self, v: f64) -> u8 {
        if v.is_nan() {
            self.missing_bin() as u8
        } else {
            self.upper.partition_point(|&t| t < v) as u8
        }
    }

    /// Edges cut between distinct sorted values, greedily filling bins to equal counts.
    fn fit(mut values: Vec<f64>, max_bins: usize) -> BinMapper {
        values.sort_unstable_by(f64::total_cmp);
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for v in values {
            match distinct.last_mut() {
                Some((last, count)) if *last == v => *count += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mut upper = Vec::new();
        let mut remaining: usize = distinct.iter().map(|d| d.1).sum();
        let mut bins_left = max_bins;
        let mut filled = 0;
        for pair in distinct.windows(2) {
            if bins_left <= 1 {
                break;
            }
            filled += pair[0].1;
            let all_fit = distinct.len() <= max_bins;
            if all_fit || filled * bins_left >= remaining {
                let (a, b) = (pair[0].0, pair[1].0);
                let mid = a + (b - a) / 2.0;
                upper.push(if mid < b { mid } else { a });
                remaining -= filled;
                filled = 0;
                bins_left -= 1;
            }
        }
        BinMapper { upper }
    }
}

/// The training matrix as bin indices, column-major, with each feature's edges.
pub(crate) struct BinnedData {
    pub n_rows: usize,
    pub mappers: Vec<BinMapper>,
    /// `bins[f * n_rows + r]`: bin of row `r` in feature `f`.
    pub bins: Vec<u8>,
    /// Start of each feature's histogram in a flat histogram of all features; last = total.
    pub hist_offsets: Vec<usize>,
}

impl BinnedData {
    pub fn new(x: &Matrix, max_bins: usize) -> BinnedData {
        let (n, p) = (x.n_rows(), x.n_cols());
        let data = x.as_slice();
        let step = n.div_ceil(BIN_SAMPLE_ROWS).max(1);
        let per_feature: Vec<(BinMapper, Vec<u8>)> = (0..p)
            .into_par_iter()
            .map(|f| {
                let sample: Vec<f64> = (0..n)
                    .step_by(step)
                    .map(|r| data[r * p + f])
                    .filter(|v| !v.is_nan())
                    .collect();
                let mapper = BinMapper::fit(sample, max_bins);
                let column = (0..n).map(|r| mapper.bin(data[r * p + f])).collect();
                (mapper, column)
            })
            .collect();
        let mut bins = Vec::with_capacity(n * p);
        let mut mappers = Vec::with_capacity(p);
        let mut hist_offsets = vec![0];
        for (mapper, column) in per_feature {
            bins.extend_from_slice(&column);
            hist_offsets.push(hist_offsets.last().copied().unwrap_or(0) + mapper.missing_bin() + 1);
            mappers.push(mapper);
        }
        BinnedData {
            n_rows: n,
            mappers,
            bins,
            hist_offsets,
        }
    }

    pub fn column(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_one_bin_each_and_missing_the_last() {
        let m = BinMapper::fit(vec![3.0, 1.0, 2.0, 2.0, 1.0], 255);
        assert_eq!(m.upper, vec![1.5, 2.5]);
        assert_eq!(
            [1.0, 1.5, 2.0, 3.0, 9.0, f64::NAN].map(|v| m.bin(v)),
            [0, 0, 1, 2, 2, 3]
        );
    }

    #[test]
    fn many_values_fill_at_most_max_bins_of_similar_size() {
        let values: Vec<f64> = (0..10_000).map(|i| f64::from(i % 1000)).collect();
        let m = BinMapper::fit(values.clone(), 16);
        assert_eq!(m.n_value_bins(), 16);
        let mut counts = [0usize; 17];
        for v in values {
            counts[m.bin(v) as usize] += 1;
        }
        assert!(
            counts[..16].iter().all(|&c| (500..=800).contains(&c)),
            "{counts:?}"
        );
    }
}
