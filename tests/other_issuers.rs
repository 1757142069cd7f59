//! Layouts of other issuers: other label spellings, a single 指标值 column, extra columns,
//! amounts declared in 万元. The fixture is written in the style of published county forms.

use kpilint::ingest;
use kpilint::model::{FormKind, GridLayout, MoneyUnit};
use rust_decimal::Decimal;
use std::path::Path;

#[test]
fn single_period_form_with_extra_columns() {
    let ing = ingest::read_path(Path::new("tests/fixtures/other_issuer_single_period.txt"));
    assert!(ing.diagnostics.is_empty(), "{:?}", ing.diagnostics);
    let d = &ing.document;
    assert_eq!(d.forms.len(), 1);
    let f = &d.forms[0];
    assert_eq!(f.kind, FormKind::Project);
    assert_eq!(
        f.name.value.as_deref(),
        Some("乡村道路养护"),
        "项目支出名称"
    );
    assert_eq!(f.period.value.as_deref(), Some("3年"), "项目期限");
    assert_eq!(f.money_unit, MoneyUnit::WanYuan);
    assert_eq!(
        f.funds_annual.total.value,
        Some(Decimal::new(1_205_000, 0)),
        "120.5 万元"
    );
    assert_eq!(f.funds_implementation.total.value, None, "no 实施期 column");
    assert_eq!(f.grid_layout, GridLayout::SinglePeriod);
    assert_eq!(f.indicators.len(), 6);
    let first = f.indicators[0].annual.as_ref().unwrap();
    assert!(f.indicators.iter().all(|r| r.implementation.is_none()));
    assert_eq!(first.name.value.as_deref(), Some("养护里程"));
    assert_eq!(first.value.value.as_deref(), Some("35"));
    let extras: Vec<(&str, Option<&str>)> = first
        .extras
        .iter()
        .map(|(k, c)| (k.as_str(), c.value.as_deref()))
        .collect();
    assert_eq!(
        extras,
        [
            ("指标性质", Some("≥")),
            ("计量单位", Some("公里")),
            ("权重", Some("20"))
        ]
    );
    let quality = f.indicators[4].annual.as_ref().unwrap();
    assert_eq!(quality.level2.value.as_deref(), Some("社会效益指标"));
    assert_eq!(quality.level1.value.as_deref(), Some("效益指标"));
    assert_eq!(f.sign_off.principal.value.as_deref(), Some("张三"));
    assert_eq!(f.sign_off.date.value.as_deref(), Some("2025-01-10"));
}
