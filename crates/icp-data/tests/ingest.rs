//! Readers and validation on nasty inputs: BOM, CRLF, quoted newlines, delimiters, invalid
//! UTF-8, empty and header-only files, extreme numbers, many date formats, Parquet and JSON
//! Lines, and a corpus of malformed files that must never panic.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use arrow_array::{Array, RecordBatch};
use icp_data::config::{Config, DateOrder};
use icp_data::contract::Table;
use icp_data::parse::parse_timestamp;
use icp_data::validate::{IngestOptions, IngestReport, MemoryBatches, ingest};
use icp_ml::progress::NoProgress;
use std::path::Path;

const ACCOUNTS: &str =
    "account_id,name,domain,employees\nA1,Acme,acme.com,10\nA2,Beta,beta.io,20\n";

struct Run {
    report: IngestReport,
    quarantine: Vec<Vec<String>>,
    batches: MemoryBatches,
}

impl Run {
    fn table(&self, t: Table) -> RecordBatch {
        let (schema, batches) = &self.batches.tables[&t];
        arrow_select_concat(schema.clone().unwrap(), batches)
    }
    fn reasons(&self, t: Table) -> Vec<(u64, String, String)> {
        self.quarantine
            .iter()
            .filter(|r| r[0] == t.name())
            .map(|r| (r[2].parse().unwrap(), r[3].clone(), r[4].clone()))
            .collect()
    }
}

fn arrow_select_concat(schema: arrow_schema::SchemaRef, batches: &[RecordBatch]) -> RecordBatch {
    // Small helper without arrow-select: tests keep tables within one batch.
    assert!(batches.len() <= 1, "test tables fit one batch");
    batches
        .first()
        .cloned()
        .unwrap_or_else(|| RecordBatch::new_empty(schema))
}

/// Writes `files` and an icp.toml (`toml` + a [tables.X] path for each file) into a temp dir
/// and ingests it.
fn run(files: &[(&str, &[u8])], toml: &str) -> Result<Run, icp_data::Error> {
    let dir = tempfile::tempdir().unwrap();
    let mut text = format!("[workspace]\nnow = \"2026-01-01\"\n{toml}\n");
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
        let table = name.split('.').next().unwrap();
        if !toml.contains(&format!("[tables.{table}]")) {
            text.push_str(&format!("[tables.{table}]\npath = \"{name}\"\n"));
        }
    }
    let config = Config::parse(&text, &dir.path().join("icp.toml"))?;
    let qdir = dir.path().join("quarantine");
    std::fs::create_dir_all(&qdir).unwrap();
    let mut batches = MemoryBatches::default();
    let opts = IngestOptions {
        workspace: dir.path(),
        config: &config,
        now: parse_timestamp("2026-01-01", DateOrder::Mdy).unwrap(),
        quarantine_dir: Some(&qdir),
    };
    let report = ingest(&opts, &mut batches, &NoProgress)?;
    let mut quarantine = Vec::new();
    for t in Table::ALL {
        let p = qdir.join(format!("{t}.csv"));
        if p.exists() {
            let mut r = csv::Reader::from_path(&p).unwrap();
            for rec in r.records() {
                let rec = rec.unwrap();
                let mut row = vec![t.name().to_string()];
                row.extend(rec.iter().map(str::to_string));
                quarantine.push(row);
            }
        }
    }
    for t in &report.tables {
        assert_eq!(t.rows_read, t.accepted + t.quarantined, "{}", t.table);
        assert_eq!(
            t.quarantined as usize,
            quarantine.iter().filter(|r| r[0] == t.table.name()).count()
        );
    }
    Ok(Run {
        report,
        quarantine,
        batches,
    })
}

fn strings(b: &RecordBatch, col: &str) -> Vec<Option<String>> {
    let a = b.column_by_name(col).unwrap().as_string::<i32>();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}

