//! `Deserialize` for generated structs that keep the properties their schema does not list
//! (`additionalProperties`), without serde's `flatten`.
//!
//! A struct with a `#[serde(flatten)]` map deserializes by buffering the whole object into
//! serde's private content tree and then reading its fields from that: about twice the work
//! of a plain struct, on every message. [`deserialize_object!`](crate::deserialize_object)
//! reads the object once: listed properties go to their fields, every other one into the
//! map. Serializing keeps serde's derive (flattening out is cheap).

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

/// A property name, borrowed from the input when it can be.
#[derive(Debug)]
pub enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    pub fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(s) => s,
            Key::Owned(s) => s,
        }
    }

    pub fn into_string(self) -> String {
        match self {
            Key::Borrowed(s) => s.to_owned(),
            Key::Owned(s) => s,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a property name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(v))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v.to_owned()))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(v))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// The map unlisted properties go into.
pub trait ExtraMap: Default {
    type Value;
    fn put(&mut self, key: String, value: Self::Value);
}

impl ExtraMap for serde_json::Map<String, serde_json::Value> {
    type Value = serde_json::Value;
    fn put(&mut self, key: String, value: serde_json::Value) {
        self.insert(key, value);
    }
}

impl<V> ExtraMap for BTreeMap<String, V> {
    type Value = V;
    fn put(&mut self, key: String, value: V) {
        self.insert(key, value);
    }
}

