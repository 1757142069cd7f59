//! The value grammar over the shapes real forms use, comparator spellings, full-width
//! input, ranges, and what must be recognised as broken rather than guessed around.

use kpilint::value::{self, Kind, Note, Reason};
use proptest::prelude::*;

/// (input, kind, comparator, amount, canonical unit)
fn check(input: &str, kind: &str, cmp: Option<&str>, amount: Option<&str>, unit: Option<&str>) {
    let v = value::parse(input);
    let got = (
        v.kind.name(),
        v.cmp().map(|c| c.symbol()),
        v.amount().map(|a| a.normalize().to_string()),
        v.unit(),
    );
    assert_eq!(
        got,
        (
            kind,
            cmp,
            amount.map(str::to_owned),
            unit.map(str::to_owned)
        ),
        "parsing {input:?}"
    );
}

/// `input` holds a digit but is no value the grammar reads: reported, not guessed at.
fn assert_unrecognised(input: &str) {
    let v = value::parse(input);
    assert!(
        matches!(
            v.kind,
            Kind::Invalid {
                reason: Reason::Unrecognised,
                ..
            }
        ),
        "{input}: {v:?}"
    );
}

#[test]
fn shapes_from_the_disclosure() {
    check("≥90%", "percent", Some("≥"), Some("90"), Some("%"));
    check("100%", "percent", None, Some("100"), Some("%"));
    check("100百分比", "percent", None, Some("100"), Some("%"));
    check("≥730人次", "quantity", Some("≥"), Some("730"), Some("人次"));
    check(
        "2000元/生/年",
        "quantity",
        None,
        Some("2000"),
        Some("元/人/年"),
    );
    check("95元/生.年", "quantity", None, Some("95"), Some("元/人/年"));
    check(
        "2150元/人/月",
        "quantity",
        None,
        Some("2150"),
        Some("元/人/月"),
    );
    check(
        "750元/学期/生",
        "quantity",
        None,
        Some("750"),
        Some("元/人/学期"),
    );
    check(
        "每生每年6000元",
        "quantity",
        None,
        Some("6000"),
        Some("元/人/年"),
    );
    check(
        "≥0.49元/度",
        "quantity",
        Some("≥"),
        Some("0.49"),
        Some("元/度"),
    );
    check("≥3.5亿元", "quantity", Some("≥"), Some("3.5"), Some("亿元"));
    check(
        "≥5800平方米",
        "quantity",
        Some("≥"),
        Some("5800"),
        Some("平方米"),
    );
    check(
        "≥8人天（人·小时）",
        "quantity",
        Some("≥"),
        Some("8"),
        Some("人天"),
    );
    check("2次/年", "frequency", None, Some("2"), Some("次/年"));
    check(
        "≥12次/年",
        "frequency",
        Some("≥"),
        Some("12"),
        Some("次/年"),
    );
    check("1学期", "quantity", None, Some("1"), Some("学期"));
    check("1年", "quantity", None, Some("1"), Some("年"));
    check("2025年底前", "deadline", None, None, None);
    check("2025年12月31日前", "deadline", None, None, None);
    check("2025年6月前", "deadline", None, None, None);
    check("当年10月前", "deadline", None, None, None);
    check(
        "春季秋季各一次",
        "frequency",
        None,
        Some("2"),
        Some("次/年"),
    );
    check("按月发放", "frequency", None, Some("1"), Some("次/月"));
    // A count in characters reads as a length of time's does, tens and all.
    check("每月两次", "frequency", None, Some("2"), Some("次/月"));
    check("每年十二次", "frequency", None, Some("12"), Some("次/年"));
    check("在校人数的20%", "ratio", None, Some("20"), Some("%"));
    check("学费收入的75%", "ratio", None, Some("75"), Some("%"));
    check("850元/生/年，取暖费95元/生/年", "list", None, None, None);
    check("年生均小学1250元，初中1500元", "list", None, None, None);
    check(
        "副厅1625元/人/月，正处1000元/人/月",
        "list",
        None,
        None,
        None,
    );
    check("2025年XX月XX日-XX月XX日", "placeholder", None, None, None);
    check("1000人/元/学期", "invalid", None, None, None);
    check("及时", "text", None, None, None);
    check("有效提升", "text", None, None, None);
}