#[test]
fn csv_with_bom_crlf_semicolons_and_quoted_newlines() {
    let accounts = "\u{feff}account_id;name;domain;employees;technologies\r\nA1;\"Acme; Inc.\";acme.com;10;AWS|dbt\r\nA2;\"Multi\r\nline \"\"name\"\"\";beta.io;20;\r\nA3;Gamma;gamma.com;x;\r\n";
    let r = run(
        &[("accounts.csv", accounts.as_bytes())],
        "[parse]\nlist_separator = \"|\"",
    )
    .unwrap();
    let t = r.report.table(Table::Accounts).unwrap();
    assert_eq!((t.rows_read, t.accepted, t.quarantined), (3, 2, 1));
    let b = r.table(Table::Accounts);
    assert_eq!(
        strings(&b, "name"),
        vec![
            Some("Acme; Inc.".into()),
            Some("Multi\r\nline \"name\"".into())
        ]
    );
    let tech = b.column_by_name("technologies").unwrap().as_list::<i32>();
    assert_eq!(
        tech.value(0)
            .as_string::<i32>()
            .iter()
            .flatten()
            .collect::<Vec<_>>(),
        vec!["AWS", "dbt"]
    );
    assert!(tech.is_null(1));
    // The bad row starts on physical line 5: the quoted newline moved it down one line.
    assert_eq!(
        r.reasons(Table::Accounts),
        vec![(5, "employees".into(), "unparsable_number".into())]
    );
}

#[test]
fn invalid_utf8_is_quarantined_with_its_line_and_column() {
    let mut bytes = b"account_id,name\nA1,Acme\nA2,Bad \xC3\x28 name\nA3,Fine\n".to_vec();
    bytes.extend_from_slice(b"A4,\xFF\n");
    let r = run(&[("accounts.csv", &bytes)], "").unwrap();
    assert_eq!(
        r.reasons(Table::Accounts),
        vec![
            (3, "name".into(), "invalid_utf8".into()),
            (5, "name".into(), "invalid_utf8".into())
        ]
    );
    assert_eq!(r.report.table(Table::Accounts).unwrap().accepted, 2);
}

#[test]
fn empty_file_and_header_only() {
    let e = run(&[("accounts.csv", b"")], "").err().unwrap().to_string();
    assert!(e.contains("accounts.csv") && e.contains("empty"), "{e}");
    let e = run(&[("accounts.csv", b"\xEF\xBB\xBF")], "")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("empty"), "{e}");
    let r = run(&[("accounts.csv", b"account_id,name\r\n")], "").unwrap();
    let t = r.report.table(Table::Accounts).unwrap();
    assert_eq!((t.rows_read, t.accepted), (0, 0));
    assert_eq!(r.table(Table::Accounts).num_rows(), 0);
}

#[test]
fn missing_required_column_names_file_and_column() {
    let e = run(&[("accounts.csv", b"name,domain\nAcme,acme.com\n")], "")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("accounts.csv") && e.contains("account_id") && e.contains("expected"),
        "{e}"
    );
    let e = run(
        &[("accounts.csv", ACCOUNTS.as_bytes())],
        "[tables.accounts]\npath = \"accounts.csv\"\n[tables.accounts.columns]\nname = \"Company Name\"",
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("Company Name"), "{e}");
}

#[test]
fn binary_garbage_is_an_unusable_file_not_a_panic() {
    let e = run(&[("accounts.csv", b"\x00\x01\x02PK\x03\x04")], "")
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("accounts.csv") && e.contains("not text"), "{e}");
    let e = run(&[("accounts.parquet", b"PAR1 but not really")], "")
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("accounts.parquet") && e.contains("Parquet"),
        "{e}"
    );
}

