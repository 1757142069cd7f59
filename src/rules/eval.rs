//! Evaluating expressions over a document.
//!
//! Missing cells are `null`, and `null` propagates: arithmetic and ordering with `null` give
//! `null`, `and`/`or` follow three-valued logic. A rule whose `let`, `when` or `assert` comes
//! out `null` does not apply and stays silent. Values keep the span of the cell they came
//! from, so a label can land on it.

use super::budget::{self, Project};
use super::expr::{
    BinOp, Expr, FieldKey, FieldName, Func, FuncName, ListFn, Node, RowText, UnOp, Vocabulary,
    FORM_SLOT, NO_SLOT,
};
use super::rowtest::RowTest;
use crate::diagnostics::Shared;
use crate::ingest::labels::parent_of;
use crate::model::QuickMap;
use crate::model::{
    BudgetTable, Cell, Document, ExtraCell, Form, FormKind, Funds, GridLayout, IndicatorHalf,
    KeyTask, Source, Span,
};
use crate::value::{self, Kind, Note, Reason};
use regex::Regex;
use rust_decimal::Decimal;
use smallvec::{smallvec, SmallVec};
use std::borrow::Cow;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Implementation,
    Annual,
}

impl Period {
    pub fn label(self) -> &'static str {
        match self {
            Period::Implementation => "实施期",
            Period::Annual => "年度",
        }
    }
}

/// An indicator half with its parsed value.
pub struct HalfCtx<'a> {
    pub half: &'a IndicatorHalf,
    pub value: Option<std::rc::Rc<value::Value>>,
    /// The text the value was read from where it is not the 指标值 cell alone: the cell with
    /// the comparator and unit columns beside it (`≥90%` for `≥ | 90 | %`).
    pub written: Option<Box<str>>,
    pub period: Period,
}

/// A form with its halves typed once, shared by every rule. Typing is deferred until a
/// rule first asks for the indicators: rules over the budget tables read only a form's
/// header and funds, and the editor runs them on every keystroke.
pub struct FormCtx<'a> {
    pub form: &'a Form,
    typed: std::cell::OnceCell<Typed<'a>>,
    /// The form's name as its findings carry it: copied once, shared by all of them.
    name: std::cell::OnceCell<Option<Shared>>,
}

/// A form's indicator halves with their parsed values, and which of them pair up.
pub struct Typed<'a> {
    pub halves: Vec<HalfCtx<'a>>,
    /// Indexes into `halves`: (实施期, 年度) halves that describe the same indicator.
    pub pairs: Vec<(usize, usize)>,
}

pub struct DocCtx<'a> {
    pub doc: &'a Document,
    pub forms: Vec<FormCtx<'a>>,
    /// Project lines of the 项目支出预算表 paired with project forms.
    pub projects: Vec<Project>,
    /// For each (table, row) of a project line, its index in `projects`.
    pub project_of_line: HashMap<(usize, usize), usize>,
    /// The tables' row names as prose figures are matched with them, made at the first
    /// figure that asks (`figure.quoted`).
    row_names: std::cell::OnceCell<budget::RowNames>,
}

impl<'a> DocCtx<'a> {
    pub fn new(doc: &'a Document) -> Self {
        let projects = budget::match_projects(doc);
        Self::with(doc, doc.forms.iter().map(FormCtx::new).collect(), projects)
    }

    /// A context for some forms only, without the document-wide relations (the editor's
    /// per-form re-lint, where only per-form rules run).
    pub fn forms_only(doc: &'a Document, forms: Vec<FormCtx<'a>>) -> Self {
        Self::with(doc, forms, Vec::new())
    }

    fn with(doc: &'a Document, forms: Vec<FormCtx<'a>>, projects: Vec<Project>) -> Self {
        let project_of_line = projects
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.line.map(|l| (l, i)))
            .collect();
        DocCtx {
            doc,
            forms,
            projects,
            project_of_line,
            row_names: std::cell::OnceCell::new(),
        }
    }

    fn table(&self, t: usize) -> &'a BudgetTable {
        &self.doc.tables[t]
    }
}

impl<'a> FormCtx<'a> {
    pub fn new(form: &'a Form) -> Self {
        FormCtx {
            form,
            typed: std::cell::OnceCell::new(),
            name: std::cell::OnceCell::new(),
        }
    }

    /// The name findings about this form carry ([`Form::display_name`]).
    pub fn shared_name(&self) -> Option<Shared> {
        self.name
            .get_or_init(|| self.form.display_name().map(crate::diagnostics::form_name))
            .clone()
    }

    pub fn typed(&self) -> &Typed<'a> {
        self.typed.get_or_init(|| Typed::of(self.form))
    }

    pub fn halves(&self) -> &[HalfCtx<'a>] {
        &self.typed().halves
    }

    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.typed().pairs
    }
}

impl<'a> Typed<'a> {
    fn of(form: &'a Form) -> Self {
        let mut halves = Vec::with_capacity(2 * form.indicators.len());
        for row in &form.indicators {
            for (period, h) in [Period::Implementation, Period::Annual]
                .into_iter()
                .zip(row.halves())
            {
                if let Some(half) = h {
                    let (value, written) = match half.value.get() {
                        Some(t) => {
                            let (v, w) = typed_value(half, t);
                            (Some(v), w)
                        }
                        None => (None, None),
                    };
                    halves.push(HalfCtx {
                        half,
                        value,
                        written,
                        period,
                    });
                }
            }
        }
        let pairs = pair_halves(&halves);
        Typed { halves, pairs }
    }
}

/// A half's value: its 指标值 cell, read with the comparator and unit columns some issuers
/// print beside it ([`value::with_columns`]) or the unit its name states (`合格率（%）`,
/// [`value::unit_in_name`]), and the text it was read from if that is not the cell's. The
/// editor's hover shows the same reading.
pub fn typed_value(half: &IndicatorHalf, text: &str) -> (Rc<value::Value>, Option<Box<str>>) {
    let cell = value::parse_shared(text);
    // Most names end in neither bracket: they are not read for a unit.
    let name = half.name.get().map_or("", |n| &**n);
    if half.extras.is_empty() && !name.ends_with(['）', ')']) {
        return (cell, None);
    }
    let column = |labels| column(half, labels).and_then(|(_, c)| c.get().map(|t| &**t));
    let cmp = column(value::CMP_COLUMNS);
    let unit = column(value::UNIT_COLUMNS).or_else(|| value::unit_in_name(name));
    match value::with_columns(&cell, cmp, unit) {
        Some((v, written)) => (Rc::new(v), Some(written.into())),
        None => (cell, None),
    }
}

/// Where the parts of a value read from outside its cell came from (see [`typed_value`]): the
/// comparator's column, and the unit's column or the unit the name states. What a finding
/// labels beside the cell, and what the editor's hover says it was read with.
pub struct ReadWith<'h> {
    /// The comparator column and its cell (`指标性质`), if the comparator came from it.
    pub cmp: Option<&'h ExtraCell>,
    pub unit: Option<UnitFrom<'h>>,
}

pub enum UnitFrom<'h> {
    /// The unit column and its cell (`计量单位`).
    Column(&'h ExtraCell),
    /// The unit the name states in brackets (`%` of `合格率（%）`).
    Name(&'h str),
}

/// [`ReadWith`] for a half whose value was read from `written` (the comparator, the cell and
/// the unit, each there only if used), its cell holding `cell`.
pub fn read_with<'h>(half: &'h IndicatorHalf, written: &str, cell: &str) -> ReadWith<'h> {
    let filled = |labels| column(half, labels).filter(|(_, c)| c.get().is_some());
    let cmp = (!written.starts_with(cell))
        .then(|| filled(value::CMP_COLUMNS))
        .flatten();
    let unit = (!written.ends_with(cell))
        .then(|| match filled(value::UNIT_COLUMNS) {
            Some(c) => Some(UnitFrom::Column(c)),
            None => half
                .name
                .get()
                .and_then(|n| value::unit_in_name(n))
                .map(UnitFrom::Name),
        })
        .flatten();
    ReadWith { cmp, unit }
}

/// The first of a half's extra columns whose header is one of `labels` (a comparator or a unit
/// column, [`value::CMP_COLUMNS`]): its header as printed and its cell.
pub fn column<'h>(half: &'h IndicatorHalf, labels: &[&str]) -> Option<&'h ExtraCell> {
    half.extras
        .iter()
        .find(|(label, _)| labels.iter().any(|l| same_label(label, l)))
}

/// A column's header label as printed (`计量 单位`) against its spelling.
fn same_label(printed: &str, label: &str) -> bool {
    printed
        .chars()
        .filter(|c| !c.is_whitespace())
        .eq(label.chars())
}

/// The longest name (in bytes; 200 Chinese characters) paired with a cut-off copy of itself.
const PAIR_PREFIX_MAX: usize = 600;

/// Up to this many named halves a period, exact names are paired by comparing each annual
/// name with each implementation-period one: a form has a dozen rows a period, and building a
/// map of them cost more than the comparisons (pairing was 3% of a run).
const PAIR_SCAN_MAX: usize = 32;

/// Pairs 实施期 and 年度 halves by name: annual names are often cut-off copies, and the annual
/// rows may be listed in another order (LAYOUT.md §14–§15). Exact names pair first; a cut-off
/// name pairs only if one candidate is left (preferring the same 二级指标, then the same
/// printed row). An ambiguous name stays unpaired: no pair is better than a wrong one.
fn pair_halves(halves: &[HalfCtx<'_>]) -> Vec<(usize, usize)> {
    let name = |i: usize| halves[i].half.name.value.as_deref().unwrap_or("");
    let level2 = |i: usize| &halves[i].half.level2.value;
    let named = |p: Period| {
        (0..halves.len())
            .filter(move |&i| halves[i].period == p && halves[i].half.name.value.is_some())
    };
    let imp: SmallVec<[usize; PAIR_SCAN_MAX]> = named(Period::Implementation).collect();
    let ann: SmallVec<[usize; PAIR_SCAN_MAX]> = named(Period::Annual).collect();
    let mut used_i: SmallVec<[bool; 2 * PAIR_SCAN_MAX]> = smallvec![false; halves.len()];
    let mut used_a: SmallVec<[bool; 2 * PAIR_SCAN_MAX]> = smallvec![false; halves.len()];
    // Halves of different 二级指标 never describe the same indicator (a 成本 row named
    // `…平台成本` is not the 数量 row `…平台`), unless one side lost its label.
    let compatible =
        |i: usize, a: usize| level2(i) == level2(a) || level2(i).is_none() || level2(a).is_none();
    let mut pairs = Vec::with_capacity(imp.len().min(ann.len()));
    // Exact names, same category first. Past PAIR_SCAN_MAX, looked up by name, not by
    // comparing every two halves: a form may have 2,000 rows (S008), and their names any
    // length. A name is nearly always one half's: its halves are held inline, not in a vector
    // per name. Either way a name's halves are tried in their printed order.
    let by_name = (imp.len() > PAIR_SCAN_MAX).then(|| {
        let mut by_name: QuickMap<&str, SmallVec<[usize; 2]>> = QuickMap::default();
        for &i in &imp {
            by_name.entry(name(i)).or_default().push(i);
        }
        by_name
    });
    // The implementation-period halves before `free` are all paired. Most forms list their
    // annual halves in the order of the others, under the same names: each is then paired
    // with the first half not yet paired, and the scan starts there rather than comparing
    // the name with every half already paired (6.5M instructions over 3,000 generated
    // forms, most of them in calls to `memcmp`). A paired half never fits, so the scan finds
    // what a scan from the start would.
    let mut free = 0;
    for same_level in [true, false] {
        for &a in &ann {
            if used_a[a] {
                continue;
            }
            let fits = |i: usize| {
                !used_i[i] && compatible(i, a) && (!same_level || level2(i) == level2(a))
            };
            let hit = match &by_name {
                Some(by_name) => by_name
                    .get(name(a))
                    .map_or(&[][..], SmallVec::as_slice)
                    .iter()
                    .copied()
                    .find(|&i| fits(i)),
                None => imp[free..]
                    .iter()
                    .copied()
                    .find(|&i| name(i) == name(a) && fits(i)),
            };
            if let Some(i) = hit {
                used_i[i] = true;
                used_a[a] = true;
                pairs.push((i, a));
                while imp.get(free).is_some_and(|&i| used_i[i]) {
                    free += 1;
                }
            }
        }
    }
    // Cut-off names, only when unambiguous, among the halves left: most forms have none left.
    // A cell cut off by the layout is a phrase; past PAIR_PREFIX_MAX bytes a name is not
    // paired by its start, which bounds comparing every two halves to that length.
    let bare = |i: usize| match name(i) {
        n if n.contains(char::is_whitespace) => {
            Cow::Owned(n.chars().filter(|c| !c.is_whitespace()).collect())
        }
        n => Cow::Borrowed(n),
    };
    // The implementation-period halves left, each with its name without spaces, made once:
    // each is compared with every annual half left.
    let left_i: SmallVec<[(usize, Cow<str>); PAIR_SCAN_MAX]> = imp
        .iter()
        .filter(|&&i| !used_i[i])
        .map(|&i| (i, bare(i)))
        .collect();
    for &a in ann.iter().filter(|_| !left_i.is_empty()) {
        if used_a[a] || name(a).len() > PAIR_PREFIX_MAX {
            continue;
        }
        let bare_a = bare(a);
        let candidates: SmallVec<[usize; 4]> = left_i
            .iter()
            .filter(|(i, b)| !used_i[*i] && compatible(*i, a) && cut_off_copy(b, &bare_a))
            .map(|(i, _)| *i)
            .collect();
        let same: SmallVec<[usize; 4]> = candidates
            .iter()
            .copied()
            .filter(|&i| level2(i) == level2(a))
            .collect();
        let pick = match (same.as_slice(), candidates.as_slice()) {
            ([only], _) => Some(*only),
            ([], [only]) => Some(*only),
            _ => None,
        };
        if let Some(i) = pick {
            used_i[i] = true;
            used_a[a] = true;
            pairs.push((i, a));
        }
    }
    pairs.sort_unstable();
    pairs
}

/// [`prefix_of`] for names whose spaces are already removed: bytes compared, nothing walked.
fn cut_off_copy(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    long.starts_with(short) && short.chars().nth(1).is_some()
}

/// One name is the other, or the other cut off (at least two characters in common), spaces
/// aside. Walks both at once and copies nothing: pairing asks it of every two halves.
pub fn prefix_of(a: &str, b: &str) -> bool {
    let mut a = a.chars().filter(|c| !c.is_whitespace());
    let mut b = b.chars().filter(|c| !c.is_whitespace());
    let mut common = 0;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => common += 1,
            (Some(_), Some(_)) => return false,
            // One has ended: it is the start of the other.
            _ => return common >= 2,
        }
    }
}

