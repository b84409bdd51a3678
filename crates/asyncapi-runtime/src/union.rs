//! `oneOf` enums whose variants are told apart by a property: each variant requires one
//! that no other variant declares (Adobe's `event_id` against CloudEvents' `specversion`).
//!
//! serde's untagged enums buffer the whole value and try each variant in turn. Here the
//! object's properties are read until one that tells the variant appears; the properties
//! before it (usually none: the telling one comes first in practice) are buffered, and the
//! chosen variant deserializes from them and then from the rest of the object, unbuffered.
//! A value that fits no variant gets the chosen variant's own error (`missing field
//! `data``), not "data did not match any variant".

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use crate::object::Key;

/// Implemented by generated `oneOf` enums whose variants have telling properties.
pub trait Discriminated: Sized {
    /// The type's name, for errors.
    const NAME: &'static str;
    /// For each variant in order, the property that only it has, and requires.
    const KEYS: &'static [&'static str];

    /// Deserializes variant `index` from `deserializer` (the whole object).
    fn variant<'de, D: Deserializer<'de>>(index: usize, deserializer: D) -> Result<Self, D::Error>;
}

/// Deserializes a [`Discriminated`] enum: the variant whose telling property the object has.
pub fn deserialize<'de, D: Deserializer<'de>, T: Discriminated>(
    deserializer: D,
) -> Result<T, D::Error> {
    deserializer.deserialize_map(UnionVisitor::<T>(PhantomData))
}

struct UnionVisitor<T>(PhantomData<T>);

impl<'de, T: Discriminated> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut before: Vec<(Key<'de>, Value)> = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if let Some(index) = T::KEYS.iter().position(|k| *k == key.as_str()) {
                let replay = Replay {
                    before: before.into_iter(),
                    value: None,
                    telling: Some(key),
                    rest: map,
                };
                return T::variant(index, MapAccessDeserializer::new(replay));
            }
            let value: Value = map.next_value()?;
            before.push((key, value));
        }
        Err(de::Error::custom(format_args!(
            "{} has none of the properties that tell its variants apart ({})",
            T::NAME,
            T::KEYS
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )))
    }
}

/// The object again: the buffered properties, the telling one, then the rest as it comes.
struct Replay<'de, A> {
    before: std::vec::IntoIter<(Key<'de>, Value)>,
    /// The value of the buffered property whose key was just handed out.
    value: Option<Value>,
    telling: Option<Key<'de>>,
    rest: A,
}

fn key_seed<'de, K: DeserializeSeed<'de>, E: de::Error>(
    seed: K,
    key: Key<'de>,
) -> Result<K::Value, E> {
    match key {
        Key::Borrowed(s) => seed.deserialize(BorrowedStrDeserializer::new(s)),
        Key::Owned(s) => seed.deserialize(StringDeserializer::new(s)),
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, value)) = self.before.next() {
            self.value = Some(value);
            return key_seed(seed, key).map(Some);
        }
        if let Some(key) = self.telling.take() {
            return key_seed(seed, key).map(Some);
        }
        self.rest.next_key_seed(seed)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(value).map_err(de::Error::custom),
            None => self.rest.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.rest
            .size_hint()
            .map(|n| n + self.before.len() + usize::from(self.telling.is_some()))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Envelope {
        event_id: String,
        event: Value,
        #[serde(default)]
        retries: Option<u8>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Cloud {
        specversion: String,
        id: String,
    }

    #[derive(Debug, PartialEq)]
    enum Either {
        Envelope(Envelope),
        Cloud(Cloud),
    }

    impl Discriminated for Either {
        const NAME: &'static str = "Either";
        const KEYS: &'static [&'static str] = &["event_id", "specversion"];
        fn variant<'de, D: Deserializer<'de>>(i: usize, d: D) -> Result<Self, D::Error> {
            match i {
                0 => Envelope::deserialize(d).map(Either::Envelope),
                _ => Cloud::deserialize(d).map(Either::Cloud),
            }
        }
    }

    impl<'de> Deserialize<'de> for Either {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            deserialize(d)
        }
    }

    fn both(text: &str) -> (Result<Either, String>, Result<Either, String>) {
        let from_bytes = serde_json::from_str::<Either>(text).map_err(|e| e.to_string());
        let from_value = serde_json::from_str::<Value>(text)
            .map_err(|e| e.to_string())
            .and_then(|v| serde_json::from_value::<Either>(v).map_err(|e| e.to_string()));
        (from_bytes, from_value)
    }

    #[test]
    fn picks_by_the_telling_property_wherever_it_is() {
        let first = r#"{"event_id":"e1","event":{"a":[1,2]},"retries":2}"#;
        let late = r#"{"event":{"a":[1,2]},"retries":2,"event_id":"e1"}"#;
        for text in [first, late] {
            let (b, v) = both(text);
            let want = Either::Envelope(Envelope {
                event_id: "e1".into(),
                event: serde_json::json!({"a": [1, 2]}),
                retries: Some(2),
            });
            assert_eq!(b.as_ref(), Ok(&want), "{text}");
            assert_eq!(v.as_ref(), Ok(&want), "{text}");
        }
        let (b, _) = both(r#"{"id":"x","specversion":"1.0","extra":true}"#);
        assert_eq!(
            b.unwrap(),
            Either::Cloud(Cloud {
                specversion: "1.0".into(),
                id: "x".into()
            })
        );
    }

    #[test]
    fn errors_are_the_chosen_variants() {
        let (b, v) = both(r#"{"specversion":"1.0"}"#);
        assert!(b.unwrap_err().starts_with("missing field `id`"));
        assert!(v.unwrap_err().starts_with("missing field `id`"));
        // Buffered properties still reach deny_unknown_fields.
        let (b, _) = both(r#"{"surprise":1,"event_id":"e","event":null}"#);
        assert!(b.unwrap_err().starts_with("unknown field `surprise`"));
        let (b, v) = both(r#"{"id":"x"}"#);
        let want = "Either has none of the properties that tell its variants apart (`event_id`, `specversion`)";
        assert!(b.unwrap_err().starts_with(want));
        assert!(v.unwrap_err().starts_with(want));
        assert!(both("[1]").0.unwrap_err().contains("an object (Either)"));
    }
}
