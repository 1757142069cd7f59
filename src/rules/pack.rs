//! Rule packs: YAML files of rules, loaded, checked and compiled.
//!
//! Everything wrong with a pack is reported against the pack file itself, with the line and
//! column in the YAML: unknown keys, YAML errors, expression syntax, unknown fields or
//! functions, duplicate codes. A pack with errors does not run.

use super::eval::V;
use super::expr::{self, Node};
use super::types::{self, Ty};
use crate::diagnostics::{codes, Diagnostic, Label, Severity};
use crate::model::{Document, LineIndex, Span};
use regex::Regex;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPack {
    name: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    code: String,
    name: String,
    severity: RawSeverity,
    summary: String,
    rationale: String,
    over: Scope,
    #[serde(default, rename = "let")]
    bindings: serde_yaml::Mapping,
    #[serde(default)]
    when: Option<String>,
    assert: String,
    message: String,
    #[serde(default)]
    primary: Option<RawLabel>,
    #[serde(default)]
    secondary: Vec<RawLabel>,
    help: String,
    #[serde(default)]
    params: serde_yaml::Mapping,
    #[serde(default)]
    examples: RawExamples,
    #[serde(default)]
    fix: Option<RawFix>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFix {
    /// Safe fixes change how a value is written, never what it means; only they are applied
    /// by `--fix`.
    safe: bool,
    description: String,
    /// The cell, or part of a cell, to replace.
    at: String,
    /// The text to put there.
    replace: String,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum RawSeverity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Expr(String),
    Labelled {
        at: String,
        #[serde(default)]
        label: Option<String>,
    },
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExamples {
    #[serde(default)]
    bad: Vec<serde_yaml::Value>,
    #[serde(default)]
    good: Vec<serde_yaml::Value>,
}

/// What a rule runs over.
#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, Hash)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Each form: `form`.
    Form,
    /// Each funds column of each form: `form`, `funds`.
    Funds,
    /// Each indicator half (实施期 and 年度) of each form: `form`, `row`.
    Row,
    /// Each 实施期/年度 pair of halves matched by name: `form`, `pair`.
    Pair,
    /// Each document: `document`.
    Document,
    /// Each budget table: `document`, `table`.
    Table,
    /// Each row of each budget table: `document`, `table`, `line`.
    #[serde(rename = "table_row")]
    TableRow,
    /// Each amount cell of each budget table: `document`, `table`, `line`, `cell`.
    #[serde(rename = "table_cell")]
    TableCell,
    /// Each project of the 项目支出预算表 and each project form: `document`, `project`.
    Project,
    /// Each amount quoted in the prose: `document`, `figure`.
    Figure,
    /// Each task of a department form's 年度主要任务 table: `form`, `task`.
    Task,
}

impl Scope {
    pub fn variables(self) -> &'static [(&'static str, Ty)] {
        match self {
            Scope::Form => &[("form", Ty::Form)],
            Scope::Funds => &[("form", Ty::Form), ("funds", Ty::Funds)],
            Scope::Row => &[("form", Ty::Form), ("row", Ty::Half)],
            Scope::Pair => &[("form", Ty::Form), ("pair", Ty::Pair)],
            Scope::Document => &[("document", Ty::Document)],
            Scope::Table => &[("document", Ty::Document), ("table", Ty::Table)],
            Scope::TableRow => &[
                ("document", Ty::Document),
                ("table", Ty::Table),
                ("line", Ty::Line),
            ],
            Scope::TableCell => &[
                ("document", Ty::Document),
                ("table", Ty::Table),
                ("line", Ty::Line),
                ("cell", Ty::TableCell),
            ],
            Scope::Project => &[("document", Ty::Document), ("project", Ty::Project)],
            Scope::Figure => &[("document", Ty::Document), ("figure", Ty::Figure)],
            Scope::Task => &[("form", Ty::Form), ("task", Ty::Task)],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Form => "form",
            Scope::Funds => "funds",
            Scope::Row => "row",
            Scope::Pair => "pair",
            Scope::Document => "document",
            Scope::Table => "table",
            Scope::TableRow => "table_row",
            Scope::TableCell => "table_cell",
            Scope::Project => "project",
            Scope::Figure => "figure",
            Scope::Task => "task",
        }
    }

    /// Whether a finding depends on one form's text alone (the editor re-runs such rules
    /// only on the form that changed); the others read the whole document.
    pub fn per_form(self) -> bool {
        matches!(
            self,
            Scope::Form | Scope::Funds | Scope::Row | Scope::Pair | Scope::Task
        )
    }
}

