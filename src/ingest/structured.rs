//! The canonical structured form, in YAML or JSON (`docs/forms.md`): what `kpilint extract`
//! writes and what a person can write by hand. English field names, with the Chinese labels
//! of the printed form accepted as aliases.
//!
//! The parser gives values without positions, so spans are found again in the text: the
//! reader walks the fields in the order they are written and, from a cursor, finds each key
//! and the value after it. A value it cannot find literally (an escaped JSON string) points
//! at its key. A field kpilint does not know is an error, as in rule packs: a misspelt field
//! must never silently leave a cell empty.

use super::Ingested;
use crate::diagnostics::{codes, quoted, Diagnostic, Label, Severity};
use crate::model::{
    Cell, DepartmentSection, Document, Form, FormKind, Funds, GridLayout, IndicatorHalf,
    IndicatorRow, KeyTask, LabelledAmount, LabelledValue, LineIndex, MoneyUnit, SignOff, Source,
    Span, Text,
};
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::str::FromStr;

/// Every field, by its English name, with the Chinese aliases accepted for it.
const FORM_KEYS: &[(&str, &[&str])] = &[
    ("kind", &["类型"]),
    ("title", &["标题"]),
    ("year", &["年度"]),
    ("name", &["项目名称", "部门名称"]),
    ("department", &["主管部门", "主管部门及代码"]),
    ("implementing_unit", &["实施单位"]),
    ("attribute", &["项目属性"]),
    ("period", &["项目期"]),
    ("money_unit", &["金额单位"]),
    ("funds", &["资金", "项目资金"]),
    ("overview", &["项目概况"]),
    ("basis", &["立项依据"]),
    ("necessity", &["项目设立必要性"]),
    ("measures", &["保证项目实施的制度、措施", "保证措施"]),
    ("plan", &["项目实施计划"]),
    ("goals", &["总体目标"]),
    ("layout", &["指标表"]),
    ("indicators", &["绩效指标"]),
    ("sign_off", &["签署"]),
    ("department_section", &["部门信息"]),
];
const PERIOD_KEYS: &[(&str, &[&str])] = &[
    ("implementation", &["实施期", "中期"]),
    ("annual", &["年度"]),
];
/// The names a funds source goes by in a structured form (its key comes first): rule
/// examples write funds the same way.
pub fn funds_names(s: Source) -> impl Iterator<Item = &'static str> {
    let spelled = FUNDS_KEYS.iter().find(|(key, _)| *key == s.key());
    std::iter::once(s.key()).chain(
        spelled
            .into_iter()
            .flat_map(|(_, names)| names.iter().copied()),
    )
}

const FUNDS_KEYS: &[(&str, &[&str])] = &[
    ("total", &["资金总额"]),
    ("central", &["中央财政资金", "中央"]),
    ("provincial", &["省级财政资金", "省级"]),
    ("local", &["市县（区）财政资金", "市县财政资金", "市县"]),
    ("fiscal", &["财政拨款"]),
    ("general", &["一般公共预算", "一般公共预算拨款"]),
    ("government_fund", &["政府性基金预算", "政府性基金"]),
    ("state_capital", &["国有资本经营预算"]),
    ("special_account", &["财政专户管理资金"]),
    ("self_raised", &["单位自筹", "单位资金"]),
    ("carryover", &["上年结转"]),
    ("other", &["其他资金", "其他"]),
];
const HALF_KEYS: &[(&str, &[&str])] = &[
    ("level1", &["一级指标"]),
    ("level2", &["二级指标"]),
    ("name", &["三级指标"]),
    ("value", &["指标值"]),
];
const SIGN_OFF_KEYS: &[(&str, &[&str])] = &[
    ("principal", &["负责人"]),
    ("handler", &["经办人"]),
    ("phone", &["联系电话"]),
    ("date", &["填报日期"]),
];
const DEPARTMENT_KEYS: &[(&str, &[&str])] = &[
    ("info", &["部门基本信息"]),
    ("duties", &["部门职责"]),
    ("strategy", &["部门战略目标"]),
    ("funds_by_source", &["按资金来源划分"]),
    ("funds_by_direction", &["按资金方向划分"]),
    ("key_tasks", &["年度重点任务"]),
    ("tasks", &["年度主要任务"]),
    ("annual_goal", &["年度绩效目标"]),
];
const TASK_KEYS: &[(&str, &[&str])] = &[
    ("name", &["任务名称"]),
    ("content", &["主要内容"]),
    ("total", &["总额"]),
    ("fiscal", &["财政拨款"]),
    ("other", &["其他资金"]),
];
const LABELLED_KEYS: &[(&str, &[&str])] = &[
    ("label", &["项目", "名称"]),
    ("value", &["值"]),
    ("amount", &["金额"]),
];

/// How far from the cursor a key is sought whatever the budget ([`Locator::budget_for`]): a
/// form's next key is written within bytes of the last value found.
const NEAR: usize = 4 << 10;

/// How far past a key or an item [`Locator::near`] reads.
const SPACE: usize = 256;

/// Finds keys and values in the text, in the order they are written.
struct Locator<'t> {
    text: &'t str,
    cursor: usize,
    /// Bytes the key searches may still read ([`Locator::budget_for`]).
    budget: usize,
    /// While a value written as an alias (`*f`) is read: its fields are not written where it
    /// is, and a search for them would find another item's, so each is placed on the alias.
    frozen: Option<Span>,
    /// Where [`Locator::enter`] last placed the cursor.
    entered: Option<usize>,
}

impl<'t> Locator<'t> {
    fn new(text: &'t str) -> Self {
        Locator {
            text,
            cursor: 0,
            budget: Self::budget_for(text),
            frozen: None,
            entered: None,
        }
    }

    /// What the key searches of a file may read past [`NEAR`] in all: a key written with
    /// escapes (JSON's `"\u00e9"`) is not in the text as the parser gives it, and each search
    /// for it read the rest of the file (2,000 such rows before 8 MB took 17 s). Past the budget,
    /// a key is sought only near the cursor.
    fn budget_for(text: &str) -> usize {
        text.len().saturating_mul(8).max(1 << 20)
    }

    /// Where `key` is next written from the cursor: first near it, then, within the budget,
    /// anywhere after it.
    fn search(&mut self, key: &str) -> Option<usize> {
        if self.frozen.is_some() {
            return None;
        }
        let floor = |at: usize| crate::model::floor_char_boundary(self.text, at);
        let left = self.text.len() - self.cursor;
        let near = &self.text[self.cursor..floor(self.cursor + NEAR.min(left))];
        if let Some(k) = near.find(key) {
            return Some(self.cursor + k);
        }
        let rest = &self.text[self.cursor..floor(self.cursor + self.budget.min(left))];
        let found = rest.find(key);
        self.budget -= found.map_or(rest.len(), |k| k + key.len());
        found.map(|k| self.cursor + k)
    }

    /// Moves the cursor to where a mapping whose first key is `key` is written, and returns
    /// that place: the key (its quote, if quoted) where it is followed by a colon. Left where it
    /// is when the key is not found.
    fn enter(&mut self, key: &str) -> usize {
        let from = self.cursor;
        // A key's name may also be written in a value before it (a scalar over several lines
        // whose words could not be placed, [`Locator::words`]): a few occurrences are tried.
        for _ in 0..8 {
            let Some(k) = self.search(key) else { break };
            let after = self
                .near(k + key.len())
                .trim_start_matches(['"', '\'', ' ']);
            if after.starts_with(':') {
                let quoted = k > 0 && matches!(self.text.as_bytes()[k - 1], b'"' | b'\'');
                self.cursor = k - usize::from(quoted);
                self.entered = Some(self.cursor);
                return self.cursor;
            }
            self.cursor = k + key.len();
        }
        self.cursor = from;
        from
    }

    /// Where a value that is not a mapping is written, past the cursor: a mapping is placed by
    /// its first key, but a list's item `- 1` or `[丙]` has none, and was placed where the item
    /// before it ended (every row of a list of numbers on the list's key). Past spaces, comments
    /// and the brace closing the item before, the value is after a dash, a comma or its list's
    /// `[`: a quoted scalar, a collection in flow style to its closing bracket, or a plain
    /// scalar to its line's end (after a dash) or to the next comma or bracket (in flow style).
    /// The cursor moves past it, so that the next item is sought after it. Anywhere else (a
    /// key's value, `funds: 100`) it is what is written past the spaces, read as in flow style,
    /// and the cursor moves to its start: spaces are never read twice.
    fn item(&mut self) -> Span {
        if let Some(alias) = self.frozen {
            return alias;
        }
        let b = self.text.as_bytes();
        let spaced = |at: usize| matches!(b.get(at), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
        let (mut i, mut marker, mut dash) = (self.cursor, None, 0);
        while i < b.len() {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' => i += 1,
                b'#' if i == 0 || spaced(i - 1) => i = line_end(b, i),
                b'}' if marker.is_none() => i += 1,
                b'[' | b',' if marker.is_none() => (i, marker) = (i + 1, Some(b[i])),
                b'-' if marker.is_none() && spaced(i + 1) => {
                    dash = i;
                    (i, marker) = (i + 1, Some(b'-'));
                }
                _ => break,
            }
        }
        self.cursor = i;
        if i == b.len() || (marker.is_none() && matches!(b[i], b']' | b'}' | b',' | b':')) {
            return Span::empty(i);
        }
        let end = match b[i] {
            b'"' | b'\'' => quoted_end(b, i).unwrap_or(i),
            b'[' | b'{' => {
                let close = flow_list_items(self.text, i, self.text.len());
                close.map_or(i, |(.., close)| close + 1)
            }
            _ => {
                let line = line_end(b, i);
                let stop = (i..line).find(|&k| {
                    (b[k] == b'#' && k > i && spaced(k - 1))
                        || (marker != Some(b'-') && matches!(b[k], b',' | b']' | b'}'))
                });
                let end = i + self.text[i..stop.unwrap_or(line)].trim_end().len();
                // After a dash, a plain scalar goes on over the lines indented past the dash
                // (`- 跨行的\n    纯量`), which are not the next item's.
                match (marker, stop) {
                    (Some(b'-'), None) => plain_continued(b, end, column_of(b, dash)),
                    _ => end,
                }
            }
        };
        // Not after a dash, a comma or a bracket, the value may be other than an item's: the
        // cursor stays at its start.
        if marker.is_some() {
            self.cursor = end;
        }
        Span::new(i, end)
    }

    /// The span of a key, searching from the cursor, which stays put: the mapping's known
    /// fields are located after its unknown ones are reported.
    fn key(&mut self, key: &str) -> Span {
        match self.search(key) {
            Some(k) => Span::new(k, k + key.len()),
            None => self.frozen.unwrap_or(Span::empty(self.cursor)),
        }
    }

    /// The alias (`*name`) written at `at` (past a colon or a dash), if one is.
    fn alias_at(&self, at: usize) -> Option<Span> {
        let rest = self.near(at).trim_start_matches([' ', '\t']);
        let len = name_len(rest.strip_prefix('*')?);
        let start = at + (self.near(at).len() - rest.len());
        (len > 0).then(|| Span::new(start, start + 1 + len))
    }

    /// The text from `at` that the checks of what follows a key or an item read ([`SPACE`]):
    /// spaces past it are not looked through, or every item of a list could read one long gap.
    fn near(&self, at: usize) -> &'t str {
        let end = crate::model::floor_char_boundary(self.text, (at + SPACE).min(self.text.len()));
        &self.text[at..end.max(at)]
    }

    /// The span of `key`'s value `shown` (as it would be written), searching from the cursor.
    fn find(&mut self, key: &str, shown: Option<&str>) -> Span {
        if let Some(alias) = self.frozen {
            return alias;
        }
        let Some(k) = self.search(key) else {
            return Span::empty(self.cursor);
        };
        let after_key = k + key.len();
        // Its colon follows it, but for spaces and a quote.
        let near =
            crate::model::floor_char_boundary(self.text, (after_key + 64).min(self.text.len()));
        let colon = self.text[after_key..near]
            .find(':')
            .map_or(after_key, |c| after_key + c + 1);
        self.cursor = colon;
        // A scalar written as an alias is placed on it: its value is written elsewhere.
        if let Some(alias) = shown.and_then(|_| self.alias_at(colon)) {
            self.cursor = alias.end();
            return alias;
        }
        let Some(shown) = shown.filter(|s| !s.is_empty()) else {
            return Span::empty(colon);
        };
        let first_line = shown.lines().next().unwrap_or(shown);
        let window_end = crate::model::floor_char_boundary(
            self.text,
            (colon + first_line.len() + 400).min(self.text.len()),
        );
        let line = || {
            let v = self.text[colon..window_end].find(first_line)?;
            Some(Span::new(colon + v, colon + v + first_line.len()))
        };
        // A scalar written over several lines is read with its line breaks folded (`>`, or in
        // quotes), or its indentation dropped (`|`): it is placed by its words, from the first
        // to the last, or else by its first line.
        let found = match first_line.len() < shown.len() {
            true => self.words(colon, shown).or_else(line),
            false => line().or_else(|| self.words(colon, shown)),
        };
        match found {
            Some(span) => {
                self.cursor = span.end();
                span
            }
            None => Span::new(after_key - key.len(), after_key),
        }
    }

    /// Where the scalar `shown` is written past `from` when its words are written in turn with
    /// only blanks and line breaks between them (a folded scalar, `>`, a quoted one over several
    /// lines, a literal one, `|`, whose indentation the parser drops): from its first word's
    /// start to its last word's end. `None` when they are not (an escape, a `''` in quotes).
    fn words(&self, from: usize, shown: &str) -> Option<Span> {
        let mut words = shown.split_whitespace();
        let first = words.next()?;
        // Its text follows the colon within a block scalar's header line and the blank lines
        // after it, or a quote.
        let end = crate::model::floor_char_boundary(
            self.text,
            (from + shown.len() * 2 + SPACE).min(self.text.len()),
        );
        let window = &self.text[from..end];
        let k = window.find(first)?;
        // Only blanks, a quote, or a block scalar's header and a comment after it come before.
        let plain = window[..k].lines().all(|line| {
            let line = line.split_once(" #").map_or(line, |(line, _)| line);
            (line.chars()).all(|c| c.is_whitespace() || "\"'|>+-0123456789".contains(c))
        });
        if !plain {
            return None;
        }
        let start = from + k;
        let mut at = start + first.len();
        for word in words {
            let rest = &self.text[at..end];
            let gap = rest.len() - rest.trim_start().len();
            if !rest[gap..].starts_with(word) {
                return None;
            }
            at += gap + word.len();
        }
        Some(Span::new(start, at))
    }
}

struct Reader<'t> {
    loc: Locator<'t>,
    diagnostics: Vec<Diagnostic>,
    /// Forms past [`MAX_FORMS`] (over every document of the file), parsed and not read, and
    /// where the last form read ends.
    skipped: usize,
    cut: usize,
    /// Rows past [`MAX_ROWS`] cut out of the text being parsed, one form's ([`RowsCut`]).
    rows_cut: usize,
    /// Errors found in the form being read and in the file, listed or not, and how many of
    /// each were not listed ([`MAX_FORM_ERRORS`], [`MAX_FILE_ERRORS`]).
    errors: Errors,
}

#[derive(Default)]
struct Errors {
    in_form: usize,
    in_file: usize,
    unlisted_in_form: usize,
    unlisted_in_file: usize,
}

/// Errors listed for one form: past them the form is not what the reader expects at all (a
/// table of a different kind, every row's fields misnamed), and one more line says how many
/// were left out. A mapping of 70,000 unknown keys gave as many findings, 74 MB of them.
const MAX_FORM_ERRORS: usize = 100;

/// Errors listed for one file, over all its forms: some 400 bytes each held until the file is
/// reported, 8 MB at most. Ten thousand forms with a misnamed field each are all listed.
const MAX_FILE_ERRORS: usize = 20_000;

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An amount as written (thousands separated or not) in 元, its unit `scale` 元; `None` if it is
/// not a number or would overflow.
fn in_yuan(written: &str, scale: Decimal) -> Option<Decimal> {
    let d = Decimal::from_str(&written.replace([',', '，'], "")).ok()?;
    d.checked_mul(scale)
}

/// What a value that should be a scalar is instead, for a message.
fn shape(v: &Value) -> &'static str {
    match v {
        Value::Sequence(_) => "列表",
        Value::Mapping(_) => "映射",
        _ => "带标签的值",
    }
}

impl<'t> Reader<'t> {
    /// Where mapping `v` is written, the cursor moved there: a field missing from it is
    /// reported at its start, not where the value read before it ended (in a list, in the
    /// item before).
    fn enter(&mut self, v: &Value) -> Span {
        if let Some(alias) = self.loc.frozen {
            return alias;
        }
        // Not a tagged mapping (which `as_mapping` would see through): its tag is written
        // before its keys, and is reported where it is.
        let first = match v {
            Value::Mapping(m) => m.keys().next().and_then(scalar),
            _ => None,
        };
        if let Some(key) = first {
            self.loc.enter(&key);
        }
        Span::empty(self.loc.cursor)
    }

    /// From `start`, where an item begins, to the end of what was read of it. An item read
    /// through an alias seeks none of its cells, so the cursor may still lie before it.
    fn since(&self, start: usize) -> Span {
        Span::new(start, self.loc.cursor.max(start))
    }

    /// Reads the value of `key`, a mapping or a list, with `read`, given where a field it leaves
    /// out is missing. Written as an alias (`*f`), its fields are not written there: each is
    /// placed on the alias, and none is sought (it would be found in a later item).
    fn nested<T>(&mut self, key: &str, read: impl FnOnce(&mut Self, Span) -> T) -> T {
        let at = self.loc.find(key, None);
        let alias = self.loc.alias_at(at.start());
        self.through(alias, |r| read(r, alias.unwrap_or(at)))
    }

    /// Reads the next item of a list with `read`; an item written as an alias (`- *row`) as
    /// [`Self::nested`] reads a value.
    fn item<T>(&mut self, read: impl FnOnce(&mut Self) -> T) -> T {
        // The cursor is past the item before, or at the list's key: what lies between is
        // punctuation, space and comments.
        let rest = self.loc.near(self.loc.cursor);
        let mut punctuation = rest;
        loop {
            punctuation = punctuation
                .trim_start_matches(|c: char| c.is_whitespace() || "-,[]{}\"'".contains(c));
            match punctuation.strip_prefix('#') {
                Some(comment) => punctuation = comment.find('\n').map_or("", |n| &comment[n..]),
                None => break,
            }
        }
        let alias = self
            .loc
            .alias_at(self.loc.cursor + rest.len() - punctuation.len());
        self.loc.entered = None;
        let read = self.through(alias, read);
        // An item none of whose cells was found (all left out, or unknown fields) left the
        // cursor at its first key: past it, or the next item's would be found there too.
        if let Some(at) = self.loc.entered.take().filter(|&at| self.loc.cursor <= at) {
            let first = self.loc.text[at..].chars().next().map_or(0, char::len_utf8);
            self.loc.cursor = at + first;
        }
        read
    }

    /// `read`, with every cell it reads placed on `alias` when there is one (and none is
    /// being read through already).
    fn through<T>(&mut self, alias: Option<Span>, read: impl FnOnce(&mut Self) -> T) -> T {
        match alias.filter(|_| self.loc.frozen.is_none()) {
            Some(alias) => {
                self.loc.frozen = Some(alias);
                let read = read(self);
                self.loc.frozen = None;
                self.loc.cursor = alias.end();
                read
            }
            None => read(self),
        }
    }

    /// A value that should be a scalar and is a list or mapping is reported, never read as a
    /// blank; a null is a blank.
    fn not_scalar(&mut self, key: &str, v: &Value, what: &str) -> Span {
        if !matches!(v, Value::Null) {
            let written = self.loc.key(key);
            self.error(written, format!("“{key}”应为{what}，这里是{}", shape(v)));
        }
        self.loc.find(key, None)
    }

    fn error(&mut self, span: Span, message: String) {
        let e = &mut self.errors;
        e.in_form += 1;
        e.in_file += 1;
        if e.in_form > MAX_FORM_ERRORS {
            e.unlisted_in_form += 1;
            return;
        }
        if e.in_file > MAX_FILE_ERRORS {
            e.unlisted_in_file += 1;
            return;
        }
        self.diagnostics.push(Diagnostic::new(
            &codes::STRUCTURED_INVALID,
            message,
            Label::new(span, "此处"),
        ));
    }

