//! Recall and precision of the default packs on the real disclosure.
//!
//! `DEFECTS` is an auditor's list, made by reading the file: each entry is a real defect a
//! reader can confirm on the printed line. `NOT_DEFECTS` are places that look suspicious to a
//! naive checker but are correct, and must stay silent.

use kpilint::cli::lint_file;
use std::collections::BTreeSet;
use std::path::Path;

/// (line, code, what the form says there)
const DEFECTS: &[(u32, &str, &str)] = &[
    (
        882,
        "V020",
        "部门整体表：社会效益“减轻贫困生家庭经济负担”写“有效减轻”，无从考核",
    ),
    (
        909,
        "F004",
        "一年期项目：实施期省级 400 元，年度却是市县 400 元",
    ),
    (1197, "S003", "错行：年度“工作人员人数”的值掉出了表格"),
    (
        2106,
        "F003",
        "一年期项目：实施期 2,990,000 元，年度 650,000 元",
    ),
    (2721, "C003", "成本指标写作“≥5万元/年”"),
    (3553, "F003", "一年期项目：实施期 210,000 元，年度 0 元"),
    (3777, "K012", "实施期总体目标空白，年度目标已填写"),
    (4298, "V014", "“初中寄宿学生每生每年1500元，非寄”被截断"),
    (4729, "V015", "“有效提高 有效提高”"),
    (4909, "V010", "2025 年的表，年度补助时间写“2024年底前”"),
    (5153, "S006", "指标表整体错位，一级指标写成“其他指标”"),
    (5712, "V015", "“提升提升”"),
    (5741, "F007", "一年期项目：实施期“2024年底”，年度“2025年底”"),
    (5941, "V022", "“学生资助率”写“应助尽助”，不是百分比"),
    (6008, "V023", "“教师培训人数”写“≥12个”"),
    (6089, "V022", "“验收合格率”写“符合国家标准”，不是百分比"),
    (6262, "V010", "年度支付完成时间“2024年底前”"),
    (
        6298,
        "V020",
        "社会效益“激励校领导创业发展”写“激励”，无从考核",
    ),
    (
        6427,
        "C001",
        "遗属补助 522元/人/月 × 4人 × 12 个月 = 25,056 元，年度资金 31,200 元，别无其他成本",
    ),
    (6815, "V012", "“100百分比”"),
    (7046, "V004", "“2025年XX月XX日-XX月XX日”"),
    (7050, "V003", "“100保障”"),
    (7081, "V003", "“100胜任”"),
    (7398, "V017", "“≥12次年”"),
    (7460, "V012", "“提高100%”"),
    (
        7649,
        "F003",
        "一年期项目：实施期 300,000 元，年度 10,000 元",
    ),
    (7736, "V015", "“按季度发行按季度发行”"),
    (7788, "K004", "实施单位未填"),
    (7791, "F005", "年度资金总额空白"),
    (7829, "F005", "年度资金总额空白"),
    (7846, "V021", "验收合格率写“≤100%”：任何结果都满足"),
    (7869, "F005", "年度资金总额空白"),
    (7902, "F005", "年度资金总额空白"),
    (7936, "K006", "项目属性“次性项目(1年结束)”少了“一”"),
    (8004, "K005", "项目期“2025年01367”"),
    (8172, "K006", "项目属性“次年项目（1年结束）”"),
    (8363, "V001", "学费“4000人/元/年”"),
    (8369, "K009", "联系电话“1. 3204E+10”"),
    (
        8395,
        "F007",
        "一年期项目：受资助学生实施期 12 人，年度 26 人",
    ),
    (8398, "V001", "标准“1000人/元/学期”"),
    (8430, "F007", "“应助尽助”与“应驻尽助”"),
    (8432, "V001", "助学金“1000人/元/学期”"),
    (8499, "V001", "助学金“1000人/元/学期”"),
];

/// (line, code, why it is fine)
const NOT_DEFECTS: &[(u32, &str, &str)] = &[
    (926, "C001", "12.5元/人 × 32人 = 400 元，正是年度资金"),
    (
        1284,
        "V020",
        "可持续影响“长期”说的是影响的期限，不是一个方向",
    ),
    (1867, "V020", "“政策保障机制健全”写“健全”：健全与否可以判定"),
    (993, "V013", "“1240元/生/年”已用“/”分隔"),
    (
        1080,
        "F001",
        "来源写作“市县(区)财政资金”（半角括号），903,000 元正是总额",
    ),
    (4138, "V015", "“每生每年”不是重复"),
    (4686, "V017", "“逐月发放”不需要“/”"),
    (7597, "C001", "按天计的考务费不能乘以一年的天数"),
    (
        1166,
        "C001",
        "“老师测评费 100元/人/场次”按测评老师每场计，不能乘以 1,500 名考生；老师人数和场次未写",
    ),
    (
        1896,
        "C001",
        "每月发放标准 494元/人 × 1人 × 12 个月 + 取暖费 3,920元/年 = 9,848 元，与年度资金 9,900 元相符",
    ),
    (3888, "F007", "成本行与数量行同名，但不是同一指标"),
    (960, "F007", "年度值“按照财政预算评审价”只是实施期值被截断"),
    (
        856,
        "F011",
        "部门表按资金来源：46,124.51 + 8,172.14 = 54,296.65 万元",
    ),
    (
        856,
        "F012",
        "部门表按资金方向：38,050.58 + 16,246.07 = 54,296.65 万元",
    ),
    (856, "F013", "两个合计都是 54,296.65 万元"),
    (
        865,
        "K011",
        "部门表的年度绩效目标写的是当年目标，不是部门职责",
    ),
];

