//! The label vocabulary: every printed spelling kpilint knows for every cell label, in one
//! place. Issuers label the same cells differently; add a spelling here, not in the reader.
//!
//! Matching is done on the label with spaces removed and trailing colons stripped
//! ([`normalize`]), so `绩效 指 标`, `项目资金 (元)` and `联系电话:` need no entries of their own.

use super::cells::{self, is_space};
use crate::model::QuickMap;
use crate::model::{MoneyUnit, Source};
use std::borrow::Cow;
use std::sync::OnceLock;

/// The header and block labels of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ProjectName,
    Department,
    ImplementingUnit,
    Attribute,
    Period,
    /// Start of the funds block; the spelling carries the money unit.
    FundsBlock,
    Overview,
    Basis,
    Necessity,
    Measures,
    Plan,
    /// `实施期目标 | 年度目标`: says which column is which.
    GoalHeader,
    /// `总体目标`.
    Goal,
    /// `绩效指标` or `年度绩效指标`: the indicator grid starts.
    GridHeader,
    // Sign-off row.
    Principal,
    Handler,
    Phone,
    Date,
    // Department form blocks.
    DeptInfo,
    DeptName,
    Duties,
    Strategy,
    DeptBudget,
    KeyTasks,
    AnnualGoal,
}

/// Every spelling of every header label. Longer spellings first where one is a prefix of
/// another, because matching takes the first hit.
pub static HEADER_LABELS: &[(&str, Field)] = &[
    ("项目名称", Field::ProjectName),
    ("项目支出名称", Field::ProjectName),
    ("主管部门及代码", Field::Department),
    ("主管部门及编码", Field::Department),
    ("主管部门", Field::Department),
    ("实施单位", Field::ImplementingUnit),
    ("项目属性", Field::Attribute),
    ("项目期", Field::Period),
    ("项目日期", Field::Period),
    ("项目期限", Field::Period),
    ("实施期限", Field::Period),
    ("项目资金", Field::FundsBlock),
    ("项目概况", Field::Overview),
    ("立项依据", Field::Basis),
    ("项目设立必要性", Field::Necessity),
    ("保证项目实施的制度、措施", Field::Measures),
    ("保证项目实施的制度,措施", Field::Measures),
    ("项目实施计划", Field::Plan),
    ("实施期目标", Field::GoalHeader),
    ("中期目标", Field::GoalHeader),
    ("中长期目标", Field::GoalHeader),
    ("长期目标", Field::GoalHeader),
    ("总体目标", Field::Goal),
    ("年度绩效指标", Field::GridHeader),
    ("绩效指标", Field::GridHeader),
    ("负责人", Field::Principal),
    ("项目负责人", Field::Principal),
    ("经办人", Field::Handler),
    ("填报人", Field::Handler),
    ("单位负责人", Field::Principal),
    ("联系电话", Field::Phone),
    ("填报日期", Field::Date),
    ("部门基本信息", Field::DeptInfo),
    ("单位基本信息", Field::DeptInfo),
    ("部门（单位）名称", Field::DeptName),
    ("部门(单位)名称", Field::DeptName),
    ("部门名称", Field::DeptName),
    ("单位名称", Field::DeptName),
    ("部门职责", Field::Duties),
    ("单位职责", Field::Duties),
    ("部门战略目标", Field::Strategy),
    ("年度预算情况", Field::DeptBudget),
    ("年度重点任务", Field::KeyTasks),
    ("年度主要任务", Field::KeyTasks),
    ("年度绩效目标", Field::AnnualGoal),
    ("年度总体绩效目标", Field::AnnualGoal),
    ("年度总体目标", Field::AnnualGoal),
];

/// Whether a cell heads a column of 总体目标 (the Ministry's template prints `总体目标 |
/// 中期目标（2025—2027年） | 年度目标` and the goals on the line below), and whether that
/// column is the annual one. `None` for a cell that is a goal itself.
pub fn goal_column(cell: &str) -> Option<bool> {
    // Asked of every cell after 总体目标, which are most often the goals themselves, a
    // paragraph each: the longest heading (`中长期目标（2025—2027年度）`, spaces around it)
    // is shorter than this, and a goal is not normalised only to be turned away.
    if cell.len() > GOAL_COLUMN_BYTES_MAX {
        return None;
    }
    let n = normalize(cell);
    // The years the period covers, in brackets after the label: `（2025—2027年）`.
    let years = |s: &str| {
        s.chars()
            .all(|c| c.is_numeric() || "年度—–-~～至到 　".contains(c))
    };
    let label = n
        .split_once(['（', '('])
        .and_then(|(label, rest)| {
            let inside = rest.strip_suffix(['）', ')'])?;
            years(inside).then_some(label)
        })
        .unwrap_or(n.as_ref());
    match label {
        "实施期目标" | "中期目标" | "中长期目标" | "长期目标" => Some(false),
        "年度目标" => Some(true),
        _ => None,
    }
}

/// The longest cell [`goal_column`] looks at, in bytes.
const GOAL_COLUMN_BYTES_MAX: usize = 64;

/// Watermarks and scanner stamps that printers put between and inside forms.
pub static NOISE: &[&str] = &["仅供内部审核", "内部审核", "扫描全能王", "CS扫描全能王"];

/// Which row of the funds block a label names: its total or one of its sources.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundsRow {
    Total,
    Source(Source),
}

/// Funds labels by their full spellings. A printed label matches when it is a prefix of one
/// of these of at least three characters: extractions cut labels (`市县（区）财政资`, `单位自`).
pub static FUNDS_LABELS: &[(&str, FundsRow)] = &[
    ("实施期资金总额", FundsRow::Total),
    ("年度资金总额", FundsRow::Total),
    ("中期资金总额", FundsRow::Total),
    ("资金总额", FundsRow::Total),
    ("年度本级预算金额", FundsRow::Total),
    ("年度预算金额", FundsRow::Total),
    ("中央财政资金", FundsRow::Source(Source::Central)),
    ("省级财政资金", FundsRow::Source(Source::Provincial)),
    ("市县（区）财政资金", FundsRow::Source(Source::Local)),
    ("市级（区）财政资金", FundsRow::Source(Source::Local)),
    ("市县财政资金", FundsRow::Source(Source::Local)),
    ("市级财政资金", FundsRow::Source(Source::Local)),
    ("区县财政资金", FundsRow::Source(Source::Local)),
    ("财政拨款", FundsRow::Source(Source::Fiscal)),
    ("财政拨款资金", FundsRow::Source(Source::Fiscal)),
    ("当年财政拨款", FundsRow::Source(Source::Fiscal)),
    // The budget management system's split of 财政拨款 by budget, and its other sources.
    ("一般公共预算拨款", FundsRow::Source(Source::General)),
    ("一般公共预算资金", FundsRow::Source(Source::General)),
    (
        "政府性基金预算拨款",
        FundsRow::Source(Source::GovernmentFund),
    ),
    (
        "政府性基金预算资金",
        FundsRow::Source(Source::GovernmentFund),
    ),
    ("政府性基金拨款", FundsRow::Source(Source::GovernmentFund)),
    (
        "国有资本经营预算拨款",
        FundsRow::Source(Source::StateCapital),
    ),
    (
        "国有资本经营预算资金",
        FundsRow::Source(Source::StateCapital),
    ),
    ("财政专户管理资金", FundsRow::Source(Source::SpecialAccount)),
    ("单位自筹", FundsRow::Source(Source::SelfRaised)),
    ("单位自筹资金", FundsRow::Source(Source::SelfRaised)),
    ("单位资金", FundsRow::Source(Source::SelfRaised)),
    ("上年结转资金", FundsRow::Source(Source::Carryover)),
    ("其他资金", FundsRow::Source(Source::Other)),
];

