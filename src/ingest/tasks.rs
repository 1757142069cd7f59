//! The Ministry's department template lists its year's tasks as a table with their budgets
//! (年度主要任务: 任务名称 | 主要内容 | 总额 | 财政拨款 | 其他资金, then 金额合计), where the
//! provinces' forms write them as words (年度重点任务). The table is money an auditor adds up,
//! so it is read into amounts; words stay words.
//!
//! The amounts are placed by the header's columns when a row's cells sit under them, and
//! from the right otherwise: a PDF extraction shifts a row's cells by a tab or two (LAYOUT.md,
//! sheared grids), but never reorders them.

use super::cells::{squeeze, Line, RawCell};
use super::text::{parse_amount, Amount};
use crate::diagnostics::{codes, quoted, Diagnostic, Label};
use crate::model::{Cell, KeyTask, MoneyUnit, Span};
use rust_decimal::Decimal;

/// Which amount a column of the table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Total,
    Fiscal,
    Other,
}

impl Column {
    fn of(header: &str) -> Option<Column> {
        let h = squeeze(header);
        if h.contains("财政") {
            Some(Column::Fiscal)
        } else if h.contains("其他") {
            Some(Column::Other)
        } else if matches!(h.as_str(), "总额" | "合计" | "小计" | "金额") {
            Some(Column::Total)
        } else {
            None
        }
    }

    /// The task's amount in this column.
    fn amount(self, task: &mut KeyTask) -> &mut Cell<Decimal> {
        match self {
            Column::Total => &mut task.total,
            Column::Fiscal => &mut task.fiscal,
            Column::Other => &mut task.other,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Column::Total => "总额",
            Column::Fiscal => "财政拨款",
            Column::Other => "其他资金",
        }
    }
}

/// The table's header: its amount columns, left to right, and the unit it declares.
struct Header {
    columns: Vec<(usize, Column)>,
    unit: Option<MoneyUnit>,
    /// Lines the header takes (the block's label line among them).
    lines: usize,
}

/// A header is at most this many lines (the Ministry's takes two: the column names, then
/// 总额 | 财政拨款 | 其他资金 under 预算金额).
const HEADER_LINES: usize = 3;

impl Header {
    /// The header of `lines`, if they are a table of amounts: the lines before the first
    /// with a number, naming at least one amount column.
    fn read(lines: &[&Line]) -> Option<Header> {
        let mut header = Header {
            columns: Vec::new(),
            unit: None,
            lines: 0,
        };
        for line in lines.iter().take(HEADER_LINES) {
            if line
                .non_empty()
                .any(|c| matches!(parse_amount(c.text), Amount::Number(_)))
            {
                break;
            }
            header.lines += 1;
            for c in line.non_empty() {
                if let Some(column) = Column::of(c.text) {
                    if !header.columns.iter().any(|(_, k)| *k == column) {
                        header.columns.push((c.col, column));
                    }
                }
                if c.text.contains("万元") {
                    header.unit = Some(MoneyUnit::WanYuan);
                } else if header.unit.is_none()
                    && (c.text.contains("（元）") || c.text.contains("(元)"))
                {
                    header.unit = Some(MoneyUnit::Yuan);
                }
            }
        }
        header.columns.sort_by_key(|(col, _)| *col);
        (!header.columns.is_empty()).then_some(header)
    }
}

/// What the table holds.
pub struct Tasks {
    pub tasks: Vec<KeyTask>,
    /// The 金额合计 row.
    pub sum: Option<KeyTask>,
    /// The unit the header declares, if it does.
    pub unit: Option<MoneyUnit>,
    /// The tasks as words (`名称：内容；…`) over the rows they were read from.
    pub text: Option<Cell<String>>,
}

