//! SARIF 2.1.0, for code-scanning dashboards. Columns are Unicode code points
//! (`columnKind: unicodeCodePoints`), the same unit as the JSON report; end columns are
//! exclusive, as SARIF defines them.

use super::stream::{item_json, value_json, Part, Sink, Streamed};
use super::{FileReport, Fingerprints, RuleInfo, Tally};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Document, Span};
use serde::Serialize;
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

// A result as SARIF writes it. Built as a `serde_json::Value` per finding, the tree, its
// printing and its freeing were a third of a run that wrote SARIF; these borrow the finding and
// print the same text. Fields are in the order of their names, as `Value`'s maps print them.

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'a>; 1]>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<'a>,
    partial_fingerprints: PartialFingerprints,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    rule_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

/// What a code-scanning service tracks a finding by from one commit to the next, when the
/// log gives it ([`super::Fingerprints`]): without it, GitHub hashes the finding's line, and a
/// row added above a finding reopens it as new.
#[derive(Serialize)]
struct PartialFingerprints {
    #[serde(rename = "kpilintFindingKey/v1")]
    key: String,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Properties<'a> {
    form: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[Logical; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical {
    fully_qualified_name: String,
    kind: &'static str,
    name: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
struct Artifact<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    end_column: u32,
    end_line: u32,
    start_column: u32,
    start_line: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    artifact_changes: [Change<'a>; 1],
    description: Text<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Change<'a> {
    artifact_location: Artifact<'a>,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

fn region(doc: &Document, span: Span) -> Region {
    Region::of(&super::json::position(doc, span))
}

impl Region {
    fn of(p: &super::json::Position) -> Region {
        Region {
            end_column: p.end_column,
            end_line: p.end_line,
            start_column: p.column,
            start_line: p.line,
        }
    }
}

/// `uri`: the document's path as [`uri`] gives it, made once per file.
fn location<'a>(doc: &Document, uri: &'a str, span: Span) -> Location<'a> {
    let p = super::json::position(doc, span);
    let region = Region::of(&p);
    Location {
        id: None,
        // In a spreadsheet the region is the cell's row and column; the cell reference itself
        // (which the position holds) is a logical location.
        logical_locations: p.cell.map(|name| {
            [Logical {
                fully_qualified_name: format!("{}!{name}", doc.path),
                kind: "element",
                name,
            }]
        }),
        message: None,
        physical_location: Physical {
            artifact_location: Artifact { uri },
            region,
        },
    }
}

fn result<'a>(
    doc: &Document,
    uri: &'a str,
    d: &'a Diagnostic,
    rule_index: Option<usize>,
    fingerprint: String,
) -> SarifResult<'a> {
    SarifResult {
        fixes: d.fix.as_ref().map(|fix| {
            [SarifFix {
                artifact_changes: [Change {
                    artifact_location: Artifact { uri },
                    replacements: (fix.edits.iter())
                        .map(|e| Replacement {
                            deleted_region: region(doc, e.span),
                            inserted_content: Text { text: &e.text },
                        })
                        .collect(),
                }],
                description: Text {
                    text: &fix.description,
                },
            }]
        }),
        level: level(d.severity),
        locations: [location(doc, uri, d.primary.span)],
        message: Text { text: &d.message },
        partial_fingerprints: PartialFingerprints { key: fingerprint },
        properties: d.form.as_deref().map(|form| Properties { form }),
        related_locations: (d.secondary.iter().enumerate())
            .map(|(i, l)| Location {
                id: Some(i),
                message: Some(Text { text: &l.message }),
                ..location(doc, uri, l.span)
            })
            .collect(),
        rule_id: &d.code,
        rule_index,
    }
}

/// Stands where the results go while the rest of the log is printed; a JSON string no rule
/// text holds.
const RESULTS: &str = "\u{0}kpilint-results\u{0}";

/// The log but for its results and its invocation: the results are written as the run goes,
/// and whether the run read every file is known only at its end.
fn log(rules: &[RuleInfo]) -> Value {
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
            "results": RESULTS,
        }],
    })
}

