//! A corpus generator for benchmarks: N project forms made by varying the real forms of the
//! bundled disclosure, written as many text files as asked.
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --forms 100000 --per-file 100 --out /tmp/corpus
//! ```
//!
//! Each form is a real form with its 项目名称 numbered, its amounts scaled (every amount of the
//! funds block, and every count among its indicator values, by the same factor, so the sums and
//! unit cost × count still hold; costs, percentages and dates are left as written, as they
//! repeat across real forms), its tabs varied the way PDF
//! extractions vary them, a watermark line now and then, and, at `--defects` rate (default
//! 5%), one injected defect of a kind the default packs report: a reversed unit (元/人 →
//! 人/元), a placeholder (XX) or a blank 年度资金总额. The run prints what it injected, so a
//! benchmark can check that the findings scale with it. The same `--seed` gives the same
//! corpus.
//!
//! `--format xlsx` writes the same forms as workbooks, one sheet a form (`--per-file` sheets a
//! workbook), each line a row and each tab-separated field a cell, amounts and other plain
//! numbers stored as numbers: submitted forms are as often spreadsheets as text, and reading a
//! workbook (a zip of XML) costs more than reading its text.

use std::io::Write;
use std::path::PathBuf;

struct Args {
    forms: usize,
    per_file: usize,
    out: PathBuf,
    defects: f64,
    seed: u64,
    xlsx: bool,
}

fn args() -> Result<Args, String> {
    let mut a = Args {
        forms: 10_000,
        per_file: 100,
        out: PathBuf::from("corpus"),
        defects: 0.05,
        seed: 1,
        xlsx: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--forms" => a.forms = value()?.parse().map_err(|e| format!("--forms: {e}"))?,
            "--per-file" => {
                a.per_file = value()?.parse().map_err(|e| format!("--per-file: {e}"))?
            }
            "--out" => a.out = PathBuf::from(value()?),
            "--defects" => a.defects = value()?.parse().map_err(|e| format!("--defects: {e}"))?,
            "--seed" => a.seed = value()?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--format" => {
                a.xlsx = match value()?.as_str() {
                    "txt" => false,
                    "xlsx" => true,
                    other => return Err(format!("--format: {other} (txt or xlsx)")),
                }
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    a.per_file = a.per_file.max(1);
    Ok(a)
}

/// xorshift64*: small, fast, and the same on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The project forms of the disclosure, as text, one block per form.
fn templates() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/000_cb0bcf906edd3817.txt"
    );
    let ing = kpilint::ingest::read_path(std::path::Path::new(path));
    let doc = &ing.document;
    doc.forms
        .iter()
        .filter(|f| f.kind == kpilint::model::FormKind::Project && f.continuations.is_empty())
        .map(|f| {
            // From the title line to the form's last line.
            let start = doc.text[..f.span.start()].rfind('\n').map_or(0, |i| i + 1);
            let end = doc.text[f.span.end()..]
                .find('\n')
                .map_or(doc.text.len(), |i| f.span.end() + i + 1);
            doc.text[start..end].to_owned()
        })
        .collect()
}

