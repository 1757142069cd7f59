//! The canonical structured form (docs/forms.md) and `kpilint extract`: the disclosure
//! extracted to one file per form lints to the same findings as the disclosure itself; a
//! hand-written form is read with its Chinese field names and located to the character;
//! broken and hostile files give a diagnostic with a place.

mod common;

use common::{kpilint_in, CORPUS};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

fn check(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["check", "--format", "json", "--no-config"];
    all.extend_from_slice(args);
    let out = kpilint_in(Some(dir), &all);
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (out.status.code().unwrap(), v)
}

/// Findings about the forms (not the budget tables, which stay in the source, nor how the
/// text was laid out), counted by (code, form, message).
fn form_findings(v: &Value) -> BTreeMap<(String, String, String), usize> {
    let mut out = BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let code = d["code"].as_str().unwrap();
        if code.starts_with('D')
            || code.starts_with('I')
            || matches!(code, "S001" | "S005" | "S006" | "S007")
        {
            continue;
        }
        let key = (
            code.to_owned(),
            d["form"].as_str().unwrap_or("").to_owned(),
            d["message"].as_str().unwrap().to_owned(),
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

#[test]
fn the_extracted_disclosure_lints_to_the_same_findings() {
    let root = std::env::current_dir().unwrap();
    let (_, source) = check(&root, &[CORPUS]);
    let expected = form_findings(&source);
    assert!(expected.len() > 500, "the disclosure has its findings");
    for (to, ext) in [("yaml", "form.yaml"), ("json", "form.json")] {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("forms");
        let extract = || {
            kpilint_in(
                Some(&root),
                &[
                    "extract",
                    "--to",
                    to,
                    "-o",
                    out_dir.to_str().unwrap(),
                    CORPUS,
                ],
            )
        };
        let out = extract();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let files: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(files.len(), 224, "one file per form");
        assert!(files.iter().all(|f| f.ends_with(ext)));
        // Namesakes under different units do not overwrite each other.
        assert!(files.contains(&format!("遗属补助.{ext}")));
        assert!(files.contains(&format!("遗属补助-2.{ext}")));
        let (_, extracted) = check(dir.path(), &["forms"]);
        let found = form_findings(&extracted);
        let missing: Vec<_> = expected
            .keys()
            .filter(|k| !found.contains_key(*k))
            .collect();
        let extra: Vec<_> = found
            .keys()
            .filter(|k| !expected.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty() && found == expected,
            "{to}: missing {missing:#?}\nextra {extra:#?}"
        );
        // Extracting again into the same folder refuses to overwrite.
        let again = extract();
        assert_eq!(again.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&again.stderr).contains("已存在"));
    }
}

/// The Ministry's template splits funds into 财政拨款 and 其他资金, in either spelling of the
/// field: funds that add up draw no F001, funds that do not still do.
#[test]
fn funds_in_the_ministry_template_are_read_in_either_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let form = |funds: &str| {
        format!(
            "项目名称: 教育督导专项经费\n项目期: 1年\n资金:\n  年度: {funds}\n绩效指标:\n  - 年度: {{二级指标: 数量指标, 三级指标: 督导次数, 指标值: 4次}}\n"
        )
    };
    for (file, funds) in [
        (
            "zh.form.yaml",
            "{资金总额: 20000, 财政拨款: 20000, 其他资金: 0}",
        ),
        ("en.form.yaml", "{total: 20000, fiscal: 15000, other: 5000}"),
        ("off.form.yaml", "{total: 20000, fiscal: 15000, other: 0}"),
    ] {
        std::fs::write(dir.path().join(file), form(funds)).unwrap();
    }
    let (_, v) = check(dir.path(), &["."]);
    let f001: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "F001")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(f001.len(), 1, "{v:#}");
    assert!(f001[0].ends_with("off.form.yaml"), "{f001:?}");
}

