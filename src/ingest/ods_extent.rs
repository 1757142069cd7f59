//! How many cells an OpenDocument spreadsheet expands to, counted before calamine expands them.
//!
//! An ODS sheet writes a run of equal rows or cells once, with a count
//! (`table:number-rows-repeated`, `table:number-columns-repeated`), and calamine expands every
//! run it keeps into a dense range, for every sheet, as the workbook is opened. An 800-byte file
//! whose one cell is repeated a thousand times across a million rows asked it for a billion
//! cells, and the system killed the whole run at 24 GB. `content.xml` is read here first,
//! streamed, counting what calamine would lay out, and a workbook past [`MAX_DENSE_CELLS`] is
//! refused with the sheet that makes it so.
//!
//! Counted as calamine 0.32 expands (`ods.rs`, `read_row` and `get_range`): a row's cells up to
//! its last non-empty one, each as many times as it repeats; a sheet's rows from its first
//! non-empty one to its last, each as many times as it repeats, all as wide as the widest. Runs
//! of empty rows before the first and after the last, and of empty cells after a row's last, are
//! not expanded: LibreOffice ends every sheet with a million-row run of empty cells, and such a
//! file is read as usual. A cell counts as non-empty if it has a value type, a formula or any
//! content (text without a value type, a comment), which can only count more than calamine keeps.

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::io::BufReader;

use super::xlsx_percent::Zip;

/// The most cells a workbook calamine lays out whole (ODS) may expand to. Each costs calamine
/// some 56 bytes (its value and its formula), so this is some 56 MB; a real form is a few hundred
/// cells, and a workbook of a thousand forms a few hundred thousand.
pub const MAX_DENSE_CELLS: u64 = 1_000_000;

/// Where an ODS workbook passes [`MAX_DENSE_CELLS`]: the sheet, and the cells counted up to
/// and through it (more than the limit). `None` if it does not, or if `content.xml` is missing
/// or damaged (calamine reads it next, and says so).
pub fn too_many_cells(zip: &mut Zip<'_>) -> Option<(String, u64)> {
    let counted = sheet_cells(zip, MAX_DENSE_CELLS)?;
    let total = counted.iter().fold(0u64, |t, (_, n)| t.saturating_add(*n));
    let (last, _) = counted.into_iter().last()?;
    (total > MAX_DENSE_CELLS).then_some((last, total))
}

/// Each sheet's name and the cells calamine lays out for it, in order, up to the sheet whose
/// count takes the total past `stop_past` (counted only as far as that). `None` if
/// `content.xml` is missing or damaged.
fn sheet_cells(zip: &mut Zip<'_>, stop_past: u64) -> Option<Vec<(String, u64)>> {
    let entry = zip.by_name("content.xml").ok()?;
    let mut r = Reader::from_reader(BufReader::new(entry));
    // As calamine reads it: an XML error stops both at the same place, and `<a/>` is a start
    // and an end (`<table:table-row/>` is an empty row).
    let config = r.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::new();
    let mut counted: Vec<(String, u64)> = Vec::new();
    let mut total: u64 = 0;
    let mut sheet: Option<Sheet> = None;
    // Elements open inside the current cell: a cell's content is not more cells.
    let mut in_cell = 0usize;
    loop {
        let event = match r.read_event_into(&mut buf) {
            Ok(Event::Eof) => return Some(counted),
            Err(_) => return None,
            Ok(e) => e,
        };
        match event {
            Event::Start(_) if in_cell > 0 => {
                if let Some(s) = sheet.as_mut() {
                    s.content_in_cell();
                }
                in_cell += 1;
            }
            Event::Text(ref t) if in_cell > 0 && !t.iter().all(u8::is_ascii_whitespace) => {
                if let Some(s) = sheet.as_mut() {
                    s.content_in_cell();
                }
            }
            Event::CData(_) if in_cell > 0 => {
                if let Some(s) = sheet.as_mut() {
                    s.content_in_cell();
                }
            }
            Event::End(_) if in_cell > 0 => in_cell -= 1,
            Event::Start(ref e) => match e.name().as_ref() {
                b"table:table" => {
                    let name = attr(e, b"table:name").unwrap_or_default();
                    sheet = Some(Sheet::new(name));
                }
                b"table:table-row" => {
                    if let Some(s) = sheet.as_mut() {
                        s.row_start(repeats(e, b"table:number-rows-repeated"));
                    }
                }
                b"table:table-cell" | b"table:covered-table-cell" => {
                    if let Some(s) = sheet.as_mut() {
                        // A value, or a formula (calamine lays its formulas out the same way).
                        let typed = attr(e, b"office:value-type").is_some()
                            || attr(e, b"table:formula").is_some();
                        s.cell(repeats(e, b"table:number-columns-repeated"), typed);
                    }
                    in_cell = 1;
                }
                _ => {}
            },
            Event::End(e) => match e.name().as_ref() {
                b"table:table-row" => {
                    if let Some(s) = sheet.as_mut() {
                        s.row_end();
                    }
                }
                b"table:table" => {
                    if let Some(s) = sheet.take() {
                        let cells = s.cells();
                        total = total.saturating_add(cells);
                        counted.push((s.name, cells));
                        if total > stop_past {
                            return Some(counted);
                        }
                    }
                }
                _ => {}
            },
            _ => {}
        }
        if let Some(s) = &sheet {
            // A sheet that passes the limit alone is not read to its end.
            if total.saturating_add(s.cells()) > stop_past {
                counted.push((s.name.clone(), s.cells()));
                return Some(counted);
            }
        }
        buf.clear();
    }
}

