//! Principal component analysis to a few dimensions, for the segment map: the leading
//! eigenvectors of the covariance matrix by power iteration with deflation (the covariance
//! is `d × d` with `d` a few dozen, so this is exact to the tolerance and needs no
//! linear-algebra crate). Component signs are fixed so the largest-magnitude loading is
//! positive, which keeps the map the same across reruns.

use serde::{Deserialize, Serialize};

use crate::{Error, Matrix, Result};

/// A fitted projection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca {
    pub mean: Vec<f64>,
    /// `n_components` rows of `d` loadings (unit length, orthogonal).
    pub components: Vec<Vec<f64>>,
    /// Variance along each component.
    pub explained_variance: Vec<f64>,
    /// Share of the total variance along each component.
    pub explained_variance_ratio: Vec<f64>,
}

impl Pca {
    /// Fits `n_components` principal axes of `x`.
    pub fn fit(x: &Matrix, n_components: usize) -> Result<Pca> {
        let (n, d) = (x.n_rows(), x.n_cols());
        if n_components == 0 || n_components > d {
            return Err(Error::invalid_parameter(
                "n_components",
                "between 1 and the number of columns",
                n_components,
            ));
        }
        if n < 2 {
            return Err(Error::EmptyInput {
                what: "PCA needs at least two rows",
            });
        }
        let mut mean = vec![0.0; d];
        for row in x.as_slice().chunks_exact(d) {
            mean.iter_mut().zip(row).for_each(|(m, v)| *m += v);
        }
        mean.iter_mut().for_each(|m| *m /= n as f64);
        let mut cov = vec![0.0; d * d];
        let mut c = vec![0.0; d];
        for row in x.as_slice().chunks_exact(d) {
            c.iter_mut()
                .zip(row.iter().zip(&mean))
                .for_each(|(c, (v, m))| *c = v - m);
            for a in 0..d {
                for b in 0..=a {
                    cov[a * d + b] += c[a] * c[b];
                }
            }
        }
        for a in 0..d {
            for b in 0..=a {
                let v = cov[a * d + b] / (n - 1) as f64;
                cov[a * d + b] = v;
                cov[b * d + a] = v;
            }
        }
        let total: f64 = (0..d).map(|a| cov[a * d + a]).sum();
        let mut components = Vec::new();
        let mut explained = Vec::new();
        for comp in 0..n_components {
            // Start from a fixed, non-degenerate vector.
            let mut v: Vec<f64> = (0..d).map(|i| 1.0 + (i + comp) as f64 * 0.01).collect();
            let mut lambda = 0.0;
            for _ in 0..1000 {
                let mut w: Vec<f64> = (0..d)
                    .map(|a| (0..d).map(|b| cov[a * d + b] * v[b]).sum())
                    .collect();
                // Keep the iterate orthogonal to the components already found.
                for c in &components {
                    let dot: f64 = w.iter().zip(c).map(|(a, b)| a * b).sum();
                    w.iter_mut().zip(c).for_each(|(x, c)| *x -= dot * c);
                }
                let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm == 0.0 {
                    break;
                }
                w.iter_mut().for_each(|x| *x /= norm);
                let shift: f64 = w.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
                v = w;
                lambda = norm;
                if shift < 1e-12 {
                    break;
                }
            }
            let pivot = v
                .iter()
                .copied()
                .fold(0.0f64, |b, x| if x.abs() > b.abs() { x } else { b });
            if pivot < 0.0 {
                v.iter_mut().for_each(|x| *x = -*x);
            }
            for a in 0..d {
                for b in 0..d {
                    cov[a * d + b] -= lambda * v[a] * v[b];
                }
            }
            components.push(v);
            explained.push(lambda);
        }
        Ok(Pca {
            mean,
            explained_variance_ratio: explained
                .iter()
                .map(|l| if total > 0.0 { l / total } else { 0.0 })
                .collect(),
            explained_variance: explained,
            components,
        })
    }

    /// Coordinates of each row of `x` on the components.
    pub fn transform(&self, x: &Matrix) -> Result<Vec<Vec<f64>>> {
        if x.n_cols() != self.mean.len() {
            return Err(Error::FeatureCount {
                expected: self.mean.len(),
                found: x.n_cols(),
            });
        }
        Ok(x.as_slice()
            .chunks_exact(x.n_cols().max(1))
            .map(|row| {
                self.components
                    .iter()
                    .map(|c| {
                        c.iter()
                            .zip(row.iter().zip(&self.mean))
                            .map(|(w, (v, m))| w * (v - m))
                            .sum()
                    })
                    .collect()
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_axis_of_a_line() {
        // Points on y = 2x plus a small orthogonal wobble.
        let mut data = Vec::new();
        for i in 0..50 {
            let t = i as f64 - 25.0;
            for e in [0.1, -0.1] {
                data.extend([t - 2.0 * e, 2.0 * t + e]);
            }
        }
        let x = Matrix::new(data, 100, 2).unwrap();
        let pca = Pca::fit(&x, 2).unwrap();
        let c = &pca.components[0];
        let s = 5f64.sqrt();
        assert!((c[0] - 1.0 / s).abs() < 1e-9 && (c[1] - 2.0 / s).abs() < 1e-9);
        assert!(pca.explained_variance_ratio[0] > 0.999);
        let dot: f64 = c.iter().zip(&pca.components[1]).map(|(a, b)| a * b).sum();
        assert!(dot.abs() < 1e-9);
    }
}
