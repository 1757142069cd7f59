//! Rule examples: small form fragments written in YAML inside a pack, built into forms so a
//! rule's own examples can run as its tests.
//!
//! ```yaml
//! - name: 示例项目
//!   attribute: 一次性项目（1年结束）
//!   period: 1年
//!   funds:
//!     implementation: {total: 400, central: 0, provincial: 400, local: 0, self_raised: 0}
//!     annual: {total: 400, provincial: 0, local: 400}
//!   rows:
//!     - [年度, 数量指标, 培训人数, 32人]
//!     - [年度, 成本指标, 人均培训成本, 12.5元/人]
//! ```
//!
//! Each row is `[实施期|年度, 二级指标, 三级指标, 指标值]`; the 一级指标 follows from the 二级.
//! `layout: single_period` makes a form with one 指标值 column (the Ministry's template).
//! Anything left out is missing on the form.
//!
//! Rules over budget tables and prose take `text:` instead: a piece of a text extraction,
//! columns separated by tabs, read by the same reader as a real file; `forms:` adds forms
//! written as above.

use crate::ingest::labels::parent_of;
use crate::ingest::structured::funds_names;
use crate::model::{
    Cell, DepartmentRef, Document, Form, FormKind, Funds, GridLayout, IndicatorHalf, IndicatorRow,
    LineIndex, MoneyUnit, SignOff, Source, Span, Text, TextFields,
};
use rust_decimal::Decimal;
use serde_yaml::Value;
use std::str::FromStr;

fn get<'v>(v: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().find_map(|k| v.get(*k))
}

fn text(v: Option<&Value>) -> Cell<Text> {
    let s = match v {
        Some(Value::String(s)) => Some(s.as_str().into()),
        Some(Value::Number(n)) => Some(n.to_string().into()),
        _ => None,
    };
    Cell {
        value: s,
        span: Span::default(),
    }
}

fn amount(v: Option<&Value>) -> Result<Cell<Decimal>, String> {
    let d = match v {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => {
            Some(Decimal::from_str(&n.to_string()).map_err(|e| e.to_string())?)
        }
        Some(Value::String(s)) => {
            Some(Decimal::from_str(&s.replace(',', "")).map_err(|_| format!("“{s}”不是金额"))?)
        }
        Some(other) => return Err(format!("{other:?} 不是金额")),
    };
    Ok(Cell {
        value: d,
        span: Span::default(),
    })
}

fn funds(v: Option<&Value>) -> Result<Funds, String> {
    let Some(v) = v else {
        return Ok(Funds::default());
    };
    let mut f = Funds {
        total: amount(get(v, &["total", "总额"]))?,
        ..Funds::default()
    };
    // A source by any name a structured form may give it (`central`, `中央`).
    for s in Source::ALL {
        *f.cell_mut(s) = amount(funds_names(s).find_map(|k| v.get(k)))?;
    }
    Ok(f)
}

fn half(level2: &str, name: &str, value: &str) -> IndicatorHalf {
    let cell = |s: &str| Cell {
        value: (!s.is_empty()).then(|| s.to_owned()),
        span: Span::default(),
    };
    let canonical =
        crate::ingest::labels::grid_label(level2).map_or(level2.to_owned(), |l| match l {
            crate::ingest::labels::GridLabel::Level1(x)
            | crate::ingest::labels::GridLabel::Level2(x) => x.to_owned(),
        });
    IndicatorHalf {
        level1: cell(parent_of(&canonical).unwrap_or("")).map(Into::into),
        level2: cell(&canonical).map(Into::into),
        name: cell(name).map(Into::into),
        value: cell(value).map(Into::into),
        extras: Box::default(),
    }
}

/// Builds a document from a fragment: a form written as YAML, or `text:` holding a piece
/// of a text extraction (budget tables, prose, forms), read as a real file would be.
pub fn document(fragment: &Value) -> Result<Document, String> {
    if fragment.get("text").is_none() && fragment.get("forms").is_none() {
        return one_form(fragment);
    }
    let mut doc = match fragment.get("text") {
        Some(Value::String(text)) => {
            crate::ingest::read_text("<example>", text.clone(), "UTF-8").document
        }
        Some(_) => return Err("text: 应为一段文字（表格各列用制表符分隔）".into()),
        None => Document {
            path: "<example>".into(),
            encoding: "UTF-8",
            ..Document::default()
        },
    };
    for f in fragment
        .get("forms")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        doc.forms.extend(one_form(f)?.forms);
    }
    Ok(doc)
}