/// What is counted of the sheet being read.
struct Sheet {
    name: String,
    /// The widest row so far, counted to its last non-empty cell.
    width: u64,
    /// Rows from the first non-empty one to the last, each as often as it repeats.
    rows: u64,
    /// Rows since the last non-empty one: counted in if a non-empty row follows.
    empty_run: u64,
    /// The current row: how often it repeats, its cells so far, and its length to its last
    /// non-empty cell.
    repeat: u64,
    cols: u64,
    len: u64,
    /// Whether anything was found in the current cell.
    cell_full: bool,
}

impl Sheet {
    fn new(name: String) -> Sheet {
        Sheet {
            name,
            width: 0,
            rows: 0,
            empty_run: 0,
            repeat: 1,
            cols: 0,
            len: 0,
            cell_full: false,
        }
    }

    fn cells(&self) -> u64 {
        let rows = match self.len {
            // The current row, counted as if it ends here.
            0 => self.rows,
            _ => self
                .rows
                .saturating_add(if self.rows > 0 { self.empty_run } else { 0 })
                .saturating_add(self.repeat),
        };
        self.width.max(self.len).saturating_mul(rows)
    }

    fn row_start(&mut self, repeat: u64) {
        (self.repeat, self.cols, self.len) = (repeat, 0, 0);
    }

    fn cell(&mut self, repeat: u64, typed: bool) {
        self.cols = self.cols.saturating_add(repeat);
        self.cell_full = typed;
        if typed {
            self.len = self.cols;
        }
    }

    /// Something inside the current cell: its text or an element.
    fn content_in_cell(&mut self) {
        if !self.cell_full {
            self.cell_full = true;
            self.len = self.cols;
        }
    }

    fn row_end(&mut self) {
        if self.len == 0 {
            if self.rows > 0 {
                self.empty_run = self.empty_run.saturating_add(self.repeat);
            }
        } else {
            if self.rows > 0 {
                self.rows = self.rows.saturating_add(self.empty_run);
            }
            self.rows = self.rows.saturating_add(self.repeat);
            self.empty_run = 0;
            self.width = self.width.max(self.len);
        }
        (self.repeat, self.cols, self.len) = (1, 0, 0);
    }
}

/// A repeat count: 1 when absent or unreadable (calamine then refuses the file itself).
fn repeats(e: &BytesStart<'_>, name: &[u8]) -> u64 {
    attr(e, name)
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(1)
}

