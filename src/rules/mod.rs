//! Rule packs: checks as data.
//!
//! A pack is a YAML file of rules (`rules/*.yaml`); each rule is expressions in a small
//! language (`grammar/rule.pest`) over the form model and typed values. The built-in packs
//! are compiled into the binary; users add their own. This stage reads the model and typed
//! values and produces diagnostics; it does no IO of its own (callers hand it pack text).

pub mod budget;
pub mod engine;
pub mod eval;
pub mod examples;
pub mod expr;
pub mod memo;
pub mod pack;
pub mod rowtest;
pub mod types;
pub mod verdict;

pub use engine::{
    run, run_document, run_forms, run_forms_then, Outcome, RuleError, Settings, TraceLine,
};
pub use pack::{Pack, Rule, Scope};

use crate::diagnostics::Diagnostic;
use crate::model::Document;

/// The packs that ship with kpilint, compiled in so `kpilint check` works anywhere.
pub const BUILTIN: &[(&str, &str)] = &[
    ("rules/funds.yaml", include_str!("../../rules/funds.yaml")),
    ("rules/cost.yaml", include_str!("../../rules/cost.yaml")),
    (
        "rules/completeness.yaml",
        include_str!("../../rules/completeness.yaml"),
    ),
    ("rules/values.yaml", include_str!("../../rules/values.yaml")),
    (
        "rules/document.yaml",
        include_str!("../../rules/document.yaml"),
    ),
];

/// Packs loaded together, and the problems of those that did not load.
#[derive(Default)]
pub struct RuleSet {
    pub packs: Vec<Pack>,
    /// Packs that failed to load: their text and what is wrong, for reporting.
    pub broken: Vec<(Document, Vec<Diagnostic>)>,
}

impl RuleSet {
    pub fn builtin() -> Self {
        // Loading the packs (their YAML, every expression parsed and type-checked) costs more
        // than linting a small file: the five are loaded side by side, then added in their
        // order, so the set is the one loading them in turn gives.
        use rayon::prelude::*;
        let loaded: Vec<_> = BUILTIN
            .par_iter()
            .map(|(path, text)| pack::load(path, text))
            .collect();
        let mut set = RuleSet::default();
        for pack in loaded {
            set.insert_loaded(pack);
        }
        set.link();
        set
    }

    /// Adds a pack from its text. A code already used by a loaded pack is an error.
    pub fn add(&mut self, path: &str, text: &str) {
        self.insert(path, text);
        self.link();
    }

    /// Links every loaded pack's rules together ([`link`]): rules of different packs share
    /// values as readily as those of one.
    fn link(&mut self) {
        link(self.packs.iter_mut().flat_map(|p| &mut p.rules));
    }

    fn insert(&mut self, path: &str, text: &str) {
        self.insert_loaded(pack::load(path, text));
    }

    fn insert_loaded(&mut self, loaded: Result<Pack, pack::LoadErrors>) {
        match loaded {
            Ok(p) => {
                let mut diags = Vec::new();
                for r in &p.rules {
                    if let Some(other) = self.rule(&r.code) {
                        diags.push(Diagnostic::new(
                            &crate::diagnostics::codes::DUPLICATE_RULE,
                            format!("规则代码 {} 已被规则包“{}”使用", r.code, other.pack()),
                            crate::diagnostics::Label::new(
                                crate::model::Span::empty(r.at),
                                "重复的代码",
                            ),
                        ));
                    }
                }
                if diags.is_empty() {
                    self.packs.push(p);
                } else {
                    self.broken.push((p.document, diags));
                }
            }
            Err(e) => self.broken.push(*e),
        }
    }

    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.packs.iter().flat_map(|p| &p.rules)
    }

    pub fn rule(&self, code: &str) -> Option<&Rule> {
        self.rules().find(|r| r.code.eq_ignore_ascii_case(code))
    }

    pub fn pack_of(&self, rule: &Rule) -> Option<&Pack> {
        self.packs.iter().find(|p| *p.name == *rule.pack())
    }

    /// Runs the enabled rules over a document.
    pub fn run(&self, doc: &Document, settings: &Settings, trace: Option<&str>) -> Outcome {
        let rules: Vec<&Rule> = self.rules().filter(|r| settings.enabled(&r.code)).collect();
        engine::run(doc, &rules, settings, trace)
    }
}

/// Readies rules to run as the engine runs them: numbers the values they share while they
/// run ([`memo`]) and, from those, finds each rule's shortcuts ([`Rule::quick`], found once
/// here, not on every run of the engine: every file, with one form a file). [`RuleSet`] links
/// its packs; whatever runs the rules of a pack loaded alone (the `pack` fuzz target) links
/// them the same way, or runs them node by node.
pub fn link<'r>(rules: impl IntoIterator<Item = &'r mut Rule>) {
    let mut rules: Vec<&mut Rule> = rules.into_iter().collect();
    memo::assign(rules.iter_mut().map(|r| &mut **r));
    for rule in rules {
        rule.quick = engine::Shortcuts::of(rule);
    }
}

/// What went wrong with one rule's examples.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExampleFailure {
    pub code: String,
    pub message: String,
    pub at: usize,
}

/// Runs every rule's examples: each bad example must be flagged by the rule, no good one may
/// be, and a rule must have a bad example (a rule that never fires is the worst bug a linter
/// can have: a clean report is taken as evidence).
pub fn test_examples(pack: &Pack) -> Vec<ExampleFailure> {
    let mut failures = Vec::new();
    let settings = Settings::default();
    for rule in &pack.rules {
        let fail = |message: String, at| ExampleFailure {
            code: rule.code.to_string(),
            message,
            at,
        };
        if rule.bad.is_empty() {
            failures.push(fail(
                "没有会触发本规则的反例（examples.bad）".into(),
                rule.at,
            ));
        }
        if rule.good.is_empty() {
            failures.push(fail("没有正例（examples.good）".into(), rule.at));
        }
        for (kind, examples, should_fire) in
            [("反例", &rule.bad, true), ("正例", &rule.good, false)]
        {
            for (i, ex) in examples.iter().enumerate() {
                let doc = match examples::document(&ex.fragment) {
                    Ok(d) => d,
                    Err(e) => {
                        failures.push(fail(format!("第 {} 个{kind}写法有误：{e}", i + 1), ex.at));
                        continue;
                    }
                };
                let out = engine::run(&doc, &[rule], &settings, None);
                if let Some(e) = out.errors.first() {
                    failures.push(fail(
                        format!("第 {} 个{kind}运行出错：{}", i + 1, e.diagnostic.message),
                        ex.at,
                    ));
                    continue;
                }
                let fired = !out.diagnostics.is_empty();
                if fired != should_fire {
                    let what = if should_fire {
                        "没有触发本规则"
                    } else {
                        "触发了本规则"
                    };
                    failures.push(fail(format!("第 {} 个{kind}{what}", i + 1), ex.at));
                }
            }
        }
    }
    failures
}
