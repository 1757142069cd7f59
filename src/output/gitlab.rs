//! GitLab Code Quality (`artifacts: reports: codequality`): a JSON array of issues, which
//! GitLab shows in a merge request, marking the findings its branch brought in as new and those
//! it removed as resolved.
//!
//! GitLab tells one run's findings from another's by their fingerprints alone
//! ([`Fingerprints`]: never a finding's line, so a row added above it does not make it new).

use super::stream::{item_json, Part, Sink, Streamed};
use super::{FileReport, Fingerprints, RepoRoot, Tally};
use crate::diagnostics::Severity;
use serde::Serialize;
use std::io::Write;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    /// Relative to the repository's root ([`RepoRoot`]).
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's five levels, as linters' formatters for it use them: an error is `major`, ranked
/// above a warning's `minor`; `critical` and `blocker` are left for findings that stop a
/// release, which kpilint's severities do not say.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// Each finding's issue, in report order, handed to `write` as an indented array item.
fn each_issue<E>(
    root: &RepoRoot,
    r: &FileReport,
    mut write: impl FnMut(String) -> Result<(), E>,
) -> Result<(), E> {
    let path = root.relative(&r.document.path);
    let mut fingerprints = Fingerprints::default();
    for d in &r.diagnostics {
        let p = super::json::position(&r.document, d.primary.span);
        // GitLab shows a line, which in a workbook or CSV file is a row of a sheet: the cell
        // is named too.
        let description = match super::bracketed(&r.document, &d) {
            Some(b) => format!("{}（{b}）", d.message),
            None => d.message.to_string(),
        };
        let issue = Issue {
            description,
            check_name: format!("{} {}", d.code, d.name()),
            fingerprint: fingerprints.next(&r.document, &d),
            severity: level(d.severity),
            location: Location {
                path: &path,
                lines: Lines {
                    begin: p.line,
                    end: p.end_line,
                },
            },
        };
        write(item_json(&issue, 2))?;
    }
    Ok(())
}

/// The issues are written as each file is linted, between the brackets of one array.
pub struct Stream {
    issues: Streamed,
    root: RepoRoot,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            issues: Streamed::after(String::new()),
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
        each_issue(&self.root, &r, |item| self.issues.item(&item, out))
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let mut texts = Vec::with_capacity(r.diagnostics.len());
        let _ = each_issue(&self.root, r, |item| {
            texts.push(item);
            Ok::<(), std::convert::Infallible>(())
        });
        Some(Part {
            texts,
            unreadable: r.unreadable,
            ..Part::default()
        })
    }

    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> std::io::Result<()> {
        for item in &part.texts {
            self.issues.item(item, out)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Tally, out: &mut dyn Write) -> std::io::Result<()> {
        self.issues.close(0, out)?;
        out.write_all(b"\n")
    }
}
