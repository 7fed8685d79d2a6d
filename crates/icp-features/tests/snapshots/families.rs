//! The later feature families and the user's `features.sql` on one generated company (1,000
//! accounts × 15 months, shared by every test): technology flags against the accounts file,
//! regions against the documented mapping, product usage and RFM against the same quantity
//! written by hand in `features.sql` (a second, independent path through the as-of views),
//! ticket sentiment against the generator's churn truth, and the errors of bad feature files.

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use icp_data::config::{Config, DateOrder};
use icp_data::parse::parse_timestamp;
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_data::validate::{IngestOptions, ParquetBatches, ingest};
use icp_features::user::UserFeatures;
use icp_features::{FeatureBuilder, FeatureOptions, monthly_as_of};
use icp_ml::progress::NoProgress;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

struct World {
    _dir: tempfile::TempDir,
    root: PathBuf,
    clean: PathBuf,
    /// A mid-history as-of moment with a year of data before it, and the data's end.
    t: i64,
    end: i64,
    /// The snapshot at `t` with the hand-written features of [`USER_SQL`].
    snapshot: RecordBatch,
}

/// Hand-written twins of built-in features, plus one feature of the user's own.
const USER_SQL: &str = r#"-- twins of built-in features, through the as-of views
SELECT account_id, COUNT(*) AS my_events_30d,
       COUNT(DISTINCT contact_id) AS my_contacts_30d,
       COUNT(DISTINCT CAST("timestamp" AS BIGINT) / 86400000000) AS my_active_days_30d,
       SUM(CASE WHEN event_type = 'web_visit' THEN 1 ELSE 0 END) AS my_web_visit_30d
FROM events WHERE "timestamp" >= {as_of} - INTERVAL '30 days'
GROUP BY account_id;

SELECT account_id, COUNT(DISTINCT contact_id) AS my_active_users_30d
FROM events
WHERE event_type IN ('product_login', 'feature_used')
  AND "timestamp" >= {as_of} - INTERVAL '30 days'
GROUP BY account_id;

SELECT account_id,
       COUNT(DISTINCT value) AS my_features_used_90d
FROM events
WHERE event_type = 'feature_used' AND "timestamp" >= {as_of} - INTERVAL '90 days'
GROUP BY account_id;

/* won deals: the view shows only those closed before the as-of moment */
SELECT account_id, COUNT(*) AS my_wins_365d, SUM(amount) AS my_won_365d,
       MAX(CAST(closed_at AS BIGINT)) AS my_last_win
FROM opportunities
WHERE status = 'won' AND CAST(closed_at AS BIGINT) >= {as_of_micros} - 365 * 86400000000
GROUP BY account_id;

SELECT account_id, AVG(sentiment(text)) AS my_ticket_tone
FROM tickets GROUP BY account_id
"#;

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let params = WorldParams {
            accounts: 1000,
            months: 15,
            seed: 7,
            dirt: DirtRates::clean(),
            ..WorldParams::default()
        };
        generate(&params, &root, &NoProgress).unwrap();
        let config = Config::load(&root.join("icp.toml")).unwrap();
        let now =
            parse_timestamp(config.workspace.now.as_deref().unwrap(), DateOrder::Mdy).unwrap();
        let clean = root.join("clean");
        let opts = IngestOptions {
            workspace: &root,
            config: &config,
            now,
            quarantine_dir: None,
        };
        ingest(
            &opts,
            &mut ParquetBatches::new(&clean).unwrap(),
            &NoProgress,
        )
        .unwrap();
        std::fs::write(root.join("features.sql"), USER_SQL).unwrap();
        let mut b = FeatureBuilder::from_clean_dir(&clean, &[], &[]).unwrap();
        let options = FeatureOptions::from_config(&config.features, &root);
        assert_eq!(options.sql_file, Some(root.join("features.sql")));
        b.configure(&options).unwrap();
        let (start, end) = b.data_range().unwrap().unwrap();
        let plan = monthly_as_of(start, end);
        let t = plan[plan.len() - 4];
        let snapshot = b.snapshot(t, end + 1).unwrap();
        World {
            _dir: dir,
            root,
            clean,
            t,
            end,
            snapshot,
        }
    })
}

