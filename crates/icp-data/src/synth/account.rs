//! Per-account simulation: the firmographic profile and latent fit of one company
//! ([`make_profile`]), then its whole history ([`simulate`]): contacts, baseline engagement and
//! isolated spikes, buying cycles (surges) with stakeholders and planted journeys,
//! opportunities with their true win probability, subscriptions with churn and expansion,
//! product usage, support tickets and rep feedback. Dirt decisions for the rows (which row gets
//! a malformed copy, CRM split onto a duplicate id) use a separate random stream, so the same
//! seed gives the same world with or without dirt.

use super::archetypes::*;
use super::dirt;
use super::text;
use crate::contract::Table;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Beta, Distribution, Gamma, LogNormal, Normal, Poisson};

/// Coefficients of the true win probability (see `docs/synthetic.md`):
/// `p = sigmoid(B0 + B1·fit + B2·e + B3·fit·e + B4·[path] + B5·[sweet spot] + archetype offset)`.
pub const B0: f64 = -3.0;
pub const B1: f64 = 0.85;
pub const B2: f64 = 0.5;
pub const B3: f64 = 0.35;
pub const B4: f64 = 0.9;
pub const B5: f64 = 0.7;

/// Standard deviation of the part of `fit` no column shows (unobserved circumstances). Small
/// enough that the true win probability is mostly learnable from the data: at 0.6 about a
/// third of fit's variance was hidden and no model could come near the truth's AUC.
pub const FIT_NOISE: f64 = 0.3;

/// Coefficients of the monthly churn hazard:
/// `h = sigmoid(G0 + G1·usage_decline + G2·support_pain + archetype offset)`.
pub const G0: f64 = -4.3;
pub const G1: f64 = 1.2;
pub const G2: f64 = 2.6;

/// Days within which every contact known from the start makes a first touch.
pub const KNOWN_CONTACTS_SEEN_WITHIN: u32 = 30;
/// Share of buying cycles that create an opportunity.
pub const CYCLE_TO_OPP: f64 = 0.85;
/// Opportunities without a surge, relative to those with one.
pub const NO_SURGE_SHARE: f64 = 0.18;
/// Probability that an event or opportunity of an account with a duplicate record is
/// recorded against the duplicate (CRM split).
pub const CRM_SPLIT: f64 = 0.2;
/// Share of rep feedback per account.
pub const FEEDBACK_SHARE: f64 = 0.04;
/// Minimum baseline (events per day) a surge multiplies, so every surge is visible.
pub const SURGE_FLOOR_RATE: f64 = 0.07;

pub fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `E[f(Z)]` for a standard normal `Z`: the normal density on a grid of step 1/32 over ±8,
/// normalised (exact to ~1e-12 for the smooth, bounded functions it averages here).
pub fn normal_average(f: impl Fn(f64) -> f64) -> f64 {
    let (mut sum, mut weight) = (0.0, 0.0);
    for i in -256..=256 {
        let z = f64::from(i) / 32.0;
        let w = (-0.5 * z * z).exp();
        sum += w * f(z);
        weight += w;
    }
    sum / weight
}

/// SplitMix64 finaliser: mixes (seed, index, stream) into an independent RNG seed.
pub fn mix(seed: u64, index: u64, stream: u64) -> u64 {
    let mut z = seed
        .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
    for _ in 0..2 {
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
    }
    z
}

pub fn rng_for(seed: u64, index: u64, stream: u64) -> SmallRng {
    SmallRng::seed_from_u64(mix(seed, index, stream))
}

pub fn poisson(rng: &mut SmallRng, lambda: f64) -> u32 {
    if lambda <= 0.0 || !lambda.is_finite() {
        return 0;
    }
    match Poisson::new(lambda) {
        Ok(d) => d.sample(rng).min(1.0e7) as u32,
        Err(_) => 0,
    }
}

pub fn normal(rng: &mut SmallRng, mean: f64, sd: f64) -> f64 {
    Normal::new(mean, sd).map_or(mean, |d| d.sample(rng))
}

pub fn lognormal(rng: &mut SmallRng, median: f64, sigma: f64) -> f64 {
    LogNormal::new(median.ln(), sigma).map_or(median, |d| d.sample(rng))
}

fn gamma_mean(rng: &mut SmallRng, shape: f64, mean: f64) -> f64 {
    Gamma::new(shape, mean / shape).map_or(mean, |d| d.sample(rng))
}

