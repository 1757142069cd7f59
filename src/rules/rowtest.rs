//! Conditions over a form's rows, and values of them, decided on the row without the
//! evaluator.
//!
//! The rules over forms pick rows with conditions (`filter(form.annual_rows, r => r.level2 ==
//! "成本指标")`, `any(rows, r => r.level1 == "效益指标")`), and each is asked of every row of
//! every form: some seventy a form, at three to seven nodes each. Node by node, each asking
//! binds the parameter, looks it up by name for every field, and builds and drops a value per
//! node: some 560 instructions a row, 37,000 a form, over a third of what the rules over forms
//! cost. Most conditions are fields of the row compared with a text or `null`, joined by `and`,
//! `or` and `not`; those are compiled when the pack is parsed into a [`RowTest`], which reads
//! the row's fields itself (some 220 instructions a row). So are the values `map` takes of
//! rows that are such conditions, fields, texts and `choose` of them (K001's categories,
//! `choose(r.level1 == "成本指标", "成本指标", r.level2)`), and the labels of a rule over rows
//! that are fields of `row` (`primary: {at: row.value}`), which place each of its findings.
//!
//! A test gives the evaluator's answer or none. Fields are read by the evaluator's own
//! functions ([`eval::field_named`]), and `and`, `or`, `not` and the comparisons
//! keep its three-valued logic; a field the row does not have (a misspelt name, which the
//! evaluator reports as an error) gives no answer, and the condition is evaluated node by node
//! as before. An element that is not a row (a task, a funds source) is always evaluated node by
//! node. A unit test holds every test to the evaluator on every row of the disclosure.
//!
//! The same for the texts of a pair's two halves that a rule over pairs compares ([`PairTexts`]).

use super::eval::{self, HalfCtx, Val, V};
use super::expr::{BinOp, Expr, FieldName, Func, Node, RowText, UnOp};
use std::borrow::Cow;

/// A condition over one row, compiled from a lambda's body (see the module's notes).
#[derive(Debug, Clone, PartialEq)]
pub enum RowTest {
    And(Box<RowTest>, Box<RowTest>),
    Or(Box<RowTest>, Box<RowTest>),
    Not(Box<RowTest>),
    /// `r.<field> == "text"` or `r.<field> == null` (`literal` is `None`); `!=` if `negated`.
    Compare {
        path: Path,
        literal: Option<String>,
        negated: bool,
    },
    /// `r.<field>`: read as a condition (`r.value.is_money`) or as a value.
    Read(Path),
    /// A text literal, as a value (`"成本指标"`).
    Text(String),
    /// `choose(condition, a, b)`: `a` where the condition holds, else `b`.
    Choose(Box<[RowTest; 3]>),
}

/// `r.field` or `r.field.sub`: what a row test reads of the row.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    field: FieldName,
    sub: Option<FieldName>,
}

impl RowTest {
    /// The test a lambda's body compiles to, if it is one this module decides: `param`'s
    /// fields compared with texts or `null`, or read as conditions, joined by `and`, `or` and
    /// `not`.
    pub fn compile(param: &str, body: &Node) -> Option<RowTest> {
        let compile = |n: &Node| Self::compile(param, n);
        if let Some(joined) = joined(body, compile, RowTest::And, RowTest::Or, RowTest::Not) {
            return joined;
        }
        Some(match &body.expr {
            // Only a literal on the right: the evaluator compares those in place.
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => RowTest::Compare {
                path: Path::of(param, a)?,
                literal: match &b.expr {
                    Expr::Str(text) => Some(text.clone()),
                    Expr::Null => None,
                    _ => return None,
                },
                negated: *op == BinOp::Ne,
            },
            Expr::Str(text) => RowTest::Text(text.clone()),
            Expr::Call(name, args) if name.key() == Some(Func::Choose) && args.len() == 3 => {
                let [c, a, b] = [&args[0], &args[1], &args[2]];
                let compiled = [
                    Self::compile(param, c)?,
                    Self::compile(param, a)?,
                    Self::compile(param, b)?,
                ];
                RowTest::Choose(Box::new(compiled))
            }
            _ => RowTest::Read(Path::of(param, body)?),
        })
    }

