//! The audit report: one self-contained HTML page (no network, no external assets) that an
//! auditor can read offline, print on A4, and hand to the units that must correct their
//! forms. Charts are inline SVG; the only script sorts the unit table.

use super::stream::{Part, Piece, Pieces, Sink};
use super::{form_index, FileReport, Tally};
use crate::diagnostics::{quoted, Diagnostic, Severity};
use crate::model::{Cell, Document, Form, RowsKept, Span, Touched};
use crate::rules::eval::format_number;
use crate::spill::{self, Record, Spill};
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::fmt::Write as _;

/// Forms with findings beyond this many are listed compactly instead of in full, so that a
/// report of a province's 100 000 forms stays small enough to open.
pub const DETAIL_LIMIT: usize = 3000;

/// `s` with HTML's special characters escaped, written where it is formatted: the report
/// escapes every cell and message it shows, and a string made for each was a tenth of what
/// writing the report cost. The special characters are all ASCII, so never part of a longer
/// UTF-8 sequence: the text between them is written a run at a time.
fn esc(s: &str) -> Esc<'_> {
    Esc(s)
}

struct Esc<'a>(&'a str);

impl std::fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(i) = rest
            .bytes()
            .position(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\''))
        {
            f.write_str(&rest[..i])?;
            f.write_str(match rest.as_bytes()[i] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[i + 1..];
        }
        f.write_str(rest)
    }
}

/// A count with thousands separators (`400,000`).
fn count(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn severity_text(s: Severity) -> (&'static str, &'static str) {
    match s {
        Severity::Error => ("error", "✖ 错误"),
        Severity::Warning => ("warning", "⚠ 警告"),
        Severity::Info => ("info", "ℹ 提示"),
    }
}

/// A form and what was found on it.
struct FormEntry<'a> {
    doc: &'a Document,
    form: &'a Form,
    findings: Vec<&'a Diagnostic>,
    errors: usize,
    warnings: usize,
    infos: usize,
}

impl FormEntry<'_> {
    fn unit(&self) -> String {
        self.form
            .implementing_unit
            .value
            .as_deref()
            .or_else(|| self.form.department.value.as_ref().map(|d| d.name.as_str()))
            .map_or("（未填实施单位）".into(), quoted)
            .into_owned()
    }

    /// The funds a project form covers. A department form's total already contains its
    /// projects, so it counts as nothing here.
    fn funds(&self) -> Decimal {
        if self.form.kind != crate::model::FormKind::Project {
            return Decimal::ZERO;
        }
        self.form
            .funds_annual
            .total
            .value
            .or(self.form.funds_implementation.total.value)
            .unwrap_or_default()
    }
}

#[derive(Default)]
struct UnitStats {
    forms: usize,
    with_findings: usize,
    errors: usize,
    warnings: usize,
    infos: usize,
    funds: Decimal,
    affected: Decimal,
}