/// Reads `lines` (the block's label line first) as a table of tasks and amounts, or `None`
/// when they do not have one's header. Amounts are in 元: the header's unit, or `unit` where
/// it declares none.
pub fn read(
    lines: &[&Line],
    unit: MoneyUnit,
    form: Option<&str>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Tasks> {
    let header = Header::read(lines)?;
    let scale = header.unit.unwrap_or(unit).scale();
    let mut out = Tasks {
        tasks: Vec::new(),
        sum: None,
        unit: header.unit,
        text: None,
    };
    for line in &lines[header.lines..] {
        let cells: Vec<&RawCell> = line.non_empty().collect();
        let (words, amounts) = split_amounts(&cells, &header);
        if amounts.is_empty() {
            // A task's words wrapped onto the next line.
            if let Some(last) = out.tasks.last_mut() {
                for w in words {
                    extend(&mut last.content, w);
                }
                last.span = last.span.cover(line.span);
            }
            continue;
        }
        let name = words.first().map(|c| Cell::new(squeeze(c.text), c.span));
        let mut content: Cell<String> = Cell::missing(Span::empty(line.span.start()));
        for w in words.iter().skip(1) {
            extend(&mut content, w);
        }
        let mut task = KeyTask {
            span: line.span,
            name: name.unwrap_or_else(|| Cell::missing(Span::empty(line.span.start()))),
            content,
            total: Cell::missing(Span::empty(line.span.end())),
            fiscal: Cell::missing(Span::empty(line.span.end())),
            other: Cell::missing(Span::empty(line.span.end())),
        };
        let label = task.name.value.clone().unwrap_or_default();
        for (cell, column) in place(amounts, &header) {
            let amount = match parse_amount(cell.text) {
                Amount::Number(n) => match n.checked_mul(scale) {
                    Some(n) => Cell::new(n.normalize(), cell.span),
                    None => Cell::missing(cell.span),
                },
                Amount::Blank => Cell::missing(cell.span),
                Amount::NotANumber => {
                    diagnostics.push(
                        Diagnostic::new(
                            &codes::FUNDS_NOT_A_NUMBER,
                            format!(
                                "“{}”的{}“{}”不是数字",
                                quoted(&label),
                                column.name(),
                                quoted(cell.text)
                            ),
                            Label::new(cell.span, "应为金额"),
                        )
                        .with_form(form),
                    );
                    Cell::missing(cell.span)
                }
            };
            *column.amount(&mut task) = amount;
        }
        // A blank amount is underlined where it would have been written: the empty cell
        // under its column, not the end of the row.
        for &(col, column) in &header.columns {
            let amount = column.amount(&mut task);
            let slot = line.cells.iter().find(|c| c.col == col && c.is_empty());
            if let (true, Some(slot)) = (amount.is_missing(), slot) {
                amount.span = slot.span;
            }
        }
        if label.contains("合计") || label == "总计" {
            out.sum = Some(task);
        } else {
            out.tasks.push(task);
        }
    }
    let words: Vec<String> = out
        .tasks
        .iter()
        .filter_map(|t| match (&t.name.value, &t.content.value) {
            (Some(n), Some(c)) => Some(format!("{n}：{c}")),
            (Some(n), None) => Some(n.clone()),
            (None, Some(c)) => Some(c.clone()),
            (None, None) => None,
        })
        .collect();
    let span = out.tasks.iter().map(|t| t.span).reduce(Span::cover);
    if let (false, Some(span)) = (words.is_empty(), span) {
        out.text = Some(Cell::new(words.join("；"), span));
    }
    Some(out)
}

/// A row's cells split into its words and its amounts: the trailing cells that are numbers,
/// or sit under an amount column, at most as many as the header has.
fn split_amounts<'c, 't>(
    cells: &'c [&'c RawCell<'t>],
    header: &Header,
) -> (&'c [&'c RawCell<'t>], &'c [&'c RawCell<'t>]) {
    let under = |c: &RawCell| header.columns.iter().any(|(col, _)| *col == c.col);
    let mut n = 0;
    for c in cells.iter().rev() {
        let number = matches!(parse_amount(c.text), Amount::Number(_));
        // The first cell names the row (a task called 2025 is not an amount) unless it sits
        // under an amount column: a row whose name was left blank.
        let first = n + 1 == cells.len();
        if n == header.columns.len() || first && !under(c) || !(number || under(c)) {
            break;
        }
        n += 1;
    }
    cells.split_at(cells.len() - n)
}

/// Which column each amount belongs to: the one it sits under when every amount sits under
/// one, else counted from the right (a sheared row keeps its order).
fn place<'c, 't>(
    amounts: &'c [&'c RawCell<'t>],
    header: &Header,
) -> Vec<(&'c RawCell<'t>, Column)> {
    let by_col: Option<Vec<_>> = amounts
        .iter()
        .map(|c| {
            header
                .columns
                .iter()
                .find(|(col, _)| *col == c.col)
                .map(|(_, k)| (*c, *k))
        })
        .collect();
    by_col.unwrap_or_else(|| {
        let skip = header.columns.len() - amounts.len();
        amounts
            .iter()
            .zip(&header.columns[skip..])
            .map(|(c, (_, k))| (*c, *k))
            .collect()
    })
}

/// Appends a cell's words to a text cell, covering both.
fn extend(text: &mut Cell<String>, cell: &RawCell) {
    let words = squeeze(cell.text);
    match &mut text.value {
        Some(t) => {
            t.push_str(&words);
            text.span = text.span.cover(cell.span);
        }
        None => *text = Cell::new(words, cell.span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::cells;

    fn tasks(text: &str) -> (Option<Tasks>, Vec<Diagnostic>) {
        let lines = cells::lines(text);
        let views = lines.views();
        let refs: Vec<&Line> = views.iter().collect();
        let mut diagnostics = Vec::new();
        let t = read(&refs, MoneyUnit::Yuan, None, &mut diagnostics);
        (t, diagnostics)
    }

    const MINISTRY: &str = "年度主要任务\t任务名称\t主要内容\t预算金额（万元）\n\
        \t\t\t总额\t财政拨款\t其他资金\n\
        \t义务教育保障\t保障义务教育学校正常运转\t3200\t3200\t0\n\
        \t学生资助\t落实各项学生资助政策\t860\t860\t0\n\
        金额合计\t\t\t4060\t4060\t0\n";

    #[test]
    fn the_ministry_table_is_read_in_yuan() {
        let (t, d) = tasks(MINISTRY);
        let t = t.expect("a table");
        assert!(d.is_empty());
        assert_eq!(t.unit, Some(MoneyUnit::WanYuan));
        let names: Vec<_> = t
            .tasks
            .iter()
            .map(|t| t.name.value.clone().unwrap())
            .collect();
        assert_eq!(names, ["义务教育保障", "学生资助"]);
        let first = &t.tasks[0];
        assert_eq!(
            first.content.value.as_deref(),
            Some("保障义务教育学校正常运转")
        );
        assert_eq!(first.total.value, Some(Decimal::from(32_000_000)));
        assert_eq!(first.fiscal.value, Some(Decimal::from(32_000_000)));
        assert_eq!(first.other.value, Some(Decimal::ZERO));
        let sum_row = t.sum.expect("金额合计");
        assert_eq!(sum_row.total.value, Some(Decimal::from(40_600_000)));
        assert_eq!(sum_row.fiscal.value, Some(Decimal::from(40_600_000)));
        assert_eq!(sum_row.other.value, Some(Decimal::ZERO));
        assert_eq!(
            t.text.unwrap().value.as_deref(),
            Some("义务教育保障：保障义务教育学校正常运转；学生资助：落实各项学生资助政策")
        );
    }

    #[test]
    fn a_sheared_row_keeps_its_order_and_a_blank_stays_in_its_column() {
        // The first row lost a tab before its amounts; the second left 其他资金 blank.
        let text = MINISTRY
            .replace(
                "\t保障义务教育学校正常运转\t3200",
                "\t保障义务教育学校正常运转\t\t3200",
            )
            .replace("\t860\t860\t0", "\t860\t860\t");
        let (t, _) = tasks(&text);
        let t = t.unwrap();
        assert_eq!(t.tasks[0].total.value, Some(Decimal::from(32_000_000)));
        assert_eq!(t.tasks[0].other.value, Some(Decimal::ZERO));
        assert_eq!(t.tasks[1].total.value, Some(Decimal::from(8_600_000)));
        assert_eq!(t.tasks[1].fiscal.value, Some(Decimal::from(8_600_000)));
        assert!(t.tasks[1].other.is_missing());
        assert_eq!(
            t.tasks[0].content.value.as_deref(),
            Some("保障义务教育学校正常运转")
        );
    }

    #[test]
    fn a_blank_amount_is_placed_in_the_empty_cell_under_its_column() {
        let text = MINISTRY.replace("\t3200\t3200\t0", "\t\t3200\t0");
        let (t, _) = tasks(&text);
        let first = &t.unwrap().tasks[0];
        assert!(first.total.is_missing());
        assert_eq!(first.fiscal.value, Some(Decimal::from(32_000_000)));
        // The gap between the content's tab and the one before 3200.
        let at = text.find("运转\t\t3200").unwrap() + "运转\t".len();
        assert_eq!(first.total.span, Span::empty(at));
    }

    #[test]
    fn words_are_not_a_table_and_a_word_amount_is_reported() {
        let words = "年度重点任务\t核心职能\t\t重点任务\n\t\t\t任务1:足额支出;任务2:及时拨付\n";
        assert!(tasks(words).0.is_none());
        let text = MINISTRY.replace("\t860\t860\t0", "\t八百六十\t860\t0");
        let (t, d) = tasks(&text);
        assert!(t.unwrap().tasks[1].total.is_missing());
        assert_eq!(d.len(), 1);
        assert!(
            d[0].message.contains("“学生资助”的总额“八百六十”不是数字"),
            "{}",
            d[0].message
        );
    }

    #[test]
    fn a_row_without_a_name_keeps_its_amounts_in_their_columns() {
        let text = MINISTRY.replace("\t学生资助\t落实各项学生资助政策\t860", "\t\t\t860");
        let t = tasks(&text).0.unwrap();
        let row = &t.tasks[1];
        assert!(row.name.is_missing() && row.content.is_missing());
        assert_eq!(row.total.value, Some(Decimal::from(8_600_000)));
        assert_eq!(row.other.value, Some(Decimal::ZERO));
        // A task named by a number is a name where no amount column is.
        let text = MINISTRY.replace(
            "\t学生资助\t落实各项学生资助政策",
            "\t2025\t落实各项学生资助政策",
        );
        assert_eq!(
            tasks(&text).0.unwrap().tasks[1].name.value.as_deref(),
            Some("2025")
        );
    }

    #[test]
    fn wrapped_words_join_their_task() {
        let text = MINISTRY.replace(
            "\t学生资助\t落实各项学生资助政策\t860\t860\t0\n",
            "\t学生资助\t落实各项学生\t860\t860\t0\n\t\t资助政策\n",
        );
        let t = tasks(&text).0.unwrap();
        assert_eq!(
            t.tasks[1].content.value.as_deref(),
            Some("落实各项学生资助政策")
        );
        assert_eq!(t.tasks.len(), 2);
    }
}