/// The budget management system's sources, by their keys or their labels: 财政拨款 printed
/// above its parts is checked against them (F014), and parts without it add up to the total.
#[test]
fn sources_by_budget_are_read_in_either_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let form = |funds: &str| {
        format!(
            "项目名称: 教师培训\n资金:\n  年度: {funds}\n绩效指标:\n  - 年度: {{二级指标: 数量指标, 三级指标: 培训人数, 指标值: 500人}}\n"
        )
    };
    for (file, funds) in [
        (
            "zh.form.yaml",
            "{资金总额: 100, 财政拨款: 90, 一般公共预算: 70, 政府性基金预算: 10, 上年结转: 10}",
        ),
        (
            "en.form.yaml",
            "{total: 100, general: 80, government_fund: 5, state_capital: 5, special_account: 10}",
        ),
    ] {
        std::fs::write(dir.path().join(file), form(funds)).unwrap();
    }
    let (_, v) = check(dir.path(), &["."]);
    let funds: Vec<(&str, &str)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with('F'))
        .map(|d| (d["code"].as_str().unwrap(), d["path"].as_str().unwrap()))
        .collect();
    assert_eq!(funds.len(), 1, "{v:#}");
    assert_eq!(funds[0].0, "F014");
    assert!(funds[0].1.ends_with("zh.form.yaml"), "{funds:?}");
}

#[test]
fn a_hand_written_form_is_read_with_chinese_names_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
项目名称: 教育督导专项经费
主管部门: 051-阳泉市教育局
实施单位: 阳泉市教育局
项目属性: 一次性项目（1年结束）
项目期: 1年
资金:
  实施期: {资金总额: 20000, 中央: 0, 省级: 0, 市县: 20000, 单位自筹: 0}
  年度: {资金总额: 30000, 中央: 0, 省级: 0, 市县: 20000, 单位自筹: 0}
绩效指标:
  - 年度: {二级指标: 数量指标, 三级指标: 督导次数, 指标值: 4人/元}
";
    std::fs::write(dir.path().join("督导.form.yaml"), text).unwrap();
    let (_, v) = check(dir.path(), &["督导.form.yaml"]);
    let find = |code: &str| {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {v:#}"))
            .clone()
    };
    // 年度资金总额 30000 ≠ 各来源之和 20000: the label is on `30000`, line 8.
    let f001 = find("F001");
    assert_eq!(f001["line"], 8);
    let line8 = text.lines().nth(7).unwrap();
    let col = f001["column"].as_u64().unwrap() as usize;
    let at: String = line8.chars().skip(col - 1).take(5).collect();
    assert_eq!(at, "30000");
    // A reversed unit is underlined inside the value.
    let v001 = find("V001");
    assert_eq!(v001["line"], 10);
    assert_eq!(v001["form"], "教育督导专项经费");
}

/// `中期` is the Ministry's earlier word for 实施期 (财预〔2015〕88号): a hand-written form may use
/// it for the funds and for an indicator's half.
#[test]
fn midterm_is_the_implementation_period() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("维修.form.yaml");
    std::fs::write(
        &path,
        "\
项目名称: 校舍维修改造
资金:
  中期: {资金总额: 600, 财政拨款: 600}
  年度: {资金总额: 200, 财政拨款: 200}
绩效指标:
  - 中期: {二级指标: 数量指标, 三级指标: 维修学校数量, 指标值: 12所}
    年度: {二级指标: 数量指标, 三级指标: 维修学校数量, 指标值: 4所}
",
    )
    .unwrap();
    let ing = kpilint::ingest::read_path(&path);
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let f = &ing.document.forms[0];
    assert_eq!(f.funds_implementation.total.value, Some(600.into()));
    assert_eq!(f.funds_annual.total.value, Some(200.into()));
    let row = &f.indicators[0];
    let value = |h: Option<&kpilint::model::IndicatorHalf>| h.and_then(|h| h.value.value.clone());
    assert_eq!(value(row.implementation()).as_deref(), Some("12所"));
    assert_eq!(value(row.annual.as_ref()).as_deref(), Some("4所"));
}

