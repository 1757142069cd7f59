//! The command line: argument parsing and one function per command. Glue only: the work
//! lives in the stages.

mod baseline;
mod check;
pub mod config;
mod dump;
mod extract;
mod parse;
mod rules;

pub use check::{lint_file, lint_paths};

use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The file a path argument names: `-` is standard input (an extraction piped in from the
/// program that made it), read as a text extraction through `/dev/stdin`, the name its
/// findings carry. Off Unix, `-` is a file of that name.
fn named(path: &Path) -> &Path {
    if cfg!(unix) && path.as_os_str() == "-" {
        Path::new("/dev/stdin")
    } else {
        path
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "kpilint",
    version,
    about = "绩效目标表 linter: funds, indicator values and the Ministry of Finance's rules"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint files or folders of forms and report findings.
    Check(CheckArgs),
    /// Print the forms as kpilint reads them.
    Dump(DumpArgs),
    /// Convert recognised forms from any input into the canonical YAML or JSON form
    /// (docs/forms.md), one file per form named after the project.
    Extract(ExtractArgs),
    /// Show what indicator values (指标值) parse to.
    Parse(ParseArgs),
    /// List the rules, or explain one: `kpilint rules explain F001`.
    Rules(RulesArgs),
    /// Run every rule's own examples (built-in packs, or the packs named).
    TestRules(TestRulesArgs),
    /// Run the language server over stdio (for editors).
    Lsp,
}

#[derive(clap::Args, Debug)]
pub struct RulesArgs {
    /// `explain CODE` (or just `CODE`) to show one rule in full.
    pub action: Option<String>,
    pub code: Option<String>,
    /// Extra rule packs (files or folders of .yaml).
    #[arg(long = "rules", value_name = "PATH")]
    pub packs: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
    pub format: DumpFormat,
}

#[derive(clap::Args, Debug)]
pub struct TestRulesArgs {
    /// Pack files or folders; the built-in packs when none are given.
    pub packs: Vec<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ParseArgs {
    /// Values as written on a form, e.g. `≥90%` `2000元/生/年` `2025年底前`.
    #[arg(required = true)]
    pub values: Vec<String>,
    /// `json` prints one JSON object per value, one per line.
    #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
    pub format: DumpFormat,
}

#[derive(clap::Args, Debug)]
pub struct CheckArgs {
    /// Files or folders (folders are walked for .txt, .tsv, .csv, .xlsx, .xls, .ods and
    /// *.form.yaml/.json files); `-` reads a text extraction from standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// When to use colour in the human report (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only the summary line.
    #[arg(long, short)]
    pub quiet: bool,
    /// Extra rule packs (files or folders of .yaml), added to the built-in ones.
    #[arg(long = "rules", value_name = "PATH")]
    pub packs: Vec<PathBuf>,
    /// Run only these codes or prefixes (`F`, `V001`); comma-separated or repeated.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Vec<String>,
    /// Do not run these codes or prefixes.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Change a rule's severity: `--severity V008=warning`.
    #[arg(long, value_name = "CODE=LEVEL")]
    pub severity: Vec<String>,
    /// Use this kpilint.toml instead of looking for one above the linted path.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ignore any kpilint.toml.
    #[arg(long)]
    pub no_config: bool,
    /// Say, for every form, whether the rule CODE applied and why not.
    #[arg(long, value_name = "CODE")]
    pub trace: Option<String>,
    /// Apply the safe fixes to the files (atomically, keeping encoding and line endings).
    #[arg(long)]
    pub fix: bool,
    /// Show the safe fixes as a diff without writing anything.
    #[arg(long, conflicts_with = "fix")]
    pub diff: bool,
    /// Print how many findings each rule made.
    #[arg(long)]
    pub statistics: bool,
    /// Exit with 1 when a finding this severe or worse is reported: `error` (the default),
    /// `warning`, `info`, or `never` (findings never fail the run; a file that could not be
    /// read still exits with 2). Overrides `fail_on` in kpilint.toml.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<config::FailOn>,
    /// Report only findings not in this baseline; if the file does not exist, record today's
    /// findings in it.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(clap::Args, Debug)]
pub struct ExtractArgs {
    /// Files or folders of forms (text, spreadsheets, CSV, YAML/JSON); `-` reads a text
    /// extraction from standard input.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = ExtractFormat::Yaml)]
    pub to: ExtractFormat,
    /// Folder to write `<项目名称>.form.yaml` files into; without it, all forms go to
    /// standard output (a YAML stream, or a JSON array).
    #[arg(short = 'o', long = "out", value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Replace files that already exist in the folder.
    #[arg(long)]
    pub force: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExtractFormat {
    Yaml,
    Json,
}

#[derive(clap::Args, Debug)]
pub struct DumpArgs {
    /// A file of forms; `-` reads a text extraction from standard input.
    pub path: PathBuf,
    #[arg(long, value_enum, default_value_t = DumpFormat::Text)]
    pub format: DumpFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// GitHub Actions annotations (`::error file=…`).
    Github,
    /// GitLab Code Quality (`artifacts: reports: codequality`), for merge requests.
    Gitlab,
    /// A self-contained HTML audit report (use with `-o report.html`).
    Html,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DumpFormat {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Exit codes: 0 clean, 1 errors found, 2 usage error or unreadable input.
pub const EXIT_ERRORS: u8 = 1;
pub const EXIT_TROUBLE: u8 = 2;

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Dump(args) => dump::run(&args),
        Command::Extract(args) => extract::run(&args),
        Command::Parse(args) => parse::run(&args),
        Command::Rules(args) => rules::run(&args),
        Command::TestRules(args) => rules::test(&args),
        Command::Lsp => crate::lsp::run(),
    }
}
