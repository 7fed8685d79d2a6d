//! Times PrefixSpan and surge detection on synthetic behaviour: N accounts (default
//! 100,000) × about 100 events each over 20 event types and 365 days. Prints a Markdown
//! table row per step. Usage: `behaviour_bench [ACCOUNTS]` (release mode; see bench/behaviour.sh).

use std::time::Instant;

use icp_ml::sequence::{MinSupport, PrefixSpanParams, prefixspan_with_outcomes};
use icp_ml::surge::{IntentBaselineParams, Signal, SurgeParams, detect_surges, intent_baseline};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Poisson};
use rayon::prelude::*;

const TYPES: u32 = 20;
const DAYS: usize = 365;
const PRICING: u32 = 3;
const NEW_CONTACT: u32 = 7;

struct Account {
    /// (day, event type), sorted by day.
    events: Vec<(u32, u32)>,
    converted: bool,
}

fn generate(n: usize) -> Vec<Account> {
    (0..n)
        .into_par_iter()
        .map(|i| {
            let mut rng = SmallRng::seed_from_u64(i as u64);
            let k = Poisson::new(100.0).unwrap().sample(&mut rng) as usize;
            let surging = rng.random_bool(0.2);
            let surge_start = rng.random_range(150..330u32);
            let mut events: Vec<(u32, u32)> = (0..k)
                .map(|_| {
                    // Skewed type mix: low ids are common.
                    let u: f64 = rng.random();
                    let t = ((u * u) * f64::from(TYPES)) as u32;
                    (rng.random_range(0..DAYS as u32), t)
                })
                .collect();
            if surging {
                // A buying cycle: pricing views, new contacts and a planted path.
                for _ in 0..60 {
                    let day = surge_start + rng.random_range(0..30);
                    let t = [PRICING, NEW_CONTACT, 12, 15][rng.random_range(0..4)];
                    events.push((day.min(DAYS as u32 - 1), t));
                }
            }
            events.sort_unstable();
            Account {
                events,
                converted: surging && rng.random_bool(0.6) || rng.random_bool(0.05),
            }
        })
        .collect()
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ACCOUNTS must be a number"))
        .unwrap_or(100_000);
    let accounts = generate(n);
    let n_events: usize = accounts.iter().map(|a| a.events.len()).sum();
    let threads = rayon::current_num_threads();

    // PrefixSpan over every account's ordered event types.
    let sequences: Vec<Vec<u32>> = accounts
        .iter()
        .map(|a| a.events.iter().map(|e| e.1).collect())
        .collect();
    let outcomes: Vec<bool> = accounts.iter().map(|a| a.converted).collect();
    let mut rows = Vec::new();
    // Settings to time (add rows here, e.g. (0.5, 4)).
    let settings: Vec<(f64, usize)> = vec![(0.05, 3)];
    for (share, max_len) in settings {
        let params = PrefixSpanParams::default()
            .min_support(MinSupport::Share(share))
            .max_pattern_len(max_len);
        let start = Instant::now();
        let patterns = prefixspan_with_outcomes(&sequences, &outcomes, &params).unwrap();
        let secs = start.elapsed().as_secs_f64();
        rows.push(format!(
            "| PrefixSpan + lift (min_support {share}, max_pattern_len {max_len}) | {n} | {n_events} | {secs:.2} | {} patterns |",
            patterns.len()
        ));
    }

    // Surge detection: three daily series per account (all events, pricing, new contacts).
    let start = Instant::now();
    let params = SurgeParams::default();
    let (flagged, episodes) = accounts
        .par_iter()
        .map(|a| {
            let mut series = vec![vec![0.0; DAYS]; 3];
            for &(day, t) in &a.events {
                series[0][day as usize] += 1.0;
                if t == PRICING {
                    series[1][day as usize] += 1.0;
                }
                if t == NEW_CONTACT {
                    series[2][day as usize] += 1.0;
                }
            }
            let signals = [
                Signal::new("total", &series[0]),
                Signal::new("pricing", &series[1]),
                Signal::new("contacts", &series[2]),
            ];
            let e = detect_surges(&signals, &params).unwrap();
            (usize::from(!e.is_empty()), e.len())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = start.elapsed().as_secs_f64();
    rows.push(format!(
        "| Surge detection (robust z, 3 signals × {DAYS} days, defaults) | {n} | {n_events} | {secs:.2} | {flagged} accounts flagged, {episodes} episodes |"
    ));

    let start = Instant::now();
    let vendor_params = IntentBaselineParams::default();
    let vendor: usize = accounts
        .par_iter()
        .map(|a| {
            let mut total = vec![0.0; DAYS];
            for &(day, _) in &a.events {
                total[day as usize] += 1.0;
            }
            usize::from(
                !intent_baseline(&total, &vendor_params)
                    .unwrap()
                    .episodes
                    .is_empty(),
            )
        })
        .sum();
    let secs = start.elapsed().as_secs_f64();
    rows.push(format!(
        "| Intent-vendor baseline (21 vs 84 days) | {n} | {n_events} | {secs:.2} | {vendor} accounts flagged |"
    ));

    println!("threads: {threads}");
    for r in rows {
        println!("{r}");
    }
}
