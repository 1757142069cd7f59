//! Running rules over documents.
//!
//! Each rule runs over its scope (forms, funds columns, indicator halves, matched pairs, the
//! document). For each item the `let` bindings are evaluated in order, then `when`, then
//! `assert`. A binding or condition that comes out `null` means the rule does not apply
//! there, and it stays silent; `assert` false is a finding. An evaluation error is reported
//! once per rule, against the pack, and never stops the run.

use super::eval::{
    self, logic, DocCtx, Env, EvalError, Evaluator, FormCtx, HalfCtx, Period, UnitFrom, Val, V,
};
use super::expr::{BinOp, Expr, Node, NO_SLOT};
use super::pack::{Compiled, LabelExpr, ParamValue, Part, Rule, Scope};
use super::rowtest::PairTexts;
use super::verdict::{On, Ran, Reads, Verdicts};
use crate::diagnostics::{
    codes, quote_from, quoted, Diagnostic, Edit, Fix, Label, Severity, Shared,
};
use crate::model::{BudgetTable, Document, KeyTask, Span, TableRow};
use rayon::prelude::*;
use smallvec::SmallVec;
use std::collections::HashMap;
use std::ops::Range;

/// What the user chose: which rules run, at what severity, with which parameters.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// Codes or prefixes to run; empty means all.
    pub select: Vec<String>,
    /// Codes or prefixes not to run.
    pub ignore: Vec<String>,
    pub severity: HashMap<String, Severity>,
    /// Parameter overrides by rule code.
    pub params: HashMap<String, HashMap<String, ParamValue>>,
    /// Every `when` and `assert` evaluated node by node on every row, without the engine's
    /// shortcuts, the lambdas' compiled row tests or remembered passes: for the tests that
    /// hold those to the same outcome.
    #[cfg(test)]
    pub node_by_node: bool,
}

impl Settings {
    /// Each parameter a rule declares, with the value it runs with: the settings' own, else the
    /// pack's default.
    pub fn params_of<'s>(
        &'s self,
        rule: &'s Rule,
    ) -> impl Iterator<Item = (&'s str, &'s ParamValue)> {
        let set = self.params.get(&*rule.code);
        rule.params
            .iter()
            .map(move |(k, default)| (k.as_str(), set.and_then(|p| p.get(k)).unwrap_or(default)))
    }

    pub fn enabled(&self, code: &str) -> bool {
        let hit = |list: &[String]| {
            list.iter()
                .any(|p| code.starts_with(p.as_str()) || p.eq_ignore_ascii_case("all"))
        };
        (self.select.is_empty() || hit(&self.select)) && !hit(&self.ignore)
    }

    pub fn severity_of(&self, rule: &Rule) -> Severity {
        self.severity
            .get(&*rule.code)
            .copied()
            .unwrap_or(rule.severity)
    }
}

/// A rule that failed while running, reported against its pack.
#[derive(Debug, Clone)]
pub struct RuleError {
    pub code: String,
    pub pack: String,
    pub diagnostic: Diagnostic,
}

/// Why a rule did or did not fire on one item, for `--trace`.
#[derive(Debug, Clone)]
pub struct TraceLine {
    pub form: Option<String>,
    pub item: String,
    pub outcome: String,
    pub values: Vec<(String, String)>,
    /// Where the item is in the file: an item without a name (`实施期指标“”`) is found by it.
    pub at: Span,
    /// `path:line` (or `path:Sheet1!C12`) of `at`, set by the linter, which holds the file's
    /// text; empty until then.
    pub place: String,
}

impl TraceLine {
    /// Sets [`TraceLine::place`] from the file the item was read from.
    pub fn place_in(&mut self, doc: &Document) {
        let at = match doc.sheet_cell(self.at.start()) {
            Some(cell) => cell.reference(),
            None => doc.line_col(self.at.start()).line.to_string(),
        };
        self.place = format!("{}:{at}", doc.path);
    }
}

#[derive(Default)]
pub struct Outcome {
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<RuleError>,
    pub trace: Vec<TraceLine>,
}

/// One item of a rule's scope: the variables it binds and where a finding lands by default.
struct Item<'a> {
    form: Option<&'a FormCtx<'a>>,
    vars: Vars<'a>,
    at: Span,
    what: What<'a>,
}

/// An item's variables. The items over forms bind one or two, and there is one per row of
/// every form: kept inline, not in a vector allocated per item. The document's items bind
/// up to four.
enum Vars<'a> {
    Inline([(&'static str, V<'a>); 2], usize),
    Heap(Vec<(&'static str, V<'a>)>),
}

impl<'a> Vars<'a> {
    fn one(var: (&'static str, V<'a>)) -> Self {
        Vars::Inline([var, ("", V::null())], 1)
    }

    fn two(a: (&'static str, V<'a>), b: (&'static str, V<'a>)) -> Self {
        Vars::Inline([a, b], 2)
    }
}

impl<'a> std::ops::Deref for Vars<'a> {
    type Target = [(&'static str, V<'a>)];

    fn deref(&self) -> &Self::Target {
        match self {
            Vars::Inline(vars, n) => &vars[..*n],
            Vars::Heap(vars) => vars,
        }
    }
}

/// What an item is, for a trace line or an error message. Described only when one is
/// written: items are built once per scope, but thousands of them are never described.
enum What<'a> {
    Form,
    Funds(Period),
    Row(&'a HalfCtx<'a>),
    /// The implementation-period half and the annual half.
    Pair(&'a HalfCtx<'a>, &'a HalfCtx<'a>),
    Document,
    Project(&'a DocCtx<'a>, usize),
    Figure(&'a str),
    Task(&'a KeyTask),
    Table(&'a BudgetTable),
    Line(&'a TableRow),
    Cell(&'a TableRow, &'a str),
}

impl What<'_> {
    fn describe(&self) -> String {
        let name = |h: &HalfCtx<'_>| h.half.name.value.as_deref().unwrap_or("").to_owned();
        match self {
            What::Form => "整表".into(),
            What::Funds(period) => format!("{}资金", period.label()),
            What::Row(h) => format!("{}指标“{}”", h.period.label(), name(h)),
            What::Pair(h, _) => format!("指标“{}”", name(h)),
            What::Document => "整个文件".into(),
            What::Project(ctx, p) => format!("项目“{}”", V::new(Val::Project(ctx, *p)).display()),
            What::Figure(label) => format!("说明中的“{label}”"),
            What::Task(t) => format!("任务“{}”", t.name.value.as_deref().unwrap_or("")),
            What::Table(t) => format!("“{}”", t.title.value.as_deref().unwrap_or("")),
            What::Line(row) => format!("表行“{}”", row.name_text()),
            What::Cell(row, column) => format!("“{}”的{column}", row.name_text()),
        }
    }
}

/// Hands each item of `scope` to `out` as it is made: the rules run on an item before the
/// next is made, so no list of a run's items is built (an item is some 200 bytes, and they
/// were moved into a vector and out again).
fn each_item<'a>(
    scope: Scope,
    ctx: &'a DocCtx<'a>,
    tables: Range<usize>,
    out: &mut dyn FnMut(Item<'a>),
) {
    if !scope.per_form() {
        document_items(scope, ctx, tables, out);
        return;
    }
    for fc in &ctx.forms {
        let form = V::at(Val::Form(fc), fc.form.title.span);
        match scope {
            Scope::Form => out(Item {
                form: Some(fc),
                vars: Vars::one(("form", form)),
                at: fc.form.title.span,
                what: What::Form,
            }),
            Scope::Funds => {
                for (funds, period) in [
                    (&fc.form.funds_implementation, Period::Implementation),
                    (&fc.form.funds_annual, Period::Annual),
                ] {
                    out(Item {
                        form: Some(fc),
                        vars: Vars::two(
                            ("form", form.clone()),
                            ("funds", V::new(Val::Funds(funds, period))),
                        ),
                        at: funds.total.span,
                        what: What::Funds(period),
                    });
                }
            }
            Scope::Row => {
                for h in fc.halves() {
                    let at = if h.half.value.is_missing() {
                        h.half.name.span
                    } else {
                        h.half.value.span
                    };
                    out(Item {
                        form: Some(fc),
                        vars: Vars::two(("form", form.clone()), ("row", V::at(Val::Half(h), at))),
                        at,
                        what: What::Row(h),
                    });
                }
            }
            Scope::Pair => {
                for &(i, a) in fc.pairs() {
                    let (hi, ha) = (&fc.halves()[i], &fc.halves()[a]);
                    out(Item {
                        form: Some(fc),
                        vars: Vars::two(
                            ("form", form.clone()),
                            ("pair", V::new(Val::Pair(hi, ha))),
                        ),
                        at: ha.half.value.span,
                        what: What::Pair(hi, ha),
                    });
                }
            }
            Scope::Task => {
                let tasks = fc.form.department_section.as_ref().map(|d| &d.tasks);
                for task in tasks.into_iter().flatten() {
                    out(Item {
                        form: Some(fc),
                        vars: Vars::two(
                            ("form", form.clone()),
                            ("task", V::at(Val::Task(task), task.name.span)),
                        ),
                        at: task.name.span,
                        what: What::Task(task),
                    });
                }
            }
            _ => unreachable!("document-wide scopes are handled above"),
        }
    }
}

/// Items of the scopes that range over the whole document: its tables (those in `tables`),
/// their rows and cells, the projects, the figures of the prose.
fn document_items<'a>(
    scope: Scope,
    ctx: &'a DocCtx<'a>,
    tables: Range<usize>,
    out: &mut dyn FnMut(Item<'a>),
) {
    let document = V::new(Val::Document(ctx));
    let doc = ctx.doc;
    if scope == Scope::Document {
        out(Item {
            form: None,
            vars: Vars::one(("document", document)),
            at: Span::empty(0),
            what: What::Document,
        });
        return;
    }
    if scope == Scope::Project {
        for (p, pr) in ctx.projects.iter().enumerate() {
            let at = match (pr.line, pr.form) {
                (Some((t, r)), _) => doc.tables[t].rows[r].name.span,
                (None, Some(f)) => doc.forms[f].name.span,
                _ => Span::empty(0),
            };
            out(Item {
                form: pr.form.and_then(|f| ctx.forms.get(f)),
                vars: Vars::two(
                    ("document", document.clone()),
                    ("project", V::at(Val::Project(ctx, p), at)),
                ),
                at,
                what: What::Project(ctx, p),
            });
        }
        return;
    }
    if scope == Scope::Figure {
        for (f, fig) in doc.prose.iter().enumerate() {
            out(Item {
                form: None,
                vars: Vars::two(
                    ("document", document.clone()),
                    ("figure", V::at(Val::Figure(ctx, f), fig.amount.span)),
                ),
                at: fig.amount.span,
                what: What::Figure(&fig.label),
            });
        }
        return;
    }
    for (t, table) in tables.clone().zip(&doc.tables[tables]) {
        let tv = V::at(Val::Table(ctx, t), table.title.span);
        if scope == Scope::Table {
            out(Item {
                form: None,
                vars: Vars::two(("document", document.clone()), ("table", tv)),
                at: table.title.span,
                what: What::Table(table),
            });
            continue;
        }
        for (r, row) in table.rows.iter().enumerate() {
            let line = eval::line_value(ctx, t, r);
            if scope == Scope::TableRow {
                out(Item {
                    form: None,
                    vars: Vars::Heap(vec![
                        ("document", document.clone()),
                        ("table", tv.clone()),
                        ("line", line),
                    ]),
                    at: row.name.span,
                    what: What::Line(row),
                });
                continue;
            }
            for c in 0..table.columns.len() {
                let cell = eval::cell_value(ctx, t, r, c);
                let at = cell.span().unwrap_or(row.span);
                out(Item {
                    form: None,
                    vars: Vars::Heap(vec![
                        ("document", document.clone()),
                        ("table", tv.clone()),
                        ("line", line.clone()),
                        ("cell", cell),
                    ]),
                    at,
                    what: What::Cell(row, &table.columns[c].name),
                });
            }
        }
    }
}

/// Forms whose per-form rules run together: their items and typed values are what the rules
/// hold at once, so a 10 MB file of three thousand forms costs what a small one does.
const FORMS_PER_PASS: usize = 64;

/// Forms a pass holds at least where a batch of forms is shared among the pool's threads
/// ([`forms_per_pass`]): each pass sets up its run of the rules anew.
const FORMS_PER_PASS_MIN: usize = 8;

/// Forms a pass over `forms` forms holds on `threads` threads: a share for each thread. The
/// reader hands a large file's forms over a block of some sixteen a thread at a time
/// (`ingest::text`), and a block in one pass was judged on one thread while the others waited
/// for the next block: a 10 MB file, linted alone, ran on one thread for the rules' part of
/// its time, half as fast a form as files of a hundred forms side by side.
///
/// Passes of a quarter share each, taken by whichever thread was free, were measured too
/// (sixty-fourth session): within the noise of this machine, so not kept.
fn forms_per_pass(forms: usize, threads: usize) -> usize {
    forms
        .div_ceil(threads.max(1))
        .clamp(FORMS_PER_PASS_MIN, FORMS_PER_PASS)
}

/// Indicator rows a pass holds at most (a form is never split): a file of short pages joined
/// into forms of two thousand rows each held all its typed values at once in 64 forms.
const ROWS_PER_PASS: usize = 2_048;

/// Passes run in parallel before their findings are merged: enough to keep the threads busy,
/// few enough that their findings waiting to be merged are a small part of a large file's.
const PASSES_PER_WINDOW: usize = 8;

/// Where each pass over `forms` ends: after `per_pass` forms ([`forms_per_pass`]), or at the
/// form that takes its rows to [`ROWS_PER_PASS`].
fn pass_ends_at(forms: &[crate::model::Form], per_pass: usize) -> Vec<usize> {
    let mut ends = Vec::with_capacity(forms.len() / per_pass + 1);
    let (mut start, mut rows) = (0, 0);
    for (i, f) in forms.iter().enumerate() {
        rows += f.indicators.len();
        if i + 1 - start == per_pass || rows >= ROWS_PER_PASS {
            ends.push(i + 1);
            (start, rows) = (i + 1, 0);
        }
    }
    if start < forms.len() {
        ends.push(forms.len());
    }
    ends
}

/// Runs `rules` over one document: the per-form rules over a few forms at a time, then the
/// document rules (which alone need the budget tables matched to the forms).
pub fn run(doc: &Document, rules: &[&Rule], settings: &Settings, trace: Option<&str>) -> Outcome {
    let (per_form, whole) = by_scope(rules);
    run_split(doc, &per_form, &whole, settings, trace)
}

/// [`run`] for rules already split by [`by_scope`].
pub fn run_split(
    doc: &Document,
    per_form: &[&Rule],
    whole: &[&Rule],
    settings: &Settings,
    trace: Option<&str>,
) -> Outcome {
    let threads = rayon::current_num_threads();
    let mut out = run_forms(doc, &doc.forms, per_form, settings, trace, threads);
    out.merge(run_document(doc, whole, settings, trace));
    out
}

/// `rules` split into those judging one form at a time ([`Scope::per_form`]) and the rest.
pub fn by_scope<'r>(rules: &[&'r Rule]) -> (Vec<&'r Rule>, Vec<&'r Rule>) {
    // Sized up front, as most of what is allocated per file is: with one form a file (the
    // usual layout), a run's set-up is paid for every form.
    let (mut per_form, mut whole) = (
        Vec::with_capacity(rules.len()),
        Vec::with_capacity(rules.len()),
    );
    for &r in rules {
        if r.over.per_form() {
            per_form.push(r);
        } else {
            whole.push(r);
        }
    }
    (per_form, whole)
}

