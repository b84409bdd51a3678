//! Adobe I/O Events envelopes: one event or a batch (a JSON array) of events, each in the
//! `adobe_io` format (`event_id`, `event`, `recipient_client_id`) or as a structured
//! CloudEvents 1.0 document (`specversion`, `type`, `id`, `data`, plus Adobe's `eventid`
//! and `recipientclientid`).
//!
//! [`parse_body`] turns a webhook request body into [`Event`]s, each with its id, recipient
//! client id, event code, the headers to hand to the router and the exact bytes of that one
//! event. [`parse_journal_event`] does the same for one entry of a journal page.

use asyncapi_runtime::Headers;
use serde_json::{Map, Value};

/// Header that carries the event id (the same on every retry of an event).
pub const HEADER_EVENT_ID: &str = "x-adobe-event-id";
/// Header that carries the event code (the event type).
pub const HEADER_EVENT_CODE: &str = "x-adobe-event-code";

/// Default largest number of events in one batch delivery (Adobe's documented limit).
pub const DEFAULT_MAX_BATCH_EVENTS: usize = 20;
/// Default largest body (Adobe's documented batch limit, 2 MB, read as 2 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The delivery format of one event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"event_id": ..., "event": {...}, "recipient_client_id": ...}`.
    AdobeIo,
    /// CloudEvents 1.0 structured JSON (has `specversion`).
    CloudEvents,
    /// A JSON object in neither format, e.g. a journal entry of an older provider that holds
    /// the provider's body as it is.
    Unwrapped,
}

/// Limits on a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest number of events in a batch.
    pub max_events: usize,
    /// Largest body, in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_events: DEFAULT_MAX_BATCH_EVENTS,
            max_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// One event, ready to be dispatched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The event's delivery format.
    pub format: Format,
    /// The event id: CloudEvents `eventid`, else `id`, else the deprecated `event_id`;
    /// `adobe_io` `event_id`; for a single (non-batch) webhook event without one in its body,
    /// the request's `x-adobe-event-id` header.
    pub event_id: Option<String>,
    /// The recipient client id: CloudEvents `recipientclientid`, else the deprecated
    /// `recipient_client_id`; `adobe_io` `recipient_client_id`.
    pub recipient_client_id: Option<String>,
    /// The event code: CloudEvents `type`; `adobe_io` `event.header._adobeio.eventCode`; for
    /// a single (non-batch) webhook event without one in its body, the request's
    /// `x-adobe-event-code` header.
    pub event_code: Option<String>,
    /// Headers to pass to the router: the request's headers with `x-adobe-event-id` and
    /// `x-adobe-event-code` set to this event's id and code, or removed when unknown.
    pub headers: Headers,
    /// The exact JSON bytes of this one event.
    pub payload: Vec<u8>,
}

/// What one webhook request carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Whether the body was a JSON array (batch delivery), even of one event.
    pub batch: bool,
    /// The events, in body order.
    pub events: Vec<Event>,
}

