//! Any text in a 指标值 cell parses to a typed value, text, a placeholder or an invalid
//! value, with spans inside the text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let v = kpilint::value::parse(text);
    assert!(v.text.len() <= text.len() * 4 + 16);
});
