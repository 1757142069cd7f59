//! Hostile inputs: each gives a clear diagnostic (or a normal report) in bounded time, and
//! the rest of the run completes. Times are generous bounds for a debug build on a loaded
//! machine, not performance measurements (those are benchmarks: docs/performance.md).

mod common;

use common::{findings, kpilint_in, CORPUS};
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(60);

fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json", "--no-config"];
    all.extend_from_slice(args);
    let started = Instant::now();
    let out = kpilint_in(Some(dir), &all);
    assert!(
        started.elapsed() < BOUND,
        "{args:?} took {:?}",
        started.elapsed()
    );
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

fn codes_for(v: &Value, path_end: &str) -> Vec<String> {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"].as_str().unwrap().ends_with(path_end))
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

/// The first form of the disclosure (lines 902–933), which has an F004 finding.
fn good_form() -> String {
    let text = std::fs::read_to_string(CORPUS).unwrap();
    let lines: Vec<&str> = text.lines().skip(901).take(32).collect();
    lines.join("\n") + "\n"
}

/// Lints `text` as the one file `name` within `bound`: tighter than [`BOUND`] where work
/// that grew with the square of the input once took longer than that.
fn check_one_within(name: &str, text: &str, bound: Duration) -> Value {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let started = Instant::now();
    let (_, v) = check(dir.path(), &[name]);
    assert!(started.elapsed() < bound, "{name}: {:?}", started.elapsed());
    v
}

/// The disclosure's 项目支出预算表 header (lines 436–444) with `lines` project lines named by
/// `line`, then `lines` copies of the first form, each named by `form` and with its own
/// amounts (so that none continues the one before).
fn projects_and_forms(
    lines: usize,
    line: impl Fn(usize) -> String,
    form: impl Fn(usize) -> String,
) -> String {
    let text = std::fs::read_to_string(CORPUS).unwrap();
    let mut doc = text
        .lines()
        .skip(435)
        .take(9)
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    for i in 0..lines {
        doc += &format!("{}\t1.00\t1.00\t\t\t\t\n", line(i));
    }
    let page = good_form();
    for i in 0..lines {
        let total = format!("实施期资金总额：\t{0}\t年度资金总额：\t{0}", 400 + i);
        doc += &page.replacen("省级党员教育培训经费", &form(i), 1).replacen(
            "实施期资金总额：\t400\t年度资金总额：\t400",
            &total,
            1,
        );
    }
    doc
}

#[test]
fn hostile_files_in_a_folder_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().join("forms");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("a_good.txt"), good_form()).unwrap();
    // A 200 MB file of one line: refused by its size, without being read.
    let big = std::fs::File::create(d.join("big.txt")).unwrap();
    big.set_len(200 << 20).unwrap();
    // 40 MB of nothing but line breaks: under the size limit, but every line costs memory
    // (before the line limit, 60 MB of them took 1.4 GB).
    std::fs::write(d.join("newlines.txt"), vec![b'\n'; 40 << 20]).unwrap();
    // NUL bytes.
    std::fs::write(d.join("nul.txt"), vec![0u8; 1 << 16]).unwrap();
    // Invalid UTF-8 in the middle of a form: the form is still read.
    let mut broken = good_form().into_bytes();
    let at = broken.len() / 2;
    let at = (at..broken.len()).find(|&i| broken[i] == b'\n').unwrap() + 1;
    broken.splice(at..at, [0xff, 0xfe, 0xc3, b'\n']);
    std::fs::write(d.join("invalid_utf8.txt"), broken).unwrap();
    // A GBK file with nothing saying so.
    let form = good_form();
    let (gbk, _, _) = encoding_rs::GBK.encode(&form);
    std::fs::write(d.join("gbk.txt"), gbk).unwrap();
    // A symlink loop and a dangling link.
    std::os::unix::fs::symlink(&d, d.join("loop")).unwrap();
    std::os::unix::fs::symlink(d.join("gone.txt"), d.join("dangling.txt")).unwrap();
    // A file its reader may not open (root reads it anyway: then it is simply linted).
    let locked = d.join("locked.txt");
    std::fs::write(&locked, good_form()).unwrap();
    std::fs::set_permissions(&locked, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let locked_out = std::fs::read(&locked).is_err();

    let (code, v) = check(dir.path(), &["forms"]);
    assert_eq!(code, 2, "unreadable files make the run exit with 2");
    assert!(codes_for(&v, "a_good.txt").contains(&"F004".to_owned()));
    assert_eq!(codes_for(&v, "big.txt"), ["I010"]);
    assert_eq!(codes_for(&v, "nul.txt"), ["I002"]);
    assert_eq!(codes_for(&v, "newlines.txt"), ["I010"]);
    let invalid = codes_for(&v, "invalid_utf8.txt");
    assert!(invalid.contains(&"I006".to_owned()), "{invalid:?}");
    assert!(
        invalid.contains(&"F004".to_owned()),
        "the form is still read: {invalid:?}"
    );
    assert!(codes_for(&v, "gbk.txt").contains(&"F004".to_owned()));
    assert!(codes_for(&v, "dangling.txt").contains(&"I001".to_owned()));
    if locked_out {
        assert_eq!(codes_for(&v, "locked.txt"), ["I001"]);
    } else {
        assert!(codes_for(&v, "locked.txt").contains(&"F004".to_owned()));
    }
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(
        files.iter().filter(|p| p.ends_with("a_good.txt")).count() == 1,
        "the loop is not followed into the same files again: {files:?}"
    );
}