    /// The body's value on `h`, as the evaluator would give it (`map`'s element); `None` when it
    /// must be evaluated node by node.
    pub fn value<'a>(&'a self, h: &'a HalfCtx<'a>) -> Option<V<'a>> {
        Some(match self {
            RowTest::Read(path) => path.read(h)?,
            RowTest::Text(text) => V::new(Val::Str(Cow::Borrowed(text))),
            // `choose` evaluates only what it returns.
            RowTest::Choose(parts) => {
                let [c, a, b] = &**parts;
                if c.decide(h)? == Some(true) {
                    a.value(h)?
                } else {
                    b.value(h)?
                }
            }
            // Logic and comparisons are `true`, `false` or `null`.
            _ => match self.decide(h)? {
                Some(b) => V::new(Val::Bool(b)),
                None => V::null(),
            },
        })
    }

    /// The condition's logic on `h` (`None` is `null`), as the evaluator would give it; the
    /// outer `None` when it must be evaluated node by node (a field rows do not have).
    pub fn decide(&self, h: &HalfCtx<'_>) -> Option<Option<bool>> {
        Some(match self {
            RowTest::And(a, b) | RowTest::Or(a, b) => {
                let and = matches!(self, RowTest::And(..));
                // Short-circuiting as the evaluator does: the right side is not read once the
                // left decides.
                let l = a.decide(h)?;
                match eval::short_circuit(and, l) {
                    Some(b) => Some(b),
                    None => eval::join(and, l, b.decide(h)?),
                }
            }
            RowTest::Not(e) => e.decide(h)?.map(|b| !b),
            RowTest::Compare {
                path,
                literal,
                negated,
            } => {
                let same = match path.text() {
                    // A text field, compared as it stands.
                    Some(field) => eval::row_text(h, field) == literal.as_deref(),
                    None => {
                        let v = path.read(h)?;
                        match literal {
                            Some(text) => eval::is_text(&v, text),
                            None => v.is_null(),
                        }
                    }
                };
                Some(same != *negated)
            }
            RowTest::Read(_) | RowTest::Text(_) | RowTest::Choose(_) => {
                eval::logic(&self.value(h)?)
            }
        })
    }
}

/// `node` as `and`, `or` or `not` of what `compile` makes of its operands (`Some(None)` if it
/// cannot make one of them); `None` if `node` is none of the three. Both kinds of test join
/// their conditions as the evaluator's logic does.
fn joined<T>(
    node: &Node,
    compile: impl Fn(&Node) -> Option<T>,
    and: fn(Box<T>, Box<T>) -> T,
    or: fn(Box<T>, Box<T>) -> T,
    not: fn(Box<T>) -> T,
) -> Option<Option<T>> {
    let both = |a, b| Some((Box::new(compile(a)?), Box::new(compile(b)?)));
    Some(match &node.expr {
        Expr::Binary(BinOp::And, a, b) => both(a, b).map(|(a, b)| and(a, b)),
        Expr::Binary(BinOp::Or, a, b) => both(a, b).map(|(a, b)| or(a, b)),
        Expr::Unary(UnOp::Not, e) => compile(e).map(|e| not(Box::new(e))),
        _ => return None,
    })
}

impl Path {
    /// `param.field` or `param.field.sub`.
    fn of(param: &str, node: &Node) -> Option<Path> {
        let Expr::Field(base, name) = &node.expr else {
            return None;
        };
        match &base.expr {
            Expr::Var(v) if v == param => Some(Path {
                field: name.clone(),
                sub: None,
            }),
            Expr::Field(row, field) if matches!(&row.expr, Expr::Var(v) if v == param) => {
                Some(Path {
                    field: field.clone(),
                    sub: Some(name.clone()),
                })
            }
            _ => None,
        }
    }

