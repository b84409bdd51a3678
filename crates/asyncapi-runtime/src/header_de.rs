//! Typed headers deserialized straight from [`Headers`], without building the JSON object
//! [`headers_to_json`](crate::dispatch::headers_to_json) makes. That object stays the
//! reference: the entries here are the same, in the same order, and a headers struct that
//! does not deserialize from them is decoded again from the object, whose error names the
//! field.

use serde::de::value::{MapDeserializer, StrDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};
use serde_json::Value;

use crate::dispatch::{HeaderKind, text_to_json};
use crate::headers::Headers;

/// One header value: text as it arrived, or the JSON its declared kind reads it as.
enum HeaderValue<'a> {
    Text(&'a str),
    Json(Value),
}

/// Deserializes `T` from the headers: undeclared headers first (the first of each name, as
/// strings), then each declared header under the document's name, read as its kind says.
pub(crate) fn deserialize<'a, T: de::Deserialize<'a>>(
    headers: &'a Headers,
    declared: &'a [(&'a str, HeaderKind)],
) -> Result<T, serde_json::Error> {
    let mut entries: Vec<(&'a str, HeaderValue<'a>)> = Vec::with_capacity(headers.len());
    for (name, value) in headers.iter() {
        if declared.iter().any(|(d, _)| d.eq_ignore_ascii_case(name))
            || entries.iter().any(|(n, _)| *n == name)
        {
            continue;
        }
        entries.push((name, HeaderValue::Text(value)));
    }
    for &(name, kind) in declared {
        let Some(text) = headers.get(name) else {
            continue;
        };
        let value = match kind {
            HeaderKind::String => HeaderValue::Text(text),
            _ => HeaderValue::Json(text_to_json(text, kind)),
        };
        entries.push((name, value));
    }
    T::deserialize(MapDeserializer::new(entries.into_iter()))
}

impl<'de> IntoDeserializer<'de, serde_json::Error> for HeaderValue<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for HeaderValue<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            HeaderValue::Text(s) => visitor.visit_borrowed_str(s),
            HeaderValue::Json(v) => de::Deserializer::deserialize_any(v, visitor),
        }
    }

    // A present header is `Some`, as a JSON value that is not null is.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self {
            HeaderValue::Text(_) => visitor.visit_some(self),
            HeaderValue::Json(v) => de::Deserializer::deserialize_option(v, visitor),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            HeaderValue::Text(_) => visitor.visit_newtype_struct(self),
            HeaderValue::Json(v) => de::Deserializer::deserialize_newtype_struct(v, name, visitor),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self {
            HeaderValue::Text(s) => {
                let unit: StrDeserializer<'_, serde_json::Error> = s.into_deserializer();
                visitor.visit_enum(unit)
            }
            HeaderValue::Json(v) => de::Deserializer::deserialize_enum(v, name, variants, visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::dispatch::{decode_json, headers_to_json};

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Kind {
        Platform,
        Other,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Id(String);

    #[derive(Debug, PartialEq, Deserialize)]
    struct Typed {
        #[serde(rename = "x-id")]
        id: Id,
        #[serde(rename = "x-kind")]
        kind: Option<Kind>,
        #[serde(rename = "x-count")]
        count: Option<u32>,
        #[serde(rename = "x-flag", default)]
        flag: bool,
        #[serde(rename = "x-missing")]
        missing: Option<String>,
        #[serde(flatten)]
        rest: std::collections::BTreeMap<String, String>,
    }

    const DECLARED: &[(&str, HeaderKind)] = &[
        ("x-id", HeaderKind::String),
        ("x-kind", HeaderKind::String),
        ("x-count", HeaderKind::Integer),
        ("x-flag", HeaderKind::Boolean),
        ("x-missing", HeaderKind::String),
    ];

    fn both(headers: &Headers) -> (Result<Typed, String>, Result<Typed, String>) {
        (
            deserialize::<Typed>(headers, DECLARED).map_err(|e| e.to_string()),
            decode_json::<Typed>(&headers_to_json(headers, DECLARED)).map_err(|e| e.to_string()),
        )
    }

    #[test]
    fn agrees_with_the_json_object() {
        let headers: Headers = [
            ("X-Id", "e-1"),
            ("x-kind", "platform"),
            ("X-COUNT", " 7 "),
            ("x-flag", "true"),
            ("x-other", "a"),
            ("x-other", "b"),
            ("X-Other", "c"),
        ]
        .into_iter()
        .collect();
        let (fast, reference) = both(&headers);
        assert_eq!(fast, reference);
        let typed = fast.unwrap();
        assert_eq!(typed.id, Id("e-1".into()));
        assert_eq!(typed.kind, Some(Kind::Platform));
        assert_eq!(typed.count, Some(7));
        assert!(typed.flag);
        assert_eq!(typed.missing, None);
        assert_eq!(typed.rest.get("x-other").map(String::as_str), Some("a"));
        assert_eq!(typed.rest.get("X-Other").map(String::as_str), Some("c"));
    }

    #[test]
    fn fails_where_the_json_object_fails() {
        for bad in [
            vec![("x-kind", "platform")],                    // x-id missing
            vec![("x-id", "e"), ("x-count", "seven")],       // not an integer
            vec![("x-id", "e"), ("x-kind", "unknown-kind")], // not a variant
            vec![("x-id", "e"), ("x-flag", "yes")],          // not a boolean
        ] {
            let headers: Headers = bad.into_iter().collect();
            let (fast, reference) = both(&headers);
            assert!(fast.is_err(), "{headers:?}");
            assert!(reference.is_err(), "{headers:?}");
        }
        let other: Headers = [("x-id", "e"), ("x-kind", "other")].into_iter().collect();
        assert_eq!(both(&other).0.unwrap().kind, Some(Kind::Other));
    }
}
