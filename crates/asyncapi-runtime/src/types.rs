//! Boilerplate of generated types, written once: string enums (open or strict) and
//! constrained newtypes. Generated code defines its types itself (with their docs) and
//! invokes these macros with their names and values; what they expand to is ordinary Rust
//! a user can read with `cargo expand`.

/// Checks of constrained newtypes; each returns the message of the first broken rule.
pub mod check {
    /// `minLength`/`maxLength`, counted in characters as JSON Schema does.
    pub fn length(value: &str, min: Option<u64>, max: Option<u64>) -> Result<(), String> {
        let n = value.chars().count() as u64;
        if let Some(min) = min {
            if n < min {
                return Err(format!("must be at least {min} characters long, is {n}"));
            }
        }
        if let Some(max) = max {
            if n > max {
                return Err(format!("must be at most {max} characters long, is {n}"));
            }
        }
        Ok(())
    }

    /// `pattern` (ECMA-262 semantics, unanchored as JSON Schema says). Each pattern is
    /// compiled once per process; a pattern that does not compile fails every value (the
    /// generator only emits patterns it compiled).
    pub fn pattern(value: &str, source: &'static str) -> Result<(), String> {
        match compiled(source) {
            Some(regex) if regex.find(value).is_some() => Ok(()),
            Some(_) => Err(format!("must match the pattern `{source}`")),
            None => Err(format!(
                "the pattern `{source}` is not a valid regular expression"
            )),
        }
    }

    fn compiled(source: &'static str) -> Option<&'static regress::Regex> {
        use std::collections::HashMap;
        use std::sync::{OnceLock, RwLock};
        // Keyed by the pattern's address and length, not its text: a check runs on every
        // constrained value decoded, and hashing a long pattern each time showed.
        type Cache = RwLock<HashMap<(usize, usize), Option<&'static regress::Regex>>>;
        static CACHE: OnceLock<Cache> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        // The same text at two addresses is compiled twice, which is harmless.
        let key = (source.as_ptr() as usize, source.len());
        if let Some(found) = cache.read().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return *found;
        }
        // Compiled once per pattern and kept for the life of the process.
        let regex: Option<&'static regress::Regex> = regress::Regex::new(source)
            .ok()
            .map(|r| &*Box::leak(Box::new(r)));
        *cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(regex)
    }

    /// Numeric bounds. Integers are compared exactly when they fit in an `f64` mantissa.
    pub fn range(
        value: f64,
        minimum: Option<f64>,
        maximum: Option<f64>,
        exclusive_minimum: Option<f64>,
        exclusive_maximum: Option<f64>,
        multiple_of: Option<f64>,
    ) -> Result<(), String> {
        if value.is_nan() {
            return Err("must be a number".to_owned());
        }
        if let Some(m) = minimum.filter(|m| value < *m) {
            return Err(format!("must be at least {m}, is {value}"));
        }
        if let Some(m) = maximum.filter(|m| value > *m) {
            return Err(format!("must be at most {m}, is {value}"));
        }
        if let Some(m) = exclusive_minimum.filter(|m| value <= *m) {
            return Err(format!("must be more than {m}, is {value}"));
        }
        if let Some(m) = exclusive_maximum.filter(|m| value >= *m) {
            return Err(format!("must be less than {m}, is {value}"));
        }
        if let Some(m) = multiple_of {
            let ratio = value / m;
            if (ratio - ratio.round()).abs() > 1e-9 {
                return Err(format!("must be a multiple of {m}, is {value}"));
            }
        }
        Ok(())
    }
}

/// The constraints of a constrained newtype (those its schema has are `Some`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rules {
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<&'static str>,
    pub minimum: Option<f64>,
    pub maximum: Option<f64>,
    pub exclusive_minimum: Option<f64>,
    pub exclusive_maximum: Option<f64>,
    pub multiple_of: Option<f64>,
}

