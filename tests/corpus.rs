//! The real disclosure (阳泉市教育局 2025年度部门预算公开), read end to end.
//!
//! Expected values were read off the text file itself (line numbers given), not copied
//! from kpilint's output.

use kpilint::ingest;
use kpilint::model::{Document, Form, FormKind, GridLayout, IndicatorHalf, MoneyUnit};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;
use std::sync::OnceLock;

const CORPUS: &str = "tests/corpus/000_cb0bcf906edd3817.txt";

fn doc() -> &'static Document {
    static DOC: OnceLock<Document> = OnceLock::new();
    DOC.get_or_init(|| ingest::read_path(Path::new(CORPUS)).document)
}

fn dec(s: &str) -> Option<Decimal> {
    Some(Decimal::from_str(s).unwrap())
}

fn line(doc: &Document, offset: usize) -> u32 {
    doc.line_col(offset).line
}

/// The form whose title is on `title_line`.
fn form_at(title_line: u32) -> &'static Form {
    let d = doc();
    d.forms
        .iter()
        .find(|f| line(d, f.span.start()) == title_line)
        .unwrap_or_else(|| panic!("no form titled on line {title_line}"))
}

fn text(c: &kpilint::model::Cell<impl AsRef<str>>) -> Option<&str> {
    c.value.as_ref().map(AsRef::as_ref)
}

/// The indicator row printed on `at`.
fn row(f: &Form, at: u32) -> &kpilint::model::IndicatorRow {
    let d = doc();
    f.indicators
        .iter()
        .find(|r| line(d, r.span.start()) == at)
        .unwrap_or_else(|| panic!("no indicator row on line {at}"))
}

fn half(h: Option<&IndicatorHalf>) -> (Option<&str>, Option<&str>, Option<&str>) {
    let h = h.expect("half present");
    (text(&h.level2), text(&h.name), text(&h.value))
}

#[test]
fn counts_every_form_once() {
    let d = doc();
    let projects = d
        .forms
        .iter()
        .filter(|f| f.kind == FormKind::Project)
        .count();
    let departments = d
        .forms
        .iter()
        .filter(|f| f.kind == FormKind::Department)
        .count();
    // 227 titles: four forms continue onto a second page.
    assert_eq!((projects, departments), (223, 1));
    let continued: Vec<(u32, Vec<u32>)> = d
        .forms
        .iter()
        .filter(|f| !f.continuations.is_empty())
        .map(|f| {
            (
                line(d, f.span.start()),
                f.continuations.iter().map(|c| line(d, c.start())).collect(),
            )
        })
        .collect();
    assert_eq!(
        continued,
        [
            (2680, vec![2725]),
            (3690, vec![3730]),
            (3758, vec![3793]),
            (3828, vec![3866])
        ]
    );
    assert_eq!(
        d.tables.len(),
        15,
        "表一…表十三, the two 收支总表 read as one table per side"
    );
}

#[test]
fn every_project_form_has_its_header_funds_and_indicators() {
    let d = doc();
    for f in d.forms.iter().filter(|f| f.kind == FormKind::Project) {
        let at = line(d, f.span.start());
        assert!(f.name.value.is_some(), "form on line {at} has a name");
        assert!(
            f.department.value.is_some(),
            "form on line {at} has a 主管部门"
        );
        assert!(
            f.attribute.value.is_some(),
            "form on line {at} has a 项目属性"
        );
        assert!(f.period.value.is_some(), "form on line {at} has a 项目期");
        assert!(
            f.funds_implementation.total.value.is_some(),
            "form on line {at}: 实施期资金总额"
        );
        assert!(
            f.indicators.len() >= 8,
            "form on line {at} has its indicator rows"
        );
        assert_eq!(f.money_unit, MoneyUnit::Yuan);
        assert_eq!(f.grid_layout, GridLayout::TwoPeriods);
    }
    // The annual total is blank on exactly these forms (LAYOUT.md §16: 7791, 7829, 7869, 7902).
    let blank: Vec<u32> = d
        .forms
        .iter()
        .filter(|f| f.kind == FormKind::Project && f.funds_annual.total.value.is_none())
        .map(|f| line(d, f.funds_annual.total.span.start()))
        .collect();
    assert_eq!(blank, [7791, 7829, 7869, 7902]);
    // No year line on three forms (LAYOUT.md §4).
    let no_year: Vec<u32> = d
        .forms
        .iter()
        .filter(|f| f.year.value.is_none())
        .map(|f| line(d, f.span.start()))
        .collect();
    assert_eq!(no_year, [5534, 5574, 6137]);
}