/// A unit whose spelling starts with another unit's is read whole: `个月` is a time, not the
/// count `个` followed by something unreadable, and `千克` is a unit, not a thousand 克. Scores
/// (分), incidents (起, 例), working days, `…内` and `2000余人` are read too. Each of these was once
/// reported as an unrecognised value.
#[test]
fn units_that_start_with_another_unit() {
    check("3个月", "quantity", None, Some("3"), Some("月"));
    check("≤12个月", "quantity", Some("≤"), Some("12"), Some("月"));
    check("2个星期", "quantity", None, Some("2"), Some("周"));
    check("3个学期", "quantity", None, Some("3"), Some("学期"));
    check("5场次", "quantity", None, Some("5"), Some("场次"));
    check("≥10批次", "quantity", Some("≥"), Some("10"), Some("批次"));
    check("3班次", "quantity", None, Some("3"), Some("班次"));
    check("100户次", "quantity", None, Some("100"), Some("户次"));
    check("5千克", "quantity", None, Some("5"), Some("千克"));
    check("5千米", "quantity", None, Some("5"), Some("公里"));
    check("2000千瓦时", "quantity", None, Some("2000"), Some("度"));
    check(
        "100元/人/场次",
        "quantity",
        None,
        Some("100"),
        Some("元/人/场次"),
    );
    check("≥90分", "quantity", Some("≥"), Some("90"), Some("分"));
    check("90分以上", "quantity", Some("≥"), Some("90"), Some("分"));
    check("0起", "quantity", None, Some("0"), Some("起"));
    check("≤2例", "quantity", Some("≤"), Some("2"), Some("例"));
    check(
        "≤5个工作日",
        "quantity",
        Some("≤"),
        Some("5"),
        Some("工作日"),
    );
    check(
        "3个工作日内",
        "quantity",
        Some("≤"),
        Some("3"),
        Some("工作日"),
    );
    check("2小时内", "quantity", Some("≤"), Some("2"), Some("小时"));
    check("30分钟", "quantity", None, Some("30"), Some("分钟"));
    check("2025.12.31前", "deadline", None, None, None);
    check("2000余人", "quantity", Some(">"), Some("2000"), Some("人"));
    check("1万余人", "quantity", Some(">"), Some("10000"), Some("人"));
    check("50多人", "quantity", Some(">"), Some("50"), Some("人"));
    check("≥100余次", "quantity", Some("≥"), Some("100"), Some("次"));
    // The shorter spellings still read as before.
    check("1个", "quantity", None, Some("1"), Some("个"));
    check("6场", "quantity", None, Some("6"), Some("场"));
    check("9万平方米", "quantity", None, Some("90000"), Some("平方米"));
    check("5千元", "quantity", None, Some("5"), Some("千元"));
    check("1年", "quantity", None, Some("1"), Some("年"));
}

#[test]
fn comparators_in_every_spelling() {
    for (written, symbol) in [
        ("≥", "≥"),
        ("≤", "≤"),
        (">", ">"),
        ("<", "<"),
        ("=", "="),
        ("＞", ">"),
        ("＜", "<"),
        ("≧", "≥"),
        ("≦", "≤"),
        (">=", "≥"),
        ("<=", "≤"),
        ("不低于", "≥"),
        ("不少于", "≥"),
        ("不高于", "≤"),
        ("不超过", "≤"),
        ("大于", ">"),
        ("小于", "<"),
        ("达到", "≥"),
        ("约", "≈"),
    ] {
        check(
            &format!("{written}95%"),
            "percent",
            Some(symbol),
            Some("95"),
            Some("%"),
        );
        check(
            &format!("{written}30人"),
            "quantity",
            Some(symbol),
            Some("30"),
            Some("人"),
        );
    }
    for (suffix, symbol) in [("以上", "≥"), ("以下", "≤"), ("以内", "≤"), ("左右", "≈")]
    {
        check(
            &format!("90%{suffix}"),
            "percent",
            Some(symbol),
            Some("90"),
            Some("%"),
        );
        check(
            &format!("5人{suffix}"),
            "quantity",
            Some(symbol),
            Some("5"),
            Some("人"),
        );
    }
}

