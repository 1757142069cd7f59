//! Budget tables (预算公开表) of a text extraction: header, columns, rows and the structure
//! that says which rows and columns are sums of which.
//!
//! Issuers lay these tables out differently (a 科目编码 column or none, one side or two,
//! 合计 at the top or at the bottom), so nothing here depends on a table's number or on
//! fixed column positions within a row: columns are named by their header labels, rows by
//! their code or name, and the sums are read off the structure (codes nest by prefix,
//! numbered items add up to the 合计 after them, ① ② are parts of the row above them).

use super::cells::{squeeze, Line, RawCell};
use super::labels;
use super::text::{parse_amount, Amount};
use crate::model::{BudgetTable, Cell, MoneyUnit, RowRole, TableColumn, TableKind, TableRow};
use crate::model::{Span, TableSection};
use regex::Regex;
use std::sync::OnceLock;

/// Reads one table section (from its title to the next title) into one table, or two for
/// a two-sided 收支总表.
pub fn read(section: &TableSection, lines: &[Line]) -> Vec<BudgetTable> {
    let kind = TableKind::of_title(&section.title);
    let title_span = lines
        .iter()
        .flat_map(|l| l.non_empty())
        .find(|c| squeeze(c.text) == section.title)
        .map_or(Span::empty(section.span.start()), |c| c.span);
    let mut unit = MoneyUnit::WanYuan;
    let mut no_data = false;
    let mut grid: Vec<&Line> = Vec::new();
    for line in lines {
        let texts: Vec<&str> = line.non_empty().map(|c| c.text).collect();
        if texts.is_empty() || texts.iter().all(|t| labels::is_noise(t)) {
            continue;
        }
        let joined: String = texts.concat();
        if joined.contains("本表无数据") {
            no_data = true;
        }
        if let Some(u) = declared_unit(&joined) {
            unit = u;
        }
        if texts.len() >= 2 || line.cells.len() >= 2 {
            // `部门名称：… 单位：万元` is sometimes split by a tab; it is not a table row.
            if !(texts.len() <= 2 && texts.iter().any(|t| is_meta(t))) {
                grid.push(line);
            }
        }
    }
    // Data starts at the first row of figures, or earlier at a row that names itself and
    // leaves every column blank (因公出国（境）费 with no budget), once a header line has
    // labelled the columns.
    let labels_columns = |l: &Line| l.non_empty().count() >= 2;
    let blank_row =
        |l: &Line| l.cells.first().is_some_and(|c| !c.is_empty()) && l.non_empty().count() == 1;
    let first_data = grid.iter().position(|l| is_data(l));
    let first_blank = grid
        .iter()
        .enumerate()
        .position(|(i, l)| blank_row(l) && grid[..i].iter().any(|h| labels_columns(h)));
    let data_start = match (first_data, first_blank) {
        (Some(d), Some(b)) => Some(d.min(b)),
        (d, _) => d,
    };
    let Some(data_start) = data_start else {
        return vec![empty(kind, section, title_span, unit, no_data)];
    };
    let header: Vec<&Line> = grid[..data_start]
        .iter()
        .copied()
        .filter(|l| !is_column_numbers(l))
        .collect();
    let body: Vec<&Line> = grid[data_start..]
        .iter()
        .copied()
        .filter(|l| !is_column_numbers(l) && !repeats_header(l, &header))
        .collect();
    let width = header
        .iter()
        .chain(body.iter())
        .map(|l| l.cells.len())
        .max()
        .unwrap_or(0);
    let labels = column_labels(&header, width);
    let text_cols = text_columns(&labels, &body, width);
    // A text column after an amount column starts the second side (收入 | 支出).
    let mut sides: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for j in 1..width {
        if text_cols[j] && !text_cols[j - 1] {
            sides.push((start, j));
            start = j;
        }
    }
    sides.push((start, width));
    let two_sided = sides.len() == 2;
    let mut out = Vec::new();
    for (k, &(from, to)) in sides.iter().enumerate() {
        let side = two_sided.then(|| {
            let g = labels[from]
                .group
                .as_deref()
                .or(labels[from].name.as_deref())
                .unwrap_or("");
            if g.contains('支') || k == 1 {
                "支出"
            } else {
                "收入"
            }
        });
        let mut table = read_side(kind, from..to, &labels, &text_cols, &body);
        table.title = Cell::new(
            match side {
                Some(s) => format!("{}（{s}）", section.title),
                None => section.title.clone(),
            },
            title_span,
        );
        table.side = side;
        table.unit = unit;
        table.no_data = no_data;
        table.span = section.span;
        structure(&mut table);
        out.push(table);
    }
    out
}

