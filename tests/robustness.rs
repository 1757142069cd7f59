//! Bad input never panics the reader: random text built from the forms' own vocabulary,
//! random slices of the real disclosure, and random bytes.

use kpilint::ingest;
use proptest::prelude::*;

const CORPUS: &str = include_str!("corpus/000_cb0bcf906edd3817.txt");

/// Pieces that drive the reader into every branch: titles, labels, amounts, tabs, HTML.
const PIECES: &[&str] = &[
    "阳泉市市级预算部门（单位）项目支出绩效目标表",
    "市级预算部门（单位）整体支出绩效目标申报表",
    "(2025年度)",
    "项目名称",
    "主管部门及代码",
    "051-阳泉市教育局",
    "实施单位",
    "项目属性",
    "项目期",
    "1年",
    "项目资金（元）",
    "项目资金（万元）",
    "实施期资金总额：",
    "年度资金总额：",
    "其中：中央财政资金",
    "省级财政资金",
    "市县（区）财政资",
    "金",
    "单位自筹",
    "其他资金",
    "312,200",
    "0",
    "abc",
    "实施期目标",
    "年度目标",
    "总体目标",
    "绩效指标",
    "一级指标",
    "二级指标",
    "三级指标",
    "指标值",
    "计量单位",
    "权重",
    "产出指标",
    "数量指标",
    "质量指标",
    "成本指标",
    "经济成本指标",
    "效益指标",
    "满意度指标",
    "服务对象满意度",
    "其他指标",
    "≥90%",
    "<10月",
    "名称",
    "<td>及时</td>",
    "负责人：",
    "填报日期：",
    "填报日期：2025",
    "部门基本信息",
    "年度预算情况",
    "按资金方向划分",
    "合 计",
    "年度重点任务",
    "预算公开表1",
    "2025年预算收支总表",
    "仅供内部审核",
    "\t",
    "\t\t",
    "\n",
    "\r\n",
    " ",
    "　",
];

fn form_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..300).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn form_like_text_never_panics(text in form_like()) {
        let ing = ingest::read_text("p.txt", text, "UTF-8");
        for d in &ing.diagnostics {
            prop_assert!(d.primary.span.end() <= ing.document.text.len());
        }
    }

    #[test]
    fn slices_of_the_disclosure_never_panic(start in 0usize..8700, len in 0usize..400, cut in 0usize..4) {
        let lines: Vec<&str> = CORPUS.lines().skip(start).take(len).collect();
        let mut text = lines.join("\n");
        // Cut the last line anywhere, even inside a character's bytes.
        let keep = text.len().saturating_sub(cut);
        let bytes = text.as_bytes()[..keep].to_vec();
        text.clear();
        let _ = ingest::read_bytes("p.txt", &bytes);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let _ = ingest::read_bytes("p.bin", &bytes);
    }
}

#[test]
fn a_long_single_line_and_many_rows_stay_fast() {
    let long = "项目名称\t".repeat(200_000);
    let ing = ingest::read_text("long.txt", long, "UTF-8");
    assert!(ing.document.forms.is_empty());
    let mut form = String::from("项目支出绩效目标表\n项目名称\t大表\n绩效指标\t一级指标\t二级指标\t三级指标\t指标值\t二级指标\t三级指标\t指标值\n");
    for i in 0..20_000 {
        form.push_str(&format!(
            "\t产出指标\t数量指标\t指标{i}\t{i}人\t数量指标\t指标{i}\t{i}人\n"
        ));
    }
    let ing = ingest::read_text("big.txt", form, "UTF-8");
    // A grid is read up to 2,000 lines, and the rest is reported as not read.
    assert_eq!(ing.document.forms[0].indicators.len(), 2_000);
    assert!(ing.diagnostics.iter().any(|d| d.code == "S008"));
}

#[test]
fn decoding_problems_in_a_csv_point_inside_its_document() {
    // Found by `cargo fuzz run ingest`: an invalid byte in a CSV was reported at its offset
    // in the CSV, past the end of the laid-out cells.
    // The fuzzer's input: a kind byte (1 = CSV), then the file.
    let input =
        std::fs::read("fuzz/corpus/ingest/crash-d86a77b61f04eaa4bc19ab3fefff38689de58b05").unwrap();
    let bytes = &input[1..];
    let ing = kpilint::ingest::read_file("f.csv", bytes);
    assert!(ing.diagnostics.iter().any(|d| d.code == "I006"));
    for d in &ing.diagnostics {
        assert!(d.primary.span.end() <= ing.document.text.len(), "{d:?}");
    }
}

#[test]
fn a_part_of_a_value_read_through_an_alias_is_placed_on_the_alias() {
    // Found by `cargo fuzz run ingest`: a YAML form repeated as an alias (`*e`) at the end of
    // its file had its value `11人/` placed on the alias, and the finding on the part of it
    // that could not be read (V003) was placed that many bytes on from the alias's start,
    // past the end of the file.
    // The fuzzer's input: a kind byte (2 = a structured YAML form), then the file.
    let input =
        std::fs::read("fuzz/corpus/ingest/crash-7dcc45f9ea394f047e492ddc7cc1870dc64c2471").unwrap();
    let ing = kpilint::ingest::read_file("f.form.yaml", &input[1..]);
    let text = &ing.document.text;
    let out = kpilint::rules::RuleSet::builtin().run(&ing.document, &Default::default(), None);
    for d in &out.diagnostics {
        assert!(d.primary.span.end() <= text.len(), "{d:?}");
        for l in &d.secondary {
            assert!(l.span.end() <= text.len(), "{d:?}");
        }
    }
    let alias = text.rfind("*e").unwrap();
    let on_alias: Vec<_> = out
        .diagnostics
        .iter()
        .filter(|d| d.code == "V003" && d.primary.span.start() == alias)
        .collect();
    assert_eq!(on_alias.len(), 1, "{:?}", out.diagnostics);
    assert_eq!(on_alias[0].primary.span.range(), alias..alias + 2);
    // Where the value is written, its unreadable part is underlined itself.
    let written = text.find("11人/").unwrap();
    assert!(out.diagnostics.iter().any(|d| d.code == "V003"
        && d.primary.span.start() >= written
        && d.primary.span.end() <= written + "11人/".len()));
}
