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

/// A 项目名称 past 200 characters is carried cut (docs/output.md); a suppression that names it
/// in full still matches the findings on it.
#[test]
fn a_suppression_names_a_long_form_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(CORPUS).unwrap();
    // The first form of the disclosure (lines 902–933), which has an F004 finding.
    let form: Vec<&str> = text.lines().skip(901).take(32).collect();
    let name = format!("省级党员教育培训经费{}", "甲".repeat(290));
    let form = form
        .join("\n")
        .replacen("省级党员教育培训经费\t", &format!("{name}\t"), 1);
    std::fs::write(dir.path().join("long.txt"), form + "\n").unwrap();
    let (_, before, _) = check(dir.path(), &["--no-config", "long.txt"]);
    let cut = format!("省级党员教育培训经费{}…（共 300 字）", "甲".repeat(90));
    assert!(
        codes_for(&before, &cut).contains(&"F004".to_owned()),
        "{before}"
    );
    std::fs::write(
        dir.path().join("kpilint.toml"),
        format!("[[suppress]]\ncode = \"F004\"\nform = \"{name}\"\nreason = \"已确认\"\n"),
    )
    .unwrap();
    let (_, after, _) = check(dir.path(), &["long.txt"]);
    let codes = codes_for(&after, &cut);
    assert!(!codes.contains(&"F004".to_owned()), "{after}");
    assert_eq!(codes.len() + 1, codes_for(&before, &cut).len(), "{after}");
    let unused = after["diagnostics"].as_array().unwrap();
    assert!(unused.iter().all(|d| d["code"] != "U001"), "{after}");
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

#[test]
fn a_baseline_over_several_files_is_recorded_in_run_order_beside_a_written_report() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.txt", "b.txt"] {
        std::fs::copy(CORPUS, dir.path().join(name)).unwrap();
    }
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
            .current_dir(dir.path())
            .args(["check", "--format", "json", "-o", "report.json"])
            .args(args)
            .args(["a.txt", "b.txt"])
            .output()
            .expect("runs");
        assert!(out.stdout.is_empty(), "the report goes to -o, not stdout");
        let report: Value =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join("report.json")).unwrap())
                .unwrap();
        (report, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (first, stderr) = run(&["--baseline", "base.json"]);
    let findings = first["diagnostics"].as_array().unwrap().len();
    assert_eq!(first["summary"]["files"], 2);
    assert!(findings > 1000, "both copies report everything: {findings}");
    assert!(
        stderr.contains(&format!("已把 {findings} 条发现记入基线")),
        "{stderr}"
    );
    // Nothing but the inputs, the report and the baseline: no temporary file is left.
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a.txt", "b.txt", "base.json", "report.json"]);
    let base: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("base.json")).unwrap())
            .unwrap();
    let entries = base["findings"].as_array().unwrap();
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    let split = paths.iter().position(|p| *p == "b.txt").unwrap();
    assert!(split > 0 && paths[..split].iter().all(|p| *p == "a.txt"));
    assert!(
        paths[split..].iter().all(|p| *p == "b.txt"),
        "files in run order"
    );
    let counted: u64 = entries.iter().map(|e| e["count"].as_u64().unwrap()).sum();
    assert_eq!(counted as usize, findings);

    let (second, _) = run(&["--baseline", "base.json"]);
    assert_eq!(second["diagnostics"].as_array().unwrap().len(), 0);
    assert_eq!(second["summary"]["errors"], 0);
    let edited = std::fs::read_to_string(CORPUS).unwrap().replacen(
        "≥1600人\t数量指标",
        "≥1600人/元\t数量指标",
        1,
    );
    std::fs::write(dir.path().join("b.txt"), edited).unwrap();
    let (third, _) = run(&["--baseline", "base.json"]);
    let new: Vec<(&str, &str)> = third["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap(), d["code"].as_str().unwrap()))
        .collect();
    assert!(new.contains(&("b.txt", "V001")), "{new:?}");
    assert!(new.iter().all(|(p, _)| *p == "b.txt"), "{new:?}");
}

#[test]
fn a_baseline_that_cannot_be_written_stops_the_run_before_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(CORPUS, dir.path().join("forms.txt")).unwrap();
    let (code, report, stderr) = check(
        dir.path(),
        &["--baseline", "missing/base.json", "forms.txt"],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("无法写入基线 missing/base.json"),
        "{stderr}"
    );
    assert_eq!(report, Value::Null, "nothing was linted or reported");
}
