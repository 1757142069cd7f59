//! GitHub Actions workflow commands: one `::error …::message` line per finding, which GitHub
//! shows as annotations on the file.

use super::stream::{Part, Sink};
use super::{FileReport, Tally};
use crate::diagnostics::Severity;
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
        let part = self.render(&r).unwrap_or_default();
        self.push_part(part, out)
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
        out.push_str(&format!(
            "::{kind} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&r.document.path),
            p.line,
            p.column,
            p.end_line,
            p.end_column,
            property(&format!("{} {}", d.code, d.name())),
            data(&message)
        ));
    }
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
