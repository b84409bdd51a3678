//! What crosses the boundary between a transport and generated code, and the message
//! selection rules every generated router follows.

use std::future::Future;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{DispatchError, HandlerError, PayloadError};
use crate::headers::Headers;

/// A message as a transport received it.
#[derive(Debug, Clone, Copy)]
pub struct Incoming<'a> {
    /// The concrete channel address (topic, path...), or `None` when the transport cannot
    /// tell (one webhook URL receiving every event type): then every receive operation is a
    /// candidate.
    pub address: Option<&'a str>,
    pub headers: &'a Headers,
    pub content_type: Option<&'a str>,
    pub payload: &'a [u8],
}

/// A message ready for a transport to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub address: String,
    pub headers: Headers,
    pub content_type: Option<String>,
    pub payload: Vec<u8>,
}

/// What a handler is told besides the typed message.
#[derive(Debug, Clone)]
pub struct Context {
    /// The operation whose handler method is called.
    pub operation: &'static str,
    /// The channel's key in the document.
    pub channel: &'static str,
    /// The message's key in its channel.
    pub message: &'static str,
    /// The concrete address the message arrived on, when known.
    pub address: Option<String>,
    /// Every header as it arrived.
    pub headers: Headers,
    pub content_type: Option<String>,
    /// The message's correlation ID, when the document says where it is and it is there.
    pub correlation_id: Option<String>,
}

/// The result of a successful dispatch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dispatched {
    pub operation: &'static str,
    pub message: &'static str,
    /// For an operation with a reply: the reply the handler returned, addressed and encoded.
    pub reply: Option<Outgoing>,
}

/// Implemented by generated routers: take what arrived, call the right typed handler.
pub trait Dispatch: Send + Sync {
    fn dispatch<'a>(
        &'a self,
        incoming: Incoming<'a>,
    ) -> impl Future<Output = Result<Dispatched, DispatchError>> + Send + 'a;
}

/// Where generated send functions hand encoded messages.
pub trait Sink: Send + Sync {
    fn send(&self, message: Outgoing) -> impl Future<Output = Result<(), HandlerError>> + Send;
}

/// How a message can be recognised, as generated from the document.
#[derive(Debug, Clone, Copy)]
pub struct Candidate {
    pub message: &'static str,
    /// Headers whose schema is a `const`: `(name, value)`; a header that is present must hold.
    pub header_consts: &'static [(&'static str, &'static str)],
    /// Payload properties that are `const`: alternatives (one per `oneOf` branch that has
    /// any), each a list of `(JSON pointer, JSON text of the value)` that must all hold.
    pub payload_consts: &'static [&'static [(&'static str, &'static str)]],
    /// The message's content type, when the document gives one.
    pub content_type: Option<&'static str>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Match,
    Mismatch,
    Unknown,
}

/// One selection rule: what it says of a candidate, and why when it rules it out.
type Rule<'a> = dyn Fn(&Candidate) -> (Verdict, String) + 'a;

