//! Any text as a rule pack loads or is rejected with diagnostics inside the text; a pack
//! that loads has the values its rules share numbered (as `RuleSet` does) and runs its own
//! examples without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match kpilint::rules::pack::load("p.yaml", text) {
        Ok(mut pack) => {
            kpilint::rules::memo::assign(pack.rules.iter_mut());
            let _ = kpilint::rules::test_examples(&pack);
        }
        Err(e) => {
            for d in &e.1 {
                assert!(d.primary.span.end() <= text.len());
            }
        }
    }
});
