//! Exact path-dependent TreeSHAP (Lundberg, Erion & Lee 2018, Algorithm 2: EXTEND / UNWIND
//! over the unique path of features from root to leaf, weighted by node cover) and SHAP
//! interaction values (the same recursion conditioned on one feature being known or unknown),
//! parallel over rows.

use rayon::prelude::*;

use super::tree::Tree;
use crate::{Error, Matrix, Result};

/// Rows per parallel task.
const ROW_BLOCK: usize = 64;

/// Marks the root element of a path, which stands for no feature.
const NO_FEATURE: usize = usize::MAX;

#[derive(Debug, Clone, Copy, Default)]
struct PathElement {
    feature: usize,
    zero_fraction: f64,
    one_fraction: f64,
    weight: f64,
}

fn extend(path: &mut [PathElement], depth: usize, zero: f64, one: f64, feature: usize) {
    path[depth] = PathElement {
        feature,
        zero_fraction: zero,
        one_fraction: one,
        weight: if depth == 0 { 1.0 } else { 0.0 },
    };
    let d1 = (depth + 1) as f64;
    for i in (0..depth).rev() {
        path[i + 1].weight += one * path[i].weight * (i + 1) as f64 / d1;
        path[i].weight = zero * path[i].weight * (depth - i) as f64 / d1;
    }
}

fn unwind(path: &mut [PathElement], depth: usize, index: usize) {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let d1 = (depth + 1) as f64;
    let mut next_one_portion = path[depth].weight;
    for i in (0..depth).rev() {
        if one != 0.0 {
            let tmp = path[i].weight;
            path[i].weight = next_one_portion * d1 / ((i + 1) as f64 * one);
            next_one_portion = tmp - path[i].weight * zero * (depth - i) as f64 / d1;
        } else {
            path[i].weight = path[i].weight * d1 / (zero * (depth - i) as f64);
        }
    }
    for i in index..depth {
        path[i].feature = path[i + 1].feature;
        path[i].zero_fraction = path[i + 1].zero_fraction;
        path[i].one_fraction = path[i + 1].one_fraction;
    }
}

/// Total weight of the path with element `index` unwound, without modifying it.
fn unwound_sum(path: &[PathElement], depth: usize, index: usize) -> f64 {
    let one = path[index].one_fraction;
    let zero = path[index].zero_fraction;
    let mut next_one_portion = path[depth].weight;
    let mut total = 0.0;
    if one != 0.0 {
        for i in (0..depth).rev() {
            let tmp = next_one_portion / ((i + 1) as f64 * one);
            total += tmp;
            next_one_portion = path[i].weight - tmp * zero * (depth - i) as f64;
        }
    } else {
        for i in (0..depth).rev() {
            total += path[i].weight / (zero * (depth - i) as f64);
        }
    }
    total * (depth + 1) as f64
}

/// One tree's recursion for one row; `condition` +1 / −1 fixes `condition_feature` as known /
/// unknown (interaction values), 0 is plain TreeSHAP.
struct Recursion<'a> {
    tree: &'a Tree,
    row: &'a [f64],
    phi: &'a mut [f64],
    scale: f64,
    condition: i8,
    condition_feature: usize,
    /// Path elements per recursion level (tree depth + 2).
    stride: usize,
}

