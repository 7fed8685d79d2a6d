//! The real `icp` binary in temporary folders: the demo end to end, `init` then `check`,
//! `--json`, and clear errors (never a panic) for bad workspaces.

use std::path::Path;
use std::process::{Command, Output};

fn icp(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_icp"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("icp runs")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn assert_no_panic(o: &Output) {
    let t = text(o);
    assert!(
        !t.contains("panicked") && !t.contains("internal error") && !t.contains("RUST_BACKTRACE"),
        "{t}"
    );
}

#[test]
fn demo_runs_end_to_end_and_reruns_in_place() {
    let tmp = tempfile::tempdir().unwrap();
    let args = ["demo", "--dir", "d", "--accounts", "300", "--months", "6"];
    let o = icp(&args, tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    let d = tmp.path().join("d");
    for f in [
        "icp.toml",
        "data/accounts.csv",
        "truth/accounts.csv",
        "out/report.html",
        "out/ingest.json",
        "out/clean/accounts.parquet",
    ] {
        assert!(d.join(f).exists(), "{f} missing");
    }
    let html = std::fs::read_to_string(d.join("out/report.html")).unwrap();
    assert!(html.contains("Data health") && html.contains("<svg"));
    assert!(
        !html.contains("https://") && !html.contains("<script"),
        "report is self-contained"
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("report.html") && out.contains("accepted"),
        "{out}"
    );
    // A second demo into the same folder replaces the first.
    let o = icp(&args, tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(!d.join("out").read_dir().unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .starts_with(".staging")
    }));
}

#[test]
fn json_output_is_one_parseable_document_per_step() {
    let tmp = tempfile::tempdir().unwrap();
    let o = icp(
        &[
            "generate",
            "--out",
            "w",
            "--accounts",
            "200",
            "--months",
            "3",
            "--json",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = icp(&["check", "-w", "w", "--json"], tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("stdout is JSON");
    for t in v["ingest"]["tables"].as_array().unwrap() {
        let (r, a, q) = (
            t["rows_read"].as_u64().unwrap(),
            t["accepted"].as_u64().unwrap(),
            t["quarantined"].as_u64().unwrap(),
        );
        assert_eq!(r, a + q);
    }
}

#[test]
fn init_writes_a_template_and_check_names_the_missing_file() {
    let tmp = tempfile::tempdir().unwrap();
    let o = icp(&["init", "ws"], tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    assert!(tmp.path().join("ws/icp.toml").exists());
    let o = icp(&["init", "ws"], tmp.path());
    assert!(!o.status.success() && text(&o).contains("already exists"));
    let o = icp(&["check", "-w", "ws"], tmp.path());
    assert!(!o.status.success());
    let t = text(&o);
    assert!(
        t.contains("accounts.csv") && t.contains("does not exist"),
        "{t}"
    );
    assert_no_panic(&o);
}

#[test]
fn bad_workspaces_get_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let o = icp(&["check", "-w", "nowhere"], tmp.path());
    assert!(
        !o.status.success() && text(&o).contains("icp.toml"),
        "{}",
        text(&o)
    );
    assert_no_panic(&o);
    std::fs::create_dir_all(tmp.path().join("bad/data")).unwrap();
    std::fs::write(
        tmp.path().join("bad/icp.toml"),
        "[tables.accounts]\npath = \"data/a.csv\"\nbogus = 1\n",
    )
    .unwrap();
    let o = icp(&["check", "-w", "bad"], tmp.path());
    let t = text(&o);
    assert!(!o.status.success() && t.contains("icp.toml:3:1"), "{t}");
    assert_no_panic(&o);
    std::fs::write(
        tmp.path().join("bad/icp.toml"),
        "[tables.accounts]\npath = \"data/a.csv\"\n",
    )
    .unwrap();
    std::fs::write(tmp.path().join("bad/data/a.csv"), "name\nAcme\n").unwrap();
    let o = icp(&["run", "-w", "bad"], tmp.path());
    let t = text(&o);
    assert!(
        !o.status.success() && t.contains("a.csv") && t.contains("account_id"),
        "{t}"
    );
    assert_no_panic(&o);
    let o = icp(
        &["generate", "--out", "bad", "--accounts", "200"],
        tmp.path(),
    );
    assert!(!o.status.success() && text(&o).contains("not empty"));
    let o = icp(&["generate", "--out", "g", "--accounts", "3"], tmp.path());
    assert!(
        !o.status.success() && text(&o).contains("accounts"),
        "{}",
        text(&o)
    );
    assert_no_panic(&o);
}

#[test]
fn a_failed_run_leaves_earlier_results_intact() {
    let tmp = tempfile::tempdir().unwrap();
    let o = icp(
        &[
            "generate",
            "--out",
            "w",
            "--accounts",
            "200",
            "--months",
            "3",
            "--quiet",
        ],
        tmp.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let o = icp(&["run", "-w", "w", "--quiet"], tmp.path());
    assert!(o.status.success(), "{}", text(&o));
    let report = tmp.path().join("w/out/report.html");
    let before = std::fs::read(&report).unwrap();
    // Break the events file: a run now fails, and the earlier report must survive.
    std::fs::write(tmp.path().join("w/data/events.csv"), "").unwrap();
    let o = icp(&["run", "-w", "w"], tmp.path());
    assert!(
        !o.status.success() && text(&o).contains("events.csv"),
        "{}",
        text(&o)
    );
    assert_eq!(std::fs::read(&report).unwrap(), before);
    assert!(tmp.path().join("w/out/clean/events.parquet").exists());
}