const STYLE: &str = r#"
:root { --error:#b42318; --warning:#b54708; --info:#175cd3; --hit:#fff1c2; --line:#d0d5dd; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", "Heiti SC", sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 24px; color: #101828; line-height: 1.5; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 19px; margin-top: 32px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 20px 0 6px; } h3 small { font-weight: normal; color: #475467; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f4f7; } td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 140px; }
.card b { display: block; font-size: 22px; }
.sev { font-weight: bold; white-space: nowrap; } .sev.error { color: var(--error); } .sev.warning { color: var(--warning); } .sev.info { color: var(--info); }
td.hit { background: var(--hit); outline: 2px solid var(--warning); } td.hit.primary { outline-color: var(--error); }
ol.findings { margin: 6px 0 0; padding-left: 22px; font-size: 14px; } ol.findings li { margin: 3px 0; }
ol.findings .help { color: #475467; display: block; }
code { font-family: ui-monospace, "SFMono-Regular", Consolas, monospace; background: #f2f4f7; padding: 0 3px; border-radius: 3px; }
section.form { break-inside: avoid; border-top: 1px dashed var(--line); content-visibility: auto; contain-intrinsic-size: auto 480px; }
details > summary { cursor: pointer; font-weight: bold; margin: 8px 0; }
th[data-sort] { cursor: pointer; } th[data-sort]::after { content: " ⇅"; color: #98a2b3; }
svg text { font-size: 12px; fill: #101828; } svg .bar { fill: #3e63dd; } svg .bar.err { fill: var(--error); }
.muted { color: #475467; font-size: 13px; }
@page { size: A4; margin: 12mm; }
@media print { body { max-width: none; padding: 0; } th[data-sort]::after { content: ""; } a { color: inherit; text-decoration: none; } section.form { content-visibility: visible; } }
"#;

/// Sorts the unit table when a header is clicked; numbers sort as numbers.
const SCRIPT: &str = r#"
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th[data-sort]').forEach(function (th, index) {
    th.setAttribute('tabindex', '0');
    var sort = function () {
      var body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var numeric = th.getAttribute('data-sort') === 'num';
      var down = th.getAttribute('aria-sort') !== 'descending';
      rows.sort(function (a, b) {
        var x = a.cells[index].getAttribute('data-value') || a.cells[index].textContent;
        var y = b.cells[index].getAttribute('data-value') || b.cells[index].textContent;
        var c = numeric ? (parseFloat(x) - parseFloat(y)) : x.localeCompare(y, 'zh');
        return down ? -c : c;
      });
      table.querySelectorAll('th[data-sort]').forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', down ? 'descending' : 'ascending');
      rows.forEach(function (r) { body.appendChild(r); });
    };
    th.addEventListener('click', sort);
    th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sort(); } });
  });
});
document.body.setAttribute('data-ready', '1');
"#;

/// A horizontal bar chart as inline SVG.
fn bar_chart(title: &str, rows: &[(String, usize, bool)]) -> String {
    let (label_w, bar_w, row_h) = (260.0, 560.0, 20.0);
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    let height = row_h * rows.len() as f64 + 8.0;
    let mut s = format!(
        r#"<figure><svg role="img" aria-label="{}" width="100%" viewBox="0 0 {} {height}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(title),
        label_w + bar_w + 60.0
    );
    for (i, (label, n, err)) in rows.iter().enumerate() {
        let y = i as f64 * row_h + 4.0;
        let w = (*n as f64 / max * bar_w).max(1.0);
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect class="bar{}" x="{label_w}" y="{y}" width="{w:.1}" height="{}"><title>{}：{n}</title></rect><text x="{}" y="{}">{n}</text>"#,
            label_w - 6.0,
            y + 13.0,
            esc(label),
            if *err { " err" } else { "" },
            row_h - 6.0,
            esc(label),
            label_w + w + 4.0,
            y + 13.0,
        );
    }
    s.push_str("</svg>");
    let _ = write!(
        s,
        "<figcaption class=\"muted\">{}</figcaption></figure>",
        esc(title)
    );
    s
}

/// Where the findings of a form point, to ask of each cell drawn whether one points at it.
/// Kept as sorted places ([`Touched`]), so each cell is a few comparisons however many
/// findings its form has: compared with each finding's labels in turn, a form of 2,000 rows
/// and as many findings took three quarters of writing its report.
struct Marks {
    any: Touched,
    primary: Touched,
}

impl Marks {
    fn of(findings: &[&Diagnostic]) -> Marks {
        let primary = || findings.iter().map(|d| d.primary.span);
        let secondary = findings
            .iter()
            .flat_map(|d| d.secondary.iter().map(|l| l.span));
        Marks {
            any: Touched::new(primary().chain(secondary)),
            primary: Touched::new(primary()),
        }
    }

    /// Whether a finding points at `span` ([`Span::touches`]), and if so whether one does as
    /// its primary place.
    fn hit(&self, span: Span) -> Option<bool> {
        if self.primary.touches(span) {
            Some(true)
        } else {
            self.any.touches(span).then_some(false)
        }
    }
}

fn cell_td<T>(cell: &Cell<T>, marks: &Marks, show: impl Fn(&T) -> String) -> String {
    td(cell.span, cell.value.as_ref().map(show).as_deref(), marks)
}

/// A cell of a form's section: its text (or that it is empty), marked if a finding points at
/// it, as the primary place if any finding's primary label does. A cell is marked whole, so a
/// long one is shown as findings quote it.
fn td(span: Span, text: Option<&str>, marks: &Marks) -> String {
    let class = match marks.hit(span) {
        Some(true) => r#" class="hit primary""#,
        Some(false) => r#" class="hit""#,
        None => "",
    };
    match text {
        Some(text) => format!("<td{class}>{}</td>", esc(&quoted(text))),
        None => format!("<td{class}><span class=\"muted\">（空）</span></td>"),
    }
}

