//! Relations across a document that rules over tables need: which form belongs to which
//! project line of the 项目支出预算表, and which table cell a figure in the prose quotes.
//!
//! Matching is by name, because that is all the two share. Names are compared after
//! normalising what varies without meaning (spaces, brackets, dashes, full-width letters,
//! the 学生资助/资补助 spellings); the same name under several units is told apart by the
//! unit and the amount. What still differs is paired by similarity as a near miss, so the
//! report can show both names instead of two unrelated "missing" findings.

use crate::model::QuickSet;
use crate::model::{BudgetTable, Document, Form, FormKind, RowRole, TableKind};
use rust_decimal::Decimal;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKind {
    /// The names are the same once normalised.
    Exact,
    /// The names differ but are alike enough to be the same project.
    Near,
}

impl MatchKind {
    pub fn key(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Near => "near",
        }
    }
}

/// A project as the document shows it: its line in a 项目支出预算表, its form, or both.
#[derive(Debug, Clone)]
pub struct Project {
    /// (table, row) indexes.
    pub line: Option<(usize, usize)>,
    /// Index into the document's forms.
    pub form: Option<usize>,
    pub kind: Option<MatchKind>,
    /// Name similarity, 0 to 1.
    pub similarity: Decimal,
}

/// Beyond this many leftover (line, form) pairs, near misses are not searched: the
/// comparison is quadratic and a document that large has bigger problems.
const NEAR_PAIR_LIMIT: usize = 1_000_000;
/// Two names at least this alike (bigram Dice) may be the same project.
const NEAR_THRESHOLD: f64 = 0.6;

/// `一中2025年学生资补助（普高）（第一批）-助学金（中央）` → `一中2025年学生资助普高第一批助学金中央`.
///
/// One pass, one string: every form name and every budget line is normalised, and building
/// a vector of characters, searching a string of punctuation for each one and copying the
/// result three times took 2% of a run.
pub fn normalise(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut prev = None;
    for c in name.chars() {
        // Full-width ASCII as ASCII.
        let mut c = match c {
            '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
            other => other,
        };
        // `（第一批）一助学金`: a dash read as 一 after a closing bracket.
        if c == '一' && matches!(prev, Some(')' | '）' | ']' | '】')) {
            c = '-';
        }
        prev = Some(c);
        if !c.is_whitespace() && !is_name_punctuation(c) {
            out.push(c);
        }
    }
    // The budget system spells 学生资助补助 four ways (`资助补助` holds `资助补`).
    if out.contains("资补助") || out.contains("资助补") {
        out = out
            .replace("资助补助", "资助")
            .replace("资补助", "资助")
            .replace("资助补", "资助");
    }
    out
}

/// Brackets, quotes, dashes and separators: what names differ by without being different.
fn is_name_punctuation(c: char) -> bool {
    matches!(
        c,
        '(' | ')'
            | '（'
            | '）'
            | '['
            | ']'
            | '【'
            | '】'
            | '《'
            | '》'
            | '<'
            | '>'
            | '「'
            | '」'
            | '“'
            | '”'
            | '"'
            | '\''
            | '‘'
            | '’'
            | '-'
            | '—'
            | '–'
            | '_'
            | '·'
            | '・'
            | '.'
            | ','
            | '，'
            | '、'
            | ':'
            | '：'
            | ';'
            | '；'
            | '/'
            | '\\'
    )
}

