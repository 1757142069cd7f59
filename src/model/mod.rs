//! The form model: what a performance-target form says, with a source span on every cell.
//!
//! The model is format-neutral: text extractions, spreadsheets and structured files all
//! become a [`Document`] of [`Form`]s. It does no IO and knows nothing of how it was read,
//! of rules, or of output formats. A cell the form should have but does not is a
//! [`Cell`] whose value is `None` and whose span marks where it should have been, so that
//! a finding about a missing cell still has a place to point at.

mod budget;
mod bytes;
mod drawn;
mod hash;
mod prose;
mod span;
mod text;

pub use budget::{
    strip_numbering, BudgetTable, ProseFigure, RowRole, TableColumn, TableKind, TableRow,
};

pub use bytes::Spots;
pub use drawn::{DrawnHalf, DrawnRows};
pub use hash::{fingerprint, QuickMap, QuickSet, QuickState};
pub use prose::{Blank, Prose};
pub use span::{floor_char_boundary, LineCol, LineIndex, Span, Touched};
pub use text::Text;

use rust_decimal::Decimal;
use serde::Serialize;

/// One cell of a form: its value (if the form has one there) and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cell<T> {
    pub value: Option<T>,
    pub span: Span,
}

impl<T> Cell<T> {
    pub fn new(value: T, span: Span) -> Self {
        Cell {
            value: Some(value),
            span,
        }
    }

    pub fn missing(at: Span) -> Self {
        Cell {
            value: None,
            span: at,
        }
    }

    pub fn is_missing(&self) -> bool {
        self.value.is_none()
    }

    pub fn get(&self) -> Option<&T> {
        self.value.as_ref()
    }

    /// The same cell holding `f` of its value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Cell<U> {
        Cell {
            value: self.value.map(f),
            span: self.span,
        }
    }
}

impl<T> Default for Cell<T> {
    fn default() -> Self {
        Cell::missing(Span::default())
    }
}

/// One input file after decoding: its text, where each line starts, and what was found in it.
#[derive(Debug, Clone, Default)]
pub struct Document {
    /// Path as given on the command line (or the editor's URI), used in every report.
    pub path: String,
    /// The decoded text. All spans index into it.
    pub text: String,
    /// The encoding the bytes were decoded from (`UTF-8`, `GB18030`, ...).
    pub encoding: &'static str,
    /// Whether the file started with a byte-order mark (kept when a fix rewrites it).
    pub bom: bool,
    /// Whether the file's lines end in a lone CR (Excel for Mac's tab-delimited text, old Mac
    /// tools): the text has LF in their place, one byte for one so every span is still the
    /// file's, and a fix writes CR back.
    pub cr_line_ends: bool,
    /// A hash of the bytes the text was decoded from, to notice a file changed since.
    pub fingerprint: u64,
    pub line_index: LineIndex,
    pub forms: Vec<Form>,
    /// The budget tables (预算公开表), in the order printed.
    pub tables: Vec<BudgetTable>,
    /// Figures quoted in the prose (第三部分 情况说明).
    pub prose: Vec<ProseFigure>,
    /// For a spreadsheet or CSV, where each sheet starts in `text` (which lays its rows out as
    /// lines and its cells as tab-separated fields); empty for text files.
    pub sheets: Vec<SheetOrigin>,
    /// Read from a structured form (YAML/JSON): spans are found again in the text, so fixes
    /// are not written back.
    pub structured: bool,
    /// Which of its forms' indicator rows were kept once the per-form rules had judged them
    /// (`Linter::keep_rows`).
    pub rows_kept: RowsKept,
}

/// Which of a form's indicator rows are kept once the per-form rules have judged them: a
/// file's rows are most of its model, and only the HTML report and document rules of a pack
/// read them after.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RowsKept {
    /// Every row.
    #[default]
    All,
    /// The rows with a cell some finding points at ([`Span::touches`] one of
    /// [`DrawnHalf::cells`], in either half), as [`Form::drawn`]: what the HTML report draws.
    Touched,
    /// None.
    None,
}