    /// The fields of a mapping in written order, by canonical name; unknown keys reported.
    fn fields<'v>(
        &mut self,
        v: &'v Value,
        known: &[(&'static str, &[&str])],
        what: &str,
    ) -> Vec<(&'static str, String, &'v Value)> {
        let m = match v {
            Value::Mapping(m) => m,
            // A tag is YAML's own, not a form's: named, and placed where it is written.
            Value::Tagged(t) => {
                let tag = t.tag.to_string();
                let at = self.loc.key(&tag);
                self.error(
                    at,
                    format!(
                        "{what}应为“字段: 值”的映射，不带 YAML 标签“{}”",
                        quoted(&tag)
                    ),
                );
                return Vec::new();
            }
            _ => {
                let at = self.loc.item();
                self.error(at, format!("{what}应为“字段: 值”的映射"));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        for (k, val) in m {
            let Some(key) = scalar(k) else { continue };
            match known
                .iter()
                .find(|(name, aliases)| *name == key || aliases.contains(&key.as_str()))
            {
                Some((name, _)) => out.push((*name, key, val)),
                None => {
                    let span = self.loc.key(&key);
                    let names: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
                    self.error(
                        span,
                        format!(
                            "{what}没有字段“{}”（可用：{}）",
                            quoted(&key),
                            names.join("、")
                        ),
                    );
                }
            }
        }
        out
    }

    fn text(&mut self, key: &str, v: &Value) -> Cell<Text> {
        match scalar(v) {
            Some(s) if !s.trim().is_empty() => {
                let span = self.loc.find(key, Some(&s));
                Cell::new(s.into(), span)
            }
            Some(_) => Cell::missing(self.loc.find(key, None)),
            None => Cell::missing(self.not_scalar(key, v, "文字")),
        }
    }

    fn amount(&mut self, key: &str, v: &Value, scale: Decimal) -> Cell<Decimal> {
        let Some(s) = scalar(v) else {
            return Cell::missing(self.not_scalar(key, v, "金额"));
        };
        let span = self.loc.find(key, Some(&s));
        match in_yuan(&s, scale) {
            Some(d) => Cell::new(d, span),
            None => {
                self.error(span, format!("“{key}”应为金额，这里是“{}”", quoted(&s)));
                Cell::missing(span)
            }
        }
    }

    /// A column of funds; a source not written is missing at `at`, its period's key.
    fn funds(&mut self, v: &Value, scale: Decimal, at: Span) -> Funds {
        let mut f = Funds::missing_at(at);
        for (name, key, val) in self.fields(v, FUNDS_KEYS, "资金") {
            let cell = self.amount(&key, val, scale);
            match Source::of_key(name) {
                Some(s) => *f.cell_mut(s) = cell,
                None => f.total = cell,
            }
        }
        f
    }

    fn half(&mut self, v: &Value) -> IndicatorHalf {
        let at = self.enter(v);
        let mut h = IndicatorHalf {
            level1: Cell::missing(at),
            level2: Cell::missing(at),
            name: Cell::missing(at),
            value: Cell::missing(at),
            extras: Box::default(),
        };
        for (name, key, val) in self.fields(v, HALF_KEYS, "指标") {
            let cell = self.text(&key, val);
            match name {
                "level1" => h.level1 = cell.map(|t| String::from(t).into()),
                "level2" => h.level2 = cell.map(|t| String::from(t).into()),
                "name" => h.name = cell,
                _ => h.value = cell,
            }
        }
        h
    }

    /// A row of 年度主要任务, its amounts in `scale`.
    fn task(&mut self, v: &Value, scale: Decimal) -> KeyTask {
        let here = self.enter(v);
        let start = here.start();
        let mut t = KeyTask {
            span: here,
            name: Cell::missing(here),
            content: Cell::missing(here),
            total: Cell::missing(here),
            fiscal: Cell::missing(here),
            other: Cell::missing(here),
        };
        for (field, k, fv) in self.fields(v, TASK_KEYS, "年度主要任务") {
            match field {
                "name" => t.name = self.text(&k, fv).map(String::from),
                "content" => t.content = self.text(&k, fv).map(String::from),
                "total" => t.total = self.amount(&k, fv, scale),
                "fiscal" => t.fiscal = self.amount(&k, fv, scale),
                _ => t.other = self.amount(&k, fv, scale),
            }
        }
        t.span = self.since(start);
        t
    }

    fn row(&mut self, v: &Value) -> IndicatorRow {
        let start = self.enter(v).start();
        let mut r = IndicatorRow {
            span: Span::empty(start),
            implementation: None,
            annual: None,
        };
        for (p, k, hv) in self.fields(v, PERIOD_KEYS, "指标行") {
            let h = self.nested(&k, |r, _| r.half(hv));
            match p {
                "implementation" => r.implementation = Some(Box::new(h)),
                _ => r.annual = Some(h),
            }
        }
        r.span = self.since(start);
        r
    }

    fn labelled(&mut self, v: &Value, what: &str) -> Vec<(Cell<Text>, Cell<Text>)> {
        let Value::Sequence(items) = v else {
            let at = Span::empty(self.loc.cursor);
            self.error(at, format!("{what}应为列表"));
            return Vec::new();
        };
        let read = |r: &mut Self, item: &Value| {
            let at = r.enter(item);
            let (mut label, mut value) = (Cell::missing(at), Cell::missing(at));
            for (name, key, val) in r.fields(item, LABELLED_KEYS, what) {
                match name {
                    "label" => label = r.text(&key, val),
                    _ => value = r.text(&key, val),
                }
            }
            (label, value)
        };
        (items.iter())
            .map(|item| self.item(|r| read(r, item)))
            .collect()
    }

    /// The department form's blocks; the amounts of its task table are in `scale` (the
    /// form's unit), those of 年度预算情况 in 万元 as the form prints them.
    fn department(&mut self, v: &Value, scale: Decimal, at: Span) -> DepartmentSection {
        let mut d = DepartmentSection::missing_at(at);
        for (name, key, val) in self.fields(v, DEPARTMENT_KEYS, "部门信息") {
            match name {
                "info" => {
                    d.info = (self.nested(&key, |r, _| r.labelled(val, "部门基本信息")))
                        .into_iter()
                        .map(|(label, value)| LabelledValue { label, value })
                        .collect();
                }
                "funds_by_source" | "funds_by_direction" => {
                    let mut list = Vec::new();
                    for (label, value) in self.nested(&key, |r, _| r.labelled(val, "年度预算情况"))
                    {
                        // 万元 as printed on the department form; the model keeps 元.
                        let amount = (value.value.as_deref())
                            .map(|s| in_yuan(s, MoneyUnit::WanYuan.scale()));
                        if let Some(None) = amount {
                            let written = value.value.as_deref().unwrap_or_default();
                            self.error(
                                value.span,
                                format!(
                                    "年度预算情况的金额应为数字（万元），这里是“{}”",
                                    quoted(written)
                                ),
                            );
                        }
                        list.push(LabelledAmount {
                            label,
                            amount: Cell {
                                value: amount.flatten(),
                                span: value.span,
                            },
                        });
                    }
                    if name == "funds_by_source" {
                        d.funds_by_source = list;
                    } else {
                        d.funds_by_direction = list;
                    }
                }
                "duties" => d.duties = self.text(&key, val),
                "strategy" => d.strategy = self.text(&key, val),
                "key_tasks" => d.key_tasks = self.text(&key, val),
                "tasks" => {
                    d.tasks = self.nested(&key, |r, at| {
                        let Value::Sequence(items) = val else {
                            r.error(at, "年度主要任务应为列表".into());
                            return Vec::new();
                        };
                        (items.iter())
                            .map(|item| r.item(|r| r.task(item, scale)))
                            .collect()
                    });
                }
                _ => d.annual_goal = self.text(&key, val),
            }
        }
        d
    }

    fn form(&mut self, v: &Value) -> Form {
        let here = self.enter(v);
        let start = here.start();
        self.errors.in_form = 0;
        let fields = self.fields(v, FORM_KEYS, "表单");
        // The unit comes first: every amount depends on it.
        let money_unit = fields
            .iter()
            .find(|(n, ..)| *n == "money_unit")
            .and_then(|(_, _, v)| scalar(v))
            .map_or(MoneyUnit::Yuan, |u| {
                if u.contains('万') {
                    MoneyUnit::WanYuan
                } else {
                    MoneyUnit::Yuan
                }
            });
        let mut f = Form {
            money_unit,
            ..Form::empty(FormKind::Project, here)
        };
        for (name, key, val) in fields {
            match name {
                "kind" => {
                    let c = self.text(&key, val);
                    match c.value.as_deref() {
                        Some("project" | "项目") | None => {}
                        Some("department" | "部门") => f.kind = FormKind::Department,
                        Some(other) => self.error(
                            c.span,
                            format!("kind 应为 project 或 department，这里是“{}”", quoted(other)),
                        ),
                    }
                }
                "title" => f.title = self.text(&key, val),
                "year" => {
                    let c = self.text(&key, val);
                    // As the printed form writes it (2025年度) or as a number.
                    let year = (c.value.as_deref())
                        .map(|y| y.trim().trim_end_matches('度').trim_end_matches('年'))
                        .map(|y| y.trim().parse().ok());
                    if let Some(None) = year {
                        let written = c.value.as_deref().unwrap_or_default();
                        self.error(
                            c.span,
                            format!("“{key}”应为年份，如 2025，这里是“{}”", quoted(written)),
                        );
                    }
                    f.year = Cell {
                        value: year.flatten(),
                        span: c.span,
                    };
                }
                "name" => f.name = self.text(&key, val),
                "department" => {
                    let c = self.text(&key, val);
                    f.department = Cell {
                        value: c.value.as_deref().map(super::text::split_department),
                        span: c.span,
                    };
                }
                "implementing_unit" => f.implementing_unit = self.text(&key, val),
                "attribute" => f.attribute = self.text(&key, val),
                "period" => f.period = self.text(&key, val),
                "money_unit" => {
                    self.text(&key, val);
                }
                "funds" => {
                    let scale = f.money_unit.scale();
                    // A period not written is missing at `funds`, a source at its period.
                    (f.funds_implementation, f.funds_annual) = self.nested(&key, |r, at| {
                        let mut both = (Funds::missing_at(at), Funds::missing_at(at));
                        for (p, k, fv) in r.fields(val, PERIOD_KEYS, "资金") {
                            let funds = r.nested(&k, |r, at| r.funds(fv, scale, at));
                            match p {
                                "implementation" => both.0 = funds,
                                _ => both.1 = funds,
                            }
                        }
                        both
                    });
                }
                "overview" => f.texts.overview = self.text(&key, val),
                "basis" => f.texts.basis = self.text(&key, val),
                "necessity" => f.texts.necessity = self.text(&key, val),
                "measures" => f.texts.measures = self.text(&key, val),
                "plan" => f.texts.plan = self.text(&key, val),
                "goals" => {
                    let t = &mut f.texts;
                    (t.goal_implementation, t.goal_annual) = self.nested(&key, |r, at| {
                        let mut both = (Cell::missing(at), Cell::missing(at));
                        for (p, k, gv) in r.fields(val, PERIOD_KEYS, "总体目标") {
                            let c = r.text(&k, gv);
                            match p {
                                "implementation" => both.0 = c,
                                _ => both.1 = c,
                            }
                        }
                        both
                    });
                }
                "layout" => {
                    let c = self.text(&key, val);
                    if matches!(c.value.as_deref(), Some("single_period" | "单栏")) {
                        f.grid_layout = GridLayout::SinglePeriod;
                    }
                }
                "indicators" => {
                    f.indicators = self.nested(&key, |r, at| {
                        let Value::Sequence(rows) = val else {
                            r.error(at, "indicators 应为指标行的列表".into());
                            return Vec::new();
                        };
                        rows.iter().map(|row| r.item(|r| r.row(row))).collect()
                    });
                }
                "sign_off" => {
                    f.sign_off = self
                        .nested(&key, |r, at| {
                            let mut s = SignOff::missing_at(at);
                            for (p, k, sv) in r.fields(val, SIGN_OFF_KEYS, "签署") {
                                let c = r.text(&k, sv);
                                match p {
                                    "principal" => s.principal = c,
                                    "handler" => s.handler = c,
                                    "phone" => s.phone = c,
                                    _ => s.date = c,
                                }
                            }
                            s
                        })
                        .into();
                }
                _ => {
                    let scale = f.money_unit.scale();
                    let section = self.nested(&key, |r, at| r.department(val, scale, at));
                    f.department_section = Some(Box::new(section));
                }
            }
        }
        f.span = self.since(start);
        let unlisted = std::mem::take(&mut self.errors.unlisted_in_form);
        if unlisted > 0 {
            self.diagnostics.push(
                Diagnostic::new(
                    &codes::STRUCTURED_INVALID,
                    format!("此表另有 {unlisted} 处读取错误未列出（每张表最多列出 {MAX_FORM_ERRORS} 处）"),
                    Label::new(Span::empty(start), "本表"),
                )
                .with_help("表单的结构与 docs/forms.md 相差太多：先改正列出的错误（字段名、层级），再重新检查"),
            );
        }
        // What is said of a form ends with it.
        self.errors.in_form = 0;
        f
    }
}

/// Reads a YAML or JSON file of forms: one form, a list of forms, `forms: [...]`, or a
/// stream of YAML documents.
pub fn read(path: &str, text: String) -> Ingested {
    read_handing(path, text, &mut super::keep)
}

/// Forms handed over at a time ([`super::FormSink`]).
const FORMS_PER_HANDOVER: usize = 64;

/// [`read`], handing the forms over as they are read. A list of forms is parsed one form at a
/// time and each form's parsed tree let go once the form is built: parsed whole, a 10 MB JSON
/// list of 25,000 small forms peaked at 333 MB (the text reader holds a block of forms at most).
pub fn read_handing(path: &str, text: String, finished: super::FormSink<'_>) -> Ingested {
    if let Some(refused) = super::too_many_lines(path, &text) {
        return refused;
    }
    let mut diagnostics = Vec::new();
    if let Some(at) = too_deep(&text) {
        diagnostics.push(Diagnostic::new(
            &codes::STRUCTURED_INVALID,
            format!("无法读取表单：嵌套超过 {MAX_DEPTH} 层"),
            Label::new(Span::empty(at), "此处"),
        ));
        return Ingested {
            document: Document {
                path: path.to_owned(),
                line_index: LineIndex::new(&text),
                text,
                encoding: "UTF-8",
                structured: true,
                ..Document::default()
            },
            diagnostics,
            unreadable: true,
        };
    }
    let mut reader = Reader {
        loc: Locator::new(&text),
        diagnostics: Vec::new(),
        skipped: 0,
        cut: 0,
        rows_cut: 0,
        errors: Errors::default(),
    };
    let mut forms = Vec::new();
    let mut handed = 0;
    // A macro, not a closure: each stream borrows the reader and the forms anew.
    macro_rules! stream {
        ($skip:expr) => {
            Stream {
                reader: &mut reader,
                forms: &mut forms,
                handed: &mut handed,
                finished: &mut *finished,
                listed: false,
                skip: $skip,
            }
        };
    }
    let failed = |at: usize, reason: String| {
        let at = crate::model::floor_char_boundary(&text, at.min(text.len()));
        Diagnostic::new(
            &codes::STRUCTURED_INVALID,
            format!("无法读取表单：{reason}"),
            Label::new(Span::empty(at), "此处"),
        )
    };
    // JSON is read as it is parsed. The YAML parser first loads a whole document's events (a
    // list of 13,000 forms took 200 MB), so YAML is handed to it in pieces.
    if super::Format::of(path) == super::Format::Json {
        let mut de = serde_json::Deserializer::from_str(&text);
        let read =
            serde::de::DeserializeSeed::deserialize(stream!(0), &mut de).and_then(|()| de.end());
        if let Err(e) = read {
            diagnostics.push(failed(json_offset(&text, &e), json_reason(&e)));
        }
    } else {
        // A stream is read a document at a time, and a list of forms an item at a time,
        // whatever its length: what does not parse is reported and the rest is read.
        for (doc_from, doc_to) in documents(&text) {
            if is_empty_document(&text[doc_from..doc_to]) {
                continue;
            }
            // A document's kept directives (`head`) are parsed before each piece of it.
            let (start, doc, head) = document_body(&text[doc_from..doc_to]);
            let start = doc_from + start;
            let flow = flow_items(doc);
            let block = match flow {
                None => block_items(doc),
                Some(_) => None,
            };
            // An aliased list whose items would parse it more than `NEEDS_BUDGET` times again is
            // parsed whole.
            let needs = match (&flow, &block) {
                (Some(f), _) => Some(anchor_needs(doc, &f.starts())),
                (None, Some(starts)) => Some(anchor_needs(doc, starts)),
                (None, None) => None,
            };
            let whole = matches!(needs, Some(None));
            let (flow, block) = (flow.filter(|_| !whole), block.filter(|_| !whole));
            let needs = needs.flatten();
            // Each item is one form, or the document is (its long lists are cut before it is
            // parsed).
            let one_form = flow.is_some()
                || block.is_some()
                || (doc.len() > CUT_ROWS_FROM
                    && (is_one_form(doc) || skip_blank(doc).starts_with('{')));
            let items = match (flow, block) {
                (Some(flow), _) => Items::flow(doc, flow),
                (None, Some(starts)) => Items::block(doc, &starts),
                (None, None) => Items::block(doc, &[0]),
            };
            for k in 0..items.items.len() {
                // An item that uses an anchor of earlier items is read after them: they are
                // parsed again, and not read as forms.
                let need = needs.as_ref().map_or(&[][..], |n| &n[k][..]);
                let piece = items.piece(k, need, head, (doc_from, start));
                let (from, to, own) = (piece.from, piece.to, piece.own);
                let cut = match one_form && to - from > CUT_ROWS_FROM {
                    true => cut_long_lists(&piece.text, own, piece.form),
                    false => None,
                };
                reader.rows_cut = cut.as_ref().map_or(0, |c| c.rows);
                let item = cut.as_ref().map_or(&*piece.text, |c| &c.text);
                let parts = &piece.parts;
                report_misread(item, parts, |p| cut.as_ref().map_or(p, |c| c.written(p)))
                    .for_each(|d| diagnostics.push(d));
                // Its fields are sought from its start, whatever the item before left unread.
                reader.loc.cursor = start + from;
                if item.len() > MAX_YAML_EVENTS / 4
                    && !super::yaml_events::within(item, MAX_YAML_EVENTS)
                {
                    diagnostics.push(too_many_events(start + from));
                    continue;
                }
                for each in serde_yaml::Deserializer::from_str(item) {
                    if let Err(e) =
                        serde::de::DeserializeSeed::deserialize(stream!(need.len()), each)
                    {
                        // Where the failure is in the text as parsed before its rows were cut
                        // (the cuts lie past the lead).
                        let at = yaml_offset(&e).min(item.len());
                        let at = cut.as_ref().map_or(at, |c| c.written(at));
                        let reason = yaml_reason(&e);
                        // A failure in the items read before this one is placed at its start,
                        // and shown where it lies.
                        let d = match at.checked_sub(own) {
                            Some(at) => failed(start + from + at, reason),
                            None => failed(
                                start + from,
                                format!("它用到的锚点所在的表单有误：{reason}"),
                            )
                            .with_secondary(Label::new(
                                Span::empty(crate::model::floor_char_boundary(
                                    &text,
                                    written_at(parts, at),
                                )),
                                "锚点所在表单的错误在此",
                            )),
                        };
                        diagnostics.push(d);
                        break;
                    }
                }
            }
        }
    }
    diagnostics.extend(reader.diagnostics);
    if reader.errors.unlisted_in_file > 0 {
        diagnostics.push(Diagnostic::new(
            &codes::STRUCTURED_INVALID,
            format!(
                "文件另有 {} 处读取错误未列出（每个文件最多列出 {MAX_FILE_ERRORS} 处）",
                reader.errors.unlisted_in_file
            ),
            Label::new(Span::empty(0), "本文件"),
        ));
    }
    if reader.skipped > 0 {
        diagnostics.push(Diagnostic::new(
            &codes::TOO_MANY_FORMS,
            format!(
                "文件有 {} 张绩效目标表，超过 {MAX_FORMS} 张，其余未读取",
                MAX_FORMS + reader.skipped
            ),
            Label::new(Span::empty(reader.cut), "此后未读取"),
        ));
    }
    let unreadable = diagnostics.iter().any(|d| {
        (&*d.code == codes::STRUCTURED_INVALID.code || &*d.code == codes::TOO_LARGE.code)
            && d.severity == Severity::Error
    }) && forms.is_empty();
    Ingested {
        document: Document {
            path: path.to_owned(),
            line_index: LineIndex::new(&text),
            text,
            encoding: "UTF-8",
            forms,
            structured: true,
            ..Document::default()
        },
        diagnostics,
        unreadable,
    }
}

/// A YAML document's items as they are parsed, one piece each: a list's items, or the document
/// as one item.
struct Items<'d> {
    doc: &'d str,
    /// Where each item begins and ends in `doc`.
    items: Vec<(usize, usize)>,
    /// A flow list's first item as it is read, with the brackets before it, closed, and where
    /// its form begins in that text.
    first: Option<(String, usize)>,
    /// A flow list the text ends in before its `]`, or that a `}` closes.
    unclosed: bool,
}

/// What is parsed for one item ([`Items::piece`]), and where each part of it is written.
struct Piece<'p> {
    text: std::borrow::Cow<'p, str>,
    /// Where in `text` the item's own text begins: past the lead (the document's directives,
    /// the items whose anchors it uses, a bracket).
    own: usize,
    /// Where each part of `text` begins in it, and where it is written in the file.
    parts: Vec<(usize, usize)>,
    /// Where the item's form begins in `text`, when it is a flow list's first, read with the
    /// brackets before it.
    form: Option<usize>,
    /// Where the item's own text begins and ends in the document.
    from: usize,
    to: usize,
}

impl<'d> Items<'d> {
    fn block(doc: &'d str, starts: &[usize]) -> Self {
        let ends = starts.iter().skip(1).copied().chain([doc.len()]);
        Items {
            doc,
            items: starts.iter().copied().zip(ends).collect(),
            first: None,
            unclosed: false,
        }
    }

    fn flow(doc: &'d str, flow: FlowItems) -> Self {
        Items {
            doc,
            first: Some((flow.first(doc), flow.first_form)),
            unclosed: flow.unclosed,
            items: flow.items,
        }
    }

    /// The piece item `k` is parsed as: the document's kept directives (`head`), the items it
    /// needs for their anchors (`need`), then the item. A flow list's items are listed again in
    /// brackets, the first without the brackets before it; the last of a list the text ends in
    /// has its opening bracket alone, so that it fails as the list does. `at` is where the
    /// document and its body (past `head`) begin in the file.
    fn piece(&self, k: usize, need: &[usize], head: &str, at: (usize, usize)) -> Piece<'_> {
        let (doc, (doc_from, start)) = (self.doc, at);
        let (from, to) = self.items[k];
        let open_end = self.unclosed && k + 1 == self.items.len();
        let to = if open_end { doc.len() } else { to };
        let flowed = self.first.is_some() && (!need.is_empty() || open_end);
        let mut lead = String::from(head);
        let mut parts = Vec::with_capacity(need.len() + 2);
        if !head.is_empty() {
            parts.push((0, doc_from));
        }
        if flowed {
            lead.push('[');
        }
        for &j in need {
            let from = match (j, &self.first) {
                (0, Some((_, form))) => *form,
                _ => self.items[j].0,
            };
            parts.push((lead.len(), start + from));
            lead.push_str(&doc[from..self.items[j].1]);
            if flowed {
                lead.push(',');
            }
        }
        parts.push((lead.len(), start + from));
        let own = lead.len();
        let (text, form) = match (k, &self.first) {
            (0, Some((first, form))) if head.is_empty() => (first.as_str().into(), Some(*form)),
            (0, Some((first, form))) => (format!("{head}{first}").into(), Some(head.len() + form)),
            _ if !lead.is_empty() => {
                let close = if flowed && !open_end { "]" } else { "" };
                lead.push_str(&doc[from..to]);
                lead.push_str(close);
                (lead.into(), None)
            }
            _ => (doc[from..to].into(), None),
        };
        Piece {
            text,
            own,
            parts,
            form,
            from,
            to,
        }
    }
}

/// One document's forms (a YAML document, or a whole JSON file), built one at a time as the
/// parser reaches them: a list of forms, `forms: [...]`, or a form.
struct Stream<'r, 't, 's> {
    reader: &'r mut Reader<'t>,
    forms: &'r mut Vec<Form>,
    /// How many of `forms` were handed over.
    handed: &'r mut usize,
    finished: super::FormSink<'s>,
    /// Reading the value of `forms:`, which must be a list of forms.
    listed: bool,
    /// The list's first items, read only for the anchors in them ([`anchor_needs`]).
    skip: usize,
}