fn bigrams(s: &str) -> QuickSet<(char, char)> {
    let c: Vec<char> = s.chars().collect();
    c.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Dice coefficient over character bigrams: robust to a word dropped or inserted.
pub fn similarity(a: &str, b: &str) -> f64 {
    dice((a, &bigrams(a)), (b, &bigrams(b)))
}

/// [`similarity`] of two names whose bigrams are already collected: near misses compare every
/// leftover line with every leftover form, so each name's bigrams are collected once.
fn dice((a, x): (&str, &QuickSet<(char, char)>), (b, y): (&str, &QuickSet<(char, char)>)) -> f64 {
    if x.is_empty() || y.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let (small, large) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    2.0 * small.iter().filter(|g| large.contains(g)).count() as f64 / (x.len() + y.len()) as f64
}

/// Whether a form's 实施单位 and a table line's unit name the same unit, both [`normalise`]d
/// (once each: matching compares every form with every line of its name).
fn same_unit(form_unit: &str, line_unit: &str) -> bool {
    let (f, u) = (form_unit, line_unit);
    !f.is_empty() && !u.is_empty() && (f.contains(u) || u.contains(f))
}

fn same_amount(form: &Form, amount: Option<Decimal>, scale: Decimal) -> bool {
    match (form.funds_annual.total.value, amount) {
        (Some(yuan), Some(a)) => (yuan / scale).round_dp(2) == a,
        _ => false,
    }
}

struct Line {
    at: (usize, usize),
    name: String,
    /// The unit row the line is under, normalised; empty if none.
    unit: String,
    amount: Option<Decimal>,
    scale: Decimal,
}

pub fn match_projects(doc: &Document) -> Vec<Project> {
    let mut lines: Vec<Line> = Vec::new();
    for (ti, t) in doc.tables.iter().enumerate() {
        if !matches!(t.kind, TableKind::Projects | TableKind::ProjectsCarriedOver) {
            continue;
        }
        for (ri, r) in t.rows.iter().enumerate() {
            if r.role != RowRole::Project {
                continue;
            }
            let unit = r
                .parent
                .filter(|&p| t.rows[p].role == RowRole::Unit)
                .map_or_else(String::new, |p| normalise(t.rows[p].name_text()));
            lines.push(Line {
                at: (ti, ri),
                name: normalise(r.name_text()),
                unit,
                amount: r.cells.first().and_then(|c| c.value),
                scale: t.unit.scale(),
            });
        }
    }
    // Forms are listed without a line only where there are project tables to have found one
    // in; with neither lines nor such tables (a file of forms alone, the usual submission)
    // there is nothing to match, and normalising every form's name and unit for nothing cost
    // some 6,400 instructions a form, 1% of a run.
    let projects_table = doc.tables.iter().any(|t| t.kind == TableKind::Projects);
    if lines.is_empty() && !projects_table {
        return Vec::new();
    }
    let forms: Vec<(usize, String)> = doc
        .forms
        .iter()
        .enumerate()
        .filter(|(_, f)| f.kind == FormKind::Project)
        .map(|(i, f)| (i, normalise(f.name.value.as_deref().unwrap_or(""))))
        .collect();
    let form_units: Vec<String> = forms
        .iter()
        .map(|(i, _)| {
            normalise(
                doc.forms[*i]
                    .implementing_unit
                    .value
                    .as_deref()
                    .unwrap_or(""),
            )
        })
        .collect();
    let mut form_of_line: Vec<Option<(usize, MatchKind, f64)>> = vec![None; lines.len()];
    let mut taken = vec![false; forms.len()];
    // Same normalised name: the unit and the amount decide between namesakes.
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (k, (_, n)) in forms.iter().enumerate() {
        by_name.entry(n.as_str()).or_default().push(k);
    }
    // Best score first, then by line, then by form: the order sorting every (line, namesake)
    // pair would give, without listing the pairs (a file of thousands of forms of one name
    // and a table of thousands of lines of it made that hundreds of megabytes).
    let score = |li: usize, k: usize| {
        let (l, f) = (&lines[li], &doc.forms[forms[k].0]);
        u8::from(same_unit(&form_units[k], &l.unit)) * 2
            + u8::from(same_amount(f, l.amount, l.scale))
    };
    // How many of each name's forms are still free: a name whose forms are all taken is not
    // searched again.
    let mut free: HashMap<&str, usize> = by_name.iter().map(|(n, ks)| (*n, ks.len())).collect();
    for best in (0..=3).rev() {
        for (li, l) in lines.iter().enumerate() {
            let name = l.name.as_str();
            if form_of_line[li].is_some() || free.get(name).is_none_or(|&n| n == 0) {
                continue;
            }
            let pick = by_name[name]
                .iter()
                .copied()
                .find(|&k| !taken[k] && score(li, k) == best);
            if let Some(k) = pick {
                form_of_line[li] = Some((k, MatchKind::Exact, 1.0));
                taken[k] = true;
                *free.get_mut(name).unwrap() -= 1;
            }
        }
    }
    // Near misses among what is left.
    let left_lines: Vec<usize> = (0..lines.len())
        .filter(|&i| form_of_line[i].is_none())
        .collect();
    let left_forms: Vec<usize> = (0..forms.len()).filter(|&k| !taken[k]).collect();
    // Nothing to pair when either side is empty (a file of forms without a budget table): the
    // bigrams of ten thousand form names were built for nothing and held at the run's peak.
    let pairs = left_lines.len() * left_forms.len();
    if pairs > 0 && pairs <= NEAR_PAIR_LIMIT {
        let line_grams: Vec<_> = left_lines
            .iter()
            .map(|&li| bigrams(&lines[li].name))
            .collect();
        let form_grams: Vec<_> = left_forms.iter().map(|&k| bigrams(&forms[k].1)).collect();
        let mut near: Vec<(f64, usize, usize, f64)> = Vec::new();
        for (&li, lg) in left_lines.iter().zip(&line_grams) {
            for (&k, fg) in left_forms.iter().zip(&form_grams) {
                let s = dice((&lines[li].name, lg), (&forms[k].1, fg));
                if s < NEAR_THRESHOLD {
                    continue;
                }
                let f = &doc.forms[forms[k].0];
                let bonus = if same_unit(&form_units[k], &lines[li].unit) {
                    0.1
                } else {
                    0.0
                } + if same_amount(f, lines[li].amount, lines[li].scale) {
                    0.1
                } else {
                    0.0
                };
                near.push((s + bonus, li, k, s));
            }
        }
        near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (_, li, k, s) in near {
            if form_of_line[li].is_none() && !taken[k] {
                form_of_line[li] = Some((k, MatchKind::Near, s));
                taken[k] = true;
            }
        }
    }
    let mut out: Vec<Project> = lines
        .iter()
        .zip(&form_of_line)
        .map(|(l, m)| Project {
            line: Some(l.at),
            form: m.map(|(k, ..)| forms[k].0),
            kind: m.map(|(_, kind, _)| kind),
            similarity: m
                .and_then(|(.., s)| Decimal::from_f64_retain(s))
                .map_or(Decimal::ZERO, |d| d.round_dp(2)),
        })
        .collect();
    // Forms with no line, only when there are project tables to have found one in.
    if !lines.is_empty() || projects_table {
        for (k, (fi, _)) in forms.iter().enumerate() {
            if !taken[k] {
                out.push(Project {
                    line: None,
                    form: Some(*fi),
                    kind: None,
                    similarity: Decimal::ZERO,
                });
            }
        }
    }
    out
}

/// The tables a numbered section of the prose speaks about, most specific first.
fn tables_for_section(section: &str) -> &'static [TableKind] {
    let has = |k: &str| section.contains(k);
    if has("三公") {
        &[TableKind::ThreePublic]
    } else if has("机关运行") {
        &[TableKind::OperatingCosts]
    } else if has("基本支出") {
        &[TableKind::BasicExpenditure, TableKind::GeneralExpenditure]
    } else if has("一般公共预算") {
        &[TableKind::GeneralExpenditure]
    } else if has("财政拨款") {
        &[TableKind::FiscalSummary]
    } else if has("收入预算") {
        &[TableKind::Income, TableKind::Summary]
    } else if has("支出预算") {
        &[TableKind::Expenditure, TableKind::Summary]
    } else if has("收支") {
        &[TableKind::Summary]
    } else {
        &[]
    }
}