/// The run's invocation, as the key that follows its results (at the run's depth).
fn invocation(ok: bool) -> String {
    format!(
        ",\n      \"invocations\": {}",
        value_json(&json!([{ "executionSuccessful": ok }]), 6)
    )
}

/// The SARIF log written as the run goes: its results written out as they come, then its
/// invocation, which says whether every file was read, and the rest of the log.
pub struct Stream {
    index: HashMap<String, usize>,
    results: Streamed,
    /// The log's text after its results.
    tail: String,
    invocation_ok: bool,
}

impl Stream {
    /// The log for `rules`, laid out once around where its results go.
    pub fn new(rules: Vec<RuleInfo>) -> Stream {
        let mut index = HashMap::new();
        for (i, r) in rules.iter().enumerate() {
            index.entry(r.code.clone()).or_insert(i);
        }
        let text = serde_json::to_string_pretty(&log(&rules)).expect("the log serialises");
        let placeholder = serde_json::to_string(RESULTS).expect("a string serialises");
        let (head, tail) = text
            .split_once(&placeholder)
            .expect("the log holds the results placeholder");
        Stream {
            index,
            results: Streamed::after(head.to_owned()),
            tail: tail.to_owned(),
            invocation_ok: true,
        }
    }

    /// A file's results, each written as it is made (see `json::Stream::add`).
    fn add(&mut self, f: &FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        self.invocation_ok &= !f.unreadable;
        let uri = uri(&f.document.path);
        let mut prints = Fingerprints::default();
        for d in &f.diagnostics {
            self.results
                .item(&self.result_json(f, &uri, &d, &mut prints), out)?;
        }
        Ok(())
    }

    /// One result, printed; `uri` is the file's path as [`uri`] gives it, and `prints` the
    /// fingerprints of the file's results before it.
    fn result_json(
        &self,
        f: &FileReport,
        uri: &str,
        d: &Diagnostic,
        prints: &mut Fingerprints,
    ) -> String {
        let fingerprint = prints.next(&f.document, d);
        let r = result(
            &f.document,
            uri,
            d,
            self.index.get(&*d.code).copied(),
            fingerprint,
        );
        item_json(&r, 8)
    }

    /// A file's results (see [`Sink::render`]).
    fn part(&self, f: &FileReport) -> Part {
        let uri = uri(&f.document.path);
        let mut prints = Fingerprints::default();
        Part {
            texts: f
                .diagnostics
                .iter()
                .map(|d| self.result_json(f, &uri, &d, &mut prints))
                .collect(),
            unreadable: f.unreadable,
            ..Part::default()
        }
    }
}

impl Sink for Stream {
    fn push(&mut self, f: FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        self.add(&f, out)
    }

