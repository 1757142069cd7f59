//! Reports written as the run goes, so memory holds one file's findings at a time whatever
//! the size of the run.
//!
//! The human and GitHub reports are lines: each file's part is written as soon as the file
//! is linted. JSON and SARIF are one document whose header depends on the whole run, so
//! their parts are set aside in spools (temporary files) and the document is assembled at
//! the end. The HTML report sorts and counts across every form before it writes a line; it
//! is the one report that holds the run.

use super::{FileReport, Tally};
use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};

/// A report fed one file at a time, in run order.
pub trait Sink {
    fn push(&mut self, report: FileReport, out: &mut dyn Write) -> io::Result<()>;
    /// Writes whatever follows the last file: the assembled document, closing brackets.
    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn Write) -> io::Result<()>;
}

/// The items of a JSON array, set aside until the document around them is written: on disk
/// during a run, in memory when rendering reports already held.
pub struct Spool {
    store: Store,
    items: usize,
}

enum Store {
    Memory(Vec<u8>),
    Disk(BufWriter<File>),
}

impl Spool {
    pub fn memory() -> Spool {
        Spool {
            store: Store::Memory(Vec::new()),
            items: 0,
        }
    }

    /// A spool in an unnamed temporary file, gone when dropped.
    pub fn disk() -> io::Result<Spool> {
        Ok(Spool {
            store: Store::Disk(BufWriter::new(tempfile::tempfile()?)),
            items: 0,
        })
    }

    /// Adds one item of the array (its pretty-printed JSON, already indented).
    pub fn item(&mut self, json: &str) -> io::Result<()> {
        let w: &mut dyn Write = match &mut self.store {
            Store::Memory(v) => v,
            Store::Disk(f) => f,
        };
        if self.items > 0 {
            w.write_all(b",\n")?;
        }
        w.write_all(json.as_bytes())?;
        self.items += 1;
        Ok(())
    }

    /// Writes the array as `serde_json`'s pretty printer would, its brackets at `indent`.
    pub fn write_array(self, indent: usize, out: &mut dyn Write) -> io::Result<()> {
        if self.items == 0 {
            return out.write_all(b"[]");
        }
        out.write_all(b"[\n")?;
        match self.store {
            Store::Memory(v) => out.write_all(&v)?,
            Store::Disk(f) => {
                let mut f = f.into_inner().map_err(io::IntoInnerError::into_error)?;
                f.seek(SeekFrom::Start(0))?;
                let mut buf = vec![0; 64 * 1024];
                loop {
                    let n = f.read(&mut buf)?;
                    if n == 0 {
                        break;
                    }
                    out.write_all(&buf[..n])?;
                }
            }
        }
        write!(out, "\n{}]", " ".repeat(indent))
    }
}

/// Pretty JSON of `value` with every line indented by `indent`: an array item at that depth.
pub fn item_json(value: &impl serde::Serialize, indent: usize) -> String {
    let text = serde_json::to_string_pretty(value).expect("report entries serialise");
    let pad = " ".repeat(indent);
    let mut out = String::with_capacity(text.len() + 16 * indent);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&pad);
        out.push_str(line);
    }
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

    #[test]
    fn values_of_keys_indent_all_but_their_first_line() {
        let v = serde_json::json!({"files": 1});
        assert_eq!(value_json(&v, 2), "{\n    \"files\": 1\n  }");
    }
}