/// How a form's section begins, up to its number (`<section class="form" id="f3`): the
/// number is its place among the run's forms with findings, which only the writer knows.
const SECTION_START: &str = "<section class=\"form\" id=\"f";

/// A form's section from where its number ends: it is rendered on the thread that linted
/// the form, before the number is known.
fn form_section(e: &FormEntry<'_>) -> String {
    let f = e.form;
    let m = Marks::of(&e.findings);
    let line = e.doc.line_col(f.span.start()).line;
    let mut s = format!(
        "\" data-form=\"{}\"><h3>{}<small> · {} · {}，第 {line} 行</small></h3>",
        esc(&quoted(f.display_name().unwrap_or(""))),
        esc(&quoted(f.name_or_blank())),
        esc(&e.unit()),
        esc(&e.doc.path)
    );
    s.push_str("<table class=\"cells\"><tbody>");
    let money = |d: &Decimal| format!("{} 元", format_number(*d));
    let _ = write!(
        s,
        "<tr><th scope=\"row\">项目属性 / 项目期</th>{}{}</tr>",
        cell_td(&f.attribute, &m, ToString::to_string),
        cell_td(&f.period, &m, ToString::to_string)
    );
    let _ = write!(
        s,
        "<tr><th scope=\"row\">资金总额 实施期 / 年度</th>{}{}</tr>",
        cell_td(&f.funds_implementation.total, &m, money),
        cell_td(&f.funds_annual.total, &m, money)
    );
    // The rows a finding points into: those `RowsKept::Touched` keeps.
    for h in f.drawn_halves() {
        let involved = h.cells().into_iter().any(|cell| m.any.touches(cell));
        if !involved {
            continue;
        }
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{} · {}</th>{}{}</tr>",
            if h.annual { "年度" } else { "实施期" },
            esc(h.level2.unwrap_or("")),
            td(h.name.0, h.name.1, &m),
            td(h.value.0, h.value.1, &m)
        );
    }
    s.push_str("</tbody></table><ol class=\"findings\">");
    for d in &e.findings {
        let (class, text) = severity_text(d.severity);
        let at = e.doc.line_col(d.primary.span.start()).line;
        let _ = write!(
            s,
            "<li class=\"{class}\"><span class=\"sev {class}\">{text}</span> <code>{}</code> {}<span class=\"muted\">（第 {at} 行）</span>",
            esc(&d.code),
            esc(&d.message)
        );
        if let Some(h) = d.help() {
            let _ = write!(s, "<span class=\"help\">修改建议：{}</span>", esc(h));
        }
        s.push_str("</li>");
    }
    s.push_str("</ol></section>");
    s
}

/// A form with findings, as the report sorts and lists it. Its section and its line in the
/// brief list were rendered when it arrived; a long run sets these entries aside on disk
/// (`spill`).
struct Listed {
    /// Index into `Stream::units`.
    unit: u32,
    errors: u32,
    funds: Decimal,
    /// The section, then the line: one piece cut at `split`, so one offset is kept.
    piece: Piece,
    split: u32,
}

impl Record for Listed {
    fn weight(&self) -> usize {
        std::mem::size_of::<Listed>()
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.unit.to_le_bytes());
        out.extend_from_slice(&self.errors.to_le_bytes());
        out.extend_from_slice(&self.funds.serialize());
        out.extend_from_slice(&self.piece.at.to_le_bytes());
        out.extend_from_slice(&self.piece.len.to_le_bytes());
        out.extend_from_slice(&self.split.to_le_bytes());
    }

    fn read(b: &[u8]) -> Listed {
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        Listed {
            unit: u32_at(0),
            errors: u32_at(4),
            funds: Decimal::deserialize(b[8..24].try_into().expect("16 bytes")),
            piece: Piece {
                at: u64::from_le_bytes(b[24..32].try_into().expect("8 bytes")),
                len: u32_at(32),
            },
            split: u32_at(36),
        }
    }
}

