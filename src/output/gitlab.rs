//! GitLab Code Quality (`artifacts: reports: codequality`): a JSON array of issues, which
//! GitLab shows in a merge request, marking the findings its branch brought in as new and those
//! it removed as resolved.
//!
//! GitLab tells one run's findings from another's by their fingerprints alone, so a
//! fingerprint is made from what a baseline counts a finding by ([`FindingKey`]: code, file,
//! form, the cell's text), never its line: a row added above a finding does not make it new.
//! Findings with the same key in one file are told apart by their order, as GitLab shows
//! only one issue of a fingerprint.

use super::stream::{item_json, Part, Sink, Streamed};
use super::{FileReport, FindingKey, Tally};
use crate::diagnostics::Severity;
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;

#[derive(Serialize)]
struct Issue<'a> {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's five levels, as linters' formatters for it use them: an error is `major`, ranked
/// above a warning's `minor`; `critical` and `blocker` are left for findings that stop a
/// release, which kpilint's severities do not say.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

/// 64-bit FNV-1a over the key's fields and the occurrence, each field ended by a byte no
/// UTF-8 text holds: the same on every machine and in every version, as a fingerprint must
/// be to compare two runs (the standard library's hashers promise neither).
fn fingerprint(key: &FindingKey, nth: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes.iter().chain([0xff].iter()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    eat(key.code.as_bytes());
    eat(key.path.as_bytes());
    eat(key.form.as_deref().unwrap_or("").as_bytes());
    eat(&[u8::from(key.form.is_some())]);
    eat(key.cell.as_bytes());
    eat(&(nth as u64).to_le_bytes());
    format!("{h:016x}")
}

/// Each finding's issue, in report order, handed to `write` as an indented array item.
fn each_issue<E>(r: &FileReport, mut write: impl FnMut(String) -> Result<(), E>) -> Result<(), E> {
    let mut seen: HashMap<FindingKey, usize> = HashMap::new();
    for d in &r.diagnostics {
        let key = FindingKey::of(&r.document, &d);
        let nth = seen.entry(key.clone()).or_default();
        let p = super::json::position(&r.document, d.primary.span);
        let description = match &d.form {
            Some(form) => format!("{}（{form}）", d.message),
            None => d.message.to_string(),
        };
        let issue = Issue {
            description,
            check_name: format!("{} {}", d.code, d.name()),
            fingerprint: fingerprint(&key, *nth),
            severity: level(d.severity),
            location: Location {
                path: &r.document.path,
                lines: Lines {
                    begin: p.line,
                    end: p.end_line,
                },
            },
        };
        *nth += 1;
        write(item_json(&issue, 2))?;
    }
    Ok(())
}

/// The issues are written as each file is linted, between the brackets of one array.
pub struct Stream {
    issues: Streamed,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            issues: Streamed::after(String::new()),
        }
    }
}

impl Default for Stream {
    fn default() -> Self {
        Stream::new()
    }
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, out: &mut dyn Write) -> std::io::Result<()> {
        each_issue(&r, |item| self.issues.item(&item, out))
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let mut texts = Vec::with_capacity(r.diagnostics.len());
        let _ = each_issue(r, |item| {
            texts.push(item);
            Ok::<(), std::convert::Infallible>(())
        });
        Some(Part {
            texts,
            unreadable: r.unreadable,
            ..Part::default()
        })
    }

    fn push_part(&mut self, part: Part, out: &mut dyn Write) -> std::io::Result<()> {
        for item in &part.texts {
            self.issues.item(item, out)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _: &Tally, out: &mut dyn Write) -> std::io::Result<()> {
        self.issues.close(0, out)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: &str, form: Option<&str>, cell: &str) -> FindingKey {
        FindingKey {
            code: code.into(),
            path: "表.txt".into(),
            form: form.map(Into::into),
            cell: cell.into(),
        }
    }

    /// A fingerprint is fixed by the key and the occurrence alone: pinned here, as GitLab
    /// compares fingerprints written by different versions of kpilint on two branches.
    #[test]
    fn fingerprints_are_stable_and_tell_keys_apart() {
        let k = key("V006", Some("甲项目"), "按合同价");
        assert_eq!(fingerprint(&k, 0), fingerprint(&k.clone(), 0));
        assert_eq!(fingerprint(&k, 0), "2744c29779f37ae2");
        let others = [
            fingerprint(&k, 1),
            fingerprint(&key("V007", Some("甲项目"), "按合同价"), 0),
            fingerprint(&key("V006", Some("乙项目"), "按合同价"), 0),
            fingerprint(&key("V006", None, "按合同价"), 0),
            fingerprint(&key("V006", Some(""), "按合同价"), 0),
            // Fields are ended, so text cannot move from one field to the next unseen.
            fingerprint(&key("V006", Some("甲项目按"), "合同价"), 0),
        ];
        for (i, f) in others.iter().enumerate() {
            assert_ne!(*f, fingerprint(&k, 0), "{i}");
            assert_eq!(f.len(), 16);
            assert!(others[..i].iter().all(|g| g != f), "{i}");
        }
    }
}
