//! The tab-separated text extraction: sections, forms, header fields, funds and grids.
//!
//! A form starts at its title line; everything up to the next title belongs to it. A page
//! that repeats the title and header of the form before it (same 项目名称, same amounts)
//! continues that form. Budget tables (预算公开表) are recognised and set aside. Labels,
//! never column positions, anchor every cell (LAYOUT.md §8).

use super::cells::{self, squeeze, squeeze_text, Line, RawCell};
use super::grid::{self, GridHeader};
use super::labels::{self, Field, FundsRow};
use super::{prose, tables, tasks};
use crate::diagnostics::{codes, quoted, Diagnostic, Label};
use crate::model::{
    BudgetTable, Cell, DepartmentRef, Form, FormKind, Funds, GridLayout, IndicatorHalf,
    IndicatorRow, LabelledAmount, LabelledValue, MoneyUnit, ProseFigure, Span, TableSection, Text,
};
use rayon::prelude::*;
use regex::Regex;
use rust_decimal::Decimal;
use std::borrow::Cow;
use std::ops::Range;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Title {
    Form(FormKind),
    Table,
    /// `第二部分 …`, markdown headings: prose, not a form.
    Part,
}

/// What a line whose only cell is `cell` opens, if it is a title.
fn title_of(cell: &RawCell) -> Option<Title> {
    // Every kind of title below holds one of these; the text's other lonely cells (wrapped
    // names and values, watermarks) are turned away before being copied and matched.
    if !cell.text.contains(['表', '#', '第']) {
        return None;
    }
    let t = squeeze(cell.text);
    if t.starts_with('#') || part_re().is_match(&t) {
        return Some(Title::Part);
    }
    if t.chars().count() > 60 {
        return None;
    }
    let core = year_suffix_re().replace(&t, "");
    if core.contains("绩效目标") && (core.ends_with("目标表") || core.ends_with("申报表"))
    {
        let kind = if core.contains("整体") {
            FormKind::Department
        } else {
            FormKind::Project
        };
        return Some(Title::Form(kind));
    }
    if t.starts_with("预算公开表") || table_title_re().is_match(&t) {
        return Some(Title::Table);
    }
    None
}

/// Whether `line` holds one of the characters [`title_of`] asks a title for.
#[cfg(test)]
fn may_hold_title(line: &str) -> bool {
    line.contains(['表', '#', '第'])
}

/// The lines of `text` ([`cells::lines_in`]'s spans, in order) that hold one of the
/// characters [`title_of`] asks a title for: the only lines that can be titles.
///
/// Each character is searched for over the whole text, not line by line: a form's few dozen
/// lines cost four searches each when the text was split first (one for the line's end, one
/// per character), nearly all of them on lines holding none, and a search's start-up is
/// most of its cost on a line this short. Each search resumes past the line its last match
/// was on, so each character's searches cover the text once.
fn lines_holding_title_marks(text: &str) -> impl Iterator<Item = Span> + '_ {
    static FINDERS: OnceLock<[memchr::memmem::Finder<'static>; 3]> = OnceLock::new();
    let finders = FINDERS.get_or_init(|| {
        ["表", "第", "#"].map(|c| memchr::memmem::Finder::new(c.as_bytes()).into_owned())
    });
    let bytes = text.as_bytes();
    // Where each character is next found at or after `from`, the start of the line after
    // the last one given; `None` once there is none.
    let mut next = finders.each_ref().map(|f| f.find(bytes));
    let mut from = 0;
    std::iter::from_fn(move || {
        let mut hit: Option<usize> = None;
        for (at, finder) in next.iter_mut().zip(finders) {
            if at.is_some_and(|at| at < from) {
                *at = finder.find(bytes.get(from..)?).map(|i| from + i);
            }
            hit = match (hit, *at) {
                (Some(h), Some(a)) => Some(h.min(a)),
                (h, a) => h.or(a),
            };
        }
        let hit = hit?;
        // `from` starts a line: the line of `hit` starts after the last line end before it.
        let start = memchr::memrchr(b'\n', &bytes[from..hit]).map_or(from, |i| from + i + 1);
        let (end, after) = match memchr::memchr(b'\n', &bytes[hit..]) {
            Some(i) => (hit + i, hit + i + 1),
            None => (bytes.len(), bytes.len() + 1),
        };
        from = after;
        let content_end = if end > start && bytes[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        Some(Span::new(start, content_end))
    })
}

fn part_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^第[一二三四五六七八九十]+部分").expect("valid regex"))
}

fn year_suffix_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"[（(]\d{4}\s*年?度?[)）]\s*$").expect("valid regex"))
}

fn table_title_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(表[一二三四五六七八九十]+)?\d{4}年.{2,40}表([（(].*[)）])?$")
            .expect("valid regex")
    })
}

/// Whether a cell is a year line (`(2025年度)`, `（2025年度）`, `(2025) 年度`, spaces squeezed
/// out as everywhere in the header), and the year it states if its digits are ASCII. Read by
/// hand where the four digits are ASCII (all but exotic scripts): every form's year line, and
/// every other one-cell line of its header, ran the pattern with captures, some 2,600
/// instructions each. Squeezed, a year line holds no space (one is kept only between two
/// ASCII letters or digits, and none of the pattern's spaces is there), so the pattern's
/// spaces need no reading; digits of other scripts are left to the pattern.
fn year_line(cell: &str) -> Option<Option<u16>> {
    let s = squeeze_text(cell);
    let t = s.strip_prefix(['(', '（'])?;
    if t.len() >= 4 && t.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        let rest = &t[4..];
        let rest = rest.strip_prefix("年度").unwrap_or(rest);
        let rest = rest.strip_prefix([')', '）'])?;
        let rest = rest.strip_prefix("年度").unwrap_or(rest);
        return rest.is_empty().then(|| t[..4].parse().ok());
    }
    let c = year_line_re().captures(&s)?;
    Some(c[1].parse().ok())
}

fn year_line_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[（(]\s*(\d{4})\s*(?:年度)?\s*[)）]\s*(?:年度)?$").expect("valid regex")
    })
}