/// A path whose size the file system cannot tell (a pipe, a device) is read only up to the
/// size limit: a writer that never stops cannot exhaust memory.
#[test]
fn an_endless_pipe_is_read_only_up_to_the_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("endless.txt");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("mkfifo is not available; skipped");
        return;
    }
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut pipe = std::fs::OpenOptions::new().write(true).open(fifo).unwrap();
            let chunk = vec![b'a'; 1 << 20];
            // Ends when kpilint stops reading and closes the pipe (the write fails), or after
            // 1 GB, which would mean the limit does not hold.
            for _ in 0..1024 {
                if pipe.write_all(&chunk).is_err() {
                    return true;
                }
            }
            false
        })
    };
    let (status, v) = check(dir.path(), &["endless.txt"]);
    assert_eq!(status, 2, "{v}");
    assert_eq!(codes_for(&v, "endless.txt"), ["I010"], "{v}");
    let message = v["diagnostics"][0]["message"].as_str().unwrap();
    assert!(message.contains("超过 64 MB"), "{message}");
    assert!(writer.join().unwrap(), "kpilint read the whole gigabyte");
}

#[test]
fn a_form_with_100_000_indicator_rows() {
    let mut text = good_form();
    let row = "\t\t\t质量指标\t合格率\t100%\t质量指标\t合格率\t100%\n";
    let at = text.find("\t\t时效指标").unwrap_or(text.len());
    text.insert_str(at, &row.repeat(100_000));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("long.txt"), &text).unwrap();
    let (_, v) = check(dir.path(), &["long.txt"]);
    assert_eq!(v["summary"]["forms"], 1);
    assert!(codes_for(&v, "long.txt").contains(&"S008".to_owned()));
    // Past 2,500 lines a form's lines are counted, not read (nor held in memory); the grid is
    // read up to 2,000 rows, and the finding says how many lines there are and where reading
    // stopped.
    let s008 = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "S008")
        .unwrap();
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(
        s008["message"],
        format!("指标表超过 2000 行，其余未读取（表格共 {lines} 行）")
    );
    let first_row = text[..at].lines().count() + 1;
    let stopped = s008["line"].as_u64().unwrap() as usize;
    assert!(
        stopped > first_row + 1_950 && stopped <= first_row + 2_000,
        "the 2,001st grid row is where reading stops, not line {stopped}"
    );
}

