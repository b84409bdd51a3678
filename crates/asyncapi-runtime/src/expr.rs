//! AsyncAPI runtime expressions (`$message.header#/correlationId`,
//! `$message.payload#/meta/id`), as used by correlation IDs and reply addresses.

use serde_json::Value;

use crate::headers::Headers;

/// The value a runtime expression points at, as a string (numbers and booleans are written
/// out; objects and arrays as JSON). `None` when the expression is malformed or points at
/// nothing.
pub fn extract(expression: &str, headers: &Headers, payload: Option<&Value>) -> Option<String> {
    let (source, pointer) = expression.split_once('#').unwrap_or((expression, ""));
    match source {
        "$message.header" => {
            let mut tokens = pointer.strip_prefix('/')?.splitn(2, '/');
            let name = unescape(tokens.next()?);
            let first = headers.get(&name)?;
            match tokens.next() {
                None => Some(first.to_owned()),
                // A pointer into a structured header value (e.g. `MQMD/CorrelId`) needs JSON.
                Some(rest) => {
                    let v: Value = serde_json::from_str(first).ok()?;
                    scalar(v.pointer(&format!("/{rest}"))?)
                }
            }
        }
        "$message.payload" => scalar(payload?.pointer(pointer)?),
        _ => None,
    }
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::extract;
    use crate::Headers;
    use serde_json::json;

    #[test]
    fn header_and_payload_expressions() {
        let h: Headers = [("correlationId", "abc-1"), ("MQMD", r#"{"CorrelId": 7}"#)]
            .into_iter()
            .collect();
        let p = json!({"meta": {"id": 42, "tag": "x"}});
        assert_eq!(
            extract("$message.header#/correlationId", &h, None),
            Some("abc-1".into())
        );
        assert_eq!(
            extract("$message.header#/MQMD/CorrelId", &h, None),
            Some("7".into())
        );
        assert_eq!(
            extract("$message.payload#/meta/id", &h, Some(&p)),
            Some("42".into())
        );
        assert_eq!(extract("$message.payload#/missing", &h, Some(&p)), None);
        assert_eq!(extract("$request.header#/x", &h, Some(&p)), None);
    }
}
