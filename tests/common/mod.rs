//! What the command-line tests share: the bundled disclosure and a way to run the real binary.
// Each test crate uses its own part of this module.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub const CORPUS: &str = "tests/corpus/000_cb0bcf906edd3817.txt";

/// The findings of a JSON report with the code `code`.
pub fn findings<'v>(report: &'v serde_json::Value, code: &str) -> Vec<&'v serde_json::Value> {
    report["diagnostics"]
        .as_array()
        .expect("a JSON report has diagnostics")
        .iter()
        .filter(|d| d["code"] == code)
        .collect()
}

/// Runs `kpilint` from the crate root, without colour so the output can be compared as text.
pub fn kpilint(args: &[&str]) -> Output {
    kpilint_in(None, args)
}

/// Runs `kpilint` in `dir`, where it looks for `kpilint.toml` and resolves relative paths.
pub fn kpilint_in(dir: Option<&Path>, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("runs")
}

/// The command [`kpilint_in`] runs, for a test that sets more of its environment.
pub fn command_in(dir: Option<&Path>, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kpilint"));
    c.args(args).env("NO_COLOR", "1");
    if let Some(d) = dir {
        c.current_dir(d);
    }
    c
}

/// Validates a report against a JSON schema; the first errors, with where they are.
pub fn validate(schema_path: &str, instance: &serde_json::Value) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the schema compiles");
    validator
        .iter_errors(instance)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// YAML whose aliases expand to 9^9 copies of `leaf` ("billion laughs").
pub fn alias_bomb(leaf: &str) -> String {
    let mut bomb = format!("a: &a [{}]\n", [leaf; 9].join(","));
    for (name, prev) in ["b", "c", "d", "e", "f", "g", "h", "i"]
        .into_iter()
        .zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        let refs = vec![format!("*{prev}"); 9].join(",");
        bomb.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    bomb
}
