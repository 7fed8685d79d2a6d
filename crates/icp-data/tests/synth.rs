//! Tests of the synthetic company generator: determinism, row counts and dirt records that
//! match the files, duplicates that share a registrable domain, the world's statistics
//! (archetype shares, win rate, AUC of the true probabilities, surges), parameter checks,
//! and an end-to-end run of the validator against the recorded dirt.

use icp_data::config::{Config, DateOrder, ParseOptions};
use icp_data::contract::Table;
use icp_data::identity::registrable_domain;
use icp_data::parse::{parse_float, parse_timestamp};
use icp_data::synth::{DirtRates, WorldParams, generate};
use icp_data::validate::{IngestOptions, MemoryBatches, ingest};
use icp_ml::progress::NoProgress;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

fn world(accounts: usize, months: u32, seed: u64, dirt: DirtRates) -> WorldParams {
    WorldParams {
        accounts,
        months,
        seed,
        dirt,
        ..WorldParams::default()
    }
}

fn dirty() -> DirtRates {
    DirtRates {
        duplicate_accounts: 0.05,
        missing_values: 0.05,
        outliers: 0.01,
        // High enough that a 600-account world draws most kinds in every table.
        malformed_rows: 0.05,
    }
}

/// Records of a CSV file: (line where the record starts, fields as bytes), header excluded.
/// Records of a CSV file: (line where it starts, raw fields).
type Records = Vec<(u64, Vec<Vec<u8>>)>;

fn records(path: &Path) -> (Vec<String>, Records) {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_path(path)
        .unwrap();
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    let mut out = Vec::new();
    for rec in r.byte_records() {
        let rec = rec.unwrap();
        let line = rec.position().unwrap().line();
        out.push((line, rec.iter().map(<[u8]>::to_vec).collect()));
    }
    (headers, out)
}

/// Well-formed records of a CSV file as column → text (malformed copies skipped).
fn text_records(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (headers, recs) = records(path);
    recs.into_iter()
        .filter(|(_, f)| {
            f.len() == headers.len() && f.iter().all(|x| std::str::from_utf8(x).is_ok())
        })
        .map(|(_, f)| {
            headers
                .iter()
                .cloned()
                .zip(
                    f.into_iter()
                        .map(|x| String::from_utf8(x).unwrap_or_default()),
                )
                .collect()
        })
        .collect()
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("truth/dirt_summary.json")).unwrap())
        .unwrap()
}

fn all_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![dir.join("icp.toml")];
    for sub in ["data", "truth"] {
        let mut entries: Vec<_> = std::fs::read_dir(dir.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        files.extend(entries);
    }
    files
}

#[test]
fn same_seed_same_bytes_different_seed_different_world() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let c = tempfile::tempdir().unwrap();
    let p = world(300, 6, 7, dirty());
    generate(&p, a.path(), &NoProgress).unwrap();
    // A different thread count must not change anything.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    pool.install(|| generate(&p, b.path(), &NoProgress))
        .unwrap();
    let fa = all_files(a.path());
    assert_eq!(fa.len(), 13);
    for f in &fa {
        let rel = f.strip_prefix(a.path()).unwrap();
        let x = std::fs::read(f).unwrap();
        let y = std::fs::read(b.path().join(rel)).unwrap();
        assert!(
            x == y,
            "{} differs between two runs with the same seed",
            rel.display()
        );
    }
    generate(&world(300, 6, 8, dirty()), c.path(), &NoProgress).unwrap();
    for f in ["data/accounts.csv", "data/events.csv", "truth/accounts.csv"] {
        assert_ne!(
            std::fs::read(a.path().join(f)).unwrap(),
            std::fs::read(c.path().join(f)).unwrap(),
            "{f}"
        );
    }
}

/// File field index of a contract column.
fn field_index(table: Table, headers: &[String], column: &str) -> usize {
    let name = match (table, column) {
        (Table::Opportunities, "opportunity_id") => "Opportunity ID",
        (Table::Opportunities, "account_id") => "Account ID",
        (Table::Opportunities, "created_at") => "Created Date",
        (Table::Opportunities, "closed_at") => "Close Date",
        (Table::Opportunities, "status") => "Stage",
        (Table::Opportunities, "amount") => "Amount",
        (_, c) => c,
    };
    headers
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("{table}: no column {column}"))
}

fn id_column(table: Table) -> &'static str {
    match table {
        Table::Accounts => "account_id",
        Table::Opportunities => "opportunity_id",
        Table::Tickets => "ticket_id",
        _ => "account_id",
    }
}

