//! A form as the canonical structured file (`docs/forms.md`), for `kpilint extract`: the
//! English field names in the order of the printed form, amounts in the unit the form
//! declares, blank cells left out. Reading the file back gives the same form.

use crate::model::{Cell, Document, Form, FormKind, Funds, GridLayout, IndicatorHalf, Source};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde_yaml::{Mapping, Value};

fn text(m: &mut Mapping, key: &str, c: &Cell<impl AsRef<str>>) {
    if let Some(v) = &c.value {
        m.insert(key.into(), Value::String(v.as_ref().to_owned()));
    }
}

/// An amount as a YAML number when that is exact, else as text.
fn number(d: Decimal) -> Value {
    let d = d.normalize();
    if d.scale() == 0 {
        if let Some(i) = d.to_i64() {
            return Value::Number(i.into());
        }
    }
    match d.to_f64() {
        Some(f) if Decimal::from_f64_retain(f).map(|x| x.round_dp(d.scale())) == Some(d) => {
            Value::Number(f.into())
        }
        _ => Value::String(d.to_string()),
    }
}

/// Amounts (元) in the form's unit (`scale` 元 each), blank ones left out.
fn amounts<const N: usize>(m: &mut Mapping, cells: [(&str, &Cell<Decimal>); N], scale: Decimal) {
    for (key, c) in cells {
        if let Some(v) = c.value {
            m.insert(key.into(), number(v / scale));
        }
    }
}

fn funds(f: &Funds, scale: Decimal) -> Value {
    let mut m = Mapping::new();
    let sources = Source::ALL.map(|s| (s.key(), f.cell(s)));
    amounts(&mut m, [("total", &f.total)], scale);
    amounts(&mut m, sources, scale);
    Value::Mapping(m)
}

fn half(h: &IndicatorHalf) -> Value {
    let mut m = Mapping::new();
    text(&mut m, "level1", &h.level1);
    text(&mut m, "level2", &h.level2);
    text(&mut m, "name", &h.name);
    text(&mut m, "value", &h.value);
    Value::Mapping(m)
}