#[test]
fn full_width_digits_and_ranges() {
    check("≥９０％", "percent", Some("≥"), Some("90"), Some("%"));
    check(
        "１２００元／人",
        "quantity",
        None,
        Some("1200"),
        Some("元/人"),
    );
    check("≥ 90 %", "percent", Some("≥"), Some("90"), Some("%"));
    let v = value::parse("80%-90%");
    let Kind::Percent(p) = &v.kind else {
        panic!("{v:?}")
    };
    assert_eq!(
        (p.amount.to_string(), p.upper.map(|u| u.to_string())),
        ("80".into(), Some("90".into()))
    );
    let v = value::parse("3-5次");
    let Kind::Quantity(q) = &v.kind else {
        panic!("{v:?}")
    };
    assert_eq!(
        (q.amount.to_string(), q.upper.map(|u| u.to_string())),
        ("3".into(), Some("5".into()))
    );
}

#[test]
fn deadlines_carry_their_dates() {
    let d = |s| match value::parse(s).kind {
        Kind::Deadline(d) => (
            d.year,
            d.month,
            d.day,
            d.relation,
            d.recurring,
            d.current_year,
        ),
        k => panic!("{s}: {k:?}"),
    };
    use value::Relation::*;
    assert_eq!(
        d("2025年12月31日前"),
        (Some(2025), Some(12), Some(31), Before, false, false)
    );
    assert_eq!(
        d("2025年年底前"),
        (Some(2025), None, None, Before, false, false)
    );
    assert_eq!(
        d("2025年12月底"),
        (Some(2025), Some(12), None, EndOf, false, false)
    );
    assert_eq!(d("当年10月前"), (None, Some(10), None, Before, false, true));
    assert_eq!(
        d("每年12月底前完成"),
        (None, Some(12), None, Before, true, false)
    );
    assert_eq!(
        d("2025年度"),
        (Some(2025), None, None, Within, false, false)
    );
    assert_eq!(
        d("2024年底前").0,
        Some(2024),
        "a wrong-year deadline keeps its year for the rule"
    );
}

#[test]
fn broken_values_are_recognised_not_guessed() {
    let v = value::parse("1000人/元/学期");
    let Kind::Invalid { reason, span } = v.kind else {
        panic!()
    };
    assert_eq!(
        (reason, &v.text[span.range()]),
        (Reason::ReversedUnit, "人/元")
    );
    let v = value::parse("1. 3204E+10");
    assert!(matches!(
        v.kind,
        Kind::Invalid {
            reason: Reason::SpreadsheetDamage,
            ..
        }
    ));
    let v = value::parse("≥XX%");
    let Kind::Placeholder { span } = v.kind else {
        panic!()
    };
    assert_eq!(&v.text[span.range()], "XX");
    for garbled in ["100保障", "提高100提高", "98%推进", "2025年01367"] {
        assert_unrecognised(garbled);
    }
    let v = value::parse("120%");
    assert!(matches!(v.notes[..], [Note::PercentOver100 { .. }]));
    let v = value::parse("100百分比");
    assert!(matches!(v.notes[..], [Note::OddPercent { .. }]));
    let v = value::parse("分档资助：一档3000元/人/年，二档");
    let Some(Note::TruncatedList { span }) = v.notes.first() else {
        panic!("{v:?}")
    };
    assert_eq!(&v.text[span.range()], "二档");
    // A list that ends with 等 was not cut off: it says there is more of the same kind.
    for open in ["≥433平方米、公里等", "≥6台、桌椅等"] {
        let v = value::parse(open);
        assert!(
            !v.notes
                .iter()
                .any(|n| matches!(n, Note::TruncatedList { .. })),
            "{open}: {v:?}"
        );
    }
    // But a last item cut before its 等 would come is.
    let v = value::parse("≥433平方米、公里");
    assert!(
        matches!(v.notes.first(), Some(Note::TruncatedList { .. })),
        "{v:?}"
    );
    let v = value::parse("95元/生.年");
    let Some(Note::NonCanonicalUnit { span, suggestion }) = v.notes.first() else {
        panic!()
    };
    assert_eq!(
        (&v.text[span.range()], suggestion.as_str()),
        ("元/生.年", "元/生/年")
    );
}

