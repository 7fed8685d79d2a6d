//! PrefixSpan (Pei et al., 2001) for sequences of single event-type ids: depth-first growth
//! of patterns over pseudo-projected databases — each projection is a list of
//! `(sequence index, suffix offset)` pairs into the caller's sequences, never a copy of a
//! suffix — with the first-level branches mined in parallel (rayon).
//!
//! A pattern `a → b → c` is contained in a sequence when `a`, `b`, `c` occur in it in this
//! order, gaps allowed; its support is the number of sequences that contain it (a sequence
//! counts once however many times the pattern occurs in it).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::params::PrefixSpanParams;
use crate::{Error, Result};

/// Event-type ids must be below this bound (ids index dense per-type arrays).
pub const MAX_EVENT_TYPES: usize = 1 << 20;

/// A frequent sequential pattern and the number of sequences that contain it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pattern {
    /// Event-type ids, in order.
    pub items: Vec<u32>,
    /// Number of sequences containing the pattern.
    pub support: usize,
}

/// A frequent pattern with how often the sequences containing it converted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatternStats {
    /// Event-type ids, in order.
    pub items: Vec<u32>,
    /// Number of sequences containing the pattern.
    pub support: usize,
    /// Number of those sequences whose outcome is `true`.
    pub converted: usize,
    /// `converted / support`.
    pub conversion_rate: f64,
    /// `conversion_rate / base_rate`, where the base rate is the share of all sequences that
    /// converted; `None` when no sequence converted (the base rate is 0).
    pub lift: Option<f64>,
}

/// Conversion rate and lift of a pattern from its counts: `converted / support`, and that
/// rate over `n_converted / n_sequences` (`None` when the base rate is 0). A zero `support`
/// gives a rate of 0.
pub fn conversion_lift(
    support: usize,
    converted: usize,
    n_sequences: usize,
    n_converted: usize,
) -> (f64, Option<f64>) {
    let rate = if support == 0 {
        0.0
    } else {
        converted as f64 / support as f64
    };
    let lift = (n_converted > 0 && n_sequences > 0)
        .then(|| rate / (n_converted as f64 / n_sequences as f64));
    (rate, lift)
}

/// Whether `pattern` occurs in `sequence` in order, gaps allowed (the empty pattern always does).
pub fn contains_pattern(sequence: &[u32], pattern: &[u32]) -> bool {
    let mut want = pattern.iter().peekable();
    for item in sequence {
        match want.peek() {
            None => return true,
            Some(&&w) if w == *item => {
                want.next();
            }
            _ => {}
        }
    }
    want.peek().is_none()
}

/// Every frequent pattern of 1 to `max_pattern_len` events, sorted by support (highest
/// first), then length, then ids.
///
/// Errors: bad parameters; an id ≥ [`MAX_EVENT_TYPES`]; more than `u32::MAX` sequences or
/// a sequence longer than `u32::MAX`.
pub fn prefixspan<S: AsRef<[u32]> + Sync>(
    sequences: &[S],
    params: &PrefixSpanParams,
) -> Result<Vec<Pattern>> {
    let mined = mine(sequences, None, params)?;
    Ok(mined
        .into_iter()
        .map(|m| Pattern {
            items: m.items,
            support: m.support,
        })
        .collect())
}

/// [`prefixspan`] with one outcome per sequence (e.g. "an opportunity followed"): each
/// pattern also gets its converted count, conversion rate and lift over the base rate.
/// Same order as [`prefixspan`].
pub fn prefixspan_with_outcomes<S: AsRef<[u32]> + Sync>(
    sequences: &[S],
    outcomes: &[bool],
    params: &PrefixSpanParams,
) -> Result<Vec<PatternStats>> {
    if outcomes.len() != sequences.len() {
        return Err(Error::LengthMismatch {
            field: "outcomes",
            expected: sequences.len(),
            found: outcomes.len(),
        });
    }
    let n_converted = outcomes.iter().filter(|&&o| o).count();
    let mined = mine(sequences, Some(outcomes), params)?;
    Ok(mined
        .into_iter()
        .map(|m| {
            let (conversion_rate, lift) =
                conversion_lift(m.support, m.converted, sequences.len(), n_converted);
            PatternStats {
                items: m.items,
                support: m.support,
                converted: m.converted,
                conversion_rate,
                lift,
            }
        })
        .collect())
}

struct Mined {
    items: Vec<u32>,
    support: usize,
    converted: usize,
}

/// One entry of a pseudo-projected database: sequence index and start of the suffix.
type Entry = (u32, u32);

/// Per-thread scratch reused across projections.
struct Scratch {
    buckets: Vec<Vec<Entry>>,
    stamp: Vec<u64>,
    generation: u64,
    touched: Vec<u32>,
}