/// An attribute's value, unescaped: a sheet named `收&支` is written `收&amp;支`, and a
/// refusal names it as the spreadsheet shows it. A value whose escapes are broken is kept as
/// written.
fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == name)
        .map(|a| {
            let raw = String::from_utf8_lossy(&a.value);
            match quick_xml::escape::unescape(&raw) {
                Ok(v) => v.into_owned(),
                Err(_) => raw.into_owned(),
            }
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    /// An ODS package of these sheets (name, rows' XML).
    fn ods(sheets: &[(&str, String)]) -> Vec<u8> {
        let tables: String = sheets
            .iter()
            .map(|(name, rows)| format!("<table:table table:name=\"{name}\">{rows}</table:table>"))
            .collect();
        let content = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" office:version=\"1.2\"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"
        );
        let manifest = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" manifest:media-type=\"application/vnd.oasis.opendocument.spreadsheet\"/><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>";
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
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

    fn text(t: &str) -> String {
        format!("<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>")
    }

    fn row(repeat: usize, cells: &str) -> String {
        format!(
            "<table:table-row table:number-rows-repeated=\"{repeat}\">{cells}</table:table-row>"
        )
    }

    fn empty(repeat: usize) -> String {
        format!("<table:table-cell table:number-columns-repeated=\"{repeat}\"/>")
    }

    /// What LibreOffice ends every sheet with: the rest of the sheet's rows, empty.
    fn libreoffice_tail() -> String {
        row(1_048_553, &empty(1024))
    }

    fn counted(bytes: &[u8]) -> Vec<(String, u64)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        sheet_cells(&mut zip, u64::MAX).unwrap()
    }

    fn refused(bytes: &[u8]) -> Option<(String, u64)> {
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
        too_many_cells(&mut zip)
    }

    /// The cells calamine lays out for each sheet.
    fn calamine_cells(bytes: &[u8]) -> Vec<(String, u64)> {
        use calamine::Reader;
        let mut book = calamine::Ods::new(Cursor::new(bytes)).unwrap();
        let names = book.sheet_names();
        names
            .into_iter()
            .map(|n| {
                let range = book.worksheet_range(&n).unwrap();
                let (h, w) = range.get_size();
                (n, (h * w) as u64)
            })
            .collect()
    }

    #[test]
    fn counts_what_calamine_lays_out() {
        let shapes = [
            // A form-sized sheet, then the rows LibreOffice writes after it.
            (
                "form",
                format!(
                    "{}{}{}{}",
                    row(1, &(text("项目名称") + &empty(2) + &text("甲"))),
                    row(3, &text("乙")),
                    row(1, &(text("丙") + &empty(5) + &text("丁") + &empty(1000))),
                    libreoffice_tail()
                ),
            ),
            // Empty rows between two written ones are laid out; a repeated cell is laid out
            // as often as it repeats.
            (
                "gaps",
                format!(
                    "{}{}{}{}",
                    row(1, &text("甲")),
                    row(40, &empty(3)),
                    row(2, "<table:table-cell table:number-columns-repeated=\"7\" office:value-type=\"float\" office:value=\"1\"><text:p>1</text:p></table:table-cell>"),
                    row(1, &text("乙"))
                ),
            ),
            // A cell holding text but no value type is not empty; a styled empty cell is.
            (
                "untyped",
                format!(
                    "{}{}",
                    row(2, "<table:table-cell><text:p>甲</text:p></table:table-cell>"),
                    row(1, "<table:table-cell table:style-name=\"ce1\"/>")
                ),
            ),
        ];
        let sheets: Vec<(&str, String)> = shapes.iter().map(|(n, r)| (*n, r.clone())).collect();
        let bytes = ods(&sheets);
        let (ours, theirs) = (counted(&bytes), calamine_cells(&bytes));
        assert_eq!(
            ours,
            [
                ("form".to_owned(), 5 * 7),
                ("gaps".to_owned(), 44 * 7),
                ("untyped".to_owned(), 2)
            ]
        );
        // Exactly calamine's where every written cell has a value type; more where one has
        // text alone (calamine reads it as empty).
        assert_eq!(ours[..2], theirs[..2]);
        assert_eq!(theirs[2], ("untyped".to_owned(), 0));
        assert_eq!(refused(&bytes), None);
    }

    #[test]
    fn a_repeated_cell_past_the_limit_is_refused_before_it_is_expanded() {
        // 800 bytes, a billion cells.
        let bomb = ods(&[(
            "S",
            row(
                1_048_000,
                &text("x").replace(
                    "<table:table-cell ",
                    "<table:table-cell table:number-columns-repeated=\"1000\" ",
                ),
            ),
        )]);
        assert!(bomb.len() < 2_000);
        let (sheet, cells) = refused(&bomb).unwrap();
        assert_eq!(sheet, "S");
        assert!(cells > MAX_DENSE_CELLS);
    }

    /// A refusal names the sheet as the spreadsheet shows it, not as its XML escapes it.
    #[test]
    fn a_refused_sheet_is_named_unescaped() {
        let bomb = row(1_000_000, &(empty(9) + &text("x")));
        assert_eq!(
            refused(&ods(&[("收&amp;支", bomb)])).map(|(s, _)| s),
            Some("收&支".to_owned())
        );
    }

    #[test]
    fn the_limit_counts_every_sheet_and_the_rows_between() {
        // Ten columns, and 99,998 empty rows between two written ones: 100,000 rows laid out,
        // a million cells, the limit itself.
        let wide = text("甲") + &empty(8) + &text("乙");
        let framed = |gap| format!("{}{}{}", row(1, &wide), row(gap, &empty(10)), row(1, &wide));
        let at_limit = framed(99_998);
        assert_eq!(
            counted(&ods(&[("A", at_limit.clone())])),
            [("A".to_owned(), MAX_DENSE_CELLS)]
        );
        assert_eq!(refused(&ods(&[("A", at_limit.clone())])), None);
        // One more row, or a second sheet of one cell, is past it.
        let past = framed(99_999);
        assert_eq!(
            refused(&ods(&[("A", past)])).map(|(s, _)| s),
            Some("A".to_owned())
        );
        let two = ods(&[("A", at_limit), ("B", row(1, &text("丙")))]);
        assert_eq!(refused(&two), Some(("B".to_owned(), MAX_DENSE_CELLS + 1)));
    }

    #[test]
    fn leading_empty_rows_and_a_missing_content_part_are_not_counted() {
        let far = ods(&[("S", row(1_048_000, &empty(1)) + &row(1, &text("甲")))]);
        assert_eq!(counted(&far), [("S".to_owned(), 1)]);
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        zip.start_file("mimetype", zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        let bytes = zip.finish().unwrap().into_inner();
        assert_eq!(refused(&bytes), None);
    }
}
