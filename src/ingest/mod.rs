//! Ingest: files to [`Document`]s.
//!
//! Owns reading bytes, detecting the encoding and recognising forms in each input format.
//! It never panics on input and never fails a whole run: a file it cannot read becomes a
//! document with a diagnostic. It must not apply rules: the only findings it makes are the
//! structural ones it meets while reading (codes `I…` and `S…`).

mod cells;
mod decode;
mod grid;
pub mod labels;
mod ods_extent;
mod prose;
mod sheet;
pub(crate) mod structured;
mod tables;
mod tasks;
mod text;
pub(crate) mod xls_extent;
mod xlsx_percent;
mod yaml_events;

pub use cells::is_space;
pub use text::{on_this_thread, parse_amount, Amount};

use crate::diagnostics::{codes, Diagnostic, Label};
use crate::model::{Document, Form, LineIndex, Span};
use std::path::Path;

/// One file read: the document (possibly empty), what went wrong while reading it, and
/// whether it could be read at all (unreadable files make the run exit with 2).
pub struct Ingested {
    pub document: Document,
    pub diagnostics: Vec<Diagnostic>,
    pub unreadable: bool,
}

/// File extensions picked up when walking a folder.
pub const EXTENSIONS: &[&str] = &["txt", "tsv", "csv", "xlsx", "xlsm", "xls", "ods"];

/// Structured forms in a folder are named `*.form.yaml` (or `.yml`, `.json`), so that rule
/// packs and other YAML beside them are not read as forms; a file named on the command line
/// is read whatever its name.
pub const STRUCTURED_SUFFIXES: &[&str] = &[".form.yaml", ".form.yml", ".form.json"];

/// Whether a file found while walking a folder is one kpilint reads. By the name's
/// extension alone: a name that is not UTF-8 (GBK names unpacked from a zip made on
/// Windows) is read like any other, not skipped without a word.
pub fn picked_up(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default()
        .to_ascii_lowercase();
    STRUCTURED_SUFFIXES.iter().any(|s| name.ends_with(s))
        || EXTENSIONS.contains(&extension_as_written(&name))
}

/// Workbook extensions, read through calamine.
const WORKBOOKS: &[&str] = &["xlsx", "xlsm", "xls", "ods"];

/// How a file is read, by its name's extension in any case (`表.XLSX` is a workbook). Settled
/// once where a file is read: each reader used to lower the extension into a string of its own
/// and compare it again, two or three times a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Workbook,
    Csv,
    Json,
    Yaml,
    /// A text extraction: any other name, or none.
    Text,
}

impl Format {
    pub(crate) fn of(path: &str) -> Format {
        let ext = extension_as_written(path);
        let is = |e: &str| ext.eq_ignore_ascii_case(e);
        if WORKBOOKS.iter().any(|w| is(w)) {
            Format::Workbook
        } else if is("csv") {
            Format::Csv
        } else if is("json") {
            Format::Json
        } else if is("yaml") || is("yml") {
            Format::Yaml
        } else {
            Format::Text
        }
    }

    fn is_structured(self) -> bool {
        matches!(self, Format::Json | Format::Yaml)
    }
}

/// A file name's extension as the name spells it; empty if it has none (or it is not UTF-8).
fn extension_as_written(path: &str) -> &str {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
}

/// Files larger than this are not read: the largest real disclosure is a few MB, and
/// reading (and laying out) a file takes a few times its size in memory.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Where a reader hands over the forms it has finished, in the document's order, a block at a
/// time while the rest of the file is still being read, with the findings it has made so far
/// and not yet handed over (those about these forms among them): whatever judges one form at
/// a time (the per-form rules) can run there and let go of what it alone needed (a form's
/// rows), so that a file's forms are not all held whole at once. The sink may take the
/// findings (a broken grid has one on every row); those it leaves are the document's. Ingest
/// does not know what it does; it only promises that every form of the document it returns is
/// handed over exactly once, before it returns, and never changed after, and that it never
/// looks again at the findings it handed over.
pub type FormSink<'s> = &'s mut dyn FnMut(&mut [Form], &mut Vec<Diagnostic>);

/// A sink for a reader whose caller wants the forms whole in the document.
fn keep(_: &mut [Form], _: &mut Vec<Diagnostic>) {}

/// Reads one file from disk.
pub fn read_path(path: &Path) -> Ingested {
    read_path_sized(path, None)
}

