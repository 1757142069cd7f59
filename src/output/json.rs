//! The JSON report. `docs/output.md` is its contract: fields are only ever added.

use super::{FileReport, Summary};
use crate::diagnostics::Diagnostic;
use crate::model::{Document, Span};
use serde::Serialize;

#[derive(Serialize)]
pub struct Report<'a> {
    pub version: u32,
    pub files: Vec<FileEntry<'a>>,
    pub diagnostics: Vec<DiagnosticEntry<'a>>,
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
    pub error: Option<&'a str>,
}

#[derive(Serialize)]
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
    let a = doc.line_col(span.start);
    let b = doc.line_col(span.end);
    Position {
        line: a.line,
        column: a.column,
        end_line: b.line,
        end_column: b.column,
        cell: doc.sheet_cell(span.start).map(|c| c.reference()),
    }
}

fn entry<'a>(doc: &'a Document, d: &'a Diagnostic) -> DiagnosticEntry<'a> {
    DiagnosticEntry {
        code: &d.code,
        name: Some(&d.name),
        pack: d.pack.as_deref(),
        severity: d.severity.as_str(),
        message: &d.message,
        path: &doc.path,
        position: position(doc, d.primary.span),
        form: d.form.as_deref(),
        help: d.help.as_deref(),
        labels: std::iter::once(&d.primary)
            .chain(&d.secondary)
            .map(|l| LabelEntry {
                position: position(doc, l.span),
                message: &l.message,
            })
            .collect(),
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

pub fn report(reports: &[FileReport]) -> Report<'_> {
    let s = Summary::of(reports);
    Report {
        version: 1,
        files: reports
            .iter()
            .map(|r| FileEntry {
                path: &r.document.path,
                forms: r.document.forms.len(),
                encoding: (!r.document.encoding.is_empty()).then_some(r.document.encoding),
                error: if r.unreadable {
                    r.diagnostics.first().map(|d| d.message.as_str())
                } else {
                    None
                },
            })
            .collect(),
        diagnostics: reports
            .iter()
            .flat_map(|r| r.diagnostics.iter().map(move |d| entry(&r.document, d)))
            .collect(),
        summary: SummaryEntry {
            files: s.files,
            forms: s.forms,
            errors: s.errors,
            warnings: s.warnings,
            infos: s.infos,
        },
        statistics: super::statistics(reports)
            .into_iter()
            .map(|(code, name, severity, count)| StatisticEntry {
                code,
                name,
                severity: severity.as_str(),
                count,
            })
            .collect(),
    }
}

pub fn render(reports: &[FileReport]) -> String {
    let mut s = serde_json::to_string_pretty(&report(reports)).expect("report serialises");
    s.push('\n');
    s
}