fn findings() -> BTreeSet<(u32, String)> {
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    report
        .diagnostics
        .iter()
        .map(|d| {
            (
                doc.line_col(d.primary.span.start()).line,
                d.code.to_string(),
            )
        })
        .collect()
}

#[test]
fn finds_every_defect_on_the_auditors_list() {
    let found = findings();
    let missed: Vec<String> = DEFECTS
        .iter()
        .filter(|(line, code, _)| !found.contains(&(*line, (*code).to_owned())))
        .map(|(line, code, what)| format!("{line} {code}: {what}"))
        .collect();
    assert!(
        missed.is_empty(),
        "missed real defects:\n{}",
        missed.join("\n")
    );
}

#[test]
fn stays_silent_where_the_form_is_right() {
    let found = findings();
    let false_alarms: Vec<String> = NOT_DEFECTS
        .iter()
        .filter(|(line, code, _)| found.contains(&(*line, (*code).to_owned())))
        .map(|(line, code, why)| format!("{line} {code}: {why}"))
        .collect();
    assert!(
        false_alarms.is_empty(),
        "false alarms:\n{}",
        false_alarms.join("\n")
    );
}

#[test]
fn errors_are_only_for_what_an_auditor_would_send_back() {
    // Every error-level finding belongs to a rule whose defects a unit must correct.
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let found = report.diagnostics.to_vec();
    let codes: BTreeSet<&str> = found
        .iter()
        .filter(|d| d.severity == kpilint::diagnostics::Severity::Error)
        .map(|d| d.code.as_str())
        .collect();
    let expected: BTreeSet<&str> = [
        "C002", "D023", "F003", "F004", "F005", "K001", "K004", "K005", "S003", "V001", "V004",
    ]
    .into_iter()
    .collect();
    assert_eq!(codes, expected);
}

/// The department form's 年度预算情况 adds up, and each way it could fail to is found on its
/// 合计 (line 856) in 万元, as the form prints it: a source changed by a cent (F011), a
/// direction by 0.63 万元 (F012), and a 合计 of one side (F013).
#[test]
fn the_department_budget_is_added_up() {
    let text = std::fs::read_to_string("tests/corpus/000_cb0bcf906edd3817.txt").unwrap();
    let lint = |from: &str, to: &str| -> Vec<(u32, String, String)> {
        assert_eq!(text.matches(from).count(), 1, "{from}");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("disclosure.txt");
        std::fs::write(&path, text.replace(from, to)).unwrap();
        let report = lint_file(&path);
        let doc = &report.document;
        report
            .diagnostics
            .iter()
            .filter(|d| matches!(d.code.as_str(), "F011" | "F012" | "F013"))
            .map(|d| {
                (
                    doc.line_col(d.primary.span.start()).line,
                    d.code.to_string(),
                    d.message.clone(),
                )
            })
            .collect()
    };
    let at = |code: &str, message: &str| (856, code.to_owned(), message.to_owned());
    assert_eq!(
        lint(
            "其中:一般公共预算资金\t46124.51",
            "其中:一般公共预算资金\t46124.50"
        ),
        [at(
            "F011",
            "按资金来源划分的合计 54,296.65 万元 ≠ 各来源之和 54,296.64 万元（相差 0.01 万元）"
        )]
    );
    assert_eq!(
        lint("项目支出\t16246.07", "项目支出\t16246.70"),
        [at(
            "F012",
            "按资金方向划分的合计 54,296.65 万元 ≠ 各方向之和 54,297.28 万元（相差 0.63 万元）"
        )]
    );
    // Both sides' parts still add up to their own 合计; only the two 合计 differ.
    assert_eq!(
        lint(
            "合 计\t54296.65\t合 计\t54296.65\n\t其中:一般公共预算资金\t46124.51",
            "合 计\t54296.66\t合 计\t54296.65\n\t其中:一般公共预算资金\t46124.52"
        ),
        [at(
            "F013",
            "按资金来源划分的合计 54,296.66 万元 ≠ 按资金方向划分的合计 54,296.65 万元"
        )]
    );
}

