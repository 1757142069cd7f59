//! The human report: one miette snippet per finding, with the form it belongs to.

use super::stream::Sink;
use super::{form_at, FileReport, Summary, Tally};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::Document;
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt::Write;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// The human report written file by file; statistics and the summary follow the last file.
pub struct Stream {
    pub style: Style,
    pub quiet: bool,
    pub statistics: bool,
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.quiet || r.diagnostics.is_empty() {
            return Ok(());
        }
        out.write_all(render(std::slice::from_ref(&r), self.style).as_bytes())?;
        // Someone is reading: each file shows as soon as it is linted.
        out.flush()
    }

    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.statistics {
            out.write_all(statistics_text(&tally.rows()).as_bytes())?;
        }
        out.write_all(summary_line(&tally.summary).as_bytes())
    }
}

pub fn render(reports: &[FileReport], style: Style) -> String {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false)
        .tab_width(4);
    let mut out = String::new();
    for r in reports {
        if r.diagnostics.is_empty() {
            continue;
        }
        let source = Source {
            name: &r.document.path,
            text: &r.document.text,
            lines: &r.document.line_index,
            sheets: &r.document.sheets,
        };
        for d in &r.diagnostics {
            render_one(&handler, &r.document, source, d, &mut out);
        }
    }
    out
}

/// A document as miette reads it, borrowed so one copy serves all its findings.
///
/// miette's own `str` source reports as `line_count` the line the context *ends on*, counted
/// from the top of the file, and the renderer adds it to the line the next context starts on to
/// decide whether two labels share one snippet. Past the first lines of a file every pair of
/// labels then merges, and a finding with labels on the funds row and a cost row forty lines
/// down prints all forty lines. Reporting the number of lines in the context keeps far-apart
/// labels in separate snippets and near ones (touching contexts) together.
#[derive(Debug, Clone, Copy)]
struct Source<'a> {
    name: &'a str,
    text: &'a str,
    lines: &'a crate::model::LineIndex,
    /// For a spreadsheet: snippets are named after their sheet and numbered by row, and the
    /// header's column is the cell's column.
    sheets: &'a [crate::model::SheetOrigin],
}

impl SourceCode for Source<'_> {
    fn read_span<'b>(
        &'b self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        // miette's `str` source counts lines from the top of the text for every snippet, which
        // made a file's report quadratic in its length; it reads only the lines around the
        // span here, found with the document's line index.
        let lines = self.lines;
        let at = span.offset().min(self.text.len());
        let end = (span.offset() + span.len()).clamp(at, self.text.len());
        let first = lines.line_of(at).saturating_sub(context_lines_before + 1);
        let last = lines.line_of(end) + context_lines_after + 1;
        let from = lines.line_start(first);
        let to = if last + 1 < lines.line_count() {
            lines.line_start(last + 1)
        } else {
            self.text.len()
        };
        let local = SourceSpan::new((at - from).into(), end - at);
        let window = &self.text[from..to];
        let inner = window.read_span(&local, context_lines_before, context_lines_after)?;
        let inner_span = SourceSpan::new((inner.span().offset() + from).into(), inner.span().len());
        let inner_line = inner.line() + first;
        let data = inner.data();
        let lines = data.strip_suffix(b"\n").unwrap_or(data);
        let line_count = 1 + lines.iter().filter(|&&b| b == b'\n').count();
        let (mut name, mut line, mut column) = (self.name.to_owned(), inner_line, inner.column());
        if let Some(sheet) = self
            .sheets
            .iter()
            .rev()
            .find(|s| s.first_line <= inner_line)
        {
            if !sheet.name.is_empty() {
                name = format!("{} › {}", self.name, sheet.name);
            }
            line = inner_line - sheet.first_line;
            let at = span.offset().min(self.text.len());
            let line_start = self.text[..at].rfind('\n').map_or(0, |i| i + 1);
            column = self.text[line_start..at].matches('\t').count();
        }
        Ok(Box::new(
            MietteSpanContents::new_named(name, data, inner_span, line, column, line_count)
                .with_language("text"),
        ))
    }
}

/// A finding with its document's source.
#[derive(Debug)]
struct WithSource<'a> {
    inner: MietteDiagnostic,
    source: Source<'a>,
}

impl std::fmt::Display for WithSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.inner, f)
    }
}

impl std::error::Error for WithSource<'_> {}

impl miette::Diagnostic for WithSource<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.code()
    }
    fn severity(&self) -> Option<miette::Severity> {
        self.inner.severity()
    }
    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.inner.help()
    }
    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.inner.labels()
    }
    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }
}

fn render_one(
    handler: &GraphicalReportHandler,
    doc: &Document,
    source: Source<'_>,
    d: &Diagnostic,
    out: &mut String,
) {
    // With no text to point into (a file refused or unreadable), no snippet names the file:
    // the message does.
    let message = if doc.text.is_empty() {
        format!("{}：{}", doc.path, d.message)
    } else {
        d.message.clone()
    };
    let mut md = MietteDiagnostic::new(message)
        .with_code(d.code.clone())
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        });
    let mut help = d.help.as_deref().unwrap_or_default().to_owned();
    if let Some(form) = form_at(doc, d.primary.span.start()) {
        let line = doc.line_col(form.span.start()).line;
        let name = form.display_name().unwrap_or("（无项目名称）");
        if !help.is_empty() {
            help.push('\n');
        }
        let _ = write!(help, "所在表：{name}（第 {line} 行起）");
    }
    if let Some(cell) = doc.sheet_cell(d.primary.span.start()) {
        if !help.is_empty() {
            help.push('\n');
        }
        let _ = write!(help, "单元格：{}", cell.reference());
    }
    if !help.is_empty() {
        md = md.with_help(help);
    }
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.message.clone()),
        (d.primary.span.start(), d.primary.span.len()),
    )];
    labels.extend(d.secondary.iter().map(|l| {
        LabeledSpan::new_with_span(Some(l.message.clone()), (l.span.start(), l.span.len()))
    }));
    if !doc.text.is_empty() {
        md = md.with_labels(labels);
    }
    let _ = handler.render_report(out, &WithSource { inner: md, source });
    out.push('\n');
}

pub fn summary(reports: &[FileReport]) -> String {
    summary_line(&Summary::of(reports))
}

/// `N files, M forms, E errors, W warnings`, with the unreadable files if any.
pub fn summary_line(s: &Summary) -> String {
    let mut line = s.line();
    if s.unreadable > 0 {
        let _ = write!(line, " ({} unreadable)", s.unreadable);
    }
    line.push('\n');
    line
}

/// `--statistics`: findings per rule, most frequent first.
pub fn statistics(reports: &[FileReport]) -> String {
    statistics_text(&super::statistics(reports))
}

pub fn statistics_text(rows: &[(String, String, Severity, usize)]) -> String {
    let mut s = String::new();
    for (code, name, severity, count) in rows {
        let _ = writeln!(s, "{count:>6}  {code:<5} {:<8} {name}", severity.as_str());
    }
    s
}