/// Runs the per-form rules `per_form` over `forms`, in passes shared among `threads` threads
/// ([`forms_per_pass`]). They run in the context of `doc`, but none of their scopes has a
/// variable that reaches it (a form and its items are all they see), so a reader handing over
/// forms before their document is whole passes an empty one.
pub fn run_forms(
    doc: &Document,
    forms: &[crate::model::Form],
    per_form: &[&Rule],
    settings: &Settings,
    trace: Option<&str>,
    threads: usize,
) -> Outcome {
    let parts = pass_ends(forms, per_form, threads).map(|(a, b)| &forms[a..b]);
    run_passes(parts.collect(), threads, |part| {
        run_pass(doc, part, per_form, settings, trace)
    })
}

/// [`run_forms`], then `after` over each pass's forms, on the thread that judged them: a
/// reader hands over forms to judge and let go of what the rules alone read. Let go on the
/// thread that handed them over, the rows of forms judged on the others were freed away from
/// where they were read, which emptied those threads' caches of freed blocks and overfilled
/// this one's (a large file on two threads: glibc's allocator some 6% of the time, against
/// under 2% for files of a hundred forms; docs/performance.md, sixty-fourth session).
pub fn run_forms_then(
    doc: &Document,
    forms: &mut [crate::model::Form],
    per_form: &[&Rule],
    settings: &Settings,
    trace: Option<&str>,
    threads: usize,
    after: &(dyn Fn(&mut [crate::model::Form]) + Sync),
) -> Outcome {
    let ends: Vec<(usize, usize)> = pass_ends(forms, per_form, threads).collect();
    let mut parts = Vec::with_capacity(ends.len() + 1);
    let mut rest = forms;
    for (start, end) in ends {
        let (part, tail) = std::mem::take(&mut rest).split_at_mut(end - start);
        parts.push(part);
        rest = tail;
    }
    if !rest.is_empty() {
        // No pass: no rule to run.
        parts.push(rest);
    }
    run_passes(parts, threads, |part| {
        let out = run_pass(doc, part, per_form, settings, trace);
        after(part);
        out
    })
}

/// One pass of the per-form rules over `forms` (none with no rules to run).
fn run_pass(
    doc: &Document,
    forms: &[crate::model::Form],
    per_form: &[&Rule],
    settings: &Settings,
    trace: Option<&str>,
) -> Outcome {
    if per_form.is_empty() {
        return Outcome::default();
    }
    let ctx = DocCtx::forms_only(doc, forms.iter().map(FormCtx::new).collect());
    run_ctx(&ctx, per_form, settings, trace)
}

/// Where each pass over `forms` starts and ends ([`forms_per_pass`], [`pass_ends_at`]); none
/// where there is no rule to run.
fn pass_ends(
    forms: &[crate::model::Form],
    per_form: &[&Rule],
    threads: usize,
) -> impl Iterator<Item = (usize, usize)> {
    let ends = if per_form.is_empty() {
        Vec::new()
    } else {
        pass_ends_at(forms, forms_per_pass(forms.len(), threads))
    };
    let mut start = 0;
    ends.into_iter()
        .map(move |end| (std::mem::replace(&mut start, end), end))
}

/// Runs `pass` over each of `parts` and merges their outcomes in order, so the outcome is the
/// same whatever the threads. On one thread (`threads`), every pass runs on this one: a
/// workbook, read without the thread's cache of freed blocks, is judged so
/// (`lint::Linter::lint_path_sized`).
fn run_passes<P: Send>(
    parts: Vec<P>,
    threads: usize,
    pass: impl Fn(P) -> Outcome + Sync,
) -> Outcome {
    let mut out = Outcome::default();
    if parts.len() <= 1 || threads <= 1 {
        // One pass (most files), or one thread: run here rather than handed to the pool.
        for part in parts {
            out.merge(pass(part));
        }
        return out;
    }
    // In parallel: a large file is linted alone (see `cli::check`), so its forms are what
    // keeps the threads busy. They run a window at a time, each window's merged before the
    // next runs: all of them collected, then merged into a vector sized for them all, held a
    // large file's findings twice at once. The merged vector grows instead, and a large one is
    // its own mapping (`alloc::map_large_blocks`), which grows without being copied.
    let mut parts = parts.into_iter();
    loop {
        let window: Vec<P> = parts.by_ref().take(PASSES_PER_WINDOW).collect();
        if window.is_empty() {
            return out;
        }
        let passes: Vec<Outcome> = window.into_par_iter().map(&pass).collect();
        for pass in passes {
            out.merge(pass);
        }
    }
}

/// Runs the rules that are not per form (`whole`) over the whole of `doc`.
pub fn run_document(
    doc: &Document,
    whole: &[&Rule],
    settings: &Settings,
    trace: Option<&str>,
) -> Outcome {
    if whole.is_empty() {
        return Outcome::default();
    }
    let ctx = DocCtx::new(doc);
    // A file of forms alone (one form a file, as forms are often submitted) has no tables,
    // projects or figures: the document rules have nothing to run on, and setting up their
    // run cost some 12,000 instructions a file.
    if !whole.iter().any(|r| has_items(r.over, &ctx)) {
        return Outcome::default();
    }
    run_ctx(&ctx, whole, settings, trace)
}

/// Whether `scope` may have an item in `ctx` ([`document_items`]); true where unsure.
fn has_items(scope: Scope, ctx: &DocCtx<'_>) -> bool {
    match scope {
        Scope::Project => !ctx.projects.is_empty(),
        Scope::Figure => !ctx.doc.prose.is_empty(),
        Scope::Table | Scope::TableRow | Scope::TableCell => !ctx.doc.tables.is_empty(),
        _ => true,
    }
}

impl Outcome {
    /// Adds a later pass's outcome; a rule that failed is reported once, as in one pass.
    pub fn merge(&mut self, other: Outcome) {
        if self.diagnostics.is_empty() && self.errors.is_empty() && self.trace.is_empty() {
            // The first pass's findings are kept where they are, not copied.
            *self = other;
            return;
        }
        self.diagnostics.extend(other.diagnostics);
        for e in other.errors {
            if !self.errors.iter().any(|f| f.code == e.code) {
                self.errors.push(e);
            }
        }
        self.trace.extend(other.trace);
    }
}