impl Rules {
    /// No constraint: the start of every `Rules { .. }` the macro writes.
    pub const NONE: Rules = Rules {
        min_length: None,
        max_length: None,
        pattern: None,
        minimum: None,
        maximum: None,
        exclusive_minimum: None,
        exclusive_maximum: None,
        multiple_of: None,
    };
}

/// A type a constrained newtype can wrap: how its values are checked and described.
pub trait Constrained {
    /// The message of the first rule the value breaks.
    fn check(&self, rules: &Rules) -> Result<(), String>;
    /// The JSON Schema of the type with the rules.
    fn schema(rules: &Rules) -> schemars::Schema;
}

fn with_rules(
    mut base: serde_json::Map<String, serde_json::Value>,
    rules: &Rules,
    integer: bool,
) -> schemars::Schema {
    let number = |x: f64| {
        if integer && x.fract() == 0.0 && x.abs() < 9.0e15 {
            serde_json::Value::from(x as i64)
        } else {
            serde_json::Value::from(x)
        }
    };
    let mut put = |key: &str, v: Option<serde_json::Value>| {
        if let Some(v) = v {
            base.insert(key.to_owned(), v);
        }
    };
    put("minLength", rules.min_length.map(Into::into));
    put("maxLength", rules.max_length.map(Into::into));
    put("pattern", rules.pattern.map(Into::into));
    put("minimum", rules.minimum.map(number));
    put("maximum", rules.maximum.map(number));
    put("exclusiveMinimum", rules.exclusive_minimum.map(number));
    put("exclusiveMaximum", rules.exclusive_maximum.map(number));
    put("multipleOf", rules.multiple_of.map(number));
    schemars::Schema::from(base)
}

impl Constrained for String {
    fn check(&self, rules: &Rules) -> Result<(), String> {
        if rules.min_length.is_some() || rules.max_length.is_some() {
            check::length(self, rules.min_length, rules.max_length)?;
        }
        match rules.pattern {
            Some(p) => check::pattern(self, p),
            None => Ok(()),
        }
    }

    fn schema(rules: &Rules) -> schemars::Schema {
        let mut base = serde_json::Map::new();
        base.insert("type".into(), "string".into());
        with_rules(base, rules, false)
    }
}

macro_rules! constrained_numbers {
    ($($t:ty => $format:literal, $integer:literal;)*) => {$(
        impl Constrained for $t {
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn check(&self, rules: &Rules) -> Result<(), String> {
                check::range(
                    *self as f64,
                    rules.minimum,
                    rules.maximum,
                    rules.exclusive_minimum,
                    rules.exclusive_maximum,
                    rules.multiple_of,
                )
            }

            fn schema(rules: &Rules) -> schemars::Schema {
                let mut base = serde_json::Map::new();
                base.insert("type".into(), if $integer { "integer" } else { "number" }.into());
                if !$format.is_empty() {
                    base.insert("format".into(), $format.into());
                }
                with_rules(base, rules, $integer)
            }
        }
    )*};
}

// The format names schemars gives Rust numbers.
constrained_numbers! {
    i8 => "int8", true;
    i16 => "int16", true;
    i32 => "int32", true;
    i64 => "int64", true;
    u8 => "uint8", true;
    u16 => "uint16", true;
    u32 => "uint32", true;
    u64 => "uint64", true;
    f32 => "float", false;
    f64 => "", false;
}

