//! Layouts of other issuers: other label spellings, a single 指标值 column, extra columns,
//! amounts declared in 万元. The fixture is written in the style of published county forms.

use kpilint::ingest;
use kpilint::model::{FormKind, GridLayout, MoneyUnit};
use rust_decimal::Decimal;
use std::path::Path;

#[test]
fn single_period_form_with_extra_columns() {
    let ing = ingest::read_path(Path::new("tests/fixtures/other_issuer_single_period.txt"));
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let d = &ing.document;
    assert_eq!(d.forms.len(), 1);
    let f = &d.forms[0];
    assert_eq!(f.kind, FormKind::Project);
    assert_eq!(
        f.name.value.as_deref(),
        Some("乡村道路养护"),
        "项目支出名称"
    );
    assert_eq!(f.period.value.as_deref(), Some("3年"), "项目期限");
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(
        f.funds_annual.total.value,
        Some(Decimal::new(1_205_000, 0)),
        "120.5 万元"
    );
    assert_eq!(f.funds_implementation.total.value, None, "no 实施期 column");
    assert_eq!(
        f.funds_annual.fiscal.value,
        Some(Decimal::new(1_205_000, 0)),
        "其中：财政拨款 120.5"
    );
    assert_eq!(f.grid_layout, GridLayout::SinglePeriod);
    assert_eq!(f.indicators.len(), 6);
    let first = f.indicators[0].annual.as_ref().unwrap();
    assert!(f.indicators.iter().all(|r| r.implementation.is_none()));
    assert_eq!(first.name.value.as_deref(), Some("养护里程"));
    assert_eq!(first.value.value.as_deref(), Some("35"));
    let extras: Vec<(&str, Option<&str>)> = first
        .extras
        .iter()
        .map(|(k, c)| (&**k, c.value.as_deref()))
        .collect();
    assert_eq!(
        extras,
        [
            ("指标性质", Some("≥")),
            ("计量单位", Some("公里")),
            ("权重", Some("20"))
        ]
    );
    let quality = f.indicators[4].annual.as_ref().unwrap();
    assert_eq!(quality.level2.value.as_deref(), Some("社会效益指标"));
    assert_eq!(quality.level1.value.as_deref(), Some("效益指标"));
    assert_eq!(f.sign_off.principal.value.as_deref(), Some("张三"));
    assert_eq!(f.sign_off.date.value.as_deref(), Some("2025-01-10"));
}

fn linter() -> kpilint::lint::Linter {
    kpilint::lint::Linter::new(kpilint::rules::RuleSet::builtin(), Default::default())
}

/// The code and message of each finding the built-in rules make in `path`.
fn messages(path: &Path) -> Vec<(String, String)> {
    let linted = linter().lint_path(path);
    (linted.report.diagnostics.iter())
        .map(|d| (d.code.to_string(), d.message.clone()))
        .collect()
}

/// The codes and 三级指标 of what the built-in rules find in `path`.
fn findings(path: &Path) -> Vec<(String, String)> {
    findings_by(&linter(), path)
}

/// [`findings`] by `linter`, which may remember rows that passed in an earlier file.
fn findings_by(linter: &kpilint::lint::Linter, path: &Path) -> Vec<(String, String)> {
    let linted = linter.lint_path(path);
    assert!(linted.rule_errors.is_empty(), "{:?}", linted.rule_errors);
    let text = &linted.report.document.text;
    linted
        .report
        .diagnostics
        .iter()
        .map(|d| (d.code.to_string(), text[d.primary.span.range()].to_owned()))
        .collect()
}

/// A form that prints each value's comparator and unit in columns of their own (指标性质,
/// 计量单位) is read as if they were written in the value's cell: `≤ | 3.4 | 万元/公里` is a cost
/// in money, `≥ | 90 | %` a percentage. Read alone, the bare numbers made every rule about
/// units fault the form for its layout (V006, V007, V009).
/// The Ministry's own template splits funds into 财政拨款 and 其他资金: the form's funds add up,
/// and F001 (sources vs total) has nothing to say. It once summed the five levelled sources
/// only, found 0 元, and called the form's total wrong.
#[test]
fn funds_of_the_ministry_template_add_up() {
    let found = findings(Path::new("tests/fixtures/other_issuer_single_period.txt"));
    assert!(
        !found.iter().any(|(code, _)| code.starts_with('F')),
        "{found:?}"
    );
}