pub fn run_ctx<'r: 'a, 'a>(
    ctx: &'a DocCtx<'a>,
    rules: &[&'r Rule],
    settings: &'a Settings,
    trace: Option<&str>,
) -> Outcome {
    let mut out = Outcome::default();
    static NONE: Shortcuts = Shortcuts::NONE;
    let runs: Vec<RuleRun<'r, 'a>> = rules
        .iter()
        .enumerate()
        .map(|(index, &rule)| RuleRun {
            index,
            rule,
            quick: if node_by_node(settings) {
                &NONE
            } else {
                &rule.quick
            },
            ev: evaluator(rule, settings),
            settings,
            tracing: trace.is_some_and(|t| t.eq_ignore_ascii_case(&rule.code)),
        })
        .collect();
    // A rule that fails is reported once, at the first item it fails on; in the rules' order.
    let mut failed: Vec<Option<RuleError>> = vec![None; rules.len()];
    // A traced rule is never skipped: its trace shows every row.
    let mut verdicts = Verdicts::new(rules, settings, |i| {
        !runs[i].tracing && !node_by_node(settings)
    });
    // One environment for every item of every rule: cleared, never reallocated.
    let mut env: Env<'r, 'a> = Env::with_room();
    let over_tables =
        |r: &Rule| matches!(r.over, Scope::Table | Scope::TableRow | Scope::TableCell);
    // Per rule, what its form gate (`Shortcuts::form_gate`) said of the current form; made
    // once for the run and emptied for each scope.
    let mut gates = vec![Gate::Unknown; rules.len()];
    // The pass's rules, scope after scope: one list for the run, not one per scope.
    let mut by_scope: Vec<usize> = Vec::with_capacity(rules.len());
    let mut pass = |which: &dyn Fn(&Rule) -> bool, tables: Range<usize>, out: &mut Outcome| {
        // The pass's scopes, each where its first rule is, and its rules in their order: one
        // list for them all, each scope a range of it. A list a scope, each with room for
        // every rule, was a dozen allocations a file.
        let mut kinds: SmallVec<[Scope; 8]> = SmallVec::new();
        for rule in rules.iter().filter(|r| which(r)) {
            if !kinds.contains(&rule.over) {
                kinds.push(rule.over);
            }
        }
        by_scope.clear();
        let scopes: SmallVec<[(Scope, Range<usize>); 8]> = kinds
            .into_iter()
            .map(|scope| {
                let start = by_scope.len();
                by_scope.extend(
                    (0..rules.len()).filter(|&i| rules[i].over == scope && which(rules[i])),
                );
                (scope, start..by_scope.len())
            })
            .collect();
        for (scope, range) in scopes {
            let of = &by_scope[range];
            // The scope's rules as bits, where there are at most 64 of them: the rules known
            // to pass a row or pair are then left out all at once (`Verdicts::known_places`).
            let places = verdicts.places(of);
            let all = u64::MAX
                .checked_shr(64 - of.len().min(64) as u32)
                .unwrap_or(0);
            gates.fill(Gate::Unknown);
            let mut gated_form: Option<*const FormCtx<'a>> = None;
            // Item by item, every rule of the scope on it before the next item: what several
            // rules compute of an item is computed once (`memo`).
            each_item(scope, ctx, tables.clone(), &mut |item| {
                env.enter(&item.vars, item.form);
                // A form's items come one after another: its gates are asked on its first.
                let form = item.form.map(|f| f as *const FormCtx<'a>);
                if form != gated_form {
                    gates.fill(Gate::Unknown);
                    gated_form = form;
                }
                // Rows and pairs: rules remembered to pass items like this one are skipped.
                let remembered = match item.what {
                    What::Row(h) if verdicts.active() => {
                        verdicts.look(h);
                        true
                    }
                    What::Pair(i, a) if verdicts.active() => {
                        verdicts.look_pair(i, a);
                        true
                    }
                    _ => false,
                };
                // Rule `i` on the item, unless its form gate is shut.
                let mut one = |i: usize, verdicts: &mut Verdicts| {
                    let run = &runs[i];
                    env.truncate(item.vars.len());
                    // A traced rule is never skipped: its trace shows every item.
                    if let (Some(gate), false) = (&run.quick.form_gate, run.tracing) {
                        if gates[i] == Gate::Unknown {
                            // An error is left to the rule's own run, which raises it.
                            let shut = run
                                .ev
                                .eval(gate, &mut env)
                                .is_ok_and(|v| logic(&v) == Some(false));
                            gates[i] = if shut { Gate::Shut } else { Gate::Open };
                        }
                        if gates[i] == Gate::Shut {
                            return;
                        }
                    }
                    let ran = if remembered && verdicts.fired(i) {
                        refind(run, &item, &mut env, &mut failed[i], out, verdicts)
                    } else {
                        run_item(run, &item, &mut env, &mut failed[i], out, verdicts)
                    };
                    if remembered {
                        verdicts.ran(i, ran);
                    }
                };
                match &places {
                    // In the scope's order: the lowest place first.
                    Some(places) => {
                        let mut todo = all;
                        if remembered {
                            todo &= !verdicts.known_places(places);
                        }
                        while todo != 0 {
                            let place = todo.trailing_zeros() as usize;
                            todo &= todo - 1;
                            one(of[place], &mut verdicts);
                        }
                    }
                    None => {
                        for &i in of {
                            if !(remembered && verdicts.known(i)) {
                                one(i, &mut verdicts);
                            }
                        }
                    }
                }
                if remembered {
                    verdicts.remember();
                }
            });
        }
    };
    let tables = ctx.doc.tables.len();
    pass(&|r| !over_tables(r), 0..tables, &mut out);
    // The rules over tables, rows and cells run a few tables at a time, every rule of a scope
    // on a table's items before the next tables' (the order `--trace` shows them in). Items
    // were once built for all tables at once: a file of 20,000 small tables held 400 MB of
    // them; they are now made one at a time (`each_item`).
    let by_tables = if rules.iter().any(|r| over_tables(r)) {
        tables
    } else {
        0
    };
    for start in (0..by_tables).step_by(TABLES_PER_PASS) {
        pass(
            &over_tables,
            start..tables.min(start + TABLES_PER_PASS),
            &mut out,
        );
    }
    out.errors.extend(failed.into_iter().flatten());
    out
}

/// What a rule's form gate said of the form at hand.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    Unknown,
    /// False: the rule is silent on every item of the form.
    Shut,
    /// True, empty or an error: the rule runs on each item as usual.
    Open,
}

/// Whether the tests asked for every rule to be evaluated node by node on every item.
fn node_by_node(_settings: &Settings) -> bool {
    #[cfg(test)]
    return _settings.node_by_node;
    #[cfg(not(test))]
    false
}

/// What the engine decides of a rule itself, without evaluating the expression node by node.
/// Kept with the rule ([`Rule::quick`]), with copies of the few nodes it evaluates: finding
/// them on every run of the engine cost some 20,000 instructions a file.
#[derive(Debug, Clone)]
pub struct Shortcuts {
    when: Option<Guard>,
    assert: Option<Test>,
    /// The leading operands of the `when`'s chain of `and` that read the form and nothing of
    /// the item, as one expression: `form.period_years > 1` of `form.period_years > 1 and
    /// pair.annual.level2 == "数量指标" and …`. It is the same for every row or pair of a form,
    /// so once it is false on a form's first item, the rule is silent on all of them, without
    /// its `when` being evaluated again on each (`a and b` is false when `a` is, and `b` is
    /// then not evaluated: no error of the rest is skipped).
    form_gate: Option<Node>,
    /// The operands of a `when` decided before the `let`s, in the order its chain of `and`
    /// evaluates them; empty for any other rule. The engine evaluates them in turn, from the
    /// first its guard has not decided: as one expression, the guard's comparisons were made
    /// twice on every row the guard let through. And it learns which operand was false.
    chain: Vec<Node>,
    /// How many of `chain`'s leading operands read the item alone: when one of them is false,
    /// the rule is silent whatever else it would read ([`Ran::Shut`]).
    item_led: usize,
    /// What those operands read of the item (`None` if there are none).
    lead_reads: Option<Reads>,
    /// For a rule whose `when` reads its `let` values: the operands of its chain of `and`, in
    /// order, each with the `let`s it needs that earlier operands did not (see [`LetSteps`]).
    let_steps: Option<LetSteps>,
    /// For a rule over pairs that compares texts of the two halves: its `let`s and `assert`
    /// decided on the texts where they lie, when they pass ([`PairTexts`]).
    texts: Option<PairTexts>,
}

/// A `when` that reads `let` values, decided operand by operand, each after the values it
/// needs: C001 asks first whether the form has one per-person cost, and most forms have none,
/// so the count of people, the funds and the rest are not computed there; F004 compares six
/// funds sources only on a one-year form. The outcome is the same as computing every value
/// first (silent where a value is null or `when` is not true, and the values are pure); an
/// error is raised where this order reaches it, as for a `when` decided first: not in a value
/// no part needed, and in a part even where a value it does not read is null.
///
/// Only for rules whose `let` names differ and whose values read no name a later `let` binds:
/// there, binding the values in another order binds every name to the same value.
#[derive(Debug, Clone)]
struct LetSteps {
    steps: Vec<(Vec<usize>, Node)>,
}

impl LetSteps {
    fn of(rule: &Rule) -> Option<LetSteps> {
        let when = rule.when.as_ref().filter(|_| !rule.when_first)?;
        let lets = &rule.lets;
        let names: Vec<&str> = lets.iter().map(|l| l.name.as_str()).collect();
        // At most 64, to be held as bits while the rule runs.
        if lets.len() > 64 {
            return None;
        }
        for (i, l) in lets.iter().enumerate() {
            if names[..i].contains(&names[i]) || l.expr.node.mentions(&names[i + 1..]) {
                return None;
            }
        }
        // What each value needs, itself included: the values it reads and what they need.
        let mut needs: Vec<u64> = Vec::with_capacity(lets.len());
        for (i, l) in lets.iter().enumerate() {
            let mut mask = 1u64 << i;
            for (j, name) in names[..i].iter().enumerate() {
                if l.expr.node.mentions(&[name]) {
                    mask |= needs[j];
                }
            }
            needs.push(mask);
        }
        let mut bound = 0u64;
        let steps = and_operands(&when.node)
            .into_iter()
            .map(|operand| {
                let mut mask = 0u64;
                for (j, name) in names.iter().enumerate() {
                    if operand.mentions(&[name]) {
                        mask |= needs[j];
                    }
                }
                let first: Vec<usize> = (0..lets.len())
                    .filter(|&j| mask & !bound & (1 << j) != 0)
                    .collect();
                bound |= mask;
                (first, operand.clone())
            })
            .collect();
        Some(LetSteps { steps })
    }
}

impl Shortcuts {
    pub const NONE: Shortcuts = Shortcuts {
        when: None,
        assert: None,
        form_gate: None,
        chain: Vec::new(),
        item_led: 0,
        lead_reads: None,
        let_steps: None,
        texts: None,
    };

    /// How many leading operands of the rule's `when` read its row or pair alone, and what
    /// they read of it.
    pub fn item_lead(&self) -> (usize, Option<Reads>) {
        (self.item_led, self.lead_reads)
    }

    /// The shortcuts of a rule whose shared values are numbered (`memo::assign`).
    pub fn of(rule: &Rule) -> Shortcuts {
        let chain: Vec<Node> = match &rule.when {
            Some(w) if rule.when_first => and_operands(&w.node).into_iter().cloned().collect(),
            _ => Vec::new(),
        };
        let (item_led, lead_reads) = super::verdict::lead(rule.over, &chain);
        Shortcuts {
            when: Guard::of(rule),
            assert: Test::of(&rule.assert.node),
            form_gate: form_gate(rule),
            chain,
            item_led,
            lead_reads,
            let_steps: LetSteps::of(rule),
            texts: pair_texts(rule),
        }
    }
}

/// [`PairTexts`] for a rule over pairs whose `when`, if it has one, is decided before its
/// `let`s: the test stands for the `let`s and the `assert` alone.
fn pair_texts(rule: &Rule) -> Option<PairTexts> {
    if rule.over != Scope::Pair || (rule.when.is_some() && !rule.when_first) {
        return None;
    }
    let lets: Vec<(&str, &Node)> = (rule.lets.iter())
        .map(|l| (l.name.as_str(), &l.expr.node))
        .collect();
    PairTexts::compile(&lets, &rule.assert.node)
}

/// The operands of `node`'s chain of `and`, in the order they are evaluated: `a and b and c`
/// is `(a and b) and c`, its operands down the left side. A node that is no `and` is its own
/// one operand.
fn and_operands(node: &Node) -> Vec<&Node> {
    let mut operands = Vec::new();
    let mut n = node;
    while let Expr::Binary(BinOp::And, a, b) = &n.expr {
        operands.push(&**b);
        n = a;
    }
    operands.push(n);
    operands.reverse();
    operands
}

