//! `kpilint dump FILE`: the forms as kpilint reads them, so an auditor can check the reading.

use super::{DumpArgs, DumpFormat, EXIT_TROUBLE};
use crate::ingest;
use crate::output::dump::{document_json, document_text};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: &DumpArgs) -> ExitCode {
    if args.path.is_dir() {
        eprint!("{}", folder_named(&args.path));
        return ExitCode::from(EXIT_TROUBLE);
    }
    let ing = ingest::read_path(super::named(&args.path));
    if ing.unreadable {
        for d in &ing.diagnostics {
            eprintln!(
                "kpilint: {}: {} [{}]",
                args.path.display(),
                d.message,
                d.code
            );
        }
        return ExitCode::from(EXIT_TROUBLE);
    }
    let out = match args.format {
        DumpFormat::Json => {
            let mut s =
                serde_json::to_string_pretty(&document_json(&ing.document)).expect("serialises");
            s.push('\n');
            s
        }
        DumpFormat::Text => document_text(&ing.document),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

/// What to say when `dump` is given a folder: it shows one file's reading, and the user most
/// likely meant a file in it (or `check`, which walks folders), so the first few files there
/// that kpilint reads are offered as the command to run.
fn folder_named(path: &Path) -> String {
    // The files `check` would lint there, in its order.
    let files: Vec<PathBuf> = super::check::expand(path)
        .into_iter()
        .filter_map(Result::ok)
        .take(3)
        .collect();
    let mut s = format!("kpilint: {} 是文件夹；dump 一次读一个文件", path.display());
    if files.is_empty() {
        s.push_str("，而这个文件夹里没有 kpilint 能读的表格文件\n");
    } else {
        s.push_str("，例如：\n");
        for f in &files {
            // Quoted where a shell would split it, so the line can be run as it is.
            let f = f.display().to_string();
            if f.contains(char::is_whitespace) {
                s.push_str(&format!("  kpilint dump \"{f}\"\n"));
            } else {
                s.push_str(&format!("  kpilint dump {f}\n"));
            }
        }
    }
    s.push_str("检查整个文件夹请用 kpilint check，转换为 YAML/JSON 请用 kpilint extract\n");
    s
}
