//! The whole pipeline for one file: ingest, type the values, run the rules. The CLI and the
//! language server both call this; neither reimplements any stage.

use crate::diagnostics::{self, codes, Diagnostic, Findings};
use crate::ingest::{self, Ingested};
use crate::model::{fingerprint, DrawnRows, Form, RowsKept, Span, Touched};
use crate::output::FileReport;
use crate::rules::pack::ParamValue;
use crate::rules::{Rule, RuleError, RuleSet, Settings, TraceLine};
use serde::Deserialize;
use std::collections::HashMap;
use std::path::Path;

/// A finding accepted on purpose: spreadsheets and text extractions cannot hold comments, so
/// suppressions live here, keyed by code and form (and optionally the cell), never by line.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    pub code: String,
    /// 项目名称 of the form.
    pub form: String,
    /// Text the finding's cell holds or its label says (`年度资金总额`, `1000人/元/学期`).
    #[serde(default)]
    pub cell: Option<String>,
    /// Why: required, so that a suppression can be audited.
    pub reason: String,
}

/// Drops one file's findings that a suppression in `list` accepts, marking in `used` the
/// suppressions that accepted one. `check` and the language server both call it, so a
/// finding accepted in `kpilint.toml` is gone from the editor as it is from the report.
pub fn suppress(list: &[Suppression], used: &mut [bool], r: &mut FileReport) {
    if list.is_empty() {
        return;
    }
    let doc = &r.document;
    r.diagnostics.retain(|d| {
        let cell = doc.slice(d.primary.span);
        let hit = list.iter().position(|s| {
            s.code.eq_ignore_ascii_case(&d.code)
                && match d.form.as_deref() {
                    // A long name is carried cut: the suppression's is cut alike.
                    Some(form) => form == diagnostics::quoted(&s.form),
                    // Findings on budget tables and prose belong to no form: the
                    // suppression names the table, code or project its message names.
                    None => !s.form.is_empty() && d.message.contains(&s.form),
                }
                && s.cell.as_deref().is_none_or(|c| {
                    cell.contains(c) || d.primary.message.contains(c) || d.message.contains(c)
                })
        });
        if let Some(i) = hit {
            used[i] = true;
        }
        hit.is_none()
    });
}

/// What is wrong with `settings` for `rules`, said as the user should read it: a misspelt
/// code or parameter would otherwise leave the rule it meant silently on, off, or as it was.
///
/// - every code named (to select, ignore, grade or give parameters to) is a rule's or a
///   reader's finding's, or a prefix of one;
/// - a severity or parameters are given by a full code (they are looked up by it: `V = "info"`
///   would change nothing);
/// - a parameter is one the rule declares, and a number where its default is one.
pub fn settings_problem(rules: &RuleSet, settings: &Settings) -> Option<String> {
    let is_code = |code: &str| rules.rule(code).is_some() || codes::find(code).is_some();
    // The tables' keys in order, so that of two mistakes the same one is said on every run.
    let mut graded: Vec<&String> = settings.severity.keys().collect();
    graded.sort();
    let mut given: Vec<_> = settings.params.iter().collect();
    given.sort_by(|a, b| a.0.cmp(b.0));
    let unknown = settings
        .select
        .iter()
        .chain(&settings.ignore)
        .chain(graded.iter().copied())
        .chain(given.iter().map(|(code, _)| *code))
        .find(|code| {
            !(rules.rules().any(|r| r.code.starts_with(code.as_str()))
                || codes::ALL.iter().any(|c| c.code.starts_with(code.as_str()))
                || code.eq_ignore_ascii_case("all"))
        });
    if let Some(code) = unknown {
        return Some(format!(
            "未知的规则代码“{code}”（kpilint rules 列出全部规则）"
        ));
    }
    if let Some(code) = graded.into_iter().find(|c| !is_code(c)) {
        return Some(format!(
            "严重程度须按完整的规则代码设置，如 V008 = \"warning\"（得到“{code}”）"
        ));
    }
    for (code, params) in given {
        let Some(rule) = rules.rule(code) else {
            return Some(format!(
                "参数须写在完整的规则代码下，如 [params.C001]（得到“{code}”）"
            ));
        };
        let mut params: Vec<_> = params.iter().collect();
        params.sort_by(|a, b| a.0.cmp(b.0));
        for (name, value) in params {
            match rule.params.iter().find(|(k, _)| k == name) {
                None if rule.params.is_empty() => {
                    return Some(format!("规则 {code} 没有参数（得到“{name}”）"));
                }
                None => {
                    let known: Vec<&str> = rule.params.iter().map(|(k, _)| k.as_str()).collect();
                    return Some(format!(
                        "规则 {code} 没有参数“{name}”（它的参数：{}）",
                        known.join("、")
                    ));
                }
                Some((_, ParamValue::Num(d))) if !matches!(value, ParamValue::Num(_)) => {
                    return Some(format!(
                        "规则 {code} 的参数 {name} 应为数值（默认 {}），得到“{}”",
                        ParamValue::Num(*d).display(),
                        value.display()
                    ));
                }
                Some(_) => {}
            }
        }
    }
    None
}