/// A value written over several lines (in quotes, or folded with `>`) is read with its line
/// break folded into a space; a placeholder at its start is underlined where it is written,
/// not on the `指标值` key.
#[test]
fn a_placeholder_in_a_value_written_over_lines_is_underlined_where_written() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\
项目名称: 教育督导专项经费
绩效指标:
  - 年度:
      二级指标: 数量指标
      三级指标: 督导人次
      指标值: \"XX
        人次\"
  - 年度:
      二级指标: 成本指标
      三级指标: 督导经费
      指标值: >-
        XX
        万元
  - 年度:
      二级指标: 成本指标
      三级指标: 人均经费
      指标值: \"≥4
        人/元\"
  - 年度:
      二级指标: 成本指标
      三级指标: 生均经费
      指标值: ≥4人/元
";
    std::fs::write(dir.path().join("督导.form.yaml"), text).unwrap();
    let (_, v) = check(dir.path(), &["督导.form.yaml"]);
    let placed: Vec<_> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "V004")
        .map(|d| {
            let (line, col) = (d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap());
            let at = text.lines().nth(line as usize - 1).unwrap();
            let shown: String = at.chars().skip(col as usize - 1).take(2).collect();
            (line, shown, d["message"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        placed,
        [
            (
                6,
                "XX".into(),
                "年度指标“督导人次”的值“XX 人次”中留有占位符“XX”".into()
            ),
            (
                12,
                "XX".into(),
                "年度指标“督导经费”的值“XX 万元”中留有占位符“XX”".into()
            ),
        ]
    );
    // A part past the value's first word cannot be placed at a column the text has there: the
    // whole value is underlined, and the fix, which would write the value back on one line, is
    // not offered. Written on one line, the unit is underlined and the fix offered.
    let v001: Vec<_> = (v["diagnostics"].as_array().unwrap().iter())
        .filter(|d| d["code"] == "V001")
        .map(|d| {
            let place = |k: &str| d[k].as_u64().unwrap();
            let fix = d["fix"]["edits"][0]["text"].as_str().map(str::to_owned);
            let at = (place("line"), place("column"));
            (at, (place("end_line"), place("end_column")), fix)
        })
        .collect();
    assert_eq!(
        v001,
        [
            ((17, 13), (18, 12), None),
            ((22, 14), (22, 17), Some("元/人".into()))
        ]
    );
}

#[test]
fn broken_and_hostile_structured_files_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("syntax.form.yaml"), "name: 甲\nfunds: [\n  - 1\n").unwrap();
    std::fs::write(d.join("typo.form.yaml"), "name: 甲\nimplementing_unt: 乙\n").unwrap();
    std::fs::write(d.join("syntax.form.json"), "{\"name\": \"甲\",, }").unwrap();
    // Deep nesting and an alias bomb.
    std::fs::write(
        d.join("deep.form.yaml"),
        format!("name: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    std::fs::write(d.join("bomb.form.yaml"), common::alias_bomb("\"lol\"")).unwrap();
    let good = "name: 教育督导专项经费\nperiod: 1年\nattribute: 一次性项目（1年结束）\nfunds:\n  implementation: {total: 100}\n  annual: {total: 200}\n";
    std::fs::write(d.join("good.form.yaml"), good).unwrap();
    let started = std::time::Instant::now();
    let (code, v) = check(d, &["."]);
    assert!(started.elapsed().as_secs() < 30, "bounded time");
    assert_eq!(code, 2, "unreadable files make the run exit with 2");
    let by = |p: &str| -> Vec<(String, u64, String)> {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["path"].as_str().unwrap().ends_with(p))
            .map(|x| {
                (
                    x["code"].as_str().unwrap().to_owned(),
                    x["line"].as_u64().unwrap(),
                    x["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    assert!(
        by("good.form.yaml").iter().any(|(c, ..)| c == "F002"),
        "the good file is linted"
    );
    let syntax = by("syntax.form.yaml");
    assert!(
        syntax.iter().any(|(c, l, _)| c == "I009" && *l >= 2),
        "{syntax:?}"
    );
    assert!(by("syntax.form.json").iter().any(|(c, ..)| c == "I009"));
    let typo = by("typo.form.yaml");
    assert!(
        typo.iter()
            .any(|(c, l, m)| c == "I009" && *l == 2 && m.contains("implementing_unt")),
        "{typo:?}"
    );
    assert!(by("deep.form.yaml").iter().any(|(c, ..)| c == "I009"));
    assert!(by("bomb.form.yaml")
        .iter()
        .any(|(c, ..)| c.starts_with('I')));
}

/// A department form written by hand in the Ministry's terms: its 年度主要任务 are read as
/// amounts in the form's unit, and a task whose 总额 is not its sources' sum is found at that
/// 总额 (line 9, the 24th character), the tasks against 金额合计 (资金.年度) at its 资金总额
/// (line 5, the 14th).
#[test]
fn a_hand_written_task_table_is_added_up_and_located() {
    let dir = tempfile::tempdir().unwrap();
    let text = "类型: department\n部门名称: 某某县教育局\n金额单位: 万元\n资金:\n  年度: {资金总额: 4060, 财政拨款: 4060, 其他资金: 0}\n部门信息:\n  年度主要任务:\n    - {任务名称: 义务教育保障, 总额: 3200, 财政拨款: 3200, 其他资金: 0}\n    - {任务名称: 学生资助, 总额: 900, 财政拨款: 860, 其他资金: 0}\n";
    std::fs::write(dir.path().join("dept.form.yaml"), text).unwrap();
    let (_, v) = check(dir.path(), &["."]);
    let found: Vec<(&str, &str, u64, u64)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"].as_str().unwrap().starts_with('F'))
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["message"].as_str().unwrap(),
                d["line"].as_u64().unwrap(),
                d["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "F010",
                "年度主要任务各项之和与金额合计不符（各项之和 / 金额合计，万元）：总额 4100 / 4060",
                5,
                14
            ),
            (
                "F009",
                "任务“学生资助”总额 900 万元 ≠ 财政拨款与其他资金之和 860 万元（相差 40 万元）",
                9,
                24
            ),
        ],
        "{v:#}"
    );
}

/// In a file of several forms, every finding is shown in the form it is about: its place lies in
/// that form's lines, and the human report's 所在表 names that form. A field a form leaves out
/// was placed at the file's start, in the first form, or where the form before it ended.
#[test]
fn each_finding_of_a_list_of_forms_lies_in_its_own_form() {
    let dir = tempfile::tempdir().unwrap();
    let list = "\
- kind: project
  name: 甲
  funds: {implementation: {total: 100, local: 100}}
- kind: project
  name: 乙
  funds: {implementation: {total: [1, 2]}}
- kind: project
  name: 丙
  funds: {implementation: {total: 100, local: 100}}
";
    std::fs::write(dir.path().join("三表.form.yaml"), list).unwrap();
    let (_, v) = check(dir.path(), &["三表.form.yaml"]);
    let starts = [("甲", 1), ("乙", 4), ("丙", 7)];
    let mut per_form = BTreeMap::new();
    for d in v["diagnostics"].as_array().unwrap() {
        let form = d["form"]
            .as_str()
            .unwrap_or_else(|| panic!("no form: {d:#}"));
        let line = d["line"].as_u64().unwrap();
        let (_, first) = starts.iter().find(|(n, _)| *n == form).unwrap();
        assert!(
            (*first..first + 3).contains(&line),
            "{form} starts on line {first}; its finding is on line {line}: {d:#}"
        );
        *per_form.entry(form.to_owned()).or_insert(0) += 1;
    }
    // 乙's list where its total belongs is reported, in 乙.
    let i009: Vec<_> = common::findings(&v, "I009");
    assert_eq!(i009.len(), 1, "{v:#}");
    assert_eq!(
        (i009[0]["form"].as_str(), i009[0]["line"].as_u64()),
        (Some("乙"), Some(6))
    );
    assert_eq!(i009[0]["message"], "“total”应为金额，这里是列表");
    let human = kpilint_in(
        Some(dir.path()),
        &["check", "--no-config", "三表.form.yaml"],
    );
    let human = String::from_utf8(human.stdout).unwrap();
    for (name, first) in starts {
        assert_eq!(
            human
                .matches(&format!("所在表：{name}（第 {first} 行起）"))
                .count(),
            per_form[name],
            "{human}"
        );
    }
}