/// The canonical 一级指标.
pub static LEVEL1: &[&str] = &["产出指标", "效益指标", "满意度指标", "成本指标"];

/// Labels printed where a 一级 label belongs that no template has. They are read as
/// labels (so they do not become indicator names) and reported.
pub static NON_TEMPLATE_LEVEL1: &[&str] = &["其他指标"];

/// Whether a cell is a 一级 label the template does not have. Asked of every cell of every
/// grid: the first character turns nearly all of them away before they are normalised.
pub fn is_non_template_level1(cell: &str) -> bool {
    let first = |l: &str| l.chars().next();
    label_start(cell).is_some_and(|c| NON_TEMPLATE_LEVEL1.iter().any(|l| first(l) == Some(c)))
        && NON_TEMPLATE_LEVEL1.contains(&normalize(cell).as_ref())
}

/// 二级指标: canonical spelling, its 一级 parent, and the spellings forms print. A printed
/// label matches a spelling it is a prefix of, if it keeps at least four characters
/// (`服务对象满` and `可持续影响指` are cut-off labels, LAYOUT.md §13).
pub static LEVEL2: &[(&str, &str, &[&str])] = &[
    ("数量指标", "产出指标", &["数量指标"]),
    ("质量指标", "产出指标", &["质量指标"]),
    ("时效指标", "产出指标", &["时效指标"]),
    // Under 产出指标 in the 2015 template; its own 一级 under the 2021 one (see below).
    ("成本指标", "产出指标", &["成本指标"]),
    ("经济成本指标", "成本指标", &["经济成本指标"]),
    ("社会成本指标", "成本指标", &["社会成本指标"]),
    ("生态环境成本指标", "成本指标", &["生态环境成本指标"]),
    ("经济效益指标", "效益指标", &["经济效益指标"]),
    ("社会效益指标", "效益指标", &["社会效益指标"]),
    (
        "生态效益指标",
        "效益指标",
        &["生态效益指标", "环境效益指标"],
    ),
    (
        "可持续影响指标",
        "效益指标",
        &["可持续影响指标", "可持续性影响指标"],
    ),
    (
        "服务对象满意度指标",
        "满意度指标",
        &["服务对象满意度指标", "社会公众或服务对象满意度指标"],
    ),
];

/// A label with spaces removed, leading required-field marks and trailing colons stripped,
/// and ASCII parentheses made full-width (`市县(区)财政资金` is `市县（区）财政资金`).
pub fn normalize(label: &str) -> Cow<'_, str> {
    let trim = |s: &str| -> (usize, usize) {
        // Most labels start with neither mark and end with neither colon: their first and
        // last bytes say so without decoding a character (`★` and `＊` start with 0xE2 and
        // 0xEF, and `：` ends with 0x9A).
        let start = match s.as_bytes().first() {
            Some(b'*' | 0xe2 | 0xef) => s.len() - s.trim_start_matches(['*', '★', '＊']).len(),
            _ => 0,
        };
        let t = &s[start..];
        let end = match t.as_bytes().last() {
            Some(b':' | 0x9a) => t.trim_end_matches(['：', ':']).len(),
            _ => t.len(),
        };
        (start, start + end)
    };
    // Most cells have nothing to change: no copy for them.
    if !cells::has_space_or_paren(label) {
        let (start, end) = trim(label);
        return Cow::Borrowed(&label[start..end]);
    }
    // Sized once: a parenthesis grows by two bytes, spaces only shrink it.
    let parens = label.bytes().filter(|&b| b == b'(' || b == b')').count();
    let mut s = String::with_capacity(label.len() + 2 * parens);
    for c in label.chars().filter(|&c| !is_space(c)) {
        s.push(match c {
            '(' => '（',
            ')' => '）',
            other => other,
        });
    }
    let (start, end) = trim(&s);
    s.truncate(end);
    s.drain(..start);
    Cow::Owned(s)
}

/// Whether a cell could be a label at all: labels are short and have no digits. Most cells
/// are names and values, and this keeps them out of the vocabulary search (the editor lints
/// on every keystroke).
fn label_sized(cell: &str, max_chars: usize) -> bool {
    let mut n = 0;
    for c in cell.chars() {
        if c.is_ascii_digit() {
            return false;
        }
        n += 1;
        if n > max_chars {
            return false;
        }
    }
    true
}

/// The header field a cell's text names, if the whole cell is that label.
pub fn header_field(cell: &str) -> Option<Field> {
    // Most cells are names and values: one look at their first character settles them.
    if !header_first_chars().starts(cell) {
        return None;
    }
    // A label printed as the vocabulary spells it (most are) is found without normalising
    // it: a test holds every spelling to what normalising gives. Nor is it sized first: a
    // test holds every spelling to the size of a label, and walking its characters cost more
    // than looking it up.
    if cell.len() <= LABEL_BYTES_MAX {
        if let Some(&field) = header_fields().get(cell) {
            return Some(field);
        }
        // Nearly half of the rest are spellings printed before a colon (`负责人：`).
        if let Some(&field) = before_colon(cell).and_then(|b| header_fields().get(b)) {
            return Some(field);
        }
    }
    if !label_sized(cell, 24) {
        return None;
    }
    header_field_remembered(cell)
}

/// How many cells a thread remembers the normalised lookup of before it forgets them all.
const NORMALISED_KEPT: usize = 1024;

thread_local! {
    static NORMALISED: std::cell::RefCell<QuickMap<Box<str>, Option<Field>>> =
        Default::default();
}

