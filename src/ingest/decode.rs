//! Bytes to text. Real files from budget offices are UTF-8 (with or without BOM) or
//! GB18030/GBK, sometimes UTF-16 from Windows tools; anything with NUL bytes is binary.

use crate::diagnostics::{codes, Diagnostic, Label};
use crate::model::Span;

pub struct Decoded {
    pub text: String,
    pub encoding: &'static str,
    pub bom: bool,
    /// Problems that did not stop decoding (stray invalid bytes).
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a file cannot be read as text at all.
pub enum DecodeError {
    Binary { offset: usize },
    Undecodable,
}

/// How many invalid UTF-8 sequences a mostly-UTF-8 file may hold before we assume it is
/// in another encoding: one per this many bytes.
const STRAY_BYTES_PER: usize = 1000;

pub fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        let mut d = utf8_lossy(rest, "UTF-8");
        d.bom = true;
        return Ok(d);
    }
    for (bom, enc) in [
        (&b"\xFF\xFE"[..], encoding_rs::UTF_16LE),
        (&b"\xFE\xFF"[..], encoding_rs::UTF_16BE),
    ] {
        if bytes.starts_with(bom) {
            let (text, _, had_errors) = enc.decode(bytes);
            if had_errors {
                return Err(DecodeError::Undecodable);
            }
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: enc.name(),
                bom: true,
                diagnostics: Vec::new(),
            });
        }
    }
    if let Some(offset) = memchr::memchr(0, bytes) {
        return Err(DecodeError::Binary { offset });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_owned(),
            encoding: "UTF-8",
            bom: false,
            diagnostics: Vec::new(),
        });
    }
    // A UTF-8 file with a few damaged bytes is still UTF-8: decoding it as GB18030 would
    // turn every Chinese character into mojibake.
    let invalid = count_invalid_utf8(bytes);
    if invalid * STRAY_BYTES_PER <= bytes.len() && has_multibyte_utf8(bytes) {
        return Ok(utf8_lossy(bytes, "UTF-8"));
    }
    if let Some(text) =
        encoding_rs::GB18030.decode_without_bom_handling_and_without_replacement(bytes)
    {
        if !looks_binary(&text) {
            return Ok(Decoded {
                text: text.into_owned(),
                encoding: "GB18030",
                bom: false,
                diagnostics: Vec::new(),
            });
        }
    }
    Err(DecodeError::Undecodable)
}

/// [`decode`] for bytes read from a file: valid UTF-8 (nearly every file) becomes the text
/// without a copy, so reading a 10 MB file does not hold it twice.
pub fn decode_owned(bytes: Vec<u8>) -> Result<Decoded, DecodeError> {
    let marked = [&b"\xEF\xBB\xBF"[..], b"\xFF\xFE", b"\xFE\xFF"]
        .iter()
        .any(|bom| bytes.starts_with(bom));
    // `memchr`, not `contains`: the standard library's search for a byte is a tenth as fast, and
    // it reads every byte of every file (nearly all of them have no NUL at all).
    if marked || memchr::memchr(0, &bytes).is_some() {
        return decode(&bytes);
    }
    // Checked 32 bytes at a time: the standard library's check walks text that is mostly
    // CJK (three bytes a character) one character at a time, a tenth of reading a form.
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        return decode(&bytes);
    }
    // SAFETY: `bytes` was checked to be UTF-8 just above and has not changed since.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok(Decoded {
        text,
        encoding: "UTF-8",
        bom: false,
        diagnostics: Vec::new(),
    })
}

