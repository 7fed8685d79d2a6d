//! [`MarkovModel`]: a first-order Markov chain over event types, with a start state before
//! the first event and an end state after the last, fitted by counting transitions with
//! Laplace smoothing. It gives each journey its most likely next step.

use serde::{Deserialize, Serialize};

use super::params::MarkovParams;
use crate::recipe::Matrix;
use crate::{Error, Result};

/// Version of the saved [`MarkovModel`] layout.
pub const MARKOV_FORMAT_VERSION: u32 = 1;

/// A state of the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Before the first event of a sequence.
    Start,
    /// An event type id.
    Event(u32),
    /// After the last event of a sequence.
    End,
}

/// Fitted transition model. Rows ("from") are `Start` then the event types `0..k`; columns
/// ("to") are the event types `0..k` then `End`. `P(to | from) = (count + alpha) /
/// (row total + alpha · (k + 1))`; a row with no count and `alpha = 0` is uniform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkovModel {
    format_version: u32,
    n_event_types: usize,
    params: MarkovParams,
    /// `(k + 1) × (k + 1)` transition counts, row-major, in the row/column order above.
    counts: Vec<u64>,
}

impl MarkovModel {
    /// Counts the transitions of `sequences` (ids in `0..n_event_types`); an empty sequence
    /// counts as `Start → End`.
    pub fn fit<S: AsRef<[u32]>>(
        sequences: &[S],
        n_event_types: usize,
        params: &MarkovParams,
    ) -> Result<MarkovModel> {
        params.check()?;
        if n_event_types == 0 || n_event_types >= super::MAX_EVENT_TYPES {
            return Err(Error::InvalidParameter {
                name: "n_event_types",
                expected: "≥ 1 and < MAX_EVENT_TYPES",
                found: n_event_types.to_string(),
            });
        }
        let m = n_event_types + 1;
        let mut counts = vec![0u64; m * m];
        for seq in sequences {
            let mut row = 0usize;
            for &e in seq.as_ref() {
                let e = e as usize;
                if e >= n_event_types {
                    return Err(Error::OutOfRange {
                        what: "event type id",
                        index: e,
                        len: n_event_types,
                    });
                }
                counts[row * m + e] += 1;
                row = e + 1;
            }
            counts[row * m + n_event_types] += 1;
        }
        Ok(MarkovModel {
            format_version: MARKOV_FORMAT_VERSION,
            n_event_types,
            params: params.clone(),
            counts,
        })
    }

    pub fn n_event_types(&self) -> usize {
        self.n_event_types
    }

    pub fn params(&self) -> &MarkovParams {
        &self.params
    }

    pub fn format_version(&self) -> u32 {
        self.format_version
    }

    fn row(&self, from: State) -> Result<usize> {
        match from {
            State::Start => Ok(0),
            State::Event(e) if (e as usize) < self.n_event_types => Ok(e as usize + 1),
            State::Event(e) => Err(Error::OutOfRange {
                what: "event type id",
                index: e as usize,
                len: self.n_event_types,
            }),
            State::End => Err(Error::InvalidParameter {
                name: "from",
                expected: "`Start` or an event type (`End` has no next step)",
                found: "End".into(),
            }),
        }
    }

    fn col(&self, to: State) -> Result<usize> {
        match to {
            State::End => Ok(self.n_event_types),
            State::Event(e) if (e as usize) < self.n_event_types => Ok(e as usize),
            State::Event(e) => Err(Error::OutOfRange {
                what: "event type id",
                index: e as usize,
                len: self.n_event_types,
            }),
            State::Start => Err(Error::InvalidParameter {
                name: "to",
                expected: "an event type or `End` (nothing goes back to `Start`)",
                found: "Start".into(),
            }),
        }
    }

    fn state_of_col(&self, col: usize) -> State {
        if col == self.n_event_types {
            State::End
        } else {
            State::Event(col as u32)
        }
    }

    /// Raw transition count `from → to`.
    pub fn count(&self, from: State, to: State) -> Result<u64> {
        let m = self.n_event_types + 1;
        Ok(self.counts[self.row(from)? * m + self.col(to)?])
    }

    /// Smoothed probabilities of every next state from `from`: event types `0..k`, then `End`.
    pub fn next_distribution(&self, from: State) -> Result<Vec<f64>> {
        Ok(self.distribution_of_row(self.row(from)?))
    }

    fn distribution_of_row(&self, r: usize) -> Vec<f64> {
        let m = self.n_event_types + 1;
        let row = &self.counts[r * m..(r + 1) * m];
        let alpha = self.params.alpha;
        let total = row.iter().sum::<u64>() as f64 + alpha * m as f64;
        if total == 0.0 {
            return vec![1.0 / m as f64; m];
        }
        row.iter().map(|&c| (c as f64 + alpha) / total).collect()
    }

    /// Smoothed `P(to | from)`.
    pub fn probability(&self, from: State, to: State) -> Result<f64> {
        let c = self.col(to)?;
        Ok(self.next_distribution(from)?[c])
    }

    /// The most probable next state after `from` (which may be `End`); ties go to the lowest
    /// event type id, `End` last.
    pub fn most_likely_next(&self, from: State) -> Result<State> {
        let dist = self.next_distribution(from)?;
        Ok(self.state_of_col(argmax(&dist)))
    }

    /// The most probable next *event* after `from`, ignoring `End` (for a journey still
    /// under way), with its probability renormalised over the event types.
    pub fn most_likely_next_event(&self, from: State) -> Result<(u32, f64)> {
        let dist = self.next_distribution(from)?;
        let events = &dist[..self.n_event_types];
        let best = argmax(events);
        let total: f64 = events.iter().sum();
        Ok((best as u32, events[best] / total))
    }

    /// The smoothed transition matrix, `(k + 1) × (k + 1)`: rows `Start, 0..k`, columns
    /// `0..k, End`. Every row sums to 1.
    pub fn transition_matrix(&self) -> Matrix {
        let m = self.n_event_types + 1;
        let mut data = Vec::with_capacity(m * m);
        for r in 0..m {
            data.extend(self.distribution_of_row(r));
        }
        Matrix::new(data, m, m).expect("m × m values by construction")
    }

    /// The model as pretty JSON.
    pub fn to_json(&self) -> Result<String> {
        super::to_json(self)
    }

    /// Loads a model saved by [`MarkovModel::to_json`]; an unknown `format_version` is
    /// [`Error::FormatVersion`], inconsistent content [`Error::InvalidModel`].
    pub fn from_json(json: &str) -> Result<MarkovModel> {
        let model: MarkovModel = super::from_json(json, MARKOV_FORMAT_VERSION)?;
        model.params.check()?;
        let m = model.n_event_types + 1;
        if model.n_event_types == 0 || model.counts.len() != m * m {
            return Err(Error::InvalidModel {
                model: "Markov",
                message: format!(
                    "{} transition counts for {} event types (expected {})",
                    model.counts.len(),
                    model.n_event_types,
                    m * m
                ),
            });
        }
        Ok(model)
    }
}

/// Index of the largest value, the first on ties.
fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in values.iter().enumerate() {
        if v > values[best] {
            best = i;
        }
    }
    best
}
