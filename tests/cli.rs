//! The `kpilint` binary as a user runs it: exit codes, bad input, the JSON contract.

use serde_json::Value;
use std::path::Path;
mod common;
use common::{kpilint, CORPUS};

fn json(args: &[&str]) -> (i32, Value) {
    let out = kpilint(args);
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    (out.status.code().unwrap(), v)
}

#[test]
fn the_disclosure_reports_every_form_and_exits_1_for_its_errors() {
    let (code, v) = json(&["check", "--format", "json", CORPUS]);
    assert_eq!(code, 1, "the disclosure has sheared rows (S003 errors)");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(
        v["summary"]["forms"], 224,
        "223 project forms and one department form"
    );
    assert_eq!(v["files"][0]["forms"], 224);
    assert_eq!(v["files"][0]["error"], Value::Null);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(
        v["summary"]["errors"].as_u64().unwrap() as usize,
        diags.iter().filter(|d| d["severity"] == "error").count()
    );
    let d = diags
        .iter()
        .find(|d| d["line"] == 1197)
        .expect("the sheared row on line 1197");
    assert_eq!(d["code"], "S003");
    assert_eq!(d["name"], "indicator-without-value");
    assert_eq!(d["form"], "全市中小学教师专业技术职务评审");
    assert!(d["message"].as_str().unwrap().contains("工作人员人数"));
    assert!(d["help"].is_string());
    // The label under the name cell: `工作人员人数` starts after six tabs... by characters.
    let name_label = &d["labels"][1];
    assert_eq!(name_label["line"], 1197);
    let raw = std::fs::read_to_string(CORPUS).unwrap();
    let line = raw.lines().nth(1196).unwrap();
    let col = name_label["column"].as_u64().unwrap() as usize;
    let rest: String = line.chars().skip(col - 1).take(6).collect();
    assert_eq!(rest, "工作人员人数", "columns count characters");
    // Findings are ordered by line.
    let lines: Vec<u64> = diags.iter().map(|d| d["line"].as_u64().unwrap()).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn human_report_names_the_code_the_form_and_ends_with_the_summary() {
    let out = kpilint(&["check", CORPUS]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("S003"));
    assert!(text.contains("所在表：全市中小学教师专业技术职务评审（第 1174 行起）"));
    assert!(
        !text.contains('\u{1b}'),
        "no colour when NO_COLOR is set and stdout is a pipe"
    );
    let last = text.lines().last().unwrap();
    assert!(last.starts_with("1 file, 224 forms, "), "{last}");
    // The summary counts every finding the report shows, infos (☞) too.
    let (_, v) = json(&["check", "--format", "json", CORPUS]);
    let s = &v["summary"];
    assert_eq!(
        last,
        format!(
            "1 file, 224 forms, {} errors, {} warnings, {} infos",
            s["errors"], s["warnings"], s["infos"]
        )
    );
    assert_eq!(
        ["errors", "warnings", "infos"]
            .map(|k| s[k].as_u64().unwrap())
            .iter()
            .sum::<u64>(),
        v["diagnostics"].as_array().unwrap().len() as u64
    );
    let quiet = kpilint(&["check", "--quiet", CORPUS]);
    assert_eq!(String::from_utf8(quiet.stdout).unwrap().lines().count(), 1);
}

/// `--statistics` counts each code as the JSON report does, and says in Chinese what each one
/// counts: the rule's summary, as `kpilint rules` lists it (and the JSON report's `statistics`
/// give it), in one column.
#[test]
fn statistics_count_each_rule_and_say_what_it_checks() {
    let out = kpilint(&["check", "--statistics", "--quiet", CORPUS]);
    let text = String::from_utf8(out.stdout).unwrap();
    let (_, v) = json(&["check", "--format", "json", CORPUS]);
    let (_, rules) = json(&["rules", "--format", "json"]);
    let summary = |code: &str| {
        rules["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["summary"].as_str().unwrap().to_owned())
            .unwrap_or_else(|| panic!("{code} is listed by `kpilint rules`"))
    };
    let stats = v["statistics"].as_array().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        stats.len() + 1,
        "a line a code, then the summary:\n{text}"
    );
    assert!(lines.last().unwrap().starts_with("1 file, 224 forms, "));
    let mut column = None;
    for (line, s) in lines.iter().zip(stats) {
        let code = s["code"].as_str().unwrap();
        let head = format!(
            "{:>6}  {code:<5} {:<8} {}",
            s["count"].as_u64().unwrap(),
            s["severity"].as_str().unwrap(),
            s["name"].as_str().unwrap()
        );
        assert!(line.starts_with(&head), "{line:?} starts {head:?}");
        let said = summary(code);
        assert_eq!(s["summary"], said, "the JSON report's count says it too");
        assert!(
            line.ends_with(&format!("  {said}")),
            "{line:?} ends with {said:?}"
        );
        // The summaries start in one column (the names are ASCII, so bytes are columns).
        let at = line.len() - said.len();
        assert_eq!(*column.get_or_insert(at), at, "{line:?}");
    }
    assert!(
        text.contains("reversed-unit") && text.contains(&summary("V001")),
        "the disclosure's reversed units are counted with what V001 checks"
    );
}

/// `--fail-on` (or `fail_on` in kpilint.toml) sets the least severe finding that exits with 1,
/// for a CI that must keep warnings out or a run that only collects a report; the command
/// line wins over the file, and a file that could not be read exits with 2 whatever it says.
#[test]
fn fail_on_decides_which_findings_fail_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    // One form with two warnings and no error (its JSON summary says so below).
    std::fs::copy(
        "tests/fixtures/other_issuer_single_period.txt",
        forms.join("表.txt"),
    )
    .unwrap();
    let path = forms.to_str().unwrap();
    let (_, v) = json(&["check", "--no-config", "--format", "json", path]);
    assert_eq!(
        (
            v["summary"]["errors"].as_u64(),
            v["summary"]["warnings"].as_u64()
        ),
        (Some(0), Some(2))
    );
    let code = |args: &[&str]| {
        let mut all = vec!["check", "--quiet"];
        all.extend_from_slice(args);
        kpilint(&all).status.code().unwrap()
    };
    assert_eq!(code(&["--no-config", path]), 0, "warnings pass by default");
    for level in ["warning", "warn", "info"] {
        assert_eq!(
            code(&["--no-config", "--fail-on", level, path]),
            1,
            "{level}"
        );
    }
    assert_eq!(code(&["--no-config", "--fail-on", "error", path]), 0);
    assert_eq!(code(&["--no-config", "--fail-on", "never", CORPUS]), 0);
    assert_eq!(
        code(&["--no-config", CORPUS]),
        1,
        "the disclosure has errors"
    );
    assert_eq!(code(&["--no-config", "--fail-on", "loud", path]), 2);

    std::fs::write(forms.join("kpilint.toml"), "fail_on = \"warning\"\n").unwrap();
    assert_eq!(code(&[path]), 1, "the file's fail_on");
    assert_eq!(
        code(&["--fail-on", "error", path]),
        0,
        "the command line wins"
    );
    std::fs::write(forms.join("kpilint.toml"), "fail_on = \"loud\"\n").unwrap();
    let out = kpilint(&["check", "--quiet", path]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kpilint.toml") && err.contains("loud"),
        "{err}"
    );

    let missing = dir.path().join("没有这个文件.txt");
    let missing = missing.to_str().unwrap();
    assert_eq!(
        code(&["--no-config", "--fail-on", "never", path, missing]),
        2,
        "an unread file is the run failing, not a finding"
    );
}

