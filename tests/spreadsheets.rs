//! Spreadsheets and CSV: the same real forms as text, xlsx, ods and CSV give the same
//! findings, located by `Sheet!C12`; damaged and hostile workbooks give a clear error in
//! bounded time and memory, and the run goes on.
//!
//! The workbooks are built here from the disclosure's own lines, the way budget systems
//! export them: one form after another down a sheet, titles merged across the columns,
//! labels merged over the empty cell beside them, amounts stored as numbers (and some as
//! text).

mod common;

use common::{kpilint_in, validate, CORPUS};
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

/// Lines `from..=to` (1-based) of the disclosure: several whole forms.
fn corpus_lines(from: usize, to: usize) -> Vec<String> {
    let text = std::fs::read_to_string(CORPUS).unwrap();
    text.lines()
        .skip(from - 1)
        .take(to - from + 1)
        .map(str::to_owned)
        .collect()
}

/// `450,000` → 450000; anything that is not a plain amount stays text.
fn plain_number(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', "");
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    t.parse().ok()
}

/// `95%` → 0.95 and its number format (`0%`, `0.0%`): a bare percentage typed into Excel is
/// stored so. One with a comparator or words (`≥95%`) stays text.
fn plain_percent(text: &str) -> Option<(f64, Format)> {
    let digits = text.trim().strip_suffix('%')?;
    let n = plain_number(digits)?;
    let decimals = digits.split_once('.').map_or(0, |(_, d)| d.len());
    let code = match decimals {
        0 => "0%".to_owned(),
        d => format!("0.{}%", "0".repeat(d)),
    };
    Some((n / 100.0, Format::new().set_num_format(code)))
}

fn xlsx(sheets: &[(&str, &[String])]) -> Vec<u8> {
    let mut wb = Workbook::new();
    let plain = Format::new();
    let mut amounts = 0;
    for (name, lines) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(*name).unwrap();
        for (r, line) in lines.iter().enumerate() {
            let r = r as u32;
            let cells: Vec<&str> = line.split('\t').collect();
            let filled: Vec<usize> = (0..cells.len())
                .filter(|&c| !cells[c].trim().is_empty())
                .collect();
            // A title alone on its row is merged across the form's width.
            if filled == [0] && cells.len() <= 2 {
                ws.merge_range(r, 0, r, 7, cells[0].trim(), &plain).unwrap();
                continue;
            }
            for &c in &filled {
                let text = cells[c].trim();
                let col = c as u16;
                // A label with an empty cell after it is merged over both.
                if cells.get(c + 1).is_some_and(|n| n.trim().is_empty())
                    && cells.len() > c + 2
                    && plain_number(text).is_none()
                    && text.chars().count() <= 8
                {
                    ws.merge_range(r, col, r, col + 1, text, &plain).unwrap();
                    continue;
                }
                if let Some((n, format)) = plain_percent(text) {
                    ws.write_number_with_format(r, col, n, &format).unwrap();
                    continue;
                }
                match plain_number(text) {
                    // Every third amount is stored as text, as some exports do.
                    Some(n)
                        if {
                            amounts += 1;
                            amounts % 3 != 0
                        } =>
                    {
                        ws.write_number(r, col, n).unwrap();
                    }
                    _ => {
                        ws.write_string(r, col, text).unwrap();
                    }
                }
            }
        }
    }
    wb.save_to_buffer().unwrap()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A minimal OpenDocument spreadsheet, as LibreOffice writes one: numbers typed as floats.
fn ods(name: &str, lines: &[String]) -> Vec<u8> {
    let mut rows = String::new();
    for line in lines {
        rows.push_str("<table:table-row>");
        for cell in line.split('\t') {
            let t = cell.trim();
            if t.is_empty() {
                rows.push_str("<table:table-cell/>");
            } else if let Some(n) = plain_number(t) {
                rows.push_str(&format!(
                    "<table:table-cell office:value-type=\"float\" office:value=\"{n}\"><text:p>{}</text:p></table:table-cell>",
                    xml_escape(t)
                ));
            } else {
                rows.push_str(&format!(
                    "<table:table-cell office:value-type=\"string\"><text:p>{}</text:p></table:table-cell>",
                    xml_escape(t)
                ));
            }
        }
        rows.push_str("</table:table-row>");
    }
    ods_of_rows(name, &rows)
}