impl Listed {
    fn section(&self) -> Piece {
        self.piece.split(self.split).0
    }

    fn brief(&self) -> Piece {
        self.piece.split(self.split).1
    }
}

/// The HTML report as the run goes. Forms are listed by unit and units ranked by their
/// totals, so nothing can be written before the end; each form's section is rendered while
/// its file is at hand and set aside, and what the sort reads is set aside too past a few
/// megabytes, so memory does not grow with the number of forms (only with the units').
pub struct Stream {
    pieces: Pieces,
    listed: Spill<Listed>,
    /// Findings outside any form (tables, prose, unreadable files), in run order.
    loose: Pieces,
    any_loose: bool,
    /// Each unit's totals, in the order units first appear.
    units: Vec<(String, UnitStats)>,
    unit_of: HashMap<String, u32>,
    total_funds: Decimal,
    affected: Decimal,
    /// The first three files, named in the header.
    paths: Vec<String>,
    /// A form's section and brief line, put together here before they are set aside.
    section: String,
}

impl Stream {
    /// Sections set aside on disk, for a run of any size.
    pub fn new() -> std::io::Result<Stream> {
        Ok(Stream::with(
            Pieces::disk()?,
            Pieces::disk()?,
            spill::BUDGET,
        ))
    }

    /// `held`: how many bytes of forms' entries are held before they are set aside.
    fn with(pieces: Pieces, loose: Pieces, held: usize) -> Stream {
        Stream {
            pieces,
            listed: Spill::new(held),
            loose,
            any_loose: false,
            units: Vec::new(),
            unit_of: HashMap::new(),
            total_funds: Decimal::ZERO,
            affected: Decimal::ZERO,
            paths: Vec::new(),
            section: String::new(),
        }
    }

    /// A file's part taken as it is rendered, a form at a time: a file handed over whole is a
    /// large one linted alone, and its sections held until the last was rendered were a fifth
    /// of its run's memory.
    fn add(&mut self, r: &FileReport) -> std::io::Result<()> {
        self.take_file(r.document.path.clone(), &loose_findings(r))?;
        each_form(r, |part| self.take_form(part))
    }

    /// Counts a file's forms for their units and sets aside the sections of those with
    /// findings, numbered in the order they come.
    fn take(&mut self, part: FilePart) -> std::io::Result<()> {
        self.take_file(part.path, &part.loose)?;
        for form in part.forms {
            self.take_form(form)?;
        }
        Ok(())
    }

    /// A file's path and its findings outside any form.
    fn take_file(&mut self, path: String, loose: &[String]) -> std::io::Result<()> {
        if self.paths.len() < 3 {
            self.paths.push(path);
        }
        for item in loose {
            self.loose.put(item)?;
            self.any_loose = true;
        }
        Ok(())
    }

    /// Counts a form for its unit and sets aside its section if it has findings.
    fn take_form(&mut self, form: FormPart) -> std::io::Result<()> {
        let unit = match self.unit_of.get(&form.unit) {
            Some(&i) => i,
            None => {
                let i = u32::try_from(self.units.len()).map_err(std::io::Error::other)?;
                self.unit_of.insert(form.unit.clone(), i);
                self.units.push((form.unit, UnitStats::default()));
                i
            }
        };
        let u = &mut self.units[unit as usize].1;
        let funds = form.funds;
        u.forms += 1;
        u.funds += funds;
        self.total_funds += funds;
        if form.shown.is_some() {
            u.with_findings += 1;
        }
        u.errors += form.errors;
        u.warnings += form.warnings;
        u.infos += form.infos;
        if form.errors > 0 {
            u.affected += funds;
            self.affected += funds;
        }
        let Some((section, brief)) = form.shown else {
            return Ok(());
        };
        let both = &mut self.section;
        both.clear();
        let _ = write!(both, "{SECTION_START}{}{section}", self.listed.len());
        let split = u32::try_from(both.len()).map_err(std::io::Error::other)?;
        both.push_str(&brief);
        let piece = self.pieces.put(both)?;
        self.listed.push(Listed {
            unit,
            errors: u32::try_from(form.errors).unwrap_or(u32::MAX),
            funds,
            piece,
            split,
        })?;
        Ok(())
    }
}

