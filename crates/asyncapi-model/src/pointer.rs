//! JSON pointers (RFC 6901) as used in `$ref` fragments and in diagnostics.

use serde_json::Value;

/// Escapes one reference token: `~` becomes `~0`, `/` becomes `~1`.
pub fn escape(token: &str) -> String {
    if !token.contains(['~', '/']) {
        return token.to_owned();
    }
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends one unescaped token to a pointer.
pub fn push(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    out.push('/');
    out.push_str(&escape(token));
    out
}

/// Splits a pointer into its unescaped tokens. Returns `None` when the text is not a pointer
/// (non-empty and not starting with `/`, or a `~` not followed by `0` or `1`).
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').map(unescape).collect()
}

fn unescape(token: &str) -> Option<String> {
    if !token.contains('~') {
        return Some(token.to_owned());
    }
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// Follows a pointer into a value; `Err` carries the longest prefix that exists.
pub fn get<'v>(root: &'v Value, pointer: &str) -> Result<&'v Value, LookupError> {
    let Some(tokens) = tokens(pointer) else {
        return Err(LookupError::Malformed);
    };
    let mut node = root;
    let mut found = String::new();
    for token in tokens {
        let next = match node {
            Value::Object(map) => map.get(&token),
            Value::Array(items) => parse_index(&token).and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(next) => {
                node = next;
                found = push(&found, &token);
            }
            None => return Err(LookupError::Missing { found, token }),
        }
    }
    Ok(node)
}

fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    if !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    token.parse().ok()
}

/// Why a pointer did not lead to a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// The pointer text is not a JSON pointer.
    Malformed,
    /// `found` exists but has no member `token`.
    Missing { found: String, token: String },
}

/// The last token of a pointer, unescaped (`""` for the root).
pub fn last_token(pointer: &str) -> String {
    tokens(pointer)
        .and_then(|t| t.last().cloned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_round_trip() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(tokens("/a~1b~0c/0"), Some(vec!["a/b~c".into(), "0".into()]));
        assert_eq!(tokens("a"), None);
        assert_eq!(tokens("/bad~2"), None);
    }

    #[test]
    fn get_follows_objects_and_arrays() {
        let v = json!({"a/b": [1, {"c~": true}]});
        assert_eq!(get(&v, "/a~1b/1/c~0"), Ok(&json!(true)));
        assert_eq!(
            get(&v, "/a~1b/7"),
            Err(LookupError::Missing {
                found: "/a~1b".into(),
                token: "7".into()
            })
        );
        assert!(get(&v, "/a~1b/01").is_err());
        assert_eq!(get(&v, ""), Ok(&v));
    }
}