#[test]
fn form_902_first_project() {
    let f = form_at(902);
    assert_eq!(text(&f.name), Some("省级党员教育培训经费"));
    let dept = f.department.value.as_ref().unwrap();
    assert_eq!(dept.code.as_deref(), Some("D05"));
    assert_eq!(dept.name, "中国共产党阳泉市委员会组织部（阳泉市公务员局）");
    assert_eq!(text(&f.implementing_unit), Some("阳泉市教育局"));
    assert_eq!(text(&f.attribute), Some("一次性项目（1年结束）"));
    assert_eq!(text(&f.period), Some("1年"));
    assert_eq!(f.year.value, Some(2025));
    let (i, a) = (&f.funds_implementation, &f.funds_annual);
    assert_eq!((i.total.value, a.total.value), (dec("400"), dec("400")));
    // Line 911–912: the sources swap between the halves — a real defect, read as printed.
    assert_eq!((i.provincial.value, i.local.value), (dec("400"), dec("0")));
    assert_eq!((a.provincial.value, a.local.value), (dec("0"), dec("400")));
    assert_eq!(
        (i.other.value, a.other.value),
        (None, None),
        "其他资金 is blank, not 0"
    );
    assert_eq!(
        half(row(f, 923).implementation()),
        (
            Some("数量指标"),
            Some("未纳入干部培训体系的党"),
            Some("32人")
        )
    );
    assert_eq!(
        half(row(f, 923).annual.as_ref()),
        (Some("数量指标"), Some("未纳入干部培训"), Some("32人"))
    );
    assert_eq!(text(&f.texts.plan), Some("2025年底前完成培训"));
    assert_eq!(text(&f.sign_off.date), Some("20250219151708"));
    assert_eq!(f.indicators.len(), 9);
}

#[test]
fn form_934_glued_date_and_empty_categories() {
    let f = form_at(934);
    assert_eq!(
        text(&f.name),
        Some("阳泉市城镇中小幼儿园建设专项规划编制经费项目")
    );
    assert_eq!(
        f.funds_implementation.local.value,
        dec("312200"),
        "`市县（区）财政资 金`, line 944"
    );
    assert_eq!(f.funds_annual.local.value, dec("312200"));
    assert_eq!(
        text(&f.sign_off.date),
        Some("20250122150111"),
        "`填报日期：20250122150111`, line 967"
    );
    assert_eq!(f.sign_off.phone.value, None);
    let r = row(f, 965);
    let h = r.implementation.as_ref().unwrap();
    assert_eq!(
        (text(&h.level2), h.name.value.as_deref()),
        (Some("可持续影响指标"), None)
    );
    assert!(h.is_empty_category());
}

#[test]
fn form_969_and_1005_recurrent_projects() {
    let f = form_at(969);
    assert_eq!(
        text(&f.name),
        Some("育英2025年城乡义教（第一批）-公用经费（省级）")
    );
    assert_eq!(text(&f.period), Some("99年"));
    assert_eq!(f.funds_annual.provincial.value, dec("41800"));
    assert_eq!(
        half(row(f, 993).annual.as_ref()),
        (
            Some("成本指标"),
            Some("寄宿初中生均公"),
            Some("1240元/生/年")
        )
    );
    let f = form_at(1005);
    let dept = f.department.value.as_ref().unwrap();
    assert_eq!(
        (dept.code.as_deref(), dept.name.as_str()),
        (Some("904"), "文教科")
    );
    assert_eq!(f.funds_implementation.local.value, dec("103000"));
}

