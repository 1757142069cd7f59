//! Lines and cells of a tab-separated text extraction.
//!
//! A cell keeps its column index (its position among the tab-separated fields) and the
//! span of its trimmed content. Column indexes are a tie-breaker only: the same grid is
//! printed with 7 to 21 tabs, so readers anchor on labels, not on columns.

use crate::model::{Span, Spots, Text};
use std::ops::Range;
use std::sync::OnceLock;

/// A cell borrows its text from the document: a 10 MB file has a million cells, and a
/// `String` each made reading it cost ten times its size.
#[derive(Debug, Clone, Copy)]
pub struct RawCell<'t> {
    /// Index among the tab-separated fields of the line.
    pub col: usize,
    /// The trimmed content (empty cells have an empty span where they are).
    pub span: Span,
    /// The trimmed content, with any trailing HTML fragment cut off.
    pub text: &'t str,
}

impl RawCell<'_> {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }
}

/// A line's cells are a slice of a buffer the cells of many lines share ([`Lines`]): a
/// vector for each line was a third of the allocations of reading a form.
#[derive(Debug, Clone, Copy)]
pub struct Line<'t> {
    /// The line without its line ending.
    pub span: Span,
    /// Every tab-separated field, empty ones included.
    pub cells: &'t [RawCell<'t>],
}

/// The fields of a line that are read. A real table is a few dozen columns wide; a line of
/// millions of tabs (a damaged file, a hostile one) held a cell for each: 300 MB for 9 MB.
pub const MAX_FIELDS: usize = 1_000;

/// Lines split into cells, the cells of all of them in one buffer.
#[derive(Debug, Default)]
pub struct Lines<'t> {
    cells: Vec<RawCell<'t>>,
    /// Each line's span and where its cells are in `cells`.
    lines: Vec<(Span, Range<usize>)>,
    /// The first line kept with more than [`MAX_FIELDS`] fields: where its unread part starts,
    /// and how many fields it has.
    wide: Option<(Span, usize)>,
}

impl<'t> Lines<'t> {
    /// Room for the lines and cells of `bytes` of text (up to a few thousand cells): a form's
    /// fit in the first allocation, not grown to from nothing (copying them each time).
    ///
    /// The buffers a `Lines` dropped on this thread left behind are taken first ([`Spare`]):
    /// a form's were allocated and freed anew for every form, some 2,000 instructions a form.
    pub fn for_text(bytes: usize) -> Self {
        let (mut cells, mut lines) = SPARE
            .with(|spare| spare.take())
            .map(|spare| (emptied(spare.cells), spare.lines))
            .unwrap_or_default();
        cells.reserve((bytes / 4).min(SPARE_CELLS_MAX));
        lines.reserve((bytes / 64).min(SPARE_LINES_MAX));
        Lines {
            cells,
            lines,
            wide: None,
        }
    }