pub struct Linter {
    /// Private, with `settings`: the enabled rules are worked out from the two once
    /// ([`Linter::new`]), so neither may change under them.
    rules: RuleSet,
    settings: Settings,
    /// Where in `rules` each enabled rule is, split as the engine runs them ([`Enabled`]).
    enabled: Enabled,
    /// A rule code whose every decision is recorded.
    pub trace: Option<String>,
    /// Findings `kpilint.toml` accepts (applied over the whole run by the caller).
    pub suppressions: Vec<Suppression>,
    /// `kpilint.toml` itself, to report suppressions that matched nothing.
    pub config_document: Option<crate::model::Document>,
    /// Which of each form's indicator rows a report keeps once the rules have judged them: all
    /// (the default: a library caller may read them), those findings point into (what the
    /// HTML report draws), or none. Unless an enabled document rule reaches forms' rows
    /// ([`crate::rules::Rule::reach`]), [`Linter::lint_path_sized`] lets the others go as each
    /// block of forms is judged: a file of long grids of short rows held its model at twelve
    /// times its text.
    pub keep_rows: RowsKept,
    /// Bytes of findings held in memory by the files judged at once as they are read, shared
    /// equally among them ([`Linter::lint_path_sized`]); past its share, a file's findings are
    /// set aside on disk in sorted runs, and its report reads them back ([`Findings`]). A 10 MB
    /// file with a finding on every row held 40 MB of them. With rows drawn
    /// ([`RowsKept::Touched`]) the findings get three quarters of it.
    pub findings_budget: usize,
}

/// Bytes of findings the files judged at once hold in memory before setting the rest aside.
/// Reading findings back costs some 5,000 instructions each (their texts checked as UTF-8 and
/// copied): at 3 MB, the files of 3,000 generated forms (5.5 MB of findings) and pairs of files
/// of 1,000 set theirs aside, and ran a fifth slower (ten 8.6 MB files: 1.44 s at 3 MB, 1.15 s
/// at 8). At 8 MB a file sets them aside only when nearly every row is a finding, whose peak is
/// then higher by what is held (a 10 MB file of long grids whose every row is a finding: 35.5
/// MB at 3 MB, 43.6 MB at 8).
pub const FINDINGS_BUDGET: usize = 8 << 20;

/// Bytes of a file's text for each finding a file's spill has room for from the start
/// ([`crate::spill::Spill::reserve`]). The disclosure and the generated corpus have one for
/// every 430 bytes or so: room for a finding every 512 bytes still left the largest step of
/// growing to them, and cost as much as before.
const FINDING_EVERY: u64 = 256;

/// Where each enabled rule is (its pack, its place in the pack), those judging one form at a
/// time apart from the rest. Asking the settings of every rule and collecting the two lists
/// for every file cost some 11,700 instructions a file, 2% of what a one-form file costs in
/// all (docs/performance.md).
struct Enabled {
    per_form: Vec<(usize, usize)>,
    whole: Vec<(usize, usize)>,
}

impl Enabled {
    fn of(rules: &RuleSet, settings: &Settings) -> Self {
        let mut enabled = Enabled {
            per_form: Vec::new(),
            whole: Vec::new(),
        };
        for (p, pack) in rules.packs.iter().enumerate() {
            for (r, rule) in pack.rules.iter().enumerate() {
                if !settings.enabled(&rule.code) {
                    continue;
                }
                if rule.over.per_form() {
                    enabled.per_form.push((p, r));
                } else {
                    enabled.whole.push((p, r));
                }
            }
        }
        enabled
    }

    /// The per-form rules, or the rest, in the packs' order.
    fn rules<'r>(&self, rules: &'r RuleSet, per_form: bool) -> Vec<&'r Rule> {
        let at = if per_form {
            &self.per_form
        } else {
            &self.whole
        };
        at.iter().map(|&(p, r)| &rules.packs[p].rules[r]).collect()
    }
}

/// One file linted, with what the rules had to say about themselves.
pub struct Linted {
    pub report: FileReport,
    pub rule_errors: Vec<RuleError>,
    pub trace: Vec<TraceLine>,
}