/// A one-form document from a form fragment.
fn one_form(fragment: &Value) -> Result<Document, String> {
    let name = text(get(fragment, &["name", "项目名称"]));
    let department = get(fragment, &["department", "主管部门"])
        .and_then(Value::as_str)
        .map(|d| {
            let (code, name) = d
                .split_once('-')
                .map_or((None, d), |(c, n)| (Some(c.to_owned()), n));
            DepartmentRef {
                code,
                name: name.to_owned(),
            }
        });
    let f = get(fragment, &["funds", "资金"]);
    let mut rows = Vec::new();
    for r in get(fragment, &["rows", "指标"])
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
    {
        let parts: Vec<String> = r
            .as_sequence()
            .ok_or("每个指标行写作 [实施期|年度, 二级指标, 三级指标, 指标值]")?
            .iter()
            .map(|p| match p {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => String::new(),
            })
            .collect();
        let [period, level2, name, value] = parts.as_slice() else {
            return Err(format!("指标行 {parts:?} 应有 4 项"));
        };
        let h = half(level2, name, value);
        let (implementation, annual) = match period.as_str() {
            "实施期" | "implementation" => (Some(h), None),
            "年度" | "annual" => (None, Some(h)),
            other => return Err(format!("指标行的期间“{other}”应为 实施期 或 年度")),
        };
        rows.push(IndicatorRow {
            span: Span::default(),
            implementation: implementation.map(Box::new),
            annual,
        });
    }
    let kind = match get(fragment, &["kind"]).and_then(Value::as_str) {
        Some("department") => FormKind::Department,
        _ => FormKind::Project,
    };
    let form = Form {
        kind,
        span: Span::default(),
        title: Cell::new("项目支出绩效目标表".into(), Span::default()),
        year: Cell {
            value: Some(
                get(fragment, &["year", "年度"])
                    .and_then(Value::as_u64)
                    .map_or(2025, |y| y as u16),
            ),
            span: Span::default(),
        },
        money_unit: MoneyUnit::Yuan,
        name,
        department: Cell {
            value: department,
            span: Span::default(),
        },
        implementing_unit: text(get(fragment, &["implementing_unit", "实施单位"])),
        attribute: text(get(fragment, &["attribute", "项目属性"])),
        period: text(get(fragment, &["period", "项目期"])),
        funds_implementation: funds(f.and_then(|f| get(f, &["implementation", "实施期"])))?,
        funds_annual: funds(f.and_then(|f| get(f, &["annual", "年度"])))?,
        texts: TextFields {
            goal_implementation: text(get(fragment, &["goal_implementation", "实施期目标"])),
            goal_annual: text(get(fragment, &["goal_annual", "年度目标"])),
            ..TextFields::default()
        }
        .into(),
        grid_layout: match text(get(fragment, &["layout", "指标表"])).value.as_deref() {
            Some("single_period" | "单栏") => GridLayout::SinglePeriod,
            _ => GridLayout::TwoPeriods,
        },
        indicators: rows,
        drawn: Default::default(),
        sign_off: SignOff {
            phone: text(get(fragment, &["phone", "联系电话"])),
            date: text(get(fragment, &["date", "填报日期"])),
            ..SignOff::default()
        }
        .into(),
        continuations: Vec::new(),
        department_section: department_section(fragment)?.map(Box::new),
    };
    Ok(Document {
        path: "<example>".into(),
        text: String::new(),
        encoding: "UTF-8",
        line_index: LineIndex::new(""),
        forms: vec![form],
        tables: Vec::new(),
        ..Document::default()
    })
}

/// The department form's 年度预算情况, written as printed, in 万元:
/// `funds_by_source: {合计: 100, 一般公共预算资金: 80}`, `funds_by_direction: {基本支出: 60}`.
fn department_section(fragment: &Value) -> Result<Option<crate::model::DepartmentSection>, String> {
    let block = |key: &str| -> Result<Vec<crate::model::LabelledAmount>, String> {
        let Some(map) = fragment.get(key).and_then(Value::as_mapping) else {
            return Ok(Vec::new());
        };
        map.iter()
            .map(|(k, v)| {
                let label = k.as_str().ok_or(format!("{key} 的键应为文字"))?;
                let mut amount = amount(Some(v))?;
                amount.value = amount
                    .value
                    .and_then(|a| a.checked_mul(MoneyUnit::WanYuan.scale()));
                Ok(crate::model::LabelledAmount {
                    label: Cell::new(label.into(), Span::default()),
                    amount,
                })
            })
            .collect()
    };
    let (by_source, by_direction) = (block("funds_by_source")?, block("funds_by_direction")?);
    if by_source.is_empty() && by_direction.is_empty() {
        return Ok(None);
    }
    Ok(Some(crate::model::DepartmentSection {
        funds_by_source: by_source,
        funds_by_direction: by_direction,
        ..Default::default()
    }))
}
