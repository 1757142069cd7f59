//! Accepting findings on purpose: suppressions in kpilint.toml (with a reason, reported when
//! they match nothing) and baselines (identified by code, form and cell, not by line).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const CORPUS: &str = "tests/corpus/000_cb0bcf906edd3817.txt";

fn check(dir: &Path, args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .current_dir(dir)
        .arg("check")
        .args(["--format", "json"])
        .args(args)
        .output()
        .expect("runs");
    let v = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code().unwrap(),
        v,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn codes_for(v: &Value, form: &str) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["form"] == form)
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn suppressions_need_a_reason_and_unused_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(CORPUS, dir.path().join("forms.txt")).unwrap();
    let (_, before, _) = check(dir.path(), &["forms.txt"]);
    assert!(codes_for(&before, "省级党员教育培训经费").contains(&"F004".to_owned()));
    std::fs::write(
        dir.path().join("kpilint.toml"),
        r#"
[[suppress]]
code = "F004"
form = "省级党员教育培训经费"
reason = "省级资金由市县代拨，已经财政局确认"

[[suppress]]
code = "F004"
form = "不存在的项目"
reason = "旧的抑制"
"#,
    )
    .unwrap();
    let (_, after, _) = check(dir.path(), &["forms.txt"]);
    assert!(!codes_for(&after, "省级党员教育培训经费").contains(&"F004".to_owned()));
    let unused: Vec<&Value> = after["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "U001")
        .collect();
    assert_eq!(unused.len(), 1);
    assert!(unused[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("kpilint.toml"));
    assert_eq!(unused[0]["line"], 9, "points at the unused entry's form");
    std::fs::write(
        dir.path().join("kpilint.toml"),
        "[[suppress]]\ncode = \"F004\"\nform = \"省级党员教育培训经费\"\nreason = \"\"\n",
    )
    .unwrap();
    let (code, _, stderr) = check(dir.path(), &["forms.txt"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("reason"), "{stderr}");
}

#[test]
fn a_baseline_hides_known_findings_even_after_lines_move() {
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms.txt");
    let original = std::fs::read_to_string(CORPUS).unwrap();
    std::fs::write(&forms, &original).unwrap();
    let (code, first, stderr) = check(dir.path(), &["--baseline", "baseline.json", "forms.txt"]);
    assert!(stderr.contains("记入基线"), "{stderr}");
    assert_eq!(code, 1, "the first run still reports everything");
    let (code, second, _) = check(dir.path(), &["--baseline", "baseline.json", "forms.txt"]);
    assert_eq!(
        (code, second["diagnostics"].as_array().unwrap().len()),
        (0, 0)
    );
    // Lines move (a note added at the top) and one new defect appears.
    let edited = format!(
        "说明：修订稿\n\n{}",
        original.replacen("≥1600人\t数量指标", "≥1600人/元\t数量指标", 1)
    );
    std::fs::write(&forms, edited).unwrap();
    let (_, third, _) = check(dir.path(), &["--baseline", "baseline.json", "forms.txt"]);
    let new: Vec<(&str, u64)> = third["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert!(
        !new.is_empty() && new.len() < 5,
        "only the new finding(s): {new:?}"
    );
    assert!(
        new.iter().any(|(c, l)| *c == "V001" && *l == 1197),
        "{new:?}"
    );
    assert!(first["diagnostics"].as_array().unwrap().len() > 500);
}
