//! What a lenient load ([`crate::LoadOptions::lenient`]) assumes about the slips it reads
//! past. Real documents are often a little invalid; where a problem touches only
//! documentation, or has one obvious reading, a lenient load reports it as a warning that ends
//! with what it assumed, and goes on. A strict load reports the same problem, word for word,
//! as the error it is. Everything else (a `$ref` that does not resolve, an object where a
//! list belongs, a schema that is not one) is an error in both modes, because the generated
//! code would depend on a guess.
//!
//! Read past, as documentation (the value is ignored, as if it were absent):
//! - `description`, `summary`, `title` and `termsOfService` of AsyncAPI objects, the fields of
//!   `contact`, `license.url`, and the names and summaries of message examples, when they are
//!   not strings (`null` included);
//! - `contact`, `license`, `externalDocs` and each tag when they are not objects or lack their
//!   required `name`/`url`, and `tags` when it is not a list;
//! - message `examples` when it is not a list, and each example that is not an object, has
//!   neither `payload` nor `headers`, or has `headers` that are not an object; the `examples`
//!   of parameters and server variables when they are not lists of strings;
//! - `description` and `$comment` inside schemas when they are not strings (they are removed
//!   from the schema).
//!
//! Read one way, the obvious one (the schema is rewritten so):
//! - a `type` that names a JSON type in another case (`Integer`) or by a common alias (`int`,
//!   `int32`, `int64`, `long`, `float`, `double`, `bool`, `str`);
//! - a number written as a string where a schema keyword needs a number (`minimum: "0"`), or a
//!   non-negative integer for `minLength` and its kind (`maxItems: "10"`).
//!
//! This module holds the readings; the readers decide where each applies. It imports nothing
//! from the crate.

use serde_json::Number;

/// What a lenient load assumes about a documentation value it cannot use.
pub(crate) const IGNORED: &str = "it is ignored";

/// The repairs in a few lines, for front ends' help texts.
pub const LENIENT_READINGS: &str = "\
Read past with a warning, as documentation only: `description`, `summary`, `title` and \
`termsOfService` that are not strings; `contact`, `license`, `externalDocs` and tags that are \
null or malformed; `tags` that is not a list; message, parameter and server variable \
`examples` that are null or malformed; non-string `description` and `$comment` in schemas. \
Read the one obvious way, with a warning: a schema `type` written `int`, `int32`, `int64`, \
`long`, `float`, `double`, `bool`, `str` or in another case (`Integer`), and a number written \
as a string where a schema keyword needs one (`minimum: \"0\"`, `maxLength: \"10\"`). Every \
other error stops generation: unresolvable `$ref`s, a wrong structure, invalid schemas, an \
`allOf` no value satisfies, missing required fields outside documentation, a document larger \
than the size limit.";

const TYPES: &[&str] = &[
    "string", "number", "integer", "boolean", "object", "array", "null",
];

/// The JSON Schema type a written `type` name stands for, when it has one obvious reading:
/// a valid name in another case (`Integer`) or a common alias (`int`, `long`, `bool`...).
pub(crate) fn type_name(written: &str) -> Option<&'static str> {
    let lower = written.to_ascii_lowercase();
    if let Some(t) = TYPES.iter().find(|t| **t == lower) {
        return Some(t);
    }
    match lower.as_str() {
        "int" | "int32" | "int64" | "long" => Some("integer"),
        "float" | "double" => Some("number"),
        "bool" => Some("boolean"),
        "str" => Some("string"),
        _ => None,
    }
}

/// The number a quoted number stands for (`"0"`, `"-1.5"`, `"1e3"`); with
/// `non_negative_integer`, only a non-negative integer (`"10"`) has one.
pub(crate) fn quoted_number(text: &str, non_negative_integer: bool) -> Option<Number> {
    if non_negative_integer {
        return text.parse::<u64>().ok().map(Number::from);
    }
    if let Ok(i) = text.parse::<i64>() {
        return Some(Number::from(i));
    }
    if let Ok(u) = text.parse::<u64>() {
        return Some(Number::from(u));
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .and_then(Number::from_f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_with_one_reading() {
        assert_eq!(type_name("int"), Some("integer"));
        assert_eq!(type_name("Integer"), Some("integer"));
        assert_eq!(type_name("DOUBLE"), Some("number"));
        assert_eq!(type_name("bool"), Some("boolean"));
        assert_eq!(type_name("date"), None);
        assert_eq!(type_name("map"), None);
    }

    #[test]
    fn quoted_numbers() {
        assert_eq!(quoted_number("0", false), Some(Number::from(0)));
        assert_eq!(quoted_number("-3", false), Some(Number::from(-3)));
        assert_eq!(quoted_number("1.5", false), Number::from_f64(1.5));
        assert_eq!(quoted_number("10", true), Some(Number::from(10u64)));
        assert_eq!(quoted_number("-1", true), None);
        assert_eq!(quoted_number("1.5", true), None);
        assert_eq!(quoted_number("1e400", false), None);
        assert_eq!(quoted_number("ten", false), None);
    }
}
