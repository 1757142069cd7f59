//! Verdicts on rows and pairs remembered by what the rule read of them.
//!
//! Most rules over rows read one or two cells of the row and nothing else: the `values`
//! pack's checks of an 指标值 read its text alone (`row.value.reason`, `halfwidth(row.text)`),
//! the checks by category read its text and its 二级指标. And rows repeat: the disclosure's
//! 5,007 halves are 676 value texts, and forms of one issuer share their indicator rows. A
//! rule's verdict on a row is a function of the cells it reads (functions are pure, and a rule
//! that reads only its row can reach nothing else), so once a rule has passed a row, it passes
//! every row whose cells it reads are the same. A rule over pairs (an indicator's
//! implementation-period half and its annual half) is remembered the same way by the cells it
//! reads of either half: V016 compares the two names, and names repeat more than values.
//!
//! A rule that reads its form as well (C002 compares a cost with the form's funds, V010 a
//! deadline with its year) passes or not by the form, but on most rows an operand its `when`
//! begins with, one that reads the row alone, is false (the row is not an annual cost), and
//! then it is silent
//! whatever the form says. It is remembered by the cells those operands read, and only
//! where they shut it ([`lead_reads`]).
//!
//! Passes are remembered (a rule that stays silent, whatever the reason), and so are findings
//! of the rules remembered by all they read: a rule that found something on a row finds it on
//! every row whose cells it reads are the same, so its `when` and `assert` are not evaluated
//! again there ([`Verdicts::fired`]). The finding itself is made anew on every row it is on,
//! since its labels point at that row's cells; its message is remembered apart, by the cells
//! it is made of ([`Verdicts::message`]). Rows repeat with their defects:
//! the vague values V020 finds (有效提升) and the names V016 finds cut off come back form after
//! form, and their rules were evaluated in full on each. An error is never remembered, and is
//! reported as the engine always reports it. Keys hold the cells' text itself, so two rows
//! share a verdict exactly when their cells are equal: no hash stands in for a text.
//!
//! What a thread learnt outlives the run (one file, or 64 forms of it): forms are submitted one
//! per file, and rows repeat across files far more than within one form. It is about one set of
//! rules, each as loaded (`Rule::uid`) with its parameters' values; a run of any other starts
//! afresh, and a parameter changed in `kpilint.toml` or a pack reloaded by the editor is
//! another set.

use super::engine::Settings;
use super::eval::{HalfCtx, Period};
use super::expr::{Expr, FieldKey, Node, RowText};
use super::pack::{ParamValue, Part, Rule, Scope};
use crate::model::QuickMap;
use smallvec::SmallVec;

/// Which cells of a row a rule reads, as a set of bits; for a rule over pairs, the low five
/// bits are the implementation-period half's and the next five the annual half's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reads(u16);

impl Reads {
    pub const PERIOD: Reads = Reads(1);
    pub const LEVEL1: Reads = Reads(2);
    pub const LEVEL2: Reads = Reads(4);
    pub const NAME: Reads = Reads(8);
    pub const TEXT: Reads = Reads(16);
    const ALL: Reads = Reads(31);
    /// How far the annual half's bits are from the implementation-period half's.
    const ANNUAL: u32 = 5;
    /// Set for a rule over pairs: its groups are looked up on pairs, never on rows.
    const PAIR: Reads = Reads(1 << 10);

    /// These bits, for the half of a pair named `side`.
    fn of_side(self, side: &str) -> Option<Reads> {
        match side {
            "implementation" => Some(self),
            "annual" => Some(self.annual()),
            _ => None,
        }
    }

    /// These bits, for a pair's annual half.
    fn annual(self) -> Reads {
        Reads(self.0 << Self::ANNUAL)
    }

    fn has(self, other: Reads) -> bool {
        self.0 & other.0 == other.0
    }

    fn with(self, other: Reads) -> Reads {
        Reads(self.0 | other.0)
    }

    fn without(self, other: Reads) -> Reads {
        Reads(self.0 & !other.0)
    }

    /// What reading `row.<field>` reads of the row, by the field's key (the names are spelled
    /// once, in [`FieldKey`]), as `eval::half_field` computes it (a change there is a change
    /// here); `None` for a field this analysis does not know, which keeps the rule out of the
    /// cache.
    fn of_field(field: Option<FieldKey>) -> Option<Reads> {
        Some(match field? {
            FieldKey::Row(RowText::Period) => Reads::PERIOD,
            // The 一级指标 is the 二级指标's parent where that is known, else the cell.
            FieldKey::Row(RowText::Level1) => Reads::LEVEL1.with(Reads::LEVEL2),
            FieldKey::Row(RowText::Level2) => Reads::LEVEL2,
            FieldKey::Row(RowText::Name) => Reads::NAME,
            // The typed value is parsed from the text, with the columns beside it if any.
            FieldKey::Row(RowText::Text | RowText::Written) | FieldKey::Value => Reads::TEXT,
            FieldKey::Expected => Reads::LEVEL2.with(Reads::TEXT),
            _ => return None,
        })
    }
}

/// What a rule over rows or pairs reads of its item to decide whether it passes: its
/// `let`s, `when` and `assert` (its message and labels are computed only for a finding).
/// `None` when it reads anything else (`form`, a field not known here) or is over anything
/// else.
pub fn reads(rule: &Rule) -> Option<Reads> {
    let item = match rule.over {
        Scope::Row => Item::Row,
        Scope::Pair => Item::Pair,
        _ => return None,
    };
    let mut bound: Vec<&str> = Vec::new();
    let mut acc = Reads(0);
    for l in &rule.lets {
        walk(item, &l.expr.node, &mut bound, &mut acc)?;
        // A `let` is seen by the later ones and by `when` and `assert`, and may shadow the
        // item's variable.
        bound.push(&l.name);
    }
    if let Some(w) = &rule.when {
        walk(item, &w.node, &mut bound, &mut acc)?;
    }
    walk(item, &rule.assert.node, &mut bound, &mut acc)?;
    Some(match item {
        Item::Row => acc,
        Item::Pair => acc.with(Reads::PAIR),
    })
}

/// What a finding's message is made of, for a rule that reads nothing but its item
/// ([`reads`]): what the rule reads (its `let` values, which the message may quote, are made
/// of that) and what the message reads of the item itself (`row.name`, `row.period`). `None`
/// if the message reads anything else, or the rule does.
pub fn message_reads(rule: &Rule) -> Option<Reads> {
    let mut acc = reads(rule)?;
    let item = if acc.has(Reads::PAIR) {
        Item::Pair
    } else {
        Item::Row
    };
    let mut bound: Vec<&str> = rule.lets.iter().map(|l| l.name.as_str()).collect();
    for part in &rule.message {
        if let Part::Expr(c) = part {
            walk(item, &c.node, &mut bound, &mut acc)?;
        }
    }
    Some(acc)
}

/// What a rule over rows or pairs that reads more than its item (`form.year`) reads of the
/// item in the leading operands of its `when` that read nothing else
/// ([`Shortcuts::item_lead`]): when one of them is false, the rule is silent whatever else it
/// would read, so that silence is a function of those cells. C002 and V010 read the form, and
/// were run on every row, though on all but a few rows their `when` is false before it
/// reaches the form (the row is not an annual cost, or its value is no amount of money).
/// `None` when the `when` begins with anything else.
///
/// [`Shortcuts::item_lead`]: super::engine::Shortcuts::item_lead
pub fn lead_reads(rule: &Rule) -> Option<Reads> {
    rule.quick.item_lead().1
}

/// How many of a `when`'s operands (`chain`, in the order they are evaluated), from the
/// first, read the item of a rule over `over` alone, and what they read of it (`None` if
/// none does). Worked out once, when the rule is linked ([`Shortcuts::of`]).
///
/// [`Shortcuts::of`]: super::engine::Shortcuts::of
pub fn lead(over: Scope, chain: &[Node]) -> (usize, Option<Reads>) {
    let mut acc: Option<Reads> = None;
    let mut led = 0;
    for operand in chain {
        let Some(r) = item_reads(over, operand) else {
            break;
        };
        acc = Some(acc.map_or(r, |a| a.with(r)));
        led += 1;
    }
    (led, acc)
}

/// What `node`, in a rule over `over`, reads of a row or pair, if it reads nothing else (no
/// `let` is bound: a `when` decided before the `let`s).
fn item_reads(over: Scope, node: &Node) -> Option<Reads> {
    let item = match over {
        Scope::Row => Item::Row,
        Scope::Pair => Item::Pair,
        _ => return None,
    };
    let mut acc = Reads(0);
    walk(item, node, &mut Vec::new(), &mut acc)?;
    Some(match item {
        Item::Row => acc,
        Item::Pair => acc.with(Reads::PAIR),
    })
}