/// A `let` value of a rule.
#[derive(Debug, Clone)]
pub struct Let {
    pub name: String,
    pub expr: Compiled,
}

/// An expression and where its text starts in the pack file.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub node: Node,
    pub text: String,
    /// Byte offset of the expression's text in the pack file (its key, for block scalars).
    pub at: usize,
    /// Whether `at` is exactly the expression's first character (so offsets inside map 1:1).
    pub exact: bool,
}

impl Compiled {
    /// The span in the pack file of `start..end` inside the expression.
    pub fn span(&self, start: usize, end: usize) -> Span {
        if self.exact {
            Span::new(self.at + start, self.at + end.max(start))
        } else {
            Span::new(self.at, self.at)
        }
    }
}

#[derive(Debug, Clone)]
pub enum Part {
    Text(String),
    Expr(Compiled),
}

/// A rule's fix: where, and with what.
#[derive(Debug, Clone)]
pub struct FixExpr {
    pub safe: bool,
    pub description: String,
    pub at: Compiled,
    pub replace: Compiled,
}

#[derive(Debug, Clone)]
pub struct LabelExpr {
    pub expr: Compiled,
    pub label: Option<crate::diagnostics::Shared>,
    /// In a rule over rows, the label's value read off the row itself when it is a field of
    /// `row` (`row.value`, `row.name`): most findings are a row's, and evaluated node by node
    /// the label cost some 230 instructions a place ([`RowTest`]).
    ///
    /// [`RowTest`]: super::rowtest::RowTest
    pub on_row: Option<super::rowtest::RowTest>,
}

/// An example form fragment and where it is in the pack.
#[derive(Debug, Clone)]
pub struct Example {
    pub fragment: serde_yaml::Value,
    pub at: usize,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub code: crate::diagnostics::CodeName,
    pub severity: Severity,
    pub summary: String,
    pub rationale: String,
    pub over: Scope,
    pub lets: Vec<Let>,
    pub when: Option<Compiled>,
    /// `when` reads none of the `let` values, so it can be decided first and the values
    /// computed only where the rule applies (the outcome is the same: silent either way).
    pub when_first: bool,
    pub assert: Compiled,
    pub message: Vec<Part>,
    pub primary: Option<LabelExpr>,
    pub secondary: Vec<LabelExpr>,
    /// Declared parameters and their defaults, as written in the pack.
    pub params: Vec<(String, ParamValue)>,
    pub bad: Vec<Example>,
    pub good: Vec<Example>,
    pub fix: Option<FixExpr>,
    /// Where the rule starts in its pack (its `code:` line).
    pub at: usize,
    /// This rule as loaded, unlike any other loaded in the process (a clone keeps it, being
    /// the same rule): what the engine's remembered passes are about (`verdict`), since a pack
    /// loaded again may change a rule and keep its code.
    pub uid: u64,
    /// What the engine decides of this rule itself, found once its packs are linked (they
    /// depend on the values rules share); none before.
    pub quick: super::engine::Shortcuts,
    /// What its expressions can reach beyond the cells they name: a document rule that reads
    /// forms' rows or prose needs them kept after the per-form rules ran
    /// (`Linter::lint_path_sized`).
    pub reach: types::Reach,
    /// Its name, its pack's name and its help line ([`Rule::name`], [`Rule::pack`],
    /// [`Rule::help`]), as each of its findings holds them: made once.
    pub origin: std::sync::Arc<crate::diagnostics::Origin>,
}

impl Rule {
    /// Kebab-case name of the defect.
    pub fn name(&self) -> &str {
        &self.origin.name
    }

    /// The name of the pack the rule is in.
    pub fn pack(&self) -> &str {
        self.origin.pack.as_deref().unwrap_or_default()
    }

    /// How to fix what it finds.
    pub fn help(&self) -> &str {
        self.origin.help.as_deref().unwrap_or_default()
    }
}