#[test]
fn values_are_read_with_their_comparator_and_unit_columns() {
    // One linter for both files: a row it saw pass in the first is remembered, and a row with
    // the same text and other columns must not be taken for it in the second.
    let linter = linter();
    let found = findings_by(
        &linter,
        Path::new("tests/fixtures/other_issuer_single_period.txt"),
    );
    let about_units: Vec<_> = found
        .iter()
        .filter(|(code, _)| ["V003", "V006", "V007", "V008", "V009"].contains(&code.as_str()))
        .collect();
    assert!(about_units.is_empty(), "{about_units:?}");

    // A unit column that is wrong is still wrong: a cost in 公里, a satisfaction in 分, a
    // deadline that is a bare count of 个.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong_units.txt");
    let text = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt")
        .unwrap()
        .replace("3.4\t万元/公里", "3.4\t公里")
        .replace("90\t%", "90\t分")
        .replace("2025年12月\t \t", "3\t个\t");
    std::fs::write(&path, text).unwrap();
    // The messages quote the value as it was read, its unit from the unit column.
    let said: Vec<_> = messages(&path)
        .into_iter()
        .filter(|(code, _)| code == "V006" || code == "V009")
        .map(|(_, m)| m)
        .collect();
    assert_eq!(
        said,
        [
            "年度成本指标“每公里养护成本”的值“≤3.4公里”不是金额：应为金额（元、万元，或元/人等单价）",
            "年度满意度指标“群众满意度”的值“≥90分”不是百分比",
        ]
    );
    let mut found: Vec<_> = findings_by(&linter, &path)
        .into_iter()
        .filter(|(code, _)| code.starts_with('V'))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("V006".to_owned(), "3.4".to_owned()),
            ("V007".to_owned(), "3".to_owned()),
            ("V009".to_owned(), "90".to_owned()),
            // 明显改善 in its own 指标值 column, with no comparator or unit beside it.
            ("V020".to_owned(), "明显改善".to_owned()),
        ]
    );
    // The comparator and the unit quoted came from the columns: they are labelled there.
    let linted = linter.lint_path(&path);
    let text = &linted.report.document.text;
    let mut labels: Vec<_> = linted
        .report
        .diagnostics
        .iter()
        .filter(|d| d.code == "V006" || d.code == "V009")
        .map(|d| {
            let secondary: Vec<_> = d
                .secondary
                .iter()
                .map(|l| (text[l.span.range()].to_owned(), l.message.to_string()))
                .collect();
            (d.code.to_string(), secondary)
        })
        .collect();
    labels.sort();
    let label = |at: &str, what: &str| (at.to_owned(), what.to_owned());
    assert_eq!(
        labels,
        [
            (
                "V006".to_owned(),
                vec![label("≤", "指标性质"), label("公里", "计量单位")]
            ),
            (
                "V009".to_owned(),
                vec![label("≥", "指标性质"), label("分", "计量单位")]
            ),
        ]
    );
}

/// The one form of `path`, read without a finding of the reader's.
fn only_form(path: &Path) -> kpilint::model::Form {
    let mut ing = ingest::read_path(path);
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    assert_eq!(ing.document.forms.len(), 1);
    ing.document.forms.remove(0)
}

