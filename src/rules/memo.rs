//! Values that several rules compute on the same item, computed once.
//!
//! The engine runs every rule of a scope on one item before it moves to the next, and most
//! rules of a scope read the same things of it: seventeen rules of the `values` pack read
//! `row.value`, seven of two packs read `row.level2`, and two packs bind the same row filters
//! in several rules' `let`s.
//! Each expression that more than one place of a scope's rules writes, and that depends on
//! the item alone, is given a slot when the packs are loaded; while the engine is on an item,
//! the first rule to compute such an expression keeps its value there for the others.
//!
//! An expression depends on the item alone when it reads no `let` value of its rule (a
//! `let` may be bound differently by each rule, and may shadow an item's variable), no
//! parameter of a lambda around it, and no `param` (set per rule). The item's own variables
//! are the only other names a rule can read, and functions are pure, so such an expression
//! has one value per item, whichever rule asks. Only values are kept, never errors: a
//! failing expression fails again in each rule that reaches it, and is reported against
//! that rule as before.
//!
//! An expression of the rules over forms and over a form's rows, pairs or funds that reads
//! nothing but `form` (`form.period_years`, `form.funds.annual.total`) has one value for all
//! the items of that form, in all those scopes: it is kept for the form, not the item, even if
//! only one rule writes it. F007 asked `form.period_years == 1` of every pair, parsing the
//! 项目期 each time.

use super::expr::{Expr, Func, Node, FORM_SLOT, NO_SLOT};
use super::pack::{Rule, Scope};
use std::collections::HashMap;

/// Gives a slot to every expression that more than one place of a scope's rules writes and
/// that depends on the item alone, and a form's slot ([`FORM_SLOT`] set) to every expression
/// of the scopes over a form's parts that reads the form alone (see the module's notes);
/// every other node gets [`NO_SLOT`]. Slots are numbered from 0 within each scope, form's
/// slots from 0 across the scopes.
pub fn assign<'r>(rules: impl IntoIterator<Item = &'r mut Rule>) {
    let mut rules: Vec<&mut Rule> = rules.into_iter().collect();
    let mut ids = Interner::default();
    let mut seen: HashMap<(Scope, u32), u32> = HashMap::new();
    // What the first walk learns of each node that could be kept (its number, and whether it
    // reads the form alone), in the order it walks them: the second walk takes the nodes in
    // that order and needs nothing else. Walking the expressions again to learn it cost as
    // much as the first walk, and every run of kpilint loads the packs.
    let mut found: Vec<Option<(u32, bool)>> = Vec::new();
    for rule in &mut rules {
        let (scope, lets) = (rule.over, let_names(rule));
        for node in expressions(rule) {
            visit(node, &lets, &mut ids, &mut |keep| {
                if let Some((id, _)) = keep {
                    *seen.entry((scope, id)).or_default() += 1;
                }
                found.push(keep);
            });
        }
    }
    let mut slots: HashMap<(Scope, u32), u32> = HashMap::new();
    let mut next: HashMap<Scope, u32> = HashMap::new();
    let mut form_slots: HashMap<u32, u32> = HashMap::new();
    let mut found = found.into_iter();
    for rule in &mut rules {
        let scope = rule.over;
        for node in expressions(rule) {
            // Every node that could be kept is set, so numbers from an earlier call (a pack
            // added since) do not linger; the others are never given one.
            post_order(node, &mut |n| {
                let Some(Some((id, form_only))) = found.next() else {
                    return;
                };
                n.slot = if scope.per_form() && form_only {
                    let next = u32::try_from(form_slots.len()).unwrap_or(u32::MAX);
                    *form_slots.entry(id).or_insert(next | FORM_SLOT)
                } else if seen[&(scope, id)] < 2 {
                    NO_SLOT
                } else {
                    *slots.entry((scope, id)).or_insert_with(|| {
                        let s = next.entry(scope).or_default();
                        *s += 1;
                        *s - 1
                    })
                };
            });
        }
    }
}

/// Calls `f` on every node under `node` (itself included), children first, in the order
/// [`visit`] reaches them.
fn post_order(node: &mut Node, f: &mut impl FnMut(&mut Node)) {
    for c in node.children_mut() {
        post_order(c, f);
    }
    f(node);
}

