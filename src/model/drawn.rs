//! [`DrawnRows`]: what is left of a form's indicator rows, once the rules have judged it, for
//! a report that draws the rows findings point into ([`super::RowsKept::Touched`]).
//!
//! The HTML report draws four texts of a half: its 二级指标, 三级指标 and 指标值, and which
//! period it is. A row of the model holds far more (both halves' labels and spans, extra
//! columns, a heap block for each long cell): a 10 MB file whose every row is a finding kept
//! 184,000 of them for the report, some 40 MB. Held here, a half is its spans and the
//! offsets of its texts, and the texts of a form are one string.

use super::{IndicatorHalf, IndicatorRow, Span};

/// The halves of some of a form's rows, in print order, 实施期 before 年度 within a row. Boxed,
/// and nothing when there are none: every form has one, empty unless the HTML report is
/// written.
#[derive(Debug, Clone, Default)]
pub struct DrawnRows(Option<Box<Held>>);

#[derive(Debug, Clone, Default)]
struct Held {
    /// Every text drawn, one after another.
    texts: String,
    halves: Vec<HeldHalf>,
}

/// A [`DrawnHalf`] as held.
#[derive(Debug, Clone, Copy)]
struct HeldHalf {
    annual: bool,
    level2: Piece,
    name: (Span, Piece),
    value: (Span, Piece),
}

/// Where a text is in [`Held::texts`], or that the cell was empty.
#[derive(Debug, Clone, Copy)]
struct Piece {
    start: u32,
    len: u32,
}

impl Piece {
    const MISSING: Piece = Piece {
        start: u32::MAX,
        len: 0,
    };
}

/// One half of a row, as a report draws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DrawnHalf<'a> {
    /// Whether it is the 年度 half (else the 实施期 one).
    pub annual: bool,
    /// 二级指标.
    pub level2: Option<&'a str>,
    /// 三级指标: the cell, and its text if it has one.
    pub name: (Span, Option<&'a str>),
    /// 指标值: the cell, and its text if it has one.
    pub value: (Span, Option<&'a str>),
}

impl DrawnRows {
    /// Both halves of each of `rows`, whatever is left of them to draw.
    pub fn of<'r>(rows: impl IntoIterator<Item = &'r IndicatorRow>) -> DrawnRows {
        let mut held = Held::default();
        for h in rows.into_iter().flat_map(IndicatorRow::drawn_halves) {
            let before = held.halves.last().copied();
            let half = HeldHalf {
                annual: h.annual,
                level2: held.put(h.level2, before.map(|b| b.level2)),
                name: (h.name.0, held.put(h.name.1, before.map(|b| b.name.1))),
                value: (h.value.0, held.put(h.value.1, before.map(|b| b.value.1))),
            };
            held.halves.push(half);
        }
        if held.halves.is_empty() {
            return DrawnRows(None);
        }
        held.texts.shrink_to_fit();
        held.halves.shrink_to_fit();
        DrawnRows(Some(Box::new(held)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// The halves, in print order.
    pub fn halves(&self) -> impl Iterator<Item = DrawnHalf<'_>> + '_ {
        self.0.iter().flat_map(|held| {
            held.halves.iter().map(|h| DrawnHalf {
                annual: h.annual,
                level2: held.text(h.level2),
                name: (h.name.0, held.text(h.name.1)),
                value: (h.value.0, held.text(h.value.1)),
            })
        })
    }
}

impl Held {
    /// Where `text` is held, added unless it is the text of `before`, which the half before
    /// holds in the same place: a row's two halves mostly share their 二级指标 and 三级指标, and
    /// the rows of a block their 二级指标.
    fn put(&mut self, text: Option<&str>, before: Option<Piece>) -> Piece {
        let Some(text) = text else {
            return Piece::MISSING;
        };
        if let Some(b) = before.filter(|&b| self.text(b) == Some(text)) {
            return b;
        }
        // A form's texts are a part of its file's, and files past 64 MB are refused.
        let piece = Piece {
            start: self.texts.len() as u32,
            len: text.len() as u32,
        };
        self.texts.push_str(text);
        piece
    }

    fn text(&self, p: Piece) -> Option<&str> {
        let start = p.start as usize;
        (p.start != u32::MAX).then(|| &self.texts[start..start + p.len as usize])
    }
}

impl DrawnHalf<'_> {
    /// The cells a finding points at for a report to draw the half, and so for
    /// [`super::RowsKept::Touched`] to keep its row: its 三级指标 and its 指标值. One list, so that
    /// what is kept and what is drawn cannot disagree.
    pub fn cells(&self) -> [Span; 2] {
        [self.name.0, self.value.0]
    }
}

impl IndicatorHalf {
    /// The half as a report draws it.
    pub fn drawn(&self, annual: bool) -> DrawnHalf<'_> {
        DrawnHalf {
            annual,
            level2: self.level2.value.as_deref(),
            name: (self.name.span, self.name.value.as_deref()),
            value: (self.value.span, self.value.value.as_deref()),
        }
    }
}

impl IndicatorRow {
    /// The row's halves as a report draws them, 实施期 first.
    pub fn drawn_halves(&self) -> impl Iterator<Item = DrawnHalf<'_>> {
        [false, true]
            .into_iter()
            .zip(self.halves())
            .filter_map(|(annual, h)| h.map(|h| h.drawn(annual)))
    }
}

