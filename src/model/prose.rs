//! A form's prose (its text fields and its sign-off row), held in a box of its own.
//!
//! Once the per-form rules have judged a form, nothing but a document rule reads its prose,
//! and `kpilint check` lets it go ([`super::Form::forget_prose`]). Held inline, the 352 bytes
//! of its empty cells stayed in every judged form: 3 MB of a 10 MB workbook of 8,500 forms
//! (docs/performance.md). Boxed, a form let go of its prose keeps 16 bytes for it.

use super::{Cell, SignOff, Span, TextFields};
use serde::{Serialize, Serializer};
use std::ops::{Deref, DerefMut};

/// A part of a form that is prose: read and written as the part itself; once let go
/// ([`Prose::forget`]), read as every cell missing at the file's start.
#[derive(Clone, Default)]
pub struct Prose<T: Blank>(Option<Box<T>>);

/// A part of a form with every cell missing, for a [`Prose`] let go of to read as.
pub trait Blank: Default + 'static {
    fn blank() -> &'static Self;
}

impl<T: Blank> Prose<T> {
    /// Lets go of the part.
    pub fn forget(&mut self) {
        self.0 = None;
    }

    /// The part itself, to take its cells apart.
    pub fn into_inner(self) -> T {
        self.0.map_or_else(T::default, |b| *b)
    }
}

impl<T: Blank> From<T> for Prose<T> {
    fn from(part: T) -> Self {
        Prose(Some(Box::new(part)))
    }
}

impl<T: Blank> Deref for Prose<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match &self.0 {
            Some(part) => part,
            None => T::blank(),
        }
    }
}

/// Writing to a part let go of gives it back, blank: nothing does once a form is judged.
impl<T: Blank> DerefMut for Prose<T> {
    fn deref_mut(&mut self) -> &mut T {
        self.0.get_or_insert_with(Box::default)
    }
}

impl<T: Blank + std::fmt::Debug> std::fmt::Debug for Prose<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T: Blank + Serialize> Serialize for Prose<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        (**self).serialize(s)
    }
}

const MISSING: Cell<super::Text> = Cell {
    value: None,
    span: Span::empty(0),
};

impl Blank for TextFields {
    fn blank() -> &'static Self {
        static BLANK: TextFields = TextFields {
            overview: MISSING,
            basis: MISSING,
            necessity: MISSING,
            measures: MISSING,
            plan: MISSING,
            goal_implementation: MISSING,
            goal_annual: MISSING,
        };
        &BLANK
    }
}

impl Blank for SignOff {
    fn blank() -> &'static Self {
        static BLANK: SignOff = SignOff {
            principal: MISSING,
            handler: MISSING,
            phone: MISSING,
            date: MISSING,
        };
        &BLANK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Text;

    #[test]
    fn a_part_let_go_reads_blank_and_one_kept_reads_as_written() {
        let mut kept: Prose<SignOff> = SignOff {
            phone: Cell::new(Text::from("0353-1234567"), Span::new(3, 15)),
            ..SignOff::missing_at(Span::empty(3))
        }
        .into();
        assert_eq!(kept.phone.value.as_deref(), Some("0353-1234567"));
        assert_eq!(kept.date.span, Span::empty(3));
        kept.date = Cell::new(Text::from("2025-01-10"), Span::new(20, 30));
        assert_eq!(kept.clone().into_inner().date.span, Span::new(20, 30));
        kept.forget();
        assert!(kept.phone.is_missing() && kept.date.is_missing());
        assert!(std::mem::size_of::<Prose<TextFields>>() <= 8);
    }
}