fn base_media_type(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn json_eq(actual: &Value, literal: &str) -> bool {
    match (
        actual,
        literal.strip_prefix('"').and_then(|l| l.strip_suffix('"')),
    ) {
        (Value::String(s), Some(lit)) if !lit.contains('\\') => s == lit,
        _ => serde_json::from_str::<Value>(literal).is_ok_and(|v| &v == actual),
    }
}

/// Chooses among `candidates` by the document's rules, in order: headers whose schema is a
/// `const`, payload properties that are `const`, the content type, and last the one message
/// whose payload schema accepts the payload (`accepts(i)`). At each rule, candidates that
/// match positively win over those the rule says nothing about; those that contradict it
/// are dropped.
pub fn select(
    channel: &'static str,
    candidates: &[Candidate],
    headers: &Headers,
    content_type: Option<&str>,
    payload: &Parsed<'_>,
    mut accepts: impl FnMut(usize) -> Result<(), PayloadError>,
) -> Result<usize, DispatchError> {
    // The reasons a candidate was ruled out are written only when nothing matches: a
    // message on one webhook URL rules out every other message of the API.
    let mut run = |explain| {
        select_explaining(
            channel,
            candidates,
            headers,
            content_type,
            payload,
            &mut accepts,
            explain,
        )
    };
    run(false).or_else(|_| run(true))
}

fn select_explaining(
    channel: &'static str,
    candidates: &[Candidate],
    headers: &Headers,
    content_type: Option<&str>,
    payload: &Parsed<'_>,
    accepts: &mut impl FnMut(usize) -> Result<(), PayloadError>,
    explain: bool,
) -> Result<usize, DispatchError> {
    let why = |text: &dyn Fn() -> String| if explain { text() } else { String::new() };
    let mut alive: Vec<usize> = (0..candidates.len()).collect();
    let mut reasons: Vec<(&'static str, String)> = Vec::new();
    let rules: [&Rule<'_>; 3] = [
        &|c: &Candidate| {
            if c.header_consts.is_empty() {
                return (Verdict::Unknown, String::new());
            }
            // An absent header says nothing (a journal entry has no HTTP headers); a present
            // one with another value rules the message out.
            let mut present = false;
            for (name, value) in c.header_consts {
                match headers.get(name) {
                    None => {}
                    Some(got) if got == *value => present = true,
                    Some(got) => {
                        return (
                            Verdict::Mismatch,
                            why(&|| format!("header `{name}` must be `{value}`, got `{got}`")),
                        );
                    }
                }
            }
            (
                if present {
                    Verdict::Match
                } else {
                    Verdict::Unknown
                },
                String::new(),
            )
        },
        &|c: &Candidate| {
            if c.payload_consts.is_empty() {
                return (Verdict::Unknown, String::new());
            }
            let Ok(p) = payload.value() else {
                return (Verdict::Unknown, String::new());
            };
            let ok = c.payload_consts.iter().any(|alt| {
                alt.iter()
                    .all(|(ptr, lit)| p.pointer(ptr).is_some_and(|v| json_eq(v, lit)))
            });
            if ok {
                (Verdict::Match, String::new())
            } else {
                let text = || {
                    let want: Vec<String> = c
                        .payload_consts
                        .iter()
                        .flat_map(|alt| alt.iter().map(|(p, l)| format!("{p} = {l}")))
                        .collect();
                    format!("payload must have {}", want.join(" or "))
                };
                (Verdict::Mismatch, why(&text))
            }
        },
        &|c: &Candidate| match (c.content_type, content_type) {
            (Some(want), Some(got)) if base_media_type(want) == base_media_type(got) => {
                (Verdict::Match, String::new())
            }
            (Some(want), Some(got)) => (
                Verdict::Mismatch,
                why(&|| format!("content type must be `{want}`, got `{got}`")),
            ),
            _ => (Verdict::Unknown, String::new()),
        },
    ];
    // Every rule applies even to the last candidate: a message whose const header, const
    // payload property or content type contradicts what arrived is not that message.
    for rule in rules {
        if alive.is_empty() {
            break;
        }
        let verdicts: Vec<(usize, Verdict, String)> = alive
            .iter()
            .map(|&i| {
                let (v, why) = rule(&candidates[i]);
                (i, v, why)
            })
            .collect();
        let any_match = verdicts.iter().any(|(_, v, _)| *v == Verdict::Match);
        let mut next = Vec::new();
        for (i, v, why) in verdicts {
            match v {
                Verdict::Match => next.push(i),
                Verdict::Unknown if !any_match => next.push(i),
                Verdict::Mismatch => reasons.push((candidates[i].message, why)),
                Verdict::Unknown => {}
            }
        }
        alive = next;
    }
    match alive.len() {
        0 => Err(DispatchError::NoMatchingMessage { channel, reasons }),
        1 => Ok(alive[0]),
        _ => {
            let mut fits = Vec::new();
            for &i in &alive {
                match accepts(i) {
                    Ok(()) => fits.push(i),
                    Err(e) => reasons.push((candidates[i].message, e.to_string())),
                }
            }
            match fits.len() {
                1 => Ok(fits[0]),
                0 => Err(DispatchError::NoMatchingMessage { channel, reasons }),
                _ => Err(DispatchError::AmbiguousMessage {
                    channel,
                    candidates: fits.iter().map(|&i| candidates[i].message).collect(),
                }),
            }
        }
    }
}

/// Deserializes a value, reporting the path to the field that failed.
pub fn decode_json<T: DeserializeOwned>(value: &Value) -> Result<T, PayloadError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        PayloadError {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// A payload as it arrived. Typed messages are decoded straight from its bytes; the JSON
/// value is built only when something needs it (a `const` payload property to tell
/// messages apart, a correlation ID or reply address inside the payload), and then once.
#[derive(Debug)]
pub struct Parsed<'a> {
    bytes: &'a [u8],
    value: std::sync::OnceLock<Result<Value, String>>,
}

impl<'a> Parsed<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Parsed {
            bytes,
            value: std::sync::OnceLock::new(),
        }
    }

    /// The payload's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The payload as a JSON value (parsed on first use), or why it is not JSON.
    pub fn value(&self) -> Result<&Value, &str> {
        self.value
            .get_or_init(|| {
                serde_json::from_slice(self.bytes).map_err(|e| format!("not JSON: {e}"))
            })
            .as_ref()
            .map_err(String::as_str)
    }

    /// Deserializes the payload as `T`: from the JSON value when it was already built,
    /// else from the bytes; an error names the path to the field that failed.
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, PayloadError> {
        if let Some(Ok(value)) = self.value.get() {
            return decode_json(value);
        }
        // The fast path has no path tracking; only a payload that fails pays for it.
        match serde_json::from_slice(self.bytes) {
            Ok(v) => Ok(v),
            Err(e) if e.is_data() => {
                let mut de = serde_json::Deserializer::from_slice(self.bytes);
                match serde_path_to_error::deserialize::<_, T>(&mut de) {
                    Err(e) => Err(PayloadError {
                        path: e.path().to_string(),
                        message: strip_position(e.into_inner()),
                    }),
                    Ok(_) => Err(PayloadError {
                        path: ".".into(),
                        message: strip_position(e),
                    }),
                }
            }
            Err(e) => Err(PayloadError {
                path: ".".into(),
                message: format!("not JSON: {e}"),
            }),
        }
    }
}

