//! Units of indicator values and the arithmetic rules need, all in exact decimals.
//!
//! A unit is a numerator (money with its scale, a person, a counted noun or a time) and
//! denominators ("per" something). `/`, `.`, `·` and a `每X` prefix all mean "per". Spellings
//! are canonicalised: 生, 名 and 学生 are persons (人); 学年 is a year; 平米 and ㎡ are 平方米.

use rust_decimal::Decimal;
use serde::Serialize;
use std::fmt;

/// Money units and how many 元 each is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Money {
    Yuan,
    Qian,
    Wan,
    Yi,
}

impl Money {
    pub fn scale(self) -> Decimal {
        match self {
            Money::Yuan => Decimal::ONE,
            Money::Qian => Decimal::from(1_000),
            Money::Wan => Decimal::from(10_000),
            Money::Yi => Decimal::from(100_000_000),
        }
    }

    pub fn spelling(self) -> &'static str {
        match self {
            Money::Yuan => "元",
            Money::Qian => "千元",
            Money::Wan => "万元",
            Money::Yi => "亿元",
        }
    }
}

/// Periods of time. A 学期 is half a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum TimeUnit {
    Year,
    /// 半年: as many a year as semesters, but not one of them.
    HalfYear,
    Semester,
    Quarter,
    Month,
    Week,
    Day,
    /// 工作日: a day, but not one of 365 a year.
    WorkDay,
    Hour,
    Minute,
}

impl TimeUnit {
    /// How many of these make a year, where that is a whole number (hours and minutes are
    /// not counted in years by any form, and working days are as many as a calendar says).
    pub fn per_year(self) -> Option<Decimal> {
        Some(Decimal::from(match self {
            TimeUnit::Year => 1,
            TimeUnit::HalfYear | TimeUnit::Semester => 2,
            TimeUnit::Quarter => 4,
            TimeUnit::Month => 12,
            TimeUnit::Week => 52,
            TimeUnit::Day => 365,
            TimeUnit::WorkDay | TimeUnit::Hour | TimeUnit::Minute => return None,
        }))
    }

    pub fn spelling(self) -> &'static str {
        match self {
            TimeUnit::Year => "年",
            TimeUnit::HalfYear => "半年",
            TimeUnit::Semester => "学期",
            TimeUnit::Quarter => "季度",
            TimeUnit::Month => "月",
            TimeUnit::Week => "周",
            TimeUnit::Day => "天",
            TimeUnit::WorkDay => "工作日",
            TimeUnit::Hour => "小时",
            TimeUnit::Minute => "分钟",
        }
    }

    pub fn from_word(w: &str) -> Option<Self> {
        Some(match w {
            "年" | "学年" | "个学年" | "年度" => TimeUnit::Year,
            "半年" => TimeUnit::HalfYear,
            "学期" | "个学期" => TimeUnit::Semester,
            "季度" | "个季度" => TimeUnit::Quarter,
            "月" | "个月" => TimeUnit::Month,
            "周" | "星期" | "个星期" => TimeUnit::Week,
            "天" | "日" => TimeUnit::Day,
            "工作日" | "个工作日" => TimeUnit::WorkDay,
            "小时" => TimeUnit::Hour,
            "分钟" => TimeUnit::Minute,
            _ => return None,
        })
    }
}

/// One part of a unit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Term {
    Money(Money),
    /// 人, 生, 名, 学生, 户: somebody.
    Person,
    Time(TimeUnit),
    /// A counted noun in its canonical spelling: 人次, 个, 套, 平方米, 度, ...
    Count(String),
}

impl Term {
    pub fn from_word(w: &str) -> Term {
        match w {
            "元" => Term::Money(Money::Yuan),
            "千元" => Term::Money(Money::Qian),
            "万元" => Term::Money(Money::Wan),
            "亿元" => Term::Money(Money::Yi),
            "人" | "生" | "名" | "学生" | "户" => Term::Person,
            _ => match TimeUnit::from_word(w) {
                Some(t) => Term::Time(t),
                None => Term::Count(canonical_count(w).to_owned()),
            },
        }
    }

    pub fn spelling(&self) -> &str {
        match self {
            Term::Money(m) => m.spelling(),
            Term::Person => "人",
            Term::Time(t) => t.spelling(),
            Term::Count(c) => c,
        }
    }

    /// Denominators print persons first, then counted things, then time.
    fn order(&self) -> u8 {
        match self {
            Term::Person => 0,
            Term::Money(_) | Term::Count(_) => 1,
            Term::Time(_) => 2,
        }
    }
}

