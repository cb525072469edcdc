//! The browser's JSON reader: an answer is parsed once into a [`Value`] tree, and serde's derived
//! visitors then read the tree.
//!
//! Why not serde_json here: its reader is generic over the visitor, so each type the browser decodes
//! got a private copy of the parser (whitespace, escapes, numbers, error positions), and its errors
//! format floats and quote values, which links float formatting into the page. This parser exists
//! once, the per-type code is only the derive's field matching, and an error is a fixed value whose
//! details never need formatting machinery. It reads exactly the JSON the server writes (tests check
//! it against serde_json on the same texts); the server itself keeps serde_json, whose messages tell
//! an API caller what was wrong with a request.
//!
//! Numbers are integers: the API carries money as integer minor units and has no fractional
//! quantities, so a fraction or exponent is refused rather than linking a float parser.

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};
use std::borrow::Cow;
use std::fmt;

/// Objects and arrays nest at most this deep: the API never comes close, and a parser must not
/// run out of stack on any input.
const MAX_DEPTH: usize = 128;

/// Reads `T` from JSON text.
pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    T::deserialize(parse(text)?)
}

/// Reads `T` from JSON bytes (an HTTP body).
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    from_str(std::str::from_utf8(bytes).map_err(|_| Error::Syntax)?)
}

/// Why an answer could not be read. Fixed values: a message needs no formatting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Not JSON.
    Syntax,
    /// Nested deeper than [`MAX_DEPTH`].
    TooDeep,
    /// A number with a fraction or exponent, or out of range for its field.
    Number,
    /// An object lacked a field its type needs.
    MissingField(&'static str),
    /// Valid JSON of another shape than the type expects.
    Shape,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax => f.write_str("not valid JSON"),
            Error::TooDeep => f.write_str("nested too deeply"),
            Error::Number => f.write_str("a number out of range or with a fraction"),
            Error::MissingField(name) => {
                f.write_str("missing field ")?;
                f.write_str(name)
            }
            Error::Shape => f.write_str("a value of the wrong shape"),
        }
    }
}

impl std::error::Error for Error {}

impl de::Error for Error {
    // Every constructor ignores its details: building a message would link the formatting this
    // reader exists to avoid, and an unreadable answer from our own server is a bug either way.
    fn custom<T: fmt::Display>(_: T) -> Self {
        Error::Shape
    }
    fn invalid_type(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error::Shape
    }
    fn invalid_value(_: de::Unexpected, _: &dyn de::Expected) -> Self {
        Error::Shape
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Error::Shape
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Error::Shape
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Error::Shape
    }
    fn missing_field(field: &'static str) -> Self {
        Error::MissingField(field)
    }
    fn duplicate_field(_: &'static str) -> Self {
        Error::Shape
    }
}

