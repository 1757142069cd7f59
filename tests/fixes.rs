//! `--fix` and `--diff`: only safe fixes, only the bytes reported, in the file's own encoding
//! and line endings, and never over a file that changed since it was read.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{findings, kpilint, CORPUS};

/// The codes of the findings in a JSON report that carry a safe fix.
fn safe_fix_codes(report: &Value) -> Vec<&str> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fix"]["safe"] == true)
        .map(|d| d["code"].as_str().unwrap())
        .collect()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&kpilint(&["check", "--format", "json", path.to_str().unwrap()]).stdout)
        .unwrap()
}

/// The reported safe edits applied by hand, by line and character column.
fn apply_reported(text: &str, report: &Value) -> String {
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let mut edits: Vec<(usize, usize, usize, String)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["fix"]["safe"] == true)
        .flat_map(|d| d["fix"]["edits"].as_array().unwrap().clone())
        .map(|e| {
            assert_eq!(e["line"], e["end_line"], "fixes stay within a line");
            (
                e["line"].as_u64().unwrap() as usize,
                e["column"].as_u64().unwrap() as usize,
                e["end_column"].as_u64().unwrap() as usize,
                e["text"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort();
    edits.dedup_by(|b, a| a.0 == b.0 && b.1 < a.2);
    for (line, col, end, with) in edits.into_iter().rev() {
        let chars: Vec<char> = lines[line - 1].chars().collect();
        let mut s: String = chars[..col - 1].iter().collect();
        s.push_str(&with);
        s.extend(&chars[end - 1..]);
        lines[line - 1] = s;
    }
    lines.join("\n")
}

#[test]
fn fix_changes_only_the_reported_bytes_and_the_findings_go() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("forms.txt");
    std::fs::copy(CORPUS, &copy).unwrap();
    let original = std::fs::read_to_string(&copy).unwrap();
    let before = json(&copy);
    let fixable = safe_fix_codes(&before);
    assert!(
        fixable.contains(&"V013") && fixable.contains(&"V012") && fixable.contains(&"V017"),
        "{fixable:?}"
    );
    let diff = kpilint(&["check", "--diff", copy.to_str().unwrap()]);
    assert_eq!(
        std::fs::read_to_string(&copy).unwrap(),
        original,
        "--diff writes nothing"
    );
    assert!(String::from_utf8(diff.stdout)
        .unwrap()
        .contains("+\t\t成本指标\t取暖费补助标准\t95元/生/年"));

    let out = kpilint(&["check", "--fix", copy.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("已修复"));
    let fixed = std::fs::read_to_string(&copy).unwrap();
    assert_eq!(
        fixed,
        apply_reported(&original, &before),
        "every other byte is unchanged"
    );
    let after = json(&copy);
    let left = safe_fix_codes(&after);
    assert!(left.is_empty(), "safe fixes leave nothing to fix: {left:?}");
    let count = |v: &Value, code: &str| findings(v, code).len();
    assert_eq!(
        count(&after, "V001"),
        count(&before, "V001"),
        "unsafe fixes (人/元) are not applied"
    );
    assert_eq!(count(&after, "V013"), 0);
}

#[test]
fn fix_keeps_gb18030_and_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(CORPUS)
        .unwrap()
        .replace('\n', "\r\n");
    let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
    let path = dir.path().join("gb.txt");
    std::fs::write(&path, &bytes).unwrap();
    kpilint(&["check", "--fix", path.to_str().unwrap()]);
    let written = std::fs::read(&path).unwrap();
    assert_ne!(written, bytes.as_ref(), "something was fixed");
    assert!(
        std::str::from_utf8(&written).is_err(),
        "still GB18030, not UTF-8"
    );
    let (decoded, _, errors) = encoding_rs::GB18030.decode(&written);
    assert!(!errors);
    assert!(decoded.contains("95元/生/年\r\n"), "fixed, with CRLF kept");
    assert_eq!(
        decoded.matches("\r\n").count(),
        text.matches("\r\n").count()
    );
}

#[test]
fn fix_keeps_lines_ended_by_cr_alone() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string(CORPUS).unwrap();
    let path = dir.path().join("mac.txt");
    std::fs::write(&path, original.replace('\n', "\r")).unwrap();
    let before = json(&path);
    assert_eq!(
        before["summary"]["forms"],
        json(Path::new(CORPUS))["summary"]["forms"]
    );
    kpilint(&["check", "--fix", path.to_str().unwrap()]);
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(
        !written.contains('\n'),
        "no LF written into a file of CR line ends"
    );
    assert_eq!(
        written,
        apply_reported(&original, &before).replace('\n', "\r"),
        "the reported fixes, and nothing else"
    );
}

#[test]
fn a_file_changed_since_it_was_read_is_not_touched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.txt");
    std::fs::copy(CORPUS, &path).unwrap();
    let report = kpilint::cli::lint_file(&path);
    std::fs::write(&path, "别人刚刚改过这个文件").unwrap();
    let outcome = kpilint::fix::fix_file(&path, &report.document, &report.diagnostics);
    assert!(
        matches!(outcome, kpilint::fix::Outcome::Refused(_)),
        "{outcome:?}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "别人刚刚改过这个文件"
    );
}