/// Where a sheet of a workbook is in its document's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetOrigin {
    pub name: String,
    /// Byte offset of row 1's line.
    pub start: usize,
    /// 0-based index of row 1's line.
    pub first_line: usize,
}

/// A cell of a sheet: its sheet, 1-based row and 0-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SheetCell<'a> {
    pub sheet: &'a str,
    pub row: u32,
    pub column: u32,
}

impl SheetCell<'_> {
    /// `Sheet1!C12`; a CSV has one unnamed sheet: `C12`.
    pub fn reference(&self) -> String {
        let letters = column_letters(self.column);
        if self.sheet.is_empty() {
            format!("{letters}{}", self.row)
        } else {
            format!("{}!{letters}{}", self.sheet, self.row)
        }
    }
}

/// `C` for column 2 (0-based), `AA` for 26.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

impl Document {
    /// Line and column as a reader finds them: in a text file, the line and character; in a
    /// spreadsheet, the row and the column number (C is 3).
    pub fn line_col(&self, offset: usize) -> LineCol {
        match self.sheet_cell(offset) {
            Some(c) => LineCol {
                line: c.row,
                column: c.column + 1,
            },
            None => self.line_index.line_col(&self.text, offset),
        }
    }

    /// Where a span starts and ends ([`Document::line_col`] of each end). A report gives both
    /// for each place it names, and most spans lie within one line of text: the end is then
    /// the start's line and its column counted on from the start's, not looked up again and
    /// counted from the line's start.
    pub fn span_line_cols(&self, span: Span) -> (LineCol, LineCol) {
        let start = self.line_col(span.start());
        if self.sheets.is_empty() {
            let from = floor_char_boundary(&self.text, span.start().min(self.text.len()));
            let to = floor_char_boundary(&self.text, span.end().min(self.text.len()));
            if let Some(between) = self.text.get(from..to).filter(|t| !t.contains('\n')) {
                let end = LineCol {
                    line: start.line,
                    column: start.column + between.chars().count() as u32,
                };
                return (start, end);
            }
        }
        (start, self.line_col(span.end()))
    }

    /// The sheet cell an offset is in, for a spreadsheet or CSV.
    pub fn sheet_cell(&self, offset: usize) -> Option<SheetCell<'_>> {
        let sheet = self.sheets.iter().rev().find(|s| s.start <= offset)?;
        let offset = floor_char_boundary(&self.text, offset.min(self.text.len()));
        let line0 = self.line_index.line_of(offset);
        let start = self.line_index.line_start(line0);
        let column = self.text[start..offset].matches('\t').count() as u32;
        Some(SheetCell {
            sheet: &sheet.name,
            row: ((line0 + 1).saturating_sub(sheet.first_line) as u32).max(1),
            column,
        })
    }

    /// Whether the text is the file itself, so that a fix can be written back to it.
    pub fn is_text_file(&self) -> bool {
        self.sheets.is_empty() && !self.structured
    }

    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }
}

/// Where a budget table is: from its title (or the `预算公开表N` line before it) to the
/// next title.
#[derive(Debug, Clone, Serialize)]
pub struct TableSection {
    pub title: String,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormKind {
    /// 项目支出绩效目标表: one per project.
    Project,
    /// 部门（单位）整体支出绩效目标（申报）表: one per department or unit.
    Department,
}

/// The unit a form declares for its fund amounts. Amounts in the model are always 元.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MoneyUnit {
    #[serde(rename = "元")]
    Yuan,
    #[serde(rename = "万元")]
    WanYuan,
}

impl MoneyUnit {
    /// How many 元 one declared unit is.
    pub fn scale(self) -> Decimal {
        match self {
            MoneyUnit::Yuan => Decimal::ONE,
            MoneyUnit::WanYuan => Decimal::from(10_000),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MoneyUnit::Yuan => "元",
            MoneyUnit::WanYuan => "万元",
        }
    }
}

