//! SARIF 2.1.0, for code-scanning dashboards. Columns are Unicode code points
//! (`columnKind: unicodeCodePoints`), the same unit as the JSON report; end columns are
//! exclusive, as SARIF defines them.

use super::stream::{item_json, Part, Sink, Spool};
use super::{FileReport, RuleInfo, Tally};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Document, Span};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::Write;

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
    if let Some(c) = doc.sheet_cell(span.start()) {
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

/// Stands where the results go while the rest of the log is printed; a JSON string no rule
/// text holds.
const RESULTS: &str = "\u{0}kpilint-results\u{0}";

fn log(rules: &[RuleInfo], invocation_ok: bool) -> Value {
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
            "results": RESULTS,
        }],
    })
}

/// The SARIF log written as the run goes: results are spooled, and the log around them is
/// printed at the end, when whether every file was read is known.
pub struct Stream {
    rules: Vec<RuleInfo>,
    index: HashMap<String, usize>,
    results: Spool,
    invocation_ok: bool,
}

impl Stream {
    /// Spooled on disk, for a run of any size.
    pub fn new(rules: Vec<RuleInfo>) -> std::io::Result<Stream> {
        Ok(Stream::with(rules, Spool::disk()?))
    }

    fn with(rules: Vec<RuleInfo>, results: Spool) -> Stream {
        let mut index = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            index.entry(r.code.clone()).or_insert(i);
        }
        Stream {
            rules,
            index,
            results,
            invocation_ok: true,
        }
    }

    /// A file's results, each spooled as it is made (see `json::Stream::add`).
    fn add(&mut self, f: &FileReport) -> std::io::Result<()> {
        self.invocation_ok &= !f.unreadable;
        for d in &f.diagnostics {
            self.results.item(&self.result_json(f, &d))?;
        }
        Ok(())
    }

    fn result_json(&self, f: &FileReport, d: &Diagnostic) -> String {
        let r = result(&f.document, d, self.index.get(&*d.code).copied());
        item_json(&r, 8)
    }

    /// A file's results (see [`Sink::render`]).
    fn part(&self, f: &FileReport) -> Part {
        Part {
            texts: f
                .diagnostics
                .iter()
                .map(|d| self.result_json(f, &d))
                .collect(),
            unreadable: f.unreadable,
            ..Part::default()
        }
    }
}

impl Sink for Stream {
    fn push(&mut self, f: FileReport, _: &mut dyn Write) -> std::io::Result<()> {
        self.add(&f)
    }

    fn render(&self, f: &FileReport) -> Option<Part> {
        Some(self.part(f))
    }

    fn push_part(&mut self, part: Part, _: &mut dyn Write) -> std::io::Result<()> {
        self.invocation_ok &= !part.unreadable;
        for r in &part.texts {
            self.results.item(r)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Tally, out: &mut dyn Write) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(&log(&self.rules, self.invocation_ok))
            .expect("the log serialises");
        let placeholder = serde_json::to_string(RESULTS).expect("a string serialises");
        let (before, after) = text
            .split_once(&placeholder)
            .expect("the log holds the results placeholder");
        out.write_all(before.as_bytes())?;
        self.results.write_array(6, out)?;
        out.write_all(after.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// The log of files already linted.
pub fn render(reports: &[FileReport], rules: &[RuleInfo]) -> String {
    let mut stream = Box::new(Stream::with(rules.to_vec(), Spool::memory()));
    let mut out = Vec::new();
    for r in reports {
        stream.add(r).expect("writes to memory");
    }
    stream
        .finish(&Tally::default(), &mut out)
        .expect("writes to memory");
    String::from_utf8(out).expect("SARIF is UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lint::Linter;
    use crate::rules::RuleSet;

    #[test]
    fn the_spooled_results_land_in_the_log() {
        // The fixture with two of its unit columns made wrong: a form with findings.
        let text = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt")
            .unwrap()
            .replace("3.4\t万元/公里", "3.4\t公里")
            .replace("90\t%", "90\t分")
            .into_bytes();
        let set = RuleSet::builtin();
        let rules = RuleInfo::all(&set);
        let linter = Linter::new(set, Default::default());
        let reports: Vec<FileReport> = ["a.txt", "b.txt"]
            .iter()
            .map(|p| {
                linter
                    .lint_ingested(crate::ingest::read_bytes(p, &text))
                    .report
            })
            .collect();
        let log_text = render(&reports, &rules);
        let log_value: Value = serde_json::from_str(&log_text).unwrap();
        let mut expected = log(&rules, true);
        expected["runs"][0]["results"] = reports
            .iter()
            .flat_map(|f| {
                f.diagnostics.iter().map(|d| {
                    let index = rules.iter().position(|r| d.code == r.code);
                    result(&f.document, &d, index)
                })
            })
            .collect();
        assert!(expected["runs"][0]["results"].as_array().unwrap().len() > 2);
        assert_eq!(log_value, expected);
        // Printed as serde_json prints the whole log.
        assert_eq!(
            log_text,
            serde_json::to_string_pretty(&expected).unwrap() + "\n"
        );
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("forms/a b.txt"), "forms/a%20b.txt");
        assert_eq!(uri("表/甲.txt"), "%E8%A1%A8/%E7%94%B2.txt");
        assert_eq!(uri(r"C:\x\y.txt"), "C%3A/x/y.txt");
    }
}
