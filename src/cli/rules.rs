//! `kpilint rules`, `kpilint rules explain CODE`, `kpilint test-rules [PACK…]`.

use super::check::pack_files;
use super::{DumpFormat, RulesArgs, TestRulesArgs, EXIT_ERRORS, EXIT_TROUBLE};
use crate::diagnostics::{codes, Severity};
use crate::output::human;
use crate::output::FileReport;
use crate::rules::{test_examples, Rule, RuleSet};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write;
use std::process::ExitCode;

/// Loads the packs; a pack that cannot be read or does not load is reported here, and the
/// command stops with [`EXIT_TROUBLE`]: listing or testing half a rule set would mislead.
fn load(packs: &[std::path::PathBuf], builtin: bool) -> Result<RuleSet, ExitCode> {
    let mut set = if builtin {
        RuleSet::builtin()
    } else {
        RuleSet::default()
    };
    let files = pack_files(packs).map_err(|e| {
        eprintln!("kpilint: {e}");
        ExitCode::from(EXIT_TROUBLE)
    })?;
    for path in files {
        let text = std::fs::read_to_string(&path).map_err(|e| {
            eprintln!("kpilint: 无法读取规则包 {}：{e}", path.display());
            ExitCode::from(EXIT_TROUBLE)
        })?;
        set.add(&path.display().to_string(), &text);
    }
    if !set.broken.is_empty() {
        let style = human::Style {
            color: false,
            width: 100,
        };
        print!(
            "{}",
            human::render(&FileReport::broken_packs(&mut set), style)
        );
        return Err(ExitCode::from(EXIT_TROUBLE));
    }
    Ok(set)
}

pub fn run(args: &RulesArgs) -> ExitCode {
    let set = match load(&args.packs, true) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let out = match (args.action.as_deref(), args.code.as_deref()) {
        (None, _) => match args.format {
            DumpFormat::Json => list_json(&set),
            DumpFormat::Text => list_text(&set),
        },
        (Some("explain"), Some(code)) => match set.rule(code) {
            Some(rule) => explain(rule),
            None => match codes::find(code) {
                Some(c) => format!(
                    "{}  {}  [{}]\n{}\n\n如何修复：{}\n",
                    c.code,
                    c.name,
                    c.severity,
                    c.summary,
                    c.help.unwrap_or("")
                ),
                None => {
                    eprintln!("kpilint: 没有规则 {code}（kpilint rules 列出全部规则）");
                    return ExitCode::from(EXIT_TROUBLE);
                }
            },
        },
        (Some(other), _) => {
            eprintln!("kpilint: 用法：kpilint rules [explain CODE]（得到“{other}”）");
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

/// One line of `kpilint rules`, in the same columns for built-in checks and pack rules.
fn row(s: &mut String, code: &str, severity: Severity, name: &str, summary: &str) {
    let _ = writeln!(s, "  {code}  {:<8} {name:<28} {summary}", severity.as_str());
}

fn list_text(set: &RuleSet) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "内置检查（读取表格时）：");
    for c in codes::ALL {
        row(&mut s, c.code, c.severity, c.name, c.summary);
    }
    for p in &set.packs {
        let _ = writeln!(s, "\n{}（{}，{}）：", p.title, p.name, p.document.path);
        for r in &p.rules {
            row(&mut s, &r.code, r.severity, r.name(), &r.summary);
        }
    }
    s
}

fn list_json(set: &RuleSet) -> String {
    let rules: Vec<_> = codes::ALL
        .iter()
        .map(|c| json!({"code": c.code, "name": c.name, "severity": c.severity, "summary": c.summary, "pack": null}))
        .chain(set.rules().map(|r| {
            json!({"code": r.code, "name": r.name(), "severity": r.severity, "summary": r.summary, "pack": r.pack(), "over": r.over.name()})
        }))
        .collect();
    let mut s = serde_json::to_string_pretty(&json!({ "rules": rules })).expect("serialises");
    s.push('\n');
    s
}

fn explain(r: &Rule) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{}  {}  [{}]  规则包：{}",
        r.code,
        r.name(),
        r.severity,
        r.pack()
    );
    let _ = writeln!(s, "{}\n", r.summary);
    let _ = writeln!(s, "为什么：{}\n", r.rationale);
    let _ = writeln!(s, "范围：每个 {}", r.over.name());
    let _ = writeln!(s, "检查：{}", r.assert.text);
    if let Some(w) = &r.when {
        let _ = writeln!(s, "条件：{}", w.text);
    }
    for (name, p) in &r.params {
        let _ = writeln!(
            s,
            "参数：{name} = {}（可在 kpilint.toml 的 [params.{}] 中修改）",
            p.display(),
            r.code
        );
    }
    let _ = writeln!(s, "\n如何修复：{}", r.help());
    for (title, examples) in [("会报告的写法", &r.bad), ("不会报告的写法", &r.good)] {
        if examples.is_empty() {
            continue;
        }
        let _ = writeln!(s, "\n{title}：");
        for e in examples {
            let yaml = serde_yaml::to_string(&e.fragment).unwrap_or_default();
            for line in yaml.lines() {
                let _ = writeln!(s, "    {line}");
            }
            s.push('\n');
        }
    }
    s
}

pub fn test(args: &TestRulesArgs) -> ExitCode {
    let builtin = args.packs.is_empty();
    let set = match load(&args.packs, builtin) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (mut rules, mut examples, mut failed) = (0, 0, 0);
    let mut out = String::new();
    for p in &set.packs {
        let failures = test_examples(p);
        rules += p.rules.len();
        examples += p
            .rules
            .iter()
            .map(|r| r.bad.len() + r.good.len())
            .sum::<usize>();
        for f in &failures {
            let at = p.document.line_col(f.at);
            let _ = writeln!(
                out,
                "{}:{}:{}: {} {}",
                p.document.path, at.line, at.column, f.code, f.message
            );
        }
        failed += failures.len();
    }
    let _ = writeln!(
        out,
        "{rules} rules, {examples} examples: {} passed, {failed} failed",
        examples.saturating_sub(failed)
    );
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    if failed > 0 {
        ExitCode::from(EXIT_ERRORS)
    } else {
        ExitCode::SUCCESS
    }
}