/// How a rule's run on an item ended, as far as the memory goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ran {
    /// A finding.
    Found,
    /// An error.
    Failed,
    /// Silent.
    Passed,
    /// Silent because a leading operand of its `when` that reads the item alone was false
    /// (see [`lead_reads`]).
    Shut,
}

/// What a rule's remembered verdicts are: its passes, or only the items the leading operands
/// of its `when` shut it on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    Pass,
    Lead,
}

/// What a remembered rule is over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Item {
    Row,
    Pair,
}

impl Item {
    fn var(self) -> &'static str {
        match self {
            Item::Row => "row",
            Item::Pair => "pair",
        }
    }
}

/// Adds what `node` reads of the item (`row` or `pair`) to `acc`; `None` if it reads anything
/// but the item and the names in `bound`.
fn walk<'n>(item: Item, node: &'n Node, bound: &mut Vec<&'n str>, acc: &mut Reads) -> Option<()> {
    // Whether `n` is the item's variable, not shadowed.
    let is_item = |n: &Node, bound: &[&str]| matches!(&n.expr, Expr::Var(v) if v == item.var() && !bound.contains(&item.var()));
    match &node.expr {
        // `row.text`; `pair.annual.name`.
        Expr::Field(base, field) if item == Item::Row && is_item(base, bound) => {
            *acc = acc.with(Reads::of_field(field.key())?);
        }
        Expr::Field(base, field) if item == Item::Pair => match &base.expr {
            Expr::Field(pair, side) if is_item(pair, bound) => {
                *acc = acc.with(Reads::of_field(field.key())?.of_side(side)?);
            }
            // `pair.annual` handed whole to a function: all of that half.
            Expr::Var(_) if is_item(base, bound) => {
                *acc = acc.with(Reads::ALL.of_side(field)?);
            }
            _ => walk(item, base, bound, acc)?,
        },
        Expr::Field(base, _) => walk(item, base, bound, acc)?,
        Expr::Var(v) if bound.contains(&v.as_str()) => {}
        // The item itself, handed whole to a function: all of it.
        Expr::Var(v) if v == item.var() => {
            *acc = acc.with(Reads::ALL);
            if item == Item::Pair {
                *acc = acc.with(Reads::ALL.annual());
            }
        }
        Expr::Var(_) => return None,
        Expr::Lambda(param, body) => {
            bound.push(param);
            let r = walk(item, body, bound, acc);
            bound.pop();
            r?;
        }
        _ => {
            for c in node.children() {
                walk(item, c, bound, acc)?;
            }
        }
    }
    Some(())
}

/// The rules a thread's remembered passes are about: each rule as loaded, the parameters it
/// runs with, and whether the run may skip it. Runs with the same rules share what they
/// learnt; any difference starts afresh.
#[derive(Debug, Clone, PartialEq)]
struct Signature(Vec<RunRule>);

/// A rule's [`Rule::uid`], its parameters' values, and whether the run may skip it.
type RunRule = (u64, Vec<(String, ParamValue)>, bool);

impl Signature {
    fn of(rules: &[&Rule], enabled: &[bool], settings: &Settings) -> Signature {
        Signature(
            rules
                .iter()
                .zip(enabled)
                .map(|(r, &on)| {
                    let params = settings.params_of(r);
                    let params = params.map(|(k, v)| (k.to_owned(), v.clone())).collect();
                    (r.uid, params, on)
                })
                .collect(),
        )
    }

    /// `self == Signature::of(rules, enabled, settings)`, without building the latter.
    fn is_of(&self, rules: &[&Rule], enabled: &[bool], settings: &Settings) -> bool {
        self.0.len() == rules.len()
            && self.0.iter().zip(rules.iter().zip(enabled)).all(
                |((uid, params, on), (r, &enabled))| {
                    // Most rules have no parameters: the settings are not looked up for them.
                    *uid == r.uid
                        && *on == enabled
                        && params.len() == r.params.len()
                        && (params.is_empty()
                            || params
                                .iter()
                                .zip(settings.params_of(r))
                                .all(|((k, v), (k2, v2))| k == k2 && v == v2))
                },
            )
    }
}

/// What a thread remembers between runs of the engine (a run is one file, or 64 forms of it;
/// a folder of one form per file shares its rows across files only this way).
struct Memory {
    signature: Signature,
    /// Per rule of the run: its group, its bit in the group's mask, and what is remembered.
    of_rule: Vec<Option<(usize, u64, By)>>,
    groups: Vec<Group>,
    /// Each key remembered, with the rules that passed it and those that found something on it.
    table: Table,
    /// Per rule of the run: what its findings' messages are made of, if they are
    /// remembered ([`message_reads`]).
    message_reads: Vec<Option<Reads>>,
    messages: Messages,
}

/// The remembered keys: a record for each in one buffer (the rules that passed it and those
/// that found something on it, on implementation-period rows and pairs and on annual rows,
/// then the key's bytes), found through an index of slots probed in turn from the key's hash.
///
/// Looking a row up waits on memory, not on instructions: sampled, the look-up was 6% of a
/// run's time against 2% of its instructions. A map of hashes to buckets of records beside
/// the keys' bytes took three reads that each waited on the one before (the map's control
/// bytes, its slot, the key); here a slot leads straight to its record, whose masks and key
/// lie together, and each of a row's slots is read before any is probed
/// ([`Verdicts::look_at`]), so that their waits overlap.
///
/// A row's period is not in its key: most rules do not read it, and a key with it told each
/// value's two halves apart, so that half the rows met a key not seen before.
struct Table {
    /// Per slot, 0 when empty, else the record's offset in [`Table::records`] plus one, in
    /// the low 32 bits, under the high 32 bits of the key's hash. Empty when the memory
    /// remembers nothing.
    slots: Box<[u64]>,
    /// The records, one after another ([`RECORD_HEADER`]).
    records: Vec<u8>,
    keys: usize,
    /// Mixed into a key's hash to place it: the hash is the same in every process, the
    /// slots a key lands on are not.
    seed: u64,
}

/// Slots of the index: the most keys kept ([`MAX_KEYS`]) fill it under half, so a key not
/// there is found missing within a slot or two.
const SLOTS: usize = 1 << 14;

/// A record's masks: the rules that passed its key, a mask for each side, then those that
/// found something on it. The key's length follows them.
const RECORD_MASKS: usize = 4 * 8;

/// A record's bytes before its key: its masks and the key's length.
const RECORD_HEADER: usize = RECORD_MASKS + 4;

/// The records' room: every key at its longest share of the bytes, with its header.
const RECORD_BYTES: usize = MAX_BYTES + MAX_KEYS * RECORD_HEADER;

/// What a record says of the rules: passed, then found, each per side.
type Masks = ([u64; 2], [u64; 2]);

impl Table {
    fn empty() -> Table {
        Table {
            slots: Box::new([]),
            records: Vec::new(),
            keys: 0,
            seed: 0,
        }
    }

    fn new() -> Table {
        Table {
            slots: vec![0; SLOTS].into_boxed_slice(),
            // The whole budget at once: grown by doubling, it would copy itself and keep
            // a quarter of itself spare on average.
            records: Vec::with_capacity(RECORD_BYTES),
            keys: 0,
            seed: std::hash::BuildHasher::hash_one(&crate::model::QuickState::default(), SLOTS),
        }
    }