/// What the reader found in one text.
pub struct TextRead {
    pub forms: Vec<Form>,
    pub tables: Vec<BudgetTable>,
    pub prose: Vec<ProseFigure>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Indicator grid lines read per form.
pub(crate) const MAX_GRID_LINES: usize = if cfg!(fuzzing) { 8 } else { 2_000 };

/// Forms read per file. A 10 MB file of real forms has some 3,300; three hundred thousand
/// empty titles in 8 MB took 1.3 GB (each an empty form with its findings).
pub(crate) const MAX_FORMS: usize = if cfg!(fuzzing) { 8 } else { 10_000 };

/// Reads a text, handing every form to `finished` once no later page can join it, in order,
/// a block of forms at a time (see [`super::FormSink`]) of the size `blocks` says.
pub fn read(text: &str, blocks: Blocks, finished: super::FormSink<'_>) -> TextRead {
    // Nothing is kept per line of the whole text: the title lines are found in one scan, and
    // each section's lines are split into cells when it is read (up to a limit) and dropped
    // after, so reading a large file costs little more than its text and what is read from it.
    let mut out = TextRead {
        forms: Vec::new(),
        tables: Vec::new(),
        prose: Vec::new(),
        diagnostics: Vec::new(),
    };
    let mut sections: Vec<(TableSection, Range<usize>)> = Vec::new();
    let mut prose: Vec<Range<usize>> = Vec::new();
    // Most lines hold none of the characters every title holds: they are never split.
    let mut titles: Vec<(Span, Title, RawCell)> = lines_holding_title_marks(text)
        .filter_map(|s| {
            let cell = cells::sole_cell(text, s)?;
            title_of(&cell).map(|t| (s, t, cell))
        })
        .collect();
    // Where reading stops: the end of the text, or the title of the form past the limit.
    let mut stop = cells::whole(text).end;
    let form_titles: Vec<usize> = (0..titles.len())
        .filter(|&i| matches!(titles[i].1, Title::Form(_)))
        .collect();
    if let Some(&cut) = form_titles.get(MAX_FORMS) {
        stop = titles[cut].0.start();
        out.diagnostics.push(Diagnostic::new(
            &codes::TOO_MANY_FORMS,
            format!(
                "文件有 {} 张绩效目标表，超过 {MAX_FORMS} 张，其余未读取",
                form_titles.len()
            ),
            Label::new(titles[cut].0, "此后未读取"),
        ));
        titles.truncate(cut);
    }
    // Section k: from its title line to the next title line (or where reading stops).
    let section = |k: usize| titles[k].0.start()..titles.get(k + 1).map_or(stop, |t| t.0.start());
    // Forms are read in parallel (a large file is linted alone, so its forms are what keeps
    // the threads busy), a block at a time, and each block's pages are joined to the forms they
    // continue before the next block is read: ten thousand short pages that join into a few
    // forms were all held at once. The forms' vector has room for every form from the start
    // (what no form is written to is never touched), so the usual file, whose pages join none,
    // is not copied as it grows.
    let forms: Vec<(usize, FormKind)> = titles
        .iter()
        .enumerate()
        .filter_map(|(k, &(_, title, _))| match title {
            Title::Form(kind) => Some((k, kind)),
            _ => None,
        })
        .collect();
    out.forms.reserve_exact(forms.len());
    let (mut pages, mut diagnostics) = (Vec::new(), Vec::new());
    let mut joined = false;
    // Forms before this one have been handed over.
    let mut handed = 0;
    let mut rest = &forms[..];
    while !rest.is_empty() {
        let (block, after) = rest.split_at(block_len(
            blocks,
            rest.iter().map(|&(k, _)| section(k).len()),
        ));
        rest = after;
        block
            .par_iter()
            .with_min_len(if ON_THIS_THREAD.get() { usize::MAX } else { 1 })
            .map(|&(k, kind)| read_form(kind, text, section(k)))
            .unzip_into_vecs(&mut pages, &mut diagnostics);
        out.diagnostics.extend(diagnostics.drain(..).flatten());
        joined |= join_continuations(&mut out.forms, pages.drain(..), &mut out.diagnostics);
        // The last form may yet be joined by the next block's first page.
        let done = out.forms.len().saturating_sub(1);
        if done > handed {
            finished(&mut out.forms[handed..done], &mut out.diagnostics);
            handed = done;
        }
    }
    if out.forms.len() > handed {
        finished(&mut out.forms[handed..], &mut out.diagnostics);
    }
    if joined {
        // Appending doubled the joined forms' room for rows, and the pages joined left theirs
        // in the vector of forms.
        out.forms.shrink_to_fit();
        for f in out.forms.iter_mut().filter(|f| !f.continuations.is_empty()) {
            f.indicators.shrink_to_fit();
        }
    }
    for (k, &(title_line, title, cell)) in titles.iter().enumerate() {
        let range = section(k);
        match title {
            Title::Form(_) => {}
            Title::Table => {
                let last = cells::lines_in(text, range.clone())
                    .last()
                    .unwrap_or(title_line);
                let span = title_line.cover(last);
                let title = squeeze(cell.text);
                // `预算公开表1` is followed by the table's real title: one section.
                let previous_is_marker = sections.last().is_some_and(|(t, lines)| {
                    t.title.starts_with("预算公开表")
                        && t.span.end() <= span.start()
                        && cells::lines_in(text, lines.start..range.start)
                            .skip(1)
                            .all(|span| {
                                cells::look_at(text, span, |l| {
                                    !has_content(l) || l.non_empty().count() == 1
                                })
                            })
                });
                match sections.last_mut() {
                    Some((t, lines)) if previous_is_marker => {
                        t.title = title;
                        t.span = t.span.cover(span);
                        lines.end = range.end;
                    }
                    _ => sections.push((TableSection { title, span }, range)),
                }
            }
            Title::Part => prose.push(range),
        }
    }
    for (section, range) in sections {
        let read = content_lines(text, range, MAX_SECTION_LINES);
        if let Some((at, lines)) = read.unread {
            out.diagnostics.push(too_long(
                &format!("“{}”", quoted(&section.title)),
                at,
                lines,
            ));
        }
        out.diagnostics.extend(read.lines.wide().map(too_wide));
        out.tables
            .extend(tables::read(&section, &read.lines.views()));
    }
    let mut parts = Vec::new();
    for range in prose {
        let read = content_lines(text, range, MAX_SECTION_LINES);
        if let Some((at, n)) = read.unread {
            out.diagnostics.push(too_long("说明部分", at, n));
        }
        out.diagnostics.extend(read.lines.wide().map(too_wide));
        parts.push(read.lines);
    }
    let lines: Vec<Line> = parts.iter().flat_map(cells::Lines::views).collect();
    out.prose = prose::read(lines.iter());
    out
}

/// Lines with content of one budget table or prose part that are read: far more than any
/// real one has (a province's 项目支出预算表 runs to a few thousand).
const MAX_SECTION_LINES: usize = 20_000;

fn too_long(what: &str, at: Span, lines: usize) -> Diagnostic {
    Diagnostic::new(
        &codes::TOO_MANY_LINES,
        format!("{what}有 {lines} 行，超过 {MAX_SECTION_LINES} 行，其余未读取"),
        Label::new(Span::empty(at.start()), "此后未读取"),
    )
}

fn too_wide((at, fields): (Span, usize)) -> Diagnostic {
    Diagnostic::new(
        &codes::LINE_TOO_WIDE,
        format!(
            "此行有 {fields} 个单元格，超过 {} 个，其余未读取",
            cells::MAX_FIELDS
        ),
        Label::new(at, "此后未读取"),
    )
}

/// The lines of a section that say something (see [`has_content`]), split into cells.
struct ContentLines<'t> {
    /// Up to the limit.
    lines: cells::Lines<'t>,
    /// The last of them, read or not.
    last: Option<Span>,
    /// Past the limit: the first line not read, and how many lines with content in all.
    unread: Option<(Span, usize)>,
}

/// Splits the lines of `range` with content, keeping at most `limit`: past it they are only
/// counted, so no section holds more than `limit` lines' cells at once, however long it is.
fn content_lines(text: &str, range: Range<usize>, limit: usize) -> ContentLines<'_> {
    let mut out = ContentLines {
        lines: cells::Lines::for_text(range.len()),
        last: None,
        unread: None,
    };
    for span in cells::lines_in(text, range) {
        let room = out.lines.len() < limit;
        // Past the limit a line is split only to see whether it has content.
        let mut content = false;
        out.lines.push_if(text, span, |line| {
            content = has_content(line);
            content && room
        });
        if !content {
            continue;
        }
        out.last = Some(span);
        if !room {
            out.unread.get_or_insert((span, limit)).1 += 1;
        }
    }
    out
}

/// A continuation page repeats its form's 项目名称 and amounts; its rows join that form.
fn continues(prev: &Form, form: &Form) -> bool {
    form.kind == FormKind::Project
        && prev.kind == FormKind::Project
        && form.name.value.is_some()
        && form.name.value == prev.name.value
        && form.funds_annual.total.value == prev.funds_annual.total.value
        && form.funds_implementation.total.value == prev.funds_implementation.total.value
}