/// The next [`Rule::uid`].
static NEXT_UID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// A rule parameter: a number (`5%` is 0.05) or a text.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    Num(Decimal),
    Str(String),
}

impl ParamValue {
    pub fn parse(text: &str) -> ParamValue {
        let t = text.trim();
        if let Some(p) = t.strip_suffix('%') {
            if let Ok(d) = Decimal::from_str(p.trim()) {
                return ParamValue::Num(d / Decimal::from(100));
            }
        }
        match Decimal::from_str(t) {
            Ok(d) => ParamValue::Num(d),
            Err(_) => ParamValue::Str(t.to_owned()),
        }
    }

    pub fn to_value(&self) -> V<'_> {
        match self {
            ParamValue::Num(d) => V::new(super::eval::Val::Num(*d)),
            ParamValue::Str(s) => V::new(super::eval::Val::Str(std::borrow::Cow::Borrowed(s))),
        }
    }

    pub fn display(&self) -> String {
        match self {
            ParamValue::Num(d) => d.normalize().to_string(),
            ParamValue::Str(s) => s.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// The pack file, for reporting: its path and text.
    pub document: Document,
    pub rules: Vec<Rule>,
}

/// A pack's source: where it came from and its text.
pub fn empty_document(path: &str, text: &str) -> Document {
    Document {
        path: path.to_owned(),
        text: text.to_owned(),
        encoding: "UTF-8",
        line_index: LineIndex::new(text),
        forms: Vec::new(),
        tables: Vec::new(),
        ..Document::default()
    }
}

/// A pack that did not load: its text (for reporting) and what is wrong with it.
pub type LoadErrors = Box<(Document, Vec<Diagnostic>)>;

/// Loads a pack from its text. On errors, the diagnostics point into the text.
pub fn load(path: &str, text: &str) -> Result<Pack, LoadErrors> {
    let document = empty_document(path, text);
    let raw: RawPack = match serde_yaml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            let span = e
                .location()
                .map(|l| word_at(text, l.index()))
                .unwrap_or(Span::empty(0));
            let msg = yaml_message(&e);
            let d = Diagnostic::new(
                &codes::PACK_INVALID,
                format!("规则包无法读取：{msg}"),
                Label::new(span, "此处"),
            );
            return Err(Box::new((document, vec![d])));
        }
    };
    let mut diags = misread_aliases(text);
    let mut rules = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let blocks = RuleBlocks::of(text);
    for r in raw.rules {
        let block = blocks.of_rule(&r.code);
        if let Some(&prev) = seen.get(&r.code) {
            diags.push(
                Diagnostic::new(
                    &codes::DUPLICATE_RULE,
                    format!("规则代码 {} 重复", r.code),
                    Label::new(key_span(text, &block, "code"), "重复的代码"),
                )
                .with_secondary(Label::new(Span::empty(prev), "先出现在这里")),
            );
            continue;
        }
        seen.insert(r.code.clone(), block.start);
        match compile_rule(text, &raw.name, r, &block) {
            Ok(rule) => rules.push(rule),
            Err(mut d) => diags.append(&mut d),
        }
    }
    if !diags.is_empty() {
        return Err(Box::new((document, diags)));
    }
    Ok(Pack {
        name: raw.name,
        title: raw.title,
        description: raw.description,
        document,
        rules,
    })
}

/// An alias serde_yaml reads as another anchor's value (an anchor's name defined twice; see
/// `ingest::structured::misread_aliases`) is an error: the rule would run other than it is
/// written, with nothing to show it.
fn misread_aliases(text: &str) -> Vec<Diagnostic> {
    let span = |(at, len): (usize, usize)| Span::new(at, at + len);
    let (lead, tail) = ("规则包无法读取：", "；给每个锚点取不同的名字");
    (crate::ingest::structured::misread_aliases(text).iter())
        .map(|m| m.finding(&codes::PACK_INVALID, lead, tail, span))
        .collect()
}