fn beta(rng: &mut SmallRng, a: f64, b: f64) -> f64 {
    Beta::new(a, b).map_or(a / (a + b), |d| d.sample(rng))
}

pub fn weighted(rng: &mut SmallRng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.random::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.len() - 1
}

/// Random streams per account.
pub const STREAM_PROFILE: u64 = 1;
pub const STREAM_BEHAVIOUR: u64 = 2;
pub const STREAM_DIRT: u64 = 3;

/// Cells of an account that can be blank, as bits of a mask.
pub const CELL_INDUSTRY: u8 = 1;
pub const CELL_EMPLOYEES: u8 = 2;
pub const CELL_REVENUE: u8 = 4;
pub const CELL_COUNTRY: u8 = 8;
pub const CELL_FOUNDED: u8 = 16;
pub const CELL_TECH: u8 = 32;

/// A company: its true firmographics, latent fit and engagement propensity.
#[derive(Debug, Clone)]
pub struct Profile {
    pub archetype: u8,
    pub name: String,
    pub domain: String,
    pub industry: u8,
    pub employees: u32,
    pub revenue: f64,
    pub founded: u16,
    pub country: u8,
    pub techs: u32,
    pub consent: bool,
    /// Cells the CRM lacks (the archetype's own data decay).
    pub sparse: u8,
    pub fit: f64,
    /// The part of `fit` no column shows: a draw from Normal(0, `FIT_NOISE`).
    pub fit_hidden: f64,
    pub propensity: f64,
}

impl Profile {
    pub fn uses(&self, tech: usize) -> bool {
        self.techs & (1 << tech) != 0
    }

    /// Mid-size company on a modern or CRM-centric stack: the β5 term.
    pub fn sweet_spot(&self) -> bool {
        (200..=2000).contains(&self.employees)
            && (self.uses(TECH_SNOWFLAKE) || self.uses(TECH_SALESFORCE))
    }
}

/// Draws account `index`'s archetype, firmographics, name, domain label and fit.
/// The domain still needs de-duplication across the world (see `mod.rs`).
pub fn make_profile(seed: u64, index: usize, end_year: i32) -> (Profile, String) {
    let mut rng = rng_for(seed, index as u64, STREAM_PROFILE);
    let shares: Vec<f64> = ARCHETYPES.iter().map(|a| a.share).collect();
    let k = weighted(&mut rng, &shares);
    let a = &ARCHETYPES[k];
    let iw: Vec<f64> = a.industries.iter().map(|x| x.1).collect();
    let industry = a.industries[weighted(&mut rng, &iw)].0;
    let employees = lognormal(&mut rng, a.employees_median, a.employees_sigma)
        .round()
        .clamp(1.0, 400_000.0) as u32;
    let revenue = (employees as f64 * lognormal(&mut rng, a.revenue_per_employee, 0.35)).round();
    let age = normal(&mut rng, a.age.0, a.age.1).clamp(1.0, 180.0);
    let founded = (end_year - age.round() as i32).clamp(1800, end_year) as u16;
    let country = if rng.random_bool(a.us_share) {
        0
    } else {
        1 + weighted(&mut rng, &NON_US_WEIGHTS)
    };
    let mut techs = 0u32;
    for &(t, p) in a.techs {
        if rng.random_bool(p) {
            techs |= 1 << t;
        }
    }
    for t in 0..TECHNOLOGIES.len() {
        if rng.random_bool(a.other_tech) {
            techs |= 1 << t;
        }
    }
    let consent = rng.random_bool(0.8);
    let mut sparse = 0u8;
    for bit in [
        CELL_INDUSTRY,
        CELL_EMPLOYEES,
        CELL_REVENUE,
        CELL_COUNTRY,
        CELL_FOUNDED,
        CELL_TECH,
    ] {
        if rng.random_bool(a.sparse) {
            sparse |= bit;
        }
    }
    let c = &COUNTRIES[country];
    let with_legal = rng.random_bool(0.6);
    let (name, label) = text::company_name(&mut rng, industry, c.legal, with_legal);
    let tld = if country == 0 || rng.random_bool(0.45) {
        if k == 0 && rng.random_bool(0.25) {
            "io"
        } else {
            "com"
        }
    } else {
        c.tld
    };
    let mut p = Profile {
        archetype: k as u8,
        name,
        domain: format!("{label}.{tld}"),
        industry: industry as u8,
        employees,
        revenue,
        founded,
        country: country as u8,
        techs,
        consent,
        sparse,
        fit: 0.0,
        fit_hidden: 0.0,
        propensity: 0.0,
    };
    let emp = employees as f64;
    let observed = a.fit_offset
        + if (200.0..=5000.0).contains(&emp) {
            0.5
        } else {
            0.0
        }
        - if emp < 20.0 { 0.4 } else { 0.0 }
        + if TARGET_INDUSTRIES.contains(&industry) {
            0.4
        } else {
            0.0
        }
        + if p.uses(TECH_SNOWFLAKE) { 0.35 } else { 0.0 }
        + if p.uses(TECH_SALESFORCE) { 0.25 } else { 0.0 };
    p.fit_hidden = normal(&mut rng, 0.0, FIT_NOISE);
    p.fit = observed + p.fit_hidden;
    p.propensity = lognormal(&mut rng, a.propensity, 0.5) * (0.15 * p.fit).exp();
    (p, label)
}