/// What a label may say beyond a table's own words (`一般公共预算拨款收入` for the
/// 一般公共预算 column).
fn label_variants(label: &str) -> Vec<String> {
    let mut out = vec![label.to_owned()];
    let mut i = 0;
    while i < out.len() {
        for suffix in ["拨款收入", "收入", "拨款", "预算数", "预算"] {
            if let Some(s) = out[i].strip_suffix(suffix) {
                if s.chars().count() >= 2 && !out.iter().any(|o| o == s) {
                    out.push(s.to_owned());
                }
            }
        }
        i += 1;
    }
    out
}

/// Brackets as the tables print them: `因公出国(境)费` is `因公出国（境）费`.
fn brackets(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '(' => '（',
            ')' => '）',
            other => other,
        })
        .collect()
}

/// The names of a document's table rows as [`quoted`] compares them with a figure's label
/// (numbering stripped, brackets as the tables print them, no spaces), with their lengths in
/// characters, by table and row. Made once per document: made for every figure, for every
/// spelling of its label, they were most of what the rule quoting figures cost (some 2,500
/// names made for the disclosure's 67 figures).
pub struct RowNames(Vec<Vec<(String, usize)>>);

impl RowNames {
    pub fn of(doc: &Document) -> RowNames {
        RowNames(
            (doc.tables.iter())
                .map(|t| {
                    (t.rows.iter())
                        .map(|r| {
                            let name = brackets(crate::model::strip_numbering(r.name_text()));
                            let chars = name.chars().count();
                            (name, chars)
                        })
                        .collect()
                })
                .collect(),
        )
    }
}