/// A grid row followed by three million tabs (a damaged export): the row's first 1,000
/// fields are read, the rest only counted (a cell for each tab once held 300 MB for a 9 MB
/// line), and the form is linted as it would be without them.
#[test]
fn a_line_of_millions_of_tabs() {
    let text = good_form();
    let row = text.lines().position(|l| l.contains("党员满意度")).unwrap();
    let tabs = 3_000_000;
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i == row {
            true => format!("{l}{}x", "\t".repeat(tabs)),
            false => l.to_owned(),
        })
        .collect();
    let v = check_one_within("tabs.txt", &(lines.join("\n") + "\n"), BOUND);
    assert_eq!(v["summary"]["forms"], 1, "{}", v["summary"]);
    let s011: Vec<&Value> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "S011")
        .collect();
    assert_eq!(s011.len(), 1, "{s011:?}");
    let fields = text.lines().nth(row).unwrap().split('\t').count() + tabs;
    assert_eq!(
        s011[0]["message"],
        format!("此行有 {fields} 个单元格，超过 1000 个，其余未读取")
    );
    assert_eq!(s011[0]["line"], row + 1);
    // What the form finds without the tabs, it finds with them.
    let plain = check_one_within("plain.txt", &text, BOUND);
    let mut without: Vec<String> = codes_for(&plain, "plain.txt");
    let mut with: Vec<String> = codes_for(&v, "tabs.txt")
        .into_iter()
        .filter(|c| c != "S011")
        .collect();
    without.sort();
    with.sort();
    assert_eq!(with, without);
}

/// The human report prints a snippet's lines whole: a finding on (or next to) a line of
/// megabytes is printed without one, its help naming the place, so the report stays small
/// and the findings on ordinary lines keep their snippets.
#[test]
fn findings_on_a_line_of_megabytes_are_printed_without_a_snippet() {
    let form = good_form();
    let text = format!(
        "{form}项目支出绩效目标表\n项目名称\t{}x\n",
        "\t".repeat(8_000_000)
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("huge.txt"), &text).unwrap();
    let started = Instant::now();
    let out = kpilint_in(Some(dir.path()), &["check", "--no-config", "huge.txt"]);
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.len() < 100_000, "{} bytes", report.len());
    // The second form's title line (a line before the long one) and its S011 on the long line.
    let title = form.lines().count() + 1;
    assert!(
        report.contains(&format!(
            "位置：huge.txt 第 {title} 行第 1 列（表格标题，原文过长，不显示）"
        )),
        "{report}"
    );
    let s011 = report.find("S011").expect("the long line is reported");
    assert!(
        report[s011..].contains(&format!("位置：huge.txt 第 {} 行第 1005 列", title + 1)),
        "{report}"
    );
    // The first form's findings (F004) still point into their lines.
    assert!(report.contains("╭─[huge.txt:"), "{report}");
}

/// Cells of a million characters: every rule's work on a cell must grow with its length, not
/// its square (looking for a doubled word by comparing every pair of halves took minutes on a
/// run of digits).
#[test]
fn cells_of_a_million_characters() {
    let text = good_form();
    let row = text.lines().position(|l| l.contains("党员满意度")).unwrap();
    let digits = format!("≥{}%", "9".repeat(1_000_000));
    let words: String = (0..1_000_000u64)
        .map(|i| char::from_u32(0x4e00 + (i * 7919 % 20_000) as u32).unwrap())
        .collect();
    let lines: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i != row {
                return l.to_owned();
            }
            let mut cells: Vec<&str> = l.split('\t').collect();
            cells[4] = &digits;
            cells[6] = &words;
            cells.join("\t")
        })
        .collect();
    let v = check_one_within("wide.txt", &(lines.join("\n") + "\n"), BOUND);
    assert_eq!(v["summary"]["forms"], 1, "{}", v["summary"]);
}