/// A parsed JSON text. Strings without escapes borrow from it; numbers stay text until a field
/// says which integer type they are.
#[derive(Debug, PartialEq)]
enum Value<'a> {
    Null,
    Bool(bool),
    Number(&'a str),
    Str(Cow<'a, str>),
    Array(Vec<Value<'a>>),
    Object(Vec<(Cow<'a, str>, Value<'a>)>),
}

fn parse(text: &str) -> Result<Value<'_>, Error> {
    let mut p = Parser { text, at: 0 };
    let value = p.value(0)?;
    p.skip_whitespace();
    if p.at == text.len() {
        Ok(value)
    } else {
        Err(Error::Syntax)
    }
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\n' | b'\r' | b'\t')) {
            self.at += 1;
        }
    }

    /// Consumes `byte` if it comes next (after whitespace).
    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.peek() == Some(byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn expect(&mut self, byte: u8) -> Result<(), Error> {
        if self.eat(byte) {
            Ok(())
        } else {
            Err(Error::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.skip_whitespace();
        match self.peek().ok_or(Error::Syntax)? {
            b'{' | b'[' if depth >= MAX_DEPTH => Err(Error::TooDeep),
            b'{' => {
                self.at += 1;
                let mut fields = Vec::new();
                if self.eat(b'}') {
                    return Ok(Value::Object(fields));
                }
                loop {
                    self.skip_whitespace();
                    let key = self.string()?;
                    self.expect(b':')?;
                    fields.push((key, self.value(depth + 1)?));
                    if !self.eat(b',') {
                        self.expect(b'}')?;
                        return Ok(Value::Object(fields));
                    }
                }
            }
            b'[' => {
                self.at += 1;
                let mut items = Vec::new();
                if self.eat(b']') {
                    return Ok(Value::Array(items));
                }
                loop {
                    items.push(self.value(depth + 1)?);
                    if !self.eat(b',') {
                        self.expect(b']')?;
                        return Ok(Value::Array(items));
                    }
                }
            }
            b'"' => Ok(Value::Str(self.string()?)),
            b't' => self.literal("true", Value::Bool(true)),
            b'f' => self.literal("false", Value::Bool(false)),
            b'n' => self.literal("null", Value::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Error::Syntax),
        }
    }

    fn literal(&mut self, word: &str, value: Value<'a>) -> Result<Value<'a>, Error> {
        if self.text[self.at..].starts_with(word) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(Error::Syntax)
        }
    }

    /// A number as JSON's grammar has it (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`).
    fn number(&mut self) -> Result<Value<'a>, Error> {
        let start = self.at;
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Error::Syntax),
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            self.some_digits()?;
        }
        Ok(Value::Number(&self.text[start..self.at]))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), Error> {
        let start = self.at;
        self.digits();
        if self.at == start {
            Err(Error::Syntax)
        } else {
            Ok(())
        }
    }

    /// A string, positioned at its opening quote. Borrowed unless it has escapes.
    fn string(&mut self) -> Result<Cow<'a, str>, Error> {
        if self.peek() != Some(b'"') {
            return Err(Error::Syntax);
        }
        self.at += 1;
        let mut owned: Option<String> = None;
        let mut run = self.at;
        loop {
            // Quotes, backslashes and control characters are ASCII, so every cut is on a char boundary.
            match self.peek().ok_or(Error::Syntax)? {
                b'"' => {
                    let tail = &self.text[run..self.at];
                    self.at += 1;
                    return Ok(match owned {
                        None => Cow::Borrowed(tail),
                        Some(mut s) => {
                            s.push_str(tail);
                            Cow::Owned(s)
                        }
                    });
                }
                b'\\' => {
                    let s = owned.get_or_insert_with(String::new);
                    s.push_str(&self.text[run..self.at]);
                    self.at += 1;
                    let escaped = self.escape()?;
                    s.push(escaped);
                    run = self.at;
                }
                0x00..=0x1f => return Err(Error::Syntax),
                _ => self.at += 1,
            }
        }
    }

    /// The character an escape stands for, positioned after its backslash.
    fn escape(&mut self) -> Result<char, Error> {
        let c = self.peek().ok_or(Error::Syntax)?;
        self.at += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                let code = match first {
                    // A high surrogate must be followed by its low half.
                    0xd800..=0xdbff => {
                        if !self.text[self.at..].starts_with("\\u") {
                            return Err(Error::Syntax);
                        }
                        self.at += 2;
                        let second = self.hex4()?;
                        if !(0xdc00..=0xdfff).contains(&second) {
                            return Err(Error::Syntax);
                        }
                        0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00)
                    }
                    0xdc00..=0xdfff => return Err(Error::Syntax),
                    other => other,
                };
                char::from_u32(code).ok_or(Error::Syntax)?
            }
            _ => return Err(Error::Syntax),
        })
    }

    fn hex4(&mut self) -> Result<u32, Error> {
        let digits = self.text.get(self.at..self.at + 4).ok_or(Error::Syntax)?;
        let mut code = 0;
        for d in digits.bytes() {
            code = code * 16 + (d as char).to_digit(16).ok_or(Error::Syntax)?;
        }
        self.at += 4;
        Ok(code)
    }
}

/// An integer as the visitor's widest matching type; the visitor narrows it with a range check.
fn visit_number<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value, Error> {
    if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return Err(Error::Number);
    }
    if text.starts_with('-') {
        visitor.visit_i64(text.parse().map_err(|_| Error::Number)?)
    } else {
        visitor.visit_u64(text.parse().map_err(|_| Error::Number)?)
    }
}

impl<'de> de::Deserializer<'de> for Value<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(b),
            Value::Number(n) => visit_number(n, visitor),
            Value::Str(Cow::Borrowed(s)) => visitor.visit_borrowed_str(s),
            Value::Str(Cow::Owned(s)) => visitor.visit_string(s),
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields { rest: fields.into_iter(), value: None }),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(self, _name: &'static str, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// `"Variant"` or `{"Variant": content}`, as serde writes enums.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Value::Str(variant) => visitor.visit_enum(Variant { name: variant, content: None }),
            Value::Object(mut fields) if fields.len() == 1 => {
                let (name, content) = fields.pop().ok_or(Error::Shape)?;
                visitor.visit_enum(Variant { name, content: Some(content) })
            }
            _ => Err(Error::Shape),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct seq tuple tuple_struct map struct identifier
    }
}

struct Items<'de>(std::vec::IntoIter<Value<'de>>);

impl<'de> de::SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, Error> {
        self.0.next().map(|v| seed.deserialize(v)).transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

struct Fields<'de> {
    rest: std::vec::IntoIter<(Cow<'de, str>, Value<'de>)>,
    value: Option<Value<'de>>,
}

impl<'de> de::MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, Error> {
        match self.rest.next() {
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(Value::Str(key)).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        seed.deserialize(self.value.take().ok_or(Error::Shape)?)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.rest.len())
    }
}

struct Variant<'de> {
    name: Cow<'de, str>,
    content: Option<Value<'de>>,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = Error;
    type Variant = Content<'de>;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Content<'de>), Error> {
        Ok((seed.deserialize(Value::Str(self.name))?, Content(self.content)))
    }
}

/// What follows an enum's variant name: nothing for a unit variant, else its content.
struct Content<'de>(Option<Value<'de>>);

