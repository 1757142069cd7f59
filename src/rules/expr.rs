//! Expressions of rule packs: text to a syntax tree with byte spans, so that a load error can
//! point at the exact part of an expression inside the YAML pack.

use super::rowtest::RowTest;
use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};
use pest::Parser as _;
use rust_decimal::Decimal;
use std::str::FromStr;
use std::sync::OnceLock;

#[derive(pest_derive::Parser)]
#[grammar = "grammar/rule.pest"]
struct RuleParser;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Num(Decimal),
    Str(String),
    Bool(bool),
    Null,
    List(Vec<Node>),
    Var(String),
    Field(Box<Node>, FieldName),
    Call(FuncName, Vec<Node>),
    Lambda(String, Box<Node>),
    Unary(UnOp, Box<Node>),
    Binary(BinOp, Box<Node>, Box<Node>),
}

/// A name in an expression as written, and what it names in a vocabulary the evaluator
/// knows ([`Vocabulary`]), found once when the expression is built: a field's
/// ([`FieldName`]) or a function's ([`FuncName`]). Matched by their text on each read or
/// call, among up to thirty names, they cost more than many reads themselves.
#[derive(Debug, Clone, PartialEq)]
pub struct Named<K> {
    text: String,
    key: Option<K>,
}

/// The names of a kind of thing an expression names, each its own key.
pub trait Vocabulary: Copy {
    fn of(name: &str) -> Option<Self>;
}

/// A field's name: `r.level2` (some hundred reads a form, on every row of it).
pub type FieldName = Named<FieldKey>;

/// A function's name: `coalesce(…)` (some sixty calls a form).
pub type FuncName = Named<Func>;

impl<K: Vocabulary> Named<K> {
    pub fn new(text: String) -> Self {
        let key = K::of(&text);
        Named { text, key }
    }

    /// What the name is in its vocabulary, if it is in it.
    pub fn key(&self) -> Option<K> {
        self.key
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl<K> std::ops::Deref for Named<K> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.text
    }
}

impl<K> std::fmt::Display for Named<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The fields of a row (an indicator's half: `period` to `expected`) and of its typed value
/// (`kind` to `notes`): the one place their names are spelled for the evaluator. Forms, funds
/// and a document's items have fields of the same names (a form's `name` and `kind`); theirs
/// are read by their text: keyed too, with the rows' in one match, the run took 0.2% longer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKey {
    // A row's: its texts, its value, and what the value is expected to be.
    Row(RowText),
    Value,
    Expected,
    // A value's.
    Kind,
    Cmp,
    Amount,
    Upper,
    Unit,
    Yuan,
    IsMoney,
    IsCount,
    PerPerson,
    PerTime,
    PerCount,
    Year,
    Month,
    Recurring,
    Count,
    Reason,
    Problem,
    Notes,
}

impl FieldKey {
    /// The row's text this field is, if it is one.
    pub fn row_text(self) -> Option<RowText> {
        match self {
            FieldKey::Row(field) => Some(field),
            _ => None,
        }
    }
}

/// The fields of a row that are a text or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowText {
    Period,
    Level1,
    Level2,
    Name,
    Text,
    Written,
}

impl Vocabulary for FieldKey {
    fn of(name: &str) -> Option<FieldKey> {
        use FieldKey::*;
        Some(match name {
            "period" => Row(RowText::Period),
            "level1" => Row(RowText::Level1),
            "level2" => Row(RowText::Level2),
            "name" => Row(RowText::Name),
            "text" => Row(RowText::Text),
            "written" => Row(RowText::Written),
            "value" => Value,
            "expected" => Expected,
            "kind" => Kind,
            "cmp" => Cmp,
            "amount" => Amount,
            "upper" => Upper,
            "unit" => Unit,
            "yuan" => Yuan,
            "is_money" => IsMoney,
            "is_count" => IsCount,
            "per_person" => PerPerson,
            "per_time" => PerTime,
            "per_count" => PerCount,
            "year" => Year,
            "month" => Month,
            "recurring" => Recurring,
            "count" => Count,
            "reason" => Reason,
            "problem" => Problem,
            "notes" => Notes,
            _ => return None,
        })
    }
}

