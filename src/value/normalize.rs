//! Full-width to ASCII, with a map back to the original bytes.
//!
//! Forms mix `９０％` and `90%`, `≧` and `≥`, and put spaces inside values. The grammar sees
//! one spelling; spans are mapped back so a finding underlines the characters the user typed.

use crate::model::Span;
use std::borrow::Cow;

pub struct Normalized<'a> {
    /// Borrowed when nothing needed changing.
    pub text: Cow<'a, str>,
    /// For each byte of `text`, the byte offset of the character it came from; one extra
    /// entry at the end holds the original length. Empty when nothing changed, which is
    /// most values: then offsets are the same in both texts.
    map: Vec<usize>,
    /// For each byte of `text`, the byte offset just after the character it came from.
    ends: Vec<usize>,
}

impl Normalized<'_> {
    /// The span in the original text of `start..end` in the normalised one.
    pub fn original(&self, start: usize, end: usize) -> Span {
        if self.map.is_empty() {
            let end = end.min(self.text.len());
            return Span::new(start.min(end), end);
        }
        let last = self.map.len() - 1;
        let s = self.map[start.min(last)];
        let e = if end <= start {
            s
        } else {
            self.ends[(end - 1).min(self.ends.len().saturating_sub(1))]
        };
        Span::new(s, e.max(s))
    }
}

fn ascii(c: char) -> Option<char> {
    Some(match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => char::from_u32(c as u32 - 0xFEE0)?,
        '％' => '%',
        '．' => '.',
        '，' => ',',
        '；' => ';',
        '：' => ':',
        '／' => '/',
        '＜' => '<',
        '＞' => '>',
        '＝' => '=',
        '≧' | '⩾' => '≥',
        '≦' | '⩽' => '≤',
        '（' => '(',
        '）' => ')',
        '－' | '—' | '–' | '―' | '～' | '〜' => '-',
        '＊' => '*',
        '＋' => '+',
        _ => return None,
    })
}

/// Normalises a value: full-width forms to ASCII, whitespace removed.
pub fn normalize(text: &str) -> Normalized<'_> {
    if !text
        .chars()
        .any(|c| crate::ingest::is_space(c) || ascii(c).is_some())
    {
        return Normalized {
            text: Cow::Borrowed(text),
            map: Vec::new(),
            ends: Vec::new(),
        };
    }
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(text.len() + 1);
    let mut ends = Vec::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        if crate::ingest::is_space(c) {
            continue;
        }
        let mapped = ascii(c).unwrap_or(c);
        let before = out.len();
        out.push(mapped);
        let n = out.len() - before;
        map.extend(std::iter::repeat_n(i, n));
        ends.extend(std::iter::repeat_n(i + c.len_utf8(), n));
    }
    map.push(text.len());
    Normalized {
        text: Cow::Owned(out),
        map,
        ends,
    }
}

/// Full-width forms to ASCII, spaces kept: the written text with only the character widths
/// changed (`≧９０％` → `≥90%`), for a fix that changes nothing else.
pub fn halfwidth(text: &str) -> Cow<'_, str> {
    let full = |c: char| {
        matches!(
            c,
            '０'..='９' | '％' | '．' | '＞' | '＜' | '＝' | '≧' | '≦' | '＋'
        )
    };
    // Most values are already half-width: those are not copied.
    if !text.chars().any(full) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if full(c) { ascii(c).unwrap_or(c) } else { c })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_becomes_ascii_and_spans_map_back() {
        let raw = "≧ ９０％";
        let n = normalize(raw);
        assert_eq!(n.text, "≥90%");
        let pct = n.text.find('%').unwrap();
        let s = n.original(pct, pct + 1);
        assert_eq!(&raw[s.range()], "％");
        let s = n.original(0, n.text.len());
        assert_eq!(&raw[s.range()], raw);
        let empty = normalize("");
        assert_eq!(empty.original(0, 0), Span::new(0, 0));
        assert_eq!(halfwidth("≧９０．５％（人·小时）"), "≥90.5%（人·小时）");
        assert!(matches!(halfwidth("≥90%"), Cow::Borrowed("≥90%")));
        let plain = normalize("≥90%");
        assert_eq!(plain.original(1, 3), Span::new(1, 3));
    }
}