    /// Splits the line at `span` (one of [`lines_in`]) and keeps it if `keep` says so. A line
    /// not kept leaves nothing behind but the buffer's capacity.
    pub fn push_if(&mut self, text: &'t str, span: Span, keep: impl FnOnce(&Line) -> bool) {
        let start = self.cells.len();
        // A line shorter than MAX_FIELDS bytes cannot have more fields, and is not counted
        // cell by cell against the limit (which cost every run 0.6% of its instructions).
        if span.len() < MAX_FIELDS {
            self.cells.extend(cells_of(text, span));
        } else {
            self.cells.extend(cells_of(text, span).take(MAX_FIELDS));
        }
        let line = Line {
            span,
            cells: &self.cells[start..],
        };
        if keep(&line) {
            if self.wide.is_none() && line.cells.len() == MAX_FIELDS {
                self.wide = cut_off(text, span);
            }
            self.lines.push((span, start..self.cells.len()));
        } else {
            self.cells.truncate(start);
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// The first line kept that was cut at [`MAX_FIELDS`]: where its unread part starts, and
    /// how many fields it has.
    pub fn wide(&self) -> Option<(Span, usize)> {
        self.wide
    }

    /// The lines kept, in the order they were pushed.
    pub fn views(&self) -> Vec<Line<'_>> {
        self.lines
            .iter()
            .map(|(span, range)| Line {
                span: *span,
                cells: &self.cells[range.clone()],
            })
            .collect()
    }
}

/// The buffers of the last [`Lines`] dropped on a thread, emptied, for the next one made there.
/// Only buffers of ordinary size are kept: between forms a thread holds at most the room
/// [`Lines::for_text`] asks for at most, not the room of the largest section it ever read.
struct Spare {
    cells: Vec<RawCell<'static>>,
    lines: Vec<(Span, Range<usize>)>,
}

/// The most cells' room a thread keeps for its next [`Lines`] (160 KB; a form of ordinary
/// size needs a few hundred cells), and the most lines'.
const SPARE_CELLS_MAX: usize = 4096;
const SPARE_LINES_MAX: usize = 1024;

thread_local! {
    static SPARE: std::cell::Cell<Option<Spare>> = const { std::cell::Cell::new(None) };
}

impl Drop for Lines<'_> {
    fn drop(&mut self) {
        if self.cells.capacity() > SPARE_CELLS_MAX || self.lines.capacity() > SPARE_LINES_MAX {
            return;
        }
        let mut lines = std::mem::take(&mut self.lines);
        lines.clear();
        let spare = Spare {
            cells: emptied(std::mem::take(&mut self.cells)),
            lines,
        };
        // `try_with`: a thread being torn down keeps nothing.
        let _ = SPARE.try_with(|slot| slot.set(Some(spare)));
    }
}

/// `cells`, emptied, as a vector of cells borrowing from another text. Collected in place, the
/// vector keeps its allocation: its cells have the same layout whatever text they borrow, and
/// an empty vector has none left to borrow from the old one.
fn emptied<'a, 'b>(mut cells: Vec<RawCell<'a>>) -> Vec<RawCell<'b>> {
    cells.clear();
    cells
        .into_iter()
        .map(|_| -> RawCell<'b> { unreachable!("the vector was emptied") })
        .collect()
}

impl<'t> Line<'t> {
    pub fn non_empty(&self) -> impl Iterator<Item = &RawCell<'t>> {
        self.cells.iter().filter(|c| !c.is_empty())
    }

    pub fn first(&self) -> Option<&RawCell<'t>> {
        self.non_empty().next()
    }

    pub fn is_blank(&self) -> bool {
        self.non_empty().next().is_none()
    }

    /// The first empty cell after column `col`: where a missing value would have been.
    pub fn empty_slot_after(&self, col: usize) -> Option<Span> {
        self.cells
            .iter()
            .find(|c| c.col > col && c.is_empty())
            .map(|c| c.span)
    }
}

/// Whitespace as these files use it: ASCII, full-width (U+3000) and no-break spaces.
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{3000}' || c == '\u{a0}' || c == '\u{feff}'
}

/// Whether a character starting with byte `b` cannot be a space of [`is_space`]: an ASCII
/// byte other than the ASCII spaces, or the lead byte of a character outside the few ranges
/// Unicode's spaces are in (U+0085/U+00A0, U+1680, U+2000–U+205F, U+3000, U+FEFF). Every
/// cell is trimmed at both ends, and most start and end with a CJK character or a digit:
/// this settles them without decoding the character and looking it up in Unicode's tables.
pub const fn surely_not_space(b: u8) -> bool {
    if b.is_ascii() {
        return !matches!(b, b'\t'..=b'\r' | b' ');
    }
    !matches!(b, 0xc2 | 0xe1 | 0xe2 | 0xe3 | 0xef) && b >= 0xc0
}