    /// The slot a key with this hash is first looked for in.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        ((hash ^ self.seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - SLOTS.trailing_zeros()))
            as usize
    }

    /// What the key's slot holds: read ahead of [`Table::find`], which starts from it.
    #[inline]
    fn first(&self, hash: u64) -> u64 {
        self.slots.get(self.home(hash)).copied().unwrap_or(0)
    }

    /// Where the record of `key` (whose hash is `hash`, and whose home slot holds `first`)
    /// starts, if it is remembered.
    fn find(&self, hash: u64, key: &[u8], first: u64) -> Option<usize> {
        let tag = hash >> 32;
        let (mut at, mut slot) = (self.home(hash), first);
        while slot != 0 {
            if slot >> 32 == tag {
                let record = (slot as u32 - 1) as usize;
                if self.key(record) == key {
                    return Some(record);
                }
            }
            at = (at + 1) % SLOTS;
            slot = self.slots[at];
        }
        None
    }

    fn key(&self, record: usize) -> &[u8] {
        let len = self.word(record + RECORD_MASKS) as usize;
        &self.records[record + RECORD_HEADER..][..len]
    }

    /// The little-endian `u32` at byte `at` of the records.
    fn word(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.records[at..at + 4].try_into().expect("four bytes"))
    }

    fn mask(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.records[at..at + 8].try_into().expect("eight bytes"))
    }

    /// The masks of `side` (0 implementation period, 1 annual) in the record at `record`:
    /// the rules that passed its key, and those that found something on it.
    fn masks(&self, record: usize, side: usize) -> (u64, u64) {
        (
            self.mask(record + 8 * side),
            self.mask(record + 16 + 8 * side),
        )
    }

    /// Adds `masks` to those of the record at `record`.
    fn add(&mut self, record: usize, (passed, found): Masks) {
        for (i, bits) in passed.into_iter().chain(found).enumerate() {
            let at = record + 8 * i;
            let was = self.mask(at);
            self.records[at..at + 8].copy_from_slice(&(was | bits).to_le_bytes());
        }
    }

    /// Remembers `key`, not remembered yet, with `masks`; past the room for keys or their
    /// bytes, everything is forgotten first.
    fn insert(&mut self, hash: u64, key: &[u8], (passed, found): Masks) {
        if self.slots.is_empty() {
            return;
        }
        if self.keys >= MAX_KEYS || self.records.len() + RECORD_HEADER + key.len() > RECORD_BYTES {
            self.slots.fill(0);
            self.records.clear();
            self.keys = 0;
        }
        let record = self.records.len();
        for bits in passed.into_iter().chain(found) {
            self.records.extend_from_slice(&bits.to_le_bytes());
        }
        self.records
            .extend_from_slice(&(key.len() as u32).to_le_bytes());
        self.records.extend_from_slice(key);
        let mut at = self.home(hash);
        while self.slots[at] != 0 {
            at = (at + 1) % SLOTS;
        }
        self.slots[at] = (hash >> 32) << 32 | (record as u64 + 1);
        self.keys += 1;
    }
}

thread_local! {
    static KEPT: std::cell::RefCell<Option<Memory>> = const { std::cell::RefCell::new(None) };
}

/// Forgets this thread's remembered passes: before freed memory is handed back between large
/// files, as the value memo is (`value::forget_remembered`).
pub fn forget() {
    KEPT.with(|k| k.borrow_mut().take());
}

/// The rules remembered by one key.
struct Group {
    /// The cells of the key: those any of the group's rules reads, but the period.
    reads: Reads,
    /// The group's rules that read the period: what they passed on an implementation-period
    /// row is not known of an annual row, nor the other way round.
    by_period: u64,
}

/// Groups of rules remembered; rules that read other sets of cells are checked on every row.
/// The built-in packs make three (two over rows, V016 over pairs).
const MAX_GROUPS: usize = 8;

/// Keys a thread keeps before it forgets them all, and the bytes they may take together: a
/// file of a hundred thousand distinct rows holds some 700 KB in them at most (the index's
/// 16,384 slots of 8 bytes, 128 KB; each key's record of 36 bytes, 252 KB; the keys' bytes,
/// 320 KB), where a map of 8,192 buckets of 64 bytes and the keys took 832 KB. The pairs' keys (two names) share
/// the room with the rows': at 2,048 keys and 128 KB, the rows and pairs of the generated
/// corpus's 220 forms did not fit, the memory was emptied every few hundred forms, and
/// remembering pairs made a run 2% slower, not faster. At 7,168 keys it is emptied every few
/// thousand forms; never emptied, it would save 1% more.
const MAX_KEYS: usize = 7168;
const MAX_BYTES: usize = 320 * 1024;

/// A key longer than this is not looked up: long values are prose, rarely repeated, and
/// hashing them costs more than it saves.
const MAX_KEY: usize = 200;

/// Messages of findings, by the rule and the cells each is made of (`message_reads`): rows
/// repeat with their defects, and a remembered finding (`Verdicts::fired`) was still worded
/// anew on each row it was on, some 1,500 instructions each (its parts evaluated and written
/// out), seven findings a form. The message is a function of those cells as the rule's
/// verdict is of the cells it reads; its labels point at the row's own cells and are placed
/// anew.
#[derive(Default)]
struct Messages {
    /// By a quick hash of the key: each key's bytes and its message (almost always one,
    /// held inline).
    by_key: QuickMap<u64, SmallVec<[Worded; 1]>>,
    /// What the keys and messages hold together, in bytes.
    bytes: usize,
}

/// A message remembered: its key's bytes, and the message.
type Worded = (Box<[u8]>, Box<str>);

/// The bytes a thread's remembered messages may take, keys and text together, before they
/// are all forgotten: a message and its key are some 100–250 bytes, so a thousand or more
/// of them. The 21,584 findings of 3,000 generated forms have 1,692 distinct messages, about
/// 1,100 of them from rules over rows and pairs.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

/// The item a finding's message is looked up for.
pub enum On<'h, 'a> {
    Row(&'h HalfCtx<'a>),
    /// The implementation-period half and the annual half.
    Pair(&'h HalfCtx<'a>, &'h HalfCtx<'a>),
}

/// Per group of remembered rules, up to the last group the scope has a rule of, each of its
/// bits' place in the scope's list of rules, as a bit (none for a rule not in the list). Made
/// once for each scope of a run.
pub struct Places {
    of_bit: Vec<[u64; 64]>,
}

/// The remembered passes a run of the engine reads and adds to, and the row it is on.
pub struct Verdicts {
    memory: Memory,
    /// Whether the memory goes back to the thread when the run ends.
    lasting: bool,
    /// Per group, the row's encoded key (empty when too long to look up) and its hash.
    keys: [(Key, u64); MAX_GROUPS],
    /// Per group, the rules known to pass the row, and those that passed it now.
    known: [u64; MAX_GROUPS],
    passed: [u64; MAX_GROUPS],
    /// Per group, the rules known to find something on the row, and those that found
    /// something on it now.
    fired: [u64; MAX_GROUPS],
    found: [u64; MAX_GROUPS],
    /// Which of an entry's masks is the row's: 1 for an annual row, 0 for any other item.
    side: usize,
    /// The key of the last message looked up ([`Verdicts::message`]), its hash and its rule:
    /// a message not found is kept under it once made ([`Verdicts::keep_message`]).
    message_key: (Key, u64, Option<usize>),
}

impl Verdicts {
    /// `enabled[i]`: whether the run may skip rule `i` on a row it passed before (not when it
    /// is traced: a trace shows every row). The thread's memory of earlier runs is taken up
    /// if they ran the same rules with the same parameters.
    pub fn new(rules: &[&Rule], settings: &Settings, enabled: impl Fn(usize) -> bool) -> Verdicts {
        let enabled: Vec<bool> = (0..rules.len()).map(enabled).collect();
        if !rules
            .iter()
            .any(|r| matches!(r.over, Scope::Row | Scope::Pair))
        {
            // A run of the document's rules leaves the thread's memory of rows alone.
            return Verdicts::with(Memory::empty(), false);
        }
        let kept = KEPT.with(|k| k.borrow_mut().take());
        let memory = match kept {
            // Compared in place: most runs (files) of a thread run the rules the last one did,
            // and copying their parameters into a signature to compare was a dozen allocations
            // a file.
            Some(m) if m.signature.is_of(rules, &enabled, settings) => m,
            _ => Memory::new(rules, &enabled, Signature::of(rules, &enabled, settings)),
        };
        Verdicts::with(memory, true)
    }

    fn with(memory: Memory, lasting: bool) -> Verdicts {
        Verdicts {
            memory,
            lasting,
            keys: [(Key::EMPTY, 0); MAX_GROUPS],
            known: [0; MAX_GROUPS],
            passed: [0; MAX_GROUPS],
            fired: [0; MAX_GROUPS],
            found: [0; MAX_GROUPS],
            side: 0,
            message_key: (Key::EMPTY, 0, None),
        }
    }

    /// Whether any rule of the run is remembered: if none is, rows need no keys.
    pub fn active(&self) -> bool {
        !self.memory.groups.is_empty()
    }

    /// Moves to a row: its keys, and which rules are known to pass it.
    pub fn look(&mut self, h: &HalfCtx<'_>) {
        self.look_at(false, Some(h.period), &cells(h, false));
    }

    /// Moves to a pair of halves (implementation period, annual): its keys, and which rules
    /// are known to pass it. Each half's period is the same in every pair: not in the key.
    pub fn look_pair(&mut self, implementation: &HalfCtx<'_>, annual: &HalfCtx<'_>) {
        let [a, b, c, d, e] = cells(implementation, false);
        let [f, g, h, i, j] = cells(annual, true);
        self.look_at(true, None, &[a, b, c, d, e, f, g, h, i, j]);
    }

