//! A file's findings in report order: held in memory, or set aside on disk in sorted runs and
//! merged each time they are read.
//!
//! A file with a finding on every row (a broken grid of a hundred thousand rows) held them all
//! until its report was written, some 230 bytes each with their messages: 83 MB for one 10 MB
//! file, where a run is to stay under 64 MB. The linter sets a file's findings aside past a
//! budget ([`crate::spill`]); a report reads them back through [`Findings::iter`], one at a
//! time, as often as it reads them (counted, then written).

use super::{codes, Diagnostic, Edit, Fix, Label, Origin, Severity, Shared};
use crate::model::Span;
use crate::spill::{Merge, Record, Sealed, Spill};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::sync::Arc;

/// The order every report lists a file's findings in: by position, then code, then message,
/// then everything else a finding says, so that no two findings that differ tie, and the order
/// is the same whether they were sorted in memory or merged from runs on disk.
pub fn order(a: &Diagnostic, b: &Diagnostic) -> Ordering {
    let key = |d: &Diagnostic| (d.primary.span.start(), d.primary.span.end());
    key(a)
        .cmp(&key(b))
        .then_with(|| a.code.cmp(&b.code))
        .then_with(|| a.message.cmp(&b.message))
        .then_with(|| rest(a).cmp(&rest(b)))
        .then_with(|| labels(a).cmp(labels(b)))
        .then_with(|| fixes(a, b))
}

/// What breaks ties past the message (rare: two findings of one code at one place saying the
/// same thing).
fn rest(
    d: &Diagnostic,
) -> (
    &str,
    Severity,
    Option<&str>,
    Option<&str>,
    Option<&str>,
    usize,
) {
    (
        &d.primary.message,
        d.severity,
        d.form.as_deref(),
        d.help(),
        d.pack(),
        d.secondary.len(),
    )
}

fn labels(d: &Diagnostic) -> impl Iterator<Item = (usize, usize, &str)> {
    d.secondary
        .iter()
        .map(|l| (l.span.start(), l.span.end(), &*l.message))
}

fn edits(f: &Fix) -> impl Iterator<Item = (usize, usize, &str)> {
    f.edits
        .iter()
        .map(|e| (e.span.start(), e.span.end(), e.text.as_str()))
}

fn fixes(a: &Diagnostic, b: &Diagnostic) -> Ordering {
    match (&a.fix, &b.fix) {
        (Some(x), Some(y)) => (x.safe, &x.description)
            .cmp(&(y.safe, &y.description))
            .then_with(|| edits(x).cmp(edits(y))),
        (x, y) => x.is_some().cmp(&y.is_some()),
    }
}

/// Sorts findings in report order ([`order`]).
pub fn sort(diagnostics: &mut [Diagnostic]) {
    // Their places are sorted, not the findings: a finding is some hundred bytes, and sorting
    // them in place moved each a dozen times (a file of a hundred forms has seven hundred).
    // The order ties nothing that differs, so it is the same whatever the rules' order and
    // whatever the sort. The sort is stable: a block's findings come scope by scope, each in
    // the order of its forms and rows, and a stable sort merges such runs where an unstable
    // one sorted them anew (1,003.3M → 1,001.6M instructions over 3,000 forms, sixty-sixth
    // session). It borrows room for as many places again: the places take a fifth of the
    // findings' room (only findings held in memory are sorted here; those set aside on disk
    // are sorted run by run).
    let mut places: Vec<(usize, usize, usize)> = diagnostics
        .iter()
        .enumerate()
        .map(|(i, d)| (d.primary.span.start(), d.primary.span.end(), i))
        .collect();
    places.sort_by(|a, b| {
        (a.0, a.1)
            .cmp(&(b.0, b.1))
            .then_with(|| order(&diagnostics[a.2], &diagnostics[b.2]))
    });
    // Each finding moved once to its place, cycle by cycle: `places[k].2` is the finding that
    // goes to `k`.
    for start in 0..places.len() {
        let mut k = start;
        while places[k].2 != start {
            let from = places[k].2;
            diagnostics.swap(k, from);
            places[k].2 = k;
            k = from;
        }
        places[k].2 = k;
    }
}

/// A file's findings, in report order.
#[derive(Default)]
pub struct Findings {
    /// Every finding, unless they are on disk: then none.
    held: Vec<Diagnostic>,
    spilled: Option<Sealed>,
}