fn empty(
    kind: TableKind,
    section: &TableSection,
    title_span: Span,
    unit: MoneyUnit,
    no_data: bool,
) -> BudgetTable {
    BudgetTable {
        kind,
        title: Cell::new(section.title.clone(), title_span),
        side: None,
        unit,
        columns: Vec::new(),
        rows: Vec::new(),
        no_data,
        span: section.span,
    }
}

fn declared_unit(text: &str) -> Option<MoneyUnit> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let at = t.find("单位")?;
    let rest = &t[at..];
    let rest = rest
        .trim_start_matches("单位")
        .trim_start_matches([':', '：']);
    if rest.starts_with("万元") {
        Some(MoneyUnit::WanYuan)
    } else if rest.starts_with('元') {
        Some(MoneyUnit::Yuan)
    } else {
        None
    }
}

fn is_meta(text: &str) -> bool {
    let t = squeeze(text);
    t.starts_with("部门名称")
        || t.starts_with("单位：")
        || t.starts_with("单位:")
        || t.starts_with("注")
}

fn is_amount(text: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^-?[0-9][0-9,]*(\.[0-9]+)?$").expect("valid regex"));
    re.is_match(text.trim())
}

/// A row of figures: an amount after the first cell that is not a bare column number.
fn is_data(line: &Line) -> bool {
    !is_column_numbers(line)
        && line
            .cells
            .iter()
            .skip(1)
            .any(|c| is_amount(c.text) && (c.text.contains('.') || c.text.len() > 2))
}

/// `1  2  3  4  5  6  7`: the 栏次 row under a header.
fn is_column_numbers(line: &Line) -> bool {
    let cells: Vec<&RawCell> = line.non_empty().collect();
    cells.len() >= 3
        && cells
            .iter()
            .enumerate()
            .all(|(i, c)| c.text.trim() == (i + 1).to_string())
}

/// A page break repeats the header; those lines are not rows.
fn repeats_header(line: &Line, header: &[&Line]) -> bool {
    !header.is_empty()
        && !is_data(line)
        && header.iter().any(|h| {
            let a: Vec<&str> = h.non_empty().map(|c| c.text).collect();
            let b: Vec<&str> = line.non_empty().map(|c| c.text).collect();
            !b.is_empty() && a == b
        })
}

struct Label {
    /// The lowest non-empty header label over the column.
    name: Option<String>,
    /// The label of the header line above the one that named the column, spanning it.
    group: Option<String>,
}

/// Header labels per column: merged cells leave gaps, so a column takes the lowest label
/// over it, and its group from the line above, spanning from the left.
fn column_labels(header: &[&Line], width: usize) -> Vec<Label> {
    let at = |l: &Line, j: usize| -> Option<String> {
        l.cells
            .get(j)
            .filter(|c| !c.is_empty())
            .map(|c| squeeze(c.text))
    };
    (0..width)
        .map(|j| {
            let Some(k) = (0..header.len())
                .rev()
                .find(|&k| at(header[k], j).is_some())
            else {
                return Label {
                    name: None,
                    group: None,
                };
            };
            let group = (k > 0)
                .then(|| (0..=j).rev().find_map(|i| at(header[k - 1], i)))
                .flatten();
            Label {
                name: at(header[k], j),
                group,
            }
        })
        .collect()
}

