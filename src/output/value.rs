//! The shapes of `kpilint parse`: one JSON object per value, or a line of text per value
//! with a miette report under any value that is not well formed.

use crate::model::Span;
use crate::value::{Kind, Note, Value};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};
use serde_json::{json, Value as Json};

fn chars(text: &str, span: Span) -> [usize; 2] {
    let start = text[..span.start()].chars().count();
    [start, start + text[span.range()].chars().count()]
}

/// What went wrong with a value, and where (byte span), if anything did.
pub fn problem(v: &Value) -> Option<(String, Span)> {
    match &v.kind {
        Kind::Invalid { reason, span } => Some((reason.message().to_owned(), *span)),
        Kind::Placeholder { span } => Some(("模板占位符未填写".to_owned(), *span)),
        _ => None,
    }
}

pub fn json(v: &Value) -> Json {
    let mut o = json!({
        "input": v.text,
        "kind": v.kind.name(),
        "cmp": v.cmp().map(|c| c.symbol()),
        "amount": v.amount().map(|a| a.normalize().to_string()),
        "unit": v.unit(),
        "error": problem(v).map(|(m, _)| m),
    });
    if let Some((_, span)) = problem(v) {
        o["error_span"] = json!(chars(&v.text, span));
    }
    match &v.kind {
        Kind::Quantity(q) => {
            if let Some(u) = q.upper {
                o["upper"] = json!(u.normalize().to_string());
            }
        }
        Kind::Percent(p) => {
            if let Some(u) = p.upper {
                o["upper"] = json!(u.normalize().to_string());
            }
            if p.change {
                o["change"] = json!(true);
            }
        }
        Kind::Ratio { base, .. } => o["base"] = json!(base),
        Kind::Deadline(d) => {
            o["year"] = json!(d.year);
            o["month"] = json!(d.month);
            o["day"] = json!(d.day);
            o["relation"] = json!(d.relation);
            o["recurring"] = json!(d.recurring);
            o["current_year"] = json!(d.current_year);
            if let Some((y, m)) = d.until {
                o["until"] = json!({"year": y, "month": m});
            }
        }
        Kind::Frequency(f) => {
            o["count"] = json!(f.count.normalize().to_string());
            o["per"] = json!(f.per.spelling());
        }
        Kind::Proportion(p) => {
            o["left"] = json!(p.left.normalize().to_string());
            o["right"] = json!(p.right.normalize().to_string());
        }
        Kind::List { items } => {
            o["items"] = items
                .iter()
                .map(|i| {
                    let mut x = i.value.as_ref().map_or_else(|| json!({"kind": null}), json);
                    x["label"] = json!(i.label);
                    x
                })
                .collect();
        }
        _ => {}
    }
    if !v.notes.is_empty() {
        o["notes"] = v
            .notes
            .iter()
            .map(|n| {
                let (name, span, extra) = match n {
                    Note::PercentOver100 { span } => ("percent_over_100", span, None),
                    Note::OddPercent { span } => ("odd_percent", span, None),
                    Note::TruncatedList { span } => ("truncated_list", span, None),
                    Note::NonCanonicalUnit { span, suggestion } => {
                        ("non_canonical_unit", span, Some(suggestion))
                    }
                    Note::MissingSlash { span } => ("missing_slash", span, None),
                };
                json!({"note": name, "span": chars(&v.text, *span), "suggestion": extra})
            })
            .collect();
    }
    o
}

/// One line per value; a value that is not well formed gets a report under it.
pub fn text(v: &Value, color: bool) -> String {
    let mut parts = vec![v.kind.name().to_owned()];
    if let Some(c) = v.cmp() {
        parts.push(c.symbol().to_owned());
    }
    if let Some(a) = v.amount() {
        let upper = match &v.kind {
            Kind::Quantity(q) => q.upper,
            Kind::Percent(p) => p.upper,
            _ => None,
        };
        match upper {
            Some(u) => parts.push(format!("{}-{}", a.normalize(), u.normalize())),
            None => parts.push(a.normalize().to_string()),
        }
    }
    if let Some(u) = v.unit() {
        parts.push(u);
    }
    match &v.kind {
        Kind::Deadline(d) => {
            let mut s = String::new();
            if d.recurring {
                s.push_str("每年");
            } else if d.current_year {
                s.push_str("当年");
            }
            if let Some(y) = d.year {
                s.push_str(&format!("{y}年"));
            }
            if let Some(m) = d.month {
                s.push_str(&format!("{m}月"));
            }
            if let Some(day) = d.day {
                s.push_str(&format!("{day}日"));
            }
            if let Some((y, m)) = d.until {
                s.push_str(" 至 ");
                if let Some(y) = y {
                    s.push_str(&format!("{y}年"));
                }
                if let Some(m) = m {
                    s.push_str(&format!("{m}月"));
                }
            }
            s.push_str(match d.relation {
                crate::value::Relation::Before => " 之前",
                crate::value::Relation::EndOf => " 底",
                crate::value::Relation::Within => " 之内",
            });
            parts.push(s);
        }
        Kind::List { items } => parts.push(format!("{} 项", items.len())),
        Kind::Ratio { base, .. } => parts.push(format!("{base}的")),
        Kind::Proportion(p) => {
            parts.push(format!("{}:{}", p.left.normalize(), p.right.normalize()))
        }
        _ => {}
    }
    let mut out = format!("{}\t{}\n", v.text, parts.join(" "));
    let problem = problem(v).map(|(m, s)| (m, s, "此处"));
    let notes = v.notes.iter().map(|n| match n {
        Note::PercentOver100 { span } => ("百分比超过 100%".to_owned(), *span, "超过 100"),
        Note::OddPercent { span } => ("百分比写法不规范".to_owned(), *span, "应写作 N%"),
        Note::TruncatedList { span } => (
            "列表最后一项缺少数值（可能被截断）".to_owned(),
            *span,
            "缺少数值",
        ),
        Note::NonCanonicalUnit { span, suggestion } => (
            format!("单位写法不规范，应为 {suggestion}"),
            *span,
            "分隔符",
        ),
        Note::MissingSlash { span } => ("频次缺少“/”".to_owned(), *span, "应为 N次/年"),
    });
    for (message, span, label) in problem.into_iter().chain(notes) {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
        let d = MietteDiagnostic::new(message).with_labels([LabeledSpan::new_primary_with_span(
            Some(label.to_owned()),
            (span.start(), span.len()),
        )]);
        let report =
            miette::Report::new(d).with_source_code(NamedSource::new("指标值", v.text.clone()));
        let _ = handler.render_report(&mut out, report.as_ref());
    }
    out
}