    fn look_at(&mut self, pair: bool, period: Option<Period>, cells: &[(Reads, Option<&str>)]) {
        self.passed = [0; MAX_GROUPS];
        self.found = [0; MAX_GROUPS];
        self.side = usize::from(period == Some(Period::Annual));
        let side = self.side;
        let groups = self.memory.groups.len();
        // Each group's key and the slot it is first looked for in, all read before any is
        // probed: the slots' reads do not wait on one another ([`Table`]).
        let mut first = [0u64; MAX_GROUPS];
        let mut looked = [false; MAX_GROUPS];
        for (g, group) in self.memory.groups.iter().enumerate() {
            let (key, hash) = &mut self.keys[g];
            self.known[g] = 0;
            self.fired[g] = 0;
            // A row's groups are not looked up on pairs, nor a pair's on rows.
            if group.reads.has(Reads::PAIR) != pair {
                key.clear();
                continue;
            }
            if !encode(key, g, group.reads, cells) {
                continue;
            }
            *hash = crate::model::fingerprint(key.as_slice());
            first[g] = self.memory.table.first(*hash);
            looked[g] = true;
        }
        let table = &self.memory.table;
        for g in (0..groups).filter(|&g| looked[g]) {
            let (key, hash) = &self.keys[g];
            if let Some(record) = table.find(*hash, key.as_slice(), first[g]) {
                (self.known[g], self.fired[g]) = table.masks(record, side);
            }
        }
    }

    /// Whether rule `i` was silent before on a row with the cells it reads (or its `when`'s lead
    /// reads) equal to this row's.
    pub fn known(&self, i: usize) -> bool {
        self.memory.of_rule[i].is_some_and(|(g, bit, _)| self.known[g] & bit != 0)
    }

    /// Where the remembered rules of `rules` (a scope's, in the order the engine runs them)
    /// are in it, for [`Verdicts::known_places`]; none for a list of more than 64 rules.
    pub fn places(&self, rules: &[usize]) -> Option<Places> {
        if rules.len() > 64 {
            return None;
        }
        // A run that remembers nothing (the document's rules) has no rules in its memory.
        let remembered = || {
            rules
                .iter()
                .map(|&i| self.memory.of_rule.get(i).copied().flatten())
        };
        // Tables only for the groups up to the last this list has a rule of: a scope none of
        // whose rules are remembered (a form's, a table's) allocates none, where a table for
        // every group cost a one-form file some 3,400 instructions.
        let groups = remembered()
            .flatten()
            .map(|(g, _, _)| g + 1)
            .max()
            .unwrap_or(0);
        let mut of_bit = vec![[0u64; 64]; groups];
        for (place, of) in remembered().enumerate() {
            if let Some((g, bit, _)) = of {
                of_bit[g][bit.trailing_zeros() as usize] = 1 << place;
            }
        }
        Some(Places { of_bit })
    }

    /// The places in a scope's rules ([`Verdicts::places`]) of those [`Verdicts::known`]
    /// says of this row: a bit each. Most of a row's rules are known (nine in ten on the
    /// generated corpus), and asked one at a time, each cost a look up its rule's group and
    /// bit; here each known rule is a bit moved, and the rules left are visited directly.
    pub fn known_places(&self, places: &Places) -> u64 {
        let mut at = 0;
        for (g, of_bit) in places.of_bit.iter().enumerate() {
            let mut known = self.known[g];
            while known != 0 {
                at |= of_bit[known.trailing_zeros() as usize];
                known &= known - 1;
            }
        }
        at
    }

    /// Whether rule `i`, which reads nothing but the row, found something before on a row
    /// with the cells it reads equal to this row's: it finds something here too, and only
    /// the finding is left to make.
    pub fn fired(&self, i: usize) -> bool {
        self.memory.of_rule[i].is_some_and(|(g, bit, _)| self.fired[g] & bit != 0)
    }

    /// How rule `i`'s run on the row ended.
    pub fn ran(&mut self, i: usize, ran: Ran) {
        if let Some((g, bit, by)) = self.memory.of_rule[i] {
            match ran {
                Ran::Shut => self.passed[g] |= bit,
                Ran::Passed if by == By::Pass => self.passed[g] |= bit,
                // A rule remembered by its lead read the form as well: what it found there
                // is the form's.
                Ran::Found if by == By::Pass => self.found[g] |= bit,
                _ => {}
            }
        }
    }

    /// Remembers what passed the row, and what found something on it.
    pub fn remember(&mut self) {
        for g in 0..self.memory.groups.len() {
            let (key, hash) = &self.keys[g];
            let new = (self.passed[g] & !self.known[g]) | (self.found[g] & !self.fired[g]);
            if key.is_empty() || new == 0 {
                continue;
            }
            // What passed this row (or found something on it) did so on a row of the other
            // period too, unless it read the period.
            let by_period = self.memory.groups[g].by_period;
            let mut passed = [0; 2];
            passed[self.side] = self.passed[g];
            passed[1 - self.side] = self.passed[g] & !by_period;
            let mut found = [0; 2];
            found[self.side] = self.found[g];
            found[1 - self.side] = self.found[g] & !by_period;
            let table = &mut self.memory.table;
            let key = key.as_slice();
            match table.find(*hash, key, table.first(*hash)) {
                Some(record) => table.add(record, (passed, found)),
                None => table.insert(*hash, key, (passed, found)),
            }
        }
    }

    /// The message rule `i` worded on an earlier item whose cells the message is made of are
    /// equal to this one's, if one is remembered. Not found, its key waits for the message
    /// ([`Verdicts::keep_message`]).
    pub fn message(&mut self, i: usize, on: On<'_, '_>) -> Option<String> {
        self.message_key.2 = None;
        let reads = (*self.memory.message_reads.get(i)?)?;
        let (key, hash, of) = &mut self.message_key;
        key.clear();
        let fits = key.put(&(i as u32).to_le_bytes())
            && match on {
                On::Row(h) => {
                    (!reads.has(Reads::PERIOD) || key.put(&[h.period as u8]))
                        && encode_cells(key, reads, &cells(h, false))
                }
                On::Pair(a, b) => {
                    encode_cells(key, reads, &cells(a, false))
                        && encode_cells(key, reads, &cells(b, true))
                }
            };
        // Long keys are prose, rarely repeated (as for the verdicts, `MAX_KEY`).
        if !fits {
            return None;
        }
        *hash = crate::model::fingerprint(key.as_slice());
        *of = Some(i);
        let bucket = self.memory.messages.by_key.get(hash)?;
        let (_, message) = bucket.iter().find(|(k, _)| **k == *key.as_slice())?;
        Some(String::from(&**message))
    }

    /// Keeps rule `i`'s message for the item [`Verdicts::message`] last looked it up for,
    /// where it was not found.
    pub fn keep_message(&mut self, i: usize, message: &str) {
        let (key, hash, of) = &mut self.message_key;
        if of.take() != Some(i) {
            return;
        }
        let m = &mut self.memory.messages;
        let size = key.len() + message.len();
        if m.bytes + size > MAX_MESSAGE_BYTES {
            *m = Messages::default();
        }
        m.bytes += size;
        let kept = (key.as_slice().into(), message.into());
        m.by_key.entry(*hash).or_default().push(kept);
    }
}

impl Drop for Verdicts {
    /// Leaves what the run learnt to the thread's next run; not what a run learnt that is
    /// unwinding from a panic (`lint::guarded` goes on with the next file on this thread, which
    /// then starts with no memory rather than one a bug may have left wrong).
    fn drop(&mut self) {
        if !self.lasting || std::thread::panicking() {
            return;
        }
        let memory = std::mem::replace(&mut self.memory, Memory::empty());
        KEPT.with(|k| *k.borrow_mut() = Some(memory));
    }
}

impl Memory {
    fn empty() -> Memory {
        Memory {
            signature: Signature(Vec::new()),
            of_rule: Vec::new(),
            groups: Vec::new(),
            table: Table::empty(),
            message_reads: Vec::new(),
            messages: Messages::default(),
        }
    }

