//! Spreadsheets (xlsx, xls, ods) and CSV: a grid of cells, laid out as tab-separated text so
//! that the one form recogniser reads them, with a map back to `Sheet!C12`.
//!
//! Each sheet becomes a marker line (`# 工作表 Sheet1`, which ends any form before it) and
//! then one line per row, row 1 first, each cell in its own column: line N under the marker
//! is row N, field K is column K. Merged cells keep their value in the top-left cell, as a
//! PDF extraction does. What reaches the recogniser is what a person sees in the sheet:
//! numbers as written (no float noise), dates as dates, tabs and line breaks inside a cell
//! as spaces.
//!
//! Hostile files are bounded: the declared size of a zip's entries is checked before
//! anything is inflated, cells are streamed where the format allows, and a sheet stops being
//! read at a fixed number of cells or rows.

use super::xlsx_percent::Zip;
use crate::model::SheetOrigin;
use std::io::Cursor;

/// Beyond this many non-empty cells in a workbook, the rest is not read.
pub const MAX_CELLS: usize = 2_000_000;
/// Rows beyond this are not laid out (a sheet with a value in row 1,000,000 is damage).
pub const MAX_ROWS: u32 = 200_000;
/// Total inflated size of a workbook's zip entries allowed.
pub const MAX_INFLATED: u64 = 512 << 20;
/// Columns beyond this are not laid out.
const MAX_COLS: u32 = 200;

/// One sheet's non-empty cells by (row, column), both 0-based.
pub struct Grid {
    pub name: String,
    /// In reading order (by row, then column), one per place, once [`Grid::settle`]d. A
    /// workbook's cells come in that order, and are pushed as they come: kept in a map, each
    /// cost a one-form workbook some 270 instructions to insert.
    pub cells: Vec<((u32, u32), String)>,
    /// Whether reading stopped at a limit.
    pub truncated: bool,
}

impl Grid {
    /// Puts the cells in reading order. A place written twice (damaged XML, or a format that
    /// allows it) keeps what was written last, as a map of places would.
    fn settle(&mut self) {
        if self.cells.windows(2).all(|w| w[0].0 < w[1].0) {
            return;
        }
        // Stable: of two cells at one place, the one written later stays later.
        self.cells.sort_by_key(|(at, _)| *at);
        // `later` is dropped when it is at `kept`'s place, its text kept in `kept`'s stead.
        self.cells.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                std::mem::swap(&mut later.1, &mut kept.1);
            }
            same
        });
    }
}

/// The workbook's sheets laid out as text, and where each sheet starts.
#[derive(Default)]
pub struct Laid {
    pub text: String,
    pub sheets: Vec<SheetOrigin>,
    /// Sheets cut short by a limit, by name.
    pub truncated: Vec<String>,
    /// Lines laid out so far.
    lines: usize,
}

impl Laid {
    /// Lays out sheets read whole (CSV, tests).
    pub fn of(grids: impl IntoIterator<Item = Grid>) -> Laid {
        let mut laid = Laid::default();
        for grid in grids {
            laid.push(grid);
        }
        laid
    }

    /// Lays a sheet out after those before it: a row a line, a cell a tab-separated field.
    /// A workbook's sheets are laid out as each is read, and each let go once laid out: held
    /// until the last was read, a 10 MB workbook of 8,500 one-form sheets peaked at 334 MB.
    pub fn push(&mut self, mut g: Grid) {
        g.settle();
        let text = &mut self.text;
        if g.truncated {
            self.truncated.push(g.name.clone());
        }
        text.push_str("# 工作表 ");
        push_clean(text, &g.name);
        text.push('\n');
        self.lines += 1;
        self.sheets.push(SheetOrigin {
            name: g.name,
            start: text.len(),
            first_line: self.lines,
        });
        let Some(((last_row, _), _)) = g.cells.last() else {
            return;
        };
        let mut cells = g.cells.iter().peekable();
        for row in 0..=(*last_row).min(MAX_ROWS) {
            let mut col = 0;
            while let Some(((r, c), v)) = cells.peek() {
                if *r != row {
                    break;
                }
                while col < *c {
                    text.push('\t');
                    col += 1;
                }
                push_clean(text, v);
                cells.next();
            }
            text.push('\n');
            self.lines += 1;
        }
    }
}

/// Appends a cell's text on one line: tabs and line breaks would change the grid, and each
/// is written as a space. Most cells hold none, and are copied whole: built a character at a
/// time, the cells cost a one-form workbook some 120,000 instructions (docs/performance.md).
fn push_clean(out: &mut String, v: &str) {
    let mut pieces = v.split(['\t', '\n', '\r']);
    out.push_str(pieces.next().unwrap_or(""));
    for piece in pieces {
        out.push(' ');
        out.push_str(piece);
    }
}

