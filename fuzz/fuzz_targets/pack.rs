//! Any text as a rule pack loads or is rejected with diagnostics inside the text; a pack
//! that loads is linked as `RuleSet` links its packs (shared values numbered, shortcuts
//! found) and runs its own examples without panicking.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match kpilint::rules::pack::load("p.yaml", text) {
        Ok(mut pack) => {
            kpilint::rules::link(pack.rules.iter_mut());
            let _ = kpilint::rules::test_examples(&pack);
        }
        Err(e) => {
            for d in &e.1 {
                assert!(d.primary.span.end() <= text.len());
            }
        }
    }
});
