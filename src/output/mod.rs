//! Rendering findings: the human report (miette), JSON, SARIF, GitHub annotations, HTML.
//!
//! Owns every output shape; no other stage knows what JSON or a terminal looks like. It
//! reads the model and diagnostics and never changes them.

pub mod dump;
pub mod form;
pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
mod pretty;
mod repo_root;
pub mod sarif;
pub mod stream;
pub mod value;

pub use repo_root::RepoRoot;

use crate::diagnostics::{CodeName, Findings, Severity, Shared};
use crate::model::Document;

/// What a report says about a rule: for SARIF's rule table and `--statistics`.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub code: String,
    pub name: String,
    pub summary: String,
    /// Why it matters (the rule's rationale).
    pub description: String,
    pub help: String,
    pub severity: Severity,
    pub pack: Option<String>,
}

impl RuleInfo {
    /// Every built-in code and every rule of `rules`, in code order within each source.
    pub fn all(rules: &crate::rules::RuleSet) -> Vec<RuleInfo> {
        let builtin = crate::diagnostics::codes::ALL.iter().map(|c| RuleInfo {
            code: c.code.to_owned(),
            name: c.name.to_owned(),
            summary: c.summary.to_owned(),
            description: c.summary.to_owned(),
            help: c.help.unwrap_or("").to_owned(),
            severity: c.severity,
            pack: None,
        });
        let packs = rules.rules().map(|r| RuleInfo {
            code: r.code.to_string(),
            name: r.name().to_owned(),
            summary: r.summary.clone(),
            description: r.rationale.clone(),
            help: r.help().to_owned(),
            severity: r.severity,
            pack: Some(r.pack().to_owned()),
        });
        builtin.chain(packs).collect()
    }
}

/// Each rule's one-line summary by its code, for the reports that count findings by rule
/// (`--statistics`, the JSON report's `statistics`): a count says more with what it counts.
pub fn summaries(rules: &crate::rules::RuleSet) -> std::collections::HashMap<String, String> {
    RuleInfo::all(rules)
        .into_iter()
        .map(|r| (r.code, r.summary))
        .collect()
}

/// What identifies a finding from one run to the next: its code, file, form and the text of
/// its cell, never its line, so that edits elsewhere in a file do not make an old finding
/// new. A baseline counts findings by it; GitLab's fingerprints are made from it.
#[derive(
    Debug, serde::Serialize, serde::Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone, Hash,
)]
pub struct FindingKey {
    pub code: String,
    pub path: String,
    pub form: Option<String>,
    pub cell: String,
}

impl FindingKey {
    pub fn of(doc: &Document, d: &crate::diagnostics::Diagnostic) -> FindingKey {
        FindingKey {
            code: d.code.to_string(),
            path: doc.path.clone(),
            form: d.form.as_deref().map(str::to_owned),
            cell: doc.slice(d.primary.span).to_owned(),
        }
    }
}

/// Fingerprints of one file's findings, for reports whose readers tell one run's findings
/// from another's by them (GitLab's Code Quality, SARIF's `partialFingerprints`): made from a
/// finding's [`FindingKey`], never its line, so a row added above a finding does not make it
/// new; findings with the same key are told apart by their order in the file, as a reader
/// shows one finding a fingerprint. Only each key's hash is kept, not its texts: a 10 MB file
/// may have a finding on every one of its 180,000 rows.
#[derive(Default)]
pub struct Fingerprints {
    seen: std::collections::HashMap<u64, u64>,
}

impl Fingerprints {
    /// The fingerprint of the file's next finding, in report order.
    pub fn next(&mut self, doc: &Document, d: &crate::diagnostics::Diagnostic) -> String {
        // Hashed from the finding's own texts: a `FindingKey` would copy the path and the
        // cell for every finding only to hash them.
        let key = Fnv::of_parts(
            &d.code,
            &doc.path,
            d.form.as_deref(),
            doc.slice(d.primary.span),
        );
        let nth = self.seen.entry(key.0).or_default();
        let print = key.then(*nth);
        *nth += 1;
        print
    }
}

