//! The shapes of `kpilint dump`: the model as JSON (with 1-based lines and columns for
//! every cell) and as a compact text listing.

use crate::model::{BudgetTable, Cell, Document, Form, Funds, IndicatorHalf, Source};
use serde_json::{json, Value};
use std::fmt::Write as _;

fn cell<T: ToString>(doc: &Document, c: &Cell<T>) -> Value {
    let at = doc.line_col(c.span.start());
    json!({
        "value": c.value.as_ref().map(ToString::to_string),
        "line": at.line,
        "column": at.column,
    })
}

fn funds_json(doc: &Document, f: &Funds) -> Value {
    let mut m = serde_json::Map::new();
    m.insert("total".into(), cell(doc, &f.total));
    for s in Source::ALL {
        m.insert(s.key().into(), cell(doc, f.cell(s)));
    }
    Value::Object(m)
}

fn half_json(doc: &Document, h: Option<&IndicatorHalf>) -> Value {
    match h {
        None => Value::Null,
        Some(h) => {
            let mut v = json!({
                "level1": h.level1.value,
                "level2": h.level2.value,
                "name": cell(doc, &h.name),
                "value": cell(doc, &h.value),
            });
            if !h.extras.is_empty() {
                v["extras"] = h
                    .extras
                    .iter()
                    .map(|(k, c)| json!({"column": k, "cell": cell(doc, c)}))
                    .collect();
            }
            v
        }
    }
}

pub fn form_json(doc: &Document, f: &Form) -> Value {
    let mut v = json!({
        "kind": f.kind,
        "line": doc.line_col(f.span.start()).line,
        "end_line": doc.line_col(f.span.end()).line,
        "continuation_lines": f.continuations.iter().map(|s| doc.line_col(s.start()).line).collect::<Vec<_>>(),
        "title": f.title.value,
        "year": f.year.value,
        "money_unit": f.money_unit,
        "name": cell(doc, &f.name),
        "department": {
            "code": f.department.value.as_ref().and_then(|d| d.code.clone()),
            "name": f.department.value.as_ref().map(|d| d.name.clone()),
            "line": doc.line_col(f.department.span.start()).line,
        },
        "implementing_unit": cell(doc, &f.implementing_unit),
        "attribute": cell(doc, &f.attribute),
        "period": cell(doc, &f.period),
        "funds": {
            "implementation": funds_json(doc, &f.funds_implementation),
            "annual": funds_json(doc, &f.funds_annual),
        },
        "texts": {
            "overview": cell(doc, &f.texts.overview),
            "basis": cell(doc, &f.texts.basis),
            "necessity": cell(doc, &f.texts.necessity),
            "measures": cell(doc, &f.texts.measures),
            "plan": cell(doc, &f.texts.plan),
            "goal_implementation": cell(doc, &f.texts.goal_implementation),
            "goal_annual": cell(doc, &f.texts.goal_annual),
        },
        "grid_layout": f.grid_layout,
        "indicators": f.indicators.iter().map(|r| json!({
            "line": doc.line_col(r.span.start()).line,
            "implementation": half_json(doc, r.implementation()),
            "annual": half_json(doc, r.annual.as_ref()),
        })).collect::<Vec<_>>(),
        "sign_off": {
            "principal": cell(doc, &f.sign_off.principal),
            "handler": cell(doc, &f.sign_off.handler),
            "phone": cell(doc, &f.sign_off.phone),
            "date": cell(doc, &f.sign_off.date),
        },
    });
    if let Some(d) = &f.department_section {
        let amounts = |v: &[crate::model::LabelledAmount]| -> Value {
            v.iter()
                .map(|e| json!({"label": e.label.value, "amount": cell(doc, &e.amount)}))
                .collect()
        };
        v["department_section"] = json!({
            "info": d.info.iter().map(|e| json!({"label": e.label.value, "value": cell(doc, &e.value)})).collect::<Vec<_>>(),
            "duties": cell(doc, &d.duties),
            "strategy": cell(doc, &d.strategy),
            "funds_by_source": amounts(&d.funds_by_source),
            "funds_by_direction": amounts(&d.funds_by_direction),
            "key_tasks": cell(doc, &d.key_tasks),
            "annual_goal": cell(doc, &d.annual_goal),
        });
    }
    v
}

pub fn document_json(doc: &Document) -> Value {
    json!({
        "version": 1,
        "path": doc.path,
        "encoding": doc.encoding,
        "forms": doc.forms.iter().map(|f| form_json(doc, f)).collect::<Vec<_>>(),
        "tables": doc.tables.iter().map(|t| table_json(doc, t)).collect::<Vec<_>>(),
        "prose": doc.prose.iter().map(|p| json!({
            "label": p.label,
            "amount": cell(doc, &p.amount),
            "share": p.share.as_ref().map(|c| cell(doc, c)),
            "direction": p.direction,
            "base": p.base,
            "section": p.section,
        })).collect::<Vec<_>>(),
    })
}