impl std::fmt::Debug for Findings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl From<Vec<Diagnostic>> for Findings {
    /// Findings already in report order.
    fn from(held: Vec<Diagnostic>) -> Self {
        Findings {
            held,
            spilled: None,
        }
    }
}

impl Findings {
    /// Where a file's findings go as they are made: held up to `budget` bytes, then set aside
    /// in runs sorted in report order. [`Findings::settle`] makes them the file's findings.
    pub fn spill(budget: usize) -> Spill<Diagnostic> {
        Spill::sorting(budget, order)
    }

    /// The findings a spill was given, in report order: on disk if it had set any aside, else
    /// sorted in memory.
    pub fn settle(spill: Spill<Diagnostic>) -> std::io::Result<Findings> {
        if !spill.on_disk() {
            let mut held = spill.into_held();
            sort(&mut held);
            return Ok(Findings::from(held));
        }
        Ok(Findings {
            held: Vec::new(),
            spilled: Some(spill.seal(&order)?),
        })
    }

    pub fn len(&self) -> usize {
        self.spilled.as_ref().map_or(self.held.len(), Sealed::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether they are on disk.
    pub fn spilled(&self) -> bool {
        self.spilled.is_some()
    }

    /// Each finding in report order: borrowed if held, read back if set aside. A set-aside
    /// finding that cannot be read back ends the list with a finding that says so, so that a
    /// report is never silently short.
    pub fn iter(&self) -> Iter<'_> {
        Iter(match &self.spilled {
            None => IterRepr::Held(self.held.iter()),
            Some(s) => match s.merge(order as fn(&Diagnostic, &Diagnostic) -> Ordering) {
                Ok(m) => IterRepr::Merged(Box::new(m)),
                Err(e) => IterRepr::Failed(Some(e)),
            },
        })
    }

    /// The first finding in report order.
    pub fn first(&self) -> Option<Cow<'_, Diagnostic>> {
        self.iter().next()
    }

    /// The findings in memory, to be changed: set-aside findings are read back first (a
    /// report built by hand, or changed after the fact, is small).
    pub fn to_mut(&mut self) -> &mut Vec<Diagnostic> {
        if self.spilled.is_some() {
            self.held = self.to_vec();
            self.spilled = None;
        }
        &mut self.held
    }

    /// A copy of every finding, in report order.
    pub fn to_vec(&self) -> Vec<Diagnostic> {
        self.iter().map(Cow::into_owned).collect()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.to_mut().push(d);
    }

    /// Keeps the findings `keep` says to, calling it once for each in report order. Set-aside
    /// findings stay on disk: those kept are set aside anew.
    pub fn retain(&mut self, mut keep: impl FnMut(&Diagnostic) -> bool) {
        if self.spilled.is_none() {
            self.held.retain(|d| keep(d));
            return;
        }
        let mut kept = Findings::spill(crate::spill::BUDGET);
        let mut failed = None;
        for d in self.iter() {
            if keep(&d) {
                if let Err(e) = kept.push(d.into_owned()) {
                    failed = Some(e);
                    break;
                }
            }
        }
        *self = match failed.map_or_else(|| Findings::settle(kept), Err) {
            Ok(f) => f,
            Err(e) => Findings::from(vec![lost(&e)]),
        };
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = Cow<'a, Diagnostic>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

pub struct Iter<'a>(IterRepr<'a>);

type Merged = Merge<Diagnostic, fn(&Diagnostic, &Diagnostic) -> Ordering>;

enum IterRepr<'a> {
    Held(std::slice::Iter<'a, Diagnostic>),
    Merged(Box<Merged>),
    Failed(Option<std::io::Error>),
}

impl<'a> Iterator for Iter<'a> {
    type Item = Cow<'a, Diagnostic>;

    fn next(&mut self) -> Option<Cow<'a, Diagnostic>> {
        match &mut self.0 {
            IterRepr::Held(it) => it.next().map(Cow::Borrowed),
            IterRepr::Merged(m) => match m.next_entry() {
                Ok(d) => d.map(Cow::Owned),
                Err(e) => {
                    self.0 = IterRepr::Failed(None);
                    Some(Cow::Owned(lost(&e)))
                }
            },
            IterRepr::Failed(e) => e.take().map(|e| Cow::Owned(lost(&e))),
        }
    }
}

