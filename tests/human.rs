//! Snapshots of the human report for real findings in the disclosure: the underline must sit
//! under the exact cell, through tabs and double-width Chinese text.

use kpilint::cli::lint_file;
use kpilint::output::human::{render, Style};
use std::path::Path;

/// The report of the disclosure's findings whose primary label is on a line `keep` accepts.
fn report_where(keep: impl Fn(&str, u32) -> bool) -> String {
    let mut report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    report
        .diagnostics
        .retain(|d| keep(&d.code, doc.line_col(d.primary.span.start()).line));
    assert!(!report.diagnostics.is_empty(), "some finding is selected");
    render(
        &[report],
        Style {
            color: false,
            width: 120,
        },
    )
}

fn report_for_lines(lines: &[u32]) -> String {
    report_where(|_, line| lines.contains(&line))
}

#[test]
fn sheared_row_value_missing() {
    insta::assert_snapshot!(report_for_lines(&[1197]));
}

#[test]
fn non_template_grid_label() {
    insta::assert_snapshot!(report_for_lines(&[5153]));
}

#[test]
fn name_and_value_merged_in_one_cell() {
    insta::assert_snapshot!(report_for_lines(&[1798]));
}

fn report_for(code: &str, line: u32) -> String {
    report_where(|c, l| c == code && l == line)
}

#[test]
fn cost_times_count_against_funds_labels_all_three_cells() {
    insta::assert_snapshot!(report_for("C001", 6427));
}

#[test]
fn reversed_unit_underlines_only_the_unit() {
    insta::assert_snapshot!(report_for("V001", 8398));
}

#[test]
fn one_year_sources_differ() {
    insta::assert_snapshot!(report_for("F004", 909));
}

#[test]
fn deadline_outside_the_budget_year() {
    insta::assert_snapshot!(report_for("V010", 4909));
}

#[test]
fn phone_damaged_by_a_spreadsheet() {
    insta::assert_snapshot!(report_for("K009", 8369));
}

#[test]
fn far_apart_labels_get_their_own_snippets() {
    // C001 on line 6427 points at the funds total on line 6410 as well: the report shows the
    // two places, not the project description between them; the count on line 6424 is near
    // enough to the cost row to share its snippet.
    let text = report_for("C001", 6427);
    assert_eq!(text.matches("╭─[").count(), 2, "{text}");
    assert!(
        text.contains("6410:80]") && text.contains("6427:70]"),
        "{text}"
    );
    assert!(text.contains(" 6424 │"), "{text}");
    assert!(!text.contains(" 6417 │"), "{text}");
}

#[test]
fn form_amount_against_the_project_table_labels_both_places() {
    insta::assert_snapshot!(report_for("D023", 1217));
}

#[test]
fn subject_named_differently_labels_both_tables() {
    insta::assert_snapshot!(report_for("D003", 206));
}

#[test]
fn near_miss_project_names_show_both_names() {
    insta::assert_snapshot!(report_for("D022", 8070));
}

#[test]
fn budget_tables_of_another_issuer() {
    // 合计 at the bottom of a code table, ① ② parts, two-sided 收支总表, and prose that
    // miscalculates a share and misquotes the 三公 table.
    let report = lint_file(Path::new("tests/fixtures/other_issuer_budget_tables.txt"));
    insta::assert_snapshot!(render(
        &[report],
        Style {
            color: false,
            width: 120,
        },
    ));
}