impl Scratch {
    fn new(n_items: usize) -> Scratch {
        Scratch {
            buckets: vec![Vec::new(); n_items],
            stamp: vec![0; n_items],
            generation: 0,
            touched: Vec::new(),
        }
    }
}

struct Miner<'a, S> {
    sequences: &'a [S],
    outcomes: Option<&'a [bool]>,
    min_count: usize,
    max_len: usize,
    /// Items frequent on their own; no pattern holding another item can be frequent.
    frequent_item: Vec<bool>,
}

impl<S: AsRef<[u32]> + Sync> Miner<'_, S> {
    /// Projects `db` on every item: the frequent ones come back with their projected
    /// databases (first occurrence after each suffix start), in id order.
    fn extend(&self, db: &[Entry], scratch: &mut Scratch) -> Vec<(u32, Vec<Entry>)> {
        for &(s, p) in db {
            scratch.generation += 1;
            let g = scratch.generation;
            let seq = self.sequences[s as usize].as_ref();
            for (i, &item) in seq[p as usize..].iter().enumerate() {
                let it = item as usize;
                if !self.frequent_item[it] || scratch.stamp[it] == g {
                    continue;
                }
                scratch.stamp[it] = g;
                let bucket = &mut scratch.buckets[it];
                if bucket.is_empty() {
                    scratch.touched.push(item);
                }
                bucket.push((s, p + i as u32 + 1));
            }
        }
        scratch.touched.sort_unstable();
        let mut out = Vec::new();
        for &item in &scratch.touched {
            let bucket = &mut scratch.buckets[item as usize];
            if bucket.len() >= self.min_count {
                out.push((item, std::mem::take(bucket)));
            } else {
                bucket.clear();
            }
        }
        scratch.touched.clear();
        out
    }

    fn converted(&self, db: &[Entry]) -> usize {
        self.outcomes
            .map_or(0, |o| db.iter().filter(|&&(s, _)| o[s as usize]).count())
    }

    fn grow(
        &self,
        prefix: &mut Vec<u32>,
        db: &[Entry],
        scratch: &mut Scratch,
        out: &mut Vec<Mined>,
    ) {
        out.push(Mined {
            items: prefix.clone(),
            support: db.len(),
            converted: self.converted(db),
        });
        if prefix.len() >= self.max_len {
            return;
        }
        for (item, child) in self.extend(db, scratch) {
            prefix.push(item);
            self.grow(prefix, &child, scratch, out);
            prefix.pop();
        }
    }
}

fn mine<S: AsRef<[u32]> + Sync>(
    sequences: &[S],
    outcomes: Option<&[bool]>,
    params: &PrefixSpanParams,
) -> Result<Vec<Mined>> {
    params.check()?;
    if sequences.len() > u32::MAX as usize {
        return Err(Error::InvalidParameter {
            name: "sequences",
            expected: "at most u32::MAX sequences",
            found: sequences.len().to_string(),
        });
    }
    let mut n_items = 0usize;
    for seq in sequences {
        let seq = seq.as_ref();
        if seq.len() >= u32::MAX as usize {
            return Err(Error::InvalidParameter {
                name: "sequence length",
                expected: "< u32::MAX events",
                found: seq.len().to_string(),
            });
        }
        if let Some(&m) = seq.iter().max() {
            if m as usize >= MAX_EVENT_TYPES {
                return Err(Error::OutOfRange {
                    what: "event type id",
                    index: m as usize,
                    len: MAX_EVENT_TYPES,
                });
            }
            n_items = n_items.max(m as usize + 1);
        }
    }
    let min_count = params.min_support.to_count(sequences.len());
    let mut miner = Miner {
        sequences,
        outcomes,
        min_count,
        max_len: params.max_pattern_len,
        frequent_item: vec![true; n_items],
    };
    let root: Vec<Entry> = (0..sequences.len() as u32)
        .filter(|&s| !sequences[s as usize].as_ref().is_empty())
        .map(|s| (s, 0))
        .collect();
    let mut scratch = Scratch::new(n_items);
    let first = miner.extend(&root, &mut scratch);
    drop(root);
    miner.frequent_item = vec![false; n_items];
    for (item, _) in &first {
        miner.frequent_item[*item as usize] = true;
    }
    let miner = &miner;
    let mut mined: Vec<Mined> = first
        .into_par_iter()
        .map_init(
            || Scratch::new(n_items),
            |scratch, (item, db)| {
                let mut out = Vec::new();
                miner.grow(&mut vec![item], &db, scratch, &mut out);
                out
            },
        )
        .flatten_iter()
        .collect();
    mined.par_sort_unstable_by(|a, b| {
        b.support
            .cmp(&a.support)
            .then(a.items.len().cmp(&b.items.len()))
            .then_with(|| a.items.cmp(&b.items))
    });
    Ok(mined)
}
