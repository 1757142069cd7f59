//! The human report: one miette snippet per finding, with the form it belongs to.

use super::stream::{Part, Sink};
use super::{form_at, FileReport, Summary, Tally};
use crate::diagnostics::{quoted, Diagnostic, Severity};
use crate::model::{Document, QuickMap, Span};
use miette::{
    GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};
use std::fmt::Write;
use std::ops::Range;

#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// The human report written file by file; statistics and the summary follow the last file.
pub struct Stream {
    pub style: Style,
    pub quiet: bool,
    /// `--statistics`: each code's summary by its code, to say in Chinese what each count
    /// counts (the rule names are English identifiers, for configuration files).
    pub statistics: Option<std::collections::HashMap<String, String>>,
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if self.quiet || r.diagnostics.is_empty() {
            return Ok(());
        }
        each_finding(&Handlers::new(self.style), &r, |one| {
            out.write_all(one.as_bytes())
        })?;
        // Someone is reading: each file shows as soon as it is linted.
        out.flush()
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let texts = if self.quiet || r.diagnostics.is_empty() {
            Vec::new()
        } else {
            vec![render(std::slice::from_ref(r), self.style)]
        };
        Some(Part {
            texts,
            unreadable: r.unreadable,
            ..Part::default()
        })
    }

    fn push_part(&mut self, part: Part, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for text in part.texts.iter().filter(|t| !t.is_empty()) {
            out.write_all(text.as_bytes())?;
            // Someone is reading: each file shows as soon as it is linted.
            out.flush()?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if let Some(summaries) = &self.statistics {
            out.write_all(statistics_text(&tally.rows(), summaries).as_bytes())?;
        }
        out.write_all(summary_line(&tally.summary).as_bytes())
    }
}

pub fn render(reports: &[FileReport], style: Style) -> String {
    let handlers = Handlers::new(style);
    let mut out = String::new();
    for r in reports {
        let _ = each_finding(&handlers, r, |one| {
            out.push_str(one);
            Ok::<(), std::convert::Infallible>(())
        });
    }
    out
}

/// Renders a report's findings one at a time into `write`: a large file's report is written
/// as it is rendered, not held whole (15,000 findings of a 10 MB file made some 30 MB of text).
fn each_finding<E>(
    handlers: &Handlers,
    r: &FileReport,
    mut write: impl FnMut(&str) -> Result<(), E>,
) -> Result<(), E> {
    let source = Source {
        name: &r.document.path,
        text: &r.document.text,
        lines: &r.document.line_index,
        sheets: &r.document.sheets,
    };
    let mut one = String::new();
    for d in &r.diagnostics {
        one.clear();
        render_one(handlers, &r.document, source, &d, &mut one);
        write(&one)?;
    }
    Ok(())
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
        let at = span.offset().min(self.text.len());
        let end = (span.offset() + span.len()).clamp(at, self.text.len());
        let (first, bytes) = window(
            self.lines,
            self.text,
            at..end,
            context_lines_before,
            context_lines_after,
        );
        let (from, to) = (bytes.start, bytes.end);
        let local = SourceSpan::new((at - from).into(), end - at);
        let window = &self.text[from..to];
        let inner = context(
            window.as_bytes(),
            &local,
            context_lines_before,
            context_lines_after,
        )?;
        let inner_span = SourceSpan::new((inner.data.start + from).into(), inner.data.len());
        let inner_line = inner.line + first;
        let data = &window.as_bytes()[inner.data];
        let lines = data.strip_suffix(b"\n").unwrap_or(data);
        let line_count = 1 + memchr::memchr_iter(b'\n', lines).count();
        let (mut name, mut line, mut column) = (self.name.to_owned(), inner_line, inner.column);
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

/// What miette's own source reads of a text for a span (its `context_info`): the bytes of the
/// snippet, the number of its first line, and the column it starts at.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Context {
    data: Range<usize>,
    line: usize,
    column: usize,
}

impl Context {
    /// What miette read.
    fn of(c: &dyn SpanContents<'_>) -> Context {
        let start = c.span().offset();
        Context {
            data: start..start + c.span().len(),
            line: c.line(),
            column: c.column(),
        }
    }
}

