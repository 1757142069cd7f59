//! Rendering findings: the human report (miette) and JSON.
//!
//! Owns every output shape; no other stage knows what JSON or a terminal looks like. It
//! reads the model and diagnostics and never changes them.

pub mod dump;
pub mod human;
pub mod json;
pub mod value;

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::Document;

/// One linted file with its findings, in report order.
pub struct FileReport {
    pub document: Document,
    pub diagnostics: Vec<Diagnostic>,
    pub unreadable: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub forms: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub unreadable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Self {
        let mut s = Summary::default();
        for r in reports {
            s.files += 1;
            s.forms += r.document.forms.len();
            s.unreadable += usize::from(r.unreadable);
            for d in &r.diagnostics {
                match d.severity {
                    Severity::Error => s.errors += 1,
                    Severity::Warning => s.warnings += 1,
                    Severity::Info => s.infos += 1,
                }
            }
        }
        s
    }

    /// `N files, M forms, E errors, W warnings`.
    pub fn line(&self) -> String {
        format!(
            "{} files, {} forms, {} errors, {} warnings",
            self.files, self.forms, self.errors, self.warnings
        )
    }
}

/// The form a finding belongs to, by position: its name and the line of its title.
pub fn form_at(doc: &Document, offset: usize) -> Option<&crate::model::Form> {
    doc.forms.iter().find(|f| {
        (f.span.start <= offset && offset <= f.span.end)
            || f.continuations
                .iter()
                .any(|c| c.start <= offset && offset <= c.end)
    })
}