#[test]
fn row_counts_and_dirt_records_match_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = world(600, 12, 3, dirty());
    let s = generate(&p, dir.path(), &NoProgress).unwrap();
    let sum = summary(dir.path());
    let now = parse_timestamp("2026-11-01T00:00:00Z", DateOrder::Mdy).unwrap();
    let us = ParseOptions {
        thousands_separator: Some(','),
        ..ParseOptions::default()
    };
    let plain = ParseOptions::default();
    let mut files = HashMap::new();
    for t in Table::ALL {
        let (headers, recs) = records(&dir.path().join(format!("data/{t}.csv")));
        assert_eq!(
            sum["rows"][t.name()].as_u64(),
            Some(recs.len() as u64),
            "{t}"
        );
        assert_eq!(s.rows[&t], recs.len() as u64, "{t}");
        files.insert(t, (headers, recs));
    }
    let dirt = text_records(&dir.path().join("truth/dirt.csv"));
    assert_eq!(dirt.len() as u64, s.malformed_rows);
    let mut kinds = BTreeSet::new();
    let mut per_table: BTreeMap<String, u64> = BTreeMap::new();
    for d in &dirt {
        let t = Table::from_name(&d["table"]).unwrap();
        *per_table.entry(d["table"].clone()).or_default() += 1;
        let line: u64 = d["line"].parse().unwrap();
        let (headers, recs) = &files[&t];
        let k = recs
            .iter()
            .position(|(l, _)| *l == line)
            .unwrap_or_else(|| panic!("{t}: dirt line {line} is not the start of a record"));
        let fields = &recs[k].1;
        let kind = d["kind"].as_str();
        kinds.insert((t, kind.to_string()));
        let col = d["column"].as_str();
        let cell = |c: &str| -> String {
            String::from_utf8_lossy(&fields[field_index(t, headers, c)]).into_owned()
        };
        let ctx = format!("{t} line {line} {kind} {col}: {fields:?}");
        match kind {
            "wrong_field_count" => assert_ne!(fields.len(), headers.len(), "{ctx}"),
            "invalid_utf8" => assert!(
                std::str::from_utf8(&fields[field_index(t, headers, col)]).is_err(),
                "{ctx}"
            ),
            "missing_id" | "missing_required" => assert!(cell(col).is_empty(), "{ctx}"),
            "unparsable_date" => {
                assert!(
                    parse_timestamp(&cell(col), DateOrder::Mdy).is_err(),
                    "{ctx}"
                )
            }
            "unparsable_number" => {
                let o = if t == Table::Opportunities {
                    &us
                } else {
                    &plain
                };
                assert!(parse_float(&cell(col), o).is_err(), "{ctx}")
            }
            "negative_value" => {
                let o = if t == Table::Opportunities {
                    &us
                } else {
                    &plain
                };
                assert!(parse_float(&cell(col), o).unwrap() < 0.0, "{ctx}")
            }
            "duplicate_id" => {
                let i = field_index(t, headers, id_column(t));
                assert_eq!(fields[i], recs[k - 1].1[i], "{ctx}");
            }
            "unknown_account" => assert_eq!(cell(col), "A999999", "{ctx}"),
            "future_timestamp" => {
                assert!(
                    parse_timestamp(&cell(col), DateOrder::Mdy).unwrap() > now,
                    "{ctx}"
                )
            }
            "invalid_value" => {
                let v = cell(col);
                assert!(
                    ![
                        "low",
                        "normal",
                        "high",
                        "urgent",
                        "good_fit",
                        "poor_fit",
                        "Closed Won"
                    ]
                    .contains(&v.as_str()),
                    "{ctx}"
                )
            }
            other => panic!("unexpected kind {other}"),
        }
    }
    for t in Table::ALL {
        assert_eq!(
            sum["malformed_rows"][t.name()].as_u64(),
            Some(per_table.get(t.name()).copied().unwrap_or(0)),
            "{t}"
        );
    }
    assert!(kinds.len() >= 14, "too few (table, kind) pairs: {kinds:?}");
    // Duplicates: their canonical exists and shares the registrable domain.
    let truth = text_records(&dir.path().join("truth/accounts.csv"));
    let (headers, recs) = &files[&Table::Accounts];
    let di = field_index(Table::Accounts, headers, "domain");
    let domain_of: HashMap<String, String> = recs
        .iter()
        .filter(|(_, f)| f.len() == headers.len())
        .map(|(_, f)| {
            (
                String::from_utf8_lossy(&f[0]).into_owned(),
                String::from_utf8_lossy(&f[di]).into_owned(),
            )
        })
        .collect();
    let mut dups = 0;
    for r in &truth {
        let canonical = &r["canonical_account_id"];
        if canonical.is_empty() {
            continue;
        }
        dups += 1;
        let a = registrable_domain(&domain_of[&r["account_id"]]).unwrap();
        let b = registrable_domain(&domain_of[canonical]).unwrap();
        assert_eq!(a, b, "{} vs {canonical}", r["account_id"]);
    }
    assert_eq!(dups, 30);
    assert_eq!(sum["duplicate_accounts"].as_u64(), Some(30));
    assert_eq!(s.duplicate_accounts, 30);
}