/// [`read_path`] for a regular file whose size the caller has just asked the file system
/// for: a run weighs every file to plan its windows, and asking again here was one of the
/// six system calls a one-form file cost.
pub fn read_path_sized(path: &Path, known: Option<u64>) -> Ingested {
    read_path_handing(path, known, &mut keep)
}

/// [`read_path_sized`], handing every form to `finished` as it is read ([`FormSink`]).
pub fn read_path_handing(path: &Path, known: Option<u64>, finished: FormSink<'_>) -> Ingested {
    // The readers that hand forms over as they go hand over a prefix of the document's forms;
    // the rest (every form of a structured file) are handed over here.
    let mut handed = 0;
    let mut ing = read_path_inner(path, known, &mut |forms, found| {
        handed += forms.len();
        finished(forms, found)
    });
    if let Some(rest) = ing
        .document
        .forms
        .get_mut(handed..)
        .filter(|r| !r.is_empty())
    {
        finished(rest, &mut ing.diagnostics);
    }
    ing
}

fn read_path_inner(path: &Path, known: Option<u64>, finished: FormSink<'_>) -> Ingested {
    let display = path.display().to_string();
    // The size, when the file system knows it; a pipe's is known only to exceed the limit.
    let too_large = |bytes: Option<u64>| {
        let size = bytes.map_or_else(String::new, |b| format!("有 {} MB，", b >> 20));
        unreadable(
            &display,
            Diagnostic::new(
                &codes::TOO_LARGE,
                format!("文件{size}超过 {} MB 的上限，未读取", MAX_FILE_BYTES >> 20),
                Label::new(Span::empty(0), "文件"),
            ),
        )
    };
    // Whether it is a regular file, and its length.
    let meta = known
        .map(|len| (true, len))
        .or_else(|| std::fs::metadata(path).ok().map(|m| (m.is_file(), m.len())));
    let mut size = 0;
    if let Some((file, len)) = meta {
        if file && len > MAX_FILE_BYTES {
            return too_large(Some(len));
        }
        size = len;
    }
    // Bounded even when the size was not known up front (a pipe, a device, a file that grew
    // since): nothing past the limit is read, so no text can outgrow a span's 32 bits.
    use std::io::Read;
    // Sized up front, as `fs::read` would: grown by doubling, a 10 MB file would hold 16.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    let read =
        std::fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    let format = Format::of(&display);
    match read {
        Ok(_) if bytes.len() as u64 > MAX_FILE_BYTES => too_large(None),
        Ok(_) if format == Format::Text => {
            // The bytes are done with: valid UTF-8 becomes the text in place.
            let fingerprint = crate::model::fingerprint(&bytes);
            decoded(&display, decode::decode_owned(bytes), fingerprint, finished)
        }
        Ok(_) if format == Format::Workbook => read_workbook(&display, bytes, finished),
        Ok(_) => read_file_handing(&display, format, &bytes, finished),
        Err(e) => unreadable(
            &display,
            Diagnostic::new(
                &codes::UNREADABLE,
                format!("无法读取文件：{}", io_reason(&e)),
                Label::new(Span::empty(0), "文件"),
            ),
        ),
    }
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "文件不存在".to_owned(),
        std::io::ErrorKind::PermissionDenied => "没有读取权限".to_owned(),
        _ if e.raw_os_error() == Some(21) => "这是一个目录".to_owned(),
        _ => e.to_string(),
    }
}

/// Reads a file's bytes by the format its name says: a workbook, CSV, or text.
pub fn read_file(path: &str, bytes: &[u8]) -> Ingested {
    read_file_handing(path, Format::of(path), bytes, &mut keep)
}

/// Whether a file of this name is read as a workbook: the run loop and the linter ask it of
/// every file, to bound the memory workbooks leave behind.
pub(crate) fn is_workbook(path: &str) -> bool {
    Format::of(path) == Format::Workbook
}

fn read_file_handing(path: &str, format: Format, bytes: &[u8], finished: FormSink<'_>) -> Ingested {
    match format {
        Format::Workbook => return read_workbook(path, bytes, finished),
        Format::Csv => return read_csv(path, bytes, finished),
        Format::Text => return read_bytes_handing(path, bytes, finished),
        Format::Json | Format::Yaml => {}
    }
    match decode::decode(bytes) {
        Ok(d) => {
            let mut ing = structured::read_handing(path, d.text, finished);
            ing.document.fingerprint = crate::model::fingerprint(bytes);
            ing.diagnostics.extend(d.diagnostics);
            ing
        }
        Err(_) => read_bytes_handing(path, bytes, finished),
    }
}

