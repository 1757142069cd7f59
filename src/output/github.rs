//! GitHub Actions workflow commands: one `::error …::message` line per finding, which GitHub
//! shows as annotations on the file.

use super::stream::{Part, Sink};
use super::{FileReport, Tally};
use crate::diagnostics::Severity;
use std::fmt::Write as _;
use std::io::Write;

/// Escapes a message (`%`, CR, LF), as the workflow-command format requires.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, which may not hold `:` or `,` either.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for r in reports {
        annotate(r, &mut out);
    }
    out
}

/// The annotations are lines, written as each file is linted.
pub struct Stream;

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        // Line by line: a 10 MB file whose every row is a finding made 38 MB of them.
        each_annotation(&r, |line| out.write_all(line.as_bytes()))
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let mut text = String::new();
        annotate(r, &mut text);
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

fn annotate(r: &FileReport, out: &mut String) {
    let _ = each_annotation(r, |line| {
        out.push_str(line);
        Ok::<(), std::convert::Infallible>(())
    });
}

/// Each finding's annotation line, in report order, handed to `write`.
fn each_annotation<E>(
    r: &FileReport,
    mut write: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let mut line = String::new();
    for d in &r.diagnostics {
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let p = super::json::position(&r.document, d.primary.span);
        let mut message = d.message.clone();
        if let Some(form) = &d.form {
            message.push_str(&format!("（{form}）"));
        }
        line.clear();
        let _ = writeln!(
            line,
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&r.document.path),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            property(&format!("{} {}", d.code, d.name())),
            data(&message)
        );
        write(&line)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(data("100%\nx"), "100%25%0Ax");
        assert_eq!(property("a:b,c"), "a%3Ab%2Cc");
    }
}