impl<'de> de::VariantAccess<'de> for Content<'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.0 {
            None | Some(Value::Null) => Ok(()),
            Some(_) => Err(Error::Shape),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(self.0.ok_or(Error::Shape)?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(self.0.ok_or(Error::Shape)?, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(self, _fields: &'static [&'static str], visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(self.0.ok_or(Error::Shape)?, visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, PartialEq, Deserialize, serde::Serialize)]
    struct Sample {
        name: String,
        count: u32,
        balance: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        tags: Vec<String>,
        state: Shade,
        result: Result<u8, String>,
    }

    #[derive(Debug, PartialEq, Deserialize, serde::Serialize)]
    enum Shade {
        Light,
        Dark,
        #[serde(other)]
        Unknown,
    }

    #[test]
    fn it_reads_what_serde_json_writes_including_absent_options_enums_and_results() {
        let samples = [
            Sample {
                name: "web-01 \"prod\" \\ ünïcode ✓ 🚀".into(),
                count: 4_000_000_000,
                balance: -9_223_372_036_854_775_808,
                note: Some("line\nbreak\ttab\u{1}".into()),
                tags: vec!["a".into(), String::new()],
                state: Shade::Dark,
                result: Ok(255),
            },
            Sample { name: String::new(), count: 0, balance: 0, note: None, tags: vec![], state: Shade::Light, result: Err("no".into()) },
        ];
        for s in samples {
            let text = serde_json::to_string(&s).unwrap();
            assert_eq!(from_str::<Sample>(&text).unwrap(), s, "{text}");
            let pretty = serde_json::to_string_pretty(&s).unwrap();
            assert_eq!(from_str::<Sample>(&pretty).unwrap(), s, "{pretty}");
        }
    }

    #[test]
    fn unknown_fields_are_skipped_and_unknown_words_take_the_catch_all_variant() {
        let text = r#"{"extra":{"deep":[1,{"x":null}]},"name":"n","count":1,"balance":2,"tags":[],"state":"Sepia","result":{"Ok":1}}"#;
        let s: Sample = from_str(text).unwrap();
        assert_eq!(s.state, Shade::Unknown);
        assert_eq!(s.note, None);
    }

    #[test]
    fn a_missing_field_is_named_and_a_wrong_shape_is_refused() {
        assert_eq!(from_str::<Sample>(r#"{"name":"n"}"#).unwrap_err(), Error::MissingField("count"));
        assert_eq!(from_str::<Sample>(r#"{"name":5}"#).unwrap_err(), Error::Shape);
        assert_eq!(from_str::<u8>("256").unwrap_err(), Error::Shape);
        assert_eq!(from_str::<u64>("18446744073709551616").unwrap_err(), Error::Number);
        assert_eq!(from_str::<u64>("1.5").unwrap_err(), Error::Number);
        assert_eq!(from_str::<i64>("-1e3").unwrap_err(), Error::Number);
    }

    #[test]
    fn malformed_text_is_refused_without_panicking() {
        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "tru",
            "nul",
            "\"open",
            "\"bad \\x escape\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\u12g4\"",
            "\"tab\tinside\"",
            "1 2",
            "[1] x",
            "\u{feff}1",
        ] {
            assert_eq!(from_str::<serde_json::Value>(bad).unwrap_err(), Error::Syntax, "{bad:?}");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert_eq!(from_str::<serde_json::Value>(&deep).unwrap_err(), Error::TooDeep);
        let fine = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(from_str::<serde_json::Value>(&fine).is_ok());
    }

    #[test]
    fn escapes_and_surrogate_pairs_decode_as_serde_json_decodes_them() {
        let text = r#""\"\\\/\b\f\n\r\t\u00e9\ud83d\ude80 plain""#;
        assert_eq!(from_str::<String>(text).unwrap(), serde_json::from_str::<String>(text).unwrap());
    }

    /// JSON values without fractions, the only numbers the API writes.
    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(json!(null)),
            any::<bool>().prop_map(|b| json!(b)),
            any::<i64>().prop_map(|n| json!(n)),
            any::<u64>().prop_map(|n| json!(n)),
            ".*".prop_map(|s: String| json!(s)),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
                prop::collection::btree_map(".{0,8}", inner, 0..6).prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_integer_json_reads_back_as_written(v in json_value()) {
            let text = serde_json::to_string(&v).unwrap();
            prop_assert_eq!(from_str::<serde_json::Value>(&text).unwrap(), v.clone());
            let pretty = serde_json::to_string_pretty(&v).unwrap();
            prop_assert_eq!(from_str::<serde_json::Value>(&pretty).unwrap(), v);
        }

        #[test]
        fn it_accepts_exactly_the_texts_serde_json_accepts(text in r#"[\[\]{}",:0-9a-z\\ .eE+-]{0,24}"#) {
            let ours = from_str::<serde_json::Value>(&text);
            let theirs = serde_json::from_str::<serde_json::Value>(&text);
            // Fractions and exponents are valid JSON this reader does not take (see the module doc).
            let fractional = matches!(ours, Err(Error::Number));
            prop_assert!(fractional || ours.is_ok() == theirs.is_ok(), "{:?}: ours {:?}, serde_json {:?}", text, ours, theirs);
        }
    }
}