    fn new(rules: &[&Rule], enabled: &[bool], signature: Signature) -> Memory {
        let reads: Vec<Option<(Reads, By)>> = (rules.iter().zip(enabled))
            .map(|(rule, &on)| {
                let by_pass = || reads(rule).map(|r| (r, By::Pass));
                by_pass()
                    .or_else(|| lead_reads(rule).map(|r| (r, By::Lead)))
                    .filter(|_| on)
            })
            .collect();
        // The rules over rows that read the 三级指标's name share one group, keyed by every
        // cell any of them reads; so do the rest, which read the value and its category. A
        // finer key is still a key (a row passed is passed by a row equal in more cells), and
        // costs few passes: a name is nearly as particular to a row as the row itself, and a
        // value nearly always comes with the same 二级指标. A group for each set of cells
        // read (six in the built-in packs) made each row six keys, which filled the memory
        // (`MAX_KEYS`) and emptied it for every group every few hundred forms. A group of
        // its own for the rules remembered by their `when`'s lead was one key more a row, and cost
        // more than it saved.
        // The cells the rules over rows read, of those that read the name or of the rest.
        let union = |named: bool| {
            (reads.iter().flatten().map(|(r, _)| r))
                .filter(|r| !r.has(Reads::PAIR) && r.has(Reads::NAME) == named)
                .fold(Reads(0), |acc, &r| acc.with(r))
        };
        let (by_name, by_value) = (union(true), union(false));
        let mut groups: Vec<(Group, u32)> = Vec::new();
        let of_rule = reads
            .iter()
            .map(|&reads| {
                let (reads, by) = reads?;
                let (key, by_period) = match reads {
                    r if r.has(Reads::PAIR) => (r, false),
                    r if r.has(Reads::NAME) => {
                        (by_name.without(Reads::PERIOD), r.has(Reads::PERIOD))
                    }
                    r => (by_value.without(Reads::PERIOD), r.has(Reads::PERIOD)),
                };
                let g = match groups.iter().position(|(g, _)| g.reads == key) {
                    Some(g) => g,
                    None if groups.len() < MAX_GROUPS => {
                        let group = Group {
                            reads: key,
                            by_period: 0,
                        };
                        groups.push((group, 0));
                        groups.len() - 1
                    }
                    None => return None,
                };
                let (group, n) = &mut groups[g];
                // A group holds 64 rules; any more are checked on every row.
                (*n < 64).then(|| {
                    *n += 1;
                    let bit = 1u64 << (*n - 1);
                    if by_period {
                        group.by_period |= bit;
                    }
                    (g, bit, by)
                })
            })
            .collect();
        Memory {
            signature,
            of_rule,
            groups: groups.into_iter().map(|(g, _)| g).collect(),
            table: Table::new(),
            message_reads: (rules.iter().zip(enabled))
                .map(|(rule, &on)| message_reads(rule).filter(|_| on))
                .collect(),
            messages: Messages::default(),
        }
    }
}

/// The cells of a half a rule may read, each with its bit (a pair's annual half's bits if
/// `annual`). A value read with the comparator and unit columns beside it, or with the unit
/// its name states (`合格率（%）`), is typed from the text it was read from
/// (`HalfCtx::written`): a rule that reads the value reads that too.
fn cells<'h>(h: &'h HalfCtx<'_>, annual: bool) -> [(Reads, Option<&'h str>); 5] {
    let half = h.half;
    let bit = |r: Reads| if annual { r.annual() } else { r };
    [
        (bit(Reads::LEVEL1), half.level1.value.as_deref()),
        (bit(Reads::LEVEL2), half.level2.value.as_deref()),
        (bit(Reads::NAME), half.name.value.as_deref()),
        (bit(Reads::TEXT), half.value.value.as_deref()),
        (bit(Reads::TEXT), h.written.as_deref()),
    ]
}

/// A group's key for a row or pair: the group, and each cell it reads as a presence byte,
/// its length and its bytes (so no two different items encode alike). The period is not in
/// it: a record keeps a mask for each ([`Table`]). False, the key left empty, if it
/// is longer than [`MAX_KEY`]: it is not looked up.
fn encode(out: &mut Key, group: usize, reads: Reads, cells: &[(Reads, Option<&str>)]) -> bool {
    out.clear();
    out.put(&[group as u8]) && encode_cells(out, reads, cells)
}

/// Each of `cells` that `reads` names, as [`encode`] writes them; false if they do not fit.
/// Inlined: [`encode`] is asked for every group on every row.
#[inline(always)]
fn encode_cells(out: &mut Key, reads: Reads, cells: &[(Reads, Option<&str>)]) -> bool {
    for &(bit, cell) in cells {
        if !reads.has(bit) {
            continue;
        }
        let fits = match cell {
            None => out.put(&[0]),
            Some(t) => {
                out.put(&[1]) && out.put(&(t.len() as u32).to_le_bytes()) && out.put(t.as_bytes())
            }
        };
        if !fits {
            return false;
        }
    }
    true
}

/// A key being encoded ([`encode`], [`Verdicts::message`]), in place: no key longer than
/// [`MAX_KEY`] is looked up, so none needs more room. Pushed into a vector, each part was
/// checked against its capacity, and a long value (prose) was copied whole before the key
/// was found too long.
#[derive(Clone, Copy)]
struct Key {
    bytes: [u8; MAX_KEY],
    len: usize,
}

impl Key {
    const EMPTY: Key = Key {
        bytes: [0; MAX_KEY],
        len: 0,
    };

    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn clear(&mut self) {
        self.len = 0;
    }