/// A data error's message without the ` at line L column C` that serde_json adds when it
/// reads bytes: the path says where, as it does for a decode from a JSON value.
fn strip_position(e: serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) if e.line() > 0 => text[..at].to_owned(),
        _ => text,
    }
}

/// The payload of a message, for [`select`] and the decoders below (parsed lazily).
pub fn parse_payload(payload: &[u8]) -> Parsed<'_> {
    Parsed::new(payload)
}

/// Decodes the payload of `message`.
pub fn decode_payload<T: DeserializeOwned>(
    message: &'static str,
    parsed: &Parsed<'_>,
) -> Result<T, DispatchError> {
    parsed
        .decode()
        .map_err(|error| DispatchError::BadPayload { message, error })
}

/// Whether the payload deserializes as `T` (the last selection rule).
pub fn accepts<T: DeserializeOwned>(parsed: &Parsed<'_>) -> Result<(), PayloadError> {
    parsed.decode::<T>().map(|_| ())
}

/// Decodes the headers of `message` into their typed struct.
pub fn decode_headers<T: DeserializeOwned>(
    message: &'static str,
    headers: &Headers,
    declared: &[(&str, HeaderKind)],
) -> Result<T, DispatchError> {
    if let Ok(typed) = crate::header_de::deserialize(headers, declared) {
        return Ok(typed);
    }
    decode_json(&headers_to_json(headers, declared))
        .map_err(|error| DispatchError::BadHeaders { message, error })
}

/// Decodes one address parameter, matched from the address, into its schema's type.
pub fn decode_param<T: DeserializeOwned>(
    channel: &'static str,
    name: &'static str,
    params: &[(String, String)],
    kind: HeaderKind,
) -> Result<T, DispatchError> {
    let raw = params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    decode_json(&text_to_json(raw, kind)).map_err(|error| DispatchError::BadParameter {
        channel,
        name,
        value: raw.to_owned(),
        reason: error.message,
    })
}

/// The context handed to a handler, with the correlation ID read from where the document
/// says it is.
pub fn context(
    operation: &'static str,
    channel: &'static str,
    message: &'static str,
    incoming: &Incoming<'_>,
    correlation: Option<&str>,
    parsed: &Parsed<'_>,
) -> Context {
    Context {
        operation,
        channel,
        message,
        address: incoming.address.map(str::to_owned),
        headers: incoming.headers.clone(),
        content_type: incoming.content_type.map(str::to_owned),
        correlation_id: correlation.and_then(|expr| extract(expr, incoming.headers, parsed)),
    }
}

/// A runtime expression's value; the payload is parsed only for a `$message.payload` one.
fn extract(expr: &str, headers: &Headers, parsed: &Parsed<'_>) -> Option<String> {
    let payload = if expr.starts_with("$message.payload") {
        parsed.value().ok()
    } else {
        None
    };
    crate::expr::extract(expr, headers, payload)
}

