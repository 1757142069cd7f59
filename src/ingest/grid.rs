//! The indicator grid: printed rows to [`IndicatorRow`]s with both halves.
//!
//! Column positions are unreliable in these extractions (the same header exists in 26 tab
//! layouts, rows drift right, cells merge), so rows are read by their labels: the 二级 labels
//! anchor the halves, the tokens between them are name and value. Columns only break ties,
//! measured against the grid's own header. Labels printed in a merged cell are inherited by
//! block, and a 一级 label is derived from its 二级 label rather than from where the
//! printer happened to put it (LAYOUT.md §5–§9).

use super::cells::{squeeze, squeeze_text, Line, RawCell};
use super::labels::{self, Column, Field, GridLabel};
use crate::diagnostics::{codes, form_name, quoted, Diagnostic, Label};
use crate::model::{Cell, ExtraCell, GridLayout, IndicatorHalf, IndicatorRow, Span, Text};
use smallvec::SmallVec;

/// What the grid's header row says about its columns.
#[derive(Debug, Clone)]
pub struct GridHeader {
    pub layout: GridLayout,
    /// The column where the 年度 half starts, as the header prints it.
    pub right_col: usize,
    /// Header-driven mapping, used when the header has columns beyond the template
    /// (计量单位, 权重, ...), where tokens alone cannot say which cell is which.
    pub columns: Option<Vec<HeaderColumn>>,
}

#[derive(Debug, Clone)]
pub struct HeaderColumn {
    pub col: usize,
    pub half: usize,
    pub role: Column,
    pub label: std::sync::Arc<str>,
}

impl GridHeader {
    /// The template layout, for grids whose header was not printed.
    pub fn default_two_periods() -> Self {
        GridHeader {
            layout: GridLayout::TwoPeriods,
            right_col: usize::MAX,
            columns: None,
        }
    }

    pub fn read(line: &Line) -> Self {
        let cells: Vec<&RawCell> = line
            .non_empty()
            .filter(|c| labels::header_field(c.text) != Some(Field::GridHeader))
            .collect();
        let roles: Vec<(usize, Column, &str)> = cells
            .iter()
            .filter_map(|c| labels::grid_column(c.text).map(|r| (c.col, r, c.text)))
            .collect();
        // The 年度 half starts at the first label column after the first value column;
        // extra columns (计量单位, 权重) after a value belong to the same half.
        let first_value = roles.iter().position(|r| r.1 == Column::Value);
        let right_col = first_value
            .and_then(|i| {
                roles[i + 1..].iter().find(|r| {
                    matches!(
                        r.1,
                        Column::Level1 | Column::Level2 | Column::Level3 | Column::Value
                    )
                })
            })
            .map_or(usize::MAX, |r| r.0);
        let layout = if right_col == usize::MAX {
            GridLayout::SinglePeriod
        } else {
            GridLayout::TwoPeriods
        };
        let columns = roles.iter().any(|r| r.1 == Column::Extra).then(|| {
            let mut half = 0;
            let mut seen_value = false;
            roles
                .iter()
                .map(|&(col, role, label)| {
                    if seen_value
                        && matches!(role, Column::Level1 | Column::Level2 | Column::Level3)
                    {
                        half += 1;
                        seen_value = false;
                    }
                    seen_value |= role == Column::Value;
                    HeaderColumn {
                        col,
                        half,
                        role,
                        label: labels::column_label(&labels::normalize(label)),
                    }
                })
                .collect()
        });
        GridHeader {
            layout,
            right_col,
            columns,
        }
    }
}

/// A label as printed on one row.
#[derive(Debug, Clone, Copy)]
struct Printed {
    label: &'static str,
    span: Span,
}

/// One half of one row before labels are inherited.
#[derive(Debug, Clone, Default)]
struct RawHalf {
    l1: Option<Printed>,
    l2: Option<Printed>,
    name: Option<(Text, Span)>,
    value: Option<(Text, Span)>,
    /// Where a missing name or value would have been.
    gap: Span,
    extras: Vec<ExtraCell>,
}

struct RawRow {
    span: Span,
    left: Option<RawHalf>,
    right: Option<RawHalf>,
}