/// Which columns the indicator grid has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GridLayout {
    /// 实施期 on the left, 年度 on the right (the usual project form).
    TwoPeriods,
    /// One 指标值 column (department forms, and single-period project forms of other issuers).
    /// Its values are stored as the annual half.
    SinglePeriod,
}

/// 主管部门及代码, split into its parts (`051-阳泉市教育局` → `051`, `阳泉市教育局`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentRef {
    pub code: Option<String>,
    pub name: String,
}

/// One column of the funds block, amounts in 元.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Funds {
    /// 实施期资金总额 / 年度资金总额.
    pub total: Cell<Decimal>,
    /// 中央财政资金.
    pub central: Cell<Decimal>,
    /// 省级财政资金.
    pub provincial: Cell<Decimal>,
    /// 市县（区）财政资金.
    pub local: Cell<Decimal>,
    /// 财政拨款: the Ministry's own template splits funds into 财政拨款 and 其他资金 only,
    /// without saying which level of government pays.
    pub fiscal: Cell<Decimal>,
    /// 一般公共预算（拨款）: with the two below, 财政拨款 split by budget, as the budget
    /// management system's forms print it.
    pub general: Cell<Decimal>,
    /// 政府性基金预算（拨款）.
    pub government_fund: Cell<Decimal>,
    /// 国有资本经营预算（拨款）.
    pub state_capital: Cell<Decimal>,
    /// 财政专户管理资金: fees kept in a special account, not an appropriation.
    pub special_account: Cell<Decimal>,
    /// 单位自筹, or 单位资金 as the budget management system calls it.
    pub self_raised: Cell<Decimal>,
    /// 上年结转: money carried over from last year, beside this year's appropriation.
    pub carryover: Cell<Decimal>,
    /// 其他资金 (usually left blank rather than 0).
    pub other: Cell<Decimal>,
}

/// A source of funds: one row of the funds block under its total.
///
/// Forms split a total two ways. Shanxi's by the level of government that pays (中央, 省级,
/// 市县) beside 单位自筹 and 其他; the Ministry's template and the budget management system's
/// by kind: 财政拨款, itself split by budget (一般公共预算, 政府性基金, 国有资本经营), beside
/// 财政专户管理资金, 单位资金, 上年结转 and 其他资金. A form prints one way or the other, and
/// may print 财政拨款 above its parts: which cells add up to the total is
/// [`Funds::sources`]'s to say, not the reader's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Central,
    Provincial,
    Local,
    Fiscal,
    General,
    GovernmentFund,
    StateCapital,
    SpecialAccount,
    SelfRaised,
    Carryover,
    Other,
}

impl Source {
    /// Every source, in the order forms print them.
    pub const ALL: [Source; 11] = [
        Source::Central,
        Source::Provincial,
        Source::Local,
        Source::Fiscal,
        Source::General,
        Source::GovernmentFund,
        Source::StateCapital,
        Source::SpecialAccount,
        Source::SelfRaised,
        Source::Carryover,
        Source::Other,
    ];

    /// The sources shown blank or not (in `dump`, in the editor): the template the disclosure
    /// follows prints them all; the others are shown where a form has them.
    pub const SHOWN: [Source; 6] = [
        Source::Central,
        Source::Provincial,
        Source::Local,
        Source::Fiscal,
        Source::SelfRaised,
        Source::Other,
    ];

    /// The parts 财政拨款 is split into by budget.
    pub const FISCAL_PARTS: [Source; 3] = [
        Source::General,
        Source::GovernmentFund,
        Source::StateCapital,
    ];

    /// The sources that say which level of government pays.
    const LEVELS: [Source; 3] = [Source::Central, Source::Provincial, Source::Local];

