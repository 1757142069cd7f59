//! Any bytes, read as a text extraction, a CSV, a workbook or a structured form, become a
//! document and diagnostics whose spans are inside the text; then every default rule runs.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

/// The packs load once: loading them per input would be most of the time.
fn rules() -> &'static kpilint::rules::RuleSet {
    static RULES: OnceLock<kpilint::rules::RuleSet> = OnceLock::new();
    RULES.get_or_init(kpilint::rules::RuleSet::builtin)
}

fuzz_target!(|data: &[u8]| {
    // As the binary does: a spreadsheet reader's panic on a damaged workbook is the file's
    // (reported as `I007`), not a crash; any other panic still reaches the fuzzer's hook.
    kpilint::panics::install_hook();
    let (kind, bytes) = data.split_first().map_or((0, data), |(k, rest)| (*k, rest));
    let path = match kind {
        4 => "f.form.json",
        k if k % 4 == 0 => "f.txt",
        k if k % 4 == 1 => "f.csv",
        k if k % 4 == 2 => "f.form.yaml",
        _ => "f.xlsx",
    };
    let ing = kpilint::ingest::read_file(path, bytes);
    let (text, index) = (&ing.document.text, &ing.document.line_index);
    for d in &ing.diagnostics {
        assert!(d.primary.span.end() <= text.len());
        // A place's UTF-16 position (the language server's) leads back to it, and its column
        // in the text is the same counted from the line's start or from a mark (every 16 bytes
        // here; a spreadsheet's document gives its cells' rows and columns instead).
        let at = kpilint::model::floor_char_boundary(text, d.primary.span.start());
        let (line, units) = index.utf16_position(text, at);
        assert_eq!(index.utf16_offset(text, line, units), at);
        let start = index.line_start(line);
        let chars = text[start..at].chars().count() as u32;
        assert_eq!(index.line_col(text, at).column, chars + 1);
    }
    let out = rules().run(&ing.document, &Default::default(), None);
    for d in &out.diagnostics {
        assert!(d.primary.span.end() <= ing.document.text.len());
    }
});