#[test]
fn normal_average_has_known_moments() {
    use icp_data::synth::account::{normal_average, sigmoid};
    assert!((normal_average(|_| 1.0) - 1.0).abs() < 1e-12);
    assert!(normal_average(|z| z).abs() < 1e-12);
    assert!((normal_average(|z| z * z) - 1.0).abs() < 1e-9);
    assert!((normal_average(|z| z.powi(4)) - 3.0).abs() < 1e-9);
    // Symmetric around zero: the logistic of a centred normal averages to one half.
    assert!((normal_average(|z| sigmoid(0.9 * z)) - 0.5).abs() < 1e-12);
    // Averaging shrinks a probability towards one half (the logistic is convex below 0).
    let p = normal_average(|z| sigmoid(-2.0 + 0.5 * z));
    assert!(p > sigmoid(-2.0) && p < 0.5, "{p}");
}

/// ROC AUC of scores against binary labels (ties count half).
fn auc(mut pairs: Vec<(f64, bool)>) -> f64 {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (mut rank_sum, mut pos) = (0.0, 0.0);
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        let rank = (i + j + 1) as f64 / 2.0;
        for p in &pairs[i..j] {
            if p.1 {
                rank_sum += rank;
                pos += 1.0;
            }
        }
        i = j;
    }
    let neg = pairs.len() as f64 - pos;
    (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg)
}

/// The headline figures of a generated world.
#[derive(Debug)]
struct Figures {
    shares: BTreeMap<String, f64>,
    win_rate: f64,
    auc: f64,
    /// ROC-AUC of the win probability with the hidden part of fit averaged out.
    auc_observable: f64,
    surges_per_account: f64,
    events_per_account: f64,
    opps_per_account: f64,
    events_by_type: BTreeMap<String, u64>,
}

fn figures(dir: &Path, accounts: usize) -> Figures {
    let truth = text_records(&dir.join("truth/accounts.csv"));
    let mut shares = BTreeMap::new();
    for r in truth
        .iter()
        .filter(|r| r["canonical_account_id"].is_empty())
    {
        *shares.entry(r["archetype"].clone()).or_insert(0.0) += 1.0 / accounts as f64;
    }
    let opps = text_records(&dir.join("data/opportunities.csv"));
    let truth_opps = text_records(&dir.join("truth/opportunities.csv"));
    let p: HashMap<&str, (f64, f64)> = truth_opps
        .iter()
        .map(|r| {
            let observable: f64 = r["observable_win_probability"].parse().unwrap();
            assert!(observable > 0.0 && observable < 1.0, "{r:?}");
            (
                r["opportunity_id"].as_str(),
                (r["true_win_probability"].parse().unwrap(), observable),
            )
        })
        .collect();
    let mut pairs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for o in &opps {
        let won = match o["Stage"].as_str() {
            "Closed Won" => true,
            "Closed Lost" => false,
            _ => continue,
        };
        // Malformed copies have fresh ids (no truth) or repeat an id.
        let id = o["Opportunity ID"].as_str();
        if let Some(p) = p.get(id)
            && seen.insert(id)
        {
            pairs.push((*p, won));
        }
    }
    let observable_pairs = pairs.iter().map(|&((_, q), won)| (q, won)).collect();
    let pairs: Vec<(f64, bool)> = pairs.into_iter().map(|((p, _), won)| (p, won)).collect();
    let win_rate = pairs.iter().filter(|x| x.1).count() as f64 / pairs.len() as f64;
    let surges = text_records(&dir.join("truth/surges.csv")).len();
    let events = std::fs::read(dir.join("data/events.csv"))
        .unwrap()
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        - 1;
    let mut events_by_type = BTreeMap::new();
    for (_, f) in records(&dir.join("data/events.csv")).1 {
        if f.len() == 7 {
            *events_by_type
                .entry(String::from_utf8_lossy(&f[5]).into_owned())
                .or_insert(0) += 1;
        }
    }
    Figures {
        events_by_type,
        shares,
        win_rate,
        auc: auc(pairs),
        auc_observable: auc(observable_pairs),
        surges_per_account: surges as f64 / accounts as f64,
        events_per_account: events as f64 / accounts as f64,
        opps_per_account: opps.len() as f64 / accounts as f64,
    }
}

