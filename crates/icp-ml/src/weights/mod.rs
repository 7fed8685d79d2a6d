//! Learned engagement weights: instead of arbitrary points per activity, learn what each
//! event type (and its recency) is worth from which accounts went on to convert or expand.
//!
//! 1. [`decayed_counts`]: per account and event type, events weighted `0.5^(age /
//!    half_life_days)`;
//! 2. [`EngagementModel::fit`]: an L2 logistic regression ([`LogisticModel`], Newton/IRLS on
//!    standardised features, intercept unpenalised) of the outcome on those counts — its
//!    coefficients are the weights;
//! 3. [`EngagementModel::score`]: 0–100, the percentile of `Σ weight · count` among the
//!    training accounts (stored in the model, so scores compare across accounts and runs);
//! 4. [`equal_points`] is the naive baseline and [`roc_auc`] compares how well each ranks
//!    converters.
//!
//! ```
//! use icp_ml::weights::{
//!     decayed_counts, equal_points, roc_auc, AccountEvent, EngagementModel, EngagementParams,
//! };
//!
//! // Type 0 = newsletter open (worthless), type 1 = pricing view (converters do it).
//! let ev = |event_type, age_days| AccountEvent { event_type, age_days };
//! let mut accounts = Vec::new();
//! let mut converted = Vec::new();
//! for i in 0..40 {
//!     let mut events = vec![ev(0, 1.0); 5 + i % 7];
//!     if i % 2 == 0 {
//!         events.extend([ev(1, 3.0), ev(1, 10.0)]);
//!     }
//!     accounts.push(events);
//!     converted.push(i % 2 == 0 && i % 6 != 0 || i % 9 == 1);
//! }
//! let x = decayed_counts(&accounts, 2, 30.0)?;
//! let names = vec!["newsletter".to_string(), "pricing".to_string()];
//! let model = EngagementModel::fit(names, &x, &converted, &EngagementParams::default())?;
//! assert!(model.weights()[1] > model.weights()[0]);
//! let learned = roc_auc(&model.score(&x)?, &converted)?;
//! let naive = roc_auc(&equal_points(&x)?, &converted)?;
//! assert!(learned > naive);
//! assert!(model.score(&x)?.iter().all(|s| (0.0..=100.0).contains(s)));
//! # Ok::<(), icp_ml::Error>(())
//! ```

mod auc;
mod engagement;
mod logistic;
mod params;

pub use auc::roc_auc;
pub use engagement::{
    AccountEvent, ENGAGEMENT_FORMAT_VERSION, EngagementModel, WeightRow, decayed_counts,
    equal_points,
};
pub use logistic::{LOGISTIC_FORMAT_VERSION, LogisticModel};
pub use params::{EngagementParams, LogisticParams};
