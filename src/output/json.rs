//! The JSON report. `docs/output.md` is its contract: fields are only ever added.

use super::stream::{item_json, value_json, Part, Sink, Spool, Streamed};
use super::{FileReport, Tally};
use crate::diagnostics::Diagnostic;
use crate::model::{Document, Span};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

/// The report's `version`: fields are only ever added, so it stays 1.
const VERSION: u32 = 1;

#[derive(Serialize)]
pub struct Report<'a> {
    pub version: u32,
    /// Before the files: the findings are written as the run goes ([`Stream`]).
    pub diagnostics: Vec<DiagnosticEntry<'a>>,
    pub files: Vec<FileEntry<'a>>,
    pub summary: SummaryEntry,
    /// Findings per code, most frequent first (always present; `--statistics` prints it).
    pub statistics: Vec<StatisticEntry>,
}

#[derive(Serialize)]
pub struct FileEntry<'a> {
    pub path: &'a str,
    pub forms: usize,
    pub encoding: Option<&'a str>,
    /// Why the file could not be read, or null.
    pub error: Option<String>,
}

#[derive(Serialize, Clone)]
pub struct Position {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// In a spreadsheet or CSV, the cell (`Sheet1!C12`); `line` and `column` are then its row
    /// and column number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<String>,
}

#[derive(Serialize)]
pub struct LabelEntry<'a> {
    #[serde(flatten)]
    pub position: Position,
    pub message: &'a str,
}

#[derive(Serialize)]
pub struct DiagnosticEntry<'a> {
    pub code: &'a str,
    pub name: Option<&'a str>,
    pub pack: Option<&'a str>,
    pub severity: &'a str,
    pub message: &'a str,
    pub path: &'a str,
    #[serde(flatten)]
    pub position: Position,
    pub form: Option<&'a str>,
    pub help: Option<&'a str>,
    pub labels: Vec<LabelEntry<'a>>,
    pub fix: Option<FixEntry<'a>>,
}

#[derive(Serialize)]
pub struct FixEntry<'a> {
    pub safe: bool,
    pub description: &'a str,
    pub edits: Vec<EditEntry<'a>>,
}

#[derive(Serialize)]
pub struct EditEntry<'a> {
    #[serde(flatten)]
    pub position: Position,
    pub text: &'a str,
}

#[derive(Serialize)]
pub struct StatisticEntry {
    pub code: String,
    pub name: String,
    pub severity: &'static str,
    pub count: usize,
    /// What the rule checks, in Chinese (`kpilint rules`' summary).
    pub summary: String,
}

#[derive(Serialize)]
pub struct SummaryEntry {
    pub files: usize,
    pub forms: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

pub fn position(doc: &Document, span: Span) -> Position {
    let (a, b) = doc.span_line_cols(span);
    Position {
        line: a.line,
        column: a.column,
        end_line: b.line,
        end_column: b.column,
        cell: doc.sheet_cell(span.start()).map(|c| c.reference()),
    }
}

fn entry<'a>(doc: &'a Document, d: &'a Diagnostic) -> DiagnosticEntry<'a> {
    let primary = position(doc, d.primary.span);
    DiagnosticEntry {
        code: &d.code,
        name: Some(d.name()),
        pack: d.pack(),
        severity: d.severity.as_str(),
        message: &d.message,
        path: &doc.path,
        form: d.form.as_deref(),
        help: d.help(),
        // The first label is the primary one, at the finding's own place.
        labels: d
            .labels()
            .map(|l| LabelEntry {
                position: if l.span == d.primary.span {
                    primary.clone()
                } else {
                    position(doc, l.span)
                },
                message: &l.message,
            })
            .collect(),
        position: primary,
        fix: d.fix.as_ref().map(|f| FixEntry {
            safe: f.safe,
            description: &f.description,
            edits: f
                .edits
                .iter()
                .map(|e| EditEntry {
                    position: position(doc, e.span),
                    text: &e.text,
                })
                .collect(),
        }),
    }
}

fn file_entry(r: &FileReport) -> FileEntry<'_> {
    FileEntry {
        path: &r.document.path,
        forms: r.document.forms.len(),
        encoding: (!r.document.encoding.is_empty()).then_some(r.document.encoding),
        error: if r.unreadable {
            r.diagnostics.first().map(|d| d.message.clone())
        } else {
            None
        },
    }
}

/// The JSON report written as the run goes: the findings straight out, each file's entry
/// spooled and written after them, then the counts; byte for byte what `serde_json` prints
/// for [`Report`].
pub struct Stream {
    diagnostics: Streamed,
    files: Spool,
    /// Each rule's summary by its code ([`super::summaries`]), for `statistics`.
    summaries: HashMap<String, String>,
}

/// The report's text up to its findings.
fn head() -> String {
    format!("{{\n  \"version\": {VERSION},\n  \"diagnostics\": ")
}

impl Stream {
    /// The files' entries spooled in memory, then on disk past a megabyte, for a run of any
    /// size.
    pub fn new(summaries: HashMap<String, String>) -> Stream {
        Stream {
            diagnostics: Streamed::after(head()),
            files: Spool::spilling(),
            summaries,
        }
    }

    fn in_memory(summaries: HashMap<String, String>) -> Stream {
        Stream {
            diagnostics: Streamed::after(head()),
            files: Spool::memory(),
            summaries,
        }
    }

    /// A file's entry and its findings', each written or spooled as it is made: a 10 MB
    /// file's findings held as text at once (as [`Sink::render`] does for smaller files) took
    /// 17 MB more.
    ///
    /// A file whose entry cannot be set aside (the temporary directory is missing) still has
    /// its findings written: the error is the run's (it exits 2, naming the directory), and
    /// the report leaves out the entry, not what was found.
    fn add(&mut self, r: &FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        let listed = self.files.item(&item_json(&file_entry(r), 4));
        for d in &r.diagnostics {
            self.diagnostics
                .item(&item_json(&entry(&r.document, &d), 4), out)?;
        }
        listed
    }
}

