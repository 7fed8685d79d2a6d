//! Identity resolution: which account rows are the same company (merged by a documented rule,
//! every merge listed for review), and which account an event belongs to when it carries only a
//! contact, an email or a visitor domain.
//!
//! Merge rule: two accounts are the same company when (1) their domains have the same
//! registrable domain (`www.acme.com`, `ACME.COM` and `eu.acme.com` are all `acme.com`), or
//! (2) their normalised names are equal (case, punctuation and legal suffixes such as Inc, Ltd,
//! GmbH ignored; at least four letters), at least one of them has no domain, and their countries
//! do not differ. Merges are transitive. The surviving (canonical) account of a group is the
//! one with the most filled-in fields, ties going to the smallest id (the oldest record).
//!
//! Event rules, in order: the row's own `account_id` (mapped to its canonical account); the
//! account its `contact_id` has on other rows; the account its email has on other rows; the
//! company of its email's registrable domain (never for free-mail providers); the company of
//! its visitor `domain`. Anything else stays unresolved and is counted.

use crate::identity::{is_free_mail, registrable_domain};
use serde::Serialize;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

/// What resolution needs to know about one account.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AccountRecord {
    pub id: String,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub country: Option<String>,
    /// Number of non-empty optional fields, to pick the most complete record.
    pub filled: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeRule {
    SameDomain,
    SameName,
}

impl MergeRule {
    pub fn code(self) -> &'static str {
        match self {
            MergeRule::SameDomain => "same_domain",
            MergeRule::SameName => "same_name",
        }
    }
}

/// One account folded into another.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Merge {
    pub account_id: String,
    pub into: String,
    pub rule: MergeRule,
    /// The shared domain or name.
    pub evidence: String,
}

/// The outcome of [`resolve_accounts`].
#[derive(Debug, Clone, Default)]
pub struct AccountResolution {
    canonical: HashMap<String, String>,
    by_domain: HashMap<String, String>,
    pub merges: Vec<Merge>,
}

impl AccountResolution {
    /// The surviving id for `id` (itself when it was not merged).
    pub fn canonical<'a>(&'a self, id: &'a str) -> &'a str {
        self.canonical.get(id).map_or(id, String::as_str)
    }

    /// The canonical account of a registrable domain.
    pub fn account_for_domain(&self, domain: &str) -> Option<&str> {
        self.by_domain.get(domain).map(String::as_str)
    }
}

const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "plc",
    "corp",
    "corporation",
    "co",
    "company",
    "pty",
    "srl",
    "spa",
    "oy",
    "ab",
    "kg",
    "llp",
    "lp",
];

/// Lower-case words of a company name without punctuation and legal suffixes.
pub fn normalise_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                ' '
            }
        })
        .collect();
    cleaned
        .split_whitespace()
        .filter(|w| !LEGAL_SUFFIXES.contains(w))
        .collect::<Vec<_>>()
        .join(" ")
}

struct UnionFind(Vec<usize>);

impl UnionFind {
    fn find(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }
    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            self.0[rb.max(ra)] = rb.min(ra);
        }
    }
}

/// Groups duplicate accounts by the module's rule.
pub fn resolve_accounts(records: &[AccountRecord]) -> AccountResolution {
    let n = records.len();
    let mut uf = UnionFind((0..n).collect());
    let mut why: Vec<Option<(MergeRule, String)>> = vec![None; n];
    let domains: Vec<Option<String>> = records
        .iter()
        .map(|r| {
            r.domain
                .as_deref()
                .and_then(registrable_domain)
                .filter(|d| !is_free_mail(d))
        })
        .collect();
    let mut first_by_domain: HashMap<&str, usize> = HashMap::new();
    for (i, d) in domains.iter().enumerate() {
        if let Some(d) = d {
            match first_by_domain.get(d.as_str()) {
                Some(&j) => {
                    uf.union(i, j);
                    why[i].get_or_insert((MergeRule::SameDomain, d.clone()));
                    why[j].get_or_insert((MergeRule::SameDomain, d.clone()));
                }
                None => {
                    first_by_domain.insert(d, i);
                }
            }
        }
    }
    let names: Vec<String> = records
        .iter()
        .map(|r| r.name.as_deref().map(normalise_name).unwrap_or_default())
        .collect();
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, nm) in names.iter().enumerate() {
        if nm.chars().filter(|c| c.is_alphabetic()).count() >= 4 {
            by_name.entry(nm.as_str()).or_default().push(i);
        }
    }
    for group in by_name.values().filter(|g| g.len() > 1) {
        for (k, &i) in group.iter().enumerate() {
            for &j in &group[..k] {
                let one_without_domain = domains[i].is_none() || domains[j].is_none();
                let countries_agree = match (&records[i].country, &records[j].country) {
                    (Some(a), Some(b)) => a.trim().eq_ignore_ascii_case(b.trim()),
                    _ => true,
                };
                if one_without_domain && countries_agree {
                    uf.union(i, j);
                    why[i].get_or_insert((MergeRule::SameName, names[i].clone()));
                    why[j].get_or_insert((MergeRule::SameName, names[i].clone()));
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let root = uf.find(i);
        groups.entry(root).or_default().push(i);
    }
    let mut out = AccountResolution::default();
    for members in groups.values() {
        let &keep = members
            .iter()
            .max_by(|&&a, &&b| {
                records[a]
                    .filled
                    .cmp(&records[b].filled)
                    .then_with(|| records[b].id.cmp(&records[a].id))
            })
            .expect("groups are never empty");
        for &m in members {
            if let Some(d) = &domains[m] {
                out.by_domain
                    .entry(d.clone())
                    .or_insert_with(|| records[keep].id.clone());
            }
            if m == keep {
                continue;
            }
            let (rule, evidence) = why[m]
                .clone()
                .unwrap_or((MergeRule::SameDomain, String::new()));
            out.canonical
                .insert(records[m].id.clone(), records[keep].id.clone());
            out.merges.push(Merge {
                account_id: records[m].id.clone(),
                into: records[keep].id.clone(),
                rule,
                evidence,
            });
        }
    }
    out.merges.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    out
}

/// How an event was tied to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventMatch {
    AccountId,
    Contact,
    Email,
    EmailDomain,
    VisitorDomain,
    Unresolved,
}

/// An email trimmed and lower-cased, borrowed when it already is.
fn normalise_email(e: &str) -> Cow<'_, str> {
    let t = e.trim();
    if t.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(t.to_ascii_lowercase())
    } else {
        Cow::Borrowed(t)
    }
}