/// The impls of a generated string enum: `as_str`, `KNOWN`, `Display`, `FromStr`, serde and
/// schemars. `(open)` enums end with an `Unknown(String)` variant that keeps values the
/// document does not list; `(strict)` enums reject them.
///
/// ```text
/// asyncapi_runtime::string_enum! {
///     Status (open) {
///         Succeeded = "succeeded",
///         Failed = "failed",
///     }
/// }
/// ```
#[macro_export]
macro_rules! string_enum {
    ($name:ident (open) { $( $variant:ident = $wire:literal ),* $(,)? }) => {
        impl $name {
            /// The values the API description lists.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$variant => $wire, )*
                    Self::Unknown(value) => value.as_str(),
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(match value {
                    $( $wire => Self::$variant, )*
                    other => Self::Unknown(other.to_owned()),
                })
            }
        }

        impl<'de> $crate::codegen::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::codegen::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as $crate::codegen::serde::Deserialize>::deserialize(deserializer)?;
                Ok(match value.as_str() {
                    $( $wire => Self::$variant, )*
                    _ => Self::Unknown(value),
                })
            }
        }

        #[cfg(feature = "json-schema")]
        impl $crate::codegen::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut $crate::codegen::schemars::SchemaGenerator) -> $crate::codegen::schemars::Schema {
                $crate::codegen::schemars::json_schema!({
                    "anyOf": [{"type": "string", "enum": [$($wire),*]}, {"type": "string"}],
                    "description": "Known values are listed; other values are accepted and kept."
                })
            }
        }

        $crate::string_enum!(@common $name);
    };
    ($name:ident (strict) { $( $variant:ident = $wire:literal ),* $(,)? }) => {
        impl $name {
            /// The values the API description lists.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The value as it is on the wire.
            pub fn as_str(&self) -> &str {
                match *self {
                    $( Self::$variant => $wire, )*
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::string::String;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    $( $wire => Ok(Self::$variant), )*
                    other => Err(::std::format!("unknown {} value `{}`", stringify!($name), other)),
                }
            }
        }

        impl<'de> $crate::codegen::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::codegen::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let value = <::std::string::String as $crate::codegen::serde::Deserialize>::deserialize(deserializer)?;
                match value.as_str() {
                    $( $wire => Ok(Self::$variant), )*
                    other => Err(<D::Error as $crate::codegen::serde::de::Error>::unknown_variant(other, Self::KNOWN)),
                }
            }
        }

        #[cfg(feature = "json-schema")]
        impl $crate::codegen::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(_: &mut $crate::codegen::schemars::SchemaGenerator) -> $crate::codegen::schemars::Schema {
                $crate::codegen::schemars::json_schema!({"type": "string", "enum": [$($wire),*]})
            }
        }

        $crate::string_enum!(@common $name);
    };
    (@common $name:ident) => {
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl $crate::codegen::serde::Serialize for $name {
            fn serialize<S: $crate::codegen::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

/// The impls of a generated constrained newtype `struct Name(Inner);`, given the rules of
/// its schema: `new` (which checks the value), `get`, `into_inner`, `Deref`, `TryFrom`, serde
/// (deserializing checks too) and schemars. The rules are the fields of [`Rules`].
///
/// ```text
/// asyncapi_runtime::constrained!(OrgId(String), min_length = 1, pattern = "^[0-9A-Z]+@Org$");
/// asyncapi_runtime::constrained!(Percent(u8), maximum = 100.0);
/// ```
#[macro_export]
macro_rules! constrained {
    ($name:ident($inner:ty) $(, $rule:ident = $value:expr)* $(,)?) => {
        impl $name {
            /// The constraints of the schema.
            pub const RULES: $crate::codegen::Rules = $crate::codegen::Rules {
                $($rule: Some($value),)*
                ..$crate::codegen::Rules::NONE
            };

            /// Checks the value against the schema's constraints.
            pub fn new(value: $inner) -> ::std::result::Result<Self, ::std::string::String> {
                <$inner as $crate::codegen::Constrained>::check(&value, &Self::RULES)
                    .map_err(|e| ::std::format!("invalid {}: {}", stringify!($name), e))?;
                Ok(Self(value))
            }

            pub fn get(&self) -> &$inner {
                &self.0
            }

            pub fn into_inner(self) -> $inner {
                self.0
            }
        }

        impl ::std::ops::Deref for $name {
            type Target = $inner;
            fn deref(&self) -> &$inner {
                &self.0
            }
        }

        impl ::std::convert::TryFrom<$inner> for $name {
            type Error = ::std::string::String;
            fn try_from(value: $inner) -> ::std::result::Result<Self, Self::Error> {
                Self::new(value)
            }
        }

        impl $crate::codegen::serde::Serialize for $name {
            fn serialize<S: $crate::codegen::serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::std::result::Result<S::Ok, S::Error> {
                <$inner as $crate::codegen::serde::Serialize>::serialize(&self.0, serializer)
            }
        }

        impl<'de> $crate::codegen::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::codegen::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::std::result::Result<Self, D::Error> {
                let value =
                    <$inner as $crate::codegen::serde::Deserialize>::deserialize(deserializer)?;
                Self::new(value).map_err(<D::Error as $crate::codegen::serde::de::Error>::custom)
            }
        }

        #[cfg(feature = "json-schema")]
        impl $crate::codegen::schemars::JsonSchema for $name {
            fn schema_name() -> ::std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }
            fn json_schema(
                _: &mut $crate::codegen::schemars::SchemaGenerator,
            ) -> $crate::codegen::schemars::Schema {
                <$inner as $crate::codegen::Constrained>::schema(&Self::RULES)
            }
        }
    };
}

