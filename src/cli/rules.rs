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
    // `kpilint rules V001` is read as `kpilint rules explain V001`: a code is what people type
    // after `rules` when they want to know what a finding meant.
    let code = match (args.action.as_deref(), args.code.as_deref()) {
        (None, _) => None,
        (Some("explain"), Some(code)) => Some(code),
        (Some("explain"), None) => {
            eprintln!("kpilint: rules explain 需要一个规则代码，如 kpilint rules explain F001");
            return ExitCode::from(EXIT_TROUBLE);
        }
        (Some(code), None) => Some(code),
        (Some(other), Some(_)) => {
            eprintln!(
                "kpilint: 用法：kpilint rules [explain] [CODE]（得到“{other}”，应为 explain）"
            );
            return ExitCode::from(EXIT_TROUBLE);
        }
    };
    let out = match code {
        None => match args.format {
            DumpFormat::Json => list_json(&set),
            DumpFormat::Text => list_text(&set),
        },
        Some(code) => match (set.rule(code), args.format) {
            (Some(rule), DumpFormat::Json) => explain_json(rule),
            (Some(rule), DumpFormat::Text) => explain(rule),
            (None, format) => match codes::find(code) {
                Some(c) if format == DumpFormat::Json => {
                    let mut v = builtin_json(c);
                    v["help"] = json!(c.help);
                    pretty(&v)
                }
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
        .map(|c| builtin_json(c))
        .chain(set.rules().map(|r| {
            json!({"code": r.code, "name": r.name(), "severity": r.severity, "summary": r.summary, "pack": r.pack(), "over": r.over.name()})
        }))
        .collect();
    pretty(&json!({ "rules": rules }))
}

/// A reader's built-in check as `kpilint rules --format json` lists it (no pack).
fn builtin_json(c: &codes::Code) -> serde_json::Value {
    json!({"code": c.code, "name": c.name, "severity": c.severity, "summary": c.summary, "pack": null})
}

fn pretty(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialises");
    s.push('\n');
    s
}

/// `rules explain CODE --format json`: what the text explanation says, for a tool to show
/// (an editor's hover, a team's rule catalogue). Parameters are given as their text, as
/// amounts are everywhere in kpilint's JSON, so that a decimal is never read as a float.
fn explain_json(r: &Rule) -> String {
    let examples = |list: &[crate::rules::pack::Example]| -> Vec<serde_json::Value> {
        list.iter()
            .map(|e| serde_json::to_value(&e.fragment).unwrap_or(serde_json::Value::Null))
            .collect()
    };
    pretty(&json!({
        "code": r.code,
        "name": r.name(),
        "severity": r.severity,
        "pack": r.pack(),
        "summary": r.summary,
        "rationale": r.rationale,
        "over": r.over.name(),
        "when": r.when.as_ref().map(|w| w.text.trim()),
        "assert": r.assert.text.trim(),
        "let": r.lets.iter().map(|l| json!({"name": l.name, "expr": l.expr.text.trim()})).collect::<Vec<_>>(),
        "params": r.params.iter().map(|(name, p)| (name.clone(), serde_json::Value::String(p.display()))).collect::<serde_json::Map<_, _>>(),
        "help": r.help(),
        "examples": {"bad": examples(&r.bad), "good": examples(&r.good)},
    }))
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
    // The check and the condition read the `let` values by name: without them `len(missing)
    // == 0` says nothing of what is missing.
    if !r.lets.is_empty() {
        let _ = writeln!(s, "其中：");
        for l in &r.lets {
            let _ = writeln!(s, "    {} = {}", l.name, l.expr.text.trim());
        }
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
            let mut yaml = String::new();
            example::block(&e.fragment, 4, &mut yaml);
            s.push_str(&yaml);
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

/// A rule's example as it would be written in a pack, for `rules explain`: rows one to a line
/// (`- [年度, 成本指标, 耗材费用, 按合同价]`), a budget table's text as a block of its lines with
/// their tabs. serde_yaml writes every list one item to a line and a text as one quoted line
/// of `\n` and `\t`, which no auditor could read as a form. What is written parses back to the
/// same example (a unit test checks every built-in one).
mod example {
    use serde_yaml::Value;
    use std::fmt::Write as _;

    /// Writes `v` (a mapping, as examples are) in block style, each line indented by `indent`.
    pub fn block(v: &Value, indent: usize, out: &mut String) {
        let pad = " ".repeat(indent);
        match v {
            Value::Mapping(m) => {
                for (k, v) in m {
                    let key = scalar(k);
                    match v {
                        Value::String(s) if literal_ok(s) => {
                            let chomp = if s.ends_with('\n') { "" } else { "-" };
                            let _ = writeln!(out, "{pad}{key}: |{chomp}");
                            for line in s.lines() {
                                let _ = writeln!(out, "{pad}  {line}");
                            }
                        }
                        _ if is_flat(v) => {
                            let _ = writeln!(out, "{pad}{key}: {}", flow(v));
                        }
                        _ => {
                            let _ = writeln!(out, "{pad}{key}:");
                            block(v, indent + 2, out);
                        }
                    }
                }
            }
            Value::Sequence(items) => {
                for item in items {
                    if is_flat(item) {
                        let _ = writeln!(out, "{pad}- {}", flow(item));
                    } else {
                        // The item's first line takes the dash in place of its indentation.
                        let mut inner = String::new();
                        block(item, indent + 2, &mut inner);
                        let _ = write!(out, "{pad}- {}", &inner[indent + 2..]);
                    }
                }
            }
            _ => {
                let _ = writeln!(out, "{pad}{}", flow(v));
            }
        }
    }

    /// A scalar, or a list or mapping of scalars only: written on one line.
    fn is_flat(v: &Value) -> bool {
        match v {
            Value::Sequence(items) => items.iter().all(is_scalar),
            Value::Mapping(m) => m.iter().all(|(k, v)| is_scalar(k) && is_scalar(v)),
            Value::Tagged(_) => false,
            _ => true,
        }
    }

    fn is_scalar(v: &Value) -> bool {
        !matches!(v, Value::Sequence(_) | Value::Mapping(_) | Value::Tagged(_))
    }

    /// `v` on one line; a collection inside it is written in flow style too.
    fn flow(v: &Value) -> String {
        match v {
            Value::Sequence(items) => {
                let items: Vec<String> = items.iter().map(scalar).collect();
                format!("[{}]", items.join(", "))
            }
            Value::Mapping(m) => {
                let items: Vec<String> = m
                    .iter()
                    .map(|(k, v)| format!("{}: {}", scalar(k), scalar(v)))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            _ => scalar(v),
        }
    }

    /// A scalar as YAML reads it back, in a flow collection too: plain where that reads back
    /// as the same string (`按合同价`, `≥90%`), quoted where it would not (`'35'`, `''`, `a, b`).
    fn scalar(v: &Value) -> String {
        match v {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Number(n) => n.to_string(),
            Value::String(s) => {
                if plain_ok(s) {
                    s.clone()
                } else if !s.contains('\'') && !s.chars().any(char::is_control) {
                    format!("'{s}'")
                } else {
                    serde_json::to_string(s).expect("a string serialises")
                }
            }
            Value::Tagged(t) => format!("{} {}", t.tag, flow(&t.value)),
            other => flow(other),
        }
    }

    fn plain_ok(s: &str) -> bool {
        !s.is_empty()
            && !s.contains([',', '[', ']', '{', '}', '#', '\'', '"'])
            && !s.contains(": ")
            && !s.ends_with(':')
            && !s.chars().any(char::is_control)
            && matches!(serde_yaml::from_str::<Value>(s), Ok(Value::String(back)) if back == s)
    }

    /// Whether a text reads back from a literal block (`|`) as it is: lines of text and tabs
    /// (a budget table's), none blank, none starting with a space (the block's indentation
    /// would take it) or ending with one (which no reader would see); else it is quoted.
    fn literal_ok(s: &str) -> bool {
        s.contains('\n')
            && !s.ends_with("\n\n")
            && !s.chars().any(|c| c.is_control() && c != '\n' && c != '\t')
            && s.lines()
                .all(|l| !l.starts_with(' ') && !l.ends_with(' ') && !l.is_empty())
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::rules::RuleSet;

        fn written(v: &Value) -> String {
            let mut s = String::new();
            block(v, 4, &mut s);
            s
        }

        #[test]
        fn rows_are_written_one_to_a_line_and_texts_as_their_lines() {
            let v: Value = serde_yaml::from_str(
                "rows:\n  - [年度, 数量指标, 培训人数, '35']\n  - [年度, 成本指标, 耗材费用, '']\n\
                 text: \"科目编码\\t合计\\n205\\t110.00\\n\"\n\
                 funds: {annual: {total: 400, central: 0}}\n",
            )
            .unwrap();
            assert_eq!(
                written(&v),
                "    rows:\n      - [年度, 数量指标, 培训人数, '35']\n      - [年度, 成本指标, 耗材费用, '']\n\
                 \x20   text: |\n      科目编码\t合计\n      205\t110.00\n\
                 \x20   funds:\n      annual: {total: 400, central: 0}\n"
            );
        }

        #[test]
        fn every_built_in_example_reads_back_as_itself() {
            let set = RuleSet::builtin();
            let mut seen = 0;
            for rule in set.rules() {
                for e in rule.bad.iter().chain(&rule.good) {
                    let text = written(&e.fragment);
                    let back: Value = serde_yaml::from_str(&text)
                        .unwrap_or_else(|err| panic!("{}: {err}\n{text}", rule.code));
                    assert_eq!(back, e.fragment, "{}:\n{text}", rule.code);
                    seen += 1;
                }
            }
            assert!(seen > 150, "{seen} examples");
        }

        #[test]
        fn tags_and_blank_table_lines_read_back_as_themselves() {
            for yaml in [
                "!t k: !u [a, b]\n",
                "rows: !r\n  - [a, !s b]\n",
                "text: \"a\\tb\\n\\t\\t\\nc\\n\"\n",
                "text: \"a\\n\\nb\"\n",
            ] {
                let v: Value = serde_yaml::from_str(yaml).unwrap();
                let text = written(&v);
                let back: Value = serde_yaml::from_str(&text)
                    .unwrap_or_else(|err| panic!("{yaml:?}: {err}\n{text}"));
                assert_eq!(back, v, "{yaml:?}:\n{text}");
            }
        }

        #[test]
        fn strings_yaml_would_read_otherwise_are_quoted() {
            for s in [
                "35", "", "true", "null", "a, b", "x: y", "- 1", "#3", "it's", "a\"b", " 前", "1e3",
            ] {
                let v = Value::Sequence(vec![Value::String(s.into())]);
                let m: Value = serde_yaml::from_str(&format!("k: {}", flow(&v))).unwrap();
                assert_eq!(m.get("k"), Some(&v), "{s:?} → {}", flow(&v));
            }
        }
    }
}