#[test]
fn lists_keep_labels_and_values() {
    let v = value::parse("副厅1625元/人/月，正处1000元/人/月");
    let Kind::List { items } = &v.kind else {
        panic!()
    };
    let got: Vec<(Option<&str>, Option<String>)> = items
        .iter()
        .map(|i| {
            (
                i.label.as_deref(),
                i.value
                    .as_ref()
                    .and_then(|v| v.amount())
                    .map(|a| a.to_string()),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some("副厅"), Some("1625".into())),
            (Some("正处"), Some("1000".into()))
        ]
    );
    let second = &items[1];
    assert_eq!(&v.text[second.span.range()], "正处1000元/人/月");
}

#[test]
fn json_of_the_issue_shapes() {
    // Every shape the values issue names, plus the comparator and range forms.
    let inputs = [
        "≥90%",
        "100%",
        "100百分比",
        "≥730人次",
        "2000元/生/年",
        "95元/生.年",
        "2150元/人/月",
        "750元/学期/生",
        "每生每年6000元",
        "≥0.49元/度",
        "≥3.5亿元",
        "≥5800平方米",
        "≥8人天（人·小时）",
        "2次/年",
        "≥12次/年",
        "1学期",
        "1年",
        "2025年底前",
        "2025年12月31日前",
        "2025年6月前",
        "当年10月前",
        "春季秋季各一次",
        "按月发放",
        "在校人数的20%",
        "学费收入的75%",
        "850元/生/年，取暖费95元/生/年",
        "年生均小学1250元，初中1500元",
        "副厅1625元/人/月，正处1000元/人/月",
        "2025年XX月XX日-XX月XX日",
        "1000人/元/学期",
        "及时",
        "有效提升",
        "不低于95%",
        "90%以上",
        "80%-90%",
        "3-5次",
        "１２０％",
        "1. 3204E+10",
        "分档资助：一档3000元/人/年，二档",
        "≥12次年",
        "提高100%",
        "100保障",
    ];
    let lines: Vec<String> = inputs
        .iter()
        .map(|i| serde_json::to_string(&kpilint::output::value::json(&value::parse(i))).unwrap())
        .collect();
    insta::assert_snapshot!(lines.join("\n"));
}