/// A 项目名称 and an 指标值 of a million characters: each finding quotes their first hundred
/// characters and how many there are, so every format's report stays the size of a page.
/// Quoted whole, they made each finding megabytes long, and the human report took 230 MB to
/// wrap a name of 9 MB.
#[test]
fn findings_quote_the_start_of_a_cell_of_a_million_characters() {
    let million = "测".repeat(1_000_000);
    let text = good_form()
        .replacen(
            "省级党员教育培训经费\t",
            &format!("省级党员教育培训经费{million}\t"),
            1,
        )
        .replacen("有效提升\t", &format!("有效提升{million}\t"), 1);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("long.txt"), &text).unwrap();
    let (_, v) = check(dir.path(), &["long.txt"]);
    assert_eq!(v["summary"]["forms"], 1, "{}", v["summary"]);
    let hundred = |start: &str| {
        let rest = std::iter::repeat('测');
        start.chars().chain(rest).take(100).collect::<String>()
    };
    let name = format!("{}…（共 1000010 字）", hundred("省级党员教育培训经费"));
    let diagnostics = v["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics.iter().all(|d| d["form"] == name.as_str()),
        "{v}"
    );
    let value = format!("{}…（共 1000004 字）", hundred("有效提升"));
    // The value is V020's (a direction only) and V015's (a doubled run of 测): both quote it cut.
    let quoting: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d["line"] == 27 && d["column"] == 20)
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(quoting.len(), 2, "{v}");
    assert!(
        quoting.iter().all(|m| m.contains(&format!("值“{value}”"))),
        "{quoting:?}"
    );
    assert!(diagnostics
        .iter()
        .all(|d| d["message"].as_str().unwrap().chars().count() < 600));
    // Each report is the size of the same form's with its cells as printed, give or take the
    // quotes and one more finding (SARIF describes every rule, whatever was found).
    std::fs::write(dir.path().join("good.txt"), good_form()).unwrap();
    for format in ["json", "sarif", "human", "github", "html"] {
        let size = |file| {
            let args = ["check", "--no-config", "--format", format, file];
            kpilint_in(Some(dir.path()), &args).stdout.len()
        };
        let (long, good) = (size("long.txt"), size("good.txt"));
        assert!(
            long < good + (16 << 10),
            "{format}: {long} bytes, {good} as printed"
        );
    }
}

/// 2,000 rows (as many as a grid is read) whose names share a long start: pairing the
/// 实施期 and 年度 halves must not compare every two names character by character.
#[test]
fn two_thousand_rows_with_names_alike() {
    let mut text = good_form();
    let alike = "义务教育阶段家庭经济困难学生生活补助".repeat(10);
    let rows: String = (0..2_000)
        .map(|i| {
            format!(
                "\t\t\t质量指标\t{alike}{i}\t100%\t质量指标\t{alike}{}x\t100%\n",
                i + 1
            )
        })
        .collect();
    let at = text.find("\t\t时效指标").unwrap();
    text.insert_str(at, &rows);
    // Comparing every two names took 37 s here in a debug build (7 s in a release build),
    // and takes about one now.
    let v = check_one_within("alike.txt", &text, Duration::from_secs(20));
    assert_eq!(v["summary"]["forms"], 1, "{}", v["summary"]);
}

/// Three thousand copies of one page: each continues the one before (same name, same
/// amounts), and joined they would make one form of tens of thousands of rows. A joined form
/// is held to 2,000 grid rows, like one read whole; the copies past it start a new form.
#[test]
fn three_thousand_copies_of_one_page() {
    let page = good_form();
    // Pairing the halves of the one joined form took 2.8 s in a release build, many times
    // that in a debug one; this takes a few seconds now.
    let v = check_one_within("copies.txt", &page.repeat(3_000), Duration::from_secs(20));
    let grid_rows = page.lines().filter(|l| l.contains("指标\t")).count();
    let forms = v["summary"]["forms"].as_u64().unwrap() as usize;
    assert!(
        forms >= 3_000 * grid_rows / 2_000 && forms < 3_000,
        "{forms} forms from 3,000 pages of {grid_rows} grid rows"
    );
    // Each page that started a form of its own says so, with the rows that kept it out.
    let splits: Vec<&str> = findings(&v, "S008")
        .into_iter()
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(splits.len(), forms - 1, "{splits:?}");
    assert!(
        splits[0].starts_with("续页与前面各页合计超过 2000 行指标（已有 ")
            && splits[0].ends_with("行），此页按单独的表读取"),
        "{}",
        splits[0]
    );
}

/// A project table of 3,000 lines of one name and 3,000 forms of that name with different
/// amounts (so none continues another): matching lines to forms must not list, score and sort
/// every (line, form) pair, which took 13 s and 268 MB in a release build.
#[test]
fn three_thousand_namesakes_in_table_and_forms() {
    let name = |_| "省级党员教育培训经费".to_owned();
    let doc = projects_and_forms(3_000, name, name);
    let v = check_one_within("namesakes.txt", &doc, Duration::from_secs(30));
    assert_eq!(v["summary"]["forms"], 3_000, "{}", v["summary"]);
}