/// The functions of the expression language, as the evaluator dispatches a call. What each
/// takes is checked when a pack loads, from [`super::types::FUNCTIONS`]; a test holds every
/// function there to the key of its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Func {
    /// `count`, `any`, `all`, `one`, `filter`, `first`, `map`.
    List(ListFn),
    Choose,
    Sum,
    Len,
    Contains,
    Matches,
    PrefixOf,
    Approx,
    Abs,
    Min,
    Max,
    Join,
    Header,
    Periods,
    Param,
    Pct,
    Note,
    Coalesce,
    RatePeriod,
    IsRate,
    BareName,
    PctIn,
    Doubled,
    Replace,
    Table,
    Line,
    Cell,
    Round,
    AmountOf,
    Halfwidth,
}

/// The functions over a list with an optional condition: the evaluator runs them as one loop
/// over the list that stops once the answer is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFn {
    Count,
    Any,
    All,
    One,
    Filter,
    First,
    Map,
}

impl Vocabulary for Func {
    fn of(name: &str) -> Option<Func> {
        use Func::*;
        Some(match name {
            "count" => List(ListFn::Count),
            "any" => List(ListFn::Any),
            "all" => List(ListFn::All),
            "one" => List(ListFn::One),
            "filter" => List(ListFn::Filter),
            "first" => List(ListFn::First),
            "map" => List(ListFn::Map),
            "choose" => Choose,
            "sum" => Sum,
            "len" => Len,
            "contains" => Contains,
            "matches" => Matches,
            "prefix_of" => PrefixOf,
            "approx" => Approx,
            "abs" => Abs,
            "min" => Min,
            "max" => Max,
            "join" => Join,
            "header" => Header,
            "periods" => Periods,
            "param" => Param,
            "pct" => Pct,
            "note" => Note,
            "coalesce" => Coalesce,
            "rate_period" => RatePeriod,
            "is_rate" => IsRate,
            "bare_name" => BareName,
            "pct_in" => PctIn,
            "doubled" => Doubled,
            "replace" => Replace,
            "table" => Table,
            "line" => Line,
            "cell" => Cell,
            "round" => Round,
            "amount_of" => AmountOf,
            "halfwidth" => Halfwidth,
            _ => return None,
        })
    }
}

impl Node {
    pub fn new(expr: Expr, start: usize, end: usize) -> Node {
        Node {
            expr,
            start,
            end,
            slot: NO_SLOT,
            test: None,
        }
    }

    /// The expressions directly inside this one.
    pub fn children(&self) -> Vec<&Node> {
        match &self.expr {
            Expr::Num(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Null | Expr::Var(_) => Vec::new(),
            Expr::List(items) | Expr::Call(_, items) => items.iter().collect(),
            Expr::Field(base, _) => vec![base],
            Expr::Lambda(_, body) => vec![body],
            Expr::Unary(_, e) => vec![e],
            Expr::Binary(_, a, b) => vec![a, b],
        }
    }

    /// The expressions directly inside this one, to change them.
    pub fn children_mut(&mut self) -> Vec<&mut Node> {
        match &mut self.expr {
            Expr::Num(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Null | Expr::Var(_) => Vec::new(),
            Expr::List(items) | Expr::Call(_, items) => items.iter_mut().collect(),
            Expr::Field(base, _) => vec![base],
            Expr::Lambda(_, body) => vec![body],
            Expr::Unary(_, e) => vec![e],
            Expr::Binary(_, a, b) => vec![a, b],
        }
    }

    /// Whether the expression reads any of `names` (a lambda's own parameter shadows).
    pub fn mentions(&self, names: &[&str]) -> bool {
        match &self.expr {
            Expr::Var(v) => names.contains(&v.as_str()),
            Expr::Lambda(param, body) => {
                let inner: Vec<&str> = names.iter().copied().filter(|n| n != param).collect();
                body.mentions(&inner)
            }
            _ => self.children().into_iter().any(|c| c.mentions(names)),
        }
    }
}

/// An expression and where it is in its source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub expr: Expr,
    pub start: usize,
    pub end: usize,
    /// Where the engine keeps this node's value for the item being checked, if several rules
    /// of its scope compute the same value, or for the form being checked, if it reads the
    /// form alone ([`FORM_SLOT`] set; see [`crate::rules::memo`]); [`NO_SLOT`] if neither.
    pub slot: u32,
    /// A lambda's body compiled into a test the engine decides on a row itself
    /// ([`RowTest`]), if it is one; `None` on every other node.
    pub test: Option<Box<RowTest>>,
}

/// A node whose value is not kept between rules.
pub const NO_SLOT: u32 = u32::MAX;

/// Set in the slot of a node whose value is kept for every item of one form.
pub const FORM_SLOT: u32 = 1 << 31;

/// A syntax error: what was expected, and the byte offset in the expression text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub at: usize,
    /// How to fix it, where the code's general advice (check the brackets) does not fit.
    pub help: Option<&'static str>,
}

