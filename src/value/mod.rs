//! Indicator values (指标值): text to typed values.
//!
//! Parsing never fails: every cell becomes a [`Value`], and a cell that is not a well-formed
//! value becomes [`Kind::Text`] (qualitative wording), [`Kind::Placeholder`] or
//! [`Kind::Invalid`] with the reason and the span of the offending characters. Spans are byte
//! ranges into the cell's own text; callers add the cell's offset. No IO.

mod classify;
mod normalize;
pub mod unit;

pub use classify::{fits, Fit};
pub use normalize::halfwidth;
pub use unit::{Money, Term, TimeUnit, Unit};

use crate::model::Span;
use normalize::{normalize, Normalized};
use pest::iterators::Pair;
use pest::Parser as _;
use regex::Regex;
use rust_decimal::Decimal;
use serde::Serialize;
use std::rc::Rc;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/value.pest"]
struct ValueParser;

/// A comparator as written (`≥`, `不低于`, `以上` all become [`Cmp::Ge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Cmp {
    #[serde(rename = "≥")]
    Ge,
    #[serde(rename = "≤")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "=")]
    Eq,
    #[serde(rename = "≈")]
    About,
}

impl Cmp {
    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Ge => "≥",
            Cmp::Le => "≤",
            Cmp::Gt => ">",
            Cmp::Lt => "<",
            Cmp::Eq => "=",
            Cmp::About => "≈",
        }
    }

    fn from_word(w: &str) -> Cmp {
        match w {
            ">=" | "≥" | "大于等于" | "不低于" | "不少于" | "不小于" | "达到" | "以上"
            | "及以上" => Cmp::Ge,
            "<=" | "≤" | "小于等于" | "不高于" | "不超过" | "不多于" | "不大于" | "控制在"
            | "以下" | "及以下" | "以内" | "之内" | "内" => Cmp::Le,
            ">" | "高于" | "大于" | "超过" | "多于" => Cmp::Gt,
            "<" | "低于" | "小于" | "少于" => Cmp::Lt,
            "≈" | "约" | "左右" => Cmp::About,
            _ => Cmp::Eq,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quantity {
    pub cmp: Option<Cmp>,
    pub amount: Decimal,
    /// The upper end of a range (`3-5次`).
    pub upper: Option<Decimal>,
    pub unit: Option<Unit>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Percent {
    pub cmp: Option<Cmp>,
    pub amount: Decimal,
    pub upper: Option<Decimal>,
    /// Written as a change (`提高10%`) rather than a level.
    pub change: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proportion {
    pub cmp: Option<Cmp>,
    /// The two sides of `1:13`.
    pub left: Decimal,
    pub right: Decimal,
}

/// What a deadline's date means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relation {
    /// `前`, `之前`, `底前`: by then.
    Before,
    /// `底`, `末`: at the end of the period.
    EndOf,
    /// `内`, `全年`, `年度`, or just the date: during.
    Within,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub year: Option<u16>,
    pub month: Option<u8>,
    pub day: Option<u8>,
    pub relation: Relation,
    /// `每年12月底前`: every year.
    pub recurring: bool,
    /// `当年10月前`: the budget year, not a named one.
    pub current_year: bool,
    /// The end of a range (`2025年1月-12月`): year, month.
    pub until: Option<(Option<u16>, Option<u8>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Frequency {
    pub cmp: Option<Cmp>,
    pub count: Decimal,
    pub per: TimeUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub label: Option<String>,
    pub value: Option<Value>,
    pub span: Span,
}

/// Why a value is not a well-formed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// `1000人/元/学期`: people per money.
    ReversedUnit,
    /// `1. 3204E+10`: a number mangled by a spreadsheet.
    SpreadsheetDamage,
    /// A number glued to words or otherwise not a value (`100保障`, `2025年01367`).
    Unrecognised,
}

impl Reason {
    pub fn message(self) -> &'static str {
        match self {
            Reason::ReversedUnit => "单位颠倒：数量在前、金额在后",
            Reason::SpreadsheetDamage => "数字被表格软件改成了科学计数法",
            Reason::Unrecognised => "含有数字，但不是可识别的指标值",
        }
    }
}

/// Facts about a value that are not fatal but that rules and fixes use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "note")]
pub enum Note {
    /// A percentage above 100.
    PercentOver100 { span: Span },
    /// `100百分比`, `提高10%`: a percent spelled oddly.
    OddPercent { span: Span },
    /// The last part of a list has a label and no value (`…，二档`).
    TruncatedList { span: Span },
    /// `元/生.年`: a unit spelled with `.` or `·` where `/` is meant.
    NonCanonicalUnit { span: Span, suggestion: String },
    /// `≥12次年`: a rate written without its `/`.
    MissingSlash { span: Span },
}

impl Note {
    fn span_mut(&mut self) -> &mut Span {
        match self {
            Note::PercentOver100 { span }
            | Note::OddPercent { span }
            | Note::TruncatedList { span }
            | Note::NonCanonicalUnit { span, .. }
            | Note::MissingSlash { span } => span,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Kind {
    Quantity(Quantity),
    Percent(Percent),
    Ratio {
        base: String,
        percent: Percent,
    },
    Deadline(Deadline),
    Frequency(Frequency),
    /// `1:13` (师生比): one number to another, neither an amount of anything.
    Proportion(Proportion),
    List {
        items: Vec<Item>,
    },
    /// Qualitative wording (`及时`, `有效提升`).
    Text,
    /// Template residue (`XX`, `**`, `……`).
    Placeholder {
        span: Span,
    },
    Invalid {
        reason: Reason,
        span: Span,
    },
}

impl Kind {
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Quantity(_) => "quantity",
            Kind::Percent(_) => "percent",
            Kind::Ratio { .. } => "ratio",
            Kind::Deadline(_) => "deadline",
            Kind::Frequency(_) => "frequency",
            Kind::Proportion(_) => "proportion",
            Kind::List { .. } => "list",
            Kind::Text => "text",
            Kind::Placeholder { .. } => "placeholder",
            Kind::Invalid { .. } => "invalid",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The cell text as written.
    pub text: String,
    /// Where the value sits in `text` (all of it for a whole cell).
    pub span: Span,
    #[serde(flatten)]
    pub kind: Kind,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Note>,
    /// Where the grammar found the comparator in `text`, if it is written in the cell.
    #[serde(skip)]
    cmp_at: Option<Span>,
    /// Where the grammar found the unit in `text`, if it is written in the cell in one piece.
    #[serde(skip)]
    unit_at: Option<Span>,
}

impl Value {
    /// The comparator, amount and unit of a quantity or percent, for display and rules.
    pub fn cmp(&self) -> Option<Cmp> {
        match &self.kind {
            Kind::Quantity(q) => q.cmp,
            Kind::Percent(p) | Kind::Ratio { percent: p, .. } => p.cmp,
            Kind::Frequency(f) => f.cmp,
            Kind::Proportion(p) => p.cmp,
            _ => None,
        }
    }

    pub fn amount(&self) -> Option<Decimal> {
        match &self.kind {
            Kind::Quantity(q) => Some(q.amount),
            Kind::Percent(p) | Kind::Ratio { percent: p, .. } => Some(p.amount),
            Kind::Frequency(f) => Some(f.count),
            _ => None,
        }
    }

    /// The canonical unit: `元/人/年`, `%`, `次/年`.
    pub fn unit(&self) -> Option<String> {
        match &self.kind {
            Kind::Quantity(q) => q.unit.as_ref().map(Unit::canonical),
            Kind::Percent(_) | Kind::Ratio { .. } => Some("%".to_owned()),
            Kind::Frequency(f) => Some(format!("次/{}", f.per.spelling())),
            _ => None,
        }
    }

    /// Where the comparator is written in the cell (`≥` of `≥650元/生/年`, `以上` of
    /// `90%以上`), for a finding about it to underline it alone. `None` when there is none,
    /// or it came from a column of its own ([`with_columns`]).
    pub fn cmp_span(&self) -> Option<Span> {
        self.cmp_at
    }

    /// Where a quantity's unit is written in the cell (`公里` of `≤3.4公里`), for a finding
    /// about the unit to underline it alone. `None` when there is none, the value is not a
    /// quantity, the unit came from a column or the name ([`with_columns`]), or it is written
    /// in pieces (`每生每年6000元`).
    pub fn unit_span(&self) -> Option<Span> {
        self.unit_at
    }

    /// Whether the text holds a digit (a value that looks numeric).
    pub fn looks_numeric(&self) -> bool {
        self.text
            .chars()
            .any(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    }
}

/// Values up to this long are remembered by the thousand.
const MEMO_TEXT_MAX: usize = 48;

/// How many distinct short values a thread remembers before it forgets them all. At 1,024
/// the memo was emptied every 700 forms of the generated corpus, and values seen again
/// after that were parsed again: 4,096 took 3.7% off a run of 10,000 forms (a memo never
/// emptied, 4.2%) for about half a megabyte more at the peak of thirty 10 MB files.
const MEMO_ENTRIES: usize = 4096;

/// Longer values, up to this long, are remembered by the few dozen: a list of tariffs
/// (`一等奖1000元/人，二等800元/人，…`) costs the grammar 100,000–400,000 instructions, and a
/// template's list repeats on every form it is copied into. Longer cells are parsed every time.
const LONG_TEXT_MAX: usize = 512;

/// How many distinct long values a thread remembers: some 100 KB at most.
const LONG_ENTRIES: usize = 64;

thread_local! {
    static MEMO: std::cell::RefCell<crate::model::QuickSet<Remembered>> =
        std::cell::RefCell::new(Default::default());
    static LONG_MEMO: std::cell::RefCell<crate::model::QuickSet<Remembered>> =
        std::cell::RefCell::new(Default::default());
}

/// A parsed value in the memo, found by its text ([`Value::text`], which is the text it was
/// parsed from): the text is not kept a second time as a key.
struct Remembered(Rc<Value>);

impl std::borrow::Borrow<str> for Remembered {
    fn borrow(&self) -> &str {
        &self.0.text
    }
}

impl std::hash::Hash for Remembered {
    /// As the text hashes, so that a lookup by `&str` finds it.
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.text.as_str().hash(state);
    }
}

impl PartialEq for Remembered {
    fn eq(&self, other: &Self) -> bool {
        self.0.text == other.0.text
    }
}

impl Eq for Remembered {}

/// [`parse`], remembered per thread. Indicator values repeat: the disclosure's 3,703 values
/// are 675 texts (`100%` alone is 421 of them), and a province's forms share far more. A value
/// depends on its text alone, so an answer once given is the answer; the memo is bounded
/// (short texts, a few thousand of them, and a few dozen long ones) so memory stays flat
/// however many forms pass.
pub fn parse_shared(text: &str) -> Rc<Value> {
    let (memo, entries) = if text.len() <= MEMO_TEXT_MAX {
        (&MEMO, MEMO_ENTRIES)
    } else if text.len() <= LONG_TEXT_MAX {
        (&LONG_MEMO, LONG_ENTRIES)
    } else {
        return Rc::new(parse(text));
    };
    memo.with(|memo| {
        if let Some(v) = memo.borrow().get(text) {
            return Rc::clone(&v.0);
        }
        let v = Rc::new(parse(text));
        debug_assert_eq!(
            v.text, text,
            "a value is found by the text it was parsed from"
        );
        let mut memo = memo.borrow_mut();
        if memo.len() >= entries {
            memo.clear();
        }
        memo.insert(Remembered(Rc::clone(&v)));
        v
    })
}

/// Empties this thread's memo (see [`parse_shared`]). Its entries are scattered through the
/// heap, and each pins the page it sits on: before freed memory is handed back between large
/// files, the memo goes too.
pub fn forget_remembered() {
    MEMO.with(|memo| *memo.borrow_mut() = Default::default());
    LONG_MEMO.with(|memo| *memo.borrow_mut() = Default::default());
}

/// Header labels of the columns some issuers print a value's comparator in
/// (`指标性质 ≥ | 指标值 35 | 计量单位 公里`), and of those they print its unit in.
pub const CMP_COLUMNS: &[&str] = &["指标性质", "计算符号"];
pub const UNIT_COLUMNS: &[&str] = &["计量单位", "度量单位"];

/// A name and the remark in brackets at its end (`合格率（%）` is `合格率` and `%`), full-width or
/// not: what the name says before it, and what the brackets hold. `None` when the name does not
/// end in a closing bracket with its opening one before it.
pub fn trailing_bracket(name: &str) -> Option<(&str, &str)> {
    let name = name.trim_end();
    for (open, close) in [('（', '）'), ('(', ')')] {
        if let Some(inside) = name.strip_suffix(close) {
            let start = inside.rfind(open)?;
            return Some((
                inside[..start].trim_end(),
                &inside[start + open.len_utf8()..],
            ));
        }
    }
    None
}

/// The longest unit a name may state in brackets (`（万元/人·年）`), in characters: longer
/// brackets are remarks (`（含教师和学生）`), not units.
const NAME_UNIT_MAX: usize = 8;

/// The unit an indicator's name states in brackets at its end (`合格率（%）`, `培训人数（人）`,
/// `人均补助(元/人)`): forms without a unit column write the unit there, and the 指标值 cell is
/// then a bare number (`≥98`), which is right.
///
/// Only what the value grammar reads as a unit counts (`1%`, `1人`, `1元/人` read as a
/// percentage or an amount with its unit): `（试行）`, `（2025年）` and `（一期）` are parts of
/// the name.
pub fn unit_in_name(name: &str) -> Option<&str> {
    let (_, unit) = trailing_bracket(name)?;
    let unit = unit.trim();
    let first = unit.chars().next()?;
    if first.is_ascii_digit() || unit.chars().count() > NAME_UNIT_MAX || unit.contains(['(', '（'])
    {
        return None;
    }
    let read = parse_shared(&format!("1{unit}"));
    let is_unit = match &read.kind {
        Kind::Quantity(q) => q.cmp.is_none() && q.unit.is_some(),
        Kind::Percent(p) => p.cmp.is_none(),
        _ => false,
    };
    // A note on how the unit is written (`元/人·天`) is the name's, not a reason to doubt it.
    is_unit.then_some(unit)
}

/// The value of a 指标值 cell read together with the columns its comparator and unit are
/// printed in (see [`CMP_COLUMNS`]): `≥` `35` `公里` is `≥35公里`, as a form that writes them in
/// one cell says. Read alone, the cell is a bare number, and every rule about units (a 成本指标
/// is money, a 时效指标 a time, a satisfaction a percent) would fault a form for its layout.
///
/// Returns the value and the text it was read from (`≥35公里`), which findings quote.
/// `None` when the columns add nothing: the cell is not a bare number, the columns are empty
/// or hold no comparator or unit (`定性`), or the three together are not a value the grammar
/// reads; the cell alone is then the value, as before.
///
/// The value keeps the cell's text, and its notes are moved onto the cell (what a finding
/// underlines must be in the cell it names). A note about what another column says (`次年`,
/// `百分比`, `元/生.年` in the unit column) is dropped: its finding would point at the number,
/// and its fix would write over it. A percentage over 100 is the number's, and stays.
pub fn with_columns(
    cell: &Value,
    cmp: Option<&str>,
    unit: Option<&str>,
) -> Option<(Value, String)> {
    let Kind::Quantity(q) = &cell.kind else {
        return None;
    };
    if q.unit.is_some() {
        return None;
    }
    let unit = unit.map(str::trim).unwrap_or("");
    // A comparator column is used only if it holds a comparator, as the grammar reads one,
    // and the cell has none of its own.
    let cmp = cmp
        .map(str::trim)
        .filter(|c| !c.is_empty() && q.cmp.is_none())
        .filter(|c| {
            matches!(&parse_shared(&format!("{c}1")).kind,
                Kind::Quantity(q) if q.cmp.is_some() && q.unit.is_none())
        })
        .unwrap_or("");
    if cmp.is_empty() && unit.is_empty() {
        return None;
    }
    let written = format!("{cmp}{}{unit}", cell.text);
    let joined = parse_shared(&written);
    if matches!(
        joined.kind,
        Kind::Text | Kind::Invalid { .. } | Kind::Placeholder { .. } | Kind::List { .. }
    ) {
        return None;
    }
    let (offset, len) = (cmp.len(), cell.text.len());
    let notes = joined
        .notes
        .iter()
        .filter_map(|note| {
            let mut note = note.clone();
            let over_100 = matches!(note, Note::PercentOver100 { .. });
            let span = note.span_mut();
            let inside = span.start() >= offset && span.end() <= offset + len;
            *span = match (over_100, inside) {
                (true, _) => cell.span,
                (false, true) => Span::new(span.start() - offset, span.end() - offset),
                (false, false) => return None,
            };
            Some(note)
        })
        .collect();
    // A comparator from its column is not in the cell: a finding about it underlines the value.
    let cmp_at = joined
        .cmp_at
        .filter(|c| c.start() >= offset && c.end() <= offset + len)
        .map(|c| Span::new(c.start() - offset, c.end() - offset));
    let value = Value {
        text: cell.text.clone(),
        span: cell.span,
        kind: joined.kind.clone(),
        notes,
        cmp_at,
        // The cell is a bare number: its unit is the column's or the name's, never in it.
        unit_at: None,
    };
    Some((value, written))
}

/// Parses one 指标值 cell.
pub fn parse(text: &str) -> Value {
    parse_as(text, true)
}

/// [`parse`] by the grammar alone, without [`simple_quantity`]'s quick reading: the fuzzer
/// holds the two readings to the same value on any text.
pub fn parse_by_grammar(text: &str) -> Value {
    parse_as(text, false)
}

/// [`parse`], with or without [`simple_quantity`]'s reading of the commonest shape (tests
/// hold the two to the same answers).
fn parse_as(text: &str, simple: bool) -> Value {
    crate::bound_parsing();
    let n = normalize(text);
    let whole = Span::new(0, text.len());
    let value = |kind| Value {
        text: text.to_owned(),
        span: whole,
        kind,
        notes: Vec::new(),
        cmp_at: None,
        unit_at: None,
    };
    if let Some((s, e)) = placeholder(&n.text) {
        return value(Kind::Placeholder {
            span: n.original(s, e),
        });
    }
    let has_exponent = n.text.contains(['E', 'e']);
    if let Some(m) = has_exponent
        .then(|| spreadsheet_damage().find(&n.text))
        .flatten()
    {
        return value(Kind::Invalid {
            reason: Reason::SpreadsheetDamage,
            span: n.original(m.start(), m.end()),
        });
    }
    if n.text.is_empty() || plainly_qualitative(&n.text) {
        return value(Kind::Text);
    }
    if let Some(read) = simple.then(|| simple_quantity(&n)).flatten() {
        return Value {
            cmp_at: read.cmp_at,
            unit_at: Some(read.unit_at),
            ..value(read.kind)
        };
    }
    let mut b = Builder {
        n: &n,
        text,
        notes: Vec::new(),
        cmp_at: None,
        unit_at: None,
    };
    let kind = match first_match(&n.text) {
        Ok(p) if matches!(p.as_rule(), Rule::list | Rule::labelled) => b.list(p),
        Ok(p) => b.single(p),
        Err(stop) => b.fallback(stop),
    };
    Value {
        text: text.to_owned(),
        span: whole,
        kind,
        notes: b.notes,
        cmp_at: b.cmp_at,
        unit_at: b.unit_at,
    }
}

/// The unit words [`simple_quantity`] reads: money, people and counted nouns that the
/// grammar's `unit` takes whole. Not the time words (`2025年` is a date, `12月` a month).
const SIMPLE_UNITS: &[&str] = &[
    "人",
    "次",
    "批",
    "期",
    "轮",
    "个",
    "人次",
    "名",
    "元",
    "万元",
    "套",
    "台",
    "项",
    "种",
    "平方米",
    "件",
    "米",
    "科次",
    "组",
    "间",
    "册",
    "份",
    "平米",
    "类",
    "千元",
    "亿元",
    "学生",
    "生",
    "户",
    "人天",
    "人日",
    "户次",
    "A级",
    "台套",
    "所",
    "家",
    "本",
    "场次",
    "场",
    "批次",
    "门",
    "考次",
    "班次",
    "课次",
    "架次",
    "立方米",
    "千瓦时",
    "公里",
    "千米",
    "㎡",
    "m²",
    "m2",
    "亩",
    "吨",
    "千克",
    "公斤",
    "度",
    "课时",
    "学时",
    "学分",
    "辆",
    "篇",
    "栋",
    "座",
    "处",
    "条",
    "块",
    "张",
    "箱",
    "节",
    "班",
    "校",
    "支",
    "盏",
    "部",
    "幅",
    "届",
    "领",
    "片",
    "株",
    "棵",
    "只",
    "架",
    "把",
    "副",
    "对",
    "双",
    "面",
    "位",
    "分",
    "起",
    "例",
];

/// The nouns a frequency counts (`12次/年`), as the grammar's `freq_noun` lists them.
const FREQUENCY_NOUNS: &[&str] = &["次", "批", "期", "轮"];

/// A value [`simple_quantity`] read: its kind and where its comparator and unit are.
struct SimpleRead {
    kind: Kind,
    cmp_at: Option<Span>,
    unit_at: Span,
}

/// `≥130人`, `34500元`, `2套`, `850元/生/年`: a comparator symbol or none, a number, and a
/// unit word of [`SIMPLE_UNITS`] that ends the value or is per others after `/`. Values with
/// numbers rarely repeat from form to form, so most miss [`parse_shared`]'s memo: of those with
/// a digit that a 1,000-form generated corpus parses, more than four in five are this shape.
/// The grammar took some 20,000 instructions to read each (every alternative of `unit` tried
/// in turn, each step recorded); this reads them as the grammar does in some 2,400, the
/// value's allocations included. The grammar stays the definition: a test holds the two
/// readings to the same value for every word with a spread of comparators and numbers (years
/// and dates among them), another over every cell of the disclosure, and a property test over
/// random text; anything else goes to the grammar.
fn simple_quantity(n: &Normalized) -> Option<SimpleRead> {
    let t: &str = &n.text;
    let cmp = [">=", "<=", "≥", "≤", ">", "<", "=", "≈"]
        .into_iter()
        .find(|c| t.starts_with(c));
    let at = cmp.map_or(0, str::len);
    let digits = |from: usize| {
        t.as_bytes()[from..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let whole = digits(at);
    if whole == 0 {
        return None;
    }
    let mut end = at + whole;
    if t.as_bytes().get(end) == Some(&b'.') {
        let fraction = digits(end + 1);
        if fraction == 0 {
            return None;
        }
        end += 1 + fraction;
    }
    // `元`, or `元/人/年`: a unit word, then any number of words it is per, each after a `/`.
    let mut words = t[end..].split('/');
    let numerator = words.next().filter(|w| SIMPLE_UNITS.contains(w))?;
    let mut per = Vec::new();
    for word in words {
        // After a frequency's noun, a time makes a frequency (`12次/年`).
        let known = TimeUnit::from_word(word).is_some() || SIMPLE_UNITS.contains(&word);
        if !known || FREQUENCY_NOUNS.contains(&numerator) {
            return None;
        }
        let term = Term::from_word(word);
        // A unit per money is upside down (`人/元`): the grammar's reading points into it.
        if matches!(term, Term::Money(_)) {
            return None;
        }
        per.push(term);
    }
    // Not upside down: no money after a `/`.
    let unit = Unit::new(Term::from_word(numerator), per);
    // As the grammar's reading scales the amount by its magnitude (none here).
    let amount = decimal(&t[at..end]).checked_mul(Decimal::ONE)?;
    Some(SimpleRead {
        kind: Kind::Quantity(Quantity {
            cmp: cmp.map(Cmp::from_word),
            amount,
            upper: None,
            unit: Some(unit),
        }),
        cmp_at: cmp.map(|c| n.original(0, c.len())),
        unit_at: n.original(end, t.len()),
    })
}

/// Where a parse of `text` stops making sense, for pointing at it: the byte range in the
/// original text of the first character the grammar could not take.
pub fn error_position(text: &str) -> Option<Span> {
    let n = normalize(text);
    first_match(&n.text).err().map(|at| stop_span(&n, at))
}

/// The span of the character at normalised offset `at` (or the end of the text).
fn stop_span(n: &Normalized, at: usize) -> Span {
    let at = crate::model::floor_char_boundary(&n.text, at);
    let end = n.text[at..]
        .chars()
        .next()
        .map_or(at, |c| at + c.len_utf8());
    n.original(at, end)
}

/// The first alternative of the `value` rule that matches the whole text, tried in the
/// grammar's order. An alternative whose marker is absent cannot match and is skipped: a
/// percent needs `%` or 百分, a deadline a date character, a frequency a counting word, a
/// ratio `的`, a list a separator.
fn first_match(t: &str) -> Result<Pair<'_, Rule>, usize> {
    let has = |needles: &[char]| t.contains(needles);
    let digit_first = t.starts_with(|c: char| c.is_ascii_digit() || "≥≤<>=≈".contains(c));
    let has_digit = t.bytes().any(|b| b.is_ascii_digit());
    // Every date the grammar reads has a digit right before 年, 月, 日, 号, 全, `.`, `-` or `/`.
    let mut date = false;
    // Every numeric frequency has a digit right before its counting word.
    let mut counted = false;
    let mut prev_digit = false;
    for c in t.chars() {
        if prev_digit {
            date |= matches!(c, '年' | '月' | '日' | '号' | '全' | '.' | '-' | '/');
            counted |= matches!(c, '次' | '批' | '期' | '轮');
        }
        prev_digit = c.is_ascii_digit();
    }
    let counting_word = has(&['次', '批', '期', '轮']);
    // Without a digit before its counting word, a frequency is `春季秋季各一次` or starts with
    // 每, 逐 or 按 and a period word (`每年一次`, `按月`).
    let frequency = counted || (counting_word && has(&['各'])) || by_period(t);
    // Without a digit, a part of a list can only be a frequency or a deadline word (`年底`;
    // `年底、按` was found by the proptest below).
    let part_possible = has_digit || frequency || holds_year_word(t) || spells_time(t);
    let attempts = [
        (Rule::percent_value, has(&['%', '‰']) || t.contains("百分")),
        (
            Rule::deadline_value,
            date || year_word(t) || (t.contains('每') && t.contains('月')),
        ),
        (Rule::frequency_value, frequency),
        (Rule::quantity_value, true),
        (Rule::ratio_value, has(&['的'])),
        (Rule::proportion_value, has(&[':'])),
        (
            Rule::list_value,
            part_possible && has(&[',', ';', '、', '。']),
        ),
        (Rule::labelled_value, part_possible && !digit_first),
    ];
    // On failure, the furthest point any attempt reached is where the value stops making sense.
    let mut furthest = 0;
    for (rule, possible) in attempts {
        if !possible {
            continue;
        }
        match ValueParser::parse(rule, t) {
            // A list whose parts are all bare labels (`一、本部门职责`) holds no value.
            Ok(mut pairs) => match pairs.next() {
                Some(p) if p.as_rule() != Rule::list || has_valued_item(&p) => return Ok(p),
                _ => furthest = furthest.max(t.len()),
            },
            Err(e) => furthest = furthest.max(error_offset(&e)),
        }
    }
    Err(furthest)
}

fn has_valued_item(list: &Pair<'_, Rule>) -> bool {
    list.clone()
        .into_inner()
        .any(|item| item.into_inner().any(|p| p.as_rule() != Rule::item_label))
}

fn error_offset(e: &pest::error::Error<Rule>) -> usize {
    match e.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    }
}

/// Wording with no digit that none of the digit-free shapes (`春季秋季各一次`, `每年一次`,
/// `按月发放`) can match: a third of all values, so they skip the grammar. A digit-free shape
/// with 每 has a period word right after it (`每年一次`, `每学期`), as [`by_period`] asks;
/// `让每一名学生正常受教` is prose, and the grammar spent 300,000 instructions finding so.
fn plainly_qualitative(t: &str) -> bool {
    !t.bytes().any(|b| b.is_ascii_digit())
        && !t.contains('各')
        && !by_period(t)
        && !holds_year_word(t)
        && !spells_time(t)
}

/// The first characters of the grammar's time words (`年`, `个月`, `周`, `工作日`, …).
const TIME_WORD_STARTS: &str = "年半学季月个周星天日小分工";

/// Whether a number in characters stands right before a time word anywhere in `t`
/// (`高考前一周`, `两个月内`): the grammar's `spelled_time`, which needs no digit.
fn spells_time(t: &str) -> bool {
    let mut prev_numeral = false;
    t.chars().any(|c| {
        let found = prev_numeral && TIME_WORD_STARTS.contains(c);
        prev_numeral = "一二两三四五六七八九十".contains(c);
        found
    })
}

/// `按月`, `逐月`, `每学期`: a word for "per" followed by a period, the start of a digit-free
/// frequency.
fn by_period(t: &str) -> bool {
    t.char_indices().any(|(i, c)| {
        matches!(c, '按' | '每' | '逐')
            && t[i + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(|n| TIME_WORD_STARTS.contains(n))
    })
}

/// The words that start a deadline in the budget year with no digits (`年底前`, `全年`).
const YEAR_WORDS: [&str; 6] = ["年底", "年末", "年内", "全年", "当年", "本年"];

/// `年底前`, `全年`, `当年`: a deadline in the budget year with no digits.
fn year_word(t: &str) -> bool {
    YEAR_WORDS.iter().any(|w| t.starts_with(w))
}

/// Whether such a deadline may start anywhere in `t`: a part of a list may be one
/// (`完成、年底`), so a value holding one is not plainly prose.
fn holds_year_word(t: &str) -> bool {
    YEAR_WORDS.iter().any(|w| t.contains(w))
}

fn placeholder(t: &str) -> Option<(usize, usize)> {
    // Most values hold none of the marks' characters: skip the regex for them.
    if !t.contains(['X', 'x', '×', '*', '…', '?']) && !t.contains("....") {
        return None;
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"(?i)XX|××|\*\*|……|\.\.\.\.|＊＊|\?\?").expect("valid regex"));
    re.find(t).map(|m| (m.start(), m.end()))
}

fn spreadsheet_damage() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"\d\.\d+[Ee][+-]?\d+").expect("valid regex"))
}

struct Builder<'a> {
    n: &'a Normalized<'a>,
    text: &'a str,
    notes: Vec<Note>,
    /// Where the comparator is written (`≥`, `不低于`, `以上`, `余`), in the original text.
    cmp_at: Option<Span>,
    /// Where a quantity's unit is written (`公里`, `元/人/年`), in the original text.
    unit_at: Option<Span>,
}

impl Builder<'_> {
    fn span(&self, p: &Pair<'_, Rule>) -> Span {
        let s = p.as_span();
        self.n.original(s.start(), s.end())
    }

    /// A value no alternative accepted; `stop` is where the furthest attempt gave up.
    fn fallback(&self, stop: usize) -> Kind {
        if self.n.text.chars().any(|c| c.is_ascii_digit()) {
            Kind::Invalid {
                reason: Reason::Unrecognised,
                span: stop_span(self.n, stop),
            }
        } else {
            Kind::Text
        }
    }

    fn list(&mut self, p: Pair<'_, Rule>) -> Kind {
        let mut items = Vec::new();
        // A labelled single value is a list of one labelled item.
        let parts: Vec<Pair<'_, Rule>> = if p.as_rule() == Rule::labelled {
            vec![p]
        } else {
            p.into_inner().collect()
        };
        for item in parts {
            let span = self.span(&item);
            let mut label = None;
            let mut value = None;
            for part in item.into_inner() {
                if part.as_rule() == Rule::item_label {
                    let ls = self.span(&part);
                    let written = &self.text[ls.range()];
                    label = Some(written.trim_end_matches([':', '：']).to_owned());
                } else {
                    let vspan = self.span(&part);
                    let mut inner = Builder {
                        n: self.n,
                        text: self.text,
                        notes: Vec::new(),
                        cmp_at: None,
                        unit_at: None,
                    };
                    let kind = inner.single(part);
                    self.notes.extend(inner.notes);
                    value = Some(Value {
                        text: self.text[vspan.range()].to_owned(),
                        span: vspan,
                        kind,
                        notes: Vec::new(),
                        cmp_at: inner.cmp_at,
                        unit_at: inner.unit_at,
                    });
                }
            }
            items.push(Item { label, value, span });
        }
        // A last item with no number was cut off (`一档3000元/人/年,二档`), unless it closes
        // the list with 等 (`≥433平方米、公里等`): that is an open list, said in full.
        if let Some(last) = items.last() {
            let open_list = last.label.as_deref().is_some_and(|l| l.ends_with('等'));
            if last.value.is_none() && !open_list {
                self.notes.push(Note::TruncatedList { span: last.span });
            }
        }
        Kind::List { items }
    }

    fn single(&mut self, p: Pair<'_, Rule>) -> Kind {
        // The first comparator token, at any depth (a ratio's is inside its percentage), and
        // a quantity's unit. A unit split around the number (`每生每年6000元`) has no one
        // place. A percentage's `%` is not marked: what is wrong with `100%` as a cost or a
        // count is the whole value, not its sign.
        let (mut cmp, mut unit, mut split) = (None, None, false);
        for t in p.clone().into_inner().flatten() {
            match t.as_rule() {
                Rule::cmp | Rule::post_cmp | Rule::more_than if cmp.is_none() => cmp = Some(t),
                Rule::unit | Rule::plain_unit if unit.is_none() => unit = Some(t),
                Rule::per_prefix => split = true,
                _ => {}
            }
        }
        self.cmp_at = cmp.map(|t| self.span(&t));
        self.unit_at = unit
            .filter(|_| p.as_rule() == Rule::quantity && !split)
            .map(|t| self.span(&t));
        match p.as_rule() {
            Rule::percent => Kind::Percent(self.percent(p)),
            Rule::ratio => {
                let mut base = String::new();
                let mut percent = None;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::ratio_base => base = part.as_str().to_owned(),
                        Rule::percent => percent = Some(self.percent(part)),
                        _ => {}
                    }
                }
                match percent {
                    Some(percent) => Kind::Ratio { base, percent },
                    None => Kind::Text,
                }
            }
            Rule::deadline => Kind::Deadline(self.deadline(p)),
            Rule::frequency => self.frequency(p),
            Rule::quantity => self.quantity(p),
            Rule::proportion => {
                let mut out = Proportion {
                    cmp: None,
                    left: Decimal::ZERO,
                    right: Decimal::ZERO,
                };
                let mut numbers = 0;
                for part in p.into_inner() {
                    match part.as_rule() {
                        Rule::cmp | Rule::post_cmp => out.cmp = Some(Cmp::from_word(part.as_str())),
                        Rule::number => {
                            let side = if numbers == 0 {
                                &mut out.left
                            } else {
                                &mut out.right
                            };
                            *side = decimal(part.as_str());
                            numbers += 1;
                        }
                        _ => {}
                    }
                }
                Kind::Proportion(out)
            }
            _ => Kind::Text,
        }
    }

    fn percent(&mut self, p: Pair<'_, Rule>) -> Percent {
        let whole = self.span(&p);
        let mut out = Percent {
            cmp: None,
            amount: Decimal::ZERO,
            upper: None,
            change: false,
        };
        let mut numbers = 0;
        let mut per_mille = false;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::change_verb => out.change = true,
                Rule::cmp | Rule::post_cmp => out.cmp = Some(Cmp::from_word(part.as_str())),
                Rule::number => {
                    let d = decimal(part.as_str());
                    if numbers == 0 {
                        out.amount = d;
                    } else {
                        out.upper = Some(d);
                    }
                    numbers += 1;
                }
                // Per mille is a percentage written in tenths: `≤5‰` is 0.5%.
                Rule::pct_sign if part.as_str() == "‰" => per_mille = true,
                Rule::pct_sign if part.as_str() != "%" => {
                    let span = self.span(&part);
                    self.notes.push(Note::OddPercent { span });
                }
                _ => {}
            }
        }
        if per_mille {
            let ten = Decimal::TEN;
            out.amount /= ten;
            out.upper = out.upper.map(|u| u / ten);
        }
        if out.change {
            self.notes.push(Note::OddPercent { span: whole });
        }
        let hundred = Decimal::from(100);
        if out.amount > hundred || out.upper.is_some_and(|u| u > hundred) {
            self.notes.push(Note::PercentOver100 { span: whole });
        }
        out
    }

    fn deadline(&mut self, p: Pair<'_, Rule>) -> Deadline {
        let mut d = Deadline {
            year: None,
            month: None,
            day: None,
            relation: Relation::Within,
            recurring: false,
            current_year: false,
            until: None,
        };
        fn date(
            p: Pair<'_, Rule>,
            year: &mut Option<u16>,
            month: &mut Option<u8>,
            day: &mut Option<u8>,
        ) {
            for part in p.into_inner() {
                match part.as_rule() {
                    Rule::year_num => *year = part.as_str().parse().ok(),
                    Rule::month_num => *month = part.as_str().parse().ok(),
                    Rule::day_num => *day = part.as_str().parse().ok(),
                    _ => date(part, year, month, day),
                }
            }
        }
        let mut dates = 0;
        let mut no_later = false;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::date_cmp => no_later = true,
                Rule::year_part => {
                    // A part of the year: from its first month to its last.
                    let (first, last) = year_part(part);
                    d.month = Some(first);
                    d.until = Some((d.year, Some(last)));
                }
                Rule::deadline_prefix => match part.as_str() {
                    "每年" | "约每年" => d.recurring = true,
                    _ => d.current_year = true,
                },
                Rule::date_range => {
                    let mut parts = part.into_inner();
                    if let Some(first) = parts.next() {
                        date(first, &mut d.year, &mut d.month, &mut d.day);
                    }
                    if let Some(second) = parts.next() {
                        let (mut y, mut m, mut day) = (None, None, None);
                        date(second, &mut y, &mut m, &mut day);
                        d.until = Some((y.or(d.year), m));
                    }
                    d.relation = Relation::Within;
                }
                Rule::full_date | Rule::month_day | Rule::dot_date => {
                    if dates == 0 {
                        date(part, &mut d.year, &mut d.month, &mut d.day);
                    } else {
                        // The second date of `3月和10月` or `2023.07-2024.01`.
                        let (mut y, mut m, mut day) = (None, None, None);
                        date(part, &mut y, &mut m, &mut day);
                        d.until = Some((y.or(d.year), m));
                    }
                    dates += 1;
                }
                Rule::year_num => d.year = part.as_str().parse().ok(),
                Rule::year_word => {
                    d.current_year = true;
                    d.relation = match part.as_str() {
                        "年底前" | "年末前" => Relation::Before,
                        "年底" | "年末" => Relation::EndOf,
                        _ => Relation::Within,
                    };
                }
                Rule::deadline_rel => {
                    d.relation = match part.as_str() {
                        "底" | "末" | "年底" | "年末" => Relation::EndOf,
                        "内" | "年内" | "全年" | "止" => Relation::Within,
                        _ => Relation::Before,
                    };
                }
                _ => {}
            }
        }
        if no_later {
            d.relation = Relation::Before;
        }
        d
    }

    fn frequency(&mut self, p: Pair<'_, Rule>) -> Kind {
        let text = p.as_str();
        let whole = self.span(&p);
        let mut cmp = None;
        // A comparator before the number: `≥12次年` is the numeric shape, `每周1次以上` is not.
        let mut lead_cmp = false;
        let mut count = None;
        let mut per = None;
        let mut seasons = 0u32;
        let mut slash = false;
        for part in p.clone().into_inner() {
            match part.as_rule() {
                Rule::cmp => {
                    cmp = Some(Cmp::from_word(part.as_str()));
                    lead_cmp = true;
                }
                Rule::post_cmp => cmp = Some(Cmp::from_word(part.as_str())),
                Rule::number => count = Some(decimal(part.as_str())),
                Rule::cn_amount => count = Some(Decimal::from(cn_amount(part.as_str()))),
                Rule::time_word => per = TimeUnit::from_word(part.as_str()),
                Rule::season_list => {
                    seasons = part
                        .into_inner()
                        .filter(|s| s.as_rule() == Rule::season)
                        .count() as u32;
                }
                _ => {}
            }
        }
        let numeric_form =
            text.starts_with(|c: char| c.is_ascii_digit() || "≥≤<>=≈".contains(c)) || lead_cmp;
        if numeric_form {
            slash = text.contains('/');
        }
        if seasons > 0 {
            // 春季秋季各一次: once each season, so per year.
            let each = count.unwrap_or(Decimal::ONE);
            return Kind::Frequency(Frequency {
                cmp,
                count: each * Decimal::from(seasons),
                per: TimeUnit::Year,
            });
        }
        if text.starts_with('按') {
            return Kind::Frequency(Frequency {
                cmp,
                count: Decimal::ONE,
                per: per.unwrap_or(TimeUnit::Month),
            });
        }
        // Only the numeric shape (`≥12次年`) is written with a slash; `每年1次`, `逐月发放` are not.
        if numeric_form && !slash {
            self.notes.push(Note::MissingSlash { span: whole });
        }
        Kind::Frequency(Frequency {
            cmp,
            count: count.unwrap_or(Decimal::ONE),
            per: per.unwrap_or(TimeUnit::Year),
        })
    }

    fn quantity(&mut self, p: Pair<'_, Rule>) -> Kind {
        let mut q = Quantity {
            cmp: None,
            amount: Decimal::ZERO,
            upper: None,
            unit: None,
        };
        let mut numbers = 0;
        let mut prefix_per = Vec::new();
        let mut magnitude = Decimal::ONE;
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::cmp | Rule::post_cmp => q.cmp = Some(Cmp::from_word(part.as_str())),
                // A comparator written out says more than `余` does.
                Rule::more_than => {
                    q.cmp.get_or_insert(Cmp::Gt);
                }
                Rule::number => {
                    let d = decimal(part.as_str());
                    if numbers == 0 {
                        q.amount = d;
                    } else {
                        q.upper = Some(d);
                    }
                    numbers += 1;
                }
                Rule::cn_amount => {
                    q.amount = Decimal::from(cn_amount(part.as_str()));
                    numbers += 1;
                }
                Rule::per_prefix => {
                    prefix_per.push(Term::from_word(part.as_str().trim_start_matches('每')));
                }
                Rule::magnitude => {
                    magnitude = match part.as_str() {
                        "亿" => Decimal::from(100_000_000),
                        "千" => Decimal::from(1_000),
                        _ => Decimal::from(10_000),
                    }
                }
                Rule::unit | Rule::plain_unit => {
                    let start = part.as_span().start();
                    let written = part.as_str().split('(').next().unwrap_or("");
                    let mut numerator = None;
                    let mut per = Vec::new();
                    let mut reversed_end = None;
                    for t in part.into_inner() {
                        let word = t.as_str();
                        match t.as_rule() {
                            Rule::numerator => numerator = Some(Term::from_word(word)),
                            Rule::denominator => {
                                let term = Term::from_word(word);
                                if matches!(term, Term::Money(_)) && reversed_end.is_none() {
                                    reversed_end = Some(t.as_span().end());
                                }
                                per.push(term);
                            }
                            _ => {}
                        }
                    }
                    let Some(num) = numerator else { continue };
                    per.append(&mut prefix_per);
                    let unit = Unit::new(num, per);
                    if unit.is_reversed() {
                        // Underline `人/元`, the part that is upside down.
                        let end = reversed_end.unwrap_or(start);
                        return Kind::Invalid {
                            reason: Reason::ReversedUnit,
                            span: self.n.original(start, end),
                        };
                    }
                    if written.contains(['.', '·', '•', '・']) {
                        let suggestion = written.replace(['.', '·', '•', '・'], "/");
                        let end = start + written.len();
                        self.notes.push(Note::NonCanonicalUnit {
                            span: self.n.original(start, end),
                            suggestion,
                        });
                    }
                    q.unit = Some(unit);
                }
                _ => {}
            }
        }
        // A number too large for a decimal once scaled (found by fuzzing: `…333388.5万`) is
        // not an amount anyone meant; it reads as unrecognised rather than overflowing.
        let scaled = (
            q.amount.checked_mul(magnitude),
            q.upper.map(|u| u.checked_mul(magnitude)),
        );
        match scaled {
            (Some(a), None) => q.amount = a,
            (Some(a), Some(Some(u))) => {
                q.amount = a;
                q.upper = Some(u);
            }
            _ => {
                return Kind::Invalid {
                    reason: Reason::Unrecognised,
                    span: Span::new(0, self.text.len()),
                }
            }
        }
        Kind::Quantity(q)
    }
}

