//! The whole pipeline for one file: ingest, type the values, run the rules. The CLI and the
//! language server both call this; neither reimplements any stage.

use crate::diagnostics::{self, Diagnostic};
use crate::ingest::{self, Ingested};
use crate::output::FileReport;
use crate::rules::{RuleError, RuleSet, Settings, TraceLine};
use std::path::Path;

pub struct Linter {
    pub rules: RuleSet,
    pub settings: Settings,
    /// A rule code whose every decision is recorded.
    pub trace: Option<String>,
}

/// One file linted, with what the rules had to say about themselves.
pub struct Linted {
    pub report: FileReport,
    pub rule_errors: Vec<RuleError>,
    pub trace: Vec<TraceLine>,
}

impl Linter {
    pub fn new(rules: RuleSet, settings: Settings) -> Self {
        Linter {
            rules,
            settings,
            trace: None,
        }
    }

    pub fn lint_path(&self, path: &Path) -> Linted {
        self.lint_ingested(ingest::read_path(path))
    }

    pub fn lint_ingested(&self, ing: Ingested) -> Linted {
        let mut diagnostics: Vec<Diagnostic> = ing.diagnostics;
        let mut rule_errors = Vec::new();
        let mut trace = Vec::new();
        if !ing.unreadable && !ing.document.forms.is_empty() {
            let out = self
                .rules
                .run(&ing.document, &self.settings, self.trace.as_deref());
            diagnostics.extend(out.diagnostics);
            rule_errors = out.errors;
            trace = out.trace;
        }
        // Rule findings were already selected; built-in ones are filtered here. Problems
        // reading the file (I…) are always reported: a skipped file is never silent.
        diagnostics.retain(|d| {
            d.pack.is_some() || d.code.starts_with('I') || self.settings.enabled(&d.code)
        });
        for d in &mut diagnostics {
            if let Some(s) = self.settings.severity.get(&d.code) {
                d.severity = *s;
            }
        }
        diagnostics::sort(&mut diagnostics);
        Linted {
            report: FileReport {
                document: ing.document,
                diagnostics,
                unreadable: ing.unreadable,
            },
            rule_errors,
            trace,
        }
    }
}