impl Recursion<'_> {
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        node: usize,
        buf: &mut [PathElement],
        depth: usize,
        zero: f64,
        one: f64,
        feature: usize,
        condition_fraction: f64,
    ) {
        if condition_fraction == 0.0 {
            return;
        }
        let s = self.stride;
        let (parent, rest) = buf.split_at_mut(s);
        rest[..=depth].copy_from_slice(&parent[..=depth]);
        if self.condition == 0 || feature != self.condition_feature {
            extend(&mut rest[..s], depth, zero, one, feature);
        }
        let n = &self.tree.nodes[node];
        if n.is_leaf() {
            let path = &rest[..s];
            let value = n.value * self.scale * condition_fraction;
            for i in 1..=depth {
                let el = path[i];
                let w = unwound_sum(path, depth, i);
                self.phi[el.feature] += w * (el.one_fraction - el.zero_fraction) * value;
            }
            return;
        }
        let split = n.feature as usize;
        let hot = n.next(self.row[split]);
        let cold = if hot == n.left as usize {
            n.right as usize
        } else {
            n.left as usize
        };
        let hot_zero = self.tree.nodes[hot].cover / n.cover;
        let cold_zero = self.tree.nodes[cold].cover / n.cover;
        let (mut incoming_zero, mut incoming_one) = (1.0, 1.0);
        let mut depth = depth;
        if let Some(k) = (1..=depth).find(|&k| rest[k].feature == split) {
            incoming_zero = rest[k].zero_fraction;
            incoming_one = rest[k].one_fraction;
            unwind(&mut rest[..s], depth, k);
            depth -= 1;
        }
        let (mut hot_fraction, mut cold_fraction) = (condition_fraction, condition_fraction);
        let mut child_depth = depth + 1;
        if split == self.condition_feature && self.condition > 0 {
            cold_fraction = 0.0;
            child_depth -= 1;
        } else if split == self.condition_feature && self.condition < 0 {
            hot_fraction *= hot_zero;
            cold_fraction *= cold_zero;
            child_depth -= 1;
        }
        self.run(
            hot,
            rest,
            child_depth,
            hot_zero * incoming_zero,
            incoming_one,
            split,
            hot_fraction,
        );
        self.run(
            cold,
            rest,
            child_depth,
            cold_zero * incoming_zero,
            0.0,
            split,
            cold_fraction,
        );
    }
}

/// Adds `scale ×` every tree's SHAP values of `row` to `phi` (length p).
#[allow(clippy::too_many_arguments)]
fn tree_shap_row(
    trees: &[Tree],
    strides: &[usize],
    row: &[f64],
    phi: &mut [f64],
    scale: f64,
    condition: i8,
    condition_feature: usize,
    buf: &mut Vec<PathElement>,
) {
    for (tree, &stride) in trees.iter().zip(strides) {
        if buf.len() < stride * (stride + 1) {
            buf.resize(stride * (stride + 1), PathElement::default());
        }
        Recursion {
            tree,
            row,
            phi: &mut *phi,
            scale,
            condition,
            condition_feature,
            stride,
        }
        .run(0, buf, 0, 1.0, 1.0, NO_FEATURE, 1.0);
    }
}

/// Path elements per recursion level of each tree: its depth + 2.
fn strides(trees: &[Tree]) -> Vec<usize> {
    trees.iter().map(|t| t.depth() + 2).collect()
}

/// `offset + scale × Σ` expected tree outputs: the SHAP base value.
fn base_value(trees: &[Tree], offset: f64, scale: f64) -> f64 {
    offset + scale * trees.iter().map(Tree::expected_value).sum::<f64>()
}

/// n × (p + 1) SHAP values of `offset + scale × Σ trees`, base value in the last column.
pub(crate) fn shap_values(trees: &[Tree], x: &Matrix, offset: f64, scale: f64) -> Matrix {
    let p = x.n_cols();
    let base = base_value(trees, offset, scale);
    let strides = strides(trees);
    let mut out = vec![0.0; x.n_rows() * (p + 1)];
    if p > 0 {
        out.par_chunks_mut(ROW_BLOCK * (p + 1))
            .zip(x.as_slice().par_chunks(ROW_BLOCK * p))
            .for_each(|(out, rows)| {
                let mut buf = Vec::new();
                for (phi, row) in out.chunks_mut(p + 1).zip(rows.chunks(p)) {
                    tree_shap_row(
                        trees,
                        &strides,
                        row,
                        &mut phi[..p],
                        scale,
                        0,
                        NO_FEATURE,
                        &mut buf,
                    );
                    phi[p] = base;
                }
            });
    }
    Matrix::new(out, x.n_rows(), p + 1).expect("n × (p + 1) values by construction")
}

