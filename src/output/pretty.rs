//! A report entry printed as `serde_json::to_string_pretty` prints it, into a `String`, with
//! every line indented for the array it is an item of.
//!
//! The JSON and SARIF reports print one entry per finding, and printing was some 18,000
//! instructions a finding: serde_json looks at a string's bytes one at a time to escape them
//! (11 instructions a byte, and a finding is some 900 bytes, most of them strings and keys),
//! writes through `io::Write`, and the printed entry was then copied again to indent it. This
//! serializer writes the same text: it skips eight bytes at a time that need no escape, writes
//! into the `String` directly, and indents as it goes. The layout is serde_json's
//! `PrettyFormatter` (two spaces a level); tests hold the two to the same text on a value of
//! every kind serde has, on random JSON values and (in `json.rs`) on the whole JSON report.
//! What it does not print itself (floats, map keys that are not text or integers) is an error,
//! and the caller prints that entry with serde_json.

use serde::ser::{self, Serialize};
use std::fmt;

/// `value` pretty-printed with every line indented by `indent` spaces: an item of an array at
/// that depth. `Err` for a value this serializer leaves to serde_json.
pub fn to_string(value: &impl Serialize, indent: usize) -> Result<String, Unsupported> {
    let mut p = Pretty {
        out: String::with_capacity(1024),
        base: indent,
        level: 0,
        has_value: false,
    };
    p.indent_to(0);
    value.serialize(&mut p)?;
    Ok(p.out)
}

/// A value this serializer does not print; serde_json does.
#[derive(Debug)]
pub struct Unsupported;

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value printed by serde_json instead")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

struct Pretty {
    out: String,
    /// Spaces before every line.
    base: usize,
    /// Objects and arrays open around what is being written.
    level: usize,
    /// Whether the innermost open object or array has a member yet (serde_json's flag of the
    /// same name: an empty one closes on its own line's end, `{}`).
    has_value: bool,
}

const SPACES: &str = "                                                                ";

impl Pretty {
    fn indent_to(&mut self, level: usize) {
        let mut n = self.base + 2 * level;
        while n > 0 {
            let step = n.min(SPACES.len());
            self.out.push_str(&SPACES[..step]);
            n -= step;
        }
    }

    fn open(&mut self, bracket: char) {
        self.level += 1;
        self.has_value = false;
        self.out.push(bracket);
    }

    fn close(&mut self, bracket: char) {
        self.level -= 1;
        if self.has_value {
            self.out.push('\n');
            self.indent_to(self.level);
        }
        self.out.push(bracket);
    }

    /// Before an array's item or an object's key.
    fn member(&mut self, first: bool) {
        self.out.push_str(if first { "\n" } else { ",\n" });
        self.indent_to(self.level);
    }

    /// A 128-bit integer (none in a report), through `Display`.
    fn integer(&mut self, digits: impl fmt::Display) {
        use fmt::Write;
        let _ = write!(self.out, "{digits}");
    }
}

/// What follows the escaping backslash for each byte that needs one; 0 for the others.
/// serde_json's table: the controls, `"` and `\`; `u` is `\u00XX`.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0c] = b'f';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether any of the eight bytes of `w` needs escaping: a control (below 0x20), `"` or `\`.
/// Exact as a whole (which byte it flags may be off after the first, which is not used).
#[inline]
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space
        | zero_byte(w ^ (ONES * u64::from(b'"')))
        | zero_byte(w ^ (ONES * u64::from(b'\\'))))
        != 0
}

/// Whether any byte of `b` needs escaping: eight at a time, the last few one by one.
#[inline]
fn has_escape(b: &[u8]) -> bool {
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        if needs_escape(u64::from_le_bytes(w.try_into().expect("eight bytes"))) {
            return true;
        }
    }
    words
        .remainder()
        .iter()
        .any(|&c| ESCAPE[usize::from(c)] != 0)
}

/// `s` as a JSON string, quoted and escaped as serde_json escapes it. Nearly every string of a
/// report (keys, messages, paths) has nothing to escape and is copied whole.
#[inline]
pub fn push_str_escaped(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    if has_escape(s.as_bytes()) {
        push_escaped(out, s);
    } else {
        out.push_str(s);
    }
    out.push('"');
}

/// The contents of a string with something to escape, a byte at a time.
#[cold]
fn push_escaped(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, &b) in s.as_bytes().iter().enumerate() {
        let escape = ESCAPE[usize::from(b)];
        if escape == 0 {
            continue;
        }
        // `b` is ASCII: `i` is a character boundary.
        out.push_str(&s[start..i]);
        out.push('\\');
        out.push(char::from(escape));
        if escape == b'u' {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("00");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xf)]));
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// `v` in decimal, as `Display` prints it, without the formatting machinery (a finding has a
/// dozen line and column numbers).
fn push_u64(out: &mut String, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.reserve(digits.len() - at);
    for &d in &digits[at..] {
        out.push(char::from(d));
    }
}