#[test]
fn extreme_numbers_and_nan() {
    let opps = "opportunity_id,account_id,amount,created_at\nO1,A1,1e308,2025-01-01\nO2,A1,1e309,2025-01-01\nO3,A1,NaN,2025-01-01\nO4,A2,-5,2025-01-01\nO5,A2,\"12,500.00\",2025-01-01\nO6,A2,0,2025-01-01\n";
    let r = run(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("opportunities.csv", opps.as_bytes()),
        ],
        "",
    )
    .unwrap();
    let reasons = r.reasons(Table::Opportunities);
    assert_eq!(
        reasons,
        vec![
            (3, "amount".into(), "unparsable_number".into()),
            (4, "amount".into(), "unparsable_number".into()),
            (5, "amount".into(), "negative_value".into()),
            (6, "amount".into(), "unparsable_number".into()),
        ]
    );
    let b = r.table(Table::Opportunities);
    let amount = b
        .column_by_name("amount")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(amount.values().to_vec(), vec![1e308, 0.0]);
}

#[test]
fn dates_in_several_formats_and_configured_thousands() {
    let opps = "Opportunity ID,Account ID,Created Date,Close Date,Stage,Amount\nO1,A1,03/04/2025,4/30/2025,Closed Won,\"12,500.00\"\nO2,A1,2025-03-04T10:00:00Z,,Prospecting,\nO3,A2,4 Mar 2025,\"Apr 30, 2025\",Closed Lost,900\nO4,A2,2025-03-04 10:00:00+02:00,,Negotiation,1\nO5,A2,31/31/2025,,Prospecting,1\nO6,A2,03/04/2025,03/01/2025,Closed Lost,1\nO7,A1,03/04/2025,12/31/2026,Closed Won,1\nO8,A1,03/04/2025,,Maybe,1\n";
    let toml = "[tables.opportunities]\npath = \"opportunities.csv\"\n[tables.opportunities.parse]\nthousands_separator = \",\"\n[tables.opportunities.status_values]\n\"Closed Won\" = \"won\"\n\"Closed Lost\" = \"lost\"\n\"Prospecting\" = \"open\"\n\"Negotiation\" = \"open\"\n";
    let r = run(
        &[
            ("accounts.csv", ACCOUNTS.as_bytes()),
            ("opportunities.csv", opps.as_bytes()),
        ],
        toml,
    )
    .unwrap();
    assert_eq!(
        r.reasons(Table::Opportunities),
        vec![
            (6, "created_at".into(), "unparsable_date".into()),
            (7, "closed_at".into(), "date_order".into()),
            (8, "closed_at".into(), "future_timestamp".into()),
            (9, "status".into(), "invalid_value".into()),
        ]
    );
    let b = r.table(Table::Opportunities);
    let created = b
        .column_by_name("created_at")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    let want = |s: &str| parse_timestamp(s, DateOrder::Mdy).unwrap();
    assert_eq!(
        created.values().to_vec(),
        vec![
            want("2025-03-04"),
            want("2025-03-04T10:00:00Z"),
            want("2025-03-04"),
            want("2025-03-04T08:00:00Z")
        ]
    );
    assert_eq!(
        strings(&b, "status"),
        vec![
            Some("won".into()),
            Some("open".into()),
            Some("lost".into()),
            Some("open".into())
        ]
    );
    let amount = b
        .column_by_name("amount")
        .unwrap()
        .as_primitive::<Float64Type>();
    assert_eq!(amount.value(0), 12500.0);
}