impl Stream<'_, '_, '_> {
    /// Builds the form `v` is, whose indicator rows past [`MAX_ROWS`] (`dropped` of them) were
    /// not kept.
    fn push(&mut self, v: &Value, dropped: usize) {
        if self.full() {
            return;
        }
        let dropped = dropped + std::mem::take(&mut self.reader.rows_cut);
        let found = self.reader.diagnostics.len();
        let form = self.reader.item(|r| r.form(v));
        // What the reader found wrong in the form is the form's, as a rule's finding is.
        if let Some(name) = form.display_name() {
            let name = crate::diagnostics::form_name(name);
            for d in &mut self.reader.diagnostics[found..] {
                d.form = Some(name.clone());
            }
        }
        if dropped > 0 {
            let end = form.indicators.last().map_or(form.span, |r| r.span).end();
            self.reader.diagnostics.push(
                Diagnostic::new(
                    &codes::TOO_MANY_ROWS,
                    format!(
                        "指标表有 {} 行，超过 {MAX_ROWS} 行，其余未读取",
                        MAX_ROWS + dropped
                    ),
                    Label::new(Span::empty(end), "此后未读取"),
                )
                .with_form(form.display_name()),
            );
        }
        super::grid::check_rows(
            &form.indicators,
            form.display_name(),
            &mut self.reader.diagnostics,
        );
        self.forms.push(form);
        if self.forms.len() - *self.handed >= FORMS_PER_HANDOVER {
            (self.finished)(
                &mut self.forms[*self.handed..],
                &mut self.reader.diagnostics,
            );
            *self.handed = self.forms.len();
        }
    }

    /// Whether the file's forms have reached [`MAX_FORMS`]; if so, the form at hand is counted
    /// as skipped. Past the limit forms are still parsed, to count them and to find the end of
    /// the file, but nothing is built of them.
    fn full(&mut self) -> bool {
        if self.forms.len() < MAX_FORMS {
            return false;
        }
        if self.reader.skipped == 0 {
            // After the last form read.
            self.reader.cut = self.forms.last().map_or(0, |f| f.span.end());
        }
        self.reader.skipped += 1;
        true
    }

    /// `forms:`'s value is something other than a list: no form is read from it.
    fn not_a_list<E>(self) -> Result<(), E> {
        let at = self.reader.loc.key("forms");
        self.reader.error(at, "forms 应为表单的列表".into());
        Ok(())
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Stream<'_, '_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// A document that is a scalar is a form the reader reports; `forms:`'s value must be a list.
macro_rules! as_form {
    ($($method:ident($t:ty)),*) => {
        $(fn $method<E: serde::de::Error>(mut self, v: $t) -> Result<(), E> {
            match self.listed {
                true => self.not_a_list(),
                false => {
                    self.push(&Value::from(v), 0);
                    Ok(())
                }
            }
        })*
    };
}

impl<'de> serde::de::Visitor<'de> for Stream<'_, '_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a form, a list of forms or forms: [...]")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        for _ in 0..self.skip {
            if seq.next_element::<serde::de::IgnoredAny>()?.is_none() {
                return Ok(());
            }
        }
        let mut dropped = 0;
        while self.forms.len() < MAX_FORMS {
            match seq.next_element_seed(Capped(&mut dropped))? {
                Some(v) => self.push(&v, std::mem::take(&mut dropped)),
                None => return Ok(()),
            }
        }
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            self.full();
        }
        Ok(())
    }

    /// A form; or, when `forms` is its first key, that key's list of forms, and then nothing
    /// else (any other key is reported and not read).
    fn visit_map<A: serde::de::MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        if self.listed {
            while map
                .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                .is_some()
            {}
            return self.not_a_list();
        }
        let mut form = serde_yaml::Mapping::new();
        let mut listed = false;
        let mut dropped = 0;
        while let Some(key) = map.next_key::<Value>()? {
            if form.is_empty() && !listed && key.as_str() == Some("forms") {
                listed = true;
                map.next_value_seed(Stream {
                    reader: &mut *self.reader,
                    forms: &mut *self.forms,
                    handed: &mut *self.handed,
                    finished: &mut *self.finished,
                    listed: true,
                    skip: self.skip,
                })?;
                continue;
            }
            if listed {
                map.next_value::<serde::de::IgnoredAny>()?;
                let name = scalar(&key).unwrap_or_default();
                let at = self.reader.loc.key(&name);
                let message = format!("forms 之外的字段“{}”未读取", quoted(&name));
                self.reader.error(at, message);
                continue;
            }
            let value = match is_rows_key(&key) {
                true => map.next_value_seed(Rows(&mut dropped))?,
                false => map.next_value::<Value>()?,
            };
            form.insert(key, value);
        }
        if !listed {
            self.push(&Value::Mapping(form), dropped);
        }
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        match self.listed {
            true => self.not_a_list(),
            false => Ok(()),
        }
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.visit_unit()
    }

    /// A tagged document (`--- !tag`) is a form the reader reports.
    fn visit_enum<A: serde::de::EnumAccess<'de>>(mut self, data: A) -> Result<(), A::Error> {
        let v = tagged(data)?;
        match self.listed {
            true => self.not_a_list(),
            false => {
                self.push(&v, 0);
                Ok(())
            }
        }
    }

    as_form!(
        visit_bool(bool),
        visit_i64(i64),
        visit_u64(u64),
        visit_f64(f64),
        visit_str(&str)
    );
}

/// Forms read per file, as a text's ([`super::text::MAX_FORMS`]): a 10 MB JSON list of
/// 25,000 small forms peaked at 71 MB with every form read.
const MAX_FORMS: usize = super::text::MAX_FORMS;

/// Indicator rows a structured form is read with, as a printed form's grid (`S008` past it):
/// a real form has tens, and a JSON file of one form with 100,000 rows peaked at 381 MB.
const MAX_ROWS: usize = super::text::MAX_GRID_LINES;

/// Whether a form's key is its indicator rows' (`indicators`, `绩效指标`).
fn is_rows_key(key: &Value) -> bool {
    matches!(key.as_str(), Some("indicators" | "绩效指标"))
}

/// A form as parsed, its indicator rows past [`MAX_ROWS`] counted into `.0` and not kept.
struct Capped<'a>(&'a mut usize);

impl<'de> serde::de::DeserializeSeed<'de> for Capped<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// A value with a YAML tag (`!tag`), which serde sees as an enum: kept as the parser gives
/// it, tag and all, for the reader to report.
fn tagged<'de, A: serde::de::EnumAccess<'de>>(data: A) -> Result<Value, A::Error> {
    serde::Deserialize::deserialize(serde::de::value::EnumAccessDeserializer::new(data))
}

/// The scalars, unit, none and tagged values of a visitor that gives a [`Value`]: kept as the
/// parser gives them (the reader reports what it cannot use).
macro_rules! scalars_as_values {
    () => {
        scalars_as_values!(
            visit_bool(bool),
            visit_i64(i64),
            visit_u64(u64),
            visit_f64(f64),
            visit_str(&str)
        );

        fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<Value, A::Error> {
            tagged(data)
        }

        fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
    };
    ($($method:ident($t:ty)),*) => {
        $(fn $method<E: serde::de::Error>(self, v: $t) -> Result<Value, E> {
            Ok(Value::from(v))
        })*
    };
}

impl<'de> serde::de::Visitor<'de> for Capped<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a form")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut form = serde_yaml::Mapping::new();
        while let Some(key) = map.next_key::<Value>()? {
            let value = match is_rows_key(&key) {
                true => map.next_value_seed(Rows(&mut *self.0))?,
                false => map.next_value::<Value>()?,
            };
            form.insert(key, value);
        }
        Ok(Value::Mapping(form))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            items.push(v);
        }
        Ok(Value::Sequence(items))
    }

    scalars_as_values!();
}

/// A form's indicator rows: the first [`MAX_ROWS`] kept, the rest counted into `.0`.
struct Rows<'a>(&'a mut usize);

impl<'de> serde::de::DeserializeSeed<'de> for Rows<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Rows<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of indicator rows")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut rows = Vec::new();
        while rows.len() < MAX_ROWS {
            match seq.next_element::<Value>()? {
                Some(row) => rows.push(row),
                None => return Ok(Value::Sequence(rows)),
            }
        }
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
            *self.0 += 1;
        }
        Ok(Value::Sequence(rows))
    }

    // Anything else is not a list of rows: the reader reports it as such.
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Value::Null)
    }

    scalars_as_values!();
}

/// A form is a few levels deep; the YAML parser's time grows with nesting, so a file
/// nested deeper than this is refused before it is parsed.
const MAX_DEPTH: usize = 64;

/// Where nesting first goes deeper than `MAX_DEPTH`: brackets outside quotes, or block
/// sequences and mappings by indentation.
fn too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            (None, ']' | '}') => depth = depth.saturating_sub(1),
            (None, '\n') => quote = None,
            _ => {}
        }
    }
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let indent = line.len() - line.trim_start_matches([' ', '-']).len();
        if indent / 2 > MAX_DEPTH {
            return Some(start);
        }
        start += line.len();
    }
    None
}

/// Whether a line is the key `forms:` alone (but for a comment), a list of forms to follow.
fn is_forms_key(content: &str) -> bool {
    content.strip_prefix("forms:").is_some_and(|rest| {
        let rest = rest.trim_start();
        rest.is_empty() || rest.starts_with('#')
    })
}

/// A YAML text's lines that hold more than a comment: where each starts, its indentation in
/// spaces, and what follows it (without the line's end).
fn yaml_lines(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut start = 0;
    text.split_inclusive('\n').filter_map(move |line| {
        let at = start;
        start += line.len();
        let body = line.trim_end_matches(['\n', '\r']);
        let content = body.trim_start_matches(' ');
        let blank = content.is_empty() || content.starts_with('#');
        (!blank).then_some((at, body.len() - content.len(), content))
    })
}

/// Whether a line of YAML is a document's start: `---` at the margin, then a space, a tab or
/// the line's end.
fn is_document_start(line: &str) -> bool {
    line.strip_prefix("---")
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
}

/// Where each document of a YAML stream begins and ends, each to be parsed alone, so that one
/// that does not parse leaves the others read (parsed together, the parser stops at the first
/// error). The stream is split before each line that starts a document ([`is_document_start`]):
/// such a line ends a block scalar and is an error in a quoted one, so it lies inside no
/// document. The comments before the first `---` go with it, and so do the directives before a
/// `---` (`%YAML`, `%TAG`): the parser reads them for the document after them alone, and forgets
/// them at its end ([`skip_directives`]). Found as they are read, not listed first: a stream may
/// hold millions of empty documents.
fn documents(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let directed = text.starts_with('%') || text.contains("\n%");
    let first_content = text.len() - skip_blank(text).len();
    let mut next = Some(0);
    std::iter::from_fn(move || {
        let from = next?;
        let mut at = from.max(first_content);
        next = None;
        while let Some(i) = text[at..].find("\n---") {
            at += i + 1;
            if !is_document_start(&text[at..]) {
                continue;
            }
            let start = match directed {
                true => directives_before(text, at),
                false => at,
            };
            if start > from.max(first_content) {
                next = Some(start);
                break;
            }
        }
        Some((from, next.unwrap_or(text.len())))
    })
}

/// Whether a line is a `%YAML` directive the parser accepts, 1.1 or 1.2 (but for a comment
/// after it): it reads a document after one as it does without it. It refuses any other version
/// ("found incompatible YAML document"); its numbers are read as decimals of up to nine digits,
/// so `1.02` is 1.2.
fn is_version_directive(line: &str) -> bool {
    static VERSION: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let version = VERSION.get_or_init(|| {
        regex::Regex::new(r"^%YAML[ \t]+0{0,8}1\.0{0,8}[12](?:[ \t]+#.*)?[ \t]*\r?$").unwrap()
    });
    version.is_match(line)
}

/// Where the directives just before the `---` line at `at` begin (blanks and comments may lie
/// among them), or `at` when there are none.
fn directives_before(text: &str, at: usize) -> usize {
    let (mut start, mut end) = (at, at);
    while end > 0 {
        let line_start = text[..end - 1].rfind('\n').map_or(0, |n| n + 1);
        let line = &text[line_start..end];
        if line.starts_with('%') {
            start = line_start;
        } else if !(line.trim().is_empty() || line.trim_start().starts_with('#')) {
            break;
        }
        end = line_start;
    }
    start
}

/// `text` past the blanks and comments it begins with, and past its directive when that is one
/// `%YAML 1.1` or `1.2` alone ([`is_version_directive`]), which changes nothing the parser
/// reads. With any other directive, or a second one, the text is left at it, to be parsed as
/// it is written: a `%TAG` directive's handles are read by the document's tags, and the parser
/// refuses a version it does not know or a `%YAML` given twice, with its own reason.
fn skip_directives(text: &str) -> &str {
    let t = skip_blank(text);
    let at_line = |t: &str| t.len() == text.len() || text[..text.len() - t.len()].ends_with('\n');
    if !(at_line(t) && is_version_directive(t.lines().next().unwrap_or(""))) {
        return t;
    }
    let past = skip_blank(t.find('\n').map_or("", |n| &t[n + 1..]));
    match at_line(past) && past.starts_with('%') {
        true => t,
        false => past,
    }
}

/// Whether a document is its `---` line alone (but for comments), which holds no form.
fn is_empty_document(doc: &str) -> bool {
    (skip_directives(doc).strip_prefix("---")).is_some_and(|rest| skip_blank(rest).is_empty())
}

/// A document's text past its `---` line, when the line holds nothing else (but a comment) and
/// text follows it; where that text begins; and what is parsed before each piece of it. That is
/// nothing, or the document up to that text when its directives are kept ([`skip_directives`]):
/// a `%TAG` handle is read by the tags of the whole document, so each item of a list is parsed
/// under it, as it is in the document. Otherwise the document is returned as it is, and parsed
/// whole: directives the parser refuses alone (reported once, with its reason), or marks in them
/// that the alias replay could take for anchors. [`block_items`] and [`is_one_form`] read a
/// document from its first line.
fn document_body(doc: &str) -> (usize, &str, &str) {
    let whole = (0, doc, "");
    let body = skip_directives(doc);
    let marked = doc.len() == body.len() || doc[..doc.len() - body.len()].ends_with('\n');
    if !marked {
        return whole;
    }
    let (kept, body) = match body.starts_with('%') {
        true => (true, past_directives(body)),
        false => (false, body),
    };
    let line = body.find('\n').map_or(body.len(), |n| n + 1);
    let after = &body[line..];
    if !(is_document_start(body)
        && skip_blank(&body[3..line]).is_empty()
        && !skip_blank(after).is_empty())
    {
        return whole;
    }
    let start = doc.len() - after.len();
    if !kept {
        return (start, after, "");
    }
    let head = &doc[..start];
    let parses = || serde_yaml::from_str::<serde_yaml::Value>(&format!("{head}~\n")).is_ok();
    match !head.contains(['&', '*']) && parses() {
        true => (start, after, head),
        false => whole,
    }
}

/// `text` past the directive lines it begins with, and the blanks and comments among them.
fn past_directives(text: &str) -> &str {
    let mut rest = text;
    while rest.starts_with('%') || skip_blank(rest).len() < rest.len() {
        rest = match rest.starts_with('%') {
            true => rest.find('\n').map_or("", |n| &rest[n + 1..]),
            false => skip_blank(rest),
        };
    }
    rest
}

/// Whether a YAML text is one form in block style: one document, whose first line is a key at
/// the margin other than `forms:`.
fn is_one_form(text: &str) -> bool {
    let mut lines = yaml_lines(text);
    let keyed = match lines.next() {
        Some((_, 0, first)) => {
            !first.starts_with(['-', '[', '{', '%', '!', '&', '"', '\''])
                && !first.starts_with("forms:")
                && first.contains(':')
        }
        _ => false,
    };
    keyed
        && !lines
            .any(|(_, indent, l)| indent == 0 && (l.starts_with("---") || l.starts_with("...")))
}

/// The size from which a YAML form has its long lists cut before it is parsed
/// ([`cut_block_rows`], [`cut_flow_rows`]); below it, a form is parsed as it is written.
const CUT_ROWS_FROM: usize = if cfg!(fuzzing) { 64 } else { 256 << 10 };

/// Where each item of a YAML document that is one block list of forms begins (`- ` at the
/// start of a line, or under a first line `forms:`, at one indentation), when the file can be
/// read an item at a time: one document, every other line deeper than the dashes (or blank, or
/// a comment). serde_yaml loads a document's events whole before any of it is read (a
/// document of 10 MB took some 200 MB); an item at a time, it holds one form's (an item that
/// uses an anchor of another is read with it: [`anchor_needs`]). Anything else is read as one
/// document, as before.
fn block_items(text: &str) -> Option<Vec<usize>> {
    let mut items = Vec::new();
    let mut dash: Option<usize> = None;
    let mut keyed = false;
    for (at, indent, content) in yaml_lines(text) {
        let is_item = content == "-" || content.starts_with("- ");
        match dash {
            None if items.is_empty() && indent == 0 && content.starts_with("forms:") => {
                if !is_forms_key(content) {
                    return None;
                }
                // The first item is read with the key, so that the key is read as such.
                items.push(at);
                keyed = true;
            }
            None if is_item => {
                dash = Some(indent);
                if !keyed {
                    items.push(at);
                }
            }
            Some(d) if is_item && indent == d => items.push(at),
            Some(d) if indent > d => {}
            _ => return None,
        }
    }
    if items.len() < 2 {
        return None;
    }
    // Comments before the first item are read with it.
    items[0] = 0;
    Some(items)
}

/// An alias serde_yaml reads as another anchor than the one it names ([`misread_aliases`]):
/// each place is a mark's start and length (`*name`, `&name`).
pub(crate) struct Misread<'t> {
    /// The name the alias and the anchor it means share.
    pub name: &'t str,
    /// Where the alias, the anchor it reads and the anchor it means are: (start, length).
    pub alias: (usize, usize),
    pub read_name: &'t str,
    pub read: (usize, usize),
    pub meant: (usize, usize),
}

/// The aliases of a YAML text that serde_yaml 0.9 reads wrong. Its loader numbers an anchor by
/// how many names it has seen, so a name defined again takes the number the next new name will
/// take: once that one is defined, an alias to the name reads it. The numbering is replayed over
/// the anchors and aliases found in the text ([`Marks`]), which names the alias and both anchors
/// to the person who wrote them, as the parser cannot be mended here.
pub(crate) fn misread_aliases(text: &str) -> Vec<Misread<'_>> {
    let mut found = Vec::new();
    if !looks_aliased(text) {
        return found;
    }
    let mut ids = std::collections::HashMap::new();
    // Where each number's anchor is, and its name, as the loader keeps them.
    let mut numbered: Vec<((usize, usize), &str)> = Vec::new();
    let mut latest = std::collections::HashMap::new();
    for Mark { anchor, at, name } in Marks::new(text) {
        let place = (at, 1 + name.len());
        if anchor {
            let id = ids.len();
            ids.insert(name, id);
            match numbered.get_mut(id) {
                Some(slot) => *slot = (place, name),
                None => numbered.push((place, name)),
            }
            latest.insert(name, place);
            continue;
        }
        let (Some(&id), Some(&meant)) = (ids.get(name), latest.get(name)) else {
            continue;
        };
        let (read, read_name) = numbered[id];
        if read != meant {
            found.push(Misread {
                name,
                alias: place,
                read_name,
                read,
                meant,
            });
        }
    }
    found
}

/// [`misread_aliases`] of a piece of YAML about to be parsed, as findings placed where they are
/// written: `parts` are where each part of the piece begins in it and where it is written (the
/// items parsed before an item for their anchors, then the item), and `uncut` the offset of a
/// place in the piece before its long lists were cut ([`RowsCut::written`]). The piece is what
/// the parser numbers, so its anchors are replayed, not the text as written. Only the last
/// part's aliases are reported; the items before it report theirs when they are read.
fn report_misread<'p>(
    piece: &'p str,
    parts: &'p [(usize, usize)],
    uncut: impl Fn(usize) -> usize + Copy + 'p,
) -> impl Iterator<Item = Diagnostic> + 'p {
    let own = parts.last().map_or(0, |&(own, _)| own);
    let span = move |(p, len): (usize, usize)| {
        let at = written_at(parts, uncut(p));
        Span::new(at, at + len)
    };
    (misread_aliases(piece).into_iter())
        .filter(move |m| uncut(m.alias.0) >= own)
        .map(move |m| m.finding(&codes::YAML_ALIAS_MISREAD, "", "", span))
}

impl Misread<'_> {
    /// The finding `code` makes of this alias, its message between `lead` and `tail`: the
    /// alias, the anchor it reads and the one it means, each placed by `span` (a place in the
    /// parsed text, and its length).
    pub(crate) fn finding(
        &self,
        code: &'static codes::Code,
        lead: &str,
        tail: &str,
        span: impl Fn((usize, usize)) -> Span,
    ) -> Diagnostic {
        let (name, read) = (self.name, self.read_name);
        Diagnostic::new(
            code,
            format!(
                "{lead}YAML 别名“*{name}”读到的是锚点“&{read}”的值，不是它所指的“&{name}”{tail}"
            ),
            Label::new(span(self.alias), "此别名"),
        )
        .with_secondary(Label::new(span(self.read), "读到的锚点"))
        .with_secondary(Label::new(span(self.meant), "所指的锚点"))
    }
}

/// Where an offset in a piece of YAML parsed is written, `parts` being where each part of the
/// piece begins in it and where it is written ([`report_misread`]).
fn written_at(parts: &[(usize, usize)], p: usize) -> usize {
    let (off, at) = (parts.iter().rev())
        .find(|&&(off, _)| off <= p)
        .copied()
        .unwrap_or_default();
    at + p - off
}

/// Anchors and aliases as libyaml names them (ASCII letters, digits, `_` and `-`), after a
/// space, a bracket, a comma or a colon: the mark (`&` or `*`), then the name. It also finds
/// them where they are text (in a quoted or block scalar, a comment, a plain scalar's middle).
/// That is what [`anchor_needs`] and [`cuts_keep_anchors`] want: there a mark too many only adds
/// work, while one missed would break a read (an item a scanner took to lie inside a quote that
/// never closes would be parsed without the item that defines its anchor). Findings are made
/// from [`Marks`], which passes over such text.
fn marks() -> &'static regex::Regex {
    static MARKS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    MARKS.get_or_init(|| regex::Regex::new(r"(?:^|[\s\[{,:])([&*])([0-9A-Za-z_-]+)").unwrap())
}

/// The length of the anchor's or alias's name `text` begins with, as libyaml reads one: ASCII
/// letters, digits, `_` and `-`.
fn name_len(text: &str) -> usize {
    (text.bytes())
        .take_while(|&b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        .count()
}

/// An anchor (`&name`) or an alias (`*name`) of a YAML text ([`Marks`]).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Mark<'t> {
    /// `true` for an anchor, `false` for an alias.
    anchor: bool,
    /// Where its `&` or `*` is.
    at: usize,
    name: &'t str,
}

/// The anchors and aliases of a YAML text where the parser reads them, in order: a `&` or `*`
/// where a node may begin (past a line's indentation, `- `, `? `, `: `, a flow bracket or comma,
/// a tag or an anchor), outside quoted scalars, block scalars and comments. Such a mark is text
/// there (`message: "含 &amp 字样"`), and taken for an anchor it would make a pack refused for a
/// misread alias it does not have ([`misread_aliases`]).
///
/// A scanner of the lines, not a parser: the continuation line of a plain scalar is read as a
/// node's start, and a quote that never closes runs to the text's end (the parser fails there
/// too, and an alias it misreads past the failure does not matter).
struct Marks<'t> {
    text: &'t str,
    at: usize,
    /// At a line's start, before its indentation.
    line_start: bool,
    /// Where the line begins, for columns.
    line: usize,
    /// Whether a node may begin at `at` (past blanks).
    node: bool,
    /// How many flow brackets are open.
    flow: usize,
    /// In block context: the column of the line's innermost key (past `- ` and `? `), of its
    /// last `- `, and whether a `: ` has been read on the line.
    key: usize,
    entry: Option<usize>,
    valued: bool,
    /// Inside a block scalar: its lines are those blank or indented past this column (`-1` for
    /// one at the top level, which runs to a document marker).
    block: Option<isize>,
}

impl<'t> Marks<'t> {
    fn new(text: &'t str) -> Self {
        Marks {
            text,
            at: 0,
            line_start: true,
            line: 0,
            node: true,
            flow: 0,
            key: 0,
            entry: None,
            valued: false,
            block: None,
        }
    }

    /// Past a line's indentation, or past the whole line when it belongs to a block scalar.
    fn start_line(&mut self) {
        let b = self.text.as_bytes();
        self.line = self.at;
        let end = line_end(b, self.at);
        let line = &b[self.at..end];
        let indent = line.iter().take_while(|&&c| c == b' ').count();
        let marker = (line.starts_with(b"---") || line.starts_with(b"..."))
            && matches!(line.get(3), None | Some(b' ' | b'\t' | b'\r'));
        if let Some(parent) = self.block {
            let blank = line.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r'));
            if !marker && (blank || indent as isize > parent) {
                self.at = end;
                return;
            }
            self.block = None;
        }
        self.at += indent;
        if marker {
            self.at += 3;
            self.flow = 0;
        }
        if self.flow == 0 {
            (self.node, self.key, self.entry, self.valued) = (true, indent, None, false);
        }
    }
}

/// Where a block plain scalar that runs to `end` (its first line's end, no comment on it)
/// ends: past the lines after it indented more than `column` (its dash's), blank lines
/// among them; a comment line, or a line at the dash's depth or less, ends it.
fn plain_continued(b: &[u8], mut end: usize, column: usize) -> usize {
    let mut at = line_end(b, end);
    while at < b.len() {
        let start = at + 1;
        let indent = b[start..].iter().take_while(|&&c| c == b' ').count();
        let first = start + indent;
        let line = line_end(b, first);
        // YAML's white space is spaces and tabs (and a CRLF's CR): a full-width space is text.
        let text = b[first..line].trim_ascii_end();
        if text.is_empty() {
            at = line;
            continue;
        }
        if indent <= column || text[0] == b'#' {
            break;
        }
        // A comment after the words ends the scalar there.
        let words = (first..line)
            .find(|&k| b[k] == b'#' && k > first && matches!(b[k - 1], b' ' | b'\t'))
            .unwrap_or(line);
        end = first + b[first..words].trim_ascii_end().len();
        if words < line {
            break;
        }
        at = line;
    }
    end
}