    /// Its name in rule packs, structured forms and JSON output.
    pub fn key(self) -> &'static str {
        match self {
            Source::Central => "central",
            Source::Provincial => "provincial",
            Source::Local => "local",
            Source::Fiscal => "fiscal",
            Source::General => "general",
            Source::GovernmentFund => "government_fund",
            Source::StateCapital => "state_capital",
            Source::SpecialAccount => "special_account",
            Source::SelfRaised => "self_raised",
            Source::Carryover => "carryover",
            Source::Other => "other",
        }
    }

    /// Its label as the template prints it.
    pub fn label(self) -> &'static str {
        match self {
            Source::Central => "中央财政资金",
            Source::Provincial => "省级财政资金",
            Source::Local => "市县（区）财政资金",
            Source::Fiscal => "财政拨款",
            Source::General => "一般公共预算",
            Source::GovernmentFund => "政府性基金预算",
            Source::StateCapital => "国有资本经营预算",
            Source::SpecialAccount => "财政专户管理资金",
            Source::SelfRaised => "单位自筹",
            Source::Carryover => "上年结转",
            Source::Other => "其他资金",
        }
    }

    /// The source a key names, if it names one.
    pub fn of_key(key: &str) -> Option<Source> {
        Source::ALL.into_iter().find(|s| s.key() == key)
    }
}

impl Funds {
    /// A column with nothing read: every cell missing at `at`.
    pub fn missing_at(at: Span) -> Funds {
        let mut f = Funds {
            total: Cell::missing(at),
            ..Funds::default()
        };
        for s in Source::ALL {
            *f.cell_mut(s) = Cell::missing(at);
        }
        f
    }

    /// A source's cell.
    pub fn cell(&self, s: Source) -> &Cell<Decimal> {
        match s {
            Source::Central => &self.central,
            Source::Provincial => &self.provincial,
            Source::Local => &self.local,
            Source::Fiscal => &self.fiscal,
            Source::General => &self.general,
            Source::GovernmentFund => &self.government_fund,
            Source::StateCapital => &self.state_capital,
            Source::SpecialAccount => &self.special_account,
            Source::SelfRaised => &self.self_raised,
            Source::Carryover => &self.carryover,
            Source::Other => &self.other,
        }
    }

    /// A source's cell, to fill.
    pub fn cell_mut(&mut self, s: Source) -> &mut Cell<Decimal> {
        match s {
            Source::Central => &mut self.central,
            Source::Provincial => &mut self.provincial,
            Source::Local => &mut self.local,
            Source::Fiscal => &mut self.fiscal,
            Source::General => &mut self.general,
            Source::GovernmentFund => &mut self.government_fund,
            Source::StateCapital => &mut self.state_capital,
            Source::SpecialAccount => &mut self.special_account,
            Source::SelfRaised => &mut self.self_raised,
            Source::Carryover => &mut self.carryover,
            Source::Other => &mut self.other,
        }
    }

    /// The sources whose sum is the total, in the order the form prints them.
    ///
    /// 财政拨款's parts by budget (一般公共预算 and the others) are among them only where the
    /// form does not print 财政拨款 itself, nor the levels of government: then they are the
    /// appropriation, and adding them to it, or to the levels that already split it, would
    /// count the same money twice. Where 财政拨款 is printed above them, they are checked
    /// against it instead ([`Funds::fiscal_parts`]).
    pub fn sources(&self) -> impl Iterator<Item = (Source, &Cell<Decimal>)> {
        let parts_are_sources = self.fiscal.value.is_none()
            && Source::LEVELS.iter().all(|&s| self.cell(s).value.is_none());
        Source::ALL
            .into_iter()
            .filter(move |s| parts_are_sources || !Source::FISCAL_PARTS.contains(s))
            .map(|s| (s, self.cell(s)))
    }