/// 64-bit FNV-1a over a key's fields, then its occurrence, each field ended by a byte no
/// UTF-8 text holds: the same on every machine and in every version, as a fingerprint must be
/// to compare two runs (the standard library's hashers promise neither).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    /// The hash of the [`FindingKey`] these fields make.
    fn of_parts(code: &str, path: &str, form: Option<&str>, cell: &str) -> Fnv {
        let mut h = Fnv(0xcbf2_9ce4_8422_2325);
        h.eat(code.as_bytes());
        h.eat(path.as_bytes());
        h.eat(form.unwrap_or("").as_bytes());
        h.eat(&[u8::from(form.is_some())]);
        h.eat(cell.as_bytes());
        h
    }

    fn eat(&mut self, bytes: &[u8]) {
        for &b in bytes.iter().chain([0xff].iter()) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    /// The fingerprint of the key's `nth` finding, as hex.
    fn then(mut self, nth: u64) -> String {
        self.eat(&nth.to_le_bytes());
        format!("{:016x}", self.0)
    }
}

#[cfg(test)]
fn fingerprint(key: &FindingKey, nth: u64) -> String {
    Fnv::of_parts(&key.code, &key.path, key.form.as_deref(), &key.cell).then(nth)
}

/// What a one-line report adds in brackets after a finding's message: its form's 项目名称 and,
/// in a workbook or CSV file, where a line is a sheet's row, the cell (`乡村道路养护，单元格
/// F16`), as the human report names them; `None` when there is neither.
pub fn bracketed(doc: &Document, d: &crate::diagnostics::Diagnostic) -> Option<String> {
    let cell = doc.sheet_cell(d.primary.span.start());
    match (&d.form, cell) {
        (Some(form), Some(cell)) => Some(format!("{form}，单元格 {}", cell.reference())),
        (Some(form), None) => Some(form.to_string()),
        (None, Some(cell)) => Some(format!("单元格 {}", cell.reference())),
        (None, None) => None,
    }
}

/// One linted file with its findings, in report order.
pub struct FileReport {
    pub document: Document,
    /// Held, or set aside on disk for a file with very many: read through [`Findings::iter`].
    pub diagnostics: Findings,
    pub unreadable: bool,
}

impl FileReport {
    /// The rule packs that failed to load, as reports: a broken pack is shown like a form with
    /// findings, at the line and column of the YAML that is wrong.
    pub fn broken_packs(set: &mut crate::rules::RuleSet) -> Vec<FileReport> {
        set.broken
            .drain(..)
            .map(|(document, diagnostics)| FileReport {
                document,
                diagnostics: diagnostics.into(),
                unreadable: false,
            })
            .collect()
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub forms: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub unreadable: usize,
}

impl Summary {
    pub fn of(reports: &[FileReport]) -> Self {
        let mut t = Tally::default();
        for r in reports {
            t.add(r);
        }
        t.summary
    }

    /// `N files, M forms, E errors, W warnings, I infos`, each word singular for one (`1 file`).
    /// Every finding the report shows is counted: the infos (☞) too, as the JSON summary does.
    pub fn line(&self) -> String {
        format!(
            "{}, {}, {}, {}, {}",
            counted(self.files, "file"),
            counted(self.forms, "form"),
            counted(self.errors, "error"),
            counted(self.warnings, "warning"),
            counted(self.infos, "info")
        )
    }
}

/// `n` things: `1 file`, `2 files` (the English of the summary lines).
pub fn counted(n: usize, word: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {word}{s}")
}

/// Findings per code: (code, name, severity, count), most frequent first, then by code.
/// Counts over a run, for reports written file by file: the summary and the findings per code.
#[derive(Debug, Default)]
pub struct Tally {
    pub summary: Summary,
    /// By code: a run has a few dozen, each looked up for every finding. In a `BTreeMap`
    /// each lookup compared the code with several others (some 450 instructions a finding);
    /// the order is [`Tally::rows`]'s, made when they are listed. The code and the name are
    /// the findings' own, shared: every file is counted apart on the thread that linted it,
    /// and copying them into strings of its own was two allocations a code a file.
    counts: crate::model::QuickMap<CodeName, (Shared, Severity, usize)>,
}

impl Tally {
    pub fn add(&mut self, r: &FileReport) {
        let s = &mut self.summary;
        s.files += 1;
        s.forms += r.document.forms.len();
        s.unreadable += usize::from(r.unreadable);
        // One pass: findings set aside on disk are read back on every pass over them.
        for d in &r.diagnostics {
            match d.severity {
                Severity::Error => self.summary.errors += 1,
                Severity::Warning => self.summary.warnings += 1,
                Severity::Info => self.summary.infos += 1,
            }
            // Looked up first: `entry` would take a share of the code for every finding.
            match self.counts.get_mut(&d.code) {
                Some(count) => count.2 += 1,
                None => {
                    let first = (d.origin.name.clone(), d.severity, 1);
                    self.counts.insert(d.code.clone(), first);
                }
            }
        }
    }