#[test]
fn form_1174_sheared_annual_half() {
    let f = form_at(1174);
    assert_eq!(text(&f.name), Some("全市中小学教师专业技术职务评审"));
    assert_eq!(f.funds_implementation.total.value, dec("580000"));
    assert_eq!(f.funds_annual.total.value, dec("150000"));
    // 1196: the left half omits its label, the annual half repeats it.
    assert_eq!(
        half(row(f, 1196).implementation()),
        (Some("数量指标"), Some("评委人数"), Some("≥60人"))
    );
    assert_eq!(
        half(row(f, 1196).annual.as_ref()),
        (Some("数量指标"), Some("评委人数"), Some("≥60人"))
    );
    // 1197: the annual value fell off the sheared row.
    assert_eq!(
        half(row(f, 1197).annual.as_ref()),
        (Some("数量指标"), Some("工作人员人数"), None)
    );
}

#[test]
fn form_1210_name_equal_to_its_label() {
    let f = form_at(1210);
    assert_eq!(f.funds_annual.total.value, dec("180000"));
    let r = row(f, 1242);
    assert_eq!(
        half(r.implementation()),
        (
            Some("服务对象满意度指标"),
            Some("服务对象满意度"),
            Some("≥85%")
        )
    );
    assert_eq!(
        half(r.annual.as_ref()),
        (
            Some("服务对象满意度指标"),
            Some("服务对象满意度"),
            Some("≥85%")
        )
    );
    assert_eq!(
        text(&r.implementation.as_ref().unwrap().level1),
        Some("满意度指标")
    );
}

#[test]
fn form_1245_annual_only_rows() {
    let f = form_at(1245);
    assert_eq!(text(&f.implementing_unit), Some("阳泉市第一中学校"));
    assert_eq!(f.funds_implementation.total.value, dec("4000000"));
    let r = row(f, 1276);
    assert!(
        r.implementation.is_none(),
        "line 1276 has only annual cells"
    );
    assert_eq!(
        half(r.annual.as_ref()),
        (Some("成本指标"), Some("校史馆改造"), Some("≥120万元"))
    );
}

#[test]
fn form_1398_project_date_label() {
    let f = form_at(1398);
    assert_eq!(text(&f.name), Some("专户收入-奖励性绩效工资20部分"));
    assert_eq!(
        text(&f.period),
        Some("99年"),
        "`项目日期` labels the 项目期 (line 1404)"
    );
    assert_eq!(f.funds_annual.local.value, dec("1400000"));
}

#[test]
fn form_2680_continued_on_a_second_page() {
    let f = form_at(2680);
    assert_eq!(text(&f.name), Some("公办普通高中公用经费缺口"));
    assert_eq!(f.funds_implementation.total.value, dec("1553500"));
    // 2701–2723 on page one, 2746–2760 on page two.
    assert_eq!(f.indicators.len(), 23 + 15);
    // Cost rows at the foot of page one take the 成本指标 label printed on page two.
    assert_eq!(
        half(row(f, 2721).implementation()),
        (
            Some("成本指标"),
            Some("实验室废品处理费"),
            Some("≥5万元/年")
        )
    );
    assert_eq!(half(row(f, 2720).implementation()).0, Some("时效指标"));
    assert_eq!(
        half(row(f, 2746).annual.as_ref()),
        (
            Some("成本指标"),
            Some("办公用品购买费用"),
            Some("≥65万元/年")
        )
    );
    assert_eq!(
        text(&f.sign_off.date),
        Some("20250122163510"),
        "printed on page two, line 2761"
    );
}

