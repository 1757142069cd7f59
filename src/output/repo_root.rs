//! Paths as a CI service reads them: relative to the root of the repository it checked out.
//!
//! GitLab matches a Code Quality issue's `location.path`, and GitHub an annotation's `file`,
//! against the files of a merge or pull request's diff, relative to that root and without a
//! leading `./`; a path as given on the command line (`./forms/表.txt`, an absolute path, or
//! `表.txt` from inside `forms/`) puts no finding on its line.

use std::path::{Component, Path, PathBuf};

/// The repository's root, and the folder relative paths start from.
pub struct RepoRoot {
    cwd: PathBuf,
    /// The CI service's checkout (`CI_PROJECT_DIR` on GitLab, `GITHUB_WORKSPACE` on GitHub),
    /// else the nearest folder holding `.git` from the current one up, else the current folder.
    root: PathBuf,
}

impl RepoRoot {
    /// The root of the current folder's repository, found once a run.
    pub fn find() -> RepoRoot {
        let cwd = std::env::current_dir().unwrap_or_default();
        let checkout = ["CI_PROJECT_DIR", "GITHUB_WORKSPACE"]
            .iter()
            .find_map(|v| std::env::var_os(v).filter(|d| !d.is_empty()));
        let root = match checkout {
            Some(dir) => normal(&cwd.join(dir)),
            None => cwd
                .ancestors()
                .find(|d| d.join(".git").exists())
                .unwrap_or(&cwd)
                .to_path_buf(),
        };
        RepoRoot { cwd, root }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn at(cwd: &str, root: &str) -> RepoRoot {
        RepoRoot {
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