fn is_text_label(label: &str) -> bool {
    ["编码", "代码", "名称", "科目"]
        .iter()
        .any(|k| label.contains(k))
        || matches!(label, "项目" | "单位" | "栏次" | "收入" | "支出")
}

/// Columns of names and codes: named so, or unnamed and holding words, not figures.
fn text_columns(labels: &[Label], body: &[&Line], width: usize) -> Vec<bool> {
    (0..width)
        .map(|j| match labels[j].name.as_deref() {
            Some(l) => is_text_label(l),
            None => {
                let (mut words, mut figures) = (0, 0);
                for l in body {
                    if let Some(c) = l.cells.get(j).filter(|c| !c.is_empty()) {
                        if is_amount(c.text) {
                            figures += 1;
                        } else {
                            words += 1;
                        }
                    }
                }
                j == 0 || words > figures
            }
        })
        .collect()
}

fn is_code(text: &str) -> bool {
    let t = text.trim();
    (3..=9).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit())
}

fn read_side(
    kind: TableKind,
    cols: std::ops::Range<usize>,
    labels: &[Label],
    text_cols: &[bool],
    body: &[&Line],
) -> BudgetTable {
    let names: Vec<usize> = cols.clone().filter(|&j| text_cols[j]).collect();
    let amounts: Vec<usize> = cols.clone().filter(|&j| !text_cols[j]).collect();
    let code_col = names.iter().copied().find(|&j| {
        labels[j]
            .name
            .as_deref()
            .is_some_and(|l| l.contains("编码") || l.contains("代码"))
    });
    let name_cols: Vec<usize> = names
        .iter()
        .copied()
        .filter(|&j| Some(j) != code_col)
        .collect();
    let mut columns: Vec<TableColumn> = amounts
        .iter()
        .map(|&j| TableColumn {
            name: labels[j].name.clone().unwrap_or_default(),
            group: labels[j].group.clone(),
            parts: Vec::new(),
        })
        .collect();
    // A 合计/小计 column adds up the columns to its right under the same heading.
    for i in 0..columns.len() {
        let c = &columns[i];
        if !(c.name.contains("合计") || c.name.contains("小计")) {
            continue;
        }
        let parts: Vec<usize> = (i + 1..columns.len())
            .take_while(|&k| {
                !(columns[k].name.contains("合计") || columns[k].name.contains("小计"))
                    && (c.group.is_none() || columns[k].group == c.group)
            })
            .collect();
        columns[i].parts = parts;
    }
    let gap = |l: &Line, j: usize| -> Span {
        l.cells
            .get(j)
            .map(|c| c.span)
            .or_else(|| l.cells.last().map(|c| Span::empty(c.span.end())))
            .unwrap_or(Span::empty(l.span.end()))
    };
    let text_cell = |l: &Line, j: Option<usize>| -> Cell<String> {
        match j.and_then(|j| l.cells.get(j)) {
            Some(c) if !c.is_empty() => Cell::new(squeeze(c.text), c.span),
            Some(c) => Cell::missing(c.span),
            None => Cell::missing(Span::empty(l.span.start())),
        }
    };
    let mut rows = Vec::new();
    for l in body {
        let mut code = text_cell(l, code_col);
        let mut name = text_cell(l, name_cols.first().copied());
        let detail = text_cell(l, name_cols.get(1).copied());
        // Tables without a code column may still print codes in the name column.
        if code_col.is_none() && name.get().is_some_and(|n| is_code(n)) {
            code = name;
            name = text_cell(l, name_cols.get(1).copied());
        }
        let cells: Vec<Cell<rust_decimal::Decimal>> = amounts
            .iter()
            .map(|&j| match l.cells.get(j) {
                Some(c) if !c.is_empty() => match parse_amount(c.text) {
                    Amount::Number(n) => Cell::new(n, c.span),
                    _ => Cell::missing(c.span),
                },
                _ => Cell::missing(gap(l, j)),
            })
            .collect();
        let has_figure = cells.iter().any(|c| c.value.is_some());
        if name.is_missing() && code.is_missing() && !has_figure {
            continue;
        }
        // `合计` printed in the code column names the row.
        let code = match code.value.as_deref() {
            Some(c) if !is_code(c) => {
                if name.is_missing() {
                    name = code.clone();
                }
                Cell::missing(code.span)
            }
            _ => code,
        };
        rows.push(TableRow {
            code,
            name,
            detail,
            role: RowRole::Item,
            cells,
            children: Vec::new(),
            parent: None,
            span: l.span,
        });
    }
    BudgetTable {
        kind,
        title: Cell::default(),
        side: None,
        unit: MoneyUnit::WanYuan,
        columns,
        rows,
        no_data: false,
        span: Span::default(),
    }
}

