//! Every 指标值 in the disclosure, typed. A numeric-looking value must never end up as plain
//! text: it is a typed value, or invalid with a reason.

use kpilint::ingest;
use kpilint::value::{self, Kind, Reason};
use std::collections::BTreeMap;
use std::path::Path;

fn values() -> (kpilint::model::Document, Vec<(u32, String)>) {
    let doc = ingest::read_path(Path::new("tests/corpus/000_cb0bcf906edd3817.txt")).document;
    let mut out = Vec::new();
    for f in &doc.forms {
        for r in &f.indicators {
            for h in r.halves().into_iter().flatten() {
                if let Some(v) = h.value.get() {
                    out.push((doc.line_col(h.value.span.start()).line, v.to_string()));
                }
            }
        }
    }
    (doc, out)
}

#[test]
fn census_of_value_kinds() {
    let (_, values) = values();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    let mut numeric_text = Vec::new();
    for (line, text) in &values {
        let v = value::parse(text);
        *kinds.entry(v.kind.name()).or_default() += 1;
        if v.kind == Kind::Text && v.looks_numeric() {
            numeric_text.push((line, text));
        }
    }
    assert!(
        numeric_text.is_empty(),
        "numeric-looking values read as plain text: {numeric_text:?}"
    );
    assert_eq!(kinds.values().sum::<usize>(), values.len());
    insta::assert_debug_snapshot!(kinds);
}

#[test]
fn reversed_units_are_exactly_these() {
    let (_, values) = values();
    let reversed: Vec<(u32, &str)> = values
        .iter()
        .filter(|(_, t)| {
            matches!(
                value::parse(t).kind,
                Kind::Invalid {
                    reason: Reason::ReversedUnit,
                    ..
                }
            )
        })
        .map(|(l, t)| (*l, t.as_str()))
        .collect();
    // Read off the disclosure: 助学金 and 学费 standards written 人/元.
    assert_eq!(
        reversed,
        [
            (8363, "4000人/元/年"),
            (8398, "1000人/元/学期"),
            (8398, "1000人/元/学期"),
            (8432, "1000人/元/学期"),
            (8432, "1000人/元/学期"),
            (8499, "1000人/元/学期"),
            (8499, "1000人/元/学期"),
        ]
    );
}

#[test]
fn the_parser_keeps_up_with_the_whole_disclosure() {
    // Not a timing test (see benches/values.rs): every value parses, and parsing is pure.
    let (_, values) = values();
    for (_, t) in &values {
        assert_eq!(value::parse(t), value::parse(t));
    }
}