/// An OpenDocument spreadsheet of one sheet whose rows are `rows`, as XML.
fn ods_of_rows(name: &str, rows: &str) -> Vec<u8> {
    let content = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet><table:table table:name=\"{}\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>",
        xml_escape(name)
    );
    let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (path, body) in [
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", content.as_str()),
    ] {
        zip.start_file(path, stored).unwrap();
        zip.write_all(body.as_bytes()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

fn csv(lines: &[String]) -> String {
    let mut out = String::new();
    for line in lines {
        let fields: Vec<String> = line
            .split('\t')
            .map(|f| {
                if f.contains([',', '"', '\n']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f.to_owned()
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

fn check(dir: &Path, files: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json", "--no-config"];
    args.extend_from_slice(files);
    let out = kpilint_in(Some(dir), &args);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    });
    (out.status.code().unwrap(), v)
}

/// The findings in `path`, in the report's order.
fn of_path<'v>(v: &'v Value, path: &'v str) -> impl Iterator<Item = &'v Value> + 'v {
    v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(move |d| d["path"] == path)
}

fn text(d: &Value, key: &str) -> String {
    d[key].as_str().unwrap().to_owned()
}

/// (code, message) of each finding in `path`, in the report's order.
fn codes_and_messages(v: &Value, path: &str) -> Vec<(String, String)> {
    of_path(v, path)
        .map(|d| (text(d, "code"), text(d, "message")))
        .collect()
}

/// (code, row, message) of each finding in `path`.
fn findings(v: &Value, path: &str) -> BTreeSet<(String, u64, String)> {
    of_path(v, path)
        .map(|d| {
            (
                text(d, "code"),
                d["line"].as_u64().unwrap(),
                text(d, "message"),
            )
        })
        .collect()
}

#[test]
fn the_same_forms_give_the_same_findings_in_every_format() {
    // Nine forms (lines 902–1209), with defects: F004 one-year sources, S003 a sheared row,
    // V-rule values.
    let lines = corpus_lines(902, 1209);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("forms.txt"), lines.join("\n") + "\n").unwrap();
    std::fs::write(d.join("forms.xlsx"), xlsx(&[("绩效目标表", &lines)])).unwrap();
    std::fs::write(d.join("forms.ods"), ods("绩效目标表", &lines)).unwrap();
    std::fs::write(d.join("forms.csv"), csv(&lines)).unwrap();
    let (_, v) = check(d, &["forms.txt", "forms.xlsx", "forms.ods", "forms.csv"]);
    let text = findings(&v, "forms.txt");
    assert!(
        text.iter().any(|f| f.0 == "F004") && text.iter().any(|f| f.0 == "S003"),
        "the text has its known defects: {text:?}"
    );
    let forms_read: Vec<u64> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["forms"].as_u64().unwrap())
        .collect();
    assert_eq!(
        forms_read,
        [9, 9, 9, 9],
        "every format reads all nine forms"
    );
    // Rows are the text's lines, so even the row numbers agree.
    for other in ["forms.xlsx", "forms.ods", "forms.csv"] {
        let found = findings(&v, other);
        assert_eq!(
            found,
            text,
            "{other} differs from the text:\nonly in {other}: {:#?}\nonly in text: {:#?}",
            found.difference(&text).collect::<Vec<_>>(),
            text.difference(&found).collect::<Vec<_>>()
        );
    }
}

#[test]
fn findings_in_a_workbook_name_their_sheet_and_cell() {
    // One form per sheet: the 省级党员教育培训经费 form (F004 at its funds row).
    let first = corpus_lines(902, 933);
    let second = corpus_lines(934, 968);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("book.xlsx"),
        xlsx(&[("党员教育", &first), ("规划编制", &second)]),
    )
    .unwrap();
    let (_, v) = check(dir.path(), &["book.xlsx"]);
    let errors = validate("docs/output.schema.json", &v);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let f004 = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "F004")
        .expect("F004 on the first sheet");
    let cell = f004["cell"].as_str().unwrap();
    assert!(cell.starts_with("党员教育!"), "{cell}");
    // The row is the sheet's own row: the funds row is line 909, row 8 of the sheet.
    assert_eq!(f004["line"], 8);
    let letters: String = cell
        .split('!')
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_uppercase())
        .collect();
    let column = letters
        .bytes()
        .fold(0u64, |n, b| n * 26 + u64::from(b - b'A' + 1));
    assert_eq!(f004["column"].as_u64().unwrap(), column);
    assert_eq!(cell, format!("党员教育!{letters}8"));
    // The second sheet's findings are on the second sheet.
    assert!(v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["cell"].as_str())
        .any(|c| c.starts_with("规划编制!")));

    // SARIF carries the cell as a logical location, and the row and column as the region.
    let out = kpilint_in(
        Some(dir.path()),
        &["check", "--format", "sarif", "--no-config", "book.xlsx"],
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "F004")
        .unwrap();
    let errors = validate("tests/schemas/sarif-schema-2.1.0.json", &sarif);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let location = &result["locations"][0];
    assert_eq!(location["logicalLocations"][0]["name"], cell);
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 8);

    // The human report names the sheet, numbers rows as the sheet does, and shows the
    // neighbouring cells as context.
    let out = kpilint_in(Some(dir.path()), &["check", "--no-config", "book.xlsx"]);
    let human = String::from_utf8(out.stdout).unwrap();
    assert!(human.contains("book.xlsx › 党员教育:8:"), "{human}");
    assert!(human.contains(&format!("单元格：{cell}")), "{human}");
    assert!(
        human.contains("实施期资金总额"),
        "neighbouring cells: {human}"
    );
}

