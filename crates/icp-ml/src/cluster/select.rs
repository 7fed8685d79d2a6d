//! Choosing K as a tested hypothesis: a sweep over a range of K fits k-means at each K and
//! records inertia, silhouette (exact up to `exact_silhouette_rows` rows, sampled with its
//! standard error beyond), Calinski–Harabasz, Davies–Bouldin and the BIC of a diagonal
//! Gaussian mixture; [`add_latent_class_scores`] adds, from the typed columns, the BIC and
//! ICL of a latent class model ([`super::latent_class`]) at each K; [`recommend`] picks K
//! inside the operational bounds and says why.
//!
//! The rule: when the latent class scores are there, K is the one with the lowest ICL among
//! those whose smallest class holds at least `min_share` of the rows (a class of a few dozen
//! accounts is a set of outliers, not a segment to run plays on). The geometric criteria
//! still vote and are reported beside it. Without latent class scores, every criterion votes
//! for its best K within the bounds (the elbow by the largest distance to the chord of the
//! normalised inertia curve, silhouette and CH by their maximum, DB and BIC by their
//! minimum); the K with the most votes wins, ties going to the higher mean silhouette.

use serde::{Deserialize, Serialize};

use super::gmm::{Covariance, GaussianMixture};
use super::latent_class::{LatentClass, MixedColumn};
use super::metrics::{
    calinski_harabasz_score, davies_bouldin_score, silhouette_score, silhouette_score_sampled,
};
use super::util::Rng;
use super::{KMeans, KMeansModel};
use crate::{Error, Matrix, Result};

/// Settings of [`sweep`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepParams {
    pub k_min: usize,
    pub k_max: usize,
    /// k-means++ starts per K.
    pub n_init: usize,
    pub seed: u64,
    /// Exact silhouette up to this many rows; a sample of this size beyond.
    pub exact_silhouette_rows: usize,
    /// Fit a diagonal Gaussian mixture per K for its BIC.
    pub bic: bool,
}

impl Default for SweepParams {
    fn default() -> Self {
        SweepParams {
            k_min: 2,
            k_max: 10,
            n_init: 4,
            seed: 0,
            exact_silhouette_rows: 20_000,
            bic: true,
        }
    }
}

/// The criteria at one K.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KScore {
    pub k: usize,
    pub inertia: f64,
    pub silhouette: f64,
    /// Standard error of the silhouette (0 when exact).
    pub silhouette_std_error: f64,
    pub calinski_harabasz: f64,
    pub davies_bouldin: f64,
    /// BIC of a diagonal-covariance Gaussian mixture (lower is better); `None` when off or
    /// when the mixture could not be fitted.
    pub bic: Option<f64>,
    /// The latent class model at this K (see [`add_latent_class_scores`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latent_class: Option<LatentClassScore>,
}

/// How well a latent class model with K classes explains the typed columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatentClassScore {
    pub log_likelihood: f64,
    pub bic: f64,
    /// Integrated completed likelihood (lower is better).
    pub icl: f64,
    /// Share of the rows in the smallest class.
    pub smallest_share: f64,
}

/// Fits a latent class model at every K of `scores` on `columns` (the rows of the swept
/// matrix; a random `max_rows` of them when there are more) and records its figures.
pub fn add_latent_class_scores(
    scores: &mut [KScore],
    columns: &[MixedColumn],
    n_init: usize,
    max_rows: usize,
    seed: u64,
) -> Result<()> {
    let n = columns.first().map_or(0, |c| c.len());
    let sampled;
    let columns = if n > max_rows {
        let mut rows = Rng::new(seed).sample_without_replacement(n, max_rows);
        rows.sort_unstable();
        sampled = columns.iter().map(|c| c.select(&rows)).collect::<Vec<_>>();
        &sampled[..]
    } else {
        columns
    };
    for score in scores {
        let model = LatentClass::new(score.k)
            .n_init(n_init)
            .seed(seed)
            .fit(columns)?;
        score.latent_class = Some(LatentClassScore {
            log_likelihood: model.log_likelihood,
            bic: model.bic(),
            icl: model.icl(),
            smallest_share: model.smallest_share(),
        });
    }
    Ok(())
}