/// [`Context`] as miette's source finds it, quirks and all, a line at a time: miette walks the
/// text byte by byte, and each finding's labels are read three or four times, so the walk was a
/// tenth of a run that printed its findings. A text with a carriage return is left to miette.
fn context(
    text: &[u8],
    span: &SourceSpan,
    before: usize,
    after: usize,
) -> Result<Context, MietteError> {
    if memchr::memchr(b'\r', text).is_some() {
        return text
            .read_span(span, before, after)
            .map(|c| Context::of(&*c));
    }
    let (at, len) = (span.offset(), span.len());
    // The last byte of the span: miette writes it two ways, which differ for an empty span.
    let last_byte = at + len.saturating_sub(1);
    let ends_at = (at + len).saturating_sub(1);
    let mut offset = 0;
    let (mut start_line, mut start_column, mut current_line_start) = (0, 0, 0);
    // The starts of the lines before the span, the last `before` of them: a line or two,
    // held inline (a queue allocated on each of the three or four reads of every label).
    let mut before_starts: smallvec::SmallVec<[usize; 4]> = smallvec::SmallVec::new();
    let (mut end_lines, mut post_span, mut post_span_newline) = (0, false, false);
    while offset < text.len() {
        // The bytes up to the next line break: miette counts those before the span into the
        // column, and stops at the first at or past its end once it has its lines after.
        let nl = memchr::memchr(b'\n', &text[offset..]).map_or(text.len(), |i| offset + i);
        start_column += at.min(nl).saturating_sub(offset);
        let past = offset.max(ends_at);
        if past < nl {
            post_span = true;
            if end_lines >= after {
                offset = past + 1;
                break;
            }
        }
        offset = nl;
        if offset == text.len() {
            break;
        }
        // The line break itself.
        if offset < at {
            start_column = 0;
            before_starts.push(current_line_start);
            if before_starts.len() > before {
                start_line += 1;
                before_starts.remove(0);
            }
        } else if offset >= last_byte && post_span {
            start_column = 0;
            if post_span_newline {
                end_lines += 1;
            } else {
                post_span_newline = true;
            }
            if end_lines >= after {
                offset += 1;
                break;
            }
        }
        current_line_start = offset + 1;
        if offset >= ends_at {
            post_span = true;
            if end_lines >= after {
                offset += 1;
                break;
            }
        }
        offset += 1;
    }
    if offset < ends_at {
        return Err(MietteError::OutOfBounds);
    }
    let start = before_starts
        .first()
        .copied()
        .unwrap_or(if before == 0 { at } else { 0 });
    Ok(Context {
        data: start..offset,
        line: start_line,
        column: if before == 0 { start_column } else { 0 },
    })
}

/// The lines [`Source::read_span`] hands miette for the text at `span`, with that many lines
/// of context: the first line's number and the window's bytes.
fn window(
    lines: &crate::model::LineIndex,
    text: &str,
    span: Range<usize>,
    before: usize,
    after: usize,
) -> (usize, Range<usize>) {
    let first = lines.line_of(span.start).saturating_sub(before + 1);
    let last = lines.line_of(span.end) + after + 1;
    let from = lines.line_start(first);
    let to = if last + 1 < lines.line_count() {
        lines.line_start(last + 1)
    } else {
        text.len()
    };
    (first, from..to)
}

/// The most text a finding's snippet may hold. miette prints the lines of a snippet whole: a
/// finding on a 60 MB line of tabs printed 960 MB (1.1 GB of memory, 5 s), and every finding
/// on or next to that line again. A finding whose snippet would hold more is printed without
/// one, and its help says where it is.
const MAX_SNIPPET_BYTES: usize = 64 * 1024;

/// The context lines miette shows around a label (its default, which the handlers keep).
const CONTEXT_LINES: usize = 1;