/// 1,000 table lines and 1,000 forms whose names are all alike but none the same: every
/// line is a near miss of every form (the most pairs near misses are searched among). Each
/// name's bigrams are collected once, not once per pair: 4.1 s in a release build before.
#[test]
fn a_thousand_near_misses_each_side() {
    let base = "义务教育阶段家庭经济困难学生生活补助专项经费";
    let doc = projects_and_forms(
        1_000,
        |i| format!("{base}第{i}批"),
        |i| format!("{base}第{i}期"),
    );
    let v = check_one_within("near.txt", &doc, Duration::from_secs(30));
    assert_eq!(v["summary"]["forms"], 1_000, "{}", v["summary"]);
}

#[test]
fn hostile_rule_packs_are_reported_against_their_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("form.txt"), good_form()).unwrap();
    // An alias bomb and deep nesting in a pack.
    std::fs::write(d.join("bomb.yaml"), common::alias_bomb("x")).unwrap();
    std::fs::write(
        d.join("deep.yaml"),
        format!("name: {}x{}\n", "[".repeat(50_000), "]".repeat(50_000)),
    )
    .unwrap();
    // An expression the parser takes but that nests 3,000 deep: evaluated, it overflowed a
    // worker thread's stack and aborted the run.
    let values =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/values.yaml")).unwrap();
    let one_rule = values.split("\n  - code: V002").next().unwrap();
    let chain = vec!["1"; 3_000].join(" + ") + " > 0";
    let pack = one_rule
        .replace("name: values", "name: chain")
        .replace("code: V001", "code: X001")
        .replace(
            "assert: row.value.reason != \"reversed_unit\"",
            &format!("assert: '{chain}'"),
        );
    assert!(pack.contains(&chain), "V001's assert is where it was");
    std::fs::write(d.join("chain.yaml"), pack).unwrap();
    for (pack, code) in [
        ("bomb.yaml", "R001"),
        ("deep.yaml", "R001"),
        ("chain.yaml", "R002"),
    ] {
        let started = Instant::now();
        let out = kpilint_in(
            Some(d),
            &["check", "--no-config", "--rules", pack, "form.txt"],
        );
        assert!(started.elapsed() < BOUND);
        assert_eq!(out.status.code(), Some(2), "{pack}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(code) && text.contains(pack), "{pack}: {text}");
    }
}

/// A pack of thousands of rules: each rule's block in the text was found by reading the
/// whole pack again, and 20,000 rules (6 MB) took 209 s to load in a release build (0.8 s
/// now).
#[test]
fn a_pack_of_five_thousand_rules_loads() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("form.txt"), good_form()).unwrap();
    let mut pack = String::from("name: many\ntitle: 许多规则\nrules:\n");
    for i in 0..5_000 {
        // Only the last rule fires: its finding shows every rule before it was read.
        let assert = if i == 4_999 { "1 > 2" } else { "1 < 2" };
        pack.push_str(&format!(
            "  - code: QQ{:03}\n    name: rule-{i}\n    severity: warning\n    summary: 测试\n    \
             rationale: 测试\n    over: form\n    assert: {assert}\n    message: 第 {i} 条\n    \
             help: 测试\n",
            i % 1000
        ));
        // Codes are three letters and three digits: the thousands go in the letters.
        let letter = char::from(b'A' + u8::try_from(i / 1000).unwrap());
        let at = pack.rfind("code: QQ").unwrap() + "code: Q".len();
        pack.replace_range(at..at + 1, &letter.to_string());
    }
    std::fs::write(d.join("many.yaml"), &pack).unwrap();
    // Half a second in a debug build now; 28 s when each rule read the whole pack again.
    let started = Instant::now();
    let (code, v) = check(d, &["--rules", "many.yaml", "form.txt"]);
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1, "{v}");
    let codes = codes_for(&v, "form.txt");
    assert!(codes.contains(&"QE999".to_owned()), "{codes:?}");
    assert!(!codes.iter().any(|c| c.starts_with("QA")), "{codes:?}");
}