thread_local! {
    /// Whether a text's forms are read on the calling thread alone ([`on_this_thread`]).
    static ON_THIS_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f` with every text it reads read on the calling thread alone, a block's forms one
/// after another rather than split among the pool's threads. A file linted while others are
/// in flight is read so (`cli::check`): the other threads have files of their own, and a
/// thread waiting for its block's other half took up another file meanwhile, so that as many
/// files were read at once as were in flight (twenty half-megabyte files with a finding on
/// every row peaked at up to 50 MB, against 35 MB read so; docs/performance.md,
/// sixty-seventh session).
///
/// Scopes nest, and a scope left by a panic restores what was there before, as
/// `alloc::uncached` does.
pub fn on_this_thread<T>(f: impl FnOnce() -> T) -> T {
    struct Restore(bool);
    impl Drop for Restore {
        fn drop(&mut self) {
            ON_THIS_THREAD.set(self.0);
        }
    }
    let _restore = Restore(ON_THIS_THREAD.replace(true));
    f()
}

/// What a text was made from, which decides how many of its forms are read at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocks {
    /// A text extraction, an editor's buffer, or a CSV file laid out as text (which is read
    /// and judged as a text is).
    Text,
    /// Sheets of a workbook laid out as text: read with the thread's cache of freed blocks
    /// off, and judged on one thread (`lint.rs`), where the 10 MB workbook of 8,500 sheets
    /// comes nearest the memory target of any shape.
    Sheets,
}

impl Blocks {
    /// Forms a block gives each of the pool's threads.
    ///
    /// A text's blocks are read in parallel and then judged in parallel, and between the two
    /// the threads meet: blocks of 64 forms a thread rather than 16 took some 12% off three
    /// 10 MB files on two threads (0.40–0.44 → 0.356–0.37 s) and some 5% off files of a hundred
    /// forms, each of which is now one block (docs/performance.md, sixty-fifth session). On one
    /// thread, blocks of 8 to 64 forms cost within 0.4% of one another a form; blocks of 256
    /// (a whole file of the bench's corpus) cost 0.4% more than 32, mostly in growing and
    /// merging the block's findings (forty-first session).
    ///
    /// A workbook's sheets keep blocks of 16 a thread: with 64, the 10 MB workbook of 8,500
    /// sheets peaked 0.7 MB higher (62.6 MB with the HTML report) and ran slower (one run
    /// each, 2.16 → 2.42 s).
    fn forms_per_thread(self) -> usize {
        match self {
            Blocks::Text => 64,
            Blocks::Sheets => 16,
        }
    }
}

/// Forms read at a time: enough to keep the threads busy between one block and the next (a
/// block is read in parallel, then judged in parallel), so [`Blocks::forms_per_thread`] for
/// each of the pool's threads; few enough that pages waiting to be joined hold little memory,
/// so never more than [`FORMS_PER_BLOCK_MAX`]. Not fewer than [`FORMS_PER_BLOCK_MIN`]: each
/// block's run of the rules is set up anew.
fn forms_per_block(blocks: Blocks) -> usize {
    (blocks.forms_per_thread() * rayon::current_num_threads())
        .clamp(FORMS_PER_BLOCK_MIN, FORMS_PER_BLOCK_MAX)
}

/// Smaller blocks cost more again, in setting up each block's run of the rules: blocks of 8
/// cost 0.4% more a form than blocks of 32.
const FORMS_PER_BLOCK_MIN: usize = 32;

/// The blocks every machine read before blocks grew with the pool: what a block may hold
/// waiting for its last page to be joined stays what it was on any number of threads.
const FORMS_PER_BLOCK_MAX: usize = 256;

/// Text read at a time (a block holds one form at least): a form's model is many times its
/// text (a row of thirty bytes, some 380), and a reader whose forms are let go once handed
/// over holds a block of them at once. Long grids of short rows put a hundred forms in a few
/// megabytes; page-shaped forms of a few kilobytes fill a block by their number first.
const BYTES_PER_BLOCK: usize = 512 << 10;

/// How many forms the next block reads, given the lengths of the sections left to read.
fn block_len(blocks: Blocks, sections: impl Iterator<Item = usize>) -> usize {
    let (mut forms, mut bytes) = (0, 0);
    for len in sections.take(forms_per_block(blocks)) {
        forms += 1;
        bytes += len;
        if bytes >= BYTES_PER_BLOCK {
            break;
        }
    }
    forms
}

/// Adds `pages` to `forms` in order, each continuation page joined to the form before it:
/// whether any was joined.
fn join_continuations(
    forms: &mut Vec<Form>,
    pages: impl Iterator<Item = Form>,
    diagnostics: &mut Vec<Diagnostic>,
) -> bool {
    let mut joined = false;
    for mut page in pages {
        if forms
            .last_mut()
            .is_some_and(|prev| join(prev, &mut page, diagnostics))
        {
            joined = true;
        } else {
            forms.push(page);
        }
    }
    joined
}

/// Joins `form` to `prev` if it is `prev`'s continuation page and the two fit the grid limit.
fn join(prev: &mut Form, form: &mut Form, diagnostics: &mut Vec<Diagnostic>) -> bool {
    if !continues(prev, form) {
        return false;
    }
    // Joined, a form's grid is held to the same limit as one read whole: thousands of
    // copies of one page would otherwise make one form of tens of thousands of rows,
    // which every rule over its rows (pairing the halves first) would pay for. The page
    // stays a form of its own, and the finding says why.
    let (rows, more) = (prev.indicators.len(), form.indicators.len());
    if rows + more > MAX_GRID_LINES {
        diagnostics.push(
            Diagnostic::new(
                &codes::TOO_MANY_ROWS,
                format!(
                    "续页与前面各页合计超过 {MAX_GRID_LINES} 行指标（已有 {rows} 行，此页 {more} 行），此页按单独的表读取"
                ),
                Label::new(form.title.span, "未并入前一张表的续页"),
            )
            .with_form(form.display_name()),
        );
        return false;
    }
    prev.span = prev.span.cover(form.span);
    prev.continuations.push(form.span);
    relabel_split_block(&mut prev.indicators, &form.indicators);
    // The sign-off row is printed on the last page.
    let (a, b) = (
        &mut *prev.sign_off,
        std::mem::take(&mut form.sign_off).into_inner(),
    );
    for (mine, theirs) in [
        (&mut a.principal, b.principal),
        (&mut a.handler, b.handler),
        (&mut a.phone, b.phone),
        (&mut a.date, b.date),
    ] {
        if mine.is_missing() {
            *mine = theirs;
        }
    }
    prev.indicators.append(&mut form.indicators);
    true
}

/// A merged 成本指标 cell split by a page break prints its label on the second page only,
/// so the cost rows at the bottom of the first page inherit the block above them
/// (LAYOUT.md §5). Rows at the end of page 1 whose values are money move to the block the
/// continuation opens with.
fn relabel_split_block(page1: &mut [IndicatorRow], page2: &[IndicatorRow]) {
    fn pick(r: &IndicatorRow, side: usize) -> Option<&IndicatorHalf> {
        if side == 0 {
            r.implementation()
        } else {
            r.annual.as_ref()
        }
    }
    // A cost row says so in its value (元) or its name (成本, 费, 价).
    let is_cost = |h: &IndicatorHalf| {
        h.value
            .get()
            .is_some_and(|v| v.contains('元') || v.contains('价'))
            || h.name
                .get()
                .is_some_and(|n| ["成本", "费", "价"].iter().any(|k| n.contains(k)))
    };
    let Some(first) = page2.first() else { return };
    for side in 0..2 {
        let Some(opening) = pick(first, side) else {
            continue;
        };
        if opening.level2.value.as_deref() != Some("成本指标") {
            continue;
        }
        for row in page1.iter_mut().rev() {
            let half = if side == 0 {
                row.implementation.as_deref_mut()
            } else {
                row.annual.as_mut()
            };
            let Some(h) = half else { break };
            if h.level2.value == opening.level2.value || !is_cost(h) {
                break;
            }
            h.level2 = opening.level2.clone();
            h.level1 = opening.level1.clone();
        }
    }
}

/// Which block of the form the reader is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Header,
    Funds,
    Grid,
    DeptInfo,
    DeptBudget,
    KeyTasks,
    Done,
}

struct FormReader<'a> {
    form: Form,
    diagnostics: Vec<Diagnostic>,
    funds_lines: Vec<&'a Line<'a>>,
    grid_lines: Vec<&'a Line<'a>>,
    grid_header: Option<GridHeader>,
    budget_lines: Vec<&'a Line<'a>>,
    /// The 年度重点任务 / 年度主要任务 block, its label line first.
    task_lines: Vec<&'a Line<'a>>,
    annual_goal_col: Option<usize>,
    /// A label whose value was not on its line: the value may fall onto the next one.
    dangling: Option<(Field, Span)>,
    /// Past [`MAX_FORM_LINES`]: the first line not read, and how many lines with content the
    /// form has in all.
    unread: Option<(Span, usize)>,
}

/// Lines of one form (not counting blank ones) that are split into cells and read: the grid's
/// limit and room for the header. A hostile file of one title and two million grid lines
/// otherwise held every line's cells at once (1.3 GB for 44 MB).
const MAX_FORM_LINES: usize = MAX_GRID_LINES + 500;

/// Whether a line says anything: not blank, not only watermark noise.
fn has_content(line: &Line) -> bool {
    !line.is_blank() && !line.non_empty().all(|c| labels::is_noise(c.text))
}

/// Reads the form whose section (title line included) is `range` of `text`.
fn read_form(kind: FormKind, text: &str, range: Range<usize>) -> (Form, Vec<Diagnostic>) {
    // The title line (which has content: it is the one cell of its line), then the lines with
    // content, up to the limit.
    let ContentLines {
        lines,
        last,
        unread,
    } = content_lines(text, range, MAX_FORM_LINES + 1);
    let body = lines.views();
    let title_line = &body[0];
    let title_cell = title_line.first().expect("a title line has a cell");
    let at = Span::empty(title_cell.span.end());
    let mut r = FormReader {
        form: Form {
            span: title_line.span.cover(last.unwrap_or(title_line.span)),
            title: Cell::new(squeeze_text(title_cell.text), title_cell.span),
            ..Form::empty(kind, at)
        },
        diagnostics: lines.wide().map(too_wide).into_iter().collect(),
        // Room for every line from the start (a form is some 40 lines, most of them grid
        // lines, and the funds block is seven): grown a line at a time, they were
        // reallocated four or five times a form.
        funds_lines: Vec::with_capacity(8),
        grid_lines: Vec::with_capacity(body.len()),
        grid_header: None,
        budget_lines: Vec::new(),
        task_lines: Vec::new(),
        annual_goal_col: None,
        dangling: None,
        unread,
    };
    // `2025年度项目支出绩效目标表`: a form with no year line of its own names its year in
    // its title; a year line below says it again, and is the one kept.
    if let Some(at) = title_year(title_cell.text) {
        let digits = &title_cell.text[at..at + 4];
        let start = title_cell.span.start() + at;
        if let Ok(y) = digits.parse() {
            r.form.year = Cell::new(y, Span::new(start, start + 4));
        }
    }
    let mut mode = Mode::Header;
    for line in &body[1..] {
        mode = r.line(line, mode);
    }
    r.finish()
}

/// Where a title's budget year is written (`2025年度…`, `某县2025年…`): the first four digits
/// of a year (19xx or 20xx) followed by 年, spaces allowed between. A title over several years
/// (`2025—2027年中期绩效目标表`) is budgeted from the first: its annual targets are that year's.
fn title_year(title: &str) -> Option<usize> {
    // Looked for from each 年 back, not at every byte: asked of every form's title.
    title.match_indices('年').find_map(|(at, _)| {
        let before = title[..at].trim_end_matches(cells::is_space);
        let i = year_before(before)?;
        let range = before[..i]
            .trim_end_matches(cells::is_space)
            .strip_suffix(['—', '–', '-', '－', '~', '～', '至', '到'])
            .map(|b| b.trim_end_matches(cells::is_space));
        Some(range.and_then(year_before).unwrap_or(i))
    })
}

/// Where the year (four digits, 19xx or 20xx, not part of a longer number) that `text` ends
/// with starts.
fn year_before(text: &str) -> Option<usize> {
    let i = text.len().checked_sub(4)?;
    let b = text.as_bytes();
    let digits = &b[i..];
    (digits.iter().all(u8::is_ascii_digit)
        && (digits.starts_with(b"19") || digits.starts_with(b"20"))
        && (i == 0 || !b[i - 1].is_ascii_digit()))
    .then_some(i)
}

impl<'a> FormReader<'a> {
    fn line(&mut self, line: &'a Line, mode: Mode) -> Mode {
        let first = line.first().expect("non-blank line");
        // In a grid only the sign-off's labels end it: the other lines' first cells are not
        // looked up at all.
        let field = if mode == Mode::Grid && !labels::may_be_principal_or_handler(first.text) {
            None
        } else {
            labels::header_field(first.text)
                .or_else(|| labels::split_label_value(first.text).map(|(f, _)| f))
        };
        // The year line: `(2025年度)`, `（2025年度）`, `(2025) 年度`.
        if mode == Mode::Header && line.non_empty().count() == 1 {
            if let Some(year) = year_line(first.text) {
                if let Some(y) = year {
                    self.form.year = Cell::new(y, first.span);
                }
                return mode;
            }
        }
        match mode {
            Mode::Done => {
                // The sign-off row can wrap: `填报日期：` or its value on the next line.
                if matches!(field, Some(Field::Date | Field::Phone | Field::Handler)) {
                    self.sign_off(line);
                } else {
                    self.dangling_value(line);
                }
                self.dangling = None;
                return Mode::Done;
            }
            Mode::Grid => {
                if matches!(field, Some(Field::Principal | Field::Handler)) {
                    self.sign_off(line);
                    return Mode::Done;
                }
                self.grid_lines.push(line);
                return Mode::Grid;
            }
            Mode::Funds if !is_block_start(field) => {
                self.funds_lines.push(line);
                return Mode::Funds;
            }
            Mode::DeptInfo if !is_block_start(field) => {
                self.dept_info(line);
                return Mode::DeptInfo;
            }
            Mode::DeptBudget if !is_block_start(field) => {
                self.budget_lines.push(line);
                return Mode::DeptBudget;
            }
            Mode::KeyTasks if !is_block_start(field) => {
                self.task_lines.push(line);
                return Mode::KeyTasks;
            }
            _ => {}
        }
        // A grid whose header lost its `绩效指标` cell starts at `一级指标`.
        if field == Some(Field::GridHeader)
            && line
                .non_empty()
                .any(|c| labels::grid_column(c.text).is_some())
            || labels::grid_column(first.text) == Some(labels::Column::Level1)
        {
            let header = GridHeader::read(line);
            self.form.grid_layout = header.layout;
            self.grid_header = Some(header);
            // A label left without its value above the grid (goals named but never written)
            // is not filled from the sign-off below it.
            self.dangling = None;
            return Mode::Grid;
        }
        match field {
            Some(Field::FundsBlock) => {
                self.form.money_unit = labels::funds_block_unit(first.text);
                self.funds_lines.push(line);
                Mode::Funds
            }
            Some(Field::DeptInfo) => {
                self.dept_info(line);
                Mode::DeptInfo
            }
            Some(Field::DeptBudget) => {
                self.budget_lines.push(line);
                Mode::DeptBudget
            }
            Some(Field::KeyTasks) => {
                self.task_lines.push(line);
                Mode::KeyTasks
            }
            Some(Field::GoalHeader) => {
                self.annual_goal_col = line.non_empty().nth(1).map(|c| c.col);
                Mode::Header
            }
            Some(Field::Goal) => {
                self.goals(line, first);
                Mode::Header
            }
            Some(Field::Principal | Field::Handler) => {
                self.sign_off(line);
                Mode::Done
            }
            Some(_) => {
                self.pairs(line);
                Mode::Header
            }
            None => {
                self.dangling_value(line);
                mode
            }
        }
    }

    /// Label/value pairs along a header line (`主管部门及代码 | 051-… | 实施单位 | …`).
    fn pairs(&mut self, line: &Line) {
        self.pairs_in(line, line.non_empty());
    }

    fn pairs_in<'c>(&mut self, line: &Line, cells: impl IntoIterator<Item = &'c RawCell<'c>>) {
        let mut pending: Option<(Field, &RawCell)> = None;
        self.dangling = None;
        for cell in cells {
            if let Some(f) = labels::header_field(cell.text) {
                if let Some((pf, pc)) = pending.take() {
                    self.missing(pf, line, pc);
                }
                pending = Some((f, cell));
            } else if let Some((f, at)) = labels::split_label_value(cell.text) {
                // `填报日期：20250122150111` after an empty `联系电话：` is a new pair,
                // not the phone number.
                if let Some((pf, pc)) = pending.take() {
                    self.missing(pf, line, pc);
                }
                let span = Span::new(cell.span.start() + at, cell.span.end());
                self.set(f, &cell.text[at..], span);
                self.dangling = None;
            } else if let Some((pf, _)) = pending.take() {
                self.set(pf, cell.text, cell.span);
            }
        }
        if let Some((pf, pc)) = pending {
            self.missing(pf, line, pc);
        }
    }

    fn missing(&mut self, field: Field, line: &Line, label: &RawCell) {
        let gap = line
            .empty_slot_after(label.col)
            .unwrap_or(Span::empty(label.span.end()));
        if let Some(cell) = self.text_cell(field) {
            cell.span = gap;
        } else if field == Field::Department {
            self.form.department.span = gap;
        } else if field == Field::DeptName {
            // A department form's name is its 部门（单位）名称: both wait in the gap.
            self.form.department.span = gap;
            self.form.name.span = gap;
        }
        self.dangling = Some((field, gap));
    }

    /// `项目期` on one line and `1年` alone on the next (LAYOUT.md §18).
    fn dangling_value(&mut self, line: &Line) {
        let Some((field, _)) = self.dangling.take() else {
            return;
        };
        if field == Field::Goal {
            let values: Vec<&RawCell> = line.non_empty().collect();
            self.goal_values(&values);
            return;
        }
        let mut cells = line.non_empty();
        if let (Some(only), None) = (cells.next(), cells.next()) {
            self.set(field, only.text, only.span);
        }
    }

    fn text_cell(&mut self, field: Field) -> Option<&mut Cell<Text>> {
        let f = &mut self.form;
        Some(match field {
            Field::ProjectName => &mut f.name,
            Field::ImplementingUnit => &mut f.implementing_unit,
            Field::Attribute => &mut f.attribute,
            Field::Period => &mut f.period,
            Field::Overview => &mut f.texts.overview,
            Field::Basis => &mut f.texts.basis,
            Field::Necessity => &mut f.texts.necessity,
            Field::Measures => &mut f.texts.measures,
            Field::Plan => &mut f.texts.plan,
            Field::Principal => &mut f.sign_off.principal,
            Field::Handler => &mut f.sign_off.handler,
            Field::Phone => &mut f.sign_off.phone,
            Field::Date => &mut f.sign_off.date,
            Field::Duties => &mut f.department_section.as_mut()?.duties,
            Field::Strategy => &mut f.department_section.as_mut()?.strategy,
            // A department form's 年度绩效目标 is its own block; on a project form (the
            // Ministry's template) it is the annual goal, printed without a 总体目标 row.
            Field::AnnualGoal => match f.department_section.as_mut() {
                Some(d) => &mut d.annual_goal,
                None => &mut f.texts.goal_annual,
            },
            _ => return None,
        })
    }

    fn set(&mut self, field: Field, text: &str, span: Span) {
        let is_name = matches!(
            field,
            Field::ProjectName | Field::ImplementingUnit | Field::DeptName
        );
        let value = if is_name {
            squeeze_text(text)
        } else {
            text.trim().into()
        };
        match field {
            Field::Department | Field::DeptName => {
                self.form.department = Cell::new(split_department(&value), span);
                if field == Field::DeptName {
                    let name = self.form.department.value.as_ref().map(|d| d.name.clone());
                    self.form.name = Cell {
                        value: name.map(Into::into),
                        span,
                    };
                }
            }
            _ => {
                if let Some(cell) = self.text_cell(field) {
                    if cell.is_missing() {
                        *cell = Cell::new(value, span);
                    }
                }
            }
        }
    }

    fn goals(&mut self, line: &Line, label: &RawCell) {
        let values: Vec<&RawCell> = line.non_empty().filter(|c| c.col > label.col).collect();
        let t = &mut self.form.texts;
        let gap = line
            .empty_slot_after(label.col)
            .unwrap_or(Span::empty(label.span.end()));
        t.goal_implementation.span = gap;
        t.goal_annual.span = gap;
        // `总体目标 | 中期目标 | 年度目标`: the columns are named here and the goals are on the
        // next line.
        let heads: Vec<Option<bool>> = values.iter().map(|c| labels::goal_column(c.text)).collect();
        if !heads.is_empty() && heads.iter().all(Option::is_some) {
            if let Some(annual) = values.iter().zip(&heads).find(|(_, h)| **h == Some(true)) {
                self.annual_goal_col = Some(annual.0.col);
            }
            self.dangling = Some((Field::Goal, gap));
            return;
        }
        self.goal_values(&values);
    }

    /// The goals of a 总体目标 row: one cell is the column's it stands under, two are the
    /// implementation period's and the year's.
    fn goal_values(&mut self, values: &[&RawCell]) {
        let t = &mut self.form.texts;
        match values {
            [] => {}
            [only] => {
                let annual = self.annual_goal_col.is_some_and(|c| only.col >= c);
                let cell = Cell::new(only.text.into(), only.span);
                if annual {
                    t.goal_annual = cell;
                } else {
                    t.goal_implementation = cell;
                }
            }
            [first, .., last] => {
                t.goal_implementation = Cell::new(first.text.into(), first.span);
                t.goal_annual = Cell::new(last.text.into(), last.span);
            }
        }
    }

    /// The sign-off row; some extractions put all of it in one space-separated cell
    /// (`负责人： 经办人： 联系电话： 填报日期： 20250107110714`).
    fn sign_off(&mut self, line: &Line) {
        // Four labels and their values, most often: room for them from the start.
        let mut cells = Vec::with_capacity(8);
        for cell in line.non_empty() {
            let labels_inside = cell.text.matches(['：', ':']).count();
            if labels_inside < 2 {
                cells.push(*cell);
                continue;
            }
            let mut offset = 0;
            for word in cell.text.split(cells::is_space) {
                let at = offset;
                offset += word.len()
                    + cell.text[at + word.len()..]
                        .chars()
                        .next()
                        .map_or(0, char::len_utf8);
                if !word.is_empty() {
                    let start = cell.span.start() + at;
                    cells.push(RawCell {
                        col: cell.col,
                        span: Span::new(start, start + word.len()),
                        text: word,
                    });
                }
            }
        }
        self.pairs_in(line, &cells);
    }

    fn dept_info(&mut self, line: &Line) {
        let cells: Vec<&RawCell> = line
            .non_empty()
            .filter(|c| labels::header_field(c.text) != Some(Field::DeptInfo))
            .collect();
        let mut i = 0;
        while i < cells.len() {
            let label = cells[i];
            let value = cells.get(i + 1).copied();
            i += 2;
            if labels::header_field(label.text) == Some(Field::DeptName) {
                if let Some(v) = value {
                    self.set(Field::DeptName, v.text, v.span);
                }
                continue;
            }
            let gap = Span::empty(label.span.end());
            let entry = LabelledValue {
                label: Cell::new(squeeze_text(label.text), label.span),
                value: value.map_or(Cell::missing(gap), |v| Cell::new(v.text.into(), v.span)),
            };
            if let Some(s) = self.form.department_section.as_mut() {
                s.info.push(entry);
            }
        }
    }

    /// The 年度重点任务 block: a table of tasks and their budgets (the Ministry's template,
    /// [`tasks`]) or the tasks in words.
    fn read_tasks(&mut self, form: Option<&str>) {
        let lines = std::mem::take(&mut self.task_lines);
        let Some(label_line) = lines.first() else {
            return;
        };
        if self.form.department_section.is_none() {
            return;
        }
        let Some(table) = tasks::read(&lines, self.form.money_unit, form, &mut self.diagnostics)
        else {
            // The words may start on the label's own line, after the label.
            let label = label_line.first().map(|c| c.col);
            self.key_tasks(label_line.non_empty().filter(|c| Some(c.col) != label));
            for line in &lines[1..] {
                self.key_tasks(line.non_empty());
            }
            return;
        };
        let Some(s) = self.form.department_section.as_mut() else {
            return;
        };
        // The 年度预算情况 block, where a form has one, declares the unit; else the table does.
        if let (Some(unit), true) = (
            table.unit,
            s.funds_by_source.is_empty() && s.funds_by_direction.is_empty(),
        ) {
            self.form.money_unit = unit;
        }
        if let Some(text) = table.text {
            s.key_tasks = text.map(Into::into);
        }
        s.tasks = table.tasks;
        // 金额合计 is the department's budget for the year, as the funds block of a project
        // form is: what the funds rules check.
        if let Some(sum) = table.sum {
            let funds = &mut self.form.funds_annual;
            if funds.total.is_missing() {
                funds.total = sum.total;
                funds.fiscal = sum.fiscal;
                funds.other = sum.other;
            }
        }
    }

    fn key_tasks<'c>(&mut self, cells: impl Iterator<Item = &'c RawCell<'c>>) {
        let cells: Vec<&RawCell> = cells
            .filter(|c| !matches!(squeeze(c.text).as_str(), "核心职能" | "重点任务"))
            .collect();
        let text: Vec<&str> = cells.iter().map(|c| c.text).collect();
        let Some(span) = cells.iter().map(|c| c.span).reduce(Span::cover) else {
            return;
        };
        if let Some(s) = self.form.department_section.as_mut() {
            s.key_tasks = match s.key_tasks.value.take() {
                // A line's cells are columns: kept apart. A cell's text wrapped onto the next
                // line is not.
                Some(prev) => Cell::new(
                    format!("{prev}{}", text.join(" ")).into(),
                    s.key_tasks.span.cover(span),
                ),
                None => Cell::new(text.join(" ").into(), span),
            };
        }
    }

    fn finish(mut self) -> (Form, Vec<Diagnostic>) {
        let name = self.form.name.value.clone();
        let name = name.as_deref();
        self.read_funds(name);
        self.read_budget(name);
        self.read_tasks(name);
        let header = self
            .grid_header
            .take()
            .unwrap_or_else(GridHeader::default_two_periods);
        // A real grid has tens of rows; thousands are a paste gone wrong or a hostile file,
        // and are not worth the time every rule would spend on them.
        if self.grid_lines.len() > MAX_GRID_LINES || self.unread.is_some() {
            let first_dropped = self
                .grid_lines
                .get(MAX_GRID_LINES)
                .map(|l| l.span)
                .or(self.unread.map(|u| u.0))
                .unwrap_or_default();
            let grid = self.grid_lines.len();
            let message = match self.unread {
                Some((_, lines)) if grid > MAX_GRID_LINES => {
                    format!("指标表超过 {MAX_GRID_LINES} 行，其余未读取（表格共 {lines} 行）")
                }
                Some((_, lines)) => {
                    format!("表格有 {lines} 行，超过 {MAX_FORM_LINES} 行，其余未读取")
                }
                None => format!("指标表有 {grid} 行，超过 {MAX_GRID_LINES} 行，其余未读取"),
            };
            self.diagnostics.push(Diagnostic::new(
                &codes::TOO_MANY_ROWS,
                message,
                Label::new(Span::empty(first_dropped.start()), "此后未读取"),
            ));
            self.grid_lines.truncate(MAX_GRID_LINES);
        }
        self.form.indicators =
            grid::read_rows(&header, &self.grid_lines, name, &mut self.diagnostics);
        // Kept for the whole run: a file of three thousand forms holds them all at once.
        self.form.indicators.shrink_to_fit();
        if self.form.name.is_missing() && self.form.indicators.is_empty() {
            self.diagnostics.push(Diagnostic::new(
                &codes::UNRECOGNISED_FORM,
                format!(
                    "标题“{}”之后没有可识别的项目名称或绩效指标表",
                    quoted(self.form.title.value.as_deref().unwrap_or(""))
                ),
                Label::new(self.form.title.span, "表格标题"),
            ));
        }
        let name: Option<crate::diagnostics::Shared> = name.map(Into::into);
        for d in &mut self.diagnostics {
            if d.form.is_none() {
                d.form.clone_from(&name);
            }
        }
        (self.form, self.diagnostics)
    }

    fn read_funds(&mut self, form: Option<&str>) {
        let Some(first) = self.funds_lines.first() else {
            return;
        };
        // `年度本级预算金额（万元）`: a row label may declare the unit instead of the block.
        if first.non_empty().any(|c| c.text.contains("万元")) {
            self.form.money_unit = MoneyUnit::WanYuan;
        }
        let unit = self.form.money_unit;
        let right_col = first
            .non_empty()
            .find(|c| labels::is_annual_total(c.text))
            .map(|c| c.col)
            .unwrap_or(usize::MAX);
        // A form with one 指标值 column sets one year's targets: a total that does not name
        // its period (`资金总额`) is that year's, unless the block names the implementation
        // period (`实施期资金总额`, `中期资金总额`).
        let right_col = if right_col == usize::MAX
            && self.form.grid_layout == GridLayout::SinglePeriod
            && !first
                .non_empty()
                .any(|c| c.text.contains("实施期") || c.text.contains("中期"))
        {
            0
        } else {
            right_col
        };
        let lines = std::mem::take(&mut self.funds_lines);
        // The labels of the line above, where it was labels only: a block printed across
        // (`资金总额 | 财政拨款 | 其他资金` over a line of amounts) has its amounts below them.
        let mut above: smallvec::SmallVec<[(FundsRow, &RawCell); 8]> = smallvec::SmallVec::new();
        for line in lines {
            if !above.is_empty() && self.funds_below(&above, line, right_col, unit, form) {
                above.clear();
                continue;
            }
            above.clear();
            let mut across = true;
            let mut pending: Option<(FundsRow, &RawCell)> = None;
            for cell in line.non_empty() {
                if labels::may_be_funds_block(cell.text)
                    && labels::header_field(cell.text) == Some(Field::FundsBlock)
                {
                    continue;
                }
                if let Some(row) = labels::funds_row(cell.text) {
                    if let Some((prow, pcell)) = pending.take() {
                        self.fund_missing(prow, pcell, line, right_col);
                    }
                    pending = Some((row, cell));
                    above.push((row, cell));
                } else if let Some((row, at)) = shared_funds_cell(cell.text) {
                    let span = Span::new(cell.span.start() + at, cell.span.end());
                    self.fund_value(row, cell, &cell.text[at..], span, right_col, unit, form);
                    across = false;
                } else if let Some((row, label)) = pending.take() {
                    self.fund_value(row, label, cell.text, cell.span, right_col, unit, form);
                    across = false;
                }
            }
            if let Some((prow, pcell)) = pending {
                self.fund_missing(prow, pcell, line, right_col);
            }
            if !across || above.len() < 2 {
                above.clear();
            }
        }
    }

    /// Reads `line` as the amounts of the labels printed across the line above it, if it is
    /// one: amounts only, one under each label (by its column, or in order where the
    /// extraction shifted them and there are as many amounts as labels).
    fn funds_below(
        &mut self,
        above: &[(FundsRow, &RawCell)],
        line: &Line,
        right_col: usize,
        unit: MoneyUnit,
        form: Option<&str>,
    ) -> bool {
        let amounts: smallvec::SmallVec<[&RawCell; 8]> = line.non_empty().collect();
        if amounts.is_empty()
            || amounts
                .iter()
                .any(|c| !matches!(parse_amount(c.text), Amount::Number(_)))
        {
            return false;
        }
        let by_column = amounts
            .iter()
            .all(|c| above.iter().any(|(_, label)| label.col == c.col));
        if !by_column && amounts.len() != above.len() {
            return false;
        }
        for (i, cell) in amounts.iter().enumerate() {
            let (row, label) = if by_column {
                *above
                    .iter()
                    .find(|(_, l)| l.col == cell.col)
                    .expect("checked above")
            } else {
                above[i]
            };
            self.fund_value(row, label, cell.text, cell.span, right_col, unit, form);
        }
        true
    }

    fn funds_side(&mut self, label: &RawCell, right_col: usize) -> &mut Funds {
        if label.col >= right_col {
            &mut self.form.funds_annual
        } else {
            &mut self.form.funds_implementation
        }
    }

    fn fund_missing(&mut self, row: FundsRow, label: &RawCell, line: &Line, right_col: usize) {
        let gap = line
            .empty_slot_after(label.col)
            .unwrap_or(Span::empty(label.span.end()));
        let cell = fund_cell(self.funds_side(label, right_col), row);
        if cell.is_missing() {
            cell.span = gap;
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fund_value(
        &mut self,
        row: FundsRow,
        label: &RawCell,
        text: &str,
        span: Span,
        right_col: usize,
        unit: MoneyUnit,
        form: Option<&str>,
    ) {
        let side_name = if label.col >= right_col {
            "年度"
        } else {
            "实施期"
        };
        let amount = match parse_amount(text) {
            Amount::Number(n) => (n * unit.scale()).normalize(),
            Amount::Blank => return,
            Amount::NotANumber => {
                self.diagnostics.push(
                    Diagnostic::new(
                        &codes::FUNDS_NOT_A_NUMBER,
                        format!(
                            "{side_name}“{}”的金额“{}”不是数字",
                            quoted(&squeeze(label.text)),
                            quoted(text.trim())
                        ),
                        Label::new(span, "应为金额"),
                    )
                    .with_secondary(Label::new(label.span, "资金项"))
                    .with_form(form),
                );
                return;
            }
        };
        let cell = fund_cell(self.funds_side(label, right_col), row);
        match cell.value {
            None => *cell = Cell::new(amount, span),
            Some(prev) if prev == amount => {}
            Some(prev) => {
                let first = cell.span;
                self.diagnostics.push(
                    Diagnostic::new(
                        &codes::FUNDS_CONFLICT,
                        format!(
                            "{side_name}“{}”出现两次：{} 元与 {} 元",
                            squeeze(label.text),
                            prev.normalize(),
                            amount.normalize()
                        ),
                        Label::new(span, "重复的金额"),
                    )
                    .with_secondary(Label::new(first, "先出现的金额（采用）"))
                    .with_form(form),
                );
            }
        }
    }

    fn read_budget(&mut self, form: Option<&str>) {
        let Some(first) = self.budget_lines.first() else {
            return;
        };
        let unit = if first.non_empty().any(|c| c.text.contains("万元")) {
            MoneyUnit::WanYuan
        } else {
            MoneyUnit::Yuan
        };
        self.form.money_unit = unit;
        let right_col = first
            .non_empty()
            .find(|c| squeeze(c.text).contains("资金方向"))
            .map_or(usize::MAX, |c| c.col);
        let lines = std::mem::take(&mut self.budget_lines);
        let mut by_source = Vec::new();
        let mut by_direction = Vec::new();
        for line in lines.iter().skip(1) {
            let cells: Vec<&RawCell> = line.non_empty().collect();
            let mut i = 0;
            while i < cells.len() {
                let label = cells[i];
                let Some(value) = cells.get(i + 1) else { break };
                i += 2;
                let amount = match parse_amount(value.text) {
                    Amount::Number(n) => Cell::new((n * unit.scale()).normalize(), value.span),
                    Amount::Blank => Cell::missing(value.span),
                    Amount::NotANumber => {
                        self.diagnostics.push(
                            Diagnostic::new(
                                &codes::FUNDS_NOT_A_NUMBER,
                                format!(
                                    "“{}”的金额“{}”不是数字",
                                    quoted(&squeeze(label.text)),
                                    quoted(value.text)
                                ),
                                Label::new(value.span, "应为金额"),
                            )
                            .with_form(form),
                        );
                        Cell::missing(value.span)
                    }
                };
                let entry = LabelledAmount {
                    label: Cell::new(squeeze_text(label.text), label.span),
                    amount,
                };
                if label.col >= right_col {
                    by_direction.push(entry);
                } else {
                    by_source.push(entry);
                }
            }
        }
        if let Some(s) = self.form.department_section.as_mut() {
            s.funds_by_source = by_source;
            s.funds_by_direction = by_direction;
        }
        // The department form's 合计 lines are its totals.
        let total =
            |v: &[LabelledAmount]| v.iter().find(|e| e.is_total()).map(|e| e.amount.clone());
        if let Some(s) = &self.form.department_section {
            if let Some(t) = total(&s.funds_by_source) {
                self.form.funds_annual.total = t;
            }
        }
    }
}

fn is_block_start(field: Option<Field>) -> bool {
    matches!(
        field,
        Some(
            Field::Overview
                | Field::Basis
                | Field::Necessity
                | Field::Measures
                | Field::Plan
                | Field::GoalHeader
                | Field::Goal
                | Field::GridHeader
                | Field::Principal
                | Field::ProjectName
                | Field::Duties
                | Field::Strategy
                | Field::DeptBudget
                | Field::KeyTasks
                | Field::AnnualGoal
        )
    )
}

fn fund_cell(funds: &mut Funds, row: FundsRow) -> &mut Cell<Decimal> {
    match row {
        FundsRow::Total => &mut funds.total,
        FundsRow::Source(s) => funds.cell_mut(s),
    }
}

/// `实施期资金总额： 1,000,000` — label and amount in one cell (LAYOUT.md §16).
fn shared_funds_cell(text: &str) -> Option<(FundsRow, usize)> {
    if !may_share_funds_cell(text) {
        return None;
    }
    shared_funds_cell_matched(text)
}

/// [`shared_funds_cell`] by its pattern alone.
fn shared_funds_cell_matched(text: &str) -> Option<(FundsRow, usize)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(.*?[^\d\s,，.])[：:\s]*\s([-\d０-９][\d０-９,，.]*)$").expect("valid regex")
    });
    let c = re.captures(text)?;
    let row = labels::funds_row(&c[1])?;
    Some((row, c.get(2)?.start()))
}

/// What every cell [`shared_funds_cell`]'s pattern matches has: a space before the amount
/// (`\s`, Unicode's White_Space, as `char::is_whitespace`) and a digit or separator last
/// (`\d` is any decimal digit, which `char::is_numeric` includes). Most cells of the funds
/// block are bare amounts (`1,000,000`), and running the pattern over each was 1% of reading
/// a form.
fn may_share_funds_cell(text: &str) -> bool {
    text.ends_with(|c: char| c.is_numeric() || matches!(c, ',' | '，' | '.' | '-'))
        && text.contains(char::is_whitespace)
}

pub enum Amount {
    Number(Decimal),
    Blank,
    NotANumber,
}

/// A printed amount: thousands separators, full-width digits and a trailing 元 allowed;
/// a dash or slash means the cell was left empty on purpose.
pub fn parse_amount(text: &str) -> Amount {
    // Most amounts are plain ASCII digits, which the cleaning below leaves as they are.
    let plain = text
        .bytes()
        .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-');
    let t: Cow<str> = if plain {
        Cow::Borrowed(text)
    } else {
        // Sized once: every character kept is as long or shorter once cleaned.
        let mut t = String::with_capacity(text.len());
        for c in text
            .chars()
            .filter(|&c| !cells::is_space(c) && c != ',' && c != '，')
        {
            t.push(match c {
                '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
                '．' => '.',
                '－' => '-',
                _ => c,
            });
        }
        Cow::Owned(t)
    };
    let t = t.strip_suffix('元').unwrap_or(&t);
    if t.is_empty() || matches!(t, "-" | "—" | "——" | "/" | "／") {
        return Amount::Blank;
    }
    match Decimal::from_str(t) {
        // No budget reaches 10^18 元; a longer number is damage, and would overflow once
        // scaled from 万元.
        Ok(n) if n.abs() < Decimal::from(1_000_000_000_000_000_000u64) => Amount::Number(n),
        _ => Amount::NotANumber,
    }
}

pub(super) fn split_department(text: &str) -> DepartmentRef {
    match coded(text) {
        Some((code, name)) => DepartmentRef {
            code: Some(code.to_owned()),
            name: squeeze(name),
        },
        None => DepartmentRef {
            code: None,
            name: squeeze(text),
        },
    }
}

/// The code and the name of `051-阳泉市教育局`, `904 文教科`, `201_某局`, `[201]某某县教育局`,
/// `【201】…`. Read by hand, not by a regex with captures: it runs on every form, and the
/// captures cost some 3,000 instructions each time.
fn coded(text: &str) -> Option<(&str, &str)> {
    /// An optional letter and two or more digits at the start: the code and what follows.
    fn code(t: &str) -> Option<(&str, &str)> {
        let letter = t.starts_with(|c: char| c.is_ascii_alphabetic()) as usize;
        let digits = t[letter..]
            .char_indices()
            .find(|&(_, c)| !is_digit(c))
            .map_or(t.len() - letter, |(i, _)| i);
        let chars = t[letter..letter + digits].chars().count();
        (chars >= 2).then(|| t.split_at(letter + digits))
    }
    fn is_digit(c: char) -> bool {
        c.is_ascii_digit() || ('０'..='９').contains(&c)
    }
    /// What follows the code, if it names something: not nothing, and not a dash or colon
    /// alone (`00　：　` is a code with its name left blank).
    fn name(rest: &str) -> Option<&str> {
        let n = rest.trim_start();
        let said = n
            .chars()
            .any(|c| !c.is_whitespace() && !SEPARATORS.contains(&c));
        (said && !n.contains('\n')).then_some(n)
    }
    const SEPARATORS: [char; 7] = ['-', '－', '—', '–', '_', ':', '：'];
    let opened = text.strip_prefix(['[', '【', '(', '（']);
    if let Some(inner) = opened {
        let (code, rest) = code(inner.trim_start())?;
        let rest = rest.trim_start().strip_prefix([']', '】', ')', '）'])?;
        return Some((code, name(rest)?));
    }
    let (code, rest) = code(text)?;
    let spaced = rest.trim_start();
    let rest = match spaced.strip_prefix(SEPARATORS) {
        Some(after) if name(after).is_some() => after,
        // Without a dash (or with nothing after it), a space must part the code from the name.
        _ if spaced.len() < rest.len() => spaced,
        _ => return None,
    };
    Some((code, name(rest)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader as a caller keeping its forms whole calls it.
    fn read(text: &str) -> TextRead {
        super::read(text, Blocks::Text, &mut |_, _| {})
    }

    /// What the sink is handed of a form: where it is, its pages and its rows.
    fn handed(f: &Form) -> (Span, usize, usize) {
        (f.span, f.continuations.len(), f.indicators.len())
    }

    /// Reads `text` with a sink that records what it is handed, call by call, and checks
    /// that every form came once, in order, finished (as the returned document has it).
    fn read_handing(text: &str) -> Vec<Vec<(Span, usize, usize)>> {
        read_handing_in(text, Blocks::Text)
    }

    /// [`read_handing`], in blocks sized for `blocks`.
    fn read_handing_in(text: &str, blocks: Blocks) -> Vec<Vec<(Span, usize, usize)>> {
        let mut calls: Vec<Vec<(Span, usize, usize)>> = Vec::new();
        let read = super::read(text, blocks, &mut |forms, _| {
            calls.push(forms.iter().map(handed).collect())
        });
        let all: Vec<(Span, usize, usize)> = calls.iter().flatten().copied().collect();
        let returned: Vec<(Span, usize, usize)> = read.forms.iter().map(handed).collect();
        assert_eq!(all, returned);
        calls
    }

    #[test]
    fn every_form_of_the_disclosure_is_handed_over_once_and_whole() {
        let disclosure = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .expect("the disclosure is in tests/corpus");
        let calls = read_handing(&disclosure);
        let forms: Vec<_> = calls.iter().flatten().collect();
        // 227 titles, four of them a form's second page (LAYOUT.md §1).
        assert_eq!(forms.len(), 224);
        assert_eq!(forms.iter().filter(|f| f.1 == 1).count(), 4);
    }

    /// Read on the calling thread alone, the disclosure gives the same forms in the same
    /// blocks; the scope nests, and is left as it was found, by a panic too.
    #[test]
    fn a_text_read_on_this_thread_alone_is_read_the_same() {
        let disclosure = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .expect("the disclosure is in tests/corpus");
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let split = two.install(|| read_handing_in(&disclosure, Blocks::Text));
        let alone = two.install(|| on_this_thread(|| read_handing_in(&disclosure, Blocks::Text)));
        assert_eq!(alone, split);
        assert!(!ON_THIS_THREAD.get());
        on_this_thread(|| {
            on_this_thread(|| assert!(ON_THIS_THREAD.get()));
            assert!(ON_THIS_THREAD.get());
        });
        assert!(!ON_THIS_THREAD.get());
        let panicked = std::panic::catch_unwind(|| on_this_thread(|| panic!("a reader's bug")));
        assert!(panicked.is_err());
        assert!(!ON_THIS_THREAD.get());
    }

    /// A page continuing the form before it may open the next block: the form is handed over
    /// only once that page has joined it.
    #[test]
    fn a_form_is_handed_over_after_the_pages_of_the_next_block_join_it() {
        let page = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/other_issuer_single_period.txt"
        ))
        .expect("the fixture is in tests/fixtures");
        let pages = forms_per_block(Blocks::Text) + 44;
        let calls = read_handing(&page.repeat(pages));
        let rows_a_page = read(&page).forms[0].indicators.len();
        assert!(rows_a_page * pages <= MAX_GRID_LINES);
        assert_eq!(calls, [[(calls[0][0].0, pages - 1, rows_a_page * pages)]]);
    }

    /// On two threads a text's forms are read 128 at a time, and a workbook's sheets 32 at a
    /// time: the 10 MB workbook of 8,500 sheets is the shape nearest the memory target, and
    /// read in blocks of 128 it peaked 0.7 MB higher. Each block's last form waits for the
    /// next block's first page, which might continue it.
    #[test]
    fn a_workbooks_sheets_are_read_in_smaller_blocks_than_a_text() {
        let text: String = (0..300)
            .map(|f| {
                format!(
                    "项目支出绩效目标表\n项目名称\t项目{f}\n一级指标\t二级指标\t三级指标\t指标值\n\
                     产出指标\t数量指标\t指标{f}\t≥1个\n"
                )
            })
            .collect();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .expect("a pool of two threads");
        let sizes = |blocks| -> Vec<usize> {
            two.install(|| read_handing_in(&text, blocks))
                .iter()
                .map(Vec::len)
                .collect()
        };
        assert_eq!(sizes(Blocks::Text), [127, 128, 44, 1]);
        let sheets = sizes(Blocks::Sheets);
        assert_eq!(sheets.iter().sum::<usize>(), 300);
        assert_eq!(sheets[..2], [31, 32]);
        assert!(sheets.iter().all(|&n| n <= 32), "{sheets:?}");
    }

    /// Long grids fill a block by their text before its number of forms: 40 forms of 2,000
    /// rows (some 60 KB each) are handed over in blocks of a few.
    #[test]
    fn long_grids_are_handed_over_a_few_at_a_time() {
        let mut text = String::new();
        for f in 0..40 {
            text.push_str(&format!(
                "项目支出绩效目标表\n项目名称\t项目{f}\n一级指标\t二级指标\t三级指标\t指标值\n"
            ));
            for i in 0..2000 {
                text.push_str(&format!("产出指标\t数量指标\t指标{i}\t≥1个\n"));
            }
        }
        let calls = read_handing(&text);
        assert_eq!(calls.iter().map(Vec::len).sum::<usize>(), 40);
        assert!(calls.iter().all(|c| c.iter().all(|f| f.2 == 2000)));
        let most = calls.iter().map(Vec::len).max().unwrap();
        assert!(
            calls.len() >= 4 && most <= 10,
            "{:?}",
            calls.iter().map(Vec::len).collect::<Vec<_>>()
        );
    }

    #[test]
    fn amounts_accept_separators_and_reject_words() {
        let n = |t| match parse_amount(t) {
            Amount::Number(n) => Some(n.to_string()),
            _ => None,
        };
        assert_eq!(n("312,200").as_deref(), Some("312200"));
        assert_eq!(n("65,465.66").as_deref(), Some("65465.66"));
        assert_eq!(n("１２３").as_deref(), Some("123"));
        assert_eq!(n("400元").as_deref(), Some("400"));
        assert!(matches!(parse_amount("—"), Amount::Blank));
        assert!(matches!(parse_amount("四十万"), Amount::NotANumber));
        // Plain ASCII amounts are read as they are.
        assert_eq!(n("0.50").as_deref(), Some("0.50"));
        assert_eq!(n("-12").as_deref(), Some("-12"));
        assert!(matches!(parse_amount("-"), Amount::Blank));
        assert!(matches!(parse_amount(""), Amount::Blank));
        assert!(matches!(parse_amount("1-2"), Amount::NotANumber));
        assert!(matches!(parse_amount("1..2"), Amount::NotANumber));
    }

    #[test]
    fn department_code_and_name_split() {
        let d = split_department("051-阳泉市教育局");
        assert_eq!(
            (d.code.as_deref(), d.name.as_str()),
            (Some("051"), "阳泉市教育局")
        );
        let d = split_department("D05-中国共产党阳泉市委员会组织部（阳泉市公务员局）");
        assert_eq!(d.code.as_deref(), Some("D05"));
        let d = split_department("904 文教科");
        assert_eq!(
            (d.code.as_deref(), d.name.as_str()),
            (Some("904"), "文教科")
        );
        for (printed, code) in [
            ("[201]某某县教育局", "201"),
            ("【201】某某县教育局", "201"),
            ("（201）某某县教育局", "201"),
            ("201_某某县教育局", "201"),
        ] {
            let d = split_department(printed);
            assert_eq!(
                (d.code.as_deref(), d.name.as_str()),
                (Some(code), "某某县教育局"),
                "{printed}"
            );
        }
        assert_eq!(split_department("阳泉市教育局").code, None);
        // A name that starts with a number in brackets is not coded unless a name follows.
        assert_eq!(split_department("[201]").code, None);
        // A code with its name left blank, a dash or colon after it and nothing else, is not
        // a code and a name either, whatever spaces are round the colon.
        for blank in ["904 -", "00　：　", "051：", "051 － "] {
            let d = split_department(blank);
            assert_eq!(d.code, None, "{blank}");
        }
    }

    #[test]
    fn year_lines_are_read_with_their_spaces_and_brackets() {
        for (cell, year) in [
            ("(2025年度)", Some(Some(2025))),
            ("（2025年度）", Some(Some(2025))),
            ("(2025) 年度", Some(Some(2025))),
            ("（ 2025 年 度 ）", Some(Some(2025))),
            ("(2025)", Some(Some(2025))),
            // Full-width digits are a year line whose year is not read.
            ("（２０２５年度）", Some(None)),
            ("(20251)", None),
            ("(2025年)", None),
            ("2025年度", None),
            ("(2025年度) 单位：元", None),
        ] {
            assert_eq!(year_line(cell), year, "{cell}");
        }
    }

    proptest::proptest! {
        /// The year line read by hand is what the pattern read of the squeezed cell.
        #[test]
        fn year_lines_are_read_as_the_pattern_read_them(
            parts in (
                "[(（x]?[ 　]?",
                "[0-9]{4}|[0-9]{3,5}|２０２５|20 25",
                "[ 　]?(年度|年|年 度)?[ 　]?",
                "[)）x]?[ 　]?",
                "(年度|年|x|年度 )?",
            )
        ) {
            let t = format!("{}{}{}{}{}", parts.0, parts.1, parts.2, parts.3, parts.4);
            let by_regex = year_line_re()
                .captures(&squeeze(&t))
                .map(|c| c[1].parse::<u16>().ok());
            proptest::prop_assert_eq!(year_line(&t), by_regex);
        }
    }

    proptest::proptest! {
        /// The hand-written reader of codes gives what the regex it replaced gave, except
        /// that a code with no name after it, or only a dash or colon, is no code (the regex
        /// took `00 ：` for code 00 named `：`, and `00　：　` for no code, by the space at
        /// the end).
        #[test]
        fn codes_are_read_as_the_regex_read_them(
            t in "[0-9a-z０-９ 　_:：\\-－—\\[\\]【】()（）某局]{0,12}"
        ) {
            let re = Regex::new(
                r"^(?:[\[【(（]\s*([A-Za-z]?\d{2,})\s*[\]】)）]\s*|([A-Za-z]?\d{2,})\s*(?:[-－—–_:：]\s*|\s+))(.+)$",
            )
            .unwrap();
            let by_regex = re.captures(&t).and_then(|c| {
                let name = c[3].trim();
                let code = c.get(1).or(c.get(2)).unwrap().as_str();
                let said = name
                    .chars()
                    .any(|c| !c.is_whitespace() && !"-－—–_:：".contains(c));
                said.then(|| (code.to_owned(), name.to_owned()))
            });
            let by_hand = coded(&t).map(|(c, n)| (c.to_owned(), n.trim().to_owned()));
            proptest::prop_assert_eq!(by_hand, by_regex);
        }
    }

    #[test]
    fn a_title_names_its_year() {
        for (title, at) in [
            ("2025年度项目支出绩效目标表", Some(0)),
            ("某县2025 年项目支出绩效目标表", Some("某县".len())),
            ("项目支出绩效目标表", None),
            ("12025年度", None),
            ("3025年度", None),
            ("2025项目", None),
            ("202", None),
            // A range is budgeted from its first year.
            ("2025—2027年中期绩效目标表", Some(0)),
            ("某县2025 - 2027年项目", Some("某县".len())),
            ("2025至2027年度", Some(0)),
            ("第1-2025年", Some("第1-".len())),
        ] {
            assert_eq!(title_year(title), at, "{title}");
        }
    }

    #[test]
    fn shared_label_and_amount() {
        let (row, at) = shared_funds_cell("实施期资金总额： 1,000,000").unwrap();
        assert_eq!(row, FundsRow::Total);
        assert_eq!(&"实施期资金总额： 1,000,000"[at..], "1,000,000");
        assert!(shared_funds_cell("市县（区）财政资 0").is_some());
        assert!(shared_funds_cell("其中：中央财政资金").is_none());
    }

    #[test]
    fn a_form_past_its_line_limit_is_counted_not_read() {
        let mut text = String::from("项目支出绩效目标表\n项目名称\t测试\n\n");
        for i in 0..3000 {
            text.push_str(&format!("备注\t第{i}行\n"));
        }
        let read = read(&text);
        assert_eq!(read.forms.len(), 1);
        let d = read.diagnostics.iter().find(|d| d.code == "S008").unwrap();
        assert_eq!(d.message, "表格有 3002 行，超过 2500 行，其余未读取");
        // The blank line is not counted; reading stops at the first line not read.
        let line = text[..d.primary.span.start()].lines().count() + 1;
        assert_eq!(line, 2503);
        assert_eq!(
            read.forms[0].span.end(),
            text.trim_end().len(),
            "the form still covers every line"
        );
    }

    #[test]
    fn a_table_or_prose_past_its_line_limit_is_counted_not_read() {
        let mut text = String::from("2025年部门收支总表\n");
        text.push_str(&"项目\t1.00\t2.00\n".repeat(MAX_SECTION_LINES + 4));
        text.push_str("第三部分 情况说明\n");
        text.push_str(&"说明\t本年收入 100 万元。\n".repeat(MAX_SECTION_LINES + 9));
        let read = read(&text);
        let found: Vec<(&str, &str)> = read
            .diagnostics
            .iter()
            .map(|d| (d.code.as_str(), d.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "S009",
                    "“2025年部门收支总表”有 20005 行，超过 20000 行，其余未读取"
                ),
                ("S009", "说明部分有 20010 行，超过 20000 行，其余未读取"),
            ]
        );
        assert!(!read.tables.is_empty(), "what was read is still a table");
        assert!(read.prose.len() < MAX_SECTION_LINES, "{}", read.prose.len());
    }

    #[test]
    fn forms_past_the_limit_are_counted_not_read() {
        // Named apart: two forms of one name and the same funds are one form's two pages.
        let text: String = (0..MAX_FORMS + 5)
            .map(|i| format!("项目支出绩效目标表\n项目名称\t项目{i}\n"))
            .collect();
        let read = read(&text);
        assert_eq!(read.forms.len(), MAX_FORMS);
        let d = read.diagnostics.iter().find(|d| d.code == "S010").unwrap();
        assert_eq!(
            d.message,
            "文件有 10005 张绩效目标表，超过 10000 张，其余未读取"
        );
        let line = text[..d.primary.span.start()].lines().count() + 1;
        assert_eq!(
            line,
            2 * MAX_FORMS + 1,
            "at the title of the first form not read"
        );
        let last = read.forms.last().unwrap();
        assert!(last.span.end() < d.primary.span.start());
    }

    /// The byte search that turns lines away before their cells are looked at lets through
    /// every line whose sole cell is a title: in the disclosure, and in each kind of title.
    #[test]
    fn no_title_line_is_turned_away() {
        let disclosure = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .expect("the disclosure is in tests/corpus");
        let made_up = "\t项目支出绩效目标表\n# 说明\n第二部分 部门预算情况说明\n表1 收支总表\n教育经费\t100\n";
        for (text, at_least) in [(disclosure.as_str(), 227), (made_up, 3)] {
            let mut titles = 0;
            for s in cells::lines_in(text, cells::whole(text)) {
                let title = cells::sole_cell(text, s).and_then(|c| title_of(&c));
                if title.is_some() {
                    titles += 1;
                    assert!(may_hold_title(&text[s.range()]), "{}", &text[s.range()]);
                }
            }
            assert!(titles >= at_least, "{titles} titles");
        }
        assert!(!may_hold_title("教育经费\t100\t2025年"));
    }

    /// The whole-text search gives the lines that a line-by-line test of each line gives:
    /// the same spans, in order, CRLF or LF, with or without a last line end.
    #[test]
    fn title_marks_are_found_on_the_lines_that_hold_them() {
        fn line_by_line(text: &str) -> Vec<Span> {
            cells::lines_in(text, cells::whole(text))
                .filter(|s| may_hold_title(&text[s.range()]))
                .collect()
        }
        let disclosure = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .expect("the disclosure is in tests/corpus");
        let found: Vec<Span> = lines_holding_title_marks(&disclosure).collect();
        assert!(found.len() >= 227, "{} lines", found.len());
        assert_eq!(found, line_by_line(&disclosure));
        for text in [
            "",
            "表",
            "\n表\n",
            "表\r\n",
            "a\r\n第\r",
            "#表第\n\n#",
            "\r表",
        ] {
            let found: Vec<Span> = lines_holding_title_marks(text).collect();
            assert_eq!(found, line_by_line(text), "{text:?}");
        }
        proptest::proptest!(|(text in "[表第#\n\r\ta中]{0,24}")| {
            let found: Vec<Span> = lines_holding_title_marks(&text).collect();
            proptest::prop_assert_eq!(found, line_by_line(&text));
        });
    }

    /// The quick test never turns away a cell the pattern matches: every cell of the
    /// disclosure, cells made to match, and random ones.
    #[test]
    fn shared_funds_cells_are_not_turned_away() {
        let disclosure = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .expect("the disclosure is in tests/corpus");
        let made_up = [
            "实施期资金总额： 1,000,000",
            "市县（区）财政资 0",
            "其中：中央\u{3000}１２",
            "年度资金总额 -",
            "其他资金\u{a0}5.",
            "单位自筹 ٣٤",
        ];
        let mut matched = 0;
        let lines = cells::lines(&disclosure);
        let cells = lines
            .views()
            .into_iter()
            .flat_map(|l| l.cells.iter().map(|c| c.text));
        for text in cells.chain(made_up) {
            let pattern = shared_funds_cell_matched(text);
            matched += usize::from(pattern.is_some());
            assert_eq!(shared_funds_cell(text), pattern, "{text}");
        }
        assert!(matched >= made_up.len(), "{matched}");
        proptest::proptest!(|(text in "[实施期资金总额其中：: 　\u{a0}\t0-9０-９٣,，.\\-a元]{0,12}")| {
            proptest::prop_assert_eq!(shared_funds_cell(&text), shared_funds_cell_matched(&text));
        });
    }

    #[test]
    fn titles() {
        let t = |s: &str| {
            title_of(&cells::sole_cell(
                s,
                cells::lines_in(s, cells::whole(s)).next()?,
            )?)
        };
        assert_eq!(
            t("阳泉市市级预算部门（单位）项目支出绩效目标表  "),
            Some(Title::Form(FormKind::Project))
        );
        assert_eq!(
            t("市级预算部门（单位）整体支出绩效目标申报表"),
            Some(Title::Form(FormKind::Department))
        );
        assert_eq!(
            t("项目支出绩效目标表（2025年度）"),
            Some(Title::Form(FormKind::Project))
        );
        assert_eq!(t("（项目绩效目标表公开情况见附件）"), None);
        assert_eq!(t("预算公开表1"), Some(Title::Table));
        assert_eq!(t("2025年项目支出预算表（本年预算）"), Some(Title::Table));
        assert_eq!(t("表十二2025年项目支出预算表（本年预算）\t16"), None);
    }
}
