//! Which cells of an xlsx workbook show their number as a percentage.
//!
//! Excel stores `95%` typed into a cell as the number 0.95 with a percent number format, and
//! calamine hands back the number alone: the forms' most common value (`100%` is one value in
//! nine of the disclosure) would reach the recogniser as `1`, a completion rate without a unit.
//! The format is in two places calamine reads but does not expose: `xl/styles.xml` maps a
//! cell's style index to a number format, and each sheet's XML gives each cell its style index.
//! This reads both, for the cells whose format is a percentage only.
//!
//! Anything unexpected (a part missing, damaged XML) gives no percent cells rather than an
//! error: calamine reads the same parts and reports damage itself. The zip's declared sizes are
//! checked before this runs (`sheet::check_zip`), and a sheet's scan stops at the same number of
//! cells as its reading.

use super::sheet::MAX_CELLS;
use quick_xml::encoding::Decoder;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Cursor};

/// A workbook's zip, read from its bytes in memory.
pub type Zip<'b> = zip::ZipArchive<Cursor<&'b [u8]>>;
/// A part of the package being read.
type Part<'z, 'b> = Reader<BufReader<zip::read::ZipFile<'z, Cursor<&'b [u8]>>>>;

/// By sheet name, the (row, column) of each number cell formatted as a percentage, 0-based
/// as calamine counts them.
pub type PercentCells = HashMap<String, HashSet<(u32, u32)>>;

/// The workbook's zip, opened once by `sheet::read_workbook` and checked there.
pub fn percent_cells(zip: &mut Zip<'_>) -> PercentCells {
    let styles = part(zip, "xl/styles.xml").map(percent_styles);
    let Some(styles) = styles.filter(|s| s.iter().any(|&p| p)) else {
        // No percent format in the workbook: no sheet needs scanning.
        return PercentCells::new();
    };
    let mut out = PercentCells::new();
    for (name, path) in sheet_parts(zip) {
        // Streamed: a sheet's part can be hundreds of megabytes, and calamine streams it too.
        let Ok(entry) = zip.by_name(&path) else {
            continue;
        };
        let cells = cells_with_style(BufReader::new(entry), &styles);
        if !cells.is_empty() {
            out.insert(name, cells);
        }
    }
    out
}

/// A small part of the package (styles, the workbook, its relationships), streamed.
fn part<'z, 'b>(zip: &'z mut Zip<'b>, path: &str) -> Option<Part<'z, 'b>> {
    let entry = zip.by_name(path).ok()?;
    Some(Reader::from_reader(BufReader::new(entry)))
}

/// An attribute's value by its local name (`r:id` is `id`), unescaped.
fn attr(e: &BytesStart<'_>, decoder: Decoder, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.decode_and_unescape_value(decoder).ok())
        .map(|v| v.into_owned())
}

/// For each cell style (`cellXfs`, by index), whether its number format is a percentage.
fn percent_styles<R: BufRead>(mut r: Reader<R>) -> Vec<bool> {
    let mut buf = Vec::new();
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut styles = Vec::new();
    let mut in_cell_xfs = false;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"numFmt" => {
                    let id = attr(&e, r.decoder(), b"numFmtId").and_then(|i| i.parse().ok());
                    let code = attr(&e, r.decoder(), b"formatCode");
                    if let (Some(id), Some(code)) = (id, code) {
                        custom.insert(id, is_percent_format(&code));
                    }
                }
                b"cellXfs" => in_cell_xfs = true,
                b"xf" if in_cell_xfs => {
                    let id: Option<u32> =
                        attr(&e, r.decoder(), b"numFmtId").and_then(|i| i.parse().ok());
                    styles.push(id.is_some_and(|id| {
                        // Built-in formats 9 (`0%`) and 10 (`0.00%`); a custom one may
                        // reuse neither number.
                        custom.get(&id).copied().unwrap_or(matches!(id, 9 | 10))
                    }));
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == b"cellXfs" => in_cell_xfs = false,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    styles
}

/// Whether a number format code shows its number as a percentage: a `%` in its first section
/// (the one for positive numbers) that is neither quoted (`0"%"`) nor escaped (`0\%`), as
/// only such a `%` multiplies the number by 100.
pub fn is_percent_format(code: &str) -> bool {
    let mut quoted = false;
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => quoted = !quoted,
            '\\' | '_' | '*' if !quoted => {
                // The next character is literal (`\%`), a space its width (`_%`) or a fill.
                chars.next();
            }
            ';' if !quoted => return false,
            '%' if !quoted => return true,
            _ => {}
        }
    }
    false
}