    /// 财政拨款's parts by budget, where the form prints 财政拨款 itself: they are then what it is
    /// the sum of. Empty otherwise.
    pub fn fiscal_parts(&self) -> impl Iterator<Item = (Source, &Cell<Decimal>)> {
        let printed = self.fiscal.value.is_some();
        Source::FISCAL_PARTS
            .into_iter()
            .filter(move |_| printed)
            .map(|s| (s, self.cell(s)))
    }
}

/// The text fields of a project form.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TextFields {
    /// 项目概况.
    pub overview: Cell<Text>,
    /// 立项依据.
    pub basis: Cell<Text>,
    /// 项目设立必要性.
    pub necessity: Cell<Text>,
    /// 保证项目实施的制度、措施.
    pub measures: Cell<Text>,
    /// 项目实施计划.
    pub plan: Cell<Text>,
    /// 总体目标, 实施期 column.
    pub goal_implementation: Cell<Text>,
    /// 总体目标, 年度 column.
    pub goal_annual: Cell<Text>,
}

impl TextFields {
    /// Every field missing at `at`.
    pub fn missing_at(at: Span) -> TextFields {
        TextFields {
            overview: Cell::missing(at),
            basis: Cell::missing(at),
            necessity: Cell::missing(at),
            measures: Cell::missing(at),
            plan: Cell::missing(at),
            goal_implementation: Cell::missing(at),
            goal_annual: Cell::missing(at),
        }
    }
}

/// The sign-off row at the bottom of a form.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SignOff {
    /// 负责人.
    pub principal: Cell<Text>,
    /// 经办人.
    pub handler: Cell<Text>,
    /// 联系电话.
    pub phone: Cell<Text>,
    /// 填报日期.
    pub date: Cell<Text>,
}

impl SignOff {
    /// Every field missing at `at`.
    pub fn missing_at(at: Span) -> SignOff {
        SignOff {
            principal: Cell::missing(at),
            handler: Cell::missing(at),
            phone: Cell::missing(at),
            date: Cell::missing(at),
        }
    }
}

/// An indicator label: one of the vocabulary's canonical spellings, or (from a structured form)
/// as written.
pub type Label = std::borrow::Cow<'static, str>;

/// One half (实施期 or 年度) of one printed row of the indicator grid.
///
/// The 一级 and 二级 labels are the ones in force for this row: printed on it, or inherited
/// from the merged cell of its block. `level1`/`level2` spans point at the printed label.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorHalf {
    /// 一级指标 (canonical: 产出指标, 效益指标, 满意度指标, 成本指标). Labels come from the
    /// vocabulary's table, so they are borrowed from it, not copied into every half.
    pub level1: Cell<Label>,
    /// 二级指标 (canonical spelling, e.g. 数量指标, 社会效益指标, 服务对象满意度指标).
    pub level2: Cell<Label>,
    /// 三级指标 name, as printed (spaces inside words removed).
    pub name: Cell<Text>,
    /// 指标值 as printed; the value stage types it.
    pub value: Cell<Text>,
    /// Columns some issuers add (计量单位, 指标性质, 权重, ...).
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub extras: Box<[ExtraCell]>,
}

/// A cell of a column some issuers add, with the column's header label: one label shared by
/// every row of the grid (and, for the columns kpilint knows, by every grid), not a copy in
/// each.
pub type ExtraCell = (std::sync::Arc<str>, Cell<Text>);

impl IndicatorHalf {
    /// A label-only row (an empty category such as `经济效益 | | `): nothing to check.
    pub fn is_empty_category(&self) -> bool {
        self.name.is_missing() && self.value.is_missing()
    }
}

/// One printed row of the indicator grid. Rows stay in print order; the halves of one row
/// need not describe the same indicator (forms list annual rows in their own order), so
/// rules compare halves by name, not by row.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorRow {
    /// The whole printed line.
    pub span: Span,
    /// Boxed because a one-period grid (department forms, most other issuers' project forms)
    /// stores its values as the annual half and never fills this one: held in place, it cost
    /// each of their rows 144 bytes of nothing, some 8 MB in a 10 MB file of short forms. A
    /// two-period row pays 8 bytes and one allocation for it.
    pub implementation: Option<Box<IndicatorHalf>>,
    pub annual: Option<IndicatorHalf>,
}

