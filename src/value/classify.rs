//! Does a value fit its 二级指标? The facts the rules turn into findings
//! (财预〔2021〕101号 and local filling instructions: 成本 is money, 时效 a time, 数量 a count,
//! 满意度 a percentage).

use super::{Kind, Value};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fit {
    Fits,
    /// The value is of the wrong kind for its category; the string says what was expected.
    Expected(&'static str),
    /// Nothing to say: the category has no expected kind, or the value is unusable anyway.
    Unknown,
}

/// Whether `value` is the kind of value a `level2` (canonical 二级 label) indicator takes.
pub fn fits(level2: &str, value: &Value) -> Fit {
    let kind = &value.kind;
    if matches!(kind, Kind::Placeholder { .. } | Kind::Invalid { .. }) {
        return Fit::Unknown;
    }
    let money = |k: &Kind| {
        match k {
        Kind::Quantity(q) => q.unit.as_ref().is_some_and(|u| u.is_money()),
        Kind::List { items } => items
            .iter()
            .filter_map(|i| i.value.as_ref())
            .any(|v| matches!(&v.kind, Kind::Quantity(q) if q.unit.as_ref().is_some_and(|u| u.is_money()))),
        _ => false,
    }
    };
    let verdict = |ok: bool, expected| {
        if ok {
            Fit::Fits
        } else {
            Fit::Expected(expected)
        }
    };
    match level2 {
        "成本指标" | "经济成本指标" => {
            verdict(money(kind), "金额（元、万元，或元/人等单价）")
        }
        "时效指标" => verdict(
            match kind {
                // Each part a time, with what it is timed by: `考前1周`, `开学前1个月`,
                // `春季2025年4月底前，秋季2025年10月底前`.
                Kind::List { items } => {
                    let mut timed = items.iter().filter_map(|i| i.value.as_ref()).peekable();
                    timed.peek().is_some() && timed.all(|v| timely(&v.kind))
                }
                k => timely(k),
            },
            "时间、期限或频次（如 2025年12月底前、2次/年）",
        ),
        "数量指标" => verdict(
            match kind {
                Kind::Quantity(q) => q.unit.as_ref().is_none_or(|u| u.is_count() || u.is_time()),
                Kind::Frequency(_) => true,
                Kind::List { .. } => true,
                _ => false,
            },
            "数量（如 ≥730人次、4个）",
        ),
        "服务对象满意度指标" => {
            verdict(matches!(kind, Kind::Percent(_)), "百分比（如 ≥90%）")
        }
        _ => Fit::Unknown,
    }
}

/// A value a 时效指标 takes: a deadline, a frequency, a rate (及时率), or a length of time
/// (`1年`, `3个工作日内`, and rates of time such as `≤20分钟/次`).
fn timely(kind: &Kind) -> bool {
    match kind {
        Kind::Deadline(_) | Kind::Frequency(_) | Kind::Percent(_) => true,
        Kind::Quantity(q) => q
            .unit
            .as_ref()
            .is_some_and(|u| matches!(u.numerator, super::Term::Time(_))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse;

    #[test]
    fn categories_and_their_values() {
        assert_eq!(fits("成本指标", &parse("≤5000元/人")), Fit::Fits);
        assert!(matches!(
            fits("成本指标", &parse("按合同价")),
            Fit::Expected(_)
        ));
        assert!(matches!(fits("成本指标", &parse("100%")), Fit::Expected(_)));
        assert_eq!(fits("时效指标", &parse("2025年12月31日前")), Fit::Fits);
        assert_eq!(fits("时效指标", &parse("2次/年")), Fit::Fits);
        assert!(matches!(fits("时效指标", &parse("及时")), Fit::Expected(_)));
        // Times by what they are timed by, and a list of them.
        for timed in [
            "考前1周",
            "每次考试前1个星期",
            "开学前1个月",
            "高考前一周",
            "两个工作日内",
            "春季学期2025年4月底前，秋季学期2025年10月底前",
        ] {
            assert_eq!(fits("时效指标", &parse(timed)), Fit::Fits, "{timed}");
        }
        // But not a list with a part that is no time, nor one with no time in it at all.
        for untimed in ["春季2025年4月底前，秋季3000元", "一档3000元，二档", "考前"]
        {
            assert!(
                matches!(fits("时效指标", &parse(untimed)), Fit::Expected(_)),
                "{untimed}"
            );
        }
        assert_eq!(fits("数量指标", &parse("≥730人次")), Fit::Fits);
        assert!(matches!(fits("数量指标", &parse("100%")), Fit::Expected(_)));
        assert_eq!(fits("服务对象满意度指标", &parse("≥90%")), Fit::Fits);
        assert!(matches!(
            fits("服务对象满意度指标", &parse("满意")),
            Fit::Expected(_)
        ));
        assert_eq!(fits("社会效益指标", &parse("有效提升")), Fit::Unknown);
        assert_eq!(fits("成本指标", &parse("XX元")), Fit::Unknown);
    }
}