/// A number as a person typed it: `450000`, `0.85`, `12.5`; never `450000.0000001`.
fn number(f: f64) -> String {
    if !f.is_finite() {
        return String::new();
    }
    if f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    // Twelve significant digits remove binary noise (0.1 + 0.2) and keep what was typed.
    let s = format!("{:.12}", f);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// A number cell formatted as a percentage, as it shows: 0.95 as `95%`, with the digits
/// it was typed with (a `0%` format shows 0.955 as `96%`, but the cell holds 95.5%).
fn percent_text(d: &impl calamine::DataType) -> String {
    let f = d.get_float().or_else(|| d.get_int().map(|i| i as f64));
    match f {
        Some(f) if f.is_finite() => format!("{}%", number(f * 100.0)),
        _ => cell_text(d),
    }
}

/// An Excel date as the forms write dates: `2025年1月24日` (a time of day is dropped).
fn date(dt: &calamine::ExcelDateTime) -> String {
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    format!("{y}年{m}月{d}日")
}

/// A cell's text as a person sees it, for the owned and the borrowed cell types alike.
fn cell_text(d: &impl calamine::DataType) -> String {
    if let Some(s) = d
        .get_string()
        .or_else(|| d.get_datetime_iso())
        .or_else(|| d.get_duration_iso())
    {
        return s.to_owned();
    }
    if let Some(i) = d.get_int() {
        return i.to_string();
    }
    if let Some(f) = d.get_float() {
        return number(f);
    }
    if let Some(b) = d.get_bool() {
        return if b { "TRUE" } else { "FALSE" }.to_owned();
    }
    if let Some(dt) = d.get_datetime() {
        return if dt.is_datetime() {
            date(&dt)
        } else {
            number(dt.as_f64())
        };
    }
    d.get_error().map_or_else(String::new, |e| format!("{e}"))
}

/// Refuses a zip whose entries would inflate beyond the limit, before inflating any.
fn check_zip(zip: &mut Zip<'_>) -> Result<(), String> {
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index_raw(i) else {
            return Err("压缩包目录损坏".into());
        };
        total = total.saturating_add(entry.size());
        let packed = entry.compressed_size().max(1);
        if entry.size() > (64 << 20) && entry.size() / packed > 200 {
            return Err(format!(
                "压缩包中“{}”声明解压后 {} MB，压缩比 {}:1，疑似压缩炸弹",
                entry.name(),
                entry.size() >> 20,
                entry.size() / packed
            ));
        }
    }
    if total > MAX_INFLATED {
        return Err(format!(
            "压缩包解压后共 {} MB，超过 {} MB 的上限",
            total >> 20,
            MAX_INFLATED >> 20
        ));
    }
    Ok(())
}

/// Why a workbook was not read.
#[derive(Debug)]
pub struct Refused {
    pub reason: String,
    /// Refused for the room its sheets would take laid out, not for damage: the file opens
    /// in a spreadsheet program, and what fixes it is deleting the far cell or the repeated
    /// rows, not saving a copy (which keeps them).
    pub too_big: bool,
}

impl From<String> for Refused {
    fn from(reason: String) -> Self {
        Refused {
            reason,
            too_big: false,
        }
    }
}

impl From<&str> for Refused {
    fn from(reason: &str) -> Self {
        reason.to_owned().into()
    }
}

/// Reads every sheet of a workbook, laid out as text.
pub fn read_workbook(bytes: &[u8]) -> Result<Laid, Refused> {
    // Not a zip (xls), or a damaged one: the workbook reader reports it. A compound file is
    // an `.xls` whatever else its bytes hold (calamine tells them by that signature first): a
    // zip directory found inside one must not spare it the `.xls` checks below.
    let compound = super::xls_extent::is_compound(bytes);
    let mut zip = (!compound)
        .then(|| zip::ZipArchive::new(Cursor::new(bytes)).ok())
        .flatten();
    let limit = super::ods_extent::MAX_DENSE_CELLS;
    if let Some(zip) = zip.as_mut() {
        check_zip(zip)?;
        // An OpenDocument workbook is expanded whole as it is opened: counted first.
        if let Some((sheet, cells)) = super::ods_extent::too_many_cells(zip) {
            return Err(Refused {
                reason: format!(
                    "工作表“{sheet}”的重复行列展开后有 {cells} 个以上单元格，超过 {limit} 个的上限（可能是重复计数被改大的文件）"
                ),
                too_big: true,
            });
        }
    } else {
        // So is an `.xls`, each sheet as a rectangle from its first cell to its last.
        use super::xls_extent::{measure, Extent};
        match measure(bytes) {
            Extent::TooMany(sheet, cells) => return Err(Refused {
                reason: format!(
                    "工作表“{sheet}”从第一个单元格到最后一个（或其声明的范围）共 {cells} 个以上单元格，超过 {limit} 个的上限（可能有远端单元格或损坏的范围记录）"
                ),
                too_big: true,
            }),
            Extent::Damaged => {
                return Err("复合文档结构损坏，找不到完整的工作簿数据流".into());
            }
            Extent::NotCompound | Extent::Fits => {}
        }
    }
    // calamine panics on damaged files (fuzzing found two in its compound-file reader, both
    // refused above now, and keeps finding more in the records): a panic of calamine's the
    // checks let through is the file's damage, not a fault of kpilint's, and is reported as
    // the file's, without a word on stderr (`crate::panics`).
    crate::panics::reading(|| read_sheets(bytes, zip))
        .unwrap_or_else(|| Err("工作簿已损坏，表格读取库无法读取".into()))
}