impl IndicatorRow {
    /// The 实施期 half, if the row has one.
    pub fn implementation(&self) -> Option<&IndicatorHalf> {
        self.implementation.as_deref()
    }

    /// Both halves, 实施期 first.
    pub fn halves(&self) -> [Option<&IndicatorHalf>; 2] {
        [self.implementation(), self.annual.as_ref()]
    }
}

/// A labelled line of the department form (部门基本信息, 年度预算情况).
#[derive(Debug, Clone, Serialize)]
pub struct LabelledValue {
    pub label: Cell<Text>,
    pub value: Cell<Text>,
}

/// A labelled amount of the department form's 年度预算情况 block, in 元.
#[derive(Debug, Clone, Serialize)]
pub struct LabelledAmount {
    pub label: Cell<Text>,
    pub amount: Cell<Decimal>,
}

impl LabelledAmount {
    /// Whether this is its block's 合计 line (`合 计` as printed, spaces ignored), which the
    /// other lines add up to.
    pub fn is_total(&self) -> bool {
        self.label
            .value
            .as_deref()
            .is_some_and(|l| l.chars().filter(|c| !c.is_whitespace()).eq("合计".chars()))
    }
}

/// A task of the department form's 年度主要任务 table and its budget, in 元.
#[derive(Debug, Clone, Serialize)]
pub struct KeyTask {
    /// The whole printed row.
    pub span: Span,
    /// 任务名称.
    pub name: Cell<String>,
    /// 主要内容.
    pub content: Cell<String>,
    /// 总额.
    pub total: Cell<Decimal>,
    /// 财政拨款.
    pub fiscal: Cell<Decimal>,
    /// 其他资金.
    pub other: Cell<Decimal>,
}

/// What only the department form (整体支出绩效目标申报表) has.
#[derive(Debug, Clone, Default, Serialize)]
pub struct DepartmentSection {
    /// 部门基本信息: 内设职能部门数, 核定的人员编制数, ...
    pub info: Vec<LabelledValue>,
    /// 部门职责.
    pub duties: Cell<Text>,
    /// 部门战略目标.
    pub strategy: Cell<Text>,
    /// 年度预算情况, 按资金来源划分 (合计 first).
    pub funds_by_source: Vec<LabelledAmount>,
    /// 年度预算情况, 按资金方向划分 (合计, 基本支出, 项目支出).
    pub funds_by_direction: Vec<LabelledAmount>,
    /// 年度重点任务 as text: the task list of the form, or the tasks of [`Self::tasks`]
    /// as `名称：内容；…`.
    pub key_tasks: Cell<Text>,
    /// The rows of a 年度主要任务 table with amounts (the Ministry's template), without its
    /// 金额合计 row, which is read as the form's annual funds.
    pub tasks: Vec<KeyTask>,
    /// 年度绩效目标.
    pub annual_goal: Cell<Text>,
}

impl DepartmentSection {
    /// Every field missing at `at`, no list read.
    pub fn missing_at(at: Span) -> DepartmentSection {
        DepartmentSection {
            duties: Cell::missing(at),
            strategy: Cell::missing(at),
            key_tasks: Cell::missing(at),
            annual_goal: Cell::missing(at),
            ..DepartmentSection::default()
        }
    }
}