/// The finding in place of those that could not be read back from the temporary file.
fn lost(e: &std::io::Error) -> Diagnostic {
    spill_failed(format!("无法从临时文件读回本文件的其余问题：{e}"))
}

/// A file whose findings could not be set aside or read back: reported on the file, with
/// what to look at (the temporary directory, not the file).
pub fn spill_failed(message: String) -> Diagnostic {
    Diagnostic::new(
        &codes::UNREADABLE,
        message,
        Label::new(Span::empty(0), "文件"),
    )
    .with_help("检查临时目录（TMPDIR）所在磁盘的剩余空间与写入权限，然后重新检查该文件")
}

/// A finding as bytes: every text it holds, length-prefixed, and its spans. What it shares
/// with other findings (its code's name and help) is written out too, and shared again on
/// reading where it is a built-in code's own.
impl Record for Diagnostic {
    fn write(&self, out: &mut Vec<u8>) {
        let mut w = Writer(out);
        w.byte(match self.severity {
            Severity::Error => 0,
            Severity::Warning => 1,
            Severity::Info => 2,
        });
        w.text(&self.code);
        // A built-in code's own name and help are its index in the table.
        match builtin(&self.code).filter(|(_, c)| Arc::ptr_eq(&c.shared().origin, &self.origin)) {
            Some((i, _)) => {
                w.byte(1);
                w.number(i);
            }
            None => {
                w.byte(0);
                w.text(&self.origin.name);
                w.maybe(self.origin.pack.as_deref());
                w.maybe(self.origin.help.as_deref());
            }
        }
        w.text(&self.message);
        w.label(&self.primary);
        w.number(self.secondary.len());
        for l in &self.secondary {
            w.label(l);
        }
        w.maybe(self.form.as_deref());
        match &self.fix {
            None => w.byte(0),
            Some(f) => {
                w.byte(1 + u8::from(f.safe));
                w.text(&f.description);
                w.number(f.edits.len());
                for e in &f.edits {
                    w.span(e.span);
                    w.text(&e.text);
                }
            }
        }
    }

    fn read(bytes: &[u8]) -> Diagnostic {
        // Bytes this process wrote a moment ago: a short or garbled record reads as empty
        // texts and zero spans rather than failing, and the file's length check has already
        // caught a truncated run.
        let mut r = Reader(bytes);
        let severity = match r.byte() {
            0 => Severity::Error,
            1 => Severity::Warning,
            _ => Severity::Info,
        };
        let code = r.text();
        let shared = match r.byte() {
            1 => codes::ALL.get(r.number()).map(|c| c.shared()),
            _ => None,
        };
        let (code, origin) = match shared {
            Some(shared) => (shared.code.clone(), shared.origin.clone()),
            None => (
                code.into(),
                Arc::new(Origin {
                    name: r.text().into(),
                    pack: r.maybe().map(Into::into),
                    help: r.maybe().map(Into::into),
                }),
            ),
        };
        let message = r.text().to_owned();
        let primary = r.label();
        let n = r.number();
        let secondary = (0..n).map(|_| r.label()).collect();
        let form = r.maybe().map(Shared::from);
        let fix = match r.byte() {
            0 => None,
            tag => {
                let description = r.text().to_owned();
                let n = r.number();
                let edits = (0..n)
                    .map(|_| Edit {
                        span: r.span(),
                        text: r.text().to_owned(),
                    })
                    .collect();
                Some(Box::new(Fix {
                    safe: tag == 2,
                    description,
                    edits,
                }))
            }
        };
        Diagnostic {
            code,
            origin,
            severity,
            message,
            primary,
            secondary,
            form,
            fix,
        }
    }

    fn weight(&self) -> usize {
        std::mem::size_of::<Diagnostic>()
            + self.message.capacity()
            + self.secondary.capacity() * std::mem::size_of::<Label>()
            + self.fix.as_ref().map_or(0, |f| {
                std::mem::size_of::<Fix>()
                    + f.description.len()
                    + f.edits.iter().map(|e| 24 + e.text.len()).sum::<usize>()
            })
    }
}

/// A built-in code and its place in the table, which is in code order.
fn builtin(code: &str) -> Option<(usize, &'static codes::Code)> {
    let i = codes::ALL.binary_search_by(|c| c.code.cmp(code)).ok()?;
    Some((i, codes::ALL[i]))
}

