//! Reports written as the run goes, so memory holds one file's findings at a time whatever
//! the size of the run.
//!
//! The human and GitHub reports are lines: each file's part is written as soon as the file
//! is linted. JSON and SARIF are one document each: its findings are written as they come
//! ([`Streamed`]), and what depends on the whole run follows them (the counts, whether every
//! file was read); the JSON report's list of files, which also comes file by file, is set
//! aside in a spool (in memory, then a temporary file past a megabyte) and written after the
//! findings. The HTML report takes each form's section as it arrives, sets it aside, and
//! keeps only what it sorts by (set aside too past a few megabytes), then copies the sections
//! out in the order it chose.

use super::{FileReport, Tally};
use crate::model::RowsKept;
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// A file's part of a report, rendered from the file's report alone ([`Sink::render`]): on
/// the thread that linted the file, which can then drop the file's model there.
#[derive(Debug, Default)]
pub struct Part {
    /// The pieces, in the order the report's [`Sink::push_part`] takes them.
    pub texts: Vec<String>,
    /// Whether the file could not be read.
    pub unreadable: bool,
    /// The HTML report's part, which is not text to copy out but what its sort keeps.
    pub html: Option<Box<super::html::FilePart>>,
}

/// A report fed one file at a time, in run order.
pub trait Sink {
    fn push(&mut self, report: FileReport, out: &mut dyn Write) -> io::Result<()>;
    /// The file's part of the report, for a report whose parts need nothing of the files
    /// before: rendering it is then done by the threads that lint, not the one that writes
    /// (the human report spent half a run writing on one thread while the others waited).
    /// `None` for a report that cannot render a file's part on its own.
    fn render(&self, report: &FileReport) -> Option<Part> {
        let _ = report;
        None
    }
    /// Writes a part [`Sink::render`] gave, as [`Sink::push`] would write its file.
    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> io::Result<()> {
        let _ = (part, out);
        Err(io::Error::other("此报告格式不接受预先生成的内容"))
    }
    /// Writes whatever follows the last file: the assembled document, closing brackets.
    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn Write) -> io::Result<()>;
    /// Which of forms' indicator rows the report draws: the others are let go once the
    /// per-form rules have judged them (`Linter::keep_rows`).
    fn rows_drawn(&self) -> RowsKept {
        RowsKept::None
    }
}

/// The items of a JSON array, set aside until the document around them is written: on disk
/// during a run, in memory when rendering reports already held.
pub struct Spool {
    pieces: Pieces,
    items: usize,
}

impl Spool {
    pub fn memory() -> Spool {
        Spool {
            pieces: Pieces::memory(),
            items: 0,
        }
    }

    /// A spool in an unnamed temporary file from its first item, gone when dropped: what a
    /// spilling spool becomes past its megabyte, which runs reach only through
    /// [`Spool::spilling`].
    #[cfg(test)]
    pub fn disk() -> io::Result<Spool> {
        Ok(Spool {
            pieces: Pieces::disk()?,
            items: 0,
        })
    }

    /// A spool held in memory up to [`SPILL_BYTES`], and moved to an unnamed temporary file
    /// past them. What JSON reports and baselines spool is some hundred bytes a file or a
    /// finding: most runs never need the temporary directory, and a run where it is missing
    /// or read-only (a locked-down CI container) could not write its JSON report at all.
    pub fn spilling() -> Spool {
        Spool {
            pieces: Pieces {
                store: Store::Spilling(Vec::new()),
                len: 0,
            },
            items: 0,
        }
    }

    /// Adds one item of the array (its pretty-printed JSON, already indented).
    pub fn item(&mut self, json: &str) -> io::Result<()> {
        // The comma and the item are set aside together or not at all: a spool that failed to
        // move to disk kept the comma alone, and the array ended `,\n,\n` for each item after.
        let sep: &[u8] = if self.items > 0 { b",\n" } else { b"" };
        self.pieces.store(&[sep, json.as_bytes()])?;
        self.items += 1;
        Ok(())
    }

    /// Whether every item given was set aside: not so once a spilling spool could not move
    /// to disk. A baseline so recorded is not written, as a report that could not be written
    /// whole is not put in place.
    pub fn is_whole(&self) -> bool {
        !matches!(self.pieces.store, Store::Stuck(..))
    }

    /// Writes the array as `serde_json`'s pretty printer would, its brackets at `indent`.
    pub fn write_array(self, indent: usize, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            return out.write_all(b"[]");
        }
        out.write_all(b"[\n")?;
        self.pieces.read()?.copy_all(out)?;
        end_array(indent, out)
    }
}

/// The end of a non-empty array as `serde_json`'s pretty printer writes it, its bracket at
/// `indent`.
fn end_array(indent: usize, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "\n{}]", " ".repeat(indent))
}