/// [`Shortcuts::form_gate`] of a rule over a form's rows, pairs or funds (a rule over forms
/// has one item per form: nothing to spare). Only a `when` decided before the `let`s, as for
/// [`Guard`]: there `form` is the item's form, and no `let` can have renamed it.
fn form_gate(rule: &Rule) -> Option<Node> {
    if !rule.when_first || !matches!(rule.over, Scope::Row | Scope::Pair | Scope::Funds) {
        return None;
    }
    // `a and b and c` is `(a and b) and c`: the left spine holds each prefix of the chain,
    // the longest first.
    let mut spine = vec![&rule.when.as_ref()?.node];
    while let Expr::Binary(BinOp::And, a, _) = &spine[spine.len() - 1].expr {
        spine.push(a);
    }
    let first = spine[spine.len() - 1];
    let rest = spine.iter().rev().skip(1).map(|n| match &n.expr {
        Expr::Binary(BinOp::And, _, b) => &**b,
        _ => unreachable!("the spine's nodes above its foot are `and`s"),
    });
    let leading = std::iter::once(first)
        .chain(rest)
        .take_while(|o| reads_form_only(o, &mut Vec::new()))
        .count();
    (leading > 0).then(|| spine[spine.len() - leading].clone())
}

/// Whether `node` reads nothing but the variable `form`, the names in `bound` (a condition's
/// parameter) and the rule's parameters: every function is a function of its arguments.
fn reads_form_only<'n>(node: &'n Node, bound: &mut Vec<&'n str>) -> bool {
    match &node.expr {
        Expr::Var(v) => v == "form" || bound.contains(&v.as_str()),
        Expr::Lambda(param, body) => {
            bound.push(param);
            let only = reads_form_only(body, bound);
            bound.pop();
            only
        }
        _ => node
            .children()
            .into_iter()
            .all(|c| reads_form_only(c, bound)),
    }
}

/// An `assert` that compares one expression with a text or `null`, as most asserts of the
/// rules over rows do: `row.value.reason != "reversed_unit"`, `note(row.value, "odd_percent")
/// == null`.
/// The engine evaluates the expression and compares it itself; `==` and `!=` are never null,
/// so the outcome is `equal`'s, and an error is the operand's, as the comparison would raise it.
#[derive(Debug, Clone)]
struct Test {
    operand: Node,
    /// The text or `null` compared with.
    literal: Node,
    /// `!=`.
    negated: bool,
}

impl Test {
    fn of(assert: &Node) -> Option<Test> {
        let Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), operand, literal) = &assert.expr else {
            return None;
        };
        eval::is_literal(literal).then(|| Test {
            operand: (**operand).clone(),
            literal: (**literal).clone(),
            negated: *op == BinOp::Ne,
        })
    }

    fn holds(&self, v: &V<'_>) -> bool {
        eval::equals_literal(v, &self.literal) != self.negated
    }
}

/// What a rule's `when` begins with, when that is values the item's rules share compared
/// with texts: `row.level2 == "时效指标"`, `row.level2 == "成本指标" or row.level2 ==
/// "经济成本指标"`, `row.level2 == "质量指标" or row.level1 == "效益指标"`, `row.period ==
/// "年度" and row.level2 == "成本指标"`, any of these followed by `and …`. Most rules over rows
/// are about one category of indicator, and on the other rows their `when` is false at one of
/// its first comparisons; the engine makes those comparisons itself, on the kept values,
/// instead of evaluating the expression node by node.
///
/// The outcome is the expression's own: `==` is true only between equal texts (never null),
/// `or` of those is their disjunction, its operands evaluated in order until one holds, and a
/// chain of `and` is false at its first false operand, the operands taken in order. An error
/// computing a value is the error the expression would have raised, at the same place.
#[derive(Debug, Clone)]
struct Guard {
    /// The leading operands of the `when`'s chain of `and`, in order: each a disjunction of
    /// shared values (nodes with a slot, so each reads the item alone and is computed once per
    /// item) and the texts each is compared with, in the order the `or` evaluates them.
    tests: Vec<Vec<(Node, Vec<String>)>>,
    /// Whether those operands are the whole `when`: then, when they hold, `when` holds.
    whole: bool,
}

impl Guard {
    fn of(rule: &Rule) -> Option<Guard> {
        // Only a `when` decided before the `let`s: one decided after them must not skip their
        // errors or their trace.
        if !rule.when_first {
            return None;
        }
        let operands = and_operands(&rule.when.as_ref()?.node);
        let tests: Vec<Vec<_>> = operands
            .iter()
            .map_while(|o| Self::alternatives(o))
            .map(|keys| {
                (keys.into_iter())
                    .map(|(k, texts)| (k.clone(), texts.into_iter().map(str::to_owned).collect()))
                    .collect()
            })
            .collect();
        (!tests.is_empty()).then_some(Guard {
            whole: tests.len() == operands.len(),
            tests,
        })
    }

    /// `K == "a"`, or a chain of `or` of such comparisons: `K == "a" or K == "b"` (one key, two
    /// texts), `K == "a" or J == "b"` (two keys), in the order the `or` evaluates them.
    fn alternatives(n: &Node) -> Option<Vec<(&Node, Vec<&str>)>> {
        match &n.expr {
            Expr::Binary(BinOp::Eq, k, t) => match &t.expr {
                Expr::Str(text) if k.slot != NO_SLOT => Some(vec![(k, vec![text.as_str()])]),
                _ => None,
            },
            Expr::Binary(BinOp::Or, a, b) => {
                let mut keys = Self::alternatives(a)?;
                for (other, more) in Self::alternatives(b)? {
                    // Written twice, one expression: the memo gave both the same slot, and it
                    // is computed once either way.
                    match keys.last_mut() {
                        Some((k, texts)) if k.slot == other.slot => texts.extend(more),
                        _ => keys.push((other, more)),
                    }
                }
                Some(keys)
            }
            _ => None,
        }
    }

    /// Whether the operand `keys` holds: the first of its comparisons that holds ends it, as
    /// `or` does; `Err` is the first error computing a value, as the expression raises it.
    fn holds<'e: 'a, 'a>(
        keys: &'e [(Node, Vec<String>)],
        ev: &Evaluator<'a>,
        env: &mut Env<'e, 'a>,
    ) -> Result<bool, EvalError> {
        for (key, texts) in keys {
            if ev.is_one_of(key, texts, env)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// How many tables' items the rules over tables, rows and cells see at once.
const TABLES_PER_PASS: usize = 16;

/// The evaluator of one rule, with its parameters as the settings set them.
fn evaluator<'a>(rule: &'a Rule, settings: &'a Settings) -> Evaluator<'a> {
    // Most rules have no parameters: their settings are not looked up (every rule, every file).
    let params: Vec<(&'a str, V<'a>)> = if rule.params.is_empty() {
        Vec::new()
    } else {
        settings
            .params_of(rule)
            .map(|(k, v)| (k, v.to_value()))
            .collect()
    };
    Evaluator {
        row_tests: !node_by_node(settings),
        ..Evaluator::new(params)
    }
}

/// One rule as a run evaluates it, with what its evaluation on each item needs besides the
/// item: one value for the functions below, which each needed the same five.
struct RuleRun<'r, 'a> {
    /// The rule's place among the run's rules.
    index: usize,
    rule: &'r Rule,
    /// The rule's own shortcuts, or none where the tests ask for node-by-node evaluation.
    quick: &'r Shortcuts,
    /// The rule's evaluator, with its parameters as the settings set them.
    ev: Evaluator<'a>,
    settings: &'a Settings,
    /// Whether `--trace` follows the rule: it is then never skipped, nor remembered.
    tracing: bool,
}

/// Runs one rule on one item whose variables are in `env`: whether it spoke, or how it stayed
/// silent. A rule that fails is reported once (`failed`).
fn run_item<'r: 'a, 'a>(
    run: &RuleRun<'r, 'a>,
    item: &Item<'a>,
    env: &mut Env<'r, 'a>,
    failed: &mut Option<RuleError>,
    out: &mut Outcome,
    verdicts: &mut Verdicts,
) -> Ran {
    let applied = if run.tracing {
        let mut t = Tracer::default();
        let found = &mut out.diagnostics;
        let r = judge(run, item, env, found, Some(&mut t), verdicts);
        r.inspect(|a| {
            let finding = (*a == Applied::Found).then(|| found.last()).flatten();
            out.trace.push(t.line(item, finding));
        })
    } else {
        judge(run, item, env, &mut out.diagnostics, None, verdicts)
    };
    report(run.rule, item, applied, failed)
}

/// Runs one rule on one item whose variables are in `env` ([`apply`]), and makes the finding
/// if it found something.
fn judge<'r: 'a, 'a>(
    run: &RuleRun<'r, 'a>,
    item: &Item<'a>,
    env: &mut Env<'r, 'a>,
    found: &mut Vec<Diagnostic>,
    trace: Option<&mut Tracer>,
    verdicts: &mut Verdicts,
) -> Result<Applied, Failure> {
    match apply(run, env, trace)? {
        Applied::Found => {
            let known = message_of(run, item, verdicts);
            finding(run, item, env, found, known, verdicts)
        }
        silent => Ok(silent),
    }
}

/// The message remembered for the rule's finding on this item ([`Verdicts::message`]).
fn message_of(run: &RuleRun<'_, '_>, item: &Item<'_>, verdicts: &mut Verdicts) -> Option<String> {
    let on = match item.what {
        What::Row(h) => On::Row(h),
        What::Pair(i, a) => On::Pair(i, a),
        _ => return None,
    };
    verdicts.message(run.index, on)
}

/// Runs a rule on an item it is known to find something on ([`Verdicts::fired`]): it found
/// something on an item whose cells it reads are the same, and reads nothing else, so its
/// `when` and `assert` are not asked again. Its `let` values are bound (its message and labels
/// read them) and the finding is made for this item.
fn refind<'r: 'a, 'a>(
    run: &RuleRun<'r, 'a>,
    item: &Item<'a>,
    env: &mut Env<'r, 'a>,
    failed: &mut Option<RuleError>,
    out: &mut Outcome,
    verdicts: &mut Verdicts,
) -> Ran {
    let rule = run.rule;
    // Its labels and fix may read the `let` values, message known or not: bound either way
    // (skipping them where nothing else reads them saved 0.1%).
    for i in 0..rule.lets.len() {
        match bind_let(rule, i, &run.ev, env, &mut None) {
            Ok(true) => {}
            // Null where it was not before: the rule read more than its item after all.
            // Judged in full, as if it were not remembered.
            Ok(false) => {
                env.truncate(item.vars.len());
                let found = &mut out.diagnostics;
                let applied = judge(run, item, env, found, None, verdicts);
                return report(rule, item, applied, failed);
            }
            Err(e) => return report(rule, item, Err(e), failed),
        }
    }
    let known = message_of(run, item, verdicts);
    let applied = finding(run, item, env, &mut out.diagnostics, known, verdicts);
    report(rule, item, applied, failed)
}

/// What a rule's run on an item came to for the memory, keeping its first error. Inlined:
/// it is asked of every rule on every item, and a call cost more than its match.
#[inline(always)]
fn report(
    rule: &Rule,
    item: &Item<'_>,
    applied: Result<Applied, Failure>,
    failed: &mut Option<RuleError>,
) -> Ran {
    match applied {
        Ok(Applied::Silent) => Ran::Passed,
        Ok(Applied::Shut) => Ran::Shut,
        Ok(Applied::Found) => Ran::Found,
        Err(failure) => {
            if failed.is_none() {
                let (e, expr) = *failure;
                *failed = Some(rule_error(rule, &e, expr, item));
            }
            Ran::Failed
        }
    }
}