/// A file's part of the HTML report: what the writer keeps of it, rendered from the file's
/// report alone, on the thread that linted it ([`Sink::render`]), so that the writer only
/// counts and copies.
#[derive(Debug)]
pub struct FilePart {
    path: String,
    /// The findings outside any form, each a list item.
    loose: Vec<String>,
    forms: Vec<FormPart>,
}

#[derive(Debug)]
struct FormPart {
    unit: String,
    funds: Decimal,
    errors: usize,
    warnings: usize,
    infos: usize,
    /// A form with findings: its section from where its number ends, and its line in the
    /// brief list.
    shown: Option<(String, String)>,
}

fn file_part(r: &FileReport) -> FilePart {
    let mut forms = Vec::with_capacity(r.document.forms.len());
    each_form(r, |part| {
        forms.push(part);
        Ok(())
    })
    .expect("nothing to fail in memory");
    FilePart {
        path: r.document.path.clone(),
        loose: loose_findings(r),
        forms,
    }
}

/// A file's findings outside any form, each a list item.
fn loose_findings(r: &FileReport) -> Vec<String> {
    debug_assert!(
        r.document.rows_kept != RowsKept::None,
        "the HTML report draws the rows findings point at: its linter keeps them"
    );
    let mut loose = Vec::new();
    for d in r
        .diagnostics
        .iter()
        .filter(|d| form_index(&r.document, d.primary.span.start()).is_none())
    {
        let (class, text) = severity_text(d.severity);
        loose.push(format!(
            "<li class=\"{class}\"><span class=\"sev {class}\">{text}</span> <code>{}</code> {}：{}</li>",
            esc(&d.code),
            esc(&r.document.path),
            esc(&d.message)
        ));
    }
    loose
}

/// Each form's part, in order, made from its findings: findings in report order come form by
/// form, so one form's are held at a time (a file's may be on disk, read back as they come).
fn each_form(
    r: &FileReport,
    mut take: impl FnMut(FormPart) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let doc = &r.document;
    let mut findings = r
        .diagnostics
        .iter()
        .filter_map(|d| Some((form_index(doc, d.primary.span.start())?, d)))
        .peekable();
    let mut group = Vec::new();
    for (i, form) in doc.forms.iter().enumerate() {
        group.clear();
        while let Some((_, d)) = findings.next_if(|(at, _)| *at <= i) {
            group.push(d);
        }
        take(form_part(doc, form, group.iter().map(|d| &**d).collect()))?;
    }
    Ok(())
}

fn form_part<'r>(doc: &'r Document, form: &'r Form, findings: Vec<&'r Diagnostic>) -> FormPart {
    let count = |s: Severity| findings.iter().filter(|d| d.severity == s).count();
    let e = FormEntry {
        doc,
        form,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        infos: count(Severity::Info),
        findings,
    };
    let unit = e.unit();
    let shown = (!e.findings.is_empty()).then(|| {
        let brief = format!(
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&quoted(form.display_name().unwrap_or(""))),
            esc(&unit),
            e.errors,
            e.warnings,
            e.infos
        );
        (form_section(&e), brief)
    });
    FormPart {
        funds: e.funds(),
        errors: e.errors,
        warnings: e.warnings,
        infos: e.infos,
        unit,
        shown,
    }
}

impl Sink for Stream {
    fn push(&mut self, r: FileReport, _: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.add(&r)
    }

    fn render(&self, r: &FileReport) -> Option<Part> {
        Some(Part {
            unreadable: r.unreadable,
            html: Some(Box::new(file_part(r))),
            ..Part::default()
        })
    }

    fn push_part(&mut self, part: Part, _: &mut dyn std::io::Write) -> std::io::Result<()> {
        match part.html {
            Some(p) => self.take(*p),
            None => Err(std::io::Error::other("HTML 报告收到了其他格式的内容")),
        }
    }

    fn finish(self: Box<Self>, tally: &Tally, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        self.write(tally, out)
    }

    fn rows_drawn(&self) -> RowsKept {
        RowsKept::Touched
    }
}

/// The page for reports already held.
pub fn render(reports: &[FileReport]) -> String {
    let mut stream = Stream::with(Pieces::memory(), Pieces::memory(), usize::MAX);
    let mut tally = Tally::default();
    for r in reports {
        stream.add(r).expect("writes to memory");
        tally.add(r);
    }
    let mut out = Vec::new();
    stream.write(&tally, &mut out).expect("writes to memory");
    String::from_utf8(out).expect("HTML is UTF-8")
}

