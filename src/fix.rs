//! Applying safe fixes: the only code that writes a user's file, and only when asked
//! (`kpilint check --fix`).
//!
//! A file is rewritten only if it is byte for byte what was read (else the fix is refused),
//! in its own encoding, byte-order mark and line endings, through a temporary file beside it
//! that is flushed to disk and then renamed over the original: a crash at any point leaves
//! either the old file or the new one, never a mix.

use crate::diagnostics::{Edit, Findings};
use crate::model::{fingerprint, Document};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The safe edits of a file's findings, in order, overlapping ones dropped (first wins).
pub fn planned(diagnostics: &Findings) -> Vec<Edit> {
    let mut edits: Vec<Edit> = diagnostics
        .iter()
        .filter_map(|d| d.fix.as_ref().filter(|f| f.safe).map(|f| f.edits.clone()))
        .flatten()
        .collect();
    edits.sort_by_key(|e| (e.span.start(), e.span.end()));
    let mut out: Vec<Edit> = Vec::with_capacity(edits.len());
    for e in edits {
        if out
            .last()
            .is_none_or(|last| last.span.end() <= e.span.start())
        {
            out.push(e);
        }
    }
    out
}

/// The text with the edits applied (edits in order, not overlapping).
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for e in edits {
        out.push_str(&text[at..e.span.start()]);
        out.push_str(&e.text);
        at = e.span.end();
    }
    out.push_str(&text[at..]);
    out
}

/// The text encoded as the document was: same encoding, byte-order mark and line ends.
pub fn encode(doc: &Document, text: &str) -> Result<Vec<u8>, String> {
    let cr;
    let text = if doc.cr_line_ends {
        cr = text.replace('\n', "\r");
        cr.as_str()
    } else {
        text
    };
    let mut out = Vec::new();
    match doc.encoding {
        "UTF-8" => {
            if doc.bom {
                out.extend_from_slice(b"\xEF\xBB\xBF");
            }
            out.extend_from_slice(text.as_bytes());
        }
        "GB18030" => {
            let (bytes, _, unmappable) = encoding_rs::GB18030.encode(text);
            if unmappable {
                return Err("修改后的文字无法用 GB18030 表示".into());
            }
            out.extend_from_slice(&bytes);
        }
        "UTF-16LE" | "UTF-16BE" => {
            let le = doc.encoding == "UTF-16LE";
            out.extend_from_slice(if le { b"\xFF\xFE" } else { b"\xFE\xFF" });
            for unit in text.encode_utf16() {
                out.extend_from_slice(&if le {
                    unit.to_le_bytes()
                } else {
                    unit.to_be_bytes()
                });
            }
        }
        other => return Err(format!("不支持写回 {other} 编码的文件")),
    }
    Ok(out)
}

/// The changed lines, as `-`/`+` pairs under the file's name.
pub fn diff(doc: &Document, fixed: &str) -> String {
    let mut s = format!("--- {}\n+++ {}（修复后）\n", doc.path, doc.path);
    let old: Vec<&str> = doc.text.split('\n').collect();
    let new: Vec<&str> = fixed.split('\n').collect();
    // Fixes never add or remove lines, so lines correspond one to one.
    for (i, (a, b)) in old.iter().zip(&new).enumerate() {
        if a != b {
            s.push_str(&format!(
                "@@ 第 {} 行 @@\n-{}\n+{}\n",
                i + 1,
                a.trim_end_matches('\r'),
                b.trim_end_matches('\r')
            ));
        }
    }
    s
}

/// Writes `bytes` to `path` atomically. `before_rename` runs once the temporary file is
/// complete and on disk; an error from it (or anything else) leaves the original untouched.
pub fn write_atomic(
    path: &Path,
    bytes: &[u8],
    before_rename: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit(before_rename)
}