/// Reads a listed property's value into its slot; a second one is an error, as serde's is.
pub fn take<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    map: &mut A,
    slot: &mut Option<T>,
    wire: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(wire));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads an unlisted property into the map (the last of a repeated name wins, as with
/// serde's `flatten`).
pub fn extra<'de, A: MapAccess<'de>, M: ExtraMap>(
    map: &mut A,
    extra: &mut M,
    key: Key<'de>,
) -> Result<(), A::Error>
where
    M::Value: Deserialize<'de>,
{
    let value = map.next_value()?;
    extra.put(key.into_string(), value);
    Ok(())
}

/// A required property's value, or serde's "missing field" error.
pub fn required<T, E: de::Error>(slot: Option<T>, wire: &'static str) -> Result<T, E> {
    slot.ok_or_else(|| E::missing_field(wire))
}

/// Implements `Deserialize` for a struct with listed fields and a map of the rest:
///
/// ```ignore
/// asyncapi_runtime::deserialize_object! {
///     Device {
///         serial: "serial" required,
///         battery_percent: "batteryPercent",
///     }
///     additional_properties
/// }
/// ```
///
/// A `required` field must be present; the others default when absent.
#[macro_export]
macro_rules! deserialize_object {
    ($name:ident { $($field:ident : $wire:literal $($required:ident)?),* $(,)? } $extra:ident) => {
        impl<'de> $crate::codegen::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::codegen::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                struct Fields;
                impl<'de> $crate::codegen::serde::de::Visitor<'de> for Fields {
                    type Value = $name;

                    fn expecting(
                        &self,
                        f: &mut ::core::fmt::Formatter<'_>,
                    ) -> ::core::fmt::Result {
                        f.write_str(::core::concat!("struct ", ::core::stringify!($name)))
                    }

                    // The slots are locals named after the fields, whatever the document
                    // called them (`foo`).
                    #[allow(clippy::disallowed_names)]
                    fn visit_map<A: $crate::codegen::serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> ::core::result::Result<$name, A::Error> {
                        $(let mut $field = ::core::option::Option::None;)*
                        let mut $extra = ::core::default::Default::default();
                        while let ::core::option::Option::Some(key) =
                            map.next_key::<$crate::object::Key<'de>>()?
                        {
                            match key.as_str() {
                                $($wire => $crate::object::take(&mut map, &mut $field, $wire)?,)*
                                _ => $crate::object::extra(&mut map, &mut $extra, key)?,
                            }
                        }
                        ::core::result::Result::Ok($name {
                            $($field: $crate::deserialize_object!(@field $field, $wire $(, $required)?),)*
                            $extra,
                        })
                    }
                }
                deserializer.deserialize_map(Fields)
            }
        }
    };
    (@field $slot:ident, $wire:literal, required) => {
        $crate::object::required::<_, A::Error>($slot, $wire)?
    };
    (@field $slot:ident, $wire:literal) => {
        $slot.unwrap_or_default()
    };
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::{Value, json};

    /// The reference: what serde's derive with `flatten` does.
    #[derive(Debug, PartialEq, Deserialize)]
    struct Derived {
        serial: String,
        #[serde(rename = "batteryPercent", default)]
        battery_percent: Option<u8>,
        #[serde(default)]
        note: Value,
        #[serde(flatten)]
        additional_properties: serde_json::Map<String, Value>,
    }

    #[derive(Debug, PartialEq)]
    struct Device {
        serial: String,
        battery_percent: Option<u8>,
        note: Value,
        additional_properties: serde_json::Map<String, Value>,
    }

    crate::deserialize_object! {
        Device {
            serial: "serial" required,
            battery_percent: "batteryPercent",
            note: "note",
        }
        additional_properties
    }

    #[derive(Debug, PartialEq)]
    struct Labels {
        labels: std::collections::BTreeMap<String, String>,
    }

    crate::deserialize_object! { Labels {} labels }

    fn same(input: &str) {
        let mine = serde_json::from_str::<Device>(input).map_err(|e| e.to_string());
        let reference = serde_json::from_str::<Derived>(input).map_err(|e| e.to_string());
        match (&mine, &reference) {
            (Ok(m), Ok(r)) => {
                assert_eq!(m.serial, r.serial);
                assert_eq!(m.battery_percent, r.battery_percent);
                assert_eq!(m.note, r.note);
                assert_eq!(m.additional_properties, r.additional_properties);
            }
            (Err(_), Err(_)) => {}
            _ => panic!("{input}: {mine:?} against {reference:?}"),
        }
        // From a JSON value too (the router's path when the value exists).
        let value: Result<Value, _> = serde_json::from_str(input);
        if let Ok(v) = value {
            assert_eq!(
                serde_json::from_value::<Device>(v.clone()).is_ok(),
                serde_json::from_value::<Derived>(v).is_ok(),
                "{input}"
            );
        }
    }

    #[test]
    fn reads_like_serdes_flatten() {
        for input in [
            r#"{"serial":"AB12","batteryPercent":87,"site":"Berlin","labels":{"a":"b"}}"#,
            r#"{"site":"Berlin","serial":"AB12"}"#,
            r#"{"serial":"AB12","note":{"x":[1,2]}}"#,
            r#"{"serial":"A\u0042","k\u0065y":1}"#,
            r#"{"batteryPercent":87}"#,
            r#"{"serial":7}"#,
            r#"{"serial":"AB12","batteryPercent":300}"#,
            r#"{"serial":"AB12","serial":"CD34"}"#,
            r#"["AB12"]"#,
            r#"{"serial":"AB12","batteryPercent":null}"#,
        ] {
            same(input);
        }
        let d: Device = serde_json::from_str(r#"{"x":1,"serial":"S","x":2}"#).unwrap();
        assert_eq!(d.additional_properties.get("x"), Some(&json!(2)));
    }

    #[test]
    fn errors_name_the_field() {
        let e = serde_json::from_str::<Device>(r#"{"batteryPercent":1}"#).unwrap_err();
        assert!(e.to_string().starts_with("missing field `serial`"), "{e}");
        let e = serde_json::from_str::<Device>(r#"{"serial":"a","serial":"b"}"#).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `serial`"), "{e}");
        let e = serde_json::from_str::<Labels>(r#"{"a":1}"#).unwrap_err();
        assert!(
            e.to_string().starts_with("invalid type: integer `1`"),
            "{e}"
        );
        let l: Labels = serde_json::from_str(r#"{"a":"1"}"#).unwrap();
        assert_eq!(l.labels.get("a").map(String::as_str), Some("1"));
    }
}