/// [`header_field_normalised`], remembered per thread. The cells that reach it repeat from
/// form to form: funds labels that are not header fields (`单位自筹`, `年度资金总额：`) and
/// spellings with a unit (`项目资金（元）`), some eight a form, each normalised at some 260
/// instructions and then looked up again. Bounded like the other memos ([`crate::model::hash`]).
fn header_field_remembered(cell: &str) -> Option<Field> {
    NORMALISED.with(|m| {
        let mut m = m.borrow_mut();
        if let Some(&field) = m.get(cell) {
            return field;
        }
        let field = header_field_normalised(cell);
        if m.len() >= NORMALISED_KEPT {
            m.clear();
        }
        m.insert(cell.into(), field);
        field
    })
}

/// The longest cell a spelling may be, in bytes: 24 characters of three bytes (no spelling
/// has a longer character) and a full-width colon. Longer cells are not looked up as they
/// stand; hashing a paragraph only to miss costs more than this comparison.
const LABEL_BYTES_MAX: usize = 24 * 3 + 3;

/// A label printed before one colon, full-width or not (`负责人：`): the label.
fn before_colon(cell: &str) -> Option<&str> {
    cell.strip_suffix('：').or_else(|| cell.strip_suffix(':'))
}

/// [`header_field`] for a cell that is not a spelling as it stands.
fn header_field_normalised(cell: &str) -> Option<Field> {
    let n = normalize(cell);
    header_fields().get(strip_unit_suffix(&n)).copied()
}

/// [`HEADER_LABELS`] by spelling (the first field listed for a spelling wins, as a search in
/// order would give): a header-like cell was compared with each of some sixty spellings.
fn header_fields() -> &'static QuickMap<&'static str, Field> {
    static MAP: OnceLock<QuickMap<&'static str, Field>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = QuickMap::default();
        for &(spelling, field) in HEADER_LABELS {
            map.entry(spelling).or_insert(field);
        }
        map
    })
}

/// Splits a cell that holds a label and its value (`实施单位 阳泉师范高等专科学校`,
/// `填报日期：20250122150111`) into the field and the byte offset where the value starts.
pub fn split_label_value(cell: &str) -> Option<(Field, usize)> {
    let first = cell.chars().find(|c| !is_space(*c))?;
    if !header_first_chars().has(first) {
        return None;
    }
    // A label matches only from the cell's first character (a leading space matches none).
    for &(spelling, field) in header_labels_starting(first) {
        if let Some(end) = match_prefix_skipping_spaces(cell, spelling) {
            let rest = &cell[end..];
            let after_sep = rest.trim_start_matches(|c: char| is_space(c) || c == '：' || c == ':');
            // The label must be followed by a separator, not run on into a word.
            if after_sep.len() < rest.len() && !after_sep.is_empty() {
                return Some((field, cell.len() - after_sep.len()));
            }
        }
    }
    None
}

/// The header labels that start with `first`, in [`HEADER_LABELS`]' order (a label listed
/// before another that it starts wins). [`split_label_value`] is asked of a header's cells
/// that are not labels on their own, some sixteen a form, and each asked every label in turn
/// whether it starts with the cell's first character.
fn header_labels_starting(first: char) -> &'static [(&'static str, Field)] {
    static BY_FIRST: OnceLock<QuickMap<char, Vec<(&'static str, Field)>>> = OnceLock::new();
    BY_FIRST
        .get_or_init(|| {
            let mut map: QuickMap<char, Vec<(&'static str, Field)>> = QuickMap::default();
            for &(spelling, field) in HEADER_LABELS {
                if let Some(c) = spelling.chars().next() {
                    map.entry(c).or_default().push((spelling, field));
                }
            }
            map
        })
        .get(&first)
        .map_or(&[], Vec::as_slice)
}

/// The character a label starts with once [`normalize`] has removed spaces and marks.
fn label_start(cell: &str) -> Option<char> {
    // Asked of nearly every cell, which a reader has trimmed: its first byte settles it
    // (`★` and `＊` start with bytes that may start a space, so they take the long way).
    match *cell.as_bytes() {
        // A Chinese character (three bytes), decoded in place: a `str` is valid UTF-8, so
        // these bytes are one character's.
        [a @ 0xe4..=0xe9, b, c, ..] => char::from_u32(
            (u32::from(a & 0x0f) << 12) | (u32::from(b & 0x3f) << 6) | u32::from(c & 0x3f),
        ),
        [b, ..] if cells::surely_not_space(b) && b != b'*' => cell.chars().next(),
        _ => cell
            .chars()
            .find(|&c| !is_space(c) && !matches!(c, '*' | '★' | '＊')),
    }
}

/// The characters some header label starts with.
fn header_first_chars() -> &'static FirstChars {
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    FIRST.get_or_init(|| FirstChars::of(HEADER_LABELS.iter().map(|&(s, _)| s)))
}

/// The characters the spellings of `fields` start with.
fn first_chars_of(fields: &[Field]) -> FirstChars {
    FirstChars::of(
        HEADER_LABELS
            .iter()
            .filter(|(_, f)| fields.contains(f))
            .map(|&(s, _)| s),
    )
}

/// Whether [`header_field`] may read `cell` as [`Field::FundsBlock`]: false settles that it
/// does not. The funds block asks it of every cell it reads, and nearly all are its own labels
/// and amounts; looked up in full, each label missed the vocabulary and was normalised.
pub fn may_be_funds_block(cell: &str) -> bool {
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    FIRST
        .get_or_init(|| first_chars_of(&[Field::FundsBlock]))
        .starts(cell)
}

/// Whether [`header_field`] or [`split_label_value`] may read `cell` as the sign-off's
/// 负责人 or 经办人: false settles that neither does. A grid ends at them, and the reader asks
/// of every grid line's first cell, which is nearly always a label of the grid or a name.
pub fn may_be_principal_or_handler(cell: &str) -> bool {
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    FIRST
        .get_or_init(|| first_chars_of(&[Field::Principal, Field::Handler]))
        .starts(cell)
}

/// The characters a set of labels starts with (some forty), asked of nearly every cell's
/// first character, which is rarely one of them. A binary search of them cost some 45
/// instructions a cell; a bit per character's low twelve bits turns most cells away at once,
/// and a set bit is confirmed in the sorted list (characters 4,096 apart share a bit).
struct FirstChars {
    bits: [u64; 64],
    sorted: Vec<char>,
}

impl FirstChars {
    fn of<'a>(labels: impl Iterator<Item = &'a str>) -> FirstChars {
        let mut sorted: Vec<char> = labels.filter_map(|l| l.chars().next()).collect();
        sorted.sort_unstable();
        sorted.dedup();
        let mut bits = [0u64; 64];
        for &c in &sorted {
            let (word, bit) = Self::place(c);
            bits[word] |= bit;
        }
        FirstChars { bits, sorted }
    }

    fn place(c: char) -> (usize, u64) {
        let low = c as usize & 0xfff;
        (low >> 6, 1 << (low & 63))
    }

    #[inline]
    fn has(&self, c: char) -> bool {
        let (word, bit) = Self::place(c);
        self.bits[word] & bit != 0 && self.sorted.binary_search(&c).is_ok()
    }

    /// Whether `cell`, once normalised, may start with one of the labels ([`label_start`]).
    #[inline]
    fn starts(&self, cell: &str) -> bool {
        label_start(cell).is_some_and(|c| self.has(c))
    }
}

