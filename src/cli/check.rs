//! `kpilint check PATH…`

use super::{CheckArgs, ColorChoice, Format, EXIT_ERRORS, EXIT_TROUBLE};
use crate::diagnostics::{self, codes, Diagnostic, Label};
use crate::ingest;
use crate::model::Span;
use crate::output::{self, human, FileReport, Summary};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: &CheckArgs) -> ExitCode {
    let reports = lint_paths(&args.paths);
    let summary = Summary::of(&reports);
    let mut out = String::new();
    match args.format {
        Format::Json => out = output::json::render(&reports),
        Format::Human => {
            if !args.quiet {
                let style = human::Style {
                    color: use_color(args.color),
                    width: terminal_width(),
                };
                out.push_str(&human::render(&reports, style));
            }
            out.push_str(&human::summary(&reports));
        }
    }
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = stdout.write_all(out.as_bytes());
    let _ = stdout.flush();
    exit_code(&summary)
}

pub fn exit_code(s: &Summary) -> ExitCode {
    if s.unreadable > 0 {
        ExitCode::from(EXIT_TROUBLE)
    } else if s.errors > 0 {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}

/// Lints every file named or found under the folders named, in a stable order.
pub fn lint_paths(paths: &[PathBuf]) -> Vec<FileReport> {
    let mut reports = Vec::new();
    for path in paths {
        for file in expand(path) {
            reports.push(match file {
                Ok(file) => lint_file(&file),
                Err((file, message)) => unreadable(&file, message),
            });
        }
    }
    reports
}

pub fn lint_file(path: &Path) -> FileReport {
    let ing = ingest::read_path(path);
    let mut diagnostics = ing.diagnostics;
    diagnostics.extend(crate::value::check_document(&ing.document));
    diagnostics::sort(&mut diagnostics);
    FileReport {
        document: ing.document,
        diagnostics,
        unreadable: ing.unreadable,
    }
}

fn unreadable(path: &Path, message: String) -> FileReport {
    let mut ing = ingest::read_bytes(&path.display().to_string(), b"");
    ing.diagnostics = vec![Diagnostic::new(
        &codes::UNREADABLE,
        message,
        Label::new(Span::empty(0), "文件"),
    )];
    FileReport {
        document: ing.document,
        diagnostics: ing.diagnostics,
        unreadable: true,
    }
}

type Found = Result<PathBuf, (PathBuf, String)>;

/// A file as itself; a folder as the form files below it, sorted, links not followed.
fn expand(path: &Path) -> Vec<Found> {
    if !path.is_dir() {
        return vec![Ok(path.to_path_buf())];
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(path).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let ext = e.path().extension().and_then(|x| x.to_str()).unwrap_or("");
                if ingest::EXTENSIONS
                    .iter()
                    .any(|x| x.eq_ignore_ascii_case(ext))
                {
                    found.push(Ok(e.into_path()));
                }
            }
            Ok(_) => {}
            Err(e) => {
                let p = e
                    .path()
                    .map_or_else(|| path.to_path_buf(), Path::to_path_buf);
                found.push(Err((p, format!("无法读取目录项：{e}"))));
            }
        }
    }
    found
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    }
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100)
}