fn f64s(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    let col = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    let col = arrow_cast_f64(col);
    let v = col.as_primitive::<arrow_array::types::Float64Type>();
    (0..v.len())
        .map(|i| v.is_valid(i).then(|| v.value(i)))
        .collect()
}

fn arrow_cast_f64(col: &arrow_array::ArrayRef) -> arrow_array::ArrayRef {
    icp_features::snapshot::cast_f64(col).unwrap()
}

fn strings(b: &RecordBatch, name: &str) -> Vec<Option<String>> {
    let col =
        datafusion::arrow::compute::cast(b.column_by_name(name).unwrap(), &DataType::Utf8).unwrap();
    let v = col.as_string::<i32>();
    (0..v.len())
        .map(|i| v.is_valid(i).then(|| v.value(i).to_string()))
        .collect()
}

/// The generator's accounts file: account id → (country, technologies).
fn accounts_file(root: &Path) -> HashMap<String, (String, Vec<String>)> {
    let mut r = csv::Reader::from_path(root.join("data/accounts.csv")).unwrap();
    let h = r.headers().unwrap().clone();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (id, country, tech) = (col("account_id"), col("country"), col("technologies"));
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            let techs = rec[tech]
                .split(';')
                .map(|s| s.trim().to_lowercase())
                .filter(|s| !s.is_empty())
                .collect();
            (rec[id].to_string(), (rec[country].to_string(), techs))
        })
        .collect()
}

#[test]
fn technology_flags_are_the_most_frequent_technologies_of_each_account() {
    let w = world();
    let accounts = accounts_file(&w.root);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, techs) in accounts.values() {
        for t in techs {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let expected: Vec<&str> = ranked.iter().take(20).map(|x| x.0).collect();
    assert!(expected.len() >= 10, "the generator names technologies");
    let ids = strings(&w.snapshot, "account_id");
    let columns: Vec<String> = w
        .snapshot
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|n| n.starts_with("tech_"))
        .collect();
    assert_eq!(columns.len(), expected.len(), "{columns:?}");
    for name in &expected {
        let column = format!("tech_{}", icp_features::sql::identifier(name));
        let flags = f64s(&w.snapshot, &column);
        for (id, flag) in ids.iter().zip(&flags) {
            let id = id.as_deref().unwrap();
            let has = accounts[id].1.iter().any(|t| t == name);
            assert_eq!(*flag, Some(if has { 1.0 } else { 0.0 }), "{id} {column}");
        }
    }
}

#[test]
fn regions_follow_the_documented_mapping() {
    let w = world();
    let countries = strings(&w.snapshot, "country");
    let regions = strings(&w.snapshot, "region");
    let mut mapped = 0;
    for (c, r) in countries.iter().zip(&regions) {
        let expected = c
            .as_deref()
            .and_then(icp_features::region::region_of)
            .map(String::from);
        assert_eq!(*r, expected, "{c:?}");
        mapped += usize::from(r.is_some());
    }
    assert!(
        mapped * 10 > countries.len() * 9,
        "the generator's countries are all mapped"
    );
}

/// Asserts that a built-in feature equals its hand-written twin (an empty twin is 0).
fn same(b: &RecordBatch, builtin: &str, twin: &str) {
    let x = f64s(b, builtin);
    let y = f64s(b, twin);
    let mut nonzero = 0;
    for (i, (x, y)) in x.iter().zip(&y).enumerate() {
        let (x, y) = (x.unwrap_or(0.0), y.unwrap_or(0.0));
        assert!(
            (x - y).abs() < 1e-6 * (1.0 + x.abs()),
            "row {i}: {builtin} {x} vs {twin} {y}"
        );
        nonzero += usize::from(x != 0.0);
    }
    assert!(nonzero > 10, "{builtin} is non-zero for some accounts");
}