#[test]
fn form_3333_wrapped_and_duplicated_funds_labels() {
    let f = form_at(3333);
    assert_eq!(
        text(&f.name),
        Some("第一职校2025年学生资助（中职）（第一批）-免学杂（省级）")
    );
    // 3343–3345: `市县（区）财政资` / `金` / `单位自筹` twice.
    let (i, a) = (&f.funds_implementation, &f.funds_annual);
    assert_eq!(
        (i.provincial.value, a.provincial.value),
        (dec("417200"), dec("417200"))
    );
    assert_eq!((i.local.value, i.self_raised.value), (dec("0"), dec("0")));
    assert_eq!(a.self_raised.value, dec("0"));
    // 3355: `数量指标 | 数量指标 | 外聘教师人数` — a doubled label.
    assert_eq!(
        half(row(f, 3355).implementation()),
        (Some("数量指标"), Some("外聘教师人数"), Some("≥20人"))
    );
    assert_eq!(
        half(row(f, 3361).annual.as_ref()),
        (Some("成本指标"), Some("见习生工资"), Some("≤3000元/人"))
    );
}

#[test]
fn form_3507_annual_labels_missing_on_first_rows() {
    let f = form_at(3507);
    assert_eq!(f.funds_annual.local.value, dec("350000"));
    assert_eq!(
        half(row(f, 3528).annual.as_ref()),
        (
            Some("数量指标"),
            Some("操场铺人工草坪"),
            Some("≥2055.81平方米")
        )
    );
    assert_eq!(
        half(row(f, 3534).annual.as_ref()),
        (
            Some("成本指标"),
            Some("跑道喷热熔漆成本"),
            Some("以招标价为准")
        )
    );
}

#[test]
fn form_3546_empty_annual_half() {
    let f = form_at(3546);
    assert_eq!(f.funds_implementation.total.value, dec("210000"));
    assert_eq!(f.funds_annual.total.value, dec("0"));
    assert_eq!(text(&f.texts.goal_annual), None);
    let r = row(f, 3567);
    assert_eq!(
        half(r.implementation()),
        (Some("数量指标"), Some("六角凉亭"), Some("1套"))
    );
    assert_eq!(half(r.annual.as_ref()), (Some("数量指标"), None, None));
    assert!(row(f, 3568).annual.is_none());
}

#[test]
fn form_4921_cut_funds_label() {
    let f = form_at(4921);
    assert_eq!(text(&f.name), Some("2025年遗属补助"));
    assert_eq!(text(&f.implementing_unit), Some("阳泉职业技术学院"));
    assert_eq!(
        f.funds_annual.local.value,
        dec("31800"),
        "`市县（区）财政资`, line 4931"
    );
}

#[test]
fn form_5574_labels_sharing_cells_with_values() {
    let f = form_at(5574);
    assert_eq!(text(&f.name), Some("临时工工资（预拨）"));
    assert_eq!(text(&f.implementing_unit), Some("阳泉师范高等专科学校"));
    assert_eq!(text(&f.period), Some("99年"));
    let (i, a) = (&f.funds_implementation, &f.funds_annual);
    assert_eq!(
        (i.total.value, a.total.value),
        (dec("1000000"), dec("1000000"))
    );
    assert_eq!(
        (i.self_raised.value, a.self_raised.value),
        (dec("1000000"), dec("1000000"))
    );
    // 5594: an empty left half, then the annual one.
    let r = row(f, 5594);
    assert_eq!(half(r.implementation()), (Some("数量指标"), None, None));
    assert_eq!(
        half(r.annual.as_ref()),
        (
            Some("数量指标"),
            Some("外聘教师全年发放工资月数"),
            Some("<10月")
        )
    );
}

#[test]
fn form_6137_no_year_line() {
    let f = form_at(6137);
    assert_eq!(text(&f.name), Some("思政工作专项经费（预拨）"));
    assert_eq!(f.funds_annual.self_raised.value, dec("376000"));
    // 6160: HTML in the label cell.
    assert_eq!(
        half(row(f, 6160).annual.as_ref()),
        (Some("质量指标"), Some("思政工作完成率"), Some("≥95%"))
    );
}