/// If `cell` starts with `label` (spaces in the cell ignored), the byte offset after it.
pub fn match_prefix_skipping_spaces(cell: &str, label: &str) -> Option<usize> {
    let mut want = label.chars().peekable();
    for (i, c) in cell.char_indices() {
        match want.peek() {
            None => return Some(i),
            Some(&w) if w == c => {
                want.next();
            }
            Some(_) if is_space(c) && i > 0 => {}
            Some(_) => return None,
        }
    }
    want.peek().is_none().then_some(cell.len())
}

/// `项目资金（元）` → the unit the funds block declares.
pub fn funds_block_unit(label: &str) -> MoneyUnit {
    // Normalising adds no `万`: a label without one (most say `（元）`) is not read in full.
    if label.contains('万') && normalize(label).contains("万元") {
        MoneyUnit::WanYuan
    } else {
        MoneyUnit::Yuan
    }
}

fn strip_unit_suffix(label: &str) -> &str {
    // `项目资金（元）`, `项目资金(万元)`: the unit is read separately. (The start is checked
    // first: every label passes through here, and few are funds.)
    if !(label.starts_with("项目资金") || label.starts_with("资金")) {
        return label;
    }
    for open in ['（', '('] {
        if let Some(i) = label.find(open) {
            return &label[..i];
        }
    }
    label
}

/// The funds row a printed label names (`其中：中央财政资金`, `市县（区）财政资`).
pub fn funds_row(cell: &str) -> Option<FundsRow> {
    // Half the cells of a funds block are amounts: their first character settles them before
    // they are normalised. A label may follow `其中` and a colon.
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    let first = FIRST.get_or_init(|| {
        let prefixes = ["其中", "：", ":"];
        FirstChars::of(FUNDS_LABELS.iter().map(|(l, _)| *l).chain(prefixes))
    });
    if !first.starts(cell) {
        return None;
    }
    // A label printed in full as listed (`省级财政资金`) is found without normalising it: the
    // map holds what [`funds_label`] reads each listed spelling as.
    static EXACT: OnceLock<QuickMap<&'static str, Option<FundsRow>>> = OnceLock::new();
    let exact = EXACT.get_or_init(|| {
        FUNDS_LABELS
            .iter()
            .map(|&(label, _)| (label, funds_label(label)))
            .collect()
    });
    if let Some(&row) = exact.get(cell) {
        return row;
    }
    // Most of the rest are listed labels printed after `其中：` or before a colon
    // (`其中：中央财政资金`, `年度资金总额：`): four in five of the cells normalised were.
    let bare = ["其中：", "其中:"]
        .iter()
        .find_map(|p| cell.strip_prefix(p))
        .unwrap_or(cell);
    let bare = before_colon(bare).unwrap_or(bare);
    if let Some(&row) = exact.get(bare) {
        return row;
    }
    funds_label(cell)
}

/// [`funds_row`] without its quick tests (first character, spelling as printed): the label
/// read in full.
fn funds_label(cell: &str) -> Option<FundsRow> {
    let n = normalize(cell);
    // `strip_prefix` in a loop, not `trim_start_matches("其中")`: that builds a substring
    // searcher on every call, and this is asked of every label cell of a funds block.
    let mut n: &str = &n;
    while let Some(rest) = n.strip_prefix("其中") {
        n = rest;
    }
    let n = n.trim_start_matches(['：', ':']);
    if n.chars().count() < 3 {
        return None;
    }
    // Most labels differ from the cell in their first character: compared first, before the
    // bytes (this is asked of every label cell of every funds block).
    let first = n.chars().next();
    FUNDS_LABELS
        .iter()
        .find(|(full, _)| full.chars().next() == first && full.starts_with(n))
        .map(|&(_, row)| row)
}

/// Whether a funds label names the 年度 column's total (which marks where that column starts).
pub fn is_annual_total(cell: &str) -> bool {
    // Asked of every cell of the funds block's first line, most of them other labels and
    // amounts: the character the normalised cell starts with ([`label_start`]) turns them
    // away before the cell is normalised.
    if label_start(cell) != Some('年') {
        return false;
    }
    let n = normalize(cell);
    ANNUAL_TOTALS.iter().any(|p| n.starts_with(p))
}

/// What the 年度 column's total is printed as, at the start of its label.
const ANNUAL_TOTALS: [&str; 3] = ["年度资金总额", "年度预算", "年度本级预算"];

/// What a grid token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridLabel {
    Level1(&'static str),
    Level2(&'static str),
}

/// Classifies a grid cell as a 一级 or 二级 label. `成本指标` is read as the 二级 label; the
/// reader promotes it to 一级 when 经济成本指标 and friends sit under it.
pub fn grid_label(cell: &str) -> Option<GridLabel> {
    // Most grid cells are names and values; their first character settles it.
    if !grid_first_chars().starts(cell) {
        return None;
    }
    // A label printed as one of its spellings (most are) is found without normalising it: a
    // test holds every spelling to what normalising gives, and to the size of a label, which
    // is checked only of the cells not found.
    if cell.len() <= LABEL_BYTES_MAX {
        if let Some(&label) = grid_labels().get(cell) {
            return long_enough(cell).then_some(label);
        }
    }
    if !label_sized(cell, 20) {
        return None;
    }
    grid_label_normalised(cell)
}

/// A cell of a column the grid's header names 一级指标 or 二级指标: a label there may be printed
/// short (`产出`, `数量`, `满意度`), which [`grid_label`] reads as a name where it cannot tell
/// the column.
pub fn grid_label_in_column(cell: &str) -> Option<GridLabel> {
    grid_label(cell).or_else(|| {
        let n = normalize(cell);
        grid_labels().get(n.as_ref()).copied()
    })
}

/// Four characters at least: a shorter cell (`数量`, `满意度`) is a name, not a cut-off label.
fn long_enough(label: &str) -> bool {
    label.chars().nth(3).is_some()
}

/// [`grid_label`] for a cell that is not a spelling as it stands.
fn grid_label_normalised(cell: &str) -> Option<GridLabel> {
    let n = normalize(cell);
    if !long_enough(&n) {
        return None;
    }
    grid_labels().get(n.as_ref()).copied()
}

/// Every way a grid label is printed, to the label it is: each 二级 spelling, its cut-off
/// prefixes of at least four characters and the spelling without `指标`, then the 一级 labels
/// with and without `指标`. A printed form two labels share belongs to the one listed first.
/// Every short cell of a grid is looked up, so the vocabulary is searched once, here.
fn grid_labels() -> &'static QuickMap<String, GridLabel> {
    static MAP: OnceLock<QuickMap<String, GridLabel>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = QuickMap::default();
        for &(canonical, _, spellings) in LEVEL2 {
            for s in spellings.iter() {
                for (at, c) in s.char_indices().skip(3) {
                    map.entry(s[..at + c.len_utf8()].to_owned())
                        .or_insert(GridLabel::Level2(canonical));
                }
                map.entry(s.trim_end_matches("指标").to_owned())
                    .or_insert(GridLabel::Level2(canonical));
            }
        }
        for &l1 in LEVEL1.iter().chain(NON_TEMPLATE_LEVEL1) {
            map.entry(l1.to_owned()).or_insert(GridLabel::Level1(l1));
            map.entry(l1.trim_end_matches("指标").to_owned())
                .or_insert(GridLabel::Level1(l1));
        }
        map
    })
}