#[cfg(test)]
#[allow(dead_code)]
mod tests {
    use std::str::FromStr;

    /// Lights.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub enum Light {
        /// `on`
        On,
        Off,
        Unknown(String),
    }
    crate::string_enum!(Light (open) { On = "on", Off = "off" });

    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub enum Mode {
        Auto,
        Manual,
    }
    crate::string_enum!(Mode (strict) { Auto = "auto", Manual = "manual" });

    /// A short code.
    #[derive(Debug, Clone, PartialEq, Eq, Hash)]
    pub struct Code(String);
    crate::constrained!(
        Code(String),
        min_length = 2,
        max_length = 4,
        pattern = "^[A-Z]+$"
    );

    #[derive(Debug, Clone, PartialEq)]
    pub struct Percent(u8);
    crate::constrained!(Percent(u8), maximum = 100.0);

    #[test]
    fn open_enum_keeps_unknown_values() {
        let l: Light = serde_json::from_str("\"dim\"").unwrap();
        assert_eq!(l, Light::Unknown("dim".into()));
        assert_eq!(serde_json::to_string(&l).unwrap(), "\"dim\"");
        assert_eq!(Light::from_str("on").unwrap(), Light::On);
        assert_eq!(Light::KNOWN, ["on", "off"]);
        let schema = serde_json::to_value(schemars::schema_for!(Light)).unwrap();
        assert_eq!(schema["anyOf"][0]["enum"], serde_json::json!(["on", "off"]));
    }

    #[test]
    fn strict_enum_rejects_unknown_values() {
        assert!(serde_json::from_str::<Mode>("\"turbo\"").is_err());
        assert_eq!(
            serde_json::from_str::<Mode>("\"auto\"").unwrap(),
            Mode::Auto
        );
        assert_eq!(Mode::Manual.to_string(), "manual");
        assert!("x".parse::<Mode>().is_err());
    }

    #[test]
    fn constrained_values_are_checked() {
        assert_eq!(Code::new("AB".into()).unwrap().get(), "AB");
        assert_eq!(
            Code::new("A".into()).unwrap_err(),
            "invalid Code: must be at least 2 characters long, is 1"
        );
        assert!(Code::new("ab".into()).unwrap_err().contains("pattern"));
        assert!(serde_json::from_str::<Code>("\"ABCDE\"").is_err());
        assert_eq!(
            serde_json::to_string(&Code::new("XYZ".into()).unwrap()).unwrap(),
            "\"XYZ\""
        );
        assert!(serde_json::from_str::<Percent>("101").is_err());
        assert_eq!(*serde_json::from_str::<Percent>("100").unwrap(), 100);
        assert_eq!(
            serde_json::to_value(schemars::schema_for!(Code)).unwrap()["pattern"],
            "^[A-Z]+$"
        );
        let percent = serde_json::to_value(schemars::schema_for!(Percent)).unwrap();
        assert_eq!(percent["maximum"], 100);
        assert_eq!(percent["format"], "uint8");
    }
}