/// `1,209,000` × 3 → `3,627,000`, keeping the separators.
fn scale(cell: &str, k: u64) -> Option<String> {
    let digits: String = cell.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 12 {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    let v = (n * k).to_string();
    if !cell.contains(',') {
        return Some(v);
    }
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        if i > 0 && (v.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    Some(out)
}

/// `≥730人次` → `≥1460人次` for k = 2: an indicator value that is a count (a comparator, a
/// whole number, a short unit that is not money, a share, a rate or a date). Costs, unit costs
/// (`850元/生`), percentages (`100百分比` too), dates and years are left alone: costs are
/// checked against the funds, and the rest repeat across real forms.
fn scale_count(cell: &str, k: u64) -> Option<String> {
    let body = ["≥", "≤", ">", "<", "＞", "＜"]
        .iter()
        .find_map(|c| cell.strip_prefix(c))
        .unwrap_or(cell);
    let comparator = &cell[..cell.len() - body.len()];
    let digits = body.len() - body.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (number, unit) = body.split_at(digits);
    if digits == 0 || digits > 9 || number.starts_with('0') || unit.is_empty() {
        return None;
    }
    let plain = |c: char| !c.is_ascii_digit() && !"%％/.．年月日天时元百分倍度".contains(c);
    if !unit.chars().all(plain) || unit.chars().count() > 4 {
        return None;
    }
    let n: u64 = number.parse().ok()?;
    Some(format!("{comparator}{}{unit}", n * k))
}

#[derive(Default)]
struct Injected {
    reversed_unit: usize,
    placeholder: usize,
    blank_annual_total: usize,
}

fn vary(template: &str, serial: usize, rng: &mut Rng, defects: f64, log: &mut Injected) -> String {
    // One form in three keeps its amounts; the rest are scaled by one of 48 factors, so counts
    // vary between forms about as much as between real projects.
    let k = if rng.chance(0.35) {
        1
    } else {
        2 + rng.below(48) as u64
    };
    let defect = rng.chance(defects).then(|| rng.below(3));
    let mut out = String::with_capacity(template.len() + 64);
    let mut in_funds = false;
    let mut in_grid = false;
    let mut injected = false;
    for line in template.lines() {
        let mut cells: Vec<String> = line.split('\t').map(str::to_owned).collect();
        let first = cells.iter().find(|c| !c.trim().is_empty()).cloned();
        let first = first.as_deref().unwrap_or("").trim();
        if first.starts_with("项目资金") {
            in_funds = true;
        } else if first.starts_with("项目概况") || first.starts_with("绩效指标") {
            in_funds = false;
        }
        if first.starts_with("绩效指标") || first.starts_with("年度绩效指标") {
            in_grid = true;
        } else if first.starts_with("负责人") {
            in_grid = false;
        }
        if in_grid && k != 1 {
            for c in cells.iter_mut() {
                if let Some(v) = scale_count(c.trim(), k) {
                    *c = v;
                }
            }
        }
        if first == "项目名称" {
            if let Some(name) = cells.iter_mut().skip(1).find(|c| !c.trim().is_empty()) {
                *name = format!("{}（第{serial}号）", name.trim());
            }
        }
        if in_funds {
            for c in cells.iter_mut() {
                if let Some(v) = scale(c.trim(), k) {
                    *c = v;
                }
            }
            if defect == Some(2) && !injected && line.contains("年度资金总额") {
                // The cell after the 年度资金总额 label is left blank.
                if let Some(i) = cells.iter().position(|c| c.contains("年度资金总额")) {
                    if let Some(c) = cells.iter_mut().skip(i + 1).find(|c| !c.trim().is_empty()) {
                        c.clear();
                        injected = true;
                        log.blank_annual_total += 1;
                    }
                }
            }
        }
        if !injected && defect == Some(0) {
            if let Some(c) = cells.iter_mut().find(|c| c.contains("元/人")) {
                *c = c.replacen("元/人", "人/元", 1);
                injected = true;
                log.reversed_unit += 1;
            }
        }
        if !injected && defect == Some(1) {
            if let Some(c) = cells
                .iter_mut()
                .find(|c| c.trim().ends_with('%') && c.trim().len() <= 6)
            {
                *c = "XX%".into();
                injected = true;
                log.placeholder += 1;
            }
        }
        // Extractions print the same grid with varying numbers of tabs.
        let mut joined = cells.join("\t");
        if rng.chance(0.1) {
            joined.push('\t');
        }
        out.push_str(&joined);
        out.push('\n');
        if rng.chance(0.01) {
            out.push_str("仅供内部审核使用\n");
        }
    }
    out
}

fn main() {
    let a = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("gen_corpus: {e}\nusage: gen_corpus --forms N --per-file N --out DIR [--defects 0.05] [--seed 1] [--format txt|xlsx]");
            std::process::exit(2);
        }
    };
    let templates = templates();
    if let Err(e) = std::fs::create_dir_all(&a.out) {
        eprintln!("gen_corpus: {}: {e}", a.out.display());
        std::process::exit(2);
    }
    let mut rng = Rng(a.seed.max(1));
    let mut log = Injected::default();
    let (mut written, mut bytes, mut file_no) = (0usize, 0usize, 0usize);
    while written < a.forms {
        let n = a.per_file.min(a.forms - written);
        let forms: Vec<String> = (0..n)
            .map(|i| {
                let t = &templates[rng.below(templates.len())];
                vary(t, written + i + 1, &mut rng, a.defects, &mut log)
            })
            .collect();
        let (ext, body) = if a.xlsx {
            ("xlsx", workbook(&forms))
        } else {
            ("txt", forms.concat().into_bytes())
        };
        let path = a.out.join(format!("forms-{file_no:06}.{ext}"));
        let mut f = std::fs::File::create(&path).expect("creates a corpus file");
        f.write_all(&body).expect("writes a corpus file");
        written += n;
        bytes += body.len();
        file_no += 1;
    }
    println!(
        "{written} forms in {file_no} files, {:.1} MB; injected: {} reversed units, {} placeholders, {} blank annual totals",
        bytes as f64 / 1e6,
        log.reversed_unit,
        log.placeholder,
        log.blank_annual_total
    );
}

/// The forms as a workbook, one sheet each: a line is a row, a tab-separated field a cell. A
/// plain number (`7,767,000`, `0`, `12.5`) is stored as a number, as a spreadsheet holds
/// amounts; everything else as text, the title merged across the form's width as printed.
fn workbook(forms: &[String]) -> Vec<u8> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let plain = Format::new();
    for (i, form) in forms.iter().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(format!("表{}", i + 1))
            .expect("a valid sheet name");
        for (r, line) in form.lines().enumerate() {
            let r = r as u32;
            let cells: Vec<&str> = line.split('\t').map(str::trim).collect();
            let filled: Vec<usize> = (0..cells.len()).filter(|&c| !cells[c].is_empty()).collect();
            if r == 0 && filled == [0] {
                ws.merge_range(r, 0, r, 7, cells[0], &plain)
                    .expect("merges the title");
                continue;
            }
            for c in filled {
                let text = cells[c];
                let number = text.replace(',', "");
                let written = match number.parse::<f64>() {
                    Ok(n) if number.bytes().all(|b| b.is_ascii_digit() || b == b'.') => {
                        ws.write_number(r, c as u16, n).map(|_| ())
                    }
                    _ => ws.write_string(r, c as u16, text).map(|_| ()),
                };
                written.expect("writes a cell");
            }
        }
    }
    wb.save_to_buffer().expect("saves the workbook")
}