#[derive(Clone, Copy)]
enum Tok<'a> {
    L1(&'static str, &'a RawCell<'a>),
    L2(&'static str, &'a RawCell<'a>),
    Data(&'a RawCell<'a>),
}

impl<'a> Tok<'a> {
    fn of(label: Option<GridLabel>, cell: &'a RawCell<'a>) -> Self {
        match label {
            Some(GridLabel::Level1(l)) => Tok::L1(l, cell),
            Some(GridLabel::Level2(l)) => Tok::L2(l, cell),
            None => Tok::Data(cell),
        }
    }
}

/// A grid line's tokens and groups, in vectors kept for all the lines of a grid, and each
/// group's data cells held inline (a group is a name and a value): allocating the three for
/// each line was a tenth of the allocations of reading a form.
struct Scratch<'a> {
    toks: Vec<Tok<'a>>,
    groups: Vec<Group<'a>>,
    /// See [`prints_short_labels`]: asked once a grid.
    short_labels: bool,
}

#[derive(Default)]
struct Group<'a> {
    l1: Option<(&'static str, &'a RawCell<'a>)>,
    l2: Option<(&'static str, &'a RawCell<'a>)>,
    data: SmallVec<[&'a RawCell<'a>; 4]>,
}

impl Group<'_> {
    fn is_empty(&self) -> bool {
        self.l1.is_none() && self.l2.is_none() && self.data.is_empty()
    }
}

/// Reads the grid rows of one form (or of one page of it).
pub fn read_rows(
    header: &GridHeader,
    lines: &[&Line],
    form: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<IndicatorRow> {
    let mut raw = Vec::with_capacity(lines.len());
    let mut unplaced: Vec<&RawCell> = Vec::new();
    // A two-period line is some ten tokens in two to four groups: room for them at once.
    let mut scratch = Scratch {
        toks: Vec::with_capacity(16),
        groups: Vec::with_capacity(4),
        short_labels: prints_short_labels(lines),
    };
    for line in lines {
        if line.is_blank() {
            continue;
        }
        // Filled where it lies: a row is some 300 bytes, and moving each into the list (and
        // each half into its row) was a tenth of reading the grid.
        raw.push(RawRow {
            span: line.span,
            left: None,
            right: None,
        });
        let row = raw.last_mut().expect("just pushed");
        match &header.columns {
            Some(cols) => read_by_columns(line, cols, row),
            None => read_by_tokens(line, header, &mut unplaced, &mut scratch, row),
        }
        if row.left.is_none() && row.right.is_none() {
            raw.pop();
        }
    }
    let foreign: Vec<&RawCell> = lines
        .iter()
        .flat_map(|l| l.non_empty())
        .filter(|c| labels::is_non_template_level1(c.text))
        .collect();
    if let Some(first) = foreign.first() {
        diagnostics.push(
            Diagnostic::new(
                &codes::UNKNOWN_LABEL,
                format!(
                    "指标表使用了模板中没有的一级指标“{}”（共 {} 处），表格可能整体错位",
                    squeeze(first.text),
                    foreign.len()
                ),
                Label::new(first.span, "非模板一级指标"),
            )
            .with_form(form),
        );
    }
    if let Some(first) = unplaced.first() {
        let span = unplaced.iter().fold(first.span, |s, c| s.cover(c.span));
        let texts: Vec<_> = unplaced.iter().take(3).map(|c| quoted(c.text)).collect();
        diagnostics.push(
            Diagnostic::new(
                &codes::UNPLACED_CELLS,
                format!(
                    "指标表有 {} 个单元格无法归入实施期或年度（如“{}”）",
                    unplaced.len(),
                    texts.join("”“")
                ),
                Label::new(first.span, "无法归位的单元格"),
            )
            .with_secondary(Label::new(span, "所在范围"))
            .with_form(form),
        );
    }
    resolve(raw, header.layout, form, diagnostics)
}

/// Whether a grid prints its labels short (`产出 | 数量 | 培训人数 | ≥500人`): a line that starts
/// with `产出`, which names no indicator. Only the first two cells of a line are looked at (the
/// grid's header cell, then the 一级 column).
fn prints_short_labels(lines: &[&Line]) -> bool {
    lines
        .iter()
        .any(|l| l.non_empty().take(2).any(|c| c.text == "产出"))
}

/// The tokens of a grid line, into `toks`. Where the grid prints its labels short, a short
/// spelling (`数量`, `满意度`) is a label too, unless a value follows it: then it is the
/// indicator's name (`服务对象满意度 | 满意度 | ≥90%`).
fn classify<'a>(line: &'a Line<'a>, toks: &mut Vec<Tok<'a>>, short_labels: bool) {
    toks.clear();
    let mut leading = true;
    for cell in line.non_empty() {
        if leading
            && (labels::header_field(cell.text) == Some(Field::GridHeader)
                || labels::grid_column(cell.text).is_some())
        {
            continue;
        }
        leading = false;
        toks.push(Tok::of(labels::grid_label(cell.text), cell));
    }
    if !short_labels {
        return;
    }
    for i in 0..toks.len().saturating_sub(1) {
        let (Tok::Data(cell), next) = (toks[i], toks[i + 1]) else {
            continue;
        };
        if matches!(next, Tok::Data(next) if looks_like_value(next.text)) {
            continue;
        }
        toks[i] = Tok::of(labels::grid_label_in_column(cell.text), cell);
    }
}

