//! The histogram tree learner shared by boosting and the forest: leaf-wise (best-first) growth
//! up to `max_leaves`, gradient/hessian histograms per leaf built (and searched for the best
//! split) in parallel over features,
//! the larger child's histogram derived by subtraction from its parent's, rows kept as one
//! index array partitioned in place (branch-free, large leaves in parallel chunks), missing values in their own bin with a learned default
//! direction, L2-regularised leaf values and monotone constraints enforced exactly by bounding
//! child outputs (LightGBM's "basic" method).
//!
//! Written by hand rather than bound to LightGBM: the `lightgbm3` crate needs CMake ≥ 3.28 at
//! build time, which the two set-up commands of the README must not require. Against LightGBM
//! 4.7 on the same data and settings (bench/gbm.sh, 32 features, 100 trees × 31 leaves, 2
//! threads) on an idle machine: training 1.32× LightGBM's speed at 100k rows and 1.06× at
//! 1M, held-out AUC within 0.0025; details in docs/benchmarks.md.

use std::ops::Range;

use rayon::prelude::*;

use super::bins::BinnedData;
use super::tree::{Node, Tree};

/// Below this many (row × feature) updates a histogram is built on one thread.
const PARALLEL_MIN_WORK: usize = 1 << 16;

/// A leaf keeps its histogram (for the subtraction trick) when its rows × active features are
/// at least this many times the histogram's size.
const HIST_KEEP_FACTOR: usize = 4;

/// From this many candidate features on, a leaf's best split is searched in parallel.
const PARALLEL_SPLIT_FEATURES: usize = 8;

/// Rows a thread partitions in one piece when a leaf is split in parallel.
const PARTITION_CHUNK: usize = 1 << 16;

/// Features whose histograms one pass over a leaf's rows fills.
const FEATURES_PER_PASS: usize = 4;

/// Deterministic SplitMix64 stream for the row and feature draws.
pub(crate) struct SeededRng(u64);

impl SeededRng {
    pub fn new(seed: u64) -> SeededRng {
        SeededRng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n ≥ 1).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// `k` distinct values of `0..n`, sorted.
    pub fn choose(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut pool: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + self.below(n - i);
            pool.swap(i, j);
        }
        pool.truncate(k.min(n));
        pool.sort_unstable();
        pool
    }
}

/// Tree-shape and regularisation settings of one grown tree.
pub(crate) struct TreeConfig<'a> {
    pub max_leaves: usize,
    pub max_depth: Option<usize>,
    pub min_data_in_leaf: usize,
    pub min_sum_hessian: f64,
    pub min_gain: f64,
    pub lambda_l2: f64,
    /// Empty or one −1/0/+1 per feature.
    pub monotone: &'a [i8],
    /// Features drawn afresh at every split (random forest); `None` = all active ones.
    pub features_per_split: Option<usize>,
}

/// Gradient and hessian sums of a set of rows (a histogram bin, a leaf, a split side). Row
/// counts are not summed: a leaf's is its row range's length, and a split side's is estimated
/// from its hessian share (as LightGBM does), which keeps a bin to one 16-byte add.
#[derive(Debug, Clone, Copy, Default)]
struct Stats {
    g: f64,
    h: f64,
}

impl Stats {
    #[inline(always)]
    fn add_row(&mut self, gh: &[f64; 2]) {
        self.g += gh[0];
        self.h += gh[1];
    }

    #[inline]
    fn add(&mut self, o: &Stats) {
        self.g += o.g;
        self.h += o.h;
    }