    /// Appends `bytes`; if they do not fit, empties the key and returns false.
    #[inline(always)]
    fn put(&mut self, bytes: &[u8]) -> bool {
        let end = self.len + bytes.len();
        if end > MAX_KEY {
            self.len = 0;
            return false;
        }
        self.bytes[self.len..end].copy_from_slice(bytes);
        self.len = end;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorHalf;
    use crate::rules::pack;
    use std::collections::HashMap;

    /// A pack of `rules` (the YAML list under `rules:`), loaded as a test's pack.
    fn test_pack(rules: &str) -> pack::Pack {
        let text = format!("name: t\ntitle: t\ndescription: t\nrules:\n{rules}");
        pack::load("rules/t.yaml", &text).unwrap_or_else(|e| panic!("{:?}", e.1))
    }

    fn reads_of(over: &str, lets: &str, when: &str, assert: &str) -> Option<Reads> {
        let p = test_pack(&format!(
            "  - code: T001\n    name: t\n    severity: error\n    summary: t\n    \
             rationale: t\n    over: {over}\n{lets}{when}    assert: '{assert}'\n    \
             message: m\n    help: h\n"
        ));
        reads(&p.rules[0])
    }

    fn bits(r: &[Reads]) -> Option<Reads> {
        Some(r.iter().fold(Reads(0), |a, b| a.with(*b)))
    }

    #[test]
    fn a_key_is_the_group_and_each_cell_read_up_to_its_room() {
        let mut key = Key::EMPTY;
        let cells = [
            (Reads::LEVEL2, Some("数量指标")),
            (Reads::NAME, None),
            (Reads::TEXT, Some("≥95%")),
        ];
        assert!(encode(&mut key, 3, Reads::NAME.with(Reads::TEXT), &cells));
        let mut want = vec![3, 0, 1];
        want.extend_from_slice(&("≥95%".len() as u32).to_le_bytes());
        want.extend_from_slice("≥95%".as_bytes());
        assert_eq!(key.as_slice(), want.as_slice(), "the 二级指标 is not read");
        // The group, a presence byte and a length: a text of the rest of the room fits, and
        // one byte more leaves the key empty (it is not looked up).
        let room = MAX_KEY - 1 - 1 - 4;
        for (len, fits) in [(room, true), (room + 1, false)] {
            let text = "x".repeat(len);
            let cells = [(Reads::TEXT, Some(text.as_str()))];
            assert_eq!(encode(&mut key, 0, Reads::TEXT, &cells), fits, "{len}");
            assert_eq!(key.len(), if fits { MAX_KEY } else { 0 });
            assert_eq!(key.is_empty(), !fits);
        }
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
        // V010 and C002 compare the row with its form's year and funds; F007 and F008, over
        // pairs, read the form's period.
        assert_eq!(
            remembered,
            [
                "C003", "K010", "V001", "V002", "V003", "V004", "V005", "V006", "V007", "V008",
                "V009", "V011", "V012", "V013", "V014", "V015", "V016", "V017", "V018", "V019",
                "V020", "V021", "V022", "V023", "V024"
            ]
        );
        let v016 = set.rule("V016").expect("V016");
        assert_eq!(
            reads(v016),
            bits(&[Reads::NAME, Reads::NAME.annual(), Reads::PAIR])
        );
    }

    #[test]
    fn rules_over_rows_share_two_groups_by_whether_they_read_the_name() {
        let set = crate::rules::RuleSet::builtin();
        let rules: Vec<&Rule> = set.rules().collect();
        let enabled = vec![true; rules.len()];
        let m = Memory::new(&rules, &enabled, Signature(Vec::new()));
        let name = Reads::LEVEL1
            .with(Reads::LEVEL2)
            .with(Reads::NAME)
            .with(Reads::TEXT);
        let keys: Vec<Reads> = m.groups.iter().map(|g| g.reads).collect();
        assert_eq!(
            keys,
            // In the order of the rules that make them: C002 (by its `when`'s lead), K010, V016. The
            // period C002 and V010 read is never in the key.
            [
                Reads::LEVEL2.with(Reads::TEXT),
                name,
                Reads::NAME.with(Reads::NAME.annual()).with(Reads::PAIR),
            ]
        );
        // K010 reads the 二级指标 and the name, V023 the name and the value: one group. V001
        // reads the value alone, C003 its 二级指标 too: another, with C002 and V010, whose
        // `when`s begin with the period, the 二级指标 and the value.
        let of = |code: &str| {
            let i = rules.iter().position(|r| r.code == code).expect(code);
            m.of_rule[i].map(|(g, bit, by)| (g, m.groups[g].by_period & bit != 0, by))
        };
        assert_eq!(of("K010"), Some((1, false, By::Pass)));
        assert_eq!(of("V023"), Some((1, false, By::Pass)));
        assert_eq!(of("V001"), Some((0, false, By::Pass)));
        assert_eq!(of("C003"), Some((0, false, By::Pass)));
        assert_eq!(of("C002"), Some((0, true, By::Lead)));
        assert_eq!(of("V010"), Some((0, true, By::Lead)));
        assert_eq!(of("F007"), None, "its `when` is the form's period alone");
    }

    #[test]
    fn a_rule_that_reads_its_form_is_remembered_by_the_row_cells_its_when_begins_with() {
        let set = crate::rules::RuleSet::builtin();
        let by_lead: Vec<(&str, Reads)> = set
            .rules()
            .filter(|r| reads(r).is_none())
            .filter_map(|r| Some((r.code.as_str(), lead_reads(r)?)))
            .collect();
        // `row.period == "年度" and row.level2 == "成本指标" and row.value.is_money and …
        // and form.funds.annual.total > 0`; `row.period == "年度" and row.value.kind ==
        // "deadline" and form.year != null`. The rules over forms (F010, `form.kind == …`)
        // and the rules over pairs whose `when` begins with the form (F008) have none.
        assert_eq!(
            by_lead,
            [
                ("C002", Reads::PERIOD.with(Reads::LEVEL2).with(Reads::TEXT)),
                ("V010", Reads::PERIOD.with(Reads::TEXT)),
            ]
        );
        let lead = |code: &str| set.rule(code).map(|r| r.quick.item_lead().0);
        assert_eq!(lead("C002"), Some(6), "all but the funds");
        assert_eq!(lead("F008"), Some(0));
        // A rule that reads nothing else has its whole `when` for a lead (its passes are
        // remembered, and a shut is a pass).
        assert_eq!(lead("V020"), Some(3));
    }

    /// A rule remembered by its `when`'s lead is known on a row only after the lead shut it on a row
    /// of the same cells: a pass by its `assert` depended on the form, and is not kept. A rule
    /// that reads the period is known on a row of that period only; one that does not, on
    /// both.
    #[test]
    fn a_lead_that_shut_is_known_and_the_period_is_kept_apart() {
        forget();
        // Linked as the engine's packs are (`Shortcuts`): T003 shares T001's values, so they
        // are kept and T001 has a guard.
        let mut set = crate::rules::RuleSet::default();
        set.add(
            "t.yaml",
            &format!(
                "name: t\ntitle: t\ndescription: t\nrules:\n{}",
                r#"  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: row,
     when: 'row.period == "年度" and row.level2 == "成本指标" and form.year != null',
     assert: 'row.value.year == form.year', message: m, help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.value.kind != "placeholder"', message: m, help: h}
  - {code: T003, name: c, severity: error, summary: t, rationale: t, over: row,
     when: 'row.period == "年度" and row.level2 == "成本指标"',
     assert: 'row.text != null', message: m, help: h}
"#
            ),
        );
        assert!(set.broken.is_empty());
        let rules: Vec<&Rule> = set.rules().take(2).collect();
        assert_eq!(reads(rules[0]), None);
        assert_eq!(
            lead_reads(rules[0]),
            Some(Reads::PERIOD.with(Reads::LEVEL2))
        );
        let settings = Settings::default();
        let mut v = Verdicts::new(&rules, &settings, |_| true);
        let annual = row_in(Period::Annual, "成本指标", "设备费", "≤10万元");
        let implementation = row_in(Period::Implementation, "成本指标", "设备费", "≤10万元");
        // The runs on the row looked at last, remembered; then what is known of `next`.
        let then = |v: &mut Verdicts, ran: &[(usize, Ran)], next: &HalfCtx<'_>| {
            ran_then_look(v, ran, next);
            [v.known(0), v.known(1)]
        };

        // On the annual row T001's lead holds: its pass is the form's, never kept.
        v.look(annual);
        assert_eq!([v.known(0), v.known(1)], [false, false]);
        let passed = [(0, Ran::Passed), (1, Ran::Passed)];
        let k = then(&mut v, &passed, annual);
        assert_eq!(k, [false, true], "T002 read the text alone");
        // T002's pass on the annual row is known on the other period's row too; T001 not.
        assert_eq!(then(&mut v, &[], implementation), [false, true]);
        // Shut by the period on the implementation-period row: known there from now on, not
        // on the annual row.
        let shut = [(0, Ran::Shut)];
        assert_eq!(then(&mut v, &shut, implementation), [true, true]);
        assert_eq!(then(&mut v, &[], annual), [false, true]);
        // A finding of a rule remembered by its lead (it read the form), or an error, is
        // never kept.
        assert_eq!(then(&mut v, &[(0, Ran::Found)], annual), [false, true]);
        assert!(!v.fired(0), "T001's finding read the form");
        assert_eq!(then(&mut v, &[(0, Ran::Failed)], annual), [false, true]);
        drop(v);
        forget();
    }