/// A file written beside its destination and renamed over it only once complete, so no one
/// ever reads half a report or half a fixed form. Dropped without [`AtomicFile::commit`], it
/// leaves the destination untouched and removes what it wrote.
///
/// A destination that is not a regular file (`/dev/stdout`, a named pipe) is written
/// directly: renaming over it would replace the device or pipe with a file. A symbolic link
/// is followed, and the file it names is replaced: renamed over, the link itself became a
/// file, and the form it pointed at was left as it was (a folder is walked following links,
/// so `--fix` over a folder of links to the submitted forms broke every link it fixed).
pub struct AtomicFile {
    path: PathBuf,
    /// None when writing directly.
    tmp: Option<PathBuf>,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        // A link that leads nowhere is replaced, as a missing file is made.
        let resolved = std::fs::symlink_metadata(path)
            .is_ok_and(|m| m.file_type().is_symlink())
            .then(|| std::fs::canonicalize(path).ok())
            .flatten();
        let path = resolved.as_deref().unwrap_or(path);
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir());
        if special {
            let file = std::fs::OpenOptions::new().write(true).open(path)?;
            return Ok(AtomicFile {
                path: path.to_path_buf(),
                tmp: None,
                file: Some(std::io::BufWriter::new(file)),
            });
        }
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp: PathBuf = dir.join(format!(".{name}.kpilint-{}.tmp", std::process::id()));
        let file = std::fs::File::create(&tmp)?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp: Some(tmp),
            file: Some(std::io::BufWriter::new(file)),
        })
    }

    /// Puts the file in place: flushed, synced, with the permissions of the file it replaces.
    pub fn commit(
        mut self,
        before_rename: impl FnOnce() -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let file = self.file.take().expect("an uncommitted file");
        let f = file
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        let Some(tmp) = &self.tmp else {
            return before_rename();
        };
        f.sync_all()?;
        drop(f);
        if let Ok(meta) = std::fs::metadata(&self.path) {
            std::fs::set_permissions(tmp, meta.permissions())?;
        }
        before_rename()?;
        std::fs::rename(tmp, &self.path)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.file.as_mut().expect("an uncommitted file").write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().expect("an uncommitted file").flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Committed, the temporary file has become the destination; otherwise it goes.
        drop(self.file.take());
        if let Some(tmp) = self.tmp.as_ref().filter(|t| t.exists()) {
            let _ = std::fs::remove_file(tmp);
        }
    }
}

/// What `--fix` did to one file.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Fixed(usize),
    Nothing,
    Refused(String),
}

/// Applies the safe fixes of a file's findings, if the file at `path` (the one `doc` was read
/// from: its `path` is for display, and a name that is not UTF-8 is not spelt the same) is
/// still what was read.
pub fn fix_file(path: &Path, doc: &Document, diagnostics: &Findings) -> Outcome {
    let edits = planned(diagnostics);
    if edits.is_empty() {
        return Outcome::Nothing;
    }
    // A workbook's text is a layout of its cells, not its bytes: writing it back would
    // destroy the file.
    if !doc.is_text_file() {
        return Outcome::Refused("表格文件不能自动修改，请按提示在表格软件中改正".into());
    }
    // Standard input or a pipe cannot be read again, nor written back.
    if std::fs::metadata(path).is_ok_and(|m| !m.is_file()) {
        return Outcome::Refused(
            "不是普通文件（如标准输入），无法写回；请用 --diff 查看修复".into(),
        );
    }
    match std::fs::read(path) {
        Ok(now) if fingerprint(&now) == doc.fingerprint => {}
        Ok(_) => return Outcome::Refused("文件在检查之后被修改过，未写入".into()),
        Err(e) => return Outcome::Refused(format!("无法重新读取：{e}")),
    }
    let fixed = apply(&doc.text, &edits);
    let bytes = match encode(doc, &fixed) {
        Ok(b) => b,
        Err(e) => return Outcome::Refused(e),
    };
    match write_atomic(path, &bytes, || Ok(())) {
        Ok(()) => Outcome::Fixed(edits.len()),
        Err(e) => Outcome::Refused(format!("写入失败：{e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            text: text.into(),
        }
    }

    #[test]
    fn edits_apply_in_order() {
        let text = "100百分比\t95元/生.年";
        let dot = text.find('.').unwrap();
        assert_eq!(
            apply(text, &[edit(3, 12, "%"), edit(dot, dot + 1, "/")]),
            "100%\t95元/生/年"
        );
    }

    #[test]
    fn a_failed_write_leaves_the_original() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.txt");
        std::fs::write(&p, "原文").unwrap();
        let crash = || Err(std::io::Error::other("simulated crash before the rename"));
        assert!(write_atomic(&p, "新文".as_bytes(), crash).is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "原文");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
        write_atomic(&p, "新文".as_bytes(), || Ok(())).unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "新文");
    }

    #[test]
    fn a_report_dropped_half_written_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        std::fs::write(&p, "昨天的报告").unwrap();
        let mut f = AtomicFile::create(&p).unwrap();
        f.write_all(b"{\"version\": 1, \"files\": [").unwrap();
        drop(f);
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "昨天的报告");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn a_device_is_written_not_replaced() {
        use std::os::unix::fs::FileTypeExt;
        let mut f = AtomicFile::create(Path::new("/dev/null")).unwrap();
        f.write_all(b"report").unwrap();
        f.commit(|| Ok(())).unwrap();
        let meta = std::fs::metadata("/dev/null").unwrap();
        assert!(
            meta.file_type().is_char_device(),
            "/dev/null is still a device"
        );
    }
}