    /// The field, if it is one of the row's texts: compared with a text or `null`, it is read
    /// as it stands ([`eval::row_text`]), not built into a value to compare and drop (the
    /// conditions of K001, K002 and K003 ask two of them of every row of every form).
    fn text(&self) -> Option<RowText> {
        match self.sub {
            None => self.field.key()?.row_text(),
            Some(_) => None,
        }
    }

    /// The field's value on `h`, as the evaluator reads it; `None` if rows have no such field.
    fn read<'a>(&self, h: &'a HalfCtx<'a>) -> Option<eval::V<'a>> {
        let v = eval::field_named(&eval::V::new(Val::Half(h)), &self.field)?;
        match &self.sub {
            Some(sub) => eval::field_named(&v, sub),
            None => Some(v),
        }
    }
}

/// A rule over pairs whose `let`s each read one text of the pair's halves and whose `assert`
/// compares those texts (F007: `implementation: pair.implementation.text`, `annual:
/// pair.annual.text`, `implementation == annual or prefix_of(implementation, annual)`; V016,
/// the names). Such a rule is asked of nearly every pair of every form, and the row memory
/// seldom spares it, since two texts seldom repeat as a pair; bound and compared node by node,
/// it cost some 1,900 instructions a pair. The texts are compared where they lie.
///
/// Only a pass is decided here: a rule that holds on the texts is silent, as it would be node
/// by node. One that does not, or a text that is `null`, goes the evaluator's way, which binds
/// the values its message and labels read.
#[derive(Debug, Clone, PartialEq)]
pub struct PairTexts {
    /// The pair's variable (`pair`).
    var: String,
    /// Per `let`, in order: whether it reads the annual half, and which text.
    reads: Vec<(bool, RowText)>,
    test: TextsTest,
}

/// `==`, `!=`, `prefix_of`, `and`, `or` and `not` over the `let`s' texts, by their index.
#[derive(Debug, Clone, PartialEq)]
enum TextsTest {
    Same(usize, usize, bool),
    PrefixOf(usize, usize),
    And(Box<TextsTest>, Box<TextsTest>),
    Or(Box<TextsTest>, Box<TextsTest>),
    Not(Box<TextsTest>),
}

impl PairTexts {
    /// The test for a rule with these `lets` (name and expression, in order) and this `assert`,
    /// if it has the shape above. The `let` names must differ from each other and from the
    /// pair's variable, so that each name in the `assert` is one `let`'s value.
    pub fn compile(lets: &[(&str, &Node)], assert: &Node) -> Option<PairTexts> {
        // At most four, to be held on the stack while the rule runs.
        if lets.len() > 4 {
            return None;
        }
        let mut var: Option<&str> = None;
        let mut reads = Vec::with_capacity(lets.len());
        for (i, (name, node)) in lets.iter().enumerate() {
            let Expr::Field(half, text) = &node.expr else {
                return None;
            };
            let Expr::Field(base, which) = &half.expr else {
                return None;
            };
            let Expr::Var(v) = &base.expr else {
                return None;
            };
            let annual = match which.as_str() {
                "implementation" => false,
                "annual" => true,
                _ => return None,
            };
            if var.is_some_and(|w| w != v) || lets[..i].iter().any(|(n, _)| n == name) {
                return None;
            }
            var = Some(v);
            reads.push((annual, text.key()?.row_text()?));
        }
        let var = var?;
        if lets.iter().any(|(n, _)| *n == var) {
            return None;
        }
        let index = |node: &Node| match &node.expr {
            Expr::Var(n) => lets.iter().position(|(l, _)| l == n),
            _ => None,
        };
        Some(PairTexts {
            var: var.to_owned(),
            reads,
            test: TextsTest::compile(assert, &index)?,
        })
    }

    /// Whether the rule is silent on the pair `env` binds, as node by node (it holds, or one
    /// of its values is `null`), decided on the texts; `false` when the evaluator must decide.
    pub fn passes(&self, env: &eval::Env<'_, '_>) -> bool {
        let Some(eval::Val::Pair(implementation, annual)) = env.get(&self.var).map(|v| &v.val)
        else {
            return false;
        };
        let mut texts: [&str; 4] = [""; 4];
        let texts = &mut texts[..self.reads.len()];
        for (t, &(is_annual, field)) in texts.iter_mut().zip(&self.reads) {
            let h = if is_annual { annual } else { implementation };
            // A `null` value leaves the rule silent.
            let Some(text) = eval::row_text(h, field) else {
                return true;
            };
            *t = text;
        }
        self.test.holds(texts)
    }
}

