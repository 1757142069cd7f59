//! GitHub Actions workflow commands: one `::error …::message` line per finding, which GitHub
//! shows as annotations on the file.

use super::stream::{Part, Sink};
use super::{FileReport, RepoRoot, Tally};
use crate::diagnostics::Severity;
use std::fmt::Write as _;
use std::io::Write;

/// Writes `s` escaped as a workflow command's data (`%`, CR and LF), or as a property value,
/// which may not hold `:` or `,` either. In one pass, into the line: replacing each character
/// in turn copied each text three to five times, the file's path once for every finding.
fn escape(s: &str, property: bool, out: &mut String) {
    let special = |b: u8| matches!(b, b'%' | b'\r' | b'\n') || property && matches!(b, b':' | b',');
    let mut rest = s;
    while let Some(i) = rest.bytes().position(special) {
        out.push_str(&rest[..i]);
        out.push_str(match rest.as_bytes()[i] {
            b'%' => "%25",
            b'\r' => "%0D",
            b'\n' => "%0A",
            b':' => "%3A",
            _ => "%2C",
        });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
}

pub fn render(reports: &[FileReport]) -> String {
    let root = RepoRoot::find();
    let mut out = String::new();
    for r in reports {
        annotate(&root, r, &mut out);
    }
    out
}

/// The annotations are lines, written as each file is linted.
pub struct Stream {
    root: RepoRoot,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            root: RepoRoot::find(),
        }
    }
}

impl Default for Stream {
    fn default() -> Self {
        Stream::new()
    }
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        // Line by line: a 10 MB file whose every row is a finding made 38 MB of them.
        each_annotation(&self.root, &r, |line| out.write_all(line.as_bytes()))
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let mut text = String::new();
        annotate(&self.root, r, &mut text);
        Some(Part {
            texts: vec![text],
            unreadable: r.unreadable,
            ..Part::default()
        })
    }

    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> std::io::Result<()> {
        for text in &part.texts {
            out.write_all(text.as_bytes())?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Tally, _: &mut dyn Write) -> std::io::Result<()> {
        Ok(())
    }
}

fn annotate(root: &RepoRoot, r: &FileReport, out: &mut String) {
    let _ = each_annotation(root, r, |line| {
        out.push_str(line);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// Each finding's annotation line, in report order, handed to `write`. The file is named
/// relative to the repository's root ([`RepoRoot`]): GitHub puts `./forms/表.txt`'s
/// annotations on no file.
fn each_annotation<E>(
    root: &RepoRoot,
    r: &FileReport,
    mut write: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let mut line = String::new();
    let mut file = String::new();
    escape(&root.relative(&r.document.path), true, &mut file);
    for d in &r.diagnostics {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let p = super::json::position(&r.document, d.primary.span);
        line.clear();
        let _ = write!(
            line,
            "::{kind} file={file},line={},col={},endLine={},endColumn={},title=",
            p.line, p.column, p.end_line, p.end_column,
        );
        escape(&d.code, true, &mut line);
        line.push(' ');
        escape(d.name(), true, &mut line);
        line.push_str("::");
        escape(&d.message, false, &mut line);
        // In a workbook or CSV file the line is a sheet's row: the cell is named too.
        if let Some(b) = super::bracketed(&r.document, &d) {
            line.push('（');
            escape(&b, false, &mut line);
            line.push('）');
        }
        line.push('\n');
        write(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str, property: bool) -> String {
        let mut out = String::new();
        escape(s, property, &mut out);
        out
    }

    /// What replacing each special character in turn gave, `%` first so that no escape is
    /// escaped again.
    #[test]
    fn escaping() {
        assert_eq!(escaped("100%\nx", false), "100%25%0Ax");
        assert_eq!(escaped("a:b,c", true), "a%3Ab%2Cc");
        for s in [
            "",
            "无需转义",
            "%",
            "%%0A\r\n",
            "a:b,c%\r\n：，末",
            "\n\n:,",
            "100%完成率:高,低",
        ] {
            let data = s
                .replace('%', "%25")
                .replace('\r', "%0D")
                .replace('\n', "%0A");
            let property = data.replace(':', "%3A").replace(',', "%2C");
            assert_eq!(escaped(s, false), data, "{s:?}");
            assert_eq!(escaped(s, true), property, "{s:?}");
        }
    }
}
