//! Checks that the readers of both versions share, as plain functions of names and strings:
//! each says what is wrong (lowercase, no trailing period) and leaves reporting it, with a
//! location, to its caller. This module imports nothing from the crate.

/// The valid name closest to a misspelt one, when it is close enough to be a typo.
pub(crate) fn closest<'f>(name: &str, valid: &[&'f str]) -> Option<&'f str> {
    let lower = name.to_ascii_lowercase();
    valid
        .iter()
        .map(|v| {
            (
                strsim::damerau_levenshtein(&lower, &v.to_ascii_lowercase()),
                *v,
            )
        })
        .filter(|(d, v)| *d <= 2.max(v.len() / 4) && *d < v.len())
        .min_by_key(|(d, v)| (*d, *v))
        .map(|(_, v)| v)
}

/// The `{names}` in a URL or address template, in order.
pub fn template_names(template: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push(after[..end].to_owned());
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// How a channel address and the parameters defined for it disagree.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct AddressMismatch<'a> {
    /// Names the address uses that no parameter defines, in address order.
    pub undefined: Vec<String>,
    /// Parameters the address does not use, in definition order.
    pub unused: Vec<&'a str>,
}

/// Compares the `{names}` of a channel address with the parameters defined for it.
pub(crate) fn address_parameters<'a>(
    address: &str,
    defined: impl IntoIterator<Item = &'a str>,
) -> AddressMismatch<'a> {
    let used = template_names(address);
    let defined: Vec<&str> = defined.into_iter().collect();
    AddressMismatch {
        undefined: used
            .iter()
            .filter(|u| !defined.contains(&u.as_str()))
            .cloned()
            .collect(),
        unused: defined
            .into_iter()
            .filter(|d| !used.iter().any(|u| u == d))
            .collect(),
    }
}

/// Component keys must match `^[a-zA-Z0-9.\-_]+$`.
pub(crate) fn component_key(name: &str) -> Result<(), String> {
    let valid = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        return Ok(());
    }
    Err(format!(
        "component name `{name}` may only contain letters, digits, `.`, `-` and `_`"
    ))
}

/// A `location` runtime expression must point into the message's headers or payload:
/// `$message.header#/...` or `$message.payload#/...` (the official schemas' pattern). `what`
/// names the object it belongs to (`correlation ID`, `reply address`).
pub(crate) fn message_expression(what: &str, location: &str) -> Result<(), String> {
    if location.is_empty()
        || location.starts_with("$message.header#")
        || location.starts_with("$message.payload#")
    {
        return Ok(());
    }
    Err(format!(
        "{what} location `{location}` must be a runtime expression starting with `$message.header#` or `$message.payload#`"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_finds_typos_only() {
        let fields = ["headers", "payload", "contentType", "correlationId"];
        assert_eq!(closest("header", &fields), Some("headers"));
        assert_eq!(closest("contenttype", &fields), Some("contentType"));
        assert_eq!(closest("payloda", &fields), Some("payload"));
        assert_eq!(closest("zzz", &fields), None);
    }

    #[test]
    fn address_parameters_finds_both_directions() {
        let m = address_parameters("a/{x}/{y}", ["y", "z"]);
        assert_eq!(m.undefined, ["x"]);
        assert_eq!(m.unused, ["z"]);
        assert_eq!(
            address_parameters("a/{x}", ["x"]),
            AddressMismatch::default()
        );
    }

    #[test]
    fn component_keys_and_expressions() {
        assert!(component_key("Light.Measured_1-a").is_ok());
        assert!(component_key("").is_err());
        assert!(component_key("a b").is_err());
        assert!(message_expression("correlation ID", "$message.header#/id").is_ok());
        assert!(message_expression("correlation ID", "$message.headers#/id").is_err());
    }
}
