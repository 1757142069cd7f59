//! Indicator values (指标值).