#[test]
fn form_7374_header_without_its_first_cell_and_centred_labels() {
    let f = form_at(7374);
    assert_eq!(f.funds_implementation.total.value, dec("1300000"));
    assert_eq!(
        half(row(f, 7395).implementation()),
        (Some("数量指标"), Some("考试用品"), Some("≥12批/年"))
    );
    assert_eq!(
        half(row(f, 7404).implementation()),
        (Some("质量指标"), Some("保障正常运转率"), Some("保障"))
    );
}

#[test]
fn form_7478_satisfaction_label_centred_lower() {
    let f = form_at(7478);
    // 7519: 满意度指标 with its 二级 label printed one row lower (7520).
    let r = row(f, 7519);
    for h in r.halves() {
        assert_eq!(
            half(h),
            (Some("服务对象满意度指标"), Some("考生满意度"), Some("≥90%"))
        );
    }
}

#[test]
fn form_7783_value_on_the_next_line_and_blank_annual_total() {
    let f = form_at(7783);
    assert_eq!(text(&f.name), Some("基础教育课程改革活动经费"));
    assert_eq!(text(&f.period), Some("1年"), "the value sits on line 7790");
    assert_eq!(text(&f.implementing_unit), None);
    assert_eq!(f.funds_annual.total.value, None);
    assert_eq!(f.funds_implementation.local.value, dec("100000"));
    assert_eq!(f.funds_annual.local.value, dec("80000"));
}

#[test]
fn form_with_the_grid_printed_four_times() {
    let d = doc();
    let f = d
        .forms
        .iter()
        .find(|f| text(&f.name) == Some("复兴2025年学生资助（普高）（第一批）免学费（中）"))
        .unwrap();
    assert_eq!(f.funds_annual.central.value, dec("1700"));
    assert_eq!(
        half(row(f, 8019).annual.as_ref()),
        (Some("数量指标"), Some("受助学生人数"), Some("四类人群"))
    );
    assert_eq!(f.indicators.len(), 9);
}

#[test]
fn form_8442_funds_label_wrapped_across_rows() {
    let f = form_at(8442);
    assert_eq!(
        text(&f.name),
        Some("艺校2025年学生资补助（中职）（第一批）-免学杂（市级）")
    );
    let (i, a) = (&f.funds_implementation, &f.funds_annual);
    assert_eq!(
        (i.local.value, a.local.value),
        (dec("279000"), dec("279000"))
    );
    assert_eq!(
        (i.self_raised.value, a.self_raised.value),
        (dec("0"), dec("0")),
        "`单位自` / `筹金`, 8452–8453"
    );
    assert_eq!(a.other.value, None);
}

#[test]
fn sign_off_in_one_spaced_cell() {
    let d = doc();
    let f = d
        .forms
        .iter()
        .find(|f| line(d, f.span.start()) == 8586)
        .unwrap();
    assert_eq!(text(&f.sign_off.date), Some("20250107110714"), "line 8617");
    assert_eq!(text(&f.sign_off.principal), None);
}

#[test]
fn department_form() {
    let f = form_at(844);
    assert_eq!(f.kind, FormKind::Department);
    assert_eq!(text(&f.name), Some("阳泉市教育局"));
    assert_eq!(
        f.department.value.as_ref().unwrap().code.as_deref(),
        Some("051")
    );
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(f.grid_layout, GridLayout::SinglePeriod);
    assert_eq!(
        f.funds_annual.total.value,
        dec("542966500"),
        "54296.65 万元"
    );
    let s = f.department_section.as_ref().unwrap();
    let by_direction: Vec<(&str, Option<Decimal>)> = s
        .funds_by_direction
        .iter()
        .map(|e| (e.label.value.as_deref().unwrap(), e.amount.value))
        .collect();
    assert_eq!(
        by_direction,
        [
            ("合计", dec("542966500")),
            ("其中:基本支出", dec("380505800")),
            ("项目支出", dec("162460700"))
        ]
    );
    assert_eq!(s.funds_by_source.len(), 7);
    assert_eq!(s.funds_by_source[6].amount.value, dec("0"));
    assert!(s
        .info
        .iter()
        .any(|e| text(&e.label) == Some("核定的人员编制数") && text(&e.value) == Some("2143人")));
    assert!(text(&s.key_tasks).unwrap().starts_with("任务1:"));
    assert!(text(&s.annual_goal).unwrap().starts_with("1.预算安排"));
    assert_eq!(f.indicators.len(), 22, "lines 867–888");
    assert!(f.indicators.iter().all(|r| r.implementation.is_none()));
    assert_eq!(
        half(row(f, 886).annual.as_ref()),
        (
            Some("可持续影响指标"),
            Some("确保贫困生就读的长效机制"),
            Some("持续确保")
        )
    );
    assert_eq!(
        half(row(f, 888).annual.as_ref()),
        (
            Some("服务对象满意度指标"),
            Some("惠及学生及家长满意度"),
            Some("≥85%")
        )
    );
}