/// What to do with an expression too deep or too complex to take.
const SPLIT_HELP: &str =
    "把表达式的一部分写成 let（例如 let: {part: …}），再在 assert 或 when 中用 part 代替它";

fn pratt() -> &'static PrattParser<Rule> {
    static P: OnceLock<PrattParser<Rule>> = OnceLock::new();
    P.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::or, Assoc::Left))
            .op(Op::infix(Rule::and, Assoc::Left))
            .op(Op::infix(Rule::eq, Assoc::Left) | Op::infix(Rule::ne, Assoc::Left))
            .op(Op::infix(Rule::lt, Assoc::Left)
                | Op::infix(Rule::le, Assoc::Left)
                | Op::infix(Rule::gt, Assoc::Left)
                | Op::infix(Rule::ge, Assoc::Left))
            .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
            .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
            .op(Op::prefix(Rule::not) | Op::prefix(Rule::neg))
            .op(Op::postfix(Rule::field))
    })
}

/// Parses an expression.
pub fn parse(text: &str) -> Result<Node, SyntaxError> {
    crate::bound_parsing();
    let mut pairs = RuleParser::parse(Rule::expression, text).map_err(|e| {
        let at = match e.location {
            pest::error::InputLocation::Pos(p) => p,
            pest::error::InputLocation::Span((s, _)) => s,
        };
        let too_complex = matches!(
            &e.variant,
            pest::error::ErrorVariant::CustomError { message } if message.contains("limit")
        );
        SyntaxError {
            message: describe(&e.variant),
            at,
            help: too_complex.then_some(SPLIT_HELP),
        }
    })?;
    let expression = pairs.next().expect("expression rule matched");
    let expr = expression
        .into_inner()
        .next()
        .expect("expression has an expr");
    let mut node = build(expr);
    if let Some(at) = too_deep(&node) {
        return Err(SyntaxError {
            message: format!("表达式嵌套过深（超过 {MAX_DEPTH} 层），请拆分为几个 let"),
            at,
            help: Some(SPLIT_HELP),
        });
    }
    compile_row_tests(&mut node);
    Ok(node)
}

/// Gives each lambda the [`RowTest`] its body compiles to, if any. Only once the expression
/// is known not to nest past [`MAX_DEPTH`]: compiling walks the body recursively.
fn compile_row_tests(node: &mut Node) {
    // Matched here rather than through `children_mut`, which makes a vector a node: every
    // expression of every pack is walked each time kpilint starts.
    match &mut node.expr {
        Expr::Lambda(param, body) => {
            node.test = RowTest::compile(param, body).map(Box::new);
            compile_row_tests(body);
        }
        Expr::List(items) | Expr::Call(_, items) => items.iter_mut().for_each(compile_row_tests),
        Expr::Field(e, _) | Expr::Unary(_, e) => compile_row_tests(e),
        Expr::Binary(_, a, b) => {
            compile_row_tests(a);
            compile_row_tests(b);
        }
        Expr::Num(_) | Expr::Str(_) | Expr::Bool(_) | Expr::Null | Expr::Var(_) => {}
    }
}

/// How deep an expression may nest. Checking, numbering and evaluating an expression walk it
/// recursively, on threads with small stacks; the parser's own limit still lets through a
/// chain like `1 + 1 + … + 1` of 3,000 terms, which overflowed a thread's stack when
/// evaluated. A real rule nests a dozen levels.
pub const MAX_DEPTH: usize = 256;

