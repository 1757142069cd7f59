//! Findings: what every stage reports and every output renders.
//!
//! A [`Diagnostic`] is format-neutral: byte spans into one document, a code from the one
//! table in [`codes`], a message that names the numbers involved, and a help line. Stages
//! build diagnostics; only `output` decides how they look.

pub mod codes;
mod findings;

pub use findings::{order, sort, spill_failed, Findings};

use crate::model::Span;
use serde::Serialize;
use std::fmt::{self, Write as _};

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
    /// Shared: most labels are a rule's own words (`无法考核`), which every finding of the
    /// rule repeats, and a large file has tens of thousands of findings.
    pub message: Shared,
}

impl Label {
    pub fn new(span: Span, message: impl Into<Shared>) -> Self {
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

/// A [`Shared`] of a fixed text, made once for the run at each place it is written: a label a
/// built-in finding always has (`此处应有指标值`) was a heap block in every finding, and a
/// broken grid has a finding on every row.
#[macro_export]
macro_rules! shared {
    ($text:literal) => {{
        static SHARED: std::sync::OnceLock<$crate::diagnostics::Shared> =
            std::sync::OnceLock::new();
        SHARED.get_or_init(|| $text.into()).clone()
    }};
}

/// The most characters of a cell's text a finding quotes, in its message or as its form's
/// name. The disclosure's longest quote is 90 characters and its longest 项目名称 44; a cell of
/// megabytes, quoted whole, made each finding on it megabytes long in every format, and the
/// human report took some twenty times that in memory to wrap it.
pub const QUOTE_MAX_CHARS: usize = 200;

/// The characters kept of a longer text: enough to tell which cell it is.
const QUOTE_KEPT_CHARS: usize = 100;

/// `text` as a finding quotes it: whole up to [`QUOTE_MAX_CHARS`] characters; past that, its
/// first characters and how many it has (`测测…（共 3000000 字）`).
pub fn quoted(text: &str) -> std::borrow::Cow<'_, str> {
    match clip_point(text) {
        None => text.into(),
        Some((keep, total)) => format!("{}…（共 {total} 字）", &text[..keep]).into(),
    }
}

/// [`quoted`] for the text written to `out` from byte `from` on (a part of a message being
/// written), clipped where it lies.
pub fn quote_from(out: &mut String, from: usize) {
    if let Some((keep, total)) = clip_point(&out[from..]) {
        out.truncate(from + keep);
        let _ = write!(out, "…（共 {total} 字）");
    }
}

/// A form's name as its findings carry it ([`Diagnostic::form`]), [`quoted`].
pub fn form_name(name: &str) -> Shared {
    Shared::from(quoted(name).as_ref())
}

/// Where [`quoted`] cuts `text` (bytes kept) and how many characters it has, if it is longer
/// than [`QUOTE_MAX_CHARS`].
fn clip_point(text: &str) -> Option<(usize, usize)> {
    // No character is less than a byte: most quotes are settled by their length alone. The
    // rest (a name of seventy characters is 210 bytes) are counted a word at a time.
    if text.len() <= QUOTE_MAX_CHARS {
        return None;
    }
    let total = text.chars().count();
    if total <= QUOTE_MAX_CHARS {
        return None;
    }
    let keep = text
        .char_indices()
        .nth(QUOTE_KEPT_CHARS)
        .map_or(text.len(), |(at, _)| at);
    Some((keep, total))
}

/// A finding's code (`S003`, `F001`): shared with its rule, since a large file has tens of
/// thousands of findings and a `String` each was a heap block each. Compares with text.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CodeName(Shared);

impl CodeName {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for CodeName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for CodeName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for CodeName {
    fn from(code: &str) -> Self {
        CodeName(code.into())
    }
}

impl From<String> for CodeName {
    fn from(code: String) -> Self {
        CodeName(code.into())
    }
}

impl PartialEq<str> for CodeName {
    fn eq(&self, other: &str) -> bool {
        *self.0 == *other
    }
}

impl PartialEq<&str> for CodeName {
    fn eq(&self, other: &&str) -> bool {
        *self.0 == **other
    }
}

impl PartialEq<String> for CodeName {
    fn eq(&self, other: &String) -> bool {
        *self.0 == **other
    }
}

impl Serialize for CodeName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// What every finding of one code or rule says alike, made once for the code or the rule and
/// shared: a file with a finding on every row holds hundreds of thousands of findings, and
/// three shared texts in each were 48 bytes of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Kebab-case name of the defect.
    pub name: Shared,
    /// The rule pack the finding comes from, or None for built-in findings.
    pub pack: Option<Shared>,
    /// How to fix it (a finding may say it its own way: [`Diagnostic::with_help`]).
    pub help: Option<Shared>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// A built-in code (`S003`) or a rule's code from its pack (`F001`).
    pub code: CodeName,
    /// Its name, pack and help ([`Diagnostic::name`], [`Diagnostic::pack`],
    /// [`Diagnostic::help`]).
    pub origin: std::sync::Arc<Origin>,
    pub severity: Severity,
    /// One line, in Chinese, naming the numbers involved.
    pub message: String,
    /// The exact cell, or the exact part of a value, the finding is about.
    pub primary: Label,
    /// The other cells involved.
    pub secondary: Vec<Label>,
    /// The 项目名称 of the form the finding belongs to, cut past [`QUOTE_MAX_CHARS`]
    /// characters ([`form_name`]).
    pub form: Option<Shared>,
    /// Boxed: few findings have one, and every finding would carry its size.
    pub fix: Option<Box<Fix>>,
}

impl Diagnostic {
    /// A diagnostic with the severity its code has in the code table.
    pub fn new(code: &'static codes::Code, message: impl Into<String>, primary: Label) -> Self {
        let shared = code.shared();
        // Kept as long as the file's findings are, which a broken grid makes one a row: a
        // formatted message has room for twice its literal text.
        let mut message = message.into();
        message.shrink_to_fit();
        Diagnostic {
            code: shared.code.clone(),
            origin: shared.origin.clone(),
            severity: code.severity,
            message,
            primary,
            secondary: Vec::new(),
            form: None,
            fix: None,
        }
    }