/// What one rule's run on one item came to, short of an error. A finding is pushed where
/// it is kept as it is made: carried back in this value, it was copied at every return on
/// the way, and the copy cost as much as the `when` and `assert` remembered findings skip.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Applied {
    Silent,
    /// Silent because an operand of the `when`'s lead, one that reads the item alone, was
    /// false (`Shortcuts::item_lead`).
    Shut,
    /// The rule found something. From [`apply`]: its `assert` failed and its `let` values
    /// are bound, for [`finding`] to make the finding. From [`finding`]: the finding is the
    /// last of those it was given.
    Found,
}

/// An evaluation error and the expression it happened in (boxed: the happy path is hot).
type Failure = Box<(EvalError, Compiled)>;

/// What `--trace` shows of one item: the `let` values and why the rule stayed silent. Only
/// a traced rule pays for formatting them.
#[derive(Default)]
struct Tracer {
    values: Vec<(String, String)>,
    silent: Option<String>,
}

impl Tracer {
    fn line(self, item: &Item<'_>, finding: Option<&Diagnostic>) -> TraceLine {
        let outcome = match (finding, self.silent) {
            (Some(d), _) => format!("发现问题：{}", d.message),
            (None, Some(why)) => why,
            (None, None) => "通过".into(),
        };
        TraceLine {
            // Items outside any form (tables, prose) have no form to name.
            form: item
                .form
                .map(|f| f.form.display_name().unwrap_or("（无名称）").to_owned()),
            item: item.what.describe(),
            outcome,
            values: self.values,
            at: item.at,
            place: String::new(),
        }
    }
}

/// The rule does not apply here; a trace says why.
fn silent(
    trace: &mut Option<&mut Tracer>,
    why: impl FnOnce() -> String,
) -> Result<Applied, Failure> {
    if let Some(t) = trace.as_deref_mut() {
        t.silent = Some(why());
    }
    Ok(Applied::Silent)
}

/// Runs one rule on one item whose variables are already in `env`: whether it found
/// something (its `let` values then bound in `env`), or how it stayed silent.
fn apply<'r: 'a, 'a>(
    run: &RuleRun<'r, 'a>,
    env: &mut Env<'r, 'a>,
    mut trace: Option<&mut Tracer>,
) -> Result<Applied, Failure> {
    let (rule, quick, ev) = (run.rule, run.quick, &run.ev);
    let decide = |env: &mut Env<'r, 'a>| -> Result<Option<&'static str>, Failure> {
        let Some(w) = &rule.when else { return Ok(None) };
        let v = ev
            .eval(&w.node, env)
            .map_err(|e| Box::new((e, w.clone())))?;
        Ok(match logic(&v) {
            Some(true) => None,
            None => Some("为空"),
            Some(false) => Some("不成立"),
        })
    };
    let when_text = || rule.when.as_ref().map_or("", |w| w.text.as_str());
    // Silent because the `when`'s operand `k` was false: shut, if that operand and those
    // before it read the item alone.
    let shut = |k: usize, trace: &mut Option<&mut Tracer>| {
        let why = || format!("不适用：when 不成立（{}）", when_text());
        let shut = if k < quick.item_led {
            Applied::Shut
        } else {
            Applied::Silent
        };
        silent(trace, why).and(Ok(shut))
    };
    let guard = quick.when.as_ref();
    let mut decided = 0;
    if let (Some(g), Some(w)) = (guard, &rule.when) {
        for (k, keys) in g.tests.iter().enumerate() {
            if !Guard::holds(keys, ev, env).map_err(|e| Box::new((e, w.clone())))? {
                return shut(k, &mut trace);
            }
        }
        decided = g.tests.len();
    }
    match &rule.when {
        Some(w) if rule.when_first && !quick.chain.is_empty() => {
            // The chain's operands the guard left, in turn, joined as `and` joins them: false
            // at the first false one. Those the guard decided held.
            let mut holds = Some(true);
            for (k, o) in quick.chain.iter().enumerate().skip(decided) {
                let v = ev.eval(o, env).map_err(|e| Box::new((e, w.clone())))?;
                holds = eval::join(true, holds, logic(&v));
                if holds == Some(false) {
                    return shut(k, &mut trace);
                }
            }
            if holds.is_none() {
                return silent(&mut trace, || {
                    format!("不适用：when 为空（{}）", when_text())
                });
            }
        }
        _ if rule.when_first && !guard.is_some_and(|g| g.whole) => {
            if let Some(why) = decide(env)? {
                return silent(&mut trace, || {
                    format!("不适用：when {why}（{}）", when_text())
                });
            }
        }
        _ => {}
    }
    // A traced rule shows its values: it is not decided on the texts.
    if let (Some(t), None) = (&quick.texts, &trace) {
        if t.passes(env) {
            return Ok(Applied::Silent);
        }
    }
    // Which `let` values are bound, as bits (`LetSteps` holds at most 64).
    let mut bound = 0u64;
    if let (Some(steps), Some(w)) = (&quick.let_steps, &rule.when) {
        // Operand by operand, each after the values it needs, joined as `and` joins them.
        let mut holds = Some(true);
        for (first, operand) in &steps.steps {
            for &i in first {
                if !bind_let(rule, i, ev, env, &mut trace)? {
                    return Ok(Applied::Silent);
                }
                bound |= 1 << i;
            }
            let v = ev
                .eval(operand, env)
                .map_err(|e| Box::new((e, w.clone())))?;
            holds = eval::join(true, holds, logic(&v));
            if holds == Some(false) {
                return silent(&mut trace, || {
                    format!("不适用：when 不成立（{}）", when_text())
                });
            }
        }
        if holds.is_none() {
            return silent(&mut trace, || {
                format!("不适用：when 为空（{}）", when_text())
            });
        }
    }
    for i in 0..rule.lets.len() {
        if bound & (1 << i) == 0 && !bind_let(rule, i, ev, env, &mut trace)? {
            return Ok(Applied::Silent);
        }
    }
    if !rule.when_first && quick.let_steps.is_none() {
        if let Some(why) = decide(env)? {
            return silent(&mut trace, || {
                format!("不适用：when {why}（{}）", when_text())
            });
        }
    }
    let fail = |e| Box::new((e, rule.assert.clone()));
    let holds = match &quick.assert {
        Some(t) => Some(t.holds(&ev.eval(&t.operand, env).map_err(fail)?)),
        None => logic(&ev.eval(&rule.assert.node, env).map_err(fail)?),
    };
    match holds {
        None => silent(&mut trace, || {
            format!("不适用：assert 为空（{}）", rule.assert.text)
        }),
        Some(true) => Ok(Applied::Silent),
        Some(false) => Ok(Applied::Found),
    }
}

/// The finding of a rule whose `assert` failed on an item, its `let` values bound in `env`:
/// its message, labels and fix, on this item's cells, pushed onto `found`. The message is
/// `known` if it is remembered ([`Verdicts::message`]); one worded here is remembered.
fn finding<'r: 'a, 'a>(
    run: &RuleRun<'r, 'a>,
    item: &Item<'a>,
    env: &mut Env<'r, 'a>,
    found: &mut Vec<Diagnostic>,
    known: Option<String>,
    verdicts: &mut Verdicts,
) -> Result<Applied, Failure> {
    let (rule, ev) = (run.rule, &run.ev);
    let message = match known {
        Some(message) => message,
        None => {
            let message = word(rule, ev, env)?;
            verdicts.keep_message(run.index, &message);
            message
        }
    };
    let primary = match &rule.primary {
        Some(l) => place(ev, l, item, env)?.into_iter().next(),
        None => None,
    }
    .unwrap_or_else(|| (item.at, rule.summary.as_str().into()));
    let mut d = Diagnostic {
        code: rule.code.clone(),
        origin: rule.origin.clone(),
        severity: run.settings.severity_of(rule),
        message,
        primary: Label::new(primary.0, primary.1),
        secondary: Vec::new(),
        form: item.form.and_then(FormCtx::shared_name),
        fix: None,
    };
    if let Some(f) = &rule.fix {
        let at = ev
            .eval(&f.at.node, env)
            .map_err(|e| Box::new((e, f.at.clone())))?;
        let with = ev
            .eval(&f.replace.node, env)
            .map_err(|e| Box::new((e, f.replace.clone())))?;
        // An edit of a text replaces it where it is written as read, byte for byte: a value
        // written over lines (a YAML scalar folded) is read with its line breaks as spaces,
        // and an edit of its text would lose them, or the indentation that keeps the file's
        // structure. (A number's edit replaces it however it is written.)
        let written = at.span().filter(|s| match &at.val {
            Val::Str(_) | Val::Value(_) => s.len() == at.display().len(),
            _ => true,
        });
        if let (Some(span), false) = (written, with.is_null()) {
            d.fix = Some(Box::new(Fix {
                safe: f.safe,
                description: f.description.clone(),
                edits: vec![Edit {
                    span,
                    text: with.display(),
                }],
            }));
        }
    }
    // Gathered on the stack, then kept at their number as long as the file's findings are:
    // grown by pushes, the labels were allocated, grown and shrunk again on most findings.
    let mut secondary: Labels = SmallVec::new();
    for l in &rule.secondary {
        for (span, text) in place(ev, l, item, env)? {
            if span != d.primary.span {
                secondary.push(Label::new(span, text));
            }
        }
    }
    match item.what {
        What::Row(h) => label_columns(&d.primary, &mut secondary, h),
        What::Pair(i, a) => {
            label_columns(&d.primary, &mut secondary, i);
            label_columns(&d.primary, &mut secondary, a);
        }
        _ => {}
    }
    d.secondary = Vec::with_capacity(secondary.len());
    d.secondary.extend(secondary);
    found.push(d);
    Ok(Applied::Found)
}

/// The message of `rule`'s finding, its `let` values bound in `env`.
fn word<'r: 'a, 'a>(
    rule: &'r Rule,
    ev: &Evaluator<'a>,
    env: &mut Env<'r, 'a>,
) -> Result<String, Failure> {
    // A message is a Chinese sentence of some 30 to 80 characters, kept as long as the
    // file's findings are (15,000 in a 10 MB file), so it keeps no slack. It is written in
    // the run's scratch buffer, then copied out at its size: grown from empty it was
    // reallocated three or four times, and shrunk to fit once written it was reallocated
    // once more on every finding.
    let mut scratch = env.take_scratch();
    scratch.clear();
    for part in &rule.message {
        match part {
            Part::Text(t) => scratch.push_str(t),
            Part::Expr(c) => {
                let v = ev.eval(&c.node, env);
                let v = v.map_err(|e| Box::new((e, c.clone())))?;
                let from = scratch.len();
                v.write_display(&mut scratch);
                quote_from(&mut scratch, from);
            }
        }
    }
    let message = scratch.as_str().to_owned();
    env.put_scratch(scratch);
    Ok(message)
}

/// Binds `rule`'s `let` value `i` in `env`: false if it is null, and the rule silent.
fn bind_let<'r: 'a, 'a>(
    rule: &'r Rule,
    i: usize,
    ev: &Evaluator<'a>,
    env: &mut Env<'r, 'a>,
    trace: &mut Option<&mut Tracer>,
) -> Result<bool, Failure> {
    let (name, c) = (&rule.lets[i].name, &rule.lets[i].expr);
    let v = ev
        .eval(&c.node, env)
        .map_err(|e| Box::new((e, c.clone())))?;
    if let Some(t) = trace.as_deref_mut() {
        t.values.push((name.clone(), v.display()));
    }
    if v.is_null() {
        silent(trace, || format!("不适用：{name} 为空（{}）", c.text))?;
        return Ok(false);
    }
    env.push(name.as_str(), v);
    Ok(true)
}