fn is_total(name: &str) -> bool {
    let n = crate::model::strip_numbering(name);
    n.ends_with("合计") || n.ends_with("总计") || n == "小计" || n == "总计"
}

fn is_grand_total(name: &str) -> bool {
    crate::model::strip_numbering(name).ends_with("总计")
}

fn circled(name: &str) -> bool {
    name.trim_start()
        .starts_with(|c: char| "①②③④⑤⑥⑦⑧⑨⑩".contains(c))
}

/// Recognises which rows are sums of which.
fn structure(t: &mut BudgetTable) {
    if matches!(t.kind, TableKind::Projects | TableKind::ProjectsCarriedOver) {
        projects(t);
    } else if t.rows.iter().any(|r| r.code.value.is_some()) {
        by_code(t);
    } else {
        by_layout(t);
    }
    let n = t.rows.len();
    for i in 0..n {
        for k in 0..t.rows[i].children.len() {
            let c = t.rows[i].children[k];
            t.rows[c].parent = Some(i);
        }
    }
}

fn link(t: &mut BudgetTable, parent: usize, child: usize) {
    if parent != child && !t.rows[parent].children.contains(&child) {
        t.rows[parent].children.push(child);
    }
}

/// 科目 rows nest by code: 2050204 is part of 20502, which is part of 205; the 合计 row is
/// the sum of the shortest codes.
fn by_code(t: &mut BudgetTable) {
    let codes: Vec<Option<String>> = t.rows.iter().map(|r| r.code.value.clone()).collect();
    let shortest = codes.iter().flatten().map(String::len).min().unwrap_or(0);
    for i in 0..t.rows.len() {
        match &codes[i] {
            Some(c) => {
                t.rows[i].role = RowRole::Subject;
                // The nearest row above whose code is the longest proper prefix of this one.
                let parent = (0..i)
                    .rev()
                    .filter_map(|k| codes[k].as_ref().map(|p| (k, p)))
                    .filter(|(_, p)| p.len() < c.len() && c.starts_with(p.as_str()))
                    .max_by_key(|(k, p)| (p.len(), *k))
                    .map(|(k, _)| k);
                if let Some(p) = parent {
                    link(t, p, i);
                }
            }
            None if is_total(t.rows[i].name_text()) => {
                t.rows[i].role = RowRole::Total;
                let tops: Vec<usize> = (0..t.rows.len())
                    .filter(|&k| codes[k].as_ref().is_some_and(|c| c.len() == shortest))
                    .collect();
                for k in tops {
                    link(t, i, k);
                }
            }
            None => {}
        }
    }
}

