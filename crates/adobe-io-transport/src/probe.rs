//! What a webhook body says about itself, read in one pass without building its JSON value:
//! for one event, the fields that tell its format, id, recipient and code (and Adobe's
//! `validationUrl`); for a batch, each element's exact bytes. Every other value is skipped.
//! The rules are those of [`EventInfo::of`](crate::envelope::EventInfo::of) on a JSON object:
//! a repeated key's last value counts, and a field that is not a string counts as absent.

use std::fmt;

use asyncapi_runtime::object::Key;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

/// The envelope fields of one event object.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Probe {
    pub specversion: bool,
    pub has_event: bool,
    pub has_event_id: bool,
    pub eventid: Option<String>,
    pub id: Option<String>,
    pub event_id: Option<String>,
    pub recipientclientid: Option<String>,
    pub recipient_client_id: Option<String>,
    pub r#type: Option<String>,
    /// `event.header._adobeio.eventCode`.
    pub event_code_in_event: Option<String>,
    /// `header._adobeio.eventCode` (an unwrapped provider body).
    pub event_code: Option<String>,
    pub validation_url: Option<String>,
}

/// A body: one event object, a batch (each element's bytes), or neither.
#[derive(Debug)]
pub(crate) enum Shape<'a> {
    Object(Box<Probe>),
    Array(Vec<&'a RawValue>),
    Other,
}

/// Reads a body: its first byte says whether it is an object or an array.
pub(crate) fn shape(body: &[u8]) -> Result<Shape<'_>, serde_json::Error> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {
            let mut de = serde_json::Deserializer::from_slice(body);
            let probe = de.deserialize_map(ProbeVisitor)?;
            de.end()?;
            Ok(Shape::Object(Box::new(probe)))
        }
        Some(b'[') => serde_json::from_slice(body).map(Shape::Array),
        _ => serde_json::from_slice::<IgnoredAny>(body).map(|_| Shape::Other),
    }
}

/// Reads one event object (a batch element's bytes); `None` when it is not an object.
pub(crate) fn probe(event: &RawValue) -> Result<Option<Probe>, serde_json::Error> {
    if !event.get().trim_start().starts_with('{') {
        return Ok(None);
    }
    let mut de = serde_json::Deserializer::from_str(event.get());
    de.deserialize_map(ProbeVisitor).map(Some)
}

struct ProbeVisitor;

impl<'de> Visitor<'de> for ProbeVisitor {
    type Value = Probe;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Probe, A::Error> {
        let mut p = Probe::default();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match key.as_str() {
                "specversion" => {
                    p.specversion = true;
                    map.next_value::<IgnoredAny>()?;
                }
                "event" => {
                    p.has_event = true;
                    p.event_code_in_event =
                        map.next_value_seed(TextAt(&["header", "_adobeio", "eventCode"]))?;
                }
                "event_id" => {
                    p.has_event_id = true;
                    p.event_id = map_text(&mut map)?;
                }
                "eventid" => p.eventid = map_text(&mut map)?,
                "id" => p.id = map_text(&mut map)?,
                "recipientclientid" => p.recipientclientid = map_text(&mut map)?,
                "recipient_client_id" => p.recipient_client_id = map_text(&mut map)?,
                "type" => p.r#type = map_text(&mut map)?,
                "header" => {
                    p.event_code = map.next_value_seed(TextAt(&["_adobeio", "eventCode"]))?;
                }
                "validationUrl" => p.validation_url = map_text(&mut map)?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(p)
    }
}

fn map_text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<String>, A::Error> {
    map.next_value_seed(TextAt(&[]))
}

/// The string at a path of keys inside a value (`[]`: the value itself), if there is one.
struct TextAt(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for TextAt {
    type Value = Option<String>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<String>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for TextAt {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<Option<String>, E> {
        Ok(self.0.is_empty().then(|| v.to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<Key<'de>>()? {
            match self.0.split_first() {
                Some((first, rest)) if *first == key.as_str() => {
                    found = map.next_value_seed(TextAt(rest))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<String>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Option<String>, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Option<String>, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::envelope::EventInfo;

    /// What the probe reads agrees with `EventInfo::of` on the parsed object.
    fn agrees(text: &str) {
        let value: Value = serde_json::from_str(text).unwrap();
        let Value::Object(map) = &value else {
            panic!("{text}")
        };
        let raw: Box<RawValue> = serde_json::from_str(text).unwrap();
        let probe = probe(&raw).unwrap().unwrap();
        assert_eq!(EventInfo::from_probe(&probe), EventInfo::of(map), "{text}");
        match shape(text.as_bytes()).unwrap() {
            Shape::Object(p) => assert_eq!(*p, probe, "{text}"),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn reads_what_event_info_reads() {
        for text in [
            r#"{"event_id":"e-1","event":{"header":{"_adobeio":{"eventCode":"c"}}},"recipient_client_id":"me"}"#,
            r#"{"event":{"header":{"_adobeio":{"eventCode":"c"}},"x":[1,{"a":null}]}}"#,
            r#"{"event_id":7,"event":"not an object","recipient_client_id":""}"#,
            r#"{"specversion":"1.0","id":"i","type":"t","recipientclientid":"r","data":{"k":"v"}}"#,
            r#"{"specversion":null,"eventid":"","id":"i2","event_id":"e3","recipient_client_id":"r2"}"#,
            r#"{"specversion":"1.0","type":5}"#,
            r#"{"header":{"_adobeio":{"eventCode":"unwrapped"}},"body":true}"#,
            r#"{"header":{"_adobeio":{"eventCode":1.5}}}"#,
            r#"{"event_id":"first","event_id":"last","event":{}}"#,
            r#"{"header":{"_adobeio":{"eventCode":"a"}},"header":{"other":1}}"#,
            r#"{"na\u006de":"escaped key","event_id":"e\u002d1"}"#,
            r#"{}"#,
        ] {
            agrees(text);
        }
    }

    #[test]
    fn shapes() {
        match shape(br#"[{"event_id":"a"}, 3, {"b":[1,2]}]"#).unwrap() {
            Shape::Array(items) => {
                assert_eq!(items.len(), 3);
                assert_eq!(items[2].get(), r#"{"b":[1,2]}"#);
                assert_eq!(probe(items[1]).unwrap(), None);
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(shape(b"\"text\"").unwrap(), Shape::Other));
        assert!(matches!(shape(b"null").unwrap(), Shape::Other));
        assert!(shape(b"{\"a\":").is_err());
        assert!(shape(b"{} trailing").is_err());
        match shape(br#"{"validationUrl":"https://x.adobe.io/v"}"#).unwrap() {
            Shape::Object(p) => {
                assert_eq!(p.validation_url.as_deref(), Some("https://x.adobe.io/v"))
            }
            other => panic!("{other:?}"),
        }
    }
}
