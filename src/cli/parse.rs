//! `kpilint parse VALUE…`: what each 指标值 parses to.

use super::{DumpFormat, ParseArgs};
use crate::output;
use crate::value;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

pub fn run(args: &ParseArgs) -> ExitCode {
    let mut out = String::new();
    let color = std::env::var_os("NO_COLOR").is_none() && std::io::stdout().is_terminal();
    for input in &args.values {
        let v = value::parse(input);
        match args.format {
            DumpFormat::Json => {
                out.push_str(&serde_json::to_string(&output::value::json(&v)).expect("serialises"));
                out.push('\n');
            }
            DumpFormat::Text => out.push_str(&output::value::text(&v, color)),
        }
    }
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}