/// The characters some printed grid label starts with.
fn grid_first_chars() -> &'static FirstChars {
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    FIRST.get_or_init(|| FirstChars::of(grid_labels().keys().map(String::as_str)))
}

/// The 一级 parent of a canonical 二级 label.
pub fn parent_of(level2: &str) -> Option<&'static str> {
    LEVEL2
        .iter()
        .find(|(c, _, _)| *c == level2)
        .map(|&(_, p, _)| p)
}

/// Grid header cells that name columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Level1,
    Level2,
    Level3,
    Value,
    /// Columns some issuers add: 绩效标准, 计量单位, 指标性质/计算符号, 权重, ...
    Extra,
}

pub static GRID_COLUMNS: &[(&str, Column)] = &[
    ("一级指标", Column::Level1),
    ("二级指标", Column::Level2),
    ("三级指标", Column::Level3),
    ("指标值", Column::Value),
    ("指标值及单位", Column::Value),
    ("目标值", Column::Value),
    ("预期值", Column::Value),
    ("年度指标值", Column::Value),
    ("实施期指标值", Column::Value),
    ("中期指标值", Column::Value),
    ("绩效标准", Column::Extra),
    ("计量单位", Column::Extra),
    ("度量单位", Column::Extra),
    ("指标性质", Column::Extra),
    ("计算符号", Column::Extra),
    ("指标值类型", Column::Extra),
    ("权重", Column::Extra),
    ("备注", Column::Extra),
    ("分值", Column::Extra),
    ("指标解释", Column::Extra),
    ("评（扣）分标准", Column::Extra),
    ("评(扣)分标准", Column::Extra),
];

pub fn grid_column(cell: &str) -> Option<Column> {
    // Asked of the cells of every header-like line; the first character turns most away.
    static FIRST: OnceLock<FirstChars> = OnceLock::new();
    let first = FIRST.get_or_init(|| FirstChars::of(GRID_COLUMNS.iter().map(|&(s, _)| s)));
    if !first.starts(cell) || !label_sized(cell, 16) {
        return None;
    }
    // Header lines print most columns as they are spelled here (`一级指标`, `指标值`): found
    // without normalising the cell (every spelling is its own normal form, or normalises to
    // one of the same column).
    let find = |label: &str| {
        GRID_COLUMNS
            .iter()
            .find(|(s, _)| *s == label)
            .map(|&(_, c)| c)
    };
    find(cell).or_else(|| find(&normalize(cell)))
}

/// A grid column's header label (normalised), to be shared by every row of the grid. The
/// labels of [`GRID_COLUMNS`] are allocated once for the run: each grid allocating its own
/// made three blocks a form, 30,000 in a 10 MB file of short forms with extra columns.
pub fn column_label(normalised: &str) -> std::sync::Arc<str> {
    static KNOWN: OnceLock<Vec<std::sync::Arc<str>>> = OnceLock::new();
    let known = KNOWN.get_or_init(|| GRID_COLUMNS.iter().map(|&(s, _)| s.into()).collect());
    known
        .iter()
        .find(|k| ***k == *normalised)
        .cloned()
        .unwrap_or_else(|| normalised.into())
}

/// Whether the whole line is a watermark or scanner stamp.
pub fn is_noise(cell: &str) -> bool {
    if !ends_like_noise(cell) {
        return false;
    }
    let n = normalize(cell);
    NOISE.contains(&n.as_ref())
}