/// A form reached through a symbolic link (a folder of links to the submitted forms) is
/// fixed where it is: the link stays a link, and the file it names gets the fix.
#[test]
fn a_form_reached_through_a_link_is_fixed_where_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("submitted").join("表.txt");
    std::fs::create_dir(real.parent().unwrap()).unwrap();
    std::fs::copy(CORPUS, &real).unwrap();
    let links = dir.path().join("links");
    std::fs::create_dir(&links).unwrap();
    let link = links.join("表.txt");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let before = std::fs::read_to_string(&real).unwrap();
    let fixable = safe_fix_codes(&json(&real)).len();
    assert!(fixable > 0);

    let out = kpilint(&["check", "--fix", "--quiet", links.to_str().unwrap()]);
    assert!(out.status.code().is_some_and(|c| c < 2), "{out:?}");
    let meta = std::fs::symlink_metadata(&link).unwrap();
    assert!(meta.file_type().is_symlink(), "the link became a file");
    let after = std::fs::read_to_string(&real).unwrap();
    assert_ne!(after, before, "the form the link names was not fixed");
    assert!(safe_fix_codes(&json(&real)).is_empty());
    // Nothing else was left in either folder.
    for d in [&links, &real.parent().unwrap().to_path_buf()] {
        assert_eq!(std::fs::read_dir(d).unwrap().count(), 1, "{}", d.display());
    }
}

/// A name that is not UTF-8 (a GBK name unpacked from a zip made on Windows) is linted when
/// its folder is walked, and `--fix` writes to that file, not to one named after its
/// printable spelling.
#[test]
fn a_file_whose_name_is_not_utf8_is_linted_and_fixed() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let (gbk, _, _) = encoding_rs::GBK.encode("阳泉市教育局.txt");
    let name = std::ffi::OsStr::from_bytes(&gbk);
    assert!(name.to_str().is_none(), "the name is not UTF-8");
    let path = dir.path().join(name);
    std::fs::copy(CORPUS, &path).unwrap();
    let folder = dir.path().to_str().unwrap();
    let report: Value =
        serde_json::from_slice(&kpilint(&["check", "--format", "json", folder]).stdout).unwrap();
    assert_eq!(report["summary"]["files"], 1, "{}", report["summary"]);
    assert!(!safe_fix_codes(&report).is_empty());

    let out = kpilint(&["check", "--fix", folder]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("已修复"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(entries.len(), 1, "no file was written beside it");
    let fixed = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        fixed,
        apply_reported(&std::fs::read_to_string(CORPUS).unwrap(), &report)
    );
}

/// Files are written (and fixed, and linted again) by whichever thread finds them back, while
/// other files are still in flight: lint again on the pool, a file must not leave the run
/// waiting on itself. Every file is fixed as it would be alone, and the run ends.
#[test]
fn fixing_many_files_in_flight_finishes_and_fixes_each() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(CORPUS).unwrap();
    for i in 0..10 {
        std::fs::write(dir.path().join(format!("d{i:02}.txt")), &text).unwrap();
    }
    let alone = tempfile::tempdir().unwrap();
    let one = alone.path().join("d.txt");
    std::fs::write(&one, &text).unwrap();
    let run = kpilint(&[
        "check",
        "--quiet",
        "--no-config",
        "--fix",
        one.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let fixed = std::fs::read_to_string(&one).unwrap();
    assert_ne!(fixed, text, "the disclosure has safe fixes");
    for threads in ["2", "3"] {
        for i in 0..10 {
            std::fs::write(dir.path().join(format!("d{i:02}.txt")), &text).unwrap();
        }
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kpilint"))
            .args([
                "check",
                "--quiet",
                "--no-config",
                "--fix",
                dir.path().to_str().unwrap(),
            ])
            .env("RAYON_NUM_THREADS", threads)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > std::time::Duration::from_secs(120) {
                child.kill().unwrap();
                panic!("{threads} threads: the run did not end");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert_eq!(status.code(), Some(1), "{threads} threads");
        let mut said = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut said).unwrap();
        // Each file said in run order, each fixed as the file alone was.
        let names: Vec<&str> = said
            .lines()
            .filter_map(|l| l.split('/').next_back()?.split('：').next())
            .collect();
        let expected: Vec<String> = (0..10).map(|i| format!("d{i:02}.txt")).collect();
        assert_eq!(names, expected, "{threads} threads: {said}");
        for i in 0..10 {
            let got = std::fs::read_to_string(dir.path().join(format!("d{i:02}.txt"))).unwrap();
            assert!(got == fixed, "{threads} threads: d{i:02}.txt");
        }
    }
}