/// `s.trim_start_matches(is_space)`, without decoding the usual first character. A first
/// character whose lead byte spaces share (`（`, `“`, `《`) is decoded and asked alone: the
/// trimming search cost some fifty instructions to find nothing to trim.
fn trim_start_spaces(s: &str) -> &str {
    match s.as_bytes().first() {
        Some(&b) if surely_not_space(b) => s,
        _ => match s.chars().next() {
            Some(c) if !is_space(c) => s,
            _ => s.trim_start_matches(is_space),
        },
    }
}

/// `s.trim_end_matches(is_space)`, without decoding the usual last character; a last
/// character whose lead byte spaces share (`）`, `”`, `。`) is asked alone, as at the start.
fn trim_end_spaces(s: &str) -> &str {
    // The last character's first byte: the last byte that is not a continuation byte.
    match s.bytes().rev().find(|b| !(0x80..0xc0).contains(b)) {
        Some(b) if surely_not_space(b) => s,
        _ => match s.chars().next_back() {
            Some(c) if !is_space(c) => s,
            _ => s.trim_end_matches(is_space),
        },
    }
}

/// `s.chars().any(is_space)`, read by the first byte of each character. Only the ASCII spaces
/// and the lead bytes of the spaces' ranges (see [`surely_not_space`]) are looked at twice, and
/// those that also start common punctuation (0xE2 `“—…`, 0xE3 `、`, 0xEF `（`) are settled by
/// the bytes after them. Most cells a reader squeezes have no space: decoding each of their
/// characters to ask cost a run 0.7% of its instructions, and reading every byte of them 0.7%.
pub fn has_space(s: &str) -> bool {
    finds(s, &SPACE_LEAD)
}

/// Whether `s` has a space ([`has_space`]) or an ASCII parenthesis: whether a label has
/// anything for normalising to change inside it, in one pass over its bytes rather than two.
pub fn has_space_or_paren(s: &str) -> bool {
    finds(s, &SPACE_OR_PAREN_LEAD)
}

/// Whether `s` has a space, or an ASCII byte `lead` marks besides the spaces' lead bytes.
#[inline(always)]
fn finds(s: &str, lead: &[bool; 256]) -> bool {
    let b = s.as_bytes();
    let at = |i: usize| b.get(i).copied().unwrap_or(0);
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if lead[c as usize] {
            let found = match c {
                // U+0085, U+00A0.
                0xc2 => matches!(at(i + 1), 0x85 | 0xa0),
                // U+1680.
                0xe1 => at(i + 1) == 0x9a && at(i + 2) == 0x80,
                // U+2000–U+205F: spaces and non-spaces (U+200B, U+2010) mixed.
                0xe2 => {
                    matches!(at(i + 1), 0x80 | 0x81) && s[i..].chars().next().is_some_and(is_space)
                }
                // U+3000.
                0xe3 => at(i + 1) == 0x80 && at(i + 2) == 0x80,
                // U+FEFF.
                0xef => at(i + 1) == 0xbb && at(i + 2) == 0xbf,
                // The ASCII spaces, and any other ASCII byte the table marks.
                _ => true,
            };
            if found {
                return true;
            }
        }
        // On to the next character: the bytes after a lead byte continue it and start
        // nothing, and most cells are Chinese, three bytes a character.
        i += usize::from(UTF8_LEN[c as usize]);
    }
    false
}

/// The length of the UTF-8 character a byte starts (1 for a continuation byte, which starts
/// none: [`finds`] steps from character to character and never meets one).
static UTF8_LEN: [u8; 256] = {
    let mut t = [1u8; 256];
    let mut b = 0xc0;
    while b < 256 {
        t[b] = if b < 0xe0 {
            2
        } else if b < 0xf0 {
            3
        } else {
            4
        };
        b += 1;
    }
    t
};

/// The bytes [`has_space`] looks at twice: those that may start a space by
/// [`surely_not_space`], but for continuation bytes, which start nothing.
static SPACE_LEAD: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = !surely_not_space(b as u8) && !(b >= 0x80 && b < 0xc0);
        b += 1;
    }
    t
};