/// Reads every sheet of a workbook the checks passed, laid out as text.
fn read_sheets(bytes: &[u8], mut zip: Option<Zip<'_>>) -> Result<Laid, Refused> {
    use calamine::{Reader, Sheets};
    let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| format!("无法打开工作簿：{e}"))?;
    let names = book.sheet_names();
    let percents = match (&book, zip.as_mut()) {
        (Sheets::Xlsx(_), Some(zip)) => super::xlsx_percent::percent_cells(zip),
        _ => Default::default(),
    };
    let mut laid = Laid::default();
    let mut budget = MAX_CELLS;
    for name in names {
        let mut grid = Grid {
            name: name.clone(),
            cells: Vec::new(),
            truncated: false,
        };
        let mut put = |r: u32, c: u32, v: String, grid: &mut Grid| -> bool {
            if budget == 0 || r > MAX_ROWS {
                grid.truncated = true;
                return false;
            }
            if c < MAX_COLS && !v.trim().is_empty() {
                budget -= 1;
                grid.cells.push(((r, c), v));
            }
            true
        };
        match &mut book {
            // xlsx streams its cells: nothing of a huge sheet is held beyond the cap.
            Sheets::Xlsx(x) => {
                let percent = percents.get(&name);
                let mut reader = x
                    .worksheet_cells_reader(&name)
                    .map_err(|e| format!("无法读取工作表“{name}”：{e}"))?;
                loop {
                    match reader.next_cell() {
                        Ok(Some(cell)) => {
                            let (r, c) = cell.get_position();
                            let v = cell.get_value();
                            let text = match percent.filter(|p| p.contains(&(r, c))) {
                                Some(_) => percent_text(v),
                                None => cell_text(v),
                            };
                            if !put(r, c, text, &mut grid) {
                                break;
                            }
                        }
                        Ok(None) => break,
                        Err(e) => return Err(format!("工作表“{name}”已损坏：{e}").into()),
                    }
                }
            }
            other => {
                let range = other
                    .worksheet_range(&name)
                    .map_err(|e| format!("无法读取工作表“{name}”：{e}"))?;
                let (r0, c0) = range.start().unwrap_or((0, 0));
                'rows: for (i, row) in range.rows().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        if matches!(v, calamine::Data::Empty) {
                            continue;
                        }
                        if !put(r0 + i as u32, c0 + j as u32, cell_text(v), &mut grid) {
                            break 'rows;
                        }
                    }
                }
            }
        }
        laid.push(grid);
    }
    Ok(laid)
}

