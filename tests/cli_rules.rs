//! Rule packs from the command line: loading errors, selection, configuration, explanation,
//! tracing.

use serde_json::Value;
use std::process::Output;
mod common;
use common::{kpilint, CORPUS};

fn codes(out: &Output) -> Vec<String> {
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_owned())
        .collect()
}

const PACK: &str = "name: demo
title: 示例
rules:
  - code: X001
    name: total-positive
    severity: error
    summary: 总额应为正数
    rationale: 示例
    over: funds
    let:
      total: funds.total
    assert: funds.totl > 0
    message: 总额 {total} 元
    help: 填写金额
";

#[test]
fn a_broken_pack_is_reported_in_its_own_file_and_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-rules.yaml");
    std::fs::write(&pack, PACK).unwrap();
    let out = kpilint(&["check", "--rules", pack.to_str().unwrap(), CORPUS]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("R003"), "{text}");
    assert!(
        text.contains("my-rules.yaml:12:19"),
        "the label lands on `totl`: {text}"
    );
    assert!(text.contains("资金列没有字段“totl”"), "{text}");
    let out = kpilint(&["test-rules", pack.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("my-rules.yaml:12:19"),
        "test-rules shows the same load error: {text}"
    );
}

#[test]
fn select_ignore_and_severity() {
    let out = kpilint(&["check", "--format", "json", "--select", "V001", CORPUS]);
    let c = codes(&out);
    assert!(!c.is_empty() && c.iter().all(|x| x == "V001"), "{c:?}");
    assert_eq!(out.status.code(), Some(1), "V001 is an error");
    let out = kpilint(&[
        "check",
        "--format",
        "json",
        "--select",
        "V001",
        "--severity",
        "V001=warning",
        CORPUS,
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "demoted to a warning, nothing fails the run"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["severity"] == "warning"));
    let out = kpilint(&["check", "--format", "json", "--ignore", "V,S,K,C,D", CORPUS]);
    assert!(
        codes(&out).iter().all(|x| x.starts_with('F')),
        "only the funds pack is left"
    );
    let out = kpilint(&["check", "--select", "Z999", CORPUS]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Z999"));
}

#[test]
fn kpilint_toml_is_found_above_the_linted_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("kpilint.toml"),
        "select = [\"C001\"]\n[params.C001]\ntolerance = \"500%\"\n",
    )
    .unwrap();
    let forms = dir.path().join("forms");
    std::fs::create_dir(&forms).unwrap();
    std::fs::copy(CORPUS, forms.join("a.txt")).unwrap();
    // Without the file, C001 finds the one mismatch (25,056 元 against 31,200 元, 19.7%); with
    // a 500% tolerance, none.
    let plain = kpilint(&[
        "check",
        "--format",
        "json",
        "--no-config",
        "--select",
        "C001",
        forms.to_str().unwrap(),
    ]);
    assert_eq!(codes(&plain).len(), 1);
    let configured = kpilint(&["check", "--format", "json", forms.to_str().unwrap()]);
    assert_eq!(codes(&configured), Vec::<String>::new());
    std::fs::write(dir.path().join("kpilint.toml"), "selct = [\"C001\"]\n").unwrap();
    let bad = kpilint(&["check", forms.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("selct"));
}

