//! Byte spans into a document's decoded text, and the line index that turns them into
//! 1-based line/column pairs at the edge (JSON, the human report, later the LSP).
//!
//! Spans stay byte ranges everywhere inside kpilint: they are cheap, exact, and slice the
//! source directly. Columns are counted in characters (not bytes, not display cells) because
//! that is what the JSON contract promises; the human renderer works from byte offsets.

use serde::Serialize;

/// A half-open byte range `start..end` into the decoded text of one document.
///
/// Offsets are stored in 32 bits: every cell of the model carries a span, and a 10 MB file has
/// hundreds of thousands of them, so this halves what spans cost. No text kpilint reads can
/// reach 4 GiB: files are refused past [`crate::ingest::MAX_FILE_BYTES`], spreadsheets past
/// their inflated-size limit, LSP messages past their frame limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct Span {
    start: u32,
    end: u32,
}

/// An offset as stored in a span; see [`Span`] for why it cannot overflow.
const fn offset(at: usize) -> u32 {
    debug_assert!(at <= u32::MAX as usize);
    at as u32
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Self {
        Span {
            start: offset(start),
            end: offset(end),
        }
    }

    /// An empty span at `at`: where a missing cell would have been.
    pub const fn empty(at: usize) -> Self {
        Span::new(at, at)
    }

    pub const fn start(&self) -> usize {
        self.start as usize
    }

    pub const fn end(&self) -> usize {
        self.end as usize
    }

    /// The byte range, to slice the text with.
    pub const fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }

    pub const fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub const fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Whether the two share a byte, an empty span counting as the byte it is at: a finding
    /// about a missing cell points at where the cell should be.
    pub fn touches(self, other: Span) -> bool {
        let (a, b) = (self.widened(), other.widened());
        a.start < b.end && b.start < a.end
    }

    /// This span, or the byte at it if it is empty.
    fn widened(self) -> Span {
        Span {
            start: self.start,
            end: self.end.max(self.start + 1),
        }
    }
}

/// The places some findings point at, to ask whether a span is one of them
/// ([`Span::touches`] any of them) in a few comparisons whatever their number.
#[derive(Debug, Default)]
pub struct Touched {
    /// Disjoint, widened, in order.
    spans: Vec<Span>,
}

impl Touched {
    pub fn new(spans: impl IntoIterator<Item = Span>) -> Touched {
        let mut all: Vec<Span> = spans.into_iter().map(Span::widened).collect();
        all.sort_unstable_by_key(|s| s.start);
        let mut spans: Vec<Span> = Vec::with_capacity(all.len());
        for s in all {
            match spans.last_mut() {
                Some(last) if s.start <= last.end => last.end = last.end.max(s.end),
                _ => spans.push(s),
            }
        }
        Touched { spans }
    }

    /// Whether `span` touches any of the places.
    pub fn touches(&self, span: Span) -> bool {
        let span = span.widened();
        // The last place starting before `span` ends is the one reaching furthest.
        let before = self.spans.partition_point(|s| s.start < span.end);
        before > 0 && self.spans[before - 1].end > span.start
    }
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Maps byte offsets to line/column. Built once per document.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset of the first character of each line (32 bits, as in [`Span`]).
    starts: Vec<u32>,
    /// On lines longer than [`MARK_EVERY`] bytes, a mark every so many bytes (at a character's
    /// start) and how many characters and UTF-16 units precede it on its line: a column is
    /// counted on from the mark before it, not from the line's start. Made when a column on
    /// such a line is first asked for. A JSON file written on one line made each finding's
    /// column a count from the start of the file: 10,000 forms took 32 s to report, against
    /// 0.95 s with `--quiet`; the language server counted UTF-16 the same way.
    marks: std::sync::OnceLock<Vec<Mark>>,
}

/// A place on a long line ([`LineIndex::marks`]), and what precedes it on its line.
#[derive(Clone, Copy, Debug, Default)]
struct Mark {
    at: u32,
    chars: u32,
    utf16: u32,
}

/// Bytes between two marks of a long line ([`LineIndex::marks`]).
const MARK_EVERY: usize = if cfg!(fuzzing) { 16 } else { 4 << 10 };

