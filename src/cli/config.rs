//! `kpilint.toml`: the same choices as the command line, kept with the forms.
//!
//! ```toml
//! select = ["F", "C", "V001"]   # codes or prefixes to run (default: all)
//! ignore = ["V016"]
//! rules = ["rules/local.yaml"]  # extra packs, relative to this file
//! fail_on = "warning"         # exit 1 on warnings too (default: "error")
//! [severity]
//! V008 = "warning"
//! [params.C001]
//! tolerance = "5%"
//! ```
//!
//! The file is found by walking up from the first linted path.

use crate::diagnostics::Severity;
use crate::lint::Suppression;
use crate::rules::pack::ParamValue;
use crate::rules::Settings;
use serde::Deserialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub rules: Vec<String>,
    #[serde(default)]
    pub severity: HashMap<String, String>,
    /// The least severe finding that fails the run; `--fail-on` overrides it.
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub params: HashMap<String, HashMap<String, toml::Value>>,
    /// Findings accepted on purpose, each with its reason.
    #[serde(default)]
    pub suppress: Vec<Suppression>,
    /// Where the file was found; extra packs are relative to it.
    #[serde(skip)]
    pub dir: PathBuf,
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

/// The least severe finding that makes `check` exit with 1 (`--fail-on`, `fail_on`). A
/// bureau's CI that must keep warnings out sets `warning`; a run that only collects a report
/// sets `never`. A file that could not be read, or a rule that failed, exits with 2 whatever
/// this says: that is the run failing, not a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    #[default]
    Error,
    #[serde(alias = "warn")]
    #[value(alias = "warn")]
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Whether the findings counted in `s` fail the run.
    pub fn fails(self, s: &crate::output::Summary) -> bool {
        match self {
            FailOn::Error => s.errors > 0,
            FailOn::Warning => s.errors + s.warnings > 0,
            FailOn::Info => s.errors + s.warnings + s.infos > 0,
            FailOn::Never => false,
        }
    }
}

pub const FILE_NAME: &str = "kpilint.toml";

/// Finds `kpilint.toml` in `start` or a folder above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).unwrap_or_else(|_| start.to_path_buf());
    let mut dir = if start.is_dir() {
        Some(start.as_path())
    } else {
        start.parent()
    };
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

pub fn load(path: &Path) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut c: Config = toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(s) = c.suppress.iter().find(|s| s.reason.trim().is_empty()) {
        return Err(format!(
            "{}: 对 {}（{}）的抑制没有写理由（reason）",
            path.display(),
            s.code,
            s.form
        ));
    }
    c.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    c.path = Some(path.to_path_buf());
    Ok(c)
}

pub fn parse_severity(s: &str) -> Result<Severity, String> {
    match s.to_ascii_lowercase().as_str() {
        "error" => Ok(Severity::Error),
        "warning" | "warn" => Ok(Severity::Warning),
        "info" => Ok(Severity::Info),
        other => Err(format!(
            "未知的严重程度“{other}”：应为 error、warning 或 info"
        )),
    }
}

impl Config {
    /// The settings this file asks for, with the command line's choices added on top.
    pub fn settings(
        &self,
        select: &[String],
        ignore: &[String],
        severity: &[String],
    ) -> Result<Settings, String> {
        let mut s = Settings {
            select: if select.is_empty() {
                self.select.clone()
            } else {
                select.to_vec()
            },
            ignore: self.ignore.iter().chain(ignore).cloned().collect(),
            ..Settings::default()
        };
        for (code, level) in &self.severity {
            s.severity
                .insert(code.to_ascii_uppercase(), parse_severity(level)?);
        }
        for pair in severity {
            let (code, level) = pair.split_once('=').ok_or_else(|| {
                format!("--severity 写作 CODE=级别，如 V008=warning（得到“{pair}”）")
            })?;
            s.severity.insert(
                code.trim().to_ascii_uppercase(),
                parse_severity(level.trim())?,
            );
        }
        for (code, params) in &self.params {
            let map = params
                .iter()
                .map(|(k, v)| {
                    let text = match v {
                        toml::Value::String(t) => t.clone(),
                        toml::Value::Integer(i) => i.to_string(),
                        toml::Value::Float(f) => f.to_string(),
                        toml::Value::Boolean(b) => b.to_string(),
                        _ => String::new(),
                    };
                    (k.clone(), ParamValue::parse(&text))
                })
                .collect();
            s.params.insert(code.to_ascii_uppercase(), map);
        }
        Ok(s)
    }
}
