//! Any text in a 指标值 cell parses to a typed value, text, a placeholder or an invalid
//! value, with spans inside the text; the quick reading of the commonest shapes gives what the
//! grammar alone gives.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let v = kpilint::value::parse(text);
    assert!(v.text.len() <= text.len() * 4 + 16);
    assert_eq!(v, kpilint::value::parse_by_grammar(text), "{text:?}");
});
