//! The budget tables of a disclosure (预算公开表) and the figures its prose quotes.
//!
//! A disclosure is one document: the tables (in 万元) and the forms (in 元) must tell the
//! same story. The model keeps every table cell with its span, and the structure the reader
//! recognised (which rows a row is the sum of, which columns a column is the sum of), so
//! that rules can check sums without knowing how a particular issuer lays its tables out.

use super::{Cell, MoneyUnit, Span};
use rust_decimal::Decimal;
use serde::Serialize;

/// Which table a section is, recognised from its title.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// 收支总表 (两栏：收入、支出).
    Summary,
    /// 收入总表.
    Income,
    /// 支出总表.
    Expenditure,
    /// 财政拨款收支总表 (两栏).
    FiscalSummary,
    /// 一般公共预算支出表.
    GeneralExpenditure,
    /// 一般公共预算基本支出（分经济科目）表.
    BasicExpenditure,
    /// 政府性基金预算收入表 / 支出表.
    FundIncome,
    FundExpenditure,
    /// 国有资本经营预算收支表.
    StateCapital,
    /// “三公”经费支出表.
    ThreePublic,
    /// 机关运行经费表.
    OperatingCosts,
    /// 项目支出预算表（本年预算）.
    Projects,
    /// 项目支出预算表（上年结转）.
    ProjectsCarriedOver,
    Other,
}

impl TableKind {
    /// The name rule packs use (`table(document, "income")`).
    pub fn key(self) -> &'static str {
        match self {
            TableKind::Summary => "summary",
            TableKind::Income => "income",
            TableKind::Expenditure => "expenditure",
            TableKind::FiscalSummary => "fiscal_summary",
            TableKind::GeneralExpenditure => "general_expenditure",
            TableKind::BasicExpenditure => "basic_expenditure",
            TableKind::FundIncome => "fund_income",
            TableKind::FundExpenditure => "fund_expenditure",
            TableKind::StateCapital => "state_capital",
            TableKind::ThreePublic => "three_public",
            TableKind::OperatingCosts => "operating_costs",
            TableKind::Projects => "projects",
            TableKind::ProjectsCarriedOver => "projects_carried_over",
            TableKind::Other => "other",
        }
    }

    /// Recognises a table from its title. Order matters: 财政拨款收支总表 is also a 收支总表,
    /// and the 基本支出 table is also a 一般公共预算支出 table.
    pub fn of_title(title: &str) -> TableKind {
        let has = |k: &str| title.contains(k);
        if has("项目支出") && has("表") {
            if has("结转") {
                TableKind::ProjectsCarriedOver
            } else {
                TableKind::Projects
            }
        } else if has("财政拨款收支") {
            TableKind::FiscalSummary
        } else if has("三公") {
            TableKind::ThreePublic
        } else if has("机关运行") {
            TableKind::OperatingCosts
        } else if has("基本支出") {
            TableKind::BasicExpenditure
        } else if has("政府性基金") && has("收入") {
            TableKind::FundIncome
        } else if has("政府性基金") {
            TableKind::FundExpenditure
        } else if has("国有资本") {
            TableKind::StateCapital
        } else if has("一般公共预算") && has("支出") {
            TableKind::GeneralExpenditure
        } else if has("收支总表") {
            TableKind::Summary
        } else if has("收入总表") {
            TableKind::Income
        } else if has("支出总表") {
            TableKind::Expenditure
        } else {
            TableKind::Other
        }
    }
}

/// What a row is, as far as sums go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowRole {
    /// 合计, 本年收入合计, 部门合计, 收入总计 …: the sum of its children.
    Total,
    /// A row with a 科目编码.
    Subject,
    /// A numbered (一、二、) or circled (①②) item, or a plain row.
    Item,
    /// A row that heads a group of rows (工资福利支出 in the 经济科目 table, 上年结转).
    Group,
    /// The department line of a 项目支出预算表.
    Department,
    /// A unit line of a 项目支出预算表.
    Unit,
    /// A project line of a 项目支出预算表.
    Project,
}

impl RowRole {
    pub fn key(self) -> &'static str {
        match self {
            RowRole::Total => "total",
            RowRole::Subject => "subject",
            RowRole::Item => "item",
            RowRole::Group => "group",
            RowRole::Department => "department",
            RowRole::Unit => "unit",
            RowRole::Project => "project",
        }
    }
}

/// An amount column: its label and, when it is a 合计/小计, the columns it adds up.
#[derive(Debug, Clone, Serialize)]
pub struct TableColumn {
    /// The lowest header label over the column (`一般公共预算`).
    pub name: String,
    /// The label of the header cell spanning it, if any (`本年收入`, `2025年财政拨款`).
    pub group: Option<String>,
    /// Indexes (into the table's columns) of the columns this one is the sum of.
    pub parts: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableRow {
    /// 科目编码, when the row has one.
    pub code: Cell<String>,
    /// The row's name (科目名称, 项目名称, 单位名称 …).
    pub name: Cell<String>,
    /// A second name column (政府预算支出经济科目 in the 经济科目 table).
    pub detail: Cell<String>,
    pub role: RowRole,
    /// One cell per column of the table, in 万元 (or the table's unit). A blank cell has no
    /// value and the span of the gap where it would be.
    pub cells: Vec<Cell<Decimal>>,
    /// Indexes (into the table's rows) of the rows this one is the sum of.
    pub children: Vec<usize>,
    /// The row this one is a child of.
    pub parent: Option<usize>,
    /// The whole line.
    pub span: Span,
}

impl TableRow {
    /// Blank cells count as zero in sums; a row with no figure at all has no value.
    pub fn amount(&self, column: usize) -> Decimal {
        self.cells
            .get(column)
            .and_then(|c| c.value)
            .unwrap_or_default()
    }