impl Linter {
    pub fn new(rules: RuleSet, settings: Settings) -> Self {
        Linter {
            enabled: Enabled::of(&rules, &settings),
            rules,
            settings,
            trace: None,
            suppressions: Vec::new(),
            config_document: None,
            keep_rows: RowsKept::All,
            findings_budget: FINDINGS_BUDGET,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The enabled rules, those judging one form at a time ([`crate::rules::run_forms`]) and
    /// the rest ([`crate::rules::run_document`]), without asking the settings of every rule
    /// again.
    fn enabled_by_scope(&self) -> (Vec<&Rule>, Vec<&Rule>) {
        (
            self.enabled.rules(&self.rules, true),
            self.enabled.rules(&self.rules, false),
        )
    }

    pub fn lint_path(&self, path: &Path) -> Linted {
        self.lint_path_sized(path, None, 1, true)
    }

    /// [`Linter::lint_path`] for a regular file of a size just asked for
    /// ([`ingest::read_path_sized`]). Unless every row is kept, the file is judged a block of
    /// forms at a time as it is read, the rows not kept go as each block is judged, and the
    /// findings are set aside on disk past this file's share of [`Linter::findings_budget`]: it
    /// is one of `together` files linted at once. Its forms are read and judged on the pool's
    /// threads if `spread`, else on the calling thread alone (`ingest::on_this_thread`): with
    /// other files in flight, the other threads have files of their own.
    ///
    /// A panic while linting the file (a bug in kpilint) is caught and becomes the file's one
    /// finding ([`guarded`]): the run goes on with the other files.
    pub fn lint_path_sized(
        &self,
        path: &Path,
        size: Option<u64>,
        together: usize,
        spread: bool,
    ) -> Linted {
        let workbook = ingest::is_workbook(&path.to_string_lossy());
        let lint = || {
            guarded(path, || {
                self.lint_path_unguarded(path, size, together, spread, workbook)
            })
        };
        let lint = || {
            if spread {
                lint()
            } else {
                ingest::on_this_thread(lint)
            }
        };
        // A workbook is read without the thread's cache of freed blocks (`alloc::uncached`).
        if workbook {
            crate::alloc::uncached(lint)
        } else {
            lint()
        }
    }

    fn lint_path_unguarded(
        &self,
        path: &Path,
        size: Option<u64>,
        together: usize,
        spread: bool,
        workbook: bool,
    ) -> Linted {
        let kept = self.keep_rows;
        if kept == RowsKept::All {
            return self.lint_ingested(ingest::read_path_sized(path, size));
        }
        let (per_form, whole) = self.enabled_by_scope();
        if whole.iter().any(|r| r.reach.form_rows) {
            return self.lint_ingested(ingest::read_path_sized(path, size));
        }
        // Their prose goes too, unless a document rule reads it.
        let keep_prose = whole.iter().any(|r| r.reach.form_prose);
        // The per-form rules judge each block of forms the reader hands over, and its rows go:
        // the findings are the same as `lint_ingested`'s, since a per-form rule sees its form
        // alone, and the document rules after them read no rows.
        let trace = self.trace.as_deref();
        let mut out = crate::rules::Outcome::default();
        // What the HTML report draws of the rows findings point into is held beside the
        // findings, as many as they: the findings get three quarters of the budget there (the
        // HTML report of a 10 MB workbook of 8,500 sheets: 65.6 → 61.0 MB at peak). The other
        // reports keep it all, and set aside nothing more.
        let budget = match kept {
            RowsKept::Touched => self.findings_budget / 4 * 3,
            _ => self.findings_budget,
        };
        let mut found = Gathered {
            spill: Findings::spill(budget / together.max(1)),
            failed: None,
        };
        if let Some(size) = size {
            found
                .spill
                .reserve(usize::try_from(size / FINDING_EVERY).unwrap_or(usize::MAX));
        }
        // The places the reader's findings not about a form handed over yet point at.
        let mut pending = Vec::new();
        // A text file's blocks of forms are judged on every thread if `spread`, else on this
        // one. A workbook's are judged on one, as it is read without
        // the threads' caches of freed blocks (`lint_path_sized`): judged on two, each
        // thread's glibc heap grew apart, and the 10 MB workbook of 8,500 sheets peaked at
        // 67.4 MB instead of 62.5 MB.
        let threads = if workbook || !spread {
            1
        } else {
            rayon::current_num_threads()
        };
        // Unless the HTML report draws some of them, a form's rows and prose go as soon as
        // its pass of the rules is done, on the thread that judged it (`run_forms_then`).
        let touched_only = kept == RowsKept::Touched;
        let let_go = |forms: &mut [Form]| {
            if touched_only {
                return;
            }
            for form in forms.iter_mut() {
                form.indicators = Vec::new();
                if !keep_prose {
                    form.forget_prose();
                }
            }
        };
        let mut ing = ingest::read_path_handing(path, size, &mut |forms, read| {
            let mut judged = crate::rules::run_forms_then(
                empty_document(),
                forms,
                &per_form,
                &self.settings,
                trace,
                threads,
                &let_go,
            );
            if touched_only {
                pending.extend(read.iter().flat_map(spans));
                let touched = Touched::new(
                    pending
                        .iter()
                        .copied()
                        .chain(judged.diagnostics.iter().flat_map(spans)),
                );
                for form in forms.iter_mut() {
                    let rows = std::mem::take(&mut form.indicators);
                    form.drawn = DrawnRows::of(rows.iter().filter(|row| {
                        row.drawn_halves()
                            .flat_map(|h| h.cells())
                            .any(|cell| touched.touches(cell))
                    }));
                    if !keep_prose {
                        form.forget_prose();
                    }
                }
                let done = forms.last().map_or(0, |f| f.span.end());
                pending.retain(|s: &Span| s.end() >= done);
            }
            self.gather(&mut found, read.drain(..));
            self.gather(&mut found, judged.diagnostics.drain(..));
            out.merge(judged);
        });
        ing.document.rows_kept = kept;
        if has_content(&ing) {
            let doc = crate::rules::run_document(&ing.document, &whole, &self.settings, trace);
            out.merge(doc);
        }
        self.gather(&mut found, ing.diagnostics.drain(..));
        self.gather(&mut found, out.diagnostics.drain(..));
        let diagnostics = match found.failed {
            None => Findings::settle(found.spill),
            Some(e) => Err(e),
        }
        .unwrap_or_else(|e| {
            Findings::from(vec![diagnostics::spill_failed(format!(
                "无法将本文件的问题暂存到临时文件：{e}"
            ))])
        });
        let mut trace = out.trace;
        for t in &mut trace {
            t.place_in(&ing.document);
        }
        Linted {
            report: FileReport {
                document: ing.document,
                diagnostics,
                unreadable: ing.unreadable,
            },
            rule_errors: out.errors,
            trace,
        }
    }

    /// Adds findings to a file's, as [`Linter::finish`] would keep them: those the settings
    /// select, at the severity they give.
    fn gather(&self, found: &mut Gathered, diagnostics: impl Iterator<Item = Diagnostic>) {
        for mut d in diagnostics.filter(|d| self.selected(d)) {
            if found.failed.is_some() {
                // The file is reported as not judged (the disk is full, most likely): what
                // follows is not held either.
                return;
            }
            self.grade(&mut d);
            if let Err(e) = found.spill.push(d) {
                found.failed = Some(e);
            }
        }
    }

    /// Rule findings were already selected; built-in ones are filtered here. Problems reading
    /// the file (I…) are always reported: a skipped file is never silent.
    fn selected(&self, d: &Diagnostic) -> bool {
        d.pack().is_some() || d.code.starts_with('I') || self.settings.enabled(&d.code)
    }

    fn grade(&self, d: &mut Diagnostic) {
        if let Some(s) = self.settings.severity.get(&*d.code) {
            d.severity = *s;
        }
    }

    /// Lints a new version of a text, re-running the rules only on forms whose text changed
    /// since the last call with this cache. Rules judge one form at a time, so a form's rule
    /// findings depend on its text alone; the others are reused, moved to where the form now
    /// starts. The editor calls this on every keystroke.
    pub fn lint_cached(&self, ing: Ingested, cache: &mut RuleCache) -> Linted {
        if ing.unreadable || ing.document.forms.is_empty() || self.trace.is_some() {
            // (A file of tables alone has no forms to cache.)
            return self.lint_ingested(ing);
        }
        let doc = &ing.document;
        let keys: Vec<u64> = doc
            .forms
            .iter()
            .map(|f| fingerprint(doc.slice(f.span).as_bytes()))
            .collect();
        let changed: Vec<usize> = (0..doc.forms.len())
            .filter(|&i| !cache.forms.contains_key(&keys[i]))
            .collect();
        let (per_form, whole) = self.enabled_by_scope();
        let ctx = crate::rules::eval::DocCtx::forms_only(
            doc,
            changed
                .iter()
                .map(|&i| crate::rules::eval::FormCtx::new(&doc.forms[i]))
                .collect(),
        );
        let fresh = crate::rules::engine::run_ctx(&ctx, &per_form, &self.settings, None);
        let mut by_form: HashMap<usize, Vec<Diagnostic>> = HashMap::new();
        for d in fresh.diagnostics {
            if let Some(i) = crate::output::form_index(doc, d.primary.span.start()) {
                by_form.entry(i).or_default().push(d);
            }
        }
        let mut next = RuleCache::default();
        let mut diagnostics: Vec<Diagnostic> = ing.diagnostics;
        for (i, form) in doc.forms.iter().enumerate() {
            let start = form.span.start();
            let found: Vec<Diagnostic> = match cache.forms.get(&keys[i]) {
                Some((old_start, old)) => old
                    .iter()
                    .map(|d| shifted(d, start as isize - *old_start as isize))
                    .collect(),
                None => by_form.remove(&i).unwrap_or_default(),
            };
            diagnostics.extend(found.iter().cloned());
            next.forms.entry(keys[i]).or_insert((start, found));
        }
        *cache = next;
        let mut rule_errors = fresh.errors;
        if !whole.is_empty() {
            let out = crate::rules::run(&ing.document, &whole, &self.settings, None);
            diagnostics.extend(out.diagnostics);
            rule_errors.extend(out.errors);
        }
        self.finish(ing.document, diagnostics, false, rule_errors, Vec::new())
    }

    pub fn lint_ingested(&self, ing: Ingested) -> Linted {
        let out = has_content(&ing).then(|| {
            let (per_form, whole) = self.enabled_by_scope();
            let trace = self.trace.as_deref();
            crate::rules::engine::run_split(&ing.document, &per_form, &whole, &self.settings, trace)
        });
        self.judged(ing, out)
    }

    /// A file read, with what the rules found in it (`None`: they had nothing to run on).
    fn judged(&self, ing: Ingested, out: Option<crate::rules::Outcome>) -> Linted {
        let mut diagnostics: Vec<Diagnostic> = ing.diagnostics;
        let mut rule_errors = Vec::new();
        let mut trace = Vec::new();
        if let Some(out) = out {
            // The fewer join the more (they are sorted below either way): the rules' findings
            // are most of them, but a broken grid has a reading finding on every row, and
            // copying those into the rules' vector held them twice.
            let (mut more, mut fewer) = if out.diagnostics.len() >= diagnostics.len() {
                (out.diagnostics, diagnostics)
            } else {
                (diagnostics, out.diagnostics)
            };
            more.reserve_exact(fewer.len());
            more.append(&mut fewer);
            diagnostics = more;
            rule_errors = out.errors;
            trace = out.trace;
        }
        self.finish(
            ing.document,
            diagnostics,
            ing.unreadable,
            rule_errors,
            trace,
        )
    }

    fn finish(
        &self,
        document: crate::model::Document,
        mut diagnostics: Vec<Diagnostic>,
        unreadable: bool,
        rule_errors: Vec<RuleError>,
        mut trace: Vec<TraceLine>,
    ) -> Linted {
        for t in &mut trace {
            t.place_in(&document);
        }
        diagnostics.retain(|d| self.selected(d));
        for d in &mut diagnostics {
            self.grade(d);
        }
        diagnostics::sort(&mut diagnostics);
        Linted {
            report: FileReport {
                document,
                diagnostics: diagnostics.into(),
                unreadable,
            },
            rule_errors,
            trace,
        }
    }
}

/// A file's findings as they are judged, and the first error setting them aside.
struct Gathered {
    spill: crate::spill::Spill<Diagnostic>,
    failed: Option<std::io::Error>,
}

/// Where a finding points.
fn spans(d: &Diagnostic) -> impl Iterator<Item = Span> + '_ {
    d.labels().map(|l| l.span)
}

/// Whether a file read gives the rules anything to run on.
fn has_content(ing: &Ingested) -> bool {
    !ing.unreadable && (!ing.document.forms.is_empty() || !ing.document.tables.is_empty())
}

/// What the per-form rules run in when the document is not yet whole: none of their scopes
/// reaches it ([`crate::rules::run_forms`]).
fn empty_document() -> &'static crate::model::Document {
    static EMPTY: std::sync::OnceLock<crate::model::Document> = std::sync::OnceLock::new();
    EMPTY.get_or_init(crate::model::Document::default)
}