/// The column of byte `at`: the bytes since its line's start.
fn column_of(b: &[u8], at: usize) -> usize {
    at - b[..at]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |n| n + 1)
}

/// Where the line that `from` lies in ends: at its line break, or the text's end.
fn line_end(b: &[u8], from: usize) -> usize {
    (b[from..].iter().position(|&c| c == b'\n')).map_or(b.len(), |n| from + n)
}

/// Where the quoted scalar that begins at `start` ends: past its closing quote (a `''` inside
/// single quotes and a `\"` inside double quotes are text); nothing when no quote closes it.
fn quoted_end(b: &[u8], start: usize) -> Option<usize> {
    let q = b[start];
    let mut i = start + 1;
    while i < b.len() {
        match b[i] {
            b'\\' if q == b'"' => i += 2,
            c if c == q && q == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 2,
            c if c == q => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

impl<'t> Iterator for Marks<'t> {
    type Item = Mark<'t>;

    fn next(&mut self) -> Option<Mark<'t>> {
        let b = self.text.as_bytes();
        while self.at < b.len() {
            if self.line_start {
                self.line_start = false;
                self.start_line();
                continue;
            }
            let start = self.at;
            let c = b[start];
            let blank_after = matches!(b.get(start + 1), None | Some(b' ' | b'\t' | b'\r' | b'\n'));
            self.at += 1;
            match c {
                b'\n' => self.line_start = true,
                b' ' | b'\t' | b'\r' => {}
                b'#' if start == 0 || matches!(b[start - 1], b' ' | b'\t' | b'\n') => {
                    self.at = line_end(b, start);
                }
                b'&' | b'*' if self.node => {
                    let name = &self.text[start + 1..][..name_len(&self.text[start + 1..])];
                    self.at += name.len();
                    // An anchor is a property of the node after it; an alias is the node.
                    self.node = c == b'&';
                    if !name.is_empty() {
                        let anchor = c == b'&';
                        return Some(Mark {
                            anchor,
                            at: start,
                            name,
                        });
                    }
                }
                // A tag, a property like an anchor: the node follows it.
                b'!' if self.node => {
                    let len = (b[start..].iter())
                        .take_while(|&&c| {
                            !matches!(c, b' ' | b'\t' | b'\r' | b'\n')
                                && (self.flow == 0
                                    || !matches!(c, b',' | b'[' | b']' | b'{' | b'}'))
                        })
                        .count();
                    self.at = start + len;
                }
                b'\'' | b'"' if self.node => {
                    self.at = quoted_end(b, start).unwrap_or(b.len());
                    self.node = false;
                }
                b'|' | b'>' if self.node && self.flow == 0 => {
                    // Its text is indented past the mapping its key is in, the list its `- `
                    // is in, or, alone on its line, the node it is the value of (at the top
                    // level, the document: `-1`).
                    let parent = match (self.valued, self.entry) {
                        (true, _) => self.key as isize,
                        (false, Some(dash)) => dash as isize,
                        (false, None) => self.key as isize - 1,
                    };
                    self.block = Some(parent);
                    self.at = line_end(b, start);
                    self.node = false;
                }
                b'[' | b'{' if self.node || self.flow > 0 => {
                    self.flow += 1;
                    self.node = true;
                }
                b']' | b'}' if self.flow > 0 => {
                    self.flow -= 1;
                    self.node = false;
                }
                b',' if self.flow > 0 => self.node = true,
                b'-' | b'?' if self.node && blank_after => {
                    if self.flow == 0 {
                        let spaces = (b[start + 1..].iter()).take_while(|&&c| c == b' ').count();
                        if c == b'-' {
                            self.entry = Some(start - self.line);
                        }
                        self.key = start - self.line + 1 + spaces;
                    }
                }
                // In flow, also `:` right after a quoted key (`{"a":1}`) or before a bracket.
                b':' if blank_after
                    || (self.flow > 0
                        && (matches!(b.get(start + 1), Some(b',' | b']' | b'}'))
                            || (start > 0 && matches!(b[start - 1], b'"' | b'\'')))) =>
                {
                    self.valued |= self.flow == 0;
                    self.node = true;
                }
                // A plain scalar's text.
                _ => self.node = false,
            }
        }
        None
    }
}

/// The most parse events a piece of YAML may hold ([`super::yaml_events`]): serde_yaml loads
/// them all before building anything, at some 200 bytes each, so this is some 30 MB. A form of
/// 2,000 rows in both periods is some 40,000; a list parsed whole past it is thousands of forms,
/// or one form holds a very long list or mapping that is not its rows.
const MAX_YAML_EVENTS: usize = 150_000;

/// A piece of YAML left unparsed: more than [`MAX_YAML_EVENTS`] events, that could not be
/// split into forms. A piece gives some one event a byte, four in three bytes at the most
/// (`{a}`), so one shorter than a quarter of the limit in bytes is not counted.
fn too_many_events(at: usize) -> Diagnostic {
    Diagnostic::new(
        &codes::TOO_LARGE,
        format!(
            "此处起的 YAML 有超过 {MAX_YAML_EVENTS} 个值，又无法分成单张表读取，为控制内存未读取"
        ),
        Label::new(Span::empty(at), "未读取"),
    )
    .with_help(
        "表单之间的锚点引用成链（后一张表用前一张表的 &锚点），或一张表里有很长的非指标列表、大量字段时，\
         无法逐表读取：让各表只引用第一张表的锚点，或把文件拆成几份",
    )
}

/// How many times over [`anchor_needs`] may parse a list again: a list of forms that all use
/// the first one's defaults is parsed about twice.
const NEEDS_BUDGET: usize = 4;

/// For each item of a block list ([`block_items`], where each begins), the earlier items it
/// must be parsed after: those that define an anchor it uses (`&name` … `*name`, the last
/// definition before the use), and theirs in turn. Nothing when the list uses no alias; `None`
/// when reading the items with what they need would parse the document more than
/// [`NEEDS_BUDGET`] times again (then it is parsed whole). A list whose first item holds
/// defaults every other item uses parses that item once more for each; one whose items use only
/// their own anchors, once.
///
/// Anchors and aliases are found in the text, as libyaml names them (ASCII letters, digits,
/// `_` and `-`). One found inside a quoted scalar or a comment only adds an item to parse.
fn anchor_needs(text: &str, starts: &[usize]) -> Option<Vec<Vec<usize>>> {
    let mut needs = vec![Vec::new(); starts.len()];
    if !looks_aliased(text) {
        return Some(needs);
    }
    let size = |j: usize| starts.get(j + 1).copied().unwrap_or(text.len()) - starts[j];
    let mut budget = text.len() * NEEDS_BUDGET;
    let mut latest = std::collections::HashMap::new();
    // The item each item was last added to the needs of.
    let mut added = vec![usize::MAX; starts.len()];
    for c in marks().captures_iter(text) {
        let (mark, name) = (c.get(1)?, c.get(2)?.as_str());
        let k = starts
            .partition_point(|&s| s <= mark.start())
            .saturating_sub(1);
        if mark.as_str() == "&" {
            latest.insert(name, k);
            continue;
        }
        let Some(&j) = latest.get(name) else { continue };
        if j == k || added[j] == k {
            continue;
        }
        // Marks come in the text's order, so the needs of an earlier item are complete.
        let (before, after) = needs.split_at_mut(k);
        for &i in before[j].iter().chain([&j]) {
            if added[i] != k {
                added[i] = k;
                budget = budget.checked_sub(size(i))?;
                after[0].push(i);
            }
        }
    }
    for need in &mut needs {
        need.sort_unstable();
    }
    Some(needs)
}

/// A one-form YAML text whose block lists ran past [`MAX_ROWS`] items, with the items past it
/// cut out before it is parsed: a form of 100,000 rows in 9 MB peaked at 181 MB, the parser's
/// events for every row, of which 2,000 are read. The lists cut are the indicator rows and the
/// values of keys the form does not have (reported, never read).
struct RowsCut {
    text: String,
    /// Where in `text` each cut is, and how many bytes were cut there.
    cuts: Vec<(usize, usize)>,
    /// Indicator rows cut.
    rows: usize,
}

impl RowsCut {
    /// The offset in the text as written of an offset in the text as cut.
    fn written(&self, at: usize) -> usize {
        at + self
            .cuts
            .iter()
            .take_while(|&&(cut, _)| at >= cut)
            .map(|&(_, len)| len)
            .sum::<usize>()
    }
}

/// [`RowsCut`] of `text`, one form written in block style (at the margin, or a list's item),
/// after the items it is read with from `own` on: each key of the form alone on its line that
/// is its indicator rows (`indicators:`, `绩效指标:`) or no key of a form, holding a block list
/// of more than [`MAX_ROWS`] items. The items before `own` are not cut: the form uses their
/// anchors, which a cut in them would make it refuse ([`cuts_keep_anchors`]). Nothing when there
/// is none, or when an alias past a cut could read what was cut.
fn cut_block_rows(text: &str, own: usize) -> Option<RowsCut> {
    /// The list under a key being read: whether it is the rows, its dashes' depth once known,
    /// its items so far, and where its first item past the limit begins.
    struct List {
        rows: bool,
        dashes: Option<usize>,
        items: usize,
        cut: usize,
    }
    let mut out = RowsCut {
        text: String::new(),
        cuts: Vec::new(),
        rows: 0,
    };
    // Bytes of `text` copied into `out.text` so far, and what was cut of it.
    let mut copied = 0;
    let mut gone = Vec::new();
    let mut end_list = |list: &List, end: usize, out: &mut RowsCut| {
        if list.items > MAX_ROWS && list.cut >= own {
            out.text.push_str(&text[copied..list.cut]);
            out.cuts.push((out.text.len(), end - list.cut));
            out.rows += (list.items - MAX_ROWS) * usize::from(list.rows);
            gone.push((list.cut, end));
            copied = end;
        }
    };
    // The depth of the form's keys, and the list under the key last seen.
    let mut keys: Option<usize> = None;
    let mut list: Option<List> = None;
    // Where the flow list under the key last seen ends: the lines before are its own.
    let mut inside = 0;
    for (at, indent, content) in yaml_lines(text) {
        if at < inside {
            continue;
        }
        let is_item = content == "-" || content.starts_with("- ");
        if let Some(l) = list.as_mut() {
            match l.dashes {
                None if is_item && indent >= keys.unwrap_or(0) => {
                    l.dashes = Some(indent);
                    l.items = 1;
                    continue;
                }
                Some(d) if is_item && indent == d => {
                    l.items += 1;
                    if l.items == MAX_ROWS + 1 {
                        l.cut = at;
                    }
                    continue;
                }
                Some(d) if indent > d => continue,
                _ => {
                    end_list(l, at, &mut out);
                    list = None;
                }
            }
        }
        // The first item of a list under `forms:` is read with the key (`block_items`): its
        // form starts on the next line.
        if keys.is_none() && indent == 0 && is_forms_key(content) {
            continue;
        }
        // The first line gives the form's depth; its key may follow the item's dash.
        let (indent, content) = match (keys, content.strip_prefix("- ")) {
            (None, Some(rest)) => {
                let key = rest.trim_start_matches(' ');
                (indent + content.len() - key.len(), key)
            }
            _ => (indent, content),
        };
        if indent != *keys.get_or_insert(indent) {
            continue;
        }
        let Some((key, rest)) = content.split_once(':') else {
            continue;
        };
        // A key as the parser reads it: not quoted, nor spaced from its colon.
        if key.is_empty() || key.trim() != key || key.starts_with(['"', '\'', '?', '[', '{']) {
            continue;
        }
        let rest = rest.trim_start_matches(' ');
        let rows = is_rows_key(&Value::from(key));
        let known = FORM_KEYS
            .iter()
            .any(|(name, aliases)| *name == key || aliases.contains(&key));
        let value = skip_anchor(rest);
        if known && !rows {
            continue;
        }
        if value.is_empty() {
            list = Some(List {
                rows,
                dashes: None,
                items: 0,
                cut: 0,
            });
        } else if value.starts_with('[') {
            // A list in flow style under a key of a form in block style: cut as a form in
            // flow style has its lists cut, and its lines are not the form's keys.
            // `value` ends the line's content, which begins at its indentation.
            let open = at + indent + (content.len() - value.len());
            if let Some((items, cut, close)) = flow_list_items(text, open, text.len()) {
                let l = List {
                    rows,
                    dashes: None,
                    items,
                    cut,
                };
                end_list(&l, close, &mut out);
                inside = close;
            }
        }
    }
    if let Some(l) = &list {
        end_list(l, text.len(), &mut out);
    }
    if out.cuts.is_empty() || !cuts_keep_anchors(text, &gone, true) {
        return None;
    }
    out.text.push_str(&text[copied..]);
    Some(out)
}

/// The flow list whose `[` is at `open` in `text`: how many items it holds, the comma after
/// its [`MAX_ROWS`]th item (the items past the limit are cut from there to the list's end), and
/// where its `]` is. Nothing when it does not close before `limit`: the parser is left to say
/// where. A mapping (`{`) is walked alike, for where it closes.
fn flow_list_items(text: &str, open: usize, limit: usize) -> Option<(usize, usize, usize)> {
    let (mut depth, mut items, mut cut, mut from) = (0usize, 0, 0, open + 1);
    let mut close = None;
    flow_marks(text, open, |at, c| {
        match c {
            _ if at >= limit => return false,
            b'[' | b'{' => depth += 1,
            b']' | b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    items += usize::from(!skip_blank(&text[from..at]).is_empty());
                    close = Some(at);
                    return false;
                }
            }
            b',' if depth == 1 => {
                if !skip_blank(&text[from..at]).is_empty() {
                    items += 1;
                    if items == MAX_ROWS {
                        cut = at;
                    }
                }
                from = at + 1;
            }
            _ => {}
        }
        true
    });
    close.map(|close| (items, cut, close))
}

/// Whether cutting `cuts` (ranges of `text`, in order) out of a YAML text leaves each alias
/// kept reading what it reads as written: an alias past a cut must name an anchor written past
/// that cut, a scalar written before it (`department: &d 甲局`), or a collection that ends before
/// the next cut (`funds: &f` and its lines, a row's `&r {…}`). Any other node before it may hold
/// what was cut (the list, a row, or the form around it). Aliases within the rows kept, the
/// common case, name anchors with nothing cut before them. `block` says the text is in block
/// style, where a collection's lines are known by their indentation ([`anchored_ends_by`]).
fn cuts_keep_anchors(text: &str, cuts: &[(usize, usize)], block: bool) -> bool {
    if !looks_aliased(text) {
        return true;
    }
    // Each name's last anchor: where it is, and whether it is kept whole (found once an alias
    // past a cut reads it: a collection's lines may be long).
    struct Anchor {
        at: usize,
        name_end: usize,
        next_cut: usize,
        kept: Option<bool>,
    }
    let mut latest = std::collections::HashMap::new();
    for c in marks().captures_iter(text) {
        let (Some(mark), Some(name)) = (c.get(1), c.get(2)) else {
            continue;
        };
        let at = mark.start();
        let i = cuts.partition_point(|&(from, _)| from <= at);
        let before = i.checked_sub(1).map(|i| cuts[i].1);
        let cut = before.is_some_and(|end| at < end);
        if mark.as_str() == "&" {
            // A scalar on the anchor's line: not a collection, a block scalar, or a tag (which
            // may be a collection's).
            let node = text[name.end()..].trim_start_matches([' ', '\t']);
            let scalar = !node.is_empty()
                && !node.starts_with(['[', '{', '|', '>', '!', '?', '#', '\r', '\n']);
            let anchor = Anchor {
                at,
                name_end: name.end(),
                next_cut: cuts.get(i).map_or(text.len(), |&(from, _)| from),
                kept: (cut || scalar).then_some(!cut),
            };
            latest.insert(name.as_str(), anchor);
        } else if cut {
            // An alias cut out reads nothing.
        } else if let (Some(end), Some(a)) = (before, latest.get_mut(name.as_str())) {
            if a.at < end
                && !*(a.kept).get_or_insert_with(|| {
                    anchored_ends_by(text, a.at, a.name_end, block, a.next_cut)
                })
            {
                return false;
            }
        }
    }
    true
}

/// Whether the node anchored at `at` (its name ending at `from`) surely ends by `limit`: a flow
/// collection at its closing bracket; in block style (`block`), an item's node after its dash
/// (`- &r`) before the first line as indented as the dash or less, a key's value (`funds: &f`)
/// before the first line less indented than the key, or as indented and not a list's item (a
/// list may be a key's value at the key's indentation). Not for an anchor first on its line (its
/// node may be on the next line, at the anchor's indentation), or any other node in flow style.
/// A node taken to be longer than it is only makes a cut refused; it is read up to `limit` at
/// most, so that a form whose every row is anchored is not read once for each.
fn anchored_ends_by(text: &str, at: usize, from: usize, block: bool, limit: usize) -> bool {
    let node = text[from..].trim_start_matches([' ', '\t']);
    let start = text.len() - node.len();
    if node.starts_with(['[', '{']) {
        return flow_list_items(text, start, limit).is_some();
    }
    let line = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let before = &text[line..at];
    let indented = before.trim_start_matches(' ');
    if !block || indented.is_empty() {
        return false;
    }
    // The column of what the anchor follows: the last dash of `- - &a`, or a key.
    let mut col = before.len() - indented.len();
    let (mut rest, mut dash) = (indented, None);
    while let Some(r) = rest.strip_prefix("- ") {
        dash = Some(col);
        rest = r.trim_start_matches(' ');
        col = before.len() - rest.len();
    }
    let (col, after_dash) = match (rest.is_empty(), dash) {
        (true, Some(d)) => (d, true),
        _ => (col, false),
    };
    let next = (line_end(text.as_bytes(), from) + 1).min(text.len());
    for (to, n, content) in yaml_lines(&text[next..]) {
        if next + to > limit {
            return false;
        }
        let item = content == "-" || content.starts_with("- ");
        if n < col || (n == col && (after_dash || !item)) {
            return true;
        }
    }
    true
}

/// [`RowsCut`] of one form's text, after the items it is read with from `own` on: in flow
/// style from `form` when given, or when the form begins with one (`{…}`, or a block list's
/// item `- {…}`); else in block style.
fn cut_long_lists(item: &str, own: usize, form: Option<usize>) -> Option<RowsCut> {
    let form = form.or_else(|| {
        let rest = skip_blank(&item[own..]).trim_start_matches(['-', ' ']);
        rest.starts_with('{').then(|| item.len() - rest.len())
    });
    match form {
        Some(at) => cut_flow_rows(item, at),
        None => cut_block_rows(item, own),
    }
}

/// Whether a byte ends or separates plain text in YAML's flow style.
fn flow_break(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\r' | b'\n' | b',' | b'[' | b']' | b'{' | b'}'
    )
}

/// Walks YAML text in flow style from `from`, calling `mark(at, byte)` at each `[ ] { } , :`
/// that is structure: outside quoted scalars and comments, and a colon only as a key's (before
/// a space, a bracket or a comma, or after a quoted key). A plain scalar holds none of the
/// brackets or commas in flow style, so nothing else needs reading. A quote opens a scalar only
/// where one may begin (after a bracket, a comma, a colon, a tag or an anchor): in `it's` and
/// `5" x 3"` it is plain text. Stops where `mark` says false. Whether quotes close is the
/// parser's to say: an unclosed one ends the walk.
fn flow_marks(text: &str, from: usize, mut mark: impl FnMut(usize, u8) -> bool) {
    let b = text.as_bytes();
    // Whether a quote here would open a scalar; the first byte of the word last begun.
    let mut can_open = true;
    let mut word = b' ';
    let mut i = from;
    while i < b.len() {
        let c = b[i];
        let after_space = i == from || matches!(b[i - 1], b' ' | b'\t' | b'\r' | b'\n');
        match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                can_open |= matches!(word, b'!' | b'&' | b'?');
                word = b' ';
            }
            b'#' if after_space => {
                i = text[i..].find('\n').map_or(b.len(), |n| i + n);
                continue;
            }
            b'"' | b'\'' if can_open => {
                let Some(end) = quoted_end(b, i) else { return };
                // A quoted key's colon may follow it at once (`"a":1`).
                if b.get(end) == Some(&b':') {
                    if !mark(end, b':') {
                        return;
                    }
                    i = end + 1;
                    can_open = true;
                } else {
                    i = end;
                    can_open = false;
                }
                word = b' ';
                continue;
            }
            b'[' | b']' | b'{' | b'}' | b',' => {
                if !mark(i, c) {
                    return;
                }
                can_open = true;
                word = b' ';
            }
            b':' if b.get(i + 1).is_none_or(|&n| flow_break(n)) => {
                if !mark(i, c) {
                    return;
                }
                can_open = true;
                word = b' ';
            }
            _ => {
                if word == b' ' {
                    word = c;
                }
                can_open = false;
            }
        }
        i += 1;
    }
}

/// `text` from its first byte that is not whitespace or a comment.
fn skip_blank(text: &str) -> &str {
    let mut t = text.trim_start();
    while t.starts_with('#') {
        t = t.find('\n').map_or("", |n| t[n + 1..].trim_start());
    }
    t
}

/// `text` past blanks, comments and an anchor before a node (`&rows`), so that a list written
/// with an anchor is found as one.
fn skip_anchor(text: &str) -> &str {
    let t = skip_blank(text);
    match t.strip_prefix('&') {
        Some(name) => {
            let rest = &name[name_len(name)..];
            let ends = rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_whitespace());
            match rest.len() < name.len() && ends {
                true => skip_blank(rest),
                false => t,
            }
        }
        None => t,
    }
}

/// A YAML document that is one list of forms in flow style (`[{…}, {…}]`, `forms: [...]` or
/// `{forms: [...]}`), to be read an item at a time as [`block_items`]'s: where each item is
/// (the first from the file's start, to be read with what closes the brackets before it), and
/// where the first item's form begins.
#[derive(Debug, PartialEq)]
struct FlowItems {
    items: Vec<(usize, usize)>,
    closers: &'static str,
    first_form: usize,
    /// The text ends before the list does, or a brace closes it: its last item runs to the end.
    unclosed: bool,
}

impl FlowItems {
    /// Where each item begins, as [`anchor_needs`] takes them.
    fn starts(&self) -> Vec<usize> {
        self.items.iter().map(|&(from, _)| from).collect()
    }

    /// The first item as it is read: the file up to it, with its open brackets closed.
    fn first(&self, text: &str) -> String {
        let mut first = text[..self.items[0].1].to_owned();
        first.push_str(self.closers);
        first
    }
}