/// [`SPACE_LEAD`] and the ASCII parentheses.
static SPACE_OR_PAREN_LEAD: [bool; 256] = {
    let mut t = SPACE_LEAD;
    t[b'(' as usize] = true;
    t[b')' as usize] = true;
    t
};

/// Splits the text into lines (LF or CRLF) and the lines into cells.
#[cfg(test)]
pub fn lines(text: &str) -> Lines<'_> {
    let mut out = Lines::default();
    for span in lines_in(text, whole(text)) {
        out.push_if(text, span, |_| true);
    }
    out
}

/// The range of [`lines_in`] that covers every line of `text`, including the empty one
/// after a final line ending (as `str::split('\n')` gives it).
pub fn whole(text: &str) -> Range<usize> {
    0..text.len() + 1
}

/// The lines (LF or CRLF) that start in `range`, without their line endings: `range` starts
/// at a line start and ends at one (or is [`whole`]). Nothing is stored: a reader keeps no
/// table of every line of a large file.
///
/// The line ends are found by [`Spots`] over the range: a `memchr` call for each line cost
/// some eighty instructions on a form's lines of a hundred bytes, 0.8% of a run. A range that
/// does not end at a line start (the caller's mistake) ends its last line where `memchr`
/// finds its end, as before.
pub fn lines_in(text: &str, range: Range<usize>) -> impl Iterator<Item = Span> + '_ {
    let bytes = text.as_bytes();
    let mut start = range.start;
    let end = range.end.min(text.len() + 1);
    let base = start.min(text.len());
    let mut ends = Spots::<b'\n'>::new(&bytes[base..end.clamp(base, text.len())]);
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        let found = match ends.next() {
            Some(i) => Some(base + i),
            None => memchr::memchr(b'\n', &bytes[start..]).map(|i| start + i),
        };
        let (line_end, next) = match found {
            Some(at) => (at, at + 1),
            None => (text.len(), text.len() + 1),
        };
        let content_end = if line_end > start && bytes[line_end - 1] == b'\r' {
            line_end - 1
        } else {
            line_end
        };
        let span = Span::new(start, content_end);
        start = next;
        Some(span)
    })
}

/// The line at `span` (one of [`lines_in`]) split for one look at it; the lines that are
/// read are split into [`Lines`].
pub fn look_at<R>(text: &str, span: Span, look: impl FnOnce(&Line<'_>) -> R) -> R {
    let cells: Vec<RawCell<'_>> = cells_of(text, span).take(MAX_FIELDS).collect();
    look(&Line {
        span,
        cells: &cells,
    })
}

/// The only non-empty cell of the line at `span`, if it has exactly one: a title is such a
/// line, and most lines are not, so this is asked of every line without splitting it.
pub fn sole_cell(text: &str, span: Span) -> Option<RawCell<'_>> {
    let mut filled = cells_of(text, span).filter(|c| !c.is_empty());
    let only = filled.next()?;
    filled.next().is_none().then_some(only)
}

/// Where the line at `span` is cut at [`MAX_FIELDS`] fields, if it has more: the start of
/// the field after the last one read, and how many fields the line has.
fn cut_off(text: &str, span: Span) -> Option<(Span, usize)> {
    let line = text[span.range()].as_bytes();
    let tab = memchr::memchr_iter(b'\t', line).nth(MAX_FIELDS - 1)?;
    let fields = 1 + memchr::memchr_iter(b'\t', line).count();
    Some((Span::empty(span.start() + tab + 1), fields))
}

/// Every tab-separated field of the line at `span`, empty ones included.
fn cells_of(text: &str, span: Span) -> Cells<'_> {
    let line = &text.as_bytes()[span.range()];
    Cells {
        text,
        tabs: Spots::new(line),
        line_start: span.start(),
        line_end: span.end(),
        cell_start: Some(span.start()),
        col: 0,
    }
}