#[derive(Clone)]
pub enum Val<'a> {
    Null,
    Bool(bool),
    Num(Decimal),
    Str(Cow<'a, str>),
    List(Rc<Vec<V<'a>>>),
    Form(&'a FormCtx<'a>),
    FundsPair(&'a FormCtx<'a>),
    Funds(&'a Funds, Period),
    Half(&'a HalfCtx<'a>),
    Value(&'a HalfCtx<'a>),
    Pair(&'a HalfCtx<'a>, &'a HalfCtx<'a>),
    Document(&'a DocCtx<'a>),
    /// A budget table, by index.
    Table(&'a DocCtx<'a>, usize),
    /// A table row: (table, row).
    Line(&'a DocCtx<'a>, usize, usize),
    /// A table amount cell: (table, row, column). Held as `u32`s (a file's tables, rows and
    /// columns are far fewer: files past 64 MB are refused) so that this variant is no
    /// larger than a string's, and every value the evaluator moves is 8 bytes smaller.
    TableCell(&'a DocCtx<'a>, u32, u32, u32),
    Project(&'a DocCtx<'a>, usize),
    Figure(&'a DocCtx<'a>, usize),
    Task(&'a KeyTask),
}

/// A value and the cell it came from.
#[derive(Clone)]
pub struct V<'a> {
    pub val: Val<'a>,
    span: Spot,
}

/// Where a value came from, if anywhere, in the 8 bytes of a span: `Option<Span>` takes 12,
/// which made every value 48 bytes instead of 40, and every node of every rule moves values
/// (each 8 bytes of a value was 0.8–1.7% of a run's instructions, docs/performance.md).
/// No cell starts at `u32::MAX`: files are refused long before (see [`Span`]).
#[derive(Clone, Copy)]
struct Spot(Span);

impl Spot {
    const NONE: Spot = Spot(Span::new(u32::MAX as usize, u32::MAX as usize));

    fn get(self) -> Option<Span> {
        (self.0.start() != u32::MAX as usize).then_some(self.0)
    }
}

impl<'a> V<'a> {
    pub fn new(val: Val<'a>) -> Self {
        V {
            val,
            span: Spot::NONE,
        }
    }

    pub fn at(val: Val<'a>, span: Span) -> Self {
        V {
            val,
            span: Spot(span),
        }
    }

    /// The cell the value came from, if it came from one.
    pub fn span(&self) -> Option<Span> {
        self.span.get()
    }

    pub fn null() -> Self {
        V::new(Val::Null)
    }

    pub fn is_null(&self) -> bool {
        matches!(self.val, Val::Null)
    }

    fn str_cell(c: &'a Cell<impl AsRef<str>>) -> Self {
        match &c.value {
            Some(s) => V::at(Val::Str(Cow::Borrowed(s.as_ref())), c.span),
            None => V {
                val: Val::Null,
                span: Spot(c.span),
            },
        }
    }

    fn num_cell(c: &Cell<Decimal>) -> Self {
        V {
            val: c.value.map_or(Val::Null, Val::Num),
            span: Spot(c.span),
        }
    }

    /// How this value reads in a message.
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write_display(&mut out);
        out
    }

    /// [`V::display`] written at the end of `out`: a finding's message is built of several
    /// values, and a string for each was most of the allocations of writing it.
    pub fn write_display(&self, out: &mut String) {
        fn text(t: Option<&str>) -> &str {
            t.unwrap_or("")
        }
        match &self.val {
            Val::Null => out.push_str("（空）"),
            Val::Bool(b) => out.push_str(if *b { "是" } else { "否" }),
            Val::Num(d) => out.push_str(&format_number(*d)),
            Val::Str(s) => out.push_str(s),
            Val::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push('、');
                    }
                    item.write_display(out);
                }
            }
            Val::Form(f) => out.push_str(text(f.form.display_name())),
            Val::Half(h) => out.push_str(text(h.half.name.value.as_deref())),
            Val::Value(h) => out.push_str(text(h.half.value.value.as_deref())),
            Val::Funds(_, p) => out.push_str(p.label()),
            Val::FundsPair(_) | Val::Pair(..) | Val::Document(_) => {}
            Val::Table(d, t) => out.push_str(text(d.table(*t).title.value.as_deref())),
            Val::Line(d, t, r) => out.push_str(d.table(*t).rows[*r].name_text()),
            &Val::TableCell(d, t, r, c) => {
                let (t, r, c) = (t as usize, r as usize, c as usize);
                let table = d.table(t);
                let row = &table.rows[r];
                let name = row.name.value.as_deref().or(row.code.value.as_deref());
                out.push_str(text(name));
                out.push('（');
                out.push_str(&table.columns[c].name);
                out.push('）');
                out.push_str(&format_number(row.amount(c)));
            }
            Val::Project(d, p) => out.push_str(project_name(d, *p)),
            Val::Figure(d, f) => out.push_str(&d.doc.prose[*f].label),
            Val::Task(t) => out.push_str(text(t.name.value.as_deref())),
        }
    }

    /// The number a value stands for: a number, or the amount in a table cell.
    pub fn number(&self) -> Option<Decimal> {
        match &self.val {
            Val::Num(d) => Some(*d),
            &Val::TableCell(d, t, r, c) => {
                Some(d.table(t as usize).rows[r as usize].amount(c as usize))
            }
            _ => None,
        }
    }
}

fn project_name<'a>(d: &'a DocCtx<'a>, p: usize) -> &'a str {
    let pr = &d.projects[p];
    if let Some((t, r)) = pr.line {
        return d.table(t).rows[r].name_text();
    }
    pr.form
        .and_then(|f| d.doc.forms[f].display_name())
        .unwrap_or("")
}

/// `903000` → `903,000`; `65465.66` → `65,465.66`.
pub fn format_number(d: Decimal) -> String {
    // Amounts printed with cents (`16.00` 万元) keep them; computed values lose noise.
    let d = if d.scale() <= 2 {
        d
    } else {
        d.round_dp(4).normalize()
    };
    let s = d.abs().to_string();
    let (int, frac) = s
        .split_once('.')
        .map_or((s.as_str(), None), |(i, f)| (i, Some(f)));
    let mut out = String::new();
    // Four digits stay together: years (2025) and small amounts read better that way.
    let group = int.len() > 4;
    for (i, c) in int.chars().enumerate() {
        if group && i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    if d.is_sign_negative() && !d.is_zero() {
        out.insert(0, '-');
    }
    out
}

/// An error evaluating a rule's expression. Boxed: every node of every rule returns a
/// `Result` of a value or this, and unboxed its 40 bytes made each such result 8 bytes larger
/// than the value alone (see [`Spot`] for what 8 bytes a value cost).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalError(Box<EvalErrorAt>);

/// What an [`EvalError`] says, and where in the expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvalErrorAt {
    pub message: String,
    pub start: usize,
    pub end: usize,
}

impl std::ops::Deref for EvalError {
    type Target = EvalErrorAt;

    fn deref(&self) -> &EvalErrorAt {
        &self.0
    }
}

impl EvalError {
    /// An error on the part of the expression `node` spans, so the rule's author sees where.
    fn at(node: &Node, message: String) -> EvalError {
        EvalError(Box::new(EvalErrorAt {
            message,
            start: node.start,
            end: node.end,
        }))
    }
}

pub struct Evaluator<'a> {
    /// The rule's parameters and their values, borrowed from the rule and the settings. A
    /// list, not a map: a rule has two or three, and an evaluator is made for every rule on
    /// every file (copying them cost a dozen allocations a file).
    pub params: Vec<(&'a str, V<'a>)>,
    /// Whether a lambda's compiled test decides a row ([`crate::rules::rowtest`]); the tests
    /// that compare the engine's shortcuts with node-by-node evaluation turn it off.
    pub row_tests: bool,
}

/// What a rule's expressions read while it runs on one item: the item's variables and the
/// rule's `let` values by name, and the values of expressions kept for the item's other rules
/// ([`super::memo`]).
#[derive(Default)]
pub struct Env<'e, 'a> {
    vars: Vec<(&'e str, V<'a>)>,
    kept: Kept<'a>,
    /// The values kept for the item's form ([`FORM_SLOT`]), and which form that is.
    form_kept: Kept<'a>,
    form: Option<*const FormCtx<'a>>,
    /// A buffer findings write their messages in ([`Env::take_scratch`]).
    scratch: String,
}

/// Values kept in numbered slots, for an item or a form, emptied for every item (or form) by
/// counting it, not by emptying the slots: a value is kept with the count it was kept at,
/// and one of an earlier count is not there. Emptied whole and grown again to the highest
/// slot set (every slot below it written with nothing) on every item, they cost some 5,000
/// instructions a form, and emptying only the slots set cost more; a value left from an
/// earlier item is dropped when its slot is filled again, or with the environment (one run
/// of the engine).
#[derive(Default)]
struct Kept<'a> {
    values: Vec<(u32, Option<V<'a>>)>,
    /// The current item's count: values kept at another are not its.
    now: u32,
}

impl<'a> Kept<'a> {
    fn with_room(n: usize) -> Self {
        Kept {
            values: Vec::with_capacity(n),
            now: 0,
        }
    }

    fn get(&self, slot: usize) -> Option<&V<'a>> {
        match self.values.get(slot)? {
            (at, v) if *at == self.now => v.as_ref(),
            _ => None,
        }
    }

    fn put(&mut self, slot: usize, v: V<'a>) {
        if self.values.len() <= slot {
            self.values.resize(slot + 1, (0, None));
        }
        self.values[slot] = (self.now, Some(v));
    }

    fn clear(&mut self) {
        match self.now.checked_add(1) {
            Some(next) => self.now = next,
            // Four billion items into one run: the slots are emptied for real, once.
            None => {
                self.values.clear();
                self.now = 0;
            }
        }
    }
}

/// How many values an environment has room for, kept per item and per form: what the
/// built-in packs keep (33 and 94; a test in `memo` holds them to it).
pub const KEPT_ROOM: usize = 48;
pub const FORM_KEPT_ROOM: usize = 128;

impl<'e, 'a> Env<'e, 'a> {
    /// An environment with room for what the built-in packs keep (an item's variables and a
    /// rule's `let`s, [`KEPT_ROOM`] and [`FORM_KEPT_ROOM`] values): one is made for every
    /// file, and grown to that size a value at a time it was reallocated a dozen times a file.
    pub fn with_room() -> Self {
        Env {
            vars: Vec::with_capacity(16),
            kept: Kept::with_room(KEPT_ROOM),
            form_kept: Kept::with_room(FORM_KEPT_ROOM),
            form: None,
            scratch: String::with_capacity(256),
        }
    }

    /// The run's scratch buffer, to write in while expressions are evaluated (which borrow
    /// the environment); handed back with [`Env::put_scratch`]. Its room stays with the run.
    pub fn take_scratch(&mut self) -> String {
        std::mem::take(&mut self.scratch)
    }

    pub fn put_scratch(&mut self, scratch: String) {
        self.scratch = scratch;
    }

    /// Moves to a new item of `form` (if it is a part of one): its variables, and nothing
    /// kept from the last item; what was kept for its form stays if the form is the same.
    pub fn enter(&mut self, vars: &[(&'static str, V<'a>)], form: Option<&'a FormCtx<'a>>) {
        self.vars.clear();
        self.vars.extend(vars.iter().map(|(n, v)| (*n, v.clone())));
        self.kept.clear();
        // Compared by address: the forms of one run are all alive in its context, so two
        // items share a form exactly when they point at the same one.
        let form = form.map(|f| f as *const FormCtx<'a>);
        if form != self.form || form.is_none() {
            self.form_kept.clear();
            self.form = form;
        }
    }

    /// Back to the first `n` names (the item's own, without the last rule's `let`s); the
    /// kept values stay, as they depend on the item alone.
    ///
    /// Asked before every rule on every item (some ninety times a form), and most rules bind
    /// no `let` or were skipped: with nothing to drop, `Vec::truncate` still called the
    /// out-of-line drop of an empty slice, some half a percent of a run.
    #[inline]
    pub fn truncate(&mut self, n: usize) {
        if self.vars.len() > n {
            self.vars.truncate(n);
        }
    }

    pub fn push(&mut self, name: &'e str, v: V<'a>) {
        self.vars.push((name, v));
    }

    fn pop(&mut self) {
        self.vars.pop();
    }

    /// The value kept in `slot` (a node's: [`FORM_SLOT`] set for the form's values) for this
    /// item or its form, if an earlier rule computed it; none for [`NO_SLOT`].
    fn kept_for(&self, slot: u32) -> Option<&V<'a>> {
        let store = if slot & FORM_SLOT != 0 {
            &self.form_kept
        } else {
            &self.kept
        };
        store.get((slot & !FORM_SLOT) as usize)
    }