/// Why a body is not a delivery Adobe could have sent.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// The body is not JSON.
    #[error("body is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// The body is larger than allowed.
    #[error("body is {size} bytes, more than the {limit} allowed")]
    TooLarge {
        /// Size of the body.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The batch has more events than allowed.
    #[error("batch has {count} events, more than the {limit} allowed")]
    TooManyEvents {
        /// Events in the batch.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// The batch is an empty array.
    #[error("batch is empty")]
    EmptyBatch,
    /// An event is not a JSON object.
    #[error("{} is not a JSON object", describe_index(*.index))]
    NotAnObject {
        /// Index in the batch, `None` for a single event.
        index: Option<usize>,
    },
}

fn describe_index(index: Option<usize>) -> String {
    match index {
        Some(i) => format!("batch element {i}"),
        None => "the event".to_owned(),
    }
}

/// Parses a webhook request body: one event, or a JSON array of events (batch).
///
/// `request_headers` are the request's headers; each event gets a copy of them with its own
/// `x-adobe-event-id` / `x-adobe-event-code`.
pub fn parse_body(
    body: &[u8],
    request_headers: &Headers,
    limits: &Limits,
) -> Result<Delivery, EnvelopeError> {
    if body.len() > limits.max_bytes {
        return Err(EnvelopeError::TooLarge {
            size: body.len(),
            limit: limits.max_bytes,
        });
    }
    let shape = crate::probe::shape(body)?;
    parse_shape(shape, body, request_headers, limits)
}

/// Like [`parse_body`], for a body already read by [`crate::probe::shape`].
pub(crate) fn parse_shape(
    shape: crate::probe::Shape<'_>,
    raw: &[u8],
    request_headers: &Headers,
    limits: &Limits,
) -> Result<Delivery, EnvelopeError> {
    use crate::probe::Shape;
    if raw.len() > limits.max_bytes {
        return Err(EnvelopeError::TooLarge {
            size: raw.len(),
            limit: limits.max_bytes,
        });
    }
    match shape {
        Shape::Array(items) => {
            if items.is_empty() {
                return Err(EnvelopeError::EmptyBatch);
            }
            if items.len() > limits.max_events {
                return Err(EnvelopeError::TooManyEvents {
                    count: items.len(),
                    limit: limits.max_events,
                });
            }
            let mut events = Vec::with_capacity(items.len());
            for (index, item) in items.iter().enumerate() {
                let Some(probe) = crate::probe::probe(item)? else {
                    return Err(EnvelopeError::NotAnObject { index: Some(index) });
                };
                let info = EventInfo::from_probe(&probe);
                // Only the element itself says what it is: the request's headers may name
                // another element of the batch.
                let headers = event_headers(
                    request_headers,
                    info.event_id.as_deref(),
                    info.event_code.as_deref(),
                );
                events.push(Event {
                    format: info.format,
                    event_id: info.event_id,
                    recipient_client_id: info.recipient_client_id,
                    event_code: info.event_code,
                    headers,
                    payload: item.get().as_bytes().to_vec(),
                });
            }
            Ok(Delivery {
                batch: true,
                events,
            })
        }
        Shape::Object(probe) => {
            let info = EventInfo::from_probe(&probe);
            let event_id = info
                .event_id
                .or_else(|| non_empty(request_headers.get(HEADER_EVENT_ID)));
            let event_code = info
                .event_code
                .or_else(|| non_empty(request_headers.get(HEADER_EVENT_CODE)));
            let headers =
                event_headers(request_headers, event_id.as_deref(), event_code.as_deref());
            Ok(Delivery {
                batch: false,
                events: vec![Event {
                    format: info.format,
                    event_id,
                    recipient_client_id: info.recipient_client_id,
                    event_code,
                    headers,
                    payload: raw.to_vec(),
                }],
            })
        }
        Shape::Other => Err(EnvelopeError::NotAnObject { index: None }),
    }
}

/// Parses the `event` of one journal entry. Journal entries carry no HTTP headers, so the
/// event's headers hold only its id and code (when known).
pub fn parse_journal_event(event: &Value) -> Result<Event, EnvelopeError> {
    let Value::Object(map) = event else {
        return Err(EnvelopeError::NotAnObject { index: None });
    };
    let info = EventInfo::of(map);
    let headers = event_headers(
        &Headers::new(),
        info.event_id.as_deref(),
        info.event_code.as_deref(),
    );
    Ok(Event {
        format: info.format,
        event_id: info.event_id,
        recipient_client_id: info.recipient_client_id,
        event_code: info.event_code,
        headers,
        payload: serde_json::to_vec(event)?,
    })
}

/// What an event's own body says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventInfo {
    /// The delivery format.
    pub format: Format,
    /// The event id found in the body.
    pub event_id: Option<String>,
    /// The recipient client id found in the body.
    pub recipient_client_id: Option<String>,
    /// The event code found in the body.
    pub event_code: Option<String>,
}

