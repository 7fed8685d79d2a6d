//! Keeps docs/data-contract.md true: every table, column and reason code of the code is there.

use icp_data::contract::Table;
use icp_data::validate::Reason;

fn doc() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/data-contract.md");
    std::fs::read_to_string(path).expect("docs/data-contract.md exists")
}

#[test]
fn every_contract_column_is_documented_under_its_table() {
    let doc = doc();
    for t in Table::ALL {
        let start = doc
            .find(&format!("## {} —", t.name()))
            .unwrap_or_else(|| panic!("no section for {t}"));
        let section = &doc[start..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |e| e + 3)];
        for c in t.columns() {
            let required_cell = if c.required { "| yes |" } else { "" };
            let row = section
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", c.name)))
                .unwrap_or_else(|| panic!("{t}.{} is not documented", c.name));
            assert!(
                row.contains(required_cell),
                "{t}.{}: required flag differs from the docs",
                c.name
            );
        }
    }
}

#[test]
fn every_reason_code_is_documented() {
    let doc = doc();
    for r in Reason::ALL {
        assert!(
            doc.contains(&format!("`{}`", r.code())),
            "{} is not documented",
            r.code()
        );
    }
}