    /// The value a variable (an item's, or a bound `let`) has here.
    pub fn get(&self, name: &str) -> Option<&V<'a>> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| same_name(n, name))
            .map(|(_, v)| v)
    }
}

/// The name of the variable `node` reads, if its value is not kept in a slot: the value can
/// then be read where it is ([`Env::get`]).
fn plain_var(node: &Node) -> Option<&str> {
    match &node.expr {
        Expr::Var(name) if node.slot == NO_SLOT => Some(name),
        _ => None,
    }
}

/// `var.field`, `var.field.field`, … read in place, where `node` is such a chain and `var`
/// is a variable the environment has: `pair.implementation` of `pair.implementation.name`,
/// `form.funds.annual` of `form.funds.annual.total`. Evaluated node by node, each inner field
/// was kept (or computed) in a frame of its own and cloned to be read once and dropped.
/// `None` where `node` is not that shape or a field is missing: the evaluator then takes the
/// long way, which raises the error at the node it belongs to.
fn field_path<'a>(node: &Node, env: &Env<'_, 'a>) -> Option<V<'a>> {
    let Expr::Field(base, name) = &node.expr else {
        return None;
    };
    match plain_var(base) {
        Some(var) => field_named(env.get(var)?, name),
        None => field_named(&field_path(base, env)?, name),
    }
}

fn unknown_var(node: &Node, name: &str) -> EvalError {
    EvalError::at(node, format!("未知变量“{name}”"))
}

/// `a == b` for the short names of variables (`r`, `row`, `costs`), compared in place: `==`
/// on `str` calls `memcmp`, whose call costs more than these few bytes, and a variable is
/// looked up for every use on every item.
#[inline]
fn same_name(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

impl<'a> Evaluator<'a> {
    pub fn new(params: Vec<(&'a str, V<'a>)>) -> Self {
        Evaluator {
            params,
            row_tests: true,
        }
    }

    /// The value of `node` for the item `env` is on. Inlined into every caller: most nodes
    /// have no slot, and for them this is one comparison before `compute`.
    #[inline]
    pub fn eval<'e: 'a>(&self, node: &'e Node, env: &mut Env<'e, 'a>) -> Result<V<'a>, EvalError> {
        if node.slot == NO_SLOT {
            self.compute(node, env)
        } else {
            self.kept(node, env)
        }
    }

    /// Whether `node`'s value is one of `texts` (`is_text`), read in place where an earlier
    /// rule kept it: the engine's guards ask this of most rules on most rows, and copying the
    /// kept value out to compare it, then dropping the copy, cost 0.4% of a run.
    pub fn is_one_of<'e: 'a>(
        &self,
        node: &'e Node,
        texts: &[String],
        env: &mut Env<'e, 'a>,
    ) -> Result<bool, EvalError> {
        let is = |v: &V<'_>| texts.iter().any(|t| is_text(v, t));
        if let Some(v) = env.kept_for(node.slot) {
            return Ok(is(v));
        }
        Ok(is(&self.eval(node, env)?))
    }

    /// The value of a node with a slot: kept by an earlier rule on this item, or computed
    /// and kept.
    #[inline(never)]
    fn kept<'e: 'a>(&self, node: &'e Node, env: &mut Env<'e, 'a>) -> Result<V<'a>, EvalError> {
        let for_form = node.slot & FORM_SLOT != 0;
        let slot = (node.slot & !FORM_SLOT) as usize;
        fn store<'k, 'a>(env: &'k mut Env<'_, 'a>, for_form: bool) -> &'k mut Kept<'a> {
            if for_form {
                &mut env.form_kept
            } else {
                &mut env.kept
            }
        }
        if let Some(v) = env.kept_for(node.slot) {
            return Ok(v.clone());
        }
        let v = self.compute(node, env)?;
        store(env, for_form).put(slot, v.clone());
        Ok(v)
    }

    fn compute<'e: 'a>(&self, node: &'e Node, env: &mut Env<'e, 'a>) -> Result<V<'a>, EvalError> {
        let err = |message: String| EvalError::at(node, message);
        Ok(match &node.expr {
            Expr::Num(d) => V::new(Val::Num(*d)),
            Expr::Str(s) => V::new(Val::Str(Cow::Borrowed(s))),
            Expr::Bool(b) => V::new(Val::Bool(*b)),
            Expr::Null => V::null(),
            Expr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i, env)?);
                }
                V::new(Val::List(Rc::new(out)))
            }
            Expr::Var(name) => env
                .get(name)
                .cloned()
                .ok_or_else(|| unknown_var(node, name))?,
            Expr::Field(base, name) => {
                // Most fields are read off a variable (`row.value`, `r.level2`): read in
                // place, the variable's value is not copied out and dropped again.
                let got = match plain_var(base) {
                    Some(var) => match env.get(var) {
                        Some(b) => field_named(b, name),
                        None => return Err(unknown_var(base, var)),
                    },
                    None => match field_path(base, env) {
                        Some(b) => field_named(&b, name),
                        None => field_named(&self.eval(base, env)?, name),
                    },
                };
                got.ok_or_else(|| err(format!("没有字段“{name}”")))?
            }
            Expr::Lambda(..) => return Err(err("条件只能作为函数参数".into())),
            Expr::Unary(op, e) => {
                let v = self.eval(e, env)?;
                match (op, &v.val) {
                    (_, Val::Null) => V::null(),
                    (UnOp::Not, _) => V::new(Val::Bool(!truthy(&v))),
                    (UnOp::Neg, Val::Num(d)) => V::new(Val::Num(-*d)),
                    (UnOp::Neg, _) => return Err(err("负号只能用于数字".into())),
                }
            }
            Expr::Binary(op, a, b) => self.binary(*op, a, b, env, node)?,
            Expr::Call(name, args) => self.call(name, args, env, node)?,
        })
    }

    fn binary<'e: 'a>(
        &self,
        op: BinOp,
        a: &'e Node,
        b: &'e Node,
        env: &mut Env<'e, 'a>,
        node: &Node,
    ) -> Result<V<'a>, EvalError> {
        let err = |message: String| EvalError::at(node, message);
        // Three-valued logic, short-circuiting where the answer is already known.
        if matches!(op, BinOp::And | BinOp::Or) {
            let and = op == BinOp::And;
            let lb = logic(&self.eval(a, env)?);
            let joined = match short_circuit(and, lb) {
                Some(b) => Some(b),
                None => join(and, lb, logic(&self.eval(b, env)?)),
            };
            return Ok(joined.map_or_else(V::null, |b| V::new(Val::Bool(b))));
        }
        // A comparison with a text literal (`r.level2 == "数量指标"` in a condition over a
        // form's rows, evaluated for each row) or with `null` compares in place: the literal
        // is not built as a value, and the outcome is `equal`'s.
        if matches!(op, BinOp::Eq | BinOp::Ne) && is_literal(b) {
            // A kept operand is compared where it is kept, not copied out and dropped.
            let same = match env.kept_for(a.slot) {
                Some(v) => equals_literal(v, b),
                None => equals_literal(&self.eval(a, env)?, b),
            };
            return Ok(V::new(Val::Bool(same == (op == BinOp::Eq))));
        }
        let l = self.eval(a, env)?;
        let r = self.eval(b, env)?;
        Ok(match op {
            BinOp::Eq | BinOp::Ne => {
                let same = equal(&l, &r);
                V::new(Val::Bool(if op == BinOp::Eq { same } else { !same }))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let ord = match (&l.val, &r.val) {
                    (Val::Null, _) | (_, Val::Null) => return Ok(V::null()),
                    (Val::Num(x), Val::Num(y)) => x.cmp(y),
                    (Val::Str(x), Val::Str(y)) => x.cmp(y),
                    _ => {
                        return Err(err(format!(
                            "不能比较“{}”和“{}”的大小",
                            l.display(),
                            r.display()
                        )))
                    }
                };
                V::new(Val::Bool(match op {
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    _ => ord.is_ge(),
                }))
            }
            _ => match (&l.val, &r.val) {
                (Val::Null, _) | (_, Val::Null) => V::null(),
                (Val::Str(_), _) | (_, Val::Str(_)) if op == BinOp::Add => V::new(Val::Str(
                    Cow::Owned(format!("{}{}", l.display(), r.display())),
                )),
                (Val::Num(x), Val::Num(y)) => {
                    let v = match op {
                        BinOp::Add => x.checked_add(*y),
                        BinOp::Sub => x.checked_sub(*y),
                        BinOp::Mul => x.checked_mul(*y),
                        _ if y.is_zero() => return Ok(V::null()),
                        _ => x.checked_div(*y),
                    };
                    match v {
                        Some(v) => V::new(Val::Num(v)),
                        None => return Err(err("数值溢出".into())),
                    }
                }
                _ => {
                    return Err(err(format!(
                        "不能对“{}”和“{}”做算术",
                        l.display(),
                        r.display()
                    )))
                }
            },
        })
    }

    /// The lambda's compiled test and the row to ask it of, where the lambda has one and the
    /// element is a row ([`crate::rules::rowtest`]); otherwise the lambda is evaluated node by
    /// node.
    fn row_test<'n>(
        &self,
        lambda: &'n Node,
        item: &V<'a>,
    ) -> Option<(&'n RowTest, &'a HalfCtx<'a>)> {
        match (&lambda.test, &item.val) {
            (Some(t), Val::Half(h)) if self.row_tests => Some((t, *h)),
            _ => None,
        }
    }

    fn with_lambda<'e: 'a>(
        &self,
        lambda: &'e Node,
        item: V<'a>,
        env: &mut Env<'e, 'a>,
    ) -> Result<V<'a>, EvalError> {
        let Expr::Lambda(param, body) = &lambda.expr else {
            return Err(EvalError::at(lambda, "应为条件".into()));
        };
        env.push(param.as_str(), item);
        let out = self.eval(body, env);
        env.pop();
        out
    }

    fn call<'e: 'a>(
        &self,
        name: &FuncName,
        args: &'e [Node],
        env: &mut Env<'e, 'a>,
        node: &Node,
    ) -> Result<V<'a>, EvalError> {
        let err = |message: String| EvalError::at(node, message);
        let first = self.eval(&args[0], env)?;
        let list = |v: &V<'a>| -> Option<Rc<Vec<V<'a>>>> {
            match &v.val {
                Val::List(l) => Some(l.clone()),
                _ => None,
            }
        };
        // Functions over lists, with an optional condition. Like `and` and `or`, they stop
        // once the answer is known: `any` at the first element that satisfies the condition,
        // `all` at the first that does not, `one` at the second that does, `first` at the
        // first. Only `filter` keeps the elements, and `map` replaces each.
        let f = name.key();
        if let Some(Func::List(over)) = f {
            let Some(items) = list(&first) else {
                return Ok(V::null());
            };
            let Some(lambda) = args.get(1) else {
                return Ok(match over {
                    ListFn::Count => V::new(Val::Num(Decimal::from(items.len()))),
                    ListFn::Any => V::new(Val::Bool(!items.is_empty())),
                    ListFn::All => V::new(Val::Bool(true)),
                    ListFn::One => V::new(Val::Bool(items.len() == 1)),
                    ListFn::First => items.first().cloned().unwrap_or_else(V::null),
                    ListFn::Filter | ListFn::Map => V::new(Val::List(items)),
                });
            };
            if over == ListFn::Map {
                let mut out = Vec::with_capacity(items.len());
                for item in items.iter() {
                    let compiled = self.row_test(lambda, item).and_then(|(t, h)| t.value(h));
                    out.push(match compiled {
                        Some(v) => v,
                        None => self.with_lambda(lambda, item.clone(), env)?,
                    });
                }
                return Ok(V::new(Val::List(Rc::new(out))));
            }
            // Room for what a filter over a form's rows keeps (most of them, for K001's), not
            // grown to it from nothing; a long grid's list grows past that as it must.
            let mut kept = match over {
                ListFn::Filter => Vec::with_capacity(items.len().min(64)),
                _ => Vec::new(),
            };
            let mut hits = 0usize;
            for item in items.iter() {
                let decided = self.row_test(lambda, item).and_then(|(t, h)| t.decide(h));
                let holds = match decided {
                    Some(l) => l,
                    None => logic(&self.with_lambda(lambda, item.clone(), env)?),
                };
                if holds != Some(true) {
                    if over == ListFn::All {
                        return Ok(V::new(Val::Bool(false)));
                    }
                    continue;
                }
                hits += 1;
                match over {
                    ListFn::Any => return Ok(V::new(Val::Bool(true))),
                    ListFn::First => return Ok(item.clone()),
                    ListFn::One if hits == 2 => return Ok(V::new(Val::Bool(false))),
                    ListFn::Filter => kept.push(item.clone()),
                    _ => {}
                }
            }
            return Ok(match over {
                ListFn::Count => V::new(Val::Num(Decimal::from(hits))),
                ListFn::Any => V::new(Val::Bool(false)),
                ListFn::All => V::new(Val::Bool(true)),
                ListFn::One => V::new(Val::Bool(hits == 1)),
                ListFn::First => V::null(),
                ListFn::Filter | ListFn::Map => V::new(Val::List(Rc::new(kept))),
            });
        }
        // Like `and` and `or`, `choose` evaluates only what it returns: K004 chooses between a
        // department's header fields and a project's, and looked every one of both up.
        if f == Some(Func::Choose) && args.len() == 3 {
            let pick = if logic(&first) == Some(true) { 1 } else { 2 };
            return self.eval(&args[pick], env);
        }
        // Calls have at most three more arguments but for rare ones: those are kept on the
        // stack, not in a Vec allocated for every call of every rule on every row. Only the
        // arguments given are dropped: an array of three nulls, filled as far as needed, was
        // dropped whole on every call.
        let mut rest: SmallVec<[V<'a>; 3]> = SmallVec::new();
        for a in &args[1..] {
            rest.push(self.eval(a, env)?);
        }
        let num = |v: &V<'a>| v.number();
        Ok(match f {
            Some(Func::Sum) => {
                let Some(items) = list(&first) else {
                    return Ok(V::null());
                };
                let nums: Vec<Decimal> = items.iter().filter_map(num).collect();
                if nums.is_empty() {
                    V::null()
                } else {
                    V::new(Val::Num(nums.iter().sum()))
                }
            }
            Some(Func::Len) => match &first.val {
                Val::Str(s) => V::new(Val::Num(Decimal::from(s.chars().count()))),
                Val::List(l) => V::new(Val::Num(Decimal::from(l.len()))),
                _ => V::null(),
            },
            // A list holds an item equal to the second argument (`==`'s equality): one pass in
            // place of `any(list, x => x == item)`, which evaluates a condition per element.
            Some(Func::Contains) if matches!(first.val, Val::List(_)) => V::new(Val::Bool(
                list(&first).is_some_and(|items| items.iter().any(|i| equal(i, &rest[0]))),
            )),
            Some(Func::Matches | Func::Contains) => {
                let (Some(t), Some(p)) = (text(&first), text(&rest[0])) else {
                    return Ok(V::null());
                };
                let hit = if f == Some(Func::Contains) {
                    t.contains(p)
                } else {
                    is_match(p, t).map_err(err)?
                };
                V::new(Val::Bool(hit))
            }
            Some(Func::PrefixOf) => match (text(&first), text(&rest[0])) {
                (Some(a), Some(b)) => V::new(Val::Bool(prefix_of(a, b))),
                _ => V::null(),
            },
            Some(Func::Approx) => match (num(&first), num(&rest[0]), num(&rest[1])) {
                (Some(a), Some(b), Some(t)) => V::new(Val::Bool(value::unit::approx(a, b, t))),
                _ => V::null(),
            },
            Some(Func::Abs) => num(&first).map_or_else(V::null, |d| V::new(Val::Num(d.abs()))),
            Some(Func::Min | Func::Max) => match (num(&first), num(&rest[0])) {
                (Some(a), Some(b)) => V::new(Val::Num(if f == Some(Func::Min) {
                    a.min(b)
                } else {
                    a.max(b)
                })),
                _ => V::null(),
            },
            Some(Func::Join) => {
                let Some(items) = list(&first) else {
                    return Ok(V::null());
                };
                let sep = text(&rest[0]).unwrap_or_default();
                let parts: Vec<String> = items.iter().map(V::display).collect();
                V::new(Val::Str(Cow::Owned(parts.join(sep))))
            }
            Some(Func::Header) => {
                let (Val::Form(f), Some(label)) = (&first.val, text(&rest[0])) else {
                    return Ok(V::null());
                };
                header(f.form, label).ok_or_else(|| err(format!("没有表头“{label}”")))?
            }
            Some(Func::Periods) => {
                let years = num(&rest[0]);
                let per = match &first.val {
                    Val::Value(h) => h.value.as_deref().and_then(per_time),
                    Val::Half(h) => rate_period(h),
                    _ => return Ok(V::null()),
                };
                match (per, years) {
                    (Some(t), Some(y)) => {
                        value::unit::periods(t, y).map_or_else(V::null, |d| V::new(Val::Num(d)))
                    }
                    (None, Some(_)) => V::new(Val::Num(Decimal::ONE)),
                    _ => V::null(),
                }
            }
            Some(Func::Param) => {
                let key = text(&first).unwrap_or_default();
                self.params
                    .iter()
                    .find(|(k, _)| *k == key)
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| err(format!("没有参数“{key}”")))?
            }
            Some(Func::Pct) => num(&first).map_or_else(V::null, |d| {
                let p = (d * Decimal::from(100)).round_dp(1);
                V::new(Val::Str(Cow::Owned(format!("{}%", format_number(p)))))
            }),
            Some(Func::Note) => {
                let (Val::Value(h) | Val::Half(h), Some(which)) = (&first.val, text(&rest[0]))
                else {
                    return Ok(V::null());
                };
                note(h, which)
            }
            Some(Func::Coalesce) => {
                if first.is_null() {
                    rest[0].clone()
                } else {
                    first
                }
            }
            Some(Func::RatePeriod) => match &first.val {
                Val::Half(h) => rate_period(h).map_or_else(V::null, |t| V::new(s(t.spelling()))),
                _ => V::null(),
            },
            Some(Func::IsRate) => {
                text(&first).map_or_else(V::null, |t| V::new(Val::Bool(is_rate(t))))
            }
            Some(Func::BareName) => text(&first).map_or_else(V::null, |name| {
                let bare = value::trailing_bracket(name).map_or(name, |(before, _)| before);
                V::new(Val::Str(Cow::Owned(bare.to_owned())))
            }),
            Some(Func::PctIn) => match text(&first).and_then(pct_at_end) {
                Some((d, at)) => V {
                    val: Val::Num(d),
                    // On the percentage, where the name is its cell as printed.
                    span: match first.span.get() {
                        Some(s) if s.len() == text(&first).map_or(0, str::len) => {
                            Spot(Span::new(s.start() + at, s.end()))
                        }
                        _ => first.span,
                    },
                },
                None => V::null(),
            },
            Some(Func::Doubled) => match text(&first) {
                Some(t) => doubled(t).map_or_else(V::null, |d| V {
                    val: Val::Str(Cow::Owned(d)),
                    span: first.span,
                }),
                None => V::null(),
            },
            Some(Func::Replace) => match (text(&first), text(&rest[0]), text(&rest[1])) {
                (Some(t), Some(from), Some(to)) if !from.is_empty() => {
                    V::new(Val::Str(Cow::Owned(t.replace(from, to))))
                }
                _ => V::null(),
            },
            Some(Func::Table) => {
                let (Val::Document(d), Some(kind)) = (&first.val, text(&rest[0])) else {
                    return Ok(V::null());
                };
                let side = rest.get(1).and_then(text);
                d.doc
                    .tables
                    .iter()
                    .position(|t| t.kind.key() == kind && side.is_none_or(|s| t.side == Some(s)))
                    .map_or_else(V::null, |t| V::at(Val::Table(d, t), d.table(t).title.span))
            }
            Some(Func::Line) => {
                let (Val::Table(d, t), Some(key)) = (&first.val, text(&rest[0])) else {
                    return Ok(V::null());
                };
                d.table(*t)
                    .row(key)
                    .map_or_else(V::null, |r| line_value(d, *t, r))
            }
            Some(Func::Cell) => {
                let (Val::Line(d, t, r), Some(label)) = (&first.val, text(&rest[0])) else {
                    return Ok(V::null());
                };
                d.table(*t)
                    .column(label)
                    .map_or_else(V::null, |c| cell_value(d, *t, *r, c))
            }
            Some(Func::Round) => match (num(&first), num(&rest[0])) {
                (Some(x), Some(n)) if n >= Decimal::ZERO && n <= Decimal::from(10) => {
                    let dp = u32::try_from(n.trunc().mantissa()).unwrap_or(0);
                    // `round(18, 2)` is `18.00`: the result reads like the figure it is
                    // compared with.
                    let mut r = x.round_dp_with_strategy(
                        dp,
                        rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                    );
                    r.rescale(dp);
                    V {
                        val: Val::Num(r),
                        span: first.span,
                    }
                }
                _ => V::null(),
            },
            Some(Func::AmountOf) => {
                let (Val::Form(f), Some(label)) = (&first.val, text(&rest[0])) else {
                    return Ok(V::null());
                };
                amount_of(f.form, label)
            }
            Some(Func::Halfwidth) => {
                let Some(t) = text(&first) else {
                    return Ok(V::null());
                };
                let changed = match value::halfwidth(t) {
                    Cow::Owned(h) => Some(h),
                    Cow::Borrowed(_) => None,
                };
                match changed {
                    Some(h) => V::new(Val::Str(Cow::Owned(h))),
                    // Already half-width (most values): the text itself, not a copy.
                    None if matches!(first.val, Val::Str(_)) => V::new(first.val),
                    None => V::new(Val::Str(Cow::Owned(t.to_owned()))),
                }
            }
            // The functions over lists are answered above, and `choose` with three
            // arguments; the type check lets no other call of them through.
            Some(Func::List(_) | Func::Choose) | None => {
                return Err(err(format!("未知函数“{name}”")))
            }
        })
    }
}