/// The index of an empty text: one line. A document built field by field is never without
/// its first line, so no offset can fall before the first line start.
impl Default for LineIndex {
    fn default() -> Self {
        LineIndex::new("")
    }
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        // Counted first (a vectorised pass): grown line by line, the index was reallocated
        // and copied a dozen times over for a large file, and held up to twice its size.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut starts = Vec::with_capacity(lines + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| offset(i + 1)));
        LineIndex {
            starts,
            marks: std::sync::OnceLock::new(),
        }
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let at = u32::try_from(offset).unwrap_or(u32::MAX);
        match self.starts.binary_search(&at) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn line_start(&self, line0: usize) -> usize {
        self.starts[line0] as usize
    }

    pub fn line_col(&self, text: &str, offset: usize) -> LineCol {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line0 = self.line_of(offset);
        let mark = self.mark_before(text, line0, |m| m.at as usize <= offset);
        let column = mark.chars as usize + text[mark.at as usize..offset].chars().count() + 1;
        LineCol {
            line: line0 as u32 + 1,
            column: column as u32,
        }
    }

    /// The 0-based line of `offset` and the UTF-16 units before it on that line, as the
    /// Language Server Protocol counts a position.
    pub fn utf16_position(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line0 = self.line_of(offset);
        let mark = self.mark_before(text, line0, |m| m.at as usize <= offset);
        let units = text[mark.at as usize..offset].encode_utf16().count();
        (line0, mark.utf16 as usize + units)
    }

    /// The byte offset of the character at `units` UTF-16 units into 0-based line `line0`:
    /// the line's end (before its `\n`) past its last character, the text's end past its last
    /// line.
    pub fn utf16_offset(&self, text: &str, line0: usize, units: usize) -> usize {
        if line0 >= self.starts.len() {
            return text.len();
        }
        let end = self.line_end(text, line0);
        let mark = self.mark_before(text, line0, |m| m.utf16 as usize <= units);
        let mut count = mark.utf16 as usize;
        for (i, c) in text[mark.at as usize..end].char_indices() {
            if count >= units {
                return mark.at as usize + i;
            }
            count += c.len_utf16();
        }
        end
    }

    /// Where 0-based line `line0` ends: its `\n`, or the end of the text.
    fn line_end(&self, text: &str, line0: usize) -> usize {
        self.starts
            .get(line0 + 1)
            .map_or(text.len(), |&s| s as usize - 1)
    }

    /// The last mark on line `line0` that `before` accepts (marks on a line are in order, and
    /// `before` accepts a prefix of them); the line's start if there is none. A short line
    /// never needs the marks made.
    fn mark_before(&self, text: &str, line0: usize, before: impl Fn(&Mark) -> bool) -> Mark {
        let start = self.starts[line0];
        let line_start = Mark {
            at: start,
            ..Mark::default()
        };
        if self.line_end(text, line0).saturating_sub(start as usize) <= MARK_EVERY {
            return line_start;
        }
        let marks = self.marks.get_or_init(|| self.mark_long_lines(text));
        let first = marks.partition_point(|m| m.at < start);
        let end = self.line_end(text, line0);
        let on_line = &marks[first..];
        let on_line = &on_line[..on_line.partition_point(|m| (m.at as usize) < end)];
        match on_line.partition_point(before) {
            0 => line_start,
            i => on_line[i - 1],
        }
    }