/// [`FlowItems`] of `text`, when it is one YAML document that is one flow list of at least two
/// items, with nothing after the list but what closes it, or a list the text ends in or a
/// brace closes (the parser would load its events up to the error, at or near its end). An item
/// that uses an anchor of another is read with it ([`anchor_needs`]).
fn flow_items(text: &str) -> Option<FlowItems> {
    let mut body = skip_blank(text);
    if let Some(rest) = body.strip_prefix("---") {
        if !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
            return None;
        }
        body = skip_blank(rest);
    }
    static KEYED: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let keyed = KEYED.get_or_init(|| {
        regex::Regex::new(r#"^(\{\s*)?(?:forms|"forms"|'forms')[ \t]*:\s*\["#).unwrap()
    });
    let start = text.len() - body.len();
    let (open, closers) = match keyed.captures(body) {
        _ if body.starts_with('[') => (start, "]"),
        Some(c) if c.get(1).is_some() => (start + c[0].len() - 1, "]}"),
        Some(c) => (start + c[0].len() - 1, "]"),
        None => return None,
    };
    let mut depth = 0usize;
    let mut ends = Vec::new();
    let mut end = None;
    flow_marks(text, open + 1, |at, c| {
        match c {
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => depth -= 1,
            b']' => {
                end = Some(at);
                return false;
            }
            // A brace closing the list is an error the parser stops at.
            b'}' => return false,
            b',' if depth == 0 => ends.push(at),
            _ => {}
        }
        true
    });
    // A list the text ends in, or that a brace closes, is split all the same: its last item
    // runs to the text's end, read without a bracket after it, and fails where the list does.
    let (end, unclosed) = match end {
        Some(end) => (end, false),
        None => (text.len(), true),
    };
    if !unclosed {
        let tail = skip_blank(&text[end + 1..]);
        let tail = match closers {
            "]}" => skip_blank(tail.strip_prefix('}')?),
            _ => tail,
        };
        if !tail.is_empty() {
            return None;
        }
    }
    let mut items = Vec::with_capacity(ends.len() + 1);
    let mut from = 0;
    for to in ends.into_iter().chain([end]) {
        let item = &text[from..to];
        let item = if from == 0 { &text[open + 1..to] } else { item };
        if skip_blank(item).is_empty() {
            // Only a trailing comma leaves an empty item that parses.
            if to != end {
                return None;
            }
        } else {
            items.push((from, to));
        }
        from = to + 1;
    }
    if items.len() < 2 {
        return None;
    }
    let first_form = items[0].1 - skip_blank(&text[open + 1..items[0].1]).len();
    Some(FlowItems {
        items,
        closers,
        first_form,
        unclosed,
    })
}

/// [`RowsCut`] of one form written in flow style from `form` (its `{`) in `text`: each of the
/// form's keys (quoted or not) that is its indicator rows or no key of a form, holding a flow
/// list of more than [`MAX_ROWS`] items, has the items past it cut (from the comma before the
/// first to the list's `]`). Nothing when there is none, or when an alias past a cut could
/// read what was cut ([`cuts_keep_anchors`]).
fn cut_flow_rows(text: &str, form: usize) -> Option<RowsCut> {
    if !text[form..].starts_with('{') {
        return None;
    }
    let mut depth = 0usize;
    // Where the key at hand begins; once its colon is read, what it holds and where its value
    // begins.
    let mut key_from = form + 1;
    let mut value: Option<(bool, usize)> = None;
    // Where the list under the key at hand ends: its items are counted by `flow_list_items`,
    // and the walk passes over them.
    let mut inside = 0;
    let mut cuts: Vec<(usize, usize, usize)> = Vec::new();
    flow_marks(text, form, |at, c| {
        if at < inside {
            return true;
        }
        match (c, depth) {
            (b'[' | b'{', _) => {
                if let Some((rows, from)) = value.take_if(|_| depth == 1) {
                    if c == b'[' && skip_anchor(&text[from..at]).is_empty() {
                        match flow_list_items(text, at, text.len()) {
                            Some((items, cut, close)) => {
                                if items > MAX_ROWS {
                                    cuts.push((cut, close, (items - MAX_ROWS) * usize::from(rows)));
                                }
                                inside = close;
                            }
                            // Unclosed: the parser says where; nothing past it is cut.
                            None => return false,
                        }
                    }
                }
                depth += 1;
                if depth == 1 {
                    key_from = at + 1;
                }
            }
            (b']' | b'}', 0) => return false,
            (b']' | b'}', _) => {
                depth -= 1;
                return depth > 0;
            }
            (b',', 1) => {
                key_from = at + 1;
                value = None;
            }
            (b':', 1) if value.is_none() => {
                let key = text[key_from..at].trim();
                let key = match key.as_bytes() {
                    [b'"', .., b'"'] if !key.contains('\\') => &key[1..key.len() - 1],
                    [b'\'', .., b'\''] if !key[1..key.len() - 1].contains('\'') => {
                        &key[1..key.len() - 1]
                    }
                    _ => key,
                };
                let rows = is_rows_key(&Value::from(key));
                let known = key == "forms"
                    || FORM_KEYS
                        .iter()
                        .any(|(name, aliases)| *name == key || aliases.contains(&key));
                value = (rows || !known).then_some((rows, at + 1));
            }
            _ => {}
        }
        true
    });
    let gone: Vec<_> = cuts.iter().map(|&(from, to, _)| (from, to)).collect();
    if cuts.is_empty() || !cuts_keep_anchors(text, &gone, false) {
        return None;
    }
    let mut out = RowsCut {
        text: String::with_capacity(text.len()),
        cuts: Vec::with_capacity(cuts.len()),
        rows: 0,
    };
    let mut copied = 0;
    for (from, to, rows) in cuts {
        out.text.push_str(&text[copied..from]);
        out.cuts.push((out.text.len(), to - from));
        out.rows += rows;
        copied = to;
    }
    out.text.push_str(&text[copied..]);
    Some(out)
}

/// Whether anything in a YAML text looks like an alias (`*name` after a space, a bracket, a
/// comma or a colon): the text is then parsed as it is written. An asterisk inside a value
/// (`5*3`) is none.
fn looks_aliased(text: &str) -> bool {
    static ALIAS: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let alias = ALIAS.get_or_init(|| regex::Regex::new(r"(?:^|[\s\[{,:])\*[^\s,\]}]").unwrap());
    alias.is_match(text)
}

/// Where a JSON error was found: serde_json gives a line and a column of bytes, both from 1.
fn json_offset(text: &str, e: &serde_json::Error) -> usize {
    let line_start = match e.line() {
        0 | 1 => 0,
        n => text
            .match_indices('\n')
            .nth(n - 2)
            .map_or(text.len(), |(i, _)| i + 1),
    };
    line_start + e.column().saturating_sub(1)
}

/// A JSON error's reason, without the place serde_json appends (the label gives it), said in
/// Chinese where it is a common one ([`in_chinese`]).
fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let s = match s.find(" at line ") {
        Some(i) => &s[..i],
        None => &s,
    };
    in_chinese(s, JSON_PROBLEMS, &[])
}

/// The YAML parser's problems (libyaml's, and serde_yaml's own) an auditor meets, in Chinese:
/// what is wrong and, where it is usually so, why.
const YAML_PROBLEMS: &[(&str, &str)] = &[
    (
        "did not find expected key",
        "这里应是一个键，多半是缩进不齐，或上一行的值没有写完",
    ),
    (
        "mapping values are not allowed in this context",
        "这里不能写“键: 值”，多半是缩进不齐，或值里的“: ”没有加引号",
    ),
    (
        "block sequence entries are not allowed in this context",
        "这里不能写列表项“- ”，多半是缩进不齐",
    ),
    (
        "did not find expected '-' indicator",
        "这里应是列表项“- ”，多半是缩进不齐",
    ),
    ("did not find expected ',' or ']'", "列表缺少“,”或“]”"),
    ("did not find expected ',' or '}'", "映射缺少“,”或“}”"),
    ("did not find expected node content", "这里应有一个值"),
    ("could not find expected ':'", "键后缺少“:”"),
    ("found unexpected ':'", "多了一个“:”"),
    (
        "found unexpected end of stream",
        "文件在结构结束前就结束了，引号或括号没有闭合",
    ),
    (
        "found unexpected document indicator",
        "引号内出现了文档分隔行“---”或“...”，引号没有闭合",
    ),
    (
        "found character that cannot start any token",
        "这个字符不能开始一个值，如用制表符缩进，或 @、` 开头的值没有加引号",
    ),
    (
        "found a tab character that violates indentation",
        "缩进里有制表符，YAML 只能用空格缩进",
    ),
    (
        "found a tab character where an indentation space is expected",
        "缩进里有制表符，YAML 只能用空格缩进",
    ),
    ("control characters are not allowed", "文件含有控制字符"),
    (
        "found unknown escape character",
        "双引号里有无法识别的转义，“\\”后的字符",
    ),
    (
        "did not find expected comment or line break",
        "值后面还有多余的内容",
    ),
    (
        "did not find expected alphabetic or numeric character",
        "锚点或别名的名字只能用英文字母、数字、“_”和“-”",
    ),
    (
        "found undefined tag handle",
        "标签的前缀没有在本文档的 %TAG 指令中声明，指令只对其后的一个文档有效",
    ),
    (
        "found incompatible YAML document",
        "不支持的 YAML 版本，只支持 1.1 和 1.2",
    ),
    (
        "found duplicate %YAML directive",
        "一个文档前有两条 %YAML 指令",
    ),
    (
        "found duplicate %TAG directive",
        "一个文档前有两条相同前缀的 %TAG 指令",
    ),
    (
        "found unknown directive name",
        "未知的指令，只能是 %YAML 或 %TAG",
    ),
    (
        "did not find expected <document start>",
        "指令之后应有文档开始行“---”",
    ),
    ("unknown anchor", "别名所指的锚点没有定义"),
    ("recursion limit exceeded", "嵌套层数过多"),
    ("repetition limit exceeded", "别名展开得过多，疑似别名炸弹"),
];

/// What the YAML parser was reading when it failed (`, while parsing a flow sequence`).
const YAML_CONTEXTS: &[(&str, &str)] = &[
    ("parsing a flow sequence", "读流式列表 [...] 时"),
    ("parsing a flow mapping", "读流式映射 {...} 时"),
    ("parsing a block mapping", "读映射时"),
    ("parsing a block collection", "读列表或映射时"),
    ("parsing a block node", "读值时"),
    ("parsing a flow node", "读值时"),
    ("parsing a node", "读值时"),
    ("scanning a quoted scalar", "读带引号的值时"),
    ("scanning a plain scalar", "读值时"),
    ("scanning a simple key", "读键时"),
    ("scanning a block scalar", "读多行文本 | 或 > 时"),
    ("scanning for the next token", "读下一项时"),
    ("scanning an anchor", "读锚点时"),
    ("scanning an alias", "读别名时"),
    ("scanning a directive", "读指令时"),
];

/// serde_json's problems an auditor meets, in Chinese.
const JSON_PROBLEMS: &[(&str, &str)] = &[
    (
        "EOF while parsing a list",
        "文件在列表结束前就结束了，缺少“]”",
    ),
    (
        "EOF while parsing an object",
        "文件在对象结束前就结束了，缺少“}”",
    ),
    (
        "EOF while parsing a string",
        "文件在字符串结束前就结束了，缺少引号",
    ),
    ("EOF while parsing a value", "文件在值之前就结束了"),
    ("expected `,` or `]`", "列表缺少“,”或“]”"),
    ("expected `,` or `}`", "对象缺少“,”或“}”"),
    ("expected `:`", "键后缺少“:”"),
    ("expected value", "这里应有一个值"),
    ("expected ident", "这里应是 true、false 或 null"),
    ("trailing comma", "最后一项后多了“,”"),
    ("trailing characters", "JSON 结束后还有多余的内容"),
    ("key must be a string", "键必须是带引号的字符串"),
    ("invalid escape", "字符串里有无法识别的转义"),
    ("invalid number", "数字的写法有误"),
    ("number out of range", "数字超出范围"),
    (
        "control character (\\u0000-\\u001F) found while parsing a string",
        "字符串里有控制字符，应写成转义",
    ),
    ("recursion limit exceeded", "嵌套层数过多"),
];

/// A parser's message said in Chinese where `problems` knows it, with what the parser was in
/// (`contexts`, after `, while `), and the parser's own words after it, to search them by:
/// "列表缺少“,”或“]”（读流式列表 [...] 时；did not find expected ',' or ']', while parsing a
/// flow sequence）". One it does not know is left as the parser wrote it.
fn in_chinese(message: &str, problems: &[(&str, &str)], contexts: &[(&str, &str)]) -> String {
    let (problem, context) = match message.split_once(", while ") {
        Some((problem, context)) => (problem, Some(context)),
        None => (message, None),
    };
    fn said<'z>(table: &[(&str, &'z str)], en: &str) -> Option<&'z str> {
        table
            .iter()
            .find(|(known, _)| *known == en)
            .map(|&(_, zh)| zh)
    }
    let Some(zh) = said(problems, problem) else {
        return message.to_owned();
    };
    match context.and_then(|c| said(contexts, c)) {
        Some(during) => format!("{zh}（{during}；{message}）"),
        None => format!("{zh}（{message}）"),
    }
}

/// [`in_chinese`] for a YAML parser's message.
pub(crate) fn yaml_in_chinese(message: &str) -> String {
    in_chinese(message, YAML_PROBLEMS, YAML_CONTEXTS)
}

/// serde_yaml's message without the places it names (the label carries the first; the parser
/// counts them in the piece of the file it was given, not in the file), but with what the
/// parser was in ("found unexpected end of stream, while scanning a quoted scalar"), said in
/// Chinese where it is a common one ([`yaml_in_chinese`]).
fn yaml_reason(e: &serde_yaml::Error) -> String {
    let mut s = e.to_string();
    if let Some((at, len, _)) = reader_position(&s) {
        s.replace_range(at..at + len, "");
    }
    while let Some(at) = s.find(" at line ") {
        let place = s[at + " at line ".len()..]
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .strip_prefix(" column ")
            .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()));
        let Some(rest) = place else { break };
        s = format!("{}{rest}", &s[..at]);
    }
    yaml_in_chinese(&s)
}

/// Where in the text parsed a YAML error lies: its mark, or for an error of the parser's reader
/// (a control character, invalid UTF-8), which has none, the byte offset its message gives
/// (" at position 174"). Without it the reader's errors were placed at the start of what was
/// parsed: with a document's directives or the items an item uses before it, a place in them.
fn yaml_offset(e: &serde_yaml::Error) -> usize {
    match e.location().map(|l| l.index()) {
        Some(at) if at > 0 => at,
        _ => reader_position(&e.to_string()).map_or(0, |(_, _, offset)| offset),
    }
}