/// Whether `text` matches `pattern`, through a cache of this thread's patterns: a rule's
/// patterns are a handful of literals, and looking one up by comparing it with each (no hash,
/// no lock) costs a tenth of what [`compiled`]'s shared map does, on every row of every form.
fn is_match(pattern: &str, text: &str) -> Result<bool, String> {
    thread_local! {
        static LOCAL: std::cell::RefCell<Vec<(Box<str>, Arc<Regex>)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let hit = LOCAL.with_borrow(|l| {
        l.iter()
            .find(|(p, _)| **p == *pattern)
            .map(|(_, r)| r.is_match(text))
    });
    if let Some(hit) = hit {
        return Ok(hit);
    }
    let re = compiled(pattern)?;
    let hit = re.is_match(text);
    LOCAL.with_borrow_mut(|l| {
        if l.len() < 64 {
            l.push((pattern.into(), re));
        }
    });
    Ok(hit)
}

/// A pattern compiled once per process and shared by every thread. A rule's pattern is the
/// same in every document, and compiling one costs more than linting a form, so with the
/// usual one form per file, compiling per document took a fifth of a run. Patterns built
/// from cell text could be endless: the cache stops growing at 1,024.
fn compiled(pattern: &str) -> Result<Arc<Regex>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let lock = || cache.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(r) = lock().get(pattern) {
        return Ok(r.clone());
    }
    // The regex crate runs in linear time, so no pattern can hang a run; the size limit
    // keeps a huge pattern from eating memory.
    let re = regex::RegexBuilder::new(pattern)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("正则表达式无效：{e}"))?;
    let re = Arc::new(re);
    let mut cache = lock();
    if cache.len() < 1024 {
        cache.insert(pattern.to_owned(), re.clone());
    }
    Ok(re)
}

/// The percentage a text ends with, and where it starts: `质量达标率100%` → (100, 15). A name
/// that states its own target; a text that is nothing but a percentage is a value, not a name.
pub fn pct_at_end(text: &str) -> Option<(Decimal, usize)> {
    let body = text.strip_suffix('%').or_else(|| text.strip_suffix('％'))?;
    let start = body
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
        .last()
        .map(|(i, _)| i)?;
    let digits = &body[start..];
    if start == 0 || !digits.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse::<Decimal>().ok()?, start))
}

/// Whether an indicator's name names a rate, whose target is a percentage: it ends with 率
/// (合格率, 资助率), but for the words that end so and are not ratios: 效率 (efficiency), 频率
/// (frequency), 功率 (power). Three rules agree on it: V022 asks a rate for a percentage, and
/// V020 and V024 leave rates to it. A remark in brackets after the name is not part of it
/// (`合格率（%）`, `验收合格率(按批次)`).
pub fn is_rate(name: &str) -> bool {
    let name = value::trailing_bracket(name).map_or(name, |(before, _)| before);
    let mut back = name.trim_end_matches(crate::ingest::is_space).chars().rev();
    back.next() == Some('率')
        && back
            .next()
            .is_some_and(|c| !matches!(c, '效' | '频' | '功'))
}

/// The longest word [`doubled`] looks for; an indicator value is a phrase, not a paragraph.
const DOUBLED_MAX: usize = 100;

/// A word of two or more characters written twice in a row (`提升提升`, `有效提高 有效提高`):
/// the longest such word, the first of that length.
///
/// Words up to `DOUBLED_MAX` characters are looked for, each length in one pass that counts how
/// many characters in a row equal the one `len` further on, so the work is the text's length
/// times the longest word: a cell of a million characters (hostile, or a page pasted in) takes a
/// fraction of a second, where comparing every pair of halves took minutes on a run of digits.
pub fn doubled(text: &str) -> Option<String> {
    // Digits repeat legitimately (`1000`, `2025`), and so does 每 in `每生每年`; only words count.
    let wordy = |c: char| !c.is_ascii_digit() && !c.is_ascii_punctuation();
    // A doubled word holds a word character, which then occurs twice. Most values
    // (`2025年12月底前`, `≥95%`) repeat none, and are settled without the search below.
    if !repeats_a(text, |c| !c.is_whitespace() && wordy(c)) {
        return None;
    }
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    let n = chars.len();
    for len in (2..=(n / 2).min(DOUBLED_MAX)).rev() {
        // Over the window `chars[i + 1 - len..=i]`: how many positions up to `i` in a row equal
        // the one `len` further on, and how many 每 and word characters it holds.
        let (mut same, mut mei, mut words) = (0, 0, 0);
        for i in 0..n - len {
            same = if chars[i] == chars[i + len] {
                same + 1
            } else {
                0
            };
            mei += usize::from(chars[i] == '每');
            words += usize::from(wordy(chars[i]));
            if i >= len {
                mei -= usize::from(chars[i - len] == '每');
                words -= usize::from(wordy(chars[i - len]));
            }
            if same >= len && mei == 0 && words > 0 {
                return Some(chars[i + 1 - len..=i].iter().collect());
            }
        }
    }
    None
}