/// The one array of a JSON document that is written out as the run goes, item by item, with
/// the document's head (its text up to the array) before the first: its findings are nearly
/// all of a report. Spooled too, a report was written twice, the second time from a temporary
/// file as large as itself: the JSON report of a million forms (6.4 GB) wrote 6.4 GB to the
/// temporary directory, and needed that much room there (docs/performance.md, sixty-eighth
/// session). Only the parts that depend on the whole run follow it.
pub struct Streamed {
    head: String,
    items: usize,
}

impl Streamed {
    /// An array that `head` leads to: the document up to the array, which is written with
    /// the first item (or when the array is closed empty).
    pub fn after(head: String) -> Streamed {
        Streamed { head, items: 0 }
    }

    /// Writes one item of the array (its pretty-printed JSON, already indented).
    pub fn item(&mut self, json: &str, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            out.write_all(self.head.as_bytes())?;
            out.write_all(b"[\n")?;
        } else {
            out.write_all(b",\n")?;
        }
        out.write_all(json.as_bytes())?;
        self.items += 1;
        Ok(())
    }

    /// Closes the array as `serde_json`'s pretty printer would, its bracket at `indent`
    /// ([`Spool::write_array`]'s layout).
    pub fn close(self, indent: usize, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            out.write_all(self.head.as_bytes())?;
            return out.write_all(b"[]");
        }
        end_array(indent, out)
    }
}

/// Bytes a spool on disk is written, and read back in order, at a time. With the 8 KB of a
/// default buffer, the JSON report of 100,000 forms (600 MB) took some 75,000 writes to set its
/// findings aside and as many reads to copy them out, all on the one thread that writes the
/// report while the others wait for it.
const SEQUENTIAL_BYTES: usize = 256 << 10;

enum Store {
    Memory(Vec<u8>),
    /// In memory until it holds [`SPILL_BYTES`], then on disk ([`Spool::spilling`]).
    Spilling(Vec<u8>),
    /// A spilling spool that could not move to disk: it keeps what it held, and refuses the
    /// rest with the first error's text, not asking the system again for each item (one
    /// failed temporary file a file of the run, after the first).
    Stuck(Vec<u8>, String),
    Disk(BufWriter<File>),
}

/// What a spilling spool holds in memory before it moves to disk: the entries of some
/// 8,000 files of a JSON report.
const SPILL_BYTES: usize = 1 << 20;

/// An unnamed temporary file ([`crate::spill::temporary_file`]) written through a buffer.
fn temporary() -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        SEQUENTIAL_BYTES,
        crate::spill::temporary_file()?,
    ))
}

/// Rendered pieces set aside to be written later, in another order: on disk during a run, in
/// memory when rendering reports already held.
pub struct Pieces {
    store: Store,
    len: u64,
}

/// Where a piece is in its [`Pieces`].
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub(super) at: u64,
    pub(super) len: u32,
}

impl Piece {
    /// The piece cut in two at byte `at` (for two pieces put as one, to keep one offset).
    pub fn split(self, at: u32) -> (Piece, Piece) {
        let at = at.min(self.len);
        (
            Piece {
                at: self.at,
                len: at,
            },
            Piece {
                at: self.at + u64::from(at),
                len: self.len - at,
            },
        )
    }
}

impl Pieces {
    pub fn memory() -> Pieces {
        Pieces {
            store: Store::Memory(Vec::new()),
            len: 0,
        }
    }

    pub fn disk() -> io::Result<Pieces> {
        Ok(Pieces {
            store: Store::Disk(temporary()?),
            len: 0,
        })
    }

    /// Sets `parts` aside one after another, all of them or (on an error) none of what a
    /// spilling spool holds: it moves to disk before it takes them, not part way.
    fn store(&mut self, parts: &[&[u8]]) -> io::Result<()> {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        match &mut self.store {
            Store::Memory(v) => parts.iter().for_each(|p| v.extend_from_slice(p)),
            Store::Spilling(v) if v.len() + len <= SPILL_BYTES => {
                parts.iter().for_each(|p| v.extend_from_slice(p))
            }
            Store::Spilling(v) => {
                let moved = temporary().and_then(|mut f| f.write_all(v).map(|()| f));
                match moved {
                    Ok(f) => self.store = Store::Disk(f),
                    Err(e) => {
                        self.store = Store::Stuck(std::mem::take(v), e.to_string());
                        return Err(e);
                    }
                }
                return self.store(parts);
            }
            Store::Stuck(_, error) => return Err(io::Error::other(error.clone())),
            Store::Disk(f) => {
                for p in parts {
                    f.write_all(p)?;
                }
            }
        }
        self.len += len as u64;
        Ok(())
    }

