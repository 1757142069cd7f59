//! SARIF 2.1.0, for code-scanning dashboards. Columns are Unicode code points
//! (`columnKind: unicodeCodePoints`), the same unit as the JSON report; end columns are
//! exclusive, as SARIF defines them.

use super::{FileReport, RuleInfo};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Document, Span};
use serde_json::{json, Value};

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: forward slashes, anything outside unreserved ASCII
/// percent-encoded (paths of these forms are usually Chinese).
pub fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn region(doc: &Document, span: Span) -> Value {
    let p = super::json::position(doc, span);
    json!({
        "startLine": p.line,
        "startColumn": p.column,
        "endLine": p.end_line,
        "endColumn": p.end_column,
    })
}

fn location(doc: &Document, span: Span) -> Value {
    let mut l = json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(&doc.path)},
            "region": region(doc, span),
        }
    });
    // In a spreadsheet the region is the cell's row and column; the cell reference itself
    // is a logical location.
    if let Some(c) = doc.sheet_cell(span.start) {
        l["logicalLocations"] = json!([{
            "name": c.reference(),
            "fullyQualifiedName": format!("{}!{}", doc.path, c.reference()),
            "kind": "element",
        }]);
    }
    l
}

fn result(doc: &Document, d: &Diagnostic, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": d.code,
        "level": level(d.severity),
        "message": {"text": d.message},
        "locations": [location(doc, d.primary.span)],
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(form) = &d.form {
        r["properties"] = json!({"form": form});
    }
    if !d.secondary.is_empty() {
        r["relatedLocations"] = d
            .secondary
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let mut loc = location(doc, l.span);
                loc["id"] = json!(i);
                loc["message"] = json!({"text": l.message});
                loc
            })
            .collect();
    }
    if let Some(fix) = &d.fix {
        r["fixes"] = json!([{
            "description": {"text": fix.description},
            "artifactChanges": [{
                "artifactLocation": {"uri": uri(&doc.path)},
                "replacements": fix.edits.iter().map(|e| json!({
                    "deletedRegion": region(doc, e.span),
                    "insertedContent": {"text": e.text},
                })).collect::<Vec<_>>(),
            }],
        }]);
    }
    r
}

pub fn report(reports: &[FileReport], rules: &[RuleInfo]) -> Value {
    let driver_rules: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.description},
                "help": {"text": r.help},
                "defaultConfiguration": {"level": level(r.severity)},
                "properties": {"pack": r.pack},
            })
        })
        .collect();
    let results: Vec<Value> = reports
        .iter()
        .flat_map(|f| {
            f.diagnostics.iter().map(move |d| {
                let index = rules.iter().position(|r| r.code == d.code);
                result(&f.document, d, index)
            })
        })
        .collect();
    let invocation_ok = !reports.iter().any(|r| r.unreadable);
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kpilint",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://crates.io/crates/kpilint",
                "rules": driver_rules,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": invocation_ok}],
            "results": results,
        }],
    })
}

pub fn render(reports: &[FileReport], rules: &[RuleInfo]) -> String {
    let mut s = serde_json::to_string_pretty(&report(reports, rules)).expect("serialises");
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("forms/a b.txt"), "forms/a%20b.txt");
        assert_eq!(uri("表/甲.txt"), "%E8%A1%A8/%E7%94%B2.txt");
        assert_eq!(uri(r"C:\x\y.txt"), "C%3A/x/y.txt");
    }
}