/// The address of a reply: from the request message (`location`, a runtime expression),
/// else the reply channel's fixed address, else empty (logged).
pub fn reply_address(
    operation: &'static str,
    location: Option<&str>,
    fixed: Option<&str>,
    incoming: &Incoming<'_>,
    parsed: &Parsed<'_>,
) -> String {
    let from_message = location.and_then(|expr| extract(expr, incoming.headers, parsed));
    match from_message.or_else(|| fixed.map(str::to_owned)) {
        Some(a) => a,
        None => {
            tracing::warn!(
                operation,
                "no reply address: the request has none and the reply channel has no fixed address"
            );
            String::new()
        }
    }
}

/// How a header's text is read into its schema's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    String,
    Integer,
    Number,
    Boolean,
    /// Objects and arrays, carried as JSON text.
    Json,
}

/// Headers as a JSON object for their typed struct: each declared header (matched without
/// regard to case, stored under the document's name) read as its kind says; other headers
/// kept as strings under their own names. A value that does not parse as its kind stays a
/// string, so deserializing reports it with its name.
pub fn headers_to_json(headers: &Headers, declared: &[(&str, HeaderKind)]) -> Value {
    let mut map = serde_json::Map::new();
    for (name, value) in headers.iter() {
        if declared.iter().any(|(d, _)| d.eq_ignore_ascii_case(name)) || map.contains_key(name) {
            continue;
        }
        map.insert(name.to_owned(), Value::String(value.to_owned()));
    }
    for (name, kind) in declared {
        let Some(text) = headers.get(name) else {
            continue;
        };
        map.insert((*name).to_owned(), text_to_json(text, *kind));
    }
    Value::Object(map)
}