impl Stream {
    fn write(self, tally: &Tally, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let summary = tally.summary;
        let Stream {
            pieces,
            listed,
            loose,
            any_loose,
            units,
            total_funds,
            affected,
            paths,
            ..
        } = self;
        // Each unit's anchor (`#u3`) is its place in name order.
        let mut by_name: Vec<&str> = units.iter().map(|(n, _)| n.as_str()).collect();
        by_name.sort_unstable();
        let unit_ids: HashMap<&str, usize> =
            by_name.iter().enumerate().map(|(i, n)| (*n, i)).collect();

        let mut s = String::with_capacity(64 * 1024);
        s.push_str("<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>kpilint 绩效目标表审核报告</title><style>");
        s.push_str(STYLE);
        s.push_str("</style></head><body><header><h1>绩效目标表审核报告</h1>");
        let _ = write!(
            s,
            "<p class=\"muted\">kpilint {} · {}{}</p></header><main>",
            env!("CARGO_PKG_VERSION"),
            esc(&paths.join("、")),
            if summary.files > 3 {
                format!(" 等 {} 个文件", summary.files)
            } else {
                String::new()
            }
        );
        s.push_str("<h2 id=\"summary\">概况</h2><div class=\"cards\">");
        for (label, value) in [
            ("文件", count(summary.files)),
            ("表格", count(summary.forms)),
            ("错误", count(summary.errors)),
            ("警告", count(summary.warnings)),
            ("提示", count(summary.infos)),
            ("涉及资金", format!("{} 元", format_number(total_funds))),
            (
                "有错误的表涉及资金",
                format!("{} 元", format_number(affected)),
            ),
        ] {
            let _ = write!(s, "<div class=\"card\">{label}<b>{}</b></div>", esc(&value));
        }
        s.push_str("</div><p class=\"muted\">资金为各项目表的年度资金总额之和（未填时按实施期资金总额），不含部门整体支出表；“有错误的表”指至少有一条错误级发现的表。</p>");

        // Units.
        s.push_str("<h2 id=\"units\">按实施单位</h2><table class=\"sortable\"><thead><tr><th scope=\"col\" data-sort=\"text\">实施单位</th><th scope=\"col\" class=\"num\" data-sort=\"num\">表格</th><th scope=\"col\" class=\"num\" data-sort=\"num\">有发现</th><th scope=\"col\" class=\"num\" data-sort=\"num\">错误</th><th scope=\"col\" class=\"num\" data-sort=\"num\">警告</th><th scope=\"col\" class=\"num\" data-sort=\"num\">提示</th><th scope=\"col\" class=\"num\" data-sort=\"num\">有错误的表涉及资金（元）</th></tr></thead><tbody>");
        let mut unit_rows: Vec<(&String, &UnitStats)> = units.iter().map(|(n, u)| (n, u)).collect();
        unit_rows.sort_by(|a, b| {
            b.1.errors
                .cmp(&a.1.errors)
                .then(b.1.affected.cmp(&a.1.affected))
                .then(a.0.cmp(b.0))
        });
        for (name, u) in &unit_rows {
            let _ = write!(
            s,
            "<tr><td><a href=\"#u{}\">{}</a></td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\" data-value=\"{}\">{}</td></tr>",
            unit_ids[name.as_str()],
            esc(name),
            u.forms,
            u.with_findings,
            u.errors,
            u.warnings,
            u.infos,
            u.affected,
            format_number(u.affected)
        );
        }
        s.push_str("</tbody></table>");

        // Charts.
        s.push_str("<h2 id=\"charts\">分布</h2>");
        let rules: Vec<(String, usize, bool)> = tally
            .rows()
            .into_iter()
            .take(25)
            .map(|(code, name, sev, n)| (format!("{code} {name}"), n, sev == Severity::Error))
            .collect();
        s.push_str(&bar_chart(
            "各规则的发现数（前 25 项；红色为错误级）",
            &rules,
        ));
        let unit_chart: Vec<(String, usize, bool)> = unit_rows
            .iter()
            .filter(|(_, u)| u.errors + u.warnings > 0)
            .take(25)
            .map(|(n, u)| ((*n).clone(), u.errors + u.warnings, u.errors > 0))
            .collect();
        s.push_str(&bar_chart(
            "各实施单位的错误与警告数（前 25 个）",
            &unit_chart,
        ));

        // Forms with findings, by unit.
        s.push_str("<h2 id=\"forms\">各表发现</h2>");
        // Units in the order of the table above, forms by errors and funds within their unit.
        let rank: HashMap<&str, usize> = unit_rows
            .iter()
            .enumerate()
            .map(|(i, (n, _))| (n.as_str(), i))
            .collect();
        let rank_of: Vec<usize> = units.iter().map(|(n, _)| rank[n.as_str()]).collect();
        let with_findings = listed.len();
        if with_findings > DETAIL_LIMIT {
            let _ = write!(
            s,
            "<p>有发现的表共 {} 张；下列详列前 {DETAIL_LIMIT} 张（按单位、错误数、资金排序），其余见末尾的简表。</p>",
            with_findings
        );
        }
        out.write_all(s.as_bytes())?;
        let mut pieces = pieces.read()?;
        let mut current_unit = None;
        let mut listed = listed.sorted_by(|a, b| {
            rank_of[a.unit as usize]
                .cmp(&rank_of[b.unit as usize])
                .then(b.errors.cmp(&a.errors))
                .then(b.funds.cmp(&a.funds))
        })?;
        for l in listed.by_ref().take(DETAIL_LIMIT) {
            let l = l?;
            if current_unit != Some(l.unit) {
                let unit = &units[l.unit as usize].0;
                write!(
                    out,
                    "<h2 class=\"unit\" id=\"u{}\">{}</h2>",
                    unit_ids[unit.as_str()],
                    esc(unit)
                )?;
                current_unit = Some(l.unit);
            }
            pieces.copy(l.section(), out)?;
        }
        if with_findings > DETAIL_LIMIT {
            write!(
            out,
            "<h2 id=\"more\">其余有发现的表</h2><details><summary>展开其余 {} 张表的清单</summary><table><thead>",
            with_findings - DETAIL_LIMIT
        )?;
            out.write_all("<tr><th scope=\"col\">项目名称</th><th scope=\"col\">实施单位</th><th scope=\"col\" class=\"num\">错误</th><th scope=\"col\" class=\"num\">警告</th><th scope=\"col\" class=\"num\">提示</th></tr></thead><tbody>".as_bytes())?;
            for l in listed {
                pieces.copy(l?.brief(), out)?;
            }
            out.write_all(b"</tbody></table></details>")?;
        }
        if any_loose {
            out.write_all("<h2 id=\"files\">文件与规则包</h2><ol class=\"findings\">".as_bytes())?;
            loose.read()?.copy_all(out)?;
            out.write_all(b"</ol>")?;
        }
        let mut s = String::new();
        s.push_str("</main><script>");
        s.push_str(SCRIPT);
        s.push_str("</script></body></html>\n");
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cell is marked as the primary place if any finding's primary label touches it, else
    /// as involved if any label does: what comparing it with every label says, for cells
    /// inside, across, beside and between labels, empty ones included.
    #[test]
    fn marks_say_what_comparing_with_every_label_says() {
        use crate::diagnostics::{codes, Label};
        let finding = |primary: Span, secondary: &[Span]| {
            let mut d = Diagnostic::new(&codes::UNREADABLE, "", Label::new(primary, ""));
            for &s in secondary {
                d = d.with_secondary(Label::new(s, ""));
            }
            d
        };
        let findings = [
            finding(Span::new(10, 20), &[Span::new(30, 40), Span::empty(50)]),
            finding(Span::new(35, 36), &[Span::new(18, 32)]),
            finding(Span::empty(60), &[]),
            finding(Span::new(70, 75), &[Span::new(75, 80)]),
        ];
        let refs: Vec<&Diagnostic> = findings.iter().collect();
        let marks = Marks::of(&refs);
        let by_hand = |span: Span| {
            refs.iter()
                .flat_map(|d| {
                    let secondary = d.secondary.iter().map(|l| (l.span, false));
                    std::iter::once((d.primary.span, true)).chain(secondary)
                })
                .filter(|(s, _)| s.touches(span))
                .map(|(_, primary)| primary)
                .reduce(|a, b| a || b)
        };
        let mut seen = [0; 3];
        for start in 0..85 {
            for end in start..(start + 12).min(86) {
                let span = Span::new(start, end);
                let hit = marks.hit(span);
                assert_eq!(hit, by_hand(span), "{start}..{end}");
                seen[match hit {
                    Some(true) => 0,
                    Some(false) => 1,
                    None => 2,
                }] += 1;
            }
        }
        assert!(seen.iter().all(|&n| n > 0), "{seen:?}");
        assert_eq!(marks.hit(Span::new(31, 33)), Some(false));
        assert_eq!(marks.hit(Span::empty(60)), Some(true));
        assert_eq!(marks.hit(Span::new(76, 78)), Some(false));
        assert_eq!(marks.hit(Span::new(45, 49)), None);
    }

    #[test]
    fn escaping_replaces_each_special_character_and_keeps_the_rest() {
        let esc = |s: &str| esc(s).to_string();
        assert_eq!(esc(""), "");
        assert_eq!(esc("人均成本≤1,000元/人"), "人均成本≤1,000元/人");
        assert_eq!(
            esc("<b>“甲”&'乙'\"丙\"</b>末"),
            "&lt;b&gt;“甲”&amp;&#39;乙&#39;&quot;丙&quot;&lt;/b&gt;末"
        );
        assert_eq!(esc("&&"), "&amp;&amp;");
    }

    /// The page as a run writes it, with its sections and its sort's entries set aside on
    /// disk, the entries `run` at a time.
    fn streamed(reports: &[FileReport], run: usize) -> String {
        let held = run * std::mem::size_of::<Listed>();
        let mut stream = Stream::with(Pieces::disk().unwrap(), Pieces::disk().unwrap(), held);
        let mut tally = Tally::default();
        for r in reports {
            stream.add(r).unwrap();
            tally.add(r);
        }
        let mut out = Vec::new();
        stream.write(&tally, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Many small units with findings in every form, in files of 1,500 forms: more forms
    /// with findings than are detailed, so both the sections and the brief list are sorted.
    fn many_forms() -> Vec<FileReport> {
        (0..3)
            .map(|file| {
                let mut text = String::new();
                for i in file * 1500..(file + 1) * 1500 {
                    // Funds and units vary so that the sort has ties and non-ties to keep.
                    text.push_str(&format!(
                        "项目支出绩效目标表\n项目名称\t项目{i}\n实施单位\t单位{}\n年度资金总额\t{}\n绩效指标\t一级指标\t二级指标\t三级指标\t指标值\n\t产出指标\t数量指标\t甲\t\n{}",
                        i % 37,
                        (i * 7) % 11 * 1000,
                        if i % 3 == 0 { "\t\t质量指标\t乙\t\n" } else { "" }
                    ));
                }
                let ing = crate::ingest::read_text(&format!("f{file}.txt"), text, "UTF-8");
                FileReport {
                    document: ing.document,
                    diagnostics: ing.diagnostics.into(),
                    unreadable: false,
                }
            })
            .collect()
    }

    #[test]
    fn a_report_sorted_on_disk_is_the_one_sorted_in_memory() {
        let mut reports = many_forms();
        // And a real file, with findings outside any form (its budget tables).
        reports.push(crate::cli::lint_file(std::path::Path::new(
            "tests/corpus/000_cb0bcf906edd3817.txt",
        )));
        reports.push(crate::cli::lint_file(std::path::Path::new(
            "tests/no-such-file.txt",
        )));
        let page = render(&reports);
        // Every generated form has findings (its missing categories), and every one of the
        // disclosure's 224 (the last without one, 学费收入补充办学经费, writes 激励 for a
        // 社会效益, V020): 1,724 past the detailed 3,000.
        assert!(page.contains("有发现的表共 4724 张"));
        assert!(page.contains("展开其余 1724 张表的清单"));
        assert!(page.contains("<h2 id=\"files\">"));
        for run in [1, 7, 1000, spill::BUDGET / std::mem::size_of::<Listed>()] {
            assert!(
                streamed(&reports, run) == page,
                "entries set aside {run} at a time"
            );
        }
    }
}