fn push_i64(out: &mut String, v: i64) {
    if v < 0 {
        out.push('-');
    }
    push_u64(out, v.unsigned_abs());
}

/// An object or array being written, and whether its next member is its first.
pub struct Compound<'p> {
    p: &'p mut Pretty,
    first: bool,
    /// Written as `{ "variant": <this> }`: one more bracket to close.
    variant: bool,
}

impl Compound<'_> {
    fn member(&mut self) {
        self.p.member(self.first);
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.member();
        push_str_escaped(&mut self.p.out, key);
        self.p.out.push_str(": ");
    }

    fn value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(&mut *self.p)?;
        self.p.has_value = true;
        Ok(())
    }

    fn close(self, bracket: char) -> Result<(), Unsupported> {
        self.p.close(bracket);
        if self.variant {
            self.p.has_value = true;
            self.p.close('}');
        }
        Ok(())
    }
}

impl Pretty {
    /// Opens an object or array (inside `{ "variant": ` for an enum's variant).
    fn compound(&mut self, bracket: char, variant: Option<&str>) -> Compound<'_> {
        if let Some(name) = variant {
            self.open('{');
            self.member(true);
            push_str_escaped(&mut self.out, name);
            self.out.push_str(": ");
        }
        self.open(bracket);
        Compound {
            p: self,
            first: true,
            variant: variant.is_some(),
        }
    }
}

/// Narrow integers written as the wide one they widen to.
macro_rules! widened {
    ($($f:ident: $t:ty),* => $wide:ident) => {
        $(fn $f(self, v: $t) -> Result<(), Unsupported> {
            self.$wide(v.into())
        })*
    };
}

impl<'p> ser::Serializer for &'p mut Pretty {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Compound<'p>;
    type SerializeTuple = Compound<'p>;
    type SerializeTupleStruct = Compound<'p>;
    type SerializeTupleVariant = Compound<'p>;
    type SerializeMap = Compound<'p>;
    type SerializeStruct = Compound<'p>;
    type SerializeStructVariant = Compound<'p>;

    fn serialize_bool(self, v: bool) -> Result<(), Unsupported> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    widened!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32 => serialize_i64);
    widened!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32 => serialize_u64);
    fn serialize_i64(self, v: i64) -> Result<(), Unsupported> {
        push_i64(&mut self.out, v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        push_u64(&mut self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Unsupported> {
        self.integer(v);
        Ok(())
    }
    // serde_json prints floats its own way (ryu, `null` for the non-finite): left to it.
    fn serialize_f32(self, _: f32) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_f64(self, _: f64) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str_escaped(&mut self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        use ser::SerializeSeq;
        let mut seq = self.serialize_seq(Some(v.len()))?;
        for b in v {
            seq.serialize_element(b)?;
        }
        ser::SerializeSeq::end(seq)
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.open('{');
        self.member(true);
        push_str_escaped(&mut self.out, variant);
        self.out.push_str(": ");
        value.serialize(&mut *self)?;
        self.has_value = true;
        self.close('}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'p>, Unsupported> {
        Ok(self.compound('[', None))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'p>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'p>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'p>, Unsupported> {
        Ok(self.compound('[', Some(variant)))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'p>, Unsupported> {
        Ok(self.compound('{', None))
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'p>, Unsupported> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'p>, Unsupported> {
        Ok(self.compound('{', Some(variant)))
    }
}

/// The compounds written as arrays: each element a member.
macro_rules! array_like {
    ($($compound:ident::$element:ident),*) => {
        $(impl ser::$compound for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.member();
                self.value(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.close(']')
            }
        })*
    };
}

array_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<(), Unsupported> {
        self.member();
        key.serialize(Key(&mut self.p.out))?;
        self.p.out.push_str(": ");
        Ok(())
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.close('}')
    }
}

/// The compounds written as objects keyed by their fields' names.
macro_rules! struct_like {
    ($($compound:ident),*) => {
        $(impl ser::$compound for Compound<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn serialize_field<T: ?Sized + Serialize>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Unsupported> {
                self.key(key);
                self.value(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                self.close('}')
            }
        })*
    };
}

struct_like!(SerializeStruct, SerializeStructVariant);

/// A map key, written as serde_json prints it: text quoted and escaped, integers in decimal
/// and quoted. Every other kind of key is left to serde_json, which has its own rules.
struct Key<'o>(&'o mut String);

macro_rules! integer_key {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, v: $t) -> Result<(), Unsupported> {
            self.0.push('"');
            push_i64(self.0, v.into());
            self.0.push('"');
            Ok(())
        })*
    };
}