/// One number per distinct expression: a node's number is given by what it is (its
/// operator, name or literal) and its children's numbers, so two nodes have the same number
/// exactly when they are the same expression, whatever their spacing or parentheses. Built
/// bottom-up, it costs a hash per node however deep the expression (text keys would cost
/// its depth times its size).
#[derive(Default)]
struct Interner {
    ids: HashMap<(String, Vec<u32>), u32>,
}

impl Interner {
    fn id(&mut self, node: &Node, kids: Vec<u32>) -> u32 {
        let what = match &node.expr {
            // A decimal's scale is part of it here: `1.0` and `1` read differently in a
            // message.
            Expr::Num(d) => format!("n{d}"),
            Expr::Str(s) => format!("s{s}"),
            Expr::Bool(b) => format!("b{b}"),
            Expr::Null => "null".into(),
            Expr::Var(v) => format!("v{v}"),
            Expr::List(_) => "[".into(),
            Expr::Field(_, name) => format!(".{name}"),
            Expr::Call(name, _) => format!("({name}"),
            Expr::Lambda(param, _) => format!("=>{param}"),
            Expr::Unary(op, _) => format!("u{op:?}"),
            Expr::Binary(op, _, _) => format!("b{op:?}"),
        };
        let next = u32::try_from(self.ids.len()).unwrap_or(u32::MAX);
        *self.ids.entry((what, kids)).or_insert(next)
    }
}

fn let_names(rule: &Rule) -> Vec<String> {
    rule.lets.iter().map(|l| l.name.clone()).collect()
}

/// Every expression of a rule, in every part of it.
fn expressions(rule: &mut Rule) -> Vec<&mut Node> {
    let mut out: Vec<&mut Node> = rule.lets.iter_mut().map(|l| &mut l.expr.node).collect();
    out.extend(rule.when.as_mut().map(|w| &mut w.node));
    out.push(&mut rule.assert.node);
    out.extend(rule.message.iter_mut().filter_map(|p| match p {
        super::pack::Part::Expr(c) => Some(&mut c.node),
        super::pack::Part::Text(_) => None,
    }));
    out.extend(rule.primary.as_mut().map(|l| &mut l.expr.node));
    out.extend(rule.secondary.iter_mut().map(|l| &mut l.expr.node));
    if let Some(f) = rule.fix.as_mut() {
        out.push(&mut f.at.node);
        out.push(&mut f.replace.node);
    }
    out
}

/// What [`visit`] learns of a node on its way up: its number, the names it reads that
/// nothing inside it binds, and whether it calls `param`.
struct Seen {
    id: u32,
    free: Vec<String>,
    param: bool,
}

