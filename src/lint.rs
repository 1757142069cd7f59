//! The whole pipeline for one file: ingest, type the values, run the rules. The CLI and the
//! language server both call this; neither reimplements any stage.

use crate::diagnostics::{self, Diagnostic};
use crate::ingest::{self, Ingested};
use crate::output::FileReport;
use crate::rules::{RuleError, RuleSet, Settings, TraceLine};
use serde::Deserialize;
use std::path::Path;

/// A finding accepted on purpose: spreadsheets and text extractions cannot hold comments, so
/// suppressions live here, keyed by code and form (and optionally the cell), never by line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub code: String,
    /// 项目名称 of the form.
    pub form: String,
    /// Text the finding's cell holds or its label says (`年度资金总额`, `1000人/元/学期`).
    #[serde(default)]
    pub cell: Option<String>,
    /// Why: required, so that a suppression can be audited.
    pub reason: String,
}

pub struct Linter {
    pub rules: RuleSet,
    pub settings: Settings,
    /// A rule code whose every decision is recorded.
    pub trace: Option<String>,
    /// Findings `kpilint.toml` accepts (applied over the whole run by the caller).
    pub suppressions: Vec<Suppression>,
    /// `kpilint.toml` itself, to report suppressions that matched nothing.
    pub config_document: Option<crate::model::Document>,
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
            suppressions: Vec::new(),
            config_document: None,
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