/// Labels the comparator and unit columns a value was read with (`≥ | 35 | 公里`), when the
/// finding points into its 指标值 cell: the message quotes `≥35公里`, and the reader should
/// see where the `≥` and the `公里` came from, not only the bare number underlined.
fn label_columns(primary: &Label, secondary: &mut Labels, h: &HalfCtx<'_>) {
    let (Some(written), Some(cell)) = (h.written.as_deref(), h.half.value.get()) else {
        return;
    };
    let at = h.half.value.span;
    let inside = |s: Span| s.start() >= at.start() && s.end() <= at.end();
    if !inside(primary.span) && !secondary.iter().any(|l| inside(l.span)) {
        return;
    }
    let read = super::eval::read_with(h.half, written, cell);
    let column = |(label, c): &crate::model::ExtraCell| (c.span, label.to_string());
    let places = [
        read.cmp.map(column),
        read.unit.map(|u| match u {
            UnitFrom::Column(c) => column(c),
            UnitFrom::Name(unit) => (h.half.name.span, format!("名称写明单位“{unit}”")),
        }),
    ];
    for (span, text) in places.into_iter().flatten() {
        if !secondary.iter().any(|l| l.span == span) {
            secondary.push(Label::new(span, text));
        }
    }
}

/// A finding's secondary labels while it is made: most have one to three.
type Labels = SmallVec<[Label; 4]>;

/// Where a label expression lands: one place per cell it evaluates to (most often one, held
/// inline).
fn place<'r: 'a, 'a>(
    ev: &Evaluator<'a>,
    l: &'r LabelExpr,
    item: &Item<'a>,
    env: &mut Env<'r, 'a>,
) -> Result<SmallVec<[(Span, Shared); 2]>, Failure> {
    let on_row = match (&l.on_row, &item.what) {
        (Some(t), What::Row(h)) if ev.row_tests => t.value(h),
        _ => None,
    };
    let v = match on_row {
        Some(v) => v,
        None => ev
            .eval(&l.expr.node, env)
            .map_err(|e| Box::new((e, l.expr.clone())))?,
    };
    // Read where they are: a list's cells are not copied out of it first.
    let items: &[V<'a>] = match &v.val {
        Val::List(items) => items,
        _ => std::slice::from_ref(&v),
    };
    Ok(items
        .iter()
        .filter_map(|v| {
            let span = v.span()?;
            let label = l.label.clone();
            Some((span, label.unwrap_or_else(|| quoted(&v.display()).into())))
        })
        .collect())
}