/// The Ministry's own 项目支出绩效目标表 template (财预〔2021〕101号): 主管部门及代码 with the
/// code in brackets, funds as 年度资金总额 = 财政拨款 + 其他资金, a 年度绩效目标 row instead of
/// 总体目标, one 指标值 column, and no 项目属性 or 项目期 rows. It once drew three false
/// findings: the code unread (K007), the goal unread (K008), and 项目属性 and 项目期 missing
/// (K004, an error).
#[test]
fn the_ministry_template_is_read_whole() {
    let path = Path::new("tests/fixtures/ministry_template_project.txt");
    let f = &only_form(path);
    assert_eq!(f.grid_layout, GridLayout::SinglePeriod);
    let dept = f.department.value.as_ref().unwrap();
    assert_eq!(
        (dept.code.as_deref(), dept.name.as_str()),
        (Some("201"), "某某县教育局")
    );
    assert_eq!(
        f.texts.goal_annual.value.as_deref(),
        Some("为全县农村义务教育阶段学生提供营养膳食补助，改善学生营养状况。")
    );
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(f.funds_annual.total.value, Some(Decimal::new(8_600_000, 0)));
    assert_eq!(
        f.funds_annual.fiscal.value,
        Some(Decimal::new(8_600_000, 0))
    );
    assert_eq!(f.indicators.len(), 7);
    // What is left are the two real slips: 元/人·天 written with a middle dot, and a benefit
    // whose value is a direction (持续改善), not a target.
    let found = findings(path);
    assert_eq!(
        found,
        [
            ("V013".to_owned(), "元/人·天".to_owned()),
            ("V020".to_owned(), "持续改善".to_owned())
        ]
    );
}

/// The Ministry's earlier template (财预〔2015〕88号) says 中期 where the disclosure says 实施期:
/// `中期资金总额`, `总体目标 | 中期目标（2025—2027年） | 年度目标` with the goals on the line
/// below, and a grid of `中期指标值` and `年度指标值`. The grid's 中期 column once went unread
/// (S005 on twelve cells, the implementation half empty) and the two column names were taken
/// for the goals themselves.
#[test]
fn the_ministry_midterm_template_is_read_whole() {
    let path = Path::new("tests/fixtures/ministry_template_midterm.txt");
    let f = &only_form(path);
    assert_eq!(f.grid_layout, GridLayout::TwoPeriods);
    assert_eq!(
        f.texts.goal_implementation.value.as_deref(),
        Some("三年内完成全市12所学校校舍维修改造，消除安全隐患。")
    );
    assert_eq!(
        f.texts.goal_annual.value.as_deref(),
        Some("完成4所学校校舍维修改造。")
    );
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(
        f.funds_implementation.total.value,
        Some(Decimal::new(6_000_000, 0))
    );
    assert_eq!(f.funds_annual.total.value, Some(Decimal::new(2_000_000, 0)));
    assert_eq!(f.indicators.len(), 6);
    let values =
        |half: fn(&kpilint::model::IndicatorRow) -> Option<&kpilint::model::IndicatorHalf>| {
            f.indicators
                .iter()
                .map(|r| half(r).and_then(|h| h.value.value.as_deref()).unwrap_or(""))
                .collect::<Vec<_>>()
        };
    assert_eq!(
        values(|r| r.implementation()),
        [
            "12所",
            "100%",
            "2027年10月底前",
            "≤400元/平方米",
            "全部消除",
            "≥95%"
        ]
    );
    assert_eq!(
        values(|r| r.annual.as_ref()),
        [
            "4所",
            "100%",
            "2025年10月底前",
            "≤400元/平方米",
            "有效降低",
            "≥95%"
        ]
    );
    // The one slip left: a year's benefit that states only a direction.
    assert_eq!(findings(path), [("V020".to_owned(), "有效降低".to_owned())]);
}

/// A county's form that names its year in the title (`2025年度项目支出绩效目标表`, no year
/// line), adds a 备注 column, and is signed by its 填报人. The year went unread, so a
/// deadline in the wrong year passed; 备注 was read as the value (`按计划`, V022) and the value
/// left unplaced (S005); and the sign-off line was read as an indicator row (V009 on
/// `填报日期：2025年1月10日`).
#[test]
fn a_year_in_the_title_a_remarks_column_and_a_filler() {
    let path = Path::new("tests/fixtures/other_issuer_titled_year.txt");
    let f = &only_form(path);
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(f.year.value, Some(2025));
    assert_eq!(
        &text[f.year.span.range()],
        "2025",
        "the year is underlined in the title"
    );
    assert_eq!(f.indicators.len(), 6);
    let rate = f.indicators[1].annual.as_ref().unwrap();
    assert_eq!(rate.value.value.as_deref(), Some("100%"));
    assert_eq!(&*rate.extras[0].0, "备注");
    assert_eq!(rate.extras[0].1.value.as_deref(), Some("按计划"));
    assert_eq!(f.sign_off.handler.value.as_deref(), Some("王五"));
    assert_eq!(f.sign_off.date.value.as_deref(), Some("2025年1月10日"));
    assert_eq!(
        findings(path),
        [
            ("K007".to_owned(), "某县教育局".to_owned()),
            ("V010".to_owned(), "2024年12月底前".to_owned()),
            ("V020".to_owned(), "明显提高".to_owned()),
        ]
    );
}