/// Where the expression first nests past [`MAX_DEPTH`], if it does. Walked with a stack of
/// its own, not by recursion: the tree may be thousands deep.
fn too_deep(node: &Node) -> Option<usize> {
    let mut stack = vec![(node, 1)];
    while let Some((n, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return Some(n.start);
        }
        // Children pushed last first: the first node found past the limit is the leftmost.
        stack.extend(n.children().into_iter().rev().map(|c| (c, depth + 1)));
    }
    None
}

fn describe(v: &pest::error::ErrorVariant<Rule>) -> String {
    match v {
        pest::error::ErrorVariant::ParsingError { positives, .. } => {
            let mut wanted: Vec<&str> = positives
                .iter()
                .filter_map(|r| {
                    Some(match r {
                        Rule::expr | Rule::variable | Rule::ident => "一个表达式",
                        Rule::number | Rule::percent => "数字",
                        Rule::string => "字符串",
                        Rule::or
                        | Rule::and
                        | Rule::eq
                        | Rule::ne
                        | Rule::lt
                        | Rule::le
                        | Rule::gt
                        | Rule::ge
                        | Rule::add
                        | Rule::sub
                        | Rule::mul
                        | Rule::div => "运算符",
                        Rule::field => "“.字段”",
                        Rule::EOI => "表达式结尾",
                        _ => return None,
                    })
                })
                .collect();
            wanted.sort_unstable();
            wanted.dedup();
            if wanted.is_empty() {
                "表达式无法解析".to_owned()
            } else {
                format!("此处应为{}", wanted.join("或"))
            }
        }
        pest::error::ErrorVariant::CustomError { message } if message.contains("limit") => {
            "表达式过于复杂（括号或条件嵌套过深），请拆分为几个 let".to_owned()
        }
        pest::error::ErrorVariant::CustomError { message } => message.clone(),
    }
}

fn build(pair: Pair<'_, Rule>) -> Node {
    pratt()
        .map_primary(primary)
        .map_prefix(|op, rhs| {
            let start = op.as_span().start();
            let end = rhs.end;
            let op = if op.as_rule() == Rule::not {
                UnOp::Not
            } else {
                UnOp::Neg
            };
            Node::new(Expr::Unary(op, Box::new(rhs)), start, end)
        })
        .map_postfix(|lhs, op| {
            let end = op.as_span().end();
            let name = op
                .into_inner()
                .next()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let start = lhs.start;
            Node::new(Expr::Field(Box::new(lhs), FieldName::new(name)), start, end)
        })
        .map_infix(|lhs, op, rhs| {
            let op = match op.as_rule() {
                Rule::or => BinOp::Or,
                Rule::and => BinOp::And,
                Rule::eq => BinOp::Eq,
                Rule::ne => BinOp::Ne,
                Rule::lt => BinOp::Lt,
                Rule::le => BinOp::Le,
                Rule::gt => BinOp::Gt,
                Rule::ge => BinOp::Ge,
                Rule::add => BinOp::Add,
                Rule::sub => BinOp::Sub,
                Rule::mul => BinOp::Mul,
                _ => BinOp::Div,
            };
            let (start, end) = (lhs.start, rhs.end);
            Node::new(Expr::Binary(op, Box::new(lhs), Box::new(rhs)), start, end)
        })
        .parse(pair.into_inner())
}