#[test]
fn bad_input_gets_a_diagnostic_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("empty.txt"), b"").unwrap();
    std::fs::write(p("garbage.txt"), "这不是表格\n\t\t随便写的\n").unwrap();
    std::fs::write(p("binary.txt"), b"PK\x03\x04\x00\x00\x00\xff\xfe").unwrap();
    std::fs::write(
        p("notes.md"),
        "# not a form file, not picked up in a folder",
    )
    .unwrap();
    std::fs::create_dir(p("sub")).unwrap();
    std::fs::copy(CORPUS, p("sub/forms.tsv")).unwrap();
    let folder = dir.path().to_str().unwrap();
    let (code, v) = json(&["check", "--format", "json", folder]);
    assert_eq!(code, 2, "an unreadable file makes the run exit 2");
    let files = v["files"].as_array().unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            Path::new(f["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        names,
        ["binary.txt", "empty.txt", "garbage.txt", "forms.tsv"],
        "sorted, .md skipped"
    );
    assert!(files[0]["error"].as_str().unwrap().contains("不是文本"));
    assert_eq!(files[3]["forms"], 224, "the good file is still linted");
    let codes: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                Path::new(d["path"].as_str().unwrap())
                    .file_name()
                    .unwrap()
                    .to_str()
                    .unwrap(),
                d["code"].as_str().unwrap(),
            )
        })
        .filter(|(f, _)| *f != "forms.tsv")
        .collect();
    assert_eq!(
        codes,
        [
            ("binary.txt", "I002"),
            ("empty.txt", "I004"),
            ("garbage.txt", "I005")
        ]
    );
}