#[test]
fn user_features_are_joined_before_the_labels_and_match_their_built_in_twins() {
    let w = world();
    let names: Vec<String> = w
        .snapshot
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let first_label = names.iter().position(|n| n.starts_with("label_")).unwrap();
    for user in [
        "my_events_30d",
        "my_features_used_90d",
        "my_wins_365d",
        "my_ticket_tone",
    ] {
        let at = names.iter().position(|n| n == user).expect(user);
        assert!(at < first_label, "{user} comes before the labels");
    }
    same(&w.snapshot, "events_30d", "my_events_30d");
    same(&w.snapshot, "contacts_30d", "my_contacts_30d");
    same(&w.snapshot, "active_days_30d", "my_active_days_30d");
    same(&w.snapshot, "web_visit_30d", "my_web_visit_30d");
    same(&w.snapshot, "active_users_30d", "my_active_users_30d");
    same(&w.snapshot, "features_used_90d", "my_features_used_90d");
    same(&w.snapshot, "rfm_frequency_365d", "my_wins_365d");
    same(&w.snapshot, "rfm_monetary_365d", "my_won_365d");
    assert!(
        f64s(&w.snapshot, "features_used_90d")
            .iter()
            .all(|v| v.unwrap_or(0.0) <= 20.0),
        "the generator has 20 product features"
    );
    // The last win seen before T is before T: the view hides later closes.
    let last = f64s(&w.snapshot, "my_last_win");
    assert!(last.iter().flatten().all(|&v| (v as i64) < w.t));
    assert!(w.t < w.end);
}

#[test]
fn product_usage_counts_are_bounded_by_their_wider_counterparts() {
    let w = world();
    let users = f64s(&w.snapshot, "active_users_30d");
    let contacts = f64s(&w.snapshot, "contacts_30d");
    let trend = f64s(&w.snapshot, "active_users_trend_30d");
    assert!(users.iter().flatten().any(|&u| u > 0.0));
    for i in 0..users.len() {
        let (u, c, d) = (users[i].unwrap(), contacts[i].unwrap(), trend[i].unwrap());
        assert!(u <= c, "active users are contacts");
        assert!(d <= u, "the trend is this month's users minus last month's");
    }
    let recency = f64s(&w.snapshot, "rfm_recency_days");
    let freq = f64s(&w.snapshot, "rfm_frequency_365d");
    for (r, f) in recency.iter().zip(&freq) {
        if f.unwrap() > 0.0 {
            assert!(r.is_some_and(|r| (0.0..=365.0).contains(&r)));
        }
    }
}

/// ROC-AUC of `score` for `positive` (ties count half).
fn auc(score: &[f64], positive: &[bool]) -> f64 {
    let mut pos = 0.0;
    let mut pairs = 0.0;
    for (i, &si) in score.iter().enumerate() {
        if !positive[i] {
            continue;
        }
        for (j, &sj) in score.iter().enumerate() {
            if positive[j] {
                continue;
            }
            pairs += 1.0;
            pos += if si > sj {
                1.0
            } else if si == sj {
                0.5
            } else {
                0.0
            };
        }
    }
    pos / pairs
}