/// 成本指标 over 经济成本指标 & co. is the 2021 template's fourth 一级指标.
fn is_2021_cost_child(label: &str) -> bool {
    labels::parent_of(label) == Some("成本指标")
}

/// The groups of a grid line's tokens, into `groups`.
fn group_tokens<'a>(toks: &[Tok<'a>], right_col: usize, groups: &mut Vec<Group<'a>>) {
    groups.clear();
    let mut cur = Group::default();
    for (i, tok) in toks.iter().enumerate() {
        match *tok {
            Tok::L1(l, cell) => {
                if !cur.is_empty() {
                    groups.push(std::mem::take(&mut cur));
                }
                cur.l1 = Some((l, cell));
            }
            Tok::L2(l, cell) => match cur.l2 {
                Some((prev, prev_cell)) if cur.data.is_empty() => {
                    if prev == "成本指标" && is_2021_cost_child(l) {
                        cur.l1 = Some(("成本指标", prev_cell));
                        cur.l2 = Some((l, cell));
                    } else if prev != l {
                        groups.push(std::mem::take(&mut cur));
                        cur.l2 = Some((l, cell));
                    } else if groups.is_empty()
                        && cell.col >= right_col
                        && prev_cell.col < right_col
                    {
                        // `数量指标 | | 数量指标 | name | value`: an empty left half.
                        groups.push(std::mem::take(&mut cur));
                        cur.l2 = Some((l, cell));
                    } else {
                        match data_before_next_label(toks, i) {
                            // `可持续影响 | | 可持续影响 | |`: an empty category in both halves.
                            0 => {
                                groups.push(std::mem::take(&mut cur));
                                cur.l2 = Some((l, cell));
                            }
                            // `服务对象满意度 | 服务对象满意度 | ≥90%`: the name is the label.
                            1 => cur.data.push(cell),
                            // A doubled label (`数量指标 | 数量指标 | 外聘教师人数`): skip it.
                            _ => {}
                        }
                    }
                }
                _ if !cur.data.is_empty() || cur.l2.is_some() => {
                    groups.push(std::mem::take(&mut cur));
                    cur.l2 = Some((l, cell));
                }
                _ => cur.l2 = Some((l, cell)),
            },
            Tok::Data(cell) => cur.data.push(cell),
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
}

fn data_before_next_label(toks: &[Tok<'_>], i: usize) -> usize {
    toks[i + 1..]
        .iter()
        .take_while(|t| matches!(t, Tok::Data(_)))
        .count()
}

fn read_by_tokens<'a>(
    line: &'a Line<'a>,
    header: &GridHeader,
    unplaced: &mut Vec<&'a RawCell<'a>>,
    scratch: &mut Scratch<'a>,
    row: &mut RawRow,
) {
    classify(line, &mut scratch.toks, scratch.short_labels);
    group_tokens(&scratch.toks, header.right_col, &mut scratch.groups);
    let groups = &scratch.groups;
    if groups.is_empty() {
        return;
    }
    if header.layout == GridLayout::SinglePeriod {
        let mut data = Vec::new();
        let (l1, l2) = (groups[0].l1, groups[0].l2);
        for g in groups {
            data.extend(g.data.iter().copied());
        }
        half(line, l1, l2, &data, unplaced, &mut row.right);
        return;
    }
    let first = &groups[0];
    match groups.get(1) {
        Some(second) => {
            half(
                line,
                first.l1,
                first.l2,
                &first.data,
                unplaced,
                &mut row.left,
            );
            half(
                line,
                second.l1,
                second.l2,
                &second.data,
                unplaced,
                &mut row.right,
            );
            for extra in &groups[2..] {
                // A grid printed several times side by side repeats the same halves.
                if !repeats(extra, row.left.as_ref()) {
                    unplaced.extend(extra.data.iter().copied());
                }
            }
        }
        None => {
            let d = &first.data;
            let (left, right): (&[&RawCell], &[&RawCell]) = match d.len() {
                0..=2 => {
                    let labelled = first.l1.is_some() || first.l2.is_some();
                    if !labelled && d.first().is_some_and(|c| c.col >= header.right_col) {
                        (&[], d)
                    } else {
                        (d, &[])
                    }
                }
                3 => split_three(d),
                _ => (&d[..2], &d[2..]),
            };
            if !left.is_empty() || first.l1.is_some() || first.l2.is_some() {
                half(line, first.l1, first.l2, left, unplaced, &mut row.left);
            }
            if !right.is_empty() {
                half(line, None, None, right, unplaced, &mut row.right);
            }
        }
    }
}

fn repeats(group: &Group<'_>, left: Option<&RawHalf>) -> bool {
    let Some(left) = left else { return false };
    let names: Vec<String> = group.data.iter().map(|c| squeeze(c.text)).collect();
    let name = left.name.as_ref().map(|n| &*n.0);
    names.is_empty()
        || names.first().map(String::as_str) == name
        || name.is_some_and(|n| names[0].starts_with(n) || n.starts_with(names[0].as_str()))
}

/// Three data cells and no label between them: which half lost a cell? The annual name is
/// usually a cut-off copy of the left one, and values look like values.
fn split_three<'a, 'b>(d: &'b [&'a RawCell<'a>]) -> (&'b [&'a RawCell<'a>], &'b [&'a RawCell<'a>]) {
    let (a, b, c) = (&d[0].text, &d[1].text, &d[2].text);
    if similar(a, c) {
        (&d[..2], &d[2..])
    } else if similar(a, b) {
        (&d[..1], &d[1..])
    } else if looks_like_value(b) {
        (&d[..2], &d[2..])
    } else {
        (&d[..1], &d[1..])
    }
}

/// Two names for the same indicator: one is a prefix of the other (cut-off copies), spaces aside.
pub fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (squeeze(a), squeeze(b));
    let n = a.chars().count().min(b.chars().count());
    n >= 3 && (a.starts_with(&b) || b.starts_with(&a))
}

