//! `--baseline FILE`: accept today's findings and report only new ones from then on.
//!
//! A finding is identified by its code, file, form and the text of its cell — never by its
//! line, so edits elsewhere in a file do not bring old findings back.

use crate::output::FileReport;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
pub struct Key {
    pub code: String,
    pub path: String,
    pub form: Option<String>,
    pub cell: String,
}

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

fn key(r: &FileReport, d: &crate::diagnostics::Diagnostic) -> Key {
    Key {
        code: d.code.clone(),
        path: r.document.path.clone(),
        form: d.form.clone(),
        cell: r.document.slice(d.primary.span).to_owned(),
    }
}

/// Filters `reports` by the baseline at `path`, or records one there if there is none.
pub fn apply(path: &Path, reports: &mut [FileReport]) -> Result<(), String> {
    if !path.exists() {
        let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
        for r in reports.iter() {
            for d in &r.diagnostics {
                *counts.entry(key(r, d)).or_default() += 1;
            }
        }
        let file = File {
            version: 1,
            findings: counts
                .into_iter()
                .map(|(key, count)| Entry { key, count })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())?;
        text.push('\n');
        crate::fix::write_atomic(path, text.as_bytes(), || Ok(()))
            .map_err(|e| format!("无法写入基线 {}：{e}", path.display()))?;
        eprintln!(
            "kpilint: 已把 {} 条发现记入基线 {}",
            file.findings.iter().map(|e| e.count).sum::<usize>(),
            path.display()
        );
        return Ok(());
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("无法读取基线 {}：{e}", path.display()))?;
    let file: File = serde_json::from_str(&text)
        .map_err(|e| format!("基线文件 {} 无法解析：{e}", path.display()))?;
    let mut left: BTreeMap<Key, usize> = file
        .findings
        .into_iter()
        .map(|e| (e.key, e.count))
        .collect();
    for r in reports.iter_mut() {
        let keys: Vec<Key> = r.diagnostics.iter().map(|d| key(r, d)).collect();
        let mut i = 0;
        r.diagnostics.retain(|_| {
            let k = &keys[i];
            i += 1;
            match left.get_mut(k) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    false
                }
                _ => true,
            }
        });
    }
    Ok(())
}