#[test]
fn a_fix_is_never_written_into_a_workbook() {
    // Line 6815 holds `100百分比`, which has a safe fix in a text file.
    let lines = corpus_lines(6790, 6830);
    let dir = tempfile::tempdir().unwrap();
    let bytes = xlsx(&[("表", &lines)]);
    std::fs::write(dir.path().join("book.xlsx"), &bytes).unwrap();
    let out = kpilint_in(
        Some(dir.path()),
        &["check", "--fix", "--no-config", "book.xlsx"],
    );
    assert_eq!(std::fs::read(dir.path().join("book.xlsx")).unwrap(), bytes);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("表格文件不能自动修改"), "{err}");
}

/// calamine reads past the end of a damaged `.xls` record (here a sheet's BOUNDSHEET record,
/// found by the `ingest` fuzz target): the file is reported as unreadable, the next file is
/// still linted, and stderr carries no panic and no backtrace, even where one is asked for.
#[test]
fn a_panic_inside_the_spreadsheet_reader_is_the_files_damage_and_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let seed = include_bytes!("../fuzz/corpus/ingest/seed-xls-short-boundsheet");
    // The fuzz seed's first byte picks the reader; the file is the rest.
    std::fs::write(d.join("damaged.xls"), &seed[1..]).unwrap();
    std::fs::write(d.join("good.txt"), corpus_lines(902, 933).join("\n") + "\n").unwrap();
    let args = [
        "check",
        "--format",
        "json",
        "--no-config",
        "damaged.xls",
        "good.txt",
    ];
    let out = common::command_in(Some(d), &args)
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unreadable file exits with 2"
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let damaged = codes_and_messages(&v, "damaged.xls");
    assert_eq!(damaged.len(), 1, "{damaged:?}");
    assert_eq!(damaged[0].0, "I007");
    assert!(damaged[0].1.contains("工作簿已损坏"), "{damaged:?}");
    assert!(
        codes_and_messages(&v, "good.txt")
            .iter()
            .any(|(c, _)| c == "F004"),
        "the good file is still linted"
    );
}