/// Tables without codes: numbered items add up to the 合计 next to them, ① ② to the row
/// above them, the rows of a group (工资福利支出; 上年结转 and its items) to its head, and a
/// 总计 to the 合计 and groups before it.
fn by_layout(t: &mut BudgetTable) {
    let n = t.rows.len();
    let has_detail = t.rows.iter().any(|r| r.detail.value.is_some());
    let mut head: Option<usize> = None; // the row the following children belong to
    let mut last_plain: Option<usize> = None;
    let mut top: Vec<usize> = Vec::new(); // top-level rows since the last total
    let mut totals: Vec<usize> = Vec::new();
    for i in 0..n {
        let name = t.rows[i].name_text().to_owned();
        if is_grand_total(&name) {
            t.rows[i].role = RowRole::Total;
            // 收入总计 = 本年收入合计 + 上年结转: the last total and the groups after it.
            let mut parts: Vec<usize> = totals.last().copied().into_iter().collect();
            parts.extend(
                top.iter()
                    .copied()
                    .filter(|&k| t.rows[k].role == RowRole::Group),
            );
            for k in parts {
                link(t, i, k);
            }
            totals.push(i);
            top.clear();
            head = None;
            continue;
        }
        if is_total(&name) {
            t.rows[i].role = RowRole::Total;
            if top.is_empty() {
                // 合计 at the top: the rows after it, up to the next total.
                totals.push(i);
                head = None;
                let mut k = i + 1;
                let mut pending = Vec::new();
                while k < n && !is_total(t.rows[k].name_text()) {
                    pending.push(k);
                    k += 1;
                }
                t.rows[i].children = pending; // refined below once groups are known
            } else {
                for k in std::mem::take(&mut top) {
                    link(t, i, k);
                }
                totals.push(i);
                head = None;
            }
            continue;
        }
        if circled(&name) {
            if let Some(p) = last_plain {
                t.rows[p].role = RowRole::Group;
                link(t, p, i);
            }
            continue;
        }
        last_plain = Some(i);
        let is_detail = has_detail && t.rows[i].detail.value.is_some();
        if is_detail {
            if let Some(h) = head {
                link(t, h, i);
                continue;
            }
        }
        if (has_detail && !is_detail) || name.contains("结转") {
            t.rows[i].role = RowRole::Group;
            head = Some(i);
            top.push(i);
            continue;
        }
        match head {
            // Numbered items under 上年结转 belong to it.
            Some(h) if name.contains('、') && t.rows[h].name_text().contains("结转") => {
                link(t, h, i)
            }
            _ => top.push(i),
        }
    }
    // A 合计 at the top adds up only the top-level rows below it.
    for i in 0..n {
        if t.rows[i].role != RowRole::Total {
            continue;
        }
        let kids = t.rows[i].children.clone();
        let child_of_other: Vec<bool> = (0..n)
            .map(|k| (0..n).any(|p| p != i && t.rows[p].children.contains(&k)))
            .collect();
        t.rows[i].children = kids.into_iter().filter(|&k| !child_of_other[k]).collect();
    }
}

fn org_name_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(
            r"(局|委|办|厅|院|校|中学|小学|幼儿园|学院|大学|中心|站|所|馆|部|处|会|队|室|社|团|场)(（本级）|\(本级\))?([(（][^()（）]*[)）])?$",
        )
        .expect("valid regex")
    })
}

/// A unit line of a 项目支出预算表 names an organisation; a project line names money.
fn is_unit_name(name: &str) -> bool {
    let n = name.trim();
    let code = n.trim_start_matches(|c: char| c.is_ascii_digit());
    let n = code.trim_start_matches(['-', ' ', '　']);
    let money = [
        "费", "补助", "资金", "项目", "工程", "建设", "经费", "支出", "补", "奖",
    ];
    !n.is_empty()
        && org_name_re().is_match(n)
        && !n.chars().any(|c| c.is_ascii_digit())
        && !n.contains('-')
        && !money.iter().any(|m| n.contains(m))
}