fn utf8_lossy(bytes: &[u8], encoding: &'static str) -> Decoded {
    match std::str::from_utf8(bytes) {
        Ok(text) => Decoded {
            text: text.to_owned(),
            encoding,
            bom: false,
            diagnostics: Vec::new(),
        },
        Err(_) => {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let mut diagnostics = Vec::new();
            if let Some(at) = text.find('\u{FFFD}') {
                let count = text.matches('\u{FFFD}').count();
                diagnostics.push(Diagnostic::new(
                    &codes::INVALID_BYTES,
                    format!("文件含 {count} 处无效的 UTF-8 字节，已替换为 �"),
                    Label::new(Span::new(at, at + '\u{FFFD}'.len_utf8()), "无效字节"),
                ));
            }
            Decoded {
                text,
                encoding,
                bom: false,
                diagnostics,
            }
        }
    }
}

fn count_invalid_utf8(mut bytes: &[u8]) -> usize {
    let mut count = 0;
    loop {
        match std::str::from_utf8(bytes) {
            Ok(_) => return count,
            Err(e) => {
                count += 1;
                let skip = e.valid_up_to() + e.error_len().unwrap_or(bytes.len() - e.valid_up_to());
                bytes = &bytes[skip.min(bytes.len())..];
            }
        }
    }
}

fn has_multibyte_utf8(bytes: &[u8]) -> bool {
    String::from_utf8_lossy(bytes)
        .chars()
        .any(|c| c != '\u{FFFD}' && !c.is_ascii())
}

/// Control characters other than tab and line breaks mean this is not a text export.
fn looks_binary(text: &str) -> bool {
    let control = text
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        .count();
    control * 100 > text.chars().count().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(bytes: &[u8]) -> &'static str {
        match decode(bytes) {
            Ok(d) => d.encoding,
            Err(DecodeError::Binary { .. }) => "binary",
            Err(DecodeError::Undecodable) => "undecodable",
        }
    }

    #[test]
    fn detects_the_encodings_budget_offices_use() {
        let text = "项目名称\t教育经费\r\n";
        assert_eq!(enc(text.as_bytes()), "UTF-8");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        let d = decode(&bom).ok().unwrap();
        assert_eq!(d.text, text, "the BOM is not part of the text");
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let d = decode(&gb).ok().unwrap();
        assert_eq!((d.encoding, d.text.as_str()), ("GB18030", text));
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in text.encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode(&utf16).ok().unwrap().text, text);
    }

    #[test]
    fn owned_bytes_decode_as_borrowed_ones_do() {
        let text = "项目名称\t教育经费\r\n";
        let mut stray = text.repeat(200).into_bytes();
        stray.insert(30, 0xFF);
        let (gb, _, _) = encoding_rs::GB18030.encode(text);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(text.as_bytes());
        for bytes in [
            text.as_bytes().to_vec(),
            stray,
            gb.into_owned(),
            bom,
            b"PK\x03\x04\x00".to_vec(),
            vec![0xFF, 0xFE, b'a', 0],
        ] {
            let summary = |d: Result<Decoded, DecodeError>| match d {
                Ok(d) => format!(
                    "{} {} {} {}",
                    d.encoding,
                    d.bom,
                    d.text,
                    d.diagnostics.len()
                ),
                Err(DecodeError::Binary { offset }) => format!("binary at {offset}"),
                Err(DecodeError::Undecodable) => "undecodable".into(),
            };
            assert_eq!(
                summary(decode_owned(bytes.clone())),
                summary(decode(&bytes))
            );
        }
    }

    #[test]
    fn nul_bytes_mean_binary() {
        assert_eq!(enc(b"PK\x03\x04\x00\x00"), "binary");
        assert_eq!(enc(&[0u8; 64]), "binary");
    }

    #[test]
    fn a_stray_bad_byte_in_utf8_keeps_utf8_and_is_reported() {
        let mut bytes = "项目名称\t教育经费\n".repeat(200).into_bytes();
        bytes.insert(30, 0xFF);
        let d = decode(&bytes).ok().unwrap();
        assert_eq!(d.encoding, "UTF-8");
        assert!(d.text.contains('\u{FFFD}'));
        assert_eq!(d.diagnostics.len(), 1);
        assert_eq!(d.diagnostics[0].code, "I006");
    }
}