#[test]
fn a_catastrophic_regex_runs_in_linear_time() {
    // `(a+)+$` takes exponential time in a backtracking engine on `aaaa…b`; the rules'
    // regexes run on a linear-time engine.
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let name = format!("{}b", "a".repeat(50_000));
    let mut form = good_form();
    form = form.replacen("省级党员教育培训经费", &name, 1);
    std::fs::write(d.join("form.txt"), form).unwrap();
    std::fs::write(
        d.join("regex.yaml"),
        r#"name: evil
title: 回溯
rules:
  - code: Z001
    name: evil-regex
    severity: warning
    summary: 回溯
    rationale: 测试
    over: form
    assert: not matches(form.name, "^(a+)+$")
    message: 名称全是 a
    help: 无
    examples:
      bad:
        - name: aaaa
      good:
        - name: aaab
"#,
    )
    .unwrap();
    let (_, v) = check(d, &["--rules", "regex.yaml", "--select", "Z", "form.txt"]);
    assert_eq!(v["summary"]["forms"], 1);
}

#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_the_report_is_named_and_fails_the_run() {
    for format in ["json", "human"] {
        let out = kpilint_in(
            None,
            &[
                "check",
                "--no-config",
                "--format",
                format,
                "-o",
                "/dev/full",
                CORPUS,
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(stderr.contains("/dev/full"), "{format}: {stderr}");
    }
}

/// Files of long grids whose every row is a finding (its value sits under the header's
/// 指标性质 column): a run of several such files holds each file's findings up to its share of
/// a few megabytes and sets the rest aside on disk, and writes files of many findings as their
/// turn comes rather than rendering them ahead. Each finding is still reported, once, in order,
/// as when the file is linted alone.
#[test]
fn files_with_a_finding_on_every_row_report_every_one() {
    let fixture = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt").unwrap();
    let head: Vec<&str> = fixture.lines().take(11).collect();
    let (files, forms, rows) = (4, 8, 2_000);
    let dir = tempfile::tempdir().unwrap();
    for f in 0..files {
        let mut text = String::new();
        for k in 0..forms {
            for line in &head {
                text += line;
                if line.starts_with("项目支出名称\t") {
                    text += &format!("{f}_{k}");
                }
                text += "\n";
            }
            for i in 0..rows {
                text += &format!("\t\t数量指标\t养护道路里程第{i}段\t{i}公里\n");
            }
            text += "负责人：张三\t联系电话：0351-1234567\t填报日期：2025-01-10\n";
        }
        std::fs::write(dir.path().join(format!("grid{f}.txt")), text).unwrap();
    }
    let (_, all) = check(dir.path(), &["--select", "S003", "."]);
    let lines = |v: &Value, name: &str| -> Vec<u64> {
        findings(v, "S003")
            .into_iter()
            .filter(|d| d["path"].as_str().unwrap().ends_with(name))
            .map(|d| d["line"].as_u64().unwrap())
            .collect()
    };
    for f in 0..files {
        let name = format!("grid{f}.txt");
        let found = lines(&all, &name);
        assert_eq!(found.len(), forms * rows, "{name}");
        assert!(found.windows(2).all(|w| w[0] < w[1]), "{name}: in order");
        let (_, alone) = check(dir.path(), &["--select", "S003", &name]);
        assert_eq!(lines(&alone, &name), found, "{name} linted alone");
    }
    assert_eq!(all["summary"]["errors"], files * forms * rows);
}

/// A JSON form whose 2,000 rows each have four keys kpilint does not know, written with
/// escapes (so not in the text as the parser gives them), before a value of 8 MB: each search
/// for such a key read the rest of the file (17 s for one key a row). Every key is still
/// sought, and the first hundred reported, each by its row; one more finding counts the rest.
#[test]
fn keys_written_with_escapes_before_megabytes() {
    let rows: Vec<String> = (0..2_000)
        .map(|i| {
            let odd: String = (0..4)
                .map(|k| format!(", \"\\u00e9t\\u00e9{i}-{k}\": 1"))
                .collect();
            format!("{{\"annual\": {{\"name\": \"人数\", \"value\": \"5人\"}}{odd}}}")
        })
        .collect();
    let text = format!(
        "{{\"name\": \"甲\", \"indicators\": [{}], \"overview\": \"{}\"}}",
        rows.join(",\n"),
        "概".repeat(3 << 20)
    );
    let v = check_one_within("escaped.form.json", &text, Duration::from_secs(20));
    let unread: Vec<(&str, u64)> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "I009")
        .map(|d| (d["message"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(unread.len(), 101);
    assert!(unread.contains(&("此表另有 7900 处读取错误未列出（每张表最多列出 100 处）", 1)));
    // Each key is placed on its row's line (row i on line i + 1).
    let placed = unread
        .iter()
        .filter(|(m, _)| m.starts_with("指标行没有字段"));
    for (k, (message, line)) in placed.enumerate() {
        let key = format!("“été{}-{}”", k / 4, k % 4);
        assert!(message.contains(&key), "{message}");
        assert_eq!(*line, (k / 4 + 1) as u64, "{message}");
    }
}

/// A YAML stream of 10 MB: a million comment lines, then a million documents with nothing in
/// them but their `---`, then one form (in all just under the limit of lines a file may have).
/// Finding where each document starts read the comments again for each (some minutes), and
/// listing them first took 87 MB; each empty document was parsed. The form at the end is still
/// read.
#[test]
fn a_stream_of_a_million_empty_documents_after_a_million_comments() {
    let text = format!(
        "{}{}---\nname: 甲\n",
        "# 注\n".repeat(999_990),
        "---\n".repeat(999_990)
    );
    let v = check_one_within("stream.form.yaml", &text, Duration::from_secs(20));
    assert_eq!(v["summary"]["forms"], 1, "{}", v["summary"]);
    let unread = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "I009")
        .count();
    assert_eq!(unread, 0);
}

/// Rows that are not mappings, after 9 MB of spaces: each row looks past the one before for an
/// alias (`- *row`), and must not read the spaces again for each (2,000 times 9 MB took 16 s).
/// The first hundred rows are reported, each on its line, and the rest counted.
#[test]
fn rows_that_are_not_mappings_after_megabytes_of_spaces() {
    let text = format!(
        "name: 甲\nindicators:{}\n{}",
        " ".repeat(9 << 20),
        "  - 1\n".repeat(2_000)
    );
    let v = check_one_within("gap.form.yaml", &text, Duration::from_secs(10));
    let lines: Vec<u64> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "I009" && d["message"] == "指标行应为“字段: 值”的映射")
        .map(|d| d["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, (3..103).collect::<Vec<u64>>(), "{}", v["summary"]);
    let rest = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["message"] == "此表另有 1900 处读取错误未列出（每张表最多列出 100 处）")
        .count();
    assert_eq!(rest, 1);
}

/// A structured file of 10 MB of line breaks is refused unread, as a text file is: each line is
/// an entry in the line index (70 MB).
#[test]
fn a_structured_file_of_line_breaks_is_refused() {
    for name in ["breaks.form.yaml", "breaks.form.json"] {
        let text = format!("{{\"name\": \"甲\"{}}}", "\n".repeat(10_000_000));
        let v = check_one_within(name, &text, BOUND);
        assert_eq!(codes_for(&v, name), ["I010"], "{name}");
    }
}

/// YAML that was parsed whole (some 200 MB at 10 MB; now read a piece at a time, which
/// performance.md measures): a form of 100,000 rows, every other one an alias of the first, and
/// a flow list of 10,000 forms, each using the first one's anchor, that the file ends in before
/// its `]`. Each is read in bounded time with the report a whole parse gives: the rows past
/// 2,000 reported, every form of the list read, and its missing bracket placed at the end.
#[test]
fn aliased_yaml_at_length_and_a_flow_list_never_closed() {
    let rows: String = (0..100_000)
        .map(|i| match i {
            0 => "  - annual: &r {level2: 数量指标, name: 人数, value: 5人}\n".to_owned(),
            _ if i % 2 == 1 => "  - annual: *r\n".to_owned(),
            _ => format!("  - annual: {{level2: 数量指标, name: 人数{i}, value: {i}人}}\n"),
        })
        .collect();
    let text = format!("name: 甲\nindicators:\n{rows}");
    let v = check_one_within("rows.form.yaml", &text, Duration::from_secs(20));
    let over: Vec<_> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "S008")
        .map(|d| d["message"].as_str().unwrap())
        .collect();
    assert_eq!(over, ["指标表有 100000 行，超过 2000 行，其余未读取"]);

    let items: Vec<String> = (0..10_000)
        .map(|i| match i {
            0 => "{name: 项目0, funds: &f {annual: {total: 100}}}".to_owned(),
            _ => format!("{{name: 项目{i}, funds: *f}}"),
        })
        .collect();
    let text = format!("forms: [\n  {}\n", items.join(",\n  "));
    let v = check_one_within("list.form.yaml", &text, Duration::from_secs(20));
    assert_eq!(v["summary"]["forms"], 10_000, "{}", v["summary"]);
    let failed: Vec<_> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "I009")
        .map(|d| (d["message"].as_str().unwrap(), d["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        failed,
        [(
            "无法读取表单：列表缺少“,”或“]”（读流式列表 [...] 时；\
             did not find expected ',' or ']', while parsing a flow sequence）",
            10_002
        )]
    );
}

/// YAML that cannot be split into forms and holds more values than serde_yaml may load at once
/// (it loads a document's every event before building anything, 270 MB for 10 MB of them): a
/// 10 MB list whose items chain anchors through one another, and a form with a 10 MB list
/// where no rows are sought. Each is refused with one finding at its start, in bounded time,
/// and the files beside them are read. A 10 MB list of rows in flow style under the form's
/// rows key is cut as rows are, and read.
#[test]
fn yaml_that_cannot_be_split_is_refused_past_its_values_limit() {
    let dir = tempfile::tempdir().unwrap();
    let chain: String = (0..120_000)
        .map(|k| match k {
            0 => "- name: 项目0\n  department: &r0 局0\n".to_owned(),
            _ => format!(
                "- name: 项目{k}\n  department: &r{k} 局\n  implementing_unit: *r{}\n",
                k - 1
            ),
        })
        .collect();
    let nested = format!(
        "name: 甲\nfunds: {{other: [{}]}}\n",
        vec!["10"; 2_500_000].join(", ")
    );
    let rows: Vec<String> = (0..150_000)
        .map(|i| format!("{{annual: {{level2: 数量指标, name: 人数{i}, value: {i}人}}}}"))
        .collect();
    let flow_rows = format!("name: 乙\nindicators: [{}]\n", rows.join(", "));
    for (name, text) in [
        ("chain.form.yaml", &chain),
        ("nested.form.yaml", &nested),
        ("rows.form.yaml", &flow_rows),
    ] {
        assert!(text.len() > 8_000_000, "{name}: {}", text.len());
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    std::fs::write(dir.path().join("good.txt"), good_form()).unwrap();
    let (_, v) = check(dir.path(), &["."]);
    for name in ["chain.form.yaml", "nested.form.yaml"] {
        let d = (v["diagnostics"].as_array().unwrap().iter())
            .filter(|d| d["path"].as_str().unwrap().ends_with(name))
            .map(|d| {
                (
                    d["code"].as_str().unwrap(),
                    d["message"].as_str().unwrap(),
                    d["line"].as_u64().unwrap(),
                )
            })
            .collect::<Vec<_>>();
        assert_eq!(
            d,
            [(
                "I010",
                "此处起的 YAML 有超过 150000 个值，又无法分成单张表读取，为控制内存未读取",
                1
            )],
            "{name}"
        );
    }
    let rows = codes_for(&v, "rows.form.yaml");
    assert!(rows.contains(&"S008".to_owned()), "{rows:?}");
    assert!(!rows.contains(&"I010".to_owned()), "{rows:?}");
    assert!(codes_for(&v, "good.txt").contains(&"F004".to_owned()));
    let files = v["files"].as_array().unwrap();
    let forms = |name: &str| {
        let f = files
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with(name));
        f.unwrap()["forms"].as_u64().unwrap()
    };
    assert_eq!(
        (forms("chain.form.yaml"), forms("nested.form.yaml")),
        (0, 0)
    );
    assert_eq!((forms("rows.form.yaml"), forms("good.txt")), (1, 1));
}