/// Reads a workbook: each sheet laid out as rows of tab-separated cells. Bytes it is given
/// to own are let go once the sheets are laid out, before the text is read: a workbook's
/// text is a few times its size, and a 10 MB workbook's bytes were held beside it.
fn read_workbook(path: &str, bytes: impl AsRef<[u8]>, finished: FormSink<'_>) -> Ingested {
    let fingerprint = crate::model::fingerprint(bytes.as_ref());
    let read = sheet::read_workbook(bytes.as_ref());
    let large = bytes.as_ref().len() >= 1 << 20;
    drop(bytes);
    if large {
        // What the workbook reader freed, scattered among what is kept, goes back to the
        // system before the text is read (a 10 MB workbook of 8,500 sheets: 1 MB less at
        // peak); after a small one, there is little to give back for the walk it costs.
        crate::alloc::release_free_memory();
    }
    match read {
        Ok(laid) => read_laid(
            path,
            fingerprint,
            laid,
            "xlsx",
            text::Blocks::Sheets,
            finished,
        ),
        Err(refused) => {
            let mut diag = Diagnostic::new(
                &codes::SPREADSHEET_UNREADABLE,
                format!("无法读取表格文件：{}", refused.reason),
                Label::new(Span::empty(0), "文件"),
            );
            if refused.too_big {
                diag = diag.with_help(
                    "绩效目标表用不到这么大的范围：在表格软件中删除该工作表远端误填的单元格或多余的重复行列，保存后再检查",
                );
            }
            unreadable(path, diag)
        }
    }
}

/// Reads CSV in any encoding the text reader accepts.
fn read_csv(path: &str, bytes: &[u8], finished: FormSink<'_>) -> Ingested {
    match decode::decode(bytes) {
        Ok(d) => {
            let laid = sheet::Laid::of([sheet::read_csv("", &d.text)]);
            let fingerprint = crate::model::fingerprint(bytes);
            let mut ing = read_laid(
                path,
                fingerprint,
                laid,
                d.encoding,
                text::Blocks::Text,
                finished,
            );
            // Decoding problems point into the CSV as written, which is not the text the
            // document keeps (its cells laid out anew): they are reported at the start.
            ing.diagnostics
                .extend(d.diagnostics.into_iter().map(|mut diag| {
                    diag.primary.span = Span::empty(0);
                    diag.secondary.clear();
                    diag
                }));
            ing
        }
        Err(_) => read_bytes_handing(path, bytes, finished),
    }
}

/// Reads sheets laid out as text ([`sheet::Laid`]), as a text file is read, in blocks sized
/// for a workbook's sheets or a CSV file's.
fn read_laid(
    path: &str,
    fingerprint: u64,
    laid: sheet::Laid,
    encoding: &'static str,
    blocks: text::Blocks,
    finished: FormSink<'_>,
) -> Ingested {
    let mut ing = read_text_handing(path, laid.text, encoding, blocks, finished);
    ing.document.sheets = laid.sheets;
    ing.document.fingerprint = fingerprint;
    for name in laid.truncated {
        ing.diagnostics.push(Diagnostic::new(
            &codes::SHEET_TRUNCATED,
            format!(
                "工作表“{name}”超过 {} 行或 {} 个单元格，其余部分未读取",
                sheet::MAX_ROWS,
                sheet::MAX_CELLS
            ),
            Label::new(Span::empty(0), "工作表"),
        ));
    }
    ing
}

/// Reads a file's bytes as text (from disk, an editor buffer or a test).
pub fn read_bytes(path: &str, bytes: &[u8]) -> Ingested {
    read_bytes_handing(path, bytes, &mut keep)
}

fn read_bytes_handing(path: &str, bytes: &[u8], finished: FormSink<'_>) -> Ingested {
    decoded(
        path,
        decode::decode(bytes),
        crate::model::fingerprint(bytes),
        finished,
    )
}

fn decoded(
    path: &str,
    decoded: Result<decode::Decoded, decode::DecodeError>,
    fingerprint: u64,
    finished: FormSink<'_>,
) -> Ingested {
    match decoded {
        Ok(d) => {
            let mut ing = read_text_handing(path, d.text, d.encoding, text::Blocks::Text, finished);
            ing.document.bom = d.bom;
            ing.document.fingerprint = fingerprint;
            ing.diagnostics.extend(d.diagnostics);
            ing
        }
        Err(decode::DecodeError::Binary { offset }) => unreadable(
            path,
            Diagnostic::new(
                &codes::BINARY,
                format!("文件不是文本：第 {offset} 字节处有 NUL 字节"),
                Label::new(Span::empty(0), "二进制内容"),
            ),
        ),
        Err(decode::DecodeError::Undecodable) => unreadable(
            path,
            Diagnostic::new(
                &codes::UNDECODABLE,
                "文件既不是有效的 UTF-8，也不是 GB18030/GBK 编码",
                Label::new(Span::empty(0), "无法解码"),
            ),
        ),
    }
}