/// Runs `lint` on the file at `path`, turning a panic into the file's one finding
/// ([`codes::INTERNAL_ERROR`], the file marked unread) rather than the end of the run. Fuzzing
/// and the hostile-input tests have found no panic left; this is for the one they have not
/// found, in a batch of thousands of files where a crash would lose the report of every other.
/// Nothing a lint shares with other files is left half-changed by a panic: the compiled
/// patterns' lock is taken whatever a panic left it in, the per-thread memories of values and
/// labels insert only what is complete, and the memory of rows' verdicts a panicking run held
/// is let go (`Verdicts`' drop).
fn guarded(path: &Path, lint: impl FnOnce() -> Linted) -> Linted {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(lint))
        .unwrap_or_else(|panic| internal_error(&path.display().to_string(), &*panic))
}

/// What a panic said, if it said it in text (`panic!` and failed assertions do).
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("原因不明")
}

/// The report of a file whose lint panicked with `panic`.
pub fn internal_error(path: &str, panic: &(dyn std::any::Any + Send)) -> Linted {
    let why = panic_message(panic);
    let ing = ingest::unreadable(
        path,
        Diagnostic::new(
            &codes::INTERNAL_ERROR,
            format!("kpilint 检查此文件时出错，文件未检查完：{why}"),
            crate::diagnostics::Label::new(Span::empty(0), "文件"),
        ),
    );
    Linted {
        report: FileReport {
            document: ing.document,
            diagnostics: ing.diagnostics.into(),
            unreadable: true,
        },
        rule_errors: Vec::new(),
        trace: Vec::new(),
    }
}