    /// Kebab-case name of the defect.
    pub fn name(&self) -> &str {
        &self.origin.name
    }

    /// Its labels, the primary first.
    pub fn labels(&self) -> impl Iterator<Item = &Label> {
        std::iter::once(&self.primary).chain(&self.secondary)
    }

    /// The rule pack the finding comes from, or None for built-in findings.
    pub fn pack(&self) -> Option<&str> {
        self.origin.pack.as_deref()
    }

    /// How to fix it.
    pub fn help(&self) -> Option<&str> {
        self.origin.help.as_deref()
    }

    pub fn with_secondary(mut self, label: Label) -> Self {
        // Exactly: one label grown by a push has room for four (96 bytes for 24).
        self.secondary.reserve_exact(1);
        self.secondary.push(label);
        self
    }

    /// This finding's own help line, in place of its code's.
    pub fn with_help(mut self, help: impl Into<Shared>) -> Self {
        std::sync::Arc::make_mut(&mut self.origin).help = Some(help.into());
        self
    }

    pub fn with_form(mut self, form: Option<&str>) -> Self {
        self.form = form.map(form_name);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell of a million characters is quoted by its start and its length; a real one whole.
    #[test]
    fn quotes_are_whole_up_to_the_limit_then_cut_with_their_length() {
        let at_limit = "测".repeat(QUOTE_MAX_CHARS);
        assert_eq!(quoted(&at_limit), at_limit.as_str());
        assert!(matches!(quoted("≥95%"), std::borrow::Cow::Borrowed("≥95%")));
        // Long in bytes, not in characters: whole.
        assert_eq!(quoted(&"测".repeat(150)), "测".repeat(150));
        let long = format!("有效提升{}", "测".repeat(1_000_000));
        let q = quoted(&long);
        assert_eq!(q, format!("有效提升{}…（共 1000004 字）", "测".repeat(96)));
        assert_eq!(
            quoted(&"x".repeat(QUOTE_MAX_CHARS + 1)),
            format!("{}…（共 201 字）", "x".repeat(100))
        );
        // A part of a message, clipped where it lies; what was written before it stays.
        let mut message = "指标值“".to_owned();
        let from = message.len();
        message.push_str(&long);
        quote_from(&mut message, from);
        message.push('”');
        assert_eq!(message, format!("指标值“{q}”"));
        let mut short = "“".to_owned();
        short.push_str("有效");
        quote_from(&mut short, 3);
        assert_eq!(short, "“有效");
        assert_eq!(&*form_name(&long), &*q);
    }

    /// Findings of one built-in code hold one copy of its code, name and help, and a label
    /// written once in the source is one text however many findings carry it.
    #[test]
    fn built_in_findings_share_their_fixed_text() {
        let finding = || {
            Diagnostic::new(
                &codes::INDICATOR_WITHOUT_VALUE,
                "年度三级指标“受益人数”没有指标值",
                Label::new(Span::empty(3), crate::shared!("此处应有指标值")),
            )
        };
        let (a, b) = (finding(), finding());
        assert_eq!(a.code, "S003");
        assert_eq!(a.name(), codes::INDICATOR_WITHOUT_VALUE.name);
        assert_eq!(a.help(), codes::INDICATOR_WITHOUT_VALUE.help);
        assert_eq!(a.pack(), None);
        assert_eq!(&*a.primary.message, "此处应有指标值");
        assert!(std::sync::Arc::ptr_eq(&a.origin, &b.origin));
        // A help of its own leaves the others' as they were.
        let c = finding().with_help("另一种说法");
        assert_eq!((c.help(), c.name()), (Some("另一种说法"), a.name()));
        assert_eq!(finding().help(), codes::INDICATOR_WITHOUT_VALUE.help);
        assert!(std::mem::size_of::<Diagnostic>() <= 128);
        assert!(std::sync::Arc::ptr_eq(
            &a.primary.message,
            &b.primary.message
        ));
    }

    /// A built-in finding holds no room it does not use: a broken grid has one on every row,
    /// and they are all held until the report is written.
    #[test]
    fn built_in_findings_keep_no_slack() {
        let d = Diagnostic::new(
            &codes::INDICATOR_WITHOUT_VALUE,
            format!("年度三级指标“{}”没有指标值", "受益人数"),
            Label::new(Span::empty(3), "此处"),
        )
        .with_secondary(Label::new(Span::empty(9), "表头"));
        assert_eq!(d.message.capacity(), d.message.len());
        assert_eq!(d.secondary.capacity(), 1);
        let d = d.with_secondary(Label::new(Span::empty(12), "另一处"));
        assert_eq!(d.secondary.capacity(), 2);
    }
}