/// The cell of the section's table a prose figure quotes: a row whose name the label ends
/// with, or a column of the table's total row. Only an unambiguous reading counts: a label
/// that fits two cells quotes neither. `names` are the document's ([`RowNames::of`]).
pub fn quoted(
    doc: &Document,
    names: &RowNames,
    section: &str,
    label: &str,
) -> Option<(usize, usize, usize)> {
    let label = brackets(label);
    let variants = label_variants(&label);
    for kind in tables_for_section(section) {
        let mut hits: Vec<(usize, usize, usize)> = Vec::new();
        for (ti, t) in doc.tables.iter().enumerate() {
            if t.kind != *kind || t.columns.is_empty() {
                continue;
            }
            hits.extend(quoted_in(ti, t, &names.0[ti], &variants));
        }
        hits.sort_unstable();
        hits.dedup();
        match hits.as_slice() {
            [only] => return Some(*only),
            [] => continue,
            _ => return None,
        }
    }
    None
}

fn quoted_in(
    ti: usize,
    t: &BudgetTable,
    names: &[(String, usize)],
    variants: &[String],
) -> Vec<(usize, usize, usize)> {
    let mut hits = Vec::new();
    for v in variants {
        for (ri, (r, (name, chars))) in t.rows.iter().zip(names).enumerate() {
            if *chars >= 2 && (v == name || v.ends_with(name.as_str()) && *chars >= 3) {
                hits.push((ti, ri, 0));
            }
            if r.role == RowRole::Total && r.parent.is_none() {
                for (ci, c) in t.columns.iter().enumerate() {
                    if c.name.chars().count() >= 2 && v.ends_with(c.name.as_str()) && ci > 0 {
                        hits.push((ti, ri, ci));
                    }
                }
            }
        }
        if !hits.is_empty() {
            break;
        }
    }
    hits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first spelling of [`normalise`], kept to hold the faster one to the same answers.
    fn normalise_before(name: &str) -> String {
        let mut chars: Vec<char> = name
            .chars()
            .map(|c| match c {
                '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
                other => other,
            })
            .collect();
        // `（第一批）一助学金`: a dash read as 一 after a closing bracket.
        for i in 1..chars.len() {
            if chars[i] == '一' && matches!(chars[i - 1], ')' | '）' | ']' | '】') {
                chars[i] = '-';
            }
        }
        let s: String = chars
            .into_iter()
            .filter(|c| {
                !c.is_whitespace()
                    && !"()（）[]【】《》<>「」“”\"'‘’-—–_·・.,，、:：;；/\\".contains(*c)
            })
            .collect();
        // The budget system spells 学生资助补助 four ways.
        let s = s.replace("资助补助", "资助").replace("资补助", "资助");
        s.replace("资助补", "资助")
    }

    proptest::proptest! {
        #[test]
        fn normalising_agrees_with_the_first_spelling(
            t in "[一二中资助补学生金 （）()】]【〔〕—–\\-_·・.,，、:：;；/\\\\\"'‘’“”《》<>「」ＡＺ０９！～a1\\t\u{3000}\u{a0}]{0,16}"
        ) {
            proptest::prop_assert_eq!(normalise(&t), normalise_before(&t));
        }
    }

    #[test]
    fn normalising_the_disclosures_names_as_before() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/corpus/000_cb0bcf906edd3817.txt"
        ))
        .unwrap();
        for cell in text.lines().flat_map(|l| l.split('\t')) {
            assert_eq!(normalise(cell), normalise_before(cell), "{cell}");
        }
    }

    #[test]
    fn normalising_names() {
        assert_eq!(
            normalise("一中2025年学生资补助（普高）（第一批）-助学金（中央）"),
            normalise("一中2025年学生资助普高第一批助学金中央")
        );
        assert_eq!(
            normalise("二中2025年学生资补助（普高）（第一批）一助学金（省级）"),
            normalise("二中2025年学生资补助（普高）（第一批）-助学金（省级）")
        );
        assert_eq!(normalise("一中 2025 年"), "一中2025年");
        assert_eq!(normalise("ＡＢ１"), "AB1");
        assert_ne!(normalise("助学金（中央）"), normalise("助学金（省级）"));
    }

    #[test]
    fn similar_names() {
        let a = normalise("第一职中现代职业教育质量提升（第二批）-特色专业建设（中央）");
        let b =
            normalise("阳泉市第一高级职业中学现代职业教育质量提升（第二批）-特色专业建设（中央）");
        assert!(similarity(&a, &b) >= NEAR_THRESHOLD);
        assert!(similarity("遗属补助", "消防设施设备购置") < 0.2);
    }
}