fn canonical_count(w: &str) -> &str {
    match w {
        "平米" | "㎡" | "m²" | "m2" => "平方米",
        "千米" => "公里",
        "公斤" => "千克",
        "千瓦时" => "度",
        // A grade of the 3A/4A/5A scale (景区, 信用等级): `≥3A` is `3A级以上`.
        "A" => "A级",
        other => other,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Unit {
    pub numerator: Term,
    pub per: Vec<Term>,
}

impl Unit {
    /// Builds a unit, putting denominators in canonical order.
    pub fn new(numerator: Term, mut per: Vec<Term>) -> Self {
        per.sort_by_key(Term::order);
        Unit { numerator, per }
    }

    pub fn money(&self) -> Option<Money> {
        match self.numerator {
            Term::Money(m) => Some(m),
            _ => None,
        }
    }

    pub fn is_money(&self) -> bool {
        self.money().is_some()
    }

    /// `人/元`: a count over money, the classic reversed unit.
    pub fn is_reversed(&self) -> bool {
        !self.is_money() && self.per.iter().any(|t| matches!(t, Term::Money(_)))
    }

    pub fn per_person(&self) -> bool {
        self.per.contains(&Term::Person)
    }

    /// The period a rate is per (`元/人/年` → 年).
    pub fn per_time(&self) -> Option<TimeUnit> {
        self.per.iter().find_map(|t| match t {
            Term::Time(t) => Some(*t),
            _ => None,
        })
    }

    /// What else than a person or a time a rate is per: 场次 of `元/人/场次`, 课时 of `元/课时`.
    /// Such a cost cannot be multiplied by a count of people alone.
    pub fn per_count(&self) -> Option<&str> {
        self.per.iter().find_map(|t| match t {
            Term::Count(c) => Some(c.as_str()),
            _ => None,
        })
    }

    /// A plain time span (`1年`, `12月`).
    pub fn is_time(&self) -> bool {
        matches!(self.numerator, Term::Time(_)) && self.per.is_empty()
    }

    /// A count of people or things (人, 人次, 套, 平方米 ...), per something or not.
    pub fn is_count(&self) -> bool {
        matches!(self.numerator, Term::Person | Term::Count(_)) && !self.is_reversed()
    }

    /// The canonical spelling: `元/人/年`.
    pub fn canonical(&self) -> String {
        let mut s = self.numerator.spelling().to_owned();
        for t in &self.per {
            s.push('/');
            s.push_str(t.spelling());
        }
        s
    }
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.canonical())
    }
}

/// An amount in 元 for a money unit's amount. One written in 千元, 万元 or 亿元 loses the zeros
/// its decimals leave (`38.8万元` is 388000 元, not 388000.0; `≤110.96万元` 1109600, not
/// 1109600.00): messages print it as a sum of 元, where only cents written as such are kept.
pub fn to_yuan(amount: Decimal, unit: &Unit) -> Option<Decimal> {
    let m = unit.money()?;
    let yuan = amount.checked_mul(m.scale())?;
    Some(if m.scale() == Decimal::ONE {
        yuan
    } else {
        yuan.normalize()
    })
}

/// The period an indicator's name says its amount is per: `每月发放标准` (a rate paid monthly,
/// its value written `494元/人`) is per 月, as `按学期补助` is per 学期. Only a time word right
/// after 每 or 按 counts: a name that merely mentions a month (`3月考试费`) states no rate.
/// `None` when the name states none.
pub fn period_in_name(name: &str) -> Option<TimeUnit> {
    let mut rest = name;
    while let Some(at) = rest.find(['每', '按']) {
        // Both are three bytes in UTF-8.
        let after = &rest[at + 3..];
        // The longest time word first: 个学期 before 学期, 半年 before 年. Time words are at
        // most three characters.
        let mut ends = [0; 3];
        let mut n = 0;
        for (i, c) in after.char_indices().take(3) {
            ends[n] = i + c.len_utf8();
            n += 1;
        }
        if let Some(t) = ends[..n]
            .iter()
            .rev()
            .find_map(|&end| TimeUnit::from_word(&after[..end]))
        {
            return Some(t);
        }
        rest = after;
    }
    None
}

/// How many of `per`'s periods fit in `years` years (`元/人/学期` over 1 year → 2).
pub fn periods(per: TimeUnit, years: Decimal) -> Option<Decimal> {
    per.per_year().map(|n| n * years)
}

/// Total cost in 元 of a per-unit cost (`2000元/人/年`) times a count (`50人`) over `years`.
/// None when the units do not pair: the cost is not money, or is per person and the count
/// is not of people.
pub fn cost_total(
    cost: Decimal,
    cost_unit: &Unit,
    count: Decimal,
    count_unit: Option<&Unit>,
    years: Decimal,
) -> Option<Decimal> {
    let per_unit = to_yuan(cost, cost_unit)?;
    if cost_unit.per_person() {
        let people = count_unit.is_none_or(|u| {
            matches!(u.numerator, Term::Person) || u.numerator == Term::Count("人次".into())
        });
        if !people {
            return None;
        }
    }
    let times = match cost_unit.per_time() {
        Some(t) => periods(t, years)?,
        None => Decimal::ONE,
    };
    Some(per_unit * count * times)
}