impl EventInfo {
    /// Reads the envelope fields of one event object. Fields that are not non-empty strings
    /// count as absent.
    pub fn of(map: &Map<String, Value>) -> EventInfo {
        let s = |key: &str| non_empty(map.get(key).and_then(Value::as_str));
        if map.contains_key("specversion") {
            EventInfo {
                format: Format::CloudEvents,
                event_id: s("eventid").or_else(|| s("id")).or_else(|| s("event_id")),
                recipient_client_id: s("recipientclientid").or_else(|| s("recipient_client_id")),
                event_code: s("type"),
            }
        } else if map.contains_key("event_id") || map.contains_key("event") {
            EventInfo {
                format: Format::AdobeIo,
                event_id: s("event_id"),
                recipient_client_id: s("recipient_client_id"),
                event_code: map.get("event").and_then(adobeio_event_code),
            }
        } else {
            EventInfo {
                format: Format::Unwrapped,
                event_id: None,
                recipient_client_id: None,
                event_code: adobeio_event_code_of(map),
            }
        }
    }
}

impl EventInfo {
    /// [`EventInfo::of`] on what [`crate::probe`] read of an event object.
    pub(crate) fn from_probe(p: &crate::probe::Probe) -> EventInfo {
        let s = |v: &Option<String>| non_empty(v.as_deref());
        if p.specversion {
            EventInfo {
                format: Format::CloudEvents,
                event_id: s(&p.eventid)
                    .or_else(|| s(&p.id))
                    .or_else(|| s(&p.event_id)),
                recipient_client_id: s(&p.recipientclientid).or_else(|| s(&p.recipient_client_id)),
                event_code: s(&p.r#type),
            }
        } else if p.has_event_id || p.has_event {
            EventInfo {
                format: Format::AdobeIo,
                event_id: s(&p.event_id),
                recipient_client_id: s(&p.recipient_client_id),
                event_code: s(&p.event_code_in_event),
            }
        } else {
            EventInfo {
                format: Format::Unwrapped,
                event_id: None,
                recipient_client_id: None,
                event_code: s(&p.event_code),
            }
        }
    }
}

/// `header._adobeio.eventCode` of a provider body.
fn adobeio_event_code(body: &Value) -> Option<String> {
    match body {
        Value::Object(map) => adobeio_event_code_of(map),
        _ => None,
    }
}

fn adobeio_event_code_of(body: &Map<String, Value>) -> Option<String> {
    non_empty(
        body.get("header")
            .and_then(|h| h.get("_adobeio"))
            .and_then(|a| a.get("eventCode"))
            .and_then(Value::as_str),
    )
}

fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A copy of `base` with `x-adobe-event-id` and `x-adobe-event-code` set to `id` and `code`,
/// or removed when they are `None`.
pub fn event_headers(base: &Headers, id: Option<&str>, code: Option<&str>) -> Headers {
    // A single event's request usually says already what its body says: then the event's
    // headers are the request's, shared rather than copied.
    let says = |name: &str, want: Option<&str>| {
        let mut values = base.get_all(name);
        match (values.next(), values.next(), want) {
            (Some(got), None, Some(want)) => got == want,
            (None, None, None) => true,
            _ => false,
        }
    };
    if says(HEADER_EVENT_ID, id) && says(HEADER_EVENT_CODE, code) {
        return base.clone();
    }
    let mut headers: Headers = base
        .iter()
        .filter(|(n, _)| {
            !n.eq_ignore_ascii_case(HEADER_EVENT_ID) && !n.eq_ignore_ascii_case(HEADER_EVENT_CODE)
        })
        .collect();
    if let Some(id) = id {
        headers.append(HEADER_EVENT_ID, id);
    }
    if let Some(code) = code {
        headers.append(HEADER_EVENT_CODE, code);
    }
    headers
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request_headers() -> Headers {
        [
            ("X-Adobe-Event-Id", "hdr-id"),
            ("x-adobe-event-code", "hdr-code"),
            ("x-adobe-delivery-id", "d-1"),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn event_headers_are_the_requests_when_they_agree() {
        let base: Headers = [
            ("X-Adobe-Event-Id", "e-1"),
            ("x-adobe-event-code", "c"),
            ("x-other", "o"),
        ]
        .into_iter()
        .collect();
        assert_eq!(event_headers(&base, Some("e-1"), Some("c")), base);
        // Otherwise the id and code are replaced (or removed), once each.
        let other = event_headers(&base, Some("e-2"), None);
        assert_eq!(other.get(HEADER_EVENT_ID), Some("e-2"));
        assert_eq!(other.get(HEADER_EVENT_CODE), None);
        assert_eq!(other.get("x-other"), Some("o"));
        let twice: Headers = [("x-adobe-event-id", "e-1"), ("x-adobe-event-id", "e-1")]
            .into_iter()
            .collect();
        let once = event_headers(&twice, Some("e-1"), None);
        assert_eq!(once.get_all(HEADER_EVENT_ID).count(), 1);
        let none = Headers::new();
        assert_eq!(event_headers(&none, None, None), none);
    }

    #[test]
    fn single_adobe_io_event_keeps_raw_bytes_and_takes_code_from_header() {
        let body = br#"{ "event_id": "e-1", "event": {"a": 1.50}, "recipient_client_id": "me" }"#;
        let d = parse_body(body, &request_headers(), &Limits::default()).unwrap();
        assert!(!d.batch);
        let e = &d.events[0];
        assert_eq!(e.format, Format::AdobeIo);
        assert_eq!(e.event_id.as_deref(), Some("e-1"));
        assert_eq!(e.recipient_client_id.as_deref(), Some("me"));
        assert_eq!(e.event_code.as_deref(), Some("hdr-code"));
        assert_eq!(e.payload, body.to_vec());
        assert_eq!(e.headers.get("x-adobe-event-id"), Some("e-1"));
        assert_eq!(e.headers.get_all("x-adobe-event-id").count(), 1);
        assert_eq!(e.headers.get("x-adobe-delivery-id"), Some("d-1"));
    }

    #[test]
    fn adobe_io_code_comes_from_the_pipeline_header() {
        let body = json!({"event_id": "e", "event": {"header": {"_adobeio": {"eventCode": "platform_event"}}}});
        let d = parse_body(
            body.to_string().as_bytes(),
            &request_headers(),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(d.events[0].event_code.as_deref(), Some("platform_event"));
        assert_eq!(
            d.events[0].headers.get("x-adobe-event-code"),
            Some("platform_event")
        );
    }

    #[test]
    fn single_event_without_id_uses_the_header() {
        let body = json!({"event": {}});
        let d = parse_body(
            body.to_string().as_bytes(),
            &request_headers(),
            &Limits::default(),
        )
        .unwrap();
        assert_eq!(d.events[0].event_id.as_deref(), Some("hdr-id"));
    }

    #[test]
    fn cloud_event_fields_and_fallbacks() {
        let ce = json!({"specversion": "1.0", "type": "t.x", "id": "ce-id", "eventid": "adobe-id",
                        "recipientclientid": "me", "data": {}});
        let map = ce.as_object().unwrap();
        let info = EventInfo::of(map);
        assert_eq!(info.format, Format::CloudEvents);
        assert_eq!(info.event_id.as_deref(), Some("adobe-id"));
        assert_eq!(info.recipient_client_id.as_deref(), Some("me"));
        assert_eq!(info.event_code.as_deref(), Some("t.x"));
        let ce = json!({"specversion": "1.0", "id": "ce-id", "recipient_client_id": "old"});
        let info = EventInfo::of(ce.as_object().unwrap());
        assert_eq!(info.event_id.as_deref(), Some("ce-id"));
        assert_eq!(info.recipient_client_id.as_deref(), Some("old"));
        let ce = json!({"specversion": "1.0", "event_id": "dep", "eventid": ""});
        assert_eq!(
            EventInfo::of(ce.as_object().unwrap()).event_id.as_deref(),
            Some("dep")
        );
    }

    #[test]
    fn batch_elements_get_their_own_headers_and_bytes() {
        let body = json!([
            {"specversion": "1.0", "type": "code.a", "eventid": "a", "recipientclientid": "me", "data": {"n": 1}},
            {"event_id": "b", "event": {"x": true}, "recipient_client_id": "me"},
        ]);
        let d = parse_body(
            body.to_string().as_bytes(),
            &request_headers(),
            &Limits::default(),
        )
        .unwrap();
        assert!(d.batch);
        assert_eq!(d.events.len(), 2);
        assert_eq!(d.events[0].headers.get("x-adobe-event-id"), Some("a"));
        assert_eq!(
            d.events[0].headers.get("x-adobe-event-code"),
            Some("code.a")
        );
        assert_eq!(d.events[1].headers.get("x-adobe-event-id"), Some("b"));
        // The request's code must not label an element whose code is unknown.
        assert_eq!(d.events[1].headers.get("x-adobe-event-code"), None);
        assert_eq!(d.events[1].event_code, None);
        let back: Value = serde_json::from_slice(&d.events[1].payload).unwrap();
        assert_eq!(back, body[1]);
        // Key order is kept on re-serialization.
        assert!(
            String::from_utf8(d.events[0].payload.clone())
                .unwrap()
                .starts_with(r#"{"specversion":"1.0","type":"code.a""#)
        );
    }

    #[test]
    fn limits_and_shapes() {
        let h = Headers::new();
        let limits = Limits {
            max_events: 2,
            max_bytes: 100,
        };
        assert!(matches!(
            parse_body(b"[{},{},{}]", &h, &limits),
            Err(EnvelopeError::TooManyEvents { count: 3, limit: 2 })
        ));
        assert!(matches!(
            parse_body(&[b' '; 101], &h, &limits),
            Err(EnvelopeError::TooLarge { .. })
        ));
        assert!(matches!(
            parse_body(b"[]", &h, &limits),
            Err(EnvelopeError::EmptyBatch)
        ));
        assert!(matches!(
            parse_body(b"[{}, 3]", &h, &limits),
            Err(EnvelopeError::NotAnObject { index: Some(1) })
        ));
        assert!(matches!(
            parse_body(b"\"x\"", &h, &limits),
            Err(EnvelopeError::NotAnObject { index: None })
        ));
        assert!(matches!(
            parse_body(b"{", &h, &limits),
            Err(EnvelopeError::Json(_))
        ));
        let deep = "[".repeat(10_000);
        assert!(
            parse_body(
                deep.as_bytes(),
                &h,
                &Limits {
                    max_events: 2,
                    max_bytes: 20_000
                }
            )
            .is_err()
        );
    }

    #[test]
    fn journal_events() {
        let ev = json!({"@id": "urn:x", "header": {"_adobeio": {"eventCode": "c"}}});
        let e = parse_journal_event(&ev).unwrap();
        assert_eq!(e.format, Format::Unwrapped);
        assert_eq!(e.event_id, None);
        assert_eq!(e.event_code.as_deref(), Some("c"));
        assert_eq!(
            e.headers.iter().collect::<Vec<_>>(),
            [("x-adobe-event-code", "c")]
        );
        let ev = json!({"specversion": "1.0", "type": "t", "id": "i"});
        let e = parse_journal_event(&ev).unwrap();
        assert_eq!(e.event_id.as_deref(), Some("i"));
        assert!(parse_journal_event(&json!(1)).is_err());
    }
}