#[test]
fn structural_findings_are_the_sheared_and_merged_cells() {
    let ing = ingest::read_path(Path::new(CORPUS));
    let d = &ing.document;
    let mut s003: Vec<u32> = ing
        .diagnostics
        .iter()
        .filter(|x| x.code == "S003")
        .map(|x| line(d, x.primary.span.start()))
        .collect();
    s003.dedup();
    // Each line was checked by eye: the annual value fell off a sheared row (LAYOUT.md §9),
    // or the name and value share one cell (§12).
    assert_eq!(
        s003,
        [
            1197, 1198, 1202, 1385, 1387, 1522, 1524, 1598, 1601, 1798, 2130, 3252, 4759, 4760,
            4761, 4762, 4763, 4764, 4765, 4766, 4767, 5495, 5556, 5557, 5558, 5559, 5673, 6260,
            7362
        ]
    );
    let s006: Vec<u32> = ing
        .diagnostics
        .iter()
        .filter(|x| x.code == "S006")
        .map(|x| line(d, x.primary.span.start()))
        .collect();
    assert_eq!(
        s006,
        [5153],
        "the misaligned grid with 其他指标 (5146–5160)"
    );
    assert!(
        ing.diagnostics.iter().all(|x| x.form.is_some()),
        "every finding names its form"
    );
    assert!(
        ing.diagnostics.iter().all(|x| x.code != "S002"),
        "every funds cell is a number"
    );
}

/// What a reading looks like, independent of encoding and line endings.
fn reading(path: &Path) -> serde_json::Value {
    let ing = ingest::read_path(path);
    let mut v = kpilint::output::dump::document_json(&ing.document);
    v["path"] = serde_json::Value::Null;
    v["encoding"] = serde_json::Value::Null;
    let findings: Vec<String> = ing
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}",
                d.code,
                line(&ing.document, d.primary.span.start()),
                d.message
            )
        })
        .collect();
    serde_json::json!({"dump": v, "findings": findings})
}

/// CR alone ends the lines of Excel for Mac's tab-delimited text.
#[test]
fn gb18030_crlf_and_cr_copies_read_the_same() {
    let original = std::fs::read_to_string(CORPUS).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let gb = dir.path().join("gb18030.txt");
    let (bytes, _, unmappable) = encoding_rs::GB18030.encode(&original);
    assert!(!unmappable);
    std::fs::write(&gb, &bytes).unwrap();
    let crlf = dir.path().join("crlf.txt");
    std::fs::write(&crlf, original.replace('\n', "\r\n")).unwrap();
    let cr = dir.path().join("cr.txt");
    std::fs::write(&cr, original.replace('\n', "\r")).unwrap();
    let expected = reading(Path::new(CORPUS));
    let gb_doc = ingest::read_path(&gb).document;
    assert_eq!(gb_doc.encoding, "GB18030");
    assert_eq!(reading(&gb), expected);
    assert_eq!(reading(&crlf), expected);
    assert_eq!(reading(&cr), expected);
}