/// `a` and `b` agree within `tolerance` (a fraction: 0.05 is 5%) of the larger.
pub fn approx(a: Decimal, b: Decimal, tolerance: Decimal) -> bool {
    let scale = a.abs().max(b.abs());
    (a - b).abs() <= scale * tolerance
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sum converted from 万元 is printed as 元 without the zeros its decimals leave; one
    /// written in 元 keeps its cents as written.
    #[test]
    fn an_amount_in_wan_is_a_whole_sum_of_yuan() {
        let unit = |m: Money| Unit::new(Term::Money(m), Vec::new());
        let yuan = |written: &str, m: Money| {
            let amount: Decimal = written.parse().unwrap();
            to_yuan(amount, &unit(m)).unwrap().to_string()
        };
        assert_eq!(yuan("38.8", Money::Wan), "388000");
        assert_eq!(yuan("110.96", Money::Wan), "1109600");
        assert_eq!(yuan("0.00005", Money::Wan), "0.5");
        assert_eq!(yuan("1.5", Money::Yi), "150000000");
        assert_eq!(yuan("16.00", Money::Yuan), "16.00");
        assert_eq!(yuan("16.5", Money::Yuan), "16.5");
        assert_eq!(
            to_yuan(Decimal::ONE, &Unit::new(Term::Person, Vec::new())),
            None
        );
    }

    #[test]
    fn a_name_states_the_period_after_mei_or_an() {
        let cases = [
            ("每月发放标准", Some(TimeUnit::Month)),
            ("每人每月补助", Some(TimeUnit::Month)),
            ("每生每学期资助标准", Some(TimeUnit::Semester)),
            ("每个学期补助", Some(TimeUnit::Semester)),
            ("按半年发放标准", Some(TimeUnit::HalfYear)),
            ("每学年学费", Some(TimeUnit::Year)),
            ("每天伙食补助", Some(TimeUnit::Day)),
            // A month named, not a rate per month.
            ("3月考试费", None),
            ("月工资标准", None),
            ("按时发放率", None),
            ("每人补助标准", None),
            ("补助标准每", None),
            ("", None),
        ];
        for (name, want) in cases {
            assert_eq!(period_in_name(name), want, "{name}");
        }
    }

    fn u(num: &str, per: &[&str]) -> Unit {
        Unit::new(
            Term::from_word(num),
            per.iter().map(|w| Term::from_word(w)).collect(),
        )
    }

    #[test]
    fn canonical_spellings() {
        assert_eq!(u("元", &["生", "年"]).canonical(), "元/人/年");
        assert_eq!(u("元", &["学期", "生"]).canonical(), "元/人/学期");
        assert_eq!(u("元", &["学年"]).canonical(), "元/年");
        assert_eq!(u("平米", &[]).canonical(), "平方米");
        assert_eq!(u("万元", &["套"]).canonical(), "万元/套");
    }

    #[test]
    fn reversed_units() {
        assert!(u("人", &["元", "学期"]).is_reversed());
        assert!(!u("元", &["人"]).is_reversed());
    }

    #[test]
    fn cost_times_count_times_periods() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        // 750元/学期/生 for 12 students over a year: 750 × 12 × 2.
        let total = cost_total(
            d("750"),
            &u("元", &["学期", "生"]),
            d("12"),
            Some(&u("人", &[])),
            d("1"),
        );
        assert_eq!(total, Some(d("18000")));
        // 2150元/人/月 × 3 people × 12 months.
        let total = cost_total(
            d("2150"),
            &u("元", &["人", "月"]),
            d("3"),
            Some(&u("人", &[])),
            d("1"),
        );
        assert_eq!(total, Some(d("77400")));
        // 1.5万元/套 × 4 套.
        let total = cost_total(
            d("1.5"),
            &u("万元", &["套"]),
            d("4"),
            Some(&u("套", &[])),
            d("1"),
        );
        assert_eq!(total, Some(d("60000")));
        // Per person cannot pair with 套.
        assert_eq!(
            cost_total(
                d("10"),
                &u("元", &["人"]),
                d("4"),
                Some(&u("套", &[])),
                d("1")
            ),
            None
        );
        assert!(approx(d("100"), d("104"), d("0.05")));
        assert!(!approx(d("100"), d("106"), d("0.05")));
    }
}