/// A person at the account.
#[derive(Debug, Clone, Copy)]
pub struct Contact {
    pub first: u8,
    pub last: u8,
    /// Disambiguating number in the email when first.last repeats (0: none).
    pub suffix: u8,
    /// 0: company email, else 1 + index into `text::FREE_MAIL`.
    pub free: u8,
    /// Day from which the contact is active.
    pub since: u32,
}

/// How an event identifies its account.
pub const ID_ACCOUNT: u8 = 0;
pub const ID_EMAIL: u8 = 1;
pub const ID_DOMAIN: u8 = 2;
pub const ID_DOMAIN_WWW: u8 = 3;
pub const ID_DOMAIN_UPPER: u8 = 4;
/// Account id plus email (form fills).
pub const ID_ACCOUNT_EMAIL: u8 = 5;

#[derive(Debug, Clone, Copy)]
pub struct Ev {
    /// Seconds since the start of the world.
    pub t: u32,
    pub ty: u8,
    pub ident: u8,
    pub contact: u16,
    /// Seconds on page or feature count; 0 = empty.
    pub value: u16,
    /// 0: the account's own id, k: its k-th duplicate's id.
    pub dup: u8,
    /// Malformed-copy kind (0: none).
    pub dirt: u8,
}

pub const STATUS_WON: u8 = 0;
pub const STATUS_LOST: u8 = 1;
/// Open stages: 2 + index into `OPEN_STAGES`.
pub const OPEN_STAGES: [&str; 4] = ["Prospecting", "Qualification", "Proposal", "Negotiation"];

#[derive(Debug, Clone)]
pub struct Opp {
    pub created: u32,
    pub close: u32,
    pub status: u8,
    pub amount_cents: u64,
    pub p: f64,
    /// `p` averaged over the hidden part of fit (`observable_win_probability` in the truth).
    pub p_observable: f64,
    pub surge_start: Option<u32>,
    pub path: bool,
    pub dup: u8,
    pub dirt: u8,
}

pub const PLANS: [&str; 3] = ["Starter", "Growth", "Enterprise"];

#[derive(Debug, Clone)]
pub struct Sub {
    pub start: u32,
    pub end: Option<u32>,
    pub plan: u8,
    pub mrr_cents: u64,
    pub seats: u32,
    pub dirt: u8,
}

#[derive(Debug, Clone)]
pub struct Ticket {
    pub created: u32,
    pub resolved: Option<u32>,
    pub priority: u8,
    pub csat: Option<u8>,
    pub text: String,
    pub dirt: u8,
}

#[derive(Debug, Clone)]
pub struct Feedback {
    pub good: bool,
    pub author: u8,
    pub at: u32,
    pub note: &'static str,
    pub dirt: u8,
}

#[derive(Debug, Clone)]
pub struct Surge {
    pub start: u32,
    pub end: u32,
    pub intensity: f64,
    pub led: bool,
}

pub const TRENDS: [&str; 3] = ["stable", "growing", "declining"];

#[derive(Debug, Clone)]
pub struct Churn {
    pub trend: u8,
    pub decline: f64,
    pub pain: f64,
    pub hazard: f64,
    pub churned: bool,
    pub date: Option<u32>,
}

