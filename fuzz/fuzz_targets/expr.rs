//! Any text as a rule expression parses or fails with a position inside it, and a parsed
//! one type-checks or fails with one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use kpilint::rules::types::{check, Ty};
use std::collections::HashMap;

fuzz_target!(|text: &str| {
    match kpilint::rules::expr::parse(text) {
        Ok(node) => {
            let env = HashMap::from([
                ("form".to_owned(), Ty::Form),
                ("row".to_owned(), Ty::Half),
                ("document".to_owned(), Ty::Document),
                ("line".to_owned(), Ty::Line),
            ]);
            if let Err(e) = check(&node, &env, &["tolerance".to_owned()]) {
                assert!(e.end <= text.len() && e.start <= e.end);
            }
        }
        Err(e) => assert!(e.at <= text.len()),
    }
});