/// Whether some character of `text` that `counts` occurs twice. Past 32 such characters it
/// answers yes without looking: the question only spares short texts a longer search.
fn repeats_a(text: &str, counts: impl Fn(char) -> bool) -> bool {
    let mut seen = ['\0'; 32];
    for (n, c) in text.chars().filter(|&c| counts(c)).enumerate() {
        if n == seen.len() || seen[..n].contains(&c) {
            return true;
        }
        seen[n] = c;
    }
    false
}

/// The truth of a value in a condition: `null` is neither true nor false.
/// What `l and …` (`and`) or `l or …` is whatever its right operand: false after a false
/// left operand of `and`, true after a true one of `or`; `None` when the right one is needed.
/// The evaluator, the compiled row tests (`rowtest`) and the engine's `when` taken operand by
/// operand all short-circuit by this and join by [`join`].
pub fn short_circuit(and: bool, l: Option<bool>) -> Option<bool> {
    match (and, l) {
        (true, Some(false)) => Some(false),
        (false, Some(true)) => Some(true),
        _ => None,
    }
}

/// `l and r` (`and`) or `l or r` in three-valued logic, `None` being empty: a false operand
/// makes `and` false and a true one makes `or` true whatever the other is; else either one
/// empty makes it empty.
pub fn join(and: bool, l: Option<bool>, r: Option<bool>) -> Option<bool> {
    match (and, l, r) {
        (true, Some(false), _) | (true, _, Some(false)) => Some(false),
        (false, Some(true), _) | (false, _, Some(true)) => Some(true),
        (_, Some(x), Some(y)) => Some(if and { x && y } else { x || y }),
        _ => None,
    }
}

pub fn logic(v: &V<'_>) -> Option<bool> {
    match &v.val {
        Val::Null => None,
        Val::Bool(b) => Some(*b),
        _ => Some(truthy(v)),
    }
}

fn truthy(v: &V<'_>) -> bool {
    match &v.val {
        Val::Null => false,
        Val::Bool(b) => *b,
        Val::Num(d) => !d.is_zero(),
        Val::Str(s) => !s.is_empty(),
        Val::List(l) => !l.is_empty(),
        _ => true,
    }
}

/// Whether `v == "text"` holds: [`equal`] with a text literal, without building one.
pub fn is_text(v: &V<'_>, text: &str) -> bool {
    matches!(&v.val, Val::Str(s) if s == text)
}

/// Whether a node is a text or `null` literal, which [`equals_literal`] compares with.
pub fn is_literal(node: &Node) -> bool {
    matches!(node.expr, Expr::Str(_) | Expr::Null)
}

/// Whether `v == literal` holds, for a node of [`is_literal`]: [`equal`]'s answer, without
/// building the literal as a value.
pub fn equals_literal(v: &V<'_>, literal: &Node) -> bool {
    match &literal.expr {
        Expr::Str(text) => is_text(v, text),
        _ => v.is_null(),
    }
}

fn equal(a: &V<'_>, b: &V<'_>) -> bool {
    match (&a.val, &b.val) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Table(_, x), Val::Table(_, y)) => x == y,
        (Val::Line(_, t, r), Val::Line(_, u, q)) => (t, r) == (u, q),
        (Val::TableCell(_, t, r, c), Val::TableCell(_, u, q, k)) => (t, r, c) == (u, q, k),
        (Val::List(x), Val::List(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| equal(p, q))
        }
        _ => false,
    }
}

fn per_time(v: &value::Value) -> Option<value::TimeUnit> {
    match &v.kind {
        Kind::Quantity(q) => q.unit.as_ref().and_then(|u| u.per_time()),
        _ => None,
    }
}

/// The period a row's rate is per: its value's unit's (`522元/人/月`), else the one its name
/// states (`每月发放标准` `494元/人`). Forms write the period in either place, and a cost
/// checked against a year's funds must be multiplied by it wherever it is written.
fn rate_period(h: &HalfCtx) -> Option<value::TimeUnit> {
    h.value
        .as_deref()
        .and_then(per_time)
        .or_else(|| (h.half.name.value.as_deref()).and_then(value::unit::period_in_name))
}

/// The 主管部门 without its code, on the whole cell: the code has its own field.
fn department_name(f: &Form) -> V<'_> {
    V {
        val: f
            .department
            .value
            .as_ref()
            .map_or(Val::Null, |d| Val::Str(Cow::Borrowed(&d.name))),
        span: Spot(f.department.span),
    }
}

fn header<'a>(f: &'a Form, label: &str) -> Option<V<'a>> {
    Some(match label {
        "项目名称" | "部门名称" => V::str_cell(&f.name),
        "主管部门" | "主管部门及代码" => department_name(f),
        "实施单位" => V::str_cell(&f.implementing_unit),
        "项目属性" => V::str_cell(&f.attribute),
        "项目期" => V::str_cell(&f.period),
        "填报日期" => V::str_cell(&f.sign_off.date),
        "负责人" => V::str_cell(&f.sign_off.principal),
        "联系电话" => V::str_cell(&f.sign_off.phone),
        _ => return None,
    })
}

fn note<'a>(h: &'a HalfCtx<'a>, which: &str) -> V<'a> {
    let Some(v) = &h.value else { return V::null() };
    for n in &v.notes {
        let (name, span) = match n {
            Note::PercentOver100 { span } => ("percent_over_100", span),
            Note::OddPercent { span } => ("odd_percent", span),
            Note::TruncatedList { span } => ("truncated_list", span),
            Note::NonCanonicalUnit { span, .. } => ("non_canonical_unit", span),
            Note::MissingSlash { span } => ("missing_slash", span),
        };
        if name == which {
            let text = &v.text[span.range()];
            return V::at(
                Val::Str(Cow::Owned(text.to_owned())),
                part_span(h.half.value.span, &v.text, *span),
            );
        }
    }
    V::null()
}

fn note_names(v: &value::Value) -> Vec<&'static str> {
    v.notes
        .iter()
        .map(|n| match n {
            Note::PercentOver100 { .. } => "percent_over_100",
            Note::OddPercent { .. } => "odd_percent",
            Note::TruncatedList { .. } => "truncated_list",
            Note::NonCanonicalUnit { .. } => "non_canonical_unit",
            Note::MissingSlash { .. } => "missing_slash",
        })
        .collect()
}

fn s<'a>(text: &'a str) -> Val<'a> {
    Val::Str(Cow::Borrowed(text))
}

fn num_or_null<'a>(d: Option<Decimal>) -> V<'a> {
    V::new(d.map_or(Val::Null, Val::Num))
}

/// A field of a value; `None` if the type has no such field (the load-time check prevents
/// that for packs that loaded).
/// A function argument as text: a string, or a row (its 三级指标 name). Borrowed: the
/// functions only read it.
fn text<'v>(v: &'v V<'_>) -> Option<&'v str> {
    match &v.val {
        Val::Str(s) => Some(s),
        Val::Half(h) => h.half.name.value.as_deref(),
        _ => None,
    }
}

/// [`field`] of a name in an expression: a row's and a value's fields by the key found when
/// the expression was built, any other by its text.
#[inline]
pub fn field_named<'a>(base: &V<'a>, name: &FieldName) -> Option<V<'a>> {
    match (&base.val, name.key()) {
        (Val::Half(h), Some(key)) => half_field(h, key),
        (Val::Value(h), Some(key)) => value_field(h, key),
        _ => field(base, name),
    }
}

pub fn field<'a>(base: &V<'a>, name: &str) -> Option<V<'a>> {
    Some(match &base.val {
        Val::Null => V::null(),
        Val::Form(fc) => form_field(fc, name)?,
        Val::FundsPair(fc) => match name {
            "implementation" => V::new(Val::Funds(
                &fc.form.funds_implementation,
                Period::Implementation,
            )),
            "annual" => V::new(Val::Funds(&fc.form.funds_annual, Period::Annual)),
            _ => return None,
        },
        Val::Funds(f, p) => match name {
            "period" => V::new(s(p.label())),
            "total" => V::num_cell(&f.total),
            "sources" => list(f.sources().map(|(_, c)| V::num_cell(c)).collect()),
            "fiscal_parts" => list(f.fiscal_parts().map(|(_, c)| V::num_cell(c)).collect()),
            _ => V::num_cell(f.cell(Source::of_key(name)?)),
        },
        Val::Half(h) => half_field(h, FieldKey::of(name)?)?,
        Val::Pair(i, a) => match name {
            "implementation" => V::new(Val::Half(i)),
            "annual" => V::new(Val::Half(a)),
            _ => return None,
        },
        Val::Value(h) => value_field(h, FieldKey::of(name)?)?,
        Val::Document(d) => match name {
            "forms" => V::new(Val::List(Rc::new(
                d.forms
                    .iter()
                    .map(|f| V::at(Val::Form(f), f.form.title.span))
                    .collect(),
            ))),
            "tables" => list(
                (0..d.doc.tables.len())
                    .map(|t| V::at(Val::Table(d, t), d.table(t).title.span))
                    .collect(),
            ),
            "projects" => list(
                (0..d.projects.len())
                    .map(|p| V::new(Val::Project(d, p)))
                    .collect(),
            ),
            "figures" => list(
                (0..d.doc.prose.len())
                    .map(|f| V::at(Val::Figure(d, f), d.doc.prose[f].amount.span))
                    .collect(),
            ),
            "department_form" => d
                .forms
                .iter()
                .find(|f| f.form.kind == FormKind::Department)
                .map_or_else(V::null, |f| V::at(Val::Form(f), f.form.title.span)),
            _ => return None,
        },
        Val::Table(d, t) => table_field(d, *t, name)?,
        Val::Line(d, t, r) => line_field(d, *t, *r, name)?,
        &Val::TableCell(d, t, r, c) => cell_field(d, t as usize, r as usize, c as usize, name)?,
        Val::Project(d, p) => project_field(d, *p, name)?,
        Val::Figure(d, f) => figure_field(d, *f, name)?,
        Val::Task(t) => match name {
            "name" => V::str_cell(&t.name),
            "content" => V::str_cell(&t.content),
            "total" => V::num_cell(&t.total),
            "fiscal" => V::num_cell(&t.fiscal),
            "other" => V::num_cell(&t.other),
            "sources" => list(vec![V::num_cell(&t.fiscal), V::num_cell(&t.other)]),
            _ => return None,
        },
        _ => return None,
    })
}