fn table_json(doc: &Document, t: &BudgetTable) -> Value {
    json!({
        "kind": t.kind,
        "title": t.title.value,
        "line": doc.line_col(t.title.span.start()).line,
        "side": t.side,
        "unit": t.unit,
        "no_data": t.no_data,
        "columns": t.columns.iter().map(|c| json!({"name": c.name, "group": c.group, "parts": c.parts})).collect::<Vec<_>>(),
        "rows": t.rows.iter().map(|r| json!({
            "line": doc.line_col(r.span.start()).line,
            "code": r.code.value,
            "name": r.name.value,
            "detail": r.detail.value,
            "role": r.role,
            "cells": r.cells.iter().map(|c| c.value.map(|d| d.to_string())).collect::<Vec<_>>(),
            "children": r.children,
        })).collect::<Vec<_>>(),
    })
}

fn opt<T: ToString>(c: &Cell<T>) -> String {
    c.value
        .as_ref()
        .map_or_else(|| "—".to_owned(), ToString::to_string)
}

fn half_text(h: Option<&IndicatorHalf>) -> String {
    match h {
        None => String::new(),
        Some(h) => format!(
            "{} / {} / {} = {}",
            opt(&h.level1),
            opt(&h.level2),
            opt(&h.name),
            opt(&h.value)
        ),
    }
}

pub fn document_text(doc: &Document) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} ({}): {}, {}",
        doc.path,
        doc.encoding,
        super::counted(doc.forms.len(), "form"),
        super::counted(doc.tables.len(), "budget table")
    );
    for t in &doc.tables {
        table_text(&mut s, doc, t);
    }
    for f in &doc.forms {
        let line = doc.line_col(f.span.start()).line;
        let _ = writeln!(s, "\n第 {line} 行  {}  {}", opt(&f.title), opt(&f.name));
        if !f.continuations.is_empty() {
            let lines: Vec<String> = f
                .continuations
                .iter()
                .map(|c| doc.line_col(c.start()).line.to_string())
                .collect();
            let _ = writeln!(s, "  续页：第 {} 行", lines.join("、"));
        }
        let dept = f
            .department
            .value
            .as_ref()
            .map_or("—".to_owned(), |d| match &d.code {
                Some(c) => format!("{c} {}", d.name),
                None => d.name.clone(),
            });
        let _ = writeln!(
            s,
            "  主管部门：{dept}  实施单位：{}  项目属性：{}  项目期：{}  年度：{}  金额单位：{}",
            opt(&f.implementing_unit),
            opt(&f.attribute),
            opt(&f.period),
            opt(&f.year),
            f.money_unit.label()
        );
        let _ = writeln!(s, "  资金（元）        实施期            年度");
        let (i, a) = (&f.funds_implementation, &f.funds_annual);
        let rows = [("总额", &i.total, &a.total)];
        let sources = Source::ALL
            .into_iter()
            .filter(|&s| {
                Source::SHOWN.contains(&s) || i.cell(s).value.is_some() || a.cell(s).value.is_some()
            })
            .map(|s| (s.label(), i.cell(s), a.cell(s)));
        for (label, a, b) in rows.into_iter().chain(sources) {
            let _ = writeln!(s, "    {label:<12}{:>16}{:>16}", opt(a), opt(b));
        }
        for r in &f.indicators {
            let line = doc.line_col(r.span.start()).line;
            let _ = writeln!(
                s,
                "  {line:>5}  {}  ‖  {}",
                half_text(r.implementation()),
                half_text(r.annual.as_ref())
            );
        }
    }
    s
}

fn table_text(s: &mut String, doc: &Document, t: &BudgetTable) {
    let line = doc.line_col(t.title.span.start()).line;
    let _ = writeln!(
        s,
        "\n第 {line} 行  {}  [{}，{}{}]",
        opt(&t.title),
        t.kind.key(),
        t.unit.label(),
        if t.no_data { "，本表无数据" } else { "" }
    );
    let columns: Vec<String> = t
        .columns
        .iter()
        .map(|c| {
            let parts: Vec<&str> = c
                .parts
                .iter()
                .map(|&p| t.columns[p].name.as_str())
                .collect();
            match parts.is_empty() {
                true => c.name.clone(),
                false => format!("{} = {}", c.name, parts.join(" + ")),
            }
        })
        .collect();
    let _ = writeln!(s, "  列：{}", columns.join(" | "));
    for r in &t.rows {
        let line = doc.line_col(r.span.start()).line;
        let depth = std::iter::successors(r.parent, |&p| t.rows[p].parent).count();
        let cells: Vec<String> = r.cells.iter().map(opt).collect();
        let _ = writeln!(
            s,
            "  {line:>5}  {:indent$}{}{}{}  [{}]  {}",
            "",
            r.code
                .value
                .as_deref()
                .map_or(String::new(), |c| format!("{c} ")),
            opt(&r.name),
            r.detail
                .value
                .as_deref()
                .map_or(String::new(), |d| format!("（{d}）")),
            r.role.key(),
            cells.join(" | "),
            indent = depth * 2
        );
    }
}