/// (contact_id, email, domain) of an event without account_id.
type PendingKey = (Option<String>, Option<String>, Option<String>);

/// Resolves events to accounts in one streaming pass plus a final step: rows with an account
/// teach the contact and email maps; rows without are counted by key and resolved at the end,
/// so the order of rows in the file does not matter.
#[derive(Debug, Default)]
pub struct EventResolver {
    by_contact: HashMap<String, String>,
    by_email: HashMap<String, String>,
    /// (contact_id, email, domain) of rows without account_id → row count.
    pending: HashMap<PendingKey, u64>,
    counts: BTreeMap<EventMatch, u64>,
}

impl EventResolver {
    /// Feeds one event row.
    pub fn add(
        &mut self,
        account_id: Option<&str>,
        contact_id: Option<&str>,
        email: Option<&str>,
        domain: Option<&str>,
    ) {
        let email = email.map(normalise_email);
        if let Some(a) = account_id {
            *self.counts.entry(EventMatch::AccountId).or_default() += 1;
            // Look up before inserting: most rows repeat a known contact, and an owned key
            // would cost an allocation per row.
            if let Some(c) = contact_id
                && !self.by_contact.contains_key(c)
            {
                self.by_contact.insert(c.to_string(), a.to_string());
            }
            if let Some(e) = email
                && !self.by_email.contains_key(e.as_ref())
            {
                self.by_email.insert(e.into_owned(), a.to_string());
            }
            return;
        }
        let key = (
            contact_id.map(str::to_string),
            email.map(Cow::into_owned),
            domain.map(str::to_string),
        );
        *self.pending.entry(key).or_default() += 1;
    }

    /// Resolves the rows without account.
    pub fn finish(mut self, accounts: &AccountResolution) -> EventResolution {
        let mut keys = Vec::new();
        let mut unresolved_keys = 0;
        for ((contact, email, domain), n) in std::mem::take(&mut self.pending) {
            let by_domain = |d: Option<String>| d.and_then(|d| accounts.account_for_domain(&d));
            let found = [
                (
                    EventMatch::Contact,
                    contact
                        .as_ref()
                        .and_then(|c| self.by_contact.get(c))
                        .map(|a| accounts.canonical(a)),
                ),
                (
                    EventMatch::Email,
                    email
                        .as_ref()
                        .and_then(|e| self.by_email.get(e))
                        .map(|a| accounts.canonical(a)),
                ),
                (
                    EventMatch::EmailDomain,
                    by_domain(
                        email
                            .as_deref()
                            .filter(|e| !is_free_mail(e))
                            .and_then(registrable_domain),
                    ),
                ),
                (
                    EventMatch::VisitorDomain,
                    by_domain(domain.as_deref().and_then(registrable_domain)),
                ),
            ]
            .into_iter()
            .find_map(|(rule, account)| account.map(|a| (rule, a.to_string())));
            let rule = match found {
                Some((rule, account_id)) => {
                    keys.push(ResolvedKey {
                        contact_id: contact,
                        email,
                        domain,
                        account_id,
                    });
                    rule
                }
                None => {
                    unresolved_keys += 1;
                    EventMatch::Unresolved
                }
            };
            *self.counts.entry(rule).or_default() += n;
        }
        EventResolution {
            counts: self.counts,
            unresolved_keys,
            keys,
        }
    }
}

/// An event identity (as on rows without account_id) and the account it resolved to.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedKey {
    pub contact_id: Option<String>,
    /// Trimmed and lower-cased.
    pub email: Option<String>,
    pub domain: Option<String>,
    /// The canonical account.
    pub account_id: String,
}