fn list(items: Vec<V<'_>>) -> V<'_> {
    V::new(Val::List(Rc::new(items)))
}

pub fn line_value<'a>(d: &'a DocCtx<'a>, t: usize, r: usize) -> V<'a> {
    V::at(Val::Line(d, t, r), d.table(t).rows[r].name.span)
}

pub fn cell_value<'a>(d: &'a DocCtx<'a>, t: usize, r: usize, c: usize) -> V<'a> {
    let row = &d.table(t).rows[r];
    let span = row.cells.get(c).map_or(row.span, |cell| cell.span);
    // Indexes into one file's tables, so they fit (see `Val::TableCell`).
    let index = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    V::at(Val::TableCell(d, index(t), index(r), index(c)), span)
}

fn table_field<'a>(d: &'a DocCtx<'a>, t: usize, name: &str) -> Option<V<'a>> {
    let table = d.table(t);
    Some(match name {
        "kind" => V::new(s(table.kind.key())),
        "title" => V::str_cell(&table.title),
        "side" => V::new(table.side.map_or(Val::Null, s)),
        "unit" => V::new(s(table.unit.label())),
        "columns" => list(
            table
                .columns
                .iter()
                .map(|c| V::new(s(c.name.as_str())))
                .collect(),
        ),
        "rows" => list((0..table.rows.len()).map(|r| line_value(d, t, r)).collect()),
        "no_data" => V::new(Val::Bool(table.no_data)),
        "total" => table
            .rows
            .iter()
            .position(|r| r.role == crate::model::RowRole::Total && r.parent.is_none())
            .map_or_else(V::null, |r| line_value(d, t, r)),
        _ => return None,
    })
}

fn line_field<'a>(d: &'a DocCtx<'a>, t: usize, r: usize, name: &str) -> Option<V<'a>> {
    let table = d.table(t);
    let row = &table.rows[r];
    Some(match name {
        "code" => V::str_cell(&row.code),
        "name" => V::str_cell(&row.name),
        "detail" => V::str_cell(&row.detail),
        "role" => V::at(s(row.role.key()), row.name.span),
        "table" => V::at(Val::Table(d, t), table.title.span),
        "cells" => list(
            (0..table.columns.len())
                .map(|c| cell_value(d, t, r, c))
                .collect(),
        ),
        "amount" => {
            if table.columns.is_empty() {
                V::null()
            } else {
                cell_value(d, t, r, 0)
            }
        }
        "children" => list(row.children.iter().map(|&k| line_value(d, t, k)).collect()),
        "parent" => row.parent.map_or_else(V::null, |p| line_value(d, t, p)),
        "unit" => row
            .parent
            .filter(|&p| table.rows[p].role == crate::model::RowRole::Unit)
            .map_or_else(V::null, |p| line_value(d, t, p)),
        "project" => d
            .project_of_line
            .get(&(t, r))
            .map_or_else(V::null, |&p| V::new(Val::Project(d, p))),
        _ => return None,
    })
}

fn cell_field<'a>(d: &'a DocCtx<'a>, t: usize, r: usize, c: usize, name: &str) -> Option<V<'a>> {
    let table = d.table(t);
    let row = &table.rows[r];
    let here = cell_value(d, t, r, c);
    Some(match name {
        "value" => V {
            val: Val::Num(row.amount(c)),
            span: here.span,
        },
        "blank" => V::new(Val::Bool(
            row.cells.get(c).is_none_or(|x| x.value.is_none()),
        )),
        "column" => V::new(s(table.columns[c].name.as_str())),
        "line" => line_value(d, t, r),
        "parts" => list(
            table.columns[c]
                .parts
                .iter()
                .map(|&k| cell_value(d, t, r, k))
                .collect(),
        ),
        "children" => list(
            row.children
                .iter()
                .map(|&k| cell_value(d, t, k, c))
                .collect(),
        ),
        _ => return None,
    })
}

fn project_field<'a>(d: &'a DocCtx<'a>, p: usize, name: &str) -> Option<V<'a>> {
    let pr = &d.projects[p];
    Some(match name {
        "line" => pr.line.map_or_else(V::null, |(t, r)| line_value(d, t, r)),
        "form" => pr
            .form
            .and_then(|f| d.forms.get(f))
            .map_or_else(V::null, |f| V::at(Val::Form(f), f.form.name.span)),
        "match" => V::new(pr.kind.map_or(Val::Null, |k| s(k.key()))),
        "similarity" => V::new(Val::Num(pr.similarity)),
        _ => return None,
    })
}

fn figure_field<'a>(d: &'a DocCtx<'a>, f: usize, name: &str) -> Option<V<'a>> {
    let fig = &d.doc.prose[f];
    Some(match name {
        "label" => V::at(s(fig.label.as_str()), fig.amount.span),
        "amount" => V::num_cell(&fig.amount),
        "share" => fig.share.as_ref().map_or_else(V::null, V::num_cell),
        "base" => fig.base.map_or_else(V::null, |b| {
            V::at(Val::Figure(d, b), d.doc.prose[b].amount.span)
        }),
        "direction" => V::new(fig.direction.map_or(Val::Null, s)),
        "section" => V::new(s(fig.section.as_str())),
        "quoted" => {
            let names = d.row_names.get_or_init(|| budget::RowNames::of(d.doc));
            budget::quoted(d.doc, names, &fig.section, &fig.label)
                .map_or_else(V::null, |(t, r, c)| cell_value(d, t, r, c))
        }
        _ => return None,
    })
}

/// An amount of the department form's 年度预算情况 block, by its label without
/// `其中:` and spaces (`合计`, `一般公共预算`, `基本支出`).
fn amount_of<'a>(f: &'a Form, label: &str) -> V<'a> {
    let Some(section) = &f.department_section else {
        return V::null();
    };
    let clean = |t: &str| -> String {
        let t: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        let t = t.trim_start_matches("其中").trim_start_matches([':', '：']);
        t.to_owned()
    };
    let want = clean(label);
    let all = section
        .funds_by_source
        .iter()
        .chain(&section.funds_by_direction);
    // `一般公共预算` names `一般公共预算资金`; `财政专户管理资金` names `专户管理资金`.
    let mut hits = all.filter(|a| {
        a.label.value.as_deref().is_some_and(|l| {
            let l = clean(l);
            !l.is_empty() && (l.starts_with(&want) || want.ends_with(&l))
        })
    });
    match hits.next() {
        Some(a) => V::num_cell(&a.amount),
        None => V::null(),
    }
}

/// A block of the department form's 年度预算情况: its parts (every line but 合计), or its
/// 合计 (`null` if it prints none).
fn budget_block<'a>(
    f: &'a Form,
    block: impl Fn(&'a crate::model::DepartmentSection) -> &'a Vec<crate::model::LabelledAmount>,
    total: bool,
) -> V<'a> {
    let mut lines = f
        .department_section
        .as_deref()
        .map(block)
        .into_iter()
        .flatten();
    if total {
        return lines
            .find(|a| a.is_total())
            .map_or_else(V::null, |a| V::num_cell(&a.amount));
    }
    list(
        lines
            .filter(|a| !a.is_total())
            .map(|a| V::num_cell(&a.amount))
            .collect(),
    )
}

fn form_field<'a>(fc: &'a FormCtx<'a>, name: &str) -> Option<V<'a>> {
    let f = fc.form;
    let halves = |p: Option<Period>| {
        // Counted first: collected from a filter, the list was grown from nothing.
        let of = |h: &&HalfCtx<'a>| p.is_none_or(|p| h.period == p);
        let mut list = Vec::with_capacity(fc.halves().iter().filter(of).count());
        list.extend(
            fc.halves()
                .iter()
                .filter(of)
                .map(|h| V::at(Val::Half(h), h.half.name.span)),
        );
        V::new(Val::List(Rc::new(list)))
    };
    Some(match name {
        "kind" => V::new(s(match f.kind {
            FormKind::Project => "project",
            FormKind::Department => "department",
        })),
        "title" => V::str_cell(&f.title),
        "name" => V::str_cell(&f.name),
        "year" => V {
            val: f
                .year
                .value
                .map_or(Val::Null, |y| Val::Num(Decimal::from(y))),
            span: Spot(f.year.span),
        },
        "money_unit" => V::new(s(f.money_unit.label())),
        "department" => department_name(f),
        "department_code" => V {
            val: f
                .department
                .value
                .as_ref()
                .and_then(|d| d.code.as_deref())
                .map_or(Val::Null, |c| Val::Str(Cow::Borrowed(c))),
            span: Spot(f.department.span),
        },
        "implementing_unit" => V::str_cell(&f.implementing_unit),
        "attribute" => V::str_cell(&f.attribute),
        "period" => V::str_cell(&f.period),
        "period_years" => V {
            val: f
                .period
                .value
                .as_deref()
                .and_then(years_of)
                .map_or(Val::Null, Val::Num),
            span: Spot(f.period.span),
        },
        "funds" => V::new(Val::FundsPair(fc)),
        "rows" => halves(None),
        "implementation_rows" => halves(Some(Period::Implementation)),
        "annual_rows" => halves(Some(Period::Annual)),
        "pairs" => V::new(Val::List(Rc::new(
            fc.pairs()
                .iter()
                .map(|&(i, a)| {
                    V::at(
                        Val::Pair(&fc.halves()[i], &fc.halves()[a]),
                        fc.halves()[a].half.name.span,
                    )
                })
                .collect(),
        ))),
        "two_periods" => V::new(Val::Bool(f.grid_layout == GridLayout::TwoPeriods)),
        "overview" => V::str_cell(&f.texts.overview),
        "basis" => V::str_cell(&f.texts.basis),
        "necessity" => V::str_cell(&f.texts.necessity),
        "measures" => V::str_cell(&f.texts.measures),
        "plan" => V::str_cell(&f.texts.plan),
        "goal_implementation" => V::str_cell(&f.texts.goal_implementation),
        // A department form's 年度绩效目标 is its annual goal.
        "goal_annual" => match &f.department_section {
            Some(d) if f.texts.goal_annual.is_missing() => V::str_cell(&d.annual_goal),
            _ => V::str_cell(&f.texts.goal_annual),
        },
        "duties" => match &f.department_section {
            Some(d) => V::str_cell(&d.duties),
            None => V::null(),
        },
        "budget_sources" => budget_block(f, |d| &d.funds_by_source, false),
        "budget_source_total" => budget_block(f, |d| &d.funds_by_source, true),
        "budget_directions" => budget_block(f, |d| &d.funds_by_direction, false),
        "budget_direction_total" => budget_block(f, |d| &d.funds_by_direction, true),
        "tasks" => list(
            f.department_section
                .iter()
                .flat_map(|d| &d.tasks)
                .map(|t| V::at(Val::Task(t), t.name.span))
                .collect(),
        ),
        "principal" => V::str_cell(&f.sign_off.principal),
        "phone" => V::str_cell(&f.sign_off.phone),
        "date" => V::str_cell(&f.sign_off.date),
        _ => return None,
    })
}

/// `3年` → 3; `1年` → 1. Anything else (`2025年01367`) is not a number of years.
fn years_of(period: &str) -> Option<Decimal> {
    let digits = period.trim().strip_suffix('年')?;
    (!digits.is_empty() && digits.len() <= 3 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse::<u32>().ok().map(Decimal::from))
        .flatten()
}

/// The text of a row's field ([`half_field`] builds its value from this, so the two agree).
pub fn row_text<'a>(h: &'a HalfCtx<'a>, field: RowText) -> Option<&'a str> {
    let half = h.half;
    match field {
        RowText::Period => Some(h.period.label()),
        // The 一级指标 is the 二级指标's parent where that is known, else the cell.
        RowText::Level1 => {
            (half.level2.value.as_deref().and_then(parent_of)).or(half.level1.value.as_deref())
        }
        RowText::Level2 => half.level2.value.as_deref(),
        RowText::Name => half.name.value.as_deref(),
        RowText::Text => half.value.value.as_deref(),
        RowText::Written => h.written.as_deref().or(half.value.value.as_deref()),
    }
}

/// A row's fields. Which cells each reads is also written in `verdict::Reads::of_field`, which
/// remembers passes by those cells: change both together.
fn half_field<'a>(h: &'a HalfCtx<'a>, key: FieldKey) -> Option<V<'a>> {
    let half = h.half;
    if let Some(field) = key.row_text() {
        // Where the text came from: the 二级指标's cell for a parent read off it.
        let span = match field {
            RowText::Period => return Some(V::new(s(h.period.label()))),
            RowText::Level1 if half.level2.value.as_deref().and_then(parent_of).is_some() => {
                half.level2.span
            }
            RowText::Level1 => half.level1.span,
            RowText::Level2 => half.level2.span,
            RowText::Name => half.name.span,
            RowText::Text | RowText::Written => half.value.span,
        };
        let val = row_text(h, field).map_or(Val::Null, |t| Val::Str(Cow::Borrowed(t)));
        return Some(V {
            val,
            span: Spot(span),
        });
    }
    Some(match key {
        FieldKey::Value => match &h.value {
            Some(_) => V::at(Val::Value(h), half.value.span),
            None => V {
                val: Val::Null,
                span: Spot(half.value.span),
            },
        },
        FieldKey::Expected => {
            let (Some(level2), Some(v)) = (half.level2.value.as_deref(), &h.value) else {
                return Some(V::null());
            };
            match value::fits(level2, v) {
                value::Fit::Expected(e) => V::at(s(e), half.value.span),
                _ => V::null(),
            }
        }
        _ => return None,
    })
}

/// Where `part` of a value's `text` is written, `cell` being where the text is: the cell is most
/// often the text as written, byte for byte (a printed grid's 指标值 is kept as it stands). A
/// value written over lines is not (a YAML scalar folded: its line break and indentation read
/// as one space), but the YAML reader places it from its first word, written as read
/// (`ingest::structured`'s `Locator::words`); a part past that word is placed on the whole cell
/// rather than at a column the text does not have there. So is a part past the cell's own end:
/// a cell shorter than the text's first word does not hold the text as written (a YAML value
/// read through an alias `*v` is placed on the alias; a value read with its comparator and unit
/// columns, `≥90%` of `≥ | 90 | %`, on its cell `90`), and a part placed past it pointed at what
/// follows the cell, or past the end of the file (found by `cargo fuzz run ingest`).
fn part_span(cell: Span, text: &str, part: Span) -> Span {
    let first_word = || text.find(char::is_whitespace).unwrap_or(text.len());
    match cell.len() == text.len() || part.end() <= first_word().min(cell.len()) {
        true => Span::new(cell.start() + part.start(), cell.start() + part.end()),
        false => cell,
    }
}