/// The fields of one line ([`cells_of`]). A loop of its own, not tabs chained to the line's
/// end, numbered and mapped: each of those layers moved every cell along once more and asked
/// again whether the line was done, some thirty instructions a field, and a form has 260
/// fields, most of them empty.
struct Cells<'t> {
    text: &'t str,
    /// The tabs, and whether a `<` was seen: few lines have HTML in them, and a cell whose
    /// bytes held none is not searched for a tag.
    tabs: Spots<'t, b'\t', b'<'>,
    line_start: usize,
    line_end: usize,
    /// Where the next field starts; `None` once the last one was given.
    cell_start: Option<usize>,
    col: usize,
}

impl<'t> Iterator for Cells<'t> {
    type Item = RawCell<'t>;

    #[inline]
    fn next(&mut self) -> Option<RawCell<'t>> {
        let start = self.cell_start?;
        let end = match self.tabs.next() {
            Some(tab) => {
                let end = self.line_start + tab;
                self.cell_start = Some(end + 1);
                end
            }
            None => {
                self.cell_start = None;
                self.line_end
            }
        };
        let col = self.col;
        self.col += 1;
        // Most fields of a grid line are empty (two tabs in a row): made here, not in a
        // call for each (800,000 calls in 3,000 forms, a fifth of splitting them).
        if start == end {
            return Some(RawCell {
                col,
                span: Span::empty(start),
                text: "",
            });
        }
        // Every byte of the cell was looked at by now: the tab after it was found, or the
        // line's end reached.
        Some(make_cell(self.text, col, start, end, self.tabs.watched()))
    }
}

/// The cell between `start` and `end` (not empty: [`cells_of`] makes those); `tags` says
/// whether a `<` was seen on its line up to the cell's end: without one, it holds no tag.
fn make_cell(text: &str, col: usize, start: usize, end: usize, tags: bool) -> RawCell<'_> {
    // An empty cell still has a place: the gap between its tabs.
    let empty = RawCell {
        col,
        span: Span::empty(start),
        text: "",
    };
    let raw = &text[start..end];
    let cut = if tags { html_cut(raw) } else { raw.len() };
    let raw = &raw[..cut];
    let from_start = trim_start_spaces(raw);
    let lead = raw.len() - from_start.len();
    let trimmed = trim_end_spaces(from_start);
    let s = start + lead;
    if trimmed.is_empty() {
        return empty;
    }
    RawCell {
        col,
        span: Span::new(s, s + trimmed.len()),
        text: trimmed,
    }
}

/// Where an HTML fragment starts in a cell. The text before the first tag is the real cell;
/// what the tags hold repeats the cells that follow (LAYOUT.md §3). A value may itself start
/// with `<` (`<10月`, `<3.05万元/套`), so only real tags count.
fn html_cut(cell: &str) -> usize {
    static TAG: OnceLock<regex::Regex> = OnceLock::new();
    let tag = TAG.get_or_init(|| {
        regex::Regex::new(r"(?i)</?\s*(td|th|tr|table|tbody|thead|b|br|p|span|div|font)\b[^<>]*>")
            .expect("valid regex")
    });
    if !cell.contains('<') {
        return cell.len();
    }
    tag.find(cell).map_or(cell.len(), |m| m.start())
}

/// [`squeeze`] as a model cell's text: a cell with no space (most) is held as it is, not
/// copied into a `String` first and then into the cell.
pub fn squeeze_text(text: &str) -> Text {
    if has_space(text) {
        squeeze(text).into()
    } else {
        text.into()
    }
}