/// A file's entry, then each of its findings' (see [`Sink::render`]).
fn part(r: &FileReport) -> Part {
    let mut texts = Vec::with_capacity(1 + r.diagnostics.len());
    texts.push(item_json(&file_entry(r), 4));
    texts.extend(
        r.diagnostics
            .iter()
            .map(|d| item_json(&entry(&r.document, &d), 4)),
    );
    Part {
        texts,
        unreadable: r.unreadable,
        ..Part::default()
    }
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        self.add(&r, out)
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        Some(part(r))
    }

    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> std::io::Result<()> {
        // As in [`Stream::add`]: the findings are written even when the entry is not.
        let mut texts = part.texts.iter();
        let listed = texts.next().map_or(Ok(()), |file| self.files.item(file));
        for d in texts {
            self.diagnostics.item(d, out)?;
        }
        listed
    }

    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn Write) -> std::io::Result<()> {
        let (summary, statistics) = totals(tally, &self.summaries);
        self.diagnostics.close(2, out)?;
        out.write_all(b",\n  \"files\": ")?;
        self.files.write_array(2, out)?;
        writeln!(
            out,
            ",\n  \"summary\": {},\n  \"statistics\": {}\n}}",
            value_json(&summary, 2),
            value_json(&statistics, 2)
        )
    }
}

/// The report's `summary` and `statistics` from the run's counts.
fn totals(
    tally: &Tally,
    summaries: &HashMap<String, String>,
) -> (SummaryEntry, Vec<StatisticEntry>) {
    let s = &tally.summary;
    let summary = SummaryEntry {
        files: s.files,
        forms: s.forms,
        errors: s.errors,
        warnings: s.warnings,
        infos: s.infos,
    };
    let statistics = tally
        .rows()
        .into_iter()
        .map(|(code, name, severity, count)| StatisticEntry {
            summary: summaries.get(&code).cloned().unwrap_or_default(),
            code,
            name,
            severity: severity.as_str(),
            count,
        })
        .collect();
    (summary, statistics)
}

/// The report of files already linted with the built-in rules (tests, and runs that hold
/// their reports anyway).
pub fn render(reports: &[FileReport]) -> String {
    let summaries = super::summaries(&crate::rules::RuleSet::builtin());
    let mut stream = Box::new(Stream::in_memory(summaries));
    let mut tally = Tally::default();
    let mut out = Vec::new();
    for r in reports {
        stream.add(r, &mut out).expect("writes to memory");
        tally.add(r);
    }
    stream.finish(&tally, &mut out).expect("writes to memory");
    String::from_utf8(out).expect("JSON is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Linter;
    use crate::rules::RuleSet;

    /// The streamed report is, byte for byte, what `serde_json` prints for [`Report`]: the
    /// contract in docs/output.md is that struct.
    #[test]
    fn the_streamed_report_is_the_report_struct_pretty_printed() {
        // The fixture with two of its unit columns made wrong: a form with findings.
        let text = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt")
            .unwrap()
            .replace("3.4\t万元/公里", "3.4\t公里")
            .replace("90\t%", "90\t分")
            .into_bytes();
        let linter = Linter::new(RuleSet::builtin(), Default::default());
        let lint = |path: &str, bytes: &[u8]| {
            linter
                .lint_ingested(crate::ingest::read_bytes(path, bytes))
                .report
        };
        let reports = vec![
            lint("a/单期.txt", &text),
            lint("b/空.txt", b""),
            lint("c/again.txt", &text),
        ];
        assert!(reports[0].diagnostics.len() > 1, "the fixture has findings");
        let tally = {
            let mut t = Tally::default();
            reports.iter().for_each(|r| t.add(r));
            t
        };
        let summaries = crate::output::summaries(&RuleSet::builtin());
        let (summary, statistics) = totals(&tally, &summaries);
        assert!(
            statistics.iter().all(|s| !s.summary.is_empty()),
            "every count says what it counts"
        );
        let found: Vec<Vec<_>> = reports.iter().map(|r| r.diagnostics.to_vec()).collect();
        let expected = Report {
            version: VERSION,
            diagnostics: reports
                .iter()
                .zip(&found)
                .flat_map(|(r, found)| found.iter().map(move |d| entry(&r.document, d)))
                .collect(),
            files: reports.iter().map(file_entry).collect(),
            summary,
            statistics,
        };
        let expected = serde_json::to_string_pretty(&expected).unwrap() + "\n";
        assert_eq!(render(&reports), expected);
        // And the same as a run writes it.
        let mut stream: Box<dyn Sink> = Box::new(Stream::new(summaries.clone()));
        let mut out = Vec::new();
        for r in reports {
            let findings = r.diagnostics.len();
            let before = out.len();
            stream.push(r, &mut out).unwrap();
            // A file's findings are out as soon as it is pushed, and they are the start of
            // the report.
            assert_eq!(out.len() > before, findings > 0);
            assert!(expected.as_bytes().starts_with(&out));
        }
        stream.finish(&tally, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), expected);
        // A run with no finding has its head written when it ends.
        let mut out = Vec::new();
        let stream: Box<dyn Sink> = Box::new(Stream::new(summaries));
        stream.finish(&Tally::default(), &mut out).unwrap();
        let empty: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(empty["diagnostics"], serde_json::json!([]));
        assert_eq!(empty["files"], serde_json::json!([]));
    }
}