/// The form as a YAML value, fields in canonical order.
pub fn value(f: &Form) -> Value {
    let mut m = Mapping::new();
    m.insert(
        "kind".into(),
        match f.kind {
            FormKind::Project => "project",
            FormKind::Department => "department",
        }
        .into(),
    );
    text(&mut m, "title", &f.title);
    if let Some(y) = f.year.value {
        m.insert("year".into(), Value::Number(u64::from(y).into()));
    }
    text(&mut m, "name", &f.name);
    if let Some(d) = &f.department.value {
        let s = match &d.code {
            Some(c) => format!("{c}-{}", d.name),
            None => d.name.clone(),
        };
        m.insert("department".into(), s.into());
    }
    text(&mut m, "implementing_unit", &f.implementing_unit);
    text(&mut m, "attribute", &f.attribute);
    text(&mut m, "period", &f.period);
    m.insert("money_unit".into(), f.money_unit.label().into());
    let scale = f.money_unit.scale();
    let mut fm = Mapping::new();
    fm.insert(
        "implementation".into(),
        funds(&f.funds_implementation, scale),
    );
    fm.insert("annual".into(), funds(&f.funds_annual, scale));
    m.insert("funds".into(), Value::Mapping(fm));
    text(&mut m, "overview", &f.texts.overview);
    text(&mut m, "basis", &f.texts.basis);
    text(&mut m, "necessity", &f.texts.necessity);
    text(&mut m, "measures", &f.texts.measures);
    text(&mut m, "plan", &f.texts.plan);
    let mut goals = Mapping::new();
    text(&mut goals, "implementation", &f.texts.goal_implementation);
    text(&mut goals, "annual", &f.texts.goal_annual);
    if !goals.is_empty() {
        m.insert("goals".into(), Value::Mapping(goals));
    }
    if f.grid_layout == GridLayout::SinglePeriod {
        m.insert("layout".into(), "single_period".into());
    }
    let rows: Vec<Value> = f
        .indicators
        .iter()
        .map(|r| {
            let mut row = Mapping::new();
            if let Some(h) = &r.implementation {
                row.insert("implementation".into(), half(h));
            }
            if let Some(h) = &r.annual {
                row.insert("annual".into(), half(h));
            }
            Value::Mapping(row)
        })
        .collect();
    m.insert("indicators".into(), Value::Sequence(rows));
    let mut sign = Mapping::new();
    text(&mut sign, "principal", &f.sign_off.principal);
    text(&mut sign, "handler", &f.sign_off.handler);
    text(&mut sign, "phone", &f.sign_off.phone);
    text(&mut sign, "date", &f.sign_off.date);
    if !sign.is_empty() {
        m.insert("sign_off".into(), Value::Mapping(sign));
    }
    if let Some(d) = &f.department_section {
        let mut dm = Mapping::new();
        let info: Vec<Value> = d
            .info
            .iter()
            .map(|e| {
                let mut x = Mapping::new();
                text(&mut x, "label", &e.label);
                text(&mut x, "value", &e.value);
                Value::Mapping(x)
            })
            .collect();
        dm.insert("info".into(), Value::Sequence(info));
        text(&mut dm, "duties", &d.duties);
        text(&mut dm, "strategy", &d.strategy);
        for (key, list) in [
            ("funds_by_source", &d.funds_by_source),
            ("funds_by_direction", &d.funds_by_direction),
        ] {
            let items: Vec<Value> = list
                .iter()
                .map(|a| {
                    let mut x = Mapping::new();
                    text(&mut x, "label", &a.label);
                    if let Some(v) = a.amount.value {
                        // 万元, as the department form prints it.
                        x.insert(
                            "amount".into(),
                            number(v / crate::model::MoneyUnit::WanYuan.scale()),
                        );
                    }
                    Value::Mapping(x)
                })
                .collect();
            dm.insert(key.into(), Value::Sequence(items));
        }
        text(&mut dm, "key_tasks", &d.key_tasks);
        if !d.tasks.is_empty() {
            let scale = f.money_unit.scale();
            let tasks: Vec<Value> = d
                .tasks
                .iter()
                .map(|t| {
                    let mut x = Mapping::new();
                    text(&mut x, "name", &t.name);
                    text(&mut x, "content", &t.content);
                    let cells = [
                        ("total", &t.total),
                        ("fiscal", &t.fiscal),
                        ("other", &t.other),
                    ];
                    amounts(&mut x, cells, scale);
                    Value::Mapping(x)
                })
                .collect();
            dm.insert("tasks".into(), Value::Sequence(tasks));
        }
        text(&mut dm, "annual_goal", &d.annual_goal);
        m.insert("department_section".into(), Value::Mapping(dm));
    }
    Value::Mapping(m)
}

pub fn to_yaml(f: &Form) -> String {
    serde_yaml::to_string(&value(f)).unwrap_or_default()
}

/// JSON with the fields in the same order as the YAML (a map would sort them).
pub fn to_json(f: &Form) -> String {
    let mut out = String::new();
    json(&value(f), 0, &mut out);
    out.push('\n');
    out
}

fn json(v: &Value, depth: usize, out: &mut String) {
    let pad = |n: usize| "  ".repeat(n);
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Value::Sequence(items) if items.is_empty() => out.push_str("[]"),
        Value::Sequence(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                json(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Mapping(m) if m.is_empty() => out.push_str("{}"),
        Value::Mapping(m) => {
            out.push_str("{\n");
            for (i, (k, item)) in m.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                let key = k.as_str().unwrap_or_default();
                out.push_str(&serde_json::to_string(key).unwrap_or_default());
                out.push_str(": ");
                json(item, depth + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
        Value::Tagged(t) => json(&t.value, depth, out),
    }
}

/// A file name for a form: its project name without characters file systems refuse.
pub fn file_stem(doc: &Document, f: &Form) -> String {
    let name = f.display_name().unwrap_or("表单");
    let mut stem: String = name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' | '\0'..='\u{1f}' => '_',
            other => other,
        })
        .collect();
    stem = stem.trim_matches(['.', ' ']).to_owned();
    if stem.is_empty() {
        stem = format!("表单-第{}行", doc.line_col(f.span.start()).line);
    }
    // Long names stay readable but within file-name limits (255 bytes).
    while stem.len() > 180 {
        stem.pop();
    }
    stem
}
