//! Verdicts on rows remembered by what the rule read of them.
//!
//! Most rules over rows read one or two cells of the row and nothing else: the `values`
//! pack's checks of an 指标值 read its text alone (`row.value.reason`, `halfwidth(row.text)`),
//! the checks by category read its text and its 二级指标. And rows repeat: the disclosure's
//! 5,007 halves are 676 value texts, and forms of one issuer share their indicator rows. A
//! rule's verdict on a row is a function of the cells it reads (functions are pure, and a rule
//! that reads only its row can reach nothing else), so once a rule has passed a row, it passes
//! every row whose cells it reads are the same.
//!
//! Only passes are remembered (a rule that stays silent, whatever the reason). A finding is
//! computed again on every row it is on, since its message and labels point at that row's
//! cells, and an error is reported as the engine always reports it. Keys hold the cells' text
//! itself, borrowed from the document, so two rows share a verdict exactly when their cells
//! are equal: no hash stands in for a text.

use super::eval::{HalfCtx, Period};
use super::expr::{Expr, Node};
use super::pack::{Rule, Scope};
use std::collections::HashMap;

/// Which cells of a row a rule reads, as a set of bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads(u8);

impl Reads {
    pub const PERIOD: Reads = Reads(1);
    pub const LEVEL1: Reads = Reads(2);
    pub const LEVEL2: Reads = Reads(4);
    pub const NAME: Reads = Reads(8);
    pub const TEXT: Reads = Reads(16);
    const ALL: Reads = Reads(31);

    fn has(self, other: Reads) -> bool {
        self.0 & other.0 == other.0
    }

    fn with(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }

    /// What reading `row.<field>` reads of the row (see `eval::half_field`); `None` for a
    /// field this analysis does not know, which keeps the rule out of the cache.
    fn of_field(field: &str) -> Option<Reads> {
        Some(match field {
            "period" => Reads::PERIOD,
            // The 一级指标 is the 二级指标's parent where that is known, else the cell.
            "level1" => Reads::LEVEL1.with(Reads::LEVEL2),
            "level2" => Reads::LEVEL2,
            "name" => Reads::NAME,
            // The typed value is parsed from the text alone.
            "text" | "value" => Reads::TEXT,
            "expected" => Reads::LEVEL2.with(Reads::TEXT),
            _ => return None,
        })
    }
}

/// What a rule over rows reads of its row to decide whether it passes: its `let`s, `when`
/// and `assert` (its message and labels are computed only for a finding). `None` when it
/// reads anything else (`form`, a field not known here) or is not a rule over rows.
pub fn reads(rule: &Rule) -> Option<Reads> {
    if rule.over != Scope::Row {
        return None;
    }
    let mut bound: Vec<&str> = Vec::new();
    let mut acc = Reads(0);
    for l in &rule.lets {
        walk(&l.expr.node, &mut bound, &mut acc)?;
        // A `let` is seen by the later ones and by `when` and `assert`, and may shadow `row`.
        bound.push(&l.name);
    }
    if let Some(w) = &rule.when {
        walk(&w.node, &mut bound, &mut acc)?;
    }
    walk(&rule.assert.node, &mut bound, &mut acc)?;
    Some(acc)
}

/// Adds what `node` reads of the row to `acc`; `None` if it reads anything but the row and
/// the names in `bound`.
fn walk<'n>(node: &'n Node, bound: &mut Vec<&'n str>, acc: &mut Reads) -> Option<()> {
    match &node.expr {
        Expr::Field(base, field) => match &base.expr {
            Expr::Var(v) if v == "row" && !bound.contains(&"row") => {
                *acc = acc.with(Reads::of_field(field)?);
            }
            _ => walk(base, bound, acc)?,
        },
        Expr::Var(v) if bound.contains(&v.as_str()) => {}
        // The row itself, handed whole to a function: all of it.
        Expr::Var(v) if v == "row" => *acc = acc.with(Reads::ALL),
        Expr::Var(_) => return None,
        Expr::Lambda(param, body) => {
            bound.push(param);
            let r = walk(body, bound, acc);
            bound.pop();
            r?;
        }
        _ => {
            for c in node.children() {
                walk(c, bound, acc)?;
            }
        }
    }
    Some(())
}