    pub fn name_text(&self) -> &str {
        self.name.value.as_deref().unwrap_or("")
    }
}

/// One budget table (one side of a two-sided 收支总表 is a table of its own).
#[derive(Debug, Clone, Serialize)]
pub struct BudgetTable {
    pub kind: TableKind,
    /// The title line; the side (`收入`, `支出`) is appended for a two-sided table.
    pub title: Cell<String>,
    /// `收入` or `支出` for one side of a two-sided table.
    pub side: Option<&'static str>,
    pub unit: MoneyUnit,
    pub columns: Vec<TableColumn>,
    pub rows: Vec<TableRow>,
    /// `注：本表无数据`.
    pub no_data: bool,
    /// From the title to the last line of the table.
    pub span: Span,
}

impl BudgetTable {
    /// The index of the column a label names: the exact label first, then the one label
    /// that contains it or is contained in it (`政府性基金` for `政府性基金预算`).
    pub fn column(&self, label: &str) -> Option<usize> {
        let norm = |s: &str| -> String {
            strip_numbering(s)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        };
        let want = norm(label);
        if let Some(i) = self.columns.iter().position(|c| norm(&c.name) == want) {
            return Some(i);
        }
        let hits: Vec<usize> = (0..self.columns.len())
            .filter(|&i| {
                let n = norm(&self.columns[i].name);
                !n.is_empty() && (n.contains(&want) || want.contains(&n))
            })
            .collect();
        match hits.as_slice() {
            [only] => Some(*only),
            _ => None,
        }
    }

    /// The row a code or a name designates: the code first, then the name without its
    /// numbering (`一、一般公共预算` is `一般公共预算`).
    pub fn row(&self, key: &str) -> Option<usize> {
        let key = strip_numbering(key);
        if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
            if let Some(i) = self
                .rows
                .iter()
                .position(|r| r.code.value.as_deref() == Some(key))
            {
                return Some(i);
            }
        }
        // The name without its numbering ends where the name does: a name that does not end
        // with the key is not stripped to compare (every table is asked for every code of
        // every other, and most do not have it).
        self.rows.iter().position(|r| {
            let name = r.name_text();
            name.trim_end().ends_with(key) && strip_numbering(name) == key
        })
    }
}

/// `一、一般公共预算` → `一般公共预算`; `①公务用车购置费` → `公务用车购置费`; spaces go.
pub fn strip_numbering(name: &str) -> &str {
    let t = name.trim();
    let t = t.trim_start_matches(|c: char| "①②③④⑤⑥⑦⑧⑨⑩".contains(c));
    if let Some((head, rest)) = t.split_once('、') {
        if !head.is_empty()
            && head
                .chars()
                .all(|c| "一二三四五六七八九十百".contains(c) || c.is_ascii_digit())
        {
            return rest.trim();
        }
    }
    t.trim()
}

/// A figure the prose (第三部分 情况说明) quotes: `一般公共预算拨款收入46,124.51万元，占81.31%`.
#[derive(Debug, Clone, Serialize)]
pub struct ProseFigure {
    /// The words before the amount, from the last punctuation (`一般公共预算拨款收入`).
    pub label: String,
    /// The amount in 万元, with the span of its digits.
    pub amount: Cell<Decimal>,
    /// The percentage that follows (`占81.31%`), with the span of its digits.
    pub share: Option<Cell<Decimal>>,
    /// What the amount is relative to: the first amount of its sentence, when this is not it.
    pub base: Option<usize>,
    /// `增加` or `减少` when the figure is a change against last year (`比上年增加1187.14万元`);
    /// its `share` is then the growth (`增长2.14%`).
    pub direction: Option<&'static str>,
    /// The numbered section the sentence is in (`二、收入预算情况说明`).
    pub section: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// What `strip_numbering` leaves of a name ends where the name does, trailing spaces
        /// aside: `BudgetTable::row` strips only the names that end with the key, and misses
        /// no row that strips to it.
        #[test]
        fn a_stripped_name_ends_the_name(name in "[一二十百①②③ 、\t1２a教育（）]{0,12}") {
            let stripped = strip_numbering(&name);
            proptest::prop_assert!(name.trim_end().ends_with(stripped), "{:?} → {:?}", name, stripped);
        }
    }

    #[test]
    fn rows_are_found_by_code_or_by_name_without_numbering() {
        let at = Span::empty(0);
        let text = |s: Option<&str>| Cell {
            value: s.map(str::to_owned),
            span: at,
        };
        let row = |code: Option<&str>, name: &str| TableRow {
            code: text(code),
            name: text(Some(name)),
            detail: text(None),
            role: RowRole::Item,
            cells: Vec::new(),
            children: Vec::new(),
            parent: None,
            span: at,
        };
        let t = BudgetTable {
            kind: TableKind::Income,
            title: text(Some("收入总表")),
            side: None,
            unit: crate::model::MoneyUnit::WanYuan,
            columns: Vec::new(),
            rows: vec![
                row(Some("205"), "一、教育支出"),
                row(None, "①公务用车购置费 "),
                row(Some("20502"), "  普通教育"),
            ],
            no_data: false,
            span: at,
        };
        assert_eq!(t.row("205"), Some(0));
        assert_eq!(t.row("教育支出"), Some(0));
        assert_eq!(t.row("二、教育支出"), Some(0));
        assert_eq!(t.row("公务用车购置费"), Some(1));
        assert_eq!(t.row("普通教育"), Some(2));
        assert_eq!(t.row("20502"), Some(2));
        assert_eq!(t.row("育支出"), None);
        assert_eq!(t.row("206"), None);
    }
}