fn yaml_message(e: &serde_yaml::Error) -> String {
    let m = e.to_string();
    // serde_yaml appends " at line L column C"; the label already says where.
    let m = match m.find(" at line ") {
        Some(i) => &m[..i],
        None => &m,
    };
    crate::ingest::structured::yaml_in_chinese(m)
        .replace("unknown field", "未知的键")
        .replace("expected one of", "可用的键为")
        .replace("missing field", "缺少必需的键")
}

/// The word (or character) at a byte offset, for a label that is visible.
fn word_at(text: &str, at: usize) -> Span {
    let at = crate::model::floor_char_boundary(text, at.min(text.len()));
    let rest = &text[at..];
    let len = rest
        .char_indices()
        .find(|(_, c)| c.is_whitespace() || *c == ':')
        .map_or(rest.len(), |(i, _)| i);
    Span::new(
        at,
        at + len.max(rest.chars().next().map_or(0, char::len_utf8)),
    )
}

/// Where each rule's block starts in the pack text, found by its `code:` line. Found once
/// per pack: found again for each rule, a pack of thousands of rules was read thousands of
/// times over.
struct RuleBlocks<'t> {
    text: &'t str,
    /// Each `code:` line's start, in the text's order.
    starts: Vec<usize>,
    /// Each code's first `code:` line, by its index in `starts`.
    first: HashMap<&'t str, usize>,
}

impl<'t> RuleBlocks<'t> {
    fn of(text: &'t str) -> Self {
        static RE: OnceLock<Regex> = OnceLock::new();
        let code_re = RE.get_or_init(|| {
            Regex::new(r"(?m)^(\s*-?\s*)code:\s*['\x22]?([A-Za-z0-9_-]+)['\x22]?\s*$")
                .expect("valid regex")
        });
        let mut starts = Vec::new();
        let mut first = HashMap::new();
        for c in code_re.captures_iter(text) {
            let (Some(line), Some(code)) = (c.get(0), c.get(2)) else {
                continue;
            };
            first.entry(code.as_str()).or_insert(starts.len());
            starts.push(line.start());
        }
        RuleBlocks {
            text,
            starts,
            first,
        }
    }

    /// The byte range of the block of the rule with this code (the first, if several have
    /// it), up to the next rule's; the whole text if no `code:` line names it.
    fn of_rule(&self, code: &str) -> std::ops::Range<usize> {
        match self.first.get(code) {
            Some(&i) => self.starts[i]..self.starts.get(i + 1).copied().unwrap_or(self.text.len()),
            None => 0..self.text.len(),
        }
    }
}

fn key_span(text: &str, block: &std::ops::Range<usize>, key: &str) -> Span {
    let b = &text[block.clone()];
    let pat = format!("{key}:");
    match b.find(&pat) {
        Some(i) => Span::new(block.start + i, block.start + i + key.len()),
        None => Span::empty(block.start),
    }
}

/// Where an expression's text sits in its rule's block.
fn locate(
    text: &str,
    block: &std::ops::Range<usize>,
    key: &str,
    expr: &str,
    from: usize,
) -> (usize, bool) {
    let b = &text[block.clone()];
    let from = from.min(b.len());
    // Search after the key, so `sum(x)` in `assert:` is not found inside `let:`.
    let key_at = b[from..].find(&format!("{key}:")).map(|i| i + from);
    let start = key_at.unwrap_or(from);
    if let Some(i) = b[start..].find(expr) {
        return (block.start + start + i, true);
    }
    if let Some(i) = b.find(expr) {
        return (block.start + i, true);
    }
    (block.start + key_at.unwrap_or(0), false)
}