#[test]
fn duplicates_orphans_future_and_wrong_field_counts() {
    let accounts = "account_id,name,domain,employees\nA1,Acme,acme.com,10\nA1,Acme again,acme.com,10\n,No id,x.com,1\nA2,Acme EU,https://EU.Acme.com/,5\nA3,Short\nA4,Neg,neg.com,-3\n";
    let events = "account_id,email,timestamp,event_type\nA1,,2025-05-01T00:00:00Z,web_visit\nA9,,2025-05-01T00:00:00Z,web_visit\n,jane@acme.com,2025-05-01T00:00:00Z,email_open\n,,2025-05-01T00:00:00Z,email_open\nA2,,2027-01-01T00:00:00Z,web_visit\nA2,,,web_visit\n";
    let r = run(
        &[
            ("accounts.csv", accounts.as_bytes()),
            ("events.csv", events.as_bytes()),
        ],
        "",
    )
    .unwrap();
    assert_eq!(
        r.reasons(Table::Accounts),
        vec![
            (3, "account_id".into(), "duplicate_id".into()),
            (4, "account_id".into(), "missing_id".into()),
            (6, "".into(), "wrong_field_count".into()),
            (7, "employees".into(), "negative_value".into()),
        ]
    );
    let acc = r.report.table(Table::Accounts).unwrap();
    assert_eq!(acc.duplicate_ids, 1);
    assert_eq!(acc.shared_domains, Some(1), "eu.acme.com is acme.com");
    assert_eq!(
        r.reasons(Table::Events),
        vec![
            (3, "account_id".into(), "unknown_account".into()),
            (5, "account_id".into(), "missing_required".into()),
            (6, "timestamp".into(), "future_timestamp".into()),
            (7, "timestamp".into(), "missing_required".into()),
        ]
    );
    assert_eq!(r.report.table(Table::Events).unwrap().unknown_accounts, 1);
}

#[test]
fn extra_columns_are_kept_as_text_and_missing_shares_counted() {
    let accounts = "account_id,name,Segment Owner,employees,\nA1,Acme,Jo,10,x\nA2,,Al,,\n";
    let r = run(&[("accounts.csv", accounts.as_bytes())], "").unwrap();
    let t = r.report.table(Table::Accounts).unwrap();
    assert_eq!(
        t.extra_columns,
        vec!["Segment Owner".to_string(), "column_5".to_string()]
    );
    let name = t.columns.iter().find(|c| c.column == "name").unwrap();
    assert_eq!((name.missing, name.missing_share), (1, 0.5));
    let domain = t.columns.iter().find(|c| c.column == "domain").unwrap();
    assert_eq!((domain.source.clone(), domain.missing), (None, 2));
    let b = r.table(Table::Accounts);
    assert_eq!(
        strings(&b, "Segment Owner"),
        vec![Some("Jo".into()), Some("Al".into())]
    );
}

#[test]
fn json_lines_with_types_arrays_late_keys_and_bad_lines() {
    let jsonl = concat!(
        "{\"account_id\":\"A1\",\"employees\":12,\"annual_revenue\":1.5e6,\"technologies\":[\"AWS\",\"dbt\"],\"consent\":true}\n",
        "\n",
        "[1,2]\n",
        "{\"account_id\":\"A2\",\"employees\":\"40\",\"tier\":\"gold\"}\r\n",
        "{\"account_id\":\"A3\",\"employees\":12.5}\n",
        "{not json\n",
    );
    let r = run(&[("accounts.jsonl", jsonl.as_bytes())], "").unwrap();
    assert_eq!(
        r.reasons(Table::Accounts),
        vec![
            (3, "".into(), "not_an_object".into()),
            (5, "employees".into(), "unparsable_number".into()),
            (6, "".into(), "not_an_object".into()),
        ]
    );
    let b = r.table(Table::Accounts);
    let emp = b
        .column_by_name("employees")
        .unwrap()
        .as_primitive::<Int64Type>();
    assert_eq!(emp.values().to_vec(), vec![12, 40]);
    assert_eq!(strings(&b, "tier"), vec![None, Some("gold".into())]);
}