    /// A rule that reads nothing but its row and found something there is known to find it
    /// on every row of the same cells: of both periods if it does not read the period, of
    /// that period alone if it does. A rule that reads the period and one that reads another
    /// cell share the group's key, and each is known by its own verdict.
    #[test]
    fn a_finding_is_known_on_rows_whose_read_cells_are_equal() {
        forget();
        let p = test_pack(
            r#"  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.text != "有效提升"', message: m, help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     when: 'row.period == "年度"', assert: 'row.level2 != "质量指标"', message: m, help: h}
"#,
        );
        let mut v = remembering(&p);
        let annual = row_in(Period::Annual, "质量指标", "服务质量", "有效提升");
        let implementation = row_in(Period::Implementation, "质量指标", "服务质量", "有效提升");
        let other = row_in(Period::Annual, "质量指标", "服务质量", "≥95%");
        // The runs on the row looked at last, remembered; then what is known of `next`:
        // whether each rule is known to find something there, and to pass it.
        let then = |v: &mut Verdicts, ran: &[Ran], next: &HalfCtx<'_>| {
            let ran: Vec<(usize, Ran)> = ran.iter().copied().enumerate().collect();
            ran_then_look(v, &ran, next);
            ([v.fired(0), v.fired(1)], [v.known(0), v.known(1)])
        };
        // Nothing is known before; both find something on the annual row. On the same cells
        // both are known to find, neither to pass.
        v.look(annual);
        assert_eq!([v.fired(0), v.fired(1)], [false, false]);
        let both = [Ran::Found, Ran::Found];
        assert_eq!(then(&mut v, &both, annual), ([true, true], [false, false]));
        // On the other period's row: T001 read no period, T002 did.
        assert_eq!(then(&mut v, &[], implementation).0, [true, false]);
        let passed = [Ran::Found, Ran::Passed];
        let k = then(&mut v, &passed, implementation);
        assert_eq!(k, ([true, false], [false, true]));
        // Another value is another key; an error is never kept.
        assert_eq!(then(&mut v, &[], other).0, [false, false]);
        let failed = [Ran::Failed, Ran::Found];
        assert_eq!(then(&mut v, &failed, other).0, [false, true]);
        drop(v);
        forget();
    }

    #[test]
    fn a_rule_over_pairs_reads_the_cells_of_each_half() {
        let r = reads_of(
            "pair",
            "",
            "",
            "pair.annual.value.kind == pair.implementation.text",
        );
        assert_eq!(r, bits(&[Reads::TEXT.annual(), Reads::TEXT, Reads::PAIR]));
        let lets = "    let:\n      a: pair.annual.level1\n";
        let r = reads_of("pair", lets, "", "a != null");
        let level1 = Reads::LEVEL1.with(Reads::LEVEL2).annual();
        assert_eq!(r, bits(&[level1, Reads::PAIR]));
        // A half handed whole to a function, or the pair: all of it.
        let r = reads_of(
            "pair",
            "",
            "",
            r#"note(pair.annual.value, "odd_percent") == null"#,
        );
        assert_eq!(r, bits(&[Reads::TEXT.annual(), Reads::PAIR]));
        let r = reads_of("pair", "", "", "count([pair.annual]) == 1");
        assert_eq!(r, bits(&[Reads::ALL.annual(), Reads::PAIR]));
        let r = reads_of("pair", "", "", "count([pair]) == 1");
        assert_eq!(r, bits(&[Reads::ALL, Reads::ALL.annual(), Reads::PAIR]));
        // The form is read: never remembered.
        let when = "    when: 'form.period_years == 1'\n";
        assert_eq!(reads_of("pair", "", when, "pair.annual.text != null"), None);
    }

    /// [`known_then_passed`] on a pair of halves (implementation period, annual).
    fn known_then_passed_pair(
        v: &mut Verdicts,
        rules: usize,
        (i, a): (&HalfCtx<'_>, &HalfCtx<'_>),
    ) -> Vec<bool> {
        v.look_pair(i, a);
        pass_all(v, rules)
    }

    #[test]
    fn a_pass_is_known_on_pairs_whose_read_cells_are_equal() {
        forget();
        let p = test_pack(
            r#"  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: pair,
     assert: 'pair.annual.name == pair.implementation.name', message: m, help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.name != null', message: m, help: h}
"#,
        );
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let settings = Settings::default();
        let mut v = Verdicts::new(&rules, &settings, |_| true);
        // (二级指标, the two names, the two values): which rules the run knew to pass it.
        let steps = [
            (
                ("数量指标", "学生数", "学生数", "100人", "50人"),
                [false, false],
            ),
            // Other values, the same names: T001 is known. T002 is over rows: never on a pair.
            (
                ("时效指标", "学生数", "学生数", "1年", "2年"),
                [true, false],
            ),
            // The names swapped between the halves: another pair, each way.
            (
                ("数量指标", "教师数", "学生数", "1人", "1人"),
                [false, false],
            ),
            (
                ("数量指标", "学生数", "教师数", "1人", "1人"),
                [false, false],
            ),
        ];
        for ((level2, i, a, ti, ta), known) in steps {
            let pair = (row(level2, i, ti), row(level2, a, ta));
            assert_eq!(known_then_passed_pair(&mut v, 2, pair), known, "{i} {a}");
        }
        // A row of the same name is not the pair.
        v.look(row("数量指标", "学生数", "100人"));
        assert!(!v.known(0) && !v.known(1));
        drop(v);
        forget();
    }

    #[test]
    fn a_message_is_known_where_the_cells_it_is_made_of_are_equal() {
        forget();
        // T001 reads the value alone, its message the name and period too; T002's message
        // reads the form; T003's quotes its `let`, made of the value.
        let p = test_pack(
            r#"  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.text != "有效提升"', message: '{row.period}“{row.name}”', help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.text != "有效提升"', message: '{form.name}', help: h}
  - {code: T003, name: c, severity: error, summary: t, rationale: t, over: row,
     let: {word: 'row.text'}, assert: 'word != "有效提升"', message: '“{word}”', help: h}
"#,
        );
        let mut v = remembering(&p);
        let first = row_in(Period::Annual, "质量指标", "服务质量", "有效提升");
        let same = row_in(Period::Annual, "质量指标", "服务质量", "有效提升");
        let renamed = row_in(Period::Annual, "质量指标", "教学质量", "有效提升");
        let implementation = row_in(Period::Implementation, "质量指标", "服务质量", "有效提升");
        // Worded once for the first row, each message is known on an equal row.
        for i in [0, 2] {
            assert_eq!(v.message(i, On::Row(first)), None);
            v.keep_message(i, &format!("message {i}"));
            assert_eq!(
                v.message(i, On::Row(same)).as_deref(),
                Some(&*format!("message {i}"))
            );
        }
        // Another name, or the other period: T001's message read them, T003's did not.
        assert_eq!(v.message(0, On::Row(renamed)), None);
        assert_eq!(v.message(0, On::Row(implementation)), None);
        assert_eq!(v.message(2, On::Row(renamed)).as_deref(), Some("message 2"));
        assert_eq!(
            v.message(2, On::Row(implementation)).as_deref(),
            Some("message 2")
        );
        // A message that reads the form is never remembered.
        assert_eq!(v.message(1, On::Row(first)), None);
        v.keep_message(1, "message 1");
        assert_eq!(v.message(1, On::Row(same)), None);
        // A message is kept only under the key it was looked up by last, and by its rule.
        assert_eq!(v.message(0, On::Row(renamed)), None);
        v.keep_message(2, "not T001's");
        assert_eq!(v.message(0, On::Row(renamed)), None);
        assert_eq!(v.message(2, On::Row(renamed)).as_deref(), Some("message 2"));
        // Messages past their room are forgotten, all at once.
        let long = "很长的消息".repeat(20);
        for n in 0..MAX_MESSAGE_BYTES / long.len() + 1 {
            let text: &'static str = Box::leak(format!("{n}项").into_boxed_str());
            assert_eq!(
                v.message(2, On::Row(row("质量指标", "服务质量", text))),
                None
            );
            v.keep_message(2, &long);
            assert!(v.memory.messages.bytes <= MAX_MESSAGE_BYTES);
        }
        assert_eq!(v.message(2, On::Row(same)), None, "forgotten");
        drop(v);
        forget();
    }

    #[test]
    fn what_a_message_is_made_of() {
        let of = |rule: &str| message_reads(&test_pack(rule).rules[0]);
        let rule = |lets: &str, assert: &str, message: &str| {
            format!(
                "  - {{code: T001, name: a, severity: error, summary: t, rationale: t, over: row,\n     {lets}assert: '{assert}', message: '{message}', help: h}}\n"
            )
        };
        let text = Reads::TEXT;
        // The rule's reads, and the message's own.
        assert_eq!(of(&rule("", "row.text != null", "值")), Some(text));
        let named = rule("", "row.text != null", "“{row.name}”{row.period}");
        assert_eq!(of(&named), Some(text.with(Reads::NAME).with(Reads::PERIOD)));
        // A `let` quoted is made of what the rule reads.
        let quoted = rule("let: {w: row.text}, ", "w != null", "“{w}”");
        assert_eq!(of(&quoted), Some(text));
        // The form, in the message or the rule: not remembered.
        assert_eq!(of(&rule("", "row.text != null", "{form.name}")), None);
        assert_eq!(of(&rule("", "row.text != form.name", "值")), None);
    }

    fn half(level2: &str, name: &str, text: &str, at: usize) -> IndicatorHalf {
        let cell =
            |t: &str| crate::model::Cell::new(t.into(), crate::model::Span::new(at, at + t.len()));
        IndicatorHalf {
            level1: crate::model::Cell::default(),
            level2: crate::model::Cell::new(
                level2.to_owned().into(),
                crate::model::Span::new(at, at),
            ),
            name: cell(name),
            value: cell(text),
            extras: Box::default(),
        }
    }

    /// Four rules over rows, for [`test_pack`].
    const PACK: &str = r#"  - {code: T001, name: a, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.value.kind != "placeholder"', message: m, help: h}
  - {code: T002, name: b, severity: error, summary: t, rationale: t, over: row,
     when: 'row.level2 == "时效指标"', assert: 'row.expected == null', message: m, help: h}
  - {code: T003, name: c, severity: error, summary: t, rationale: t, over: row,
     assert: 'row.value.year == form.year', message: m, help: h}
  - {code: T004, name: d, severity: error, summary: t, rationale: t, over: row,
     params: {floor: 80%}, assert: 'row.value.amount >= param("floor") * 100',
     message: m, help: h}