#[test]
fn world_statistics_match_the_design() {
    let dir = tempfile::tempdir().unwrap();
    let n = 5_000;
    generate(
        &world(n, 24, 42, DirtRates::clean()),
        dir.path(),
        &NoProgress,
    )
    .unwrap();
    let f = figures(dir.path(), n);
    eprintln!("{f:#?}");
    let targets = [
        ("high_growth_scaleup", 0.20),
        ("consolidated_enterprise", 0.12),
        ("agile_regional_smb", 0.22),
        ("regulated_buyer", 0.14),
        ("stagnant_data_decay", 0.17),
        ("product_led_adopter", 0.15),
    ];
    for (name, share) in targets {
        let got = f.shares.get(name).copied().unwrap_or(0.0);
        assert!((got - share).abs() < 0.025, "{name}: {got} vs {share}");
    }
    assert!(
        (0.25..=0.35).contains(&f.win_rate),
        "win rate {}",
        f.win_rate
    );
    assert!((0.78..=0.88).contains(&f.auc), "AUC {}", f.auc);
    // The hidden part of fit carries some of the signal, not most of it.
    assert!(
        f.auc_observable < f.auc && f.auc_observable > f.auc - 0.03,
        "observable AUC {} against {}",
        f.auc_observable,
        f.auc
    );
    assert!(
        f.surges_per_account >= 0.1,
        "surges {}",
        f.surges_per_account
    );
    for t in [
        "web_visit",
        "email_open",
        "pricing_page",
        "demo_request",
        "trial_signup",
        "product_login",
    ] {
        assert!(
            f.events_by_type.get(t).copied().unwrap_or(0) > 0,
            "no {t} events"
        );
    }
    assert!(
        (60.0..=140.0).contains(&f.events_per_account),
        "events per account {}",
        f.events_per_account
    );
    // Every opportunity with a surge is created after the surge starts.
    let opps = text_records(&dir.path().join("data/opportunities.csv"));
    let truth = text_records(&dir.path().join("truth/opportunities.csv"));
    let mut with_surge = 0;
    for (o, t) in opps.iter().zip(&truth) {
        assert_eq!(o["Opportunity ID"], t["opportunity_id"]);
        if t["surge_start"].is_empty() {
            continue;
        }
        with_surge += 1;
        let created = parse_timestamp(&o["Created Date"], DateOrder::Mdy).unwrap();
        let start = parse_timestamp(&t["surge_start"], DateOrder::Mdy).unwrap();
        assert!(created > start, "{o:?} {t:?}");
    }
    let share = with_surge as f64 / opps.len() as f64;
    assert!(
        (0.75..=0.92).contains(&share),
        "share of opportunities with a surge {share}"
    );
}

#[test]
fn check_rejects_bad_parameters_naming_them() {
    let ok = WorldParams::default();
    assert!(ok.check().is_ok());
    let e = WorldParams {
        accounts: 3,
        ..ok.clone()
    }
    .check()
    .unwrap_err()
    .to_string();
    assert!(e.contains("`accounts`") && e.contains('3'), "{e}");
    for months in [0, 121] {
        let e = WorldParams {
            months,
            ..ok.clone()
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("`months`"), "{e}");
    }
    let bad = |dirt: DirtRates| {
        WorldParams { dirt, ..ok.clone() }
            .check()
            .unwrap_err()
            .to_string()
    };
    let d = DirtRates::default();
    assert!(
        bad(DirtRates {
            duplicate_accounts: 0.6,
            ..d
        })
        .contains("`duplicate_accounts`")
    );
    assert!(
        bad(DirtRates {
            missing_values: -0.1,
            ..d
        })
        .contains("`missing_values`")
    );
    assert!(
        bad(DirtRates {
            outliers: f64::NAN,
            ..d
        })
        .contains("`outliers`")
    );
    assert!(
        bad(DirtRates {
            malformed_rows: 0.9,
            ..d
        })
        .contains("`malformed_rows`")
    );
    let dir = tempfile::tempdir().unwrap();
    assert!(generate(&WorldParams { accounts: 10, ..ok }, dir.path(), &NoProgress).is_err());
}