/// A sweep and the models it fitted (one per K, in `scores` order).
#[derive(Debug, Clone)]
pub struct Sweep {
    pub scores: Vec<KScore>,
    pub models: Vec<KMeansModel>,
}

/// Fits k-means at every K of `params.k_min..=params.k_max` and scores each partition.
pub fn sweep(x: &Matrix, params: &SweepParams) -> Result<Sweep> {
    if params.k_min < 2 || params.k_max < params.k_min {
        return Err(Error::invalid_parameter(
            "k range",
            "2 ≤ k_min ≤ k_max",
            format!("{}..={}", params.k_min, params.k_max),
        ));
    }
    if x.n_rows() <= params.k_max {
        return Err(Error::FitFailed {
            model: "K sweep",
            message: format!(
                "{} rows are too few for K up to {}",
                x.n_rows(),
                params.k_max
            ),
        });
    }
    let mut scores = Vec::new();
    let mut models = Vec::new();
    for k in params.k_min..=params.k_max {
        let model = KMeans::params(k)
            .n_init(params.n_init)
            .seed(params.seed)
            .fit(x)?;
        let labels = model.labels();
        let (silhouette, silhouette_std_error) = if x.n_rows() <= params.exact_silhouette_rows {
            (silhouette_score(x, labels)?, 0.0)
        } else {
            let e = silhouette_score_sampled(x, labels, params.exact_silhouette_rows, params.seed)?;
            (e.value, e.std_error)
        };
        let bic = if params.bic {
            GaussianMixture::new(k)
                .covariance(Covariance::Diagonal)
                .seed(params.seed)
                .fit(x)
                .ok()
                .map(|m| m.bic())
        } else {
            None
        };
        scores.push(KScore {
            k,
            inertia: model.inertia(),
            silhouette,
            silhouette_std_error,
            calinski_harabasz: calinski_harabasz_score(x, labels)?,
            davies_bouldin: davies_bouldin_score(x, labels)?,
            bic,
            latent_class: None,
        });
        models.push(model);
    }
    Ok(Sweep { scores, models })
}

/// The elbow of a decreasing curve: the point farthest from the chord joining its ends,
/// after scaling both axes to `[0, 1]` (the "Kneedle" normalisation). `None` with fewer than
/// three points or a flat curve.
pub fn knee(ks: &[usize], values: &[f64]) -> Option<usize> {
    if ks.len() < 3 || ks.len() != values.len() {
        return None;
    }
    let (k0, k1) = (ks[0] as f64, ks[ks.len() - 1] as f64);
    let (hi, lo) = (values[0], values[values.len() - 1]);
    if hi.is_nan() || lo.is_nan() || hi <= lo {
        return None;
    }
    // Normalised curve from (0, 1) to (1, 0): distance to the chord x + y = 1.
    ks.iter()
        .zip(values)
        .map(|(&k, &v)| {
            let xn = (k as f64 - k0) / (k1 - k0);
            let yn = (v - lo) / (hi - lo);
            (k, 1.0 - xn - yn)
        })
        .fold(None, |best: Option<(usize, f64)>, (k, d)| match best {
            Some((_, bd)) if bd >= d => best,
            _ => Some((k, d)),
        })
        .map(|(k, _)| k)
}

/// The recommended K and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub k: usize,
    /// K voted for by each criterion (criterion name, K), within the bounds.
    pub votes: Vec<(String, usize)>,
    pub reason: String,
}