struct Writer<'a>(&'a mut Vec<u8>);

impl Writer<'_> {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    fn number(&mut self, n: usize) {
        self.0.extend_from_slice(&(n as u32).to_le_bytes());
    }

    fn text(&mut self, t: &str) {
        self.number(t.len());
        self.0.extend_from_slice(t.as_bytes());
    }

    fn maybe(&mut self, t: Option<&str>) {
        match t {
            None => self.byte(0),
            Some(t) => {
                self.byte(1);
                self.text(t);
            }
        }
    }

    fn span(&mut self, s: Span) {
        self.number(s.start());
        self.number(s.end());
    }

    fn label(&mut self, l: &Label) {
        self.span(l.span);
        self.text(&l.message);
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }

    fn byte(&mut self) -> u8 {
        self.take(1).first().copied().unwrap_or(0)
    }

    fn number(&mut self) -> usize {
        let mut b = [0u8; 4];
        let got = self.take(4);
        b[..got.len()].copy_from_slice(got);
        u32::from_le_bytes(b) as usize
    }

    fn text(&mut self) -> &'a str {
        let n = self.number();
        std::str::from_utf8(self.take(n)).unwrap_or("")
    }

    fn maybe(&mut self) -> Option<&'a str> {
        (self.byte() == 1).then(|| self.text())
    }

    fn span(&mut self) -> Span {
        let start = self.number();
        let end = self.number().max(start);
        Span::new(start, end)
    }

    fn label(&mut self) -> Label {
        let span = self.span();
        Label::new(span, self.text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings() -> Vec<Diagnostic> {
        let plain = |at: usize, message: &str| {
            Diagnostic::new(
                &codes::INDICATOR_WITHOUT_VALUE,
                message,
                Label::new(Span::new(at, at + 3), crate::shared!("此处应有指标值")),
            )
        };
        let mut all: Vec<Diagnostic> = (0..200)
            .map(|i| {
                plain(
                    (i * 7919) % 101,
                    &format!("年度三级指标“指标{i}”没有指标值"),
                )
            })
            .collect();
        // Ties on position, code and message that differ past them, and every part a
        // finding may have.
        all.push(plain(5, "同一处").with_secondary(Label::new(Span::new(9, 12), "表头")));
        all.push(plain(5, "同一处").with_secondary(Label::new(Span::new(1, 2), "表头")));
        all.push(
            plain(5, "同一处")
                .with_help("另一种说法")
                .with_form(Some("项目甲")),
        );
        let mut fixed = plain(5, "同一处");
        fixed.fix = Some(Box::new(Fix {
            safe: true,
            description: "改写单位".into(),
            edits: vec![Edit {
                span: Span::new(5, 8),
                text: "人/年".into(),
            }],
        }));
        all.push(fixed);
        let mut packed = plain(40, "规则包的问题");
        packed.code = "F001".into();
        packed.origin = Arc::new(Origin {
            name: "funds-sum".into(),
            pack: Some("funds".into()),
            help: None,
        });
        packed.severity = Severity::Warning;
        all.push(packed);
        all
    }

    /// A finding written and read back is the same finding, and a built-in code's shares its
    /// name and help again.
    #[test]
    fn findings_read_back_are_the_findings_written() {
        for d in findings() {
            let mut bytes = Vec::new();
            d.write(&mut bytes);
            let back = Diagnostic::read(&bytes);
            assert_eq!(format!("{back:?}"), format!("{d:?}"));
            assert_eq!(order(&back, &d), Ordering::Equal);
            if d.pack().is_none() && d.help() == codes::INDICATOR_WITHOUT_VALUE.help {
                assert!(Arc::ptr_eq(&back.origin, &d.origin));
            }
        }
        // Cut short, a record reads as what it holds, without a panic.
        let mut bytes = Vec::new();
        findings()[0].write(&mut bytes);
        for n in 0..bytes.len() {
            let _ = Diagnostic::read(&bytes[..n]);
        }
    }

    /// Sorting the findings' places and moving each finding once gives the order sorting the
    /// findings themselves gives, from any starting order: places shared by several findings,
    /// ties broken past the place, findings already in place, and cycles of every length.
    #[test]
    fn sorting_places_gives_the_order_of_sorting_findings() {
        let all = findings();
        let shown = |d: &[Diagnostic]| d.iter().map(|d| format!("{d:?}")).collect::<Vec<_>>();
        let mut want = all.clone();
        want.sort_unstable_by(order);
        let n = all.len();
        for stride in [1, 2, 3, 7, 101, n - 1] {
            for shift in [0, 1, n / 2] {
                let mut mixed: Vec<Diagnostic> = (0..n)
                    .map(|i| all[(i * stride + shift) % n].clone())
                    .collect();
                if (0..n)
                    .map(|i| (i * stride) % n)
                    .collect::<std::collections::BTreeSet<_>>()
                    .len()
                    < n
                {
                    continue;
                }
                sort(&mut mixed);
                assert_eq!(
                    shown(&mixed),
                    shown(&want),
                    "stride {stride}, shift {shift}"
                );
            }
        }
        let mut sorted = want.clone();
        sort(&mut sorted);
        assert_eq!(shown(&sorted), shown(&want));
        let mut none: Vec<Diagnostic> = Vec::new();
        sort(&mut none);
    }

    /// Set aside in runs of any size and merged, findings come back in the order sorting them
    /// in memory gives, as often as they are read; kept ones stay in that order.
    #[test]
    fn findings_set_aside_come_back_in_report_order() {
        let all = findings();
        let mut expected = all.clone();
        sort(&mut expected);
        let shown = |it: Iter<'_>| it.map(|d| format!("{d:?}")).collect::<Vec<_>>();
        let want: Vec<String> = expected.iter().map(|d| format!("{d:?}")).collect();
        // Even budgets sort each run as it is set aside, odd ones when sealed.
        for budget in [0, 1, 300, 301, 4000, 4001, usize::MAX] {
            let mut spill = if budget % 2 == 0 {
                Findings::spill(budget)
            } else {
                Spill::new(budget)
            };
            for d in all.iter().rev() {
                spill.push(d.clone()).unwrap();
            }
            let mut f = Findings::settle(spill).unwrap();
            assert_eq!(f.spilled(), budget < 100_000, "{budget}");
            assert_eq!(f.len(), all.len());
            assert_eq!(shown(f.iter()), want, "{budget} bytes held");
            assert_eq!(shown(f.iter()), want, "read twice");
            let mut seen = Vec::new();
            f.retain(|d| {
                seen.push(format!("{d:?}"));
                d.primary.span.start() % 2 == 0
            });
            assert_eq!(seen, want, "retain sees each once, in order");
            let kept: Vec<String> = expected
                .iter()
                .filter(|d| d.primary.span.start() % 2 == 0)
                .map(|d| format!("{d:?}"))
                .collect();
            assert_eq!(shown(f.iter()), kept);
            assert_eq!(f.len(), kept.len());
            f.push(findings().remove(0));
            assert_eq!(f.len(), kept.len() + 1);
        }
    }

    /// Findings that cannot be read back from disk end the list with a finding that says so
    /// and how to fix it, never a panic or a silently short report.
    #[test]
    fn findings_lost_on_disk_are_reported() {
        let mut spill = Findings::spill(300);
        for d in findings() {
            spill.push(d).unwrap();
        }
        let f = Findings::settle(spill).unwrap();
        let file = f.spilled.as_ref().and_then(Sealed::file).unwrap();
        file.set_len(file.metadata().unwrap().len() / 2).unwrap();
        let read: Vec<Diagnostic> = f.iter().map(Cow::into_owned).collect();
        assert!(read.len() < f.len(), "{} of {}", read.len(), f.len());
        let last = read.last().unwrap();
        assert_eq!(last.code, "I001");
        assert!(
            last.message.contains("无法从临时文件读回"),
            "{}",
            last.message
        );
        assert!(last.help().unwrap().contains("TMPDIR"));
        assert_eq!(read.iter().filter(|d| d.code == "I001").count(), 1);
    }

    /// Findings that differ never tie, so no order of the rules shows through.
    #[test]
    fn only_identical_findings_tie() {
        let all = findings();
        for a in &all {
            for b in &all {
                if order(a, b) == Ordering::Equal {
                    assert_eq!(format!("{a:?}"), format!("{b:?}"));
                }
            }
        }
    }
}