/// The " at position N" a reader error's message holds after its problem, before the message's
/// end or its context (", while …"): where it begins, its length, and N. Text of the file quoted
/// in another message is not taken for it.
fn reader_position(message: &str) -> Option<(usize, usize, usize)> {
    const AT: &str = " at position ";
    let at = message.find(AT)?;
    let number = &message[at + AT.len()..];
    let digits = number.bytes().take_while(u8::is_ascii_digit).count();
    if !(number[digits..].is_empty() || number[digits..].starts_with(", ")) {
        return None;
    }
    let offset = number[..digits].parse().ok()?;
    Some((at, AT.len() + digits, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_text(text: &str) -> Ingested {
        read("f.yaml", text.to_owned())
    }

    /// Reads `list`, a YAML list of forms, split into its items and whole (a document end
    /// `...` after it keeps it whole): the same forms, at the same places, with the same
    /// findings.
    fn reads_split_as_whole(list: &str) -> Ingested {
        let split = read("f.yaml", list.to_owned());
        let whole = format!("{list}...\n");
        assert_eq!((block_items(&whole), flow_items(&whole)), (None, None));
        let whole = read("f.yaml", whole);
        assert_eq!(split.document.forms.len(), whole.document.forms.len());
        for (a, b) in split.document.forms.iter().zip(&whole.document.forms) {
            assert_eq!((a.span, a.name.span), (b.span, b.name.span));
            assert_eq!(a.name.value, b.name.value);
            assert_eq!(a.indicators.len(), b.indicators.len());
        }
        let found = |i: &Ingested| -> Vec<(String, Span)> {
            (i.diagnostics.iter())
                .map(|d| (d.message.clone(), d.primary.span))
                .collect()
        };
        assert_eq!(found(&split), found(&whole));
        split
    }

    /// Reads `broken`, a list of `forms` forms one of which does not parse: the others are read,
    /// and the one failure is placed on its line, which starts with `line`.
    fn one_item_fails(broken: &str, forms: usize, line: &str) {
        let ing = read("f.yaml", broken.to_owned());
        assert_eq!(ing.document.forms.len(), forms - 1);
        let failed: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message.starts_with("无法读取"))
            .collect();
        assert_eq!(failed.len(), 1);
        let at = failed[0].primary.span.start();
        let found = &broken[broken[..at].rfind('\n').unwrap() + 1..];
        assert!(found.starts_with(line), "{}", &found[..40]);
    }

    /// Reads `text`, whose form 甲 has 5,000 rows, then funds of 100 and a key `colour` the form
    /// does not have: its first 2,000 rows are read and the rest reported, and the keys after
    /// them are read and placed where they are written.
    fn reads_past_the_rows(text: &str) {
        let ing = read("f.yaml", text.to_owned());
        let f = (ing.document.forms.iter())
            .find(|f| f.name.value.as_deref() == Some("甲"))
            .unwrap();
        assert_eq!(f.indicators.len(), MAX_ROWS);
        assert_eq!(f.funds_annual.total.value, Some(Decimal::from(100)));
        let found: Vec<_> = (ing.diagnostics.iter())
            .map(|d| (d.message.as_str(), &text[d.primary.span.range()]))
            .collect();
        assert!(
            found.contains(&("指标表有 5000 行，超过 2000 行，其余未读取", "")),
            "{found:?}"
        );
        assert!(
            (found.iter()).any(|(m, at)| m.contains("colour") && at.contains("colour")),
            "{found:?}"
        );
    }

    /// [`RowsCut`] of one form alone, in flow style when it begins with a brace.
    fn cut_form(text: &str) -> Option<RowsCut> {
        match text.starts_with('{') {
            true => cut_flow_rows(text, 0),
            false => cut_block_rows(text, 0),
        }
    }

    /// Reads `broken`, whose parse error lies past a cut: it is placed in the text as written,
    /// past line `past`, not in the text as cut.
    fn fails_past_the_cut(broken: &str, past: usize) {
        let ing = read("f.yaml", broken.to_owned());
        let d = (ing.diagnostics.iter())
            .find(|d| d.message.starts_with("无法读取"))
            .unwrap();
        let line = broken[..d.primary.span.start()].lines().count();
        assert!(line > past, "placed in the text as cut: line {line}");
    }

    /// Key searches past the cursor's neighbourhood read at most eight times the file: past
    /// that, a key is sought only near the cursor.
    #[test]
    fn key_searches_stop_at_their_budget() {
        let text = format!("a: 1\n{}\nname: 甲\n", "x".repeat(1 << 20));
        let mut loc = Locator::new(&text);
        assert_eq!(&text[loc.key("name").range()], "name");
        // A key not written reads the rest of the file each time it is sought.
        for _ in 0..8 {
            assert_eq!(loc.key("été"), Span::empty(0));
        }
        assert_eq!(loc.budget, 0);
        assert_eq!(loc.key("name"), Span::empty(0));
        assert_eq!(loc.find("name", Some("甲")), Span::empty(0));
        // A key near the cursor is found whatever the budget.
        assert_eq!(loc.find("a", Some("1")), Span::new(3, 4));
        assert_eq!(loc.cursor, 4);
    }

    #[test]
    fn a_hand_written_form_with_chinese_field_names() {
        let text = "项目名称: 教育督导专项经费\n主管部门: 051-阳泉市教育局\n项目期: 1年\n资金:\n  年度: {资金总额: 20000, 市县: 20000}\n绩效指标:\n  - 年度: {二级指标: 数量指标, 三级指标: 督导次数, 指标值: ≥4次}\n";
        let ing = read_text(text);
        assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
        let f = &ing.document.forms[0];
        assert_eq!(f.name.value.as_deref(), Some("教育督导专项经费"));
        let slice = |s: Span| &text[s.range()];
        assert_eq!(slice(f.name.span), "教育督导专项经费");
        assert_eq!(
            f.department.value.as_ref().unwrap().code.as_deref(),
            Some("051")
        );
        assert_eq!(f.funds_annual.total.value, Some(Decimal::from(20000)));
        assert_eq!(slice(f.funds_annual.total.span), "20000");
        let h = f.indicators[0].annual.as_ref().unwrap();
        assert_eq!(slice(h.value.span), "≥4次");
    }

    #[test]
    fn unknown_fields_and_bad_amounts_are_errors_with_places() {
        let text = "name: 甲\nfunds:\n  annual: {total: 十万}\nnmae: 乙\n";
        let ing = read_text(text);
        let msgs: Vec<&str> = ing.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(msgs.iter().any(|m| m.contains("“nmae”")), "{msgs:?}");
        assert!(msgs.iter().any(|m| m.contains("应为金额")), "{msgs:?}");
        let d = ing
            .diagnostics
            .iter()
            .find(|d| d.message.contains("nmae"))
            .unwrap();
        assert_eq!(&text[d.primary.span.range()], "nmae");
        let f = &ing.document.forms[0];
        assert_eq!(&text[f.name.span.range()], "甲");
        // Items with nothing but an unknown field are each reported on their own line.
        let rows = "name: 甲\nindicators:\n  - {nmae: x}\n  - {nmae: y}\n  - {nmae: z}\n";
        let ing = read_text(rows);
        let lines: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message.contains("“nmae”"))
            .map(|d| ing.document.line_col(d.primary.span.start()).line)
            .collect();
        assert_eq!(lines, [3, 4, 5]);
    }

    /// A JSON form is read as it is parsed; an error points at its line and column.
    #[test]
    fn json_syntax_errors_point_at_their_place() {
        let text = "[{\"name\": \"甲\"},\n {\"name\": \"乙\",, }]";
        let ing = read("f.json", text.to_owned());
        let d = &ing.diagnostics[0];
        assert_eq!(d.code, "I009");
        assert_eq!(&text[d.primary.span.start()..], ", }]", "{}", d.message);
        assert!(!d.message.contains(" at line "), "{}", d.message);
        // The form before the error is read.
        assert_eq!(ing.document.forms.len(), 1);
        assert!(!ing.unreadable);
    }

    /// Rows past the 2,000 a printed grid is read with are counted, reported and not kept,
    /// in YAML and in JSON; the forms after the long one are read.
    #[test]
    fn rows_past_the_limit_are_reported_and_not_kept() {
        let row = "{annual: {level2: 数量指标, name: 人数, value: 5人}}";
        let rows = vec![row; MAX_ROWS + 5].join(", ");
        let yaml =
            format!("- {{name: 甲, indicators: [{rows}]}}\n- {{name: 乙, 绩效指标: [{row}]}}\n");
        let json_row = r#"{"annual": {"level2": "数量指标", "name": "人数", "value": "5人"}}"#;
        let json_rows = vec![json_row; MAX_ROWS + 5].join(", ");
        let json = format!(
            r#"{{"forms": [{{"name": "甲", "indicators": [{json_rows}]}}, {{"name": "乙"}}]}}"#
        );
        for (path, text) in [("f.yaml", yaml), ("f.json", json)] {
            let ing = read(path, text.clone());
            let forms = &ing.document.forms;
            assert_eq!(forms.len(), 2, "{path}");
            assert_eq!(forms[0].indicators.len(), MAX_ROWS, "{path}");
            let s008: Vec<_> = ing
                .diagnostics
                .iter()
                .filter(|d| d.code == "S008")
                .collect();
            assert_eq!(s008.len(), 1, "{path}");
            assert_eq!(
                s008[0].message,
                "指标表有 2005 行，超过 2000 行，其余未读取"
            );
            assert_eq!(s008[0].form.as_deref(), Some("甲"));
            // Just after the last row kept (its value, the last cell found in it).
            let at = s008[0].primary.span.start();
            assert!(
                text[..at].ends_with("5人"),
                "{path}: {}",
                &text[at - 20..at]
            );
            assert_eq!(text[..at].matches("人数").count(), MAX_ROWS, "{path}");
        }
    }

    /// A list in flow style under a key of a form in block style is cut as the rows of a form
    /// in flow style are: its rows past the limit reported and not parsed, the form's keys after
    /// it read, and the same form read as when it is parsed whole. An alias past the cut to an
    /// anchor in it keeps it whole.
    #[test]
    fn a_flow_list_under_a_block_key_is_cut() {
        let rows: Vec<String> = (0..MAX_ROWS + 500)
            .map(|i| format!("{{annual: {{level2: 数量指标, name: 人数{i}, value: {i}人}}}}"))
            .collect();
        let text = format!(
            "name: 甲\nindicators: [\n  {}]\nextra: [{}]\nimplementing_unit: 乙局\n",
            rows.join(",\n  "),
            vec!["1"; MAX_ROWS + 1].join(", ")
        );
        let cut = cut_form(&text).expect("cut");
        assert_eq!(cut.rows, 500);
        assert_eq!(cut.cuts.len(), 2, "the rows and the unknown key's list");
        assert!(cut.text.contains("value: 1999人}}]") && !cut.text.contains("人数2000,"));
        let ing = read_text(&text);
        let f = &ing.document.forms[0];
        assert_eq!(f.indicators.len(), MAX_ROWS);
        assert_eq!(f.implementing_unit.value.as_deref(), Some("乙局"));
        let messages: Vec<_> = ing.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(
            messages.contains(&"指标表有 2500 行，超过 2000 行，其余未读取"),
            "{messages:?}"
        );
        // Parsed whole (a document end after it keeps the text from being cut), the same.
        let whole = read_text(&format!("{text}...\n"));
        let rows_of = |f: &Form| format!("{:?}", f.indicators);
        assert_eq!(rows_of(&whole.document.forms[0]), rows_of(f));
        assert_eq!(whole.diagnostics.len(), ing.diagnostics.len());

        // An alias past the list to a row cut out of it: not cut; to a row kept, cut.
        let anchored = |row: usize| {
            let mut rows = rows.clone();
            rows[row] = format!("&r {}", rows[row]);
            format!(
                "name: 甲\nindicators: [\n  {}]\ngoals: {{annual: *r}}\n",
                rows.join(",\n  ")
            )
        };
        assert!(cut_form(&anchored(MAX_ROWS + 100)).is_none());
        assert_eq!(cut_form(&anchored(5)).map(|c| c.rows), Some(500));
    }

    /// A list's item that is not a mapping is placed on the value written there, in block and
    /// flow style, as a row or as a form, whatever the items before it; a scalar where a
    /// mapping belongs, on the scalar.
    #[test]
    fn items_that_are_not_mappings_are_placed_on_their_values() {
        let placed = |text: &str| -> Vec<String> {
            let ing = read_text(text);
            (ing.diagnostics.iter())
                .filter(|d| d.message.ends_with("应为“字段: 值”的映射"))
                .map(|d| text[d.primary.span.range()].to_owned())
                .collect()
        };
        let block = "name: 甲\nindicators:\n  - 1\n  - 2.0  # 注\n  - \"三\"\n  - [丙, 丁]\n  \
                     - {annual: {name: 人数, value: 5人}}\n  - 0x10\n";
        assert_eq!(placed(block), ["1", "2.0", "\"三\"", "[丙, 丁]", "0x10"]);
        // A plain scalar over several lines is one item, placed over all of them; the next
        // item is placed on its own line.
        let wrapped = "name: 甲\nindicators:\n  - 这一行是\n    跨行的\n\n    纯量\n  - 第二个\n  \
                       - 三\n    # 注\n  - 四  # 注\n  - 五\n      六\n";
        assert_eq!(
            placed(wrapped),
            [
                "这一行是\n    跨行的\n\n    纯量",
                "第二个",
                "三",
                "四",
                "五\n      六"
            ]
        );
        let flow = "name: 甲\nindicators: [1, 2.0, '三', [丙, 丁], {annual: {name: 人数}}, 0x10]\n\
                    funds: 100\n";
        assert_eq!(
            placed(flow),
            ["1", "2.0", "'三'", "[丙, 丁]", "0x10", "100"]
        );
        // Forms of a list, one read after the item whose anchor it uses.
        let forms = "- name: 甲\n  department: &d 局\n- [丙]\n- name: 乙\n  department: *d\n- 5\n";
        assert_eq!(placed(forms), ["[丙]", "5"]);
        // Parsed whole (a document end after the list), the same.
        assert_eq!(placed(&format!("{forms}...\n")), ["[丙]", "5"]);
    }

    /// What the reader lists of one form's errors, and of one file's, is bounded; a last line
    /// says how many more there are.
    #[test]
    fn a_form_of_unknown_fields_lists_a_hundred() {
        // The messages that start so, and where each is placed.
        fn listed<'i>(ing: &'i Ingested, start: &str) -> Vec<(&'i str, usize)> {
            (ing.diagnostics.iter())
                .filter(|d| d.message.starts_with(start))
                .map(|d| (d.message.as_str(), d.primary.span.start()))
                .collect()
        }
        let keys: String = (0..MAX_FORM_ERRORS + 50)
            .map(|i| format!("k{i}: 1\n"))
            .collect();
        let ing = read_text(&format!("name: 甲\n{keys}"));
        assert_eq!(listed(&ing, "表单没有字段").len(), MAX_FORM_ERRORS);
        assert_eq!(
            listed(&ing, "此表另有"),
            [("此表另有 50 处读取错误未列出（每张表最多列出 100 处）", 0)]
        );
        // The next form is listed in full.
        let two = format!(
            "- name: 甲\n{}- name: 乙\n  k: 1\n",
            keys.replace('k', "  k")
        );
        assert_eq!(listed(&read_text(&two), "表单没有字段“k”").len(), 1);

        let forms: String = (0..MAX_FILE_ERRORS / 10 + 1)
            .map(|i| {
                format!(
                    "- name: 项目{i}\n{}",
                    (0..10).map(|k| format!("  x{k}: 1\n")).collect::<String>()
                )
            })
            .collect();
        let ing = read_text(&forms);
        assert_eq!(listed(&ing, "表单没有字段").len(), MAX_FILE_ERRORS);
        assert_eq!(
            listed(&ing, "文件另有"),
            [(
                "文件另有 10 处读取错误未列出（每个文件最多列出 20000 处）",
                0
            )]
        );
        assert_eq!(ing.document.forms.len(), MAX_FILE_ERRORS / 10 + 1);
    }

    /// YAML that cannot be split into forms and would load more events than the limit is left
    /// unparsed with one finding at its start, whatever its shape; under the limit it is read.
    #[test]
    fn yaml_too_many_events_to_parse_whole_is_refused() {
        // A list whose items chain anchors through one another: each is read after all the
        // items before it, so it is parsed whole.
        let chain = |n: usize| -> String {
            (0..n)
                .map(|k| {
                    let prev = match k {
                        0 => String::new(),
                        _ => format!("  implementing_unit: *r{}\n", k - 1),
                    };
                    format!("- name: 项目{k}\n  department: &r{k} 局{k}\n{prev}")
                })
                .collect()
        };
        let ing = read_text(&chain(2_000));
        assert_eq!(ing.document.forms.len(), 2_000);
        assert!(!ing.diagnostics.iter().any(|d| d.code == "I010"));
        let text = chain(20_000);
        let ing = read_text(&text);
        let refused: Vec<_> = (ing.diagnostics.iter())
            .map(|d| (&*d.code, d.primary.span.start()))
            .collect();
        assert_eq!(refused, [("I010", 0)]);
        assert!(ing.diagnostics[0].message.contains("150000"));
        assert!(ing.unreadable);
        // A mapping of keys beyond count, and a long list nested where no rows are sought.
        for text in [
            (0..80_000)
                .map(|i| format!("k{i}: {i}\n"))
                .collect::<String>(),
            format!(
                "name: 甲\nfunds: {{other: [{}]}}\n",
                vec!["1"; 160_000].join(", ")
            ),
        ] {
            let ing = read_text(&text);
            let codes: Vec<_> = ing.diagnostics.iter().map(|d| &*d.code).collect();
            assert_eq!(codes, ["I010"]);
        }
    }

    /// Past the text reader's limit of forms a file, forms are counted and not read, in a JSON
    /// list as in a YAML stream of one form a document; the finding is placed after the last
    /// form read.
    #[test]
    fn forms_past_the_limit_are_counted_not_read() {
        let n = MAX_FORMS + 5;
        let json: Vec<String> = (0..n)
            .map(|i| format!(r#"{{"name": "项目{i}"}}"#))
            .collect();
        let json = format!("[{}]", json.join(",\n"));
        let yaml: String = (0..n).map(|i| format!("---\nname: 项目{i}\n")).collect();
        for (path, text) in [("f.json", json), ("f.yaml", yaml)] {
            let ing = read(path, text.clone());
            let forms = &ing.document.forms;
            assert_eq!(forms.len(), MAX_FORMS, "{path}");
            assert_eq!(
                forms.last().unwrap().name.value.as_deref(),
                Some("项目9999")
            );
            let s010: Vec<_> = ing
                .diagnostics
                .iter()
                .filter(|d| d.code == "S010")
                .collect();
            assert_eq!(s010.len(), 1, "{path}");
            assert_eq!(
                s010[0].message,
                "文件有 10005 张绩效目标表，超过 10000 张，其余未读取"
            );
            let at = s010[0].primary.span.start();
            assert!(
                text[..at].ends_with("项目9999"),
                "{path}: {}",
                &text[at - 20..at]
            );
            assert!(!ing.unreadable);
        }
    }

    /// `forms:` holds a list of forms; beside it nothing else is read, and a `forms:` that is
    /// not a list is said to be one.
    #[test]
    fn forms_is_a_list_and_stands_alone() {
        let ing = read_text("forms:\n  - name: 甲\n  - name: 乙\nyear: 2025\n");
        let names: Vec<_> = ing
            .document
            .forms
            .iter()
            .map(|f| f.display_name())
            .collect();
        assert_eq!(names, [Some("甲"), Some("乙")]);
        let messages: Vec<&str> = ing.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["forms 之外的字段“year”未读取"]);
        let at = ing.diagnostics[0].primary.span;
        assert_eq!(&ing.document.text[at.start()..at.end()], "year");
        let ing = read_text("forms: 3\n");
        assert!(ing.document.forms.is_empty());
        let messages: Vec<&str> = ing.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["forms 应为表单的列表"]);
        // Not first, `forms` is a form's unknown field, as before.
        let ing = read_text("name: 甲\nforms: []\n");
        assert_eq!(ing.document.forms.len(), 1);
        assert!(ing.diagnostics[0].message.contains("没有字段“forms”"));
    }

    #[test]
    fn syntax_errors_have_a_line_and_column() {
        let ing = read_text("name: 甲\nfunds: [\n");
        assert!(ing.unreadable);
        let d = &ing.diagnostics[0];
        assert_eq!(d.code, "I009");
        assert!(ing.document.line_col(d.primary.span.start()).line >= 2);
    }

    /// A YAML tag is no part of a form: a tagged form, whether a document, a list's item or a
    /// row, is reported as a value that is not a mapping, and the forms beside it are read.
    #[test]
    fn tagged_forms_are_reported_and_the_rest_read() {
        let text = "--- !form\nname: 甲\n---\nname: 乙\n---\n- !form {name: 丙}\n- name: 丁\n  indicators: [!row {name: x}]\n";
        let ing = read_text(text);
        let names: Vec<_> = ing
            .document
            .forms
            .iter()
            .map(|f| f.name.value.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names, ["", "乙", "", "丁"]);
        let messages: Vec<_> = ing.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert!(
            !messages.iter().any(|m| m.contains("无法读取")),
            "{messages:?}"
        );
        // Each tag named, and placed where it is written.
        let tags: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message.contains("YAML 标签"))
            .map(|d| (d.message.as_str(), &text[d.primary.span.range()]))
            .collect();
        assert_eq!(
            tags,
            [
                ("表单应为“字段: 值”的映射，不带 YAML 标签“!form”", "!form"),
                ("表单应为“字段: 值”的映射，不带 YAML 标签“!form”", "!form"),
                ("指标行应为“字段: 值”的映射，不带 YAML 标签“!row”", "!row"),
            ],
            "{messages:?}"
        );
        assert_eq!(text.find("!form").unwrap(), 4);
        assert!(messages.iter().any(|m| m.contains("指标")), "{messages:?}");
    }

    /// A list of forms, however short, is read an item at a time: an item that does not parse
    /// is reported in its place, and the forms before and after it are read. (A flow list whose
    /// brackets do not pair is parsed whole, as its items cannot be told apart.)
    #[test]
    fn a_broken_item_of_a_short_list_leaves_the_others_read() {
        for text in [
            "- name: 甲\n- name: 乙\n  funds: {total: [}\n- name: 丙\n",
            "forms:\n  - name: 甲\n  - name: 乙\n    funds: {total: [}\n  - name: 丙\n",
            "[{name: 甲},\n {name: 乙, funds: {total: @1}},\n {name: 丙}]\n",
            "{\"forms\": [{\"name\": \"甲\"},\n {\"name\": \"乙\", \"funds\": {\"total\": @1}},\n {\"name\": \"丙\"}]}\n",
        ] {
            let ing = read_text(text);
            let names: Vec<_> = (ing.document.forms.iter())
                .map(|f| f.name.value.as_deref().unwrap_or(""))
                .collect();
            assert_eq!(names, ["甲", "丙"], "{text}");
            let failed: Vec<_> = (ing.diagnostics.iter())
                .filter(|d| d.message.starts_with("无法读取表单"))
                .map(|d| ing.document.line_index.line_col(text, d.primary.span.start()).line)
                .collect();
            // On the line of the bracket that does not close, or of the `@` no value begins with.
            let line = text[..text.find("[}").or(text.find('@')).unwrap()].lines().count();
            assert_eq!(failed, [line as u32], "{text}");
            assert!(!ing.unreadable);
        }
    }

    #[test]
    fn a_block_list_of_forms_splits_at_its_dashes() {
        let list = "# 表\n- name: 甲\n  indicators:\n    - {name: x}\n\n- name: 乙\n";
        assert_eq!(
            block_items(list),
            Some(vec![0, list.find("- name: 乙").unwrap()])
        );
        let keyed = "forms:\n  - name: 甲\n  # 注\n  - name: 乙\n  - name: 丙\n";
        let second = keyed.find("  - name: 乙").unwrap();
        let third = keyed.find("  - name: 丙").unwrap();
        assert_eq!(block_items(keyed), Some(vec![0, second, third]));
        // Not split: a second document, a line at the dashes' depth, one item, a `forms:` with
        // its value on its line, a multi-line scalar back at the margin.
        for text in [
            "- name: 甲\n---\n- name: 乙\n",
            "- name: 甲\nyear: 2025\n- name: 乙\n",
            "- name: 甲\n  indicators: []\n",
            "forms: []\n- name: 乙\n",
            "# 空\n\n",
            "",
            "- name: \"甲\n乙\"\n- name: 丙\n",
        ] {
            assert_eq!(block_items(text), None, "{text}");
        }
    }

    /// A field a listed form leaves out is missing in that form, not at the file's start or
    /// where the form before it ended: a report names the form a finding lies in by its place.
    #[test]
    fn a_field_left_out_is_missing_where_its_own_form_is_written() {
        let list = "- kind: project\n  name: 甲\n  funds: {implementation: {total: 1}}\n\
                    - kind: project\n  name: 乙\n  funds:\n    implementation: {total: 2}\n\
                    \x20 goals: {implementation: 目标}\n  sign_off: {phone: '1'}\n\
                    \x20 indicators:\n    - annual: {name: x}\n";
        for ing in [reads_split_as_whole(list), read("f.json", to_json(list))] {
            let text = &ing.document.text;
            let [a, b] = &ing.document.forms[..] else {
                panic!("two forms")
            };
            let at = |span: Span| &text[span.start()..];
            // Just past `key:` (YAML) or `"key":` (JSON).
            let past = |span: Span, key: &str| {
                let before = &text[..span.start()];
                before.ends_with(&format!("{key}:")) || before.ends_with(&format!("{key}\":"))
            };
            for f in [a, b] {
                // At its first key, past the list's dash or the object's brace.
                let before = text[..f.span.start()].trim_end();
                assert!(before.ends_with('-') || before.ends_with('{'), "{before}");
                assert_eq!(f.texts.overview.span, Span::empty(f.span.start()));
                assert_eq!(f.period.span, Span::empty(f.span.start()));
                // Past the form's `funds:`, whose 年度 column it leaves out.
                let funds = f.funds_annual.total.span;
                assert!(funds.start() > f.span.start() && past(funds, "funds"));
                assert_eq!(f.funds_annual.local.span, funds);
            }
            // Within a block: a source left out of a column is missing at its period, a goal at
            // `goals`, a sign-off field at `sign_off`, an indicator's cell at its half.
            assert!(past(b.funds_implementation.local.span, "implementation"));
            assert!(past(b.texts.goal_annual.span, "goals"));
            assert!(past(b.sign_off.date.span, "sign_off"));
            let half = b.indicators[0].annual.as_ref().unwrap();
            assert!(at(half.level1.span)
                .trim_start_matches('"')
                .starts_with("name"));
            assert!(half.level1.span.start() > b.span.start());
        }
    }

    /// An item of a list written as an alias, a form's or a row's, is placed on it, and what
    /// follows it is found where it is.
    #[test]
    fn an_item_written_as_an_alias_is_placed_on_it() {
        let list = "- &base\n  name: 甲\n  indicators:\n    - &r {annual: {name: x, value: 1人}}\n    - *r\n    - annual: {name: y}\n\
                    - *base\n- name: 丙\n  indicators: [*r, {annual: {name: z}}]\n";
        let ing = reads_split_as_whole(list);
        let text = &ing.document.text;
        let [a, b, c] = &ing.document.forms[..] else {
            panic!("three forms")
        };
        let written = |span: Span| &text[span.range()];
        let names = |f: &Form| -> Vec<&str> {
            (f.indicators.iter())
                .map(|r| written(r.annual.as_ref().unwrap().name.span))
                .collect()
        };
        assert_eq!(names(a), ["x", "*r", "y"]);
        assert_eq!(written(b.name.span), "*base");
        assert_eq!(names(b), ["*base"; 3]);
        assert_eq!(b.name.value.as_deref(), Some("甲"));
        assert_eq!(names(c), ["*r", "z"]);
        assert_eq!(written(c.name.span), "丙");
        // After a comment too.
        let list = "- &base\n  name: 甲\n  indicators: [&r {annual: {name: x}}]\n\
                    - # 同甲\n  *base\n- indicators: [ # 同上\n    *r]\n  name: 乙\n";
        let ing = reads_split_as_whole(list);
        let text = &ing.document.text;
        let written = |span: Span| &text[span.range()];
        let [_, b, c] = &ing.document.forms[..] else {
            panic!("three forms")
        };
        assert_eq!(written(b.name.span), "*base");
        assert_eq!(
            written(c.indicators[0].annual.as_ref().unwrap().name.span),
            "*r"
        );
    }

    /// A block written as an alias is not written out where it is used: its cells are placed on
    /// the alias, and the forms after it are found where they are, read whole or an item at a
    /// time (a search for its fields found them in later forms).
    #[test]
    fn cells_read_through_an_alias_are_placed_on_it() {
        let list = "- name: 甲\n  funds: &f {annual: {total: 100}}\n  sign_off: &s {phone: '1'}\n\
                    - name: 乙\n  funds: *f\n  plan: &p 计划\n  sign_off: *s\n  basis: *p\n\
                    - name: 丙\n  funds: {annual: {total: 5}}\n";
        let ing = reads_split_as_whole(list);
        let text = &ing.document.text;
        let [_, b, c] = &ing.document.forms[..] else {
            panic!("three forms")
        };
        let written = |span: Span| &text[span.range()];
        assert_eq!(written(b.funds_annual.total.span), "*f");
        assert_eq!(written(b.funds_implementation.total.span), "*f");
        assert_eq!(written(b.sign_off.phone.span), "*s");
        assert_eq!(written(b.sign_off.date.span), "*s");
        assert_eq!(written(b.texts.basis.span), "*p");
        assert_eq!(b.texts.basis.value.as_deref(), Some("计划"));
        assert!(text[..c.span.start()].ends_with("- "));
        assert_eq!(written(c.funds_annual.total.span), "5");
    }

    /// `list`, a YAML list of forms without anchors, as JSON.
    fn to_json(list: &str) -> String {
        let v: serde_json::Value = serde_yaml::from_str(list).unwrap();
        serde_json::to_string_pretty(&v).unwrap()
    }

    /// A list or a mapping where a cell's text or amount belongs is reported at its key, in the
    /// form's name; a null is a blank cell. A year is a number, as written or as the printed form
    /// writes it.
    #[test]
    fn a_value_that_is_not_a_scalar_is_reported_not_read_as_blank() {
        let list =
            "- name: 甲\n  year: 2025年度\n  funds: {implementation: {total: [1, 2], local: ~}}\n\
                    - name: 乙\n  title: {a: 1}\n  year: 二〇二五\n  plan:\n";
        let ing = reads_split_as_whole(list);
        let text = &ing.document.text;
        let found: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.code == "I009")
            .map(|d| {
                let form = d.form.as_deref().unwrap_or("");
                (d.message.as_str(), form, &text[d.primary.span.range()])
            })
            .collect();
        assert_eq!(
            found,
            [
                ("“total”应为金额，这里是列表", "甲", "total"),
                ("“title”应为文字，这里是映射", "乙", "title"),
                (
                    "“year”应为年份，如 2025，这里是“二〇二五”",
                    "乙",
                    "二〇二五"
                ),
            ]
        );
        let [a, b] = &ing.document.forms[..] else {
            panic!("two forms")
        };
        assert_eq!((a.year.value, b.year.value), (Some(2025), None));
        assert_eq!(a.funds_implementation.total.value, None);
        assert_eq!(b.texts.plan.value, None);
    }

    /// serde_yaml 0.9 numbers a redefined anchor as the next new one, and its aliases after that
    /// one read it: replayed, such an alias is found, and reported with both anchors.
    #[test]
    fn aliases_serde_yaml_misreads_are_reported_with_both_anchors() {
        let form =
            "name: 甲\ndepartment: &d 甲局\nimplementing_unit: &d 乙局\nplan: &p 计划\nbasis: *d\n";
        // What the library reads, which the replay must follow.
        let read: Value = serde_yaml::from_str(form).unwrap();
        assert_eq!(read["basis"].as_str(), Some("计划"));
        let [m] = &misread_aliases(form)[..] else {
            panic!()
        };
        let at = |mark: &str| (form.rfind(mark).unwrap(), mark.len());
        assert_eq!((m.name, m.read_name), ("d", "p"));
        assert_eq!((m.alias, m.read, m.meant), (at("*d"), at("&p"), at("&d")));
        // Redefined with no new anchor after it, or each anchor once: read as written.
        for text in [
            "a: &d 1\nb: &d 2\nc: *d\n",
            "a: &d 1\nb: &p 2\nc: *d\nd: *p\n",
            "a: &d 1\nb: &d 2\nc: &p 3\nd: *p\n",
        ] {
            assert!(misread_aliases(text).is_empty(), "{text}");
        }
        let ing = read_text(form);
        let found: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.code == "I013")
            .map(|d| {
                let labels: Vec<_> = d.labels().map(|l| &form[l.span.range()]).collect();
                (d.message.as_str(), labels)
            })
            .collect();
        assert_eq!(
            found,
            [(
                "YAML 别名“*d”读到的是锚点“&p”的值，不是它所指的“&d”",
                vec!["*d", "&p", "&d"]
            )]
        );
        let d = ing.diagnostics.iter().find(|d| d.code == "I013").unwrap();
        let meant = d.labels().nth(2).unwrap().span.start();
        assert_eq!(meant, form.rfind("&d").unwrap());
        // An item read after another for its anchors: the alias is placed in the item, the
        // anchors in the other, and the other's own read reports nothing.
        let list = "- name: 甲\n  department: &d 甲局\n  plan: &d 计划\n  funds: &f {annual: {total: 1}}\n- name: 乙\n  basis: *d\n  funds: *f\n";
        misread_placed(
            list,
            [
                (list.find("*d").unwrap(), "*d"),
                (list.find("&f").unwrap(), "&f"),
                (list.rfind("&d").unwrap(), "&d"),
            ],
        );
    }

    /// The parsers' common messages are said in Chinese, with what the parser was reading, and
    /// their own words kept after them; others as they are written.
    #[test]
    fn parser_messages_are_said_in_chinese_with_their_own_words() {
        assert_eq!(
            yaml_in_chinese("did not find expected ',' or ']', while parsing a flow sequence"),
            "列表缺少“,”或“]”（读流式列表 [...] 时；\
             did not find expected ',' or ']', while parsing a flow sequence）"
        );
        assert_eq!(
            yaml_in_chinese("found incompatible YAML document"),
            "不支持的 YAML 版本，只支持 1.1 和 1.2（found incompatible YAML document）"
        );
        // A context not in the table: the problem is still said.
        assert_eq!(
            yaml_in_chinese("did not find expected key, while parsing a tag"),
            "这里应是一个键，多半是缩进不齐，或上一行的值没有写完\
             （did not find expected key, while parsing a tag）"
        );
        for unknown in ["invalid type: map, expected a string", ""] {
            assert_eq!(yaml_in_chinese(unknown), unknown);
        }
        let e = serde_json::from_str::<Value>("[1, 2").unwrap_err();
        assert_eq!(
            json_reason(&e),
            "文件在列表结束前就结束了，缺少“]”（EOF while parsing a list）"
        );
    }

    /// A value written over several lines, folded or literal, is placed from its first word to
    /// its last, not on its key (tests/structured.rs: a placeholder in it is underlined where
    /// it is written).
    #[test]
    fn a_value_written_over_lines_is_placed_on_its_words() {
        let form = "name: 甲\nindicators:\n\
            - annual:\n    name: 学生家庭负担\n    value: \"XX\n      人次\"\n\
            - annual:\n    name: 家长满意\n    value: >- # 折行\n\n      XX\n      万元\n\
            - annual:\n    name: 完成时间\n    value: |\n      2025年\n      12月\n\
            - annual:\n    name: 受益人数\n    value: \"1\\\n      00人\"\n";
        let ing = read_text(form);
        let places: Vec<_> = (ing.document.forms[0].indicators.iter())
            .map(|r| &form[r.annual.as_ref().unwrap().value.span.range()])
            .collect();
        // The last is written with an escaped line break (`100人`): its words are not, and it
        // is placed on its key as before.
        assert_eq!(
            places,
            [
                "XX\n      人次",
                "XX\n      万元",
                "2025年\n      12月",
                "value"
            ]
        );
    }

    /// Marks are read where the parser reads them, and not in quoted or block scalars, comments
    /// or the middle of a plain scalar, where they are text.
    #[test]
    fn marks_are_found_where_the_parser_reads_them() {
        let text = "a: &a 1 # &c1\n\
            b: \"x &q1 \\\" &q2\" \n\
            c: 'it''s &q3\n  &q4'\n\
            d: R &p1 and *p2\n\
            - &b [*a, &c {k: *b, l: \"&q5\"}, ! &t x]\n\
            - note: |\n    &s1\n\n    *s2\n  e: *a\n\
            - >-\n  &s3\n- !!str &u y\n\
            f: !!map\n  &v\n\
            h:\n  |\n    &s5\ni: *a\n\
            --- |\n&s4\n--- *a\n\
            g: {\"k\":&w 1}\n";
        let found: Vec<_> = (Marks::new(text))
            .map(|m| format!("{}{}", if m.anchor { '&' } else { '*' }, m.name))
            .collect();
        assert_eq!(
            found,
            ["&a", "&b", "*a", "&c", "*b", "&t", "*a", "&u", "&v", "*a", "*a", "&w"]
        );
        for m in Marks::new(text) {
            assert_eq!(&text[m.at + 1..][..m.name.len()], m.name);
        }
        // Every mark found is one the looser search finds too.
        let loose: Vec<_> = (marks().captures_iter(text))
            .map(|c| c.get(1).unwrap().start())
            .collect();
        assert!(Marks::new(text).all(|m| loose.contains(&m.at)));
    }

    /// A name defined twice, then text that looks like an anchor: the library reads the alias
    /// as written, and nothing is reported (the replay once took the text for an anchor
    /// numbered in the name's place).
    #[test]
    fn text_that_looks_like_an_anchor_is_no_misread() {
        for text in [
            "a: &d 1\nb: &d 2\nc: \"含 &amp 字样\"\nd: *d\n",
            "a: &d 1\nb: &d 2\nc: '含 &amp 字样'\nd: *d\n",
            "a: &d 1\nb: &d 2 # 同 &amp\nd: *d\n",
            "a: &d 1\nb: &d 2\nc: R &amp D\nd: *d\n",
            "a: &d 1\nb: &d 2\nc: |\n  &amp\nd: *d\n",
        ] {
            let read: Value = serde_yaml::from_str(text).unwrap();
            assert_eq!(read["d"].as_i64(), Some(2), "{text}");
            assert!(misread_aliases(text).is_empty(), "{text}");
        }
    }

    /// Reads `text`, which has one alias serde_yaml misreads: its `I013` labels the alias, the
    /// anchor read and the one meant at `placed` (where each starts, and what it covers).
    fn misread_placed(text: &str, placed: [(usize, &str); 3]) -> Ingested {
        let ing = read_text(text);
        let found: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.code == "I013")
            .flat_map(|d| d.labels().map(|l| (l.span.start(), &text[l.span.range()])))
            .collect();
        assert_eq!(found, placed);
        ing
    }

    /// A list with aliases is read an item at a time, each item after the earlier items that
    /// define the anchors it uses (the last definition before the use, and what that uses), as
    /// it reads whole; past a budget, whole.
    #[test]
    fn an_aliased_list_reads_each_item_after_the_anchors_it_uses() {
        let list = "\
- name: 甲
  funds: &f {annual: {total: 100}}
- name: 乙
  funds: *f
- name: 丙
  outputs: &p [*f]
- name: 丁
  outputs: *p
- name: 戊
  funds: &f {annual: {total: 5}}
- name: 己
  funds: *f
- name: 庚
  funds: {annual: &g {total: 1}, implementation: *g}
";
        let starts = block_items(list).unwrap();
        let needs = anchor_needs(list, &starts).unwrap();
        let none = Vec::<usize>::new();
        assert_eq!(
            needs,
            [
                none.clone(),
                vec![0],
                vec![0],
                vec![0, 2],
                none.clone(),
                vec![4],
                none
            ]
        );
        let totals = |ing: &Ingested| -> Vec<_> {
            (ing.document.forms.iter())
                .map(|f| f.funds_annual.total.value.map(|d| d.to_string()))
                .collect()
        };
        let t = |s: &str| Some(s.to_owned());
        // A redefined anchor is its last definition. (serde_yaml 0.9 gets it wrong in a list read
        // whole: 己's `*f` is read as 庚's `&g`, the next anchor defined.)
        let ing = read_text(list);
        assert_eq!(
            totals(&ing),
            [t("100"), t("100"), None, None, t("5"), t("5"), t("1")]
        );
        let once = list.replace("&f {annual: {total: 5}}", "{annual: {total: 5}}");
        let ing = reads_split_as_whole(&once);
        assert_eq!(
            totals(&ing),
            [t("100"), t("100"), None, None, t("5"), t("100"), t("1")]
        );
        // The same in flow style, bare, keyed and in braces: each item read after the items
        // it needs, listed again in brackets, and placed where it is written.
        let flow = |list: &str| -> String {
            let items: Vec<String> = (list.split("- ").skip(1))
                .map(|item| format!("{{{}}}", item.trim_end().replace("\n  ", ", ")))
                .collect();
            format!("[\n  {}\n]\n", items.join(",\n  "))
        };
        for (text, whole) in [(flow(list), false), (flow(&once), true)] {
            for text in [
                text.clone(),
                format!("forms: {text}"),
                format!("{{forms: {}}}\n", text.trim_end()),
            ] {
                let found = flow_items(&text).unwrap();
                let needs = anchor_needs(&text, &found.starts()).unwrap();
                assert_eq!(needs[1..4], [vec![0], vec![0], vec![0, 2]], "{text}");
                let ing = match whole {
                    true => reads_split_as_whole(&text),
                    false => read_text(&text),
                };
                let five = t(if whole { "100" } else { "5" });
                assert_eq!(
                    totals(&ing),
                    [t("100"), t("100"), None, None, t("5"), five, t("1")],
                    "{text}"
                );
                let names: Vec<_> = (ing.document.forms.iter())
                    .map(|f| &text[f.name.span.range()])
                    .collect();
                assert_eq!(names, ["甲", "乙", "丙", "丁", "戊", "己", "庚"]);
            }
        }
        one_item_fails(
            "[\n  {name: 甲, funds: &f {annual: {total: 1}}},\n  {name: 乙, funds: *nowhere},\n  {name: 丙, funds: *f}\n]\n",
            3,
            "  {name: 乙",
        );
        // Without an alias nothing is needed; an asterisk inside a value is no alias.
        let plain = "- {name: 甲, value: 5*3}\n- {name: 乙}\n";
        assert_eq!(
            anchor_needs(plain, &block_items(plain).unwrap()),
            Some(vec![vec![]; 2])
        );
        // Defaults every item uses are parsed again for each, while that parses the list at
        // most four times again; larger, the list is parsed whole.
        let items = |defaults: &str| -> String {
            let rest: String = (0..100)
                .map(|i| format!("- name: 项目{i}\n  department: *d\n"))
                .collect();
            format!("- name: 默认\n  department: &d {defaults}\n{rest}")
        };
        let small = items("051-阳泉市教育局");
        let needs = anchor_needs(&small, &block_items(&small).unwrap()).unwrap();
        assert!(needs[1..].iter().all(|n| n == &[0]));
        let large = items(&"阳泉市教育局".repeat(20));
        assert_eq!(anchor_needs(&large, &block_items(&large).unwrap()), None);
        let ing = read_text(&large);
        assert_eq!(ing.document.forms.len(), 101);
        // An alias to no anchor fails its item alone.
        one_item_fails(
            "- name: 甲\n- name: 乙\n  funds: *nowhere\n- name: 丙\n",
            3,
            "  funds",
        );
        // An item whose anchor's item does not parse fails too, placed at its start.
        let ing =
            read_text("- name: 甲\n  funds: &f {annual: [}\n- name: 乙\n  funds: *f\n- name: 丙\n");
        let failed: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message.starts_with("无法读取"))
            .map(|d| ing.document.line_col(d.primary.span.start()).line)
            .collect();
        assert_eq!(failed, [2, 3]);
        assert_eq!(ing.document.forms.len(), 1);
        // The second says why, and shows where the first's error lies.
        let d = (ing.diagnostics.iter())
            .filter(|d| d.message.starts_with("无法读取"))
            .nth(1)
            .unwrap();
        assert!(d
            .message
            .starts_with("无法读取表单：它用到的锚点所在的表单有误："));
        let shown = d.labels().nth(1).unwrap().span.start();
        assert_eq!(ing.document.line_col(shown).line, 2);
    }

    #[test]
    fn a_yaml_stream_splits_before_each_document() {
        let stream = "# 表\n---\nname: 甲\n--- # 乙\nname: 乙\n---\tname: 丙\n";
        let second = stream.find("--- # 乙").unwrap();
        let third = stream.find("---\t").unwrap();
        assert_eq!(
            documents(stream).collect::<Vec<_>>(),
            [(0, second), (second, third), (third, stream.len())]
        );
        let bare = "name: 甲\n---\nname: 乙\n";
        let at = bare.find("---").unwrap();
        let found: Vec<_> = documents(bare).collect();
        assert_eq!(found, [(0, at), (at, bare.len())]);
        // `%YAML 1.x` directives go with the document after them, and what lies between them
        // and its `---`.
        let directed = "%YAML 1.2\n---\nname: 甲\n...\n# 乙\n%YAML 1.1 # 版本\n\n---\nname: 乙\n";
        let at = directed.find("%YAML 1.1").unwrap();
        let found: Vec<_> = documents(directed).collect();
        assert_eq!(found, [(0, at), (at, directed.len())]);
        for (from, to) in found {
            let (start, body, _) = document_body(&directed[from..to]);
            assert!(body.starts_with("name: "), "{body}");
            assert_eq!(&directed[from + start..][..6], "name: ");
        }
        let ing = read_text(directed);
        let names: Vec<_> = (ing.document.forms.iter())
            .map(|f| f.name.value.as_deref())
            .collect();
        assert_eq!(
            (names, ing.diagnostics.len()),
            (vec![Some("甲"), Some("乙")], 0)
        );
        let list = "- name: 甲\n  funds: {annual: {total: 1}}\n- name: 乙\n  colour: 红\n";
        let directed = format!("%YAML 1.2\n---\n{list}");
        assert!(block_items(document_body(&directed).1).is_some());
        reads_split_as_whole(&directed);
        assert!(is_empty_document("%YAML 1.2\n--- # 空\n"));
        // Not split: `---` indented or followed by more than a space.
        for text in [
            "---\nname: 甲\n",
            "name: |\n  甲\n  ---\n",
            "name: 甲\n---x: 1\n",
            "",
        ] {
            let found: Vec<_> = documents(text).collect();
            assert_eq!(found, [(0, text.len())], "{text}");
        }
        // A document is read past its `---` line when nothing but a comment is on it.
        assert_eq!(document_body("---\nname: 甲\n"), (4, "name: 甲\n", ""));
        let doc = "# 注\n--- # 乙\n- a\n";
        assert_eq!(document_body(doc), (doc.find("- a").unwrap(), "- a\n", ""));
        for doc in [
            "--- !form\nname: 甲\n",
            "--- {name: 甲}\n",
            "---\n# 空\n",
            "name: 甲\n",
            "  ---\nname: 甲\n",
        ] {
            assert_eq!(document_body(doc), (0, doc, ""), "{doc}");
        }
        // A document of its `---` line and comments holds no form and is not parsed.
        for doc in ["---\n", "# 注\n--- # 空\n\n# 注\n", "---"] {
            assert!(is_empty_document(doc), "{doc}");
        }
        for doc in ["--- !form\n", "---\nname: 甲\n", "# 注\n", "--- null\n"] {
            assert!(!is_empty_document(doc), "{doc}");
        }
    }

    /// Directives belong to the document after them: the parser forgets them at its end. So a
    /// stream is split before each, and a document is read past them only when they are one
    /// `%YAML 1.1` or `1.2`; any other directive, or a second, is parsed with the document, which
    /// reads as the whole stream read would read it.
    #[test]
    fn a_yaml_documents_directives_are_read_with_it_alone() {
        let stream = "%TAG !e! tag:example.com,2025:\n---\nname: 甲\n---\nname: !e!n 乙\n\
            ...\n%TAG !e! tag:example.com,2025:\n---\nname: 丙\nfunds: !e!f {annual: {total: 1}}\n";
        let second = stream.find("---\nname: !e!n").unwrap();
        let third = stream.rfind("%TAG").unwrap();
        let found: Vec<_> = documents(stream).collect();
        assert_eq!(found, [(0, second), (second, third), (third, stream.len())]);
        // The first and third declare the handle their tags use; the second does not, as the
        // first's `%TAG` ended with it, and fails where its tag is.
        let head = &stream[..stream.find("name: 甲").unwrap()];
        assert_eq!(
            document_body(&stream[..second]),
            (head.len(), "name: 甲\n", head)
        );
        let ing = read_text(stream);
        let names: Vec<_> = (ing.document.forms.iter())
            .map(|f| f.name.value.as_deref())
            .collect();
        assert_eq!(names, [Some("甲"), Some("丙")]);
        let failed: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message.starts_with("无法读取"))
            .collect();
        assert_eq!(failed.len(), 1);
        assert!(failed[0].message.contains("found undefined tag handle"));
        let at = ing.document.line_col(failed[0].primary.span.start());
        assert_eq!((at.line, &stream[second..][4..10]), (5, "name: "));
        // A version the parser refuses, or a `%YAML` given twice, is parsed with the document
        // and fails with the parser's reason; the other documents are read.
        for (bad, reason) in [
            ("%YAML 1.3\n", "found incompatible YAML document"),
            ("%YAML 2.0\n", "found incompatible YAML document"),
            ("%YAML 1.2\n%YAML 1.2\n", "found duplicate %YAML directive"),
            (
                "%YAML 1.2\n# 注\n%TAG !e! a:\n%TAG !e! b:\n",
                "found duplicate %TAG directive",
            ),
            ("%FOO bar\n", "found unknown directive name"),
        ] {
            let stream = format!("name: 甲\n...\n{bad}---\nname: 乙\n---\nname: 丙\n");
            let ing = read_text(&stream);
            let names: Vec<_> = (ing.document.forms.iter())
                .map(|f| f.name.value.as_deref())
                .collect();
            assert_eq!(names, [Some("甲"), Some("丙")], "{bad}");
            let failed: Vec<_> = (ing.diagnostics.iter())
                .filter(|d| d.message.starts_with("无法读取"))
                .collect();
            assert_eq!(failed.len(), 1, "{bad}");
            assert!(failed[0].message.contains(reason), "{}", failed[0].message);
            let at = failed[0].primary.span.start();
            assert!(at >= stream.find('%').unwrap() && at < stream.find("name: 乙").unwrap());
        }
        // One `%YAML` the parser accepts changes nothing it reads, and the document is read
        // past it: a list there is read an item at a time.
        for version in ["%YAML 1.1", "%YAML 1.02 # 版本"] {
            let doc = format!("{version}\n---\n- name: 甲\n- name: 乙\n");
            let (start, body, _) = document_body(&doc);
            assert_eq!(
                (start, body),
                (doc.find("- name").unwrap(), "- name: 甲\n- name: 乙\n")
            );
            assert!(block_items(body).is_some());
        }
        // A document of directives and its `---` line alone holds no form when the directive is
        // one the parser accepts; any other is parsed, and a refused one reported.
        assert!(is_empty_document("%YAML 1.1\n---\n"));
        let ing = read_text("%YAML 1.3\n---\n");
        assert_eq!(ing.diagnostics.len(), 1);
        assert!(ing.diagnostics[0].message.contains("incompatible"));
        let ing = read_text("%TAG !e! tag:example.com,2025:\n---\n");
        assert_eq!((ing.document.forms.len(), ing.diagnostics.len()), (0, 0));
    }

    /// The parser's reader gives no place for a control character, only an offset in what it
    /// parsed, in its message: the finding is placed on the character, in a form parsed whole,
    /// in an item of a list, and in one parsed after its document's directive.
    #[test]
    fn a_control_character_is_placed_where_it_is() {
        for text in [
            "name: 甲\nplan: a\u{2}b\n",
            "- name: 甲\n- name: 乙\n  plan: a\u{2}b\n- name: 丙\n",
            "%TAG !e! tag:example.com,2025:\n---\n- name: 甲\n- name: 乙\n  plan: a\u{2}b\n",
        ] {
            let ing = read_text(text);
            let failed: Vec<_> = (ing.diagnostics.iter())
                .filter(|d| d.message.starts_with("无法读取"))
                .collect();
            assert_eq!(failed.len(), 1, "{text}");
            let d = failed[0];
            assert_eq!(
                d.primary.span.start(),
                text.find('\u{2}').unwrap(),
                "{text}"
            );
            assert!(d.secondary.is_empty(), "{:?}", d.secondary);
            assert_eq!(
                d.message,
                "无法读取表单：文件含有控制字符（control characters are not allowed）"
            );
        }
        assert_eq!(reader_position("x at position 12, y"), Some((1, 15, 12)));
        assert_eq!(reader_position("x at position 12"), Some((1, 15, 12)));
        for message in ["x at position ", "unknown field `a at position 3b`"] {
            assert_eq!(reader_position(message), None, "{message}");
        }
    }

    /// A list under a `%TAG` directive is read an item at a time, each item parsed under the
    /// directive: its tags read as they do in the whole document, and an item that does not parse
    /// leaves the others read. Directives the parser refuses alone, or that hold what could be
    /// taken for an anchor, leave the document parsed whole.
    #[test]
    fn a_list_under_a_tag_directive_is_read_an_item_at_a_time() {
        let head = "# 表\n%TAG !e! tag:example.com,2025:\n\n%YAML 1.2\n--- # 清单\n";
        let list = "- name: !e!n 甲\n  funds: !e!f {annual: {total: 1}}\n\
            - name: 乙\n  colour: !e!c 红\n- name: 丙\n  department: !e!d 教育局\n- name: 丁\n";
        let text = format!("{head}{list}");
        assert_eq!(document_body(&text), (head.len(), list, head));
        assert_eq!(block_items(list).map(|s| s.len()), Some(4));
        let ing = reads_split_as_whole(&text);
        let names: Vec<_> = (ing.document.forms.iter())
            .map(|f| f.name.value.as_deref())
            .collect();
        assert_eq!(names, [Some("甲"), Some("乙"), Some("丙"), Some("丁")]);
        assert_eq!(
            ing.document.forms[0].funds_annual.total.value,
            Some(1.into())
        );
        let unknown = (ing.diagnostics.iter())
            .find(|d| d.message.contains("colour"))
            .unwrap();
        assert_eq!(&text[unknown.primary.span.range()], "colour");
        // In flow style too.
        let flow = "[{name: !e!n 甲}, {name: 乙, colour: !e!c 红}, {name: 丙}]\n";
        let text = format!("{head}{flow}");
        assert!(flow_items(document_body(&text).1).is_some());
        let ing = read_text(&text);
        let names: Vec<_> = (ing.document.forms.iter())
            .map(|f| f.name.value.as_deref())
            .collect();
        assert_eq!(
            (names, ing.diagnostics.len()),
            (vec![Some("甲"), Some("乙"), Some("丙")], 1)
        );
        // A broken item is placed where it is written, and the others are read.
        one_item_fails(
            &format!("{head}- name: 甲\n- name: 乙\n  funds: {{total: [}}\n- name: 丙\n"),
            3,
            "  funds:",
        );
        // Parsed whole: a handle given twice (refused), a prefix holding `&`, the `---` line
        // holding the list, a directive after the `---` line's place.
        for head in [
            "%TAG !e! a:\n%TAG !e! b:\n---\n",
            "%TAG !e! tag:a&b:\n---\n",
            "%TAG !e! a:\n--- [\n",
            "%TAG !e! a:\n  ---\n",
        ] {
            let text = format!("{head}- name: 甲\n- name: 乙\n");
            assert_eq!(document_body(&text), (0, &text[..], ""), "{head}");
        }
    }

    /// A stream is read a document at a time: a document that does not parse is reported in its
    /// place, and the documents before and after it are read (a list an item at a time).
    #[test]
    fn a_broken_document_of_a_stream_leaves_the_others_read() {
        one_item_fails(
            "---\nname: 甲\n---\nname: 乙\nfunds: {total: [}\n---\nname: 丙\n",
            3,
            "funds:",
        );
        one_item_fails(
            "name: 甲\n---\n- name: 乙\n  funds: {total: [}\n- name: 丁\n--- # 丙\nname: 丙\n",
            4,
            "  funds:",
        );
        // A quoted scalar left open ends at the next document's start.
        let ing = read_text("name: \"甲\n---\nname: 乙\n");
        let names: Vec<_> = (ing.document.forms.iter())
            .map(|f| f.name.value.as_deref().unwrap_or(""))
            .collect();
        assert_eq!(names, ["乙"]);
        // Said without the parser's places, which count from the document's start.
        let d = &ing.diagnostics[0];
        assert_eq!(
            d.message,
            "无法读取表单：文件在结构结束前就结束了，引号或括号没有闭合\
            （读带引号的值时；found unexpected end of stream, while scanning a quoted scalar）"
        );
        assert_eq!(d.primary.span.start(), "name: \"甲\n".len());
        assert!(!ing.unreadable);
    }

    /// A long YAML list of forms read an item at a time reads as it does whole; an item that
    /// does not parse is reported in its place and the items after it are read.
    #[test]
    fn a_long_yaml_list_reads_an_item_at_a_time_as_it_does_whole() {
        // Every seventh form has a field the reader does not know, and says so.
        let item = |i: usize| {
            let odd = if i % 7 == 0 { "  colour: 红\n" } else { "" };
            format!("- name: 项目{i}\n{odd}  funds:\n    annual: {{total: 100, local: 90}}\n  indicators:\n    - annual: {{level2: 数量指标, name: 人数, value: 5人}}\n")
        };
        let list: String = (0..3_000).map(item).collect();
        assert!(block_items(&list).is_some());
        let split = reads_split_as_whole(&list);
        assert_eq!(split.document.forms.len(), 3_000);
        assert_eq!(split.diagnostics.len(), 3_000 / 7 + 1);
        let broken = list.replacen(
            "- name: 项目1000\n",
            "- name: 项目1000\n  funds: {total: [}\n",
            1,
        );
        one_item_fails(&broken, 3_000, "  funds: {total: [}");
    }

    /// A long form's rows past the limit are cut from its text before it is parsed, and it reads
    /// as it did when they were parsed and not kept: the same finding, the keys after the rows
    /// read and placed where they are written, a parse error past the cut placed in its line.
    #[test]
    fn rows_past_the_limit_of_a_long_yaml_form_are_not_parsed() {
        let rows: String = (0..5_000)
            .map(|i| format!("  - annual: {{level2: 数量指标, name: 指标{i}, value: {i}人}}\n"))
            .collect();
        let form =
            format!("name: 甲\nindicators:\n{rows}funds:\n  annual: {{total: 100}}\ncolour: 红\n");
        assert!(form.len() > CUT_ROWS_FROM);
        let cut = cut_block_rows(&form, 0).unwrap();
        assert_eq!(cut.rows, 3_000);
        let [(at, len)] = cut.cuts[..] else {
            panic!("{:?}", cut.cuts)
        };
        assert!(form[at..].starts_with("  - annual: {level2: 数量指标, name: 指标2000,"));
        assert!(form[at + len..].starts_with("funds:"));
        assert_eq!(cut.text.len(), form.len() - len);
        // Alone, and as the first of a list's items.
        let listed = format!("- {}\n- name: 乙\n", form.trim_end().replace('\n', "\n  "));
        assert!(block_items(&listed).is_some());
        let keyed: String = std::iter::once("forms:\n".to_owned())
            .chain(listed.lines().map(|l| format!("  {l}\n")))
            .collect();
        let first = block_items(&keyed).unwrap()[1];
        assert_eq!(
            cut_block_rows(&keyed[..first], 0).map(|c| c.rows),
            Some(3_000)
        );
        // And as one document of a stream, read past its `---` line.
        let streamed = format!("---\nname: 乙\n---\n{form}---\nname: 丙\n");
        let found: Vec<_> = documents(&streamed).collect();
        let [_, (from, to), _] = found[..] else {
            panic!("{found:?}")
        };
        assert!(is_one_form(document_body(&streamed[from..to]).1));
        // And under a `%TAG` directive, whose handle a key after the rows uses.
        let tagged = format!(
            "%TAG !e! tag:example.com,2025:\n---\n{}",
            form.replace("colour: 红", "colour: !e!c 红")
        );
        assert!(is_one_form(document_body(&tagged).1));
        for text in [form.clone(), listed, keyed, streamed, tagged] {
            reads_past_the_rows(&text);
        }
        fails_past_the_cut(&form.replace("colour: 红", "colour: [红"), 5_002);
        // Under a directive too, which is parsed before the form: an error just past the cut.
        assert_eq!(form.matches("\nfunds:").count(), 1);
        let tagged = format!(
            "%TAG !e! tag:example.com,2025:\n---\n{}",
            form.replace("\nfunds:", "\nfunds: ]")
        );
        fails_past_the_cut(&tagged, 5_004);
        // Short of the limit a form is parsed as written.
        let few: String = rows
            .lines()
            .take(MAX_ROWS)
            .map(|l| format!("{l}\n"))
            .collect();
        assert!(cut_block_rows(&format!("name: 甲\nindicators:\n{few}"), 0).is_none());
        // A key the form does not have is cut too, as it is reported and not read; a known one
        // is read as written.
        let unknown = format!("name: 甲\nrows:\n{rows}indicators:\n{rows}colour: 红\n");
        let cut = cut_block_rows(&unknown, 0).unwrap();
        assert_eq!((cut.cuts.len(), cut.rows), (2, 3_000));
        assert_eq!(
            cut.written(cut.cuts[1].0),
            cut.cuts[1].0 + cut.cuts[0].1 + cut.cuts[1].1
        );
        assert!(unknown[cut.written(cut.text.find("colour").unwrap())..].starts_with("colour"));
        let ing = read("f.yaml", unknown);
        assert_eq!(ing.document.forms[0].indicators.len(), MAX_ROWS);
        assert!(ing
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("表单没有字段“rows”")));
        assert!(ing
            .diagnostics
            .iter()
            .any(|d| d.message.starts_with("指标表有 5000 行")));
        assert!(cut_block_rows(&format!("name: 甲\nmeasures:\n{rows}"), 0).is_none());
    }

    /// A long form whose rows use aliases has them cut all the same, unless an alias past the
    /// cut names an anchor written before it (which may hold the rows cut): then it is parsed
    /// as written.
    #[test]
    fn an_aliased_long_form_is_cut_unless_an_alias_could_read_the_cut() {
        let block: String = (0..5_000)
            .map(|i| match i {
                0 => "  - annual: &r {level2: 数量指标, name: 指标0, value: 0人}\n".to_owned(),
                _ if i % 2 == 1 => "  - annual: *r\n".to_owned(),
                _ => {
                    format!("  - annual: {{level2: 数量指标, name: &n{i} 指标{i}, value: {i}人}}\n")
                }
            })
            .collect();
        let block =
            format!("name: &a 甲\nindicators: &rows\n{block}funds:\n  annual: {{total: 100}}\n");
        let flow: Vec<String> = (0..5_000)
            .map(|i| match i {
                0 => "{annual: &r {level2: 数量指标, name: 指标0, value: 0人}}".to_owned(),
                _ if i % 2 == 1 => "{annual: *r}".to_owned(),
                _ => format!("{{annual: {{level2: 数量指标, name: &n{i} 指标{i}, value: {i}人}}}}"),
            })
            .collect();
        let flow = format!(
            "{{name: &a 甲, indicators: &rows [\n  {}\n], funds: {{annual: {{total: 100}}}}\n",
            flow.join(",\n  ")
        );
        for (form, end) in [(block, "colour: 红\n"), (flow, ", colour: 红}\n")] {
            // Aliases before the cut, and one past it whose anchor is past it too.
            let kept = format!("{form}{}", end.replace("红", "&c 红, plan: *c"));
            let kept = match form.starts_with('{') {
                true => kept,
                false => kept.replace(", plan: *c", "\nplan: *c"),
            };
            assert_eq!(
                cut_form(&kept).map(|c| c.rows),
                Some(3_000),
                "{}",
                &kept[kept.len() - 60..]
            );
            reads_past_the_rows(&kept);
            let ing = read("f.yaml", kept.clone());
            let f = &ing.document.forms[0];
            let name = |i: usize| {
                f.indicators[i]
                    .annual
                    .as_ref()
                    .unwrap()
                    .name
                    .value
                    .as_deref()
            };
            assert_eq!((name(1), name(2)), (Some("指标0"), Some("指标2")));
            assert_eq!(f.texts.plan.value.as_deref(), Some("红"));
            // An alias past the cut to a scalar before it (the form's name) reads it.
            let named = format!("{form}{}", end.replace("红", "*a"));
            assert!(cut_form(&named).is_some());
            let ing = read("f.yaml", named.replace("colour", "plan"));
            assert_eq!(
                ing.document.forms[0].texts.plan.value.as_deref(),
                Some("甲")
            );
            // An alias past the cut to a row kept, a collection that ends before the cut.
            let row = format!("{form}{}", end.replace("红", "*r"));
            assert!(cut_form(&row).is_some());
            // An alias past the cut to the rows, a name defined in the rows cut, or one
            // redefined there: what it reads may hold what was cut.
            let redefined = form.replacen("&n4000 指标4000", "&a 指标4000", 1);
            assert!(cut_form(&format!("{redefined}{}", end.replace("红", "*a"))).is_none());
            for alias in ["*rows", "*n4000"] {
                let text = format!("{form}{}", end.replace("红", alias));
                assert!(cut_form(&text).is_none(), "{alias}");
            }
        }
        // A long form of a list, read after another long one for its anchors: its own rows
        // are cut, not the other's, and each form reports its own.
        let rows: String = (0..5_000)
            .map(|i| format!("    - annual: {{level2: 数量指标, name: 指标{i}, value: {i}人}}\n"))
            .collect();
        let list = format!(
            "- name: 甲\n  funds: &f {{annual: {{total: 100}}}}\n  indicators:\n{rows}- name: 乙\n  funds: *f\n  indicators:\n{rows}"
        );
        let second = block_items(&list).unwrap()[1];
        assert!(list.len() - second > CUT_ROWS_FROM);
        let cut = cut_block_rows(&list, second).unwrap();
        assert_eq!((cut.cuts.len(), cut.rows), (1, 3_000));
        let ing = read_text(&list);
        let forms = &ing.document.forms;
        assert_eq!(forms.len(), 2);
        for f in forms {
            assert_eq!(f.indicators.len(), MAX_ROWS);
            assert_eq!(f.funds_annual.total.value, Some(Decimal::from(100)));
        }
        let over: Vec<_> = (ing.diagnostics.iter())
            .filter(|d| d.message == "指标表有 5000 行，超过 2000 行，其余未读取")
            .map(|d| d.primary.span.start() > second)
            .collect();
        assert_eq!(over, [false, true]);
    }

    /// An alias past the cut to a collection anchored before the rows, which ends before them
    /// (the form's funds), reads what it reads as written: the form is cut all the same. One
    /// whose collection may hold the rows is not: the rows, the form, or a node whose lines
    /// are not sure to be known (its anchor alone on its line).
    #[test]
    fn an_alias_past_the_cut_to_a_collection_before_it_keeps_the_cut() {
        let rows = |indent: &str| -> String {
            (0..5_000)
                .map(|i| {
                    format!("{indent}- annual: {{level2: 数量指标, name: 指标{i}, value: {i}人}}\n")
                })
                .collect()
        };
        let (two, none) = (rows("  "), rows(""));
        let flow_rows: Vec<String> = (0..5_000)
            .map(|i| format!("{{annual: {{level2: 数量指标, name: 指标{i}, value: {i}人}}}}"))
            .collect();
        let flow_rows = flow_rows.join(",\n  ");
        // Each row anchored, after its key or its dash: an alias to a row kept.
        let keyed: String = (0..5_000)
            .map(|i| {
                format!("  - annual: &r{i}\n      level2: 数量指标\n      name: 指标{i}\n      value: {i}人\n")
            })
            .collect();
        let dashed: String = (0..5_000)
            .map(|i| {
                format!(
                    "  - &r{i}\n    annual: {{level2: 数量指标, name: 指标{i}, value: {i}人}}\n"
                )
            })
            .collect();
        let funds = "name: 甲\nfunds: {annual: {total: 100}}\nindicators:\n";
        for text in [
            format!("{funds}{keyed}colour: *r5\n"),
            format!("{funds}{dashed}colour: *r1999\n"),
            format!("name: 甲\nfunds: &f\n  annual:\n    total: 100\nindicators:\n{two}colour: *f\n"),
            format!("name: 甲\nfunds: &f {{annual: {{total: 100}}}}\nindicators:\n{none}colour: *f\n"),
            format!(
                "{{name: 甲, funds: &f {{annual: {{total: 100}}}},\nindicators: [\n  {flow_rows}\n], colour: *f}}\n"
            ),
        ] {
            assert_eq!(cut_form(&text).map(|c| c.rows), Some(3_000), "{}", &text[..40]);
            reads_past_the_rows(&text);
        }
        for text in [
            format!("{funds}{keyed}colour: *r2000\n"),
            format!("{funds}{dashed}colour: *r4000\n"),
            format!("name: 甲\nfunds: {{annual: {{total: 100}}}}\nindicators: &f\n{none}colour: *f\n"),
            format!("name: 甲\nfunds: {{annual: {{total: 100}}}}\nindicators: &f\n{two}colour: *f\n"),
            format!("name: 甲\nfunds:\n  &f\n  annual: {{total: 100}}\nindicators:\n{two}colour: *f\n"),
            format!("&f\nname: 甲\nfunds: {{annual: {{total: 100}}}}\nindicators:\n{two}colour: *f\n"),
            format!(
                "{{name: 甲, funds: {{annual: {{total: 100}}}},\nindicators: &f [\n  {flow_rows}\n], colour: *f}}\n"
            ),
        ] {
            assert!(cut_form(&text).is_none(), "{}", &text[..60]);
        }
    }

    /// A misread alias in a long form is found in the text the parser reads, with the rows cut
    /// (which changes its numbering), and placed where it is written.
    #[test]
    fn a_misread_alias_past_a_cut_is_placed_where_it_is_written() {
        let rows: String = (0..5_000)
            .map(|i| format!("  - annual: {{level2: 数量指标, name: &x{i} 指标{i}}}\n"))
            .collect();
        let form = format!(
            "name: 甲\nindicators:\n{rows}department: &d 甲局\nimplementing_unit: &d 乙局\nplan: &p 计划\nbasis: *d\n"
        );
        assert!(cut_block_rows(&form, 0).is_some());
        let ing = misread_placed(
            &form,
            [
                (form.find("*d").unwrap(), "*d"),
                (form.find("&p").unwrap(), "&p"),
                (form.rfind("&d").unwrap(), "&d"),
            ],
        );
        assert_eq!(
            ing.document.forms[0].texts.basis.value.as_deref(),
            Some("计划")
        );
    }

    /// A flow list the text ends in before its `]`, or that a brace closes, is read an item at
    /// a time all the same, as the parser reads it whole: every form it finds is read, and its
    /// last item fails where the list read whole does, with the same reason.
    #[test]
    fn a_flow_list_the_text_ends_in_fails_at_its_end() {
        let all = [Some("甲"), Some("乙"), Some("丙")];
        for (text, forms) in [
            ("[\n  {name: 甲},\n  {name: 乙},\n  {name: 丙}\n", &all[..]),
            ("forms: [\n  {name: 甲},\n  {name: 乙},\n  {name: 丙},\n", &all),
            ("{forms: [\n  {name: 甲},\n  {name: 乙},\n  {name: 丙}\n# 完\n", &all),
            (
                "[\n  {name: 甲, funds: &f {annual: {total: 1}}},\n  {name: 乙},\n  {name: 丙, funds: *f}\n",
                &all,
            ),
            (
                "[\n  {name: 甲},\n  {name: 乙},\n  {name: 丙, plan: [计划}\n",
                &all[..2],
            ),
            ("[\n  {name: 甲},\n  {name: 乙}},\n  {name: 丙}\n]\n", &all[..2]),
            (
                "{forms: [\n  {name: 甲},\n  {name: 乙},\n  {name: 丙}}}, {name: 丁}]}\n",
                &all,
            ),
        ] {
            assert!(flow_items(text).unwrap().unclosed, "{text}");
            let whole = serde_yaml::from_str::<Value>(text).unwrap_err();
            let ing = read_text(text);
            let names: Vec<_> = (ing.document.forms.iter())
                .map(|f| f.name.value.as_deref())
                .collect();
            assert_eq!(names, forms, "{text}");
            let failed: Vec<_> = (ing.diagnostics.iter())
                .filter(|d| d.message.starts_with("无法读取"))
                .map(|d| (d.message.clone(), d.primary.span.start()))
                .collect();
            let reason = format!("无法读取表单：{}", yaml_reason(&whole));
            let at = whole.location().unwrap().index();
            assert_eq!(failed, [(reason, at)], "{text}");
        }
    }

    #[test]
    fn flow_marks_are_outside_quotes_and_comments() {
        let text = "{a: \"x, ]\", b: 'it''s [', c: it's, d: 5\" x 3\", # c ], {\n e: !t \"q,\", f: http://x, \"g\":1}";
        let mut marks = String::new();
        flow_marks(text, 0, |_, c| {
            marks.push(char::from(c));
            true
        });
        assert_eq!(marks, format!("{{{}:}}", ":,".repeat(6)));
        // An unclosed quote ends the walk; `mark` can end it too.
        let mut n = 0;
        flow_marks("[a, \"b, c]", 0, |_, _| {
            n += 1;
            true
        });
        assert_eq!(n, 2);
        flow_marks("[a, b]", 0, |_, c| {
            n += 1;
            c != b','
        });
        assert_eq!(n, 4);
    }

    #[test]
    fn a_flow_list_of_forms_splits_at_its_commas() {
        let list = "[{name: 甲}, {name: \"乙, ]\"}]\n";
        let comma = list.find(',').unwrap();
        let items = flow_items(list).unwrap();
        assert_eq!(items.items, vec![(0, comma), (comma + 1, list.len() - 2)]);
        assert_eq!(
            (items.first(list).as_str(), items.first_form),
            ("[{name: 甲}]", 1)
        );
        let keyed = "# 表 [\nforms: [\n  {name: 甲},  # 注 ]\n  {name: 乙},\n]\n";
        let items = flow_items(keyed).unwrap();
        assert_eq!(items.items.len(), 2);
        assert_eq!(items.first(keyed), "# 表 [\nforms: [\n  {name: 甲}]");
        assert_eq!(&keyed[items.first_form..][..4], "{nam");
        let json = r#"{"forms": [{"name": "甲"}, {"name": "乙"}]}"#;
        let items = flow_items(json).unwrap();
        assert_eq!(items.first(json), r#"{"forms": [{"name": "甲"}]}"#);
        assert_eq!(
            &json[items.items[1].0..items.items[1].1],
            r#" {"name": "乙"}"#
        );
        // An anchored item is split too: the item using it is read after it.
        for (text, second) in [
            ("[&a {name: 甲}, {name: 乙, plan: *a}]", "乙"),
            ("[&a {name: 甲}, *a]", "甲"),
        ] {
            assert_eq!(flow_items(text).map(|f| f.items.len()), Some(2));
            let ing = read("f.yaml", text.to_owned());
            let names: Vec<_> = (ing.document.forms.iter())
                .map(|f| f.name.value.as_deref())
                .collect();
            assert_eq!(names, [Some("甲"), Some(second)], "{text}");
        }
        // Not split: one item, a second document, another key beside `forms`, an unclosed
        // quote, a block list, a brace closing the list after one item, a bare word.
        for text in [
            "[{name: 甲}]",
            "[{name: 甲},]",
            "[{name: 甲}, {name: 乙}]\n---\n[]\n",
            "{forms: [{name: 甲}, {name: 乙}], year: 2025}",
            "[{name: \"甲}, {name: 乙}]",
            "- {name: 甲}\n- {name: 乙}\n",
            "[{name: 甲}}, {name: 乙}]",
            "forms",
            "",
        ] {
            assert_eq!(flow_items(text), None, "{text}");
        }
    }

    /// A long YAML list of forms in flow style read an item at a time reads as it does whole,
    /// quotes, comments and all; an item that does not parse is reported in its place and the
    /// items after it are read.
    #[test]
    fn a_long_flow_list_reads_an_item_at_a_time_as_it_does_whole() {
        let item = |i: usize| {
            let odd = if i % 7 == 0 { ", colour: 红" } else { "" };
            let name = match i % 3 {
                0 => format!("\"项目{i}, ]}} # \\\"甲\\\"\""),
                1 => format!("'项目{i} '' [{{'"),
                _ => format!("it's 项目{i}"),
            };
            format!("  {{name: {name}{odd}, funds: {{annual: {{total: 100, local: 90}}}}, # 注 ],\n    indicators: [{{annual: {{level2: 数量指标, name: 人数, value: 5人}}}}]}}")
        };
        let items: Vec<String> = (0..3_000).map(item).collect();
        let list = format!("forms: [\n{}\n]\n", items.join(",\n"));
        assert_eq!(flow_items(&list).map(|f| f.items.len()), Some(3_000));
        let split = reads_split_as_whole(&list);
        assert_eq!(split.document.forms.len(), 3_000);
        assert_eq!(
            split.document.forms[2].name.value.as_deref(),
            Some("it's 项目2")
        );
        assert_eq!(
            split.document.forms[3].name.value.as_deref(),
            Some("项目3, ]} # \"甲\"")
        );
        assert_eq!(split.diagnostics.len(), 3_000 / 7 + 1);
        let broken = list.replacen(
            "{name: it's 项目1001,",
            "{name: it's 项目1001, funds: [}, x: ",
            1,
        );
        one_item_fails(&broken, 3_000, "  {name: it's 项目1001");
    }

    /// A long flow-style form's rows past the limit are cut from its text before it is parsed,
    /// its keys quoted or not, and it reads as it did when they were parsed and not kept.
    #[test]
    fn rows_past_the_limit_of_a_long_flow_form_are_not_parsed() {
        let rows: Vec<String> = (0..5_000)
            .map(|i| {
                format!("{{annual: {{level2: 数量指标, name: \"指标{i}, ]\", value: {i}人}}}}")
            })
            .collect();
        let rows = rows.join(",\n  ");
        let form = format!("{{name: 甲, indicators: [\n  {rows}\n], funds: {{annual: {{total: 100}}}}, colour: 红}}\n");
        assert!(form.len() > CUT_ROWS_FROM);
        let cut = cut_flow_rows(&form, 0).unwrap();
        assert_eq!(cut.rows, 3_000);
        let [(at, len)] = cut.cuts[..] else {
            panic!("{:?}", cut.cuts)
        };
        assert!(form[at..].starts_with(",\n  {annual: {level2: 数量指标, name: \"指标2000, ]\","));
        assert!(form[at + len..].starts_with("], funds:"));
        assert_eq!(cut.text.len(), form.len() - len);
        let quoted = format!(
            "{{\"name\": 甲, \"绩效指标\": [{rows}], 'funds': {{annual: {{total: 100}}}}, \"colour\": 红}}"
        );
        assert_eq!(cut_flow_rows(&quoted, 0).map(|c| c.rows), Some(3_000));
        // Alone, quoted, as the first and the second of a flow list's items, and as a block
        // list's.
        let first = format!("forms: [{}, {{name: 乙}}]", form.trim_end());
        let second = format!("[{{name: 乙}}, {}]", form.trim_end());
        let dashed = format!("- name: 乙\n- {}\n", form.trim_end().replace('\n', "\n  "));
        for text in [form.clone(), quoted, first, second, dashed] {
            reads_past_the_rows(&text);
        }
        fails_past_the_cut(&form.replace("colour: 红", "colour: [红"), 5_000);
        // Short of the limit, or a key the form has, a form is parsed as written.
        let few = format!(
            "{{name: 甲, indicators: [{}]}}",
            vec!["{name: x}"; MAX_ROWS].join(", ")
        );
        assert!(cut_flow_rows(&few, 0).is_none());
        assert!(cut_flow_rows(&format!("{few}, {{name: 乙}}, trailing,"), 0).is_none());
        assert!(cut_flow_rows(&form.replace("indicators", "measures"), 0).is_none());
        let unknown = form.replace("indicators", "rows");
        let cut = cut_flow_rows(&unknown, 0).unwrap();
        assert_eq!((cut.cuts.len(), cut.rows), (1, 0));
    }

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let ing = read_text(&format!(
            "name: {}1{}\n",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ));
        assert!(ing.unreadable);
        assert!(ing.diagnostics[0].message.contains("嵌套"));
        let ing = read_text(&format!("name: {}1\n", "- ".repeat(1000)));
        assert!(ing.unreadable);
        assert!(too_deep("name: '[[[[[['\nfunds: {annual: {total: 1}}\n").is_none());
    }

    #[test]
    fn amounts_in_wan_yuan_are_kept_in_yuan() {
        let ing = read_text("money_unit: 万元\nfunds:\n  annual: {total: 1.5}\n");
        assert_eq!(
            ing.document.forms[0].funds_annual.total.value,
            Some(Decimal::from(15000))
        );
    }
}