#[test]
fn parquet_with_native_types() {
    use arrow_array::builder::{ListBuilder, StringBuilder};
    use arrow_array::{Date32Array, Int32Array, StringArray};
    use std::sync::Arc;
    let mut tech = ListBuilder::new(StringBuilder::new());
    tech.values().append_value("AWS");
    tech.append(true);
    tech.append(false);
    tech.values().append_value("SAP");
    tech.append(true);
    let batch = RecordBatch::try_from_iter(vec![
        (
            "account_id",
            Arc::new(StringArray::from(vec![Some("A1"), Some("A2"), None])) as _,
        ),
        (
            "employees",
            Arc::new(Int32Array::from(vec![Some(10), None, Some(3)])) as _,
        ),
        ("technologies", Arc::new(tech.finish()) as _),
    ])
    .unwrap();
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let subs = RecordBatch::try_from_iter(vec![
        (
            "account_id",
            Arc::new(StringArray::from(vec!["A1", "A1"])) as _,
        ),
        (
            "start_date",
            Arc::new(Date32Array::from(vec![20_000, 20_100])) as _,
        ),
        (
            "end_date",
            Arc::new(Date32Array::from(vec![Some(20_099), Some(20_050)])) as _,
        ),
    ])
    .unwrap();
    let mut sbuf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut sbuf, subs.schema(), None).unwrap();
    w.write(&subs).unwrap();
    w.close().unwrap();
    let r = run(
        &[("accounts.parquet", &buf), ("subscriptions.parquet", &sbuf)],
        "",
    )
    .unwrap();
    assert_eq!(
        r.reasons(Table::Accounts),
        vec![(3, "account_id".into(), "missing_id".into())]
    );
    assert_eq!(
        r.reasons(Table::Subscriptions),
        vec![(2, "end_date".into(), "date_order".into())]
    );
    let b = r.table(Table::Subscriptions);
    let start = b
        .column_by_name("start_date")
        .unwrap()
        .as_primitive::<TimestampMicrosecondType>();
    assert_eq!(start.value(0), 20_000 * 86_400_000_000);
    assert_eq!(
        b.schema()
            .field_with_name("start_date")
            .unwrap()
            .data_type(),
        &icp_data::contract::timestamp_type()
    );
}

#[test]
fn missing_file_and_missing_accounts_table_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[tables.accounts]\npath = \"nope.csv\"\n";
    let config = Config::parse(text, &dir.path().join("icp.toml")).unwrap();
    let opts = IngestOptions {
        workspace: dir.path(),
        config: &config,
        now: 0,
        quarantine_dir: None,
    };
    let e = ingest(&opts, &mut MemoryBatches::default(), &NoProgress)
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("nope.csv") && e.contains("does not exist"),
        "{e}"
    );
    let config =
        Config::parse("[tables.events]\npath = \"e.csv\"\n", Path::new("icp.toml")).unwrap();
    let opts = IngestOptions {
        workspace: dir.path(),
        config: &config,
        now: 0,
        quarantine_dir: None,
    };
    let e = ingest(&opts, &mut MemoryBatches::default(), &NoProgress)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("accounts"), "{e}");
}

/// A deterministic corpus of mangled files: no input may make ingestion panic, and whatever is
/// read is accounted for.
#[test]
fn no_input_in_the_corpus_panics() {
    let pieces: &[&[u8]] = &[
        b"account_id",
        b",",
        b";",
        b"\t",
        b"\"",
        b"\"\"",
        b"\n",
        b"\r\n",
        b"\r",
        b"A1",
        b"1e308",
        b"NaN",
        b"-0",
        b"\xEF\xBB\xBF",
        b"\xC3\x28",
        b"\xFF",
        b"\x00",
        b"2025-02-30",
        b"03/04/2025",
        b"{",
        b"}",
        b"[\"x\"]",
        b"employees",
        b"domain",
        b"www.ACME.com",
        b"@",
        b"   ",
        b"9999999999999999999999",
    ];
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for case in 0..300 {
        let mut file = if case % 3 == 0 {
            b"account_id,employees,domain\n".to_vec()
        } else {
            Vec::new()
        };
        for _ in 0..(next() % 60) {
            file.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
        }
        for name in ["accounts.csv", "accounts.jsonl"] {
            let result = std::panic::catch_unwind(|| {
                let _ = run(&[(name, &file)], "");
            });
            assert!(
                result.is_ok(),
                "case {case} ({name}) panicked on {:?}",
                String::from_utf8_lossy(&file)
            );
        }
    }
}