/// Whether a lone cell is more likely a 指标值 than a 三级 name.
pub fn looks_like_value(text: &str) -> bool {
    let t = text.trim();
    let Some(first) = t.chars().next() else {
        return false;
    };
    first.is_ascii_digit()
        || ('０'..='９').contains(&first)
        || "≥≤><=＞＜≧≦＝".contains(first)
        || t.ends_with('%')
        || t.ends_with('％')
        || [
            "不低于",
            "不少于",
            "不高于",
            "不超过",
            "大于",
            "小于",
            "约",
            "达到",
        ]
        .iter()
        .any(|p| t.starts_with(p))
}

fn half<'a>(
    line: &Line,
    l1: Option<(&'static str, &RawCell)>,
    l2: Option<(&'static str, &RawCell)>,
    data: &[&'a RawCell<'a>],
    unplaced: &mut Vec<&'a RawCell<'a>>,
    slot: &mut Option<RawHalf>,
) {
    let printed = |p: Option<(&'static str, &RawCell)>| {
        p.map(|(label, c)| Printed {
            label,
            span: c.span,
        })
    };
    let text = |c: &RawCell| (squeeze_text(c.text), c.span);
    let value = |c: &RawCell| (Text::from(c.text), c.span);
    let h = slot.insert(RawHalf::default());
    h.l1 = printed(l1);
    h.l2 = printed(l2);
    let last_col = data
        .last()
        .map(|c| c.col)
        .or(l2.map(|(_, c)| c.col))
        .or(l1.map(|(_, c)| c.col))
        .unwrap_or(0);
    h.gap = line
        .empty_slot_after(last_col)
        .unwrap_or(Span::empty(line.span.end()));
    match data {
        [] => {}
        [only] if looks_like_value(only.text) => h.value = Some(value(only)),
        [only] => h.name = Some(text(only)),
        [n, v] => {
            h.name = Some(text(n));
            h.value = Some(value(v));
        }
        [n, middle @ .., v] => {
            h.name = Some(text(n));
            h.value = Some(value(v));
            // Cells between name and value cannot be placed; the caller reports them.
            unplaced.extend(middle.iter().copied());
        }
    }
}

fn read_by_columns(line: &Line, cols: &[HeaderColumn], row: &mut RawRow) {
    let halves = cols.iter().map(|c| c.half).max().unwrap_or(0) + 1;
    let mut out: Vec<RawHalf> = vec![RawHalf::default(); halves];
    let mut touched = vec![false; halves];
    for cell in line.non_empty() {
        let Some(hc) = cols.iter().find(|c| c.col == cell.col) else {
            continue;
        };
        let h = &mut out[hc.half];
        touched[hc.half] = true;
        match hc.role {
            Column::Level1 | Column::Level2 => {
                if let Some(l) = labels::grid_label_in_column(cell.text) {
                    let p = match l {
                        GridLabel::Level1(x) | GridLabel::Level2(x) => Printed {
                            label: x,
                            span: cell.span,
                        },
                    };
                    if matches!(l, GridLabel::Level1(_)) {
                        h.l1 = Some(p);
                    } else {
                        h.l2 = Some(p);
                    }
                }
            }
            Column::Level3 => h.name = Some((squeeze_text(cell.text), cell.span)),
            Column::Value => h.value = Some((cell.text.into(), cell.span)),
            Column::Extra => h
                .extras
                .push((hc.label.clone(), Cell::new(cell.text.into(), cell.span))),
        }
        h.gap = Span::empty(line.span.end());
    }
    let mut halves_iter = out.into_iter().zip(touched).map(|(h, t)| t.then_some(h));
    let first = halves_iter.next().flatten();
    let second = halves_iter.next().flatten();
    (row.left, row.right) = if halves == 1 {
        (None, first)
    } else {
        (first, second)
    };
}

/// Inherits labels by block and builds the model rows.
fn resolve(
    mut raw: Vec<RawRow>,
    layout: GridLayout,
    form: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<IndicatorRow> {
    let left = inherit(&raw, |r| r.left.as_ref(), None);
    let right = inherit(&raw, |r| r.right.as_ref(), Some(&left));
    let mut rows = Vec::with_capacity(raw.len());
    // The halves' texts are taken from the raw rows where they lie (see `read_rows`).
    for (i, r) in raw.iter_mut().enumerate() {
        let build = |h: &mut RawHalf, labels: &Resolved| IndicatorHalf {
            level1: labels
                .l1
                .map_or(Cell::missing(h.gap), |p| Cell::new(p.label.into(), p.span)),
            level2: labels
                .l2
                .map_or(Cell::missing(h.gap), |p| Cell::new(p.label.into(), p.span)),
            name: h
                .name
                .take()
                .map_or(Cell::missing(h.gap), |(t, s)| Cell::new(t, s)),
            value: h
                .value
                .take()
                .map_or(Cell::missing(h.gap), |(t, s)| Cell::new(t, s)),
            extras: std::mem::take(&mut h.extras).into_boxed_slice(),
        };
        // Each half built where the row holds it: built first and moved into the row (and the
        // 实施期 half into its box), each half was copied several times over.
        rows.push(match (layout, &mut r.left, &mut r.right) {
            // A single-period grid's one column is stored as the annual half.
            (GridLayout::SinglePeriod, only, None) => IndicatorRow {
                span: r.span,
                implementation: None,
                annual: only.as_mut().map(|h| build(h, &left[i])),
            },
            (_, implementation, annual) => IndicatorRow {
                span: r.span,
                implementation: implementation
                    .as_mut()
                    .map(|h| Box::new(build(h, &left[i]))),
                annual: annual.as_mut().map(|h| build(h, &right[i])),
            },
        });
    }
    // Let go before the checks' findings are made: a long grid's raw rows are some 300 bytes
    // each.
    drop(raw);
    check_rows(&rows, form, diagnostics);
    rows
}

#[derive(Clone, Copy, Default)]
struct Resolved {
    l1: Option<Printed>,
    l2: Option<Printed>,
}

fn inherit(
    raw: &[RawRow],
    side: impl Fn(&RawRow) -> Option<&RawHalf>,
    mirror: Option<&[Resolved]>,
) -> Vec<Resolved> {
    let mut out = vec![Resolved::default(); raw.len()];
    let mut cur_l1: Option<Printed> = None;
    let mut cur_l2: Option<Printed> = None;
    let mut own_labels = false;
    for (i, row) in raw.iter().enumerate() {
        let Some(h) = side(row) else {
            out[i] = Resolved {
                l1: cur_l1,
                l2: cur_l2,
            };
            continue;
        };
        if let Some(l1) = h.l1 {
            cur_l1 = Some(l1);
            if h.l2.is_none() {
                // A merged 二级 cell whose label the printer centred lower in the block.
                cur_l2 = raw[i + 1..]
                    .iter()
                    .filter_map(&side)
                    .take_while(|x| x.l1.is_none())
                    .find_map(|x| x.l2)
                    .or_else(|| only_child(l1.label, l1.span));
            }
        }
        if let Some(l2) = h.l2 {
            cur_l2 = Some(l2);
            own_labels = true;
        } else if let (Some(m), Some(left)) = (mirror, row.left.as_ref()) {
            // The annual half often leaves out the 二级 cell the left half prints on the
            // same row (LAYOUT.md §7); it then follows the left half's block.
            if left.l2.is_some() || left.l1.is_some() || !own_labels {
                cur_l2 = m[i].l2.or(cur_l2);
            }
        }
        let l1 = cur_l2
            .and_then(|l2| {
                labels::parent_of(l2.label).map(|p| Printed {
                    label: p,
                    span: cur_l1.filter(|c| c.label == p).map_or(l2.span, |c| c.span),
                })
            })
            .or(cur_l1);
        out[i] = Resolved { l1, l2: cur_l2 };
    }
    out
}

/// 满意度指标 has one 二级 child, so a lone 一级 label says which block this is.
fn only_child(level1: &str, span: Span) -> Option<Printed> {
    let mut children = labels::LEVEL2.iter().filter(|(_, p, _)| *p == level1);
    match (children.next(), children.next()) {
        (Some(&(c, _, _)), None) => Some(Printed { label: c, span }),
        _ => None,
    }
}

pub(crate) fn check_rows(
    rows: &[IndicatorRow],
    form: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    // The form's name, shared by its findings (made at the first).
    let mut shared_form = None;
    for row in rows {
        for (period, h) in ["实施期", "年度"].into_iter().zip(row.halves()) {
            let Some(h) = h else { continue };
            match (h.name.get(), h.value.get()) {
                (Some(name), None) => diagnostics.push(
                    Diagnostic::new(
                        &codes::INDICATOR_WITHOUT_VALUE,
                        format!("{period}三级指标“{}”没有指标值", quoted(name)),
                        Label::new(h.value.span, crate::shared!("此处应有指标值")),
                    )
                    .with_secondary(Label::new(h.name.span, crate::shared!("三级指标"))),
                ),
                (None, Some(value)) => diagnostics.push(Diagnostic::new(
                    &codes::VALUE_WITHOUT_NAME,
                    format!("{period}指标值“{}”没有三级指标名称", quoted(value)),
                    Label::new(h.value.span, crate::shared!("无名称的指标值")),
                )),
                _ => continue,
            }
            if let Some(d) = diagnostics.last_mut() {
                d.form = form.map(|f| shared_form.get_or_insert_with(|| form_name(f)).clone());
            }
        }
    }
}
