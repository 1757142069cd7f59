//! kpilint: a linter for Chinese budget performance-target forms (绩效目标表).
//!
//! The pipeline, one module per stage:
//!
//! 1. [`ingest`] reads files (text extractions, spreadsheets, YAML and JSON) into
//! 2. the [`model`]: documents of forms, every cell with a source span;
//! 3. [`value`] types each 指标值 (comparator, exact amount, unit) with a pest grammar;
//! 4. [`rules`] evaluates the YAML rule packs over forms and whole documents;
//! 5. [`diagnostics`] are what every stage reports, and [`output`] renders them;
//! 6. [`cli`] drives it all, and [`lsp`] serves it to editors.
//!
//! Beside them: [`lint`] runs stages 1–4 on one file, [`fix`] applies fixes, [`spill`] sorts
//! lists too long to hold, [`alloc`] tunes the allocator, and [`panics`] tells a spreadsheet
//! reader's panics on a damaged file from kpilint's own.
//!
//! See `docs/architecture.md` for what each stage owns and may not touch.

pub mod alloc;
pub mod cli;
pub mod diagnostics;
pub mod fix;
pub mod ingest;
pub mod lint;
pub mod lsp;
pub mod model;
pub mod output;
pub mod panics;
pub mod rules;
pub mod spill;
pub mod value;

/// Bounds every pest parse (values, rule expressions) to a budget of rule calls. Both
/// grammars backtrack, and a hostile rule expression (found by fuzzing: 446 characters of
/// unbalanced `(` and `=>`) took 14 s; with the budget it fails in milliseconds. Real
/// inputs use a small fraction of it. The setting is process-wide and set once.
pub(crate) fn bound_parsing() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| pest::set_call_limit(std::num::NonZeroUsize::new(PARSE_CALL_LIMIT)));
}

/// Rule calls allowed per parse.
pub const PARSE_CALL_LIMIT: usize = 200_000;