/// 项目支出预算表: the department line, then for each unit its line and its projects.
fn projects(t: &mut BudgetTable) {
    let n = t.rows.len();
    if n == 0 {
        return;
    }
    // The first line is the department's total, whatever it is called.
    t.rows[0].role = RowRole::Department;
    let mut unit: Option<usize> = None;
    for i in 1..n {
        if is_unit_name(t.rows[i].name_text()) {
            t.rows[i].role = RowRole::Unit;
            unit = Some(i);
            link(t, 0, i);
        } else {
            t.rows[i].role = RowRole::Project;
            link(t, unit.unwrap_or(0), i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cells;

    fn table(text: &str) -> Vec<BudgetTable> {
        let buf = cells::lines(text);
        let lines = buf.views();
        let title = squeeze(lines[0].cells[0].text);
        let section = TableSection {
            title,
            span: Span::new(0, text.len()),
        };
        read(&section, &lines)
    }

    #[test]
    fn codes_nest_and_total_adds_the_top_codes() {
        let t = &table(
            "2025年预算支出总表\n单位：万元\n项目\t\t2025年预算数\t\t\n科目编码\t科目名称\t合计\t基本支出\t项目支出\n合计\t\t10.00\t6.00\t4.00\n205\t教育支出\t10.00\t6.00\t4.00\n20502\t普通教育\t10.00\t6.00\t4.00\n2050201\t学前教育\t4.00\t\t4.00\n2050202\t小学教育\t6.00\t6.00\t\n",
        )[0];
        assert_eq!(t.kind, TableKind::Expenditure);
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["合计", "基本支出", "项目支出"]);
        assert_eq!(t.columns[0].parts, [1, 2]);
        assert_eq!(t.columns[0].group.as_deref(), Some("2025年预算数"));
        assert_eq!(t.rows[0].role, RowRole::Total);
        assert_eq!(t.rows[0].children, [1]);
        assert_eq!(t.rows[1].children, [2]);
        assert_eq!(t.rows[2].children, [3, 4]);
        assert_eq!(t.rows[3].cells[1].value, None, "blank cell");
        assert_eq!(t.rows[4].parent, Some(2));
    }

    #[test]
    fn carried_over_column_is_not_part_of_this_years_total() {
        let t = &table("2025年预算收入总表\n项目\t\t本年收入\t\t\t上年结转\n科目编码\t科目名称\t合计\t一般公共预算\t财政专户管理资金\t\n合计\t\t5.00\t3.00\t2.00\t1.00\n")[0];
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["合计", "一般公共预算", "财政专户管理资金", "上年结转"]
        );
        assert_eq!(t.columns[0].parts, [1, 2]);
    }

    #[test]
    fn two_sided_summary_splits_and_totals_add_up() {
        let tables = table(
            "2025年预算收支总表\n收入\t\t支出\t\t\t\n项目\t2025年\t项目\t2025年合计\t当年预算安排\t上年结转安排\n一、一般公共预算\t4.00\t一、教育支出\t6.00\t4.00\t2.00\n二、单位资金\t\t二、外交支出\t\t\t\n本年收入合计\t4.00\t本年支出合计\t6.00\t4.00\t2.00\n上年结转\t2.00\t年终结转\t\t\t\n收入总计\t6.00\t支出总计\t6.00\t4.00\t2.00\n",
        );
        assert_eq!(tables.len(), 2);
        let (income, spending) = (&tables[0], &tables[1]);
        assert_eq!(income.side, Some("收入"));
        assert_eq!(spending.side, Some("支出"));
        assert_eq!(spending.columns[0].parts, [1, 2]);
        let row = |t: &BudgetTable, name: &str| t.row(name).unwrap();
        assert_eq!(
            income.rows[row(income, "本年收入合计")].children,
            [row(income, "一般公共预算"), row(income, "单位资金")]
        );
        assert_eq!(
            income.rows[row(income, "收入总计")].children,
            [row(income, "本年收入合计"), row(income, "上年结转")]
        );
        assert_eq!(
            spending.rows[row(spending, "支出总计")].children,
            [row(spending, "本年支出合计"), row(spending, "年终结转")]
        );
    }

    #[test]
    fn project_table_has_units_and_projects() {
        let t = &table("2025年项目支出预算表（本年预算）\n项目名称\t合计\t2025年财政拨款\t\t财政专户管理资金\n\t\t一般公共预算\t政府性基金预算\t\n1\t2\t3\t4\t5\n阳泉市教育局\t3.00\t3.00\t\t\n阳泉市第一中学校\t3.00\t3.00\t\t\n遗属补助\t1.00\t1.00\t\t\n一中2025年城乡义教（第一批）-公用经费（中央）\t2.00\t2.00\t\t\n阳泉市教育技术中心(阳泉市电化教育馆)\t0.00\t\t\t\n")[0];
        let roles: Vec<RowRole> = t.rows.iter().map(|r| r.role).collect();
        assert_eq!(
            roles,
            [
                RowRole::Department,
                RowRole::Unit,
                RowRole::Project,
                RowRole::Project,
                RowRole::Unit
            ]
        );
        assert_eq!(t.rows[0].children, [1, 4]);
        assert_eq!(t.rows[1].children, [2, 3]);
        assert_eq!(t.columns[0].parts, [1, 2, 3]);
    }

    #[test]
    fn circled_items_belong_to_the_row_above() {
        let t = &table("2025年财政拨款安排“三公”经费支出预算表\n项目\t2025年预算数\t\t\n\t合计\t一般公共预算\t政府性基金预算\n因公出国（境）费\t\t\t\n公务用车购置及运行费\t54.00\t54.00\t\n①公务用车购置费\t\t\t\n②公务用车运行维护费\t54.00\t54.00\t\n合计\t54.00\t54.00\t\n")[0];
        assert_eq!(t.rows[1].role, RowRole::Group);
        assert_eq!(t.rows[1].children, [2, 3]);
        assert_eq!(t.rows[4].children, [0, 1]);
    }

    #[test]
    fn economic_classification_groups() {
        let t = &table("2025年一般公共预算安排基本支出分经济科目表\n部门预算支出经济科目名称\t政府预算支出经济科目名称\t2025年预算数\t\t\n\t\t合计\t人员经费\t公用经费\n合计\t\t3.00\t2.00\t1.00\n工资福利支出\t\t2.00\t2.00\t\n基本工资\t工资奖金津补贴\t2.00\t2.00\t\n商品和服务支出\t\t1.00\t\t1.00\n办公费\t办公经费\t1.00\t\t1.00\n")[0];
        assert_eq!(t.rows[0].children, [1, 3]);
        assert_eq!(t.rows[1].children, [2]);
        assert_eq!(t.rows[3].children, [4]);
        assert_eq!(t.rows[2].detail.value.as_deref(), Some("工资奖金津补贴"));
    }

    #[test]
    fn no_data_tables() {
        let t = &table("2025年政府性基金预算支出表\n科目编码\t科目名称\t合计\t基本支出\t项目支出\n合计\t\t\t\t\n注：本表无数据\n")[0];
        assert!(t.no_data);
        assert!(t.rows.is_empty());
    }

    #[test]
    fn declared_units() {
        assert_eq!(
            declared_unit("部门名称：阳泉市教育局单位：万元"),
            Some(MoneyUnit::WanYuan)
        );
        assert_eq!(declared_unit("单位: 元"), Some(MoneyUnit::Yuan));
        assert_eq!(declared_unit("部门名称：阳泉市教育局"), None);
    }

    #[test]
    fn unit_names() {
        for n in [
            "阳泉市第一中学校",
            "阳泉开放大学",
            "阳泉市教育技术中心(阳泉市电化教育馆)",
            "阳泉市第二中学校高中部",
        ] {
            assert!(is_unit_name(n), "{n}");
        }
        for n in [
            "遗属补助",
            "消防设施设备购置",
            "基建支出",
            "教育督导专项经费",
            "阳泉市第一高级职业中学北校区操场维修改造工程",
        ] {
            assert!(!is_unit_name(n), "{n}");
        }
    }
}
