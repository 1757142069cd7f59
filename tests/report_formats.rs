//! The machine-readable reports: SARIF validated against the official OASIS SARIF 2.1.0
//! schema, JSON against docs/output.schema.json, GitHub annotations and GitLab Code Quality.

mod common;

use common::{validate, CORPUS};
use serde_json::Value;
use std::process::Command;

fn run(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn sarif_of_the_disclosure_is_valid_sarif_2_1_0() {
    let run_args = run;
    let (code, text) = run(&["check", "--format", "sarif", CORPUS]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&text).unwrap();
    let errors = validate("tests/schemas/sarif-schema-2.1.0.json", &v);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let run = &v["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    for id in ["S003", "F004", "C001", "K009", "V001", "R003"] {
        assert!(
            rules.iter().any(|r| r["id"] == id),
            "{id} is in the rule table"
        );
    }
    let results = run["results"].as_array().unwrap();
    let c001 = results.iter().find(|r| r["ruleId"] == "C001").unwrap();
    assert_eq!(c001["level"], "warning");
    assert_eq!(
        c001["relatedLocations"].as_array().unwrap().len(),
        2,
        "the count and the funds"
    );
    assert_eq!(
        rules[c001["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "C001"
    );
    let v013 = results.iter().find(|r| r["ruleId"] == "V013").unwrap();
    assert_eq!(
        v013["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"],
        "元/生/年"
    );
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    // Each result carries the fingerprint GitLab's report gives the same finding, so that a
    // code-scanning service tracks it across commits by its cell, not its line.
    let (_, gitlab) = run_args(&["check", "--format", "gitlab", CORPUS]);
    let gitlab: Vec<Value> = serde_json::from_str(&gitlab).unwrap();
    assert_eq!(gitlab.len(), results.len());
    for (r, i) in results.iter().zip(&gitlab) {
        assert_eq!(
            r["partialFingerprints"]["kpilintFindingKey/v1"],
            i["fingerprint"]
        );
    }
    // The validator is real: SARIF has no level "fatal".
    let mut broken = v.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validate("tests/schemas/sarif-schema-2.1.0.json", &broken).is_empty());
}

#[test]
fn json_of_the_disclosure_matches_its_documented_schema() {
    let (_, text) = run(&["check", "--format", "json", CORPUS]);
    let v: Value = serde_json::from_str(&text).unwrap();
    let errors = validate("docs/output.schema.json", &v);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let stats = v["statistics"].as_array().unwrap();
    let total: u64 = stats.iter().map(|s| s["count"].as_u64().unwrap()).sum();
    assert_eq!(total as usize, v["diagnostics"].as_array().unwrap().len());
    // The schema rejects what the contract forbids.
    let mut broken = v.clone();
    broken["diagnostics"][0]["line"] = Value::from(0);
    assert!(!validate("docs/output.schema.json", &broken).is_empty());
}

#[test]
fn github_annotations() {
    let (_, text) = run(&[
        "check",
        "--format",
        "github",
        "--select",
        "V001,C001",
        CORPUS,
    ]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(!lines.is_empty());
    assert!(lines
        .iter()
        .all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")));
    let v001 = lines.iter().find(|l| l.contains("title=V001")).unwrap();
    assert!(
        v001.starts_with("::error file=tests/corpus/000_cb0bcf906edd3817.txt,line=8363,col="),
        "{v001}"
    );
    assert!(
        v001.contains("::年度指标“学费”的值“4000人/元/年”单位颠倒"),
        "{v001}"
    );
    // In a CSV file the line is a row of the sheet, and the cell is named.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("表.csv");
    let fixture = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt").unwrap();
    std::fs::write(&csv, fixture.replace('\t', ",")).unwrap();
    let (_, text) = run(&["check", "--format", "github", csv.to_str().unwrap()]);
    let vague = text
        .lines()
        .find(|l| l.contains("明显改善"))
        .expect("V020 on 明显改善");
    assert!(vague.contains(",line=16,"), "{vague}");
    assert!(vague.ends_with("（乡村道路养护，单元格 F16）"), "{vague}");
}

/// GitLab places an issue, and GitHub an annotation, on a merge or pull request's diff by its
/// path relative to the repository's root: both reports give that path however the file was
/// named on the command line, from the folder the job runs in or below it, or from the CI's
/// checkout (`CI_PROJECT_DIR`, `GITHUB_WORKSPACE`) wherever the job has gone since.
#[test]
fn ci_paths_are_relative_to_the_repository_root() {
    let repo = tempfile::tempdir().unwrap();
    std::fs::create_dir(repo.path().join(".git")).unwrap();
    let forms = repo.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    std::fs::copy(
        "tests/fixtures/other_issuer_single_period.txt",
        forms.join("表.txt"),
    )
    .unwrap();
    // The distinct paths of a run's report in `format`, run from `cwd` with `checkout` as the
    // CI's checkout.
    let paths = |format: &str,
                 cwd: &std::path::Path,
                 checkout: Option<(&str, &std::path::Path)>,
                 arg: &str| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kpilint"));
        cmd.args(["check", "--no-config", "--format", format, arg])
            .current_dir(cwd)
            .env_remove("CI_PROJECT_DIR")
            .env_remove("GITHUB_WORKSPACE");
        if let Some((var, dir)) = checkout {
            cmd.env(var, dir);
        }
        let out = cmd.output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let paths: std::collections::BTreeSet<String> = if format == "gitlab" {
            let issues: Vec<Value> = serde_json::from_str(&text).unwrap();
            issues
                .iter()
                .map(|i| i["location"]["path"].as_str().unwrap().to_owned())
                .collect()
        } else {
            text.lines()
                .map(|l| {
                    l.split("file=")
                        .nth(1)
                        .unwrap()
                        .split(",line=")
                        .next()
                        .unwrap()
                        .to_owned()
                })
                .collect()
        };
        assert!(!paths.is_empty(), "the fixture has findings");
        paths.into_iter().collect::<Vec<_>>()
    };
    let absolute = forms.join("表.txt");
    let absolute = absolute.to_str().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    for (format, var) in [("gitlab", "CI_PROJECT_DIR"), ("github", "GITHUB_WORKSPACE")] {
        assert_eq!(
            paths(format, repo.path(), None, "./forms/表.txt"),
            ["forms/表.txt"]
        );
        assert_eq!(paths(format, repo.path(), None, absolute), ["forms/表.txt"]);
        assert_eq!(paths(format, &forms, None, "表.txt"), ["forms/表.txt"]);
        assert_eq!(paths(format, &forms, None, "."), ["forms/表.txt"]);
        assert_eq!(
            paths(format, elsewhere.path(), Some((var, repo.path())), absolute),
            ["forms/表.txt"],
            "{format}"
        );
        // Outside the repository, the path as given.
        assert_eq!(
            paths(format, elsewhere.path(), None, absolute),
            [absolute],
            "{format}"
        );
    }
}

/// GitLab's Code Quality report holds every finding the JSON report does, where it does, with
/// GitLab's severities; its fingerprints are unique (GitLab shows one issue a fingerprint) and
/// survive lines added above the findings, so that a merge request that only adds a line does
/// not show old findings as new.
#[test]
fn gitlab_code_quality_has_every_finding_with_fingerprints_that_survive_edits() {
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("表.txt");
    let text = std::fs::read_to_string(CORPUS).unwrap();
    std::fs::write(&form, &text).unwrap();
    let form = form.to_str().unwrap();
    let (code, gitlab) = run(&["check", "--no-config", "--format", "gitlab", form]);
    assert_eq!(code, 1);
    assert!(gitlab.starts_with("[\n  {") && gitlab.ends_with("}\n]\n"));
    let issues: Vec<Value> = serde_json::from_str(&gitlab).unwrap();
    let (_, json) = run(&["check", "--no-config", "--format", "json", form]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    assert_eq!(issues.len(), diags.len());
    for (i, d) in issues.iter().zip(diags) {
        assert_eq!(
            i["check_name"],
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["name"].as_str().unwrap()
            )
        );
        let level = match d["severity"].as_str().unwrap() {
            "error" => "major",
            "warning" => "minor",
            _ => "info",
        };
        assert_eq!(i["severity"], level);
        assert_eq!(i["location"]["path"], d["path"]);
        assert_eq!(i["location"]["lines"]["begin"], d["line"]);
        assert_eq!(i["location"]["lines"]["end"], d["end_line"]);
        let message = d["message"].as_str().unwrap();
        let description = i["description"].as_str().unwrap();
        match d["form"].as_str() {
            Some(f) => assert_eq!(description, format!("{message}（{f}）")),
            None => assert_eq!(description, message),
        }
    }
    let prints = |issues: &[Value]| -> Vec<String> {
        issues
            .iter()
            .map(|i| i["fingerprint"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = prints(&issues);
    let unique: std::collections::BTreeSet<&String> = before.iter().collect();
    assert_eq!(unique.len(), before.len(), "one issue a fingerprint");
    // Two lines added at the top: every finding moves down two lines and keeps its fingerprint.
    std::fs::write(form, format!("说明\n\n{text}")).unwrap();
    let (_, moved) = run(&["check", "--no-config", "--format", "gitlab", form]);
    let moved: Vec<Value> = serde_json::from_str(&moved).unwrap();
    assert!(
        prints(&moved) == before,
        "fingerprints changed with the lines"
    );
    for (a, b) in issues.iter().zip(&moved) {
        let line = |i: &Value| i["location"]["lines"]["begin"].as_u64().unwrap();
        assert_eq!(line(b), line(a) + 2);
    }
    // In a CSV file (as in a workbook) the line is a row of the sheet, and the cell is named
    // as the JSON report names it.
    let csv = dir.path().join("表.csv");
    let fixture = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt").unwrap();
    std::fs::write(&csv, fixture.replace('\t', ",")).unwrap();
    let csv = csv.to_str().unwrap();
    let (_, gitlab) = run(&["check", "--no-config", "--format", "gitlab", csv]);
    let issues: Vec<Value> = serde_json::from_str(&gitlab).unwrap();
    let (_, json) = run(&["check", "--no-config", "--format", "json", csv]);
    let json: Value = serde_json::from_str(&json).unwrap();
    let diags = json["diagnostics"].as_array().unwrap();
    assert!(!diags.is_empty());
    assert_eq!(issues.len(), diags.len());
    for (i, d) in issues.iter().zip(diags) {
        let cell = d["cell"].as_str().expect("a CSV finding names its cell");
        let description = i["description"].as_str().unwrap();
        assert!(
            description.ends_with(&format!("，单元格 {cell}）")),
            "{description}"
        );
        assert_eq!(i["location"]["lines"]["begin"], d["line"]);
    }
    // A form with no findings: an empty array, which GitLab reads as nothing found.
    let (_, empty) = run(&[
        "check",
        "--no-config",
        "--format",
        "gitlab",
        "--select",
        "V001",
        "tests/fixtures/other_issuer_single_period.txt",
    ]);
    assert_eq!(empty, "[]\n");
}

/// Each file's part of a report is rendered by the thread that linted it when nothing filters
/// its findings; with a baseline (here one that holds nothing) it is rendered where the report
/// is written. The reports must be the same bytes, counts and order included, on any number
/// of threads.
#[test]
fn reports_rendered_on_the_linting_threads_are_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    std::fs::copy(CORPUS, forms.join("a.txt")).unwrap();
    for f in [
        "other_issuer_budget_tables.txt",
        "other_issuer_single_period.txt",
    ] {
        std::fs::copy(format!("tests/fixtures/{f}"), forms.join(f)).unwrap();
    }
    std::fs::write(forms.join("nul.txt"), [0u8; 16]).unwrap();
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "{\n  \"version\": 1,\n  \"findings\": []\n}\n").unwrap();
    let forms = forms.to_str().unwrap();
    for format in ["human", "json", "sarif", "github", "gitlab", "html"] {
        let mut reports = Vec::new();
        for threads in ["1", "2", "3"] {
            for baseline in [None, Some(empty.to_str().unwrap())] {
                let mut args = vec!["check", "--no-config", "--format", format, forms];
                args.extend(baseline.map(|b| ["--baseline", b]).into_iter().flatten());
                let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
                    .args(&args)
                    .env("RAYON_NUM_THREADS", threads)
                    .env("COLUMNS", "100")
                    .output()
                    .expect("runs");
                assert_eq!(
                    out.status.code(),
                    Some(2),
                    "{format}: the NUL file is unreadable"
                );
                reports.push(String::from_utf8(out.stdout).unwrap());
            }
        }
        assert!(reports[0].len() > 1000, "{format}: {}", reports[0]);
        for (i, r) in reports.iter().enumerate() {
            assert!(r == &reports[0], "{format}: run {i} differs");
        }
    }
}

/// Files come back from the threads in any order: a large file is let in alone, small ones
/// many at a time, and a file of ordinary size is written while those after it are still
/// linted. The report lists them in the run's order, the same bytes on any number of threads.
#[test]
fn many_files_of_mixed_sizes_are_reported_in_order_on_any_number_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let disclosure = std::fs::read(CORPUS).unwrap();
    let small = std::fs::read("tests/fixtures/other_issuer_single_period.txt").unwrap();
    let tables = std::fs::read("tests/fixtures/other_issuer_budget_tables.txt").unwrap();
    // A file over 4 MB is linted alone.
    let large: Vec<u8> = disclosure
        .iter()
        .copied()
        .cycle()
        .take((5 << 20) + disclosure.len())
        .collect();
    let mut names = Vec::new();
    for i in 0..40 {
        let name = format!("f{i:02}.txt");
        let bytes = match i {
            7 | 21 | 30 => &disclosure,
            15 => &large,
            i if i % 2 == 0 => &small,
            _ => &tables,
        };
        std::fs::write(dir.path().join(&name), bytes).unwrap();
        names.push(name);
    }
    let mut reports = Vec::new();
    for threads in ["1", "2", "3"] {
        let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
            .args(["check", "--no-config", "--format", "json"])
            .arg(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(1), "{threads} threads");
        reports.push(String::from_utf8(out.stdout).unwrap());
    }
    let report: Value = serde_json::from_str(&reports[0]).unwrap();
    let listed: Vec<String> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            path.rsplit('/').next().unwrap().to_owned()
        })
        .collect();
    assert_eq!(listed, names);
    // The findings follow their files.
    let files_of_findings: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert!(files_of_findings.windows(2).all(|w| w[0] <= w[1]));
    assert!(files_of_findings.iter().any(|f| f.ends_with("f15.txt")));
    for (i, r) in reports.iter().enumerate() {
        assert!(r == &reports[0], "run {i} differs");
    }
}

/// JSON and SARIF write their findings as they come, and what a JSON report or a baseline
/// sets aside for its end stays in memory while it is small: a run needs no temporary
/// directory for them (a locked-down CI container may have none it can write). The HTML
/// report sets every form's section aside, and says plainly that it cannot.
#[test]
fn only_the_html_report_needs_a_temporary_directory() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-directory");
    let baseline = dir.path().join("baseline.json");
    let run_without_tmp = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kpilint"))
            .args(args)
            .env("TMPDIR", &missing)
            .output()
            .expect("runs")
    };
    for format in ["json", "sarif"] {
        let out = run_without_tmp(&["check", "--format", format, CORPUS]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let with_tmp = run(&["check", "--format", format, CORPUS]).1;
        assert_eq!(String::from_utf8(out.stdout).unwrap(), with_tmp, "{format}");
    }
    // Recorded, the findings are still reported (and fail the run) this once.
    let out = run_without_tmp(&["check", "--baseline", baseline.to_str().unwrap(), CORPUS]);
    assert_eq!(out.status.code(), Some(1));
    let recorded: Value = serde_json::from_slice(&std::fs::read(&baseline).unwrap()).unwrap();
    assert!(recorded["findings"].as_array().unwrap().len() > 500);
    let out = run_without_tmp(&["check", "--format", "html", CORPUS]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    // Once, naming the directory and how to choose another.
    assert_eq!(err.matches("创建临时文件").count(), 1, "{err}");
    assert!(err.contains(missing.to_str().unwrap()), "{err}");
    assert!(err.contains("TMPDIR"), "{err}");
}

/// A JSON report whose list of files outgrows memory and cannot move to a temporary file
/// says so, exits 2, and still prints a whole document: every finding, and the files it
/// could set aside, each whole (a comma kept without its item made the array unreadable;
/// the findings of the files after the first one left out were left out too). A baseline
/// that cannot be recorded whole is not written at all.
#[test]
fn a_json_report_that_cannot_spill_its_files_is_still_json() {
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    // Long names: some 300 bytes an entry, so that 4,000 files pass the megabyte held.
    let long = "绩效目标表".repeat(12);
    for i in 0..4_000 {
        std::fs::write(forms.join(format!("{long}{i:05}.txt")), "").unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .args(["check", "--format", "json", forms.to_str().unwrap()])
        .env("TMPDIR", dir.path().join("no-such-directory"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("TMPDIR"), "{err}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("the report is JSON");
    let files = report["files"].as_array().unwrap().len();
    assert!(files > 1_000 && files < 4_000, "{files}");
    assert_eq!(report["summary"]["files"], 4_000);
    // Each empty file is a finding (I004), the last ones included.
    let findings = report["diagnostics"].as_array().unwrap();
    assert_eq!(findings.len(), 4_000);
    assert!(findings.iter().all(|d| d["code"] == "I004"));
    assert!(findings[3_999]["path"]
        .as_str()
        .unwrap()
        .ends_with("03999.txt"));

    let baseline = dir.path().join("baseline.json");
    let out = Command::new(env!("CARGO_BIN_EXE_kpilint"))
        .args(["check", "--baseline", baseline.to_str().unwrap()])
        .arg(&forms)
        .env("TMPDIR", dir.path().join("no-such-directory"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("基线") && err.contains("TMPDIR"), "{err}");
    assert!(!baseline.exists(), "a baseline missing files was written");
}