/// Everything one account produced.
#[derive(Debug, Clone, Default)]
pub struct AccountSim {
    pub contacts: Vec<Contact>,
    pub events: Vec<Ev>,
    pub opps: Vec<Opp>,
    pub subs: Vec<Sub>,
    pub tickets: Vec<Ticket>,
    pub feedback: Option<Feedback>,
    pub surges: Vec<Surge>,
    pub churn: Option<Churn>,
}

/// The world-level inputs of one account's simulation.
pub struct SimInput<'a> {
    pub seed: u64,
    pub index: usize,
    pub profile: &'a Profile,
    /// Number of days in the world (day 0 = start, day `days − 1` = end).
    pub days: u32,
    /// Number of duplicate records of this account.
    pub dups: u8,
    pub malformed_rate: f64,
}

struct Sim<'a> {
    rng: SmallRng,
    dirt: SmallRng,
    input: &'a SimInput<'a>,
    out: AccountSim,
}

const DAY: u32 = 86_400;

impl Sim<'_> {
    fn horizon(&self) -> u32 {
        self.input.days * DAY
    }

    fn add_contact(&mut self, since: u32) -> u16 {
        let first = self.rng.random_range(0..text::FIRST_NAMES.len()) as u8;
        let last = self.rng.random_range(0..text::LAST_NAMES.len()) as u8;
        let same = self
            .out
            .contacts
            .iter()
            .filter(|c| c.first == first && c.last == last)
            .count();
        let free = if self.rng.random_bool(0.05) {
            1 + self.rng.random_range(0..text::FREE_MAIL.len()) as u8
        } else {
            0
        };
        self.out.contacts.push(Contact {
            first,
            last,
            suffix: same.min(250) as u8,
            free,
            since,
        });
        (self.out.contacts.len() - 1) as u16
    }

    /// A contact active at `day`, preferring `pool` when given.
    fn pick_contact(&mut self, day: u32) -> u16 {
        let n = self.out.contacts.len();
        for _ in 0..3 {
            let c = self.rng.random_range(0..n);
            if self.out.contacts[c].since <= day {
                return c as u16;
            }
        }
        0
    }

    fn push_event(&mut self, t: u32, ty: u8, contact: u16) {
        let t = t.min(self.horizon() - 1);
        let ident = match ty {
            WEB_VISIT | PRICING_PAGE | CASE_STUDY => {
                if self.rng.random_bool(0.2) {
                    match self.rng.random_range(0..10) {
                        0 | 1 => ID_DOMAIN_WWW,
                        2 => ID_DOMAIN_UPPER,
                        _ => ID_DOMAIN,
                    }
                } else {
                    ID_ACCOUNT
                }
            }
            CONTENT_DOWNLOAD | WEBINAR | EMAIL_OPEN | EMAIL_CLICK => ID_EMAIL,
            DEMO_REQUEST => ID_ACCOUNT_EMAIL,
            _ => ID_ACCOUNT,
        };
        let value = match ty {
            WEB_VISIT | PRICING_PAGE | CASE_STUDY | COMPETITOR_COMPARISON | ROI_CALCULATOR => {
                lognormal(&mut self.rng, 60.0, 0.9).clamp(5.0, 3600.0) as u16
            }
            FEATURE_USED => self.rng.random_range(1..=20),
            _ => 0,
        };
        let dup = if self.input.dups > 0
            && matches!(ident, ID_ACCOUNT | ID_ACCOUNT_EMAIL)
            && self.dirt.random_bool(CRM_SPLIT)
        {
            1 + self.dirt.random_range(0..self.input.dups)
        } else {
            0
        };
        let d = dirt::malformed_kind(&mut self.dirt, self.input.malformed_rate, Table::Events);
        self.out.events.push(Ev {
            t,
            ty,
            ident,
            contact,
            value,
            dup,
            dirt: d,
        });
    }

    fn random_time_in(&mut self, from_day: u32, to_day_excl: u32) -> u32 {
        let lo = from_day * DAY;
        let hi = (to_day_excl * DAY).min(self.horizon()).max(lo + 1);
        self.rng.random_range(lo..hi)
    }
}

