//! [`Text`]: a cell's text, held in place when short.
//!
//! A 10 MB file's forms are all held at once, and most of their cells are short: `≥95%`, `1年`,
//! `公里`, `20`. Boxed, each of those was a heap block of its own, and a block costs at least 32
//! bytes whatever it holds: for a file of short pages with extra columns the blocks' overhead
//! was more than a third of the peak (docs/performance.md, memory). Up to [`INLINE`] bytes are
//! kept in the value itself, which is no larger than a `String`.

use std::fmt;
use std::ops::Deref;

/// The most bytes held in place: with the length and the variant's tag, a `Text` is 24 bytes.
pub const INLINE: usize = 22;

/// A cell's text. Reads as a `&str` (`Deref`); built from a `&str` or a `String`.
#[derive(Clone)]
pub struct Text(Repr);

#[derive(Clone)]
enum Repr {
    /// The first `len` bytes of `bytes`, a whole `&str`'s bytes (only [`Text::from`] builds one).
    Inline {
        len: u8,
        bytes: [u8; INLINE],
    },
    Heap(Box<str>),
}

impl Text {
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let bytes = &bytes[..usize::from(*len)];
                // SAFETY: an inline text's bytes are all of a `&str`'s bytes, copied whole
                // (`From<&str>`), so they are valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Repr::Heap(s) => s,
        }
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Self {
        if s.len() <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Text(Repr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            Text(Repr::Heap(s.into()))
        }
    }
}

impl From<String> for Text {
    fn from(s: String) -> Self {
        if s.len() <= INLINE {
            Text::from(s.as_str())
        } else {
            Text(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<Text> for String {
    fn from(t: Text) -> Self {
        match t.0 {
            Repr::Heap(s) => s.into(),
            Repr::Inline { .. } => t.as_str().to_owned(),
        }
    }
}

impl Deref for Text {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_text_is_no_larger_than_a_string() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
        assert_eq!(std::mem::size_of::<Option<Text>>(), 24);
    }

    /// Every length reads back as written, on both sides of the inline limit, from either
    /// kind of source; a multi-byte character at the limit is never split.
    #[test]
    fn reads_back_what_it_was_built_from() {
        for s in [
            "",
            "≥",
            "公里",
            "≥95%",
            "1234567890123456789012",
            "12345678901234567890123",
            "每公里养护成本每公里", // 30 bytes
            "一二三四五六七",       // 21 bytes
            "一二三四五六七a",      // 22 bytes: inline
            "一二三四五六七八",     // 24 bytes: boxed
        ] {
            let a = Text::from(s);
            let b = Text::from(s.to_owned());
            assert_eq!(&*a, s);
            assert_eq!(&*b, s);
            assert_eq!(a, b);
            assert_eq!(String::from(a.clone()), s);
            assert_eq!(a.to_string(), s);
            assert_eq!(format!("{a:?}"), format!("{s:?}"));
            assert_eq!(matches!(a.0, Repr::Inline { .. }), s.len() <= INLINE, "{s}");
        }
    }

    #[test]
    fn serialises_as_its_text() {
        let t = Text::from("计量单位");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"计量单位\"");
        let long = Text::from("服务对象满意度指标的名称很长");
        assert_eq!(
            serde_json::to_string(&long).unwrap(),
            "\"服务对象满意度指标的名称很长\""
        );
    }
}