#[test]
fn missing_files_and_directories_as_files() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.txt");
    let (code, v) = json(&["check", "--format", "json", missing.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(v["diagnostics"][0]["code"], "I001");
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("文件不存在"));
    // A folder with no form in it: `dump` says it is a folder and has nothing to offer.
    let out = kpilint(&["dump", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("是文件夹") && err.contains("没有 kpilint 能读的表格文件"),
        "{err}"
    );
    let out = kpilint(&["dump", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("I001"));
    // The human report has no snippet to show for a file it could not read: the message
    // names the file, so that among many files the reader knows which one.
    let out = kpilint(&["check", "--no-config", missing.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("{}：无法读取文件：文件不存在", missing.display())),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(kpilint(&["check"]).status.code(), Some(2));
    assert_eq!(
        kpilint(&["check", "--format", "xml", CORPUS]).status.code(),
        Some(2)
    );
}

#[test]
fn a_clean_form_exits_0() {
    let raw = std::fs::read_to_string(CORPUS).unwrap();
    // The second project form (lines 934–967), on its own: warnings and notes, no errors.
    let form: Vec<&str> = raw.lines().skip(933).take(34).collect();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("one.txt");
    std::fs::write(&p, form.join("\n")).unwrap();
    let (code, v) = json(&["check", "--format", "json", p.to_str().unwrap()]);
    assert_eq!(
        (code, &v["summary"]["forms"], &v["summary"]["errors"]),
        (0, &Value::from(1), &Value::from(0))
    );
}

#[test]
fn dump_shows_both_halves() {
    let (code, v) = json(&["dump", "--format", "json", CORPUS]);
    assert_eq!(code, 0);
    let forms = v["forms"].as_array().unwrap();
    assert_eq!(forms.len(), 224);
    let f = &forms[1];
    assert_eq!(f["name"]["value"], "省级党员教育培训经费");
    assert_eq!(f["funds"]["implementation"]["total"]["value"], "400");
    assert_eq!(f["funds"]["annual"]["local"]["value"], "400");
    let r = &f["indicators"][0];
    assert_eq!(r["line"], 923);
    assert_eq!(
        r["implementation"]["name"]["value"],
        "未纳入干部培训体系的党"
    );
    assert_eq!(r["annual"]["name"]["value"], "未纳入干部培训");
    assert_eq!(r["annual"]["value"]["value"], "32人");
    let text = String::from_utf8(kpilint(&["dump", CORPUS]).stdout).unwrap();
    assert!(text.contains("产出指标 / 数量指标 / 未纳入干部培训体系的党 = 32人  ‖  产出指标 / 数量指标 / 未纳入干部培训 = 32人"));
}

#[test]
fn parse_prints_one_json_object_per_value() {
    let out = kpilint(&[
        "parse",
        "--format",
        "json",
        "≥90%",
        "2000元/生/年",
        "1000人/元/学期",
        "及时",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(
        (
            &lines[0]["kind"],
            &lines[0]["cmp"],
            &lines[0]["amount"],
            &lines[0]["unit"]
        ),
        (
            &Value::from("percent"),
            &Value::from("≥"),
            &Value::from("90"),
            &Value::from("%")
        )
    );
    assert_eq!(lines[1]["unit"], "元/人/年");
    assert_eq!(lines[2]["kind"], "invalid");
    assert_eq!(
        lines[2]["error_span"],
        serde_json::json!([4, 7]),
        "the 人/元 part, in characters"
    );
    assert_eq!(
        (&lines[3]["kind"], &lines[3]["error"]),
        (&Value::from("text"), &Value::Null)
    );
    let text = String::from_utf8(kpilint(&["parse", "1000人/元/学期"]).stdout).unwrap();
    assert!(text.contains("单位颠倒"), "{text}");
    assert!(
        text.contains("──┬──"),
        "the underline sits under 人/元: {text}"
    );
}

/// `-` is standard input: an extraction piped in from the program that made it is linted as
/// the file would be, its findings named `/dev/stdin`; `--fix` cannot write it back
/// and says so; `dump -` shows how it was read.
#[test]
fn a_dash_reads_the_forms_from_standard_input() {
    use std::io::Write;
    use std::process::Stdio;
    let piped = |args: &[&str], input: &[u8]| {
        let mut child = common::command_in(None, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("runs");
        // Written on a thread of its own: the disclosure is larger than a pipe holds.
        let mut stdin = child.stdin.take().unwrap();
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap().unwrap();
        out
    };
    let text = std::fs::read(CORPUS).unwrap();
    let out = piped(&["check", "--format", "json", "-"], &text);
    assert_eq!(out.status.code(), Some(1));
    let from_stdin: Value = serde_json::from_slice(&out.stdout).unwrap();
    let (_, from_file) = json(&["check", "--format", "json", CORPUS]);
    let diagnostics = |v: &Value| v["diagnostics"].as_array().unwrap().clone();
    let (a, b) = (diagnostics(&from_stdin), diagnostics(&from_file));
    assert_eq!(a.len(), b.len());
    assert!(a.len() > 1_000);
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a["path"], "/dev/stdin");
        for key in ["code", "message", "line", "column"] {
            assert_eq!(a[key], b[key], "{key}");
        }
    }
    assert_eq!(from_stdin["summary"]["forms"], 224);

    let form = std::fs::read("tests/fixtures/ministry_template_project.txt").unwrap();
    let out = piped(&["check", "--fix", "-"], &form);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("未修复") && err.contains("标准输入"), "{err}");
    assert!(String::from_utf8(out.stdout).unwrap().contains("V013"));

    let out = piped(&["dump", "-"], &form);
    assert_eq!(out.status.code(), Some(0));
    let dump = String::from_utf8(out.stdout).unwrap();
    assert!(
        dump.starts_with("/dev/stdin (UTF-8): 1 form, 0 budget tables"),
        "{dump}"
    );
}

/// `dump` reads one file: given a folder (as `check` is), it says so and names files there to
/// dump, rather than failing to read a directory.
#[test]
fn dump_given_a_folder_names_the_files_in_it() {
    let out = kpilint(&["dump", "tests/corpus"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("tests/corpus 是文件夹"), "{err}");
    assert!(
        err.contains("\n  kpilint dump tests/corpus/000_cb0bcf906edd3817.txt\n"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    // A name a shell would split is quoted, so the line runs as it is shown.
    let dir = tempfile::tempdir().unwrap();
    let spaced = dir.path().join("第一 批.txt");
    std::fs::write(&spaced, "项目名称\t示例\n").unwrap();
    let out = kpilint(&["dump", dir.path().to_str().unwrap()]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains(&format!("\n  kpilint dump \"{}\"\n", spaced.display())),
        "{err}"
    );
}
