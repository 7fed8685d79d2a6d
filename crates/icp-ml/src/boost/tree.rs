//! [`Tree`]: one fitted regression tree as a flat node array (children after their parent),
//! evaluated on raw feature values; missing values (NaN) follow each split's learned default
//! direction.

use serde::{Deserialize, Serialize};

/// One node. Leaves have `left == right == 0` (the root is never a child).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// Split feature (internal nodes).
    pub feature: u32,
    /// Rows with `value ≤ threshold` go left.
    pub threshold: f64,
    /// Where a missing value goes.
    pub default_left: bool,
    pub left: u32,
    pub right: u32,
    /// Leaf output on the raw scale (learning rate applied); 0 for internal nodes.
    pub value: f64,
    /// Training rows that reached the node (the cover TreeSHAP weighs by).
    pub cover: f64,
    /// Loss reduction of the split (internal nodes).
    pub gain: f64,
}

impl Node {
    pub fn leaf(value: f64, cover: f64) -> Node {
        Node {
            feature: 0,
            threshold: 0.0,
            default_left: false,
            left: 0,
            right: 0,
            value,
            cover,
            gain: 0.0,
        }
    }

    pub fn is_leaf(&self) -> bool {
        self.left == 0
    }

    /// The child a row with this feature value goes to.
    #[inline]
    pub fn next(&self, value: f64) -> usize {
        let left = if value.is_nan() {
            self.default_left
        } else {
            value <= self.threshold
        };
        if left {
            self.left as usize
        } else {
            self.right as usize
        }
    }
}

/// A regression tree; node 0 is the root.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub nodes: Vec<Node>,
}

impl Tree {
    /// Index of the leaf `row` falls in.
    #[inline]
    pub fn leaf_of(&self, row: &[f64]) -> usize {
        let mut i = 0;
        loop {
            let node = &self.nodes[i];
            if node.is_leaf() {
                return i;
            }
            i = node.next(row[node.feature as usize]);
        }
    }

    #[inline]
    pub fn predict_row(&self, row: &[f64]) -> f64 {
        self.nodes[self.leaf_of(row)].value
    }

    /// Longest root-to-leaf path, in splits.
    pub fn depth(&self) -> usize {
        let mut depth = vec![0usize; self.nodes.len()];
        let mut max = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            if !node.is_leaf() {
                depth[node.left as usize] = depth[i] + 1;
                depth[node.right as usize] = depth[i] + 1;
                max = max.max(depth[i] + 1);
            }
        }
        max
    }

    /// Cover-weighted mean of the leaf values: the tree's output when no feature is known.
    pub fn expected_value(&self) -> f64 {
        let total = self.nodes[0].cover;
        let sum: f64 = self
            .nodes
            .iter()
            .filter(|n| n.is_leaf())
            .map(|n| n.value * n.cover)
            .sum();
        if total > 0.0 { sum / total } else { 0.0 }
    }

    pub(crate) fn scale_leaves(&mut self, factor: f64) {
        for node in self.nodes.iter_mut().filter(|n| n.is_leaf()) {
            node.value *= factor;
        }
    }

    /// Why a loaded tree cannot be evaluated, if it cannot: children must come after their
    /// parent (so evaluation ends), features must exist and numbers be finite.
    pub(crate) fn validate(&self, n_features: usize) -> Result<(), String> {
        if self.nodes.is_empty() {
            return Err("a tree has no node".into());
        }
        let n = self.nodes.len();
        for (i, node) in self.nodes.iter().enumerate() {
            if !(node.value.is_finite() && node.cover.is_finite() && node.cover >= 0.0) {
                return Err(format!("node {i} holds a non-finite value or cover"));
            }
            if node.is_leaf() {
                if node.right != 0 {
                    return Err(format!("node {i} has a right child but no left child"));
                }
                continue;
            }
            let (l, r) = (node.left as usize, node.right as usize);
            if l <= i || r <= i || l >= n || r >= n || l == r {
                return Err(format!(
                    "node {i} has children {l} and {r} out of order or range"
                ));
            }
            if node.cover <= 0.0 {
                return Err(format!("internal node {i} has no cover"));
            }
            if node.feature as usize >= n_features || !node.threshold.is_finite() {
                return Err(format!(
                    "node {i} splits on feature {} at {} (model has {n_features} features)",
                    node.feature, node.threshold
                ));
            }
        }
        Ok(())
    }
}