fn rule_error(rule: &Rule, e: &EvalError, expr: Compiled, item: &Item<'_>) -> RuleError {
    let span = expr.span(e.start, e.end);
    let form = item.form.and_then(|f| f.form.display_name()).unwrap_or("");
    RuleError {
        code: rule.code.to_string(),
        pack: rule.pack().to_owned(),
        diagnostic: Diagnostic::new(
            &codes::RULE_EVALUATION,
            format!(
                "规则 {} 在“{}”的{}上运行出错：{}",
                rule.code,
                quoted(form),
                item.what.describe(),
                e.message
            ),
            Label::new(span, "出错的表达式"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;

    fn disclosure() -> Document {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        );
        crate::ingest::read_path(std::path::Path::new(path)).document
    }

    /// Rules that bind the same `let` text share its value per item (`memo`): together they
    /// must find what each finds alone. The cost and completeness packs bind their row filters
    /// in several rules, and some forms of the disclosure have findings from each.
    #[test]
    fn rules_sharing_a_let_find_what_each_finds_alone() {
        let doc = disclosure();
        let set = RuleSet::builtin();
        let sharing: Vec<&Rule> = set
            .rules()
            .filter(|r| ["C001", "C004", "K001", "K002", "K003"].contains(&r.code.as_str()))
            .collect();
        assert_eq!(sharing.len(), 5);
        let settings = Settings::default();
        let found = |rules: &[&Rule]| -> Vec<String> {
            let ctx = DocCtx::new(&doc);
            let mut d: Vec<String> = run_ctx(&ctx, rules, &settings, None)
                .diagnostics
                .iter()
                .map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message))
                .collect();
            d.sort();
            d
        };
        let mut alone: Vec<String> = sharing.iter().flat_map(|r| found(&[*r])).collect();
        alone.sort();
        for code in ["C001", "K001", "K002"] {
            assert!(
                alone.iter().any(|d| d.starts_with(code)),
                "{code} finds something"
            );
        }
        assert_eq!(found(&sharing), alone);
    }

    /// Values kept for an item's other rules (`memo`), the engine's shortcuts and the passes
    /// remembered by row (`verdict`) change nothing: every built-in rule, run over the
    /// disclosure with the values kept, the shortcuts taken, rows decided by the lambdas'
    /// compiled tests (`rowtest`) and rows passed before skipped,
    /// finds exactly what it finds when the same packs are loaded without slots and every
    /// expression is evaluated node by node on every row (each finding whole: message,
    /// labels, fix), and the traces of rules with shortcuts are the same line for line.
    #[test]
    fn kept_values_change_no_finding() {
        let doc = disclosure();
        let linked = RuleSet::builtin();
        let unlinked: Vec<crate::rules::Pack> = crate::rules::BUILTIN
            .iter()
            .map(|(path, text)| {
                crate::rules::pack::load(path, text).unwrap_or_else(|_| panic!("{path} loads"))
            })
            .collect();
        let slots = |rules: &mut dyn Iterator<Item = &Rule>| -> usize {
            fn count(n: &crate::rules::expr::Node) -> usize {
                let me = usize::from(n.slot != crate::rules::expr::NO_SLOT);
                me + n.children().into_iter().map(count).sum::<usize>()
            }
            rules
                .map(|r| count(&r.assert.node) + r.when.as_ref().map_or(0, |w| count(&w.node)))
                .sum()
        };
        assert!(
            slots(&mut linked.rules()) > 20,
            "the built-in packs share values"
        );
        assert_eq!(slots(&mut unlinked.iter().flat_map(|p| &p.rules)), 0);
        let quick = Settings::default();
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        let found = |rules: Vec<&Rule>, settings: &Settings| -> Vec<String> {
            let out = run(&doc, &rules, settings, None);
            assert!(out.errors.is_empty());
            let mut d: Vec<String> = out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            d.sort();
            d
        };
        let kept = found(linked.rules().collect(), &quick);
        assert!(kept.len() > 500);
        assert_eq!(
            kept,
            found(unlinked.iter().flat_map(|p| &p.rules).collect(), &slow)
        );
        // Traced: rules guarded by one comparison (V007), by two that are the whole `when`
        // (V011), by alternatives (V006), by alternatives over two values (V022), by two
        // comparisons with more after them (C002), and rules whose `assert` compares with a
        // text (V001, with findings in the disclosure) or with null (V005), and a rule over
        // pairs decided on its texts untraced (V016).
        for code in [
            "V007", "V011", "V006", "V022", "C002", "V001", "V005", "V016",
        ] {
            let traced = |rules: Vec<&Rule>, settings: &Settings| -> Vec<String> {
                let out = run(&doc, &rules, settings, Some(code));
                out.trace.iter().map(|t| format!("{t:?}")).collect()
            };
            let with = traced(linked.rules().collect(), &quick);
            assert!(with.len() > 100, "{code}");
            assert_eq!(
                with,
                traced(unlinked.iter().flat_map(|p| &p.rules).collect(), &slow),
                "{code}"
            );
        }
    }

    /// A remembered finding's message is the one its rule would word again, with its labels
    /// placed on the row it is on, whether they read a `let` value (W001) or the row (W002):
    /// on the disclosure's repeated 满意度 rows, the findings are those node-by-node
    /// evaluation makes.
    #[test]
    fn remembered_messages_change_no_finding() {
        let pack = r#"name: words
title: 词
description: 词
rules:
  - code: W001
    name: labelled-by-let
    severity: warning
    summary: 词
    rationale: 词
    over: row
    let: {v: row.value, t: row.text}
    when: 'row.level2 == "服务对象满意度指标"'
    assert: t == null
    message: '“{t}”'
    primary: {at: v, label: 值}
    help: 词
  - code: W002
    name: labelled-by-row
    severity: warning
    summary: 词
    rationale: 词
    over: row
    let: {t: row.text}
    when: 'row.level2 == "服务对象满意度指标"'
    assert: t == null
    message: '{row.period}“{row.name}”：“{t}”'
    primary: {at: row.value, label: 值}
    help: 词
"#;
        let doc = disclosure();
        let mut set = RuleSet::default();
        set.add("words.yaml", pack);
        assert!(set.broken.is_empty());
        let rules: Vec<&Rule> = ["W001", "W002"]
            .iter()
            .map(|c| set.rule(c).expect("loaded"))
            .collect();
        let found = |settings: &Settings| {
            let out = run(&doc, &rules, settings, None);
            let errors: Vec<String> = out.errors.iter().map(|e| format!("{e:?}")).collect();
            let mut found: Vec<String> = out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            found.sort();
            (found, errors)
        };
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        super::super::verdict::forget();
        let quick = found(&Settings::default());
        assert!(quick.1.is_empty(), "{:?}", quick.1);
        assert!(quick.0.len() > 200, "{}", quick.0.len());
        assert_eq!(quick, found(&slow));
    }

    /// The rules a row's memory knows to pass it are left out of its scope's list at once
    /// where the scope has at most 64 rules (`Verdicts::known_places`), one at a time past
    /// that: either way, with the memory warm, the findings are node-by-node evaluation's,
    /// in the same order.
    #[test]
    fn rules_known_to_pass_are_left_out_in_scopes_of_any_size() {
        let levels = [
            "数量指标",
            "质量指标",
            "时效指标",
            "成本指标",
            "社会效益指标",
        ];
        let doc = disclosure();
        for n in [5, 64, 66] {
            let mut pack = String::from("name: many\ntitle: 多\ndescription: 多\nrules:\n");
            for k in 0..n {
                let level = levels[k % levels.len()];
                pack += &format!(
                    "  - {{code: M{k:03}, name: m{k}, severity: warning, summary: 多, rationale: 多, \
                     over: row, assert: 'row.level2 != \"{level}\"', message: '{{row.name}}', help: 多}}\n"
                );
            }
            let mut set = RuleSet::default();
            set.add("many.yaml", &pack);
            assert!(set.broken.is_empty(), "{:?}", set.broken);
            let rules: Vec<&Rule> = (0..n)
                .map(|k| set.rule(&format!("M{k:03}")).expect("loaded"))
                .collect();
            let found = |settings: &Settings| {
                let out = run(&doc, &rules, settings, None);
                assert!(out.errors.is_empty());
                out.diagnostics
                    .iter()
                    .map(|d| format!("{d:?}"))
                    .collect::<Vec<String>>()
            };
            let slow = found(&Settings {
                node_by_node: true,
                ..Settings::default()
            });
            assert!(slow.len() > 100 * n / levels.len(), "{n}: {}", slow.len());
            super::super::verdict::forget();
            assert_eq!(found(&Settings::default()), slow, "{n} rules, memory cold");
            assert_eq!(found(&Settings::default()), slow, "{n} rules, memory warm");
        }
    }

    /// A form gate is the leading operands of a `when` over rows, pairs or funds that read
    /// the form alone; decided once a form, it finds what the `when` decided on every item
    /// finds, and an error in it is still reported.
    #[test]
    fn form_gates_are_decided_once_a_form_and_change_no_finding() {
        let set = RuleSet::builtin();
        let gate = |code: &str| {
            let rule = set.rule(code).expect("a built-in rule");
            let when = rule.when.as_ref()?;
            let g = rule.quick.form_gate.as_ref()?;
            Some(when.text[g.start..g.end].to_owned())
        };
        // The whole `when`, and the first of four operands.
        assert_eq!(gate("F007").as_deref(), Some("form.period_years == 1"));
        assert_eq!(gate("F008").as_deref(), Some("form.period_years > 1"));
        // The form is read last (V010), or the rule is over forms (F003): no gate.
        assert_eq!(gate("V010"), None);
        assert_eq!(gate("F003"), None);
        assert_eq!(gate("V007"), None);

        let pack = |when: &str| {
            format!(
                r#"name: gates
title: 门
description: 门
rules:
  - code: G001
    name: gated
    severity: warning
    summary: 门
    rationale: 门
    over: row
    when: '{when}'
    assert: row.text == null
    message: '{{row.name}}'
    help: 门
"#
            )
        };
        let doc = disclosure();
        let found = |when: &str, settings: &Settings| {
            let mut set = RuleSet::default();
            set.add("gates.yaml", &pack(when));
            assert!(set.broken.is_empty(), "{when}");
            let rule = set.rule("G001").expect("G001");
            let out = run(&doc, &[rule], settings, None);
            let errors: Vec<String> = out.errors.iter().map(|e| format!("{e:?}")).collect();
            let found: Vec<String> = out.diagnostics.iter().map(|d| format!("{d:?}")).collect();
            (found, errors, rule.quick.form_gate.is_some())
        };
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        // Shut on the disclosure's one-year forms, open on the others.
        let when = r#"form.period_years > 1 and row.level2 == "数量指标""#;
        let (gated, errors, has_gate) = found(when, &Settings::default());
        assert!(has_gate && errors.is_empty());
        assert!(gated.len() > 10, "{}", gated.len());
        assert_eq!((gated, errors), {
            let (f, e, _) = found(when, &slow);
            (f, e)
        });
        // An error in the gate (an amount times the largest decimal overflows) is the rule's
        // error, as it was.
        let when = r#"form.funds.annual.total * 79228162514264337593543950335 > 0 and row.level2 == "数量指标""#;
        let (_, errors, has_gate) = found(when, &Settings::default());
        assert!(has_gate);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("数值溢出"), "{errors:?}");
    }

    /// A rule that reads its form is remembered by the row cells its `when` begins with, and
    /// only where those operands shut it. G003 shares G002's values, so they are kept and
    /// G002's guard is made (`Guard`); G002 runs alone. Its `when` reads a row's period and
    /// 二级指标 before the form, so every annual 数量指标 row of the disclosure has one key;
    /// the `assert` passes on its one-year forms and fails on the others. Were a pass by the
    /// `assert` kept, every such row after the first one-year form's would be skipped, and the
    /// findings on later forms lost.
    #[test]
    fn a_rule_remembered_where_its_when_shut_it_still_finds_on_every_form() {
        let text = r#"name: guarded
title: 守
description: 守
rules:
  - code: G002
    name: guarded
    severity: warning
    summary: 守
    rationale: 守
    over: row
    when: 'row.period == "年度" and row.level2 == "数量指标" and form.period_years != null'
    assert: form.period_years == 1
    message: '{row.name}'
    help: 守
  - code: G003
    name: sharing
    severity: warning
    summary: 守
    rationale: 守
    over: row
    when: 'row.period == "年度" and row.level2 == "数量指标"'
    assert: row.name != null
    message: '{row.name}'
    help: 守
"#;
        let mut set = RuleSet::default();
        set.add("guarded.yaml", text);
        assert!(set.broken.is_empty());
        let rule = set.rule("G002").expect("G002");
        assert!(super::super::verdict::reads(rule).is_none());
        assert!(super::super::verdict::lead_reads(rule).is_some());
        let doc = disclosure();
        let found = |settings: &Settings| {
            let out = run(&doc, &[rule], settings, None);
            assert!(out.errors.is_empty());
            (out.diagnostics.iter())
                .map(|d| format!("{d:?}"))
                .collect::<Vec<String>>()
        };
        let quick = found(&Settings::default());
        // Run twice: the second run starts from what the first remembered.
        assert_eq!(found(&Settings::default()), quick);
        let forms = |found: &[String]| -> std::collections::BTreeSet<String> {
            found
                .iter()
                .filter_map(|d| d.split("form: Some(").nth(1))
                .map(|f| f.split(')').next().unwrap_or_default().to_owned())
                .collect()
        };
        assert!(forms(&quick).len() > 10, "{}", forms(&quick).len());
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        assert_eq!(quick, found(&slow));
    }

    /// A `when` decided before the `let`s is evaluated by the engine operand by operand, from
    /// the first its guard left: false at the first false operand, empty if any was empty and
    /// none false, an error where the expression raises it. Each `when` here, over the
    /// disclosure, finds, fails and traces as it does evaluated node by node: after a guard
    /// of two comparisons, with an empty operand before a true and a false one, with an error
    /// after a guard, without a guard, and as one operand.
    #[test]
    fn a_when_decided_operand_by_operand_is_the_expression() {
        let whens = [
            r#"row.period == "年度" and row.level2 == "数量指标" and form.period_years > 1"#,
            r#"row.level2 == "数量指标" and row.value.amount > 1000 and row.text != null"#,
            r#"row.level2 == "数量指标" and row.value.amount > 1000 and row.text == null"#,
            r#"row.level2 == "数量指标" and form.funds.annual.total * 79228162514264337593543950335 > 0"#,
            r#"row.value.amount > 5 and row.level2 == "数量指标" and row.period == "年度""#,
            r#"row.value.amount > 5 or form.year == 2025"#,
        ];
        let mut text = String::from("name: chain\ntitle: 链\ndescription: 链\nrules:\n");
        for (i, when) in whens.iter().enumerate() {
            text.push_str(&format!(
                "  - {{code: H{i:03}, name: h{i}, severity: warning, summary: 链, rationale: 链, \
                 over: row, when: '{when}', assert: row.name == null, message: '{{row.name}}', \
                 help: 链}}\n"
            ));
        }
        let mut set = RuleSet::default();
        set.add("chain.yaml", &text);
        assert!(set.broken.is_empty(), "{:?}", set.broken);
        let doc = disclosure();
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        for i in 0..whens.len() {
            let code = format!("H{i:03}");
            let rule = set.rule(&code).expect("loaded");
            let outcome = |settings: &Settings, trace: Option<&str>| {
                let out = run(&doc, &[rule], settings, trace);
                fn show<T: std::fmt::Debug>(v: &[T]) -> Vec<String> {
                    v.iter().map(|x| format!("{x:?}")).collect()
                }
                (show(&out.diagnostics), show(&out.errors), show(&out.trace))
            };
            let quick = outcome(&Settings::default(), None);
            assert_eq!(quick, outcome(&slow, None), "{code}");
            assert_eq!(
                outcome(&Settings::default(), Some(&code)),
                outcome(&slow, Some(&code)),
                "{code} traced"
            );
            match i {
                // Every row has a text: false after the empty operand, or after a true one.
                2 => assert!(quick.0.is_empty() && quick.1.is_empty(), "{quick:?}"),
                // The overflow is the rule's error, once.
                3 => assert_eq!(quick.1.len(), 1, "{:?}", quick.1),
                _ => assert!(
                    quick.0.len() > 10 && quick.1.is_empty(),
                    "{code}: {quick:?}"
                ),
            }
        }
        // The guard decided the first two operands of the first `when`.
        let first = set.rule("H000").expect("H000");
        assert_eq!(first.quick.when.as_ref().map(|g| g.tests.len()), Some(2));
    }

    /// A `when` that reads `let` values is decided operand by operand, each after the values
    /// it needs (`LetSteps`): over the disclosure, each rule here finds what it finds with every
    /// value computed first, including where a value it needs is null; a value no operand
    /// needs is computed only where `when` holds, so its error is raised only there; and rules
    /// whose values could be bound differently in another order keep the pack's order.
    #[test]
    fn a_when_that_reads_let_values_binds_them_as_it_needs_them() {
        // A rule over forms, its fixed fields filled in.
        let rule = |code: &str, lets: &[(&str, &str)], when: &str, assert: &str, message: &str| {
            let lets: String = lets
                .iter()
                .map(|(n, e)| format!("      {n}: {e}\n"))
                .collect();
            let name = code.to_lowercase();
            format!(
                "  - code: {code}\n    name: {name}\n    severity: warning\n    summary: 步\n    \
                 rationale: 步\n    over: form\n    let:\n{lets}    when: {when}\n    \
                 assert: {assert}\n    message: '{message}'\n    help: 步\n"
            )
        };
        let text = [
            "name: steps\ntitle: 步\ndescription: 步\nrules:\n".to_owned(),
            rule(
                "L000",
                &[
                    ("years", "form.period_years"),
                    (
                        "counts",
                        r#"'filter(form.annual_rows, r => r.level2 == "数量指标")'"#,
                    ),
                    ("first_count", "first(counts)"),
                    (
                        "costs",
                        r#"'filter(form.annual_rows, r => r.level2 == "成本指标")'"#,
                    ),
                ],
                "years == 1 and count(counts) > 1 and first_count.value.amount > 10",
                "count(costs) > 1",
                "{count(costs)}",
            ),
            rule(
                "L001",
                &[
                    ("years", "form.period_years"),
                    (
                        "broken",
                        "form.funds.annual.total * 79228162514264337593543950335",
                    ),
                ],
                "years == 1000",
                "broken == null",
                "步",
            ),
            rule(
                "L002",
                &[("named", "form.name"), ("form", "1")],
                "named != null and form == 1",
                "named == null",
                "{named}",
            ),
        ]
        .concat();
        let text = text.as_str();
        let mut set = RuleSet::default();
        set.add("steps.yaml", text);
        assert!(set.broken.is_empty(), "{:?}", set.broken);
        let doc = disclosure();
        let slow = Settings {
            node_by_node: true,
            ..Settings::default()
        };
        let outcome = |code: &str, settings: &Settings| {
            let rule = set.rule(code).expect("loaded");
            let out = run(&doc, &[rule], settings, Some(code));
            let show = |v: &[_]| -> Vec<String> { v.iter().map(|x| format!("{x:?}")).collect() };
            (show(&out.diagnostics), out.errors.len(), out.trace)
        };
        // L000: found where every value was computed first, on the one-year forms only.
        let (quick, errors, trace) = outcome("L000", &Settings::default());
        let (found, slow_errors, slow_trace) = outcome("L000", &slow);
        assert_eq!((&quick, errors), (&found, slow_errors));
        assert!(quick.len() > 5 && errors == 0, "{}", quick.len());
        let values = |t: &[TraceLine]| -> usize { t.iter().map(|l| l.values.len()).sum() };
        // Some 100 of the 224 forms are one-year forms: 479 values against 890.
        assert!(values(&trace) < values(&slow_trace) * 3 / 5);
        // On a form whose 项目期 is not one year, `years` alone was computed.
        let longer = |l: &&TraceLine| {
            l.outcome.starts_with("不适用：when 不成立")
                && l.values.first().is_some_and(|v| v.1 != "1")
        };
        let other = trace.iter().find(longer).expect("a longer form");
        assert_eq!(other.values.len(), 1);
        assert_eq!(other.values[0].0, "years");
        // L001: `broken` overflows on every form with funds, but it is computed only where
        // `when` holds, which is nowhere (a 项目期 of 1000 years is not read as years).
        assert_eq!(outcome("L001", &Settings::default()).1, 0);
        assert_eq!(outcome("L001", &slow).1, 1);
        // L002: `named` reads `form`, which a later value binds: the pack's order is kept.
        let rule = set.rule("L002").expect("loaded");
        assert!(LetSteps::of(rule).is_none());
        assert!(rule.quick.let_steps.is_none());
        let (quick, errors, trace) = outcome("L002", &Settings::default());
        let (found, slow_errors, slow_trace) = outcome("L002", &slow);
        assert_eq!((quick, errors), (found, slow_errors));
        assert_eq!(values(&trace), values(&slow_trace));
        // Among the built-in packs: C001 and C004 ask first about the cost, F004 about the year.
        let builtin = RuleSet::builtin();
        for code in ["C001", "C004", "F004", "K001"] {
            let rule = builtin.rule(code).expect("built in");
            assert!(rule.quick.let_steps.is_some(), "{code}");
        }
    }

    /// Which rules a guard decides first: those whose `when` starts with a kept value
    /// compared with texts, before any `let`.
    #[test]
    fn guards_take_a_when_that_starts_with_a_kept_value_compared_with_texts() {
        let set = RuleSet::builtin();
        let guard = |code: &str| {
            // As linking the packs kept it with the rule.
            let rule = set.rule(code).expect("a built-in rule");
            rule.quick.when.as_ref().map(|g| {
                let texts: Vec<Vec<&str>> = g
                    .tests
                    .iter()
                    .map(|keys| {
                        (keys.iter())
                            .flat_map(|(_, t)| t.iter().map(String::as_str))
                            .collect()
                    })
                    .collect();
                (texts, g.whole)
            })
        };
        assert_eq!(guard("V007"), Some((vec![vec!["时效指标"]], true)));
        assert_eq!(
            guard("V006"),
            Some((vec![vec!["成本指标", "经济成本指标"]], true))
        );
        // Both operands of the `and` are comparisons of kept values.
        assert_eq!(
            guard("V011"),
            Some((vec![vec!["服务对象满意度指标"], vec!["percent"]], true))
        );
        // Two leading comparisons, then more.
        assert_eq!(
            guard("C002"),
            Some((vec![vec!["年度"], vec!["成本指标"]], false))
        );
        // A disjunction over two kept values (the 二级指标, then the 一级 it belongs to), then
        // more.
        assert_eq!(
            guard("V022"),
            Some((vec![vec!["质量指标", "效益指标"]], false))
        );
        let v022 = set.rule("V022").and_then(|r| r.quick.when.as_ref());
        assert_eq!(v022.map(|g| g.tests[0].len()), Some(2), "two keys");
        // No `when`.
        assert_eq!(guard("V001"), None);
        // Loaded without slots, nothing is known to be kept: no guard.
        let (path, text) = crate::rules::BUILTIN
            .iter()
            .find(|(p, _)| p.ends_with("values.yaml"))
            .expect("the values pack");
        let bare = crate::rules::pack::load(path, text).expect("loads");
        let v007 = bare.rules.iter().find(|r| r.code == "V007").expect("V007");
        assert!(Guard::of(v007).is_none());
        assert!(v007.quick.when.is_none() && v007.quick.assert.is_none());
    }

    /// A pass ends at 64 forms or at the form that takes it to 2,048 rows, whichever comes
    /// first, and never inside a form: a file of long joined forms holds a few at a time.
    #[test]
    fn passes_end_at_a_form_or_row_budget() {
        use crate::model::{Form, FormKind, IndicatorRow, Span};
        let form = |rows: usize| {
            let mut f = Form::empty(FormKind::Project, Span::default());
            f.indicators = (0..rows)
                .map(|_| IndicatorRow {
                    span: Span::default(),
                    implementation: None,
                    annual: None,
                })
                .collect();
            f
        };
        assert_eq!(pass_ends_at(&[], 64), Vec::<usize>::new());
        let short: Vec<Form> = (0..130).map(|_| form(10)).collect();
        assert_eq!(pass_ends_at(&short, 64), [64, 128, 130]);
        assert_eq!(pass_ends_at(&short[..32], 16), [16, 32]);
        // 2,000 rows, then 48 more reach the budget: the pass ends after that form.
        let long = [form(2_000), form(47), form(1), form(5_000), form(3)];
        assert_eq!(pass_ends_at(&long, 64), [3, 4, 5]);
        let one = [form(0)];
        assert_eq!(pass_ends_at(&one, 64), [1]);
    }

    /// A block of forms the reader hands over is shared among the threads (a large file is
    /// linted alone, and its blocks were each judged on one thread), in passes neither
    /// smaller than the least worth setting up nor larger than the most a pass holds.
    #[test]
    fn a_block_of_forms_is_shared_among_the_threads() {
        assert_eq!(
            forms_per_pass(32, 2),
            16,
            "the reader's block on two threads"
        );
        assert_eq!(forms_per_pass(32, 1), 32);
        assert_eq!(forms_per_pass(256, 4), 64);
        assert_eq!(forms_per_pass(10_000, 2), FORMS_PER_PASS);
        assert_eq!(forms_per_pass(20, 8), FORMS_PER_PASS_MIN);
        assert_eq!(forms_per_pass(1, 2), FORMS_PER_PASS_MIN);
    }

    /// Per-form rules run a few forms at a time, in parallel; what they find must be what one
    /// pass over the whole document finds (in another order, which `lint` sorts), and a
    /// traced rule's lines must come in the same order.
    #[test]
    fn passes_of_forms_find_what_one_pass_finds() {
        let doc = disclosure();
        assert!(
            doc.forms.len() > 3 * FORMS_PER_PASS,
            "enough forms for several passes"
        );
        let set = RuleSet::builtin();
        let rules: Vec<&Rule> = set.rules().collect();
        let settings = Settings::default();
        let key = |o: &Outcome| {
            let mut d: Vec<String> = o
                .diagnostics
                .iter()
                .map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message))
                .collect();
            d.sort();
            d
        };
        let passes = run(&doc, &rules, &settings, None);
        let whole = run_ctx(&DocCtx::new(&doc), &rules, &settings, None);
        assert!(passes.diagnostics.len() > 500);
        assert_eq!(key(&passes), key(&whole));
        assert!(passes.errors.is_empty());
        // A traced rule's lines come in form order either way.
        let traced = |o: Outcome| -> Vec<(Option<String>, String)> {
            o.trace.into_iter().map(|t| (t.form, t.item)).collect()
        };
        let c001: Vec<&Rule> = set.rules().filter(|r| r.code == "C001").collect();
        assert_eq!(
            traced(run(&doc, &c001, &settings, Some("C001"))),
            traced(run_ctx(&DocCtx::new(&doc), &c001, &settings, Some("C001")))
        );
        // Three times the forms: passes in more than one window, merged window by window.
        let mut triple = doc.clone();
        let forms = triple.forms.clone();
        for _ in 0..2 {
            triple.forms.extend(forms.iter().cloned());
        }
        assert!(pass_ends_at(&triple.forms, FORMS_PER_PASS).len() > PASSES_PER_WINDOW);
        let windows = run(&triple, &rules, &settings, None);
        assert!(windows.diagnostics.len() > 2 * passes.diagnostics.len());
        assert_eq!(
            key(&windows),
            key(&run_ctx(&DocCtx::new(&triple), &rules, &settings, None))
        );
    }

    /// A reader's hook sees each form once, after the pass it was judged in: forms whose rows
    /// it lets go were judged with their rows, so the findings are those of `run_forms`, in
    /// the same order. With no rule to run it still sees every form.
    #[test]
    fn forms_are_let_go_after_their_pass() {
        let doc = disclosure();
        let set = RuleSet::builtin();
        let per_form: Vec<&Rule> = set.rules().filter(|r| r.over.per_form()).collect();
        let settings = Settings::default();
        let listed = |o: &Outcome| -> Vec<String> {
            o.diagnostics
                .iter()
                .map(|d| format!("{} {:?} {}", d.code, d.primary.span, d.message))
                .collect()
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads");
        let want = pool.install(|| run_forms(&doc, &doc.forms, &per_form, &settings, None, 2));
        assert!(want.diagnostics.len() > 500);
        for rules in [&per_form[..], &[]] {
            let mut forms = doc.forms.clone();
            let seen = std::sync::Mutex::new(Vec::new());
            let let_go = |part: &mut [crate::model::Form]| {
                let mut seen = seen.lock().expect("no hook panicked");
                for f in part.iter_mut() {
                    seen.push((f.span, std::mem::take(&mut f.indicators).len()));
                }
            };
            let got = pool
                .install(|| run_forms_then(&doc, &mut forms, rules, &settings, None, 2, &let_go));
            let mut seen = seen.into_inner().expect("no hook panicked");
            // Passes run in parallel, so the hook sees them in any order.
            seen.sort_by_key(|(span, _)| span.start());
            let all: Vec<_> = doc
                .forms
                .iter()
                .map(|f| (f.span, f.indicators.len()))
                .collect();
            assert_eq!(seen, all);
            assert!(forms.iter().all(|f| f.indicators.is_empty()));
            if rules.is_empty() {
                assert!(got.diagnostics.is_empty());
            } else {
                assert_eq!(listed(&got), listed(&want));
            }
        }
        // On one thread, every pass is judged and let go on the thread that asked, here one
        // outside any pool, in order.
        let mut forms = doc.forms.clone();
        assert!(
            pass_ends(&forms, &per_form, 1).count() > 1,
            "several passes"
        );
        let here = std::thread::current().id();
        let seen = std::sync::Mutex::new(Vec::new());
        let on_this_thread = |part: &mut [crate::model::Form]| {
            assert_eq!(std::thread::current().id(), here);
            let mut seen = seen.lock().expect("no hook panicked");
            seen.extend(part.iter().map(|f| f.span));
        };
        let got = run_forms_then(
            &doc,
            &mut forms,
            &per_form,
            &settings,
            None,
            1,
            &on_this_thread,
        );
        assert_eq!(listed(&got), listed(&want));
        let seen = seen.into_inner().expect("no hook panicked");
        assert_eq!(seen, doc.forms.iter().map(|f| f.span).collect::<Vec<_>>());
    }

    /// The document rules are not set up where their scopes have no items: a scope said to
    /// have none must have none, on the disclosure (tables, projects, prose), each fixture and
    /// a file of one form cut from the disclosure.
    #[test]
    fn a_scope_said_to_be_empty_has_no_items() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut docs = vec![disclosure()];
        for entry in std::fs::read_dir(root).expect("tests/fixtures is checked out") {
            docs.push(crate::ingest::read_path(&entry.expect("a listed file").path()).document);
        }
        let whole = disclosure();
        let form = &whole.forms[5];
        let text = whole.slice(form.span).to_owned();
        docs.push(crate::ingest::read_text("one-form.txt", text, "UTF-8").document);
        let scopes = [
            Scope::Document,
            Scope::Table,
            Scope::TableRow,
            Scope::TableCell,
            Scope::Project,
            Scope::Figure,
        ];
        let mut empty = 0;
        for doc in &docs {
            let ctx = DocCtx::new(doc);
            for scope in scopes {
                let mut items = 0;
                document_items(scope, &ctx, 0..doc.tables.len(), &mut |_| items += 1);
                if !has_items(scope, &ctx) {
                    empty += 1;
                    assert_eq!(items, 0, "{scope:?} in {}", doc.path);
                }
            }
        }
        assert!(empty > 0, "some scope of some file has no items");
        let one = docs.last().expect("the one-form file");
        assert_eq!(one.forms.len(), 1);
        assert!(
            scopes[1..]
                .iter()
                .all(|&s| !has_items(s, &DocCtx::new(one))),
            "a form alone has no tables, projects or figures"
        );
    }

    /// The built-in rules over pairs that compare texts are decided on the texts when they
    /// pass (`PairTexts`); F008, which compares amounts, is not. The findings are the
    /// evaluator's either way: `kept_values_change_no_finding` runs every built-in rule both
    /// ways over the disclosure.
    #[test]
    fn rules_over_pairs_that_compare_texts_have_their_shortcut() {
        let rules = RuleSet::builtin();
        let texts = |code: &str| rules.rule(code).unwrap().quick.texts.is_some();
        assert!(texts("F007"));
        assert!(texts("V016"));
        assert!(!texts("F008"));
        assert!(!texts("V001"), "a rule over rows");
    }
}