impl TextsTest {
    fn compile(node: &Node, index: &dyn Fn(&Node) -> Option<usize>) -> Option<TextsTest> {
        let compile = |n: &Node| Self::compile(n, index);
        if let Some(joined) = joined(node, compile, TextsTest::And, TextsTest::Or, TextsTest::Not) {
            return joined;
        }
        Some(match &node.expr {
            Expr::Binary(op @ (BinOp::Eq | BinOp::Ne), a, b) => {
                TextsTest::Same(index(a)?, index(b)?, *op == BinOp::Ne)
            }
            Expr::Call(name, args) if name.key() == Some(Func::PrefixOf) && args.len() == 2 => {
                TextsTest::PrefixOf(index(&args[0])?, index(&args[1])?)
            }
            _ => return None,
        })
    }

    /// Over texts none of which is `null`, every part is `true` or `false`, and `and`, `or`
    /// and `not` are two-valued: the evaluator's answer.
    fn holds(&self, texts: &[&str]) -> bool {
        match self {
            TextsTest::Same(a, b, negated) => (texts[*a] == texts[*b]) != *negated,
            TextsTest::PrefixOf(a, b) => eval::prefix_of(texts[*a], texts[*b]),
            TextsTest::And(a, b) => a.holds(texts) && b.holds(texts),
            TextsTest::Or(a, b) => a.holds(texts) || b.holds(texts),
            TextsTest::Not(e) => !e.holds(texts),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::eval::{DocCtx, Env, Evaluator};
    use crate::rules::expr;

    /// The real disclosure, read as `kpilint check` reads it.
    fn disclosure() -> crate::model::Document {
        crate::cli::lint_file(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        )))
        .document
    }

    fn test(text: &str) -> Option<RowTest> {
        let node = expr::parse(text).unwrap();
        match &node.expr {
            Expr::Lambda(param, body) => RowTest::compile(param, body),
            _ => panic!("not a lambda: {text}"),
        }
    }