/// The outcome of [`EventResolver::finish`].
#[derive(Debug, Clone, Default)]
pub struct EventResolution {
    /// Events by the rule that tied them to an account.
    pub counts: BTreeMap<EventMatch, u64>,
    /// Distinct identities no rule could place.
    pub unresolved_keys: u64,
    /// Every resolved identity of rows without account_id.
    pub keys: Vec<ResolvedKey>,
}

impl AccountResolution {
    /// Every merged account and the account it was merged into.
    pub fn merged(&self) -> impl Iterator<Item = (&str, &str)> {
        self.canonical.iter().map(|(a, b)| (a.as_str(), b.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(id: &str, name: &str, domain: &str, country: &str, filled: usize) -> AccountRecord {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
        AccountRecord {
            id: id.into(),
            name: opt(name),
            domain: opt(domain),
            country: opt(country),
            filled,
        }
    }

    #[test]
    fn domain_variants_merge_into_the_most_complete_record() {
        let r = resolve_accounts(&[
            rec("A1", "Acme Inc", "acme.com", "US", 5),
            rec("A2", "Bluepeak", "bluepeak.co.uk", "UK", 5),
            rec("A3", "ACME Inc.", "WWW.ACME.COM", "US", 3),
            rec("A4", "Acme Europe", "eu.acme.com", "DE", 6),
            rec("A5", "Bluepeak Ltd", "bluepeak.com", "UK", 2),
            rec("A6", "Friends", "gmail.com", "", 2),
            rec("A7", "Other", "gmail.com", "", 2),
        ]);
        assert_eq!(r.canonical("A1"), "A4");
        assert_eq!(r.canonical("A3"), "A4");
        assert_eq!(
            r.canonical("A2"),
            "A2",
            ".co.uk and .com are different companies"
        );
        assert_eq!(r.canonical("A6"), "A6", "free-mail domains never merge");
        assert_eq!(r.merges.len(), 2);
        assert!(
            r.merges
                .iter()
                .all(|m| m.rule == MergeRule::SameDomain && m.evidence == "acme.com")
        );
        assert_eq!(r.account_for_domain("acme.com"), Some("A4"));
    }

    #[test]
    fn names_merge_only_without_a_contradicting_domain_or_country() {
        let r = resolve_accounts(&[
            rec("A1", "Northwind Analytics, Inc.", "northwind.com", "US", 4),
            rec("A2", "northwind analytics", "", "US", 2),
            rec("A3", "Northwind Analytics GmbH", "", "Germany", 2),
            rec(
                "A4",
                "Northwind Analytics",
                "northwind-analytics.de",
                "US",
                4,
            ),
            rec("A5", "IBM", "", "US", 1),
            rec("A6", "I.B.M.", "", "US", 1),
        ]);
        assert_eq!(r.canonical("A2"), "A1");
        assert_eq!(
            r.merges.iter().find(|m| m.account_id == "A2").unwrap().rule,
            MergeRule::SameName
        );
        assert_eq!(r.canonical("A3"), "A3", "different country");
        // A4 has its own domain, and so does A1: same name alone does not merge them, but A2
        // (no domain) links to both; transitivity then joins the group. That is the rule.
        assert_eq!(r.canonical("A4"), "A1");
        assert_eq!(
            r.canonical("A5"),
            "A5",
            "names shorter than four letters never merge"
        );
        assert_eq!(normalise_name("ACME, Inc."), "acme");
    }

    #[test]
    fn events_resolve_by_contact_email_and_domain_in_any_order() {
        let accounts = resolve_accounts(&[
            rec("A1", "Acme", "acme.com", "", 1),
            rec("A2", "Beta", "beta.io", "", 1),
        ]);
        let mut ev = EventResolver::default();
        ev.add(None, Some("C1"), Some("x@gmail.com"), None); // contact learned later
        ev.add(None, None, Some("Jane@Acme.com"), None); // email learned later
        ev.add(None, None, Some("bob@shop.beta.io"), None); // email domain
        ev.add(None, None, None, Some("www.beta.io")); // visitor domain
        ev.add(None, None, Some("y@gmail.com"), None); // free mail: unresolved
        ev.add(None, None, None, Some("unknown.org")); // unresolved
        ev.add(Some("A2"), Some("C1"), None, None);
        ev.add(Some("A1"), None, Some("jane@acme.com"), None);
        let resolution = ev.finish(&accounts);
        let (counts, unresolved_keys) = (resolution.counts, resolution.unresolved_keys);
        assert_eq!(resolution.keys.len(), 4);
        use EventMatch::*;
        assert_eq!(counts[&AccountId], 2);
        assert_eq!(counts[&Contact], 1);
        assert_eq!(counts[&Email], 1);
        assert_eq!(counts[&EmailDomain], 1);
        assert_eq!(counts[&VisitorDomain], 1);
        assert_eq!(counts[&Unresolved], 2);
        assert_eq!(unresolved_keys, 2);
        assert_eq!(
            counts.values().sum::<u64>(),
            8,
            "every event is counted once"
        );
    }
}