/// One form, from its title line up to the next title.
#[derive(Debug, Clone, Serialize)]
pub struct Form {
    pub kind: FormKind,
    /// From the title line to the last line that belongs to the form.
    pub span: Span,
    pub title: Cell<Text>,
    /// Budget year from the year line (`(2025年度)`), if printed.
    pub year: Cell<u16>,
    /// The unit the form declares for its amounts.
    pub money_unit: MoneyUnit,
    /// 项目名称 (project forms) or 部门名称 (department forms).
    pub name: Cell<Text>,
    /// 主管部门及代码.
    pub department: Cell<DepartmentRef>,
    /// 实施单位.
    pub implementing_unit: Cell<Text>,
    /// 项目属性.
    pub attribute: Cell<Text>,
    /// 项目期 as printed (`1年`, `99年`).
    pub period: Cell<Text>,
    /// 实施期 column of the funds block (absent on single-period forms).
    pub funds_implementation: Funds,
    /// 年度 column of the funds block.
    pub funds_annual: Funds,
    /// Boxed, to be let go of once judged ([`Form::forget_prose`]).
    pub texts: Prose<TextFields>,
    pub grid_layout: GridLayout,
    /// The grid's rows; empty once judged unless the linter keeps them
    /// ([`RowsKept::All`]).
    pub indicators: Vec<IndicatorRow>,
    /// What a report draws of the rows findings point into, once the rows themselves have
    /// gone ([`RowsKept::Touched`]); else empty.
    #[serde(skip)]
    pub drawn: DrawnRows,
    /// Boxed, as [`Form::texts`].
    pub sign_off: Prose<SignOff>,
    /// Later pages that repeat this form's title and header and continue its grid.
    pub continuations: Vec<Span>,
    /// Boxed: one form in hundreds has it, and inline it would add a fifth to every form.
    pub department_section: Option<Box<DepartmentSection>>,
}

impl Form {
    /// A form with nothing read yet: every cell missing at `at`, where a finding about a
    /// missing cell will point. Not at the file's start: in a file of many forms that is
    /// another form's place, and a report names the form a finding lies in by its place.
    pub fn empty(kind: FormKind, at: Span) -> Form {
        Form {
            kind,
            span: at,
            title: Cell::missing(at),
            year: Cell::missing(at),
            money_unit: MoneyUnit::Yuan,
            name: Cell::missing(at),
            department: Cell::missing(at),
            implementing_unit: Cell::missing(at),
            attribute: Cell::missing(at),
            period: Cell::missing(at),
            funds_implementation: Funds::missing_at(at),
            funds_annual: Funds::missing_at(at),
            texts: TextFields::missing_at(at).into(),
            grid_layout: GridLayout::TwoPeriods,
            indicators: Vec::new(),
            drawn: DrawnRows::default(),
            sign_off: SignOff::missing_at(at).into(),
            continuations: Vec::new(),
            department_section: (kind == FormKind::Department)
                .then(|| Box::new(DepartmentSection::missing_at(at))),
        }
    }

    /// Lets go of the form's prose: its text fields and its sign-off row (read after as
    /// missing cells at the file's start) and the department form's long texts. Once the
    /// per-form rules have judged a form, nothing of a report reads them, and they were a
    /// third of what a file of many forms kept of each (docs/performance.md).
    pub fn forget_prose(&mut self) {
        self.texts.forget();
        self.sign_off.forget();
        if let Some(d) = self.department_section.as_deref_mut() {
            for cell in [
                &mut d.duties,
                &mut d.strategy,
                &mut d.key_tasks,
                &mut d.annual_goal,
            ] {
                cell.value = None;
            }
        }
    }

    /// The name a report uses for this form.
    pub fn display_name(&self) -> Option<&str> {
        self.name.value.as_deref()
    }

    /// [`Self::display_name`], or what a report says of a form without one: a project form
    /// lacks its 项目名称, a department form its 部门名称.
    pub fn name_or_blank(&self) -> &str {
        self.display_name().unwrap_or(match self.kind {
            FormKind::Project => "（无项目名称）",
            FormKind::Department => "（无部门名称）",
        })
    }