#[test]
fn damaged_and_hostile_workbooks_are_reported_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = corpus_lines(902, 933);
    std::fs::write(d.join("good.txt"), good.join("\n") + "\n").unwrap();
    // A truncated zip.
    let whole = xlsx(&[("表", &good)]);
    std::fs::write(d.join("truncated.xlsx"), &whole[..whole.len() / 2]).unwrap();
    // Not a workbook at all.
    std::fs::write(d.join("garbage.xls"), b"this is not a spreadsheet").unwrap();
    // A zip bomb: 80 MB of zeros that deflate to almost nothing.
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(false);
    zip.start_file("xl/worksheets/sheet1.xml", deflated)
        .unwrap();
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..80 {
        zip.write_all(&zeros).unwrap();
    }
    std::fs::write(d.join("bomb.xlsx"), zip.finish().unwrap().into_inner()).unwrap();
    // A value in row 1,000,000 (a million empty rows in between).
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "阳泉市市级预算部门（单位）项目支出绩效目标表")
        .unwrap();
    ws.write_string(999_999, 0, "远处的单元格").unwrap();
    std::fs::write(d.join("far.xlsx"), wb.save_to_buffer().unwrap()).unwrap();
    // An OpenDocument sheet of 700 bytes whose one cell repeats a thousand times across a
    // million rows: expanded, a billion cells (the system killed the run at 24 GB).
    let cell = "<table:table-cell table:number-columns-repeated=\"1000\" office:value-type=\"string\"><text:p>x</text:p></table:table-cell>";
    let repeats =
        format!("<table:table-row table:number-rows-repeated=\"1048000\">{cell}</table:table-row>");
    std::fs::write(d.join("repeats.ods"), ods_of_rows("表", &repeats)).unwrap();

    let started = std::time::Instant::now();
    let (code, v) = check(
        d,
        &[
            "good.txt",
            "truncated.xlsx",
            "garbage.xls",
            "bomb.xlsx",
            "far.xlsx",
            "repeats.ods",
        ],
    );
    assert!(started.elapsed().as_secs() < 60, "bounded time");
    assert_eq!(code, 2, "unreadable files make the run exit with 2");
    let by_path = |p: &str| codes_and_messages(&v, p);
    assert!(
        by_path("good.txt").iter().any(|(c, _)| c == "F004"),
        "the good file is still linted"
    );
    for p in ["truncated.xlsx", "garbage.xls"] {
        let f = by_path(p);
        assert!(f.iter().any(|(c, _)| c == "I007"), "{p}: {f:?}");
    }
    let bomb = by_path("bomb.xlsx");
    assert!(
        bomb.iter()
            .any(|(c, m)| c == "I007" && m.contains("压缩炸弹")),
        "{bomb:?}"
    );
    let far = by_path("far.xlsx");
    assert!(far.iter().any(|(c, _)| c == "I008"), "{far:?}");
    let repeats = by_path("repeats.ods");
    assert!(
        repeats
            .iter()
            .any(|(c, m)| c == "I007" && m.contains("工作表“表”的重复行列展开后")),
        "{repeats:?}"
    );
    // A refusal for size says what to delete; one for damage says to save a copy.
    let help = |p: &str| -> String {
        v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == p && x["code"] == "I007")
            .map(|x| x["help"].as_str().unwrap_or_default().to_owned())
            .unwrap()
    };
    assert!(
        help("repeats.ods").contains("删除"),
        "{}",
        help("repeats.ods")
    );
    assert!(
        help("truncated.xlsx").contains("另存"),
        "{}",
        help("truncated.xlsx")
    );
}

#[test]
fn dates_stored_as_serials_read_as_dates() {
    // The sign-off row of the first form, with 填报日期 stored as a date.
    let mut lines = corpus_lines(902, 933);
    let sign_off = lines.iter().position(|l| l.starts_with("负责人")).unwrap();
    lines[sign_off] = "负责人：\t\t经办人：\t\t联系电话：\t\t填报日期：".into();
    let mut wb = Workbook::new();
    {
        let ws = wb.add_worksheet();
        for (r, line) in lines.iter().enumerate() {
            for (c, text) in line.split('\t').enumerate() {
                if !text.trim().is_empty() {
                    ws.write_string(r as u32, c as u16, text.trim()).unwrap();
                }
            }
        }
        let date = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 1, 24).unwrap();
        let format = Format::new().set_num_format("yyyy-mm-dd");
        ws.write_datetime_with_format(sign_off as u32, 7, &date, &format)
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("dated.xlsx"), wb.save_to_buffer().unwrap()).unwrap();
    let out = kpilint_in(
        Some(dir.path()),
        &["dump", "--format", "json", "dated.xlsx"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["forms"][0]["sign_off"]["date"]["value"], "2025年1月24日");
}
