//! GitLab Code Quality (`artifacts: reports: codequality`): a JSON array of issues, which
//! GitLab shows in a merge request, marking the findings its branch brought in as new and those
//! it removed as resolved.
//!
//! GitLab tells one run's findings from another's by their fingerprints alone
//! ([`Fingerprints`]: never a finding's line, so a row added above it does not make it new).

use super::stream::{item_json, Part, Sink, Streamed};
use super::{FileReport, Fingerprints, Tally};
use crate::diagnostics::Severity;
use serde::Serialize;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

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
    /// Relative to the repository's root ([`Root`]).
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

/// Where GitLab reads a report's paths from: the root of the repository it checked out.
/// GitLab matches `location.path` against the files of the merge request's diff, relative to
/// that root and without a leading `./`, so a path as given on the command line
/// (`./forms/表.txt`, `$CI_PROJECT_DIR/forms/表.txt`, or `表.txt` from inside `forms/`)
/// would put no finding on its line.
pub struct Root {
    /// Where relative paths start from.
    cwd: PathBuf,
    /// The repository's root: `CI_PROJECT_DIR` in a GitLab job, else the nearest folder
    /// holding `.git` from the current one up, else the current folder.
    root: PathBuf,
}

impl Root {
    /// The root of the current folder's repository, found once a run.
    pub fn find() -> Root {
        let cwd = std::env::current_dir().unwrap_or_default();
        let root = match std::env::var_os("CI_PROJECT_DIR").filter(|d| !d.is_empty()) {
            Some(dir) => normal(&cwd.join(dir)),
            None => cwd
                .ancestors()
                .find(|d| d.join(".git").exists())
                .unwrap_or(&cwd)
                .to_path_buf(),
        };
        Root { cwd, root }
    }

    /// `given` relative to the root, with `/` between folders; a path outside the root is
    /// kept as given, less a leading `./`.
    pub fn relative(&self, given: &str) -> String {
        let full = normal(&self.cwd.join(given));
        let path = match full.strip_prefix(&self.root) {
            Ok(inside) if !inside.as_os_str().is_empty() => inside.to_string_lossy(),
            _ => std::borrow::Cow::Borrowed(given),
        };
        let path = path.replace('\\', "/");
        let mut rest = path.as_str();
        while let Some(r) = rest.strip_prefix("./") {
            rest = r.trim_start_matches('/');
        }
        rest.to_owned()
    }
}

/// `path` with its `.` left out and each `..` taking off the folder before it, without asking
/// the file system: a symbolic link is where the user named it, as in the other reports.
fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Each finding's issue, in report order, handed to `write` as an indented array item.
fn each_issue<E>(
    root: &Root,
    r: &FileReport,
    mut write: impl FnMut(String) -> Result<(), E>,
) -> Result<(), E> {
    let path = root.relative(&r.document.path);
    let mut fingerprints = Fingerprints::default();
    for d in &r.diagnostics {
        let p = super::json::position(&r.document, d.primary.span);
        // GitLab shows a line, which in a workbook or CSV file is a row of a sheet: the cell
        // is named too.
        let description = match super::bracketed(&r.document, &d) {
            Some(b) => format!("{}（{b}）", d.message),
            None => d.message.to_string(),
        };
        let issue = Issue {
            description,
            check_name: format!("{} {}", d.code, d.name()),
            fingerprint: fingerprints.next(&r.document, &d),
            severity: level(d.severity),
            location: Location {
                path: &path,
                lines: Lines {
                    begin: p.line,
                    end: p.end_line,
                },
            },
        };
        write(item_json(&issue, 2))?;
    }
    Ok(())
}

/// The issues are written as each file is linted, between the brackets of one array.
pub struct Stream {
    issues: Streamed,
    root: Root,
}

impl Stream {
    pub fn new() -> Stream {
        Stream {
            issues: Streamed::after(String::new()),
            root: Root::find(),
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
        each_issue(&self.root, &r, |item| self.issues.item(&item, out))
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        let mut texts = Vec::with_capacity(r.diagnostics.len());
        let _ = each_issue(&self.root, r, |item| {
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

    fn at(cwd: &str, root: &str) -> Root {
        Root {
            cwd: PathBuf::from(cwd),
            root: PathBuf::from(root),
        }
    }

    /// However the user named a file under the repository, GitLab is given the one path its
    /// diff has for it.
    #[test]
    fn paths_are_made_relative_to_the_repository_root() {
        let repo = at("/srv/repo", "/srv/repo");
        assert_eq!(repo.relative("forms/表.txt"), "forms/表.txt");
        assert_eq!(repo.relative("./forms/表.txt"), "forms/表.txt");
        assert_eq!(repo.relative(".//forms/./a/../表.txt"), "forms/表.txt");
        assert_eq!(repo.relative("/srv/repo/forms/表.txt"), "forms/表.txt");
        let inside = at("/srv/repo/forms", "/srv/repo");
        assert_eq!(inside.relative("表.txt"), "forms/表.txt");
        assert_eq!(inside.relative("../other/表.txt"), "other/表.txt");
    }

    /// A file outside the repository has no path in it: it is kept as given, which at least
    /// names it in GitLab's list of findings.
    #[test]
    fn a_path_outside_the_root_is_kept_as_given() {
        let repo = at("/srv/repo", "/srv/repo");
        assert_eq!(repo.relative("/tmp/表.txt"), "/tmp/表.txt");
        assert_eq!(repo.relative("../表.txt"), "../表.txt");
        assert_eq!(repo.relative("./../表.txt"), "../表.txt");
        // A folder whose name only begins as the root's is not inside it.
        assert_eq!(
            repo.relative("/srv/repository/表.txt"),
            "/srv/repository/表.txt"
        );
    }
}