/// A row's cells that a group of rules reads; the others are `None` for all of its rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Key<'a> {
    group: u8,
    period: Option<Period>,
    level1: Option<&'a str>,
    level2: Option<&'a str>,
    name: Option<&'a str>,
    text: Option<&'a str>,
}

/// Groups of rules a run remembers; rules that read other sets of cells are checked on
/// every row. The built-in packs make two.
const MAX_GROUPS: usize = 8;

/// The cells' texts are condensed with a quick hash of their bytes before the map's own
/// (seeded, so a file cannot aim its rows at one bucket) hashes that: the map's hash of the
/// five cells field by field cost more than the checks it saved. Equal keys are still
/// compared cell by cell.
impl std::hash::Hash for Key<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let cell = |c: Option<&str>| c.map_or(0, |t| crate::model::fingerprint(t.as_bytes()));
        let period = match self.period {
            None => 0,
            Some(Period::Implementation) => 1,
            Some(Period::Annual) => 2,
        };
        let mut h = u64::from(self.group) << 2 | period;
        for c in [self.level1, self.level2, self.name, self.text] {
            h = h.rotate_left(17) ^ cell(c);
        }
        state.write_u64(h);
    }
}

/// The groups' keys of one row, and what the cache knew of it (on the stack: there is one
/// per row).
pub struct Row<'a> {
    keys: [Key<'a>; MAX_GROUPS],
    /// Per group, the rules known to pass this row.
    known: [u64; MAX_GROUPS],
    /// Per group, the rules that passed it now.
    passed: [u64; MAX_GROUPS],
}

/// The remembered passes of one run of the engine (its items, its settings: a `param` may
/// differ from run to run, so nothing is kept across runs).
pub struct Verdicts<'a> {
    /// Per rule of the run: its group and its bit in the group's mask.
    of_rule: Vec<Option<(usize, u64)>>,
    groups: Vec<Reads>,
    passed: HashMap<Key<'a>, u64>,
}

/// Keys kept before the cache forgets them all: bounds the memory a file of a hundred
/// thousand distinct rows takes (some 360 KB at most), and is far more than the distinct
/// rows of a pass of the engine in any real file.
const MAX_KEYS: usize = 4096;

const KEYS_AT_FIRST: usize = 1024;