/// The workbook's sheets in order: their names and the paths of their parts.
fn sheet_parts(zip: &mut Zip<'_>) -> Vec<(String, String)> {
    let Some(mut r) = part(zip, "xl/_rels/workbook.xml.rels") else {
        return Vec::new();
    };
    let mut targets = HashMap::new();
    let mut buf = Vec::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"Relationship" => {
                if let (Some(id), Some(target)) = (
                    attr(&e, r.decoder(), b"Id"),
                    attr(&e, r.decoder(), b"Target"),
                ) {
                    // Targets are relative to `xl/`, or absolute in the package.
                    let path = match target.strip_prefix('/') {
                        Some(abs) => abs.to_owned(),
                        None => format!("xl/{target}"),
                    };
                    targets.insert(id, path);
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    drop(r);
    let Some(mut r) = part(zip, "xl/workbook.xml") else {
        return Vec::new();
    };
    let mut sheets = Vec::new();
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == b"sheet" => {
                let name = attr(&e, r.decoder(), b"name");
                let path = attr(&e, r.decoder(), b"id").and_then(|id| targets.get(&id).cloned());
                if let (Some(name), Some(path)) = (name, path) {
                    sheets.push((name, path));
                }
            }
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    sheets
}

/// The number cells of a sheet whose style is one of `percent`'s.
fn cells_with_style(xml: impl BufRead, percent: &[bool]) -> HashSet<(u32, u32)> {
    let mut out = HashSet::new();
    let mut r = Reader::from_reader(xml);
    let mut buf = Vec::new();
    // A row or cell may leave out its reference: it then follows the one before (the first
    // row is row 0, a row's first cell column 0).
    let (mut row, mut col) = (u32::MAX, u32::MAX);
    let mut seen = 0usize;
    loop {
        match r.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                b"row" => {
                    row = attr(&e, r.decoder(), b"r")
                        .and_then(|n| n.parse::<u32>().ok())
                        .map_or(row.wrapping_add(1), |n| n.saturating_sub(1));
                    col = u32::MAX;
                }
                b"c" => {
                    seen += 1;
                    if seen > MAX_CELLS {
                        break;
                    }
                    // One look at the cell's attributes, which are ASCII: every cell of a
                    // sheet passes here.
                    let (mut at, mut style, mut number) = (None, None, true);
                    for a in e.attributes().flatten() {
                        let v = std::str::from_utf8(&a.value).unwrap_or("");
                        match a.key.local_name().as_ref() {
                            b"r" => at = reference(v),
                            b"s" => style = v.parse::<usize>().ok(),
                            // `t` absent or `n` is a number; strings, booleans, errors and
                            // ISO dates keep their text.
                            b"t" => number = v == "n",
                            _ => {}
                        }
                    }
                    (row, col) = at.unwrap_or((row, col.wrapping_add(1)));
                    if number && style.is_some_and(|s| percent.get(s) == Some(&true)) {
                        out.insert((row, col));
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    out
}

/// A cell reference (`B5`) as 0-based (row, column).
fn reference(r: &str) -> Option<(u32, u32)> {
    let digits = r.find(|c: char| c.is_ascii_digit())?;
    let (letters, number) = r.split_at(digits);
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let mut col = 0u32;
    for b in letters.bytes() {
        if !b.is_ascii_alphabetic() {
            return None;
        }
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1;
    }
    let row: u32 = number.parse().ok()?;
    Some((row.checked_sub(1)?, col - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_formats() {
        for code in ["0%", "0.00%", "0.0%;[Red]-0.0%", "#,##0.0%", "[Blue]0%"] {
            assert!(is_percent_format(code), "{code}");
        }
        for code in [
            "0", "0.00", r#"0"%""#, r"0\%", "General", "0;-0%", "0_%", "@",
        ] {
            assert!(!is_percent_format(code), "{code}");
        }
    }

    #[test]
    fn references() {
        assert_eq!(reference("A1"), Some((0, 0)));
        assert_eq!(reference("B5"), Some((4, 1)));
        assert_eq!(reference("AA10"), Some((9, 26)));
        assert_eq!(reference("5"), None);
        assert_eq!(reference("A0"), None);
        assert_eq!(reference("ABCD1"), None);
    }

    #[test]
    fn styles_by_index() {
        let xml = br#"<styleSheet><numFmts count="2">
            <numFmt numFmtId="164" formatCode="0.0%"/>
            <numFmt numFmtId="165" formatCode="0&quot;%&quot;"/></numFmts>
            <cellStyleXfs><xf numFmtId="9"/></cellStyleXfs>
            <cellXfs><xf numFmtId="0"/><xf numFmtId="9"/><xf numFmtId="164"></xf>
            <xf numFmtId="165"/><xf numFmtId="10"/></cellXfs></styleSheet>"#;
        // `cellStyleXfs` is not counted; a quoted `%` is text, not a percentage.
        assert_eq!(
            percent_styles(Reader::from_reader(&xml[..])),
            [false, true, true, false, true]
        );
    }

    #[test]
    fn cells_by_style_and_type() {
        let xml = br#"<worksheet><sheetData>
            <row r="2"><c r="A2" s="1"><v>0.95</v></c><c r="B2" s="1" t="s"><v>3</v></c>
            <c s="1"><v>1</v></c><c r="D2" s="0"><v>7</v></c></row>
            <row><c s="1" t="n"><v>0.5</v></c></row></sheetData></worksheet>"#;
        let cells = cells_with_style(&xml[..], &[false, true]);
        let mut cells: Vec<_> = cells.into_iter().collect();
        cells.sort();
        // A2; C2 follows B2 without a reference; the next row's first cell is A3.
        assert_eq!(cells, [(1, 0), (1, 2), (2, 0)]);
        // Without any reference, the first row is row 1 and its first cell column A.
        let bare = br#"<worksheet><sheetData><row><c s="1"><v>1</v></c><c s="1"><v>1</v></c>
            </row></sheetData></worksheet>"#;
        let mut cells: Vec<_> = cells_with_style(&bare[..], &[false, true])
            .into_iter()
            .collect();
        cells.sort();
        assert_eq!(cells, [(0, 0), (0, 1)]);
    }

    #[test]
    fn a_zip_without_a_workbook_has_no_percent_cells() {
        let mut bytes = Vec::new();
        {
            let mut w = zip::ZipWriter::new(Cursor::new(&mut bytes));
            w.start_file("xl/styles.xml", zip::write::SimpleFileOptions::default())
                .unwrap();
            std::io::Write::write_all(
                &mut w,
                b"<styleSheet><cellXfs><xf numFmtId=\"9\"/></cellXfs></styleSheet>",
            )
            .unwrap();
            w.finish().unwrap();
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        // A percent style, but no workbook part naming sheets: nothing to scan, no error.
        assert!(percent_cells(&mut zip).is_empty());
    }
}