/// Reads the text of an editor buffer: a structured form by its extension, else a text
/// extraction. (Spreadsheets and CSV are not edited as text: their cells are laid out anew.)
pub fn read_buffer(path: &str, text: String) -> Ingested {
    if Format::of(path).is_structured() {
        return structured::read(path, text);
    }
    read_text(path, text, "UTF-8")
}

/// Lines a file may have. Every line costs an entry in the line index, so a file of nothing
/// but line breaks (60 MB of them took 1.4 GB) is refused unread; real extractions average
/// some seventy bytes a line, so a 64 MB one has about a million.
pub const MAX_LINES: usize = 2_000_000;

/// Turns the line ends of a text whose lines end in a lone CR (Excel for Mac's tab-delimited
/// text, old Mac tools) into LF, one byte for one, so that every offset stays the text's own:
/// whether it did. Read as one line, such a file held no form at all.
pub fn lone_cr_as_lf(text: &mut String) -> bool {
    let cr = !text.contains('\n') && text.contains('\r');
    if cr {
        *text = text.replace('\r', "\n");
    }
    cr
}

/// Reads decoded text.
pub fn read_text(path: &str, text: String, encoding: &'static str) -> Ingested {
    read_text_handing(path, text, encoding, text::Blocks::Text, &mut keep)
}

fn read_text_handing(
    path: &str,
    mut text: String,
    encoding: &'static str,
    blocks: text::Blocks,
    finished: FormSink<'_>,
) -> Ingested {
    let cr_line_ends = lone_cr_as_lf(&mut text);
    if let Some(refused) = too_many_lines(path, &text) {
        return refused;
    }
    let line_index = LineIndex::new(&text);
    let read = text::read(&text, blocks, finished);
    let mut diagnostics = read.diagnostics;
    if text.trim().is_empty() {
        diagnostics.push(Diagnostic::new(
            &codes::EMPTY,
            "文件为空（没有任何文字）",
            Label::new(Span::empty(0), "空文件"),
        ));
    } else if read.forms.is_empty() {
        let hint = if read.tables.is_empty() {
            String::new()
        } else {
            format!(
                "（识别出 {} 张预算表，但没有绩效目标表）",
                read.tables.len()
            )
        };
        let first_line_end = text.find('\n').unwrap_or(text.len());
        diagnostics.push(Diagnostic::new(
            &codes::NO_FORMS,
            format!("文件中未识别出绩效目标表{hint}"),
            Label::new(
                Span::new(
                    0,
                    crate::model::floor_char_boundary(&text, first_line_end.min(200)),
                ),
                "文件开头",
            ),
        ));
    }
    Ingested {
        document: Document {
            path: path.to_owned(),
            text,
            encoding,
            line_index,
            forms: read.forms,
            tables: read.tables,
            prose: read.prose,
            cr_line_ends,
            ..Document::default()
        },
        diagnostics,
        unreadable: false,
    }
}

/// A file that could not be read, as its one finding: nothing else of it is known.
/// A text of more than [`MAX_LINES`] lines, refused unread: counted before the index is built,
/// so that a refused file costs no memory (a 10 MB YAML file of line breaks took 70 MB).
fn too_many_lines(path: &str, text: &str) -> Option<Ingested> {
    let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    (lines > MAX_LINES).then(|| {
        unreadable(
            path,
            Diagnostic::new(
                &codes::TOO_LARGE,
                format!("文件有 {lines} 行，超过 {MAX_LINES} 行的上限，未读取"),
                Label::new(Span::empty(0), "文件"),
            ),
        )
    })
}