    /// Adds another tally's counts: files counted on the threads that linted them.
    pub fn merge(&mut self, other: Tally) {
        let (s, o) = (&mut self.summary, other.summary);
        s.files += o.files;
        s.forms += o.forms;
        s.errors += o.errors;
        s.warnings += o.warnings;
        s.infos += o.infos;
        s.unreadable += o.unreadable;
        for (code, (name, severity, count)) in other.counts {
            self.counts.entry(code).or_insert((name, severity, 0)).2 += count;
        }
    }

    /// Findings per code, most frequent first.
    pub fn rows(&self) -> Vec<(String, String, Severity, usize)> {
        let mut v: Vec<_> = self
            .counts
            .iter()
            .map(|(c, (n, s, k))| (c.to_string(), n.to_string(), *s, *k))
            .collect();
        v.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
        v
    }
}

pub fn statistics(reports: &[FileReport]) -> Vec<(String, String, Severity, usize)> {
    let mut t = Tally::default();
    for r in reports {
        t.add(r);
    }
    t.rows()
}

/// The form a finding belongs to, by position. Forms are in document order and a form's span
/// covers its continuation pages, so a binary search finds it.
pub fn form_at(doc: &Document, offset: usize) -> Option<&crate::model::Form> {
    form_index(doc, offset).map(|i| &doc.forms[i])
}

pub fn form_index(doc: &Document, offset: usize) -> Option<usize> {
    let i = doc.forms.partition_point(|f| f.span.start() <= offset);
    let i = i.checked_sub(1)?;
    (offset <= doc.forms[i].span.end()).then_some(i)
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

    /// One of a thing is singular: `1 file`, not `1 files`.
    #[test]
    fn the_summary_counts_in_the_singular_for_one() {
        let s = |files, forms, errors, warnings, infos| {
            Summary {
                files,
                forms,
                errors,
                warnings,
                infos,
                ..Summary::default()
            }
            .line()
        };
        assert_eq!(
            s(1, 1, 1, 1, 1),
            "1 file, 1 form, 1 error, 1 warning, 1 info"
        );
        assert_eq!(
            s(2, 0, 0, 12, 0),
            "2 files, 0 forms, 0 errors, 12 warnings, 0 infos"
        );
        assert_eq!(
            s(1, 224, 111, 0, 469),
            "1 file, 224 forms, 111 errors, 0 warnings, 469 infos"
        );
    }

    /// Files counted on the threads that linted them and merged give the run's counts, as
    /// files added one by one do.
    #[test]
    fn tallies_merged_count_as_files_added() {
        let reports: Vec<FileReport> = [
            "tests/corpus/000_cb0bcf906edd3817.txt",
            "tests/fixtures/other_issuer_budget_tables.txt",
            "tests/fixtures/other_issuer_single_period.txt",
            "tests/no-such-file.txt",
        ]
        .iter()
        .map(|p| crate::cli::lint_file(std::path::Path::new(p)))
        .collect();
        let mut added = Tally::default();
        let mut merged = Tally::default();
        for r in &reports {
            added.add(r);
            let mut one = Tally::default();
            one.add(r);
            merged.merge(one);
        }
        assert_eq!(merged.summary, added.summary);
        assert_eq!(merged.rows(), added.rows());
        assert!(added.summary.unreadable == 1 && added.rows().len() > 20);
    }
}