    #[test]
    fn compiles_comparisons_of_fields_joined_by_logic() {
        assert!(test(r#"r => r.level2 == "成本指标""#).is_some());
        assert!(test("r => r.name != null and r.text != null").is_some());
        assert!(test(
            r#"r => r.level2 == "数量指标" and (r.value.unit == "人" or r.value.unit == "人次")"#
        )
        .is_some());
        assert!(test("r => r.value.is_money and not r.value.per_person").is_some());
        // Anything else is left to the evaluator.
        assert!(test(r#"r => "成本指标" == r.level2"#).is_none());
        assert!(test(r#"r => matches(r.text, "元")"#).is_none());
        assert!(test(r#"r => choose(r.level1 == "成本指标", "成本指标", r.level2)"#).is_some());
        assert!(test(r#"r => choose(r.level1 == "成本指标", "成本指标")"#).is_none());
        assert!(test("r => r.value.yuan > 100").is_none());
        assert!(test("r => s.level2 == null").is_none());
        assert!(test("r => r == null").is_none());
    }

    /// Every body below, on every half of the disclosure: the test's logic and value are the
    /// evaluator's, or the test gives none and the evaluator raises an error.
    #[test]
    fn tests_decide_as_the_evaluator_does_on_every_row_of_the_disclosure() {
        let conditions = [
            r#"r => r.level2 == "成本指标""#,
            r#"r => r.level1 == "效益指标""#,
            r#"r => r.level2 == "服务对象满意度指标""#,
            "r => r.name != null and r.text != null",
            "r => r.value.is_money and r.value.per_person",
            "r => r.value.is_money or not r.value.per_person",
            r#"r => r.level2 == "数量指标" and (r.value.unit == "人" or r.value.unit == "人次")"#,
            r#"r => r.value.kind == "text" or r.value.cmp != null"#,
            r#"r => not (r.period == "年度") and r.expected == null"#,
            "r => r.value.per_time",
            "r => r.written",
            "r => r.value == null or r.value.year != null",
            // Values, as `map` takes them.
            r#"r => choose(r.level1 == "成本指标", "成本指标", r.level2)"#,
            r#"r => choose(r.level2 == "成本指标", "成本", r.name)"#,
            r#"r => choose(r.value.is_money, r.value.unit, choose(r.text == null, "", r.name))"#,
            "r => r.value.amount",
            "r => r.level1",
            // Fields rows do not have: no answer here, an error from the evaluator.
            "r => r.nonesuch == null",
            "r => r.value.nonesuch or r.name == null",
        ];
        // Parsed before the document: the evaluator borrows them for as long as it does it.
        let nodes: Vec<(&str, Node)> = (conditions.iter())
            .map(|t| (*t, expr::parse(t).unwrap()))
            .collect();
        let doc = disclosure();
        let ctx = DocCtx::new(&doc);
        let ev = Evaluator::new(Vec::new());
        let mut decided = 0;
        for (text, node) in &nodes {
            let Expr::Lambda(param, body) = &node.expr else {
                unreachable!()
            };
            let t = node.test.as_ref().unwrap_or_else(|| panic!("{text}"));
            for form in &ctx.forms {
                for h in form.halves() {
                    let mut env = Env::with_room();
                    env.push(param, V::new(Val::Half(h)));
                    let by_nodes = ev.eval(body, &mut env);
                    match (t.decide(h), by_nodes) {
                        (Some(l), Ok(v)) => {
                            assert_eq!(l, eval::logic(&v), "{text} on {:?}", h.half.name);
                            // The value too, and the cell it came from.
                            let w = t.value(h).unwrap();
                            let seen = |v: &V<'_>| (v.display(), v.is_null(), v.span());
                            assert_eq!(seen(&w), seen(&v), "{text} on {:?}", h.half.name);
                            decided += 1;
                        }
                        (None, Err(_)) => {}
                        (l, v) => panic!(
                            "{text} on {:?}: {l:?} against {:?}",
                            h.half.name,
                            v.map(|v| v.display())
                        ),
                    }
                }
            }
        }
        assert!(decided > 17 * 5_000, "{decided}");
    }

    fn pair_texts(lets: &[(&str, &str)], assert: &str) -> Option<PairTexts> {
        let nodes: Vec<(&str, Node)> = (lets.iter())
            .map(|(n, t)| (*n, expr::parse(t).unwrap()))
            .collect();
        let lets: Vec<(&str, &Node)> = nodes.iter().map(|(n, e)| (*n, e)).collect();
        PairTexts::compile(&lets, &expr::parse(assert).unwrap())
    }

    const TEXTS: [(&str, &str); 2] = [
        ("implementation", "pair.implementation.text"),
        ("annual", "pair.annual.text"),
    ];

    #[test]
    fn pair_texts_compile_only_lets_that_read_one_text_and_an_assert_over_them() {
        let eq = "implementation == annual";
        assert!(pair_texts(&TEXTS, eq).is_some());
        assert!(pair_texts(
            &TEXTS,
            "implementation == annual or prefix_of(implementation, annual)"
        )
        .is_some());
        assert!(pair_texts(
            &TEXTS,
            "not (annual != implementation and prefix_of(annual, implementation))"
        )
        .is_some());
        // Not a text: F008 compares amounts.
        let amounts = [
            ("i", "pair.implementation.value.amount"),
            ("a", "pair.annual.value.amount"),
        ];
        assert_eq!(pair_texts(&amounts, "a <= i"), None);
        assert_eq!(
            pair_texts(
                &[
                    ("i", "pair.implementation.value"),
                    ("a", "pair.annual.name")
                ],
                "i == a"
            ),
            None
        );
        // Not one of the halves, not one variable, names that are not the `let`s'.
        assert_eq!(
            pair_texts(
                &[("i", "pair.implementation.text"), ("a", "pair.other.text")],
                "i == a"
            ),
            None
        );
        assert_eq!(
            pair_texts(
                &[("i", "pair.implementation.text"), ("a", "row.annual.text")],
                "i == a"
            ),
            None
        );
        assert_eq!(pair_texts(&TEXTS, "implementation == pair"), None);
        assert_eq!(pair_texts(&TEXTS, "implementation == \"x\""), None);
        // A name bound twice, or the pair's own name rebound: the `assert` would read another value.
        assert_eq!(
            pair_texts(
                &[("t", "pair.implementation.text"), ("t", "pair.annual.text")],
                "t == t"
            ),
            None
        );
        assert_eq!(
            pair_texts(
                &[
                    ("pair", "pair.implementation.text"),
                    ("a", "pair.annual.text")
                ],
                "pair == a"
            ),
            None
        );
        // Other calls and operators.
        assert_eq!(pair_texts(&TEXTS, "contains(implementation, annual)"), None);
        assert_eq!(pair_texts(&TEXTS, "implementation < annual"), None);
        let five: Vec<(&str, &str)> = ["a", "b", "c", "d", "e"]
            .iter()
            .map(|n| (*n, "pair.annual.name"))
            .collect();
        assert_eq!(pair_texts(&five, "a == e"), None);
    }

    /// On every pair of the disclosure, a pass decided on the texts is a rule silent node by
    /// node (a value `null`, or the `assert` true), and every such silence is decided.
    #[test]
    fn pair_texts_pass_where_the_evaluator_is_silent() {
        let shapes: [(&[(&str, &str)], &str); 5] = [
            (
                &TEXTS,
                "implementation == annual or prefix_of(implementation, annual)",
            ),
            (
                &[
                    ("implementation", "pair.implementation.name"),
                    ("annual", "pair.annual.name"),
                ],
                "annual == implementation",
            ),
            (&TEXTS, "implementation != annual"),
            (
                &[
                    ("a", "pair.annual.written"),
                    ("b", "pair.implementation.level2"),
                    ("c", "pair.annual.level2"),
                ],
                "not (b == c) or prefix_of(a, a)",
            ),
            (
                &[("a", "pair.annual.name"), ("b", "pair.implementation.text")],
                "prefix_of(b, a) and a != b",
            ),
        ];
        struct Shape<'s> {
            lets: Vec<(&'s str, Node)>,
            text: &'s str,
            assert: Node,
            test: PairTexts,
        }
        let parsed: Vec<Shape<'_>> = shapes
            .iter()
            .map(|(lets, assert)| Shape {
                lets: (lets.iter())
                    .map(|(n, t)| (*n, expr::parse(t).unwrap()))
                    .collect(),
                text: assert,
                assert: expr::parse(assert).unwrap(),
                test: pair_texts(lets, assert).expect("compiles"),
            })
            .collect();
        let doc = disclosure();
        let ctx = DocCtx::new(&doc);
        let ev = Evaluator::new(Vec::new());
        let (mut passed, mut failed) = (0, 0);
        for form in &ctx.forms {
            for &(i, a) in form.pairs() {
                let pair = V::new(Val::Pair(&form.halves()[i], &form.halves()[a]));
                for Shape {
                    lets,
                    text,
                    assert,
                    test,
                } in &parsed
                {
                    let mut env = Env::with_room();
                    env.push("pair", pair.clone());
                    let mut silent = false;
                    for (name, node) in lets {
                        let v = ev.eval(node, &mut env).unwrap();
                        silent |= v.is_null();
                        env.push(name, v);
                    }
                    let silent =
                        silent || eval::logic(&ev.eval(assert, &mut env).unwrap()) != Some(false);
                    let decided = test.passes(&env);
                    assert_eq!(
                        decided,
                        silent,
                        "{text} on {:?}",
                        form.halves()[a].half.name
                    );
                    if decided {
                        passed += 1;
                    } else {
                        failed += 1;
                    }
                }
            }
        }
        assert!(
            passed > 2_000 && failed > 500,
            "{passed} passed, {failed} not"
        );
    }
}
