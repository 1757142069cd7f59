//! `kpilint dump FILE`: the forms as kpilint reads them, so an auditor can check the reading.

use super::{DumpArgs, DumpFormat, EXIT_TROUBLE};
use crate::ingest;
use crate::output::dump::{document_json, document_text};
use std::io::Write;
use std::process::ExitCode;

pub fn run(args: &DumpArgs) -> ExitCode {
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