"#;

    fn row(level2: &str, name: &str, text: &str) -> &'static HalfCtx<'static> {
        row_in(Period::Annual, level2, name, text)
    }

    fn row_in(period: Period, level2: &str, name: &str, text: &str) -> &'static HalfCtx<'static> {
        let half: &'static IndicatorHalf = Box::leak(Box::new(half(level2, name, text, 0)));
        Box::leak(Box::new(HalfCtx {
            half,
            value: None,
            written: None,
            period,
        }))
    }

    /// A fresh memory for `p`'s rules, every one of them remembered.
    fn remembering(p: &pack::Pack) -> Verdicts {
        let rules: Vec<&Rule> = p.rules.iter().collect();
        Verdicts::new(&rules, &Settings::default(), |_| true)
    }

    /// Tells the memory how the rules ran on the item looked at last (rule, outcome), remembers
    /// it, and looks at `next`.
    fn ran_then_look(v: &mut Verdicts, ran: &[(usize, Ran)], next: &HalfCtx<'_>) {
        for &(i, r) in ran {
            v.ran(i, r);
        }
        v.remember();
        v.look(next);
    }

    /// Runs the rules on `row` as the engine does, every rule passing: which of them the run
    /// already knew to pass it.
    fn known_then_passed(v: &mut Verdicts, rules: usize, row: &HalfCtx<'_>) -> Vec<bool> {
        v.look(row);
        pass_all(v, rules)
    }

    /// Which of the item's rules were known to pass it; then every one passes it. Asks
    /// [`Verdicts::known_places`] too, of the rules listed last to first, which must say the
    /// same of each.
    fn pass_all(v: &mut Verdicts, rules: usize) -> Vec<bool> {
        let known: Vec<bool> = (0..rules).map(|i| v.known(i)).collect();
        let backwards: Vec<usize> = (0..rules).rev().collect();
        let at = v.known_places(&v.places(&backwards).expect("few rules"));
        for (place, &i) in backwards.iter().enumerate() {
            assert_eq!(at >> place & 1 == 1, known[i], "rule {i}");
        }
        assert_eq!(at >> rules, 0, "no place past the list");
        // Each rule alone: its scope's table holds only the groups up to its own.
        for (i, &was_known) in known.iter().enumerate() {
            let alone = v.places(&[i]).expect("one rule");
            assert_eq!(v.known_places(&alone) == 1, was_known, "rule {i} alone");
        }
        assert!(v.places(&[]).expect("no rules").of_bit.is_empty());
        assert!(v.places(&[0; 65]).is_none(), "past 64 rules, one at a time");
        for i in 0..rules {
            v.ran(i, Ran::Passed);
        }
        v.remember();
        known
    }

    #[test]
    fn a_pass_is_known_on_rows_whose_read_cells_are_equal() {
        forget();
        let p = test_pack(PACK);
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let settings = Settings::default();
        let first = row("数量指标", "学生数", "100人");
        // Elsewhere, under another name: the same text and category.
        let same = row("数量指标", "教师数", "100人");
        let other_level2 = row("时效指标", "学生数", "100人");

        let mut v = Verdicts::new(&rules, &settings, |_| true);
        assert!(v.active());
        let none = [false; 4];
        assert_eq!(
            known_then_passed(&mut v, 4, first),
            none,
            "nothing is known at first"
        );
        // T003 reads its form: checked on every row.
        assert_eq!(
            known_then_passed(&mut v, 4, same),
            [true, true, false, true]
        );
        // T001 and T004 read the text alone, T002 the category too: they share one key of
        // both (`Memory::new`), so a row of another category is new to all three.
        let k = known_then_passed(&mut v, 4, other_level2);
        assert_eq!(k, none);
        drop(v);

        // The next run of the same rules on this thread knows what this one learnt.
        let mut v = Verdicts::new(&rules, &settings, |_| true);
        assert_eq!(
            known_then_passed(&mut v, 4, same),
            [true, true, false, true]
        );
        drop(v);

        // A traced rule is never known; the others still are.
        let mut v = Verdicts::new(&rules, &settings, |i| i != 0);
        let k = known_then_passed(&mut v, 4, same);
        assert!(!k[0], "a traced rule is checked on every row");
        drop(v);

        // Other parameters, or the pack loaded again, start afresh.
        let mut other = Settings::default();
        let floor = HashMap::from([("floor".to_owned(), ParamValue::parse("90%"))]);
        other.params.insert("T004".into(), floor);
        let mut v = Verdicts::new(&rules, &other, |_| true);
        assert_eq!(known_then_passed(&mut v, 4, same), none);
        drop(v);
        let again = test_pack(PACK);
        let rules: Vec<&Rule> = again.rules.iter().collect();
        let mut v = Verdicts::new(&rules, &other, |_| true);
        assert_eq!(known_then_passed(&mut v, 4, same), none);
        drop(v);

        // A run of the document's rules leaves the memory of rows alone.
        drop(Verdicts::new(&[], &other, |_| true));
        let mut v = Verdicts::new(&rules, &other, |_| true);
        assert_eq!(
            known_then_passed(&mut v, 4, same),
            [true, true, false, true]
        );
        drop(v);
        forget();
        let mut v = Verdicts::new(&rules, &other, |_| true);
        assert_eq!(known_then_passed(&mut v, 4, same), none, "forgotten");
    }

    /// Keys whose hashes place them in the same slot, even keys with the same hash, each
    /// keep their own record, and probing goes on from the last slot to the first.
    #[test]
    fn keys_that_share_a_slot_keep_their_own_records() {
        let mut t = Table::new();
        t.seed = 0;
        let hash = (0..u64::MAX)
            .find(|&h| t.home(h) == SLOTS - 1)
            .expect("some hash has the last slot as its home");
        t.insert(hash, b"a", ([1, 0], [0, 0]));
        t.insert(hash, b"b", ([2, 0], [0, 4]));
        assert_ne!(t.slots[0], 0, "the second key wrapped to the first slot");
        let find = |t: &Table, key: &[u8]| t.find(hash, key, t.first(hash));
        let (a, b) = (find(&t, b"a").unwrap(), find(&t, b"b").unwrap());
        assert_eq!(
            (t.masks(a, 0), t.masks(b, 0), t.masks(b, 1)),
            ((1, 0), (2, 0), (0, 4))
        );
        assert_eq!(find(&t, b"c"), None, "same hash, another key");
        t.add(b, ([8, 0], [0, 0]));
        assert_eq!((t.masks(a, 0), t.masks(b, 0)), ((1, 0), (10, 0)));
        assert_eq!((t.key(a), t.key(b), t.keys), (&b"a"[..], &b"b"[..], 2));
    }

    /// Past its room the memory forgets everything and starts again, in the buffer it has:
    /// it never holds more keys or bytes than its bounds.
    #[test]
    fn the_memory_stays_in_its_bounds() {
        forget();
        let p = test_pack(PACK);
        let mut v = remembering(&p);
        let first = row("数量指标", "学生数", "0人");
        known_then_passed(&mut v, 4, first);
        for n in 1..=MAX_KEYS {
            let text: &'static str = Box::leak(format!("{n}人").into_boxed_str());
            known_then_passed(&mut v, 4, row("数量指标", "学生数", text));
            let t = &v.memory.table;
            assert!(t.keys <= MAX_KEYS && t.records.len() <= RECORD_BYTES);
        }
        assert_eq!(
            v.memory.table.records.capacity(),
            RECORD_BYTES,
            "never grown"
        );
        // Two groups (T001 and T004 by text; T002 by text and category): each row is two
        // keys, so the first rows were forgotten; the last is known.
        assert!(!known_then_passed(&mut v, 4, first)[0], "forgotten");
        let last: &'static str = Box::leak(format!("{MAX_KEYS}人").into_boxed_str());
        assert!(known_then_passed(&mut v, 4, row("数量指标", "学生数", last))[0]);
        drop(v);
        forget();
    }

    /// Every field a row has (the type checker's list) is known here, so no rule over rows is
    /// left out of the cache for reading a field added later.
    #[test]
    fn every_field_of_a_row_is_known() {
        use crate::rules::expr::Vocabulary;
        let fields = crate::rules::types::FIELDS.iter();
        let row: Vec<&str> = fields
            .filter(|(of, ..)| *of == crate::rules::types::Ty::Half)
            .map(|&(_, name, ..)| name)
            .collect();
        assert_eq!(row.len(), 8);
        for name in row {
            assert!(Reads::of_field(FieldKey::of(name)).is_some(), "{name}");
        }
    }

    #[test]
    fn a_rule_that_reads_more_than_its_row_is_not_remembered() {
        assert_eq!(reads_of("row", "", "", "row.value.year == form.year"), None);
        assert_eq!(reads_of("form", "", "", "form.year != null"), None);
        // The whole row handed to a function: every cell is read.
        let r = reads_of("row", "", "", r#"note(row, "odd_percent") == null"#);
        assert_eq!(r, Some(Reads::ALL));
    }

    /// A run that ends normally leaves its memory to the thread's next run; one unwinding from
    /// a panic leaves none (the next file on the thread starts afresh).
    #[test]
    fn a_run_unwinding_from_a_panic_leaves_no_memory() {
        let p = test_pack(
            "  - code: T001\n    name: t\n    severity: error\n    summary: t\n    \
             rationale: t\n    over: row\n    assert: 'row.text != \"x\"'\n    \
             message: m\n    help: h\n",
        );
        let rules: Vec<&Rule> = p.rules.iter().collect();
        let settings = Settings::default();
        let kept = || KEPT.with(|k| k.borrow().is_some());
        forget();
        drop(Verdicts::new(&rules, &settings, |_| true));
        assert!(kept(), "a run that ends leaves its memory");
        let unwound = std::panic::catch_unwind(|| {
            let _verdicts = Verdicts::new(&rules, &settings, |_| true);
            panic!("a bug while judging");
        });
        assert!(unwound.is_err());
        assert!(!kept(), "a run that panicked leaves none");
    }
}