    /// The 实施期 halves that carry something.
    pub fn implementation_halves(&self) -> impl Iterator<Item = &IndicatorHalf> {
        self.indicators
            .iter()
            .filter_map(IndicatorRow::implementation)
    }

    /// The 年度 halves that carry something.
    pub fn annual_halves(&self) -> impl Iterator<Item = &IndicatorHalf> {
        self.indicators.iter().filter_map(|r| r.annual.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_edits_apart() {
        let text = "项目名称\t学生资助\n年度资金总额：\t1,000\n".repeat(3);
        let base = fingerprint(text.as_bytes());
        assert_eq!(base, fingerprint(text.clone().as_bytes()), "stable");
        // One byte changed anywhere, a byte added or removed at the end, two bytes swapped.
        let mut seen = std::collections::HashSet::from([base]);
        let bytes = text.as_bytes();
        for i in 0..bytes.len() {
            let mut b = bytes.to_vec();
            b[i] ^= 1;
            assert!(seen.insert(fingerprint(&b)), "flip at {i}");
        }
        assert!(seen.insert(fingerprint(&bytes[..bytes.len() - 1])));
        assert!(seen.insert(fingerprint(&[bytes, b" "].concat())));
        let mut swapped = bytes.to_vec();
        swapped.swap(0, 8);
        assert!(seen.insert(fingerprint(&swapped)));
        assert_ne!(fingerprint(b""), fingerprint(b"\0"));
    }

    /// A span's two ends found together are each end found alone: spans within a line, across
    /// lines, reversed, past the end, inside a character, in CRLF text and in a spreadsheet.
    #[test]
    fn a_spans_ends_found_together_are_each_found_alone() {
        let text = "项目名称\t学生资助\r\n\r\n年度资金总额：\t1,000\n末行没有换行";
        let csv = "项目名称,学生资助\n年度资金总额：,1000\n";
        let docs = [
            crate::ingest::read_bytes("a.txt", text.as_bytes()).document,
            crate::ingest::read_file("a.csv", csv.as_bytes()).document,
        ];
        assert!(!docs[1].sheets.is_empty(), "the CSV is read as a sheet");
        for doc in &docs {
            let len = doc.text.len() + 2;
            for a in 0..len {
                for b in 0..len {
                    let span = Span::new(a, b);
                    let (start, end) = doc.span_line_cols(span);
                    let alone = (doc.line_col(a), doc.line_col(b));
                    assert_eq!((start, end), alone, "{span:?} in {}", doc.path);
                }
            }
        }
    }

    /// A 10 MB file holds some 40,000 indicator rows and 3,000 forms, each cell with a span:
    /// these sizes are what keeps linting it under 64 MB (docs/performance.md).
    #[test]
    #[cfg(target_pointer_width = "64")]
    fn the_model_stays_small() {
        assert_eq!(std::mem::size_of::<Span>(), 8);
        // Cells as `Box<str>`, not `String`, took a row from 312 bytes to 264 and a form from
        // 1,040 to 912: some 2 MB less at the peak of a 10 MB file.
        // A `Text` holds up to 22 bytes in place: 8 bytes more a cell than a `Box<str>`
        // (264 → 296, 912 → 1,040), for no heap block of its own in most values, which cost
        // 32 bytes and more each (ten 10 MB files: 59.4 → 58.1 MB).
        // The 实施期 half boxed (a one-period row does without it): 296 → 160, and a 10 MB
        // file of ten thousand six-row one-period forms 72 → 64 MB at its peak.
        assert!(std::mem::size_of::<IndicatorRow>() <= 160);
        // 财政拨款 (a funds source in each column) had taken it from 992 bytes to 1,040, and
        // what the HTML report draws of its rows once they go (`DrawnRows`, boxed) to 1,048.
        assert!(std::mem::size_of::<Form>() <= 1_048);
        assert!(std::mem::size_of::<crate::diagnostics::Diagnostic>() <= 184);
    }
}