/// A parameter or severity that would change nothing is refused, saying what was meant: a
/// misspelt parameter left C001's tolerance at 10% with no word, and `[severity] V` graded
/// nothing, since both are looked up by a rule's full code and a parameter's name.
#[test]
fn settings_that_would_change_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("kpilint.toml");
    let form = dir.path().join("a.txt");
    std::fs::copy("tests/fixtures/other_issuer_single_period.txt", &form).unwrap();
    for (text, says) in [
        (
            "[params.C001]\ntolerence = \"5%\"\n",
            "规则 C001 没有参数“tolerence”（它的参数：tolerance）",
        ),
        (
            "[params.C001]\ntolerance = \"五成\"\n",
            "规则 C001 的参数 tolerance 应为数值（默认 0.1），得到“五成”",
        ),
        (
            "[params.C]\ntolerance = \"5%\"\n",
            "参数须写在完整的规则代码下，如 [params.C001]（得到“C”）",
        ),
        (
            "[params.V001]\nfloor = 1\n",
            "规则 V001 没有参数（得到“floor”）",
        ),
        (
            "[severity]\nV = \"info\"\n",
            "严重程度须按完整的规则代码设置",
        ),
    ] {
        std::fs::write(&toml, text).unwrap();
        let out = kpilint(&["check", form.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        // Said with the file it is in.
        let said = format!("{}：{says}", toml.canonicalize().unwrap().display());
        assert!(err.contains(&said), "{text}: {err}");
    }
    // On the command line too, where no file is named.
    let out = kpilint(&[
        "check",
        "--no-config",
        "--severity",
        "V0=info",
        form.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("kpilint: 严重程度须按完整的规则代码设置"),
        "{err}"
    );
    // Written right, in any case, each takes effect: V020 is graded info and C001, with a
    // tolerance of 5% and floors as given, still runs.
    std::fs::write(
        &toml,
        "[severity]\nv020 = \"info\"\n[params.c001]\ntolerance = \"5%\"\n[params.V011]\nfloor = \"85%\"\n",
    )
    .unwrap();
    let out = kpilint(&["check", "--format", "json", form.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let v020 = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "V020")
        .expect("the fixture's 明显改善 is a direction only");
    assert_eq!(v020["severity"], "info");
}

#[test]
fn rules_lists_and_explains() {
    let out = kpilint(&["rules"]);
    let text = String::from_utf8(out.stdout).unwrap();
    for code in ["S003", "F001", "C001", "K001", "V001"] {
        assert!(text.contains(code), "{code} listed");
    }
    let out = kpilint(&["rules", "explain", "C001"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("财预〔2015〕88号"),
        "the rationale cites the regulation"
    );
    assert!(text.contains("参数：tolerance = 0.1"), "{text}");
    assert!(text.contains("会报告的写法"), "examples are shown");
    // The names the check reads are defined, and an example's rows read as the pack writes them.
    let text = String::from_utf8(kpilint(&["rules", "explain", "K001"]).stdout).unwrap();
    assert!(
        text.contains(
            "其中：\n    rows = filter(form.annual_rows, r => r.name != null and r.text != null)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("\n    rows:\n      - [年度, 数量指标, 培训人数, 32人]\n"),
        "{text}"
    );
    assert_eq!(
        kpilint(&["rules", "explain", "Q123"]).status.code(),
        Some(2)
    );
    // A code alone is explained, in any case; so is a reader's built-in check.
    let explained = kpilint(&["rules", "explain", "V001"]);
    assert_eq!(explained.status.code(), Some(0));
    assert_eq!(kpilint(&["rules", "v001"]).stdout, explained.stdout);
    let s003 = String::from_utf8(kpilint(&["rules", "S003"]).stdout).unwrap();
    assert!(
        s003.starts_with("S003  indicator-without-value  [error]\n"),
        "{s003}"
    );
    // A tool asks for the explanation as JSON: the same rule, field by field, and the
    // examples as the pack writes them.
    let out = kpilint(&["rules", "explain", "C001", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let rule: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rule["code"], "C001");
    assert_eq!(rule["pack"], "cost");
    assert_eq!(rule["over"], "form");
    assert_eq!(
        rule["params"]["tolerance"], "0.1",
        "a decimal, never a float"
    );
    assert!(rule["rationale"]
        .as_str()
        .unwrap()
        .contains("财预〔2015〕88号"));
    assert_eq!(
        rule["let"][0]["name"], "cost_rows",
        "the lets in their order"
    );
    let bad = rule["examples"]["bad"].as_array().unwrap();
    assert_eq!(bad[0]["rows"][1][3], "522元/人/月", "{bad:?}");
    assert_eq!(bad[0]["funds"]["annual"]["total"], 31200);
    assert!(!rule["examples"]["good"].as_array().unwrap().is_empty());
    let s003: serde_json::Value =
        serde_json::from_slice(&kpilint(&["rules", "S003", "--format", "json"]).stdout).unwrap();
    assert_eq!(
        (&s003["name"], &s003["pack"], &s003["severity"]),
        (
            &"indicator-without-value".into(),
            &serde_json::Value::Null,
            &"error".into()
        )
    );
    assert!(s003["help"].is_string(), "{s003}");
    // What is not a code, or `explain` without one, is said so, not listed.
    for (args, says) in [
        (&["rules", "Q123"][..], "没有规则 Q123"),
        (&["rules", "explain"][..], "需要一个规则代码"),
        (&["rules", "list", "V001"][..], "应为 explain"),
    ] {
        let out = kpilint(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains(says), "{args:?}: {err}");
    }
}

#[test]
fn trace_says_why_a_rule_was_silent() {
    let raw = std::fs::read_to_string(CORPUS).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let form = dir.path().join("one.txt");
    // Form 902: 12.5元/人 × 32人 = 400 元, exactly its annual funds.
    std::fs::write(
        &form,
        raw.lines()
            .skip(901)
            .take(31)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let out = kpilint(&["check", "--trace", "C001", form.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("C001 的逐表判断（1 处）"), "{text}");
    // Each line says where its item is: the file, and the line the form starts on.
    let title = format!("  {}:1 · 省级党员教育培训经费 · 整表：通过", form.display());
    assert!(text.contains(&title), "{text}");
    assert!(text.contains("total = 400"), "{text}");
    let out = kpilint(&["check", "--trace", "C004", form.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("不适用：when 不成立"),
        "C004 is for multi-part programmes only: {text}"
    );
    // A row's line is its own, so a row whose 三级指标 is blank can still be found.
    let out = kpilint(&["check", "--trace", "V006", form.to_str().unwrap()]);
    let text = String::from_utf8(out.stdout).unwrap();
    let cost = text
        .lines()
        .find(|l| l.contains("年度指标“人均培训成本”"))
        .unwrap_or_else(|| panic!("{text}"));
    let line: usize = cost
        .split(" · ")
        .next()
        .unwrap()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let source = std::fs::read_to_string(&form).unwrap();
    let row = source.lines().nth(line - 1).unwrap();
    assert!(
        row.contains("人均培训成本") && row.contains("12.5元/人"),
        "line {line}: {row}"
    );
}