/// One text value (a header, an address parameter) as the JSON its schema's type expects;
/// text that does not parse as that type stays a string, so deserializing reports it.
pub fn text_to_json(text: &str, kind: HeaderKind) -> Value {
    let parsed = match kind {
        HeaderKind::String => None,
        _ => serde_json::from_str::<Value>(text.trim())
            .ok()
            .filter(|v| match kind {
                HeaderKind::Integer => v.is_i64() || v.is_u64(),
                HeaderKind::Number => v.is_number(),
                HeaderKind::Boolean => v.is_boolean(),
                _ => v.is_object() || v.is_array(),
            }),
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// A typed headers struct, serialized to JSON, as headers: strings as they are, other
/// scalars written out, objects and arrays as JSON text, nulls left out.
pub fn json_to_headers(value: &Value) -> Headers {
    let mut out = Headers::new();
    if let Value::Object(map) = value {
        for (k, v) in map {
            match v {
                Value::Null => {}
                Value::String(s) => out.append(k.clone(), s.clone()),
                other => out.append(k.clone(), other.to_string()),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const A: Candidate = Candidate {
        message: "a",
        header_consts: &[("x-code", "a")],
        payload_consts: &[&[("/type", "\"com.a\"")]],
        content_type: None,
    };
    const B: Candidate = Candidate {
        message: "b",
        header_consts: &[("x-code", "b")],
        payload_consts: &[&[("/type", "\"com.b\"")]],
        content_type: None,
    };
    const PLAIN: Candidate = Candidate {
        message: "plain",
        header_consts: &[],
        payload_consts: &[],
        content_type: Some("text/plain"),
    };
    const JSON: Candidate = Candidate {
        message: "json",
        header_consts: &[],
        payload_consts: &[],
        content_type: Some("application/json"),
    };

    fn ok(_: usize) -> Result<(), PayloadError> {
        Ok(())
    }

    #[test]
    fn header_const_wins_then_payload_const() {
        let h: Headers = [("X-Code", "b")].into_iter().collect();
        assert_eq!(
            select("c", &[A, B], &h, None, &Parsed::new(b""), ok).unwrap(),
            1
        );
        let none = Headers::new();
        let p = Parsed::new(br#"{"type": "com.a"}"#);
        assert_eq!(select("c", &[A, B], &none, None, &p, ok).unwrap(), 0);
    }

    #[test]
    fn mismatches_are_explained() {
        let h: Headers = [("x-code", "zzz")].into_iter().collect();
        let err = select("c", &[A, B], &h, None, &Parsed::new(b""), ok).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no message of channel `c` matches; a: header `x-code` must be `a`, got `zzz`; b: header `x-code` must be `b`, got `zzz`"
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn the_last_candidate_must_fit_too() {
        let h = Headers::new();
        let err = select(
            "c",
            &[PLAIN],
            &h,
            Some("application/json"),
            &Parsed::new(b""),
            ok,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "no message of channel `c` matches; plain: content type must be `text/plain`, got `application/json`"
        );
        let h: Headers = [("x-code", "b")].into_iter().collect();
        assert!(select("c", &[A], &h, None, &Parsed::new(b""), ok).is_err());
        // Saying nothing is not contradicting.
        assert_eq!(
            select("c", &[A], &Headers::new(), None, &Parsed::new(b""), ok).unwrap(),
            0
        );
    }

    #[test]
    fn content_type_then_schema() {
        let h = Headers::new();
        assert_eq!(
            select(
                "c",
                &[PLAIN, JSON],
                &h,
                Some("application/json; charset=utf-8"),
                &Parsed::new(b""),
                ok
            )
            .unwrap(),
            1
        );
        // Nothing tells them apart but the schema: exactly one accepts.
        let only_second = |i: usize| {
            if i == 1 {
                Ok(())
            } else {
                Err(PayloadError {
                    path: ".".into(),
                    message: "no".into(),
                })
            }
        };
        assert_eq!(
            select(
                "c",
                &[PLAIN, JSON],
                &h,
                None,
                &Parsed::new(b""),
                only_second
            )
            .unwrap(),
            1
        );
        let err = select("c", &[PLAIN, JSON], &h, None, &Parsed::new(b""), ok).unwrap_err();
        assert!(
            matches!(err, DispatchError::AmbiguousMessage { .. }),
            "{err}"
        );
    }

    #[test]
    fn headers_are_typed_by_their_schema() {
        let h: Headers = [
            ("X-Adobe-Retry-Count", "2"),
            ("x-flag", "true"),
            ("other", "7"),
            ("x-bad", "x"),
        ]
        .into_iter()
        .collect();
        let v = headers_to_json(
            &h,
            &[
                ("x-adobe-retry-count", HeaderKind::Integer),
                ("x-flag", HeaderKind::Boolean),
                ("x-bad", HeaderKind::Integer),
            ],
        );
        assert_eq!(
            v,
            json!({"x-adobe-retry-count": 2, "x-flag": true, "other": "7", "x-bad": "x"})
        );
        let back = json_to_headers(&json!({"a": 1, "b": "s", "c": null}));
        assert_eq!(back.iter().collect::<Vec<_>>(), [("a", "1"), ("b", "s")]);
    }

    #[test]
    fn decode_reports_the_failing_path() {
        #[derive(Debug, serde::Deserialize)]
        struct Inner {
            #[allow(dead_code)]
            n: u32,
        }
        #[derive(Debug, serde::Deserialize)]
        struct Outer {
            #[allow(dead_code)]
            inner: Inner,
        }
        let e = decode_json::<Outer>(&json!({"inner": {"n": "x"}})).unwrap_err();
        assert_eq!(e.path, "inner.n");
        // From bytes: the same path and message, without serde_json's position.
        let e = Parsed::new(br#"{"inner": {"n": "x"}}"#)
            .decode::<Outer>()
            .unwrap_err();
        assert_eq!(e.path, "inner.n");
        assert_eq!(e.message, "invalid type: string \"x\", expected u32");
        let e = Parsed::new(b"{\"inner\": ").decode::<Outer>().unwrap_err();
        assert_eq!(e.path, ".");
        assert!(e.message.starts_with("not JSON: "), "{}", e.message);
        let e = Parsed::new(br#"{"inner": {"n": 1}} trailing"#)
            .decode::<Outer>()
            .unwrap_err();
        assert!(e.message.starts_with("not JSON: "), "{}", e.message);
    }

    #[test]
    fn the_value_is_built_only_when_asked_for_and_once() {
        #[derive(Debug, PartialEq, serde::Deserialize)]
        struct P {
            n: u32,
        }
        let parsed = Parsed::new(br#"{"n": 3}"#);
        assert_eq!(parsed.decode::<P>().unwrap(), P { n: 3 });
        assert!(parsed.value.get().is_none());
        assert_eq!(parsed.value().unwrap()["n"], 3);
        let first: *const Value = parsed.value().unwrap();
        assert!(std::ptr::eq(first, parsed.value().unwrap()));
        // Decoding after the value exists reads the value.
        assert_eq!(parsed.decode::<P>().unwrap(), P { n: 3 });
        assert_eq!(
            Parsed::new(b"not json").value().unwrap_err(),
            "not JSON: expected ident at line 1 column 2"
        );
    }
}