/// Whether a snippet for `spans` would hold more than [`MAX_SNIPPET_BYTES`].
fn too_long_to_show(doc: &Document, spans: impl IntoIterator<Item = Span>) -> bool {
    spans.into_iter().any(|s| {
        let at = s.start().min(doc.text.len());
        let end = s.end().clamp(at, doc.text.len());
        let (_, bytes) = window(
            &doc.line_index,
            &doc.text,
            at..end,
            CONTEXT_LINES,
            CONTEXT_LINES,
        );
        bytes.len() > MAX_SNIPPET_BYTES
    })
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

/// The report's handler, and the same handler leaving the layout of messages and help to
/// kpilint ([`Layout`]).
struct Handlers {
    wrapping: GraphicalReportHandler,
    laid_out: GraphicalReportHandler,
    layout: Layout,
}

impl Handlers {
    fn new(style: Style) -> Self {
        let theme = if style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let layout = Layout::new(&theme, style.width);
        let wrapping = GraphicalReportHandler::new_themed(theme)
            .with_width(style.width)
            .with_links(false)
            .tab_width(4);
        Handlers {
            laid_out: wrapping.clone().with_wrap_lines(false),
            wrapping,
            layout,
        }
    }
}

/// Lines laid out as miette lays out a finding's message and help, for far less work.
///
/// miette wraps both with textwrap, which splits Chinese text at every character allowed to
/// start a line (Unicode's line-breaking rules) and measures each piece: half the time of a
/// human report went there, some 100,000 instructions a finding. Most messages and nearly all
/// help lines fit on one line, and a line that fits is left as it is: it is measured once
/// here, and only a line that does not fit is wrapped, by textwrap with the widths and options
/// miette would use. miette, told not to wrap, then only indents the lines; a test holds the
/// result to miette's own wrapping, byte for byte.
struct Layout {
    /// The wrapping width miette uses (the terminal's, less two columns).
    width: usize,
    /// The width of the message's first-line indent (`  ⚠ `) by severity, and of its
    /// continuation indent (`  │ `).
    message_indent: [usize; 3],
    message_rest: usize,
}

/// The indent of help lines (`  help: `), first and later: miette's, as written there.
const HELP_INDENT: usize = "  help: ".len();

/// How many help lines a thread remembers the layout of: the default packs' helps are some
/// seventy, and the line naming a finding's form is the same for each of its findings.
const HELP_LINES_KEPT: usize = 1024;

/// How many messages a thread remembers the layout of, some 350 bytes each. Messages repeat
/// less than helps (a row's name and value are in them: the disclosure's 1,665 findings have
/// 1,091 messages, 3,000 generated forms' 21,584 have 1,733), and a repeat may come back
/// after many others. Laying out the generated forms' messages cost 240M instructions with
/// 256 remembered and emptied whole when full, 155M with 1,024 in two generations, 83M with
/// all of them kept.
const MESSAGES_KEPT: usize = 1024;

/// Layouts remembered, by the text laid out: the width they were laid out for, and each
/// text's indents (first row, later rows) and layout, in two generations. A text is looked
/// up in the newer, then in the older, which it is copied from; when the newer holds half
/// of what may be kept, it becomes the older and the older is forgotten. Emptied whole
/// instead, a memory lost what repeats often with what was seen once.
#[derive(Default)]
struct Remembered {
    width: usize,
    newer: QuickMap<Box<str>, Laid>,
    older: QuickMap<Box<str>, Laid>,
}

/// A text's layout at these indents (first row, later rows), or None if only miette lays
/// it out.
type Laid = ((usize, usize), Option<String>);

thread_local! {
    static HELP_LINES: std::cell::RefCell<Remembered> = Default::default();
    static MESSAGES: std::cell::RefCell<Remembered> = Default::default();
}

impl Layout {
    fn new(theme: &GraphicalTheme, termwidth: usize) -> Self {
        let c = &theme.characters;
        let width = |s: String| textwrap::core::display_width(&s);
        Layout {
            width: termwidth.saturating_sub(2),
            message_indent: [&c.error, &c.warning, &c.advice].map(|i| width(format!("  {i} "))),
            message_rest: width(format!("  {} ", c.vbar)),
        }
    }

    /// The message laid out for a finding of `severity`, or None if only miette can.
    fn message(&self, text: &str, severity: Severity) -> Option<String> {
        let first = match severity {
            Severity::Error => self.message_indent[0],
            Severity::Warning => self.message_indent[1],
            Severity::Info => self.message_indent[2],
        };
        self.remembered(&MESSAGES, MESSAGES_KEPT, text, first, self.message_rest)
    }

    /// Help lines repeat: a rule's help on each of its findings, a form's name on each of the
    /// form's. Each line's layout is remembered per thread (wrapping one took some 10,000
    /// instructions, a tenth of a finding's rendering).
    fn help(&self, text: &str) -> Option<String> {
        let mut out = String::with_capacity(text.len() + 8);
        for (i, line) in text.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            let rows =
                self.remembered(&HELP_LINES, HELP_LINES_KEPT, line, HELP_INDENT, HELP_INDENT);
            out.push_str(&rows?);
        }
        Some(out)
    }

    /// [`Layout::lines`], remembered in `memory` (up to `most` texts) for this thread: the
    /// same text laid out again (a rule's help on each of its findings, a message on each row
    /// with the same defect) is looked up, not measured and wrapped anew.
    fn remembered(
        &self,
        memory: &'static std::thread::LocalKey<std::cell::RefCell<Remembered>>,
        most: usize,
        text: &str,
        first: usize,
        rest: usize,
    ) -> Option<String> {
        memory.with(|m| {
            let m = &mut *m.borrow_mut();
            if m.width != self.width {
                *m = Remembered {
                    width: self.width,
                    ..Default::default()
                };
            }
            let at = (first, rest);
            if let Some((_, rows)) = m.newer.get(text).filter(|(a, _)| *a == at) {
                return rows.clone();
            }
            let rows = match m.older.get(text).filter(|(a, _)| *a == at) {
                Some((_, rows)) => rows.clone(),
                None => self.lines(text, first, rest),
            };
            if m.newer.len() >= most / 2 {
                m.older = std::mem::take(&mut m.newer);
            }
            m.newer.insert(text.into(), (at, rows.clone()));
            rows
        })
    }

    /// `text` broken into the lines textwrap gives with these indents, without the indents;
    /// None for what this does not follow textwrap in (blank lines, control characters, spaces
    /// at either end of a line, a line's break leaving a blank one), which miette wraps itself.
    fn lines(&self, text: &str, first: usize, rest: usize) -> Option<String> {
        let (first_width, rest_width) = (
            self.width.saturating_sub(first),
            self.width.saturating_sub(rest),
        );
        let mut out = String::with_capacity(text.len() + 8);
        // textwrap wraps each line of the text on its own.
        for (i, line) in text.split('\n').enumerate() {
            let plain = !line.is_empty()
                && !line.starts_with(char::is_whitespace)
                && !line.ends_with(char::is_whitespace)
                && !line
                    .chars()
                    .any(|c| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}'));
            if !plain {
                return None;
            }
            if i > 0 {
                out.push('\n');
            }
            // Each line's first row is as wide as the text's first (textwrap measures both
            // from its options); a line that fits both widths stays whole.
            if textwrap::core::display_width(line) <= first_width.min(rest_width) {
                out.push_str(line);
                continue;
            }
            let (lead, follow) = (" ".repeat(first), " ".repeat(rest));
            let options = textwrap::Options::new(self.width)
                .initial_indent(&lead)
                .subsequent_indent(&follow)
                .break_words(true);
            for (j, row) in textwrap::wrap(line, options).iter().enumerate() {
                let indent = if j == 0 { &lead } else { &follow };
                let row = row.strip_prefix(indent.as_str())?;
                if row.trim().is_empty() {
                    return None;
                }
                if j > 0 {
                    out.push('\n');
                }
                out.push_str(row);
            }
        }
        Some(out)
    }
}