/// Simulates one account's history.
pub fn simulate(input: &SimInput<'_>) -> AccountSim {
    let mut s = Sim {
        rng: rng_for(input.seed, input.index as u64, STREAM_BEHAVIOUR),
        dirt: rng_for(input.seed, input.index as u64, STREAM_DIRT),
        input,
        out: AccountSim::default(),
    };
    let p = input.profile;
    let a = &ARCHETYPES[p.archetype as usize];
    let days = input.days;
    let scale = days as f64 / 730.0;

    // Contacts known from the start.
    let n0 = 1 + poisson(&mut s.rng, (a.contacts - 1.0).max(0.0));
    for _ in 0..n0 {
        s.add_contact(0);
    }

    // Baseline engagement.
    let rate = a.base_rate * p.propensity / 30.4;
    let n = poisson(&mut s.rng, rate * days as f64);
    for _ in 0..n {
        let t = s.random_time_in(0, days);
        let ty = weighted(&mut s.rng, &a.mix) as u8;
        let c = s.pick_contact(t / DAY);
        s.push_event(t, ty, c);
    }
    // Isolated spikes that are not buying cycles.
    let spikes = poisson(&mut s.rng, a.spikes * scale);
    for _ in 0..spikes {
        let d = s.rng.random_range(0..days);
        let len = s.rng.random_range(1..=2u32);
        let k = s.rng.random_range(4..=12u32);
        let c = s.pick_contact(d);
        for _ in 0..k {
            let t = s.random_time_in(d, d + len);
            let ty = if s.rng.random_bool(0.6) {
                WEB_VISIT
            } else {
                weighted(&mut s.rng, &a.mix) as u8
            };
            s.push_event(t, ty, c);
        }
    }

    // Buying cycles.
    let cycle_rate = a.cycle_rate * (0.6 * p.fit).exp() * scale;
    let k = poisson(&mut s.rng, cycle_rate);
    let mut starts: Vec<u32> = (0..k)
        .map(|_| s.rng.random_range(0..days.saturating_sub(14).max(1)))
        .collect();
    starts.sort_unstable();
    let mut kept: Vec<u32> = Vec::new();
    for st in starts {
        if kept.last().is_none_or(|l| st >= l + 75) {
            kept.push(st);
        }
    }
    let mut trial_done = false;
    for (ci, &start) in kept.iter().enumerate() {
        let len = s.rng.random_range(14..=42u32);
        let end = (start + len).min(days - 1);
        let m = s.rng.random_range(4.0..10.0f64);
        let first_new = s.out.contacts.len();
        let newc = s.rng.random_range(1..=4);
        // The win probability rises with the breadth of the buying committee (new
        // stakeholders, 1–4 uniform, standardised), which the data shows as new contacts.
        let e = (f64::from(newc) - 2.5) / 1.25f64.sqrt();
        for _ in 0..newc {
            s.add_contact(start);
        }
        // Each new stakeholder makes a first touch (a content download) in the cycle's first
        // week, before any opportunity (lags are at least 10 days): the breadth is visible.
        for c in first_new..s.out.contacts.len() {
            let t = s.random_time_in(start, start + 7);
            s.push_event(t, CONTENT_DOWNLOAD, c as u16);
        }
        let n_s = poisson(&mut s.rng, m * rate.max(SURGE_FLOOR_RATE) * len as f64);
        for _ in 0..n_s {
            let t = s.random_time_in(start, start + len);
            let ty = weighted(&mut s.rng, &SURGE_MIX) as u8;
            let c = if s.rng.random_bool(0.7) {
                s.rng.random_range(first_new..s.out.contacts.len()) as u16
            } else {
                s.pick_contact(t / DAY)
            };
            s.push_event(t, ty, c);
        }
        // Product-led accounts try the product during their first cycle.
        if !trial_done && s.rng.random_bool(a.trial) {
            trial_done = true;
            let d = start + s.rng.random_range(0..7u32);
            trial(&mut s, d, first_new);
        }
        let lag = s.rng.random_range(a.lag.0..=a.lag.1);
        let created = start + lag;
        let led = s.rng.random_bool(CYCLE_TO_OPP) && created < days;
        s.out.surges.push(Surge {
            start,
            end,
            intensity: m,
            led,
        });
        if !led {
            continue;
        }
        let path = s.rng.random_bool(sigmoid(-0.6 + 0.9 * p.fit));
        if path {
            let lo = start * DAY;
            let hi = created * DAY;
            let mut ts = [
                s.rng.random_range(lo..hi),
                s.rng.random_range(lo..hi),
                s.rng.random_range(lo..hi),
            ];
            ts.sort_unstable();
            ts[1] = ts[1].max(ts[0] + 1);
            ts[2] = ts[2].max(ts[1] + 1);
            let c = s.rng.random_range(first_new..s.out.contacts.len()) as u16;
            s.push_event(ts[0], COMPETITOR_COMPARISON, c);
            s.push_event(ts[1], DEMO_REQUEST, c);
            s.push_event(ts[2], ROI_CALCULATOR, c);
        }
        let _ = ci;
        make_opp(&mut s, created, Some(start), e, path);
    }
    if !trial_done && kept.is_empty() && s.rng.random_bool(a.trial * 0.3) {
        let d = s.rng.random_range(0..days);
        trial(&mut s, d, 0);
    }
    // Inbound and outbound opportunities without a surge.
    let inbound = poisson(
        &mut s.rng,
        a.cycle_rate * (0.6 * p.fit).exp() * scale * CYCLE_TO_OPP * NO_SURGE_SHARE,
    );
    for _ in 0..inbound {
        let created = s.rng.random_range(0..days);
        make_opp(&mut s, created, None, 0.0, false);
    }
    s.out.opps.sort_by_key(|o| (o.created, o.close));

    customer_life(&mut s);

    // Rep feedback.
    if s.rng.random_bool(FEEDBACK_SHARE) {
        let good_truth = p.fit > 0.0;
        let good = if s.rng.random_bool(0.85) {
            good_truth
        } else {
            !good_truth
        };
        let at = s.random_time_in(0, days);
        let note = text::feedback_note(&mut s.rng, good);
        let author = s.rng.random_range(0..text::REPS.len()) as u8;
        let d = dirt::malformed_kind(&mut s.dirt, input.malformed_rate, Table::Feedback);
        s.out.feedback = Some(Feedback {
            good,
            author,
            at,
            note,
            dirt: d,
        });
    }
    // Contacts known from the start were worked before the export begins, so each shows up
    // in its first month: a contact first seen later is a new stakeholder, and the breadth of
    // a buying committee is visible. Drawn last, so the rest of the history is as it was.
    for c in 0..n0 {
        let t = s.random_time_in(0, KNOWN_CONTACTS_SEEN_WITHIN);
        let ty = weighted(&mut s.rng, &a.mix) as u8;
        s.push_event(t, ty, c as u16);
    }
    s.out.events.sort_by_key(|e| e.t);
    s.out.tickets.sort_by_key(|t| t.created);
    s.out
}