    fn render(&self, f: &FileReport) -> Option<Part> {
        Some(self.part(f))
    }

    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> std::io::Result<()> {
        self.invocation_ok &= !part.unreadable;
        for r in &part.texts {
            self.results.item(r, out)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Tally, out: &mut dyn Write) -> std::io::Result<()> {
        self.results.close(6, out)?;
        out.write_all(invocation(self.invocation_ok).as_bytes())?;
        out.write_all(self.tail.as_bytes())?;
        out.write_all(b"\n")
    }
}

/// The log of files already linted.
pub fn render(reports: &[FileReport], rules: &[RuleInfo]) -> String {
    let mut stream = Box::new(Stream::new(rules.to_vec()));
    let mut out = Vec::new();
    for r in reports {
        stream.add(r, &mut out).expect("writes to memory");
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
    fn the_streamed_results_land_in_the_log() {
        // The fixture with two of its unit columns and a value made wrong: a form with findings.
        let text = std::fs::read_to_string("tests/fixtures/other_issuer_single_period.txt")
            .unwrap()
            .replace("3.4\t万元/公里", "3.4\t公里")
            .replace("90\t%", "90\t分")
            // A finding with a fix.
            .replace("明显改善", "100百分比")
            .into_bytes();
        let set = RuleSet::builtin();
        let rules = RuleInfo::all(&set);
        let linter = Linter::new(set, Default::default());
        // And the same as CSV, whose results also name their cells (`logicalLocations`).
        let csv = String::from_utf8(text.clone())
            .unwrap()
            .replace('\t', ",")
            .into_bytes();
        let reports: Vec<FileReport> = [("a.txt", &text), ("b.txt", &text), ("c.csv", &csv)]
            .iter()
            .map(|(p, text)| {
                linter
                    .lint_ingested(crate::ingest::read_file(p, text))
                    .report
            })
            .collect();
        let log_text = render(&reports, &rules);
        let log_value: Value = serde_json::from_str(&log_text).unwrap();
        let mut expected = log(&rules);
        expected["runs"][0]["invocations"] = json!([{"executionSuccessful": true}]);
        expected["runs"][0]["results"] = reports
            .iter()
            .flat_map(|f| {
                let uri = uri(&f.document.path);
                let mut prints = Fingerprints::default();
                f.diagnostics
                    .iter()
                    .map(|d| {
                        let index = rules.iter().position(|r| d.code == r.code);
                        let print = prints.next(&f.document, &d);
                        serde_json::to_value(result(&f.document, &uri, &d, index, print)).unwrap()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        let results = expected["runs"][0]["results"].as_array().unwrap();
        assert!(results.len() > 2);
        // Every optional part of a result is in it somewhere: the text below holds the printed
        // results to `Value`'s, whose keys are in the order of their names.
        for pointer in [
            "/fixes",
            "/properties/form",
            "/relatedLocations/0/message",
            "/ruleIndex",
            "/locations/0/logicalLocations",
        ] {
            assert!(
                results.iter().any(|r| r.pointer(pointer).is_some()),
                "no result has {pointer}"
            );
        }
        assert_eq!(log_value, expected);
        // Printed as serde_json prints the whole log, but for the invocation, which follows
        // the results: it is known only when the run ends.
        let invocation = ",\n      \"invocations\": [\n        {\n          \"executionSuccessful\": true\n        }\n      ]";
        let at = log_text
            .find(invocation)
            .expect("the invocation is in the log");
        assert!(
            log_text[..at].ends_with("\n      ]"),
            "it follows the results"
        );
        let mut without = expected.clone();
        without["runs"][0]
            .as_object_mut()
            .unwrap()
            .remove("invocations");
        assert_eq!(
            log_text.replacen(invocation, "", 1),
            serde_json::to_string_pretty(&without).unwrap() + "\n"
        );
    }

    /// A run that could not read a file says so in its invocation, written after its results;
    /// a run with no result still has its invocation.
    #[test]
    fn the_invocation_says_whether_every_file_was_read() {
        let set = RuleSet::builtin();
        let rules = RuleInfo::all(&set);
        let linter = Linter::new(set, Default::default());
        let file = |unreadable: bool| {
            let text = std::fs::read("tests/fixtures/other_issuer_single_period.txt").unwrap();
            let mut r = linter
                .lint_ingested(crate::ingest::read_file("a.txt", &text))
                .report;
            r.unreadable = unreadable;
            r
        };
        let ok = |reports: &[FileReport]| {
            let log: Value = serde_json::from_str(&render(reports, &rules)).unwrap();
            assert!(log["runs"][0]["results"].is_array());
            log["runs"][0]["invocations"][0]["executionSuccessful"].clone()
        };
        assert_eq!(ok(&[]), json!(true));
        assert_eq!(ok(&[file(false)]), json!(true));
        assert_eq!(ok(&[file(false), file(true), file(false)]), json!(false));
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(uri("forms/a b.txt"), "forms/a%20b.txt");
        assert_eq!(uri("表/甲.txt"), "%E8%A1%A8/%E7%94%B2.txt");
        assert_eq!(uri(r"C:\x\y.txt"), "C%3A/x/y.txt");
    }
}