fn compile_rule(
    text: &str,
    pack: &str,
    r: RawRule,
    block: &std::ops::Range<usize>,
) -> Result<Rule, Vec<Diagnostic>> {
    let mut diags = Vec::new();
    // Built once: compiled for every rule, the two took 4% of linting the disclosure.
    static CODE: OnceLock<Regex> = OnceLock::new();
    static NAME: OnceLock<Regex> = OnceLock::new();
    let code_re = CODE.get_or_init(|| Regex::new(r"^[A-Z]{1,3}[0-9]{3}$").expect("valid regex"));
    let name_re =
        NAME.get_or_init(|| Regex::new(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$").expect("valid regex"));
    if !code_re.is_match(&r.code) {
        diags.push(Diagnostic::new(
            &codes::RULE_METADATA,
            format!(
                "规则代码“{}”不合规：应为大写字母加三位数字，如 F001",
                r.code
            ),
            Label::new(key_span(text, block, "code"), "代码"),
        ));
    }
    if !name_re.is_match(&r.name) {
        diags.push(Diagnostic::new(
            &codes::RULE_METADATA,
            format!(
                "规则名“{}”应为小写连字符形式，如 funds-sources-mismatch",
                r.name
            ),
            Label::new(key_span(text, block, "name"), "规则名"),
        ));
    }
    let params: Vec<(String, ParamValue)> = r
        .params
        .iter()
        .filter_map(|(k, v)| {
            let k = k.as_str()?.to_owned();
            let v = match v {
                serde_yaml::Value::Number(n) => ParamValue::parse(&n.to_string()),
                serde_yaml::Value::String(s) => ParamValue::parse(s),
                other => ParamValue::Str(format!("{other:?}")),
            };
            Some((k, v))
        })
        .collect();
    let param_names: Vec<String> = params.iter().map(|(k, _)| k.clone()).collect();
    let mut env: HashMap<String, Ty> = r
        .over
        .variables()
        .iter()
        .map(|(n, t)| ((*n).to_owned(), *t))
        .collect();
    let mut cursor = 0;
    let mut reach = types::Reach::default();
    let mut compile = |key: &str,
                       src: &str,
                       env: &HashMap<String, Ty>,
                       diags: &mut Vec<Diagnostic>|
     -> Option<(Compiled, Ty)> {
        let (at, exact) = locate(text, block, key, src, cursor);
        cursor = at.saturating_sub(block.start);
        let c = |node| Compiled {
            node,
            text: src.to_owned(),
            at,
            exact,
        };
        match expr::parse(src) {
            Err(e) => {
                let span = if exact {
                    let s = at + e.at;
                    word_at(text, s.min(at + src.len()))
                } else {
                    Span::empty(at)
                };
                let d = Diagnostic::new(
                    &codes::EXPRESSION_SYNTAX,
                    format!("{key} 表达式有语法错误：{}", e.message),
                    Label::new(span, "此处"),
                );
                diags.push(match e.help {
                    Some(h) => d.with_help(h),
                    None => d,
                });
                None
            }
            Ok(node) => match types::check_reaching(&node, env, &param_names) {
                Ok((t, r)) => {
                    reach.merge(r);
                    Some((c(node), t))
                }
                Err(e) => {
                    let span = c(node.clone()).span(e.start, e.end);
                    diags.push(Diagnostic::new(
                        &codes::EXPRESSION_TYPE,
                        format!("{key} 表达式有误：{}", e.message),
                        Label::new(span, "此处"),
                    ));
                    None
                }
            },
        }
    };
    let mut lets = Vec::new();
    for (k, v) in &r.bindings {
        let (Some(name), Some(src)) = (
            k.as_str(),
            v.as_str().map(str::to_owned).or_else(|| yaml_scalar(v)),
        ) else {
            continue;
        };
        if let Some((c, t)) = compile(name, &src, &env, &mut diags) {
            env.insert(name.to_owned(), t);
            lets.push(Let {
                name: name.to_owned(),
                expr: c,
            });
        }
    }
    let when = r
        .when
        .as_deref()
        .and_then(|w| compile("when", w, &env, &mut diags))
        .map(|c| c.0);
    let assert = compile("assert", &r.assert, &env, &mut diags).map(|c| c.0);
    let mut message = Vec::new();
    for part in split_template(&r.message) {
        match part {
            TemplatePart::Text(t) => message.push(Part::Text(t)),
            TemplatePart::Expr(e) => {
                if let Some((c, _)) = compile("message", &e, &env, &mut diags) {
                    message.push(Part::Expr(c));
                }
            }
            TemplatePart::Unclosed(at) => diags.push(Diagnostic::new(
                &codes::EXPRESSION_SYNTAX,
                format!(
                    "message 中第 {} 个字符处的“{{”没有配对的“}}”（字面的花括号写作 {{{{ 或 }}}}）",
                    at + 1
                ),
                Label::new(key_span(text, block, "message"), "消息模板"),
            )),
        }
    }
    let mut label = |key: &str, l: &RawLabel, diags: &mut Vec<Diagnostic>| {
        let (src, label) = match l {
            RawLabel::Expr(s) => (s.clone(), None),
            RawLabel::Labelled { at, label } => (at.clone(), label.clone()),
        };
        compile(key, &src, &env, diags).map(|(expr, _)| LabelExpr {
            // Not where a `let` named `row` hides the row.
            on_row: (r.over == Scope::Row && !lets.iter().any(|l: &Let| l.name == "row"))
                .then(|| super::rowtest::RowTest::compile("row", &expr.node))
                .flatten(),
            expr,
            label: label.map(Into::into),
        })
    };
    let primary = r
        .primary
        .as_ref()
        .and_then(|l| label("primary", l, &mut diags));
    let secondary: Vec<LabelExpr> = r
        .secondary
        .iter()
        .filter_map(|l| label("secondary", l, &mut diags))
        .collect();
    let fix = r.fix.as_ref().and_then(|f| {
        let at = compile("at", &f.at, &env, &mut diags)?.0;
        let replace = compile("replace", &f.replace, &env, &mut diags)?.0;
        Some(FixExpr {
            safe: f.safe,
            description: f.description.clone(),
            at,
            replace,
        })
    });
    let example_at = key_span(text, block, "examples").start();
    let examples = |v: Vec<serde_yaml::Value>| {
        v.into_iter()
            .map(|fragment| Example {
                fragment,
                at: example_at,
            })
            .collect()
    };
    if !diags.is_empty() {
        return Err(diags);
    }
    let origin = std::sync::Arc::new(crate::diagnostics::Origin {
        name: r.name.into(),
        pack: Some(pack.into()),
        help: Some(r.help.into()),
    });
    Ok(Rule {
        code: r.code.into(),
        severity: match r.severity {
            RawSeverity::Error => Severity::Error,
            RawSeverity::Warning => Severity::Warning,
            RawSeverity::Info => Severity::Info,
        },
        summary: r.summary,
        rationale: r.rationale,
        over: r.over,
        when_first: when.as_ref().is_some_and(|w| {
            let names: Vec<&str> = lets.iter().map(|l| l.name.as_str()).collect();
            !w.node.mentions(&names)
        }),
        lets,
        when,
        assert: assert.expect("no diagnostics means the assert compiled"),
        message,
        primary,
        secondary,
        params,
        bad: examples(r.examples.bad),
        good: examples(r.examples.good),
        fix,
        at: block.start,
        uid: NEXT_UID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        quick: super::engine::Shortcuts::NONE,
        reach,
        origin,
    })
}

fn yaml_scalar(v: &serde_yaml::Value) -> Option<String> {
    match v {
        serde_yaml::Value::Number(n) => Some(n.to_string()),
        serde_yaml::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

enum TemplatePart {
    Text(String),
    Expr(String),
    Unclosed(usize),
}

/// `实施期资金总额 {total} 元` → text, expression, text. `{{` and `}}` are literal braces.
fn split_template(t: &str) -> Vec<TemplatePart> {
    let mut out = Vec::new();
    let mut text = String::new();
    let chars: Vec<char> = t.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                text.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                text.push('}');
                i += 2;
            }
            '{' => match chars[i + 1..].iter().position(|&c| c == '}') {
                Some(len) => {
                    if !text.is_empty() {
                        out.push(TemplatePart::Text(std::mem::take(&mut text)));
                    }
                    out.push(TemplatePart::Expr(
                        chars[i + 1..i + 1 + len].iter().collect(),
                    ));
                    i += len + 2;
                }
                None => {
                    out.push(TemplatePart::Unclosed(i));
                    i += 1;
                }
            },
            c => {
                text.push(c);
                i += 1;
            }
        }
    }
    if !text.is_empty() {
        out.push(TemplatePart::Text(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name: demo
title: 示例
rules:
  - code: X001
    name: total-positive
    severity: error
    summary: 总额应为正数
    rationale: 示例
    over: funds
    let:
      total: funds.total
    assert: total > 0
    message: "{funds.period}资金总额 {total} 元不是正数"
    primary: funds.total
    help: 填写正确的金额
"#;

    #[test]
    fn a_good_pack_loads() {
        let p = load("demo.yaml", GOOD).expect("loads");
        assert_eq!(p.rules.len(), 1);
        let r = &p.rules[0];
        assert_eq!((r.code.as_str(), r.over), ("X001", Scope::Funds));
        assert!(r.assert.exact);
        assert_eq!(
            &GOOD[r.assert.at..r.assert.at + r.assert.text.len()],
            "total > 0"
        );
        assert_eq!(r.message.len(), 4);
    }

    fn errors(text: &str) -> Vec<(String, String)> {
        let (doc, diags) = *load("bad.yaml", text).expect_err("fails to load");
        diags
            .iter()
            .map(|d| {
                let at = doc.line_col(d.primary.span.start());
                (
                    format!("{}:{}:{}", d.code, at.line, at.column),
                    doc.slice(d.primary.span).to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn a_misspelt_field_points_at_it() {
        let bad = GOOD.replace("assert: total > 0", "assert: funds.totl > 0");
        assert_eq!(errors(&bad), [("R003:13:19".to_owned(), "totl".to_owned())]);
    }

    #[test]
    fn an_unbalanced_expression_points_at_the_end() {
        let bad = GOOD.replace("assert: total > 0", "assert: (total > 0");
        let e = errors(&bad);
        assert_eq!(e[0].0, "R002:13:23");
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line() {
        let bad = GOOD.replace(
            "    help: 填写正确的金额",
            "    help: 填写正确的金额\n    severty: warning",
        );
        let e = errors(&bad);
        assert_eq!(e.len(), 1);
        assert!(e[0].0.starts_with("R001:"), "{e:?}");
    }

    /// serde_yaml reads `*h` below as `&s`'s value (`&h` defined a second time takes the number
    /// `&s` then gets): the rule's help would be its rationale. The pack is refused, with the
    /// three places.
    #[test]
    fn an_alias_the_yaml_library_misreads_is_refused() {
        let bad = GOOD
            .replace("title: 示例", "title: &h 示例")
            .replace("    summary: 总额应为正数", "    summary: &h 总额应为正数")
            .replace("    rationale: 示例", "    rationale: &s 示例")
            .replace("    help: 填写正确的金额", "    help: *h");
        let (doc, diags) = *load("bad.yaml", &bad).expect_err("refused");
        let [d] = &diags[..] else {
            panic!("one finding: {diags:?}")
        };
        assert_eq!(
            d.message,
            "规则包无法读取：YAML 别名“*h”读到的是锚点“&s”的值，不是它所指的“&h”；给每个锚点取不同的名字"
        );
        let places: Vec<_> = (d.labels())
            .map(|l| (doc.line_col(l.span.start()).line, doc.slice(l.span)))
            .collect();
        assert_eq!(places, [(16, "*h"), (9, "&s"), (8, "&h")]);
        // Named apart, the pack is read as written.
        let apart = bad.replace("title: &h", "title: &t");
        assert!(load("good.yaml", &apart).is_ok());
        // Defined twice with no new anchor after, `*h` reads the second: the pack is read,
        // though a message, a comment and a plain scalar hold text like an anchor.
        let text = GOOD
            .replace("title: 示例", "title: &h 示例 # 同 &s")
            .replace("    summary: 总额应为正数", "    summary: &h 总额应为正数")
            .replace("    rationale: 示例", "    rationale: R &s D")
            .replace("资金总额 {total} 元", "资金总额 &amp {total} 元")
            .replace("    help: 填写正确的金额", "    help: *h");
        let p = load("good.yaml", &text).expect("loads");
        assert_eq!(p.rules[0].origin.help.as_deref(), Some("总额应为正数"));
    }

    #[test]
    fn templates_split_on_braces() {
        let parts = split_template("a {x} b {{literal}} {y.z}");
        let shown: Vec<String> = parts
            .iter()
            .map(|p| match p {
                TemplatePart::Text(t) => format!("T({t})"),
                TemplatePart::Expr(e) => format!("E({e})"),
                TemplatePart::Unclosed(i) => format!("U({i})"),
            })
            .collect();
        assert_eq!(shown, ["T(a )", "E(x)", "T( b {literal} )", "E(y.z)"]);
    }
}
