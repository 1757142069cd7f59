//! Findings: what every stage reports and every output renders.
//!
//! A [`Diagnostic`] is format-neutral: byte spans into one document, a code from the one
//! table in [`codes`], a message that names the numbers involved, and a help line. Stages
//! build diagnostics; only `output` decides how they look.

pub mod codes;

use crate::model::Span;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A place in the document a finding points at, with what to say there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

impl Label {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Label {
            span,
            message: message.into(),
        }
    }
}

/// Text to put in place of a span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub text: String,
}

/// A change that resolves a finding. Only fixes marked safe are applied by `--fix`: they
/// change how a value is written, never what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub safe: bool,
    pub description: String,
    pub edits: Vec<Edit>,
}

/// Text every finding of one rule repeats (its name, pack and help): shared, not copied, since
/// a large file has thousands of findings.
pub type Shared = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A built-in code (`S003`) or a rule's code from its pack (`F001`).
    pub code: String,
    /// Kebab-case name of the defect.
    pub name: Shared,
    /// The rule pack the finding comes from, or None for built-in findings.
    pub pack: Option<Shared>,
    pub severity: Severity,
    /// One line, in Chinese, naming the numbers involved.
    pub message: String,
    /// The exact cell, or the exact part of a value, the finding is about.
    pub primary: Label,
    /// The other cells involved.
    pub secondary: Vec<Label>,
    /// How to fix it.
    pub help: Option<Shared>,
    /// The 项目名称 of the form the finding belongs to.
    pub form: Option<Shared>,
    /// Boxed: few findings have one, and every finding would carry its size.
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    /// A diagnostic with the severity its code has in the code table.
    pub fn new(code: &'static codes::Code, message: impl Into<String>, primary: Label) -> Self {
        Diagnostic {
            code: code.code.to_owned(),
            name: code.name.into(),
            pack: None,
            severity: code.severity,
            message: message.into(),
            primary,
            secondary: Vec::new(),
            help: code.help.map(Shared::from),
            form: None,
            fix: None,
        }
    }

    pub fn with_secondary(mut self, label: Label) -> Self {
        self.secondary.push(label);
        self
    }

    pub fn with_help(mut self, help: impl Into<Shared>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_form(mut self, form: Option<&str>) -> Self {
        self.form = form.map(Shared::from);
        self
    }
}

/// Sorts findings the way every output shows them: by position, then code, then message.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    // Unstable, so sorting a large file's findings takes no buffer of half their size; the
    // message breaks ties, so the order never depends on the order the rules ran in.
    diagnostics.sort_unstable_by(|a, b| {
        (
            a.primary.span.start(),
            a.primary.span.end(),
            &a.code,
            &a.message,
        )
            .cmp(&(
                b.primary.span.start(),
                b.primary.span.end(),
                &b.code,
                &b.message,
            ))
    });
}