/// Reads CSV text (RFC 4180: quoted fields may hold commas, quotes and line breaks) as one
/// sheet. A tab-separated file is read as text, not here.
pub fn read_csv(name: &str, text: &str) -> Grid {
    let mut cells = Vec::new();
    let (mut row, mut col) = (0u32, 0u32);
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let mut truncated = false;
    let mut flush = |row: u32, col: u32, field: &mut String| {
        if !field.trim().is_empty() && col < MAX_COLS && cells.len() < MAX_CELLS {
            cells.push(((row, col), std::mem::take(field)));
        } else {
            field.clear();
        }
    };
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                other => field.push(other),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => quoted = true,
            ',' => {
                flush(row, col, &mut field);
                col += 1;
            }
            '\r' => {}
            '\n' => {
                flush(row, col, &mut field);
                row += 1;
                col = 0;
                if row > MAX_ROWS {
                    truncated = true;
                    break;
                }
            }
            other => field.push(other),
        }
    }
    flush(row, col, &mut field);
    Grid {
        name: name.to_owned(),
        cells,
        truncated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::column_letters;

    #[test]
    fn letters() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(2), "C");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn cells_are_laid_out_on_one_line() {
        let grid = Grid {
            name: "表\t一".into(),
            cells: Vec::from([
                ((0, 0), "项目名称".to_owned()),
                ((0, 2), "教育\t督导\r\n专项".to_owned()),
                ((1, 1), "\n≥95%\t".to_owned()),
            ]),
            truncated: false,
        };
        let laid = Laid::of([grid]);
        assert_eq!(
            laid.text,
            "# 工作表 表 一\n项目名称\t\t教育 督导  专项\n\t ≥95% \n"
        );
    }

    #[test]
    fn cells_settle_in_reading_order_the_last_written_kept() {
        let text = |s: &str| s.to_owned();
        let mut grid = Grid {
            name: "表1".into(),
            cells: vec![
                ((1, 0), text("乙")),
                ((0, 2), text("甲")),
                ((1, 0), text("丙")),
                ((0, 1), text("丁")),
                ((1, 0), text("戊")),
            ],
            truncated: false,
        };
        grid.settle();
        assert_eq!(
            grid.cells,
            [
                ((0, 1), text("丁")),
                ((0, 2), text("甲")),
                ((1, 0), text("戊"))
            ]
        );
        // In order already: left as it is.
        let cells = grid.cells.clone();
        grid.settle();
        assert_eq!(grid.cells, cells);
    }

    #[test]
    fn workbooks_laid_out_past_the_limit_are_refused_before_they_are_read() {
        use crate::ingest::xls_extent::tests::{biff, compound};
        let far = read_workbook(&compound(biff(None, &[(0, 0), (65535, 65535)]), false));
        let refused = far.err().unwrap();
        assert!(refused.too_big);
        let refused = refused.reason;
        assert!(
            refused.contains("工作表“S”") && refused.contains("4294967296"),
            "{refused}"
        );
        let near = read_workbook(&compound(biff(None, &[(0, 0), (3, 3)]), false));
        assert_eq!(near.unwrap().text, "# 工作表 S\n1\n\n\n\t\t\t1\n");
    }

    /// The `.xls` files the `ingest` fuzz target found calamine failing on (its seeds keep them,
    /// after the byte that picks the reader): each is the file's damage, never a panic.
    #[test]
    fn workbooks_calamine_fails_on_are_damaged_not_a_panic() {
        let seeds: [&[u8]; 4] = [
            include_bytes!("../../fuzz/corpus/ingest/seed-xls-no-fat"),
            include_bytes!("../../fuzz/corpus/ingest/seed-xls-long-stream"),
            include_bytes!("../../fuzz/corpus/ingest/seed-xls-short-directory"),
            include_bytes!("../../fuzz/corpus/ingest/seed-xls-short-boundsheet"),
        ];
        for seed in seeds {
            let refused = read_workbook(&seed[1..]).err().unwrap();
            assert!(!refused.too_big);
            let refused = refused.reason;
            assert!(
                refused.contains("复合文档结构损坏") || refused.contains("表格读取库无法读取"),
                "{refused}"
            );
        }
    }

    #[test]
    fn percentages_read_as_shown() {
        use calamine::Data;
        assert_eq!(percent_text(&Data::Float(0.95)), "95%");
        assert_eq!(percent_text(&Data::Float(1.0)), "100%");
        assert_eq!(percent_text(&Data::Float(0.955)), "95.5%");
        assert_eq!(percent_text(&Data::Float(0.07)), "7%");
        assert_eq!(percent_text(&Data::Int(1)), "100%");
        // A percent format on text leaves the text.
        assert_eq!(percent_text(&Data::String("≥95%".into())), "≥95%");
    }

    #[test]
    fn numbers_read_as_typed() {
        assert_eq!(number(450000.0), "450000");
        assert_eq!(number(0.85), "0.85");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(-3.0), "-3");
    }

    #[test]
    fn date_serials() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let dt = ExcelDateTime::new(45681.0, ExcelDateTimeType::DateTime, false);
        assert_eq!(date(&dt), "2025年1月24日");
    }

    #[test]
    fn csv_quotes_commas_and_line_breaks() {
        let g = read_csv(
            "a.csv",
            "项目名称,\"甲,乙\",\"说\"\"明\"\n\n,\"两\n行\",3\n",
        );
        let v: Vec<(&(u32, u32), &str)> = g.cells.iter().map(|(k, v)| (k, v.as_str())).collect();
        assert_eq!(
            v,
            [
                (&(0, 0), "项目名称"),
                (&(0, 1), "甲,乙"),
                (&(0, 2), "说\"明"),
                (&(2, 1), "两\n行"),
                (&(2, 2), "3")
            ]
        );
    }

    #[test]
    fn laid_out_rows_keep_their_columns() {
        let g = read_csv("s", "a,,c\n\nx\n");
        let laid = Laid::of([g]);
        assert_eq!(laid.text, "# 工作表 s\na\t\tc\n\nx\n");
        assert_eq!(laid.sheets[0].first_line, 1);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(read_workbook(b"PK\x03\x04 not really a zip").is_err());
        assert!(read_workbook(b"").is_err());
        assert!(read_workbook(&[0u8; 4096]).is_err());
    }
}