fn decimal(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap_or(Decimal::ZERO)
}

/// The first and last month of `上半年`, `第三季度`, `1-12月`.
fn year_part(p: Pair<'_, Rule>) -> (u8, u8) {
    let mut months = Vec::with_capacity(2);
    for part in p.into_inner() {
        let month = |m: u32| u8::try_from(m).unwrap_or(12);
        match part.as_rule() {
            Rule::half_year if part.as_str() == "上半年" => return (1, 6),
            Rule::half_year => return (7, 12),
            Rule::quarter_num | Rule::quarter_cn => {
                let q = part
                    .as_str()
                    .parse()
                    .unwrap_or_else(|_| cn_digit(part.as_str()));
                return (month(3 * q - 2), month(3 * q));
            }
            Rule::month_num => months.push(part.as_str().parse().unwrap_or(12)),
            _ => {}
        }
    }
    (
        months.first().copied().unwrap_or(1),
        months.last().copied().unwrap_or(12),
    )
}

/// `一` to `九十九` as the grammar's `cn_amount` reads them: `十五` is 15, `二十` 20, `二十五` 25.
fn cn_amount(s: &str) -> u32 {
    match s.split_once('十') {
        None => cn_digit(s),
        Some((tens, ones)) => {
            let tens = if tens.is_empty() { 1 } else { cn_digit(tens) };
            let ones = if ones.is_empty() { 0 } else { cn_digit(ones) };
            tens * 10 + ones
        }
    }
}