/// A free trial: sign-up, then logins and feature use by 1–3 users for 2–4 weeks.
fn trial(s: &mut Sim<'_>, day: u32, first_new: usize) {
    let days = s.input.days;
    if day >= days {
        return;
    }
    let c = if first_new < s.out.contacts.len() {
        first_new as u16
    } else {
        s.pick_contact(day)
    };
    let t0 = s.random_time_in(day, day + 1);
    s.push_event(t0, TRIAL_SIGNUP, c);
    let len = s.rng.random_range(14..=30u32);
    let users: Vec<u16> = (0..s.rng.random_range(1..=3))
        .map(|_| s.pick_contact(day))
        .chain(std::iter::once(c))
        .collect();
    let n = s.rng.random_range(6..=20);
    for _ in 0..n {
        let t = s.random_time_in(day, day + len).max(t0 + 1);
        let u = users[s.rng.random_range(0..users.len())];
        let ty = if s.rng.random_bool(0.55) {
            PRODUCT_LOGIN
        } else {
            FEATURE_USED
        };
        s.push_event(t, ty, u);
    }
}

fn make_opp(s: &mut Sim<'_>, created: u32, surge_start: Option<u32>, e: f64, path: bool) {
    let p = s.input.profile;
    let a = &ARCHETYPES[p.archetype as usize];
    let logit = |fit: f64| {
        B0 + B1 * fit
            + B2 * e
            + B3 * fit * e
            + if path { B4 } else { 0.0 }
            + if p.sweet_spot() { B5 } else { 0.0 }
            + a.win_offset
    };
    let prob = sigmoid(logit(p.fit));
    let observed_fit = p.fit - p.fit_hidden;
    let p_observable = normal_average(|z| sigmoid(logit(observed_fit + FIT_NOISE * z)));
    let cycle = gamma_mean(&mut s.rng, a.sales_cycle.0, a.sales_cycle.1)
        .round()
        .max(1.0) as u32;
    let close = created + cycle;
    let status = if close < s.input.days {
        if s.rng.random_bool(prob) {
            STATUS_WON
        } else {
            STATUS_LOST
        }
    } else {
        let progress = (s.input.days - 1 - created) as f64 / cycle as f64;
        2 + ((progress * 4.0) as u8).min(3)
    };
    let size = (p.employees as f64 / a.employees_median)
        .max(0.01)
        .powf(0.35);
    let amount = (lognormal(&mut s.rng, a.amount.0 * size, a.amount.1) / 50.0).round() * 50.0;
    let amount_cents = (amount.max(500.0) * 100.0) as u64;
    let dup = if s.input.dups > 0 && s.dirt.random_bool(CRM_SPLIT) {
        1 + s.dirt.random_range(0..s.input.dups)
    } else {
        0
    };
    let d = dirt::malformed_kind(&mut s.dirt, s.input.malformed_rate, Table::Opportunities);
    s.out.opps.push(Opp {
        created,
        close,
        status,
        amount_cents,
        p: prob,
        p_observable,
        surge_start,
        path,
        dup,
        dirt: d,
    });
}