/// Rule findings by the text of the form they were found on, for `Linter::lint_cached`.
#[derive(Default)]
pub struct RuleCache {
    /// Hash of a form's text → where the form started and its rule findings.
    forms: HashMap<u64, (usize, Vec<Diagnostic>)>,
}

impl RuleCache {
    /// How many forms' findings are kept.
    pub fn len(&self) -> usize {
        self.forms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }
}

/// A finding moved by `delta` bytes, with everything it points at.
fn shifted(d: &Diagnostic, delta: isize) -> Diagnostic {
    let mv = |s: Span| {
        Span::new(
            (s.start() as isize + delta) as usize,
            (s.end() as isize + delta) as usize,
        )
    };
    let mut d = d.clone();
    d.primary.span = mv(d.primary.span);
    for l in &mut d.secondary {
        l.span = mv(l.span);
    }
    if let Some(f) = &mut d.fix {
        for e in &mut f.edits {
            e.span = mv(e.span);
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleSet;
    use std::collections::BTreeSet;

    fn linter(rules: RuleSet, keep_rows: RowsKept) -> Linter {
        let mut l = Linter::new(rules, Settings::default());
        l.keep_rows = keep_rows;
        l
    }

    /// A panic while linting a file is that file's one finding, and the files linted beside
    /// it, on other threads, are linted as usual.
    #[test]
    fn a_panic_is_the_files_finding_and_the_others_are_linted() {
        let linter = Linter::new(RuleSet::builtin(), Settings::default());
        let good = Path::new("tests/fixtures/ministry_template_project.txt");
        let whole = linter.lint_path(good);
        assert!(!whole.report.unreadable && !whole.report.diagnostics.is_empty());
        let codes = |l: &Linted| -> Vec<String> {
            l.report
                .diagnostics
                .iter()
                .map(|d| d.code.to_string())
                .collect()
        };
        use rayon::prelude::*;
        let runs: Vec<Linted> = (0..6)
            .into_par_iter()
            .map(|i| {
                let path = Path::new(if i % 3 == 1 {
                    "坏/表.txt"
                } else {
                    good.to_str().unwrap()
                });
                guarded(path, || match i {
                    1 => panic!("第 {i} 个文件"),
                    4 => std::panic::panic_any(7u8),
                    _ => linter.lint_path(path),
                })
            })
            .collect();
        for (i, run) in runs.iter().enumerate() {
            if i % 3 != 1 {
                assert_eq!(codes(run), codes(&whole), "file {i} is linted as alone");
                continue;
            }
            assert!(run.report.unreadable, "file {i} counts as unread");
            assert_eq!(run.report.document.path, "坏/表.txt");
            let d: Vec<_> = run
                .report
                .diagnostics
                .iter()
                .map(|d| d.into_owned())
                .collect();
            assert_eq!(d.len(), 1);
            assert_eq!(&*d[0].code, "I012");
            let why = if i == 1 {
                "第 1 个文件"
            } else {
                "原因不明"
            };
            assert!(d[0].message.ends_with(why), "{}", d[0].message);
            assert!(d[0].help().is_some_and(|h| h.contains("缺陷")));
        }
    }

    fn found(l: &Linted) -> Vec<String> {
        l.report
            .diagnostics
            .iter()
            .map(|d| format!("{d:?}"))
            .collect()
    }

    fn test_files() -> Vec<std::path::PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
        let mut files: Vec<_> = ["corpus", "fixtures"]
            .iter()
            .flat_map(|d| std::fs::read_dir(root.join(d)).expect("tests/ is checked out"))
            .map(|e| e.expect("a listed file").path())
            .collect();
        files.sort();
        files
    }

    /// A per-form rule sees its form alone, and no built-in document rule reads rows: letting
    /// each block's rows go once judged finds what linting the document whole finds.
    #[test]
    fn rows_let_go_as_forms_are_read_leave_the_findings_as_they_were() {
        let (whole, streamed) = (
            linter(RuleSet::builtin(), RowsKept::All),
            linter(RuleSet::builtin(), RowsKept::None),
        );
        let files = test_files();
        assert!(files.len() >= 5, "{files:?}");
        for path in files {
            let (a, b) = (whole.lint_path(&path), streamed.lint_path(&path));
            assert_eq!(found(&b), found(&a), "{}", path.display());
            let errors = |l: &Linted| format!("{:?}", l.rule_errors);
            assert_eq!(errors(&b), errors(&a));
            let (a, b) = (&a.report.document, &b.report.document);
            assert_eq!((a.rows_kept, b.rows_kept), (RowsKept::All, RowsKept::None));
            assert!(b.forms.iter().all(|f| f.indicators.is_empty()));
            assert_eq!(a.forms.len(), b.forms.len());
            for (f, g) in a.forms.iter().zip(&b.forms) {
                let kept =
                    |f: &crate::model::Form| format!("{:?}", (f.span, &f.name, &f.funds_annual));
                assert_eq!(kept(f), kept(g));
            }
        }
        let disclosure = whole.lint_path(&test_files()[0]);
        assert!(disclosure.report.document.forms[0].indicators.len() > 5);
    }

    /// A file linted while others are in flight is read and judged on its own thread
    /// (`spread` false, `cli::check`); the last one is spread over the pool. Either way it
    /// finds the same, in the same order, and fails the same rules.
    #[test]
    fn a_file_linted_on_one_thread_finds_what_it_finds_spread() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let linter = Linter::new(RuleSet::builtin(), Settings::default());
        for path in test_files() {
            let [spread, alone] =
                [true, false].map(|s| pool.install(|| linter.lint_path_sized(&path, None, 1, s)));
            assert_eq!(found(&alone), found(&spread), "{}", path.display());
            let errors = |l: &Linted| format!("{:?}", l.rule_errors);
            assert_eq!(errors(&alone), errors(&spread));
            assert_eq!(
                alone.report.document.forms.len(),
                spread.report.document.forms.len()
            );
        }
    }

    /// The HTML report draws the rows findings point into: keeping what it draws of those
    /// alone, it is the same page, and most rows go.
    #[test]
    fn the_rows_findings_touch_draw_the_same_page() {
        let (whole, touched) = (
            linter(RuleSet::builtin(), RowsKept::All),
            linter(RuleSet::builtin(), RowsKept::Touched),
        );
        // Halves a report may draw: all the rows' where they are kept.
        let halves = |l: &Linted| -> usize {
            let forms = l.report.document.forms.iter();
            forms.map(|f| f.drawn_halves().count()).sum()
        };
        for path in test_files() {
            let (a, b) = (whole.lint_path(&path), touched.lint_path(&path));
            assert_eq!(found(&b), found(&a), "{}", path.display());
            assert_eq!(b.report.document.rows_kept, RowsKept::Touched);
            let forms = &b.report.document.forms;
            assert!(forms.iter().all(|f| f.indicators.is_empty()), "rows go");
            assert!(halves(&b) <= halves(&a));
            if path.ends_with("000_cb0bcf906edd3817.txt") {
                assert!(
                    halves(&b) * 2 < halves(&a),
                    "{} of {}",
                    halves(&b),
                    halves(&a)
                );
                assert!(halves(&b) > 100, "{} halves to draw", halves(&b));
            }
            let (a, b) = (a.report, b.report);
            assert_eq!(
                crate::output::html::render(&[b]),
                crate::output::html::render(&[a]),
                "{}",
                path.display()
            );
        }
    }

    /// Set aside on disk a few at a time and read back, a file's findings make every report
    /// what holding them makes it, counted as they were.
    #[test]
    fn findings_set_aside_make_the_same_reports() {
        let rules = RuleSet::builtin();
        let infos = crate::output::RuleInfo::all(&rules);
        let style = crate::output::human::Style {
            color: false,
            width: 100,
        };
        let reports = |r: &[crate::output::FileReport]| {
            [
                crate::output::json::render(r),
                crate::output::sarif::render(r, &infos),
                crate::output::human::render(r, style),
                crate::output::github::render(r),
                crate::output::html::render(r),
                format!("{:?}", crate::output::statistics(r)),
            ]
        };
        let (mut held, mut spilled) = (
            linter(RuleSet::builtin(), RowsKept::Touched),
            linter(RuleSet::builtin(), RowsKept::Touched),
        );
        held.findings_budget = usize::MAX;
        spilled.findings_budget = 600;
        let mut on_disk = 0;
        for path in test_files() {
            let (a, b) = (held.lint_path(&path), spilled.lint_path(&path));
            assert!(!a.report.diagnostics.spilled());
            assert_eq!(found(&b), found(&a), "{}", path.display());
            assert_eq!(b.report.diagnostics.len(), a.report.diagnostics.len());
            on_disk += usize::from(b.report.diagnostics.spilled());
            assert_eq!(
                reports(std::slice::from_ref(&b.report)),
                reports(std::slice::from_ref(&a.report)),
                "{}",
                path.display()
            );
        }
        // The disclosure (some 1,500 findings) and the other issuer's budget tables.
        assert!(on_disk >= 2, "{on_disk} files had their findings set aside");
    }

    /// What the HTML report draws is held beside the findings: with rows drawn, a file's
    /// findings get three quarters of the budget, and set aside what would have fitted.
    #[test]
    fn drawing_rows_leaves_the_findings_less_room() {
        use crate::spill::Record;
        let path = &test_files()[0];
        let all = linter(RuleSet::builtin(), RowsKept::None).lint_path(path);
        let weight: usize = all.report.diagnostics.iter().map(|d| d.weight()).sum();
        assert!(
            weight > 100_000,
            "the disclosure has some 1,500 findings: {weight}"
        );
        for (kept, spilled) in [(RowsKept::None, false), (RowsKept::Touched, true)] {
            let mut l = linter(RuleSet::builtin(), kept);
            l.findings_budget = weight + weight / 10;
            let linted = l.lint_path(path);
            assert_eq!(linted.report.diagnostics.spilled(), spilled, "{kept:?}");
            assert_eq!(
                linted.report.diagnostics.len(),
                all.report.diagnostics.len()
            );
        }
    }

    /// A pack of one document rule, X001, asserting `assert`.
    fn document_rule(assert: &str) -> String {
        format!(
            "name: mine\ntitle: 文\ndescription: 文\nrules:\n  - code: X001\n    name: mine\n    severity: warning\n    summary: 文\n    rationale: 文\n    over: document\n    assert: '{assert}'\n    message: 文\n    help: 文\n"
        )
    }

    /// A pack's document rule that reads forms' rows gets them.
    #[test]
    fn a_document_rule_reading_rows_keeps_them() {
        for (assert, keeps) in [
            ("all(document.forms, f => len(f.rows) < 2)", true),
            ("count(document.forms) < 2", false),
        ] {
            let mut rules = RuleSet::builtin();
            rules.add("mine.yaml", &document_rule(assert));
            assert!(rules.broken.is_empty());
            let linted = linter(rules, RowsKept::None).lint_path(&test_files()[0]);
            let kept = linted.report.document.rows_kept;
            assert_eq!(kept == RowsKept::All, keeps, "{assert}");
            assert!(
                linted.report.diagnostics.iter().any(|d| d.code == "X001"),
                "{assert}: the disclosure has forms of many rows, and many forms"
            );
        }
    }

    /// A pack's document rule that reads forms' prose gets it; otherwise the prose of each
    /// form goes once it is judged (the head and funds stay for the report).
    #[test]
    fn a_document_rule_reading_prose_keeps_it() {
        for (assert, keeps) in [
            ("all(document.forms, f => f.overview == null)", true),
            (
                "all(document.forms, f => header(f, \"联系电话\") == null)",
                true,
            ),
            ("count(document.forms) < 2", false),
        ] {
            let mut rules = RuleSet::builtin();
            rules.add("mine.yaml", &document_rule(assert));
            assert!(rules.broken.is_empty());
            let linted = linter(rules, RowsKept::None).lint_path(&test_files()[0]);
            assert!(
                linted.report.diagnostics.iter().any(|d| d.code == "X001"),
                "{assert}: the disclosure's forms have overviews and phone numbers"
            );
            let forms = &linted.report.document.forms;
            let with_overview = forms.iter().filter(|f| !f.texts.overview.is_missing());
            assert_eq!(with_overview.count() > 200, keeps, "{assert}");
            let named = forms.iter().filter(|f| f.name.get().is_some());
            assert!(named.count() > 200, "{assert}: names stay");
        }
    }

    /// The enabled rules are worked out once, when the linter is made: each way of linting a
    /// file runs those the settings select and do not ignore, per-form and document rules alike.
    #[test]
    fn the_settings_given_decide_which_rules_run() {
        let settings = Settings {
            select: vec!["K".into(), "D02".into()],
            ignore: vec!["K001".into(), "D021".into()],
            ..Settings::default()
        };
        let codes = |l: &Linted| -> BTreeSet<String> {
            l.report
                .diagnostics
                .iter()
                .filter(|d| d.pack().is_some())
                .map(|d| d.code.to_string())
                .collect()
        };
        let path = &test_files()[0];
        let all = codes(&linter(RuleSet::builtin(), RowsKept::All).lint_path(path));
        let expected: BTreeSet<String> = all
            .iter()
            .filter(|c| {
                (c.starts_with('K') || c.starts_with("D02")) && *c != "K001" && *c != "D021"
            })
            .cloned()
            .collect();
        assert!(
            expected.iter().any(|c| c.starts_with('K'))
                && expected.iter().any(|c| c.starts_with('D')),
            "the disclosure has findings of both kinds: {expected:?}"
        );
        assert!(
            ["K001", "D021", "D003", "V001"]
                .iter()
                .all(|c| all.contains(*c)),
            "the disclosure has findings of the rules left out too: {all:?}"
        );
        for kept in [RowsKept::All, RowsKept::Touched, RowsKept::None] {
            let mut l = Linter::new(RuleSet::builtin(), settings.clone());
            l.keep_rows = kept;
            assert_eq!(codes(&l.lint_path(path)), expected, "{kept:?}");
        }
        let l = Linter::new(RuleSet::builtin(), settings);
        let ing = crate::ingest::read_path(path);
        let mut cache = RuleCache::default();
        assert_eq!(
            codes(&l.lint_cached(ing, &mut cache)),
            expected,
            "the editor's path"
        );
    }
}