const UNITS: &[&str] = &[
    "元",
    "万元",
    "人",
    "人次",
    "个",
    "套",
    "平方米",
    "元/人",
    "元/人/年",
    "元/人/学期",
    "万元/套",
    "元/度",
];
const CMPS: &[&str] = &["", "≥", "≤", ">", "<", "="];

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    /// Printing a parsed quantity and parsing it back gives the same value.
    #[test]
    fn quantities_round_trip(cmp in prop::sample::select(CMPS), whole in 0u64..10_000_000, frac in 0u32..100, unit in prop::sample::select(UNITS)) {
        let input = format!("{cmp}{whole}.{frac:02}{unit}");
        let v = value::parse(&input);
        let Kind::Quantity(q) = &v.kind else { panic!("{input}: {v:?}") };
        let printed = format!(
            "{}{}{}",
            q.cmp.map_or("", |c| c.symbol()),
            q.amount.normalize(),
            q.unit.as_ref().map(|u| u.canonical()).unwrap_or_default()
        );
        let again = value::parse(&printed);
        prop_assert_eq!(&again.kind, &v.kind, "{} → {}", input, printed);
    }

    /// No input makes the parser panic, and every span it returns lies inside the input.
    #[test]
    fn any_text_parses_without_panic(s in "\\PC{0,40}") {
        let v = value::parse(&s);
        if let Kind::Invalid { span, .. } | Kind::Placeholder { span } = v.kind {
            prop_assert!(span.end() <= s.len() && s.is_char_boundary(span.start()) && s.is_char_boundary(span.end()));
        }
    }

    #[test]
    fn value_like_text_parses_without_panic(s in "[≥≤<>约每年月日前底元人次/.%0-9XX（）()，、生学期万亿-]{0,30}") {
        let v = value::parse(&s);
        for n in &v.notes {
            let span = match n {
                Note::PercentOver100 { span } | Note::OddPercent { span } | Note::TruncatedList { span }
                | Note::NonCanonicalUnit { span, .. } | Note::MissingSlash { span } => span,
            };
            prop_assert!(span.end() <= s.len() && s.is_char_boundary(span.start()) && s.is_char_boundary(span.end()));
        }
    }
}

