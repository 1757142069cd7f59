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
    let (kind, bytes) = data.split_first().map_or((0, data), |(k, rest)| (*k, rest));
    let path = match kind % 4 {
        0 => "f.txt",
        1 => "f.csv",
        2 => "f.form.yaml",
        _ => "f.xlsx",
    };
    let ing = kpilint::ingest::read_file(path, bytes);
    for d in &ing.diagnostics {
        assert!(d.primary.span.end() <= ing.document.text.len());
    }
    let out = rules().run(&ing.document, &Default::default(), None);
    for d in &out.diagnostics {
        assert!(d.primary.span.end() <= ing.document.text.len());
    }
});