/// Calls `f` on every node under `node` (itself included), children first: with its number
/// and whether it reads `form` alone if it depends on the item alone and is worth keeping,
/// with `None` if not. `bound` are the names such a node may not read (the rule's `let`s,
/// and the parameters of the lambdas around it).
fn visit(
    node: &mut Node,
    bound: &[String],
    ids: &mut Interner,
    f: &mut impl FnMut(Option<(u32, bool)>),
) -> Seen {
    // Inside a lambda, its parameter is as bound as a `let`: it differs from element to
    // element.
    let inner: Vec<String>;
    let bound_inside = match &node.expr {
        Expr::Lambda(p, _) => {
            inner = bound.iter().cloned().chain([p.clone()]).collect();
            &inner
        }
        _ => bound,
    };
    let kids: Vec<Seen> = node
        .children_mut()
        .into_iter()
        .map(|c| visit(c, bound_inside, ids, f))
        .collect();
    let mut free: Vec<String> = Vec::new();
    let mut param = false;
    let mut kid_ids = Vec::with_capacity(kids.len());
    for k in kids {
        free.extend(k.free);
        param |= k.param;
        kid_ids.push(k.id);
    }
    match &node.expr {
        Expr::Var(v) => free.push(v.clone()),
        Expr::Lambda(p, _) => free.retain(|n| n != p),
        Expr::Call(name, _) => param |= name.key() == Some(Func::Param),
        _ => {}
    }
    free.sort_unstable();
    free.dedup();
    let id = ids.id(node, kid_ids);
    let worth = !matches!(
        node.expr,
        Expr::Num(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Null | Expr::Var(_) | Expr::Lambda(..)
    );
    let keep = worth && !param && !free.iter().any(|n| bound.contains(n));
    f(keep.then(|| (id, free == ["form"])));
    Seen { id, free, param }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::pack;

    /// The expressions given a slot in each rule, written out, with their slots.
    fn slots(text: &str) -> Vec<Vec<(String, u32)>> {
        let mut p = pack::load("rules/t.yaml", text).unwrap_or_else(|e| panic!("{:?}", e.1));
        assign(p.rules.iter_mut());
        let mut out = Vec::new();
        for rule in &mut p.rules {
            let mut kept = Vec::new();
            for c in expressions(rule) {
                collect(c, &mut kept);
            }
            out.push(kept);
        }
        out
    }

    fn collect(node: &Node, out: &mut Vec<(String, u32)>) {
        if node.slot != NO_SLOT {
            out.push((written(node), node.slot));
        }
        for c in node.children() {
            collect(c, out);
        }
    }

    /// A node written out plainly, for assertions.
    fn written(n: &Node) -> String {
        let kids: Vec<String> = n.children().into_iter().map(written).collect();
        match &n.expr {
            Expr::Num(d) => d.to_string(),
            Expr::Str(s) => format!("{s:?}"),
            Expr::Var(v) => v.clone(),
            Expr::Field(_, f) => format!("{}.{f}", kids[0]),
            Expr::Call(f, _) => format!("{f}({})", kids.join(", ")),
            Expr::Lambda(p, _) => format!("{p} => {}", kids[0]),
            Expr::Binary(op, _, _) => format!("{} {op:?} {}", kids[0], kids[1]),
            other => format!("{other:?}"),
        }
    }

    const PACK: &str = r#"
name: t
title: t
description: t
rules:
  - code: T001
    name: a
    severity: warning
    summary: s
    rationale: r
    over: row
    let:
      x: row.value.reason
    when: row.level2 == "成本指标"
    assert: x != "unrecognised" and count(form.annual_rows, r => r.value.reason == "x") > 0
    message: m
    help: h
    examples: {bad: [], good: []}
  - code: T002
    name: b
    severity: warning
    summary: s
    rationale: r
    over: row
    let:
      row: row
    assert: row.value.reason != param("p")
    params: {p: q}
    message: m
    help: h
    examples: {bad: [], good: []}
  - code: T003
    name: c
    severity: warning
    summary: s
    rationale: r
    over: form
    assert: 'form.kind == "project" or count(form.annual_rows, r => r.value.reason == "x") > 0'
    message: m
    help: h
    examples: {bad: [], good: []}
  - code: T004
    name: d
    severity: warning
    summary: s
    rationale: r
    over: row
    assert: row.level2 != row.value.reason and count(form.annual_rows, r => r.value.reason == "x") > 0
    message: m
    help: h
    examples: {bad: [], good: []}
"#;

    #[test]
    fn only_what_several_rules_of_a_scope_read_of_the_item_is_kept() {
        let s = slots(PACK);
        let keys = |i: usize| -> Vec<&str> { s[i].iter().map(|(k, _)| k.as_str()).collect() };
        // T001 and T004 share `row.value.reason`, `row.level2` (and its `row.value`) and the
        // count over the form's rows; not `r.value.reason`, which reads the lambda's `r`.
        let count = "count(form.annual_rows, r => r.value.reason Eq \"x\")";
        assert_eq!(
            keys(0),
            [
                "row.value.reason",
                "row.value",
                "row.level2",
                &format!("{count} Gt 0"),
                count,
                "form.annual_rows",
            ]
        );
        // T002's `row` is its own `let`, and it reads a parameter: nothing of it is kept.
        assert!(s[1].is_empty(), "{:?}", s[1]);
        // T003 is over forms, and all it writes reads the form alone: kept for the form,
        // though no other rule over forms writes it.
        assert_eq!(
            keys(2),
            [
                &format!("form.kind Eq \"project\" Or {count} Gt 0"),
                "form.kind Eq \"project\"",
                "form.kind",
                &format!("{count} Gt 0"),
                count,
                "form.annual_rows",
            ]
        );
        // One expression, one slot, in every rule that writes it; what reads the form alone
        // has a form's slot, the same in every scope.
        let slot = |i: usize, k: &str| s[i].iter().find(|(x, _)| x == k).map(|(_, n)| *n);
        for k in ["row.value.reason", "row.level2", "form.annual_rows", count] {
            assert_eq!(slot(0, k), slot(3, k), "{k}");
        }
        for k in ["form.annual_rows", count] {
            assert_eq!(slot(0, k), slot(2, k), "{k}");
            assert!(slot(0, k).is_some_and(|n| n & FORM_SLOT != 0), "{k}");
        }
        // The item's slots numbered from 0 in the scope, the form's from 0 across scopes.
        let numbers = |form: bool| {
            let mut all: Vec<u32> = s
                .iter()
                .flatten()
                .map(|(_, n)| *n)
                .filter(|n| (n & FORM_SLOT != 0) == form)
                .map(|n| n & !FORM_SLOT)
                .collect();
            all.sort_unstable();
            all.dedup();
            all
        };
        assert_eq!(numbers(false), [0, 1, 2]);
        assert_eq!(numbers(true), (0..6).collect::<Vec<u32>>());
    }

    /// Numbering again (as `RuleSet::add` does for every pack added) gives the same numbers,
    /// and a rule no longer sharing anything keeps none from before.
    #[test]
    fn numbering_again_leaves_no_stale_slot() {
        let mut p = pack::load("rules/t.yaml", PACK).unwrap_or_else(|e| panic!("{:?}", e.1));
        assign(p.rules.iter_mut());
        let once = format!(
            "{:?}",
            p.rules.iter().map(|r| &r.assert.node).collect::<Vec<_>>()
        );
        assign(p.rules.iter_mut());
        let twice = format!(
            "{:?}",
            p.rules.iter().map(|r| &r.assert.node).collect::<Vec<_>>()
        );
        assert_eq!(once, twice);
        // Alone, T001 writes nothing twice: the item's slots it had beside T004 all go, and
        // only what reads the form alone is kept.
        let mut alone: Vec<Rule> = p.rules.drain(..1).collect();
        assign(alone.iter_mut());
        let mut kept = Vec::new();
        for c in expressions(&mut alone[0]) {
            collect(c, &mut kept);
        }
        let kept: Vec<&str> = kept
            .iter()
            .inspect(|(k, n)| assert!(n & FORM_SLOT != 0, "{k}"))
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(kept.len(), 3, "{kept:?}");
    }

    /// Two spellings of one expression get one slot; a different literal, another.
    #[test]
    fn spacing_and_parentheses_do_not_make_another_expression() {
        let pack = PACK
            .replace(
                "assert: row.level2 != row.value.reason and",
                "assert: (row . level2) != (row.value).reason and",
            )
            .replace("r.value.reason == \"x\")", "r.value.reason == \"x\" )");
        assert_eq!(slots(&pack), slots(PACK));
        let other = PACK.replace(
            "when: row.level2 == \"成本指标\"",
            "when: row.name == \"成本指标\"",
        );
        assert_ne!(slots(&other), slots(PACK));
    }

    /// The engine's environment has room for every value the built-in packs keep, per item
    /// and per form: past it, every file's run grows it again.
    #[test]
    fn the_environment_has_room_for_the_builtin_packs_values() {
        fn widest(n: &Node, item: &mut usize, form: &mut usize) {
            if n.slot != NO_SLOT {
                let slot = (n.slot & !FORM_SLOT) as usize + 1;
                if n.slot & FORM_SLOT != 0 {
                    *form = (*form).max(slot);
                } else {
                    *item = (*item).max(slot);
                }
            }
            for c in n.children() {
                widest(c, item, form);
            }
        }
        let mut set = crate::rules::RuleSet::builtin();
        let (mut item, mut form) = (0, 0);
        for pack in &mut set.packs {
            for rule in &mut pack.rules {
                for node in expressions(rule) {
                    widest(node, &mut item, &mut form);
                }
            }
        }
        assert!(
            item > 0 && form > 0,
            "the packs keep values: {item}, {form}"
        );
        assert!(item <= crate::rules::eval::KEPT_ROOM, "{item} per item");
        assert!(
            form <= crate::rules::eval::FORM_KEPT_ROOM,
            "{form} per form"
        );
    }

    /// The deepest expression a pack may hold is numbered one entry per distinct node.
    #[test]
    fn a_deep_expression_is_numbered_once_per_node() {
        let depth = crate::rules::expr::MAX_DEPTH;
        let text = format!("row.value.amount{}", " + 1".repeat(depth - 3));
        let mut node = crate::rules::expr::parse(&text).expect("parses");
        let mut ids = Interner::default();
        let mut n = 0;
        visit(&mut node, &[], &mut ids, &mut |keep| {
            n += usize::from(keep.is_some())
        });
        // Each sum, `row.value.amount` and `row.value` (literals and names are not kept).
        assert_eq!(n, depth - 1);
        // Those, `row` and `1`.
        assert_eq!(ids.ids.len(), depth + 1);
    }
}