/// The budget management system's sources (一般公共预算, 政府性基金预算, 财政专户管理资金,
/// 单位资金, 上年结转) were not read at all: a total that did not add up passed, as F001 had
/// nothing to add. Where 财政拨款 is printed above its parts, the parts are checked against it
/// (F014) and not counted again in the total; where it is not, they are the sources.
#[test]
fn sources_by_budget_are_added_up() {
    let path = Path::new("tests/fixtures/other_issuer_budget_sources.txt");
    let ing = ingest::read_path(path);
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let text = &ing.document.text;
    let [first, second] = &ing.document.forms[..] else {
        panic!("two forms: {:?}", ing.document.forms.len());
    };
    let wan = |n: i64| Some(Decimal::from(n * 10_000));
    let a = &first.funds_annual;
    assert_eq!(
        [
            a.total.value,
            a.fiscal.value,
            a.general.value,
            a.government_fund.value
        ],
        [wan(100), wan(90), wan(70), wan(10)]
    );
    assert_eq!([a.carryover.value, a.other.value], [wan(10), wan(0)]);
    assert_eq!(&text[a.government_fund.span.range()], "10");
    let b = &second.funds_annual;
    assert_eq!(
        [
            b.general.value,
            b.government_fund.value,
            b.special_account.value,
            b.self_raised.value
        ],
        [wan(8), wan(2), wan(1), wan(0)]
    );
    assert_eq!(b.fiscal.value, None);
    assert_eq!(
        messages(path),
        [
            (
                "F014".to_owned(),
                "年度财政拨款 90 万元 ≠ 其中按预算划分的各项之和 80 万元（相差 10 万元）"
                    .to_owned()
            ),
            (
                "F001".to_owned(),
                "年度资金总额 12 万元 ≠ 各来源之和 11 万元（相差 1 万元）".to_owned()
            ),
        ]
    );
}

/// Funds printed across (`资金总额 | 财政拨款 | 其他资金` over a line of amounts) were not read,
/// so a total that did not add up passed; a total that does not name its period (`资金总额`)
/// on a form with one 指标值 column was taken for the implementation period's, and F005, an
/// error, asked for the year's; and a title over several years (`2024—2026年度…`) was budgeted
/// in its last, so V010 faulted a deadline in the first.
#[test]
fn funds_across_a_plain_total_and_a_title_over_years() {
    let path = Path::new("tests/fixtures/other_issuer_funds_across.txt");
    let ing = ingest::read_path(path);
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let text = &ing.document.text;
    let [across, down] = &ing.document.forms[..] else {
        panic!("two forms: {:?}", ing.document.forms.len());
    };
    assert_eq!(across.year.value, Some(2024));
    assert_eq!(&text[across.year.span.range()], "2024");
    let wan = |n: i64| Some(Decimal::from(n * 10_000));
    for (f, [total, fiscal, other]) in [(across, [100, 80, 10]), (down, [100, 80, 20])] {
        let a = &f.funds_annual;
        assert_eq!(
            [a.total.value, a.fiscal.value, a.other.value],
            [wan(total), wan(fiscal), wan(other)]
        );
        assert!(f.funds_implementation.total.value.is_none());
    }
    assert_eq!(&text[across.funds_annual.fiscal.span.range()], "80");
    assert_eq!(
        messages(path),
        [(
            "F001".to_owned(),
            "年度资金总额 100 万元 ≠ 各来源之和 90 万元（相差 10 万元）".to_owned()
        )]
    );
}