/// Whether `cell` ends as every [`NOISE`] line does once normalised (spaces and trailing
/// colons gone): with 核 or 王. Asked of the first cell of every line, so it looks at the
/// cell's last characters only. A search of the whole cell for 审核 or 扫描 stopped at nearly
/// every character (their first bytes, E5 and E6, start most Chinese characters): 7.3 million
/// instructions over 1,000 forms. And most cells end with neither a space nor a colon: their
/// last character alone settles them, without the search that trims the end (some fifty
/// instructions a line).
fn ends_like_noise(cell: &str) -> bool {
    let trimmed = |c: char| is_space(c) || c == '：' || c == ':';
    match cell.chars().next_back() {
        Some('核' | '王') => true,
        Some(c) if trimmed(c) => {
            let end = cell.trim_end_matches(trimmed);
            end.ends_with('核') || end.ends_with('王')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The labels found by their first character are the labels that start with it, in the
    /// order listed, for every character a label starts with and for characters none does.
    #[test]
    fn header_labels_by_first_character_are_the_listed_ones_in_order() {
        let firsts = HEADER_LABELS
            .iter()
            .filter_map(|(s, _)| s.chars().next())
            .chain(['数', 'a', '：', ' ']);
        for c in firsts {
            let listed: Vec<(&str, Field)> = HEADER_LABELS
                .iter()
                .filter(|(s, _)| s.starts_with(c))
                .copied()
                .collect();
            assert_eq!(header_labels_starting(c), listed.as_slice(), "{c}");
        }
    }

    /// The cells that name a column of 总体目标, however the period is spelled or bracketed,
    /// and none that is a goal.
    #[test]
    fn goal_columns_are_named_not_written() {
        for (cell, annual) in [
            ("实施期目标", Some(false)),
            ("中期目标（2025—2027年）", Some(false)),
            ("中期目标(2025-2027年)", Some(false)),
            ("中长期目标：", Some(false)),
            ("年度目标", Some(true)),
            (" 年度目标 ", Some(true)),
            ("完成年度目标", None),
            ("年度目标（2025年度）", Some(true)),
            ("年度目标（完成4所学校）", None),
            ("中期目标是完成维修", None),
            ("中期目标（", None),
            ("中长期目标（2025年度—2027年度）　", Some(false)),
        ] {
            assert_eq!(goal_column(cell), annual, "{cell}");
        }
    }

    /// A character is among a set's first characters exactly when the set's list has it,
    /// for every character of the Basic Multilingual Plane and some beyond.
    #[test]
    fn first_characters_are_found_by_their_bit_and_the_list() {
        let labels = [
            "项目名称",
            "主管部门",
            "数量指标",
            "a",
            "其中",
            "：",
            "𠀀字",
        ];
        let first = FirstChars::of(labels.into_iter());
        let listed: Vec<char> = labels.iter().filter_map(|l| l.chars().next()).collect();
        for c in (0..0x2_0100).filter_map(char::from_u32) {
            assert_eq!(first.has(c), listed.contains(&c), "{c:?}");
        }
    }

    proptest::proptest! {
        /// The look at a cell's end turns away only cells that are not noise: `is_noise` is
        /// the normalised cell found among the watermark's spellings.
        #[test]
        fn noise_is_what_normalising_finds(
            text in "[ 　★*]{0,2}(仅 ?供)?[内部审核扫描全能王CS名称 　a1，]{0,8}[：: ]{0,2}",
        ) {
            let normalised = NOISE.contains(&normalize(&text).as_ref());
            proptest::prop_assert_eq!(is_noise(&text), normalised);
        }

        /// The look at a cell's first bytes gives the character a full search for the first
        /// one that is neither a space nor a mark does (Chinese characters from both ends of
        /// the range decoded in place, and characters of two and four bytes among them).
        #[test]
        fn a_label_starts_where_the_search_says(
            text in "[ \t\u{a0}\u{2000}\u{2010}\u{3000}\u{3001}★☆*＊（a1项一龥产满é𠀀]{0,5}",
        ) {
            let searched = text.chars().find(|&c| !is_space(c) && !matches!(c, '*' | '★' | '＊'));
            proptest::prop_assert_eq!(label_start(&text), searched);
        }

        /// Normalising by bytes (one pass to see whether there is anything to change, the
        /// marks and colons trimmed by the first and last bytes) gives what normalising
        /// character by character gives.
        #[test]
        fn normalising_is_what_its_definition_says(
            text in "[ \t\u{a0}\u{2000}\u{2010}\u{3000}★☆*＊：:()（）a1项金指]{0,8}",
        ) {
            let spaced: String = text
                .chars()
                .filter(|&c| !is_space(c))
                .map(|c| match c {
                    '(' => '（',
                    ')' => '）',
                    c => c,
                })
                .collect();
            let defined = spaced
                .trim_start_matches(['*', '★', '＊'])
                .trim_end_matches(['：', ':']);
            let normalised = normalize(&text);
            proptest::prop_assert_eq!(normalised.as_ref(), defined);
        }
    }

    /// A grid column printed as it is spelled is found without normalising it, and reads as
    /// the normalised reading does, also before a colon and with ASCII brackets.
    #[test]
    fn grid_columns_as_printed_read_as_normalised() {
        let normalised = |cell: &str| {
            let n = normalize(cell);
            GRID_COLUMNS.iter().find(|(s, _)| *s == n).map(|&(_, c)| c)
        };
        for &(spelling, column) in GRID_COLUMNS {
            for printed in [
                spelling.to_owned(),
                format!("{spelling}："),
                format!("*{spelling}"),
                spelling.replace('（', "(").replace('）', ")"),
            ] {
                assert_eq!(grid_column(&printed), Some(column), "{printed}");
                assert_eq!(grid_column(&printed), normalised(&printed), "{printed}");
            }
        }
        assert_eq!(grid_column("指标 值"), Some(Column::Value));
        assert_eq!(grid_column("指标名称"), None);
    }

    /// Two grids printing 计量单位 share one label; a header of the issuer's own is kept as
    /// printed.
    #[test]
    fn known_column_labels_are_shared() {
        let (a, b) = (column_label("计量单位"), column_label("计量单位"));
        assert!(std::sync::Arc::ptr_eq(&a, &b));
        assert_eq!(&*a, "计量单位");
        let own = column_label("备注说明");
        assert_eq!(&*own, "备注说明");
    }

    #[test]
    fn watermarks_are_noise_however_spaced() {
        for cell in [
            "仅供内部审核",
            " 仅 供 内 部 审 核 ",
            "内部审核：",
            "★CS扫描全能王 :",
            "扫描全能王",
        ] {
            assert!(is_noise(cell), "{cell}");
        }
        for cell in ["内部审核意见", "审核", "全能王牌", "项目名称"] {
            assert!(!is_noise(cell), "{cell}");
        }
    }

    #[test]
    fn grid_columns_survive_spacing_and_marks() {
        for &(spelling, column) in GRID_COLUMNS {
            let spaced: String = spelling.chars().flat_map(|c| [c, ' ']).collect();
            for cell in [format!("★ {spelling}："), format!(" *　{spelling}"), spaced] {
                assert_eq!(grid_column(&cell), Some(column), "{cell}");
            }
        }
        assert_eq!(grid_column("指标值1"), None);
        assert_eq!(grid_column("项目名称"), None);
    }

    #[test]
    fn non_template_level1_survives_spacing_and_marks() {
        for cell in ["其他指标", " ★其 他 指 标：", "＊其他指标"] {
            assert!(is_non_template_level1(cell), "{cell}");
        }
        for cell in ["其他", "其他指标值", "产出指标", ""] {
            assert!(!is_non_template_level1(cell), "{cell}");
        }
    }

    #[test]
    fn the_annual_total_and_the_unit_are_read_as_normalised() {
        for total in ANNUAL_TOTALS {
            assert_eq!(
                total.chars().next(),
                Some('年'),
                "the quick test's character"
            );
            for cell in [
                total.to_string(),
                format!("★ {total}："),
                format!(" *　{total}（元）"),
                format!("年 度{}", &total["年度".len()..]),
            ] {
                assert!(is_annual_total(&cell), "{cell}");
            }
        }
        for cell in [
            "实施期资金总额：",
            "2,400,000",
            "年度目标",
            "",
            "中央财政资金",
        ] {
            assert!(!is_annual_total(cell), "{cell}");
        }
        assert_eq!(funds_block_unit("项目资金（万元）"), MoneyUnit::WanYuan);
        assert_eq!(funds_block_unit("项目资金 ( 万 元 )"), MoneyUnit::WanYuan);
        assert_eq!(funds_block_unit("项目资金（元）"), MoneyUnit::Yuan);
        assert_eq!(funds_block_unit("项目资金（万）"), MoneyUnit::Yuan);
    }

    #[test]
    fn header_labels_survive_spacing_and_colons() {
        assert_eq!(header_field("项目资金 (元)"), Some(Field::FundsBlock));
        assert_eq!(header_field("项目资金（万元）"), Some(Field::FundsBlock));
        assert_eq!(header_field("绩效 指 标"), Some(Field::GridHeader));
        assert_eq!(header_field("联系电话:"), Some(Field::Phone));
        assert_eq!(header_field("项目日期"), Some(Field::Period));
        assert_eq!(header_field("项目名称以外"), None);
        assert_eq!(funds_block_unit("项目资金（万元）"), MoneyUnit::WanYuan);
        // Every spelling, behind the marks and spaces a first-character check must look past.
        for &(spelling, field) in HEADER_LABELS {
            for cell in [format!("★ {spelling}："), format!(" *　{spelling}")] {
                assert_eq!(header_field(&cell), Some(field), "{cell}");
            }
        }
        assert_eq!(header_field("数量指标"), None);
        // Every spelling is sized as a label, so finding one before sizing it finds only
        // what sizing first found; and so is every printed grid label.
        for &(spelling, _) in HEADER_LABELS {
            let before_colon = format!("{spelling}：");
            assert!(label_sized(&before_colon, 24), "{spelling}");
            assert!(before_colon.len() <= LABEL_BYTES_MAX, "{spelling}");
        }
        for printed in grid_labels().keys() {
            assert!(label_sized(printed, 20), "{printed}");
            assert!(printed.len() <= LABEL_BYTES_MAX, "{printed}");
        }
        // A spelling found as it stands is what normalising it finds.
        for &(spelling, _) in HEADER_LABELS {
            assert_eq!(
                header_fields().get(spelling).copied(),
                header_field_normalised(spelling),
                "{spelling}"
            );
        }
    }

    #[test]
    fn label_and_value_sharing_a_cell() {
        let cell = "实施单位 阳泉师范高等专科学校";
        let (f, at) = split_label_value(cell).unwrap();
        assert_eq!(
            (f, &cell[at..]),
            (Field::ImplementingUnit, "阳泉师范高等专科学校")
        );
        let cell = "填报日期：20250122150111";
        let (f, at) = split_label_value(cell).unwrap();
        assert_eq!((f, &cell[at..]), (Field::Date, "20250122150111"));
        assert_eq!(
            split_label_value("项目名称"),
            None,
            "a bare label has no value"
        );
    }

    /// A header label's spelling before a colon is looked up as printed, and reads as the
    /// normalising reading reads it.
    #[test]
    fn header_labels_before_a_colon_read_as_normalised() {
        for &(spelling, _) in HEADER_LABELS {
            for after in ["：", ":"] {
                let printed = format!("{spelling}{after}");
                let read = header_field(&printed);
                assert_eq!(read, header_field_normalised(&printed), "{printed}");
                assert!(read.is_some(), "{printed}");
            }
        }
    }

    /// A cell that needs normalising reads the same remembered as normalised afresh: asked
    /// twice, and again after the memory has been filled past its bound and emptied.
    #[test]
    fn header_lookups_remembered_read_as_normalised() {
        let mut cells: Vec<String> = Vec::new();
        for &(spelling, _) in HEADER_LABELS {
            cells.push(format!("{spelling}（元）"));
            cells.push(format!(" {spelling}"));
            cells.push(spelling.chars().flat_map(|c| [c, ' ']).collect());
        }
        cells.extend(
            [
                "单位自筹",
                "年度资金总额：",
                "项目资金 （元）",
                "保障学校正常运转",
            ]
            .map(String::from),
        );
        let fields = |cells: &[String]| -> Vec<Option<Field>> {
            cells.iter().map(|c| header_field(c)).collect()
        };
        let fresh: Vec<Option<Field>> = cells
            .iter()
            .map(|c| {
                label_sized(c, 24)
                    .then(|| header_field_normalised(c))
                    .flatten()
            })
            .collect();
        assert!(fresh.iter().filter(|f| f.is_some()).count() > HEADER_LABELS.len());
        assert_eq!(fields(&cells), fresh, "first asked");
        assert_eq!(fields(&cells), fresh, "remembered");
        for i in 0..=NORMALISED_KEPT {
            header_field(&format!(
                "项目{}",
                char::from_u32(0x4e00 + i as u32).unwrap()
            ));
        }
        assert_eq!(fields(&cells), fresh, "after the memory was emptied");
    }

    /// A listed label after `其中：` or before a colon is looked up as printed, and reads as the
    /// whole normalising reading reads it.
    #[test]
    fn funds_labels_with_a_prefix_or_a_colon_read_as_normalised() {
        for &(label, _) in FUNDS_LABELS {
            for before in ["", "其中：", "其中:"] {
                for after in ["", "：", ":"] {
                    let printed = format!("{before}{label}{after}");
                    assert_eq!(funds_row(&printed), funds_label(&printed), "{printed}");
                    assert!(funds_row(&printed).is_some(), "{printed}");
                }
            }
        }
    }

    #[test]
    fn funds_labels_match_cut_and_variant_spellings() {
        assert_eq!(
            funds_row("其中：中央财政资金"),
            Some(FundsRow::Source(Source::Central))
        );
        assert_eq!(
            funds_row("市县（区）财政资 金"),
            Some(FundsRow::Source(Source::Local))
        );
        assert_eq!(
            funds_row("市县（区）财政资"),
            Some(FundsRow::Source(Source::Local))
        );
        assert_eq!(
            funds_row("市级（区）财政资金"),
            Some(FundsRow::Source(Source::Local))
        );
        assert_eq!(
            funds_row("市县(区)财政资金"),
            Some(FundsRow::Source(Source::Local)),
            "ASCII parentheses, line 1083"
        );
        assert_eq!(
            funds_row("单位自"),
            Some(FundsRow::Source(Source::SelfRaised))
        );
        assert_eq!(
            funds_row("其中：财政拨款"),
            Some(FundsRow::Source(Source::Fiscal))
        );
        assert_eq!(
            funds_row("财政拨款资金"),
            Some(FundsRow::Source(Source::Fiscal))
        );
        assert_eq!(funds_row("实施期资金总额："), Some(FundsRow::Total));
        assert_eq!(funds_row("金"), None);
        assert_eq!(funds_row("筹金"), None);
        // The budget management system's sources, full, short and after 其中.
        for (cell, source) in [
            ("一般公共预算", Source::General),
            ("其中：一般公共预算拨款", Source::General),
            ("政府性基金", Source::GovernmentFund),
            ("政府性基金拨款", Source::GovernmentFund),
            ("政府性基金预算资金", Source::GovernmentFund),
            ("国有资本经营预算", Source::StateCapital),
            ("财政专户管理资金", Source::SpecialAccount),
            ("单位资金", Source::SelfRaised),
            ("上年结转", Source::Carryover),
            ("当年财政拨款", Source::Fiscal),
        ] {
            assert_eq!(funds_row(cell), Some(FundsRow::Source(source)), "{cell}");
        }
        // Two characters are too few to tell a source (单位 is 单位自筹 or 单位资金).
        assert_eq!(funds_row("单位"), None);
        assert_eq!(funds_row("上年"), None);
    }

    proptest::proptest! {
        /// The first-character test of `funds_row` turns away only cells that reading the
        /// label in full turns away too.
        #[test]
        fn funds_rows_are_read_as_before(
            t in "[ \u{3000}*★：:其中市县（）()区级财政资金单位自筹实施期年度总额他省央一般公共预算上结转12.0]{0,12}"
        ) {
            proptest::prop_assert_eq!(funds_row(&t), funds_label(&t));
        }

        /// The quick tests of the funds block's first line read what normalising reads.
        #[test]
        fn annual_totals_and_units_are_read_as_before(
            before in "[ \u{3000}*★＊(]{0,3}",
            label in proptest::sample::select(vec![
                "年度资金总额", "年 度预算", "年度本级预算", "年度目标", "实施期资金总额",
                "项目资金", "", "年", "万元",
            ]),
            after in "[ \u{3000}：:（）()万元12]{0,6}",
        ) {
            let t = format!("{before}{label}{after}");
            let n = normalize(&t);
            let total = ANNUAL_TOTALS.iter().any(|p| n.starts_with(p));
            proptest::prop_assert_eq!(is_annual_total(&t), total);
            let unit = if n.contains("万元") { MoneyUnit::WanYuan } else { MoneyUnit::Yuan };
            proptest::prop_assert_eq!(funds_block_unit(&t), unit);
        }

        /// The quick tests for `项目资金` and the sign-off's labels turn away only cells that
        /// the full lookups do not read as those fields.
        #[test]
        fn quick_field_tests_turn_away_only_other_fields(
            t in "[ \u{3000}*★＊：:项目资金负责人经办填报日期（）()元万 张三]{0,12}"
        ) {
            let read = header_field(&t).or_else(|| split_label_value(&t).map(|(f, _)| f));
            if header_field(&t) == Some(Field::FundsBlock) {
                proptest::prop_assert!(may_be_funds_block(&t));
            }
            if matches!(read, Some(Field::Principal | Field::Handler)) {
                proptest::prop_assert!(may_be_principal_or_handler(&t));
            }
        }
    }

    #[test]
    fn quick_field_tests_pass_every_spelling_of_their_fields() {
        for &(spelling, field) in HEADER_LABELS {
            let cells = [
                spelling.to_string(),
                format!("★ {spelling}："),
                format!(" *　{spelling}"),
                format!("{spelling}（元）"),
                format!("{spelling}：张三"),
                format!("＊{spelling} 13203535095"),
            ];
            for cell in &cells {
                let read = header_field(cell).or_else(|| split_label_value(cell).map(|(f, _)| f));
                if read == Some(Field::FundsBlock) || field == Field::FundsBlock {
                    assert!(may_be_funds_block(cell), "{cell}");
                }
                if matches!(read, Some(Field::Principal | Field::Handler)) {
                    assert!(may_be_principal_or_handler(cell), "{cell}");
                }
            }
        }
        // What they are for: the cells they turn away.
        for cell in [
            "中央财政资金",
            "其中：省级财政资金",
            "1,200,000",
            "产出指标",
            "",
            "数量指标",
        ] {
            assert!(!may_be_funds_block(cell), "{cell}");
            assert!(!may_be_principal_or_handler(cell), "{cell}");
        }
        // Nor is a cell of another field with another first character; but `项目资金` passes
        // the sign-off's test, since `项目负责人` starts as it does: only the full lookup
        // tells them apart.
        assert!(!may_be_principal_or_handler("联系电话"));
        assert!(may_be_principal_or_handler("项目资金"));
        assert!(!may_be_funds_block("负责人"));
    }

    #[test]
    fn funds_rows_of_every_cell_of_the_disclosure_are_read_as_before() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        );
        let text = std::fs::read_to_string(path).expect("the disclosure is in the repository");
        let mut labels = 0;
        for cell in text.lines().flat_map(|l| l.split('\t')) {
            assert_eq!(funds_row(cell), funds_label(cell), "{cell}");
            labels += usize::from(funds_row(cell).is_some());
        }
        assert!(labels > 2000, "{labels}");
    }

    #[test]
    fn grid_labels_match_cut_spellings() {
        use GridLabel::*;
        assert_eq!(grid_label("服务对象满"), Some(Level2("服务对象满意度指标")));
        assert_eq!(
            grid_label("服务对象满意度指"),
            Some(Level2("服务对象满意度指标"))
        );
        assert_eq!(grid_label("可持续影响"), Some(Level2("可持续影响指标")));
        assert_eq!(grid_label("可持续性影响"), Some(Level2("可持续影响指标")));
        assert_eq!(grid_label("经济效益"), Some(Level2("经济效益指标")));
        assert_eq!(grid_label("成本指标"), Some(Level2("成本指标")));
        assert_eq!(grid_label("满意度指标"), Some(Level1("满意度指标")));
        assert_eq!(grid_label("产出指标"), Some(Level1("产出指标")));
        assert_eq!(grid_label("惠及学生数"), None);
        assert_eq!(grid_label("数量"), None, "too short to be sure");
        assert_eq!(grid_label("满意度"), None, "too short to be sure");
        // A printed form found as it stands is what normalising it finds.
        for printed in grid_labels().keys() {
            assert_eq!(
                grid_label(printed),
                grid_label_normalised(printed),
                "{printed}"
            );
        }
        // Every printed form long enough to be sure of, behind the marks and spaces the
        // first-character check looks past.
        for (printed, &label) in grid_labels().iter().filter(|(p, _)| p.chars().count() >= 4) {
            assert_eq!(
                grid_label(&format!("＊ {printed}")),
                Some(label),
                "{printed}"
            );
        }
    }
}