    pub fn put(&mut self, text: &str) -> io::Result<Piece> {
        let piece = Piece {
            at: self.len,
            len: u32::try_from(text.len()).map_err(io::Error::other)?,
        };
        self.store(&[text.as_bytes()])?;
        Ok(piece)
    }

    /// Done adding: the pieces, to be copied out.
    pub fn read(self) -> io::Result<PieceReader> {
        Ok(match self.store {
            Store::Memory(v) | Store::Spilling(v) | Store::Stuck(v, _) => PieceReader::Memory(v),
            Store::Disk(f) => PieceReader::Disk(io::BufReader::new(
                f.into_inner().map_err(io::IntoInnerError::into_error)?,
            )),
        })
    }
}

pub enum PieceReader {
    Memory(Vec<u8>),
    Disk(io::BufReader<File>),
}

impl PieceReader {
    /// Everything put, in order (a spool of a large run can pass 4 GB, more than a piece).
    pub fn copy_all(self, out: &mut dyn Write) -> io::Result<()> {
        match self {
            PieceReader::Memory(v) => out.write_all(&v),
            PieceReader::Disk(mut f) => {
                f.seek(SeekFrom::Start(0))?;
                // The reader's buffer is small, for `copy`'s pieces read out of order; read
                // in order, the file goes in large chunks.
                let mut file = f.into_inner();
                let mut chunk = vec![0; SEQUENTIAL_BYTES];
                loop {
                    match file.read(&mut chunk) {
                        Ok(0) => return Ok(()),
                        Ok(n) => out.write_all(&chunk[..n])?,
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    }

    pub fn copy(&mut self, piece: Piece, out: &mut dyn Write) -> io::Result<()> {
        match self {
            PieceReader::Memory(v) => {
                let at = piece.at as usize;
                out.write_all(&v[at..at + piece.len as usize])
            }
            PieceReader::Disk(f) => {
                f.seek(SeekFrom::Start(piece.at))?;
                io::copy(&mut f.by_ref().take(u64::from(piece.len)), out)?;
                Ok(())
            }
        }
    }
}

/// Pretty JSON of `value` with every line indented by `indent`: an array item at that depth.
/// Printed by [`super::pretty`], which writes serde_json's text several times faster; what it
/// leaves to serde_json (floats, keys of other kinds) is printed by serde_json.
pub fn item_json(value: &impl serde::Serialize, indent: usize) -> String {
    super::pretty::to_string(value, indent).unwrap_or_else(|_| serde_item_json(value, indent))
}

/// [`item_json`] by serde_json: printed, then each line indented.
fn serde_item_json(value: &impl serde::Serialize, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("report entries serialise");
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + 16 * indent);
    out.push_str(&pad);
    // serde_json escapes line breaks inside strings: each one here ends a line of its layout.
    let mut rest = text.as_str();
    while let Some(i) = memchr::memchr(b'\n', rest.as_bytes()) {
        out.push_str(&rest[..=i]);
        out.push_str(&pad);
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    out
}

/// Pretty JSON of `value` as the value of a key at `indent`: lines after the first indented.
pub fn value_json(value: &impl serde::Serialize, indent: usize) -> String {
    let item = item_json(value, indent);
    item[indent..].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spooled_arrays_read_like_serde_json() {
        let items = [
            serde_json::json!({"a": 1, "b": [1, 2]}),
            serde_json::json!({"a": 2, "b": []}),
        ];
        for disk in [false, true] {
            let mut spool = if disk {
                Spool::disk().unwrap()
            } else {
                Spool::memory()
            };
            for i in &items {
                spool.item(&item_json(i, 4)).unwrap();
            }
            let mut out = b"{\n  \"x\": ".to_vec();
            spool.write_array(2, &mut out).unwrap();
            out.extend_from_slice(b"\n}");
            let expected = serde_json::to_string_pretty(&serde_json::json!({"x": items})).unwrap();
            assert_eq!(String::from_utf8(out).unwrap(), expected, "disk: {disk}");
        }
        let mut out = Vec::new();
        Spool::memory().write_array(2, &mut out).unwrap();
        assert_eq!(out, b"[]");
    }

    /// An array written as it goes reads as the same array spooled, head and all; an empty
    /// one is `[]` after its head.
    #[test]
    fn streamed_arrays_read_like_spooled_ones() {
        let items = ["    1", "    {\n      \"甲\": 2\n    }"];
        let head = "{\n  \"x\": ";
        let mut spooled = head.as_bytes().to_vec();
        let mut spool = Spool::memory();
        items.iter().for_each(|i| spool.item(i).unwrap());
        spool.write_array(2, &mut spooled).unwrap();
        let mut out = Vec::new();
        let mut streamed = Streamed::after(head.to_owned());
        for (n, i) in items.iter().enumerate() {
            streamed.item(i, &mut out).unwrap();
            // Each item is out as soon as it is given.
            assert!(String::from_utf8_lossy(&out).ends_with(items[n]));
        }
        streamed.close(2, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            String::from_utf8(spooled).unwrap()
        );
        let mut out = Vec::new();
        Streamed::after(head.to_owned()).close(2, &mut out).unwrap();
        assert_eq!(out, format!("{head}[]").into_bytes());
    }

    /// A spilling spool reads back the same whether it stayed in memory or moved to disk
    /// part way, and stays in memory while it is small.
    #[test]
    fn a_spilling_spool_reads_back_whole_across_its_move_to_disk() {
        let item = format!("    \"{}\"", "指标值".repeat(100));
        let written = |mut spool: Spool, n: usize| {
            (0..n).for_each(|_| spool.item(&item).unwrap());
            let on_disk = matches!(spool.pieces.store, Store::Disk(_));
            let mut out = Vec::new();
            spool.write_array(2, &mut out).unwrap();
            (out, on_disk)
        };
        let few = SPILL_BYTES / item.len() / 2;
        let many = 3 * SPILL_BYTES / item.len();
        let (small, on_disk) = written(Spool::spilling(), few);
        assert!(!on_disk);
        assert_eq!(small, written(Spool::memory(), few).0);
        let (large, on_disk) = written(Spool::spilling(), many);
        assert!(on_disk);
        assert_eq!(large, written(Spool::memory(), many).0);
    }

    #[test]
    fn pieces_come_back_in_any_order() {
        for disk in [false, true] {
            let mut pieces = if disk {
                Pieces::disk().unwrap()
            } else {
                Pieces::memory()
            };
            let a = pieces.put("<section>甲</section>").unwrap();
            let first = "<tr>乙</tr>".len() as u32;
            let (b, c) = pieces.put("<tr>乙</tr><tr>丙</tr>").unwrap().split(first);
            let mut reader = pieces.read().unwrap();
            let mut out = Vec::new();
            for p in [c, b, a, b] {
                reader.copy(p, &mut out).unwrap();
            }
            let expected = "<tr>丙</tr><tr>乙</tr><section>甲</section><tr>乙</tr>";
            assert_eq!(String::from_utf8(out).unwrap(), expected, "disk: {disk}");
        }
    }

    #[test]
    fn items_are_indented_as_serde_json_prints_them_nested() {
        let v = serde_json::json!({"a": [1, {"b": "x\ny", "c": []}], "d": {}});
        let nested = serde_json::to_string_pretty(&serde_json::json!([[v.clone()]])).unwrap();
        let item = item_json(&v, 4);
        assert!(nested.contains(&item), "{item}\nnot in\n{nested}");
        assert!(item.starts_with("    {\n      \"a\": ["), "{item}");
    }

    /// A spool on disk larger than the chunks it is copied out in reads back whole, in order.
    #[test]
    fn a_spool_of_many_chunks_is_copied_out_whole() {
        let items: Vec<String> = (0..5_000)
            .map(|i| format!("    \"第 {i} 项：{}\"", "指标值".repeat(i % 40)))
            .collect();
        let total: usize = items.iter().map(String::len).sum();
        assert!(
            total > 2 * SEQUENTIAL_BYTES,
            "{total} bytes span several chunks"
        );
        let written = |mut spool: Spool| {
            items.iter().for_each(|i| spool.item(i).unwrap());
            let mut out = Vec::new();
            spool.write_array(2, &mut out).unwrap();
            out
        };
        let on_disk = written(Spool::disk().unwrap());
        assert_eq!(on_disk, written(Spool::memory()));
        let text = String::from_utf8(on_disk).unwrap();
        assert!(
            text.starts_with("[\n    \"第 0 项：\",\n"),
            "{}",
            &text[..40]
        );
        assert!(text.ends_with(&format!("{}\n  ]", items[4_999])));
    }

    #[test]
    fn what_the_quick_printer_leaves_is_printed_by_serde_json() {
        let v = serde_json::json!({"share": 0.25, "rows": [1.5, {"x": "y"}]});
        let nested = serde_json::to_string_pretty(&serde_json::json!([[v.clone()]])).unwrap();
        let item = item_json(&v, 4);
        assert!(nested.contains(&item), "{item}\nnot in\n{nested}");
        assert!(item.contains("\"share\": 0.25"), "{item}");
    }

    #[test]
    fn values_of_keys_indent_all_but_their_first_line() {
        let v = serde_json::json!({"files": 1});
        assert_eq!(value_json(&v, 2), "{\n    \"files\": 1\n  }");
    }
}
