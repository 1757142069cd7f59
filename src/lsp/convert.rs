//! Positions as the Language Server Protocol counts them: lines and UTF-16 code units. Inside
//! kpilint spans are byte offsets; this is the only place that converts.

use crate::model::{Document, LineIndex, Span};
use lsp_types::{Position, Range};

/// The UTF-16 position of a byte offset.
pub fn position(text: &str, index: &LineIndex, offset: usize) -> Position {
    let (line, character) = index.utf16_position(text, offset);
    Position::new(line as u32, character as u32)
}

pub fn range(doc: &Document, span: Span) -> Range {
    Range::new(
        position(&doc.text, &doc.line_index, span.start()),
        position(&doc.text, &doc.line_index, span.end()),
    )
}

/// The byte offset of a UTF-16 position (clamped to the line and the text).
pub fn offset(text: &str, index: &LineIndex, p: Position) -> usize {
    index.utf16_offset(text, p.line as usize, p.character as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_and_astral_characters_count_as_utf16() {
        // 𠀀 is outside the BMP: two UTF-16 units, four UTF-8 bytes.
        let text = "项目\t𠀀值\n第二行";
        let idx = LineIndex::new(text);
        let value = text.find('值').unwrap();
        assert_eq!(position(text, &idx, value), Position::new(0, 5));
        assert_eq!(offset(text, &idx, Position::new(0, 5)), value);
        let second = text.find("第二").unwrap();
        assert_eq!(position(text, &idx, second), Position::new(1, 0));
        assert_eq!(offset(text, &idx, Position::new(1, 99)), text.len());
        assert_eq!(offset(text, &idx, Position::new(9, 0)), text.len());
    }
}