/// Text with spaces inside words removed (`财政资 金` → `财政资金`); a space between two
/// ASCII letters or digits is kept (`LED 屏` stays readable).
pub fn squeeze(text: &str) -> String {
    if !has_space(text) {
        return text.to_owned();
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if is_space(c) {
            let mut j = i;
            while j < chars.len() && is_space(chars[j]) {
                j += 1;
            }
            let before = out.chars().last();
            let after = chars.get(j).copied();
            if let (Some(b), Some(a)) = (before, after) {
                if b.is_ascii_alphanumeric() && a.is_ascii_alphanumeric() {
                    out.push(' ');
                }
            }
            i = j;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A line's cells are its fields as `split('\t')` gives them, numbered from zero, each
        /// trimmed of spaces, with the span of what is left (an empty field's span is empty, at
        /// its start): tabs at either end, tabs in a row and fields of spaces alone included.
        #[test]
        fn cells_are_the_fields_split_at_tabs_and_trimmed(
            line in "[\t\t a项\u{3000}]{0,24}"
        ) {
            let text = format!("x\n{line}\ny");
            let span = Span::new(2, 2 + line.len());
            let got: Vec<(usize, &str, Span)> =
                cells_of(&text, span).map(|c| (c.col, c.text, c.span)).collect();
            let mut want = Vec::new();
            let mut start = span.start();
            for (col, field) in line.split('\t').enumerate() {
                let trimmed = field.trim_matches(is_space);
                let lead = field.len() - field.trim_start_matches(is_space).len();
                let at = if trimmed.is_empty() {
                    Span::empty(start)
                } else {
                    Span::new(start + lead, start + lead + trimmed.len())
                };
                want.push((col, trimmed, at));
                start += field.len() + 1;
            }
            proptest::prop_assert_eq!(got, want);
        }

        /// A cell is cut at an HTML tag in it wherever its `<` falls among the sixteen-byte
        /// pieces a line is read in: as if every cell were searched for one.
        #[test]
        fn tags_are_cut_wherever_they_fall(
            fields in proptest::collection::vec(proptest::sample::select(vec![
                "", "项目", "<td>x</td>", "a<br/>b", "<10月", " <p> ", "一二三四五六七八", "x<"
            ]), 0..12)
        ) {
            let line = fields.join("\t");
            let text = format!("{line}\n");
            let span = Span::new(0, line.len());
            let got: Vec<(usize, &str, Span)> =
                cells_of(&text, span).map(|c| (c.col, c.text, c.span)).collect();
            let mut want = Vec::new();
            let mut start = 0;
            for (col, field) in line.split('\t').enumerate() {
                let c = make_cell(&text, col, start, start + field.len(), true);
                want.push((col, c.text, c.span));
                start += field.len() + 1;
            }
            proptest::prop_assert_eq!(got, want);
        }

        /// A range's lines are the lines of `split('\n')` (a CR before the LF left out) that
        /// start in it, each ending where its own line does: for a range that ends at a line
        /// start, as a section does, and for one that ends inside a line, as none should.
        #[test]
        fn a_range_holds_the_lines_that_start_in_it(
            text in "[a项\t\r\n]{0,60}",
            from in 0usize..12,
            to in 0usize..12,
            cut in 0usize..4,
        ) {
            let mut all = Vec::new();
            let mut start = 0;
            for line in text.split('\n') {
                let content = line.strip_suffix('\r').unwrap_or(line);
                all.push(Span::new(start, start + content.len()));
                start += line.len() + 1;
            }
            let starts: Vec<usize> = all.iter().map(|s| s.start()).collect();
            proptest::prop_assert_eq!(lines_in(&text, whole(&text)).collect::<Vec<_>>(), &all[..]);
            let first = from.min(all.len() - 1);
            let last = to.clamp(first, all.len());
            let end = starts.get(last).copied().unwrap_or(text.len() + 1);
            let got: Vec<Span> = lines_in(&text, starts[first]..end).collect();
            proptest::prop_assert_eq!(got, &all[first..last]);
            // Ended a few bytes into the next line, the range still gives that line whole.
            if let Some(next) = all.get(last) {
                let inside = (next.start() + cut).min(next.end());
                let got: Vec<Span> = lines_in(&text, starts[first]..inside + 1).collect();
                proptest::prop_assert_eq!(got, &all[first..=last]);
            }
        }

        /// The byte-level shortcut trims exactly what trimming every `is_space` character
        /// does, whatever mix of Unicode spaces, look-alikes sharing their lead bytes
        /// (U+2010, U+3001, U+FF0C) and ordinary text a cell has at its ends.
        #[test]
        fn quick_trim_agrees_with_is_space(
            t in "[ \t\r\u{b}\u{c}\u{1c}\u{85}\u{a0}\u{1680}\u{2000}\u{200b}\u{2010}\u{2028}\u{202f}\u{205f}\u{3000}\u{3001}\u{feff}\u{ff0c}a1项目é]{0,8}"
        ) {
            proptest::prop_assert_eq!(trim_start_spaces(&t), t.trim_start_matches(is_space));
            proptest::prop_assert_eq!(trim_end_spaces(&t), t.trim_end_matches(is_space));
        }

        /// The byte-level test finds a space exactly when some character is one, among the
        /// spaces, the characters sharing their lead bytes and ordinary text of one to four
        /// bytes a character.
        #[test]
        fn byte_level_space_test_agrees_with_is_space(
            t in "[ \t\r\u{b}\u{c}\u{1c}\u{85}\u{a0}\u{a9}\u{1680}\u{1681}\u{2000}\u{200a}\u{200b}\u{2010}\u{201c}\u{2028}\u{202f}\u{205f}\u{2060}\u{3000}\u{3001}\u{feff}\u{fefe}\u{ff08}\u{ff0c}\u{20000}()a1项目é]{0,8}"
        ) {
            proptest::prop_assert_eq!(has_space(&t), t.chars().any(is_space));
            proptest::prop_assert_eq!(
                has_space_or_paren(&t),
                t.chars().any(|c| is_space(c) || c == '(' || c == ')')
            );
        }
    }

    /// Splits every line of `text` into `buf`, as a reader does.
    fn push_all<'t>(buf: &mut Lines<'t>, text: &'t str) {
        for span in lines_in(text, whole(text)) {
            buf.push_if(text, span, |_| true);
        }
    }

    /// A form's buffers serve the next form read on the same thread, holding only its cells;
    /// the text the first borrowed from is gone by then.
    #[test]
    fn the_buffers_of_a_dropped_lines_serve_the_next_on_its_thread() {
        std::thread::spawn(|| {
            let first_text = String::from("a\tb\tc\nd\te");
            let mut first = Lines::for_text(first_text.len());
            push_all(&mut first, &first_text);
            let (cells, lines) = (first.cells.as_ptr().addr(), first.lines.as_ptr().addr());
            drop(first);
            drop(first_text);
            let second_text = String::from("项目\t资金");
            let mut second = Lines::for_text(second_text.len());
            assert_eq!(second.cells.as_ptr().addr(), cells);
            assert_eq!(second.lines.as_ptr().addr(), lines);
            push_all(&mut second, &second_text);
            let views = second.views();
            let texts: Vec<&str> = views[0].cells.iter().map(|c| c.text).collect();
            assert_eq!((views.len(), texts), (1, vec!["项目", "资金"]));
        })
        .join()
        .unwrap();
    }

    /// A section that grew its buffer past the room a thread keeps leaves nothing behind: the
    /// next `Lines` asks for its own room, and a thread does not hold the largest section it
    /// ever read.
    #[test]
    fn a_grown_buffer_is_not_kept() {
        std::thread::spawn(|| {
            let wide = "\t".repeat(MAX_FIELDS - 1);
            let text = [wide.as_str(); 2 * SPARE_CELLS_MAX / MAX_FIELDS].join("\n");
            let mut grown = Lines::for_text(0);
            push_all(&mut grown, &text);
            assert!(grown.cells.capacity() > SPARE_CELLS_MAX);
            drop(grown);
            let next = Lines::for_text(40);
            assert!(next.cells.capacity() <= SPARE_CELLS_MAX);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn cells_keep_columns_and_trimmed_spans() {
        let text = "a\t 项目 \t\r\nb";
        let buf = lines(text);
        let ls = buf.views();
        assert_eq!(ls.len(), 2);
        let c = &ls[0].cells[1];
        assert_eq!((c.col, c.text), (1, "项目"));
        assert_eq!(&text[c.span.range()], "项目");
        assert!(ls[0].cells[2].is_empty(), "the CR is not content");
        assert_eq!(ls[1].cells[0].text, "b");
    }

    /// A line of more than [`MAX_FIELDS`] fields keeps that many cells, the last one ending
    /// where its field does, and the buffer says where reading stopped and how many fields
    /// the line has.
    #[test]
    fn wide_lines_are_cut_at_the_field_limit() {
        let line = format!("a{}b\t\tc", "\t".repeat(MAX_FIELDS - 2));
        let text = format!("{line}\n{line}\tz\n{line}\td");
        let buf = lines(&text);
        let ls = buf.views();
        assert_eq!(ls[0].cells.len(), MAX_FIELDS);
        assert_eq!(ls[0].cells[MAX_FIELDS - 2].text, "b");
        assert_eq!(ls[0].cells[MAX_FIELDS - 1].text, "", "the field before `c`");
        assert_eq!(ls[1].cells.len(), MAX_FIELDS);
        let (at, fields) = buf.wide().expect("the line is cut");
        assert_eq!(fields, MAX_FIELDS + 1);
        assert_eq!(
            at.start(),
            line.len() - 1,
            "the first field not read is `c`"
        );
        assert_eq!(&text[at.start()..at.start() + 1], "c");
        let narrow = lines("a\tb");
        assert_eq!(narrow.wide(), None);
    }

    #[test]
    fn html_is_cut_but_comparators_survive() {
        let text =
            "资金下达及时性 <td>及时</td>\t<10月\t<3.05万元/套\t质量指标 <td colspan=\"1\">x</td>";
        let buf = lines(text);
        let ls = buf.views();
        let texts: Vec<_> = ls[0].cells.iter().map(|c| c.text).collect();
        assert_eq!(
            texts,
            ["资金下达及时性", "<10月", "<3.05万元/套", "质量指标"]
        );
    }

    #[test]
    fn a_sole_cell_is_found_without_splitting_the_line() {
        let text = "\t 项目支出绩效目标表 \t\t\r\n项目名称\t教育经费\n\t\t\n<td>x</td>\t标题";
        let spans: Vec<Span> = lines_in(text, whole(text)).collect();
        assert_eq!(spans.len(), 4);
        assert_eq!(&text[spans[0].range()], "\t 项目支出绩效目标表 \t\t");
        let only = sole_cell(text, spans[0]).unwrap();
        assert_eq!((only.col, only.text), (1, "项目支出绩效目标表"));
        assert_eq!(&text[only.span.range()], "项目支出绩效目标表");
        assert!(sole_cell(text, spans[1]).is_none(), "two cells");
        assert!(sole_cell(text, spans[2]).is_none(), "no cell");
        // HTML is cut as in a split line: what is left is one cell.
        assert_eq!(sole_cell(text, spans[3]).unwrap().text, "标题");
        // A section's lines are the whole text's lines that start in it.
        let from_second = spans[1].start()..spans[3].start();
        assert_eq!(lines_in(text, from_second).collect::<Vec<_>>(), spans[1..3]);
        let ending = "a\r\nb\n";
        let all: Vec<Span> = lines_in(ending, whole(ending)).collect();
        let split: Vec<&str> = ending.split('\n').collect();
        assert_eq!(
            all.len(),
            split.len(),
            "the empty line after the last ending counts"
        );
        assert_eq!(all[0], Span::new(0, 1), "the CR is not content");
    }

    #[test]
    fn squeeze_removes_spaces_inside_chinese_words() {
        assert_eq!(squeeze("市县（区）财政资 金"), "市县（区）财政资金");
        assert_eq!(squeeze("绩效 指 标"), "绩效指标");
        assert_eq!(squeeze("LED 屏"), "LED屏");
        assert_eq!(squeeze("USB 3 接口"), "USB 3接口");
    }
}