/// Runs the validator on a generated world; returns the report and the quarantined
/// (table, line, reason) set.
fn validate_world(
    dir: &Path,
) -> (
    icp_data::validate::IngestReport,
    BTreeSet<(String, u64, String)>,
) {
    let config = Config::load(&dir.join("icp.toml")).unwrap();
    let now_text = config.workspace.now.clone().unwrap();
    let now = parse_timestamp(&now_text, DateOrder::Mdy).unwrap();
    let q = tempfile::tempdir().unwrap();
    let opts = IngestOptions {
        workspace: dir,
        config: &config,
        now,
        quarantine_dir: Some(q.path()),
    };
    let mut sink = MemoryBatches::default();
    let report = ingest(&opts, &mut sink, &NoProgress).unwrap();
    let mut quarantined = BTreeSet::new();
    for t in Table::ALL {
        let path = q.path().join(format!("{t}.csv"));
        if !path.exists() {
            continue;
        }
        for r in text_records(&path) {
            quarantined.insert((
                t.name().to_string(),
                r["line"].parse().unwrap(),
                r["reason"].clone(),
            ));
        }
    }
    (report, quarantined)
}

#[test]
fn validator_quarantines_exactly_the_injected_dirt() {
    let dir = tempfile::tempdir().unwrap();
    let rates = DirtRates {
        duplicate_accounts: 0.05,
        missing_values: 0.05,
        outliers: 0.005,
        malformed_rows: 0.02,
    };
    generate(&world(600, 6, 11, rates), dir.path(), &NoProgress).unwrap();
    let sum = summary(dir.path());
    let (report, quarantined) = validate_world(dir.path());
    for t in &report.tables {
        assert_eq!(t.rows_read, t.accepted + t.quarantined, "{}", t.table);
        assert_eq!(
            Some(t.rows_read),
            sum["rows"][t.table.name()].as_u64(),
            "{}",
            t.table
        );
    }
    let expected: BTreeSet<(String, u64, String)> =
        text_records(&dir.path().join("truth/dirt.csv"))
            .into_iter()
            .map(|r| {
                (
                    r["table"].clone(),
                    r["line"].parse().unwrap(),
                    r["kind"].clone(),
                )
            })
            .collect();
    let missing: Vec<_> = expected.difference(&quarantined).collect();
    let extra: Vec<_> = quarantined.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "injected but not quarantined as recorded: {missing:?}\nquarantined but not injected: {extra:?}"
    );
    let accounts = report.table(Table::Accounts).unwrap();
    assert_eq!(accounts.shared_domains, sum["duplicate_accounts"].as_u64());
    for c in &accounts.columns {
        if c.column == "account_id" {
            continue;
        }
        assert_eq!(
            Some(c.missing),
            sum["missing_cells"][c.column.as_str()].as_u64(),
            "missing cells of {}",
            c.column
        );
    }

    let clean = tempfile::tempdir().unwrap();
    generate(
        &world(600, 6, 11, DirtRates::clean()),
        clean.path(),
        &NoProgress,
    )
    .unwrap();
    let (report, quarantined) = validate_world(clean.path());
    assert_eq!(report.quarantined(), 0, "{quarantined:?}");
    assert_eq!(
        report.table(Table::Accounts).unwrap().shared_domains,
        Some(0)
    );
}

/// The timing figure of the spec: `cargo test --release -p icp-data --test synth -- --ignored
/// --nocapture generate_100k_accounts_24_months`.
#[test]
#[ignore]
fn generate_100k_accounts_24_months() {
    let dir = tempfile::tempdir().unwrap();
    let t = std::time::Instant::now();
    let s = generate(
        &world(100_000, 24, 1, DirtRates::default()),
        dir.path(),
        &NoProgress,
    )
    .unwrap();
    let secs = t.elapsed().as_secs_f64();
    eprintln!("100k x 24 months: {secs:.1} s wall, rows {:?}", s.rows);
    let f = figures(dir.path(), 100_000);
    eprintln!("{f:#?}");
    let opps = f.opps_per_account;
    eprintln!("opportunities per account {opps:.3}");
}

/// Writes a small default world to `$SYNTH_OUT` for a look at the files:
/// `SYNTH_OUT=/tmp/world cargo test -p icp-data --test synth -- --ignored write_sample_world`.
#[test]
#[ignore]
fn write_sample_world() {
    let out = std::env::var("SYNTH_OUT").expect("set SYNTH_OUT to a fresh folder");
    generate(
        &world(2_000, 24, 42, DirtRates::default()),
        Path::new(&out),
        &NoProgress,
    )
    .unwrap();
}