impl super::Form {
    /// Every half a report may draw: the rows' if they are kept, else those kept to be drawn
    /// ([`DrawnRows`]). A form has one or the other.
    pub fn drawn_halves(&self) -> impl Iterator<Item = DrawnHalf<'_>> {
        (self.indicators.iter().flat_map(IndicatorRow::drawn_halves)).chain(self.drawn.halves())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Cell, Text};

    fn half(
        level2: &'static str,
        name: Option<&str>,
        value: Option<&str>,
        at: usize,
    ) -> IndicatorHalf {
        let cell = |t: Option<&str>, at: usize| match t {
            Some(t) => Cell::new(Text::from(t), Span::new(at, at + t.len())),
            None => Cell::missing(Span::empty(at)),
        };
        IndicatorHalf {
            level1: Cell::new("产出指标".into(), Span::new(at, at + 1)),
            level2: Cell::new(level2.into(), Span::new(at + 1, at + 2)),
            name: cell(name, at + 10),
            value: cell(value, at + 100),
            extras: Box::new([]),
        }
    }

    /// What a report draws of a row is the same read from the row or from what is kept of it:
    /// both halves in order, texts long and short, and empty cells where they were.
    #[test]
    fn rows_kept_to_be_drawn_draw_as_the_rows() {
        let long = "养护道路里程第一千二百三十四段（含桥梁与涵洞）";
        let rows = vec![
            IndicatorRow {
                span: Span::new(0, 200),
                implementation: Some(Box::new(half("数量指标", Some(long), Some("≥95%"), 0))),
                annual: Some(half("质量指标", None, Some("1年"), 300)),
            },
            IndicatorRow {
                span: Span::new(600, 700),
                implementation: None,
                annual: Some(half("时效指标", Some("完成时间"), None, 600)),
            },
            IndicatorRow {
                span: Span::new(800, 1000),
                implementation: Some(Box::new(half(
                    "时效指标",
                    Some("完成时间"),
                    Some("1年"),
                    800,
                ))),
                annual: Some(half("时效指标", Some("完成时间"), Some("2年"), 900)),
            },
        ];
        let drawn = DrawnRows::of(&rows);
        let from_rows: Vec<DrawnHalf> = rows.iter().flat_map(IndicatorRow::drawn_halves).collect();
        assert_eq!(drawn.halves().collect::<Vec<_>>(), from_rows);
        assert_eq!(from_rows.len(), 5);
        // A text the half before holds in the same place is held once: the last row's labels
        // and names are the row before's.
        let held = drawn.0.as_ref().expect("halves held");
        let texts = [
            "数量指标",
            long,
            "≥95%",
            "质量指标",
            "1年",
            "时效指标",
            "完成时间",
            "1年",
            "2年",
        ];
        assert_eq!(held.texts.len(), texts.concat().len());
        assert_eq!(
            from_rows[0],
            DrawnHalf {
                annual: false,
                level2: Some("数量指标"),
                name: (Span::new(10, 10 + long.len()), Some(long)),
                value: (Span::new(100, 106), Some("≥95%")),
            }
        );
        assert!(from_rows[1].annual && from_rows[1].name == (Span::empty(310), None));
        assert_eq!(from_rows[2].value, (Span::empty(700), None));
        assert_eq!(
            from_rows[2].cells(),
            [Span::new(610, 622), Span::empty(700)]
        );
        assert!(DrawnRows::of(&[]).is_empty() && !drawn.is_empty());
    }
}