macro_rules! unsupported_key {
    ($($f:ident: $t:ty),*) => {
        $(fn $f(self, _: $t) -> Result<(), Unsupported> {
            Err(Unsupported)
        })*
    };
}

impl<'o> ser::Serializer for Key<'o> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = ser::Impossible<(), Unsupported>;
    type SerializeTuple = ser::Impossible<(), Unsupported>;
    type SerializeTupleStruct = ser::Impossible<(), Unsupported>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = ser::Impossible<(), Unsupported>;
    type SerializeStruct = ser::Impossible<(), Unsupported>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    integer_key!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32);
    unsupported_key!(serialize_bool: bool, serialize_f32: f32, serialize_f64: f64,
        serialize_bytes: &[u8], serialize_i128: i128, serialize_u128: u128);

    fn serialize_u64(self, v: u64) -> Result<(), Unsupported> {
        self.0.push('"');
        push_u64(self.0, v);
        self.0.push('"');
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        push_str_escaped(self.0, v);
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Unsupported> {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use serde_json::{json, Value};

    /// serde_json's pretty text of `value`, every line indented by `indent`: what
    /// [`to_string`] must print.
    fn serde_pretty(value: &impl Serialize, indent: usize) -> String {
        let text = serde_json::to_string_pretty(value).unwrap();
        let pad = " ".repeat(indent);
        format!("{pad}{}", text.replace('\n', &format!("\n{pad}")))
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let cases = [
            "",
            "指标值",
            "a\"b\\c",
            "\u{0}\u{1}\u{8}\t\n\u{b}\u{c}\r\u{1f} \u{7f}",
            "十二个字符以上的中文文本，其中有\"引号\"和\\反斜杠\\。",
            "/tmp/ir/corpus/forms-000000.txt",
            "末尾\n",
            "\"",
        ];
        for s in cases {
            let mut out = String::new();
            push_str_escaped(&mut out, s);
            assert_eq!(out, serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn values_print_as_serde_json_prints_them() {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Inner<'a> {
            line: u32,
            #[serde(skip_serializing_if = "Option::is_none")]
            cell: Option<String>,
            text: &'a str,
        }
        #[derive(Serialize)]
        enum Kind {
            Unit,
            New(u8),
            Tuple(u8, i64),
            Struct { a: bool },
        }
        #[derive(Serialize)]
        struct Outer<'a> {
            code: &'a str,
            #[serde(flatten)]
            inner: Inner<'a>,
            labels: Vec<Inner<'a>>,
            empty: Vec<u8>,
            none: Option<&'a str>,
            fix: Option<[Inner<'a>; 1]>,
            kinds: Vec<Kind>,
            map: std::collections::BTreeMap<u32, &'a str>,
            unit: (),
            bytes: serde_json::Value,
            c: char,
            neg: i64,
        }
        let inner = |line, cell: Option<&str>| Inner {
            line,
            cell: cell.map(str::to_owned),
            text: "单位成本\t×\"数量\"",
        };
        let v = Outer {
            code: "C001",
            inner: inner(1, None),
            labels: vec![inner(2, Some("Sheet1!C12")), inner(u32::MAX, None)],
            empty: vec![],
            none: None,
            fix: Some([inner(4, None)]),
            kinds: vec![
                Kind::Unit,
                Kind::New(3),
                Kind::Tuple(1, -2),
                Kind::Struct { a: true },
            ],
            map: [(1, "一"), (20, "二十")].into_iter().collect(),
            unit: (),
            bytes: json!({"nested": [[], {}, [1, [2, {"x": null}]]], "empty": {}}),
            c: '元',
            neg: i64::MIN,
        };
        for indent in [0, 2, 4, 8, 70] {
            assert_eq!(to_string(&v, indent).unwrap(), serde_pretty(&v, indent));
        }
        for v in [json!(null), json!([]), json!({}), json!("x"), json!(-3)] {
            assert_eq!(to_string(&v, 4).unwrap(), serde_pretty(&v, 4));
        }
    }

    #[test]
    fn what_serde_json_prints_its_own_way_is_left_to_it() {
        assert!(to_string(&1.5f64, 0).is_err());
        assert!(to_string(&json!({"a": 0.1}), 0).is_err());
        let keyed_by_bool: std::collections::BTreeMap<bool, u8> = [(true, 1)].into();
        assert!(to_string(&keyed_by_bool, 0).is_err());
    }

    fn random_value(depth: u32) -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x7f指标值“”\\\\\"]{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(depth, 64, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(any::<String>(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest::proptest! {
        #[test]
        fn random_values_print_as_serde_json_prints_them(
            v in random_value(4),
            indent in 0usize..12,
        ) {
            proptest::prop_assert_eq!(to_string(&v, indent).unwrap(), serde_pretty(&v, indent));
        }
    }
}