pub fn unreadable(path: &str, diagnostic: Diagnostic) -> Ingested {
    Ingested {
        document: Document {
            path: path.to_owned(),
            line_index: LineIndex::new(""),
            ..Document::default()
        },
        diagnostics: vec![diagnostic],
        unreadable: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A workbook is known by its extension in any case, and only by the extension.
    #[test]
    fn workbooks_are_known_by_their_extension_in_any_case() {
        for name in [
            "a.xlsx",
            "b.XLSX",
            "c.Xlsm",
            "d.xls",
            "e.ods",
            "目录/表.XLS",
        ] {
            assert!(is_workbook(name), "{name}");
        }
        let others = [
            "f.txt",
            "g.xlsx.txt",
            "xlsx",
            ".xlsx",
            "h.xlsx/i.txt",
            "j.csv",
            "k.xlsb",
            "l.",
        ];
        for name in others {
            assert!(!is_workbook(name), "{name}");
        }
    }

    /// Each reader is chosen by the extension in any case; any other name is a text extraction.
    #[test]
    fn formats_are_known_by_their_extension_in_any_case() {
        for (name, format) in [
            ("a.csv", Format::Csv),
            ("b.CSV", Format::Csv),
            ("c.json", Format::Json),
            ("d.form.JSON", Format::Json),
            ("e.yaml", Format::Yaml),
            ("f.Yml", Format::Yaml),
            ("g.xlsx", Format::Workbook),
            ("h.txt", Format::Text),
            ("i.tsv", Format::Text),
            ("j.json.txt", Format::Text),
            ("yaml", Format::Text),
            ("k", Format::Text),
            ("表.ＣＳＶ", Format::Text),
        ] {
            assert_eq!(Format::of(name), format, "{name}");
        }
    }

    /// A workbook's sheets are handed over in blocks of at most 32 forms on two threads (the
    /// 10 MB workbook of 8,500 sheets is the shape nearest the memory target), and the same
    /// forms in a text or CSV file 128 at a time (`text::Blocks`).
    #[test]
    fn a_workbooks_forms_are_handed_over_in_smaller_blocks() {
        let rows: Vec<Vec<String>> = (0..100)
            .flat_map(|f| {
                [
                    vec!["项目支出绩效目标表".to_owned()],
                    vec!["项目名称".to_owned(), format!("项目{f}")],
                    ["一级指标", "二级指标", "三级指标", "指标值"]
                        .map(str::to_owned)
                        .to_vec(),
                    vec![
                        "产出指标".to_owned(),
                        "数量指标".to_owned(),
                        format!("指标{f}"),
                        "≥1个".to_owned(),
                    ],
                ]
            })
            .collect();
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                sheet
                    .write_string(r as u32, c as u16, cell)
                    .expect("a cell written");
            }
        }
        let xlsx = book.save_to_buffer().expect("a workbook");
        let csv: String = rows.iter().map(|r| r.join(",") + "\n").collect();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads");
        let sizes = |read: &(dyn Fn(FormSink<'_>) -> Ingested + Sync)| -> Vec<usize> {
            let mut calls = Vec::new();
            let ing = two.install(|| read(&mut |forms, _| calls.push(forms.len())));
            assert_eq!(ing.document.forms.len(), 100);
            calls
        };
        let as_workbook = sizes(&|sink| read_workbook("a.xlsx", &xlsx, sink));
        assert_eq!(as_workbook.iter().sum::<usize>(), 100);
        assert!(
            as_workbook.len() >= 4 && as_workbook.iter().all(|&n| n <= 32),
            "{as_workbook:?}"
        );
        let as_csv = sizes(&|sink| read_csv("a.csv", csv.as_bytes(), sink));
        assert_eq!(as_csv, [99, 1]);
    }

    /// Every form of the document a reader returns was handed over once, in order, whatever
    /// the format: the text reader hands them over as it goes, a structured file's at the end.
    #[test]
    fn every_reader_hands_over_every_form() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let form = dir.path().join("a.form.yaml");
        std::fs::write(
            &form,
            "项目名称: 教育督导专项经费\n资金:\n  年度: {资金总额: 20000}\n绩效指标:\n  - 年度: {二级指标: 数量指标, 三级指标: 督导次数, 指标值: ≥4次}\n",
        )
        .expect("written");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        for path in [
            form,
            root.join("corpus/000_cb0bcf906edd3817.txt"),
            root.join("fixtures/other_issuer_single_period.txt"),
        ] {
            let mut handed: Vec<(Span, usize)> = Vec::new();
            let ing = read_path_handing(&path, None, &mut |forms, _| {
                handed.extend(forms.iter().map(|f| (f.span, f.indicators.len())))
            });
            let forms: Vec<(Span, usize)> = ing
                .document
                .forms
                .iter()
                .map(|f| (f.span, f.indicators.len()))
                .collect();
            assert!(!forms.is_empty(), "{}", path.display());
            assert_eq!(handed, forms, "{}", path.display());
        }
    }
}
