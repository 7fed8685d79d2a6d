//! Journeys that convert: frequent sequential patterns of event types ([`prefixspan`],
//! with conversion rate and lift over the base rate via [`prefixspan_with_outcomes`]) and a
//! first-order Markov transition model ([`MarkovModel`]) that gives each journey its likely
//! next step.
//!
//! Sequences are slices of event-type ids (`u32`, dense from 0), one per account, in time
//! order — e.g. the account's events before its opportunity. A pattern is an ordered
//! subsequence with gaps allowed; its support is the number of sequences containing it.
//!
//! ```
//! use icp_ml::sequence::{
//!     prefixspan_with_outcomes, MarkovModel, MarkovParams, MinSupport, PrefixSpanParams, State,
//! };
//!
//! // 0 = webinar, 1 = pricing page, 2 = demo request.
//! let journeys = vec![vec![0, 1, 2], vec![0, 2], vec![1, 0, 1, 2], vec![0, 0]];
//! let converted = [true, false, true, false];
//! let params = PrefixSpanParams::default()
//!     .min_support(MinSupport::Count(2))
//!     .max_pattern_len(3);
//! let patterns = prefixspan_with_outcomes(&journeys, &converted, &params)?;
//! let top = patterns.iter().find(|p| p.items == [1, 2]).unwrap();
//! // pricing → demo: in 2 journeys, both converted; base rate 2/4, so 2× the base.
//! assert_eq!((top.support, top.converted), (2, 2));
//! assert_eq!(top.lift, Some(2.0));
//!
//! let markov = MarkovModel::fit(&journeys, 3, &MarkovParams::default().alpha(0.0))?;
//! assert_eq!(markov.most_likely_next(State::Event(1))?, State::Event(2));
//! assert_eq!(markov.probability(State::Start, State::Event(0))?, 0.75);
//! # Ok::<(), icp_ml::Error>(())
//! ```

mod markov;
mod params;
mod prefixspan;

pub use markov::{MARKOV_FORMAT_VERSION, MarkovModel, State};
pub use params::{MarkovParams, MinSupport, PrefixSpanParams};
pub use prefixspan::{
    MAX_EVENT_TYPES, Pattern, PatternStats, contains_pattern, conversion_lift, prefixspan,
    prefixspan_with_outcomes,
};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// The short type name of a model, for error messages.
fn model_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

/// Pretty JSON of a fitted model.
pub(crate) fn to_json<T: Serialize>(model: &T) -> Result<String> {
    serde_json::to_string_pretty(model).map_err(|e| Error::InvalidModel {
        model: model_name::<T>(),
        message: e.to_string(),
    })
}

/// Parses a saved model after checking its `format_version` against `supported`.
pub(crate) fn from_json<T: DeserializeOwned>(json: &str, supported: u32) -> Result<T> {
    #[derive(serde::Deserialize)]
    struct Header {
        format_version: Option<serde_json::Value>,
    }
    let invalid = |e: serde_json::Error| Error::InvalidModel {
        model: model_name::<T>(),
        message: e.to_string(),
    };
    let header: Header = serde_json::from_str(json).map_err(invalid)?;
    match header.format_version {
        Some(v) if v.as_u64() == Some(u64::from(supported)) => {}
        other => {
            return Err(Error::FormatVersion {
                found: other.map_or_else(|| "(absent)".to_string(), |v| v.to_string()),
                supported,
            });
        }
    }
    serde_json::from_str(json).map_err(invalid)
}