struct Active {
    start: u32,
    mrr: f64,
    seats: u32,
}

fn plan_for(mrr: f64) -> u8 {
    if mrr < 1_000.0 {
        0
    } else if mrr < 6_000.0 {
        1
    } else {
        2
    }
}

/// Subscriptions, product usage and tickets of a customer (an account with a won deal).
fn customer_life(s: &mut Sim<'_>) {
    let mut wins: Vec<(u32, f64)> = s
        .out
        .opps
        .iter()
        .filter(|o| o.status == STATUS_WON)
        .map(|o| (o.close, o.amount_cents as f64 / 100.0))
        .collect();
    if wins.is_empty() {
        return;
    }
    wins.sort_by_key(|x| x.0);
    let p = s.input.profile;
    let a = &ARCHETYPES[p.archetype as usize];
    let days = s.input.days;
    let r: f64 = s.rng.random();
    let trend: u8 = if r < a.declining {
        2
    } else if r < a.declining + a.growing {
        1
    } else {
        0
    };
    let decline = if trend == 2 {
        s.rng.random_range(0.5..1.5)
    } else {
        0.0
    };
    let pain = beta(&mut s.rng, a.pain.0, a.pain.1);
    let hazard = sigmoid(G0 + G1 * decline + G2 * pain + a.churn_offset);
    let expansion = a.expansion
        * match trend {
            1 => 2.5,
            2 => 0.3,
            _ => 1.0,
        };
    let mut churn = Churn {
        trend,
        decline,
        pain,
        hazard,
        churned: false,
        date: None,
    };
    let seats_for = |rng: &mut SmallRng, employees: u32| -> u32 {
        ((employees as f64 * rng.random_range(0.03..0.15)).round() as u32).clamp(3, 2000)
    };

    let mut periods: Vec<(u32, Option<u32>, f64, u32)> = Vec::new();
    let mut active: Option<Active> = None;
    let first = wins[0].0;
    let mut next = 0usize;
    let mut t = first;
    loop {
        let t_next = t + 30;
        while next < wins.len() && wins[next].0 <= t_next.min(days - 1) {
            let (d, amount) = wins[next];
            next += 1;
            match active.take() {
                Some(act) if d + 1 < days && d >= act.start => {
                    periods.push((act.start, Some(d), act.mrr, act.seats));
                    let extra = seats_for(&mut s.rng, p.employees) / 2;
                    active = Some(Active {
                        start: d + 1,
                        mrr: act.mrr + amount / 12.0,
                        seats: act.seats + extra.max(1),
                    });
                }
                Some(act) => active = Some(act),
                None => {
                    let seats = seats_for(&mut s.rng, p.employees);
                    active = Some(Active {
                        start: d,
                        mrr: amount / 12.0,
                        seats,
                    });
                }
            }
        }
        if t_next >= days {
            break;
        }
        if let Some(act) = active.take() {
            if s.rng.random_bool(hazard) {
                let c = (t + s.rng.random_range(1..=30u32)).clamp(act.start, days - 1);
                periods.push((act.start, Some(c), act.mrr, act.seats));
                churn.churned = true;
                churn.date = Some(c);
            } else if s.rng.random_bool(expansion) {
                let x = (t + s.rng.random_range(1..=29u32)).max(act.start);
                if x + 1 < days {
                    periods.push((act.start, Some(x), act.mrr, act.seats));
                    let up = s.rng.random_range(1.2..1.6);
                    active = Some(Active {
                        start: x + 1,
                        mrr: act.mrr * up,
                        seats: ((act.seats as f64) * s.rng.random_range(1.1..1.5)).ceil() as u32,
                    });
                } else {
                    active = Some(act);
                }
            } else {
                active = Some(act);
            }
        }
        t = t_next;
    }
    if let Some(act) = active {
        periods.push((act.start, None, act.mrr, act.seats));
    }

    // Product users, then usage and tickets over the active periods.
    let first_start = periods.first().map_or(first, |x| x.0);
    let users_n = 2 + poisson(&mut s.rng, 3.0);
    let users: Vec<u16> = (0..users_n).map(|_| s.add_contact(first_start)).collect();
    let slope = match trend {
        1 => 0.6,
        2 => -decline,
        _ => 0.0,
    };
    let ticket_rate = (0.08 + 1.0 * pain) * (p.employees as f64 / 200.0).clamp(0.3, 3.0).powf(0.3);
    for &(start, end, mrr, seats) in &periods {
        let d = dirt::malformed_kind(&mut s.dirt, s.input.malformed_rate, Table::Subscriptions);
        s.out.subs.push(Sub {
            start,
            end,
            plan: plan_for(mrr),
            mrr_cents: (mrr * 100.0).round() as u64,
            seats,
            dirt: d,
        });
        let stop = end.unwrap_or(days - 1) + 1;
        let mut m0 = start;
        while m0 < stop {
            let m1 = (m0 + 30).min(stop);
            let years = (m0 - first_start) as f64 / 365.0;
            let factor = (slope * years).exp().clamp(0.05, 3.0);
            let frac = (m1 - m0) as f64 / 30.0;
            let n = poisson(&mut s.rng, a.usage * factor * frac);
            for _ in 0..n {
                let t = s.random_time_in(m0, m1);
                let u = users[s.rng.random_range(0..users.len())];
                let ty = if s.rng.random_bool(0.6) {
                    PRODUCT_LOGIN
                } else {
                    FEATURE_USED
                };
                s.push_event(t, ty, u);
            }
            let nt = poisson(&mut s.rng, ticket_rate * frac);
            for _ in 0..nt {
                let t = s.random_time_in(m0, m1);
                make_ticket(s, t, pain);
            }
            m0 = m1;
        }
    }
    s.out.churn = Some(churn);
}