/// Shapes other issuers' forms use that the disclosure does not: a note on what a percentage
/// is of, an outcome after it, half-years, parts of a year, ISO dates and a bound on a date.
/// Each was reported as an unrecognised value (V003) before.
#[test]
fn shapes_of_other_issuers() {
    check(
        "≥85%（满意度）",
        "percent",
        Some("≥"),
        Some("85"),
        Some("%"),
    );
    check("≥90%（含）", "percent", Some("≥"), Some("90"), Some("%"));
    check("90%（含）以上", "percent", Some("≥"), Some("90"), Some("%"));
    check("100%(按时完成)", "percent", None, Some("100"), Some("%"));
    check("100%完成", "percent", None, Some("100"), Some("%"));
    check("95%以上达标", "percent", Some("≥"), Some("95"), Some("%"));
    check("100台套", "quantity", None, Some("100"), Some("台套"));
    check("100%按时完成", "percent", None, Some("100"), Some("%"));
    // Per mille is a percentage in tenths.
    check("≤5‰", "percent", Some("≤"), Some("0.5"), Some("%"));
    check("低于3‰", "percent", Some("<"), Some("0.3"), Some("%"));
    // A proportion (师生比) is neither an amount nor a unit.
    check("1:13", "proportion", None, None, None);
    check("≤1：15", "proportion", Some("≤"), None, None);
    let Kind::Proportion(p) = value::parse("1:13以上").kind else {
        panic!("1:13以上")
    };
    assert_eq!(
        (p.cmp.map(|c| c.symbol()), p.left, p.right),
        (Some("≥"), 1.into(), 13.into())
    );
    let Kind::List { items } = value::parse("师生比1:13").kind else {
        panic!("师生比1:13")
    };
    assert_eq!(items[0].label.as_deref(), Some("师生比"));
    assert_eq!(items[0].value.as_ref().unwrap().kind.name(), "proportion");
    // A time may be labelled by what it is timed by, 每次 and all (the disclosure's
    // 考务用品保障时间); 每次 before a number is still a quantity's.
    let Kind::List { items } = value::parse("每次考试前1个星期").kind else {
        panic!("每次考试前1个星期")
    };
    assert_eq!(items[0].label.as_deref(), Some("每次考试前"));
    assert_eq!(items[0].value.as_ref().unwrap().text, "1个星期");
    check("每次6元", "quantity", None, Some("6"), Some("元/次"));
    // A length of time may be spelled in characters, alone or after what it is timed by (the
    // disclosure's 高考前一周, 考试前一个星期, 每次省里返还后的一个星期).
    check("一周", "quantity", None, Some("1"), Some("周"));
    check("两个月内", "quantity", Some("≤"), Some("2"), Some("月"));
    check("十五天", "quantity", None, Some("15"), Some("天"));
    check(
        "二十个工作日内",
        "quantity",
        Some("≤"),
        Some("20"),
        Some("工作日"),
    );
    check(
        "不超过三十五天",
        "quantity",
        Some("≤"),
        Some("35"),
        Some("天"),
    );
    for (timed, label, time) in [
        ("高考前一周", "高考前", "一周"),
        ("考试前一个星期", "考试前", "一个星期"),
        ("每次省里返还后的一个星期", "每次省里返还后的", "一个星期"),
    ] {
        let Kind::List { items } = value::parse(timed).kind else {
            panic!("{timed}")
        };
        assert_eq!(items[0].label.as_deref(), Some(label), "{timed}");
        assert_eq!(items[0].value.as_ref().unwrap().text, time, "{timed}");
    }
    // Only a time is read so: a numeral before other words stays words, and a grade or a
    // numeral inside a word is no length of time.
    for words in [
        "一人一档",
        "十分满意",
        "一年级学生",
        "三年内完成任务",
        "一等奖",
    ] {
        assert_eq!(value::parse(words).kind, Kind::Text, "{words}");
    }
    // A frequency written with 每 needs no slash, whatever follows its count.
    assert!(value::parse("每周1次以上").notes.is_empty());
    assert!(!value::parse("≥12次年").notes.is_empty());
    // An outcome that cannot be checked is not one of them.
    for garbled in ["98%推进", "≥85%（满意度", "100%完成了"] {
        assert_unrecognised(garbled);
    }
    // What is counted may follow the count: the amount and the unit are the count's.
    check("≥10所学校", "quantity", Some("≥"), Some("10"), Some("所"));
    check("46名教师", "quantity", None, Some("46"), Some("人"));
    check(
        "10所学校以上",
        "quantity",
        Some("≥"),
        Some("10"),
        Some("所"),
    );
    check("10个乡镇（街道）", "quantity", None, Some("10"), Some("个"));
    let Kind::List { items } = value::parse("覆盖10所学校、20个村").kind else {
        panic!("覆盖10所学校、20个村")
    };
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].label.as_deref(), Some("覆盖"));
    // Not after money or a time, and never in place of a unit: these say less than they seem.
    for vague in ["500元补助", "3个月份", "100保障", "10学校"] {
        assert_unrecognised(vague);
    }
    // The 3A/4A/5A grades, however written.
    check("≥3A", "quantity", Some("≥"), Some("3"), Some("A级"));
    check("4A级以上", "quantity", Some("≥"), Some("4"), Some("A级"));
    check("5A级景区", "quantity", None, Some("5"), Some("A级"));

    let f = |s| match value::parse(s).kind {
        Kind::Frequency(f) => (f.count.to_string(), f.per.spelling(), f.per.per_year()),
        k => panic!("{s}: {k:?}"),
    };
    let twice_a_year = ("1".to_owned(), "半年", Some(2.into()));
    assert_eq!(f("1次/半年"), twice_a_year);
    assert_eq!(f("每半年1次"), twice_a_year);
    assert_eq!(f("每半年一次"), twice_a_year);

    let d = |s| match value::parse(s).kind {
        Kind::Deadline(d) => (d.year, d.month, d.day, d.relation, d.until),
        k => panic!("{s}: {k:?}"),
    };
    use value::Relation::*;
    assert_eq!(
        d("2025-12-31"),
        (Some(2025), Some(12), Some(31), Within, None)
    );
    assert_eq!(
        d("2025/12/31"),
        (Some(2025), Some(12), Some(31), Within, None)
    );
    assert_eq!(d("2025/6"), (Some(2025), Some(6), None, Within, None));
    assert_eq!(
        d("2025年上半年"),
        (
            Some(2025),
            Some(1),
            None,
            Within,
            Some((Some(2025), Some(6)))
        )
    );
    assert_eq!(
        d("2025年下半年"),
        (
            Some(2025),
            Some(7),
            None,
            Within,
            Some((Some(2025), Some(12)))
        )
    );
    assert_eq!(
        d("2025年第三季度"),
        (
            Some(2025),
            Some(7),
            None,
            Within,
            Some((Some(2025), Some(9)))
        )
    );
    assert_eq!(
        d("2025年四季度"),
        (
            Some(2025),
            Some(10),
            None,
            Within,
            Some((Some(2025), Some(12)))
        )
    );
    assert_eq!(
        d("2025年1-12月"),
        (
            Some(2025),
            Some(1),
            None,
            Within,
            Some((Some(2025), Some(12)))
        )
    );
    assert_eq!(d("≤2025年12月"), (Some(2025), Some(12), None, Before, None));
    // What is done by the deadline may follow it.
    assert_eq!(
        d("2025年12月底前全部完成"),
        (Some(2025), Some(12), None, Before, None)
    );
    assert_eq!(
        d("2025年11月30日前完成支付"),
        (Some(2025), Some(11), Some(30), Before, None)
    );
    // Without a year, a bound stays a number of months, and a dash between years a range.
    check("≤12月", "quantity", Some("≤"), Some("12"), Some("月"));
    check("2023-2025年", "quantity", None, Some("2023"), Some("年"));
    check("1-2次", "quantity", None, Some("1"), Some("次"));
}

