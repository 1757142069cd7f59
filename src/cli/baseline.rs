//! `--baseline FILE`: accept today's findings and report only new ones from then on.
//!
//! A finding is identified by its code, file, form and the text of its cell — never by its
//! line, so edits elsewhere in a file do not bring old findings back ([`Key`]).

use crate::fix::AtomicFile;
use crate::output::stream::{item_json, Spool};
use crate::output::{FileReport, FindingKey as Key};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    count: usize,
}

#[derive(Debug, Serialize, Deserialize)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// A baseline in use: read from its file and filtering each report, or being recorded from
/// each report as the run goes.
pub enum Baseline {
    Filter(BTreeMap<Key, usize>),
    /// Entries are spooled file by file (their keys hold the file's path, so a file's
    /// counts are final once it is linted), so recording holds no more than reporting. The
    /// file is opened before the run, so a baseline that cannot be written stops it at once.
    Record {
        spool: Spool,
        findings: usize,
        file: AtomicFile,
    },
}

impl Baseline {
    /// The baseline at `path`, or a new recording if there is no file there yet.
    pub fn open(path: &Path) -> Result<Baseline, String> {
        if !path.exists() {
            let spool = Spool::spilling();
            let file = AtomicFile::create(path)
                .map_err(|e| format!("无法写入基线 {}：{e}", path.display()))?;
            return Ok(Baseline::Record {
                spool,
                findings: 0,
                file,
            });
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("无法读取基线 {}：{e}", path.display()))?;
        let file: File = serde_json::from_str(&text)
            .map_err(|e| format!("基线文件 {} 无法解析：{e}", path.display()))?;
        Ok(Baseline::Filter(
            file.findings
                .into_iter()
                .map(|e| (e.key, e.count))
                .collect(),
        ))
    }

    /// Drops the report's findings the baseline knows, or records them.
    pub fn apply(&mut self, r: &mut FileReport) -> Result<(), String> {
        match self {
            Baseline::Filter(left) => {
                let doc = &r.document;
                r.diagnostics
                    .retain(|d| match left.get_mut(&Key::of(doc, d)) {
                        Some(n) if *n > 0 => {
                            *n -= 1;
                            false
                        }
                        _ => true,
                    });
            }
            Baseline::Record {
                spool, findings, ..
            } => {
                let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
                for d in &r.diagnostics {
                    *counts.entry(Key::of(&r.document, &d)).or_default() += 1;
                }
                for (key, count) in counts {
                    *findings += count;
                    spool
                        .item(&item_json(&Entry { key, count }, 4))
                        .map_err(|e| format!("基线记录不完整，不会写入：{e}"))?;
                }
            }
        }
        Ok(())
    }

    /// Writes a recorded baseline to `path`: the files in the order they were linted, each
    /// file's findings by code, form and cell.
    pub fn finish(self, path: &Path) -> Result<(), String> {
        let Baseline::Record {
            spool,
            findings,
            file: mut f,
        } = self
        else {
            return Ok(());
        };
        if !spool.is_whole() {
            return Err(format!(
                "基线 {} 未写入：记录不完整（临时文件无法创建）",
                path.display()
            ));
        }
        let failed = |e: std::io::Error| format!("无法写入基线 {}：{e}", path.display());
        f.write_all(b"{\n  \"version\": 1,\n  \"findings\": ")
            .map_err(failed)?;
        spool.write_array(2, &mut f).map_err(failed)?;
        f.write_all(b"\n}\n").map_err(failed)?;
        f.commit(|| Ok(())).map_err(failed)?;
        eprintln!("kpilint: 已把 {findings} 条发现记入基线 {}", path.display());
        Ok(())
    }
}