fn make_ticket(s: &mut Sim<'_>, created: u32, pain: f64) {
    let r: f64 = s.rng.random();
    let sentiment: i8 = if r < 0.15 + 0.7 * pain {
        -1
    } else if r < 0.15 + 0.7 * pain + 0.3 * (1.0 - pain) {
        1
    } else {
        0
    };
    let r = s.rng.random_range(0..10u8);
    let priority: u8 = if sentiment < 0 {
        [3, 3, 3, 2, 2, 2, 2, 1, 1, 1][r as usize]
    } else {
        [2, 0, 0, 0, 1, 1, 1, 1, 1, 1][r as usize]
    };
    let csat = if s.rng.random_bool(0.6) {
        Some(match sentiment {
            -1 => 1 + (s.rng.random::<f64>() * s.rng.random::<f64>() * 3.0) as u8,
            0 => s.rng.random_range(3..=5),
            _ => s.rng.random_range(4..=5),
        })
    } else {
        None
    };
    let mean_hours = (4.0 + 90.0 * pain) * if priority == 3 { 0.5 } else { 1.0 };
    let hours = lognormal(&mut s.rng, mean_hours, 0.8);
    let resolved = created as f64 + hours * 3600.0;
    let resolved = (resolved < (s.horizon() - 1) as f64).then_some(resolved as u32);
    let text = text::ticket_text(&mut s.rng, sentiment);
    let d = dirt::malformed_kind(&mut s.dirt, s.input.malformed_rate, Table::Tickets);
    s.out.tickets.push(Ticket {
        created,
        resolved,
        priority,
        csat,
        text,
        dirt: d,
    });
}

pub const PRIORITIES: [&str; 4] = ["low", "normal", "high", "urgent"];