/// SHAP interaction values among chosen features, per row.
///
/// For chosen features `a ≠ b`, `value(row, a, b)` is Φ_ab = (φ_b with a known − φ_b with a
/// unknown) / 2, half the interaction effect (symmetric in theory). The diagonal `value(row, a, a)` is the
/// main effect φ_a − Σ_{j ≠ a} Φ_aj over *all* features, so with every feature chosen each
/// row of the matrix sums to the SHAP value φ_a.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapInteractions {
    pub features: Vec<usize>,
    pub n_rows: usize,
    /// n × k × k, row-major.
    pub values: Vec<f64>,
}

impl ShapInteractions {
    /// Φ between the `a`-th and `b`-th chosen features for `row`.
    pub fn value(&self, row: usize, a: usize, b: usize) -> f64 {
        let k = self.features.len();
        self.values[(row * k + a) * k + b]
    }

    /// Pairs of chosen features `(i, j, strength)`, strongest first, where strength is the
    /// mean over rows of |Φ_ij + Φ_ji| (the whole interaction effect).
    pub fn strongest_pairs(&self) -> Vec<(usize, usize, f64)> {
        let k = self.features.len();
        let mut pairs = Vec::new();
        for a in 0..k {
            for b in a + 1..k {
                let total: f64 = (0..self.n_rows)
                    .map(|r| (self.value(r, a, b) + self.value(r, b, a)).abs())
                    .sum();
                pairs.push((
                    self.features[a],
                    self.features[b],
                    total / self.n_rows.max(1) as f64,
                ));
            }
        }
        pairs.sort_by(|x, y| y.2.total_cmp(&x.2));
        pairs
    }
}

pub(crate) fn shap_interactions(
    trees: &[Tree],
    x: &Matrix,
    features: &[usize],
    scale: f64,
) -> Result<ShapInteractions> {
    let p = x.n_cols();
    for (i, &f) in features.iter().enumerate() {
        if f >= p {
            return Err(Error::OutOfRange {
                what: "interaction feature",
                index: f,
                len: p,
            });
        }
        if features[..i].contains(&f) {
            return Err(Error::invalid_parameter(
                "features",
                "distinct feature indices",
                format!("{f} twice"),
            ));
        }
    }
    let k = features.len();
    let strides = strides(trees);
    let mut values = vec![0.0; x.n_rows() * k * k];
    if k > 0 && p > 0 {
        values
            .par_chunks_mut(k * k)
            .zip(x.as_slice().par_chunks(p))
            .for_each_init(
                || (Vec::new(), vec![0.0; p], vec![0.0; p], vec![0.0; p]),
                |(buf, phi, on, off), (out, row)| {
                    phi.fill(0.0);
                    tree_shap_row(trees, &strides, row, phi, scale, 0, NO_FEATURE, buf);
                    for (a, &fa) in features.iter().enumerate() {
                        on.fill(0.0);
                        off.fill(0.0);
                        tree_shap_row(trees, &strides, row, on, scale, 1, fa, buf);
                        tree_shap_row(trees, &strides, row, off, scale, -1, fa, buf);
                        let mut off_diagonal = 0.0;
                        for j in (0..p).filter(|&j| j != fa) {
                            off_diagonal += (on[j] - off[j]) / 2.0;
                        }
                        for (b, &fb) in features.iter().enumerate() {
                            out[a * k + b] = if fb == fa {
                                phi[fa] - off_diagonal
                            } else {
                                (on[fb] - off[fb]) / 2.0
                            };
                        }
                    }
                },
            );
    }
    Ok(ShapInteractions {
        features: features.to_vec(),
        n_rows: x.n_rows(),
        values,
    })
}