    fn minus(&self, o: &Stats) -> Stats {
        Stats {
            g: self.g - o.g,
            h: self.h - o.h,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Split {
    feature: usize,
    bin: usize,
    default_left: bool,
    gain: f64,
    left: Stats,
    right: Stats,
    left_value: f64,
    right_value: f64,
}

struct Leaf {
    node: usize,
    rows: Range<usize>,
    depth: usize,
    stats: Stats,
    /// Bounds on the leaf's output from monotone splits above it.
    lo: f64,
    hi: f64,
    hist: Option<Vec<Stats>>,
    best: Option<Split>,
}

/// A grown tree (leaf values not yet shrunk) and, per leaf node, its range in the row array.
pub(crate) struct GrownTree {
    pub tree: Tree,
    pub leaf_rows: Vec<(usize, Range<usize>)>,
}

pub(crate) struct TreeLearner<'a> {
    data: &'a BinnedData,
    cfg: TreeConfig<'a>,
    scratch: Vec<u32>,
    /// Gradients of the rows being histogrammed, in row order (reused: no page faults).
    ordered: Vec<[f64; 2]>,
    /// Histograms of leaves no longer split, ready for reuse.
    spare_hists: Vec<Vec<Stats>>,
}

impl<'a> TreeLearner<'a> {
    pub fn new(data: &'a BinnedData, cfg: TreeConfig<'a>) -> TreeLearner<'a> {
        TreeLearner {
            data,
            cfg,
            scratch: Vec::new(),
            ordered: Vec::new(),
            spare_hists: Vec::new(),
        }
    }

    /// Grows one tree on `rows` (partitioned in place) with per-row `[gradient, hessian]`,
    /// splitting only on `active` features.
    pub fn grow(
        &mut self,
        gh: &[[f64; 2]],
        rows: &mut [u32],
        active: &[bool],
        rng: &mut SeededRng,
    ) -> GrownTree {
        let n_active = active.iter().filter(|&&a| a).count();
        let hist = self.new_hist(rows, gh, active);
        let stats = self.total_of(&hist, active);
        let root_value = self.leaf_output(&stats, f64::NEG_INFINITY, f64::INFINITY);
        let mut nodes = vec![Node::leaf(root_value, rows.len() as f64)];
        let mut root = Leaf {
            node: 0,
            rows: 0..rows.len(),
            depth: 0,
            stats,
            lo: f64::NEG_INFINITY,
            hi: f64::INFINITY,
            hist: Some(hist),
            best: None,
        };
        root.best = self.best_split(&root, active, rng);
        let mut leaves = vec![root];
        while leaves.len() < self.cfg.max_leaves {
            let Some(pick) = leaves
                .iter()
                .enumerate()
                .filter_map(|(i, l)| l.best.map(|s| (i, s.gain)))
                .fold(None, |acc: Option<(usize, f64)>, (i, g)| match acc {
                    Some((_, best)) if best >= g => acc,
                    _ => Some((i, g)),
                })
                .map(|(i, _)| i)
            else {
                break;
            };
            let parent = leaves.swap_remove(pick);
            let (left, right) = self.split_leaf(parent, gh, rows, active, &mut nodes);
            for mut child in [left, right] {
                child.best = self.best_split(&child, active, rng);
                // A leaf keeps its histogram only while it may be split and rebuilding it from
                // its rows would cost more than a few passes over the histogram: memory stays
                // bounded by rows, not by `max_leaves` (deep forest trees).
                let cheap_to_rebuild =
                    child.rows.len() * n_active < HIST_KEEP_FACTOR * self.total_bins();
                if child.best.is_none() || cheap_to_rebuild {
                    self.spare_hists.extend(child.hist.take());
                }
                leaves.push(child);
            }
        }
        let mut leaf_rows = Vec::with_capacity(leaves.len());
        for leaf in leaves {
            self.spare_hists.extend(leaf.hist);
            leaf_rows.push((leaf.node, leaf.rows));
        }
        leaf_rows.sort_by_key(|(node, _)| *node);
        GrownTree {
            tree: Tree { nodes },
            leaf_rows,
        }
    }

    fn total_bins(&self) -> usize {
        self.data.hist_offsets.last().copied().unwrap_or(0)
    }

    /// Leaf totals from the histogram of any active feature (every row is in one bin).
    fn total_of(&self, hist: &[Stats], active: &[bool]) -> Stats {
        let mut s = Stats::default();
        if let Some(f) = active.iter().position(|&a| a) {
            for b in &hist[self.data.hist_offsets[f]..self.data.hist_offsets[f + 1]] {
                s.add(b);
            }
        }
        s
    }

    /// A histogram of `rows`, in a spare buffer when there is one.
    fn new_hist(&mut self, rows: &[u32], gh: &[[f64; 2]], active: &[bool]) -> Vec<Stats> {
        let mut hist = self
            .spare_hists
            .pop()
            .unwrap_or_else(|| vec![Stats::default(); self.total_bins()]);
        // The root of an unbagged tree holds every row in order: its gradients need no
        // gathering.
        if rows.len() == gh.len() && rows.iter().enumerate().all(|(i, &r)| r as usize == i) {
            self.build_hist(rows, gh, active, &mut hist);
            return hist;
        }
        let mut ordered = std::mem::take(&mut self.ordered);
        ordered.clear();
        if rows.len() < 2 * PARTITION_CHUNK {
            ordered.extend(rows.iter().map(|&r| gh[r as usize]));
        } else {
            ordered.par_extend(rows.par_iter().map(|&r| gh[r as usize]));
        }
        self.build_hist(rows, &ordered, active, &mut hist);
        self.ordered = ordered;
        hist
    }

    fn build_hist(&self, rows: &[u32], ordered: &[[f64; 2]], active: &[bool], hist: &mut [Stats]) {
        let mut per_feature: Vec<(usize, &mut [Stats])> = Vec::with_capacity(active.len());
        let mut rest = hist;
        for (f, &on) in active.iter().enumerate() {
            let width = self.data.hist_offsets[f + 1] - self.data.hist_offsets[f];
            let (head, tail) = rest.split_at_mut(width);
            rest = tail;
            if on {
                per_feature.push((f, head));
            }
        }
        // Features go in groups of four, so each pass loads a row's index and gradient once.
        let mut groups: Vec<Vec<(usize, &mut [Stats])>> = Vec::new();
        let mut features = per_feature.into_iter().peekable();
        while features.peek().is_some() {
            groups.push(features.by_ref().take(FEATURES_PER_PASS).collect());
        }
        let fill = |group: Vec<(usize, &mut [Stats])>| {
            let (fs, mut hs): (Vec<usize>, Vec<&mut [Stats]>) = group.into_iter().unzip();
            hs.iter_mut().for_each(|h| h.fill(Stats::default()));
            let cols: Vec<&[u8]> = fs.iter().map(|&f| self.data.column(f)).collect();
            if hs.len() == FEATURES_PER_PASS {
                // Moved out of the vectors so the loop keeps the slices in registers.
                let [c0, c1, c2, c3]: [&[u8]; 4] = cols.try_into().expect("four columns");
                let [h0, h1, h2, h3]: [&mut [Stats]; 4] = hs.try_into().expect("four histograms");
                let n = c0.len().min(c1.len()).min(c2.len()).min(c3.len());
                debug_assert!(
                    rows.iter().all(|&r| (r as usize) < n),
                    "row index out of range"
                );
                debug_assert!(rows.iter().all(|&r| {
                    let r = r as usize;
                    [
                        (c0, h0.len()),
                        (c1, h1.len()),
                        (c2, h2.len()),
                        (c3, h3.len()),
                    ]
                    .iter()
                    .all(|(c, width)| usize::from(c[r]) < *width)
                }));
                for (&r, g) in rows.iter().zip(ordered) {
                    let r = r as usize;
                    // SAFETY: r < n: the learner only holds row indices of its own data (checked
                    // in debug builds); a bin is at most the feature's missing
                    // bin, the last of its histogram (BinMapper::bin), and the four
                    // histograms are as wide as their features.
                    unsafe {
                        h0.get_unchecked_mut(usize::from(*c0.get_unchecked(r)))
                            .add_row(g);
                        h1.get_unchecked_mut(usize::from(*c1.get_unchecked(r)))
                            .add_row(g);
                        h2.get_unchecked_mut(usize::from(*c2.get_unchecked(r)))
                            .add_row(g);
                        h3.get_unchecked_mut(usize::from(*c3.get_unchecked(r)))
                            .add_row(g);
                    }
                }
            } else {
                for (column, h) in cols.into_iter().zip(hs) {
                    for (&r, g) in rows.iter().zip(ordered) {
                        h[column[r as usize] as usize].add_row(g);
                    }
                }
            }
        };
        if rows.len() * active.len() < PARALLEL_MIN_WORK {
            groups.into_iter().for_each(fill);
        } else {
            groups.into_par_iter().for_each(fill);
        }
    }

    /// L2-regularised Newton step, clamped to the leaf's monotone bounds.
    fn leaf_output(&self, s: &Stats, lo: f64, hi: f64) -> f64 {
        let denom = s.h + self.cfg.lambda_l2;
        let w = if denom > 0.0 { -s.g / denom } else { 0.0 };
        w.clamp(lo, hi)
    }

    /// Twice the loss reduction of output `w` on a leaf (equals G²/(H+λ) at the optimum).
    fn leaf_gain(&self, s: &Stats, w: f64) -> f64 {
        -(2.0 * s.g * w + (s.h + self.cfg.lambda_l2) * w * w)
    }

    fn best_split(&self, leaf: &Leaf, active: &[bool], rng: &mut SeededRng) -> Option<Split> {
        let hist = leaf.hist.as_ref()?;
        let cfg = &self.cfg;
        let n = leaf.rows.len() as f64;
        if leaf.depth >= cfg.max_depth.unwrap_or(usize::MAX)
            || n < 2.0 * cfg.min_data_in_leaf as f64
        {
            return None;
        }
        let candidates: Vec<usize> = {
            let on: Vec<usize> = (0..active.len()).filter(|&f| active[f]).collect();
            match cfg.features_per_split {
                Some(k) if k < on.len() => {
                    rng.choose(on.len(), k).into_iter().map(|i| on[i]).collect()
                }
                _ => on,
            }
        };
        let parent_w = self.leaf_output(&leaf.stats, leaf.lo, leaf.hi);
        let parent_gain = self.leaf_gain(&leaf.stats, parent_w);
        let min_n = cfg.min_data_in_leaf as f64;
        // Histograms hold no counts: a side's rows are estimated from its hessian, as
        // LightGBM does.
        let per_hessian = if leaf.stats.h > 0.0 {
            n / leaf.stats.h
        } else {
            0.0
        };
        let best_of = |f: usize| -> Option<Split> {
            let h = &hist[self.data.hist_offsets[f]..self.data.hist_offsets[f + 1]];
            let n_value_bins = self.data.mappers[f].n_value_bins();
            let missing = h[n_value_bins];
            let constraint = cfg.monotone.get(f).copied().unwrap_or(0);
            let mut best: Option<Split> = None;
            let mut acc = Stats::default();
            for (bin, b) in h[..n_value_bins].iter().enumerate() {
                acc.add(b);
                for default_left in [false, true] {
                    if default_left && missing.h == 0.0 {
                        continue;
                    }
                    let mut left = acc;
                    if default_left {
                        left.add(&missing);
                    }
                    let left_n = left.h * per_hessian;
                    let right = leaf.stats.minus(&left);
                    if left_n < min_n
                        || n - left_n < min_n
                        || left.h < cfg.min_sum_hessian
                        || right.h < cfg.min_sum_hessian
                    {
                        continue;
                    }
                    let wl = self.leaf_output(&left, leaf.lo, leaf.hi);
                    let wr = self.leaf_output(&right, leaf.lo, leaf.hi);
                    if (constraint > 0 && wl > wr) || (constraint < 0 && wl < wr) {
                        continue;
                    }
                    let gain = self.leaf_gain(&left, wl) + self.leaf_gain(&right, wr) - parent_gain;
                    if gain > cfg.min_gain && best.is_none_or(|s| gain > s.gain) {
                        best = Some(Split {
                            feature: f,
                            bin,
                            default_left,
                            gain,
                            left,
                            right,
                            left_value: wl,
                            right_value: wr,
                        });
                    }
                }
            }
            best
        };
        // Per feature in parallel when there are enough; the first feature with the highest
        // gain wins either way.
        let per_feature: Vec<Option<Split>> = if candidates.len() >= PARALLEL_SPLIT_FEATURES {
            candidates.par_iter().map(|&f| best_of(f)).collect()
        } else {
            candidates.iter().map(|&f| best_of(f)).collect()
        };
        per_feature
            .into_iter()
            .flatten()
            .fold(None, |best: Option<Split>, s| match best {
                Some(b) if b.gain >= s.gain => Some(b),
                _ => Some(s),
            })
    }

    /// Applies the leaf's best split: partitions its rows, appends both children to `nodes`
    /// and gives each child a histogram (the smaller built, the larger by subtraction).
    fn split_leaf(
        &mut self,
        mut parent: Leaf,
        gh: &[[f64; 2]],
        rows: &mut [u32],
        active: &[bool],
        nodes: &mut Vec<Node>,
    ) -> (Leaf, Leaf) {
        let split = parent.best.expect("only leaves with a split are split");
        let mapper = &self.data.mappers[split.feature];
        let missing_bin = mapper.missing_bin();
        let column = self.data.column(split.feature);
        let segment = &mut rows[parent.rows.clone()];
        // The missing bin is the feature's last, so `b <= split.bin` never sends it left.
        let (bin, default_left) = (split.bin, split.default_left);
        let goes_left = move |b: usize| (b <= bin) | (default_left & (b == missing_bin));
        let n_left = partition(segment, column, goes_left, &mut self.scratch);

        let (left_id, right_id) = (nodes.len(), nodes.len() + 1);
        let threshold = mapper.upper.get(split.bin).copied().unwrap_or(f64::MAX);
        nodes[parent.node] = Node {
            feature: split.feature as u32,
            threshold,
            default_left: split.default_left,
            left: left_id as u32,
            right: right_id as u32,
            value: 0.0,
            cover: nodes[parent.node].cover,
            gain: split.gain,
        };
        nodes.push(Node::leaf(split.left_value, n_left as f64));
        nodes.push(Node::leaf(
            split.right_value,
            (segment.len() - n_left) as f64,
        ));

        let (mut left_lo, mut left_hi) = (parent.lo, parent.hi);
        let (mut right_lo, mut right_hi) = (parent.lo, parent.hi);
        match self.cfg.monotone.get(split.feature).copied().unwrap_or(0) {
            c if c > 0 => {
                let mid = (split.left_value + split.right_value) / 2.0;
                left_hi = left_hi.min(mid);
                right_lo = right_lo.max(mid);
            }
            c if c < 0 => {
                let mid = (split.left_value + split.right_value) / 2.0;
                left_lo = left_lo.max(mid);
                right_hi = right_hi.min(mid);
            }
            _ => {}
        }
        let start = parent.rows.start;
        let left_rows = start..start + n_left;
        let right_rows = start + n_left..parent.rows.end;
        let left_smaller = left_rows.len() <= right_rows.len();
        let (small_rows, large_rows) = if left_smaller {
            (left_rows.clone(), right_rows.clone())
        } else {
            (right_rows.clone(), left_rows.clone())
        };
        let small_hist = self.new_hist(&rows[small_rows], gh, active);
        let large_hist = match parent.hist.take() {
            Some(mut h) => {
                for (p, s) in h.iter_mut().zip(&small_hist) {
                    *p = p.minus(s);
                }
                h
            }
            None => self.new_hist(&rows[large_rows], gh, active),
        };
        let (left_hist, right_hist) = if left_smaller {
            (small_hist, large_hist)
        } else {
            (large_hist, small_hist)
        };
        let child = |node, rows, stats, lo, hi, hist| Leaf {
            node,
            rows,
            depth: parent.depth + 1,
            stats,
            lo,
            hi,
            hist: Some(hist),
            best: None,
        };
        (
            child(left_id, left_rows, split.left, left_lo, left_hi, left_hist),
            child(
                right_id,
                right_rows,
                split.right,
                right_lo,
                right_hi,
                right_hist,
            ),
        )
    }
}

/// Moves the rows of `segment` whose bin in `column` goes left to its front and the others
/// behind them, each side in its original order (so a leaf's rows stay increasing), and
/// returns how many went left. Branch-free (the side of a row is a coin flip to the branch
/// predictor); large leaves are cut into chunks partitioned in parallel, then stitched
/// together through `scratch`.
fn partition(
    segment: &mut [u32],
    column: &[u8],
    goes_left: impl Fn(usize) -> bool + Sync,
    scratch: &mut Vec<u32>,
) -> usize {
    // Partitions one chunk in place through `right` (its rows that go right); returns the
    // number that went left.
    let partition_chunk = |chunk: &mut [u32], right: &mut Vec<u32>| -> usize {
        right.clear();
        right.resize(chunk.len(), 0);
        let (mut n_left, mut n_right) = (0, 0);
        for i in 0..chunk.len() {
            let r = chunk[i];
            let left = goes_left(usize::from(column[r as usize]));
            // n_left ≤ i and n_right ≤ i: both writes are in bounds and never clobber an
            // unread row.
            chunk[n_left] = r;
            right[n_right] = r;
            n_left += usize::from(left);
            n_right += usize::from(!left);
        }
        chunk[n_left..].copy_from_slice(&right[..n_right]);
        n_left
    };
    if segment.len() < 2 * PARTITION_CHUNK {
        return partition_chunk(segment, scratch);
    }
    let lefts: Vec<usize> = segment
        .par_chunks_mut(PARTITION_CHUNK)
        .map_init(Vec::new, |right, chunk| partition_chunk(chunk, right))
        .collect();
    scratch.clear();
    scratch.reserve(segment.len());
    for (chunk, &n) in segment.chunks(PARTITION_CHUNK).zip(&lefts) {
        scratch.extend_from_slice(&chunk[..n]);
    }
    for (chunk, &n) in segment.chunks(PARTITION_CHUNK).zip(&lefts) {
        scratch.extend_from_slice(&chunk[n..]);
    }
    segment.copy_from_slice(scratch);
    lefts.iter().sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both the one-piece and the chunked partition keep each side in its original order.
    #[test]
    fn partition_is_stable_on_both_sides() {
        let mut rng = SeededRng::new(7);
        for n in [0, 1, 17, 2 * PARTITION_CHUNK + 12_345] {
            let column: Vec<u8> = (0..n).map(|_| rng.below(6) as u8).collect();
            // Every other row, so indices are increasing but not contiguous.
            let mut segment: Vec<u32> = (0..n as u32).filter(|r| r % 2 == 0).collect();
            let goes_left = |b: usize| (b <= 2) | (b == 5);
            let left_of = |r: &u32| goes_left(usize::from(column[*r as usize]));
            let (lefts, rights): (Vec<u32>, Vec<u32>) = segment.iter().partition(|r| left_of(r));
            let expected: Vec<u32> = lefts.into_iter().chain(rights).collect();
            let n_left = partition(&mut segment, &column, goes_left, &mut Vec::new());
            assert_eq!(segment, expected, "n = {n}");
            assert!(segment[..n_left].iter().all(left_of));
        }
    }
}