/// Picks K within `[min_k, max_k]` (the operational bounds) from a sweep; see the module doc.
/// `min_share` is the smallest class share a latent class solution may have to be chosen.
pub fn recommend(
    scores: &[KScore],
    min_k: usize,
    max_k: usize,
    min_share: f64,
) -> Result<Recommendation> {
    let inside: Vec<&KScore> = scores
        .iter()
        .filter(|s| s.k >= min_k && s.k <= max_k)
        .collect();
    if inside.is_empty() {
        return Err(Error::invalid_parameter(
            "operational bounds",
            "a K range overlapping the sweep",
            format!("{min_k}..={max_k}"),
        ));
    }
    let best_by = |f: &dyn Fn(&KScore) -> f64, maximise: bool| -> usize {
        inside
            .iter()
            .fold(None::<(usize, f64)>, |b, s| {
                let v = if maximise { f(s) } else { -f(s) };
                match b {
                    Some((_, bv)) if bv >= v => b,
                    _ => Some((s.k, v)),
                }
            })
            .map_or(min_k, |(k, _)| k)
    };
    let mut votes = Vec::new();
    let ks: Vec<usize> = scores.iter().map(|s| s.k).collect();
    let inertias: Vec<f64> = scores.iter().map(|s| s.inertia).collect();
    if let Some(k) = knee(&ks, &inertias) {
        votes.push(("elbow".to_string(), k.clamp(min_k, max_k)));
    }
    votes.push(("silhouette".into(), best_by(&|s| s.silhouette, true)));
    votes.push((
        "Calinski–Harabasz".into(),
        best_by(&|s| s.calinski_harabasz, true),
    ));
    votes.push((
        "Davies–Bouldin".into(),
        best_by(&|s| s.davies_bouldin, false),
    ));
    if inside.iter().all(|s| s.bic.is_some()) {
        votes.push((
            "mixture BIC".into(),
            best_by(&|s| s.bic.unwrap_or(f64::INFINITY), false),
        ));
    }
    let silhouette_of = |k: usize| {
        inside
            .iter()
            .find(|s| s.k == k)
            .map_or(f64::NEG_INFINITY, |s| s.silhouette)
    };
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for (_, k) in &votes {
        match tally.iter_mut().find(|(tk, _)| tk == k) {
            Some(t) => t.1 += 1,
            None => tally.push((*k, 1)),
        }
    }
    tally.sort_by(|a, b| {
        b.1.cmp(&a.1)
            .then(silhouette_of(b.0).total_cmp(&silhouette_of(a.0)))
    });
    let latent: Vec<(usize, &LatentClassScore)> = inside
        .iter()
        .filter_map(|s| s.latent_class.as_ref().map(|l| (s.k, l)))
        .collect();
    let eligible = latent
        .iter()
        .filter(|(_, l)| l.smallest_share >= min_share)
        .min_by(|a, b| a.1.icl.total_cmp(&b.1.icl));
    if latent.len() == inside.len()
        && let Some(&(k, chosen)) = eligible
    {
        let ruled_out: Vec<String> = latent
            .iter()
            .filter(|(_, l)| l.smallest_share < min_share)
            .map(|(k, l)| format!("{k} (smallest class {:.1}%)", 100.0 * l.smallest_share))
            .collect();
        let runner_up = latent
            .iter()
            .filter(|(other, l)| *other != k && l.smallest_share >= min_share)
            .min_by(|a, b| a.1.icl.total_cmp(&b.1.icl));
        let agree: Vec<&str> = votes
            .iter()
            .filter(|(_, v)| *v == k)
            .map(|(n, _)| n.as_str())
            .collect();
        let mut reason = format!(
            "K = {k}: the latent class model of the accounts' mixed columns fits best there \
             (lowest ICL, {:.0}",
            chosen.icl
        );
        if let Some((rk, r)) = runner_up {
            reason.push_str(&format!("; next K = {rk} at {:.0}", r.icl));
        }
        reason.push_str(&format!(") within the operational range {min_k}–{max_k}"));
        if !ruled_out.is_empty() {
            reason.push_str(&format!(
                "; ruled out for a class under {:.0}% of the accounts: {}",
                100.0 * min_share,
                ruled_out.join(", ")
            ));
        }
        if !agree.is_empty() {
            reason.push_str(&format!("; {} agree", agree.join(", ")));
        }
        let others: Vec<String> = votes
            .iter()
            .filter(|(_, v)| *v != k)
            .map(|(n, v)| format!("{n} {v}"))
            .collect();
        if !others.is_empty() {
            reason.push_str(&format!(
                "; geometric criteria preferred {}",
                others.join(", ")
            ));
        }
        reason.push('.');
        votes.push(("latent class ICL".into(), k));
        return Ok(Recommendation { k, votes, reason });
    }
    let k = tally[0].0;
    let agree: Vec<&str> = votes
        .iter()
        .filter(|(_, v)| *v == k)
        .map(|(n, _)| n.as_str())
        .collect();
    let others: Vec<String> = votes
        .iter()
        .filter(|(_, v)| *v != k)
        .map(|(n, v)| format!("{n} {v}"))
        .collect();
    let chosen = inside.iter().find(|s| s.k == k).expect("voted K is inside");
    let mut reason = format!(
        "K = {k}: chosen by {} of {} criteria ({}) within the operational range {min_k}–{max_k}; \
         silhouette {:.2}",
        agree.len(),
        votes.len(),
        agree.join(", "),
        chosen.silhouette
    );
    if !others.is_empty() {
        reason.push_str(&format!("; the others preferred {}", others.join(", ")));
    }
    reason.push('.');
    Ok(Recommendation { k, votes, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knee_of_a_sharp_elbow() {
        let ks = [2, 3, 4, 5, 6, 7, 8];
        let v = [100.0, 60.0, 30.0, 10.0, 9.0, 8.0, 7.5];
        assert_eq!(knee(&ks, &v), Some(5));
        assert_eq!(knee(&ks[..2], &v[..2]), None);
        assert_eq!(knee(&ks[..3], &[1.0, 1.0, 1.0]), None);
    }

    fn score(k: usize, silhouette: f64, icl: f64, smallest_share: f64) -> KScore {
        KScore {
            k,
            inertia: 100.0 / k as f64,
            silhouette,
            silhouette_std_error: 0.0,
            calinski_harabasz: 1000.0 / k as f64,
            davies_bouldin: 1.0 + k as f64 / 10.0,
            bic: None,
            latent_class: Some(LatentClassScore {
                log_likelihood: -icl / 2.0,
                bic: icl,
                icl,
                smallest_share,
            }),
        }
    }

    #[test]
    fn lowest_icl_wins_among_k_without_a_tiny_class() {
        // ICL is lowest at 7, but its smallest class is 0.4% of the rows: 6 is chosen, and
        // the reason names 7 as ruled out.
        let scores: Vec<KScore> = [(4, 0.30, 900.0), (5, 0.25, 800.0), (6, 0.2, 700.0)]
            .iter()
            .map(|&(k, sil, icl)| score(k, sil, icl, 0.1))
            .chain([score(7, 0.1, 650.0, 0.004), score(8, 0.1, 720.0, 0.05)])
            .collect();
        let rec = recommend(&scores, 4, 8, 0.02).unwrap();
        assert_eq!(rec.k, 6, "{}", rec.reason);
        assert!(
            rec.reason.contains("7 (smallest class 0.4%)"),
            "{}",
            rec.reason
        );
        assert!(rec.reason.contains("next K = 8"), "{}", rec.reason);
        // Without the size rule the ICL minimum stands; without latent scores, the votes.
        assert_eq!(recommend(&scores, 4, 8, 0.0).unwrap().k, 7);
        let plain: Vec<KScore> = scores
            .into_iter()
            .map(|s| KScore {
                latent_class: None,
                ..s
            })
            .collect();
        assert_eq!(recommend(&plain, 4, 8, 0.02).unwrap().k, 4);
    }
}