/// Labels printed short (`产出 | 数量`, `满意度 | 服务对象满意度`) were read as names: every row
/// of the grid lost its labels, and K001 (an error) reported all four 产出 categories missing.
/// They are labels in a grid that prints `产出`, or in a column its header names; `满意度`
/// before a value is still the indicator's name.
#[test]
fn short_labels_are_labels() {
    let path = Path::new("tests/fixtures/other_issuer_short_labels.txt");
    let ing = ingest::read_path(path);
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let labelled = |f: &kpilint::model::Form| -> Vec<(String, String, String)> {
        f.indicators
            .iter()
            .map(|r| {
                let h = r.annual.as_ref().unwrap();
                (
                    h.level1.value.as_deref().unwrap_or("").to_owned(),
                    h.level2.value.as_deref().unwrap_or("").to_owned(),
                    h.name.value.as_deref().unwrap_or("").to_owned(),
                )
            })
            .collect()
    };
    let owned = |rows: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        rows.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    };
    let expected = [
        ("产出指标", "数量指标", "培训人数"),
        ("产出指标", "质量指标", "培训合格率"),
        ("产出指标", "时效指标", "完成时间"),
        ("产出指标", "成本指标", "人均培训成本"),
        ("效益指标", "社会效益指标", "课堂教学评价优良率"),
        ("满意度指标", "服务对象满意度指标", "满意度"),
    ];
    let [by_tokens, by_columns] = &ing.document.forms[..] else {
        panic!("two forms: {:?}", ing.document.forms.len());
    };
    assert_eq!(labelled(by_tokens), owned(&expected));
    let mut expected = expected;
    expected[5].2 = "参训教师满意度";
    assert_eq!(labelled(by_columns), owned(&expected));
    assert_eq!(messages(path), []);
}

/// The Ministry's 部门（单位）整体支出绩效目标表: 部门（单位）名称 with no code, a table of
/// 年度主要任务 with their amounts, 年度总体目标 and 年度绩效指标. Its name and goal were not
/// read, and K007 asked the department for a code the template does not print.
#[test]
fn the_ministry_department_template_is_read_whole() {
    let path = Path::new("tests/fixtures/ministry_template_department.txt");
    let f = &only_form(path);
    assert_eq!(f.kind, FormKind::Department);
    assert_eq!(f.name.value.as_deref(), Some("某某县教育局"));
    let section = f.department_section.as_ref().unwrap();
    assert_eq!(
        section.annual_goal.value.as_deref(),
        Some("保障全县义务教育学校正常运转，落实学生资助政策。")
    );
    // The task table is amounts, in 元 (the table says 万元), and its 金额合计 row is the
    // department's budget for the year.
    let tasks: Vec<_> = section
        .tasks
        .iter()
        .map(|t| {
            (
                t.name.value.as_deref().unwrap(),
                t.content.value.as_deref().unwrap(),
                t.total.value.unwrap(),
                t.fiscal.value.unwrap(),
                t.other.value.unwrap(),
            )
        })
        .collect();
    let wan = |n: i64| Decimal::new(n * 10_000, 0);
    assert_eq!(
        tasks,
        [
            (
                "义务教育保障",
                "保障义务教育学校正常运转",
                wan(3200),
                wan(3200),
                wan(0)
            ),
            (
                "学生资助",
                "落实各项学生资助政策",
                wan(860),
                wan(860),
                wan(0)
            ),
        ]
    );
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(f.funds_annual.total.value, Some(wan(4060)));
    assert_eq!(f.funds_annual.fiscal.value, Some(wan(4060)));
    assert_eq!(f.funds_annual.other.value, Some(wan(0)));
    assert_eq!(
        section.key_tasks.value.as_deref(),
        Some("义务教育保障：保障义务教育学校正常运转；学生资助：落实各项学生资助政策")
    );
    assert_eq!(f.indicators.len(), 6);
    // What is left is a real slip: a cost written as a lower bound.
    let found = findings(path);
    assert_eq!(found, [("C003".to_owned(), "≥".to_owned())]);
}

