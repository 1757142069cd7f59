//! The documentation tells the truth: the worked example in docs/rules.md works as it says,
//! and every field and function of the expression language is documented.

mod common;
use common::{findings, kpilint};

const RULES_MD: &str = include_str!("../docs/rules.md");

/// The first ```yaml block after the given heading.
fn yaml_after(heading: &str) -> String {
    let from = RULES_MD.find(heading).expect("heading present");
    let rest = &RULES_MD[from..];
    let start = rest.find("```yaml\n").expect("a yaml block") + "```yaml\n".len();
    let end = rest[start..].find("```").expect("closed block");
    rest[start..start + end].to_owned()
}

#[test]
fn the_worked_example_works_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-rules.yaml");
    std::fs::write(&pack, yaml_after("## Worked example")).unwrap();
    let pack = pack.to_str().unwrap();
    let out = kpilint(&["test-rules", pack]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.trim(), "2 rules, 4 examples: 4 passed, 0 failed");
    assert_eq!(out.status.code(), Some(0));
    let out = kpilint(&[
        "check",
        "--rules",
        pack,
        "--select",
        "B",
        "--format",
        "json",
        "tests/corpus",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let forms: std::collections::BTreeSet<&str> = findings(&v, "B001")
        .into_iter()
        .map(|d| d["form"].as_str().unwrap())
        .collect();
    assert_eq!(
        forms.len(),
        7,
        "“B001 reports the seven forms that set satisfaction at ≥85%”: {forms:?}"
    );
    assert!(v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["code"].as_str().unwrap().starts_with('B')));
}

#[test]
fn every_field_and_function_is_documented() {
    for (_, field, _, _) in kpilint::rules::types::FIELDS {
        assert!(
            RULES_MD.contains(&format!("`{field}`")),
            "docs/rules.md does not mention field `{field}`"
        );
    }
    for (name, ..) in kpilint::rules::types::FUNCTIONS {
        assert!(
            RULES_MD.contains(&format!("`{name}")),
            "docs/rules.md does not mention function `{name}`"
        );
    }
}