fn value_field<'a>(h: &'a HalfCtx<'a>, key: FieldKey) -> Option<V<'a>> {
    let v = h.value.as_ref()?;
    let cell = h.half.value.span;
    let at = |val| V::at(val, cell);
    let quantity = match &v.kind {
        Kind::Quantity(q) => Some(q),
        _ => None,
    };
    let unit = quantity.and_then(|q| q.unit.as_ref());
    let deadline = match &v.kind {
        Kind::Deadline(d) => Some(d),
        _ => None,
    };
    Some(match key {
        FieldKey::Kind => at(s(v.kind.name())),
        // On the comparator itself where the cell writes one: a finding about it underlines
        // the `≥`, not the whole value.
        FieldKey::Cmp => {
            let val = v.cmp().map_or(Val::Null, |c| s(c.symbol()));
            match v.cmp_span() {
                Some(c) => V::at(val, part_span(cell, &v.text, c)),
                None => at(val),
            }
        }
        FieldKey::Amount => at(v.amount().map_or(Val::Null, Val::Num)),
        FieldKey::Upper => at(match &v.kind {
            Kind::Quantity(q) => q.upper.map_or(Val::Null, Val::Num),
            Kind::Percent(p) => p.upper.map_or(Val::Null, Val::Num),
            _ => Val::Null,
        }),
        // On the unit itself where the cell writes it in one piece: a finding about the unit
        // (a cost in 公里, a 人数 in 个) underlines the `公里`, not the whole value.
        FieldKey::Unit => {
            let val = v.unit().map_or(Val::Null, |u| Val::Str(Cow::Owned(u)));
            match v.unit_span() {
                Some(u) => V::at(val, part_span(cell, &v.text, u)),
                None => at(val),
            }
        }
        FieldKey::Yuan => at(quantity
            .and_then(|q| {
                q.unit
                    .as_ref()
                    .and_then(|u| value::unit::to_yuan(q.amount, u))
            })
            .map_or(Val::Null, Val::Num)),
        FieldKey::IsMoney => at(Val::Bool(unit.is_some_and(|u| u.is_money()))),
        FieldKey::IsCount => at(Val::Bool(unit.is_some_and(|u| u.is_count()))),
        FieldKey::PerPerson => at(Val::Bool(unit.is_some_and(|u| u.per_person()))),
        FieldKey::PerTime => at(unit
            .and_then(|u| u.per_time())
            .map_or(Val::Null, |t| s(t.spelling()))),
        FieldKey::PerCount => at(unit.and_then(|u| u.per_count()).map_or(Val::Null, |c| s(c))),
        FieldKey::Year => at(deadline
            .and_then(|d| d.year)
            .map_or(Val::Null, |y| Val::Num(Decimal::from(y)))),
        FieldKey::Month => at(deadline
            .and_then(|d| d.month)
            .map_or(Val::Null, |m| Val::Num(Decimal::from(m)))),
        FieldKey::Recurring => at(Val::Bool(deadline.is_some_and(|d| d.recurring))),
        FieldKey::Count => match &v.kind {
            Kind::Frequency(f) => num_or_null(Some(f.count)),
            _ => V::null(),
        },
        FieldKey::Reason => at(match &v.kind {
            Kind::Invalid { reason, .. } => s(match reason {
                Reason::ReversedUnit => "reversed_unit",
                Reason::SpreadsheetDamage => "spreadsheet_damage",
                Reason::Unrecognised => "unrecognised",
            }),
            Kind::Placeholder { .. } => s("placeholder"),
            _ => Val::Null,
        }),
        FieldKey::Problem => match &v.kind {
            Kind::Invalid { span, .. } | Kind::Placeholder { span } => V::at(
                Val::Str(Cow::Owned(v.text[span.range()].to_owned())),
                part_span(cell, &v.text, *span),
            ),
            _ => V::null(),
        },
        FieldKey::Notes => V::new(Val::List(Rc::new(
            note_names(v).into_iter().map(|n| at(s(n))).collect(),
        ))),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A part of a value is placed in its cell where the cell is the text as written, or where
    /// the part lies in the first word; else on the whole cell.
    #[test]
    fn a_part_is_placed_where_its_value_is_written_as_read() {
        let cell = Span::new(100, 111);
        assert_eq!(
            part_span(cell, "≥4人/元", Span::new(4, 11)).range(),
            104..111
        );
        // "≥4 人/元" read from `≥4` and `人/元` on two lines: the cell is longer than its text.
        let folded = Span::new(100, 120);
        assert_eq!(
            part_span(folded, "≥4 人/元", Span::new(0, 3)).range(),
            100..103
        );
        assert_eq!(part_span(folded, "≥4 人/元", Span::new(5, 12)), folded);
        // Read through an alias `*e`, or with its comparator and unit columns (`≥ | 90 | %`):
        // the cell is not the text, and a part past the cell's end is placed on all of it.
        let alias = Span::new(100, 102);
        assert_eq!(part_span(alias, "11人/", Span::new(0, 7)), alias);
        let ninety = Span::new(100, 102);
        assert_eq!(part_span(ninety, "≥90%", Span::new(5, 6)), ninety);
        assert_eq!(part_span(ninety, "≥90%", Span::new(0, 3)), ninety);
    }

    /// A value kept for one item is not the next item's, and its slot takes the next item's
    /// value; past the last count the slots are emptied for real.
    #[test]
    fn kept_values_are_the_current_items_only() {
        let text = |v: Option<&V<'_>>| v.map(V::display);
        let mut k = Kept::with_room(4);
        k.clear();
        k.put(3, V::new(s("甲")));
        assert_eq!(text(k.get(3)), Some("甲".into()));
        assert_eq!(text(k.get(1)), None, "a slot below the highest, never set");
        k.clear();
        assert_eq!(text(k.get(3)), None, "the last item's");
        k.put(3, V::new(s("乙")));
        assert_eq!(text(k.get(3)), Some("乙".into()));
        k.now = u32::MAX;
        k.put(2, V::new(s("丙")));
        k.clear();
        assert_eq!((k.now, k.values.len()), (0, 0));
        assert_eq!(text(k.get(2)), None);
    }

    fn run(text: &str) -> Result<String, String> {
        let node = crate::rules::expr::parse(text).expect("parses");
        let ev = Evaluator::new(Vec::new());
        let mut env = Env::default();
        ev.eval(&node, &mut env)
            .map(|v| v.display())
            .map_err(|e| e.0.message)
    }

    /// Every node of every rule hands back a value, and most of what an item costs is
    /// moving, copying and dropping them: each 8 bytes here was 0.8–1.7% of a run's
    /// instructions (docs/performance.md).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_value_stays_small() {
        assert!(std::mem::size_of::<Val>() <= 32);
        assert!(std::mem::size_of::<V>() <= 40);
        // What every node returns: no larger than the value, the error boxed.
        assert_eq!(
            std::mem::size_of::<Result<V, EvalError>>(),
            std::mem::size_of::<V>()
        );
    }

    /// `and` and `or` in three-valued logic, `null` empty: false and anything is false, true
    /// or anything is true, otherwise an empty operand makes the result empty; and the right
    /// operand is not evaluated once the left decides (an unknown name there raises nothing).
    /// The compiled row tests and the engine's `when` taken operand by operand join by the same
    /// functions, so this table holds all three.
    #[test]
    fn and_and_or_in_three_valued_logic() {
        let empty = run("null").expect("null");
        let (t, f) = ("是".to_owned(), "否".to_owned());
        let operands = [("true", Some(true)), ("false", Some(false)), ("null", None)];
        let shown =
            |b: Option<bool>| b.map_or(empty.clone(), |b| if b { t.clone() } else { f.clone() });
        for (l, lb) in operands {
            for (r, rb) in operands {
                let and = match (lb, rb) {
                    (Some(false), _) | (_, Some(false)) => Some(false),
                    (Some(true), Some(true)) => Some(true),
                    _ => None,
                };
                let or = match (lb, rb) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                };
                assert_eq!(run(&format!("{l} and {r}")), Ok(shown(and)), "{l} and {r}");
                assert_eq!(run(&format!("{l} or {r}")), Ok(shown(or)), "{l} or {r}");
            }
        }
        assert_eq!(run("false and nowhere"), Ok(f.clone()));
        assert_eq!(run("true or nowhere"), Ok(t.clone()));
        assert!(
            run("null and nowhere").is_err(),
            "the right operand is needed"
        );
    }

    /// `==` and `!=` with a text literal or `null` (compared in place) give what they give
    /// with any other operand: a text is equal only to the same text, `null` only to `null`,
    /// and the answer is never null.
    #[test]
    fn comparisons_with_text() {
        for (text, want) in [
            (r#""a" == "a""#, "是"),
            (r#""a" != "a""#, "否"),
            (r#""a" == "b""#, "否"),
            (r#""a" != "b""#, "是"),
            (r#"null == "a""#, "否"),
            (r#"null != "a""#, "是"),
            (r#"1 == "1""#, "否"),
            (r#"[1] != "1""#, "是"),
            (r#""a" == "a" and "b" == "b""#, "是"),
            ("null == null", "是"),
            ("null != null", "否"),
            ("1 == null", "否"),
            (r#""" != null"#, "是"),
            // The literal on the left is compared the general way, to the same answer.
            (r#""a" == null"#, "否"),
            (r#""1" == 1"#, "否"),
        ] {
            assert_eq!(run(text).as_deref(), Ok(want), "{text}");
        }
    }

    /// A field of a variable is read where the variable is (not copied out of the
    /// environment): it reads the same as a field of any other value, and an unknown variable
    /// is an error at the variable.
    #[test]
    fn fields_of_variables() {
        assert_eq!(run("any([null], r => r.name == null)").as_deref(), Ok("是"));
        assert_eq!(
            run("all([null, null], r => r.name != null)").as_deref(),
            Ok("否")
        );
        let node = crate::rules::expr::parse("1 + row.name").expect("parses");
        let e = Evaluator::new(Vec::new())
            .eval(&node, &mut Env::default())
            .err()
            .expect("row is not bound");
        assert_eq!(e.message, "未知变量“row”");
        assert_eq!((e.start, e.end), (4, 7), "the error is at `row`");
    }

    /// A field of a variable's field (`pair.annual.name`) is read off the variable in place:
    /// the same value and cell as the inner field's value read the general way, `null` through
    /// a `null`, and a missing field an error at the node that names it, inner or outer.
    #[test]
    fn fields_of_fields_of_variables() {
        // Parsed before the halves: the evaluator borrows a node for as long as the values.
        let texts = [
            "pair.annual.name",
            "pair.implementation.level2",
            "pair.annual.nonesuch",
            "pair.nonesuch.name",
            "pairs.annual.name",
        ];
        let nodes: Vec<Node> = (texts.iter())
            .map(|t| crate::rules::expr::parse(t).expect("parses"))
            .collect();
        let half = |name: &str, at: usize| IndicatorHalf {
            level1: crate::model::Cell::default(),
            level2: crate::model::Cell::new("数量指标".into(), Span::new(at, at)),
            name: crate::model::Cell::new(name.into(), Span::new(at + 20, at + 20 + name.len())),
            value: crate::model::Cell::default(),
            extras: Box::default(),
        };
        let (imp, ann) = (
            half("学校维修、保洁、保安", 100),
            half("学校维修、保洁、", 200),
        );
        let ctx = |h, period| HalfCtx {
            half: h,
            value: None,
            written: None,
            period,
        };
        let (i, a) = (ctx(&imp, Period::Implementation), ctx(&ann, Period::Annual));
        let ev = Evaluator::new(Vec::new());
        // `pair` bound to the two halves, or to `null`.
        let eval = |text: &str, null: bool| {
            let node = &nodes[texts.iter().position(|t| *t == text).expect("listed")];
            let mut env = Env::default();
            env.push(
                "pair",
                if null {
                    V::null()
                } else {
                    V::new(Val::Pair(&i, &a))
                },
            );
            ev.eval(node, &mut env)
                .map(|v| (v.display(), v.span()))
                .map_err(|e| (e.0.message.clone(), e.0.start, e.0.end))
        };
        let name_at = |at: usize| Some(Span::new(at + 20, at + 20 + "学校维修、保洁、".len()));
        assert_eq!(
            eval("pair.annual.name", false),
            Ok(("学校维修、保洁、".into(), name_at(200)))
        );
        // The general way, through a value that is not a variable's field.
        let general = field(
            &field(&V::new(Val::Pair(&i, &a)), "annual").unwrap(),
            "name",
        )
        .unwrap();
        assert_eq!(
            (general.display(), general.span()),
            ("学校维修、保洁、".into(), name_at(200))
        );
        assert_eq!(
            eval("pair.implementation.level2", false),
            Ok(("数量指标".into(), Some(Span::new(100, 100))))
        );
        assert_eq!(
            eval("pair.annual.name", true).map(|v| v.0),
            Ok(V::null().display())
        );
        assert_eq!(
            eval("pair.annual.nonesuch", false),
            Err(("没有字段“nonesuch”".into(), 0, 20)),
            "the outer field is missing"
        );
        assert_eq!(
            eval("pair.nonesuch.name", false),
            Err(("没有字段“nonesuch”".into(), 0, 13)),
            "the inner field is missing"
        );
        assert_eq!(
            eval("pairs.annual.name", false),
            Err(("未知变量“pairs”".into(), 0, 5))
        );
    }

    #[test]
    fn list_functions() {
        for (text, want) in [
            ("count([1, 2, 3], x => x > 1)", "2"),
            ("count([1, 2, 3])", "3"),
            ("any([1, 2, 3], x => x > 2)", "是"),
            ("any([1, 2, 3], x => x > 3)", "否"),
            ("any([], x => x > 3)", "否"),
            ("all([1, 2, 3], x => x > 0)", "是"),
            ("all([1, 2, 3], x => x > 1)", "否"),
            ("all([], x => x > 1)", "是"),
            ("one([1, 2, 3], x => x > 2)", "是"),
            ("one([1, 2, 3], x => x > 1)", "否"),
            ("one([1, 2, 3], x => x > 3)", "否"),
            ("first([1, 2, 3], x => x > 1)", "2"),
            ("first([1, 2, 3], x => x > 3)", "（空）"),
            ("first([4, 5])", "4"),
            ("filter([1, 2, 3], x => x != 2)", "1、3"),
            // A condition that is null is not satisfied.
            ("count([1, null, 3], x => x > 1)", "1"),
            ("all([1, null], x => x > 0)", "否"),
        ] {
            assert_eq!(run(text).as_deref(), Ok(want), "{text}");
        }
    }

    /// Like `and` and `or`, the list functions stop once their answer is known: an element
    /// past that point is not looked at, even one the condition fails on.
    #[test]
    fn list_functions_stop_once_the_answer_is_known() {
        assert_eq!(run("any([3, \"a\"], x => x > 2)").as_deref(), Ok("是"));
        assert_eq!(run("all([1, \"a\"], x => x > 2)").as_deref(), Ok("否"));
        assert_eq!(run("one([3, 4, \"a\"], x => x > 2)").as_deref(), Ok("否"));
        assert_eq!(run("first([3, \"a\"], x => x > 2)").as_deref(), Ok("3"));
        // `count` and `filter` look at every element.
        let e = run("count([3, \"a\"], x => x > 2)").expect_err("compares text with a number");
        assert!(e.contains("不能比较"), "{e}");
        assert!(run("filter([3, \"a\"], x => x > 2)").is_err());
    }

    #[test]
    fn contains_finds_an_item_of_a_list_or_a_part_of_a_text() {
        assert_eq!(run("contains([\"数量指标\", 3], 3)").as_deref(), Ok("是"));
        assert_eq!(
            run("contains([\"数量指标\", null], \"质量指标\")").as_deref(),
            Ok("否")
        );
        // Equality as `==` has it: a number is not its text.
        assert_eq!(run("contains([\"3\"], 3)").as_deref(), Ok("否"));
        assert_eq!(run("contains([], null)").as_deref(), Ok("否"));
        assert_eq!(run("contains(\"数量指标\", \"数量\")").as_deref(), Ok("是"));
    }

    #[test]
    fn a_bare_name_drops_the_bracket_at_its_end() {
        assert_eq!(
            run("bare_name(\"培训人数（人）\")").as_deref(),
            Ok("培训人数")
        );
        assert_eq!(
            run("bare_name(\"验收合格率 (按批次)\")").as_deref(),
            Ok("验收合格率")
        );
        assert_eq!(
            run("bare_name(\"（一期）工程\")").as_deref(),
            Ok("（一期）工程")
        );
        assert_eq!(run("bare_name(null)").as_deref(), Ok("（空）"));
    }

    /// `choose` evaluates only the branch it returns: the other may fail, or cost a walk over
    /// a form's rows, and neither matters.
    #[test]
    fn choose_evaluates_only_what_it_returns() {
        assert_eq!(run("choose(1 > 0, 2, 1 > \"a\")").as_deref(), Ok("2"));
        assert_eq!(run("choose(1 < 0, 1 > \"a\", 3)").as_deref(), Ok("3"));
        assert_eq!(run("choose(null, 1, 4)").as_deref(), Ok("4"));
        assert!(run("choose(1 > 0, 1 > \"a\", 3)").is_err());
    }

    #[test]
    fn numbers_read_with_separators() {
        assert_eq!(format_number(Decimal::from(903_000)), "903,000");
        assert_eq!(format_number("65465.66".parse().unwrap()), "65,465.66");
        assert_eq!(format_number(Decimal::from(-12000)), "-12,000");
        assert_eq!(format_number(Decimal::from(2025)), "2025");
        assert_eq!(format_number("0.05".parse().unwrap()), "0.05");
        assert_eq!(format_number(Decimal::from(400)), "400");
    }

    #[test]
    fn a_name_states_a_percentage_at_its_end() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(pct_at_end("质量达标率100%"), Some((d("100"), 15)));
        assert_eq!(pct_at_end("合格率≥95.5％"), Some((d("95.5"), 12)));
        // Nothing but a percentage is a value; a percentage inside the name is not its end.
        for none in ["100%", "达标率", "100%完成率", "达标率.5%", "满意度%"] {
            assert_eq!(pct_at_end(none), None, "{none}");
        }
    }

    #[test]
    fn a_rate_is_named_with_rate_but_not_efficiency_frequency_or_power() {
        // A remark or a unit in brackets after the name is not part of it.
        for rate in [
            "合格率",
            "学生资助率",
            "验收合格率 ",
            "税率",
            "合格率（%）",
            "验收合格率(按批次) ",
        ] {
            assert!(is_rate(rate), "{rate}");
        }
        for not in [
            "提高办公效率",
            "监测频率",
            "设备功率",
            "率",
            "（%）",
            "效率（%）",
            "率（",
            "",
        ] {
            assert!(!is_rate(not), "{not}");
        }
    }

    #[test]
    fn doubled_words() {
        assert_eq!(doubled("提升提升").as_deref(), Some("提升"));
        assert_eq!(
            doubled("按季度发行按季度发行").as_deref(),
            Some("按季度发行")
        );
        assert_eq!(doubled("有效提高 有效提高").as_deref(), Some("有效提高"));
        assert_eq!(doubled("提高100提高"), None);
        assert_eq!(doubled("1000元"), None);
        let long = "甲乙丙丁".repeat(30);
        assert_eq!(doubled(&long).as_deref(), Some(&*"甲乙丙丁".repeat(15)));
        // A repeat longer than the longest word looked for is not reported.
        let sentence: String = (0..150)
            .map(|i| char::from_u32(0x4e00 + i * 7).unwrap())
            .collect();
        let twice = format!("{sentence}{sentence}");
        assert_eq!(doubled(&twice), None);
        assert_eq!(doubled("有效提升"), None);
        assert_eq!(
            doubled("小学寄宿学生每生每年1250元"),
            None,
            "每生每年 is per student per year"
        );
    }

    #[test]
    fn cut_off_names() {
        for (a, b, cut) in [
            ("学生资助人数", "学生资助", true),
            ("学生资助", "学生资助人数", true),
            ("学生 资助人数", "学生资助", true),
            ("学生资助", "学生资助", true),
            ("学", "学生", false),
            ("学生资助人数", "学生补助", false),
            ("", "", false),
        ] {
            assert_eq!(prefix_of(a, b), cut, "{a} / {b}");
            let bare = |s: &str| s.replace(' ', "");
            assert_eq!(cut_off_copy(&bare(a), &bare(b)), cut, "{a} / {b}");
        }
    }

    /// The one-pass search finds what comparing every pair of halves finds.
    #[test]
    fn doubled_agrees_with_comparing_every_pair() {
        fn naive(text: &str) -> Option<String> {
            let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
            let n = chars.len();
            for len in (2..=(n / 2).min(DOUBLED_MAX)).rev() {
                for start in 0..=n - 2 * len {
                    let (a, b) = (
                        &chars[start..start + len],
                        &chars[start + len..start + 2 * len],
                    );
                    if a == b
                        && !a.contains(&'每')
                        && a.iter()
                            .any(|c| !c.is_ascii_digit() && !c.is_ascii_punctuation())
                    {
                        return Some(a.iter().collect());
                    }
                }
            }
            None
        }
        // xorshift: the same texts on every run.
        let mut seed = 0x2545_f491_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet: Vec<char> = "提升提1 0每生.%元".chars().collect();
        let mut found = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            let seed = next();
            for k in 0..(seed % 24) {
                text.push(
                    alphabet[((seed >> (k % 40)) as usize + k as usize * 7) % alphabet.len()],
                );
            }
            let word = doubled(&text);
            assert_eq!(word, naive(&text), "{text:?}");
            found += usize::from(word.is_some());
        }
        assert!(found > 1_000, "only {found} texts had a doubled word");
        // Mostly distinct characters, as in real values: most texts are settled by the check
        // for a repeated character, and the answer is still the pairs'.
        let alphabet: Vec<char> = "提升1 0每生.%元年月底前人学期次".chars().collect();
        let (mut found, mut none) = (0, 0);
        for _ in 0..20_000 {
            let mut text = String::new();
            let seed = next();
            for k in 0..(seed % 12) {
                text.push(alphabet[(seed >> (k * 5)) as usize % alphabet.len()]);
            }
            let word = doubled(&text);
            assert_eq!(word, naive(&text), "{text:?}");
            found += usize::from(word.is_some());
            none += usize::from(!repeats_a(&text, |c| {
                !c.is_whitespace() && !c.is_ascii_digit() && !c.is_ascii_punctuation()
            }));
        }
        assert!(
            found > 100 && none > 5_000,
            "{found} doubled, {none} without a repeat"
        );
    }

    #[test]
    fn a_pattern_is_compiled_once_for_every_document() {
        let a = compiled("^一次性项目$").unwrap();
        let b = compiled("^一次性项目$").unwrap();
        assert!(
            Arc::ptr_eq(&a, &b),
            "the second document reuses the compiled pattern"
        );
        assert!(compiled("(").is_err());
    }

    #[test]
    fn years_of_a_period() {
        assert_eq!(years_of("3年"), Some(Decimal::from(3)));
        assert_eq!(years_of("99年"), Some(Decimal::from(99)));
        assert_eq!(years_of("2025年01367"), None);
        assert_eq!(years_of("长期"), None);
    }

    /// The pairing as it was before [`pair_halves`] compared short forms' names in place (its
    /// cut-off stage restated plainly): the reference it is held to, by the rules
    /// [`pair_halves`] states.
    fn pair_halves_by_map(halves: &[HalfCtx<'_>]) -> Vec<(usize, usize)> {
        let name = |i: usize| halves[i].half.name.value.as_deref().unwrap_or("");
        let level2 = |i: usize| &halves[i].half.level2.value;
        let of = |p: Period| -> Vec<usize> {
            (0..halves.len())
                .filter(|&i| halves[i].period == p && halves[i].half.name.value.is_some())
                .collect()
        };
        let (imp, ann) = (of(Period::Implementation), of(Period::Annual));
        let mut used_i = vec![false; halves.len()];
        let mut used_a = vec![false; halves.len()];
        // Halves of different 二级指标 never describe the same indicator (a 成本 row named
        // `…平台成本` is not the 数量 row `…平台`), unless one side lost its label.
        let compatible = |i: usize, a: usize| {
            level2(i) == level2(a) || level2(i).is_none() || level2(a).is_none()
        };
        let mut pairs = Vec::with_capacity(imp.len().min(ann.len()));
        // Exact names, same category first. Looked up by name, not by comparing every two halves:
        // a form may have 2,000 rows (S008), and their names any length. A name is nearly always
        // one half's: its halves are held inline, not in a vector per name.
        let mut by_name: QuickMap<&str, SmallVec<[usize; 2]>> = QuickMap::default();
        for &i in &imp {
            by_name.entry(name(i)).or_default().push(i);
        }
        for same_level in [true, false] {
            for &a in &ann {
                if used_a[a] {
                    continue;
                }
                let same_name = by_name.get(name(a)).map_or(&[][..], SmallVec::as_slice);
                let hit = same_name.iter().copied().find(|&i| {
                    !used_i[i] && compatible(i, a) && (!same_level || level2(i) == level2(a))
                });
                if let Some(i) = hit {
                    used_i[i] = true;
                    used_a[a] = true;
                    pairs.push((i, a));
                }
            }
        }
        // Cut-off names, only when unambiguous, compared without their spaces: one candidate
        // of the same 二级指标, else one candidate at all.
        let bare =
            |i: usize| -> String { name(i).chars().filter(|c| !c.is_whitespace()).collect() };
        for &a in &ann {
            if used_a[a] || name(a).len() > PAIR_PREFIX_MAX {
                continue;
            }
            let mut candidates = Vec::new();
            for &i in &imp {
                if !used_i[i] && compatible(i, a) && cut_off_copy(&bare(i), &bare(a)) {
                    candidates.push(i);
                }
            }
            let mut same = candidates.clone();
            same.retain(|&i| level2(i) == level2(a));
            let pick = if same.len() == 1 {
                Some(same[0])
            } else if same.is_empty() && candidates.len() == 1 {
                Some(candidates[0])
            } else {
                None
            };
            let Some(i) = pick else {
                continue;
            };
            (used_i[i], used_a[a]) = (true, true);
            pairs.push((i, a));
        }
        let mut in_order = pairs;
        in_order.sort();
        in_order
    }

    proptest::proptest! {
        /// Pairing compares short forms' names in place and looks long forms' up in a map,
        /// and cuts names only among the halves left: it pairs exactly what the map-only
        /// pairing did, on forms of up to eighty halves whose names repeat, cut each other
        /// off, carry spaces or are missing, and whose 二级指标 agree, differ or are missing.
        #[test]
        fn pairing_is_what_looking_every_name_up_gave(
            rows in proptest::collection::vec(
                (proptest::bool::ANY, 0..4usize, proptest::option::weighted(0.9, "[甲乙丙 ]{1,4}")),
                0..80,
            )
        ) {
            let level2 = ["", "数量指标", "质量指标", "时效指标"];
            let owned: Vec<IndicatorHalf> = rows
                .iter()
                .map(|(_, l, n)| IndicatorHalf {
                    level1: crate::model::Cell::default(),
                    level2: match level2[*l] {
                        "" => crate::model::Cell::default(),
                        l => crate::model::Cell::new(l.into(), Span::new(0, 0)),
                    },
                    name: n.as_ref().map_or_else(crate::model::Cell::default, |n| {
                        crate::model::Cell::new(n.as_str().into(), Span::new(0, 0))
                    }),
                    value: crate::model::Cell::default(),
                    extras: Box::default(),
                })
                .collect();
            let halves: Vec<HalfCtx<'_>> = owned
                .iter()
                .zip(&rows)
                .map(|(half, (annual, _, _))| HalfCtx {
                    half,
                    value: None,
                    written: None,
                    period: if *annual { Period::Annual } else { Period::Implementation },
                })
                .collect();
            proptest::prop_assert_eq!(pair_halves(&halves), pair_halves_by_map(&halves));
        }
    }
}