/// The Ministry's department template's task table is money an auditor adds up: each task's
/// 总额 is its 财政拨款 plus 其他资金 (F009), the tasks add up to 金额合计 column by column
/// (F010), and 金额合计 is itself a total of its sources (F001). Messages speak 万元, as the
/// table does.
#[test]
fn the_ministry_department_task_table_is_added_up() {
    let lint = |from: &str, to: &str| {
        let text = std::fs::read_to_string("tests/fixtures/ministry_template_department.txt")
            .unwrap()
            .replace(from, to);
        assert!(text.contains(to));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("department.txt");
        std::fs::write(&path, &text).unwrap();
        let linted = linter().lint_path(&path);
        linted
            .report
            .diagnostics
            .iter()
            .filter(|d| d.code != "C003")
            .map(|d| {
                (
                    d.code.to_string(),
                    d.message.clone(),
                    text[d.primary.span.range()].to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // 学生资助 860 ≠ 800 + 0, and 金额合计 says 4000 (= 4000 + 0) where the tasks add to 4060.
    assert_eq!(
        lint(
            "\t860\t860\t0\n金额合计\t\t\t4060\t4060\t0",
            "\t860\t800\t0\n金额合计\t\t\t4000\t4000\t0"
        ),
        [
            (
                "F009".to_owned(),
                "任务“学生资助”总额 860 万元 ≠ 财政拨款与其他资金之和 800 万元（相差 60 万元）"
                    .to_owned(),
                "860".to_owned()
            ),
            (
                "F010".to_owned(),
                "年度主要任务各项之和与金额合计不符（各项之和 / 金额合计，万元）：总额 4060 / 4000"
                    .to_owned(),
                "4000".to_owned()
            ),
        ]
    );
    // 金额合计 4060 is not its 财政拨款 4000 plus 其他资金 0, which its tasks' columns are.
    assert_eq!(
        lint(
            "\t860\t860\t0\n金额合计\t\t\t4060\t4060\t0",
            "\t860\t800\t60\n金额合计\t\t\t4060\t4000\t0"
        ),
        [
            (
                "F001".to_owned(),
                "年度资金总额 4060 万元 ≠ 各来源之和 4000 万元（相差 60 万元）".to_owned(),
                "4060".to_owned()
            ),
            (
                "F010".to_owned(),
                "年度主要任务各项之和与金额合计不符（各项之和 / 金额合计，万元）：其他资金 60 / 0"
                    .to_owned(),
                "4060".to_owned()
            ),
        ]
    );
    // 义务教育保障's 总额 left blank: its sources say 3200, and the blank cell is underlined
    // where the amount belongs; the tasks' 总额 column then falls short of 金额合计.
    assert_eq!(
        lint("\t3200\t3200\t0", "\t\t3200\t0"),
        [
            (
                "F009".to_owned(),
                "任务“义务教育保障”总额未填写，财政拨款与其他资金之和为 3200 万元".to_owned(),
                String::new()
            ),
            (
                "F010".to_owned(),
                "年度主要任务各项之和与金额合计不符（各项之和 / 金额合计，万元）：总额 860 / 4060"
                    .to_owned(),
                "4060".to_owned()
            ),
        ]
    );
}

/// A department form's header is its 部门（单位）名称 and its 年度（总体）绩效目标: left blank,
/// each is reported where it belongs (K004, K008), and the report names the form as a
/// department without a name, not as a project.
#[test]
fn a_department_form_without_its_name_or_goal_is_reported() {
    let text = std::fs::read_to_string("tests/fixtures/ministry_template_department.txt")
        .unwrap()
        .replace("部门（单位）名称\t某某县教育局", "部门（单位）名称\t")
        .replace(
            "年度总体目标\t保障全县义务教育学校正常运转，落实学生资助政策。",
            "年度总体目标\t",
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("department.txt");
    std::fs::write(&path, &text).unwrap();
    let linted = linter().lint_path(&path);
    let all = linted.report.diagnostics.to_vec();
    let found: Vec<(&str, &str, usize)> = all
        .iter()
        .filter(|d| d.code != "C003")
        .map(|d| {
            let at = d.primary.span.start();
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            (d.code.as_str(), d.message.as_str(), at - line_start)
        })
        .collect();
    // Both underlines sit just after their label's tab, in the cell left blank.
    assert_eq!(
        found,
        [
            ("K004", "表头缺少部门名称", "部门（单位）名称\t".len()),
            ("K008", "年度绩效目标未填写", "年度总体目标\t".len()),
        ]
    );
    let report = kpilint::output::human::render(
        &[linted.report],
        kpilint::output::human::Style {
            color: false,
            width: 100,
        },
    );
    assert!(
        report.contains("所在表：（无部门名称）（第 1 行起）"),
        "{report}"
    );
}

/// Where a form prints the unit in a column of its own, that column must be filled
/// (R-COMPARATOR): with it blank, the value is a bare number, and V024 says so on the number.
#[test]
fn a_blank_unit_column_leaves_a_number_without_a_unit() {
    let text = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt")
        .unwrap()
        .replace("\t35\t公里\t20", "\t35\t\t20");
    assert!(text.contains("\t35\t\t20"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("single_period.txt");
    std::fs::write(&path, &text).unwrap();
    let linted = linter().lint_path(&path);
    let all = linted.report.diagnostics.to_vec();
    let found: Vec<(&str, &str, &str)> = all
        .iter()
        .filter(|d| d.code == "V024")
        .map(|d| {
            (
                d.code.as_str(),
                d.message.as_str(),
                &text[d.primary.span.range()],
            )
        })
        .collect();
    assert_eq!(
        found,
        [("V024", "年度数量指标“养护里程”的指标值“≥35”没有单位", "35")]
    );
}

/// Forms without a unit column often state the unit in the indicator's name (`执行率（%）`,
/// `受益学生人数（人）`) and write a bare number as the value: the value is read with that unit,
/// as it is with a unit column. Read alone, the bare numbers were each a number without a unit
/// (V024), a rate that is not a percentage (V022), a cost that is not money (V006).
#[test]
fn a_unit_stated_in_the_name_is_the_value_s_unit() {
    let template = std::fs::read_to_string("tests/fixtures/ministry_template_project.txt").unwrap();
    let with_units = |value_of_rate: &str, satisfaction: &str| {
        let text = template
            .replace("受益学生人数\t≥17200人", "受益学生人数（人）\t≥17200")
            .replace(
                "补助标准执行率\t100%",
                &format!("补助标准执行率（%）\t{value_of_rate}"),
            )
            .replace("生均补助标准\t5元/人·天", "生均补助标准(元/人·天)\t5")
            .replace(
                "学生家长满意度\t≥90%",
                &format!("学生家长满意度（%）\t{satisfaction}"),
            );
        assert_eq!(
            text.matches('（').count(),
            template.matches('（').count() + 3
        );
        text
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("units_in_names.txt");
    std::fs::write(&path, with_units("100", "≥90")).unwrap();
    // One linter for this file and the next: a `≥90` it saw pass as `≥90%` under
    // 学生家长满意度（%） must not pass for a `≥90` under a name that states no unit.
    let linter = linter();
    let about_values: Vec<_> = findings_by(&linter, &path)
        .into_iter()
        .filter(|(code, _)| code.starts_with('V') && code != "V020")
        .collect();
    assert!(about_values.is_empty(), "{about_values:?}");
    let bare = dir.path().join("bare_satisfaction.txt");
    std::fs::write(
        &bare,
        with_units("100", "≥90").replace("学生家长满意度（%）", "学生家长满意度"),
    )
    .unwrap();
    assert!(
        findings_by(&linter, &bare).contains(&("V009".to_owned(), "≥90".to_owned())),
        "a bare ≥90 under a name without its unit is not a percentage"
    );

    // A rate in words is still not a percentage, and a satisfaction capped with ≤ is still
    // capped: the satisfaction's finding quotes the value with the name's unit and labels it.
    let text = with_units("应补尽补", "≤90");
    std::fs::write(&path, &text).unwrap();
    let linted = linter.lint_path(&path);
    let all = linted.report.diagnostics.to_vec();
    let found: Vec<_> = all
        .iter()
        .filter(|d| d.code != "V020")
        .map(|d| {
            let secondary: Vec<_> = (d.secondary.iter())
                .map(|l| (&text[l.span.range()], &*l.message))
                .collect();
            (
                d.code.as_str(),
                d.message.as_str(),
                &text[d.primary.span.range()],
                secondary,
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (
                "V022",
                "年度质量指标“补助标准执行率（%）”是比率，指标值“应补尽补”却不是百分比",
                "应补尽补",
                vec![]
            ),
            (
                "V021",
                "年度服务对象满意度指标“学生家长满意度（%）”写作“≤90%”：越高越好的指标，写“≤”只限定了上限",
                "≤",
                vec![("学生家长满意度（%）", "名称写明单位“%”")]
            ),
        ]
    );
}