impl<'a> Verdicts<'a> {
    /// `enabled[i]`: whether the run may skip rule `i` on a row it passed before (not when it
    /// is traced: a trace shows every row).
    pub fn new(rules: &[&Rule], enabled: impl Fn(usize) -> bool) -> Verdicts<'a> {
        let mut groups: Vec<(Reads, u32)> = Vec::new();
        let of_rule = rules
            .iter()
            .enumerate()
            .map(|(i, rule)| {
                let reads = reads(rule).filter(|_| enabled(i))?;
                let g = match groups.iter().position(|(r, _)| *r == reads) {
                    Some(g) => g,
                    None if groups.len() < MAX_GROUPS => {
                        groups.push((reads, 0));
                        groups.len() - 1
                    }
                    None => return None,
                };
                let n = &mut groups[g].1;
                // A group holds 64 rules; any more are checked on every row.
                (*n < 64).then(|| {
                    *n += 1;
                    (g, 1u64 << (*n - 1))
                })
            })
            .collect();
        // Sized for the distinct rows of a pass's forms, so it is rarely grown and rehashed
        // while the pass runs.
        let keys = if groups.is_empty() { 0 } else { KEYS_AT_FIRST };
        Verdicts {
            of_rule,
            groups: groups.into_iter().map(|(r, _)| r).collect(),
            passed: HashMap::with_capacity(keys),
        }
    }

    /// Whether any rule of the run is remembered: if none is, rows need no keys.
    pub fn active(&self) -> bool {
        !self.groups.is_empty()
    }

    /// The row's keys and what is known of it.
    pub fn look(&self, h: &'a HalfCtx<'a>) -> Row<'a> {
        let half = h.half;
        let mut row = Row {
            keys: [Key::default(); MAX_GROUPS],
            known: [0; MAX_GROUPS],
            passed: [0; MAX_GROUPS],
        };
        let (level1, level2) = (half.level1.value.as_deref(), half.level2.value.as_deref());
        let (name, text) = (half.name.value.as_deref(), half.value.value.as_deref());
        for (g, &r) in self.groups.iter().enumerate() {
            let pick = |bit: Reads, cell: Option<&'a str>| if r.has(bit) { cell } else { None };
            let key = Key {
                group: g as u8,
                period: r.has(Reads::PERIOD).then_some(h.period),
                level1: pick(Reads::LEVEL1, level1),
                level2: pick(Reads::LEVEL2, level2),
                name: pick(Reads::NAME, name),
                text: pick(Reads::TEXT, text),
            };
            row.known[g] = self.passed.get(&key).copied().unwrap_or(0);
            row.keys[g] = key;
        }
        row
    }

    /// Whether rule `i` passed this row's cells before.
    pub fn known(&self, row: &Row<'a>, i: usize) -> bool {
        self.of_rule[i].is_some_and(|(g, bit)| row.known[g] & bit != 0)
    }

    /// Rule `i` passed the row.
    pub fn pass(&self, row: &mut Row<'a>, i: usize) {
        if let Some((g, bit)) = self.of_rule[i] {
            row.passed[g] |= bit;
        }
    }

    /// Remembers what passed the row.
    pub fn remember(&mut self, row: Row<'a>) {
        let n = self.groups.len();
        for ((key, known), passed) in row.keys.into_iter().zip(row.known).zip(row.passed).take(n) {
            if passed & !known == 0 {
                continue;
            }
            if self.passed.len() >= MAX_KEYS {
                self.passed.clear();
            }
            *self.passed.entry(key).or_default() |= passed;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorHalf;
    use crate::rules::pack;

    fn reads_of(over: &str, lets: &str, when: &str, assert: &str) -> Option<Reads> {
        let text = format!(
            "name: t\ntitle: t\ndescription: t\nrules:\n  - code: T001\n    name: t\n    \
             severity: error\n    summary: t\n    rationale: t\n    over: {over}\n{lets}{when}    \
             assert: '{assert}'\n    message: m\n    help: h\n"
        );
        let p = pack::load("rules/t.yaml", &text).unwrap_or_else(|e| panic!("{:?}", e.1));
        reads(&p.rules[0])
    }

    fn bits(r: &[Reads]) -> Option<Reads> {
        Some(r.iter().fold(Reads(0), |a, b| a.with(*b)))
    }

    #[test]
    fn a_rule_on_the_value_reads_the_text() {
        let r = reads_of("row", "", "", r#"row.value.reason != "reversed_unit""#);
        assert_eq!(r, bits(&[Reads::TEXT]));
        let r = reads_of("row", "", "", r#"halfwidth(row.text) == row.text"#);
        assert_eq!(r, bits(&[Reads::TEXT]));
    }

    #[test]
    fn a_category_check_reads_the_category_and_what_the_level1_comes_from() {
        let when = "    when: 'row.level2 == \"时效指标\"'\n";
        let r = reads_of("row", "", when, "row.expected == null");
        assert_eq!(r, bits(&[Reads::LEVEL2, Reads::TEXT]));
        let r = reads_of(
            "row",
            "",
            "",
            r#"row.level1 != "成本指标" or row.period == "年度""#,
        );
        assert_eq!(r, bits(&[Reads::LEVEL1, Reads::LEVEL2, Reads::PERIOD]));
    }

    #[test]
    fn lets_and_lambda_parameters_are_not_the_row() {
        let lets = "    let:\n      word: 'doubled(row.name)'\n      row: '[1, 2]'\n";
        let r = reads_of("row", lets, "", "word == null and all(row, x => x > 0)");
        assert_eq!(r, bits(&[Reads::NAME]));
        let r = reads_of("row", "", "", "all([row.text], row => row != null)");
        assert_eq!(r, bits(&[Reads::TEXT]));
    }

    #[test]
    fn the_built_in_checks_of_a_row_read_its_cells_alone() {
        let set = crate::rules::RuleSet::builtin();
        let remembered: Vec<&str> = set
            .rules()
            .filter(|r| reads(r).is_some())
            .map(|r| r.code.as_str())
            .collect();
        // V010 and C002 compare the row with its form's year and funds.
        assert_eq!(
            remembered,
            [
                "C003", "V001", "V002", "V003", "V004", "V005", "V006", "V007", "V008", "V009",
                "V011", "V012", "V013", "V014", "V015", "V017", "V018"
            ]
        );
    }

    fn half(level2: &str, name: &str, text: &str, at: usize) -> IndicatorHalf {
        let cell = |t: &str| {
            crate::model::Cell::new(t.to_owned(), crate::model::Span::new(at, at + t.len()))
        };
        IndicatorHalf {
            level1: crate::model::Cell::default(),
            level2: crate::model::Cell::new(
                level2.to_owned().into(),
                crate::model::Span::new(at, at),
            ),
            name: cell(name),
            value: cell(text),
            extras: Vec::new(),
        }
    }

    #[test]
    fn a_pass_is_known_on_rows_whose_read_cells_are_equal() {
        let text = r#"name: t
title: t
description: t
rules:
  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.value.kind != "placeholder"', message: m, help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     when: 'row.level2 == "时效指标"', assert: 'row.expected == null', message: m, help: h}
  - {code: T003, name: c, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.value.year == form.year', message: m, help: h}
"#;
        let p = pack::load("rules/t.yaml", text).unwrap_or_else(|e| panic!("{:?}", e.1));
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let ctx = |h: &'static IndicatorHalf| HalfCtx {
            half: h,
            value: None,
            period: Period::Annual,
        };
        let leak = |h: IndicatorHalf| -> &'static IndicatorHalf { Box::leak(Box::new(h)) };
        let first = ctx(leak(half("数量指标", "学生数", "100人", 0)));
        // Elsewhere, under another name: the same text and category.
        let same = ctx(leak(half("数量指标", "教师数", "100人", 50)));
        let other_level2 = ctx(leak(half("时效指标", "学生数", "100人", 90)));
        let first: &'static HalfCtx<'static> = Box::leak(Box::new(first));
        let same: &'static HalfCtx<'static> = Box::leak(Box::new(same));
        let other_level2: &'static HalfCtx<'static> = Box::leak(Box::new(other_level2));

        let mut v = Verdicts::new(&rules, |_| true);
        assert!(v.active());
        let mut row = v.look(first);
        assert!(
            !(0..3).any(|i| v.known(&row, i)),
            "nothing is known at first"
        );
        for i in 0..3 {
            v.pass(&mut row, i);
        }
        v.remember(row);
        let row = v.look(same);
        assert!(v.known(&row, 0) && v.known(&row, 1));
        assert!(
            !v.known(&row, 2),
            "a rule that reads its form is checked on every row"
        );
        let row = v.look(other_level2);
        assert!(v.known(&row, 0), "T001 reads the text alone");
        assert!(!v.known(&row, 1), "T002 reads the category too");

        // A traced rule is never remembered.
        let mut v = Verdicts::new(&rules, |i| i != 0);
        let mut row = v.look(first);
        v.pass(&mut row, 0);
        v.pass(&mut row, 1);
        v.remember(row);
        let row = v.look(same);
        assert!(!v.known(&row, 0) && v.known(&row, 1));
    }

    #[test]
    fn a_rule_that_reads_more_than_its_row_is_not_remembered() {
        assert_eq!(reads_of("row", "", "", "row.value.year == form.year"), None);
        assert_eq!(reads_of("form", "", "", "form.year != null"), None);
        // The whole row handed to a function: every cell is read.
        let r = reads_of("row", "", "", r#"note(row, "odd_percent") == null"#);
        assert_eq!(r, Some(Reads::ALL));
    }
}