/// A finding about a comparator underlines the comparator: where it is written in the cell.
#[test]
fn comparators_are_found_where_they_are_written() {
    let at = |s: &str| {
        let v = value::parse(s);
        v.cmp_span().map(|sp| v.text[sp.range()].to_owned())
    };
    assert_eq!(at("≥650元/生/年").as_deref(), Some("≥"));
    assert_eq!(at("不低于90%").as_deref(), Some("不低于"));
    assert_eq!(at("＞＝90%").as_deref(), Some("＞＝"));
    assert_eq!(at("90%以上").as_deref(), Some("以上"));
    assert_eq!(at("3个工作日内").as_deref(), Some("内"));
    assert_eq!(at("2000余人").as_deref(), Some("余"));
    assert_eq!(at("650元/生/年"), None);
    assert_eq!(at("有效提升"), None);
}

/// A finding about a quantity's unit (a cost in 公里, a 人数 in 个) underlines the unit: where it
/// is written in the cell, as written (full-width letters and all).
#[test]
fn units_are_found_where_they_are_written() {
    let at = |s: &str| {
        let v = value::parse(s);
        v.unit_span().map(|sp| v.text[sp.range()].to_owned())
    };
    assert_eq!(at("≤3.4公里").as_deref(), Some("公里"));
    assert_eq!(at("≥12个").as_deref(), Some("个"));
    assert_eq!(at("≥650元/生/年").as_deref(), Some("元/生/年"));
    assert_eq!(at("≥８人天(人·小时)").as_deref(), Some("人天(人·小时)"));
    assert_eq!(at("10所学校").as_deref(), Some("所"));
    assert_eq!(at("2000余人").as_deref(), Some("人"));
    assert_eq!(at("≥90分").as_deref(), Some("分"));
    // No one place: a unit around the number; no unit; not a quantity.
    assert_eq!(at("每生每年6000元"), None);
    assert_eq!(at("35"), None);
    assert_eq!(at("≥90%"), None);
    assert_eq!(at("2025年12月底前"), None);
    assert_eq!(at("有效提升"), None);
    // A bare number read with its unit column has its unit outside the cell.
    let cell = value::parse("3.4");
    let (joined, _) = value::with_columns(&cell, Some("≤"), Some("公里")).unwrap();
    assert_eq!(
        (joined.unit().as_deref(), joined.unit_span()),
        (Some("公里"), None)
    );
}
