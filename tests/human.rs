//! Snapshots of the human report for real findings in the disclosure: the underline must sit
//! under the exact cell, through tabs and double-width Chinese text.

use kpilint::cli::lint_file;
use kpilint::output::human::{render, Style};
use std::path::Path;

fn report_for_lines(lines: &[u32]) -> String {
    let mut report = lint_file(Path::new("tests/corpus/000_cb0bcf906edd3817.txt"));
    let doc = &report.document;
    report
        .diagnostics
        .retain(|d| lines.contains(&doc.line_col(d.primary.span.start).line));
    render(
        &[report],
        Style {
            color: false,
            width: 120,
        },
    )
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