fn cn_digit(s: &str) -> u32 {
    match s {
        "一" => 1,
        "二" | "两" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        "十" => 10,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(cell: &str, cmp: Option<&str>, unit: Option<&str>) -> Option<Value> {
        with_columns(&parse(cell), cmp, unit).map(|(v, _)| v)
    }

    #[test]
    fn a_bare_number_is_read_with_its_comparator_and_unit_columns() {
        let (_, written) = with_columns(&parse("35"), Some("≥"), Some("公里")).unwrap();
        assert_eq!(written, "≥35公里");
        let v = joined("35", Some("≥"), Some("公里")).expect("read together");
        assert_eq!((v.text.as_str(), v.span), ("35", Span::new(0, 2)));
        assert_eq!(v.cmp(), Some(Cmp::Ge));
        assert_eq!(v.amount(), Some(Decimal::from(35)));
        assert_eq!(v.unit().as_deref(), Some("公里"));
        let v = joined("3.4", Some("≤"), Some("万元/公里")).unwrap();
        assert_eq!(v.unit().as_deref(), Some("万元/公里"));
        assert_eq!(
            joined("90", Some("≥"), Some("%")).unwrap().kind.name(),
            "percent"
        );
        assert_eq!(
            joined("5", None, Some("个工作日"))
                .unwrap()
                .unit()
                .as_deref(),
            Some("工作日")
        );
        // A comparator column that holds no comparator is not read; the unit still is.
        let v = joined("35", Some("定量"), Some("公里")).unwrap();
        assert_eq!((v.cmp(), v.unit().as_deref()), (None, Some("公里")));
        assert_eq!(joined("35", Some("≥"), None).unwrap().cmp(), Some(Cmp::Ge));
    }

    #[test]
    fn a_remark_in_brackets_ends_a_name() {
        assert_eq!(trailing_bracket("合格率（%） "), Some(("合格率", "%")));
        assert_eq!(
            trailing_bracket("验收合格率 (按批次)"),
            Some(("验收合格率", "按批次"))
        );
        assert_eq!(trailing_bracket("（人）"), Some(("", "人")));
        for none in ["合格率", "人数人）", "人数（人", "（人）数"] {
            assert_eq!(trailing_bracket(none), None, "{none}");
        }
    }

    #[test]
    fn a_name_states_its_unit_in_brackets_at_its_end() {
        let unit = unit_in_name;
        assert_eq!(unit("合格率（%）"), Some("%"));
        assert_eq!(unit("合格率（％） "), Some("％"));
        assert_eq!(unit("培训人数（人）"), Some("人"));
        assert_eq!(unit("生均补助(元/人)"), Some("元/人"));
        assert_eq!(unit("生均补助(元/人·天)"), Some("元/人·天"));
        assert_eq!(unit("项目资金（ 万元 ）"), Some("万元"));
        // Remarks, years and numbers in brackets are parts of the name.
        for not in [
            "合格率",
            "实施方案（试行）",
            "建设项目（2025年）",
            "专项（一期）",
            "（）",
            "资助人数（含教师和学生在内的全部人员）",
            "人数（人",
            "人数人）",
            "补助（≥5元）",
        ] {
            assert_eq!(unit_in_name(not), None, "{not}");
        }
    }

    #[test]
    fn columns_that_add_nothing_leave_the_cell_alone() {
        // Not a bare number, or nothing in the columns, or nothing the grammar reads.
        assert_eq!(joined("35公里", Some("≥"), Some("公里")), None);
        assert_eq!(joined("明显改善", Some("定性"), None), None);
        assert_eq!(joined("2025年12月", Some("≤"), Some(" ")), None);
        assert_eq!(joined("35", Some(" "), Some("")), None);
        assert_eq!(joined("35", None, Some("保障")), None);
        // The cell's own comparator wins over the column's.
        assert_eq!(
            joined("≤35", Some("≥"), Some("人")).unwrap().cmp(),
            Some(Cmp::Le)
        );
    }

    #[test]
    fn notes_of_values_read_with_their_columns_stay_in_the_cell() {
        // `120` and `%`: over 100, said of the number's cell.
        let v = joined("120", Some("≥"), Some("%")).unwrap();
        assert_eq!(
            v.notes,
            [Note::PercentOver100 {
                span: Span::new(0, 3)
            }]
        );
        // `元/生.年`, `百分比`, `次年` in the unit column: their findings would point at the
        // number, and their fixes write over it, so no note.
        for (cell, unit) in [("95", "元/生.年"), ("100", "百分比"), ("12", "次年")] {
            let v = joined(cell, None, Some(unit)).unwrap();
            assert!(v.notes.is_empty(), "{unit}: {:?}", v.notes);
        }
        assert_eq!(
            joined("95", None, Some("元/生.年"))
                .unwrap()
                .unit()
                .as_deref(),
            Some("元/人/年")
        );
        // A note about the number itself stays on it.
        let v = joined("≥95", None, Some("%")).unwrap();
        assert_eq!(v.kind.name(), "percent");
    }

    #[test]
    fn a_number_too_large_to_scale_is_unrecognised_not_a_panic() {
        // Found by `cargo fuzz run value` (fuzz/corpus/value keeps it as a seed).
        let v = parse("1333-33333333333333333333333333388.5万");
        assert_eq!(v.kind.name(), "invalid");
    }

    #[test]
    fn a_remembered_value_is_the_value_parsed() {
        let corpus = include_str!("../../tests/corpus/000_cb0bcf906edd3817.txt");
        for cell in corpus.lines().flat_map(|l| l.split('\t')).map(str::trim) {
            if !cell.is_empty() {
                assert_eq!(*parse_shared(cell), parse(cell), "{cell}");
            }
        }
        // Asked again, the same answer, not a second parse.
        assert!(Rc::ptr_eq(&parse_shared("≥90%"), &parse_shared("≥90%")));
        // A long list too; a cell past the long memo's limit is parsed every time.
        let list = "一等奖1000元/人，二等800元/人，三等奖500元/人；技能优秀奖，一等奖800元/人";
        assert!(list.len() > MEMO_TEXT_MAX);
        assert!(Rc::ptr_eq(&parse_shared(list), &parse_shared(list)));
        assert_eq!(*parse_shared(list), parse(list));
        let longest = "很".repeat(LONG_TEXT_MAX / 3 + 1);
        assert!(!Rc::ptr_eq(
            &parse_shared(&longest),
            &parse_shared(&longest)
        ));
    }

    #[test]
    fn the_memo_stays_bounded() {
        for n in 0..MEMO_ENTRIES + 100 {
            parse_shared(&format!("{n}人"));
            assert!(MEMO.with(|m| m.borrow().len()) <= MEMO_ENTRIES);
        }
        assert_eq!(parse_shared("7人").amount(), Some(Decimal::from(7)));
        for n in 0..LONG_ENTRIES + 10 {
            parse_shared(&format!(
                "一档{n}元/人，二档{n}0元/人，三档{n}00元/人，四档"
            ));
            assert!(LONG_MEMO.with(|m| m.borrow().len()) <= LONG_ENTRIES);
        }
        assert!(LONG_MEMO.with(|m| m.borrow().len()) > 0);
        forget_remembered();
        assert_eq!(MEMO.with(|m| m.borrow().len()), 0);
        assert_eq!(LONG_MEMO.with(|m| m.borrow().len()), 0);
    }

    /// What the `value` rule itself says: the rule and extent of its top alternative. A list
    /// whose parts are all bare labels holds no value; the builder does not treat it as a list.
    fn by_grammar(t: &str) -> Option<(Rule, usize, usize)> {
        let top = ValueParser::parse(Rule::value, t)
            .ok()?
            .next()?
            .into_inner()
            .next()?;
        if top.as_rule() == Rule::list && !has_valued_item(&top) {
            return None;
        }
        Some((top.as_rule(), top.as_span().start(), top.as_span().end()))
    }

    fn by_dispatch(t: &str) -> Option<(Rule, usize, usize)> {
        first_match(t)
            .ok()
            .map(|p| (p.as_rule(), p.as_span().start(), p.as_span().end()))
    }

    /// Skipping alternatives whose markers are absent must not change the answer.
    #[test]
    fn dispatch_agrees_with_the_grammar_on_the_disclosure() {
        let corpus = include_str!("../../tests/corpus/000_cb0bcf906edd3817.txt");
        let mut checked = 0;
        for cell in corpus.lines().flat_map(|l| l.split('\t')) {
            let n = normalize(cell.trim());
            if n.text.is_empty() || n.text.len() > 200 {
                continue;
            }
            assert_eq!(by_dispatch(&n.text), by_grammar(&n.text), "{cell:?}");
            assert!(qualitative_agrees(&n.text), "{cell:?}");
            checked += 1;
        }
        assert!(checked > 20_000, "checked {checked} cells");
    }

    #[test]
    fn digit_free_labelled_frequency() {
        let v = parse("奖学金按月发放");
        assert_eq!(v.kind.name(), "list", "{v:?}");
        assert_eq!(by_dispatch("奖学金按月发放"), by_grammar("奖学金按月发放"));
    }

    /// A text [`plainly_qualitative`] keeps from the grammar is one the grammar does not match.
    fn qualitative_agrees(t: &str) -> bool {
        !plainly_qualitative(t) || by_grammar(t).is_none()
    }

    /// A year word later in a value can be a part of a list: the grammar reads one.
    #[test]
    fn a_year_word_after_a_label_is_a_list() {
        assert!(!plainly_qualitative("完成、年底"));
        assert!(by_grammar("完成、年底").is_some());
        assert_eq!(parse("完成、年底").kind.name(), "list");
        assert!(plainly_qualitative("按时完成"));
    }

    #[test]
    fn prose_with_every_skips_the_grammar() {
        let prose = "让每一名学生正常受教、如期完成学业";
        assert!(plainly_qualitative(prose));
        assert_eq!(parse(prose).kind, Kind::Text);
        for shape in [
            "每年一次",
            "每半年一次",
            "每学期",
            "逐月发放",
            "按月发放",
            "春季秋季各一次",
            "年底前",
            "高考前一周",
            "两个月内",
        ] {
            assert!(!plainly_qualitative(shape), "{shape}");
            assert!(by_grammar(shape).is_some(), "{shape}");
        }
    }

    /// The quick reading of `≥130人` is the grammar's: for every unit word it reads, with each
    /// comparator symbol, numbers that look like years and dates, a number too large for a
    /// decimal, and full-width and spaced spellings (whose spans map back to the cell).
    #[test]
    fn simple_quantities_read_as_the_grammar_reads_them() {
        let cmps = ["", "≥", "≤", ">", "<", "=", ">=", "<=", "≈", "≧", "＞"];
        let numbers = [
            "0",
            "7",
            "130",
            "2025",
            "1999",
            "2023.07",
            "12.31",
            "0.49",
            "007",
            "123456789012345678901234567890",
        ];
        let mut quick = 0;
        for word in SIMPLE_UNITS {
            for cmp in cmps {
                for number in numbers {
                    let plain = format!("{cmp}{number}{word}");
                    let full_width: String = plain
                        .chars()
                        .map(|c| match c {
                            '0'..='9' => char::from_u32(c as u32 - '0' as u32 + 0xff10).unwrap(),
                            c => c,
                        })
                        .collect();
                    let spaced = format!(" {cmp} {number} {word} ");
                    for text in [plain, full_width, spaced] {
                        let read = parse(&text);
                        assert_eq!(read, parse_by_grammar(&text), "{text}");
                        quick += usize::from(simple_quantity(&normalize(&text)).is_some());
                    }
                }
            }
        }
        // Every one of them but those the grammar reads otherwise goes the quick way.
        let all = SIMPLE_UNITS.len() * cmps.len() * numbers.len() * 3;
        assert!(quick * 10 > all * 9, "{quick} of {all}");
        // Units per others: people, times, counts, money (upside down), a frequency's noun
        // before a time, and words the grammar does not know.
        let per = [
            "人",
            "生",
            "学生",
            "人次",
            "年",
            "月",
            "个月",
            "学期",
            "学年",
            "年度",
            "天",
            "小时",
            "周",
            "次",
            "个",
            "科次",
            "元",
            "万元",
            "人/年",
            "生/年",
            "年/生",
            "学期/生",
            "天/人",
            "生年",
            "人.年",
            "",
        ];
        let mut quick = 0;
        for numerator in SIMPLE_UNITS {
            for per in per {
                for cmp in ["", "≥", "≤"] {
                    for number in ["130", "2025", "0.49"] {
                        let text = format!("{cmp}{number}{numerator}/{per}");
                        assert_eq!(parse(&text), parse_by_grammar(&text), "{text}");
                        quick += usize::from(simple_quantity(&normalize(&text)).is_some());
                    }
                }
            }
        }
        assert!(quick > 1_000, "{quick} read quickly");
        let v = parse("850元/生/年");
        assert_eq!(v.unit().as_deref(), Some("元/人/年"));
        assert!(simple_quantity(&normalize("850元/生/年")).is_some());
        assert!(simple_quantity(&normalize("12次/年")).is_none());
        assert_eq!(parse("12次/年").kind.name(), "frequency");
        let v = parse("≥130人");
        assert_eq!(v.kind.name(), "quantity");
        assert_eq!(
            (v.cmp_at, v.unit_at),
            (Some(Span::new(0, 3)), Some(Span::new(6, 9)))
        );
    }

    /// Every 指标值 of the disclosure reads the same with and without the quick reading.
    #[test]
    fn simple_quantities_read_as_the_grammar_reads_the_disclosure() {
        let corpus = include_str!("../../tests/corpus/000_cb0bcf906edd3817.txt");
        let mut quick = 0;
        for cell in corpus.lines().flat_map(|l| l.split('\t')).map(str::trim) {
            if cell.is_empty() || cell.len() > 200 {
                continue;
            }
            assert_eq!(parse(cell), parse_by_grammar(cell), "{cell:?}");
            quick += usize::from(simple_quantity(&normalize(cell)).is_some());
        }
        assert!(quick > 500, "{quick} read quickly");
    }

    proptest::proptest! {
        /// Random text built of comparators, digits, unit words and what may follow them.
        #[test]
        fn the_quick_reading_is_the_grammars(
            t in "(≥|≤|>=|<|=|约|每年|)[0-9]{0,5}(\\.[0-9]{0,3})?(人|个|人次|元|万元|套|台|平方米|千米|千瓦时|A级|A|度|年|月|次|/年|以上|余|万|-3|学校|\\(套\\)|)(人|个|元|年|生|)(/人|/生|/年|/元|/次|/学期|)(/年|/月|)",
        ) {
            proptest::prop_assert_eq!(parse(&t), parse_by_grammar(&t), "{}", t);
        }

        #[test]
        fn qualitative_text_is_what_the_grammar_does_not_match(
            t in "[每逐按各一名年半学期月季周天日小时个次批轮届度底前内春秋、,的生人元完成发放]{0,16}"
        ) {
            let n = normalize(&t);
            proptest::prop_assert!(qualitative_agrees(&n.text), "{}", n.text);
        }

        #[test]
        fn dispatch_agrees_with_the_grammar(t in "[≥≤<>=约不低于每年半上第三月日号前底内元人次生/.%‰:0-9,、的各按春秋季学期个万亿()完成达标台套-]{0,24}") {
            let n = normalize(&t);
            proptest::prop_assert_eq!(by_dispatch(&n.text), by_grammar(&n.text));
        }
    }
}
