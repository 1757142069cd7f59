//! kpilint: a linter for Chinese budget performance-target forms (绩效目标表).
//!
//! The pipeline, one module per stage:
//!
//! 1. [`ingest`] reads files (text extractions now; spreadsheets and YAML later) into
//! 2. the [`model`]: documents of forms, every cell with a source span;
//! 3. `value` will type each 指标值 (comparator, exact amount, unit; not yet built);
//! 4. rule packs will evaluate over forms and documents (not yet built);
//! 5. [`diagnostics`] are what every stage reports, and [`output`] renders them;
//! 6. [`cli`] drives it all.
//!
//! See `docs/architecture.md` for what each stage owns and may not touch.

pub mod cli;
pub mod diagnostics;
pub mod fix;
pub mod ingest;
pub mod lint;
pub mod lsp;
pub mod model;
pub mod output;
pub mod rules;
pub mod value;