    fn mark_long_lines(&self, text: &str) -> Vec<Mark> {
        let mut marks = Vec::new();
        for line0 in 0..self.starts.len() {
            let (start, end) = (self.starts[line0] as usize, self.line_end(text, line0));
            let (mut at, mut chars, mut utf16) = (start, 0, 0);
            while end - at > MARK_EVERY {
                let next = floor_char_boundary(text, at + MARK_EVERY);
                for c in text[at..next].chars() {
                    chars += 1;
                    utf16 += c.len_utf16();
                }
                marks.push(Mark {
                    at: offset(next),
                    chars: offset(chars),
                    utf16: offset(utf16),
                });
                at = next;
            }
        }
        marks
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// The largest char boundary `<= i` (std's version is unstable on our MSRV).
pub fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    if i >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The set answers as asking each span in turn would, on spans of every shape.
    #[test]
    fn touched_is_each_span_asked_in_turn() {
        proptest::proptest!(|(
            places in proptest::collection::vec((0usize..60, 0usize..8), 0..12),
            start in 0usize..70,
            len in 0usize..6,
        )| {
            let places: Vec<Span> = places.iter().map(|&(s, l)| Span::new(s, s + l)).collect();
            let span = Span::new(start, start + len);
            let touched = Touched::new(places.iter().copied());
            let one_by_one = places.iter().any(|p| p.touches(span));
            proptest::prop_assert_eq!(touched.touches(span), one_by_one);
        });
        assert!(Span::empty(3).touches(Span::new(3, 5)));
        assert!(!Span::empty(5).touches(Span::new(3, 5)));
        assert!(Span::empty(4).touches(Span::empty(4)));
        assert!(!Touched::new([]).touches(Span::new(0, 9)));
    }

    #[test]
    fn a_default_index_has_its_first_line() {
        let idx = LineIndex::default();
        assert_eq!(idx.line_count(), 1);
        assert_eq!(idx.line_col("", 0), LineCol { line: 1, column: 1 });
        assert_eq!(idx.line_of(5), 0);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "项目名称\t测试\n第二行";
        let idx = LineIndex::new(text);
        let tab = text.find('\t').unwrap();
        assert_eq!(idx.line_col(text, tab), LineCol { line: 1, column: 5 });
        let second = text.find("第二").unwrap();
        assert_eq!(idx.line_col(text, second), LineCol { line: 2, column: 1 });
        assert_eq!(
            idx.line_col(text, text.len()),
            LineCol { line: 2, column: 4 }
        );
    }

    /// Two short lines, then one of 300,000 characters of one to four bytes; the third line's
    /// offset, and the characters a place on it is asked at (across marks and at their edges).
    fn a_long_line() -> (String, String, usize, [usize; 8]) {
        let long: String = (0..300_000u32)
            .map(|i| ['a', 'é', '元', '😀'][(i % 7 % 4) as usize])
            .collect();
        let text = format!("甲\n乙乙\n{long}x\n");
        let line3 = text.find(&long).unwrap();
        let places = [0, 1, 4_095, 4_096, 65_536, 100_000, 299_999, 300_000];
        (text, long, line3, places)
    }

    #[test]
    fn columns_on_a_long_line_count_on_from_its_marks() {
        let (text, long, line3, places) = a_long_line();
        let idx = LineIndex::new(&text);
        for chars in places {
            let at = line3 + long.chars().take(chars).map(char::len_utf8).sum::<usize>();
            let col = idx.line_col(&text, at);
            assert_eq!((col.line, col.column), (3, chars as u32 + 1), "{chars}");
        }
        // Short lines before and after are counted as before.
        assert_eq!(idx.line_col(&text, 4).column, 1);
        assert_eq!(idx.line_col(&text, text.len()).line, 4);
        // Inside a character, an offset snaps back to its start, past a mark as before one.
        let emoji = line3 + long.find('😀').unwrap() + 2;
        assert_eq!(idx.line_col(&text, emoji), idx.line_col(&text, emoji - 2));
        let far = line3 + long.len() - 3;
        let snapped = floor_char_boundary(&text, far);
        assert_eq!(idx.line_col(&text, far), idx.line_col(&text, snapped));
    }

    /// UTF-16 positions on a long line count on from the marks too, both ways.
    #[test]
    fn utf16_positions_on_a_long_line_count_on_from_its_marks() {
        let (text, long, line3, places) = a_long_line();
        let idx = LineIndex::new(&text);
        for chars in places {
            let prefix = long.chars().take(chars);
            let at = line3 + prefix.clone().map(char::len_utf8).sum::<usize>();
            let units = prefix.map(char::len_utf16).sum::<usize>();
            assert_eq!(idx.utf16_position(&text, at), (2, units), "{chars}");
            assert_eq!(idx.utf16_offset(&text, 2, units), at, "{chars}");
        }
        // Past the line's end: its end, before the newline; past the last line: the text's end.
        let end = text.len() - 1;
        assert_eq!(idx.utf16_offset(&text, 2, usize::MAX), end);
        assert_eq!(idx.utf16_offset(&text, 9, 0), text.len());
        // Inside a surrogate pair: the character after it, as an editor's cursor never is.
        let emoji = long.find('😀').unwrap();
        let units: usize = long[..emoji].chars().map(char::len_utf16).sum();
        assert_eq!(idx.utf16_offset(&text, 2, units + 1), line3 + emoji + 4);
    }

    #[test]
    fn offsets_inside_a_character_snap_back() {
        let text = "元";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(text, 1), LineCol { line: 1, column: 1 });
    }
}