fn render_one(
    handlers: &Handlers,
    doc: &Document,
    source: Source<'_>,
    d: &Diagnostic,
    out: &mut String,
) {
    render_laid_out(handlers, doc, source, d, out, true);
}

/// [`render_one`]; `lay_out: false` leaves all the wrapping to miette (for the test that holds
/// the two to one result).
fn render_laid_out(
    handlers: &Handlers,
    doc: &Document,
    source: Source<'_>,
    d: &Diagnostic,
    out: &mut String,
    lay_out: bool,
) {
    // With no text to point into (a file refused or unreadable), no snippet names the file:
    // the message does.
    let message = if doc.text.is_empty() {
        format!("{}：{}", doc.path, d.message)
    } else {
        d.message.clone()
    };
    let mut help = d.help().unwrap_or_default().to_owned();
    if let Some(form) = form_at(doc, d.primary.span.start()) {
        let line = doc.line_col(form.span.start()).line;
        let name = quoted(form.name_or_blank());
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
    // Three cases: no text to point into (the message names the file), a snippet too long to
    // print (the help names the places), and the usual snippet.
    let spans = d.labels().map(|l| l.span);
    let too_long = !doc.text.is_empty() && too_long_to_show(doc, spans);
    let snippet = !doc.text.is_empty() && !too_long;
    if too_long {
        // Every place the snippet would have shown, the primary first: an auditor must still
        // find the other cells a finding compares.
        let places = std::iter::once(("位置", &d.primary, "，原文过长，不显示"))
            .chain(d.secondary.iter().map(|l| ("另见", l, "")));
        for (what, label, note) in places {
            let at = doc.line_col(label.span.start());
            if !help.is_empty() {
                help.push('\n');
            }
            let _ = write!(
                help,
                "{what}：{} 第 {} 行第 {} 列（{}{note}）",
                doc.path, at.line, at.column, label.message
            );
        }
    }
    let layout = &handlers.layout;
    let laid_out = if lay_out {
        layout.message(&message, d.severity).and_then(|m| {
            let h = if help.is_empty() {
                String::new()
            } else {
                layout.help(&help)?
            };
            Some((m, h))
        })
    } else {
        None
    };
    let (handler, message, help) = match laid_out {
        Some((m, h)) => (&handlers.laid_out, m, h),
        None => (&handlers.wrapping, message, help),
    };
    let mut md = MietteDiagnostic::new(message)
        .with_code(d.code.to_string())
        .with_severity(match d.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        });
    if !help.is_empty() {
        md = md.with_help(help);
    }
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(d.primary.message.to_string()),
        (d.primary.span.start(), d.primary.span.len()),
    )];
    labels.extend(d.secondary.iter().map(|l| {
        LabeledSpan::new_with_span(Some(l.message.to_string()), (l.span.start(), l.span.len()))
    }));
    if snippet {
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

/// `--statistics`: findings per rule, most frequent first, each with its summary where the
/// run knows the code, in a column after the longest name counted.
pub fn statistics_text(
    rows: &[(String, String, Severity, usize)],
    summaries: &std::collections::HashMap<String, String>,
) -> String {
    let width = rows.iter().map(|r| r.1.chars().count()).max().unwrap_or(0);
    let mut s = String::new();
    for (code, name, severity, count) in rows {
        let _ = write!(s, "{count:>6}  {code:<5} {:<8} ", severity.as_str());
        match summaries.get(code) {
            Some(summary) => {
                let _ = writeln!(s, "{name:<width$}  {summary}");
            }
            None => {
                let _ = writeln!(s, "{name}");
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::Label;

    /// What miette's own source reads for a span, as [`Context`].
    fn miettes(text: &[u8], span: &SourceSpan, before: usize, after: usize) -> Option<Context> {
        let c = text.read_span(span, before, after).ok()?;
        let read = Context::of(&*c);
        assert_eq!(c.data(), &text[read.data.clone()]);
        Some(read)
    }

    /// [`context`] reads what miette does for every span of texts with empty lines, leading and
    /// trailing line breaks, none at the end, a carriage return, and Chinese: empty spans, spans
    /// on and across line breaks and at the end, with no, one and two lines of context.
    #[test]
    fn a_snippet_is_read_as_miette_reads_it() {
        let texts = [
            "",
            "\n",
            "一\n\n二三\n",
            "\n\n项目名称\t甲\n指标值\t≥95%\n\n末行无换行",
            "a\nbb\n\nccc\nd\n",
            "行一\r\n行二\r\n",
        ];
        let mut compared = 0;
        for text in texts {
            let bytes = text.as_bytes();
            // Spans within the text: `Source::read_span` clamps them to it (and miette's own
            // reading panics past its end).
            for at in 0..=bytes.len() {
                for len in 0..=(bytes.len() - at).min(12) {
                    for (before, after) in [(0, 0), (1, 1), (0, 2), (2, 0), (2, 2)] {
                        let span = SourceSpan::new(at.into(), len);
                        let ours = context(bytes, &span, before, after).ok();
                        assert_eq!(
                            ours,
                            miettes(bytes, &span, before, after),
                            "{text:?} {at}+{len} ({before}, {after})"
                        );
                        compared += usize::from(ours.is_some());
                    }
                }
            }
        }
        assert!(compared > 1_000, "{compared}");
    }

    /// And for the labels of every finding of the disclosure, within the window `read_span`
    /// hands it.
    #[test]
    fn the_disclosures_snippets_are_read_as_miette_reads_them() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        );
        let report = crate::lint::Linter::new(
            crate::rules::RuleSet::builtin(),
            crate::rules::Settings::default(),
        )
        .lint_path(std::path::Path::new(path))
        .report;
        let doc = &report.document;
        let mut labels = 0;
        for d in report.diagnostics.iter() {
            for label in d.labels() {
                let (at, end) = (label.span.start(), label.span.end());
                let (_, bytes) = window(&doc.line_index, &doc.text, at..end, 1, 1);
                let window = &doc.text.as_bytes()[bytes.clone()];
                let span = SourceSpan::new((at - bytes.start).into(), end - at);
                for (before, after) in [(0, 0), (1, 1)] {
                    let ours = context(window, &span, before, after).ok();
                    assert_eq!(ours, miettes(window, &span, before, after), "{at}..{end}");
                }
                labels += 1;
            }
        }
        assert!(labels > 1_000, "{labels}");
    }

    /// Every finding of the disclosure, and findings with awkward texts, print the same whether
    /// kpilint lays out their message and help or miette wraps them, at widths from narrow to
    /// wide, with and without colour.
    #[test]
    fn laid_out_lines_are_what_miette_wraps() {
        let mut report = crate::cli::lint_file(std::path::Path::new(
            "tests/corpus/000_cb0bcf906edd3817.txt",
        ));
        let at = report.diagnostics.to_mut()[0].primary.span;
        let odd = |message: &str, help: &str| {
            Diagnostic {
                message: message.into(),
                ..Diagnostic::new(
                    &crate::diagnostics::codes::INDICATOR_WITHOUT_VALUE,
                    "",
                    Label::new(at, "此处"),
                )
            }
            .with_help(help)
        };
        let long = "项目“复兴2025年学生资补助（普高）（第一批）-免学费（市级）”的年度资金总额 1,234.56 万元";
        report.diagnostics.to_mut().extend([
            odd(
                &long.repeat(3),
                "按《政府收支分类科目》统一各表的科目名称。",
            ),
            odd(
                "a-very-long-ascii-identifier-without-spaces-that-must-be-broken-somewhere-x",
                "x",
            ),
            odd("两行\n第二行", &format!("{long}\n{long}{long}")),
            odd("  前有空格", "后有空格 "),
            odd("全角　空格　分隔的　文字", "\n"),
            odd("制表\t符", "“引号”（括号）、顿号，逗号。句号"),
        ]);
        // Each severity has its own icon, so its own indent.
        let n = report.diagnostics.len();
        for (i, d) in report.diagnostics.to_mut()[n - 6..].iter_mut().enumerate() {
            d.severity = [Severity::Error, Severity::Warning, Severity::Info][i % 3];
        }
        let doc = &report.document;
        let source = Source {
            name: &doc.path,
            text: &doc.text,
            lines: &doc.line_index,
            sheets: &doc.sheets,
        };
        let mut laid = 0;
        for width in [24, 40, 61, 80, 100, 120, 200] {
            for color in [false, true] {
                let handlers = Handlers::new(Style { color, width });
                for d in &report.diagnostics {
                    let (mut ours, mut theirs) = (String::new(), String::new());
                    render_laid_out(&handlers, doc, source, &d, &mut ours, true);
                    render_laid_out(&handlers, doc, source, &d, &mut theirs, false);
                    assert_eq!(ours, theirs, "width {width}, colour {color}: {}", d.message);
                    laid += usize::from(handlers.layout.message(&d.message, d.severity).is_some());
                }
            }
        }
        // The layout is not a path nothing takes: nearly every finding goes through it.
        let all = 14 * report.diagnostics.len();
        assert!(laid * 100 > all * 95, "{laid} of {all}");
    }

    /// A layout remembered is the layout `lines` gives: the same text at other indents or
    /// another width is laid out anew, a text asked again after a thousand others (kept in
    /// the older generation, or forgotten) is laid out as the first time, and no more than
    /// `MESSAGES_KEPT` texts are held.
    #[test]
    fn remembered_layouts_are_the_layouts() {
        let text = |i: usize| format!("第 {i} 行的指标值“有效提升”只写了方向，没有可考核的目标");
        for width in [40, 200, 40] {
            let layout = Layout {
                width,
                message_indent: [4, 4, 4],
                message_rest: 4,
            };
            for step in [1, 3, 7] {
                for i in (0..MESSAGES_KEPT * 2).step_by(step) {
                    for (first, rest) in [(4, 4), (8, 8), (2, 6)] {
                        let t = text(i % (MESSAGES_KEPT + 100));
                        let remembered =
                            layout.remembered(&MESSAGES, MESSAGES_KEPT, &t, first, rest);
                        assert_eq!(
                            remembered,
                            layout.lines(&t, first, rest),
                            "{t} at {first}, {rest}"
                        );
                    }
                }
            }
            let held = MESSAGES.with(|m| m.borrow().newer.len() + m.borrow().older.len());
            assert!(held <= MESSAGES_KEPT, "{held}");
            // The width is the one laid out for: at 40 the text wraps, at 200 it does not.
            let wraps = layout
                .lines(&text(1), 4, 4)
                .is_some_and(|l| l.contains('\n'));
            assert_eq!(wraps, width == 40);
        }
    }

    /// A finding printed without its snippet names every place the snippet would have
    /// underlined: its own cell and the cells it was compared with.
    #[test]
    fn a_finding_too_long_to_show_names_every_place_it_points_at() {
        let long = "x".repeat(MAX_SNIPPET_BYTES + 1);
        let text = format!("成本指标\t{long}\n\n\n\n年度资金总额\t100\n");
        let doc = crate::rules::pack::empty_document("form.txt", &text);
        let total = text.find("100").unwrap();
        let span = |at: usize, len: usize| Span::new(at, at + len);
        let mut d = Diagnostic::new(
            &crate::diagnostics::codes::INDICATOR_WITHOUT_VALUE,
            "成本与资金不符",
            Label::new(span(text.find('x').unwrap(), 3), "成本"),
        );
        d.secondary.push(Label::new(span(total, 3), "资金总额"));
        let report = FileReport {
            document: doc,
            diagnostics: vec![d].into(),
            unreadable: false,
        };
        let out = render(
            &[report],
            Style {
                color: false,
                width: 200,
            },
        );
        assert!(out.len() < 2_000, "{out}");
        assert!(
            out.contains("位置：form.txt 第 1 行第 6 列（成本，原文过长，不显示）"),
            "{out}"
        );
        assert!(
            out.contains("另见：form.txt 第 5 行第 8 列（资金总额）"),
            "{out}"
        );
        assert!(!out.contains("╭─["), "{out}");
    }

    /// A part rendered on the thread that linted its file is what the report writes for it.
    #[test]
    fn a_part_rendered_ahead_is_the_part_the_report_writes() {
        let style = Style {
            color: false,
            width: 100,
        };
        let stream = |quiet| Stream {
            style,
            quiet,
            statistics: None,
        };
        for path in [
            "tests/corpus/000_cb0bcf906edd3817.txt",
            "tests/no-such-file.txt",
        ] {
            let report = crate::cli::lint_file(std::path::Path::new(path));
            assert!(!report.diagnostics.is_empty());
            let part = stream(false).render(&report).unwrap();
            assert_eq!(part.texts, [render(std::slice::from_ref(&report), style)]);
            let mut ahead = Vec::new();
            stream(false).push_part(part, &mut ahead).unwrap();
            assert_eq!(String::from_utf8(ahead).unwrap(), render(&[report], style));
        }
        // Quiet, or a file without findings: nothing.
        let mut clean = crate::cli::lint_file(std::path::Path::new(
            "tests/corpus/000_cb0bcf906edd3817.txt",
        ));
        assert!(stream(true).render(&clean).unwrap().texts.is_empty());
        clean.diagnostics.to_mut().clear();
        assert!(stream(false).render(&clean).unwrap().texts.is_empty());
    }
}