/// A finding about a unit underlines the unit (`个` of `≥12个` under 教师培训人数), as a finding
/// about a comparator underlines the comparator; a value wrong as a whole (`100%` as a cost)
/// is underlined whole.
#[test]
fn a_finding_about_a_unit_underlines_the_unit() {
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    let underlined = |line: u32, code: &str| -> Vec<&str> {
        (report.diagnostics.iter())
            .filter(|d| d.code == code && doc.line_col(d.primary.span.start()).line == line)
            .map(|d| &doc.text[d.primary.span.range()])
            .collect()
    };
    assert_eq!(underlined(6008, "V023"), ["个", "个"]);
    assert_eq!(underlined(5149, "V006"), ["100%", "100%"]);
    assert_eq!(underlined(6328, "V006"), ["学费收入的75%", "学费收入的75%"]);
}

/// A row's two halves (实施期 and 年度) sit on one line: a finding on each must say which it
/// is about, or a list of findings (JSON, an editor's problem list) shows the same line twice
/// with the same words. On the disclosure both halves of line 5149 have `100%` as a cost and
/// both of line 5152 `2025年底前` as a satisfaction.
#[test]
fn findings_on_one_line_never_say_the_same_thing_twice() {
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    let mut seen = BTreeSet::new();
    for d in report.diagnostics.iter() {
        let line = doc.line_col(d.primary.span.start()).line;
        assert!(
            seen.insert((line, d.code.to_string(), d.message.to_string())),
            "line {line}: {} {} twice",
            d.code,
            d.message
        );
    }
    let on = |line: u32, code: &str| -> BTreeSet<String> {
        (report.diagnostics.iter())
            .filter(|d| d.code == code && doc.line_col(d.primary.span.start()).line == line)
            .map(|d| d.message.to_string())
            .collect()
    };
    assert_eq!(
        on(5152, "V009"),
        BTreeSet::from(["实施期", "年度"].map(|p| format!(
            "{p}满意度指标“校本教材和人才培养方案完成时间”的值“2025年底前”不是百分比"
        )))
    );
}

/// `14万` as a 成本指标 (line 6227, both halves) is an amount whose 元 was left off: the finding
/// says the unit is missing, where `按合同价` is told it is no amount at all.
#[test]
fn a_bare_number_as_a_cost_is_told_its_unit_is_missing() {
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    let on = |line: u32| -> Vec<String> {
        (report.diagnostics.iter())
            .filter(|d| d.code == "V006" && doc.line_col(d.primary.span.start()).line == line)
            .map(|d| d.message.to_string())
            .collect()
    };
    assert_eq!(
        on(6227),
        ["实施期", "年度"].map(|p| format!(
            "{p}成本指标“发放标准”的值“14万”只有数字，没有货币单位：应为金额（元、万元，或元/人等单价）"
        ))
    );
    let by_contract = on(3323);
    assert!(!by_contract.is_empty());
    for m in by_contract {
        assert!(m.contains("“按合同价”不是金额："), "{m}");
    }
}

/// A money amount under 时效指标 or 数量指标 is most often a cost row under the wrong label (on
/// line 1560 a merged 时效指标 cell runs on over the 资助标准 row): the finding says it is an
/// amount and where costs go. A value that is not money (`及时`) is told only what it should be.
#[test]
fn an_amount_under_the_wrong_label_is_named_as_one() {
    let report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    let message = |line: u32, code: &str| -> Vec<String> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.code == code && doc.line_col(d.primary.span.start()).line == line)
            .map(|d| d.message.clone())
            .collect()
    };
    let cost = message(1560, "V007");
    assert_eq!(cost.len(), 2, "both halves: {cost:?}");
    for m in &cost {
        assert!(
            m.contains("“2000元/年/生”") && m.ends_with("；这是金额，成本应列在成本指标下"),
            "{m}"
        );
    }
    let timely = message(1559, "V007");
    assert!(!timely.is_empty());
    for m in &timely {
        assert!(m.contains("“及时”") && !m.contains("金额"), "{m}");
    }
}

/// A rate whose period only the name states (`每月发放标准` `494元/人`) is multiplied by it, and
/// the finding says where the 12 came from: the value itself shows no month. On the disclosure
/// the form's 取暖费 row pays for the rest of the funds (line 1897); without it, the rate alone
/// is measured against them.
#[test]
fn a_period_the_name_states_is_named_in_the_finding() {
    let text = std::fs::read_to_string("tests/corpus/000_cb0bcf906edd3817.txt").unwrap();
    let heating = "\t取暖费\t\t3920元/年\t取暖费\t\t3920元/年\t\n";
    assert_eq!(text.matches(heating).count(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("disclosure.txt");
    std::fs::write(&path, text.replace(heating, "")).unwrap();
    let report = lint_file(&path);
    let doc = &report.document;
    let found = report.diagnostics.to_vec();
    let c001: Vec<&str> = found
        .iter()
        .filter(|d| d.code == "C001" && doc.line_col(d.primary.span.start()).line == 1896)
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(
        c001,
        ["每月发放标准 494元/人 × 发放遗属补助人数 1人 × 12 期（名称写明按月） = 5928 元，与年度资金总额 9900 元相差 40.1%"]
    );
}