/// Ticket sentiment against the generator's churn truth: the support pain that drives both the
/// tone of an account's tickets and its churn hazard (`support_pain` > 0.5), and the churn
/// outcome itself (printed: churn in the generator is driven mostly by usage, so tone alone
/// barely separates it on a world this small).
#[test]
fn ticket_sentiment_separates_the_accounts_in_support_pain() {
    let w = world();
    let mut r = csv::Reader::from_path(w.root.join("truth/churn.csv")).unwrap();
    // account id → (support pain above 0.5, churned)
    let truth: HashMap<String, (bool, bool)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            let pain = rec[2].parse::<f64>().unwrap() > 0.5;
            (rec[0].to_string(), (pain, &rec[4] == "true"))
        })
        .collect();
    // Pooled over every monthly snapshot: (account, as-of) pairs with tickets in 90 days.
    let b = FeatureBuilder::from_clean_dir(&w.clean, &[], &[]).unwrap();
    let (start, end) = b.data_range().unwrap().unwrap();
    let (mut tone, mut share, mut pain, mut churned) = (vec![], vec![], vec![], vec![]);
    for t in monthly_as_of(start, end + 1) {
        let snap = b.snapshot(t, end + 1).unwrap();
        let ids = strings(&snap, "account_id");
        let mean = f64s(&snap, "mean_ticket_sentiment_90d");
        let negative = f64s(&snap, "negative_ticket_share_90d");
        for i in 0..ids.len() {
            let Some(&(p, c)) = truth.get(ids[i].as_deref().unwrap()) else {
                continue;
            };
            if let (Some(m), Some(n)) = (mean[i], negative[i]) {
                tone.push(-m);
                share.push(n);
                pain.push(p);
                churned.push(c);
            }
        }
    }
    let painful = pain.iter().filter(|&&p| p).count();
    assert!(
        painful >= 20 && painful < pain.len(),
        "{painful} of {}",
        pain.len()
    );
    let (tone_pain, share_pain) = (auc(&tone, &pain), auc(&share, &pain));
    let (tone_churn, share_churn) = (auc(&tone, &churned), auc(&share, &churned));
    eprintln!(
        "ticket sentiment over {} (account, month) pairs with tickets: \
         support pain > 0.5 ({painful} pairs): AUC(-mean sentiment) = {tone_pain:.3}, \
         AUC(negative share) = {share_pain:.3}; churned ({} pairs): {tone_churn:.3}, {share_churn:.3}",
        tone.len(),
        churned.iter().filter(|&&c| c).count()
    );
    assert!(tone_pain > 0.6, "AUC {tone_pain}");
    assert!(share_pain > 0.6, "AUC {share_pain}");
}

fn builder_with(sql: &str) -> icp_features::Result<FeatureBuilder> {
    let w = world();
    let mut b = FeatureBuilder::from_clean_dir(&w.clean, &[], &[]).unwrap();
    b.set_user_features(UserFeatures::parse(Path::new("my/features.sql"), sql)?)?;
    Ok(b)
}

#[test]
fn a_bad_statement_names_the_file_the_statement_and_its_line() {
    let err = builder_with(
        "SELECT account_id, 1 AS ok FROM accounts;\n\n-- typo below\nSELECT acount_id, 2 AS bad\nFROM accounts;",
    )
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.starts_with("my/features.sql, statement 2 (line 4): "),
        "{err}"
    );
    assert!(err.contains("acount_id"), "the engine's message: {err}");
}

#[test]
fn statements_must_return_account_id_new_names_and_one_row_per_account() {
    let no_id = builder_with("SELECT industry, COUNT(*) AS n FROM accounts GROUP BY industry")
        .err()
        .unwrap()
        .to_string();
    assert!(no_id.contains("expected an account_id column"), "{no_id}");
    let clash = builder_with("SELECT account_id, 1 AS events_30d FROM accounts")
        .err()
        .unwrap()
        .to_string();
    assert!(clash.contains("events_30d already exists"), "{clash}");
    let label = builder_with("SELECT account_id, 1 AS label_x FROM accounts")
        .err()
        .unwrap()
        .to_string();
    assert!(label.contains("reserved for labels"), "{label}");
    let w = world();
    let twice = builder_with("SELECT account_id, event_type AS kind FROM events").unwrap();
    let err = twice.snapshot(w.t, w.end + 1).err().unwrap().to_string();
    assert!(err.contains("statement 1 (line 1)"), "{err}");
    assert!(err.contains("more than one row"), "{err}");
}

#[test]
fn the_definition_hash_covers_the_features_file() {
    let plain = builder_with("SELECT account_id, 1 AS x FROM accounts").unwrap();
    let other = builder_with("SELECT account_id, 2 AS x FROM accounts").unwrap();
    assert_ne!(plain.definition_hash(), other.definition_hash());
    let w = world();
    let none = FeatureBuilder::from_clean_dir(&w.clean, &[], &[]).unwrap();
    assert_ne!(none.definition_hash(), plain.definition_hash());
}