fn primary(p: Pair<'_, Rule>) -> Node {
    let span = p.as_span();
    let (start, end) = (span.start(), span.end());
    let node = |expr| Node::new(expr, start, end);
    match p.as_rule() {
        Rule::expr => build(p),
        Rule::number => node(Expr::Num(Decimal::from_str(p.as_str()).unwrap_or_default())),
        Rule::percent => {
            let n = Decimal::from_str(p.as_str().trim_end_matches('%')).unwrap_or_default();
            node(Expr::Num(n / Decimal::from(100)))
        }
        Rule::string => {
            let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
            node(Expr::Str(unescape(inner)))
        }
        Rule::boolean => node(Expr::Bool(p.as_str() == "true")),
        Rule::null => node(Expr::Null),
        Rule::variable => node(Expr::Var(p.as_str().to_owned())),
        Rule::list => node(Expr::List(p.into_inner().map(build).collect())),
        Rule::call => {
            let mut inner = p.into_inner();
            let name = inner
                .next()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default();
            node(Expr::Call(FuncName::new(name), inner.map(build).collect()))
        }
        Rule::lambda => {
            let mut inner = p.into_inner();
            let param = inner
                .next()
                .map(|n| n.as_str().to_owned())
                .unwrap_or_default();
            let body = inner
                .next()
                .map(build)
                .unwrap_or(Node::new(Expr::Null, end, end));
            node(Expr::Lambda(param, Box::new(body)))
        }
        _ => node(Expr::Null),
    }
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each name is keyed to the field of that name (a key swapped between two names would
    /// read the other field, silently): the key's own name, in snake case, is the text. A
    /// parsed field carries its key, and a name no row or value has carries none.
    #[test]
    fn a_field_name_is_keyed_to_the_field_of_its_name() {
        let names = [
            "period",
            "level1",
            "level2",
            "name",
            "text",
            "written",
            "value",
            "expected",
            "kind",
            "cmp",
            "amount",
            "upper",
            "unit",
            "yuan",
            "is_money",
            "is_count",
            "per_person",
            "per_time",
            "per_count",
            "year",
            "month",
            "recurring",
            "count",
            "reason",
            "problem",
            "notes",
        ];
        for name in names {
            let key = FieldKey::of(name).unwrap_or_else(|| panic!("{name} has no key"));
            let own = match key {
                FieldKey::Row(field) => snake_case(field),
                other => snake_case(other),
            };
            assert_eq!(own, name);
        }
        let key_of = |text: &str| match parse(text).expect("parses").expr {
            Expr::Field(_, name) => (name.to_string(), name.key()),
            other => panic!("not a field: {other:?}"),
        };
        assert_eq!(
            key_of("row.value.per_time"),
            ("per_time".into(), Some(FieldKey::PerTime))
        );
        assert_eq!(
            key_of("r.level2"),
            ("level2".into(), Some(FieldKey::Row(RowText::Level2)))
        );
        assert_eq!(key_of("form.annual_rows"), ("annual_rows".into(), None));
        assert_eq!(key_of("row.levle2"), ("levle2".into(), None));
    }

    /// A key's own name in snake case (`PerTime` is `per_time`).
    fn snake_case(key: impl std::fmt::Debug) -> String {
        let mut snake = String::new();
        for (i, c) in format!("{key:?}").chars().enumerate() {
            if c.is_ascii_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        }
        snake
    }

    /// Every function a pack may call (the type check's list) is keyed to the function of its
    /// name: one it did not know would be called and fail as unknown, one keyed to another
    /// would silently compute the other.
    #[test]
    fn every_function_is_keyed_to_the_function_of_its_name() {
        for &(name, ..) in super::super::types::FUNCTIONS {
            let key = Func::of(name).unwrap_or_else(|| panic!("{name} has no key"));
            let own = match key {
                Func::List(over) => snake_case(over),
                other => snake_case(other),
            };
            assert_eq!(own, name);
        }
        match parse("coalesce(x, 0)").expect("parses").expr {
            Expr::Call(name, _) => assert_eq!(name.key(), Some(Func::Coalesce)),
            other => panic!("not a call: {other:?}"),
        }
        match parse("coalsce(x, 0)").expect("parses").expr {
            Expr::Call(name, _) => assert_eq!((name.as_str(), name.key()), ("coalsce", None)),
            other => panic!("not a call: {other:?}"),
        }
    }

    #[test]
    fn nesting_is_bounded() {
        // Left-nested: the parser's budget allows this, the evaluator's stack would not.
        let chain = vec!["1"; 3_000].join(" + ") + " > 0";
        let e = parse(&chain).expect_err("too deep");
        assert!(e.message.contains("嵌套过深"), "{}", e.message);
        assert_eq!(
            e.help,
            Some(SPLIT_HELP),
            "not the general advice on brackets"
        );
        // The first node past the limit is the sum of the first terms: it starts at 0.
        assert_eq!(e.at, 0);
        let fine = vec!["1"; MAX_DEPTH - 1].join(" + ");
        assert!(parse(&fine).is_ok());
        let parens = format!("{}1{}", "(".repeat(300), ")".repeat(300));
        assert!(parse(&parens).is_ok(), "parentheses add no node");
        let nots = format!("{}true", "not ".repeat(MAX_DEPTH));
        assert!(parse(&nots)
            .expect_err("too deep")
            .message
            .contains("嵌套过深"));
    }

    /// A lambda's row test is compiled only once the expression passed the depth check: a body
    /// thousands deep is refused as too deep, not walked.
    #[test]
    fn lambdas_get_row_tests_within_the_depth_limit() {
        let chain = |n| {
            let body = vec!["r.name == null"; n].join(" and ");
            format!("filter(form.rows, r => {body})")
        };
        let e = parse(&chain(3_000)).expect_err("too deep");
        assert!(e.message.contains("嵌套过深"), "{}", e.message);
        let node = parse(&chain(100)).unwrap();
        let Expr::Call(_, args) = &node.expr else {
            panic!("a call")
        };
        assert!(args[1].test.is_some(), "the lambda's body compiles");
        assert!(args[0].test.is_none(), "only lambdas have tests");
    }

    #[test]
    fn a_pathological_expression_fails_fast() {
        // Found by `cargo fuzz run expr` (kept in fuzz/corpus/expr): exponential
        // backtracking over unbalanced `(` and `=>` took 14 s before the call budget.
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fuzz/corpus/expr/slow-unit-f8edcb450ddca70ddd6cf1696359264d5a8677ee"
        ))
        .unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let started = std::time::Instant::now();
        let e = parse(&text).unwrap_err();
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        assert!(e.message.contains("过于复杂"), "{}", e.message);
        assert_eq!(e.help, Some(SPLIT_HELP));
        assert!(parse("count(form.rows, r => r.level2 == \"成本指标\") > 0").is_ok());
    }

    fn show(n: &Node) -> String {
        match &n.expr {
            Expr::Num(d) => d.normalize().to_string(),
            Expr::Str(s) => format!("{s:?}"),
            Expr::Bool(b) => b.to_string(),
            Expr::Null => "null".into(),
            Expr::List(v) => format!("[{}]", v.iter().map(show).collect::<Vec<_>>().join(", ")),
            Expr::Var(v) => v.clone(),
            Expr::Field(e, f) => format!("{}.{f}", show(e)),
            Expr::Call(f, a) => {
                format!("{f}({})", a.iter().map(show).collect::<Vec<_>>().join(", "))
            }
            Expr::Lambda(p, b) => format!("({p} => {})", show(b)),
            Expr::Unary(op, e) => format!("({op:?} {})", show(e)),
            Expr::Binary(op, a, b) => format!("({} {op:?} {})", show(a), show(b)),
        }
    }

    #[test]
    fn precedence_and_shapes() {
        let p = |s| show(&parse(s).unwrap());
        assert_eq!(
            p("a + b * c == d and not e or f"),
            "((((a Add (b Mul c)) Eq d) And (Not e)) Or f)"
        );
        assert_eq!(p("form.funds.annual.total"), "form.funds.annual.total");
        assert_eq!(p("approx(a, b, 5%)"), "approx(a, b, 0.05)");
        assert_eq!(
            p("count(form.rows, r => r.level2 == \"成本指标\")"),
            "count(form.rows, (r => (r.level2 Eq \"成本指标\")))"
        );
        assert_eq!(p("-x.y"), "(Neg x.y)");
        assert_eq!(p("[1, 'a', null, true]"), "[1, \"a\", null, true]");
        assert_eq!(
            p("sum(funds.sources) != funds.total"),
            "(sum(funds.sources) Ne funds.total)"
        );
        assert_eq!(
            p("order_total"),
            "order_total",
            "keywords inside identifiers are fine"
        );
    }

    #[test]
    fn spans_cover_their_text() {
        let text = "sum(funds.sources) == funds.totl";
        let n = parse(text).unwrap();
        let Expr::Binary(_, _, rhs) = &n.expr else {
            panic!()
        };
        assert_eq!(&text[rhs.start..rhs.end], "funds.totl");
    }

    #[test]
    fn syntax_errors_say_where() {
        let e = parse("sum(funds.sources == 3").unwrap_err();
        assert_eq!(e.at, 22);
        let e = parse("a +").unwrap_err();
        assert_eq!(e.at, 3);
        assert!(e.message.contains("表达式"), "{}", e.message);
    }
}
